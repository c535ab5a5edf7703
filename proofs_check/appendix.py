"""Appendix results: Theorem C.1 (a DHN is approximated by its HTAF copy) and the B.2 square construction.

thmC1 (App. C, formula lost; this is the form its proof gives): f(x) = beta^T H(W x + c), f_h = beta^T h(W x + c).
If h is eps-close to H outside [-delta, delta] and (C) P(|w_j . X + c_j| < t) <= K t for all j, t, then
E|f(X) - f_h(X)| <= ||beta||_1 (eps + K delta).
Check: X ~ U[0, 1], so w_j X + c_j is uniform with density 1/|w_j| and K = max_j 2/|w_j|; the expectation is
computed by mpmath quadrature (split at every kink) of the library's float64 integrand |f - f_h| (the check tests
the library's htaf and heaviside), so it is accurate to ~1e-15, far below the bound's slack.

thmB2 (App. B.2): for rho in C^3 with rho''(x0) != 0,
(rho(x0 + t x) + rho(x0 - t x) - 2 rho(x0)) / (t^2 rho''(x0)) -> x^2, error O(t) (in fact O(t^2): odd terms cancel);
and h_{a,b}(x) = g_a(b x) with g_a(x) = sigma(a tanh x), so b only rescales the weights.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ._impl import library_impl
from .registry import Check, CheckResult, Claim, from_violations, register, timed


def _network(seed: int, m: int = 6):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 3.0, m) * rng.choice([-1, 1], m)
    # put each neuron's kink inside [0, 1] so that the transition zones are actually visited
    kinks = rng.uniform(0.05, 0.95, m)
    c = -w * kinks
    beta = rng.normal(size=m)
    return w, c, beta, kinks


def c1_point(seed: int, a: float, b: float, delta: float, impl, drop_k_term: bool = False) -> list[str]:
    w, c, beta, kinks = _network(seed)
    eps = float(impl.approx_error(a, b, delta))
    K = float(np.max(2.0 / np.abs(w)))
    bound = float(np.sum(np.abs(beta))) * (eps + (0.0 if drop_k_term else K * delta))

    def gap(x):
        z = w * float(x) + c
        return abs(float(np.dot(beta, np.asarray(impl.heaviside(z)) - np.asarray(impl.htaf(z, a, b)))))

    pts = [0.0] + sorted(float(k) for k in kinks) + [1.0]
    expectation = mpmath.quad(gap, pts)       # float64 integrand: mpmath's default 15 digits is its precision
    bad = []
    if not expectation <= bound * (1 + 1e-12):
        bad.append(f"seed={seed}, a={a:g}, b={b:g}, delta={delta:g}: E|f - f_h| = {mpmath.nstr(expectation, 8)} "
                   f"> bound {bound:.6g} (eps={eps:.3g}, K={K:.3g})")
    return bad


@timed
def c1_precise(impl=None, drop_k_term: bool = False) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    # the last triple makes the transition zone dominate (eps ~ 1e-10, delta = 1 > most |w_j x + c_j|):
    # there the K delta term is what keeps the bound true
    cases = [(s, a, b, d) for s in range(4) for (a, b, d) in ((5.0, 4.72, 0.1), (11.0, 2.0, 0.1), (100.0, 0.22, 0.1),
                                                               (8.0, 30.0, 0.01), (50.0, 0.5, 1.0))]
    for case in cases:
        bad += c1_point(*case, impl, drop_k_term=drop_k_term)
    domain = "20 random 6-neuron nets, X ~ U[0,1], (a, b, delta) from Table 6 and beyond; quadrature of the float64 integrand"
    return from_violations("thmC1", "precise", domain, bad, "E|f - f_h| <= ||beta||_1 (eps + K delta)", f"{len(cases)} cases")


@timed
def c1_symbolic(impl=None) -> CheckResult:
    """The pointwise identity the proof starts from: for z > 0, H(z) - h(z) = sigma(-a tanh(bz)) (sympy).

    The rest of the proof (this gap is <= eps for |z| >= delta by prop31.sharp, <= 1 inside, summed with |beta_j|
    under (C)) is the argument, not a symbolic check; the precise check tests the resulting bound."""
    z, a, b = sp.symbols("z a b", positive=True)
    h = 1 / (1 + sp.exp(-a * sp.tanh(b * z)))
    gap_pos = sp.simplify((1 - h) - 1 / (1 + sp.exp(a * sp.tanh(b * z))))
    ok = gap_pos == 0
    return CheckResult("thmC1", "symbolic", "z > 0 (the pointwise identity only)", "verified" if ok else "undecided", "exact",
                       "checked: for z > 0, H(z) - h(z) = 1 - h(z) = sigma(-a tanh(bz)) (sympy simplifies the difference to 0). "
                       "Not checked symbolically (the proof's argument): this is <= approx_error for |z| >= delta (prop31.sharp), "
                       "<= 1 inside, and summing with |beta_j| under (C) gives the bound")


def b2_point(a: float, b: float, x0: float, impl, quotient=None) -> list[str]:
    """The quotient at t = 1e-1..1e-4 with mpmath rho, the library's rho''(x0): error -> 0 like t^2."""
    rho2 = float(impl.htaf_grad2(x0, a, b))
    x = 1.7
    with mpmath.workdps(60):
        A, B, X0 = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x0)

        def rho(v):
            return 1 / (1 + mpmath.exp(-A * mpmath.tanh(B * v)))
        q = quotient or (lambda t: (rho(X0 + t * x) + rho(X0 - t * x) - 2 * rho(X0)) / (t ** 2 * mpmath.mpf(rho2)))
        # t in units of 1/b: the error constant scales like b^2 (h_ab(x) = g_a(bx))
        errs = [abs(q(mpmath.mpf(10) ** -k / B) - x ** 2) for k in (1, 2, 3, 4)]
    bad = []
    # the float rho''(x0) limits the floor at ~1e-13 relative: look at t down to 1e-4/b only
    if not errs[-1] < 1e-4 * x ** 2:
        bad.append(f"a={a:g}, b={b:g}, x0={x0:g}: error at t=1e-4 is {mpmath.nstr(errs[-1], 5)}, not -> 0")
    elif not all(e2 <= e1 / 5 for e1, e2 in zip(errs[:3], errs[1:])):
        bad.append(f"a={a:g}, b={b:g}, x0={x0:g}: errors {[mpmath.nstr(e, 3) for e in errs]} do not shrink like O(t)")
    return bad


