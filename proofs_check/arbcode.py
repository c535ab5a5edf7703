"""Compile a sympy expression into a Python function on python-flint ``arb`` balls.

Wide balls are the usual weak point of midpoint-radius arithmetic: arb's own exp of [8, 11] has a
negative lower bound, and a product of wide positive balls can contain 0. The generated code
therefore calls the small runtime below (``_rt``), which on a wide ball evaluates monotone
functions at the two endpoints (exact arb points) and products at the four endpoint pairs, and
returns the union: an interval-arithmetic enclosure built from arb point evaluations, so every
result still contains the true range. On narrow balls it uses arb's own operation.

The generated code keeps every constant exact or rigorously enclosed: an Integer is ``arb(n)``,
a Rational p/q is ``arb(p) / q`` (a ball containing p/q), a Float is first turned into the exact
binary fraction it stores (``statement.exact_constants`` runs before anything else). Every function is analytic
wherever the runtime returns a finite interval
(sqrt only for a positive argument), so a finite enclosure of an expression over a box shows that it
is defined and analytic on the whole box. Common subexpressions are shared (``sympy.cse``; with ``rewrite=True``
also its exact "basic"
rewriting, see ``compile_arb``), so a derivative
produced by ``sympy.diff`` costs little more than the margin itself. The functions accepted are
listed in ``SUPPORTED``: those analytic wherever the runtime returns a finite interval (exp, log, sin,
cos, tanh, cosh, sinh, sech, atan, atanh, asin and acos strictly inside (-1, 1), sqrt of a positive
number, integer and real powers) and three that are continuous but have kinks (Abs, Min, Max: the
certifier differentiates them only on regions where the branch is fixed, see ``engine.Problem``).
sign, Piecewise and anything else raise ``UnsupportedExpression`` naming what is supported.

>>> import sympy as sp
>>> from flint import arb
>>> x = sp.Symbol("x")
>>> f = compile_arb(sp.exp(x) / 3 + sp.Rational(1, 2), [x])
>>> y = f([Iv.ball(arb(0))])
>>> float(y.lower()) <= 5 / 6 <= float(y.upper()), float(y.upper() - y.lower()) < 1e-15
(True, True)
"""
from __future__ import annotations

from fractions import Fraction

import sympy as sp
from flint import arb

from htaf_theory.validation import InvalidParameterError

from .statement import exact_constants, float_fraction

__all__ = ["compile_arb", "compile_tree", "UnsupportedExpression", "Iv", "SUPPORTED"]

_UNARY = {sp.exp: "exp", sp.log: "log", sp.tanh: "tanh", sp.cosh: "cosh", sp.sinh: "sinh", sp.sech: "sech",
          sp.atanh: "atanh", sp.cos: "cos", sp.sin: "sin", sp.atan: "atan", sp.asin: "asin", sp.acos: "acos",
          sp.Abs: "abs"}
_NARY = {sp.Min: "min", sp.Max: "max"}

#: what the compiler accepts, as the refusal message lists it
SUPPORTED = ("+, -, *, /, integer and real powers, sqrt, exp, log, sin, cos, tanh, cosh, sinh, sech, atan, atanh, "
             "asin, acos, Abs, Min, Max, and the constants pi and E")


_NAN = arb("nan")


