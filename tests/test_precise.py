"""Tests for htaf_theory.precise: mpmath references agree at doubled precision, arb balls enclose."""
import mpmath
import pytest

from htaf_theory import precise


@pytest.mark.parametrize("x, a, b", [(0.3, 11.0, 2.0), (-5.0, 2.0, 11.0), (1e3, 1e6, 1e-3), (1e-300, 1e-3, 1e6)])
def test_references_stable_under_doubled_precision(x, a, b):
    for f in (precise.htaf_mp, precise.htaf_complement_mp, precise.htaf_grad_mp, precise.htaf_grad2_mp):
        lo, hi = f(x, a, b, dps=50), f(x, a, b, dps=100)
        with mpmath.workdps(100):
            assert abs(lo - hi) <= abs(hi) * mpmath.mpf(10) ** -45 + mpmath.mpf(10) ** -3000


def test_arb_encloses_mpmath():
    from flint import arb
    for x, a, b in [(0.3, 11.0, 2.0), (-0.7, 2.0, 11.0), (2.0, 5.0, 4.0)]:
        ball = precise.htaf_grad_arb(arb(x), arb(a), arb(b))
        ref = precise.htaf_grad_mp(x, a, b, dps=40)
        assert ball.contains(arb(mpmath.nstr(ref, 35)))
        assert precise.htaf_arb(arb(x), arb(a), arb(b)).contains(arb(mpmath.nstr(precise.htaf_mp(x, a, b, dps=40), 35)))
