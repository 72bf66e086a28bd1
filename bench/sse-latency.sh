#!/usr/bin/env bash
# Benchmark (not a test): latency from appending an event (POST /api/v1/trials/{id}/events, one
# event per request) to its arrival at an SSE client of GET /api/v1/trials/{id}/events, over
# EVENTS events after a warm-up. Each figure includes the POST's own round trip. Prints one JSON
# line. See bench/README.md.
#
#   bench/sse-latency.sh             # 1000 events
#   EVENTS=200 bench/sse-latency.sh
set -euo pipefail

here=$(cd -P "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
events=${EVENTS:-1000}
# shellcheck source=lib/server.sh
. "$here/lib/server.sh"
bench_init
start_server --worker-slots 0
server_home=$work/home
trial=$(new_trial bench-sse-latency)
note "server $server_url, trial $trial: $events events, one at a time"
ours=$("$root/digitlab" bench sse-latency --server "$server_url" --trial "$trial" \
  --events "$events")

jq -nc --argjson ours "$ours" '{
  bench: "sse-latency", events: $ours.events,
  p50_ms: $ours.p50_ms, p99_ms: $ours.p99_ms, max_ms: $ours.max_ms, target_p99_ms: 200
}'
