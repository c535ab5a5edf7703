"""Tests for htaf_theory.symbolic: sympy derivations match the closed forms."""
import sympy as sp

from htaf_theory import symbolic

a, b, x = symbolic.a_pos, symbolic.b_pos, symbolic.x


def test_slope_at_zero():
    assert sp.simplify(symbolic.slope_at_zero_expr() - a * b / 4) == 0


def test_gradient_closed_form():
    t = sp.tanh(b * x)
    sig = lambda z: 1 / (1 + sp.exp(-z))  # noqa: E731
    closed = a * b * sig(a * t) * sig(-a * t) * sp.sech(b * x) ** 2
    diff = symbolic.htaf_grad_expr() - closed
    R = sp.Rational
    for xv, av, bv in [(R(3, 10), 2, 3), (R(-11, 10), 11, 2), (2, R(1, 2), R(7, 10))]:
        assert abs(float(diff.subs({x: xv, a: av, b: bv}).evalf(30))) < 1e-25


def test_tail_limit_and_exponent():
    assert sp.simplify(symbolic.tail_limit_expr() - a * b * sp.sech(a / 2) ** 2) == 0
    assert sp.expand(symbolic.ss_exponent_expr() - (a - 2) * b) == 0


def test_min_b_solves_the_equation():
    eps, delta = symbolic.eps, symbolic.delta
    b_min = symbolic.min_b_expr()
    err = 1 / (1 + sp.exp(a * sp.tanh(b_min * delta)))
    for av, ev, dv in [(10, sp.Rational(1, 10), sp.Rational(1, 10)), (3, sp.Rational(2, 5), 2)]:
        assert abs(float((err - eps).subs({a: av, eps: ev, delta: dv}).evalf(40))) < 1e-30


# ---- the sympy definitions the certificates use are the functions the library computes ----------

import mpmath  # noqa: E402
import pytest  # noqa: E402

from htaf_theory import core, params, precise, tails  # noqa: E402

_SAMPLES = [(0.3, 11.0, 2.0), (-1.1, 2.0, 11.0), (2.0, 0.5, 0.7), (0.05, 300.0, 4.0), (4.0, 4.6, 0.2)]


def _at(expr, **values):
    """expr evaluated by mpmath at 50 digits, the float inputs taken exactly."""
    subs = {sym: sp.Float(values[name], 60) for name, sym in
            (("x", symbolic.x), ("a", a), ("b", b), ("eps", symbolic.eps), ("delta", symbolic.delta)) if name in values}
    with mpmath.workdps(50):
        return mpmath.mpf(str(sp.N(expr.subs(subs), 50)))


@pytest.mark.parametrize("xv, av, bv", _SAMPLES)
def test_sympy_definitions_match_the_float_library(xv, av, bv):
    mpmath.mp.dps = 50          # the references honour the ambient precision (conftest resets it)
    cases = [
        (symbolic.htaf_expr(), float(core.htaf(xv, av, bv)), precise.htaf_mp(xv, av, bv)),
        (symbolic.htaf_grad_expr(), float(core.htaf_grad(xv, av, bv)), precise.htaf_grad_mp(xv, av, bv)),
        (symbolic.htaf_grad2_expr(), float(core.htaf_grad2(xv, av, bv)), precise.htaf_grad2_mp(xv, av, bv)),
        (symbolic.tail_limit_expr(), float(tails.tail_constant(av, bv)), precise.tail_constant_mp(av, bv)),
        (symbolic.slope_at_zero_expr(), float(tails.slope_at_zero(av, bv)), precise.slope_at_zero_mp(av, bv)),
    ]
    for expr, got, ref in cases:
        value = _at(expr, x=xv, a=av, b=bv)
        mpmath.mp.dps = 50
        assert abs(value - ref) <= 1e-40 * max(1, abs(ref)), (expr, value, ref)        # sympy == mpmath reference
        assert abs(got - value) <= 1e-13 * max(abs(value), 1e-300), (expr, got, value)  # float library == sympy


@pytest.mark.parametrize("av, ev, dv", [(10.0, 0.1, 0.1), (3.0, 0.4, 2.0), (20.0, 1e-6, 1e-3), (14.0, 1e-6, 5.0)])
def test_sympy_min_b_matches_params(av, ev, dv):
    mpmath.mp.dps = 50
    value = _at(symbolic.min_b_expr(), a=av, eps=ev, delta=dv)
    assert abs(float(params.min_b(av, ev, dv)) - value) <= 1e-13 * value
    assert abs(value - precise.min_b_mp(av, ev, dv)) <= 1e-40 * value
