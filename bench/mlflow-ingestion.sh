#!/usr/bin/env bash
# Benchmark (not a test): metric points per second through the MLflow API's runs/log-batch (1,000
# points a request, as MLflow's Python client sends them, from CLIENTS concurrent clients, each on
# a run of its own) against the native POST /api/v1/trials/{id}/events (digitlab bench ingest, one
# client, batches of 1,000) on the same server, embedded H2, in ROUNDS paired rounds (the order of
# the pair alternates); then runs/search with a metric filter and an order over RUNS runs: p50 and
# p95 latency, SEARCH_ROUNDS times. Prints one JSON line a round, then one summary line: medians,
# spread (min–max), load average and CPU steal over the whole run.
#
#   flock /work/wt/bench.lock bench/mlflow-ingestion.sh          # 3 rounds, 4 clients x 50 requests
#   ROUNDS=3 CLIENTS=4 REQUESTS=100 RUNS=10000 SEARCHES=200 bench/mlflow-ingestion.sh
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
clients=${CLIENTS:-4}
requests=${REQUESTS:-50}
runs=${RUNS:-10000}
rounds=${ROUNDS:-3}
searches=${SEARCHES:-200}
search_rounds=${SEARCH_ROUNDS:-3}
# shellcheck source=lib/server.sh
. "$here/lib/server.sh"
# shellcheck source=lib/machine.sh
. "$here/lib/machine.sh"
bench_init
start_server --worker-slots 0

cpu_before=$(cpu_snapshot)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
points=$((clients * requests * 1000))
mlflow_round() {
  note "MLflow API: $clients clients x $requests log-batch requests of 1,000 points"
  run_bg "$java" "$root/bench/java/MlflowBench.java" ingest "$server_url" "$clients" "$requests"
}
native_round() {
  local trial
  trial=$(new_trial "bench-native-ingestion-$1")
  note "native: $points points to trial $trial in batches of 1,000"
  "$root/digitlab" bench ingest --server "$server_url" --trial "$trial" --points "$points" --batch 1000
}
results=()
for round in $(seq 1 "$rounds"); do
  c0=$(cpu_snapshot)
  if [ $((round % 2)) -eq 1 ]; then
    ours=$(mlflow_round); native=$(native_round "$round")
  else
    native=$(native_round "$round"); ours=$(mlflow_round)
  fi
  line=$(jq -nc --argjson ours "$ours" --argjson native "$native" --argjson round "$round" \
    --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg steal "$(steal_percent "$c0" "$(cpu_snapshot)")" '{
    bench: "mlflow-ingestion-round", round: $round, points: $ours.points,
    mlflow_points_per_second: $ours.points_per_second,
    native_points_per_second: $native.points_per_second,
    ratio: (($ours.points_per_second / $native.points_per_second * 1000 | round) / 1000),
    load_average: $load, steal_percent: ($steal | tonumber)}')
  echo "$line"
  results+=("$line")
done

experiment=$(curl -sf -H 'Content-Type: application/json' \
  -d '{"name": "bench-search"}' "$server_url/api/2.0/mlflow/experiments/create" | jq -r .experiment_id)
note "seeding $runs runs in experiment $experiment"
run_bg "$java" "$root/bench/java/MlflowBench.java" seed-runs "$server_url" "$experiment" "$runs"
search_results=()
for round in $(seq 1 "$search_rounds"); do
  note "runs/search x $searches (round $round)"
  search_results+=("$(run_bg "$java" "$root/bench/java/MlflowBench.java" search "$server_url" "$experiment" "$searches")")
done

printf '%s\n' "${results[@]}" | jq -sc --argjson search "$(printf '%s\n' "${search_results[@]}" | jq -sc .)" \
  --arg load_before "$load_before" --arg load_after "$(cut -d' ' -f1-3 /proc/loadavg)" \
  --arg steal "$(steal_percent "$cpu_before" "$(cpu_snapshot)")" --argjson runs "$runs" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def spread: "\(min | round)–\(max | round)";
  {
    bench: "mlflow-ingestion", database: "h2", rounds: length, points_per_round: .[0].points,
    mlflow_points_per_second_median: (map(.mlflow_points_per_second) | median | round),
    mlflow_points_per_second_spread: (map(.mlflow_points_per_second) | spread),
    native_points_per_second_median: (map(.native_points_per_second) | median | round),
    native_points_per_second_spread: (map(.native_points_per_second) | spread),
    ratio_median: (map(.ratio) | median),
    target_points_per_second: 100000,
    search_runs: $runs, search_p50_ms_median: ($search | map(.p50_ms) | median),
    search_p95_ms_median: ($search | map(.p95_ms) | median),
    search_p95_ms_spread: ($search | map(.p95_ms) | "\(min)–\(max)"),
    search_target_p95_ms: 50,
    load_average_before: $load_before, load_average_after: $load_after,
    steal_percent: ($steal | tonumber)
  }'
