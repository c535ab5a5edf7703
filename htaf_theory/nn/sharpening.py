"""Theory-guided training for deployment: sharpen HTAF along Prop. 3.1's frontier, penalise the transition zone.

Theorem C.1 bounds what swapping HTAF for the exact step costs a one-hidden-layer net f = beta^T H(z):

    E|f - f_h| <= sum_j |beta_j| (eps + P(|z_j| < delta)),

where h is eps-close to H outside [-delta, delta], i.e. (Prop. 3.1) b >= min_b(a, eps, delta). Two ways to make the
bound small during training, both here:

* ``Sharpening`` moves every HTAF / HTAFSpike layer along the admissible frontier b = min_b(a, eps, delta) while
  delta shrinks geometrically from ``delta0`` to ``delta1`` (optionally a moves geometrically to ``a1`` too), and
  every ScaledSigmoid along its own frontier gamma = L(eps) / delta (sigma(-gamma delta) = eps), so the SS baseline
  gets the same chance. A scheduler in the style of ``torch.optim.lr_scheduler``, with its names (``total_iters``,
  ``last_epoch``, ``get_last_gains()`` beside ``get_last_lr()``): built on a model, ``step()`` once per epoch (or
  iteration), ``state_dict()`` / ``load_state_dict()`` for resuming.
* ``ZonePenalty`` adds a smooth surrogate of C.1's zone term: lam * mean over layers of mean_j sech^2(z_j / delta),
  which is 1 at z = 0 and e^{-2|z|/delta}-small outside the zone, computed on the pre-activations of the forward
  pass that the loss used.

>>> import torch
>>> from htaf_theory.nn import HTAF
>>> net = torch.nn.Sequential(torch.nn.Linear(2, 4), HTAF(5.0, 4.72), torch.nn.Linear(4, 1))
>>> sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=10)
>>> for epoch in range(10):
...     sched.step()
>>> round(sched.delta, 6), round(net[1].b / 4.72, 1)     # delta 10x smaller: b about 10x larger
(0.01, 10.0)
"""
from __future__ import annotations

import torch
from torch import nn

import math
import numbers
import warnings

from ..params import min_a, min_gamma, select, transition_width
from ..validation import InvalidParameterError, as_scalar, check_eps, check_positive
from .functional import _sech2
from .modules import BINARIZABLE, ScaledSigmoid

__all__ = ["Sharpening", "ZonePenalty", "frontier_layers", "layer_delta"]


def frontier_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every HTAF, HTAFSpike and ScaledSigmoid of ``model``, in ``named_modules`` order."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, BINARIZABLE)]


def layer_delta(module: nn.Module, eps: float) -> float:
    """The transition half-width of an HTAF / HTAFSpike / ScaledSigmoid module at tolerance eps.

    HTAF: ``params.transition_width(a, b, eps)``; SS: sigma(-gamma delta) = eps, so delta = L(eps)/gamma.

    >>> from htaf_theory.nn import HTAF
    >>> round(layer_delta(HTAF(10.0, 2.0), 0.1), 6), round(layer_delta(ScaledSigmoid(22.0), 0.1), 6)
    (0.111682, 0.099874)
    """
    eps = float(check_eps(as_scalar("eps", eps)))
    if not isinstance(module, BINARIZABLE):
        raise InvalidParameterError(f"module must be an HTAF, HTAFSpike or ScaledSigmoid; got {type(module).__name__}")
    if isinstance(module, ScaledSigmoid):
        return float(min_a(eps)) / module.gamma
    a, b = (float(torch.as_tensor(v).detach()) for v in (module.a, module.b))
    return float(transition_width(a, b, eps))


