"""Functional forms of the torch layer: ``htaf``, ``scaled_sigmoid``, ``heaviside``, ``heaviside_ste``.

Each is an autograd Function with a hand-written, tail-exact backward (formulas in ``_formulas``, run by ``_kernels``) that saves
one tensor: the input, or for ``htaf`` and ``scaled_sigmoid`` in training (input grad only, fixed gains) the
derivative, computed in the forward's pass, so that the backward is one multiply. The Functions are written in
torch's ``setup_context`` form with ``vmap`` and ``jvp`` rules, so ``torch.func`` (``vmap``, ``grad``, ``jvp``,
``jacrev``/``jacfwd``) works through them: vmap over the input (the gains unbatched), forward-mode derivatives from
the same tail-accurate expressions as the double backward. STE surrogates (paper App. D.4;
its formulas were lost, these are ours): derivatives of sigma(k x), (1 + tanh(k x))/2 and clip(k x + 1/2, 0, 1),
each integrating to 1.
"""
from __future__ import annotations

import inspect
import math

import torch

from ..validation import InvalidParameterError
from ._formulas import FORMULAS
from . import _kernels, _native
from ._kernels import _compute_dtype, _run, _scalar, kernel_status

# Two read-only queries of torch's C layer, each with an answer that is always safe when a torch version lacks it
# (tests/test_nn.py runs the package with both fallbacks):
# * torch.func's transforms (grad, vjp, jacrev, ...) run every backward with create_graph=True, which the
#   saved-slope path must refuse (it cannot give a second derivative); this is the query
#   torch.autograd.Function.apply itself makes to route a call through them. Fallback "active": x is kept and the
#   straight-through backwards use their differentiable torch formulas.
# * whether the running backward keeps its graph (retain_graph / create_graph): if not, the saved derivative is
#   ours to overwrite, one allocation fewer per step (at 2^23 elements: 34 vs 49 ms and 1,058 vs 9,249 page faults
#   per forward+backward on 1 thread, benchmarks/bench_activation.py). Fallback "kept": a new tensor.
_functorch_active = getattr(torch._C, "_are_functorch_transforms_active", lambda: True)
_keeps_graph = getattr(getattr(torch._C, "_autograd", None), "_get_current_graph_task_keep_graph", lambda: True)


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
    """A float gain as a Python float; a tensor gain (learned) must be a 0-dim floating tensor, and on the CPU finite
    and > 0. On other devices its value is not read (that would synchronise with the device at every forward): a NaN
    or negative learned gain there shows as NaN outputs."""
    if not isinstance(value, torch.Tensor):
        return _as_float(name, value)
    if value.dim() != 0 or not value.is_floating_point():
        raise InvalidParameterError(f"{name} must be a 0-dim floating tensor or a float; got a tensor of shape "
                                    f"{tuple(value.shape)} and dtype {value.dtype}")
    if value.device.type == "cpu":
        v = float(value.detach())        # a NaN or negative gain would silently give NaN outputs
        if not (math.isfinite(v) and v > 0):
            raise InvalidParameterError(f"{name} must be finite and > 0 (valid range: (0, inf)); got {name}={v!r}")
    return value


def _check_gain_range(x: torch.Tensor, **gains) -> None:
    """A gain beyond the largest finite number of the dtype that computes x would be inf there, and inf * 0 at
    x = 0 gives NaN where h(0) = 1/2: refuse it by name. (A tiny gain underflows honestly: h -> 1/2, h' -> 0.)
    A tensor gain off the CPU is not read (no host synchronisation)."""
    dt = _compute_dtype(x)
    top = torch.finfo(dt).max
    for name, value in gains.items():
        if isinstance(value, torch.Tensor):
            if value.device.type != "cpu":
                continue
            value = float(value.detach())
        if value > top:
            raise InvalidParameterError(
                f"{name}={value!r} exceeds the largest {str(dt).replace('torch.', '')} ({top:.4g}), the dtype that computes "
                f"this {str(x.dtype).replace('torch.', '')} input (valid range: (0, {top:.4g}]); pass a float64 input")


def _as_input(x: torch.Tensor) -> torch.Tensor:
    """Integer and bool inputs are promoted to the default float dtype (h of an integer is not an integer)."""
    if not isinstance(x, torch.Tensor):
        raise InvalidParameterError(f"x must be a torch.Tensor; got {type(x).__name__}")
    if x.is_complex():
        raise InvalidParameterError("x must be a real tensor; got a complex one")
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


# ---- autograd functions -----------------------------------------------------------------------

