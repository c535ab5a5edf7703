"""Tests for htaf_theory.experiments.memory: with malloc tuned, a trainer-sized tensor no longer faults its pages in."""
import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

PROBE = r"""
import json, resource, sys
import torch
from htaf_theory.experiments.memory import retain_freed_memory
tuned = retain_freed_memory() if sys.argv[1] == "tuned" else None
x = torch.randn(2924, 256)                     # the abalone trainer's first pre-activation, 3 MB
for _ in range(5):
    torch.sigmoid(x), torch.sigmoid(x)         # two fresh 3 MB tensors, freed together
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    torch.sigmoid(x), torch.sigmoid(x)
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
print(json.dumps({"tuned": tuned, "faults": faults}))
"""


def _faults(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True,
                         env={**os.environ, "HTAF_RETAIN_MEMORY": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc (Linux) only")
def test_tuned_malloc_reuses_freed_tensors():
    tuned = _faults("tuned")
    if not tuned["tuned"]:
        pytest.skip("not glibc: mallopt unavailable")
    assert tuned["faults"] < 50, tuned              # pages stay mapped: a handful of faults at most
    # the wrong variant, glibc's defaults, faults every page of both tensors in again (2 x 732 pages)
    assert _faults("default")["faults"] > 500


def test_disabled_by_the_environment(monkeypatch):
    from htaf_theory.experiments import memory
    monkeypatch.setattr(memory, "_applied", [])
    monkeypatch.setenv("HTAF_RETAIN_MEMORY", "0")
    assert memory.retain_freed_memory() is False and memory._applied == []
