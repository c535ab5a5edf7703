"""The paper's Appendix F sweeps as lists of cells, in three sizes (``SIZES``).

* ``full``: paper settings, every seed; the grids behind docs/reproduction.md's verdicts.
* ``budget``: the main job (``scripts/reproduce.sh``): the full grid restricted to seed (split) 0, so that every
  sweep fits in <= 90 minutes on 2 cores. Same cells, same result keys: a later full run reuses them.
* ``quick``: 30 epochs and fewer cells, for CI.

* f1  (F.1, Fig 6): Churn; a over Table 6 with b = min_b(a) rounded up as printed; 3 seeds
  (the paper does not say how many; 3 keeps all four sweeps near an hour on 2 cores).
* f21 (F.2.1, Fig 7): Abalone; HTAF (a, b) in {(11, 2), (8, 2.75), (2, 11), (2.75, 8)}, ReLU, SS gamma = 22.
* f21raw: the same on the raw ring counts (no target standardization; the paper does not say which), 3 seeds.
* f1autograd: f1 with ``backward="autograd"`` (torch's chain rule through the composite in float32, what a
  user typing the paper's formula gets), same seeds: does our exact backward hide the paper's instability?
* f22 (F.2.2, Fig 8, Table 7): Abalone; 7 architectures (1 to 5 hidden layers) x ReLU / HTAF / SS; 1 seed.
* f22raw: the same on the raw ring counts (Fig 7's vanishing appeared only there), 3 seeds.
* f3  (F.3, Table 8): Wine, Abalone, Churn; DNN, DNN+HTAF, DNN+SS, DHN+STE; 5 splits. Stage 1 runs
  every candidate of ``F3_GRID`` on split 0 and picks, per method, the best validation score of
  the deployed model (binarized for HTAF/SS); stage 2 runs that candidate on splits 1-4.
* f3tuned (App. D.2 protocol for Table 8): every candidate of ``F3T_GRID`` x ``F3T_SETTINGS`` on every split,
  each keeping its best-validation epoch; per split the best candidate on validation is chosen (``select_per_split``).
  ``f3tuned_fico``: the same on FICO HELOC, for a user who supplies the licensed file (not in the main job).
* t1  (Sec. 4.1, Table 1 at CPU scale, ``experiments.heaviside``): digits; SNN and DHN x HTAF (Table 6 pairs) /
  STE (sigmoid, tanh, rect) / SS (gamma 4, 10, 22, 50); staged like f3 over 5 seeds.
* f3deploy (beyond the paper: deploying without loss): stage 1 is f3tuned; stage 2 trains each split's chosen
  DNN+HTAF cell again with Prop. 3.1 sharpening and with the zone penalty, and the chosen DNN+SS cell with
  sharpening of gamma (``htaf_theory.nn.sharpening``), all else equal: paired by split with f3tuned's rows.
* t1deploy (the same on digits): t1's candidates (DHN and SNN); each method's choice on 10 seeds, and the HTAF
  choice sharpened and zone-penalised, the SS choice sharpened: paired by seed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

from ..params import min_b, table6
from ..validation import InvalidParameterError
from .config import RunConfig
from .runner import run_cells
from . import fairstudy, study
from .staging import select_on_validation, staged_plan
from .store import ResultStore

__all__ = ["SWEEPS", "Sweep", "build_sweep", "run_named_sweep", "load_records", "MissingResultsError", "sweep_cells", "f3_plan",
           "select_on_validation", "F22_ARCHITECTURES",
           "F3_GRID", "VANISHING_THRESHOLD", "T1_GRID", "t1_plan", "STAGED", "F3T_GRID", "select_per_split", "SIZES",
           "t1deploy_plan", "t1deploy_records", "deploy_cell",
           "check_size"]

SIZES = ("quick", "budget", "full")      # grid sizes: CI, the main job (<= 90 min on 2 cores), paper settings
BUDGET_SEEDS = (0,)                      # budget: the full grid on seed (split) 0 only (see docs/performance.md)
SEEDS = (0, 1, 2, 3, 4)                 # the paper's 5 random splits (F.3)
F1_SEEDS = (0, 1, 2)                     # F.1: seeds per a
QUICK_EPOCHS = 30                        # --quick: enough to exercise every code path
F21_PAIRS = ((11.0, 2.0), (8.0, 2.75), (2.0, 11.0), (2.75, 8.0))  # (a, b), a*b = 22; the paper's order is ambiguous
F21_SEEDS = (0, 1, 2)
F22_ARCHITECTURES = ((256,), (256, 128), (256, 256), (256, 256, 128), (512, 256, 128),
                     (256, 256, 128, 128), (256, 256, 128, 128, 64))
F22_HTAF = (11.0, 2.0)                   # a*b = 22 as in F.2.1; a > 2 (heavier tail than SS)
F22_SS_GAMMA = 22.0
F22_SEEDS = (0,)                         # one run per architecture and activation, as Table 7 reports
F22RAW_SEEDS = (0, 1, 2)                 # raw targets (where vanishing appears, Fig 7): 3 seeds, so no verdict rests on one run
#: Fig 8 / Table 7: a run "vanishes" when its first-layer gradient norm (mean per-sample L2 of
#: dLoss/dz, median over the last 5% of epochs) is below this. Fixed before any run was made.
VANISHING_THRESHOLD = 1e-4
#: Table 8 candidates per method (the paper's candidate sets were lost in extraction).
F3_GRID = {
    "DNN": [dict(activation="relu")],
    "DNN+HTAF": [dict(activation="htaf", a=11.0, b=2.0), dict(activation="htaf", a=5.0, b=4.72)],
    "DNN+SS": [dict(activation="ss", gamma=22.0), dict(activation="ss", gamma=55.0)],
    "DHN+STE": [dict(activation="ste", surrogate=s, slope=4.0) for s in ("sigmoid", "tanh", "rect")],
}
F3_DATASETS = ("wine", "abalone", "churn")


def _f1(quick: bool) -> list[RunConfig]:
    rows = table6()
    if quick:
        rows = [r for r in rows if r.a in (5, 50, 1000)]
    seeds = (0,) if quick else F1_SEEDS
    return [RunConfig(dataset="churn", activation="htaf", a=r.a, b=r.b_rounded_up, seed=s, tag="f1",
                      record_every=50) for s in seeds for r in rows]


def _f21(quick: bool) -> list[RunConfig]:
    acts = [dict(activation="htaf", a=a, b=b) for a, b in F21_PAIRS]
    acts += [dict(activation="relu"), dict(activation="ss", gamma=22.0)]
    seeds = (0,) if quick else F21_SEEDS
    return [RunConfig(dataset="abalone", tag="f21", seed=s, **kw) for s in seeds for kw in acts]


def _f22(quick: bool, seeds=F22_SEEDS) -> list[RunConfig]:
    archs = F22_ARCHITECTURES[::3] if quick else F22_ARCHITECTURES
    acts = [dict(activation="relu"), dict(activation="htaf", a=F22_HTAF[0], b=F22_HTAF[1]),
            dict(activation="ss", gamma=F22_SS_GAMMA)]
    return [RunConfig(dataset="abalone", hidden=h, tag="f22", seed=s, record_every=5, **kw)
            for s in ((0,) if quick else seeds) for h in archs for kw in acts]


def _f3_candidate(ds: str, method: str, seed: int, quick: bool) -> list[RunConfig]:
    cells = [RunConfig(dataset=ds, tag="f3", seed=seed, record_every=50, **kw) for kw in F3_GRID[method]]
    return [_quick(c) for c in cells] if quick else cells


def check_size(size: str) -> str:
    """``size`` itself if it is one of ``SIZES``, else ``InvalidParameterError`` naming the valid ones."""
    if size not in SIZES:
        raise InvalidParameterError(f"size must be one of {', '.join(SIZES)}; got size={size!r}")
    return size


def _split_seeds(size: str) -> tuple[int, ...]:
    """The splits (seeds) of a staged sweep's stage 2 at this size."""
    return {"quick": (0, 1), "budget": BUDGET_SEEDS, "full": SEEDS}[check_size(size)]


