"""Replays recorded per-epoch curves (bench/search-efficiency.sh CURVES=FILE) through Optuna's own
SuccessiveHalvingPruner with several settings, to choose the benchmark's ASHA settings on seeds other
than the ones it reports, without training again. Not a benchmark: no timing.

  target/bench/optuna-venv/bin/python bench/asha_replay.py CURVES.jsonl [SEARCH [METRIC]]

(the venv bench/tpe-vs-optuna.sh creates). Each (seed, search) sequence of trials (default search:
tpe, an unpruned TPE run) is replayed in trial order, one trial at a time as the benchmark runs
them: each epoch's value of the pruning METRIC is reported, and a trial the pruner stops keeps the
epochs it trained and its last val_accuracy. METRIC: val_accuracy (maximised; the records' "curve"),
val_loss (minimised, as the server's asha pruner minimises a loss; "loss_curve", recorded since
asha18d) or both (the default when the file has loss curves). The figure is always the best last
val_accuracy, the benchmark's. Printed per metric and setting: the epochs trained and the best last
val_accuracy per seed, their means and the change against no pruning; then the settings within 50%
of the unpruned epochs ranked closest to no pruning first (ties: fewer epochs).

What a replay cannot show: in a real TPE + ASHA search, TPE sees the pruned trials (ranked after
the complete ones) and suggests differently from then on; here the suggestions are the unpruned
run's. So it measures the pruner's decisions on a realistic sequence, not TPE's reaction to them.
"""
import json
import sys
from collections import defaultdict

import optuna

# The candidates: minEpochs 1 (the first rung at epoch 1 of 4), reduction factor 3, 4 or 5 (one
# rung within 4 epochs for 5; rf 3 adds a rung at 3, rf 4 one at 4, the last epoch, where a trial
# that reported its last epoch completes anyway), bootstrapCount 0-2.
# Optuna's bootstrap_count: a rung's first bootstrap_count trials are pruned there, and a later one
# is promoted only against at least that many (SuccessiveHalvingPruner.prune: "if len(competing)
# <= bootstrap_count: return True", competing counting the trial itself).
SETTINGS = [("none", None)] + [
    (f"minEpochs 1, rf {rf}, bootstrapCount {b}",
     dict(min_resource=1, reduction_factor=rf, bootstrap_count=b))
    for rf in (3, 4, 5) for b in (0, 1, 2)
]


def replay(trials, pruner_args, metric):
    """trials: [(val_accuracy curve, pruning-metric curve)] in trial order; both [[epoch, value]]."""
    if pruner_args is None:
        return sum(len(a) for a, _ in trials), max(a[-1][1] for a, _ in trials if a)
    pruner = optuna.pruners.SuccessiveHalvingPruner(**pruner_args)
    study = optuna.create_study(
        direction="minimize" if "loss" in metric else "maximize", pruner=pruner)
    epochs, best = 0, None
    for accuracy, watched in trials:
        accuracy_at = dict(accuracy)
        trial = study.ask()
        last = None
        state = optuna.trial.TrialState.COMPLETE
        for step, value in watched:
            trial.report(value, step)
            epochs += 1
            last = value
            if trial.should_prune():
                state = optuna.trial.TrialState.PRUNED
                break
        if state == optuna.trial.TrialState.PRUNED:
            study.tell(trial, state=state)
        else:
            study.tell(trial, last)
        if last is not None:
            # The figure is the val_accuracy of the epoch the trial ended at, whatever it pruned on.
            value = accuracy_at[step]
            best = value if best is None else max(best, value)
    return epochs, best


def main():
    search = sys.argv[2] if len(sys.argv) > 2 else "tpe"
    records = [json.loads(line) for line in open(sys.argv[1])]
    records = [r for r in records if r["search"] == search]
    has_loss = all("loss_curve" in r for r in records)
    wanted = sys.argv[3] if len(sys.argv) > 3 else "both"
    if wanted not in ("val_accuracy", "val_loss", "both"):
        sys.exit(f"METRIC must be val_accuracy, val_loss or both, got '{wanted}'")
    metrics = ["val_accuracy", "val_loss"] if wanted == "both" else [wanted]
    if "val_loss" in metrics and not has_loss:
        if wanted == "both":
            metrics = ["val_accuracy"]
        else:
            sys.exit("these curves have no loss_curve (recorded before asha18d): replay val_accuracy")
    runs = defaultdict(list)
    for r in records:
        runs[r["seed"]].append(r)
    seeds = sorted(runs)
    ranked = []
    for metric in metrics:
        key = "curve" if metric == "val_accuracy" else "loss_curve"
        sequences = {s: [(sorted(r["curve"]), sorted(r[key]))
                         for r in sorted(runs[s], key=lambda r: r["trial"])] for s in seeds}
        base = {s: replay(sequences[s], None, metric) for s in seeds}
        base_epochs = sum(e for e, _ in base.values()) / len(seeds)
        base_best = sum(b for _, b in base.values()) / len(seeds)
        print(f"| pruning on {metric} ({search} curves) | "
              + " | ".join(f"seed {s}: epochs, best" for s in seeds)
              + " | mean epochs | mean best | best vs none (points) |")
        print("|---|" + "---|" * (len(seeds) + 3))
        for name, args in SETTINGS:
            if args is None and metric != metrics[0]:
                continue
            rows = {s: replay(sequences[s], args, metric) for s in seeds}
            mean_epochs = sum(e for e, _ in rows.values()) / len(seeds)
            mean_best = sum(b for _, b in rows.values()) / len(seeds)
            change = 100 * (mean_best - base_best)
            cells = " | ".join(f"{rows[s][0]}, {rows[s][1]:.4f}" for s in seeds)
            print(f"| {name} | {cells} | {mean_epochs:.1f} | {mean_best:.4f} | {change:+.2f} |")
            if args is not None:
                ranked.append((mean_epochs <= 0.5 * base_epochs, round(change, 6), mean_epochs,
                               metric, name))
        print()
    print(f"Within 50% of the unpruned epochs ({0.5 * base_epochs:.1f}), closest to no pruning first:")
    for n, (within, change, epochs, metric, name) in enumerate(
            sorted((r for r in ranked if r[0]), key=lambda r: (-r[1], r[2])), 1):
        print(f"{n}. {metric}, {name}: {epochs:.1f} epochs, {change:+.2f} points")
    over = sorted((r for r in ranked if not r[0]), key=lambda r: r[2])
    print("Over 50%: " + "; ".join(f"{m}, {nm}: {e:.1f} epochs, {c:+.2f}" for _, c, e, m, nm in over))


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    main()
