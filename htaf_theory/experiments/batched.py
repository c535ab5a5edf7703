"""Train the seeds of one MNIST-1D MLP setting together: S cells' weights as one [S, in, out] tensor per layer.

Stacking shares the per-call overhead of S cells; their arithmetic stays. On 2 cores (1 torch thread per worker)
10 seeds of the study's MLP (width 256) train 1.6x faster than one after another, close to the 1.7x bound that the
overhead allows (a cell at width 8, nearly all overhead, takes 40% of a width-256 cell's time); at width 64, 2.5x
(``benchmarks/bench_batched.py``). Batch norm runs as one fused call over the S * W features, and activations go back
to contiguous [S, batch, W] tensors, since strided batches slow the matrix products several times.

Every cell keeps its own initialisation (built from its seed exactly as ``heaviside.build_net`` builds it), its
own batch order (its seed's generator), its own batch-norm statistics and its own Adam state (Adam is elementwise,
so one optimizer over the stacked tensors takes each cell's step), and its own best-validation epoch; the records
are those ``heaviside.run_heaviside_cell`` writes, equal to one-at-a-time training up to float rounding (batched
matrix products round differently; tests/test_batched.py).

Applies to cells that differ only in ``seed``: dataset "mnist1d", net "mlp", schedule "fixed" (the elementwise
activations are used as they are, on [S, batch, width] tensors).
"""
from __future__ import annotations

import time

import numpy as np

from ..validation import InvalidParameterError

__all__ = ["can_batch", "run_seed_batch"]

_EVAL_CHUNK = 128


def can_batch(cells) -> bool:
    """Whether ``cells`` are MNIST-1D MLP cells (fixed gains) that differ only in their seed."""
    from dataclasses import replace
    if not cells:
        return False
    first = cells[0]
    return (first.dataset == "mnist1d" and first.net == "mlp" and first.schedule == "fixed"
            and all(replace(c, seed=first.seed) == first for c in cells) and len({c.seed for c in cells}) == len(cells))


def _stacked_model(cells):
    import torch
    from torch import nn
    from torch.nn import functional as F

    from .heaviside import _activation, build_net

    nets = []
    for cfg in cells:
        torch.manual_seed(cfg.seed)
        nets.append(build_net(cfg))
    linear = [i for i, m in enumerate(nets[0]) if isinstance(m, nn.Linear)]
    norms = [i for i, m in enumerate(nets[0]) if isinstance(m, nn.BatchNorm1d)]

    class StackedMLP(nn.Module):
        """S MLPs: linear layers as [S, in, out] weights, batch norm per cell, the activation elementwise."""

        def __init__(self):
            super().__init__()
            self.weights = nn.ParameterList(
                [nn.Parameter(torch.stack([n[i].weight.detach().T for n in nets]).contiguous()) for i in linear])
            self.biases = nn.ParameterList(
                [nn.Parameter(torch.stack([n[i].bias.detach() for n in nets])[:, None, :].contiguous()) for i in linear])
            self.gammas = nn.ParameterList(
                [nn.Parameter(torch.stack([n[i].weight.detach() for n in nets])[:, None, :].contiguous()) for i in norms])
            self.betas = nn.ParameterList(
                [nn.Parameter(torch.stack([n[i].bias.detach() for n in nets])[:, None, :].contiguous()) for i in norms])
            for k in range(len(norms)):
                self.register_buffer(f"mean{k}", torch.zeros(len(nets), 1, nets[0][norms[k]].num_features))
                self.register_buffer(f"var{k}", torch.ones(len(nets), 1, nets[0][norms[k]].num_features))
            self.acts = nn.ModuleList([_activation(cells[0]) for _ in norms])
            self.eps, self.momentum = nets[0][norms[0]].eps, nets[0][norms[0]].momentum

        def _norm_act(self, k: int, z):
            # batch norm of S cells' features is batch norm of S * W features: one fused call on [batch, S * W]
            # (buffers and affine parameters are [S, 1, W], viewed flat, so the running statistics update in place);
            # the result goes back to a contiguous [S, batch, W]: strided batches make the matrix products slow
            S, batch, width = z.shape
            flat = z.transpose(0, 1).reshape(batch, S * width)
            out = F.batch_norm(flat, getattr(self, f"mean{k}").view(-1), getattr(self, f"var{k}").view(-1),
                               self.gammas[k].view(-1), self.betas[k].view(-1), self.training, self.momentum, self.eps)
            return self.acts[k](out).view(batch, S, width).transpose(0, 1).contiguous()

        def forward(self, x):                     # x: [S, batch, 40] -> [S, batch, 10]
            h = x.contiguous()
            for k in range(len(self.weights) - 1):
                h = self._norm_act(k, torch.baddbmm(self.biases[k], h, self.weights[k]))
            return torch.baddbmm(self.biases[-1], h, self.weights[-1])

    return StackedMLP()