def f3_datasets(size: str) -> tuple[str, ...]:
    return ("abalone",) if size == "quick" else F3_DATASETS


def f3_seeds(size: str) -> tuple[int, ...]:
    return _split_seeds(size)


def f3_plan(store: ResultStore, size: str) -> tuple[list[RunConfig], dict]:
    """Stage-1 cells, and {(dataset, method, seed): cell} for every split once stage 1 is done."""
    return staged_plan(store, [(ds, m) for ds in f3_datasets(size) for m in F3_GRID],
                       lambda ds, m: _f3_candidate(ds, m, 0, size == "quick"), f3_seeds(size))


def _f3(quick: bool) -> list[RunConfig]:
    """Stage 1 only (stage 2 depends on its results; ``run_named_sweep`` runs both)."""
    return [c for ds in f3_datasets("quick" if quick else "full") for m in F3_GRID for c in _f3_candidate(ds, m, 0, quick)]


def _quick(c: RunConfig) -> RunConfig:
    if c.tag.endswith("-quick"):
        return c
    return replace(c, epochs=QUICK_EPOCHS, tag=c.tag + "-quick", checkpoint_every=10)


def _f21raw(quick: bool) -> list[RunConfig]:
    return [replace(c, target_scaling="none", tag="f21raw") for c in _f21(quick)]


