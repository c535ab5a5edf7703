"""Proposition 3.1 (paper Sec. 3.2, App. A.1): the (a, b) that make h eps-close to H outside [-delta, delta].

prop31.suff:  eps in (0, 1/2), delta > 0, a > L(eps), b >= min_b(a) = artanh(L/a)/delta
              => sup_{|x| >= delta} |h(x) - H(x)| <= eps.
prop31.sharp: the sup equals sigma(-a tanh(b delta)) exactly (so both conditions are necessary).

Reduction used by the rigorous checks (exact): for x >= delta, |h(x) - H(x)| = sigma(-a tanh(bx))
(and the same for x <= -delta by symmetry), a function of t = tanh(bx) only; b >= min_b and
x >= delta sweep t over [tanh(min_b delta), 1). Writing a = L (1 + r), the library's
min_b delta = log1p(2L/(a - L))/2 = log1p(2/r)/2.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp
from flint import arb

from . import common
from ._impl import library_impl
from .registry import Check, CheckResult, Claim, from_violations, register, timed
from .rigorous import Tight, branch_and_bound

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


# ---- rigorous ---------------------------------------------------------------------------------

def _suff_parts(v, y0_arb):
    e, rho, tau = v
    eps = common.pow10(e)
    L = common.log_odds(eps)
    r = common.pow10(rho)
    a = L * (1 + r)
    y0 = y0_arb(r)
    t0 = y0.tanh()
    one_minus_t0 = 2 * common.sigmoid(-2 * y0)   # 1 - tanh(y) = 2 sigma(-2y), positive for any ball
    t = t0 + tau * one_minus_t0
    return eps, a, t, one_minus_t0


def suff_rigorous_spec(y0_arb=None, y0_sym=None):
    """(margin, Tight) for prop31.suff; y0 = min_b * delta as a function of r (a = L (1 + r))."""
    y0_arb = y0_arb or (lambda r: (2 / r).log1p() / 2)   # the library's formula
    r_s, L_s = sp.symbols("r L", positive=True)
    library_sym = y0_sym or (lambda r: sp.log(1 + 2 / r) / 2)   # the same formula, in sympy
    paper_sym = y0_sym or (lambda r: sp.atanh(1 / (1 + r)))     # artanh(L/a), a = L(1+r)

    def margin(v):
        eps, a, t, _ = _suff_parts(v, y0_arb)
        return 1 - common.sigmoid(-a * t) / eps

    def derivative(v):
        # d margin / d tau = a (1 - t0) sigma(at) sigma(-at) / eps: each factor's lower bound from the
        # box's endpoints (L decreases in eps, y0 decreases in r, t <= 1), so no wide ball loses its sign
        e, rho, _ = v
        eps_lo, eps_hi = common.pow10_point(common.lo(e)), common.pow10_point(common.hi(e))
        r_lo, r_hi = common.pow10_point(common.lo(rho)), common.pow10_point(common.hi(rho))
        a_lo = common.log_odds(eps_hi) * (1 + r_lo)
        a_hi = common.log_odds(eps_lo) * (1 + r_hi)
        one_minus_t0 = 2 * common.sigmoid(-2 * y0_arb(r_lo))
        return [a_lo, one_minus_t0, arb("0.5"), common.sigmoid(-a_hi), 1 / eps_hi]

    def identity():
        # on tau = 0: a tanh(min_b delta) = L, so sigma(-a t) = sigma(-L) = eps
        same = common.face_identity(library_sym(r_s) - paper_sym(r_s), {"r": r_s}, [{"r": 1}, {"r": 1e-3}],
                                    "log1p(2/r)/2 - artanh(1/(1+r))")
        if same[0] != "verified":
            return same
        face = common.face_identity(L_s * (1 + r_s) * sp.tanh(paper_sym(r_s)) - L_s, {"r": r_s, "L": L_s},
                                    [{"r": 1, "L": 1}, {"r": 1e-3, "L": 2}], "a tanh(min_b delta) - L")
        return face[0], same[1] + "; " + face[1]

    return margin, Tight(var=2, side="lo", derivative=derivative, face_identity=identity,
                         description="x = delta and b = min_b: |h - H| = eps exactly")


SUFF_BOX = [(-6.0, math.log10(0.49)), R_LOG10, (0.0, 1.0)]
SUFF_VARS = ["log10 eps", "log10 r (a = L(1+r))", "tau (t = tanh(bx) from tanh(min_b delta) to 1)"]
SUFF_DOMAIN = "eps in [1e-6, 0.49], a = L(eps)(1+r) with r in [1e-6, 1e6], any delta > 0, b >= min_b, |x| >= delta"


@timed
def suff_rigorous(impl=None, y0_arb=None, y0_sym=None, save: bool = False, max_boxes: int = 60_000) -> CheckResult:
    margin, tight = suff_rigorous_spec(y0_arb, y0_sym)
    cert = branch_and_bound("prop31.suff", "prop31_suff", "eps - sup |h - H| >= 0 (relative form)", SUFF_VARS,
                            SUFF_BOX, margin, tight, max_boxes=max_boxes)
    if save and cert.outcome == "verified":
        cert.save()
    return common.rigorous_result("prop31.suff", cert, SUFF_DOMAIN)


def sharp_rigorous_spec():
    """sigma(-a tanh(b delta)) - sigma(-a tanh(b x)) >= 0 for x >= delta, i.e. the sup sits at x = delta.

    Variables: log10 a in [-3, 4]; log10(1 - s0) with s0 = tanh(b delta) (b delta from 1e-6 to ~345,
    beyond which h is within 1e-300 of H); tau: t = s0 + tau (1 - s0) sweeps x from delta to inf.
    """
    def parts(v):
        la, lq, tau = v
        a = common.pow10(la)
        q = common.pow10(lq)          # 1 - s0, exact: no cancellation as s0 -> 1
        s0 = 1 - q
        t = s0 + tau * q
        return a, s0, t, q

    def margin(v):
        a, s0, t, _ = parts(v)
        return (common.sigmoid(-a * s0) - common.sigmoid(-a * t)) / common.sigmoid(-a * s0)

    def derivative(v):
        # a q sigma(at) sigma(-at) / sigma(-a s0) >= a_lo q_lo (1/2) sigma(-a_hi) (1): t in [0, 1]
        la, lq, _ = v
        a_hi = common.pow10_point(common.hi(la))
        return [common.pow10_point(common.lo(la)), common.pow10_point(common.lo(lq)), arb("0.5"),
                common.sigmoid(-a_hi), arb(1)]

    def identity():
        return "verified", "tau = 0 is x = delta, where both terms are the same expression"

    return margin, Tight(var=2, side="lo", derivative=derivative, face_identity=identity,
                         description="x = delta: the sup is attained")


SHARP_BOX = [(-3.0, 4.0), (-300.0, math.log10(1 - math.tanh(1e-6))), (0.0, 1.0)]
SHARP_VARS = ["log10 a", "log10(1 - tanh(b delta))", "tau (t = tanh(bx) from tanh(b delta) to 1)"]


@timed
def sharp_rigorous(impl=None, save: bool = False, max_boxes: int = 60_000) -> CheckResult:
    margin, tight = sharp_rigorous_spec()
    cert = branch_and_bound("prop31.sharp", "prop31_sharp", "sigma(-a tanh(b delta)) >= |h(x) - H(x)| for |x| >= delta",
                            SHARP_VARS, SHARP_BOX, margin, tight, max_boxes=max_boxes)
    if save and cert.outcome == "verified":
        cert.save()
    return common.rigorous_result("prop31.sharp", cert, "a in [1e-3, 1e4], b delta in [1e-6, 345], |x| >= delta")


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
    [Check("precise", suff_precise), Check("rigorous", suff_rigorous)]))

register(Claim(
    "prop31.sharp",
    "sup_{|x|>=delta} |h(x) - H(x)| = sigma(-a tanh(b delta)) exactly; so a > L and b >= min_b are also necessary",
    "not in the paper (sharpens Prop. 3.1)", "a, b, delta > 0",
    [Check("symbolic", symbolic), Check("precise", sharp_precise), Check("rigorous", sharp_rigorous)],
    note="The paper states only sufficiency; the bound is attained at |x| = delta, so the conditions are also necessary."))
