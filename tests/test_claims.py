"""The theorem check: every claim of the paper, and proof that every check can fail.

Bare ``pytest`` collects this file: each registered check must verify; each claim has a wrong
variant that its checks must reject with a counterexample; saved certificates must replay;
breaking min_b, approx_error, tail_constant or htaf_grad in the library must fail a check.
"""

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import proofs_check
from htaf_theory import core, params, tails
from proofs_check import certified
from htaf_theory.accuracy import library_functions as library_impl
from proofs_check import CLAIM_ORDER
from proofs_check.claims import fig1c_ss_ratio, prop3_1_suff, thm3_2a_tails

ALL_CHECKS = [(cid, check) for cid in proofs_check.CLAIM_ORDER for check in proofs_check.CLAIMS[cid].checks if not check.slow]


def test_every_claim_is_registered_with_checks():
    assert set(proofs_check.CLAIM_ORDER) == set(proofs_check.CLAIMS)
    assert len(proofs_check.CLAIMS) == 18
    for cid, claim in proofs_check.CLAIMS.items():
        assert bool(claim.checks) != bool(claim.not_checkable), cid
    rigorous = {cid for cid, c in ALL_CHECKS if c.method == "rigorous"}
    assert {"prop3.1.suff", "prop3.1.sharp", "thm3.2.a", "thm3.2.b", "fig2.limit"} <= rigorous


@pytest.mark.parametrize("cid, check", ALL_CHECKS, ids=[f"{c}-{k.method}" for c, k in ALL_CHECKS])
def test_claim_check_verifies(cid, check):
    result = check.run()
    assert result.outcome == "verified", f"{cid} [{check.method}]: {result.outcome}: {result.detail}"


# ---- every check can fail: each claim module's WRONG variant ---------------------------------------

CHECKABLE = [cid for cid in proofs_check.CLAIM_ORDER if not proofs_check.CLAIMS[cid].not_checkable]


@pytest.mark.parametrize("cid", CHECKABLE)
def test_wrong_variant_is_rejected_with_a_counterexample(cid):
    result = proofs_check.CLAIMS[cid].wrong()
    assert result.claim == cid
    assert result.outcome == "counterexample", result.detail
    assert result.detail  # the point(s) are reported


def test_every_checkable_claim_has_a_wrong_variant_and_the_others_say_why():
    for cid, claim in proofs_check.CLAIMS.items():
        assert (claim.wrong is not None) == (not claim.not_checkable), cid


def test_claims_follow_the_paper_order_and_one_id_style():
    orders = [proofs_check.CLAIMS[cid].order for cid in proofs_check.CLAIM_ORDER]
    assert orders == sorted(orders)
    import re as _re
    for cid in proofs_check.CLAIM_ORDER:
        assert _re.fullmatch(r"library|(sec|prop|thm|fig|table|app)[0-9A-Z][0-9a-z.-]*", cid), cid


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
    assert not prop3_1_suff.suff_point(eps, delta, a, library_impl())


@given(st.floats(1e-3, 1e3), st.floats(1e-3, 50))
@example(1e-3, 1e-3)
@example(1e3, 50.0)
def test_thm32a_at_drawn_points(a, b):
    assert not thm3_2a_tails.a_point(a, b, library_impl())


@given(st.floats(0.3, 60), st.floats(0.05, 20))
@example(2.05, 11.0)
def test_ss_ratio_at_drawn_points(a, b):
    assume(abs(a - 2) > 0.05)                  # at a = 2 the sign of the tail exponent is 0: no verdict to test
    assert not fig1c_ss_ratio.ss_point(a, b, library_impl())


# ---- certificates (the engine's own tests are in tests/test_certify.py) ---------------------------

@pytest.mark.slow
@pytest.mark.parametrize("item", certified.all_certified(), ids=lambda i: i.name)
def test_rigorous_searches_rerun_from_scratch(item):
    assert item.search().outcome == "verified"


def test_report_exit_status_and_markdown(tmp_path, monkeypatch):
    import io

    from proofs_check import report
    monkeypatch.setenv("HTAF_REPORT_DIR", str(tmp_path))
    assert report.run_report(stream=io.StringIO()) == 0
    text = (tmp_path / "claims.md").read_text()
    for cid in proofs_check.CLAIM_ORDER:
        assert f"`{cid}`" in text
    assert "git" in text and "python-flint" in text
    failing = proofs_check.CheckResult("basic", "precise", "-", "counterexample", "", "x")
    monkeypatch.setattr(report, "run_all", lambda include_slow=False, progress=None, claims=None: [failing])
    assert report.run_report(stream=io.StringIO(), write_docs=False) == 1


# ---- the words of the report are derived from declared scope, never from what a check prints ---------------

