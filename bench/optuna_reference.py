"""Reference values from Optuna itself, for the protocol module's tests that compare our TPE and
fANOVA with Optuna's (digitlab-protocol/src/test/java/dev/digitlab/protocol/search/*Optuna*Test).
Run through bench/optuna-reference.sh, which makes the venv; the JSON files it writes are
committed under digitlab-protocol/src/test/resources/optuna/ and regenerated only when the
Optuna version or the cases change.

  python optuna_reference.py OUT_DIR [parzen|fanova|tpe|tpe-continuous|asha|suggestions]

parzen.json: Optuna's _ParzenEstimator (TPESampler's defaults: prior weight 1, magic clip, no
  endpoints, default_weights) built on fixed observations over the mixed5 space of
  bench/tpe_vs_optuna.py (and over single parameters of it, as the independent TPE builds them),
  with its log_pdf at fixed points; and _truncnorm's ppf and log_gauss_mass on a grid.
  numpy's argsort is made stable for this file (see parzen()).
tpe.json: one step of TPESampler (defaults) on fixed mixed5 histories, some with pruned trials:
  the "below" split, the acquisition at fixed candidates and l(x)'s marginals of the categorical
  and the two ints (see tpe()).
asha.json: Optuna's SuccessiveHalvingPruner deciding on interleaved synthetic curves (up to 3
  trials running at once, in random order), every report with its decision, for several minimum
  resources, reduction factors, early-stopping rates and both directions (see asha()).
tpe-continuous.json: the same step on the purely continuous functions of bench/tpe_vs_optuna.py
  (Branin, Hartmann-6), on histories Optuna's own TPESampler produced: the split, the acquisition
  at candidates drawn from l(x) and uniformly, and l(x)'s probability of each cell of a grid over
  two parameters (the joint the product kernels give; see tpe_continuous()).
suggestions.json: whole sequential studies of Optuna's own samplers on the functions of
  bench/tpe_vs_optuna.py (Branin, Hartmann-6, mixed5), 40 trials, two seeds each: TPESampler's
  default (multivariate), multivariate=False, one with n_startup_trials=0, and RandomSampler;
  every trial's parameters (internal representation) and value. Our samplers must suggest the
  same for the same seed and history. numpy's argsort is made stable here too (ties on the whole
  numbers of mixed5 would otherwise pair bandwidths in a CPU-dependent order). Also golden values
  of numpy's legacy RandomState (MT19937): random_sample, uniform and choice for several seeds.
fanova.json: studies of fixed trials, Optuna's FanovaImportanceEvaluator(seed=0) importances
  (normalised, as get_param_importances gives them) and their range over forest seeds 0-9, and, for the exact check of the variance
  decomposition, every tree of its forest (scikit-learn's arrays) with the raw per-parameter mean
  variance fractions Optuna computed from them.
"""
import json
import math
import os
import sys

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import FanovaImportanceEvaluator, get_param_importances
from optuna.samplers._tpe import _truncnorm
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights

MIXED5 = {
    "lr": FloatDistribution(1e-4, 1e-1, log=True),
    "dropout": FloatDistribution(0, 0.5),
    "hidden": IntDistribution(16, 512, log=True),
    "epochs": IntDistribution(1, 10),
    "optimizer": CategoricalDistribution([0, 1, 2, 3]),
}
OFFSETS = [0.4, 0.0, 0.8, 0.2]


def describe(d):
    if isinstance(d, CategoricalDistribution):
        return {"type": "categorical", "size": len(d.choices)}
    kind = "float" if isinstance(d, FloatDistribution) else "int"
    return {"type": kind, "low": d.low, "high": d.high, "log": d.log}