def _f1autograd(quick: bool) -> list[RunConfig]:
    return [replace(c, backward="autograd", tag="f1autograd") for c in _f1(quick)]


def _f22raw(quick: bool) -> list[RunConfig]:
    return [replace(c, target_scaling="none", tag="f22raw") for c in _f22(quick, F22RAW_SEEDS)]


# ---- t1: a CPU-scale Table 1 (Sec. 4.1), digits; stage 1 selects per (net, method) on split 0 -------------

T1_NETS = ("snn", "dhn")
T1_GRID = {   # candidates per method; HTAF from Table 6 (eps = delta = 0.1, b = min_b(a) rounded up as printed)
    "htaf": [dict(method="htaf", a=float(r.a), b=float(r.b_rounded_up)) for r in table6()],
    "ste": [dict(method="ste", surrogate=s, slope=4.0) for s in ("sigmoid", "tanh", "rect")],
    "ss": [dict(method="ss", gamma=g) for g in (4.0, 10.0, 22.0, 50.0)],
}
T1_QUICK_EPOCHS = 3


def _t1_candidates(net: str, method: str, seed: int, quick: bool) -> list:
    from .heaviside import HeavisideConfig
    grid = T1_GRID[method]
    if quick:
        grid = [g for g in grid if g.get("a") in (None, 5.0, 50.0) and g.get("gamma") in (None, 22.0)
                and g.get("surrogate") in (None, "sigmoid")]
    extra = dict(epochs=T1_QUICK_EPOCHS, tag="t1-quick", checkpoint_every=1) if quick else {}
    return [HeavisideConfig(net=net, seed=seed, **kw, **extra) for kw in grid]


def t1_seeds(size: str) -> tuple[int, ...]:
    return _split_seeds(size)


def t1_plan(store: ResultStore, size: str) -> tuple[list, dict]:
    """Stage-1 cells, and {(net, method, seed): cell} for every seed once stage 1 is done."""
    return staged_plan(store, [(net, m) for net in T1_NETS for m in T1_GRID],
                       lambda net, m: _t1_candidates(net, m, 0, size == "quick"), t1_seeds(size))


def _t1(quick: bool) -> list:
    return [c for net in T1_NETS for m in T1_GRID for c in _t1_candidates(net, m, 0, quick)]


# ---- f3tuned: Table 8 under the paper's stated protocol (App. D.2, D.4), per-split selection ---------------

