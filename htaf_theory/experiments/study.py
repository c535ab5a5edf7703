"""The deployment study on MNIST-1D: which HTAF window and which training mode deploy a Heaviside network
without loss, on Table 1's three rows (DHN: an MLP and a 1-D conv net; BNN; SNN), against STE and SS.

Factors (``heaviside.HeavisideConfig`` cells, 40 epochs, Adam 1e-3, batch 64, the best deployed-validation epoch):

* **HTAF window**: a in ``STUDY_A`` x delta in ``STUDY_DELTAS`` at eps = ``STUDY_EPS``, b = min_b(a, eps, delta)
  on Prop. 3.1's frontier, rounded up (admissible); at delta = 0.1 the Table 6 pairs as printed. 9 windows.
* **training mode** (HTAF): "smooth" (train h, deploy the step: the paper's protocol) and "surrogate" (the exact
  step forward, h' backward: ``heaviside_htaf_grad``).
* **baselines**: STE (surrogates sigmoid, tanh, rect x slopes 1, 4, 10: 9 candidates) and SS smooth then swap
  (gamma = min_gamma(eps, delta) for 9 deltas from 1 to 0.03: 9 candidates).

Protocol: stage 1 runs every candidate on seed 0 (36 per net: 9 for each of HTAF smooth, HTAF surrogate, STE and
SS); each family's choice on the validation split runs on seeds 0-9 (stage 2). Independently of any choice, every
HTAF window runs in both modes on seeds 0-9 (the decomposition: swap cost = smooth - surrogate at the same (a, b),
gradient cost = surrogate - best STE). Seeds vary the initialisation and the batch order; the test set is fixed.

Sizes: ``full`` as above (864 cells); ``budget`` (the main job's slice) the MLP's four candidates nearest the
package's choices on seed 0; ``quick`` 2 epochs on the MLP (CI).
"""
from __future__ import annotations

import math

from ..params import min_b, min_gamma, table6
from .heaviside import HeavisideConfig
from .staging import staged_plan

__all__ = ["STUDY_NETS", "STUDY_A", "STUDY_DELTAS", "STUDY_EPS", "STUDY_SEEDS", "FAMILIES", "window_b", "windows",
           "study_candidates", "study_cells", "study_plan", "study_family"]

STUDY_NETS = ("mlp", "conv", "bnn", "snn")
STUDY_A = (5.0, 10.0, 30.0)
STUDY_DELTAS = (0.1, 0.3, 1.0)
STUDY_EPS = 0.1
STUDY_SEEDS = tuple(range(10))
STUDY_EPOCHS = 40
STE_SURROGATES = ("sigmoid", "tanh", "rect")
STE_SLOPES = (1.0, 4.0, 10.0)
SS_DELTAS = (1.0, 0.7, 0.5, 0.3, 0.2, 0.15, 0.1, 0.05, 0.03)
#: the four families each net chooses one setting of, on validation (stage 1): (method, mode)
FAMILIES = {"htaf-smooth": ("htaf", "smooth"), "htaf-surrogate": ("htaf", "surrogate"), "ste": ("ste", "smooth"),
            "ss": ("ss", "smooth")}
#: the budget slice: the package's Table 1 pair (a = 30) and the wide window (a = 10, delta = 1) in both modes
BUDGET_WINDOWS = ((30.0, 0.1), (10.0, 1.0))
TAG = "m1d"


def _round_up(value: float, digits: int) -> float:
    """``value`` rounded up to ``digits`` significant digits (a rounded-up b stays admissible)."""
    scale = 10 ** (digits - 1 - math.floor(math.log10(value)))
    return math.ceil(round(value * scale, 9)) / scale


def window_b(a: float, delta: float, eps: float = STUDY_EPS) -> float:
    """The inner slope of the window (a, delta): Table 6's printed b at eps = delta = 0.1, else min_b(a, eps, delta)
    rounded up to 3 significant digits; either way sup_{|x| >= delta} |h - H| <= eps.

    >>> window_b(30.0, 0.1), window_b(10.0, 1.0)
    (0.74, 0.224)
    """
    if eps == 0.1 and delta == 0.1:
        for row in table6():
            if row.a == a:
                return row.b_rounded_up
    return _round_up(float(min_b(a, eps, delta)), 3)


