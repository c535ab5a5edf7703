"""The certificate engine (proofs_check.engine): false statements are never certified, true ones are,
and replay refuses any certificate that does not prove today's definition on today's box."""
import dataclasses
import functools
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from htaf_theory import symbolic as S
from htaf_theory.validation import InvalidParameterError
from proofs_check import certified
from proofs_check import engine as certify_mod
from proofs_check.arbcode import Iv, UnsupportedExpression, compile_arb
from proofs_check.claims import fig2_limit as fig2
from proofs_check.claims import prop3_1_sharp, prop3_1_suff
from proofs_check.claims import thm3_2a_tails as tails
from proofs_check.claims import thm3_2b_max as gradmax
from proofs_check.engine import Certificate, certify, replay

x = sp.Symbol("x", nonnegative=True)
a = sp.Symbol("a", positive=True)


def _false_statements():
    """(id, inequality, box, tight): each is false somewhere in its box."""
    gap_ineq = prop3_1_sharp.sharp_inequality()
    half_bound = type(gap_ineq)(gap_ineq.lhs, gap_ineq.rhs / 2)                 # sup error <= half the bound
    suff = prop3_1_suff.suff_inequality()
    half_eps = type(suff)(suff.lhs, suff.rhs / 2)                              # approximation error <= eps / 2
    grad_max = gradmax.max_inequality()
    grad_min = type(grad_max)(grad_max.rhs, grad_max.lhs)                      # h'(x) >= h'(0): equal at x = 0 only
    return [
        ("x - 2 >= 0, face x = 0", x - 2 >= 0, {x: (0, 3)}, (x, "lo")),
        ("sup error <= half the bound", half_bound, prop3_1_sharp.SHARP_BOX, (prop3_1_suff.TAU, "lo")),
        ("h'(x) >= h'(0), face x = 0", grad_min, {gradmax.LA: (-3, 4), gradmax.Q: (0, 1)}, (gradmax.Q, "lo")),
        ("approximation error <= eps / 2", half_eps, prop3_1_suff.SUFF_BOX, (prop3_1_suff.TAU, "lo")),
        ("Thm 3.2 upper bound / 2", tails.tail_inequality("upper", factor=sp.Rational(1, 2)), tails.TAIL_BOXES["upper"],
         (tails.W, "lo")),
        ("margin -1e-12 on its face", sp.exp(x) - 1 - x - sp.Rational(1, 10**12) >= 0, {x: (0, 1)}, (x, "lo")),
        ("tight face claimed where the margin is not 0", sp.cos(x) <= sp.Rational(999, 1000), {x: (0, 1)}, (x, "lo")),
        ("order-2 face with a negative second derivative", 1 - x**2 >= 1, {x: (0, 1)}, (x, "lo")),
    ]


@pytest.mark.parametrize("case", _false_statements(), ids=lambda c: c[0])
def test_false_statements_are_never_certified(case):
    _, ineq, box, tight = case
    cert = certify(ineq, box, tight=tight, max_boxes=20_000)
    assert cert.outcome in ("counterexample", "undecided"), cert.summary()


@pytest.mark.parametrize("ineq, box, tight", [
    (sp.exp(x) >= 1 + x, {x: (0, 3)}, (x, "lo")),                   # equal at 0 with zero slope: order 2
    (sp.cos(x) <= 1, {x: (0, 1)}, (x, "lo")),
    (sp.tanh(x) <= x, {x: (0, 5)}, (x, "lo")),
    (sp.log(1 + x) <= x, {x: (0, 100)}, (x, "lo")),
    (1 - x <= sp.exp(-x), {x: (0, 1)}, (x, "lo")),
    (sp.tanh(a) <= a, {a: (0.001, 10)}, None),
    (sp.exp(-x) >= 1 - x, {x: (0, 2)}, (x, "lo")),
])
def test_true_statements_with_tight_faces_verify(ineq, box, tight):
    cert = certify(ineq, box, tight=tight, max_boxes=50_000)
    assert cert.outcome == "verified", cert.summary()
    assert replay(cert, ineq, box)


