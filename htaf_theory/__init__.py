"""htaf-theory: HTAF h(x) = sigmoid(a tanh(b x)), its theory, checks and experiments.

numpy core (float64, broadcasting) at the top level; parameter helpers in ``params``,
tail quantities in ``tails``, mpmath/arb references in ``precise``, sympy in ``symbolic``,
torch in ``nn`` (imported on demand, torch is optional).
"""
from .core import (
                   heaviside,
                   htaf,
                   htaf_complement,
                   htaf_grad,
                   htaf_grad2,
                   log_htaf_grad,
                   log_scaled_sigmoid_grad,
                   scaled_sigmoid,
                   scaled_sigmoid_grad,
)

def _version() -> str:
    """The installed distribution's version (pyproject.toml is its one source)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("htaf-theory")
    except PackageNotFoundError:             # a source tree that was never installed
        return "0+unknown"


__version__ = _version()

__all__ = [
    "htaf", "htaf_complement", "htaf_grad", "htaf_grad2", "log_htaf_grad", "heaviside",
    "scaled_sigmoid", "scaled_sigmoid_grad", "log_scaled_sigmoid_grad", "__version__",
]
