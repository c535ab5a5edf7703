"""High-precision references: HTAF in mpmath (any precision) and in arb balls (python-flint).

The same formulas as ``htaf_theory.core`` (paper Sec. 3.2, Thm 3.2), written so that no step
cancels: sigma(u) = 1/(1 + e^{-u}); 1 - h(x) = sigma(-u); h' = a b sigma(u) sigma(-u) sech^2(bx);
h'' = -h' b (a sech^2(bx) tanh(u/2) + 2 tanh(bx)). Float inputs are taken as exact binary
numbers (``mpf(float)`` is exact), which is what the accuracy tests compare against.

The ``*_arb`` functions return rigorous enclosures (``flint.arb`` balls) for the theorem checks.
"""
from __future__ import annotations

import contextvars
import functools
import numbers

import mpmath
from mpmath import mp, mpf

from .validation import InvalidParameterError

__all__ = [
    "htaf_mp", "htaf_complement_mp", "htaf_grad_mp", "htaf_grad2_mp", "log_htaf_grad_mp", "log_htaf_grad_exact_mp",
    "scaled_sigmoid_mp", "scaled_sigmoid_grad_mp", "log_scaled_sigmoid_grad_mp", "min_a_mp", "min_b_mp",
    "approx_error_mp", "transition_width_mp", "tail_constant_mp", "log_tail_constant_mp", "tail_ratio_mp",
    "tail_ratio_bounds_mp", "tail_onset_mp", "slope_at_zero_mp", "tail_rate_mp", "ss_tail_exponent_mp",
    "ss_tail_ratio_mp", "log_ss_tail_ratio_mp", "htaf_arb", "htaf_grad_arb", "arb_sigmoid",
]


#: extra decimal digits every function works with beyond the caller's precision, then rounds away
GUARD_DIGITS = 15


#: how many decorated calls are running in this context (0: the next call is a public one and adds guard digits)
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("htaf_precise_depth", default=0)


def _honours_precision(f):
    """Evaluate ``f`` at the caller's precision (``dps``, else the ambient ``mpmath.mp.dps``) plus ``GUARD_DIGITS``,
    and return the result rounded to the caller's precision, as mpmath's own functions do.

    One working context per public call: ``f`` runs inside it (its body sets no precision of its own unless it
    needs more, e.g. for a cancellation), and a call made from inside another decorated function runs at that
    function's working precision as given, without adding guard digits again at every level."""
    @functools.wraps(f)
    def wrapper(*args, dps: int | None = None):
        if dps is None:
            target = mp.dps
        elif isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or not 1 <= dps <= 100_000:
            raise InvalidParameterError(f"dps must be an integer in [1, 100000]; got dps={dps!r}")
        else:
            target = int(dps)
        nested = _DEPTH.get() > 0
        work = target if nested else target + GUARD_DIGITS
        token = _DEPTH.set(_DEPTH.get() + 1)
        try:
            with mp.workdps(work):
                value = f(*args, dps=work)
        finally:
            _DEPTH.reset(token)
        with mp.workdps(target):
            return tuple(+v for v in value) if isinstance(value, tuple) else +value
    return wrapper


