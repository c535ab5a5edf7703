"""Forward+backward time over sizes and thread counts: our activations beside the strongest simple baselines.

Three groups (``--groups``), each run side by side in one process and interleaved (so machine noise hits all
alike), float32:
  htaf  HTAF a=11 b=2           naive sigmoid(a*tanh(b*x)) eager, torch.compile(naive), ours (``htaf``)
  ss    ScaledSigmoid gamma=22  naive sigmoid(gamma*x) eager, torch.compile(naive), ours (``scaled_sigmoid``)
  ste   step + sigmoid surrogate k=4: naive ``H(x) + s - s.detach()`` eager, torch.compile(naive),
        ours (``heaviside_ste``)
and in every group eager ``torch.sigmoid``, the cost of the cheapest activation. "ours" runs what a user gets: for
float32 on CPU the native C kernels (``htaf_theory.nn._native``) where they apply (htaf, ss); "ours (torch)" is
the same with ``HTAF_KERNELS=compiled``, the inductor-compiled formulas. "compile(naive)" uses
torch.compile's default settings: the strongest simple baseline a user would write.
Sizes 2^12 .. 2^24; threads 1 and all. Medians of ``--repeats`` after warm-up (compilation is not timed).
Per candidate the speed-up from 1 thread to all threads at the largest size says whether its kernels ran in
parallel. The CPU model is printed: ratios differ between machines (AMD/Intel, AVX2/AVX-512, cache sizes).

``--eager-crossover`` instead times our formulas eagerly and compiled at small sizes, the measurement behind
``htaf_theory.nn._kernels.EAGER_BELOW``. ``--breakdown P`` times the training kernel at 2^P against variants
without its exps or divisions (where the time goes). ``--native-builds P`` times the native training kernel built
for several instruction sets (this CPU at 512 and at its compiler's default vector width, AVX2, SSE4.2, portable)
beside the inductor kernel: what other x86 machines get.

Run: python benchmarks/bench_activation.py [--groups htaf,ss,ste] [--sizes 12,16,20,23,24] [--repeats 15]
     THP_MEM_ALLOC_ENABLE=1 python benchmarks/bench_activation.py   # large tensors on huge pages (fewer faults)
"""
from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import time

import torch

from machine import cpu_model  # noqa: F401  (imported from here by the other scripts)

from htaf_theory.nn import _formulas, _kernels, _native, heaviside_ste, htaf, scaled_sigmoid


def naive_htaf(x):
    return torch.sigmoid(11.0 * torch.tanh(2.0 * x))


def naive_ss(x):
    return torch.sigmoid(22.0 * x)


def naive_ste(x):
    s = torch.sigmoid(4.0 * x)
    return (x >= 0).to(x.dtype) + s - s.detach()   # the usual straight-through trick: value H(x), gradient s'


GROUPS = {
    "htaf": (naive_htaf, lambda x: htaf(x, 11.0, 2.0)),
    "ss": (naive_ss, lambda x: scaled_sigmoid(x, 22.0)),
    "ste": (naive_ste, lambda x: heaviside_ste(x, "sigmoid", 4.0)),
}


@contextlib.contextmanager
def native_kernels(on: bool = True):
    """HTAF_KERNELS set for the duration: native, or compiled (inductor's compilation of the torch formulas)."""
    before = os.environ.get("HTAF_KERNELS")
    os.environ["HTAF_KERNELS"] = "native" if on else "compiled"
    try:
        yield
    finally:
        if before is None:
            del os.environ["HTAF_KERNELS"]
        else:
            os.environ["HTAF_KERNELS"] = before


def without_native(fn):
    """``fn`` with the native kernels off for the call (see ``native_kernels``)."""
    def call(x):
        with native_kernels(False):
            return fn(x)
    return call


def saved_tensors(fn, x) -> int:
    count = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: count.append(t) or t, lambda t: t):
        fn(x)
    return len(count)


def time_fwd_bwd(fn, x, grad) -> float:
    xi = x.detach().requires_grad_(True)
    t0 = time.perf_counter()
    fn(xi).backward(grad)
    return time.perf_counter() - t0


def page_faults(fn, x, grad, repeats: int = 3) -> int:
    """Minor page faults of one forward+backward (median): fresh pages of newly allocated tensors."""
    counts = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        time_fwd_bwd(fn, x, grad)
        counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    return int(statistics.median(counts))


def medians(candidates: dict, x, grad, repeats: int) -> dict:
    for fn in candidates.values():
        for _ in range(2):
            time_fwd_bwd(fn, x, grad)
    times = {k: [] for k in candidates}
    for _ in range(repeats):
        for k, fn in candidates.items():
            times[k].append(time_fwd_bwd(fn, x, grad))
    return {k: statistics.median(v) for k, v in times.items()}


