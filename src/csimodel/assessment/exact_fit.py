r"""Bootstrap inference for the assessment: HTMT upper bounds and the test of exact fit.

Both replay the same resamples (resample counts of the used rows, chunk by chunk):

* **HTMT upper bound** (Henseler, Ringle & Sarstedt 2015; Franke & Sarstedt 2019): HTMT and
  HTMT2 of every resample's item correlations; the one-sided upper bound is the
  ``level`` percentile (linear interpolation) of the resampled values. Discriminant
  validity is supported when the bound is below 1 (or a stricter 0.90 / 0.85).
* **Bootstrap test of exact fit** (Dijkstra & Henseler 2015): the data are first made to fit
  the model exactly by the Bollen-Stine (1992) transformation

  .. math:: X^* = (X - \bar x)\, S^{-1/2}\, \hat\Sigma_c^{1/2} + \bar x,
     \qquad \hat\Sigma_c = D \hat\Sigma D,

  with :math:`S` the (weighted) item covariance matrix, :math:`\hat\Sigma` the model-implied
  item correlation matrix of :mod:`csimodel.assessment.fit` and :math:`D` the item standard
  deviations (so the items keep their means and spread, and the correlations of
  :math:`X^*` are exactly :math:`\hat\Sigma`). Every resample of :math:`X^*` is re-estimated
  with the fit's estimator and its SRMR, d_ULS and d_G computed; HI95 and HI99 are the 95%
  and 99% quantiles of those values. The model is rejected at 5% (1%) when the original
  value exceeds HI95 (HI99). Done for the saturated and for the estimated model, each with
  its own :math:`\hat\Sigma`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..exceptions import CsimodelWarning
from ..moments import MomentBuilder, covariance
from .fit import fit_measures, implied_construct_cor, implied_item_cor
from .validity import htmt_batched

__all__ = ["bollen_stine", "implied_item_cors", "bootstrap_assessment"]

MEASURES = ("srmr", "d_uls", "d_g")
MODELS = ("saturated", "estimated")


def _sym_power(S: np.ndarray, power: float) -> np.ndarray:
    vals, vecs = np.linalg.eigh(S)
    if vals.min() <= 0:
        raise np.linalg.LinAlgError("matrix is not positive definite")
    return (vecs * vals**power) @ vecs.T


def bollen_stine(X: np.ndarray, weights: np.ndarray | None, Sigma: np.ndarray) -> np.ndarray:
    r"""Bollen-Stine transformed data whose (weighted) correlation matrix is ``Sigma``.

    :math:`X^* = (X - \bar x) S^{-1/2} (D \Sigma D)^{1/2} + \bar x` with :math:`\bar x, S`
    the (weighted) mean and covariance of ``X`` (divisor sum(w) - 1) and :math:`D` the
    item standard deviations; symmetric matrix square roots. The covariance of ``X*`` is
    :math:`D \Sigma D`.

    Raises
    ------
    numpy.linalg.LinAlgError
        If ``S`` or ``Sigma`` is not positive definite.
    """
    mean, S = covariance(X, weights)
    d = np.sqrt(np.diag(S))
    T = Sigma * np.outer(d, d)
    A = _sym_power(S, -0.5) @ _sym_power(T, 0.5)
    return (X - mean) @ A + mean


def implied_item_cors(arr, R: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Saturated and estimated model-implied item correlations ``(B, p, p)`` each.

    ``arr`` is a batch of estimates (:class:`~csimodel.layout.EstimateArrays`),
    ``R`` the item correlations ``(B, p, p)`` they were estimated from.
    """
    J = mask.shape[1]
    common = getattr(arr, "corrected", None)
    if common is None:
        common = np.zeros(J, dtype=bool)
    L = arr.block_loadings
    Phi_est = implied_construct_cor(arr.construct_cor, arr.paths, arr.r2)
    sat = implied_item_cor(R, L, arr.construct_cor, mask, common)
    est = implied_item_cor(R, L, Phi_est, mask, common)
    return sat, est


