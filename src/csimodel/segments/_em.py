"""The batched EM engine of FIMIX-PLS (internal).

All random starts run as one batch: posteriors have shape ``(S, n, K)`` (starts,
respondents, segments) and every update is a matrix product over that leading axis.
Starts that converge or degenerate leave the batch, so the remaining ones run alone.

The M-step needs, for every start and segment, the weighted cross-products of the construct
scores :math:`C_{sk} = \\sum_i P_{sik} z_i z_i^\\top`; they come from one product of the
posteriors with the per-respondent outer products (``(S K, n) @ (n, J^2)``). Each
structural equation's weighted least squares solution and residual variance are sub-blocks
of :math:`C_{sk}`: :math:`\\beta = C_{xx}^{-1} C_{xy}`,
:math:`\\sigma^2 = (C_{yy} - \\beta^\\top C_{xy}) / N_{sk}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))
#: a residual variance below this (scores are standardized) means a segment fits its
#: respondents exactly: the likelihood is unbounded there, the start is degenerate
VARIANCE_FLOOR = 1e-8


@dataclass(frozen=True, eq=False)
class Layout:
    """Which construct-score columns each structural equation uses.

    ``Z`` columns are the constructs (plus a trailing column of ones when intercepts are
    estimated); equation ``m`` regresses column ``target[m]`` on columns ``preds[m]``.
    """

    n_cols: int
    target: tuple[int, ...]
    preds: tuple[tuple[int, ...], ...]

    @property
    def n_coef(self) -> int:
        return sum(len(p) for p in self.preds)

    @property
    def n_eq(self) -> int:
        return len(self.target)

    @cached_property
    def system(self):
        """Index arrays of the block-diagonal normal equations of all equations."""
        J = self.n_cols
        full = self.pair_of_cell
        eq_of = np.concatenate([np.full(len(p), m) for m, p in enumerate(self.preds)])
        col_of = np.concatenate([np.asarray(p, dtype=int) for p in self.preds])
        gidx = full[(col_of[:, None] * J + col_of[None, :]).ravel()]
        gmask = (eq_of[:, None] == eq_of[None, :]).astype(float)
        ridx = full[col_of * J + np.asarray(self.target)[eq_of]]
        yy = full[[t * J + t for t in self.target]]
        return gidx, gmask, ridx, eq_of, col_of, yy

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Column pairs ``i <= j`` (the distinct cross-products)."""
        return np.triu_indices(self.n_cols)

    @cached_property
    def pair_of_cell(self) -> np.ndarray:
        """``(J * J,)``: the distinct pair of every cell of a ``J x J`` matrix."""
        J = self.n_cols
        i, j = self.pairs
        out = np.empty((J, J), dtype=int)
        out[i, j] = np.arange(i.size)
        out[j, i] = np.arange(i.size)
        return out.ravel()

    @cached_property
    def eq_indicator(self) -> np.ndarray:
        """``(n_coef, n_eq)``: 1 where a coefficient belongs to an equation."""
        eq_of = self.system[3]
        return (eq_of[:, None] == np.arange(self.n_eq)[None, :]).astype(float)


@dataclass(frozen=True)
class EMRun:
    """Per-start outcome of :func:`run_em` (``S`` starts, ``K`` segments, ``M`` equations).

    ``status`` is 0 (converged), 1 (stopped at ``max_iter``) or 2 (degenerate: a segment
    fell below ``min_size`` expected respondents or a residual variance to zero).
    Parameters are those whose log-likelihood is ``lnl``; ``post`` are the posteriors they
    imply. ``trace[t, s]`` is the log-likelihood of start ``s`` after iteration ``t + 1``
    (NaN once the start has left the batch).
    """

    lnl: np.ndarray  # (S,)
    status: np.ndarray  # (S,) int
    n_iter: np.ndarray  # (S,) int
    post: np.ndarray  # (S, n, K)
    rho: np.ndarray  # (S, K)
    coef: np.ndarray  # (S, K, n_cols, M): coef[s, k, j, m] of column j in equation m
    sigma2: np.ndarray  # (S, K, M)
    trace: np.ndarray  # (n_iter_max, S)


