"""Tests for htaf_theory.experiments.heaviside (the CPU-scale Table 1) and the t1 sweep's selection."""
from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytestmark = pytest.mark.torch

from htaf_theory.experiments import sweeps  # noqa: E402
from htaf_theory.experiments.heaviside import HeavisideConfig, build_net, load_digits_split, run_heaviside_cell  # noqa: E402
from htaf_theory.experiments.store import ResultStore  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402


@pytest.mark.parametrize("kwargs, match", [
    (dict(net="bnn"), "net must be one of"), (dict(net="dhn", dataset="mnist1d"), "net must be one of"),
    (dict(method="ss", gamma=10.0, mode="surrogate"), "applies to method 'htaf' only"),
    (dict(method="htaf", a=5.0, b=1.0, mode="step"), "mode must be one of"),
    (dict(method="relu"), "method must be one of"),
    (dict(method="htaf", a=5.0), "needs b"), (dict(method="htaf", a=-5.0, b=1.0), "a must be a finite number > 0"),
    (dict(method="ss", gamma=10.0, time_steps=0), "time_steps must be an integer >= 1"),
    (dict(method="ss", gamma=10.0, dataset="cifar10"), "dataset must be one of"),
])
def test_bad_configs_are_refused_by_name(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        HeavisideConfig(**kwargs)


def test_the_config_key_is_pinned_and_survives_its_json_form():
    cfg = HeavisideConfig(net="snn", method="htaf", a=7.0, b=3.0, seed=2)
    assert cfg.key() == "6c54bab115b51546"   # pinned: a change here orphans every stored Table 1 result
    assert HeavisideConfig.from_dict(cfg.to_dict()) == cfg and cfg.to_dict()["channels"] == [16, 32]
    assert cfg.key() == HeavisideConfig(**{**cfg.to_dict(), "channels": (16, 32), "checkpoint_every": 1}).key()


def test_digits_split_is_a_seeded_partition():
    parts = load_digits_split(3)
    assert [len(y) for _, y in parts] == [1078, 359, 360]
    assert all(X.shape[1:] == (1, 8, 8) and X.dtype == np.float32 and 0 <= X.min() and X.max() <= 1 for X, _ in parts)
    again = load_digits_split(3)
    assert all(np.array_equal(y1, y2) for (_, y1), (_, y2) in zip(parts, again))
    assert not np.array_equal(parts[0][1], load_digits_split(4)[0][1])


@pytest.mark.parametrize("net", ["dhn", "snn"])
def test_deployed_networks_are_binary_and_the_selected_epoch_is_the_best_on_validation(net):
    pytest.importorskip("spikingjelly")
    cfg = HeavisideConfig(net=net, method="htaf", a=5.0, b=4.72, epochs=3, time_steps=2)
    record = run_heaviside_cell(cfg)
    hist, metrics = record["results"]["history"], record["results"]["metrics"]
    assert "flush_denormal" not in record["machine"] and cfg.run()["machine"]["flush_denormal"] in (True, False)
    best = int(np.argmax(hist["val_binarized"]))
    assert metrics["best_epoch"] == hist["epoch"][best]
    assert metrics["test_binarized"] == hist["test_binarized"][best]
    swap = record["results"]["swap"]
    assert len(swap["layers"]) == 2 and 0 <= swap["decision_flips"] <= 1
    if net == "snn":     # spike functions run once per step: Thm C.1 does not apply, and the report says so
        assert swap["c1_bound"] is None and "more than once" in swap["c1_note"]
    from htaf_theory.nn import binarize
    model = build_net(cfg).eval()
    seen = []
    for module in model.modules():
        if type(module).__name__ in ("HTAF", "HTAFSpike"):
            module.register_forward_hook(lambda m, i, o: seen.append(o))
    with binarize(model), torch.no_grad():
        model(torch.from_numpy(load_digits_split(0)[2][0][:16]))
    assert seen and all(set(o.unique().tolist()) <= {0.0, 1.0} for o in seen)


@pytest.mark.parametrize("cfg", [
    HeavisideConfig(net="dhn", method="ste", surrogate="tanh", slope=4.0, epochs=4, checkpoint_every=2),
    HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, epochs=4, checkpoint_every=2, schedule="sharpen",
                    delta0=0.1, delta1=0.01),
    HeavisideConfig(net="dhn", method="ss", gamma=22.0, epochs=4, checkpoint_every=2, schedule="zone"),
], ids=["ste", "htaf-sharpen", "ss-zone"])
def test_an_interrupted_cell_resumes_to_the_same_result(tmp_path, monkeypatch, cfg):
    full = run_heaviside_cell(cfg)
    ckpt = tmp_path / "c.pt"
    import htaf_theory.experiments.heaviside as heaviside

    calls = {"n": 0}
    real = heaviside._accuracy

    def stop_after_two_epochs(*args):
        calls["n"] += 1
        if calls["n"] > 4 * 2:             # four evaluations per epoch
            raise KeyboardInterrupt
        return real(*args)
    monkeypatch.setattr(heaviside, "_accuracy", stop_after_two_epochs)
    with pytest.raises(KeyboardInterrupt):
        run_heaviside_cell(cfg, ckpt)
    monkeypatch.setattr(heaviside, "_accuracy", real)
    assert ckpt.exists()
    resumed = run_heaviside_cell(cfg, ckpt)
    assert resumed["timings"]["resumed_from_epoch"] == 2
    assert resumed["results"]["history"] == full["results"]["history"]
    assert not ckpt.exists()


