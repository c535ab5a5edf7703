"""Tests for figures/: quick regeneration of every item into a temporary folder, and the CLI's errors.

This runs the quick sweeps (30 epochs, one seed) for real: every file must exist and hold what it should.
"""
import csv

import matplotlib.image as mpimg
import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.cli import main

EXPECTED = {
    "fig1_shape": ["fig1_shape.png", "fig1_shape.csv"],
    "fig2_bounds": ["fig2_bounds.png", "fig2_bounds.csv"],
    "table6": ["table6.csv", "table6.md"],
    "fig6_ablation": ["fig6_ablation.png", "fig6_ablation.csv", "fig6_ablation.md"],
    "fig7_vanishing": ["fig7_vanishing.png", "fig7_vanishing.csv", "fig7_vanishing_raw_target.png",
                       "fig7_vanishing_raw_target.csv"],
    "fig6_backward": ["fig6_backward.png", "fig6_backward.csv", "fig6_backward.md"],
    "fig8_depth": ["fig8_depth.png", "table7.csv", "table7.md", "table7_raw_target.csv", "table7_raw_target.md"],
    "table8_tabular": ["table8_tabular.png", "table8_tabular.csv", "table8_tabular.md"],
    "table8_tuned": ["table8_tuned.png", "table8_tuned.csv", "table8_tuned.md"],
    "table1_heaviside": ["table1_heaviside.png", "table1_heaviside.csv", "table1_heaviside.md"],
    "appF1_astar": ["appF1_astar.png", "appF1_astar.csv"],
    "deploy": ["deploy.png", "deploy.csv", "deploy.md"],
    "table1_deploy": ["table1_deploy.png", "table1_deploy.csv", "table1_deploy.md"],
    "mnist1d_study": ["mnist1d_study.png", "mnist1d_study_per_seed.csv", "mnist1d_study.md"],
    "mnist1d_fair": ["mnist1d_fair.png", "mnist1d_fair_per_seed.csv", "mnist1d_fair.md", "mnist1d_fair_tail.md",
                     "mnist1d_fair_batchnorm.md", "mnist1d_fair_versus.md", "mnist1d_fair_ladder.md"],
}


@pytest.fixture(scope="module")
def quick_figures(tmp_path_factory, data_home):
    out = tmp_path_factory.mktemp("figures")
    results = tmp_path_factory.mktemp("results")
    with pytest.MonkeyPatch.context() as mp:       # HTAF_DATA for this fixture only, not for later tests
        mp.setenv("HTAF_DATA", str(data_home))
        assert main(["figures", "--quick", "--run", "--out", str(out), "--results", str(results)]) == 0
    return out, results


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_quick_figure_files(quick_figures, name):
    out, _ = quick_figures
    for fname in EXPECTED[name]:
        path = out / fname
        assert path.is_file() and path.stat().st_size > 0, fname
        if fname.endswith(".png"):
            img = mpimg.imread(path)
            assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
        if fname.endswith(".csv"):
            rows = list(csv.reader(open(path)))
            assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), fname


@pytest.mark.slow
def test_quick_tables_have_every_row_and_column(quick_figures):
    out, _ = quick_figures
    table6 = list(csv.reader(open(out / "table6.csv")))
    assert len(table6) == 11 and all(r[-1] == "yes" for r in table6[1:])
    table7 = list(csv.reader(open(out / "table7.csv")))
    assert table7[0][2:] == ["ReLU", "HTAF a=11 b=2", "SS gamma=22"] and len(table7) == 4  # 3 architectures in quick
    raw = list(csv.reader(open(out / "table7_raw_target.csv")))
    assert raw[0] == table7[0] and len(raw) == 4 and all("stuck" in cell for row in raw[1:] for cell in row[2:])
    backward = list(csv.reader(open(out / "fig6_backward.csv")))
    assert [r[0] for r in backward[1:]] == ["exact backward (ours)"] * 3 + ["autograd, float32"] * 3
    table1 = list(csv.reader(open(out / "table1_heaviside.csv")))
    assert [(r[0], r[1]) for r in table1[1:]] == [(n, m) for n in ("SNN", "DHN") for m in ("HTAF", "STE", "SS")]
    assert all(0 <= float(r[3].split("%")[0]) <= 100 for r in table1[1:])
    deploy = list(csv.reader(open(out / "table1_deploy.csv")))
    assert [(r[0], r[1], r[2]) for r in deploy[1:]] == [(net, m, s) for net in ("dhn", "snn") for m, s in (
        ("htaf", "fixed"), ("htaf", "sharpen"), ("htaf", "zone"), ("ss", "fixed"), ("ss", "sharpen"), ("ste", "fixed"))]
    assert all(r[4] == "2" for r in deploy[1:])                   # quick: seeds 0 and 1, paired
    table8 = list(csv.reader(open(out / "table8_tabular.csv")))
    assert [r[0] for r in table8[1:]] == ["abalone", "fico"]
    assert all(cell for cell in table8[1])
    assert "QUICK" in (out / "table8_tabular.md").read_text().upper()


