#!/usr/bin/env bash
# Diagnostic (not a timing): how many OpenMP parallel regions one training step opens in each
# engine, and how many calls our side makes into DJL's JNI library per step. With 2 threads each
# parallel region is a fork and a barrier, so an engine that opens fewer per step waits less.
# Counts do not depend on load: run it niced beside builds (e.g. through nicebuild), not quietly.
#
#   bench/ops-per-step.sh                   # mlp
#   MODEL=fast bench/ops-per-step.sh        # any recipe both engines know; fast needs the bench's
#                                           # own PyTorch fast recipe, so ours only (REF=0)
#
# How: Linux uprobes through `perf probe` (needs perf and root) on GOMP_parallel in each engine's
# own libgomp, and on every Java_ai_djl_pytorch_jni_PyTorchLibrary_* entry point. Each engine
# trains 1 and then 2 epochs; the difference, divided by the steps of one epoch, is one epoch's
# steps without start-up, evaluation and test. The probes are removed at the end.
#
# stdout: one JSON line per engine: {"engine", "model", "steps_per_epoch",
# "parallel_regions_per_step", "jni_calls_per_step" (ours), "jni_calls" {name: per step}}.
#
# Environment: MODEL (default mlp), REF (0 = ours only), DATA_DIR, PYTORCH_REFERENCE (as
# train-vs-pytorch.sh; needs its .venv), BATCH (default 128; the recipe's batch size).
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
model=${MODEL:-mlp}
batch=${BATCH:-128}
reference=${PYTORCH_REFERENCE:-/work/shared/bench/pytorch-reference}
data=${DATA_DIR:-${DIGITLAB_HOME:-$HOME/.digitlab}/datasets/mnist}
note() { echo "ops-per-step: $*" >&2; }

command -v perf >/dev/null || { note "needs perf (linux-perf)"; exit 2; }
[ "$(id -u)" = 0 ] || { note "perf probe needs root"; exit 2; }

# Both engines with jemalloc and the launcher's MKL mode, as train-vs-pytorch.sh runs them.
export MKL_CBWR=${MKL_CBWR:-AUTO,STRICT}
if [ -f /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ]; then
  export LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
  export MALLOC_CONF=${MALLOC_CONF:-dirty_decay_ms:-1,muzzy_decay_ms:-1}
fi

# Our libtorch and JNI library are extracted on first use: one short run makes sure they are.
"$root/digitlab" train --model "$model" --epochs 1 --train-subset 256 --json >/dev/null 2>&1
ours_gomp=$(ls "$HOME"/.djl.ai/pytorch/*/libgomp*.so* 2>/dev/null | head -n 1)
jni=$(ls "$HOME"/.djl.ai/pytorch/*/*libdjl_torch.so 2>/dev/null | head -n 1)
[ -n "$ours_gomp" ] && [ -n "$jni" ] || { note "DJL's libtorch not found under ~/.djl.ai"; exit 2; }

group=opsperstep$$
cleanup() { perf probe -q -d "$group:*" >/dev/null 2>&1 || true; }
trap cleanup EXIT
perf probe -q -x "$ours_gomp" --add "$group:ours_gomp=GOMP_parallel"
events=(-e "$group:ours_gomp")
for f in $(nm -D --defined-only "$jni" | awk '/ T Java_ai_djl_pytorch_jni_PyTorchLibrary_/ { print $3 }'); do
  name=${f#Java_ai_djl_pytorch_jni_PyTorchLibrary_}
  perf probe -q -x "$jni" --add "$group:jni_${name//[^A-Za-z0-9]/}=$f" 2>/dev/null || true
done
events+=(-e "$group:jni_*")
ref_python=""
if [ "${REF:-1}" != 0 ] && [ -x "$reference/.venv/bin/python" ]; then
  ref_gomp=$(ls "$reference"/.venv/lib/python*/site-packages/torch/lib/libgomp*.so* 2>/dev/null | head -n 1)
  if [ -n "$ref_gomp" ]; then
    perf probe -q -x "$ref_gomp" --add "$group:ref_gomp=GOMP_parallel"
    events+=(-e "$group:ref_gomp")
    ref_python=$reference/.venv/bin/python
  fi
fi

# counts EPOCHS CMD...: "event count" lines for one run
counts() {
  local epochs=$1
  shift
  perf stat -x, "${events[@]}" "$@" --epochs "$epochs" 2>&1 >/dev/null |
    awk -F, -v g="$group:" 'index($3, g) == 1 { sub(g, "", $3); print $3, ($1 ~ /^[0-9]+$/ ? $1 : 0) }'
}

report() { # ENGINE FILE1 FILE2
  python3 - "$1" "$model" "$batch" "$2" "$3" <<'EOF'
import json, sys
engine, model, batch, one, two = sys.argv[1:]
steps = (60000 + int(batch) - 1) // int(batch)
read = lambda path: {k: int(v) for k, v in (line.split() for line in open(path))}
a, b = read(one), read(two)
per = {k: round((b.get(k, 0) - a.get(k, 0)) / steps, 2) for k in b}
gomp = "ours_gomp" if engine == "digitlab" else "ref_gomp"
out = {"engine": engine, "model": model, "steps_per_epoch": steps,
       "parallel_regions_per_step": per.get(gomp, 0)}
if engine == "digitlab":
    calls = {k[4:]: v for k, v in sorted(per.items(), key=lambda kv: -kv[1]) if k.startswith("jni_") and v > 0}
    out["jni_calls_per_step"] = round(sum(calls.values()), 2)
    out["jni_calls"] = calls
print(json.dumps(out))
EOF
}

work=$(mktemp -d)
trap 'cleanup; rm -rf "$work"' EXIT
note "digitlab: $model, 1 and 2 epochs"
for e in 1 2; do counts "$e" "$root/digitlab" train --model "$model" --json --data-dir "$data" >"$work/ours$e"; done
report digitlab "$work/ours1" "$work/ours2"
if [ -n "$ref_python" ]; then
  note "pytorch: $model, 1 and 2 epochs"
  for e in 1 2; do counts "$e" "$ref_python" "$reference/train.py" --data "$data" --model "$model" >"$work/ref$e"; done
  report pytorch "$work/ref1" "$work/ref2"
fi
