"""Sets two engines' operator profiles side by side (bench/profile-fast.sh).

  python3 profile_compare.py STEPS OURS1.json[,OURS2.json...] REF1.json[,REF2.json...] [ROWS] [--by-shape]

Each file is a Chrome trace of STEPS training steps: libtorch's legacy profiler's (what DJL's
JniUtils.stopProfile writes) or torch.profiler's. Per operator name: self time (its duration minus
its children's on the same thread) in ms per step and calls per step, each the median over the
files given. torch.profiler's root event ("PyTorch Profiler (0)") and Python-function events are
left out, so both totals count operators only. With --by-shape each operator is split by the shape
of its first input (DJL's trace keeps shapes as "shape", torch.profiler's with record_shapes as
args "Input Dims"), so the rows say which layer an operator ran for: the fast recipe's three
blocks call the same operators on different shapes.
"""
import collections, json, statistics, sys


def events(path):
    trace = json.load(open(path))
    if isinstance(trace, dict):
        trace = trace["traceEvents"]
    return [e for e in trace if e.get("ph") == "X" and "dur" in e
            and e.get("cat") != "python_function" and not e["name"].startswith("PyTorch Profiler")]


def first_shape(e):
    shapes = e.get("shape") or e.get("args", {}).get("Input Dims") or [[]]
    return "x".join(str(d) for d in shapes[0]) if shapes and shapes[0] else ""


def per_op(path, steps, by_shape=False):
    threads = collections.defaultdict(list)
    for e in events(path):
        threads[e.get("tid")].append(e)
    self_ms, calls = collections.Counter(), collections.Counter()
    for es in threads.values():
        es.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack, children = [], collections.Counter()
        for i, e in enumerate(es):
            ts, dur = float(e["ts"]), float(e["dur"])
            while stack and ts >= float(es[stack[-1]]["ts"]) + float(es[stack[-1]]["dur"]) - 1e-6:
                stack.pop()
            if stack:
                children[stack[-1]] += dur
            stack.append(i)
        for i, e in enumerate(es):
            key = f'{e["name"]} {first_shape(e)}'.strip() if by_shape else e["name"]
            self_ms[key] += (float(e["dur"]) - children[i]) / 1000 / steps
            calls[key] += 1 / steps
    return self_ms, calls


def median_profile(paths, steps, by_shape=False):
    runs = [per_op(p, steps, by_shape) for p in paths]
    names = set().union(*(r[0] for r in runs))
    med = lambda i, n: statistics.median(r[i].get(n, 0) for r in runs)
    return {n: (med(0, n), med(1, n)) for n in names}, statistics.median(sum(r[0].values()) for r in runs)


def main():
    by_shape = "--by-shape" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--by-shape"]
    steps = int(args[0])
    ours, ours_total = median_profile(args[1].split(","), steps, by_shape)
    ref, ref_total = median_profile(args[2].split(","), steps, by_shape)
    rows = int(args[3]) if len(args) > 3 else 30
    names = sorted(set(ours) | set(ref), key=lambda n: -max(ours.get(n, (0,))[0], ref.get(n, (0,))[0]))
    print(f"{'operator' + (' and first input' if by_shape else '') + ' (self ms per step; calls)':58s} {'ours ms':>8s} {'calls':>6s} "
          f"{'ref ms':>8s} {'calls':>6s} {'ours/ref':>8s}")
    for n in names[:rows]:
        o, r = ours.get(n, (0, 0)), ref.get(n, (0, 0))
        ratio = f"{o[0] / r[0]:8.2f}" if r[0] > 0.0005 else f"{'-':>8s}"
        print(f"{n[:58]:58s} {o[0]:8.3f} {o[1]:6.1f} {r[0]:8.3f} {r[1]:6.1f} {ratio}")
    print(f"{'all operators':58s} {ours_total:8.3f} {sum(v[1] for v in ours.values()):6.1f} "
          f"{ref_total:8.3f} {sum(v[1] for v in ref.values()):6.1f} {ours_total / ref_total:8.2f}")


if __name__ == "__main__":
    main()
