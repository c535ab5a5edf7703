"""Run a sweep (a list of cells) through any concurrent.futures.Executor, resumably.

Finished cells are skipped; each worker writes its cell's JSON itself, atomically, so a sweep
killed at any moment loses at most the cells in flight, and those resume from their last
checkpoint. The default executor is a process pool with one worker per core and torch threads
split between the workers. Any other executor (``experiments.cluster``: a Dask cluster) gets cells whose
workers return the record, and this process writes it, so such workers need no shared filesystem.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed

from ..validation import InvalidParameterError
from .config import RunConfig
from .memory import keep_freed_memory
from .store import ResultStore


def run_one(cfg, data_home=None, checkpoint_path=None) -> dict:
    """Run one cell with its trainer: ``train.run_cell`` for a ``RunConfig`` (configs are data and import no
    trainer); a config defined beside its own trainer (``HeavisideConfig``, ``B3Config``) runs through its ``run``."""
    if isinstance(cfg, RunConfig):
        from .train import run_cell
        return run_cell(cfg, data_home, checkpoint_path)
    return cfg.run(data_home, checkpoint_path)

__all__ = ["run_cells", "InlineExecutor"]


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (one worker; easy to debug and to test)."""

    def submit(self, fn, /, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` now and return a finished Future holding its result or exception."""
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:  # the future carries it, as a pool's would
            fut.set_exception(err)
        return fut


def _exit_with_parent(parent_pid: int) -> None:
    """Make this worker die with its coordinator: SIGKILL on parent death (Linux prctl), and a watcher thread
    that exits when the parent pid changes (any POSIX), so a killed sweep leaves no workers training on."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)
    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _init_worker(threads: int, parent_pid: int | None = None) -> None:
    import torch

    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    # started with SIGINT blocked (_submit_shielded): from now on ignore it (a pending Ctrl-C is dropped); the
    # coordinator ends its workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    keep_freed_memory()
    # before torch starts its thread pools, so that every thread inherits it (cells set it again, subnormals.py)
    torch.set_flush_denormal(True)
    torch.set_num_threads(threads)


def _stop_pool(executor: ProcessPoolExecutor) -> None:
    """Cancel queued cells and end the workers now (in-flight cells keep their checkpoints and resume)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())   # shutdown() forgets them
    executor.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=5)


def _compute_record(cfg: RunConfig, data_home) -> dict:
    """Train a cell where this runs (e.g. a cluster worker) and return its record; the coordinator stores it.

    A missing or bad data file is reported with the worker's host and pid, so the user knows which machine lacks it."""
    from ..data import DataError
    try:
        return run_one(cfg, data_home, None)
    except (DataError, FileNotFoundError) as err:
        raise DataError(f"on worker {socket.gethostname()} (pid {os.getpid()}): {err}") from None


def _run_and_store(cfg: RunConfig, root: str, data_home) -> str:
    store = ResultStore(root)
    if not store.done(cfg):
        store.save(cfg, run_one(cfg, data_home, store.checkpoint_path(cfg)))
    return cfg.key()


def _progress(total: int, initial: int, desc: str, enabled: bool):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None or not enabled:
        class _Silent:
            def update(self, n=1): ...
            def set_postfix_str(self, s): ...
            def close(self): ...
        return _Silent()
    return tqdm(total=total, initial=initial, desc=desc, unit="cell", dynamic_ncols=True)


def _submit_shielded(executor: Executor, todo: list[RunConfig], root: str, data_home, own: bool) -> dict:
    """Submit every cell; our own pool's workers are started with SIGINT blocked (the signal mask is inherited
    across fork and exec; ``_init_worker`` then ignores it), so a terminal's Ctrl-C, which reaches the whole process
    group, stops only the coordinator, which then ends the workers itself; a worker still importing would otherwise
    die mid-import. Blocked, not ignored, in the coordinator: a Ctrl-C while the workers start stays pending and
    interrupts the sweep right after (ignoring it lost it, and the sweep ran to its end).
    A user's executor (a cluster, maybe without a shared filesystem) gets ``_compute_record``: it returns the record."""
    shield = own and isinstance(executor, ProcessPoolExecutor) and threading.current_thread() is threading.main_thread()
    blocking = shield and hasattr(signal, "pthread_sigmask")
    previous = None
    if blocking:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    elif shield:             # no signal masks on this platform: ignore it meanwhile, as a last resort
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if not own:
            return {executor.submit(_compute_record, c, data_home): c for c in todo}
        return {executor.submit(_run_and_store, c, root, data_home): c for c in todo}
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        elif shield:
            signal.signal(signal.SIGINT, previous)


def run_cells(cells: list[RunConfig], store: ResultStore, *, executor: Executor | None = None,
              workers: int | None = None, data_home=None, progress: bool = True, desc: str = "cells") -> list[dict]:
    """Run every cell not yet in ``store``; return all cells' records in order.

    ``workers``: processes of our own pool (None: one per core; capped at the cells to run); ignored with an
    ``executor``.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise InvalidParameterError(f"workers must be an integer >= 1 (or None: one per core); got workers={workers!r}")
    unique = list({c.key(): c for c in cells}.values())
    todo = [c for c in unique if not store.done(c)]
    if todo:
        own = executor is None
        if own:
            cores = os.cpu_count() or 1
            workers = max(1, min(workers or cores, len(todo)))
            if workers == 1:
                executor = InlineExecutor()
            else:
                executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init_worker, initargs=(max(1, cores // workers), os.getpid()))
        bar = _progress(len(unique), len(unique) - len(todo), desc, progress)
        interrupted = False
        try:
            if isinstance(executor, InlineExecutor):
                for cfg in todo:
                    bar.set_postfix_str(f"running {cfg.name()}")
                    executor.submit(_run_and_store, cfg, str(store.root), data_home).result()
                    bar.update()
            else:
                futures = _submit_shielded(executor, todo, str(store.root), data_home, own)
                for fut in as_completed(futures):
                    result = fut.result()
                    if not own:                # the worker returned the record; write it here, atomically, once
                        store.save(futures[fut], result)
                    bar.set_postfix_str(f"done {futures[fut].name()}")
                    bar.update()
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            bar.close()
            if own and isinstance(executor, ProcessPoolExecutor) and interrupted:
                _stop_pool(executor)
            elif own:
                executor.shutdown(wait=True, cancel_futures=True)
    return [store.load(c) for c in cells]
