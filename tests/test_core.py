"""Tests for htaf_theory.core: accuracy against mpmath, limits, properties, bad input."""
import math

import mpmath

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from htaf_theory import core
from htaf_theory.validation import InvalidParameterError
from htaf_theory.accuracy import TABLE, measure
from htaf_theory.accuracy import library_functions as library_impl
from htaf_theory.precise import htaf_grad2_mp, log_htaf_grad_mp

pos_a = st.floats(1e-3, 1e6)
pos_b = st.floats(1e-6, 1e6)
xs = st.floats(-1e6, 1e6)


@pytest.mark.parametrize("name", [r.name for r in TABLE])
def test_accuracy_over_the_reference_table(name):
    result = measure(name)
    print(result)
    assert not result.failures, result.failures[:5]


def test_accuracy_measure_detects_a_wrong_function():
    # A gradient off by a factor 1 + 1e-10 must be flagged: the accuracy test can fail.
    real = core.htaf_grad
    impl = library_impl(htaf_grad=lambda x, a, b: real(x, a, b) * (1 + 1e-10))
    assert measure("htaf_grad", impl).failures


@pytest.mark.parametrize("x", [1e300, -1e300, 1e6, -1e6, 0.0])
@pytest.mark.parametrize("a", [1e-3, 1.0, 1e6])
@pytest.mark.parametrize("b", [1e-6, 1.0, 1e6])
def test_log_grad_finite_where_gradient_positive(x, a, b):
    value = core.log_htaf_grad(x, a, b)
    assert np.isfinite(value)
    ref = log_htaf_grad_mp(x, a, b)
    assert abs(value - float(ref)) <= 1e-13 * max(1.0, abs(float(ref)))


def test_infinite_inputs_give_limits_and_nan_propagates():
    a, b = 3.0, 2.0
    assert core.htaf(np.inf, a, b) == pytest.approx(1 / (1 + math.exp(-a)), rel=1e-15)
    assert core.htaf(-np.inf, a, b) == pytest.approx(1 / (1 + math.exp(a)), rel=1e-15)
    assert core.htaf_grad(np.inf, a, b) == 0.0 and core.htaf_grad(-np.inf, a, b) == 0.0
    assert core.log_htaf_grad(np.inf, a, b) == -np.inf
    assert core.htaf_grad2(np.inf, a, b) == 0.0
    for f in (core.htaf, core.htaf_complement, core.htaf_grad, core.htaf_grad2, core.log_htaf_grad):
        assert np.isnan(f(np.nan, a, b))
    assert np.isnan(core.heaviside(np.nan))
    assert core.scaled_sigmoid(np.inf, 2.0) == 1.0 and core.scaled_sigmoid_grad(-np.inf, 2.0) == 0.0


def test_broadcasting_shapes():
    out = core.htaf(np.zeros((3, 1)), np.array([1.0, 2.0]), 1.0)
    assert out.shape == (3, 2)
    assert isinstance(core.htaf(0.0, 1.0, 1.0), np.floating)


@given(xs, pos_a, pos_b)
@example(1e6, 1e6, 1e6)
@example(-1e-300, 1e-3, 1e-6)
def test_symmetry(x, a, b):
    assert core.htaf(-x, a, b) == core.htaf_complement(x, a, b)
    assert core.log_htaf_grad(-x, a, b) == core.log_htaf_grad(x, a, b)
    assert core.htaf_grad2(-x, a, b) == -core.htaf_grad2(x, a, b)


@given(xs, xs, pos_a, pos_b)
def test_monotone_in_x(x1, x2, a, b):
    lo, hi = min(x1, x2), max(x1, x2)
    assert core.htaf(lo, a, b) <= core.htaf(hi, a, b)
    # h' decreases in |x|; the float64 log may wobble by a few ulps where the true change is smaller
    near, far = core.log_htaf_grad(abs(lo), a, b), core.log_htaf_grad(abs(lo) + (hi - lo), a, b)
    assert near >= far - 8 * np.spacing(abs(near))


@given(st.floats(-50, 50), st.floats(0.01, 100), st.floats(0.01, 100))
def test_second_derivative_against_mpmath(x, a, b):
    ref = float(htaf_grad2_mp(x, a, b))
    got = core.htaf_grad2(x, a, b)
    assert got == pytest.approx(ref, rel=1e-11, abs=1e-300)


