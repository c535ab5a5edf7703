"""Tests for htaf_theory.nn: agreement with the numpy core, gradcheck, extremes, binarize, compile."""
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory import core  # noqa: E402
from htaf_theory import nn as hnn  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402

EXTREMES = [float("inf"), -float("inf"), 1e30, -1e30, 1e-30, -1e-30, 0.0]


@pytest.fixture(params=["eager", "compiled", "native"])
def mode(request, monkeypatch):
    # native: float32 CPU kernels through the compiled C library (other dtypes then run compiled)
    monkeypatch.setenv("HTAF_KERNELS", request.param)
    if request.param == "native":
        if hnn._native._compiler() is None:
            pytest.skip("no C compiler: the native kernels are off")
        assert hnn._native.library() is not None, hnn._native._state.get("error")
    # compiled mode: every size through the compiled kernels (small inputs would otherwise run eagerly)
    monkeypatch.setattr(hnn._kernels, "EAGER_BELOW", 0 if request.param == "compiled" else hnn._kernels.EAGER_BELOW)
    return request.param


def test_values_and_gradients_match_numpy_core(mode):
    x = torch.linspace(-3, 3, 601, dtype=torch.float64, requires_grad=True)
    for a, b in [(11.0, 2.0), (2.0, 11.0), (8.0, 2.75), (1e3, 0.02)]:
        y = hnn.htaf(x, a, b)
        (g,) = torch.autograd.grad(y.sum(), x)
        xn = x.detach().numpy()
        # the same standard as the core: 1e-13 * max(1, kappa), kappa ~ |u| sigma(-u) + ... <= a
        kappa = np.maximum(1.0, np.abs(a * np.tanh(b * xn)))
        ref = core.htaf(xn, a, b)
        assert np.all(np.abs(y.detach().numpy() - ref) <= 1e-13 * kappa * ref)
        np.testing.assert_allclose(g.numpy(), core.htaf_grad(xn, a, b), rtol=1e-12, atol=1e-300)


def test_gradcheck_float64():
    x = torch.randn(20, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: hnn.htaf(t, 3.0, 1.5), (x,))
    a = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t, p, q: hnn.htaf(t, p, q), (x, a, b))
    assert torch.autograd.gradcheck(lambda t: hnn.scaled_sigmoid(t, 4.0), (x,))


def test_tail_gradient_not_rounded_to_zero_in_float32():
    # autograd's 1 - tanh^2 is exactly 0 in float32 for |bx| > 9; ours keeps the true value
    x = torch.tensor([6.0], requires_grad=True)
    a, b = 2.0, 2.0
    hnn.htaf(x, a, b).sum().backward()
    naive_x = torch.tensor([6.0], requires_grad=True)
    torch.sigmoid(a * torch.tanh(b * naive_x)).sum().backward()
    assert naive_x.grad.item() == 0.0
    assert x.grad.item() == pytest.approx(core.htaf_grad(6.0, a, b), rel=1e-5)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("a, b", [(1e6, 1e-6), (1e6, 1.0), (11.0, 2.0), (2.0, 1e-6), (1e-3, 1e6)])
def test_extremes_finite(dtype, a, b):
    if dtype == torch.float16 and not (a * b / 4 <= 65504 and a * b / 4 >= 6e-8):
        pytest.skip("slope a*b/4 not representable in float16")
    x = torch.tensor(EXTREMES, dtype=dtype, requires_grad=True)
    y = hnn.htaf(x, a, b)
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    assert y.dtype == dtype and x.grad.dtype == dtype
    s = torch.tensor(EXTREMES, dtype=dtype, requires_grad=True)
    hnn.scaled_sigmoid(s, 22.0).sum().backward()
    assert torch.isfinite(s.grad).all()


def test_saves_one_tensor_for_backward():
    x = torch.randn(1000, requires_grad=True)
    saved = []

    def pack(t):
        saved.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        hnn.htaf(x, 11.0, 2.0)
    assert sum(saved) == 1000 * 4


class _OpLog(torch.utils._python_dispatch.TorchDispatchMode):
    """Records the aten ops that run (to see whether the backward multiplies in place)."""

    def __init__(self):
        super().__init__()
        self.ops = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.append(str(func))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("fn", [lambda x: hnn.htaf(x, 11.0, 2.0), lambda x: hnn.scaled_sigmoid(x, 22.0)], ids=["htaf", "ss"])
