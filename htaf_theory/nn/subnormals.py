"""Subnormal numbers flushed to zero while cells train, in every thread torch computes on.

Saturated HTAF / SS layers produce subnormal derivatives (the exact tails), and on Intel CPUs every operation on a
subnormal takes a microcode assist: an f3tuned abalone cell (HTAF a = 50, b = 0.44, Adam 0.01) trained 150 epochs in
138 s instead of 3.7 s, with identical metrics (benchmarks/bench_subnormals.py, docs/performance.md). Adam cannot use
such gradients anyway (their squares underflow), and the sweeps' recorded gradient norms are all >= 5e-22.

``torch.set_flush_denormal`` sets the x86 FTZ/DAZ bits of the *calling* thread only. A thread inherits them when it
is created, so torch's OpenMP threads that already exist keep the old setting: with 2 threads, half of each
elementwise op kept its subnormals, and their cost (`python benchmarks/bench_subnormals.py --threads 2`: that HTAF
cell, 60 epochs, took 24.1 s flushed in the calling thread only, 0.9 s flushed in every thread). Here the setting
is also applied inside one OpenMP parallel region of torch's own runtime, so that every pool thread sets its bits.
"""
from __future__ import annotations

import contextlib
import functools

import torch

from ._openmp import OMP_TASK, openmp_runtime

__all__ = ["flushing_denormals", "flushing_denormals_for_cells", "flush_is_on", "set_flush_denormal"]


def flush_is_on() -> bool:
    """Whether this thread flushes subnormals: 1e-30 * 1e-10 (float32) is subnormal unless FTZ/DAZ are set."""
    return torch.tensor([1e-30], dtype=torch.float32).mul(1e-10).item() == 0.0


def set_flush_denormal(on: bool) -> bool:
    """Set (or clear) subnormal flushing in this thread and in every thread of torch's OpenMP pool.

    Returns whether the CPU supports it (``torch.set_flush_denormal``'s answer). Threads created later inherit the
    setting from the thread that creates them.
    """
    supported = torch.set_flush_denormal(on)
    threads = torch.get_num_threads()
    lib = openmp_runtime() if supported and threads > 1 else None
    if lib is not None:
        # ctypes releases the GIL for the call; each pool thread runs the callback (taking the GIL in turn)
        task = OMP_TASK(lambda _: torch.set_flush_denormal(on))
        lib.GOMP_parallel(task, None, threads, 0)
    return supported


@contextlib.contextmanager
def flushing_denormals():
    """Flush float32/float64 subnormals to zero (x86 FTZ/DAZ) in every torch thread for the duration; yields whether
    the CPU supports it. Restores the previous setting afterwards, also after an error.

    >>> with flushing_denormals() as supported:
    ...     flushed = torch.tensor([1e-30]).mul(1e-10).item()
    >>> flushed == 0.0 or not supported
    True
    """
    before = flush_is_on()
    supported = set_flush_denormal(True)
    try:
        yield supported
    finally:
        set_flush_denormal(before)


def flushing_denormals_for_cells(run):
    """Decorator for a cell's training function: run it under ``flushing_denormals`` and note that in the record."""
    @functools.wraps(run)
    def wrapped(*args, **kwargs) -> dict:
        with flushing_denormals() as flushed:
            record = run(*args, **kwargs)
        record["machine"]["flush_denormal"] = flushed
        return record
    return wrapped
