"""The reference's side of bench/profile-fast.sh: train_fast.py's loop (same network, data order,
schedule and layout), the mean milliseconds per step over steps [warm-100, warm), then
torch.profiler over the next `profiled` steps, exported as a Chrome trace for profile_compare.py.

  python profile_fast.py --data DIR --out TRACE.json [--warm 160] [--profiled 40]
"""
import argparse, json, os, sys, time

import numpy as np
import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_fast as T  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--warm", type=int, default=160)
    p.add_argument("--profiled", type=int, default=40)
    a = p.parse_args()
    torch.manual_seed(0)
    norm = lambda x: torch.from_numpy(((x.astype(np.float32) / 255.0) - T.MEAN) / T.STD).unsqueeze(1)
    x = norm(T.read_idx(a.data, "train-images-idx3-ubyte"))
    y = torch.from_numpy(T.read_idx(a.data, "train-labels-idx1-ubyte").astype(np.int64))
    fmt, batch, peak = torch.channels_last, 256, 0.4
    net = T.build([8, 16, 64]).to(memory_format=fmt)
    opt = torch.optim.SGD(net.parameters(), lr=peak, momentum=0.9, nesterov=True, weight_decay=5e-4)
    total = 2 * ((len(x) + batch - 1) // batch)  # the recipe's 2 epochs set the schedule
    perm = torch.randperm(len(x))

    def step(s):
        idx = perm[s * batch:(s + 1) * batch]
        for group in opt.param_groups:
            group["lr"] = T.one_cycle(s, total, peak)
        opt.zero_grad(set_to_none=True)
        inputs = x[idx].contiguous(memory_format=fmt)
        loss = F.cross_entropy(net(inputs), y[idx], label_smoothing=0.1)
        loss.backward()
        opt.step()
        return loss.item()

    for s in range(a.warm - 100):
        step(s)
    start = time.perf_counter()
    for s in range(a.warm - 100, a.warm):
        step(s)
    print(json.dumps({"impl": "pytorch", "version": torch.__version__,
                      "ms_per_step": round((time.perf_counter() - start) * 1000 / 100, 3)}))
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        for s in range(a.warm, a.warm + a.profiled):
            step(s)
    prof.export_chrome_trace(a.out)


if __name__ == "__main__":
    main()
