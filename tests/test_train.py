"""htaf_theory.experiments.train: the trainer (gradient recorder, metrics, checkpoints, resume) and running cells."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments import sweeps
from htaf_theory.experiments.config import RunConfig
from htaf_theory.experiments.model import MLP
from htaf_theory.nn import HTAF
from htaf_theory.experiments.runner import run_cells
from htaf_theory.experiments.store import ResultStore
from htaf_theory.nn.subnormals import flushing_denormals
from htaf_theory.experiments.train import auroc, binarity_score, grad_norms, make_optimizer, run_cell
from htaf_theory.validation import InvalidParameterError


def test_grad_norm_recorder_hand_computed():
    # one hidden ReLU layer, MSE: dLoss_i/dz_i = 2 (out_i - y_i) * w2 * 1[z_i > 0]
    torch.manual_seed(0)
    model = MLP(2, (3,), torch.nn.ReLU)
    with torch.no_grad():
        model.linears[0].weight.copy_(torch.tensor([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0]]))
        model.linears[0].bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        model.head.weight.copy_(torch.tensor([[2.0, -1.0, 0.5]]))
        model.head.bias.copy_(torch.tensor([0.0]))
    X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [-1.0, 0.2]])
    y = torch.tensor([1.0, -1.0, 0.0, 2.0])
    out = model(X, keep=True)
    torch.nn.functional.mse_loss(out, y).backward()
    z = (X @ model.linears[0].weight.T + model.linears[0].bias).detach()
    w2 = model.head.weight.detach()[0]
    per_sample = [float(torch.linalg.vector_norm(2 * (out[i].detach() - y[i]) * w2 * (z[i] > 0))) for i in range(4)]
    assert grad_norms(model, 4)[0] == pytest.approx(np.mean(per_sample), rel=1e-6)


def test_grad_norm_hook_matches_the_pre_activation_gradients_and_changes_nothing():
    torch.manual_seed(0)
    model = MLP(5, (7, 6), lambda: HTAF(3.0, 2.0))
    X, y = torch.randn(40, 5), torch.randn(40)
    torch.nn.functional.mse_loss(model(X), y).backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(model(X, keep=True), y)
    zs = model.pre_activations
    reference = torch.autograd.grad(loss, zs, retain_graph=True)      # dLoss/dz itself, layer by layer
    loss.backward()
    assert [float(n) for n in model.grad_row_norms] == [float(torch.linalg.vector_norm(g, dim=1).mean()) for g in reference]
    assert grad_norms(model, 40) == [float(torch.linalg.vector_norm(g, dim=1).mean()) * 40 for g in reference]
    assert all(torch.equal(p.grad, q) for p, q in zip(model.parameters(), plain))    # the hook leaves gradients alone
    assert not any(z.retains_grad for z in zs)                                       # and keeps no copy of them
    wrong = [float(torch.linalg.vector_norm(g, dim=0).mean()) for g in reference]    # norms over samples, not rows
    assert grad_norms(model, 1) != wrong


def test_grad_norms_without_a_recorded_backward_is_an_error():
    model = MLP(2, (3,), torch.nn.ReLU)
    model(torch.randn(4, 2), keep=True)
    with pytest.raises(RuntimeError, match="keep=True"):
        grad_norms(model, 4)


def test_auroc_matches_brute_force():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(size=200) + y, 1)  # ties included
    pos, neg = s[y == 1], s[y == 0]
    brute = np.mean([(p > q) + 0.5 * (p == q) for p in pos for q in neg])
    assert auroc(y, s) == pytest.approx(brute)


def test_binarity_score():
    assert binarity_score([torch.tensor([0.0, 0.005, 0.5, 0.995]), torch.tensor([1.0])]) == pytest.approx(0.8)


@pytest.mark.parametrize("activation, kw", [("htaf", dict(a=11.0, b=2.0)), ("ss", dict(gamma=22.0)),
                                            ("ste", dict(surrogate="rect", slope=4.0)), ("relu", {})])
def test_run_cell_records_everything(data_home, activation, kw):
    cfg = RunConfig(dataset="abalone", hidden=(16, 8), activation=activation, epochs=5, **kw)
    rec = run_cell(cfg, data_home)
    res = rec["results"]
    assert rec["config"] == cfg.to_dict() and rec["versions"]["htaf_theory"] and rec["seed"] == 0
    assert len(res["history"]["loss"]) == 5 and len(res["history"]["grad_norm"]) == 2
    assert all(np.isfinite(v) for v in res["history"]["grad_norm"][0])
    for key in ("train_smooth", "test_smooth", "test_binarized", "val_binarized"):
        assert res["metrics"][key] is not None and res["metrics"][key] > 0
    assert 0.0 <= res["binarity"] <= 1.0
    assert rec["machine"]["flush_denormal"] in (True, False)
    assert rec["trainer"]["fused_optimizer"] is True and rec["trainer"]["kernels"] in ("native c", "torch",
                                                                                       "unused")
    timings = rec["timings"]
    assert timings["total_s"] > 0 and "probe_s" not in timings      # no throughput probe inside a cell


def test_optimizers_are_fused_where_torch_can_and_the_default_elsewhere(monkeypatch):
    params = list(MLP(3, (4,), torch.nn.ReLU).parameters())
    adam, sgd = make_optimizer(params, "adam", 0.01), make_optimizer(params, "sgd", 0.1)
    assert adam.defaults["fused"] and sgd.defaults["fused"] and sgd.defaults["momentum"] == 0.9
    # the fused update is torch's default update, rounded differently
    reference = torch.optim.Adam([p.detach().clone().requires_grad_() for p in params], lr=0.01)
    for p, q in zip(params, reference.param_groups[0]["params"]):
        p.grad = q.grad = torch.randn_like(p)
    adam.step()
    reference.step()
    for p, q in zip(params, reference.param_groups[0]["params"]):
        torch.testing.assert_close(p, q)
    real = torch.optim.Adam.__init__

    def without_fused(self, params, **kw):
        if kw.get("fused"):
            raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of supported devices")
        real(self, params, **kw)

    monkeypatch.setattr(torch.optim.Adam, "__init__", without_fused)
    assert not make_optimizer(params, "adam", 0.01).defaults.get("fused")
    with pytest.raises(InvalidParameterError, match="optimizer must be one of .*got optimizer='rmsprop'"):
        make_optimizer(params, "rmsprop", 0.01)


def _subnormal_survives() -> bool:
    return bool(torch.tensor([1e-39], dtype=torch.float32).mul(0.5).item() != 0.0)


def test_cells_train_with_subnormals_flushed_and_restore_the_default(data_home, monkeypatch):
    # subnormals (the exact tails of saturated layers) cost a microcode assist per operation on Intel CPUs
    assert _subnormal_survives()
    with flushing_denormals() as supported:
        if not supported:
            pytest.skip("this CPU cannot flush subnormals")
        assert not _subnormal_survives()
    assert _subnormal_survives()                  # the default is back, also after an error inside
    with pytest.raises(RuntimeError), flushing_denormals():
        raise RuntimeError
    assert _subnormal_survives()
    seen = []
    real = torch.optim.Adam.step
    monkeypatch.setattr(torch.optim.Adam, "step", lambda self, *a, **k: seen.append(_subnormal_survives()) or real(self, *a, **k))
    rec = run_cell(RunConfig(dataset="abalone", hidden=(16, 8), activation="htaf", a=11.0, b=2.0, epochs=3), data_home)
    assert seen == [False] * 3 and rec["machine"]["flush_denormal"] is True and _subnormal_survives()


@pytest.mark.parametrize("cfg", [
    RunConfig(dataset="abalone", hidden=(8,), activation="htaf", a=5.0, b=2.0, epochs=6, checkpoint_every=2),
    # epoch selection keeps a best state, whose activations carry their gains as extra (non-tensor) state
    RunConfig(dataset="abalone", hidden=(8,), activation="htaf", a=5.0, b=2.0, epochs=6, checkpoint_every=2,
              select_epoch=True),
    RunConfig(dataset="abalone", hidden=(8,), activation="ss", gamma=10.0, epochs=6, checkpoint_every=2,
              select_epoch=True),
], ids=["htaf", "htaf-select", "ss-select"])
@pytest.mark.filterwarnings("error::RuntimeWarning")   # a fitting checkpoint is resumed, never set aside
def test_checkpoint_resume_gives_the_same_history(data_home, tmp_path, monkeypatch, cfg):
    full = run_cell(cfg, data_home)
    ckpt = tmp_path / "c.pt"
    calls = {"n": 0}
    real_step = torch.optim.Adam.step

    def dying_step(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # killed during epoch 5
        return real_step(self, *args, **kwargs)
    monkeypatch.setattr(torch.optim.Adam, "step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        run_cell(cfg, data_home, ckpt)
    assert ckpt.exists()
    monkeypatch.setattr(torch.optim.Adam, "step", real_step)
    resumed = run_cell(cfg, data_home, ckpt)
    assert resumed["timings"]["resumed_from_epoch"] == 4
    assert resumed["results"]["history"]["loss"] == pytest.approx(full["results"]["history"]["loss"], rel=1e-6)
    assert not ckpt.exists()


def test_a_diverged_cell_is_recorded(data_home, tmp_path):
    cfg = RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=30, lr=1e18, optimizer="sgd")
    store = ResultStore(tmp_path)
    run_cells([cfg], store, workers=1, data_home=data_home, progress=False)
    record = store.load(cfg)
    assert record is not None and record["results"]["diverged"] is True
    assert None in record["results"]["history"]["loss"]


def test_checkpoint_writes_name_the_folder_and_leave_no_temporary_file(tmp_path, monkeypatch):
    from htaf_theory.experiments.loop import save_atomic as _save_atomic
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError) as err:                 # not torch's "[enforce fail ...]" RuntimeError
        _save_atomic({"x": 1}, blocker / "c.pt")
    assert "file" in str(err.value.filename)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _save_atomic({"x": 1}, tmp_path / "c.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_store_is_atomic_and_sweeps_resume(data_home, tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    cells = [RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=2, seed=s) for s in range(3)]
    run_cells(cells, store, workers=1, data_home=data_home, progress=False)
    assert all(store.done(c) for c in cells)
    assert not list(tmp_path.glob(".tmp-*"))
    store.path(cells[1]).unlink()  # as if the sweep had been killed before this cell finished
    ran = []
    import htaf_theory.experiments.train as train_mod
    real = train_mod.run_cell
    monkeypatch.setattr(train_mod, "run_cell", lambda cfg, *a, **k: ran.append(cfg.seed) or real(cfg, *a, **k))
    records = run_cells(cells, store, workers=1, data_home=data_home, progress=False)
    assert ran == [1] and all(r is not None for r in records)


def test_user_supplied_executor(data_home, tmp_path):
    cells = [RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=2, seed=s) for s in range(2)]
    with ThreadPoolExecutor(2) as pool:
        records = run_cells(cells, ResultStore(tmp_path), executor=pool, data_home=data_home, progress=False)
    assert [r["seed"] for r in records] == [0, 1]


def test_cli_size_flag():
    from htaf_theory.cli import build_parser
    parse = build_parser().parse_args
    assert parse(["experiment", "f1"]).size == "full" and parse(["experiment", "f1", "--quick"]).size == "quick"
    assert parse(["figures", "--size", "budget"]).size == "budget"
    assert parse(["figures", "--size", "budget", "--size", "full"]).size == "full"   # a later flag wins (reproduce.sh "$@")


def test_cli_experiment_quick_and_rerun(data_home, tmp_path, capsys, monkeypatch):
    from htaf_theory.cli import main
    monkeypatch.setattr(sweeps, "QUICK_EPOCHS", 3)
    args = ["experiment", "f21raw", "--quick", "--workers", "1", "--results", str(tmp_path), "--data-home", str(data_home)]
    assert main(args) == 0
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 6
    mtimes = [f.stat().st_mtime for f in files]
    assert main(args) == 0
    assert [f.stat().st_mtime for f in files] == mtimes  # finished cells were skipped
    assert main(["experiment", "nope"]) == 2


class _Planted:
    """A pickle whose loading would run code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("content", ["planted", "garbage", "empty", "wrong dict", "epoch out of range"])
