"""Comparing segments and survey waves: multi-group analysis and index change.

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

import itertools
import sys
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_number, check_option, list_some
from ..data import PreparedData, prepare
from ..estimators.base import flatten_params, param_rows
from ..estimators.pls import PLS
from ..exceptions import ConvergenceWarning, DataError, EstimationError, ModelError
from ..moments import MomentBuilder, covariance
from ..results import FitResults
from ..spec import Model

__all__ = ["compare_groups", "index_change", "GroupComparison", "IndexChange"]

CORRECTIONS = (
    "holm",
    "bonferroni",
    "sidak",
    "holm-sidak",
    "simes-hochberg",
    "hommel",
    "fdr_bh",
    "fdr_by",
    "none",
)

# Largest number of cells (resamples x respondents) of one chunk of weight patterns.
_CHUNK_CELLS = 1 << 19
_MAX_CHUNK = 1000
_MIN_GROUP = 3


# ---------------------------------------------------------------------- shared helpers
def _chunk_size(n: int) -> int:
    return int(max(1, min(_MAX_CHUNK, _CHUNK_CELLS // max(n, 1))))


def _progress_bar(progress: bool | None, total: int, desc: str):
    from tqdm.auto import tqdm

    if progress is None:
        progress = bool(getattr(sys.stderr, "isatty", lambda: False)())
    return tqdm(total=total, desc=desc, disable=not progress, leave=False)


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


def _counts_from_indices(idx: np.ndarray, n: int) -> np.ndarray:
    """Resampling counts ``(B, n)`` from row indices ``(B, m)`` (0-based)."""
    B = idx.shape[0]
    flat = (idx + np.arange(B)[:, None] * n).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(np.float64)


def _count_chunks(
    rng: np.random.Generator, n: int, n_draws: int, chunk: int
) -> Iterator[np.ndarray]:
    """Bootstrap resampling counts (n draws with replacement per row)."""
    for start in range(0, n_draws, chunk):
        c = min(chunk, n_draws - start)
        idx = np.minimum((rng.random((c, n)) * n).astype(np.int64), n - 1)
        yield _counts_from_indices(idx, n)


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
    """Everything compared between groups, as one vector per estimation."""

    def __init__(self, model: Model, estimator: Any, data: PreparedData) -> None:
        self.model = model
        self.estimator = estimator
        self.standardized = bool(getattr(estimator, "standardize", True))
        self.endo = [model.constructs.index(c) for c in model.endogenous]
        self.has_scale = data.has_scale
        self.low, self.high = data.scale_low, data.scale_high
        rows = list(param_rows(model))
        rows += [(c, "r2", c) for c in model.endogenous]
        if self.has_scale:
            rows += [(c, "index", c) for c in model.constructs]
        self.rows = rows

    def __call__(self, means: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
        est = self.estimator.estimate(S, self.model)
        parts = [flatten_params(est, self.model), est.r2[:, self.endo]]
        if self.has_scale:
            parts.append(
                _index_from_weights(
                    est.weights, est.item_sd, means, self.low, self.high, self.standardized
                )
            )
        values = np.concatenate(parts, axis=1)
        ok = est.converged & np.all(np.isfinite(values), axis=1)
        return values, ok, est


def _resolve(
    model: Any,
    data: Any,
    *,
    estimator: Any,
    scale: Any,
    missing: str,
    missing_values: Any,
    weights: Any,
    owner: str,
) -> tuple[Model, Any, PreparedData]:
    """Model, estimator and prepared data from (model, data) or from a FitResults."""
    if isinstance(model, FitResults):
        if data is not None:
            raise ModelError(
                f"{owner} got fit results and data; pass either fit results (their data is "
                "reused) or a model and data."
            )
        return model.model, model.estimator, model.data
    if data is None:
        raise DataError(f"{owner} needs data: pass a DataFrame with the items and the by= column.")
    if isinstance(model, str):
        model = Model(model)
    elif not isinstance(model, Model):
        raise ModelError(
            f"model must be a csimodel.Model, model syntax text or FitResults. "
            f"Got {type(model).__name__}."
        )
    if estimator is None:
        estimator = PLS()
    if not hasattr(estimator, "estimate"):
        raise ModelError(
            f"The 'estimator' parameter of {owner} must be a csimodel estimator such as "
            f"cm.PLS(). Got {estimator!r} instead."
        )
    if hasattr(estimator, "_validate"):
        estimator._validate()
    if hasattr(estimator, "_check_model"):
        estimator._check_model(model)
    prepared = prepare(
        data,
        model.items,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
    )
    return model, estimator, prepared


def _split(
    data: PreparedData, by: str, groups: Sequence[Any] | None, owner: str
) -> tuple[list[Any], dict[Any, np.ndarray]]:
    """Group labels and the row positions (into ``data.X``) of each group."""
    if not isinstance(by, str):
        raise DataError(f"The 'by' parameter of {owner} must be a column name. Got {by!r}.")
    col = data.column(by)
    values = col.to_numpy()
    isna = pd.isna(values)
    if isna.any():
        rows = data.row_labels[np.flatnonzero(isna)]
        raise DataError(
            f"Column {by!r} is missing for {int(isna.sum())} used row(s): rows "
            f"{list_some(list(rows))}. Drop those rows or fill in their group."
        )
    present = [v.item() if isinstance(v, np.generic) else v for v in pd.unique(values)]
    if groups is None:
        try:
            labels = sorted(present)
        except TypeError:
            labels = present
    else:
        labels = list(groups)
        unknown = [g for g in labels if g not in present]
        if unknown:
            raise DataError(
                f"Group(s) {list_some(unknown)} do not occur in column {by!r}. "
                f"Values present: {list_some(present, 10)}."
            )
        if len(set(labels)) != len(labels):
            raise DataError(f"groups= lists a group twice: {labels!r}.")
    if len(labels) < 2:
        raise DataError(
            f"Comparing groups needs at least two groups in column {by!r}; found "
            f"{list_some(labels)}."
        )
    pos = {g: np.flatnonzero(values == g) for g in labels}
    for g, rows in pos.items():
        X = data.X[rows]
        const = [it for it, lo, hi in zip(data.items, X.min(0), X.max(0), strict=True) if lo == hi]
        if len(rows) >= _MIN_GROUP and const:
            raise DataError(
                f"Item(s) {list_some(const)} do not vary in group {g!r} of {by!r} "
                f"({len(rows)} rows); a group needs variation in every item. Leave the group "
                "out with groups=[...] or merge it with another."
            )
    small = [f"{g!r} ({len(p)} rows)" for g, p in pos.items() if len(p) < _MIN_GROUP]
    if small:
        raise DataError(
            f"Group(s) {', '.join(small)} of column {by!r} have fewer than {_MIN_GROUP} "
            "used rows; merge small groups or leave them out with groups=[...]."
        )
    return labels, pos


def _subset(data: PreparedData, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    w = None if data.weights is None else data.weights[rows]
    return data.X[rows], w


def _estimate_group(stats: _Stats, X: np.ndarray, w: np.ndarray | None):
    mean, S = covariance(X, w)
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
    mb = MomentBuilder(X, w)
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


def _bootstrap_counts(
    stats: _Stats, X: np.ndarray, w: np.ndarray | None, counts: Iterator[np.ndarray], bar=None
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics over bootstrap resamples given as count rows over the rows of ``X``."""
    mb = MomentBuilder(X, w)
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