@pytest.mark.slow
def test_figures_only_plot_and_redraw_the_same_numbers(quick_figures, tmp_path, monkeypatch):
    # without --run nothing trains: the sweep would fail here, since training is forbidden
    out, results = quick_figures
    from htaf_theory.experiments import runner

    def no_training(*args, **kwargs):
        raise AssertionError("htaf figures trained without --run")
    monkeypatch.setattr(runner, "run_cells", no_training)
    again = tmp_path / "again"
    assert main(["figures", "table6", "fig7_vanishing", "--quick", "--out", str(again), "--results", str(results)]) == 0
    for name in ("table6.csv", "fig7_vanishing.csv"):
        assert (again / name).read_text() == (out / name).read_text()


def test_default_output_folder_is_under_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HTAF_FIGURES", raising=False)
    assert main(["figures", "table6"]) == 0
    assert (tmp_path / "figures" / "out" / "table6.csv").is_file()


def test_unknown_figure_lists_valid_names(capsys):
    assert main(["figures", "fig99"]) == 2
    err = capsys.readouterr().err
    assert "unknown figure name" in err and "fig7_vanishing" in err and "table8_tabular" in err


def test_missing_results_name_the_experiment(tmp_path, capsys):
    assert main(["figures", "fig6_ablation", "--out", str(tmp_path / "o"), "--results", str(tmp_path / "r")]) == 1
    assert "htaf experiment f1" in capsys.readouterr().err


def test_a_paired_cell_needs_two_seeds():
    # the budget size runs seed 0 only: a table prints "- (n = 1)" there instead of failing
    from htaf_theory.figures.common import paired_text

    def rec(seed, value, dataset="mnist1d"):
        return {"seed": seed, "config": {"dataset": dataset},
                "results": {"metric": "accuracy", "metrics": {"test_binarized": value}}}
    assert paired_text([rec(0, 0.9)], [rec(0, 0.8)]) == ("- (n = 1)", None)
    text, c = paired_text([rec(0, 0.9), rec(1, 0.7), rec(2, 0.8)], [rec(0, 0.8), rec(1, 0.75), rec(2, 0.6)], scale=100,
                          digits=1)
    assert c.n == 3 and text.startswith(f"{100 * c.mean:+.1f} [") and c.method == "paired t, 95%"
    # the digits are resplit per seed: the corrected resampled t, wider by sqrt(1 + n n_test/n_train)
    _, wide = paired_text([rec(s, v, "digits") for s, v in enumerate((0.9, 0.7, 0.8))],
                          [rec(s, v, "digits") for s, v in enumerate((0.8, 0.75, 0.6))])
    assert wide.method.startswith("corrected resampled t")
    assert (wide.high - wide.low) == pytest.approx((c.high - c.low) * (1 + 3 * (0.2 / 0.6)) ** 0.5)


@pytest.mark.slow
def test_every_quick_interval_recomputes_from_its_pairs_file(quick_figures):
    from htaf_theory.figures.common import recompute_pairs
    out, _ = quick_figures
    files = sorted(out.glob("*_pairs.csv"))
    assert files, "no figure wrote its paired values"
    for path in files:
        table = (out / path.name.replace("_pairs.csv", ".md")).read_text()
        for ident, (printed, again) in recompute_pairs(path).items():
            assert printed == again and printed in table, (path.name, ident)
        assert "Multiplicity:" in table
