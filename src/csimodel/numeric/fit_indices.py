"""Fit indices of a covariance structure model (lavaan definitions), with the RMSEA
interval and the independence baseline.

Shared by the CB-SEM estimator and :class:`~csimodel.results.CBSEMResults` (internal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_option

__all__ = ["ESTIMATORS", "FIT_INDEX_NAMES", "fit_indices", "fit_indices_fiml"]

#: discrepancy functions whose fit indices this module computes
ESTIMATORS = ("ML", "GLS", "ULS")

FIT_INDEX_NAMES = (
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_lower",
    "rmsea_ci_upper",
    "rmsea_pvalue",
    "srmr",
    "aic",
    "bic",
    "baseline_chisq",
    "baseline_df",
    "loglik",
    "unrestricted_loglik",
    "npar",
    "ntotal",
)


# --------------------------------------------------------------------------- fit indices
def fit_indices(
    S: np.ndarray,
    Sigma: np.ndarray,
    n: int,
    npar: int,
    *,
    estimator: str = "ML",
    fmin: float | None = None,
) -> pd.Series:
    """Fit indices of a single-group covariance structure model (lavaan definitions).

    Parameters
    ----------
    S : ndarray of shape (p, p)
        Sample covariance matrix; divisor ``N`` for ML (``likelihood='normal'``),
        ``N - 1`` for GLS and ULS.
    Sigma : ndarray of shape (p, p)
        Model-implied covariance matrix at the estimate.
    n : int
        Number of respondents ``N``.
    npar : int
        Number of free parameters ``q``.
    estimator : {'ML', 'GLS', 'ULS'}, default='ML'
    fmin : float, optional
        Discrepancy at the estimate (recomputed from ``S`` and ``Sigma`` if omitted).

    Returns
    -------
    pandas.Series
        ``chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_lower, rmsea_ci_upper, rmsea_pvalue,
        srmr, aic, bic, baseline_chisq, baseline_df, loglik, unrestricted_loglik, npar,
        ntotal`` (``aic``, ``bic``, ``loglik``, ``unrestricted_loglik`` are NaN for GLS and
        ULS).

    Notes
    -----
    With ``p`` items, ``df = p(p+1)/2 - q``. ML: :math:`T = N F_{ML}`; GLS:
    :math:`T = (N-1) F` with :math:`F = \\tfrac12\\operatorname{tr}\\{[(S-\\Sigma)S^{-1}]^2\\}`;
    ULS: :math:`T = 2(N-1) F` with :math:`F = \\tfrac12\\sum_{i\\le j}(s_{ij}-\\sigma_{ij})^2`
    (lavaan's conventions).

    The baseline (independence) model has free variances of the observed items and zero
    covariances (``df_0 = p(p-1)/2``); for ML and ULS its optimum is
    :math:`\\Sigma_0 = \\operatorname{diag}(S)`, for GLS the diagonal solving the GLS
    normal equations. Single-indicator constraints of the target model play no role in
    it, so the baseline stays finite (lavaan's convention).

    .. math::

        CFI = 1 - \\frac{\\max(T - df, 0)}{\\max(T - df,\\ T_0 - df_0,\\ 0)},\\qquad
        TLI = \\frac{T_0/df_0 - T/df}{T_0/df_0 - 1}

        RMSEA = \\sqrt{\\max\\left(\\frac{T - df}{N\\,df}, 0\\right)}

    The 90% RMSEA interval inverts the noncentral chi-square distribution function in its
    noncentrality :math:`\\lambda` (:math:`F(T; df, \\lambda) = 0.95` and :math:`0.05`);
    p-close is :math:`1 - F(T; df, N\\,df\\,0.05^2)`. SRMR is lavaan's ``srmr``
    (= ``srmr_bentler``): root mean square of
    :math:`(s_{ij} - \\sigma_{ij})/\\sqrt{s_{ii}s_{jj}}` over :math:`i \\le j`. ML
    log-likelihood :math:`\\ell = -\\tfrac N2[p\\log 2\\pi + \\log|\\Sigma| +
    \\operatorname{tr}(S\\Sigma^{-1})]`, ``AIC = -2ℓ + 2q``, ``BIC = -2ℓ + q log N``.

    Tested against lavaan 0.6.14 (R 4.2.2) on the ECSI data (``tests/data/lavaan_ecsi.json``).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> fi = fit_indices(S, S, n=100, npar=3)
    >>> float(fi["chisq"]), float(fi["df"]), float(fi["cfi"])
    (0.0, 0.0, 1.0)
    """

    check_option(estimator, "estimator", "fit_indices", ESTIMATORS)
    S = np.asarray(S, dtype=float)
    Sigma = np.asarray(Sigma, dtype=float)
    p = S.shape[0]
    iu = np.triu_indices(p)
    df = p * (p + 1) / 2 - npar
    df0 = p * (p - 1) / 2
    logdet_S = np.linalg.slogdet(S)[1]
    loglik = loglik_h1 = np.nan
    if estimator == "ML":
        loglik_h1 = -n / 2 * (p * np.log(2 * np.pi) + logdet_S + p)
        Si = np.linalg.inv(Sigma)
        logdet_Sig = np.linalg.slogdet(Sigma)[1]
        F = logdet_Sig + np.sum(S * Si) - logdet_S - p if fmin is None else fmin
        T = n * F
        T0 = n * (np.sum(np.log(np.diag(S))) - logdet_S)
        loglik = -n / 2 * (p * np.log(2 * np.pi) + logdet_Sig + np.sum(S * Si))
    elif estimator == "GLS":
        Vi = np.linalg.inv(S)
        R = (S - Sigma) @ Vi
        F = 0.5 * np.sum(R * R.T) if fmin is None else fmin
        d0 = np.linalg.solve(Vi * Vi, np.diag(Vi))
        R0 = (S - np.diag(d0)) @ Vi
        T = (n - 1) * F
        T0 = (n - 1) * 0.5 * np.sum(R0 * R0.T)
    else:
        R = S - Sigma
        F = 0.5 * np.sum(R[iu] ** 2) if fmin is None else fmin
        T = 2 * (n - 1) * F
        R0 = S - np.diag(np.diag(S))
        T0 = 2 * (n - 1) * 0.5 * np.sum(R0[iu] ** 2)
    T = max(float(T), 0.0)
    n_r = n if estimator == "ML" else n - 1  # lavaan: N - 1 unless likelihood='normal'
    sd = np.sqrt(np.diag(S))
    resid = (S - Sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[iu] ** 2)))
    return _indices_series(T, df, T0, df0, n, n_r, srmr, loglik, loglik_h1, npar)


def fit_indices_fiml(
    loglik: float,
    loglik_h1: float,
    loglik_0: float,
    n: int,
    q: int,
    *,
    em_mean: np.ndarray,
    em_cov: np.ndarray,
    mu: np.ndarray,
    Sigma: np.ndarray,
) -> pd.Series:
    r"""Fit indices of a FIML (``missing='fiml'``) fit, as lavaan defines them for
    ``missing = "ml"``.

    Parameters
    ----------
    loglik : float
        Casewise log-likelihood of the model at the estimate.
    loglik_h1 : float
        Log-likelihood of the unrestricted model (free means and covariances, by EM).
    loglik_0 : float
        Log-likelihood of the independence model (free means and variances).
    n : int
        Respondents used ``N``.
    q : int
        Free parameters of the covariance structure (``npar = q + p`` with the means).
    em_mean, em_cov : ndarray
        EM estimates of the unrestricted means and covariance matrix.
    mu, Sigma : ndarray
        Model means and model-implied covariance matrix at the estimate.

    Returns
    -------
    pandas.Series
        The entries of :func:`fit_indices`.

    Notes
    -----
    :math:`T = 2(\ell_{h1} - \ell)`, ``df = p(p+1)/2 - q`` (the ``p`` means cancel);
    :math:`T_0 = 2(\ell_{h1} - \ell_0)`, ``df_0 = p(p-1)/2``; CFI, TLI and RMSEA (with
    ``N``) as in :func:`fit_indices`. SRMR is lavaan's ``srmr_bentler`` with the mean
    structure: root mean square of the covariance residuals
    :math:`(\hat s_{ij} - \sigma_{ij})/\sqrt{\hat s_{ii}\hat s_{jj}}` (:math:`i \le j`) and
    the mean residuals :math:`(\hat m_i - \mu_i)/\sqrt{\hat s_{ii}}`, with the EM moments
    :math:`\hat m, \hat S`. ``AIC = -2ℓ + 2(q + p)``, ``BIC = -2ℓ + (q + p)\log N``.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.eye(2)
    >>> fi = fit_indices_fiml(-10.0, -10.0, -10.0, 50, 3, em_mean=np.zeros(2), em_cov=S,
    ...                       mu=np.zeros(2), Sigma=S)
    >>> float(fi["chisq"]), float(fi["df"]), float(fi["npar"])
    (0.0, 0.0, 5.0)
    """

    p = len(em_mean)
    df = p * (p + 1) / 2 - q
    df0 = p * (p - 1) / 2
    T = max(2.0 * (loglik_h1 - loglik), 0.0)
    T0 = 2.0 * (loglik_h1 - loglik_0)
    iu = np.triu_indices(p)
    sd = np.sqrt(np.diag(em_cov))
    r_cov = ((em_cov - Sigma) / np.outer(sd, sd))[iu]
    r_mean = (em_mean - mu) / sd
    srmr = float(np.sqrt((np.sum(r_cov**2) + np.sum(r_mean**2)) / (len(r_cov) + p)))
    return _indices_series(T, df, T0, df0, n, n, srmr, loglik, loglik_h1, q + p)


def _indices_series(
    T: float,
    df: float,
    T0: float,
    df0: float,
    n: float,
    n_r: float,
    srmr: float,
    loglik: float,
    loglik_h1: float,
    npar: float,
) -> pd.Series:
    """χ²-based indices (p, CFI, TLI, RMSEA with 90% CI and p-close), AIC/BIC, as a Series.

    ``n_r`` is the N in RMSEA's denominator (lavaan: N for ML, N - 1 otherwise).
    """
    from scipy import stats  # lazy: keep import csimodel light

    pvalue = float(stats.chi2.sf(T, df)) if df > 0 else np.nan
    num = max(T - df, 0.0)
    den = max(T - df, T0 - df0, 0.0)
    cfi = 1.0 if den == 0 else 1.0 - num / den
    tli = ((T0 / df0) - (T / df)) / ((T0 / df0) - 1.0) if df > 0 else np.nan
    if df > 0:
        rmsea = np.sqrt(max((T - df) / (n_r * df), 0.0))
        rmsea_lo = np.sqrt(_ncp_bound(T, df, 0.95) / (n_r * df))
        rmsea_hi = np.sqrt(_ncp_bound(T, df, 0.05) / (n_r * df))
        pclose = float(stats.ncx2.sf(T, df, n_r * df * 0.05**2))
    else:
        rmsea = rmsea_lo = rmsea_hi = pclose = np.nan
        if df == 0:
            rmsea = rmsea_lo = rmsea_hi = 0.0
    values = {
        "chisq": T,
        "df": df,
        "pvalue": pvalue,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_lower": rmsea_lo,
        "rmsea_ci_upper": rmsea_hi,
        "rmsea_pvalue": pclose,
        "srmr": srmr,
        "aic": -2 * loglik + 2 * npar,
        "bic": -2 * loglik + npar * np.log(n),
        "baseline_chisq": float(T0),
        "baseline_df": df0,
        "loglik": loglik,
        "unrestricted_loglik": loglik_h1,
        "npar": float(npar),
        "ntotal": float(n),
    }
    return pd.Series(values, name="fit_indices", dtype=float)


def _ncp_bound(T: float, df: float, prob: float) -> float:
    """Noncentrality λ ≥ 0 with ``ncx2.cdf(T, df, λ) = prob`` (0 if none)."""
    from scipy import optimize, stats  # lazy: keep import csimodel light

    def f(lam: float) -> float:
        if lam == 0:
            return stats.chi2.cdf(T, df) - prob
        return stats.ncx2.cdf(T, df, lam) - prob

    if f(0.0) < 0:
        return 0.0
    hi = max(T, 1.0)
    while f(hi) > 0:
        hi *= 2
    return float(optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-14))
