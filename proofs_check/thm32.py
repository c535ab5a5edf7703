"""Theorem 3.2 (paper Sec. 3.2, App. A.2): the gradient of HTAF, plus our non-asymptotic tail bound.

thm32.a: h'(x) = a b sigma(u) sigma(-u) sech^2(bx), u = a tanh(bx); h'(x) e^{2b|x|} -> C = a b sech^2(a/2);
         and for all x, with w = e^{-2b|x|}:
         (1 + w)^-2 <= h'(x)/(C e^{-2b|x|}) <= e^{2aw/(1+w)} (1 + w)^-2.
thm32.b: h'(0) = a b / 4 is the global maximum of h' (strict: h'(x) < h'(0) for x != 0).

Exact reductions used by the rigorous checks: h'(x)/h'(0) = sech^2(u/2) sech^2(bx) = (1 - s) sech^2(a sqrt(s)/2)
with s = tanh^2(bx) in [0, 1]; h'(x)/(C e^{-2b|x|}) = [cosh(a/2)/cosh(a t/2)]^2 (1 + w)^-2 with
t = tanh(b|x|) = (1 - w)/(1 + w), w in [0, 1] (w = 0 is x = inf, w = 1 is x = 0). b drops out.
"""
from __future__ import annotations


import mpmath
import numpy as np
import sympy as sp

from htaf_theory.precise import htaf_grad_mp

from . import common
from ._impl import library_impl
from .registry import Check, CheckResult, Claim, from_violations, register, timed
from .rigorous import Tight, branch_and_bound

