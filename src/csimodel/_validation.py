"""Parameter validation with one message shape (internal)."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from .exceptions import CsimodelError


class ParameterError(CsimodelError, ValueError):
    """A parameter of a csimodel function or class has an invalid value."""


def check_option(value: Any, name: str, owner: str, options: Iterable[Any]) -> Any:
    """Raise unless ``value`` is one of ``options``."""
    options = tuple(options)
    if value not in options:
        shown = "{" + ", ".join(repr(o) for o in options) + "}"
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be one of {shown}. Got {value!r} instead."
        )
    return value


def check_number(
    value: Any,
    name: str,
    owner: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> Any:
    """Raise unless ``value`` is a real (or integer) number in the given range."""
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        if low is not None and (value < low or (low_open and value == low)):
            ok = False
        if high is not None and (value > high or (high_open and value == high)):
            ok = False
        if not integer and value != value:  # NaN
            ok = False
    if not ok:
        what = "an int" if integer else "a number"
        lo = "-inf" if low is None else repr(low)
        hi = "inf" if high is None else repr(high)
        lb = "(" if low_open or low is None else "["
        hb = ")" if high_open or high is None else "]"
        raise ParameterError(
            f"The {name!r} parameter of {owner} must be {what} in the range "
            f"{lb}{lo}, {hi}{hb}. Got {value!r} instead."
        )
    return value


def list_some(names: Iterable[Any], limit: int = 5) -> str:
    """Format at most ``limit`` names, then 'and N more'."""
    names = [repr(n) if isinstance(n, str) else str(n) for n in names]
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
