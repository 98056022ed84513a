"""CB-SEM for ordered categorical items: WLSMV (and DWLS) on polychoric correlations.

As lavaan 0.6 (``estimator = "WLSMV"``, ``parameterization = "delta"``), single group, all
model items ordered:

* sample statistics ``s = (τ, ρ)``: thresholds of every item and the polychoric
  correlations (two-step, :mod:`csimodel.numeric.polychoric`), with their asymptotic
  covariance ``Γ/N``;
* the model: thresholds free, latent responses with unit variances (delta
  parameterization), so the item residual variances are ``1 - (common variance)`` and not
  free; each construct's first loading fixed to 1 (as for ML);
* DWLS estimates: minimize :math:`(s - \\sigma)^\\top W (s - \\sigma)` with
  :math:`W = \\operatorname{diag}(\\Gamma)^{-1}`; the thresholds are saturated and equal
  the sample thresholds, so only the correlations carry information on ``θ``;
* robust (sandwich) covariance
  :math:`(\\Delta^\\top W\\Delta)^{-1}\\Delta^\\top W\\Gamma W\\Delta(\\Delta^\\top W\\Delta)^{-1}/(N-1)`
  (lavaan uses N - 1 as the sample size of these statistics and of RMSEA; checked against
  lavaan 0.6.14);
* test: :math:`T = (N-1) (s-\\hat\\sigma)^\\top W (s-\\hat\\sigma)` and the scaled-shifted
  :math:`a T + b` (:func:`csimodel.numeric.robust.scaled_shifted`), df = number of
  correlations minus free structural parameters; scaled CFI/TLI/RMSEA from the scaled
  statistics of the model and of the baseline (thresholds only, zero correlations).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..exceptions import EstimationError
from ..numeric.ordinal import check_ordinal as check_ordinal  # re-exported
from ..numeric.polychoric import polychoric
from ..numeric.robust import robust_indices, scaled_shifted
from ._cbsem_engine import _Engine, _minimize, _one_blas_thread, _simple_start, _Structure


def delta_structure(st: _Structure) -> tuple[_Structure, np.ndarray]:
    """The structure with item residual variances fixed (delta parameterization); also the
    row indices of those variances."""
    rows = np.array(
        [op == "~~" and lhs == rhs and st.ii[k] < st.p for k, (lhs, op, rhs) in enumerate(st.rows)]
    )
    return dataclasses.replace(st, free=st.free & ~rows), np.flatnonzero(rows)


def fit_dwls(est, model, st: _Structure, X: np.ndarray, estimator: str):
    """Estimate; return (engine with final residual variances, θ, F, convergence,
    robust dict for :meth:`CBSEMResults._build`)."""
    from scipy import stats  # lazy

    n, p = X.shape
    pc = polychoric(X)
    R = pc.corr
    T_th = sum(len(t) for t in pc.thresholds)
    iu1 = np.triu_indices(p, 1)
    npair = len(iu1[0])
    Gamma = pc.gamma
    wdiag = 1.0 / np.diag(Gamma)
    wmat = np.zeros((p, p))
    wmat[iu1] = wdiag[T_th:]
    wmat = wmat + wmat.T
    st_d, var_rows = delta_structure(st)
    eng = _Engine(st_d, R, "DWLS", weights=wmat)
    theta0 = _simple_start(eng)
    theta, n_iter = _minimize(eng, theta0, est.tol, est.max_iter)
    F, g = eng.objective(theta)
    max_g = float(np.max(np.abs(g)))
    conv = {
        "objective": F,
        "max_abs_gradient": max_g,
        "converged": bool(np.isfinite(F) and max_g <= max(est.tol * 1e3, 1e-5)),
        "n_iter": n_iter,
        "starts": (("simple", F, max_g, n_iter),),
    }
    # final structure: residual variances 1 - common variance (unit latent-response variances)
    Sigma0 = eng.implied(theta)[0]
    fixed = st_d.fixed_value.copy()
    fixed[var_rows] = 1.0 - np.diag(Sigma0)[st.ii[var_rows]]
    st_f = dataclasses.replace(st_d, fixed_value=fixed)
    eng_f = _Engine(st_f, R, "DWLS", weights=wmat)
    Sigma = eng_f.implied(theta)[0]
    # Δ over (thresholds, structural θ) -> (thresholds, correlations)
    q = eng_f.q
    D = eng_f.dsigma(theta)[:, iu1[0], iu1[1]]  # (q, npair)
    Delta = np.zeros((T_th + npair, T_th + q))
    Delta[:T_th, :T_th] = np.eye(T_th)
    Delta[T_th:, T_th:] = D.T
    W = wdiag
    WD = Delta * W[:, None]
    try:
        bread = np.linalg.inv(Delta.T @ WD)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "The DWLS information matrix is singular: the model is not identified from the "
            "thresholds and polychoric correlations. Check for constructs with too few "
            "items or redundant paths/covariances."
        ) from None
    meat = WD.T @ Gamma @ WD
    # lavaan 0.6 uses N - 1 as the sample size of the DWLS test, the sandwich and RMSEA;
    # DWLS (se="standard"): (Δ'WΔ)⁻¹/(N - 1), WLSMV (se="robust.sem"): the sandwich
    if estimator == "DWLS":
        acov_all = bread / (n - 1)
    else:
        acov_all = bread @ meat @ bread / (n - 1)
    acov_all = (acov_all + acov_all.T) / 2
    resid = R[iu1] - Sigma[iu1]
    T = float((n - 1) * np.sum(wdiag[T_th:] * resid**2))
    df = float(npair - q)
    T0 = float((n - 1) * np.sum(wdiag[T_th:] * R[iu1] ** 2))
    df0 = float(npair)
    fit = _fit_series(T, df, T0, df0, n, T_th + q, R, Sigma)
    if estimator == "WLSMV":
        # U Γ with U = W - W Δ (Δ'WΔ)⁻¹ Δ'W
        UG = (W[:, None] * Gamma) - WD @ bread @ (WD.T @ Gamma)
        Tss, a, b = scaled_shifted(T, df, UG)
        # baseline: only thresholds free -> U0 = W on the correlations
        G_cor = Gamma[T_th:, T_th:]
        UG0 = W[T_th:, None] * G_cor
        T0ss, a0, b0 = scaled_shifted(T0, df0, UG0)
        c = a * (df - b) / df if df > 0 else np.nan
        c0 = a0 * (df0 - b0) / df0
        extra = {
            "chisq_scaled": Tss,
            "df_scaled": df,
            "pvalue_scaled": float(stats.chi2.sf(Tss, df)) if df > 0 else np.nan,
            "scaling_factor": 1.0 / a,
            "shift_parameter": b,
            "baseline_chisq_scaled": T0ss,
        }
        rob = robust_indices(T, df, T0, df0, n - 1, c, c0, T_scaled=Tss, T0_scaled=T0ss)
        extra.update({k: v for k, v in rob.items() if k.endswith("_scaled")})
        fit = pd.concat([fit, pd.Series(extra, dtype=float)]).rename("fit_indices")
    # threshold rows as lavaan: lhs item, op "|", rhs t1, t2, ...
    se_all = np.sqrt(np.clip(np.diag(acov_all), 0, None))
    th_est = np.concatenate(pc.thresholds)
    labels = [
        (item, f"t{k + 1}")
        for item, t in zip(model.items, pc.thresholds, strict=True)
        for k in range(len(t))
    ]
    z = th_est / se_all[:T_th]
    th_rows = pd.DataFrame(
        {
            "lhs": [a for a, _ in labels],
            "op": "|",
            "rhs": [b for _, b in labels],
            "free": True,
            "estimate": th_est,
            "std_estimate": th_est,
            "se": se_all[:T_th],
            "z": z,
            "p": 2 * stats.norm.sf(np.abs(z)),
        }
    )
    items = list(model.items)
    robust = {
        "discrepancy": "DWLS",
        "acov": acov_all[T_th:, T_th:],
        "fit_indices": fit,
        "extra_params": th_rows,
        "polychoric": pd.DataFrame(R, index=items, columns=items),
        "thresholds": {it: t.copy() for it, t in zip(items, pc.thresholds, strict=True)},
        "wdiag": wdiag,
    }
    return eng_f, theta, F, conv, robust


def _fit_series(T, df, T0, df0, n, npar, R, Sigma) -> pd.Series:
    from ..numeric.fit_indices import _indices_series

    p = R.shape[0]
    iu = np.triu_indices(p)
    srmr = float(np.sqrt(np.mean((R - Sigma)[iu] ** 2)))
    fi = _indices_series(T, df, T0, df0, n, n - 1, srmr, np.nan, np.nan, npar)
    return fi.drop(["aic", "bic", "loglik", "unrestricted_loglik"])


def fit_wls(est, model, st: _Structure, X: np.ndarray):
    """Full-weight WLS (lavaan ``estimator = "WLS"`` with ordered items): W = Γ⁻¹ over
    thresholds and correlations jointly, started from the DWLS solution; standard SEs
    (Δ'WΔ)⁻¹/(N - 1) and T = (N - 1)·F (lavaan's defaults for WLS)."""
    from scipy import optimize, stats

    n, p = X.shape
    _, theta0, _, _, rob0 = fit_dwls(est, model, st, X, "DWLS")
    pc = polychoric(X)
    R = pc.corr
    iu1 = np.triu_indices(p, 1)
    T_th = sum(len(t) for t in pc.thresholds)
    tau_s = np.concatenate(pc.thresholds)
    s = np.concatenate([tau_s, R[iu1]])
    try:
        W = np.linalg.inv(pc.gamma)
        L = np.linalg.cholesky(W)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "The asymptotic covariance matrix of the thresholds and polychoric correlations "
            "is singular, so full-weight WLS is not defined (too few respondents for the "
            "number of items). Use estimator='WLSMV'."
        ) from None
    st_d, var_rows = delta_structure(st)
    eng = _Engine(st_d, R, "DWLS", weights=np.zeros((p, p)))

    def sigma(x):
        return np.concatenate([x[:T_th], eng.implied(x[T_th:])[0][iu1]])

    def resid(x):
        return L.T @ (s - sigma(x))

    x0 = np.concatenate([tau_s, theta0])
    with _one_blas_thread():
        res = optimize.least_squares(resid, x0, method="lm", xtol=1e-12, ftol=1e-12, gtol=1e-12)
    x = res.x
    theta = x[T_th:]
    F = float(res.fun @ res.fun)
    Sigma0 = eng.implied(theta)[0]
    fixed = st_d.fixed_value.copy()
    fixed[var_rows] = 1.0 - np.diag(Sigma0)[st.ii[var_rows]]
    st_f = dataclasses.replace(st_d, fixed_value=fixed)
    wdiag = rob0["wdiag"]
    wmat = np.zeros((p, p))
    wmat[iu1] = wdiag[T_th:]
    eng_f = _Engine(st_f, R, "DWLS", weights=wmat + wmat.T)
    Sigma = eng_f.implied(theta)[0]
    q = eng_f.q
    D = eng_f.dsigma(theta)[:, iu1[0], iu1[1]]
    Delta = np.zeros((len(s), T_th + q))
    Delta[:T_th, :T_th] = np.eye(T_th)
    Delta[T_th:, T_th:] = D.T
    acov_all = np.linalg.inv(Delta.T @ W @ Delta) / (n - 1)
    acov_all = (acov_all + acov_all.T) / 2
    T = (n - 1) * F
    df = float(len(iu1[0]) - q)
    # baseline: thresholds free, correlations 0 -> minimize over τ in closed form
    Wtt, Wtr, Wrr = W[:T_th, :T_th], W[:T_th, T_th:], W[T_th:, T_th:]
    r0 = R[iu1]
    T0 = float((n - 1) * r0 @ (Wrr - Wtr.T @ np.linalg.solve(Wtt, Wtr)) @ r0)
    fit = _fit_series(T, df, T0, float(len(iu1[0])), n, T_th + q, R, Sigma)
    se_all = np.sqrt(np.clip(np.diag(acov_all), 0, None))
    th_rows = rob0["extra_params"].copy()
    th_rows["estimate"] = x[:T_th]
    th_rows["std_estimate"] = x[:T_th]
    th_rows["se"] = se_all[:T_th]
    th_rows["z"] = th_rows["estimate"] / th_rows["se"]
    th_rows["p"] = 2 * stats.norm.sf(np.abs(th_rows["z"]))
    g = -2 * Delta.T @ W @ (s - sigma(x))
    gmax = float(np.max(np.abs(g)))
    conv = {
        "objective": F,
        "max_abs_gradient": gmax,
        "converged": bool(res.success and gmax <= 1e-5),
        "n_iter": int(res.nfev),
        "starts": (("dwls", F, gmax, int(res.nfev)),),
    }
    robust = dict(rob0)
    robust.update(
        {
            "discrepancy": "WLS",
            "acov": acov_all[T_th:, T_th:],
            "fit_indices": fit,
            "extra_params": th_rows,
        }
    )
    return eng_f, theta, F, conv, robust
