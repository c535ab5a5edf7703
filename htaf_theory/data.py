"""Tabular data sets of the paper's Appendix F: registry, location, download, validation, splits.

``load_dataset(name, data_home=None)`` finds the file in: the ``data_home`` argument, then the
environment variable HTAF_DATA, then a per-user cache dir (``default_cache_dir``). A file that
is nowhere is downloaded from its original source (with pooch: temp file, hash check where the
original's hash is known, then move) unless HTAF_DOWNLOAD=0; offline, the error says which
file to put where. FICO HELOC is licensed: it is only read from a file the user supplies.

Every file is validated while it is read (row and column counts, header, value types, target
values): a truncated, garbled or empty file raises ``DataError`` naming the file and the problem.

Telco Churn: the 11 rows with a blank TotalCharges are exactly the rows with tenure = 0
(new customers, nothing billed yet); they get TotalCharges = 0, and the loader checks that
no blank occurs with tenure > 0.

Splits are 70/10/20 and deterministic by seed; min-max scaling is fitted on the training
split only; categorical columns are one-hot encoded.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .outputs import default_cache_dir
from .validation import InvalidParameterError

__all__ = ["DataError", "Dataset", "Split", "DATASETS", "load_dataset", "split_dataset", "data_home_dir",
           "default_cache_dir", "file_sha256", "load_mnist1d", "MNIST1D_ARGS", "MNIST1D_SHA256", "MNIST1D_VAL"]


class DataError(InvalidParameterError):
    """A data file is missing, truncated, garbled or otherwise not what it should be."""


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    filename: str
    url: str | None
    sha256: str | None     #: hash of the file at ``url`` (None: not known; content is validated instead)
    rows: int
    task: str              #: "regression" or "binary"
    note: str
    variants: tuple = ()   #: hashes of other known copies (the project's reference files in ../shared/data)


#: set to 1 to load a known data set whose file differs from every known copy (a user's own variant)
ALLOW_MODIFIED_ENV = "HTAF_ALLOW_MODIFIED_DATA"

DATASETS = {
    "abalone": DatasetInfo(
        "abalone", "abalone.data",
        "https://archive.ics.uci.edu/ml/machine-learning-databases/abalone/abalone.data",
        "de37cdcdcaaa50c309d514f248f7c2302a5f1f88c168905eba23fe2fbc78449f", 4177, "regression",
        "UCI Abalone (id 1), CC BY 4.0; target Rings"),
    "wine": DatasetInfo(
        "wine", "winequality-white.csv",
        "https://archive.ics.uci.edu/ml/machine-learning-databases/wine-quality/winequality-white.csv",
        None, 4898, "regression",
        "UCI Wine Quality (id 186), white, CC BY 4.0; ';' or ',' separated; target quality",
        ("9be11c4ba67fb9f1bcbca4222ef939bc80b05cd3e3650136058d91efd2215078",)),
    "churn": DatasetInfo(
        "churn", "Telco-Customer-Churn.csv",
        "https://raw.githubusercontent.com/IBM/telco-customer-churn-on-icp4d/master/data/Telco-Customer-Churn.csv",
        "16320c9c1ec72448db59aa0a26a0b95401046bef5d02fd3aeb906448e3055e91", 7043, "binary",
        "IBM Telco Customer Churn, Apache-2.0; target Churn Yes/No"),
    "fico": DatasetInfo(
        "fico", "heloc_dataset_v1.csv", None, None, 10459, "binary",
        "FICO HELOC, licensed: download it from FICO's Explainable ML Challenge page yourself; target RiskPerformance"),
}

WINE_COLUMNS = ["fixed acidity", "volatile acidity", "citric acid", "residual sugar", "chlorides",
                "free sulfur dioxide", "total sulfur dioxide", "density", "pH", "sulphates", "alcohol", "quality"]
CHURN_CATEGORICAL = ["gender", "Partner", "Dependents", "PhoneService", "MultipleLines", "InternetService",
                     "OnlineSecurity", "OnlineBackup", "DeviceProtection", "TechSupport", "StreamingTV",
                     "StreamingMovies", "Contract", "PaperlessBilling", "PaymentMethod"]
CHURN_NUMERIC = ["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]
_YES_NO, _INTERNET = ["No", "Yes"], ["No", "No internet service", "Yes"]
#: the levels of every categorical column: an unknown level is an error, never a new one-hot column
CHURN_LEVELS = {
    "gender": ["Female", "Male"], "Partner": _YES_NO, "Dependents": _YES_NO, "PhoneService": _YES_NO,
    "MultipleLines": ["No", "No phone service", "Yes"], "InternetService": ["DSL", "Fiber optic", "No"],
    "OnlineSecurity": _INTERNET, "OnlineBackup": _INTERNET, "DeviceProtection": _INTERNET, "TechSupport": _INTERNET,
    "StreamingTV": _INTERNET, "StreamingMovies": _INTERNET, "Contract": ["Month-to-month", "One year", "Two year"],
    "PaperlessBilling": _YES_NO,
    "PaymentMethod": ["Bank transfer (automatic)", "Credit card (automatic)", "Electronic check", "Mailed check"],
}
#: physical ranges (generous: a value outside is impossible, not merely rare); closed intervals
ABALONE_RANGES = {"Length": (0, 2), "Diameter": (0, 2), "Height": (0, 2), "Whole weight": (0, 5),
                  "Shucked weight": (0, 5), "Viscera weight": (0, 5), "Shell weight": (0, 5)}
RINGS_RANGE = (1, 100)
WINE_RANGES = {"fixed acidity": (0, 30), "volatile acidity": (0, 5), "citric acid": (0, 5), "residual sugar": (0, 200),
               "chlorides": (0, 2), "free sulfur dioxide": (0, 1000), "total sulfur dioxide": (0, 1000),
               "density": (0.9, 1.1), "pH": (0, 14), "sulphates": (0, 5), "alcohol": (0, 30)}
CHURN_RANGES = {"SeniorCitizen": (0, 1), "tenure": (0, 1200), "MonthlyCharges": (0, 10_000), "TotalCharges": (0, 1e7)}


def _check_ranges(path: Path, values: np.ndarray, names: list[str], ranges: dict) -> None:
    for j, name in enumerate(names):
        if name not in ranges:
            continue
        lo, hi = ranges[name]
        bad = np.flatnonzero((values[:, j] < lo) | (values[:, j] > hi))
        if bad.size:
            raise DataError(f"{path}: column {name!r} has {float(values[bad[0], j])!r} (data row {bad[0] + 1}), outside its "
                            f"physical range [{lo}, {hi}]")


@dataclass
class Dataset:
    name: str
    X: np.ndarray              #: (n, d) float64 features, one-hot expanded, unscaled
    y: np.ndarray              #: (n,) float64 target (0/1 for binary tasks)
    feature_names: list[str]
    task: str                  #: "regression" or "binary"
    path: str                  #: the file it was read from


@dataclass
class Split:
    """A data set split into train, validation and test arrays (features standardised on train), with its seed."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    seed: int


