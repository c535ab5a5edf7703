"""The certifier's front end (proofs_check.statement, and how certify/replay use it): every input is exact,
checked against the box, or refused by name; a false statement is never "verified" through it."""
import dataclasses
import json
from fractions import Fraction

import pytest
import sympy as sp
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from htaf_theory.validation import InvalidParameterError
from proofs_check import certified
from proofs_check.arbcode import Iv, compile_arb
from proofs_check.claims import thm3_2b_max as gradmax
from proofs_check.engine import Certificate, certify, replay
from proofs_check.statement import ALLOWED_ASSUMPTIONS, exact_constants, prepare

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
# B < 1/10 < Float(0.1): true for neither reading of 0.1 at x = 1
B = sp.Rational(135085171767299206, 3**38)


# ---- the reported reproducers and more of each class: refused by name, or decided correctly -----------

@pytest.mark.parametrize("make, match", [
    (lambda: certify(sp.Symbol("y", extended_positive=True) + 10 * x >= sp.sqrt(x**2 + sp.Symbol("y", extended_positive=True)**2),
                     {x: (0, 1), "y": (-2, -1)}, tight=(x, "lo")), "extended_positive"),
    (lambda: certify(sp.Symbol("p", positive=True) > 0, {"p": (-2, -1)}), "already decided"),
    (lambda: certify(x <= 2, {"x": (0, 1), x: (5, 6)}), "twice"),
    (lambda: certify(x > 0, {x: (0, 1)}, tight=(x, "lo")), "strict"),
    (lambda: certify(2 > 1, {x: (0, 1)}), "Python evaluated it to True"),
    (lambda: certify(x >= -1, {x: (0, 10**400)}), "supported range"),
], ids=["extended_positive", "sympy-decided", "duplicate", "strict-tight", "python-bool", "huge-endpoint"])
def test_reported_inputs_are_refused_by_name(make, match):
    with pytest.raises(InvalidParameterError, match=match):
        make()


@pytest.mark.parametrize("ineq, box, tight", [
    (1 / (1 - sp.Float(1e-17) * sp.exp(-x)) <= 1 + x, {x: (0, 1)}, (x, "lo")),     # face term is -1e-17/(1-1e-17), not 0
    (B >= sp.Float(0.1) * x, {x: (0, 1)}, None),
    (sp.Ge(B + x - x**2, sp.Float(0.1) + x - x**2, evaluate=False), {x: (0, 1)}, None),  # B - 0.1 at 53 bits is > 0
    (sp.Le(sp.Float("0.1", 50) * x, sp.Rational(1, 10) * x, evaluate=False), {x: (0, 1)}, (x, "lo")),  # above 1/10
    (sp.exp(sp.Float(0.1) * x) <= 1 + x / 10, {x: (0, 1)}, (x, "lo")),
], ids=["1e-17", "B>=0.1x", "B>=0.1", "50-digit-float", "float-exponent"])
def test_float_constants_are_their_exact_binary_value(ineq, box, tight):
    cert = certify(ineq, box, tight=tight, max_boxes=5000)
    assert cert.outcome == "counterexample", cert.summary()


@pytest.mark.parametrize("name", ["extended_positive", "extended_real", "extended_nonnegative", "integer", "rational",
                                  "zero", "prime", "even", "odd", "complex", "imaginary", "infinite", "irrational",
                                  "algebraic", "transcendental", "noninteger", "hermitian"])
def test_assumptions_outside_the_allow_list_are_refused_by_name(name):
    s = sp.Symbol("s", **{name: True})
    with pytest.raises(InvalidParameterError, match=name):
        certify(sp.Ge(s**2 + 1, s, evaluate=False), {s: (1, 2)})


@pytest.mark.parametrize("name, box", [("positive", (-2, -1)), ("positive", (0, 1)), ("nonnegative", (-1, 1)),
                                       ("negative", (0, 1)), ("nonpositive", (-1, 1)), ("nonzero", (-1, 1))])
def test_allowed_assumptions_must_hold_on_the_box(name, box):
    s = sp.Symbol("s", **{name: True})
    with pytest.raises(InvalidParameterError, match=f"declared {name}"):
        certify(sp.Ge(s**2 + 1, s, evaluate=False), {s: box})


def test_a_declared_false_is_refused():
    s = sp.Symbol("s", positive=False)
    with pytest.raises(InvalidParameterError, match="only True"):
        certify(s**2 + 1 >= s, {s: (-1, 1)})


