"""Where results, figures and reports go (one rule for all of them), and the per-user cache (data, kernels).

    the argument (``--results``, ``--out``, ``--report-dir``), else an environment variable
    (``HTAF_RESULTS``, ``HTAF_FIGURES``, ``HTAF_REPORT_DIR``), else a path under the current directory
    (``results/``, ``figures/out/`` or ``figures/out-quick/``, ``docs/``).

Nothing is ever written next to the installed package. Run from a checkout's root, the defaults are the
checkout's own folders (the README's commands do that).

>>> import os
>>> output_dir("here", "HTAF_NO_SUCH_VARIABLE", "results").name
'here'
>>> output_dir(None, "HTAF_NO_SUCH_VARIABLE", "results") == Path.cwd() / "results"
True
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["output_dir", "default_cache_dir", "RESULTS_ENV", "FIGURES_ENV", "REPORT_ENV"]

RESULTS_ENV = "HTAF_RESULTS"
FIGURES_ENV = "HTAF_FIGURES"
REPORT_ENV = "HTAF_REPORT_DIR"


def output_dir(argument, env_var: str, default: str) -> Path:
    """``argument`` if given, else ``$env_var`` if set, else ``./default``."""
    if argument:
        return Path(argument)
    env = os.environ.get(env_var)
    return Path(env) if env else Path.cwd() / default


def default_cache_dir() -> Path:
    """Per-user cache: $XDG_CACHE_HOME/htaf-theory or ~/.cache/htaf-theory (data files, compiled kernels)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "htaf-theory"