def test_the_saved_derivative_backward_is_one_multiply_and_keeps_retained_graphs(fn, monkeypatch):
    x = torch.linspace(-3, 3, 5001, requires_grad=True)
    grad = torch.rand(5001)
    reference = torch.autograd.grad(fn(x), x, grad, retain_graph=True)[0].clone()
    y = fn(x)
    with _OpLog() as log:
        (g,) = torch.autograd.grad(y, x, grad)
    assert log.ops == ["aten.mul_.Tensor"]                      # freed graph: one multiply, in place, no zeros
    torch.testing.assert_close(g, reference, rtol=0, atol=0)
    # retain_graph: a second backward through the same graph sees the derivative intact
    y = fn(x)
    first = torch.autograd.grad(y, x, grad, retain_graph=True)[0]
    second = torch.autograd.grad(y, x, grad)[0]
    torch.testing.assert_close(first, reference, rtol=0, atol=0)
    torch.testing.assert_close(second, reference, rtol=0, atol=0)
    # create_graph: refused on this path (it kept h', not x; backward="double" keeps x), broadcast (expanded)
    # gradients and half precision
    with pytest.raises(RuntimeError, match="create_graph"):
        torch.autograd.grad(fn(x), x, grad, create_graph=True)
    fn(x).sum().backward()
    torch.testing.assert_close(x.grad, torch.autograd.grad(fn(x), x, torch.ones(5001), retain_graph=True)[0])
    xh = x.detach().half().requires_grad_(True)
    (gh,) = torch.autograd.grad(fn(xh), xh, grad.half())
    torch.testing.assert_close(gh.float(), reference, rtol=2e-3, atol=1e-3)
    # without torch's answer to "is the graph kept?" (the fallback "kept"): out of place, the same values
    monkeypatch.setattr(hnn.functional, "_keeps_graph", lambda: True)
    y = fn(x)
    with _OpLog() as log:
        (g,) = torch.autograd.grad(y, x, grad)
    assert log.ops == ["aten.mul.Tensor"]
    torch.testing.assert_close(g, reference, rtol=0, atol=0)
    # the wrong variant (always in place) overwrites the retained graph's derivative: the second backward fails
    monkeypatch.setattr(hnn.functional, "_keeps_graph", lambda: False)
    y = fn(x)
    torch.autograd.grad(y, x, grad, retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.autograd.grad(y, x, grad)


def test_without_the_functorch_query_the_package_keeps_x_and_stays_correct(monkeypatch):
    # the fallback answer "torch.func is active": x is saved (no saved-slope path), values and gradients unchanged
    x = torch.linspace(-3, 3, 11, dtype=torch.float64, requires_grad=True)
    reference = torch.autograd.grad(htaf(x, 5.0, 1.5).sum(), x)[0]
    monkeypatch.setattr(hnn.functional, "_functorch_active", lambda: True)
    y = htaf(x, 5.0, 1.5)
    assert y.grad_fn.name().startswith("_HTAFFunction")
    torch.testing.assert_close(torch.autograd.grad(y.sum(), x)[0], reference)
    xs = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(hnn.heaviside_ste(xs, "tanh", 2.0).sum(), xs, create_graph=True)   # no refusal now
    torch.testing.assert_close(g, torch.autograd.grad(hnn.heaviside_ste(x, "tanh", 2.0).sum(), x)[0])


def _float32_grad_error(x: torch.Tensor, a: float, b: float) -> float:
    """Max error of htaf's input gradient in float32 against the float64 core, where h' is a normal float32, in
    float32 epsilons times the condition number max(1, a|tanh(bx)|, 2b|x|) (rounding of bx and of the exponents)."""
    x = x.clone().requires_grad_(True)
    hnn.htaf(x, a, b).sum().backward()
    xn = x.detach().double().numpy()
    ref = core.htaf_grad(xn, a, b)
    kappa = np.maximum.reduce([np.ones_like(xn), np.abs(a * np.tanh(b * xn)), 2 * b * np.abs(xn)])
    normal = ref > np.finfo(np.float32).tiny
    rel = np.abs(x.grad.double().numpy()[normal] - ref[normal]) / ref[normal]
    return float(np.max(rel / (np.finfo(np.float32).eps * kappa[normal])))


def test_training_saves_h_prime_exact_in_float32_tails(mode, monkeypatch):
    # training with fixed gains: the forward's fused pass also computes h', saved instead of x (one saved tensor)
    x = torch.linspace(-40, 40, 8001)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        hnn.htaf(x.clone().requires_grad_(True), 11.0, 2.0)
    assert len(saved) == 1
    np.testing.assert_allclose(saved[0].double().numpy(), core.htaf_grad(x.double().numpy(), 11.0, 2.0), rtol=2e-6, atol=1e-44)
    # the training forward and the inference forward: both h(x) to a few float32 ulps times its condition number
    # (a = 1000: inductor's vectorized expm1, exp - 1, once cost 90 ulps here in compiled mode)
    xn = x.double().numpy()
    for a, b in [(11.0, 2.0), (1e3, 0.01), (0.5, 30.0)]:
        ref, kappa = core.htaf(xn, a, b), np.maximum(1.0, np.abs(a * np.tanh(b * xn)))
        training = hnn.htaf(x.clone().requires_grad_(True), a, b).detach()
        normal = ref > np.finfo(np.float32).tiny          # below, float32 underflows (to 0 or a subnormal)
        for value in (training, hnn.htaf(x, a, b)):
            err = np.abs(value.double().numpy() - ref)[normal]
            assert np.all(err <= 3 * np.finfo(np.float32).eps * kappa[normal] * ref[normal]), (a, b)
    for a, b in [(11.0, 2.0), (5.0, 4.72), (1e3, 0.01), (0.5, 30.0)]:
        assert _float32_grad_error(x, a, b) < 4, (a, b)
    if mode == "eager":
        # wrong variants are rejected: e1 = 1 + expm1(-2|bx|) (one exp fewer) is 0 in float32 once |bx| > 9, and
        # tanh = (1 - e1)/(1 + e1) everywhere (what inductor's exp - 1 expm1 amounts to) loses a*ulp near 0
        def shortcut(xx, a, b):
            value, _ = hnn._formulas._htaf_forward_and_grad(xx, a, b)
            em = torch.expm1(-2.0 * (b * xx).abs())
            e1, r1 = 1.0 + em, 1.0 / (2.0 + em)
            e2 = torch.exp(-a * (-em * r1))
            return value, (4.0 * a * b) * e1 * r1 * r1 * e2 / (1.0 + e2).square()
        monkeypatch.setitem(hnn._kernels._KERNELS, "htaf_fwd_grad", shortcut)
        assert _float32_grad_error(x, 2.0, 2.0) > 1e4
        monkeypatch.setattr(hnn._formulas, "_tanh_abs", lambda u, e1, r1: (1.0 - e1) * r1)
        monkeypatch.setitem(hnn._kernels._KERNELS, "htaf_fwd_grad", hnn._formulas._htaf_forward_and_grad)
        assert _float32_grad_error(x, 1e3, 0.01) > 20


@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-13), (torch.float32, 4e-6)])
def test_scaled_sigmoid_training_path_matches_the_core(mode, dtype, rtol, monkeypatch):
    # training saves sigma'(gamma x), computed in the forward's pass; exact in the tails (no 1 - sigma cancellation)
    x = torch.linspace(-30, 30, 6001, dtype=dtype, requires_grad=True)
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        y = hnn.scaled_sigmoid(x, 4.0)
    (g,) = torch.autograd.grad(y.sum(), x)
    xn = x.detach().double().numpy()
    ref, ref_grad = core.scaled_sigmoid(xn, 4.0), core.scaled_sigmoid_grad(xn, 4.0)
    tiny = np.finfo(np.float32 if dtype == torch.float32 else np.float64).tiny
    kappa = np.maximum(1.0, 4.0 * np.abs(xn))            # rounding of gamma x, amplified in the exponent
    for got, want in ((y.detach(), ref), (g, ref_grad)):
        normal = want > tiny
        assert np.all(np.abs(got.double().numpy() - want)[normal] <= rtol * kappa[normal] * want[normal])
    assert len(saved) == 1 and torch.equal(saved[0], g)
    if mode == "eager":
        # a wrong variant is rejected: the derivative from the output, gamma y (1 - y), is 0 once y rounds to 1
        def from_output(xx, gamma):
            value = torch.sigmoid(gamma * xx)
            return value, gamma * value * (1.0 - value)
        monkeypatch.setitem(hnn._kernels._KERNELS, "ss_fwd_grad", from_output)
        (wrong,) = torch.autograd.grad(hnn.scaled_sigmoid(x, 4.0).sum(), x)
        normal = ref_grad > tiny
        assert not np.all(np.abs(wrong.double().numpy() - ref_grad)[normal] <= rtol * kappa[normal] * ref_grad[normal])


