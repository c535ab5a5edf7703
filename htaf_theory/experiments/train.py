"""Full-batch training of one cell, with per-layer gradient recording and resumable checkpoints.

Recorded per epoch (paper F.2.1, following Glorot & Bengio): the training loss, and for each
hidden layer the mean over samples of the L2 norm of dLoss_i/d(pre-activation_i), where Loss_i
is sample i's own loss (= n times the gradient of the mean loss), so the number does not
depend on the data set size. Evaluation: the smooth network, and the same network with every
HTAF / SS swapped for the exact Heaviside step (the paper's "DNN + HTAF" deployed as a DHN);
RMSE (in target units) for regression, AUROC for classification; the binarity score of
App. G.4 (share of hidden outputs > 0.99 or < 0.01, test set, smooth network); for HTAF / SS runs the
swap report (``htaf_theory.diagnostics``, Thm C.1) on the test split at eps = SWAP_EPS.
"""
from __future__ import annotations

import contextlib
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.stats import rankdata

from .. import __version__
from ..data import load_dataset, split_dataset
from ..diagnostics import swap_report
from ..nn import Sharpening, ZonePenalty, binarize
from ..nn import kernel_path
from ..validation import InvalidParameterError
from .config import OPTIMIZERS, RunConfig
from .loop import EpochLoop, Parts
from .model import MLP, make_activation
from ..nn.subnormals import flushing_denormals_for_cells

__all__ = ["run_cell", "fit", "evaluate", "TrainedCell", "TargetScale", "make_optimizer", "auroc", "binarity_score",
           "grad_norms", "SWAP_EPS", "deployment_training", "make_record"]

