"""Modules of the torch layer: ``HTAF``, ``ScaledSigmoid``, ``Heaviside``, ``HeavisideSTE``, and ``binarize``.

Each module's ``forward`` calls the functional form; ``extra_repr`` shows its parameters; a ``binary`` flag
switches HTAF and SS to the exact step (``binarize`` sets it on every such module of a model).
"""
from __future__ import annotations

import contextlib
import inspect
import math

import torch
from torch import nn
from torch.nn import functional as F

from ..validation import InvalidParameterError
from .functional import BACKWARDS, SURROGATES, _as_float, heaviside, heaviside_htaf_grad, heaviside_ste, htaf, scaled_sigmoid

__all__ = ["HTAF", "ScaledSigmoid", "Heaviside", "HeavisideSTE", "HTAFSpike", "htaf_spike", "binarize", "BinaryLinear",
           "matched_sigmoid", "recalibrate_batchnorm", "BINARIZABLE", "sign_ste_quantizer"]


# ---- modules ----------------------------------------------------------------------------------

def _inverse_softplus(v: float) -> float:
    return v + math.log(-math.expm1(-v))


def _learnable_raw(name: str, value: float) -> torch.Tensor:
    """The raw parameter whose softplus is ``value``, in the default dtype; refused by name if softplus of it is not
    a finite number > 0 there (1e39 would be inf in float32, 1e-320 would be 0), instead of failing at the first
    forward pass."""
    raw = torch.tensor(_inverse_softplus(value))
    back = float(F.softplus(raw))
    if not (math.isfinite(float(raw)) and math.isfinite(back) and back > 0):
        info = torch.finfo(raw.dtype)
        raise InvalidParameterError(
            f"learnable {name}={value!r} is not representable as a {str(raw.dtype).replace('torch.', '')} parameter "
            f"(softplus of it would be {back!r}; valid range about [{math.exp(math.log(info.tiny) + 1):.3g}, {info.max:.3g}])")
    return raw


def _as_flag(name: str, value) -> bool:
    """A True/False argument; a string, number or list is refused by name ("False" is truthy in Python)."""
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be True or False; got {name}={value!r}")
    return value


def _not_scriptable(self):
    """torch.jit.script calls this first: say why and what to use instead of a TorchScript error about a_raw."""
    raise RuntimeError(f"{type(self).__name__} cannot be compiled with torch.jit.script: its autograd Functions call "
                       f"the package's fused kernels, which TorchScript cannot see. Use torch.compile (supported), or "
                       f"torch.export for deployment; at inference the exact step (htaf_theory.nn.binarize) needs no "
                       f"kernel")


def _checked_state(module: nn.Module, state, gains: tuple, flags: tuple = ("binary",)) -> dict:
    """A module's extra state checked whole before any of it is used: a dict holding every gain in ``gains`` (a
    finite number > 0) and, optionally, the truth values in ``flags``; anything else is an InvalidParameterError
    naming the module and the entry (a tampered checkpoint, or another module's state)."""
    kind = type(module).__name__
    if not isinstance(state, dict):
        raise InvalidParameterError(f"{kind}: a saved state must be a dict with {list(gains + flags)}; got "
                                    f"{type(state).__name__}")
    unknown = set(state) - set(gains) - set(flags)
    missing = set(gains) - set(state)
    if missing or unknown:
        raise InvalidParameterError(f"{kind}: not this module's saved state (expected {list(gains + flags)}; missing "
                                    f"{sorted(missing)}, unknown {sorted(unknown)})")
    out = {name: _as_float(f"{kind} state {name}", state[name]) for name in gains}
    for name in flags:
        if name in state:
            if not isinstance(state[name], bool):
                raise InvalidParameterError(f"{kind}: saved state {name} must be True or False; got {state[name]!r}")
            out[name] = state[name]
    return out


