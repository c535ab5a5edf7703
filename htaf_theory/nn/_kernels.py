"""The fused kernels of the torch layer (private): the native ones first, else the formulas of ``_formulas``
(the forward, h', the step and the STE surrogates) with their lazy ``torch.compile``.

``_run`` tries the native C kernels first (float32 on the CPU; ``_native``), then these formulas: each compiled
once, lazily, with dynamic shapes; inputs smaller than ``EAGER_BELOW`` elements run them eagerly (a compiled call
costs ~0.1 ms of guards and dispatch, more than the work below ~2^12 elements; benchmarks/bench_activation.py).
Where compilation is unavailable the formulas run eagerly after a one-time warning. Set HTAF_KERNELS=eager to force
eager mode (no native kernels either), HTAF_KERNELS=compiled to skip only the native ones.
"""
from __future__ import annotations

import warnings

import torch

from . import _native
from ._formulas import FORMULAS

_LOW_PRECISION = (torch.float16, torch.bfloat16)


# ---- lazy compilation with a one-time eager fallback -----------------------------------------

_KERNELS = FORMULAS
#: below this many elements the eager formulas are faster than a compiled call (1 and 2 threads;
#: benchmarks/bench_activation.py --eager-crossover): HTAF's training kernel compiled wins from
#: 2^11, SS's from ~2^12, the STE's from ~2^14; 2^12 is the compromise
EAGER_BELOW = 1 << 12
_compiled: dict[str, object] = {}
_warned = False


def compile_enabled() -> bool:
    """Whether the fused (compiled) kernels are used: $HTAF_KERNELS is not "eager" and torch is not already compiling."""
    return _native.kernel_choice() != "eager" and not torch.compiler.is_compiling()


def _run(name: str, *args):
    global _warned
    eager = _KERNELS[name]
    # the kernels never need autograd (the backward is written by hand); detaching also keeps one compiled graph
    # for inputs with and without requires_grad (dynamo guards on it: inference after training recompiled)
    args = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
    out = _native.run(name, *args)        # float32 CPU tensors with a native kernel; else None
    if out is not None:
        return out
    if args[0].numel() < EAGER_BELOW or not compile_enabled() or _compiled.get(name) is eager:
        return eager(*args)
    fn = _compiled.get(name)
    if fn is None:
        # dynamic shapes (no recompilation when the batch size changes) and, with cpp.dynamic_threads, an
        # OpenMP region in the generated loop: without it inductor emits a serial loop for symbolic sizes
        # (one thread, ~3x slower at 2^23 on 2 cores; benchmarks/bench_activation.py)
        fn = _compiled[name] = torch.compile(eager, dynamic=True, fullgraph=True, options={"cpp.dynamic_threads": True})
        if len(_compiled) == 1:         # the first compile of this process: say once why it takes seconds
            _native.announce(f"compiling the {str(args[0].dtype).replace('torch.', '')} kernels with torch.compile, "
                             f"once per process (about 5 s for a layer's kernels, 18 s with a cold torch cache; "
                             f"`htaf kernels --build` warms that cache; HTAF_KERNELS=eager skips compiling)")
    try:
        return fn(*args)
    except Exception as err:  # no compiler, unsupported platform, ...: stay correct, get slower
        _compiled[name] = eager
        if not _warned:
            _warned = True
            warnings.warn(f"htaf_theory.nn: torch.compile unavailable ({type(err).__name__}: {err}); "
                          "using eager kernels (same values, slower)", RuntimeWarning, stacklevel=3)
        return eager(*args)


def _compute_dtype(x: torch.Tensor) -> torch.dtype:
    return torch.float32 if x.dtype in _LOW_PRECISION else x.dtype


_SCALARS: dict = {}


def _scalar(value, like: torch.Tensor) -> torch.Tensor:
    # a tensor gain (learned) is used as it is, in the input's dtype and device: no host synchronisation
    if isinstance(value, torch.Tensor):
        return value.detach().to(dtype=like.dtype, device=like.device)
    # 0-dim tensors, not Python floats: compiled kernels then neither recompile per value
    # nor compute the scalar products in float64 (measured 1.7x slower). Cached: a network calls this with the
    # same few gains every step, and building a tensor costs microseconds (the kernels never write to it)
    key = (value, like.dtype, like.device)
    t = _SCALARS.get(key)
    if t is None:
        if len(_SCALARS) > 256:
            _SCALARS.clear()
        with torch.inference_mode(False):   # a normal tensor even if first made in inference mode
            t = _SCALARS[key] = torch.tensor(value, dtype=like.dtype, device=like.device)
    return t


def kernel_status() -> list[str]:
    """Lines saying which kernels this process uses and where the native ones are kept (``htaf kernels``)."""
    built = sorted(p.name for p in _native.kernel_cache_dir().glob("htaf_native_*.so"))
    return [f"kernel choice: {_native.kernel_choice()} (HTAF_KERNELS); native cache: {_native.kernel_cache_dir()}",
            f"native libraries built: {', '.join(built) if built else 'none yet (htaf kernels --build)'}"]

