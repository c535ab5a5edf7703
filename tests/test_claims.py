"""The theorem check: every claim of the paper, and proof that every check can fail.

Bare ``pytest`` collects this file: each registered check must verify; each claim has a wrong
variant that its checks must reject with a counterexample; saved certificates must replay;
breaking min_b, approx_error, tail_constant or htaf_grad in the library must fail a check.
"""
import dataclasses
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import proofs_check
from proofs_check import appendix, basic, certified, f1_remark, fig2, library, prop31, tails_claims, thm32
from proofs_check._impl import library_impl
from htaf_theory import core, params, tails

ALL_CHECKS = [(cid, check) for cid in proofs_check.CLAIM_ORDER for check in proofs_check.CLAIMS[cid].checks if not check.slow]


def test_every_claim_is_registered_with_checks():
    assert set(proofs_check.CLAIM_ORDER) == set(proofs_check.CLAIMS)
    assert len(proofs_check.CLAIMS) == 17
    for cid, claim in proofs_check.CLAIMS.items():
        assert bool(claim.checks) != bool(claim.not_checkable), cid
    rigorous = {cid for cid, c in ALL_CHECKS if c.method == "rigorous"}
    assert {"prop31.suff", "prop31.sharp", "thm32.a", "thm32.b", "fig2.limit"} <= rigorous


@pytest.mark.parametrize("cid, check", ALL_CHECKS, ids=[f"{c}-{k.method}" for c, k in ALL_CHECKS])
def test_claim_check_verifies(cid, check):
    result = check.run()
    assert result.outcome == "verified", f"{cid} [{check.method}]: {result.outcome}: {result.detail}"


# ---- every check can fail: a deliberately wrong variant per claim -------------------------------

def _wrong_min_b_no_artanh(a, eps, delta):
    return params.min_a(eps) / (np.asarray(a) * delta)   # the b bound without artanh


def _wrong_approx_error_at_2delta(a, b, delta):
    return params.approx_error(a, b, 2 * np.asarray(delta))  # sup error measured at 2 delta


def _wrong_tail_rate(a, b):
    return np.asarray(b) * 1.0                          # tail rate b instead of 2b


WRONG = {
    "library": lambda: library.references_precise(library_impl(htaf_grad=lambda x, a, b: core.htaf_grad(x, a, b) * (1 + 1e-10))),
    "basic": lambda: basic.basic_precise(library_impl(htaf=lambda x, a, b: core.htaf(np.asarray(x) + 1e-3, a, b))),
    "prop31.suff": lambda: prop31.suff_precise(library_impl(min_b=_wrong_min_b_no_artanh)),
    "prop31.sharp": lambda: prop31.sharp_precise(library_impl(approx_error=_wrong_approx_error_at_2delta)),
    "fig2.limit": lambda: fig2.precise(library_impl(min_b=_wrong_min_b_no_artanh)),
    "table6": lambda: basic.table6_exact(library_impl(table6=lambda: [
        dataclasses.replace(r, b_rounded_up=round(r.b_exact, r.decimals)) for r in params.table6()])),  # rounds to nearest
    "thm32.a": lambda: thm32.a_precise(library_impl(tail_rate=_wrong_tail_rate)),
    "thm32.b": lambda: thm32.b_precise(library_impl(slope_at_zero=lambda a, b: np.asarray(a) * b / 2)),  # slope ab/2
    "ss.ratio": lambda: tails_claims.ss_precise(threshold=1.0),              # "heavier iff a > 1"
    "binarity": lambda: tails_claims.binarity_precise(threshold=math.log(9)),  # threshold L(0.1) instead of log 99
    "thmC1": lambda: appendix.c1_precise(drop_k_term=True),                  # bound ||beta||_1 eps, no K delta
    "thmB2": lambda: _b2_one_sided(),
    "f1.remark": lambda: f1_remark.remark_precise(claim_increasing=True),  # the paper's literal remark
    "thmB2.constants": lambda: appendix.b2_constants_numerical(vary="a"),   # "independent of a" too
    "thmC1.deep": lambda: appendix.c1_deep_numerical(fixed_b=2.0),           # b fixed, not min_b(delta)
    "thmB1": lambda: appendix.b1_numerical(second_difference=False),         # one-sided differences for squares
}


