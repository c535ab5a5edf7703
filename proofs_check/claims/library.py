"""The library claim (not a result of the paper): every public float function of htaf_theory.core, params and
tails agrees with its mpmath reference over the domain its docstring promises, at the stated accuracy.

The pairs, domains and tolerances are the reference table ``htaf_theory.accuracy.TABLE``; the same table
drives ``benchmarks/accuracy_core.py`` and the mutation tests (``proofs_check.mutants``).
"""

from __future__ import annotations

from htaf_theory import core as htaf_core
from htaf_theory.accuracy import TABLE, measure_all

from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, timed

ORDER = (0,)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


@timed
def references_precise(impl=None) -> CheckResult:
    impl = impl or library_impl()
    results = measure_all(impl)
    bad = [r for r in results if not r.ok]
    points = sum(r.points for r in results)
    domain = (f"{len(TABLE)} functions, {points} points: x in +-[1e-300, 1e6], a in [1e-3, 1e6], b in [1e-5, 1e5], "
              "eps in [1e-320, 0.499]")
    worst = max(results, key=lambda r: r.worst_scaled)
    margin = f"worst err/allowed {worst.worst_scaled:.2g} ({worst.name})"
    if bad:
        detail = "; ".join(f"{r.name}: {len(r.failures)} points, e.g. at {r.failures[0][0]}: got {r.failures[0][1]!r}, "
                           f"mpmath {r.failures[0][2]}" for r in bad[:6])
        return CheckResult("library", "precise", domain, "counterexample", margin, detail)
    return CheckResult("library", "precise", domain, "verified", margin,
                       "every function within rtol max(1, kappa) of its 50-digit mpmath reference (htaf_theory.accuracy)")


CLAIM = Claim("library", "every public float function of core, params and tails agrees with its mpmath reference "
               "(the reference table) over its documented domain", "the package, not the paper", "the documented domains",
               [Check("precise", references_precise)],
               note="Not a claim of the paper: the other checks call these functions, so they are checked first.",
               target="library")


#: a deliberately wrong variant (the gradient off by a factor 1 + 1e-10): its checks must reject it with a counterexample
WRONG = lambda: references_precise(library_impl(htaf_grad=lambda x, a, b: htaf_core.htaf_grad(x, a, b) * (1 + 1e-10)))  # noqa: E731