def _henseler_one_sided(boot_a: np.ndarray, boot_b: np.ndarray) -> np.ndarray:
    """Henseler's (2009) PLS-MGA probability, per column.

    .. math:: p = 1 - \\frac{1}{J_a J_b} \\sum_{j,k}
              \\Theta(2\\bar\\theta_a - \\theta_{a,j} - 2\\bar\\theta_b + \\theta_{b,k})

    (small values: evidence that :math:`\\theta_a > \\theta_b`). Computed by sorting
    instead of the :math:`J_a J_b` grid. Exact ties (up to rounding, which only happen for
    constant quantities such as the loading of a single-item construct) count one half.
    """
    Ja, Jb = boot_a.shape[0], boot_b.shape[0]
    out = np.empty(boot_a.shape[1])
    for k in range(boot_a.shape[1]):
        a, b = boot_a[:, k], np.sort(boot_b[:, k])
        thresh = a - 2.0 * a.mean() + 2.0 * b.mean()  # favourable when b_k > thresh_j
        tol = 1e-12 * max(1.0, float(np.abs(b).max()), float(np.abs(a).max()))
        above = Jb - np.searchsorted(b, thresh + tol, side="right")
        ties = Jb - np.searchsorted(b, thresh - tol, side="left") - above
        out[k] = 1.0 - (float(above.sum()) + 0.5 * float(ties.sum())) / (Ja * Jb)
    return out


