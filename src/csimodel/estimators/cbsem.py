"""Covariance-based SEM (factor models) through semopy, polished and assessed by csimodel.

semopy fits the model first (it is the only csimodel module that imports semopy, and only
inside :meth:`CBSEM.fit`). csimodel then

1. rebuilds the same model in RAM form: variables ``v = (items, constructs)``, directed
   effects ``A`` (loadings and paths), symmetric ``P`` (variances and covariances) and

   .. math:: \\Sigma(\\theta) = F (I - A)^{-1} P (I - A)^{-\\top} F^\\top ,

2. checks the gradient of the discrepancy at semopy's solution and polishes it with a
   second optimizer (``scipy.optimize.minimize(method='trust-exact')`` with the analytic
   gradient; Fisher information as Hessian model first, then the exact Hessian from
   differences of the gradient), also from an independent start (and, for GLS/ULS, from
   the ML solution), keeping the lowest discrepancy; the convergence facts are recorded,
3. computes standard errors (expected information, as lavaan's default), the standardized
   solution, R², effects, factor scores and its own fit indices
   (:func:`fit_indices`) from the sample and model-implied covariance matrices.

Discrepancy functions (``S`` sample, ``Σ`` model-implied covariance, ``p`` items):

* ML: :math:`F = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p`,
  ``S`` with divisor ``N`` (lavaan ``likelihood='normal'``), :math:`T = N F`.
* GLS: :math:`F = \\tfrac12 \\operatorname{tr}\\{[(S-\\Sigma)S^{-1}]^2\\}`,
  ``S`` with divisor ``N - 1``, :math:`T = (N-1) F`.
* ULS: :math:`F = \\tfrac12 \\sum_{i \\le j} (s_{ij}-\\sigma_{ij})^2` (lavaan's unit
  weights on the non-duplicated elements), ``S`` with divisor ``N - 1``,
  :math:`T = 2(N-1) F`.

These conventions reproduce lavaan 0.6.14 (see ``docs/cbsem.md``).
"""

from __future__ import annotations

import contextlib
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._validation import ParameterError, check_number, check_option
from ..exceptions import (
    ConvergenceWarning,
    EstimationError,
    ModelError,
)
from ..spec import Model

__all__ = ["CBSEM", "ESTIMATORS", "fit_indices", "to_semopy_syntax"]

ESTIMATORS = ("ML", "GLS", "ULS")
_SEMOPY_OBJ = {"ML": "MLW", "GLS": "GLS", "ULS": "ULS"}
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
    "npar",
    "ntotal",
)


# --------------------------------------------------------------------------- structure
@dataclass(frozen=True)
class _Structure:
    """The model in RAM form: parameter rows and free-parameter index arrays."""

    names: tuple[str, ...]  # items then constructs
    p: int
    rows: tuple[tuple[str, str, str], ...]  # lhs, op, rhs per parameter row
    mat: np.ndarray  # (k,) 0 = A (directed), 1 = P (symmetric)
    ii: np.ndarray  # (k,) row index in A or P
    jj: np.ndarray  # (k,) column index
    free: np.ndarray  # (k,) bool
    fixed_value: np.ndarray  # (k,) value of fixed parameters


