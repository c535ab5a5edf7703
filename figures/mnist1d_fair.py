"""The width-matched deployment study on MNIST-1D (sweep m1dfair): every family on one width ladder, HTAF's tail
against a matched sigmoid (also in deeper MLPs), batch norm re-estimated after the swap, equivalence tests.

Every number printed is computed from the per-seed file ``mnist1d_fair_per_seed.csv`` (one row per record and
metric), which this script writes first and then reads back (``tables(rows)``; tests/test_verdicts.py recomputes
every table from the committed file).
"""
from __future__ import annotations

import math
from pathlib import Path

from htaf_theory.experiments.stats import (EQUIVALENCE_MARGIN, chance_labels, equivalence, holm, holm_equivalence,
                                           paired_comparison)

from . import common
from .common import FigureContext, new_figure, save_png, write_markdown

NAME = "mnist1d_fair"
SWEEPS = ("m1dfair",)
HEADER = ["net", "depth", "batchnorm", "family", "role", "setting", "width", "rung", "seed", "metric", "value"]
FAMILY_NAMES = {"htaf-surrogate": "HTAF, h' as surrogate", "matched": "matched sigmoid (HTAF's peak and HWHM)",
                "htaf-smooth": "HTAF, smooth then swap", "ss": "SS, smooth then swap", "ste": "STE (best surrogate)"}
ROW_OF_NET = {"mlp": "DHN (MLP)", "conv": "DHN (1-D conv)", "bnn": "BNN", "snn": "SNN"}
NETS = ("mlp", "conv", "bnn", "snn")
#: the comparisons of the width-matched Table 1, per net (A minus B); Holm within the table
T1_PAIRS = (("htaf-surrogate", "ste"), ("htaf-smooth", "ste"), ("ss", "ste"), ("htaf-surrogate", "ss"),
            ("htaf-smooth", "ss"))


def per_seed_rows(ctx: FigureContext) -> list[dict]:
    """The long per-seed rows: every stage-1 candidate (seed 0), every choice and deep cell (evaluation seeds)."""
    from htaf_theory.experiments import fairstudy
    from htaf_theory.experiments.heaviside import HeavisideConfig
    from htaf_theory.experiments.store import ResultStore
    from htaf_theory.experiments.sweeps import load_records

    store = ResultStore(ctx.results_dir)
    stage1, chosen = fairstudy.fair_plan(store, ctx.size)
    if any(store.load(c) is None for c in stage1) or (ctx.size != "budget" and (
            not chosen or any(store.load(c) is None for c in chosen.values()))):
        load_records("m1dfair", ctx.size, ctx.results_dir)      # raises, naming the experiment
    cells = [("candidate", c) for c in stage1]
    cells += [("deep" if key[0] == "deep" else "choice", c) for key, c in sorted(chosen.items(), key=str)]
    rows = []
    for role, cell in cells:
        record = store.load(cell)
        cfg = HeavisideConfig.from_dict(record["config"])
        base = {"net": cfg.net, "depth": cfg.depth, "batchnorm": int(cfg.batchnorm), "family": fairstudy.fair_family(cfg),
                "role": role, "setting": cfg.label(), "width": f"{fairstudy.cell_width(cfg):.4g}",
                "rung": fairstudy.rung_of(cfg, ctx.quick), "seed": cfg.seed}
        metrics = record["results"]["metrics"]
        for metric in ("val_binarized", "test_binarized", "test_smooth", "test_binarized_recal", "test_smooth_recal_epoch"):
            if metrics.get(metric) is not None:
                rows.append({**base, "metric": metric, "value": repr(float(metrics[metric]))})
    return rows


def write_rows(path: Path, rows: list[dict]) -> Path:
    return common.write_rows(path, rows, HEADER)


read_rows = common.read_rows


def _scores(rows, role: str, metric: str = "test_binarized", **match) -> dict:
    """{seed: value} of the rows of one role, metric and match (net, family, depth, batchnorm, ...)."""
    return {int(r["seed"]): float(r["value"]) for r in rows
            if r["role"] == role and r["metric"] == metric and all(str(r[k]) == str(v) for k, v in match.items())}


def _pair(a: dict, b: dict, a_name: str, b_name: str):
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        return None, None
    xa, xb = [a[s] for s in seeds], [b[s] for s in seeds]
    return (paired_comparison(xa, xb, lower_is_better=False, a=a_name, b=b_name), equivalence(xa, xb))


def _mean_se(values) -> str:
    v = list(values)
    if not v:
        return "-"
    m = sum(v) / len(v)
    se = math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1) / len(v)) if len(v) > 1 else 0.0
    return f"{100 * m:.1f}% ({100 * se:.1f})"


