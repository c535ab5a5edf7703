"""Fig. 7 (paper App. F.2.1): Abalone, (256, 256, 128): log10 of the mean per-sample L2 norm of
dLoss/d(pre-activation) per hidden layer over epochs, one panel per activation, and the training loss.
HTAF pairs all have a b = 22; every curve is labelled with a= and b=. Drawn twice: with the target
standardized (sweep f21, our default) and on raw ring counts (sweep f21raw), since the paper does not say."""
from __future__ import annotations

import numpy as np

from htaf_theory.experiments.config import RunConfig

from .common import FigureContext, new_figure, save_png, write_csv, write_markdown

NAME = "fig7_vanishing"
SWEEPS = ("f21", "f21raw")
VARIANTS = {"f21": ("", "target standardized"), "f21raw": ("_raw_target", "raw ring counts as target")}


def make(ctx: FigureContext) -> list:
    paths = []
    for sweep, (suffix, what) in VARIANTS.items():
        paths += _make_one(ctx, ctx.records(sweep), NAME + suffix, what)
    return paths


def _make_one(ctx: FigureContext, records: list[dict], name: str, what: str) -> list:
    labels = []
    for rec in records:
        label = _label(rec)
        if label not in labels:
            labels.append(label)
    seed0 = {_label(r): r for r in records if r["config"]["seed"] == 0}
    fig, axes = new_figure(2, (len(labels) + 2) // 2, figsize=(4.2 * ((len(labels) + 2) // 2), 7.5), squeeze=False)
    flat = axes.ravel()
    for ax, label in zip(flat, labels):
        hist = seed0[label]["results"]["history"]
        for i, g in enumerate(hist["grad_norm"]):
            ax.plot(hist["epoch"], np.log10(np.maximum(g, 1e-300)), label=f"layer {i + 1}")
        ax.set(title=label, xlabel="epoch", ylabel="log10 mean ||dL_i/dz_i||")
        ax.legend(fontsize=7)
    loss_ax = flat[len(labels)]
    for label in labels:
        hist = seed0[label]["results"]["history"]
        loss_ax.plot(hist["epoch"], hist["loss"], label=label)
    loss_ax.set(yscale="log", title=f"training loss ({what})", xlabel="epoch")
    loss_ax.legend(fontsize=7)
    for ax in flat[len(labels) + 1:]:
        ax.axis("off")
    fig.suptitle(f"F.2.1 reproduction (seed 0; {what})" + ctx.label)
    fig.tight_layout()
    header = ["activation", "seed", "log10 grad norm layer 1", "layer 2", "layer 3", "final train loss", "test RMSE smooth",
              "test RMSE binarized"]
    rows = []
    for rec in sorted(records, key=lambda r: (labels.index(_label(r)), r["config"]["seed"])):
        res = rec["results"]
        g = [f"{np.log10(v):.2f}" if v and v > 0 else "-inf" for v in res["final_grad_norm"]]
        rows.append([_label(rec), rec["config"]["seed"], *g, f"{res['history']['loss'][-1]:.4f}",
                     f"{res['metrics']['test_smooth']:.3f}" if res["metrics"]["test_smooth"] is not None else "nan",
                     f"{res['metrics']['test_binarized']:.3f}" if res["metrics"]["test_binarized"] is not None else "nan"])
    return [save_png(fig, ctx, name), write_csv(ctx, name, header, rows),
            write_markdown(ctx, name, f"Fig. 7 numbers ({what}): final gradient norms (median of the last 5% of epochs)",
                           header, rows)]


def _label(rec: dict) -> str:
    return RunConfig.from_dict(rec["config"]).label()
