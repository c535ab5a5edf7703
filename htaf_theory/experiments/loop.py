"""The one training loop of every cell: resumable checkpoints, best-epoch selection, the deployment schedule.

A trainer (``train.fit``: the full-batch MLPs; ``heaviside``: the minibatch Table 1 networks) says what one epoch
does; ``EpochLoop`` does the rest, identically for every kind of cell:

* **resuming**: a checkpoint ``{"model", "opt", "history", "epoch", "best"?, "sharpening"?}`` is loaded if it fits
  the cell (``restore``: every model and optimizer entry of the right shape, the same history keys, a best-epoch
  state of this model, a Sharpening state at the checkpoint's epoch); one that does not is moved aside to
  ``<name>.invalid`` with one warning, and the cell starts over from freshly built parts;
* **selection**: the trainer ``offer``s a validation score (larger is better) at the moment it scores; the loop
  keeps a copy of the weights that scored best, and ``finish`` loads them;
* **the schedule**: after every epoch the Sharpening scheduler (if any) steps once, so its step count equals the
  number of finished epochs (which resuming checks);
* **checkpoints** every ``checkpoint_every`` finished epochs, written atomically (``save_atomic``).

A checkpoint is loaded with ``weights_only=True``: it holds tensors, numbers, lists and dicts only, so a file
planted in a results folder cannot run code when it is loaded.
"""
from __future__ import annotations

import copy
import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

__all__ = ["Parts", "EpochLoop", "LoopResult", "save_atomic", "load_checkpoint", "set_aside", "restore"]


@dataclass
class Parts:
    """What a cell trains: its model, optimizer and deployment schedule (``htaf_theory.nn.sharpening``)."""

    model: torch.nn.Module
    opt: torch.optim.Optimizer
    sharpening: Any = None        # a Sharpening scheduler, stepped once per epoch
    zone: Any = None              # a ZonePenalty, added to the loss by the trainer


@dataclass
class LoopResult:
    """How training went: the history, the epoch kept (selection), divergence, where it resumed and its time."""

    history: dict
    best_epoch: int | None        # the epoch whose weights were kept (selection), else None
    best_score: float | None
    diverged: bool
    start_epoch: int              # the epoch a checkpoint resumed from (0: a fresh start)
    train_seconds: float


def save_atomic(obj, path: Path) -> None:
    """torch.save to a temporary name, then rename. The file is opened here, so an unwritable folder is an
    OSError naming it (torch's own writer reports "[enforce fail ...]" as a RuntimeError); an interrupted save
    leaves no temporary file."""
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def set_aside(path: Path, why: str) -> None:
    """Move a checkpoint that cannot be used to ``<name>.invalid``, with one warning; the cell starts over."""
    aside = path.with_name(path.name + ".invalid")
    try:
        os.replace(path, aside)
        where = f"moved to {aside}"
    except OSError:
        where = "left in place"
    warnings.warn(f"ignoring checkpoint {path} ({why}); {where}; the cell starts over", RuntimeWarning, stacklevel=3)


def load_checkpoint(path: Path, epochs: int, history_keys) -> dict | None:
    """A resumable training state of a cell with ``epochs`` epochs and these history keys, or None (the file is
    then moved aside)."""
    try:
        state = torch.load(path, weights_only=True)
        ok = (isinstance(state, dict) and {"model", "opt", "history", "epoch"} <= set(state)
              and isinstance(state["epoch"], int) and not isinstance(state["epoch"], bool) and 0 < state["epoch"] < epochs
              and isinstance(state["history"], dict) and set(history_keys) <= set(state["history"]))
        why = "" if ok else "not a training state of this cell"
    except Exception as err:  # noqa: BLE001  (any unreadable file: torch raises many kinds)
        state, ok, why = None, False, f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"
    if ok:
        return state
    set_aside(path, why)
    return None


def _same_entry(kept, current) -> bool:
    """Whether a stored state_dict entry fits the model's: a tensor of the same shape, or (a module's extra state,
    such as an activation's gains) a value of the same type."""
    if isinstance(current, torch.Tensor):
        return isinstance(kept, torch.Tensor) and kept.shape == current.shape
    return type(kept) is type(current)


def _finite_tensors(entries: dict) -> bool:
    return all(bool(torch.isfinite(v).all()) for v in entries.values() if isinstance(v, torch.Tensor) and v.is_floating_point())