def run_seed_batch(cells) -> list[dict]:
    """Train ``cells`` (``can_batch``) together; return one record per cell, as ``run_heaviside_cell`` would."""
    import torch

    from ..diagnostics import swap_report
    from ..nn import binarize
    from .heaviside import build_net, load_split
    from .train import SWAP_EPS, make_optimizer, make_record

    cells = list(cells)
    if not can_batch(cells):
        raise InvalidParameterError("run_seed_batch needs MNIST-1D MLP cells with fixed gains that differ only in seed")
    cfg0 = cells[0]
    started = time.time()
    (Xtr, ytr), (Xva, yva), (Xte, yte) = [(torch.from_numpy(X), torch.from_numpy(y)) for X, y in load_split(cfg0)]
    S, n = len(cells), len(ytr)
    model = _stacked_model(cells)
    opt = make_optimizer(model.parameters(), "adam", cfg0.lr)
    generators = [torch.Generator().manual_seed(c.seed) for c in cells]
    loss_fn = torch.nn.CrossEntropyLoss(reduction="none")
    keys = ("epoch", "loss", "val_binarized", "test_binarized", "val_smooth", "test_smooth")
    histories = [{k: [] for k in keys} for _ in cells]
    best = [{"val": -1.0, "epoch": -1, "state": None} for _ in cells]

    def accuracies(X, y):
        # in chunks: evaluation uses the running statistics, so chunks change nothing, and [S, chunk, W] stays in cache
        with torch.no_grad():
            correct = sum((model(X[i:i + _EVAL_CHUNK].expand(S, -1, -1)).argmax(-1) == y[i:i + _EVAL_CHUNK]).sum(dim=1)
                          for i in range(0, len(y), _EVAL_CHUNK))
            return (correct.double() / len(y)).tolist()

    train_started = time.time()
    for epoch in range(cfg0.epochs):
        model.train()
        orders = [torch.randperm(n, generator=g) for g in generators]
        totals = torch.zeros(S, dtype=torch.float64)
        for start in range(0, n, cfg0.batch_size):
            idx = torch.stack([o[start:start + cfg0.batch_size] for o in orders])      # [S, batch]
            opt.zero_grad(set_to_none=True)
            logits = model(Xtr[idx])
            per_cell = loss_fn(logits.reshape(-1, 10), ytr[idx].reshape(-1)).reshape(S, -1).mean(dim=1)
            per_cell.sum().backward()          # each cell's gradient is its own loss's
            opt.step()
            totals += per_cell.detach().double() * idx.shape[1]
        model.eval()
        with binarize(model, strict=False):
            val_bin, test_bin = accuracies(Xva, yva), accuracies(Xte, yte)
        val_smooth, test_smooth = accuracies(Xva, yva), accuracies(Xte, yte)
        for s in range(S):
            for key, value in zip(keys, (epoch, float(totals[s]) / n, val_bin[s], test_bin[s], val_smooth[s],
                                         test_smooth[s])):
                histories[s][key].append(value)
            if val_bin[s] > best[s]["val"]:
                tensors = {k: v for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
                best[s] = {"val": val_bin[s], "epoch": epoch, "state": {k: v[s].detach().clone() for k, v in tensors.items()}}
    train_seconds = time.time() - train_started
    records = []
    for s, cfg in enumerate(cells):
        i = histories[s]["epoch"].index(best[s]["epoch"])
        metrics = {k: histories[s][k][i] for k in ("val_binarized", "test_binarized", "val_smooth", "test_smooth")}
        metrics["best_epoch"] = best[s]["epoch"]
        single = _unstack(build_net(cfg), best[s]["state"]).eval()
        swap = swap_report(single, Xte, eps=SWAP_EPS, decision="argmax").as_dict() if cfg.method != "ste" else None
        record = make_record(cfg, started, train_seconds, 0, {
            "task": "classification", "metric": "accuracy", "metrics": metrics, "diverged": not np.isfinite(
                histories[s]["loss"][-1]), "history": histories[s], "swap": swap, "n_train": int(n)}, optimizer=opt)
        record["trainer"]["seed_batch"] = S          # trained with S - 1 other seeds (the same results up to rounding)
        records.append(record)
    return records


def _unstack(net, state: dict):
    """One cell's network with the weights of its slice of the stacked state (for the swap report)."""
    import torch
    from torch import nn
    linear = [m for m in net if isinstance(m, nn.Linear)]
    norms = [m for m in net if isinstance(m, nn.BatchNorm1d)]
    with torch.no_grad():
        for k, m in enumerate(linear):
            m.weight.copy_(state[f"weights.{k}"].T)
            m.bias.copy_(state[f"biases.{k}"][0])
        for k, m in enumerate(norms):
            m.weight.copy_(state[f"gammas.{k}"][0])
            m.bias.copy_(state[f"betas.{k}"][0])
            m.running_mean.copy_(state[f"mean{k}"][0])
            m.running_var.copy_(state[f"var{k}"][0])
    return net
