r"""0-100 indices of the model extensions (internal).

* An interaction term has no index (its "items" are products of scores, with no answer
  scale): its column is NaN, and :func:`extension_note` says so.
* A higher-order construct estimated in two stages is measured by the scores of its
  lower-order constructs; its index combines their indices,

  .. math:: I_H = \sum_L c_L I_L, \qquad c_L = \frac{v_L / s_L}{\sum_K v_K / s_K},

  with :math:`v_L` its outer weight on lower-order construct *L* (standardized score) and
  :math:`s_L` the standard deviation of *L*'s per-respondent 0-100 score, so the index
  moves with the higher-order score exactly as an item-level index moves with its
  construct score (the same rule, one level up). With repeated indicators the higher-order
  construct has items of its own and gets the usual item-level index.
"""

from __future__ import annotations

import numpy as np

from .._validation import list_some
from ..exceptions import ModelError


def generated_constructs(model) -> tuple[list[int], list[tuple[int, list[int], list[int]]]]:
    """(interaction positions, [(hoc position, LOC positions, LOC score item positions)])."""
    gen = getattr(model, "generated", {})
    if not gen:
        return [], []
    cons = model.constructs
    inter = [cons.index(c) for c in getattr(model, "interactions", {})]
    hocs = []
    for h, locs in getattr(model, "higher_order", {}).items():
        if all(loc in gen for loc in locs):
            pos = [cons.index(loc) for loc in locs]
            hocs.append((cons.index(h), pos, [model.items.index(loc) for loc in locs]))
    return inter, hocs


def observed_item_mask(model) -> np.ndarray:
    """True for items that are data columns (not generated)."""
    gen = getattr(model, "generated", {})
    return np.array([i not in gen for i in model.items], dtype=bool)


def hoc_coefficients(
    weights: np.ndarray,
    a: np.ndarray,
    cov: np.ndarray,
    blocks: list[np.ndarray],
    hoc: tuple[int, list[int], list[int]],
    negative_weights: str = "error",
    name: str = "",
    loc_names: tuple[str, ...] = (),
) -> np.ndarray:
    """:math:`c_L` ``(B, L)`` from outer weights ``(B, p, J)``, the index coefficients
    ``a`` ``(B, p)`` of every item (score = ``a @ x - c``) and item covariances ``(B, p, p)``."""
    h, locs, score_items = hoc
    v = weights[:, score_items, h]  # (B, L)
    sd = np.stack(
        [
            np.sqrt(
                np.einsum(
                    "bi,bij,bj->b",
                    a[:, blocks[L]],
                    cov[:, blocks[L][:, None], blocks[L][None, :]],
                    a[:, blocks[L]],
                )
            )
            for L in locs
        ],
        axis=1,
    )
    raw = v / sd
    raw = raw * np.sign(raw.sum(axis=1, keepdims=True))
    neg = raw < -1e-10 * np.abs(raw).sum(axis=1, keepdims=True)
    if neg.any() and negative_weights == "error" and raw.shape[0] == 1:
        raise ModelError(
            f"Higher-order construct {name!r} has a negative weight on lower-order construct(s) "
            f"{list_some([loc_names[i] if loc_names else str(i) for i in np.flatnonzero(neg[0])])}"
            "; its index would fall "
            "when theirs rise. Check the model or pass negative_weights='zero'."
        )
    raw = np.where(raw > 0, raw, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return raw / raw.sum(axis=1, keepdims=True)


def extension_note(model) -> str | None:
    """The note shown with indices of a model with interaction terms."""
    inter = list(getattr(model, "interactions", {}))
    if not inter or not getattr(model, "generated", {}):
        return None
    return (
        f"Interaction term(s) {list_some(inter)} have no 0-100 index (their items are products "
        "of scores, without an answer scale)."
    )
