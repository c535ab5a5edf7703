"""Functional forms of the torch layer: ``htaf``, ``scaled_sigmoid``, ``heaviside``, ``heaviside_ste``.

Each is an autograd Function with a hand-written, tail-exact backward (kernels in ``_kernels``) that saves
one tensor: the input, or for ``htaf`` and ``scaled_sigmoid`` in training (input grad only, fixed gains) the
derivative, computed in the forward's pass, so that the backward is one multiply. STE surrogates (paper App. D.4;
its formulas were lost, these are ours): derivatives of sigma(k x), (1 + tanh(k x))/2 and clip(k x + 1/2, 0, 1),
each integrating to 1.
"""
from __future__ import annotations

import math

import torch

from ..validation import InvalidParameterError
from ._kernels import _compute_dtype, _run, _scalar

try:    # private torch API: whether the running backward keeps its graph (retain_graph / create_graph)
    from torch._C._autograd import _get_current_graph_task_keep_graph
except ImportError:
    _get_current_graph_task_keep_graph = None

__all__ = ["htaf", "scaled_sigmoid", "heaviside", "heaviside_ste", "heaviside_htaf_grad", "SURROGATES", "BACKWARDS"]

SURROGATES = ("sigmoid", "tanh", "rect")


def _as_float(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={value!r}")
    return v


def _check_gain(name: str, value):
    """A float gain as a Python float; a tensor gain (learned) must be a 0-dim floating tensor, finite and > 0."""
    if not isinstance(value, torch.Tensor):
        return _as_float(name, value)
    if value.dim() != 0 or not value.is_floating_point():
        raise InvalidParameterError(f"{name} must be a 0-dim floating tensor or a float; got a tensor of shape "
                                    f"{tuple(value.shape)} and dtype {value.dtype}")
    v = float(value.detach())            # one sync: a NaN or negative gain would silently give NaN outputs
    if not (math.isfinite(v) and v > 0):
        raise InvalidParameterError(f"{name} must be finite and > 0 (valid range: (0, inf)); got {name}={v!r}")
    return value


def _as_input(x: torch.Tensor) -> torch.Tensor:
    """Integer and bool inputs are promoted to the default float dtype (h of an integer is not an integer)."""
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"x must be a torch.Tensor; got {type(x).__name__}")
    if x.is_complex():
        raise InvalidParameterError("x must be a real tensor; got a complex one")
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


# ---- autograd functions -----------------------------------------------------------------------

def _graph_freed_after_this_backward() -> bool:
    """Whether autograd frees this node's saved tensors right after its backward (no retain_graph/create_graph).

    Private torch API (``torch._C._autograd``); if it is missing the answer is "no", which is always safe.
    """
    if _get_current_graph_task_keep_graph is None or torch.compiler.is_compiling():   # compiled autograd: functional
        return False
    return not _get_current_graph_task_keep_graph()


