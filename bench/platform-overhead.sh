#!/usr/bin/env bash
# Benchmark (not a test): training throughput of a trial run by the server's embedded worker vs
# the bare trainer (./digitlab train), same recipe, same machine, same run. See bench/README.md.
#
#   bench/platform-overhead.sh                     # mlp, 1 epoch, full MNIST, 3 alternating rounds
#   ROUNDS=1 bench/platform-overhead.sh            # quick
#   JVM_OPTS=launcher bench/platform-overhead.sh   # each side with the launcher's own options
#
# Each round runs `./digitlab train --model mlp --epochs 1 --json` and submits the same config
# as a one-trial experiment to a server with one embedded worker slot (started once, kept for
# every round), waits for it to succeed and reads its images_per_second metric and train_seconds.
# The side that goes first alternates between rounds. Both figures time the training loop only
# (no data loading, no evaluation): the overhead is what the platform costs while training
# (event batches to the database, heartbeats, progress writes, the server's other threads).
#
# JVM options. The launcher adds -XX:TieredStopAtLevel=1 to `train` only, not to `server`. With
# JVM_OPTS=same (default) both sides get the same options, the launcher's `train` ones, through
# DIGITLAB_JAVA_OPTS: like for like. With JVM_OPTS=launcher each side runs as a user would start
# it, and the summary says like_for_like: false. The options each side ran with are printed.
#
# stdout: each side's line per round, then one summary line; notes on stderr. The summary's
# verdict comes from the rounds' paired overheads and an interval for their median: "met" only
# when the whole interval is <= 3%, "not resolved" when it spans 3% (bench/README.md).
#
# Environment:
#   ROUNDS     paired rounds (default 3); the summary reports medians
#   MODEL      recipe (default mlp)
#   EPOCHS     epochs (default 1)
#   JVM_OPTS   same (default) or launcher, see above
#   DATA_HOME  where MNIST is (default ~/.digitlab; fetched there once if missing)
#   POLL_MS    how often the client polls the trial while it runs (default 1000; it was 100, and
#              those polls ran on the training's cores); queued → running is polled every 100 ms
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/machine.sh"

rounds=${ROUNDS:-3}
model=${MODEL:-mlp}
epochs=${EPOCHS:-1}
jvm_mode=${JVM_OPTS:-same}
poll_ms=${POLL_MS:-1000}
positive_number POLL_MS "$poll_ms"
positive_number ROUNDS "$rounds"

bench_init
link_datasets

case $jvm_mode in
  same)
    # The launcher's options for `train`, read from the launcher so that they cannot drift.
    default_opts=$(sed -n 's/^readonly DEFAULT_JAVA_OPTS="\(.*\)"$/\1/p' "$root/digitlab")
    training_opts=$(sed -n 's/^readonly TRAINING_JAVA_OPTS="\(.*\)"$/\1/p' "$root/digitlab")
    if [ -z "$default_opts" ] || [ -z "$training_opts" ]; then
      note "cannot read DEFAULT_JAVA_OPTS / TRAINING_JAVA_OPTS from the launcher"
      exit 2
    fi
    export DIGITLAB_JAVA_OPTS="${DIGITLAB_JAVA_OPTS:-$default_opts $training_opts}"
    ;;
  launcher) unset DIGITLAB_JAVA_OPTS ;;
  *) note "JVM_OPTS must be same or launcher, got '$jvm_mode'"; exit 2 ;;
esac

start_server --worker-slots 1
bare_runs=$work/bare.jsonl server_runs=$work/server.jsonl

# The client that submits the trial and waits for it shares the training's two cores, so it is
# compiled once here (the source launcher ran javac in a fresh JVM every round, whose compiler
# threads were still busy when the trial started) and runs C1-only, serial GC, at nice 10: it
# stands for a user who submitted and waits, which costs the platform nothing.
mkdir -p "$work/client"
"$(dirname "$java")/javac" -nowarn -d "$work/client" "$root/bench/java/ServerBench.java"
client=(nice -n 10 "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$work/client" ServerBench)

