"""Input checks shared by the analytics modules.

Each check takes the name of the argument and the module's error class (a ``ValueError``
subclass) and raises it with a message naming the argument and the reason, so every model
refuses bad input the same way instead of returning NaN or a wrong number.

Example
-------
>>> number(2.5, "t", ValueError, low=0)
2.5
>>> number(float("nan"), "t", ValueError)
Traceback (most recent call last):
    ...
ValueError: t: must be a finite number, got nan
"""

import math
import numbers

import numpy as np


def number(
    value,
    name: str,
    error: type[ValueError],
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a float, finite and within ``[low, high]`` (open ends if asked)."""
    usual = type(value) is float or type(value) is int  # fast path for the usual types
    if not usual and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise error(f"{name}: must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise error(f"{name}: must be a finite number, got {value}")
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if too_low or too_high:
        if low is not None and high is not None:
            strictly = "strictly " if low_open and high_open else ""
            raise error(f"{name}: must be {strictly}between {low:g} and {high:g}, got {value:g}")
        if too_low:
            bound = "greater than" if low_open else "at least"
            raise error(f"{name}: must be {bound} {low:g}, got {value:g}")
        bound = "less than" if high_open else "at most"
        raise error(f"{name}: must be {bound} {high:g}, got {value:g}")
    return value


def whole(
    value, name: str, error: type[ValueError], *, low: int | None = None, high: int | None = None
) -> int:
    """``value`` as an int: a whole number (an integral float is accepted) within range."""
    if type(value) is not int and (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not (isinstance(value, numbers.Integral) or float(value).is_integer())
    ):
        raise error(f"{name}: must be a whole number, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise error(f"{name}: must be at least {low}")
    if high is not None and value > high:
        raise error(f"{name}: must be at most {high}")
    return value


def array(
    values,
    name: str,
    error: type[ValueError],
    *,
    low: float | None = None,
    low_open: bool = False,
    whole_numbers: bool = False,
) -> np.ndarray:
    """``values`` as a non-empty 1-D float64 array of finite numbers within range."""
    try:
        result = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise error(f"{name}: must be a list of numbers") from None
    if result.ndim != 1 or len(result) == 0:
        raise error(f"{name}: must be a non-empty 1-D list of numbers")
    finite = np.isfinite(result)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        raise error(f"{name}: must be finite numbers; item {bad} is {result[bad]}")
    if low is not None:
        outside = result <= low if low_open else result < low
        if outside.any():
            bad = int(np.flatnonzero(outside)[0])
            bound = f"greater than {low:g}" if low_open else f"at least {low:g}"
            raise error(f"{name}: must be {bound}; item {bad} is {result[bad]}")
    if whole_numbers and (result != np.floor(result)).any():
        bad = int(np.flatnonzero(result != np.floor(result))[0])
        raise error(f"{name}: must be whole numbers; item {bad} is {result[bad]}")
    return result


def weights(values, size: int, name: str, error: type[ValueError]) -> np.ndarray:
    """Non-negative finite weights, one per item, not all zero, with a finite sum
    (``None`` means 1 each)."""
    if values is None:
        return np.ones(size)
    result = array(values, name, error, low=0.0)
    if len(result) != size:
        raise error(f"{name}: need one weight per customer ({size}), got {len(result)}")
    total = float(result.sum())
    if total <= 0:
        raise error(f"{name}: must not all be 0")
    if not math.isfinite(total):
        raise error(f"{name}: the total is too large to compute with")
    return result


def finite_result(value, what: str, error: type[ValueError]):
    """``value`` unchanged if every number in it is finite; else ``error`` saying that
    ``what`` cannot be computed for these inputs (overflow or an undefined quantity)."""
    numbers_in = np.asarray(value, dtype=np.float64)
    if not np.isfinite(numbers_in).all():
        raise error(f"{what}: not a finite number for these inputs (too large or undefined)")
    return value