def _m_step(post, ZZw, w, layout: Layout, min_size: float):
    """Mixing proportions, coefficients and residual variances from posteriors ``(S, K, n)``.

    All equations are solved at once as one block-diagonal system per start and segment.
    Returns ``(rho, coef, sigma2, ok)``; ``ok`` flags starts whose segments all keep at
    least ``min_size`` expected respondents and a positive residual variance.
    """
    S, K, n = post.shape
    J, M, P = layout.n_cols, layout.n_eq, layout.n_coef
    gidx, gmask, ridx, eq_of, col_of, yy_idx = layout.system
    Nk = post @ w  # (S, K): expected (weighted) segment sizes
    ok = (Nk >= min_size).all(axis=1)
    C = post @ ZZw  # (S, K, distinct pairs): weighted cross-products
    G = C[:, :, gidx].reshape(S, K, P, P) * gmask
    r = C[:, :, ridx]  # (S, K, P)
    try:
        beta = np.linalg.solve(G, r[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # a singular segment (only in degenerate starts): solve start by start
        beta = np.full_like(r, np.nan)
        for s in range(S):
            try:
                beta[s] = np.linalg.solve(G[s], r[s][..., None])[..., 0]
            except np.linalg.LinAlgError:
                ok[s] = False
    coef = np.zeros((S, K, J, M))
    coef[:, :, col_of, eq_of] = beta
    explained = (beta * r) @ layout.eq_indicator  # (S, K, M)
    yy = C[:, :, yy_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2 = (yy - explained) / Nk[:, :, None]
    good = np.isfinite(sigma2).all(axis=(1, 2)) & np.isfinite(beta).all(axis=(1, 2))
    ok &= good & (np.nan_to_num(sigma2, nan=0.0) > VARIANCE_FLOOR).all(axis=(1, 2))
    return Nk / w.sum(), coef, sigma2, ok


#: products with fewer multiply-adds run in one BLAS call; larger ones in column blocks of
#: at most ``_BLOCK`` multiply-adds each. OpenBLAS threads a product from about 2**18
#: multiply-adds on; for these short, wide products (a few dozen rows, thousands of columns)
#: the threads cost several times the arithmetic, most of all on a busy machine.
_ONE_CALL = 1 << 20
_BLOCK = 1 << 18


def _small_products(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """``A @ B`` for a short ``A`` and a wide ``B``, in column blocks of ``B``."""
    m, p = A.shape
    n = B.shape[1]
    if m * p * n <= _ONE_CALL:
        return A @ B
    step = max(1, _BLOCK // (m * p))
    out = np.empty((m, n))
    for a in range(0, n, step):
        np.matmul(A, B[:, a : a + step], out=out[:, a : a + step])
    return out


def _e_step(ZZT, w, layout: Layout, rho, coef, sigma2):
    """Log-likelihood per start and posteriors ``(S, K, n)``.

    The residuals of all equations are ``Z @ A`` with ``A[target_m, m] = 1`` and
    ``A[preds_m, m] = -beta_m``, so the segment's exponent is the quadratic form
    :math:`z_i^\top A D A^\top z_i` (``D`` = inverse residual variances): one product of
    the per-respondent outer products with the flattened forms of all starts and segments.
    """
    S, K, J, M = coef.shape
    n = ZZT.shape[1]
    A = -coef
    A[:, :, list(layout.target), np.arange(M)] = 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / sigma2  # (S, K, M)
        Q = (A * inv[:, :, None, :]) @ A.transpose(0, 1, 3, 2)  # (S, K, J, J)
        const = np.log(rho) - 0.5 * (M * LOG_2PI + np.log(sigma2).sum(axis=-1))  # (S, K)
        i, j = layout.pairs
        Qp = Q[:, :, i, j] * np.where(i == j, 1.0, 2.0)  # off-diagonal cells count twice
        logw = _small_products(Qp.reshape(S * K, i.size), ZZT).reshape(S, K, n)
        logw = -0.5 * logw + const[:, :, None]  # (S, K, n)
        top = logw.max(axis=1, keepdims=True)
        post = np.exp(logw - top)
        tot = post.sum(axis=1, keepdims=True)
        post /= tot
        lse = (top + np.log(tot))[:, 0, :]  # (S, n)
    return lse @ w, post


def run_em(
    Z: np.ndarray,
    layout: Layout,
    post0: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    min_size: float,
    weights: np.ndarray | None = None,
) -> EMRun:
    """EM for a mixture of normal regressions, all starts as one batch.

    Parameters
    ----------
    Z : ndarray of shape (n, n_cols)
        Construct scores (and a column of ones for intercepts).
    layout : Layout
    post0 : ndarray of shape (S, n, K)
        Initial posteriors (rows sum to 1), one matrix per start.
    max_iter : int
        Iterations per start (each an M-step followed by an E-step).
    tol : float
        A start has converged when its log-likelihood changes by less than ``tol`` times
        its absolute value (a relative criterion: the log-likelihood grows with n).
    min_size : float
        Smallest expected segment size (sum of posteriors) a start may reach.
    weights : ndarray of shape (n,), optional
        Case weights: respondent *i* counts ``weights[i]`` times in the likelihood (integer
        weights equal duplicated rows).
    """
    S, n, K = post0.shape
    J, M = layout.n_cols, layout.n_eq
    i, j = layout.pairs
    ZZ = Z[:, i] * Z[:, j]  # (n, distinct pairs)
    ZZT = np.ascontiguousarray(ZZ.T)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    ZZw = ZZ * w[:, None]
    out_lnl = np.full(S, -np.inf)
    out_status = np.full(S, 1, dtype=int)
    out_iter = np.zeros(S, dtype=int)
    out_post = post0.copy()
    out_rho = np.full((S, K), np.nan)
    out_coef = np.full((S, K, J, M), np.nan)
    out_s2 = np.full((S, K, M), np.nan)
    trace = np.full((max_iter, S), np.nan)

    active = np.arange(S)
    post = np.ascontiguousarray(post0.transpose(0, 2, 1))  # (S, K, n) inside
    prev = np.full(S, -np.inf)
    it = 0
    while it < max_iter and active.size:
        it += 1
        rho, coef, s2, ok = _m_step(post, ZZw, w, layout, min_size)
        lnl, new_post = _e_step(ZZT, w, layout, rho, coef, s2)
        ok &= np.isfinite(lnl)
        trace[it - 1, active] = np.where(ok, lnl, np.nan)
        with np.errstate(invalid="ignore"):
            small = np.abs(lnl - prev) < tol * np.abs(lnl)
        done = ~ok | small | (it == max_iter)
        if done.any():
            sel = active[done]
            out_status[sel] = np.where(~ok[done], 2, np.where(it == max_iter, 1, 0))
            conv_at_last = ok[done] & small[done]
            out_status[sel[conv_at_last]] = 0
            out_iter[sel] = it
            keep = ok[done]
            out_lnl[sel[keep]] = lnl[done][keep]
            out_post[sel] = new_post[done].transpose(0, 2, 1)
            out_rho[sel] = rho[done]
            out_coef[sel] = coef[done]
            out_s2[sel] = s2[done]
        active, post, prev = active[~done], new_post[~done], lnl[~done]
    return EMRun(
        lnl=out_lnl,
        status=out_status,
        n_iter=out_iter,
        post=out_post,
        rho=out_rho,
        coef=out_coef,
        sigma2=out_s2,
        trace=trace[:it],
    )
