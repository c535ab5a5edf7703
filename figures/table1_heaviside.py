"""Table 1 at CPU scale (paper Sec. 4.1; sweep t1): SNN and DHN on scikit-learn's digits, trained with HTAF, STE
or SS and deployed with the exact step; test accuracy at the best validation epoch, mean (s.e.) over 5 seeds, the
candidate chosen on seed 0's validation split, the smooth network's accuracy and the swap cost beside it."""
from __future__ import annotations

from htaf_theory.experiments.heaviside import HeavisideConfig
from htaf_theory.experiments.sweeps import T1_GRID, T1_NETS, t1_seeds

from .common import FigureContext, mean_se, mean_text, new_figure, paired_text, save_png, write_csv, write_markdown

NAME = "table1_heaviside"
SWEEPS = ("t1",)
METHODS = tuple(T1_GRID)          # htaf, ste, ss
#: The paper's Table 1 (reference values, CIFAR, large nets; not ours): model -> dataset -> (HTAF, STE, SS) accuracy %
PAPER_TABLE1 = {"snn": {"CIFAR-10": (91.0, 91.2, 90.6), "CIFAR-100": (66.9, 63.9, 66.2)},
                "bnn": {"CIFAR-10": (75.8, 75.3, 60.6), "CIFAR-100": (46.1, 45.2, 31.3)},
                "dhn": {"CIFAR-10": (88.6, 83.3, 74.5), "CIFAR-100": (57.6, 56.7, 45.6)}}
PAPER_ORDER = ("htaf", "ste", "ss")


def summary(ctx: FigureContext) -> dict:
    """{(net, method): dict(mean, se, smooth, flips, change, zone, label, seeds)} from the stored t1 records."""
    from htaf_theory.experiments.store import ResultStore
    from htaf_theory.experiments.sweeps import load_records, t1_plan

    load_records("t1", ctx.size, ctx.results_dir)        # raises, naming the experiment, when cells are missing
    store = ResultStore(ctx.results_dir)
    _, chosen = t1_plan(store, ctx.size)
    out = {}
    for net in T1_NETS:
        for method in METHODS:
            recs = [store.load(chosen[(net, method, s)]) for s in t1_seeds(ctx.size)]
            mean, se = mean_se([r["results"]["metrics"]["test_binarized"] for r in recs])
            out[(net, method)] = {"records": recs, "mean": mean, "se": se, "seeds": len(recs),
                                  "label": HeavisideConfig.from_dict(recs[0]["config"]).label()}
    return out


def _zone_share(record: dict) -> float | None:
    """The swap report's share of pre-activations in the transition zone, averaged over layers (None: no swap)."""
    swap = record["results"].get("swap")
    return sum(layer["zone_fraction"] for layer in swap["layers"]) / len(swap["layers"]) if swap else None


def make(ctx: FigureContext) -> list:
    rows_by = summary(ctx)
    header = ["model", "method", "chosen on validation", "test acc. deployed (ours)", "smooth net (ours)",
              "decisions flipped by the swap", "share |z|<delta", "against STE (corrected resampled t, 95%, points)",
              "paper CIFAR-10", "paper CIFAR-100"]
    table = []
    for net in T1_NETS:
        for method in METHODS:
            r = rows_by[(net, method)]
            paper = PAPER_TABLE1[net]
            i = PAPER_ORDER.index(method)
            versus = "-"
            if method != "ste":
                versus = paired_text(r["records"], rows_by[(net, "ste")]["records"], ctx=ctx, scale=100, digits=2, a=method,
                                     b="ste")[0]
            recs, what = r["records"], f"{net} {method}"
            table.append([net.upper(), method.upper(), r["label"],
                          mean_text(recs, lambda x: x["results"]["metrics"]["test_binarized"], ".1f", scale=100,
                                    suffix="%", ctx=ctx, what=f"{what} test_binarized"),
                          mean_text(recs, lambda x: x["results"]["metrics"]["test_smooth"], ".1f", scale=100,
                                    suffix="%", with_se=False, ctx=ctx, what=f"{what} test_smooth"),
                          "0.0%" if method == "ste" else     # STE trains the step itself: the swap changes nothing
                          mean_text(recs, lambda x: (x["results"].get("swap") or {}).get("decision_flips"), ".1f",
                                    scale=100, suffix="%", with_se=False, ctx=ctx, what=f"{what} decision_flips"),
                          mean_text(recs, _zone_share, ".3f", with_se=False, ctx=ctx, what=f"{what} zone share"), versus,
                          f"{paper['CIFAR-10'][i]:.1f}%", f"{paper['CIFAR-100'][i]:.1f}%"])
    fig, axes = new_figure(1, len(T1_NETS), figsize=(5 * len(T1_NETS), 3.8), squeeze=False)
    for ax, net in zip(axes[0], T1_NETS):
        means = [100 * rows_by[(net, m)]["mean"] for m in METHODS]
        ses = [100 * rows_by[(net, m)]["se"] for m in METHODS]
        ax.bar(range(len(METHODS)), means, yerr=ses, capsize=3)
        ax.set_xticks(range(len(METHODS)), [m.upper() for m in METHODS])
        ax.set(title=f"{net.upper()} on digits (deployed, binary)", ylabel="test accuracy %", ylim=(min(means) - 5, 100))
    seeds = rows_by[(T1_NETS[0], METHODS[0])]["seeds"]
    fig.suptitle(f"Table 1 at CPU scale (mean +- s.e. over {seeds} seeds)" + ctx.label)
    notes = ("Ours: scikit-learn digits (8x8), small conv nets (htaf_theory.experiments.heaviside), test accuracy of "
             "the all-binary network at the epoch of best validation accuracy, mean (s.e.) over seeds; candidates "
             "chosen on seed 0's validation split from sweeps.T1_GRID. Swap columns: swap_report on the test split, "
             "eps = 0.01 (STE trains the step itself: nothing to swap). The paper's columns are its Table 1 "
             "(CIFAR, SEW-ResNet / WideResNet), reference values only: a different scale, not a like-for-like comparison.")
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, table),
            write_markdown(ctx, NAME, "Table 1 at CPU scale: Heaviside networks on digits", header, table, notes)]
