"""The reference table: every public float function of core, params and tails beside its mpmath reference.

Each ``Reference`` names a library function, its mpmath reference in ``htaf_theory.precise`` (at 50
digits), the domain it is compared on (the one its docstring promises, tails and non-default
parameters included) and the accuracy it must meet:

    |got - ref| <= rtol * max(1, kappa, amplification) * max(|ref|, scale),

with kappa the relative condition number of the problem, summed over the inputs (each float input may
be perturbed by an ulp); ``scale`` (log-quantities, which cross 0) and ``amplification`` (ratios formed
as exp of a difference of logs) state, per entry, the documented extra error of the float method. kappa is measured,
not re-derived by hand: a forward difference at 50 digits
with step 1e-20 per input. Where the exact value is not a normal float64, the float result must be
the underflow (|got| <= 2 * tiny) or the overflow (inf of the right sign) it stands for.

``python benchmarks/accuracy_core.py`` prints the worst case per function; the ``library`` claim
(``htaf check``) and the mutation tests (tests/test_mutants.py) run the same comparisons.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np

from . import core, params, precise, tails
from .validation import InvalidParameterError

__all__ = ["Reference", "TABLE", "measure", "measure_all", "AccuracyResult", "reference_points", "library_functions"]

FLOAT64_TINY = float(np.finfo(np.float64).tiny)
FLOAT64_MAX = float(np.finfo(np.float64).max)

# the domains: each grid spans what the docstrings promise (tails, extreme gains and slopes included)
X = [0.0, 1e-300, -1e-300, 1e-4, -1e-4, 0.3, -0.3, 1.0, -1.0, 4.0, -4.0, 30.0, -30.0, 1e3, -1e3, 1e6, -1e6]
A = [1e-3, 0.7, 2.0, 4.6, 11.0, 300.0, 1e6]
B = [1e-5, 0.2, 2.0, 60.0, 1e5]
EPS = [1e-320, 1e-12, 1e-6, 1e-3, 0.05, 0.1, 0.3, 0.499]    # 1e-320: subnormal, where (1 - 2 eps)/eps overflows
DELTA = [1e-3, 0.1, 10.0]
R = [1e-9, 1e-3, 0.5, 10.0, 1e4, 1e8]          # a = L(eps) (1 + r): every admissible regime of min_b


def _xab():
    return [(x, a, b) for x in X for a in A for b in B]


def _ab():
    return [(a, b) for a in A for b in B]


def _x_gamma():
    return [(x, g) for x in X for g in (1e-3, 0.5, 22.0, 1e4)]


def _eps():
    return [(e,) for e in EPS]


def _log_odds(e: float) -> float:
    return float(params.min_a(e))          # L(eps), computed in one place


def _a_eps_delta():
    return [(_log_odds(e) * (1 + r), e, d) for e in EPS for r in R for d in DELTA]


def _a_b_delta():
    return [(a, b, d) for a in A for b in B for d in DELTA]


def _a_b_eps():
    return [(a, b, e) for a in A for b in B for e in (1e-6, 0.1, 0.45)]


@dataclass(frozen=True)
class Reference:
    """A library function (by its name in ``library_functions``) and how it must agree with mpmath."""

    name: str
    reference: Callable                # mpmath function of the same arguments (dps keyword)
    points: Callable                   # () -> list of argument tuples
    rtol: float = 1e-13
    pick: int | None = None            # for functions returning a tuple: which element
    domain: str = ""
    scale: Callable | None = None      # args -> magnitude of the terms a log-quantity is a sum of (its zero crossings)
    amplification: Callable | None = None  # args -> factor on rtol for exp(sum of log terms): ulps of the largest term

    def float_value(self, impl, args):
        fn = getattr(impl, self.name.split(".")[0])
        out = fn(*args)
        return float(out[self.pick] if self.pick is not None else out)

    def ref_value(self, args, dps: int = 50):
        out = self.reference(*args, dps=dps)
        return out[self.pick] if self.pick is not None else out


def _log_terms(x, a, b, *_):
    """Size of the terms log h' (or log h'/s') is summed from: its float error is an ulp of the largest."""
    return abs(math.log(a)) + abs(math.log(b)) + 2.0 + abs(a * b * x) + 2 * abs(b * x)