class HTAF(nn.Module):
    """HTAF activation h(x) = sigmoid(a tanh(b x)); ``binary=True`` (or ``binarize``) gives the exact step.

    Parameters
    ----------
    a : float
        Outer gain, > 0: the height of the logistic's argument, a tanh(b x) in [-a, a]; h is eps-close to the
        step only for a > min_a(eps) = log((1 - eps)/eps) (``htaf_theory.params.min_a``).
    b : float
        Inner slope, > 0: how fast tanh(b x) saturates, so the width of the transition zone (about 1/b); for a
        tolerance eps outside |x| < delta, b >= min_b(a, eps, delta) (``htaf_theory.params.select``).
    learnable : bool
        Learn a and b, kept positive through a softplus parametrisation.
    binary : bool
        Use the exact Heaviside step instead (inference of a DHN).
    backward : {"exact", "double", "autograd"}
        "exact" (default): the fused, tail-exact h' (first order; second derivatives are refused in training);
        "double": the same, with a differentiable backward (exact second derivatives, for Hessians and gradient
        penalties; keeps x instead of h'); "autograd": torch's chain rule through the composite (see
        ``htaf_theory.nn.functional.htaf``), for controlled comparisons.

    Shape:
        - Input: (*), any shape; Output: (*), the same shape, values in (0, 1) (0 and 1 with ``binary=True``).

    Examples
    --------
    >>> HTAF(11.0, 2.0)
    HTAF(a=11, b=2)
    >>> HTAF(11.0, 2.0, backward="autograd")
    HTAF(a=11, b=2, backward='autograd')
    """

    def __init__(self, a: float, b: float, learnable: bool = False, binary: bool = False, backward: str = "exact"):
        super().__init__()
        a, b = _as_float("a", a), _as_float("b", b)
        if backward not in BACKWARDS:
            raise InvalidParameterError(f"backward must be one of {BACKWARDS}; got backward={backward!r}")
        self.learnable = _as_flag("learnable", learnable)
        self.binary = _as_flag("binary", binary)
        self.backward = backward
        if learnable:
            self.a_raw = nn.Parameter(_learnable_raw("a", a))
            self.b_raw = nn.Parameter(_learnable_raw("b", b))
        else:
            # Python floats, not buffers: ``.to(torch.bfloat16)`` must not round the gains (a pair chosen for eps
            # would then violate it), and forward needs no device sync to read them
            self._a, self._b = a, b

    @property
    def a(self):
        """The outer gain a: a Python float, or softplus(a_raw) (a 0-dim tensor) when learnable."""
        return F.softplus(self.a_raw) if self.learnable else self._a

    @property
    def b(self):
        """The inner slope b: a Python float, or softplus(b_raw) (a 0-dim tensor) when learnable."""
        return F.softplus(self.b_raw) if self.learnable else self._b

    def set_gains(self, a: float, b: float) -> None:
        """Set fixed gains (``nn.sharpening.Sharpening`` moves them along Prop. 3.1's frontier)."""
        if self.learnable:
            raise InvalidParameterError("set_gains: this HTAF learns its gains; set them through a_raw / b_raw")
        self._a, self._b = _as_float("a", a), _as_float("b", b)

    def get_extra_state(self):
        """The fixed gains and the ``binary`` flag, saved in ``state_dict`` (a deployed model reloads as a step)."""
        # the gains (fixed ones only: learned ones are parameters) and the binary flag, so that a reloaded deployed
        # model computes the step
        return {"binary": self.binary} if self.learnable else {"a": self._a, "b": self._b, "binary": self.binary}

    def set_extra_state(self, state) -> None:
        """Restore ``get_extra_state``'s dict, checked whole first (a tampered entry is refused by name)."""
        state = _checked_state(self, state, () if self.learnable else ("a", "b"))
        if not self.learnable:
            self._a, self._b = state["a"], state["b"]
        self.binary = state.get("binary", self.binary)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        if self.binary:
            return heaviside(x)
        return htaf(x, self.a, self.b, backward=self.backward)

    def extra_repr(self) -> str:
        """The gains and flags, as ``repr`` shows them."""
        # fixed gains are Python floats: printed as they are (a float32 tensor of 1e300 would print inf)
        a, b = (v if isinstance(v, float) else float(v.detach()) for v in (self.a, self.b))
        text = f"a={a:.6g}, b={b:.6g}"
        if self.learnable:
            text += ", learnable=True"
        if self.backward != "exact":
            text += f", backward={self.backward!r}"
        if self.binary:
            text += ", binary=True"
        return text


