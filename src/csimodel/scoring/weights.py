"""Index weights: unstandardized outer weights, normalized to sum to 1 per construct.

The ACSI index of a construct is a weighted mean of its items on their own answer scale.
The weights are the PLS outer weights brought back to the items' raw scale (a weight for a
standardized item divided by the item's standard deviation) and normalized within the block:

.. math::

    \\tilde w_i = \\frac{w_i / s_i}{\\sum_{k \\in B_j} w_k / s_k}

When the fit did not standardize the items (``PLS(standardize=False)``) the outer weights
already apply to the centred raw items and are only normalized.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_option, list_some
from ..exceptions import DataError, ModelError

__all__ = [
    "index_weights",
    "normalized_index_weights",
    "raw_index_weights",
    "negative_index_weights",
    "normalize_blocks",
    "index_values",
    "NEGATIVE_WEIGHT_POLICIES",
]

NEGATIVE_WEIGHT_POLICIES = ("error", "zero")
# a block whose raw weights sum to (nearly) zero has no meaningful weighted mean
_REL_TOL = 1e-10


def check_scales(
    items, low: np.ndarray, high: np.ndarray, purpose: str = "a 0-100 index cannot be formed"
) -> None:
    """Raise a DataError that shows how to declare a scale if any item has none."""
    missing = [items[i] for i in np.flatnonzero(~(np.isfinite(low) & np.isfinite(high)))]
    if missing:
        raise DataError(
            f"No answer scale was declared for item(s) {list_some(missing)}, so {purpose} "
            "(csimodel never uses the observed min/max). Declare the scale "
            "when fitting: fit(..., scale=(1, 10)) for one scale for all items, or "
            "fit(..., scale={'item': (0, 10), ...}) per item."
        )


# ----------------------------------------------------------------------------- batched core
def raw_index_weights(weights: np.ndarray, item_sd: np.ndarray, standardized: bool) -> np.ndarray:
    """Outer weights brought to the items' raw scale, batched.

    ``weights`` ``(B, p, J)`` in block layout (or ``(B, p)``, one weight per item) in the
    engine's metric; ``item_sd`` ``(B, p)``. Returns :math:`w_i / s_i` (standardized fits)
    or the weights unchanged (``standardize=False``), same shape.
    """
    if not standardized:
        return weights
    sd = item_sd[:, :, None] if weights.ndim == 3 else item_sd
    return weights / sd


def negative_index_weights(raw: np.ndarray) -> np.ndarray:
    """``(B, p)`` True where an item's raw weight ``(B, p, J)`` is negative beyond rounding
    (below ``-1e-10`` times its block's sum of absolute weights)."""
    scale = np.abs(raw).sum(axis=1, keepdims=True)
    return np.any(raw < -_REL_TOL * scale, axis=2)


def normalize_blocks(
    raw: np.ndarray, *, zero_negative: bool = False, factor: np.ndarray | None = None
) -> np.ndarray:
    """Weights ``(B, p, J)`` scaled to sum to 1 within every block, batched.

    ``factor`` (p,) multiplies every item's weight first (the scale spans for weights of
    0-100 rescaled items); ``zero_negative`` sets negative weights to 0 first. A block whose
    weights sum to (almost) nothing (at most ``1e-10`` times their absolute sum) gets NaN.
    """
    w = raw if factor is None else raw * factor[None, :, None]
    scale = np.abs(w).sum(axis=1, keepdims=True)
    if zero_negative:
        w = np.where(w > 0, w, 0.0)
    tot = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad = ~np.isfinite(tot) | (np.abs(tot) <= _REL_TOL * scale)
        return w / np.where(bad, np.nan, tot)


def index_values(
    wn: np.ndarray, means: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """0-100 indices ``(B, J)`` from normalized index weights ``(B, p, J)`` and item means.

    .. math:: I_j = 100 \\frac{\\sum_i \\tilde w_i \\bar x_i - \\sum_i \\tilde w_i l_i}
                          {\\sum_i \\tilde w_i h_i - \\sum_i \\tilde w_i l_i}

    ``means`` is ``(B, p)`` (or ``(B, G, p)`` for G segments, giving ``(B, G, J)``).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.einsum("bpj,p->bj", wn, high - low)
        cst = np.einsum("bpj,p->bj", wn, low)
        if means.ndim == 3:
            num = np.einsum("bgp,bpj->bgj", means, wn) - cst[:, None, :]
            return 100.0 * num / den[:, None, :]
        num = np.einsum("bpj,bp->bj", wn, means) - cst
        return 100.0 * num / den


def normalized_index_weights(
    outer: np.ndarray,
    item_sd: np.ndarray,
    standardized: bool,
    blocks: list[np.ndarray],
    constructs: tuple[str, ...],
    items: tuple[str, ...],
    *,
    negative_weights: str = "error",
    owner: str = "index_weights",
) -> np.ndarray:
    """Per-item index weights (p,), each block summing to 1 (array core of :func:`index_weights`).

    ``outer`` holds each item's outer weight (its own block's), ``blocks`` the item
    positions of each construct.
    """
    check_option(negative_weights, "negative_weights", owner, NEGATIVE_WEIGHT_POLICIES)
    p = len(items)
    M = np.zeros((p, len(blocks)))
    for j, idx in enumerate(blocks):
        M[idx, j] = 1.0
    outer = np.asarray(outer, dtype=float)
    raw = raw_index_weights((outer[:, None] * M)[None], np.asarray(item_sd)[None], standardized)
    neg = negative_index_weights(raw)[0]
    if neg.any() and negative_weights == "error":
        r = raw[0].sum(axis=1)
        for j, idx in enumerate(blocks):
            bad = idx[neg[idx]]
            if len(bad):
                names = [items[i] for i in bad]
                vals = ", ".join(f"{items[i]}={r[i]:.4g}" for i in bad[:5])
                raise ModelError(
                    f"Construct {constructs[j]!r} has negative index weight(s) for item(s) "
                    f"{list_some(names)} ({vals}); an index built on them would fall when "
                    "answers rise. Check the item's coding (reverse-coded?), drop the item, or "
                    "pass negative_weights='zero' to give those items weight 0."
                )
    wn = normalize_blocks(raw, zero_negative=True)[0]
    for j, idx in enumerate(blocks):
        if not np.all(np.isfinite(wn[idx, j])):
            raise ModelError(
                f"Construct {constructs[j]!r} has no positive index weight (items "
                f"{list_some([items[i] for i in idx])}), so no index can be formed. "
                "Check the items' coding or the model."
            )
    return (wn * M).sum(axis=1)


def index_weights(res, *, negative_weights: str = "error") -> pd.Series:
    """Index weights of every item: unstandardized outer weights normalized per construct.

    Parameters
    ----------
    res : FitResults
        A fitted model.
    negative_weights : {'error', 'zero'}, default='error'
        ``'error'`` raises :class:`~csimodel.ModelError` naming any item with a negative
        weight (an index would fall when that answer rises). ``'zero'`` gives such items
        weight 0 and renormalizes the rest of the block (documented, explicit choice; a block
        with no positive weight still raises).

    Returns
    -------
    pandas.Series
        Index = MultiIndex (construct, item); values sum to 1 within each construct.

    Notes
    -----
    .. math::

        \\tilde w_i = \\frac{w_i / s_i}{\\sum_{k \\in B_j} w_k / s_k}

    with :math:`w_i` the outer weight for the standardized item and :math:`s_i` its standard
    deviation (divisor n - 1); if the fit used ``standardize=False``, :math:`s_i = 1`.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> w = cm.scoring.index_weights(res)
    >>> round(float(w["Satisfaction"].sum()), 12)
    1.0
    """
    outer, sd, standardized, blocks = _fit_arrays(res)
    m = res.model
    w = normalized_index_weights(
        outer, sd, standardized, blocks, m.constructs, m.items, negative_weights=negative_weights
    )
    return pd.Series(w, index=res._item_index, name="index_weight")


def _fit_arrays(res) -> tuple[np.ndarray, np.ndarray, bool, list[np.ndarray]]:
    """(outer weight per item, item SD, standardized?, block positions) from a FitResults."""
    m = res.model
    mask = m.block_mask().astype(bool)
    W = res.arrays.weights[0]
    outer = (W * mask).sum(axis=1)
    sd = np.asarray(res.arrays.item_sd[0], dtype=float)
    standardized = bool(getattr(res.estimator, "standardize", True))
    blocks = [np.flatnonzero(mask[:, j]) for j in range(mask.shape[1])]
    return outer, sd, standardized, blocks
