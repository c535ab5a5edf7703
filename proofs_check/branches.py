"""Kinks of a statement (Abs, Min, Max) as fixed branches, so the certifier can differentiate it.

|g| is continuous but not differentiable where g = 0, and the certifier's monotonicity, mean-value and
tight-face rules need derivatives. The margin m is therefore rewritten once, exactly: Min and Max into
Abs (min(p, q) = (p + q - |p - q|) / 2), then every Abs(g), innermost first, into s * g with a new
symbol s (``split_kinks``). On a region where each g has one sign (s = +1 where g >= 0, s = -1 where
g <= 0, decided from rigorous bounds of g, inner kinks first), m equals the branch m_s with those
values of s, and m_s has no kink: its derivatives are the ones sympy forms, and the rules apply to it
with the same s in every term evaluated for that region. Where some g changes sign inside a region,
no branch is fixed and only the plain enclosure of m (Abs evaluated as an interval) can decide it.

>>> import sympy as sp
>>> x = sp.Symbol("x")
>>> m_s, kinks = split_kinks(without_min_max(x**2 - sp.Abs(sp.log(1 + x) - x)))
>>> m_s, [g for _, g in kinks]
(-_s0*(x - log(x + 1)) + x**2, [x - log(x + 1)])
"""
from __future__ import annotations

import sympy as sp

__all__ = ["without_min_max", "split_kinks"]


def _pairwise(args, pick: int):
    """min (pick = -1) or max (pick = +1) of ``args`` with Abs: exact for reals."""
    out = args[0]
    for a in args[1:]:
        out = (out + a + pick * sp.Abs(out - a)) / 2
    return out


def without_min_max(expr):
    """``expr`` with every Min and Max written with Abs (exact for real arguments), innermost first."""
    return expr.replace(lambda e: isinstance(e, (sp.Min, sp.Max)),
                        lambda e: _pairwise(list(e.args), -1 if isinstance(e, sp.Min) else 1))


def split_kinks(expr):
    """``(expr_s, kinks)``: ``expr`` with each Abs(g) replaced by s_i * g_i, innermost first.

    ``kinks`` lists ``(s_i, g_i)`` in that order; g_i is the argument with the inner kinks already replaced, so it
    depends only on the s_j of earlier entries. The symbols s_i are fresh Dummies named ``_s0``, ``_s1``, ...
    """
    kinks: list = []
    cache: dict = {}

    def rebuild(e):
        if e.is_Atom:
            return e
        if e in cache:
            return cache[e]
        args = [rebuild(a) for a in e.args]
        if isinstance(e, sp.Abs):
            s = sp.Dummy(f"s{len(kinks)}")
            kinks.append((s, args[0]))
            out = s * args[0]
        else:
            out = e.func(*args) if args != list(e.args) else e
        cache[e] = out
        return out
    return rebuild(sp.sympify(expr)), kinks
