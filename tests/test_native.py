"""Tests for htaf_theory.nn._native: the compiled C kernels against the float64 core, threads, fallbacks, wrong variants."""
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from htaf_theory import core  # noqa: E402
from htaf_theory.nn.subnormals import flush_is_on, set_flush_denormal  # noqa: E402
from htaf_theory.nn import _formulas, _native  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402

EPS32 = float(np.finfo(np.float32).eps)
TINY32 = float(np.finfo(np.float32).tiny)
SUBNORMAL_ULP = 2.0 ** -149
#: the accuracy bound of htaf_errors' units: the torch formulas themselves (eager, float32) measure up to 3.8 on GRID
#: (h' at a = 2, b = 11), the native kernels up to 4.0 (g h', same gains)
LIMIT = 5.0

pytestmark = [pytest.mark.torch,
              pytest.mark.skipif(_native._compiler() is None, reason="no C compiler: the native kernels are off")]


@pytest.fixture(autouse=True)
def keep_subnormals():
    """Gradual underflow in every thread (the tail checks below look at subnormal results), restored afterwards."""
    before = flush_is_on()
    set_flush_denormal(False)
    yield
    set_flush_denormal(before)


@pytest.fixture(scope="module")
def lib():
    lib = _native.library()
    assert lib is not None, _native._state.get("error")
    return lib


def _variant(tmp_path, old: str, new: str, tunings=_native.TUNING_FLAGS):
    """The kernel library compiled from the source with ``old`` replaced by ``new`` (a deliberately wrong variant)."""
    source = _native.SOURCE.read_text()
    assert source.count(old) == 1, old
    return _native.load_library(_native.compile_library(source.replace(old, new), tmp_path, tunings=tunings))


GRID = np.concatenate([np.linspace(-40, 40, 16001), np.geomspace(1e-12, 40, 2001), -np.geomspace(1e-12, 40, 2001)])


def htaf_errors(lib, a: float, b: float, threads: int = 1) -> dict:
    """Max errors of the native h, h' and g h' against the float64 core, on GRID rounded to float32.

    Where the reference is a normal float32: in eps times the condition number max(1, a|tanh bx|, 2b|x|) (rounding of
    b x and of the exponents); where it is subnormal: in units of the smallest subnormal times max(1, 4ab) (gradual
    underflow: e1 = e^{-2|bx|} is subnormal there too, and h' = 4ab e1 ... scales its last-bit rounding)."""
    x = torch.from_numpy(GRID.astype(np.float32))
    g = torch.linspace(-2, 2, x.numel())
    xn = x.double().numpy()
    value, slope = _native.call(lib, "htaf_fwd_grad", x, None, a, b, threads=threads)
    refs = {"h": (value, core.htaf(xn, a, b)), "h'": (slope, core.htaf_grad(xn, a, b)),
            "g h'": (_native.call(lib, "htaf_bwd", x, g, a, b, threads=threads), g.double().numpy() * core.htaf_grad(xn, a, b)),
            "h (inference)": (_native.call(lib, "htaf_fwd", x, None, a, b, threads=threads), core.htaf(xn, a, b))}
    kappa = np.maximum.reduce([np.ones_like(xn), np.abs(a * np.tanh(b * xn)), 2 * b * np.abs(xn)])
    errors = {}
    for name, (got, ref) in refs.items():
        err = np.abs(got.double().numpy() - ref)
        normal = np.abs(ref) >= TINY32
        errors[name] = float(np.max(err[normal] / (EPS32 * kappa[normal] * np.abs(ref[normal]))))
        errors[name + " subnormal"] = float(np.max(err[~normal], initial=0.0) / (SUBNORMAL_ULP * max(1.0, 4 * a * b)))
    return errors


@pytest.mark.parametrize("a, b", [(11.0, 2.0), (2.0, 11.0), (1e3, 0.01), (0.5, 30.0), (50.0, 0.44), (1e6, 1e-5)])
def test_htaf_kernels_match_the_core_to_a_few_ulps(lib, a, b):
    errors = htaf_errors(lib, a, b)
    for name, err in errors.items():
        assert err <= LIMIT, (name, err, errors)


