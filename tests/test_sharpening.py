"""htaf_theory.nn.sharpening: every step on Prop. 3.1's frontier, resumable, refused by name when misused, its
monitored C.1 bound holds, and the zone penalty is the sech^2 surrogate with finite gradients."""
import copy

import mpmath
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory import params  # noqa: E402
from htaf_theory.diagnostics import swap_report  # noqa: E402
from htaf_theory.nn import HTAF, HTAFSpike, ScaledSigmoid, Sharpening, ZonePenalty, layer_delta  # noqa: E402
from htaf_theory.precise import approx_error_mp  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402


def _net(act=None):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), act or HTAF(5.0, 4.72), torch.nn.Linear(8, 8),
                               HTAF(50.0, 0.44), torch.nn.Linear(8, 1)).double()


@pytest.mark.parametrize("a1", [None, 20.0])
def test_every_step_is_on_the_frontier_exactly(a1):
    net = _net()
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.005, total_iters=25, a1=a1)
    deltas = []
    for _ in range(30):                                     # past `total_iters` the gains stay at the target
        for _, module in sched.layers:
            assert approx_error_mp(module.a, module.b, sched.delta, dps=60) <= 0.1
            assert float(params.approx_error(module.a, module.b, sched.delta)) <= 0.1
            # the least such b: a slightly smaller one is not admissible
            assert approx_error_mp(module.a, module.b * (1 - 1e-9), sched.delta, dps=60) > 0.1
        deltas.append(sched.delta)
        sched.step()
    assert deltas[0] == 0.1 and deltas[25] == 0.005 and deltas[-1] == 0.005
    assert all(x > y for x, y in zip(deltas[:25], deltas[1:26]))
    if a1 is not None:
        assert all(m.a == pytest.approx(a1) for _, m in sched.layers)


def test_scaled_sigmoid_follows_its_own_frontier():
    net = _net(ScaledSigmoid(22.0))
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=4)
    for _ in range(5):
        ss = net[1]
        assert ss.gamma * sched.delta == pytest.approx(float(params.min_a(0.1)), rel=1e-14)
        assert layer_delta(ss, 0.1) == pytest.approx(sched.delta, rel=1e-14)
        sched.step()


def test_a_resumed_schedule_matches_an_uninterrupted_one():
    def train(interrupt_at=None):
        net = _net()
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=20)
        X = torch.randn(32, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
        y = X.sum(1, keepdim=True)
        for epoch in range(20):
            if epoch == interrupt_at:       # save, rebuild everything, load
                saved = copy.deepcopy((net.state_dict(), opt.state_dict(), sched.state_dict()))
                net = _net()
                opt = torch.optim.Adam(net.parameters(), lr=1e-2)
                sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=20)
                net.load_state_dict(saved[0])
                opt.load_state_dict(saved[1])
                sched.load_state_dict(saved[2])
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(X), y).backward()
            opt.step()
            sched.step()
        return net, sched
    (n1, s1), (n2, s2) = train(), train(interrupt_at=9)
    assert s1.gains() == s2.gains() and s1.last_step == s2.last_step
    for p, q in zip(n1.parameters(), n2.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("kwargs, match", [
    ({"delta1": 0.2}, "delta1 must not exceed delta0"), ({"eps": 0.5}, "eps"), ({"eps": 0.0}, "eps"),
    ({"total_iters": 0}, "total_iters"), ({"total_iters": 2.5}, "total_iters"), ({"a1": 2.0}, "a1 must exceed min_a"),
    ({"delta0": -1.0}, "delta0"),
])
def test_bad_targets_are_refused_by_name(kwargs, match):
    args = dict(eps=0.1, delta0=0.1, delta1=0.01, total_iters=10) | kwargs
    with pytest.raises(InvalidParameterError, match=match):
        Sharpening(_net(), **args)


def test_a_gain_below_min_a_or_learnable_or_no_layer_is_refused():
    with pytest.raises(InvalidParameterError, match="min_a"):
        Sharpening(_net(HTAF(2.0, 11.0)), eps=0.1, delta0=0.1, delta1=0.01, total_iters=3)
    with pytest.raises(InvalidParameterError, match="learnable"):
        Sharpening(_net(HTAF(5.0, 4.72, learnable=True)), eps=0.1, delta0=0.1, delta1=0.01, total_iters=3)
    with pytest.raises(InvalidParameterError, match="no HTAF"):
        Sharpening(torch.nn.Linear(2, 2), eps=0.1, delta0=0.1, delta1=0.01, total_iters=3)
    with pytest.raises(InvalidParameterError, match="layers"):
        Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01, total_iters=3).load_state_dict({"last_step": 1, "a0": {"x": 1.0}})


