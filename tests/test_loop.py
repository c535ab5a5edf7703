"""htaf_theory.experiments.loop: one checkpoint format and one resume rule for every kind of cell.

Each test runs over both kinds of cell (the full-batch MLP of ``train`` and the minibatch Table 1 network of
``heaviside``): an interrupted cell resumes to the same history, and a checkpoint that loads but does not fit the
cell (another model, optimizer state of other shapes, another history, a best state of another model, a sharpening
schedule out of step with the epochs) is set aside with a warning and the cell starts over.
"""
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments import loop as loop_mod  # noqa: E402
from htaf_theory.experiments.config import RunConfig  # noqa: E402
from htaf_theory.experiments.heaviside import HeavisideConfig, run_heaviside_cell  # noqa: E402
from htaf_theory.experiments.train import run_cell  # noqa: E402

KINDS = {
    "mlp": (RunConfig(dataset="abalone", hidden=(8,), activation="htaf", a=5.0, b=4.72, epochs=5, checkpoint_every=1,
                      select_epoch=True, schedule="sharpen", delta0=0.1, delta1=0.02),
            lambda cfg, data_home, ckpt=None: run_cell(cfg, data_home, ckpt)),
    "heaviside": (HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, epochs=4, checkpoint_every=1, channels=(4, 8),
                                  schedule="sharpen", delta0=0.1, delta1=0.02),
                  lambda cfg, data_home, ckpt=None: run_heaviside_cell(cfg, ckpt)),
}


def _interrupted_checkpoint(kind, data_home, tmp_path, monkeypatch):
    """Run the cell until its second checkpoint is written (epoch 2), then stop it as a Ctrl-C would."""
    cfg, run = KINDS[kind]
    ckpt = tmp_path / "c.pt"
    real, calls = loop_mod.save_atomic, {"n": 0}

    def save_then_stop(obj, path):
        real(obj, path)
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
    monkeypatch.setattr(loop_mod, "save_atomic", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        run(cfg, data_home, ckpt)
    monkeypatch.setattr(loop_mod, "save_atomic", real)
    assert ckpt.exists()
    return cfg, run, ckpt


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_an_interrupted_cell_of_either_kind_resumes_to_the_same_history(kind, data_home, tmp_path, monkeypatch):
    cfg, run = KINDS[kind]
    full = run(cfg, data_home)
    cfg, run, ckpt = _interrupted_checkpoint(kind, data_home, tmp_path, monkeypatch)
    resumed = run(cfg, data_home, ckpt)
    assert resumed["timings"]["resumed_from_epoch"] == 2
    assert resumed["results"]["history"]["loss"] == pytest.approx(full["results"]["history"]["loss"], rel=1e-6)
    assert not ckpt.exists()


def _drop_a_weight(state):
    state["model"].pop(next(k for k, v in state["model"].items() if isinstance(v, torch.Tensor)))


def _bogus_adam_state(state):
    first = next(iter(state["opt"]["state"].values()))
    first["exp_avg"] = torch.zeros(3, 3, 3)


def _foreign_best(state):
    state["best"]["state"] = {"weight": torch.zeros(2)}


def _out_of_step(state):
    state["sharpening"]["last_step"] = 0           # a checkpoint at epoch 2 whose schedule never stepped


CHANGES = {"model": _drop_a_weight, "adam": _bogus_adam_state, "history": lambda s: s["history"].update(other=[1.0]),
           "best": _foreign_best, "no-best": lambda s: s.pop("best", None), "sharpening-out-of-step": _out_of_step,
           "no-sharpening": lambda s: s.pop("sharpening")}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_checkpoint_that_does_not_fit_is_set_aside_for_either_kind(kind, change, data_home, tmp_path, monkeypatch):
    cfg, run = KINDS[kind]
    fresh = run(cfg, data_home)
    cfg, run, ckpt = _interrupted_checkpoint(kind, data_home, tmp_path, monkeypatch)
    state = torch.load(ckpt, weights_only=True)
    CHANGES[change](state)
    torch.save(state, ckpt)
    with pytest.warns(RuntimeWarning, match="ignoring checkpoint"):
        record = run(cfg, data_home, ckpt)
    assert record["timings"]["resumed_from_epoch"] == 0
    assert (tmp_path / "c.pt.invalid").exists()
    assert record["results"]["history"]["loss"] == pytest.approx(fresh["results"]["history"]["loss"], rel=1e-6)


FIXED = HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, epochs=4, checkpoint_every=1, channels=(4, 8))
KINDS_FIXED = {**KINDS, "heaviside-fixed": (FIXED, KINDS["heaviside"][1])}


def _activation_key(state, field):
    return next(k for k, v in state["model"].items() if isinstance(v, dict) and field in v)


def _gains(state):
    key = _activation_key(state, "a")
    state["model"][key] = {**state["model"][key], "a": 1e30, "b": 1e-30}


def _binary(state):
    key = _activation_key(state, "binary")
    state["model"][key] = {**state["model"][key], "binary": True}


def _nan_weight(state):
    key = next(k for k, v in state["model"].items() if isinstance(v, torch.Tensor) and v.is_floating_point())
    state["model"][key] = state["model"][key].clone().fill_(float("nan"))


def _adam_step(state):
    first = next(iter(state["opt"]["state"].values()))
    first["step"] = torch.tensor(-3.0)


TAMPERED = {"gains": _gains, "binary": _binary, "lr": lambda s: s["opt"]["param_groups"][0].update(lr=1e6),
            "adam-step": _adam_step, "nan-weights": _nan_weight,
            "best-without-state": lambda s: s["best"].update(score=2.0, state=None),
            "best-score-text": lambda s: s["best"].update(score="abc"),
            "short-history": lambda s: s["history"]["loss"].pop()}


@pytest.mark.parametrize("change", TAMPERED)
def test_a_tampered_checkpoint_is_set_aside_not_used(change, data_home, tmp_path, monkeypatch):
    kind = "heaviside-fixed"
    monkeypatch.setitem(KINDS, kind, KINDS_FIXED[kind])
    cfg, run = KINDS_FIXED[kind]
    fresh = run(cfg, data_home)
    cfg, run, ckpt = _interrupted_checkpoint(kind, data_home, tmp_path, monkeypatch)
    state = torch.load(ckpt, weights_only=False)
    TAMPERED[change](state)
    torch.save(state, ckpt)
    with pytest.warns(RuntimeWarning, match="ignoring checkpoint"):
        record = run(cfg, data_home, ckpt)
    assert record["timings"]["resumed_from_epoch"] == 0 and (tmp_path / "c.pt.invalid").exists()
    assert record["results"]["history"]["loss"] == pytest.approx(fresh["results"]["history"]["loss"], rel=1e-6)


def test_a_cell_that_records_every_kth_epoch_resumes(data_home, tmp_path, monkeypatch):
    # RunConfig.record_every = 2: the history lists epochs 0, 2, ... and the checkpoint still fits the cell
    cfg = replace(KINDS["mlp"][0], record_every=2)
    monkeypatch.setitem(KINDS, "mlp-sparse", (cfg, KINDS["mlp"][1]))
    full = KINDS["mlp"][1](cfg, data_home)
    cfg, run, ckpt = _interrupted_checkpoint("mlp-sparse", data_home, tmp_path, monkeypatch)
    resumed = run(cfg, data_home, ckpt)
    assert resumed["timings"]["resumed_from_epoch"] == 2
    assert resumed["results"]["history"]["loss"] == pytest.approx(full["results"]["history"]["loss"], rel=1e-6)
