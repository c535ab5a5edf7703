"""The torch formulas of the layer's kernels (private): the eager reference, what ``torch.compile`` fuses, and what
the native library is checked against (``_native.self_check``).

Forward h(x) = sigmoid(a tanh(b x)) (paper eq. (1)); the backward h'(x) = 4 a b e1/(1 + e1)^2 e2/(1 + e2)^2,
e1 = e^{-2|bx|}, e2 = e^{-|a tanh(bx)|}, finite for every input and exact down to float32 underflow.
Also the exact step with its NaN rule and the STE surrogate derivatives (App. D.4).
"""
from __future__ import annotations

import torch


def _tanh_abs(u: torch.Tensor, e1: torch.Tensor, r1: torch.Tensor) -> torch.Tensor:
    """tanh(u) for u >= 0, given e1 = e^{-2u} and r1 = 1/(1 + e1), to a few ulps in float32 and float64.

    Not (1 - e1)/(1 + e1) alone: 1 - e1 cancels for small u, and h then loses a*ulp (50 ulps at a = 1000). Not
    expm1 either: inductor's vectorized expm1 is exp - 1 (torch._inductor.codegen.cpp), the same cancellation.
    float32: Cephes' polynomial below u = 0.625 (no exp); float64: torch.tanh (exact to an ulp, compiled or not).
    """
    if u.dtype == torch.float64:
        return torch.tanh(u)
    z = u * u
    # Cephes tanhf (S. L. Moshier): tanh(u) = u + u z P(z), z = u^2, 0 <= u < 0.625. Literals, not a module-level
    # tuple: dynamo turns global floats into per-call tensor inputs (a compiled call cost 68 us instead of 33)
    poly = (((-5.70498872745e-3 * z + 2.06390887954e-2) * z - 5.37397155531e-2) * z + 1.33314422036e-1) * z - 3.33332819422e-1
    small = u + u * z * poly
    return torch.where(u < 0.625, small, (1.0 - e1) * r1)


def _htaf_forward(x: torch.Tensor, a, b) -> torch.Tensor:
    y = b * x
    u = y.abs()
    e1 = torch.exp(-2.0 * u)
    return torch.sigmoid(a * torch.copysign(_tanh_abs(u, e1, 1.0 / (1.0 + e1)), y))


def _htaf_forward_and_grad(x: torch.Tensor, a, b) -> tuple[torch.Tensor, torch.Tensor]:
    """h(x) and h'(x) in one pass (training: the backward is then one multiply by the saved h').

    sigma(z) = 1/(1 + e2) for z >= 0 and e2/(1 + e2) below, with e2 = e^{-|z|}: the forward's second exp and
    division serve h' too (2 exps and 2 divisions, against 4 and 4 for the forward plus a recomputing backward).
    """
    y = b * x
    u = y.abs()
    e1 = torch.exp(-2.0 * u)
    r1 = 1.0 / (1.0 + e1)
    e2 = torch.exp(-a * _tanh_abs(u, e1, r1))
    r2 = 1.0 / (1.0 + e2)
    value = torch.where(y >= 0, r2, e2 * r2)     # NaN input: r2 is NaN on both branches
    return value, (4.0 * a * b) * e1 * r1 * r1 * e2 * r2 * r2


def _htaf_backward(x: torch.Tensor, grad: torch.Tensor, a, b) -> torch.Tensor:
    # the recomputing backward (learnable gains, the spike function): h' from the one formula above; compiled,
    # the unused value is dropped
    return grad * _htaf_forward_and_grad(x, a, b)[1]


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


def _ss_forward_and_grad(x: torch.Tensor, gamma) -> tuple[torch.Tensor, torch.Tensor]:
    """sigma(gamma x) and its derivative gamma e/(1 + e)^2, e = e^{-|gamma x|}, from one exp and one division."""
    z = gamma * x
    e = torch.exp(-z.abs())
    r = 1.0 / (1.0 + e)
    return torch.where(z >= 0, r, e * r), gamma * e * r * r


def _step_forward(x: torch.Tensor) -> torch.Tensor:
    # H(0) = 1 (core.heaviside); NaN stays NaN
    return torch.where(torch.isnan(x), x, (x >= 0).to(x.dtype))


def _ste_tanh_backward(x: torch.Tensor, grad: torch.Tensor, k) -> torch.Tensor:
    # d/dx (1 + tanh(kx))/2 = 2k e/(1 + e)^2, e = e^{-2k|x|}: finite in the tails
    e = torch.exp(-2.0 * (k * x).abs())
    return grad * (2.0 * k * e / (1.0 + e).square())


def _ste_rect_backward(x: torch.Tensor, grad: torch.Tensor, k) -> torch.Tensor:
    # d/dx clip(kx + 1/2, 0, 1) = k on |x| < 1/(2k), else 0
    return torch.where((k * x).abs() < 0.5, grad * k, torch.zeros_like(grad))


#: kernel name -> its formula (the names of the native library's kernels too)
FORMULAS = {"htaf_fwd": _htaf_forward, "htaf_fwd_grad": _htaf_forward_and_grad, "htaf_bwd": _htaf_backward,
            "htaf_param": _htaf_param_grads,
            "ss_fwd": _ss_forward, "ss_fwd_grad": _ss_forward_and_grad, "ss_bwd": _ss_backward, "step_fwd": _step_forward,
            "ste_sigmoid_bwd": _ss_backward, "ste_tanh_bwd": _ste_tanh_backward, "ste_rect_bwd": _ste_rect_backward}