class Iv:
    """A closed interval [lo, hi] with exact arb endpoints: interval arithmetic on arb point evaluations.

    Every operation evaluates at endpoints (exact points, so arb returns narrow balls) and rounds
    outwards: the new lower end is the lower bound of the lower ball, the upper end the upper bound
    of the upper ball. Unlike a midpoint-radius ball, [1e158, 1e189] keeps its positive lower end.
    A domain error (log of a non-positive number, 1/[-1, 1], ...) gives a non-finite interval.
    """

    __slots__ = ("lo", "hi")

    def __init__(self, lo: arb, hi: arb):
        self.lo, self.hi = lo, hi

    @classmethod
    def ball(cls, b: arb) -> "Iv":
        if not b.is_finite():
            return cls(_NAN, _NAN)
        return cls(b.lower(), b.upper())

    def lower(self) -> arb:
        return self.lo

    def upper(self) -> arb:
        return self.hi

    def is_finite(self) -> bool:
        return self.lo.is_finite() and self.hi.is_finite()

    def mag(self) -> float:
        return max(abs(float(self.lo)), abs(float(self.hi)))

    def sign_undetermined(self) -> bool:
        """True if a point evaluation cannot tell the sign (contains 0, or is not finite)."""
        return not self.is_finite() or (self.lo <= 0 <= self.hi)

    def __add__(self, other):
        other = _iv(other)
        return Iv((self.lo + other.lo).lower(), (self.hi + other.hi).upper())

    __radd__ = __add__

    def __neg__(self):
        return Iv(-self.hi, -self.lo)

    def __sub__(self, other):
        return self + (-_iv(other))

    def __rsub__(self, other):
        return _iv(other) + (-self)

    def __mul__(self, other):
        return _Runtime.mul(self, _iv(other))

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Iv[{self.lo.mid().str(10, radius=False)}, {self.hi.mid().str(10, radius=False)}]"


def _iv(x) -> Iv:
    if isinstance(x, Iv):
        return x
    return Iv.ball(x if isinstance(x, arb) else arb(x))


