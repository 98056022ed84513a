"""Ordered items (shared by PLS, CB-SEM and the invariance ladder): validation and the polychoric item covariance matrix
fed to PLS/PLSc (ordinal PLS, Schuberth, Henseler & Dijkstra 2018)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import ParameterError
from ..exceptions import DataError


def resolve_ordered(ordered: Any, items: list[str], owner: str) -> list[str]:
    """The ordered items named by ``ordered`` (True = all); every model item must be
    ordered."""
    if ordered is True:
        return list(items)
    chosen = [ordered] if isinstance(ordered, str) else list(ordered)
    unknown = [i for i in chosen if i not in items]
    if unknown:
        raise ParameterError(
            f"ordered= names {', '.join(map(repr, unknown))}, which are not items of the "
            "model. Pass model items (or ordered=True for all)."
        )
    cont = [i for i in items if i not in set(chosen)]
    if cont:
        raise ParameterError(
            f"{owner} with ordered items needs every model item ordered; "
            f"{', '.join(map(repr, cont))} would be continuous. Pass ordered=True, or "
            "leave ordered= out to treat all items as continuous."
        )
    return list(items)


def check_ordinal(X: np.ndarray, items: list[str]) -> None:
    """DataError for items that cannot be treated as ordered categories."""
    for j, item in enumerate(items):
        x = X[:, j]
        u = np.unique(x)
        if np.any(u != np.round(u)):
            raise DataError(
                f"Item {item!r} is declared ordered but has non-integer values "
                f"(e.g. {u[u != np.round(u)][0]!r}). Ordered items need integer category "
                "codes; recode the column or leave it out of ordered=."
            )
        if len(u) < 2:
            raise DataError(
                f"Item {item!r} is declared ordered but all used answers are in one category "
                f"({u[0]:g}): its thresholds and polychoric correlations are not defined. "
                "Drop the item from the model."
            )
        gaps = np.setdiff1d(np.arange(u.min(), u.max() + 1), u)
        if len(gaps):
            raise DataError(
                f"Item {item!r} is declared ordered but category "
                f"{', '.join(f'{g:g}' for g in gaps)} between its lowest ({u.min():g}) and "
                f"highest ({u.max():g}) answers is empty: its threshold is not identified. "
                "Merge the empty category with a neighbour (recode) before fitting."
            )


def ordinal_covariance(X: np.ndarray, items: list[str]) -> np.ndarray:
    """Polychoric correlations rescaled to the items' standard deviations,
    :math:`D R D`: a PLS engine working on correlations sees exactly ``R``; scores and
    indices stay on the items' own scale."""
    from .polychoric import polychoric

    check_ordinal(X, items)
    R = polychoric(X, acov=False).corr
    sd = X.std(axis=0, ddof=1)
    return R * np.outer(sd, sd)
