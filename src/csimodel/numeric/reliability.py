"""Reliability algebra shared by PLSc (the correction) and the assessment layer."""

from __future__ import annotations

import numpy as np

__all__ = ["rho_a_from_weights"]


def rho_a_from_weights(W: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Dijkstra-Henseler :math:`\\rho_A` of every block, batched: (B, J).

    ``W`` (B, p, J) block-layout weights with :math:`w_j^\\top R w_j = 1`; ``R`` (B, p, p)
    the item matrix the weights were computed on. Single-item blocks give NaN (0/0).
    """
    ww = np.einsum("bpj,bpj->bj", W, W)
    w4 = np.einsum("bpj->bj", W**4)
    wRw = np.einsum("bpj,bpq,bqj->bj", W, R, W)
    wdw = np.einsum("bpj,bp->bj", W**2, np.einsum("bii->bi", R))
    with np.errstate(invalid="ignore", divide="ignore"):
        return ww**2 * (wRw - wdw) / (ww**2 - w4)