def _build_structure(model: Model) -> _Structure:
    composites = [c for c in model.constructs if model.modes[c] == "B"]
    if composites:
        raise ModelError(
            f"CB-SEM cannot estimate composite construct(s) {', '.join(map(repr, composites))} "
            "('<~'): a common-factor model needs reflective blocks. Write them with '=~', "
            "or fit the composite model with cm.PLS."
        )
    items = list(model.items)
    cons = list(model.constructs)
    names = items + cons
    pos = {n: k for k, n in enumerate(names)}
    rows: list[tuple[str, str, str]] = []
    mat: list[int] = []
    ii: list[int] = []
    jj: list[int] = []
    free: list[bool] = []
    val: list[float] = []

    def add(lhs: str, op: str, rhs: str, m: int, i: int, j: int, is_free: bool, v: float) -> None:
        rows.append((lhs, op, rhs))
        mat.append(m)
        ii.append(i)
        jj.append(j)
        free.append(is_free)
        val.append(v)

    for c in cons:
        for k, item in enumerate(model.blocks[c]):
            add(c, "=~", item, 0, pos[item], pos[c], k > 0, 1.0 if k == 0 else 0.0)
    for s, t in model.paths:
        add(t, "~", s, 0, pos[t], pos[s], True, 0.0)
    single = {model.blocks[c][0] for c in cons if len(model.blocks[c]) == 1}
    for item in items:
        # single-item construct: measured without error (loading 1, error variance 0)
        add(item, "~~", item, 1, pos[item], pos[item], item not in single, 0.0)
    seen: set[frozenset[str]] = set()
    item_set = set(items)
    extra_item_cov = []
    extra_con_cov = []
    for a, b in model.covariances:
        if a == b:
            if a in single:
                raise ModelError(
                    f"Item {a!r} is the single indicator of its construct; its error variance "
                    "is fixed to 0 in CB-SEM and cannot be freed with '~~'."
                )
            continue  # variances are free by default
        if (a in item_set) != (b in item_set):
            raise ModelError(
                f"The covariance '{a} ~~ {b}' links an item and a construct. Covariances must "
                "join two items (error covariance) or two constructs."
            )
        key = frozenset((a, b))
        if key in seen:
            continue
        seen.add(key)
        (extra_item_cov if a in item_set else extra_con_cov).append((a, b))
    for a, b in extra_item_cov:
        add(a, "~~", b, 1, pos[a], pos[b], True, 0.0)
    for c in cons:
        add(c, "~~", c, 1, pos[c], pos[c], True, 0.0)
    exo = list(model.exogenous)
    for x in range(len(exo)):
        for y in range(x + 1, len(exo)):
            key = frozenset((exo[x], exo[y]))
            if key not in seen:
                seen.add(key)
                add(exo[x], "~~", exo[y], 1, pos[exo[x]], pos[exo[y]], True, 0.0)
    for a, b in extra_con_cov:
        add(a, "~~", b, 1, pos[a], pos[b], True, 0.0)
    return _Structure(
        names=tuple(names),
        p=len(items),
        rows=tuple(rows),
        mat=np.array(mat, dtype=int),
        ii=np.array(ii, dtype=int),
        jj=np.array(jj, dtype=int),
        free=np.array(free, dtype=bool),
        fixed_value=np.array(val, dtype=float),
    )


