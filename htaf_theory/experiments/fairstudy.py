"""The width-matched deployment study on MNIST-1D: every family over one ladder of surrogate widths, HTAF's heavy
tail isolated against a matched sigmoid, batch norm re-estimated after the swap, selection and evaluation on
different seeds.

Near 0 HTAF's h' is a sigmoid surrogate of slope a b (``htaf_theory.widths``), so a comparison of HTAF with STE or
SS is first a comparison of widths. Here every family's candidates are placed on one axis, the half-width at half
maximum (HWHM) of the derivative the network trains with:

* **ladder**: ``LADDER`` = 8 HWHM rungs from 0.026 to 3 in equal log steps, the same for every family (planned
  as 6 from 0.1 to 3; widened at the narrow end since the SNN's best sat on the 0.1 edge);
* **htaf-surrogate**: the exact step forward, h' backward, at gains ``GAINS`` (b from the rung:
  ``widths.htaf_b_for_width``); **htaf-smooth**: h trained, the step swapped in (the paper's protocol), same pairs;
* **matched**: for every htaf-surrogate candidate, the sigmoid surrogate with the same peak and HWHM
  (``nn.matched_sigmoid``): HTAF minus matched is what the heavy tail does;
* **ste**: sigmoid, tanh and rect surrogates at each rung (``widths.ste_slope_for_width``); **ss**: SS smooth then
  swapped, gamma from the rung.

Protocol (``heaviside.HeavisideConfig`` cells, ``EPOCHS`` epochs, Adam 1e-3, batch 64, the best
deployed-validation epoch): stage 1 runs every candidate on seed 0; each (net, family) choice on seed 0's
validation split is then evaluated on ``EVAL_SEEDS`` (seeds 1-10: the selecting seed never evaluates). The matched
sigmoid of HTAF-surrogate's choice runs beside it on the same seeds (the tail pair). Deep nets: the MLP with
``DEPTHS`` hidden layers, with and without batch norm, HTAF-surrogate's and STE's MLP choices and the matched
sigmoid, on the same seeds. A swapped cell (htaf-smooth, ss) is scored with the batch-norm statistics collected
while it trained and with statistics re-estimated under the step (``nn.recalibrate_batchnorm``), each variant at its
own best deployed-validation epoch.

Sizes: ``full`` as above; ``budget`` (the main job's slice) one rung of each family on the MLP, seed 0;
``quick`` (CI) 2 epochs on the MLP, two rungs, one gain, seeds 1-2.
"""
from __future__ import annotations

from dataclasses import replace

from ..widths import htaf_b_for_width, matched_sigmoid_params, ss_gamma_for_width, ste_slope_for_width, width_ladder
from .heaviside import HeavisideConfig
from .staging import select_on_validation

__all__ = ["LADDER", "GAINS", "FAIR_NETS", "FAIR_FAMILIES", "EVAL_SEEDS", "DEPTHS", "EPOCHS", "candidates",
           "fair_cells", "fair_plan", "fair_family", "rung_of", "cell_width", "TAG", "budget_cells"]

_BASE = width_ladder(0.1, 3.0, 6)
_STEP = _BASE[1] / _BASE[0]
#: 8 HWHM rungs in equal log steps, 0.026 to 3: the planned 6 from 0.1 to 3, widened by two at the narrow end
#: because the SNN's best sat on the 0.1 edge (HTAF-surrogate and STE)
LADDER = (_BASE[0] / _STEP ** 2, _BASE[0] / _STEP, *_BASE)
GAINS = (5.0, 30.0)
FAIR_NETS = ("mlp", "conv", "bnn", "snn")
#: the families each net chooses one candidate of on seed 0's validation split
FAIR_FAMILIES = ("htaf-surrogate", "htaf-smooth", "ste", "ss")
EVAL_SEEDS = tuple(range(1, 11))
DEPTHS = (2, 4, 8)
EPOCHS = 20
STE_KINDS = ("sigmoid", "tanh", "rect")
TAG = "m1dfair"
_QUICK = dict(ladder=(_BASE[2], _BASE[4]), gains=(5.0,), seeds=(1, 2), depths=(2,), epochs=2)


def _sig(value: float) -> float:
    """A setting rounded to 6 significant digits (stable keys and labels; the width is recomputed from it)."""
    return float(f"{value:.6g}")


def _cell(net: str, seed: int, quick: bool, **kw) -> HeavisideConfig:
    epochs = _QUICK["epochs"] if quick else EPOCHS
    return HeavisideConfig(dataset="mnist1d", net=net, seed=seed, epochs=epochs, checkpoint_every=1 if quick else 10,
                           tag=TAG + ("-quick" if quick else ""), **kw)


def _settings(family: str, quick: bool) -> list[dict]:
    ladder = _QUICK["ladder"] if quick else LADDER
    gains = _QUICK["gains"] if quick else GAINS
    if family in ("htaf-surrogate", "htaf-smooth"):
        mode = family.split("-")[1]
        return [dict(method="htaf", mode=mode, a=a, b=_sig(htaf_b_for_width(a, w))) for w in ladder for a in gains]
    if family == "matched":
        out = []
        for kw in _settings("htaf-surrogate", quick):
            k, c = matched_sigmoid_params(kw["a"], kw["b"])
            out.append(dict(method="ste", surrogate="sigmoid", slope=_sig(k), amplitude=_sig(c)))
        return out
    if family == "ste":
        return [dict(method="ste", surrogate=s, slope=_sig(ste_slope_for_width(s, w))) for s in STE_KINDS for w in ladder]
    if family == "ss":
        return [dict(method="ss", gamma=_sig(ss_gamma_for_width(w))) for w in ladder]
    raise KeyError(family)


