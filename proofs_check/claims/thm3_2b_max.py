"""Theorem 3.2(b) (paper Sec. 3.2, App. A.2): h'(0) = a b / 4 is the strict global maximum of h'.

The rigorous check certifies ``max_inequality``: h'(x)/h'(0) <= 1 from sympy's h', at q = tanh(b|x|) in [0, 1]
(equality at q = 0 with zero slope: an order-2 tight face).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from htaf_theory.accuracy import library_functions as library_impl
from ..certified import CertifiedInequality
from ..registry import Check, CheckResult, Claim, from_violations, timed
from .thm3_2a_tails import AB_GRID, LA, Q

ORDER = (3, 2, 5)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


@timed
def b_symbolic(impl=None) -> CheckResult:
    from htaf_theory import symbolic as S
    ok = sp.simplify(S.slope_at_zero_expr() - S.a_pos * S.b_pos / 4) == 0
    return CheckResult("thm3.2.b", "symbolic", "all a, b > 0", "verified" if ok else "undecided", "exact",
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
    return from_violations("thm3.2.b", "precise", domain, bad, "h'(x) <= h'(0) (1e-14 rel)", f"{len(AB_GRID)} pairs")




def max_inequality():
    """h'(x) <= h'(0), from sympy's h', at bx = atanh(q) (q = tanh(b|x|) in [0, 1]; h' is even), a = 10^la."""
    from htaf_theory import symbolic as S
    grad = S.htaf_grad_expr()
    return (grad.subs(S.x, sp.atanh(Q) / S.b_pos) / grad.subs(S.x, 0) <= 1).subs(S.a_pos, 10 ** LA)


CERTIFIED = [CertifiedInequality("thm32b_max", "thm3.2.b", max_inequality, lambda: {LA: (-3, 4), Q: (0, 1)}, lambda: (Q, "lo"),
                                 "a in [1e-3, 1e4], every b > 0, every x")]


CLAIM = Claim(
    "thm3.2.b", "h'(0) = a b / 4, and it is the global maximum of h' (h'(x) <= h'(0) for every x)", "Thm 3.2(b)", "a, b > 0",
    [Check("symbolic", b_symbolic), Check("precise", b_precise), CERTIFIED[0].replay_check(), CERTIFIED[0].search_check()])


#: a deliberately wrong variant (slope ab/2): its checks must reject it with a counterexample
WRONG = lambda: b_precise(library_impl(slope_at_zero=lambda a, b: np.asarray(a) * b / 2))  # noqa: E731
