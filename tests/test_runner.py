"""Tests for htaf_theory.experiments.runner: a killed or interrupted sweep leaves no workers behind."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _sigint_as_in_a_terminal() -> None:
    # a command started in the background by a non-interactive shell (CI scripts: `cmd &`) inherits SIGINT ignored,
    # and Python then keeps ignoring it; a terminal's foreground command has the default
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_sweep(tmp_path, data_home):
    proc = subprocess.Popen(
        [sys.executable, "-m", "htaf_theory.cli", "experiment", "f21", "--quick", "--workers", "2",
         "--results", str(tmp_path / "results"), "--data-home", str(data_home)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, text=True,
        preexec_fn=_sigint_as_in_a_terminal)
    deadline = time.time() + 90
    while time.time() < deadline:
        workers = [k for k in _children(proc.pid) if "spawn_main" in Path(f"/proc/{k}/cmdline").read_text(errors="replace")]
        if len(workers) >= 2:
            return proc, workers
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before its workers started: {proc.stderr.read()}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the workers did not start within 90 s")


def _gone_within(pids, seconds: float) -> list[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


@pytest.mark.perf
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_sigkill_of_the_coordinator_ends_its_workers(tmp_path, data_home):
    proc, workers = _start_sweep(tmp_path, data_home)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not _gone_within(workers, 10), "workers outlived their coordinator"


@pytest.mark.perf
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_ctrl_c_stops_the_sweep_at_once_and_keeps_it_resumable(tmp_path, data_home):
    proc, workers = _start_sweep(tmp_path, data_home)
    started = time.time()
    os.killpg(proc.pid, signal.SIGINT)            # what a terminal sends: the whole process group
    proc.wait(timeout=30)
    took = time.time() - started
    err = proc.stderr.read()
    assert proc.returncode == 130, err
    assert "interrupted; finished cells are saved" in err
    assert not _gone_within(workers, 5)
    assert took < 10, f"Ctrl-C took {took:.1f} s"


@pytest.mark.perf
@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="needs signal masks")
def test_ctrl_c_while_the_workers_start_is_not_lost(tmp_path, data_home):
    # the coordinator shields its workers' start from Ctrl-C; a Ctrl-C in that window must still stop the sweep
    # (the wrong variant, SIGINT ignored meanwhile, loses it: the sweep runs to its end)
    code = """
import os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from htaf_theory.experiments import runner
from htaf_theory.experiments.config import RunConfig
from htaf_theory.experiments.store import ResultStore

class CtrlCWhileStarting(ProcessPoolExecutor):
    def submit(self, *args, **kwargs):
        future = super().submit(*args, **kwargs)    # the first call starts the workers
        os.kill(os.getpid(), signal.SIGINT)
        return future

runner.ProcessPoolExecutor = CtrlCWhileStarting
cells = [RunConfig(dataset="abalone", hidden=(8,), activation="relu", epochs=400, seed=s) for s in range(4)]
try:
    runner.run_cells(cells, ResultStore(sys.argv[1]), workers=2, data_home=sys.argv[2], progress=False)
except KeyboardInterrupt:
    print("interrupted")
else:
    print("ran to the end")
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "results"), str(data_home)],
                         capture_output=True, text=True, timeout=120, preexec_fn=_sigint_as_in_a_terminal)
    assert out.stdout.strip() == "interrupted", out.stdout + out.stderr
    assert not list((tmp_path / "results").glob("*.json"))       # stopped before any cell finished




@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_run_cells_refuses_a_bad_worker_count(workers, tmp_path):
    from htaf_theory.experiments.config import RunConfig
    from htaf_theory.experiments.runner import run_cells
    from htaf_theory.experiments.store import ResultStore
    from htaf_theory.validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=f"workers must be an integer >= 1 .*got workers={workers!r}"):
        run_cells([RunConfig(dataset="abalone", activation="relu", epochs=1)], ResultStore(tmp_path), workers=workers)
