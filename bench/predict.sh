#!/usr/bin/env bash
# Benchmark (not a test): single-image predictions of a registered `mlp` production model over
# HTTP, against /actuator/health measured the same way in the same run. See bench/README.md.
#
#   bench/predict.sh                       # 8 clients × 10 s; 500 req/s × 10 s; 20 swaps
#   CLIENTS=4 SECONDS_EACH=5 bench/predict.sh
#   BODY=multipart SERVING_SLOTS=1 bench/predict.sh   # as measured before 2026-12-03
#   CLIENT=java bench/predict.sh           # the Java client for throughput even when wrk is there
#
# A server with one embedded worker on a temp data home trains a 1-epoch `mlp` trial, registers
# it twice (v1 and v2: same weights, two versions) and promotes v1, then stops. A serving server
# starts on the same home (`--worker-slots $SERVING_SLOTS`, default 0: no embedded worker, so the
# launcher runs it with C2) and is warmed up for WARMUP seconds (default 60: C2 compiles slowly on
# two busy cores). Then: closed-loop throughput
# (wrk when installed, else bench/java/PredictBench.java), open-loop latency at RATE req/s and
# errors while production flips between v1 and v2 under load (both with the Java client). The
# PNGs are sent as the request body (BODY=raw, Content-Type: image/png) or as multipart uploads
# (BODY=multipart); with wrk both are measured. stdout: one JSON line per measurement; notes on
# stderr.
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

clients=${CLIENTS:-8}
seconds=${SECONDS_EACH:-10}
rate=${RATE:-500}
swaps=${SWAPS:-20}
body=${BODY:-raw}
warmup=${WARMUP:-60}
serving_slots=${SERVING_SLOTS:-0}

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
stop_server
start_server --worker-slots "$serving_slots"

client=("$java" "$root/bench/java/PredictBench.java")
mnist=$work/home/datasets/mnist
predict_url=$server_url/api/v1/models/bench/predict
health_url=$server_url/actuator/health
run_bg "${client[@]}" pngs "$mnist" "$work/pngs"

# Server CPU time (user + system, clock ticks) from /proc; empty where there is none.
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat" 2>/dev/null || true; }

# wrk_run URL [BODY]: "requests/s server-CPU-µs-per-request non-200-responses" of one wrk run.
wrk_run() {
  local url=$1 kind=${2:-} out t0 t1 script=()
  [ -z "$kind" ] || script=(-s "$root/bench/lib/predict.lua")
  t0=$(server_ticks)
  out=$(PNG_DIR=$work/pngs BODY=$kind wrk -t1 -c"$clients" -d"${seconds}s" "${script[@]}" "$url")
  t1=$(server_ticks)
  awk -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" '
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $5 }
    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) bad += $i + 0 }
    END {
      cpu = (t0 == "" || t1 == "" || n == 0) ? "null" : sprintf("%.0f", (t1 - t0) / hz * 1e6 / n)
      printf "%.0f %s %d\n", rps, cpu, bad
    }' <<<"$out"
}

if [ "${CLIENT:-}" != java ] && command -v wrk >/dev/null; then
  note "warming up for ${warmup} s (wrk)"
  # Every measured path is warmed, so that each one runs compiled code.
  third=$(((warmup + 2) / 3))
  seconds=$third wrk_run "$predict_url" raw >/dev/null
  seconds=$third wrk_run "$predict_url" multipart >/dev/null
  seconds=$third wrk_run "$health_url" >/dev/null
  read -r raw_rps raw_cpu raw_bad < <(wrk_run "$predict_url" raw)
  read -r health_rps health_cpu health_bad < <(wrk_run "$health_url")
  read -r mp_rps mp_cpu mp_bad < <(wrk_run "$predict_url" multipart)
  awk -v c="$clients" -v s="$seconds" -v rr="$raw_rps" -v rc="$raw_cpu" -v hr="$health_rps" \
    -v hc="$health_cpu" -v mr="$mp_rps" -v mc="$mp_cpu" -v bad=$((raw_bad + health_bad + mp_bad)) \
    'BEGIN {
      printf "{\"benchmark\":\"predict-throughput\",\"client\":\"wrk\",\"clients\":%d,\"seconds\":%d,", c, s
      printf "\"predict_rps\":%d,\"health_rps\":%d,\"ratio\":%.3f,\"predict_multipart_rps\":%d,\"multipart_ratio\":%.3f,", rr, hr, rr / hr, mr, mr / hr
      printf "\"predict_server_cpu_us\":%s,\"health_server_cpu_us\":%s,\"multipart_server_cpu_us\":%s,\"errors\":%d,", rc, hc, mc, bad
      printf "\"target\":\"predict_rps >= 2000\",\"target_met\":%s}\n", (rr >= 2000 ? "true" : "false")
    }'
else
  note "the Java client measures throughput (CLIENT=java, or wrk not installed; Debian: apt-get install wrk)"
  note "warming up for ${warmup} s"
  run_bg "${client[@]}" throughput "$server_url" bench "$mnist" "$clients" "$(((warmup + 1) / 2))" "$body" "$server_pid" >/dev/null
  run_bg "${client[@]}" throughput "$server_url" bench "$mnist" "$clients" "$seconds" "$body" "$server_pid"
fi
run_bg "${client[@]}" latency "$server_url" bench "$mnist" "$rate" "$seconds" "$body"
run_bg "${client[@]}" swap "$server_url" bench "$mnist" "$clients" "$swaps" "$body"
