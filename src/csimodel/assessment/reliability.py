"""Internal-consistency reliability: Cronbach's alpha, rho_A, rho_C and AVE.

All functions work on moments (item correlation/covariance matrices) and block-layout
arrays, with a leading batch axis where noted, so the bootstrap can reuse them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..numeric.reliability import rho_a_from_weights

__all__ = ["cronbach_alpha", "rho_c_ave", "reliability", "block_labels", "item_matrix"]


def item_matrix(res) -> tuple[np.ndarray, np.ndarray]:
    """(metric, correlation): the item matrix the estimator worked on and the correlations.

    ``metric`` is the correlation matrix for standardized fits and the covariance matrix
    for ``standardize=False``.
    """
    S = np.asarray(res.cov, dtype=float)
    sd = np.sqrt(np.diag(S))
    R = S / np.outer(sd, sd)
    metric = R if getattr(res.estimator, "standardize", True) else S
    return metric, R


def cronbach_alpha(S: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Cronbach's alpha per block, batched.

    .. math:: \\alpha_j = \\frac{k_j}{k_j - 1}
              \\left(1 - \\frac{\\operatorname{tr} S_{jj}}{\\mathbf 1^\\top S_{jj} \\mathbf 1}\\right)

    Parameters
    ----------
    S : ndarray (B, p, p)
        Item correlations (standardized alpha) or covariances (raw alpha).
    mask : ndarray (p, J)
        Block membership.

    Returns
    -------
    ndarray (B, J); 1 for single-item blocks.
    """
    M = mask.astype(float)
    k = M.sum(axis=0)
    total = np.einsum("pj,bpq,qj->bj", M, S, M)
    trace = np.einsum("bpp,pj->bj", S, M)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = k / (k - 1.0) * (1.0 - trace / total)
    return np.where(k > 1, a, 1.0)


def rho_c_ave(L: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Composite reliability and AVE per block from (standardized) loadings, batched.

    .. math:: \\rho_C = \\frac{(\\sum_i \\lambda_i)^2}{(\\sum_i \\lambda_i)^2 + \\sum_i (1 - \\lambda_i^2)},
              \\qquad \\mathrm{AVE} = \\frac{1}{k} \\sum_i \\lambda_i^2

    Returns ``(rho_c, ave)``, each (B, J); both 1 for single-item blocks.
    """
    M = mask.astype(float)
    k = M.sum(axis=0)
    L = L * M
    s = L.sum(axis=1)
    s2 = (L**2).sum(axis=1)
    rc = s**2 / (s**2 + (k - s2))
    ave = s2 / k
    single = k <= 1
    return np.where(single, 1.0, rc), np.where(single, 1.0, ave)


def block_labels(res) -> list[str]:
    """Short label of every block: how its reliability is computed."""
    m = res.model
    corrected = getattr(res.arrays, "corrected", None)
    out = []
    for j, c in enumerate(m.constructs):
        if len(m.blocks[c]) == 1:
            out.append("single item")
        elif m.modes[c] == "B":
            out.append("mode B (composite)")
        elif corrected is not None:
            out.append("mode A (common factor, PLSc)" if corrected[j] else "mode A (composite)")
        else:
            out.append("mode A")
    return out


def reliability(res) -> pd.DataFrame:
    """Cronbach's alpha, rho_A, rho_C and AVE of every construct of a fit.

    Single-item blocks get 1 throughout (reliability cannot be estimated from one item and
    is fixed at 1, as in seminr and cSEM). Mode B blocks get :math:`\\rho_A = 1` (composites
    are error-free by definition); their alpha, rho_C and AVE are reported but describe
    items that need not correlate (labelled in ``block``). For a PLSc fit rho_C and AVE
    come from the consistent loadings.

    Returns
    -------
    DataFrame
        Index ``construct``; columns ``alpha, rho_a, rho_c, ave, block``.
    """
    m = res.model
    mask = m.block_mask()
    metric, _ = item_matrix(res)
    alpha = cronbach_alpha(metric[None], mask)[0]
    rho = rho_a_from_weights(res.arrays.weights[:1], metric[None])[0]
    k = mask.sum(axis=0)
    mode_b = np.array([m.modes[c] == "B" for c in m.constructs])
    rho = np.where((k <= 1) | mode_b, 1.0, rho)
    rc, ave = rho_c_ave(res.arrays.block_loadings[:1], mask)
    return pd.DataFrame(
        {
            "alpha": alpha,
            "rho_a": rho,
            "rho_c": rc[0],
            "ave": ave[0],
            "block": block_labels(res),
        },
        index=pd.Index(m.constructs, name="construct"),
    )
