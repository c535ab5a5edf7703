"""Theorem 3.2(a) (paper Sec. 3.2, App. A.2): the gradient of HTAF and its tail, plus our non-asymptotic bound.

h'(x) = a b sigma(u) sigma(-u) sech^2(bx), u = a tanh(bx); h'(x) e^{2b|x|} -> C = a b sech^2(a/2); and for all x,
with w = e^{-2b|x|}:  (1 + w)^-2 <= h'(x)/(C e^{-2b|x|}) <= e^{2aw/(1+w)} (1 + w)^-2.

The rigorous checks certify ``tail_inequality`` (each side, in log form), built from sympy's h' and sympy's
limit C by the substitution x = -log(w)/(2b) (b drops out). The upper bound is sharp to a factor
1 + O(e^{-at}), so arb at 128-1024 bits certifies it for a <= 10 only; larger a has the precise check.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from htaf_theory.precise import htaf_grad_mp

from .. import common
from htaf_theory.accuracy import library_functions as library_impl
from ..certified import CertifiedInequality
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (3, 2, 4)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


AB_GRID = [(a, b) for a in (1e-3, 0.5, 2.0, 11.0, 100.0, 1e3) for b in (1e-3, 0.1, 2.0, 50.0)]


@timed
def a_symbolic(impl=None) -> CheckResult:
    from htaf_theory import symbolic as S
    x, a, b = S.x, S.a_pos, S.b_pos
    t = sp.tanh(b * x)
    sig = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    closed = a * b * sig(a * t) * sig(-a * t) * sp.sech(b * x) ** 2
    ok_grad = sp.simplify((S.htaf_grad_expr() - closed).rewrite(sp.exp)) == 0
    ok_limit = sp.simplify(S.tail_limit_expr() - a * b * sp.sech(a / 2) ** 2) == 0
    ok = ok_grad and ok_limit
    return CheckResult("thm3.2.a", "symbolic", "all a, b > 0", "verified" if ok else "undecided", "exact",
                       f"h' closed form: {ok_grad}; lim h'(x) e^(2bx) = a b sech^2(a/2): {ok_limit}")


def a_point(a: float, b: float, impl) -> list[str]:
    """Tail constant and rate of the library vs mpmath's h'(x) e^{rate x} at x far in the tail."""
    bad = []
    C = float(impl.tail_constant(a, b))
    rate = float(impl.tail_rate(a, b))
    with mpmath.workdps(60):
        A, B = mpmath.mpf(a), mpmath.mpf(b)
        x = (mpmath.log(2 * A) + 40) / (2 * B)   # w <= e^-40/(2a): the ratio is within e^{e^-40} of 1
        grad = htaf_grad_mp(x, a, b, dps=60)
        scaled = grad * mpmath.exp(mpmath.mpf(rate) * x)
        exact_C = A * B * mpmath.sech(A / 2) ** 2
    if C != 0.0 and abs(C - float(exact_C)) > 1e-12 * float(exact_C):
        bad.append(f"a={a:g}, b={b:g}: tail_constant={C!r}, exact {mpmath.nstr(exact_C, 15)}")
    if exact_C > 0 and abs(scaled / exact_C - 1) > 1e-10:
        bad.append(f"a={a:g}, b={b:g}: h'(x) e^(tail_rate x) / C = {mpmath.nstr(scaled / exact_C, 10)} "
                   f"at x={mpmath.nstr(x, 6)}, not 1")
    lo, hi = impl.tail_ratio_bounds(np.array([0.0, 0.1 / b, 1.0 / b, 5.0 / b]), a, b)
    for xv, l_, h_ in zip((0.0, 0.1 / b, 1.0 / b, 5.0 / b), lo, hi):
        r = float(common.mp_checked(_tail_ratio_mp, xv, a, b))
        if not (l_ * (1 - 1e-12) <= r <= h_ * (1 + 1e-12)):
            bad.append(f"a={a:g}, b={b:g}, x={xv:g}: ratio {r!r} outside the bounds [{l_!r}, {h_!r}]")
    return bad


def _tail_ratio_mp(x, a, b):
    A, B, X = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
    grad = htaf_grad_mp(x, a, b)
    return grad / (A * B * mpmath.sech(A / 2) ** 2 * mpmath.exp(-2 * B * X))


@timed
def a_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    for a, b in AB_GRID:
        bad += a_point(a, b, impl)
    domain = "a in {1e-3..1e3}, b in {1e-3..50}: C, rate 2b, and the two-sided bound at 4 x each"
    return from_violations("thm3.2.a", "precise", domain, bad, "rel err <= 1e-12", f"{len(AB_GRID)} (a, b) pairs")


LA, W, Q = sp.Symbol("la", real=True), sp.Symbol("w", nonnegative=True), sp.Symbol("q", nonnegative=True)


def tail_ratio_expr():
    """h'(x) / (C e^{-2bx}) at x = -log(w)/(2b) (so w = e^{-2bx} in (0, 1]), with h' = sympy's derivative of h and
    C = sympy's limit (``symbolic.tail_limit_expr``); simplified and factored by sympy so that w = 0 (x = inf) is finite."""
    from htaf_theory import symbolic as S
    at_w = {S.x: -sp.log(W) / (2 * S.b_pos)}
    ratio = S.htaf_grad_expr().subs(at_w) / (S.tail_limit_expr() * sp.exp(-2 * S.b_pos * S.x).subs(at_w))
    return sp.factor(sp.simplify(ratio.rewrite(sp.exp)))