def file_sha256(path) -> str:
    """The sha256 hex digest of the file at ``path`` (read in blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_home_dir(data_home=None) -> Path:
    """The data folder: the argument, else $HTAF_DATA, else ``default_cache_dir()``; an existing file is refused."""
    if data_home is not None:
        folder, source = Path(data_home), "data_home"
    else:
        env = os.environ.get("HTAF_DATA")
        folder, source = (Path(env), "HTAF_DATA") if env else (default_cache_dir(), "the cache dir")
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(f"{source} must be a folder; got {source}={str(folder)!r}, which is a file")
    return folder


def _downloads_on() -> bool:
    """HTAF_DOWNLOAD: 0, false, no or off (any case) turn downloads off; 1, true, yes, on or unset leave them on;
    anything else is refused by name rather than guessed."""
    value = os.environ.get("HTAF_DOWNLOAD", "1").strip().lower()
    if value in ("0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on", ""):
        return True
    raise DataError(f"HTAF_DOWNLOAD={os.environ['HTAF_DOWNLOAD']!r} is not a yes or no (valid: 0/false/no/off or "
                    f"1/true/yes/on)")


def _download(info: DatasetInfo, folder: Path) -> Path:
    if not _downloads_on():
        raise DataError(f"{info.filename} not found in {folder} and downloads are off (HTAF_DOWNLOAD="
                        f"{os.environ.get('HTAF_DOWNLOAD')}): put {info.filename} ({info.note}) there, or set HTAF_DATA "
                        f"to its folder")
    try:
        import pooch
    except ImportError:
        raise DataError(f"{info.filename} not found in {folder}; install pooch to download it from {info.url}, "
                        "or put the file there yourself") from None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        # pooch writes to a temporary file and moves it into place only after the hash check
        path = pooch.retrieve(info.url, known_hash=f"sha256:{info.sha256}" if info.sha256 else None,
                              fname=info.filename, path=folder, progressbar=False)
    except Exception as err:
        raise DataError(f"{info.filename} not found in {folder} and the download from {info.url} failed "
                        f"({type(err).__name__}: {err}). Offline? Put {info.filename} ({info.note}) in {folder}, "
                        "or set HTAF_DATA to the folder that holds it") from None
    return Path(path)


def locate(name: str, data_home=None, download: bool = True) -> Path:
    """The path of the data set's file, downloading it when needed and allowed."""
    info = _info(name)
    folder = data_home_dir(data_home)
    path = folder / info.filename
    if path.is_file():
        return path
    if info.url is None:
        raise DataError(f"{info.filename} not found in {folder}. {info.note}; then put it there or set HTAF_DATA")
    if not download:
        raise DataError(f"{info.filename} not found in {folder}")
    return _download(info, folder)