def test_the_monitored_c1_bound_holds_and_a_wrong_one_is_caught():
    rng = np.random.default_rng(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), HTAF(5.0, 4.72), torch.nn.Linear(16, 1)).double()
    with torch.no_grad():                     # pre-activations in (0.02, 0.06): inside the first zones, outside the last
        net[0].weight.fill_(0.03)
        net[0].bias.fill_(0.04)
        net[2].weight.fill_(1.0)
    X = torch.tensor(rng.uniform(-0.3, 0.3, (400, 2)))
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=6,
                       monitor=lambda m: swap_report(m, X, eps=0.1).as_dict())
    wrong_caught = False
    for _ in range(6):
        sched.step()
        rep = sched.history[-1]["value"]
        assert rep["prediction_change"] <= rep["c1_bound"]
        beta = float(net[2].weight.detach().abs().sum())
        wrong_caught |= rep["prediction_change"] > beta * 0.1            # the bound without its zone term
    assert wrong_caught


def test_spiking_layers_are_sharpened_too():
    sj = pytest.importorskip("spikingjelly.activation_based.neuron")
    lif = sj.LIFNode(surrogate_function=HTAFSpike(5.0, 4.72))
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), lif)
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=2)
    sched.step()
    spike = lif.surrogate_function
    assert spike.b == pytest.approx(params.select(0.1, sched.delta, a=5.0).b)
    snn = pytest.importorskip("snntorch")
    from htaf_theory.nn import htaf_spike
    leaky = snn.Leaky(beta=0.9, spike_grad=htaf_spike(5.0, 4.72))
    net2 = torch.nn.Sequential(torch.nn.Linear(2, 4), leaky)
    sched2 = Sharpening(net2, eps=0.1, delta0=0.1, delta1=0.01, total_iters=2)
    sched2.step()
    assert sched2.layers and all(m.b > 4.72 for _, m in sched2.layers)


def test_zone_penalty_is_the_mean_sech2_and_its_gradient_is_finite():
    net = torch.nn.Sequential(torch.nn.Linear(1, 1, bias=False), HTAF(5.0, 4.72)).double()
    with torch.no_grad():
        net[0].weight.fill_(1.0)
    zone = ZonePenalty(net, eps=0.1, lam=2.0)
    x = torch.tensor([[0.0], [0.05], [1e4]], dtype=torch.float64)
    net(x)
    value = zone.penalty()
    delta = layer_delta(net[1], 0.1)
    want = 2.0 * float(sum(mpmath.sech(mpmath.mpf(v) / delta) ** 2 for v in (0.0, 0.05, 1e4)) / 3)
    assert float(value.detach()) == pytest.approx(want, rel=1e-12)
    value.backward()
    assert torch.isfinite(net[0].weight.grad).all()
    with torch.no_grad():
        net(x)                                    # not seen: no graph to penalise
    assert float(zone.penalty()) == 0.0
    zone.remove()
    net(x)
    assert float(zone.penalty()) == 0.0


def test_trainer_records_the_schedule_and_resumes(data_home, tmp_path):
    from htaf_theory.experiments import RunConfig
    from htaf_theory.experiments.train import run_cell
    cfg = RunConfig(dataset="wine", hidden=(8,), activation="htaf", a=5.0, b=4.72, epochs=6, schedule="sharpen",
                    checkpoint_every=2, monitor_every=3)
    full = run_cell(cfg, data_home)
    assert full["config"]["schedule"] == "sharpen" and full["results"]["history"]["monitor_delta"][-1] == pytest.approx(0.01)
    with pytest.raises(InvalidParameterError, match="schedule"):
        RunConfig(activation="relu", schedule="sharpen")


