"""Two-stage sweeps: candidates on seed (split) 0, then each group's choice on validation on every seed.

Stage 1 runs every candidate of a group (e.g. one method's settings on one network) on seed 0; the candidate whose
deployed model scores best on the validation split is the group's choice, and stage 2 runs it on every seed. The
choice uses validation data only; the test split is never looked at before every seed has run.
"""
from __future__ import annotations

from dataclasses import replace

__all__ = ["select_on_validation", "staged_plan"]


def select_on_validation(records: list[dict]) -> dict:
    """The record whose deployed model (binarized when HTAF/SS) scores best on the validation split (RMSE: lowest;
    AUROC, accuracy: highest; the first such record on ties). All candidates of one choice are scored by one
    metric; none (an empty list) or a mix of metrics is refused by name. A diverged candidate (no validation score,
    or NaN) ranks last; if every candidate diverged, the first is returned with a RuntimeWarning naming them (the
    choice then carries no information, and its stage-2 cells will likely diverge too)."""
    from ..validation import InvalidParameterError
    if not records:
        raise InvalidParameterError("select_on_validation needs at least one candidate record; got none")
    metrics = {rec["results"]["metric"] for rec in records}
    if len(metrics) != 1:
        raise InvalidParameterError(f"the candidates of one choice must share one metric; got {sorted(metrics)}")

    def score(rec):
        res = rec["results"]
        v = res["metrics"]["val_binarized"]
        if v is None or v != v:
            return float("inf")
        return v if res["metric"] == "rmse" else -v
    scores = [score(rec) for rec in records]
    if all(v == float("inf") for v in scores):
        import warnings
        names = [rec["config"].get("name", rec["config"].get("tag", "?")) if isinstance(rec.get("config"), dict) else "?"
                 for rec in records]
        warnings.warn(f"select_on_validation: every candidate diverged (no validation score): {names[:5]}"
                      f"{' ...' if len(names) > 5 else ''}; the first is chosen", RuntimeWarning, stacklevel=2)
    return records[scores.index(min(scores))]


def staged_plan(store, groups, candidates, seeds) -> tuple[list, dict]:
    """Stage-1 cells of a two-stage sweep, and ``{(*group, seed): cell}`` once a group's stage 1 is done.

    ``store``: a ``ResultStore``; ``groups``: keys such as (dataset, method); ``candidates(*group)``: that group's
    stage-1 cells (on split 0); the one whose deployed model scores best on validation (``select_on_validation``)
    runs on every seed.
    """
    stage1, chosen = [], {}
    for group in groups:
        cands = candidates(*group)
        stage1 += cands
        records = [store.load(c) for c in cands]
        if all(r is not None for r in records):
            best = type(cands[0]).from_dict(select_on_validation(records)["config"])
            for s in seeds:
                chosen[(*group, s)] = replace(best, seed=s)
    return stage1, chosen
