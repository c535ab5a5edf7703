"""Beyond the paper, deploying without loss (sweep f3deploy; Thm C.1, Prop. 3.1): Table 8's per-split choices of
f3tuned trained again with Prop. 3.1 sharpening or the zone penalty, all else equal. Per data set and method:
test RMSE of the smooth and the deployed network, the swap's change and Thm C.1's bound on the test split; paired
95% intervals (corrected resampled t over the 5 splits, Nadeau-Bengio) of each deployed score against DHN+STE and
against the fixed run; and,
on split 0, the validation scores and the bound over training, fixed against sharpened."""
from __future__ import annotations

from htaf_theory.experiments.sweeps import F3T_DATASETS

from .common import FigureContext, mean_text, new_figure, paired_text, pending_note, save_png, write_csv, write_markdown

NAME = "deploy"
SWEEPS = ("f3deploy",)
ROWS = (("DNN+HTAF", "fixed"), ("DNN+HTAF", "sharpen"), ("DNN+HTAF", "zone"), ("DNN+SS", "fixed"), ("DNN+SS", "sharpen"),
        ("DHN+STE", "fixed"))


def summarize(records: dict, ctx=None) -> tuple[list, list]:
    """(table rows, paired comparisons) from ``sweeps.f3deploy_records``."""
    rows, comparisons = [], []
    for ds in F3T_DATASETS:
        ste = records.get((ds, "DHN+STE", "fixed"))
        if not ste:
            continue
        for method, schedule in ROWS:
            recs = records[(ds, method, schedule)]
            what = f"{ds} {method} {schedule}"
            row = [ds, method, schedule, len(recs),
                   *[mean_text(recs, lambda r, k=k: r["results"]["metrics"][k], ctx=ctx, what=f"{what} {k}")
                     for k in ("test_smooth", "test_binarized")],
                   *[mean_text(recs, lambda r, k=k: (r["results"].get("swap") or {}).get(k), ".3g", with_se=False,
                               ctx=ctx, what=f"{what} {k}") for k in ("prediction_change", "c1_bound")]]
            for other, label in ((ste, "DHN+STE"), (records[(ds, method, "fixed")], f"{method} fixed")):
                if recs is other or method == "DHN+STE":
                    row.append("-")
                    continue
                text, c = paired_text(recs, other, ctx=ctx, a=f"{ds} {method} {schedule}", b=f"{ds} {label}")
                if c is not None:
                    comparisons.append(c)
                row.append(text)
            rows.append(row)
    return rows, comparisons


def make(ctx: FigureContext) -> list:
    from htaf_theory.experiments.sweeps import f3deploy_records
    records, pending = f3deploy_records(ctx.results_dir, ctx.size)
    rows, _ = summarize(records, ctx)
    header = ["dataset", "method", "training", "splits", "test smooth RMSE (s.e.)", "test deployed RMSE (s.e.)",
              "swap change (std. units)", "C.1 bound (std. units)", "deployed - DHN+STE (corrected resampled t, 95%)",
              "deployed - same method fixed (corrected resampled t, 95%)"]
    datasets = [ds for ds in F3T_DATASETS if (ds, "DNN+HTAF", "fixed-monitored") in records]
    fig, axes = new_figure(2, len(datasets), figsize=(4.8 * len(datasets), 6.4), squeeze=False)
    for col, ds in enumerate(datasets):
        for schedule, style in (("fixed-monitored", "-"), ("sharpen-monitored", "--")):
            hist = records[(ds, "DNN+HTAF", schedule)][0]["results"]["history"]
            epochs = hist["monitor_epoch"]
            name = schedule.replace("-monitored", "")
            axes[0][col].plot(epochs, hist["monitor_val_smooth"], style, color="C0", label=f"smooth, {name}")
            axes[0][col].plot(epochs, hist["monitor_val_deployed"], style, color="C3", label=f"deployed, {name}")
            axes[1][col].plot(epochs, hist["monitor_c1_bound"], style, color="C2", label=f"C.1 bound, {name}")
        axes[0][col].set(title=f"{ds}, split 0: validation RMSE", xlabel="epoch")
        axes[1][col].set(title="Thm C.1 bound (last hidden layer, RMSE units)", xlabel="epoch", yscale="log")
        for ax in axes[:, col]:
            ax.legend(fontsize=7)
    fig.suptitle("Deploying without loss: fixed HTAF against Prop. 3.1 sharpening" + ctx.label)
    fig.tight_layout()
    notes = ("Each split's f3tuned choice (candidate, optimizer, learning rate; best-validation epoch of the deployed "
             "network) is trained again with `schedule=\"sharpen\"` (delta from the pair's own half-width down 10x, "
             "b = min_b(a, eps, delta) each epoch; SS: gamma = L(eps)/delta) or `\"zone\"` (loss + sech^2(z/delta) "
             "penalty), everything else equal; `fixed` rows are f3tuned's own. Intervals: corrected resampled t "
             "over the splits (Nadeau-Bengio: they overlap), 95%, "
             "label derived from the interval (`htaf_theory.experiments.stats`). Swap change and C.1 bound: on the test "
             "split at the selected epoch, in standardized target units (the bound is for the last hidden layer alone)."
             + pending_note(pending, "htaf experiment f3deploy"))
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, rows),
            write_markdown(ctx, NAME, "Deploying without loss (f3deploy)", header, rows, notes)]
