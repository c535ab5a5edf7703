"""Fig. 6 (paper App. F.1): Churn, a over Table 6 with b = min_b(a) (printed, rounded up): test AUROC
(smooth HTAF and binarized DHN) and binarity score against a, mean and spread over seeds."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from .common import FigureContext, mean_se, mean_text, new_figure, save_png, write_csv, write_markdown

NAME = "fig6_ablation"
SWEEPS = ("f1",)


def _zone(rec):
    swap = rec["results"].get("swap")
    return float(np.mean([layer["zone_fraction"] for layer in swap["layers"]])) if swap else None


def _log10_grad(rec):
    g = rec["results"]["final_grad_norm"][0]      # null: not a finite number (a diverged cell), left out of the mean
    return float(np.log10(max(g, 1e-300))) if g is not None else None


#: each per-seed quantity of the table, from one record (None: left out of the mean)
QUANTITIES = {
    "auroc_smooth": lambda r: r["results"]["metrics"]["test_smooth"],
    "auroc_binarized": lambda r: r["results"]["metrics"]["test_binarized"],
    "binarity": lambda r: r["results"]["binarity"],
    "log10_grad": _log10_grad,
    "zone": _zone,
    "swap_change": lambda r: (r["results"].get("swap") or {}).get("prediction_change"),
}


def by_a(records: list[dict]) -> dict:
    """{a: records}, in increasing a."""
    groups = defaultdict(list)
    for rec in records:
        groups[rec["config"]["a"]].append(rec)
    return {a: groups[a] for a in sorted(groups)}


def summarize(records: list[dict]) -> list[dict]:
    """Per a: mean (s.e.) over seeds of the test AUROCs, binarity, the first layer's final gradient norm (log10)
    and the swap cost (swap report: share of pre-activations with |z| < delta, mean |logit change|); diverged runs."""
    out = []
    for a, recs in by_a(records).items():
        row = {"a": a, "b": recs[0]["config"]["b"], "seeds": len(recs),
               "diverged": sum(r["results"]["diverged"] for r in recs)}
        for key, get in QUANTITIES.items():
            row[key], row[key + "_se"] = mean_se([get(r) for r in recs])
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
    table = []
    for a, recs in by_a(ctx.records("f1")).items():
        table.append([f"{a:g}", f"{recs[0]['config']['b']:g}", len(recs), sum(r["results"]["diverged"] for r in recs),
                      *[mean_text(recs, QUANTITIES[k], fmt, ctx=ctx, what=f"a={a:g} {k}")
                        for k, fmt in (("auroc_smooth", ".4f"), ("auroc_binarized", ".4f"), ("binarity", ".3f"))]])
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, table),
            write_markdown(ctx, NAME, "Fig. 6 numbers: Churn, mean (s.e.) over seeds", header, table)]