@timed
def b2_precise(impl=None, quotient=None) -> CheckResult:
    impl = impl or library_impl()
    bad = []
    cases = [(11.0, 2.0, 0.1), (2.0, 11.0, -0.05), (5.0, 4.72, 0.2), (0.5, 1.0, 1.0)]
    for case in cases:
        bad += b2_point(*case, impl, quotient=quotient)
    domain = "(a, b, x0) in 4 cases with h''(x0) != 0, x = 1.7, t = (1e-1..1e-4)/b"
    return from_violations("thmB2", "precise", domain, bad, "error shrinks >= 5x per decade of t (O(t^2) seen)", f"{len(cases)} cases")


@timed
def b2_symbolic(impl=None) -> CheckResult:
    t, x, x0, a, b, v = sp.symbols("t x x0 a b v", real=True)
    g = sp.Function("g")
    expansion = sp.series(g(x0 + t * x) + g(x0 - t * x) - 2 * g(x0), t, 0, 4).removeO().doit()
    second = sp.simplify(expansion - t ** 2 * x ** 2 * sp.Subs(sp.Derivative(g(v), v, 2), v, x0).doit())
    ok_series = sp.simplify(second) == 0
    h = 1 / (1 + sp.exp(-a * sp.tanh(b * v)))
    g_a = lambda s: 1 / (1 + sp.exp(-a * sp.tanh(s)))  # noqa: E731
    ok_scale = sp.simplify(h - g_a(b * v)) == 0
    ok = ok_series and ok_scale
    return CheckResult("thmB2", "symbolic", "any C^3 rho (C^4 for the t^4 term)", "verified" if ok else "undecided", "exact",
                       f"rho(x0+tx)+rho(x0-tx)-2rho(x0) = t^2 x^2 rho''(x0) + O(t^4): {ok_series}; h_ab(x) = g_a(bx): {ok_scale}")


register(Claim("thmC1", "E|f(X) - f_h(X)| <= ||beta||_1 (eps + K delta) for a one-hidden-layer Heaviside net f and its HTAF copy, "
               "under (C): P(|w_j.X + c_j| < t) <= K t", "App. C, Thm C.1 (formula lost; the form its proof gives)",
               "h eps-close to H outside [-delta, delta]; condition (C)",
               [Check("symbolic", c1_symbolic), Check("precise", c1_precise)]))

register(Claim("thmB2", "(rho(x0+tx) + rho(x0-tx) - 2 rho(x0)) / (t^2 rho''(x0)) -> x^2 with error O(t); h_ab(x) = g_a(bx)",
               "App. B.2", "rho in C^3, rho''(x0) != 0", [Check("symbolic", b2_symbolic), Check("precise", b2_precise)],
               note="For a C^4 activation the error is O(t^2), not just O(t): the odd terms of the expansion cancel (seen numerically)."))


