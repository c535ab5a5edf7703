"""Shared helpers of the figure scripts: a new figure, saving PNG + numbers, loading results.

Figures are ``matplotlib.figure.Figure`` objects made without pyplot: no backend is chosen at import (an
application that imports this keeps its own), and saving a PNG needs none.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from htaf_theory.experiments.sweeps import load_records

__all__ = ["FigureContext", "new_figure", "save_png", "write_csv", "write_markdown", "load_records", "mean_se",
           "pending_note", "paired_text", "recompute_pairs", "PAIRS_HEADER", "multiplicity_note", "mean_text",
           "recompute_values", "recompute_pair_means", "VALUES_HEADER", "write_rows", "read_rows"]


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """(figure, axes) like ``pyplot.subplots``, without pyplot's global state: ``figsize`` goes to the figure."""
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, **kwargs)


@dataclass
class FigureContext:
    out_dir: Path
    results_dir: Path | None
    size: str = "full"          # one of htaf_theory.experiments.sweeps.SIZES
    #: every paired interval the figure printed, with its per-seed values (``paired_text``): written beside the
    #: figure as ``<name>_pairs.csv`` so that a reader recomputes each interval from committed data
    pairs: list = field(default_factory=list)
    #: every mean the figure printed with ``mean_text``, with its per-seed values: ``<name>_values.csv``
    values: list = field(default_factory=list)

    @property
    def quick(self) -> bool:
        return self.size == "quick"

    @property
    def label(self) -> str:
        """Appended to titles: which grid the numbers come from (nothing at paper settings)."""
        return {"quick": " [QUICK]", "budget": " [BUDGET: seed/split 0 only]"}.get(self.size, "")

    def path(self, name: str) -> Path:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self.out_dir / name

    def records(self, sweep: str, allow_partial: bool = False) -> list[dict]:
        return load_records(sweep, self.size, self.results_dir, allow_partial=allow_partial)

    def f3_records(self) -> dict:
        """Table 8's records: (dataset, method) -> the chosen candidate's records, one per split."""
        from htaf_theory.experiments.sweeps import f3_selected_records
        return f3_selected_records(self.results_dir, self.size)


