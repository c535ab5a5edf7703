"""Trainer throughput against the machine's fp32 matmul throughput at the same layer sizes.

Both are measured in this one process with the same number of torch threads: first the exact
sequence of matmuls one full-batch epoch performs (forward, and backward for weights and inputs),
then the trainer (``run_cell``) on the same data and architecture. FLOPs count only those matmuls.

Run: python benchmarks/bench_training.py [--dataset abalone] [--epochs 200] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from htaf_theory.data import load_dataset, split_dataset
from htaf_theory.experiments.config import RunConfig
from htaf_theory.experiments.train import run_cell


def epoch_matmuls(n: int, widths: list[int]) -> list[tuple[int, int, int]]:
    """(m, k, n) of every matmul in one epoch: forward X W^T, backward dW = G^T X and dX = G W (not for layer 1)."""
    shapes = []
    for i, (d_in, d_out) in enumerate(zip(widths[:-1], widths[1:])):
        shapes.append((n, d_in, d_out))          # forward
        shapes.append((d_out, n, d_in))          # weight gradient
        if i > 0:
            shapes.append((n, d_out, d_in))      # input gradient
    return shapes


def matmul_gflops(shapes, repeats: int = 20) -> float:
    mats = [(torch.randn(m, k), torch.randn(k, p)) for m, k, p in shapes]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="abalone")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--data-home", default=os.environ.get("HTAF_DATA"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    split = split_dataset(load_dataset(args.dataset, args.data_home), 0)
    n, d = split.X_train.shape
    hidden = (256, 256, 128)
    shapes = epoch_matmuls(n, [d, *hidden, 1])
    flops_per_epoch = sum(2 * m * k * p for m, k, p in shapes)
    peak_before = matmul_gflops(shapes)
    print(f"{args.dataset}: n_train={n}, widths={[d, *hidden, 1]}, {args.threads} threads, "
          f"{flops_per_epoch / 1e9:.3f} GFLOP per epoch (matmuls only)")
    results = {}
    for label, kw in [("ReLU", dict(activation="relu")), ("HTAF a=11 b=2", dict(activation="htaf", a=11.0, b=2.0))]:
        for record_every in (1, 50):
            cfg = RunConfig(dataset=args.dataset, hidden=hidden, epochs=args.epochs, record_every=record_every, **kw)
            run_cell(RunConfig(**{**cfg.to_dict(), "hidden": hidden, "epochs": 3}), args.data_home)  # warm-up/compile
            rec = run_cell(cfg, args.data_home)
            rate = flops_per_epoch * args.epochs / rec["timings"]["train_s"] / 1e9
            results[(label, record_every)] = rate
            print(f"trainer {label:14s} record_every={record_every:<3d}: {rec['timings']['train_s'] / args.epochs * 1e3:7.1f} "
                  f"ms/epoch, {rate:6.1f} GFLOP/s")
    peak_after = matmul_gflops(shapes)
    # the larger of the two matmul measurements: machine noise can only make the ratio look worse
    peak = max(peak_before, peak_after)
    print(f"matmul throughput at these shapes: {peak_before:.1f} GFLOP/s before, {peak_after:.1f} after; using {peak:.1f}")
    for (label, record_every), rate in results.items():
        print(f"  {label:14s} record_every={record_every:<3d}: {rate / peak:5.1%} of matmul")
    worst = min(results.values())
    print(f"RESULT matmul {peak:.1f} GFLOP/s; trainer (worst of the four) {worst:.1f} GFLOP/s; ratio {worst / peak:.1%} (target >= 60%)")


if __name__ == "__main__":
    main()
