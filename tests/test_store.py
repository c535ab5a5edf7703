"""htaf_theory.experiments.store: one validated JSON record per finished cell, written atomically."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments.config import RunConfig  # noqa: E402
from htaf_theory.experiments.store import ResultStore  # noqa: E402
from htaf_theory.validation import InvalidParameterError  # noqa: E402


def test_a_failed_save_leaves_no_file_behind(tmp_path):
    # a record that cannot be written as JSON (here a tuple as a key) fails before the rename
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    with pytest.raises(InvalidParameterError, match=r"record.results: a key must be a string"):
        store.save(cfg, {"config": cfg.to_dict(), "results": {(1, 2): 0.5}})
    assert list(tmp_path.iterdir()) == [] and not store.done(cfg)


def _valid_trainer_record(cfg):
    return {"config": cfg.to_dict(), "key": cfg.key(), "seed": cfg.seed, "versions": {}, "timings": {},
            "results": {"task": "regression", "metric": "rmse", "diverged": False,
                        "metrics": {f"{p}_{m}": 1.0 for p in ("train", "val", "test") for m in ("smooth", "binarized")},
                        "history": {"epoch": [0], "loss": [1.0], "grad_norm": [[0.1]] * len(cfg.hidden)},
                        "final_grad_norm": [0.1] * len(cfg.hidden)}}


def test_non_finite_numbers_are_stored_as_null(tmp_path):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    record = _valid_trainer_record(cfg)
    record["results"].update(diverged=True)
    record["results"]["metrics"]["test_smooth"] = float("nan")
    record["results"]["history"]["loss"] = [1.0, float("inf"), float("-inf")]
    store.save(cfg, record)
    text = store.path(cfg).read_text()
    assert "Infinity" not in text and "NaN" not in text
    loaded = store.load(cfg)
    assert loaded["results"]["history"]["loss"] == [1.0, None, None] and loaded["results"]["diverged"] is True
    assert loaded["results"]["metrics"]["test_smooth"] is None


@pytest.mark.parametrize("change", [
    lambda r: r["results"].update(history={}), lambda r: r["results"].update(metrics={}),
    lambda r: r["results"].update(final_grad_norm=None), lambda r: r["results"].update(final_grad_norm=[0.1]),
    lambda r: r["results"]["metrics"].update(test_smooth="0.5"), lambda r: r["results"].update(history={"loss": 1}),
], ids=["history-empty", "metrics-empty", "grad-null", "grad-short", "metric-string", "history-not-lists"])
def test_records_the_figures_cannot_read_are_moved_aside(tmp_path, change):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    record = _valid_trainer_record(cfg)
    store.save(cfg, record)
    assert store.done(cfg)                      # the unchanged record is valid (the test can fail)
    change(record)
    store.save(cfg, record)
    with pytest.warns(RuntimeWarning, match="invalid result file"):
        assert not store.done(cfg)


def test_a_deeply_nested_result_file_is_moved_aside(tmp_path):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    store.path(cfg).write_text("[" * 200_000 + "]" * 200_000)
    with pytest.warns(RuntimeWarning, match="invalid result file"):
        assert not store.done(cfg)
    assert (tmp_path / (store.path(cfg).name + ".invalid")).exists()


def test_numpy_and_torch_numbers_are_stored_as_numbers(tmp_path):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    record = _valid_trainer_record(cfg)
    record["results"]["metrics"].update(test_smooth=np.float32(0.25), test_binarized=torch.tensor(1.5))
    record["results"]["n_train"] = np.int64(3)
    record["results"]["history"]["loss"] = [np.float64(0.5), torch.tensor(0.75, dtype=torch.float64)]
    store.save(cfg, record)
    loaded = store.load(cfg)
    assert loaded["results"]["metrics"]["test_smooth"] == 0.25 and loaded["results"]["metrics"]["test_binarized"] == 1.5
    assert loaded["results"]["n_train"] == 3 and loaded["results"]["history"]["loss"] == [0.5, 0.75]


@pytest.mark.parametrize("value, where", [(object(), "record.results.extra"), ({1, 2}, "record.results.extra"),
                                          (torch.ones(2), "record.results.extra"),
                                          ([np.array([1.0, 2.0])], r"record.results.extra\[0\]")])
def test_what_json_cannot_hold_is_refused_by_name_not_stored_as_null(tmp_path, value, where):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    record = _valid_trainer_record(cfg)
    record["results"]["extra"] = value
    with pytest.raises(InvalidParameterError, match=where):
        store.save(cfg, record)
    assert not store.path(cfg).exists()


def test_a_folder_at_the_records_path_is_an_oserror_naming_it(tmp_path):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    store.path(cfg).mkdir()
    with pytest.raises(IsADirectoryError, match=cfg.key()):
        store.save(cfg, _valid_trainer_record(cfg))


@pytest.mark.parametrize("edit", [
    lambda t: t.replace('"test_smooth": 1.0', '"test_smooth": NaN'),
    lambda t: t.replace('"test_smooth": 1.0', '"test_smooth": -Infinity'),
    lambda t: t.replace('"test_smooth": 1.0', '"test_smooth": 1e999'),
    lambda t: t.replace('"diverged": false', '"diverged": "no"'),
    lambda t: t.replace('"loss": [1.0]', '"loss": ["garbage", {"a": 1}]'),
    lambda t: t.replace('"loss": [1.0]', '"loss": [[[1.0]]]'),
], ids=["nan", "-inf", "1e999", "diverged-string", "history-garbage", "history-nested"])
def test_records_with_non_finite_literals_or_garbage_are_moved_aside(tmp_path, edit):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", activation="relu", epochs=1)
    store.save(cfg, _valid_trainer_record(cfg))
    assert store.done(cfg)
    text = store.path(cfg).read_text()
    changed = edit(text)
    assert changed != text
    store.path(cfg).write_text(changed)
    with pytest.warns(RuntimeWarning, match="invalid result file"):
        assert not store.done(cfg)
