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
import re
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import sympy as sp
from flint import arb, ctx

from htaf_theory.validation import InvalidParameterError

from .arbcode import Iv, compile_arb, compile_tree
from .branches import split_kinks, without_min_max
from .statement import MAX_EXACT_BITS, _endpoint, check_name, exact_size_estimate, prepare

__all__ = ["certify", "certify_parts", "replay", "Certificate", "Replay", "Problem", "ENGINE_VERSION", "prove_zero",
           "inequality_hash"]

#: bumped whenever the tree's meaning changes: replay refuses certificates of another version. Rules that only
#: get stricter keep it: replay re-checks every leaf under today's rules.
ENGINE_VERSION = "2.0"
_MAX_ORDER = 8        # highest derivative a tight face may need (K <= 8: cos x >= 1 - x^2/2 needs 4, sin 5)
MIN_PREC, MAX_PREC = 16, 4096   # working precision in bits, for certify and for a certificate's ``prec``
MAX_LEVEL = 8                   # a leaf may use prec * 2^level bits, level <= MAX_LEVEL
#: the replay work a certificate may ask for: bits of one leaf (prec * 2^level), their sum over the leaves, and
#: the tree's length; beyond them a certificate is refused before any leaf is evaluated (the committed ones use
#: 128-bit leaves and at most 1.9 million bits in all)
MAX_LEAF_BITS = 16384
MAX_REPLAY_BITS = 2 ** 23
MAX_TREE = 1 << 18
#: deepest split a certificate may record (certify's ``max_depth`` at most, replay refuses deeper trees before any
#: leaf is evaluated): a box at depth d has endpoints of d more bits, so the cost of a leaf grows with d
MAX_DEPTH = 2048
#: a box endpoint string in a certificate: an integer or p/q, at most 1300 digits each (2^4096 has 1234)
_ENDPOINT_TEXT = re.compile(r"-?[0-9]{1,1300}(/[0-9]{1,1300})?")


def inequality_hash(inequality) -> str:
    """sha256 of ``sympy.srepr`` of the relational: the canonical form a certificate is tied to."""
    return hashlib.sha256(sp.srepr(inequality).encode()).hexdigest()


def prove_zero(expr) -> str | None:
    """A short proof text if sympy shows ``expr`` is identically 0, else None (never a guess).

    >>> t = sp.Symbol("t", positive=True)
    >>> prove_zero(sp.tanh(sp.atanh(t)) - t) is not None, prove_zero(t - 1)
    (True, None)
    """
    if expr is None:
        return None
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
        # bounds use cse's exact rewriting (tighter enclosures); it equals expr wherever expr is defined
        self.value = compile_arb(expr, variables, name=name, rewrite=True)
        self.with_grad = compile_arb([expr, *(sp.diff(expr, v) for v in variables)], variables, name=f"{name}_grad",
                                     rewrite=True)

    def lower(self, box):
        """A lower bound (an exact arb point) of the expression over ``box``, or None if none is finite.

        Valid where the expression is defined on ``box``; the leaf rules establish that separately
        (``Problem.classify``: the margin's plain enclosure is finite on every leaf)."""
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


class _Branch:
    """The margin with every kink's sign fixed (no kink left): its bounds and, with a tight face, its face terms
    and its K-th derivative along the tight variable."""

    def __init__(self, problem: "Problem", expr, label: str):
        self.margin = Bound(expr, problem.variables, f"margin{label}")
        self.face_terms, self.derivative = [], None
        if problem.tight is not None:
            k, side, face, _ = problem.tight
            order, proofs, derivs = problem.tight_order(expr, k, face)
            sign = 1 if side == "lo" else -1
            # face terms not proved identically 0, each multiplied by sign^j: must be >= 0 on the face. (Those sympy
            # proves 0 are defined there: every leaf shows the margin's own tree defined and analytic on it.)
            self.face_terms = [Bound(sign ** j * problem.on_face(derivs[j], problem.variables[k], face, keep=True),
                                     problem.variables, f"face{j}{label}") for j in range(len(proofs), order)]
            self.derivative = Bound(sign ** order * derivs[order], problem.variables, f"d{order}{label}")


