"""High-precision references: HTAF in mpmath (any precision) and in arb balls (python-flint).

The same formulas as ``htaf_theory.core`` (paper Sec. 3.2, Thm 3.2), written so that no step
cancels: sigma(u) = 1/(1 + e^{-u}); 1 - h(x) = sigma(-u); h' = a b sigma(u) sigma(-u) sech^2(bx);
h'' = -h' b (a sech^2(bx) tanh(u/2) + 2 tanh(bx)). Float inputs are taken as exact binary
numbers (``mpf(float)`` is exact), which is what the accuracy tests compare against.

The ``*_arb`` functions return rigorous enclosures (``flint.arb`` balls) for the theorem checks.
"""
from __future__ import annotations

import mpmath
from mpmath import mp, mpf

__all__ = [
    "htaf_mp", "htaf_complement_mp", "htaf_grad_mp", "htaf_grad2_mp", "log_htaf_grad_mp",
    "scaled_sigmoid_grad_mp", "min_a_mp", "min_b_mp", "approx_error_mp", "tail_constant_mp",
    "htaf_arb", "htaf_grad_arb", "arb_sigmoid",
]


def _sigmoid(u):
    return 1 / (1 + mpmath.exp(-u))


def _parts(x, a, b):
    x, a, b = mpf(x), mpf(a), mpf(b)
    y = b * x
    return x, a, b, y, a * mpmath.tanh(y)


def htaf_mp(x, a, b, dps: int = 50):
    """h(x) = sigma(a tanh(bx)) at ``dps`` decimal digits.

    >>> print(mpmath.nstr(htaf_mp(1, 10, 2, dps=30), 20))
    0.99993494912186762897
    """
    with mp.workdps(dps):
        *_, u = _parts(x, a, b)
        return +_sigmoid(u)


def htaf_complement_mp(x, a, b, dps: int = 50):
    """1 - h(x) = sigma(-a tanh(bx)), no cancellation.

    >>> print(mpmath.nstr(htaf_complement_mp(1, 50, 2), 10))
    1.165217715e-21
    """
    with mp.workdps(dps):
        *_, u = _parts(x, a, b)
        return +_sigmoid(-u)


def htaf_grad_mp(x, a, b, dps: int = 50):
    """h'(x) = a b sigma(u) sigma(-u) sech^2(bx).

    >>> print(htaf_grad_mp(0, 10, 2))
    5.0
    """
    with mp.workdps(dps):
        x, a, b, y, u = _parts(x, a, b)
        return a * b * _sigmoid(u) * _sigmoid(-u) * mpmath.sech(y) ** 2


def log_htaf_grad_mp(x, a, b, dps: int = 50):
    """log h'(x) (mpmath has no underflow, so the direct formula is safe).

    >>> print(mpmath.nstr(log_htaf_grad_mp(1e300, 1e6, 1), 12))
    -2.0e+300
    """
    with mp.workdps(dps):
        return mpmath.log(htaf_grad_mp(x, a, b, dps=dps))


def htaf_grad2_mp(x, a, b, dps: int = 50):
    """h''(x) = -h'(x) b (a sech^2(bx) tanh(u/2) + 2 tanh(bx)).

    >>> print(htaf_grad2_mp(0, 10, 2))
    0.0
    """
    with mp.workdps(dps):
        x, a, b, y, u = _parts(x, a, b)
        grad = a * b * _sigmoid(u) * _sigmoid(-u) * mpmath.sech(y) ** 2
        return -grad * b * (a * mpmath.sech(y) ** 2 * mpmath.tanh(u / 2) + 2 * mpmath.tanh(y))


def scaled_sigmoid_grad_mp(x, gamma, dps: int = 50):
    """s'_gamma(x) = gamma sigma(gamma x) sigma(-gamma x).

    >>> print(scaled_sigmoid_grad_mp(0, 22))
    5.5
    """
    with mp.workdps(dps):
        z = mpf(gamma) * mpf(x)
        return mpf(gamma) * _sigmoid(z) * _sigmoid(-z)


def min_a_mp(eps, dps: int = 50):
    """L(eps) = log((1 - eps)/eps).

    >>> print(mpmath.nstr(min_a_mp(0.1), 15))   # eps is the float nearest 0.1
    2.19722457733622
    """
    with mp.workdps(dps):
        eps = mpf(eps)
        return mpmath.log((1 - eps) / eps)


def min_b_mp(a, eps, delta, dps: int = 50):
    """artanh(L(eps)/a)/delta.

    >>> print(mpmath.nstr(min_b_mp(10, 0.1, 0.1), 15))
    2.23364469186899
    """
    with mp.workdps(dps):
        return mpmath.atanh(min_a_mp(eps, dps) / mpf(a)) / mpf(delta)


def approx_error_mp(a, b, delta, dps: int = 50):
    """sigma(-a tanh(b delta)).

    >>> print(mpmath.nstr(approx_error_mp(10, min_b_mp(10, 0.1, 0.1, dps=60), 0.1), 15))
    0.1
    """
    with mp.workdps(dps):
        return _sigmoid(-mpf(a) * mpmath.tanh(mpf(b) * mpf(delta)))


def tail_constant_mp(a, b, dps: int = 50):
    """C(a, b) = a b sech^2(a/2).

    >>> print(mpmath.nstr(tail_constant_mp(2, 11), 10))
    9.239435516
    """
    with mp.workdps(dps):
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
    return arb_sigmoid(a * (b * x).tanh())


def htaf_grad_arb(x, a, b):
    """An arb ball containing h'(x) = a b sigma(u) sigma(-u) sech^2(bx)."""
    y = b * x
    u = a * y.tanh()
    return a * b * arb_sigmoid(u) * arb_sigmoid(-u) * y.sech() ** 2
