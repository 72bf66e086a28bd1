#!/usr/bin/env python3
"""Writes a subset of MNIST as four IDX files: only the digits given, relabelled 0..N-1.

    python3 make-subset.py ~/.digitlab/datasets/mnist OUT_DIR [DIGITS] [PER_CLASS]

DIGITS defaults to 012 (three classes), PER_CLASS to 500 training images per class (the test
set keeps a fifth of that per class). Only the standard library: struct reads and writes IDX.
"""
import gzip
import os
import struct
import sys


def read(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read()


def subset(images, labels, digits, per_class):
    _, count, rows, cols = struct.unpack(">IIII", images[:16])
    size = rows * cols
    taken = {d: 0 for d in digits}
    out_images, out_labels = bytearray(), bytearray()
    for i in range(count):
        digit = labels[8 + i]
        if digit in taken and taken[digit] < per_class:
            taken[digit] += 1
            out_images += images[16 + i * size : 16 + (i + 1) * size]
            out_labels.append(digits.index(digit))
    n = len(out_labels)
    return (
        struct.pack(">IIII", 0x803, n, rows, cols) + bytes(out_images),
        struct.pack(">II", 0x801, n) + bytes(out_labels),
    )


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    digits = [int(c) for c in (sys.argv[3] if len(sys.argv) > 3 else "012")]
    per_class = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    os.makedirs(target, exist_ok=True)
    for prefix, n in (("train", per_class), ("t10k", max(1, per_class // 5))):
        images = read(os.path.join(source, prefix + "-images-idx3-ubyte"))
        labels = read(os.path.join(source, prefix + "-labels-idx1-ubyte"))
        out_images, out_labels = subset(images, labels, digits, n)
        with open(os.path.join(target, prefix + "-images-idx3-ubyte"), "wb") as f:
            f.write(out_images)
        with open(os.path.join(target, prefix + "-labels-idx1-ubyte"), "wb") as f:
            f.write(out_labels)
    print("wrote", target, "digits", digits, "as labels 0 to", len(digits) - 1)


if __name__ == "__main__":
    main()
