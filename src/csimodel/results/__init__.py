"""Frozen result objects of the estimators.

:class:`FitResults` holds a PLS / PLSc fit, :class:`CBSEMResults` a covariance-based fit.
Both are read-only, attach labels once and cache derived tables; they import the parameter
layout from :mod:`csimodel.layout` and shared numeric helpers from :mod:`csimodel.numeric`,
never an estimator's internals (the estimators import these classes to build them).
"""

from .cbsem import CBSEMResults
from .pls import FitResults

__all__ = ["CBSEMResults", "FitResults"]
