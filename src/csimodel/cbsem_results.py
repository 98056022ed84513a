"""Old import path of :class:`CBSEMResults`; the class lives in :mod:`csimodel.results`."""

from .results.cbsem import CBSEMResults

__all__ = ["CBSEMResults"]
