#!/usr/bin/env bash
# Benchmark (not a test): a 16-trial grid on 2 single-slot remote workers, against the ideal of
# (sum of the trials' own times) / 2 measured in the same run. See bench/README.md.
#
#   bench/workers-grid.sh
#
# The trials' times are the server's startedAt → finishedAt of each trial; the grid's time is the
# experiment's createdAt → the last trial's finishedAt, so it includes queueing, lease polls,
# event and artifact delivery: everything the platform adds when work is spread over workers.
# The issue asks for ratio ≤ 1.10.
#
# stdout: one JSON line {"trials":16,"grid_seconds":…,"sum_trial_seconds":…,"ideal_seconds":…,
# "ratio":…,"target":1.10,"target_met":…}; notes on stderr. Exits 0 whenever it ran.
#
# Environment:
#   EPOCHS, TRAIN_SUBSET  each trial's size (default 1 epoch of 3000 images, mlp)
#   DATA_HOME             where MNIST is (default ~/.digitlab; fetched there once if missing)
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"
# shellcheck source=bench/lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

epochs=${EPOCHS:-1}
subset=${TRAIN_SUBSET:-3000}

bench_init
link_datasets
cluster_init
cluster_server
start_worker w1
start_worker w2

# Each worker's first trial loads libtorch and MNIST; a one-trial warm-up per worker keeps that
# out of the measured grid (both trials of the warm-up run at once, one per worker).
cat >"$work/warmup.yaml" <<YAML
name: warm-up
dataset: mnist
config: {model: mlp, epochs: 1, optimizer: adam, trainSubset: 200, seed: 1}
search: {type: grid, parameters: {learningRate: [0.01, 0.001]}}
maxParallelTrials: 2
YAML
note "warm-up: one trial per worker"
run_bg await_experiment "$(submit_file "$work/warmup.yaml")"

cat >"$work/grid.yaml" <<YAML
name: workers-grid
dataset: mnist
config: {model: mlp, epochs: $epochs, optimizer: adam, trainSubset: $subset, seed: 1}
search:
  type: grid
  parameters:
    learningRate: [0.01, 0.003, 0.001, 0.0003]
    batchSize: [32, 64, 128, 256]
objective: {metric: test_f1_macro, goal: max}
maxParallelTrials: 2
YAML
note "16-trial grid on 2 single-slot workers"
grid=$(submit_file "$work/grid.yaml")
run_bg await_experiment "$grid"

curl -sf "$server_url/api/v1/experiments/$grid" | python3 -c '
import json, sys
from datetime import datetime
def t(text): return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
experiment = json.load(sys.stdin)
trials = experiment["trials"]
bad = [x["id"] for x in trials if x["status"] != "succeeded"]
if bad:
    sys.exit(f"trials that did not succeed: {bad}")
detail = trials
total = sum(t(x["finishedAt"]) - t(x["startedAt"]) for x in detail)
grid = max(t(x["finishedAt"]) for x in detail) - t(experiment["createdAt"])
ideal = total / 2
print(json.dumps({"trials": len(detail), "grid_seconds": round(grid, 3),
                  "sum_trial_seconds": round(total, 3), "ideal_seconds": round(ideal, 3),
                  "ratio": round(grid / ideal, 3), "target": 1.10,
                  "target_met": grid / ideal <= 1.10}))
'
