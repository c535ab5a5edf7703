"""Functional forms of the torch layer: ``htaf``, ``scaled_sigmoid``, ``heaviside``, ``heaviside_ste``.

Each is an autograd Function with a hand-written, tail-exact backward (formulas in ``_formulas``, run by ``_kernels``) that saves
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
    if isinstance(value, (bool, str, bytes)):       # float("5") and float(True) would pass: neither is a gain
        raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={value!r}")
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


def _check_gain_range(x: torch.Tensor, **gains) -> None:
    """A gain beyond the largest finite number of the dtype that computes x would be inf there, and inf * 0 at
    x = 0 gives NaN where h(0) = 1/2: refuse it by name. (A tiny gain underflows honestly: h -> 1/2, h' -> 0.)"""
    dt = _compute_dtype(x)
    top = torch.finfo(dt).max
    for name, value in gains.items():
        v = float(value.detach()) if isinstance(value, torch.Tensor) else value
        if v > top:
            raise InvalidParameterError(
                f"{name}={v!r} exceeds the largest {str(dt).replace('torch.', '')} ({top:.4g}), the dtype that computes "
                f"this {str(x.dtype).replace('torch.', '')} input (valid range: (0, {top:.4g}]); pass a float64 input")


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


def _sech2(t):
    """sech^2(t), accurate everywhere and with an autograd derivative that does not cancel (double backward).

    |t| < 1: 1 - tanh^2(t), whose derivative -2 tanh(t) (1 - tanh^2(t)) is accurate near 0 (the tail form's
    derivative 2 s(2t) s(-2t) (s(-2t) - s(2t)) cancels there and gives h'' = 0 at x = 1e-30). |t| >= 1: 4 sigmoid(2t)
    sigmoid(-2t), accurate in the tails where 1 - tanh^2 is 0.
    """
    th = _tanh(t)
    return torch.where(t.abs() < 1, 1 - th * th, 4 * torch.sigmoid(2 * t) * torch.sigmoid(-2 * t))


def _sigmoid_slope(u):
    """sigmoid'(u) = sigmoid(u) sigmoid(-u) = sech^2(u/2)/4, accurate with an accurate derivative (as ``_sech2``)."""
    return _sech2(u / 2) / 4


class _Tanh(torch.autograd.Function):
    """tanh whose backward is ``_sech2`` (torch's 1 - tanh^2 is 0 in the float32 tails), differentiable again."""

    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return torch.tanh(t)

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * _sech2(t)


def _tanh(t):
    return _Tanh.apply(t) if torch.is_grad_enabled() and t.requires_grad else torch.tanh(t)


def _second_order_refused(name: str):
    raise RuntimeError(
        f"{name}: this backward was asked to build a graph (create_graph=True: a Hessian, a gradient penalty, "
        f"double backward) but it is first-order only: it kept h'(x), not x, to save memory. Use "
        f"backward='double' (htaf, scaled_sigmoid, HTAF, ScaledSigmoid), which keeps x and gives exact second "
        f"derivatives")


class _HTAFFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, a, b, double):
        a_f, b_f = float(a), float(b)
        xc = x.to(_compute_dtype(x))
        ctx.ab = (a_f, b_f)
        # training with fixed gains: h' in the same fused pass, saved (in the compute dtype) instead of x. Not while
        # torch.compile traces a user's model: there the plain formulas are inlined and fused by the user's compile.
        # Not with double=True: a backward that must itself be differentiated needs x.
        ctx.saves_grad = (ctx.needs_input_grad[0] and not any(ctx.needs_input_grad[1:3]) and not double
                          and not torch.compiler.is_compiling())
        if ctx.saves_grad:
            value, slope = _run("htaf_fwd_grad", xc, _scalar(a_f, xc), _scalar(b_f, xc))
            ctx.save_for_backward(slope)
            return value.to(x.dtype)
        ctx.gain_tensors = (isinstance(a, torch.Tensor), isinstance(b, torch.Tensor))
        ctx.save_for_backward(x, *(g for g in (a, b) if isinstance(g, torch.Tensor)))
        return _run("htaf_fwd", xc, _scalar(a_f, xc), _scalar(b_f, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.saves_grad:
            if torch.is_grad_enabled():          # create_graph=True: the saved h' cannot be differentiated in x
                _second_order_refused("htaf")
            (slope,) = ctx.saved_tensors
            return _times_saved_slope(grad, slope), None, None, None
        x, *gains = ctx.saved_tensors
        if torch.is_grad_enabled():
            return _htaf_backward_differentiable(ctx, x, gains, grad)
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
        return gx, ga, gb, None


def _htaf_backward_differentiable(ctx, x, gains, grad):
    """The backward as torch expressions that autograd can differentiate again (create_graph=True).

    dh/dx = a b sech^2(bx) s'(u), dh/da = tanh(bx) s'(u), dh/db = a x sech^2(bx) s'(u), u = a tanh(bx), s' the
    sigmoid's slope; each factor in its tail-accurate form, so h'' and the mixed derivatives are exact too.
    """
    gain_iter = iter(gains)
    a = next(gain_iter) if ctx.gain_tensors[0] else ctx.ab[0]
    b = next(gain_iter) if ctx.gain_tensors[1] else ctx.ab[1]
    dt = _compute_dtype(x)
    xc, gc = x.to(dt), grad.to(dt)
    t = b * xc
    tanh_t = _tanh(t)
    slope_u = _sigmoid_slope(a * tanh_t)
    sech2 = _sech2(t)
    gx = (gc * (a * b) * sech2 * slope_u).to(x.dtype) if ctx.needs_input_grad[0] else None
    ga = (gc * tanh_t * slope_u).sum().reshape(()) if ctx.needs_input_grad[1] else None
    gb = (gc * a * xc * sech2 * slope_u).sum().reshape(()) if ctx.needs_input_grad[2] else None
    return gx, ga, gb, None


class _SSFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma, double):
        ctx.gamma = float(gamma)
        xc = x.to(_compute_dtype(x))
        ctx.saves_grad = ctx.needs_input_grad[0] and not double and not torch.compiler.is_compiling()   # as in _HTAFFunction
        if ctx.saves_grad:
            value, slope = _run("ss_fwd_grad", xc, _scalar(ctx.gamma, xc))
            ctx.save_for_backward(slope)
            return value.to(x.dtype)
        ctx.save_for_backward(x)
        return _run("ss_fwd", xc, _scalar(ctx.gamma, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if ctx.saves_grad:
            if torch.is_grad_enabled():
                _second_order_refused("scaled_sigmoid")
            (slope,) = ctx.saved_tensors
            return _times_saved_slope(grad, slope), None, None
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        xc = x.to(dt)
        if torch.is_grad_enabled():          # create_graph=True: differentiable, tail-accurate s'(x) = gamma s(gx) s(-gx)
            return (grad.to(dt) * ctx.gamma * _sigmoid_slope(ctx.gamma * xc)).to(x.dtype), None, None
        return _run("ss_bwd", xc, grad.to(dt), _scalar(ctx.gamma, xc)).to(x.dtype), None, None


def _surrogate_refused(name: str):
    raise RuntimeError(
        f"{name}: the straight-through backward is a surrogate for the step's gradient, not a derivative, and "
        f"cannot be differentiated again (create_graph=True: a Hessian, a gradient penalty, double backward). "
        f"Use htaf(..., backward='double') for a smooth activation with exact second derivatives")


class _STEFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, surrogate, slope, amplitude):
        ctx.save_for_backward(x)
        ctx.surrogate, ctx.slope, ctx.amplitude = surrogate, slope, amplitude
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():
            _surrogate_refused("heaviside_ste")
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        xc = x.to(dt)
        if ctx.amplitude != 1.0:
            grad = grad * ctx.amplitude
        return _run(f"ste_{ctx.surrogate}_bwd", xc, grad.to(dt), _scalar(ctx.slope, xc)).to(x.dtype), None, None, None


class _StepHTAFGradFunction(torch.autograd.Function):
    """Exact step forward, h' backward: the surrogate-gradient use of HTAF (SpikingJelly's ``spiking=True``)."""

    @staticmethod
    def forward(ctx, x, a, b):
        ctx.save_for_backward(x)
        ctx.ab = (a, b)
        return heaviside(x)

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():
            _surrogate_refused("heaviside_htaf_grad")
        (x,) = ctx.saved_tensors
        return _times_htaf_grad(x, grad, *ctx.ab), None, None


# ---- functional forms -------------------------------------------------------------------------

BACKWARDS = ("exact", "double", "autograd")


def htaf(x: torch.Tensor, a, b, backward: str = "exact") -> torch.Tensor:
    """h(x) = sigmoid(a tanh(b x)) with a fused, tail-accurate backward.

    ``a`` and ``b`` are positive floats, or 0-dim tensors (which then receive gradients).

    * ``backward="exact"`` (default): first derivatives, exact in the tails; in training with fixed gains it
      keeps h'(x) instead of x, so a second derivative (``create_graph=True``: Hessians, gradient penalties)
      is refused with an error rather than silently cut.
    * ``backward="double"``: the same derivatives, but x is kept and the backward is itself differentiable:
      exact second (and higher) derivatives in x, a and b, h'' = -b h' (a sech^2(bx) tanh(u/2) + 2 tanh(bx)).
    * ``backward="autograd"`` evaluates the composite ``torch.sigmoid(a * torch.tanh(b * x))`` eagerly, so the
      gradient is torch's own chain rule in the input's dtype: what a user who types the paper's formula gets
      (in float32 it is exactly 0 once |b x| > 9; kept for controlled comparisons).

    >>> import torch
    >>> htaf(torch.tensor([0.0, 1.0]), 10.0, 2.0)
    tensor([0.5000, 0.9999])
    >>> x = torch.tensor([6.0], requires_grad=True)
    >>> htaf(x, 2.0, 2.0, backward="autograd").sum().backward(); x.grad
    tensor([0.])
    """
    if backward not in BACKWARDS:
        raise InvalidParameterError(f"backward must be one of {BACKWARDS}; got backward={backward!r}")
    a, b = _check_gain("a", a), _check_gain("b", b)
    x = _as_input(x)
    _check_gain_range(x, a=a, b=b)
    if backward == "autograd":
        return torch.sigmoid(a * torch.tanh(b * x))
    return _HTAFFunction.apply(x, a, b, backward == "double")


def scaled_sigmoid(x: torch.Tensor, gamma, backward: str = "exact") -> torch.Tensor:
    """s_gamma(x) = sigmoid(gamma x), with the same tail-accurate backward as ``htaf``.

    ``backward`` is "exact" (first order; second derivatives refused in training) or "double" (x kept, the
    backward differentiable: exact second derivatives), as for ``htaf``.

    >>> import torch
    >>> scaled_sigmoid(torch.tensor([0.0]), 22.0)
    tensor([0.5000])
    """
    if backward not in ("exact", "double"):
        raise InvalidParameterError(f"backward must be 'exact' or 'double'; got backward={backward!r}")
    x, gamma = _as_input(x), _as_float("gamma", gamma)
    _check_gain_range(x, gamma=gamma)
    return _SSFunction.apply(x, gamma, backward == "double")


def heaviside(x: torch.Tensor) -> torch.Tensor:
    """H(x) = 1 for x >= 0, else 0 (H(0) = 1 as in ``htaf_theory.core.heaviside``); nan stays nan.

    >>> import torch
    >>> heaviside(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 1., 1.])
    """
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"x must be a torch.Tensor; got {type(x).__name__}")
    if x.is_complex():
        raise InvalidParameterError("x must be a real tensor; got a complex one (the step has no complex meaning)")
    if not x.is_floating_point():
        return (x >= 0).to(x.dtype)
    if x.requires_grad and torch.is_grad_enabled():   # stay in the graph (gradient 0, NaN passes through)
        return torch.where(torch.isnan(x), x, (x >= 0).to(x.dtype))
    return _run("step_fwd", x)


def heaviside_ste(x: torch.Tensor, surrogate: str = "sigmoid", slope: float = 4.0, amplitude: float = 1.0) -> torch.Tensor:
    """Exact step forward; backward ``amplitude`` times the surrogate derivative (``SURROGATES``, the functions of
    ``htaf_theory.core.ste_surrogate_grad``) with slope k. An amplitude other than 1 gives the surrogate a peak of
    its own (the matched sigmoid of ``htaf_theory.widths``)."""
    if surrogate not in SURROGATES:
        raise InvalidParameterError(f"surrogate must be one of {SURROGATES}; got surrogate={surrogate!r}")
    x, slope, amplitude = _as_input(x), _as_float("slope", slope), _as_float("amplitude", amplitude)
    _check_gain_range(x, slope=slope, amplitude=amplitude)
    return _STEFunction.apply(x, surrogate, slope, amplitude)


def heaviside_htaf_grad(x: torch.Tensor, a, b) -> torch.Tensor:
    """The exact step H(x) forward, HTAF's h'(x) backward (a surrogate gradient; fixed float gains).

    >>> import torch
    >>> x = torch.tensor([-1.0, 0.5], requires_grad=True)
    >>> heaviside_htaf_grad(x, 10.0, 2.0).sum().backward(); x.grad.shape
    torch.Size([2])
    """
    x, a, b = _as_input(x), _as_float("a", a), _as_float("b", b)
    _check_gain_range(x, a=a, b=b)
    return _StepHTAFGradFunction.apply(x, a, b)