class ScaledSigmoid(nn.Module):
    """Scaled sigmoid s(x) = sigmoid(gamma x), the paper's SS baseline; ``binary=True`` gives the step.

    ``backward="double"`` gives a differentiable backward (exact second derivatives), as for ``HTAF``.

    Shape:
        - Input: (*), any shape; Output: (*), the same shape.

    >>> ScaledSigmoid(22.0)
    ScaledSigmoid(gamma=22)
    """

    def __init__(self, gamma: float, binary: bool = False, backward: str = "exact"):
        super().__init__()
        self.gamma = _as_float("gamma", gamma)
        if backward not in ("exact", "double"):
            raise InvalidParameterError(f"backward must be 'exact' or 'double'; got backward={backward!r}")
        self.binary = _as_flag("binary", binary)
        self.backward = backward

    def set_gamma(self, gamma: float) -> None:
        """Set the slope (``nn.sharpening.Sharpening`` moves it along the SS frontier gamma = L(eps)/delta)."""
        self.gamma = _as_float("gamma", gamma)

    def get_extra_state(self):
        """The fixed gains and the ``binary`` flag, saved in ``state_dict`` (a deployed model reloads as a step)."""
        # in the state dict, so that a checkpoint or a best-epoch copy keeps a scheduled gamma (and the binary flag)
        return {"gamma": self.gamma, "binary": self.binary}

    def set_extra_state(self, state) -> None:
        """Restore ``get_extra_state``'s dict, checked whole first (a tampered entry is refused by name)."""
        state = _checked_state(self, state, ("gamma",))
        self.gamma = state["gamma"]
        self.binary = state.get("binary", self.binary)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        return heaviside(x) if self.binary else scaled_sigmoid(x, self.gamma, backward=self.backward)

    def extra_repr(self) -> str:
        """The gains and flags, as ``repr`` shows them."""
        return (f"gamma={self.gamma:.6g}" + (f", backward={self.backward!r}" if self.backward != "exact" else "")
                + (", binary=True" if self.binary else ""))