def to_semopy_syntax(model: Model) -> str:
    """Translate a :class:`~csimodel.Model` to semopy's model description.

    Single-item constructs get loading 1 (semopy's marker default) and error variance
    fixed to 0; exogenous constructs covary freely (as in lavaan's ``sem()``/``cfa()``);
    ``~~`` statements are passed through; composites (``<~``) raise :class:`ModelError`.

    Examples
    --------
    >>> import csimodel as cm
    >>> print(to_semopy_syntax(cm.Model("A =~ a1 + a2 + a3; B =~ b1; B ~ A")))
    A =~ a1 + a2 + a3
    B =~ b1
    B ~ A
    b1 ~~ 0*b1
    """
    st = _build_structure(model)  # validates (composites, covariances)
    lines = [f"{c} =~ {' + '.join(model.blocks[c])}" for c in model.constructs]
    targets: dict[str, list[str]] = {}
    for s, t in model.paths:
        targets.setdefault(t, []).append(s)
    lines += [f"{t} ~ {' + '.join(src)}" for t, src in targets.items()]
    for (lhs, op, rhs), is_free in zip(st.rows, st.free, strict=True):
        if op != "~~":
            continue
        if not is_free:
            lines.append(f"{lhs} ~~ 0*{rhs}")
        elif lhs != rhs:
            lines.append(f"{lhs} ~~ {rhs}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- engine
class _Engine:
    """Implied covariance, discrepancy, gradient and Fisher information for one S."""

    def __init__(self, st: _Structure, S: np.ndarray, estimator: str) -> None:
        self.st = st
        self.S = S
        self.estimator = estimator
        self.p = st.p
        self.m = len(st.names)
        f = st.free
        self.fa = f & (st.mat == 0)
        self.fp = f & (st.mat == 1)
        self.ia = np.flatnonzero(self.fa[f])  # positions in theta
        self.ip = np.flatnonzero(self.fp[f])
        self.A0 = np.zeros((self.m, self.m))
        self.P0 = np.zeros((self.m, self.m))
        for k in np.flatnonzero(~f):
            M = self.A0 if st.mat[k] == 0 else self.P0
            M[st.ii[k], st.jj[k]] = st.fixed_value[k]
            if st.mat[k] == 1:
                M[st.jj[k], st.ii[k]] = st.fixed_value[k]
        self.a_i, self.a_j = st.ii[self.fa], st.jj[self.fa]
        self.p_i, self.p_j = st.ii[self.fp], st.jj[self.fp]
        self.p_off = (self.p_i != self.p_j).astype(float)
        self.q = int(f.sum())
        sign, self.logdet_S = np.linalg.slogdet(S)
        if sign <= 0:
            raise EstimationError(
                "The item covariance matrix is not positive definite (collinear items or fewer "
                "respondents than items); CB-SEM needs a full-rank covariance matrix."
            )
        self.S_inv = np.linalg.inv(S)
        self.iu = np.triu_indices(self.p)

    # matrices ---------------------------------------------------------------
    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A = self.A0.copy()
        P = self.P0.copy()
        A[self.a_i, self.a_j] = theta[self.ia]
        P[self.p_i, self.p_j] = theta[self.ip]
        P[self.p_j, self.p_i] = theta[self.ip]
        return A, P

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Σ, E = (I - A)^-1, C = full model-implied covariance of all variables)."""
        A, P = self.matrices(theta)
        E = np.linalg.inv(np.eye(self.m) - A)
        C = E @ P @ E.T
        C = (C + C.T) / 2
        return C[: self.p, : self.p], E, C

    # discrepancy ------------------------------------------------------------
    def objective(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        Sigma, E, C = self.implied(theta)
        S = self.S
        if self.estimator == "ML":
            try:
                L = np.linalg.cholesky(Sigma)
            except np.linalg.LinAlgError:
                return np.inf, np.zeros(self.q)
            Si = np.linalg.inv(Sigma)
            logdet = 2 * np.log(np.diag(L)).sum()
            F = logdet + np.sum(S * Si) - self.logdet_S - self.p
            W = Si - Si @ S @ Si
        elif self.estimator == "GLS":
            R = (S - Sigma) @ self.S_inv
            F = 0.5 * np.sum(R * R.T)
            W = -self.S_inv @ (S - Sigma) @ self.S_inv
        else:  # ULS on the non-duplicated elements
            R = S - Sigma
            F = 0.5 * (np.sum(R * R) + np.sum(np.diag(R) ** 2)) / 2
            W = -(R + np.diag(np.diag(R))) / 2
        return float(F), self._grad(W, E, C)

    def _grad(self, W: np.ndarray, E: np.ndarray, C: np.ndarray) -> np.ndarray:
        M = E[: self.p]  # (p, m)
        H = C[:, : self.p]  # (m, p)
        g = np.zeros(self.q)
        MW = M.T @ W  # (m, p)
        GA = 2 * MW @ H.T  # (m, m): dF/dA
        GP = MW @ M  # (m, m): dF/dP (one triangle)
        g[self.ia] = GA[self.a_i, self.a_j]
        g[self.ip] = GP[self.p_i, self.p_j] * (1 + self.p_off)
        return g

    def dsigma(self, theta: np.ndarray) -> np.ndarray:
        """(q, p, p) derivatives of Σ with respect to the free parameters."""
        _, E, C = self.implied(theta)
        M = E[: self.p]
        H = C[:, : self.p]
        D = np.zeros((self.q, self.p, self.p))
        D[self.ia] = M[:, self.a_i].T[:, :, None] * H[self.a_j][:, None, :]
        D[self.ip] = M[:, self.p_i].T[:, :, None] * M[:, self.p_j].T[:, None, :]
        D = D + D.transpose(0, 2, 1)
        D[self.ip[self.p_off == 0]] /= 2
        return D

    def fisher(self, theta: np.ndarray, D: np.ndarray | None = None) -> np.ndarray:
        """Expected second derivative of F (Hessian model for the optimizer)."""
        if D is None:
            D = self.dsigma(theta)
        if self.estimator == "ULS":
            Dv = D[:, self.iu[0], self.iu[1]]
            return Dv @ Dv.T
        if self.estimator == "ML":
            V = np.linalg.inv(self.implied(theta)[0])
        else:
            V = self.S_inv
        VD = np.einsum("ij,kjl->kil", V, D)
        return np.einsum("kij,lji->kl", VD, VD)


def _one_blas_thread():
    """Limit BLAS to one thread while fitting: the matrices are tiny (p x p), and threaded
    BLAS on a busy machine makes semopy's fit 10x slower (measured on 2 shared cores)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with semopy's dependencies
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _minimize(eng: _Engine, theta0: np.ndarray, tol: float, max_iter: int):
    with _one_blas_thread():
        return _minimize_impl(eng, theta0, tol, max_iter)


