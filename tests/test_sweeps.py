"""htaf_theory.experiments.sweeps: the grids at each size and the two-stage selection."""
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments import sweeps
from htaf_theory.experiments.store import ResultStore
from test_store import _valid_trainer_record


def test_a_sweep_without_its_data_file_fails_before_any_cell(tmp_path, data_home):
    # FICO HELOC is licensed and not in the shared data folder: one clear error, no cell started
    with pytest.raises(ValueError, match="heloc_dataset_v1.csv not found"):
        sweeps.run_named_sweep("f3tuned_fico", size="quick", workers=1, results_dir=tmp_path / "r", data_home=data_home,
                               progress=False)
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*.json"))


def test_sweeps_defined_and_quick_variants():
    assert len(sweeps.build_sweep("f1")) == 30 and len(sweeps.build_sweep("f21")) == 18
    assert len(sweeps.build_sweep("f22")) == 21 and len(sweeps.build_sweep("f3")) == 24
    assert len(sweeps.build_sweep("f22raw")) == 63 and len(sweeps.build_sweep("t1")) == 34
    assert sweeps.build_sweep("t1deploy") == [c for c in sweeps.build_sweep("t1") if c.net in sweeps.T1DEPLOY_NETS]
    assert len(sweeps.build_sweep("f3tuned")) == 2 * 5 * 11 * 3
    fico = sweeps.build_sweep("f3tuned_fico")
    assert len(fico) == 5 * 11 * 3 and {c.dataset for c in fico} == {"fico"}
    assert [replace(c, dataset="abalone") for c in fico] == sweeps.build_sweep("f3tuned")[:len(fico)]
    autograd = sweeps.build_sweep("f1autograd")
    assert [replace(c, backward="exact", tag="f1") for c in autograd] == sweeps.build_sweep("f1")
    for name in sweeps.SWEEPS:
        quick = sweeps.build_sweep(name, size="quick")
        epochs = {"t1": sweeps.T1_QUICK_EPOCHS, "t1deploy": sweeps.T1_QUICK_EPOCHS, "m1d": 2, "m1dfair": 2}.get(
            name, sweeps.QUICK_EPOCHS)
        assert quick and all(c.epochs == epochs and c.tag.endswith("-quick") for c in quick)
    with pytest.raises(ValueError, match="name must be one of"):
        sweeps.build_sweep("f9")


def test_budget_size_is_the_full_grid_on_seed_0():
    for name in sweeps.SWEEPS:
        full, budget = sweeps.build_sweep(name), sweeps.build_sweep(name, "budget")
        assert budget and set(budget) <= {c for c in full if c.seed == 0}  # the same cells, so a full run reuses them
        if sweeps.SWEEPS[name].budget is None:                             # the default slice: all of seed 0
            assert budget == [c for c in full if c.seed == 0]
    assert len(sweeps.build_sweep("f1", "budget")) == 10 and len(sweeps.build_sweep("f3tuned", "budget")) == 66
    assert sweeps.f3_seeds("budget") == (0,) and sweeps.t1_seeds("budget") == (0,) and sweeps.f3_seeds("full") == sweeps.SEEDS
    with pytest.raises(ValueError, match=r"size must be one of quick, budget, full; got size='paper'"):
        sweeps.build_sweep("f1", "paper")


def test_budget_stage_2_is_stage_1s_choice_on_split_0(tmp_path):
    # at budget size the chosen candidate on split 0 is a stage-1 cell itself: nothing more to run, no duplicates
    store = ResultStore(tmp_path)
    stage1, chosen = sweeps.f3_plan(store, "budget")
    assert chosen == {}
    with pytest.raises(sweeps.MissingResultsError, match="htaf experiment f3 --size budget"):
        sweeps.load_records("f3", "budget", tmp_path)
    for i, cfg in enumerate(stage1):
        record = _valid_trainer_record(cfg)
        record["results"]["metrics"]["val_binarized"] = 1.0 + 0.01 * i
        store.save(cfg, record)
    _, chosen = sweeps.f3_plan(store, "budget")
    assert {k[2] for k in chosen} == {0} and set(chosen.values()) <= set(stage1)
    assert len(sweeps.load_records("f3", "budget", tmp_path)) == len(stage1)


def test_per_split_selection_picks_each_splits_best_validation_record():
    def rec(ds, act, seed, val, lr):
        cfg = dict(dataset=ds, activation=act, seed=seed, lr=lr)
        return {"config": cfg, "results": {"metric": "rmse", "metrics": {"val_binarized": val}}}
    records = [rec("abalone", "htaf", 0, 2.5, 1e-3), rec("abalone", "htaf", 0, 2.1, 1e-2),
               rec("abalone", "htaf", 1, 2.0, 1e-3), rec("abalone", "htaf", 1, 2.2, 1e-2),
               rec("abalone", "relu", 0, 2.3, 1e-3), rec("abalone", "htaf", 2, None, 1e-3), rec("abalone", "htaf", 2, 3.0, 1e-4)]
    chosen = sweeps.select_per_split(records)
    assert chosen[("abalone", "DNN+HTAF", 0)]["config"]["lr"] == 1e-2
    assert chosen[("abalone", "DNN+HTAF", 1)]["config"]["lr"] == 1e-3
    assert chosen[("abalone", "DNN+HTAF", 2)]["config"]["lr"] == 1e-4          # a diverged run (None) is never chosen
    assert chosen[("abalone", "DNN", 0)]["config"]["lr"] == 1e-3
