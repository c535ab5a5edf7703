"""Sweeps on a Dask distributed cluster (optional extra ``htaf-theory[cluster]``).

``htaf experiment NAME --scheduler tcp://HOST:8786`` (and ``htaf figures --run --scheduler ...``) hands every
missing cell to the cluster through ``distributed.Client(...).get_executor()``. Workers train and return the
record; the coordinating process writes it atomically into its results folder, so workers need no shared
filesystem (and keep no checkpoints: a cell whose worker dies is rerun from its start on another worker, which
Dask does by itself). Each worker reads its data from $HTAF_DATA or its cache, as a local run does.
"""
from __future__ import annotations

import contextlib

from ..validation import InvalidParameterError

__all__ = ["cluster_executor"]


@contextlib.contextmanager
def cluster_executor(address: str, timeout: float = 10.0):
    """A ``concurrent.futures`` executor on the Dask scheduler at ``address``; the client closes on exit.

    >>> with cluster_executor("tcp://127.0.0.1:1", timeout=0.5) as ex:   # doctest: +SKIP
    ...     pass
    """
    try:
        from distributed import Client
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("running on a cluster needs dask.distributed: pip install 'htaf-theory[cluster]'",
                                  name="distributed") from err
    if not isinstance(address, str) or not address:
        raise InvalidParameterError(f"scheduler must be an address such as 'tcp://host:8786'; got scheduler={address!r}")
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise InvalidParameterError(
            f"cannot reach a Dask scheduler at scheduler={address!r} ({type(err).__name__}: {err}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS` (docs/usage.md)") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