def test_a_sharpened_cell_trains_along_the_frontier_and_a_zone_cell_pays_its_penalty(monkeypatch):
    from htaf_theory.nn import ZonePenalty
    cfg = HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, epochs=3, schedule="sharpen", delta0=0.1, delta1=0.01)
    record = run_heaviside_cell(cfg)
    deltas = record["results"]["history"]["delta"]
    assert deltas == pytest.approx([0.1, 0.1 * 0.1 ** (1 / 3), 0.1 * 0.1 ** (2 / 3)])
    assert record["results"]["swap"]["c1_bound"] is not None
    assert HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72).key() != cfg.key()
    paid = []
    real = ZonePenalty.penalty
    monkeypatch.setattr(ZonePenalty, "penalty", lambda self: paid.append(1) or real(self))
    run_heaviside_cell(HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, epochs=1, schedule="zone"))
    assert len(paid) == -(-1078 // 64)                   # once per training batch
    with pytest.raises(InvalidParameterError, match="schedule='sharpen' applies to method 'htaf' or 'ss'"):
        HeavisideConfig(method="ste", surrogate="tanh", slope=4.0, schedule="sharpen")


def test_t1_plan_picks_the_best_validation_candidate_per_net_and_method(tmp_path):
    store = ResultStore(tmp_path)
    stage1, chosen = sweeps.t1_plan(store, size="quick")
    assert chosen == {} and len(stage1) == 2 * (2 + 1 + 1)
    for i, cfg in enumerate(stage1):
        val = 0.9 if (cfg.method == "htaf" and cfg.a == 50.0) else 0.5 + 0.01 * i
        store.save(cfg, {"config": cfg.to_dict(), "key": cfg.key(), "seed": 0, "versions": {}, "timings": {},
                         "results": {"task": "classification", "metric": "accuracy", "diverged": False, "history": {},
                                     "metrics": {"val_binarized": val}}})
    _, chosen = sweeps.t1_plan(store, size="quick")
    assert {(k[0], k[1]) for k in chosen} == {(n, m) for n in sweeps.T1_NETS for m in sweeps.T1_GRID}
    assert all(chosen[(n, "htaf", s)].a == 50.0 and chosen[(n, "htaf", s)].seed == s
               for n in sweeps.T1_NETS for s in (0, 1))


def test_t1deploy_plan_adds_the_strategies_to_each_seeds_choice(tmp_path):
    from htaf_theory.params import approx_error
    store = ResultStore(tmp_path)
    stage1, chosen = sweeps.t1deploy_plan(store, size="quick")
    assert chosen == {} and {c.net for c in stage1} == {"dhn", "snn"}
    for cfg in stage1:
        store.save(cfg, {"config": cfg.to_dict(), "key": cfg.key(), "seed": 0, "versions": {}, "timings": {},
                         "results": {"task": "classification", "metric": "accuracy", "diverged": False, "history": {},
                                     "metrics": {"val_binarized": 0.9 if cfg.a == 5.0 else 0.5}}})
    _, chosen = sweeps.t1deploy_plan(store, size="quick")
    assert sorted({(m, s) for _, m, s, _ in chosen}) == [("htaf", "fixed"), ("htaf", "sharpen"), ("htaf", "zone"),
                                                        ("ss", "fixed"), ("ss", "sharpen"), ("ste", "fixed")]
    for (net, method, schedule, seed), cell in chosen.items():
        fixed = chosen[(net, method, "fixed", seed)]
        assert cell == replace(fixed, schedule=cell.schedule, frontier_eps=cell.frontier_eps, delta0=cell.delta0,
                               delta1=cell.delta1, tag=cell.tag)   # all else equal: the pairing is by seed
        if schedule == "sharpen" and method == "htaf":
            # the frontier starts at the chosen pair's own half-width (a = 5, b = 4.72: eps = delta = 0.1)
            assert cell.frontier_eps == 0.1 and float(approx_error(cell.a, cell.b, cell.delta0)) <= 0.1 + 1e-12
            assert cell.delta1 == pytest.approx(cell.delta0 / 10) and cell.tag == "t1deploy-quick"


def test_new_fields_at_their_defaults_keep_every_table1_key():
    # mode and width entered HeavisideConfig after t1's records existed: at their defaults they are not hashed
    cfg = HeavisideConfig(net="snn", method="htaf", a=7.0, b=3.0, seed=2, mode="smooth", width=256)
    assert cfg.key() == "6c54bab115b51546"
    assert replace(cfg, mode="surrogate").key() != cfg.key()


@pytest.mark.parametrize("net", ["mlp", "conv", "bnn", "snn"])
@pytest.mark.parametrize("mode", ["smooth", "surrogate"])
def test_mnist1d_nets_map_sequences_to_logits_and_deploy_binary(net, mode):
    if net == "snn":
        pytest.importorskip("spikingjelly")
    from htaf_theory.nn import binarize
    cfg = HeavisideConfig(dataset="mnist1d", net=net, method="htaf", a=10.0, b=0.224, mode=mode, width=16)
    model = build_net(cfg).eval()
    x = torch.randn(5, 40)
    assert model(x).shape == (5, 10)
    seen = []
    for module in model.modules():
        if type(module).__name__ in ("HTAF", "HTAFSpike"):
            module.register_forward_hook(lambda m, i, o: seen.append(o))
    with binarize(model), torch.no_grad():
        model(x)
    assert seen and all(set(o.unique().tolist()) <= {0.0, 1.0} for o in seen)


def test_the_surrogate_mode_trains_the_exact_step_with_h_prime():
    # forward: the step itself, so the smooth and deployed scores coincide; backward: h'(x), not zero
    cfg = HeavisideConfig(dataset="mnist1d", net="mlp", method="htaf", a=10.0, b=0.224, mode="surrogate", width=8)
    act = build_net(cfg)[2]
    x = torch.tensor([-0.3, 0.2], requires_grad=True)
    out = act(x)
    assert out.tolist() == [0.0, 1.0]
    out.sum().backward()
    from htaf_theory.core import htaf_grad
    assert x.grad.tolist() == pytest.approx([float(htaf_grad(v, 10.0, 0.224)) for v in (-0.3, 0.2)], rel=1e-5)


def test_binary_linear_computes_with_scaled_signs_and_passes_the_clipped_gradient():
    from htaf_theory.nn import BinaryLinear
    layer = BinaryLinear(3, 2)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.5, -2.0, 0.0], [-0.25, 0.75, 1.5]]))
    alpha = layer.weight.abs().mean()
    x = torch.randn(4, 3)
    want = x @ (alpha * torch.tensor([[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]])).T + layer.bias
    torch.testing.assert_close(layer(x), want)
    layer(x).sum().backward()
    assert layer.weight.grad[0, 1] == 0.0 and layer.weight.grad[1, 2] == 0.0      # |w| > 1: clipped
    assert layer.weight.grad[0, 0] != 0.0


