"""Theorem B.1 (App. B.1): HTAF networks approximate ReLU networks with constant width and depth factors.

Numerical evidence for one explicit construction (ours, from the B.2 square step): each ReLU layer becomes two
HTAF layers of four times the width; its sup error on a box is computed in mpmath and must vanish as the
construction's scale grows.
"""

from __future__ import annotations

import mpmath
import numpy as np

from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (11, 1, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


B1_A, B1_B, B1_X0 = 11.0, 2.0, 0.15       # h''(x0) != 0 at x0 = 0.15 (a = 11, b = 2)


B1_A, B1_B, B1_X0 = 11.0, 2.0, 0.15       # h''(x0) != 0 at x0 = 0.15 (a = 11, b = 2)


B1_A, B1_B, B1_X0 = 11.0, 2.0, 0.15       # h''(x0) != 0 at x0 = 0.15 (a = 11, b = 2)


def _h(v):
    return 1 / (1 + mpmath.exp(-B1_A * mpmath.tanh(B1_B * v)))


def _relu_layer_by_htaf(z, n: int, second_difference: bool = True):
    """ReLU(z) for each pre-activation z, computed by two layers of HTAF neurons only (plus affine maps).

    Layer 1 (2 neurons per unit): s = (h(n z) - h(-inf)) / (h(inf) - h(-inf)) ~ H(z), and the identity
    z ~ (h(z/n) - h(0)) / (h'(0)/n) (first difference at x0 = 0, where h' != 0).
    Layer 2 (4 neurons per unit): z s = ((z + s)^2 - (z - s)^2) / 4, each square by the second difference
    u^2 ~ (h(x0 + u/n) + h(x0 - u/n) - 2 h(x0)) / (h''(x0)/n^2), the step of Thm B.2 (App. B.2).
    Width x4, depth x2 per ReLU layer; the error -> 0 as the scale n grows. ``second_difference=False``
    (a wrong variant) uses a one-sided difference for the squares.
    """
    lo, hi = 1 / (1 + mpmath.exp(B1_A)), 1 / (1 + mpmath.exp(-B1_A))
    x0 = mpmath.mpf(B1_X0)
    d1 = mpmath.diff(_h, 0)
    d2 = mpmath.diff(_h, x0, 2)
    t = mpmath.mpf(1) / n
    out = []
    for zi in z:
        s = (_h(n * zi) - lo) / (hi - lo)
        carried = (_h(t * zi) - _h(0)) / (d1 * t)

        def square(u):
            if second_difference:
                return (_h(x0 + t * u) + _h(x0 - t * u) - 2 * _h(x0)) / (d2 * t ** 2)
            return 2 * (_h(x0 + t * u) - _h(x0)) / (d2 * t ** 2)
        out.append((square(carried + s) - square(carried - s)) / 4)
    return out


def _relu_net(seed: int):
    rng = np.random.default_rng(seed)
    w1, c1 = rng.normal(size=(4, 1)), rng.uniform(-0.5, 0.5, 4)
    w2, c2 = rng.normal(size=(4, 4)) / 2, rng.uniform(-0.5, 0.5, 4)
    v = rng.normal(size=4)
    return w1, c1, w2, c2, v


def _b1_sup_error(seed: int, n: int, second_difference: bool = True, points: int = 41):
    w1, c1, w2, c2, v = _relu_net(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(60):
        for x in np.linspace(-1, 1, points):
            z1 = [mpmath.mpf(float(w1[i, 0])) * mpmath.mpf(float(x)) + mpmath.mpf(float(c1[i])) for i in range(4)]
            relu1 = [max(z, 0) for z in z1]
            approx1 = _relu_layer_by_htaf(z1, n, second_difference)
            z2 = [sum(mpmath.mpf(float(w2[j, i])) * relu1[i] for i in range(4)) + mpmath.mpf(float(c2[j])) for j in range(4)]
            z2h = [sum(mpmath.mpf(float(w2[j, i])) * approx1[i] for i in range(4)) + mpmath.mpf(float(c2[j])) for j in range(4)]
            exact = sum(mpmath.mpf(float(v[j])) * max(z, 0) for j, z in enumerate(z2))
            approx = sum(mpmath.mpf(float(v[j])) * y for j, y in enumerate(_relu_layer_by_htaf(z2h, n, second_difference)))
            worst = max(worst, abs(exact - approx))
    return float(worst)


@timed
def b1_numerical(impl=None, second_difference: bool = True) -> CheckResult:
    scales = (10, 100, 1000)
    bad, rows = [], []
    for seed in range(3):
        errs = [_b1_sup_error(seed, n, second_difference) for n in scales]
        rows.append("/".join(f"{e:.2g}" for e in errs))
        if not (all(e2 < e1 / 3 for e1, e2 in zip(errs, errs[1:])) and errs[-1] < 0.05):
            bad.append(f"seed {seed}: sup error {rows[-1]} for n in {scales}: not -> 0")
    return from_violations("thmB.1", "numerical", "3 random ReLU nets 1-4-4-1 on x in [-1, 1] (41 points, mpmath 60 digits); "
                           "HTAF net of width x4, depth x2 (a = 11, b = 2); scale n in {10, 100, 1000}", bad,
                           "sup error falls >= 3x per decade of n", "sup |ReLU net - HTAF net| by n, per net: " + "; ".join(rows))


CLAIM = Claim("thmB.1", "an HTAF network approximates any ReLU network on a box, with width and depth larger by constant "
               "factors (via Theorem 1 of 'Deep network approximation: beyond ReLU to diverse activation functions', "
               "JMLR 25(35)); here: the construction with width x4 and depth x2, its sup error -> 0 as its scale grows",
               "App. B.1, Thm B.1", "h in C^2 near a point with h'' != 0", [Check("numerical", b1_numerical)],
               note="Numerical evidence for one explicit construction (ours, built from the B.2 square step: ReLU(z) = "
                    "z H(z), H by h(n z), products by squares, squares by second differences), not the cited theorem's "
                    "constants.",
               target="construction")


#: a deliberately wrong variant (one-sided differences for the squares): its checks must reject it with a counterexample
WRONG = lambda: b1_numerical(second_difference=False)  # noqa: E731
