"""Symbolic derivations in sympy (paper Sec. 3.2, Prop 3.1, Thm 3.2, App. A).

Each function returns a sympy expression or a boolean proof obligation that sympy
discharges; ``derivations()`` collects them for docs/theory.md and the claim checks.
"""
from __future__ import annotations

import sympy as sp

__all__ = ["symbols", "htaf_expr", "htaf_grad_expr", "htaf_grad2_expr", "slope_at_zero_expr",
           "tail_limit_expr", "scaled_sigmoid_grad_expr", "ss_exponent_expr", "min_b_expr", "derivations"]

x, a, b, eps, delta, t, u, s = sp.symbols("x a b epsilon delta t u s", real=True)
a_pos, b_pos = sp.symbols("a b", positive=True)


def symbols():
    """The symbols used: x, a, b (positive where it matters), eps, delta."""
    return {"x": x, "a": a_pos, "b": b_pos, "eps": eps, "delta": delta}


def _sigma(z):
    return 1 / (1 + sp.exp(-z))


def htaf_expr(a=a_pos, b=b_pos, x=x):
    """h(x) = 1/(1 + exp(-a tanh(b x)))."""
    return _sigma(a * sp.tanh(b * x))


def htaf_grad_expr():
    """h'(x), differentiated by sympy."""
    return sp.diff(htaf_expr(), x)


def htaf_grad2_expr():
    """h''(x), differentiated by sympy."""
    return sp.diff(htaf_expr(), x, 2)


def slope_at_zero_expr():
    """h'(0), simplified: a b / 4.

    >>> slope_at_zero_expr()
    a*b/4
    """
    return sp.simplify(htaf_grad_expr().subs(x, 0))


def tail_limit_expr():
    """lim_{x->inf} h'(x) e^{2bx}, via the exact substitution w = e^{-2bx} (so tanh(bx) = (1-w)/(1+w),
    sech^2(bx) = 4w/(1+w)^2): h'(x) e^{2bx} = 4 a b sigma(a t) sigma(-a t) / (1+w)^2, whose limit
    at w -> 0+ is 4 a b sigma(a) sigma(-a) = a b sech^2(a/2).

    >>> sp.simplify(tail_limit_expr() - a_pos*b_pos*sp.sech(a_pos/2)**2) == 0
    True
    """
    w = sp.symbols("w", positive=True)
    tw = (1 - w) / (1 + w)
    in_w = 4 * a_pos * b_pos * _sigma(a_pos * tw) * _sigma(-a_pos * tw) / (1 + w) ** 2
    return sp.simplify(sp.limit(in_w, w, 0, "+").rewrite(sp.exp))


def scaled_sigmoid_grad_expr(gamma=None):
    """s'_gamma(x), differentiated by sympy from s_gamma(x) = sigma(gamma x); gamma = a b by default."""
    gamma = a_pos * b_pos if gamma is None else gamma
    return sp.diff(_sigma(gamma * x), x)


def ss_exponent_expr():
    """The exponent k of h'(x)/s'_{ab}(x) ~ const e^{k x}, derived from the two derivatives themselves:
    k = lim_{x->inf} d/dx log h'(x) - lim_{x->inf} d/dx log s'_{ab}(x) (sympy limits).

    >>> ss_exponent_expr()
    b*(a - 2)
    """
    xp = sp.Symbol("x", positive=True)
    slope_h = sp.limit(sp.diff(sp.log(htaf_grad_expr()), x).subs(x, xp), xp, sp.oo)
    slope_s = sp.limit(sp.diff(sp.log(scaled_sigmoid_grad_expr()), x).subs(x, xp), xp, sp.oo)
    return sp.factor(sp.simplify(slope_h - slope_s))


def min_b_expr():
    """Solve sigma(-a tanh(b delta)) = eps for b: artanh(L/a)/delta with L = log((1-eps)/eps)."""
    L = sp.log((1 - eps) / eps)
    return sp.atanh(L / a_pos) / delta


def derivations() -> dict[str, sp.Basic]:
    """The derivations quoted in docs/theory.md, keyed by name."""
    return {
        "h": htaf_expr(),
        "h'": sp.simplify(htaf_grad_expr()),
        "h'(0)": slope_at_zero_expr(),
        "lim h'(x) e^(2bx)": tail_limit_expr(),
        "SS exponent": ss_exponent_expr(),
        "min_b": min_b_expr(),
    }
