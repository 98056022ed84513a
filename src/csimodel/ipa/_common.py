"""Pieces shared by IPMA and classic IPA: quadrant names and the frozen, plottable result
base."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frozen import Frozen

__all__ = ["QUADRANTS"]

#: Martilla & James (1977) quadrant names, by (high importance?, high performance?).
QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, False): "Low priority",
    (False, True): "Possible overkill",
}


def _quadrant(imp: np.ndarray, perf: np.ndarray, ci: float, cp: float) -> list[str]:
    return [QUADRANTS[(bool(i >= ci), bool(p >= cp))] for i, p in zip(imp, perf, strict=True)]


class _MapResults(Frozen):
    """Frozen IPMA / IPA results, drawn as an importance-performance map."""

    table: pd.DataFrame
    crosshair: pd.DataFrame
    by: Any

    def plot(self, ax=None, *, segment: Any = None, **kwargs: Any):
        """Draw the importance-performance map (performance on the x axis); returns an
        :class:`~csimodel.plotting.ImportancePerformanceDisplay`."""
        from ..plotting import ImportancePerformanceDisplay

        return ImportancePerformanceDisplay.from_result(self, segment=segment).plot(ax=ax, **kwargs)
