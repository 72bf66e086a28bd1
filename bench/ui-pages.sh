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
# stdout: one JSON line per server, round and page: p50 and p95 time to first byte (ms), health's,
# the ratios, target_met (p95 ≤ 300 ms), the 1-minute load average and the CPU steal (% of all
# CPU time, from /proc/stat) while measuring; then one summary line per page (medians over the
# rounds; with BASE_JAR, HEAD's over BASE's).
#
# Environment:
#   EXPERIMENTS            experiments to store (default 40)
#   TRIALS_PER_EXPERIMENT  trials of each (default 250; at most the server's cap, 256)
#   WARMUP                 untimed requests of each page before measuring (default 30)
#   REQUESTS               timed requests of each page (default 200)
#   ROUNDS                 rounds (default 3): each starts every server measured afresh
#   BASE_JAR               a jar built at a reference commit (e.g. main before a change): measured
#                          on the same data, alternating with this checkout's jar in ABBA order
#                          (BASE first in odd rounds, HEAD first in even ones; use an even ROUNDS);
#                          the summary line gives the medians and HEAD/BASE ratios
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

experiments=${EXPERIMENTS:-40}
per_experiment=${TRIALS_PER_EXPERIMENT:-250}
warmup=${WARMUP:-30}
requests=${REQUESTS:-200}
rounds=${ROUNDS:-3}

bench_init

store_finished_trials "$experiments" "$per_experiment"

# The servers measured: HEAD (this checkout), and BASE_JAR when given, alternated round by round
# on the same data home so that both see the same data and the same machine.
servers=("head:")
if [ -n "${BASE_JAR:-}" ]; then
  [ -f "$BASE_JAR" ] || { note "BASE_JAR=$BASE_JAR is not a file"; exit 1; }
  base=$(base_launcher "$BASE_JAR")
  servers=("base:$base" "head:")
fi

ttfb() { # path → seconds to the first byte
  curl -s -o /dev/null -H 'Accept: text/html' -w '%{time_starttransfer}\n' "$server_url$1"
}

# percentile FILE P → the P-th percentile (nearest rank) of the numbers in FILE, in ms
percentile() {
  sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int((p / 100) * NR + 0.999999); if (i < 1) i = 1; printf "%.2f", v[i] * 1000 }'
}

steal_total() { # cumulative steal and total jiffies of all CPUs
  awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t; exit }' /proc/stat
}

measure() { # server round name path
  local server=$1 round=$2 name=$3 path=$4 i
  : >"$work/$name.page" && : >"$work/$name.health"
  for ((i = 0; i < warmup; i++)); do ttfb "$path" >/dev/null && ttfb /actuator/health >/dev/null; done
  local s0 t0 s1 t1
  read -r s0 t0 < <(steal_total)
  for ((i = 0; i < requests; i++)); do
    ttfb "$path" >>"$work/$name.page"
    ttfb /actuator/health >>"$work/$name.health"
  done
  read -r s1 t1 < <(steal_total)
  local p50 p95 h50 h95
  p50=$(percentile "$work/$name.page" 50)
  p95=$(percentile "$work/$name.page" 95)
  h50=$(percentile "$work/$name.health" 50)
  h95=$(percentile "$work/$name.health" 95)
  echo "$server $name $p50 $p95" >>"$work/summary"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  awk -v load="$load" -v server="$server" -v round="$round" -v position="${position:-1}" -v name="$name" -v path="$path" -v n="$requests" -v trials="$trials" -v stored="$((experiments * per_experiment))" \
    -v p50="$p50" -v p95="$p95" -v h50="$h50" -v h95="$h95" -v steal="$(((s1 - s0) * 1000 / (t1 - t0 + 1)))" 'BEGIN {
      printf "{\"bench\":\"ui-pages\",\"server\":\"%s\",\"round\":%d,\"position\":%d,\"page\":\"%s\",\"path\":\"%s\",\"stored_trials\":%d,\"page_trials\":%d,\"requests\":%d,", server, round, position, name, path, stored, (name == "experiment" ? trials : 0), n
      printf "\"ttfb_p50_ms\":%s,\"ttfb_p95_ms\":%s,\"health_p50_ms\":%s,\"health_p95_ms\":%s,", p50, p95, h50, h95
      printf "\"ratio_p50\":%.2f,\"ratio_p95\":%.2f,\"target_met\":%s,\"loadavg_1m\":%s,\"steal_pct\":%.1f}\n", p50 / h50, p95 / h95, (p95 <= 300 ? "true" : "false"), load, steal / 10 }'
}

: >"$work/summary"
for ((round = 1; round <= rounds; round++)); do
  # ABBA: with two servers, odd rounds run BASE first and even rounds HEAD first, so that neither
  # always meets the warmer (or busier) machine second. (Round one of session 2 ran HEAD second
  # every time and measured it 1.16-1.23x the base.)
  order=("${servers[@]}")
  if [ "${#servers[@]}" -eq 2 ] && [ $((round % 2)) -eq 0 ]; then
    order=("${servers[1]}" "${servers[0]}")
  fi
  position=0
  for entry in "${order[@]}"; do
    position=$((position + 1))
    name=${entry%%:*}
    launcher=${entry#*:}
    start_server --worker-slots 0
    experiment_id=$(curl -sf "$server_url/api/v1/experiments?size=1" | sed -n 's/^{"items":\[{"id":\([0-9]*\),.*/\1/p')
    [ -n "$experiment_id" ] || { note "no experiment stored"; exit 1; }
    trials=$(curl -sf "$server_url/api/v1/experiments/$experiment_id" | grep -o '"ordinal"' | wc -l)
    note "round $round, $name: / and /experiments/$experiment_id ($trials trials) against /actuator/health"
    measure "$name" "$round" list /
    measure "$name" "$round" experiment "/experiments/$experiment_id"
    stop_server
  done
done
launcher=""

# The medians over the rounds, and HEAD's over BASE's when both ran.
awk '
  { key = $1 " " $2; n[key]++; p50[key, n[key]] = $3; p95[key, n[key]] = $4; pages[$2] = 1 }
  function median(a, key, count,   i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = a[key, i]
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return count % 2 ? v[(count + 1) / 2] : (v[count / 2] + v[count / 2 + 1]) / 2
  }
  END {
    for (page in pages) {
      h = "head " page; b = "base " page
      printf "{\"bench\":\"ui-pages-summary\",\"page\":\"%s\",\"rounds\":%d,\"head_p50_ms\":%.2f,\"head_p95_ms\":%.2f", page, n[h], median(p50, h, n[h]), median(p95, h, n[h])
      if (n[b]) printf ",\"base_p50_ms\":%.2f,\"base_p95_ms\":%.2f,\"head_over_base_p50\":%.2f,\"head_over_base_p95\":%.2f", median(p50, b, n[b]), median(p95, b, n[b]), median(p50, h, n[h]) / median(p50, b, n[b]), median(p95, h, n[h]) / median(p95, b, n[b])
      printf "}\n"
    }
  }' "$work/summary"
