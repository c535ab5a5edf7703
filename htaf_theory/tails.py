"""Gradient-tail quantities of Theorem 3.2 and the comparison with the scaled sigmoid.

Theorem 3.2 (paper Sec. 3.2, App. A.2), in our notation:
  (a) h'(x) e^{2b|x|} -> C(a, b) = a b sech^2(a/2) = 4 a b sigma(a) sigma(-a)  as |x| -> inf;
  (b) h'(0) = a b / 4 is the global maximum of h'.

Non-asymptotic form (ours; proved in docs/theory.md, certified in proofs_check.thm32): for
x >= 0 and u = e^{-2bx},

    (1 + u)^-2  <=  h'(x) / (C e^{-2bx})  <=  exp(2 a u / (1 + u)) (1 + u)^-2,

so the tail regime starts near x = log(2a) / (2b). Against SS at the same slope at 0
(gamma = a b): h'(x) / s'_{ab}(x) ~ sech^2(a/2) e^{(a - 2) b |x|}, heavier iff a > 2.
"""
from __future__ import annotations

import numpy as np

from .core import log_htaf_grad
from .validation import as_float_array, check_positive, scalar_or_array

__all__ = [
    "slope_at_zero", "tail_rate", "tail_constant", "log_tail_constant", "tail_onset",
    "tail_ratio", "tail_ratio_bounds", "ss_tail_exponent", "ss_tail_ratio", "log_ss_tail_ratio",
]



def slope_at_zero(a, b):
    """h'(0) = a b / 4, the global maximum of h' (Thm 3.2(b)).

    >>> print(slope_at_zero(11.0, 2.0))
    5.5
    """
    a, b = check_positive("a", a), check_positive("b", b)
    with np.errstate(over="ignore"):              # a b beyond float64: h'(0) is inf as a float64, not an error
        return scalar_or_array(a * b / 4.0)


def tail_rate(a, b):
    """The exponential decay rate of h': h'(x) ~ C e^{-2b|x|}; equals 2b (a only sets C).

    >>> print(tail_rate(11.0, 2.0))
    4.0
    """
    check_positive("a", a)
    b = check_positive("b", b)
    with np.errstate(over="ignore"):
        return scalar_or_array(2.0 * b)


def log_tail_constant(a, b):
    """log C(a, b) = log(4ab) - a - 2 log1p(e^{-a}), finite for any a.

    >>> print(round(float(log_tail_constant(1e4, 1.0)), 4))
    -9989.4034
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    # log 4 + log a + log b: 4 a alone overflows for a > 4.5e307
    return scalar_or_array(np.log(4.0) + np.log(a) + np.log(b) - a - 2.0 * np.log1p(np.exp(-a)))


def tail_constant(a, b):
    """C(a, b) = a b sech^2(a/2) = 4 a b sigma(a) sigma(-a), the tail constant of Thm 3.2(a).

    >>> print(round(float(tail_constant(2.0, 11.0)), 6))
    9.239436
    """
    with np.errstate(under="ignore"):
        return scalar_or_array(np.exp(np.asarray(log_tail_constant(a, b))))


def tail_onset(a, b):
    """x* = log(2a)/(2b): beyond it the upper tail bound is within a factor e of 1 (for a >= 1/2).

    >>> print(round(float(tail_onset(11.0, 2.0)), 6))
    0.772761
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    return scalar_or_array(np.log(2.0 * a) / (2.0 * b))


