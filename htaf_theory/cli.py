"""The ``htaf`` command: ``params``, ``check``, ``figures``, ``experiment``.

Bad input exits with status 2 and one line naming the parameter and its valid range: the library's
``InvalidParameterError`` (data problems included), an OS error on a path the user gave, an overflow
from extreme arguments, and a missing *optional* extra. Anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys

from .validation import InvalidParameterError

#: top-level modules of the optional extras in pyproject.toml: only these may be reported as "not installed"
OPTIONAL_MODULES = {"torch", "flint", "matplotlib", "pooch", "tqdm", "hypothesis", "pytest", "sklearn", "spikingjelly",
                    "snntorch", "distributed", "dask"}

#: how to install each optional module ('' : the default advice)
INSTALL_HINTS = {
    "": "pip install 'htaf-theory[all]' (torch: pip install torch==2.13.0 first)",
    "torch": "pip install torch==2.13.0 (the CPU wheel), then pip install 'htaf-theory[all]'",
    "spikingjelly": "pip install --no-deps spikingjelly==2.0.0 loguru (its declared dependencies are not needed)",
    "distributed": "pip install 'htaf-theory[cluster]'", "dask": "pip install 'htaf-theory[cluster]'",
    "sklearn": "pip install 'htaf-theory[snn]' (scikit-learn ships the digits data set)",
}

__all__ = ["main"]


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _json_text(value) -> str:
    """JSON with every non-finite float written as the string "inf", "-inf" or "nan" (JSON has no such numbers)."""
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if v != v else ("inf" if v > 0 else "-inf")
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(value), indent=2, allow_nan=False)


def _cmd_params(args) -> int:
    from . import params

    if args.table6:
        rows = params.table6(eps=args.eps, delta=args.delta)
        if args.json:
            print(_json_text([r.__dict__ for r in rows]))
            return 0
        print(f"Table 6 (eps = {args.eps:g}, delta = {args.delta:g}): b_min(a) = artanh(L(eps)/a)/delta")
        print(f"{'a':>8} {'b_min exact':>14} {'rounded up':>11} {'paper':>8}")
        for r in rows:
            paper = "-" if r.b_paper is None else f"{r.b_paper:g}"
            print(f"{r.a:>8g} {r.b_exact:>14.6g} {r.b_rounded_up:>11g} {paper:>8}")
        return 0
    p = params.select(args.eps, args.delta, a=args.a, radius=args.radius)
    if args.json:
        print(_json_text(p.as_dict()))
        return 0
    labels = [("a (outer gain)", p.a), ("b (inner slope)", p.b), ("eps", p.eps), ("delta", p.delta),
              ("rule", p.rule), ("slope at 0, ab/4", p.slope_at_zero), ("tail rate, 2b", p.tail_rate),
              ("tail constant, ab sech^2(a/2)", p.tail_constant),
              ("achieved sup error, sigma(-a tanh(b delta))", p.approx_error)]
    if p.radius is not None:
        labels += [("radius", p.radius), ("log h'(radius)", p.log_grad_at_radius)]
    width = max(len(k) for k, _ in labels)
    for k, v in labels:
        # a and b exactly as selected (shortest round-trip digits): a shortened a or b may break the stated bound
        print(f"{k:<{width}}  {repr(float(v)) if k in ('a (outer gain)', 'b (inner slope)') else _fmt(v)}")
    return 0


def _cmd_check(args) -> int:
    from proofs_check.report import report_path, run_report

    write = bool(args.write or args.report_dir)
    if write:          # a report folder that cannot be one fails now, not after the whole check
        folder = report_path(args.report_dir).parent
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(20, "not a directory", str(folder))
        folder.mkdir(parents=True, exist_ok=True)
    return run_report(include_slow=args.slow, write_docs=write, mutants=args.mutants or None,
                      report_dir=args.report_dir, progress=sys.stderr, claims=args.claims or None)


def _executor(args):
    """The Dask cluster's executor for ``--scheduler ADDRESS``, else none (the local process pool)."""
    if not args.scheduler:
        return contextlib.nullcontext(None)
    from .experiments.cluster import cluster_executor
    return cluster_executor(args.scheduler)


