"""Robust ML (``estimator='MLR'``): Huber-White standard errors and the Yuan-Bentler
(Mplus variant) scaled test with the scaled and robust CFI/TLI/RMSEA, as lavaan 0.6
computes them for complete data without a mean structure.
"""

from __future__ import annotations

import numpy as np

from ..numeric.robust import gamma_adf, mlr_statistics, robust_indices
from ._cbsem_engine import _Engine, _observed_hessian


def mlr_extras(
    eng: _Engine, theta: np.ndarray, X: np.ndarray, T: float, T0: float
) -> dict[str, object]:
    """Sandwich covariance of the free parameters and the robust fit entries.

    ``eng`` is the ML engine on ``S`` (divisor ``N``), ``X`` the complete data used,
    ``T``/``T0`` the ML statistics of the model and of the independence baseline.
    """
    from scipy import stats  # lazy

    n, p = X.shape
    iu = np.triu_indices(p)
    S = eng.S
    Sigma = eng.implied(theta)[0]
    delta = eng.dsigma(theta)[:, iu[0], iu[1]]
    H = _observed_hessian(eng, theta)
    Gamma = gamma_adf(X)
    df = p * (p + 1) / 2 - eng.q
    df0 = p * (p - 1) / 2
    model = mlr_statistics(Gamma, S, Sigma, delta, H, n, df)
    # independence baseline: Σ0 = diag(S), θ0 = the p variances, Hessian of F = 1/s_jj²
    is_diag = iu[0] == iu[1]
    delta0 = np.zeros((p, len(iu[0])))
    delta0[np.arange(p), np.flatnonzero(is_diag)] = 1.0
    s = np.diag(S)
    base = mlr_statistics(Gamma, S, np.diag(s), delta0, np.diag(1.0 / s**2), n, df0)
    c, c0 = float(model["scaling_factor"]), float(base["scaling_factor"])  # type: ignore[arg-type]
    fit: dict[str, float] = {
        "chisq_scaled": T / c,
        "df_scaled": df,
        "pvalue_scaled": float(stats.chi2.sf(T / c, df)) if df > 0 else np.nan,
        "scaling_factor": c,
        "baseline_chisq_scaled": T0 / c0,
        "baseline_scaling_factor": c0,
    }
    fit.update(robust_indices(T, df, T0, df0, n, c, c0))
    return {"acov": model["acov"], "fit": fit, "information": "observed (sandwich)"}
