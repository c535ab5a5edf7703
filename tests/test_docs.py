"""Every Python block of docs/usage.md runs, in order, in one namespace, and every relative link and picture of the
README and docs/ points at a file of the repository: the documented snippets cannot rot."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
USAGE = ROOT / "docs" / "usage.md"


def _blocks() -> list[str]:
    """docs/usage.md's Python blocks, then the README's."""
    return [b for path in (USAGE, ROOT / "README.md") for b in re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)]


def test_usage_has_the_snippets_a_user_needs():
    text = "\n".join(_blocks())
    for needle in ("LIFNode", "snntorch.Leaky", "swap_report", "binarize", "Sharpening", "ZonePenalty", 'backward="double"'):
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


# ---- one voice: a number the README and docs quote is the package's, recomputed here ----------------------

def _facts() -> list:
    """(regex with one number group, the value it must round, what it is): each computed from its one source."""
    import math

    from htaf_theory import params
    from proofs_check.certified import all_certified
    words = {"five": 5, "six": 6, "seven": 7, "eight": 8}
    return [
        (r"a\*\(1\) = (\d+\.\d+)", params.select(0.1, 0.1, radius=1.0).a, "a*(1), params.select(radius=1)"),
        (r"(\d+\.\d+)(?:,? approached)? from above", math.log(9) / 0.1, "L(0.1)/0.1"),
        (r"L\(0\.1\)/0\.1 = (\d+\.\d+)", math.log(9) / 0.1, "L(0.1)/0.1"),
        (r"(?:a = 2, b = 11|\(2, 11\)) has (?:a b = 22 and )?error (\d\.\d+)", float(params.approx_error(2.0, 11.0, 0.1)),
         "approx_error(2, 11, 0.1)"),
        (r"\(5, 4\.4\) has error (\d\.\d+)", float(params.approx_error(5.0, 4.4, 0.1)), "approx_error(5, 4.4, 0.1)"),
        (r"log 99 = (\d+\.\d+)", math.log(99), "log 99"),
        (r"\b(five|six|seven|eight|\d+) inequalities", len(all_certified()), "committed certificates"),
    ], words


def number_mismatches(text: str, where: str) -> list:
    """Each quoted number of ``text`` that a fact's regex finds and that does not round the fact's value."""
    facts, words = _facts()
    bad = []
    for pattern, value, what in facts:
        for m in re.finditer(pattern, text):
            quoted = m.group(1)
            if quoted in words or quoted.isdigit():
                if int(words.get(quoted, quoted)) != value:
                    bad.append(f"{where}: {m.group(0)!r}, but {what} is {value}")
                continue
            digits = len(quoted.split(".")[1])
            if abs(float(quoted) - value) > 0.5 * 10 ** -digits + 1e-12:
                bad.append(f"{where}: {m.group(0)!r}, but {what} is {value:.6g}")
    return bad


def test_numbers_quoted_in_readme_and_docs_are_the_packages():
    pytest.importorskip("flint")
    bad = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        if path.name != "claims.md":                 # generated from the same sources
            bad += number_mismatches(path.read_text(), path.name)
    assert not bad, "\n".join(bad)


def test_a_planted_mismatch_is_found():
    pytest.importorskip("flint")
    assert number_mismatches("the peak is at a*(1) = 7.12 on the grid", "x")
    assert number_mismatches("for five inequalities", "x")
    assert number_mismatches("a = 2, b = 11 has error 0.171", "x")
    assert not number_mismatches("a*(1) = 7.03 and log 99 = 4.595", "x")


def _api_modules() -> list[str]:
    return sorted(p.stem for p in (ROOT / "docs" / "api").glob("*.rst") if p.stem != "index")


def test_the_site_builds_without_a_warning_and_lists_every_public_name(tmp_path, monkeypatch):
    """docs/: one Sphinx site, the Markdown guides (myst-parser) beside the API reference (autodoc + napoleon, one
    page per module), warnings as errors (-W); every name of every documented module's __all__ is in the built
    inventory, with a docstring of its own; no entry of the reference is empty; version and source pages."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("torch")
    pytest.importorskip("flint")
    import importlib
    import inspect
    import subprocess
    import sys

    from sphinx.util.inventory import InventoryFile
    import re

    from htaf_theory import __version__
    monkeypatch.setenv("HTAF_DOCS_OFFLINE", "1")          # intersphinx would fetch inventories from the web
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-b", "html", "-q", str(ROOT / "docs"),
                           str(tmp_path / "html")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = tmp_path / "html"
    for page in ("index", "usage", "theory", "reproduction", "performance", "architecture", "claims", "api/index"):
        assert (site / f"{page}.html").exists(), page
    assert __version__.split("+")[0] in (site / "index.html").read_text()
    assert (site / "_modules" / "htaf_theory" / "core.html").exists()            # viewcode
    empty = []
    for page in (site / "api").glob("*.html"):
        for m in re.finditer(r'<dt class="sig sig-object py" id="([^"]+)">.*?</dt>\s*<dd>(.*?)</dd>', page.read_text(), re.S):
            if not re.sub("<[^>]+>", "", m.group(2)).strip():
                empty.append(m.group(1))
    assert not empty, empty
    with open(site / "objects.inv", "rb") as fh:
        inventory = InventoryFile.load(fh, "", lambda base, uri: uri)
    documented = {name for kind in inventory.values() for name in kind}
    missing, undocumented = [], []
    for module_name in _api_modules():
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue                  # constants are described in the module's docstring
            if obj.__module__ != module_name and module_name != "htaf_theory.nn":
                continue                  # a re-export: documented on its own module's page
            if {f"{obj.__module__}.{obj.__qualname__}", f"{module_name}.{name}"}.isdisjoint(documented):
                missing.append(f"{module_name}.{name}")
            if not (obj.__doc__ or "").strip():
                undocumented.append(f"{module_name}.{name}")
    assert not missing and not undocumented, (missing, undocumented)


