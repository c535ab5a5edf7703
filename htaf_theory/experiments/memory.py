"""Freed memory kept in a worker process (glibc's malloc tuned once): no page faults on every training step.

A training step frees and re-allocates tensors of the same few sizes (MB each); by default glibc trims the heap and
maps large blocks afresh, so every step faults its pages in again. Measured: an f22raw budget sweep took 12-15 M
minor faults and 20-24 s of system time, with this 0.5 M and 2 s, and ~3% less core-time; one HTAF training forward
on a (2924, 256) float32 pre-activation (the abalone trainer's first layer, 2 threads) took 1,433 minor faults and
2.6 ns per value, with this 15 faults and 0.7 ns (docs/performance.md). A process-wide setting, so only processes
that exist to train cells use it: the local pool's workers (``runner``) and the training benchmark;
``keep_freed_memory(enabled=False)`` keeps glibc's defaults.
"""
from __future__ import annotations


__all__ = ["keep_freed_memory"]


def keep_freed_memory(enabled: bool = True) -> bool:
    """glibc only: keep freed heap memory in this process instead of returning it to the OS; returns whether glibc
    accepted it (False elsewhere, or with ``enabled=False``, which leaves glibc's defaults).

    >>> isinstance(keep_freed_memory(), bool)
    True
    """
    if not enabled:
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    return all(mallopt(option, value) == 1 for option, value in (
        (m_trim_threshold, 1 << 30),       # never give back less than 1 GB at the heap's top
        (m_top_pad, 64 << 20),             # grow the heap in 64 MB steps
        (m_mmap_threshold, 32 << 20)))     # blocks below 32 MB (glibc's maximum) come from the heap
