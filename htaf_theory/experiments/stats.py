"""Verdicts from paired statistics: the difference between two methods over the same seeds or splits.

Two methods run on the same seeds (or splits) are compared pair by pair: d_i = score_A,i - score_B,i. The verdict
uses the mean difference and its 95% confidence interval from Student's t with n - 1 degrees of freedom; which
standard error depends on how the data were split (``design``):

* ``"seeds"``: every seed is scored on **one fixed test set** (MNIST-1D, the digits' fixed split per seed): the
  paired t interval, mean(d) +- t_{0.975, n-1} sd(d) sqrt(1/n). The pairs differ only in the seed (initialisation,
  batch order), so they are independent given the test set.
* ``"resplits"``: every pair is a **random resplit of one data set** (the tabular sets: 70/10/20 per split seed).
  Their training sets overlap, so the d_i are positively correlated and the plain paired t understates the
  variance. The corrected resampled t of Nadeau and Bengio (2003, Machine Learning 52:239) widens it:
  mean(d) +- t_{0.975, n-1} sd(d) sqrt(1/n + n_test/n_train).

The label is derived from the interval alone: "better" (A) if it excludes 0 on A's good side, "worse" if on the
other side, else "no detectable difference at n = N". ``p`` is the matching two-sided p-value, which ``holm``
uses to adjust a family of comparisons (a table's rows) for multiplicity: at 95% each interval excludes 0 by
chance with probability 0.05, so m intervals give 0.05 m labels by chance alone (``chance_labels``).

When every difference is the same (accuracies move in steps of 1/n_test, so every seed can differ by the same
step), the t interval has width 0 and says nothing; the exact two-sided sign test decides instead (n equal signs:
p = 2^(1-n), below 0.05 from n = 6 on): below n = 6 the interval is (-inf, inf), the distribution-free interval of
the median at that n; ``method`` says so. "Equal" means equal up to the rounding of the scores themselves (a few
ulps of the largest score), so the decision does not depend on the scores' units.

>>> r = paired_comparison([0.70, 0.72, 0.71, 0.69, 0.70], [0.74, 0.75, 0.73, 0.74, 0.76], lower_is_better=True)
>>> r.label, round(r.mean, 3), r.n
('better', -0.04, 5)
>>> paired_comparison([1.0, 2.0, 3.0], [1.5, 1.5, 2.5], lower_is_better=True).label
'no detectable difference at n = 3'
>>> paired_comparison([0.5, 0.6], [0.6, 0.7], lower_is_better=False).label      # equal differences, n = 2
'no detectable difference at n = 2'
>>> c = paired_comparison([1.0, 1.1, 1.2, 1.1, 1.0], [1.1, 1.2, 1.25, 1.2, 1.1], lower_is_better=True,
...                       design="resplits", test_train_ratio=2 / 7)
>>> c.method, c.label
('corrected resampled t (Nadeau-Bengio), 95%', 'better')
"""
from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, replace

from scipy import stats

from ..validation import InvalidParameterError

__all__ = ["PairedComparison", "paired_comparison", "compare_records", "holm", "chance_labels", "CONFIDENCE",
           "DESIGNS", "LOWER_IS_BETTER", "resplit_interval", "Equivalence", "equivalence", "EQUIVALENCE_MARGIN",
           "holm_equivalence"]

#: the equivalence margin of the MNIST-1D studies, fixed before their runs: one accuracy point
EQUIVALENCE_MARGIN = 0.01

#: the confidence of every interval a verdict rests on
CONFIDENCE = 0.95
#: how the pairs were made: seeds on one fixed test set, or random resplits of one data set
DESIGNS = ("seeds", "resplits")
#: metric name -> whether lower is better (the metrics records carry in ``results.metric``)
LOWER_IS_BETTER = {"rmse": True, "auroc": False, "accuracy": False}

_METHODS = {"seeds": "paired t, 95%", "resplits": "corrected resampled t (Nadeau-Bengio), 95%"}


@dataclass(frozen=True)
class PairedComparison:
    """A's score minus B's, paired by seed or split: mean, 95% interval, n, p-value and the verdict."""

    a: str
    b: str
    n: int
    mean: float
    low: float
    high: float
    label: str                      # better | worse | no detectable difference at n = N (A against B)
    method: str = "paired t, 95%"
    p: float = 1.0                  # two-sided p-value of "mean difference 0" under ``method``
    holm_label: str | None = None   # the label after Holm's adjustment within its family (``holm``), else None
    mean_a: float | None = None     # A's and B's mean scores over the pairs: what the difference compares
    mean_b: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        holm_text = f"; Holm: {self.holm_label}" if self.holm_label is not None else ""
        return (f"{self.a} - {self.b}: {self.mean:+.4g} [{self.low:+.4g}, {self.high:+.4g}] "
                f"(n = {self.n}, {self.method}): {self.label}{holm_text}")


