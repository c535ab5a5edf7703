"""Theorem B.3 (App. B.3) as a small simulation: how fast does the risk of an HTAF network fall with n?

Thm B.3 says HTAF networks reach the near-minimax rate n^{-2 beta/(2 beta + d)} (up to logs) for
beta-Holder regression. A computation cannot check a rate over all estimators; this only shows what one
concrete estimator does: an HTAF MLP trained by Adam on n noisy samples of f(x) = mean_j |x_j - 1/2|^beta,
x ~ U[0, 1]^d, with its excess risk E (f_hat - f)^2 on fresh points, over a geometric grid of n and several
seeds. The fitted slope of log risk against log n is printed beside -2 beta / (2 beta + d).

``htaf experiment b3rate`` runs it: each (n, seed) cell is a ``B3Cell`` stored like every sweep cell
(``ResultStore``: one validated JSON per cell, named by its config's key, with the config, seed and package
versions; finished cells are skipped on a rerun). Not part of the default check.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .. import __version__
from ..nn import HTAF
from .config import CellConfig
from .train import make_optimizer, make_record

__all__ = ["B3Config", "B3Cell", "run_b3rate", "fitted_slope"]


@dataclass(frozen=True)
class B3Config:
    """The simulation: the target, the estimator and the grid of sample sizes and seeds."""

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

    def cells(self) -> list["B3Cell"]:
        """One cell per (n, seed) of the grid."""
        shared = {k: v for k, v in asdict(self).items() if k not in ("n_grid", "seeds")}
        return [B3Cell(**shared, n=n, seed=seed) for n in self.n_grid for seed in self.seeds]


@dataclass(frozen=True)
class B3Cell(CellConfig):
    """One (n, seed) cell of the simulation (the fields of ``B3Config`` with one n and one seed)."""

    beta: float                  # every field as in B3Config (its defaults are the simulation's), plus
    d: int
    noise: float
    width: int
    depth: int
    a: float
    b: float
    epochs: int
    lr: float
    test_points: int
    n: int                       # the training sample size
    seed: int                    # the data draw and initialisation
    checkpoint_every: int = 0    # cells are short: never checkpointed
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def name(self) -> str:
        return f"b3rate-beta{self.beta:g}-d{self.d}-n{self.n}-s{self.seed}"

    def run(self, data_home=None, checkpoint_path=None) -> dict:
        """Train the cell's HTAF MLP and return its record (the excess risk on fresh points among the metrics)."""
        return _run_cell(self)


def _target(x: torch.Tensor, beta: float) -> torch.Tensor:
    return (x - 0.5).abs().pow(beta).mean(dim=1)


def _run_cell(cell: B3Cell) -> dict:
    started = time.time()
    g = torch.Generator().manual_seed(cell.seed)
    x = torch.rand(cell.n, cell.d, generator=g)
    y = _target(x, cell.beta) + cell.noise * torch.randn(cell.n, generator=g)
    x_test = torch.rand(cell.test_points, cell.d, generator=g)
    torch.manual_seed(cell.seed)
    layers, width_in = [], cell.d
    for _ in range(cell.depth):
        layers += [torch.nn.Linear(width_in, cell.width), HTAF(cell.a, cell.b)]
        width_in = cell.width
    model = torch.nn.Sequential(*layers, torch.nn.Linear(width_in, 1))
    opt = make_optimizer(model.parameters(), "adam", cell.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cell.epochs)
    train_started = time.time()
    for _ in range(cell.epochs):
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((model(x).squeeze(1) - y) ** 2)
        loss.backward()
        opt.step()
        schedule.step()
    train_seconds = time.time() - train_started
    with torch.no_grad():
        risk = float(torch.mean((model(x_test).squeeze(1) - _target(x_test, cell.beta)) ** 2))
    final_loss = float(loss.detach())
    return make_record(cell, started, train_seconds, 0, {
        "task": "regression", "metric": "excess_risk", "metrics": {"excess_risk": risk, "final_train_loss": final_loss},
        "diverged": not math.isfinite(final_loss), "history": {}}, optimizer=opt)


def fitted_slope(records: list[dict]) -> tuple[float, dict]:
    """Least-squares slope of log(mean risk over seeds) against log n, and the mean risk per n (cells whose risk is
    not finite are left out)."""
    by_n: dict[int, list[float]] = {}
    for r in records:
        risk = r["results"]["metrics"]["excess_risk"]
        if risk is not None:                      # None: the cell diverged (stored as null)
            by_n.setdefault(r["config"]["n"], []).append(risk)
    ns = sorted(by_n)
    means = {n: float(np.mean(by_n[n])) for n in ns}
    slope = float(np.polyfit(np.log(ns), np.log([means[n] for n in ns]), 1)[0]) if len(ns) > 1 else math.nan
    return slope, means


def run_b3rate(results_dir=None, quick: bool = False, cfg: B3Config | None = None, stream=None,
               workers: int | None = None, progress: bool = True) -> dict:
    """Run every missing (n, seed) cell (``workers`` processes; None: one per core), then print and store the
    summary; returns the summary."""
    from ..outputs import RESULTS_ENV, output_dir
    from .runner import run_cells
    from .store import ResultStore
    cfg = cfg or (B3Config().quick() if quick else B3Config())
    folder = output_dir(results_dir, RESULTS_ENV, "results") / "b3rate"
    records = run_cells(cfg.cells(), ResultStore(folder), workers=workers, progress=progress, desc="b3rate")
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