def tail_inequality(side: str, factor=1):
    """Our two-sided tail bound, one side, in log form (both sides are positive, so log is an equivalence):
    lower: (1 + w)^-2 <= ratio;  upper: ratio <= factor * e^{2aw/(1+w)} (1 + w)^-2;  a = 10^la."""
    from htaf_theory import symbolic as S
    ratio = tail_ratio_expr()
    lower = (1 + W) ** -2
    relation = (lower <= ratio) if side == "lower" else (ratio <= factor * sp.exp(2 * S.a_pos * W / (1 + W)) * lower)
    logged = type(relation)(sp.expand_log(sp.log(relation.lhs), force=True), sp.expand_log(sp.log(relation.rhs), force=True))
    return logged.subs(S.a_pos, 10 ** LA)


TAIL_BOXES = {"lower": {LA: (-3, 2), W: (0, 1)}, "upper": {LA: (-3, 1), W: (0, 1)}}


CERTIFIED = [
    CertifiedInequality("thm32a_tail_lower", "thm3.2.a", lambda: tail_inequality("lower"), lambda: TAIL_BOXES["lower"],
                        lambda: (W, "lo"), "lower tail bound: a in [1e-3, 100], every b > 0, every x (w = e^{-2b|x|} in [0, 1])"),
    CertifiedInequality("thm32a_tail_upper", "thm3.2.a", lambda: tail_inequality("upper"), lambda: TAIL_BOXES["upper"],
                        lambda: (W, "lo"), "upper tail bound: a in [1e-3, 10], every b > 0, every x (w = e^{-2b|x|} in [0, 1])"),
]


CLAIM = Claim(
    "thm3.2.a",
    "h'(x) = a b sigma(u) sigma(-u) sech^2(bx); h'(x) e^{2b|x|} -> C(a,b) = a b sech^2(a/2); non-asymptotic: "
    "(1+w)^-2 <= h'(x)/(C e^{-2b|x|}) <= e^{2aw/(1+w)} (1+w)^-2, w = e^{-2b|x|}",
    "Thm 3.2(a), App. A.2 (the two-sided bound is ours)",
    "a, b > 0 (the two-sided bound certified for a <= 10 (upper) and a <= 100 (lower); beyond, the precise grid to a = 1e3)",
    [Check("symbolic", a_symbolic), Check("precise", a_precise), CERTIFIED[0].replay_check(), CERTIFIED[1].replay_check(),
     CERTIFIED[0].search_check(), CERTIFIED[1].search_check()],
    note="The paper gives the tail only asymptotically ('for large x'); the bound shows the tail regime starts "
         "near x = log(2a)/(2b), where the upper factor drops below e.")


#: a deliberately wrong variant (tail rate b instead of 2b): its checks must reject it with a counterexample
WRONG = lambda: a_precise(library_impl(tail_rate=lambda a, b: np.asarray(b) * 1.0))  # noqa: E731
