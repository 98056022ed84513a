"""Full-information maximum likelihood (FIML) for CB-SEM with missing item answers.

The casewise normal log-likelihood, summed over the missing-data patterns ``g`` (rows with
the same set of observed items ``o_g``), with a saturated mean structure (item means
``μ`` free) and the model-implied covariance ``Σ(θ)`` of the ML engine:

.. math::

    \\ell(\\theta, \\mu) = -\\tfrac12 \\sum_g n_g \\left[ p_g \\log 2\\pi + \\log|\\Sigma_g|
        + \\operatorname{tr}\\{\\Sigma_g^{-1}(S_g + d_g d_g^\\top)\\} \\right],
    \\qquad d_g = \\bar y_g - \\mu_g,

with ``Σ_g``, ``μ_g`` the observed rows/columns, ``\\bar y_g`` and ``S_g`` (divisor ``n_g``)
the pattern's mean and covariance. The optimizer minimizes :math:`F = -2\\ell / N`.

The unrestricted (saturated) model is the multivariate normal with free ``μ`` and ``Σ``,
fitted by EM; the independence baseline has free means and variances and zero
covariances, so its log-likelihood factorizes per item (each item's mean and variance from
its observed values). These are lavaan's definitions for ``missing = "ml"``.
"""

from __future__ import annotations

import numpy as np

from ..numeric.patterns import MissingPatterns as _Patterns
from ._cbsem_engine import _Engine

_LOG2PI = float(np.log(2 * np.pi))


def em_saturated(
    pat: _Patterns, tol: float = 1e-11, max_iter: int = 10_000
) -> tuple[np.ndarray, np.ndarray, float, int]:
    """EM for the multivariate normal with missing data: (μ, Σ, log-likelihood, iterations).

    Starts from the pairwise-available means and variances (zero covariances); stops when
    the largest change in μ and Σ is below ``tol`` times their scale.
    """
    X = pat.X
    p = pat.p
    mu = np.nanmean(X, axis=0)
    Sigma = np.diag(np.nanvar(X, axis=0))
    n = pat.n
    it = 0
    while it < max_iter:
        it += 1
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for o, n_g, m, S in zip(pat.obs, pat.count, pat.mean, pat.cov, strict=True):
            mis = np.setdiff1d(np.arange(p), o)
            # pattern sums of y and y y' on the observed part
            sy = n_g * m
            syy = n_g * (S + np.outer(m, m))
            if len(mis) == 0:
                T1 += sy
                T2 += syy
                continue
            B = np.linalg.solve(Sigma[np.ix_(o, o)], Sigma[np.ix_(o, mis)]).T  # (m, o)
            c = mu[mis] - B @ mu[o]
            Cmm = Sigma[np.ix_(mis, mis)] - B @ Sigma[np.ix_(o, mis)]
            ey_m = n_g * c + B @ sy  # sum of E[y_mis]
            T1[o] += sy
            T1[mis] += ey_m
            T2[np.ix_(o, o)] += syy
            cross = np.outer(sy, c) + syy @ B.T  # sum y_o E[y_mis]'
            T2[np.ix_(o, mis)] += cross
            T2[np.ix_(mis, o)] += cross.T
            T2[np.ix_(mis, mis)] += (
                n_g * (Cmm + np.outer(c, c)) + B @ np.outer(sy, c) + np.outer(c, sy) @ B.T
            ) + B @ syy @ B.T
        mu_new = T1 / n
        Sig_new = T2 / n - np.outer(mu_new, mu_new)
        Sig_new = (Sig_new + Sig_new.T) / 2
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(Sig_new - Sigma)))
        scale = max(1.0, np.max(np.abs(Sig_new)))
        mu, Sigma = mu_new, Sig_new
        if delta <= tol * scale:
            break
    return mu, Sigma, pat.loglik(mu, Sigma), it


def independence_loglik(X: np.ndarray) -> float:
    """Log-likelihood of the independence model (free means and variances, zero
    covariances) under FIML: a sum over items of the normal log-likelihood of the
    item's observed values at their mean and (divisor-``n_j``) variance."""
    total = 0.0
    for j in range(X.shape[1]):
        x = X[:, j]
        x = x[~np.isnan(x)]
        v = x.var()
        total += -0.5 * len(x) * (_LOG2PI + np.log(v) + 1.0)
    return float(total)


class _FIMLEngine:
    """FIML discrepancy :math:`F = -2\\ell/N` in the parameters ``t = (θ, μ)``, with the
    analytic gradient and the expected information (Hessian model of the optimizer)."""

    def __init__(self, base: _Engine, pat: _Patterns) -> None:
        self.base = base
        self.pat = pat
        self.st = base.st
        self.p = base.p
        self.q_theta = base.q
        self.q = base.q + base.p
        self.N = pat.n

    def split(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return t[: self.q_theta], t[self.q_theta :]

    def objective(self, t: np.ndarray) -> tuple[float, np.ndarray]:
        theta, mu = self.split(t)
        Sigma, E, C = self.base.implied(theta)
        p, N = self.p, self.N
        W = np.zeros((p, p))
        gmu = np.zeros(p)
        total = 0.0
        pat = self.pat
        for o, n_g, m, S in zip(pat.obs, pat.count, pat.mean, pat.cov, strict=True):
            Sg = Sigma[np.ix_(o, o)]
            try:
                L = np.linalg.cholesky(Sg)
            except np.linalg.LinAlgError:
                return np.inf, np.zeros(self.q)
            Si = np.linalg.inv(Sg)
            d = m - mu[o]
            A = S + np.outer(d, d)
            total += n_g * (len(o) * _LOG2PI + 2 * np.log(np.diag(L)).sum() + np.sum(Si * A))
            W[np.ix_(o, o)] += (n_g / N) * (Si - Si @ A @ Si)
            gmu[o] -= (2 * n_g / N) * (Si @ d)
        g = np.concatenate([self.base._grad(W, E, C), gmu])
        return float(total / N), g

    def loglik(self, t: np.ndarray) -> float:
        theta, mu = self.split(t)
        return self.pat.loglik(mu, self.base.implied(theta)[0])

    def fisher(self, t: np.ndarray) -> np.ndarray:
        theta, _ = self.split(t)
        Sigma = self.base.implied(theta)[0]
        D = self.base.dsigma(theta)
        qt, N = self.q_theta, self.N
        H = np.zeros((self.q, self.q))
        for o, n_g in zip(self.pat.obs, self.pat.count, strict=True):
            Si = np.linalg.inv(Sigma[np.ix_(o, o)])
            VD = np.matmul(Si, D[:, o][:, :, o])
            H[:qt, :qt] += (n_g / N) * (
                VD.reshape(qt, -1) @ VD.transpose(0, 2, 1).reshape(qt, -1).T
            )
            H[np.ix_(qt + o, qt + o)] += (2 * n_g / N) * Si
        return H

    def hessian(self, t: np.ndarray) -> np.ndarray:
        """Observed Hessian of ``F`` from central differences of the analytic gradient."""
        q = len(t)
        h = 1e-5 * np.maximum(1.0, np.abs(t))
        Hm = np.empty((q, q))
        for k in range(q):
            e = np.zeros(q)
            e[k] = h[k]
            fp, gp = self.objective(t + e)
            fm, gm = self.objective(t - e)
            if not (np.isfinite(fp) and np.isfinite(fm)):  # at a boundary: expected info
                return self.fisher(t)
            Hm[:, k] = (gp - gm) / (2 * h[k])
        return (Hm + Hm.T) / 2
