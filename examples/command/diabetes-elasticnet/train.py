"""ElasticNet on scikit-learn's diabetes dataset, one (alpha, l1_ratio) per run.

Reports to Digit Lab the way any program can: lines "metric NAME=VALUE" on standard output,
and files in $DIGITLAB_OUTPUT_DIR, which become the trial's artifacts. Runs as it is with
Debian's python3-sklearn, with or without Digit Lab:

    python3 train.py --alpha 0.5 --l1-ratio 0.2
"""

import argparse
import csv
import os

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=0.5)
    parser.add_argument("--l1-ratio", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=args.seed
    )
    model = make_pipeline(
        StandardScaler(),
        ElasticNet(alpha=args.alpha, l1_ratio=args.l1_ratio, random_state=args.seed),
    )
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)

    rmse = float(np.sqrt(mean_squared_error(y_test, predicted)))
    print(f"alpha={args.alpha} l1_ratio={args.l1_ratio}: {len(x_train)} train, {len(x_test)} test rows")
    print(f"metric rmse={rmse:.6f}")
    print(f"metric mae={mean_absolute_error(y_test, predicted):.6f}")
    print(f"metric r2={r2_score(y_test, predicted):.6f}")

    out = os.environ.get("DIGITLAB_OUTPUT_DIR")
    if out:
        with open(os.path.join(out, "predictions.csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["actual", "predicted"])
            writer.writerows(zip(y_test.tolist(), predicted.round(3).tolist()))


if __name__ == "__main__":
    main()
