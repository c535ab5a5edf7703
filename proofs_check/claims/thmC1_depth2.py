"""Theorem C.1 beyond one hidden layer (App. C remark: the proof "could be extended"): no bound is stated, so this
is numerical evidence that E|f - f_h| -> 0 as eps = delta -> 0 for random 2-hidden-layer nets.
"""

from __future__ import annotations

import numpy as np

from htaf_theory.accuracy import library_functions as library_impl
from ..registry import Check, CheckResult, Claim, from_violations, timed

ORDER = (12, 1, 1)   # position in the paper's numbering (sections; appendices B=11, C=12, F=15, G=16)


def _deep_gap(delta: float, seed: int, impl, n: int = 200_001, fixed_b: float | None = None) -> float:
    """E|f(X) - f_h(X)|, X ~ U[0, 1], for a random 2-hidden-layer Heaviside net and its HTAF copy (eps = delta, b = min_b)."""
    rng = np.random.default_rng(seed)
    w1, c1 = rng.normal(size=(6, 1)) * 3, rng.uniform(-1.5, 1.5, 6)
    w2, c2 = rng.normal(size=(6, 6)), rng.uniform(-1.5, 1.5, 6)
    beta = rng.normal(size=6)
    a = max(10.0, 2.0 * float(impl.min_a(delta)))
    b = float(impl.min_b(a, delta, delta)) if fixed_b is None else fixed_b
    xs = (np.arange(n) + 0.5) / n
    z1 = xs[:, None] * w1[:, 0] + c1
    hard = np.asarray(impl.heaviside(np.asarray(impl.heaviside(z1)) @ w2.T + c2)) @ beta
    soft = np.asarray(impl.htaf(np.asarray(impl.htaf(z1, a, b)) @ w2.T + c2, a, b)) @ beta
    return float(np.mean(np.abs(hard - soft)))


@timed
def c1_deep_numerical(impl=None, fixed_b: float | None = None) -> CheckResult:
    """``fixed_b`` (a wrong variant) keeps b fixed instead of b = min_b: then the gap cannot vanish."""
    impl = impl or library_impl()
    deltas = (0.1, 1e-2, 1e-3, 1e-4)
    bad, rows = [], []
    for seed in range(4):
        gaps = [_deep_gap(d, seed, impl, fixed_b=fixed_b) for d in deltas]
        rows.append("/".join(f"{g:.2g}" for g in gaps))
        # not strictly monotone (a = 10 is fixed while 2 L(delta) < 10), but it must fall by 100x over the range
        if not (all(g2 <= 1.5 * g1 for g1, g2 in zip(gaps, gaps[1:])) and gaps[-1] < gaps[0] / 100):
            bad.append(f"seed {seed}: E|f - f_h| = {rows[-1]} for eps = delta in {deltas}: not shrinking")
    return from_violations("thmC.1.depth2", "numerical", "4 random 1-6-6-1 nets, X ~ U[0,1] (midpoint rule, 2e5 points), "
                           "a = max(10, 2 L(delta)), b = min_b(a, delta, delta), eps = delta in {0.1, 1e-2, 1e-3, 1e-4}", bad,
                           "E|f - f_h| falls >= 100x as delta: 0.1 -> 1e-4", "E|f - f_h| by delta, per net: " + "; ".join(rows))


CLAIM = Claim("thmC.1.depth2", "C.1 beyond one hidden layer (the paper: the proof 'could be extended'): E|f - f_h| -> 0 "
               "as eps = delta -> 0 for a 2-hidden-layer Heaviside net and its HTAF copy", "App. C (remark)",
               "X with a density; b = min_b", [Check("numerical", c1_deep_numerical)],
               note="The paper states no bound for depth > 1; this is numerical evidence only, not the bound.",
               target="addition")


#: a deliberately wrong variant (b fixed, not min_b(delta)): its checks must reject it with a counterexample
WRONG = lambda: c1_deep_numerical(fixed_b=2.0)  # noqa: E731
