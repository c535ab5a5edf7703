"""Tests for htaf_theory.experiments.cluster: a quick sweep on a real Dask LocalCluster (2 worker processes),
with one worker killed mid-run, records written once by the coordinator, and clear errors."""
import os
import signal
import threading
import time

import pytest

torch = pytest.importorskip("torch")
distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

from htaf_theory.cli import main  # noqa: E402
from htaf_theory.experiments import sweeps  # noqa: E402
from htaf_theory.experiments.cluster import cluster_executor  # noqa: E402
from htaf_theory.experiments.store import ResultStore  # noqa: E402


@pytest.fixture(scope="module")
def cluster(data_home):
    # workers read the data from their own environment (HTAF_DATA), as on a real cluster
    os.environ["HTAF_DATA"] = str(data_home)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                      silence_logs=40) as lc:
            yield lc
    finally:
        os.environ.pop("HTAF_DATA", None)


def test_quick_sweep_on_a_cluster_survives_a_killed_worker(cluster, tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    saved = []
    real_save = ResultStore.save

    def counting_save(self, cfg, record):
        saved.append(cfg.key())
        return real_save(self, cfg, record)
    monkeypatch.setattr(ResultStore, "save", counting_save)
    monkeypatch.setattr(sweeps, "QUICK_EPOCHS", 80)   # cells long enough (seconds) to be killed mid-run
    cells = sweeps.build_sweep("f21raw", size="quick")

    killed = {}

    def kill_one_worker_once_a_cell_is_done():
        with distributed.Client(cluster.scheduler_address) as client:
            while not saved:
                time.sleep(0.05)
            pids = client.run(os.getpid)
            addr, pid = next(iter(pids.items()))
            killed[addr] = pid
            os.kill(pid, signal.SIGKILL)
    killer = threading.Thread(target=kill_one_worker_once_a_cell_is_done, daemon=True)
    killer.start()
    with cluster_executor(cluster.scheduler_address) as executor:
        records = sweeps.run_named_sweep("f21raw", size="quick", results_dir=tmp_path, executor=executor, progress=False)
    assert len(records) == len(cells) and all(r is not None for r in records)
    killer.join(timeout=30)
    assert killed, "no worker was killed: the sweep finished before the first record"
    assert sorted(saved) == sorted(c.key() for c in cells)            # every cell written once, by the coordinator
    assert all(store.load(c) is not None for c in cells)
    assert not (tmp_path / ".partial").exists() or not any((tmp_path / ".partial").iterdir())
    # a rerun (e.g. after a coordinator crash) finds everything done and recomputes nothing
    saved.clear()
    with cluster_executor(cluster.scheduler_address) as executor:
        sweeps.run_named_sweep("f21raw", size="quick", results_dir=tmp_path, executor=executor, progress=False)
    assert saved == []


def test_a_worker_without_the_data_names_itself_and_the_file(cluster, data_home, tmp_path, capsys):
    with distributed.Client(cluster.scheduler_address) as client:
        client.run(lambda: os.environ.__setitem__("HTAF_DATA", "/nonexistent/htaf-data"))
        try:
            code = main(["experiment", "f21raw", "--quick", "--results", str(tmp_path),
                         "--scheduler", cluster.scheduler_address])
        finally:
            good = str(data_home)
            client.run(lambda: os.environ.__setitem__("HTAF_DATA", good))
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]          # (the lines before it are the progress bar)
    assert code == 2 and last.startswith("htaf experiment: error: on worker") and "abalone.data" in last


def test_unreachable_scheduler_is_one_line(tmp_path, capsys):
    code = main(["experiment", "f21raw", "--quick", "--results", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach a Dask scheduler" in err
    assert main(["figures", "--quick", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert main(["experiment", "b3rate", "--scheduler", "tcp://127.0.0.1:9"]) == 2