def _minimize_impl(eng: _Engine, theta0: np.ndarray, tol: float, max_iter: int):
    """Trust-region minimization (``scipy.optimize.minimize(method='trust-exact')``) with the
    analytic gradient: first with the Fisher information as Hessian model (cheap, robust
    far from the optimum), then, if the gradient is not yet below ``tol``, with the exact
    Hessian from central differences of the analytic gradient (quadratic convergence on
    the flat ridges where Fisher scoring crawls)."""

    def fun(t):
        return eng.objective(t)

    def fisher(t):
        return eng.fisher(t) + 1e-12 * np.eye(len(t))

    def newton(t):
        q = len(t)
        h = 1e-5 * np.maximum(1.0, np.abs(t))
        Hm = np.empty((q, q))
        for k in range(q):
            e = np.zeros(q)
            e[k] = h[k]
            fp, gp = eng.objective(t + e)
            fm, gm = eng.objective(t - e)
            if not (np.isfinite(fp) and np.isfinite(fm)):
                return eng.fisher(t)
            Hm[:, k] = (gp - gm) / (2 * h[k])
        return (Hm + Hm.T) / 2

    n_iter = 0
    theta = theta0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for hess, iters in ((fisher, min(max_iter, 100)), (newton, max_iter)):
            res = optimize.minimize(
                fun,
                theta,
                jac=True,
                hess=hess,
                method="trust-exact",
                options={"gtol": tol, "maxiter": iters},
            )
            n_iter += int(res.nit)
            theta = res.x
            if np.max(np.abs(res.jac)) <= tol:
                break
    return theta, n_iter


