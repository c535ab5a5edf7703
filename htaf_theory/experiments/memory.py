"""Freed memory kept in the process while cells train (glibc's malloc tuned once per process).

A training epoch allocates and frees the same few-MB tensors (activations, their gradients, h') every step. glibc's
malloc gives blocks above its mmap threshold fresh mappings, and returns free memory at the top of its heap to the
system above its trim threshold; both thresholds adapt to the program, but tensors of a few MB freed in pairs keep
being returned, and every new tensor then faults its pages in again. Measured on a (2924, 256) float32
pre-activation (the abalone trainer's first layer), 2 threads: one HTAF training forward took 1,433 minor page
faults and 2.6 ns per value, against 15 faults and 0.7 ns per value with the memory kept
(``python benchmarks/bench_training.py --split``, docs/performance.md). Set ``HTAF_RETAIN_MEMORY=0`` to leave malloc
alone. The cost: the process keeps its peak heap (no trimming) until it exits.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

__all__ = ["retain_freed_memory", "retaining_freed_memory_for_cells"]

# mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: glibc's largest mmap threshold on 64-bit (DEFAULT_MMAP_THRESHOLD_MAX): larger tensors still get their own mapping
MMAP_THRESHOLD = 32 << 20
#: free heap kept before trimming: far above a cell's working set
TRIM_THRESHOLD = 1 << 30
_applied: list = []          # [whether malloc was tuned], decided once per process


def retain_freed_memory() -> bool:
    """Tune glibc's malloc (``mallopt``) to keep freed memory for reuse; once per process. Returns whether it is tuned
    (False: not glibc, or ``HTAF_RETAIN_MEMORY=0``).

    >>> isinstance(retain_freed_memory(), bool)
    True
    """
    if os.environ.get("HTAF_RETAIN_MEMORY", "1") == "0":
        return bool(_applied and _applied[0])
    if not _applied:
        try:
            mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        except (OSError, AttributeError):       # not glibc (macOS, Windows, musl without mallopt)
            ok = False
        _applied.append(ok)
    return _applied[0]


def retaining_freed_memory_for_cells(run):
    """Decorator for a cell's training function: ``retain_freed_memory()`` first, and note it in the record."""
    @functools.wraps(run)
    def wrapped(*args, **kwargs) -> dict:
        retained = retain_freed_memory()
        record = run(*args, **kwargs)
        record["machine"]["malloc_retains_freed_memory"] = retained
        return record
    return wrapped
