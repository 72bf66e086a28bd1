#!/usr/bin/env bash
# Benchmark (not a test): latency of the experiment list sorted by a best metric, with 10,000
# stored trials, against /actuator/health (the server's floor) in the same run. See
# bench/README.md.
#
#   bench/experiment-list.sh                                   # 100 × 100 trials, 500 requests
#   EXPERIMENTS=10 TRIALS_PER_EXPERIMENT=10 REQUESTS=100 bench/experiment-list.sh   # quick
#
# How the data gets there: a server with --worker-slots 0 on a temp data home takes EXPERIMENTS
# submissions through the API (each a grid of TRIALS_PER_EXPERIMENT seeds, stored queued); it is
# stopped, one SQL transaction (H2's driver from the jar, bench/java/ServerBench.java
# finish-trials) marks every trial succeeded with synthetic, id-derived metrics and rolls each
# experiment up as ExperimentStore.rollUp would; the server is started again on that file and
# measured. No trial is trained.
#
# stdout: one JSON line per client count; notes on stderr.
#
# Environment:
#   EXPERIMENTS            experiments to store (default 100)
#   TRIALS_PER_EXPERIMENT  trials of each (default 100; at most the server's cap, 256)
#   WARMUP                 untimed list+health pairs before each measurement (default 50)
#   REQUESTS               timed list+health pairs per measurement (default 500)
#   CLIENTS                concurrent client counts, one measurement each (default "1 4")
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

experiments=${EXPERIMENTS:-100}
per_experiment=${TRIALS_PER_EXPERIMENT:-100}
warmup=${WARMUP:-50}
requests=${REQUESTS:-500}
clients=${CLIENTS:-1 4}

bench_init
client=("$java" "$root/bench/java/ServerBench.java")

store_finished_trials "$experiments" "$per_experiment"

# Measure on a fresh server over that database.
start_server --worker-slots 0
# shellcheck disable=SC2086 # CLIENTS is a list of numbers
run_bg "${client[@]}" list-latency "$server_url" "$warmup" "$requests" $clients
