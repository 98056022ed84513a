"""Multi-group WLSMV for ordered items (delta parameterization), the ordinal rungs of the
invariance ladder (lavaan ``cfa(..., ordered = ..., group = ..., group.equal = ...)``).

Per group ``g``: sample thresholds and polychoric correlations ``s_g`` with their NACOV
``Γ_g`` (:mod:`csimodel.numeric.polychoric`). Model: latent responses
:math:`y^* = \\Lambda\\eta + \\varepsilon`, item intercepts 0, scaling factors
:math:`\\Delta_g` (1 in the first group, and in every group unless the thresholds are
equal), construct means :math:`\\alpha_g` (0 in the first group, and in every group unless
the thresholds are equal). Model correlations
:math:`\\rho_{ij} = \\Delta_i\\Delta_j(\\Lambda\\Psi\\Lambda^\\top + \\Theta)_{ij}` (i ≠ j),
model thresholds :math:`\\tau^*_{jk} = \\Delta_j(\\tau_{jk} - (\\Lambda\\alpha_g)_j)`.
DWLS: :math:`F = \\sum_g \\frac{n_g}{N}(s_g - \\sigma_g)^\\top W_g (s_g - \\sigma_g)`,
:math:`W_g = \\operatorname{diag}(\\Gamma_g)^{-1}`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DataError
from ..numeric.polychoric import polychoric
from ..numeric.robust import scaled_shifted
from ..spec import Model
from ._cbsem_engine import (
    _build_structure,
    _Engine,
    _minimize,
    _one_blas_thread,
    _simple_start,
)
from ._cbsem_wlsmv import delta_structure


class _OrdMG:
    def __init__(self, st_d, pcs, ns, idx, th_idx, dl_idx, al_idx):
        self.st = st_d
        self.p = st_d.p
        self.J = len(st_d.names) - st_d.p
        self.engs = [
            _Engine(st_d, pc.corr, "DWLS", weights=np.zeros((self.p, self.p))) for pc in pcs
        ]
        self.pcs = pcs
        self.ns = np.asarray(ns, float)
        self.idx, self.th_idx, self.dl_idx, self.al_idx = idx, th_idx, dl_idx, al_idx
        self.iu1 = np.triu_indices(self.p, 1)
        self.s = [np.concatenate([*pc.thresholds, pc.corr[self.iu1]]) for pc in pcs]
        self.wd = [1.0 / np.diag(pc.gamma) for pc in pcs]
        self.nth = [len(t) for t in pcs[0].thresholds]
        self.q = 1 + max(
            max(int(a.max(initial=-1)) for a in L) for L in (idx, th_idx, dl_idx, al_idx)
        )

    def sigma(self, t, g):
        theta = t[self.idx[g]]
        Sig, E, _ = self.engs[g].implied(theta)
        p = self.p
        dl = np.ones(p)
        di = self.dl_idx[g]
        dl[di >= 0] = t[di[di >= 0]]
        mvec = np.zeros(p + self.J)
        ai = self.al_idx[g]
        mvec[p:][ai >= 0] = t[ai[ai >= 0]]
        mu = E[:p] @ mvec
        tau = t[self.th_idx[g]]
        rep = np.repeat(np.arange(p), self.nth)
        tau_star = dl[rep] * (tau - mu[rep])
        rho = (dl[:, None] * Sig * dl[None, :])[self.iu1]
        return np.concatenate([tau_star, rho]), dl, Sig

    def residuals(self, t):
        out = []
        for g in range(len(self.engs)):
            r = self.s[g] - self.sigma(t, g)[0]
            out.append(np.sqrt((self.ns[g] - 1) / (self.ns.sum() - len(self.ns)) * self.wd[g]) * r)
        return np.concatenate(out)

    def jacobian(self, t, g, h=1e-6):
        base = self.sigma(t, g)[0]
        J = np.empty((len(base), self.q))
        for k in range(self.q):
            e = np.zeros(self.q)
            e[k] = h * max(1.0, abs(t[k]))
            J[:, k] = (self.sigma(t + e, g)[0] - self.sigma(t - e, g)[0]) / (2 * e[k])
        return J


def fit_multigroup_ordinal(
    model: Model,
    X_list: list[np.ndarray],
    group_labels: list,
    items: list[str],
    *,
    equal: tuple[str, ...] = (),
    partial: tuple[tuple[str, str, str], ...] = (),
    tol: float = 1e-10,
    max_iter: int = 200,
):
    """Fit; returns (params DataFrame, fit Series, convergence dict, engine, estimate)."""
    from scipy import optimize

    st = _build_structure(model)
    st_d, var_rows = delta_structure(st)
    G = len(X_list)
    p = st.p
    J = len(st.names) - p
    pcs = [polychoric(X) for X in X_list]
    for j, it in enumerate(items):
        cats = [tuple(pc.categories[j]) for pc in pcs]
        if len(set(cats)) > 1:
            raise DataError(
                f"Item {it!r} uses different categories in the groups "
                f"({'; '.join(f'{g}: {list(c)}' for g, c in zip(group_labels, cats, strict=True))}): "
                "thresholds cannot be compared. Merge categories so every group uses the same."
            )
    ns = [len(X) for X in X_list]
    free_pos = np.flatnonzero(st_d.free)
    T_th = sum(len(t) for t in pcs[0].thresholds)
    eq_load = "loadings" in equal
    eq_th = "thresholds" in equal
    part = set(partial)
    th_keys = [
        (it, "|", f"t{k + 1}")
        for it, t in zip(items, pcs[0].thresholds, strict=True)
        for k in range(len(t))
    ]
    counter = 0
    idx: list[np.ndarray] = []
    th_idx: list[np.ndarray] = []
    dl_idx: list[np.ndarray] = []
    al_idx: list[np.ndarray] = []
    for g in range(G):
        ig = np.empty(len(free_pos), dtype=int)
        for a, row in enumerate(free_pos):
            if g > 0 and eq_load and st_d.rows[row][1] == "=~" and st_d.rows[row] not in part:
                ig[a] = idx[0][a]
            else:
                ig[a] = counter
                counter += 1
        th = np.empty(T_th, dtype=int)
        for k in range(T_th):
            if g > 0 and eq_th and th_keys[k] not in part:
                th[k] = th_idx[0][k]
            else:
                th[k] = counter
                counter += 1
        dl = np.full(p, -1, dtype=int)
        al = np.full(J, -1, dtype=int)
        if g > 0 and eq_th:
            dl = np.arange(counter, counter + p)
            counter += p
            al = np.arange(counter, counter + J)
            counter += J
        idx.append(ig)
        th_idx.append(th)
        dl_idx.append(dl)
        al_idx.append(al)
    eng = _OrdMG(st_d, pcs, ns, idx, th_idx, dl_idx, al_idx)
    # start: each group's own DWLS fit; thresholds from the sample; Δ = 1, α = 0
    t0 = np.zeros(eng.q)
    cnt = np.zeros(eng.q)
    iu1 = eng.iu1
    for g, pc in enumerate(pcs):
        wm = np.zeros((p, p))
        wm[iu1] = eng.wd[g][T_th:]
        e1 = _Engine(st_d, pc.corr, "DWLS", weights=wm + wm.T)
        th_g = _minimize(e1, _simple_start(e1), 1e-8, 100)[0]
        np.add.at(t0, idx[g], th_g)
        np.add.at(cnt, idx[g], 1)
        np.add.at(t0, th_idx[g], np.concatenate(pc.thresholds))
        np.add.at(cnt, th_idx[g], 1)
        np.add.at(t0, dl_idx[g][dl_idx[g] >= 0], 1.0)
        np.add.at(cnt, dl_idx[g][dl_idx[g] >= 0], 1)
    t0 = t0 / np.maximum(cnt, 1)
    with _one_blas_thread():
        res = optimize.least_squares(
            eng.residuals, t0, method="lm", xtol=tol, ftol=tol, gtol=tol, max_nfev=max_iter * 50
        )
    t_hat = res.x
    F = float(np.sum(res.fun**2))
    N = float(sum(ns))
    return eng, t_hat, F, N, res, T_th, var_rows, st


def ordinal_fit_statistics(eng: _OrdMG, t_hat: np.ndarray, N: float, T_th: int) -> dict:
    """Test statistics, robust covariance and baseline of a multi-group DWLS fit, in
    lavaan's conventions (checked against lavaan 0.6.14): T = Σ_g (n_g - 1) F_g; sandwich
    with group weights n_g (N - G)/N; scaled-shifted test with group weights n_g."""
    from scipy.linalg import block_diag

    G = len(eng.engs)
    ns = eng.ns
    Js = [eng.jacobian(t_hat, g) for g in range(G)]
    Delta = np.vstack(Js)
    Fg = [float(np.sum(eng.wd[g] * (eng.s[g] - eng.sigma(t_hat, g)[0]) ** 2)) for g in range(G)]
    T = float(sum((n - 1) * f for n, f in zip(ns, Fg, strict=True)))
    npair = len(eng.iu1[0])
    df = float(G * (T_th + npair) - eng.q)

    def parts(c):
        W = np.concatenate([c[g] * eng.wd[g] for g in range(G)])
        Gam = block_diag(*[eng.pcs[g].gamma / c[g] for g in range(G)])
        WD = Delta * W[:, None]
        B = np.linalg.inv(Delta.T @ WD)
        return W, Gam, WD, B

    W, Gam, WD, B = parts([n * (N - G) / N for n in ns])
    acov = B @ (WD.T @ Gam @ WD) @ B
    W, Gam, WD, B = parts(list(ns))
    UG = W[:, None] * Gam - WD @ B @ (WD.T @ Gam)
    Tss, a, b = scaled_shifted(T, df, UG)
    # baseline: thresholds free per group, zero correlations
    T0 = 0.0
    blocks = []
    for g in range(G):
        r = eng.s[g][T_th:]
        w = eng.wd[g][T_th:]
        T0 += (ns[g] - 1) * float(np.sum(w * r * r))
        blocks.append(w[:, None] * eng.pcs[g].gamma[T_th:, T_th:])
    df0 = float(G * npair)
    T0ss, a0, b0 = scaled_shifted(T0, df0, block_diag(*blocks))
    return {
        "T": T,
        "df": df,
        "T_scaled": Tss,
        "a": a,
        "b": b,
        "T0": T0,
        "df0": df0,
        "T0_scaled": T0ss,
        "acov": (acov + acov.T) / 2,
        "Fg": Fg,
    }


def satorra2000_difference(
    eng1: _OrdMG,
    t1: np.ndarray,
    T1: float,
    df1: float,
    eng0: _OrdMG,
    t0: np.ndarray,
    T0: float,
    df0: float,
) -> tuple[float, float, float]:
    """Mean-and-variance adjusted χ² difference of nested DWLS models (Satorra 2000, delta
    method; lavaan ``lavTestLRT`` for WLSMV): model 1 the less restricted one. Returns
    (scaled difference, df difference, p-value)."""
    from scipy import stats
    from scipy.linalg import block_diag, null_space

    G = len(eng1.engs)
    N = float(eng1.ns.sum())
    fg = eng1.ns / N
    D1 = [eng1.jacobian(t1, g) for g in range(G)]
    Pi = np.vstack(D1)
    D0 = np.vstack([eng0.jacobian(t0, g) for g in range(G)])
    H = np.linalg.pinv(Pi) @ D0
    A = null_space(H.T).T
    P = sum(fg[g] * (D1[g].T * eng1.wd[g]) @ D1[g] for g in range(G))
    Pinv = np.linalg.inv(P)
    APA = A @ Pinv @ A.T
    M = Pinv @ A.T @ np.linalg.pinv(APA) @ A @ Pinv
    V = np.concatenate([eng1.wd[g] for g in range(G)])
    Gam = block_diag(*[fg[g] * eng1.pcs[g].gamma for g in range(G)])
    U = (V[:, None] * Pi) @ M @ (Pi.T * V[None, :])
    UG = U @ Gam
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    m = df0 - df1
    a = np.sqrt(m / tr2)
    b = m - a * tr1
    Td = (T0 - T1) * a + b
    return float(Td), float(m), float(stats.chi2.sf(Td, m))


def ordinal_multigroup_fit(
    model: Model,
    X_list: list[np.ndarray],
    group_labels: list,
    *,
    equal: tuple[str, ...] = (),
    partial: tuple[tuple[str, str, str], ...] = (),
    tol: float = 1e-10,
    max_iter: int = 200,
) -> dict:
    """Fit one ordinal rung; return params, fit indices, convergence and what the
    difference test needs (engine, estimate, T, df)."""
    from scipy import stats

    from ..numeric.robust import robust_indices

    items = list(model.items)
    eng, t_hat, F, N, res, T_th, var_rows, st = fit_multigroup_ordinal(
        model, X_list, group_labels, items, equal=equal, partial=partial, tol=tol, max_iter=max_iter
    )
    o = ordinal_fit_statistics(eng, t_hat, N, T_th)
    G = len(X_list)
    se_t = np.sqrt(np.clip(np.diag(o["acov"]), 0, None))
    p, J = eng.p, eng.J
    st_d = eng.st
    rows = []
    srmr_g = []
    for g in range(G):
        lab = group_labels[g]
        sig, dl, Sig = eng.sigma(t_hat, g)
        theta = t_hat[eng.idx[g]]
        est = st_d.fixed_value.copy()
        est[st_d.free] = theta
        se = np.full(len(est), np.nan)
        se[st_d.free] = se_t[eng.idx[g]]
        resid = 1.0 / dl**2 - np.diag(Sig)
        est[var_rows] = resid[st_d.ii[var_rows]]
        _, E, C = eng.engs[g].implied(theta)
        C = C.copy()
        C[np.arange(p), np.arange(p)] = 1.0 / dl**2
        sd = np.sqrt(np.clip(np.diag(C), 1e-300, None))
        P = eng.engs[g].matrices(theta)[1]
        P[np.arange(p), np.arange(p)] = resid
        for k, (lhs, op, rhs) in enumerate(st_d.rows):
            i, j = st_d.ii[k], st_d.jj[k]
            if st_d.mat[k] == 0:
                std = est[k] * sd[j] / sd[i]
            elif i == j:
                std = est[k] / C[i, i]
            else:
                den = np.sqrt(P[i, i] * P[j, j])
                std = est[k] / den if den > 0 else np.nan
            rows.append((lab, lhs, op, rhs, bool(st_d.free[k]), est[k], std, se[k]))
        tau = t_hat[eng.th_idx[g]]
        k = 0
        for j, item in enumerate(items):
            for m in range(eng.nth[j]):
                ti = eng.th_idx[g][k]
                rows.append((lab, item, "|", f"t{m + 1}", True, tau[k], tau[k] * dl[j], se_t[ti]))
                k += 1
        for j, item in enumerate(items):
            di = eng.dl_idx[g][j]
            rows.append(
                (lab, item, "~*~", item, di >= 0, dl[j], dl[j], se_t[di] if di >= 0 else np.nan)
            )
        for c in range(J):
            ai = eng.al_idx[g][c]
            val = t_hat[ai] if ai >= 0 else 0.0
            rows.append(
                (
                    lab,
                    st_d.names[p + c],
                    "~1",
                    "",
                    ai >= 0,
                    val,
                    val / sd[p + c],
                    se_t[ai] if ai >= 0 else np.nan,
                )
            )
        R = eng.pcs[g].corr
        M = np.eye(p)
        M[eng.iu1] = sig[T_th:]
        M = M + M.T - np.eye(p)
        iu = np.triu_indices(p)
        srmr_g.append(float(np.sqrt(np.mean((R - M)[iu] ** 2))))
    params = pd.DataFrame(
        rows, columns=["group", "lhs", "op", "rhs", "free", "estimate", "std_estimate", "se"]
    )
    params["z"] = params["estimate"] / params["se"]
    params["p"] = 2 * stats.norm.sf(np.abs(params["z"]))
    T, df, T0, df0 = o["T"], o["df"], o["T0"], o["df0"]
    Tss, T0ss, a, b = o["T_scaled"], o["T0_scaled"], o["a"], o["b"]
    Nr = N - G  # lavaan: N - G in RMSEA for categorical data
    cfi_den = max(T - df, T0 - df0, 0.0)
    fit = {
        "chisq": T,
        "df": df,
        "pvalue": float(stats.chi2.sf(T, df)) if df > 0 else np.nan,
        "cfi": 1.0 if cfi_den == 0 else 1.0 - max(T - df, 0.0) / cfi_den,
        "tli": ((T0 / df0) - (T / df)) / ((T0 / df0) - 1.0) if df > 0 else np.nan,
        "rmsea": float(np.sqrt(max(T / (Nr * df) - 1 / Nr, 0.0)) * np.sqrt(G)),
        "srmr": float(np.sum(eng.ns * np.array(srmr_g)) / N),
        "baseline_chisq": T0,
        "baseline_df": df0,
        "npar": float(eng.q),
        "ntotal": N,
        "chisq_scaled": Tss,
        "df_scaled": df,
        "pvalue_scaled": float(stats.chi2.sf(Tss, df)) if df > 0 else np.nan,
        "scaling_factor": 1.0 / a,
        "shift_parameter": b,
        "baseline_chisq_scaled": T0ss,
    }
    rob = robust_indices(T, df, T0, df0, Nr, 1.0, 1.0, T_scaled=Tss, T0_scaled=T0ss)
    for key in ("cfi_scaled", "tli_scaled", "rmsea_scaled"):
        fit[key] = rob[key] * (np.sqrt(G) if key == "rmsea_scaled" else 1.0)
    gmax = float(np.max(np.abs(res.grad))) if hasattr(res, "grad") else np.nan
    conv = {
        "objective": F,
        "max_abs_gradient": gmax,
        "converged": bool(res.success),
        "n_iter": int(res.nfev),
    }
    return {
        "params": params,
        "fit_indices": pd.Series(fit, name="fit_indices", dtype=float),
        "convergence": conv,
        "engine": eng,
        "estimate": t_hat,
    }
