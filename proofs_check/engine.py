"""Sound certificates for inequalities on boxes: one sympy definition, arb branch and bound, replayable proof trees.

``certify(inequality, box, tight=...)`` proves ``lhs >= rhs`` (or ``<=``, ``>``, ``<``) for every point of a
box, or finds a counterexample, or says "undecided". Everything the engine evaluates is derived
mechanically from the one sympy relational it is given: the margin m = lhs - rhs (rhs - lhs for
``<=``), its derivatives along the tight variable (``sympy.diff``), and the face terms (``subs``);
each is compiled to arb ball arithmetic by ``arbcode.compile_arb``. No hand-written factor and no
hard-coded verdict enter a certificate. The acceptance rules (their soundness argument is in
docs/theory.md, "Certificates"):

1. **Margin leaf.** The arb enclosure of m over the leaf is finite with a lower bound > 0.
2. **Tight leaf** (only with ``tight=(v, side)``: m vanishes on the face v = lo, or v = hi, of the box).
   With sigma = +1 for "lo" and -1 for "hi", and K = 1 + the number of leading face terms
   d^j m / dv^j |_face (j = 0, 1, ...) that sympy proves identically 0:
   (i) every face term j < K is proved identically 0 by sympy, or its arb enclosure on the leaf's
   projection onto the face is >= 0 after multiplying by sigma^j;
   (ii) the arb enclosure of sigma^K d^K m / dv^K over the leaf *stretched back to the face* has a
   lower bound > 0.
   Taylor's theorem with integral remainder along each segment from the face to a point of the leaf
   then gives m >= 0 on the leaf (and m > 0 off the face).
3. **Counterexample.** m at an exact point (the leaf's midpoint, or its projection on the tight face)
   has an arb upper bound < 0.

A box that is none of these is bisected along its relatively widest side at an exact rational
midpoint, so the leaves cover the box exactly. When the arb enclosure at the leaf's midpoint itself
cannot tell the sign, the leaf is retried at 2, 4, 8 times the working precision; the precision used
is recorded in the leaf's code. The certificate stores the preorder split tree, the hash of the
inequality's canonical form (``sympy.srepr``), the exact box, the tight face, the precision and the
engine version; ``replay`` refuses any mismatch and any tree that does not cover the box exactly.

>>> import sympy as sp
>>> x = sp.Symbol("x", nonnegative=True)
>>> certify(sp.exp(x) >= 1 + x, {x: (0, 3)}, tight=(x, "lo")).outcome
'verified'
>>> certify(x - 2 >= 0, {x: (0, 3)}, tight=(x, "lo")).outcome
'counterexample'
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import sympy as sp
from flint import arb, ctx

from htaf_theory.validation import InvalidParameterError

from .arbcode import Iv, compile_arb, exact_fraction

__all__ = ["certify", "replay", "Certificate", "Replay", "Problem", "ENGINE_VERSION", "prove_zero", "inequality_hash"]

#: bumped whenever an acceptance rule changes: replay refuses certificates of another version
ENGINE_VERSION = "2.0"
_MAX_ORDER = 3        # highest derivative a tight face may need (K <= 3)


def inequality_hash(inequality) -> str:
    """sha256 of ``sympy.srepr`` of the relational: the canonical form a certificate is tied to."""
    return hashlib.sha256(sp.srepr(inequality).encode()).hexdigest()


def prove_zero(expr) -> str | None:
    """A short proof text if sympy shows ``expr`` is identically 0, else None (never a guess).

    >>> t = sp.Symbol("t", positive=True)
    >>> prove_zero(sp.tanh(sp.atanh(t)) - t) is not None, prove_zero(t - 1)
    (True, None)
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return "identically 0 after substitution"
    for label, candidate in (("simplify", expr), ("rewrite(exp) + simplify", expr.rewrite(sp.exp)),
                             ("rewrite(exp) + together + expand", None)):
        if candidate is None:
            simplified = sp.expand(sp.together(sp.expand(expr.rewrite(sp.exp))))
        else:
            simplified = sp.simplify(candidate)
        if simplified == 0:
            return f"sympy {label}: 0"
    return None