def _simple_start(eng: _Engine) -> np.ndarray:
    """Independent start: unit loadings, half the item variance as error variance, half the
    marker item's variance for exogenous constructs (5% for disturbances), zero paths."""
    st = eng.st
    s_ii = np.diag(eng.S)
    endog = {lhs for lhs, op, _ in st.rows if op == "~"}
    marker: dict[str, int] = {}
    for k, (lhs, op, _) in enumerate(st.rows):
        if op == "=~" and lhs not in marker:
            marker[lhs] = int(st.ii[k])
    theta = []
    for k in np.flatnonzero(st.free):
        lhs, op, rhs = st.rows[k]
        if op == "=~":
            theta.append(1.0)
        elif op == "~~" and lhs == rhs:
            if st.ii[k] < eng.p:
                theta.append(0.5 * s_ii[st.ii[k]])
            else:
                theta.append((0.05 if lhs in endog else 0.5) * s_ii[marker[lhs]])
        else:
            theta.append(0.0)
    return np.array(theta)


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
        srmr, aic, bic, baseline_chisq, baseline_df, loglik, npar, ntotal``
        (``aic``, ``bic``, ``loglik`` are NaN for GLS and ULS).

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
    loglik = np.nan
    if estimator == "ML":
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
    pvalue = float(stats.chi2.sf(T, df)) if df > 0 else np.nan
    num = max(T - df, 0.0)
    den = max(T - df, T0 - df0, 0.0)
    cfi = 1.0 if den == 0 else 1.0 - num / den
    tli = ((T0 / df0) - (T / df)) / ((T0 / df0) - 1.0) if df > 0 else np.nan
    n_r = n if estimator == "ML" else n - 1  # lavaan: N - 1 unless likelihood='normal'
    if df > 0:
        rmsea = np.sqrt(max((T - df) / (n_r * df), 0.0))
        lo = _ncp_bound(T, df, 0.95)
        hi = _ncp_bound(T, df, 0.05)
        rmsea_lo = np.sqrt(lo / (n_r * df))
        rmsea_hi = np.sqrt(hi / (n_r * df))
        pclose = float(stats.ncx2.sf(T, df, n_r * df * 0.05**2))
    else:
        rmsea = rmsea_lo = rmsea_hi = pclose = np.nan
        if df == 0:
            rmsea = rmsea_lo = rmsea_hi = 0.0
    sd = np.sqrt(np.diag(S))
    resid = (S - Sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[iu] ** 2)))
    aic = -2 * loglik + 2 * npar
    bic = -2 * loglik + npar * np.log(n)
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
        "aic": aic,
        "bic": bic,
        "baseline_chisq": float(T0),
        "baseline_df": df0,
        "loglik": loglik,
        "npar": float(npar),
        "ntotal": float(n),
    }
    return pd.Series(values, name="fit_indices", dtype=float)


def _ncp_bound(T: float, df: float, prob: float) -> float:
    """Noncentrality λ ≥ 0 with ``ncx2.cdf(T, df, λ) = prob`` (0 if none)."""

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


