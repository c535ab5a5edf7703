"""Table 6 (paper App. F.1): the paper's printed lower bounds of b beside the exact values."""
from __future__ import annotations

from htaf_theory.params import table6

from .common import FigureContext, write_csv, write_markdown

NAME = "table6"
SWEEPS: tuple[str, ...] = ()


def make(ctx: FigureContext) -> list:
    rows = [[int(r.a), f"{r.b_exact:.6g}", f"{r.b_rounded_up:g}", f"{r.b_paper:g}",
             "yes" if r.b_rounded_up == r.b_paper else "NO"]
            for r in table6()]
    header = ["a", "min_b exact (ours)", "rounded up (ours)", "paper (reference)", "match"]
    return [write_csv(ctx, NAME, header, rows),
            write_markdown(ctx, NAME, "Table 6: lower bound of b, eps = delta = 0.1", header, rows,
                           "min_b(a) = artanh(log(9)/a)/0.1, rounded up at the digit the paper prints.")]