def _fmt(frac: Fraction) -> str:
    return str(frac)


def _ball(frac: Fraction) -> Iv:
    b = arb(frac.numerator) if frac.denominator == 1 else arb(frac.numerator) / frac.denominator
    return Iv.ball(b)


def _interval(lo: Fraction, hi: Fraction) -> Iv:
    if lo == hi:
        return _ball(lo)
    return Iv(_ball(lo).lo, _ball(hi).hi)


def _relational_margin(inequality):
    if not isinstance(inequality, sp.core.relational.Relational) or isinstance(inequality, (sp.Eq, sp.Ne)):
        raise InvalidParameterError(f"inequality must be a sympy relational lhs >= rhs, <=, > or <; got {inequality!r}")
    lhs, rhs = inequality.lhs, inequality.rhs
    if isinstance(inequality, (sp.GreaterThan, sp.StrictGreaterThan)):
        return lhs - rhs, isinstance(inequality, sp.StrictGreaterThan)
    return rhs - lhs, isinstance(inequality, sp.StrictLessThan)


def _check_assumptions(var: sp.Symbol, lo: Fraction, hi: Fraction) -> None:
    # sympy may use a symbol's assumptions while proving a face identity: they must hold on the box
    rules = [("positive", lo > 0), ("nonnegative", lo >= 0), ("negative", hi < 0), ("nonpositive", hi <= 0),
             ("zero", lo == hi == 0), ("nonzero", lo > 0 or hi < 0)]
    for name, holds in rules:
        if getattr(var, f"is_{name}") and not holds:
            raise InvalidParameterError(f"symbol {var} is declared {name} but its box is [{lo}, {hi}]")
    for name in ("integer", "rational", "prime", "even", "odd"):
        if getattr(var, f"is_{name}"):
            raise InvalidParameterError(f"symbol {var} is declared {name}: box variables range over the reals")



class Bound:
    """Rigorous lower bounds of one expression over boxes: the best of three arb enclosures.

    * naive: the expression evaluated on the box's balls;
    * monotonicity: where the arb enclosure of d e / d v_i over the box has a sign, e's minimum lies on
      the face v_i = lo (or hi), so v_i is fixed there (each fixed point stays in the box, and the sign
      holds on the whole box, so the chain of inequalities is valid);
    * centered (mean value) form: e(c) + sum_i d e/d v_i (box) * (box_i - c_i), c the midpoint.

    All three contain the true range; the gradient is ``sympy.diff`` of the same expression.
    """

    def __init__(self, expr, variables, name: str):
        self.expr = expr
        self.value = compile_arb(expr, variables, name=name)
        self.with_grad = compile_arb([expr, *(sp.diff(expr, v) for v in variables)], variables, name=f"{name}_grad")

    def lower(self, box):
        """A lower bound (an exact arb point) of the expression over ``box``, or None if none is finite."""
        values = self.with_grad([_interval(lo, hi) for lo, hi in box])
        value, grads = values[0], values[1:]
        best = value.lower() if value.is_finite() else None
        if not all(g.is_finite() for g in grads):
            return best
        reduced = list(box)
        for i, g in enumerate(grads):
            lo, hi = box[i]
            if lo == hi:
                continue
            if g.lower() >= 0:
                reduced[i] = (lo, lo)
            elif g.upper() <= 0:
                reduced[i] = (hi, hi)
        if reduced != list(box):
            values = self.with_grad([_interval(lo, hi) for lo, hi in reduced])
            value, grads = values[0], values[1:]
            if value.is_finite():
                best = value.lower() if best is None else max(best, value.lower())
            if not all(g.is_finite() for g in grads):
                return best
        center = [(lo + hi) / 2 for lo, hi in reduced]
        centered = self.value([_ball(c) for c in center])
        for g, (lo, hi), c in zip(grads, reduced, center):
            if hi > lo:
                centered += g * (_interval(lo, hi) - _ball(c))
        if centered.is_finite():
            best = centered.lower() if best is None else max(best, centered.lower())
        return best


