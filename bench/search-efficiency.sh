#!/usr/bin/env bash
# Benchmark (not a test): what TPE and TPE + ASHA buy on real training, against random search in
# the same run on the same server. See bench/README.md.
#
#   /work/wt/nicebuild bench/search-efficiency.sh   # reduced: 1 seed, 12 trials, 2,000 images
#   SEEDS=3 TRIALS=24 SUBSET=10000 /work/wt/nicebuild bench/search-efficiency.sh   # the issue's size
#
# Its figures are accuracies and epoch counts, not timings: run it at low priority (nicebuild),
# not in a quiet window. Where the wall time goes: a trial's start costs little (the embedded
# worker trains in the server's JVM; DJL's engine loads once, ~6 s, for the first trial); the time
# is the training itself, ~20 s for 4 epochs of 9,000 images at batch size 64 on a free core and
# twice that at 32. So one server runs every experiment at once and its embedded worker's 2 slots
# (SLOTS) keep both cores training; each experiment runs one trial at a time (TPE as Optuna's
# sequential default; random alike, for the same conditions). Seed 1's three searches go first
# (priority), so a run cut short has whole seeds. The default is reduced, and the reduced run's
# figures are a smoke run of the machinery, not the issue's proof.
#
# The space (issue 18): mlp, learning rate log-uniform 1e-4…1e-1, batch size {32, 64, 128, 256},
# hidden sizes {[128], [256], [256, 128], [512, 256]}, dropout 0–0.5; 4 epochs on a SUBSET-image
# training subset (default 10,000) with validationRatio 0.1; objective test_accuracy (the
# objective metrics are test metrics), and the figure reported is the best val_accuracy (the
# trials' last per-epoch validation accuracy). For each seed it runs three experiments: random
# (samples TRIALS), TPE (maxTrials TRIALS) and TPE + ASHA (pruner asha on val_accuracy, by default
# minEpochs 1, reductionFactor 5, bootstrapCount 0: one rung within the 4 epochs, at epoch 1, where
# a trial goes on only in the top fifth of the values recorded there so far; a trial that reported
# its last epoch always completes). Chosen on seeds 4-9, never the reported 1-3, by real TPE + ASHA
# runs with the final code, against TPE's mean best there (0.9568): no setting was within 0.10
# points with <= 50% of the epochs, so the rule written beforehand took the closest to TPE with
# <= 50%: rf 5, bootstrap 0, 48.0 of 96 epochs at -0.15 points; rf 4 with bootstrap 0, 1, 2 and
# rf 2 with bootstrap 4 lost 0.20-0.40 (docs/benchmarks.md, "Search"). bench/asha_replay.py
# replays settings offline on recorded curves. Re-checked once trials were reproducible (seeds6),
# by a rule written first (18 candidates, val_accuracy or val_loss): on seeds 4-9 it lost 0.03
# points against TPE's 0.9555 with 47.5 of 96 epochs, the only setting within 0.10 with <= 50%;
# kept. ASHA='...' sets others. Epochs trained: the epochs each trial reported val_accuracy for,
# summed.
#
# stdout: one JSON line per experiment, then a summary line with the means and target_met.
# Targets: TPE ≥ random on the mean best val_accuracy; TPE + ASHA within 0.2 points of TPE's
# with ≤ 50% of its epochs. Exits 0 whenever it ran.
#
# Environment: SEEDS (1), TRIALS (12), SUBSET (2000), STARTUP (TPE's nStartupTrials, 10 as Optuna),
# FIRST_SEED (1: seeds FIRST_SEED … FIRST_SEED+SEEDS-1), SEARCHES (random,tpe,tpe_asha: some only),
# ASHA (the asha pruner's settings, see below), ASHA_METRIC (the metric it prunes on: val_accuracy,
# the default, or val_loss, minimised), CURVES (a file: each trial's val_accuracy per epoch as
# "curve" and its val_loss as "loss_curve", JSON lines appended, for replaying pruner settings
# offline with bench/asha_replay.py),
# SLOTS (embedded worker slots, 2: the experiments run side by side, two trials at a time),
# DATA_HOME (where MNIST is; fetched once if missing).
set -euo pipefail
# shellcheck source=bench/lib/server.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/server.sh"

seeds=${SEEDS:-1}
trials=${TRIALS:-12}
subset=${SUBSET:-2000}
startup=${STARTUP:-10}
slots=${SLOTS:-2}
first_seed=${FIRST_SEED:-1}
searches=${SEARCHES:-random,tpe,tpe_asha}
asha=${ASHA:-minEpochs: 1, reductionFactor: 5, bootstrapCount: 0}
curves=${CURVES:-/dev/null}
asha_metric=${ASHA_METRIC:-val_accuracy}
case $asha_metric in val_accuracy | val_loss) ;; *)
  note "ASHA_METRIC must be val_accuracy or val_loss, got '$asha_metric'"; exit 2 ;; esac

bench_init
link_datasets
note "load average $(cut -d' ' -f1-3 /proc/loadavg); $seeds seeds × ${searches//,/, } × $trials trials"
start_server --worker-slots "$slots"

python3 - "$server_url" "$seeds" "$trials" "$subset" "$startup" "$first_seed" "$searches" \
  "$asha" "$curves" "$asha_metric" <<'PY'
import json, sys, time, urllib.request

