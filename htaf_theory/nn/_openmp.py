"""torch's OpenMP runtime (private): the library its intra-op threads belong to, found in this process.

Used to run work on torch's own thread pool from outside torch: subnormal flushing in every pool thread
(``nn.subnormals``) and the native kernels' parallel loop (``_native``), both through ``GOMP_parallel``.
"""
from __future__ import annotations

import ctypes
import functools
import os
import re

import torch

#: the C type of an OpenMP region's body: void fn(void *data)
OMP_TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_runtime: list = []          # [the OpenMP library handle or None], looked up once


def openmp_runtime():
    """The OpenMP library torch's intra-op threads belong to (a ctypes handle with ``GOMP_parallel`` typed), or None.

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
            except OSError:          # not Linux: no way to find it
                paths = []
            torch_dir = os.path.dirname(os.path.realpath(torch.__file__)) + os.sep
            own = [p for p in paths if os.path.realpath(p).startswith(torch_dir)]
            paths = own or (paths if len(paths) == 1 else [])
            for path in paths:
                try:
                    lib = ctypes.CDLL(path)
                    lib.GOMP_parallel.argtypes = [OMP_TASK, ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
                    lib.GOMP_parallel.restype = None
                    break
                except (OSError, AttributeError):
                    lib = None
        _runtime.append(lib)
    return _runtime[0]


@functools.cache
def gomp_parallel_address() -> int | None:
    """The address of torch's ``GOMP_parallel`` (for C code that opens a region on torch's pool), or None; looked up
    once (the native kernels ask on every call)."""
    lib = openmp_runtime()
    return None if lib is None else ctypes.cast(lib.GOMP_parallel, ctypes.c_void_p).value
