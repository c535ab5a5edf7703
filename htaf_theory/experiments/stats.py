"""Verdicts from paired statistics: the difference between two methods over the same seeds or splits.

Two methods run on the same splits (or seeds) are compared split by split: d_i = score_A,i - score_B,i. The
verdict uses the mean difference and its 95% confidence interval from Student's t with n - 1 degrees of freedom
(paired t; it assumes roughly normal differences, the usual choice at n = 5-10):

    mean(d) +- t_{0.975, n-1} sd(d) / sqrt(n)

and the label is derived from the interval alone: "better" (A) if it excludes 0 on A's good side, "worse" if on
the other side, else "no detectable difference at n = N". ``paired_comparison`` does this from two lists;
``compare_records`` from stored records, matching them by seed.

When every difference is the same (sd = 0: it happens with accuracies, which move in steps of 1/n_test), the t
interval has width 0 and says nothing; the exact two-sided sign test decides instead (n equal signs: p = 2^(1-n),
below 0.05 from n = 6 on): below n = 6 the interval is (-inf, inf), the distribution-free interval of the median
at that n; ``method`` says so.

>>> r = paired_comparison([0.70, 0.72, 0.71, 0.69, 0.70], [0.74, 0.75, 0.73, 0.74, 0.76], lower_is_better=True)
>>> r.label, round(r.mean, 3), r.n
('better', -0.04, 5)
>>> paired_comparison([1.0, 2.0, 3.0], [1.5, 1.5, 2.5], lower_is_better=True).label
'no detectable difference at n = 3'
>>> paired_comparison([0.5, 0.6], [0.6, 0.7], lower_is_better=False).label      # equal differences, n = 2
'no detectable difference at n = 2'
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from scipy import stats

from ..validation import InvalidParameterError

__all__ = ["PairedComparison", "paired_comparison", "compare_records", "CONFIDENCE"]

#: the confidence of every interval a verdict rests on
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedComparison:
    """A's score minus B's, paired by split: mean, 95% interval, n, and the verdict derived from the interval."""

    a: str
    b: str
    n: int
    mean: float
    low: float
    high: float
    label: str                      # better | worse | no detectable difference at n = N (A against B)
    method: str = "paired t, 95%"

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.a} - {self.b}: {self.mean:+.4g} [{self.low:+.4g}, {self.high:+.4g}] "
                f"(n = {self.n}, {self.method}): {self.label}")


def paired_comparison(a_scores, b_scores, *, lower_is_better: bool, a: str = "A", b: str = "B") -> PairedComparison:
    """Compare two methods scored on the same splits (same order); see the module docstring.

    Raises InvalidParameterError for lists of different lengths, fewer than 2 pairs, or a non-finite score.
    """
    a_scores, b_scores = [float(v) for v in a_scores], [float(v) for v in b_scores]
    if len(a_scores) != len(b_scores):
        raise InvalidParameterError(f"scores must be paired: {len(a_scores)} for {a}, {len(b_scores)} for {b}")
    if len(a_scores) < 2:
        raise InvalidParameterError(f"a paired interval needs at least 2 pairs; got {len(a_scores)}")
    if not all(math.isfinite(v) for v in a_scores + b_scores):
        raise InvalidParameterError(f"scores must be finite; got {a}: {a_scores}, {b}: {b_scores}")
    d = [x - y for x, y in zip(a_scores, b_scores)]
    n = len(d)
    mean = sum(d) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (n - 1))
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    method = "paired t, 95%"
    if sd <= 1e-12 * max(1.0, abs(mean)):       # every difference equal (up to rounding): the sign test decides
        method = "sign test (all differences equal)"
        if mean != 0 and 2.0 ** (1 - n) >= 1 - CONFIDENCE:
            low, high = -math.inf, math.inf      # the distribution-free interval of the median: unbounded at n < 6
    good_side = (high < 0) if lower_is_better else (low > 0)
    bad_side = (low > 0) if lower_is_better else (high < 0)
    label = "better" if good_side else "worse" if bad_side else f"no detectable difference at n = {n}"
    return PairedComparison(a, b, n, mean, low, high, label, method)


def _seed(record: dict):
    return record["seed"]


def compare_records(a_records: list[dict], b_records: list[dict], metric: str = "test_binarized", *, a: str = "A",
                    b: str = "B", pair_by=_seed) -> PairedComparison:
    """``paired_comparison`` of two methods' stored records, matched by seed (split), or by ``pair_by(record)``
    (e.g. (a, seed) when each method ran a grid on every seed); RMSE is lower-is-better, AUROC and accuracy higher.
    Records present for only one method are left out; a missing score is an error."""
    by_seed_a = {pair_by(r): r for r in a_records}
    by_seed_b = {pair_by(r): r for r in b_records}
    if len(by_seed_a) != len(a_records) or len(by_seed_b) != len(b_records):
        raise InvalidParameterError(f"two records of one method share a pairing key ({a}: {len(a_records)} records, "
                                    f"{len(by_seed_a)} keys; {b}: {len(b_records)} records, {len(by_seed_b)} keys)")
    seeds = sorted(set(by_seed_a) & set(by_seed_b))
    scores = []
    for s in seeds:
        pair = [rec["results"]["metrics"].get(metric) for rec in (by_seed_a[s], by_seed_b[s])]
        if any(v is None for v in pair):
            raise InvalidParameterError(f"pair {s}: {metric} is missing or not finite for {a if pair[0] is None else b}")
        scores.append(pair)
    lower = a_records[0]["results"]["metric"] == "rmse" if a_records else True
    return paired_comparison([x for x, _ in scores], [y for _, y in scores], lower_is_better=lower, a=a, b=b)
