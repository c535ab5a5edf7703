"""The claim registry: every claim of the paper with its statement, location, domain and checks.

A check returns a ``CheckResult`` with one of three honest outcomes: ``verified``,
``counterexample`` (with the point(s)) or ``undecided``. Checks take an ``impl`` mapping of
the library functions they test, so a deliberately wrong variant can be fed in and must be
rejected (tests/test_claims.py does that for every claim).
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Claim", "Check", "CheckResult", "CLAIMS", "register", "discover", "timed", "compare", "from_violations"]


@dataclass
class CheckResult:
    claim: str
    method: str                      # symbolic | precise | hypothesis | rigorous | exact
    domain: str                      # what was covered
    outcome: str                     # verified | counterexample | undecided
    margin: str = ""                 # worst margin or max error, as text
    detail: str = ""                 # evidence, or the counterexample
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        # "not checkable" is an honest row of the report (the reason is in ``detail``), not a failure
        return self.outcome in ("verified", "not checkable")


@dataclass
class Check:
    method: str
    run: Callable[..., CheckResult]  # run(impl=None) -> CheckResult
    slow: bool = False


@dataclass
class Claim:
    id: str
    statement: str
    location: str
    hypotheses: str
    checks: list[Check] = field(default_factory=list)
    note: str = ""                   # where the paper is imprecise, with the evidence
    not_checkable: str = ""          # why no check can be run here (then ``checks`` is empty)
    order: tuple = ()                # position in the paper's numbering (set from the claim module's ORDER)
    wrong: Callable | None = None    # () -> CheckResult of a deliberately wrong variant (the module's WRONG)
    certified: list = field(default_factory=list)   # the module's CERTIFIED inequalities


CLAIMS: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    if claim.id in CLAIMS:
        raise ValueError(f"claim id {claim.id!r} registered twice")
    CLAIMS[claim.id] = claim
    return claim


def discover() -> list[str]:
    """Import every module of ``proofs_check.claims``, register its CLAIM, and return the ids in the paper's order."""
    import importlib
    import pkgutil

    from . import claims as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        claim = module.CLAIM
        claim.order = tuple(module.ORDER)
        claim.wrong = module.WRONG
        claim.certified = list(getattr(module, "CERTIFIED", []))
        if claim.id not in CLAIMS:
            register(claim)
    return [c.id for c in sorted(CLAIMS.values(), key=lambda c: (c.order, c.id))]


def timed(fn: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """Fill in ``seconds`` on the returned result."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.time()
        result = fn(*args, **kwargs)
        result.seconds = time.time() - t0
        return result
    return wrapper


def from_violations(claim: str, method: str, domain: str, bad: list[str], margin: str, detail: str) -> CheckResult:
    """``counterexample`` listing the first violations, or ``verified`` with the given margin and detail."""
    if bad:
        return CheckResult(claim, method, domain, "counterexample", f"{len(bad)} violations", "; ".join(bad[:8]))
    return CheckResult(claim, method, domain, "verified", margin, detail)


def compare(claim: str, method: str, domain: str, points, got, want, *, rtol: float, atol: float = 0.0,
            what: str = "value") -> CheckResult:
    """SciPy-style comparison: max abs/rel difference and every bad point."""
    bad, max_abs, max_rel = [], 0.0, 0.0
    for p, g, w in zip(points, got, want):
        g, w = float(g), float(w)
        diff = abs(g - w)
        rel = diff / abs(w) if w != 0 else (0.0 if diff == 0 else float("inf"))
        max_abs, max_rel = max(max_abs, diff), max(max_rel, rel)
        if not diff <= atol + rtol * abs(w):
            bad.append((p, g, w))
    margin = f"max abs diff {max_abs:.3g}, max rel diff {max_rel:.3g} (rtol {rtol:g})"
    if bad:
        lines = "; ".join(f"at {p}: {what} {g!r} vs {w!r}" for p, g, w in bad[:10])
        more = f" (+{len(bad) - 10} more)" if len(bad) > 10 else ""
        return CheckResult(claim, method, domain, "counterexample", margin,
                           f"{len(bad)} of {len(points)} points differ: {lines}{more}")
    return CheckResult(claim, method, domain, "verified", margin, f"{len(points)} points")
