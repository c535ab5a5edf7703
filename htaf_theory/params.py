"""Parameter selection from Proposition 3.1 (paper Sec. 3.2, App. A.1, App. F.1 Table 6).

With L(eps) = log((1 - eps) / eps), for eps in (0, 1/2) and delta > 0:

    sup_{|x| >= delta} |h(x) - H(x)| = sigma(-a tanh(b delta))          (exact, see approx_error)
                                    <= eps  iff  a > L(eps) and b >= artanh(L(eps)/a) / delta.

So ``min_a(eps) = L(eps)`` is the infimum of admissible outer gains and
``min_b(a, eps, delta) = artanh(L/a)/delta`` the least admissible inner slope; the paper's
Proposition 3.1 states the sufficiency, the equality above makes it also necessary.
``select`` picks one admissible pair by a stated rule, ``table6`` rebuilds Table 6.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import mpmath
import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit

from . import precise, tails
from .core import log_htaf_grad
from .validation import InvalidParameterError, as_scalar, check_eps, check_positive, scalar_or_array

__all__ = [
    "min_a", "min_b", "approx_error", "transition_width", "binarity_min_a",
    "HTAFParams", "select", "Table6Row", "table6",
    "PAPER_TABLE6", "DEFAULT_RADIUS_IN_DELTAS", "MAX_A", "min_gamma",
]

#: Table 6 of the paper as printed (eps = delta = 0.1): a -> "lower bound of b". Reference values only.
PAPER_TABLE6 = {5: 4.72, 10: 2.24, 20: 1.11, 30: 0.74, 40: 0.55, 50: 0.44,
                100: 0.22, 500: 0.05, 1000: 0.022, 5000: 0.005}
#: The default rule of ``select`` maximises h'(radius) at radius = this many deltas.
DEFAULT_RADIUS_IN_DELTAS = 10.0
#: Upper end of the outer-gain search in ``select`` (h' at the optimum is flat beyond it).
MAX_A = 1e6



def min_a(eps):
    """L(eps) = log((1 - eps)/eps): admissible outer gains are exactly a > min_a(eps).

    Computed as log1p((1 - 2 eps)/eps), accurate for eps close to 1/2.

    Examples
    --------
    >>> print(round(float(min_a(0.1)), 6))   # log 9, the paper's "2.20"
    2.197225
    """
    eps = check_eps(eps)
    return scalar_or_array(_log_odds(eps))


def _log_odds(eps: np.ndarray) -> np.ndarray:
    """L(eps) = log((1 - eps)/eps): log1p((1 - 2 eps)/eps) (accurate near 1/2), or log1p(-eps) - log(eps) for
    eps < 1e-300, where (1 - 2 eps)/eps overflows (min_a(1e-320) = 736.8, not inf)."""
    with np.errstate(over="ignore", divide="ignore"):
        near_half = np.log1p((1.0 - 2.0 * eps) / eps)
    return np.where(eps < 1e-300, np.log1p(-eps) - np.log(eps), near_half)


def binarity_min_a(level=0.01):
    """Least a for which h can leave (level, 1 - level) at all: sigma(a) > 1 - level iff a > L(level).

    The paper's binarity score counts outputs > 0.99 or < 0.01; it is identically 0 for
    a <= log(99) = 4.595, whatever b.

    Examples
    --------
    >>> print(round(float(binarity_min_a()), 4))
    4.5951
    """
    return min_a(check_eps(level, name="level"))


def min_b(a, eps, delta):
    """Least inner slope making h eps-close to H outside [-delta, delta]: artanh(L(eps)/a)/delta.

    artanh(L/a) is evaluated as log1p(2L/(a - L))/2, accurate as a approaches L.

    Raises ``ValueError`` if a <= min_a(eps): then no b is admissible.

    Examples
    --------
    >>> print(round(float(min_b(10.0, 0.1, 0.1)), 6))
    2.233645
    """
    eps = check_eps(eps)
    delta = check_positive("delta", delta)
    a = check_positive("a", a)
    L = _log_odds(eps)
    if np.any(a <= L):
        bad = float(np.broadcast_to(a, np.broadcast(a, L).shape)[np.broadcast_to(a <= L, np.broadcast(a, L).shape)].flat[0])
        raise InvalidParameterError(
            f"a must exceed min_a(eps) = log((1-eps)/eps) = {float(np.max(L)):.6g} "
            f"(valid range: (min_a(eps), inf)); got a={bad!r}"
        )
    with np.errstate(over="ignore"):
        b = 0.5 * np.log1p(2.0 * L / (a - L)) / delta
    if not np.all(np.isfinite(b)):
        raise InvalidParameterError(
            f"delta={float(np.min(delta))!r} is so small that the least admissible b = artanh(L/a)/delta overflows "
            "float64 (valid range of delta: about (1e-300, inf) for moderate a)")
    return scalar_or_array(b)


def approx_error(a, b, delta):
    """sup_{|x| >= delta} |h(x) - H(x)|, attained at |x| = delta: sigma(-a tanh(b delta)).

    Examples
    --------
    >>> print(round(float(approx_error(10.0, min_b(10.0, 0.1, 0.1), 0.1)), 12))
    0.1
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    delta = check_positive("delta", delta)
    return scalar_or_array(expit(-a * np.tanh(b * delta)))


