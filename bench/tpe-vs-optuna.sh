#!/usr/bin/env bash
# Benchmark (not a test): Digit Lab's TPE sampler against Optuna's TPESampler, and both against
# random search, on analytic functions with known minima. See bench/README.md.
#
#   bench/tpe-vs-optuna.sh                    # 60 trials, 20 seeds per function and sampler
#   TRIALS=60 SEEDS=60 bench/tpe-vs-optuna.sh
#   FUNCTIONS=mixed5 SEEDS=200 bench/tpe-vs-optuna.sh   # some functions only (comma-separated)
#   FIRST_SEED=1000 bench/tpe-vs-optuna.sh    # other seeds (FIRST_SEED … FIRST_SEED+SEEDS-1)
#   SAMPLERS=tpe,random bench/tpe-vs-optuna.sh # leave out the independent TPE (tpe_indep); tpe and random must run
#   WORK=target/bench/run2 bench/tpe-vs-optuna.sh   # another output folder (runs side by side)
#
# Ours: the Java samplers of digitlab-protocol (dev.digitlab.protocol.search), compiled from
# source with javac and driven by bench/java/TpeBench.java — no server, no Maven. Optuna's: the
# `optuna` package from the machine's package index, installed with pip into a venv this script
# creates (OPTUNA_VENV, default target/bench/optuna-venv). Both run the same functions (Branin,
# Hartmann-6, and "mixed5": a log-uniform float, a uniform float, a log int, an int and a
# 4-way categorical) — bench/tpe_vs_optuna.py and TpeBench.java define them twice, identically.
#
# Samplers: "TPE" is Optuna's default for one objective (multivariate, 10 startup trials, 24
# candidates) and ours (TpeSampler's default); "indep." is the independent TPE (Optuna 4's
# default, multivariate=False) on both sides; random search on both sides.
#
# stdout: the table (markdown), then one JSON line with every mean and target_met. Notes on
# stderr. Exits 0 whenever it ran. The target (issue 18): our mean simple regret ≤ 1.1× Optuna's on
# every function, and below random's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
trials=${TRIALS:-60}
seeds=${SEEDS:-20}
functions=${FUNCTIONS:-branin,hartmann6,mixed5}
first_seed=${FIRST_SEED:-0}
samplers=${SAMPLERS:-tpe,tpe_indep,random}
# The table compares TPE with Optuna's and with random search: both must run.
if [[ ",$samplers," != *,tpe,* || ",$samplers," != *,random,* ]]; then
  echo "bench: SAMPLERS must include tpe and random (the target compares them), got '$samplers'" >&2
  exit 2
fi
work=${WORK:-$root/target/bench/tpe-vs-optuna}
venv=${OPTUNA_VENV:-$root/target/bench/optuna-venv}
mkdir -p "$work"

java_home=$("$root/digitlab" --print-java-home)
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv and installing optuna" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q optuna >&2
fi
echo "optuna $("$venv/bin/python" -c 'import optuna; print(optuna.__version__)')," \
  "$trials trials, seeds $first_seed…$((first_seed + seeds - 1)); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2

rm -rf "$work/classes"
"$java_home/bin/javac" -d "$work/classes" \
  "$root"/digitlab-protocol/src/main/java/dev/digitlab/protocol/search/*.java
echo "running ours" >&2
"$java_home/bin/java" -cp "$work/classes" "$root/bench/java/TpeBench.java" "$trials" "$seeds" "$functions" \
  "$first_seed" "$samplers" \
  > "$work/ours.jsonl"
echo "running Optuna" >&2
"$venv/bin/python" "$root/bench/tpe_vs_optuna.py" run "$trials" "$seeds" "$functions" "$first_seed" "$samplers" \
  > "$work/optuna.jsonl"
"$venv/bin/python" "$root/bench/tpe_vs_optuna.py" table "$work/ours.jsonl" "$work/optuna.jsonl"
