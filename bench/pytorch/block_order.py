"""The fast recipe's training step with batch norm before or after each block's max-pool.

Not a benchmark against a reference: the measurement behind the recipe's layer order
(bench/README.md#the-fast-recipe). Both networks train on the same random batch, SGD Nesterov as
the recipe, ROUNDS rounds of STEPS steps each, the two orders alternating (and which goes first
alternating), after a warm-up; prints the median ms per step of each and their ratio.

  python block_order.py [--batch 256] [--rounds 8] [--steps 15] [--threads 0]
"""
import argparse, json, os, statistics, sys, time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_fast as T  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--steps", type=int, default=15)
    p.add_argument("--threads", type=int, default=0, help="0 = PyTorch default")
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    fmt = torch.channels_last
    orders = {"norm_before_pool": False, "pool_before_norm": True}
    nets = {k: T.build([8, 16, 64], v).to(memory_format=fmt) for k, v in orders.items()}
    opts = {k: torch.optim.SGD(n.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
            for k, n in nets.items()}
    x = torch.randn(a.batch, 1, 28, 28).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (a.batch,))

    def steps(k, n):
        net, opt = nets[k], opts[k]
        start = time.perf_counter()
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(x), y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            loss.item()
        return (time.perf_counter() - start) / n * 1000

    names = list(orders)
    for k in names:
        steps(k, a.steps)
    ms = {k: [] for k in names}
    for r in range(a.rounds):
        for k in (names if r % 2 == 0 else names[::-1]):
            ms[k].append(steps(k, a.steps))
    med = {k: statistics.median(v) for k, v in ms.items()}
    print(json.dumps({
        "bench": "block-order", "version": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch,
        "ms_per_step": {k: round(v, 2) for k, v in med.items()},
        "rounds_ms": {k: [round(t, 1) for t in v] for k, v in ms.items()},
        "ratio_norm_first_to_pool_first": round(med["norm_before_pool"] / med["pool_before_norm"], 3),
    }))


if __name__ == "__main__":
    main()
