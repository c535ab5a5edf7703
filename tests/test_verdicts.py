"""Every verdict a reader sees is recomputable from committed data.

figures/out holds, beside each table, the per-seed (or per-split) values its intervals were computed from:
``<name>_pairs.csv`` (every paired interval a figure printed, via ``figures.common.paired_text``),
``<name>_values.csv`` (every mean it printed, via ``figures.common.mean_text``) and, for the MNIST-1D study,
``mnist1d_study_per_seed.csv`` (every record's scores). These tests recompute each interval and mean
from those files alone and find it in the committed table; every interval the README and docs quote must be in those
tables. A planted wrong number fails them.
"""
import re
from pathlib import Path

import pytest

from htaf_theory.figures import mnist1d_study
from htaf_theory.figures.common import recompute_pair_means, recompute_pairs, recompute_values

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "figures" / "out"
INTERVAL = re.compile(r"[+-]\d+\.\d+ \[[+-]\d+\.\d+, [+-]\d+\.\d+\]")


def _pairs_files():
    return sorted(OUT.glob("*_pairs.csv"))


def _table(path) -> str:
    """The committed table a per-unit file belongs to."""
    return (OUT / re.sub(r"_(pairs|values)\.csv$", ".md", path.name)).read_text()


# a paired interval may sit inside a table's notes (Fig. 6); a mean is always a whole cell
RECOMPUTE = {"pairs": (recompute_pairs, "{}"), "values": (recompute_values, "| {} |")}


@pytest.mark.parametrize("path", _pairs_files() + sorted(OUT.glob("*_values.csv")), ids=lambda p: p.name)
def test_every_committed_interval_and_mean_recomputes_from_its_per_unit_file(path):
    recompute, shown = RECOMPUTE[path.stem.rsplit("_", 1)[1]]
    table = _table(path)
    for ident, (printed, again) in recompute(path).items():
        assert printed == again, (ident, printed, again)
        assert shown.format(printed) in table, (ident, printed)


def _printed(value: float, digits: int, table: str) -> bool:
    """Whether ``value`` appears in ``table`` at the interval's precision, or one digit less as a percentage."""
    return f"{value:.{digits}f}" in table or f"{value:.{digits - 1}f}%" in table


@pytest.mark.parametrize("path", _pairs_files(), ids=lambda p: p.name)
def test_every_compared_mean_recomputes_from_its_pairs_file(path):
    table = _table(path)
    for ident, (mean_a, mean_b, digits) in recompute_pair_means(path).items():
        for m in (mean_a, mean_b):
            assert _printed(m, digits, table), (ident, m)


def _planted(source, column: str, tmp_path):
    """A copy of ``source`` whose first row's ``column`` is 0.05 larger."""
    lines = source.read_text().splitlines()
    i = lines[0].split(",").index(column)
    fields = lines[1].split(",")
    fields[i] = repr(float(fields[i]) + 0.05)
    planted = tmp_path / source.name
    planted.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n")
    return planted


def test_a_planted_wrong_value_in_a_values_file_is_found(tmp_path):
    planted = _planted(OUT / "table8_tuned_values.csv", "value", tmp_path)
    assert any(printed != again for printed, again in recompute_values(planted).values())


def test_a_planted_wrong_value_in_a_pairs_file_is_found(tmp_path):
    source = OUT / "deploy_pairs.csv"
    planted = _planted(source, "a_value", tmp_path)
    assert any(printed != again for printed, again in recompute_pairs(planted).values())
    table = _table(source)
    assert not all(_printed(m, d, table) for a, b, d in recompute_pair_means(planted).values() for m in (a, b))


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


FAIR = OUT / "mnist1d_fair_per_seed.csv"
needs_fair = pytest.mark.skipif(not FAIR.exists(), reason="the width-matched study's per-seed data is not committed")


def _fair_cells(rows) -> set:
    from htaf_theory.figures import mnist1d_fair
    t = mnist1d_fair.tables(rows, 8)
    return {str(c) for key in ("rows", "versus", "tail", "batchnorm", "ladder") for row in t[key] for c in row}


