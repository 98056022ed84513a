"""CB-SEM engine: the model in RAM form, the ML/GLS/ULS discrepancy with its analytic
gradient and Fisher information, and the optimizer that polishes semopy's solution.

Conventions (divisors, test statistics) are described in :mod:`csimodel.estimators.cbsem`.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import EstimationError, ModelError
from ..numeric.fit_indices import ESTIMATORS as ESTIMATORS  # re-exported
from ..spec import Model


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
    extra_item_cov: list[tuple[str, str]] = []
    extra_con_cov: list[tuple[str, str]] = []
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
        VD = np.matmul(V, D)  # (q, p, p), one BLAS call per parameter
        q = VD.shape[0]
        # sum_ij VD[k,i,j] VD[l,j,i] as one matrix product
        return VD.reshape(q, -1) @ VD.transpose(0, 2, 1).reshape(q, -1).T


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
    from scipy import optimize  # lazy: keep import csimodel light

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
    for k in map(int, np.flatnonzero(st.free)):
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
