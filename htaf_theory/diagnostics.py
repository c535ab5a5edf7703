"""Swap-cost diagnostic: what swapping HTAF (or SS) for the exact step will cost, measured before deploying.

Theorem C.1 (App. C; the form its proof gives): for f(x) = beta^T H(z(x)) and its smooth copy
f_h = beta^T h(z(x)), where h is eps-close to H outside [-delta, delta],

    E|f - f_h| <= sum_j |beta_j| E|H(z_j) - h(z_j)| <= sum_j |beta_j| (eps + P(|z_j| < delta)),

and condition (C) bounds P(|z_j| < delta) by K delta. ``swap_report`` evaluates the middle and right-hand
sides on the user's own inputs (the empirical measure, so the inequality holds exactly there) and measures
what the swap really changes, layer by layer and at the output.

delta for a layer is the smallest half-width outside which it is eps-close to H:
``params.transition_width(a, b, eps)`` for HTAF, L(eps)/gamma (L = log((1-eps)/eps)) for SS.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from .nn.sharpening import layer_delta
from .validation import InvalidParameterError, check_eps

__all__ = ["swap_report", "SwapReport", "LayerSwap", "layer_delta"]


@dataclass
class LayerSwap:
    """One HTAF-like layer of the model."""

    name: str                  #: module path in the model (``model.named_modules()``)
    module: str                #: its repr, e.g. "HTAF(a=11, b=2)"
    delta: float               #: transition half-width at eps (inf: the layer is never eps-close to H)
    zone_fraction: float       #: share of pre-activations with |z| < delta (smooth network)
    not_binary_fraction: float  #: share of outputs farther than eps from both 0 and 1 (smooth network)
    local_gap: float           #: mean |H(z) - h(z)| over the smooth network's pre-activations
    local_bound: float         #: Thm C.1's per-unit bound for it: eps + zone_fraction
    output_change: float       #: mean |layer output, every layer swapped - smooth layer output|
    alone_prediction_change: float  #: mean |f(x) - f(x) with this layer alone swapped|


@dataclass
class SwapReport:
    """``swap_report``'s answer: per layer, and for the network's output."""

    eps: float  #: the tolerance eps the report measures at
    n_samples: int  #: number of inputs measured
    layers: list[LayerSwap] = field(default_factory=list)  #: one LayerSwap per HTAF-like layer, in the model's order
    prediction_change: float = math.nan   #: mean over samples (and outputs) of |f_H(x) - f_h(x)|, every layer swapped
    decision_flips: float | None = None   #: share of samples whose decision changes ("sign" or "argmax"), if asked
    c1_bound: float | None = None         #: Thm C.1 bound on the last layer's alone_prediction_change (needs a Linear head)
    c1_note: str = ""  #: why there is no C.1 bound, when there is none

    def as_dict(self) -> dict:
        """Plain data for JSON: a non-finite number (delta = inf: the layer is never eps-close to H) becomes None."""
        def finite(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v
        d = asdict(self)
        d["layers"] = [{k: finite(v) for k, v in layer.items()} for layer in d["layers"]]
        return {k: finite(v) for k, v in d.items()}

    def __str__(self) -> str:
        lines = [f"swap report at eps={self.eps:g} on {self.n_samples} samples",
                 f"{'layer':<16} {'delta':>9} {'in zone':>9} {'not binary':>10} {'mean|H-h|':>9} {'eps+zone':>9} "
                 f"{'out change':>10} {'f, alone':>9}"]
        for r in self.layers:
            lines.append(f"{r.name:<16} {r.delta:>9.3g} {r.zone_fraction:>9.3g} {r.not_binary_fraction:>10.3g} "
                         f"{r.local_gap:>9.3g} {r.local_bound:>9.3g} {r.output_change:>10.3g} {r.alone_prediction_change:>9.3g}")
        lines.append("  in zone: share of pre-activations with |z| < delta; not binary: share of outputs farther than eps "
                     "from 0 and 1;")
        lines.append("  mean|H-h|: the swap's mean change of a unit, eps+zone: Thm C.1's bound on it; out change: the "
                     "layer's output, every layer swapped;")
        lines.append("  f, alone: the network's output when only this layer is swapped")
        lines.append(f"prediction change (all swapped): {self.prediction_change:.4g}")
        if self.decision_flips is not None:
            lines.append(f"decisions flipped: {self.decision_flips:.4g}")
        if self.c1_bound is not None:
            lines.append(f"Thm C.1 bound on the last layer's swap: {self.c1_bound:.4g} (measured "
                         f"{self.layers[-1].alone_prediction_change:.4g})")
        elif self.c1_note:
            lines.append(self.c1_note)
        return "\n".join(lines)


def _swappable(module: nn.Module) -> bool:
    from .nn import BINARIZABLE
    return isinstance(module, BINARIZABLE)


def _output_gap(out: torch.Tensor, ref: torch.Tensor) -> float:
    return float((out.double() - ref.double()).abs().mean())


def swap_report(model: nn.Module, X: torch.Tensor, eps: float = 0.01, decision: str | None = None,
                reset=None) -> SwapReport:
    """Measure, on inputs ``X``, what swapping every HTAF-like layer of ``model`` for the exact step changes (in eval
    mode: batch norm uses its running statistics, dropout is off; every module's mode is restored afterwards).

    For each HTAF / ScaledSigmoid / HTAFSpike module (in call order): its transition half-width delta at
    ``eps``, the share of pre-activations inside |z| < delta, the share of outputs not eps-close to 0 or 1,
    the mean gap |H(z) - h(z)| beside Theorem C.1's per-unit bound eps + P(|z| < delta), how much the layer's
    output moves when every layer is swapped, and how much the prediction moves when this layer alone is.
    When the last such layer feeds a final ``nn.Linear`` (weights beta) whose output is the model's, ``c1_bound`` is
    mean_k sum_j |beta_kj| (eps + P(|z_j| < delta)), which bounds that layer's ``alone_prediction_change``
    (Theorem C.1 on the empirical measure; for a one-hidden-layer network it bounds ``prediction_change``).

    Parameters
    ----------
    model : torch.nn.Module
        Holds at least one HTAF, ScaledSigmoid or HTAFSpike (their ``binary`` flags are put back afterwards).
    X : torch.Tensor
        Inputs, batch first; ``model(X)`` must return a tensor.
    eps : float
        Tolerance in (0, 1/2) defining each layer's delta.
    decision : {None, "sign", "argmax"}
        Also report the share of samples whose decision flips: sign of a logit output, or argmax over the last dim.
    reset : callable, optional
        Called with the model before each forward pass (stateful networks: e.g.
        ``spikingjelly.activation_based.functional.reset_net``).

    Returns
    -------
    SwapReport

    Examples
    --------
    >>> import torch
    >>> from htaf_theory.nn import HTAF
    >>> net = torch.nn.Sequential(torch.nn.Linear(1, 1), HTAF(10.0, 2.0), torch.nn.Linear(1, 1))
    >>> with torch.no_grad():
    ...     _ = net[0].weight.fill_(1.0), net[0].bias.zero_(), net[2].weight.fill_(1.0), net[2].bias.zero_()
    >>> rep = swap_report(net, torch.tensor([[-1.0], [-0.05], [0.5], [2.0]]), eps=0.1)
    >>> rep.layers[0].zone_fraction            # only z = -0.05 is inside |z| < 0.1117
    0.25
    >>> rep.prediction_change <= rep.c1_bound
    True
    """
    if decision not in (None, "sign", "argmax"):
        raise InvalidParameterError(f"decision must be None, 'sign' or 'argmax'; got decision={decision!r}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating, np.integer)):
        raise InvalidParameterError(f"eps must be a number in (0, 1/2); got eps={eps!r}")
    eps = float(check_eps(eps))
    if not isinstance(model, nn.Module):
        raise InvalidParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not isinstance(X, torch.Tensor):
        raise InvalidParameterError(f"X must be a torch.Tensor; got {type(X).__name__}")
    if not X.is_floating_point():
        raise InvalidParameterError(f"X must be a floating-point tensor (the network's inputs); got dtype {X.dtype}")
    if X.dim() == 0 or X.shape[0] == 0:
        raise InvalidParameterError(f"X must hold at least one sample, batch first; got shape {tuple(X.shape)}")
    if X.is_floating_point() and not bool(torch.isfinite(X).all()):
        bad = int((~torch.isfinite(X)).reshape(X.shape[0], -1).any(dim=1).sum())
        warnings.warn(f"X has {bad} of {X.shape[0]} samples with a NaN or infinite value: the measured changes "
                      f"average over them and may be nan, while the bound does not see them; drop those rows",
                      RuntimeWarning, stacklevel=2)
    names = {m: n for n, m in model.named_modules()}
    layers = [m for m in model.modules() if _swappable(m)]
    if not layers:
        raise InvalidParameterError("model has no HTAF, ScaledSigmoid or HTAFSpike module: nothing to swap "
                                    "(build the network with htaf_theory.nn.HTAF, or see binarize's docstring)")

    leaves = [m for m in model.modules() if not list(m.children())]
    calls: list[nn.Module] = []
    seen: dict[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]] = {}

    outputs: list = []

    def hook(module, inputs, output):
        calls.append(module)
        outputs[:] = [output]                     # the last leaf's output: the head's, if the model returns it
        if module in seen:
            seen[module].append((inputs[0].detach(), output.detach()))

    def run(swapped: set) -> tuple[torch.Tensor, dict]:
        calls.clear()
        for m in layers:
            seen[m] = []
        before = {m: m.binary for m in layers}
        try:
            for m in layers:
                m.binary = m in swapped or before[m]
            if reset is not None:
                reset(model)
            with torch.no_grad():
                out = model(X)
        finally:
            for m, flag in before.items():
                m.binary = flag
        if not isinstance(out, torch.Tensor):
            raise InvalidParameterError(f"model(X) must return a tensor; got {type(out).__name__} (wrap the model so "
                                        f"that it returns the output to compare)")
        head_is_output.append(bool(outputs) and isinstance(outputs[0], torch.Tensor) and outputs[0].shape == out.shape
                              and bool(torch.equal(outputs[0].detach(), out.detach())))
        return out.detach(), {m: (torch.cat([z.reshape(-1) for z, _ in v]), torch.cat([y.reshape(-1) for _, y in v]))
                              for m, v in seen.items()}

    head_is_output: list[bool] = []
    handles = [m.register_forward_hook(hook) for m in leaves]
    # a diagnostic leaves the model as it found it: eval mode while measuring (no batch-norm update, no dropout)
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        f_smooth, smooth = run(set())
        order = [m for m in dict.fromkeys(calls) if m in seen]
        called = list(calls)
        f_step, stepped = run(set(layers))
        alone = {m: _output_gap(run({m})[0], f_smooth) for m in order}
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    if any(smooth[m][0].numel() == 0 for m in layers):
        unused = [names[m] for m in layers if smooth[m][0].numel() == 0]
        raise InvalidParameterError(f"model(X) never called the HTAF-like layer(s) {unused}; nothing to measure there")

    report = SwapReport(eps=eps, n_samples=int(X.shape[0]))
    for m in order:
        z, y = (t.double() for t in smooth[m])
        delta = layer_delta(m, eps)
        zone = float((z.abs() < delta).double().mean())
        step = (z >= 0).double()
        report.layers.append(LayerSwap(
            name=names[m], module=repr(m), delta=delta, zone_fraction=zone,
            not_binary_fraction=float((torch.minimum(y, 1 - y) > eps).double().mean()),
            local_gap=float((step - y).abs().mean()), local_bound=eps + zone,
            output_change=_output_gap(stepped[m][1], smooth[m][1]), alone_prediction_change=alone[m]))
    report.prediction_change = _output_gap(f_step, f_smooth)
    if decision == "sign":
        report.decision_flips = float(((f_step > 0) != (f_smooth > 0)).double().mean())
    elif decision == "argmax":
        report.decision_flips = float((f_step.argmax(-1) != f_smooth.argmax(-1)).double().mean())
    repeated = [names[m] for m in order if called.count(m) > 1]
    if repeated:
        report.c1_note = (f"Thm C.1 bound not computed: layer(s) {repeated} run more than once per forward (a recurrent or "
                          "spiking net, whose state depends on the swapped outputs); the theorem is for f = beta^T H(z)")
    elif not head_is_output[0]:
        report.c1_note = ("Thm C.1 bound not computed: the model's output is not its last layer's output (it is "
                          "transformed after the head), and the theorem is for f = beta^T H(z)")
    else:
        _c1_head_bound(report, order[-1], called, smooth, eps)
    return report


def _c1_head_bound(report: SwapReport, last: nn.Module, called: list, smooth: dict, eps: float) -> None:
    """Fill ``c1_bound`` when the last swappable layer feeds, as the final call, an nn.Linear head."""
    after = called[len(called) - 1 - called[::-1].index(last) + 1:]
    head = after[0] if len(after) == 1 else None
    z = smooth[last][0]
    units = head.in_features if isinstance(head, nn.Linear) else None
    if units is None or z.numel() % units:
        report.c1_note = ("Thm C.1 bound not computed: the last HTAF-like layer does not feed a final nn.Linear head "
                          "(the theorem is stated for f = beta^T H(z))")
        return
    delta = layer_delta(last, eps)
    per_unit = (z.double().reshape(-1, units).abs() < delta).double().mean(0)     # P(|z_j| < delta), per unit j
    beta = head.weight.detach().double().abs()                                      # (outputs, units)
    report.c1_bound = float((beta @ (eps + per_unit)).mean())
    if not np.isfinite(report.c1_bound):
        report.c1_bound = None
