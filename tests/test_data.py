"""Tests for htaf_theory.data: loading, validation of bad files, location order, offline errors, splits."""

import numpy as np
import pytest

from htaf_theory import data


@pytest.mark.parametrize("name, shape, task", [("abalone", (4177, 9), "regression"), ("wine", (4898, 11), "regression"),
                                               ("churn", (7043, 30), "binary")])
def test_load_real_files(data_home, name, shape, task):
    ds = data.load_dataset(name, data_home)
    assert ds.X.shape == shape and ds.task == task and np.all(np.isfinite(ds.X))
    assert len(ds.feature_names) == shape[1]


def test_checksums_of_shared_copies(data_home):
    sums = dict(reversed(line.split()) for line in (data_home / "SHA256SUMS").read_text().splitlines() if line.strip())
    for info in data.DATASETS.values():
        if info.filename in sums:
            assert data.file_sha256(data_home / info.filename) == sums[info.filename]


def test_churn_blank_total_charges_become_zero(data_home):
    ds = data.load_dataset("churn", data_home)
    tenure = ds.X[:, ds.feature_names.index("tenure")]
    total = ds.X[:, ds.feature_names.index("TotalCharges")]
    assert np.sum(tenure == 0) == 11 and np.all(total[tenure == 0] == 0)
    assert set(np.unique(ds.y)) == {0.0, 1.0}


def test_churn_blank_with_tenure_is_an_error(data_home, tmp_path):
    lines = (data_home / "Telco-Customer-Churn.csv").read_text().splitlines()
    fields = lines[1].split(",")
    fields[19] = " "  # blank TotalCharges for a customer with tenure 1
    lines[1] = ",".join(fields)
    (tmp_path / "Telco-Customer-Churn.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match="blank TotalCharges with tenure > 0"):
        data.load_dataset("churn", tmp_path)


def test_wine_semicolon_format_is_accepted(data_home, tmp_path):
    text = (data_home / "winequality-white.csv").read_text().splitlines()
    header = ";".join(f'"{h}"' for h in text[0].split(","))
    body = [row.replace(",", ";") for row in text[1:]]
    (tmp_path / "winequality-white.csv").write_text("\n".join([header, *body]) + "\n")
    a, b = data.load_dataset("wine", data_home), data.load_dataset("wine", tmp_path)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)


def test_truncated_file(data_home, tmp_path):
    lines = (data_home / "abalone.data").read_text().splitlines()[:1000]
    (tmp_path / "abalone.data").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match=r"abalone.data: 1000 data rows, expected 4177"):
        data.load_dataset("abalone", tmp_path)


def test_garbled_file(data_home, tmp_path):
    lines = (data_home / "abalone.data").read_text().splitlines()
    lines[41] = lines[41].replace("0.", "O.", 1)
    (tmp_path / "abalone.data").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match=r"line 42: column 'Length' is 'O\.\d+', not a number"):
        data.load_dataset("abalone", tmp_path)
    lines = (data_home / "abalone.data").read_text().splitlines()
    lines[7] = lines[7] + ",3"
    (tmp_path / "abalone.data").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match="line 8 has 10 fields, expected 9"):
        data.load_dataset("abalone", tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "abalone.data").write_text("")
    with pytest.raises(data.DataError, match="abalone.data: the file is empty"):
        data.load_dataset("abalone", tmp_path)


