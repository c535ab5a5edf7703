"""Cells with and without subnormals flushed to zero: training time and the metrics they report.

Saturated HTAF / SS layers produce subnormal float32 derivatives (the exact tails); Intel CPUs take a microcode
assist for every operation on one. ``run_cell`` trains under ``experiments.train.flushing_denormals``; its
undecorated body (``run_cell.__wrapped__``) keeps the process default (subnormals kept). Both run here one after
the other, per configuration, with one torch thread (as the sweeps run) or ``--threads N``, and print train time and
test metrics. With more than one thread a third run flushes in the calling thread only (``torch.set_flush_denormal``
alone, what ``run_cell`` did before ``nn.subnormals``): torch's other threads then keep their subnormals.

Run: python benchmarks/bench_subnormals.py [--epochs 150] [--threads 1] [--data-home DIR]
"""
from __future__ import annotations

import argparse
import os

import torch

from bench_activation import cpu_model

from htaf_theory.experiments.config import RunConfig
from htaf_theory.nn.subnormals import set_flush_denormal
from htaf_theory.experiments.train import run_cell

#: abalone, 256-256-128, Adam 0.01 (f3tuned's optimizer): the HTAF cell was 20-45x slower on Intel in the main job
CELLS = {
    "HTAF a=50 b=0.44": dict(activation="htaf", a=50.0, b=0.44),
    "SS gamma=55": dict(activation="ss", gamma=55.0),
    "ReLU": dict(activation="relu"),
}


def flushed_in_calling_thread_only(cfg: RunConfig, data_home) -> dict:
    torch.set_flush_denormal(True)
    try:
        return run_cell.__wrapped__(cfg, data_home)
    finally:
        set_flush_denormal(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--data-home", default=os.environ.get("HTAF_DATA"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    one_thread_only = args.threads > 1
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} thread(s); abalone 256-256-128, Adam 0.01, "
          f"{args.epochs} epochs")
    print(f"{'cell':18s} {'kept (s)':>9s}" + (f" {'calling thread only (s)':>24s}" if one_thread_only else "")
          + f" {'flushed (s)':>11s} {'speed-up':>9s}  test RMSE kept / flushed")
    for label, kw in CELLS.items():
        cfg = RunConfig(dataset="abalone", hidden=(256, 256, 128), optimizer="adam", lr=0.01, epochs=args.epochs, **kw)
        kept = run_cell.__wrapped__(cfg, args.data_home)
        partly = flushed_in_calling_thread_only(cfg, args.data_home) if one_thread_only else None
        flushed = run_cell(cfg, args.data_home)
        tk, tf = kept["timings"]["train_s"], flushed["timings"]["train_s"]
        mk, mf = kept["results"]["metrics"], flushed["results"]["metrics"]
        same = all(mk[k] == mf[k] for k in mk)
        partly_s = f" {partly['timings']['train_s']:24.1f}" if partly else ""
        print(f"{label:18s} {tk:9.1f}{partly_s} {tf:11.1f} {tk / tf:8.1f}x  {mk['test_smooth']:.6f} / "
              f"{mf['test_smooth']:.6f} (every metric {'identical' if same else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
