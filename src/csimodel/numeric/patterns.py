"""Rows grouped by missing-data pattern (FIML estimation and FIML factor scores)."""

from __future__ import annotations

import numpy as np

__all__ = ["MissingPatterns"]

_LOG2PI = float(np.log(2 * np.pi))


class MissingPatterns:
    """Rows grouped by missing-data pattern, with each pattern's sufficient statistics."""

    def __init__(self, X: np.ndarray) -> None:
        self.X = X
        self.n, self.p = X.shape
        obs = ~np.isnan(X)
        keys, inverse = np.unique(obs, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        self.obs = []  # index arrays of observed items
        self.rows = []
        self.count = []
        self.mean = []
        self.cov = []  # divisor n_g
        for g in range(len(keys)):
            o = np.flatnonzero(keys[g])
            r = np.flatnonzero(inverse == g)
            Y = X[np.ix_(r, o)]
            m = Y.mean(axis=0)
            R = Y - m
            self.obs.append(o)
            self.rows.append(r)
            self.count.append(len(r))
            self.mean.append(m)
            self.cov.append(R.T @ R / len(r))
        self.n_patterns = len(keys)
        self.n_rows_missing = int((~obs).any(axis=1).sum())
        self.n_cells_missing = int((~obs).sum())

    def loglik(self, mu: np.ndarray, Sigma: np.ndarray) -> float:
        """Casewise normal log-likelihood at (μ, Σ); -inf if a Σ_g is not positive definite."""
        total = 0.0
        for o, n_g, m, S in zip(self.obs, self.count, self.mean, self.cov, strict=True):
            Sg = Sigma[np.ix_(o, o)]
            try:
                L = np.linalg.cholesky(Sg)
            except np.linalg.LinAlgError:
                return -np.inf
            d = m - mu[o]
            Si = np.linalg.inv(Sg)
            total += n_g * (
                len(o) * _LOG2PI + 2 * np.log(np.diag(L)).sum() + np.sum(Si * (S + np.outer(d, d)))
            )
        return -0.5 * total