TABLE: list[Reference] = [
    Reference("htaf", precise.htaf_mp, _xab, domain="x in +-[1e-300, 1e6] and 0, a in [1e-3, 1e6], b in [1e-5, 1e5]"),
    Reference("htaf_complement", precise.htaf_complement_mp, _xab, domain="as htaf"),
    Reference("htaf_grad", precise.htaf_grad_mp, _xab, domain="as htaf"),
    Reference("log_htaf_grad", precise.log_htaf_grad_exact_mp, _xab, domain="as htaf", scale=_log_terms),
    Reference("htaf_grad2", precise.htaf_grad2_mp, _xab, rtol=1e-12, domain="as htaf"),
    Reference("scaled_sigmoid", precise.scaled_sigmoid_mp, _x_gamma, domain="x as htaf, gamma in [1e-3, 1e4]"),
    Reference("scaled_sigmoid_grad", precise.scaled_sigmoid_grad_mp, _x_gamma, domain="as scaled_sigmoid"),
    Reference("log_scaled_sigmoid_grad", precise.log_scaled_sigmoid_grad_mp, _x_gamma, domain="as scaled_sigmoid",
              scale=lambda x, g: abs(math.log(g)) + 2.0 + abs(g * x)),
    Reference("min_a", precise.min_a_mp, _eps, domain="eps in [1e-320, 0.499]"),
    Reference("min_b", precise.min_b_mp, _a_eps_delta,
              domain="eps in [1e-320, 0.499], a = L(eps)(1 + r), r in [1e-9, 1e8], delta in [1e-3, 10]"),
    Reference("approx_error", precise.approx_error_mp, _a_b_delta, domain="a, b as htaf, delta in [1e-3, 10]"),
    Reference("transition_width", precise.transition_width_mp, _a_b_eps, domain="a, b as htaf, eps in {1e-6, 0.1, 0.45}"),
    Reference("log_tail_constant", precise.log_tail_constant_mp, _ab, domain="a, b as htaf",
              scale=lambda a, b: abs(math.log(a)) + abs(math.log(b)) + 2.0 + a),
    Reference("tail_constant", precise.tail_constant_mp, _ab, domain="a, b as htaf"),
    Reference("tail_onset", precise.tail_onset_mp, _ab, domain="a, b as htaf"),
    Reference("slope_at_zero", precise.slope_at_zero_mp, _ab, domain="a, b as htaf"),
    Reference("tail_rate", precise.tail_rate_mp, _ab, rtol=1e-12, domain="a, b as htaf"),
    Reference("binarity_min_a", precise.min_a_mp, lambda: [(1e-12,), (1e-6,), (0.01,), (0.3,)], domain="level in [1e-12, 0.3]"),
    Reference("ss_tail_ratio", precise.ss_tail_ratio_mp, _xab, rtol=1e-13, domain="as htaf", amplification=_log_terms),
    Reference("tail_ratio", precise.tail_ratio_mp, _xab, rtol=1e-12, domain="as htaf"),
    Reference("tail_ratio_bounds.lower", precise.tail_ratio_bounds_mp, _xab, pick=0, domain="as htaf"),
    Reference("tail_ratio_bounds.upper", precise.tail_ratio_bounds_mp, _xab, pick=1, domain="as htaf"),
    Reference("ss_tail_exponent", precise.ss_tail_exponent_mp, _ab, domain="a, b as htaf"),
    Reference("log_ss_tail_ratio", precise.log_ss_tail_ratio_mp, _xab, rtol=1e-12, domain="as htaf", scale=_log_terms),
]


def _kappa(ref: Reference, args, value) -> float:
    """Relative condition number, summed over the inputs: forward differences at 50 digits, step 1e-20."""
    if value == 0 or not mpmath.isfinite(value):
        return 1.0
    total = mpmath.mpf(0)
    eta = mpmath.mpf(10) ** -20
    with mpmath.workdps(50):
        for i, v in enumerate(args):
            if v == 0:
                continue
            bumped = list(args)
            bumped[i] = mpmath.mpf(v) * (1 + eta)
            try:
                moved = ref.ref_value(bumped)
            except (ValueError, ZeroDivisionError):
                continue
            if mpmath.isfinite(moved):
                total += abs((moved - value) / (eta * value))
    return float(total)


@functools.lru_cache(maxsize=None)
def reference_points(name: str) -> tuple:
    """((args, ref_value, kappa), ...) for one table entry: computed once per process (they do not depend on the library)."""
    ref = next(r for r in TABLE if r.name == name)
    out = []
    with mpmath.workdps(50):
        for args in ref.points():
            value = ref.ref_value(args)
            out.append((args, value, _kappa(ref, args, value)))
    return tuple(out)