@pytest.mark.parametrize("ineq", [
    lambda: sp.Symbol("p", positive=True) >= 0,               # sympy uses the assumption
    lambda: x >= x,                                             # decided without assumptions
    lambda: sp.Abs(sp.Symbol("p", positive=True)) >= sp.Symbol("p", positive=True),
    lambda: sp.Symbol("n", negative=True) > 0,                  # decided False: not a counterexample either
    lambda: sp.exp(x) - sp.exp(x) - 1 >= 0,
])
def test_relations_sympy_already_decided_are_refused_whatever_the_verdict(ineq):
    with pytest.raises(InvalidParameterError, match="already decided"):
        certify(ineq(), {"x": (0, 1)})


def test_box_is_checked_before_the_relational():
    # a decided relational with a bad box: the box is named
    with pytest.raises(InvalidParameterError, match="lo <= hi"):
        certify(sp.Symbol("p", positive=True) > 0, {"p": (1, 0)})


@pytest.mark.parametrize("box, match", [
    ({x: (0, float("nan"))}, "finite"),
    ({x: (0, float("inf"))}, "finite"),
    ({x: (0, sp.oo)}, "exact finite number"),
    ({x: (0, sp.pi)}, "exact finite number"),
    ({x: (0, "1")}, "exact finite number"),
    ({x: (True, 1)}, "bool"),
    ({x: (0, 1, 2)}, "pair"),
    ({x: 1}, "pair"),
    ({x: (-(10**400), 0)}, "supported range"),
    ({x: (0, 1), y: (0, 1)}, "does not occur"),
    ({}, "no range"),
    ({sp.Symbol("x"): (0, 1)}, "not the inequality's symbol"),
    ({x + 1: (0, 1)}, "Symbol or its name"),
    ([(x, (0, 1))], "dict"),
])
def test_bad_boxes_are_refused_by_name(box, match):
    with pytest.raises(InvalidParameterError, match=match):
        certify(sp.exp(x) >= x, box)


def test_two_symbols_with_one_name_are_refused():
    with pytest.raises(InvalidParameterError, match="two different symbols named"):
        certify(sp.Symbol("x") + x >= -5, {"x": (0, 1)})


@pytest.mark.parametrize("tight, match", [((x, "mid"), "side"), ((y, "lo"), "not a box variable"), (x, "tight must be")])
def test_bad_tight_faces_are_refused(tight, match):
    with pytest.raises(InvalidParameterError, match=match):
        certify(sp.exp(x) >= 1 + x, {x: (0, 1)}, tight=tight)


@pytest.mark.parametrize("setting", [{"prec": 2**62}, {"prec": 3}, {"prec": True}, {"max_level": 40}, {"max_boxes": 0},
                                     {"max_depth": -1}, {"prec": 128.0}])
def test_search_settings_out_of_range_are_refused(setting):
    with pytest.raises(InvalidParameterError, match=next(iter(setting))):
        certify(sp.exp(x) >= x, {x: (0, 1)}, **setting)


# ---- defined everywhere or not verified, and the point is named -------------------------------------

@pytest.mark.parametrize("ineq, box, tight", [
    (x + (y**2 - 1) / (y - 1) >= y + 1, {x: (0, 1), y: (0, 2)}, (x, "lo")),        # removable singularity at y = 1
    ((x * y + x) / x >= y + 1, {x: (-1, 1), y: (0, 1)}, None),                    # cse's rewriting would cancel x
    (sp.log(x) >= -100, {x: (-1, 1)}, None),
    (1 / x + x**2 >= -10, {x: (-1, 3)}, None),
    (sp.atanh(x) >= -1, {x: (0, 1)}, None),                                       # atanh(1) = oo
    (sp.sqrt(x - 1) >= -1, {x: (0, 3)}, None),
    (sp.log(x**2) >= -100, {x: (-1, 1)}, None),
])
def test_a_margin_undefined_somewhere_on_the_box_is_never_verified(ineq, box, tight):
    cert = certify(ineq, box, tight=tight, max_boxes=3000)
    assert cert.outcome in ("undefined", "undecided"), cert.summary()
    if cert.outcome == "undefined":
        point = {k: Fraction(v) for k, v in cert.counterexample["exact point"].items()}
        subs = {s: sp.Rational(point[str(s)].numerator, point[str(s)].denominator) for s in ineq.free_symbols}
        value = ((ineq.lhs - ineq.rhs) if ineq.rel_op in (">=", ">") else ineq.rhs - ineq.lhs).subs(subs)
        assert not value.is_finite or value.has(sp.zoo, sp.nan) or value.is_real is False, (point, value)


