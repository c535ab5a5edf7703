"""htaf_theory.experiments.stats: the paired interval is Student's, and the verdict follows the interval alone."""
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from htaf_theory.experiments import stats
from htaf_theory.experiments.stats import compare_records, paired_comparison
from htaf_theory.validation import InvalidParameterError


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=2, max_size=12), st.booleans())
def test_interval_is_the_paired_t_interval_and_the_label_follows_it(pairs, lower):
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    r = paired_comparison(a, b, lower_is_better=lower)
    d = [x - y for x, y in pairs]
    if r.method == "paired t, 95%":
        ci = sps.ttest_rel(a, b).confidence_interval(0.95)
        assert r.low == pytest.approx(ci.low, rel=1e-9, abs=1e-12) and r.high == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
    if r.low <= 0 <= r.high:
        assert r.label.startswith("no detectable difference")
    else:
        a_better = (r.high < 0) if lower else (r.low > 0)
        assert r.label == ("better" if a_better else "worse")
    if len(set(d)) == 1:
        assert r.method.startswith("sign test")
    assert r.mean_a == pytest.approx(sum(a) / len(a), abs=1e-12) and r.mean_b == pytest.approx(sum(b) / len(b), abs=1e-12)


def test_an_unpaired_reading_would_give_another_verdict():
    # split effects dominate: paired, A is clearly better; comparing means with pooled spread it is not
    a = [1.00, 2.00, 3.00, 4.00, 5.00]
    b = [1.05, 2.06, 3.04, 4.05, 5.06]
    assert paired_comparison(a, b, lower_is_better=True).label == "better"
    assert sps.ttest_ind(a, b).pvalue > 0.5


@pytest.mark.parametrize("a, b, match", [([1.0], [2.0], "at least 2"), ([1.0, 2.0], [1.0], "paired"),
                                         ([1.0, float("nan")], [1.0, 2.0], "finite")])
def test_bad_input_is_refused(a, b, match):
    with pytest.raises(InvalidParameterError, match=match):
        paired_comparison(a, b, lower_is_better=True)


def test_records_are_matched_by_seed():
    def rec(seed, value):
        return {"seed": seed, "results": {"metric": "rmse", "metrics": {"test_binarized": value}}}
    a = [rec(0, 1.0), rec(1, 2.0), rec(2, 3.0)]
    b = [rec(2, 3.5), rec(0, 1.4), rec(1, 2.6), rec(3, 9.0)]      # another order, one extra seed
    r = compare_records(a, b, a="x", b="y")
    assert r.n == 3 and r.mean == pytest.approx(-0.5) and r.label == "better"


@pytest.mark.parametrize("n, label", [(2, "no detectable difference at n = 2"), (5, "no detectable difference at n = 5"),
                                      (6, "worse"), (10, "worse")])
def test_equal_differences_are_decided_by_the_sign_test(n, label):
    # accuracies move in steps of 1/n_test, so every seed can differ by the same step: the t interval then has
    # width 0 and would call two seeds "worse"; the sign test needs 6 equal signs for p < 0.05
    a, b = [0.5 + 0.01 * i for i in range(n)], [0.5 + 0.01 * i + 1 / 360 for i in range(n)]
    r = paired_comparison(a, b, lower_is_better=False)
    assert r.label == label and r.method == "sign test (all differences equal)"
    with warnings.catch_warnings():        # scipy warns of the catastrophic cancellation
        warnings.simplefilter("ignore")
        t_only = sps.ttest_rel(a, b)       # the wrong variant: the t test alone calls even n = 2 a difference
    assert not (t_only.pvalue > 0.05)


def test_records_can_be_paired_by_another_key():
    def rec(a, seed, value):
        return {"seed": seed, "config": {"a": a}, "results": {"metric": "auroc", "metrics": {"test_binarized": value}}}
    exact = [rec(5, 0, 0.70), rec(5, 1, 0.72), rec(50, 0, 0.75), rec(50, 1, 0.74)]
    other = [rec(50, 1, 0.73), rec(5, 0, 0.69), rec(50, 0, 0.74), rec(5, 1, 0.71)]
    by_cell = compare_records(exact, other, pair_by=lambda r: (r["config"]["a"], r["seed"]))
    assert by_cell.n == 4 and by_cell.mean == pytest.approx(0.01)
    with pytest.raises(InvalidParameterError, match="share a pairing key"):   # seed alone is ambiguous here
        compare_records(exact, other)


