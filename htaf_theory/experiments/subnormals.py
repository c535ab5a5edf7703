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
import ctypes
import functools
import os
import re

import torch

__all__ = ["flushing_denormals", "flushing_denormals_for_cells", "flush_is_on", "set_flush_denormal"]

_OMP_TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_runtime: list = []          # [the OpenMP library handle or None], looked up once


def flush_is_on() -> bool:
    """Whether this thread flushes subnormals: 1e-30 * 1e-10 (float32) is subnormal unless FTZ/DAZ are set."""
    return torch.tensor([1e-30], dtype=torch.float32).mul(1e-10).item() == 0.0


def _openmp_runtime():
    """The OpenMP library torch's intra-op threads belong to, or None.

    Found among the libraries mapped into this process: the one in torch's own folder (wheels bundle it), else the
    only one. Others may be loaded too (scikit-learn's wheel bundles its own libgomp, with its own thread pool).
    """
    if not _runtime:
        lib = None
        if "parallel backend: OpenMP" in torch.__config__.parallel_info():
            try:
                with open("/proc/self/maps") as maps:
                    paths = sorted({line.split()[-1] for line in maps
                                    if re.search(r"/lib(g|i|io)?omp[^/]*\.so", line.split()[-1])})
            except OSError:          # not Linux: no way to find it, the calling thread still flushes
                paths = []
            torch_dir = os.path.dirname(os.path.realpath(torch.__file__)) + os.sep
            own = [p for p in paths if os.path.realpath(p).startswith(torch_dir)]
            paths = own or (paths if len(paths) == 1 else [])
            for path in paths:
                try:
                    lib = ctypes.CDLL(path)
                    lib.GOMP_parallel.argtypes = [_OMP_TASK, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
                    lib.GOMP_parallel.restype = None
                    break
                except (OSError, AttributeError):
                    lib = None
        _runtime.append(lib)
    return _runtime[0]


def set_flush_denormal(on: bool) -> bool:
    """Set (or clear) subnormal flushing in this thread and in every thread of torch's OpenMP pool.

    Returns whether the CPU supports it (``torch.set_flush_denormal``'s answer). Threads created later inherit the
    setting from the thread that creates them.
    """
    supported = torch.set_flush_denormal(on)
    threads = torch.get_num_threads()
    lib = _openmp_runtime() if supported and threads > 1 else None
    if lib is not None:
        # ctypes releases the GIL for the call; each pool thread runs the callback (taking the GIL in turn)
        task = _OMP_TASK(lambda _: torch.set_flush_denormal(on))
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
