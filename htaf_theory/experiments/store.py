"""Result store: one JSON file per finished cell, named by the config's hash, written atomically.

A file exists only for a finished cell (it is written to a temporary name and renamed), so
a sweep killed at any moment resumes by skipping the files that exist. Unfinished cells keep
a checkpoint under ``.partial/`` and continue from it.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .config import RunConfig

__all__ = ["ResultStore", "default_results_dir"]


def default_results_dir() -> Path:
    """$HTAF_RESULTS, else ./results."""
    return Path(os.environ.get("HTAF_RESULTS", "results"))


class ResultStore:
    def __init__(self, root=None):
        self.root = Path(root) if root is not None else default_results_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, cfg: RunConfig) -> Path:
        return self.root / f"{cfg.key()}.json"

    def checkpoint_path(self, cfg: RunConfig) -> Path:
        (self.root / ".partial").mkdir(exist_ok=True)
        return self.root / ".partial" / f"{cfg.key()}.pt"

    def done(self, cfg: RunConfig) -> bool:
        return self.path(cfg).is_file()

    def load(self, cfg: RunConfig) -> dict | None:
        path = self.path(cfg)
        if not path.is_file():
            return None
        with open(path) as fh:
            return json.load(fh)

    def save(self, cfg: RunConfig, record: dict) -> Path:
        path = self.path(cfg)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(record, fh, allow_nan=False, default=lambda o: None)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared and read
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path
