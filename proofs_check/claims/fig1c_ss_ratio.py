"""Fig. 1(c), HTAF against the scaled sigmoid (SS) at the same slope at 0 (gamma = a b):
h'(x)/s'_{ab}(x) ~ sech^2(a/2) e^{(a-2) b |x|}, so HTAF's tail is heavier than SS's iff a > 2.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (3, 2, 6)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


def ss_point(a: float, b: float, impl, threshold: float = 2.0) -> list[str]:
    """Far in the tail the log ratio grows iff a > threshold; its slope is (a - 2) b."""
    bad = []
    # both tails must be asymptotic: h' converges like e^{-2bx}, s' like e^{-abx}
    x1 = 40.0 / min(2 * b, a * b)
    x2 = 2 * x1
    r1, r2 = float(impl.log_ss_tail_ratio(x1, a, b)), float(impl.log_ss_tail_ratio(x2, a, b))
    slope = (r2 - r1) / (x2 - x1)
    with mpmath.workdps(60):
        A, B = mpmath.mpf(a), mpmath.mpf(b)

        def log_ratio(x):
            X = mpmath.mpf(x)
            u = A * mpmath.tanh(B * X)
            lh = mpmath.log(A * B / (1 + mpmath.exp(-u)) / (1 + mpmath.exp(u)) * mpmath.sech(B * X) ** 2)
            z = A * B * X
            ls = mpmath.log(A * B / (1 + mpmath.exp(-z)) / (1 + mpmath.exp(z)))
            return lh - ls
        ref_slope = float((log_ratio(x2) - log_ratio(x1)) / (x2 - x1))
    if abs(slope - ref_slope) > 1e-9 * max(1.0, abs(ref_slope)):
        bad.append(f"a={a:g}, b={b:g}: library log-ratio slope {slope!r} vs mpmath {ref_slope!r}")
    if abs(ref_slope - float(impl.ss_tail_exponent(a, b))) > 1e-6 * max(1.0, abs(ref_slope)):
        bad.append(f"a={a:g}, b={b:g}: tail slope {ref_slope:.6g} != ss_tail_exponent {float(impl.ss_tail_exponent(a, b)):.6g}")
    heavier = ref_slope > 0
    if heavier != (a > threshold) and a != threshold:
        bad.append(f"a={a:g}, b={b:g}: tail heavier than SS is {heavier}, but 'a > {threshold:g}' is {a > threshold}")
    return bad


@timed
def ss_precise(impl=None, threshold: float = 2.0) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    pairs = [(a, b) for a in (0.5, 1.5, 1.9, 2.1, 3.0, 11.0, 50.0) for b in (0.1, 2.0, 11.0)]
    for a, b in pairs:
        bad += ss_point(a, b, impl, threshold)
    domain = "a in {0.5, 1.5, 1.9, 2.1, 3, 11, 50}, b in {0.1, 2, 11}; slope of log(h'/s') between x1 = 40/min(2b, ab) and 2 x1"
    return from_violations("fig1c.ss-ratio", "precise", domain, bad, "slope = (a-2) b to 1e-6", f"{len(pairs)} pairs")


@timed
def ss_symbolic(impl=None) -> CheckResult:
    from htaf_theory import symbolic as S
    exponent = S.ss_exponent_expr()      # from sympy limits of d/dx log h' and d/dx log s'_{ab}
    ok = sp.expand(exponent - (S.a_pos - 2) * S.b_pos) == 0
    return CheckResult("fig1c.ss-ratio", "symbolic", "all a, b > 0", "verified" if ok else "counterexample", "exact",
                       f"lim d/dx log h'(x) - lim d/dx log s'_ab(x) (x -> inf, sympy) = {exponent}, "
                       f"{'equal to' if ok else 'not'} (a - 2) b: heavier tail iff a > 2")


CLAIM = Claim("fig1c.ss-ratio",
              "h'(x)/s'_{ab}(x) grows or decays like e^{(a-2) b |x|} (the exponent is checked, not the constant): HTAF "
              "has heavier tails than SS (same slope at 0) iff a > 2",
               "Fig. 1(c); the a > 2 criterion is ours", "a, b > 0",
               [Check("symbolic", ss_symbolic), Check("precise", ss_precise)],
               note="The paper's statement is about Fig. 1(c), at parameters lost in extraction. The a > 2 criterion is "
                    "our addition: at a = 2 both decay at rate a b, and for a < 2 HTAF's tail is lighter. "
                    "App. F.2.1's printed pair "
                    "'(2, 11)' is a = 11, b = 2 under our (b, a) reading of its pairs (docs/reproduction.md, Fig. 7); "
                    "read as (a, b) it would sit exactly at a = 2.",
               target="addition")


#: a deliberately wrong variant ('heavier iff a > 1'): its checks must reject it with a counterexample
WRONG = lambda: ss_precise(threshold=1.0)  # noqa: E731
