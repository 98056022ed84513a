"""Latent segments: FIMIX-PLS, the criteria for the number of segments, explaining the
segments by observed variables and re-estimating the model in each segment.

- :func:`fimix` (module :mod:`csimodel.segments.fimix`): the EM algorithm of FIMIX-PLS on a
  fitted model's structural equations, all random starts as one batch; one *k* gives a
  :class:`FimixResult`, a range of *k* a :class:`FimixSelection`.
- :func:`explain`: cross-tabulations and tests relating observed variables to the segments.
- :func:`fit_segments`: the whole model re-estimated in each segment
  (:class:`SegmentModels`), feeding ``compare_groups``, ``indices`` and ``ipma``.
"""

from .explain import SegmentExplanation, explain
from .fimix import fimix
from .results import FimixResult, FimixSelection
from .segment_models import SegmentModels, fit_segments

__all__ = [
    "fimix",
    "FimixResult",
    "FimixSelection",
    "explain",
    "SegmentExplanation",
    "fit_segments",
    "SegmentModels",
]