class Heaviside(nn.Module):
    """The exact step H(x) (H(0) = 1); no gradient flows through it.

    Shape:
        - Input: (*), any shape; Output: (*), the same shape, values 0 and 1 (NaN stays NaN).
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        return heaviside(x)


class HeavisideSTE(nn.Module):
    """Exact step forward, surrogate gradient backward (straight-through estimator, App. D.4).

    Parameters
    ----------
    surrogate : {"sigmoid", "tanh", "rect"}
        The surrogate derivative (``htaf_theory.core.ste_surrogate_grad``).
    slope : float
        Its slope k > 0 (the width is 1/k up to a constant: ``htaf_theory.widths.ste_width``).
    amplitude : float
        A factor on the surrogate gradient (default 1); ``matched_sigmoid`` sets it.

    Shape:
        - Input: (*), any shape; Output: (*), the same shape, values 0 and 1.

    >>> HeavisideSTE("tanh", slope=2.0)
    HeavisideSTE(surrogate='tanh', slope=2)
    """

    def __init__(self, surrogate: str = "sigmoid", slope: float = 4.0, amplitude: float = 1.0):
        super().__init__()
        if surrogate not in SURROGATES:
            raise InvalidParameterError(f"surrogate must be one of {SURROGATES}; got surrogate={surrogate!r}")
        self.surrogate = surrogate
        self.slope = _as_float("slope", slope)
        self.amplitude = _as_float("amplitude", amplitude)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        return heaviside_ste(x, self.surrogate, self.slope, self.amplitude)

    def extra_repr(self) -> str:
        """The gains and flags, as ``repr`` shows them."""
        return (f"surrogate={self.surrogate!r}, slope={self.slope:.6g}"
                + (f", amplitude={self.amplitude:.6g}" if self.amplitude != 1.0 else ""))


def matched_sigmoid(a: float, b: float) -> HeavisideSTE:
    """The exact step trained with the sigmoid surrogate that has h'_{a,b}'s peak and half-width at half maximum.

    ``HTAFSpike(a, b, spiking=True)`` and ``matched_sigmoid(a, b)`` train the same step with surrogates that agree
    at the centre and differ in the tail (h' is heavier for a > 2): their difference in a network is what HTAF's
    heavy tail does (``htaf_theory.widths.matched_sigmoid_params``).

    >>> matched_sigmoid(10.0, 0.2234)
    HeavisideSTE(surrogate='sigmoid', slope=2.26683, amplitude=0.985519)
    """
    from ..widths import matched_sigmoid_params
    slope, amplitude = matched_sigmoid_params(a, b)
    return HeavisideSTE("sigmoid", slope, amplitude)


def recalibrate_batchnorm(model: nn.Module, batches, binarized: bool = True) -> nn.Module:
    """Re-estimate every batch-norm layer's running mean and variance with the exact step in place.

    Statistics collected while the network trained with a smooth activation describe the smooth network's
    pre-activations; after the step is swapped in, the inputs of later layers change, and so should their
    statistics (the usual practice when deploying a binarized network). Each batch-norm layer's statistics are
    reset and re-estimated as the cumulative average over ``batches`` (``momentum=None``), without gradient, with
    every HTAF / ScaledSigmoid / HTAFSpike computing the step (``binarize``) unless ``binarized=False``. Only the
    batch-norm layers run in training mode meanwhile (dropout stays off); every module's mode and momentum are
    restored. The model is changed in place and returned.

    Parameters
    ----------
    model : torch.nn.Module
        The network; changed in place and returned.
    batches : iterable
        Input tensors (or (input, target) pairs: the first element is used), e.g. the training set in chunks; at
        least one batch.
    binarized : bool
        Run the batches through the deployed (step) network (default) or through the model as it is.

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), HTAF(10.0, 2.0))
    >>> _ = net.eval(); _ = recalibrate_batchnorm(net, [torch.randn(8, 3)])
    >>> net.training, int(net[1].num_batches_tracked)
    (False, 1)
    """
    if not isinstance(model, nn.Module):
        raise InvalidParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    modes = {m: m.training for m in model.modules()}
    momenta = {m: m.momentum for m in norms}
    seen = 0
    try:
        model.eval()
        for m in norms:
            m.reset_running_stats()
            m.momentum = None
            m.train()
        with torch.no_grad(), (binarize(model, strict=False) if binarized else contextlib.nullcontext()):
            for batch in batches:
                x = batch[0] if isinstance(batch, (tuple, list)) else batch
                model(x)
                seen += 1
    finally:
        for m, momentum in momenta.items():
            m.momentum = momentum
        for m, mode in modes.items():
            m.training = mode
    if seen == 0:
        raise InvalidParameterError("batches must hold at least one batch; got none (the statistics were reset)")
    return model


class HTAFSpike(nn.Module):
    """A spike function with HTAF's semantics, for spiking neurons (paper Sec. 4.1).

    It is applied to v - threshold, as SpikingJelly's ``surrogate_function=`` (``neuron.LIFNode``,
    ``neuron.IFNode``, ...) and snnTorch's ``spike_grad=`` (``snntorch.Leaky``) are:

    * ``spiking=True`` (default, SpikingJelly's and snnTorch's convention): the exact step forward (binary
      spikes) and h'(v) as its surrogate gradient backward;
    * ``spiking=False`` (the paper's smooth protocol): the smooth h(v), with its exact gradient; train like this,
      then deploy with ``binary=True`` (or ``binarize(model)``);
    * ``binary=True``: the exact step, for inference.

    Shape:
        - Input: (*), the membrane potential minus the threshold; Output: (*), the same shape.

    Parameters
    ----------
    a : float
        Outer gain, > 0 (as for ``HTAF``); kept as a Python float.
    b : float
        Inner slope, > 0 (as for ``HTAF``); kept as a Python float. ``htaf_theory.params.select`` gives a pair.
    spiking : bool
        The exact step forward with h' backward (default), or the smooth h (False).
    binary : bool
        The exact step, for inference.

    Examples
    --------
    >>> HTAFSpike(7.0, 3.2)
    HTAFSpike(a=7, b=3.2, spiking=True)
    >>> import torch
    >>> HTAFSpike(7.0, 3.2)(torch.tensor([-0.1, 0.0, 0.3]))
    tensor([0., 1., 1.])
    """

    def __init__(self, a: float, b: float, spiking: bool = True, binary: bool = False):
        super().__init__()
        self._a, self._b = _as_float("a", a), _as_float("b", b)
        self.spiking = _as_flag("spiking", spiking)
        self.binary = _as_flag("binary", binary)

    @property
    def a(self) -> float:
        """The outer gain a: a Python float, or softplus(a_raw) (a 0-dim tensor) when learnable."""
        return self._a

    @property
    def b(self) -> float:
        """The inner slope b: a Python float, or softplus(b_raw) (a 0-dim tensor) when learnable."""
        return self._b

    def set_gains(self, a: float, b: float) -> None:
        """Set the gains (``nn.sharpening.Sharpening`` moves them along Prop. 3.1's frontier)."""
        self._a, self._b = _as_float("a", a), _as_float("b", b)

    def set_spiking_mode(self, spiking: bool) -> None:
        """SpikingJelly's switch between the step (``True``) and the smooth function (``False``)."""
        self.spiking = _as_flag("spiking", spiking)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        if self.binary:
            return heaviside(x)
        if self.spiking:
            return heaviside_htaf_grad(x, self._a, self._b)
        return htaf(x, self._a, self._b)

    def get_extra_state(self):
        """The fixed gains and the ``binary`` flag, saved in ``state_dict`` (a deployed model reloads as a step)."""
        return {"a": self._a, "b": self._b, "spiking": self.spiking, "binary": self.binary}

    def set_extra_state(self, state) -> None:
        """Restore ``get_extra_state``'s dict, checked whole first (a tampered entry is refused by name)."""
        state = _checked_state(self, state, ("a", "b"), flags=("spiking", "binary"))
        self._a, self._b = state["a"], state["b"]
        self.spiking = state.get("spiking", self.spiking)
        self.binary = state.get("binary", self.binary)

    def extra_repr(self) -> str:
        """The gains and flags, as ``repr`` shows them."""
        return f"a={self._a:.6g}, b={self._b:.6g}, spiking={self.spiking}" + (", binary=True" if self.binary else "")


class _SignSTE(torch.autograd.Function):
    """sign(w) forward (sign(0) = +1), the clipped straight-through gradient 1{|w| <= 1} backward."""

    generate_vmap_rule = True

    @staticmethod
    def forward(w):
        return torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0])

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        return grad * (w.abs() <= 1).to(grad.dtype)

    @staticmethod
    def jvp(ctx, w_tangent):
        (w,) = ctx.saved_tensors
        return w_tangent * (w.abs() <= 1).to(w_tangent.dtype)