def _planted(target="statement", full_domain=True, method="numerical", covers="claim", printed="verified (proof)"):
    from proofs_check.registry import Check, CheckResult, Claim

    def run(impl=None):
        return CheckResult("planted", method if method != "liar" else "rigorous", "everything", "verified", printed, printed)
    return Claim("planted", "a planted claim", "nowhere", "-", [Check("numerical" if method == "liar" else method, run,
                                                                       covers=covers)],
                 target=target, full_domain=full_domain)


@pytest.mark.parametrize("kwargs", [{}, {"method": "liar"}, {"method": "hypothesis"}, {"method": "symbolic", "covers": "step"}])
def test_a_sampled_check_cannot_print_a_proof(kwargs):
    from proofs_check.registry import status
    claim = _planted(**kwargs)
    label = status(claim, [check.run() for check in claim.checks])
    assert "proof" not in label and label != "verified" and label.startswith("supported"), label


def test_a_bare_verified_needs_the_statement_proved_on_its_own_domain():
    from proofs_check.registry import status
    for kwargs, want in [({"method": "symbolic"}, "verified"), ({"method": "symbolic", "full_domain": False}, "verified ("),
                         ({"method": "symbolic", "target": "reconstruction"}, "verified ("),
                         ({"method": "precise"}, "verified (")]:
        claim = _planted(**kwargs)
        label = status(claim, [check.run() for check in claim.checks])
        assert label == want if want == "verified" else label.startswith(want), (kwargs, label)
        if want != "verified":
            assert "high-precision" in label or "proof" in label


def test_an_unknown_outcome_word_or_method_or_target_is_refused():
    from proofs_check.registry import Check, CheckResult, Claim, status
    claim = _planted()
    assert status(claim, [CheckResult("planted", "numerical", "-", "VERIFIED BY PROOF")]).startswith("FAILED")
    with pytest.raises(ValueError, match="method"):
        Check("proof", lambda impl=None: None)
    with pytest.raises(ValueError, match="target"):
        Claim("x", "s", "l", "h", target="theorem")
    with pytest.raises(ValueError, match="correction"):
        Claim("x", "s", "l", "h", correction="the paper is wrong")


def test_the_inventory_lists_every_claim_and_every_answer_exists():
    from pathlib import Path

    from proofs_check.inventory import INVENTORY
    root = Path(__file__).resolve().parent.parent
    listed = {c for item in INVENTORY for c in item.claims}
    assert set(CLAIM_ORDER) - {"library"} <= listed, set(CLAIM_ORDER) - listed
    assert listed <= set(CLAIM_ORDER), listed - set(CLAIM_ORDER)
    for item in INVENTORY:
        assert item.claims or item.section or item.out_of_scope, item
        if item.section:
            path, heading = item.section.split(": ", 1)
            headings = [line.lstrip("#").strip() for line in (root / path).read_text().splitlines() if line.startswith("#")]
            assert any(h.startswith(heading) for h in headings), item.section


def test_every_figure_and_table_of_the_inventory_is_one_the_paper_has():
    # "Fig. 11" must be the paper's Figure 11 and say what it shows: the words that identify its data set and model
    import re
    from pathlib import Path

    from proofs_check.inventory import INVENTORY
    text = (Path(__file__).resolve().parents[2] / "shared" / "paper" / "htaf_paper_text.txt")
    if not text.exists():
        pytest.skip("the paper's text is not beside the repository")
    paper = text.read_text()
    for item in INVENTORY:
        for kind, number in re.findall(r"\b(Fig|Table)s?\. (\d+)", item.item):
            word = "Figure" if kind == "Fig" else "Table"
            assert re.search(rf"\b{word} {number}\b", paper), item.item
    by_name = {i.item: i for i in INVENTORY}
    assert "CIFAR-10" in by_name["Fig. 11"].what + by_name["Fig. 11"].out_of_scope          # App. G.3: ICBM, CIFAR-10
    assert "WideResNet" in by_name["Table 9"].out_of_scope                                   # App. G.4
    assert "Fig. 2" in by_name and not any(i.item.startswith("docs/") for i in INVENTORY)
    assert "does not consistently improve" in by_name["App. F.2.2 remark"].what              # the paper's own words


def test_the_committed_claims_report_was_generated_from_this_code():
    from pathlib import Path

    from proofs_check.report import source_hash
    text = (Path(__file__).resolve().parent.parent / "docs" / "claims.md").read_text()
    assert f"Sources: {source_hash()} " in text, "docs/claims.md is stale: run `htaf check --write`"


def test_the_source_hash_sees_a_change(tmp_path):
    import shutil
    from pathlib import Path

    from proofs_check.report import source_hash
    root = Path(__file__).resolve().parent.parent
    for folder in ("proofs_check", "htaf_theory"):
        shutil.copytree(root / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    before = source_hash(tmp_path)
    core = tmp_path / "htaf_theory" / "core.py"
    core.write_text(core.read_text() + "\n# a change\n")
    assert source_hash(tmp_path) != before