SWAP_EPS = 0.01    # tolerance of the swap report stored with every HTAF / SS run (test split)


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties).

    >>> auroc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    """
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("auroc needs both classes in y")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binarity_score(hidden_outputs: list[torch.Tensor], low: float = 0.01, high: float = 0.99) -> float:
    """Share of hidden outputs (all layers pooled) that are > high or < low (App. G.4).

    >>> binarity_score([torch.tensor([0.0, 0.5, 0.995, 1.0])])
    0.75
    """
    flat = torch.cat([h.reshape(-1) for h in hidden_outputs])
    return float(((flat > high) | (flat < low)).double().mean())


def grad_norms(model: MLP, n: int) -> list[float]:
    """Per hidden layer: mean over samples of ||n * dLoss/dz_i||_2 (the per-sample loss gradient), from the norms
    ``model`` recorded in the last backward after a ``model(X, keep=True)`` forward (``MLP.grad_row_norms``)."""
    if not model.grad_row_norms or any(norm is None for norm in model.grad_row_norms):
        raise RuntimeError("grad_norms needs a backward after a forward with keep=True (no gradient norms recorded)")
    return [float(norm) * n for norm in model.grad_row_norms]


def make_optimizer(params, optimizer: str, lr: float) -> torch.optim.Optimizer:
    """``"adam"`` (torch's defaults) or ``"sgd"`` (momentum 0.9) at learning rate ``lr``, in torch's fused form.

    Fused: one multi-tensor kernel for every parameter instead of a dozen small ops per parameter (the same update,
    rounded differently): an epoch of the default MLP on abalone 0.25-0.33 ms (4%) faster on a 2-core Xeon
    (benchmarks/bench_training.py). Where torch has no fused form (older versions) the default one.

    >>> make_optimizer(torch.nn.Linear(2, 1).parameters(), "adam", 1e-3).defaults["fused"]
    True
    """
    if optimizer not in OPTIMIZERS:
        raise InvalidParameterError(f"optimizer must be one of {OPTIMIZERS}; got optimizer={optimizer!r}")
    cls, options = {"adam": (torch.optim.Adam, {}), "sgd": (torch.optim.SGD, {"momentum": 0.9})}[optimizer]
    params = list(params)
    try:
        return cls(params, lr=lr, fused=True, **options)
    except (RuntimeError, TypeError, ValueError):
        return cls(params, lr=lr, **options)


def _metric(task: str, y_true: np.ndarray, pred: np.ndarray) -> float | None:
    if not np.all(np.isfinite(pred)):
        return None
    if task == "regression":
        return float(np.sqrt(np.mean((pred - y_true) ** 2)))
    return auroc(y_true, pred)


def deployment_training(cfg, model):
    """The cell's Sharpening scheduler (one step per epoch) and ZonePenalty (``htaf_theory.nn.sharpening``), each None
    unless ``cfg.schedule`` asks for it (any config with the schedule fields: ``RunConfig``, ``HeavisideConfig``)."""
    if cfg.schedule == "sharpen":
        return Sharpening(model, cfg.frontier_eps, cfg.delta0, cfg.delta1, total_iters=cfg.epochs), None
    if cfg.schedule == "zone":
        return None, ZonePenalty(model, cfg.frontier_eps, cfg.zone_lam)
    return None, None


def _monitor(history: dict, epoch: int, model, split, X_val, cfg: RunConfig, sharpening, target: "TargetScale"):
    """Validation scores of the smooth and the deployed net, and Thm C.1's bound for the last hidden layer, now."""
    regression = split.task == "regression"
    with torch.no_grad():
        smooth = model(X_val).double().numpy()
        with binarize(model, strict=False):
            deployed = model(X_val).double().numpy()
        report = swap_report(model, X_val, eps=cfg.frontier_eps, decision=None if regression else "sign")
    scale = target.to_units if regression else (lambda out: out)
    history["monitor_epoch"].append(epoch)
    history["monitor_val_smooth"].append(_metric(split.task, split.y_val, scale(smooth)))
    history["monitor_val_deployed"].append(_metric(split.task, split.y_val, scale(deployed)))
    # the bound is for the output's scale: on a standardized target multiply by the target's std to compare with RMSE
    history["monitor_c1_bound"].append(None if report.c1_bound is None else report.c1_bound * (target.std if regression else 1.0))
    history["monitor_delta"].append(sharpening.delta if sharpening is not None else None)


@dataclass
class TrainedCell:
    """What ``fit`` hands to ``evaluate``: the trained model (at its selected epoch) and how training went."""

    model: MLP
    optimizer: torch.optim.Optimizer
    history: dict                 # per recorded epoch: loss, gradient norms, and what the config asks to monitor
    best_epoch: int | None        # the epoch kept (select_epoch), else None
    diverged: bool                # the loss became non-finite; training stopped there
    start_epoch: int              # the epoch a checkpoint resumed from (0: a fresh start)
    train_seconds: float


@dataclass(frozen=True)
class TargetScale:
    """The regression target's standardization (train mean and std; 0 and 1 when not scaled or not regression)."""

    mean: float = 0.0
    std: float = 1.0

    @classmethod
    def of(cls, split, cfg: RunConfig) -> "TargetScale":
        if split.task == "regression" and cfg.target_scaling == "standardize":
            return cls(float(split.y_train.mean()), float(split.y_train.std()))
        return cls()

    def train_targets(self, split) -> torch.Tensor:
        """The training targets as the network fits them (scaled, float32)."""
        return torch.tensor((split.y_train - self.mean) / self.std, dtype=torch.float32)

    def to_units(self, out: np.ndarray) -> np.ndarray:
        """A network output in the target's own units."""
        return out * self.std + self.mean


def _fresh_training(cfg: RunConfig, features: int) -> Parts:
    """The cell's model, optimizer, Sharpening and ZonePenalty, initialised from the cell's seed."""
    torch.manual_seed(cfg.seed)
    model = MLP(features, cfg.hidden, lambda: make_activation(cfg))
    opt = make_optimizer(model.parameters(), cfg.optimizer, cfg.lr)
    return Parts(model, opt, *deployment_training(cfg, model))


def _new_history(cfg: RunConfig) -> dict:
    history = {"epoch": [], "loss": [], "grad_norm": [[] for _ in cfg.hidden]}
    if cfg.select_epoch:
        history["val_deployed"] = []
    if cfg.monitor_every:
        for name in ("monitor_epoch", "monitor_val_smooth", "monitor_val_deployed", "monitor_c1_bound", "monitor_delta"):
            history[name] = []
    return history


def fit(cfg: RunConfig, split, target: TargetScale, checkpoint: Path | None = None) -> TrainedCell:
    """Train ``cfg``'s MLP on ``split`` full-batch for ``cfg.epochs`` epochs (``loop.EpochLoop``: resuming from
    ``checkpoint`` if it fits).

    With ``select_epoch`` the returned model holds the weights of the epoch whose deployed (binarized) network
    scored best on validation.
    """
    regression = split.task == "regression"
    X = torch.tensor(split.X_train, dtype=torch.float32)
    y = target.train_targets(split)
    X_val = torch.tensor(split.X_val, dtype=torch.float32)
    n = X.shape[0]
    loss_fn = torch.nn.MSELoss() if regression else torch.nn.BCEWithLogitsLoss()
    loop = EpochLoop(lambda: _fresh_training(cfg, X.shape[1]), epochs=cfg.epochs, history=_new_history(cfg),
                     checkpoint=checkpoint, checkpoint_every=cfg.checkpoint_every, select=cfg.select_epoch)

    def deployed_val_score(model) -> float | None:
        """The deployed (binarized) network's validation metric, oriented so that larger is better."""
        with torch.no_grad(), binarize(model, strict=False):
            out = model(X_val).double().numpy()
        value = _metric(split.task, split.y_val, target.to_units(out) if regression else out)
        return None if value is None else (-value if regression else value)

    def train_epoch(loop: EpochLoop, epoch: int) -> bool:
        model, opt, zone, history = loop.parts.model, loop.parts.opt, loop.parts.zone, loop.history
        record = epoch % cfg.record_every == 0 or epoch == cfg.epochs - 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(X, keep=record), y)
        objective = loss + zone.penalty() if zone is not None else loss
        objective.backward()
        if record:
            history["epoch"].append(epoch)
            history["loss"].append(loss.item())
            for store, g in zip(history["grad_norm"], grad_norms(model, n)):
                store.append(g)
            if cfg.select_epoch:        # the weights before this epoch's step, scored and kept if best
                score = deployed_val_score(model)
                history["val_deployed"].append(score)
                loop.offer(score, epoch)
        if not torch.isfinite(loss):
            return False
        opt.step()
        return True

    def after_epoch(done: int) -> None:
        if cfg.monitor_every and (done % cfg.monitor_every == 0 or done == cfg.epochs):
            _monitor(loop.history, done, loop.parts.model, split, X_val, cfg, loop.parts.sharpening, target)

    result = loop.run(train_epoch, after_epoch)
    loop.finish()
    return TrainedCell(loop.parts.model, loop.parts.opt, result.history, result.best_epoch, result.diverged,
                       result.start_epoch, result.train_seconds)


