"""Predictive assessment: PLSpredict, CVPAT, blindfolding Q².

Every function reads a fitted :class:`~csimodel.FitResults` and re-runs its estimator's
batched engine on training moments; none changes the result.
"""

from .blindfolding import blindfolding
from .cvpat import CVPATResults, cvpat
from .predict_pls import PredictResults, predict_pls

__all__ = ["predict_pls", "PredictResults", "cvpat", "CVPATResults", "blindfolding"]
