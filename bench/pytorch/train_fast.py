"""PyTorch twin of Digit Lab's `fast` recipe (bench/README.md#the-fast-recipe).

Same layers, initialisation, data order and schedule as `./digitlab train --model fast`, so
bench/train-vs-pytorch.sh can compare the two engines on it. Prints one JSON line with the keys
of ../shared/bench/pytorch-reference/train.py.

  python train_fast.py --data DIR [--epochs 2] [--seed 0]

Random numbers are drawn in Digit Lab's order: seed, then each convolution's and linear layer's
weight (and bias, where it has one) from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), which is PyTorch's
default initialisation; batch norm starts at weight 1, bias 0; then one randperm per epoch.
"""
import argparse, gzip, json, math, os, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081
TRAIN_IMAGES = 60000


def read_idx(directory, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                raw = f.read()
            dims = raw[3]
            shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise FileNotFoundError(f"{stem}[.gz] not found in {directory}")


def conv_block(cin, cout, pool_before_norm=True):
    # conv 3x3 pad 1 without bias (batch norm's shift replaces it), max-pool 2, batch norm, ReLU:
    # pooling first, batch norm and ReLU touch a quarter of the elements (the recipe's choice, as
    # in airbench). --norm-before-pool builds the order Digit Lab's checkpoint format 1 used.
    conv, pool, norm = nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.MaxPool2d(2), nn.BatchNorm2d(cout)
    return [conv, pool, norm, nn.ReLU()] if pool_before_norm else [conv, norm, pool, nn.ReLU()]


def build(channels, pool_before_norm=True):
    layers, cin = [], 1
    for c in channels:
        layers += conv_block(cin, c, pool_before_norm)
        cin = c
    side = 28
    for _ in channels:
        side //= 2
    layers += [nn.Flatten(), nn.Linear(cin * side * side, 10)]
    return nn.Sequential(*layers)


def one_cycle(step, total, peak, warmup=0.3, div=25.0, final_div=1e4):
    """Digit Lab's LearningRateSchedule.oneCycle: PyTorch's OneCycleLR (cosine), rate only."""
    initial = peak / div
    last = initial / final_div
    warmup_end = warmup * total - 1
    cos = lambda a, b, f: b + (a - b) / 2 * (1 + math.cos(math.pi * f))
    if step <= warmup_end:
        return cos(initial, peak, 1 if warmup_end <= 0 else step / warmup_end)
    span = (total - 1) - warmup_end
    return cos(peak, last, 1 if span <= 0 else min(1.0, (step - warmup_end) / span))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="directory with the four MNIST IDX files (raw or .gz)")
    p.add_argument("--model", default="fast", choices=["fast"])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.4)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"])
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--channels", default="8,16,64")
    p.add_argument("--channels-last", type=int, default=1, help="1 = run in NHWC (PyTorch's fast path)")
    p.add_argument("--norm-before-pool", action="store_true", help="the recipe's layer order before format 2")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="0 = PyTorch default")
    a = p.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    norm = lambda x: torch.from_numpy(((x.astype(np.float32) / 255.0) - MEAN) / STD).unsqueeze(1)
    x = norm(read_idx(a.data, "train-images-idx3-ubyte"))
    y = torch.from_numpy(read_idx(a.data, "train-labels-idx1-ubyte").astype(np.int64))
    xt = norm(read_idx(a.data, "t10k-images-idx3-ubyte"))
    yt = torch.from_numpy(read_idx(a.data, "t10k-labels-idx1-ubyte").astype(np.int64))
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format

    channels = [int(c) for c in a.channels.split(",")]
    net = build(channels, not a.norm_before_pool).to(memory_format=fmt)
    if a.optimizer == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum, nesterov=a.momentum > 0,
                              weight_decay=a.weight_decay)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    steps_per_epoch = (len(x) + a.batch_size - 1) // a.batch_size
    total = steps_per_epoch * a.epochs
    epoch_seconds, losses = [], []
    step = 0
    for _ in range(a.epochs):
        net.train()
        start, loss_sum, batches = time.perf_counter(), 0.0, 0
        perm = torch.randperm(len(x))
        for b in range(0, len(x), a.batch_size):
            idx = perm[b:b + a.batch_size]
            for group in opt.param_groups:
                group["lr"] = one_cycle(step, total, a.lr)
            step += 1
            opt.zero_grad(set_to_none=True)
            inputs = x[idx].contiguous(memory_format=fmt)
            loss = F.cross_entropy(net(inputs), y[idx], label_smoothing=a.label_smoothing)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            batches += 1
        epoch_seconds.append(time.perf_counter() - start)
        losses.append(loss_sum / batches)
    net.eval()
    with torch.no_grad():
        accuracy = sum((net(xt[i:i + 1000].contiguous(memory_format=fmt)).argmax(1) == yt[i:i + 1000]).sum().item()
                       for i in range(0, len(xt), 1000)) / len(xt)
    train_seconds = sum(epoch_seconds)
    print(json.dumps({
        "impl": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
        "model": a.model, "optimizer": a.optimizer, "lr": a.lr, "batch_size": a.batch_size, "epochs": a.epochs,
        "channels": channels, "pool_before_norm": not a.norm_before_pool, "channels_last": bool(a.channels_last), "seed": a.seed,
        "train_seconds": round(train_seconds, 3), "epoch_seconds": [round(s, 3) for s in epoch_seconds],
        "images_per_second": round(a.epochs * len(x) / train_seconds, 1),
        "train_loss": [round(l, 5) for l in losses], "test_accuracy": accuracy,
    }))


if __name__ == "__main__":
    main()
