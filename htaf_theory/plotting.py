"""Plotting helpers for the docs and figures (matplotlib, optional): HTAF's shape and its gradient tail.

Like the surrogate-gradient plots of SpikingJelly and Larq: h, h' and the step for given (a, b),
and h' beside the scaled sigmoid's s'_{ab} (same slope at 0) on a log scale (paper Fig. 1).
"""
from __future__ import annotations

import numpy as np

from .core import heaviside, htaf, log_htaf_grad, log_scaled_sigmoid_grad

__all__ = ["plot_activation", "plot_gradient_vs_ss"]


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt
        _, ax = plt.subplots(figsize=(5, 3.5))
    return ax


def plot_activation(a: float, b: float, ax=None, x_max: float = 2.0, with_step: bool = True, **kwargs):
    """Plot h_{a,b} on [-x_max, x_max] (and the Heaviside step). Returns the axes."""
    ax = _axes(ax)
    x = np.linspace(-x_max, x_max, 801)
    ax.plot(x, htaf(x, a, b), label=kwargs.pop("label", f"HTAF a={a:g}, b={b:g}"), **kwargs)
    if with_step:
        ax.step(x, heaviside(x), where="post", color="k", lw=0.8, ls="--", label="Heaviside")
    ax.set_xlabel("x")
    ax.set_ylabel("h(x)")
    return ax


def plot_gradient_vs_ss(a: float, b: float, ax=None, x_max: float = 5.0, **kwargs):
    """Plot log10 h'(x) and log10 s'_{ab}(x) for x in [0, x_max] (log space: no underflow). Returns the axes."""
    ax = _axes(ax)
    x = np.linspace(0.0, x_max, 801)
    ln10 = np.log(10.0)
    line, = ax.plot(x, log_htaf_grad(x, a, b) / ln10, label=f"HTAF' a={a:g}, b={b:g}", **kwargs)
    ax.plot(x, log_scaled_sigmoid_grad(x, a * b) / ln10, ls=":", color=line.get_color(), label=f"SS' gamma={a * b:g}")
    ax.set_xlabel("x")
    ax.set_ylabel("log10 gradient")
    return ax