def _finite_scores(name: str, values) -> list[float]:
    out = []
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise InvalidParameterError(f"scores must be a sequence of real numbers; got {type(values).__name__} for {name}")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise InvalidParameterError(f"scores must be real numbers; got {v!r} among {name}'s")
        try:
            out.append(float(v))
        except OverflowError:
            raise InvalidParameterError(f"scores must be finite float64 numbers; got one of {name}'s beyond the range "
                                        f"(about 1.8e308)") from None
    if not all(math.isfinite(v) for v in out):
        raise InvalidParameterError(f"scores must be finite; got {name}: {out}")
    return out


def _label(low: float, high: float, n: int, lower_is_better: bool) -> str:
    good_side = (high < 0) if lower_is_better else (low > 0)
    bad_side = (low > 0) if lower_is_better else (high < 0)
    return "better" if good_side else "worse" if bad_side else f"no detectable difference at n = {n}"


def paired_comparison(a_scores, b_scores, *, lower_is_better: bool, a: str = "A", b: str = "B",
                      design: str = "seeds", test_train_ratio: float | None = None) -> PairedComparison:
    """Compare two methods scored on the same seeds or splits (same order); see the module docstring.

    Parameters
    ----------
    a_scores, b_scores : sequences of real numbers
        One score per seed (split), in the same order.
    lower_is_better : bool
        True for RMSE, False for accuracy and AUROC.
    design : {"seeds", "resplits"}
        Seeds on one fixed test set (paired t) or random resplits (corrected resampled t).
    test_train_ratio : float
        n_test / n_train of each resplit; required with ``design="resplits"``.

    Raises InvalidParameterError for lists of different lengths, fewer than 2 pairs, a score that is not a finite
    real number, or differences beyond the float64 range.
    """
    if design not in DESIGNS:
        raise InvalidParameterError(f"design must be one of {DESIGNS}; got design={design!r}")
    if not isinstance(lower_is_better, bool):
        raise InvalidParameterError(f"lower_is_better must be True or False; got lower_is_better={lower_is_better!r}")
    if design == "seeds" and test_train_ratio is not None:
        raise InvalidParameterError("test_train_ratio applies to design='resplits' only (seeds on one fixed test set "
                                    f"need no correction); got test_train_ratio={test_train_ratio!r} with design='seeds'")
    if design == "resplits":
        if isinstance(test_train_ratio, bool) or not isinstance(test_train_ratio, numbers.Real) or not (
                0 < test_train_ratio < math.inf):
            raise InvalidParameterError(f"design='resplits' needs test_train_ratio = n_test/n_train, a finite number > 0; "
                                        f"got test_train_ratio={test_train_ratio!r}")
    a_scores, b_scores = _finite_scores(a, a_scores), _finite_scores(b, b_scores)
    if len(a_scores) != len(b_scores):
        raise InvalidParameterError(f"scores must be paired: {len(a_scores)} for {a}, {len(b_scores)} for {b}")
    if len(a_scores) < 2:
        raise InvalidParameterError(f"a paired interval needs at least 2 pairs; got {len(a_scores)}")
    # differences in units of the largest score: each is at most 2 in size, so nothing overflows on the way
    scale = max(abs(v) for v in a_scores + b_scores) or 1.0
    d = [x / scale - y / scale for x, y in zip(a_scores, b_scores)]
    n = len(d)
    mean_u = sum(d) / n
    sd_u = math.sqrt(sum((v - mean_u) ** 2 for v in d) / (n - 1))
    factor = math.sqrt(1 / n + (test_train_ratio if design == "resplits" else 0.0))
    tq = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1)
    mean, half = mean_u * scale, tq * sd_u * factor * scale
    if not (math.isfinite(mean) and math.isfinite(half)):
        raise InvalidParameterError(f"the differences of {a} and {b} exceed the float64 range (largest score {scale:.4g})")
    low, high = mean - half, mean + half
    method = _METHODS[design]
    # every difference equal up to the scores' own rounding (a few ulps of the largest; d is in those units)
    if sd_u <= 8 * 2.0 ** -52:
        method = "sign test (all differences equal)"
        p = 1.0 if mean_u == 0 else min(1.0, 2.0 ** (1 - n))
        if mean_u != 0 and p >= 1 - CONFIDENCE:
            low, high = -math.inf, math.inf      # the distribution-free interval of the median: unbounded at n < 6
        elif mean_u == 0:
            low = high = 0.0
    else:
        p = float(2 * stats.t.sf(abs(mean_u) / (sd_u * factor), n - 1))
    return PairedComparison(a, b, n, mean, low, high, _label(low, high, n, lower_is_better), method, p,
                            mean_a=math.fsum(x / n for x in a_scores), mean_b=math.fsum(y / n for y in b_scores))


