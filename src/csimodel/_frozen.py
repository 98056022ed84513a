"""Bases of result objects: a read-only attribute bag, and the row counts of a fit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Frozen", "DataCounts"]


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
        summary = getattr(self, "summary", None)
        if summary is None:  # a subclass without summary(): plain repr, escaped
            import html

            return f"<pre>{html.escape(repr(self))}</pre>"
        return summary().as_html()


class DataCounts:
    """Row counts of a fit, read from its ``data`` (a :class:`~csimodel.PreparedData`)."""

    data: Any

    @property
    def n_total(self) -> int:
        """Rows in the input data."""
        return self.data.n_total

    @property
    def n_used(self) -> int:
        """Rows used in estimation."""
        return self.data.n_used

    @property
    def excluded(self) -> pd.DataFrame:
        """Rows not used: ``row, column, reason``."""
        return self.data.excluded

    @property
    def imputed(self) -> pd.DataFrame:
        """Cells imputed under ``missing='mean'``: ``row, column, reason``."""
        return self.data.imputed
