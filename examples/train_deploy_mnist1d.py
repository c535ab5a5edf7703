"""Train a Heaviside MLP on MNIST-1D with h' as the step's surrogate gradient, then deploy it with the exact step.

    python examples/train_deploy_mnist1d.py [EPOCHS]

About 30 s on 2 CPU cores at the default 8 epochs (MNIST-1D is generated locally by the mnist1d package). The
network computes the exact step in training already (HTAFSpike's default), so deploying swaps nothing; a smooth
HTAF network would be deployed with ``binarize`` and ``recalibrate_batchnorm``, which this script also shows.
"""
import sys

import torch

from htaf_theory.data import load_mnist1d
from htaf_theory.nn import HTAF, HTAFSpike, binarize, recalibrate_batchnorm
from htaf_theory.widths import htaf_b_for_width

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 8
torch.manual_seed(0)
data = {k: (torch.from_numpy(X), torch.from_numpy(y)) for k, (X, y) in load_mnist1d().items()}
(Xtr, ytr), (Xte, yte) = data["train"], data["test"]
a = 5.0
b = htaf_b_for_width(a, 0.77)                   # h' with a half-width at half maximum of 0.77


def mlp(activation):
    return torch.nn.Sequential(torch.nn.Linear(40, 256), torch.nn.BatchNorm1d(256), activation(),
                               torch.nn.Linear(256, 256), torch.nn.BatchNorm1d(256), activation(),
                               torch.nn.Linear(256, 10))


def train(model):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(ytr)).split(64):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx]).backward()
            opt.step()
    return model.eval()


def accuracy(model):
    with torch.no_grad():
        return float((model(Xte).argmax(1) == yte).double().mean())


step_net = train(mlp(lambda: HTAFSpike(a, b)))          # exact step forward, h' backward
print(f"step network trained with h' (a={a:g}, b={b:.4g}): test accuracy {accuracy(step_net):.3f} (deployed as is)")

smooth_net = train(mlp(lambda: HTAF(a, b)))             # the paper's protocol: smooth h, then the step swapped in
smooth = accuracy(smooth_net)
with binarize(smooth_net):
    stale = accuracy(smooth_net)
recalibrate_batchnorm(smooth_net, Xtr.split(256))        # batch-norm statistics re-estimated under the step
with binarize(smooth_net):
    recalibrated = accuracy(smooth_net)
print(f"smooth network: {smooth:.3f} smooth, {stale:.3f} deployed with its training statistics, "
      f"{recalibrated:.3f} deployed with re-estimated statistics")
