"""Tests for htaf_theory.params: Proposition 3.1 helpers, select, table6, bad input."""
import math

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from htaf_theory import params
from htaf_theory.core import htaf, htaf_complement
from htaf_theory.precise import approx_error_mp, min_b_mp

eps_st = st.floats(1e-6, 0.49)
delta_st = st.floats(1e-3, 10.0)
factor_st = st.floats(1e-6, 1e4)  # a = min_a(eps) * (1 + factor)


def test_min_a_and_paper_constants():
    assert params.min_a(0.1) == pytest.approx(math.log(9), rel=1e-15)
    assert params.binarity_min_a() == pytest.approx(math.log(99), rel=1e-15)
    assert params.min_b(10.0, 0.1, 0.1) == pytest.approx(2.2336446918689865, rel=1e-14)


@given(eps_st, delta_st, factor_st)
@example(1e-6, 1e-3, 1e-6)
@example(0.49, 10.0, 1e4)
def test_sharpness(eps, delta, factor):
    a = params.min_a(eps) * (1 + factor)
    b = params.min_b(a, eps, delta)
    assert params.approx_error(a, b, delta) == pytest.approx(eps, rel=1e-12 / min(1.0, factor) + 1e-12)


@given(eps_st, delta_st, factor_st)
def test_min_b_against_mpmath(eps, delta, factor):
    a = float(params.min_a(eps) * (1 + factor))
    assume(a > params.min_a(eps))
    ref = float(min_b_mp(a, eps, delta, dps=60))
    # artanh(L/a) has condition number ~ 1/factor as a -> L: the input a itself carries that
    assert params.min_b(a, eps, delta) == pytest.approx(ref, rel=1e-13 * (1 + 1 / factor))


@given(eps_st, delta_st, factor_st, st.floats(1.0001, 10))
def test_min_b_decreasing_in_a_and_delta(eps, delta, factor, scale):
    a = params.min_a(eps) * (1 + factor)
    assert params.min_b(a * scale, eps, delta) < params.min_b(a, eps, delta)
    assert params.min_b(a, eps, delta * scale) < params.min_b(a, eps, delta)
    # a * min_b(a) decreases towards min_a/delta from above
    ab1, ab2 = a * params.min_b(a, eps, delta), a * scale * params.min_b(a * scale, eps, delta)
    limit = params.min_a(eps) / delta
    assert limit < ab2 <= ab1 * (1 + 1e-12)


@given(eps_st, delta_st, factor_st, st.floats(1.0, 1e3))
def test_approx_error_is_the_sup_outside_delta(eps, delta, factor, stretch):
    a = params.min_a(eps) * (1 + factor)
    b = params.min_b(a, eps, delta)
    err = params.approx_error(a, b, delta)
    # the sup is attained at |x| = delta and |h - H| only shrinks further out
    assert htaf_complement(delta, a, b) == pytest.approx(err, rel=1e-12)
    assert htaf_complement(delta * stretch, a, b) <= err * (1 + 1e-12)
    assert htaf(-delta * stretch, a, b) <= err * (1 + 1e-12)


@given(eps_st, st.floats(0.01, 100), st.floats(0.01, 100))
def test_transition_width_inverts_approx_error(eps, a, b):
    width = params.transition_width(a, b, eps)
    if a <= params.min_a(eps):
        assert width == np.inf
    else:
        assert params.approx_error(a, b, width) == pytest.approx(eps, rel=1e-9)


def test_table6_digit_for_digit():
    rows = params.table6()
    assert [r.b_rounded_up for r in rows] == [4.72, 2.24, 1.11, 0.74, 0.55, 0.44, 0.22, 0.05, 0.022, 0.005]
    assert all(r.b_rounded_up == r.b_paper for r in rows)
    exact = [4.7154, 2.2336, 1.1031, 0.7337, 0.5499, 0.4397, 0.2198, 0.0439, 0.02197, 0.004394]
    for r, e in zip(rows, exact):
        assert r.b_exact == pytest.approx(e, rel=2e-3)  # NOTES.md prints 3-5 digits
        assert r.b_rounded_up >= r.b_exact  # rounding up keeps the printed b admissible


def test_select_with_a():
    p = params.select(0.1, 0.1, a=10.0)
    assert p.b == pytest.approx(2.2336446918689865, rel=1e-14)
    assert p.approx_error <= 0.1
    assert p.slope_at_zero == pytest.approx(10 * p.b / 4)
    assert p.tail_rate == 2 * p.b


