"""The App. F.1 remark as a function of the radius (Prop. 3.1, Thm 3.2): along the admissible frontier
b = min_b(a, eps, delta), the gain a*(R) that maximises h'(R) (``params.select(radius=R)``), and h'(R) for two fixed
frontier pairs, which cross: no a gives the largest tail gradient at every radius (eps = delta = 0.1)."""
from __future__ import annotations

import numpy as np

from htaf_theory.core import log_htaf_grad
from htaf_theory.params import MAX_A, min_b, select

from .common import FigureContext, new_figure, save_png, write_csv

NAME = "appF1_astar"
SWEEPS: tuple[str, ...] = ()
EPS = DELTA = 0.1
PAIRS = (7.03, 20.0)        # a*(1), and a larger gain


def make(ctx: FigureContext) -> list:
    radii = np.geomspace(0.12, 20.0, 8 if ctx.quick else 24)
    chosen = [select(EPS, DELTA, radius=float(r)) for r in radii]
    fig, axes = new_figure(1, 2, figsize=(11, 4))
    capped = np.array([p.a >= 0.99 * MAX_A for p in chosen])
    a_star = np.array([p.a for p in chosen])
    axes[0].loglog(radii[~capped], a_star[~capped], "o-", label="a*(R)")
    axes[0].loglog(radii[capped], a_star[capped], "^", color="C3", label=f"no interior maximum (search cap {MAX_A:g})")
    axes[0].axvline(DELTA, color="gray", ls=":", label="delta = 0.1")
    axes[0].set(xlabel="radius R", ylabel="a*(R)", title="a maximising h'(R) along b = min_b(a)")
    x = np.geomspace(0.12, 20.0, 200)
    for a in PAIRS:
        b = float(min_b(a, EPS, DELTA))
        axes[1].semilogx(x, np.asarray(log_htaf_grad(x, a, b)) / np.log(10), label=f"a = {a:g}, b = {b:.3g}")
    axes[1].set(xlabel="x", ylabel="log10 h'(x)", title="two frontier pairs: the order reverses in the far tail")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    rows = [[f"{r:.4g}", f">= {MAX_A:g} (sup as a -> inf)" if c else f"{p.a:.4g}", f"{p.b:.4g}",
             f"{p.log_grad_at_radius / np.log(10):.4f}"] for r, p, c in zip(radii, chosen, capped)]
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, ["R", "a*(R)", "b", "log10 h'(R)"], rows)]
