"""The certifier's front end: turn what a caller passes to ``certify`` into an exact, checked statement.

Everything the rigorous layer (``engine``, ``arbcode``) proves is about the object this module returns,
so each obligation of the soundness argument that sits *before* arb (docs/theory.md, "Certificates")
is discharged here, and refused with the reason when it cannot be:

1. **The box first.** Keys are Symbols or names, each variable once (by symbol and by name); endpoints
   are finite exact numbers (int, Fraction, float, sympy Rational or Float) with lo <= hi and
   |endpoint| <= 2^1000. This runs before the relational is looked at, so a bad box is named even
   when sympy has already decided the relational.
2. **No early decision.** A Python bool or sympy's ``true``/``false`` means Python or sympy decided the
   comparison before ``certify`` saw it (possibly from symbol assumptions that do not hold on the box):
   refused, with the way round it (``sp.Ge(lhs, rhs, evaluate=False)``).
3. **Exact constants.** Every sympy Float is replaced by the exact binary rational it stores, in lhs and
   rhs separately, before the margin is formed, hashed, simplified or compiled: no symbolic step ever
   sees a rounded number (``Rational + Float`` would otherwise be evaluated at 53 bits).
4. **Assumptions by allow-list.** A symbol may be declared only real, finite, positive, negative,
   nonnegative, nonpositive or nonzero (commutative is sympy's default); each is checked against its
   range in the box, because sympy may use it while simplifying. Every other assumption is refused by
   name (``extended_positive``, ``integer``, ``zero``, ...), as is a declared False.
5. **Variables match.** Every free symbol has exactly one range; a box variable that does not occur is
   refused; two distinct symbols with one name are refused (a certificate stores names).
6. **Strict and tight.** A strict inequality cannot hold on a face where lhs = rhs: ``>``/``<`` with a
   tight face is refused (certify the non-strict form instead).
7. **Bounded numbers.** Every integer, rational and Float constant of the inequality and every box endpoint has a
   numerator and denominator of at most ``MAX_CONSTANT_BITS`` bits (``Rational(1, 10**5000)``, ``x**(10**5000)``,
   ``Float('1e300000')`` are refused by name, a Float before its exact value is formed), and the expression trees
   are at most ``MAX_EXPRESSION_DEPTH`` deep (checked without recursion), so no later step's cost is unbounded and
   no step runs out of stack.
8. **The statement as written.** ``Statement.written`` keeps lhs and rhs exactly as the caller built them (no
   Float replaced, nothing re-evaluated): the certifier requires every sub-term of both to be finite on every leaf
   (``arbcode.compile_tree``), so a term that is undefined somewhere in the box cannot be cancelled away by sympy
   while the margin lhs - rhs is formed.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> s = prepare(sp.Rational(1, 3) >= sp.Float(0.1) * x, {x: (0, 1)})
>>> s.margin                                       # 0.1 is the binary fraction it stores
1/3 - 3602879701896397*x/36028797018963968
>>> prepare(sp.Symbol("p", positive=True) > 0, {"p": (-2, -1)})   # doctest: +ELLIPSIS
Traceback (most recent call last):
...
htaf_theory.validation.InvalidParameterError: inequality is already decided: sympy evaluated it to True ...
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from htaf_theory.validation import InvalidParameterError

__all__ = ["Statement", "prepare", "exact_constants", "float_fraction", "MAX_ENDPOINT", "ALLOWED_ASSUMPTIONS",
           "MAX_CONSTANT_BITS", "MAX_EXPRESSION_DEPTH", "MAX_EXACT_BITS", "exact_size_estimate", "check_name"]

#: largest |endpoint| a box may have: far beyond any claim's range, and every float conversion stays finite
MAX_ENDPOINT = Fraction(2) ** 1000

#: largest size (bits of numerator and of denominator) of a constant or a box endpoint
MAX_CONSTANT_BITS = 4096

#: deepest expression tree (nested function calls, sums, products) a statement may have: sympy's and the arb
#: compiler's recursion stay far inside Python's stack (150 nested tanh already exhausted it)
MAX_EXPRESSION_DEPTH = 60

#: largest estimated size, in bits, of an exact number sympy may be asked to form by substituting an exact point
#: into the statement (x**n at x = 3 forms 3^n); beyond it the symbolic step is skipped and arb decides alone
MAX_EXACT_BITS = 1 << 16

#: assumptions a symbol may be declared with; each is checked against the box (commutative is sympy's default)
ALLOWED_ASSUMPTIONS = ("real", "finite", "positive", "negative", "nonnegative", "nonpositive", "nonzero", "commutative")

# derived facts sympy may use, and what each needs of the range [lo, hi]
_FACTS = {
    "positive": lambda lo, hi: lo > 0,
    "nonnegative": lambda lo, hi: lo >= 0,
    "negative": lambda lo, hi: hi < 0,
    "nonpositive": lambda lo, hi: hi <= 0,
    "nonzero": lambda lo, hi: lo > 0 or hi < 0,
    "zero": lambda lo, hi: lo == hi == 0,
}


@dataclass(frozen=True)
class Statement:
    """An exact, validated inequality: what the engine proves, hashes and stores."""

    relational: sp.Basic          # lhs >= rhs (or <=, >, <), with exact constants only
    margin: sp.Basic              # lhs - rhs (rhs - lhs for <=, <): the statement is margin >= 0 (> 0 if strict)
    strict: bool
    variables: tuple              # the box's symbols, in the box's order
    box: tuple                    # ((lo, hi), ...) as Fractions
    tight: tuple | None           # (index of the variable, "lo" | "hi") or None
    written: tuple = ()           # (lhs, rhs) exactly as given: every sub-term must be defined on the box


def float_fraction(value: sp.Float) -> Fraction:
    """The exact binary value a sympy Float stores (its mpf: sign, mantissa, exponent).

    >>> float_fraction(sp.Float(0.5)), float_fraction(sp.Float(-3))
    (Fraction(1, 2), Fraction(-3, 1))
    """
    if not value.is_finite:
        raise InvalidParameterError(f"constant {value} is not a finite number")
    sign, man, exp, _ = value._mpf_
    # mpf keeps the mantissa odd: the value's numerator has bits(man) + max(exp, 0) bits, its denominator 2^max(-exp, 0)
    if man.bit_length() + max(exp, 0) > MAX_CONSTANT_BITS or -exp > MAX_CONSTANT_BITS:
        # checked on the stored exponent, before 2**exp is formed (Float((0, 1, 10**12, 1)) would need terabytes)
        raise InvalidParameterError(f"Float constant with binary exponent {exp} and a {man.bit_length()}-bit mantissa "
                                    f"is not a number of at most {MAX_CONSTANT_BITS} bits (valid: numerator and "
                                    f"denominator of at most {MAX_CONSTANT_BITS} bits each)")
    frac = Fraction(man) * Fraction(2) ** exp
    return -frac if sign else frac


def exact_constants(expr):
    """``expr`` with every Float replaced by its exact binary Rational (no rounding anywhere).

    >>> x = sp.Symbol("x")
    >>> exact_constants(sp.Float(0.25) * x + 1)
    x/4 + 1
    """
    expr = sp.sympify(expr)
    floats = expr.atoms(sp.Float)
    if not floats:
        return expr
    exact = {}
    for f in floats:
        frac = float_fraction(f)
        exact[f] = sp.Rational(frac.numerator, frac.denominator)
    return expr.xreplace(exact)


def _depth_and_atoms(expr) -> tuple[int, list]:
    """(depth of the tree, its number atoms), walked with an explicit stack: safe on any depth."""
    deepest, numbers_seen, stack = 0, [], [(expr, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_EXPRESSION_DEPTH:
            return deepest, numbers_seen
        if isinstance(node, sp.Number):
            numbers_seen.append(node)
        args = getattr(node, "args", ())
        stack.extend((arg, depth + 1) for arg in args if isinstance(arg, sp.Basic))
    return deepest, numbers_seen


def exact_size_estimate(expr, values: dict) -> int:
    """An upper estimate of the bits of the largest exact number sympy forms when ``values`` (symbol -> Fraction)
    are substituted into ``expr``: a power c**n of a b-bit number costs |n| * b bits, a product the sum of its
    factors, a sum one bit more than its largest term; a function of a number stays symbolic (exp(3)). Used to skip
    a symbolic step (a zero proof at an exact point) whose cost would be unbounded; the arb rules, whose cost does
    not depend on the exponent's size, still apply.

    >>> x = sp.Symbol("x")
    >>> exact_size_estimate(x**3 + 1, {x: Fraction(3)}), exact_size_estimate(x**(2**20), {x: Fraction(3)})
    (7, 2097152)
    """
    expr = sp.sympify(expr)
    fixed = set(values)
    sizes: dict = {}
    stack = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if node in sizes:
            continue
        if node.is_Symbol:
            v = values.get(node)
            sizes[node] = 0 if v is None else max(abs(v.numerator).bit_length(), v.denominator.bit_length(), 1)
            continue
        if node.is_Rational:
            sizes[node] = max(abs(int(node.p)).bit_length(), int(node.q).bit_length(), 1)
            continue
        if node.is_Atom:
            sizes[node] = 0
            continue
        if not expanded:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args)
            continue
        parts = [sizes[arg] for arg in node.args]
        if isinstance(node, sp.Pow):
            base, ex = node.args
            numeric_base = not (base.free_symbols - fixed)
            if not numeric_base:
                sizes[node] = max(parts)                 # stays a power of a symbol
            elif ex.is_Rational:
                sizes[node] = sizes[base] * max(abs(int(ex.p)), 1) * int(ex.q)
            elif ex.free_symbols & fixed and not ex.free_symbols - fixed and sizes[ex] <= 64:
                value = ex.subs({k: sp.Rational(v.numerator, v.denominator) for k, v in values.items()})
                bound = abs(value.p) * value.q if value.is_Rational else None
                sizes[node] = MAX_EXACT_BITS + 1 if bound is None else sizes[base] * max(int(bound), 1)
            elif ex.free_symbols & fixed:
                sizes[node] = MAX_EXACT_BITS + 1          # an exponent of unknown size becomes a number
            else:
                sizes[node] = max(parts)
        elif isinstance(node, sp.Mul):
            sizes[node] = sum(parts)
        else:
            sizes[node] = max(parts, default=0) + 1
    return sizes[expr]


def check_name(name) -> str:
    """A certificate's name: a plain file name (letters, digits, ``._-``, no path separator, not ``.``/``..``).

    >>> check_name("thm32b_max")
    'thm32b_max'
    """
    if (not isinstance(name, str) or not 1 <= len(name) <= 128 or name in (".", "..")
            or not all(c.isascii() and (c.isalnum() or c in "._-") for c in name) or name.startswith(".")):
        raise InvalidParameterError(f"name {name!r} must be a plain file name: 1 to 128 ASCII letters, digits, '.', "
                                    f"'_' or '-', not starting with '.' (no path separators)")
    return name


def _endpoint(key, value) -> Fraction:
    if isinstance(value, bool) or isinstance(value, sp.logic.boolalg.Boolean):
        raise InvalidParameterError(f"box[{key}]: endpoint {value!r} is a bool, not a number")
    if isinstance(value, Fraction):
        frac = value
    elif isinstance(value, numbers.Rational):
        frac = Fraction(int(value.numerator), int(value.denominator))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidParameterError(f"box[{key}]: endpoint {value!r} must be a finite number")
        frac = Fraction(value)
    elif isinstance(value, sp.Basic) and value.is_Rational:
        frac = Fraction(int(value.p), int(value.q))
    elif isinstance(value, sp.Float):
        frac = float_fraction(value)
    else:
        raise InvalidParameterError(
            f"box[{key}]: endpoint {value!r} must be an exact finite number (int, Fraction, float, sympy Rational or Float)")
    if max(abs(frac.numerator).bit_length(), frac.denominator.bit_length()) > MAX_CONSTANT_BITS:
        raise InvalidParameterError(f"box[{key}]: endpoint has a numerator or denominator of more than "
                                    f"{MAX_CONSTANT_BITS} bits (valid: at most {MAX_CONSTANT_BITS} bits each)")
    if abs(frac) > MAX_ENDPOINT:
        raise InvalidParameterError(f"box[{key}]: endpoint {float(frac) if abs(frac) < 2**1020 else 'beyond 1e307'} "
                                    f"is outside the supported range [-2^1000, 2^1000]")
    return frac


def _box_entries(box) -> list:
    """[(key, lo, hi)] after checking the box's shape and numbers; keys are not yet matched to symbols."""
    if not isinstance(box, dict):
        raise InvalidParameterError(f"box must be a dict {{symbol or name: (lo, hi)}}; got {type(box).__name__}")
    entries, seen = [], set()
    for key, bounds in box.items():
        if isinstance(key, str):
            name = key
        elif isinstance(key, sp.Symbol) and type(key) in (sp.Symbol, sp.Dummy):
            name = key.name
        else:
            raise InvalidParameterError(f"box key {key!r} must be a sympy Symbol or its name")
        if name in seen:
            raise InvalidParameterError(f"box names variable {name!r} twice")
        seen.add(name)
        if isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__") or len(bounds) != 2:
            raise InvalidParameterError(f"box[{name}] must be a pair (lo, hi); got {bounds!r}")
        lo, hi = (_endpoint(name, v) for v in bounds)
        if not lo <= hi:
            raise InvalidParameterError(f"box[{name}] = ({lo}, {hi}) must have lo <= hi")
        entries.append((key, lo, hi))
    return entries


