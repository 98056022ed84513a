"""csimodel: customer-satisfaction index modelling (PLS path modelling, CB-SEM, indices).

Examples
--------
>>> import csimodel as cm
>>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
>>> res.n_used
250
"""

from . import datasets, distributed, models, scoring, segments
from ._version import __version__
from .assessment import Assessment, assess
from .data import PreparedData, prepare
from .estimators import CBSEM, PLS, PLSc
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
    SuspectedCodeError,
)
from .inference import BootstrapResults, bootstrap
from .inference.groups import GroupComparison, IndexChange, compare_groups, index_change
from .inference.invariance import InvarianceResults, invariance
from .inference.mediation import mediation
from .inference.micom import MicomResult, micom
from .inference.slopes import SimpleSlopes, simple_slopes
from .io import load_model
from .ipa import IPAResults, IPMAResults, ipa, ipma
from .prediction import CVPATResults, PredictResults, blindfolding, cvpat, predict_pls
from .report import Summary
from .results import CBSEMResults, FitResults
from .scoring import ScoringModel, aggregate, indices, kpis, respondent_scores
from .segments import FimixResult, FimixSelection, SegmentExplanation, SegmentModels, fimix
from .spec import Model
from .summary_data import SummaryData
from .survey import (
    GapResults,
    PowerResults,
    TrackResults,
    composite_index,
    gap_analysis,
    index_precision,
    nps,
    power,
    sample_size,
    track,
)

__all__ = [
    "Model",
    "SummaryData",
    "sample_size",
    "power",
    "PowerResults",
    "index_precision",
    "track",
    "TrackResults",
    "gap_analysis",
    "GapResults",
    "nps",
    "composite_index",
    "PLS",
    "PLSc",
    "assess",
    "Assessment",
    "CBSEM",
    "CBSEMResults",
    "FitResults",
    "bootstrap",
    "mediation",
    "simple_slopes",
    "SimpleSlopes",
    "BootstrapResults",
    "PreparedData",
    "prepare",
    "Summary",
    "datasets",
    "distributed",
    "models",
    "invariance",
    "InvarianceResults",
    "CsimodelError",
    "ModelSyntaxError",
    "ModelError",
    "DataError",
    "SuspectedCodeError",
    "ModelFileError",
    "EstimationError",
    "CsimodelWarning",
    "ConvergenceWarning",
    "DataWarning",
    "InadmissibleWarning",
    "indices",
    "respondent_scores",
    "aggregate",
    "kpis",
    "ScoringModel",
    "load_model",
    "scoring",
    "ipma",
    "ipa",
    "IPMAResults",
    "IPAResults",
    "plotting",
    "compare_groups",
    "index_change",
    "GroupComparison",
    "IndexChange",
    "micom",
    "MicomResult",
    "predict_pls",
    "PredictResults",
    "cvpat",
    "CVPATResults",
    "blindfolding",
    "segments",
    "fimix",
    "FimixResult",
    "FimixSelection",
    "SegmentExplanation",
    "SegmentModels",
    "__version__",
]


def __getattr__(name: str):
    # ``cm.plotting`` is imported on first use (it needs matplotlib only when drawing).
    if name == "plotting":
        import importlib

        return importlib.import_module(".plotting", __name__)
    raise AttributeError(f"module 'csimodel' has no attribute {name!r}")
