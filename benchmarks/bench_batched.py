"""Seed-batched training of the MNIST-1D MLP against one cell at a time, in one process, interleaved.

For S seeds of one setting (HTAF a = 10, b = 0.224, width 256, batch 64), the wall time of training them one after
another with ``heaviside.run_heaviside_cell`` and together with ``batched.run_seed_batch``, each with the same number
of torch threads; throughput in cells per minute and the ratio. The sweeps run one worker per core, each with one
torch thread: with 2 cores, both ways run two such processes side by side, so the 1-thread ratio is the speed-up
of the study on 2 cores (``--threads 2`` shows a single process using both).

The last line bounds what any stacking can give: a cell's time at width 8, where its arithmetic is nearly nothing,
is the overhead S stacked cells share; the rest is arithmetic that stacking does not shorten.

``--profile S`` instead prints where S stacked seeds spend their time (torch profiler, by operator and shape) beside
the same matrix products timed alone, with their operands in cache and with a cache swept between calls.

Run: python benchmarks/bench_batched.py [--seeds 1,5,10] [--epochs 5] [--threads 1] [--repeats 3] [--width 256]
     python benchmarks/bench_batched.py --profile 10 [--epochs 3]
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
from htaf_theory.experiments.memory import keep_freed_memory
from htaf_theory.nn.subnormals import flushing_denormals


def cells(seeds: int, epochs: int, width: int = 256) -> list:
    return [HeavisideConfig(dataset="mnist1d", net="mlp", method="htaf", a=10.0, b=0.224, epochs=epochs, seed=s,
                            checkpoint_every=0, tag="bench", width=width) for s in range(seeds)]


def overhead_bound(epochs: int, width: int, repeats: int) -> tuple[float, float, float]:
    """The most stacking can give: one cell's time T at ``width`` and T8 at width 8 (where the arithmetic is ~0, so T8
    is the per-cell overhead that stacking shares); if the stacked arithmetic were free of overhead and as fast, S
    seeds would take S (T - T8), a speed-up of at most T / (T - T8)."""
    times = {}
    for w in (8, width):
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            run_heaviside_cell(cells(1, epochs, w)[0])
            runs.append(time.perf_counter() - started)
        times[w] = statistics.median(runs)
    return times[width], times[8], times[width] / max(times[width] - times[8], 1e-9)


def profile_stacked(seeds: int, epochs: int, width: int) -> None:
    """Top operators of one stacked run, then its largest matrix products alone (hot and cold cache)."""
    from torch.profiler import ProfilerActivity, profile

    run_seed_batch(cells(seeds, 1, width))                     # warm-up
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        run_seed_batch(cells(seeds, epochs, width))
    print(prof.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=8,
                                                             max_name_column_width=16, max_shapes_column_width=50))
    h, w, g = torch.randn(seeds, 64, width), torch.randn(seeds, width, width), torch.randn(seeds, 64, width)
    sweep = torch.randn(8_000_000)                              # 32 MB: more than the caches hold

    def per_call(f, n=100, cold=False):
        for _ in range(10):
            f()
        started = time.perf_counter()
        for _ in range(n):
            if cold:
                sweep.add_(1.0)
            f()
        return (time.perf_counter() - started) / n

    sweep_time = per_call(lambda: None, cold=True)
    for name, f in (("weight gradient", lambda: torch.bmm(h.transpose(1, 2), g)),
                    ("input gradient", lambda: torch.bmm(g, w.transpose(1, 2)))):
        print(f"{name} of the {width} x {width} layer alone: {1e3 * per_call(f):.2f} ms per call in cache, "
              f"{1e3 * (per_call(f, cold=True) - sweep_time):.2f} ms after a cache sweep")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,5,10")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--width", type=int, default=256, help="hidden width of the MLP (the study's: 256)")
    parser.add_argument("--profile", type=int, default=0, metavar="S", help="profile S stacked seeds instead")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    keep_freed_memory()                              # as the sweeps' workers do (runner.py)
    load_mnist1d()                                   # generated once, outside the timings
    if args.profile:
        print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} thread(s); {args.epochs} epochs")
        with flushing_denormals():
            profile_stacked(args.profile, args.epochs, args.width)
        return
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} thread(s); {args.epochs} epochs per cell; "
          f"median of {args.repeats}; width {args.width}")
    print(f"{'seeds':>5} {'one at a time s':>16} {'batched s':>10} {'cells/min one':>14} {'cells/min batched':>18} "
          f"{'speed-up':>9}")
    with flushing_denormals():
        for s in (int(v) for v in args.seeds.split(",")):
            group = cells(s, args.epochs, args.width)
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
        t, t8, bound = overhead_bound(args.epochs, args.width, args.repeats)
        print(f"one cell: {t:.2f} s at width {args.width}, {t8:.2f} s at width 8 (its overhead): stacking can give at "
              f"most {bound:.1f}x")


if __name__ == "__main__":
    main()