def _checked_contents(state: dict, parts: Parts) -> str:
    """Why the checkpoint's values (not only its shapes) cannot be this cell's, or ''.

    The freshly built parts are the reference: every non-tensor entry of the model's state (an activation's gains
    and ``binary`` flag) must equal the fresh model's unless a schedule moves the gains (then the Sharpening state
    is checked separately); the optimizer's hyper-parameters must equal the fresh optimizer's; every weight is
    finite; Adam's step counts are >= 0; the history's ``epoch`` list increases within 0..epoch-1 and every
    per-epoch list is as long; a kept best epoch has a finite score, an epoch before the checkpoint's and a state."""
    fresh = parts.model.state_dict()
    model = state["model"]
    if not isinstance(model, dict) or not _finite_tensors(model):
        return "its model state is not finite (NaN or infinite weights)"
    if parts.sharpening is None:
        for key, value in fresh.items():
            if not isinstance(value, torch.Tensor) and key in model and model[key] != value:
                return f"its model state {key!r} = {model[key]!r} is not the cell's {value!r}"
    opt = state["opt"]
    fresh_groups = parts.opt.state_dict()["param_groups"]
    groups = opt.get("param_groups") if isinstance(opt, dict) else None
    if not isinstance(groups, list) or len(groups) != len(fresh_groups):
        return "its optimizer state is not this cell's"
    for group, fresh_group in zip(groups, fresh_groups):
        for key, value in fresh_group.items():
            if key != "params" and (not isinstance(group, dict) or group.get(key) != value):
                got = group.get(key) if isinstance(group, dict) else group
                return f"its optimizer setting {key!r} = {got!r} is not the cell's {value!r}"
    for entries in (opt.get("state") or {}).values():
        step = entries.get("step") if isinstance(entries, dict) else None
        if step is not None and not (float(step) >= 0 and math.isfinite(float(step))):
            return f"its optimizer step count {float(step)!r} is not a count"
        if isinstance(entries, dict) and not _finite_tensors(entries):
            return "its optimizer state is not finite"
    epoch, history = state["epoch"], state["history"]
    recorded = history.get("epoch")
    if isinstance(recorded, list):
        # the epochs recorded (every epoch, or every k-th: RunConfig.record_every), increasing, before the checkpoint
        if not all(isinstance(e, int) and not isinstance(e, bool) for e in recorded) or any(
                b <= a for a, b in zip(recorded, recorded[1:])) or (recorded and not 0 <= recorded[0] <= recorded[-1] < epoch):
            return f"its history lists epochs {recorded[:6]!r}..., not increasing epochs before {epoch}"
        for key in ("loss", "val_binarized", "test_binarized"):
            if key in history and isinstance(history[key], list) and len(history[key]) != len(recorded):
                return f"its history {key!r} has {len(history[key])} entries for {len(recorded)} recorded epochs"
    best = state.get("best")
    if isinstance(best, dict):
        score, kept, at = best.get("score"), best.get("state"), best.get("epoch")
        if score is not None:
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
                return f"its best-epoch score {score!r} is not a finite number"
            if not isinstance(kept, dict) or not _finite_tensors(kept):
                return "its best-epoch score has no (finite) state"
            if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < epoch:
                return f"its best epoch {at!r} is not one of the epochs run (0..{epoch - 1})"
            if parts.sharpening is None:
                for key, value in fresh.items():
                    if not isinstance(value, torch.Tensor) and key in kept and kept[key] != value:
                        return f"its best-epoch state {key!r} = {kept[key]!r} is not the cell's {value!r}"
    return ""


def restore(state: dict, parts: Parts, history: dict, select: bool) -> str:
    """Load a checkpoint into ``parts``; '' on success, else why it does not fit (another architecture, an empty or
    partial model state, optimizer state of other shapes or types, another history, a best-epoch state of another
    model, a missing or out-of-step Sharpening state). On failure ``parts`` may be half loaded: rebuild them."""
    if select and not isinstance(state.get("best"), dict):
        return "it has no best-epoch state, which this cell's selection needs"
    why = _checked_contents(state, parts)
    if why:
        return why
    try:
        parts.model.load_state_dict(state["model"])          # strict: every key, every shape
        parts.opt.load_state_dict(state["opt"])
    except Exception as err:  # noqa: BLE001  (torch raises RuntimeError, KeyError, ValueError, TypeError here)
        return f"does not fit this cell's model or optimizer: {type(err).__name__}: {str(err).splitlines()[0][:200]}"
    for group in parts.opt.param_groups:
        for p in group["params"]:
            for name, value in parts.opt.state.get(p, {}).items():
                if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape != p.shape:
                    return f"optimizer state {name!r} has shape {tuple(value.shape)}, its parameter {tuple(p.shape)}"
                if not isinstance(value, (torch.Tensor, int, float)):
                    return f"optimizer state {name!r} is a {type(value).__name__}"
    if not all(isinstance(v, list) for v in state["history"].values()) or set(state["history"]) != set(history):
        return "its history is not this cell's"
    best = state.get("best")
    if best is not None:
        current = parts.model.state_dict()
        kept = best.get("state") if isinstance(best, dict) else None
        if not isinstance(best, dict) or (kept is not None and (not isinstance(kept, dict) or set(kept) != set(current) or any(
                not _same_entry(v, current[k]) for k, v in kept.items()))):
            return "its best-epoch state is not this cell's model"
    if parts.sharpening is not None:
        try:
            parts.sharpening.load_state_dict(state.get("sharpening"), at_step=state["epoch"])
        except ValueError as err:
            return f"its sharpening state does not fit: {err}"
    return ""