def transition_width(a, b, eps):
    """The smallest delta with approx_error(a, b, delta) <= eps: artanh(L(eps)/a)/b.

    ``inf`` when a <= min_a(eps): then h never gets eps-close to H.

    Examples
    --------
    >>> print(round(float(transition_width(10.0, 2.0, 0.1)), 6))
    0.111682
    >>> print(transition_width(2.0, 2.0, 0.1))
    inf
    """
    a = check_positive("a", a)
    b = check_positive("b", b)
    eps = check_eps(eps)
    L = _log_odds(eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.where(a > L, 0.5 * np.log1p(2.0 * L / np.where(a > L, a - L, 1.0)) / b, np.inf)
    return scalar_or_array(width)


@dataclass(frozen=True)
class HTAFParams:
    """An admissible (a, b) for tolerance eps outside [-delta, delta], with derived quantities."""

    a: float               #: outer gain
    b: float               #: inner slope
    eps: float             #: tolerance: sup_{|x|>=delta} |h - H| <= eps
    delta: float           #: half-width of the transition zone
    rule: str              #: how (a, b) was chosen
    radius: float | None   #: the radius whose gradient h'(radius) was maximised, if any
    slope_at_zero: float   #: h'(0) = a b / 4
    tail_rate: float       #: 2 b, the exponential decay rate of h'
    tail_constant: float   #: C = a b sech^2(a/2), h'(x) ~ C e^{-2b|x|}
    approx_error: float    #: sigma(-a tanh(b delta)), achieved sup error (<= eps)
    log_grad_at_radius: float | None  #: log h'(radius), when a radius is given

    def as_dict(self) -> dict:
        """The fields as a plain dict (for JSON)."""
        return asdict(self)


def _best_b_for_a(a: float, radius: float, b_low: float) -> tuple[float, float]:
    """max over b >= b_low of log h'(radius); log h'(radius) is unimodal in log b."""
    # search b in [b_low, b_low e^40], capped where b would overflow float64 (tiny delta gives huge b_low)
    q_max = max(0.0, min(40.0, math.log(float(np.finfo(np.float64).max)) - math.log(b_low) - 1.0))
    if q_max == 0.0:
        return float(log_htaf_grad(radius, a, b_low)), b_low
    res = minimize_scalar(lambda q: -float(log_htaf_grad(radius, a, b_low * math.exp(q))),
                          bounds=(0.0, q_max), method="bounded", options={"xatol": 1e-10})
    cands = [(float(log_htaf_grad(radius, a, b_low)), b_low), (-float(res.fun), b_low * math.exp(res.x))]
    value, b = max(cands)
    return value, b


def _select_for_radius(eps: float, delta: float, radius: float) -> tuple[float, float, float]:
    L = float(min_a(eps))
    # Parametrise a = L + e^s so the open constraint a > L becomes unconstrained in s.
    def neg_value(s: float) -> float:
        a = L + math.exp(s)
        return -_best_b_for_a(a, radius, float(min_b(a, eps, delta)))[0]

    s_grid = np.linspace(math.log(L * 1e-9), math.log(MAX_A), 241)
    values = [neg_value(s) for s in s_grid]
    i = int(np.argmin(values))
    lo, hi = s_grid[max(i - 1, 0)], s_grid[min(i + 1, len(s_grid) - 1)]
    res = minimize_scalar(neg_value, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    a = L + math.exp(res.x)
    value, b = _best_b_for_a(a, radius, float(min_b(a, eps, delta)))
    return a, b, value


def select(eps, delta, *, a=None, radius=None) -> HTAFParams:
    """Choose an admissible (a, b): sup_{|x| >= delta} |h(x) - H(x)| <= eps.

    Rules
    -----
    * ``a`` given: b = min_b(a, eps, delta), the flattest admissible tail for that gain.
    * ``radius`` given (must exceed delta): the admissible pair maximising h'(radius), the
      smallest gradient on [-radius, radius]. Optimised in log space, so it works where
      h'(radius) underflows. For radius <= delta the supremum is approached only as
      a -> inf, so no pair attains it and a ``ValueError`` says so.
    * neither: the radius rule at radius = 10 delta (``DEFAULT_RADIUS_IN_DELTAS``): the pair
      that keeps the gradient largest out to ten transition half-widths, where a trained
      network's pre-activations mostly lie. For eps = delta = 0.1 it gives a ~ 7.0, b ~ 3.2:
      above log 99 (binary outputs possible) and above 2 (heavier tails than SS).

    Examples
    --------
    >>> p = select(0.1, 0.1, a=10.0)
    >>> print(round(p.b, 5), round(p.slope_at_zero, 4), round(p.approx_error, 12))
    2.23364 5.5841 0.1
    >>> q = select(0.1, 0.1, radius=1.0)
    >>> print(round(q.a, 2), round(q.b, 2), q.approx_error <= 0.1 + 1e-12)
    7.03 3.24 True
    """
    eps_f = float(check_eps(as_scalar("eps", eps)))
    delta_f = float(check_positive("delta", as_scalar("delta", delta)))
    if a is not None and radius is not None:
        raise InvalidParameterError("give at most one of a and radius; got both "
                         f"a={a!r} and radius={radius!r}")
    if a is not None:
        a_f = float(check_positive("a", as_scalar("a", a)))
        b_f = float(min_b(a_f, eps_f, delta_f))
        rule, r, log_grad = "b = min_b(a)", None, None
    else:
        rule = "max h'(radius)"
        if radius is None:
            radius = DEFAULT_RADIUS_IN_DELTAS * delta_f
            rule = f"default: max h'(radius), radius = {DEFAULT_RADIUS_IN_DELTAS:g} delta"
        r = float(check_positive("radius", as_scalar("radius", radius)))
        if r <= delta_f:
            raise InvalidParameterError(
                f"radius must exceed delta = {delta_f!r} (valid range: (delta, inf)); got radius={r!r}: "
                "for radius <= delta, h'(radius) grows without bound as a -> inf, so no pair maximises it"
            )
        a_f, b_f, log_grad = _select_for_radius(eps_f, delta_f, r)
    b_f = _least_admissible_float_b(a_f, b_f, eps_f, delta_f)
    return HTAFParams(
        a=a_f, b=b_f, eps=eps_f, delta=delta_f, rule=rule, radius=r,
        slope_at_zero=float(tails.slope_at_zero(a_f, b_f)),
        tail_rate=float(tails.tail_rate(a_f, b_f)),
        tail_constant=float(tails.tail_constant(a_f, b_f)),
        approx_error=float(approx_error(a_f, b_f, delta_f)),
        log_grad_at_radius=log_grad,
    )


def _exactly_admissible(a: float, b: float, delta: float, eps: float) -> bool:
    """sigma(-a tanh(b delta)) <= eps for the exact binary values of the floats (mpmath, precision raised until
    the comparison is decided; an undecidable tie at 2,560 digits counts as not admissible). b may be inf."""
    for dps in (40, 160, 640, 2560):
        gap = precise.approx_error_mp(a, b, delta, dps=dps) - mpmath.mpf(eps)
        if abs(gap) > mpmath.mpf(10) ** (8 - dps) * eps:
            return gap < 0
    return False


def _least_admissible_float_b(a: float, b: float, eps: float, delta: float) -> float:
    """The least float64 b' >= b (b' >= the smallest subnormal) that is admissible both exactly and as evaluated
    in float64: sigma(-a tanh(b' delta)) <= eps for the exact binary values of a, b', delta, eps (mpmath), and
    ``approx_error(a, b', delta) <= eps``. Both are monotone in b', so their conjunction is.

    min_b is exact to a few ulps, but either check may still fail by an ulp, and near a = min_a(eps) one ulp of b
    moves tanh(b delta) by far less than an ulp. The search runs on the integer bit patterns of positive floats
    (which order like the floats, subnormals included, so a step never underflows to 0): the step doubles
    (1, 2, 4, ... patterns) until admissible, which ends within 64 steps because the pattern of inf is < 2^63;
    then bisection between the bracketing patterns, at most 64 steps more.
    """
    def admissible(value: float) -> bool:
        if math.isinf(value):                     # tanh(inf) = 1
            return float(expit(-a)) <= eps and _exactly_admissible(a, value, delta, eps)
        return float(approx_error(a, value, delta)) <= eps and _exactly_admissible(a, value, delta, eps)

    b = max(b, 5e-324)                             # min_b may underflow to 0 for a huge delta
    if admissible(b):
        below = float(np.nextafter(b, 0.0))
        if below <= 0 or not admissible(below):
            return b
        # min_b came out above the least admissible float (near min_a(eps) atanh(L/a) amplifies rounding): step down
        # in doubling relative steps to an inadmissible b, then bisect up to the least admissible one
        step = 2.0 ** -40
        while step < 0.5 and admissible(b * (1 - step)):
            step *= 2
        low = b * (1 - step)
        if admissible(low):                        # b/2 still admissible: search from the smallest subnormal
            low = 5e-324
        return _least_float_where(admissible, low) if not admissible(low) else low
    if not admissible(math.inf):
        raise InvalidParameterError(
            f"a={a!r} is too close to min_a(eps) = {float(min_a(eps))!r} for eps={eps!r}: even b = inf gives an "
            f"error sigma(-a) = {float(expit(-a))!r} > eps (valid range of a: (min_a(eps), inf), with room for rounding)")
    return _least_float_where(admissible, b)


def _least_float_where(admissible, start: float) -> float:
    """The least float64 v >= start with admissible(v), for a monotone ``admissible`` that holds at inf and not at
    ``start`` (> 0): doubling steps on the bit patterns, then bisection (see ``_least_admissible_float_b``)."""
    to_int = lambda v: int(np.float64(v).view(np.int64))            # noqa: E731
    to_float = lambda n: float(np.int64(n).view(np.float64))        # noqa: E731
    inf_bits = to_int(math.inf)
    lo_bits, step = to_int(start), 1
    while True:                                    # <= 64 iterations
        hi_bits = min(lo_bits + step, inf_bits)
        if admissible(to_float(hi_bits)):
            break
        lo_bits, step = hi_bits, step * 2
    while hi_bits - lo_bits > 1:                   # <= 64 iterations
        mid_bits = (lo_bits + hi_bits) // 2
        if admissible(to_float(mid_bits)):
            hi_bits = mid_bits
        else:
            lo_bits = mid_bits
    return to_float(hi_bits)


def min_gamma(eps, delta) -> float:
    """The least float64 gamma with sigma(-gamma delta) <= eps: the scaled sigmoid's frontier, gamma = L(eps)/delta
    rounded up so that the bound holds for the exact binary values of the floats (mpmath) and as evaluated.

    >>> g = min_gamma(0.1, 0.1); print(round(g, 6), float(expit(-g * 0.1)) <= 0.1)
    21.972246 True
    """
    eps_f = float(check_eps(as_scalar("eps", eps)))
    delta_f = float(check_positive("delta", as_scalar("delta", delta)))
    start = float(min_a(eps_f)) / delta_f
    if not math.isfinite(start):
        raise InvalidParameterError(f"delta={delta_f!r} is so small that L(eps)/delta = gamma overflows float64 "
                                    f"(valid range: delta > L(eps)/1.8e308 = {float(min_a(eps_f)) / 1.7976931348623157e308:.3g})")

    def admissible(gamma: float) -> bool:
        if math.isinf(gamma):
            return True
        if float(expit(-gamma * delta_f)) > eps_f:
            return False
        for dps in (40, 160, 640):
            with mpmath.workdps(dps):
                gap = 1 / (1 + mpmath.exp(mpmath.mpf(gamma) * mpmath.mpf(delta_f))) - mpmath.mpf(eps_f)
            if abs(gap) > mpmath.mpf(10) ** (8 - dps) * eps_f:
                return gap < 0
        return False

    if admissible(start):
        return start
    value = _least_float_where(admissible, start)
    if math.isinf(value):
        raise InvalidParameterError(f"no finite gamma has sigma(-gamma delta) <= eps at delta={delta_f!r}, eps={eps_f!r}")
    return value


@dataclass(frozen=True)
class Table6Row:
    """One column of the paper's Table 6: a, exact min_b(a), and min_b rounded up as printed."""

    a: float
    b_exact: float        #: artanh(L(eps)/a)/delta
    decimals: int         #: digits after the point the paper prints for this entry
    b_rounded_up: float   #: ceil(b_exact * 10^decimals) / 10^decimals, our computation
    b_paper: float | None  #: the printed value (reference, eps = delta = 0.1 only)


_PAPER_DECIMALS = {5: 2, 10: 2, 20: 2, 30: 2, 40: 2, 50: 2, 100: 2, 500: 2, 1000: 3, 5000: 3}


def table6(eps=0.1, delta=0.1, a_values=(5, 10, 20, 30, 40, 50, 100, 500, 1000, 5000)) -> list[Table6Row]:
    """Rebuild Table 6 (App. F.1): min_b(a) for each a, exact and rounded up at the printed digit.

    The paper rounds *up* (0.0439 is printed 0.05), which keeps the printed b admissible.

    Examples
    --------
    >>> [r.b_rounded_up for r in table6()]
    [4.72, 2.24, 1.11, 0.74, 0.55, 0.44, 0.22, 0.05, 0.022, 0.005]
    """
    rows = []
    eps, delta = as_scalar("eps", eps), as_scalar("delta", delta)      # one table for one (eps, delta)
    if isinstance(a_values, (str, bytes)) or not hasattr(a_values, "__iter__"):
        raise InvalidParameterError(f"a_values must be a sequence of numbers; got a_values={a_values!r}")
    a_values = tuple(a_values)
    if not a_values:
        raise InvalidParameterError("a_values must hold at least one a; got an empty sequence")
    for a in a_values:
        as_scalar("a_values entry", a)                  # refuses True, "5", None, arrays by name
    paper = eps == 0.1 and delta == 0.1
    floor = float(min_a(check_eps(eps)))
    small = [a for a in a_values if float(a) <= floor]
    if small:
        raise InvalidParameterError(f"eps={eps!r} needs a > min_a(eps) = {floor:.6g}, but the table's a values "
                                    f"{small} are not (valid range of eps: (sigma(-min(a)), 1/2) = "
                                    f"({1 / (1 + math.exp(min(map(float, a_values)))):.3g}, 0.5))")
    for a in a_values:
        b = float(min_b(float(a), eps, delta))
        if not math.isfinite(b * 10 ** _PAPER_DECIMALS.get(a, 3)):
            raise InvalidParameterError(f"delta={delta!r} is so small that min_b(a={a}) = {b!r} is not a finite float64 "
                                        "table entry (valid range of delta: about (1e-300, inf))")
        d = _PAPER_DECIMALS.get(a, 3)
        # round(.., 9) first so that an exact decimal is not pushed up by float noise; then the printed value
        # itself must be admissible (the rounding may have pulled it just below min_b): else the next decimal up
        k = math.ceil(round(b * 10**d, 9))
        if not _exactly_admissible(float(a), k / 10**d, float(delta), float(eps)):
            k = math.ceil(_least_admissible_float_b(float(a), b, float(eps), float(delta)) * 10**d)
            while not _exactly_admissible(float(a), k / 10**d, float(delta), float(eps)):
                k += 1                              # one step at most: k / 10^d rounds to within an ulp
        up = k / 10**d
        rows.append(Table6Row(a=float(a), b_exact=b, decimals=d, b_rounded_up=up,
                              b_paper=PAPER_TABLE6.get(a) if paper else None))
    return rows