class Problem:
    """An inequality compiled for the engine: the margin, the tight face's terms and derivative."""

    def __init__(self, inequality, box: dict, tight=None):
        self.inequality = inequality
        self.margin_expr, self.strict = _relational_margin(inequality)
        if not box:
            raise InvalidParameterError("box must map each free symbol of the inequality to (lo, hi)")
        by_name = {str(s): s for s in self.margin_expr.free_symbols}
        self.variables, self.box = [], []
        for key, bounds in box.items():
            var = by_name.get(key, None) if isinstance(key, str) else key
            if var is None:
                raise InvalidParameterError(f"box variable {key!r} does not occur in the inequality")
            try:
                lo, hi = (exact_fraction(v) for v in bounds)
            except (TypeError, ValueError) as err:
                raise InvalidParameterError(f"box[{key}] must be (lo, hi) with finite numbers; got {bounds!r}: {err}") from None
            if not lo <= hi:
                raise InvalidParameterError(f"box[{key}] = ({lo}, {hi}) must have lo <= hi")
            _check_assumptions(var, lo, hi)
            self.variables.append(var)
            self.box.append((lo, hi))
        missing = self.margin_expr.free_symbols - set(self.variables)
        if missing:
            raise InvalidParameterError(f"free symbols {sorted(map(str, missing))} of the inequality have no range in the box")
        self.margin = compile_arb(self.margin_expr, self.variables, name="margin")
        self.margin_bound = Bound(self.margin_expr, self.variables, "margin")
        self.tight = None
        self.face_proofs: list[str] = []
        if tight is not None:
            self._compile_tight(tight)

    def _compile_tight(self, tight) -> None:
        var, side = tight
        if isinstance(var, str):
            var = next((v for v in self.variables if str(v) == var), var)
        if var not in self.variables:
            raise InvalidParameterError(f"tight variable {var!r} is not a box variable {list(map(str, self.variables))}")
        if side not in ("lo", "hi"):
            raise InvalidParameterError(f"tight side must be 'lo' or 'hi'; got {side!r}")
        k = self.variables.index(var)
        face = self.box[k][0] if side == "lo" else self.box[k][1]
        face_value = sp.Rational(face.numerator, face.denominator)
        derivs = [self.margin_expr]
        proofs, order = [], _MAX_ORDER
        for j in range(_MAX_ORDER):
            if j > 0:
                derivs.append(sp.diff(derivs[-1], var))
            proof = prove_zero(derivs[j].subs(var, face_value))
            if proof is None:
                order = max(1, j)     # K = number of leading face terms proved 0 (the first one is checked by arb if not)
                break
            proofs.append(f"d^{j}m/d{var}^{j} = 0 on the face ({proof})")
        while len(derivs) <= order:
            derivs.append(sp.diff(derivs[-1], var))
        self.tight = (k, side, face, order)
        self.face_proofs = proofs
        sign = 1 if side == "lo" else -1
        # face terms not proved identically 0, each multiplied by sign^j: must be >= 0 on the face
        self.face_terms = [Bound(sign ** j * derivs[j].subs(var, face_value), self.variables, f"face{j}")
                           for j in range(len(proofs), order)]
        self.derivative = Bound(sign ** order * derivs[order], self.variables, f"d{order}")

    # ---- the three acceptance rules ----------------------------------------------------------
    def margin_lower(self, box):
        return self.margin_bound.lower(box)

    def tight_ok(self, box) -> bool:
        k, side, face, _ = self.tight
        lo, hi = box[k]
        stretched, on_face = list(box), list(box)
        stretched[k] = (face, hi) if side == "lo" else (lo, face)
        on_face[k] = (face, face)
        for term in self.face_terms:
            low = term.lower(on_face)
            if low is None or not low >= 0:
                return False
        low = self.derivative.lower(stretched)
        return low is not None and low > 0

    def point_margin(self, point) -> arb:
        return self.margin([_ball(p) for p in point])

    def classify(self, box) -> str | None:
        """'margin' | 'tight' | None at the current precision (the caller sets ctx.prec)."""
        low = self.margin_lower(box)
        if low is not None and low > 0:
            return "margin"
        if self.tight is not None and self.tight_ok(box):
            return "tight"
        return None

    def counterexample(self, box):
        """An exact point of the box where m < 0 rigorously, or None."""
        points = [[(lo + hi) / 2 for lo, hi in box]]
        if self.tight is not None:
            k, _, face, _ = self.tight
            on_face = list(points[0])
            on_face[k] = face
            points.append(on_face)
        for p in points:
            m = self.point_margin(p)
            if m.is_finite() and m.upper() < 0:
                return p, m
        return None

    def smear(self, box):
        """Per side, the largest normalised smear of the margin or of the face derivative; None if unknown."""
        widths = [float(hi - lo) for lo, hi in box]
        scores = []
        targets = [(self.margin_bound, box, None)]
        if self.tight is not None:
            k, side, face, _ = self.tight
            stretched = list(box)
            stretched[k] = (face, box[k][1]) if side == "lo" else (box[k][0], face)
            targets.append((self.derivative, stretched, k))
        for bound, region, skip in targets:
            grads = bound.with_grad([_interval(lo, hi) for lo, hi in region])[1:]
            if not all(g.is_finite() for g in grads):
                continue
            raw = [0.0 if i == skip else g.mag() * w for i, (g, w) in enumerate(zip(grads, widths))]
            top = max(raw)
            if top > 0:
                scores.append([r / top for r in raw])
        if not scores:
            return None
        return [max(col) for col in zip(*scores)]

    def undetermined_at_midpoint(self, box) -> bool:
        """True when the midpoint evaluation itself cannot fix the sign: more precision may help."""
        return self.point_margin([(lo + hi) / 2 for lo, hi in box]).sign_undetermined()


