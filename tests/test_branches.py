"""Kinks (proofs_check.branches and the engine's branch rule): Abs, Min and Max are certified branch by branch,
and a statement false because of a kink is never verified, whichever side of the kink the search meets."""
import pytest
import sympy as sp
from fractions import Fraction
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs_check.branches import split_kinks, without_min_max
from proofs_check.engine import Problem, certify, certify_parts, replay

x = sp.Symbol("x", real=True)
t = sp.Symbol("t", real=True)


def test_min_and_max_are_written_with_abs_exactly():
    for e in (sp.Min(x, 1 - x), sp.Max(x, t, 1), sp.Min(sp.Max(x, t), 2 * x)):
        plain = without_min_max(e)
        assert not plain.has(sp.Min, sp.Max)
        for xv, tv in [(-2, 3), (Fraction(1, 3), Fraction(1, 3)), (5, -1), (0, 0)]:
            values = {x: sp.Rational(xv), t: sp.Rational(tv)}
            assert sp.simplify(plain.subs(values) - e.subs(values)) == 0


def test_each_abs_becomes_a_sign_times_its_argument_innermost_first():
    branch, kinks = split_kinks(sp.Abs(sp.Abs(x) - 1) + sp.Abs(x))
    assert not branch.has(sp.Abs)
    (s0, g0), (s1, g1) = kinks
    assert g0 == x and g1 == s0 * x - 1                 # the outer argument uses the inner sign
    assert branch == s1 * (s0 * x - 1) + s0 * x         # the shared Abs(x) is one kink


def test_no_sign_where_an_argument_changes_sign_on_the_region():
    p = Problem(sp.Ge(sp.Abs(x), x / 2), {x: (-1, 1)})
    assert p.signs_on([(Fraction(-1), Fraction(1))]) is None
    assert p.signs_on([(Fraction(0), Fraction(1))]) == (1,)
    assert p.signs_on([(Fraction(-1), Fraction(0))]) == (-1,)


# statements false only because of their kink: a rule that took the wrong branch at the tight face (where the
# argument vanishes) would verify them
_FALSE = [
    ("2x - 3|x| >= 0 on [0, 1], face 0", sp.Ge(2 * x - 3 * sp.Abs(x), 0), {x: (0, 1)}, (x, "lo")),
    ("-2x - 3|x| >= 0 on [-1, 0], face 0", sp.Ge(-2 * x - 3 * sp.Abs(x), 0), {x: (-1, 0)}, (x, "hi")),
    ("|log(1+x) - x| <= x^2/3 on [0, 1], face 0", sp.Le(sp.Abs(sp.log(1 + x) - x), x**2 / 3), {x: (0, 1)}, (x, "lo")),
    ("max(x, 1 - x) >= 51/100", sp.Ge(sp.Max(x, 1 - x), sp.Rational(51, 100)), {x: (0, 1)}, None),
    ("min(x, 1 - x) <= 0 on [0, 1]", sp.Le(sp.Min(x, 1 - x), 0), {x: (0, 1)}, None),
    ("||x| - 1| >= 1/10", sp.Ge(sp.Abs(sp.Abs(x) - 1), sp.Rational(1, 10)), {x: (-2, 2)}, None),
]


@pytest.mark.parametrize("ident, ineq, box, tight", _FALSE, ids=[c[0] for c in _FALSE])
def test_a_statement_false_at_its_kink_is_never_verified(ident, ineq, box, tight):
    assert certify(ineq, box, tight=tight).outcome == "counterexample"


_TRUE = [
    ("3|x| - 2x >= 0 on [0, 1], face 0", sp.Ge(3 * sp.Abs(x) - 2 * x, 0), {x: (0, 1)}, (x, "lo"), None),
    ("3|x| - 2x >= 0 on [-1, 1]", sp.Ge(3 * sp.Abs(x) - 2 * x, 0), {x: (-1, 1)}, None, {x: 0}),
    ("|log(1+x) - x| <= x^2 on [0, 1], face 0", sp.Le(sp.Abs(sp.log(1 + x) - x), x**2), {x: (0, 1)}, (x, "lo"), None),
    ("max(x, 1 - x) >= 1/2", sp.Ge(sp.Max(x, 1 - x), sp.Rational(1, 2)), {x: (0, 1)}, None, {x: sp.Rational(1, 2)}),
    ("||x| - 1| + 2|x| >= 1", sp.Ge(sp.Abs(sp.Abs(x) - 1) + 2 * sp.Abs(x), 1), {x: (-2, 2)}, None, {x: 0}),
]


@pytest.mark.parametrize("ident, ineq, box, tight, at", _TRUE, ids=[c[0] for c in _TRUE])
def test_true_statements_with_kinks_verify_and_replay(ident, ineq, box, tight, at):
    certs = certify_parts(ineq, box, at) if at else [certify(ineq, box, tight=tight)]
    for cert in certs:
        assert cert.outcome == "verified", cert.summary()
        sub = {x: tuple(Fraction(v) for v in cert.box[0])}
        assert replay(cert, ineq, sub)


@settings(max_examples=10, deadline=None)
@given(c=st.fractions(min_value=Fraction(-2), max_value=Fraction(2), max_denominator=50))
def test_abs_against_the_exact_sign_of_the_statement(c):
    # |x - c| >= (x - c)/2 holds everywhere, with equality at its kink x = c; |x - c| >= x - c + 1/10 fails for x >= c
    kink = sp.Rational(c.numerator, c.denominator)
    parts = certify_parts(sp.Ge(sp.Abs(x - kink), (x - kink) / 2), {x: (-3, 3)}, {x: kink})
    assert [p.outcome for p in parts] == ["verified", "verified"]
    assert certify(sp.Ge(sp.Abs(x - kink), x - kink + sp.Rational(1, 10)), {x: (-3, 3)}).outcome == "counterexample"


def test_a_kink_vanishing_on_a_face_without_an_exact_binary_value_is_settled_from_the_face():
    # at x = 1/3 the rounded bounds of x - 1/3 straddle 0; its sign comes from the face (0 there) and its slope
    third = sp.Rational(1, 3)
    parts = certify_parts(sp.Ge(sp.Abs(x - third), (x - third) / 2), {x: (-1, 1)}, {x: third})
    assert [p.outcome for p in parts] == ["verified", "verified"]
    # a slope of the wrong sign gives no branch: 2(x - 1/3) - 3|x - 1/3| >= 0 is false right of 1/3
    false = certify(sp.Ge(2 * (x - third) - 3 * sp.Abs(x - third), 0), {x: (third, 1)}, tight=(x, "lo"))
    assert false.outcome == "counterexample"
