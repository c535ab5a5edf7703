"""Proposition 3.1, sufficiency (paper Sec. 3.2, App. A.1):
eps in (0, 1/2), delta > 0, a > L(eps), b >= min_b(a) = artanh(L/a)/delta  =>  sup_{|x| >= delta} |h(x) - H(x)| <= eps.

The rigorous check certifies ``suff_inequality``: one sympy relational built from ``htaf_theory.symbolic`` by
substitutions only (for x >= delta, |h(x) - H(x)| = h(-x), a function of t = tanh(bx); b >= min_b and
x >= delta sweep t over [tanh(min_b delta), 1)).
"""

from __future__ import annotations


import mpmath
import numpy as np
import sympy as sp

from htaf_theory import params as htaf_params

from .. import common
from htaf_theory.accuracy import library_functions as library_impl
from ..certified import CertifiedInequality
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (3, 2, 1)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


EPS_RANGE = (1e-6, 0.49)


DELTA_RANGE = (1e-3, 10.0)


X_FACTORS = (1.0, 1.0 + 1e-9, 1.001, 1.1, 2.0, 10.0, 1e3)


def _grid():
    for eps in np.geomspace(*EPS_RANGE, 7):
        L = float(htaf_params.min_a(eps))
        for delta in np.geomspace(*DELTA_RANGE, 4):
            for r in np.geomspace(1e-6, 1e4, 7):
                yield float(eps), float(delta), float(L * (1 + r))


def _distance_to_step(x, a, b):
    """|h(x) - H(x)| = sigma(-a tanh(bx)) for x > 0, in mpmath."""
    return 1 / (1 + mpmath.exp(mpmath.mpf(a) * mpmath.tanh(mpmath.mpf(b) * mpmath.mpf(x))))


def suff_point(eps: float, delta: float, a: float, impl) -> list[str]:
    """Violations of prop3.1.suff at one parameter point, with b = impl.min_b (mpmath, 50 digits)."""
    b = float(impl.min_b(a, eps, delta))
    bad = []
    for f in X_FACTORS:
        x = delta * f
        err = common.mp_checked(_distance_to_step, x, a, b)
        # b is a float: allow the rounding of b (relative 1e-15, amplified by a tanh' b delta)
        if err > eps * (1 + 1e-12):
            bad.append(f"eps={eps:.6g}, delta={delta:.6g}, a={a:.6g}, b={b:.6g}, x={x:.6g}: |h-H|={mpmath.nstr(err, 10)} > eps")
    lib = float(impl.approx_error(a, b, delta))
    if lib > eps * (1 + 1e-12):
        bad.append(f"eps={eps:.6g}, delta={delta:.6g}, a={a:.6g}: approx_error(a, min_b)={lib!r} > eps")
    return bad


@timed
def suff_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad, n = [], 0
    for eps, delta, a in _grid():
        n += 1
        bad += suff_point(eps, delta, a, impl)
    domain = "grid 7 eps x 4 delta x 7 a, x/delta in {1,...,1e3}"
    return from_violations("prop3.1.suff", "precise", domain, bad, "sup error <= eps (rel slack 1e-12)", f"{n} parameter points")


E, RHO, TAU = sp.Symbol("e", real=True), sp.Symbol("rho", real=True), sp.Symbol("tau", nonnegative=True)


def _gap_at(t):
    """|h(x) - H(x)| for x > 0 is 1 - h(x) = h(-x) (claim ``basic``, symbolic), written at tanh(bx) = t."""
    from htaf_theory import symbolic as S
    return S.htaf_expr().subs(S.x, -S.x).subs(S.x, sp.atanh(t) / S.b_pos)


def suff_inequality(min_b=None):
    """Prop 3.1 as one relational: h(-x) <= eps for x >= delta and b >= min_b (paper's min_b by default).

    Substitutions only: bx = atanh(t) with t = t0 + tau (1 - t0) sweeping x in [delta, inf) as tau in [0, 1),
    t0 = tanh(min_b delta); a = L(eps) (1 + 10^rho); eps = 10^e. ``min_b`` (a sympy expression in a, eps, delta)
    lets a test feed a wrong bound.
    """
    from htaf_theory import symbolic as S
    min_b = S.min_b_expr() if min_b is None else min_b
    t0 = sp.tanh(min_b * S.delta)
    inequality = _gap_at(t0 + TAU * (1 - t0)) <= S.eps
    L = sp.log((1 - S.eps) / S.eps)
    return inequality.subs(S.a_pos, L * (1 + 10 ** RHO)).subs(S.eps, 10 ** E)


SUFF_BOX = {E: (-6, sp.Rational(-31, 100)), RHO: (-6, 6), TAU: (0, 1)}


SUFF_DOMAIN = ("eps in [1e-6, 0.49], a = L(eps)(1 + r) with r in [1e-6, 1e6], any delta > 0, b >= min_b, "
               "x >= delta (x <= -delta by symmetry)")


CERTIFIED = [CertifiedInequality("prop31_suff", "prop3.1.suff", suff_inequality, lambda: SUFF_BOX, lambda: (TAU, "lo"),
                                 SUFF_DOMAIN)]


CLAIM = Claim(
    "prop3.1.suff",
    "eps in (0, 1/2), delta > 0, a > L(eps), b >= artanh(L(eps)/a)/delta  =>  sup_{|x|>=delta} |h(x) - H(x)| <= eps",
    "Prop. 3.1, App. A.1", "eps in (0, 1/2), delta > 0, a > L(eps)",
    [Check("precise", suff_precise), CERTIFIED[0].replay_check(), CERTIFIED[0].search_check()])


#: a deliberately wrong variant (the b bound without artanh): its checks must reject it with a counterexample
WRONG = lambda: suff_precise(library_impl(min_b=lambda a, eps, delta: htaf_params.min_a(eps) / (np.asarray(a) * delta)))  # noqa: E731
