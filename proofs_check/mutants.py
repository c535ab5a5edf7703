"""Mutation testing of the theorem check: break each public function a little, and the check must fail.

Each ``Mutant`` wraps one library function of ``htaf_theory.accuracy.library_functions`` with a small defect:
a relative error of 1e-8 or less, an error only in a tail region, only away from the default
parameters, or one side of a bound loosened. ``run_mutant`` feeds the mutated namespace to every
fast check (the reference table first) and reports the first check that catches it. The score is in
docs/claims.md; ``htaf check --mutants`` prints every mutant; tests/test_mutants.py asserts all are caught.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from htaf_theory.accuracy import library_functions as library_impl

__all__ = ["Mutant", "MUTANTS", "run_mutant", "mutation_score"]


@dataclass(frozen=True)
class Mutant:
    name: str
    function: str                              # key in library_impl
    wrap: Callable[[Callable], Callable]       # original -> mutated


def _scale_where(factor, where):
    """original -> f with f(*args) = original(*args) * factor where ``where(*args)`` holds (elementwise)."""
    def wrap(original):
        def mutated(*args):
            out = np.asarray(original(*args), dtype=float)
            mask = np.asarray(where(*[np.asarray(v, dtype=float) for v in args]))
            out = np.where(mask, out * factor, out)
            return out[()] if out.ndim == 0 else out
        return mutated
    return wrap


def _everywhere(*_):
    return True


def _bounds_side(side: int, factor: float):
    def wrap(original):
        def mutated(x, a, b):
            lo, hi = original(x, a, b)
            return (lo * factor, hi) if side == 0 else (lo, hi * factor)
        return mutated
    return wrap


MUTANTS = [
    # four defects a soundness review tried: each must be caught
    Mutant("min_b * (1 + 3e-8) when eps != 0.1", "min_b", _scale_where(1 + 3e-8, lambda a, e, d: e != 0.1)),
    Mutant("log_htaf_grad * (1 + 1e-3) where b|x| > 5", "log_htaf_grad",
           _scale_where(1 + 1e-3, lambda x, a, b: np.abs(b * x) > 5)),
    Mutant("ss_tail_exponent * (1 + 1e-7)", "ss_tail_exponent", _scale_where(1 + 1e-7, _everywhere)),
    Mutant("tail_ratio_bounds upper doubled", "tail_ratio_bounds", _bounds_side(1, 2.0)),
    # more of the same kinds
    Mutant("tail_ratio_bounds lower halved", "tail_ratio_bounds", _bounds_side(0, 0.5)),
    Mutant("tail_ratio_bounds upper * (1 + 1e-9)", "tail_ratio_bounds", _bounds_side(1, 1 + 1e-9)),
    Mutant("htaf * (1 + 1e-12) where b|x| > 10", "htaf", _scale_where(1 + 1e-12, lambda x, a, b: np.abs(b * x) > 10)),
    Mutant("htaf_complement * (1 + 1e-8) where a > 100", "htaf_complement", _scale_where(1 + 1e-8, lambda x, a, b: a > 100)),
    Mutant("htaf_grad * (1 + 1e-8) where b|x| > 3", "htaf_grad", _scale_where(1 + 1e-8, lambda x, a, b: np.abs(b * x) > 3)),
    Mutant("htaf_grad2 * (1 + 1e-8)", "htaf_grad2", _scale_where(1 + 1e-8, _everywhere)),
    Mutant("log_scaled_sigmoid_grad * (1 + 1e-9) where |gamma x| > 20", "log_scaled_sigmoid_grad",
           _scale_where(1 + 1e-9, lambda x, g: np.abs(g * x) > 20)),
    Mutant("scaled_sigmoid_grad * (1 + 1e-8) where gamma > 1", "scaled_sigmoid_grad", _scale_where(1 + 1e-8, lambda x, g: g > 1)),
    Mutant("scaled_sigmoid * (1 + 1e-10)", "scaled_sigmoid", _scale_where(1 + 1e-10, _everywhere)),
    Mutant("min_a * (1 + 1e-9) when eps < 1e-3", "min_a", _scale_where(1 + 1e-9, lambda e: e < 1e-3)),
    Mutant("approx_error * (1 + 1e-8) when delta != 0.1", "approx_error", _scale_where(1 + 1e-8, lambda a, b, d: d != 0.1)),
    Mutant("transition_width * (1 + 1e-8)", "transition_width", _scale_where(1 + 1e-8, _everywhere)),
    Mutant("tail_constant * (1 + 1e-8) when a > 50", "tail_constant", _scale_where(1 + 1e-8, lambda a, b: a > 50)),
    Mutant("log_tail_constant * (1 + 1e-9)", "log_tail_constant", _scale_where(1 + 1e-9, _everywhere)),
    Mutant("tail_onset * (1 + 1e-8)", "tail_onset", _scale_where(1 + 1e-8, _everywhere)),
    Mutant("tail_rate * (1 + 1e-9) when b != 2", "tail_rate", _scale_where(1 + 1e-9, lambda a, b: b != 2)),
    Mutant("slope_at_zero * (1 + 1e-9)", "slope_at_zero", _scale_where(1 + 1e-9, _everywhere)),
    Mutant("tail_ratio * (1 + 1e-8) where b|x| > 5", "tail_ratio", _scale_where(1 + 1e-8, lambda x, a, b: np.abs(b * x) > 5)),
    Mutant("log_ss_tail_ratio * (1 + 1e-8)", "log_ss_tail_ratio", _scale_where(1 + 1e-8, _everywhere)),
    Mutant("ss_tail_ratio * (1 + 1e-8) where a > 5", "ss_tail_ratio", _scale_where(1 + 1e-8, lambda x, a, b: a > 5)),
    Mutant("binarity_min_a * (1 + 1e-9)", "binarity_min_a", _scale_where(1 + 1e-9, _everywhere)),
]


def run_mutant(mutant: Mutant) -> tuple[bool, str]:
    """(caught, by which check): the first fast check that fails with the mutated library."""
    from . import CLAIM_ORDER, CLAIMS
    original = getattr(library_impl(), mutant.function)
    impl = library_impl(**{mutant.function: mutant.wrap(original)})
    for cid in CLAIM_ORDER:
        for check in CLAIMS[cid].checks:
            if check.slow or check.method in ("rigorous", "rigorous-search", "symbolic"):
                continue            # these do not call the float library
            try:
                result = check.run(impl)
            except Exception as err:  # a crash caused by the mutant counts as caught
                return True, f"{cid} [{check.method}] crashed: {type(err).__name__}"
            if not result.ok:
                return True, f"{cid} [{check.method}]"
    return False, "no check failed"


def mutation_score() -> tuple[int, int, list[tuple[str, bool, str]]]:
    rows = [(m.name, *run_mutant(m)) for m in MUTANTS]
    return sum(caught for _, caught, _ in rows), len(rows), rows