def test_module_repr_state_dict_pickle():
    m = hnn.HTAF(11.0, 2.0)
    assert repr(m) == "HTAF(a=11, b=2)"
    m2 = hnn.HTAF(1.0, 1.0)
    m2.load_state_dict(m.state_dict())
    assert (m2.a, m2.b) == (11.0, 2.0)
    m3 = pickle.loads(pickle.dumps(m))
    x = torch.randn(10)
    assert torch.equal(m3(x), m(x))
    learn = hnn.HTAF(3.0, 0.5, learnable=True)
    assert learn.a.item() == pytest.approx(3.0) and learn.b.item() == pytest.approx(0.5)
    assert "learnable=True" in repr(learn)
    learn(torch.randn(5)).sum().backward()
    assert learn.a_raw.grad is not None and learn.b_raw.grad is not None


def test_binarize_and_flag():
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), hnn.HTAF(11.0, 2.0), torch.nn.Linear(16, 8),
                              hnn.ScaledSigmoid(22.0))
    x = torch.randn(32, 4)
    before = net(x)
    with hnn.binarize(net):
        hidden = net[1](net[0](x))
        assert set(hidden.unique().tolist()) <= {0.0, 1.0}
        assert set(net(x).unique().tolist()) <= {0.0, 1.0}
    assert isinstance(net[1], hnn.HTAF) and isinstance(net[3], hnn.ScaledSigmoid)
    assert torch.equal(net(x), before)
    flagged = hnn.HTAF(11.0, 2.0, binary=True)
    assert set(flagged(x).unique().tolist()) <= {0.0, 1.0}


def test_binarize_restores_after_error():
    net = torch.nn.Sequential(hnn.HTAF(5.0, 1.0))
    with pytest.raises(RuntimeError):
        with hnn.binarize(net):
            raise RuntimeError("boom")
    assert isinstance(net[0], hnn.HTAF)


def test_heaviside_convention_matches_numpy(mode):
    x = torch.tensor([-1.0, -0.0, 0.0, 1.0, float("nan"), float("inf"), -float("inf"), 1e-45])
    np.testing.assert_array_equal(hnn.heaviside(x).numpy(), core.heaviside(x.numpy()))
    xg = x.clone().requires_grad_(True)        # in a graph: same values, and it stays differentiable
    np.testing.assert_array_equal(hnn.heaviside(xg).detach().numpy(), core.heaviside(x.numpy()))
    assert hnn.heaviside(xg).requires_grad


