"""Input validation shared by the numeric modules.

Every public function checks its parameters here, so that bad input fails with one kind
of message: the parameter's name, the value received, and the valid range.
"""
from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["scalar_or_array", "as_scalar", "InvalidParameterError", "as_float_array", "check_positive", "check_eps",
           "check_open_interval"]


#: what the vectorized public functions return: a numpy float for a scalar input, else a float64 array
FloatResult: TypeAlias = "np.float64 | NDArray[np.float64]"

class InvalidParameterError(ValueError):
    """Bad input to a public function: the message names the parameter, its value and the valid range.

    A ``ValueError`` subclass, so ``except ValueError`` keeps working; the CLI turns exactly this (and
    ``DataError``) into a one-line message, while any other exception keeps its traceback.
    """


def as_float_array(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """``value`` as a float64 array; anything that is not real numbers raises ``ValueError`` naming ``name``.

    numpy alone would turn None into nan, drop the imaginary part of complex input (with a warning only)
    and raise a bare OverflowError for integers beyond float64; each is refused here with the parameter's name.
    """
    def refuse(why: str) -> InvalidParameterError:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        return InvalidParameterError(f"{name} must be a real number or an array of them ({why}); got {name}={shown}")

    if value is None:
        raise refuse("None is not a number")
    if isinstance(value, np.ma.MaskedArray):
        raise refuse("a masked array: its mask would be dropped; fill or compress it first")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise refuse("not convertible to an array") from None
    if raw.dtype.kind == "c":
        raise refuse("complex values are not accepted")
    if raw.dtype.kind in "USV":
        raise refuse("text is not a number")
    if raw.dtype.kind == "b":
        raise refuse("truth values are not numbers")
    if raw.dtype.kind in "mM":
        raise refuse("dates and durations are not numbers")
    if raw.dtype.kind == "O":
        if any(item is None for item in raw.flat):
            raise refuse("None is not a number")
        if any(isinstance(item, complex) for item in raw.flat):
            raise refuse("complex values are not accepted")
    try:
        with np.errstate(over="raise"):
            return np.asarray(raw, dtype=np.float64)
    except OverflowError:
        raise refuse("beyond the float64 range") from None
    except (TypeError, ValueError, FloatingPointError):
        raise refuse("not convertible to float64") from None


def _first_bad(arr: NDArray[np.float64], bad: NDArray[np.bool_]) -> float:
    return float(arr[bad].flat[0]) if arr.ndim else float(arr)


def check_open_interval(name: str, value: ArrayLike, low: float, high: float) -> NDArray[np.float64]:
    """Require ``low < value < high`` (and finite) elementwise."""
    arr = as_float_array(name, value)
    bad = ~(np.isfinite(arr) & (arr > low) & (arr < high))
    if np.any(bad):
        high_text = "inf" if high == np.inf else f"{high:g}"
        raise InvalidParameterError(
            f"{name} must lie in the open interval ({low:g}, {high_text}); got {name}={_first_bad(arr, bad)!r}"
        )
    return arr


def check_positive(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Require a finite ``value > 0`` elementwise."""
    return check_open_interval(name, value, 0.0, np.inf)


def check_eps(value: ArrayLike, name: str = "eps") -> NDArray[np.float64]:
    """Require the approximation tolerance to lie in (0, 1/2), where L(eps) > 0."""
    return check_open_interval(name, value, 0.0, 0.5)


def as_scalar(name: str, value: ArrayLike) -> float:
    """``value`` as a Python float, refusing an array by name (the functions that choose one pair take scalars).

    >>> as_scalar("eps", np.float64(0.1))
    0.1
    """
    if isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be a real number, not a truth value; got {name}={value!r}")
    if isinstance(value, bytes):
        raise InvalidParameterError(f"{name} must be a real number (text is not a number); got {name}={value!r}")
    arr = as_float_array(name, value)
    if arr.ndim != 0:
        raise InvalidParameterError(f"{name} must be a single number, not an array of shape {arr.shape}; "
                                    f"got {name}={value!r}")
    return float(arr)


def scalar_or_array(arr: ArrayLike) -> FloatResult:
    """A 0-d result as a numpy scalar, anything else as the array: what every vectorized public function returns.

    >>> scalar_or_array(np.array(2.5)), scalar_or_array([1.0, 2.0])
    (np.float64(2.5), array([1., 2.]))
    """
    arr = np.asarray(arr)
    return arr[()] if arr.ndim == 0 else arr