F3T_SETTINGS = (("adam", 1e-3), ("adam", 1e-2), ("sgd", 1e-2))   # (optimizer, lr); SGD has momentum 0.9
F3T_GRID = {   # per method, the activation candidates (each tried with every setting of F3T_SETTINGS)
    "DNN": [dict(activation="relu")],
    "DNN+HTAF": [dict(activation="htaf", a=float(r.a), b=float(r.b_rounded_up)) for r in table6() if r.a in (5, 50, 1000)]
    + [dict(activation="htaf", a=20.0, b=math.ceil(100 * min_b(20.0, 0.01, 0.1)) / 100)],   # sharper: eps = 0.01
    "DNN+SS": [dict(activation="ss", gamma=g) for g in (10.0, 22.0, 55.0)],
    "DHN+STE": [dict(activation="ste", surrogate=s, slope=4.0) for s in ("sigmoid", "tanh", "rect")],
}
F3T_DATASETS = ("abalone", "wine")      # churn (~100 s a cell, 5x abalone) dropped for the budget: see docs/reproduction.md
METHOD_OF = {"relu": "DNN", "htaf": "DNN+HTAF", "ss": "DNN+SS", "ste": "DHN+STE"}


def _f3tuned_cells(datasets: tuple[str, ...], quick: bool) -> list[RunConfig]:
    settings = F3T_SETTINGS[:1] if quick else F3T_SETTINGS
    cells = []
    for ds in datasets:
        for seed in f3_seeds("quick" if quick else "full"):
            for cands in F3T_GRID.values():
                for kw in (cands[:1] if quick else cands):
                    for opt, lr in settings:
                        cells.append(RunConfig(dataset=ds, tag="f3tuned", seed=seed, optimizer=opt, lr=lr,
                                               record_every=10, select_epoch=True, **kw))
    return cells


def _f3tuned(quick: bool) -> list[RunConfig]:
    return _f3tuned_cells(("abalone",) if quick else F3T_DATASETS, quick)


def _f3tuned_fico(quick: bool) -> list[RunConfig]:
    # FICO HELOC is licensed: the user supplies heloc_dataset_v1.csv, so this sweep is not part of the main job
    return _f3tuned_cells(("fico",), quick)


def select_per_split(records: list[dict]) -> dict:
    """{(dataset, method, split): the record chosen on that split's validation} (deployed network, best epoch)."""
    groups: dict = {}
    for rec in records:
        cfg = rec["config"]
        groups.setdefault((cfg["dataset"], METHOD_OF[cfg["activation"]], cfg["seed"]), []).append(rec)
    return {key: select_on_validation(recs) for key, recs in groups.items()}


# ---- f3deploy: deploying without loss (Thm C.1), controlled against f3tuned's per-split choices -------------

#: the strategies tried on each split's chosen candidate: (method, schedule)
DEPLOY_STRATEGIES = (("DNN+HTAF", "sharpen"), ("DNN+HTAF", "zone"), ("DNN+SS", "sharpen"))
#: sharpening narrows the transition zone by this factor over the run
DEPLOY_SHARPEN = 10.0
#: the split whose fixed and sharpened HTAF runs also record the validation scores and the C.1 bound over training
DEPLOY_MONITOR_SPLIT, DEPLOY_MONITOR_EVERY = 0, 25


def _frontier_start(htaf: bool, a, b, gamma) -> tuple[float, float]:
    """(eps, delta0) of a chosen candidate: the eps its pair was built for (0.01 if the HTAF pair is 0.01-close
    outside delta = 0.1, else 0.1) and the layer's own transition half-width at that eps."""
    from ..params import approx_error, min_a, transition_width
    if htaf:
        eps = 0.01 if float(approx_error(a, b, 0.1)) <= 0.01 else 0.1
        return eps, float(transition_width(a, b, eps))
    return 0.1, float(min_a(0.1)) / gamma


def deploy_cell(base, schedule: str, monitor_every: int = 0, tag: str = "f3deploy"):
    """``base`` (a chosen cell: f3tuned's ``RunConfig`` or t1's ``HeavisideConfig``) trained with ``schedule``;
    everything else (optimizer, lr, gains at the start, epochs, epoch selection, split) unchanged. The frontier
    starts at the candidate's own (eps, delta0) (``_frontier_start``) and delta1 = delta0 / ``DEPLOY_SHARPEN``."""
    htaf = getattr(base, "activation", getattr(base, "method", None)) == "htaf"
    eps, delta0 = _frontier_start(htaf, base.a, base.b, base.gamma)
    extra = {"monitor_every": monitor_every} if isinstance(base, RunConfig) else {}
    return replace(base, schedule=schedule, frontier_eps=eps, delta0=delta0, delta1=delta0 / DEPLOY_SHARPEN,
                   tag=tag + ("-quick" if base.tag.endswith("-quick") else ""), **extra)


