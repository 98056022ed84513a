"""Resampled (bootstrap) distribution of one estimate."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import ParameterError
from ._base import get_ax

__all__ = ["DistributionDisplay"]


class DistributionDisplay:
    """Histogram of resampled values with the estimate and an interval marked.

    Parameters
    ----------
    values : array-like of shape (n,)
        Resampled values of one estimate (non-finite values are an error).
    estimate : float, optional
        The full-sample estimate (solid vertical line).
    interval : (lower, upper), optional
        Drawn as a shaded band with dashed edges.
    name : str, optional
        Axis label.
    bins : int or str, default='auto'

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure
    patches_ : histogram bars
    estimate_line_ : Line2D or None
    interval_lines_ : (Line2D, Line2D) or None
    band_ : the shaded interval or None

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from csimodel.plotting import DistributionDisplay
    >>> vals = np.random.default_rng(0).normal(0.5, 0.05, 500)
    >>> disp = DistributionDisplay(vals, estimate=0.5, interval=(0.4, 0.6)).plot()
    >>> float(disp.estimate_line_.get_xdata()[0])
    0.5
    """

    def __init__(
        self,
        values: Any,
        estimate: float | None = None,
        interval: tuple[float, float] | None = None,
        *,
        name: str | None = None,
        bins: Any = "auto",
    ) -> None:
        self.values = values
        self.estimate = estimate
        self.interval = interval
        self.name = name
        self.bins = bins

    @classmethod
    def from_result(cls, values: Any, estimate=None, interval=None, **kwargs: Any):
        """From a 1-D array or a pandas Series (its name labels the axis)."""
        if kwargs.get("name") is None and getattr(values, "name", None) is not None:
            kwargs["name"] = str(values.name)
        return cls(values, estimate, interval, **kwargs)

    def plot(self, ax: Any = None):
        """Draw the histogram on ``ax`` (new figure if None); returns self."""
        v = np.asarray(self.values, dtype=float)
        if v.ndim != 1 or v.size < 2:
            raise ParameterError(
                f"values must be a 1-D array of at least 2 resampled values. Got shape {v.shape}."
            )
        if not np.all(np.isfinite(v)):
            raise ParameterError(
                f"values contain {int((~np.isfinite(v)).sum())} non-finite value(s); drop failed "
                "resamples first."
            )
        ax, fig = get_ax(ax, (6.0, 4.0))
        _, _, self.patches_ = ax.hist(v, bins=self.bins, color="#9bbad8", edgecolor="white")
        self.band_ = self.interval_lines_ = self.estimate_line_ = None
        if self.interval is not None:
            lo, hi = map(float, self.interval)
            self.band_ = ax.axvspan(lo, hi, color="0.85", zorder=0)
            self.interval_lines_ = (
                ax.axvline(lo, color="0.3", linestyle="--", lw=1),
                ax.axvline(hi, color="0.3", linestyle="--", lw=1),
            )
        if self.estimate is not None:
            self.estimate_line_ = ax.axvline(float(self.estimate), color="#b22222", lw=2)
        ax.set_xlabel(self.name or "estimate")
        ax.set_ylabel("resamples")
        self.ax_, self.figure_ = ax, fig
        return self
