#!/usr/bin/env bash
# Benchmark (not a test): trains each recipe with Digit Lab and with the PyTorch reference,
# back to back on this machine, and prints one comparison line per recipe. See bench/README.md.
#
#   bench/train-vs-pytorch.sh                       # mlp (2 epochs), cnn (1), lenet5 (1), fast (2)
#   MODELS=mlp ROUNDS=3 bench/train-vs-pytorch.sh   # medians of 3 paired rounds
#
# stdout: JSON lines only (the machine's facts, each engine's result as it comes, then the
# summary per recipe); progress notes go to stderr. A summary withholds its ratios when the
# hypervisor stole more than MAX_STEAL_PERCENT of the CPU during one of its runs.
#
# machine_busy (in a summary) means other processes shared the cores: during at least one run,
# processes other than the benchmark's own kept more than MAX_OTHERS_LOAD cores busy on average
# (others_load: all CPU time the kernel counted as busy in /proc/stat, minus the CPU time of the
# engine's process and its children, over the run's wall time). The engines' own training threads
# never count, so a quiet 2-core machine running both of them flat out is not busy; the 1-minute
# load average (loadavg_1m, still reported) counts them, and alone said busy at load 2 of 2 cores.
# The flag changes nothing measured: ratios are printed as before, to be read as a smoke test.
#
# Environment:
#   MODELS             recipes to run (default "mlp cnn lenet5 fast")
#   ROUNDS             paired rounds per recipe (default 1); summaries report medians
#   EPOCHS             epochs for every recipe (default: mlp 2, fast 2, cnn 1, lenet5 1)
#   MAX_STEAL_PERCENT  steal above which no ratio is printed (default 10)
#   MAX_OTHERS_LOAD    cores other processes may keep busy during a run before a summary says
#                      machine_busy (default 0.25)
#   DATA_DIR           MNIST IDX files (default $DIGITLAB_HOME/datasets/mnist, fetched by
#                      ./digitlab data fetch; an explicit DATA_DIR is used as is)
#   PYTORCH_REFERENCE  the reference's folder (default <repo>/../shared/bench/pytorch-reference)
#   DIGITLAB_JEMALLOC  0 = run both engines on glibc malloc instead of jemalloc
#   OURS_CMD           command for our side (default "<repo>/digitlab train"); gets
#                      --model M --epochs E --json --data-dir D appended
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
models=${MODELS:-mlp cnn lenet5 fast}
rounds=${ROUNDS:-1}
reference=${PYTORCH_REFERENCE:-$root/../shared/bench/pytorch-reference}
# A worktree one level further down (…/wt/NAME) finds the same shared folder.
if [ -z "${PYTORCH_REFERENCE:-}" ] && [ ! -d "$reference" ] && [ -d "$root/../../shared/bench/pytorch-reference" ]; then
  reference=$root/../../shared/bench/pytorch-reference
fi
# A fresh clone elsewhere (e.g. /tmp/ci) on the development machine finds its shared folder.
if [ -z "${PYTORCH_REFERENCE:-}" ] && [ ! -d "$reference" ] && [ -d /work/shared/bench/pytorch-reference ]; then
  reference=/work/shared/bench/pytorch-reference
fi
note() { echo "bench: $*" >&2; }
# shellcheck source=lib/machine.sh
. "$here/lib/machine.sh"

case $rounds in '' | *[!0-9]* | 0) note "ROUNDS must be a positive number, got '$rounds'"; exit 2 ;; esac

epochs_for() {
  if [ -n "${EPOCHS:-}" ]; then echo "$EPOCHS"; return; fi
  case $1 in mlp | fast) echo 2 ;; *) echo 1 ;; esac
}

if [ -n "${OURS_CMD:-}" ]; then
  read -r -a ours_cmd <<<"$OURS_CMD"
else
  ours_cmd=("$root/digitlab" train)
fi

# --- the same MKL mode for both engines: the launcher's reproducible default --------------------
export MKL_CBWR=${MKL_CBWR:-AUTO,STRICT}

# --- the same malloc for both engines (see ../shared/bench/DJL-NOTES.md) -----------------------
# The launcher would preload jemalloc for our side only; set it here so PyTorch gets it too.
jemalloc=""
if [ "${DIGITLAB_JEMALLOC:-1}" != 0 ]; then
  if [ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
    jemalloc=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  else
    ldconfig=$(command -v ldconfig 2>/dev/null || echo /sbin/ldconfig)
    if [ -x "$ldconfig" ]; then
      jemalloc=$("$ldconfig" -p 2>/dev/null | awk '$1 == "libjemalloc.so.2" {print $NF; exit}') || jemalloc=""
    fi
  fi
fi
if [ -n "$jemalloc" ]; then
  case " ${LD_PRELOAD:-} " in *"$jemalloc"*) ;; *) export LD_PRELOAD="$jemalloc${LD_PRELOAD:+:$LD_PRELOAD}" ;; esac
  export MALLOC_CONF=${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}
  malloc="jemalloc"
  note "malloc for both engines: jemalloc ($jemalloc, MALLOC_CONF=$MALLOC_CONF)"
else
  export DIGITLAB_JEMALLOC=0 # keep the launcher from choosing differently
  export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967295}
  malloc="glibc"
  note "malloc for both engines: glibc (GLIBC_TUNABLES=$GLIBC_TUNABLES); install libjemalloc2 for the tuned set-up"
