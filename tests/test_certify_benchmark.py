"""certify against the field's own problems (benchmarks/certify_benchmark.py): every published inequality of the
benchmark is verified on its box and its certificate replays; no false variant is ever verified. Each problem prints
its time; the slow ones (more than ~10 s) carry the ``benchmark`` mark and run in the full lane
(``bash scripts/test.sh -m benchmark``)."""
import sys
import time
from pathlib import Path

import pytest
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import certify_benchmark as bench  # noqa: E402

PROBLEMS = bench.load()


def _params():
    return [pytest.param(p, id=p["id"], marks=[pytest.mark.benchmark] if p["slow"] else []) for p in PROBLEMS]


def test_the_benchmark_covers_the_published_sources_and_the_new_functions():
    assert len(PROBLEMS) >= 25
    assert len({p["id"] for p in PROBLEMS}) == len(PROBLEMS)
    assert all(p["source"] and p["false_variant"]["why"] for p in PROBLEMS)
    used = set().union(*(bench.statement(p).inequality.atoms(sp.Function) for p in PROBLEMS))
    for fn in (sp.atan, sp.asin, sp.Abs, sp.exp, sp.log, sp.sin, sp.cos, sp.tanh, sp.sqrt):
        assert fn is sp.sqrt or any(isinstance(f, fn) for f in used), fn
    assert any(p["equal_at"] for p in PROBLEMS) and any(p["tight"] for p in PROBLEMS)
    assert sum(p["slow"] for p in PROBLEMS) <= 5


@pytest.mark.parametrize("problem", _params())
def test_a_published_inequality_is_verified_and_its_false_variant_is_not(problem, capsys):
    st = bench.statement(problem)
    start = time.perf_counter()
    certs = bench.run(st)
    seconds = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n  {problem['id']}: {bench.outcome(certs)} in {seconds:.2f} s, {sum(c.leaves for c in certs)} leaves"
              f"{' (slow)' if problem['slow'] else ''}", end="")
    assert bench.outcome(certs) == "verified", [c.summary() for c in certs]
    assert bench.replays(st, certs)
    false = bench.run(bench.statement(problem["false_variant"]))
    assert bench.outcome(false) in ("counterexample", "undefined", "undecided"), problem["false_variant"]["why"]


def test_the_script_prints_one_row_per_problem(capsys):
    bench.main(["exp-upper-3", "abs-problem-1"])
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("# certify benchmark on ")
    assert [r.split()[0] for r in rows[2:]] == ["exp-upper-3", "abs-problem-1"]
    assert all(" verified " in r and " counterexample " in r for r in rows[2:])
