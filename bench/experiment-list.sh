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

# 1. Migrate the schema and store the experiments and their trials through the API.
start_server --worker-slots 0
run_bg "${client[@]}" seed-experiments "$server_url" "$experiments" "$per_experiment"
stop_server

# 2. Final states for every trial with SQL, on the stopped server's H2 file, with the very driver
#    the server uses (extracted from the jar).
unzip -q -j -o "$root/digitlab-cli/target/digitlab.jar" 'BOOT-INF/lib/h2-*.jar' -d "$work/h2"
h2_jar=$(ls "$work"/h2/h2-*.jar)
jdbc_url="jdbc:h2:file:$work/home/db/digitlab;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH"
run_bg "$java" -cp "$h2_jar" "$root/bench/java/ServerBench.java" finish-trials "$jdbc_url"

# 3. Measure on a fresh server over that database.
start_server --worker-slots 0
# shellcheck disable=SC2086 # CLIENTS is a list of numbers
run_bg "${client[@]}" list-latency "$server_url" "$warmup" "$requests" $clients