def f3deploy_plan(store: ResultStore, size: str) -> tuple[list[RunConfig], dict]:
    """Stage 1: f3tuned's cells. Then, for every data set whose stage 1 is complete, {(dataset, method, schedule,
    split): cell}: each strategy of ``DEPLOY_STRATEGIES`` on that split's chosen candidate, and on split
    ``DEPLOY_MONITOR_SPLIT`` the fixed and the sharpened HTAF run again with the curves recorded (schedules
    "fixed-monitored", "sharpen-monitored")."""
    stage1 = build_sweep("f3tuned", size)
    records = [store.load(c) for c in stage1]
    complete = {c.dataset for c in stage1} - {c.dataset for c, r in zip(stage1, records) if r is None}
    chosen = {}
    for (ds, method, split), rec in select_per_split([r for r in records if r is not None and
                                                       r["config"]["dataset"] in complete]).items():
        base = RunConfig.from_dict(rec["config"])
        for m, schedule in DEPLOY_STRATEGIES:
            if m == method:
                chosen[(ds, method, schedule, split)] = deploy_cell(base, schedule)
        if method == "DNN+HTAF" and split == DEPLOY_MONITOR_SPLIT:
            for schedule in ("fixed", "sharpen"):
                chosen[(ds, method, schedule + "-monitored", split)] = deploy_cell(base, schedule, DEPLOY_MONITOR_EVERY)
    return stage1, chosen


def f3deploy_records(results_dir=None, size: str = "full") -> tuple[dict, list]:
    """({(dataset, method, schedule): [record per split]}, [data sets not complete yet]): f3tuned's per-split choices
    (schedule "fixed"; DHN+STE, DNN too) with the strategies' runs of f3deploy, for every data set whose cells are
    all in; ``MissingResultsError`` (naming the experiment) if none is."""
    store = ResultStore(results_dir)
    stage1, chosen = f3deploy_plan(store, size)
    records = {c: store.load(c) for c in [*stage1, *chosen.values()]}
    datasets = [ds for ds in dict.fromkeys(c.dataset for c in stage1)
                if all(records[c] is not None for c in stage1 if c.dataset == ds)
                and all(records[c] is not None for k, c in chosen.items() if k[0] == ds)]
    if not datasets:
        load_records("f3deploy", size, results_dir)            # raises, naming the command
    out: dict = {}
    done = [r for c, r in records.items() if r is not None and c in set(stage1) and c.dataset in datasets]
    for (ds, method, _split), rec in sorted(select_per_split(done).items()):
        out.setdefault((ds, method, "fixed"), []).append(rec)
    for (ds, method, schedule, _split), cell in sorted(chosen.items()):
        if ds in datasets:
            out.setdefault((ds, method, schedule), []).append(records[cell])
    return out, [ds for ds in dict.fromkeys(c.dataset for c in stage1) if ds not in datasets]


# ---- t1deploy: deploying without loss on digits (Table 1's DHN), controlled against t1's choices -------------

#: both of Table 1's networks (a DHN cell trains in ~3 s on a 2-core Xeon, an SNN cell in ~20 s)
T1DEPLOY_NETS = ("dhn", "snn")
#: digits cells are cheap (~20 s): 10 seeds, so that a paired interval can decide
T1DEPLOY_SEEDS = tuple(range(10))
#: the strategies tried on each seed's chosen candidate: (method, schedule)
T1DEPLOY_STRATEGIES = (("htaf", "sharpen"), ("htaf", "zone"), ("ss", "sharpen"))


def _t1deploy(quick: bool) -> list:
    return [c for c in _t1(quick) if c.net in T1DEPLOY_NETS]


