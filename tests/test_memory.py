"""Tests for htaf_theory.experiments.memory: a process that keeps freed memory stops faulting pages in every step."""
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")


@pytest.mark.perf
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_pool_workers_keep_freed_memory():
    # in fresh processes (the setting is process-wide): 20 full-batch training steps of an MLP fault far fewer
    # pages in after the worker set-up than with glibc's defaults, which hand freed blocks back to the OS
    code = """
import resource, sys
import torch
from htaf_theory.experiments.memory import keep_freed_memory
if sys.argv[1] == "worker":
    assert keep_freed_memory()
torch.set_num_threads(1)
model = torch.nn.Sequential(torch.nn.Linear(9, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 1))
opt = torch.optim.Adam(model.parameters())
x, y = torch.randn(2924, 9), torch.randn(2924, 1)
def step():
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
    faults = {mode: int(subprocess.run([sys.executable, "-c", code, mode], capture_output=True, text=True, check=True)
                        .stdout.split()[-1]) for mode in ("worker", "default")}
    assert 2 * faults["worker"] < faults["default"], faults


def test_pool_workers_use_it(monkeypatch):
    from htaf_theory.experiments import runner
    calls = []
    monkeypatch.setattr(runner, "keep_freed_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(torch, "set_num_threads", lambda n: None)
    monkeypatch.setattr(torch, "set_flush_denormal", lambda on: True)
    monkeypatch.setattr(runner.signal, "signal", lambda *a: None)
    runner._init_worker(1)
    assert calls == [1]


def test_disabled_by_its_argument():
    from htaf_theory.experiments.memory import keep_freed_memory
    assert keep_freed_memory(enabled=False) is False
