"""Shared pieces of the claim checks: an mpmath evaluation cross-checked at doubled precision."""
from __future__ import annotations

import mpmath


def mp_checked(fn, *args, dps: int = 50):
    """fn(*args) at ``dps`` digits, cross-checked at 2*dps (raises if they disagree)."""
    with mpmath.workdps(dps):
        lo = fn(*args)
    with mpmath.workdps(2 * dps):
        hi = fn(*args)
        if abs(lo - hi) > abs(hi) * mpmath.mpf(10) ** (5 - dps) + mpmath.mpf(10) ** (-10 * dps):
            raise ArithmeticError(f"mpmath reference unstable at {args}: {lo} vs {hi}")
    with mpmath.workdps(dps):
        return +hi
