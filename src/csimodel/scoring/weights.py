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
from ..exceptions import ModelError

__all__ = ["index_weights", "normalized_index_weights", "NEGATIVE_WEIGHT_POLICIES"]

NEGATIVE_WEIGHT_POLICIES = ("error", "zero")
# a block whose raw weights sum to (nearly) zero has no meaningful weighted mean
_REL_TOL = 1e-10


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
    outer = np.asarray(outer, dtype=float)
    raw = outer / item_sd if standardized else outer.copy()
    out = np.zeros_like(raw)
    for j, idx in enumerate(blocks):
        w = raw[idx]
        scale = float(np.abs(w).sum())
        neg = w < -_REL_TOL * scale
        if neg.any():
            names = [items[i] for i in idx[neg]]
            if negative_weights == "error":
                vals = ", ".join(f"{items[i]}={raw[i]:.4g}" for i in idx[neg][:5])
                raise ModelError(
                    f"Construct {constructs[j]!r} has negative index weight(s) for item(s) "
                    f"{list_some(names)} ({vals}); an index built on them would fall when "
                    "answers rise. Check the item's coding (reverse-coded?), drop the item, or "
                    "pass negative_weights='zero' to give those items weight 0."
                )
        w = np.where(w > 0, w, 0.0)
        total = float(w.sum())
        if not np.isfinite(total) or total <= _REL_TOL * max(scale, 1e-300):
            raise ModelError(
                f"Construct {constructs[j]!r} has no positive index weight (items "
                f"{list_some([items[i] for i in idx])}), so no index can be formed. "
                "Check the items' coding or the model."
            )
        out[idx] = w / total
    return out


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