def _times_saved_slope(grad: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:
    """grad * slope, the backward of the saved-derivative path; written into ``slope`` when that is safe.

    The saved derivative is our own buffer and autograd drops it after this call unless the graph is kept, so
    the product can reuse its memory: one allocation fewer per step (at 2^23+ elements each fresh allocation
    costs page faults as large as the arithmetic; benchmarks/bench_activation.py). With retain_graph or
    create_graph, or a dtype change, the product is a new tensor and ``slope`` stays intact.
    """
    if grad.dtype == slope.dtype and not grad.requires_grad and _graph_freed_after_this_backward():
        return slope.mul_(grad)
    return (grad.to(slope.dtype) * slope).to(grad.dtype)


def _times_htaf_grad(x: torch.Tensor, grad: torch.Tensor, a: float, b: float) -> torch.Tensor:
    """grad * h'(x) through the fused, tail-exact kernel (half precision computed in float32)."""
    dt = _compute_dtype(x)
    xc, gc = x.to(dt), grad.to(dt)
    return _run("htaf_bwd", xc, gc, _scalar(a, xc), _scalar(b, xc)).to(x.dtype)


class _HTAFFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, a, b):
        a_f, b_f = float(a), float(b)
        xc = x.to(_compute_dtype(x))
        ctx.ab = (a_f, b_f)
        # training with fixed gains: h' in the same fused pass, saved (in the compute dtype) instead of x. Not while
        # torch.compile traces a user's model: there the plain formulas are inlined and fused by the user's compile
        ctx.saves_grad = ctx.needs_input_grad[0] and not any(ctx.needs_input_grad[1:]) and not torch.compiler.is_compiling()
        if ctx.saves_grad:
            value, slope = _run("htaf_fwd_grad", xc, _scalar(a_f, xc), _scalar(b_f, xc))
            ctx.save_for_backward(slope)
            return value.to(x.dtype)
        ctx.save_for_backward(x)
        return _run("htaf_fwd", xc, _scalar(a_f, xc), _scalar(b_f, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.saves_grad:
            (slope,) = ctx.saved_tensors
            return _times_saved_slope(grad, slope), None, None
        (x,) = ctx.saved_tensors
        a, b = ctx.ab
        gx = _times_htaf_grad(x, grad, a, b) if ctx.needs_input_grad[0] else None
        ga = gb = None
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            dt = _compute_dtype(x)
            xc, gc = x.to(dt), grad.to(dt)
            pa, pb = _run("htaf_param", xc, gc, _scalar(a, xc), _scalar(b, xc))
            # a gradient only for a gain that is a tensor requiring one (a float gain is not an autograd input)
            ga = pa.sum().reshape(()) if ctx.needs_input_grad[1] else None
            gb = pb.sum().reshape(()) if ctx.needs_input_grad[2] else None
        return gx, ga, gb


class _SSFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma):
        ctx.gamma = float(gamma)
        xc = x.to(_compute_dtype(x))
        ctx.saves_grad = ctx.needs_input_grad[0] and not torch.compiler.is_compiling()   # as in _HTAFFunction
        if ctx.saves_grad:
            value, slope = _run("ss_fwd_grad", xc, _scalar(ctx.gamma, xc))
            ctx.save_for_backward(slope)
            return value.to(x.dtype)
        ctx.save_for_backward(x)
        return _run("ss_fwd", xc, _scalar(ctx.gamma, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.saves_grad:
            (slope,) = ctx.saved_tensors
            return _times_saved_slope(grad, slope), None
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        xc = x.to(dt)
        return _run("ss_bwd", xc, grad.to(dt), _scalar(ctx.gamma, xc)).to(x.dtype), None


class _STEFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, surrogate, slope):
        ctx.save_for_backward(x)
        ctx.surrogate, ctx.slope = surrogate, slope
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        xc = x.to(dt)
        return _run(f"ste_{ctx.surrogate}_bwd", xc, grad.to(dt), _scalar(ctx.slope, xc)).to(x.dtype), None, None


class _StepHTAFGradFunction(torch.autograd.Function):
    """Exact step forward, h' backward: the surrogate-gradient use of HTAF (SpikingJelly's ``spiking=True``)."""

    @staticmethod
    def forward(ctx, x, a, b):
        ctx.save_for_backward(x)
        ctx.ab = (a, b)
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _times_htaf_grad(x, grad, *ctx.ab), None, None


# ---- functional forms -------------------------------------------------------------------------

BACKWARDS = ("exact", "autograd")


def htaf(x: torch.Tensor, a, b, backward: str = "exact") -> torch.Tensor:
    """h(x) = sigmoid(a tanh(b x)) with a fused, tail-accurate backward.

    ``a`` and ``b`` are positive floats, or 0-dim tensors (which then receive gradients).
    ``backward="autograd"`` evaluates the composite ``torch.sigmoid(a * torch.tanh(b * x))`` eagerly, so the
    gradient is torch's own chain rule in the input's dtype: what a user who types the paper's formula gets
    (in float32 it is exactly 0 once |b x| > 9; kept for controlled comparisons, issue 9).

    >>> import torch
    >>> htaf(torch.tensor([0.0, 1.0]), 10.0, 2.0)
    tensor([0.5000, 0.9999])
    >>> x = torch.tensor([6.0], requires_grad=True)
    >>> htaf(x, 2.0, 2.0, backward="autograd").sum().backward(); x.grad
    tensor([0.])
    """
    a, b = _check_gain("a", a), _check_gain("b", b)
    if backward == "autograd":
        return torch.sigmoid(a * torch.tanh(b * _as_input(x)))
    if backward != "exact":
        raise InvalidParameterError(f"backward must be one of {BACKWARDS}; got backward={backward!r}")
    return _HTAFFunction.apply(_as_input(x), a, b)


def scaled_sigmoid(x: torch.Tensor, gamma) -> torch.Tensor:
    """s_gamma(x) = sigmoid(gamma x), with the same tail-accurate backward as ``htaf``.

    >>> import torch
    >>> scaled_sigmoid(torch.tensor([0.0]), 22.0)
    tensor([0.5000])
    """
    return _SSFunction.apply(_as_input(x), _as_float("gamma", gamma))


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """H(x) = 1 for x >= 0, else 0 (H(0) = 1 as in ``htaf_theory.core.heaviside``); nan stays nan.

    >>> import torch
    >>> heaviside(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 1., 1.])
    """
    if not x.is_floating_point():
        return (x >= 0).to(x.dtype)
    if x.requires_grad and torch.is_grad_enabled():   # stay in the graph (gradient 0, NaN passes through)
        return torch.where(torch.isnan(x), x, (x >= 0).to(x.dtype))
    return _run("step_fwd", x)


def heaviside_ste(x: torch.Tensor, surrogate: str = "sigmoid", slope: float = 4.0) -> torch.Tensor:
    """Exact step forward; backward uses the surrogate derivative (``SURROGATES``) with ``slope`` k."""
    if surrogate not in SURROGATES:
        raise InvalidParameterError(f"surrogate must be one of {SURROGATES}; got surrogate={surrogate!r}")
    return _STEFunction.apply(_as_input(x), surrogate, _as_float("slope", slope))


def heaviside_htaf_grad(x: torch.Tensor, a, b) -> torch.Tensor:
    """The exact step H(x) forward, HTAF's h'(x) backward (a surrogate gradient; fixed float gains).

    >>> import torch
    >>> x = torch.tensor([-1.0, 0.5], requires_grad=True)
    >>> heaviside_htaf_grad(x, 10.0, 2.0).sum().backward(); x.grad.shape
    torch.Size([2])
    """
    return _StepHTAFGradFunction.apply(_as_input(x), _as_float("a", a), _as_float("b", b))
