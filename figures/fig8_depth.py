"""Fig. 8 and Table 7 (paper App. F.2.2): Abalone, 7 architectures x ReLU / HTAF / SS: the first hidden
layer's gradient norm over training; "vanishing" when its final value is below VANISHING_THRESHOLD."""
from __future__ import annotations

import numpy as np

from htaf_theory.experiments.sweeps import F22_HTAF, F22_SS_GAMMA, VANISHING_THRESHOLD

from .common import FigureContext, new_figure, save_png, write_csv, write_markdown

NAME = "fig8_depth"
SWEEPS = ("f22",)
ACTS = ("relu", "htaf", "ss")
TITLES = {"relu": "ReLU", "htaf": f"HTAF a={F22_HTAF[0]:g} b={F22_HTAF[1]:g}", "ss": f"SS gamma={F22_SS_GAMMA:g}"}
#: Paper's Table 7 (reference values): O = vanishing, per architecture in the paper's order (lost in extraction)
PAPER_TABLE7 = "ReLU: X in all 7; HTAF: X in 6, O in the 5-hidden-layer one; SS: O in all 7"


def make(ctx: FigureContext) -> list:
    records = [r for r in ctx.records("f22") if r["config"]["seed"] == 0]
    archs = sorted({tuple(r["config"]["hidden"]) for r in records}, key=lambda h: (len(h), h))
    fig, axes = new_figure(1, 3, figsize=(15, 4.2), sharey=True)
    table = []
    for ax, act in zip(axes, ACTS):
        for arch in archs:
            rec = next(r for r in records if r["config"]["activation"] == act and tuple(r["config"]["hidden"]) == arch)
            hist = rec["results"]["history"]
            ax.plot(hist["epoch"], np.log10(np.maximum(hist["grad_norm"][0], 1e-300)), label="x".join(map(str, arch)))
        ax.axhline(np.log10(VANISHING_THRESHOLD), color="k", ls="--", lw=0.8, label=f"threshold {VANISHING_THRESHOLD:g}")
        ax.set(title=TITLES[act], xlabel="epoch")
        ax.legend(fontsize=6)
    axes[0].set_ylabel("log10 first-layer mean ||dL_i/dz_i||")
    fig.suptitle("F.2.2 reproduction: first hidden layer" + (" [QUICK]" if ctx.quick else ""))
    for arch in archs:
        row = ["x".join(map(str, arch)), len(arch)]
        for act in ACTS:
            rec = next(r for r in records if r["config"]["activation"] == act and tuple(r["config"]["hidden"]) == arch)
            g = rec["results"]["final_grad_norm"][0]
            row.append(f"{g:.2e} {'O' if g < VANISHING_THRESHOLD else 'X'}")
        table.append(row)
    header = ["hidden sizes", "depth", "ReLU", TITLES["htaf"], TITLES["ss"]]
    notes = (f"O = vanishing (first-layer gradient norm below {VANISHING_THRESHOLD:g} at the end of training: median over "
             f"the last 5% of epochs), X = not. Paper's Table 7 (reference): {PAPER_TABLE7}. "
             "Architectures and threshold are ours (the paper's were lost in extraction).")
    return [save_png(fig, ctx, NAME), write_csv(ctx, "table7", header, table),
            write_markdown(ctx, "table7", "Table 7: first-layer gradient norm and vanishing (O) per architecture", header, table, notes)]
