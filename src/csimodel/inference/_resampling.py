"""Seeded resampling on the batched moment engine, shared by group comparison and MICOM.

Every resample is a case-weight pattern over the respondents, so thousands of group
estimations are a few matrix products on the batched moment engine:

* a permutation of the group labels of two groups *a* and *b* is a 0/1 membership row
  ``f`` over the pooled respondents of both groups; group *a* gets ``f`` and group *b*
  ``1 - f`` (times the survey weights), and both are estimated in one batch;
* a bootstrap resample within a group is a row of resampling counts over that group's
  respondents.

Random numbers are drawn row by row from one :class:`numpy.random.Generator`, so the
results do not depend on how the work is split into chunks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from ..data import PreparedData
from ..exceptions import ConvergenceWarning, EstimationError
from ..layout import flatten_params, param_rows
from ..moments import MomentBuilder, covariance
from ..spec import Model
from ._draws import _progress_bar  # noqa: F401  (re-exported for groups and micom)
from ._draws import counts_from_indices as _counts_from_indices

# Largest number of cells (resamples x respondents) of one chunk of weight patterns.
_CHUNK_CELLS = 1 << 19
_MAX_CHUNK = 1000


# ---------------------------------------------------------------------- weight patterns
def _chunk_size(n: int) -> int:
    return int(max(1, min(_MAX_CHUNK, _CHUNK_CELLS // max(n, 1))))


def _membership_chunks(
    rng: np.random.Generator, n: int, n_first: int, n_draws: int, chunk: int
) -> Iterator[np.ndarray]:
    """0/1 rows with ``n_first`` ones at random places (a random relabelling of n cases)."""
    for start in range(0, n_draws, chunk):
        c = min(chunk, n_draws - start)
        order = np.argsort(rng.random((c, n)), axis=1)
        F = np.zeros((c, n))
        np.put_along_axis(F, order[:, :n_first], 1.0, axis=1)
        yield F


def _count_chunks(
    rng: np.random.Generator, n: int, n_draws: int, chunk: int
) -> Iterator[np.ndarray]:
    """Bootstrap resampling counts (n draws with replacement per row)."""
    for start in range(0, n_draws, chunk):
        c = min(chunk, n_draws - start)
        idx = np.minimum((rng.random((c, n)) * n).astype(np.int64), n - 1)
        yield _counts_from_indices(idx, n)


# ---------------------------------------------------------------------- compared statistics
def _index_from_weights(
    weights: np.ndarray,
    item_sd: np.ndarray,
    means: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    standardized: bool,
) -> np.ndarray:
    """0-100 construct indices ``(B, J)`` from outer weights and item means.

    Unstandardized weights :math:`\\tilde w_i = w_i / s_i` (or :math:`w_i` when the
    engine worked on centred items) are rescaled to sum to one within each block, then

    .. math:: I_j = 100 \\frac{\\sum_i \\tilde w_i \\bar x_i - \\sum_i \\tilde w_i l_i}
                          {\\sum_i \\tilde w_i h_i - \\sum_i \\tilde w_i l_i}

    with :math:`l_i, h_i` the declared ends of item *i*'s answer scale.
    """
    from ..scoring.weights import index_values, normalize_blocks, raw_index_weights

    wn = normalize_blocks(raw_index_weights(weights, item_sd, standardized))
    return index_values(wn, means, low, high)


class _Stats:
    """Everything compared between groups, as one vector per estimation.

    With an extension ``design`` (interaction terms, higher-order constructs) ``model`` is
    the estimation model and ``data`` holds the observed items: the moments of every group
    and resample come from :meth:`builder`, which re-runs stage 1 inside each pattern.
    0-100 indices are compared for the constructs measured by observed items only.
    """

    def __init__(
        self, model: Model, estimator: Any, data: PreparedData, design: Any = None
    ) -> None:
        from ..scoring._extensions import generated_constructs

        self.model = model
        self.estimator = estimator
        self.design = design
        self.standardized = bool(getattr(estimator, "standardize", True))
        self.endo = [model.constructs.index(c) for c in model.endogenous]
        self.has_scale = data.has_scale
        self.low, self.high = data.scale_low, data.scale_high
        self.indexed = list(range(len(model.constructs)))
        if design is not None:
            perm = design.plan.perm
            p = data.X.shape[1]
            obs = perm < p
            ext = np.concatenate([self.low, np.zeros(len(perm))])[perm]
            self.low = np.where(obs, ext, 0.0)  # generated items: weight 0 in indexed blocks
            ext = np.concatenate([self.high, np.ones(len(perm))])[perm]
            self.high = np.where(obs, ext, 1.0)
            inter, hocs = generated_constructs(model)
            skip = set(inter) | {h for h, _, _ in hocs}
            self.indexed = [j for j in self.indexed if j not in skip]
        rows = list(param_rows(model))
        rows += [(c, "r2", c) for c in model.endogenous]
        if self.has_scale:
            rows += [(model.constructs[j], "index", model.constructs[j]) for j in self.indexed]
        self.rows = rows

    def builder(self, X: np.ndarray, w: np.ndarray | None) -> Any:
        """Batched moments (``.moments(F)``) of the estimation items over the rows of ``X``."""
        if self.design is None:
            return MomentBuilder(X, w)
        return replace(self.design, X=X, weights=w).moment_builder()

    def group_moments(self, X: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of the estimation items on the rows of ``X`` (as ``fit``)."""
        if self.design is not None:
            X = self.builder(X, w).columns()  # stage 1 on these rows, generated columns
        with np.errstate(over="ignore", invalid="ignore"):
            return covariance(X, w)

    def __call__(self, means: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        est = self.estimator.estimate(S, self.model)
        parts = [flatten_params(est, self.model), est.r2[:, self.endo]]
        if self.has_scale:
            idx = _index_from_weights(
                est.weights, est.item_sd, means, self.low, self.high, self.standardized
            )
            parts.append(idx[:, self.indexed])
        values = np.concatenate(parts, axis=1)
        ok = est.converged & np.all(np.isfinite(values), axis=1)
        return values, ok, est


# ---------------------------------------------------------------------- engine calls
def _subset(data: PreparedData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    w = None if data.weights is None else data.weights[rows]
    return data.X[rows], w


def _estimate_group(stats: _Stats, X: np.ndarray, w: np.ndarray | None):
    mean, S = stats.group_moments(X, w)
    return stats(mean[None], S[None])


def _observed(stats: _Stats, data: PreparedData, rows: np.ndarray, what: str) -> np.ndarray:
    """One group's statistics; non-finite estimates raise, non-convergence warns."""
    v, _, est = _estimate_group(stats, *_subset(data, rows))
    if not np.all(np.isfinite(v)):
        raise EstimationError(
            f"The model could not be estimated in {what}: non-finite estimates (perfectly "
            "collinear items in a mode B block, or too few rows?). Check that group's data."
        )
    if not est.converged[0]:
        warnings.warn(
            f"{type(stats.estimator).__name__} did not converge in {what}; its estimates are "
            "from the last iteration. Increase max_iter of the estimator.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return v[0]


def _permute_pair(
    stats: _Stats,
    X: np.ndarray,
    w: np.ndarray | None,
    n_first: int,
    n_perm: int,
    rng: np.random.Generator,
    bar,
    extra=None,
) -> tuple[np.ndarray, np.ndarray, list]:
    """Differences (group a - group b) of the statistics under ``n_perm`` relabellings.

    ``extra(F, est_a, est_b)`` may return additional per-permutation quantities (MICOM).
    """
    n = X.shape[0]
    mb = stats.builder(X, w)
    diffs, oks, extras = [], [], []
    for F in _membership_chunks(rng, n, n_first, n_perm, _chunk_size(n)):
        c = F.shape[0]
        means, S = mb.moments(np.concatenate([F, 1.0 - F]))
        values, ok, est = stats(means, S)
        diffs.append(values[:c] - values[c:])
        oks.append(ok[:c] & ok[c:])
        if extra is not None:
            extras.append(extra(F, est, c))
        bar.update(c)
    return np.concatenate(diffs), np.concatenate(oks), extras


def _permute_groups(
    stats: _Stats,
    data: PreparedData,
    rows_a: np.ndarray,
    rows_b: np.ndarray,
    n_perm: int,
    rng: np.random.Generator,
    bar,
) -> tuple[np.ndarray, np.ndarray]:
    """Permuted differences a - b ``(n_perm, k)`` and their validity (empty for no permutations)."""
    if not n_perm:
        return np.empty((0, len(stats.rows))), np.empty(0, dtype=bool)
    rows = np.concatenate([rows_a, rows_b])
    d, ok, _ = _permute_pair(stats, *_subset(data, rows), len(rows_a), n_perm, rng, bar)
    return d, ok


def _permute_k_groups(
    stats: _Stats,
    data: PreparedData,
    rows: list[np.ndarray],
    n_perm: int,
    rng: np.random.Generator,
    bar,
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics of k groups under ``n_perm`` relabellings of their pooled respondents.

    Returns values ``(n_perm, k, n_stats)`` (group sizes kept) and validity ``(n_perm,)``.
    """
    pooled = np.concatenate(rows)
    X, w = _subset(data, pooled)
    n, k = X.shape[0], len(rows)
    bounds = np.cumsum([0] + [len(r) for r in rows])
    mb = stats.builder(X, w)
    vals, oks = [], []
    for start in range(0, n_perm, _chunk_size(n * k)):
        c = min(_chunk_size(n * k), n_perm - start)
        order = np.argsort(rng.random((c, n)), axis=1)
        F = np.zeros((k, c, n))
        for g in range(k):
            np.put_along_axis(F[g], order[:, bounds[g] : bounds[g + 1]], 1.0, axis=1)
        means, S = mb.moments(F.reshape(k * c, n))
        v, ok, _ = stats(means, S)
        vals.append(v.reshape(k, c, -1).transpose(1, 0, 2))
        oks.append(ok.reshape(k, c).all(axis=0))
        bar.update(c)
    return np.concatenate(vals), np.concatenate(oks)


def _bootstrap_counts(
    stats: _Stats, X: np.ndarray, w: np.ndarray | None, counts: Iterator[np.ndarray], bar=None
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics over bootstrap resamples given as count rows over the rows of ``X``."""
    mb = stats.builder(X, w)
    vals, oks = [], []
    for C in counts:
        means, S = mb.moments(C)
        v, ok, _ = stats(means, S)
        vals.append(v)
        oks.append(ok)
        if bar is not None:
            bar.update(C.shape[0])
    if not vals:
        return np.empty((0, len(stats.rows))), np.empty(0, dtype=bool)
    return np.concatenate(vals), np.concatenate(oks)


def _bootstrap_group(
    stats: _Stats,
    data: PreparedData,
    rows: np.ndarray,
    n_boot: int,
    rng: np.random.Generator,
    bar,
) -> np.ndarray:
    """Statistics ``(n_boot, k)`` over resamples within one group (NaN rows: not converged)."""
    X, w = _subset(data, rows)
    n = X.shape[0]
    v, ok = _bootstrap_counts(stats, X, w, _count_chunks(rng, n, n_boot, _chunk_size(n)), bar)
    v[~ok] = np.nan
    return v