def _parametric_p(
    diff: np.ndarray, se_a: np.ndarray, se_b: np.ndarray, n_a: int, n_b: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled-SE t-test (Keil et al. 2000) and Welch-Satterthwaite test (Sarstedt et al. 2011)."""
    from scipy import stats as _st  # lazy

    df_pool = n_a + n_b - 2
    diff = np.where(np.abs(diff) <= 1e-12, 0.0, diff)  # rounding noise of equal values
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(
            (n_a - 1) ** 2 / df_pool * se_a**2 + (n_b - 1) ** 2 / df_pool * se_b**2
        ) * np.sqrt(1.0 / n_a + 1.0 / n_b)
        t_par = np.where(diff == 0.0, 0.0, diff / pooled)
        p_par = 2.0 * _st.t.sf(np.abs(t_par), df_pool)
        va = (n_a - 1) / n_a * se_a**2
        vb = (n_b - 1) / n_b * se_b**2
        t_w = np.where(diff == 0.0, 0.0, diff / np.sqrt(va + vb))
        df_w = (va + vb) ** 2 / ((n_a - 1) / n_a**2 * se_a**4 + (n_b - 1) / n_b**2 * se_b**4) - 2
        p_w = 2.0 * _st.t.sf(np.abs(t_w), df_w)
    p_par = np.where(t_par == 0.0, 1.0, p_par)
    p_w = np.where(t_w == 0.0, 1.0, p_w)
    return p_par, p_w


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Multiplicity-adjusted p-values, one family per row of ``p`` (NaN left out).

    Holm and Bonferroni are computed here for all rows at once; the other methods go
    through ``statsmodels.stats.multitest.multipletests`` row by row.
    """
    out = np.full(p.shape, np.nan)
    for r, row in enumerate(p):
        good = np.isfinite(row)
        m = int(good.sum())
        if m == 0:
            continue
        vals = row[good]
        if m == 1:
            out[r, good] = vals
        elif method == "bonferroni":
            out[r, good] = np.minimum(1.0, vals * m)
        elif method == "holm":
            order = np.argsort(vals, kind="stable")
            stepped = np.maximum.accumulate(vals[order] * np.arange(m, 0, -1))
            adj = np.empty(m)
            adj[order] = np.minimum(1.0, stepped)
            out[r, good] = adj
        else:
            from statsmodels.stats.multitest import multipletests

            out[r, good] = multipletests(vals, method=method)[1]
    return out


def _check_common(
    owner: str, n_perm: int, n_boot: int, correction: str | None = None
) -> np.random.Generator | None:
    check_number(n_perm, "n_perm", owner, integer=True, low=0)
    check_number(n_boot, "n_boot", owner, integer=True, low=0)
    if correction is not None:
        check_option(correction, "correction", owner, CORRECTIONS)
    return None


# ---------------------------------------------------------------------- compare_groups
@dataclass(frozen=True, eq=False)
class GroupComparison:
    """Result of :func:`compare_groups` (read-only).

    Attributes
    ----------
    params : pandas.DataFrame
        One row per compared quantity and pair of groups: ``lhs, op, rhs`` (as in
        ``FitResults.params``, plus ``op='r2'`` for R² and ``op='index'`` for 0-100 indices),
        ``group_a, group_b``, ``estimate_a, estimate_b``, ``diff`` (a - b), bootstrap standard
        errors ``se_a, se_b``, the p-values ``p_permutation``, ``p_mga``, ``p_parametric``,
        ``p_welch`` and the same four adjusted for multiplicity across the pairs of groups
        (columns ending in ``_adj``; equal to the raw ones for two groups).
    estimates : pandas.DataFrame
        ``lhs, op, rhs`` and one column of estimates per group.
    groups : tuple
        Group labels, in comparison order.
    n_per_group : pandas.Series
        Used respondents per group.
    by : str
    n_perm, n_boot : int
    n_perm_valid : dict
        Pair -> permutations that converged (the p-value denominators).
    n_boot_valid : dict
        Group -> bootstrap resamples that converged.
    correction : str
    permutation_diffs : dict
        Pair -> array (n_perm, n_rows) of permuted differences (NaN where not converged).
    boot_values : dict
        Group -> array (n_boot, n_rows) of bootstrap estimates (NaN where not converged).
    estimator : object
    """

    params: pd.DataFrame
    estimates: pd.DataFrame
    groups: tuple
    n_per_group: pd.Series
    by: str
    n_perm: int
    n_boot: int
    n_perm_valid: dict
    n_boot_valid: dict
    correction: str
    permutation_diffs: dict
    boot_values: dict
    estimator: Any
    n_total: int
    n_used: int

    def summary(self):
        """Differences and p-values for paths, R² and indices; measurement rows in a table."""
        from ..report.summary import Summary

        s = Summary("csimodel group comparison")
        est = self.estimator
        params = est.get_params() if hasattr(est, "get_params") else {}
        s.add_info(
            "Estimator",
            f"{type(est).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})",
        )
        s.add_info("Groups (by)", self.by)
        s.add_info(
            "Respondents per group", ", ".join(f"{g}: {n}" for g, n in self.n_per_group.items())
        )
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Permutations", self.n_perm)
        s.add_info("Bootstrap resamples per group", self.n_boot)
        if len(self.groups) > 2:
            s.add_info("Multiplicity correction (over pairs)", self.correction)
        cols = ["estimate_a", "estimate_b", "diff", "p_permutation", "p_mga", "p_parametric"]
        cols.append("p_welch")
        if len(self.groups) > 2:
            cols = [*cols[:3], *(c + "_adj" for c in cols[3:])]
        p = self.params.copy()
        p["quantity"] = [
            f"{r} -> {lhs}" if op == "~" else f"{lhs} {op} {r}" if op in ("=~", "<~") else lhs
            for lhs, op, r in zip(p["lhs"], p["op"], p["rhs"], strict=True)
        ]
        for (ga, gb), part in p.groupby(["group_a", "group_b"], sort=False):
            tag = f" ({ga} vs {gb})"
            for op, title in (
                ("~", "Path coefficients"),
                ("r2", "R-squared"),
                ("index", "Indices"),
            ):
                t = part[part["op"] == op]
                if len(t):
                    s.add_table(title + tag, t.set_index("quantity")[cols])
            t = part[part["op"].isin(["=~", "<~"])]
            s.add_table("Loadings and weights" + tag, t.set_index("quantity")[cols])
        failed = {k: self.n_perm - v for k, v in self.n_perm_valid.items() if v < self.n_perm}
        if failed:
            s.add_note(
                "Permutations without convergence were left out: "
                + ", ".join(f"{a} vs {b}: {v}" for (a, b), v in failed.items())
            )
        s.add_note(
            "p_permutation: Chin & Dibbern (2010) permutation test; p_mga: Henseler (2009) "
            "PLS-MGA, two-sided; p_parametric: pooled-SE t-test; p_welch: Welch-Satterthwaite "
            "t-test (both with bootstrap standard errors). Compare groups only after "
            "establishing measurement invariance (cm.micom)."
        )
        return s

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        return (
            f"<csimodel.GroupComparison: {self.by} with groups {list(self.groups)}, "
            f"{self.n_perm} permutations, {self.n_boot} bootstrap resamples>"
        )


def compare_groups(
    model: Model | str | FitResults,
    data: pd.DataFrame | None = None,
    *,
    by: str,
    groups: Sequence[Any] | None = None,
    estimator: Any = None,
    n_perm: int = 5000,
    n_boot: int = 2000,
    correction: str = "holm",
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
) -> GroupComparison:
    """Compare path coefficients, weights, loadings, R² and indices between groups.

    Each group is estimated separately with the same model and estimator; every pair of
    groups is then tested with a permutation test, Henseler's PLS-MGA and two parametric
    t-tests from bootstrap standard errors.

    Parameters
    ----------
    model : Model, str or FitResults
        The model (or its syntax). Fit results may be passed instead of model and data:
        their model, estimator and prepared data are reused (``by`` must be a column of the
        data given to ``fit``).
    data : pandas.DataFrame, optional
        One row per respondent with the items and the ``by`` column.
    by : str
        Column holding the group (segment, wave, company) of each respondent.
    groups : sequence, optional
        Groups to compare, in order (default: all values of ``by``, sorted). With more
        than two groups every pair is compared.
    estimator : estimator, default=cm.PLS()
    n_perm : int, default=5000
        Permutations per pair of groups (0 to skip the permutation test).
    n_boot : int, default=2000
        Bootstrap resamples within each group, for PLS-MGA and the standard errors of the
        parametric tests (0 to skip those).
    correction : {'holm', 'bonferroni', 'sidak', 'holm-sidak', 'simes-hochberg', 'hommel', \
'fdr_bh', 'fdr_by', 'none'}, default='holm'
        Multiplicity correction over the pairs of groups, per compared quantity
        (``statsmodels.stats.multitest.multipletests``).
    random_state : int, numpy.random.Generator or None
        Seed for permutations and resamples; results do not depend on chunking.
    progress : bool, optional
        Show a progress bar (default: only when the session is interactive).
    scale, missing, missing_values, weights
        As in :meth:`PLS.fit`. With a declared ``scale`` 0-100 indices are compared too.

    Returns
    -------
    GroupComparison

    Notes
    -----
    For a quantity :math:`\\theta` with group estimates :math:`\\hat\\theta_a, \\hat\\theta_b`
    and :math:`d = \\hat\\theta_a - \\hat\\theta_b`:

    * **Permutation** (Chin & Dibbern 2010): the group labels of the pooled respondents of
      *a* and *b* are shuffled (group sizes kept), both groups re-estimated, and
      :math:`p = (1 + \\#\\{|d^*| \\ge |d|\\}) / (1 + N)` over the *N* converged permutations.
    * **PLS-MGA** (Henseler 2009): with bootstrap estimates :math:`\\theta_{a,j}, \\theta_{b,k}`,
      :math:`P = 1 - \\frac{1}{J_aJ_b}\\sum_{j,k}\\Theta(2\\bar\\theta_a - \\theta_{a,j}
      - 2\\bar\\theta_b + \\theta_{b,k})` and ``p_mga`` :math:`= 2\\min(P, 1 - P)`.
    * **Parametric** (Keil et al. 2000): :math:`t = d / \\big[\\sqrt{\\tfrac{(n_a-1)^2}{n_a+n_b-2}
      s_a^2 + \\tfrac{(n_b-1)^2}{n_a+n_b-2} s_b^2}\\,\\sqrt{1/n_a + 1/n_b}\\big]`,
      :math:`n_a + n_b - 2` degrees of freedom.
    * **Welch-Satterthwaite** (Sarstedt et al. 2011): with :math:`v_g = \\tfrac{n_g-1}{n_g}
      s_g^2`, :math:`t = d/\\sqrt{v_a + v_b}`,
      :math:`\\nu = (v_a+v_b)^2 / \\big(\\tfrac{n_a-1}{n_a^2}s_a^4 + \\tfrac{n_b-1}{n_b^2}s_b^4
      \\big) - 2`.

    :math:`s_g` is the bootstrap standard error within group *g*; *n* counts respondents.
    Indices (``op='index'``) are computed from each group's own outer weights, rescaled to
    the answer scale: unstandardized weights normalized to sum to one, item means mapped to
    0-100 with the declared scale ends.

    References
    ----------
    Chin, W. W., Dibbern, J. (2010). An introduction to a permutation based procedure for
    multi-group PLS analysis. In *Handbook of Partial Least Squares*, 171-193.
    Henseler, J., Ringle, C. M., Sinkovics, R. R. (2009). The use of partial least squares
    path modeling in international marketing. *Advances in International Marketing* 20.
    Keil, M. et al. (2000). A cross-cultural study on escalation of commitment behavior in
    software projects. *MIS Quarterly* 24(2), 299-325.
    Sarstedt, M., Henseler, J., Ringle, C. M. (2011). Multigroup analysis in partial least
    squares path modeling. *Advances in International Marketing* 22, 195-218.

    Tested: group estimates equal separate fits on each group's rows; permutation p-values
    are uniform under a simulated null and detect a planted difference; PLS-MGA equals the
    seminr port's ``estimate_pls_mga`` on the same resamples (``tests/inference``).

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Loyalty =~ loy1 + loy2 + loy3
    ...     Satisfaction ~ Image
    ...     Loyalty ~ Image + Satisfaction
    ... ''')
    >>> cmp = cm.compare_groups(model, data, by="gender", n_perm=199, n_boot=199,
    ...                         random_state=1, progress=False, scale=(0, 10))
    >>> cmp.groups
    ('female', 'male')
    >>> paths = cmp.params[cmp.params["op"] == "~"]
    >>> list(paths.columns[:7])
    ['lhs', 'op', 'rhs', 'group_a', 'group_b', 'estimate_a', 'estimate_b']
    >>> bool(paths["p_permutation"].between(0, 1).all())
    True
    """
    owner = "compare_groups"
    _check_common(owner, n_perm, n_boot, correction)
    model, estimator, data_p = _resolve(
        model,
        data,
        estimator=estimator,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
    )
    labels, pos = _split(data_p, by, groups, owner)
    stats = _Stats(model, estimator, data_p)
    rng = np.random.default_rng(random_state)
    k = len(stats.rows)

    observed = {}
    for g in labels:
        observed[g] = _observed(stats, data_p, pos[g], f"group {g!r} of {by!r}")

    pairs = list(itertools.combinations(labels, 2))
    n_work = len(pairs) * n_perm + len(labels) * n_boot
    bar = _progress_bar(progress, n_work, owner)
    perm_diffs, perm_valid = {}, {}
    boot_values, boot_valid = {}, {}
    try:
        for ga, gb in pairs:
            rows = np.concatenate([pos[ga], pos[gb]])
            if n_perm:
                d, ok, _ = _permute_pair(
                    stats, *_subset(data_p, rows), len(pos[ga]), n_perm, rng, bar
                )
                d[~ok] = np.nan
            else:
                d = np.empty((0, k))
            perm_diffs[(ga, gb)] = d
            perm_valid[(ga, gb)] = int(np.isfinite(d[:, 0]).sum()) if len(d) else 0
        for g in labels:
            X, w = _subset(data_p, pos[g])
            n = X.shape[0]
            if n_boot:
                v, ok = _bootstrap_counts(
                    stats, X, w, _count_chunks(rng, n, n_boot, _chunk_size(n)), bar
                )
                v[~ok] = np.nan
            else:
                v = np.empty((0, k))
            boot_values[g] = v
            boot_valid[g] = int(np.isfinite(v[:, 0]).sum()) if len(v) else 0
    finally:
        bar.close()

    base = pd.DataFrame(stats.rows, columns=["lhs", "op", "rhs"])
    tables = []
    for ga, gb in pairs:
        ea, eb = observed[ga], observed[gb]
        diff = ea - eb
        t = base.copy()
        t["group_a"], t["group_b"] = ga, gb
        t["estimate_a"], t["estimate_b"], t["diff"] = ea, eb, diff
        d = perm_diffs[(ga, gb)]
        d = d[np.isfinite(d[:, 0])] if len(d) else d
        if len(d):
            tol = 1e-12 * np.maximum(1.0, np.abs(diff))
            hits = (np.abs(d) >= np.abs(diff) - tol).sum(axis=0)
            t["p_permutation"] = (hits + 1.0) / (len(d) + 1.0)
        else:
            t["p_permutation"] = np.nan
        ba, bb = boot_values[ga], boot_values[gb]
        ba = ba[np.isfinite(ba[:, 0])] if len(ba) else ba
        bb = bb[np.isfinite(bb[:, 0])] if len(bb) else bb
        if len(ba) > 1 and len(bb) > 1:
            se_a, se_b = ba.std(axis=0, ddof=1), bb.std(axis=0, ddof=1)
            one = _henseler_one_sided(ba, bb)
            p_mga = np.minimum(1.0, 2.0 * np.minimum(one, 1.0 - one))
            p_par, p_w = _parametric_p(diff, se_a, se_b, len(pos[ga]), len(pos[gb]))
        else:
            se_a = se_b = p_mga = p_par = p_w = np.full(k, np.nan)
        t["se_a"], t["se_b"] = se_a, se_b
        t["p_mga"], t["p_parametric"], t["p_welch"] = p_mga, p_par, p_w
        tables.append(t)
    params = pd.concat(tables, ignore_index=True)
    pcols = ["p_permutation", "p_mga", "p_parametric", "p_welch"]
    for c in pcols:
        params[c + "_adj"] = params[c]
    if len(pairs) > 1 and correction != "none":
        for c in pcols:  # rows are pair-major, k rows per pair: one family per quantity
            wide = params[c].to_numpy().reshape(len(pairs), k).T
            params[c + "_adj"] = _adjust(wide, correction).T.ravel()
    estimates = base.copy()
    for g in labels:
        estimates[g] = observed[g]
    return GroupComparison(
        params=params,
        estimates=estimates,
        groups=tuple(labels),
        n_per_group=pd.Series({g: len(pos[g]) for g in labels}, name="n"),
        by=by,
        n_perm=n_perm,
        n_boot=n_boot,
        n_perm_valid=perm_valid,
        n_boot_valid=boot_valid,
        correction=correction,
        permutation_diffs=perm_diffs,
        boot_values=boot_values,
        estimator=estimator,
        n_total=data_p.n_total,
        n_used=data_p.n_used,
    )


# ---------------------------------------------------------------------- index_change
@dataclass(frozen=True, eq=False)
class IndexChange:
    """Result of :func:`index_change` (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Index = construct; columns ``index_a`` (first wave), ``index_b`` (second wave),
        ``change`` (b - a), ``se`` (bootstrap), ``ci_lower``, ``ci_upper`` (percentile
        interval of the change) and ``p_permutation``.
    groups : tuple
        (first wave, second wave).
    by : str
    level : float
    n_boot, n_perm : int
    n_per_group : pandas.Series
    """

    table: pd.DataFrame
    groups: tuple
    by: str
    level: float
    n_boot: int
    n_perm: int
    n_per_group: pd.Series

    def summary(self):
        """The change table with its interval and p-value."""
        from ..report.summary import Summary

        a, b = self.groups
        s = Summary("csimodel index change")
        s.add_info("Waves (by)", f"{self.by}: {a!r} -> {b!r}")
        s.add_info(
            "Respondents per wave", ", ".join(f"{g}: {n}" for g, n in self.n_per_group.items())
        )
        s.add_info("Bootstrap resamples per wave", self.n_boot)
        s.add_info("Permutations", self.n_perm)
        s.add_table(f"0-100 indices and change ({self.level:.0%} percentile interval)", self.table)
        s.add_note(
            "change = index in the second wave minus the first; interval from resampling "
            "within each wave; p-value from permuting wave labels."
        )
        return s

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def __repr__(self) -> str:
        a, b = self.groups
        return f"<csimodel.IndexChange: {self.by} {a!r} -> {b!r}>"


def index_change(
    model: Model | str | FitResults,
    data: pd.DataFrame | None = None,
    *,
    by: str,
    groups: Sequence[Any] | None = None,
    estimator: Any = None,
    n_boot: int = 2000,
    n_perm: int = 2000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
) -> IndexChange:
    """Change of the 0-100 construct indices between two survey waves.

    Each wave is estimated separately (its own outer weights) and its indices computed on
    the declared answer scale. The change (second wave minus first) gets a percentile
    bootstrap interval (resampling respondents within each wave) and a permutation
    p-value (shuffling the wave labels).

    Parameters
    ----------
    model : Model, str or FitResults
        Model (or syntax), or fit results whose model, estimator and data are reused.
    data : pandas.DataFrame, optional
    by : str
        Column holding the wave of each respondent.
    groups : (first, second), optional
        The two waves, in time order (default: the two values of ``by``, sorted).
    estimator : estimator, default=cm.PLS()
    n_boot : int, default=2000
    n_perm : int, default=2000
    level : float, default=0.95
        Confidence level of the interval.
    random_state : int, numpy.random.Generator or None
    progress : bool, optional
    scale, missing, missing_values, weights
        As in :meth:`PLS.fit`; ``scale`` must be declared.

    Returns
    -------
    IndexChange

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Satisfaction ~ Image
    ... ''')
    >>> ch = cm.index_change(model, data, by="gender", groups=("female", "male"),
    ...                      n_boot=199, n_perm=199, random_state=0, progress=False,
    ...                      scale=(0, 10))
    >>> list(ch.table.columns)
    ['index_a', 'index_b', 'change', 'se', 'ci_lower', 'ci_upper', 'p_permutation']
    """
    owner = "index_change"
    _check_common(owner, n_perm, n_boot)
    check_number(level, "level", owner, low=0, high=1, low_open=True, high_open=True)
    model, estimator, data_p = _resolve(
        model,
        data,
        estimator=estimator,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
    )
    if not data_p.has_scale:
        raise DataError(
            "index_change needs the answer scale of every item to compute 0-100 indices: "
            "pass scale=(low, high) (or a dict item -> (low, high))."
        )
    labels, pos = _split(data_p, by, groups, owner)
    if len(labels) != 2:
        raise DataError(
            f"index_change compares two waves; column {by!r} has {len(labels)} groups "
            f"({list_some(labels)}). Choose two with groups=(first, second)."
        )
    stats = _Stats(model, estimator, data_p)
    J = len(model.constructs)
    sel = slice(len(stats.rows) - J, None)
    a, b = labels
    obs = {}
    for g in labels:
        obs[g] = _observed(stats, data_p, pos[g], f"wave {g!r} of {by!r}")[sel]
    change = obs[b] - obs[a]
    rng = np.random.default_rng(random_state)
    bar = _progress_bar(progress, n_perm + 2 * n_boot, owner)
    try:
        rows = np.concatenate([pos[a], pos[b]])
        if n_perm:
            d, ok, _ = _permute_pair(stats, *_subset(data_p, rows), len(pos[a]), n_perm, rng, bar)
            d = -d[ok][:, sel]  # b - a
            tol = 1e-12 * np.maximum(1.0, np.abs(change))
            p_perm = ((np.abs(d) >= np.abs(change) - tol).sum(axis=0) + 1.0) / (len(d) + 1.0)
        else:
            p_perm = np.full(J, np.nan)
        boots = {}
        for g in labels:
            X, w = _subset(data_p, pos[g])
            n = X.shape[0]
            v, ok = _bootstrap_counts(
                stats, X, w, _count_chunks(rng, n, n_boot, _chunk_size(n)), bar
            )
            v[~ok] = np.nan
            boots[g] = v[:, sel]
    finally:
        bar.close()
    if n_boot:
        ch = boots[b] - boots[a]
        ch = ch[np.all(np.isfinite(ch), axis=1)]
        alpha = 1.0 - level
        lo, hi = np.quantile(ch, [alpha / 2, 1 - alpha / 2], axis=0)
        se = ch.std(axis=0, ddof=1)
    else:
        lo = hi = se = np.full(J, np.nan)
    table = pd.DataFrame(
        {
            "index_a": obs[a],
            "index_b": obs[b],
            "change": change,
            "se": se,
            "ci_lower": lo,
            "ci_upper": hi,
            "p_permutation": p_perm,
        },
        index=pd.Index(model.constructs, name="construct"),
    )
    return IndexChange(
        table=table,
        groups=(a, b),
        by=by,
        level=level,
        n_boot=n_boot,
        n_perm=n_perm,
        n_per_group=pd.Series({g: len(pos[g]) for g in labels}, name="n"),
    )
