"""A CPU-scale Table 1 (paper Sec. 4.1): spiking, binary and deep Heaviside networks trained with HTAF, STE or SS.

The paper trains SEW-ResNet SNNs, BNNs and DHNs on CIFAR; this is the same comparison at a size two CPU cores
can afford: scikit-learn's bundled 8x8 digits (1797 images, no download), a 60/20/20 split per seed, and

* ``net="dhn"``: conv(16)-BN -> act -> conv(32, stride 2)-BN -> act -> linear(10), every act a Heaviside step
  at deployment;
* ``net="snn"``: the same layers with SpikingJelly LIF neurons (tau 2, soft reset, reset detached), direct
  input encoding, ``time_steps`` steps, the logits averaged over steps.

On MNIST-1D (``dataset="mnist1d"``: ``data.load_mnist1d``, 3,200 training, 800 validation and the fixed 1,000
test sequences of length 40; seeds vary the initialisation and the batch order only), Table 1's three rows:

* ``net="mlp"``: a DHN MLP, 40 -> W -> W -> 10 (W = ``width``), batch norm before each step;
* ``net="conv"``: a DHN 1-D conv net, conv(32, 5)-BN -> act -> conv(32, 3, stride 2)-BN -> act -> conv(32, 3,
  stride 2)-BN -> act -> linear(10);
* ``net="bnn"``: the MLP with binary weights in its hidden-to-hidden layers (``nn.BinaryLinear``: alpha sign(w), alpha
  the layer's mean |w|, trained through latent real weights with the clipped straight-through gradient, as in
  XNOR-Net and Bi-Real Net; first and last layers real) and binary activations trained by each method;
* ``net="snn"``: the MLP with SpikingJelly LIF neurons (tau 2, soft reset, reset detached), direct encoding,
  ``time_steps`` steps, logits averaged.

Methods (what the step is trained as): ``htaf`` (``HTAF`` / ``HTAFSpike``: the smooth h while training, the
exact step deployed), ``ss`` (``ScaledSigmoid``, likewise), ``ste`` (the exact step forward, a sigmoid / tanh /
rect surrogate backward: ``HeavisideSTE``). HTAF has two training modes (``mode``): "smooth" (the paper's
protocol: the smooth h while training, the step deployed) and "surrogate" (the exact step forward and h' as its
surrogate gradient: ``HTAFSpike(spiking=True)``, i.e. ``heaviside_htaf_grad``; nothing is swapped at
deployment). Every epoch the deployed (all-binary) network is scored on the
validation and test splits; a cell reports the test accuracy at its best validation epoch (model selection,
the training budget unchanged), the smooth network's accuracy beside it, and the swap report
(``htaf_theory.diagnostics``) of the selected weights on the test split.

HTAF and SS cells may train for deployment (``schedule``, as ``RunConfig``'s: ``htaf_theory.nn.sharpening``):
"sharpen" moves the gains along Prop. 3.1's frontier from ``delta0`` to ``delta1`` (one step per epoch), "zone"
adds Thm C.1's zone penalty to the loss.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..validation import InvalidParameterError
from .config import MAX_WIDTH, CellConfig, check_schedule, schedule_label

__all__ = ["HeavisideConfig", "run_heaviside_cell", "load_digits_split", "load_split", "build_net", "NETS", "NETS_OF",
           "METHODS", "MODES"]

#: the networks of each data set
NETS_OF = {"digits": ("dhn", "snn"), "mnist1d": ("mlp", "conv", "bnn", "snn")}
NETS = ("dhn", "snn", "mlp", "conv", "bnn")
METHODS = ("htaf", "ss", "ste")
#: how HTAF is trained: smooth then swapped for the step, or the step forward with h' as its surrogate gradient
MODES = ("smooth", "surrogate")


@dataclass(frozen=True)
class HeavisideConfig(CellConfig):
    """One Table 1 cell (network x training method x hyper-parameters x seed)."""

    _TUPLE_FIELDS = ("channels",)
    _HASH_OMIT_AT_DEFAULT = {"schedule": "fixed", "frontier_eps": 0.1, "delta0": 0.1, "delta1": 0.01, "zone_lam": 1.0,
                             "mode": "smooth", "width": 256, "amplitude": 1.0, "depth": 3, "batchnorm": True}

    dataset: str = "digits"            # digits (scikit-learn's 8x8, bundled) | mnist1d (generated locally)
    net: str = "dhn"                   # digits: dhn | snn; mnist1d: mlp | conv | bnn | snn
    method: str = "htaf"               # htaf | ss | ste
    a: float | None = None             # HTAF outer gain
    b: float | None = None             # HTAF inner slope
    gamma: float | None = None         # SS slope
    surrogate: str | None = None       # STE surrogate: sigmoid | tanh | rect
    slope: float | None = None         # STE surrogate slope
    time_steps: int = 4                # SNN steps (paper: T = 4); ignored by the DHN
    channels: tuple[int, ...] = (16, 32)  # conv widths
    epochs: int = 40                   # passes over the training split (the budget: 20 min for the sweep on 2 cores)
    batch_size: int = 64
    lr: float = 1e-3                   # Adam
    seed: int = 0                      # split and initialisation
    checkpoint_every: int = 10         # save a resumable state every k epochs (0: never)
    schedule: str = "fixed"            # fixed gains | sharpen (Prop. 3.1 frontier, delta0 -> delta1) | zone (penalty)
    frontier_eps: float = 0.1          # eps of the frontier (sharpen) and of each layer's delta (zone)
    delta0: float = 0.1                # sharpen: starting transition half-width
    delta1: float = 0.01               # sharpen: final half-width, reached at the last epoch (geometric)
    zone_lam: float = 1.0              # zone: weight of the sech^2(z/delta) penalty added to the loss
    mode: str = "smooth"               # HTAF: smooth (train h, deploy the step) | surrogate (step forward, h' backward)
    width: int = 256                   # MNIST-1D nets: hidden width
    amplitude: float = 1.0             # STE: factor on the surrogate gradient (the matched sigmoid: widths.py)
    depth: int = 3                     # MNIST-1D MLP / BNN: hidden layers (each Linear -> [BN] -> step)
    batchnorm: bool = True             # MNIST-1D MLP / BNN: batch norm before each step
    tag: str = "t1"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        self._normalize_fields()
        if self.dataset not in NETS_OF:
            raise InvalidParameterError(f"dataset must be one of {tuple(NETS_OF)}; got dataset={self.dataset!r}")
        if self.net not in NETS_OF[self.dataset]:
            raise InvalidParameterError(f"net must be one of {NETS_OF[self.dataset]} on {self.dataset}; got net={self.net!r}")
        if self.mode not in MODES:
            raise InvalidParameterError(f"mode must be one of {MODES}; got mode={self.mode!r}")
        if self.mode != "smooth" and self.method != "htaf":
            raise InvalidParameterError(f"mode={self.mode!r} applies to method 'htaf' only; got method={self.method!r}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise InvalidParameterError(f"width must be an integer in [1, {MAX_WIDTH}]; got width={self.width!r}")
        if not 1 <= self.depth <= 64:
            raise InvalidParameterError(f"depth must be an integer in [1, 64]; got depth={self.depth!r}")
        if (self.depth != 3 or not self.batchnorm) and (self.dataset, self.net) not in (("mnist1d", "mlp"), ("mnist1d", "bnn")):
            raise InvalidParameterError(f"depth and batchnorm apply to the MNIST-1D mlp and bnn; got net={self.net!r}")
        if self.amplitude != 1.0 and self.method != "ste":
            raise InvalidParameterError(f"amplitude applies to method 'ste' only; got method={self.method!r}")
        if self.method not in METHODS:
            raise InvalidParameterError(f"method must be one of {METHODS}; got method={self.method!r}")
        needs = {"htaf": ("a", "b"), "ss": ("gamma",), "ste": ("surrogate", "slope")}[self.method]
        for name in needs:
            if getattr(self, name) is None:
                raise InvalidParameterError(f"method={self.method!r} needs {name}; got {name}=None")
        for name, owner in (("a", "htaf"), ("b", "htaf"), ("gamma", "ss"), ("surrogate", "ste"), ("slope", "ste")):
            if getattr(self, name) is not None and name not in needs:
                raise InvalidParameterError(f"{name} applies to method={owner!r} only; got {name}={getattr(self, name)!r} "
                                            f"with method={self.method!r}")
        for name in ("a", "b", "gamma", "slope", "lr", "amplitude"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, (int, float)) and 0 < v < float("inf")):
                raise InvalidParameterError(f"{name} must be a finite number > 0 (valid range: (0, inf)); got {name}={v!r}")
        for name in ("time_steps", "epochs", "batch_size"):
            v = getattr(self, name)
            if not (isinstance(v, int) and v >= 1):
                raise InvalidParameterError(f"{name} must be an integer >= 1; got {name}={v!r}")
        for name in ("seed", "checkpoint_every"):          # as RunConfig: a count or an index, never negative
            if getattr(self, name) < 0:
                raise InvalidParameterError(f"{name} must be an integer >= 0; got {name}={getattr(self, name)!r}")
        if len(self.channels) != 2 or min(self.channels) < 1:
            raise InvalidParameterError(f"channels must be two conv widths >= 1; got channels={self.channels!r}")
        check_schedule(self, "method", self.method)

    def label(self) -> str:
        if self.method == "htaf":
            return f"HTAF a={self.a:g} b={self.b:g}" + (" surrogate" if self.mode == "surrogate" else "") + schedule_label(self)
        if self.method == "ss":
            return f"SS gamma={self.gamma:g}" + schedule_label(self)
        return f"STE {self.surrogate} k={self.slope:g}" + (f" c={self.amplitude:g}" if self.amplitude != 1.0 else "")

    def name(self) -> str:
        net = self.net + (f"{self.depth}" if self.depth != 3 else "") + ("-nobn" if not self.batchnorm else "")
        return f"{self.tag}-{self.dataset}-{net}-{self.label().replace(' ', '_')}-s{self.seed}"

    def swapped(self) -> bool:
        """Whether deployment swaps a smooth training activation for the step (HTAF smooth, SS)."""
        return self.method == "ss" or (self.method == "htaf" and self.mode == "smooth")

    def run(self, data_home=None, checkpoint_path=None) -> dict:
        from ..nn.subnormals import flushing_denormals_for_cells   # torch is imported lazily in this module
        return flushing_denormals_for_cells(run_heaviside_cell)(self, checkpoint_path)


def load_digits_split(seed: int):
    """scikit-learn's digits as float32 images in [0, 1], shape (n, 1, 8, 8), split 60/20/20 by ``seed``."""
    try:
        from sklearn.datasets import load_digits
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("the digits data set needs scikit-learn: pip install 'htaf-theory[snn]'",
                                  name="sklearn") from err
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_train, n_val = int(0.6 * len(y)), int(0.2 * len(y))
    parts = np.split(order, [n_train, n_train + n_val])
    return [(X[p], y[p]) for p in parts]