def resplit_interval(low: float, high: float, n: int, test_train_ratio: float) -> tuple[float, float, float]:
    """(mean, low, high) of the corrected resampled t interval, from the paired t interval [low, high] of the same
    n differences: the mean, sd and degrees of freedom are the same; only the standard error grows from
    sd sqrt(1/n) to sd sqrt(1/n + n_test/n_train), so the half-width is multiplied by sqrt(1 + n n_test/n_train).

    >>> tuple(round(v, 4) for v in resplit_interval(0.002, 0.038, 5, 2 / 7))
    (0.02, -0.008, 0.048)
    """
    low, high = _finite_scores("the interval", [low, high])
    if not low <= high:
        raise InvalidParameterError(f"need low <= high; got low={low!r}, high={high!r}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
        raise InvalidParameterError(f"n must be the number of paired differences, an integer >= 2; got n={n!r}")
    if isinstance(test_train_ratio, bool) or not isinstance(test_train_ratio, numbers.Real) or not (
            0 < test_train_ratio < math.inf):
        raise InvalidParameterError(f"test_train_ratio must be a finite number > 0; got test_train_ratio={test_train_ratio!r}")
    mean, half = (low + high) / 2, (high - low) / 2
    wide = half * math.sqrt(1 + n * test_train_ratio)
    return mean, mean - wide, mean + wide


def holm(comparisons: list[PairedComparison], *, lower_is_better: bool) -> list[PairedComparison]:
    """The comparisons of one family (a table's rows) with Holm's step-down adjustment at 1 - CONFIDENCE.

    Sorted by p, the i-th smallest (i = 1..m) is adjusted to max_{j <= i} min(1, (m - j + 1) p_(j)); a comparison
    keeps "better" / "worse" in ``holm_label`` only if its adjusted p is below 0.05, else "no detectable difference
    at n = N". The family-wise chance of one or more false labels is then at most 5%.

    >>> rows = [paired_comparison([1.0, 1.1, 1.2, 1.0], [1.5, 1.6, 1.8, 1.5], lower_is_better=True),
    ...         paired_comparison([1.0, 1.2, 1.1, 1.0], [1.1, 1.1, 1.3, 1.0], lower_is_better=True)]
    >>> [c.holm_label for c in holm(rows, lower_is_better=True)]
    ['better', 'no detectable difference at n = 4']
    """
    if not all(isinstance(c, PairedComparison) for c in comparisons):
        bad = next(c for c in comparisons if not isinstance(c, PairedComparison))
        raise InvalidParameterError(f"holm adjusts PairedComparison results (paired_comparison); got {type(bad).__name__}")
    if not isinstance(lower_is_better, bool):
        raise InvalidParameterError(f"lower_is_better must be True or False; got lower_is_better={lower_is_better!r}")
    adjusted = _holm_adjusted([c.p for c in comparisons])
    out = []
    for c, p_adj in zip(comparisons, adjusted):
        keep = c.label in ("better", "worse") and p_adj < 1 - CONFIDENCE
        out.append(replace(c, holm_label=c.label if keep else f"no detectable difference at n = {c.n}"))
    return out


def _holm_adjusted(ps: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values: sorted by p, the i-th smallest is max_{j <= i} min(1, (m - j + 1) p_(j))."""
    m = len(ps)
    adjusted, running = [1.0] * m, 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda k: ps[k])):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted


def chance_labels(m: int) -> float:
    """How many of m independent 95% intervals exclude 0 by chance alone when no difference exists: 0.05 m.

    >>> chance_labels(40)
    2.0
    """
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
        raise InvalidParameterError(f"m must be a count of intervals, an integer >= 0; got m={m!r}")
    return round((1 - CONFIDENCE) * int(m), 10)


def _seed(record: dict):
    return record["seed"]


def _record_metric(record, side: str) -> str:
    if not isinstance(record, dict) or not isinstance(record.get("results"), dict):
        raise InvalidParameterError(f"{side}: a record must be a dict with a 'results' object; got "
                                    f"{type(record).__name__ if not isinstance(record, dict) else sorted(record)}")
    metric = record["results"].get("metric")
    if metric not in LOWER_IS_BETTER:
        raise InvalidParameterError(f"{side}: results.metric must be one of {tuple(LOWER_IS_BETTER)}; got {metric!r}")
    return metric


def compare_records(a_records: list[dict], b_records: list[dict], metric: str = "test_binarized", *, a: str = "A",
                    b: str = "B", pair_by=_seed, design: str = "seeds",
                    test_train_ratio: float | None = None) -> PairedComparison:
    """``paired_comparison`` of two methods' stored records, matched by seed (split), or by ``pair_by(record)``
    (e.g. (a, seed) when each method ran a grid on every seed); RMSE is lower-is-better, AUROC and accuracy higher.

    Records present for only one method are left out; a missing score, records of different metrics (an RMSE
    record against an AUROC one), a record without ``results`` or a pairing key that is missing or unhashable is an
    InvalidParameterError naming it.
    """
    kinds = {_record_metric(r, a) for r in a_records} | {_record_metric(r, b) for r in b_records}
    if len(kinds) > 1:
        raise InvalidParameterError(f"the records measure different things ({sorted(kinds)}): {a} against {b} "
                                    f"pairs like with like only")

    def keyed(records, side):
        out = {}
        for r in records:
            try:
                k = pair_by(r)
                hash(k)
            except (KeyError, TypeError) as err:
                raise InvalidParameterError(f"{side}: a record has no usable pairing key ({type(err).__name__}: {err}); "
                                            f"seed must be an integer") from None
            if k in out:
                raise InvalidParameterError(f"two records of one method share a pairing key ({side}: {len(records)} "
                                            f"records, key {k!r} twice)")
            out[k] = r
        return out

    by_key_a, by_key_b = keyed(a_records, a), keyed(b_records, b)
    keys = sorted(set(by_key_a) & set(by_key_b))
    scores = []
    for k in keys:
        pair = [rec["results"].get("metrics", {}).get(metric) for rec in (by_key_a[k], by_key_b[k])]
        if any(v is None for v in pair):
            raise InvalidParameterError(f"pair {k}: {metric} is missing or not finite for {a if pair[0] is None else b}")
        scores.append(pair)
    lower = LOWER_IS_BETTER[kinds.pop()] if kinds else True
    return paired_comparison([x for x, _ in scores], [y for _, y in scores], lower_is_better=lower, a=a, b=b,
                             design=design, test_train_ratio=test_train_ratio)


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests (TOST) of |mean difference| < margin on paired scores (seeds on one fixed test set)."""

    n: int
    mean: float
    low90: float          #: the 90% paired t interval: equivalence at 5% iff it lies inside (-margin, margin)
    high90: float
    margin: float
    p: float              #: max of the two one-sided p-values
    label: str            #: "equivalent within +-margin" | "not shown equivalent at n = N"
    holm_label: str | None = None


def equivalence(a_scores, b_scores, margin: float = EQUIVALENCE_MARGIN) -> Equivalence:
    """TOST on paired differences a - b: H0 |mean| >= margin against |mean| < margin, each one-sided test at 5%.

    "Equivalent" (within +-margin) only when both one-sided tests reject: the 90% paired t interval lies inside
    (-margin, margin). Otherwise "not shown equivalent" (which is not evidence of a difference).

    >>> e = equivalence([0.80, 0.81, 0.79, 0.80, 0.805], [0.801, 0.809, 0.792, 0.80, 0.804], margin=0.01)
    >>> e.label, round(e.p, 4)
    ('equivalent within +-0.01', 0.0)
    """
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not 0 < margin < math.inf:
        raise InvalidParameterError(f"margin must be a finite number > 0; got margin={margin!r}")
    a_scores, b_scores = _finite_scores("a", a_scores), _finite_scores("b", b_scores)
    if len(a_scores) != len(b_scores) or len(a_scores) < 2:
        raise InvalidParameterError(f"equivalence needs at least 2 paired scores; got {len(a_scores)} and {len(b_scores)}")
    d = [x - y for x, y in zip(a_scores, b_scores)]
    n = len(d)
    mean = math.fsum(d) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in d) / (n - 1))
    se = sd / math.sqrt(n)
    if se == 0:
        p = 0.0 if abs(mean) < margin else 1.0
        low = high = mean
    else:
        p = float(max(stats.t.sf((mean + margin) / se, n - 1), stats.t.cdf((mean - margin) / se, n - 1)))
        half = stats.t.ppf(0.95, n - 1) * se
        low, high = mean - half, mean + half
    label = f"equivalent within +-{margin:g}" if p < 1 - CONFIDENCE else f"not shown equivalent at n = {n}"
    return Equivalence(n, mean, low, high, float(margin), p, label)


def holm_equivalence(tests: list[Equivalence]) -> list[Equivalence]:
    """Holm's step-down adjustment of a table's TOST p-values: "equivalent" survives only at adjusted p < 0.05."""
    adjusted = _holm_adjusted([t.p for t in tests])
    return [replace(t, holm_label=t.label if (t.p < 1 - CONFIDENCE and q < 1 - CONFIDENCE)
                    else f"not shown equivalent at n = {t.n}") for t, q in zip(tests, adjusted)]