def _cor(S: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.einsum("bii->bi", S))
    return S / (d[:, :, None] * d[:, None, :])


def _quantile(a: np.ndarray, q: float) -> np.ndarray:
    return np.quantile(a, q, axis=0) if len(a) else np.full(a.shape[1:], np.nan)


def bootstrap_assessment(
    res,
    counts: Iterable[np.ndarray],
    Sigma: dict[str, np.ndarray],
    original: dict[str, np.ndarray],
    level: float,
) -> dict:
    """HTMT bounds and exact-fit test tables from resample-count chunks ``(m, n)``.

    ``Sigma`` maps 'saturated' / 'estimated' to the fit's implied item correlations,
    ``original`` to the fit's (SRMR, d_ULS, d_G). Returns a dict with ``htmt_upper``,
    ``htmt2_upper`` (DataFrames), ``model_fit_test`` (DataFrame) and ``n_boot``.
    """
    m = res.model
    mask = m.block_mask()
    X, w = res.data.X, res.data.weights
    base = MomentBuilder(X, w)
    star: dict[str, MomentBuilder | None] = {}
    for kind in MODELS:
        try:
            star[kind] = MomentBuilder(bollen_stine(X, w, Sigma[kind]), w)
        except np.linalg.LinAlgError:
            star[kind] = None
    h1, h2 = [], []
    stats: dict[str, list[np.ndarray]] = {k: [] for k in MODELS}
    n_boot = 0
    for F in counts:
        n_boot += len(F)
        R = _cor(base.moments(F)[1])
        h1.append(htmt_batched(R, mask, "htmt"))
        h2.append(htmt_batched(R, mask, "htmt2"))
        for kind, builder in star.items():
            if builder is None:
                continue
            S = builder.moments(F)[1]
            arr = res.estimator.estimate(S, m)
            Rb = _cor(S)
            with np.errstate(invalid="ignore", divide="ignore"):
                sig = implied_item_cors(arr, Rb, mask)[MODELS.index(kind)]
                fm = fit_measures(Rb, sig)
            fm[~np.asarray(arr.converged, bool)] = np.nan
            stats[kind].append(fm)
    c = pd.Index(m.constructs, name="construct")
    out = {
        "htmt_upper": pd.DataFrame(_quantile(np.concatenate(h1), level), index=c, columns=c),
        "htmt2_upper": pd.DataFrame(_quantile(np.concatenate(h2), level), index=c, columns=c),
        "n_boot": n_boot,
    }
    rows = []
    for kind in MODELS:
        orig = original[kind]
        dist = np.concatenate(stats[kind]) if stats[kind] else np.full((0, 3), np.nan)
        for k, name in enumerate(MEASURES):
            d = dist[:, k]
            d = d[np.isfinite(d)]
            hi95 = float(np.quantile(d, 0.95)) if len(d) else np.nan
            hi99 = float(np.quantile(d, 0.99)) if len(d) else np.nan
            rows.append(
                (
                    kind,
                    name,
                    float(orig[k]),
                    hi95,
                    hi99,
                    bool(orig[k] > hi95),
                    bool(orig[k] > hi99),
                    len(d),
                )
            )
    test = pd.DataFrame(
        rows,
        columns=[
            "model",
            "measure",
            "value",
            "HI95",
            "HI99",
            "exceeds_HI95",
            "exceeds_HI99",
            "n_boot",
        ],
    ).set_index(["model", "measure"])
    short = test["n_boot"] < n_boot
    if short.any():
        warnings.warn(
            f"The test of exact fit left out resamples that could not be estimated (or whose "
            f"implied matrix was not positive definite) for {int(short.sum())} statistic(s); "
            "see model_fit_test['n_boot'].",
            CsimodelWarning,
            stacklevel=3,
        )
    out["model_fit_test"] = test
    return out
