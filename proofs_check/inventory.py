"""Every numbered result, table, figure and quantitative remark of the paper, and where this package answers it:
a claim row of docs/claims.md, a section of docs/reproduction.md, or "out of scope here" with the reason.

``INVENTORY`` is rendered into docs/claims.md by ``report``; tests/test_claims.py checks that every claim row it
names exists and that every claim is listed.
"""
from __future__ import annotations

__all__ = ["INVENTORY", "Item"]

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One numbered item of the paper and the claim rows that check it (or why none can)."""

    item: str                   # as the paper numbers it
    what: str                   # what it says, in a few words
    claims: tuple = ()          # claim ids of docs/claims.md
    section: str = ""           # "docs/FILE.md: heading" (the heading's start) where experiments answer it
    out_of_scope: str = ""      # the reason, where neither applies


_GPU = "GPU-scale training on image data sets (CIFAR-10/100, CUB-200, Tiny-ImageNet), not possible on 2 CPU cores"
_ICBM = ("implicit concept bottleneck models (ICBM; they need no concept annotations, Sec. 3.3.2) trained on image data "
         "with large backbones (WideResNet on CIFAR-10/100, ViT on CUB-200), analysed with an LLM: GPU-scale")
_LLM = "LoRA fine-tuning of 7B-parameter language models (Llama-2-7b, Qwen): GPU-scale and needs model weights"

INVENTORY = (
    Item("Eq. 1", "h(x) = sigmoid(a tanh(b x))", ("sec3.2.basic", "library")),
    Item("Sec. 3.2", "h smooth, increasing, h(0) = 1/2, symmetric, range (sigma(-a), sigma(a))", ("sec3.2.basic",)),
    Item("Prop. 3.1", "a > L(eps), b >= artanh(L/a)/delta => eps-close outside [-delta, delta]",
         ("prop3.1.suff", "prop3.1.sharp")),
    Item("Fig. 1 (a-c)", "h, h' and the tails against SS", ("fig1c.ss-ratio",), "docs/reproduction.md: Fig. 1"),
    Item("Fig. 2", "min_b(a) and a min_b(a) 'converges to 22'", ("fig2.limit",), "docs/reproduction.md: Fig. 2"),
    Item("Sec. 3.2, h' near 0", "(ours) h' is a sigmoid surrogate of slope a b up to second order in b x: the width "
         "axis of the Table 1 study", ("sec3.2.width",)),
    Item("Sec. 3.2 remark", "too small b / too large a is numerically unstable", (), "docs/reproduction.md: Fig. 6"),
    Item("Thm 3.2 (a)", "h' tail e^{-2b|x|} with constant a b sech^2(a/2)", ("thm3.2.a",)),
    Item("Thm 3.2 (b)", "h'(0) = a b / 4 is the maximum of h'", ("thm3.2.b",)),
    Item("Table 1, SNN, DHN and BNN rows", "HTAF vs STE vs SS for spiking, deterministic Heaviside and binary "
         "networks (CIFAR-10/100 in the paper; CPU-scale analogues on digits and MNIST-1D here)",
         (), "docs/reproduction.md: Table 1"),
    Item("Table 2", "accuracy of several architectures with HTAF", out_of_scope=_GPU),
    Item("Table 3, Figs. 3-5, 10, 12", "ICBM: overview (Fig. 3), class specificity on CIFAR-10 / WideResNet (Fig. 4), "
         "node semantics and LLM explanations on CUB-200 / ViT (Figs. 5, 10, Table 3), feature histograms on "
         "CIFAR-100 (Fig. 12)", out_of_scope=_ICBM),
    Item("Table 4", "the data sets", section="docs/usage.md: Data and experiments"),
    Item("Table 5", "ANN-to-SNN conversion vs SNN trained with HTAF across time steps",
         out_of_scope="conversion of trained CIFAR ANNs across time steps: GPU-scale"),
    Item("Table 9", "accuracy, binarity and concept accuracy of HTAF, SS, BM and STE (App. G.4)",
         out_of_scope="WideResNet on CIFAR-10/100 with an implicit concept layer: GPU-scale"),
    Item("Table 10", "accuracy before/after inference-time binarization (HTAF, SS, BM), WideResNet on CIFAR-10 and "
         "CIFAR-100 (App. G.4)", out_of_scope="WideResNet on CIFAR-10/100: GPU-scale; the same question at CPU scale "
         "is the direct swap loss of the width-matched MNIST-1D study (docs/reproduction.md: Table 1)"),
    Item("Table 11", "ICBM vs CBM vs label-free CBM", out_of_scope=_ICBM),
    Item("Fig. 9", "LLM LoRA with HTAF vs STE in the last layers (WG-S, WG-M, OBQA)", out_of_scope=_LLM),
    Item("Fig. 11", "ICBM class-specific activation values for every CIFAR-10 class (App. G.3)",
         out_of_scope="implicit concept bottleneck models on CIFAR-10 with a WideResNet backbone: GPU-scale"),
    Item("Thm B.1", "ReLU nets approximated by HTAF nets of width 3N, depth 2L", ("thmB.1",)),
    Item("Thm B.2", "the square-function construction; its constants do not depend on (a, b)",
         ("thmB.2", "thmB.2.constants")),
    Item("App. B.2 remark 1", "a DHN needs many first-layer neurons for a small error (Thm 1 of a cited paper)",
         out_of_scope="a cited lower bound for Heaviside networks (a theorem about all DHNs), not a property of HTAF "
                      "that a computation here could test"),
    Item("App. B.2 remark 2", "exponential rate for analytic targets (Thm B.1 with a cited theorem)",
         out_of_scope="a rate over all network sizes, from two cited theorems; no finite computation shows a rate"),
    Item("Thm B.3", "near-minimax rate for Holder regression", ("thmB.3",), "docs/reproduction.md: Thm B.3"),
    Item("Thm C.1", "E|f - f_h| bounded for a one-hidden-layer DHN and its HTAF copy", ("thmC.1",),
         "docs/usage.md: Before you swap"),
    Item("App. C remark", "C.1 'could be extended' to depth > 1", ("thmC.1.depth2",)),
    Item("Table 6", "min_b(a) at eps = delta = 0.1", ("table6",), "docs/reproduction.md: Table 6"),
    Item("Fig. 6", "AUROC and binarity vs a on Churn", ("appG.4.binarity",), "docs/reproduction.md: Fig. 6"),
    Item("App. F.1 remark", "larger a, smaller b gives larger tail gradients", ("appF.1.remark",)),
    Item("Fig. 7", "first-layer gradient norms over training (abalone)", (), "docs/reproduction.md: Fig. 7"),
    Item("Fig. 8, Table 7", "vanishing gradients by depth (ReLU, HTAF, SS)", (), "docs/reproduction.md: Fig. 8 and Table 7"),
    Item("App. F.2.2 remark", "lowering b at fixed a b with five layers does not consistently improve performance "
         "nor fully resolve vanishing",
         out_of_scope="not run, for the budget, not for GPU scale: it needs a second grid of (a, b) pairs at five "
                      "layers with raw targets (about 20 core-minutes per seed at full size); the vanishing it "
                      "concerns appears here only with raw targets (Fig. 8 / Table 7)"),
    Item("Table 8", "DNN, DNN+HTAF, DNN+SS, DHN+STE on four tabular data sets", (), "docs/reproduction.md: Table 8"),
    Item("App. G.4", "the binarity score", ("appG.4.binarity",)),
)
