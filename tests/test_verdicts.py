"""Every verdict a reader sees is recomputable from committed data.

figures/out holds, beside each table, the per-seed (or per-split) values its intervals were computed from:
``<name>_pairs.csv`` (every paired interval a figure printed, via ``figures.common.paired_text``) and, for the
MNIST-1D study, ``mnist1d_study_per_seed.csv`` (every record's scores). These tests recompute each interval and mean
from those files alone and find it in the committed table; the README's and docs' MNIST-1D numbers must be in those
tables. A planted wrong number fails them.
"""
import re
import shutil
from pathlib import Path

import pytest

from htaf_theory.figures import mnist1d_study
from htaf_theory.figures.common import recompute_pairs

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "figures" / "out"
INTERVAL = re.compile(r"[+-]\d+\.\d+ \[[+-]\d+\.\d+, [+-]\d+\.\d+\]")


def _pairs_files():
    return sorted(OUT.glob("*_pairs.csv"))


@pytest.mark.parametrize("path", _pairs_files(), ids=lambda p: p.name)
def test_every_committed_interval_recomputes_from_its_pairs_file(path):
    table = (OUT / path.name.replace("_pairs.csv", ".md")).read_text()
    for ident, (printed, again) in recompute_pairs(path).items():
        assert printed == again, (ident, printed, again)
        assert printed in table, (ident, printed)


def test_a_planted_wrong_value_in_a_pairs_file_is_found(tmp_path):
    files = _pairs_files()
    if not files:
        pytest.skip("no committed pairs file yet")
    planted = tmp_path / files[0].name
    lines = files[0].read_text().splitlines()
    fields = lines[1].split(",")
    header = lines[0].split(",")
    i = header.index("a_value")
    fields[i] = repr(float(fields[i]) + 0.05)
    lines[1] = ",".join(fields)
    planted.write_text("\n".join(lines) + "\n")
    assert any(printed != again for printed, again in recompute_pairs(planted).values())


STUDY = OUT / "mnist1d_study_per_seed.csv"
needs_study = pytest.mark.skipif(not STUDY.exists(), reason="the MNIST-1D study's per-seed data is not committed")


def _study_cells(rows) -> set:
    t = mnist1d_study.tables(rows)
    return {str(c) for row in t["rows"] + t["decomposition"] for c in row}


@needs_study
def test_the_study_tables_recompute_from_the_committed_per_seed_data():
    rows = mnist1d_study.read_rows(STUDY)
    committed = (OUT / "mnist1d_study.md").read_text() + (OUT / "mnist1d_study_decomposition.md").read_text()
    for cell in _study_cells(rows):
        assert f"| {cell} |" in committed or f"| {cell}\n" in committed, cell
    counts = mnist1d_study.tables(rows)["counts"]
    assert f"The study reports {counts['intervals']} intervals" in committed


@needs_study
def test_a_planted_wrong_score_changes_the_study_tables(tmp_path):
    rows = mnist1d_study.read_rows(STUDY)
    i = next(k for k, r in enumerate(rows) if r["metric"] == "test_binarized" and r["role"] == "choice")
    planted = [dict(r) for r in rows]
    planted[i]["value"] = repr(float(planted[i]["value"]) - 0.02)
    assert _study_cells(planted) != _study_cells(rows)


@needs_study
def test_the_readme_and_docs_quote_only_recomputed_study_numbers():
    committed = "".join(p.read_text() for p in OUT.glob("mnist1d_study*.md"))
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for line in doc.read_text().splitlines():
            if "MNIST-1D" in line or "mnist1d" in line:
                for quoted in INTERVAL.findall(line):
                    assert quoted in committed, (doc.name, quoted)


def test_the_docs_check_would_find_a_planted_number(tmp_path):
    committed = "+1.00 [+0.50, +1.50]: better"
    line = "MNIST-1D: HTAF beats STE by +1.10 [+0.50, +1.50]"
    assert any(q not in committed for q in INTERVAL.findall(line))
    shutil.rmtree(tmp_path)