@needs_fair
def test_the_width_matched_tables_recompute_from_the_committed_per_seed_data():
    from htaf_theory.figures import mnist1d_fair
    rows = mnist1d_fair.read_rows(FAIR)
    committed = "".join((OUT / f"mnist1d_fair{suffix}.md").read_text()
                        for suffix in ("", "_versus", "_tail", "_batchnorm", "_ladder"))
    for cell in _fair_cells(rows):
        assert f"| {cell} |" in committed or f"| {cell}\n" in committed, cell
    counts = mnist1d_fair.tables(rows, 8)["counts"]
    assert f"The study prints {counts['intervals']} difference intervals ({counts['labels']} labelled" in committed


@needs_fair
@pytest.mark.parametrize("role, metric", [("choice", "test_binarized"), ("deep", "test_binarized"),
                                          ("choice", "test_binarized_recal"), ("candidate", "val_binarized")])
def test_a_planted_wrong_score_changes_the_width_matched_tables(role, metric):
    from htaf_theory.figures import mnist1d_fair
    rows = mnist1d_fair.read_rows(FAIR)
    i = next(k for k, r in enumerate(rows) if r["metric"] == metric and r["role"] == role)
    planted = [dict(r) for r in rows]
    planted[i]["value"] = repr(float(planted[i]["value"]) - 0.02)
    assert _fair_cells(planted) != _fair_cells(rows)


BRACKET = re.compile(r"\[[+-]\d+\.\d+, [+-]\d+\.\d+\]")
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

def _recomputed_tables() -> str:
    """The committed tables whose every interval the tests above recompute from committed per-unit data."""
    tables = [OUT / p.name.replace("_pairs.csv", ".md") for p in _pairs_files()]
    tables += sorted(OUT.glob("mnist1d_study*.md")) if STUDY.exists() else []
    tables += sorted(OUT.glob("mnist1d_fair*.md")) if FAIR.exists() else []
    return "".join(t.read_text() for t in tables)


def _quoted(text: str) -> tuple[list, list]:
    """(intervals with their mean, bare intervals) quoted in ``text``, line breaks read as spaces (prose wraps)."""
    flat = re.sub(r"\s+", " ", text)
    return INTERVAL.findall(flat), BRACKET.findall(flat)


def test_every_interval_the_readme_and_docs_quote_is_in_a_recomputed_table():
    committed = _recomputed_tables()
    for doc in DOCS:
        with_mean, bare = _quoted(doc.read_text())
        for quoted in with_mean + bare:
            assert quoted in committed, (doc.name, quoted)


def test_the_count_of_intervals_reproduction_md_states_is_its_own():
    text = (ROOT / "docs" / "reproduction.md").read_text()
    stated = re.search(r"This page quotes (\d+) distinct intervals", re.sub(r"\s+", " ", text))
    assert stated and int(stated.group(1)) == len(set(_quoted(text)[1]))


MULTIPLICITY = re.compile(r"Multiplicity: (\d+) intervals, (\d+|none) labelled")


def test_every_multiplicity_the_docs_state_is_a_committed_tables():
    tables = set(re.findall(r"Multiplicity: (\d+) paired intervals on this page, (\d+) labelled", _recomputed_tables()))
    stated = MULTIPLICITY.findall(re.sub(r"\s+", " ", (ROOT / "docs" / "reproduction.md").read_text()))
    assert stated
    for n, labelled in stated:
        assert (n, "0" if labelled == "none" else labelled) in tables, (n, labelled)


def test_the_docs_check_would_find_a_planted_number():
    committed = "+1.00 [+0.50, +1.50]: better"
    with_mean, bare = _quoted("HTAF beats STE by +1.10 [+0.50,\n  +1.50] and by [+0.40, +1.60]")
    assert with_mean == ["+1.10 [+0.50, +1.50]"] and any(q not in committed for q in with_mean)
    assert "[+0.40, +1.60]" in bare and "[+0.40, +1.60]" not in committed
