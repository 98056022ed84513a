"""Inference on fitted models: bootstrap, group comparison (MGA, permutation), MICOM."""

from .bootstrap import BootstrapResults, bootstrap
from .groups import GroupComparison, IndexChange, compare_groups, index_change
from .micom import MicomResult, micom

__all__ = [
    "bootstrap",
    "BootstrapResults",
    "compare_groups",
    "index_change",
    "GroupComparison",
    "IndexChange",
    "micom",
    "MicomResult",
]