def load_split(cfg: HeavisideConfig):
    """[(X, y) train, (X, y) val, (X, y) test] of the cell's data set (digits: split by the seed; MNIST-1D: fixed)."""
    if cfg.dataset == "mnist1d":
        from ..data import load_mnist1d
        data = load_mnist1d()
        return [data["train"], data["val"], data["test"]]
    return load_digits_split(cfg.seed)


def _activation(cfg: HeavisideConfig):
    from .. import nn as hnn
    if cfg.method == "htaf":
        if cfg.mode == "surrogate":           # the exact step forward, h' backward (heaviside_htaf_grad)
            return hnn.HTAFSpike(cfg.a, cfg.b, spiking=True)
        return hnn.HTAFSpike(cfg.a, cfg.b, spiking=False) if cfg.net == "snn" else hnn.HTAF(cfg.a, cfg.b)
    if cfg.method == "ss":
        return hnn.ScaledSigmoid(cfg.gamma)
    return hnn.HeavisideSTE(cfg.surrogate, cfg.slope, cfg.amplitude)


def build_net(cfg: HeavisideConfig):
    """The cell's network: digits (n, 1, 8, 8) -> (n, 10) logits (DHN or SNN conv net); MNIST-1D (n, 40) -> (n, 10)
    (the MLP, 1-D conv, BNN or SNN of the module docstring)."""
    import torch
    from torch import nn

    if cfg.dataset == "mnist1d":
        return _mnist1d_net(cfg)
    c1, c2 = cfg.channels

    class ConvHeavisideNet(nn.Module):
        def __init__(self):
            super().__init__()
            # batch norm before each step (as in SEW-ResNet): without it the LIF neurons of a default-initialised
            # SNN never reach the threshold and no method trains (measured: chance accuracy for all three)
            self.conv1 = nn.Sequential(nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1))
            self.conv2 = nn.Sequential(nn.Conv2d(c1, c2, 3, padding=1, stride=2), nn.BatchNorm2d(c2))
            self.fc = nn.Linear(c2 * 16, 10)
            if cfg.net == "snn":
                self.act1, self.act2 = _lif(cfg), _lif(cfg)
            else:
                self.act1, self.act2 = _activation(cfg), _activation(cfg)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if cfg.net == "dhn":
                return self.fc(self.act2(self.conv2(self.act1(self.conv1(x)))).flatten(1))
            from spikingjelly.activation_based import functional
            functional.reset_net(self)
            current = self.conv1(x)                 # direct encoding: the same input current every step
            out = 0.0
            for _ in range(cfg.time_steps):
                out = out + self.fc(self.act2(self.conv2(self.act1(current))).flatten(1))
            return out / cfg.time_steps

    return ConvHeavisideNet()


