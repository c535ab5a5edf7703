"""Fig. 2 (paper Sec. 3.2): a min_b(a) decreases strictly in a and tends to L(eps)/delta from above.

With a = L (1 + r) and z = 1/(1 + r) = L/a: a min_b(a) delta = L artanh(z)/z, and
d/da [a min_b(a)] < 0  <=>  N(z) = z/(1 - z^2) - artanh(z) > 0, where
N(z)/z^3 = sum_{k>=1} (2k/(2k+1)) z^{2k-2} >= 2/3 (all coefficients positive, so N/z^3 increases in z).
Hence a b > L/delta is necessary but not sufficient: (a, b) = (5, 4.4) has a > L(0.1) and a b = 22 > log(9)/0.1 =
21.97, yet b < min_b(5) = 4.72, so its error sigma(-5 tanh(0.44)) = 0.1122 exceeds 0.1.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from htaf_theory import params as htaf_params

from htaf_theory.accuracy import library_functions as library_impl
from ..certified import CertifiedInequality
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (3, 2, 3)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


def point(eps: float, delta: float, impl) -> list[str]:
    """a min_b(a) strictly decreasing along a grid of a, and above L/delta."""
    L = float(impl.min_a(eps))
    a = L * (1 + np.geomspace(1e-6, 1e4, 60))
    ab = a * np.asarray(impl.min_b(a, eps, delta))
    limit = L / delta
    bad = []
    if not np.all(np.diff(ab) < 0):
        i = int(np.argmax(np.diff(ab) >= 0))
        bad.append(f"eps={eps:g}, delta={delta:g}: a min_b(a) not decreasing between a={a[i]:.6g} ({ab[i]!r}) "
                   f"and a={a[i + 1]:.6g} ({ab[i + 1]!r})")
    if not np.all(ab > limit):
        i = int(np.argmax(ab <= limit))
        bad.append(f"eps={eps:g}, delta={delta:g}: a min_b(a) = {ab[i]!r} <= L/delta = {limit!r} at a={a[i]:.6g}")
    # the limit: artanh(z)/z = 1 + z^2/3 + ...: at a = 1e4 L, relative excess ~ 1/(3 (1e4)^2)
    if not abs(ab[-1] / limit - 1) < 1e-7:
        bad.append(f"eps={eps:g}, delta={delta:g}: a min_b(a) / (L/delta) = {ab[-1] / limit!r} at a = {a[-1]:.3g}, not -> 1")
    return bad


@timed
def precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    grid = [(e, d) for e in (1e-6, 1e-3, 0.1, 0.3, 0.49) for d in (1e-3, 0.1, 10.0)]
    for eps, delta in grid:
        bad += point(eps, delta, impl)
    # a counterexample with a > L: a b above the limit, and still not 0.1-close (a < L would fail for every b)
    ab = 5.0 * 4.4
    err = float(impl.approx_error(5.0, 4.4, 0.1))
    if not (ab > math.log(9) / 0.1 and 5.0 > float(impl.min_a(0.1)) and err > 0.1):
        bad.append(f"(a, b) = (5, 4.4): a b = {ab}, error {err!r}: expected a > L, a b > L/delta and error > eps")
    domain = "eps in {1e-6..0.49}, delta in {1e-3, 0.1, 10}, 60 a each; (5, 4.4) shows a b > L/delta is not sufficient"
    return from_violations("fig2.limit", "precise", domain, bad, f"(5, 4.4): error {err:.4f} > 0.1", f"{len(grid)} (eps, delta)")


@timed
def symbolic(impl=None) -> CheckResult:
    z = sp.symbols("z", positive=True)
    series = sp.series(z / (1 - z ** 2) - sp.atanh(z), z, 0, 12).removeO()
    expected = sum(sp.Rational(2 * k, 2 * k + 1) * z ** (2 * k + 1) for k in range(1, 6))
    ok = sp.expand(series - expected) == 0
    lim = sp.limit(sp.atanh(z) / z, z, 0)
    return CheckResult("fig2.limit", "symbolic", "z = L/a in (0, 1)", "verified" if ok and lim == 1 else "undecided",
                       "exact", f"one step: the first five series coefficients of N(z) are 2k/(2k+1) > 0 (k <= 5): {ok}; "
                       f"lim artanh(z)/z = {lim} (the decrease itself is the certified inequality)")


RHO = sp.Symbol("rho", real=True)


def decreasing_inequality():
    """d/da [a min_b(a) delta] < 0, from sympy's min_b, with a = L(eps) (1 + 10^rho) (eps and delta drop out)."""
    from htaf_theory import symbolic as S
    derivative = sp.diff(S.a_pos * S.min_b_expr() * S.delta, S.a_pos)
    return (derivative < 0).subs(S.a_pos, sp.log((1 - S.eps) / S.eps) * (1 + 10 ** RHO))


CERTIFIED = [CertifiedInequality("fig2_limit", "fig2.limit", decreasing_inequality, lambda: {RHO: (-6, 6)}, None,
                                 "a = L(eps)(1 + r), r in [1e-6, 1e6], every eps in (0, 1/2) and delta > 0")]


CLAIM = Claim(
    "fig2.limit",
    "a min_b(a) is strictly decreasing in a and tends to L(eps)/delta from above; a b > L/delta is necessary, not sufficient",
    "Sec. 3.2, Fig. 2", "eps in (0, 1/2), delta > 0, a > L(eps)",
    [Check("symbolic", symbolic, covers="step"), Check("precise", precise), CERTIFIED[0].replay_check(),
     CERTIFIED[0].search_check()],
    note="The paper's visible text, a min_b(a) 'converges to 22' (eps = delta = 0.1), is right: the limit is "
         "log(9)/0.1 = 21.97, approached from above. The condition that followed was lost in extraction; our "
         "reconstruction is that a b > 21.97 is necessary, not sufficient: (a, b) = (5, 4.4) has a > L(0.1), a b = 22 "
         "and error 0.1122 > 0.1; the (b, a) reading of the paper's pair (11, 2) has error 0.1024.",
    target="reconstruction")


#: a deliberately wrong variant (the b bound without artanh): its checks must reject it with a counterexample
WRONG = lambda: precise(library_impl(min_b=lambda a, eps, delta: htaf_params.min_a(eps) / (np.asarray(a) * delta)))  # noqa: E731