def run_group(name: str, sizes: list[int], repeats: int) -> None:
    naive, ours = GROUPS[name]
    candidates = {"sigmoid": torch.sigmoid, "naive eager": naive, "compile(naive)": torch.compile(naive),
                  "ours": ours}
    if name in ("htaf", "ss"):
        candidates["ours (torch)"] = without_native(ours)
    all_threads = torch.get_num_threads()
    print(f"\n== {name}: forward+backward, ms (saved tensors: "
          + ", ".join(f"{k} {saved_tensors(f, torch.randn(8, requires_grad=True))}" for k, f in candidates.items()) + ")")
    print(f"{'threads':>7s} {'size':>6s} " + " ".join(f"{k:>15s}" for k in candidates)
          + "   ours/sigmoid ours/compile(naive)")
    at_largest = {}
    ok: dict[str, bool | None] = {"< 1 compile(naive) at every size": None, "<= 0.8 compile(naive) from 2^18": None,
                                  "<= 1.5 sigmoid at 2^23, 2^24": None}

    def check(target: str, holds: bool) -> None:
        ok[target] = holds if ok[target] is None else (ok[target] and holds)

    for threads in sorted({1, all_threads}):
        torch.set_num_threads(threads)
        for p in sizes:
            x, grad = torch.randn(2 ** p), torch.ones(2 ** p)
            med = medians(candidates, x, grad, repeats)
            vs_sig, vs_comp = med["ours"] / med["sigmoid"], med["ours"] / med["compile(naive)"]
            check("< 1 compile(naive) at every size", vs_comp < 1)
            if p >= 18:
                check("<= 0.8 compile(naive) from 2^18", vs_comp <= 0.8)
            if p in (23, 24):
                check("<= 1.5 sigmoid at 2^23, 2^24", vs_sig <= 1.5)
            if p == max(sizes):
                at_largest[threads] = med
            print(f"{threads:7d} {'2^' + str(p):>6s} " + " ".join(f"{med[k] * 1e3:13.3f}ms" for k in candidates)
                  + f"   {vs_sig:12.2f} {vs_comp:19.2f}")
    torch.set_num_threads(all_threads)
    x, grad = torch.randn(2 ** max(sizes)), torch.ones(2 ** max(sizes))
    # beyond glibc's mmap threshold (32 MB) every new tensor is a fresh mapping whose first touch faults page by
    # page: at 2^23+ that can cost as much as the arithmetic, and it varies between runs
    print(f"minor page faults per forward+backward at 2^{max(sizes)} ({x.numel() * 4 // 4096} pages per tensor): "
          + ", ".join(f"{k} {page_faults(fn, x, grad)}" for k, fn in candidates.items()))
    if all_threads > 1:
        speedup = {k: at_largest[1][k] / at_largest[all_threads][k] for k in candidates}
        print(f"parallel at 2^{max(sizes)} (speed-up 1 -> {all_threads} threads; > 1.3 counts as parallel): "
              + ", ".join(f"{k} {s:.2f}x {'yes' if s > 1.3 else 'NO'}" for k, s in speedup.items()))
    verdict = {None: "not measured (size not run)", True: "met", False: "NOT met"}
    print("targets: " + "; ".join(f"{k}: {verdict[v]}" for k, v in ok.items()))


def _variant(exp_cost: bool, div_cost: bool):
    """A copy of the training kernel (``_htaf_forward_and_grad``) with its exps or its divisions swapped for an
    affine map of the same shape: what each costs is the difference to the full kernel."""
    def kernel(x, a, b):
        y = b * x
        u = y.abs()
        e1 = torch.exp(-2.0 * u) if exp_cost else 1.0 - 0.1 * u
        r1 = 1.0 / (1.0 + e1) if div_cost else 0.5 * e1 + 0.7
        e2 = torch.exp(-a * _formulas._tanh_abs(u, e1, r1)) if exp_cost else 1.0 - 0.05 * a * u
        r2 = 1.0 / (1.0 + e2) if div_cost else 0.5 * e2 + 0.7
        return torch.where(y >= 0, r2, e2 * r2), (4.0 * a * b) * e1 * r1 * r1 * e2 * r2 * r2
    return kernel


def breakdown(p: int, repeats: int) -> None:
    """ns per element of the compiled training kernel and of variants without its exps / divisions, 1 thread."""
    torch.set_num_threads(1)
    options = dict(dynamic=True, fullgraph=True, options={"cpp.dynamic_threads": True})
    variants = {"full kernel": _formulas._htaf_forward_and_grad, "no exps": _variant(False, True),
                "no divisions": _variant(True, False),
                "two outputs only": lambda x, a, b: (x * a, x * b), "sigmoid + derivative": lambda x, a, b: (
                    (s := torch.sigmoid(a * x)), s * (1 - s))}
    compiled = {k: torch.compile(f, **options) for k, f in variants.items()}
    x, a, b = torch.randn(2 ** p), torch.tensor(11.0), torch.tensor(2.0)
    times = {k: [] for k in compiled}
    for f in compiled.values():
        f(x, a, b)
    for _ in range(repeats):
        for k, f in compiled.items():
            t0 = time.perf_counter()
            f(x, a, b)
            times[k].append(time.perf_counter() - t0)
    print(f"\n== cost breakdown of the HTAF training kernel (h and h'), compiled, 1 thread, 2^{p} elements, ns/element")
    for k, v in times.items():
        print(f"{k:>22s} {statistics.median(v) * 1e9 / x.numel():7.2f}")