def _real(name: str, value):
    """``value`` as an mpf, refusing what is not a real number (None, text, complex, truth values) by name."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        raise InvalidParameterError(f"{name} must be a real number; got {name}={value!r}")
    try:
        out = mpf(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name} must be a real number; got {name}={value!r}") from None
    if mpmath.isnan(out):
        raise InvalidParameterError(f"{name} must be a real number, not nan; got {name}={value!r}")
    return out


def _positive(name: str, value):
    out = _real(name, value)
    if not (out > 0 and mpmath.isfinite(out)):
        raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={value!r}")
    return out


def _sigmoid(u):
    return 1 / (1 + mpmath.exp(-u))


def _parts(x, a, b):
    x, a, b = _real("x", x), _positive("a", a), _positive("b", b)
    y = b * x
    return x, a, b, y, a * mpmath.tanh(y)


@_honours_precision
def htaf_mp(x, a, b, dps: int | None = None):
    """h(x) = sigma(a tanh(bx)) at ``dps`` decimal digits.

    >>> print(mpmath.nstr(htaf_mp(1, 10, 2, dps=30), 20))
    0.99993494912186762897
    """
    *_, u = _parts(x, a, b)
    return +_sigmoid(u)


@_honours_precision
def htaf_complement_mp(x, a, b, dps: int | None = None):
    """1 - h(x) = sigma(-a tanh(bx)), no cancellation.

    >>> print(mpmath.nstr(htaf_complement_mp(1, 50, 2), 10))
    1.165217715e-21
    """
    *_, u = _parts(x, a, b)
    return +_sigmoid(-u)


@_honours_precision
def htaf_grad_mp(x, a, b, dps: int | None = None):
    """h'(x) = a b sigma(u) sigma(-u) sech^2(bx).

    >>> print(htaf_grad_mp(0, 10, 2))
    5.0
    """
    x, a, b, y, u = _parts(x, a, b)
    return a * b * _sigmoid(u) * _sigmoid(-u) * mpmath.sech(y) ** 2


@_honours_precision
def log_htaf_grad_mp(x, a, b, dps: int | None = None):
    """log h'(x) (mpmath has no underflow, so the direct formula is safe).

    >>> print(mpmath.nstr(log_htaf_grad_mp(1e300, 1e6, 1), 12))
    -2.0e+300
    """
    return mpmath.log(htaf_grad_mp(x, a, b, dps=dps))


@_honours_precision
def htaf_grad2_mp(x, a, b, dps: int | None = None):
    """h''(x) = -h'(x) b (a sech^2(bx) tanh(u/2) + 2 tanh(bx)).

    >>> print(htaf_grad2_mp(0, 10, 2))
    0.0
    """
    x, a, b, y, u = _parts(x, a, b)
    grad = a * b * _sigmoid(u) * _sigmoid(-u) * mpmath.sech(y) ** 2
    return -grad * b * (a * mpmath.sech(y) ** 2 * mpmath.tanh(u / 2) + 2 * mpmath.tanh(y))


@_honours_precision
def scaled_sigmoid_grad_mp(x, gamma, dps: int | None = None):
    """s'_gamma(x) = gamma sigma(gamma x) sigma(-gamma x).

    >>> print(scaled_sigmoid_grad_mp(0, 22))
    5.5
    """
    z = mpf(gamma) * mpf(x)
    return mpf(gamma) * _sigmoid(z) * _sigmoid(-z)


@_honours_precision
def min_a_mp(eps, dps: int | None = None):
    """L(eps) = log((1 - eps)/eps).

    >>> print(mpmath.nstr(min_a_mp(0.1), 15))   # eps is the float nearest 0.1
    2.19722457733622
    """
    eps = _real("eps", eps)
    if not 0 < eps < mpf(1) / 2:
        raise InvalidParameterError(f"eps must lie in the open interval (0, 0.5); got eps={eps}")
    return mpmath.log((1 - eps) / eps)


@_honours_precision
def min_b_mp(a, eps, delta, dps: int | None = None):
    """artanh(L(eps)/a)/delta.

    >>> print(mpmath.nstr(min_b_mp(10, 0.1, 0.1), 15))
    2.23364469186899
    """
    a, delta, L = _positive("a", a), _positive("delta", delta), min_a_mp(eps, dps=dps)
    if a <= L:
        raise InvalidParameterError(f"a must exceed min_a(eps) = {mpmath.nstr(L, 8)} (valid range: (min_a(eps), "
                                    f"inf)); got a={mpmath.nstr(a, 8)}: no b makes h eps-close")
    return mpmath.atanh(L / a) / delta


@_honours_precision
def approx_error_mp(a, b, delta, dps: int | None = None):
    """sigma(-a tanh(b delta)).

    >>> print(mpmath.nstr(approx_error_mp(10, min_b_mp(10, 0.1, 0.1, dps=60), 0.1), 15))
    0.1
    """
    a, delta = _positive("a", a), _positive("delta", delta)
    b = _real("b", b)
    if not b > 0:
        raise InvalidParameterError(f"b must be > 0 (valid range: (0, inf]); got b={b}")
    return _sigmoid(-a * mpmath.tanh(b * delta))


@_honours_precision
def tail_constant_mp(a, b, dps: int | None = None):
    """C(a, b) = a b sech^2(a/2).

    >>> print(mpmath.nstr(tail_constant_mp(2, 11), 10))
    9.239435516
    """
    return mpf(a) * mpf(b) * mpmath.sech(mpf(a) / 2) ** 2


# --- rigorous balls -----------------------------------------------------------------------

def arb_sigmoid(u):
    """sigma(u) as an arb ball: 1/(1 + e^{-u})."""
    return 1 / (1 + (-u).exp())


def htaf_arb(x, a, b):
    """An arb ball that contains h(x) for every x, a, b in the given balls.

    >>> from flint import arb
    >>> print(htaf_arb(arb(0), arb(10), arb(2)).contains(arb("0.5")))
    True
    """
    x, a, b = _balls(x=x, a=a, b=b)
    return arb_sigmoid(a * (b * x).tanh())


def _balls(**values):
    """Each value as an arb ball (a Python int, float or exact decimal string converts exactly; a ball stays)."""
    from flint import arb
    out = []
    for name, v in values.items():
        if isinstance(v, arb):
            out.append(v)
        elif isinstance(v, bool) or not isinstance(v, (numbers.Integral, float, str)):
            raise InvalidParameterError(f"{name} must be an arb ball, an int, a float or a decimal string; got {name}={v!r}")
        else:
            out.append(arb(v))
    return out


def htaf_grad_arb(x, a, b):
    """An arb ball containing h'(x) = a b sigma(u) sigma(-u) sech^2(bx)."""
    x, a, b = _balls(x=x, a=a, b=b)
    y = b * x
    u = a * y.tanh()
    return a * b * arb_sigmoid(u) * arb_sigmoid(-u) * y.sech() ** 2