# --------------------------------------------------------------------------- estimator
class CBSEM:
    """Covariance-based structural equation model (common-factor model) via semopy.

    Parameters
    ----------
    estimator : {'ML', 'GLS', 'ULS'}, default='ML'
        Discrepancy function. ML uses the sample covariance with divisor ``N`` (lavaan's
        ``likelihood='normal'``); GLS and ULS the unbiased covariance (divisor ``N - 1``).
    polish : bool, default=True
        Polish semopy's solution with a second optimizer (and a second, independent start)
        so the discrepancy reaches its minimum. ``False`` keeps semopy's estimate (the
        convergence facts still report its gradient norm).
    tol : float, default=1e-8
        Gradient-norm tolerance of the polish (max absolute gradient of the discrepancy).
    max_iter : int, default=200
        Iteration limit of the polish.

    Notes
    -----
    Identification: the first loading of each construct is fixed to 1 (marker variable);
    a single-item construct is measured without error (loading 1, error variance 0);
    exogenous constructs covary freely; ``~~`` statements add error covariances (two items)
    or construct (disturbance) covariances. A model without ``~`` paths is a CFA with all
    constructs freely correlated. Missing data: ``'listwise'``, ``'mean'`` or ``'error'``;
    FIML is refused (semopy's FIML is not validated against lavaan here).

    Tested against lavaan 0.6.14 (R 4.2.2): ECSI full model and CFA under ML (fit indices,
    estimates, SEs, std.all, R²), ULS and GLS fit indices; see ``docs/cbsem.md``.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.CBSEM().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    >>> round(float(res.fit_indices["chisq"]), 1), int(res.fit_indices["df"])
    (575.6, 241)
    """

    def __init__(
        self,
        estimator: str = "ML",
        *,
        polish: bool = True,
        tol: float = 1e-8,
        max_iter: int = 200,
    ) -> None:
        self.estimator = estimator
        self.polish = polish
        self.tol = tol
        self.max_iter = max_iter

    def get_params(self) -> dict[str, Any]:
        """The estimator's settings as a dict."""
        return {
            "estimator": self.estimator,
            "polish": self.polish,
            "tol": self.tol,
            "max_iter": self.max_iter,
        }

    def __repr__(self) -> str:
        defaults = CBSEM().get_params()
        shown = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults[k]]
        return f"CBSEM({', '.join(shown)})"

    def _validate(self) -> None:
        owner = "CBSEM"
        check_option(self.estimator, "estimator", owner, ESTIMATORS)
        check_option(self.polish, "polish", owner, (True, False))
        check_number(self.tol, "tol", owner, low=0, low_open=True)
        check_number(self.max_iter, "max_iter", owner, integer=True, low=1)

    def fit(
        self,
        model: Model | str,
        data: Any,
        *,
        scale: Any = None,
        missing: str = "listwise",
        missing_values: Any = (),
        weights: Any = None,
    ):
        """Validate the data, fit the model with semopy, polish, and assess the fit.

        Parameters
        ----------
        model : Model or str
            A :class:`~csimodel.Model` or model syntax (reflective blocks only).
        data : pandas.DataFrame
            One row per respondent; item columns named as in the model.
        scale : (low, high) or dict, optional
            Declared answer scale of the items; values outside it raise ``DataError``.
        missing : {'listwise', 'mean', 'error'}, default='listwise'
            Missing-data policy (see :func:`csimodel.prepare`). ``'fiml'`` is refused.
        missing_values : sequence of numbers, default=()
            Codes that mean "no answer".
        weights : str or array-like, optional
            Case weights (column name or one value per row), normalized to sum to the
            number of used rows; the covariance matrix is weighted, the test statistic is
            the normal-theory one (no design-based correction).

        Returns
        -------
        CBSEMResults
        """
        from ..cbsem_results import CBSEMResults
        from ..data import prepare
        from ..moments import covariance

        self._validate()
        if missing == "fiml":
            raise ParameterError(
                "CBSEM does not offer missing='fiml': semopy's full-information ML is not "
                "validated against lavaan in csimodel. Use missing='listwise' (default), "
                "'mean' or 'error', or fit FIML in lavaan."
            )
        if isinstance(model, str):
            model = Model(model)
        elif not isinstance(model, Model):
            raise ModelError(
                f"model must be a csimodel.Model or model syntax text. Got {type(model).__name__}."
            )
        st = _build_structure(model)
        prepared = prepare(
            data,
            model.items,
            scale=scale,
            missing=missing,
            missing_values=missing_values,
            weights=weights,
            owner="CBSEM.fit",
        )
        n = prepared.n_used
        w = prepared.weights
        if w is not None:
            w = w * (n / w.sum())
        mean, S_unb = covariance(prepared.X, w)
        S = S_unb * (n - 1) / n if self.estimator == "ML" else S_unb
        q = int(st.free.sum())
        p = st.p
        if q > p * (p + 1) // 2:
            raise ModelError(
                f"The model has {q} free parameters but the {p} items give only "
                f"{p * (p + 1) // 2} variances and covariances (negative degrees of freedom): "
                "it is not identified. Add items or remove paths/covariances."
            )
        eng = _Engine(st, S, self.estimator)
        t0 = time.perf_counter()
        try:
            with _one_blas_thread():
                theta_sp, sp_info = _semopy_fit(model, st, S, n, self.estimator)
        except Exception as exc:  # semopy failure: carry on from our own start
            if not self.polish:
                raise EstimationError(
                    f"semopy failed to fit the model ({type(exc).__name__}: {exc}). "
                    "Use polish=True to let csimodel's optimizer try its own start."
                ) from exc
            theta_sp = _simple_start(eng)
            sp_info = {"success": False, "n_iter": 0, "error": f"{type(exc).__name__}: {exc}"}
        t_semopy = time.perf_counter() - t0
        F_sp, g_sp = eng.objective(theta_sp)
        conv = {
            "semopy_objective": F_sp,
            "semopy_max_abs_gradient": float(np.max(np.abs(g_sp))) if np.isfinite(F_sp) else np.nan,
            "semopy_converged": sp_info["success"],
            "semopy_n_iter": sp_info["n_iter"],
            "semopy_seconds": t_semopy,
        }
        if "error" in sp_info:
            conv["semopy_error"] = sp_info["error"]
        theta, F, g = theta_sp, F_sp, g_sp
        n_iter = sp_info["n_iter"]
        starts = []
        if self.polish:
            t1 = time.perf_counter()
            candidates = [("semopy", theta_sp), ("simple", _simple_start(eng))]
            if self.estimator != "ML":
                # the ML solution is a good start for GLS/ULS (lavaan's advice too)
                ml = _Engine(st, S * (n - 1) / n, "ML")
                ml_theta = _minimize(ml, _simple_start(ml), self.tol, self.max_iter)[0]
                candidates.insert(0, ("ml", ml_theta))
            g_ok = max(self.tol * 1e3, 1e-5)
            best = (np.inf, np.inf)
            for name, th0 in candidates:
                if not np.isfinite(eng.objective(th0)[0]):
                    continue
                # once a start has converged, the others are checks with a shorter budget
                budget = self.max_iter if best[1] > g_ok else min(self.max_iter, 50)
                th, nit = _minimize(eng, th0, self.tol, budget)
                Fr, gr = eng.objective(th)
                gmax = float(np.max(np.abs(gr)))
                starts.append((name, Fr, gmax, nit))
                # lowest discrepancy (to 1e-10); among equal ones the smallest gradient
                key = (round(Fr, 10), gmax)
                if np.isfinite(Fr) and key < best:
                    best = key
                    theta, F, g, n_iter = th, Fr, gr, nit
            conv["polish_seconds"] = time.perf_counter() - t1
        if not np.isfinite(F):
            raise EstimationError(
                "CB-SEM estimation failed: the model-implied covariance matrix is not positive "
                "definite at every solution found. Check the model's identification."
            )
        max_g = float(np.max(np.abs(g)))
        converged = max_g <= max(self.tol * 1e3, 1e-5)
        conv.update(
            {
                "objective": F,
                "max_abs_gradient": max_g,
                "converged": converged,
                "n_iter": n_iter,
                "starts": tuple(starts),
            }
        )
        if self.polish and len(starts) > 1:
            ok = [f for _, f, gm, _ in starts if gm <= max(self.tol * 1e3, 1e-5)]
            conv["objective_spread_across_starts"] = float(np.ptp(ok)) if ok else np.nan
        if not converged:
            warnings.warn(
                f"CB-SEM did not reach a stationary point (max |gradient| = {max_g:.2g}). "
                "Treat estimates and fit indices with caution; check identification.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return CBSEMResults._build(
            model=model,
            estimator=self,
            data=prepared,
            mean=mean,
            S=S,
            engine=eng,
            theta=theta,
            fmin=F,
            convergence=conv,
        )


