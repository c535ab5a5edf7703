"""Theorem B.2 (App. B.2), the square construction: for rho in C^3 with rho''(x0) != 0,
(rho(x0 + t x) + rho(x0 - t x) - 2 rho(x0)) / (t^2 rho''(x0)) -> x^2 with error O(t) (O(t^2): odd terms cancel);
and h_{a,b}(x) = g_a(b x) with g_a(x) = sigma(a tanh x), so b only rescales the weights.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (11, 2, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


def b2_point(a: float, b: float, x0: float, impl, quotient=None) -> list[str]:
    """The quotient at t = 1e-1..1e-4 with mpmath rho, the library's rho''(x0): error -> 0 like t^2."""
    rho2 = float(impl.htaf_grad2(x0, a, b))
    x = 1.7
    with mpmath.workdps(60):
        A, B, X0 = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x0)

        def rho(v):
            return 1 / (1 + mpmath.exp(-A * mpmath.tanh(B * v)))
        q = quotient or (lambda t: (rho(X0 + t * x) + rho(X0 - t * x) - 2 * rho(X0)) / (t ** 2 * mpmath.mpf(rho2)))
        # t in units of 1/b: the error constant scales like b^2 (h_ab(x) = g_a(bx))
        errs = [abs(q(mpmath.mpf(10) ** -k / B) - x ** 2) for k in (1, 2, 3, 4)]
    bad = []
    # the float rho''(x0) limits the floor at ~1e-13 relative: look at t down to 1e-4/b only
    if not errs[-1] < 1e-4 * x ** 2:
        bad.append(f"a={a:g}, b={b:g}, x0={x0:g}: error at t=1e-4 is {mpmath.nstr(errs[-1], 5)}, not -> 0")
    elif not all(e2 <= e1 / 5 for e1, e2 in zip(errs[:3], errs[1:])):
        bad.append(f"a={a:g}, b={b:g}, x0={x0:g}: errors {[mpmath.nstr(e, 3) for e in errs]} do not shrink like O(t)")
    return bad


@timed
def b2_precise(impl=None, quotient=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    cases = [(11.0, 2.0, 0.1), (2.0, 11.0, -0.05), (5.0, 4.72, 0.2), (0.5, 1.0, 1.0)]
    for case in cases:
        bad += b2_point(*case, impl, quotient=quotient)
    domain = "(a, b, x0) in 4 cases with h''(x0) != 0, x = 1.7, t = (1e-1..1e-4)/b"
    return from_violations("thmB.2", "precise", domain, bad, "error shrinks >= 5x per decade of t (O(t^2) seen)",
                           f"{len(cases)} cases")


@timed
def b2_symbolic(impl=None) -> CheckResult:
    t, x, x0, a, b, v = sp.symbols("t x x0 a b v", real=True)
    g = sp.Function("g")
    expansion = sp.series(g(x0 + t * x) + g(x0 - t * x) - 2 * g(x0), t, 0, 4).removeO().doit()
    second = sp.simplify(expansion - t ** 2 * x ** 2 * sp.Subs(sp.Derivative(g(v), v, 2), v, x0).doit())
    ok_series = sp.simplify(second) == 0
    h = 1 / (1 + sp.exp(-a * sp.tanh(b * v)))
    g_a = lambda s: 1 / (1 + sp.exp(-a * sp.tanh(s)))  # noqa: E731
    ok_scale = sp.simplify(h - g_a(b * v)) == 0
    ok = ok_series and ok_scale
    return CheckResult("thmB.2", "symbolic", "any C^3 rho (C^4 for the t^4 term)", "verified" if ok else "undecided", "exact",
                       f"rho(x0+tx)+rho(x0-tx)-2rho(x0) = t^2 x^2 rho''(x0) + O(t^4): {ok_series}; h_ab(x) = g_a(bx): {ok_scale}")


CLAIM = Claim("thmB.2", "the square step of Thm B.2's construction: (rho(x0+tx) + rho(x0-tx) - 2 rho(x0)) / (t^2 rho''(x0)) "
               "-> x^2 with error O(t); h_ab(x) = g_a(bx)",
               "App. B.2", "rho in C^3, rho''(x0) != 0", [Check("symbolic", b2_symbolic), Check("precise", b2_precise)],
               note="This is the lemma the construction rests on, not Theorem B.2's approximation statement (a rate for Holder "
                    "targets), which no finite computation shows. O(t) is a valid bound; for a C^4 activation such as h the "
                    "error is even O(t^2) (the odd terms of the expansion cancel; seen numerically).",
               target="lemma")


def _one_sided_quotient(t, a=11.0, b=2.0, x0=0.1, x=1.7):
    """A wrong construction: a one-sided difference, which does not tend to x^2."""
    from htaf_theory import core
    A, B, X0 = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x0)

    def rho(v):
        return 1 / (1 + mpmath.exp(-A * mpmath.tanh(B * v)))
    return (rho(X0 + t * x) - rho(X0)) / (t ** 2 * core.htaf_grad2(x0, a, b))


#: a deliberately wrong variant (a one-sided difference): its checks must reject it with a counterexample
WRONG = lambda: b2_precise(quotient=_one_sided_quotient)  # noqa: E731