def sign_ste_quantizer(w: torch.Tensor) -> torch.Tensor:
    """alpha sign(W), alpha = mean |W| (a constant in the backward), with the clipped straight-through gradient
    1{|W| <= 1}: ``BinaryLinear``'s default ``kernel_quantizer``.

    >>> sign_ste_quantizer(torch.tensor([-2.0, 0.0, 1.0]))
    tensor([-1., 1., 1.])
    """
    return w.abs().mean().detach() * _SignSTE.apply(w)


class BinaryLinear(nn.Linear):
    r"""A linear layer with binary weights: y = x (alpha sign(W))^T + bias, alpha = mean |W| (one scale per layer).

    Trained through the latent real weights W with the clipped straight-through gradient dL/dW = dL/dW_b 1{|W| <= 1}
    (BinaryNet, Courbariaux et al. 2016; the per-layer scale of XNOR-Net, Rastegari et al. 2016; as in Bi-Real Net);
    the scale is treated as a constant in the backward. sign(0) = +1, so every weight is +-alpha.

    Args: as ``torch.nn.Linear``, and ``kernel_quantizer`` (Larq's name): a callable from the latent weights W to
    the weights the layer computes with; default ``sign_ste_quantizer`` (alpha sign(W) with the clipped
    straight-through gradient). Any differentiable map of W works (e.g. ``torch.tanh`` for a smooth relaxation).

    Shape:
        - Input: (*, in_features); Output: (*, out_features).

    Examples::

        >>> layer = BinaryLinear(3, 2)
        >>> w = layer.weight.abs().mean() * torch.where(layer.weight >= 0, 1.0, -1.0)
        >>> x = torch.randn(4, 3)
        >>> torch.allclose(layer(x), x @ w.T + layer.bias)
        True
        >>> BinaryLinear(3, 2, kernel_quantizer=torch.tanh)
        BinaryLinear(in_features=3, out_features=2, bias=True, kernel_quantizer=tanh)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None,
                 kernel_quantizer=None):
        super().__init__(in_features, out_features, bias=bias, device=device, dtype=dtype)
        if kernel_quantizer is not None and not callable(kernel_quantizer):
            raise InvalidParameterError(f"kernel_quantizer must be a callable from the weights to the weights used; got "
                                        f"{kernel_quantizer!r}")
        self.kernel_quantizer = sign_ste_quantizer if kernel_quantizer is None else kernel_quantizer

    def binary_weight(self) -> torch.Tensor:
        """The weights the layer computes with: ``kernel_quantizer(W)`` (default alpha sign(W))."""
        return self.kernel_quantizer(self.weight)

    def extra_repr(self) -> str:
        """The gains and flags, as ``repr`` shows them."""
        quantizer = self.kernel_quantizer
        shown = "" if quantizer is sign_ste_quantizer else f", kernel_quantizer={getattr(quantizer, '__name__', quantizer)}"
        return super().extra_repr() + shown

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The activation of ``x`` (elementwise; see the class docstring)."""
        return F.linear(x, self.binary_weight(), self.bias)