def _sweeps_listing() -> str:
    """Every sweep with its cells at each size (stage 1 of a staged sweep) and the figures that plot it, for
    ``htaf experiment --help`` (built only when help is asked for)."""
    from htaf_theory.experiments.sweeps import SWEEPS
    from htaf_theory.figures import FIGURES

    lines = ["", "sweeps (name: stage-1 cells at quick / budget / full; the figures that plot it):"]
    for name, sweep in SWEEPS.items():
        counts = " / ".join(str(len(sweep.cells(size))) for size in ("quick", "budget", "full"))
        staged = ", then a stage 2 chosen from its results" if sweep.plan is not None else ""
        shown = [fig for fig, module in FIGURES.items() if name in module.SWEEPS]
        lines.append(f"  {name}: {counts} cells{staged}")
        lines.append(f"      figures: {', '.join(shown) if shown else 'none (read by the docs)'}")
    lines.append("  b3rate: the Thm B.3 rate simulation (htaf_theory.experiments.b3rate), read by docs/reproduction.md")
    lines.append("")
    lines.append("A run resumes: finished cells are skipped, the progress bar counts them as done.")
    return "\n".join(lines) + "\n"


def _figures_listing() -> str:
    """The figures and the sweeps each needs, for ``htaf figures --help`` (imported only when help is asked for)."""
    from htaf_theory.figures import FIGURES

    lines = ["", "figures (name: what; the experiments it plots, run first with htaf experiment NAME or --run):"]
    for name, module in FIGURES.items():
        what = (module.__doc__ or "").strip().splitlines()[0].rstrip(".:")
        needs = ", ".join(module.SWEEPS) if module.SWEEPS else "none (computed from the formulas)"
        lines.append(f"  {name}: {what}")
        lines.append(f"      needs: {needs}")
    return "\n".join(lines) + "\n"


def _cmd_figures(args) -> int:
    from htaf_theory.figures import run_figures   # the repository's figures/ folder, installed under htaf_theory

    if args.scheduler and not args.run:
        raise InvalidParameterError("--scheduler runs sweeps on a cluster, so it needs --run")
    with _executor(args) as executor:
        return run_figures(args.names, size=args.size, out_dir=args.out, results_dir=args.results,
                           run_missing=args.run, workers=args.workers, executor=executor)


def _cmd_experiment(args) -> int:
    from .experiments.sweeps import SWEEPS

    if args.name not in (*SWEEPS, "b3rate"):
        raise InvalidParameterError(f"name must be one of {[*SWEEPS, 'b3rate']}; got name={args.name!r}")
    if args.name == "b3rate":
        if args.scheduler:
            raise InvalidParameterError("b3rate runs locally: --scheduler applies to the sweeps (f1 ... t1)")
        from .experiments.b3rate import run_b3rate
        run_b3rate(results_dir=args.results, quick=args.size == "quick", workers=args.workers)
        return 0
    from .experiments.sweeps import run_named_sweep

    with _executor(args) as executor:
        records = run_named_sweep(args.name, size=args.size, workers=args.workers, results_dir=args.results,
                                  data_home=args.data_home, executor=executor)
    from .experiments.store import default_results_dir
    print(f"{args.name}: {len(records)} cells in {args.results or default_results_dir()}")
    return 0


