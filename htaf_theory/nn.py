"""Torch layer: functional ``htaf``, the ``HTAF`` module, SS / Heaviside / STE baselines, ``binarize``.

Forward h(x) = sigmoid(a tanh(b x)) (paper eq. (1)); the backward does not go through
autograd's ``1 - tanh^2`` and ``s (1 - s)``, which round to exactly 0 in float32 once
|b x| > 9 or |u| > 17, i.e. exactly in the tails HTAF is meant to keep alive. Instead

    h'(x) = 4 a b  e1 / (1 + e1)^2  *  e2 / (1 + e2)^2,   e1 = e^{-2|bx|},  e2 = e^{-|a tanh(bx)|}

which is finite for every input (inf included) and exact down to float32 underflow. Only the
input is saved for backward (one tensor; the composite form keeps two). Forward and backward
are each compiled once, lazily, into one fused loop by ``torch.compile``; where compilation is
unavailable the same formulas run eagerly after a one-time warning. Half-precision inputs are
computed in float32 and cast back. Set HTAF_COMPILE=0 to force eager mode.

STE surrogates (paper App. D.4; its formulas were lost, these are ours): derivatives of
sigma(k x), (1 + tanh(k x))/2 and clip(k x + 1/2, 0, 1), each integrating to 1.
"""
from __future__ import annotations

import contextlib
import math
import os
import warnings

import torch
from torch import nn
from torch.nn import functional as F

from .validation import InvalidParameterError

__all__ = ["htaf", "scaled_sigmoid", "heaviside", "heaviside_ste", "HTAF", "ScaledSigmoid", "Heaviside",
           "HeavisideSTE", "binarize", "SURROGATES", "compile_enabled"]

SURROGATES = ("sigmoid", "tanh", "rect")
_LOW_PRECISION = (torch.float16, torch.bfloat16)


# ---- the formulas (eager reference; also what torch.compile fuses) ----------------------------

def _htaf_forward(x: torch.Tensor, a, b) -> torch.Tensor:
    # tanh(y) = -expm1(-2|y|)/(2 + expm1(-2|y|)) sign(y): accurate to ulps, ~10% faster than tanh here
    y = b * x
    em = torch.expm1(-2.0 * y.abs())
    return torch.sigmoid(a * torch.copysign(-em / (2.0 + em), y))


def _htaf_backward(x: torch.Tensor, grad: torch.Tensor, a, b) -> torch.Tensor:
    # h' is even, so only |y| matters; tanh|y| = (1 - e1)/(1 + e1) reuses e1 and saves the
    # costliest transcendental (benchmarks/bench_activation.py)
    e1 = torch.exp(-2.0 * (b * x).abs())
    r1 = 1.0 / (1.0 + e1)
    e2 = torch.exp(-a * ((1.0 - e1) * r1))
    r2 = 1.0 / (1.0 + e2)
    return grad * ((4.0 * a * b) * e1 * r1 * r1 * e2 * r2 * r2)


def _htaf_param_grads(x: torch.Tensor, grad: torch.Tensor, a, b):
    """Per-element dL/da and dL/db for learnable gains: t sig(u) sig(-u) and x a sech^2(bx) sig(u) sig(-u)."""
    y = b * x
    t = torch.tanh(y)
    e1 = torch.exp(-2.0 * y.abs())
    e2 = torch.exp(-(a * t).abs())
    ss = e2 / (1.0 + e2).square()
    return grad * t * ss, grad * x * (4.0 * a) * e1 / (1.0 + e1).square() * ss


def _ss_forward(x: torch.Tensor, gamma) -> torch.Tensor:
    return torch.sigmoid(gamma * x)


def _ss_backward(x: torch.Tensor, grad: torch.Tensor, gamma) -> torch.Tensor:
    e = torch.exp(-(gamma * x).abs())
    return grad * (gamma * e / (1.0 + e).square())


# ---- lazy compilation with a one-time eager fallback -----------------------------------------

_KERNELS = {"htaf_fwd": _htaf_forward, "htaf_bwd": _htaf_backward, "htaf_param": _htaf_param_grads,
            "ss_fwd": _ss_forward, "ss_bwd": _ss_backward}
_compiled: dict[str, object] = {}
_warned = False


def compile_enabled() -> bool:
    """Whether the fused (compiled) kernels are used: HTAF_COMPILE != 0 and not already compiling."""
    return os.environ.get("HTAF_COMPILE", "1") != "0" and not torch.compiler.is_compiling()