fi

# --- set-up ------------------------------------------------------------------------------------
if [ ! -f "$reference/train.py" ]; then
  note "PyTorch reference not found at $reference (set PYTORCH_REFERENCE)"
  exit 2
fi
# setup.sh makes its .venv beside itself: a read-only reference folder (as the shared one may be)
# is copied once into target/bench, and set up there.
if [ ! -x "$reference/.venv/bin/python" ] && [ ! -w "$reference" ]; then
  copy=$root/target/bench/pytorch-reference
  note "$reference is read-only: setting up a copy in $copy"
  mkdir -p "$copy"
  cp "$reference/setup.sh" "$reference/train.py" "$copy/"
  reference=$copy
fi
"$reference/setup.sh" >&2
reference=$(cd "$reference" && pwd)
ref_python=$reference/.venv/bin/python

if [ -n "${DATA_DIR:-}" ]; then
  data=$DATA_DIR
else
  data=${DIGITLAB_HOME:-$HOME/.digitlab}/datasets/mnist
  note "fetching MNIST into $data (once)"
  "$root/digitlab" data fetch >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs one engine; prints its result line on stdout and appends it to $1. Returns non-zero when
# the engine fails or prints no JSON object. Engines may log other lines: the last {...} counts.
# The line gets the run's conditions added: wall time of the whole process (start to exit,
# JVM/interpreter start and data loading included), CPU steal and load average during it, the
# cores other processes kept busy during it (others_load), the process's peak OS thread count and
# the native libraries it had loaded, and the core-to-core round trip measured just before it
# (core_to_core_ns: ~60 ns when the two vCPUs share a cache, ~330 when they do not; see
# bench/README.md).
run_engine() {
  local out=$1 who=$2 status=0 line before after started ended pid watcher own_before c2c
  shift 2
  note "$who: $*"
  # Before the run, not during it: the probe's two spinning threads would take the engine's cores.
  c2c=$(core_to_core_ns)
  before=$(cpu_snapshot)
  own_before=$(children_cpu_jiffies)
  started=$(date +%s.%N)
  "$@" >"$work/stdout" &
  pid=$!
  watch_process "$pid" "$work/proc" &
  watcher=$!
  wait "$pid" || status=$?
  # The end is the engine's exit, not the watcher's: it notices the exit only when its 0.5 s
  # sleep ends, which added 0.12-0.45 s to the wall of every run (docs/benchmarks.md, session 8).
  ended=$(date +%s.%N)
  wait "$watcher" || true
  local wall steal others
  wall=$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.2f", b - a }')
  after=$(cpu_snapshot)
  steal=$(steal_percent "$before" "$after")
  others=$(others_load "$before" "$after" $(($(children_cpu_jiffies) - own_before)))
  line=$(grep -E '^[[:space:]]*\{' "$work/stdout" | tail -n 1 || true)
  if [ "$status" -ne 0 ] || [ -z "$line" ]; then
    note "$who failed (exit $status); its output:"
    cat "$work/stdout" >&2
    return 1
  fi
  note "$who: wall ${wall}s, steal ${steal}%, load $(loadavg_1m), others kept ${others} core(s) busy, core-to-core ${c2c} ns before"
  line=$(printf '%s\n' "$line" | python3 -c '
import json, sys
run = json.loads(sys.stdin.read())
run.pop("misclassified", None)  # thousands of entries, not needed here
run.update({"wall_seconds": float(sys.argv[1]), "steal_percent": float(sys.argv[2]),
            "loadavg_1m": float(sys.argv[3]), "others_load": float(sys.argv[5]),
            "core_to_core_ns": json.loads(sys.argv[6])})
run.update(json.loads(sys.argv[4]))
print(json.dumps(run))' "$wall" "$steal" "$(loadavg_1m)" "$(process_facts_json "$work/proc")" "$others" "$c2c")
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$out"
}

run_ours() {
  run_engine "$ours_runs" digitlab "${ours_cmd[@]}" --model "$model" --epochs "$epochs" --json --data-dir "$data"
}
run_ref() {
  # The reference in ../shared covers the benchmark recipes; the fast recipe's twin lives here.
  local script=$reference/train.py
  if [ "$model" = fast ]; then script=$here/pytorch/train_fast.py; fi
  run_engine "$ref_runs" pytorch "$ref_python" "$script" --data "$data" --model "$model" --epochs "$epochs"
}

machine_facts_json

failed=0
for model in $models; do
  epochs=$(epochs_for "$model")
  ours_runs=$work/$model.ours.jsonl ref_runs=$work/$model.ref.jsonl
  : >"$ours_runs"
  : >"$ref_runs"
  ok=true
  for ((round = 1; round <= rounds; round++)); do
    note "$model, round $round of $rounds, $epochs epoch(s)"
    # Alternate who goes first so that neither engine always gets the cooler (or hotter) machine.
    if ((round % 2 == 1)); then
      if ! run_ours || ! run_ref; then ok=false; fi
    else
      if ! run_ref || ! run_ours; then ok=false; fi
    fi
    $ok || break
  done
  if $ok; then
    python3 "$here/compare.py" "$model" "$ours_runs" "$ref_runs" "malloc=$malloc" || failed=1
  else
    printf '{"bench":"train-vs-pytorch","model":"%s","error":"a run failed, see stderr"}\n' "$model"
    failed=1
  fi
done
exit "$failed"