class Sharpening:
    """Move a model's HTAF-like layers along Prop. 3.1's frontier from delta0 to delta1 over ``total_iters`` steps.

    After step k (k = ``last_epoch``, 0 at construction, clipped at n = ``total_iters``): delta_k = delta0
    (delta1/delta0)^(k/n); each HTAF/HTAFSpike layer has a_k = a (a1/a)^(k/n) (a fixed when ``a1`` is None) and b_k the least
    admissible b for (a_k, eps, delta_k) (``params.select``: sup_{|x|>=delta_k} |h - H| <= eps, exactly); each
    ScaledSigmoid has gamma_k = min_gamma(eps, delta_k), L(eps)/delta_k rounded up so that sigma(-gamma_k delta_k)
    <= eps holds exactly.

    Parameters
    ----------
    model : torch.nn.Module
        Holds at least one HTAF (fixed gains), HTAFSpike or ScaledSigmoid.
    eps : float
        Tolerance in (0, 1/2), fixed along the schedule.
    delta0, delta1 : float
        Transition half-widths at the start and the end, 0 < delta1 <= delta0.
    total_iters : int
        Number of ``step()`` calls from delta0 to delta1 (>= 1), lr_scheduler's name (``steps=`` is its older
        alias, kept for one version with a DeprecationWarning).
    a1 : float, optional
        Final outer gain of every HTAF layer (> min_a(eps)); None keeps each layer's own a.
    monitor : callable, optional
        Called as ``monitor(model)`` after every step; its result is appended to ``history`` (e.g. the C.1 bound:
        ``lambda m: swap_report(m, X_val, eps=0.1).c1_bound``).

    Raises
    ------
    InvalidParameterError
        naming the argument: eps outside (0, 1/2), delta1 > delta0, total_iters < 1, a layer's a (or a1) <= min_a(eps),
        learnable HTAF gains, a model without such layers, or a schedule whose last step is out of reach (b or
        gamma at delta1 beyond float64): checked here, before any step.
    """

    def __init__(self, model: nn.Module, eps: float, delta0: float, delta1: float, total_iters: int | None = None,
                 a1: float | None = None, monitor=None, *, steps: int | None = None):
        if steps is not None:
            if total_iters is not None:
                raise InvalidParameterError("give total_iters or its older name steps, not both")
            warnings.warn("Sharpening(steps=...) is now total_iters=... (torch.optim.lr_scheduler's name); steps= "
                          "goes in the next version", DeprecationWarning, stacklevel=2)
            total_iters = steps
        if total_iters is None:
            raise InvalidParameterError("total_iters (the number of step() calls from delta0 to delta1) is required")
        self.eps = float(check_eps(as_scalar("eps", eps)))
        self.delta0 = float(check_positive("delta0", as_scalar("delta0", delta0)))
        self.delta1 = float(check_positive("delta1", as_scalar("delta1", delta1)))
        if self.delta1 > self.delta0:
            raise InvalidParameterError(f"delta1 must not exceed delta0 = {self.delta0!r} (sharpening narrows the "
                                        f"transition zone; valid range: (0, delta0]); got delta1={self.delta1!r}")
        if isinstance(total_iters, bool) or not isinstance(total_iters, numbers.Integral) or total_iters < 1:
            raise InvalidParameterError(f"total_iters must be an integer >= 1; got total_iters={total_iters!r}")
        total_iters = int(total_iters)
        if not isinstance(model, nn.Module):
            raise InvalidParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
        self.model, self.total_iters, self.monitor = model, total_iters, monitor
        self.layers = frontier_layers(model)
        if not self.layers:
            raise InvalidParameterError("model has no HTAF, HTAFSpike or ScaledSigmoid layer to sharpen")
        floor = float(min_a(self.eps))
        self.a1 = None if a1 is None else float(check_positive("a1", as_scalar("a1", a1)))
        if self.a1 is not None and self.a1 <= floor:
            raise InvalidParameterError(f"a1 must exceed min_a(eps) = {floor:.6g} (valid range: (min_a(eps), inf)); "
                                        f"got a1={self.a1!r}")
        self.a0 = {}
        for name, module in self.layers:
            if isinstance(module, ScaledSigmoid):
                continue
            if getattr(module, "learnable", False):
                raise InvalidParameterError(f"layer {name!r} has learnable gains: the schedule sets a and b itself")
            if module.a <= floor:
                raise InvalidParameterError(f"layer {name!r} has a={module.a!r} <= min_a(eps) = {floor:.6g}: no b makes it "
                                            f"eps-close (valid range of a: (min_a(eps), inf))")
            self.a0[name] = float(module.a)
        self._check_reachable()
        self.last_epoch = 0
        self.history: list = []
        self._apply()

    # the older names, kept for one version (lr_scheduler's are total_iters and last_epoch)
    @property
    def steps(self) -> int:
        """Older name of ``total_iters``."""
        return self.total_iters

    @property
    def last_step(self) -> int:
        """Older name of ``last_epoch``."""
        return self.last_epoch

    @last_step.setter
    def last_step(self, value: int) -> None:
        self.last_epoch = value

    def get_last_gains(self) -> dict:
        """The gains the last ``step()`` set (``gains()``): the scheduler's answer to lr_scheduler's ``get_last_lr``."""
        return self.gains()

    def _check_reachable(self) -> None:
        """Every step's gains exist: b_k = min_b(a_k, eps, delta_k) is largest at delta1 and the smallest a on the
        path (a_k moves geometrically between a0 and a1), gamma_k largest at delta1; refuse here, naming delta1."""
        for name, module in self.layers:
            if isinstance(module, ScaledSigmoid):
                try:
                    gamma = min_gamma(self.eps, self.delta1)
                except InvalidParameterError as err:
                    gamma, why = math.inf, str(err)
                if not math.isfinite(gamma):
                    raise InvalidParameterError(f"delta1={self.delta1!r} is out of reach for layer {name!r}: gamma = "
                                                f"L(eps)/delta1 is beyond float64 ({why}); valid range: delta1 > "
                                                f"{float(min_a(self.eps)) / 1e308:.3g}")
                continue
            a_low = min(self.a0[name], self.a1) if self.a1 is not None else self.a0[name]
            try:
                b = select(self.eps, self.delta1, a=a_low).b
            except InvalidParameterError as err:
                raise InvalidParameterError(f"delta1={self.delta1!r} is out of reach for layer {name!r}: {err}") from None
            if not math.isfinite(b):
                raise InvalidParameterError(f"delta1={self.delta1!r} is out of reach for layer {name!r}: b = "
                                            f"min_b(a={a_low:g}, eps, delta1) is beyond float64 (valid range: a larger "
                                            f"delta1)")

    @property
    def delta(self) -> float:
        """The current transition half-width delta_k."""
        return self._at(self.delta0, self.delta1)

    def _at(self, start: float, end: float, step: int | None = None) -> float:
        k = min(self.last_epoch if step is None else step, self.total_iters)
        if k == self.total_iters:
            return end
        return start * (end / start) ** (k / self.total_iters)

    def gains(self) -> dict:
        """{layer name: (a, b)} for HTAF/HTAFSpike, {layer name: gamma} for ScaledSigmoid, as set now."""
        return {name: (m.gamma if isinstance(m, ScaledSigmoid) else (m.a, m.b)) for name, m in self.layers}

    def _targets(self, step: int, a0: dict) -> dict:
        """{layer name: gamma or (a, b)} at ``step`` from the starting gains ``a0``, computed without setting any:
        a state that cannot be reached is refused before the scheduler or the model changes."""
        delta = self._at(self.delta0, self.delta1, step)
        out = {}
        for name, module in self.layers:
            if isinstance(module, ScaledSigmoid):
                out[name] = min_gamma(self.eps, delta)
            else:
                a = a0[name] if self.a1 is None else self._at(a0[name], self.a1, step)
                b = select(self.eps, delta, a=a).b
                if not math.isfinite(b):
                    raise InvalidParameterError(f"layer {name!r}: b = min_b(a={a:.17g}, eps, delta={delta:.6g}) is beyond "
                                                f"float64")
                out[name] = (a, b)
        return out

    def _apply(self, targets: dict | None = None) -> None:
        targets = self._targets(self.last_epoch, self.a0) if targets is None else targets
        for name, module in self.layers:
            if isinstance(module, ScaledSigmoid):
                module.set_gamma(targets[name])
            else:
                module.set_gains(*targets[name])

    def step(self) -> None:
        """Advance one step along the schedule (past ``total_iters`` the gains stay at the target)."""
        self.last_epoch += 1
        self._apply()
        if self.monitor is not None:
            self.history.append({"step": self.last_epoch, "delta": self.delta, "value": self.monitor(self.model)})

    def state_dict(self) -> dict:
        """What resuming needs: the step count (key ``last_step``, as checkpoints store it) and the starting gains
        (the rest is the constructor's arguments)."""
        return {"last_step": self.last_epoch, "a0": dict(self.a0), "history": list(self.history)}

    def load_state_dict(self, state: dict, *, at_step: int | None = None) -> None:
        """Resume from ``state_dict()``'s output. The whole state is checked before any of it is used, so a state
        that is refused leaves the scheduler as it was.

        ``at_step``: the step the caller's training resumes at (one step per epoch: the checkpoint's epoch); a state
        whose ``last_step`` differs would run a schedule out of step with the training and is refused.
        """
        if not isinstance(state, dict):
            raise InvalidParameterError(f"not a Sharpening state (a dict from state_dict()): {type(state).__name__}")
        last = state.get("last_step")
        if isinstance(last, bool) or not isinstance(last, numbers.Integral) or last < 0:
            raise InvalidParameterError(f"a Sharpening state's last_step must be an integer >= 0; got last_step={last!r}")
        if at_step is not None and int(last) != at_step:
            raise InvalidParameterError(f"the Sharpening state is at step {int(last)}, the training it resumes at step "
                                        f"{at_step}: the schedule would run out of step")
        a0 = state.get("a0")
        if not isinstance(a0, dict) or set(a0) != set(self.a0):
            raise InvalidParameterError(f"the state's layers {sorted(a0) if isinstance(a0, dict) else a0!r} are not "
                                        f"this model's {sorted(self.a0)}")
        floor = float(min_a(self.eps))
        gains = {}
        for name, value in a0.items():
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (floor < float(value) < math.inf):
                raise InvalidParameterError(f"the state's a0[{name!r}] must be a finite number > min_a(eps) = "
                                            f"{floor:.6g}; got {value!r}")
            gains[name] = float(value)
        history = state.get("history", [])
        if not isinstance(history, list):
            raise InvalidParameterError(f"the state's history must be a list; got {type(history).__name__}")
        try:
            targets = self._targets(int(last), gains)
        except InvalidParameterError as err:
            raise InvalidParameterError(f"the Sharpening state cannot be reached at its step {int(last)}: {err}") from None
        self.last_epoch, self.a0, self.history = int(last), gains, list(history)
        self._apply(targets)


