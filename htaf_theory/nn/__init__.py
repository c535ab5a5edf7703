"""Torch layer: functional ``htaf``, the ``HTAF`` module, SS / Heaviside / STE baselines, ``binarize``.

Forward h(x) = sigmoid(a tanh(b x)) (paper eq. (1)); the backward does not go through
autograd's ``1 - tanh^2`` and ``s (1 - s)``, which round to exactly 0 in float32 once
|b x| > 9 or |u| > 17, i.e. exactly in the tails HTAF is meant to keep alive. Instead

    h'(x) = 4 a b  e1 / (1 + e1)^2  *  e2 / (1 + e2)^2,   e1 = e^{-2|bx|},  e2 = e^{-|a tanh(bx)|}

which is finite for every input (inf included) and exact down to float32 underflow. One tensor is
saved for backward (the input, or in training with fixed gains h' itself, computed in the forward's
pass). Kernels: float32 CPU tensors run native C loops compiled once per machine (``htaf kernels``
says where; ``htaf kernels --build`` builds them ahead); other dtypes and devices run the same
formulas compiled once per process by ``torch.compile``, or eagerly below ``EAGER_BELOW`` elements
or where compiling is unavailable (after a one-time warning). Half-precision inputs are computed in
float32 and cast back. HTAF_KERNELS=compiled skips the native kernels, HTAF_KERNELS=eager compiling too.

STE surrogates (paper App. D.4; its formulas were lost, these are ours): derivatives of
sigma(k x), (1 + tanh(k x))/2 and clip(k x + 1/2, 0, 1), each integrating to 1.
"""
from __future__ import annotations

from ._kernels import compile_enabled, kernel_status
from ._native import kernel_path
from .sharpening import Sharpening, ZonePenalty, layer_delta
from .functional import BACKWARDS, SURROGATES, build_kernels, heaviside, heaviside_htaf_grad, heaviside_ste, htaf, scaled_sigmoid
from .modules import (HTAF, BinaryLinear, Heaviside, HeavisideSTE, HTAFSpike, ScaledSigmoid, binarize, htaf_spike,
                      matched_sigmoid, recalibrate_batchnorm, sign_ste_quantizer, BINARIZABLE)

__all__ = ["htaf", "scaled_sigmoid", "heaviside", "heaviside_ste", "heaviside_htaf_grad", "HTAF", "ScaledSigmoid",
           "Heaviside", "HeavisideSTE", "HTAFSpike", "htaf_spike", "binarize", "SURROGATES", "BACKWARDS", "compile_enabled",
           "kernel_path", "Sharpening", "ZonePenalty", "layer_delta", "BinaryLinear", "matched_sigmoid", "recalibrate_batchnorm",
           "BINARIZABLE", "sign_ste_quantizer", "build_kernels", "kernel_status"]