SURROGATE_FORWARD = {   # each STE surrogate's own forward; its autograd derivative is the reference
    "sigmoid": lambda x, k: torch.sigmoid(k * x),
    "tanh": lambda x, k: (1 + torch.tanh(k * x)) / 2,
    "rect": lambda x, k: torch.clamp(k * x + 0.5, 0, 1),
}


@pytest.mark.parametrize("surrogate", hnn.SURROGATES)
def test_ste_backward_is_the_surrogates_derivative(surrogate, mode):
    k = 3.0
    x = torch.linspace(-3, 3, 1201, dtype=torch.float64)[1::2].requires_grad_(True)   # off the rect kinks
    (ours,) = torch.autograd.grad(hnn.heaviside_ste(x, surrogate, slope=k).sum(), x)
    (ref,) = torch.autograd.grad(SURROGATE_FORWARD[surrogate](x, k).sum(), x)
    # atol: autograd's 1 - tanh^2 cancels in the tails (ours does not), ~1e-16 absolute
    torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)
    # a wrong slope is told apart (the comparison can fail)
    (wrong,) = torch.autograd.grad(SURROGATE_FORWARD[surrogate](x, 1.1 * k).sum(), x)
    assert not torch.allclose(ours, wrong, rtol=1e-6)


def test_small_inputs_run_eagerly_and_large_ones_compiled(monkeypatch):
    monkeypatch.setenv("HTAF_KERNELS", "compiled")      # the torch kernels (native ones: tests/test_native.py)
    calls = []
    real = hnn._kernels._KERNELS["htaf_fwd"]
    monkeypatch.setitem(hnn._kernels._KERNELS, "htaf_fwd", lambda *a: calls.append(a[0].numel()) or real(*a))
    monkeypatch.setitem(hnn._kernels._compiled, "htaf_fwd", lambda *a: real(*a))     # a stand-in "compiled" kernel
    small, large = hnn._kernels.EAGER_BELOW - 1, hnn._kernels.EAGER_BELOW
    hnn.htaf(torch.randn(small), 11.0, 2.0)
    hnn.htaf(torch.randn(large), 11.0, 2.0)
    assert calls == [small], "only the small input runs the eager formulas"


@pytest.mark.parametrize("name", ["htaf_fwd", "htaf_fwd_grad", "htaf_bwd", "ss_fwd_grad", "ste_tanh_bwd"])
def test_compiled_kernels_take_only_their_arguments(name):
    # dynamo lifts module-level float constants to per-call tensor inputs (a compiled call then cost 2x); the
    # graph's tensor inputs must be exactly the tensors passed in
    x = torch.randn(64)
    args = {"htaf_fwd": (x, 11.0, 2.0), "htaf_fwd_grad": (x, 11.0, 2.0), "htaf_bwd": (x, x + 1, 11.0, 2.0),
            "ss_fwd_grad": (x, 22.0), "ste_tanh_bwd": (x, x + 1, 4.0)}[name]
    args = tuple(a if isinstance(a, torch.Tensor) else torch.tensor(a) for a in args)
    seen = []

    def backend(gm, example_inputs):
        seen.append(sum(isinstance(i, torch.Tensor) for i in example_inputs))
        return gm

    torch._dynamo.reset()
    torch.compile(hnn._kernels._KERNELS[name], backend=backend, dynamic=True, fullgraph=True)(*args)
    assert seen == [len(args)]
    # the wrong variant: a coefficient tuple at module level adds inputs
    coefficients = (0.5, 0.25)
    seen.clear()
    torch.compile(lambda x: x * coefficients[0] + coefficients[1], backend=backend, dynamic=True)(x)
    assert seen != [1]


def test_scalar_cache_returns_plain_tensors_of_the_right_kind():
    with torch.inference_mode():
        s = hnn._kernels._scalar(0.123, torch.zeros(1))
    assert not s.is_inference() and s.dtype == torch.float32 and float(s) == pytest.approx(0.123)
    assert hnn._kernels._scalar(0.123, torch.zeros(1, dtype=torch.float64)).dtype == torch.float64


@pytest.mark.parametrize("surrogate", hnn.SURROGATES)
def test_ste_surrogates(surrogate):
    x = torch.linspace(-2, 2, 4001, dtype=torch.float64, requires_grad=True)
    y = hnn.heaviside_ste(x, surrogate, slope=4.0)
    assert set(y.detach().unique().tolist()) <= {0.0, 1.0}
    y.sum().backward()
    # each surrogate derivative is a density: it integrates to ~1 and peaks at 0
    assert torch.trapezoid(x.grad, x.detach()).item() == pytest.approx(1.0, abs=2e-2)
    assert x.grad[2000] == x.grad.max()


def test_bad_arguments():
    with pytest.raises(ValueError, match="a must be a finite number > 0"):
        hnn.HTAF(-1.0, 1.0)
    with pytest.raises(ValueError, match="surrogate must be one of"):
        hnn.HeavisideSTE("relu")
    with pytest.raises(ValueError, match="gamma must"):
        hnn.ScaledSigmoid(float("nan"))