def test_tight_face_on_the_upper_end():
    y = sp.Symbol("y", real=True)
    cert = certify(1 - y**3 >= 0, {y: (-1, 1)}, tight=(y, "hi"))
    assert cert.outcome == "verified", cert.summary()
    assert certify(y**3 - 1 >= 0, {y: (-1, 1)}, tight=(y, "hi")).outcome == "counterexample"


def test_counterexample_is_an_exact_point_where_the_margin_is_negative():
    cert = certify(x - 2 >= 0, {x: (0, 3)}, tight=(x, "lo"))
    point = Fraction(cert.counterexample["exact point"]["x"])
    assert point - 2 < 0


def test_wrong_b_bound_is_refuted():
    L = sp.log((1 - S.eps) / S.eps)
    for wrong in (sp.atanh(L / S.a_pos) / (2 * S.delta), L / (S.a_pos * S.delta)):   # half the slope; no artanh
        cert = certify(prop3_1_suff.suff_inequality(min_b=wrong), prop3_1_suff.SUFF_BOX, tight=(prop3_1_suff.TAU, "lo"),
                       max_boxes=5000)
        assert cert.outcome == "counterexample", cert.summary()


def test_symbol_assumptions_must_hold_on_the_box():
    with pytest.raises(ValueError, match="declared positive"):
        certify(sp.log(a) >= -100, {a: (-1, 1)})


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="no range in the box"):
        certify(sp.log(x + a) >= -100, {x: (0, 1)})
    with pytest.raises(ValueError, match="lo <= hi"):
        certify(sp.tanh(x) >= x - 5, {x: (1, 0)})
    with pytest.raises(ValueError, match="relational"):
        certify(sp.Eq(x, 1), {x: (0, 1)})
    with pytest.raises(UnsupportedExpression, match="sign"):
        certify(sp.sign(x - 1) >= -2, {x: (0, 2)})


@pytest.mark.parametrize("expr", [sp.sign(x - 1), sp.tan(x), sp.Piecewise((x, x < 1), (1, True)), sp.floor(x)])
def test_a_refusal_lists_exactly_what_compiles(expr):
    from proofs_check.arbcode import SUPPORTED
    with pytest.raises(UnsupportedExpression) as err:
        compile_arb(expr, [x])
    assert SUPPORTED in str(err.value)
    names = [w.strip() for w in SUPPORTED.replace(" and the constants", ",").split(",")]
    functions = [getattr(sp, n) for n in names if n.isidentifier() and n not in ("pi", "E")]
    assert len(functions) == 16                       # sqrt, exp, log, sin, ..., Abs, Min, Max
    for fn in functions:                                # every function the message names compiles
        arg = [x / 2] if fn not in (sp.Min, sp.Max) else [x / 2, 1 - x]
        compile_arb(fn(*arg), [x])


# inverse trigonometric functions: each true statement is verified, its wrong variant (one order of the series too
# far, or a point outside asin/acos's domain) never is
y = sp.Symbol("y", real=True)
_INVERSE_TRIG = [
    ("atan(y) <= y", sp.Le(sp.atan(y), y), {y: (0, 10)}, (y, "lo"), "verified"),
    ("atan(y) <= y - y^3/2", sp.Le(sp.atan(y), y - y**3 / 2), {y: (0, 10)}, (y, "lo"), "counterexample"),
    ("asin(y) >= y", sp.Ge(sp.asin(y), y), {y: (0, sp.Rational(99, 100))}, (y, "lo"), "verified"),
    ("asin(y) >= y + y^3/5", sp.Ge(sp.asin(y), y + y**3 / 5), {y: (0, sp.Rational(99, 100))}, (y, "lo"), "counterexample"),
    ("acos(y) <= pi/2 - y", sp.Le(sp.acos(y), sp.pi / 2 - y), {y: (0, sp.Rational(99, 100))}, (y, "lo"), "verified"),
    ("acos(y) <= pi/2 - y - y^3/5", sp.Le(sp.acos(y), sp.pi / 2 - y - y**3 / 5), {y: (0, sp.Rational(99, 100))}, (y, "lo"),
     "counterexample"),
    ("asin(y + 1) >= -2", sp.Ge(sp.asin(y + 1), -2), {y: (0, 1)}, None, "undefined"),
    ("acos(y - 2) >= 0", sp.Ge(sp.acos(y - 2), 0), {y: (0, 3)}, None, "undefined"),
    ("asin(1) at its point", sp.Ge(sp.asin(y), 1), {y: (1, 1)}, None, "verified"),
]