# ---- the compiled margin is the hashed statement's margin, exactly -------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.fractions(-5, 5, max_denominator=50), min_size=4, max_size=4),
       st.fractions(-3, 3, max_denominator=40), st.floats(-4, 4, allow_nan=False))
def test_compiled_trees_contain_the_exact_value_at_rational_points(coeffs, point, floatc):
    # a rational function with Float coefficients: its exact value at a rational point is a Rational, which both
    # compiled forms (own tree, and cse's rewriting) must enclose
    c0, c1, c2, c3 = (sp.Rational(c.numerator, c.denominator) for c in coeffs)
    expr = (c0 + c1 * x + sp.Float(floatc) * x**2) / (1 + x**2) + c3 * (x * c2 - x) ** 3 - sp.Float(floatc) * x
    exact = exact_constants(expr).subs(x, sp.Rational(point.numerator, point.denominator))
    assert exact.is_Rational
    target = arb(exact.p) / exact.q
    arg = Iv.ball(arb(point.numerator) / point.denominator)
    for rewrite in (False, True):
        value = compile_arb(expr, [x], rewrite=rewrite)([arg])
        assert value.lo <= target.lower() and target.upper() <= value.hi, (rewrite, value, exact)


def test_the_unrewritten_tree_is_the_expression_itself():
    for item in certified.all_certified():
        margin = prepare(*item.problem()).margin
        f = compile_arb(margin, sorted(margin.free_symbols, key=str))
        replacements, reduced = sp.cse([margin], symbols=sp.numbered_symbols("c"), optimizations=None)
        rebuilt = reduced[0]
        for sym, sub in reversed(replacements):
            rebuilt = rebuilt.xreplace({sym: sub})
        assert rebuilt == margin, item.name
        assert "Float" not in f.source


# ---- property: Float- and assumption-bearing statements are never falsely verified ------------------------

@settings(max_examples=60, deadline=None)
@given(st.floats(-2, 2, allow_nan=False, allow_infinity=False).filter(lambda f: f != 0),
       st.integers(-3, 3), st.integers(1, 60), st.sampled_from([">=", "<="]))
def test_float_statements_are_verified_only_when_exactly_true(f, k, digits, op):
    # c is the decimal f rounded to `digits` significant bits near f: often on the wrong side of f's binary value
    c = Fraction(f).limit_denominator(2**digits) + Fraction(k, 2**80)
    c_sym = sp.Rational(c.numerator, c.denominator)
    ineq = sp.Ge(c_sym * x, sp.Float(f) * x, evaluate=False) if op == ">=" else sp.Le(c_sym * x, sp.Float(f) * x, evaluate=False)
    cert = certify(ineq, {x: (0, 1)}, max_boxes=500)
    truth = (c >= Fraction(f)) if op == ">=" else (c <= Fraction(f))
    if cert.outcome == "verified":
        assert truth, (f, c, op)
    if cert.outcome == "counterexample":
        assert not truth


_ASSUMPTIONS = st.sampled_from([{}, {"real": True}, {"positive": True}, {"nonnegative": True}, {"negative": True},
                                {"nonpositive": True}, {"nonzero": True}, {"finite": True}, {"extended_real": True},
                                {"integer": True}, {"extended_nonnegative": True}, {"zero": True}])


@settings(max_examples=60, deadline=None)
@given(_ASSUMPTIONS, st.fractions(-3, 3, max_denominator=8), st.fractions(0, 3, max_denominator=8),
       st.fractions(-2, 2, max_denominator=4), st.sampled_from(["abs", "sqrt_sq", "max", "plain"]))
def test_assumption_statements_are_verified_only_when_true_on_the_box(assumptions, lo, width, shift, form):
    s = sp.Symbol("s", **assumptions)
    c = sp.Rational(shift.numerator, shift.denominator)
    # forms whose evaluation uses the assumptions (|s| -> s for s >= 0, sqrt(s^2) -> s, Max(s, 0) -> s)
    lhs = {"abs": sp.Abs(s), "sqrt_sq": sp.sqrt(s**2), "max": sp.Max(s, 0), "plain": s}[form]
    hi = lo + width
    try:
        ineq = sp.Ge(lhs, s + c, evaluate=False)
        cert = certify(ineq, {"s": (lo, hi)}, max_boxes=400)
    except InvalidParameterError:
        return                                              # refused by name: never a false verdict
    if cert.outcome != "verified":
        return
    plain = {"abs": lambda v: abs(v), "sqrt_sq": lambda v: abs(v), "max": lambda v: max(v, 0), "plain": lambda v: v}[form]
    for t in (Fraction(i, 16) for i in range(17)):
        v = lo + (hi - lo) * t
        assert plain(v) >= v + shift, (assumptions, form, lo, hi, shift, v)


