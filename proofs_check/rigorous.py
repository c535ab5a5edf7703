"""Rigorous branch and bound with arb balls (python-flint): certificates for inequalities on boxes.

A claim "margin(v) >= 0 for every v in the box" is certified by bisecting the box until, on
every leaf, either

* the arb enclosure of the margin has a lower bound > 0 (a *margin leaf*), or
* a *tight face* is declared (a face where margin = 0 exactly, proved symbolically for the
  same formula, see ``Tight.face_identity``) and the arb enclosure of the derivative of the
  margin along the face's variable, away from the face, is > 0 on the leaf extended back to
  the face (a *tight leaf*: margin = 0 on the face and increases from there, so it is >= 0).

A leaf whose midpoint margin has an upper bound < 0 is a counterexample (the point is
recorded); running out of depth or boxes leaves the claim *undecided*, which counts as a
failure. Box coordinates are floats (exact dyadic numbers); bisection at float midpoints
keeps the cover exact. The certificate stores the root box and the split tree in preorder,
so ``replay`` re-derives every leaf and re-checks it without searching.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from flint import arb, ctx

__all__ = ["Tight", "Certificate", "branch_and_bound", "replay", "ball", "CERT_DIR"]

CERT_DIR = Path(__file__).parent / "certificates"
_MARGIN_LEAF, _TIGHT_LEAF = -1, -2


def ball(lo: float, hi: float) -> arb:
    """An arb ball containing the closed interval [lo, hi] (endpoints are exact floats)."""
    return arb(lo) if lo == hi else arb(lo).union(arb(hi))


@dataclass
class Tight:
    """A face of the box where the margin is exactly 0 (variable ``var`` at its ``side`` end)."""

    var: int
    side: str                                   # "lo" or "hi"
    derivative: Callable[[list], list]          # positive factors whose product bounds d margin / d var from below
    face_identity: Callable[[], tuple[str, str]]  # (verified | counterexample | undecided, evidence)
    description: str = ""


@dataclass
class Certificate:
    claim: str
    name: str
    statement: str
    variables: list[str]
    box: list[list[float]]
    outcome: str = "undecided"                  # verified | counterexample | undecided
    boxes: int = 0                              # boxes evaluated
    leaves: int = 0
    tight_leaves: int = 0
    max_depth: int = 0
    worst_margin: float | None = None           # smallest lower bound over margin leaves
    tight_face: str | None = None
    face_evidence: str | None = None
    counterexample: dict | None = None
    prec: int = 128
    seconds: float = 0.0
    tree: list[int] = field(default_factory=list, repr=False)

    def save(self, directory: Path = CERT_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        path.write_text(json.dumps(asdict(self)))
        return path

    @classmethod
    def load(cls, path) -> "Certificate":
        return cls(**json.loads(Path(path).read_text()))

    def summary(self) -> str:
        if self.outcome == "counterexample":
            return f"counterexample at {self.counterexample}"
        return (f"{self.outcome}: {self.leaves} leaves ({self.tight_leaves} on the tight face), "
                f"depth {self.max_depth}, worst margin {self.worst_margin:.3g}" if self.worst_margin is not None
                else f"{self.outcome}: {self.leaves} leaves, depth {self.max_depth}")


def _balls(box):
    return [ball(lo, hi) for lo, hi in box]


def _to_face(box, tight: Tight, root):
    """The box stretched along the tight variable back to the face."""
    out = list(box)
    lo, hi = box[tight.var]
    out[tight.var] = (root[tight.var][0], hi) if tight.side == "lo" else (lo, root[tight.var][1])
    return out


def _tight_ok(box, tight: Tight, root) -> bool:
    # factor by factor: a product of wide positive balls can lose its sign in midpoint-radius
    # arithmetic, while each factor alone keeps a positive lower bound
    sign = 1 if tight.side == "lo" else -1
    factors = tight.derivative(_balls(_to_face(box, tight, root)))
    if sign < 0:
        factors = [-factors[0], *factors[1:]]
    return all(f.is_finite() and f.lower() > 0 for f in factors)


def _classify(margin, box, root, tight: Tight | None, face_ok: bool):
    """'margin' (with its lower bound), 'tight', 'counter' (with the point) or None (split)."""
    m = margin(_balls(box))
    if m.is_finite() and m.lower() > 0:
        return "margin", float(m.lower())
    if tight is not None and face_ok and _tight_ok(box, tight, root):
        return "tight", None
    point = [0.5 * (lo + hi) for lo, hi in box]
    mp = margin([arb(p) for p in point])
    if mp.is_finite() and mp.upper() < 0:
        return "counter", point
    return None, None


def _split(box, root) -> tuple[int, list, list]:
    widths = [(hi - lo) / (rh - rl) if rh > rl else 0.0 for (lo, hi), (rl, rh) in zip(box, root)]
    d = max(range(len(box)), key=lambda i: widths[i])
    lo, hi = box[d]
    mid = 0.5 * (lo + hi)
    left, right = list(box), list(box)
    left[d], right[d] = (lo, mid), (mid, hi)
    return d, left, right


def branch_and_bound(claim: str, name: str, statement: str, variables: list[str], box: list[tuple[float, float]],
                     margin: Callable[[list], arb], tight: Tight | None = None, *, max_boxes: int = 200_000,
                     max_depth: int = 60, prec: int = 128) -> Certificate:
    """Certify margin >= 0 on ``box``; see the module docstring for the rules."""
    start = time.time()
    root = [tuple(map(float, b)) for b in box]
    cert = Certificate(claim, name, statement, variables, [list(b) for b in root], prec=prec,
                       tight_face=None if tight is None else f"{variables[tight.var]} = {tight.side} end: {tight.description}")
    old = ctx.prec
    ctx.prec = prec
    try:
        face_ok = False
        if tight is not None:
            status, evidence = tight.face_identity()
            cert.face_evidence = evidence
            if status != "verified":
                cert.outcome = status
                cert.counterexample = {"face": cert.tight_face, "evidence": evidence}
                return cert
            face_ok = True
        worst = float("inf")
        stack = [(root, 0)]
        while stack:
            current, depth = stack.pop()
            cert.boxes += 1
            cert.max_depth = max(cert.max_depth, depth)
            kind, info = _classify(margin, current, root, tight, face_ok)
            if kind == "margin":
                cert.tree.append(_MARGIN_LEAF)
                cert.leaves += 1
                worst = min(worst, info)
            elif kind == "tight":
                cert.tree.append(_TIGHT_LEAF)
                cert.leaves += 1
                cert.tight_leaves += 1
            elif kind == "counter":
                cert.outcome = "counterexample"
                cert.counterexample = dict(zip(variables, info))
                return cert
            elif depth >= max_depth or cert.boxes >= max_boxes:
                cert.outcome = "undecided"
                cert.counterexample = {"undecided box": [list(b) for b in current]}
                return cert
            else:
                d, left, right = _split(current, root)
                cert.tree.append(d)
                stack.append((right, depth + 1))  # left is popped first: preorder
                stack.append((left, depth + 1))
        cert.outcome = "verified"
        cert.worst_margin = worst if worst != float("inf") else None
        return cert
    finally:
        ctx.prec = old
        cert.seconds = time.time() - start


def replay(cert: Certificate, margin: Callable[[list], arb], tight: Tight | None = None) -> bool:
    """Re-derive every leaf from the stored split tree and re-check it; True if all hold."""
    if cert.outcome != "verified":
        return False
    root = [tuple(b) for b in cert.box]
    old = ctx.prec
    ctx.prec = cert.prec
    try:
        if tight is not None and tight.face_identity()[0] != "verified":
            return False
        pos = 0

        def walk(current) -> bool:
            nonlocal pos
            code = cert.tree[pos]
            pos += 1
            if code == _MARGIN_LEAF:
                m = margin(_balls(current))
                return bool(m.is_finite() and m.lower() > 0)
            if code == _TIGHT_LEAF:
                return tight is not None and _tight_ok(current, tight, root)
            lo, hi = current[code]
            mid = 0.5 * (lo + hi)
            left, right = list(current), list(current)
            left[code], right[code] = (lo, mid), (mid, hi)
            return walk(left) and walk(right)

        return walk(root) and pos == len(cert.tree)
    finally:
        ctx.prec = old
