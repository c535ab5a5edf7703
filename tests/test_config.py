"""htaf_theory.experiments.config: typed fields, one key per config, old keys kept."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments.config import RunConfig
from htaf_theory.experiments.store import ResultStore
from htaf_theory.experiments.train import run_cell
from htaf_theory.validation import InvalidParameterError


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="gelu"), "activation must be one of"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(activation="htaf", a=1.0), "needs b"),
    (dict(activation="htaf", a=-1.0, b=1.0), "a must be a finite number > 0"),
    (dict(activation="ste", surrogate="relu", slope=1.0), "surrogate must be one of"),
    (dict(activation="htaf", a=1.0, b=1.0, backward="numeric"), "backward must be one of"),
    (dict(activation="relu", backward="autograd"), "applies to activation='htaf' only"),
    (dict(dataset="mnist", activation="relu"), "dataset must be one of"),
    (dict(activation="relu", lr=0.0), "lr must be"),
    (dict(activation="relu", hidden=()), "hidden must be"),
    (dict(activation="relu", target_scaling="log"), "target_scaling must be one of"),
])
def test_invalid_configs_fail_at_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RunConfig(**kwargs)


def test_config_key_is_stable():
    cfg = RunConfig(dataset="abalone", activation="htaf", a=11.0, b=2.0, tag="f21")
    assert cfg.key() == "988cccd80da8850c"  # pinned: a change here orphans every stored result
    assert RunConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    # a field at its default does not enter the hash (results made before it existed keep their keys)
    assert cfg.key() == RunConfig(**{**cfg.to_dict(), "hidden": tuple(cfg.hidden), "target_scaling": "standardize"}).key()
    assert cfg.key() != RunConfig(**{**cfg.to_dict(), "hidden": tuple(cfg.hidden), "target_scaling": "none"}).key()


def test_a_record_written_before_a_field_existed_stays_valid(data_home, tmp_path):
    store = ResultStore(tmp_path)
    cfg = RunConfig(dataset="abalone", hidden=(4,), activation="relu", epochs=2)
    store.save(cfg, run_cell(cfg, data_home))
    record = json.loads(store.path(cfg).read_text())
    for field in ("select_epoch", "backward", "target_scaling"):       # added after results existed, at their defaults
        record["config"].pop(field)
    store.path(cfg).write_text(json.dumps(record))
    assert store.load(cfg) is not None
    record["config"]["epochs"] = 3                                      # but a different config is still refused
    store.path(cfg).write_text(json.dumps(record))
    with pytest.warns(RuntimeWarning, match="invalid result file"):
        assert store.load(cfg) is None


def test_equal_configs_have_one_key():
    # 7 and 7.0 are one config: one key, so a stored cell is found whatever the caller typed
    assert RunConfig(activation="htaf", a=7, b=3).key() == RunConfig(activation="htaf", a=7.0, b=3.0).key()
    assert RunConfig(activation="htaf", a=np.float32(7.0), b=3.0) == RunConfig(activation="htaf", a=7.0, b=3.0)
    assert RunConfig(activation="relu", hidden=[np.int64(4)]).hidden == (4,)


@pytest.mark.parametrize("kwargs, match", [
    (dict(lr=None), "lr must be a real number"), (dict(a="7", b=1.0, activation="htaf"), "a must be a real number"),
    (dict(hidden=(2.7,)), "hidden must be a tuple of integers"), (dict(hidden="12"), "hidden must be a tuple of integers"),
    (dict(seed=-1), "seed must be an integer >= 0"), (dict(epochs=True), "epochs must be an integer"),
    (dict(record_every=0.5), "record_every must be an integer"), (dict(select_epoch="yes"), "select_epoch must be True"),
    (dict(a=True, b=1.0, activation="htaf"), "a must be a real number"),
])
def test_wrong_types_are_refused_not_cast(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        RunConfig(**{"activation": "relu", **kwargs})
    with pytest.raises(InvalidParameterError, match=match):     # from_dict too: "12" is not split into (1, 2)
        RunConfig.from_dict({"activation": "relu", **kwargs})


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="htaf", a=5.0, b=2.0, gamma=3.0), "gamma applies to activation='ss' only"),
    (dict(activation="htaf", a=5.0, b=2.0, surrogate="tanh"), "surrogate applies to activation='ste' only"),
    (dict(activation="relu", a=5.0), "a applies to activation='htaf' only"),
    (dict(activation="relu", hidden=(10**7,)), "hidden widths must be at most 65536"),
    (dict(activation="htaf", a=5.0, b=2.0, schedule="sharpen", delta0=float("inf")), "delta0 < inf"),
    (dict(activation="htaf", a=2.0, b=2.0, schedule="sharpen"), "needs a > min_a"),
])
def test_values_a_cell_cannot_use_are_refused_by_name(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        RunConfig(dataset="abalone", hidden=kwargs.pop("hidden", (8,)), **kwargs)


@pytest.mark.parametrize("kwargs, match", [(dict(a=10**400), "a must be a real number within the float64 range"),
                                           (dict(lr=10**400), "lr must be a real number within the float64 range"),
                                           (dict(extra=[1]), "extra must be a dict")])
def test_numbers_beyond_float64_and_non_dict_notes_are_refused_by_name(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match):
        RunConfig(dataset="abalone", hidden=(8,), activation="htaf", **{"a": 5.0, "b": 2.0, **kwargs})
