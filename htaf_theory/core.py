"""HTAF and its derivatives in numpy float64 (paper Sec. 3.2, Thm. 3.2; our notation).

    h_{a,b}(x) = sigma(a * tanh(b * x)),   a > 0 (outer gain), b > 0 (inner slope)

All functions broadcast over ``x``, ``a`` and ``b``. The gradient is evaluated through its
logarithm,

    log h'(x) = log(4ab) - 2|y| - |u| - 2 log1p(e^{-2|y|}) - 2 log1p(e^{-|u|}),
    y = b x,  u = a tanh(y),

which follows from sigma(u) sigma(-u) = e^{-|u|} / (1 + e^{-|u|})^2 and
sech^2(y) = 4 e^{-2|y|} / (1 + e^{-2|y|})^2. No step subtracts nearly equal numbers, no
intermediate overflows, and ``log_htaf_grad`` stays finite far past the point where h'
underflows (x = 1e300, a = 1e6 included). Infinite x gives the limits; nan propagates.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit

from numpy.typing import ArrayLike

from .validation import FloatResult, InvalidParameterError, as_float_array, check_positive, scalar_or_array

__all__ = [
    "htaf", "htaf_complement", "htaf_grad", "htaf_grad2", "log_htaf_grad",
    "heaviside", "scaled_sigmoid", "scaled_sigmoid_grad", "log_scaled_sigmoid_grad",
    "ste_surrogate_grad", "STE_SURROGATES",
]

#: the straight-through surrogates (App. D.4: sigmoid', tanh' and rectangular, each with a slope k)
STE_SURROGATES = ("sigmoid", "tanh", "rect")

_LOG4 = float(np.log(4.0))



def _inner(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> tuple:
    x = as_float_array("x", x)
    a = check_positive("a", a)
    b = check_positive("b", b)
    with np.errstate(over="ignore"):  # b*x -> +-inf is fine: tanh saturates
        y = b * x
    return y, a, b, a * np.tanh(y)


def htaf(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatResult:
    """HTAF, h(x) = sigma(a tanh(b x)).

    Smooth, strictly increasing, h(0) = 1/2, h(-x) = 1 - h(x), range (sigma(-a), sigma(a)).

    Parameters
    ----------
    x : array_like
        Inputs (pre-activations); +-inf give sigma(+-a).
    a, b : array_like
        Outer gain and inner slope, finite and > 0.

    Returns
    -------
    ndarray or float64

    Examples
    --------
    >>> print(htaf(0.0, a=10.0, b=2.0))
    0.5
    >>> print(round(float(htaf(1.0, 10.0, 2.0)), 6))
    0.999935
    """
    _, _, _, u = _inner(x, a, b)
    return scalar_or_array(expit(u))


def htaf_complement(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatResult:
    """1 - h(x), computed as h(-x) = sigma(-a tanh(b x)) so that nothing cancels.

    Examples
    --------
    >>> print(f"{float(htaf_complement(1.0, 50.0, 2.0)):.6e}")
    1.165218e-21
    """
    _, _, _, u = _inner(x, a, b)
    return scalar_or_array(expit(-u))


def log_htaf_grad(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatResult:
    """log h'(x), finite wherever the exact h'(x) is positive and its log is a float64.

    log h'(x) = log(4ab) - 2|y| - |u| - 2 log1p(e^{-2|y|}) - 2 log1p(e^{-|u|}), y = bx, u = a tanh(y).

    Returns -inf only for x = +-inf (or when b*|x| itself overflows float64).

    Examples
    --------
    >>> print(f"{float(log_htaf_grad(1e300, 1e6, 1.0)):.6e}")
    -2.000000e+300
    >>> import math; print(round(float(log_htaf_grad(0.0, 10.0, 2.0)), 12) == round(math.log(5.0), 12))
    True
    """
    y, a, b, u = _inner(x, a, b)
    ay, au = np.abs(y), np.abs(u)
    out = (_LOG4 + np.log(a) + np.log(b)) - 2.0 * ay - au \
        - 2.0 * np.log1p(np.exp(-2.0 * ay)) - 2.0 * np.log1p(np.exp(-au))
    return scalar_or_array(out)


def htaf_grad(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatResult:
    """h'(x) = a b sigma(u) sigma(-u) sech^2(b x), u = a tanh(b x) (Thm 3.2).

    Maximal at x = 0 with h'(0) = a b / 4; decays like C e^{-2b|x|}, C = a b sech^2(a/2).

    Where no factor can underflow (|bx| < 300, |u| < 600) the product a b sigma(u) sigma(-u)
    sech^2(bx) is formed directly (a few ulps); elsewhere exp(log_htaf_grad), whose error grows
    like |log h'| ulps, as does the condition number there.

    Examples
    --------
    >>> print(float(htaf_grad(0.0, 10.0, 2.0)))
    5.0
    """
    y, a, b, u = _inner(x, a, b)
    with np.errstate(under="ignore", over="ignore", invalid="ignore"):
        # |u| and |y|: the same operations for x and -x, so h' is exactly even
        au, ay = np.abs(u), np.abs(y)
        direct = (a * b) * expit(au) * expit(-au) / np.cosh(np.where(ay < 300, ay, 0.0)) ** 2
        safe = (np.abs(y) < 300) & (np.abs(u) < 600)
        out = np.where(safe, direct, np.exp(np.asarray(log_htaf_grad(x, a, b))))
    return scalar_or_array(out)


def _log_tanh_ratio(z: np.ndarray) -> np.ndarray:
    """log(tanh(z)/z) for z >= 0 (0 at z = 0): -z^2/3 + 7 z^4/90 below 1e-4, else log(tanh z) - log z."""
    with np.errstate(divide="ignore", invalid="ignore"):
        big = np.log(np.tanh(z)) - np.log(z)
    return np.where(z < 1e-4, z * z * (7.0 * z * z / 90.0 - 1.0 / 3.0), big)


def htaf_grad2(x: ArrayLike, a: ArrayLike, b: ArrayLike) -> FloatResult:
    """h''(x) = -h'(x) b (a sech^2(bx) tanh(u/2) + 2 tanh(bx)), u = a tanh(bx).

    Both terms in the bracket share the sign of x, so the sum never cancels. With r(z) = tanh(z)/z the bracket
    is b x r(bx) (a^2/2 sech^2(bx) r(u/2) + 2), so

        h''(x) = -h'(x) b^2 x r(bx) (a^2/2 sech^2(bx) r(u/2) + 2),

    which keeps x itself (exact for subnormal x, where b x would round). Where that product's factors under- or
    overflow (h' b tiny, a^2 huge) the same expression is summed in log space, so h'' is returned wherever it is a
    float64 (h''(700) at a = 1e20, b = 1e-20 is -9.86e-305, not 0).

    Examples
    --------
    >>> print(float(htaf_grad2(0.0, 10.0, 2.0)))
    0.0
    >>> bool(htaf_grad2(0.1, 10.0, 2.0) < 0)
    True
    >>> print(f"{float(htaf_grad2(700.0, 1e20, 1e-20)):.4e}")
    -9.8597e-305
    """
    y, a, b, u = _inner(x, a, b)
    x = np.broadcast_to(as_float_array("x", x), np.broadcast(y, a, b).shape)
    with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="ignore"):
        ay, au, ax = np.abs(y), np.abs(u), np.abs(x)
        e2 = np.exp(-2.0 * ay)
        sech2 = 4.0 * e2 / (1.0 + e2) ** 2
        r_y, r_u = np.exp(_log_tanh_ratio(ay)), np.exp(_log_tanh_ratio(au / 2.0))
        grad = np.asarray(htaf_grad(x, a, b))
        direct = -(grad * b * b) * x * r_y * (0.5 * a * a * sech2 * r_u + 2.0)
        # log|h''| = log h' + 2 log b + log|x| + log r(|y|) + log(a^2/2 sech^2 r(|u|/2) + 2)
        log_sech2 = _LOG4 - 2.0 * ay - 2.0 * np.log1p(e2)
        log_first = 2.0 * np.log(a) - np.log(2.0) + log_sech2 + _log_tanh_ratio(au / 2.0)
        log_mag = (np.asarray(log_htaf_grad(x, a, b)) + 2.0 * np.log(b) + np.log(ax) + _log_tanh_ratio(ay)
                   + np.logaddexp(log_first, np.log(2.0)))
        via_log = -np.sign(x) * np.exp(log_mag)
        ok = np.isfinite(direct) & (np.abs(direct) >= 1e-290) & (grad > 0) & (grad * b * b < 1e290)
        out = np.where(ok, direct, via_log)
        # h''(0) = 0 exactly (also when h'(0) = ab/4 overflows); h''(+-inf) = 0 (the limit); nan stays nan
        out = np.where((x == 0) | np.isinf(x), 0.0, out)
        out = np.where(np.isnan(x), np.nan, out)
    return scalar_or_array(out)


def heaviside(x: ArrayLike) -> FloatResult:
    """The Heaviside step with H(0) = 1: H(x) = 1 for x >= 0, 0 for x < 0; nan stays nan.

    H(0) = 1 matches the spiking convention (fire when the potential reaches the
    threshold, SpikingJelly's ``x >= 0``) and ``htaf_theory.nn.Heaviside``. No claim
    depends on it: Proposition 3.1 looks at |x| >= delta > 0 only.

    Examples
    --------
    >>> heaviside([-1.0, 0.0, 2.0]).tolist()
    [0.0, 1.0, 1.0]
    """
    return scalar_or_array(np.heaviside(as_float_array("x", x), 1.0))


def scaled_sigmoid(x: ArrayLike, gamma: ArrayLike) -> FloatResult:
    """Scaled sigmoid (SS) s_gamma(x) = sigma(gamma x); the paper compares at gamma = a b.

    Examples
    --------
    >>> print(scaled_sigmoid(0.0, 22.0))
    0.5
    """
    x = as_float_array("x", x)
    gamma = check_positive("gamma", gamma)
    with np.errstate(over="ignore"):
        return scalar_or_array(expit(gamma * x))


def log_scaled_sigmoid_grad(x: ArrayLike, gamma: ArrayLike) -> FloatResult:
    """log s'_gamma(x) = log(gamma) - |z| - 2 log1p(e^{-|z|}), z = gamma x.

    Examples
    --------
    >>> print(f"{float(log_scaled_sigmoid_grad(100.0, 22.0)):.4f}")
    -2196.9090
    """
    x = as_float_array("x", x)
    gamma = check_positive("gamma", gamma)
    with np.errstate(over="ignore"):
        az = np.abs(gamma * x)
    return scalar_or_array(np.log(gamma) - az - 2.0 * np.log1p(np.exp(-az)))


def scaled_sigmoid_grad(x: ArrayLike, gamma: ArrayLike) -> FloatResult:
    """s'_gamma(x) = gamma sigma(gamma x) sigma(-gamma x); s'_gamma(0) = gamma / 4.

    Examples
    --------
    >>> print(float(scaled_sigmoid_grad(0.0, 22.0)))
    5.5
    """
    with np.errstate(under="ignore"):
        return scalar_or_array(np.exp(np.asarray(log_scaled_sigmoid_grad(x, gamma))))


def ste_surrogate_grad(x: ArrayLike, surrogate: str, slope: ArrayLike) -> FloatResult:
    """The surrogate derivative a straight-through step uses for H'(x) (App. D.4), slope k > 0:

    * ``"sigmoid"``: d/dx sigma(k x) = s'_k(x), peak k/4;
    * ``"tanh"``: d/dx (1 + tanh(k x))/2 = (k/2) sech^2(k x) = s'_{2k}(x), peak k/2;
    * ``"rect"``: d/dx clip(k x + 1/2, 0, 1) = k on |x| < 1/(2k), else 0.

    The torch layer's ``heaviside_ste`` backward computes the same functions (tested against this one).

    Examples
    --------
    >>> [float(ste_surrogate_grad(0.0, s, 4.0)) for s in STE_SURROGATES]
    [1.0, 2.0, 4.0]
    """
    if surrogate not in STE_SURROGATES:
        raise InvalidParameterError(f"surrogate must be one of {STE_SURROGATES}; got surrogate={surrogate!r}")
    if surrogate == "sigmoid":
        return scaled_sigmoid_grad(x, slope)
    if surrogate == "tanh":
        return scaled_sigmoid_grad(x, 2.0 * check_positive("slope", slope))
    x = as_float_array("x", x)
    k = check_positive("slope", slope)
    with np.errstate(over="ignore", invalid="ignore"):
        inside = np.abs(k * x) < 0.5
    return scalar_or_array(np.where(np.isnan(x), np.nan, np.where(inside, k * np.ones_like(x), 0.0)))
