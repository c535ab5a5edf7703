"""Fig. 2 (paper Sec. 3.2): min_b(a) and a min_b(a) against a, with the asymptote L(eps)/delta (eps = delta = 0.1)."""
from __future__ import annotations

import numpy as np

from htaf_theory.params import min_a, min_b

from .common import FigureContext, new_figure, save_png, write_csv

NAME = "fig2_bounds"
SWEEPS: tuple[str, ...] = ()


def make(ctx: FigureContext) -> list:
    eps = delta = 0.1
    L = float(min_a(eps))
    a = L * (1 + np.geomspace(1e-3, 1e4, 400))
    b = np.asarray(min_b(a, eps, delta))
    fig, axes = new_figure(1, 2, figsize=(11, 4))
    axes[0].loglog(a, b)
    axes[0].axvline(L, color="gray", ls=":", label=f"min_a = log 9 = {L:.4f}")
    axes[0].set(xlabel="a", ylabel="min_b(a)", title="lower bound of b (eps = delta = 0.1)")
    axes[1].semilogx(a, a * b, label="a min_b(a)")
    axes[1].axhline(L / delta, color="r", ls="--", label=f"L/delta = {L / delta:.4f} (paper: 'converges to 22')")
    axes[1].scatter([2.0], [22.0], color="k", zorder=3, label="(a, b) = (2, 11): ab = 22 but a < min_a")
    axes[1].set(xlabel="a", ylabel="a min_b(a)", ylim=(L / delta * 0.95, L / delta * 1.6), title="product, decreasing to L/delta")
    for ax in axes:
        ax.legend(fontsize=8)
    sample = [5, 10, 20, 50, 100, 1000, 1e4]
    rows = [[x, float(min_b(x, eps, delta)), x * float(min_b(x, eps, delta))] for x in sample]
    rows.append(["inf (limit)", 0.0, L / delta])
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, ["a", "min_b", "a*min_b"], rows)]
