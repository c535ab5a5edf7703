"""HTAFSpike as the spike function of snnTorch's leaky neuron: binary spikes forward, h' backward.

    python examples/spiking_snntorch.py

A two-layer spiking network learns a small synthetic task in a few seconds; the spikes it emits are 0 or 1.
"""
import torch

import snntorch

from htaf_theory.nn import htaf_spike

torch.manual_seed(0)
X = torch.randn(512, 8)
y = (X[:, :4].sum(1) > 0).long()
fc1, fc2 = torch.nn.Linear(8, 32), torch.nn.Linear(32, 2)
lif = snntorch.Leaky(beta=0.9, spike_grad=htaf_spike(7.03, 3.24))
opt = torch.optim.Adam([*fc1.parameters(), *fc2.parameters()], lr=0.02)


def forward(x, steps=5):
    mem, out, spikes = lif.init_leaky(), 0.0, []
    for _ in range(steps):
        spk, mem = lif(fc1(x), mem)
        spikes.append(spk)
        out = out + fc2(spk)
    return out / steps, torch.stack(spikes)


for _ in range(80):
    opt.zero_grad()
    logits, _ = forward(X)
    torch.nn.functional.cross_entropy(logits, y).backward()
    opt.step()
with torch.no_grad():
    logits, spikes = forward(X)
print(f"training accuracy {float((logits.argmax(1) == y).double().mean()):.3f}; "
      f"spike values {sorted(set(torch.unique(spikes).tolist()))}")
