"""Forward+backward time and saved-for-backward bytes: torch.sigmoid vs naive HTAF vs htaf_theory.nn.HTAF.

All three run side by side in one process on 2^23 float32 values (median of repeats, after
warm-up, so compilation is not timed). Saved bytes are counted with saved-tensor hooks.

Run: python benchmarks/bench_activation.py [--n 8388608] [--repeats 15] [--threads 2]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from htaf_theory.nn import htaf


def naive(x):
    return torch.sigmoid(11.0 * torch.tanh(2.0 * x))


def ours(x):
    return htaf(x, 11.0, 2.0)


CANDIDATES = {"torch.sigmoid": torch.sigmoid, "naive sigmoid(a*tanh(b*x))": naive, "htaf_theory HTAF": ours}


def saved_bytes(fn, x) -> tuple[int, int]:
    sizes = []

    def pack(t):
        sizes.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        fn(x)
    return sum(sizes), len(sizes)


def time_fwd_bwd(fn, x, grad, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        xi = x.detach().requires_grad_(True)
        t0 = time.perf_counter()
        y = fn(xi)
        y.backward(grad)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2**23)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x = torch.randn(args.n)
    grad = torch.ones(args.n)
    for fn in CANDIDATES.values():  # warm-up (includes the one-time compilation of ours)
        time_fwd_bwd(fn, x, grad, 2)
    # interleave the candidates so that machine noise hits all of them alike
    times = {k: [] for k in CANDIDATES}
    for _ in range(args.repeats):
        for k, fn in CANDIDATES.items():
            times[k].append(time_fwd_bwd(fn, x, grad, 1))
    base = statistics.median(times["torch.sigmoid"])
    print(f"n = {args.n} float32 values, {args.threads} threads, median of {args.repeats}, forward+backward")
    print(f"{'candidate':30s} {'median ms':>10s} {'x sigmoid':>10s} {'saved MB':>9s} {'saved tensors':>14s}")
    for k, fn in CANDIDATES.items():
        med = statistics.median(times[k])
        nbytes, count = saved_bytes(fn, x.detach().requires_grad_(True))
        print(f"{k:30s} {med * 1e3:10.2f} {med / base:10.2f} {nbytes / 2**20:9.1f} {count:14d}")


if __name__ == "__main__":
    main()