@pytest.mark.parametrize("activation", [lambda: hnn.HTAF(11.0, 2.0), lambda: hnn.ScaledSigmoid(22.0)],
                         ids=["htaf", "ss"])
def test_inside_torch_compile(activation):
    # traced by a user's torch.compile, the functions save their input and run the recomputing backward
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(3, 5), activation())
    x = torch.randn(7, 3, requires_grad=True)
    eager_out = m(x)
    eager_grads = torch.autograd.grad((eager_out * torch.arange(5.0)).sum(), [x, m[0].weight])
    compiled = torch.compile(m)
    out = compiled(x)
    torch.testing.assert_close(out, eager_out)
    grads = torch.autograd.grad((out * torch.arange(5.0)).sum(), [x, m[0].weight])
    for got, want in zip(grads, eager_grads):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-7)


def test_fallback_warns_once(monkeypatch):
    monkeypatch.setenv("HTAF_KERNELS", "compiled")      # the torch kernels (native ones: tests/test_native.py)

    def broken(*args, **kwargs):
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(hnn._kernels, "_compiled", {"htaf_fwd": None})
    monkeypatch.setattr(hnn._kernels, "_warned", False)
    monkeypatch.setattr(hnn._kernels, "EAGER_BELOW", 0)
    monkeypatch.setattr(torch, "compile", lambda fn, **kw: broken)
    x = torch.randn(5)
    with pytest.warns(RuntimeWarning, match="torch.compile unavailable"):
        y = hnn.htaf(x, 3.0, 1.0)
    torch.testing.assert_close(y, torch.sigmoid(3.0 * torch.tanh(x)))


# ---- hostile inputs -------------------------------------------------------

HTAF, htaf = hnn.HTAF, hnn.htaf

@pytest.mark.parametrize("a_grad, b_grad", [(True, False), (False, True), (True, True)])
def test_any_mix_of_tensor_and_float_gains_backpropagates(a_grad, b_grad):
    x = torch.randn(7, requires_grad=True)
    a = torch.tensor(10.0, requires_grad=True) if a_grad else 10.0
    b = torch.tensor(2.0, requires_grad=True) if b_grad else 2.0
    htaf(x, a, b).sum().backward()
    assert torch.isfinite(x.grad).all()
    for gain, wanted in ((a, a_grad), (b, b_grad)):
        if wanted:
            assert gain.grad is not None and torch.isfinite(gain.grad)


@pytest.mark.parametrize("bad", [torch.tensor(-1.0), torch.tensor(float("nan")), torch.tensor(0.0),
                                 torch.tensor([1.0, 2.0]), torch.tensor(3)])
def test_tensor_gains_are_validated(bad):
    with pytest.raises(ValueError, match="a must"):
        htaf(torch.randn(3), bad, 2.0)


def test_integer_inputs_are_promoted_not_truncated():
    out = htaf(torch.tensor([1, -1, 0]), 10.0, 2.0)
    assert out.is_floating_point() and 0.99 < float(out[0]) < 1 and float(out[2]) == 0.5


def test_fixed_gains_survive_a_low_precision_cast_and_state_dict():
    import pickle

    from htaf_theory.params import select
    p = select(0.1, 0.1)
    m = HTAF(p.a, p.b).to(torch.bfloat16)
    assert (m.a, m.b) == (p.a, p.b)                      # not rounded to bfloat16
    other = HTAF(1.0, 1.0)
    other.load_state_dict(m.state_dict())
    assert (other.a, other.b) == (p.a, p.b)
    assert pickle.loads(pickle.dumps(m)).a == p.a


def test_torchscript_is_refused_with_what_to_use_instead():
    # documented in docs/usage.md ("Limits of the torch layer"): our error, naming torch.compile and torch.export
    for module in (HTAF(10.0, 2.0), hnn.HTAFSpike(10.0, 2.0), hnn.BinaryLinear(3, 2)):
        with pytest.raises(RuntimeError, match="torch.compile"):
            torch.jit.script(module)


_FUNCTIONAL = {
    "htaf": lambda t: htaf(t, 10.0, 2.0),
    "htaf-double-tensor-gain": lambda t: htaf(t, torch.tensor(10.0, dtype=t.dtype), 2.0, backward="double"),
    "scaled_sigmoid": lambda t: hnn.scaled_sigmoid(t, 3.0),
    "ste-tanh": lambda t: hnn.heaviside_ste(t, "tanh", 2.0),
    "ste-rect": lambda t: hnn.heaviside_ste(t, "rect", 0.5, amplitude=2.0),
    "step-htaf-grad": lambda t: hnn.heaviside_htaf_grad(t, 10.0, 2.0),
    "HTAF": HTAF(10.0, 2.0),
    "HTAFSpike": hnn.HTAFSpike(10.0, 2.0),
}


