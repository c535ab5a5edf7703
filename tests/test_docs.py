"""Every Python block of docs/usage.md runs, in order, in one namespace: the documented snippets cannot rot."""
import re
from pathlib import Path

import pytest

USAGE = Path(__file__).resolve().parent.parent / "docs" / "usage.md"


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
