"""Weighted means and covariance matrices, single and batched.

A batch of case-weight patterns ``F`` of shape ``(B, n)`` (bootstrap resample
counts, permutation group memberships, survey weights) turns into ``B``
covariance matrices ``(B, p, p)`` with one matrix product over the ``p(p+1)/2``
cross-products of the centred items. Every estimator works on these moments.

Convention: with total weight :math:`W = \\sum_i f_i`, the covariance is
:math:`\\sum_i f_i (x_i - \\bar x)(x_i - \\bar x)^\\top / (W - 1)`, so integer
weights are frequency weights (a weight of 2 equals a duplicated row).
"""

from __future__ import annotations

import numpy as np

__all__ = ["covariance", "MomentBuilder"]

_ROW_CHUNK = 1 << 12


def covariance(X: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and covariance matrix of ``X`` (rows = cases), optionally weighted.

    Works in row chunks on centred data, so it needs no copy of ``X`` and stays
    accurate for large means.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    weights : ndarray of shape (n,), optional
        Frequency / case weights.

    Returns
    -------
    mean : ndarray of shape (p,)
    cov : ndarray of shape (p, p)
    """
    n, p = X.shape
    if weights is None:
        mean = X.mean(axis=0)
        total = float(n)
    else:
        total = float(weights.sum())
        mean = (weights @ X) / total
    acc = np.zeros((p, p))
    for start in range(0, n, _ROW_CHUNK):
        xc = X[start : start + _ROW_CHUNK] - mean
        if weights is None:
            acc += xc.T @ xc
        else:
            acc += (xc * weights[start : start + _ROW_CHUNK, None]).T @ xc
    cov = acc / (total - 1.0)
    return mean, (cov + cov.T) / 2.0


class MomentBuilder:
    """Batched moments of one data matrix under many case-weight patterns.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Data (raw item values).
    weights : ndarray of shape (n,), optional
        Base case weights multiplied into every pattern (survey weights travel with
        their respondent through resampling).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> F = np.ones((1, 50))
    >>> m, S = MomentBuilder(X).moments(F)
    >>> np.allclose(S[0], np.cov(X, rowvar=False))
    True
    """

    def __init__(self, X: np.ndarray, weights: np.ndarray | None = None) -> None:
        self.X = X
        self.weights = weights
        n, p = X.shape
        self.n, self.p = n, p
        self.center = covariance(X, weights)[0] if n else np.zeros(p)
        self.iu, self.ju = np.triu_indices(p)
        t = len(self.iu)
        sym = np.empty((p, p), dtype=np.intp)
        sym[self.iu, self.ju] = sym[self.ju, self.iu] = np.arange(t)
        self._sym = sym.ravel()  # position of (i, j) in the upper-triangle list
        self._cached = None
        if n * (t + p) * 8 <= 256 * 2**20:
            self._cached = self._block(0, n)

    def _block(self, start: int, stop: int) -> np.ndarray:
        # [xc, xc_i * xc_j for i <= j] in triu_indices order, written column group by
        # column group into one array (no (rows, p(p+1)/2) temporaries)
        xc = self.X[start:stop] - self.center
        p = self.p
        out = np.empty((xc.shape[0], p + len(self.iu)))
        out[:, :p] = xc
        col = p
        for i in range(p):
            np.multiply(xc[:, i : i + 1], xc[:, i:], out=out[:, col : col + p - i])
            col += p - i
        return out

    def moments(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means ``(B, p)`` and covariances ``(B, p, p)`` for weight patterns ``F`` ``(B, n)``."""
        F = np.asarray(F, dtype=np.float64)
        if self.weights is not None:
            F = F * self.weights
        if self._cached is not None:
            acc = F @ self._cached
        else:
            acc = np.zeros((F.shape[0], self.p + len(self.iu)))
            for start in range(0, self.n, _ROW_CHUNK):
                stop = min(start + _ROW_CHUNK, self.n)
                acc += F[:, start:stop] @ self._block(start, stop)
        total = F.sum(axis=1)
        p = self.p
        m = acc[:, :p] / total[:, None]
        second = acc[:, p:] / total[:, None]
        B = F.shape[0]
        # one gather from the upper triangle to the full (symmetric) matrix
        S = np.take(second - m[:, self.iu] * m[:, self.ju], self._sym, axis=1).reshape(B, p, p)
        S *= (total / (total - 1.0))[:, None, None]
        return m + self.center, S
