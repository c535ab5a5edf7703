"""The repository passes ruff with the rules pyproject.toml selects (pyflakes, syntax, line length, bugbear)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = subprocess.run([ruff, "check", "htaf_theory", "proofs_check", "tests", "figures", "benchmarks"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_type_checker_is_clean_on_the_numerical_core():
    # pyproject.toml [tool.mypy]: the modules under the checker, the core ones fully annotated
    pytest.importorskip("mypy")
    proc = subprocess.run([sys.executable, "-m", "mypy"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_type_checker_would_catch_an_unannotated_core_function(tmp_path):
    # the wrong variant: a public core function without annotations fails the check
    pytest.importorskip("mypy")
    bad = tmp_path / "core_like.py"
    bad.write_text("def htaf(x, a, b):\n    return x\n")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--disallow-untyped-defs", "--no-incremental", str(bad)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "missing a type annotation" in proc.stdout


def test_no_tracker_numbers_or_session_notes_in_code_or_docs():
    # users never see the tracker: code and docs give the reason, not a ticket number; history belongs to CHANGELOG
    import re
    pattern = re.compile(r"\b(issue|ticket)[ -]?#?\d+|\bthis session\b|\bsession \d", re.IGNORECASE)
    tracked = subprocess.run(["git", "ls-files"], capture_output=True, text=True, cwd=ROOT).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    hits = []
    for name in tracked:
        if name in ("CHANGELOG.md", "tests/test_lint.py") or not name.endswith((".py", ".md", ".c", ".sh", ".toml", ".rst")):
            continue
        path = ROOT / name
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(line):
                hits.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not hits, "\n".join(hits)
    assert pattern.search("see issue 10") and pattern.search("Issue #3") and not pattern.search("tissue 5x")