def test_a_bad_checkpoint_never_runs_code_and_the_cell_starts_over(data_home, tmp_path, content):
    cfg = RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=3, checkpoint_every=1)
    ckpt = tmp_path / "c.pt"
    marker = tmp_path / "pwned"
    if content == "planted":
        torch.save({"model": _Planted(marker), "opt": {}, "history": {}, "epoch": 1}, ckpt)
    elif content == "garbage":
        ckpt.write_bytes(b"not a checkpoint at all")
    elif content == "empty":
        ckpt.write_bytes(b"")
    elif content == "wrong dict":
        torch.save({"weights": torch.zeros(3)}, ckpt)
    else:
        torch.save({"model": {}, "opt": {}, "history": {"epoch": [], "loss": [], "grad_norm": []}, "epoch": 99}, ckpt)
    with pytest.warns(RuntimeWarning, match="ignoring checkpoint"):
        record = run_cell(cfg, data_home, ckpt)
    assert not marker.exists()
    assert record["timings"]["resumed_from_epoch"] == 0
    assert (tmp_path / "c.pt.invalid").exists()


def _fitting_checkpoint_but(data_home, tmp_path, change):
    """A checkpoint of a 1-hidden-layer (4) ReLU cell, after one epoch, with ``change`` applied to it."""
    cfg = RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=3, checkpoint_every=1)
    other = RunConfig(dataset="abalone", hidden=(8,), activation="relu", epochs=3, checkpoint_every=1)
    ckpt = tmp_path / "c.pt"
    model = torch.nn.Linear(1, 1)
    state = {"model": {}, "opt": {}, "history": {"epoch": [0], "loss": [1.0], "grad_norm": [[0.1]]}, "epoch": 1}
    from htaf_theory.data import load_dataset
    from htaf_theory.experiments.model import MLP
    from htaf_theory.experiments.train import make_activation, make_optimizer
    features = load_dataset("abalone", data_home).X.shape[1]
    for c in (cfg, other):
        net = MLP(features, c.hidden, lambda c=c: make_activation(c))
        opt = make_optimizer(net.parameters(), c.optimizer, c.lr)
        net(torch.randn(5, features)).sum().backward()
        opt.step()
        if c is cfg:
            state["model"], state["opt"] = net.state_dict(), opt.state_dict()
        else:
            state["other_model"], state["other_opt"] = net.state_dict(), opt.state_dict()
    del model
    change(state)
    state.pop("other_model"), state.pop("other_opt")
    torch.save(state, ckpt)
    return cfg, ckpt


