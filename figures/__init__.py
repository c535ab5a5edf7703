"""One thin script per paper figure/table (mpmath docs/plots style): load stored results, plot, save.

``run_figures`` runs the experiments a figure needs first (resumable) unless told not to; training never
happens inside a plotting function. Outputs go to figures/out/ (figures/out-quick/ with --quick).
"""
from __future__ import annotations

import sys
from pathlib import Path

from htaf_theory.validation import InvalidParameterError

from . import fig1_shape, fig2_bounds, fig6_ablation, fig7_vanishing, fig8_depth, table6, table8_tabular
from .common import FigureContext

FIGURES = {m.NAME: m for m in (fig1_shape, fig2_bounds, table6, fig6_ablation, fig7_vanishing, fig8_depth, table8_tabular)}
OUT_DIR = Path(__file__).parent / "out"

__all__ = ["FIGURES", "run_figures", "OUT_DIR"]


def run_figures(names=None, *, quick: bool = False, force: bool = False, out_dir=None, results_dir=None,
                run_missing: bool = True, workers=None) -> int:
    """Regenerate the named figures (all by default). Returns 0, or 1 if any figure could not be made."""
    from htaf_theory.experiments.store import ResultStore
    from htaf_theory.experiments.sweeps import MissingResultsError, run_named_sweep, sweep_cells

    names = list(names or FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise InvalidParameterError(f"unknown figure name(s) {unknown}; valid names: {', '.join(FIGURES)}")
    out = Path(out_dir) if out_dir else (OUT_DIR.with_name("out-quick") if quick else OUT_DIR)
    store_root = ResultStore(results_dir).root
    ctx = FigureContext(out, store_root, quick)
    status = 0
    for name in names:
        module = FIGURES[name]
        if run_missing:
            for sweep in module.SWEEPS:
                run_named_sweep(sweep, quick=quick, workers=workers, results_dir=store_root)
        store = ResultStore(store_root)
        own = [store.path(c) for s in module.SWEEPS for c in sweep_cells(s, quick, store) if store.done(c)]
        newest = max((p.stat().st_mtime for p in own), default=0.0)
        existing = list(out.glob(f"{name}.*"))
        if existing and not force and min(p.stat().st_mtime for p in existing) > newest:
            print(f"{name}: up to date ({len(existing)} files in {out})")
            continue
        try:
            paths = module.make(ctx)
        except MissingResultsError as err:
            print(f"{name}: results missing: {err}", file=sys.stderr)
            status = 1
            continue
        print(f"{name}: wrote {', '.join(p.name for p in paths)}")
    return status
