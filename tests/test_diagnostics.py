"""Tests for htaf_theory.diagnostics.swap_report: a hand-computed tiny network, the C.1 bound, bad input."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory import core, params  # noqa: E402
from htaf_theory.diagnostics import layer_delta, swap_report  # noqa: E402
from htaf_theory.nn import HTAF, ScaledSigmoid  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402

A, B, EPS = 8.0, 2.0, 0.05
W = np.array([[1.0, -1.0], [0.5, 0.5], [-2.0, 0.25]])      # 2 inputs -> 3 HTAF units
C = np.array([0.0, -0.5, 0.1])
BETA = np.array([[1.5, -2.0, 0.5]])
X = np.array([[0.0, 0.0], [0.3, 0.25], [1.0, -1.0], [0.55, 0.5], [-0.4, 0.9], [0.02, 0.01]])


def _tiny_net():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(A, B), torch.nn.Linear(3, 1, bias=True)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(W))
        net[0].bias.copy_(torch.tensor(C))
        net[2].weight.copy_(torch.tensor(BETA))
        net[2].bias.fill_(0.3)
    return net


def test_tiny_network_against_numpy_by_hand():
    rep = swap_report(_tiny_net(), torch.tensor(X), eps=EPS, decision="sign")
    z = X @ W.T + C                                   # (6, 3) pre-activations
    h, step = core.htaf(z, A, B), core.heaviside(z)
    delta = params.transition_width(A, B, EPS)
    layer, = rep.layers
    assert layer.name == "1" and layer.delta == pytest.approx(delta, rel=1e-15)
    assert layer.zone_fraction == np.mean(np.abs(z) < delta)
    assert 0 < layer.zone_fraction < 1                 # the data visit both regimes
    assert layer.not_binary_fraction == np.mean(np.minimum(h, 1 - h) > EPS)
    assert layer.local_gap == pytest.approx(np.mean(np.abs(step - h)), rel=1e-12)
    assert layer.local_bound == pytest.approx(EPS + np.mean(np.abs(z) < delta))
    f_smooth, f_step = h @ BETA.T + 0.3, step @ BETA.T + 0.3
    assert rep.prediction_change == pytest.approx(np.mean(np.abs(f_step - f_smooth)), rel=1e-12)
    assert layer.alone_prediction_change == pytest.approx(rep.prediction_change, rel=1e-12)   # one layer only
    assert rep.decision_flips == np.mean((f_step > 0) != (f_smooth > 0))
    per_unit = np.mean(np.abs(z) < delta, axis=0)
    assert rep.c1_bound == pytest.approx(float((np.abs(BETA) @ (EPS + per_unit))[0]), rel=1e-12)
    assert rep.prediction_change <= rep.c1_bound     # Theorem C.1 on the empirical measure
    assert "swap report" in str(rep) and rep.as_dict()["layers"][0]["name"] == "1"


def test_the_bound_without_its_zone_term_is_violated():
    # a wrong variant of C.1 (drop the P(|z| < delta) term) fails on data inside the transition zone
    rep = swap_report(_tiny_net(), torch.tensor(X), eps=EPS)
    assert rep.prediction_change > float(np.abs(BETA).sum()) * EPS
    assert rep.prediction_change <= rep.c1_bound


@pytest.mark.parametrize("seed", range(5))
def test_c1_bound_holds_on_random_one_hidden_layer_nets(seed):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), HTAF(5.0, 1.5), torch.nn.Linear(16, 3))
    rep = swap_report(net, torch.randn(200, 4), eps=0.01, decision="argmax")
    assert rep.prediction_change <= rep.c1_bound
    assert 0 <= rep.decision_flips <= 1


def test_deltas_are_where_each_layer_is_eps_close():
    for eps in (0.1, 1e-3):
        d = layer_delta(HTAF(11.0, 2.0), eps)
        assert params.approx_error(11.0, 2.0, d) == pytest.approx(eps, rel=1e-12)
        d = layer_delta(ScaledSigmoid(22.0), eps)
        assert core.scaled_sigmoid(-d, 22.0) == pytest.approx(eps, rel=1e-12)
    assert layer_delta(HTAF(2.0, 2.0), 0.01) == float("inf")      # a < min_a(eps): never eps-close


def test_deep_network_flags_restored_and_no_c1_bound_without_linear_head():
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), HTAF(11.0, 2.0), torch.nn.Linear(8, 8), ScaledSigmoid(22.0))
    rep = swap_report(net, torch.randn(50, 3))
    assert [r.name for r in rep.layers] == ["1", "3"]
    assert rep.c1_bound is None and "not computed" in rep.c1_note
    assert not net[1].binary and not net[3].binary


def test_bad_input_is_refused_by_name():
    with pytest.raises(InvalidParameterError, match="no HTAF"):
        swap_report(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()), torch.randn(3, 2))
    with pytest.raises(InvalidParameterError, match="eps"):
        swap_report(_tiny_net(), torch.tensor(X), eps=0.7)
    with pytest.raises(InvalidParameterError, match="decision"):
        swap_report(_tiny_net(), torch.tensor(X), decision="vote")
    with pytest.raises(InvalidParameterError, match="X must be"):
        swap_report(_tiny_net(), X)


def test_a_layer_never_eps_close_reports_an_infinite_delta_and_json_gets_none():
    import json
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), HTAF(2.0, 11.0), torch.nn.Linear(4, 1))
    rep = swap_report(net, torch.randn(20, 2), eps=0.01)
    assert rep.layers[0].delta == float("inf") and rep.layers[0].zone_fraction == 1.0
    d = json.loads(json.dumps(rep.as_dict(), allow_nan=False))
    assert d["layers"][0]["delta"] is None and d["layers"][0]["zone_fraction"] == 1.0


@pytest.mark.parametrize("call, match", [
    (lambda: swap_report(None, torch.zeros(2, 1)), "model must be a torch.nn.Module"),
    (lambda: swap_report(torch.nn.Sequential(HTAF(10.0, 2.0)), [[0.0]]), "X must be a torch.Tensor"),
    (lambda: swap_report(torch.nn.Sequential(HTAF(10.0, 2.0)), torch.zeros(0, 1)), "at least one sample"),
    (lambda: layer_delta(torch.nn.ReLU(), 0.1), "HTAF, HTAFSpike or ScaledSigmoid"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_nan_input_row_is_warned_about():
    net = torch.nn.Sequential(torch.nn.Linear(1, 1), HTAF(10.0, 2.0), torch.nn.Linear(1, 1))
    X = torch.tensor([[0.5], [float("nan")], [1.0]])
    with pytest.warns(RuntimeWarning, match="1 of 3 samples"):
        swap_report(net, X, eps=0.1)


def test_swap_report_measures_in_eval_mode_and_restores_the_mode():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.BatchNorm1d(8), HTAF(10.0, 2.0), torch.nn.Dropout(0.5),
                              torch.nn.Linear(8, 2))
    net.train()
    X = torch.randn(64, 3)
    stats = net[1].running_mean.clone()
    reports = [swap_report(net, X, eps=0.1).prediction_change for _ in range(3)]
    assert len(set(reports)) == 1                                  # dropout off: the same report every time
    assert torch.equal(net[1].running_mean, stats)                 # batch norm not updated
    assert all(m.training for m in net.modules())


def test_no_c1_bound_where_the_output_is_not_the_heads():
    class Scaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(1, 4), HTAF(10.0, 2.0), torch.nn.Linear(4, 1))

        def forward(self, x):
            return 100.0 * self.body(x)

    rep = swap_report(Scaled(), torch.linspace(-1, 1, 50)[:, None], eps=0.1)
    assert rep.c1_bound is None and "not its last layer's output" in rep.c1_note


@pytest.mark.parametrize("kwargs, match", [({"eps": [0.1]}, "eps"), ({"X": torch.arange(4)[:, None]}, "floating"),
                                           ({"model": "tuple"}, "must return a tensor")])
def test_swap_report_refuses_bad_input_by_name(kwargs, match):
    class Pair(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(1, 4), HTAF(10.0, 2.0), torch.nn.Linear(4, 1))

        def forward(self, x):
            return self.body(x), x

    args = {"model": torch.nn.Sequential(torch.nn.Linear(1, 4), HTAF(10.0, 2.0)), "X": torch.randn(5, 1), "eps": 0.1}
    args.update(kwargs)
    if args["model"] == "tuple":
        args["model"] = Pair()
    with pytest.raises(InvalidParameterError, match=match):
        swap_report(args["model"], args["X"], eps=args["eps"])