def _leaf_code(kind: str, level: int) -> int:
    return -1 - (2 * level + (0 if kind == "margin" else 1))


def _decode(code: int) -> tuple[str, int]:
    c = -1 - code
    return ("margin" if c % 2 == 0 else "tight"), c // 2


def _split(box, root, problem=None):
    """Bisect where it helps most: the largest smear |d e / d v_i| * width_i of the margin (and, on a box
    touching the tight face, of the face derivative); the relatively widest side when no gradient is finite.
    Any choice is sound: the tree records it and replay re-derives the same leaves."""
    widths = [(hi - lo) / (rh - rl) if rh > rl else Fraction(0) for (lo, hi), (rl, rh) in zip(box, root)]
    d = max(range(len(box)), key=lambda i: widths[i])
    if problem is not None:
        score = problem.smear(box)
        if score is not None and max(score) > 0:
            d = max(range(len(box)), key=lambda i: (score[i], widths[i]))
    return d, *_halves(box, d)


def _halves(box, d):
    lo, hi = box[d]
    mid = (lo + hi) / 2
    left, right = list(box), list(box)
    left[d], right[d] = (lo, mid), (mid, hi)
    return left, right


@dataclass
class Certificate:
    """The outcome of ``certify`` with everything ``replay`` needs to re-check it without searching."""

    name: str
    statement: str
    inequality_hash: str
    variables: list[str]
    box: list[list[str]]                    # exact rationals "p/q"
    tight: list | None                      # [variable, side, order K] or None
    prec: int
    engine: str = ENGINE_VERSION
    outcome: str = "undecided"              # verified | counterexample | undecided
    strict: bool = False
    boxes: int = 0
    leaves: int = 0
    tight_leaves: int = 0
    max_depth: int = 0
    max_level: int = 0                      # highest precision level used (prec * 2^level)
    worst_margin: float | None = None       # smallest lower bound over margin leaves
    face_proofs: list[str] = field(default_factory=list)
    counterexample: dict | None = None
    seconds: float = 0.0
    tree: list[int] = field(default_factory=list, repr=False)

    def save(self, directory) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path) -> "Certificate":
        data = json.loads(Path(path).read_text())
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise InvalidParameterError(f"{path}: not a certificate of engine {ENGINE_VERSION} (unknown fields {sorted(unknown)})")
        return cls(**data)

    def summary(self) -> str:
        if self.outcome == "counterexample":
            return f"counterexample: {self.counterexample}"
        if self.outcome == "undecided":
            return f"undecided after {self.boxes} boxes: {self.counterexample}"
        worst = "" if self.worst_margin is None else f", worst margin-leaf bound {self.worst_margin:.3g}"
        face = "" if not self.tight else f" ({self.tight_leaves} on the tight face {self.tight[0]} = {self.tight[1]}, order {self.tight[2]})"
        return f"verified: {self.leaves} leaves{face}, depth {self.max_depth}, precision up to {self.prec << self.max_level} bits{worst}"


