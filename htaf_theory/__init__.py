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

__version__ = "0.4.0"

__all__ = [
    "htaf", "htaf_complement", "htaf_grad", "htaf_grad2", "log_htaf_grad", "heaviside",
    "scaled_sigmoid", "scaled_sigmoid_grad", "log_scaled_sigmoid_grad", "__version__",
]