def _workers(text: str) -> int:
    """--workers: an integer >= 1, checked before any data is located or downloaded."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"workers must be an integer >= 1; got workers={text!r}")
    return value


def _add_size(parser) -> None:
    parser.add_argument("--size", choices=("quick", "budget", "full"), default="full",
                        help="grid size: full (paper settings, every seed; default), budget (seed/split 0 only: the "
                             "main job, <= 90 min on 2 cores), quick (30 epochs, for CI)")
    parser.add_argument("--quick", dest="size", action="store_const", const="quick", help="same as --size quick")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="htaf", description="HTAF h(x) = sigmoid(a tanh(b x)): theory, checks, experiments")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"htaf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("params", help="choose (a, b) from eps and delta (Proposition 3.1)")
    p.add_argument("--eps", type=float, default=0.1, help="tolerance, in (0, 1/2) (default 0.1)")
    p.add_argument("--delta", type=float, default=0.1, help="half-width of the transition zone, > 0 (default 0.1)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--a", type=float, help="outer gain; b = min_b(a)")
    g.add_argument("--radius", type=float, help="maximise h'(radius) over admissible pairs (radius > delta)")
    g.add_argument("--table6", action="store_true", help="the paper's Table 6 beside exact values")
    p.add_argument("--json", action="store_true", help='print JSON (a value beyond float64 is the string "inf")')
    p.set_defaults(func=_cmd_params)

    c = sub.add_parser("check", help="verify every claim of the paper and print the report (--write: also claims.md)")
    c.add_argument("claims", nargs="*", metavar="CLAIM_ID",
                   help="check only these claims (e.g. thm3.2.a prop3.1.suff; default: every claim)")
    c.add_argument("--slow", action="store_true", help="also rerun every rigorous search from scratch (minutes)")
    c.add_argument("--mutants", action="store_true", help="also run the mutation tests (always when writing the report)")
    c.add_argument("--write", action="store_true",
                   help="write claims.md to --report-dir, else $HTAF_REPORT_DIR, else ./docs (the repository's docs/claims.md)")
    c.add_argument("--report-dir", default=None, help="folder for claims.md; implies --write")
    c.set_defaults(func=_cmd_check)

    f = sub.add_parser("figures", help="regenerate the paper's figures and tables",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("names", nargs="*", help="figure names (default: all; listed below with the experiments each needs)")
    f.format_help = lambda: argparse.ArgumentParser.format_help(f) + _figures_listing()
    _add_size(f)

    f.add_argument("--out", default=None, help="output folder (default $HTAF_FIGURES, else ./figures/out, or out-budget / "
                                               "out-quick)")
    f.add_argument("--results", default=None, help="experiment results folder")
    f.add_argument("--run", action="store_true",
                   help="first run the sweeps a figure needs (htaf experiment, resumable); without it figures only plot")
    f.add_argument("--workers", type=_workers, default=None, help="parallel workers for missing cells")
    f.add_argument("--scheduler", default=None, help="run missing cells on a Dask cluster, e.g. tcp://HOST:8786 (with --run)")
    f.set_defaults(func=_cmd_figures)

    k = sub.add_parser("kernels", help="where the torch layer's kernels are and whether they are built (--build: now)")
    k.add_argument("--build", action="store_true",
                   help="build the native kernels and warm torch.compile's cache for every kernel and float dtype")
    k.set_defaults(func=_cmd_kernels)

    e = sub.add_parser("experiment", help="run one of the paper's sweeps (resumable)",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    from .experiments.sweeps import SWEEPS          # torch-free: the sweeps' configs build without torch
    e.add_argument("name", help=" | ".join(SWEEPS) + " | b3rate (each listed below with its size and figures)")
    e.format_help = lambda: argparse.ArgumentParser.format_help(e) + _sweeps_listing()
    _add_size(e)
    e.add_argument("--workers", type=_workers, default=None, help="parallel workers (default: one per core)")
    e.add_argument("--results", default=None, help="results folder (default $HTAF_RESULTS, else ./results)")
    e.add_argument("--data-home", default=None, help="data folder (default $HTAF_DATA, then a cache dir)")
    e.add_argument("--scheduler", default=None,
                   help="run the cells on a Dask cluster, e.g. tcp://HOST:8786 (pip install 'htaf-theory[cluster]')")
    e.set_defaults(func=_cmd_experiment)
    return parser


def _cmd_kernels(args) -> int:
    from .nn import build_kernels, kernel_status
    for line in (build_kernels() if args.build else kernel_status()):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    """The ``htaf`` command (``argv``: its arguments, default ``sys.argv[1:]``); returns the exit status: 0, 1 when
    a check or figure failed, 2 for bad input (one line naming it, no traceback)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InvalidParameterError as err:
        print(f"htaf {args.command}: error: {err}", file=sys.stderr)
        return 2
    except OverflowError as err:
        print(f"htaf {args.command}: error: an argument is too extreme for float64 ({err})", file=sys.stderr)
        return 2
    except BrokenPipeError:                 # the reader closed the pipe (``htaf params | head``): nothing to report
        sys.stderr.close()
        return 0
    except OSError as err:
        if err.filename is None:
            raise
        print(f"htaf {args.command}: error: {err.strerror or err}: {err.filename}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as err:
        if (err.name or "").split(".")[0] not in OPTIONAL_MODULES:
            raise                        # an internal import error is a bug: keep the traceback
        top = (err.name or "").split(".")[0]
        print(f"htaf {args.command}: error: needs the optional package {err.name!r}: {INSTALL_HINTS.get(top, INSTALL_HINTS[''])}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        resumable = args.command in ("experiment", "figures")
        print(f"htaf {args.command}: interrupted" + ("; finished cells are saved, rerun to resume" if resumable else ""),
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
