#!/usr/bin/env bash
# Benchmark (not a test): single-image predictions of a registered `mlp` production model over
# HTTP (PNG uploads), against /actuator/health measured the same way in the same run. See
# bench/README.md.
#
#   bench/predict.sh                       # 8 clients for 10 s; 500 req/s for 10 s; 20 swaps
#   CLIENTS=4 SECONDS_EACH=5 bench/predict.sh
#
# A server with one embedded worker on a temp data home trains a 1-epoch `mlp` trial, registers
# it twice (v1 and v2: same weights, two versions) and promotes v1; the client then measures
# closed-loop throughput, open-loop latency at RATE req/s, and errors while production flips
# between v1 and v2 under load. stdout: one JSON line per measurement; notes on stderr.
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

clients=${CLIENTS:-8}
seconds=${SECONDS_EACH:-10}
rate=${RATE:-500}
swaps=${SWAPS:-20}

bench_init
link_datasets
start_server --worker-slots 1
trial=$(new_trial predict-bench)
note "training trial $trial"
until [ "$(curl -sf "$server_url/api/v1/trials/$trial" | jq -r .status)" = succeeded ]; do
  sleep 1
done
for _ in 1 2; do
  curl -sf -H 'Content-Type: application/json' --data "{\"trialId\":$trial}" \
    "$server_url/api/v1/models/bench/versions" >/dev/null
done
curl -sf -X PUT -H 'Content-Type: application/json' --data '{"version":1}' \
  "$server_url/api/v1/models/bench/aliases/production" >/dev/null

client=("$java" "$root/bench/java/PredictBench.java")
mnist=$work/home/datasets/mnist
run_bg "${client[@]}" throughput "$server_url" bench "$mnist" "$clients" "$seconds"
run_bg "${client[@]}" latency "$server_url" bench "$mnist" "$rate" "$seconds"
run_bg "${client[@]}" swap "$server_url" bench "$mnist" "$clients" "$swaps"
