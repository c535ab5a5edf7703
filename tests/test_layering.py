"""Imports run one way (docs/architecture.md): numerics <- nn <- diagnostics, data <- experiments <- cli, figures;
proofs_check uses htaf_theory and never the reverse; a private module (``_name``) is imported only from inside
its own package; and no two modules import each other, directly or round a loop. Every import statement counts,
including the ones inside functions and methods (a config imports no trainer)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: layer of each part of the package (longest prefix wins); a module may import only its own layer or lower ones
LAYERS = {
    "htaf_theory": 0, "htaf_theory.validation": 0, "htaf_theory.outputs": 0, "htaf_theory.core": 0,
    "htaf_theory.params": 0, "htaf_theory.tails": 0, "htaf_theory.precise": 0, "htaf_theory.symbolic": 0,
    "htaf_theory.accuracy": 0, "htaf_theory.plotting": 0,
    "htaf_theory.nn": 1,
    "htaf_theory.diagnostics": 2, "htaf_theory.data": 2,
    "htaf_theory.experiments": 3,
    "htaf_theory.cli": 4, "htaf_theory.figures": 4,
    "proofs_check": 5,
}
#: the one way up: ``htaf check`` is the command line's entry to the checker
ALLOWED_UP = {("htaf_theory.cli", "proofs_check")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "figures":                      # installed as htaf_theory.figures (pyproject's package-dir)
        parts = ["htaf_theory", *parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_sources() -> dict:
    files = [*ROOT.glob("htaf_theory/**/*.py"), *ROOT.glob("proofs_check/**/*.py"), *ROOT.glob("figures/*.py")]
    return {_module_name(p): (p.read_text(), p.name == "__init__.py") for p in files}


def _layer(module: str) -> int | None:
    best = max((k for k in LAYERS if module == k or module.startswith(k + ".")), key=len, default=None)
    return None if best is None else LAYERS[best]


def _imports(module: str, source: str, is_package: bool) -> set:
    """Every module this source imports (absolute names), at any depth of the code (inside functions and methods
    too: a lazy import is still an edge of the house)."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)   # `from . import params` names a module
    return found


def layering_violations(sources: dict) -> list:
    """Each import that runs against the layers, reaches into another package's private module, or closes a loop."""
    modules = set(sources)
    problems, edges = [], {}
    for module, (source, is_package) in sources.items():
        own = _layer(module)
        targets = {t for t in _imports(module, source, is_package) if t in modules}
        edges[module] = {t for t in targets if t != module and not module.startswith(t + ".")}
        for target in targets:
            if _layer(target) is not None and own is not None and _layer(target) > own and not any(
                    module.startswith(a) and target.startswith(b) for a, b in ALLOWED_UP):
                problems.append(f"{module} (layer {own}) imports {target} (layer {_layer(target)})")
            parts = target.split(".")
            for i, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__"):
                    owner = ".".join(parts[:i])
                    if not (module == owner or module.startswith(owner + ".")):
                        problems.append(f"{module} imports the private module {target} of another package")
                    break
    # loops: a package importing its own submodules is how packages work; count only module -> module edges
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in edges.items()}
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open" and not (sources[nxt][1] or sources[node][1]):
                problems.append("import loop: " + " -> ".join([*path[path.index(nxt):], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"
    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    return problems


def test_imports_run_one_way():
    problems = layering_violations(package_sources())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module, planted, why", [
    ("htaf_theory.core", "from .experiments import train", "imports htaf_theory.experiments.train"),
    ("htaf_theory.accuracy", "from proofs_check import engine", "imports proofs_check"),
    ("htaf_theory.experiments.train", "from ..nn._native import library", "private module"),
    ("htaf_theory.nn._native", "def f():\n    from . import _kernels", "import loop"),
    ("htaf_theory.experiments.config", "def f():\n    from .train import run_cell", "import loop"),
    ("htaf_theory.experiments.config", "class C:\n    def fit(self):\n        from .train import run_cell", "import loop"),
])
def test_a_planted_backwards_import_is_found(module, planted, why):
    sources = package_sources()
    source, is_package = sources[module]
    sources[module] = (source + "\n" + planted + "\n", is_package)
    assert any(why in p for p in layering_violations(sources)), layering_violations(sources)


def test_core_numerics_import_without_the_optional_extras():
    # tests/test_core.py and the numerics must not need python-flint (proofs_check) or torch
    import subprocess
    import sys
    code = ("import sys; sys.modules['flint'] = None; sys.modules['torch'] = None\n"
            "import htaf_theory, htaf_theory.core, htaf_theory.params, htaf_theory.tails, htaf_theory.accuracy\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr


def test_a_config_that_imports_its_trainer_closes_a_loop():
    # configs are data: even a lazy import of the trainer inside a method is an edge back up
    sources = package_sources()
    source, is_package = sources["htaf_theory.experiments.config"]
    planted = "class C:\n    def run(self):\n        from .train import run_cell\n"
    sources["htaf_theory.experiments.config"] = (source + "\n" + planted, is_package)
    assert any("import loop" in p for p in layering_violations(sources))
