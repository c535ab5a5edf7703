"""The certified inequalities of the claims: each defined once, with its box, its committed certificate and its check.

A claim module (``proofs_check/claims/``) declares
``CERTIFIED = [CertifiedInequality(name, claim, build, box, tight, domain)]``; ``build()`` returns the sympy
relational, assembled from ``htaf_theory.symbolic`` by substitutions only. The ``rigorous`` check of a claim
replays the committed certificate in ``proofs_check/certificates/`` (hash of the inequality, box, tight face,
every leaf): a stale or tampered certificate fails the check. ``search`` reruns the branch and bound from scratch
(``htaf check --slow``) and ``save_all`` rewrites the certificates (``python -m proofs_check --save-certificates``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .engine import Certificate, certify, replay
from .registry import Check, CheckResult, timed

__all__ = ["CertifiedInequality", "CERT_DIR", "all_certified", "replay_all", "save_all"]

CERT_DIR = Path(__file__).parent / "certificates"


@dataclass(frozen=True)
class CertifiedInequality:
    """One inequality of a claim, certified by ``certify`` and committed as a certificate (replayed by every check)."""

    name: str                       # certificate file stem
    claim: str                      # claim id
    build: Callable                 # () -> sympy relational (cached)
    box: Callable                   # () -> {symbol: (lo, hi)}
    tight: Callable | None          # () -> (symbol, side) or None
    domain: str                     # what the box means in the paper's variables
    max_boxes: int = 300_000
    prec: int = 128

    @functools.cached_property
    def inequality(self):
        return self.build()

    def problem(self):
        return self.inequality, self.box(), (None if self.tight is None else self.tight())

    def path(self, directory: Path | None = None) -> Path:
        return Path(CERT_DIR if directory is None else directory) / f"{self.name}.json"

    def search(self) -> Certificate:
        ineq, box, tight = self.problem()
        return certify(ineq, box, tight=tight, max_boxes=self.max_boxes, prec=self.prec, name=self.name)

    def replay(self, directory: Path | None = None):
        ineq, box, tight = self.problem()
        path = self.path(directory)
        if not path.is_file():
            return None, f"no committed certificate {path.name}: run python -m proofs_check --save-certificates"
        try:
            cert = Certificate.load(path)
        except ValueError as err:
            return None, f"unreadable certificate {path.name}: {err}"
        return cert, replay(cert, ineq, box, tight)

    def replay_check(self) -> Check:
        @timed
        def run(impl=None) -> CheckResult:
            cert, result = self.replay()
            if cert is None or not result:
                reason = result if cert is None else result.reason
                return CheckResult(self.claim, "rigorous", self.domain, "undecided", "",
                                   f"{self.name}: certificate refused: {reason}")
            # only what the replay recomputed is evidence: the certificate's own statement text, counts and
            # worst margin are not proof content and are never printed
            worst = "" if result.worst_margin is None else f"worst margin-leaf bound {result.worst_margin:.3g}"
            return CheckResult(self.claim, "rigorous", self.domain, "verified", worst,
                               f"{self.name}: committed certificate replayed: {result.summary(cert.prec)}; "
                               f"statement: {result.statement}; {'; '.join(result.face_proofs)}")
        run.__name__ = f"replay_{self.name}"
        return Check("rigorous", run)

    def search_check(self) -> Check:
        @timed
        def run(impl=None) -> CheckResult:
            cert = self.search()
            return CheckResult(self.claim, "rigorous-search", self.domain, cert.outcome,
                               "" if cert.worst_margin is None else f"worst margin-leaf bound {cert.worst_margin:.3g}",
                               f"{self.name}: fresh branch and bound in {cert.seconds:.1f}s; {cert.summary()}")
        run.__name__ = f"search_{self.name}"
        return Check("rigorous-search", run, slow=True)


def all_certified() -> list[CertifiedInequality]:
    """Every claim's CERTIFIED inequalities, in the paper's order."""
    from . import CLAIM_ORDER, CLAIMS
    return [item for cid in CLAIM_ORDER for item in CLAIMS[cid].certified]


def replay_all(directory: Path | None = None) -> dict:
    """name -> Replay (truthy iff the committed certificate proves today's definition)."""
    out = {}
    for item in all_certified():
        cert, result = item.replay(directory)
        out[item.name] = result if cert is not None else False
    return out


def save_all(directory: Path | None = None, stream=None) -> dict:
    """Search every certified inequality afresh; save the verified certificates; name -> outcome."""
    out = {}
    for item in all_certified():
        cert = item.search()
        out[item.name] = cert.outcome
        if cert.outcome == "verified":
            cert.save(directory)
        if stream is not None:
            print(f"{item.name}: {cert.summary()} ({cert.seconds:.1f}s)", file=stream)
    return out
