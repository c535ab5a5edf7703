"""certify on published special-function inequalities: MetiTarski's problems on bounded boxes, each beside a false variant.

The problems (``certify_benchmark.json`` beside this script) are inequalities from Abramowitz & Stegun, Mitrinovic's
Analytic Inequalities, Bullen's Dictionary of Inequalities, Kaczor & Nowak and Avigad's Ln.thy, each as MetiTarski's
problem collection poses it (its file name is the problem's id), restricted to a box with exact endpoints. A true
problem must be verified (and its certificate replayed); its false variant (just past a true limit, a shifted
constant, a broken tight face) must never be.

Run: ``python benchmarks/certify_benchmark.py [--all] [ID ...]`` prints one row per problem: the outcome, leaves and
seconds of the true problem and the outcome of its false variant (``--all`` includes the slow ones).
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import sympy as sp

from proofs_check.engine import Certificate, certify, certify_parts, replay

from machine import cpu_model

DATA = Path(__file__).with_name("certify_benchmark.json")
SYMBOLS = {name: sp.Symbol(name, real=True) for name in ("x", "y")}
_NAMES = {**SYMBOLS, "pi": sp.pi, "E": sp.E, "Abs": sp.Abs, "Min": sp.Min, "Max": sp.Max, "sqrt": sp.sqrt,
          "exp": sp.exp, "log": sp.log, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "atan": sp.atan,
          "asin": sp.asin, "acos": sp.acos}
_RELATIONS = {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}


def load(path: Path = DATA) -> list[dict]:
    """The problems of the benchmark file, as stored."""
    return json.loads(Path(path).read_text())["problems"]


@dataclass
class Statement:
    inequality: sp.core.relational.Relational
    box: dict
    tight: tuple | None
    equal_at: dict | None


def statement(entry: dict) -> Statement:
    """The sympy statement of a problem (or of its ``false_variant``): unevaluated relational, exact box."""
    parse = lambda text: sp.sympify(text, locals=_NAMES)  # noqa: E731
    s = entry["statement"]
    ineq = _RELATIONS[s["rel"]](parse(s["lhs"]), parse(s["rhs"]), evaluate=False)
    box = {SYMBOLS[k]: (Fraction(lo), Fraction(hi)) for k, (lo, hi) in entry["box"].items()}
    tight = None if entry["tight"] is None else (SYMBOLS[entry["tight"][0]], entry["tight"][1])
    at = None if entry["equal_at"] is None else {SYMBOLS[k]: Fraction(v) for k, v in entry["equal_at"].items()}
    return Statement(ineq, box, tight, at)


def run(st: Statement, **options) -> list[Certificate]:
    """certify the statement: in parts at ``equal_at`` when it has an interior equality point, else whole."""
    if st.equal_at:
        return certify_parts(st.inequality, st.box, st.equal_at, **options)
    return [certify(st.inequality, st.box, tight=st.tight, **options)]


def outcome(certs: list[Certificate]) -> str:
    """'verified' if every part is; else the first other outcome (counterexample, undefined, undecided)."""
    others = [c.outcome for c in certs if c.outcome != "verified"]
    return others[0] if others else "verified"


def replays(st: Statement, certs: list[Certificate]) -> bool:
    """Every part's certificate re-checks on its own part of the box."""
    for cert in certs:
        part = {v: (Fraction(lo), Fraction(hi)) for v, (lo, hi) in zip(st.box, cert.box)}
        if not replay(cert, st.inequality, part):
            return False
    return True


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="problem ids (default: all but the slow ones)")
    parser.add_argument("--all", action="store_true", help="include the problems marked slow")
    args = parser.parse_args(argv)
    print(f"# certify benchmark on {cpu_model()} ({platform.python_version()})")
    print(f"{'problem':20s} {'true':>10s} {'leaves':>7s} {'seconds':>8s}  {'false variant':14s} source")
    for entry in load():
        if args.ids and entry["id"] not in args.ids or not (args.ids or args.all) and entry["slow"]:
            continue
        st = statement(entry)
        start = time.perf_counter()
        certs = run(st)
        seconds = time.perf_counter() - start
        false = outcome(run(statement(entry["false_variant"])))
        mark = " (slow)" if entry["slow"] else ""
        print(f"{entry['id']:20s} {outcome(certs):>10s} {sum(c.leaves for c in certs):7d} {seconds:8.2f}  {false:14s} "
              f"{entry['source']}{mark}")


if __name__ == "__main__":
    main()