class _Runtime:
    """Interval operations; each returns an ``Iv`` containing f(v) for every v in the input interval."""

    @staticmethod
    def const(p: int, q: int = 1) -> Iv:
        return Iv.ball(arb(p) if q == 1 else arb(p) / q)

    @staticmethod
    def increasing(x: Iv, name: str) -> Iv:
        if not x.is_finite():
            return Iv(_NAN, _NAN)
        lo = getattr(x.lo, name)()
        hi = lo if x.hi is x.lo or x.hi == x.lo else getattr(x.hi, name)()
        if not (lo.is_finite() and hi.is_finite()):
            return Iv(_NAN, _NAN)
        return Iv(lo.lower(), hi.upper())

    @staticmethod
    def even(x: Iv, name: str, minimum: arb) -> Iv:
        """An even function increasing on [0, inf) (cosh, x^2n) with value ``minimum`` at 0."""
        if not x.is_finite():
            return Iv(_NAN, _NAN)
        if x.lo >= 0:
            return _Runtime.increasing(x, name)
        if x.hi <= 0:
            return _Runtime.increasing(-x, name)
        top = max(getattr(-x.lo, name)().upper(), getattr(x.hi, name)().upper())
        return Iv(minimum, top)

    @staticmethod
    def cosh(x):
        return _Runtime.even(x, "cosh", arb(1))

    @staticmethod
    def sech(x):
        return _Runtime.recip(_Runtime.cosh(x))

    @staticmethod
    def cos(x):
        return Iv.ball(x.lo.union(x.hi).cos()) if x.is_finite() else Iv(_NAN, _NAN)

    @staticmethod
    def sin(x):
        return Iv.ball(x.lo.union(x.hi).sin()) if x.is_finite() else Iv(_NAN, _NAN)

    @staticmethod
    def abs(x: Iv) -> Iv:
        """|x|: continuous everywhere (the certifier fixes its branch before it differentiates it)."""
        if not x.is_finite():
            return Iv(_NAN, _NAN)
        if x.lo >= 0:
            return x
        if x.hi <= 0:
            return -x
        return Iv(arb(0), max(-x.lo, x.hi))

    @staticmethod
    def min(*xs: Iv) -> Iv:
        if not all(x.is_finite() for x in xs):
            return Iv(_NAN, _NAN)
        return Iv(min(x.lo for x in xs), min(x.hi for x in xs))

    @staticmethod
    def max(*xs: Iv) -> Iv:
        if not all(x.is_finite() for x in xs):
            return Iv(_NAN, _NAN)
        return Iv(max(x.lo for x in xs), max(x.hi for x in xs))

    @staticmethod
    def unit_interior(x: Iv, name: str, increasing: bool) -> Iv:
        """asin or acos: analytic on (-1, 1) only, so finite only there. The exact points -1 and 1 are the one
        exception (as sqrt at 0): the function is defined there, and a point has no derivative to worry about."""
        if not x.is_finite():
            return Iv(_NAN, _NAN)
        point = x.lo == x.hi
        if not (point and (x.lo == 1 or x.lo == -1)) and not (x.lo > -1 and x.hi < 1):
            return Iv(_NAN, _NAN)
        lo, hi = getattr(x.lo, name)(), getattr(x.hi, name)()
        if not (lo.is_finite() and hi.is_finite()):
            return Iv(_NAN, _NAN)
        return Iv(lo.lower(), hi.upper()) if increasing else Iv(hi.lower(), lo.upper())

    @staticmethod
    def asin(x: Iv) -> Iv:
        return _Runtime.unit_interior(x, "asin", True)

    @staticmethod
    def acos(x: Iv) -> Iv:
        return _Runtime.unit_interior(x, "acos", False)

    @staticmethod
    def recip(x: Iv) -> Iv:
        if not x.is_finite() or not (x.lo > 0 or x.hi < 0):
            return Iv(_NAN, _NAN)
        return Iv((1 / x.hi).lower(), (1 / x.lo).upper())

    @staticmethod
    def mul(x: Iv, y: Iv) -> Iv:
        if not (x.is_finite() and y.is_finite()):
            return Iv(_NAN, _NAN)
        products = [x.lo * y.lo, x.lo * y.hi, x.hi * y.lo, x.hi * y.hi]
        return Iv(min(p.lower() for p in products), max(p.upper() for p in products))

    @staticmethod
    def pow(x: Iv, n: int) -> Iv:
        if n < 0:
            return _Runtime.recip(_Runtime.pow(x, -n))
        if n == 0:           # x^0 = 1 only where x itself has a value: pow(log([-1, 1]), 0) is not finite
            return _Runtime.const(1) if x.is_finite() else Iv(_NAN, _NAN)
        if n == 1:
            return x
        if not x.is_finite():
            return Iv(_NAN, _NAN)
        if n % 2 == 1 or x.lo >= 0:
            lo, hi = x.lo ** n, x.hi ** n
            if n % 2 == 0:
                return Iv(lo.lower(), hi.upper())
            return Iv(lo.lower(), hi.upper())
        if x.hi <= 0:
            return Iv((x.hi ** n).lower(), (x.lo ** n).upper())
        return Iv(arb(0), max((x.lo ** n).upper(), (x.hi ** n).upper()))

    @staticmethod
    def prod(*factors):
        out = factors[0]
        for f in factors[1:]:
            out = _Runtime.mul(out, f)
        return out


def _increasing_method(name: str):
    return staticmethod(lambda x: _Runtime.increasing(x, name))


# exp, log, tanh, sinh, atan, atanh: increasing wherever arb gives a finite value
for _name in ("exp", "log", "tanh", "sinh", "atan", "atanh"):
    setattr(_Runtime, _name, _increasing_method(_name))


def _sqrt(x: Iv) -> Iv:
    # on a positive interval only: sqrt is finite at 0 but not differentiable there, and the engine's rules
    # rely on "finite enclosure => defined and analytic on the box" (docs/theory.md, "Certificates"). The exact
    # point 0 is the one exception: sqrt(0) = 0 is defined (a point has no derivative to worry about), so a
    # statement is not called "undefined" at 0; an interval reaching 0 stays non-finite
    if x.is_finite() and x.lo == 0 and x.hi == 0:
        return Iv(arb(0), arb(0))
    if not x.is_finite() or not x.lo > 0:
        return Iv(_NAN, _NAN)
    return _Runtime.increasing(x, "sqrt")