A_LOG10 = (-3.0, 4.0)
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
    return CheckResult("thm32.a", "symbolic", "all a, b > 0", "verified" if ok else "undecided", "exact",
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
        bad.append(f"a={a:g}, b={b:g}: h'(x) e^(tail_rate x) / C = {mpmath.nstr(scaled / exact_C, 10)} at x={mpmath.nstr(x, 6)}, not 1")
    lo, hi = impl.tail_ratio_bounds(np.array([0.0, 0.1 / b, 1.0 / b, 5.0 / b]), a, b)
    for xv, l_, h_ in zip((0.0, 0.1 / b, 1.0 / b, 5.0 / b), lo, hi):
        r = float(common.mp_checked(_tail_ratio_mp, xv, a, b))
        if not (l_ * (1 - 1e-12) <= r <= h_ * (1 + 1e-12)):
            bad.append(f"a={a:g}, b={b:g}, x={xv:g}: ratio {r!r} outside the bounds [{l_!r}, {h_!r}]")
    return bad


def _tail_ratio_mp(x, a, b):
    A, B, X = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
    grad = htaf_grad_mp(x, a, b, dps=mpmath.mp.dps)
    return grad / (A * B * mpmath.sech(A / 2) ** 2 * mpmath.exp(-2 * B * X))


@timed
def a_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    for a, b in AB_GRID:
        bad += a_point(a, b, impl)
    domain = "a in {1e-3..1e3}, b in {1e-3..50}: C, rate 2b, and the two-sided bound at 4 x each"
    return from_violations("thm32.a", "precise", domain, bad, "rel err <= 1e-12", f"{len(AB_GRID)} (a, b) pairs")


def tail_spec(side: str):
    """Margins of the two-sided tail bound in (log10 a, w); tight at w = 0 (x = inf)."""
    def parts_at(a, w):
        t = (1 - w) / (1 + w)
        return t

    def log_cosh(z):
        return z.cosh().log()

    def margin(v):
        la, w = v
        # monotone in a (see docstrings): evaluate at the worst corner, at points
        t_hi = parts_at(None, common.lo(w))
        if side == "lower":
            # 2 log cosh(a/2) - 2 log cosh(a t/2) increases in a and decreases in t
            a_lo = common.pow10_point(common.lo(la))
            return 2 * (log_cosh(a_lo / 2) - log_cosh(a_lo * t_hi / 2))
        # upper: a(1-t) - 2 log cosh(a/2) + 2 log cosh(a t/2); its w-derivative is > 0, so it is
        # only ever certified through the tight face
        a = common.pow10(la)
        t = (1 - w) / (1 + w)
        return a * (1 - t) - 2 * log_cosh(a / 2) + 2 * log_cosh(a * t / 2)

    def derivative(v):
        la, w = v
        a_lo, a_hi = common.pow10_point(common.lo(la)), common.pow10_point(common.hi(la))
        w_hi = common.hi(w)
        if side == "lower":
            # d/dw = 2 a tanh(a t/2) / (1+w)^2, t >= t(w_hi)
            return [2 * a_lo, (a_lo * parts_at(None, w_hi) / 2).tanh(), 1 / (1 + w_hi) ** 2]
        # d/dw = (2a/(1+w)^2) (1 - tanh(a t/2)) = (2a/(1+w)^2) 2 sigma(-a t), t <= 1
        return [2 * a_lo, 1 / (1 + w_hi) ** 2, 2 * common.sigmoid(-a_hi)]

    def identity():
        a, w = sp.symbols("a w", positive=True)
        t = (1 - w) / (1 + w)
        if side == "lower":
            expr = 2 * sp.log(sp.cosh(a / 2)) - 2 * sp.log(sp.cosh(a * t / 2))
        else:
            expr = a * (1 - t) - 2 * sp.log(sp.cosh(a / 2)) + 2 * sp.log(sp.cosh(a * t / 2))
        return common.face_identity(expr.subs(w, 0), {"a": a}, [{"a": 3}], f"{side} margin at w = 0")

    return margin, Tight(var=1, side="lo", derivative=derivative, face_identity=identity,
                         description="x = inf: ratio and both bounds equal 1")


TAIL_VARS = ["log10 a", "w = exp(-2 b |x|)"]
TAIL_BOX = [A_LOG10, (0.0, 1.0)]


@timed
def tail_rigorous(impl=None, save: bool = False, max_boxes: int = 100_000) -> CheckResult:
    outcomes, details, worst = [], [], []
    for side in ("lower", "upper"):
        margin, tight = tail_spec(side)
        cert = branch_and_bound("thm32.a", f"thm32a_tail_{side}", f"{side} tail bound (log form)", TAIL_VARS, TAIL_BOX,
                                margin, tight, max_boxes=max_boxes)
        if save and cert.outcome == "verified":
            cert.save()
        outcomes.append(cert.outcome)
        details.append(f"{side}: {cert.summary()}")
        if cert.worst_margin is not None:
            worst.append(cert.worst_margin)
    outcome = "verified" if all(o == "verified" for o in outcomes) else (
        "counterexample" if "counterexample" in outcomes else "undecided")
    return CheckResult("thm32.a", "rigorous", "a in [1e-3, 1e4], all b > 0, all x (w = e^{-2b|x|} in [0, 1])", outcome,
                       f"worst leaf margin {min(worst):.3g}" if worst else "", "; ".join(details))


# ---- thm32.b ------------------------------------------------------------------------------------

@timed
def b_symbolic(impl=None) -> CheckResult:
    from htaf_theory import symbolic as S
    ok = sp.simplify(S.slope_at_zero_expr() - S.a_pos * S.b_pos / 4) == 0
    return CheckResult("thm32.b", "symbolic", "all a, b > 0", "verified" if ok else "undecided", "exact",
                       "h'(0) simplifies to a b / 4" if ok else "")


@timed
def b_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    for a, b in AB_GRID:
        peak = float(impl.slope_at_zero(a, b))
        at0 = float(impl.htaf_grad(0.0, a, b))
        if abs(peak - a * b / 4) > 1e-15 * a * b or abs(at0 - a * b / 4) > 1e-13 * a * b:
            bad.append(f"a={a:g}, b={b:g}: slope_at_zero={peak!r}, htaf_grad(0)={at0!r}, ab/4={a * b / 4!r}")
        xs = np.concatenate([-np.geomspace(1e-8, 1e3, 200) / b, np.geomspace(1e-8, 1e3, 200) / b])
        g = np.asarray(impl.htaf_grad(xs, a, b))
        over = g > at0 * (1 + 1e-14)
        if np.any(over):
            i = int(np.argmax(over))
            bad.append(f"a={a:g}, b={b:g}: h'({xs[i]:.3g}) = {g[i]!r} > h'(0) = {at0!r}")
    domain = "24 (a, b) pairs x 400 x in +-[1e-8, 1e3]/b"
    return from_violations("thm32.b", "precise", domain, bad, "h'(x) <= h'(0) (1e-14 rel)", f"{len(AB_GRID)} pairs")


def max_spec():
    """1 - h'(x)/h'(0) = 1 - (1 - s) sech^2(a sqrt(s)/2) >= 0 on s = tanh^2(bx) in [0, 1]; tight at s = 0.

    d/ds = sech^2(a sqrt(s)/2) + (1 - s) sech^2(.) tanh(a sqrt(s)/2) a/(2 sqrt(s)) >= sech^2(a/2).
    """
    def margin(v):
        la, s = v
        a = common.pow10(la)
        return 1 - (1 - s) * (a * s.sqrt() / 2).sech() ** 2

    def derivative(v):
        la, _ = v
        a_hi = common.pow10_point(common.hi(la))
        return [(a_hi / 2).sech() ** 2]

    def identity():
        a = sp.symbols("a", positive=True)
        return common.face_identity(1 - (1 - 0) * sp.sech(a * 0 / 2) ** 2, {"a": a}, [{"a": 1}], "margin at s = 0")

    return margin, Tight(var=1, side="lo", derivative=derivative, face_identity=identity,
                         description="x = 0: h'(0)/h'(0) = 1")


@timed
def b_rigorous(impl=None, save: bool = False, max_boxes: int = 50_000) -> CheckResult:
    margin, tight = max_spec()
    cert = branch_and_bound("thm32.b", "thm32b_max", "1 - h'(x)/h'(0) >= 0", ["log10 a", "s = tanh^2(bx)"],
                            [A_LOG10, (0.0, 1.0)], margin, tight, max_boxes=max_boxes)
    if save and cert.outcome == "verified":
        cert.save()
    return common.rigorous_result("thm32.b", cert, "a in [1e-3, 1e4], all b > 0, all x")


register(Claim(
    "thm32.a",
    "h'(x) = a b sigma(u) sigma(-u) sech^2(bx); h'(x) e^{2b|x|} -> C(a,b) = a b sech^2(a/2); non-asymptotic: "
    "(1+w)^-2 <= h'(x)/(C e^{-2b|x|}) <= e^{2aw/(1+w)} (1+w)^-2, w = e^{-2b|x|}",
    "Thm 3.2(a), App. A.2 (the two-sided bound is ours)", "a, b > 0",
    [Check("symbolic", a_symbolic), Check("precise", a_precise), Check("rigorous", tail_rigorous)],
    note="The paper gives the tail only asymptotically ('for large x'); the bound shows the tail regime starts "
         "near x = log(2a)/(2b), where the upper factor drops below e."))

register(Claim(
    "thm32.b", "h'(0) = a b / 4, and it is the (strict) global maximum of h'", "Thm 3.2(b)", "a, b > 0",
    [Check("symbolic", b_symbolic), Check("precise", b_precise), Check("rigorous", b_rigorous)]))
