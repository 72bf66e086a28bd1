#!/usr/bin/env python3
"""Fits a linear regression y = b0 + b1*x1 + b2*x2 by least squares (normal equations, no
libraries) on seeded synthetic data, and reports RMSE, MAE and R^2 on a held-out test part as
Digit Lab metric lines. Arguments come from the step's parameters: --samples, --noise, --seed.
"""
import argparse
import json
import math
import os
import random

parser = argparse.ArgumentParser()
parser.add_argument("--samples", type=int, default=500)
parser.add_argument("--noise", type=float, default=0.5)
parser.add_argument("--seed", type=int, default=7)
parser.add_argument("--test-share", type=float, default=0.2)
args = parser.parse_args()

rng = random.Random(args.seed)
true = (5.0, 3.0, -2.0)
rows = []
for _ in range(args.samples):
    x1, x2 = rng.uniform(-3, 3), rng.uniform(-3, 3)
    y = true[0] + true[1] * x1 + true[2] * x2 + rng.gauss(0, args.noise)
    rows.append((x1, x2, y))
cut = int(len(rows) * (1 - args.test_share))
train, test = rows[:cut], rows[cut:]
print(f"{len(train)} training rows, {len(test)} test rows, noise {args.noise}")

# Normal equations (X^T X) b = X^T y, solved by Gaussian elimination with partial pivoting.
n = 3
a = [[0.0] * (n + 1) for _ in range(n)]
for x1, x2, y in train:
    features = (1.0, x1, x2)
    for i in range(n):
        for j in range(n):
            a[i][j] += features[i] * features[j]
        a[i][n] += features[i] * y
for col in range(n):
    pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
    a[col], a[pivot] = a[pivot], a[col]
    for r in range(n):
        if r != col:
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
b = [a[i][n] / a[i][i] for i in range(n)]
print("coefficients " + " ".join(f"{v:.4f}" for v in b))

predicted = [b[0] + b[1] * x1 + b[2] * x2 for x1, x2, _ in test]
actual = [y for _, _, y in test]
errors = [p - y for p, y in zip(predicted, actual)]
mean = sum(actual) / len(actual)
rmse = math.sqrt(sum(e * e for e in errors) / len(errors))
mae = sum(abs(e) for e in errors) / len(errors)
r2 = 1 - sum(e * e for e in errors) / sum((y - mean) ** 2 for y in actual)
print(f"metric rmse={rmse:.6f}")
print(f"metric mae={mae:.6f}")
print(f"metric r2={r2:.6f}")

out = os.environ.get("DIGITLAB_STEP_DIR")
if out:
    with open(os.path.join(out, "coefficients.json"), "w") as f:
        json.dump({"intercept": b[0], "x1": b[1], "x2": b[2]}, f)
