"""Inference on fitted models: bootstrap, group comparison (MGA, permutation), MICOM."""

from .bootstrap import BootstrapResults, bootstrap
from .groups import GroupComparison, IndexChange, compare_groups, index_change
from .mediation import mediation
from .micom import MicomResult, micom
from .slopes import SimpleSlopes, simple_slopes

__all__ = [
    "bootstrap",
    "BootstrapResults",
    "compare_groups",
    "index_change",
    "GroupComparison",
    "IndexChange",
    "micom",
    "MicomResult",
    "mediation",
    "simple_slopes",
    "SimpleSlopes",
]
