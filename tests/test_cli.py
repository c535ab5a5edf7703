"""Tests for the ``htaf`` command line."""
import json
import subprocess
import sys

import pytest

from htaf_theory.cli import main


def test_params_with_a(capsys):
    assert main(["params", "--eps", "0.1", "--delta", "0.1", "--a", "10"]) == 0
    out = capsys.readouterr().out
    assert "2.23364" in out and "slope at 0" in out and "tail constant" in out


def test_params_json(capsys):
    assert main(["params", "--eps", "0.1", "--delta", "0.1", "--radius", "1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["approx_error"] <= 0.1 and data["radius"] == 1.0


def test_table6(capsys):
    assert main(["params", "--table6"]) == 0
    out = capsys.readouterr().out
    for v in ("4.72", "2.24", "1.11", "0.74", "0.55", "0.44", "0.22", "0.05", "0.022", "0.005"):
        assert v in out


def test_missing_optional_dependency_is_one_line(monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_flint(name, *args, **kwargs):
        if name == "flint" or name.startswith("proofs_check"):
            raise ModuleNotFoundError("No module named 'flint'", name="flint")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_flint)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "needs the optional package 'flint'" in err and len(err.strip().splitlines()) == 1


def test_missing_spikingjelly_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    import builtins
    real_import = builtins.__import__

    def no_spikingjelly(name, *args, **kwargs):
        if name.startswith("spikingjelly"):
            raise ModuleNotFoundError("No module named 'spikingjelly'", name="spikingjelly")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_spikingjelly)
    from htaf_theory.experiments import sweeps
    monkeypatch.setattr(sweeps, "T1_NETS", ("snn",))
    assert main(["experiment", "t1", "--quick", "--workers", "1", "--results", str(tmp_path)]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "needs the optional package 'spikingjelly'" in last and "--no-deps spikingjelly==2.0.0" in last


@pytest.mark.parametrize("argv, word", [
    (["params", "--table6", "--delta", "1e-320"], "delta"),
    (["params", "--table6", "--eps", "1e-320"], "eps=1e-320 needs a > min_a"),   # not "got a=5.0": no a was given
    (["experiment", "f21", "--quick", "--results", "/etc/passwd/sub"], "Not a directory"),
    (["figures", "fig1_shape", "--out", "/proc/no-such-dir/x"], "No such file"),
    (["experiment", "f21", "--quick", "--data-home", "/etc/passwd"], "data_home must be a folder"),
    (["params", "--eps", "0.7", "--delta", "0.1"], "eps"),
    (["params", "--eps", "0.1", "--delta", "-1"], "delta"),
    (["params", "--eps", "0.1", "--delta", "0.1", "--a", "1"], "a must exceed"),
    (["params", "--eps", "0.1", "--delta", "0.1", "--radius", "0.01"], "radius"),
    (["experiment", "nope"], "'b3rate']"),          # every valid name listed, the Thm B.3 simulation included
])
def test_bad_input_one_line_no_traceback(argv, word):
    proc = subprocess.run([sys.executable, "-m", "htaf_theory.cli", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert word in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["experiment f1", "figures --run"])
@pytest.mark.parametrize("workers", ["0", "-2", "two"])
def test_bad_workers_is_refused_before_any_data_is_touched(command, workers, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HTAF_DATA", str(tmp_path / "nowhere"))     # a download would be attempted after parsing
    with pytest.raises(SystemExit) as exit_:
        main([*command.split(), "--workers", workers, "--results", str(tmp_path)])
    assert exit_.value.code == 2
    assert f"workers must be an integer >= 1; got workers='{workers}'" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_internal_bug_keeps_its_traceback(monkeypatch):
    # only the library's InvalidParameterError, OS errors on given paths and missing optional extras are
    # one-line errors; a plain ValueError or an internal import error is a bug and must surface
    from htaf_theory import cli, params

    def broken(*args, **kwargs):
        raise ValueError("internal bug")
    monkeypatch.setattr(params, "select", broken)
    with pytest.raises(ValueError, match="internal bug"):
        cli.main(["params", "--eps", "0.1", "--delta", "0.1", "--a", "10"])

    def typo(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'htaf_theory.nonexistent'", name="htaf_theory.nonexistent")
    monkeypatch.setattr(params, "select", typo)
    with pytest.raises(ModuleNotFoundError):
        cli.main(["params", "--eps", "0.1", "--delta", "0.1", "--a", "10"])


def test_ctrl_c_in_params_does_not_promise_saved_cells(monkeypatch, capsys):
    from htaf_theory import cli, params

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(params, "select", interrupted)
    assert cli.main(["params", "--eps", "0.1", "--delta", "0.1", "--a", "10"]) == 130
    assert "saved" not in capsys.readouterr().err


def test_check_writes_the_report_only_when_asked(monkeypatch, tmp_path):
    from proofs_check import report
    calls = []
    monkeypatch.setattr(report, "run_report", lambda **kw: calls.append(kw) or 0)
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0 and calls[-1]["write_docs"] is False and calls[-1]["progress"] is not None
    assert main(["check", "--report-dir", str(tmp_path / "r")]) == 0 and calls[-1]["write_docs"] is True
    assert main(["check", "--write"]) == 0 and calls[-1]["write_docs"] is True
    assert not (tmp_path / "docs" / "claims.md").exists()


@pytest.mark.perf
def test_check_refuses_a_report_dir_that_is_a_file_before_checking(tmp_path):
    import time
    target = tmp_path / "a-file"
    target.write_text("")
    started = time.time()
    proc = subprocess.run([sys.executable, "-m", "htaf_theory.cli", "check", "--report-dir", str(target)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "a-file" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert time.time() - started < 20                          # the whole check takes 30-45 s


def test_figures_help_lists_every_figure_and_what_it_needs(capsys):
    from htaf_theory.figures import FIGURES
    with pytest.raises(SystemExit):
        main(["figures", "--help"])
    out = capsys.readouterr().out
    for name, module in FIGURES.items():
        assert name in out
        for sweep in module.SWEEPS:
            assert sweep in out
    assert "needs: f21, f21raw" in out


def test_a_figure_whose_inputs_are_missing_writes_nothing(monkeypatch, tmp_path, capsys):
    import types

    import htaf_theory.figures as figs
    from htaf_theory.experiments.sweeps import MissingResultsError

    def make(ctx):
        ctx.path("half.csv").write_text("made before the second input was found missing")
        raise MissingResultsError("f21raw has no results")
    fake = types.SimpleNamespace(NAME="fake", SWEEPS=("f21raw",), make=make, __doc__="A fake figure.")
    monkeypatch.setitem(figs.FIGURES, "fake", fake)
    assert figs.run_figures(["fake"], size="quick", out_dir=tmp_path / "out", results_dir=tmp_path / "res") == 1
    assert list((tmp_path / "out").iterdir()) == []
    assert "nothing written" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--radius", "2"], [], ["--eps", "0.05", "--delta", "0.3"], ["--delta", "1", "--a", "2.2"]])
def test_the_printed_pair_keeps_its_bound(args, capsys):
    from htaf_theory.params import approx_error
    assert main(["params", *args]) == 0
    out = dict(line.rsplit(None, 1) for line in capsys.readouterr().out.splitlines() if line.strip())
    a, b = float(out["a (outer gain)"]), float(out["b (inner slope)"])
    eps, delta = float(out["eps"]), float(out["delta"])
    assert float(approx_error(a, b, delta)) <= eps


def test_version(capsys):
    import htaf_theory
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"htaf {htaf_theory.__version__}"


def test_check_runs_the_claims_named(capsys):
    assert main(["check", "thm3.2.b", "sec3.2.width"]) == 0
    out = capsys.readouterr().out
    assert "2 claims: 2 verified" in out and "prop3.1.suff" not in out
    assert max(len(line) for line in out.splitlines()) <= 120


def test_check_refuses_an_unknown_claim_and_a_partial_report(capsys):
    assert main(["check", "thm9.9"]) == 2
    assert "unknown claim id(s) ['thm9.9']" in capsys.readouterr().err
    assert main(["check", "thm3.2.b", "--write"]) == 2


def test_kernels_command_says_where_and_announces_a_build_once(tmp_path, monkeypatch, capsys):
    from htaf_theory.nn import _native
    monkeypatch.setenv("HTAF_KERNEL_CACHE", str(tmp_path))
    monkeypatch.delenv("HTAF_QUIET", raising=False)
    assert main(["kernels"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "none yet" in out
    if _native._compiler() is None:
        pytest.skip("no C compiler")
    path = _native.compile_library(_native.SOURCE.read_text(), tmp_path)
    err = capsys.readouterr().err
    assert err.count("building the native float32 kernels") == 1 and str(tmp_path) in err
    assert _native.compile_library(_native.SOURCE.read_text(), tmp_path) == path       # built: no second line
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("HTAF_QUIET", "1")
    _native.announce("anything")
    assert capsys.readouterr().err == ""
    assert main(["kernels"]) == 0 and path.name in capsys.readouterr().out


def test_experiment_help_lists_every_sweep_with_its_sizes_and_figures(capsys):
    from htaf_theory.experiments.sweeps import SWEEPS
    with pytest.raises(SystemExit):
        main(["experiment", "--help"])
    out = capsys.readouterr().out
    for name, sweep in SWEEPS.items():
        assert f"  {name}: {len(sweep.cells('quick'))} / {len(sweep.cells('budget'))} / {len(sweep.cells('full'))} cells" in out
    assert "  b3rate: " in out and "figures: mnist1d_fair" in out
