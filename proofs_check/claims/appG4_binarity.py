"""App. G.4 / F.1, binarity: h ranges over (sigma(-a), sigma(a)), so the binarity score (share of outputs > 0.99
or < 0.01) is 0 unless a > log(99) = 4.595, whatever b.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (16, 4, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


def binarity_point(a: float, impl, threshold: float | None = None) -> list[str]:
    """Outputs of h over a huge input range: can any exceed 0.99 (or fall below 0.01)?"""
    thr = float(impl.binarity_min_a()) if threshold is None else threshold
    x = np.concatenate([-np.geomspace(1e-3, 1e6, 500), np.geomspace(1e-3, 1e6, 500)])
    h = np.asarray(impl.htaf(x, a, 1.0))
    score = float(np.mean((h > 0.99) | (h < 0.01)))
    bad = []
    if (score > 0) != (a > thr):
        bad.append(f"a={a:g}: binarity score over x in +-[1e-3, 1e6] is {score:.3f}, but 'a > {thr:.4g}' is {a > thr}")
    return bad


@timed
def binarity_precise(impl=None, threshold: float | None = None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    a_values = (2.0, 3.0, 4.0, 4.59, 4.6, 5.0, 10.0, 100.0)
    for a in a_values:
        bad += binarity_point(a, impl, threshold)
    if abs(float(impl.binarity_min_a()) - math.log(99)) > 1e-15 * math.log(99):
        bad.append(f"binarity_min_a() = {float(impl.binarity_min_a())!r} != log(99)")
    domain = f"a in {a_values}, 1000 inputs in +-[1e-3, 1e6]"
    return from_violations("appG.4.binarity", "precise", domain, bad, "threshold log 99 = 4.5951", f"{len(a_values)} values of a")


@timed
def binarity_symbolic(impl=None) -> CheckResult:
    a = sp.symbols("a", positive=True)
    sol = sp.solve(sp.Eq(1 / (1 + sp.exp(-a)), sp.Rational(99, 100)), a)
    ok = len(sol) == 1 and sp.simplify(sol[0] - sp.log(99)) == 0
    return CheckResult("appG.4.binarity", "symbolic", "a > 0", "verified" if ok else "undecided", "exact",
                       f"sigma(a) = 0.99 <=> a = {sol}")


CLAIM = Claim("appG.4.binarity", "the binarity score (share of outputs > 0.99 or < 0.01) is 0 unless a > log(99) = 4.595",
               "App. G.4, F.1", "a, b > 0", [Check("symbolic", binarity_symbolic), Check("precise", binarity_precise)],
               note="Not stated in the paper; it explains why a = 5 (Table 6) is the smallest a with any binary outputs.",
               target="addition")


#: a deliberately wrong variant (threshold L(0.1) instead of log 99): its checks must reject it with a counterexample
WRONG = lambda: binarity_precise(threshold=math.log(9))  # noqa: E731