@pytest.mark.parametrize("ident, ineq, box, tight, outcome", _INVERSE_TRIG, ids=[c[0] for c in _INVERSE_TRIG])
def test_inverse_trigonometric_functions(ident, ineq, box, tight, outcome):
    cert = certify(ineq, box, tight=tight)
    assert cert.outcome == outcome, cert.summary()
    if outcome == "verified":
        assert replay(cert, ineq, box)
    if outcome == "undefined":
        point = {k: Fraction(v) for k, v in cert.counterexample["exact point"].items()}
        arg = ineq.lhs.args[0].subs(y, sp.Rational(point["y"].numerator, point["y"].denominator))
        assert abs(arg) > 1                             # the point named is outside [-1, 1]


def test_interval_runtime_keeps_signs_of_wide_ranges():
    # a midpoint-radius ball loses the sign of exp([365, 437]); the interval runtime must not
    f = compile_arb(sp.exp(x), [x])
    from flint import arb
    value = f([Iv(arb(365), arb(437))])
    assert value.lower() > 0 and value.upper() > arb(10) ** 189
    g = compile_arb((1 + sp.exp(x)) ** 2 * x, [x])
    assert g([Iv(arb(1), arb(20))]).lower() > 0


# ---- replay refuses what it must refuse ---------------------------------------------------------

@pytest.fixture(scope="module")
def small_certificate():
    ineq = x * (2 + sp.cos(3 * x)) >= 0          # 0 on the face, not monotone: needs splits and both leaf kinds
    cert = certify(ineq, {x: (0, 10)}, tight=(x, "lo"))
    assert cert.outcome == "verified" and cert.leaves > 3 and 0 < cert.tight_leaves < cert.leaves
    return ineq, cert


def test_replay_accepts_the_certificate(small_certificate):
    ineq, cert = small_certificate
    result = replay(cert, ineq, {x: (0, 10)})
    assert result and result.box == {"x": ["0", "10"]} and result.tight == ["x", "lo"]
    assert "proved on x in [0, 10], tight face x = lo" in result.summary(cert.prec)


@pytest.mark.parametrize("tamper, why", [
    (lambda c: dataclasses.replace(c, tree=c.tree[:-1]), "truncated"),
    (lambda c: dataclasses.replace(c, tree=c.tree + [-1]), "trailing"),
    (lambda c: dataclasses.replace(c, tree=[-2]), "fails"),                              # one tight leaf for the whole box
    (lambda c: dataclasses.replace(c, tree=[-1 if t == -2 else t for t in c.tree]), "fails"),
    (lambda c: dataclasses.replace(c, box=[["0", "20"]]), "box differs"),      # another box than the caller's
    (lambda c: dataclasses.replace(c, engine="1.0"), "engine"),
    (lambda c: dataclasses.replace(c, outcome="undecided"), "outcome"),
    (lambda c: dataclasses.replace(c, inequality_hash="0" * 64), "hash"),
    (lambda c: dataclasses.replace(c, tight=None), "tight"),
])
def test_replay_refuses_tampered_certificates(small_certificate, tamper, why):
    ineq, cert = small_certificate
    result = replay(tamper(cert), ineq, {x: (0, 10)})
    assert not result and why in result.reason, result.reason