@pytest.mark.parametrize("eps, delta", [(1e-5, 0.01), (0.1, 0.1), (0.3, 1e-3), (1e-10, 7.0)])
def test_scaled_sigmoid_gamma_is_rounded_up_onto_the_frontier(eps, delta):
    # L(eps)/delta alone can give sigma(-gamma delta) > eps by an ulp (8.7e-16 relative at eps = 1e-5, delta = 0.01)
    gamma = params.min_gamma(eps, delta)
    with mpmath.workdps(80):
        exact = 1 / (1 + mpmath.exp(mpmath.mpf(gamma) * mpmath.mpf(delta)))
        below = 1 / (1 + mpmath.exp(mpmath.mpf(np.nextafter(gamma, 0)) * mpmath.mpf(delta)))
    assert exact <= eps
    assert below > eps or float(1 / (1 + np.exp(np.nextafter(gamma, 0) * delta))) > eps   # the least such float
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), ScaledSigmoid(1.0))
    sched = Sharpening(net, eps=eps, delta0=delta, delta1=delta, total_iters=1)
    assert net[1].gamma == gamma and sched.gains()["1"] == gamma


def test_an_unreachable_last_step_is_refused_at_construction():
    for act, match in ((HTAF(5.0, 4.72), "delta1=5e-324 is out of reach"),
                       (ScaledSigmoid(22.0), "delta1=1e-320 is out of reach")):
        net = torch.nn.Sequential(torch.nn.Linear(2, 2), act)
        delta1 = 5e-324 if isinstance(act, HTAF) else 1e-320
        with pytest.raises(InvalidParameterError, match=match):
            Sharpening(net, eps=0.1, delta0=0.1, delta1=delta1, total_iters=10)


@pytest.mark.parametrize("state, match", [
    ({"last_step": 3, "a0": {"1": float("nan"), "3": 50.0}}, r"a0\['1'\]"),
    ({"last_step": 3, "a0": {"1": -5.0, "3": 50.0}}, r"a0\['1'\]"),
    ({"last_step": 3, "a0": {"1": 1.0, "3": 50.0}}, r"min_a"),
    ({"last_step": 3, "a0": {"1": "5", "3": 50.0}}, r"a0\['1'\]"),
    ({"last_step": 3, "a0": {"1": float("inf"), "3": 50.0}}, r"a0\['1'\]"),
    ({"last_step": 3, "a0": {"1": 5.0, "3": 50.0}, "history": "x"}, "history must be a list"),
    ({"last_step": 1, "a0": None}, "layers"),
    ({"last_step": True, "a0": {"1": 5.0, "3": 50.0}}, "last_step must be an integer"),
    ([1, 2], "not a Sharpening state"),
])
def test_a_refused_state_leaves_the_scheduler_as_it_was(state, match):
    net = _net()
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=10)
    sched.step()
    before = (sched.last_step, dict(sched.a0), sched.gains())
    with pytest.raises(InvalidParameterError, match=match):
        sched.load_state_dict(state)
    assert (sched.last_step, dict(sched.a0), sched.gains()) == before
    sched.step()                                       # and it still works
    assert sched.last_step == 2


def test_a_state_out_of_step_with_the_training_is_refused():
    net = _net()
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=0.01, total_iters=10)
    state = sched.state_dict()                          # last_step 0
    with pytest.raises(InvalidParameterError, match="out of step"):
        sched.load_state_dict(state, at_step=4)
    sched.load_state_dict(state, at_step=0)


@pytest.mark.parametrize("kwargs, match", [(dict(delta0=True), "delta0 must be a real number"),
                                           (dict(eps="0.1"), "eps must be a real number")])
