#!/usr/bin/env bash
# Diagnostic: the wall time of every training step of a cold run, in Digit Lab (`./digitlab train`,
# the launcher and AOT cache a user gets) and in the PyTorch reference (train.py), unmodified.
# Shows where a cold run's extra time goes: the first step, the first N steps, or evenly.
#
#   bench/step-timeline.sh                        # mlp, 2 epochs, one run per engine
#   ROUNDS=3 MODEL=mlp bench/step-timeline.sh     # through /work/wt/quietbench for figures
#
# How: Linux uprobes through `perf probe` (needs perf and root) on three libtorch functions that
# both engines call the same way: at::_ops::randperm (once per epoch, the first thing each epoch's
# timed loop does), at::_ops::index_Tensor (twice per step: the batch's images and labels, the
# first work of a step) and torch::autograd::Engine::execute (once per step, the backward pass).
# A step's time is from its first index call to the next step's; the last step of an epoch is
# left out (nothing marks its end the same way in both engines). Step 1 is counted from the
# epoch's randperm. One probe hit costs a few microseconds; a step about 2 ms.
#
# stdout: one JSON line per run: engine, round, "to_first_step_ms" (randperm to step 1's first
# index call), per epoch "step_ms" buckets (step 1, 2-10, 11-50, 51-200, 201-last) as sums and
# medians, "first_backward_ms" (step 1's start to its backward call), and the epoch-1 minus
# epoch-2 difference per bucket; with KEEP=DIR the raw per-step times (DIR/ENGINE.ROUND.steps).
#
# Environment: MODEL (mlp), EPOCHS (2), ROUNDS (1), STEP_MARK (index; backward for fast: what
# starts a step, printed as "step_mark"), DATA_DIR, PYTORCH_REFERENCE (as
# train-vs-pytorch.sh), OURS_CMD (default "<repo>/digitlab train"), KEEP.
# JVM logs with the timenanos decorator share the probes' clock (CLOCK_MONOTONIC), e.g.
#   JAVA_TOOL_OPTIONS="-Xlog:gc*:file=/tmp/gc.%p.log:timenanos" bench/step-timeline.sh
# puts our collections on the step timeline (see bench/README.md).
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
model=${MODEL:-mlp} epochs=${EPOCHS:-2} rounds=${ROUNDS:-1}
reference=${PYTORCH_REFERENCE:-/work/shared/bench/pytorch-reference}
data=${DATA_DIR:-${DIGITLAB_HOME:-$HOME/.digitlab}/datasets/mnist}
note() { echo "step-timeline: $*" >&2; }
# shellcheck source=lib/machine.sh
. "$here/lib/machine.sh"

command -v perf >/dev/null || { note "needs perf (linux-perf)"; exit 2; }
[ "$(id -u)" = 0 ] || { note "perf probe needs root"; exit 2; }
if [ ! -x "$reference/.venv/bin/python" ] && [ -x "$root/target/bench/pytorch-reference/.venv/bin/python" ]; then
  reference=$root/target/bench/pytorch-reference
fi
[ -x "$reference/.venv/bin/python" ] || { note "no $reference/.venv: run train-vs-pytorch.sh once, or set PYTORCH_REFERENCE"; exit 2; }
if [ -n "${OURS_CMD:-}" ]; then read -r -a ours_cmd <<<"$OURS_CMD"; else ours_cmd=("$root/digitlab" train); fi

# What starts a step. index: a step's first index call (the batch's images); our fast trainer
# gathers its channels-last batches without aten::index, so for MODEL=fast both engines' steps are
# marked by their backward calls instead (a step then runs from one backward call to the next).
export STEP_MARK=${STEP_MARK:-$([ "$model" = fast ] && echo backward || echo index)}

