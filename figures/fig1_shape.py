"""Fig. 1 (paper Sec. 3.2): HTAF's shape, its gradient, and its gradient tail against SS at equal slope at 0."""
from __future__ import annotations

import numpy as np

from htaf_theory.core import htaf_grad
from htaf_theory.plotting import plot_activation, plot_gradient_vs_ss
from htaf_theory.tails import ss_tail_exponent

from .common import FigureContext, new_figure, save_png, write_csv

NAME = "fig1_shape"
SWEEPS: tuple[str, ...] = ()
PAIRS = [(11.0, 2.0), (8.0, 2.75), (2.0, 11.0), (5.0, 4.72)]


def make(ctx: FigureContext) -> list:
    fig, axes = new_figure(1, 3, figsize=(15, 4))
    for i, (a, b) in enumerate(PAIRS):
        plot_activation(a, b, axes[0], x_max=1.0, with_step=(i == 0))
        x = np.linspace(-1, 1, 801)
        axes[1].plot(x, htaf_grad(x, a, b), label=f"a={a:g}, b={b:g}")
    for a, b in PAIRS[:3]:
        plot_gradient_vs_ss(a, b, axes[2], x_max=3.0)
    axes[0].set_title("(a) h(x) and the step")
    axes[1].set_title("(b) h'(x)")
    axes[1].set_xlabel("x")
    axes[2].set_title("(c) log10 h' vs log10 SS' (gamma = ab): heavier iff a > 2")
    for ax in axes:
        ax.legend(fontsize=7)
    rows = [[a, b, a * b / 4, 2 * b, float(ss_tail_exponent(a, b))] for a, b in PAIRS]
    return [save_png(fig, ctx, NAME),
            write_csv(ctx, NAME, ["a", "b", "slope_at_0", "tail_rate", "ss_tail_exponent_(a-2)b"], rows)]
