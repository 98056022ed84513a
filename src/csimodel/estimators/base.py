"""Old home of the parameter layout; kept so ``csimodel.estimators.base`` imports still work.

The layout and effect algebra now live in :mod:`csimodel.layout`, below estimators and results.
"""

from ..layout import (
    EstimateArrays,
    effect_pairs,
    flatten_effects,
    flatten_params,
    param_rows,
    total_effects,
)

__all__ = [
    "EstimateArrays",
    "effect_pairs",
    "flatten_effects",
    "flatten_params",
    "param_rows",
    "total_effects",
]