@pytest.mark.skipif(__import__("platform").machine() not in ("x86_64", "AMD64"), reason="x86 instruction sets")
@pytest.mark.parametrize("march", ["x86-64-v3", "x86-64-v2"])
def test_builds_for_other_x86_machines_are_as_accurate(tmp_path, march):
    # what an AVX2 machine (v3: FMA) or an older one (v2: no FMA, a*b + c in two roundings) compiles; the CPU running
    # the tests executes both
    try:
        other = _native.load_library(_native.compile_library(_native.SOURCE.read_text(), tmp_path,
                                                             tunings=((f"-march={march}",),)))
    except RuntimeError as err:
        pytest.skip(f"the compiler does not know -march={march}: {err}")
    assert _native.self_check(other) is None
    for a, b in [(11.0, 2.0), (2.0, 11.0), (1e3, 0.01)]:
        errors = htaf_errors(other, a, b)
        assert max(errors.values()) <= LIMIT, (march, a, b, errors)


def test_scaled_sigmoid_kernel_matches_the_core(lib):
    x = torch.from_numpy(GRID.astype(np.float32))
    xn = x.double().numpy()
    for gamma in (0.3, 4.0, 22.0, 55.0):
        value, slope = _native.call(lib, "ss_fwd_grad", x, None, gamma)
        assert torch.equal(_native.call(lib, "ss_fwd", x, None, gamma), value)   # the value alone (no grad)
        kappa = np.maximum(1.0, gamma * np.abs(xn))
        for got, ref in ((value, core.scaled_sigmoid(xn, gamma)), (slope, core.scaled_sigmoid_grad(xn, gamma))):
            err = np.abs(got.double().numpy() - ref)
            normal = ref >= TINY32
            assert np.all(err[normal] <= 3 * EPS32 * kappa[normal] * ref[normal]), gamma
            assert np.all(err[~normal] <= 4 * SUBNORMAL_ULP * max(1.0, gamma)), gamma   # gamma e, e subnormal


def slope_errors(lib, c_of_k, ref_slope, ks) -> float:
    """Max error of g times a sigmoid-slope kernel against the float64 ``ref_slope(x, k)``, in eps times the condition
    number max(1, c|x|) (normal results), or smallest subnormals times max(1, c) (subnormal ones)."""
    x = torch.from_numpy(GRID.astype(np.float32))
    g = torch.linspace(-2, 2, x.numel())
    worst = 0.0
    for k in ks:
        got = _native.call(lib, "ss_bwd", x, g, c_of_k(k)).double()
        ref = g.double() * ref_slope(x.double(), k)
        err = (got - ref).abs()
        c = c_of_k(k)
        normal = ref.abs() >= TINY32
        kappa = torch.clamp(c * x.double().abs(), min=1.0)
        worst = max(worst, float((err[normal] / (EPS32 * kappa[normal] * ref[normal].abs())).max()),
                    float(err[~normal].max() / (SUBNORMAL_ULP * max(1.0, 4 * c))) if (~normal).any() else 0.0)
    return worst


def test_recomputing_backwards_and_the_step(lib):
    # ScaledSigmoid's backward (and the STE sigmoid surrogate): g sigma'(gamma x); the STE tanh surrogate through the
    # same kernel with c = 2k (``KINDS``); both against float64 references
    ss = lambda x, gamma: torch.from_numpy(core.scaled_sigmoid_grad(x.numpy(), gamma))   # noqa: E731
    assert slope_errors(lib, lambda gamma: gamma, ss, (0.3, 4.0, 22.0)) <= LIMIT
    tanh = lambda x, k: _formulas._ste_tanh_backward(x, torch.ones_like(x), k)            # noqa: E731 (float64)
    assert slope_errors(lib, lambda k: _native.KINDS["ste_tanh_bwd"][3](k)[0], tanh, (0.5, 4.0)) <= LIMIT
    x = torch.tensor([-1.0, -0.0, 0.0, 1e-45, -1e-45, float("inf"), -float("inf"), float("nan")])
    assert torch.equal(_native.call(lib, "step_fwd", x, None)[:-1],
                       torch.from_numpy(core.heaviside(x.double().numpy())[:-1]).float())
    assert _native.call(lib, "step_fwd", x, None)[-1].isnan()