class Problem:
    """An inequality compiled for the engine: the margin, the tight face's terms and derivative.

    A margin with kinks (Abs, Min, Max; ``branches``) is handled branch by branch: on a region where every kink's
    argument has a proved sign, the margin equals its branch with those signs, a kink-free expression whose
    bounds and derivatives the rules use (compiled once per sign pattern met, ``branch``); elsewhere only the
    plain enclosure of the margin (kinks evaluated as intervals) can decide a leaf.
    """

    def __init__(self, inequality, box: dict, tight=None):
        statement = prepare(inequality, box, tight)
        self.statement = statement
        self.inequality = statement.relational
        self.strict = statement.strict
        self.margin_expr = without_min_max(statement.margin)
        self.variables, self.box = list(statement.variables), list(statement.box)
        # the statement exactly as written (lhs, rhs, every sub-term evaluated, nothing re-evaluated by sympy):
        # definedness on every leaf, and point values
        self.written = compile_tree(list(statement.written), self.variables, name="written")
        self.branch_expr, self.kinks = split_kinks(self.margin_expr)
        self.margin_value = (compile_arb(self.margin_expr, self.variables, name="margin_value", rewrite=True)
                             if self.kinks else None)
        self._branches: dict = {}
        self._kink_bounds: dict = {}
        self._kink_slopes: dict = {}
        self.tight = None
        self.face_proofs: list[str] = []
        if statement.tight is not None:
            k, side = statement.tight
            face = self.box[k][0] if side == "lo" else self.box[k][1]
            # the order K a certificate records: of the branch with its signs as symbols (the same for every sign
            # pattern where the face terms vanish whatever the signs; a pattern may need a higher K, found per branch)
            order, self.face_proofs, _ = self.tight_order(self.branch_expr, k, face)
            self.tight = (k, side, face, order)
        if not self.kinks:
            self.branch(())

    def tight_order(self, expr, k: int, face: Fraction):
        """(K, the zero proofs of the face terms j < K, the derivatives d^j expr / dv^j for j <= K)."""
        var = self.variables[k]
        derivs = [expr]
        proofs, order = [], _MAX_ORDER
        for j in range(_MAX_ORDER):
            if j > 0:
                derivs.append(sp.diff(derivs[-1], var))
            proof = prove_zero(self.on_face(derivs[j], var, face))
            if proof is None:
                order = max(1, j)     # K = number of leading face terms proved 0 (the first one is checked by arb if not)
                break
            proofs.append(f"d^{j}m/d{var}^{j} = 0 on the face ({proof})")
        while len(derivs) <= order:
            derivs.append(sp.diff(derivs[-1], var))
        return order, proofs, derivs

    def branch(self, signs: tuple) -> _Branch:
        """The compiled branch for one sign pattern (+1 or -1 per kink, innermost first), built on first use."""
        if signs not in self._branches:
            expr = self.branch_expr.subs(dict(zip((s for s, _ in self.kinks), signs))) if signs else self.branch_expr
            self._branches[signs] = _Branch(self, expr, "_" + "".join("p" if v > 0 else "n" for v in signs))
        return self._branches[signs]

    def signs_on(self, region, face=None):
        """The sign of every kink's argument on ``region`` (a tuple of +1 / -1, innermost kink first; 0 counts as
        either), or None if one has no proved sign there. Each argument is bounded with the signs of the kinks
        inside it already fixed, so the bound is of the argument itself on ``region``.

        ``face = (k, side, f)``: ``region`` reaches the face v_k = f. An argument that sympy proves identically 0 on
        the face has a sign on ``region`` if its derivative along v_k does (mean value theorem from the face): the
        rule that settles a kink vanishing at a face whose value f has no exact binary form (1/3), where the
        rounded bounds of the argument straddle 0."""
        signs: list = []
        for i, (_, arg) in enumerate(self.kinks):
            key = (i, tuple(signs))
            if key not in self._kink_bounds:
                inner = arg.subs(dict(zip((s for s, _ in self.kinks), signs))) if signs else arg
                self._kink_bounds[key] = (inner, Bound(inner, self.variables, f"kink{i}"),
                                          Bound(-inner, self.variables, f"kink{i}n"))
            inner, positive, negative = self._kink_bounds[key]
            low = positive.lower(region)
            if low is not None and low >= 0:
                signs.append(1)
                continue
            high = negative.lower(region)
            if high is not None and high >= 0:
                signs.append(-1)
                continue
            sign = None if low is None or face is None else self._sign_from_face(key, inner, region, face)
            if sign is None:
                return None
            signs.append(sign)
        return tuple(signs)

    def _sign_from_face(self, key, inner, region, face):
        k, side, f = face
        var = self.variables[k]
        cache_key = (key, k, side, f)
        if cache_key not in self._kink_slopes:
            zero = prove_zero(self.on_face(inner, var, f)) is not None
            slope = sp.diff(inner, var) * (1 if side == "lo" else -1)     # the sign of g(p) - g(face) along v_k
            self._kink_slopes[cache_key] = (zero, Bound(slope, self.variables, f"kink_slope{key[0]}"),
                                            Bound(-slope, self.variables, f"kink_slope{key[0]}n"))
        zero, rising, falling = self._kink_slopes[cache_key]
        if not zero:
            return None
        for sign, bound in ((1, rising), (-1, falling)):
            low = bound.lower(region)
            if low is not None and low >= 0:
                return sign
        return None

    @staticmethod
    def on_face(expr, var, face: Fraction, keep: bool = False):
        """``expr`` with ``var`` = ``face`` substituted exactly, when the exact numbers that forms stay within
        ``MAX_EXACT_BITS`` (x**n at x = 3 forms 3^n). Otherwise: ``expr`` itself when ``keep`` (the face terms are
        evaluated on the face, so the arb enclosure is the same function), else None: no symbolic proof is
        attempted (never a guess: the arb rules decide)."""
        if exact_size_estimate(expr, {var: face}) > MAX_EXACT_BITS:
            return expr if keep else None
        return expr.subs(var, sp.Rational(face.numerator, face.denominator))

    # ---- the three acceptance rules ----------------------------------------------------------
    def margin_lower(self, box):
        """A lower bound of the margin over ``box`` (None if none is finite): the bounds of its branch where every
        kink has a proved sign on ``box``, and with kinks the plain enclosure of the margin (kinks as intervals)."""
        if not self.kinks:
            return self.branch(()).margin.lower(box)
        value = self.margin_value([_interval(lo, hi) for lo, hi in box])
        best = value.lower() if value.is_finite() else None
        signs = self.signs_on(box)
        if signs is not None:
            low = self.branch(signs).margin.lower(box)
            if low is not None:
                best = low if best is None else max(best, low)
        return best

    def tight_ok(self, box) -> bool:
        """The tight-face rule on ``box`` (module docstring, rule 2), with one branch for the stretched leaf."""
        k, side, face, _ = self.tight
        lo, hi = box[k]
        stretched, on_face = list(box), list(box)
        stretched[k] = (face, hi) if side == "lo" else (lo, face)
        on_face[k] = (face, face)
        if not self.defined(box):
            return False
        # one branch for the whole stretched leaf: the face terms and the derivative use the same signs
        signs = self.signs_on(stretched, face=(k, side, face))
        if signs is None:
            return False
        branch = self.branch(signs)
        for term in branch.face_terms:
            low = term.lower(on_face)
            if low is None or not low >= 0:
                return False
        low = branch.derivative.lower(stretched)
        return low is not None and low > 0

    def defined(self, box) -> bool:
        """True if the enclosures of lhs and rhs *as written* over ``box`` are finite: then every sub-term of the
        statement is defined and analytic on all of ``box`` (every log, sqrt, atanh argument inside its domain, no
        division by an interval containing 0, no power of an undefined base; arbcode's runtime is finite only
        there). Neither the margin lhs - rhs (sympy may cancel 1/x - 1/x while forming it) nor the rewritten form
        the bounds use (cse re-evaluates every node) can show this."""
        return all(v.is_finite() for v in self.written([_interval(lo, hi) for lo, hi in box]))

    def point_margin(self, point) -> Iv:
        """The margin at an exact point, from lhs and rhs as written (non-finite where either is undefined)."""
        lhs, rhs = self.written([_ball(p) for p in point])
        ge = isinstance(self.inequality, (sp.GreaterThan, sp.StrictGreaterThan))
        return lhs - rhs if ge else rhs - lhs

    def exact_margin_zero(self, point) -> bool:
        """Whether sympy proves the margin exactly 0 at the exact rational ``point`` (asked only where arb cannot
        tell the sign: an equality point of the statement)."""
        # the margin with exact constants (the front end's exact_constants): substituting into the statement as
        # written would let sympy evaluate 3.0*x at 53 bits and round a margin of -6e-61 to 0
        values = dict(zip(self.variables, point))
        if exact_size_estimate(self.margin_expr, values) > MAX_EXACT_BITS:
            return False
        subs = {v: sp.Rational(p.numerator, p.denominator) for v, p in values.items()}
        return prove_zero(self.margin_expr.subs(subs)) is not None

    def classify(self, box) -> str | None:
        """'margin' | 'tight' | 'exact' | None at the current precision (the caller sets ctx.prec)."""
        if not self.defined(box):
            return None
        if self.exact_ok(box):
            return "exact"
        low = self.margin_lower(box)
        if low is not None and low > 0:
            return "margin"
        if self.tight is not None and self.tight_ok(box):
            return "tight"
        return None

    def exact_ok(self, box) -> bool:
        """The exact-point rule: ``box`` is a single point (every side of width 0), the statement is not strict,
        and sympy proves the margin exactly 0 there (where it is > 0 the margin rule decides)."""
        if self.strict or any(lo != hi for lo, hi in box) or not self.defined(box):
            return False
        m = self.point_margin([lo for lo, _ in box])
        return m.is_finite() and m.lower() <= 0 <= m.upper() and self.exact_margin_zero([lo for lo, _ in box])

    def counterexample(self, box):
        """An exact point of the box where m < 0 rigorously, or (strict statements) m = 0 exactly; or None.

        The points tried: the midpoint, its projection on the tight face and, for a strict statement, the box's
        lower and upper corners (where a strict inequality that fails with equality, x > 0 on [0, 1], fails)."""
        points = [[(lo + hi) / 2 for lo, hi in box]]
        if self.tight is not None:
            k, _, face, _ = self.tight
            on_face = list(points[0])
            on_face[k] = face
            points.append(on_face)
        if self.strict:
            points += [[lo for lo, _ in box], [hi for _, hi in box]]
        for p in points:
            m = self.point_margin(p)
            if m.is_finite() and m.upper() < 0:
                return p, m
            if self.strict and m.is_finite() and m.lower() <= 0 <= m.upper() and self.exact_margin_zero(p):
                return p, "0 (exactly: sympy proves lhs - rhs = 0 there)"
        return None

    def undefined_point(self, box):
        """An exact point of the box (midpoint, or its projection on the tight face) where the margin is not
        defined (arb finds no finite value at the current precision: log of a number <= 0, 1/0, ...), or None."""
        points = [[(lo + hi) / 2 for lo, hi in box]]
        if self.tight is not None:
            k, _, face, _ = self.tight
            points.append([face if i == k else p for i, p in enumerate(points[0])])
        for p in points:
            if not self.point_margin(p).is_finite():
                return p
        return None

    def smear(self, box):
        """Per side, the largest normalised smear of the margin or of the face derivative; None if unknown."""
        widths = [float(hi - lo) for lo, hi in box]
        scores = []
        targets = [(box, None)]
        if self.tight is not None:
            k, side, face, _ = self.tight
            stretched = list(box)
            stretched[k] = (face, box[k][1]) if side == "lo" else (box[k][0], face)
            targets.append((stretched, k))
        for region, skip in targets:
            signs = self.signs_on(region) if self.kinks else ()
            if signs is None:
                continue
            branch = self.branch(signs)
            bound = branch.margin if skip is None else branch.derivative
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