def test_replay_refuses_another_inequality(small_certificate):
    ineq, cert = small_certificate
    assert not replay(cert, x * (2 + sp.cos(3 * x)) >= x / 2, {x: (0, 10)})
    assert not replay(cert, ineq, box={x: (0, 20)})


def test_certificate_round_trips_through_json(small_certificate, tmp_path):
    ineq, cert = small_certificate
    loaded = Certificate.load(cert.save(tmp_path))
    assert loaded == cert and replay(loaded, ineq, {x: (0, 10)})


# ---- the committed certificates -------------------------------------------------------------------

def test_every_committed_certificate_replays():
    results = certified.replay_all()
    assert results and all(results.values()), {k: getattr(v, "reason", v) for k, v in results.items()}


def test_a_tampered_committed_certificate_fails_the_check(tmp_path, monkeypatch):
    import shutil
    for item in certified.all_certified():
        shutil.copy(item.path(), tmp_path / item.path().name)
    path = tmp_path / "thm32b_max.json"
    cert = Certificate.load(path)
    dataclasses.replace(cert, tree=cert.tree[: len(cert.tree) // 2]).save(tmp_path)
    monkeypatch.setattr(certified, "CERT_DIR", tmp_path)
    results = {item.name: item.replay_check().run() for item in gradmax.CERTIFIED}
    assert results["thm32b_max"].outcome != "verified"
    # a certificate moved onto another claim's name is refused by its hash
    shutil.copy(tmp_path / "prop31_suff.json", tmp_path / "prop31_sharp.json")
    cert_sharp = Certificate.load(tmp_path / "prop31_sharp.json")
    assert not replay(cert_sharp, prop3_1_sharp.sharp_inequality(), prop3_1_sharp.SHARP_BOX, (prop3_1_suff.TAU, "lo"))


# ---- property: perturbing a certified margin so that it is negative somewhere is never certified ----

_FAST = {"prop31_suff": prop3_1_suff.CERTIFIED[0], "prop31_sharp": prop3_1_sharp.CERTIFIED[0], "fig2_limit": fig2.CERTIFIED[0]}


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(sorted(_FAST)), st.lists(st.floats(0, 1), min_size=3, max_size=3), st.floats(1e-6, 1.0))
def test_perturbed_margins_are_never_certified(name, fractions, excess):
    from flint import ctx
    item = _FAST[name]
    ineq, box, tight = item.problem()
    problem = certify_mod.Problem(ineq, box, tight)
    point = [lo + (hi - lo) * Fraction(f) for (lo, hi), f in zip(problem.box, fractions)]
    ctx.prec = 128
    value = problem.point_margin(point)
    assert value.is_finite()
    # subtract more than the margin at that point: the perturbed statement is false there
    shift = sp.Rational(str(abs(float(value.upper())) * (1 + excess) + 1e-300))
    perturbed = problem.margin_expr - shift >= 0
    cert = certify(perturbed, box, tight=tight, max_boxes=3000)
    assert cert.outcome != "verified", (name, point, cert.summary())


def test_usage_example_of_certify():
    # docs/usage.md, "Certifying your own inequality"
    q = sp.Symbol("q", nonnegative=True)
    grad = S.htaf_grad_expr()
    claim = grad.subs(S.x, sp.atanh(q) / S.b_pos) / grad.subs(S.x, 0) <= 1
    box = {S.a_pos: (sp.Rational(1, 10), 50), q: (0, 1)}
    cert = certify(claim, box, tight=(q, "lo"))
    assert cert.outcome == "verified" and cert.tight[2] == 2
    assert replay(cert, claim, box)
    wrong = certify(grad.subs(S.x, sp.atanh(q) / S.b_pos) / grad.subs(S.x, 0) <= sp.Rational(99, 100), box)
    assert wrong.outcome == "counterexample"


# ---- definedness: every sub-term of the statement as written, on the whole box -------------------------------

_r = sp.Symbol("r", real=True)
_HALF = sp.S.Half
UNDEFINED_SOMEWHERE = [
    ("1/x + 1 >= 1/x", sp.Ge(1 / _r + 1, 1 / _r, evaluate=False), {_r: (-1, 1)}, None),
    ("log + sin <= log + x, tight", sp.Le(sp.log(_r) + sp.sin(_r), sp.log(_r) + _r, evaluate=False), {_r: (0, 1)},
     (_r, "lo")),
    ("sqrt(x) + 1 >= sqrt(x)", sp.Ge(sp.sqrt(_r) + 1, sp.sqrt(_r), evaluate=False), {_r: (-1, 1)}, None),
    ("atanh(x) + 1 >= atanh(x)", sp.Ge(sp.atanh(_r) + 1, sp.atanh(_r), evaluate=False), {_r: (-3, 3)}, None),
    ("0*log(x) + 1 >= 1/2", sp.Ge(sp.Mul(0, sp.log(_r), evaluate=False) + 1, _HALF, evaluate=False), {_r: (-1, 1)}, None),
    ("(x-1)/(x-1) >= 1/2", sp.Ge(sp.Mul(_r - 1, 1 / (_r - 1), evaluate=False), _HALF, evaluate=False), {_r: (0, 2)}, None),
    ("exp(log(x)) >= x - 1", sp.Ge(sp.exp(sp.log(_r), evaluate=False), _r - 1, evaluate=False), {_r: (-1, 1)}, None),
    ("log(x)^0 >= 1/2", sp.Ge(sp.Pow(sp.log(_r), 0, evaluate=False), _HALF, evaluate=False), {_r: (-1, 1)}, None),
    ("(1/x)^0 >= 1/2", sp.Ge(sp.Pow(1 / _r, 0, evaluate=False), _HALF, evaluate=False), {_r: (-1, 1)}, None),
    ("log(x)^0 >= 1/2 on [-2, -1]", sp.Ge(sp.Pow(sp.log(_r), 0, evaluate=False), _HALF, evaluate=False),
     {_r: (-2, -1)}, None),
]


@pytest.mark.parametrize("ident, ineq, box, tight", UNDEFINED_SOMEWHERE, ids=[c[0] for c in UNDEFINED_SOMEWHERE])
def test_a_statement_undefined_somewhere_in_the_box_is_never_verified(ident, ineq, box, tight):
    cert = certify(ineq, box, tight=tight, max_boxes=3000)
    assert cert.outcome == "undefined", (ident, cert.outcome)
    point = {k: Fraction(v) for k, v in cert.counterexample["exact point"].items()}
    lo, hi = next(iter(box.values()))
    assert lo <= point["r"] <= hi


def test_a_forged_certificate_of_an_undefined_statement_does_not_replay():
    # the tree of a true statement, relabelled for one that is undefined at 0: replay's leaf check refuses it
    good = certify(sp.Ge(sp.Add(sp.Mul(0, _r, evaluate=False), 1, evaluate=False), _HALF, evaluate=False), {_r: (-1, 1)})
    assert good.outcome == "verified"
    ineq = sp.Ge(sp.Mul(0, sp.log(_r), evaluate=False) + 1, _HALF, evaluate=False)
    forged = dataclasses.replace(good, inequality_hash=certify_mod.inequality_hash(
        certify_mod.Problem(ineq, {_r: (-1, 1)}).inequality), statement=str(ineq))
    assert not replay(forged, ineq, {_r: (-1, 1)})


def test_the_definedness_tree_is_the_statement_as_written_not_cses():
    # no sympy step rebuilds the written tree: Mul(0, log(x)) keeps its log, and evaluates to a non-finite value
    from proofs_check.arbcode import compile_tree
    tree = compile_tree([sp.Add(sp.Mul(0, sp.log(_r), evaluate=False), 1, evaluate=False)], [_r])
    assert "log" in tree.source
    assert not tree([Iv.ball(__import__("flint").arb(-1))])[0].is_finite()


# ---- true statements a sound engine can settle ----------------------------------------------------------------

@pytest.mark.parametrize("ineq, tight, order", [(sp.cos(_r) >= 1 - _r ** 2 / 2, (_r, "lo"), 4),
                                                (sp.sin(_r) >= _r - _r ** 3 / 6, (_r, "lo"), 5)])
def test_faces_with_more_vanishing_derivatives_are_settled(ineq, tight, order):
    cert = certify(ineq, {_r: (0, 1)}, tight=tight)
    assert cert.outcome == "verified" and cert.tight[2] == order
    assert replay(cert, ineq, {_r: (0, 1)})
    wrong = type(ineq)(ineq.lhs, ineq.rhs + _r ** order / 10)      # the margin is x^K/K! + ...: x^K/10 exceeds it
    assert certify(wrong, {_r: (0, 1)}, tight=tight, max_boxes=2000).outcome != "verified"


@pytest.mark.parametrize("ineq, box, at", [
    (sp.exp(_r) >= 1 + _r, {_r: (-1, 1)}, {_r: 0}),
    (_r * (1 - _r) <= sp.Rational(1, 4), {_r: (0, 1)}, {_r: sp.Rational(1, 2)}),
])
def test_equality_at_a_named_interior_point_is_proved_part_by_part(ineq, box, at):
    assert certify(ineq, box, max_boxes=400).outcome == "undecided"          # one box: the equality point defeats it
    parts = certify_mod.certify_parts(ineq, box, at)
    assert [c.outcome for c in parts] == ["verified", "verified"]
    assert all(replay(c, ineq, {_r: tuple(map(Fraction, c.box[0]))}) for c in parts)
    shifted = type(ineq)(ineq.lhs, ineq.rhs + sp.Rational(1, 10**6)) if isinstance(ineq, sp.GreaterThan) else \
        type(ineq)(ineq.lhs + sp.Rational(1, 10**6), ineq.rhs)
    assert "counterexample" in [c.outcome for c in certify_mod.certify_parts(shifted, box, at, max_boxes=2000)]


def test_sqrt_at_zero_is_defined_not_undefined():
    cert = certify(sp.Ge(sp.sqrt(_r), _r), {_r: (0, 1)}, tight=(_r, "lo"), max_depth=60)
    assert cert.outcome == "undecided"                 # not "undefined": sqrt(0) = 0 has a value


def test_a_degenerate_box_is_decided_at_its_point():
    third = sp.Rational(1, 3)
    cert = certify(sp.Ge(_r, third, evaluate=False), {_r: (third, third)})
    assert cert.outcome == "verified" and cert.leaves == 1
    assert replay(cert, sp.Ge(_r, third, evaluate=False), {_r: (third, third)})
    assert certify(sp.Ge(_r, 2 * third, evaluate=False), {_r: (third, third)}).outcome == "counterexample"


@pytest.mark.parametrize("ineq, box", [(sp.Gt(_r, 0, evaluate=False), {_r: (0, 1)}),
                                       (sp.Gt(sp.exp(_r), 1 + _r), {_r: (-1, 1)})])
def test_a_strict_inequality_that_fails_with_equality_gets_its_point(ineq, box):
    cert = certify(ineq, box, max_boxes=2000)
    assert cert.outcome == "counterexample" and cert.counterexample["exact point"] == {"r": "0"}
    assert cert.counterexample["margin"].startswith("0 (exactly")


def test_a_statement_over_a_dummy_replays_on_its_box():
    d = sp.Dummy("x", real=True)
    cert = certify(sp.exp(d) >= 1 + d, {d: (0, 1)}, tight=(d, "lo"))
    assert cert.variables == ["x"] and replay(cert, sp.exp(d) >= 1 + d, {d: (0, 1)})


# ---- replay's cost is bounded by its input ------------------------------------------------------------------

def _committed(name):
    return Certificate.load(certified.CERT_DIR / f"{name}.json")


@pytest.mark.parametrize("box", [[["1e10000000", "6"]], [["-1e100000000", "6"]], [["1e-5000", "1"]],
                                 [["1" * 2000, "2"]], [["-6", "6/0"]]])
def test_box_strings_are_parsed_with_a_bound_first(box):
    import time
    cert = dataclasses.replace(_committed("fig2_limit"), box=box)
    started = time.time()
    result = replay(cert, fig2.CERTIFIED[0].inequality, fig2.CERTIFIED[0].box())
    assert not result and time.time() - started < 2.0, result.reason


def test_a_certificate_asking_for_too_much_precision_is_refused_before_any_leaf():
    import time
    cert = dataclasses.replace(_committed("fig2_limit"), prec=4096, tree=[0, 0, -17, -17, 0, -17, 0, -17, -17])
    started = time.time()
    result = replay(cert, fig2.CERTIFIED[0].inequality, fig2.CERTIFIED[0].box())
    assert not result and "bits" in result.reason and time.time() - started < 2.0


@pytest.mark.parametrize("make, match", [
    (lambda: certify(_r >= sp.Rational(1, 10**5000), {_r: (0, 1)}), "constant"),
    (lambda: certify(sp.Ge(_r ** (10**5000), 0, evaluate=False), {_r: (0, 1)}), "constant"),
    (lambda: certify(_r >= 0, {_r: (Fraction(1, 10**5000), 1)}), "box"),
    (lambda: certify(_r >= 0, {_r: (0, 1)}, prec=4096, max_level=8), "bits"),
])
def test_huge_numbers_are_refused_by_name(make, match):
    from htaf_theory.validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match=match):
        make()