def test_special_inputs_are_those_of_the_torch_formulas(lib):
    x = torch.tensor([0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e38, -1e38, 1e-45, -1e-45, 3e-39])
    a, b = torch.tensor(11.0), torch.tensor(2.0)
    value, slope = _native.call(lib, "htaf_fwd_grad", x, None, 11.0, 2.0)
    ref_value, ref_slope = _formulas._htaf_forward_and_grad(x, a, b)
    torch.testing.assert_close(value, ref_value, equal_nan=True, rtol=4 * EPS32, atol=0)
    torch.testing.assert_close(slope, ref_slope, equal_nan=True, rtol=8 * EPS32, atol=0)
    assert value[4].isnan() and slope[4].isnan()
    assert slope[2] == 0 and slope[3] == 0 and value[2] == 1 / (1 + np.exp(np.float32(-11))).astype(np.float32)
    s, sp = _native.call(lib, "ss_fwd_grad", x, None, 22.0)
    torch.testing.assert_close(s, torch.sigmoid(22.0 * x), equal_nan=True, rtol=4 * EPS32, atol=0)
    assert sp[4].isnan() and sp[2] == 0


def test_shapes_layouts_and_empty_inputs(lib):
    x = torch.randn(64, 33).t()                       # not contiguous
    value = _native.call(lib, "htaf_fwd", x, None, 11.0, 2.0)
    assert value.shape == x.shape
    torch.testing.assert_close(value, _formulas._htaf_forward(x, torch.tensor(11.0), torch.tensor(2.0)))
    assert _native.call(lib, "htaf_fwd", torch.empty(0, 5), None, 11.0, 2.0).shape == (0, 5)
    assert _native.call(lib, "htaf_fwd", torch.tensor(0.0), None, 11.0, 2.0).item() == 0.5
    # through the layer: only float32 CPU inputs take the native kernels
    one = torch.tensor(1.0)
    assert _native.run("htaf_fwd", torch.zeros(3, dtype=torch.float64), one, one) is None
    assert _native.run("ste_rect_bwd", torch.zeros(3), torch.zeros(3), one) is None     # no native kernel
    assert _native.run("htaf_bwd", torch.zeros(3), torch.zeros(3, dtype=torch.float64), one, one) is None


def test_threads_give_the_same_bits_as_one_thread(lib):
    if torch.get_num_threads() < 2 or _native.gomp_parallel_address() is None:
        pytest.skip("one torch thread or no OpenMP runtime: the parallel path is not used")
    x = torch.randn(3 * 16384 + 123) * 10
    for name, g in (("htaf_fwd_grad", None), ("htaf_bwd", torch.randn_like(x)), ("ss_fwd_grad", None)):
        one = _native.call(lib, name, x, g, 11.0, 2.0, threads=1)
        many = _native.call(lib, name, x, g, 11.0, 2.0, threads=torch.get_num_threads())
        for u, v in zip(one if isinstance(one, tuple) else (one,), many if isinstance(many, tuple) else (many,)):
            assert torch.equal(u, v), name


def _flush_setup():
    if torch.get_num_threads() < 2 or _native.gomp_parallel_address() is None:
        pytest.skip("one torch thread or no OpenMP runtime: the parallel path is not used")
    return torch.full((8 * 16384,), 22.0)                 # h'(22) at a = 11, b = 2: ~1e-42, subnormal


def test_pool_threads_compute_with_the_callers_flush_setting(lib):
    x = _flush_setup()
    torch.set_flush_denormal(True)                     # this thread flushes; torch's pool threads do not
    try:
        # compared as bits: under DAZ a float comparison would read a subnormal as 0
        _, slope = _native.call(lib, "htaf_fwd_grad", x, None, 11.0, 2.0, threads=torch.get_num_threads())
        assert torch.all(slope.view(torch.int32) == 0), "every block flushed, whichever thread computed it"
    finally:
        torch.set_flush_denormal(False)


