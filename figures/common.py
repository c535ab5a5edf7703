"""Shared helpers of the figure scripts: a new figure, saving PNG + numbers, loading results.

Figures are ``matplotlib.figure.Figure`` objects made without pyplot: no backend is chosen at import (an
application that imports this keeps its own), and saving a PNG needs none.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from htaf_theory.experiments.sweeps import load_records

__all__ = ["FigureContext", "new_figure", "save_png", "write_csv", "write_markdown", "load_records", "mean_se",
           "pending_note", "paired_text"]


def new_figure(nrows: int = 1, ncols: int = 1, **kwargs):
    """(figure, axes) like ``pyplot.subplots``, without pyplot's global state: ``figsize`` goes to the figure."""
    fig = Figure(figsize=kwargs.pop("figsize", None))
    return fig, fig.subplots(nrows, ncols, **kwargs)


@dataclass
class FigureContext:
    out_dir: Path
    results_dir: Path | None
    size: str = "full"          # one of htaf_theory.experiments.sweeps.SIZES

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
    path = ctx.path(f"{name}.png")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def write_csv(ctx: FigureContext, name: str, header: list[str], rows: list[list]) -> Path:
    path = ctx.path(f"{name}.csv")
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_markdown(ctx: FigureContext, name: str, title: str, header: list[str], rows: list[list], notes: str = "") -> Path:
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
    import numpy as np
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0


def paired_text(a_records: list[dict], b_records: list[dict], metric: str = "test_binarized", *, scale: float = 1.0,
                digits: int = 3, a: str = "A", b: str = "B", pair_by=None):
    """(text, comparison): A's records against B's, paired by seed or ``pair_by`` (``stats.compare_records``), as
    "mean [low, high]: label" in units of ``scale``; ("- (n = 1)", None) where fewer than 2 records pair up (the
    budget size runs one seed)."""
    from htaf_theory.experiments.stats import compare_records
    key = pair_by or (lambda r: r["seed"])
    if len({key(r) for r in a_records} & {key(r) for r in b_records}) < 2:
        return "- (n = 1)", None
    c = compare_records(a_records, b_records, metric, a=a, b=b, pair_by=key)
    return f"{scale * c.mean:+.{digits}f} [{scale * c.low:+.{digits}f}, {scale * c.high:+.{digits}f}]: {c.label}", c


def pending_note(pending, command: str) -> str:
    """The sentence a table's notes end with while some of its data sets are not run to completion ('' if none)."""
    if not pending:
        return ""
    return f" NOT YET RUN to completion (not shown): {', '.join(pending)}; `{command}` resumes."