def tail_ratio(x, a, b):
    """h'(x) / (C e^{-2b|x|}), which tends to 1 as |x| -> inf (value 1 at +-inf).

    With w = e^{-2b|x|} and t = tanh(b|x|) (so 1 - t = 2w/(1 + w)), exactly:

        log ratio = 2aw/(1 + w) + 2 log1p(e^{-a}) - 2 log1p(e^{-at}) - 2 log1p(w),

    every term of which is small in the tail: nothing of the size of 2b|x| is ever subtracted.

    >>> print(round(float(tail_ratio(10.0, 11.0, 2.0)), 12))
    1.0
    >>> print(float(tail_ratio(1e16, 11.0, 2.0)))
    1.0
    """
    x = as_float_array("x", x)
    a = check_positive("a", a)
    b = check_positive("b", b)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        y = np.abs(b * x)
        w = np.exp(-2.0 * y)
        t = np.tanh(y)
        log_ratio = 2.0 * a * w / (1.0 + w) + 2.0 * np.log1p(np.exp(-a)) - 2.0 * np.log1p(np.exp(-a * t)) - 2.0 * np.log1p(w)
        return scalar_or_array(np.where(np.isinf(x), 1.0, np.exp(log_ratio)))


def tail_ratio_bounds(x, a, b):
    """The two-sided bounds (lower, upper) of ``tail_ratio``: (1+u)^-2 and e^{2au/(1+u)} (1+u)^-2.

    >>> lo, hi = tail_ratio_bounds(0.0, 11.0, 2.0)
    >>> print(lo, round(float(hi), 4))
    0.25 14968.5354
    """
    x = as_float_array("x", x)
    a = check_positive("a", a)
    b = check_positive("b", b)
    with np.errstate(over="ignore", under="ignore"):
        u = np.exp(-2.0 * b * np.abs(x))
        lower = (1.0 + u) ** -2
        upper = np.exp(2.0 * a * u / (1.0 + u)) * lower
    return scalar_or_array(lower), scalar_or_array(upper)


def ss_tail_exponent(a, b):
    """(a - 2) b: h'(x)/s'_{ab}(x) ~ sech^2(a/2) e^{(a-2) b |x|}; HTAF's tail is heavier iff a > 2.

    >>> print(ss_tail_exponent(11.0, 2.0), ss_tail_exponent(2.0, 11.0))
    18.0 0.0
    """
    return scalar_or_array((check_positive("a", a) - 2.0) * check_positive("b", b))


def log_ss_tail_ratio(x, a, b):
    """log(h'(x) / s'_{ab}(x)), with the limits at x = +-inf: +inf if a > 2, -inf if a < 2.

    >>> print(round(float(log_ss_tail_ratio(0.0, 11.0, 2.0)), 12))
    0.0
    """
    x = as_float_array("x", x)
    a = check_positive("a", a)
    b = check_positive("b", b)
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        # log s'_{ab}(x) = log a + log b - |z| - 2 log1p(e^{-|z|}), z = a b x, without forming a b (which may
        # under- or overflow although z does not): |z| = a (b |x|), else b (a |x|), else exp of the log sum
        ax = np.abs(x)
        z = a * (b * ax)
        z = np.where(np.isfinite(z) | np.isinf(x), z, b * (a * ax))
        z = np.where(np.isfinite(z) | np.isinf(x), z, np.exp(np.log(a) + np.log(b) + np.log(ax)))
        log_ss = np.log(a) + np.log(b) - z - 2.0 * np.log1p(np.exp(-z))
        finite = np.asarray(log_htaf_grad(x, a, b)) - log_ss
        limit = np.where(a > 2.0, np.inf, np.where(a < 2.0, -np.inf, np.log(np.cosh(1.0) ** -2)))
        # where b|x| or a b |x| overflows, both logs are -inf: the ratio is at its |x| -> inf limit
        at_infinity = np.isinf(x) | (np.isnan(finite) & ~np.isnan(x))
        return scalar_or_array(np.where(at_infinity, limit, finite))


def ss_tail_ratio(x, a, b):
    """h'(x) / s'_{ab}(x): HTAF's gradient over the scaled sigmoid's at the same slope at 0.

    Grows without bound (as e^{(a-2)b|x|}) iff a > 2; overflows to inf when the true ratio
    exceeds float64, never nan for non-nan x.

    >>> print(round(float(ss_tail_ratio(1.0, 11.0, 2.0)), 2))
    6283.24
    """
    with np.errstate(over="ignore", under="ignore"):
        return scalar_or_array(np.exp(np.asarray(log_ss_tail_ratio(x, a, b))))