def _semopy_fit(
    model: Model, st: _Structure, S: np.ndarray, n: int, estimator: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit with semopy on the covariance matrix; map its estimates to our parameter order."""
    import semopy

    names = list(model.items)
    cov = pd.DataFrame(S, index=names, columns=names)
    sm = semopy.Model(to_semopy_syntax(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.fit(cov=cov, obj=_SEMOPY_OBJ[estimator], n_samples=n)
        table = sm.inspect(mode="list", information=None)  # estimates only, no SEs
    est: dict[tuple[str, str, str], float] = {}
    for lval, op, rval, e in zip(
        table["lval"], table["op"], table["rval"], table["Estimate"], strict=True
    ):
        est[(lval, op, rval)] = float(e)
    cons = set(model.constructs)
    theta = []
    for k in np.flatnonzero(st.free):
        lhs, op, rhs = st.rows[k]
        if op == "=~":
            key = (rhs, "~", lhs)
        elif op == "~":
            key = (lhs, "~", rhs)
        else:
            key = (lhs, "~~", rhs)
            if key not in est:
                key = (rhs, "~~", lhs)
        v = est.get(key, 0.0 if (op == "~~" and lhs != rhs and lhs in cons) else np.nan)
        theta.append(v)
    theta = np.array(theta, dtype=float)
    if not np.all(np.isfinite(theta)):
        theta = np.where(np.isfinite(theta), theta, 0.0)
    info = {
        "success": bool(getattr(res, "success", False)),
        "n_iter": int(getattr(res, "n_it", 0) or 0),
    }
    return theta, info