# ---- exact points are decided in exact arithmetic; every cost is bounded before the work ---------------------

@pytest.mark.parametrize("ineq, point", [
    (3.0 * _r >= 1 + sp.Rational(1, 2 ** 200), sp.Rational(1, 3)),            # margin -6.2e-61 at 1/3
    (sp.Le(0.1 * _r, sp.Rational(1, 10), evaluate=False), sp.Integer(1)),      # 0.1 stores more than 1/10
    (sp.Ge(_r, sp.Add(sp.Float(1.0), sp.Rational(1, 2 ** 2000), evaluate=False), evaluate=False), sp.Integer(1)),
])
def test_a_float_never_rounds_a_false_point_statement_to_verified(ineq, point):
    cert = certify(ineq, {_r: (point, point)})
    assert cert.outcome in ("counterexample", "undecided"), cert.summary()
    # a forged exact leaf for it does not replay either
    forged = dataclasses.replace(cert, outcome="verified", tree=[certify_mod._leaf_code("exact", 0)])
    assert not replay(forged, ineq, {_r: (point, point)})


def test_a_true_point_statement_with_floats_is_still_verified_exactly():
    # 0.5 is exact in binary: 2.0 * 0.5 >= 1 holds with equality at the point
    cert = certify(sp.Ge(2.0 * _r, 1, evaluate=False), {_r: (0.5, 0.5)})
    assert cert.outcome == "verified" and replay(cert, sp.Ge(2.0 * _r, 1, evaluate=False), {_r: (0.5, 0.5)})