class ZonePenalty:
    """lam * mean over layers of mean(sech^2(z / delta)), z the inputs of the model's HTAF-like layers.

    A smooth surrogate of Thm C.1's zone term P(|z| < delta) (delta of each layer at tolerance eps: ``layer_delta``):
    add ``penalty()`` to the loss after the forward pass.

    >>> import torch
    >>> from htaf_theory.nn import HTAF
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(5.0, 4.72), torch.nn.Linear(3, 1))
    >>> zone = ZonePenalty(net, eps=0.1, lam=1.0)
    >>> loss = net(torch.randn(8, 2)).pow(2).mean() + zone.penalty()
    >>> 0.0 <= float(zone.last) <= 1.0
    True
    """

    def __init__(self, model: nn.Module, eps: float, lam: float):
        if not isinstance(model, nn.Module):
            raise InvalidParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
        self.eps = float(check_eps(as_scalar("eps", eps)))
        self.lam = float(check_positive("lam", as_scalar("lam", lam)))
        self.layers = frontier_layers(model)
        if not self.layers:
            raise InvalidParameterError("model has no HTAF, HTAFSpike or ScaledSigmoid layer to penalise")
        for name, m in self.layers:
            self._delta(name, m)
        self._inputs: list[torch.Tensor] = []
        # a new forward of the whole model starts a new pass: the inputs of earlier passes whose penalty was never
        # asked for are dropped, so they do not keep their graphs alive
        self._handles = [model.register_forward_pre_hook(self._new_pass)]
        self._handles += [m.register_forward_pre_hook(self._keep) for _, m in self.layers]
        self.last = None

    def _delta(self, name: str, module: nn.Module) -> float:
        """The layer's half-width at eps; a layer that is never eps-close to the step (a <= min_a(eps)) has none, and
        its penalty would be a constant 1 with no gradient: refused by name."""
        delta = layer_delta(module, self.eps)
        if not math.isfinite(delta):
            raise InvalidParameterError(
                f"layer {name!r} ({module!r}) is never {self.eps:g}-close to the step (its outer gain is at or below "
                f"min_a(eps) = {float(min_a(self.eps)):.6g}), so it has no zone to penalise: raise a above min_a(eps)")
        return delta

    def _new_pass(self, module, inputs) -> None:
        # a forward without gradient (an evaluation between the training forward and ``penalty()``) keeps the
        # training pass's inputs
        if torch.is_grad_enabled():
            self._inputs.clear()

    def _keep(self, module, inputs) -> None:
        if torch.is_grad_enabled():
            self._inputs.append((module, inputs[0]))

    def penalty(self) -> torch.Tensor:
        """The penalty of the model's latest forward pass (then forgotten); 0 if there was none or it had no inputs."""
        names = {m: n for n, m in self.layers}
        terms = [_sech2(z / self._delta(names.get(m, "?"), m)).mean() for m, z in self._inputs if z.numel() > 0]
        self._inputs.clear()
        if not terms:
            return torch.zeros(())
        value = torch.stack(terms).mean()
        self.last = value.detach()
        return self.lam * value

    def remove(self) -> None:
        """Detach the hooks from the model."""
        for h in self._handles:
            h.remove()