#: the modules ``binarize`` switches to the exact step (each has a ``binary`` flag and its gains in its extra state)
BINARIZABLE = (HTAF, ScaledSigmoid, HTAFSpike)

for _module in (HTAF, ScaledSigmoid, Heaviside, HeavisideSTE, HTAFSpike, BinaryLinear):
    _module.__prepare_scriptable__ = _not_scriptable
_SignSTE.forward.__signature__ = inspect.signature(_SignSTE.forward)     # as in functional: bound once, not per call


def htaf_spike(a: float, b: float, spiking: bool = True) -> HTAFSpike:
    """snnTorch's convention, a callable to pass as ``spike_grad=``: ``snntorch.Leaky(beta, spike_grad=htaf_spike(7, 3.2))``
    (binary spikes forward, h' backward; ``spiking=False`` gives the smooth h)."""
    return HTAFSpike(a, b, spiking=spiking)


@contextlib.contextmanager
def binarize(model: nn.Module, strict: bool = True):
    """Within the block, every HTAF, ScaledSigmoid and HTAFSpike in ``model`` computes the exact step (its ``binary`` flag).

    The modules stay where they are (hooks, parameters and references to them keep working); each flag is put
    back on exit, even after an error. A model without any such module is refused (``InvalidParameterError``)
    unless ``strict=False`` (then the block runs the model unchanged, e.g. a ReLU baseline in a sweep).

    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(5.0, 1.0))
    >>> with binarize(net):
    ...     print(net[1])
    HTAF(a=5, b=1, binary=True)
    >>> print(net[1])
    HTAF(a=5, b=1)
    """
    if not isinstance(model, nn.Module):
        raise InvalidParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    kinds = BINARIZABLE
    switched = {id(m): (m, m.binary) for m in model.modules() if isinstance(m, kinds)}
    if strict and not switched:
        raise InvalidParameterError(
            f"binarize: {type(model).__name__} has no HTAF, ScaledSigmoid or HTAFSpike module, so there is nothing to "
            "switch to the step; build it with htaf_theory.nn.HTAF / HTAFSpike (or pass strict=False)")

    def switch_new(*_):
        # a module added to the model inside the block computes the step too (checked before every forward)
        for m in model.modules():
            if isinstance(m, kinds) and id(m) not in switched:
                switched[id(m)] = (m, m.binary)
                m.binary = True

    for module, _ in switched.values():
        module.binary = True
    hook = model.register_forward_pre_hook(switch_new)
    try:
        yield model
    finally:
        hook.remove()
        for module, before in switched.values():
            module.binary = before