def _info(name: str) -> DatasetInfo:
    if name not in DATASETS:
        raise InvalidParameterError(f"name must be one of {sorted(DATASETS)}; got name={name!r}")
    return DATASETS[name]


def _read_rows(path: Path) -> list[list[str]]:
    text = path.read_bytes()
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        decoded = text.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not UTF-8 text ({err})") from None
    decoded = decoded.replace("\r\n", "\n").replace("\r", "\n")      # Windows and old-Mac line ends alike
    first = decoded.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [row for row in csv.reader(io.StringIO(decoded), delimiter=delimiter) if row]
    except csv.Error as err:          # e.g. a field longer than the csv module's limit (131,072 characters)
        raise DataError(f"{path}: not a readable CSV file ({err})") from None


def _floats(path: Path, rows: list[list[str]], columns: list[int], names: list[str], first_line: int) -> np.ndarray:
    out = np.empty((len(rows), len(columns)))
    for i, row in enumerate(rows):
        for j, c in enumerate(columns):
            try:
                out[i, j] = float(row[c])
            except ValueError:
                raise DataError(f"{path}: line {i + first_line}: column {names[j]!r} is {row[c]!r}, not a number") from None
    if not np.all(np.isfinite(out)):
        i, j = np.argwhere(~np.isfinite(out))[0]
        raise DataError(f"{path}: line {i + first_line}: column {names[j]!r} is not finite")
    return out


def _check_shape(path: Path, rows: list[list[str]], n_rows: int, n_cols: int, first_line: int) -> None:
    for i, row in enumerate(rows):
        if len(row) != n_cols:
            raise DataError(f"{path}: line {i + first_line} has {len(row)} fields, expected {n_cols} (garbled?)")
    if len(rows) != n_rows:
        raise DataError(f"{path}: {len(rows)} data rows, expected {n_rows} (truncated or padded file?)")


def _one_hot(path: Path, values: list[str], column: str, allowed: list[str] | None = None):
    levels = sorted(set(values)) if allowed is None else allowed
    bad = sorted(set(values) - set(levels))
    if bad:
        raise DataError(f"{path}: column {column!r} has unexpected values {bad[:5]}, expected {levels}")
    # all levels but the first (a full-rank encoding)
    return np.array([[v == lev for lev in levels[1:]] for v in values], dtype=float), \
        [f"{column}={lev}" for lev in levels[1:]]