def _b2_one_sided():
    import mpmath

    def one_sided(t, a=11.0, b=2.0, x0=0.1, x=1.7):
        A, B, X0 = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x0)
        rho = lambda v: 1 / (1 + mpmath.exp(-A * mpmath.tanh(B * v)))  # noqa: E731
        return (rho(X0 + t * x) - rho(X0)) / (t ** 2 * core.htaf_grad2(x0, a, b))  # wrong: one-sided difference
    return appendix.b2_precise(quotient=one_sided)


@pytest.mark.parametrize("cid", sorted(WRONG))
def test_wrong_variant_is_rejected_with_a_counterexample(cid):
    result = WRONG[cid]()
    assert result.claim == cid
    assert result.outcome == "counterexample", result.detail
    assert result.detail  # the point(s) are reported


def test_every_claim_has_a_wrong_variant():
    checkable = {cid for cid, c in proofs_check.CLAIMS.items() if not c.not_checkable}
    assert set(WRONG) == checkable


@pytest.mark.parametrize("broken", ["min_b", "approx_error", "tail_constant", "htaf_grad"])
def test_breaking_the_library_fails_the_theorem_check(broken, monkeypatch):
    wrong = {
        "min_b": lambda a, eps, delta: params.min_b(a, eps, delta) * 0.999,
        "approx_error": lambda a, b, delta: params.approx_error(a, b, delta) * 0.9,
        "tail_constant": lambda a, b: tails.tail_constant(a, b) * 1.001,
        "htaf_grad": lambda x, a, b: core.htaf_grad(x, a, b) * (1 + 1e-9 * np.abs(np.asarray(x))),
    }[broken]
    impl = library_impl(**{broken: wrong})
    results = [check.run(impl) for _, check in ALL_CHECKS if check.method in ("precise", "exact")]
    assert any(r.outcome == "counterexample" for r in results), [(r.claim, r.outcome) for r in results]


# ---- hypothesis-drawn points, extremes pinned ---------------------------------------------------

@given(st.floats(1e-6, 0.49), st.floats(1e-3, 10.0), st.floats(1e-6, 1e4))
@example(1e-6, 1e-3, 1e-6)
@example(0.49, 10.0, 1e4)
@example(1e-6, 10.0, 1e4)
def test_prop31_suff_at_drawn_points(eps, delta, r):
    a = float(params.min_a(eps)) * (1 + r)
    assert not prop31.suff_point(eps, delta, a, library_impl())


@given(st.floats(1e-3, 1e3), st.floats(1e-3, 50))
@example(1e-3, 1e-3)
@example(1e3, 50.0)
def test_thm32a_at_drawn_points(a, b):
    assert not thm32.a_point(a, b, library_impl())


@given(st.floats(0.3, 60), st.floats(0.05, 20))
@example(2.05, 11.0)
def test_ss_ratio_at_drawn_points(a, b):
    if abs(a - 2) > 0.05:
        assert not tails_claims.ss_point(a, b, library_impl())


# ---- certificates (the engine's own tests are in tests/test_certify.py) ---------------------------

@pytest.mark.slow
@pytest.mark.parametrize("item", certified.all_certified(), ids=lambda i: i.name)
def test_rigorous_searches_rerun_from_scratch(item):
    assert item.search().outcome == "verified"


def test_report_exit_status_and_markdown(tmp_path, monkeypatch):
    import io
    from proofs_check import report
    monkeypatch.setattr(report, "DOCS", tmp_path / "claims.md")
    assert report.run_report(stream=io.StringIO()) == 0
    text = (tmp_path / "claims.md").read_text()
    for cid in proofs_check.CLAIM_ORDER:
        assert f"`{cid}`" in text
    assert "git" in text and "python-flint" in text
    failing = proofs_check.CheckResult("basic", "precise", "-", "counterexample", "", "x")
    monkeypatch.setattr(report, "run_all", lambda include_slow=False: [failing])
    assert report.run_report(stream=io.StringIO(), write_docs=False) == 1
