"""Model fit of composite / common-factor models: SRMR, d_ULS, d_G (batched) and GoF.

The model-implied item correlation matrix (Dijkstra & Henseler 2015; Henseler et al. 2014)
is built from the block-layout loadings :math:`\\Lambda` and a construct correlation matrix
:math:`\\Phi`:

* between blocks *i* and *j*: :math:`\\lambda_i \\phi_{ij} \\lambda_j^\\top`;
* within a composite block (PLS blocks, mode B, PLSc composites): the observed
  :math:`R_{jj}` (the composite model leaves the items' correlations free);
* within a common-factor block (PLSc corrected): :math:`\\lambda_j \\lambda_j^\\top`,
  unit diagonal.

For the *saturated* model :math:`\\Phi` is the (consistent) construct correlation matrix;
for the *estimated* model it is implied by the structural model: with path matrix
:math:`B` (:math:`\\eta = B^\\top \\eta + \\zeta`), :math:`\\Psi` holding the observed
correlations of the exogenous constructs and :math:`1 - R^2_j` for the endogenous ones,
:math:`\\Phi = (I - B^\\top)^{-1} \\Psi (I - B^\\top)^{-\\top}` with unit diagonal.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "implied_construct_cor",
    "implied_item_cor",
    "fit_measures",
    "gof",
]


def implied_construct_cor(C: np.ndarray, paths: np.ndarray, r2: np.ndarray) -> np.ndarray:
    """Construct correlations implied by a recursive structural model, batched (B, J, J)."""
    B, J, _ = C.shape
    endo = np.isfinite(r2) & (np.abs(paths).sum(axis=1) > 0)
    Psi = np.where(~endo[:, :, None] & ~endo[:, None, :], C, 0.0)
    idx = np.arange(J)
    Psi[:, idx, idx] = np.where(endo, 1.0 - np.nan_to_num(r2), 1.0)
    A = np.linalg.inv(np.eye(J)[None] - paths.transpose(0, 2, 1))
    Phi = A @ Psi @ A.transpose(0, 2, 1)
    Phi[:, idx, idx] = 1.0
    return Phi


def implied_item_cor(
    R: np.ndarray, L: np.ndarray, Phi: np.ndarray, mask: np.ndarray, common: np.ndarray
) -> np.ndarray:
    """Model-implied item correlations (B, p, p) from loadings ``L`` (B, p, J) and ``Phi``."""
    M = mask.astype(float)
    L = L * M
    Sig = L @ Phi @ L.transpose(0, 2, 1)
    same = M @ M.T > 0  # (p, p) same block
    comp_items = M @ (~common).astype(float) > 0  # items of composite blocks
    within_comp = same & comp_items[:, None] & comp_items[None, :]
    within_fac = same & ~within_comp
    LL = np.einsum("bpj,bqj->bpq", L, L)
    Sig = np.where(within_comp[None], R, Sig)
    Sig = np.where(within_fac[None], LL, Sig)
    idx = np.arange(R.shape[-1])
    Sig[:, idx, idx] = 1.0
    return Sig


def fit_measures(R: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """SRMR, d_ULS and d_G of implied ``Sigma`` against observed ``R``, batched: (B, 3).

    .. math::
        \\mathrm{SRMR} = \\sqrt{\\frac{2}{p(p+1)} \\sum_{i \\le j} (r_{ij} - \\hat\\sigma_{ij})^2},
        \\quad d_{ULS} = \\tfrac12 \\lVert R - \\hat\\Sigma \\rVert_F^2,
        \\quad d_G = \\tfrac12 \\sum_k (\\log \\varphi_k)^2

    with :math:`\\varphi_k` the eigenvalues of :math:`R^{-1} \\hat\\Sigma` (NaN when
    :math:`\\hat\\Sigma` is not positive definite).
    """
    D = R - Sigma
    p = R.shape[-1]
    iu = np.triu_indices(p)
    srmr = np.sqrt((D[:, iu[0], iu[1]] ** 2).mean(axis=1))
    duls = 0.5 * (D**2).sum(axis=(1, 2))
    dg = np.full(R.shape[0], np.nan)
    for b in range(R.shape[0]):
        try:
            # eigenvalues of R^-1 Sigma = generalized symmetric problem; via Cholesky of R
            Lc = np.linalg.cholesky(R[b])
            Li = np.linalg.inv(Lc)
            ev = np.linalg.eigvalsh(Li @ Sigma[b] @ Li.T)
        except np.linalg.LinAlgError:
            continue
        if ev.min() > 0:
            dg[b] = 0.5 * float((np.log(ev) ** 2).sum())
    return np.stack([srmr, duls, dg], axis=1)


def gof(L: np.ndarray, mask: np.ndarray, r2: np.ndarray) -> float:
    """Tenenhaus et al. (2005) GoF: :math:`\\sqrt{\\overline{\\lambda^2} \\cdot \\overline{R^2}}`.

    The mean communality is over the items of the blocks with two or more items; the mean
    R² over the endogenous constructs.
    """
    M = mask.astype(bool)
    multi = M.sum(axis=0) > 1
    items = M[:, multi].any(axis=1)
    if not items.any():
        return float("nan")
    comm = (L * M).sum(axis=1)[items] ** 2
    r = r2[np.isfinite(r2)]
    return float(np.sqrt(comm.mean() * r.mean())) if len(r) else float("nan")
