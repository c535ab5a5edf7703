"""One thin script per paper figure/table (mpmath docs/plots style): load stored results, plot, save.

``run_figures`` only plots; with ``run_missing=True`` (``htaf figures --run``) it first runs the sweeps a
figure needs through ``htaf_theory.experiments`` (resumable). Every call redraws (plotting takes seconds).
Outputs go to ``--out``, else $HTAF_FIGURES, else ./figures/out (./figures/out-budget, ./figures/out-quick at
those sizes):
``htaf_theory.outputs``, never into the installed package.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from htaf_theory.validation import InvalidParameterError

from . import (appF1_astar, deploy, fig1_shape, fig2_bounds, fig6_ablation, fig6_backward, fig7_vanishing, fig8_depth,
               mnist1d_fair, mnist1d_study, table1_deploy, table1_heaviside, table6, table8_tabular, table8_tuned)
from .common import FigureContext

FIGURES = {m.NAME: m for m in (fig1_shape, fig2_bounds, table6, appF1_astar, fig6_ablation, fig6_backward, fig7_vanishing,
                               fig8_depth, table8_tabular, table8_tuned, table1_heaviside, deploy, table1_deploy, mnist1d_study,
                               mnist1d_fair)}

__all__ = ["FIGURES", "run_figures", "out_dir_for"]


def out_dir_for(out_dir=None, size: str = "full") -> Path:
    """Where figures go: ``out_dir``, else $HTAF_FIGURES, else ./figures/out (./figures/out-budget, ./figures/out-quick)."""
    from htaf_theory.outputs import FIGURES_ENV, output_dir
    return output_dir(out_dir, FIGURES_ENV, "figures/out" if size == "full" else f"figures/out-{size}")


def _incomplete(sweep: str, size: str, results_dir) -> bool:
    """Whether a sweep has cells missing from the store (every sweep a figure needs is listed at once)."""
    from htaf_theory.experiments.sweeps import MissingResultsError, load_records
    try:
        load_records(sweep, size, results_dir)
    except MissingResultsError:
        return True
    return False


def run_figures(names=None, *, size: str = "full", out_dir=None, results_dir=None, run_missing: bool = False,
                workers=None, executor=None) -> int:
    """Regenerate the named figures (all by default). Returns 0, or 1 if any figure could not be made."""
    from htaf_theory.experiments.store import ResultStore
    from htaf_theory.experiments.sweeps import MissingResultsError, check_size, run_named_sweep

    names = list(names or FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise InvalidParameterError(f"unknown figure name(s) {unknown}; valid names: {', '.join(FIGURES)}")
    out = out_dir_for(out_dir, check_size(size))
    store_root = ResultStore(results_dir).root
    ctx = FigureContext(out, store_root, size)
    status = 0
    for name in names:
        module = FIGURES[name]
        if run_missing:
            for sweep in module.SWEEPS:
                run_named_sweep(sweep, size=size, workers=workers, results_dir=store_root, executor=executor)
        # a figure is drawn into a staging folder and moved into place only when all of it was made: one whose
        # inputs are missing (fig7 after only htaf experiment f21) writes nothing
        staging = out / f".{name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            fctx = FigureContext(staging, store_root, ctx.size)
            paths = module.make(fctx)
            if fctx.pairs:          # every printed interval's per-unit values, for a reader to recompute
                from .common import PAIRS_HEADER, multiplicity_note, write_csv
                paths.append(write_csv(fctx, f"{name}_pairs", PAIRS_HEADER, fctx.pairs))
                table = fctx.out_dir / f"{name}.md"
                if table.exists():
                    with open(table, "a") as fh:
                        fh.write("\n" + multiplicity_note(fctx.pairs) + "\n")
            if fctx.values:         # every printed mean's per-seed values
                from .common import VALUES_HEADER, write_csv
                paths.append(write_csv(fctx, f"{name}_values", VALUES_HEADER, fctx.values))
            paths = [Path(os.replace(p, out / p.name) or out / p.name) for p in paths]
        except MissingResultsError as err:
            flag = "" if size == "full" else f" --size {size}"
            missing = [sweep for sweep in module.SWEEPS if _incomplete(sweep, size, store_root)]
            commands = "; ".join(f"htaf experiment {sweep}{flag}" for sweep in missing) or str(err)
            print(f"{name}: results missing, nothing written; run {commands} (or htaf figures {name}{flag} --run)",
                  file=sys.stderr)
            status = 1
            continue
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        print(f"{name}: wrote {', '.join(p.name for p in paths)} in {out}")
    return status
