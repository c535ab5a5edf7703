"""The claim registry: every claim of the paper with its statement, location, domain and checks.

A check returns a ``CheckResult`` with one of three honest outcomes: ``verified``,
``counterexample`` (with the point(s)) or ``undecided``. Checks take an ``impl`` mapping of
the library functions they test, so a deliberately wrong variant can be fed in and must be
rejected (tests/test_claims.py does that for every claim).

What a claim's row may say is derived, never written: each claim declares *what* is tested (``target``: the
paper's statement, a special case, a lemma of its proof, our reconstruction of a lost formula, our own
construction, an addition of ours) and whether its checks cover the paper's own domain; each check declares *how*
(its ``method``: a proof, high-precision evaluation on a stated grid, or numerical evidence) and whether it
covers the claim or one step of it. ``status`` turns these into the words of the report: a bare "verified"
only for the paper's statement proved over its own domain.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Claim", "Check", "CheckResult", "CLAIMS", "register", "discover", "timed", "compare", "from_violations",
           "status", "TARGETS", "METHODS", "OUTCOMES"]

#: what a claim's checks test, and how the report names it
TARGETS = {
    "statement": "the paper's statement",
    "corrected": "the paper's statement as corrected here (see its correction)",
    "special case": "a special case of the paper's statement",
    "lemma": "a lemma of the paper's proof, not the theorem itself",
    "reconstruction": "our reconstruction of a statement whose formula was lost",
    "construction": "our own construction, not the cited result",
    "addition": "an addition of ours, not in the paper",
    "library": "the package, not the paper",
}
#: how a check shows it: method -> strength (a higher number is stronger)
METHODS = {"symbolic": 3, "rigorous": 3, "rigorous-search": 3, "exact": 3, "precise": 2, "numerical": 1, "hypothesis": 1}
_HOW = {3: "proof", 2: "high-precision evaluation on a stated grid", 1: "numerical evidence"}
OUTCOMES = ("verified", "counterexample", "undecided", "not checkable")
#: the words a correction of the paper may start with (shown in the summary table)
CORRECTION_WORDS = ("counterexample", "holds only if", "holds only")


@dataclass
class CheckResult:
    """What one check of a claim found: its method, the domain covered, the outcome and the numbers."""

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
    """One way of checking a claim: its method (a key of METHODS) and the function that runs it."""

    method: str                      # a key of METHODS: how it shows what it shows
    run: Callable[..., CheckResult]  # run(impl=None) -> CheckResult
    slow: bool = False
    covers: str = "claim"            # "claim", or "step": one step of the argument (does not set the row's strength)

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"check method {self.method!r} is not one of {sorted(METHODS)}")
        if self.covers not in ("claim", "step"):
            raise ValueError(f"check covers {self.covers!r}: must be 'claim' or 'step'")


@dataclass
class Claim:
    """One claim of the paper: its statement, location, hypotheses, checks and the wrong variant they must reject."""

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
    target: str = "statement"        # a key of TARGETS: what the checks test
    full_domain: bool = False        # whether the checks cover the paper's own domain (not only a stated box or grid)
    correction: str = ""             # where the paper is wrong: starts with one of CORRECTION_WORDS, gives the point

    def __post_init__(self):
        if self.target not in TARGETS:
            raise ValueError(f"claim {self.id}: target {self.target!r} is not one of {sorted(TARGETS)}")
        if self.correction and not self.correction.startswith(CORRECTION_WORDS):
            raise ValueError(f"claim {self.id}: a correction starts with one of {CORRECTION_WORDS}")


def status(claim: Claim, results: list) -> str:
    """The row's word, derived from the claim's declared target and domain and its checks' declared methods.

    A failing check makes it "FAILED (<outcome>)". Otherwise "verified" alone only for the paper's statement proved
    over its own domain; else "verified (<what>; <how>)" for a proof or a high-precision grid, "supported (<what>;
    numerical evidence)" for evidence alone. Nothing a check prints can raise it: its outcome word is read only to
    tell passing from failing, and an outcome outside OUTCOMES counts as failing.
    """
    if claim.not_checkable:
        return "not checkable here"
    mine = [r for r in results if r.claim == claim.id]
    bad = [r for r in mine if r.outcome not in ("verified",)]
    if bad or not mine:
        return f"FAILED ({bad[0].outcome if bad else 'no check ran'})"
    ran = {r.method for r in mine}
    strengths = [METHODS[c.method] for c in claim.checks if c.covers == "claim" and c.method in ran]
    best = max(strengths, default=1)
    if claim.target == "statement" and claim.full_domain and best == 3:
        return "verified"
    scope = TARGETS[claim.target] + ("" if claim.full_domain else ", on the stated domain")
    word = "verified" if best >= 2 else "supported"
    return f"{word} ({scope}; {_HOW[best]})"

CLAIMS: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add ``claim`` to ``CLAIMS`` (refusing a second claim with the same id) and return it."""
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