def test_location_order(tmp_path, monkeypatch):
    monkeypatch.setenv("HTAF_DATA", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data.data_home_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data.data_home_dir() == tmp_path / "env"
    monkeypatch.delenv("HTAF_DATA")
    assert data.data_home_dir() == tmp_path / "cache" / "htaf-theory"


def test_offline_errors_say_what_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv("HTAF_DOWNLOAD", "0")
    with pytest.raises(data.DataError, match=f"abalone.data not found in {tmp_path}.*put abalone.data"):
        data.load_dataset("abalone", tmp_path)
    monkeypatch.setenv("HTAF_DOWNLOAD", "1")
    import pooch

    def no_network(*args, **kwargs):
        raise ConnectionError("network unreachable")
    monkeypatch.setattr(pooch, "retrieve", no_network)
    with pytest.raises(data.DataError, match="download from https://archive.ics.uci.edu.* failed.*Offline\\?"):
        data.load_dataset("abalone", tmp_path)
    with pytest.raises(data.DataError, match="heloc_dataset_v1.csv not found.*licensed"):
        data.load_dataset("fico", tmp_path)
    with pytest.raises(ValueError, match="name must be one of"):
        data.load_dataset("mnist", tmp_path)


def test_download_uses_pooch_with_hash(tmp_path, monkeypatch):
    import pooch
    seen = {}

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        seen.update(url=url, known_hash=known_hash)
        raise ConnectionError("stop here")
    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    with pytest.raises(data.DataError):
        data.load_dataset("churn", tmp_path)
    assert seen["known_hash"] == "sha256:" + data.DATASETS["churn"].sha256


def test_splits_deterministic_and_scaled_on_train(data_home):
    ds = data.load_dataset("abalone", data_home)
    s1, s2, s3 = data.split_dataset(ds, 0), data.split_dataset(ds, 0), data.split_dataset(ds, 1)
    np.testing.assert_array_equal(s1.X_test, s2.X_test)
    assert not np.array_equal(s1.y_test, s3.y_test)
    n = len(ds.y)
    assert (len(s1.y_train), len(s1.y_val), len(s1.y_test)) == (round(0.7 * n), round(0.1 * n),
                                                                n - round(0.7 * n) - round(0.1 * n))
    assert np.allclose(s1.X_train.min(axis=0), 0) and np.allclose(s1.X_train.max(axis=0), 1)
    # test rows are scaled with the training range, so they may leave [0, 1]
    assert s1.X_test.max() >= 1.0 or s1.X_test.min() <= 0.0


def _abalone_copy(data_home, tmp_path, edit):
    lines = (data_home / "abalone.data").read_text().splitlines(keepends=True)
    lines = edit(lines)
    (tmp_path / "abalone.data").write_text("".join(lines))
    return tmp_path


def test_a_known_file_with_rows_replaced_is_refused_unless_allowed(data_home, tmp_path, monkeypatch):
    # a plausible row, every value in range: only the checksum can tell
    folder = _abalone_copy(data_home, tmp_path, lambda ls: ls[:5] + ["M,0.5,0.4,0.1,0.5,0.2,0.1,0.15,9\n"] + ls[6:])
    with pytest.raises(data.DataError, match="not that of any known copy.*allow_modified=True"):
        data.load_dataset("abalone", folder)
    assert data.load_dataset("abalone", folder, allow_modified=True).X.shape == (4177, 9)
    monkeypatch.setenv(data.ALLOW_MODIFIED_ENV, "1")
    assert data.load_dataset("abalone", folder).X.shape == (4177, 9)


@pytest.mark.parametrize("row, word", [
    ("M,-0.5,0.4,0.1,0.5,0.2,0.1,0.15,9\n", "'Length'.*physical range"),
    ("M,0.5,0.4,0.1,0.5,0.2,0.1,0.15,900\n", "Rings must be integers in"),
    ("X,0.5,0.4,0.1,0.5,0.2,0.1,0.15,9\n", "'Sex' has unexpected values"),
])
def test_impossible_abalone_values_are_refused(data_home, tmp_path, row, word):
    folder = _abalone_copy(data_home, tmp_path, lambda ls: ls[:5] + [row] + ls[6:])
    with pytest.raises(data.DataError, match=word):
        data.load_dataset("abalone", folder, allow_modified=True)


def test_an_unknown_churn_category_is_an_error_not_a_new_column(data_home, tmp_path):
    text = (data_home / "Telco-Customer-Churn.csv").read_text()
    (tmp_path / "Telco-Customer-Churn.csv").write_text(text.replace("Month-to-month", "Weekly", 1))
    with pytest.raises(data.DataError, match="'Contract' has unexpected values \\['Weekly'\\]"):
        data.load_dataset("churn", tmp_path, allow_modified=True)


def test_a_wine_value_outside_its_physical_range_is_refused(data_home, tmp_path):
    lines = (data_home / "winequality-white.csv").read_text().splitlines(keepends=True)
    fields = lines[3].split(",")
    fields[8] = "15.2"                                         # pH 15.2
    lines[3] = ",".join(fields)
    (tmp_path / "winequality-white.csv").write_text("".join(lines))
    with pytest.raises(data.DataError, match="'pH' has 15.2"):
        data.load_dataset("wine", tmp_path)


def _heloc_file(folder, rows=10459, target=None):
    """A synthetic file in the HELOC layout (the licensed original is never in the repository): RiskPerformance and
    23 integer features; every 100th row is all -9 (no credit record)."""
    rng = np.random.default_rng(0)
    header = ["RiskPerformance"] + [f"f{j}" for j in range(23)]
    lines = [",".join(header)]
    for i in range(rows):
        values = [-9] * 23 if i % 100 == 0 else list(rng.integers(-8, 100, size=23))
        label = target or ("Bad" if i % 3 == 0 else "Good")
        lines.append(",".join([label, *map(str, values)]))
    path = folder / "heloc_dataset_v1.csv"
    path.write_text("\n".join(lines) + "\n")
    return folder


def test_fico_loader_on_a_synthetic_heloc_file(tmp_path):
    ds = data.load_dataset("fico", _heloc_file(tmp_path))
    assert ds.X.shape == (10459 - 105, 23) and ds.task == "binary"       # the 105 rows without any record dropped
    assert not np.any(np.all(ds.X == -9, axis=1))
    assert set(np.unique(ds.y)) == {0.0, 1.0}


def test_fico_loader_refuses_an_unknown_target(tmp_path):
    with pytest.raises(data.DataError, match="RiskPerformance must be Good or Bad"):
        data.load_dataset("fico", _heloc_file(tmp_path, target="Maybe"))


def test_fico_loader_refuses_a_short_file(tmp_path):
    with pytest.raises(data.DataError):
        data.load_dataset("fico", _heloc_file(tmp_path, rows=100))


@pytest.mark.parametrize("column", ["TotalCharges", "tenure", "Churn", "MonthlyCharges"])
def test_a_renamed_churn_column_is_named(data_home, tmp_path, column):
    lines = (data_home / "Telco-Customer-Churn.csv").read_text().splitlines()
    lines[0] = lines[0].replace(column, column + "X")
    (tmp_path / "Telco-Customer-Churn.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match=column):
        data.load_dataset("churn", tmp_path, allow_modified=True)


def test_a_blank_total_with_a_non_numeric_tenure_names_file_and_line(data_home, tmp_path):
    lines = (data_home / "Telco-Customer-Churn.csv").read_text().splitlines()
    fields = lines[3].split(",")
    fields[5], fields[19] = "soon", " "
    lines[3] = ",".join(fields)
    (tmp_path / "Telco-Customer-Churn.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match=r"Telco-Customer-Churn.csv, line 4: tenure 'soon'"):
        data.load_dataset("churn", tmp_path, allow_modified=True)


@pytest.mark.parametrize("kwargs, match", [
    ({"seed": None}, "seed must be an integer"), ({"seed": -1}, "seed must be an integer"),
    ({"seed": 1.5}, "seed must be an integer"), ({"seed": True}, "seed must be an integer"),
    ({"seed": 0, "fractions": (0.9, 0.9, 0.9)}, "summing to 1"), ({"seed": 0, "fractions": (0, 0, 1)}, "empty part"),
    ({"seed": 0, "fractions": (0.5, 0.5)}, "three numbers"), ({"seed": 0, "fractions": "abc"}, "three numbers"),
    ({"seed": 0, "fractions": (float("nan"), 0.5, 0.5)}, "three numbers"),
])
def test_bad_split_arguments_are_refused_by_name(data_home, kwargs, match):
    ds = data.load_dataset("abalone", data_home)
    with pytest.raises(data.InvalidParameterError, match=match):
        data.split_dataset(ds, **kwargs)


def test_a_file_with_old_mac_line_ends_reads_like_the_original(data_home, tmp_path):
    text = (data_home / "winequality-white.csv").read_text()
    (tmp_path / "winequality-white.csv").write_text(text.replace("\n", "\r"), newline="")
    a, b = data.load_dataset("wine", data_home), data.load_dataset("wine", tmp_path, allow_modified=True)
    np.testing.assert_array_equal(a.X, b.X)


def test_a_field_beyond_the_csv_limit_is_a_data_error_naming_the_file(data_home, tmp_path):
    lines = (data_home / "winequality-white.csv").read_text().splitlines()
    lines[3] = '"' + "7" * 200_000 + '"' + lines[3][lines[3].index(";") if ";" in lines[3] else lines[3].index(","):]
    (tmp_path / "winequality-white.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(data.DataError, match="winequality-white.csv: not a readable CSV file"):
        data.load_dataset("wine", tmp_path, allow_modified=True)


def test_load_mnist1d_returns_copies_a_caller_may_change():
    pytest.importorskip("mnist1d")
    from htaf_theory.data import load_mnist1d
    first = load_mnist1d()
    first["train"][0][:] = 0.0
    first["test"] = None
    again = load_mnist1d()
    assert again["test"] is not None and float(abs(again["train"][0]).sum()) > 0


@pytest.mark.parametrize("value, on", [("0", False), ("false", False), ("No", False), ("OFF", False), ("1", True),
                                       ("true", True), ("yes", True), ("", True), ("maybe", None)])
def test_download_switch_reads_yes_and_no_words(tmp_path, monkeypatch, value, on):
    monkeypatch.setenv("HTAF_DOWNLOAD", value)
    if on is None:
        with pytest.raises(data.DataError, match="HTAF_DOWNLOAD='maybe' is not a yes or no"):
            data.load_dataset("abalone", tmp_path)
        return
    assert data._downloads_on() is on
    if not on:
        with pytest.raises(data.DataError, match="downloads are off"):
            data.load_dataset("abalone", tmp_path)