def _lif(cfg: HeavisideConfig):
    from spikingjelly.activation_based import neuron
    return neuron.LIFNode(tau=2.0, surrogate_function=_activation(cfg), detach_reset=True, v_reset=None)


def _mnist1d_net(cfg: HeavisideConfig):
    import torch
    from torch import nn

    w = cfg.width
    if cfg.net == "conv":
        c = 32
        return nn.Sequential(nn.Unflatten(1, (1, 40)),
                             nn.Conv1d(1, c, 5, padding=2), nn.BatchNorm1d(c), _activation(cfg),
                             nn.Conv1d(c, c, 3, stride=2, padding=1), nn.BatchNorm1d(c), _activation(cfg),
                             nn.Conv1d(c, c, 3, stride=2, padding=1), nn.BatchNorm1d(c), _activation(cfg),
                             nn.Flatten(), nn.Linear(c * 10, 10))
    from ..nn import BinaryLinear
    hidden = BinaryLinear if cfg.net == "bnn" else nn.Linear
    if cfg.net != "snn":
        layers = []
        for i in range(cfg.depth):
            layers += [nn.Linear(40, w) if i == 0 else hidden(w, w)] + ([nn.BatchNorm1d(w)] if cfg.batchnorm else [])
            layers.append(_activation(cfg))
        return nn.Sequential(*layers, nn.Linear(w, 10))

    class SpikingMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Sequential(nn.Linear(40, w), nn.BatchNorm1d(w))
            self.fc2 = nn.Sequential(nn.Linear(w, w), nn.BatchNorm1d(w))
            self.out = nn.Linear(w, 10)
            self.act1, self.act2 = _lif(cfg), _lif(cfg)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            from spikingjelly.activation_based import functional
            functional.reset_net(self)
            current = self.fc1(x)                   # direct encoding
            out = 0.0
            for _ in range(cfg.time_steps):
                out = out + self.out(self.act2(self.fc2(self.act1(current))))
            return out / cfg.time_steps

    return SpikingMLP()