@pytest.mark.perf      # the control depends on thread scheduling: a pool thread must take a block (a loaded machine may not)
def test_without_passing_the_flush_setting_pool_threads_leave_subnormals(lib, tmp_path):
    x = _flush_setup()
    torch.set_flush_denormal(True)
    try:
        # the wrong variant, without passing the control word to the pool threads, leaves subnormals in the blocks a
        # pool thread took (blocks are taken first come: a late-waking thread may take none in one call)
        wrong = _variant(tmp_path, "    _mm_setcsr(j->csr);\n", "")
        leaks = [_native.call(wrong, "htaf_fwd_grad", x, None, 11.0, 2.0, threads=torch.get_num_threads())[1]
                 .view(torch.int32).ne(0).any() for _ in range(20)]
        assert any(leaks)
    finally:
        torch.set_flush_denormal(False)


def _thp_mode() -> str | None:
    """Linux's transparent huge page mode (always, madvise, never), or None where there is no such setting."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return f.read().split("[")[1].split("]")[0]
    except (OSError, IndexError):
        return None


def huge_page_kib(t: torch.Tensor) -> int:
    """KiB of transparent huge pages backing ``t``'s memory (/proc/self/smaps: the mappings overlapping it)."""
    return _huge_page_kib_between(t.data_ptr(), t.data_ptr() + t.numel() * t.element_size())


def _linux_gives_huge_pages() -> bool:
    """Whether Linux backs a freshly advised 8 MiB mapping with huge pages now (it may not, if memory is fragmented)."""
    import ctypes
    import mmap
    if not hasattr(mmap, "MADV_HUGEPAGE"):
        return False
    region = mmap.mmap(-1, 8 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)   # shared memory has its own THP rule
    try:
        region.madvise(mmap.MADV_HUGEPAGE)
        region.write(b"\1" * (8 << 20))
        view = ctypes.c_char.from_buffer(region)
        start = ctypes.addressof(view)
        del view                                       # an exported buffer would keep the mapping from closing
        return _huge_page_kib_between(start, start + (8 << 20)) > 0
    finally:
        region.close()


def _huge_page_kib_between(lo: int, hi: int) -> int:
    total, inside = 0, False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                start, end = (int(v, 16) for v in head.split("-"))
                inside = start < hi and end > lo
            elif inside and head == "AnonHugePages:":
                total += int(line.split()[1])
    return total


#: run in a fresh process: there a 2^23-value output is a fresh mapping. In a long-lived process it may come from
#: the heap's free top instead (e.g. after experiments.memory.keep_freed_memory), pages an earlier call advised
_HUGE_PAGE_PROBE = """
import sys
sys.path.insert(0, sys.argv[1])
import torch
import test_native
from htaf_theory.nn import _native
lib = _native.load_library(sys.argv[2])
outs = _native.call(lib, sys.argv[3], torch.randn(2 ** 23), None, 11.0, 2.0, threads=1)
outs = outs if isinstance(outs, tuple) else (outs,)
print(min(test_native.huge_page_kib(o) for o in outs), int(test_native._linux_gives_huge_pages()))
"""


def _huge_page_probe(library: Path, kernel: str) -> tuple[int, bool]:
    """(KiB of huge pages under the smaller output, whether a control mapping got any) in a fresh process."""
    done = subprocess.run([sys.executable, "-c", _HUGE_PAGE_PROBE, str(Path(__file__).parent), str(library), kernel],
                          capture_output=True, text=True, check=True, timeout=300)
    kib, control = done.stdout.split()[-2:]
    return int(kib), control == "1"


