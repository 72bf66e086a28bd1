# shellcheck shell=bash
# Sourced by the training benchmarks (train-vs-pytorch.sh, platform-overhead.sh): facts about the
# machine and about a measured process, so that a figure is never read without its conditions.
# Not a script of its own. Needs python3 (stdlib) for the JSON.
#
# `machine_facts_json`          one JSON object: CPU model, cores, kernel, load average, whether
#                               jemalloc is preloaded, MKL_CBWR, OMP_NUM_THREADS
# `cpu_snapshot`                "total steal busy" jiffies from /proc/stat's cpu line (busy: user,
#                               nice, system, irq, softirq; all cores together)
# `children_cpu_jiffies`        CPU time of this shell's waited-for children so far (cutime +
#                               cstime of /proc/$$/stat: the script's own shell), in jiffies
# `others_load BEFORE AFTER OWN` the cores that processes other than ours kept busy on average
#                               between two cpu_snapshots: busy time minus OWN (our children's
#                               jiffies in between), over the elapsed time (two decimals, ≥ 0)
# `steal_percent BEFORE AFTER`  steal as a share of all CPU time between two snapshots (one
#                               decimal); on a VM, time the hypervisor gave to someone else
# `watch_process PID OUT`       until PID exits, samples its thread count and native libraries
#                               (/proc/PID/status, /proc/PID/maps) into OUT.threads / OUT.libs
# `process_facts_json OUT`      {"os_threads_max": N, "native_libs": [...]} from those files
# `core_to_core_ns`             median round trip (ns) of a cache line bounced between two threads
#                               (lib/CoreToCore.java, ~0.5 s with the JDK's source launcher), or
#                               null: tells which placement the hypervisor gave the two vCPUs

# Ratios are not printed when the hypervisor took more than this share of the CPU during a run.
MAX_STEAL_PERCENT=${MAX_STEAL_PERCENT:-10}

cpu_snapshot() {
  # cpu  user nice system idle iowait irq softirq steal guest guest_nice
  awk '$1 == "cpu" { total = 0; for (i = 2; i <= 9; i++) total += $i
                     print total, $9, $2 + $3 + $4 + $7 + $8; exit }' /proc/stat
}

children_cpu_jiffies() {
  # Fields 16 and 17 once the "(comm)" field, which may hold spaces, is cut off: cutime, cstime.
  sed 's/^.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'
}

others_load() {
  local before=($1) after=($2) own=$3
  awk -v t0="${before[0]}" -v b0="${before[2]}" -v t1="${after[0]}" -v b1="${after[2]}" \
    -v own="$own" -v cores="$(nproc 2>/dev/null || echo 1)" \
    'BEGIN { d = t1 - t0; o = d > 0 ? cores * (b1 - b0 - own) / d : 0
             printf "%.2f\n", (o > 0 ? o : 0) }'
}

steal_percent() {
  local before=($1) after=($2)
  awk -v t0="${before[0]}" -v s0="${before[1]}" -v t1="${after[0]}" -v s1="${after[1]}" \
    'BEGIN { d = t1 - t0; printf "%.1f\n", (d > 0 ? 100 * (s1 - s0) / d : 0) }'
}

loadavg_1m() { cut -d' ' -f1 /proc/loadavg; }

# The JDK is found once, as the launcher finds it; without one the figure is null, not an error.
core_to_core_ns() {
  if [ -z "${_c2c_java:-}" ]; then
    _c2c_java=$("$(dirname "${BASH_SOURCE[0]}")/../../digitlab" --print-java-home 2>/dev/null)/bin/java
  fi
  local ns
  ns=$("$_c2c_java" "$(dirname "${BASH_SOURCE[0]}")/CoreToCore.java" 2>/dev/null) || ns=""
  case $ns in '' | *[!0-9]*) echo null ;; *) echo "$ns" ;; esac
}

machine_facts_json() {
  local cpu cores kernel preload
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
  cores=$(nproc 2>/dev/null || echo 0)
  kernel=$(uname -r)
  preload=${LD_PRELOAD:-}
  python3 - "$cpu" "$cores" "$kernel" "$preload" "$(loadavg_1m)" <<'EOF'
import json, os, sys
cpu, cores, kernel, preload, load = sys.argv[1:6]
flags = ""
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = line
                break
except OSError:
    pass
simd = [f for f in ("avx512f", "avx2", "avx") if f" {f} " in flags + " "]
print(json.dumps({
    "bench": "machine", "cpu_model": cpu, "cores": int(cores), "simd": simd[0] if simd else "none",
    "kernel": kernel, "loadavg_1m": float(load), "ld_preload": preload or None,
    "malloc_conf": os.environ.get("MALLOC_CONF"), "mkl_cbwr": os.environ.get("MKL_CBWR"),
    "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    "max_steal_percent": float(os.environ.get("MAX_STEAL_PERCENT", "10")),
}))
EOF
}

watch_process() {
  local pid=$1 out=$2 threads max=0 tick=0
  : >"$out.libs"
  while kill -0 "$pid" 2>/dev/null; do
    threads=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    if [ -n "$threads" ] && [ "$threads" -gt "$max" ]; then max=$threads; fi
    # The libraries that decide speed: allocator, libtorch, OpenMP runtime, BLAS, oneDNN.
    # Read at 2.5 s (the engines have loaded libtorch by then) and every 5 s after, not at every
    # tick: reading /proc/PID/maps walks the process's memory map under its lock. Every 0.5 s it
    # slowed our fast runs by 3-14% in 4 of 4 pairs (PyTorch's alone: -10..+19%, 3 pairs); with
    # this rate both engines' throughput rose (fast: ours 7.9k -> 9.4k, PyTorch 8.4k -> 9.8k
    # images/s), and the ratios moved within the noise (session 7, docs/benchmarks.md).
    if [ $((tick % 10)) -eq 5 ]; then
      grep -oE '[^/ ]*(jemalloc|torch|gomp|iomp|omp|mkl|dnnl|openblas|blas)[^/ ]*\.so[.0-9]*' \
        "/proc/$pid/maps" 2>/dev/null | sort -u >>"$out.libs" || true
    fi
    tick=$((tick + 1))
    sleep 0.5
  done
  echo "$max" >"$out.threads"
}

process_facts_json() {
  local out=$1
  python3 - "$(cat "$out.threads" 2>/dev/null || echo 0)" "$out.libs" <<'EOF'
import json, sys
threads, libs = sys.argv[1:3]
try:
    with open(libs) as f:
        names = sorted({line.strip() for line in f if line.strip()})
except OSError:
    names = []
print(json.dumps({"os_threads_max": int(threads or 0), "native_libs": names}))
EOF
}
