"""The scripts in examples/ run as a user runs them (in a fresh process, from another folder)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _run(script: str, *args, tmp_path, data_home=None) -> str:
    env = dict(os.environ)
    if data_home is not None:
        env["HTAF_DATA"] = str(data_home)
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_choose_params_prints_an_admissible_pair_and_plots(tmp_path):
    out = _run("choose_params.py", str(tmp_path / "out"), tmp_path=tmp_path)
    assert "<= 0.1" in out and (tmp_path / "out" / "choose_params.png").stat().st_size > 10_000


def test_train_and_deploy_on_mnist1d(tmp_path, data_home):
    pytest.importorskip("mnist1d")
    out = _run("train_deploy_mnist1d.py", "2", tmp_path=tmp_path, data_home=data_home)
    assert "deployed as is" in out and "re-estimated statistics" in out


def test_htaf_spike_in_snntorch(tmp_path):
    pytest.importorskip("snntorch")
    out = _run("spiking_snntorch.py", tmp_path=tmp_path)
    assert "spike values [0.0, 1.0]" in out
