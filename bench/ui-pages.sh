#!/usr/bin/env bash
# Benchmark (not a test): server time to first byte of the web UI's experiments page (/) and of
# an experiment page, with 10,000 stored trials, against /actuator/health (the server's floor) in
# the same run. The issue's bar: ≤ 300 ms for both pages. See bench/README.md.
#
#   bench/ui-pages.sh                                          # 40 × 250 trials, 200 requests
#   EXPERIMENTS=4 TRIALS_PER_EXPERIMENT=25 REQUESTS=20 bench/ui-pages.sh     # quick
#
# The data is stored as for bench/experiment-list.sh (submissions through the API with no worker,
# then one SQL transaction marks every trial succeeded with synthetic metrics); the experiment
# page measured is the last one, with TRIALS_PER_EXPERIMENT trials (250 by default, near the
# server's cap of 256). Each request is curl's time_starttransfer on a kept-alive connection-free
# request; the pages and health are interleaved so that both see the same machine.
#
# stdout: one JSON line per page: p50 and p95 time to first byte (ms), health's, the ratios,
# target_met (p95 ≤ 300 ms) and the 1-minute load average.
#
# Environment:
#   EXPERIMENTS            experiments to store (default 40)
#   TRIALS_PER_EXPERIMENT  trials of each (default 250; at most the server's cap, 256)
#   WARMUP                 untimed requests of each page before measuring (default 30)
#   REQUESTS               timed requests of each page (default 200)
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

experiments=${EXPERIMENTS:-40}
per_experiment=${TRIALS_PER_EXPERIMENT:-250}
warmup=${WARMUP:-30}
requests=${REQUESTS:-200}

bench_init

store_finished_trials "$experiments" "$per_experiment"

start_server --worker-slots 0
experiment_id=$(curl -sf "$server_url/api/v1/experiments?size=1" | sed -n 's/^{"items":\[{"id":\([0-9]*\),.*/\1/p')
[ -n "$experiment_id" ] || { note "no experiment stored"; exit 1; }
trials=$(curl -sf "$server_url/api/v1/experiments/$experiment_id" | grep -o '"ordinal"' | wc -l)
note "measuring / and /experiments/$experiment_id ($trials trials) against /actuator/health"

ttfb() { # path → seconds to the first byte
  curl -s -o /dev/null -H 'Accept: text/html' -w '%{time_starttransfer}\n' "$server_url$1"
}

# percentile FILE P → the P-th percentile (nearest rank) of the numbers in FILE, in ms
percentile() {
  sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; printf "%.2f", v[i] * 1000 }'
}

measure() { # name path
  local name=$1 path=$2 i
  : >"$work/$name.page" && : >"$work/$name.health"
  for ((i = 0; i < warmup; i++)); do ttfb "$path" >/dev/null && ttfb /actuator/health >/dev/null; done
  for ((i = 0; i < requests; i++)); do
    ttfb "$path" >>"$work/$name.page"
    ttfb /actuator/health >>"$work/$name.health"
  done
  local p50 p95 h50 h95
  p50=$(percentile "$work/$name.page" 50)
  p95=$(percentile "$work/$name.page" 95)
  h50=$(percentile "$work/$name.health" 50)
  h95=$(percentile "$work/$name.health" 95)
  local load
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  awk -v load="$load" -v name="$name" -v path="$path" -v n="$requests" -v trials="$trials" -v stored="$((experiments * per_experiment))" \
    -v p50="$p50" -v p95="$p95" -v h50="$h50" -v h95="$h95" 'BEGIN {
      printf "{\"bench\":\"ui-pages\",\"page\":\"%s\",\"path\":\"%s\",\"stored_trials\":%d,\"page_trials\":%d,\"requests\":%d,", name, path, stored, (name == "experiment" ? trials : 0), n
      printf "\"ttfb_p50_ms\":%s,\"ttfb_p95_ms\":%s,\"health_p50_ms\":%s,\"health_p95_ms\":%s,", p50, p95, h50, h95
      printf "\"ratio_p50\":%.2f,\"ratio_p95\":%.2f,\"target_met\":%s,\"loadavg_1m\":%s}\n", p50 / h50, p95 / h95, (p95 <= 300 ? "true" : "false"), load }'
}

measure list /
measure experiment "/experiments/$experiment_id"
