"""Simple-slopes plot of a moderated effect: one line per moderator level."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import get_ax

__all__ = ["SimpleSlopesDisplay"]


class SimpleSlopesDisplay:
    """Predicted outcome (in SDs) against the predictor (in SDs), one line per moderator level.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`csimodel.SimpleSlopes.table` (``moderator_level``, ``slope``, ``intercept``).
    predictor, moderator, target : str
        Axis and legend labels.
    x_range : (low, high), default=(-2, 2)
        Predictor range in SDs.

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    lines_ : list of Line2D, one per moderator level

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from csimodel.plotting import SimpleSlopesDisplay
    >>> t = pd.DataFrame({"moderator_level": [-1.0, 1.0], "slope": [0.6, 0.4],
    ...                   "intercept": [-0.1, 0.1]})
    >>> len(SimpleSlopesDisplay(t, "X", "M", "Y").plot().lines_)
    2
    """

    def __init__(
        self,
        table: Any,
        predictor: str,
        moderator: str,
        target: str,
        *,
        x_range: tuple[float, float] = (-2.0, 2.0),
    ) -> None:
        self.table = table
        self.predictor = predictor
        self.moderator = moderator
        self.target = target
        self.x_range = x_range

    @classmethod
    def from_result(cls, slopes: Any, **kwargs: Any) -> SimpleSlopesDisplay:
        """From a :class:`csimodel.SimpleSlopes`."""
        return cls(slopes.table, slopes.predictor, slopes.moderator, slopes.target, **kwargs)

    def plot(self, ax: Any = None) -> SimpleSlopesDisplay:
        """Draw the lines on ``ax`` (new figure if None); returns self."""
        ax, fig = get_ax(ax, (6.0, 4.5))
        x = np.linspace(float(self.x_range[0]), float(self.x_range[1]), 2)
        self.lines_ = []
        for _, row in self.table.iterrows():
            level = float(row["moderator_level"])
            (line,) = ax.plot(
                x,
                float(row["intercept"]) + float(row["slope"]) * x,
                label=f"{self.moderator} at {level:+g} SD (slope {float(row['slope']):.3f})",
            )
            self.lines_.append(line)
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.set_xlabel(f"{self.predictor} (SD)")
        ax.set_ylabel(f"{self.target} (SD)")
        ax.legend(frameon=False, fontsize="small")
        self.ax_, self.figure_ = ax, fig
        return self
