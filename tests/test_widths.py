"""Tests for htaf_theory.widths: every width from its one definition, checked against mpmath, with wrong variants."""
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from htaf_theory import widths as W
from htaf_theory.core import STE_SURROGATES, htaf_grad, scaled_sigmoid_grad, ste_surrogate_grad
from htaf_theory.params import min_b
from htaf_theory.validation import InvalidParameterError


def _mp_hwhm(f, hi=50):
    """The HWHM of f at 40 digits, by mpmath's root finder (an independent route)."""
    with mp.workdps(40):
        peak = f(mp.mpf(0))
        return mp.findroot(lambda x: f(x) - peak / 2, (mp.mpf("1e-6"), mp.mpf(hi)), solver="anderson")


@pytest.mark.parametrize("a, b", [(5.0, 1.0), (10.0, 0.2234), (30.0, 0.74), (2.5, 3.0), (500.0, 0.05)])
def test_htaf_hwhm_matches_mpmath(a, b):
    with mp.workdps(40):
        f = lambda x: mp.mpf(a) * b * mp.sech(b * x) ** 2 / (4 * mp.cosh(a * mp.tanh(b * x) / 2) ** 2)
        ref = _mp_hwhm(f, hi=20 / b)
    w = W.htaf_width(a, b)
    assert w.peak == pytest.approx(a * b / 4, rel=1e-14)
    assert w.hwhm == pytest.approx(float(ref), rel=1e-12)


@pytest.mark.parametrize("surrogate, unit", [("sigmoid", 2 * math.acosh(math.sqrt(2))), ("tanh", math.acosh(math.sqrt(2))),
                                             ("rect", 0.5)])
def test_ste_hwhm_is_the_closed_form(surrogate, unit):
    # the closed forms are the test's, not the module's: the module only finds roots of core's functions
    for k in (0.5, 1.0, 4.0, 10.0):
        assert W.ste_width(surrogate, k).hwhm == pytest.approx(unit / k, rel=1e-12)


def test_a_wrong_width_variant_is_rejected():
    # HWHM taken as the slope's reciprocal (a common shortcut) is off by 76% for the sigmoid: the check sees it
    assert W.ste_width("sigmoid", 1.0).hwhm != pytest.approx(1.0, rel=1e-3)
    # a sigmoid of slope a b has HTAF's peak but not its HWHM at small a: the matched sigmoid is not "slope a b"
    k, c = W.matched_sigmoid_params(5.0, 1.0)
    assert abs(k - 5.0) / 5.0 > 0.05 and c != pytest.approx(1.0, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(2.3, 1e4), width=st.floats(1e-3, 1e3))
def test_inverses_round_trip(a, width):
    b = W.htaf_b_for_width(a, width)
    assert W.htaf_width(a, b).hwhm == pytest.approx(width, rel=1e-10)
    for s in STE_SURROGATES:
        assert W.ste_width(s, W.ste_slope_for_width(s, width)).hwhm == pytest.approx(width, rel=1e-10)
    assert W.ss_width(W.ss_gamma_for_width(width)).hwhm == pytest.approx(width, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(2.3, 1e3), b=st.floats(1e-2, 1e2))
def test_the_matched_sigmoid_has_htafs_peak_and_hwhm(a, b):
    k, c = W.matched_sigmoid_params(a, b)
    target = W.htaf_width(a, b)
    grad = lambda x: c * float(scaled_sigmoid_grad(x, k))
    assert grad(0.0) == pytest.approx(target.peak, rel=1e-12)
    assert grad(target.hwhm) == pytest.approx(target.peak / 2, rel=1e-9)


def test_the_tail_is_heavier_than_the_matched_sigmoid_for_a_above_2():
    a, b = 10.0, float(min_b(10.0, 0.1, 1.0))
    k, c = W.matched_sigmoid_params(a, b)
    x = np.array([3.0, 4.0, 6.0])
    assert np.all(htaf_grad(x, a, b) > c * scaled_sigmoid_grad(x, k))


def test_htaf_for_ste_and_frontier_delta():
    b = W.htaf_for_ste("tanh", 2.0, 10.0)
    assert W.htaf_width(10.0, b).hwhm == pytest.approx(W.ste_width("tanh", 2.0).hwhm, rel=1e-12)
    assert W.frontier_delta(10.0, float(min_b(10.0, 0.1, 0.3))) == pytest.approx(0.3, rel=1e-12)
    with pytest.raises(InvalidParameterError, match="a must exceed"):
        W.frontier_delta(2.0, 1.0)


@pytest.mark.parametrize("call", [lambda: W.htaf_width(-1, 1), lambda: W.htaf_width(1, float("nan")),
                                  lambda: W.ste_width("relu", 1), lambda: W.ste_width("tanh", 0),
                                  lambda: W.htaf_b_for_width(5, float("inf")), lambda: W.width_ladder(3, 1),
                                  lambda: W.width_ladder(rungs=1)])
def test_bad_input_is_refused_by_name(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_ste_surrogate_grad_is_what_the_torch_backward_computes():
    torch = pytest.importorskip("torch")
    from htaf_theory.nn import heaviside_ste
    x = np.linspace(-3, 3, 601)
    for s in STE_SURROGATES:
        for k in (0.7, 4.0):
            t = torch.tensor(x, requires_grad=True)
            heaviside_ste(t, s, k).sum().backward()
            ref = ste_surrogate_grad(x, s, k)
            edge = np.isclose(np.abs(k * x), 0.5)          # the rect's jump: either side is right at the point
            np.testing.assert_allclose(t.grad.numpy()[~edge], ref[~edge], rtol=1e-12, atol=1e-300)
