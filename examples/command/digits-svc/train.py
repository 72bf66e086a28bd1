"""An SVC on scikit-learn's 8x8 digits, one (C, gamma) per run.

Reports "metric accuracy=…" and "metric macro_f1=…" on standard output, and writes its
confusion matrix to $DIGITLAB_OUTPUT_DIR. Runs as it is with Debian's python3-sklearn:

    python3 train.py --c 10 --gamma 0.001
"""

import argparse
import json
import os

from sklearn.datasets import load_digits
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=args.seed, stratify=y
    )
    model = SVC(C=args.c, gamma=args.gamma)
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)

    print(f"C={args.c} gamma={args.gamma}: {len(x_train)} train, {len(x_test)} test images")
    print(f"metric accuracy={accuracy_score(y_test, predicted):.6f}")
    print(f"metric macro_f1={f1_score(y_test, predicted, average='macro'):.6f}")

    out = os.environ.get("DIGITLAB_OUTPUT_DIR")
    if out:
        with open(os.path.join(out, "confusion.json"), "w") as f:
            json.dump({"counts": confusion_matrix(y_test, predicted).tolist()}, f)


if __name__ == "__main__":
    main()