@pytest.mark.parametrize("ineq, box", [
    (3.0 * _r > 1 - sp.Rational(1, 2 ** 2000), {_r: (sp.Rational(1, 3), sp.Rational(2, 3))}),
    (10.0 * _r > 1 - sp.Rational(1, 2 ** 300), {_r: (sp.Rational(1, 10), sp.Rational(1, 5))}),
])
def test_a_true_strict_statement_gets_no_rounded_counterexample(ineq, box):
    cert = certify(ineq, box, max_boxes=300)
    assert cert.outcome != "counterexample", cert.counterexample


def test_replay_without_a_box_is_refused_and_a_replay_names_its_box():
    cert = certify(sp.Ge(_r - 2, 0, evaluate=False), {_r: (2, 3)}, tight=(_r, "lo"))
    ineq = sp.Ge(_r - 2, 0, evaluate=False)
    assert not replay(cert, ineq) and "no box" in replay(cert, ineq).reason
    assert not replay(cert, ineq, {_r: (0, 3)})                  # false there: never ok for another box
    ok = replay(cert, ineq, {_r: (2, 3)})
    assert ok and ok.box == {"r": ["2", "3"]} and "proved on r in [2, 3]" in ok.summary(cert.prec)


@pytest.mark.parametrize("n", [2 ** 20, 2 ** 24, 3 ** 15])
def test_a_huge_power_at_a_tight_face_costs_no_exact_power(n):
    import time
    started = time.time()
    cert = certify(sp.Ge(_r ** n, 0, evaluate=False), {_r: (3, 4)}, tight=(_r, "lo"))
    assert cert.outcome == "verified" and time.time() - started < 5