@pytest.mark.perf
def test_large_outputs_are_backed_by_huge_pages(tmp_path):
    mode = _thp_mode()
    if mode not in ("always", "madvise"):
        pytest.skip(f"transparent huge pages unavailable (mode {mode})")
    kib, control = _huge_page_probe(_native.compile_library(_native.SOURCE.read_text()), "htaf_fwd_grad")
    if kib == 0:
        # the control: the same advice from Python on a fresh mapping. If it got huge pages, the kernel's were missing
        assert not control, "huge pages available, but the kernel's outputs have none"
        pytest.skip("Linux gives no huge pages right now (fragmented memory?)")
    if mode == "madvise":                              # the wrong variant, without the advice, faults 4 KiB pages
        source = _native.SOURCE.read_text()
        old = "    advise_huge_pages(out0, n * (ptrdiff_t)sizeof(float));\n"
        assert old in source
        assert _huge_page_probe(_native.compile_library(source.replace(old, ""), tmp_path), "htaf_fwd")[0] == 0


def test_large_outputs_in_huge_page_blocks_give_the_same_bits_as_one_thread(lib, tmp_path):
    if torch.get_num_threads() < 2 or _native.gomp_parallel_address() is None:
        pytest.skip("one torch thread or no OpenMP runtime: the parallel path is not used")
    # from 32 MiB the threads take blocks of one huge page each, aligned to the output's pages (the first block is
    # cut at the output's start): every element still computed once
    x = torch.randn(2 ** 23 + 1000) * 10
    for n in (2 ** 23, 2 ** 23 + 1, 2 ** 23 + 1000):          # lengths that are not whole blocks
        one = _native.call(lib, "htaf_fwd_grad", x[:n], None, 11.0, 2.0, threads=1)
        many = _native.call(lib, "htaf_fwd_grad", x[:n], None, 11.0, 2.0, threads=torch.get_num_threads())
        assert torch.equal(one[0], many[0]) and torch.equal(one[1], many[1]), n
    # the wrong variant whose first block starts at the output's first 2 MiB boundary leaves the elements before it
    # (on new inputs: a fresh output may reuse the memory of a freed one that holds the right values for x)
    wrong = _variant(tmp_path, "/ sizeof(float)) - j.block;", "/ sizeof(float));")
    x2 = x[:n] * 0.5
    left = _native.call(wrong, "htaf_fwd_grad", x2, None, 11.0, 2.0, threads=2)[0]
    assert not torch.equal(left, _native.call(lib, "htaf_fwd_grad", x2, None, 11.0, 2.0, threads=1)[0])


@pytest.mark.parametrize("old, new, broken", [
    # a degree-5 polynomial for e^s (two terms dropped): ~20 ulps
    ("static const float EXP_POLY[] = {0.000198527617612853646278381f, 0.00139304355252534151077271f,\n"
     "                                 ", "static const float EXP_POLY[] = {", "h'"),
    # ln 2 in one float32 constant (no Cody-Waite split): the reduced argument loses q * 2^-24 ln 2
    ("#define EXP_LN2_LO 1.428606765330187045e-06f", "#define EXP_LN2_LO 0.0f", "h'"),
])
def test_wrong_exps_are_rejected(tmp_path, old, new, broken):
    assert_broken(_variant(tmp_path, old, new), broken)


@pytest.mark.parametrize("old, new, broken", [
    # 2^q as one factor: wrong (no exponent left) once q < -126, i.e. for every subnormal result
    ("bits_to_float(biased << 23) * 0x1p-64f;", "bits_to_float((biased - 64) << 23);", "h' subnormal"),
    # tanh as (1 - e1)/(1 + e1) everywhere: 1 - e1 cancels near 0 (a = 1000: a ulps)
    ("return t == EXP_SHIFTER ? p : *e1 - 1.0f;", "return *e1 - 1.0f;", "h"),
])
def test_wrong_variants_of_the_c_loops_are_rejected(tmp_path, old, new, broken):
    assert_broken(_variant(tmp_path, old, new), broken)


def assert_broken(wrong, broken: str) -> None:
    """The wrong library's error named ``broken`` (an htaf_errors key) exceeds LIMIT at a = 11, b = 2 or a = 1000, b = 0.01."""
    errors = {}
    for a, b in [(11.0, 2.0), (1e3, 0.01)]:
        for name, err in htaf_errors(wrong, a, b).items():
            errors[name] = max(errors.get(name, 0.0), err)
    assert errors[broken] > LIMIT, errors


