"""Information criteria for model selection per endogenous construct (Sharma et al. 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["model_selection"]


def _sse(S: np.ndarray, j: int, preds: list[int], n: int) -> float:
    """Residual sum of squares of the OLS of score j on scores ``preds`` (with intercept)."""
    if not preds:
        return float((n - 1) * S[j, j])
    A = S[np.ix_(preds, preds)]
    c = S[preds, j]
    return float((n - 1) * (S[j, j] - c @ np.linalg.solve(A, c)))


def model_selection(res: Any) -> pd.DataFrame:
    """BIC, AIC, HQ and the Geweke-Meese criterion of every endogenous construct.

    From the OLS regression of the construct's scores on its predecessors' scores, with
    :math:`k` = number of predecessors + 1 and SSE its residual sum of squares:

    .. math::

        AIC = n \\ln(SSE/n) + 2k, \\quad BIC = n \\ln(SSE/n) + k \\ln n, \\quad
        HQ = n \\ln(SSE/n) + 2k \\ln \\ln n, \\quad
        GM = SSE / \\hat\\sigma^2_{sat} + k \\ln n

    (Sharma et al. 2019, Table B1). The saturated model of GM regresses the construct on
    every construct that is not one of its descendants (all constructs that could precede
    it); :math:`\\hat\\sigma^2_{sat} = SSE_{sat} / (n - k_{sat})`. The scores' covariance
    comes from the moments (the PLS construct correlations), so the criteria are available
    for fits from summary statistics too. Smaller is better; compare
    models on the same construct and data.

    Returns
    -------
    pandas.DataFrame
        Index = endogenous construct; columns ``bic, aic, hq, gm, k, sse``.

    References
    ----------
    Sharma, P. N., Shmueli, G., Sarstedt, M., Danks, N., Ray, S. (2019). Prediction-oriented
    model selection in partial least squares path modeling. *Decision Sciences* 52(3),
    567-607.
    """
    m = res.model
    n = res.n_used
    # covariance (= correlation) of the standardized PLS construct scores, from the moments:
    # the same matrix as np.cov(res.scores, ddof=1), also for fits from summary statistics
    arr = res.arrays
    S = getattr(arr, "uncorrected_cor", None)
    S = np.asarray(arr.construct_cor if S is None else S)[0]
    D = m.path_matrix().astype(bool)
    J = D.shape[0]
    reach = D.copy()
    for _ in range(J):
        reach = reach | ((reach.astype(int) @ D.astype(int)) > 0)
    rows = []
    endo = [c for c in m.constructs if c in set(m.endogenous)]
    for c in endo:
        j = m.constructs.index(c)
        preds = [i for i in range(J) if D[i, j]]
        sat = [i for i in range(J) if i != j and not reach[j, i]]
        k = len(preds) + 1
        sse = _sse(S, j, preds, n)
        sse_sat = _sse(S, j, sat, n)
        base = n * np.log(sse / n)
        sigma2 = sse_sat / (n - len(sat) - 1)
        rows.append(
            (
                base + k * np.log(n),
                base + 2 * k,
                base + 2 * k * np.log(np.log(n)),
                sse / sigma2 + k * np.log(n),
                k,
                sse,
            )
        )
    return pd.DataFrame(
        rows,
        index=pd.Index(endo, name="construct"),
        columns=["bic", "aic", "hq", "gm", "k", "sse"],
    )
