"""Accuracy of the float64 core against 50-digit mpmath references.

The error of a float64 function at a point is judged against the problem's own sensitivity:
the relative condition number kappa, summed over the inputs x, a, b (each is a float64
that the computation may perturb by an ulp). With y = bx, u = a tanh(y):

    h:       kappa = 2 |y a sech^2(y) sigma(-u)| + |u sigma(-u)|
    1 - h:   kappa = 2 |y a sech^2(y) sigma(u)|  + |u sigma(u)|
    h':      kappa = |y g| + |1 - u tanh(u/2)| + |1 - y g|,  g = a sech^2(y) tanh(u/2) + 2 tanh(y)

The target (issue 2): relative error <= 1e-13 * max(1, kappa) over the grid below.
``python benchmarks/accuracy_core.py`` prints the worst case per function.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
from mpmath import mp, mpf

from . import core

__all__ = ["default_grid", "AccuracyResult", "measure"]

FLOAT64_TINY = float(np.finfo(np.float64).tiny)


def default_grid(n_x: int = 31, n_a: int = 10, n_b: int = 13):
    """x log-spaced in +-[1e-6, 1e6] plus 0 and +-1e-300; a in [1e-3, 1e6]; b in [1e-6, 1e6]."""
    pos = np.geomspace(1e-6, 1e6, n_x)
    xs = np.concatenate([-pos[::-1], [-1e-300, 0.0, 1e-300], pos])
    return xs, np.geomspace(1e-3, 1e6, n_a), np.geomspace(1e-6, 1e6, n_b)


def _reference(name: str, x: float, a: float, b: float):
    """(value, kappa) in mpmath at the current precision."""
    x, a, b = mpf(x), mpf(a), mpf(b)
    y = b * x
    u = a * mpmath.tanh(y)
    sp, sm = 1 / (1 + mpmath.exp(-u)), 1 / (1 + mpmath.exp(u))
    sech2 = mpmath.sech(y) ** 2
    if name == "htaf":
        return sp, 2 * abs(y * a * sech2 * sm) + abs(u * sm)
    if name == "htaf_complement":
        return sm, 2 * abs(y * a * sech2 * sp) + abs(u * sp)
    if name == "htaf_grad":
        g = a * sech2 * mpmath.tanh(u / 2) + 2 * mpmath.tanh(y)
        return a * b * sp * sm * sech2, abs(y * g) + abs(1 - u * mpmath.tanh(u / 2)) + abs(1 - y * g)
    raise ValueError(f"name must be one of 'htaf', 'htaf_complement', 'htaf_grad'; got name={name!r}")


@dataclass
class AccuracyResult:
    name: str
    points: int                 #: points compared
    excluded: int               #: points whose exact value is not a normal float64
    worst_scaled: float         #: max of rel_err / max(1, kappa)
    worst_point: tuple          #: (x, a, b) where it occurs
    worst_rel_err: float        #: the relative error there
    worst_kappa: float          #: kappa there
    failures: list              #: [(x, a, b, rel_err, kappa)] above the tolerance

    def __str__(self) -> str:
        x, a, b = self.worst_point
        return (f"{self.name:16s} points={self.points:6d} (+{self.excluded} outside float64's normal range)  worst rel_err/max(1,kappa)={self.worst_scaled:.3e} "
                f"at x={x:.3g}, a={a:.3g}, b={b:.3g} (rel_err={self.worst_rel_err:.3e}, kappa={self.worst_kappa:.3g})")


def measure(name: str, grid=None, tol: float = 1e-13, dps: int = 50) -> AccuracyResult:
    """Compare ``core.<name>`` with the mpmath reference over the grid (all x, a, b combinations).

    Only points where the exact value is a normal float64 count (h itself underflows for
    a tanh(bx) < -708, e.g. sigma(-1000) ~ e^-1000); ``excluded`` says how many were skipped.
    """
    xs, as_, bs = grid if grid is not None else default_grid()
    X, A, B = np.meshgrid(xs, as_, bs, indexing="ij")
    X, A, B = X.ravel(), A.ravel(), B.ravel()
    got = np.asarray(getattr(core, name)(X, A, B))
    worst = (-1.0, (0.0, 0.0, 0.0), 0.0, 0.0)
    failures, count, excluded = [], 0, 0
    with mp.workdps(dps):
        for xi, ai, bi, gi in zip(X, A, B, got):
            ref, kappa = _reference(name, float(xi), float(ai), float(bi))
            if not (FLOAT64_TINY <= ref <= np.finfo(np.float64).max):
                excluded += 1
                continue
            count += 1
            rel = float(abs((mpf(float(gi)) - ref) / ref))
            scaled = rel / max(1.0, float(kappa))
            if scaled > worst[0]:
                worst = (scaled, (float(xi), float(ai), float(bi)), rel, float(kappa))
            if scaled > tol:
                failures.append((float(xi), float(ai), float(bi), rel, float(kappa)))
    return AccuracyResult(name, count, excluded, worst[0], worst[1], worst[2], worst[3], failures)