@dataclass
class AccuracyResult:
    name: str
    points: int
    worst_scaled: float                #: max of rel_err / (rtol max(1, kappa)): <= 1 passes
    worst_args: tuple
    worst_got: float
    worst_ref: str
    failures: list                     #: [(args, got, ref, kappa)]
    rtol: float

    @property
    def ok(self) -> bool:
        return not self.failures

    def __str__(self) -> str:
        return (f"{self.name:24s} points={self.points:5d} worst err/(rtol max(1,kappa))={self.worst_scaled:.3g} "
                f"(rtol {self.rtol:g}) at {self.worst_args}: got {self.worst_got!r}, mpmath {self.worst_ref}"
                + (f"  FAILURES: {len(self.failures)}" if self.failures else ""))


def _judge(got: float, ref, kappa: float, rtol: float, scale: float = 0.0, amplification: float = 1.0) -> float:
    """err / allowed; > 1 fails. Handles references outside float64's normal range; ``scale`` is an absolute
    floor for quantities that are sums of larger terms (a zero crossing of log h' has no relative accuracy)."""
    if not mpmath.isfinite(ref):
        return 0.0 if (math.isinf(got) and (got > 0) == (ref > 0)) else math.inf
    mag = abs(ref)
    if mag > FLOAT64_MAX:
        return 0.0 if (math.isinf(got) and (got > 0) == (ref > 0)) else math.inf
    if mag < FLOAT64_TINY and scale == 0:
        return 0.0 if abs(got) <= 2 * FLOAT64_TINY else math.inf
    if not math.isfinite(got):
        return math.inf
    err = abs(mpmath.mpf(got) - ref) / max(mag, mpmath.mpf(scale))
    return float(err / (rtol * max(1.0, kappa, amplification)))


def library_functions(**overrides) -> SimpleNamespace:
    """A namespace of the library's float functions (what the accuracy table, the claims' checks and the mutation
    tests evaluate); keyword arguments replace some of them, e.g. by a deliberately wrong variant.

    >>> library_functions().min_a is params.min_a
    True
    """
    impl = SimpleNamespace(
        htaf=core.htaf, htaf_complement=core.htaf_complement, htaf_grad=core.htaf_grad, htaf_grad2=core.htaf_grad2,
        log_htaf_grad=core.log_htaf_grad, heaviside=core.heaviside,
        scaled_sigmoid=core.scaled_sigmoid, scaled_sigmoid_grad=core.scaled_sigmoid_grad,
        log_scaled_sigmoid_grad=core.log_scaled_sigmoid_grad, transition_width=params.transition_width,
        log_tail_constant=tails.log_tail_constant, tail_onset=tails.tail_onset, tail_ratio=tails.tail_ratio,
        ss_tail_ratio=tails.ss_tail_ratio,
        min_a=params.min_a, min_b=params.min_b, approx_error=params.approx_error, table6=params.table6,
        binarity_min_a=params.binarity_min_a, select=params.select,
        slope_at_zero=tails.slope_at_zero, tail_rate=tails.tail_rate, tail_constant=tails.tail_constant,
        log_ss_tail_ratio=tails.log_ss_tail_ratio, ss_tail_exponent=tails.ss_tail_exponent,
        tail_ratio_bounds=tails.tail_ratio_bounds,
    )
    for k, v in overrides.items():
        if not hasattr(impl, k):
            raise InvalidParameterError(f"unknown library function {k!r}")
        setattr(impl, k, v)
    return impl


def measure(name: str, impl=None) -> AccuracyResult:
    """Compare the library function ``name`` (from ``impl``, default the library) with its reference over its domain."""
    if impl is None:
        impl = library_functions()
    ref = next((r for r in TABLE if r.name == name), None)
    if ref is None:
        raise InvalidParameterError(f"name must be one of {[r.name for r in TABLE]}; got name={name!r}")
    worst = (-1.0, (), math.nan, "")
    failures = []
    points = reference_points(name)
    for args, value, kappa in points:
        try:
            got = ref.float_value(impl, args)
        except (ValueError, ArithmeticError) as err:
            failures.append((args, f"raised {type(err).__name__}: {err}", mpmath.nstr(value, 17), kappa))
            continue
        scaled = _judge(got, value, kappa, ref.rtol, 0.0 if ref.scale is None else ref.scale(*args),
                        1.0 if ref.amplification is None else ref.amplification(*args))
        if scaled > worst[0]:
            worst = (scaled, args, got, mpmath.nstr(value, 17))
        if not scaled <= 1.0:
            failures.append((args, got, mpmath.nstr(value, 17), kappa))
    return AccuracyResult(name, len(points), worst[0], worst[1], worst[2], worst[3], failures, ref.rtol)


def measure_all(impl=None) -> list[AccuracyResult]:
    """``measure`` of every row of ``TABLE`` (``impl``: the namespace of functions to measure, default the library's)."""
    return [measure(r.name, impl) for r in TABLE]