def _interval(c, label=None) -> str:
    if c is None:
        return "- (n < 2)"
    return f"{100 * c.mean:+.2f} [{100 * c.low:+.2f}, {100 * c.high:+.2f}]: {label or c.label}"


def _adjust(comps: list, equivs: list) -> tuple[list, list]:
    """Holm within one table for the difference tests and, separately, for the equivalence tests."""
    idx = [i for i, c in enumerate(comps) if c is not None]
    h = holm([comps[i] for i in idx], lower_is_better=False) if idx else []
    e = holm_equivalence([equivs[i] for i in idx]) if idx else []
    hl, el = [None] * len(comps), [None] * len(comps)
    for k, i in enumerate(idx):
        hl[i], el[i] = h[k].holm_label, e[k].holm_label
    return hl, el


def _choice_info(rows, net, fam, quick_rungs: int) -> tuple[str, str, str]:
    r = next((r for r in rows if r["role"] == "choice" and r["net"] == net and r["family"] == fam
              and int(r["depth"]) == 3), None)
    if r is None:
        return "-", "-", "-"
    rung = int(r["rung"])
    edge = " (ladder edge)" if rung in (0, quick_rungs - 1) else ""
    return r["setting"], r["width"], f"{rung + 1}/{quick_rungs}{edge}"


def _tost(e) -> str:
    """The equivalence test unadjusted: its 90% interval and p (equivalent alone when p < 0.05)."""
    if e is None:
        return "-"
    return f"[{100 * e.low90:+.2f}, {100 * e.high90:+.2f}], p = {e.p:.3f}"


def _signed(text: str) -> str:
    return text.replace("better", "positive").replace("worse", "negative")


def _kind(r: dict) -> str:
    """A stage-1 curve: the family and its gain (HTAF), surrogate (STE) or amplitude (matched sigmoid)."""
    words = r["setting"].split()
    token = {"htaf-surrogate": words[1], "htaf-smooth": words[1], "ste": words[1], "matched": words[-1]}.get(r["family"], "")
    return f"{r['family']} {token}".strip()