def certify(inequality, box: dict, *, tight=None, max_boxes: int = 200_000, max_depth: int = 400, prec: int = 128,
            max_level: int = 3, name: str = "certificate") -> Certificate:
    """Prove ``inequality`` on ``box``, or find a counterexample, or report "undecided".

    Parameters
    ----------
    inequality : sympy relational (``lhs >= rhs``, ``<=``, ``>`` or ``<``)
    box : dict mapping each free symbol (or its name) to ``(lo, hi)``, Python numbers or sympy Rationals
    tight : None or ``(symbol, "lo" | "hi")``: a face of the box where lhs = rhs; see the module docstring
    max_boxes, max_depth : search limits; reaching one gives "undecided"
    prec : working precision in bits; a leaf may use prec * 2^level, level <= ``max_level``

    Returns
    -------
    Certificate, whose ``outcome`` is "verified", "counterexample" (``counterexample`` holds the
    exact point) or "undecided". For a strict inequality with a tight face, "verified" means
    ">= on the box, > off the face".

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> c = certify(sp.tanh(a) <= a, {a: (0.001, 10)}, tight=None)
    >>> c.outcome, c.leaves > 0
    ('verified', True)
    """
    start = time.time()
    if inequality in (sp.true, sp.false):
        # sympy already decided a statement without variables (e.g. -1 >= 0 evaluates to False)
        verdict = "verified" if inequality is sp.true else "counterexample"
        return Certificate(name=name, statement=str(inequality), inequality_hash=inequality_hash(inequality),
                           variables=[], box=[], tight=None, prec=prec, outcome=verdict,
                           counterexample=None if verdict == "verified" else {"point": {}, "margin": "sympy evaluates it to False"})
    problem = Problem(inequality, box, tight)
    root = problem.box
    cert = Certificate(name=name, statement=str(inequality), inequality_hash=inequality_hash(inequality),
                       variables=[str(v) for v in problem.variables], box=[[_fmt(lo), _fmt(hi)] for lo, hi in root],
                       tight=None if problem.tight is None else [str(problem.variables[problem.tight[0]]), problem.tight[1], problem.tight[3]],
                       prec=prec, strict=problem.strict, face_proofs=problem.face_proofs)
    old = ctx.prec
    worst = None
    try:
        stack = [(root, 0)]
        while stack:
            current, depth = stack.pop()
            cert.boxes += 1
            cert.max_depth = max(cert.max_depth, depth)
            kind, level = None, 0
            for level in range(max_level + 1):
                ctx.prec = prec << level
                kind = problem.classify(current)
                if kind is not None or not problem.undetermined_at_midpoint(current):
                    break
            if kind is not None:
                cert.tree.append(_leaf_code(kind, level))
                cert.leaves += 1
                cert.max_level = max(cert.max_level, level)
                if kind == "tight":
                    cert.tight_leaves += 1
                else:
                    low = float(problem.margin_lower(current))
                    worst = low if worst is None else min(worst, low)
                continue
            found = problem.counterexample(current)
            if found is not None:
                point, value = found
                cert.outcome = "counterexample"
                cert.counterexample = {"point": {str(v): float(p) for v, p in zip(problem.variables, point)},
                                       "exact point": {str(v): _fmt(p) for v, p in zip(problem.variables, point)},
                                       "margin": str(value)}
                return cert
            if depth >= max_depth or cert.boxes >= max_boxes:
                cert.outcome = "undecided"
                cert.counterexample = {"undecided box": {str(v): [float(lo), float(hi)] for v, (lo, hi) in zip(problem.variables, current)},
                                       "limit": "max_depth" if depth >= max_depth else "max_boxes"}
                return cert
            ctx.prec = prec
            d, left, right = _split(current, root, problem)
            cert.tree.append(d)
            stack.append((right, depth + 1))
            stack.append((left, depth + 1))       # left first: preorder
        cert.outcome = "verified"
        cert.worst_margin = worst
        return cert
    finally:
        ctx.prec = old
        cert.seconds = time.time() - start


