"""The main job's compute time from the cells' own timings: per sweep the core-minutes of its cells at a grid size.

The main job (``scripts/reproduce.sh``) runs, through ``htaf figures --run``, every sweep a figure needs at
``--size budget`` (the full grid on seed/split 0). Every result record stores its wall time (one torch thread per
worker, so wall time = core time). This script lists, per sweep, the cells of the chosen size, how many have a
record in the results folder, their measured core-minutes, and for cells without a record an estimate: the mean
core time of the sweep's recorded cells on the same data set (marked "est."). The wall time of the job on W
workers is at least the total over W; each sweep's last cells leave workers idle, and the claims check adds ~1
minute, so the true wall time is a little above.

Run: python benchmarks/main_job_time.py [--results results] [--size budget] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
from collections import defaultdict

from bench_activation import cpu_model

from htaf_theory.experiments.store import ResultStore
from htaf_theory.experiments.sweeps import SIZES, sweep_cells
from htaf_theory.figures import FIGURES


def main_job_sweeps() -> list[str]:
    """Every sweep ``htaf figures --run`` runs, in its order."""
    return list(dict.fromkeys(s for module in FIGURES.values() for s in module.SWEEPS))


def sweep_time(name: str, size: str, store: ResultStore, counted: set | None = None) -> dict:
    """Cells, recorded cells, measured and estimated core-seconds of sweep ``name`` at ``size``; a cell whose key is
    in ``counted`` (an earlier sweep ran it: f3deploy's stage 1 is f3tuned's cells) is not counted again, and the
    keys of the cells counted here are added to it."""
    counted = set() if counted is None else counted
    cells = [c for c in sweep_cells(name, size, store) if c.key() not in counted]
    counted.update(c.key() for c in cells)
    records = [store.load(c) for c in cells]
    per_dataset = defaultdict(list)
    for cell, rec in zip(cells, records):
        if rec is not None:
            per_dataset[cell.dataset].append(rec["timings"]["total_s"])
    everything = [t for times in per_dataset.values() for t in times]
    measured = sum(everything)
    estimated = 0.0
    for cell, rec in zip(cells, records):
        if rec is None:
            pool = per_dataset.get(cell.dataset) or everything
            estimated += sum(pool) / len(pool) if pool else float("nan")
    return {"cells": len(cells), "recorded": len(everything), "measured_s": measured, "estimated_s": estimated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.environ.get("HTAF_RESULTS", "results"))
    parser.add_argument("--size", choices=SIZES, default="budget")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    store = ResultStore(args.results)
    print(f"CPU: {cpu_model()}; results: {store.root}; size: {args.size}; {args.workers} workers")
    print(f"{'sweep':<11} {'cells':>5} {'recorded':>8} {'measured core-min':>17} {'est. core-min (unrecorded)':>26}")
    total_measured = total_estimated = 0.0
    unknown = []
    counted: set = set()
    for name in main_job_sweeps():
        t = sweep_time(name, args.size, store, counted)
        if not t["recorded"]:
            unknown.append(name)
            print(f"{name:<11} {t['cells']:>5} {0:>8} {'':>17} {'no records: run it first':>26}")
            continue
        total_measured += t["measured_s"]
        total_estimated += t["estimated_s"]
        est = "" if t["recorded"] == t["cells"] else f"{t['estimated_s'] / 60:.1f}"
        print(f"{name:<11} {t['cells']:>5} {t['recorded']:>8} {t['measured_s'] / 60:>17.1f} {est:>26}")
    total = (total_measured + total_estimated) / 60
    print(f"total: {total_measured / 60:.1f} core-min measured + {total_estimated / 60:.1f} estimated = {total:.1f}; "
          f"wall on {args.workers} workers >= {total / args.workers:.1f} min"
          + (f"; not counted (no records): {', '.join(unknown)}" if unknown else ""))


if __name__ == "__main__":
    main()