def tables(rows: list[dict], rungs: int = 6) -> dict:
    """Every table of the study from the per-seed rows alone."""
    nets = [n for n in NETS if any(r["net"] == n and r["role"] == "choice" for r in rows)]
    choice = {(net, fam): _scores(rows, "choice", net=net, family=fam, depth=3) for net in nets for fam in FAMILY_NAMES}
    # Table 1, width-matched
    comps, equivs, where = [], [], []
    for net in nets:
        for a, b in T1_PAIRS:
            c, e = _pair(choice[(net, a)], choice[(net, b)], a, b)
            comps.append(c), equivs.append(e), where.append((net, a, b))
    holm1, eq1 = _adjust(comps, equivs)
    table1 = []
    for net in nets:
        for fam in FAMILY_NAMES:
            if fam == "matched":
                continue
            setting, width, rung = _choice_info(rows, net, fam, rungs)
            table1.append([ROW_OF_NET[net], FAMILY_NAMES[fam], setting, width, rung, len(choice[(net, fam)]),
                           _mean_se(choice[(net, fam)].values())])
    versus = []
    for (net, a, b), c, e, hl, el in zip(where, comps, equivs, holm1, eq1):
        versus.append([ROW_OF_NET[net], f"{a} - {b}", _interval(c), hl or "-", _tost(e), el or "-"])
    # the tail: HTAF minus its matched sigmoid (depth 3 with each net; deeper MLPs), and HTAF minus STE there
    tcomps, tequivs, twhere = [], [], []
    for net in nets:
        c, e = _pair(choice[(net, "htaf-surrogate")], choice[(net, "matched")], "htaf-surrogate", "matched")
        tcomps.append(c), tequivs.append(e), twhere.append((ROW_OF_NET[net], 3, 1, "HTAF - matched sigmoid"))
    deep = sorted({(int(r["depth"]), int(r["batchnorm"])) for r in rows if r["role"] == "deep"})
    for depth, bn in deep:
        s = {fam: _scores(rows, "deep", net="mlp", family=fam, depth=depth, batchnorm=bn)
             for fam in ("htaf-surrogate", "matched", "ste")}
        for a, b, text in (("htaf-surrogate", "matched", "HTAF - matched sigmoid"), ("htaf-surrogate", "ste", "HTAF - STE")):
            c, e = _pair(s[a], s[b], a, b)
            tcomps.append(c), tequivs.append(e), twhere.append(("DHN (MLP)", depth, bn, text))
    holm2, eq2 = _adjust(tcomps, tequivs)
    tail = []
    for (row, depth, bn, text), c, e, hl, el in zip(twhere, tcomps, tequivs, holm2, eq2):
        tail.append([row, depth, "yes" if bn else "no", text, "-" if c is None else f"{100 * c.mean_a:.1f}%",
                     "-" if c is None else f"{100 * c.mean_b:.1f}%", _interval(c), hl or "-", _tost(e), el or "-"])
    # batch norm after the swap, the direct swap loss, the training mode
    bcomps, bwhere = [], []
    for net in nets:
        for fam in ("htaf-smooth", "ss"):
            stale = choice[(net, fam)]
            recal = _scores(rows, "choice", "test_binarized_recal", net=net, family=fam, depth=3)
            smooth = _scores(rows, "choice", "test_smooth", net=net, family=fam, depth=3)
            smooth_r = _scores(rows, "choice", "test_smooth_recal_epoch", net=net, family=fam, depth=3)
            for a, b, text in ((recal, stale, "re-estimated - stale (deployed)"),
                               (smooth, stale, "direct swap loss, stale: smooth - deployed"),
                               (smooth_r, recal, "direct swap loss, re-estimated: smooth - deployed")):
                bcomps.append(_pair(a, b, "a", "b")[0]), bwhere.append((net, fam, text))
        bcomps.append(_pair(choice[(net, "htaf-smooth")], choice[(net, "htaf-surrogate")], "smooth", "surrogate")[0])
        bwhere.append((net, "htaf", "training mode: smooth then swap - h' surrogate (each at its chosen width)"))
        loss = {}
        for fam in ("htaf-smooth", "ss"):
            sm = _scores(rows, "choice", "test_smooth", net=net, family=fam, depth=3)
            dep = choice[(net, fam)]
            loss[fam] = {s: sm[s] - dep[s] for s in set(sm) & set(dep)}
        bcomps.append(_pair(loss["htaf-smooth"], loss["ss"], "htaf", "ss")[0])
        bwhere.append((net, "htaf vs ss", "direct swap loss, stale: HTAF - SS (paper's Table 10 question)"))
    hb = holm([c for c in bcomps if c is not None], lower_is_better=False)
    it = iter(hb)
    # these are differences of one quantity, not rankings: "A > B" / "A < B" rather than better / worse
    batchnorm = [[ROW_OF_NET[net], fam, text, _signed(_interval(c)), _signed(next(it).holm_label if c is not None else "-")]
                 for (net, fam, text), c in zip(bwhere, bcomps)]
    # the ladder: every candidate's seed-0 validation score
    ladder = []
    for net in [n for n in NETS if any(r["net"] == n and r["role"] == "candidate" for r in rows)]:
        cands = {}
        for r in rows:
            if r["role"] == "candidate" and r["net"] == net and r["metric"] == "val_binarized":
                kind = _kind(r)
                cands.setdefault(kind, {})[int(r["rung"])] = float(r["value"])
        for kind, by_rung in sorted(cands.items()):
            best = max(by_rung, key=by_rung.get)
            ladder.append([ROW_OF_NET[net], kind] + [
                (f"**{100 * by_rung[i]:.1f}**" if i == best else f"{100 * by_rung[i]:.1f}") if i in by_rung else "-"
                for i in range(rungs)])
    everything = [c for c in comps + tcomps + bcomps if c is not None]
    n_labels = sum(c.label in ("better", "worse") for c in everything)
    return {"rows": table1, "versus": versus, "tail": tail, "batchnorm": batchnorm, "ladder": ladder,
            "counts": {"intervals": len(everything), "labels": n_labels, "chance": chance_labels(len(everything)),
                       "equivalent": sum(1 for x in eq1 + eq2 if x and x.startswith("equivalent"))}}


def _plot(rows: list[dict], ctx: FigureContext, ladder_widths):
    nets = [n for n in NETS if any(r["net"] == n and r["role"] == "candidate" for r in rows)]
    fig, axes = new_figure(1, len(nets), figsize=(4.6 * len(nets), 4.0), squeeze=False)
    for ax, net in zip(axes[0], nets):
        curves: dict = {}
        for r in rows:
            if r["role"] == "candidate" and r["net"] == net and r["metric"] == "val_binarized":
                key = _kind(r)
                curves.setdefault(key, []).append((float(r["width"]), 100 * float(r["value"])))
        for k, (key, pts) in enumerate(sorted(curves.items())):
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o" if key.startswith("htaf") else "--.",
                    color=f"C{k % 10}", ms=3, label=key)
        ax.set(xscale="log", xlabel="surrogate HWHM (one axis for every family)",
               ylabel="deployed validation accuracy %, seed 0", title=ROW_OF_NET[net])
        for w in ladder_widths:
            ax.axvline(w, color="0.9", lw=0.5, zorder=0)
    axes[0][0].legend(fontsize=5)
    fig.suptitle("MNIST-1D, stage 1: every family on one width ladder" + ctx.label)
    fig.tight_layout()
    return fig