@pytest.mark.parametrize("name", list(_FUNCTIONAL))
def test_torch_func_transforms_agree_with_autograd(name):
    fn = _FUNCTIONAL[name]
    x = torch.linspace(-3, 3, 12, dtype=torch.float64).reshape(3, 4)
    xr = x.clone().requires_grad_(True)
    fn(xr).sum().backward()
    reference = xr.grad
    torch.testing.assert_close(torch.func.vmap(fn)(x), fn(x))
    torch.testing.assert_close(torch.func.grad(lambda t: fn(t).sum())(x), reference)
    torch.testing.assert_close(torch.func.jvp(fn, (x,), (torch.ones_like(x),))[1], reference)
    torch.testing.assert_close(torch.func.vmap(torch.func.grad(lambda t: fn(t).sum()))(x), reference)  # per-sample
    torch.testing.assert_close(torch.func.jacfwd(fn)(x[0]).diagonal(), reference[0])
    with torch.autograd.forward_ad.dual_level():                      # forward-mode AD outside torch.func too
        dual = torch.autograd.forward_ad.make_dual(x, torch.ones_like(x))
        torch.testing.assert_close(torch.autograd.forward_ad.unpack_dual(fn(dual)).tangent, reference)


def test_torch_func_hessian_is_the_exact_second_derivative():
    x = torch.tensor([-0.7, 0.0, 0.3, 2.0], dtype=torch.float64)
    h = torch.func.hessian(lambda t: htaf(t, 5.0, 1.5).sum())(x)
    xr = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(htaf(xr, 5.0, 1.5, backward="double").sum(), xr, create_graph=True)
    (h2,) = torch.autograd.grad(g.sum(), xr)
    torch.testing.assert_close(h.diagonal(), h2)
    torch.testing.assert_close(h - torch.diag(h.diagonal()), torch.zeros_like(h))     # elementwise


def test_vmap_over_the_gains_is_an_error_not_a_wrong_answer():
    x = torch.randn(3, 4, dtype=torch.float64)
    gains = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    # the gain check reads the value (torch refuses .item() under vmap); past it, the vmap rule refuses by name
    with pytest.raises((NotImplementedError, RuntimeError), match="gains must not be batched|item"):
        torch.func.vmap(lambda t, a: htaf(t, a, 2.0))(x, gains)
    with pytest.raises(NotImplementedError, match="the gains must not be batched"):
        hnn.functional._HTAFFunction.vmap(None, (0, 0, None, None), x, gains, 2.0, False)


def test_no_recompilation_when_the_batch_size_changes(monkeypatch):
    # the kernels are compiled once with dynamic shapes: training with a last, smaller batch (or any
    # new size) must reuse them, not compile again
    monkeypatch.setenv("HTAF_KERNELS", "compiled")      # the torch kernels (native ones: tests/test_native.py)
    monkeypatch.setattr(hnn._kernels, "EAGER_BELOW", 0)
    import torch._dynamo.utils as dynamo_utils
    htaf(torch.randn(1000, requires_grad=True), 11.0, 2.0).sum().backward()        # warm: each kernel compiled once
    htaf(torch.randn(1000), 11.0, 2.0)                                              # (training and inference)
    before = dynamo_utils.counters["stats"]["unique_graphs"]
    for n in (17, 4096, 123_457, 3 * 5 * 7 * 11):
        x = torch.randn(n, requires_grad=True)
        htaf(x, 11.0, 2.0).sum().backward()
        torch.testing.assert_close(htaf(x.detach(), 11.0, 2.0), hnn._formulas._htaf_forward(x.detach(), 11.0, 2.0))
    assert dynamo_utils.counters["stats"]["unique_graphs"] == before, "a new batch size compiled a new graph"


def test_autograd_backward_is_torchs_own_chain_rule():
    x = torch.linspace(-8, 8, 401, requires_grad=True)
    ours = torch.autograd.grad(hnn.htaf(x, 11.0, 2.0, backward="autograd").sum(), x)[0]
    ref = torch.autograd.grad(torch.sigmoid(11.0 * torch.tanh(2.0 * x)).sum(), x)[0]
    assert torch.equal(ours, ref)
    module = hnn.HTAF(11.0, 2.0, backward="autograd")
    assert "backward='autograd'" in repr(module)
    assert torch.equal(torch.autograd.grad(module(x).sum(), x)[0], ref)
    exact = torch.autograd.grad(hnn.htaf(x, 11.0, 2.0).sum(), x)[0]
    tail = x.detach().abs() > 5
    assert torch.all(ref[tail] == 0) and torch.all(exact[tail] > 0)   # what the option is for
    with pytest.raises(hnn.functional.InvalidParameterError, match="backward"):
        hnn.htaf(x, 11.0, 2.0, backward="numerical")
    with pytest.raises(hnn.functional.InvalidParameterError, match="backward"):
        hnn.HTAF(11.0, 2.0, backward="fast")


def test_binarize_refuses_a_model_without_htaf_layers():
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    with pytest.raises(hnn.functional.InvalidParameterError, match="nothing to switch"):
        with hnn.binarize(net):
            pass
    with hnn.binarize(net, strict=False):
        net(torch.randn(1, 2))


@pytest.mark.parametrize("bad, match", [([0.5], "x must be a torch.Tensor; got list"),
                                        (torch.tensor([1 + 1j]), "x must be a real tensor")])
