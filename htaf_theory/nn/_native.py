"""Native float32 kernels (private): ``_native.c`` compiled once per machine with the system C compiler, run via ctypes.

The kernels (``KINDS``) are HTAF's h, (h, h') and g h', the scaled sigmoid's s and (s, s'), g times a sigmoid's slope
(ScaledSigmoid's recomputing backward, the STE sigmoid and tanh surrogates) and the step: the formulas of
``_formulas`` (paper eq. (1) and its derivative), with an inlined exp that the compiler vectorizes alongside the rest;
faster than inductor's fusion of the same formulas, whose exp is an out-of-line Sleef call, and a call costs
microseconds instead of a compiled graph's guards (benchmarks/bench_activation.py, docs/performance.md). float32 CPU
tensors only; everything else runs ``_formulas`` through ``_kernels`` (eager or compiled).

The shared library lives in ``$HTAF_KERNEL_CACHE`` or ``<cache dir>/kernels`` (``htaf_theory.outputs.default_cache_dir``),
named by a hash of the source, the compiler, its flags and the CPU's feature flags (``-march=native`` code must not
run on another CPU sharing the folder); it is written to a temporary file and renamed, so concurrent workers are
safe. After loading, a self-check compares it with the torch formulas on a few hundred values; a library that fails
it, or no working compiler, leaves the torch kernels in charge after a one-time warning. ``HTAF_KERNELS=compiled``
turns the native kernels off (``HTAF_KERNELS=eager`` too: it asks for the eager torch formulas).
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import torch

from ..outputs import default_cache_dir
from ..validation import InvalidParameterError
from ._formulas import (_htaf_backward, _htaf_forward, _htaf_forward_and_grad, _ss_backward, _ss_forward,
                        _ss_forward_and_grad, _ste_tanh_backward, _step_forward)
from ._openmp import gomp_parallel_address

SOURCE = Path(__file__).with_name("_native.c")


def c_enum(source: str) -> dict[str, int]:
    """The C source's ``enum kind { NAME = value, ... }`` as {NAME: value}: the one definition of the kernel numbers.

    >>> c_enum("enum kind { HTAF_FWD = 0, STEP_FWD = 5 };")
    {'HTAF_FWD': 0, 'STEP_FWD': 5}
    """
    found = re.search(r"enum\s+kind\s*\{([^}]*)\}", source)
    if found is None:
        raise ValueError("the C source has no 'enum kind { ... }'")
    return {name.strip(): int(value) for name, value in (item.split("=") for item in found.group(1).split(",") if item.strip())}


_ENUM = c_enum(SOURCE.read_text())
#: kernel name (as in ``_formulas.FORMULAS``) -> (the C enum value, read from the C source's ``enum kind``; number of
#: outputs; whether a gradient is passed; the C parameters p0, p1 from the kernel's gains)
KINDS = {"htaf_fwd": (_ENUM["HTAF_FWD"], 1, False, lambda a, b: (a, b)),
         "htaf_fwd_grad": (_ENUM["HTAF_FWD_GRAD"], 2, False, lambda a, b: (a, b)),
         "htaf_bwd": (_ENUM["HTAF_BWD"], 1, True, lambda a, b: (a, b)),
         "ss_fwd": (_ENUM["SS_FWD"], 1, False, lambda gamma: (gamma, 0.0)),
         "ss_fwd_grad": (_ENUM["SS_FWD_GRAD"], 2, False, lambda gamma: (gamma, 0.0)),
         "ss_bwd": (_ENUM["SIGMOID_SLOPE_BWD"], 1, True, lambda gamma: (gamma, 0.0)),
         "ste_sigmoid_bwd": (_ENUM["SIGMOID_SLOPE_BWD"], 1, True, lambda k: (k, 0.0)),
         "ste_tanh_bwd": (_ENUM["SIGMOID_SLOPE_BWD"], 1, True, lambda k: (2.0 * k, 0.0)),
         "step_fwd": (_ENUM["STEP_FWD"], 1, False, lambda: (0.0, 0.0))}
#: below this many elements one thread (a parallel region costs a few microseconds); the C code also splits work in
#: blocks of 16,384 elements, so smaller inputs never use more than one thread anyway
PARALLEL_FROM = 1 << 15
#: always: optimise, keep IEEE values (no -ffast-math: NaN and signed zeros matter) but allow FMA contraction, inline
#: math without errno, and selects computed on both sides (-fno-trapping-math: without it GCC does not if-convert the
#: loop for AVX2, which then runs 4.5x slower; the exception flags are never read)
BASE_FLAGS = ("-O3", "-std=c11", "-fPIC", "-shared", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=fast")
#: tried in this order: this CPU's full vector width (GCC prefers 256-bit vectors on AVX-512 machines; 512 measured
#: 1.3x faster here), then this CPU's instructions. No portable build: without the CPU's vector rounding and FMA the
#: loop is not vectorized and runs slower than the inductor kernel (benchmarks/bench_activation.py --native-builds)
TUNING_FLAGS = (("-march=native", "-mprefer-vector-width=512"), ("-march=native",))


def tuning_flags(march: str = "native") -> tuple:
    """TUNING_FLAGS, or with ``march`` in place of ``native`` (e.g. ``x86-64-v3``: what an AVX2 machine compiles, to
    measure it on this one with ``compile_library(source, tunings=tuning_flags("x86-64-v3"))``; the CPU must run the
    instructions it names; ``benchmarks/bench_activation.py --march``)."""
    march = str(march).strip()
    if not march or march == "native":
        return TUNING_FLAGS
    if not all(c.isalnum() or c in "-_." for c in march):
        raise InvalidParameterError(f"march must name one -march target (letters, digits, - _ .); got march={march!r}")
    return tuple(tuple(f"-march={march}" if f == "-march=native" else f for f in flags) for flags in TUNING_FLAGS)


_state: dict = {}            # "lib": the loaded library or None; "error": why not


#: the environment variable choosing the kernels: native (default: the C kernels where they apply, else compiled),
#: compiled (the torch formulas compiled by inductor) or eager (the plain torch formulas)
KERNELS_ENV = "HTAF_KERNELS"
KERNEL_CHOICES = ("native", "compiled", "eager")


def kernel_choice() -> str:
    """$HTAF_KERNELS: "native" (default), "compiled" or "eager"; anything else is refused by name."""
    value = os.environ.get(KERNELS_ENV, "native").strip() or "native"
    if value not in KERNEL_CHOICES:
        raise InvalidParameterError(f"{KERNELS_ENV} must be one of {KERNEL_CHOICES}; got {KERNELS_ENV}={value!r}")
    return value


def native_enabled() -> bool:
    """Whether native kernels may be used: $HTAF_KERNELS is "native" (the default) and torch is not tracing."""
    return kernel_choice() == "native" and not torch.compiler.is_compiling()


def kernel_cache_dir() -> Path:
    """Where compiled kernels are kept: $HTAF_KERNEL_CACHE, else ``default_cache_dir()/kernels``."""
    env = os.environ.get("HTAF_KERNEL_CACHE")
    return Path(env) if env else default_cache_dir() / "kernels"


def _compiler() -> str | None:
    """$CC (may hold a launcher or flags: ``ccache gcc``), else the first of cc, gcc, clang on the PATH."""
    return os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")


def _cpu_features() -> str:
    """This CPU's feature flags (Linux), or the platform's description: part of the library's name."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def compile_library(source: str, folder: Path | None = None, tunings=None) -> Path:
    """Compile C ``source`` into a shared library in ``folder`` (default ``kernel_cache_dir()``), or reuse it.

    ``tunings``: the flag sets added to ``BASE_FLAGS``, tried in order (default ``tuning_flags()``). Returns the
    library's path; raises
    RuntimeError with the compiler's messages if no flag set works.
    """
    tunings = tuning_flags() if tunings is None else tunings
    cc = _compiler()
    if cc is None:
        raise RuntimeError("no C compiler found (set CC, or install cc/gcc/clang)")
    folder = Path(folder) if folder is not None else kernel_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    command = shlex.split(cc)
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60).stdout.split("\n")[0]
    errors = []
    for tuning in tunings:
        flags = BASE_FLAGS + tuning
        key = hashlib.sha256("\0".join([source, cc, version, *flags, platform.machine(), _cpu_features()]).encode())
        target = folder / f"htaf_native_{key.hexdigest()[:20]}.so"
        if target.exists():
            return target
        announce(f"building the native float32 kernels once for this machine into {folder} (a few seconds; "
                 f"`htaf kernels --build` does it ahead)")
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            src = Path(tmp) / "htaf_native.c"
            src.write_text(source)
            built = Path(tmp) / target.name
            result = subprocess.run([*command, *flags, "-o", str(built), str(src), "-lm"], capture_output=True,
                                    text=True, timeout=300)
            if result.returncode == 0:
                os.replace(built, target)        # atomic: a concurrent worker sees the whole file or none
                return target
            errors.append(f"{' '.join(flags)}: {result.stderr.strip()[-400:]}")
    raise RuntimeError(f"{cc} could not compile the native kernels:\n" + "\n".join(errors))