def test_a_wrong_slope_is_rejected(tmp_path):
    # the slope from the output, r (1 - r): cancels to 0 where r rounds to 1
    wrong = _variant(tmp_path, "float slope = c * e * r * r;", "float slope = c * r * (1.0f - r);")
    ss = lambda x, gamma: torch.from_numpy(core.scaled_sigmoid_grad(x.numpy(), gamma))   # noqa: E731
    assert slope_errors(wrong, lambda gamma: gamma, ss, (4.0,)) > LIMIT


def test_self_check_refuses_a_wrong_library(tmp_path):
    assert "htaf_fwd" in _native.self_check(_variant(tmp_path, "float value = y >= 0.0f ? r2 : e2 * r2;",
                                                     "float value = r2;"))


def test_without_the_library_the_layer_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(_native, "_state", {})
    monkeypatch.setattr(_native, "compile_library", lambda source: tmp_path / "missing.so")
    monkeypatch.setenv("HTAF_KERNELS", "native")
    x = torch.randn(100)
    with pytest.warns(RuntimeWarning, match="native kernels unavailable"):
        from htaf_theory.nn import htaf
        value = htaf(x, 11.0, 2.0)
    torch.testing.assert_close(value, _formulas._htaf_forward(x, torch.tensor(11.0), torch.tensor(2.0)))
    assert _native.library() is None                  # decided once: no second warning, no second compile


def test_kernel_path_names_the_loops_that_run(lib, monkeypatch):
    assert _native.kernel_path() == "native c"
    monkeypatch.setenv("HTAF_KERNELS", "compiled")
    assert _native.kernel_path() == "torch"
    monkeypatch.setenv("HTAF_KERNELS", "fast")
    with pytest.raises(InvalidParameterError, match="HTAF_KERNELS must be one of"):
        _native.kernel_choice()


def test_the_library_builds_for_another_machine(tmp_path):
    flags = _native.tuning_flags("x86-64-v3")
    assert flags == (("-march=x86-64-v3", "-mprefer-vector-width=512"), ("-march=x86-64-v3",))
    if platform.machine() in ("x86_64", "AMD64"):
        other = _native.load_library(_native.compile_library(_native.SOURCE.read_text(), tmp_path, tunings=flags))
        assert _native.self_check(other) is None
    assert _native.tuning_flags("native") == _native.tuning_flags() == _native.TUNING_FLAGS
    with pytest.raises(InvalidParameterError, match="march must name one"):
        _native.tuning_flags("x86-64 -O0")


def test_the_library_is_built_once_per_source_and_reused(tmp_path):
    source = _native.SOURCE.read_text()
    first = _native.compile_library(source, tmp_path)
    stamp = first.stat().st_mtime_ns
    assert _native.compile_library(source, tmp_path) == first and first.stat().st_mtime_ns == stamp
    assert _native.compile_library(source + "\n/* changed */\n", tmp_path) != first
    assert not [p for p in tmp_path.iterdir() if not p.name.endswith(".so")], "no temporary files left"


def test_no_compiler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_native, "_compiler", lambda: None)
    with pytest.raises(RuntimeError, match="no C compiler"):
        _native.compile_library("int x;", tmp_path)
    monkeypatch.setattr(_native, "_compiler", lambda: shutil.which("cc") or shutil.which("gcc"))
    with pytest.raises(RuntimeError, match="could not compile"):
        _native.compile_library("this is not C", tmp_path)
    # $CC may carry a launcher or flags ("ccache gcc", "gcc -Wall")
    monkeypatch.setattr(_native, "_compiler", lambda: (shutil.which("cc") or shutil.which("gcc")) + " -Wall")
    assert _native.compile_library("int answer(void) { return 42; }", tmp_path).exists()


def test_the_kernel_numbers_come_from_the_c_source():
    numbers = _native.c_enum(_native.SOURCE.read_text())
    assert {kind for kind, *_ in _native.KINDS.values()} == set(numbers.values())   # every C kind used, none invented
    assert len(set(numbers.values())) == len(numbers)
    with pytest.raises(ValueError, match="enum kind"):
        _native.c_enum("int main(void) { return 0; }")