def _load_abalone(path: Path) -> Dataset:
    rows = _read_rows(path)
    _check_shape(path, rows, 4177, 9, 1)
    sex, names = _one_hot(path, [r[0] for r in rows], "Sex", ["F", "I", "M"])
    names_num = ["Length", "Diameter", "Height", "Whole weight", "Shucked weight", "Viscera weight", "Shell weight"]
    num = _floats(path, rows, list(range(1, 8)), names_num, 1)
    _check_ranges(path, num, names_num, ABALONE_RANGES)
    rings = _floats(path, rows, [8], ["Rings"], 1)[:, 0]
    if np.any(rings != np.round(rings)) or np.any((rings < RINGS_RANGE[0]) | (rings > RINGS_RANGE[1])):
        raise DataError(f"{path}: Rings must be integers in {list(RINGS_RANGE)}")
    return Dataset("abalone", np.hstack([sex, num]), rings, names + names_num, "regression", str(path))


def _load_wine(path: Path) -> Dataset:
    rows = _read_rows(path)
    header = [h.strip().strip('"') for h in rows[0]]
    if header != WINE_COLUMNS:
        raise DataError(f"{path}: header is {header[:3]}..., expected the UCI wine columns {WINE_COLUMNS[:3]}...")
    body = rows[1:]
    _check_shape(path, body, 4898, 12, 2)
    values = _floats(path, body, list(range(12)), WINE_COLUMNS, 2)
    _check_ranges(path, values, WINE_COLUMNS, WINE_RANGES)
    quality = values[:, 11]
    if np.any((quality < 0) | (quality > 10) | (quality != np.round(quality))):
        raise DataError(f"{path}: quality must be an integer score in [0, 10]")
    return Dataset("wine", values[:, :11], quality, WINE_COLUMNS[:11], "regression", str(path))


def _load_churn(path: Path) -> Dataset:
    rows = _read_rows(path)
    header = rows[0]
    expected = ["customerID"] + CHURN_CATEGORICAL[:1] + ["SeniorCitizen"]
    if header[:3] != expected or len(header) != 21 or header[-1] != "Churn":
        raise DataError(f"{path}: header {header[:4]}... is not the Telco Customer Churn header")
    body = rows[1:]
    _check_shape(path, body, 7043, 21, 2)
    col = {name: i for i, name in enumerate(header)}
    missing = [c for c in [*CHURN_NUMERIC, *CHURN_CATEGORICAL, "Churn"] if c not in col]
    if missing:
        raise DataError(f"{path}: header lacks the Telco Customer Churn column(s) {missing}")
    tc, tenure = col["TotalCharges"], col["tenure"]
    blanks = [i for i, r in enumerate(body) if not r[tc].strip()]
    for i in blanks:
        try:
            new_customer = float(body[i][tenure]) == 0
        except ValueError:
            raise DataError(f"{path}, line {i + 2}: tenure {body[i][tenure]!r} is not a number") from None
        if not new_customer:
            raise DataError(f"{path}, line {i + 2}: blank TotalCharges with tenure > 0; only new customers (tenure 0) "
                            f"may have none")
    for i in blanks:
        body[i] = body[i][:tc] + ["0"] + body[i][tc + 1:]
    num = _floats(path, body, [col[c] for c in CHURN_NUMERIC], CHURN_NUMERIC, 2)
    _check_ranges(path, num, CHURN_NUMERIC, CHURN_RANGES)
    if np.any(num[:, 0] != np.round(num[:, 0])):
        raise DataError(f"{path}: SeniorCitizen must be 0 or 1")
    parts, names = [num], list(CHURN_NUMERIC)
    for c in CHURN_CATEGORICAL:
        enc, enc_names = _one_hot(path, [r[col[c]] for r in body], c, CHURN_LEVELS[c])
        parts.append(enc)
        names += enc_names
    target = [r[col["Churn"]] for r in body]
    if set(target) - {"Yes", "No"}:
        raise DataError(f"{path}: Churn must be Yes or No; found {sorted(set(target) - {'Yes', 'No'})[:5]}")
    y = np.array([t == "Yes" for t in target], dtype=float)
    return Dataset("churn", np.hstack(parts), y, names, "binary", str(path))