# ---- replay: every field bounded, nothing but proof content is evidence ------------------------------------

@pytest.fixture(scope="module")
def small():
    z = sp.Symbol("z", nonnegative=True)
    ineq = z * (2 + sp.cos(3 * z)) >= 0
    return ineq, certify(ineq, {z: (0, 10)}, tight=(z, "lo"))


@pytest.mark.parametrize("field, value", [
    ("prec", 2**62), ("prec", -5), ("prec", True), ("prec", "128"), ("prec", 1.5),
    ("tree", [True]), ("tree", [0.5]), ("tree", ["0"]), ("tree", [-(10**30)]), ("tree", "0"), ("tree", None),
    ("box", [["0", "1e400"]]), ("box", [[0, 10]]), ("box", [["0"]]), ("box", "x"), ("box", [["1/0", "1"]]),
    ("variables", [1]), ("variables", "z"), ("tight", ["z", "lo"]), ("tight", ["z", "up", 1]), ("tight", ["z", "lo", "1"]),
    ("engine", 2.0), ("outcome", None), ("inequality_hash", 0),
])
def test_replay_refuses_out_of_range_fields_without_crashing(small, field, value):
    ineq, cert = small
    result = replay(dataclasses.replace(cert, **{field: value}), ineq, {"z": (0, 10)})
    assert not result and result.reason


def test_replay_refuses_what_is_not_a_certificate(small):
    ineq, _ = small
    assert not replay({"tree": []}, ineq, {"z": (0, 10)})
    assert not replay(None, ineq, {"z": (0, 10)})


def test_cosmetic_fields_are_not_evidence(small):
    ineq, cert = small
    edited = dataclasses.replace(cert, statement="FAKE STATEMENT", worst_margin=1e9, face_proofs=["FAKE PROOF"],
                                 leaves=10**9, tight_leaves=7, max_depth=0, boxes=1, seconds=-1.0)
    result = replay(edited, ineq, {"z": (0, 10)})
    assert result.ok and result.leaves == cert.leaves and result.tight_leaves == cert.tight_leaves
    text = f"{result.summary(edited.prec)} {result.statement} {result.face_proofs}"
    assert "FAKE" not in text and "1e+09" not in text


def test_the_check_prints_only_what_replay_recomputed(tmp_path, monkeypatch):
    import shutil
    for item in certified.all_certified():
        shutil.copy(item.path(), tmp_path / item.path().name)
    path = tmp_path / "thm32b_max.json"
    data = json.loads(path.read_text())
    data.update(statement="FAKE STATEMENT", worst_margin=123456.0, face_proofs=["FAKE PROOF"], leaves=999999)
    path.write_text(json.dumps(data))
    monkeypatch.setattr(certified, "CERT_DIR", tmp_path)
    result = gradmax.CERTIFIED[0].replay_check().run()
    assert result.outcome == "verified"
    assert "FAKE" not in result.detail and "999999" not in result.detail and "1.23e+05" not in result.margin


@pytest.mark.parametrize("content", ['{"prec": 4611686018427387904}', "[]", "{", "\x00\x01", '{"name": 1}', "[" * 100_000])
def test_a_hostile_certificate_file_fails_its_check_and_nothing_else(tmp_path, monkeypatch, content):
    import shutil
    for item in certified.all_certified():
        shutil.copy(item.path(), tmp_path / item.path().name)
    path = tmp_path / "thm32b_max.json"
    if content.startswith('{"prec"'):
        data = json.loads(path.read_text())
        data["prec"] = 2**62
        content = json.dumps(data)
    path.write_text(content)
    monkeypatch.setattr(certified, "CERT_DIR", tmp_path)
    result = gradmax.CERTIFIED[0].replay_check().run()
    assert result.outcome != "verified" and "refused" in result.detail


def test_loading_names_the_file_and_the_cause(tmp_path):
    bad = tmp_path / "c.json"
    bad.write_text('{"name": "c"}')
    with pytest.raises(InvalidParameterError, match="c.json"):
        Certificate.load(bad)


def test_allow_list_is_what_the_docs_say():
    from pathlib import Path
    theory = (Path(__file__).parent.parent / "docs" / "theory.md").read_text()
    for name in ALLOWED_ASSUMPTIONS[:-1]:
        assert name in theory
