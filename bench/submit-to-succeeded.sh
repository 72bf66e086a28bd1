#!/usr/bin/env bash
# Benchmark (not a test): wall time from `./digitlab submit` to the trial's `succeeded`, through
# the server's embedded worker, for a one-trial experiment of the fast recipe (issue 20: ≤ 25 s).
# See bench/README.md.
#
#   bench/submit-to-succeeded.sh            # 3 rounds
#   ROUNDS=1 bench/submit-to-succeeded.sh   # quick
#
# Each round starts a fresh server (`./digitlab server --worker-slots 1`, the launcher's own JVM
# options, as a user starts it) and submits twice, one after the other: the first trial of a fresh
# server (it loads MNIST and libtorch into the server, and its JIT compiles the trial path) and a
# second one (a server that has run trials before, the usual case). The clock starts before the
# `./digitlab submit` command (its JVM start included) and stops at the trial's `finishedAt`, the
# server's own time on the same machine; the client polls the trial every POLL_MS to see the end.
#
# stdout: one line per submit, then one summary line (medians per kind); notes on stderr.
#
# Environment:
#   ROUNDS     fresh servers, each with a first and a second submit (default 3)
#   MODEL      recipe (default fast; its own default epochs)
#   POLL_MS    pause between two reads of the trial (default 500)
#   DATA_HOME  where MNIST is (default ~/.digitlab; fetched there once if missing)
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"
# shellcheck source=bench/lib/machine.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/machine.sh"

rounds=${ROUNDS:-3}
model=${MODEL:-fast}
poll_ms=${POLL_MS:-500}
positive_number ROUNDS "$rounds"
positive_number POLL_MS "$poll_ms"

bench_init
link_datasets
file=$work/submit-to-succeeded.yaml
printf 'name: submit-to-succeeded\ndataset: mnist\nconfig:\n  model: %s\n' "$model" >"$file"
poll_seconds=$(awk -v ms="$poll_ms" 'BEGIN { printf "%.3f", ms / 1000 }')
results=$work/results.jsonl
: >"$results"

# One submit: prints its JSON line and appends it to $results.
submit_once() {
  local round=$1 kind=$2 snap started experiment trial status body
  snap=$(cpu_snapshot)
  started=$(date +%s.%N)
  experiment=$(DIGITLAB_HOME=$work/home "$root/digitlab" submit "$file" --server "$server_url" | tail -n 1)
  trial=$(curl -fsS "$server_url/api/v1/experiments/$experiment" | jq -r '.trials[0].id')
  while :; do
    body=$(curl -fsS "$server_url/api/v1/trials/$trial")
    status=$(jq -r .status <<<"$body")
    case $status in succeeded | failed | cancelled) break ;; esac
    sleep "$poll_seconds"
  done
  if [ "$status" != succeeded ]; then
    note "trial $trial ended $status: $body"
    exit 1
  fi
  jq -c --arg kind "$kind" --argjson round "$round" --argjson started "$started" \
    --argjson steal "$(steal_percent "$snap" "$(cpu_snapshot)")" --argjson load "$(loadavg_1m)" '{
      bench: "submit-to-succeeded", round: $round, trial: $kind, model: .config.model,
      epochs: .config.epochs,
      submit_to_succeeded_seconds: (((.finishedAt | sub("\\.[0-9]+"; "") | fromdateiso8601)
        + (.finishedAt | capture("(?<f>\\.[0-9]+)").f // "0" | tonumber) - $started) * 1000
        | round / 1000),
      train_seconds: .trainSeconds, test_accuracy: .testAccuracy,
      steal_percent: $steal, loadavg_1m: $load }' <<<"$body" | tee -a "$results"
}

machine_facts_json
for ((round = 1; round <= rounds; round++)); do
  note "round $round of $rounds: fresh server"
  start_server --worker-slots 1
  submit_once "$round" first
  submit_once "$round" second
  stop_server
done

jq -sc '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def figures(kind): map(select(.trial == kind) | .submit_to_succeeded_seconds);
  {bench: "submit-to-succeeded-summary", rounds: (map(.round) | max),
   first_trial_seconds: figures("first"), first_trial_median: (figures("first") | median),
   second_trial_seconds: figures("second"), second_trial_median: (figures("second") | median),
   max_steal_percent: (map(.steal_percent) | max),
   loadavg_1m: (map(.loadavg_1m) | [min, max]),
   target_seconds: 25, target_met: ((figures("first") | median) <= 25)}' "$results"
