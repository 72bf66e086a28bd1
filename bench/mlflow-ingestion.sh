#!/usr/bin/env bash
# Benchmark (not a test): metric points per second through the MLflow API's runs/log-batch (1,000
# points a request, as MLflow's Python client sends them, from CLIENTS concurrent clients, each on
# a run of its own) against the native POST /api/v1/trials/{id}/events (digitlab bench ingest, one
# client, batches of 1,000) on the same server, embedded H2; then runs/search with a metric filter
# and an order over RUNS runs: p50 and p95 latency. Prints one JSON line with the load average.
#
#   bench/mlflow-ingestion.sh                       # 4 clients x 50 requests, 10,000 runs
#   CLIENTS=4 REQUESTS=100 RUNS=10000 ROUNDS=200 bench/mlflow-ingestion.sh
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
clients=${CLIENTS:-4}
requests=${REQUESTS:-50}
runs=${RUNS:-10000}
rounds=${ROUNDS:-200}
# shellcheck source=lib/server.sh
. "$here/lib/server.sh"
bench_init
start_server --worker-slots 0

points=$((clients * requests * 1000))
note "MLflow API: $clients clients x $requests log-batch requests of 1,000 points"
ours=$(run_bg "$java" "$root/bench/java/MlflowBench.java" ingest "$server_url" "$clients" "$requests")
trial=$(new_trial bench-native-ingestion)
note "native: $points points to trial $trial in batches of 1,000"
native=$("$root/digitlab" bench ingest --server "$server_url" --trial "$trial" \
  --points "$points" --batch 1000)

experiment=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"name": "bench-search"}' "$server_url/api/2.0/mlflow/experiments/create" | jq -r .experiment_id)
note "seeding $runs runs in experiment $experiment"
run_bg "$java" "$root/bench/java/MlflowBench.java" seed-runs "$server_url" "$experiment" "$runs"
note "runs/search x $rounds"
search=$(run_bg "$java" "$root/bench/java/MlflowBench.java" search "$server_url" "$experiment" "$rounds")

jq -nc --argjson ours "$ours" --argjson native "$native" --argjson search "$search" \
  --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson runs "$runs" '{
  bench: "mlflow-ingestion", database: "h2", clients: $ours.clients, points: $ours.points,
  mlflow_points_per_second: $ours.points_per_second,
  native_points_per_second: $native.points_per_second,
  ratio: (($ours.points_per_second / $native.points_per_second * 1000 | round) / 1000),
  target_points_per_second: 100000,
  search_runs: $runs, search_p50_ms: $search.p50_ms, search_p95_ms: $search.p95_ms,
  search_target_p95_ms: 50, load_average: $load
}'