# Both engines as train-vs-pytorch.sh runs them: jemalloc and the launcher's MKL mode.
export MKL_CBWR=${MKL_CBWR:-AUTO,STRICT}
if [ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
  export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  export MALLOC_CONF=${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}
fi

ours_lib=$(ls "$HOME"/.djl.ai/pytorch/*/libtorch_cpu.so 2>/dev/null | head -n 1)
ref_lib=$(ls "$reference"/.venv/lib/python*/site-packages/torch/lib/libtorch_cpu.so 2>/dev/null | head -n 1)
[ -n "$ours_lib" ] || { note "DJL's libtorch not found under ~/.djl.ai: run ./digitlab train once"; exit 2; }
[ -n "$ref_lib" ] || { note "no libtorch_cpu.so in $reference/.venv"; exit 2; }

group=steptl$$
cleanup() { perf probe -q -d "$group:*" >/dev/null 2>&1 || true; }
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
if [ -n "${KEEP:-}" ]; then trap cleanup EXIT; else trap 'cleanup; rm -rf "$work"' EXIT; fi

# probe SIDE LIB: adds SIDE_randperm, SIDE_index, SIDE_backward at the functions' addresses (not
# by name: a name also matches the PLT stub, which would count calls twice).
probe() {
  local side=$1 lib=$2 name address
  while read -r name address; do
    perf probe -q -x "$lib" --add "$group:${side}_$name=0x$address"
  done < <(paste <(nm -D --defined-only "$lib") <(nm -DC --defined-only "$lib") | awk '
    / T at::_ops::randperm::call\(/ { print "randperm", $1 }
    / T at::_ops::randperm_generator::call\(/ { print "randpermg", $1 }
    / T at::_ops::index_Tensor::call\(/ { print "index", $1 }
    / T torch::autograd::Engine::execute\(/ { print "backward", $1 }')
}
probe ours "$ours_lib"
probe ref "$ref_lib"

summarise() { # ENGINE ROUND PERF_SCRIPT_OUTPUT
  python3 - "$@" "$work" <<'EOF'
import json, os, statistics, sys
engine, rnd, path, work = sys.argv[1:]
mark = os.environ.get("STEP_MARK", "index")
events = []
for line in open(path):
    parts = line.split()
    # "<time>: <group>:<side>_<event>:"
    t = next(float(p[:-1]) for p in parts if p.endswith(":") and p[:-1].replace(".", "").isdigit())
    name = next(p for p in parts if ":" in p and "_" in p and not p[:-1].replace(".", "").isdigit())
    events.append((t, name.split(":")[1].split("_", 1)[1]))
epochs, current = [], None
for t, e in events:
    if e.startswith("randperm"):
        current = {"start": t, "steps": [], "backward": []}
        epochs.append(current)
    elif current is None:
        continue
    elif e == "index":
        current.setdefault("n", 0)
        current["n"] += 1
        if current["n"] % 2 == 1:
            current["steps"].append(t)
    elif e == "backward":
        current["backward"].append(t)
if mark == "backward":
    # A step from one backward call to the next (step 1 from the epoch's randperm to its first).
    for ep in epochs:
        ep["steps"] = ep["backward"]
out = {"engine": engine, "round": int(rnd), "step_mark": mark}
buckets = [("1", 1, 1), ("2-10", 2, 10), ("11-50", 11, 50), ("51-200", 51, 200), ("201-last", 201, 10**9)]
per_epoch = []
with open(f"{work}/{engine}.{rnd}.steps", "w") as raw:
    for i, ep in enumerate(epochs):
        starts = ep["steps"]
        # step k (1-based) lasts from its start to step k+1's; step 1 from the epoch's randperm
        ms = [(starts[0] - ep["start"]) * 1e3 + (starts[1] - starts[0]) * 1e3]
        ms += [(b - a) * 1e3 for a, b in zip(starts[1:], starts[2:])]
        raw.write(" ".join(f"{m:.3f}" for m in ms) + "\n")
        e = {"epoch": i + 1, "steps_timed": len(ms),
             "to_first_step_ms": round((starts[0] - ep["start"]) * 1e3, 2),
             "first_backward_ms": round((ep["backward"][0] - starts[0]) * 1e3, 2) if ep["backward"] and mark == "index" else None}
        for label, lo, hi in buckets:
            part = ms[lo - 1:hi]
            if part:
                e[f"sum_{label}"] = round(sum(part), 1)
                e[f"median_{label}"] = round(statistics.median(part), 3)
        e["sum_all"] = round(sum(ms), 1)
        per_epoch.append(e)
out["epochs"] = per_epoch
if len(per_epoch) >= 2:
    a, b = per_epoch[0], per_epoch[1]
    out["epoch1_minus_epoch2_ms"] = {label: round(a[f"sum_{label}"] - b[f"sum_{label}"], 1)
                                     for label, _, _ in buckets if f"sum_{label}" in a and f"sum_{label}" in b}
    out["epoch1_minus_epoch2_ms"]["all"] = round(a["sum_all"] - b["sum_all"], 1)
print(json.dumps(out))
EOF
}

record() { # ENGINE ROUND SIDE COMMAND...
  local engine=$1 rnd=$2 side=$3 before
  shift 3
  before=$(cpu_snapshot)
  perf record -q -k CLOCK_MONOTONIC -o "$work/$engine.$rnd.data" -e "$group:${side}_*" -- "$@" \
    >"$work/$engine.$rnd.out" 2>"$work/$engine.$rnd.err" || { note "$engine failed:"; tail -n 20 "$work/$engine.$rnd.err" >&2; exit 1; }
  note "$engine round $rnd: steal $(steal_percent "$before" "$(cpu_snapshot)")%, load $(loadavg_1m); $(grep -o '"images_per_second": *[0-9.]*' "$work/$engine.$rnd.out" | tail -n 1)"
  perf script -i "$work/$engine.$rnd.data" -F time,event >"$work/$engine.$rnd.events" 2>/dev/null
  summarise "$engine" "$rnd" "$work/$engine.$rnd.events"
}

# The reference covers the benchmark recipes; the fast recipe's twin lives here (as in
# train-vs-pytorch.sh).
ref_script=$reference/train.py
if [ "$model" = fast ]; then ref_script=$here/pytorch/train_fast.py; fi
for ((r = 1; r <= rounds; r++)); do
  record digitlab "$r" ours "${ours_cmd[@]}" --model "$model" --epochs "$epochs" --json --data-dir "$data"
  record pytorch "$r" ref "$reference/.venv/bin/python" "$ref_script" --data "$data" --model "$model" --epochs "$epochs"
done