class EpochLoop:
    """Run ``epochs`` epochs of a trainer's ``train_epoch``, resumable and with best-epoch selection.

    Parameters
    ----------
    build : callable
        ``build() -> Parts``, seeded by the caller: called once, and again if a checkpoint does not fit.
    epochs : int
        Number of epochs.
    history : dict
        The trainer's empty history (name -> list); a checkpoint must have exactly these keys.
    checkpoint : Path, optional
        Where to resume from and save to (every ``checkpoint_every`` finished epochs; 0: never).
    select : bool
        Keep the weights of the best score given to ``offer``.

    Examples
    --------
    >>> import torch
    >>> def build():
    ...     torch.manual_seed(0)
    ...     model = torch.nn.Linear(1, 1)
    ...     return Parts(model, torch.optim.SGD(model.parameters(), lr=0.1))
    >>> loop = EpochLoop(build, epochs=3, history={"loss": []}, select=True)
    >>> def epoch(loop, k):
    ...     loss = (loop.parts.model(torch.ones(1, 1)) - 2).pow(2).sum()
    ...     loop.parts.opt.zero_grad(); loss.backward(); loop.parts.opt.step()
    ...     loop.history["loss"].append(loss.item()); loop.offer(-loss.item(), k)
    ...     return True
    >>> result = loop.run(epoch); loop.finish()
    >>> result.best_epoch, len(result.history["loss"])
    (2, 3)
    """

    def __init__(self, build: Callable[[], Parts], *, epochs: int, history: dict, checkpoint: Path | None = None,
                 checkpoint_every: int = 0, select: bool = False):
        self.build, self.epochs, self.select = build, epochs, select
        self.checkpoint, self.checkpoint_every = checkpoint, checkpoint_every
        self.parts = build()
        self.history = history
        self.best: dict = {"score": None, "epoch": -1, "state": None}
        self.start_epoch = 0
        if checkpoint is not None and checkpoint.exists():
            self._resume(history)

    def _resume(self, empty_history: dict) -> None:
        state = load_checkpoint(self.checkpoint, self.epochs, tuple(empty_history))
        if state is None:
            return
        why = restore(state, self.parts, empty_history, self.select)
        if why:
            set_aside(self.checkpoint, why)
            self.parts = self.build()                  # as if no checkpoint had existed
            return
        self.history, self.start_epoch = state["history"], state["epoch"]
        if self.select:
            self.best = state["best"]

    def offer(self, score: float | None, epoch: int) -> None:
        """A validation score of the current weights (larger is better; None: not finite); kept if the best yet."""
        if self.select and score is not None and (self.best["score"] is None or score > self.best["score"]):
            self.best = {"score": score, "epoch": epoch, "state": copy.deepcopy(self.parts.model.state_dict())}

    def run(self, train_epoch: Callable[["EpochLoop", int], bool],
            after_epoch: Callable[[int], None] | None = None) -> LoopResult:
        """``train_epoch(loop, epoch)`` trains one epoch and returns False if the loss became non-finite (training
        stops there, diverged). Then the schedule steps, ``after_epoch(done)`` runs and a checkpoint is saved."""
        parts, diverged = self.parts, False
        started = time.time()
        for epoch in range(self.start_epoch, self.epochs):
            if not train_epoch(self, epoch):
                diverged = True
                break
            if parts.sharpening is not None:
                parts.sharpening.step()
            done = epoch + 1
            if after_epoch is not None:
                after_epoch(done)
            if self.checkpoint is not None and self.checkpoint_every and done % self.checkpoint_every == 0 \
                    and done < self.epochs:
                save_atomic({"model": parts.model.state_dict(), "opt": parts.opt.state_dict(), "history": self.history,
                             "epoch": done, **({"best": self.best} if self.select else {}),
                             **({"sharpening": parts.sharpening.state_dict()} if parts.sharpening is not None else {})},
                            self.checkpoint)
        return LoopResult(self.history, self.best["epoch"] if self.select else None, self.best["score"], diverged,
                          self.start_epoch, time.time() - started)

    def finish(self) -> None:
        """Load the kept (best) weights, if any, put the model in eval mode and delete the checkpoint."""
        if self.select and self.best["state"] is not None:
            self.parts.model.load_state_dict(self.best["state"])
        self.parts.model.eval()
        if self.checkpoint is not None and self.checkpoint.exists():
            self.checkpoint.unlink()