def draw(d, rng, n, centre=None):
    """n internal values of d: uniform (in the log for log ranges), or clustered near centre."""
    if isinstance(d, CategoricalDistribution):
        k = len(d.choices)
        if centre is not None:
            return np.where(rng.rand(n) < 0.7, centre % k, rng.randint(0, k, n)).astype(float)
        return rng.randint(0, k, n).astype(float)
    lo, hi = (math.log(d.low), math.log(d.high)) if d.log else (d.low, d.high)
    if centre is None:
        t = rng.uniform(lo, hi, n)
    else:
        t = np.clip(lo + (hi - lo) * (0.3 + 0.02 * rng.randn(n)), lo, hi)
    x = np.exp(t) if d.log else t
    if isinstance(d, IntDistribution):
        x = np.clip(np.round(x), d.low, d.high)
    return x.astype(float)


def parzen(out):
    # numpy's default argsort is not stable on CPUs where it sorts with SIMD (AVX2, AVX-512): two
    # observations with the same value then get their two bandwidths in an order that depends on
    # the CPU, which matters in the multivariate product kernels. Our estimator sorts stably (the
    # older trial first); the reference is Optuna with a stable argsort, so that it is one number.
    plain_argsort = np.argsort

    def stable_argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return plain_argsort(a, *args, **kwargs)

    np.argsort = stable_argsort
    try:
        parzen_cases(out)
    finally:
        np.argsort = plain_argsort


