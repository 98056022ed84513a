"""Frozen results of a CB-SEM fit (sibling of :class:`~csimodel.FitResults`)."""

from __future__ import annotations

import warnings
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import DataCounts, Frozen
from ..data import PreparedData
from ..exceptions import InadmissibleWarning
from ..spec import Model

if TYPE_CHECKING:
    from ..report.summary import Summary


__all__ = ["CBSEMResults"]


class CBSEMResults(DataCounts, Frozen):
    """Results of a :class:`~csimodel.CBSEM` fit (read-only).

    The public shape follows :class:`~csimodel.FitResults`: ``params``,
    ``path_coefficients``, ``loadings``, ``r_squared``, ``effects``, ``scores``,
    ``n_total``, ``n_used``, ``excluded``, ``converged``, ``n_iter``, ``summary()``; plus
    ``fit_indices``, ``convergence``, ``inadmissible`` and the covariance matrices.

    Attributes
    ----------
    model : Model
    estimator : CBSEM
    data : PreparedData
    mean : ndarray of shape (p,)
        Item means of the used rows (under FIML: the EM estimates of the unrestricted model).
    cov : ndarray of shape (p, p)
        Sample covariance matrix fitted (divisor ``N`` for ML, ``N - 1`` for GLS/ULS; under
        FIML the EM estimate of the unrestricted model, used for SRMR).
    implied_cov : ndarray of shape (p, p)
        Model-implied covariance matrix Σ at the estimate.
    fmin : float
        Discrepancy function at the estimate.
    convergence : mapping (read-only)
        semopy's objective and max ``|gradient|``, the polished ones, iterations, the objective
        reached from each start, ``converged``.
    missing_patterns : mapping (read-only) or None
        Under ``missing='fiml'``: ``rows_with_missing`` (used rows with at least one missing
        answer), ``cells_missing`` and ``patterns`` (distinct missing-data patterns, the
        complete one included, as lavaan counts them); ``None`` otherwise.
    inadmissible : tuple of str
        Improper-solution findings (negative variances, standardized values > 1,
        non-positive-definite matrices, singular information); empty when admissible.
    """

    model: Model
    estimator: Any
    data: PreparedData
    mean: np.ndarray
    cov: np.ndarray
    implied_cov: np.ndarray
    fmin: float
    convergence: MappingProxyType[str, Any]
    inadmissible: tuple[str, ...]
    fit_indices: pd.Series
    params: pd.DataFrame
    missing_patterns: MappingProxyType[str, int] | None
    _mu: np.ndarray | None
    _C: np.ndarray
    _E: np.ndarray
    _P: np.ndarray

    # ----------------------------------------------------------------- building
    @classmethod
    def _build(
        cls,
        *,
        model: Model,
        estimator: Any,
        data: PreparedData,
        mean: np.ndarray,
        S: np.ndarray,
        engine: Any,
        theta: np.ndarray,
        fmin: float,
        convergence: dict,
        fiml: dict | None = None,
    ) -> CBSEMResults:
        from scipy import stats  # lazy

        from ..numeric.fit_indices import fit_indices

        st = engine.st
        n = data.n_used
        Sigma, E, C = engine.implied(theta)
        est = st.fixed_value.copy()
        est[st.free] = theta
        # standard errors from the expected information (lavaan se='standard')
        D = engine.dsigma(theta)
        info = engine.fisher(theta, D)
        se = np.full(len(est), np.nan)
        acov_full = None
        findings: list[str] = []
        try:
            evals = np.linalg.eigvalsh(info)
            if evals.min() <= 1e-10 * max(evals.max(), 1e-300):
                findings.append(
                    "the information matrix is singular (the model may not be identified)"
                )
            if fiml is not None:
                # observed information of the casewise log-likelihood: -ℓ = N F / 2
                acov_full = 2.0 * np.linalg.inv(fiml["hessian"]) / n
                acov = acov_full[: engine.q, : engine.q]
            elif estimator.estimator == "ULS":
                acov = _uls_acov(engine, Sigma, D, info, n)
            else:
                scale = n if estimator.estimator == "ML" else n - 1
                acov = 2.0 * np.linalg.inv(info) / scale
            se_free = np.sqrt(np.where(np.diag(acov) > 0, np.diag(acov), np.nan))
            se[st.free] = se_free
        except np.linalg.LinAlgError:
            findings.append("the information matrix cannot be inverted (model not identified?)")
        sd = np.sqrt(np.where(np.diag(C) > 0, np.diag(C), np.nan))
        std = np.empty(len(est))
        P = engine.matrices(theta)[1]
        for k in range(len(est)):
            i, j = st.ii[k], st.jj[k]
            if st.mat[k] == 0:
                std[k] = est[k] * sd[j] / sd[i]
            elif i == j:
                std[k] = est[k] / C[i, i] if C[i, i] != 0 else np.nan
            else:
                den = np.sqrt(P[i, i] * P[j, j])
                std[k] = est[k] / den if den > 0 else np.nan
        z = est / se
        pval = 2 * stats.norm.sf(np.abs(z))
        params = pd.DataFrame(st.rows, columns=["lhs", "op", "rhs"])
        params["free"] = st.free
        params["estimate"] = est
        params["std_estimate"] = std
        params["se"] = se
        params["z"] = z
        params["p"] = pval
        # admissibility
        var_rows = (st.mat == 1) & (st.ii == st.jj) & st.free
        neg = [st.rows[k][0] for k in np.flatnonzero(var_rows) if est[k] < 0]
        if neg:
            findings.append(f"negative variance estimate(s) for {', '.join(map(repr, neg))}")
        over = [
            f"{st.rows[k][0]} {st.rows[k][1]} {st.rows[k][2]}"
            for k in range(len(est))
            if st.mat[k] == 0 and st.rows[k][1] == "=~" and np.abs(std[k]) > 1 + 1e-8
        ]
        if over:
            findings.append(f"standardized loading(s) above 1: {', '.join(over)}")
        p = st.p
        lat = C[p:, p:]
        if lat.size and np.linalg.eigvalsh(lat).min() <= 0:
            findings.append(
                "the model-implied construct covariance matrix is not positive definite"
            )
        if np.linalg.eigvalsh(Sigma).min() <= 0:
            findings.append("the model-implied item covariance matrix is not positive definite")
        theta_mat = P[:p, :p]
        if np.linalg.eigvalsh(theta_mat).min() < -1e-12:
            findings.append("the error covariance matrix is not positive semi-definite")
        if findings:
            warnings.warn(
                "Improper CB-SEM solution: " + "; ".join(findings) + ". The fit indices are "
                "reported but the solution is not admissible.",
                InadmissibleWarning,
                stacklevel=3,
            )
        if fiml is None:
            fi = fit_indices(S, Sigma, n, engine.q, estimator=estimator.estimator, fmin=fmin)
            missing_info = None
            mu = None
        else:
            fi = fiml["fit"]
            mu = fiml["mu"]
            # item intercepts (free means), as lavaan's '~1' rows
            v_mu = np.diag(acov_full)[engine.q :] if acov_full is not None else np.full(p, np.nan)
            se_mu = np.sqrt(np.where(v_mu > 0, v_mu, np.nan))
            sd_items = np.sqrt(np.diag(Sigma))
            z_mu = mu / se_mu
            icpt = pd.DataFrame(
                {
                    "lhs": list(model.items),
                    "op": "~1",
                    "rhs": "",
                    "free": True,
                    "estimate": mu,
                    "std_estimate": mu / sd_items,
                    "se": se_mu,
                    "z": z_mu,
                    "p": 2 * stats.norm.sf(np.abs(z_mu)),
                }
            )
            params = pd.concat([params, icpt], ignore_index=True)
            missing_info = MappingProxyType(
                {
                    "rows_with_missing": int(fiml["n_rows_missing"]),
                    "cells_missing": int(fiml["n_cells_missing"]),
                    "patterns": int(fiml["n_patterns"]),
                }
            )
        return cls(
            model=model,
            estimator=estimator,
            data=data,
            mean=mean,
            cov=S,
            implied_cov=Sigma,
            fmin=fmin,
            convergence=MappingProxyType(dict(convergence)),
            inadmissible=tuple(findings),
            fit_indices=fi,
            params=params,
            missing_patterns=missing_info,
            _mu=mu,
            _C=C,
            _E=E,
            _P=P,
        )

    # ----------------------------------------------------------------- counts
    @property
    def converged(self) -> bool:
        """True when the final max ``|gradient|`` of the discrepancy is below tolerance."""
        return bool(self.convergence["converged"])

    @property
    def n_iter(self) -> int:
        return int(self.convergence["n_iter"])

    @property
    def admissible(self) -> bool:
        """True when no improper-solution finding was recorded."""
        return not self.inadmissible

    # ----------------------------------------------------------------- tables
    def _std(self, op: str) -> pd.DataFrame:
        return self.params[self.params["op"] == op]

    @cached_property
    def path_coefficients(self) -> pd.DataFrame:
        """Standardized paths (std.all): index = source, columns = target (NaN where no path).

        Unstandardized paths are in ``params`` (``op == '~'``, column ``estimate``).
        """
        c = list(self.model.constructs)
        P = pd.DataFrame(
            np.nan, index=pd.Index(c, name="source"), columns=pd.Index(c, name="target")
        )
        for _, r in self._std("~").iterrows():
            P.loc[r["rhs"], r["lhs"]] = r["std_estimate"]
        return P

    @cached_property
    def loadings(self) -> pd.Series:
        """Standardized loadings (std.all) by (construct, item)."""
        t = self._std("=~")
        idx = pd.MultiIndex.from_arrays([t["lhs"], t["rhs"]], names=["construct", "item"])
        return pd.Series(t["std_estimate"].to_numpy(), index=idx, name="loading")

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        """Model-implied correlations of the constructs."""
        p = len(self.model.items)
        C = self._C[p:, p:]
        d = np.sqrt(np.diag(C))
        c = pd.Index(self.model.constructs)
        return pd.DataFrame(C / np.outer(d, d), index=c, columns=c)

    @cached_property
    def r_squared(self) -> pd.Series:
        """R² by endogenous construct: :math:`1 - \\psi_{jj} / \\operatorname{var}(\\eta_j)`."""
        p = len(self.model.items)
        endo = list(self.model.endogenous)
        pos = [p + self.model.constructs.index(c) for c in endo]
        r2 = [1 - self._P[k, k] / self._C[k, k] for k in pos]
        return pd.Series(r2, index=pd.Index(endo, name="construct"), name="r2", dtype=float)

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Standardized direct, indirect and total effects for connected construct pairs."""
        from ..layout import effect_pairs, total_effects

        c = self.model.constructs
        B = self.path_coefficients.fillna(0.0).to_numpy()
        T = total_effects(B[None])[0]
        rows = [
            (c[i], c[j], B[i, j], T[i, j] - B[i, j], T[i, j]) for i, j in effect_pairs(self.model)
        ]
        return pd.DataFrame(rows, columns=["source", "target", "direct", "indirect", "total"])

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Factor scores (regression / Thurstone method, as lavaan's ``lavPredict``):
        :math:`\\hat\\eta = C_{\\eta y}\\Sigma^{-1}(y - \\bar y)`, one row per used respondent.
        Under FIML, :math:`\\bar y` is the model's item means and a row with missing answers
        is scored from its observed items (:math:`C_{\\eta o}\\Sigma_{oo}^{-1}(y_o - \\mu_o)`)."""
        p = len(self.model.items)
        X = self.data.X
        mean = self.mean if self._mu is None else self._mu
        if self._mu is None or not np.isnan(X).any():
            Wt = np.linalg.solve(self.implied_cov, self._C[:p, p:])  # (p, J)
            Y = (X - mean) @ Wt
        else:  # FIML with missing answers: each row from its observed items
            from ..numeric.patterns import MissingPatterns as _Patterns

            pat = _Patterns(X)
            Y = np.empty((X.shape[0], len(self.model.constructs)))
            for o, r in zip(pat.obs, pat.rows, strict=True):
                Wt = np.linalg.solve(self.implied_cov[np.ix_(o, o)], self._C[o, p:])
                Y[r] = (X[np.ix_(r, o)] - mean[o]) @ Wt
        return pd.DataFrame(Y, index=self.data.row_labels, columns=list(self.model.constructs))

    # ----------------------------------------------------------------- presentation
    def summary(self) -> Summary:
        """Text/HTML summary: settings, Used / Total, convergence, fit indices, estimates."""
        from ..report.summary import Summary

        est = self.estimator
        s = Summary(f"csimodel CBSEM results ({est.estimator})")
        s.add_info("Estimator", repr(est))
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Missing-data policy", self.data.missing)
        mp = self.missing_patterns
        if mp is not None:
            s.add_info(
                "Missing data (FIML)",
                f"{mp['rows_with_missing']} rows with missing cells ({mp['cells_missing']} "
                f"cells), {mp['patterns']} missing-data patterns",
            )
        if len(self.excluded):
            reasons = self.excluded["reason"].value_counts()
            s.add_info("Excluded rows", ", ".join(f"{v} {k}" for k, v in reasons.items()))
        s.add_info("Case weights", "yes" if self.data.weights is not None else "no")
        cv = self.convergence
        s.add_info(
            "Converged",
            f"{'yes' if self.converged else 'NO'} (max |gradient| {cv['max_abs_gradient']:.1e}; "
            f"semopy alone: {cv['semopy_max_abs_gradient']:.1e})",
        )
        s.add_info("Admissible", "yes" if self.admissible else "NO")
        fi = self.fit_indices.to_frame("value")
        s.add_table("Fit indices", fi)
        cols = ["estimate", "std_estimate", "se", "z", "p"]
        s.add_table("Paths", self._table("~", cols))
        s.add_table("R-squared", self.r_squared.to_frame())
        s.add_table("Loadings", self._table("=~", cols))
        s.add_table("Variances and covariances", self._table("~~", cols))
        if mp is not None:
            s.add_table("Intercepts", self._table("~1", cols))
        for f in self.inadmissible:
            s.add_note(f"Improper solution: {f}.")
        if not self.converged:
            s.add_note(
                "The optimizer did not reach a stationary point; treat results with caution."
            )
        return s

    def _table(self, op: str, cols: list[str]) -> pd.DataFrame:
        t = self._std(op)
        idx = [f"{a} {op} {b}" for a, b in zip(t["lhs"], t["rhs"], strict=True)]
        return pd.DataFrame(t[cols].to_numpy(), index=pd.Index(idx, name="parameter"), columns=cols)

    def __repr__(self) -> str:
        return (
            f"<csimodel.CBSEMResults: {self.estimator.estimator}, "
            f"{len(self.model.constructs)} constructs, {self.n_used} of {self.n_total} rows used, "
            f"chisq={self.fit_indices['chisq']:.3f} on {int(self.fit_indices['df'])} df>"
        )


def _uls_acov(
    engine: Any, Sigma: np.ndarray, D: np.ndarray, info: np.ndarray, n: int
) -> np.ndarray:
    """Sandwich covariance for ULS under normal theory: (Δ'Δ)⁻¹ Δ'ΓΔ (Δ'Δ)⁻¹ / (N-1) with
    Γ = 2 D⁺(Σ⊗Σ)D⁺' on the non-duplicated elements."""
    p = Sigma.shape[0]
    iu = np.triu_indices(p)
    Dv = D[:, iu[0], iu[1]]  # (q, p*)
    i, j = iu
    G = Sigma[np.ix_(i, i)] * Sigma[np.ix_(j, j)] + Sigma[np.ix_(i, j)] * Sigma[np.ix_(j, i)]
    bread = np.linalg.inv(info)
    return bread @ (Dv @ G @ Dv.T) @ bread / (n - 1)
