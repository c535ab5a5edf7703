"""htaf_theory.experiments.b3rate: the Thm B.3 simulation's cells are stored and resumed like any cell."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

from htaf_theory.experiments.store import ResultStore


def test_b3rate_cells_carry_their_config_and_resume(tmp_path, capsys):
    from htaf_theory.experiments.b3rate import B3Cell, B3Config, run_b3rate
    cfg = B3Config(n_grid=(40, 80), seeds=(0,), epochs=20, test_points=256, width=8)
    summary = run_b3rate(results_dir=tmp_path, cfg=cfg, workers=1)
    cells = [p for p in (tmp_path / "b3rate").glob("*.json") if p.name != "summary.json"]
    assert len(cells) == 2
    record = json.loads(cells[0].read_text())
    assert record["config"]["epochs"] == 20 and record["seed"] == 0 and record["versions"]["htaf_theory"]
    assert ResultStore(tmp_path / "b3rate").load(B3Cell.from_dict(record["config"])) == record   # validated as any cell
    assert set(summary["mean_risk"]) == {"40", "80"} or set(summary["mean_risk"]) == {40, 80}
    assert summary["minimax_exponent"] == -0.5 and np.isfinite(summary["fitted_slope"])
    before = {p: p.stat().st_mtime_ns for p in cells}
    run_b3rate(results_dir=tmp_path, cfg=cfg, workers=1)      # a rerun skips finished cells
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    assert "fitted slope" in capsys.readouterr().out