def _load_fico(path: Path) -> Dataset:
    rows = _read_rows(path)
    header = rows[0]
    if header[0] != "RiskPerformance" or len(header) != 24:
        raise DataError(f"{path}: expected the HELOC header (RiskPerformance + 23 features); got {header[:3]}...")
    body = rows[1:]
    _check_shape(path, body, 10459, 24, 2)
    target = [r[0] for r in body]
    if set(target) - {"Good", "Bad"}:
        raise DataError(f"{path}: RiskPerformance must be Good or Bad")
    X = _floats(path, body, list(range(1, 24)), header[1:], 2)
    y = np.array([t == "Bad" for t in target], dtype=float)
    keep = ~np.all(X == -9, axis=1)  # rows with no credit record at all carry no information
    return Dataset("fico", X[keep], y[keep], header[1:], "binary", str(path))


_LOADERS = {"abalone": _load_abalone, "wine": _load_wine, "churn": _load_churn, "fico": _load_fico}


def load_dataset(name: str, data_home=None, download: bool = True, allow_modified: bool | None = None) -> Dataset:
    """Load and validate one data set: "abalone", "wine", "churn" or "fico".

    >>> ds = load_dataset("abalone")          # doctest: +SKIP
    >>> ds.X.shape, ds.task                    # doctest: +SKIP
    ((4177, 10), 'regression')
    """
    path = locate(name, data_home, download)
    dataset = _LOADERS[name](path)                 # content first: its errors say what is wrong, and where
    _check_known_copy(_info(name), path, allow_modified)
    return dataset


def _check_known_copy(info: DatasetInfo, path: Path, allow_modified: bool | None) -> None:
    """A file of a data set whose canonical hash is known must be a known copy, unless explicitly allowed."""
    if info.sha256 is None:
        return                                   # no canonical hash (wine, fico): the content checks decide
    digest = file_sha256(path)
    if digest in (info.sha256, *info.variants):
        return
    allowed = allow_modified if allow_modified is not None else os.environ.get(ALLOW_MODIFIED_ENV) == "1"
    if not allowed:
        raise DataError(f"{path}: sha256 {digest[:16]}... is not that of any known copy of {info.name} "
                        f"({info.sha256[:16]}... from {info.url}); if this is your own variant, pass "
                        f"allow_modified=True or set {ALLOW_MODIFIED_ENV}=1")