def candidates(net: str, family: str, seed: int = 0, quick: bool = False) -> list[HeavisideConfig]:
    """Stage-1 candidates of one family on one net (every rung; HTAF at every gain)."""
    return [_cell(net, seed, quick, **kw) for kw in _settings(family, quick)]


def matched_of(cfg: HeavisideConfig) -> HeavisideConfig:
    """The matched-sigmoid cell of an HTAF cell: same net, seed, depth and batch norm."""
    k, c = matched_sigmoid_params(cfg.a, cfg.b)
    return replace(cfg, method="ste", mode="smooth", a=None, b=None, surrogate="sigmoid", slope=_sig(k),
                   amplitude=_sig(c))


def fair_family(cfg: HeavisideConfig) -> str:
    """htaf-surrogate | htaf-smooth | matched | ste | ss."""
    if cfg.method == "htaf":
        return f"htaf-{cfg.mode}"
    if cfg.method == "ste":
        return "matched" if cfg.amplitude != 1.0 else "ste"
    return "ss"


def cell_width(cfg: HeavisideConfig) -> float:
    """The HWHM of the derivative the cell trains with (``htaf_theory.widths``)."""
    from ..widths import htaf_width, ss_width, ste_width
    if cfg.method == "htaf":
        return htaf_width(cfg.a, cfg.b).hwhm
    if cfg.method == "ss":
        return ss_width(cfg.gamma).hwhm
    return ste_width(cfg.surrogate, cfg.slope).hwhm


def rung_of(cfg: HeavisideConfig, quick: bool = False) -> int:
    """The index of the ladder rung nearest the cell's width (0 = narrowest)."""
    ladder = _QUICK["ladder"] if quick else LADDER
    w = cell_width(cfg)
    return min(range(len(ladder)), key=lambda i: abs(ladder[i] / w - 1))


def _nets(quick: bool) -> tuple[str, ...]:
    return ("mlp",) if quick else FAIR_NETS


def fair_cells(quick: bool) -> list[HeavisideConfig]:
    """Stage 1: every candidate of every family (the matched sigmoids included) on seed 0."""
    return [c for net in _nets(quick) for fam in (*FAIR_FAMILIES, "matched") for c in candidates(net, fam, 0, quick)]


def budget_cells(cells: list[HeavisideConfig]) -> list[HeavisideConfig]:
    """The main job's slice: on the MLP, seed 0, the rung nearest 0.77 of HTAF in both modes at a = 5, its matched
    sigmoid, STE sigmoid and SS: 5 cells."""
    w = _BASE[3]
    htaf = dict(method="htaf", a=5.0, b=_sig(htaf_b_for_width(5.0, w)))
    keep = {_cell("mlp", 0, False, mode="surrogate", **htaf), _cell("mlp", 0, False, mode="smooth", **htaf),
            _cell("mlp", 0, False, method="ste", surrogate="sigmoid", slope=_sig(ste_slope_for_width("sigmoid", w))),
            _cell("mlp", 0, False, method="ss", gamma=_sig(ss_gamma_for_width(w)))}
    keep.add(matched_of(_cell("mlp", 0, False, mode="surrogate", **htaf)))
    return [c for c in cells if c in keep]


def fair_plan(store, size: str) -> tuple[list, dict]:
    """Stage-1 cells, and {key: cell} of stage 2 for every (net, family) whose stage 1 is done.

    Keys: ``(net, family, seed)`` for the choices (family "matched": the matched sigmoid of htaf-surrogate's
    choice), ``("deep", depth, batchnorm, family, seed)`` for the deep MLPs (once the MLP's stage 1 is done)."""
    quick = size == "quick"
    if size == "budget":      # the slice has no stage 2: its figure compares the five cells on seed 0
        return budget_cells(fair_cells(False)), {}
    seeds = _QUICK["seeds"] if quick else EVAL_SEEDS
    stage1 = fair_cells(quick)
    chosen: dict = {}
    choice: dict = {}
    for net in _nets(quick):
        for fam in FAIR_FAMILIES:
            cands = candidates(net, fam, 0, quick)
            records = [store.load(c) for c in cands]
            if any(r is None for r in records):
                continue
            best = HeavisideConfig.from_dict(select_on_validation(records)["config"])
            choice[(net, fam)] = best
            for s in seeds:
                chosen[(net, fam, s)] = replace(best, seed=s)
                if fam == "htaf-surrogate":
                    chosen[(net, "matched", s)] = matched_of(replace(best, seed=s))
    if ("mlp", "htaf-surrogate") in choice and ("mlp", "ste") in choice:
        picks = {"htaf-surrogate": choice[("mlp", "htaf-surrogate")], "ste": choice[("mlp", "ste")]}
        picks["matched"] = matched_of(picks["htaf-surrogate"])
        for depth in (_QUICK["depths"] if quick else DEPTHS):
            for bn in (True, False):
                for fam, cfg in picks.items():
                    for s in seeds:
                        chosen[("deep", depth, bn, fam, s)] = replace(cfg, depth=depth, batchnorm=bn, seed=s)
    return stage1, chosen