# ---- B.2: what the constants depend on --------------------------------------------------------------

def _square_error(a: float, b: float, x0s: float, ts: float, x: float = 1.7):
    """|quotient - x^2| of the B.2 construction at x0 = x0s/b, t = ts/b (mpmath, 40 digits)."""
    with mpmath.workdps(40):
        A, B = mpmath.mpf(a), mpmath.mpf(b)
        x0, t = mpmath.mpf(x0s) / B, mpmath.mpf(ts) / B

        def rho(v):
            return 1 / (1 + mpmath.exp(-A * mpmath.tanh(B * v)))
        second = mpmath.diff(rho, x0, 2)
        return abs((rho(x0 + t * x) + rho(x0 - t * x) - 2 * rho(x0)) / (t ** 2 * second) - x ** 2)


@timed
def b2_constants_numerical(impl=None, vary: str = "b") -> CheckResult:
    """The error at fixed scaled (x0 b, t b) is the same for every b (exact scaling h_ab(x) = g_a(bx)); it varies with a.

    ``vary="a"`` (a wrong variant) claims the same independence of a.
    """
    bad, by_a = [], []
    for a in (0.5, 2.0, 5.0, 11.0, 50.0):
        if vary == "a":
            errs = [_square_error(av, 1.0, 0.3, 1e-2) for av in (a, 2 * a)]
        else:
            errs = [_square_error(a, b, 0.3, 1e-2) for b in (0.1, 1.0, 10.0)]
        spread = max(errs) / min(errs) - 1
        if spread > 1e-25:
            bad.append(f"a={a:g}: error at b in (0.1, 1, 10) differs (relative spread {mpmath.nstr(spread, 3)})")
        by_a.append(f"a={a:g}: {mpmath.nstr(errs[0], 3)}")
    return from_violations("thmB2.constants", "numerical", "a in {0.5, 2, 5, 11, 50} x b in {0.1, 1, 10}, x0 b = 0.3, t b = 0.01",
                           bad, "independent of b to 1e-25", "error at t b = 0.01 by a (the dependence on a): " + ", ".join(by_a))


# ---- C.1 beyond one hidden layer: numerical evidence ------------------------------------------------

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
    return from_violations("thmC1.deep", "numerical", "4 random 1-6-6-1 nets, X ~ U[0,1] (midpoint rule, 2e5 points), "
                           "a = max(10, 2 L(delta)), b = min_b(a, delta, delta), eps = delta in {0.1, 1e-2, 1e-3, 1e-4}", bad,
                           "E|f - f_h| falls >= 100x as delta: 0.1 -> 1e-4", "E|f - f_h| by delta, per net: " + "; ".join(rows))


# ---- B.1: an HTAF network built from a ReLU network ---------------------------------------------------

B1_A, B1_B, B1_X0 = 11.0, 2.0, 0.15       # h''(x0) != 0 at x0 = 0.15 (a = 11, b = 2)


def _h(v):
    return 1 / (1 + mpmath.exp(-B1_A * mpmath.tanh(B1_B * v)))


def _relu_layer_by_htaf(z, n: int, second_difference: bool = True):
    """ReLU(z) for each pre-activation z, computed by two layers of HTAF neurons only (plus affine maps).

    Layer 1 (2 neurons per unit): s = (h(n z) - h(-inf)) / (h(inf) - h(-inf)) ~ H(z), and the identity
    z ~ (h(z/n) - h(0)) / (h'(0)/n) (first difference at x0 = 0, where h' != 0).
    Layer 2 (4 neurons per unit): z s = ((z + s)^2 - (z - s)^2) / 4, each square by the second difference
    u^2 ~ (h(x0 + u/n) + h(x0 - u/n) - 2 h(x0)) / (h''(x0)/n^2), the step of Thm B.2 (App. B.2).
    Width x4, depth x2 per ReLU layer; the error -> 0 as the scale n grows. ``second_difference=False``
    (a wrong variant) uses a one-sided difference for the squares.
    """
    lo, hi = 1 / (1 + mpmath.exp(B1_A)), 1 / (1 + mpmath.exp(-B1_A))
    x0 = mpmath.mpf(B1_X0)
    d1 = mpmath.diff(_h, 0)
    d2 = mpmath.diff(_h, x0, 2)
    t = mpmath.mpf(1) / n
    out = []
    for zi in z:
        s = (_h(n * zi) - lo) / (hi - lo)
        carried = (_h(t * zi) - _h(0)) / (d1 * t)

        def square(u):
            if second_difference:
                return (_h(x0 + t * u) + _h(x0 - t * u) - 2 * _h(x0)) / (d2 * t ** 2)
            return 2 * (_h(x0 + t * u) - _h(x0)) / (d2 * t ** 2)
        out.append((square(carried + s) - square(carried - s)) / 4)
    return out