def evaluate(cfg: RunConfig, model: MLP, split, target: TargetScale) -> dict:
    """Scores of the smooth and the deployed (binarized) network on every part of ``split``, the binarity score
    of the smooth net's hidden outputs on test, and (HTAF / SS) the swap report on test."""
    regression = split.task == "regression"
    metrics = {}
    parts = {"train": (split.X_train, split.y_train), "val": (split.X_val, split.y_val), "test": (split.X_test, split.y_test)}
    X_test = torch.tensor(split.X_test, dtype=torch.float32)
    with torch.no_grad():
        for mode in ("smooth", "binarized"):
            for part, (Xp, yp) in parts.items():
                Xt = torch.tensor(Xp, dtype=torch.float32)
                with binarize(model, strict=False) if mode == "binarized" else contextlib.nullcontext():
                    out = model(Xt).double().numpy()
                metrics[f"{part}_{mode}"] = _metric(split.task, yp, target.to_units(out) if regression else out)
        model(X_test, keep=True)                       # the smooth net's hidden outputs on test
        binarity = binarity_score(model.hidden_outputs)
        swap = None
        if cfg.activation in ("htaf", "ss"):
            swap = swap_report(model, X_test, eps=SWAP_EPS, decision=None if regression else "sign").as_dict()
    return {"metrics": metrics, "binarity": binarity, "swap": swap}


@flushing_denormals_for_cells
def run_cell(cfg: RunConfig, data_home=None, checkpoint_path: str | Path | None = None) -> dict:
    """Train one configuration (``fit``), score it (``evaluate``) and return its result record (config, versions,
    timings, results).

    Runs with subnormals flushed to zero (``flushing_denormals``); the record's ``machine.flush_denormal`` says so.
    """
    started = time.time()
    split = split_dataset(load_dataset(cfg.dataset, data_home), cfg.seed)
    regression = split.task == "regression"
    target = TargetScale.of(split, cfg)
    checkpoint = Path(checkpoint_path) if checkpoint_path else None
    trained = fit(cfg, split, target, checkpoint)
    scores = evaluate(cfg, trained.model, split, target)
    tail = max(1, len(trained.history["epoch"]) // 20)
    final_grad = [float(np.median(g[-tail:])) if g else None for g in trained.history["grad_norm"]]
    n = split.X_train.shape[0]
    y = target.train_targets(split)
    return make_record(cfg, started, trained.train_seconds, trained.start_epoch, {
        "task": split.task, "metric": "rmse" if regression else "auroc", "metrics": scores["metrics"],
        "binarity": scores["binarity"], "diverged": trained.diverged, "final_grad_norm": final_grad,
        "history": trained.history, "n_train": n,
        # the loss of always predicting the training mean: a loss stuck here means the net learned nothing
        "target_variance": float(y.var(unbiased=False)) if regression else None,
        "best_epoch": trained.best_epoch, "swap": scores["swap"]}, optimizer=trained.optimizer)


def make_record(cfg, started: float, train_seconds: float, start_epoch: int, results: dict, optimizer=None) -> dict:
    """A cell's result record: its config and key, the versions and machine that made it, timings, results.

    Older records may also hold ``timings.matmul_gflops`` and ``probe_s`` (a per-cell matmul probe, see CHANGELOG);
    ``benchmarks/sweep_limit.py`` uses them where present.
    """
    return {
        "config": cfg.to_dict(), "key": cfg.key(), "name": cfg.name(), "seed": cfg.seed,
        "versions": {"htaf_theory": __version__, "torch": torch.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "machine": {"platform": platform.platform(), "torch_threads": torch.get_num_threads()},
        # whether the optimizer ran torch's fused kernel (same update, rounded differently; records without this field
        # used the default one, and so does a run resumed from such a record's checkpoint: it loads its groups' setting)
        # and which float32 kernels the activations ran on (nn._native.kernel_path; absent in older records)
        "trainer": {"fused_optimizer": bool(optimizer is not None and optimizer.param_groups[0].get("fused")),
                    "kernels": kernel_path()},
        "timings": {"total_s": time.time() - started, "train_s": train_seconds,
                    "epochs_trained": len(range(start_epoch, cfg.epochs)), "resumed_from_epoch": start_epoch},
        "results": results,
    }