def save_png(fig, ctx: FigureContext, name: str) -> Path:
    """Save ``fig`` as ``<name>.png`` in the context's folder (110 dpi, tight box) and return its path."""
    path = ctx.path(f"{name}.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def write_csv(ctx: FigureContext, name: str, header: list[str], rows: list[list]) -> Path:
    """Write ``<name>.csv`` (a header row, then ``rows``) in the context's folder and return its path."""
    path = ctx.path(f"{name}.csv")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_markdown(ctx: FigureContext, name: str, title: str, header: list[str], rows: list[list], notes: str = "") -> Path:
    """Write ``<name>.md``: the title, a banner at quick or budget size, the table and ``notes``; return its path."""
    path = ctx.path(f"{name}.md")
    lines = [f"# {title}", ""]
    if ctx.quick:
        lines += ["**Quick run (few epochs and seeds): not comparable with the paper.**", ""]
    elif ctx.size == "budget":
        lines += ["**Budget run (the main job): paper settings on seed/split 0 only; s.e. needs `--size full`.**", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    if notes:
        lines += ["", notes]
    path.write_text("\n".join(lines) + "\n")
    return path


def mean_se(values) -> tuple[float, float]:
    """(mean, standard error) of the values that are not None; (nan, nan) if none, s.e. 0 for one."""
    import numpy as np
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0


VALUES_HEADER = ["quantity", "unit", "value", "scale", "fmt", "with_se", "suffix", "text"]


def _mean_text(values, scale: float, fmt: str, with_se: bool, suffix: str) -> str:
    mean, se = mean_se(values)
    if mean != mean:
        return "-"
    return f"{scale * mean:{fmt}}{suffix}" + (f" ({scale * se:{fmt}})" if with_se else "")


def mean_text(records: list[dict], get, fmt: str = ".3f", *, ctx: FigureContext | None, what: str, scale: float = 1.0,
              with_se: bool = True, suffix: str = "") -> str:
    """The printed mean (and s.e.) of ``get(record)`` over ``records`` (None skipped), times ``scale``, in ``fmt``
    with ``suffix`` after the mean: "0.755 (0.011)", "98.5% (0.3)"; "-" if no record has a value. With ``ctx``, each
    value is kept with its record's seed (or split) for ``<name>_values.csv``, from which a reader recomputes it."""
    kept = [(r["seed"], v) for r in records if (v := get(r)) is not None]
    text = _mean_text([v for _, v in kept], scale, fmt, with_se, suffix)
    if ctx is not None and kept:
        ident = f"#{len({row[0] for row in ctx.values}) + 1} {what}"
        ctx.values += [[ident, repr(u), repr(float(v)), scale, fmt, with_se, suffix, text] for u, v in kept]
    return text


def recompute_values(path: Path) -> dict:
    """{quantity: (printed text, recomputed text)} from a ``<name>_values.csv``."""
    out = {}
    for ident, rows in _csv_groups(path, key="quantity").items():
        r0 = rows[0]
        out[ident] = (r0["text"], _mean_text([float(r["value"]) for r in rows], float(r0["scale"]), r0["fmt"],
                                             r0["with_se"] == "True", r0["suffix"]))
    return out


PAIRS_HEADER = ["comparison", "a", "b", "metric", "lower_is_better", "design", "test_train_ratio", "unit", "a_value",
                "b_value", "scale", "digits", "text"]


def paired_text(a_records: list[dict], b_records: list[dict], metric: str = "test_binarized", *, scale: float = 1.0,
                digits: int = 3, a: str = "A", b: str = "B", pair_by=None, unit=None, ctx: FigureContext | None = None):
    """(text, comparison): A's records against B's as "mean [low, high]: label" in units of ``scale``, with the
    statistic that fits how the records' data were split (``config.SPLIT_DESIGN``: the paired t over seeds on a
    fixed test set, the corrected resampled t over resplits); ("- (n = 1)", None) where fewer than 2 units pair up.

    Records pair by seed, or by ``pair_by(record)``; ``unit(key)`` maps a pairing key to the independent unit (e.g.
    the split, when a grid of settings shares each split): the differences are averaged within a unit and the units
    counted. With ``ctx``, the per-unit values and the printed text are kept for ``<name>_pairs.csv``.
    """
    from htaf_theory.experiments.config import SPLIT_DESIGN
    from htaf_theory.experiments.stats import LOWER_IS_BETTER, paired_comparison

    key = pair_by or (lambda r: r["seed"])
    unit = unit or (lambda k: k)
    by_a, by_b = {key(r): r for r in a_records}, {key(r): r for r in b_records}
    units: dict = {}
    for k in sorted(set(by_a) & set(by_b), key=repr):
        va, vb = (by[k]["results"]["metrics"].get(metric) for by in (by_a, by_b))
        if va is None or vb is None:
            raise ValueError(f"pair {k}: {metric} is missing or not finite")
        units.setdefault(unit(k), []).append((va, vb))
    if len(units) < 2:
        return "- (n = 1)", None
    datasets = {r["config"]["dataset"] for r in a_records + b_records}
    designs = {SPLIT_DESIGN[ds] for ds in datasets}
    if len(designs) != 1:
        raise ValueError(f"{a} and {b} mix split designs ({sorted(datasets)})")
    design, ratio = designs.pop()
    lower = LOWER_IS_BETTER[a_records[0]["results"]["metric"]]
    order = sorted(units, key=repr)
    a_vals = [sum(x for x, _ in units[u]) / len(units[u]) for u in order]
    b_vals = [sum(y for _, y in units[u]) / len(units[u]) for u in order]
    c = paired_comparison(a_vals, b_vals, lower_is_better=lower, a=a, b=b, design=design, test_train_ratio=ratio)
    text = f"{scale * c.mean:+.{digits}f} [{scale * c.low:+.{digits}f}, {scale * c.high:+.{digits}f}]: {c.label}"
    if ctx is not None:             # numbered: one table may compare the same names twice (HTAF vs STE per network)
        ident = f"#{len({row[0] for row in ctx.pairs}) + 1} {a} vs {b} ({metric})"
        ctx.pairs += [[ident, a, b, metric, lower, design, "" if ratio is None else repr(ratio), repr(u), repr(x), repr(y),
                       scale, digits, text] for u, x, y in zip(order, a_vals, b_vals)]
    return text, c


def multiplicity_note(pairs: list) -> str:
    """How many paired intervals a table reports, how many carry a label, and how many labels chance alone gives
    (each 95% interval excludes 0 with probability 0.05 when there is no difference)."""
    from htaf_theory.experiments.stats import chance_labels

    texts = {row[0]: row[-1] for row in pairs}
    labelled = sum(t.endswith(": better") or t.endswith(": worse") for t in texts.values())
    return (f"Multiplicity: {len(texts)} paired intervals on this page, {labelled} labelled better or worse; chance "
            f"alone gives {chance_labels(len(texts)):g} such labels at 95%. Per-unit values: the _pairs.csv beside it.")


def _csv_groups(path: Path, key: str = "comparison") -> dict:
    groups: dict = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            groups.setdefault(row[key], []).append(row)
    return groups


def recompute_pairs(path: Path) -> dict:
    """{comparison: (printed text, recomputed text)} from a ``<name>_pairs.csv``: what a reader checks."""
    from htaf_theory.experiments.stats import paired_comparison

    out = {}
    for ident, rows in _csv_groups(path).items():
        r0 = rows[0]
        ratio = float(r0["test_train_ratio"]) if r0["test_train_ratio"] else None
        c = paired_comparison([float(r["a_value"]) for r in rows], [float(r["b_value"]) for r in rows],
                              lower_is_better=r0["lower_is_better"] == "True", a=r0["a"], b=r0["b"],
                              design=r0["design"], test_train_ratio=ratio)
        scale, d = float(r0["scale"]), int(r0["digits"])
        out[ident] = (r0["text"], f"{scale * c.mean:+.{d}f} [{scale * c.low:+.{d}f}, {scale * c.high:+.{d}f}]: {c.label}")
    return out


def recompute_pair_means(path: Path) -> dict:
    """{comparison: (A's mean, B's mean, digits)} over the units of a ``<name>_pairs.csv``, in the table's units
    (``scale``): the mean scores a table prints beside its intervals, and the interval's number of decimals."""
    out = {}
    for ident, rows in _csv_groups(path).items():
        scale = float(rows[0]["scale"])
        means = (scale * math.fsum(float(r[k]) for r in rows) / len(rows) for k in ("a_value", "b_value"))
        out[ident] = (*means, int(rows[0]["digits"]))
    return out


def write_rows(path: Path, rows: list[dict], header: list[str]) -> Path:
    """A per-seed file: one row per record and metric, the columns ``header`` (read back with ``read_rows``)."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_rows(path: Path) -> list[dict]:
    """The rows of a per-seed file, as strings (what a reader of the committed file has)."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def pending_note(pending, command: str) -> str:
    """The sentence a table's notes end with while some of its data sets are not run to completion ('' if none)."""
    if not pending:
        return ""
    return f" NOT YET RUN to completion (not shown): {', '.join(pending)}; `{command}` resumes."