def test_mnist1d_is_generated_locally_and_checked():
    pytest.importorskip("mnist1d")
    import random

    from htaf_theory import data
    state = np.random.get_state()[1][:5].copy(), random.getstate()
    data._MNIST1D_CACHE.clear()
    split = data.load_mnist1d()
    assert [len(y) for _, y in (split["train"], split["val"], split["test"])] == [3200, 800, 1000]
    assert split["train"][0].shape == (3200, 40) and split["train"][0].dtype == np.float32
    assert np.array_equal(np.random.get_state()[1][:5], state[0]) and random.getstate() == state[1]   # restored


def test_a_changed_mnist1d_generator_fails_with_a_clear_error(monkeypatch):
    pytest.importorskip("mnist1d")
    from htaf_theory import data
    data._MNIST1D_CACHE.clear()
    monkeypatch.setitem(data.MNIST1D_ARGS, "iid_noise_scale", 3e-2)       # as if the package's generator changed
    with pytest.raises(data.DataError, match="the generator changed"):
        data.load_mnist1d()
    data._MNIST1D_CACHE.clear()


def test_the_study_grid_is_on_the_frontier_and_families_are_comparable():
    from htaf_theory.experiments import study
    from htaf_theory.params import approx_error
    for a, delta, b in study.windows():
        assert float(approx_error(a, b, delta)) <= study.STUDY_EPS      # rounded up: admissible
    assert (30.0, 0.1, 0.74) in study.windows() and (10.0, 1.0, 0.224) in study.windows()
    counts = {fam: len(study.study_candidates("mlp", fam)) for fam in study.FAMILIES}
    assert set(counts.values()) == {9}
    full = sweeps.build_sweep("m1d")
    assert len(full) == len(set(full)) == 4 * 36 + 4 * 2 * 9 * 9
    assert len(sweeps.build_sweep("m1d", "budget")) == 6


