"""Tests for htaf_theory.precise: mpmath references agree at doubled precision, arb balls enclose."""
import mpmath
import pytest

from htaf_theory import precise
from htaf_theory.validation import InvalidParameterError

mp = mpmath.mp


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


def test_references_honour_the_callers_precision():
    # at 120 digits the result carries 120 digits (it was cut to 50 before), and is rounded to them
    with mp.workdps(120):
        ambient = precise.htaf_mp(1, 10, 2)
        explicit = precise.htaf_mp(1, 10, 2, dps=200)
        assert abs(ambient - explicit) < mp.mpf(10) ** -118
        assert ambient.context.prec == mp.prec
    with mp.workdps(30):
        short = precise.min_b_mp(10, 0.1, 0.1)
    with mp.workdps(120):
        assert abs(short - precise.min_b_mp(10, 0.1, 0.1)) < mp.mpf(10) ** -28
        assert abs(short - precise.min_b_mp(10, 0.1, 0.1)) > mp.mpf(10) ** -60     # rounded to the caller's 30 digits


@pytest.mark.parametrize("call, match", [
    (lambda: precise.min_b_mp(1.0, 0.1, 0.1), "a must exceed min_a"),
    (lambda: precise.htaf_mp(1, -1, 2), "a must be a finite number > 0"),
    (lambda: precise.htaf_mp(1, 1, "2"), "b must be a real number"),
    (lambda: precise.min_a_mp(0.7), "eps must lie in"),
    (lambda: precise.htaf_mp(1, 1, 2, dps=0), "dps must be an integer"),
])
def test_references_refuse_what_has_no_real_value(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


def test_arb_functions_take_plain_numbers():
    pytest.importorskip("flint")
    from flint import arb
    assert precise.htaf_arb(1, 10, 2).overlaps(arb(str(precise.htaf_mp(1, 10, 2, dps=40))))
    with pytest.raises(InvalidParameterError, match="x must be an arb ball"):
        precise.htaf_arb(None, 10, 2)


@pytest.mark.parametrize("a, b", [(1e-30, 1.0), (1e-10, 3.0), (1e60, 1.0), (1e200, 0.5)])
def test_tail_rate_is_2b_at_extreme_gains(a, b):
    assert float(precise.tail_rate_mp(a, b)) == pytest.approx(2 * b, rel=1e-12)


@pytest.mark.parametrize("x, a, b", [(200.0, 1e80, 1.0), (400.0, 1e150, 1.0), (50.0, 1e20, 2.0)])
def test_tail_ratio_does_not_depend_on_the_precision_at_huge_gains(x, a, b):
    low, high = precise.tail_ratio_mp(x, a, b), precise.tail_ratio_mp(x, a, b, dps=600)
    assert float(low) == pytest.approx(float(high), rel=1e-12) and float(high) == pytest.approx(1.0, rel=1e-9)


def test_one_working_precision_per_public_call_not_guard_digits_per_level():
    from mpmath import mp, mpf

    from htaf_theory import precise

    @precise._honours_precision
    def probe(dps=None):
        return mpf(mp.dps)

    @precise._honours_precision
    def outer(dps=None):
        return probe(dps=dps)

    @precise._honours_precision
    def failing(dps=None):
        raise ZeroDivisionError
    assert int(probe(dps=30)) == 30 + precise.GUARD_DIGITS          # a public call adds the guard digits once
    assert int(outer(dps=30)) == 30 + precise.GUARD_DIGITS          # a nested call does not add them again
    with pytest.raises(ZeroDivisionError):
        failing(dps=30)
    assert int(probe(dps=30)) == 30 + precise.GUARD_DIGITS          # an exception leaves no nesting behind