@pytest.mark.parametrize("constant", [sp.Float("1e300000"), sp.Float((0, 1, 10 ** 12, 1)), sp.Float((0, 1, -10 ** 9, 1))])
def test_float_constants_have_the_endpoints_bit_limit(constant):
    with pytest.raises(InvalidParameterError, match="Float constant"):
        certify(sp.Ge(_r, constant, evaluate=False), {_r: (0, 1)})


@pytest.mark.parametrize("build", [
    lambda: functools.reduce(lambda e, _: sp.Add(e, 1, evaluate=False), range(3000), _r),
    lambda: functools.reduce(lambda e, _: sp.tanh(e), range(150), _r),
    lambda: functools.reduce(lambda e, _: sp.tanh(e), range(300), _r),
    lambda: functools.reduce(lambda e, _: sp.exp(e) / 4, range(100), _r),
])
def test_deep_expressions_are_refused_by_name(build):
    with pytest.raises(InvalidParameterError, match="levels deep"):
        certify(sp.Ge(build(), -10, evaluate=False), {_r: (0, 1)})


@pytest.mark.parametrize("tree", [[0] * 32000 + [-1] * 32001, [0] * 3000 + [-1] * 3001])
def test_a_deep_chain_tree_is_refused_before_any_leaf(tree):
    import time
    cert = dataclasses.replace(_committed("fig2_limit"), tree=tree)
    started = time.time()
    result = replay(cert, fig2.CERTIFIED[0].inequality, fig2.CERTIFIED[0].box())
    assert not result and "deep" in result.reason and time.time() - started < 2.0


