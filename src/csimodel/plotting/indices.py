"""Bar chart of 0-100 indices by segment, with intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError
from ._base import get_ax

__all__ = ["IndexBarDisplay"]


class IndexBarDisplay:
    """Grouped bars: one group per construct, one bar per segment, optional intervals.

    Parameters
    ----------
    values : pandas.DataFrame
        Index = segments, columns = constructs (e.g. 0-100 indices).
    lower, upper : pandas.DataFrame, optional
        Interval ends with the same index and columns, drawn as error bars.
    title : str, optional
    ylabel : str, default='Index (0-100)'

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    bars_ : dict segment -> BarContainer
    errorbars_ : dict segment -> ErrorbarContainer (when intervals are given)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from csimodel.plotting import IndexBarDisplay
    >>> v = pd.DataFrame({"Satisfaction": [72.0, 68.5]}, index=["A", "B"])
    >>> disp = IndexBarDisplay(v).plot()
    >>> [float(b.get_height()) for b in disp.bars_["B"]]
    [68.5]
    """

    def __init__(
        self,
        values: pd.DataFrame,
        lower: pd.DataFrame | None = None,
        upper: pd.DataFrame | None = None,
        *,
        title: str | None = None,
        ylabel: str = "Index (0-100)",
    ) -> None:
        self.values = values
        self.lower = lower
        self.upper = upper
        self.title = title
        self.ylabel = ylabel

    @classmethod
    def from_result(cls, result: Any, **kwargs: Any):
        """From a table with columns per construct, or an object with ``.table`` of
        segments x constructs and optional ``.lower`` / ``.upper`` tables."""
        if isinstance(result, pd.DataFrame):
            return cls(result, **kwargs)
        table = getattr(result, "table", None)
        if not isinstance(table, pd.DataFrame):
            raise ParameterError(
                "IndexBarDisplay.from_result needs a DataFrame (segments x constructs) or an "
                f"object with a .table DataFrame. Got {type(result).__name__} instead."
            )
        return cls(table, getattr(result, "lower", None), getattr(result, "upper", None), **kwargs)

    def plot(self, ax: Any = None, *, ylim: tuple[float, float] | None = (0, 100)):
        """Draw the bars on ``ax`` (new figure if None); returns self."""
        v = self.values
        if not isinstance(v, pd.DataFrame):
            raise ParameterError(
                f"values must be a DataFrame (segments x constructs). Got {type(v).__name__}."
            )
        for name, other in (("lower", self.lower), ("upper", self.upper)):
            if other is not None and (
                not other.index.equals(v.index) or not other.columns.equals(v.columns)
            ):
                raise ParameterError(f"{name} must have the same index and columns as values.")
        ax, fig = get_ax(ax, (max(6.0, 1.3 * v.shape[1] + 2), 4.8))
        n_seg, n_con = v.shape
        width = 0.8 / n_seg
        base = np.arange(n_con)
        self.bars_, self.errorbars_ = {}, {}
        for k, seg in enumerate(v.index):
            xs = base - 0.4 + width * (k + 0.5)
            h = v.loc[seg].to_numpy(dtype=float)
            self.bars_[seg] = ax.bar(xs, h, width * 0.95, label=str(seg), color=f"C{k % 10}")
            if self.lower is not None or self.upper is not None:
                lo = h if self.lower is None else self.lower.loc[seg].to_numpy(dtype=float)
                hi = h if self.upper is None else self.upper.loc[seg].to_numpy(dtype=float)
                yerr = np.vstack([h - lo, hi - h]).clip(min=0)
                self.errorbars_[seg] = ax.errorbar(
                    xs, h, yerr=yerr, fmt="none", ecolor="0.2", capsize=3, lw=1
                )
        ax.set_xticks(base)
        ax.set_xticklabels([str(c) for c in v.columns])
        ax.set_ylabel(self.ylabel)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if n_seg > 1:
            ax.legend(title=v.index.name, frameon=False)
        if self.title:
            ax.set_title(self.title)
        self.ax_, self.figure_ = ax, fig
        return self