def _run(name: str, *args):
    global _warned
    eager = _KERNELS[name]
    # the kernels never need autograd (the backward is written by hand); detaching also keeps one compiled graph
    # for inputs with and without requires_grad (dynamo guards on it: inference after training recompiled)
    args = tuple(a.detach() if isinstance(a, torch.Tensor) else a for a in args)
    if not compile_enabled() or _compiled.get(name) is eager:
        return eager(*args)
    fn = _compiled.get(name)
    if fn is None:
        # dynamic shapes (no recompilation when the batch size changes) and, with cpp.dynamic_threads, an
        # OpenMP region in the generated loop: without it inductor emits a serial loop for symbolic sizes
        # (one thread, ~3x slower at 2^23 on 2 cores; benchmarks/bench_activation.py)
        fn = _compiled[name] = torch.compile(eager, dynamic=True, fullgraph=True, options={"cpp.dynamic_threads": True})
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


def _scalar(value: float, like: torch.Tensor) -> torch.Tensor:
    # 0-dim tensors, not Python floats: compiled kernels then neither recompile per value
    # nor compute the scalar products in float64 (measured 1.7x slower)
    return torch.tensor(value, dtype=like.dtype, device=like.device)


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

class _HTAFFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, a, b):
        a_f, b_f = float(a), float(b)
        xc = x.to(_compute_dtype(x))
        ctx.save_for_backward(x)
        ctx.ab = (a_f, b_f)
        return _run("htaf_fwd", xc, _scalar(a_f, xc), _scalar(b_f, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        a, b = ctx.ab
        dt = _compute_dtype(x)
        xc, gc = x.to(dt), grad.to(dt)
        a_t, b_t = _scalar(a, xc), _scalar(b, xc)
        gx = _run("htaf_bwd", xc, gc, a_t, b_t).to(x.dtype) if ctx.needs_input_grad[0] else None
        ga = gb = None
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            pa, pb = _run("htaf_param", xc, gc, a_t, b_t)
            # a gradient only for a gain that is a tensor requiring one (a float gain is not an autograd input)
            ga = pa.sum().reshape(()) if ctx.needs_input_grad[1] else None
            gb = pb.sum().reshape(()) if ctx.needs_input_grad[2] else None
        return gx, ga, gb


class _SSFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma):
        ctx.save_for_backward(x)
        ctx.gamma = float(gamma)
        xc = x.to(_compute_dtype(x))
        return _run("ss_fwd", xc, _scalar(ctx.gamma, xc)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
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
        k = ctx.slope
        xc = x.to(_compute_dtype(x))
        if ctx.surrogate == "sigmoid":
            d = _ss_backward(xc, torch.ones_like(xc), k)
        elif ctx.surrogate == "tanh":
            e = torch.exp(-2.0 * (k * xc).abs())
            d = (k / 2.0) * 4.0 * e / (1.0 + e).square()
        else:  # rect
            d = (xc.abs() < 0.5 / k).to(xc.dtype) * k
        return (grad * d.to(grad.dtype)), None, None


# ---- functional forms -------------------------------------------------------------------------

def htaf(x: torch.Tensor, a, b) -> torch.Tensor:
    """h(x) = sigmoid(a tanh(b x)) with a fused, tail-accurate backward.

    ``a`` and ``b`` are positive floats, or 0-dim tensors (which then receive gradients).

    >>> import torch
    >>> htaf(torch.tensor([0.0, 1.0]), 10.0, 2.0)
    tensor([0.5000, 0.9999])
    """
    return _HTAFFunction.apply(_as_input(x), _check_gain("a", a), _check_gain("b", b))


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
    out = (x >= 0).to(x.dtype)
    return torch.where(torch.isnan(x), x, out) if x.is_floating_point() else out


def heaviside_ste(x: torch.Tensor, surrogate: str = "sigmoid", slope: float = 4.0) -> torch.Tensor:
    """Exact step forward; backward uses the surrogate derivative (``SURROGATES``) with ``slope`` k."""
    if surrogate not in SURROGATES:
        raise InvalidParameterError(f"surrogate must be one of {SURROGATES}; got surrogate={surrogate!r}")
    return _STEFunction.apply(_as_input(x), surrogate, _as_float("slope", slope))


# ---- modules ----------------------------------------------------------------------------------

def _inverse_softplus(v: float) -> float:
    return v + math.log(-math.expm1(-v))


class HTAF(nn.Module):
    """HTAF activation h(x) = sigmoid(a tanh(b x)); ``binary=True`` (or ``binarize``) gives the exact step.

    Parameters
    ----------
    a, b : float
        Outer gain and inner slope, > 0 (see ``htaf_theory.params.select``).
    learnable : bool
        Learn a and b, kept positive through a softplus parametrisation.
    binary : bool
        Use the exact Heaviside step instead (inference of a DHN).

    Examples
    --------
    >>> HTAF(11.0, 2.0)
    HTAF(a=11, b=2)
    """

    def __init__(self, a: float, b: float, learnable: bool = False, binary: bool = False):
        super().__init__()
        a, b = _as_float("a", a), _as_float("b", b)
        self.learnable = learnable
        self.binary = binary
        if learnable:
            self.a_raw = nn.Parameter(torch.tensor(_inverse_softplus(a)))
            self.b_raw = nn.Parameter(torch.tensor(_inverse_softplus(b)))
        else:
            # Python floats, not buffers: ``.to(torch.bfloat16)`` must not round the gains (a pair chosen for eps
            # would then violate it), and forward needs no device sync to read them
            self._a, self._b = a, b

    @property
    def a(self):
        return F.softplus(self.a_raw) if self.learnable else self._a

    @property
    def b(self):
        return F.softplus(self.b_raw) if self.learnable else self._b

    def get_extra_state(self):
        return {} if self.learnable else {"a": self._a, "b": self._b}

    def set_extra_state(self, state) -> None:
        if not self.learnable and state:
            self._a, self._b = _as_float("a", state["a"]), _as_float("b", state["b"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.binary:
            return heaviside(x)
        return htaf(x, self.a, self.b)

    def extra_repr(self) -> str:
        a, b = (float(torch.as_tensor(v).detach()) for v in (self.a, self.b))
        text = f"a={a:.6g}, b={b:.6g}"
        if self.learnable:
            text += ", learnable=True"
        if self.binary:
            text += ", binary=True"
        return text


class ScaledSigmoid(nn.Module):
    """Scaled sigmoid s(x) = sigmoid(gamma x), the paper's SS baseline; ``binary=True`` gives the step.

    >>> ScaledSigmoid(22.0)
    ScaledSigmoid(gamma=22)
    """

    def __init__(self, gamma: float, binary: bool = False):
        super().__init__()
        self.gamma = _as_float("gamma", gamma)
        self.binary = binary

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return heaviside(x) if self.binary else scaled_sigmoid(x, self.gamma)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma:.6g}" + (", binary=True" if self.binary else "")


class Heaviside(nn.Module):
    """The exact step H(x) (H(0) = 1); no gradient flows through it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return heaviside(x)


class HeavisideSTE(nn.Module):
    """Exact step forward, surrogate gradient backward (straight-through estimator, App. D.4).

    >>> HeavisideSTE("tanh", slope=2.0)
    HeavisideSTE(surrogate='tanh', slope=2)
    """

    def __init__(self, surrogate: str = "sigmoid", slope: float = 4.0):
        super().__init__()
        if surrogate not in SURROGATES:
            raise InvalidParameterError(f"surrogate must be one of {SURROGATES}; got surrogate={surrogate!r}")
        self.surrogate = surrogate
        self.slope = _as_float("slope", slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return heaviside_ste(x, self.surrogate, self.slope)

    def extra_repr(self) -> str:
        return f"surrogate={self.surrogate!r}, slope={self.slope:.6g}"


@contextlib.contextmanager
def binarize(model: nn.Module):
    """Within the block, every HTAF and ScaledSigmoid in ``model`` computes the exact step (its ``binary`` flag).

    The modules stay where they are (hooks, parameters and references to them keep working); each flag is put
    back on exit, even after an error.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(5.0, 1.0))
    >>> with binarize(net):
    ...     print(net[1])
    HTAF(a=5, b=1, binary=True)
    >>> print(net[1])
    HTAF(a=5, b=1)
    """
    switched = [(m, m.binary) for m in model.modules() if isinstance(m, (HTAF, ScaledSigmoid))]
    for module, _ in switched:
        module.binary = True
    try:
        yield model
    finally:
        for module, before in switched:
            module.binary = before
