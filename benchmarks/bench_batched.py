"""Seed-batched training of the MNIST-1D MLP against one cell at a time, in one process, interleaved.

For S seeds of one setting (HTAF a = 10, b = 0.224, width 256, batch 64), the wall time of training them one after
another with ``heaviside.run_heaviside_cell`` and together with ``batched.run_seed_batch``, each with the same number
of torch threads; throughput in cells per minute and the ratio. The sweeps run one worker per core, each with one
torch thread: with 2 cores, both ways run two such processes side by side, so the 1-thread ratio is the speed-up
of the study on 2 cores (``--threads 2`` shows a single process using both).

Run: python benchmarks/bench_batched.py [--seeds 1,5,10] [--epochs 5] [--threads 1] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from bench_activation import cpu_model

from htaf_theory.data import load_mnist1d
from htaf_theory.experiments.batched import run_seed_batch
from htaf_theory.experiments.heaviside import HeavisideConfig, run_heaviside_cell
from htaf_theory.nn.subnormals import flushing_denormals


def cells(seeds: int, epochs: int) -> list:
    return [HeavisideConfig(dataset="mnist1d", net="mlp", method="htaf", a=10.0, b=0.224, epochs=epochs, seed=s,
                            checkpoint_every=0, tag="bench") for s in range(seeds)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,5,10")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_mnist1d()                                   # generated once, outside the timings
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} thread(s); {args.epochs} epochs per cell; "
          f"median of {args.repeats}")
    print(f"{'seeds':>5} {'one at a time s':>16} {'batched s':>10} {'cells/min one':>14} {'cells/min batched':>18} "
          f"{'speed-up':>9}")
    with flushing_denormals():
        for s in (int(v) for v in args.seeds.split(",")):
            group = cells(s, args.epochs)
            single, batch = [], []
            for _ in range(args.repeats):            # interleaved: both see the same machine state
                started = time.perf_counter()
                for c in group:
                    run_heaviside_cell(c)
                single.append(time.perf_counter() - started)
                started = time.perf_counter()
                run_seed_batch(group)
                batch.append(time.perf_counter() - started)
            one, many = statistics.median(single), statistics.median(batch)
            print(f"{s:>5} {one:>16.2f} {many:>10.2f} {60 * s / one:>14.1f} {60 * s / many:>18.1f} {one / many:>8.1f}x")


if __name__ == "__main__":
    main()
