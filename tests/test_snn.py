"""Real-client tests: HTAFSpike inside SpikingJelly (surrogate_function=) and snnTorch (spike_grad=) networks.

The libraries are the optional extra ``snn`` (scripts/setup_env.sh installs them; SpikingJelly without its
declared heavy dependencies, see the README). Each client: forward and backward run, gradients are finite in
float32 at extreme membrane values, binarize gives outputs exactly in {0, 1}, state_dict and pickle keep the
spike function, and a tiny task trains to well above chance in both training and deployed (binary) mode.
"""
import importlib
import os
import pickle

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.nn import HTAFSpike, binarize, htaf_spike  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402

T, FEATURES, HIDDEN = 4, 8, 32


def _require(module: str):
    """The client library: required in CI (the set-up scripts install it), skipped elsewhere if missing."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def _task(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, FEATURES, generator=g) * 0.5
    x[:, 0] += 2.0 * y - 1.0                       # class in the sign of feature 0
    return x, y


# ---- SpikingJelly ------------------------------------------------------------------------------

def _sj_net(spiking=False):
    neuron = _require("spikingjelly.activation_based.neuron")
    functional = _require("spikingjelly.activation_based.functional")
    net = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, HIDDEN),
        neuron.LIFNode(tau=2.0, surrogate_function=HTAFSpike(7.0, 3.2, spiking=spiking), step_mode="m", detach_reset=True),
        torch.nn.Linear(HIDDEN, 2))
    return net, functional


def _sj_forward(net, functional, x):
    functional.reset_net(net)
    x_seq = x.unsqueeze(0).repeat(T, 1, 1)           # direct encoding, T steps, multi-step mode
    return net(x_seq).mean(0)


@pytest.mark.parametrize("spiking", [False, True])
def test_spikingjelly_lif_forward_backward_finite_at_extremes(spiking):
    net, functional = _sj_net(spiking)
    x = torch.randn(16, FEATURES) * 1e6               # membrane potentials far in the tails, float32
    out = _sj_forward(net, functional, x)
    out.sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_spikingjelly_binarized_outputs_are_exactly_binary_and_state_survives():
    net, functional = _sj_net()
    seen = []
    hook = net[1].register_forward_hook(lambda m, i, o: seen.append(o.detach()))
    with binarize(net):
        _sj_forward(net, functional, torch.randn(16, FEATURES))
    hook.remove()
    assert seen and set(torch.unique(seen[-1]).tolist()) <= {0.0, 1.0}
    assert net[1].surrogate_function.binary is False   # restored
    copy, _ = _sj_net()
    copy.load_state_dict(net.state_dict())
    clone = pickle.loads(pickle.dumps(net))
    assert (copy[1].surrogate_function.a, clone[1].surrogate_function.b) == (7.0, 3.2)


def test_spikingjelly_trains_a_tiny_task_and_deploys_binary():
    torch.manual_seed(0)
    net, functional = _sj_net()
    x, y = _task()
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(_sj_forward(net, functional, x), y).backward()
        opt.step()
    xt, yt = _task(seed=1)
    with torch.no_grad():
        smooth = (_sj_forward(net, functional, xt).argmax(1) == yt).float().mean().item()
        with binarize(net):
            binary = (_sj_forward(net, functional, xt).argmax(1) == yt).float().mean().item()
    assert smooth > 0.8 and binary > 0.8, (smooth, binary)


# ---- snnTorch -----------------------------------------------------------------------------------

class _SnnTorchNet(torch.nn.Module):
    def __init__(self, spike):
        super().__init__()
        snn = _require("snntorch")
        self.fc1 = torch.nn.Linear(FEATURES, HIDDEN)
        self.lif = snn.Leaky(beta=0.8, spike_grad=spike)
        self.fc2 = torch.nn.Linear(HIDDEN, 2)
        self.spikes = []

    def forward(self, x):
        mem = self.lif.init_leaky()
        out, self.spikes = 0, []
        for _ in range(T):
            spk, mem = self.lif(self.fc1(x), mem)
            self.spikes.append(spk.detach())
            out = out + self.fc2(spk)
        return out / T


@pytest.mark.parametrize("spiking", [False, True])
def test_snntorch_leaky_forward_backward_finite_at_extremes(spiking):
    net = _SnnTorchNet(htaf_spike(7.0, 3.2, spiking=spiking))
    net(torch.randn(16, FEATURES) * 1e6).sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_snntorch_binarized_spikes_are_binary_trains_and_pickles():
    torch.manual_seed(0)
    net = _SnnTorchNet(htaf_spike(7.0, 3.2))
    x, y = _task()
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    xt, yt = _task(seed=1)
    with torch.no_grad():
        smooth = (net(xt).argmax(1) == yt).float().mean().item()
        with binarize(net):
            binary = (net(xt).argmax(1) == yt).float().mean().item()
            assert set(torch.unique(torch.stack(net.spikes)).tolist()) <= {0.0, 1.0}
    assert smooth > 0.8 and binary > 0.8, (smooth, binary)
    clone = pickle.loads(pickle.dumps(net))
    assert isinstance(clone.lif.spike_grad, HTAFSpike) and clone.lif.spike_grad.a == 7.0


def test_the_default_spike_function_spikes_in_both_libraries():
    # the drop-in default emits binary spikes (and trains through h'): SpikingJelly and snnTorch alike
    sj = pytest.importorskip("spikingjelly.activation_based.neuron")
    from spikingjelly.activation_based import functional
    lif = sj.LIFNode(tau=2.0, surrogate_function=HTAFSpike(7.03, 3.24))
    x = (torch.randn(32, 8) * 3).requires_grad_()
    out = torch.stack([lif(x) for _ in range(4)])
    assert set(torch.unique(out).tolist()) <= {0.0, 1.0} and out.sum() > 0
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    functional.reset_net(lif)
    snn = pytest.importorskip("snntorch")
    leaky = snn.Leaky(beta=0.9, spike_grad=htaf_spike(7.03, 3.24))
    mem = leaky.init_leaky()
    spk, mem = leaky(torch.randn(32, 8) * 3, mem)
    assert set(torch.unique(spk.detach()).tolist()) <= {0.0, 1.0} and spk.sum() > 0


@pytest.mark.parametrize("value", ["False", 0, 1, None, [0]])
def test_spike_flags_are_true_or_false(value):
    with pytest.raises(InvalidParameterError, match="must be True or False"):
        HTAFSpike(2.0, 3.0, spiking=value)
