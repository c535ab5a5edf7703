"""Forward+backward time over sizes and thread counts: htaf_theory's HTAF beside the strongest simple baselines.

Candidates, run side by side in one process and interleaved (so machine noise hits all alike), float32:
  torch.sigmoid (eager)                   the cost of the cheapest activation
  naive sigmoid(a*tanh(b*x)) (eager)      what a user of the paper's formula writes
  torch.compile(naive)                    the strongest simple baseline (default torch.compile settings)
  htaf_theory HTAF                        our fused, tail-exact forward and backward (one saved tensor)
Sizes 2^12 .. 2^24; threads 1 and all. Medians of ``--repeats`` after warm-up (compilation is not timed).
The CPU model is printed: ratios differ between machines (AMD/Intel, AVX2/AVX-512, cache sizes).

Run: python benchmarks/bench_activation.py [--sizes 12,16,20,23,24] [--repeats 15]
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch

from htaf_theory.nn import htaf


def naive(x):
    return torch.sigmoid(11.0 * torch.tanh(2.0 * x))


def ours(x):
    return htaf(x, 11.0, 2.0)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def saved_tensors(fn, x) -> int:
    count = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: count.append(t) or t, lambda t: t):
        fn(x)
    return len(count)


def time_fwd_bwd(fn, x, grad) -> float:
    xi = x.detach().requires_grad_(True)
    t0 = time.perf_counter()
    fn(xi).backward(grad)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,14,16,18,20,22,23,24", help="log2 of the sizes")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    all_threads = torch.get_num_threads()
    candidates = {"sigmoid": torch.sigmoid, "naive eager": naive, "compile(naive)": torch.compile(naive),
                  "HTAF (ours)": ours}
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {all_threads} threads available")
    print(f"saved tensors: {', '.join(f'{k} {saved_tensors(f, torch.randn(8, requires_grad=True))}' for k, f in candidates.items())}")
    print(f"{'threads':>7s} {'size':>6s} " + " ".join(f"{k:>15s}" for k in candidates) + "   ours/sigmoid ours/compile(naive)")
    for threads in sorted({1, all_threads}):
        torch.set_num_threads(threads)
        for p in (int(s) for s in args.sizes.split(",")):
            x, grad = torch.randn(2 ** p), torch.ones(2 ** p)
            for fn in candidates.values():
                for _ in range(2):
                    time_fwd_bwd(fn, x, grad)
            times = {k: [] for k in candidates}
            for _ in range(args.repeats):
                for k, fn in candidates.items():
                    times[k].append(time_fwd_bwd(fn, x, grad))
            med = {k: statistics.median(v) for k, v in times.items()}
            print(f"{threads:7d} {'2^' + str(p):>6s} " + " ".join(f"{med[k] * 1e3:13.3f}ms" for k in candidates)
                  + f"   {med['HTAF (ours)'] / med['sigmoid']:12.2f} {med['HTAF (ours)'] / med['compile(naive)']:19.2f}")
    torch.set_num_threads(all_threads)


if __name__ == "__main__":
    main()
