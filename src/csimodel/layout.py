"""The parameter layout of a model and the effect algebra (internal).

This module sits below the estimators, the result classes and every consumer: an
estimator's batched engine returns an :class:`EstimateArrays` with a leading batch axis;
:func:`param_rows` / :func:`flatten_params` define the order of ``FitResults.params`` and of
every resampled statistic; :func:`effect_pairs`, :func:`flatten_effects` and
:func:`total_effects` are the direct / indirect / total effect algebra. It imports only
:mod:`csimodel.spec`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .spec import Model


@dataclass(frozen=True, eq=False)
class EstimateArrays:
    """Batched estimates; ``B`` = batch size, ``p`` items, ``J`` constructs.

    Attributes
    ----------
    weights : (B, p, J)
        Outer weights in block layout (zero outside an item's own block), in the
        metric the engine used (standardized items, or centred items).
    cross_loadings : (B, p, J)
        Correlation of every item with every construct score.
    construct_cor : (B, J, J)
        Correlations of the construct scores (or consistent correlations for PLSc).
    paths : (B, J, J)
        ``paths[b, i, j]`` is the coefficient of the path i -> j (zero if none).
    r2 : (B, J)
        R² of every endogenous construct (NaN for exogenous ones).
    total : (B, J, J)
        Total effects ``i -> j``.
    converged : (B,) bool
    n_iter : (B,) int
    item_sd : (B, p)
        Item standard deviations of the moments used.
    loadings : (B, p, J), optional
        Loadings in block layout if they differ from the cross-loadings (PLSc).
    """

    weights: np.ndarray
    cross_loadings: np.ndarray
    construct_cor: np.ndarray
    paths: np.ndarray
    r2: np.ndarray
    total: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    item_sd: np.ndarray
    loadings: np.ndarray | None = None

    @property
    def block_loadings(self) -> np.ndarray:
        return self.loadings if self.loadings is not None else self.cross_loadings


def param_rows(model: Model) -> list[tuple[str, str, str]]:
    """(lhs, op, rhs) of every estimate, in the order of :func:`flatten_params`."""
    rows = [(c, "=~", i) for c in model.constructs for i in model.blocks[c]]
    rows += [(c, "<~", i) for c in model.constructs for i in model.blocks[c]]
    rows += [(t, "~", s) for s, t in model.paths]
    return rows


def _layout(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    mask = model.block_mask()
    item_idx, con_idx = np.nonzero(mask)
    pos = {c: k for k, c in enumerate(model.constructs)}
    src = np.array([pos[s] for s, _ in model.paths], dtype=int)
    tgt = np.array([pos[t] for _, t in model.paths], dtype=int)
    return item_idx, con_idx, src, tgt


def flatten_params(est: EstimateArrays, model: Model) -> np.ndarray:
    """Stack loadings, weights and paths into ``(B, n_params)`` in :func:`param_rows` order."""
    item_idx, con_idx, src, tgt = _layout(model)
    return np.concatenate(
        [
            est.block_loadings[:, item_idx, con_idx],
            est.weights[:, item_idx, con_idx],
            est.paths[:, src, tgt],
        ],
        axis=1,
    )


def effect_pairs(model: Model) -> list[tuple[int, int]]:
    """(source, target) construct index pairs connected by at least one directed route."""
    D = model.path_matrix() > 0
    J = D.shape[0]
    reach = D.copy()
    for _ in range(J):
        reach = reach | ((reach.astype(int) @ D.astype(int)) > 0)
    return [(i, j) for i in range(J) for j in range(J) if reach[i, j]]


def flatten_effects(est: EstimateArrays, model: Model) -> np.ndarray:
    """Direct, indirect and total effects ``(B, 3 * n_pairs)`` for :func:`effect_pairs`."""
    pairs = effect_pairs(model)
    i = np.array([a for a, _ in pairs], dtype=int)
    j = np.array([b for _, b in pairs], dtype=int)
    direct = est.paths[:, i, j]
    total = est.total[:, i, j]
    return np.concatenate([direct, total - direct, total], axis=1)


def total_effects(paths: np.ndarray) -> np.ndarray:
    """Total effects of an acyclic path matrix: P + P² + ... (batched)."""
    J = paths.shape[-1]
    total = paths.copy()
    power = paths
    for _ in range(J - 1):
        power = power @ paths
        if not power.any():
            break
        total = total + power
    return total


_T = TypeVar("_T")


def per_model(factory: Callable[[Model], _T], size: int = 64) -> Callable[[Model], _T]:
    """Memoize ``factory(model)`` per :class:`Model` object (by identity, at most ``size``).

    Models are frozen, so a structure derived from one (index arrays, stage-2 layouts) is
    computed once and shared by every fit, resample batch and group of that model.
    """
    cache: dict[int, tuple[Model, _T]] = {}

    def get(model: Model) -> _T:
        hit = cache.get(id(model))
        if hit is not None and hit[0] is model:
            return hit[1]
        value = factory(model)
        if len(cache) >= size:
            cache.clear()
        cache[id(model)] = (model, value)
        return value

    return get