def windows() -> list[tuple[float, float, float]]:
    """Every HTAF window of the study: (a, delta, b)."""
    return [(a, d, window_b(a, d)) for a in STUDY_A for d in STUDY_DELTAS]


def _cell(net: str, seed: int, quick: bool, **kw) -> HeavisideConfig:
    extra = dict(epochs=2, tag=TAG + "-quick", checkpoint_every=1) if quick else dict(epochs=STUDY_EPOCHS, tag=TAG)
    return HeavisideConfig(dataset="mnist1d", net=net, seed=seed, **kw, **extra)


def study_candidates(net: str, family: str, seed: int = 0, quick: bool = False) -> list[HeavisideConfig]:
    """The 9 candidates of one family on one net (``quick``: 2 of them)."""
    method, mode = FAMILIES[family]
    if method == "htaf":
        grid = [dict(a=a, b=b, mode=mode) for a, _, b in windows()]
        if quick:
            grid = [dict(a=a, b=window_b(a, d), mode=mode) for a, d in BUDGET_WINDOWS]
    elif method == "ste":
        grid = [dict(surrogate=s, slope=k) for s in STE_SURROGATES for k in STE_SLOPES][: 2 if quick else None]
    else:
        grid = [dict(gamma=_round_up(min_gamma(STUDY_EPS, d), 3)) for d in SS_DELTAS][: 2 if quick else None]
    return [_cell(net, seed, quick, method=method, **kw) for kw in grid]


def study_family(cfg: HeavisideConfig) -> str:
    """The family of a study cell: htaf-smooth | htaf-surrogate | ste | ss."""
    return f"htaf-{cfg.mode}" if cfg.method == "htaf" else cfg.method


def _nets(quick: bool) -> tuple[str, ...]:
    return ("mlp",) if quick else STUDY_NETS


def study_cells(quick: bool) -> list[HeavisideConfig]:
    """Stage 1 (every candidate on seed 0) and the decomposition (every HTAF window in both modes on every seed);
    what does not depend on any choice."""
    cells = [c for net in _nets(quick) for fam in FAMILIES for c in study_candidates(net, fam, 0, quick)]
    if not quick:
        cells += [c for net in STUDY_NETS for fam in ("htaf-smooth", "htaf-surrogate")
                  for s in STUDY_SEEDS[1:] for c in study_candidates(net, fam, s)]
    return cells


def study_budget(cells: list[HeavisideConfig]) -> list[HeavisideConfig]:
    """The main job's slice: on the MLP, seed 0, the budget windows in both modes, STE sigmoid k = 4 and SS at
    delta = 0.1 (the package's t1-like choices): 6 cells."""
    keep = {(a, window_b(a, d)) for a, d in BUDGET_WINDOWS}
    gamma = _round_up(min_gamma(STUDY_EPS, 0.1), 3)
    return [c for c in cells if c.net == "mlp" and c.seed == 0 and (
        (c.method == "htaf" and (c.a, c.b) in keep) or (c.method == "ste" and (c.surrogate, c.slope) == ("sigmoid", 4.0))
        or (c.method == "ss" and c.gamma == gamma))]


def study_plan(store, size: str) -> tuple[list, dict]:
    """Stage-1 cells, and {(net, family, seed): cell}: each family's choice on validation on every seed."""
    quick = size == "quick"
    seeds = {"quick": (0, 1), "budget": (0,), "full": STUDY_SEEDS}[size]
    if size == "budget":     # the slice's own choice among its cells (one per family)
        cells = study_budget(study_cells(False))
        return staged_plan(store, [(net, fam) for net in ("mlp",) for fam in FAMILIES],
                           lambda net, fam: [c for c in cells if study_family(c) == fam], seeds)
    return staged_plan(store, [(net, fam) for net in _nets(quick) for fam in FAMILIES],
                       lambda net, fam: study_candidates(net, fam, 0, quick), seeds)
