"""Every Python block of docs/usage.md runs, in order, in one namespace, and every relative link and picture of the
README and docs/ points at a file of the repository: the documented snippets cannot rot."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "docs" / "usage.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", USAGE.read_text(), flags=re.S)


def test_usage_has_the_snippets_the_issues_ask_for():
    text = "\n".join(_blocks())
    for needle in ("LIFNode", "snntorch.Leaky", "swap_report", "binarize"):
        assert needle in text, needle


def test_every_usage_block_runs(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("spikingjelly")
    pytest.importorskip("snntorch")
    pytest.importorskip("flint")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, block in enumerate(_blocks()):
        try:
            exec(compile(block, f"docs/usage.md block {i}", "exec"), namespace)
        except Exception as err:  # noqa: BLE001
            raise AssertionError(f"docs/usage.md python block {i} fails: {type(err).__name__}: {err}\n{block}") from err


def broken_links(markdown: Path) -> list[str]:
    """The relative link and image targets of a markdown file (``](target)``) that name no existing file."""
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", markdown.read_text()):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):     # a URL or an anchor of this page
            continue
        if not (markdown.parent / target.split("#")[0]).exists():
            broken.append(target)
    return broken


@pytest.mark.parametrize("markdown", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))], ids=lambda p: p.name)
def test_every_relative_link_and_picture_exists(markdown):
    assert broken_links(markdown) == []


def test_a_broken_link_is_found(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "here.png").write_bytes(b"")
    page.write_text("![ok](here.png) [web](https://example.org) [anchor](#top) ![gone](figures/missing.png) [x](here.png#a)")
    assert broken_links(page) == ["figures/missing.png"]
