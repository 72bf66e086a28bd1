#!/usr/bin/env bash
# Wall and CPU time of one `./digitlab` command started from the packed digitlab.jar (Spring
# Boot's nested-jar launcher, DIGITLAB_EXTRACT=0) and from the launcher's extracted copy (the
# default), alternated in pairs, so that both see the same machine. Prints one line per run
# (wall, user+sys CPU, 1-minute load before, CPU steal during) and the medians and their ratio.
#
#   bench/cli-start.sh                                   # ./digitlab --version, 5 pairs
#   ROUNDS=3 bench/cli-start.sh train --model fast       # the full fast recipe, 3 pairs
#
# Run it behind the shared lock, at normal priority: flock /work/wt/bench.lock bench/cli-start.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib/machine.sh
source "$ROOT/bench/lib/machine.sh"
ROUNDS=${ROUNDS:-5}
[ $# -gt 0 ] || set -- --version

# Builds the jar if needed and extracts it, untimed: the first run's one-off unpacking is not
# what is measured (it is timed separately by the caller if wanted).
"$ROOT/digitlab" --version >/dev/null

out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "command: ./digitlab $*   rounds: $ROUNDS   cpu: $(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)   nproc: $(nproc)"
echo "autogroup: $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)"
printf '%-9s %5s %8s %8s %6s %6s  %s\n' variant round wall_s cpu_s load1 steal% last_line
run_one() { # variant round
  local variant=$1 round=$2 extract=1 before after load t0 t1 wall cpu last
  shift 2
  [ "$variant" = packed ] && extract=0
  load=$(loadavg_1m)
  before=$(cpu_snapshot)
  t0=$(date +%s.%N)
  # CPU of the child: bash's `times` reports children's user and sys seconds.
  ( DIGITLAB_EXTRACT=$extract "$ROOT/digitlab" "$@" >"$out" 2>&1; times ) >"$out.times"
  t1=$(date +%s.%N)
  after=$(cpu_snapshot)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  cpu=$(awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); sub("s", "", u[2]); sub("s", "", s[2]);
    printf "%.2f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$out.times")
  last=$(grep -v '^\s*$' "$out" | tail -n 1 | cut -c1-100)
  printf '%-9s %5d %8s %8s %6s %6s  %s\n' "$variant" "$round" "$wall" "$cpu" "$load" \
    "$(steal_percent "$before" "$after")" "$last"
  echo "$variant $wall $cpu" >>"$out.all"
}
rm -f "$out.all"
for round in $(seq 1 "$ROUNDS"); do
  # Alternate which variant goes first, so that neither always runs on a just-warmed machine.
  if [ $((round % 2)) = 1 ]; then order="packed extracted"; else order="extracted packed"; fi
  for variant in $order; do run_one "$variant" "$round" "$@"; done
done
python3 - "$out.all" <<'EOF'
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
med = {}
for v in ("packed", "extracted"):
    walls = [float(r[1]) for r in runs if r[0] == v]
    cpus = [float(r[2]) for r in runs if r[0] == v]
    med[v] = (statistics.median(walls), statistics.median(cpus))
    print(f"median {v:9s} wall {med[v][0]:.2f} s  cpu {med[v][1]:.2f} s")
print(f"extracted / packed: wall {med['extracted'][0] / med['packed'][0]:.3f}, "
      f"cpu {med['extracted'][1] / med['packed'][1]:.3f}; "
      f"saved wall {med['packed'][0] - med['extracted'][0]:.2f} s, cpu {med['packed'][1] - med['extracted'][1]:.2f} s")
EOF
rm -f "$out.all" "$out.times"
