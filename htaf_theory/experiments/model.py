"""The MLP of Appendix F: Linear layers with one activation after each hidden layer, no batch norm.

The forward pass keeps each hidden layer's pre-activation so the trainer can record
dLoss/d(pre-activation) per layer (the quantity of the paper's Fig. 7 and 8).
"""
from __future__ import annotations

import torch
from torch import nn

from .. import nn as hnn
from .config import RunConfig

__all__ = ["MLP", "make_activation"]


def make_activation(cfg: RunConfig) -> nn.Module:
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

    def forward(self, x: torch.Tensor, keep: bool = False) -> torch.Tensor:
        self.pre_activations, self.hidden_outputs = [], []
        for linear, act in zip(self.linears, self.activations):
            z = linear(x)
            if keep:
                if z.requires_grad:
                    z.retain_grad()
                self.pre_activations.append(z)
            x = act(z)
            if keep:
                self.hidden_outputs.append(x)
        return self.head(x).squeeze(-1)
