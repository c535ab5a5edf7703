"""Tests for htaf_theory.tails: Theorem 3.2 quantities, tail bounds, SS comparison."""
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from htaf_theory import tails
from htaf_theory.core import htaf_grad, scaled_sigmoid_grad
from htaf_theory.precise import tail_constant_mp


@given(st.floats(1e-3, 700), st.floats(1e-3, 1e3))
def test_tail_constant_matches_mpmath(a, b):
    assert tails.tail_constant(a, b) == pytest.approx(float(tail_constant_mp(a, b)), rel=1e-12)


def test_tail_constant_log_form_for_huge_a():
    assert tails.tail_constant(1e4, 1.0) == 0.0  # underflows; its log does not
    assert np.isfinite(tails.log_tail_constant(1e4, 1.0))


@given(st.floats(0.0, 50.0), st.floats(0.05, 50), st.floats(0.05, 20))
def test_tail_ratio_within_bounds(x, a, b):
    r = tails.tail_ratio(x, a, b)
    lo, hi = tails.tail_ratio_bounds(x, a, b)
    assert lo * (1 - 1e-11) <= r <= hi * (1 + 1e-11)


def test_tail_ratio_tends_to_one():
    a, b = 11.0, 2.0
    for x in (5.0, 10.0, 100.0):
        assert tails.tail_ratio(x, a, b) == pytest.approx(1.0, abs=1e-3)
    assert tails.tail_ratio(np.inf, a, b) == 1.0


def test_slope_and_rate():
    assert tails.slope_at_zero(8.0, 2.75) == pytest.approx(htaf_grad(0.0, 8.0, 2.75), rel=1e-14)
    assert tails.tail_rate(8.0, 2.75) == 5.5


@pytest.mark.parametrize("a, b, limit", [(11.0, 2.0, np.inf), (8.0, 2.75, np.inf), (2.0, 11.0, 1 / math.cosh(1.0) ** 2),
                                          (1.0, 22.0, 0.0)])
def test_ss_ratio_heavier_iff_a_above_2(a, b, limit):
    far = tails.ss_tail_ratio(5.0, a, b)
    assert (far > 1.0) == (a > 2)
    assert tails.ss_tail_ratio(np.inf, a, b) == pytest.approx(limit)


@given(st.floats(0.0, 5.0), st.floats(0.1, 30), st.floats(0.1, 10))
def test_ss_ratio_is_grad_quotient(x, a, b):
    h, s = htaf_grad(x, a, b), scaled_sigmoid_grad(x, a * b)
    assume(h > 1e-290 and s > 1e-290)          # the quotient of two floats needs both normal
    assert tails.ss_tail_ratio(x, a, b) == pytest.approx(h / s, rel=1e-12)


def test_ss_ratio_no_nan_at_extremes():
    x = np.array([0.0, 1e3, 1e300, np.inf, -np.inf])
    for a in (1.0, 2.0, 50.0):
        r = tails.ss_tail_ratio(x, a, 1.0)
        assert not np.any(np.isnan(r))
    assert tails.ss_tail_ratio(np.inf, 2.0, 1.0) == pytest.approx(1 / math.cosh(1.0) ** 2)


def test_tail_onset():
    assert tails.tail_onset(11.0, 2.0) == pytest.approx(math.log(22) / 4)


def test_ss_tail_ratio_is_never_nan_at_extreme_gains():
    # a b may under- or overflow although a b x does not; b|x| may overflow: the docstring promises no nan
    import itertools
    xs = [0.0, 1e-300, -1e-300, 1.0, 1e16, -1e16, 1e300, np.inf, -np.inf]
    gains = [1e-300, 1e-8, 1.0, 1e8, 1e160, 1e300]
    for x, a, b in itertools.product(xs, gains, gains):
        assert not np.isnan(tails.log_ss_tail_ratio(x, a, b)), (x, a, b)
        assert not np.isnan(tails.ss_tail_ratio(x, a, b)), (x, a, b)
    assert np.isnan(tails.log_ss_tail_ratio(np.nan, 3.0, 2.0))
