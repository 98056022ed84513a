"""A read-only attribute bag: the base of result objects built from keyword arguments."""

from __future__ import annotations

from typing import Any

__all__ = ["Frozen"]


class Frozen:
    """Attributes are set once, from the constructor's keyword arguments; never after.

    ``functools.cached_property`` still works (it writes to the instance dictionary
    directly). Subclasses with a ``summary()`` returning a
    :class:`~csimodel.report.summary.Summary` get ``_repr_html_`` for notebooks.
    """

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; cannot set {name!r}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only; cannot delete {name!r}.")

    def _repr_html_(self) -> str:
        return self.summary().as_html()