def _accuracy(model, X, y) -> float:
    import torch
    with torch.no_grad():
        return float((model(X).argmax(1) == y).double().mean())


def run_heaviside_cell(cfg: HeavisideConfig, checkpoint_path=None) -> dict:
    """Train one cell (``loop.EpochLoop``: minibatches of ``batch_size``, the deployed network scored every epoch, the
    best deployed validation epoch kept); return its record (config, versions, timings, history, selected metrics)."""
    import torch

    from ..diagnostics import swap_report
    from ..nn import binarize, recalibrate_batchnorm
    from .loop import EpochLoop, Parts
    from .train import SWAP_EPS, deployment_training, make_optimizer, make_record

    started = time.time()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in load_split(cfg)]

    def build() -> Parts:
        torch.manual_seed(cfg.seed)
        model = build_net(cfg)
        return Parts(model, make_optimizer(model.parameters(), "adam", cfg.lr), *deployment_training(cfg, model))

    history = {"epoch": [], "loss": [], "val_binarized": [], "test_binarized": [], "val_smooth": [], "test_smooth": []}
    # a swapped network is also scored with its batch-norm statistics re-estimated under the step (on a copy)
    recal = cfg.swapped() and cfg.dataset == "mnist1d" and cfg.batchnorm
    if recal:
        history.update(val_binarized_recal=[], test_binarized_recal=[])
    if cfg.schedule == "sharpen":
        history["delta"] = []
    loop = EpochLoop(build, epochs=cfg.epochs, history=history, select=True,
                     checkpoint=Path(checkpoint_path) if checkpoint_path else None, checkpoint_every=cfg.checkpoint_every)
    generator = torch.Generator().manual_seed(cfg.seed)
    for _ in range(loop.start_epoch):             # the same batch order as an uninterrupted run
        torch.randperm(len(ytr), generator=generator)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train_epoch(loop: EpochLoop, epoch: int) -> bool:
        model, opt, zone, history = loop.parts.model, loop.parts.opt, loop.parts.zone, loop.history
        model.train()
        total = 0.0
        for idx in torch.randperm(len(ytr), generator=generator).split(cfg.batch_size):
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xtr[idx]), ytr[idx])
            (loss + zone.penalty() if zone is not None else loss).backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        if not np.isfinite(total):
            return False
        model.eval()
        with binarize(model, strict=False):
            val_bin, test_bin = _accuracy(model, Xva, yva), _accuracy(model, Xte, yte)
        for key, value in (("epoch", epoch), ("loss", total / len(ytr)), ("val_binarized", val_bin),
                           ("test_binarized", test_bin), ("val_smooth", _accuracy(model, Xva, yva)),
                           ("test_smooth", _accuracy(model, Xte, yte))):
            history[key].append(value)
        if recal:
            deployed = recalibrate_batchnorm(copy.deepcopy(model), Xtr.split(256))
            with binarize(deployed):
                history["val_binarized_recal"].append(_accuracy(deployed, Xva, yva))
                history["test_binarized_recal"].append(_accuracy(deployed, Xte, yte))
        loop.offer(val_bin, epoch)
        if loop.parts.sharpening is not None:
            history["delta"].append(loop.parts.sharpening.delta)   # the half-width this epoch trained and was scored at
        return True

    result = loop.run(train_epoch)
    loop.finish()
    history, best_epoch = result.history, result.best_epoch
    i = history["epoch"].index(best_epoch) if best_epoch in history["epoch"] else -1
    metrics = {k: (history[k][i] if history[k] else None) for k in ("val_binarized", "test_binarized", "val_smooth",
                                                                    "test_smooth")}
    metrics["best_epoch"] = best_epoch
    if recal and history["val_binarized_recal"]:
        # the re-estimated variant keeps its own best deployed-validation epoch (the first on ties, as offer does)
        j = int(np.argmax(history["val_binarized_recal"]))
        metrics.update(val_binarized_recal=history["val_binarized_recal"][j],
                       test_binarized_recal=history["test_binarized_recal"][j], best_epoch_recal=history["epoch"][j],
                       test_smooth_recal_epoch=history["test_smooth"][j])
    model = loop.parts.model
    swap = swap_report(model, Xte, eps=SWAP_EPS, decision="argmax").as_dict() if cfg.method != "ste" else None
    return make_record(cfg, started, result.train_seconds, result.start_epoch, {
        "task": "classification", "metric": "accuracy", "metrics": metrics, "diverged": result.diverged,
        "history": history, "swap": swap, "n_train": int(len(ytr))}, optimizer=loop.parts.opt)
