"""Multi-group CB-SEM (ML with a mean structure) and its equality constraints, the engine
of the measurement-invariance ladder (:func:`csimodel.invariance`).

Each group ``g`` has the single-group RAM model (:mod:`._cbsem_engine`) plus a mean
structure :math:`\\mu_g = F(I - A_g)^{-1} m_g`, ``m_g`` holding the item intercepts
:math:`\\nu_g` and the construct means :math:`\\alpha_g`. The discrepancy is lavaan's
multi-group ML,

.. math::

    F = \\sum_g \\frac{n_g}{N}\\left[\\log|\\Sigma_g| + \\operatorname{tr}(S_g\\Sigma_g^{-1})
        - \\log|S_g| - p + (\\bar y_g - \\mu_g)^\\top\\Sigma_g^{-1}(\\bar y_g - \\mu_g)\\right],
    \\qquad T = N F,

with ``S_g`` of divisor ``n_g``. Equality constraints share one parameter across groups:
``'loadings'`` (free ``=~`` rows), ``'intercepts'`` (item ``~1``), ``'residuals'`` (item
error variances); with equal intercepts the construct means are free in every group but
the first (fixed 0 there), otherwise 0 in all groups (lavaan's ``group.equal``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..numeric.robust import normal_weight
from ..spec import Model
from ._cbsem_engine import (
    _build_structure,
    _Engine,
    _minimize,
    _observed_hessian,
    _simple_start,
)

__all__ = [
    "MultiGroupFit",
    "fit_multigroup",
    "ordinal_multigroup_fit",
    "parse_partial",
    "satorra2000_difference",
]

EQUAL = ("loadings", "intercepts", "residuals")


def parse_partial(spec: str) -> tuple[str, str, str]:
    """Parse a ``partial=`` entry (lavaan ``group.partial`` syntax) to (lhs, op, rhs).

    Examples
    --------
    >>> parse_partial("sat1 ~ 1"), parse_partial("SAT =~ sat2"), parse_partial("x | t1")
    (('sat1', '~1', ''), ('SAT', '=~', 'sat2'), ('x', '|', 't1'))
    """
    s = " ".join(spec.split())
    if "|" in s:  # a threshold: "x | t1"
        lhs, rhs = (t.strip() for t in s.split("|", 1))
        return lhs, "|", rhs
    for op in ("=~", "~~", "~1", "~ 1", "~"):
        if op in s:
            lhs, rhs = (t.strip() for t in s.split(op, 1))
            if op in ("~1", "~ 1") or (op == "~" and rhs == "1"):
                return lhs, "~1", ""
            return lhs, op, rhs
    return s, "", ""


@dataclass(frozen=True)
class MultiGroupFit:
    """Estimates and fit of one multi-group model (see :func:`fit_multigroup`)."""

    params: pd.DataFrame
    fit_indices: pd.Series
    convergence: dict
    implied: tuple  # per group (Σ_g, μ_g, C_g)


class _MGEngine:
    """Objective, gradient and expected information over the shared parameter vector."""

    def __init__(self, st, S_list, m_list, n_list, idx, nu_idx, al_idx):
        self.st = st
        self.engs = [_Engine(st, S, "ML") for S in S_list]
        self.m_list = m_list
        self.w = np.asarray(n_list, float) / float(sum(n_list))
        self.idx, self.nu_idx, self.al_idx = idx, nu_idx, al_idx
        self.q = int(
            max(
                max(i.max(initial=-1) for i in idx),
                max(i.max(initial=-1) for i in nu_idx),
                max(i.max(initial=-1) for i in al_idx),
            )
            + 1
        )
        self.p = st.p
        self.J = len(st.names) - st.p

    def group_params(self, t, g):
        theta = t[self.idx[g]]
        mvec = np.zeros(self.p + self.J)
        ni, ai = self.nu_idx[g], self.al_idx[g]
        mvec[: self.p][ni >= 0] = t[ni[ni >= 0]]
        mvec[self.p :][ai >= 0] = t[ai[ai >= 0]]
        return theta, mvec

    def implied(self, t, g):
        theta, mvec = self.group_params(t, g)
        Sigma, E, C = self.engs[g].implied(theta)
        return Sigma, E[: self.p] @ mvec, C, E, mvec

    def objective(self, t):
        F = 0.0
        grad = np.zeros(self.q)
        p = self.p
        for g, eng in enumerate(self.engs):
            Sigma, mu, C, E, mvec = self.implied(t, g)
            try:
                L = np.linalg.cholesky(Sigma)
            except np.linalg.LinAlgError:
                return np.inf, np.zeros(self.q)
            Si = np.linalg.inv(Sigma)
            d = self.m_list[g] - mu
            S = eng.S
            Fg = 2 * np.log(np.diag(L)).sum() + np.sum(S * Si) - eng.logdet_S - p + d @ Si @ d
            W = Si - Si @ (S + np.outer(d, d)) @ Si
            gth = eng._grad(W, E, C)
            gmu = -2 * Si @ d
            Eg = E[:p].T @ gmu  # (m,)
            gth[eng.ia] += Eg[eng.a_i] * (E @ mvec)[eng.a_j]
            wg = self.w[g]
            F += wg * Fg
            np.add.at(grad, self.idx[g], wg * gth)
            ni, ai = self.nu_idx[g], self.al_idx[g]
            np.add.at(grad, ni[ni >= 0], wg * Eg[:p][ni >= 0])
            np.add.at(grad, ai[ai >= 0], wg * Eg[p:][ai >= 0])
        return float(F), grad

    def jacobians(self, t, g, h=1e-6):
        """Central-difference Jacobians of vech(Σ_g) and μ_g in t."""
        iu = np.triu_indices(self.p)
        Js = np.empty((len(iu[0]), self.q))
        Jm = np.empty((self.p, self.q))
        for k in range(self.q):
            e = np.zeros(self.q)
            e[k] = h * max(1.0, abs(t[k]))
            Sp, mp, *_ = self.implied(t + e, g)
            Sm, mm, *_ = self.implied(t - e, g)
            Js[:, k] = (Sp - Sm)[iu] / (2 * e[k])
            Jm[:, k] = (mp - mm) / (2 * e[k])
        return Js, Jm

    def fisher(self, t):
        H = np.zeros((self.q, self.q))
        for g in range(len(self.engs)):
            Sigma = self.implied(t, g)[0]
            Js, Jm = self.jacobians(t, g)
            H += (
                self.w[g]
                * 2
                * (Js.T @ normal_weight(Sigma) @ Js + Jm.T @ np.linalg.solve(Sigma, Jm))
            )
        return H


def _casewise_scores(X: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """Per-row scores of the normal log-likelihood in (μ, vech Σ): Σ⁻¹(x - μ) and
    ½ D'vec(Σ⁻¹(zz' - Σ)Σ⁻¹) with z = x - μ."""
    p = len(mu)
    iu = np.triu_indices(p)
    Si = np.linalg.inv(Sigma)
    Z = X - mu
    A = Z @ Si  # rows Σ⁻¹ z
    M = A[:, iu[0]] * A[:, iu[1]] - Si[iu]  # (Σ⁻¹(zz' - Σ)Σ⁻¹)_jk
    mult = np.where(iu[0] == iu[1], 0.5, 1.0)
    return np.hstack([A, M * mult])


def _mlr_multigroup(eng: _MGEngine, t: np.ndarray, X_list, m_list, S_list, df, df0):
    """Huber-White covariance and Yuan-Bentler (Mplus) scaling factors of a multi-group ML
    fit with a mean structure, and of its independence baseline (lavaan MLR)."""
    G = len(X_list)
    N = sum(len(X) for X in X_list)
    p = eng.p
    iu = np.triu_indices(p)
    H = _observed_hessian(eng, t)
    Einv = np.linalg.inv(H / 2.0)
    B = np.zeros((eng.q, eng.q))
    B_groups = []
    trace_h1 = 0.0
    trace_h1_0 = 0.0
    B0_base = []
    for g in range(G):
        X = X_list[g]
        ng = len(X)
        Sigma, mu, *_ = eng.implied(t, g)
        Js, Jm = eng.jacobians(t, g)
        Delta = np.vstack([Jm, Js])  # (p + p*, q)
        sc = _casewise_scores(X, mu, Sigma) @ Delta
        Bg = sc.T @ sc / ng
        B_groups.append(Bg)
        B += (ng / N) * Bg
        # h1 (unstructured, at the sample moments): tr(A1⁻¹ B1) with A1 = blockdiag(S⁻¹, W(S))
        S, m = S_list[g], m_list[g]
        sc1 = _casewise_scores(X, m, S)
        B1 = sc1.T @ sc1 / ng
        A1 = np.zeros_like(B1)
        A1[:p, :p] = np.linalg.inv(S)
        A1[p:, p:] = normal_weight(S)
        trace_h1 += float(np.sum(B1 * np.linalg.inv(A1).T))
        # baseline: free means and variances, Σ0 = diag(S), μ0 = m
        D0 = np.zeros((p + len(iu[0]), 2 * p))
        D0[np.arange(p), np.arange(p)] = 1.0
        D0[p + np.flatnonzero(iu[0] == iu[1]), p + np.arange(p)] = 1.0
        sc0 = _casewise_scores(X, m, np.diag(np.diag(S))) @ D0
        B0_base.append((ng, sc0.T @ sc0 / ng, np.diag(S)))
        trace_h1_0 += float(np.sum(B1 * np.linalg.inv(A1).T))
    trace_h0 = sum(
        (len(X) / N) * float(np.sum(Bg * Einv.T)) for X, Bg in zip(X_list, B_groups, strict=True)
    )
    acov = Einv @ B @ Einv / N
    c = (trace_h1 - trace_h0) / df if df > 0 else np.nan
    # baseline information: block diagonal over groups (no shared parameters)
    tr0 = 0.0
    for ng, B0g, s in B0_base:
        E0 = np.diag(np.concatenate([1.0 / s, 0.5 / s**2]))  # per observation of the group
        # E over all groups = (n_g/N)·E0 on this group's block -> E⁻¹ = (N/n_g)·E0⁻¹
        tr0 += (ng / N) * float(np.sum(B0g * (np.linalg.inv(E0) * N / ng).T))
    c0 = (trace_h1_0 - tr0) / df0
    return (acov + acov.T) / 2, float(c), float(c0)


def fit_multigroup(
    model: Model,
    X_list: list[np.ndarray],
    group_labels: list,
    *,
    equal: tuple[str, ...] = (),
    partial: tuple[tuple[str, str, str], ...] = (),
    tol: float = 1e-8,
    max_iter: int = 200,
    robust: bool = False,
) -> MultiGroupFit:
    """Fit the multi-group ML model with the given equality constraints.

    Returns the parameter table (``group`` column = the group label; op ``'~1'`` rows for
    intercepts and construct means), the fit indices (lavaan's multi-group definitions:
    RMSEA times √G, SRMR the ``n_g``-weighted mean of the groups' SRMR with the mean
    residuals) and the convergence facts. ``robust=True`` adds lavaan's MLR statistics.

    Examples
    --------
    >>> import csimodel as cm
    >>> d = cm.datasets.load_satisfaction()
    >>> m = cm.Model("IMAG =~ imag1 + imag2 + imag3; SAT =~ sat1 + sat2 + sat3")
    >>> X = [d.loc[d.gender == g, list(m.items)].to_numpy(float) for g in ("female", "male")]
    >>> fit = fit_multigroup(m, X, ["female", "male"], equal=("loadings",))
    >>> int(fit.fit_indices["df"]), sorted(set(fit.params["group"]))
    (20, ['female', 'male'])
    """
    from scipy import stats  # lazy

    st = _build_structure(model)
    p = st.p
    names = st.names
    J = len(names) - p
    G = len(X_list)
    n_list = [len(X) for X in X_list]
    m_list = [X.mean(axis=0) for X in X_list]
    S_list = [np.cov(X.T, bias=True) for X in X_list]
    part = set(partial)
    share_rows = np.zeros(len(st.rows), dtype=bool)
    for k, (lhs, op, rhs) in enumerate(st.rows):
        if not st.free[k] or (lhs, op, rhs) in part:
            continue
        if op == "=~" and "loadings" in equal:
            share_rows[k] = True
        if op == "~~" and lhs == rhs and st.ii[k] < p and "residuals" in equal:
            share_rows[k] = True
    share_nu = np.array(["intercepts" in equal and (it, "~1", "") not in part for it in names[:p]])
    free_alpha = "intercepts" in equal
    counter = 0
    idx, nu_idx, al_idx = [], [], []
    free_pos = np.flatnonzero(st.free)
    first_theta = np.empty(0, dtype=int)
    first_nu = np.empty(0, dtype=int)
    for g in range(G):
        ig = np.empty(len(free_pos), dtype=int)
        for a, row in enumerate(free_pos):
            if g > 0 and share_rows[row]:
                ig[a] = first_theta[a]
            else:
                ig[a] = counter
                counter += 1
        nu = np.empty(p, dtype=int)
        for j in range(p):
            if g > 0 and share_nu[j]:
                nu[j] = first_nu[j]
            else:
                nu[j] = counter
                counter += 1
        al = np.full(J, -1, dtype=int)
        if free_alpha and g > 0:
            al = np.arange(counter, counter + J)
            counter += J
        if g == 0:
            first_theta, first_nu = ig, nu
        idx.append(ig)
        nu_idx.append(nu)
        al_idx.append(al)
    eng = _MGEngine(st, S_list, m_list, n_list, idx, nu_idx, al_idx)
    # start: each group's own ML fit, shared parameters averaged; intercepts = means
    t0 = np.zeros(eng.q)
    cnt = np.zeros(eng.q)
    for g in range(G):
        e1 = eng.engs[g]
        th = _minimize(e1, _simple_start(e1), 1e-6, 100)[0]
        np.add.at(t0, idx[g], th)
        np.add.at(cnt, idx[g], 1)
        np.add.at(t0, nu_idx[g], m_list[g])
        np.add.at(cnt, nu_idx[g], 1)
    t0 = t0 / np.maximum(cnt, 1)
    t_hat, n_iter = _minimize(eng, t0, tol, max_iter)  # type: ignore[arg-type]
    F, grad = eng.objective(t_hat)
    N = sum(n_list)
    df = G * (p * (p + 1) / 2 + p) - eng.q
    df0 = G * p * (p - 1) / 2
    if robust:
        acov, c_mlr, c0_mlr = _mlr_multigroup(eng, t_hat, X_list, m_list, S_list, df, df0)
    else:
        info = eng.fisher(t_hat)
        acov = 2.0 * np.linalg.inv(info) / N
    se_t = np.sqrt(np.clip(np.diag(acov), 0, None))
    # parameter table
    rows = []
    implied = []
    srmr_g = []
    T0 = 0.0
    for g in range(G):
        Sigma, mu, C, E, mvec = eng.implied(t_hat, g)
        implied.append((Sigma, mu, C))
        theta, _ = eng.group_params(t_hat, g)
        est = st.fixed_value.copy()
        est[st.free] = theta
        se = np.full(len(est), np.nan)
        se[st.free] = se_t[idx[g]]
        sd = np.sqrt(np.clip(np.diag(C), 1e-300, None))
        P = eng.engs[g].matrices(theta)[1]
        for k, (lhs, op, rhs) in enumerate(st.rows):
            i, j = st.ii[k], st.jj[k]
            if st.mat[k] == 0:
                std = est[k] * sd[j] / sd[i]
            elif i == j:
                std = est[k] / C[i, i]
            else:
                den = np.sqrt(P[i, i] * P[j, j])
                std = est[k] / den if den > 0 else np.nan
            rows.append((group_labels[g], lhs, op, rhs, bool(st.free[k]), est[k], std, se[k]))
        for j in range(p):
            rows.append(
                (
                    group_labels[g],
                    names[j],
                    "~1",
                    "",
                    True,
                    mvec[j],
                    mvec[j] / sd[j],
                    se_t[nu_idx[g][j]],
                )
            )
        for c in range(J):
            a = al_idx[g][c]
            rows.append(
                (
                    group_labels[g],
                    names[p + c],
                    "~1",
                    "",
                    a >= 0,
                    mvec[p + c],
                    mvec[p + c] / sd[p + c],
                    se_t[a] if a >= 0 else np.nan,
                )
            )
        S, m = S_list[g], m_list[g]
        s = np.sqrt(np.diag(S))
        iu = np.triu_indices(p)
        rc = ((S - Sigma) / np.outer(s, s))[iu]
        rm = (m - mu) / s
        srmr_g.append(np.sqrt((np.sum(rc**2) + np.sum(rm**2)) / (len(rc) + p)))
        T0 += n_list[g] * (np.sum(np.log(np.diag(S))) - np.linalg.slogdet(S)[1])
    params = pd.DataFrame(
        rows, columns=["group", "lhs", "op", "rhs", "free", "estimate", "std_estimate", "se"]
    )
    params["z"] = params["estimate"] / params["se"]
    params["p"] = 2 * stats.norm.sf(np.abs(params["z"]))
    T = max(N * F, 0.0)
    pval = float(stats.chi2.sf(T, df)) if df > 0 else np.nan
    cfi_den = max(T - df, T0 - df0, 0.0)
    cfi = 1.0 if cfi_den == 0 else 1.0 - max(T - df, 0.0) / cfi_den
    tli = ((T0 / df0) - (T / df)) / ((T0 / df0) - 1.0) if df > 0 else np.nan
    rmsea = float(np.sqrt(max(T / (N * df) - 1.0 / N, 0.0)) * np.sqrt(G)) if df > 0 else 0.0
    srmr = float(np.sum(np.array(n_list) * np.array(srmr_g)) / N)
    fit = pd.Series(
        {
            "chisq": T,
            "df": float(df),
            "pvalue": pval,
            "cfi": cfi,
            "tli": tli,
            "rmsea": rmsea,
            "srmr": srmr,
            "baseline_chisq": float(T0),
            "baseline_df": float(df0),
            "npar": float(eng.q),
            "ntotal": float(N),
        },
        name="fit_indices",
        dtype=float,
    )
    if robust:
        from ..numeric.robust import robust_indices

        extra = {
            "chisq_scaled": T / c_mlr,
            "df_scaled": float(df),
            "pvalue_scaled": float(stats.chi2.sf(T / c_mlr, df)) if df > 0 else np.nan,
            "scaling_factor": c_mlr,
            "baseline_chisq_scaled": T0 / c0_mlr,
            "baseline_scaling_factor": c0_mlr,
        }
        rob = robust_indices(T, df, T0, df0, N, c_mlr, c0_mlr)
        rob = {k: v * np.sqrt(G) if k.startswith("rmsea") else v for k, v in rob.items()}
        extra.update(rob)
        fit = pd.concat([fit, pd.Series(extra, dtype=float)]).rename("fit_indices")
    gmax = float(np.max(np.abs(grad)))
    conv = {
        "objective": F,
        "max_abs_gradient": gmax,
        "converged": bool(np.isfinite(F) and gmax <= max(tol * 1e3, 1e-5)),
        "n_iter": n_iter,
    }
    return MultiGroupFit(params=params, fit_indices=fit, convergence=conv, implied=tuple(implied))


from ._multigroup_ordinal import (  # noqa: E402  (ordinal rungs; re-exported)
    ordinal_multigroup_fit as ordinal_multigroup_fit,
)
from ._multigroup_ordinal import (  # noqa: E402
    satorra2000_difference as satorra2000_difference,
)
