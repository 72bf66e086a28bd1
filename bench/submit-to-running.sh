#!/usr/bin/env bash
# Benchmark (not a test): with an idle embedded worker (one slot), how long from a submit's
# response until its trial is running. See bench/README.md.
#
#   bench/submit-to-running.sh              # 20 submits
#   SUBMITS=5 bench/submit-to-running.sh    # quick
#
# Each submit is a one-trial experiment (mlp, 1 epoch, trainSubset 200). The client polls
# GET /api/v1/trials/{id} every POLL_MS until the trial is no longer queued (this branch has no
# SSE stream yet), waits for it to succeed, then stays idle for a random IDLE_MIN_MS–IDLE_MAX_MS
# (seeded) before the next submit, so that submits do not fall at the same phase of the worker's
# idle poll every time. The server's own timestamps (startedAt − queuedAt) are printed too.
#
# stdout: one JSON line; notes on stderr.
#
# Environment:
#   SUBMITS                  submits, one after the other (default 20)
#   POLL_MS                  pause between two reads of the trial (default 5)
#   IDLE_MIN_MS, IDLE_MAX_MS idle pause before each submit (default 1000, 2000)
#   DATA_HOME                where MNIST is (default ~/.digitlab; fetched there once if missing)
#   DIGITLAB_JAVA_OPTS       as for ./digitlab; e.g. "-Ddigitlab.worker.poll-interval=50ms" on top
#                            of the launcher's options to try a shorter idle poll
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

submits=${SUBMITS:-20}
poll_ms=${POLL_MS:-5}
idle_min=${IDLE_MIN_MS:-1000}
idle_max=${IDLE_MAX_MS:-2000}

bench_init
link_datasets
start_server --worker-slots 1
# The worker's idle poll, as the server was configured (default 500ms, WorkerSettings).
poll_interval=$(grep -o 'digitlab.worker.poll-interval=[^ ]*' <<<"$server_java_opts" | cut -d= -f2 || true)
note "embedded worker idle poll: ${poll_interval:-500ms (default)}"
# A first trial loads MNIST and libtorch in the server; not measured.
note "warm-up trial (not measured)"
run_bg "$java" "$root/bench/java/ServerBench.java" submit-to-running "$server_url" 1 0 0 "$poll_ms" >/dev/null
run_bg "$java" "$root/bench/java/ServerBench.java" submit-to-running "$server_url" "$submits" \
  "$idle_min" "$idle_max" "$poll_ms" \
  "{\"worker_poll_interval\": \"${poll_interval:-500ms}\", \"server_java_opts\": \"$server_java_opts\"}"