def _seed_range(rows: list[dict]) -> str:
    seeds = sorted({int(r["seed"]) for r in rows if r["role"] == "choice"})
    return f"{seeds[0]}-{seeds[-1]}" if seeds else "(none yet)"


def make(ctx: FigureContext) -> list:
    from htaf_theory.experiments import fairstudy

    per_seed = write_rows(ctx.path(f"{NAME}_per_seed.csv"), per_seed_rows(ctx))
    rows = read_rows(per_seed)            # every number below comes from the file a reader has
    ladder_widths = fairstudy._QUICK["ladder"] if ctx.quick else fairstudy.LADDER
    t = tables(rows, len(ladder_widths))
    counts = t["counts"]
    margin = f"{100 * EQUIVALENCE_MARGIN:g} point"
    notes = (f"MNIST-1D (3,200 training, 800 validation, the fixed 1,000 test sequences), "
             f"htaf_theory.experiments.fairstudy, {fairstudy.EPOCHS if not ctx.quick else 2} epochs; deployed = every "
             f"activation the exact step, scored with the batch-norm statistics collected in training. Each family's "
             f"setting is chosen on seed 0's validation split among its candidates on one width ladder (HWHM "
             f"{', '.join(f'{w:.3g}' for w in ladder_widths)}; 'ladder edge': the choice sits at the narrowest or widest "
             f"rung), then evaluated on seeds {_seed_range(rows)} (the selecting seed never "
             f"evaluates). Differences: paired t over seeds, 95%, accuracy points; Holm within the table. "
             f"Equivalence: two one-sided tests at a margin of +-{margin} fixed before the run (90% interval shown), "
             f"Holm within the table. The study prints {counts['intervals']} difference intervals "
             f"({counts['labels']} labelled better/worse; chance alone gives {counts['chance']:g} at 95%). Per-seed "
             f"data: {NAME}_per_seed.csv.")
    paths = [per_seed, save_png(_plot(rows, ctx, ladder_widths), ctx, NAME)]
    paths.append(write_markdown(ctx, NAME, "Table 1 on MNIST-1D, width-matched: each family's choice",
                                ["Table 1 row", "training", "chosen on validation", "HWHM", "rung", "n",
                                 "deployed test acc. (s.e.)"], t["rows"], notes))
    paths.append(write_markdown(ctx, f"{NAME}_versus", "Width-matched Table 1: differences and equivalence",
                                ["row", "A - B", "paired t, points", "Holm (this table)", f"TOST +-{margin}: 90% interval, p",
                                 "equivalence, Holm"], t["versus"], notes))
    paths.append(write_markdown(ctx, f"{NAME}_tail", "What HTAF's heavy tail does: HTAF minus its matched sigmoid",
                                ["row", "hidden layers", "batch norm", "comparison", "A mean", "B mean",
                                 "paired t, points", "Holm (this table)", f"TOST +-{margin}: 90% interval, p",
                                 "equivalence, Holm"], t["tail"],
                                "The matched sigmoid has h''s peak and HWHM (htaf_theory.widths.matched_sigmoid_params) "
                                "and differs from it only away from the centre; both train the exact step. Deeper MLPs: "
                                "HTAF-surrogate's and STE's choices on the 3-layer MLP, at 2, 4 and 8 hidden layers, with "
                                "and without batch norm. " + notes))
    paths.append(write_markdown(ctx, f"{NAME}_batchnorm", "The swap: batch norm re-estimated, direct loss, training mode",
                                ["row", "family", "quantity", "paired t, points", "Holm (this table)"], t["batchnorm"],
                                "Re-estimated: every batch-norm layer's running statistics recomputed with the step in "
                                "place over the training set (htaf_theory.nn.recalibrate_batchnorm), on a copy, at every "
                                "epoch; each variant at its own best deployed-validation epoch. Direct swap loss: the "
                                "smooth network's own test accuracy minus the same weights deployed. " + notes))
    paths.append(write_markdown(ctx, f"{NAME}_ladder", "Stage 1: deployed validation accuracy (%) by width rung, seed 0",
                                ["row", "family / gain"] + [f"HWHM {w:.3g}" for w in ladder_widths], t["ladder"],
                                "Bold: the family's best rung (n = 1 per cell: descriptive). " + notes))
    return paths