@dataclass
class Replay:
    """The result of ``replay``: truthy iff the certificate proves the given inequality on the given box."""

    ok: bool
    reason: str
    leaves: int = 0

    def __bool__(self) -> bool:
        return self.ok


def replay(cert: Certificate, inequality, box: dict | None = None, tight=None) -> Replay:
    """Re-check every leaf of ``cert`` for ``inequality`` (on ``box`` and ``tight``, if given), without searching.

    Refuses: another engine version, a verdict other than "verified", an inequality whose canonical
    form differs (hash), a box or tight face other than the one given, a tree that is truncated or has
    trailing entries or invalid codes, and any leaf that fails its rule.
    """
    if cert.engine != ENGINE_VERSION:
        return Replay(False, f"engine {cert.engine!r}, this is {ENGINE_VERSION!r}")
    if cert.outcome != "verified":
        return Replay(False, f"outcome is {cert.outcome!r}")
    if cert.inequality_hash != inequality_hash(inequality):
        return Replay(False, "the inequality is not the one the certificate was made for (hash differs)")
    try:
        stored_box = {v: (Fraction(lo), Fraction(hi)) for v, (lo, hi) in zip(cert.variables, cert.box)}
    except (TypeError, ValueError, ZeroDivisionError) as err:
        return Replay(False, f"malformed box: {err}")
    problem_box = box if box is not None else stored_box
    try:
        problem = Problem(inequality, problem_box, None if tight is None and cert.tight is None else
                          (tight if tight is not None else (cert.tight[0], cert.tight[1])))
    except ValueError as err:
        return Replay(False, f"cannot set up the problem: {err}")
    if [str(v) for v in problem.variables] != cert.variables or [[_fmt(lo), _fmt(hi)] for lo, hi in problem.box] != cert.box:
        return Replay(False, "the box differs from the certificate's")
    expected_tight = None if problem.tight is None else [str(problem.variables[problem.tight[0]]), problem.tight[1], problem.tight[3]]
    if expected_tight != cert.tight:
        return Replay(False, f"tight face {cert.tight} differs from the claim's {expected_tight}")
    old = ctx.prec
    root = problem.box
    tree = cert.tree
    pos = 0
    leaves = 0
    try:
        stack = [root]
        while stack:
            current = stack.pop()
            if pos >= len(tree):
                return Replay(False, "the tree is truncated: a box has no leaf")
            code = tree[pos]
            pos += 1
            if not isinstance(code, int) or code >= len(root):
                return Replay(False, f"invalid tree code {code!r} at {pos - 1}")
            if code >= 0:
                left, right = _halves(current, code)
                stack.append(right)
                stack.append(left)
                continue
            kind, level = _decode(code)
            if level > 8:
                return Replay(False, f"precision level {level} out of range at {pos - 1}")
            ctx.prec = cert.prec << level
            if kind == "margin":
                low = problem.margin_lower(current)
                ok = low is not None and low > 0
            else:
                ok = problem.tight is not None and problem.tight_ok(current)
            if not ok:
                return Replay(False, f"leaf {leaves} ({kind}) fails at {[(float(lo), float(hi)) for lo, hi in current]}")
            leaves += 1
        if pos != len(tree):
            return Replay(False, f"{len(tree) - pos} trailing tree entries")
        return Replay(True, f"{leaves} leaves re-checked", leaves)
    finally:
        ctx.prec = old