def test_equal_differences_are_judged_relative_to_the_scores():
    # differences near 1e-13 with a 1% spread are a real spread, not rounding: the same verdict at any scale
    a = [1e-11 + 1e-13 * (1 + 0.01 * i) for i in range(5)]
    b = [1e-11] * 5
    small = paired_comparison(a, b, lower_is_better=False)
    big = paired_comparison([v * 1e12 for v in a], [v * 1e12 for v in b], lower_is_better=False)
    assert small.method == big.method == "paired t, 95%"
    assert small.label == big.label == "better"


def test_overflowing_differences_are_computed_or_refused_never_nan():
    with pytest.raises(InvalidParameterError, match="float64 range"):
        paired_comparison([1.7e308, 1.7e308, 1.6e308], [-1.7e308, -1.6e308, -1.7e308], lower_is_better=False)


def test_half_scaled_overflow_gives_finite_verdict():
    r = paired_comparison([1e308, 1.1e308, 1.05e308], [0.9e308, 0.95e308, 0.9e308], lower_is_better=False)
    assert r.label == "better" and all(map(lambda v: v == v, (r.mean, r.low, r.high)))


@pytest.mark.parametrize("bad", [[1.0, None], [1.0, "2"], [1.0, True], [1.0, [2.0]]])
def test_a_score_that_is_not_a_number_is_refused_by_name(bad):
    with pytest.raises(InvalidParameterError, match="real numbers"):
        paired_comparison(bad, [1.0, 2.0], lower_is_better=True)


def _rec(seed, value, metric="rmse"):
    return {"seed": seed, "results": {"metric": metric, "metrics": {"test_binarized": value}}}


@pytest.mark.parametrize("a, b, match", [
    ([_rec(0, 1.0), _rec(1, 2.0)], [_rec(0, 0.7, "auroc"), _rec(1, 0.8, "auroc")], "different things"),
    ([{"seed": 0}, _rec(1, 2.0)], [_rec(0, 1.0), _rec(1, 2.0)], "'results'"),
    (["not a record", _rec(1, 2.0)], [_rec(0, 1.0), _rec(1, 2.0)], "a record must be a dict"),
    ([{"results": {"metric": "rmse", "metrics": {}}}, _rec(1, 2.0)], [_rec(0, 1.0), _rec(1, 2.0)], "pairing key"),
    ([{**_rec(0, 1.0), "seed": [0]}, _rec(1, 2.0)], [_rec(0, 1.0), _rec(1, 2.0)], "pairing key"),
])
def test_records_that_cannot_be_paired_are_refused_by_name(a, b, match):
    with pytest.raises(InvalidParameterError, match=match):
        compare_records(a, b)


def test_the_corrected_resampled_t_widens_the_paired_t_by_its_factor():
    a, b = [1.0, 1.1, 1.3, 1.05, 1.2], [1.2, 1.25, 1.35, 1.3, 1.3]
    plain = paired_comparison(a, b, lower_is_better=True)
    ci = sps.ttest_rel(a, b).confidence_interval(0.95)
    assert plain.low == pytest.approx(ci.low) and plain.high == pytest.approx(ci.high)
    assert plain.p == pytest.approx(sps.ttest_rel(a, b).pvalue)
    ratio = 2 / 7                                      # the tabular 70/10/20 split: n_test / n_train
    nb = paired_comparison(a, b, lower_is_better=True, design="resplits", test_train_ratio=ratio)
    widen = ((1 / 5 + ratio) / (1 / 5)) ** 0.5        # Nadeau and Bengio's variance factor (1/n + n2/n1) against 1/n
    assert (nb.high - nb.low) == pytest.approx((plain.high - plain.low) * widen)
    assert nb.mean == plain.mean and nb.p > plain.p
    with pytest.raises(InvalidParameterError, match="test_train_ratio"):
        paired_comparison(a, b, lower_is_better=True, design="resplits")


