"""Fig. 8 and Table 7 (paper App. F.2.2): Abalone, 7 architectures x ReLU / HTAF / SS, 3 seeds, for both target
scalings (sweeps f22: standardized targets, f22raw: raw ring counts): the first hidden layer's gradient norm over
training, and two verdicts per cell, each counted over seeds:

* "vanishing" (the paper's criterion, our threshold fixed before any run): final first-layer gradient norm below
  VANISHING_THRESHOLD;
* "stuck at the mean" (threshold-free): the final training loss is >= 0.95 x the loss of predicting the training
  mean (the target variance), i.e. the network learned nothing.
"""
from __future__ import annotations

import numpy as np

from htaf_theory.experiments.sweeps import F22_HTAF, F22_SS_GAMMA, VANISHING_THRESHOLD

from .common import FigureContext, new_figure, save_png, write_csv, write_markdown

NAME = "fig8_depth"
SWEEPS = ("f22", "f22raw")
ACTS = ("relu", "htaf", "ss")
SCALINGS = {"f22": "standardized targets", "f22raw": "raw ring counts"}
TITLES = {"relu": "ReLU", "htaf": f"HTAF a={F22_HTAF[0]:g} b={F22_HTAF[1]:g}", "ss": f"SS gamma={F22_SS_GAMMA:g}"}
STUCK_SHARE = 0.95   # final loss / target variance at or above this: the net predicts (about) the mean
#: Paper's Table 7 (reference values): O = vanishing, per architecture in the paper's order (lost in extraction)
PAPER_TABLE7 = "ReLU: X in all 7; HTAF: X in 6, O in the 5-hidden-layer one; SS: O in all 7"


def stuck_at_mean(record: dict) -> bool | None:
    """Threshold-free criterion: final training loss >= STUCK_SHARE x the target variance (None if not recorded)."""
    res = record["results"]
    var = res.get("target_variance")
    if var is None or res["diverged"] or not res["history"]["loss"]:
        return None
    return res["history"]["loss"][-1] >= STUCK_SHARE * var


def cell_rows(records: list[dict]) -> list[list]:
    """Table 7 rows: per architecture, per activation 'median grad norm, vanishing k/n, stuck k/n'."""
    archs = sorted({tuple(r["config"]["hidden"]) for r in records}, key=lambda h: (len(h), h))
    rows = []
    for arch in archs:
        row = ["x".join(map(str, arch)), len(arch)]
        for act in ACTS:
            recs = [r for r in records if r["config"]["activation"] == act and tuple(r["config"]["hidden"]) == arch]
            # null: not a finite number (a diverged cell); such cells are counted as neither vanishing nor not
            g = [v for r in recs if (v := r["results"]["final_grad_norm"][0]) is not None]
            vanish = sum(x < VANISHING_THRESHOLD for x in g)
            stuck = [stuck_at_mean(r) for r in recs]
            stuck_text = "n/a" if any(s is None for s in stuck) else f"{sum(stuck)}/{len(recs)}"
            row.append(f"{np.median(g):.1e}; O {vanish}/{len(recs)}; stuck {stuck_text}")
        rows.append(row)
    return rows


def make(ctx: FigureContext) -> list:
    fig, axes = new_figure(2, 3, figsize=(15, 8), sharey=True)
    paths = []
    header = ["hidden sizes", "depth", "ReLU", TITLES["htaf"], TITLES["ss"]]
    for row_axes, sweep in zip(axes, SWEEPS):
        records = ctx.records(sweep)
        first = [r for r in records if r["config"]["seed"] == 0]
        archs = sorted({tuple(r["config"]["hidden"]) for r in first}, key=lambda h: (len(h), h))
        for ax, act in zip(row_axes, ACTS):
            for arch in archs:
                rec = next(r for r in first if r["config"]["activation"] == act and tuple(r["config"]["hidden"]) == arch)
                hist = rec["results"]["history"]
                ax.plot(hist["epoch"], np.log10(np.maximum(hist["grad_norm"][0], 1e-300)), label="x".join(map(str, arch)))
            ax.axhline(np.log10(VANISHING_THRESHOLD), color="k", ls="--", lw=0.8, label=f"threshold {VANISHING_THRESHOLD:g}")
            ax.set(title=f"{TITLES[act]}, {SCALINGS[sweep]}", xlabel="epoch")
            ax.legend(fontsize=6)
        row_axes[0].set_ylabel("log10 first-layer mean ||dL_i/dz_i|| (seed 0)")
        seeds = len({r["config"]["seed"] for r in records})
        name = "table7" if sweep == "f22" else "table7_raw_target"
        table = cell_rows(records)
        notes = (f"Each cell: median over {seeds} seed(s) of the first-layer gradient norm at the end of training; "
                 f"O k/n = runs whose norm is below {VANISHING_THRESHOLD:g} (vanishing, threshold fixed before any run); "
                 f"stuck k/n = runs whose final training loss is >= {STUCK_SHARE:g} x the target variance (the net predicts "
                 f"the mean; threshold-free). Targets: {SCALINGS[sweep]}. Paper's Table 7 (reference): {PAPER_TABLE7}. "
                 "Architectures and threshold are ours (the paper's were lost in extraction).")
        paths += [write_csv(ctx, name, header, table),
                  write_markdown(ctx, name, f"Table 7 ({SCALINGS[sweep]}): first-layer gradient norm, vanishing (O) and "
                                 "stuck-at-mean runs per architecture", header, table, notes)]
    fig.suptitle("F.2.2 reproduction: first hidden layer, both target scalings" + ctx.label)
    return [save_png(fig, ctx, NAME), *paths]