@pytest.mark.parametrize("kwargs, match", [({"seed": -1}, "seed"), ({"checkpoint_every": -1}, "checkpoint_every"),
                                           ({"channels": (0, 3)}, "channels"), ({"channels": (-1,)}, "channels"),
                                           ({"channels": ()}, "channels")])
def test_heaviside_config_refuses_nonsense(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        HeavisideConfig(net="dhn", method="htaf", a=5.0, b=4.72, **kwargs)


def test_select_on_validation_refuses_no_candidates_and_mixed_metrics():
    from htaf_theory.experiments.staging import select_on_validation
    with pytest.raises(InvalidParameterError, match="at least one"):
        select_on_validation([])
    recs = [{"results": {"metric": m, "metrics": {"val_binarized": 0.5}}} for m in ("rmse", "auroc")]
    with pytest.raises(InvalidParameterError, match="one metric"):
        select_on_validation(recs)


def test_select_on_validation_ranks_diverged_candidates_last_and_says_when_all_diverged():
    from htaf_theory.experiments.staging import select_on_validation

    def rec(name, v):
        return {"config": {"name": name}, "results": {"metric": "accuracy", "metrics": {"val_binarized": v}}}
    assert select_on_validation([rec("a", float("nan")), rec("b", None), rec("c", 0.4)])["config"]["name"] == "c"
    with pytest.warns(RuntimeWarning, match="every candidate diverged.*'a', 'b'"):
        assert select_on_validation([rec("a", float("nan")), rec("b", None)])["config"]["name"] == "a"


def test_binary_linear_takes_a_kernel_quantizer_as_larq_does():
    from htaf_theory.nn import BinaryLinear, sign_ste_quantizer
    torch.manual_seed(0)
    default, smooth = BinaryLinear(3, 2), BinaryLinear(3, 2, kernel_quantizer=torch.tanh)
    smooth.load_state_dict(default.state_dict())
    x = torch.randn(5, 3)
    torch.testing.assert_close(default(x), torch.nn.functional.linear(x, sign_ste_quantizer(default.weight), default.bias))
    torch.testing.assert_close(smooth(x), torch.nn.functional.linear(x, torch.tanh(default.weight), default.bias))
    smooth(x).sum().backward()
    assert smooth.weight.grad is not None and "kernel_quantizer=tanh" in repr(smooth)
    with pytest.raises(InvalidParameterError, match="kernel_quantizer must be a callable"):
        BinaryLinear(3, 2, kernel_quantizer="sign")


@pytest.mark.parametrize("kwargs, match", [
    (dict(method="htaf", a=5.0, b=2.0, gamma=3.0), "gamma applies to method='ss' only"),
    (dict(method="ss", gamma=3.0, surrogate="tanh"), "surrogate applies to method='ste' only"),
    (dict(method="ste", surrogate="tanh", slope=2.0, a=5.0), "a applies to method='htaf' only"),
    (dict(method="htaf", a=5.0, b=2.0, width=10**7), "width must be an integer in"),
])
def test_heaviside_configs_refuse_what_their_method_cannot_use(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        HeavisideConfig(dataset="digits", net="dhn", **kwargs)