@pytest.mark.parametrize("radius", [0.2, 1.0, 5.0, 100.0])
def test_select_radius_is_admissible_and_locally_optimal(radius):
    from htaf_theory.core import log_htaf_grad
    p = params.select(0.1, 0.1, radius=radius)
    assert p.approx_error <= 0.1
    assert np.isfinite(p.log_grad_at_radius)
    for scale in (0.97, 1.03):
        a = p.a * scale
        if a <= params.min_a(0.1):
            continue
        for bscale in (1.0, 1.05):
            b = params.min_b(a, 0.1, 0.1) * bscale
            assert log_htaf_grad(radius, a, b) <= p.log_grad_at_radius + 1e-9


def test_select_radius_where_gradient_underflows():
    p = params.select(0.1, 0.1, radius=1e4)  # the best h'(1e4) is ~ e^-1321, far below float64
    assert p.log_grad_at_radius < -745 and np.isfinite(p.log_grad_at_radius)


def test_select_default_rule():
    p = params.select(0.1, 0.1)
    q = params.select(0.1, 0.1, radius=1.0)
    assert (p.a, p.b) == (q.a, q.b)
    assert p.a > params.binarity_min_a() and p.a > 2
    assert "default" in p.rule


@pytest.mark.parametrize("call, match", [
    (lambda: params.min_a(0.5), r"eps must lie in the open interval \(0, 0.5\); got eps=0.5"),
    (lambda: params.min_a(0.0), r"eps must lie"),
    (lambda: params.min_a(np.nan), r"eps must lie"),
    (lambda: params.min_b(2.0, 0.1, 0.1), r"a must exceed min_a\(eps\) = .*2.19722.*got a=2.0"),
    (lambda: params.min_b(10.0, 0.1, -1.0), r"delta must lie in the open interval \(0, inf\); got delta=-1.0"),
    (lambda: params.min_b(np.inf, 0.1, 0.1), r"a must lie"),
    (lambda: params.approx_error(1.0, 0.0, 0.1), r"b must lie"),
    (lambda: params.select(0.1, 0.1, radius=0.05), r"radius must exceed delta"),
    (lambda: params.select(0.1, 0.1, a=1.0, radius=1.0), r"at most one of a and radius"),
    (lambda: params.select(0.1, 0.1, a=1.0), r"a must exceed min_a"),
])
def test_bad_input_messages(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_approx_error_matches_mpmath():
    assert params.approx_error(10.0, 2.0, 0.1) == pytest.approx(float(approx_error_mp(10.0, 2.0, 0.1)), rel=1e-15)


@pytest.mark.parametrize("eps", [1e-12, 1e-6, 1e-3, 0.1, 0.49])
@pytest.mark.parametrize("r", [1e-15, 1e-12, 1e-9, 1e-6, 1.0, 1e6])
@pytest.mark.parametrize("delta", [1e-3, 10.0])
def test_select_near_min_a_is_admissible_or_refused(eps, r, delta):
    # a hair above min_a a one-ulp-at-a-time search for b would take ~1e9 steps: the search is bounded
    a = float(params.min_a(eps)) * (1 + r)
    try:
        p = params.select(eps, delta, a=a)
    except ValueError as err:
        assert "too close to min_a" in str(err) or "must exceed" in str(err)
        return
    assert p.approx_error <= eps
    assert p.b >= float(min_b_mp(a, eps, delta)) * (1 - 1e-12)       # the exact min_b: the float one may be high


@pytest.mark.parametrize("eps", [1e-300, 0.1, 0.49])
@pytest.mark.parametrize("delta", [1e-300, 1e-3, 1e300])
@pytest.mark.parametrize("ratio", [1.0001, 10.0, 1e4])
def test_select_by_radius_at_extreme_scales(eps, delta, ratio):
    try:
        p = params.select(eps, delta, radius=delta * ratio)
    except ValueError as err:          # only the documented refusal: b would overflow float64
        assert "overflows float64" in str(err)
        return
    assert p.approx_error <= eps and math.isfinite(p.b) and math.isfinite(p.log_grad_at_radius)


# ---- select's promise holds in exact arithmetic, and every search ends ------------------------------------

@given(eps_st, st.floats(1e-300, 1e300), st.floats(1e-9, 1e9))
@example(0.1, 1e308, 9.0)          # min_b subnormal: the old float search stepped by b * 2^-52 = 0 and never ended
@example(0.1, 1e300, 1e10 / 2.197224577336219)
@example(0.1, 1e-308, 3.0 / 2.197224577336219)   # min_b near overflow
def test_select_keeps_its_promise_exactly(eps, delta, factor):
    a = float(params.min_a(eps)) * (1 + factor)
    try:
        p = params.select(eps, delta, a=a)
    except ValueError as err:          # refused by name only where no float b is admissible
        assert "too close to min_a" in str(err) or "overflows" in str(err), err
        return
    # the exact (mpmath, binary values of the floats) sup error, not the float64 evaluation
    assert approx_error_mp(p.a, p.b, p.delta, dps=80) <= p.eps
    assert p.approx_error <= p.eps


@pytest.mark.parametrize("eps, delta, a", [(0.1, 1e308, 10.0), (0.1, 1e300, 1e10), (0.49, 1e308, 1e300),
                                           (0.1, 1e-308, 3.0), (1e-300, 1e-300, 1e3), (0.1, 5e-324, 1e308)])
def test_select_ends_at_the_extremes_of_its_domain(eps, delta, a):
    try:
        p = params.select(eps, delta, a=a)
    except ValueError as err:
        assert "delta" in str(err) or "a=" in str(err)
        return
    assert p.b > 0 and approx_error_mp(p.a, p.b, p.delta, dps=80) <= eps


def test_a_float_only_admissibility_check_breaks_the_promise():
    # the wrong variant: accept the first b whose float64 error is <= eps; over random inputs some exact errors exceed eps
    rng = np.random.default_rng(3)
    broken = 0
    for _ in range(300):
        eps = float(rng.uniform(1e-3, 0.49))
        delta = float(10 ** rng.uniform(-3, 2))
        a = float(params.min_a(eps)) * (1 + float(10 ** rng.uniform(-4, 3)))
        b = float(params.min_b(a, eps, delta))
        while params.approx_error(a, b, delta) > eps:
            b = float(np.nextafter(b, np.inf))
        broken += approx_error_mp(a, b, delta, dps=80) > eps
    assert broken > 0


def test_cli_json_is_strict_json_at_overflow(capsys):
    import json

    from htaf_theory.cli import main
    assert main(["params", "--eps", "0.1", "--delta", "1e-308", "--a", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["slope_at_zero"] == "inf" and math.isfinite(data["b"])


@pytest.mark.parametrize("kwargs, name", [({"eps": np.array([0.1, 0.2])}, "eps"), ({"delta": np.array([0.1, 0.2])}, "delta"),
                                          ({"a": np.array([10.0, 20.0])}, "a")])
def test_select_names_an_array_argument(kwargs, name):
    args = {"eps": 0.1, "delta": 0.1, "a": 10.0} | kwargs
    with pytest.raises(ValueError, match=f"{name} must be a single number"):
        params.select(args["eps"], args["delta"], a=args["a"])


@pytest.mark.parametrize("scale", [2.24 + 3e-12, 2.24 + 1e-11, 1.11 + 2e-12])
def test_table6_rounds_up_to_an_admissible_printed_value(scale):
    d = float(params.min_b(10.0, 0.1, 1.0)) / scale
    row = params.table6(eps=0.1, delta=d, a_values=(10,))[0]
    assert row.b_rounded_up >= row.b_exact
    assert float(params.approx_error(10.0, row.b_rounded_up, d)) <= 0.1


@pytest.mark.parametrize("rel", [1e-12, 1e-10, 1e-8])
def test_select_returns_the_least_admissible_b_near_min_a(rel):
    from htaf_theory.params import _exactly_admissible
    a = float(params.min_a(0.1)) * (1 + rel)
    b = params.select(0.1, 1.0, a=a).b
    assert _exactly_admissible(a, b, 1.0, 0.1) and float(params.approx_error(a, b, 1.0)) <= 0.1
    below = float(np.nextafter(b, 0.0))        # admissible means both: exactly, and as evaluated in float64
    assert not (_exactly_admissible(a, below, 1.0, 0.1) and float(params.approx_error(a, below, 1.0)) <= 0.1)


@pytest.mark.parametrize("kwargs, match", [(dict(a_values=5), "a_values must be a sequence"),
                                           (dict(a_values=[True]), "truth value"), (dict(a_values=["5"]), "text"),
                                           (dict(a_values=()), "at least one"), (dict(delta=[0.1, 0.2]), "single number")])
def test_table6_refuses_arguments_of_the_wrong_kind_by_name(kwargs, match):
    from htaf_theory.validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match=match):
        params.table6(**kwargs)
