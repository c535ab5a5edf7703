"""Every claim of the HTAF paper as a check that can fail: ``python -m proofs_check`` writes docs/claims.md.

Importing this package registers the claims (one module per paper result) in ``CLAIMS``.
"""
from .engine import certify, replay
from .registry import CLAIMS, CheckResult, Claim, discover

CLAIM_ORDER = discover()

__all__ = ["CLAIMS", "CLAIM_ORDER", "Claim", "CheckResult", "run_all", "certify", "replay"]


def select_claims(claims=None) -> list[str]:
    """The claim ids to run, in the paper's order: all, or the given ones (an unknown id is refused by name)."""
    if claims is None or len(claims) == 0:
        return list(CLAIM_ORDER)
    unknown = [c for c in claims if c not in CLAIMS]
    if unknown:
        from htaf_theory.validation import InvalidParameterError
        raise InvalidParameterError(f"unknown claim id(s) {unknown}; valid ids: {', '.join(CLAIM_ORDER)}")
    return [cid for cid in CLAIM_ORDER if cid in set(claims)]


def run_all(include_slow: bool = False, progress=None, claims=None) -> list[CheckResult]:
    """Run every check of every claim (or of the ``claims`` ids given), in ``CLAIM_ORDER``; ``progress``: a stream
    that gets one line per claim."""
    chosen = select_claims(claims)
    results = []
    for i, cid in enumerate(chosen, 1):
        if progress is not None:
            print(f"[{i:>2}/{len(chosen)}] {cid}", file=progress, flush=True)
        if CLAIMS[cid].not_checkable:
            results.append(CheckResult(cid, "-", "-", "not checkable", "", CLAIMS[cid].not_checkable))
        for check in CLAIMS[cid].checks:
            if check.slow and not include_slow:
                continue
            try:
                results.append(check.run())
            except Exception as err:  # a crash is not a pass
                results.append(CheckResult(cid, check.method, "-", "undecided", "",
                                           f"check crashed: {type(err).__name__}: {err}"))
    return results
