#!/usr/bin/env bash
# Chaos run (not a unit test): a server and remote workers on this machine run a 12-trial seeded
# experiment while busy workers are SIGKILLed at random (and restarted), and the server is
# SIGKILLed and restarted twice. Then every trial must have succeeded, each trial's epochs must appear exactly
# once in its curves, and its final metrics must equal those of the same experiment run
# crash-free just before on the same cluster. See bench/README.md.
#
#   bench/chaos.sh                    # 2 workers, seed 42
#   WORKERS=3 SEED=7 bench/chaos.sh
#
# Last line: kills=K resumed=R lost=L duplicated=D mismatched=M
#   kills       SIGKILLs sent (workers and server)
#   resumed     attempts that resumed from an uploaded checkpoint (from the workers' logs)
#   lost        trials that did not succeed, plus epochs missing from a trial's curves
#   duplicated  epochs that appear more than once in a trial's curves
#   mismatched  trials whose test accuracy, test macro-F1 or last epoch's training loss differ
#               from the crash-free run's
# Exit status 0 only when lost, duplicated and mismatched are all 0.
#
# Environment:
#   WORKERS       remote workers (default 2); the experiment runs that many trials at once
#   WORKER_KILLS  worker SIGKILLs, one every 8–15 s (default 6); then the run ends undisturbed
#   SEED          seeds the choice of victims and pauses (default 42)
#   LEASE         the server's lease (default 8s: a killed worker's trial is requeued soon)
#   MODEL, EPOCHS, TRAIN_SUBSET  the trials' size (default 4 epochs of 10,000 images of `lenet5`:
#                 several seconds per epoch, so most kills land after a checkpoint and the next
#                 attempt really resumes; with tiny trials a kill mostly restarts from scratch)
#   WORKER_ENV    the workers' extra environment (default OMP_NUM_THREADS=cores/workers)
#   DATA_HOME     where MNIST is (default ~/.digitlab; fetched there once if missing)
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"
# shellcheck source=bench/lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

workers=${WORKERS:-2}
worker_kills=${WORKER_KILLS:-6}
RANDOM=${SEED:-42}
lease=${LEASE:-8s}
model=${MODEL:-lenet5}
epochs=${EPOCHS:-4}
subset=${TRAIN_SUBSET:-10000}

# Workers share this machine's cores: libtorch's default of one intra-op thread per core in each
# worker oversubscribes them, and its OpenMP barriers then wait for descheduled threads (lenet5
# trained at ~50 images/s instead of thousands). Both runs use the same threads, so their metrics
# still compare exactly.
threads=$(($(nproc) / workers))
[ "$threads" -ge 1 ] || threads=1
WORKER_ENV=${WORKER_ENV:-OMP_NUM_THREADS=$threads}

bench_init
link_datasets
cluster_init
SERVER_ENV="DIGITLAB_WORKER_LEASE=$lease"
cluster_server
names=()
for i in $(seq 1 "$workers"); do
  names+=("w$i")
  start_worker "w$i"
done

experiment() {
  cat <<YAML
name: $1
dataset: mnist
config: {model: $model, epochs: $epochs, optimizer: adam, trainSubset: $subset}
search:
  type: grid
  parameters:
    learningRate: [0.01, 0.003, 0.001]
    batchSize: [32, 64]
    seed: [1, 2]
objective: {metric: test_f1_macro, goal: max}
maxParallelTrials: $workers
YAML
}

experiment chaos-reference >"$work/reference.yaml"
experiment chaos >"$work/chaos.yaml"

note "crash-free reference run: 12 trials on $workers worker(s)"
reference=$(submit_file "$work/reference.yaml")
run_bg await_experiment "$reference"

note "chaos run: the same 12 trials while workers and the server are killed"
chaos=$(submit_file "$work/chaos.yaml")
kills=0
server_kills=0
round=0
while [ "$(unfinished "$chaos")" != 0 ] && [ "$round" -lt $((worker_kills + 2)) ]; do
  round=$((round + 1))
  sleep "$((8 + RANDOM % 8))"
  [ "$(unfinished "$chaos")" != 0 ] || break
  if [ "$server_kills" -lt 2 ] && { [ "$round" = 2 ] || [ "$round" = 5 ]; }; then
    note "round $round: SIGKILL the server"
    kill_server
    kills=$((kills + 1))
    server_kills=$((server_kills + 1))
    sleep "$((1 + RANDOM % 3))"
    cluster_server
    note "server restarted"
    continue
  fi
  # a random worker among those holding a lease (any worker when none is known)
  mapfile -t busy < <(curl -sf "$server_url/api/v1/workers" |
    jq -r '.[] | select(.state == "busy") | .name' || true)
  [ "${#busy[@]}" -gt 0 ] || busy=("${names[@]}")
  victim=${busy[$((RANDOM % ${#busy[@]}))]}
  note "round $round: SIGKILL worker $victim"
  kill_worker "$victim"
  kills=$((kills + 1))
  sleep "$((1 + RANDOM % 3))"
  start_worker "$victim"
done
note "chaos over after $round rounds; waiting for the last trials"
run_bg await_experiment "$chaos"

resumed=$(cat "$work"/w*.log | grep -c 'resuming after epoch' || true)
python3 - "$server_url" "$reference" "$chaos" "$epochs" "$kills" "$resumed" <<'PY'
import json, sys, urllib.request

url, reference, chaos, epochs, kills, resumed = sys.argv[1:]
epochs = int(epochs)

def get(path):
    with urllib.request.urlopen(url + path) as response:
        return json.load(response)

def by_ordinal(experiment):
    return {t["ordinal"]: get(f"/api/v1/trials/{t['id']}") for t in get(f"/api/v1/experiments/{experiment}")["trials"]}

ref, run = by_ordinal(reference), by_ordinal(chaos)
lost = duplicated = mismatched = 0
for ordinal, trial in sorted(run.items()):
    if trial["status"] != "succeeded":
        print(f"trial {trial['id']}: {trial['status']}", file=sys.stderr)
        lost += 1
        continue
    curve = get(f"/api/v1/trials/{trial['id']}/metrics?keys=epoch_train_loss")["epoch_train_loss"]
    seen = [point["epoch"] for point in curve]
    duplicated += len(seen) - len(set(seen))
    missing = set(range(1, epochs + 1)) - set(seen)
    lost += len(missing)
    ref_curve = get(f"/api/v1/trials/{ref[ordinal]['id']}/metrics?keys=epoch_train_loss")["epoch_train_loss"]
    mine = (trial["testAccuracy"], trial["testF1Macro"], curve[-1]["value"] if curve else None)
    theirs = (ref[ordinal]["testAccuracy"], ref[ordinal]["testF1Macro"], ref_curve[-1]["value"] if ref_curve else None)
    if mine != theirs:
        print(f"trial {trial['id']} (ordinal {ordinal}): {mine} vs crash-free {theirs}", file=sys.stderr)
        mismatched += 1
    print(f"trial {trial['id']}: attempts {trial['attempt']}, epochs {seen}, test accuracy {mine[0]}", file=sys.stderr)
print(f"kills={kills} resumed={resumed} lost={lost} duplicated={duplicated} mismatched={mismatched}")
sys.exit(0 if lost == duplicated == mismatched == 0 else 1)
PY
