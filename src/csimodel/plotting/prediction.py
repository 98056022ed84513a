"""Distributions of out-of-sample prediction errors, one panel per indicator (PLSpredict)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError

__all__ = ["PredictionErrorDisplay"]


class PredictionErrorDisplay:
    """Histograms of prediction errors per indicator, with their skewness in the title.

    Shmueli et al. (2019) start the PLSpredict assessment by looking at these
    distributions: strongly skewed errors call for MAE rather than RMSE.

    Parameters
    ----------
    errors : pandas.DataFrame
        Prediction errors (actual - predicted), one column per indicator.
    bins : int, default=20

    Attributes
    ----------
    ax_ : ndarray of matplotlib Axes (one per indicator, extra panels hidden)
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from csimodel.plotting import PredictionErrorDisplay
    >>> e = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 3)), columns=list("abc"))
    >>> disp = PredictionErrorDisplay(e).plot()
    >>> len(disp.ax_)
    3
    """

    def __init__(self, errors: pd.DataFrame, *, bins: int = 20) -> None:
        self.errors = errors
        self.bins = bins

    @classmethod
    def from_result(cls, pp: Any, **kwargs: Any) -> PredictionErrorDisplay:
        """From a :class:`~csimodel.PredictResults` (its ``errors``)."""
        return cls(pp.errors, **kwargs)

    def plot(self, ax: Any = None, *, bins: int | None = None) -> PredictionErrorDisplay:
        """Draw one histogram per indicator (on ``ax``, a sequence of axes, if given)."""
        import matplotlib.pyplot as plt

        e = self.errors
        if not isinstance(e, pd.DataFrame) or e.shape[1] == 0 or len(e) < 2:
            raise ParameterError("errors must be a DataFrame with at least 2 rows and 1 column.")
        bins = self.bins if bins is None else bins
        q = e.shape[1]
        if ax is None:
            ncol = min(q, 4)
            nrow = math.ceil(q / ncol)
            fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
            axes = axes.ravel()
            for a in axes[q:]:
                a.set_visible(False)
        else:
            axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
            if len(axes) < q:
                raise ParameterError(f"ax must hold at least {q} axes (one per indicator).")
            fig = axes[0].figure
        skew = e.skew()
        for a, col in zip(axes, e.columns, strict=False):
            a.hist(e[col].to_numpy(float), bins=bins, color="#9bbad8", edgecolor="white")
            a.axvline(0.0, color="0.3", lw=1)
            a.set_title(f"{col} (skew {skew[col]:.2f})", fontsize=9)
            a.set_xlabel("prediction error")
        fig.tight_layout()
        self.ax_, self.figure_ = axes[:q], fig
        return self