# --- references for the rest of the public float API (core, params, tails) -------------------

@_honours_precision
def scaled_sigmoid_mp(x, gamma, dps: int | None = None):
    """s_gamma(x) = sigma(gamma x).

    >>> print(scaled_sigmoid_mp(0, 22))
    0.5
    """
    return +_sigmoid(mpf(gamma) * mpf(x))


@_honours_precision
def log_scaled_sigmoid_grad_mp(x, gamma, dps: int | None = None):
    """log s'_gamma(x) = log(gamma) - |z| - 2 log(1 + e^{-|z|}), z = gamma x (no underflow in mpmath either way).

    >>> print(mpmath.nstr(log_scaled_sigmoid_grad_mp(100, 22), 10))
    -2196.908958
    """
    z = abs(mpf(gamma) * mpf(x))
    return mpmath.log(mpf(gamma)) - z - 2 * mpmath.log1p(mpmath.exp(-z))


def _log_grad_parts(x, a, b):
    # log h' = log(4ab) - 2|y| - |u| - 2 log(1 + e^{-2|y|}) - 2 log(1 + e^{-|u|}): exact, and free of the
    # tanh(y) -> 1 rounding that makes sech^2(y) = 1 - tanh^2(y) vanish at huge |y|
    x, a, b = mpf(x), mpf(a), mpf(b)
    y = abs(b * x)
    u = a * mpmath.tanh(y)
    return mpmath.log(4 * a * b) - 2 * y - u - 2 * mpmath.log1p(mpmath.exp(-2 * y)) - 2 * mpmath.log1p(mpmath.exp(-u))


@_honours_precision
def log_htaf_grad_exact_mp(x, a, b, dps: int | None = None):
    """log h'(x) through the exact identity of ``core`` (valid for every finite x, however large).

    >>> print(mpmath.nstr(log_htaf_grad_exact_mp(1e300, 1e6, 1), 12))
    -2.0e+300
    """
    return +_log_grad_parts(x, a, b)


@_honours_precision
def log_tail_constant_mp(a, b, dps: int | None = None):
    """log C(a, b) = log(a b sech^2(a/2)).

    >>> print(mpmath.nstr(log_tail_constant_mp(1e4, 1), 10))
    -9989.403365
    """
    a, b = mpf(a), mpf(b)
    return mpmath.log(4 * a * b) - a - 2 * mpmath.log1p(mpmath.exp(-a))


def _cancel_digits(a) -> int:
    """Guard digits for a difference of two logarithms of size about a (log h' ~ -a far from 0 for a large a)."""
    return int(max(mpmath.log10(abs(mpf(a))), 0)) + 10