def test_truth_values_and_text_are_not_numbers(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        Sharpening(_net(), **{"eps": 0.1, "delta0": 0.1, "delta1": 0.01, "total_iters": 5, **kwargs})
    assert Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01, total_iters=np.int64(5)).total_iters == 5


def test_zone_penalty_of_an_empty_batch_is_zero_not_nan():
    net = _net()
    zone = ZonePenalty(net, eps=0.1, lam=1.0)
    net(torch.zeros(0, 3, dtype=torch.float64)).sum().backward()
    value = zone.penalty()
    assert float(value) == 0.0


def test_zone_penalty_keeps_only_the_latest_forward_pass():
    import gc
    import weakref
    net = _net()
    zone = ZonePenalty(net, eps=0.1, lam=1.0)
    refs = []
    net[0].register_forward_hook(lambda m, i, out: refs.append(weakref.ref(out)))   # the first HTAF's input
    for _ in range(50):                       # forwards with grad enabled whose penalty is never asked for
        net(torch.randn(4, 3, dtype=torch.float64))
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive <= 1, alive                  # the latest pass only (50 were retained before)
    assert len(zone._inputs) == 2             # its two HTAF layers' inputs


@pytest.mark.parametrize("a", [2.0, 1.0, 2.19])
def test_zone_penalty_refuses_a_layer_without_a_zone(a):
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(a, 3.0))
    with pytest.raises(InvalidParameterError, match="never 0.1-close"):
        ZonePenalty(net, eps=0.1, lam=1.0)


def test_zone_penalty_refuses_gains_lowered_after_construction():
    layer = HTAF(5.0, 3.0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), layer)
    zone = ZonePenalty(net, eps=0.1, lam=1.0)
    layer.set_gains(1.0, 3.0)
    net(torch.randn(4, 2))
    with pytest.raises(InvalidParameterError, match="never 0.1-close"):
        zone.penalty()


def test_a_no_grad_forward_keeps_the_training_pass_for_the_penalty():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), HTAF(5.0, 3.0))
    zone = ZonePenalty(net, eps=0.1, lam=1.0)
    net(torch.randn(4, 2))
    with torch.no_grad():
        net(torch.randn(4, 2))
    value = zone.penalty()
    assert float(value.detach()) > 0 and value.requires_grad


def test_zone_penalty_refuses_what_is_not_a_model():
    with pytest.raises(InvalidParameterError, match="torch.nn.Module"):
        ZonePenalty("net", eps=0.1, lam=1.0)


def test_lr_scheduler_names_and_the_older_ones_for_one_version():
    sched = Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01, total_iters=4)
    sched.step()
    assert (sched.total_iters, sched.last_epoch) == (4, 1) and (sched.steps, sched.last_step) == (4, 1)
    assert sched.get_last_gains() == sched.gains()
    with pytest.warns(DeprecationWarning, match="total_iters"):
        old = Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01, steps=4)
    old.step()
    assert old.gains() == sched.gains()
    with pytest.raises(InvalidParameterError, match="not both"):
        Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01, total_iters=4, steps=4)
    with pytest.raises(InvalidParameterError, match="total_iters .* is required"):
        Sharpening(_net(), eps=0.1, delta0=0.1, delta1=0.01)


def test_a_state_unreachable_at_its_step_leaves_the_scheduler_and_model_as_they_were():
    # a0 passes its own check (just above min_a) but no b is admissible at the state's delta in float64
    from htaf_theory.params import min_a
    net = _net()
    sched = Sharpening(net, eps=0.1, delta0=0.1, delta1=5e-308, total_iters=10)
    sched.step()
    before = (sched.last_epoch, dict(sched.a0), sched.gains())
    state = sched.state_dict()
    state["a0"] = {name: float(np.nextafter(float(min_a(0.1)), 10)) for name in state["a0"]}
    state["last_step"] = 10
    with pytest.raises(InvalidParameterError, match="cannot be reached"):
        sched.load_state_dict(state)
    assert (sched.last_epoch, dict(sched.a0), sched.gains()) == before