@pytest.mark.parametrize("splits", [1, 19])
def test_a_point_box_split_into_identical_halves_is_refused(splits):
    import time
    third = sp.Rational(1, 3)
    ineq = sp.Ge(_r, third, evaluate=False)
    cert = certify(ineq, {_r: (third, third)})
    exact = certify_mod._leaf_code("exact", 0)
    forged = dataclasses.replace(cert, tree=[0] * splits + [exact] * (splits + 1))
    started = time.time()
    result = replay(forged, ineq, {_r: (third, third)})
    assert not result and "width 0" in result.reason and time.time() - started < 2.0


@pytest.mark.parametrize("name", ["../escaped_cert", "a/b", "..", "", ".hidden", "x" * 200, 5])
def test_a_certificate_name_is_a_plain_file_name(name, tmp_path):
    with pytest.raises(InvalidParameterError, match="plain file name"):
        certify(sp.Ge(_r, 0, evaluate=False), {_r: (0, 1)}, name=name)
    cert = dataclasses.replace(certify(sp.Ge(_r, 0, evaluate=False), {_r: (0, 1)}), name=name)
    with pytest.raises(InvalidParameterError, match="plain file name"):
        cert.save(tmp_path / "inside")
    assert not any(tmp_path.iterdir())


def test_certify_parts_refuses_a_tight_face_by_name():
    with pytest.raises(InvalidParameterError, match="tight"):
        certify_mod.certify_parts(sp.exp(_r) >= 1 + _r, {_r: (-1, 1)}, {_r: 0}, tight=(_r, "lo"))


def test_max_depth_is_bounded():
    with pytest.raises(InvalidParameterError, match="max_depth"):
        certify(sp.Ge(_r, 0, evaluate=False), {_r: (0, 1)}, max_depth=certify_mod.MAX_DEPTH + 1)