def test_every_public_module_has_its_page():
    pages = set(_api_modules())
    modules = {f"htaf_theory.{p.relative_to(ROOT / 'htaf_theory').with_suffix('').as_posix().replace('/', '.')}"
               for p in (ROOT / "htaf_theory").rglob("*.py") if not p.name.startswith("_")}
    modules |= {f"htaf_theory.{p.parent.relative_to(ROOT / 'htaf_theory').as_posix().replace('/', '.')}"
                for p in (ROOT / "htaf_theory").rglob("__init__.py") if p.parent != ROOT / "htaf_theory"}
    modules |= {f"proofs_check.{p.stem}" for p in (ROOT / "proofs_check").glob("*.py") if not p.name.startswith("_")}
    modules |= {"htaf_theory.figures", "htaf_theory.figures.common"}
    modules -= {"htaf_theory.experiments", "proofs_check.common", "proofs_check.mutants"}   # packaging, test support
    assert modules - pages == set(), sorted(modules - pages)


def test_the_environment_variable_table_is_what_the_code_reads():
    import re
    code = "".join(p.read_text() for p in (ROOT / "htaf_theory").rglob("*.py")) + \
        "".join(p.read_text() for p in (ROOT / "figures").rglob("*.py")) + \
        "".join(p.read_text() for p in (ROOT / "proofs_check").rglob("*.py"))
    read = set(re.findall(r'"(HTAF_[A-Z_]+)"', code)) - {"HTAF_FWD", "HTAF_FWD_GRAD", "HTAF_BWD", "HTAF_NO_SUCH_VARIABLE"}
    usage = (ROOT / "docs" / "usage.md").read_text()
    table = usage[usage.index("## Environment variables"):usage.index("## Errors and recovery")]
    listed = set(re.findall(r"^\| `(HTAF_[A-Z_]+)`", table, re.M))
    assert read == listed, (sorted(read - listed), sorted(listed - read))
    assert len(listed) <= 9            # a new variable is a new way to differ between machines: few, each documented


def _words(text: str) -> str:
    """Lower-case words, punctuation and single letters dropped: the paper's text lost its formulas ("for large ,"),
    so "for large x" is compared as "for large"."""
    import re
    return " ".join(w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 1 or w.isdigit())


def _quotes_attributed_to_the_paper(text: str) -> list:
    """Phrases in double quotes, or single quotes not part of a word, within a clause after "the paper" / "paper's" /
    "its text" (the way the docs attribute a quotation)."""
    import re
    flat = re.sub(r"\s+", " ", text)
    quote = r"""(?:"([A-Za-z0-9(][^"]{1,158}[A-Za-z0-9)])"|(?<![A-Za-z])'([A-Za-z0-9(][^']{1,158}[A-Za-z0-9)])'(?![A-Za-z]))"""
    found = []
    for m in re.finditer(r"(?:the paper\b|paper's|its text|the text)([^.;]{0,100}?)" + quote, flat, re.I):
        phrase = (m.group(2) or m.group(3)).strip()
        if "`" not in phrase and not phrase.startswith(("not ", "-m")):
            found.append(phrase)
    return found


def test_every_phrase_the_docs_quote_from_the_paper_is_in_its_text():
    paper = _words((ROOT.parent / "shared" / "paper" / "htaf_paper_text.txt").read_text()) \
        if (ROOT.parent / "shared" / "paper").is_dir() else None
    if paper is None:
        pytest.skip("the paper's text is not beside the repository")
    missing = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for phrase in _quotes_attributed_to_the_paper(doc.read_text()):
            if _words(phrase) and _words(phrase) not in paper:
                missing.append(f"{doc.name}: {phrase!r}")
    assert not missing, missing


def test_a_paraphrase_in_quotation_marks_is_found():
    planted = 'The paper says "reducing b helps" with vanishing gradients.'
    paper = _words((ROOT.parent / "shared" / "paper" / "htaf_paper_text.txt").read_text()) \
        if (ROOT.parent / "shared" / "paper").is_dir() else "excessively large"
    assert _quotes_attributed_to_the_paper(planted) == ["reducing b helps"]
    assert _words("reducing b helps") not in paper


def test_the_citation_names_the_package_version():
    import htaf_theory
    text = (ROOT / "CITATION.cff").read_text()
    assert f"version: {htaf_theory.__version__}" in text and (ROOT / "LICENSE").read_text().startswith("MIT License")
