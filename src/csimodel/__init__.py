"""csimodel: customer-satisfaction index modelling (PLS path modelling, CB-SEM, indices).

Examples
--------
>>> import csimodel as cm
>>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
>>> res.n_used
250
"""

from . import datasets, distributed, models
from .data import PreparedData, prepare
from .estimators import PLS
from .exceptions import (
    ConvergenceWarning,
    CsimodelError,
    CsimodelWarning,
    DataError,
    DataWarning,
    EstimationError,
    InadmissibleWarning,
    ModelError,
    ModelFileError,
    ModelSyntaxError,
)
from .report import Summary
from .results import FitResults
from .spec import Model

__version__ = "0.1.0"

__all__ = [
    "Model",
    "PLS",
    "FitResults",
    "PreparedData",
    "prepare",
    "Summary",
    "datasets",
    "distributed",
    "models",
    "CsimodelError",
    "ModelSyntaxError",
    "ModelError",
    "DataError",
    "ModelFileError",
    "EstimationError",
    "CsimodelWarning",
    "ConvergenceWarning",
    "DataWarning",
    "InadmissibleWarning",
    "__version__",
]