def _holm_step_down(ps, alpha=0.05):
    """Holm (1979) as first stated: reject H_(1..k-1), k the first index with p_(k) > alpha/(m - k + 1)."""
    m, order = len(ps), sorted(range(len(ps)), key=lambda i: ps[i])
    rejected = set()
    for rank, i in enumerate(order):
        if ps[i] > alpha / (m - rank):
            break
        rejected.add(i)
    return rejected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(-1, 1), min_size=6, max_size=6), min_size=1, max_size=8))
def test_holm_labels_are_holms_step_down_rejections(rows):
    from htaf_theory.experiments.stats import holm
    comps = [paired_comparison([v + 0.3 * (i % 3 - 1) for v in row], [0.0] * 6, lower_is_better=False)
             for i, row in enumerate(rows)]
    out = holm(comps, lower_is_better=False)
    rejected = _holm_step_down([c.p for c in comps])
    for i, c in enumerate(out):
        assert (c.holm_label in ("better", "worse")) == (i in rejected and c.label in ("better", "worse"))
        if c.holm_label in ("better", "worse"):
            assert c.holm_label == c.label


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=3, max_size=10), st.floats(0.05, 1.0))
def test_widening_a_printed_paired_interval_gives_the_corrected_resampled_one(diffs, ratio):
    from htaf_theory.experiments.stats import resplit_interval
    b = [0.0] * len(diffs)
    plain = paired_comparison(diffs, b, lower_is_better=False)
    if plain.method != "paired t, 95%":
        return
    nb = paired_comparison(diffs, b, lower_is_better=False, design="resplits", test_train_ratio=ratio)
    mean, low, high = resplit_interval(plain.low, plain.high, len(diffs), ratio)
    assert (low, high) == pytest.approx((nb.low, nb.high), rel=1e-9, abs=1e-12) and mean == pytest.approx(nb.mean, abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: stats.paired_comparison([0.5, 0.6], [0.4, 0.5], lower_is_better=None), "lower_is_better"),
    (lambda: stats.paired_comparison([0.5, 0.6], [0.4, 0.5], lower_is_better=False, test_train_ratio=0.3),
     "test_train_ratio applies"),
    (lambda: stats.paired_comparison([10 ** 400, 1], [1, 1], lower_is_better=False), "float64"),
    (lambda: stats.paired_comparison([0.5, None], [0.4, 0.5], lower_is_better=False), "real numbers"),
    (lambda: stats.paired_comparison(0.5, [0.4, 0.5], lower_is_better=False), "sequence"),
    (lambda: stats.holm([0.01, 0.2], lower_is_better=False), "PairedComparison"),
    (lambda: stats.resplit_interval(0, 1, 5, -1), "test_train_ratio"),
    (lambda: stats.resplit_interval(0, 1, 0, 0.3), "n must be"),
    (lambda: stats.resplit_interval(1, 0, 5, 0.3), "low <= high"),
    (lambda: stats.resplit_interval(float("nan"), 0, 5, 0.3), "finite"),
    (lambda: stats.chance_labels("4"), "integer"),
    (lambda: stats.chance_labels(-3), "integer >= 0"),
    (lambda: stats.equivalence([0.5, 0.6], [0.5, 0.6], margin=0), "margin"),
])
def test_statistics_refuse_nonsense_by_name(call, match):
    with pytest.raises(InvalidParameterError, match=match):
        call()


def test_equivalence_is_two_one_sided_tests():
    same = [0.80, 0.81, 0.79, 0.80, 0.805, 0.795]
    close = [v + 0.001 for v in same]
    assert stats.equivalence(close, same, margin=0.01).label.startswith("equivalent")
    far = [v + 0.02 for v in same]
    assert stats.equivalence(far, same, margin=0.01).label.startswith("not shown")
    # a wrong variant (one one-sided test only) would call a shift of -0.02 equivalent: TOST does not
    assert stats.equivalence([v - 0.02 for v in same], same, margin=0.01).label.startswith("not shown")
    noisy = stats.equivalence([0.7, 0.9, 0.75, 0.85], [0.8, 0.8, 0.8, 0.8], margin=0.01)
    assert noisy.label.startswith("not shown") and noisy.low90 < -0.01 < 0.01 < noisy.high90
