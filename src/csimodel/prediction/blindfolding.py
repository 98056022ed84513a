"""Blindfolding: Stone-Geisser Q² by omission distance (Hair et al. primer; semPLS)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import DataError, EstimationError
from ..numeric.prediction import construct_scores, predict_constructs
from ._folds import blas_threads_for, check_pls_result

__all__ = ["blindfolding"]


def _nearest_valid(n: int, d: int) -> int:
    for step in range(1, n):
        for cand in (d - step, d + step):
            if 2 <= cand < n and n % cand:
                return cand
    return d


def _check_distance(d: Any, n: int) -> int:
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or not 2 <= int(d) < n:
        raise DataError(
            "The 'omission_distance' parameter of blindfolding must be an integer between 2 and "
            f"n - 1 = {n - 1} (5 to 12 is usual). Got {d!r} instead."
        )
    d = int(d)
    if n % d == 0:
        raise DataError(
            f"The 'omission_distance' parameter of blindfolding must not divide the number of "
            f"used respondents ({n}): with n / D a whole number the same respondents are "
            f"omitted for every item. Got {d}; use {_nearest_valid(n, d)} instead."
        )
    return d


def blindfolding(res: Any, omission_distance: int = 7) -> pd.DataFrame:
    """Stone-Geisser Q² of every endogenous construct by blindfolding.

    One endogenous construct at a time, its ``n x K`` item cells are numbered item by item
    (down the respondents of the first item, then the second, ...). Round ``r`` (of ``D``)
    omits the cells whose number modulo ``D`` equals ``r`` and replaces them by the mean
    of that item's remaining values; the model is re-estimated on these data (all rounds of
    all constructs in one batched engine call) and the omitted cells are predicted

    * from the predecessors (cross-validated redundancy):
      :math:`\\hat x = \\bar x + s \\lambda \\sum_i \\beta_i Y_i`,
    * from the construct itself (cross-validated communality):
      :math:`\\hat x = \\bar x + s \\lambda Y_j`,

    with the round's item mean and SD, loading, paths and scores. With the sum of squared
    prediction errors SSE and the sum of squares around the non-omitted mean SSO over all
    rounds, :math:`Q^2 = 1 - \\sum SSE / \\sum SSO`.

    Parameters
    ----------
    res : FitResults
        A PLS fit (without case weights).
    omission_distance : int, default=7
        ``D``; must not divide the number of used respondents (the error names the nearest
        valid value).

    Returns
    -------
    pandas.DataFrame
        Index = endogenous construct; columns ``q2`` (redundancy), ``q2_communality``,
        ``sse``, ``sse_communality``, ``sso``.

    References
    ----------
    Hair, J. F., Hult, G. T. M., Ringle, C. M., Sarstedt, M. (2017). *A Primer on Partial
    Least Squares Structural Equation Modeling* (2nd ed.), ch. 6. Sage.
    Monecke, A., Leisch, F. (2012). semPLS: structural equation modeling using partial least
    squares. *Journal of Statistical Software* 48(3).

    Tested against a small example worked by hand (refits with ``cm.PLS().fit`` on every
    round's data) in ``tests/prediction/test_blindfolding.py``.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> q2 = cm.blindfolding(res, omission_distance=7)
    >>> bool((q2["q2"] > 0).all())
    True
    """
    check_pls_result(res, "blindfolding")
    n = res.n_used
    D = _check_distance(omission_distance, n)
    model = res.model
    X = res.data.X
    constructs = list(model.constructs)
    endo = [c for c in constructs if c in set(model.endogenous)]
    item_pos = {it: k for k, it in enumerate(model.items)}
    stacks, omitted = [], []
    for c in endo:
        idx = [item_pos[i] for i in model.blocks[c]]
        number = np.arange(len(idx))[None, :] * n + np.arange(n)[:, None]  # (n, K)
        for r in range(D):
            om = number % D == r
            Xr = X.copy()
            for col, k in enumerate(idx):
                keep = ~om[:, col]
                Xr[om[:, col], k] = X[keep, k].mean()
            stacks.append(Xr)
            omitted.append((c, idx, om))
    Xs = np.stack(stacks)  # (B, n, p)
    mean = Xs.mean(axis=1)
    Xc = Xs - mean[:, None, :]
    S = np.einsum("bni,bnj->bij", Xc, Xc) / (n - 1)
    with blas_threads_for(float(Xs.size) * X.shape[1]):
        est = res.estimator.estimate(S, model)
    if not (np.all(np.isfinite(est.weights)) and np.all(np.isfinite(est.paths))):
        raise EstimationError(
            "blindfolding: a round's re-estimation gave non-finite estimates. Use another "
            "omission_distance."
        )
    sd = np.sqrt(np.einsum("bii->bi", S))
    mask = model.block_mask().astype(float)
    item_w = (est.weights * mask).sum(axis=2)
    load = (est.block_loadings * mask).sum(axis=2)
    exo = ~model.path_matrix().astype(bool).any(axis=0)
    standardized = bool(getattr(res.estimator, "standardize", True))
    sums = {c: np.zeros(3) for c in endo}
    for b, (c, idx, om) in enumerate(omitted):
        j = constructs.index(c)
        Y = construct_scores(Xs[b], mean[b], sd[b], item_w[b], mask, standardized)
        red = predict_constructs(Y, est.paths[b], exo, "direct")[:, j]
        for col, k in enumerate(idx):
            rows = om[:, col]
            x = X[rows, k]
            base = mean[b, k] + np.zeros(rows.sum())
            scale = sd[b, k] * load[b, k]
            sums[c] += (
                np.sum((x - (base + scale * red[rows])) ** 2),
                np.sum((x - (base + scale * Y[rows, j])) ** 2),
                np.sum((x - base) ** 2),
            )
    tab = pd.DataFrame(
        [sums[c] for c in endo],
        index=pd.Index(endo, name="construct"),
        columns=["sse", "sse_communality", "sso"],
    )
    tab.insert(0, "q2_communality", 1.0 - tab["sse_communality"] / tab["sso"])
    tab.insert(0, "q2", 1.0 - tab["sse"] / tab["sso"])
    return tab
