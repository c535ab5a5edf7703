"""Fig. 6 controlled: Churn, F.1's grid of a (b = min_b(a)), trained with our exact backward (sweep f1)
and with torch's autograd of sigmoid(a tanh(b x)) in float32 (sweep f1autograd), same seeds: test AUROC of the
deployed (Heaviside) network and binarity against a, per backward; the table adds diverged runs, the first layer's
final gradient norm and the swap cost (Thm C.1 diagnostic: share of pre-activations in the transition zone at
eps = 0.01, mean change of the output logit when every HTAF is swapped for the step)."""
from __future__ import annotations

import numpy as np

from .common import FigureContext, mean_text, new_figure, paired_text, save_png, write_csv, write_markdown
from .fig6_ablation import QUANTITIES, by_a, summarize

NAME = "fig6_backward"
SWEEPS = ("f1", "f1autograd")
LABELS = {"f1": "exact backward (ours)", "f1autograd": "autograd, float32"}


def make(ctx: FigureContext) -> list:
    records = {sweep: ctx.records(sweep) for sweep in SWEEPS}
    paired = {}
    for metric in ("test_binarized", "test_smooth"):
        text, c = paired_text(records["f1"], records["f1autograd"], metric, digits=4, a="exact", b="autograd",
                              pair_by=lambda r: (r["config"]["a"], r["seed"]), unit=lambda k: k[1], ctx=ctx)
        # the means of the split averages, which the interval compares (every split holds all 10 values of a)
        paired[metric] = text if c is None else f"{text} (exact {c.mean_a:.4f}, autograd {c.mean_b:.4f})"

    fig, axes = new_figure(1, 3, figsize=(16, 4.2))
    header = ["backward", "a", "b", "seeds", "diverged", "AUROC deployed", "AUROC smooth", "binarity",
              "log10 first-layer grad", "share |z|<delta", "swap change of logit"]
    table = []
    for sweep in SWEEPS:
        rows = summarize(records[sweep])
        a = np.array([r["a"] for r in rows])
        for ax, key in zip(axes, ("auroc_binarized", "binarity", "log10_grad")):
            ax.errorbar(a, [r[key] for r in rows], yerr=[r[key + "_se"] for r in rows], marker="o", capsize=3,
                        label=LABELS[sweep])
        for a_value, recs in by_a(records[sweep]).items():
            table.append([LABELS[sweep], f"{a_value:g}", f"{recs[0]['config']['b']:g}", len(recs),
                          sum(r["results"]["diverged"] for r in recs),
                          *[mean_text(recs, QUANTITIES[k], fmt, with_se=se, ctx=ctx, what=f"{sweep} a={a_value:g} {k}")
                            for k, fmt, se in (("auroc_binarized", ".4f", True), ("auroc_smooth", ".4f", True),
                                               ("binarity", ".3f", True), ("log10_grad", ".2f", True),
                                               ("zone", ".3f", False), ("swap_change", ".3g", False))]])
    for ax, ylabel in zip(axes, ("test AUROC, Heaviside deployed", "binarity score", "log10 first-layer grad norm (end)")):
        ax.set(xscale="log", xlabel="a (b = min_b(a), Table 6)", ylabel=ylabel)
        ax.legend(fontsize=8)
    fig.suptitle("F.1 with two backwards (mean +- s.e. over seeds)" + ctx.label)
    notes = ("Same cells, seeds and splits in both rows; only the HTAF backward differs. 'autograd' is torch's chain "
             "rule through sigmoid(a*tanh(b*x)) in float32 (its 1 - tanh^2 is exactly 0 once |bx| > 9). "
             "Swap columns: htaf_theory.diagnostics.swap_report on the test split, eps = 0.01, mean over the three "
             "hidden layers of the share of pre-activations with |z| < delta, and the mean |logit change|. "
             f"Exact minus autograd, test AUROC: the cells of one split averaged (the 10 values of a share it), the 3 "
             f"splits paired (corrected resampled t, 95%), collapsed runs included: deployed "
             f"{paired['test_binarized']}; smooth {paired['test_smooth']}.")
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, table),
            write_markdown(ctx, NAME, "Fig. 6 controlled: exact vs autograd backward (Churn)", header, table, notes)]