_Runtime.sqrt = staticmethod(_sqrt)


class UnsupportedExpression(InvalidParameterError):
    """The expression uses a function the arb compiler does not support (named in the message)."""


class _Printer:
    def __init__(self, names: dict):
        self.names = names

    def const(self, frac: Fraction) -> str:
        if frac.denominator == 1:
            return f"_rt.const({frac.numerator})"
        return f"_rt.const({frac.numerator}, {frac.denominator})"

    def __call__(self, e) -> str:
        if e in self.names:
            return self.names[e]
        if e.is_Integer or e.is_Rational:
            return self.const(Fraction(int(e.p), int(e.q)))
        if e.is_Float:
            return self.const(float_fraction(e))
        if e is sp.pi:
            return "Iv.ball(arb.pi())"
        if e is sp.E:
            return "Iv.ball(arb(1).exp())"
        if e.is_Symbol:
            raise UnsupportedExpression(f"free symbol {e} is not a variable of the box")
        if isinstance(e, sp.Add):
            return "(" + " + ".join(self(t) for t in e.args) + ")"
        if isinstance(e, sp.Mul):
            num, den = [], []
            for f in e.args:
                if f.is_Pow and f.exp.is_Integer and f.exp < 0:
                    den.append(self(f.base) if f.exp == -1 else f"_rt.pow({self(f.base)}, {int(-f.exp)})")
                else:
                    num.append(self(f))
            if den:
                num.append(f"_rt.recip({den[0] if len(den) == 1 else '_rt.prod(' + ', '.join(den) + ')'})")
            return num[0] if len(num) == 1 else f"_rt.prod({', '.join(num)})"
        if isinstance(e, sp.Pow):
            base, ex = e.base, e.exp
            if ex.is_Integer:
                return f"_rt.pow({self(base)}, {int(ex)})"
            if ex == sp.Rational(1, 2):
                return f"_rt.sqrt({self(base)})"
            if ex == -sp.Rational(1, 2):
                return f"_rt.recip(_rt.sqrt({self(base)}))"
            if base is sp.E:
                return f"_rt.exp({self(ex)})"
            if base.is_number and base.is_positive:
                # c^y = exp(y log c): a constant positive base, e.g. 10^e
                return f"_rt.exp(_rt.mul({self(ex)}, _rt.log({self(base)})))"
            # x^y = exp(y log x): defined (finite) only for x > 0, where it is analytic
            return f"_rt.exp(_rt.mul({self(ex)}, _rt.log({self(base)})))"
        for fn, meth in _UNARY.items():
            if isinstance(e, fn):
                if fn is sp.log and len(e.args) != 1:
                    raise UnsupportedExpression(f"log with a base: {e}")
                return f"_rt.{meth}({self(e.args[0])})"
        for fn, meth in _NARY.items():
            if isinstance(e, fn):
                return f"_rt.{meth}({', '.join(self(a) for a in e.args)})"
        raise UnsupportedExpression(f"cannot compile {type(e).__name__} ({e}) to arb: supported are {SUPPORTED}")


def _load(lines: list[str], name: str):
    """The function ``name`` defined by the generated ``lines``, with its source kept as ``.source``."""
    source = "\n".join(lines)
    scope = {"arb": arb, "_rt": _Runtime, "Iv": Iv}
    exec(compile(source, f"<arb:{name}>", "exec"), scope)  # noqa: S102  (our own generated code)
    fn = scope[name]
    fn.source = source
    return fn


