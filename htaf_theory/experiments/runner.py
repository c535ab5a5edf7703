"""Run a sweep (a list of cells) through any concurrent.futures.Executor, resumably.

Finished cells are skipped; each worker writes its cell's JSON itself, atomically, so a sweep
killed at any moment loses at most the cells in flight, and those resume from their last
checkpoint. The default executor is a process pool with one worker per core and torch threads
split between the workers; a cluster user can pass e.g. ``dask.distributed.Client().get_executor()``.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed

from .config import RunConfig
from .store import ResultStore

__all__ = ["run_cells", "InlineExecutor"]


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (one worker; easy to debug and to test)."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as err:  # the future carries it, as a pool's would
            fut.set_exception(err)
        return fut


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _run_and_store(cfg: RunConfig, root: str, data_home) -> str:
    from .train import run_cell

    store = ResultStore(root)
    if not store.done(cfg):
        store.save(cfg, run_cell(cfg, data_home, store.checkpoint_path(cfg)))
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


def run_cells(cells: list[RunConfig], store: ResultStore, *, executor: Executor | None = None,
              workers: int | None = None, data_home=None, progress: bool = True, desc: str = "cells") -> list[dict]:
    """Run every cell not yet in ``store``; return all cells' records in order."""
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
                                               initializer=_init_worker, initargs=(max(1, cores // workers),))
        bar = _progress(len(unique), len(unique) - len(todo), desc, progress)
        try:
            if isinstance(executor, InlineExecutor):
                for cfg in todo:
                    bar.set_postfix_str(f"running {cfg.name()}")
                    executor.submit(_run_and_store, cfg, str(store.root), data_home).result()
                    bar.update()
            else:
                futures = {executor.submit(_run_and_store, c, str(store.root), data_home): c for c in todo}
                for fut in as_completed(futures):
                    fut.result()
                    bar.set_postfix_str(f"done {futures[fut].name()}")
                    bar.update()
        finally:
            bar.close()
            if own:
                executor.shutdown(wait=True, cancel_futures=True)
    return [store.load(c) for c in cells]