def _bogus_adam_state(state):
    first = next(iter(state["opt"]["state"].values()))
    first["exp_avg"] = torch.zeros(3, 3, 3)


@pytest.mark.parametrize("change", [
    lambda s: s.update(model=s["other_model"], opt=s["other_opt"]),          # another architecture
    lambda s: s.update(model={}),                                           # an empty model state
    lambda s: s.update(opt={"state": {}, "param_groups": []}),              # an optimizer without groups
    _bogus_adam_state,                                                      # optimizer state of other shapes
    lambda s: s["opt"]["param_groups"][0].update(params=[0]),              # a group that names too few parameters
    lambda s: s.update(history={"epoch": [0], "loss": "x", "grad_norm": [[0.1]]}),
], ids=["architecture", "empty-model", "no-groups", "bogus-adam", "short-group", "history"])
def test_a_checkpoint_that_loads_but_does_not_fit_is_set_aside(data_home, tmp_path, change):
    cfg, ckpt = _fitting_checkpoint_but(data_home, tmp_path, change)
    fresh = run_cell(cfg, data_home)
    with pytest.warns(RuntimeWarning, match="ignoring checkpoint"):
        record = run_cell(cfg, data_home, ckpt)
    assert record["timings"]["resumed_from_epoch"] == 0
    assert (tmp_path / "c.pt.invalid").exists()
    assert record["results"]["history"]["loss"] == pytest.approx(fresh["results"]["history"]["loss"], rel=1e-6)