@pytest.mark.parametrize("fn", [lambda x: hnn.htaf(x, 10.0, 2.0), lambda x: hnn.scaled_sigmoid(x, 22.0),
                                lambda x: hnn.heaviside_ste(x)], ids=["htaf", "ss", "ste"])
def test_a_non_tensor_or_complex_input_is_refused(fn, bad, match):
    with pytest.raises(InvalidParameterError, match=match):
        fn(bad)


# ---- gains validated against the dtype that computes, and named errors -----------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("call", [
    lambda x: hnn.htaf(x, 1e39, 1.0), lambda x: hnn.htaf(x, 1.0, 1e39), lambda x: hnn.htaf(x, 1e39, 1.0, backward="autograd"),
    lambda x: hnn.scaled_sigmoid(x, 1e39), lambda x: hnn.heaviside_ste(x, slope=1e39),
    lambda x: hnn.heaviside_htaf_grad(x, 1e39, 1.0),
], ids=["htaf-a", "htaf-b", "htaf-autograd", "ss", "ste", "step-grad"])
def test_a_gain_beyond_the_computing_dtype_is_refused_by_name(dtype, call):
    with pytest.raises(InvalidParameterError, match="exceeds the largest float32"):
        call(torch.tensor([0.0], dtype=dtype))


def test_the_same_gain_is_computed_in_float64():
    x = torch.tensor([0.0, -1e-3, 1e-3], dtype=torch.float64, requires_grad=True)
    y = hnn.htaf(x, 1e39, 1.0)
    assert y.tolist() == [0.5, 0.0, 1.0]
    y.sum().backward()
    assert torch.isfinite(x.grad[1:]).all()


@pytest.mark.parametrize("a", [1e39, 1e-320, float("inf")])
def test_learnable_gains_are_checked_at_construction(a):
    with pytest.raises(InvalidParameterError, match="a="):
        hnn.HTAF(a, 1.0, learnable=True)


@pytest.mark.parametrize("x, match", [(None, "torch.Tensor"), ([0.0, 1.0], "torch.Tensor"),
                                      (torch.tensor([1 + 1j]), "real tensor")])
def test_heaviside_names_bad_input(x, match):
    with pytest.raises(InvalidParameterError, match=match):
        hnn.heaviside(x)


@pytest.mark.parametrize("gain", ["5", True, b"5"])
def test_text_and_truth_values_are_not_gains(gain):
    from htaf_theory.validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match="a must be a finite number"):
        hnn.htaf(torch.zeros(2), gain, 2.0)
    with pytest.raises(InvalidParameterError, match="a must be a finite number"):
        hnn.HTAF(gain, 2.0)


@pytest.mark.parametrize("module, state, match", [
    (lambda: hnn.HTAF(5.0, 2.0), {"a": 5.0}, "missing"),
    (lambda: hnn.HTAF(5.0, 2.0), [5.0, 2.0], "must be a dict"),
    (lambda: hnn.HTAFSpike(5.0, 2.0), {}, "missing"),
    (lambda: hnn.HTAFSpike(5.0, 2.0), {"gamma": 22.0, "binary": False}, "not this module's saved state"),
    (lambda: hnn.HTAFSpike(5.0, 2.0), {"a": 5.0, "b": 2.0, "spiking": "yes"}, "spiking must be True or False"),
    (lambda: hnn.ScaledSigmoid(22.0), {"gamma": -1.0}, "gamma must be a finite number"),
])
def test_a_tampered_or_foreign_state_is_refused_by_name(module, state, match):
    from htaf_theory.validation import InvalidParameterError
    m = module()
    before = m.get_extra_state()
    with pytest.raises(InvalidParameterError, match=match):
        m.set_extra_state(state)
    assert m.get_extra_state() == before


@pytest.mark.parametrize("make", [lambda: hnn.HTAF(5.0, 2.0), lambda: hnn.ScaledSigmoid(22.0), lambda: hnn.HTAFSpike(5.0, 2.0)])
def test_a_deployed_model_reloads_deployed(make):
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), make())
    net[1].binary = True
    fresh = torch.nn.Sequential(torch.nn.Linear(2, 3), make())
    fresh.load_state_dict(net.state_dict())
    assert fresh[1].binary is True
    x = torch.randn(5, 2)
    assert torch.equal(fresh(x), net(x)) and set(fresh(x).unique().tolist()) <= {0.0, 1.0}


def test_a_module_added_inside_a_binarize_block_computes_the_step():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), hnn.HTAF(5.0, 1.0))
    with hnn.binarize(net):
        net.append(hnn.ScaledSigmoid(3.0))
        out = net(torch.randn(4, 2))
        assert net[2].binary
    assert set(out.unique().tolist()) <= {0.0, 1.0}
    assert not net[1].binary and not net[2].binary          # both put back


# ---- the matched sigmoid and batch norm after the swap -------------------------------------------------------

def test_matched_sigmoid_trains_the_step_with_htafs_peak():
    from htaf_theory.nn import matched_sigmoid
    from htaf_theory.widths import htaf_width
    m = matched_sigmoid(10.0, 0.2234)
    x = torch.tensor([0.0, 0.5, -2.0], dtype=torch.float64, requires_grad=True)
    y = m(x)
    assert y.tolist() == [1.0, 1.0, 0.0]
    y.sum().backward()
    assert float(x.grad[0]) == pytest.approx(htaf_width(10.0, 0.2234).peak, rel=1e-12)
    assert "amplitude" in repr(m)


