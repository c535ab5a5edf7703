"""Table 6 (App. F.1), digit for digit: the printed lower bounds of b are min_b(a) (eps = delta = 0.1) rounded up.
"""

from __future__ import annotations

import dataclasses

import mpmath

from htaf_theory import params as htaf_params

from .. import common
from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, compare, timed

ORDER = (15, 1, 0)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


@timed
def table6_exact(impl=None) -> CheckResult:
    from htaf_theory.params import PAPER_TABLE6
    impl = impl or library_impl()
    rows = impl.table6()
    points = [r.a for r in rows]
    result = compare("table6", "exact", "eps = delta = 0.1, a in the paper's Table 6", points,
                     [r.b_rounded_up for r in rows], [PAPER_TABLE6[int(r.a)] for r in rows], rtol=0.0, what="b rounded up")
    if result.ok:
        result.detail = ("all 10 printed values reproduced by rounding min_b(a) up at the printed digit; "
                         + ", ".join(f"a={int(r.a)}: {r.b_exact:.5g} -> {r.b_rounded_up:g}" for r in rows))
    return result


def _min_b_paper(a):
    return mpmath.atanh(mpmath.log(9) / a) / mpmath.mpf("0.1")  # exact eps = delta = 1/10


@timed
def table6_exact_values(impl=None) -> CheckResult:
    impl = impl or library_impl()
    rows = impl.table6()
    refs = [float(common.mp_checked(_min_b_paper, r.a)) for r in rows]
    return compare("table6", "precise", "min_b(a) for the 10 a of Table 6 vs mpmath (exact eps = delta = 1/10)",
                   [r.a for r in rows], [r.b_exact for r in rows], refs, rtol=1e-14, what="min_b")


CLAIM = Claim("table6", "Table 6 (eps = delta = 0.1): b_min(a) = 4.72, 2.24, 1.11, 0.74, 0.55, 0.44, 0.22, 0.05, 0.022, 0.005 "
               "for a = 5, 10, 20, 30, 40, 50, 100, 500, 1000, 5000", "App. F.1, Table 6", "eps = delta = 0.1",
               [Check("exact", table6_exact), Check("precise", table6_exact_values)],
               note="The printed values are min_b(a) rounded UP at the printed digit (0.0439 -> 0.05), which keeps "
                    "them admissible; the number of printed digits varies between entries.",
               full_domain=True)


#: a deliberately wrong variant (rounds to nearest instead of up): its checks must reject it with a counterexample
def _rounded_to_nearest():
    return [dataclasses.replace(r, b_rounded_up=round(r.b_exact, r.decimals)) for r in htaf_params.table6()]


WRONG = lambda: table6_exact(library_impl(table6=_rounded_to_nearest))  # noqa: E731
