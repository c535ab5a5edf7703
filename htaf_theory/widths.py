"""One width axis for every surrogate: the peak and the half-width at half maximum (HWHM) of the derivative a
network trains with.

Near 0 HTAF's derivative is a sigmoid surrogate of slope a b, h'(x) = a b s'(a b x) (1 + O((bx)^2)) (s the logistic
function; checked as the claim ``sec3.2.width``), so comparing HTAF with a straight-through estimator (STE) or the
scaled sigmoid (SS) is first a comparison of widths. This module puts every family on one axis:

    peak = g(0),    HWHM = the x > 0 with g(x) = g(0) / 2,

for g = h'_{a,b} (``core.htaf_grad``), the STE surrogates of slope k (``core.ste_surrogate_grad``: sigmoid, tanh,
rect) and SS of gamma (``core.scaled_sigmoid_grad``). Each width is found numerically (``scipy.optimize.brentq``
to 1e-14 relative) from that one definition; no closed form is typed here. Every family is g(x) = k f(k x) for a
fixed f, so HWHM scales as 1 / k (for HTAF: 1 / b at fixed a), which gives the inverses.

The **matched sigmoid** of an HTAF pair (a, b) is the sigmoid surrogate c k s'(k x) with the same peak and the
same HWHM: it differs from h' only away from the centre, so HTAF minus its matched sigmoid is what the heavy tail
does (``htaf_theory.nn.matched_sigmoid`` builds it as a module).

>>> w = htaf_width(10.0, 0.2234)
>>> round(w.peak, 4), round(w.hwhm, 3)
(0.5585, 0.778)
>>> round(ste_width("sigmoid", 1.0).hwhm, 4), round(ste_width("tanh", 1.0).hwhm, 4), ste_width("rect", 1.0).hwhm
(1.7627, 0.8814, 0.5)
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .core import STE_SURROGATES, htaf_grad, scaled_sigmoid_grad, ste_surrogate_grad
from .params import min_a
from .validation import InvalidParameterError, as_scalar

__all__ = ["SurrogateWidth", "htaf_width", "ste_width", "ss_width", "htaf_b_for_width", "ste_slope_for_width",
           "ss_gamma_for_width", "matched_sigmoid_params", "htaf_for_ste", "frontier_delta", "width_ladder"]

_XTOL = 1e-14


@dataclass(frozen=True)
class SurrogateWidth:
    """The peak g(0) and the HWHM of one surrogate derivative g."""

    family: str            #: "htaf", "ste-sigmoid", "ste-tanh", "ste-rect", "ss" or "matched-sigmoid"
    params: tuple          #: (a, b), (slope,), (gamma,) or (slope, amplitude)
    peak: float            #: g(0)
    hwhm: float            #: the x > 0 where g first falls to g(0)/2


def _hwhm(grad) -> float:
    """The x > 0 where a derivative that decreases on x > 0 reaches half its value at 0."""
    peak = float(grad(0.0))
    half = 0.5 * peak
    hi = 1.0
    while float(grad(hi)) >= half:
        hi *= 2.0
        if hi > 1e300:
            raise InvalidParameterError("the surrogate derivative does not fall to half its peak")
    return brentq(lambda x: float(grad(x)) - half, 0.0, hi, xtol=_XTOL * hi, rtol=4 * np.finfo(float).eps)


def _positive(name: str, value) -> float:
    v = as_scalar(name, value)
    if not (0 < v < math.inf):
        raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={value!r}")
    return v


@functools.lru_cache(maxsize=256)
def _htaf_unit_hwhm(a: float) -> float:
    return _hwhm(lambda x: htaf_grad(x, a, 1.0))


@functools.lru_cache(maxsize=8)
def _ste_unit_hwhm(surrogate: str) -> float:
    return _hwhm(lambda x: ste_surrogate_grad(x, surrogate, 1.0))


def htaf_width(a, b) -> SurrogateWidth:
    """Peak a b / 4 and HWHM of h'_{a,b} (the HWHM at b is the HWHM at b = 1 divided by b: h'_{a,b}(x) = b h'_{a,1}(bx)).

    >>> round(htaf_width(30.0, 0.74).hwhm, 4)
    0.0793
    """
    a, b = _positive("a", a), _positive("b", b)
    return SurrogateWidth("htaf", (a, b), float(htaf_grad(0.0, a, b)), _htaf_unit_hwhm(a) / b)


def ste_width(surrogate: str, slope) -> SurrogateWidth:
    """Peak and HWHM of the STE surrogate derivative (``core.ste_surrogate_grad``) of slope k.

    >>> round(ste_width("sigmoid", 4.0).hwhm, 4)
    0.4407
    """
    if surrogate not in STE_SURROGATES:
        raise InvalidParameterError(f"surrogate must be one of {STE_SURROGATES}; got surrogate={surrogate!r}")
    k = _positive("slope", slope)
    return SurrogateWidth(f"ste-{surrogate}", (k,), float(ste_surrogate_grad(0.0, surrogate, k)),
                          _ste_unit_hwhm(surrogate) / k)


def ss_width(gamma) -> SurrogateWidth:
    """Peak gamma / 4 and HWHM of the scaled sigmoid's derivative s'_gamma (trained smooth, then swapped)."""
    g = _positive("gamma", gamma)
    return SurrogateWidth("ss", (g,), float(scaled_sigmoid_grad(0.0, g)), _ste_unit_hwhm("sigmoid") / g)


def htaf_b_for_width(a, width) -> float:
    """The inner slope b whose h'_{a,b} has HWHM ``width`` at outer gain ``a``.

    >>> b = htaf_b_for_width(10.0, 0.5); abs(htaf_width(10.0, b).hwhm - 0.5) < 1e-12
    True
    """
    a, width = _positive("a", a), _positive("width", width)
    return _htaf_unit_hwhm(a) / width


def ste_slope_for_width(surrogate: str, width) -> float:
    """The slope k whose STE surrogate has HWHM ``width``."""
    return ste_width(surrogate, 1.0).hwhm / _positive("width", width)


def ss_gamma_for_width(width) -> float:
    """The SS gamma whose derivative has HWHM ``width``."""
    return ss_width(1.0).hwhm / _positive("width", width)


def matched_sigmoid_params(a, b) -> tuple[float, float]:
    """(slope k, amplitude c) of the sigmoid surrogate c k s'(k x) with h'_{a,b}'s peak and HWHM.

    >>> k, c = matched_sigmoid_params(10.0, 0.2234)
    >>> round(k, 3), round(c, 4)
    (2.267, 0.9855)
    """
    target = htaf_width(a, b)
    k = ste_slope_for_width("sigmoid", target.hwhm)
    return k, target.peak / ste_width("sigmoid", k).peak


def htaf_for_ste(surrogate: str, slope, a) -> float:
    """The inner slope b at outer gain ``a`` whose h' has the width of the STE surrogate a user already trains with.

    >>> b = htaf_for_ste("sigmoid", 4.0, 10.0); round(htaf_width(10.0, b).hwhm, 4)
    0.4407
    """
    return htaf_b_for_width(a, ste_width(surrogate, slope).hwhm)


def frontier_delta(a, b, eps=0.1) -> float:
    """The half-width delta at which (a, b) sits on Prop. 3.1's frontier, b = min_b(a, eps, delta):
    delta = artanh(L(eps)/a) / b (a > L(eps) required).

    >>> round(frontier_delta(10.0, 0.2234), 4)
    0.9998
    """
    a, b = _positive("a", a), _positive("b", b)
    L = float(min_a(eps))
    if not a > L:
        raise InvalidParameterError(f"a must exceed L(eps) = {L:.6g} to reach eps = {eps} anywhere; got a={a!r}")
    return math.atanh(L / a) / b


def width_ladder(low: float = 0.1, high: float = 3.0, rungs: int = 6) -> tuple[float, ...]:
    """HWHM rungs from ``low`` to ``high`` in equal log steps (the study's common width axis).

    >>> [round(w, 3) for w in width_ladder()]
    [0.1, 0.197, 0.39, 0.77, 1.519, 3.0]
    """
    low, high = _positive("low", low), _positive("high", high)
    if not (isinstance(rungs, int) and rungs >= 2) or not high > low:
        raise InvalidParameterError(f"need rungs >= 2 and high > low; got rungs={rungs!r}, low={low}, high={high}")
    ratio = (high / low) ** (1.0 / (rungs - 1))
    return tuple(low * ratio ** i for i in range(rungs))
