"""Basic properties of HTAF (paper Sec. 3.2): smooth, strictly increasing, h(0) = 1/2, h(-x) = 1 - h(x),
range (sigma(-a), sigma(a)).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from scipy.special import expit

from htaf_theory import core as htaf_core
from htaf_theory.precise import htaf_grad_mp

from .. import common
from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (3, 2, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


GRID_X = np.concatenate([-np.geomspace(1e-6, 1e3, 40)[::-1], [0.0], np.geomspace(1e-6, 1e3, 40)])


GRID_AB = [(a, b) for a in (1e-3, 1.0, 4.0, 30.0, 1e3) for b in (1e-3, 0.5, 10.0, 1e3)]


def basic_point(a: float, b: float, impl) -> list[str]:
    bad = []
    h = np.asarray(impl.htaf(GRID_X, a, b))
    hneg = np.asarray(impl.htaf(-GRID_X, a, b))
    comp = np.asarray(impl.htaf_complement(GRID_X, a, b))
    if float(impl.htaf(0.0, a, b)) != 0.5:
        bad.append(f"a={a:g}, b={b:g}: h(0) = {float(impl.htaf(0.0, a, b))!r} != 1/2")
    asym = np.abs(hneg - comp) > 1e-15 * np.maximum(comp, 1e-300)
    if np.any(asym):
        i = int(np.argmax(asym))
        bad.append(f"a={a:g}, b={b:g}, x={GRID_X[i]:g}: h(-x) = {hneg[i]!r} but 1 - h(x) = {comp[i]!r}")
    if np.any(np.diff(h) < 0):
        i = int(np.argmax(np.diff(h) < 0))
        bad.append(f"a={a:g}, b={b:g}: h decreases between x={GRID_X[i]:g} and {GRID_X[i + 1]:g}")
    lo, hi = float(expit(-a)), float(expit(a))
    if np.any(h < lo * (1 - 1e-15)) or np.any(h > hi * (1 + 1e-15)):
        bad.append(f"a={a:g}, b={b:g}: h leaves (sigma(-a), sigma(a)) = ({lo:.6g}, {hi:.6g})")
    g = np.asarray(impl.htaf_grad(GRID_X, a, b))
    with mpmath.workdps(40):
        for x in (0.3 / b, -2.0 / b):
            ref = float(common.mp_checked(_grad_mp, x, a, b))
            got = float(impl.htaf_grad(x, a, b))
            if ref > 1e-300 and abs(got - ref) > 1e-13 * ref:
                bad.append(f"a={a:g}, b={b:g}, x={x:g}: htaf_grad {got!r} vs mpmath {ref!r}")
    if np.any(g < 0):
        bad.append(f"a={a:g}, b={b:g}: negative gradient")
    return bad


def _grad_mp(x, a, b):
    return htaf_grad_mp(x, a, b)


@timed
def basic_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    for a, b in GRID_AB:
        bad += basic_point(a, b, impl)
    domain = "20 (a, b) pairs x 81 x in +-[1e-6, 1e3]"
    return from_violations("sec3.2.basic", "precise", domain, bad, "symmetry to 1e-15, h' to 1e-13", f"{len(GRID_AB)} pairs")


@timed
def basic_symbolic(impl=None) -> CheckResult:
    from htaf_theory import symbolic as S
    h = S.htaf_expr()
    x, a = S.x, S.a_pos
    b = next(s for s in h.free_symbols if s.name == "b")
    sym = sp.simplify((h.subs(x, -x) - (1 - h)).rewrite(sp.exp)) == 0
    at0 = sp.simplify(h.subs(x, 0) - sp.Rational(1, 2)) == 0
    lim = sp.simplify(sp.limit(h, x, sp.oo) - 1 / (1 + sp.exp(-a))) == 0
    # strictly increasing: h' = a b e^{-u} sech^2(bx) / (1 + e^{-u})^2, sympy shows the identity and that every factor
    # is positive for real x and a, b > 0
    grad = sp.diff(h, x)
    factored = grad.subs(1 - sp.tanh(b * x) ** 2, sp.sech(b * x) ** 2)
    increasing = sp.simplify((grad - factored).rewrite(sp.exp)) == 0 and factored.is_positive is True
    # the range: strictly increasing, with limits sigma(a) at +inf and (by the symmetry) 1 - sigma(a) = sigma(-a)
    # at -inf, so h takes exactly the values of the open interval (sigma(-a), sigma(a))
    # smooth: a composition of sigma (analytic on R, 1 + e^{-u} > 0), tanh (analytic on R) and x -> b x
    ok = sym and at0 and lim and increasing
    return CheckResult("sec3.2.basic", "symbolic", "all a, b > 0", "verified" if ok else "undecided", "exact",
                       f"h(-x) = 1 - h(x): {sym}; h(0) = 1/2: {at0}; h(inf) = sigma(a): {lim}; h' > 0 (every factor of "
                       f"a b e^-u sech^2(bx)/(1 + e^-u)^2 positive): {increasing}; range (sigma(-a), sigma(a)) from these; "
                       f"smooth as a composition of analytic functions")


CLAIM = Claim("sec3.2.basic", "h is smooth, strictly increasing, h(0) = 1/2, h(-x) = 1 - h(x), range (sigma(-a), sigma(a))",
               "Sec. 3.2 (Eq. 1)", "a, b > 0", [Check("symbolic", basic_symbolic), Check("precise", basic_precise)],
               full_domain=True, target="addition",
               note="Properties of Eq. 1 the paper uses without stating them; ours to check.")


#: a deliberately wrong variant (h shifted by 1e-3): its checks must reject it with a counterexample
WRONG = lambda: basic_precise(library_impl(htaf=lambda x, a, b: htaf_core.htaf(np.asarray(x) + 1e-3, a, b)))  # noqa: E731