def t1deploy_plan(store: ResultStore, size: str) -> tuple[list, dict]:
    """Stage 1: t1's candidates for the nets of ``T1DEPLOY_NETS`` (seed 0). Then {(net, method, schedule, seed):
    cell}: the chosen candidate of every method on every seed (schedule "fixed", t1's own cells on seeds 0-4), and
    each strategy of ``T1DEPLOY_STRATEGIES`` on it."""
    quick = size == "quick"
    seeds = T1DEPLOY_SEEDS if size == "full" else t1_seeds(size)
    stage1, fixed = staged_plan(store, [(net, m) for net in T1DEPLOY_NETS for m in T1_GRID],
                                lambda net, m: _t1_candidates(net, m, 0, quick), seeds)
    chosen = {}
    for (net, method, seed), cell in fixed.items():
        chosen[(net, method, "fixed", seed)] = cell
        for m, schedule in T1DEPLOY_STRATEGIES:
            if m == method:
                chosen[(net, method, schedule, seed)] = deploy_cell(cell, schedule, tag="t1deploy")
    return stage1, chosen


def t1deploy_records(results_dir=None, size: str = "full") -> dict:
    """{(net, method, schedule): [record per seed]} of sweep t1deploy; ``MissingResultsError`` (naming the
    experiment) while any cell is missing."""
    load_records("t1deploy", size, results_dir)
    store = ResultStore(results_dir)
    out: dict = {}
    for (net, method, schedule, _seed), cell in sorted(t1deploy_plan(store, size)[1].items()):
        out.setdefault((net, method, schedule), []).append(store.load(cell))
    return out


@dataclass(frozen=True)
class Sweep:
    """A named experiment: its stage-1 cells at each size and, for a staged sweep, the plan of stage 2.

    ``build(quick)`` gives the full grid (``quick``: the smoke-test variant); ``cells(size)`` applies the size
    (``budget``: seed/split 0 only; ``quick``: short epochs unless the builder made its own quick cells).
    ``plan(store, size) -> (stage-1 cells, {key: stage-2 cell})``: stage 2 (the chosen candidates on every seed)
    depends on stage 1's stored results.
    """

    build: Callable[[bool], list]
    plan: Callable | None = None
    own_quick: bool = False        # the builder's quick cells are already short (the Table 1 cells)
    budget: Callable | None = None  # the budget slice of the full grid (default: its cells on seed/split 0)

    def cells(self, size: str) -> list:
        quick = check_size(size) == "quick"
        cells = self.build(quick)
        if size == "budget":
            cells = self.budget(cells) if self.budget is not None else [c for c in cells if c.seed in BUDGET_SEEDS]
        return [_quick(c) for c in cells] if quick and not self.own_quick else cells

    def stage2(self, store: ResultStore, size: str) -> dict:
        """{key: cell} of stage 2 as far as stage 1 allows ({} for an unstaged sweep)."""
        return self.plan(store, size)[1] if self.plan is not None else {}


SWEEPS = {
    "f1": Sweep(_f1), "f1autograd": Sweep(_f1autograd), "f21": Sweep(_f21), "f21raw": Sweep(_f21raw),
    "f22": Sweep(_f22), "f22raw": Sweep(_f22raw), "f3": Sweep(_f3, f3_plan), "f3tuned": Sweep(_f3tuned),
    "f3tuned_fico": Sweep(_f3tuned_fico), "t1": Sweep(_t1, t1_plan, own_quick=True),
    # f3deploy's stage 1 is f3tuned's grid (the same cells, stored once): its plan picks each split's choice
    "f3deploy": Sweep(_f3tuned, f3deploy_plan), "t1deploy": Sweep(_t1deploy, t1deploy_plan, own_quick=True),
    # the MNIST-1D deployment study (experiments/study.py): windows x training modes, Table 1's three rows
    "m1d": Sweep(study.study_cells, study.study_plan, own_quick=True, budget=study.study_budget),
    # the width-matched study (experiments/fairstudy.py): one width ladder, the tail against a matched sigmoid
    "m1dfair": Sweep(fairstudy.fair_cells, fairstudy.fair_plan, own_quick=True, budget=fairstudy.budget_cells),
}
#: the staged sweeps' plans (stage 2 depends on stage 1's results)
STAGED = {name: sweep.plan for name, sweep in SWEEPS.items() if sweep.plan is not None}