# CPU seconds (user + system) of each thread group of the server JVM: the embedded worker's
# training thread and the OpenMP threads it started (they inherit its name, "worker-embedded"),
# and everything else (event delivery, the database, HTTP, heartbeats, the JIT, GC).
# "Everything else" is the process's total (/proc/PID/stat, which keeps the time of threads that
# have exited, such as the short-lived event-delivery threads) minus the training threads: summing
# the live threads of /proc/PID/task missed those, and undercounted the platform's own work.
thread_cpu() {
  local hz total_train=0 total t name ticks
  hz=$(getconf CLK_TCK)
  for t in /proc/"$server_pid"/task/*; do
    name=$(cat "$t/comm" 2>/dev/null) || continue
    ticks=$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null) || continue
    case $name in
      worker-embedd*) total_train=$((total_train + ticks)) ;;
    esac
  done
  # The command name may hold spaces: the fields are counted from after its closing parenthesis.
  total=$(sed 's/^.*) //' /proc/"$server_pid"/stat | awk '{ print $12 + $13 }')
  echo "$total_train $((total - total_train)) $hz"
}
# Prints the JSON object of file $1 with the fields of the JSON object $2 added.
add_fields() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d.update(json.loads(sys.argv[2])); print(json.dumps(d))' "$1" "$2"
}
# {"steal_percent": …, "loadavg_1m": …} of the run since the cpu_snapshot $1.
conditions() {
  printf '{"steal_percent": %s, "loadavg_1m": %s}' "$(steal_percent "$1" "$(cpu_snapshot)")" "$(loadavg_1m)"
}
: >"$bare_runs"
: >"$server_runs"
train_java_opts=""

run_bare() {
  local status=0 line snap
  snap=$(cpu_snapshot)
  note "bare: digitlab train --model $model --epochs $epochs --json"
  # DIGITLAB_AOT=0: the server starts without the launcher's AOT cache (it is made for `train`
  # only), so the bare trainer does too, and both run with the very same JVM options.
  DIGITLAB_HOME=$work/home DIGITLAB_DEBUG=1 DIGITLAB_AOT=0 run_bg "$root/digitlab" train --model "$model" \
    --epochs "$epochs" --json --data-dir "$work/home/datasets/mnist" \
    >"$work/train.out" 2>"$work/train.err" || status=$?
  line=$(grep -E '^[[:space:]]*\{' "$work/train.out" | tail -n 1 || true)
  if [ "$status" -ne 0 ] || [ -z "$line" ]; then
    note "the bare trainer failed (exit $status):"
    cat "$work/train.out" "$work/train.err" >&2
    exit 1
  fi
  train_java_opts=$(sed -n 's#^digitlab: exec [^ ]*/bin/java \(.*\) -jar .*#\1#p' "$work/train.err" | head -n 1)
  printf '%s\n' "$line" >>"$bare_runs"
  # Its own line is long (per-class table, confusion matrix): print the figures that matter.
  local cond
  cond=$(conditions "$snap")
  "${client[@]}" pick "$line" impl model epochs threads train_seconds images_per_second \
    test_accuracy >"$work/bare.line"
  add_fields "$work/bare.line" "$cond"
}

run_server() {
  note "server: one-trial experiment {model: $model, epochs: $epochs}"
  local before after snap
  snap=$(cpu_snapshot)
  before=$(thread_cpu)
  run_bg "${client[@]}" run-trial "$server_url" "$model" "$epochs" "$poll_ms" >"$work/trial.out"
  after=$(thread_cpu)
  # From submit to the trial's end: the training threads' CPU, and the rest of the server's.
  local cond
  cond=$(conditions "$snap")
  add_fields "$work/trial.out" "$(awk -v b="$before" -v a="$after" -v c="${cond%\}}" 'BEGIN { split(b, x); split(a, y);
      printf "%s, \"server_training_cpu_seconds\": %.2f, \"server_other_cpu_seconds\": %.2f}",
        c, (y[1] - x[1]) / y[3], (y[2] - x[2]) / y[3] }')" >"$work/trial.line"
  cat "$work/trial.line"
  cat "$work/trial.line" >>"$server_runs"
}

machine_facts_json
steal_before=$(cpu_snapshot)
for ((round = 1; round <= rounds; round++)); do
  note "round $round of $rounds"
  if ((round % 2 == 1)); then run_bare; run_server; else run_server; run_bare; fi
done

steal=$(steal_percent "$steal_before" "$(cpu_snapshot)")
trusted=$(awk -v s="$steal" -v m="$MAX_STEAL_PERCENT" 'BEGIN { print (s > m ? "false" : "true") }')
printf '{"bench": "platform-overhead-conditions", "steal_percent": %s, "max_steal_percent": %s, "loadavg_1m": %s, "overhead_trustworthy": %s}\n' \
  "$steal" "$MAX_STEAL_PERCENT" "$(loadavg_1m)" "$trusted"
if [ "$trusted" = false ]; then
  note "CPU steal was ${steal}% (> ${MAX_STEAL_PERCENT}%) during the rounds: the overhead below measures the host's other guests as much as the platform"
fi
like=false
[ "$server_java_opts" = "$train_java_opts" ] && like=true
"${client[@]}" overhead-summary "$bare_runs" "$server_runs" \
  "{\"model\": \"$model\", \"epochs\": $epochs, \"jvm_opts_mode\": \"$jvm_mode\", \"like_for_like\": $like, \"server_java_opts\": \"$server_java_opts\", \"train_java_opts\": \"$train_java_opts\"}"
