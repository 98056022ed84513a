"""Fitting and scoring from data larger than memory: Dask DataFrames and Parquet files.

A PLS fit needs only the item means and covariance matrix, and scoring is row-wise, so
both are map-reduce shaped. This subpackage validates a :class:`dask.dataframe.DataFrame`
(or Parquet files read lazily with Dask) partition by partition with the same rules as
:func:`csimodel.data.prepare`, and builds the moments as a *tree reduction* over
partitions that combines centred co-moments (Chan, Golub & LeVeque 1983):

.. math::

    W = W_a + W_b,\\quad \\delta = \\bar x_b - \\bar x_a,\\quad
    \\bar x = \\bar x_a + \\delta\\, W_b / W,\\quad
    M_2 = M_{2,a} + M_{2,b} + \\delta\\delta^\\top W_a W_b / W,

never raw sums of squares, so it stays accurate for any number of rows. The usual
batched estimator then runs on the moments. Nothing is materialised whole.

Dask is optional (``pip install "csimodel[dask]"``); it is imported only when
it is used, so ``import csimodel`` never imports Dask.

References
----------
Chan, T. F., Golub, G. H., LeVeque, R. J. (1983). Algorithms for computing the sample
variance: analysis and recommendations. *The American Statistician* 37(3), 242-247.
"""

from .bootstrap import PoissonBootstrap, poisson_bootstrap
from .door import (
    INSTALL_HINT,
    DistributedData,
    OptionalDependencyError,
    is_distributed_input,
    prepare_distributed,
)
from .scoring import construct_scores, index_means, index_scores, index_weights, score_partition

__all__ = [
    "DistributedData",
    "OptionalDependencyError",
    "is_distributed_input",
    "prepare_distributed",
    "construct_scores",
    "index_weights",
    "score_partition",
    "index_scores",
    "index_means",
    "poisson_bootstrap",
    "PoissonBootstrap",
    "INSTALL_HINT",
]
