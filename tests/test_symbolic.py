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