def _relu_net(seed: int):
    rng = np.random.default_rng(seed)
    w1, c1 = rng.normal(size=(4, 1)), rng.uniform(-0.5, 0.5, 4)
    w2, c2 = rng.normal(size=(4, 4)) / 2, rng.uniform(-0.5, 0.5, 4)
    v = rng.normal(size=4)
    return w1, c1, w2, c2, v


def _b1_sup_error(seed: int, n: int, second_difference: bool = True, points: int = 41):
    w1, c1, w2, c2, v = _relu_net(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(60):
        for x in np.linspace(-1, 1, points):
            z1 = [mpmath.mpf(float(w1[i, 0])) * mpmath.mpf(float(x)) + mpmath.mpf(float(c1[i])) for i in range(4)]
            relu1 = [max(z, 0) for z in z1]
            approx1 = _relu_layer_by_htaf(z1, n, second_difference)
            z2 = [sum(mpmath.mpf(float(w2[j, i])) * relu1[i] for i in range(4)) + mpmath.mpf(float(c2[j])) for j in range(4)]
            z2h = [sum(mpmath.mpf(float(w2[j, i])) * approx1[i] for i in range(4)) + mpmath.mpf(float(c2[j])) for j in range(4)]
            exact = sum(mpmath.mpf(float(v[j])) * max(z, 0) for j, z in enumerate(z2))
            approx = sum(mpmath.mpf(float(v[j])) * y for j, y in enumerate(_relu_layer_by_htaf(z2h, n, second_difference)))
            worst = max(worst, abs(exact - approx))
    return float(worst)


@timed
def b1_numerical(impl=None, second_difference: bool = True) -> CheckResult:
    scales = (10, 100, 1000)
    bad, rows = [], []
    for seed in range(3):
        errs = [_b1_sup_error(seed, n, second_difference) for n in scales]
        rows.append("/".join(f"{e:.2g}" for e in errs))
        if not (all(e2 < e1 / 3 for e1, e2 in zip(errs, errs[1:])) and errs[-1] < 0.05):
            bad.append(f"seed {seed}: sup error {rows[-1]} for n in {scales}: not -> 0")
    return from_violations("thmB1", "numerical", "3 random ReLU nets 1-4-4-1 on x in [-1, 1] (41 points, mpmath 60 digits); "
                           "HTAF net of width x4, depth x2 (a = 11, b = 2); scale n in {10, 100, 1000}", bad,
                           "sup error falls >= 3x per decade of n", "sup |ReLU net - HTAF net| by n, per net: " + "; ".join(rows))


register(Claim("thmB1", "an HTAF network approximates any ReLU network on a box, with width and depth larger by constant "
               "factors (via Theorem 1 of 'Deep network approximation: beyond ReLU to diverse activation functions', "
               "JMLR 25(35)); here: the construction with width x4 and depth x2, its sup error -> 0 as its scale grows",
               "App. B.1, Thm B.1", "h in C^2 near a point with h'' != 0", [Check("numerical", b1_numerical)],
               note="Numerical evidence for one explicit construction (ours, built from the B.2 square step: ReLU(z) = "
                    "z H(z), H by h(n z), products by squares, squares by second differences), not the cited theorem's "
                    "constants."))

register(Claim("thmB2.constants", "the constants of the B.2 construction do not depend on b, and do depend on a",
               "App. B.2 (the paper says the constants do not depend on a, b)", "rho = h_ab",
               [Check("numerical", b2_constants_numerical)],
               note="Only the b-independence holds exactly (h_ab(x) = g_a(bx): rescale x0 and t by 1/b); the error "
                    "constant changes with a (see the check's evidence)."))

register(Claim("thmB3", "HTAF networks reach the near-minimax rate n^{-2 beta/(2 beta + d)} (up to logs) for "
               "beta-Holder regression", "App. B.3, Thm B.3", "beta-Holder target, n samples, d dimensions",
               not_checkable="an asymptotic rate over all estimators cannot be checked by computation; a small simulation "
                             "of the risk against n is the planned 'htaf experiment b3rate' (not built yet)."))

register(Claim("thmC1.deep", "C.1 beyond one hidden layer (the paper: the proof 'could be extended'): E|f - f_h| -> 0 "
               "as eps = delta -> 0 for a 2-hidden-layer Heaviside net and its HTAF copy", "App. C (remark)",
               "X with a density; b = min_b", [Check("numerical", c1_deep_numerical)],
               note="The paper states no bound for depth > 1; this is numerical evidence only, not the bound."))
