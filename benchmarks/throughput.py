"""The machine's fp32 matmul throughput at a full-batch MLP's own shapes: the yardstick of the benchmarks' limits.

``epoch_matmuls`` lists the matmuls of one training epoch (forward, weight and input gradients); ``matmul_gflops``
times exactly that sequence. ``sweep_limit.py``, ``bench_training.py`` and ``bench_epoch_parts.py`` divide matmul
FLOPs by it (a helper of the benchmark scripts, which run from this folder; not part of the package).
"""
from __future__ import annotations

import statistics
import time

import torch

__all__ = ["epoch_matmuls", "matmul_gflops"]


def epoch_matmuls(n: int, widths) -> list[tuple[int, int, int]]:
    """(m, k, p) of every matmul in one full-batch epoch of an MLP with layer widths ``widths`` on ``n`` rows:
    forward X W^T, and backward dW = G^T X and dX = G W (not for the first layer, whose input needs no gradient).

    >>> epoch_matmuls(100, [3, 8, 1])
    [(100, 3, 8), (8, 100, 3), (100, 8, 1), (1, 100, 8), (100, 1, 8)]
    """
    shapes = []
    for i, (d_in, d_out) in enumerate(zip(widths[:-1], widths[1:])):
        shapes.append((n, d_in, d_out))          # forward
        shapes.append((d_out, n, d_in))          # weight gradient
        if i > 0:
            shapes.append((n, d_out, d_in))      # input gradient
    return shapes


def matmul_gflops(shapes, repeats: int = 20) -> float:
    """GFLOP/s of the matmuls ``shapes`` ((m, k, p) each: 2 m k p FLOPs) on random float32 matrices with torch's
    current threads: the median over ``repeats`` timed passes through all of them, after one untimed pass. The
    matrices come from a generator of their own: torch's global random state is left as it was."""
    generator = torch.Generator().manual_seed(0)
    mats = [(torch.randn(m, k, generator=generator), torch.randn(k, p, generator=generator)) for m, k, p in shapes]
    flops = sum(2 * m * k * p for m, k, p in shapes)
    for a, b in mats:  # warm-up
        a @ b
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for a, b in mats:
            a @ b
        times.append(time.perf_counter() - t0)
    return flops / statistics.median(times) / 1e9