url, seeds, trials, subset, startup = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                       int(sys.argv[4]), int(sys.argv[5]))
first_seed, searches, asha = int(sys.argv[6]), sys.argv[7].split(","), sys.argv[8]
curves_out = open(sys.argv[9], "a")
asha_metric = sys.argv[10]

def call(method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(url + path, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request) as response:
        return json.load(response)

SPACE = """
    parameters:
      learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
      batchSize: [32, 64, 128, 256]
      hiddenSizes: [[128], [256], [256, 128], [512, 256]]
      dropout: {min: 0, max: 0.5}
"""

def document(kind, seed):
    # Seed 1 first: a higher priority lets its three searches take the slots before seed 2's, so
    # whole seeds finish one after the other and a run cut short still has complete seeds.
    head = (f"name: efficiency-{kind}-{seed}\n"
            f"priority: {max(-100, 100 - seed)}\n"
            f"config: {{model: mlp, epochs: 4, trainSubset: {subset}, validationRatio: 0.1, seed: {seed}}}\n"
            "objective: {metric: test_accuracy}\n")
    if kind == "random":
        search = f"search:\n  type: random\n  samples: {trials}\n  seed: {seed}\n"
    else:
        search = (f"search:\n  type: tpe\n  maxTrials: {trials}\n  nStartupTrials: {startup}\n"
                  f"  seed: {seed}\n")
    pruner = (f"pruner: {{type: asha, metric: {asha_metric}, {asha}}}\n"
              if kind == "tpe_asha" else "")
    return head + search + SPACE.replace("\n    ", "\n  ") + pruner

def finished_row(seed, kind, eid, submitted):
    view = call("GET", f"/api/v1/experiments/{eid}")
    best, epochs, pruned = None, 0, 0
    for trial in view["trials"]:
        if trial["status"] == "pruned":
            pruned += 1
        # Epochs trained: the per-epoch validation points the trial recorded (a pruned trial
        # stopped after fewer); its figure is its last one, the model it ended with.
        metrics = call("GET", f"/api/v1/trials/{trial['id']}/metrics?keys=val_accuracy,val_loss")
        curve = metrics.get("val_accuracy", [])
        epochs += len(curve)
        # "curve" stays val_accuracy, so files recorded before loss_curve existed still replay.
        curves_out.write(json.dumps({"seed": seed, "search": kind, "trial": trial["id"],
                                     "status": trial["status"],
                                     "curve": [[p["epoch"] or p["step"], p["value"]] for p in curve],
                                     "loss_curve": [[p["epoch"] or p["step"], p["value"]]
                                                    for p in metrics.get("val_loss", [])]}) + "\n")
        curves_out.flush()
        if curve:
            val = curve[-1]["value"]
            best = val if best is None else max(best, val)
    return {"seed": seed, "search": kind, "experiment": eid, "status": view["status"],
            "trials": len(view["trials"]), "pruned": pruned, "best_val_accuracy": best,
            "epochs_trained": epochs, "wall_seconds": round(time.monotonic() - submitted, 1)}

# Every experiment is submitted at once: each runs one trial at a time (TPE as Optuna's
# sequential default, random alike), and the embedded worker's SLOTS train two experiments'
# trials side by side, so both cores work; seeds go in order (priority). The figures are accuracies and epoch
# counts, which do not depend on what ran beside a trial.
submitted = time.monotonic()
running = []
for seed in range(first_seed, first_seed + seeds):
    for kind in searches:
        experiment = call("POST", "/api/v1/experiments", document(kind, seed).encode(),
                          "application/yaml")
        running.append((seed, kind, experiment["id"]))
results = []
while running:
    time.sleep(5)
    for entry in list(running):
        seed, kind, eid = entry
        if call("GET", f"/api/v1/experiments/{eid}")["status"] in ("succeeded", "failed", "cancelled"):
            running.remove(entry)
            row = finished_row(seed, kind, eid, submitted)
            results.append(row)
            print(json.dumps(row), flush=True)

def mean(kind, key):
    values = [r[key] for r in results if r["search"] == kind and r[key] is not None]
    return sum(values) / len(values) if values else None

summary = {k: {"best_val_accuracy": mean(k, "best_val_accuracy"), "epochs_trained": mean(k, "epochs_trained")}
           for k in searches}
if all(k in summary for k in ("random", "tpe", "tpe_asha")):
    tpe, ashas, rnd = summary["tpe"], summary["tpe_asha"], summary["random"]
    # In points, rounded: accuracies on a 1,000-image validation set are whole thousandths, so a
    # mean sits exactly on the 0.2-point boundary often, and the float difference of two means
    # would decide it by its last bit.
    summary["tpe_asha_vs_tpe_points"] = round(
        100 * (ashas["best_val_accuracy"] - tpe["best_val_accuracy"]), 6)
    summary["tpe_vs_random_points"] = round(
        100 * (tpe["best_val_accuracy"] - rnd["best_val_accuracy"]), 6)
    targets = {
        "tpe_ge_random": summary["tpe_vs_random_points"] >= 0,
        "asha_within_0_2_points": summary["tpe_asha_vs_tpe_points"] >= -0.2,
        "asha_epochs_le_half": ashas["epochs_trained"] <= 0.5 * tpe["epochs_trained"],
    }
else:
    targets = {"not_all_searches_ran": False}
print(json.dumps({"summary": summary, "seeds": seeds, "first_seed": first_seed, "trials": trials,
                  "subset": subset, "startup": startup, "asha": asha, "asha_metric": asha_metric,
                  "targets": targets, "target_met": all(targets.values())}))
PY
