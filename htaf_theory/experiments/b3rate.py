"""Theorem B.3 (App. B.3) as a small simulation: how fast does the risk of an HTAF network fall with n?

Thm B.3 says HTAF networks reach the near-minimax rate n^{-2 beta/(2 beta + d)} (up to logs) for
beta-Holder regression. A computation cannot check a rate over all estimators; this only shows what one
concrete estimator does: an HTAF MLP trained by Adam on n noisy samples of f(x) = mean_j |x_j - 1/2|^beta,
x ~ U[0, 1]^d, with its excess risk E (f_hat - f)^2 on fresh points, over a geometric grid of n and several
seeds. The fitted slope of log risk against log n is printed beside -2 beta / (2 beta + d).

``htaf experiment b3rate`` runs it (resumable: one JSON per (n, seed) cell with the config, seed and
package version); not part of the default check.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..nn import HTAF
from .train import make_optimizer

__all__ = ["B3Config", "run_b3rate", "fitted_slope"]


@dataclass(frozen=True)
class B3Config:
    beta: float = 0.5            # Holder exponent of the target, in (0, 1]
    d: int = 1                   # input dimension
    noise: float = 0.3           # standard deviation of the Gaussian label noise
    width: int = 64              # hidden width (fixed: the theorem's width grows with n; see the docstring)
    depth: int = 2               # hidden layers
    a: float = 7.03              # HTAF outer gain (select()'s default pair for eps = delta = 0.1)
    b: float = 3.24              # HTAF inner slope
    epochs: int = 3000           # full-batch Adam steps (cosine schedule): near convergence at every n
    lr: float = 1e-2             # initial Adam learning rate
    n_grid: tuple = (125, 250, 500, 1000, 2000, 4000)   # sample sizes (geometric)
    seeds: tuple = (0, 1, 2)     # one data draw and initialisation per seed
    test_points: int = 8192      # fresh points for the excess risk

    def quick(self) -> "B3Config":
        return replace(self, n_grid=(100, 200, 400), seeds=(0,), epochs=200, test_points=2048)


def _target(x: torch.Tensor, beta: float) -> torch.Tensor:
    return (x - 0.5).abs().pow(beta).mean(dim=1)


def _cell_key(cfg: B3Config, n: int, seed: int) -> str:
    text = json.dumps({**asdict(cfg), "n": n, "seed": seed}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _run_cell(cfg: B3Config, n: int, seed: int) -> dict:
    started = time.time()
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, cfg.d, generator=g)
    y = _target(x, cfg.beta) + cfg.noise * torch.randn(n, generator=g)
    x_test = torch.rand(cfg.test_points, cfg.d, generator=g)
    torch.manual_seed(seed)
    layers, width_in = [], cfg.d
    for _ in range(cfg.depth):
        layers += [torch.nn.Linear(width_in, cfg.width), HTAF(cfg.a, cfg.b)]
        width_in = cfg.width
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width_in, 1))
    opt = make_optimizer(model.parameters(), "adam", cfg.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
    for _ in range(cfg.epochs):
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((model(x).squeeze(1) - y) ** 2)
        loss.backward()
        opt.step()
        schedule.step()
    with torch.no_grad():
        risk = float(torch.mean((model(x_test).squeeze(1) - _target(x_test, cfg.beta)) ** 2))
    return {"config": asdict(cfg), "n": n, "seed": seed, "versions": {"htaf_theory": __version__, "torch": torch.__version__},
            "results": {"excess_risk": risk, "final_train_loss": float(loss.detach())},
            "timings": {"total_s": time.time() - started}}


def fitted_slope(records: list[dict]) -> tuple[float, dict]:
    """Least-squares slope of log(mean risk over seeds) against log n, and the mean risk per n."""
    by_n: dict[int, list[float]] = {}
    for r in records:
        by_n.setdefault(r["n"], []).append(r["results"]["excess_risk"])
    ns = sorted(by_n)
    means = {n: float(np.mean(by_n[n])) for n in ns}
    slope = float(np.polyfit(np.log(ns), np.log([means[n] for n in ns]), 1)[0]) if len(ns) > 1 else math.nan
    return slope, means


def run_b3rate(results_dir=None, quick: bool = False, cfg: B3Config | None = None, stream=None) -> dict:
    """Run every missing (n, seed) cell, then print and store the summary; returns the summary."""
    from ..outputs import RESULTS_ENV, output_dir
    cfg = cfg or (B3Config().quick() if quick else B3Config())
    folder = output_dir(results_dir, RESULTS_ENV, "results") / "b3rate"
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for n in cfg.n_grid:
        for seed in cfg.seeds:
            path = folder / f"{_cell_key(cfg, n, seed)}.json"
            if path.is_file():
                try:
                    records.append(json.loads(path.read_text()))
                    continue
                except ValueError:
                    pass                                   # unreadable: recompute the cell
            record = _run_cell(cfg, n, seed)
            tmp = path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(record))
            os.replace(tmp, path)
            records.append(record)
    slope, means = fitted_slope(records)
    minimax = -2 * cfg.beta / (2 * cfg.beta + cfg.d)
    summary = {"config": asdict(cfg), "fitted_slope": slope, "minimax_exponent": minimax, "mean_risk": means,
               "versions": {"htaf_theory": __version__}}
    Path(folder / "summary.json").write_text(json.dumps(summary, indent=2))
    lines = [f"b3rate: f(x) = mean |x_j - 1/2|^{cfg.beta:g}, d = {cfg.d}, noise {cfg.noise:g}, HTAF a={cfg.a:g} b={cfg.b:g}, "
             f"width {cfg.width} x {cfg.depth}, {len(cfg.seeds)} seed(s)"]
    lines += [f"  n = {n:6d}: mean excess risk {m:.3e}" for n, m in means.items()]
    lines.append(f"  fitted slope of log risk vs log n: {slope:.3f}; the rate of Thm B.3: -2 beta/(2 beta + d) = {minimax:.3f}")
    lines.append(f"  (one estimator on one target; a fixed width, not the theorem's n-dependent architecture) -> {folder}")
    print("\n".join(lines), file=stream)
    return summary