def split_dataset(ds: Dataset, seed: int, fractions=(0.7, 0.1, 0.2)) -> Split:
    """70/10/20 split by ``seed`` (numpy PCG64), min-max scaled on the training part only.

    Constant training columns are left unscaled (scale 1) instead of dividing by zero. ``seed`` is an integer
    >= 0 (the split must be reproducible); ``fractions`` are three numbers >= 0 summing to 1, each part
    non-empty after rounding.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(f"seed must be an integer >= 0 (a reproducible split); got seed={seed!r}")
    try:
        fractions = tuple(float(f) for f in fractions)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"fractions must be three numbers (train, val, test); got {fractions!r}") from None
    if len(fractions) != 3 or not all(math.isfinite(f) and f >= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise InvalidParameterError(f"fractions must be three numbers >= 0 summing to 1 (train, val, test); got {fractions!r}")
    n = len(ds.y)
    sizes = (int(round(fractions[0] * n)), int(round(fractions[1] * n)))
    if min(sizes[0], sizes[1], n - sum(sizes)) < 1:
        raise InvalidParameterError(f"fractions={fractions!r} leave an empty part of {n} samples "
                                    f"(train {sizes[0]}, val {sizes[1]}, test {n - sum(sizes)})")
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val = int(round(fractions[0] * n)), int(round(fractions[1] * n))
    idx = order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
    lo, hi = ds.X[idx[0]].min(axis=0), ds.X[idx[0]].max(axis=0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    X = (ds.X - lo) / scale
    return Split(X[idx[0]], ds.y[idx[0]], X[idx[1]], ds.y[idx[1]], X[idx[2]], ds.y[idx[2]], ds.task, seed)


# ---- MNIST-1D (Greydanus, 2020): generated locally by the mnist1d package, never downloaded ----------------------

#: the generation arguments of the standard MNIST-1D (mnist1d.data.get_dataset_args(); the download URL left out)
MNIST1D_ARGS = {"num_samples": 5000, "train_split": 0.8, "template_len": 12, "padding": [36, 60], "scale_coeff": 0.4,
                "max_translation": 48, "corr_noise_scale": 0.25, "iid_noise_scale": 2e-2, "shear_scale": 0.75,
                "shuffle_seq": False, "final_seq_length": 40, "seed": 42}
#: sha256 of the generated arrays (x, y, x_test, y_test; x rounded to 6 decimals, so that last-bit differences of
#: another machine's floating point do not count): a changed generator fails with a clear error
MNIST1D_SHA256 = "931aa060ebd9aa1e14320bf860f397ce789b431949cbb4c7ee153b9c84c56728"
#: how many of the 4,000 training sequences are held out for validation (the last ones; the 1,000 test sequences
#: are the package's own test split): the same fixed split for every seed
MNIST1D_VAL = 800


def _mnist1d_digest(arrays: dict) -> str:
    h = hashlib.sha256()
    for k in ("x", "y", "x_test", "y_test"):
        a = arrays[k]
        h.update(np.ascontiguousarray(np.round(a, 6) if a.dtype.kind == "f" else a.astype(np.int64)).tobytes())
    return h.hexdigest()


_MNIST1D_CACHE: dict = {}


def load_mnist1d() -> dict:
    """MNIST-1D generated locally with the standard arguments (``MNIST1D_ARGS``): float32 sequences of length 40.

    Returns {"train": (X, y), "val": (X, y), "test": (X, y)}: 3,200 training, 800 validation (the last 800 of the
    package's 4,000 training sequences) and the package's 1,000 test sequences; X has shape (n, 40), y integer
    labels 0-9. Generated by ``mnist1d.data.make_dataset`` (its downloading ``get_dataset`` is never called), with
    numpy's and Python's global random states restored afterwards; the arrays are checked against
    ``MNIST1D_SHA256``, so a changed generator fails with a ``DataError`` instead of silently changing the data.
    Cached per process; every call returns its own copies.
    """
    if "data" in _MNIST1D_CACHE:
        return _copied(_MNIST1D_CACHE["data"])
    try:
        from mnist1d.data import make_dataset
        from mnist1d.utils import ObjectView
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError("MNIST-1D needs the mnist1d package: pip install 'htaf-theory[snn]' "
                                  "(or pip install mnist1d==0.0.2.post1)", name="mnist1d") from err
    import random
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        arrays = make_dataset(ObjectView(dict(MNIST1D_ARGS)))
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    digest = _mnist1d_digest(arrays)
    if digest != MNIST1D_SHA256:
        raise DataError(f"MNIST-1D as generated by this mnist1d package has sha256 {digest[:16]}..., not "
                        f"{MNIST1D_SHA256[:16]}...: the generator changed (install mnist1d==0.0.2.post1)")
    X, y = arrays["x"].astype(np.float32), arrays["y"].astype(np.int64)
    n = len(y) - MNIST1D_VAL
    out = {"train": (X[:n], y[:n]), "val": (X[n:], y[n:]),
           "test": (arrays["x_test"].astype(np.float32), arrays["y_test"].astype(np.int64))}
    _MNIST1D_CACHE["data"] = out
    return _copied(out)


def _copied(data: dict) -> dict:
    """A fresh dict of fresh arrays: a caller writing into what it got never changes a later load (the cache is
    the generator's checked output)."""
    return {k: (X.copy(), y.copy()) for k, (X, y) in data.items()}