def test_heaviside_convention():
    assert core.heaviside(0.0) == 1.0
    assert core.heaviside(-0.0) == 1.0
    assert core.heaviside(-1e-300) == 0.0


def test_scaled_sigmoid_grad_matches_formula():
    g = 22.0
    x = np.linspace(-2, 2, 41)
    # s(x) s(-x), not s (1 - s): 1 - s cancels for large positive x
    np.testing.assert_allclose(core.scaled_sigmoid_grad(x, g), g * core.scaled_sigmoid(x, g) * core.scaled_sigmoid(-x, g),
                               rtol=1e-13)


@pytest.mark.parametrize("bad", [0.0, -1.0, np.inf, np.nan, "x"])
@pytest.mark.parametrize("param", ["a", "b"])
def test_bad_parameters_name_the_parameter(param, bad):
    kwargs = {"x": 0.5, "a": 2.0, "b": 2.0, param: bad}
    with pytest.raises(ValueError, match=rf"^{param} must"):
        core.htaf(**kwargs)


def test_bad_gamma():
    with pytest.raises(ValueError, match=r"gamma must lie in the open interval \(0, inf\); got gamma=-1.0"):
        core.scaled_sigmoid(0.0, -1.0)


@pytest.mark.parametrize("bad, why", [
    (None, "None"), ([1.0, None], "None"), (10**400, "float64 range"), (np.array([1 + 2j]), "complex"),
    ([1.0, 2j], "complex"), ("abc", "text"), (object(), "float64"),
])
@pytest.mark.parametrize("fn", [core.htaf, core.htaf_grad, core.log_htaf_grad, core.htaf_grad2])
def test_inputs_that_are_not_real_numbers_are_refused_by_name(fn, bad, why):
    with pytest.raises(ValueError, match=f"x must be a real number.*{why}"):
        fn(bad, 10.0, 2.0)


def test_extreme_but_valid_inputs_give_the_right_answers():
    from htaf_theory import params, tails
    assert float(core.htaf_grad2(0.0, 1e160, 1e160)) == 0.0
    assert abs(float(params.min_a(1e-320)) - 736.8272408909739) < 1e-12
    assert float(tails.tail_ratio(1e16, 11.0, 2.0)) == 1.0
    assert np.isfinite(tails.tail_constant(1e308, 1.0))


@pytest.mark.parametrize("x, a, b", [(700.0, 1e20, 1e-20), (200.0, 1e300, 1e-300), (-350.0, 1e10, 1e-10),
                                     (1e-30, 7.03, 3.24), (1e-300, 2.0, 11.0), (40.0, 7.0, 3.0), (3e-310, 7.0, 3.0)])
def test_second_derivative_where_h_prime_times_b_underflows(x, a, b):
    # h' b underflows or x is tiny, yet h'' is a float64: the log-space path returns it (not 0)
    with mpmath.workdps(400):
        ref = float(htaf_grad2_mp(x, a, b, dps=400))
    got = float(core.htaf_grad2(x, a, b))
    assert ref != 0.0
    tol = 1e-12 if abs(ref) > 1e-300 else 1e-3          # a subnormal result has few significant bits
    assert got == pytest.approx(ref, rel=tol), (x, a, b, got, ref)


def test_second_derivative_at_the_smallest_subnormal():
    # 5e-324 itself: b x would round (12% off); h'' keeps x, so only the subnormal result's spacing limits it
    with mpmath.workdps(400):
        ref = float(htaf_grad2_mp(5e-324, 7.03, 3.24, dps=400))
    assert float(core.htaf_grad2(5e-324, 7.03, 3.24)) == pytest.approx(ref, rel=1e-3)


@pytest.mark.parametrize("value, why", [(np.array([True, False]), "truth values"), (True, "truth values"),
                                        (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates and durations"),
                                        (np.ma.masked_array([1.0, 2.0], mask=[0, 1]), "masked array")])
def test_truth_values_dates_and_masked_arrays_are_not_numbers(value, why):
    with pytest.raises(InvalidParameterError, match=why):
        core.htaf(value, 5.0, 1.0)
