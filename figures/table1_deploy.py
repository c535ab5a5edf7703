"""Beyond the paper, deploying without loss on digits (sweep t1deploy; Thm C.1, Prop. 3.1): Table 1's DHN and SNN,
each method's candidate chosen on seed 0's validation split, trained on 10 seeds; the HTAF choice again with Prop. 3.1
sharpening and with the zone penalty, the SS choice with sharpening. Per row: deployed and smooth test accuracy,
the share of test decisions the swap flips, and paired 95% intervals (corrected resampled t over the seeds'
resplits) against STE and against the same method with fixed gains."""
from __future__ import annotations

from htaf_theory.experiments.heaviside import HeavisideConfig
from htaf_theory.experiments.sweeps import T1DEPLOY_NETS

from .common import FigureContext, mean_text, new_figure, paired_text, save_png, write_csv, write_markdown

NAME = "table1_deploy"
SWEEPS = ("t1deploy",)
ROWS = (("htaf", "fixed"), ("htaf", "sharpen"), ("htaf", "zone"), ("ss", "fixed"), ("ss", "sharpen"), ("ste", "fixed"))


def summarize(records: dict, ctx=None) -> tuple[list, list]:
    """(table rows, [(row name, paired comparison against STE)]) from ``sweeps.t1deploy_records``."""
    rows, against_ste = [], []
    for net in T1DEPLOY_NETS:
        ste = records[(net, "ste", "fixed")]
        for method, schedule in ROWS:
            recs = records[(net, method, schedule)]
            candidate = HeavisideConfig.from_dict(recs[0]["config"]).label()
            what = f"{net} {method} {schedule}"
            row = [net, method, schedule, candidate, len(recs),
                   *[mean_text(recs, lambda r, k=k: r["results"]["metrics"][k], ".2f", scale=100, ctx=ctx,
                               what=f"{what} {k}") for k in ("test_binarized", "test_smooth")],
                   mean_text(recs, lambda r: (r["results"].get("swap") or {}).get("decision_flips"), ".2f", scale=100,
                             with_se=False, ctx=ctx, what=f"{what} decision_flips")]
            for other, label in ((ste, "STE"), (records[(net, method, "fixed")], f"{method} fixed")):
                if recs is other or method == "ste":
                    row.append("-")
                    continue
                text, c = paired_text(recs, other, ctx=ctx, scale=100, digits=2, a=f"{net} {method} {schedule}",
                                      b=f"{net} {label}")
                row.append(text)
                if label == "STE" and c is not None:
                    against_ste.append((f"{net.upper()} {method} {schedule}", c))
            rows.append(row)
    return rows, against_ste


def make(ctx: FigureContext) -> list:
    from htaf_theory.experiments.sweeps import t1deploy_records
    rows, against_ste = summarize(t1deploy_records(ctx.results_dir, ctx.size), ctx)
    header = ["model", "method", "training", "candidate (chosen on seed 0)", "seeds", "test acc. deployed % (s.e.)",
              "smooth net % (s.e.)", "decisions flipped by the swap %", "deployed - STE (corrected resampled t, 95%, points)",
              "deployed - same method fixed (corrected resampled t, 95%, points)"]
    fig, ax = new_figure(figsize=(6.4, 1.2 + 0.4 * len(against_ste)))
    for i, (_name, c) in enumerate(against_ste):
        ax.errorbar(100 * c.mean, i, xerr=[[100 * (c.mean - c.low)], [100 * (c.high - c.mean)]], fmt="o", color="C0")
    ax.axvline(0.0, color="0.5", lw=0.8)
    ax.set(yticks=range(len(against_ste)), yticklabels=[name for name, _ in against_ste], ylim=(-0.5, len(against_ste) - 0.5),
           xlabel="deployed accuracy - STE (points; corrected resampled t, 95%)",
           title="Digits: deploying without loss" + ctx.label)
    fig.tight_layout()
    notes = ("Each method's candidate is t1's choice on seed 0's validation split (deployed network, best-validation "
             "epoch); `sharpen`: delta from the pair's own half-width down 10x over the 40 epochs, b = min_b(a, eps, "
             "delta) each epoch (SS: gamma = L(eps)/delta); `zone`: loss + sech^2(z/delta) penalty; everything else "
             "equal. Intervals: corrected resampled t over the seeds' resplits (Nadeau-Bengio), 95%, label derived "
             "from the interval "
             "(`htaf_theory.experiments.stats`).")
    return [save_png(fig, ctx, NAME), write_csv(ctx, NAME, header, rows),
            write_markdown(ctx, NAME, "Deploying without loss on digits (t1deploy)", header, rows, notes)]