def native_builds(p: int, repeats: int) -> None:
    """ns per element of the native training kernel (h and h') built for several instruction sets, beside the
    inductor kernel, 1 thread: what a machine without AVX-512 (or with another compiler default) gets."""
    torch.set_num_threads(1)
    builds = {"native, 512-bit": ("-march=native", "-mprefer-vector-width=512"), "native (compiler default)": ("-march=native",),
              "x86-64-v3 (AVX2+FMA)": ("-march=x86-64-v3",), "x86-64-v2 (SSE4.2)": ("-march=x86-64-v2",), "portable": ()}
    source = _native.SOURCE.read_text()
    candidates = {}
    for label, flags in builds.items():
        try:
            lib = _native.load_library(_native.compile_library(source, tunings=(flags,)))
        except (OSError, RuntimeError) as err:
            print(f"{label}: not built ({str(err).splitlines()[0]})")
            continue
        candidates[label] = lambda x, lib=lib: _native.call(lib, "htaf_fwd_grad", x, None, 11.0, 2.0, threads=1)
    a, b = torch.tensor(11.0), torch.tensor(2.0)
    candidates["inductor (HTAF_KERNELS=compiled)"] = without_native(lambda x: _kernels._run("htaf_fwd_grad", x, a, b))
    x = torch.randn(2 ** p)
    times = {k: [] for k in candidates}
    for f in candidates.values():
        f(x)
    for _ in range(repeats):
        for k, f in candidates.items():
            t0 = time.perf_counter()
            f(x)
            times[k].append(time.perf_counter() - t0)
    print(f"\n== HTAF training kernel (h and h'), 1 thread, 2^{p} elements, ns/element (median of {repeats})")
    for k, v in times.items():
        print(f"{k:>26s} {statistics.median(v) * 1e9 / x.numel():7.2f}")


def eager_crossover(repeats: int) -> None:
    """Our kernels eagerly vs compiled at small sizes, 1 and all threads."""
    all_threads = torch.get_num_threads()
    default = _kernels.EAGER_BELOW
    print(f"\n== eager vs compiled kernels (EAGER_BELOW = {default}), forward+backward, ms")
    for name, (_, ours) in GROUPS.items():
        for threads in sorted({1, all_threads}):
            torch.set_num_threads(threads)
            row = []
            for p in range(10, 19):
                x, grad = torch.randn(2 ** p), torch.ones(2 ** p)
                res = {}
                for label, below in (("eager", 1 << 40), ("compiled", 0)):
                    _kernels.EAGER_BELOW = below
                    res[label] = medians({label: ours}, x, grad, repeats)[label]
                row.append(f"2^{p} {res['eager'] * 1e3:.3f}/{res['compiled'] * 1e3:.3f}")
            print(f"{name:5s} {threads} thr (eager/compiled): " + "  ".join(row))
    _kernels.EAGER_BELOW = default
    torch.set_num_threads(all_threads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default="htaf,ss,ste", help="comma-separated: htaf, ss, ste")
    parser.add_argument("--sizes", default="12,14,16,18,20,22,23,24", help="log2 of the sizes")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--eager-crossover", action="store_true", help="time eager vs compiled kernels at small sizes")
    parser.add_argument("--breakdown", type=int, metavar="P", help="cost breakdown of the training kernel at 2^P")
    parser.add_argument("--native-builds", type=int, metavar="P",
                        help="the native training kernel built for several instruction sets, at 2^P, 1 thread")
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {torch.get_num_threads()} threads available; "
          f"EAGER_BELOW = {_kernels.EAGER_BELOW}; THP_MEM_ALLOC_ENABLE={os.environ.get('THP_MEM_ALLOC_ENABLE', 'unset')} "
          "(1: torch allocates large tensors on transparent huge pages)")
    lib = _native.library() if _native.native_enabled() else None
    state = f"on ({lib._name})" if lib is not None else f"off: {_native._state.get('error', 'HTAF_KERNELS=compiled')}"
    print(f"native kernels: {state}")
    if args.eager_crossover:
        eager_crossover(args.repeats)
        return
    if args.breakdown:
        breakdown(args.breakdown, args.repeats)
        return
    if args.native_builds:
        native_builds(args.native_builds, args.repeats)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    for name in args.groups.split(","):
        run_group(name.strip(), sizes, args.repeats)


if __name__ == "__main__":
    main()