def compile_tree(exprs, variables, *, name: str = "tree"):
    """A function ``f(intervals) -> [Iv, ...]`` evaluating each expression of ``exprs`` exactly as written.

    No sympy step touches the trees: no ``cse`` (which rebuilds every node with ``expr.func(*args)`` and so
    re-evaluates it: ``Mul(0, log(x), evaluate=False)`` would become 0), no ``xreplace``; Floats print as the exact
    binary fractions they store. Every sub-term is evaluated, and a non-finite sub-term makes every term above it
    non-finite (the runtime's operations propagate it, ``x^0`` included), so a finite result shows that every
    sub-term of the written expressions is defined on the input: the certifier's definedness rule.

    >>> x = sp.Symbol("x")
    >>> f = compile_tree([sp.Mul(0, sp.log(x), evaluate=False) + 1], [x])
    >>> f([Iv.ball(arb(-1))])[0].is_finite(), f([Iv.ball(arb(2))])[0].is_finite()
    (False, True)
    """
    names = {v: f"v{i}" for i, v in enumerate(variables)}
    free = set().union(*(sp.sympify(e).free_symbols for e in exprs)) - set(variables)
    if free:
        raise UnsupportedExpression(f"free symbols {sorted(map(str, free))} are not variables of the box "
                                    f"{list(map(str, variables))}")
    lines = [f"def {name}(balls):"]
    lines += [f"    {nm} = balls[{i}]" for i, nm in enumerate(names.values())]
    # a subtree that occurs more than once is evaluated once and named (equal trees have equal values: no sympy
    # step is involved, the written nodes themselves are shared), in post-order so that names precede their uses
    counts: dict = {}
    order: list = []

    def visit(e):
        if e.is_Atom:
            return
        counts[e] = counts.get(e, 0) + 1
        if counts[e] == 1:
            for arg in e.args:
                visit(arg)
            order.append(e)
    trees = [sp.sympify(e) for e in exprs]
    for t in trees:
        visit(t)
    printer = _Printer(names)
    for k, e in enumerate(e for e in order if counts[e] > 1):
        code = printer(e)
        names[e] = f"s{k}"
        lines.append(f"    s{k} = {code}")
    lines.append(f"    return [{', '.join(printer(t) for t in trees)}]")
    return _load(lines, name)


def compile_arb(expr, variables, *, name: str = "f", rewrite: bool = False):
    """A function ``f(intervals) -> Iv`` evaluating ``expr`` with ``variables[i]`` bound to ``intervals[i]``.

    Parameters
    ----------
    expr : sympy expression, or a list of them (then ``f`` returns a list of balls, sharing work)
    variables : list of sympy Symbols, in the order of the balls ``f`` receives
    rewrite : False (default): the compiled tree is ``expr``'s own, with repeated subtrees named (``sympy.cse``
        without optimizations), so a finite result shows ``expr`` itself is defined on the input. True: first
        apply cse's "basic" rewriting (sign extraction, ``factor_terms``), which often gives much tighter
        enclosures. It is exact (constants are exact rationals by then) and equals ``expr`` wherever ``expr`` is
        defined, but it may cancel a removable singularity ((x*y + x)/x becomes y + 1): use it for bounds on a
        region where definedness was shown with ``rewrite=False``.
    """
    many = isinstance(expr, (list, tuple))
    exprs = list(expr) if many else [expr]
    # exact constants before cse: its rewriting would otherwise combine a Float with a Rational at 53 bits
    exprs = [exact_constants(e) for e in exprs]
    extra = set().union(*(e.free_symbols for e in exprs)) - set(variables)
    if extra:
        raise UnsupportedExpression(f"free symbols {sorted(map(str, extra))} are not variables of the box "
                                    f"{list(map(str, variables))}")
    names = {v: f"v{i}" for i, v in enumerate(variables)}
    replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("c"), optimizations="basic" if rewrite else None)
    printer = _Printer(names)
    lines = [f"def {name}(balls):"]
    lines += [f"    {nm} = balls[{i}]" for i, nm in enumerate(names.values())]
    for sym, sub in replacements:
        code = printer(sub)
        names[sym] = str(sym)
        lines.append(f"    {sym} = {code}")
    outs = [printer(e) for e in reduced]
    lines.append(f"    return [{', '.join(outs)}]" if many else f"    return {outs[0]}")
    return _load(lines, name)
