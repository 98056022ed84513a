"""Segment-retention criteria of FIMIX-PLS over the number of segments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError
from ._base import get_ax

__all__ = ["FimixCriteriaDisplay"]


class FimixCriteriaDisplay:
    """Information criteria (lines, left axis) and normed entropy EN (right axis) over k.

    Parameters
    ----------
    criteria : pandas.DataFrame
        Index = number of segments k; columns include the criteria to draw and ``en``
        (as ``FimixSelection.criteria``).
    columns : sequence of str, default=('aic3', 'caic', 'bic')
        Criteria drawn as lines; the k each one chooses (its minimum) is marked.

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    lines_ : dict criterion -> Line2D
    ax_en_ : matplotlib Axes of EN (right axis), or None when EN is all NaN

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from csimodel.plotting import FimixCriteriaDisplay
    >>> crit = pd.DataFrame({"aic3": [900.0, 850.0, 870.0], "caic": [910.0, 880.0, 920.0],
    ...                      "en": [float("nan"), 0.7, 0.6]}, index=[1, 2, 3])
    >>> disp = FimixCriteriaDisplay(crit, columns=("aic3", "caic")).plot()
    >>> sorted(disp.lines_)
    ['aic3', 'caic']
    """

    def __init__(
        self, criteria: pd.DataFrame, columns: Sequence[str] = ("aic3", "caic", "bic")
    ) -> None:
        self.criteria = criteria
        self.columns = tuple(columns)

    @classmethod
    def from_result(cls, result: Any, criteria: Sequence[str] = ("aic3", "caic", "bic")):
        """From a :class:`~csimodel.segments.FimixSelection` (or its ``criteria`` table)."""
        table = result if isinstance(result, pd.DataFrame) else getattr(result, "criteria", None)
        if not isinstance(table, pd.DataFrame):
            raise ParameterError(
                "FimixCriteriaDisplay.from_result needs a FimixSelection (cm.fimix with a range "
                f"of k) or its criteria table. Got {type(result).__name__} instead."
            )
        return cls(table, columns=criteria)

    def plot(self, ax: Any = None):
        """Draw on ``ax`` (new figure if None); returns self."""
        crit = self.criteria
        unknown = [c for c in self.columns if c not in crit.columns]
        if unknown:
            raise ParameterError(
                f"The 'criteria' parameter of FimixCriteriaDisplay names {unknown} that are not "
                f"columns of the criteria table ({', '.join(map(str, crit.columns))})."
            )
        ax, fig = get_ax(ax, (7.0, 4.5))
        ks = np.asarray(crit.index, dtype=float)
        self.lines_ = {}
        for i, c in enumerate(self.columns):
            y = crit[c].to_numpy(dtype=float)
            (line,) = ax.plot(ks, y, marker="o", color=f"C{i}", label=c.upper())
            self.lines_[c] = line
            if np.isfinite(y).any():
                j = int(np.nanargmin(y))
                ax.plot(ks[j], y[j], marker="*", ms=14, color=f"C{i}", zorder=3)
        ax.set_xlabel("Number of segments k")
        ax.set_ylabel("Criterion (smaller is better; * = chosen k)")
        ax.set_xticks(ks)
        self.ax_en_ = None
        if "en" in crit.columns and np.isfinite(crit["en"].to_numpy(dtype=float)).any():
            ax2 = ax.twinx()
            ax2.plot(ks, crit["en"].to_numpy(dtype=float), ls="--", color="0.4", marker="s")
            ax2.set_ylabel("EN (normed entropy), dashed")
            ax2.set_ylim(0, 1)
            self.ax_en_ = ax2
        ax.legend(frameon=False, loc="upper center")
        ax.set_title("FIMIX-PLS: segment-retention criteria")
        self.ax_, self.figure_ = ax, fig
        return self