def test_a_checkpoint_that_fits_is_resumed(data_home, tmp_path):
    cfg, ckpt = _fitting_checkpoint_but(data_home, tmp_path, lambda s: None)
    record = run_cell(cfg, data_home, ckpt)
    assert record["timings"]["resumed_from_epoch"] == 1


@pytest.mark.parametrize("content", ["not json", '{"config": {', "", "{}", "[]", '{"key": 1}'])
def test_a_corrupt_result_file_is_moved_aside_and_its_cell_rerun(data_home, tmp_path, content):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=2, seed=0)
    store.path(cfg).write_text(content)
    with pytest.warns(RuntimeWarning, match="invalid result file"):
        assert not store.done(cfg)
    assert (tmp_path / (store.path(cfg).name + ".invalid")).exists()
    run_cells([cfg], store, workers=1, data_home=data_home, progress=False)
    assert store.done(cfg) and store.load(cfg)["config"] == cfg.to_dict()


def test_select_epoch_keeps_the_best_validation_weights(data_home):
    cfg = RunConfig(dataset="abalone", hidden=(8,), activation="htaf", a=5.0, b=4.72, epochs=40, record_every=5,
                    select_epoch=True, lr=3e-2)
    record = run_cell(cfg, data_home)
    hist, res = record["results"]["history"], record["results"]
    scores = hist["val_deployed"]                     # -RMSE: larger is better
    best = int(np.argmax(scores))
    assert res["best_epoch"] == hist["epoch"][best]
    assert res["metrics"]["val_binarized"] == pytest.approx(-scores[best], rel=1e-9)   # the kept weights are those
    assert cfg.key() != replace(cfg, select_epoch=False).key()
    assert replace(cfg, select_epoch=False).to_dict()["select_epoch"] is False
