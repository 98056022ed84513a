"""Discriminant validity: HTMT, HTMT2, Fornell-Larcker (on moments, batched)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["htmt_batched", "htmt", "fornell_larcker"]


def htmt_batched(R: np.ndarray, mask: np.ndarray, kind: str = "htmt") -> np.ndarray:
    """HTMT (arithmetic means) or HTMT2 (geometric means) of absolute item correlations.

    .. math:: \\mathrm{HTMT}_{ij} = \\frac{\\bar r_{ij}}{\\sqrt{\\bar r_{ii} \\bar r_{jj}}}

    with :math:`\\bar r_{ij}` the mean of the :math:`k_i k_j` heterotrait correlations and
    :math:`\\bar r_{ii}` the mean of the :math:`k_i(k_i-1)/2` monotrait correlations of
    block *i* (1 for a single-item block). HTMT2 uses geometric means instead.

    Parameters
    ----------
    R : ndarray (B, p, p)
        Item correlation matrices.
    mask : ndarray (p, J)
    kind : {'htmt', 'htmt2'}

    Returns
    -------
    ndarray (B, J, J), symmetric, NaN on the diagonal.
    """
    M = mask.astype(float)
    k = M.sum(axis=0)
    A = np.abs(R)
    if kind == "htmt2":
        with np.errstate(divide="ignore"):
            A = np.log(A)
        idx = np.arange(A.shape[-1])
        A[:, idx, idx] = 0.0
    T = np.einsum("pi,bpq,qj->bij", M, A, M)
    diag = np.einsum("bjj->bj", T)
    if kind == "htmt":
        diag = diag - k  # remove the unit diagonal
    n_mono = k * (k - 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(
            k > 1, diag / np.where(n_mono > 0, n_mono, 1.0), 1.0 if kind == "htmt" else 0.0
        )
        hetero = T / np.outer(k, k)
        if kind == "htmt":
            H = hetero / np.sqrt(mono[:, :, None] * mono[:, None, :])
        else:
            H = np.exp(hetero - 0.5 * (mono[:, :, None] + mono[:, None, :]))
    J = M.shape[1]
    H[:, np.arange(J), np.arange(J)] = np.nan
    return H


def htmt(R: np.ndarray, model, kind: str = "htmt") -> pd.DataFrame:
    """HTMT or HTMT2 table of one correlation matrix, labelled by construct."""
    H = htmt_batched(R[None], model.block_mask(), kind)[0]
    c = pd.Index(model.constructs, name="construct")
    return pd.DataFrame(H, index=c, columns=c)


def fornell_larcker(C: np.ndarray, ave: np.ndarray, constructs) -> pd.DataFrame:
    """Construct correlations with :math:`\\sqrt{\\mathrm{AVE}}` on the diagonal."""
    F = np.array(C, dtype=float, copy=True)
    idx = np.arange(F.shape[0])
    F[idx, idx] = np.sqrt(ave)
    c = pd.Index(constructs, name="construct")
    return pd.DataFrame(F, index=c, columns=c)