def test_ste_amplitude_scales_the_gradient_only():
    x = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    base = torch.autograd.grad(hnn.heaviside_ste(x, "tanh", 3.0).sum(), x)[0]
    scaled_out = hnn.heaviside_ste(x, "tanh", 3.0, amplitude=0.25)
    scaled = torch.autograd.grad(scaled_out.sum(), x)[0]
    assert torch.equal(scaled_out, hnn.heaviside(x.detach())) and torch.allclose(scaled, 0.25 * base)
    with pytest.raises(InvalidParameterError, match="amplitude"):
        hnn.HeavisideSTE("tanh", 1.0, amplitude=-1.0)


def _bn_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.BatchNorm1d(8), hnn.HTAF(5.0, 1.0),
                               torch.nn.Dropout(0.5), torch.nn.Linear(8, 8), torch.nn.BatchNorm1d(8), hnn.HTAF(5.0, 1.0))


def test_recalibrate_batchnorm_equals_a_hand_written_cumulative_pass():
    net = _bn_net()
    batches = [torch.randn(16, 5) for _ in range(4)]
    net.train()
    hnn.recalibrate_batchnorm(net, batches)
    # by hand: the step in place, each layer's mean and unbiased variance averaged over the batches
    with torch.no_grad(), hnn.binarize(net):
        h1 = [net[0](b) for b in batches]
        z2 = []
        for h in h1:
            m, v = h.mean(0), h.var(0, unbiased=False)
            s = hnn.heaviside((h - m) / torch.sqrt(v + net[1].eps) * net[1].weight + net[1].bias)
            z2.append(net[4](s))
    expect_mean1 = torch.stack([h.mean(0) for h in h1]).mean(0)
    expect_var2 = torch.stack([z.var(0, unbiased=True) for z in z2]).mean(0)
    assert torch.allclose(net[1].running_mean, expect_mean1, atol=1e-6)
    assert torch.allclose(net[5].running_var, expect_var2, atol=1e-5)
    assert int(net[1].num_batches_tracked) == 4 and net[1].momentum == 0.1


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_recalibrate_batchnorm_restores_modes_and_needs_no_gradient(mode):
    net = _bn_net()
    getattr(net, mode)()
    before = {name: m.training for name, m in net.named_modules()}
    with torch.no_grad():
        hnn.recalibrate_batchnorm(net, [torch.randn(16, 5)])
    assert {name: m.training for name, m in net.named_modules()} == before
    assert all(not p.grad_fn and p.grad is None for p in net.parameters())
    assert all(not m.binary for m in net.modules() if isinstance(m, hnn.HTAF))


def test_recalibrate_batchnorm_refuses_no_batches():
    with pytest.raises(InvalidParameterError, match="at least one batch"):
        hnn.recalibrate_batchnorm(_bn_net(), [])


def test_repr_prints_fixed_gains_as_they_are():
    assert "b=1e+300" in repr(hnn.HTAF(5.0, 1e300))


_META_FNS = {
    "htaf": lambda t: htaf(t, 5.0, 1.5), "htaf-double": lambda t: htaf(t, 5.0, 1.5, backward="double"),
    "scaled_sigmoid": lambda t: hnn.scaled_sigmoid(t, 3.0), "heaviside_ste": hnn.heaviside_ste,
    "heaviside": hnn.heaviside, "HTAFSpike": hnn.HTAFSpike(5.0, 1.5), "BinaryLinear": hnn.BinaryLinear(4, 2),
}


@pytest.mark.parametrize("name", list(_META_FNS))
def test_every_layer_runs_on_the_meta_device(name):
    # the meta device has shapes and dtypes but no values: nothing may read a value on the host
    fn = _META_FNS[name]
    if isinstance(fn, torch.nn.Module):
        fn = fn.to("meta")
    x = torch.empty(8, 4, device="meta", requires_grad=True)
    y = fn(x)
    assert y.device.type == "meta" and y.shape[0] == 8
    y.sum().backward()
    assert x.grad.device.type == "meta" and x.grad.shape == x.shape


@pytest.mark.parametrize("backward", ["exact", "double"])
def test_learned_gains_are_never_read_on_the_host_off_the_cpu(backward):
    m = HTAF(5.0, 1.5, learnable=True, backward=backward).to("meta")
    x = torch.empty(8, 4, device="meta", requires_grad=True)
    m(x).sum().backward()                             # float() of a meta tensor would raise
    assert m.a_raw.grad.device.type == "meta" and m.b_raw.grad.shape == ()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_the_cpu():
    x = torch.linspace(-3, 3, 101, dtype=torch.float64)
    for fn in (lambda t: htaf(t, 5.0, 1.5), lambda t: hnn.scaled_sigmoid(t, 3.0), hnn.heaviside_ste):
        xc, xg = x.clone().requires_grad_(True), x.cuda().requires_grad_(True)
        fn(xc).sum().backward()
        fn(xg).sum().backward()
        torch.testing.assert_close(xg.grad.cpu(), xc.grad)
