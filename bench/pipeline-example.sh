#!/usr/bin/env bash
# The example pipeline (examples/pipelines/mnist-train-sizes.yaml: ingest → split → eda,
# 4 × (train → benchmark) → summary) end to end on a server with 2 embedded worker slots, against
# a reference measured in the same run: the same 4 trainings submitted as a plain experiment
# (a grid over trainSubset, 2 at a time) on the same server, both timed from the client. The issue's target is ≤ 6 s wall for
# the pipeline on a 2-core machine. Prints one JSON line per round.
#   ROUNDS=3 bench/pipeline-example.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

rounds=${ROUNDS:-3}
positive_number ROUNDS "$rounds"

bench_init
link_datasets
start_server --worker-slots 2

example=$root/examples/pipelines/mnist-train-sizes.yaml
experiment=$work/train-sizes-experiment.yaml
# The pipeline's train steps as one experiment: same config, same four sizes, two at a time.
cat >"$experiment" <<'YAML'
name: train-sizes-reference
config: {model: mlp, hiddenSizes: [64], epochs: 3, batchSize: 32, validationRatio: 0.3, seed: 42}
search: {type: grid, parameters: {trainSubset: [600, 800, 1000, 1200]}}
maxParallelTrials: 2
YAML

now() { date +%s.%N; }

for round in $(seq 1 "$rounds"); do
  start=$(now)
  id=$("$root/digitlab" submit "$experiment" --server "$server_url" 2>/dev/null)
  run_bg "$root/digitlab" watch "$id" --server "$server_url" >/dev/null 2>&1 || true
  reference=$(echo "$(now) - $start" | bc -l)

  start=$(now)
  line=$("$root/digitlab" pipeline run "$example" --wait --server "$server_url" | tail -n 1)
  client=$(echo "$(now) - $start" | bc -l)
  case $line in
    *succeeded*) ;;
    *) note "the pipeline did not succeed: $line"; exit 1 ;;
  esac
  wall=$(sed -n 's/.* in \([0-9.]*\) s wall time.*/\1/p' <<<"$line")
  # Both client-side times include a CLI JVM start; the ratio compares like with like. The
  # pipeline's own wall time (the server's, from submission to its last step) is what the
  # issue's 6 s target is about.
  printf '{"bench":"pipeline-example","round":%d,"pipeline_wall_s":%.2f,"pipeline_client_s":%.2f,"reference_experiment_client_s":%.2f,"ratio":%.2f,"target_s":6}\n' \
    "$round" "$wall" "$client" "$reference" "$(echo "$client / $reference" | bc -l)"
done
