"""Replays recorded per-epoch val_accuracy curves (bench/search-efficiency.sh CURVES=FILE) through
Optuna's own SuccessiveHalvingPruner with several settings, to choose the benchmark's ASHA settings
on seeds other than the ones it reports, without training again. Not a benchmark: no timing.

  target/bench/optuna-venv/bin/python bench/asha_replay.py CURVES.jsonl [SEARCH]

Each (seed, search) sequence of trials (default search: tpe, an unpruned TPE run) is replayed in
trial order, one trial at a time as the benchmark runs them: each epoch's value is reported, and a
trial the pruner stops keeps the epochs it trained and its last value. Printed per setting: the
epochs trained and the best last value per seed, their means, and the change against no pruning.

What a replay cannot show: in a real TPE + ASHA search, TPE sees the pruned trials (ranked after
the complete ones) and suggests differently from then on; here the suggestions are the unpruned
run's. So it measures the pruner's decisions on a realistic sequence, not TPE's reaction to them.
"""
import json
import sys
from collections import defaultdict

import optuna

SETTINGS = [
    ("none", None),
    ("minEpochs 1, rf 3 (rungs 1, 3)", dict(min_resource=1, reduction_factor=3)),
    ("minEpochs 1, rf 4 (rungs 1, 4)", dict(min_resource=1, reduction_factor=4)),
    ("minEpochs 1, rf 2 (rungs 1, 2, 4)", dict(min_resource=1, reduction_factor=2)),
    ("minEpochs 2, rf 2 (rungs 2, 4)", dict(min_resource=2, reduction_factor=2)),
    ("minEpochs 2, rf 3 (rung 2)", dict(min_resource=2, reduction_factor=3)),
]
# Optuna's bootstrap_count: a rung's first bootstrap_count trials are pruned there, and a later one
# is promoted only against at least that many (SuccessiveHalvingPruner.prune: "if len(competing)
# <= bootstrap_count: return True", competing counting the trial itself).
SETTINGS += [
    (f"minEpochs 1, rf {rf}, bootstrapCount {b}",
     dict(min_resource=1, reduction_factor=rf, bootstrap_count=b))
    for rf in (3, 4) for b in (1, 2, 3, 4, 6)
]
# Past 4 (the benchmark's epochs), a larger factor keeps a smaller top share at epoch 1 and has no
# second rung within the run.
SETTINGS += [
    (f"minEpochs 1, rf {rf}, bootstrapCount {b}",
     dict(min_resource=1, reduction_factor=rf, bootstrap_count=b))
    for rf in (5, 6) for b in (0, 2)
]


def replay(curves, pruner_args):
    if pruner_args is None:
        return sum(len(c) for c in curves), max(c[-1][1] for c in curves if c)
    pruner = optuna.pruners.SuccessiveHalvingPruner(**pruner_args)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    epochs, best = 0, None
    for curve in curves:
        trial = study.ask()
        last = None
        state = optuna.trial.TrialState.COMPLETE
        for step, value in curve:
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
            best = last if best is None else max(best, last)
    return epochs, best


def main():
    search = sys.argv[2] if len(sys.argv) > 2 else "tpe"
    runs = defaultdict(list)
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["search"] == search:
            runs[r["seed"]].append((r["trial"], sorted(r["curve"])))
    seeds = sorted(runs)
    sequences = {s: [c for _, c in sorted(runs[s])] for s in seeds}
    base = {s: replay(sequences[s], None) for s in seeds}
    print(f"| setting ({search} curves) | " + " | ".join(f"seed {s}: epochs, best" for s in seeds)
          + " | mean epochs | mean best | best vs none (points) |")
    print("|---|" + "---|" * (len(seeds) + 3))
    for name, args in SETTINGS:
        rows = {s: replay(sequences[s], args) for s in seeds}
        mean_epochs = sum(e for e, _ in rows.values()) / len(seeds)
        mean_best = sum(b for _, b in rows.values()) / len(seeds)
        mean_base = sum(b for _, b in base.values()) / len(seeds)
        cells = " | ".join(f"{rows[s][0]}, {rows[s][1]:.4f}" for s in seeds)
        print(f"| {name} | {cells} | {mean_epochs:.1f} | {mean_best:.4f} | "
              f"{100 * (mean_best - mean_base):+.2f} |")


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    main()