def announce(message: str) -> None:
    """One line on stderr when a kernel is built (seconds of a first call the user would otherwise not understand);
    HTAF_QUIET=1 silences it."""
    if os.environ.get("HTAF_QUIET", "") not in ("1", "true", "yes"):
        print(f"htaf_theory: {message}", file=sys.stderr, flush=True)


def load_library(path: Path):
    """Load a compiled kernel library and declare its entry point's C signature."""
    lib = ctypes.CDLL(str(path))
    lib.htaf_native_run.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_ssize_t, ctypes.c_float, ctypes.c_float, ctypes.c_uint, ctypes.c_void_p]
    lib.htaf_native_run.restype = None
    return lib


def kernel_path() -> str:
    """Which float32 CPU kernels the torch layer runs in this process: ``"native c"`` (the C library's loops),
    ``"torch"`` (the torch formulas: HTAF_KERNELS=compiled or eager, or no library), or ``"unused"`` (no activation
    has asked for the library yet; nothing is compiled to find out). Results move with rounding, so every training
    record stores this (an older record may say ``"native avx512"``: an intrinsics path that gave the same bits as
    the C loops; see CHANGELOG)."""
    if not native_enabled():
        return "torch"
    if "lib" not in _state:
        return "unused"
    lib = _state["lib"]
    if lib is None:
        return "torch"
    return "native c"


