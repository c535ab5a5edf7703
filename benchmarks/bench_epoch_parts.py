"""Where a full-batch epoch's time goes beyond its matmuls: the trainer's epoch with parts taken out, side by side.

The sweep limit (``benchmarks/sweep_limit.py``) counts matmul FLOPs only; this script measures what the rest
costs. Each variant is the trainer's epoch (``experiments.model.MLP``, fused Adam, MSE, subnormals flushed, freed
memory kept as in the sweeps' workers) on the same data and architecture:

- "ReLU", "HTAF a=11 b=2", "SS gamma=22", "STE sigmoid": as the sweeps train them (no recording);
- "identity": no activation (the matmuls, the bias adds and bias gradients, the loss, the optimizer step);
- "identity, no bias": no activation and no biases (the matmuls, the loss, the optimizer step);
- "ReLU, compiled" and "HTAF, compiled": the same epochs with the model under ``torch.compile`` (inductor fuses the
  bias add with the activation and the bias gradient with the activation's backward; HTAF then runs the torch
  formulas, not the native kernels): the strongest simple baseline for a fused epoch (compiled in the warm-up);
- "HTAF, recording": HTAF with the gradient norms recorded as the trainer does every ``record_every`` epochs (a hook
  in backward, ``MLP.grad_row_norms``), and "HTAF, retain_grad" the simpler alternative (a retained copy of
  every pre-activation gradient, its norms taken after backward).

The differences between rows are the parts' costs (e.g. identity - identity, no bias = the biases). Interleaved over
``--rounds``; medians. One torch thread by default, as the sweeps' workers run.

Run: python benchmarks/bench_epoch_parts.py [--threads 1] [--epochs 40] [--rounds 5] [--dataset abalone]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from bench_activation import cpu_model

from htaf_theory.data import load_dataset, split_dataset
from htaf_theory.experiments.config import RunConfig
from htaf_theory.experiments.memory import keep_freed_memory
from htaf_theory.experiments.model import MLP, make_activation
from htaf_theory.nn.subnormals import flushing_denormals
from throughput import epoch_matmuls, matmul_gflops
from htaf_theory.experiments.train import grad_norms, make_optimizer

HIDDEN = (256, 256, 128)
ACTIVATIONS = {"ReLU": dict(activation="relu"), "HTAF a=11 b=2": dict(activation="htaf", a=11.0, b=2.0),
               "SS gamma=22": dict(activation="ss", gamma=22.0),
               "STE sigmoid": dict(activation="ste", surrogate="sigmoid", slope=4.0)}


def forward_retaining(model: MLP, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """MLP.forward(x, keep=True) the simple way: every pre-activation kept with z.retain_grad()."""
    pre_activations = []
    for linear, act in zip(model.linears, model.activations):
        z = linear(x)
        z.retain_grad()
        pre_activations.append(z)
        x = act(z)
    return model.head(x).squeeze(-1), pre_activations


def make_variants(in_features: int) -> dict:
    """label -> (model, record): record is None (no recording), "hook" or "retain_grad"; a compiled model is
    ``torch.compile``'s wrapper of an MLP."""
    def model(factory, bias=True):
        torch.manual_seed(0)
        net = MLP(in_features, HIDDEN, factory)
        if not bias:
            for linear in net.linears:
                linear.bias = None
        return net

    variants = {label: (model(lambda kw=kw: make_activation(RunConfig(dataset="abalone", **kw))), None)
                for label, kw in ACTIVATIONS.items()}
    variants["identity"] = (model(torch.nn.Identity), None)
    variants["identity, no bias"] = (model(torch.nn.Identity, bias=False), None)
    htaf = lambda: make_activation(RunConfig(dataset="abalone", **ACTIVATIONS["HTAF a=11 b=2"]))   # noqa: E731
    variants["ReLU, compiled"] = (torch.compile(model(torch.nn.ReLU)), None)
    variants["HTAF, compiled"] = (torch.compile(model(htaf)), None)
    variants["HTAF, recording"] = (model(htaf), "hook")
    variants["HTAF, retain_grad"] = (model(htaf), "retain_grad")
    return variants


def one_epoch(model: MLP, opt, X: torch.Tensor, y: torch.Tensor, record: str | None) -> None:
    opt.zero_grad(set_to_none=True)
    if record == "retain_grad":
        out, pre_activations = forward_retaining(model, X)
    else:
        out = model(X, keep=record == "hook")
    loss = torch.nn.functional.mse_loss(out, y)
    loss.backward()
    if record == "hook":
        grad_norms(model, X.shape[0])
    elif record == "retain_grad":       # the norms as the trainer took them then
        [float(torch.linalg.vector_norm(z.grad, dim=1).mean()) * X.shape[0] for z in pre_activations]
    if record is not None:
        loss.item()
    opt.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="abalone")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as the sweeps' workers)")
    parser.add_argument("--epochs", type=int, default=40, help="epochs per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data-home", default=os.environ.get("HTAF_DATA"))
    args = parser.parse_args()
    keep_freed_memory()
    torch.set_num_threads(args.threads)
    split = split_dataset(load_dataset(args.dataset, args.data_home), 0)
    X = torch.tensor(split.X_train, dtype=torch.float32)
    y = torch.tensor((split.y_train - split.y_train.mean()) / split.y_train.std(), dtype=torch.float32)
    runs = {label: (net, make_optimizer(net.parameters(), "adam", 1e-3), record, [])
            for label, (net, record) in make_variants(X.shape[1]).items()}
    shapes = epoch_matmuls(X.shape[0], [X.shape[1], *HIDDEN, 1])
    with flushing_denormals():
        for net, opt, record, _ in runs.values():              # warm-up: kernels loaded, memory touched
            for _ in range(10):
                one_epoch(net, opt, X, y, record)
        for _ in range(args.rounds):                           # interleaved: noise hits every variant alike
            for net, opt, record, times in runs.values():
                started = time.perf_counter()
                for _ in range(args.epochs):
                    one_epoch(net, opt, X, y, record)
                times.append((time.perf_counter() - started) / args.epochs * 1e3)
        gflops = matmul_gflops(shapes)
    matmul_ms = sum(2 * m * k * p for m, k, p in shapes) / gflops / 1e6
    print(f"CPU: {cpu_model()}; torch {torch.__version__}; {args.threads} thread(s); {args.dataset}, n_train="
          f"{X.shape[0]}, widths {[X.shape[1], *HIDDEN, 1]}; median of {args.rounds} interleaved rounds of {args.epochs}")
    print(f"the epoch's matmuls alone: {matmul_ms:.2f} ms ({gflops:.0f} GFLOP/s)")
    print(f"{'variant':<20} {'ms/epoch':>9} {'/ matmuls':>10}")
    ms = {label: statistics.median(run[3]) for label, run in runs.items()}
    for label, value in ms.items():
        print(f"{label:<20} {value:>9.2f} {value / matmul_ms:>10.2f}")
    print(f"parts: loss + optimizer + dispatch (identity, no bias - matmuls) "
          f"{ms['identity, no bias'] - matmul_ms:.2f} ms; biases {ms['identity'] - ms['identity, no bias']:.2f} ms; "
          f"ReLU {ms['ReLU'] - ms['identity']:.2f} ms; HTAF {ms['HTAF a=11 b=2'] - ms['identity']:.2f} ms; "
          f"recording by hook {ms['HTAF, recording'] - ms['HTAF a=11 b=2']:.2f} ms, by retain_grad "
          f"{ms['HTAF, retain_grad'] - ms['HTAF a=11 b=2']:.2f} ms")


if __name__ == "__main__":
    main()