def _sweep(name: str) -> Sweep:
    if name not in SWEEPS:
        raise InvalidParameterError(f"name must be one of {sorted(SWEEPS)}; got name={name!r}")
    return SWEEPS[name]


def build_sweep(name: str, size: str = "full") -> list:
    """The cells of sweep ``name`` (stage 1 of a staged sweep) at ``size`` (one of ``SIZES``).

    >>> full, budget = build_sweep("f1"), build_sweep("f1", "budget")
    >>> len(full), len(budget), set(budget) <= set(full)
    (30, 10, True)
    """
    return _sweep(name).cells(size)


class MissingResultsError(RuntimeError):
    """Results a figure needs are not in the store; the message names the experiment that makes them."""


def sweep_cells(name: str, size: str, store: ResultStore) -> list[RunConfig]:
    """Every cell of a sweep, stage 2 of f3 included (as far as stage 1 allows), without duplicates (at budget
    size, stage 2 on split 0 is the chosen stage-1 cell itself)."""
    cells = build_sweep(name, size) + list(_sweep(name).stage2(store, size).values())
    return list(dict.fromkeys(cells))


def _size_flag(size: str) -> str:
    return "" if size == "full" else f" --size {size}"


def load_records(name: str, size: str = "full", results_dir=None, allow_partial: bool = False) -> list[dict]:
    """The stored records of a sweep; ``MissingResultsError`` if any cell is missing (unless partial is allowed)."""
    store = ResultStore(results_dir)
    cells = sweep_cells(name, size, store)
    records = [store.load(c) for c in cells]
    missing = sum(r is None for r in records)
    stage2_pending = name in STAGED and not _sweep(name).stage2(store, size)
    if (missing or stage2_pending) and not allow_partial:
        raise MissingResultsError(
            f"{missing} of {len(cells)} cells of sweep {name!r} are not in {store.root}"
            f"{' (and stage 2 is not planned yet)' if stage2_pending else ''}: run "
            f"`htaf experiment {name}{_size_flag(size)} --results {store.root}` (or `htaf figures --run`)")
    return [r for r in records if r is not None]


def f3_selected_records(results_dir=None, size: str = "full") -> dict:
    """Table 8's records: {(dataset, method): [record of the chosen candidate on each split]}.

    ``MissingResultsError`` (naming the experiment) if stage 1 or 2 of the F.3 sweep is incomplete.
    """
    load_records("f3", size, results_dir)
    store = ResultStore(results_dir)
    _, chosen = f3_plan(store, size)
    return {(ds, method): [store.load(chosen[(ds, method, s)]) for s in f3_seeds(size)]
            for ds in f3_datasets(size) for method in F3_GRID}


def run_named_sweep(name: str, size: str = "full", workers: int | None = None, results_dir=None,
                    data_home=None, progress: bool = True, executor=None) -> list[dict]:
    """Run every missing cell of sweep ``name`` at ``size`` (both stages of a staged sweep) and return the records
    of all its cells; ``executor``: e.g. a Dask cluster's."""
    from ..data import data_home_dir, locate

    sweep = _sweep(name)
    cells = sweep.cells(size)
    store = ResultStore(results_dir)      # an unusable results folder fails first, before any data is located
    if executor is None:
        data_home_dir(data_home)          # a bad data folder fails here, in one line, before any worker starts
        for ds in sorted({c.dataset for c in cells if isinstance(c, RunConfig)}):
            locate(ds, data_home)         # so does a missing file (e.g. the licensed FICO HELOC)
    desc = name if size == "full" else f"{name} ({size})"
    records = run_cells(cells, store, executor=executor, workers=workers, data_home=data_home, progress=progress, desc=desc)
    if sweep.plan is not None:
        stage2 = [c for c in dict.fromkeys(sweep.stage2(store, size).values()) if c not in set(cells)]
        records += run_cells(stage2, store, executor=executor, workers=workers, data_home=data_home,
                             progress=progress, desc=desc + " stage 2")
    return records
