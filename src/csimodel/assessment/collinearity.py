"""Variance inflation factors of items within blocks and of predictors of each construct."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["item_vif", "predictor_vif"]


def item_vif(R: np.ndarray, model, index: pd.MultiIndex | None = None) -> pd.Series:
    """VIF of every item regressed on the other items of its block.

    :math:`\\mathrm{VIF}_i = [R_{jj}^{-1}]_{ii}` (1 for a single-item block).

    Returns
    -------
    Series indexed by (construct, item).
    """
    out = []
    pos = 0
    for c in model.constructs:
        k = len(model.blocks[c])
        sub = R[pos : pos + k, pos : pos + k]
        out.extend((np.diag(np.linalg.inv(sub)) if k > 1 else np.ones(1)).tolist())
        pos += k
    if index is None:
        index = pd.MultiIndex.from_tuples(
            [(c, i) for c in model.constructs for i in model.blocks[c]], names=["construct", "item"]
        )
    return pd.Series(out, index=index, name="vif")


def predictor_vif(C: np.ndarray, model) -> pd.Series:
    """VIF of every predictor of every endogenous construct from construct correlations.

    :math:`\\mathrm{VIF}_k = [C_{PP}^{-1}]_{kk}` over the predictors *P* (1 for a single
    predictor).

    Returns
    -------
    Series indexed by (target, predictor).
    """
    pos = {c: k for k, c in enumerate(model.constructs)}
    out: list = []
    index: list[tuple[str, str]] = []
    for t in model.endogenous:
        preds = model.predecessors(t)
        ix = [pos[c] for c in preds]
        v = np.diag(np.linalg.inv(C[np.ix_(ix, ix)])) if len(ix) > 1 else np.ones(1)
        out.extend(v.tolist())
        index.extend((t, s) for s in preds)
    return pd.Series(
        out, index=pd.MultiIndex.from_tuples(index, names=["target", "predictor"]), name="vif"
    )