def parzen_cases(out):
    params = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True,
                                        consider_endpoints=False, weights=default_weights,
                                        multivariate=True)
    rng = np.random.RandomState(18)
    cases = []
    groups = [list(MIXED5), ["optimizer"], ["hidden"], ["lr"], ["epochs"], ["dropout"]]
    for n in (0, 1, 2, 3, 7, 26, 40):
        for clustered in (False, True):
            for names in groups:
                space = {k: MIXED5[k] for k in names}
                obs = {k: draw(MIXED5[k], rng, n, 1 if clustered else None) for k in names}
                pe = _ParzenEstimator(obs, space, params)
                points = {k: draw(MIXED5[k], rng, 30) for k in names}
                log_pdf = pe.log_pdf(points)
                cases.append({
                    "space": {k: describe(MIXED5[k]) for k in names},
                    "observations": {k: v.tolist() for k, v in obs.items()},
                    "points": {k: v.tolist() for k, v in points.items()},
                    "logPdf": log_pdf.tolist(),
                })
    grid = []
    for _ in range(400):
        a = rng.uniform(-12, 6)
        b = a + math.exp(rng.uniform(-6, 3))
        q = rng.uniform()
        grid.append({"q": q, "a": a, "b": b,
                     "ppf": float(_truncnorm.ppf(np.array([q]), np.array([a]), np.array([b]))[0]),
                     "logGaussMass": float(_truncnorm._log_gauss_mass(np.array([a]),
                                                                      np.array([b]))[0])})
    with open(os.path.join(out, "parzen.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "argsort": "stable", "cases": cases, "truncnorm": grid}, f)


def mixed5(t):
    lr = t.suggest_float("lr", 1e-4, 1e-1, log=True)
    dropout = t.suggest_float("dropout", 0, 0.5)
    hidden = t.suggest_int("hidden", 16, 512, log=True)
    epochs = t.suggest_int("epochs", 1, 10)
    optimizer = t.suggest_categorical("optimizer", [0, 1, 2, 3])
    return ((math.log10(lr) + 2.5) ** 2 + 4 * (dropout - 0.2) ** 2
            + 0.5 * math.log(hidden / 128.0) ** 2 + ((epochs - 6) / 3.0) ** 2 + OFFSETS[optimizer])


def docs_example(t):
    # The example of Optuna's get_param_importances documentation.
    x = t.suggest_int("x", 0, 2)
    y = t.suggest_float("y", -1.0, 1.0)
    z = t.suggest_float("z", 0.0, 1.5)
    return x ** 2 + y ** 3 - z ** 4


def steep(t):
    # One parameter dominates, one does nothing, a categorical in between.
    a = t.suggest_float("a", 0, 10)
    b = t.suggest_float("b", 0, 10)
    c = t.suggest_categorical("c", ["x", "y", "z"])
    return a ** 2 + {"x": 0.0, "y": 8.0, "z": 16.0}[c] + 0 * b


def suggestions(out):
    plain_argsort = np.argsort

    def stable_argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return plain_argsort(a, *args, **kwargs)

    np.argsort = stable_argsort
    try:
        suggestions_cases(out)
    finally:
        np.argsort = plain_argsort


def suggestions_cases(out):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from tpe_vs_optuna import PROBLEMS

    samplers = {
        "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
        "tpe_indep": lambda seed: optuna.samplers.TPESampler(seed=seed, multivariate=False),
        "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    }
    studies = []
    cases = [(name, f, kind, seed, 10) for name, f, _ in PROBLEMS for kind in samplers
             for seed in (0, 7)]
    # No startup trials: Optuna's trial 0 has an empty relative search space and samples each
    # parameter on its own with the TPE generator.
    cases += [(name, f, "tpe", 3, 0) for name, f, _ in PROBLEMS if name == "mixed5"]
    for name, f, kind, seed, startup in cases:
        if startup == 10:
            sampler = samplers[kind](seed)
        else:
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
        study = optuna.create_study(direction="minimize", sampler=sampler)
        study.optimize(f, n_trials=40)
        first = study.trials[0]
        studies.append({
            "function": name, "sampler": kind, "seed": seed, "startupTrials": startup,
            "space": {k: describe(d) for k, d in first.distributions.items()},
            "trials": [{"params": {k: t.distributions[k].to_internal_repr(v)
                                   for k, v in t.params.items()},
                        "value": t.value} for t in study.trials],
        })
    mt = []
    for seed in (0, 1, 7, 42, 12345, 2**32 - 1):
        rng = np.random.RandomState(seed)
        head = rng.random_sample(5).tolist()
        rng.random_sample(995)
        tail = rng.random_sample(3).tolist()
        mt.append({"seed": seed, "first": head, "from1000": tail})
    keyed = []
    for key in ([1, 2], [0xDEADBEEF, 0x12345678, 7, 0x7ED7A3]):
        rng = np.random.RandomState(np.array(key, dtype=np.uint32))
        keyed.append({"key": key, "first": rng.random_sample(5).tolist()})
    rng = np.random.RandomState(18)
    uniform = {"seed": 18, "low": [-5.0, 0.0, math.log(15.5)], "high": [10.0, 1.0, math.log(512.5)]}
    uniform["values"] = rng.uniform(np.array(uniform["low"]), np.array(uniform["high"])).tolist()
    p = np.array([0.1, 0.25, 0.05, 0.3, 0.3])
    choice = {"seed": 18, "p": p.tolist(), "size": 40,
              "values": np.random.RandomState(18).choice(5, p=p, size=40).tolist()}
    with open(os.path.join(out, "suggestions.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "numpy": np.__version__, "argsort": "stable",
                   "studies": studies, "mt19937": mt, "keyed": keyed, "uniform": uniform,
                   "choice": choice}, f)


def fanova(out):
    studies = [
        ("docs-random-100", docs_example, optuna.samplers.RandomSampler(seed=42), 100, True),
        ("mixed5-random-60", mixed5, optuna.samplers.RandomSampler(seed=1), 60, True),
        ("mixed5-tpe-60", mixed5, optuna.samplers.TPESampler(seed=2), 60, False),
        ("steep-random-80", steep, optuna.samplers.RandomSampler(seed=3), 80, False),
    ]
    result = []
    for name, f, sampler, n, with_trees in studies:
        study = optuna.create_study(sampler=sampler)
        study.optimize(f, n_trials=n)
        evaluator = FanovaImportanceEvaluator(seed=0)
        importances = get_param_importances(study, evaluator=evaluator)
        names = list(optuna.importance._base._get_distributions(study, None).keys())
        distributions = study.trials[0].distributions
        # Two forests differ: Optuna's own figures over ten forest seeds bound what agreement means.
        spread = [get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=s))
                  for s in range(10)]
        entry = {
            "name": name,
            "seedRange": {k: [min(r[k] for r in spread), max(r[k] for r in spread)]
                          for k in names},
            "space": {k: describe(distributions[k]) for k in names},
            "trials": [{"params": {k: distributions[k].to_internal_repr(t.params[k])
                                   for k in names}, "value": t.value} for t in study.trials],
            "importances": importances,
        }
        if with_trees:
            inner = evaluator._evaluator
            entry["bounds"] = inner._trees[0]._search_spaces.tolist()
            entry["columns"] = [c.tolist() for c in inner._column_to_encoded_columns]
            entry["raw"] = [inner.get_importance(i)[0] for i in range(len(names))]
            entry["trees"] = [{
                "feature": e.tree_.feature.tolist(),
                "threshold": e.tree_.threshold.tolist(),
                "left": e.tree_.children_left.tolist(),
                "right": e.tree_.children_right.tolist(),
                "value": e.tree_.value[:, 0, 0].tolist(),
            } for e in inner._forest.estimators_]
        result.append(entry)
    with open(os.path.join(out, "fanova.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "studies": result}, f)


def tpe(out):
    """One step of Optuna's default TPESampler on fixed mixed5 histories, for TpeStepMatchesOptunaTest:
    the trials its split puts "below" (gamma, pruned-trial ranking), the acquisition
    log l(x) - log g(x) at fixed candidates (prior weight, weights ramp past 25 trials), and the
    probability of each choice of the categorical and each value of the two ints under l(x): the
    marginals the 24 candidates are drawn from."""
    plain_argsort = np.argsort

    def stable_argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return plain_argsort(a, *args, **kwargs)

    np.argsort = stable_argsort  # as in parzen(): ties sort the older trial first
    try:
        tpe_cases(out)
    finally:
        np.argsort = plain_argsort


def tpe_cases(out):
    from optuna.samplers._tpe.sampler import _split_trials, default_gamma
    from optuna.trial import TrialState, create_trial
    params = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True,
                                        consider_endpoints=False, weights=default_weights,
                                        multivariate=True)
    rng = np.random.RandomState(1818)
    cases = []
    for n in (10, 11, 17, 24, 30, 45):
        for with_pruned in (False, True):
            sampler = optuna.samplers.TPESampler(seed=0)
            study = optuna.create_study(direction="minimize", sampler=sampler)
            trials = []
            for i in range(n):
                internal = {k: float(draw(d, rng, 1, 1 if i % 3 == 0 else None)[0])
                            for k, d in MIXED5.items()}
                external = {k: MIXED5[k].to_external_repr(v) for k, v in internal.items()}
                value = ((math.log10(external["lr"]) + 2.5) ** 2
                         + 4 * (external["dropout"] - 0.2) ** 2
                         + 0.5 * math.log(external["hidden"] / 128.0) ** 2
                         + ((external["epochs"] - 6) / 3.0) ** 2 + OFFSETS[external["optimizer"]])
                if with_pruned and i % 4 == 3:
                    steps = 1 + i % 3
                    curve = {s: value * (1 + 0.5 / (s + 1)) for s in range(steps)}
                    trial = create_trial(state=TrialState.PRUNED, params=external,
                                         distributions=MIXED5, intermediate_values=curve)
                    trials.append({"params": internal, "state": "pruned",
                                   "intermediate": {str(s): v for s, v in curve.items()}})
                else:
                    trial = create_trial(value=value, params=external, distributions=MIXED5)
                    trials.append({"params": internal, "state": "complete", "value": value})
                study.add_trial(trial)
            frozen = study.get_trials(deepcopy=False)
            below, above = _split_trials(study, frozen, default_gamma(n))
            l = sampler._build_parzen_estimator(study, MIXED5, below, handle_below=True)
            g = sampler._build_parzen_estimator(study, MIXED5, above, handle_below=False)
            candidates = {k: draw(d, rng, 24) for k, d in MIXED5.items()}
            acquisition = sampler._compute_acquisition_func(candidates, l, g)
            below_values = sampler._get_internal_repr(below, MIXED5, study)
            marginals = {}
            for name, values in (("optimizer", np.arange(4.0)), ("epochs", np.arange(1.0, 11.0)),
                                 ("hidden", np.arange(16.0, 513.0))):
                single = _ParzenEstimator({name: below_values[name]}, {name: MIXED5[name]}, params)
                marginals[name] = np.exp(single.log_pdf({name: values})).tolist()
            cases.append({
                "trials": trials,
                "below": [t.number for t in below],
                "candidates": {k: v.tolist() for k, v in candidates.items()},
                "acquisition": acquisition.tolist(),
                "belowMarginals": marginals,
            })
    with open(os.path.join(out, "tpe.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "argsort": "stable",
                   "space": {k: describe(d) for k, d in MIXED5.items()}, "cases": cases}, f)


def tpe_continuous(out):
    """One step of Optuna's default TPESampler on Branin and Hartmann-6 histories that Optuna's own
    TPESampler (seeds 0-1) produced, cut at 10 to 60 trials, for TpeStepMatchesOptunaTest: the
    split, the acquisition at 16 candidates l(x) drew plus 8 uniform ones, and l(x)'s probability
    of each cell of a 5 x 5 grid over the first two parameters. The grid probabilities come from the
    mixture's own kernels (weights, mus, sigmas) and _truncnorm's Gaussian masses, so they test the
    bandwidths, the truncation to [low, high] and that one kernel draws every coordinate."""
    plain_argsort = np.argsort

    def stable_argsort(a, *args, **kwargs):
        kwargs.setdefault("kind", "stable")
        return plain_argsort(a, *args, **kwargs)

    np.argsort = stable_argsort
    try:
        tpe_continuous_cases(out)
    finally:
        np.argsort = plain_argsort


def tpe_continuous_cases(out):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import tpe_vs_optuna
    from optuna.samplers._tpe.sampler import _split_trials, default_gamma
    rng = np.random.RandomState(1819)
    functions = [("branin", tpe_vs_optuna.branin), ("hartmann6", tpe_vs_optuna.hartmann6)]
    result = []
    for name, f in functions:
        for seed in (0, 1):
            full = optuna.create_study(direction="minimize",
                                       sampler=optuna.samplers.TPESampler(seed=seed))
            full.optimize(f, n_trials=60)
            space = full.trials[0].distributions
            for n in (10, 17, 30, 45, 60):
                sampler = optuna.samplers.TPESampler(seed=0)
                study = optuna.create_study(direction="minimize", sampler=sampler)
                for t in full.trials[:n]:
                    study.add_trial(optuna.trial.create_trial(
                        value=t.value, params=t.params, distributions=t.distributions))
                frozen = study.get_trials(deepcopy=False)
                below, above = _split_trials(study, frozen, default_gamma(n))
                l = sampler._build_parzen_estimator(study, space, below, handle_below=True)
                g = sampler._build_parzen_estimator(study, space, above, handle_below=False)
                drawn = l.sample(rng, 16)
                candidates = {k: np.concatenate([drawn[k], rng.uniform(d.low, d.high, 8)])
                              for k, d in space.items()}
                acquisition = sampler._compute_acquisition_func(candidates, l, g)
                mix = l._mixture_distribution
                names = list(space)
                cells = []
                edges = []
                for i in (0, 1):
                    d = mix.distributions[i]
                    e = np.linspace(d.low, d.high, 6)
                    edges.append(e.tolist())
                    # P_k(cell) for every kernel k and cell: the truncated normal's mass.
                    lo = (e[:-1, None] - d.mu) / d.sigma
                    hi = (e[1:, None] - d.mu) / d.sigma
                    norm = _truncnorm._log_gauss_mass((d.low - d.mu) / d.sigma,
                                                      (d.high - d.mu) / d.sigma)
                    cells.append(np.exp(_truncnorm._log_gauss_mass(lo, hi) - norm))
                grid = np.einsum("k,ik,jk->ij", mix.weights, cells[0], cells[1])
                result.append({
                    "function": name, "seed": seed,
                    "space": {k: describe(d) for k, d in space.items()},
                    "trials": [{"params": t.params, "value": t.value} for t in frozen],
                    "below": [t.number for t in below],
                    "candidates": {k: v.tolist() for k, v in candidates.items()},
                    "acquisition": acquisition.tolist(),
                    "grid": {"names": names[:2], "edges": edges, "probability": grid.tolist()},
                })
    with open(os.path.join(out, "tpe-continuous.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "argsort": "stable", "cases": result}, f)


def asha(out):
    """Optuna's SuccessiveHalvingPruner on 30 trials of up to 8 steps (steps 1..8, as epochs),
    up to 3 running at once and reporting in a random order: every report and Optuna's decision
    on it, for SuccessiveHalvingPrunerMatchesOptunaTest. A pruned trial reports no more."""
    rng = np.random.RandomState(1820)
    settings = [(1, 3, 0), (1, 4, 0), (1, 2, 0), (2, 2, 0), (1, 3, 1), (2, 3, 0)]
    result = []
    for min_resource, rf, rate in settings:
        for direction in ("maximize", "minimize"):
            pruner = optuna.pruners.SuccessiveHalvingPruner(
                min_resource=min_resource, reduction_factor=rf, min_early_stopping_rate=rate)
            study = optuna.create_study(direction=direction, pruner=pruner)
            to_start = list(range(30))
            running = {}  # number -> (trial, curve, next step)
            events = []
            while to_start or running:
                while to_start and len(running) < 3:
                    n = to_start.pop(0)
                    quality = rng.uniform(0.5, 0.95)
                    steps = int(rng.randint(2, 9))
                    curve = [quality * (1 - 0.3 / (s + 1)) + 0.01 * rng.randn()
                             for s in range(1, steps + 1)]
                    if direction == "minimize":
                        curve = [1 - v for v in curve]
                    running[n] = (study.ask(), curve, 1)
                n = sorted(running)[rng.randint(len(running))]
                trial, curve, step = running[n]
                value = float(curve[step - 1])
                trial.report(value, step)
                pruned = trial.should_prune()
                events.append({"trial": trial.number, "step": step, "value": value,
                               "pruned": bool(pruned)})
                if pruned:
                    study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    del running[n]
                elif step == len(curve):
                    study.tell(trial, value)
                    del running[n]
                else:
                    running[n] = (trial, curve, step + 1)
            result.append({"minResource": min_resource, "reductionFactor": rf,
                           "minEarlyStoppingRate": rate, "direction": direction,
                           "events": events})
    with open(os.path.join(out, "asha.json"), "w") as f:
        json.dump({"optuna": optuna.__version__, "cases": result}, f)


if __name__ == "__main__":
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    os.makedirs(sys.argv[1], exist_ok=True)
    only = sys.argv[2:] or ["parzen", "fanova", "tpe", "tpe-continuous", "asha", "suggestions"]
    if "parzen" in only:
        parzen(sys.argv[1])
    if "fanova" in only:
        fanova(sys.argv[1])
    if "tpe" in only:
        tpe(sys.argv[1])
    if "tpe-continuous" in only:
        tpe_continuous(sys.argv[1])
    if "asha" in only:
        asha(sys.argv[1])
    if "suggestions" in only:
        suggestions(sys.argv[1])