def call(lib, name: str, x: torch.Tensor, g: torch.Tensor | None, p0: float = 0.0, p1: float = 0.0,
         threads: int | None = None):
    """Run kernel ``name`` of ``lib`` on float32 CPU tensors with the C parameters p0, p1 (``KINDS``); returns one
    tensor or a pair, shaped like ``x``.

    ``threads``: default torch's thread count from ``PARALLEL_FROM`` elements up (one below); more than one needs
    torch's OpenMP runtime (else None is returned: the caller uses another kernel).
    """
    kind, outputs = KINDS[name][:2]
    x = x.contiguous()
    if g is not None:
        g = g.contiguous()
    n = x.numel()
    if threads is None:
        threads = torch.get_num_threads() if n >= PARALLEL_FROM else 1
    gomp = gomp_parallel_address() if threads > 1 else None
    if threads > 1 and gomp is None:
        return None
    out0 = torch.empty_like(x)
    out1 = torch.empty_like(x) if outputs == 2 else None
    lib.htaf_native_run(kind, x.data_ptr(), None if g is None else g.data_ptr(), out0.data_ptr(),
                        None if out1 is None else out1.data_ptr(), n, p0, p1, threads, gomp)
    return out0 if out1 is None else (out0, out1)


def self_check(lib) -> str | None:
    """None if ``lib`` agrees with the eager torch formulas of ``_formulas`` (float32) on a few hundred values spanning
    the regimes (both tanh branches, saturation, subnormal and zero tails, +-inf, NaN); else what differs.

    A guard against a miscompiled or foreign library, not an accuracy test (tests/test_native.py compares both with
    mpmath): 64 ulps, or 2^-126 absolute (below that, a thread that flushes subnormals returns 0).
    """
    grid = torch.cat([torch.linspace(-3, 3, 241), torch.logspace(-8, 2, 41), -torch.logspace(-8, 2, 41),
                      torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan")])])
    x = grid.to(torch.float32)
    g = torch.linspace(-2, 2, x.numel(), dtype=torch.float32)
    a, b, gamma = torch.tensor(11.0), torch.tensor(2.0), torch.tensor(22.0)
    expected = {"htaf_fwd": (_htaf_forward(x, a, b),), "htaf_fwd_grad": _htaf_forward_and_grad(x, a, b),
                "htaf_bwd": (_htaf_backward(x, g, a, b),), "ss_fwd": (_ss_forward(x, gamma),),
                "ss_fwd_grad": _ss_forward_and_grad(x, gamma),
                "ss_bwd": (_ss_backward(x, g, gamma),), "ste_tanh_bwd": (_ste_tanh_backward(x, g, gamma),),
                "step_fwd": (_step_forward(x),)}
    gains = {"htaf_fwd": (a, b), "htaf_fwd_grad": (a, b), "htaf_bwd": (a, b), "step_fwd": ()}
    for name, refs in expected.items():
        _, _, takes_grad, params = KINDS[name]
        got = call(lib, name, x, g if takes_grad else None, *params(*(float(p) for p in gains.get(name, (gamma,)))),
                   threads=1)
        got = (got,) if isinstance(got, torch.Tensor) else got
        for out, ref in zip(got, refs):
            tol = 64 * torch.finfo(torch.float32).eps * ref.abs() + 2.0 ** -126
            bad = ~((out - ref).abs() <= tol) & ~(out.isnan() & ref.isnan())
            if bad.any():
                i = int(bad.nonzero()[0])
                return f"{name} at x = {float(x[i])!r}: native {float(out[i])!r}, torch formulas {float(ref[i])!r}"
    return None


def library():
    """The native kernel library, compiled and self-checked on first use; None (after one warning) if unavailable."""
    if "lib" not in _state:
        lib, error = None, None
        try:
            lib = load_library(compile_library(SOURCE.read_text()))
            error = self_check(lib)
            if error is not None:
                lib, error = None, f"the compiled library disagrees with the torch formulas: {error}"
        except (OSError, RuntimeError, subprocess.SubprocessError) as err:
            error = f"{type(err).__name__}: {err}"
        _state["lib"], _state["error"] = lib, error
        if error is not None:
            warnings.warn(f"htaf_theory.nn: native kernels unavailable ({error}); using the torch kernels (same "
                          "values, slower)", RuntimeWarning, stacklevel=3)
    return _state["lib"]


def run(name: str, *args):
    """Kernel ``name`` on ``_kernels``' arguments (x, [gradient,] gains as 0-dim tensors), natively if it applies (a
    native kernel, float32 CPU tensors of one shape, the library available); else None."""
    if name not in KINDS or not native_enabled():
        return None
    _, _, takes_grad, params = KINDS[name]
    x, g = args[0], (args[1] if takes_grad else None)
    if x.dtype != torch.float32 or x.device.type != "cpu":
        return None
    if g is not None and (g.dtype != torch.float32 or g.device.type != "cpu" or g.shape != x.shape):
        return None
    lib = library()
    return None if lib is None else call(lib, name, x, g, *params(*(float(p) for p in args[2 if takes_grad else 1:])))
