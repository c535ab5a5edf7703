"""Proposition 3.1 (paper Sec. 3.2, App. A.1): the (a, b) that make h eps-close to H outside [-delta, delta].

prop31.suff:  eps in (0, 1/2), delta > 0, a > L(eps), b >= min_b(a) = artanh(L/a)/delta
              => sup_{|x| >= delta} |h(x) - H(x)| <= eps.
prop31.sharp: the sup equals sigma(-a tanh(b delta)) exactly (so both conditions are necessary).

The rigorous checks certify one sympy relational per statement (``suff_inequality``,
``sharp_inequality``), built from ``htaf_theory.symbolic`` by substitutions only: for x >= delta,
|h(x) - H(x)| = h(-x) (and the same for x <= -delta by symmetry), a function of t = tanh(bx);
b >= min_b and x >= delta sweep t over [tanh(min_b delta), 1).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from . import common
from ._impl import library_impl
from .registry import Check, CheckResult, Claim, from_violations, register, timed
from .certified import CertifiedInequality

EPS_RANGE = (1e-6, 0.49)
DELTA_RANGE = (1e-3, 10.0)
R_LOG10 = (-6.0, 6.0)        # a = L (1 + r), r in [1e-6, 1e6]: covers a in [L(1+1e-6), 1e4] for every eps
X_FACTORS = (1.0, 1.0 + 1e-9, 1.001, 1.1, 2.0, 10.0, 1e3)


def _grid():
    for eps in np.geomspace(*EPS_RANGE, 7):
        L = math.log1p((1 - 2 * eps) / eps)
        for delta in np.geomspace(*DELTA_RANGE, 4):
            for r in np.geomspace(1e-6, 1e4, 7):
                yield float(eps), float(delta), float(L * (1 + r))


def _distance_to_step(x, a, b):
    """|h(x) - H(x)| = sigma(-a tanh(bx)) for x > 0, in mpmath."""
    return 1 / (1 + mpmath.exp(mpmath.mpf(a) * mpmath.tanh(mpmath.mpf(b) * mpmath.mpf(x))))


def suff_point(eps: float, delta: float, a: float, impl) -> list[str]:
    """Violations of prop31.suff at one parameter point, with b = impl.min_b (mpmath, 50 digits)."""
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
    return from_violations("prop31.suff", "precise", domain, bad, "sup error <= eps (rel slack 1e-12)", f"{n} parameter points")


def sharp_point(eps: float, delta: float, a: float, b: float, impl) -> list[str]:
    """Violations of prop31.sharp: library approx_error vs the sup found by sampling |x| >= delta."""
    lib = float(impl.approx_error(a, b, delta))
    with mpmath.workdps(50):
        A, B = mpmath.mpf(a), mpmath.mpf(b)
        xs = [delta * f for f in (1.0, 1.0 + 1e-12, 1.01, 1.5, 3.0, 30.0)]
        errs = [1 / (1 + mpmath.exp(A * mpmath.tanh(B * mpmath.mpf(x)))) for x in xs]
        sup = max(errs)
    bad = []
    if abs(lib - float(sup)) > 1e-13 * float(sup) * max(1.0, a):
        bad.append(f"eps={eps:.4g}, delta={delta:.4g}, a={a:.4g}, b={b:.4g}: approx_error={lib!r}, sup over |x|>=delta={mpmath.nstr(sup, 15)}")
    # necessity: a slightly smaller b must break the tolerance
    if a > float(impl.min_a(eps)) * (1 + 1e-9):
        b_min = float(impl.min_b(a, eps, delta))
        smaller = b_min * (1 - 1e-6)
        err = float(1 / (1 + mpmath.exp(mpmath.mpf(a) * mpmath.tanh(mpmath.mpf(smaller) * mpmath.mpf(delta)))))
        if not err > eps:
            bad.append(f"eps={eps:.4g}, delta={delta:.4g}, a={a:.4g}: b = min_b(1 - 1e-6) still gives error {err!r} <= eps")
    return bad


@timed
def sharp_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad, n = [], 0
    for eps, delta, a in _grid():
        for bscale in (1.0, 1.5):
            n += 1
            b = float(impl.min_b(a, eps, delta)) * bscale
            bad += sharp_point(eps, delta, a, b, impl)
    domain = "grid 7 eps x 4 delta x 7 a x 2 b; sup by sampling |x| >= delta; b = min_b (1 - 1e-6) must fail"
    return from_violations("prop31.sharp", "precise", domain, bad, "rel diff <= 1e-13 a", f"{n} parameter points")


# ---- rigorous: one sympy definition per inequality, certificates replayed --------------------

E, RHO, TAU = sp.Symbol("e", real=True), sp.Symbol("rho", real=True), sp.Symbol("tau", nonnegative=True)
LA, LQ = sp.Symbol("la", real=True), sp.Symbol("lq", real=True)


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


def sharp_inequality():
    """sup over x >= delta sits at x = delta: h(-x) <= h(-delta), with tanh(b delta) = 1 - 10^lq, a = 10^la."""
    s0 = 1 - 10 ** LQ
    from htaf_theory import symbolic as S
    return (_gap_at(s0 + TAU * (1 - s0)) <= _gap_at(s0)).subs(S.a_pos, 10 ** LA)


SUFF_BOX = {E: (-6, sp.Rational(-31, 100)), RHO: (-6, 6), TAU: (0, 1)}
SHARP_BOX = {LA: (-3, 4), LQ: (-300, sp.Rational(-1, 10**6)), TAU: (0, 1)}
SUFF_DOMAIN = ("eps in [1e-6, 0.49], a = L(eps)(1 + r) with r in [1e-6, 1e6], any delta > 0, b >= min_b, "
               "x >= delta (x <= -delta by symmetry)")
SHARP_DOMAIN = "a in [1e-3, 1e4], tanh(b delta) in [2.3e-6, 1 - 1e-300], x >= delta"

CERTIFIED = [
    CertifiedInequality("prop31_suff", "prop31.suff", suff_inequality, lambda: SUFF_BOX, lambda: (TAU, "lo"), SUFF_DOMAIN),
    CertifiedInequality("prop31_sharp", "prop31.sharp", sharp_inequality, lambda: SHARP_BOX, lambda: (TAU, "lo"), SHARP_DOMAIN),
]


@timed
def symbolic(impl=None) -> CheckResult:
    """sigma(-a tanh(min_b delta)) = eps exactly, from sympy's min_b."""
    from htaf_theory.symbolic import min_b_expr, a_pos, eps, delta
    b = min_b_expr()
    expr = 1 / (1 + sp.exp(a_pos * sp.tanh(b * delta))) - eps
    ok = sp.simplify(expr) == 0
    return CheckResult("prop31.sharp", "symbolic", "all eps in (0,1/2), a > L, delta > 0",
                       "verified" if ok else "undecided", "exact", "sigma(-a tanh(min_b delta)) - eps simplifies to 0" if ok else str(expr))


register(Claim(
    "prop31.suff",
    "eps in (0, 1/2), delta > 0, a > L(eps), b >= artanh(L(eps)/a)/delta  =>  sup_{|x|>=delta} |h(x) - H(x)| <= eps",
    "Prop. 3.1, App. A.1", "eps in (0, 1/2), delta > 0, a > L(eps)",
    [Check("precise", suff_precise), CERTIFIED[0].replay_check(), CERTIFIED[0].search_check()]))

register(Claim(
    "prop31.sharp",
    "sup_{|x|>=delta} |h(x) - H(x)| = sigma(-a tanh(b delta)) exactly; so a > L and b >= min_b are also necessary",
    "not in the paper (sharpens Prop. 3.1)", "a, b, delta > 0",
    [Check("symbolic", symbolic), Check("precise", sharp_precise), CERTIFIED[1].replay_check(), CERTIFIED[1].search_check()],
    note="The paper states only sufficiency; the bound is attained at |x| = delta, so the conditions are also necessary."))