def _times_saved_slope(grad: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:
    """grad * slope, the backward of the saved-derivative path; written into ``slope`` when that is safe: autograd
    drops the saved derivative after this call unless the graph is kept (retain_graph, create_graph), so the product
    can reuse its memory. Otherwise, or on a dtype change, the product is a new tensor and ``slope`` stays intact."""
    if grad.dtype == slope.dtype and not grad.requires_grad and not torch.compiler.is_compiling() and not _keeps_graph():
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

    generate_vmap_rule = True

    @staticmethod
    def forward(t):
        return torch.tanh(t)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * _sech2(t)

    @staticmethod
    def jvp(ctx, t_tangent):
        (t,) = ctx.saved_tensors
        return t_tangent * _sech2(t)


def _tanh(t):
    return _Tanh.apply(t) if torch.is_grad_enabled() and t.requires_grad else torch.tanh(t)


def _is_dual(t: torch.Tensor) -> bool:
    """Whether ``t`` carries a forward-mode tangent (torch.func.jvp, torch.autograd.forward_ad)."""
    return torch.autograd.forward_ad.unpack_dual(t).tangent is not None


def _second_order_refused(name: str):
    raise RuntimeError(
        f"{name}: this backward was asked to build a graph (create_graph=True: a Hessian, a gradient penalty, "
        f"double backward) but it is first-order only: it kept h'(x), not x, to save memory. Use "
        f"backward='double' (htaf, scaled_sigmoid, HTAF, ScaledSigmoid), which keeps x and gives exact second "
        f"derivatives")


def _vmap_over_input(function, outputs: int = 1):
    """The vmap rule of an elementwise Function whose other inputs are scalars: apply it to the batched input as it
    is (every element is computed alone), the output batched along the same dimension."""
    def vmap(info, in_dims, x, *params):
        if any(d is not None for d in in_dims[1:]):
            raise NotImplementedError(f"{function.__name__.strip('_')}: torch.func.vmap maps over the input x only; "
                                      f"the gains must not be batched (in_dims={in_dims})")
        out = function.apply(x, *params)
        return out, (in_dims[0],) * outputs if outputs > 1 else in_dims[0]
    return staticmethod(vmap)


def _htaf_partials(x, a, b):
    """(dh/dx, dh/da, dh/db) as torch expressions autograd can differentiate again, each factor tail-accurate:
    dh/dx = a b sech^2(bx) s'(u), dh/da = tanh(bx) s'(u), dh/db = a x sech^2(bx) s'(u), u = a tanh(bx)."""
    t = b * x
    tanh_t = _tanh(t)
    slope_u = _sigmoid_slope(a * tanh_t)
    sech2 = _sech2(t)
    return (a * b) * sech2 * slope_u, tanh_t * slope_u, a * x * sech2 * slope_u


class _HTAFFunction(torch.autograd.Function):
    """h(x) = sigmoid(a tanh(b x)), x saved: first derivatives from the fused kernels, or (create_graph) from
    ``_htaf_partials``, differentiable again; gains may be tensors that receive gradients."""

    @staticmethod
    def forward(x, a, b, double):
        xc = x.to(_compute_dtype(x))
        return _run("htaf_fwd", xc, _scalar(a, xc), _scalar(b, xc)).to(x.dtype)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, a, b, _ = inputs
        ctx.ab = (a, b)               # floats, or tensor gains as they are (never read on the host)
        ctx.gain_tensors = (isinstance(a, torch.Tensor), isinstance(b, torch.Tensor))
        gains = [g for g in (a, b) if isinstance(g, torch.Tensor)]
        ctx.save_for_backward(x, *gains)
        ctx.save_for_forward(x, *gains)

    @staticmethod
    def backward(ctx, grad):
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

    @staticmethod
    def jvp(ctx, x_tangent, a_tangent, b_tangent, _):
        x, *gains = ctx.saved_tensors
        a, b = _gains(ctx, gains)
        dt = _compute_dtype(x)
        dx, da, db = _htaf_partials(x.to(dt), a, b)
        out = None
        for partial, tangent in ((dx, x_tangent), (da, a_tangent), (db, b_tangent)):
            if tangent is not None:
                term = partial * tangent.to(dt)
                out = term if out is None else out + term
        return out.to(x.dtype)


def _gains(ctx, gains):
    """(a, b) for a differentiable backward: saved tensor gains (so that autograd sees them), else the floats."""
    gain_iter = iter(gains)
    a = next(gain_iter) if ctx.gain_tensors[0] else ctx.ab[0]
    b = next(gain_iter) if ctx.gain_tensors[1] else ctx.ab[1]
    return a, b


def _htaf_backward_differentiable(ctx, x, gains, grad):
    """The backward as torch expressions that autograd can differentiate again (create_graph=True)."""
    a, b = _gains(ctx, gains)
    dt = _compute_dtype(x)
    xc, gc = x.to(dt), grad.to(dt)
    dx, da, db = _htaf_partials(xc, a, b)
    gx = (gc * dx).to(x.dtype) if ctx.needs_input_grad[0] else None
    ga = (gc * da).sum().reshape(()) if ctx.needs_input_grad[1] else None
    gb = (gc * db).sum().reshape(()) if ctx.needs_input_grad[2] else None
    return gx, ga, gb, None


class _HTAFSavedSlope(torch.autograd.Function):
    """h(x) and h'(x) in one fused pass, h' saved instead of x (training with fixed gains): the backward is one
    multiply; a second derivative is refused (``_second_order_refused``). Outputs (h, h'), h' not differentiable."""

    @staticmethod
    def forward(x, a, b):
        xc = x.to(_compute_dtype(x))
        value, slope = _run("htaf_fwd_grad", xc, _scalar(a, xc), _scalar(b, xc))
        return value.to(x.dtype), slope

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.mark_non_differentiable(output[1])
        ctx.set_materialize_grads(False)       # no zeros tensor for h''s (absent) gradient
        ctx.save_for_backward(output[1])
        ctx.save_for_forward(output[1])

    @staticmethod
    def backward(ctx, grad, _):
        if grad is None:                     # grads are not materialized: h was not used
            return None, None, None
        if torch.is_grad_enabled():          # create_graph=True: the saved h' cannot be differentiated in x
            _second_order_refused("htaf")
        (slope,) = ctx.saved_tensors
        return _times_saved_slope(grad, slope), None, None

    @staticmethod
    def jvp(ctx, x_tangent, *_):
        (slope,) = ctx.saved_tensors
        return _times_saved_slope(x_tangent, slope), None


class _SSFunction(torch.autograd.Function):
    """s_gamma(x) = sigmoid(gamma x), x saved (as ``_HTAFFunction``)."""

    @staticmethod
    def forward(x, gamma, double):
        xc = x.to(_compute_dtype(x))
        return _run("ss_fwd", xc, _scalar(gamma, xc)).to(x.dtype)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.gamma = float(inputs[1])
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        xc = x.to(dt)
        if torch.is_grad_enabled():          # create_graph=True: differentiable, tail-accurate s'(x) = gamma s(gx) s(-gx)
            return (grad.to(dt) * ctx.gamma * _sigmoid_slope(ctx.gamma * xc)).to(x.dtype), None, None
        return _run("ss_bwd", xc, grad.to(dt), _scalar(ctx.gamma, xc)).to(x.dtype), None, None

    @staticmethod
    def jvp(ctx, x_tangent, *_):
        (x,) = ctx.saved_tensors
        dt = _compute_dtype(x)
        return (x_tangent.to(dt) * ctx.gamma * _sigmoid_slope(ctx.gamma * x.to(dt))).to(x.dtype)


class _SSSavedSlope(torch.autograd.Function):
    """s_gamma and its slope in one pass, the slope saved (as ``_HTAFSavedSlope``)."""

    @staticmethod
    def forward(x, gamma):
        xc = x.to(_compute_dtype(x))
        value, slope = _run("ss_fwd_grad", xc, _scalar(gamma, xc))
        return value.to(x.dtype), slope

    setup_context = _HTAFSavedSlope.setup_context
    jvp = _HTAFSavedSlope.jvp

    @staticmethod
    def backward(ctx, grad, _):
        if grad is None:
            return None, None
        if torch.is_grad_enabled():
            _second_order_refused("scaled_sigmoid")
        (slope,) = ctx.saved_tensors
        return _times_saved_slope(grad, slope), None


def _surrogate_refused(name: str):
    raise RuntimeError(
        f"{name}: the straight-through backward is a surrogate for the step's gradient, not a derivative, and "
        f"cannot be differentiated again (create_graph=True: a Hessian, a gradient penalty, double backward). "
        f"Use htaf(..., backward='double') for a smooth activation with exact second derivatives")


class _STEFunction(torch.autograd.Function):
    """The exact step forward; backward (and forward-mode tangent) ``amplitude`` times the surrogate's slope."""

    @staticmethod
    def forward(x, surrogate, slope, amplitude):
        return heaviside(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, ctx.surrogate, ctx.slope, ctx.amplitude = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled() and not _functorch_active():
            _surrogate_refused("heaviside_ste")
        return _ste_times(ctx, grad), None, None, None

    @staticmethod
    def jvp(ctx, x_tangent, *_):
        return _ste_times(ctx, x_tangent)


def _ste_times(ctx, grad):
    """grad times the surrogate's slope: the fused kernel, or under torch.func (whose backwards build a graph) the
    torch formula itself, so that a nested transform differentiates the surrogate."""
    (x,) = ctx.saved_tensors
    dt = _compute_dtype(x)
    xc = x.to(dt)
    if ctx.amplitude != 1.0:
        grad = grad * ctx.amplitude
    name = f"ste_{ctx.surrogate}_bwd"
    if torch.is_grad_enabled():
        return FORMULAS[name](xc, grad.to(dt), ctx.slope).to(x.dtype)
    return _run(name, xc, grad.to(dt), _scalar(ctx.slope, xc)).to(x.dtype)


class _StepHTAFGradFunction(torch.autograd.Function):
    """Exact step forward, h' backward: the surrogate-gradient use of HTAF (SpikingJelly's ``spiking=True``)."""

    @staticmethod
    def forward(x, a, b):
        return heaviside(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, a, b = inputs
        ctx.ab = (a, b)
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled() and not _functorch_active():
            _surrogate_refused("heaviside_htaf_grad")
        (x,) = ctx.saved_tensors
        return _step_times_htaf_grad(x, grad, *ctx.ab), None, None

    @staticmethod
    def jvp(ctx, x_tangent, *_):
        (x,) = ctx.saved_tensors
        return _step_times_htaf_grad(x, x_tangent, *ctx.ab)


def _step_times_htaf_grad(x, grad, a, b):
    """grad h'(x): the fused kernel, or under torch.func the differentiable tail-accurate expression."""
    if torch.is_grad_enabled():
        dt = _compute_dtype(x)
        return (grad.to(dt) * _htaf_partials(x.to(dt), a, b)[0]).to(x.dtype)
    return _times_htaf_grad(x, grad, a, b)


for _fn in (_HTAFFunction, _SSFunction, _STEFunction, _StepHTAFGradFunction):
    _fn.vmap = _vmap_over_input(_fn)
for _fn in (_HTAFSavedSlope, _SSSavedSlope):
    _fn.vmap = _vmap_over_input(_fn, outputs=2)
for _fn in (_Tanh, _HTAFFunction, _SSFunction, _STEFunction, _StepHTAFGradFunction, _HTAFSavedSlope, _SSSavedSlope):
    # Function.apply binds its arguments to forward's signature on every call (setup_context form); a signature
    # computed once saves inspect's work each time (about 60 us a call, most of a small layer's cost)
    _fn.forward.__signature__ = inspect.signature(_fn.forward)


def _saves_slope(x: torch.Tensor, *gains, double: bool) -> bool:
    """Training with fixed gains: h' is computed in the forward's fused pass and saved instead of x. Not with
    double=True (a backward that is differentiated again needs x), not while torch.compile traces a user's model
    (there the plain formulas are inlined and fused by the user's compile), not under torch.func or forward-mode
    AD."""
    return (torch.is_grad_enabled() and x.requires_grad and not double and not torch.compiler.is_compiling()
            and not any(isinstance(g, torch.Tensor) and g.requires_grad for g in gains) and not _is_dual(x)
            and not _functorch_active())


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
    double = backward == "double"
    if _saves_slope(x, a, b, double=double):
        return _HTAFSavedSlope.apply(x, a, b)[0]
    return _HTAFFunction.apply(x, a, b, double)


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
    double = backward == "double"
    if _saves_slope(x, double=double):
        return _SSSavedSlope.apply(x, gamma)[0]
    return _SSFunction.apply(x, gamma, double)


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


def build_kernels() -> list[str]:
    """Build the native kernels and compile every activation's kernels for float64, float32 and bfloat16 now, so
    that no first training step waits (``htaf kernels --build``); returns a line per part with its time."""
    import time
    lines = [kernel_status()[0]]
    start = time.perf_counter()
    lib = _native.library() if _native.native_enabled() else None
    lines.append(f"native kernels: {'ready' if lib is not None else 'not used'} ({_native.kernel_path()}, "
                 f"{time.perf_counter() - start:.1f} s)")
    n = max(_kernels.EAGER_BELOW, 1 << 14)              # a size that takes the compiled path
    for dtype in (torch.float64, torch.float32, torch.bfloat16):
        start = time.perf_counter()
        x = torch.linspace(-3, 3, n, dtype=dtype, requires_grad=True)
        for fn in (lambda v: htaf(v, 5.0, 1.5), lambda v: scaled_sigmoid(v, 3.0), heaviside_ste,
                   lambda v: heaviside_htaf_grad(v, 5.0, 1.5)):
            fn(x).sum().backward()
        lines.append(f"{str(dtype).replace('torch.', ''):9s} kernels: ready ({time.perf_counter() - start:.1f} s)")
    return lines
