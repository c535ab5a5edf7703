"""Shared pieces of the claim checks: arb sigmoid, parameter maps, sympy face identities, mp cross-checks."""
from __future__ import annotations

import mpmath
import sympy as sp
from flint import arb

from .registry import CheckResult


def sigmoid(u: arb) -> arb:
    return 1 / (1 + (-u).exp())


def pow10(v: arb) -> arb:
    """10^v for a ball v, evaluated at the endpoints (monotone), so a wide range stays positive."""
    lo = (v.lower() * arb(10).log()).exp().lower()
    hi = (v.upper() * arb(10).log()).exp().upper()
    return arb(lo).union(arb(hi))


def lo(x: arb) -> arb:
    """The lower endpoint of a ball, as an exact point."""
    return arb(x.lower())


def hi(x: arb) -> arb:
    """The upper endpoint of a ball, as an exact point."""
    return arb(x.upper())


def pow10_point(v: arb) -> arb:
    """10^v at a point (a ball of tiny radius): used for lower bounds of positive factors."""
    return (v * arb(10).log()).exp()


def log_odds(eps: arb) -> arb:
    """L(eps) = log1p((1 - 2 eps)/eps), as the library computes it."""
    return ((1 - 2 * eps) / eps).log1p()


def face_identity(expr: sp.Expr, symbols: dict, samples: list[dict], label: str) -> tuple[str, str]:
    """('verified', evidence) if sympy proves ``expr`` == 0; ('counterexample', where) if it is not 0
    at a sample point; else ('undecided', why)."""
    for candidate in (expr, expr.rewrite(sp.log), expr.rewrite(sp.exp)):
        if sp.simplify(candidate) == 0:
            return "verified", f"sympy: {label} simplifies to 0"
    for sample in samples:
        value = sp.N(expr.subs({symbols[k]: sp.nsimplify(v) for k, v in sample.items()}), 40)
        if abs(value) > 1e-30:
            return "counterexample", f"{label} = {sp.N(value, 8)} != 0 at {sample}"
    return "undecided", f"sympy could not reduce {label} to 0 (it is ~0 at the samples)"


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


def rigorous_result(claim: str, cert, domain: str) -> CheckResult:
    margin = "" if cert.worst_margin is None else f"worst leaf margin {cert.worst_margin:.3g}"
    detail = cert.summary()
    if cert.face_evidence:
        detail += f"; tight face {cert.tight_face}; {cert.face_evidence}"
    return CheckResult(claim, "rigorous", domain, cert.outcome, margin, detail)