@_honours_precision
def tail_ratio_mp(x, a, b, dps: int | None = None):
    """h'(x) / (C e^{-2b|x|}), in log space.

    >>> print(mpmath.nstr(tail_ratio_mp(10, 11, 2), 12))
    1.0
    """
    # log h' and log C are both about -a (sech^2(a/2)): their difference needs log10(a) more digits than the result
    assert dps is not None                  # set by _honours_precision
    with mp.workdps(dps + _cancel_digits(a)):
        log_ratio = _log_grad_parts(x, a, b) - log_tail_constant_mp(a, b, dps=mp.dps) + 2 * mpf(b) * abs(mpf(x))
    return mpmath.exp(log_ratio)


@_honours_precision
def tail_ratio_bounds_mp(x, a, b, dps: int | None = None):
    """((1 + w)^-2, e^{2aw/(1+w)} (1 + w)^-2) with w = e^{-2b|x|}.

    >>> lo, hi = tail_ratio_bounds_mp(0, 11, 2); print(lo, mpmath.nstr(hi, 9))
    0.25 14968.5354
    """
    w = mpmath.exp(-2 * mpf(b) * abs(mpf(x)))
    lower = 1 / (1 + w) ** 2
    return lower, mpmath.exp(2 * mpf(a) * w / (1 + w)) * lower


@_honours_precision
def ss_tail_exponent_mp(a, b, dps: int | None = None):
    """(a - 2) b, exact in mpmath for float inputs.

    >>> print(ss_tail_exponent_mp(11, 2))
    18.0
    """
    return (mpf(a) - 2) * mpf(b)


@_honours_precision
def log_ss_tail_ratio_mp(x, a, b, dps: int | None = None):
    """log(h'(x) / s'_{ab}(x)).

    >>> print(mpmath.nstr(log_ss_tail_ratio_mp(0, 11, 2), 12))
    0.0
    """
    return _log_grad_parts(x, a, b) - log_scaled_sigmoid_grad_mp(x, mpf(a) * mpf(b), dps=dps)


@_honours_precision
def transition_width_mp(a, b, eps, dps: int | None = None):
    """artanh(L(eps)/a)/b (inf when a <= L).

    >>> print(mpmath.nstr(transition_width_mp(10, 2, 0.1), 8))
    0.1116822
    """
    L = min_a_mp(eps, dps=dps)
    return mpmath.inf if mpf(a) <= L else mpmath.atanh(L / mpf(a)) / mpf(b)


@_honours_precision
def tail_onset_mp(a, b, dps: int | None = None):
    """log(2a)/(2b).

    >>> print(mpmath.nstr(tail_onset_mp(11, 2), 8))
    0.77276061
    """
    return mpmath.log(2 * mpf(a)) / (2 * mpf(b))


@_honours_precision
def slope_at_zero_mp(a, b, dps: int | None = None):
    """h'(0), evaluated from the general h' formula at x = 0 (not from a b / 4).

    >>> print(slope_at_zero_mp(11, 2))
    5.5
    """
    return htaf_grad_mp(0, a, b, dps=dps)


@_honours_precision
def tail_rate_mp(a, b, dps: int | None = None):
    """-d log h'/dx far in the tail, as a difference quotient of log h' (not from the formula 2b).

    Between x1 = (log(2a) + 60)/(2b) and x1 + 1/b the tail ratio is within e^-60 of 1.

    >>> print(mpmath.nstr(tail_rate_mp(11, 2), 15))
    4.0
    """
    assert dps is not None                  # set by _honours_precision
    with mp.workdps(dps + 20 + _cancel_digits(a)):
        a_, b_ = mpf(a), mpf(b)
        # the tail starts near log(2a)/(2b) for a large a and near 0 for a small one (then only (1 + u)^-2 matters)
        x1 = (max(mpmath.log(2 * a_), 0) + 60) / (2 * b_)
        x2 = x1 + 1 / b_
        rate = -(_log_grad_parts(x2, a, b) - _log_grad_parts(x1, a, b)) / (x2 - x1)
    return +rate


@_honours_precision
def ss_tail_ratio_mp(x, a, b, dps: int | None = None):
    """h'(x) / s'_{ab}(x).

    >>> print(mpmath.nstr(ss_tail_ratio_mp(1, 11, 2), 8))
    6283.2429
    """
    return mpmath.exp(log_ss_tail_ratio_mp(x, a, b, dps=dps))
