"""Poisson bootstrap for fits from Dask/Parquet data (one more tree-reduced data pass)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError
from .door import _FAN_IN, DistributedData, _apply_policy, _import_dask

__all__ = ["poisson_bootstrap", "PoissonBootstrap"]

_BOOT_ROWS = 1 << 13


def _poisson_counts(seed: int, part: int, chunk: int, n_boot: int, m: int) -> np.ndarray:
    """Counts of used rows ``[chunk*8192, ...)`` of partition ``part``: ``(n_boot, m)``."""
    return np.random.default_rng([seed, part, chunk]).poisson(1.0, size=(n_boot, m)).astype(float)


def _partition_boot(
    pdf, part, items, codes, missing, impute_means, wcol, wscale, n_boot, seed
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson(1) resample counts for one partition -> (W (B,), mean (B,p), M2 (B,p,p))."""
    X, _, w = _apply_policy(pdf, items, codes, missing, impute_means, wcol)
    n, p = X.shape
    W = np.zeros(n_boot)
    mean = np.zeros((n_boot, p))
    M2 = np.zeros((n_boot, p, p))
    if n == 0:
        return W, mean, M2
    c = X.mean(axis=0)
    XT = np.ascontiguousarray((X - c).T)
    iu, ju = np.triu_indices(p)
    acc = np.zeros((n_boot, p + len(iu)))
    for chunk, start in enumerate(range(0, n, _BOOT_ROWS)):
        stop = min(start + _BOOT_ROWS, n)
        F = _poisson_counts(seed, part, chunk, n_boot, stop - start)
        if w is not None:
            F *= w[start:stop] * wscale
        YT = XT[:, start:stop]
        ZT = np.empty((p + len(iu), stop - start))
        ZT[:p] = YT
        k = p
        for i in range(p):  # upper-triangle cross-products (np.triu_indices order)
            np.multiply(YT[i], YT[i:], out=ZT[k : k + p - i])
            k += p - i
        acc += (ZT @ F.T).T  # contiguous rows; much faster than F @ Z for a short, wide F
        W += F.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = acc[:, :p] / W[:, None]
        tri = acc[:, p:] - W[:, None] * d[:, iu] * d[:, ju]
    M2[:, iu, ju] = tri
    M2[:, ju, iu] = tri
    return W, np.where(W[:, None] > 0, c + d, 0.0), np.where(W[:, None, None] > 0, M2, 0.0)


def _combine_boot(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Batched Chan et al. update over partitions."""

    def two(a, b):
        Wa, ma, Ma = a
        Wb, mb, Mb = b
        W = Wa + Wb
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(W > 0, Wb / W, 0.0)
            g = np.where(W > 0, Wa * Wb / W, 0.0)
        d = mb - ma
        return W, ma + d * f[:, None], Ma + Mb + d[:, :, None] * d[:, None, :] * g[:, None, None]

    return reduce(two, parts)


@dataclass(frozen=True, eq=False)
class PoissonBootstrap:
    """Poisson bootstrap of a fit from Dask/Parquet data.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per resample, one column per parameter (MultiIndex ``lhs, op, rhs`` in the
        row order of ``FitResults.params``).
    params : pandas.DataFrame
        ``lhs, op, rhs, estimate, se, ci_lower, ci_upper`` (percentile intervals).
    n_boot, n_failed : int
        Resamples drawn; resamples that did not converge (left out of ``se`` and the CIs).
    level : float
    """

    draws: pd.DataFrame
    params: pd.DataFrame
    n_boot: int
    n_failed: int
    level: float


def poisson_bootstrap(
    res: Any, *, n_boot: int = 200, random_state: int = 0, level: float = 0.95
) -> PoissonBootstrap:
    """Bootstrap standard errors for a fit from Dask/Parquet data in one more data pass.

    Each used respondent gets an independent Poisson(1) count in every resample (the
    Poisson bootstrap, which approximates the multinomial resampling of the classical
    bootstrap for large *n*; Hanley & MacGibbon 2006, Chamandy et al. 2012). Counts are
    drawn per partition from ``numpy.random.default_rng([random_state, partition])``, so
    the result is reproducible and independent of the cluster. Every partition returns the
    ``(n_boot, p, p)`` centred co-moments of its resamples; they are combined by the same
    tree reduction as the fit, and the batched engine estimates all resamples at once.

    Parameters
    ----------
    res : FitResults
        A fit from Dask/Parquet data.
    n_boot : int, default=200
    random_state : int, default=0
    level : float, default=0.95

    Returns
    -------
    PoissonBootstrap

    References
    ----------
    Hanley, J. A., MacGibbon, B. (2006). Creating non-parametric bootstrap samples using
    Poisson frequencies. *Computer Methods and Programs in Biomedicine* 83, 57-62.
    Chamandy, N., Muralidharan, O., Najmi, A., Naidu, S. (2012). Estimating uncertainty for
    massive data streams. Google technical report.
    """
    from .._validation import check_number
    from ..layout import flatten_params, param_rows

    data = res.data
    if not isinstance(data, DistributedData):
        raise DataError(
            "poisson_bootstrap() is for fits from Dask/Parquet data; in-memory fits use the "
            "classical bootstrap."
        )
    check_number(n_boot, "n_boot", "poisson_bootstrap", integer=True, low=2)
    check_number(random_state, "random_state", "poisson_bootstrap", integer=True, low=0)
    check_number(level, "level", "poisson_bootstrap", low=0, high=1, low_open=True, high_open=True)
    dask, _ = _import_dask()
    wscale = 1.0
    if data.weights is not None and not data.weights_integer:
        wscale = data.n_used / data.weight_total
    codes = np.asarray(data.missing_values, dtype=float) if data.missing_values else None
    boot = dask.delayed(_partition_boot)
    level_ = [
        boot(
            part,
            k,
            data.items,
            codes,
            data.missing,
            data.impute_means,
            data.weights,
            wscale,
            n_boot,
            random_state,
        )
        for k, part in enumerate(data.frame.to_delayed())
    ]
    combine = dask.delayed(_combine_boot)
    while len(level_) > 1:
        level_ = [combine(level_[i : i + _FAN_IN]) for i in range(0, len(level_), _FAN_IN)]
    ((W, _mean, M2),) = dask.compute(level_[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        S = M2 / (W - 1.0)[:, None, None]
    S = (S + S.transpose(0, 2, 1)) / 2.0
    est = res.estimator.estimate(S, res.model)
    flat = flatten_params(est, res.model)
    ok = est.converged & np.all(np.isfinite(flat), axis=1)
    cols = pd.MultiIndex.from_tuples(param_rows(res.model), names=["lhs", "op", "rhs"])
    draws = pd.DataFrame(flat, columns=cols)
    good = flat[ok]
    a = (1 - level) / 2
    table = res.params.copy()
    table["se"] = good.std(axis=0, ddof=1) if len(good) > 1 else np.nan
    table["ci_lower"] = np.quantile(good, a, axis=0) if len(good) else np.nan
    table["ci_upper"] = np.quantile(good, 1 - a, axis=0) if len(good) else np.nan
    return PoissonBootstrap(
        draws=draws, params=table, n_boot=n_boot, n_failed=int((~ok).sum()), level=level
    )
