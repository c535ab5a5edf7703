"""Result store: one JSON file per finished cell, named by the config's hash, written atomically.

A file exists only for a finished cell (it is written to a temporary name and renamed), so
a sweep killed at any moment resumes by skipping the files that exist. Unfinished cells keep
a checkpoint under ``.partial/`` and continue from it.

Every record is validated on read (``validate_record``): a file that is not JSON, truncated, empty, nested
too deeply to parse, or lacks the fields every record has (or whose config is not the cell's) is moved aside
to ``<name>.invalid`` with one warning naming it, and its cell counts as not done, so the sweep reruns it.

JSON has no inf or nan: a non-finite number in a record (the loss of a diverged cell, a metric of a network
whose outputs overflowed) is stored as ``null``, which reads "not a finite number"; the record's
``results.diverged`` says whether training diverged.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from pathlib import Path

from ..validation import InvalidParameterError
from .config import RunConfig

__all__ = ["ResultStore", "default_results_dir", "validate_record", "finite_or_null", "json_ready"]

_RESULT_FIELDS = {"task", "metric", "metrics", "diverged", "history"}


def validate_record(record, cfg: RunConfig) -> str:
    """'' if ``record`` is a complete result of ``cfg``, else what is wrong with it."""
    if not isinstance(record, dict):
        return f"not a JSON object ({type(record).__name__})"
    missing = {"config", "key", "seed", "versions", "timings", "results"} - set(record)
    if missing:
        return f"missing fields {sorted(missing)}"
    try:   # a record written before a field existed lacks it: compare as configs (defaults filled in), not as dicts
        same = record["key"] == cfg.key() and type(cfg).from_dict(record["config"]) == cfg
    except (TypeError, ValueError, AttributeError):
        same = False
    if not same:
        return "its config is not this cell's"
    results = record["results"]
    if not isinstance(results, dict) or _RESULT_FIELDS - set(results):
        return f"results lack {sorted(_RESULT_FIELDS - set(results)) if isinstance(results, dict) else 'everything'}"
    if not isinstance(results["metrics"], dict):
        return "results.metrics is not an object"
    if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in results["metrics"].values()):
        return "results.metrics holds a value that is not a number or null"
    if not isinstance(results["diverged"], bool):
        return f"results.diverged is not true or false ({results['diverged']!r})"
    if not isinstance(results["history"], dict) or not all(isinstance(v, list) for v in results["history"].values()):
        return "results.history is not an object of lists"
    for name, values in results["history"].items():
        if not all(_number_or_null(v) or (isinstance(v, list) and all(_number_or_null(w) for w in v)) for v in values):
            return f"results.history[{name!r}] holds a value that is not a number, null or a list of them"
    return cfg.validate_results(results)


def _number_or_null(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def _reject_constant(name: str):
    # json reads NaN, Infinity and -Infinity by default; a record never holds them (non-finite numbers are null)
    raise ValueError(f"non-finite literal {name} (records store non-finite numbers as null)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):      # 1e999 parses to inf
        raise ValueError(f"number {text} is beyond the float64 range")
    return value


def json_ready(value, where: str = "record"):
    """``value`` with numpy and torch numbers as Python numbers (a 0-dim array or tensor too), in nested dicts and
    lists; anything else JSON cannot hold is an InvalidParameterError naming where it is.

    >>> import numpy as np
    >>> json_ready({"x": np.float32(0.25), "n": [np.int64(3)]})
    {'x': 0.25, 'n': [3]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise InvalidParameterError(f"{where}: a key must be a string to be stored; got {k!r}")
            out[k] = json_ready(v, f"{where}.{k}")
        return out
    if isinstance(value, (list, tuple)):
        return [json_ready(v, f"{where}[{i}]") for i, v in enumerate(value)]
    item = getattr(value, "item", None)
    shape = getattr(value, "shape", None)
    if callable(item) and shape is not None and tuple(shape) == ():
        number = item()                # numpy scalars and 0-dim arrays, 0-dim torch tensors
        if isinstance(number, (bool, int, float)):
            return number
    raise InvalidParameterError(f"{where} is a {type(value).__name__}, which a result record cannot store "
                                f"(numbers, strings, true/false, null, lists and objects of them)")


def finite_or_null(value):
    """``value`` with every non-finite float (inf, -inf, nan) replaced by None, in nested dicts and lists.

    >>> finite_or_null({"loss": [0.5, float("inf")], "metric": float("nan")})
    {'loss': [0.5, None], 'metric': None}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    return value


def default_results_dir() -> Path:
    """$HTAF_RESULTS, else ./results (``htaf_theory.outputs``: the one rule for every output)."""
    from ..outputs import RESULTS_ENV, output_dir
    return output_dir(None, RESULTS_ENV, "results")


class ResultStore:
    """A folder of result records, one ``<key>.json`` per finished cell, and ``.partial/<key>.pt`` checkpoints.

    >>> import tempfile
    >>> from htaf_theory.experiments import RunConfig
    >>> store = ResultStore(tempfile.mkdtemp())
    >>> store.done(RunConfig(a=10.0, b=2.0))
    False
    """

    def __init__(self, root=None):
        self.root = Path(root) if root is not None else default_results_dir()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, cfg: RunConfig) -> Path:
        return self.root / f"{cfg.key()}.json"

    def checkpoint_path(self, cfg: RunConfig) -> Path:
        (self.root / ".partial").mkdir(exist_ok=True)
        return self.root / ".partial" / f"{cfg.key()}.pt"

    def done(self, cfg: RunConfig) -> bool:
        return self.load(cfg) is not None

    def load(self, cfg: RunConfig) -> dict | None:
        """The cell's record, or None if it has none or only an invalid one (then moved aside, with a warning)."""
        path = self.path(cfg)
        if not path.is_file():
            return None
        try:
            with open(path) as fh:
                record = json.load(fh, parse_constant=_reject_constant, parse_float=_finite_float)
            why = validate_record(record, cfg)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            record, why = None, f"unreadable: {type(err).__name__}: {str(err)[:200]}"
        if not why:
            return record
        aside = path.with_name(path.name + ".invalid")
        try:
            os.replace(path, aside)
            where = f"moved to {aside}"
        except OSError as err:
            where = f"could not be moved aside ({err})"
        warnings.warn(f"invalid result file {path} ({why}); {where}; its cell will be rerun", RuntimeWarning, stacklevel=2)
        return None

    def save(self, cfg: RunConfig, record: dict) -> Path:
        """Write ``record`` atomically as the cell's file. numpy and torch numbers are stored as numbers, non-finite
        ones as null; anything else JSON cannot hold is refused by name (never stored as null)."""
        path = self.path(cfg)
        text = json.dumps(finite_or_null(json_ready(record)), allow_nan=False)
        if path.is_dir():
            raise IsADirectoryError(21, f"cannot store the cell's record: a folder is in its place: {path}")
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared and read
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path
