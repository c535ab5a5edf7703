"""The main job's lower limit: matmul FLOPs of every stored cell over the measured matmul throughput, beside
the core-time the cells really took (their records hold it).

For each sweep with records in the results folder: the FLOPs of every matmul (and, for t1, convolution) the
cells performed (training: forward, weight and input gradients, ``benchmarks/throughput.py``: ``epoch_matmuls``;
evaluation: the forward passes on every split, smooth and deployed, and the swap report's), divided by the fp32
matmul throughput at the cell's own shapes with one torch thread (the sweeps run one thread per worker). That
throughput is the one the cell's worker measured right after training it (``timings.matmul_gflops``: same core,
same time, the other worker busy as during training); records made before that field existed, and the
convolutional t1 cells, use a throughput measured now, at the sweep's shapes (column "when": "cells" or "now").
The ratio measured / limit says how far the trainer is from the hardware (goal: <= 1.3).

Run: python benchmarks/sweep_limit.py [--results results]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
from collections import defaultdict

import torch

from bench_activation import cpu_model
from throughput import epoch_matmuls, matmul_gflops


def mlp_flops(record: dict) -> tuple[float, list]:
    cfg, res = record["config"], record["results"]
    n = res["n_train"]
    n_all = round(n / 0.7)                                  # 70/10/20 split
    d_in = {"abalone": 9, "wine": 11, "churn": 46, "fico": 23}.get(cfg["dataset"])
    widths = [d_in, *cfg["hidden"], 1]
    shapes = epoch_matmuls(n, widths)
    train = record["timings"]["epochs_trained"] * sum(2 * m * k * p for m, k, p in shapes)
    forward_per_row = 2 * sum(i * o for i, o in zip(widths[:-1], widths[1:]))
    swap_passes = 2 + len(cfg["hidden"]) if res.get("swap") else 0
    evaluation = forward_per_row * (2 * n_all + swap_passes * round(0.2 * n_all))
    return train + evaluation, shapes


def conv_flops(record: dict) -> float:
    cfg, res = record["config"], record["results"]
    c1, c2 = cfg["channels"]
    steps = cfg["time_steps"] if cfg["net"] == "snn" else 1
    first = 2 * c1 * 64 * 9                                 # 1 -> c1 channels, 8x8, 3x3
    rest = 2 * c2 * 16 * c1 * 9 + 2 * 10 * c2 * 16          # c1 -> c2 at 4x4 (stride 2), then the linear head
    forward = first + steps * rest
    n = res["n_train"]
    n_eval = round(n / 0.6 * 0.4)                           # validation + test, every epoch, deployed and smooth
    epochs = record["timings"]["epochs_trained"]
    return epochs * (3 * forward * n + 2 * forward * n_eval)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=os.environ.get("HTAF_RESULTS", "results"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    by_sweep = defaultdict(list)
    for path in glob.glob(os.path.join(args.results, "*.json")):
        with open(path) as fh:
            record = json.load(fh)
        tag = record["config"].get("tag", "?")
        if not tag.endswith("-quick"):
            by_sweep[tag].append(record)
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; 1 torch thread per cell (as the sweeps run)")
    print(f"{'sweep':<11} {'cells':>5} {'GFLOP':>9} {'matmul GFLOP/s':>14} {'when':>5} {'limit core-min':>14} "
          f"{'measured core-min':>17} {'measured/limit':>14}")
    total_limit = total_measured = 0.0
    for sweep in sorted(by_sweep):
        records = by_sweep[sweep]
        if sweep == "t1":
            flops = [conv_flops(r) for r in records]
            shapes = epoch_matmuls(1078, [512, 10])         # the head; the convolutions are far smaller than a core's peak
        else:
            parts = [mlp_flops(r) for r in records]
            flops = [f for f, _ in parts]
            shapes = parts[0][1]
        probed = [r["timings"].get("matmul_gflops") for r in records]
        if sweep != "t1" and all(probed):
            when = "cells"
            seconds = sum(f / (g * 1e9) for f, g in zip(flops, probed))
            gflops = sum(flops) / seconds / 1e9             # the cells' throughput, weighted by their FLOPs
        else:
            when = "now"
            gflops = matmul_gflops(shapes, repeats=5)
            seconds = sum(flops) / (gflops * 1e9)
        limit = seconds / 60
        measured = sum(r["timings"]["total_s"] for r in records) / 60
        total_limit += limit
        total_measured += measured
        print(f"{sweep:<11} {len(records):>5} {sum(flops) / 1e9:>9.0f} {gflops:>14.1f} {when:>5} {limit:>14.1f} "
              f"{measured:>17.1f} {measured / limit:>14.2f}")
    if by_sweep:
        print(f"{'all':<11} {sum(map(len, by_sweep.values())):>5} {'':>9} {'':>14} {'':>5} {total_limit:>14.1f} "
              f"{total_measured:>17.1f} {total_measured / total_limit:>14.2f}")
    else:
        print(f"no records in {args.results}: run the sweeps first (bash scripts/reproduce.sh)")


if __name__ == "__main__":
    main()
