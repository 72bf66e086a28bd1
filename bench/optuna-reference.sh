#!/usr/bin/env bash
# Not a benchmark: regenerates the Optuna reference values that digitlab-protocol's tests compare
# our TPE (Parzen estimator, truncated normal) and fANOVA against, with Optuna and scikit-learn
# from the machine's package index in the venv bench/tpe-vs-optuna.sh uses. The output is
# committed (digitlab-protocol/src/test/resources/optuna/); run this only when Optuna or the cases
# in bench/optuna_reference.py change.
#
#   bench/optuna-reference.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${OPTUNA_VENV:-$root/target/bench/optuna-venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import optuna, sklearn' 2>/dev/null \
  || "$venv/bin/pip" install -q optuna scikit-learn >&2
"$venv/bin/python" "$root/bench/optuna_reference.py" \
  "$root/digitlab-protocol/src/test/resources/optuna"
ls -l "$root/digitlab-protocol/src/test/resources/optuna" >&2
