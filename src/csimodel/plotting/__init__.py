"""Plots (matplotlib only, imported when a plot is drawn).

Every plot is a Display object: build it from numbers (or with ``from_result(...)``), then
``plot(ax=None)`` draws it and returns the display, which keeps the axes in ``ax_`` and
the figure in ``figure_`` (and the drawn artists, for further styling).

- :class:`ImportancePerformanceDisplay` — IPMA / IPA map.
- :class:`PathDiagramDisplay` — path diagram of a fitted model (no graphviz).
- :class:`IndexBarDisplay` — 0-100 indices by segment with intervals.
- :class:`DistributionDisplay` — resampled (bootstrap) distribution of one estimate.
- :class:`FimixCriteriaDisplay` — FIMIX-PLS segment-retention criteria over k.
- :class:`PredictionErrorDisplay` — out-of-sample prediction errors per indicator.
- :class:`SimpleSlopesDisplay` — simple slopes of a moderated effect.
"""

from .distribution import DistributionDisplay
from .indices import IndexBarDisplay
from .ipma_map import ImportancePerformanceDisplay
from .path_diagram import PathDiagramDisplay
from .prediction import PredictionErrorDisplay
from .segments import FimixCriteriaDisplay
from .slopes import SimpleSlopesDisplay

__all__ = [
    "ImportancePerformanceDisplay",
    "PathDiagramDisplay",
    "IndexBarDisplay",
    "DistributionDisplay",
    "FimixCriteriaDisplay",
    "PredictionErrorDisplay",
    "SimpleSlopesDisplay",
]