def _relational(inequality):
    if isinstance(inequality, bool) or inequality in (sp.true, sp.false):
        how = ("Python evaluated it to {} before certify saw it (a comparison of plain numbers)" if isinstance(inequality, bool)
               else "sympy evaluated it to {} before certify saw it (it may have used symbol assumptions that do not "
                    "hold on the box)").format(bool(inequality))
        raise InvalidParameterError(f"inequality is already decided: {how}; pass an unevaluated relational, "
                                    f"e.g. sp.Ge(lhs, rhs, evaluate=False), with symbols declared only real")
    if not isinstance(inequality, sp.core.relational.Relational) or isinstance(inequality, (sp.Eq, sp.Ne)):
        raise InvalidParameterError(f"inequality must be a sympy relational lhs >= rhs, <=, > or <; "
                                    f"got {type(inequality).__name__}")
    for side in (inequality.lhs, inequality.rhs):
        depth, constants = _depth_and_atoms(side)
        if depth > MAX_EXPRESSION_DEPTH:
            raise InvalidParameterError(f"the inequality's expression tree is more than {MAX_EXPRESSION_DEPTH} levels deep "
                                        f"(valid: at most {MAX_EXPRESSION_DEPTH}; name repeated parts with a variable)")
        for atom in constants:
            if isinstance(atom, sp.Float):
                float_fraction(atom)            # refuses a Float beyond the bit limit before its value is formed
                continue
            if not isinstance(atom, sp.Rational):
                continue
            bits = max(abs(int(atom.p)).bit_length(), int(atom.q).bit_length())
            if bits > MAX_CONSTANT_BITS:
                shown = f"of about {int(bits * 0.30103)} digits"      # str() of it would itself exceed Python's limit
                raise InvalidParameterError(f"the inequality's constant {shown} has more than {MAX_CONSTANT_BITS} bits "
                                            f"(valid: numerator and denominator of at most {MAX_CONSTANT_BITS} bits)")
    lhs, rhs = exact_constants(inequality.lhs), exact_constants(inequality.rhs)
    relational = type(inequality)(lhs, rhs, evaluate=False)
    if isinstance(inequality, (sp.GreaterThan, sp.StrictGreaterThan)):
        return relational, lhs - rhs, isinstance(inequality, sp.StrictGreaterThan)
    return relational, rhs - lhs, isinstance(inequality, sp.StrictLessThan)


