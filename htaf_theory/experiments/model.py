"""The MLP of Appendix F: Linear layers with one activation after each hidden layer, no batch norm.

With ``keep=True`` the forward pass keeps each hidden layer's pre-activation and output, and the backward
records the mean over samples of the row norms of dLoss/d(pre-activation) per layer (the quantity of the
paper's Fig. 7 and 8).
"""
from __future__ import annotations

import torch
from torch import nn

from .. import nn as hnn
from .config import RunConfig

__all__ = ["MLP", "make_activation"]


def make_activation(cfg: RunConfig) -> nn.Module:
    """The activation module of a cell: ReLU, HTAF(a, b) (``cfg.backward``), ScaledSigmoid(gamma) or
    HeavisideSTE(surrogate, slope), as ``cfg.activation`` says."""
    if cfg.activation == "relu":
        return nn.ReLU()
    if cfg.activation == "htaf":
        return hnn.HTAF(cfg.a, cfg.b, backward=cfg.backward)
    if cfg.activation == "ss":
        return hnn.ScaledSigmoid(cfg.gamma)
    return hnn.HeavisideSTE(cfg.surrogate, cfg.slope)


class MLP(nn.Module):
    """Input -> [Linear -> activation] * len(hidden) -> Linear(1)."""

    def __init__(self, in_features: int, hidden: tuple[int, ...], activation_factory):
        super().__init__()
        widths = [in_features, *hidden]
        self.linears = nn.ModuleList(nn.Linear(i, o) for i, o in zip(widths[:-1], widths[1:]))
        self.activations = nn.ModuleList(activation_factory() for _ in hidden)
        self.head = nn.Linear(widths[-1], 1)
        self.pre_activations: list[torch.Tensor] = []
        self.hidden_outputs: list[torch.Tensor] = []
        self.grad_row_norms: list[torch.Tensor | None] = []

    def forward(self, x: torch.Tensor, keep: bool = False) -> torch.Tensor:
        """The network's output; ``keep``: also store ``pre_activations`` and ``hidden_outputs`` (one per hidden
        layer), and, once backward has run, ``grad_row_norms``: per layer the mean over samples of ||dLoss/dz_i||_2
        (a 0-dim tensor), z the layer's pre-activation.

        The norms are taken by a hook while backward passes the layer, not from ``z.retain_grad()``, which keeps a
        copy of every gradient (one pass over it, and its memory, per layer and epoch; benchmarks/bench_epoch_parts.py).
        """
        self.pre_activations, self.hidden_outputs = [], []
        self.grad_row_norms = norms = [None] * len(self.linears)
        for layer, (linear, act) in enumerate(zip(self.linears, self.activations)):
            z = linear(x)
            if keep:
                if z.requires_grad:
                    z.register_hook(_row_norm_recorder(norms, layer))
                self.pre_activations.append(z)
            x = act(z)
            if keep:
                self.hidden_outputs.append(x)
        return self.head(x).squeeze(-1)


def _row_norm_recorder(norms: list, layer: int):
    """A tensor hook that stores the mean row norm of the gradient it sees in ``norms[layer]`` (gradient unchanged).

    It holds the list, not the model: the model's reference to its pre-activations then makes no cycle.
    """
    def record(grad: torch.Tensor) -> None:
        norms[layer] = torch.linalg.vector_norm(grad, dim=1).mean()
    return record