def _problem(inequality, box, tight) -> Problem:
    """``Problem(...)``, with every failure of the symbolic steps as an InvalidParameterError naming it."""
    try:
        return Problem(inequality, box, tight)
    except InvalidParameterError:
        raise
    except (RecursionError, SyntaxError, MemoryError, ValueError, OverflowError, TypeError) as err:
        raise InvalidParameterError(f"cannot compile the statement: {type(err).__name__}: {str(err)[:200]} (limits: "
                                    f"expression depth and constant size, see proofs_check.statement)") from None


def _leaf_code(kind: str, level: int) -> int:
    if kind == "exact":             # one code after every margin and tight code (older certificates never use it)
        return -1 - (2 * MAX_LEVEL + 2)
    return -1 - (2 * level + (0 if kind == "margin" else 1))


def _decode(code: int) -> tuple[str, int]:
    if code == _leaf_code("exact", 0):
        return "exact", 0
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

    name: str  #: the certificate's file name (without .json)
    statement: str  #: the inequality as text (not proof content)
    inequality_hash: str  #: sha256 of sympy.srepr of the relational (exact constants)
    variables: list[str]  #: the box's variable names, in order
    box: list[list[str]]                    #: exact rationals "p/q"
    tight: list | None                      #: [variable, side, order K] or None
    prec: int  #: working precision in bits (a leaf may use prec * 2^level)
    engine: str = ENGINE_VERSION  #: ENGINE_VERSION of the engine that made it
    outcome: str = "undecided"              #: verified | counterexample | undefined | undecided
    strict: bool = False  #: whether the inequality is strict (> or <)
    boxes: int = 0  #: boxes visited by the search
    leaves: int = 0  #: leaves of the split tree
    tight_leaves: int = 0  #: leaves settled by the tight-face rule
    max_depth: int = 0  #: deepest split
    max_level: int = 0                      #: highest precision level used (prec * 2^level)
    worst_margin: float | None = None       #: smallest lower bound over margin leaves
    face_proofs: list[str] = field(default_factory=list)  #: sympy's zero proofs of the face terms
    counterexample: dict | None = None  #: the exact point (and margin) refuting it, or where it is undefined or undecided
    seconds: float = 0.0  #: search time
    tree: list[int] = field(default_factory=list, repr=False)  #: the preorder split tree: split dimensions and leaf codes

    def save(self, directory) -> Path:
        """Write ``<directory>/<name>.json`` atomically; a name that is not a plain file name is refused."""
        check_name(self.name)
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path) -> "Certificate":
        """Read a saved certificate; a file that is not one (bad JSON, unknown or missing fields) is an
        InvalidParameterError. The proof content is checked field by field by ``replay``, not here."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            raise InvalidParameterError(f"{path}: not a readable certificate: {type(err).__name__}: {err}") from None
        if not isinstance(data, dict):
            raise InvalidParameterError(f"{path}: not a certificate (a JSON {type(data).__name__}, not an object)")
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise InvalidParameterError(f"{path}: not a certificate of engine {ENGINE_VERSION} "
                                        f"(unknown fields {sorted(unknown)})")
        try:
            return cls(**data)
        except TypeError as err:
            raise InvalidParameterError(f"{path}: not a certificate: {err}") from None

    def summary(self) -> str:
        """The outcome in one line."""
        if self.outcome == "counterexample":
            return f"counterexample: {self.counterexample}"
        if self.outcome == "undefined":
            return f"undefined: the margin has no finite value at {self.counterexample}"
        if self.outcome == "undecided":
            return f"undecided after {self.boxes} boxes: {self.counterexample}"
        worst = "" if self.worst_margin is None else f", worst margin-leaf bound {self.worst_margin:.3g}"
        face = ("" if not self.tight else
                f" ({self.tight_leaves} on the tight face {self.tight[0]} = {self.tight[1]}, order {self.tight[2]})")
        return (f"verified: {self.leaves} leaves{face}, depth {self.max_depth}, "
                f"precision up to {self.prec << self.max_level} bits{worst}")


def _tight_field(problem: Problem) -> list | None:
    """The certificate's ``tight`` field: [variable, side, order K], or None."""
    if problem.tight is None:
        return None
    return [problem.variables[problem.tight[0]].name, problem.tight[1], problem.tight[3]]


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
    exact point), "undefined" (the margin has no value at the exact point it holds: a statement must be
    defined on the whole box) or "undecided". A strict inequality with a tight face is refused (it is false
    on the face); use the non-strict form.

    Raises
    ------
    InvalidParameterError
        for any input the front end refuses (``proofs_check.statement``: a decided bool, a bad box, an
        assumption outside the allow-list or false on the box, ...) or a search setting out of range.

    Examples
    --------
    >>> a = sp.Symbol("a", positive=True)
    >>> c = certify(sp.tanh(a) <= a, {a: (0.001, 10)}, tight=None)
    >>> c.outcome, c.leaves > 0
    ('verified', True)
    """
    start = time.time()
    for label, value, low, high in (("max_boxes", max_boxes, 1, 10**9), ("max_depth", max_depth, 0, MAX_DEPTH),
                                    ("prec", prec, MIN_PREC, MAX_PREC), ("max_level", max_level, 0, MAX_LEVEL)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidParameterError(f"{label} must be an integer in [{low}, {high}]; got {value!r}")
    if prec << max_level > MAX_LEAF_BITS:
        raise InvalidParameterError(f"prec * 2^max_level = {prec << max_level} bits exceeds {MAX_LEAF_BITS}, the most a "
                                    f"leaf may use (a certificate asking for more is refused by replay)")
    check_name(name)
    problem = _problem(inequality, box, tight)
    root = problem.box
    cert = Certificate(name=name, statement=str(problem.inequality), inequality_hash=inequality_hash(problem.inequality),
                       variables=[v.name for v in problem.variables], box=[[_fmt(lo), _fmt(hi)] for lo, hi in root],
                       tight=_tight_field(problem),
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
                elif kind == "margin":
                    low = float(problem.margin_lower(current))
                    worst = low if worst is None else min(worst, low)
                continue
            ctx.prec = prec << max_level          # "undefined" only where even the highest precision finds no value
            undefined = problem.undefined_point(current)
            if undefined is not None:
                cert.outcome = "undefined"
                cert.counterexample = {"undefined at": {v.name: float(p) for v, p in zip(problem.variables, undefined)},
                                       "exact point": {v.name: _fmt(p) for v, p in zip(problem.variables, undefined)}}
                return cert
            found = problem.counterexample(current)
            if found is not None:
                point, value = found
                cert.outcome = "counterexample"
                cert.counterexample = {"point": {v.name: float(p) for v, p in zip(problem.variables, point)},
                                       "exact point": {v.name: _fmt(p) for v, p in zip(problem.variables, point)},
                                       "margin": value if isinstance(value, str) else str(value)}
                return cert
            if depth >= max_depth or cert.boxes >= max_boxes or all(lo == hi for lo, hi in current):
                cert.outcome = "undecided"
                box_now = {v.name: [float(lo), float(hi)] for v, (lo, hi) in zip(problem.variables, current)}
                limit = ("the box is a single point where the sign is not decided" if all(lo == hi for lo, hi in current)
                         else "max_depth" if depth >= max_depth else "max_boxes")
                cert.counterexample = {"undecided box": box_now, "limit": limit}
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


def certify_parts(inequality, box: dict, equal_at: dict, **options) -> list[Certificate]:
    """Prove an inequality whose two sides meet at an interior point: split the box there and certify each part.

    ``equal_at = {v: c}`` names one variable and the value where lhs = rhs (exp(x) >= 1 + x at x = 0, x(1 - x) <= 1/4
    at x = 1/2). The box is cut at v = c into [lo, c] and [c, hi]; each part is certified with the tight face at c
    ("hi" for the lower part, "lo" for the upper), where the Taylor rule needs the sides' derivatives to agree (K
    leading face terms proved 0 by sympy). The statement holds on the box iff every returned certificate is
    verified; each replays on its own part. Equality along a curve (x y <= (x^2 + y^2)/2 on the diagonal) is not a
    point: substitute y = x + t so that it becomes the face t = 0.

    >>> x = sp.Symbol("x", real=True)
    >>> [c.outcome for c in certify_parts(sp.exp(x) >= 1 + x, {x: (-1, 1)}, {x: 0})]
    ['verified', 'verified']
    """
    if "tight" in options:
        raise InvalidParameterError("certify_parts sets the tight face of each part itself (at the equality point); "
                                    "do not pass tight=")
    if not isinstance(equal_at, dict) or len(equal_at) != 1:
        raise InvalidParameterError(f"equal_at must name one variable and its value, {{v: c}}; got {equal_at!r}")
    (var, value), = equal_at.items()
    statement = prepare(inequality, box)
    names = [v.name for v in statement.variables]
    name = var if isinstance(var, str) else getattr(var, "name", None)
    if name not in names:
        raise InvalidParameterError(f"equal_at variable {var!r} is not a box variable {names}")
    k = names.index(name)
    c = _endpoint(name, value)
    lo, hi = statement.box[k]
    if not lo < c < hi:
        raise InvalidParameterError(f"equal_at: {name} = {c} must lie inside its range ({lo}, {hi}); at an end of the "
                                    f"box use tight=({name!r}, 'lo' | 'hi') instead")
    parts, base = [], options.pop("name", "certificate")
    for side, part in (("hi", (lo, c)), ("lo", (c, hi))):
        sub = {v: (part if i == k else statement.box[i]) for i, v in enumerate(statement.variables)}
        parts.append(certify(inequality, sub, tight=(statement.variables[k], side), name=f"{base}-{side}", **options))
    return parts


@dataclass
class Replay:
    """The result of ``replay``: truthy iff the certificate proves the given inequality on the given box.

    Everything but ``ok`` and ``reason`` is recomputed while re-checking the leaves (from the claim's own
    definition and the tree), never copied from the certificate's other fields, which are not proof content.
    """

    ok: bool  #: whether the certificate proves the inequality on the box
    reason: str  #: why not (empty when ok)
    leaves: int = 0  #: leaves re-checked
    tight_leaves: int = 0  #: of them, on the tight face
    max_depth: int = 0  #: deepest split re-checked
    max_level: int = 0  #: highest precision level used
    worst_margin: float | None = None       #: smallest lower bound over margin leaves, as re-checked
    statement: str = ""                     #: the inequality replayed (the caller's, exact constants)
    face_proofs: list[str] = field(default_factory=list)  #: the zero proofs of the face terms, recomputed
    box: dict = field(default_factory=dict)  #: the box proved: the caller's, as exact "p/q" strings
    tight: list | None = None               #: the tight face used: [variable, side] or None

    def __bool__(self) -> bool:
        return self.ok

    def summary(self, prec: int) -> str:
        """What the replay showed, in words (``prec``: the certificate's base precision), the box first."""
        if not self.ok:
            return f"refused: {self.reason}"
        worst = "" if self.worst_margin is None else f", worst margin-leaf bound {self.worst_margin:.3g}"
        box = ", ".join(f"{v} in [{lo}, {hi}]" for v, (lo, hi) in self.box.items())
        face = "" if self.tight is None else f", tight face {self.tight[0]} = {self.tight[1]}"
        return (f"proved on {box}{face}: {self.leaves} leaves re-checked ({self.tight_leaves} on the tight face), "
                f"depth {self.max_depth}, precision up to {prec << self.max_level} bits{worst}")


def _certificate_fields(cert) -> str | None:
    """Why the certificate's proof-content fields cannot be used, or None. Bounds every number before use."""
    if not isinstance(cert, Certificate):
        return f"not a Certificate: {type(cert).__name__}"
    if not isinstance(cert.engine, str) or not isinstance(cert.outcome, str) or not isinstance(cert.inequality_hash, str):
        return "engine, outcome and inequality_hash must be strings"
    if isinstance(cert.prec, bool) or not isinstance(cert.prec, int) or not MIN_PREC <= cert.prec <= MAX_PREC:
        return f"precision {cert.prec!r} out of range [{MIN_PREC}, {MAX_PREC}]"
    if not isinstance(cert.variables, list) or not all(isinstance(v, str) for v in cert.variables):
        return "variables must be a list of names"
    if (not isinstance(cert.box, list) or len(cert.box) != len(cert.variables)
            or not all(isinstance(r, list) and len(r) == 2 and all(isinstance(e, str) for e in r) for r in cert.box)):
        return "box must be one [lo, hi] pair of strings per variable"
    if cert.tight is not None and not (isinstance(cert.tight, list) and len(cert.tight) == 3 and isinstance(cert.tight[0], str)
                                       and cert.tight[1] in ("lo", "hi") and type(cert.tight[2]) is int):
        return f"tight must be null or [variable, 'lo' | 'hi', order]; got {cert.tight!r}"
    if not isinstance(cert.tree, list) or not all(type(c) is int for c in cert.tree):
        return "tree must be a list of integers"
    if len(cert.tree) > MAX_TREE:
        return f"tree of {len(cert.tree)} entries exceeds {MAX_TREE}"
    if not all(_ENDPOINT_TEXT.fullmatch(e) for r in cert.box for e in r):
        return "box endpoints must be integers or p/q with at most 1300 digits each"
    exact = _leaf_code("exact", 0)
    levels = [_decode(c)[1] for c in cert.tree if c < 0 and c >= exact]
    if levels and (cert.prec << max(levels)) > MAX_LEAF_BITS:
        return f"a leaf asks for {cert.prec << max(levels)} bits, more than {MAX_LEAF_BITS}"
    if sum(cert.prec << lv for lv in levels) > MAX_REPLAY_BITS:
        return f"the leaves ask for more than {MAX_REPLAY_BITS} bits in all"
    return None


def replay(cert: Certificate, inequality, box: dict | None = None, tight=None) -> Replay:
    """Re-check every leaf of ``cert`` for ``inequality`` on ``box``, without searching.

    The box is the caller's claim and must be given: a certificate proves its statement on the box it was made
    for, and only a replay on the box the caller names says anything about the caller's claim. ``tight`` (the
    face the Taylor rule used) defaults to the certificate's own; it is a method of proof, not part of the
    statement. The result names the box and face it proved (``Replay.box``, ``Replay.tight``, ``summary``).

    Refuses (``ok`` False, with the reason; never an exception): no box, a field out of range or of the wrong
    type, another engine version, a verdict other than "verified", an input the front end refuses, an inequality
    whose canonical form differs (hash), a box or tight face other than the certificate's, a tree that is
    truncated, too deep, has trailing entries or invalid codes or splits a side of width 0, and any leaf that
    fails its rule.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> c = certify(sp.Ge(x - 2, 0, evaluate=False), {x: (2, 3)}, tight=(x, "lo"))
    >>> bool(replay(c, sp.Ge(x - 2, 0, evaluate=False), {x: (2, 3)})), replay(c, x - 2 >= 0).reason[:22]
    (True, 'no box given: replay n')
    >>> bool(replay(c, sp.Ge(x - 2, 0, evaluate=False), {x: (0, 3)}))
    False
    """
    if box is None:
        return Replay(False, "no box given: replay needs the box the statement is claimed on (a certificate only "
                             "proves it on the box it was made for)")
    why = _certificate_fields(cert)
    if why is not None:
        return Replay(False, f"malformed certificate: {why}")
    if cert.engine != ENGINE_VERSION:
        return Replay(False, f"engine {cert.engine!r}, this is {ENGINE_VERSION!r}")
    if cert.outcome != "verified":
        return Replay(False, f"outcome is {cert.outcome!r}")
    try:
        [(Fraction(lo), Fraction(hi)) for lo, hi in cert.box]       # each endpoint an exact number, or refused
    except (TypeError, ValueError, ZeroDivisionError) as err:
        return Replay(False, f"malformed box: {err}")
    problem_box = box
    try:
        problem = _problem(inequality, problem_box, None if tight is None and cert.tight is None else
                           (tight if tight is not None else (cert.tight[0], cert.tight[1])))
    except ValueError as err:
        return Replay(False, f"cannot set up the problem: {err}")
    if cert.inequality_hash != inequality_hash(problem.inequality):
        return Replay(False, "the inequality is not the one the certificate was made for (hash differs)")
    if [v.name for v in problem.variables] != cert.variables or [[_fmt(lo), _fmt(hi)] for lo, hi in problem.box] != cert.box:
        return Replay(False, "the box differs from the certificate's")
    expected_tight = _tight_field(problem)
    if expected_tight != cert.tight:
        return Replay(False, f"tight face {cert.tight} differs from the claim's {expected_tight}")
    depth = _tree_depth(cert.tree, len(problem.variables))
    if depth > MAX_DEPTH:
        return Replay(False, f"the tree is {depth} splits deep, more than {MAX_DEPTH}")
    old = ctx.prec
    try:
        result = _replay_tree(problem, cert.tree, cert.prec)
        result.box = {v.name: [_fmt(lo), _fmt(hi)] for v, (lo, hi) in zip(problem.variables, problem.box)}
        result.tight = None if cert.tight is None else cert.tight[:2]
        return result
    except Exception as err:  # noqa: BLE001  (a replay that cannot finish has not shown anything: refuse, never crash)
        return Replay(False, f"replay stopped: {type(err).__name__}: {err}")
    finally:
        ctx.prec = old


def _tree_depth(tree: list, nvars: int) -> int:
    """The deepest split of a preorder tree (codes >= 0 split, < 0 are leaves), in one pass without boxes; a tree
    that is malformed in other ways is refused later, while it is replayed."""
    deepest, stack = 0, [0]
    for code in tree:
        if not stack:
            break
        depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        if 0 <= code < nvars:
            stack += [depth + 1, depth + 1]
    return deepest


def _replay_tree(problem: Problem, tree: list, prec: int) -> Replay:
    root = problem.box
    result = Replay(False, "", statement=str(problem.inequality), face_proofs=list(problem.face_proofs))
    pos = 0
    stack = [(root, 0)]
    while stack:
        current, depth = stack.pop()
        result.max_depth = max(result.max_depth, depth)
        if pos >= len(tree):
            result.reason = "the tree is truncated: a box has no leaf"
            return result
        code = tree[pos]
        pos += 1
        if code >= len(root) or code < _leaf_code("exact", 0):
            result.reason = f"invalid tree code {code!r} at {pos - 1}"
            return result
        if code >= 0:
            if current[code][0] == current[code][1]:
                # halves of a side of width 0 are the box itself: such a split proves nothing and only costs
                result.reason = f"tree code {code} at {pos - 1} splits a side of width 0"
                return result
            left, right = _halves(current, code)
            stack.append((right, depth + 1))
            stack.append((left, depth + 1))
            continue
        kind, level = _decode(code)
        ctx.prec = prec << level
        if kind == "margin":
            low = problem.margin_lower(current)
            ok = problem.defined(current) and low is not None and low > 0
        elif kind == "exact":
            ok = problem.exact_ok(current)
        else:
            ok = problem.tight is not None and problem.tight_ok(current)
        if not ok:
            result.reason = f"leaf {result.leaves} ({kind}) fails at {[(float(lo), float(hi)) for lo, hi in current]}"
            return result
        result.leaves += 1
        result.max_level = max(result.max_level, level)
        if kind == "tight":
            result.tight_leaves += 1
        elif kind == "margin":
            result.worst_margin = float(low) if result.worst_margin is None else min(result.worst_margin, float(low))
    if pos != len(tree):
        result.reason = f"{len(tree) - pos} trailing tree entries"
        return result
    result.ok, result.reason = True, f"{result.leaves} leaves re-checked"
    return result