def check_assumptions(var: sp.Symbol, lo: Fraction, hi: Fraction) -> None:
    """Refuse any assumption outside the allow-list, and any allowed one that fails on [lo, hi]."""
    given = getattr(var, "_assumptions_orig", None)
    if given is None:                                   # older sympy: the derived set is all there is
        given = {k: v for k, v in var.assumptions0.items() if k in ALLOWED_ASSUMPTIONS or v}
    for name, value in given.items():
        if name not in ALLOWED_ASSUMPTIONS:
            raise InvalidParameterError(
                f"symbol {var} is declared {name}={value}: certify accepts only {', '.join(ALLOWED_ASSUMPTIONS[:-1])} "
                f"(each checked against the box)")
        if value is not True:
            raise InvalidParameterError(f"symbol {var} is declared {name}={value}: only True assumptions are accepted")
    derived = var.assumptions0
    for name, holds in _FACTS.items():
        if derived.get(name) is True and not holds(lo, hi):
            raise InvalidParameterError(f"symbol {var} is declared {name} but its box is [{lo}, {hi}]")


def prepare(inequality, box, tight=None) -> Statement:
    """Validate and normalise ``certify``'s input; every refusal is an InvalidParameterError naming the cause."""
    entries = _box_entries(box)
    relational, margin, strict = _relational(inequality)
    # the relational's symbols, not only the margin's: exact constants may cancel a variable (x >= 1.0 x)
    symbols = relational.lhs.free_symbols | relational.rhs.free_symbols
    by_name: dict[str, sp.Symbol] = {}
    for s in sorted(symbols, key=str):
        if not (isinstance(s, sp.Symbol) and type(s) in (sp.Symbol, sp.Dummy)):
            raise InvalidParameterError(f"free symbol {s!r} of the inequality is not a plain sympy Symbol")
        if s.name in by_name:
            raise InvalidParameterError(f"the inequality has two different symbols named {s.name!r} "
                                        f"(assumptions {by_name[s.name].assumptions0} and {s.assumptions0})")
        by_name[s.name] = s
    variables, ranges = [], []
    for key, lo, hi in entries:
        var = by_name.get(key if isinstance(key, str) else key.name)
        if var is None:
            raise InvalidParameterError(f"box variable {key!r} does not occur in the inequality")
        if not isinstance(key, str) and key != var:
            raise InvalidParameterError(f"box symbol {key!r} ({key.assumptions0}) is not the inequality's symbol of that name "
                                        f"({var.assumptions0}): use one symbol, or its name")
        check_assumptions(var, lo, hi)
        variables.append(var)
        ranges.append((lo, hi))
    missing = symbols - set(variables)
    if missing:
        raise InvalidParameterError(f"free symbols {sorted(map(str, missing))} of the inequality have no range in the box")
    if not variables:
        raise InvalidParameterError("the inequality has no variables: nothing to certify on a box")
    face = None
    if tight is not None:
        if not isinstance(tight, (tuple, list)) or len(tight) != 2:
            raise InvalidParameterError(f"tight must be (symbol, 'lo' | 'hi') or None; got {tight!r}")
        var, side = tight
        names = [v.name for v in variables]
        k = names.index(var) if isinstance(var, str) and var in names else next(
            (i for i, v in enumerate(variables) if v == var), None)
        if k is None:
            raise InvalidParameterError(f"tight variable {var!r} is not a box variable {names}")
        if side not in ("lo", "hi"):
            raise InvalidParameterError(f"tight side must be 'lo' or 'hi'; got {side!r}")
        if strict:
            raise InvalidParameterError(
                "a strict inequality cannot hold on a tight face, where lhs = rhs: certify the non-strict form "
                "(>= or <=) with the tight face, or the strict one on a box without that face")
        face = (k, side)
    return Statement(relational, margin, strict, tuple(variables), tuple(ranges), face,
                     (inequality.lhs, inequality.rhs))
