"""Fig. 6 (paper App. F.1): Churn, a over Table 6 with b = min_b(a) (printed, rounded up): test AUROC
(smooth HTAF and binarized DHN) and binarity score against a, mean and spread over seeds."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .common import FigureContext, mean_se, new_figure, save_png, write_csv, write_markdown

NAME = "fig6_ablation"
SWEEPS = ("f1",)


def summarize(records: list[dict]) -> list[dict]:
    """Per a: mean (s.e.) over seeds of the test AUROCs, binarity, the first layer's final gradient norm (log10)
    and the swap cost (swap report: share of pre-activations with |z| < delta, mean |logit change|); diverged runs."""
    by_a = defaultdict(list)
    for rec in records:
        by_a[rec["config"]["a"]].append(rec)
    out = []
    for a in sorted(by_a):
        recs = by_a[a]
        res = [r["results"] for r in recs]
        swap = [x.get("swap") for x in res if x.get("swap")]
        row = {"a": a, "b": recs[0]["config"]["b"], "seeds": len(recs), "diverged": sum(x["diverged"] for x in res)}
        for key, values in (("auroc_smooth", [x["metrics"]["test_smooth"] for x in res]),
                            ("auroc_binarized", [x["metrics"]["test_binarized"] for x in res]),
                            ("binarity", [x["binarity"] for x in res]),
                            # null: not a finite number (a diverged cell): left out of the mean, as mean_se does
                            ("log10_grad", [np.log10(max(g, 1e-300)) for x in res
                                            if (g := x["final_grad_norm"][0]) is not None]),
                            ("zone", [np.mean([layer["zone_fraction"] for layer in s["layers"]]) for s in swap]),
                            ("swap_change", [s["prediction_change"] for s in swap])):
            row[key], row[key + "_se"] = mean_se(values)
        out.append(row)
    return out


def make(ctx: FigureContext) -> list:
    rows = summarize(ctx.records("f1"))
    a = np.array([r["a"] for r in rows])
    fig, axes = new_figure(1, 2, figsize=(11, 4))
    for key, label in (("auroc_smooth", "AUROC, HTAF (smooth)"), ("auroc_binarized", "AUROC, Heaviside swapped in (DHN)")):
        axes[0].errorbar(a, [r[key] for r in rows], yerr=[r[key + "_se"] for r in rows], marker="o", capsize=3, label=label)
    axes[0].set(xscale="log", xlabel="a (b = min_b(a), Table 6)", ylabel="test AUROC", title="Churn: AUROC vs a")
    axes[1].errorbar(a, [r["binarity"] for r in rows], yerr=[r["binarity_se"] for r in rows], marker="s", capsize=3, color="C2")
    axes[1].axvline(np.log(99), color="gray", ls=":", label="a = log 99: binarity possible only above")
    axes[1].set(xscale="log", xlabel="a", ylabel="binarity score (hidden outputs >0.99 or <0.01)", title="binarity vs a")
    for ax in axes:
        ax.legend(fontsize=8)
    n = rows[0]["seeds"] if rows else 0
    fig.suptitle(f"F.1 reproduction (mean +- s.e. over {n} seeds)" + ctx.label)
    header = ["a", "b", "seeds", "diverged", "AUROC smooth", "AUROC binarized", "binarity"]
    table = [[f"{r['a']:g}", f"{r['b']:g}", r["seeds"], r["diverged"], f"{r['auroc_smooth']:.4f} ({r['auroc_smooth_se']:.4f})",
              f"{r['auroc_binarized']:.4f} ({r['auroc_binarized_se']:.4f})", f"{r['binarity']:.3f} ({r['binarity_se']:.3f})"]
             for r in rows]
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, table),
            write_markdown(ctx, NAME, "Fig. 6 numbers: Churn, mean (s.e.) over seeds", header, table)]
