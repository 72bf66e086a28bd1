#!/usr/bin/env bash
# Profile (not a ratio): where a training step of the fast recipe spends its time, operator by
# operator, in Digit Lab (DJL, libtorch 2.7.1) and in its PyTorch twin (bench/pytorch/train_fast.py's
# loop), from the same libtorch profiler on both sides. Each round runs each engine once: one epoch
# of the real Trainer (bench/java/FastProfile.java) and the reference's loop
# (bench/pytorch/profile_fast.py); after WARM steps, the next PROFILED steps are recorded. Prints
# per round the mean ms per step over the 100 steps before the profiled ones (no profiler running)
# with steal and load, then bench/profile_compare.py's table: per operator self time (ms per step)
# and calls per step, medians over the rounds. Timing: run it through /work/wt/quietbench.
#
#   ROUNDS=3 bench/profile-fast.sh
#
# Environment: ROUNDS (3), WARM (160), PROFILED (40), ROWS (30), BY_SHAPE=1 (one row per operator
# and shape of its first input: which block an operator ran for), DATA_DIR, PYTORCH_REFERENCE (as
# for train-vs-pytorch.sh), KEEP=DIR to keep the traces (Chrome trace JSON, chrome://tracing).
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=${ROUNDS:-3} warm=${WARM:-160} profiled=${PROFILED:-40}
reference=${PYTORCH_REFERENCE:-/work/shared/bench/pytorch-reference}
data=${DATA_DIR:-${DIGITLAB_HOME:-$HOME/.digitlab}/datasets/mnist}
note() { echo "profile: $*" >&2; }
# shellcheck source=lib/machine.sh
. "$here/lib/machine.sh"

# train-vs-pytorch.sh sets a read-only reference up in target/bench: use that copy's .venv.
if [ ! -x "$reference/.venv/bin/python" ] && [ -x "$root/target/bench/pytorch-reference/.venv/bin/python" ]; then
  reference=$root/target/bench/pytorch-reference
fi
[ -x "$reference/.venv/bin/python" ] || { note "no $reference/.venv: run train-vs-pytorch.sh once, or set PYTORCH_REFERENCE"; exit 2; }
"$root/digitlab" --version >/dev/null # builds and unpacks the jar when needed
java=$("$root/digitlab" --print-java-home)/bin/java
lib=$(ls -dt "$root"/digitlab-cli/target/launch/*/lib | head -n 1)
# The launcher's JVM options for training (C1 only and its thresholds), read from the launcher.
opts() { sed -n "s/^readonly $1=\"\(.*\)\"$/\1/p" "$root/digitlab"; }
read -r -a java_opts <<<"$(opts DEFAULT_JAVA_OPTS) $(opts TRAINING_JAVA_OPTS)"
export MKL_CBWR=${MKL_CBWR:-AUTO,STRICT}
if [ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
  export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}
fi

work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
ours=() ref=()
run() { # who round command...
  local who=$1 r=$2 before line
  shift 2
  before=$(cpu_snapshot)
  line=$("$@" 2>"$work/$who.$r.err" | grep -E '^\{' | tail -n 1) || { note "$who failed:"; tail -n 20 "$work/$who.$r.err" >&2; exit 1; }
  note "round $r $who: $line steal $(steal_percent "$before" "$(cpu_snapshot)")% load $(loadavg_1m)"
}
for ((r = 1; r <= rounds; r++)); do
  run ours "$r" "$java" "${java_opts[@]}" -cp "$lib/*" "$here/java/FastProfile.java" "$data" "$work/ours.$r.json" "$warm" "$profiled"
  run ref "$r" "$reference/.venv/bin/python" "$here/pytorch/profile_fast.py" --data "$data" --out "$work/ref.$r.json" --warm "$warm" --profiled "$profiled"
  ours+=("$work/ours.$r.json") ref+=("$work/ref.$r.json")
done
python3 "$here/profile_compare.py" "$profiled" "$(IFS=,; echo "${ours[*]}")" "$(IFS=,; echo "${ref[*]}")" "${ROWS:-30}" \
  ${BY_SHAPE:+--by-shape}
