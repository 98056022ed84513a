r"""Importance-performance map analysis (IPMA) of a fitted PLS model.

:func:`ipma` reads a fitted PLS model (Ringle & Sarstedt 2016): every item is put on a
0-100 scale with its declared answer scale, constructs become weighted means of their
rescaled items, the rescaled construct scores are regressed along the structural model and
the **unstandardized total effect** on a target construct is the *importance*; the mean
0-100 score is the *performance*.

Formulas
--------
Item :math:`k` with declared scale :math:`[l_k, h_k]` is rescaled to

.. math:: \tilde x_k = 100\,(x_k - l_k) / (h_k - l_k).

With standardized outer weights :math:`w_k` (PLS on standardized items, item standard
deviation :math:`s_k`) the weight of the *rescaled* item is :math:`w_k (h_k - l_k) /
(100 s_k)` (with ``standardize=False`` the weights apply to centred raw items:
:math:`w_k (h_k - l_k) / 100`); the rescaled index weights :math:`\tilde w_k` are these
divided by their sum over the construct's block, so they sum to 1 and

.. math:: \tilde\xi_j = \sum_{k \in j} \tilde w_k \tilde x_k \in [0, 100]

when all weights are positive. Each endogenous construct's score is regressed (OLS with
intercept, weighted least squares with survey weights) on its predecessors' scores; the
unstandardized path matrix :math:`\tilde B` gives total effects :math:`\tilde T = \tilde B +
\tilde B^2 + \dots`. Then

* construct importance :math:`I_j = \tilde T_{j,\text{target}}` (points of the target's
  0-100 score per point of construct :math:`j`),
* construct performance :math:`P_j = \bar{\tilde\xi}_j` (weighted mean with survey weights),
* item importance :math:`I_k = \tilde w_k \, \tilde T_{j(k),\text{target}}`, item
  performance :math:`P_k = \bar{\tilde x}_k`,
* potential :math:`G = I\,(100 - P)`: target points gained if the element's performance rose
  to 100; the priority rank ("improve first") orders elements by decreasing potential, so
  high importance with low performance comes first.

Because the rescaled scores are affine functions of the PLS scores,
:math:`\tilde T_{j,t} = T_{j,t}\,\mathrm{sd}(\tilde\xi_t) / \mathrm{sd}(\tilde\xi_j)`, where
:math:`T` are the standardized total effects; the importance order can therefore differ from
the order of the standardized total effects when the constructs' 0-100 scores differ in
spread.

References
----------
Ringle, C. M., Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The
importance-performance map analysis. *Industrial Management & Data Systems* 116(9), 1865-1886.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import ParameterError, check_number, check_option, list_some
from ..exceptions import CsimodelWarning, DataError, EstimationError, ModelError
from ..layout import effect_pairs, total_effects
from ..moments import MomentBuilder, covariance
from ..scoring._extensions import generated_constructs, hoc_coefficients, observed_item_mask
from ..scoring.weights import (
    check_scales,
    negative_index_weights,
    normalize_blocks,
    raw_index_weights,
)
from ._common import _MapResults, _quadrant

if TYPE_CHECKING:
    from ..report.summary import Summary
    from ..results import FitResults

__all__ = ["ipma", "IPMAResults"]


# =========================================================================== IPMA helpers
def _declared_scale(res) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = res.data.scale_low, res.data.scale_high
    obs = observed_item_mask(res.model)
    items = [i for i, o in zip(res.data.items, obs, strict=True) if o]
    check_scales(items, lo[obs], hi[obs], "IPMA cannot rescale them to 0-100")
    # generated columns (interaction products, lower-order scores) keep their own metric
    return np.where(obs, lo, 0.0), np.where(obs, hi, 100.0)


def _extension_weights(Wr, W, sd, standardize, cov_r, model):
    """Rescaled weights of the extension constructs, in place (see :func:`ipma`, Notes).

    An interaction term keeps its own (unrescaled) score, a control in the regressions;
    a two-stage higher-order construct's 0-100 score combines its lower-order constructs'
    (:mod:`csimodel.scoring._extensions`)."""
    inter, hocs = generated_constructs(model)
    if not inter and not hocs:
        return Wr
    Wr = np.array(Wr, dtype=float)
    mask = model.block_mask()
    raw = raw_index_weights(W, sd, standardize)
    for j in inter:
        col = raw[:, :, j] * mask[:, j]
        Wr[:, :, j] = col / col.sum(axis=1, keepdims=True)
    blocks = [np.flatnonzero(c) for c in mask.T]
    for hoc in hocs:
        h, locs, _ = hoc
        a = np.zeros(Wr.shape[:2])
        for L in locs:
            a[:, blocks[L]] = Wr[:, blocks[L], L]
        coef = hoc_coefficients(W, a, cov_r, blocks, hoc, "zero")
        Wr[:, :, h] = np.einsum("bpl,bl->bp", Wr[:, :, locs], coef)
    return Wr


def _members(model) -> np.ndarray:
    """Item-construct membership for the indicator level (a two-stage higher-order
    construct lists its lower-order constructs' items)."""
    mask = model.block_mask().copy()
    _, hocs = generated_constructs(model)
    for h, locs, score_items in hocs:
        mask[:, h] = mask[:, locs].any(axis=1)
        mask[score_items, h] = False
    return mask


def _rescaled_index_weights(
    weights: np.ndarray,
    item_sd: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    standardize: bool = True,
    zero_negative: bool = False,
    strict: bool = True,
) -> np.ndarray:
    """Weights ``(B, p, J)`` of the 0-100 rescaled items, summing to 1 per construct.

    The raw-scale weights (:func:`~csimodel.scoring.weights.raw_index_weights`) times the
    scale spans ``hi - lo``, normalized per block
    (:func:`~csimodel.scoring.weights.normalize_blocks`). ``strict``: raise if a block's
    weights sum to (almost) zero; else leave NaN there.
    """
    raw = raw_index_weights(weights, item_sd, standardize)
    Wr = normalize_blocks(raw, zero_negative=zero_negative, factor=(hi - lo) / 100.0)
    if strict and np.isnan(Wr).any() and np.isfinite(raw).all():
        raise EstimationError(
            "The outer weights of a construct sum to (almost) zero (or none is positive), "
            "so its 0-100 index weights cannot be normalized; check the items' coding."
        )
    return Wr


def _negative_weights(weights: np.ndarray, item_sd: np.ndarray, standardize: bool) -> np.ndarray:
    """(B, p) True where an item's weight (raw metric) is negative beyond rounding."""
    return negative_index_weights(raw_index_weights(weights, item_sd, standardize))


def _unstandardized_totals(C: np.ndarray, model) -> np.ndarray:
    """Total effects (B, J, J) from OLS of construct scores with covariance C (B, J, J)."""
    B, J, _ = C.shape
    pos = {c: k for k, c in enumerate(model.constructs)}
    paths = np.zeros((B, J, J))
    for c in model.endogenous:
        j = pos[c]
        idx = np.array([pos[s] for s in model.predecessors(c)], dtype=int)
        A = C[:, idx[:, None], idx[None, :]]
        b = C[:, idx, j]
        paths[:, idx, j] = np.linalg.solve(A, b[:, :, None])[:, :, 0]
    return total_effects(paths)


def _ipma_batch(W, sd, standardize, m, S, lo, hi, model, zero_negative=False, strict=True):
    """From item means (B,p) and covariances (B,p,p): item performance (B,p), construct
    performance (B,J), rescaled index weights (B,p,J) and unstandardized totals (B,J,J)."""
    d = 100.0 / (hi - lo)
    mean_r = (m - lo) * d
    cov_r = S * (d[:, None] * d[None, :])
    Wr = _rescaled_index_weights(
        W, sd, lo, hi, standardize=standardize, zero_negative=zero_negative, strict=strict
    )
    if Wr.shape[0] != mean_r.shape[0]:
        Wr = np.broadcast_to(Wr, (mean_r.shape[0],) + Wr.shape[1:])
    if getattr(model, "generated", None):
        Wr = _extension_weights(Wr, W, sd, standardize, cov_r, model)
    perf = np.einsum("bp,bpj->bj", mean_r, Wr)
    C = np.einsum("bpj,bpq,bqk->bjk", Wr, cov_r, Wr)
    T = _unstandardized_totals(C, model)
    return mean_r, perf, Wr, T


def _boot_counts(boot: Any, n: int) -> np.ndarray:
    counts = getattr(boot, "counts", boot)
    if callable(counts):
        counts = counts()
    try:
        F = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            "The 'boot' parameter of ipma must be a (n_boot, n_used) array of resample counts "
            f"or an object with a .counts attribute. Got {type(boot).__name__} instead."
        ) from None
    if F.ndim != 2 or F.shape[1] != n or F.shape[0] < 2:
        raise ParameterError(
            f"The 'boot' parameter of ipma must have shape (n_boot >= 2, {n}) (resample counts "
            f"of the {n} used rows). Got shape {F.shape} instead."
        )
    if not np.all(np.isfinite(F)) or np.any(F < 0):
        raise ParameterError("The resample counts in 'boot' must be finite and non-negative.")
    return F


# =========================================================================== IPMA
class IPMAResults(_MapResults):
    """Importance-performance map analysis results (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Index: construct (``level='construct'``) or item (``level='indicator'``), preceded by
        ``segment`` when ``by`` was given. Columns ``importance, performance, potential,
        priority, quadrant`` (indicator level adds ``construct`` and ``weight``, the rescaled
        index weight); with ``boot`` also ``importance_lower, importance_upper,
        performance_lower, performance_upper`` (percentile intervals) .
    target : str
    level : {'construct', 'indicator'}
    by : str or None
    crosshair : pandas.DataFrame
        Mean importance and mean performance of the listed elements (one row per segment,
        or one row ``'all'``), used for the quadrants.
    target_performance : pandas.Series
        The target construct's 0-100 mean (per segment).
    index_weights : pandas.Series
        Rescaled index weights by (construct, item) (pooled fit).
    n_used, n_total : int
    n_boot, n_failed : int or None
    ci_level : float or None
    """

    target: str
    level: str
    target_performance: pd.Series
    index_weights: Any
    n_used: int
    n_total: int
    n_boot: int | None
    n_failed: int
    ci_level: float | None
    fit: Any

    def summary(self) -> Summary:
        """Text/HTML summary of the table, with settings and the crosshair."""
        from ..report.summary import Summary

        s = Summary(f"IPMA of {self.target} ({self.level} level)")
        s.add_info("Target", self.target)
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        if self.by is not None:
            s.add_info("Segments", f"{self.by}: {len(self.crosshair)}")
        if self.n_boot is not None:
            s.add_info(
                "Bootstrap",
                f"{self.n_boot - self.n_failed} of {self.n_boot} resamples, "
                f"{self.ci_level:.0%} percentile intervals",
            )
        s.add_table("Importance and performance (priority 1 = improve first)", self.table)
        s.add_table("Crosshair (means) and target performance", self.crosshair)
        s.add_note(
            "Importance = unstandardized total effect on the target of the 0-100 rescaled "
            "scores (Ringle & Sarstedt 2016); performance = mean 0-100 score; potential = "
            "importance x (100 - performance)."
        )
        return s

    def __repr__(self) -> str:
        return (
            f"<csimodel.IPMAResults: target {self.target!r}, {self.level} level, "
            f"{len(self.table)} rows>"
        )


def _priority_table(imp, perf, names, extra: dict) -> tuple[pd.DataFrame, float, float]:
    imp = np.asarray(imp, float)
    perf = np.asarray(perf, float)
    pot = imp * (100.0 - perf)
    order = np.argsort(-pot, kind="stable")
    rank = np.empty(len(pot), dtype=int)
    rank[order] = np.arange(1, len(pot) + 1)
    ci, cp = float(imp.mean()), float(perf.mean())
    df = pd.DataFrame(
        {**extra, "importance": imp, "performance": perf, "potential": pot, "priority": rank},
        index=names,
    )
    df["quadrant"] = _quadrant(imp, perf, ci, cp)
    return df, ci, cp


def ipma(
    res: FitResults,
    target: str,
    level: str = "construct",
    *,
    by: str | None = None,
    boot: Any = None,
    ci_level: float = 0.95,
    negative_weights: str = "error",
) -> IPMAResults:
    r"""Importance-performance map analysis (IPMA) of a fitted PLS model.

    Parameters
    ----------
    res : FitResults
        A PLS fit with a declared answer scale (``fit(..., scale=(1, 10))``).
    target : str
        The target construct (e.g. ``'Loyalty'``).
    level : {'construct', 'indicator'}, default='construct'
        Rows of the table: constructs with a (direct or indirect) effect on the target, or
        their items.
    by : str, optional
        A column of the fitted data: importance and performance per segment (the pooled
        fit's index weights are kept so that segments share one 0-100 scoring rule; the
        structural regressions and means are computed within each segment).
    boot : BootstrapResults, ndarray of shape (n_boot, n_used) or object with ``.counts``, optional
        Bootstrap resamples of the used rows: a result of ``cm.bootstrap(res, ...)`` (its
        resamples are replayed chunk by chunk with
        :meth:`~csimodel.BootstrapResults.iter_counts`; it must be drawn on the same rows
        as ``res``) or resample counts. Each resample is refitted with the fit's estimator
        on the resample's moments (batched) and IPMA is recomputed; the table gains
        percentile intervals. Resamples that fail (no convergence) are left out.
    ci_level : float, default=0.95
        Coverage of the percentile intervals.
    negative_weights : {'error', 'zero', 'keep'}, default='error'
        What to do when an item of the target or of a construct affecting it has a negative
        outer weight (IPMA requires non-negative weights, Ringle & Sarstedt 2016; scores could
        leave 0-100): ``'error'`` raises :class:`~csimodel.ModelError` naming the items (as
        :func:`~csimodel.indices` does); ``'zero'`` gives them weight 0 and renormalizes the
        block (as ``indices(..., negative_weights='zero')``); ``'keep'`` keeps the negative
        weights and warns. In bootstrap resamples, ``'error'`` counts such a resample as
        failed.

    Returns
    -------
    IPMAResults

    Notes
    -----
    See the module docstring for every formula. Importance is the unstandardized total
    effect of the 0-100 rescaled construct scores (regressed along the structural model),
    performance is the (survey-weighted) mean 0-100 score, and the priority rank orders the
    elements by potential ``importance * (100 - performance)``.

    Tested against a hand computation (numpy rescaling and ``lstsq`` regressions) in
    ``tests/ipa/test_ipma.py``.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> imp = cm.ipma(res, target="Loyalty")
    >>> list(imp.table.columns)
    ['importance', 'performance', 'potential', 'priority', 'quadrant']
    >>> imp.table.loc["Satisfaction", "importance"].round(3)
    np.float64(0.79)
    """
    owner = "ipma"
    check_option(level, "level", owner, ("construct", "indicator"))
    check_option(negative_weights, "negative_weights", owner, ("error", "zero", "keep"))
    zero_neg = negative_weights == "zero"
    check_number(ci_level, "ci_level", owner, low=0, high=1, low_open=True, high_open=True)
    model = res.model
    if not hasattr(res, "arrays") or not hasattr(res.estimator, "estimate"):
        raise ParameterError("ipma needs a FitResults from cm.PLS(...).fit(...).")
    check_option(target, "target", owner, model.constructs)
    if target not in model.endogenous:
        raise ModelError(
            f"The target {target!r} has no incoming paths, so nothing has an effect on it. "
            f"Choose an endogenous construct: {list_some(model.endogenous, 10)}."
        )
    lo, hi = _declared_scale(res)
    standardize = bool(getattr(res.estimator, "standardize", True))
    X = res.data.X
    n = X.shape[0]
    cons = model.constructs
    t = cons.index(target)
    inter, _ = generated_constructs(model)
    reach = sorted(i for i, j in effect_pairs(model) if j == t and i not in inter)
    mask = _members(model)

    # segments
    if by is None:
        seg_names: list[Any] = ["all"]
        G = np.ones((1, n))
    else:
        col = res.data.column(by)
        if col.isna().any():
            rows = list(col.index[col.isna().to_numpy()])
            raise DataError(
                f"The by= column {by!r} is missing for {len(rows)} used row(s): "
                f"{list_some(rows)}. Fill or recode them before the analysis."
            )
        codes, uniques = pd.factorize(col, sort=True)
        seg_names = list(uniques)
        G = (codes[None, :] == np.arange(len(uniques))[:, None]).astype(float)
        k_max = max([len(model.predecessors(c)) for c in model.endogenous])
        small = [s for s, g in zip(seg_names, G, strict=True) if g.sum() <= k_max + 2]
        if small:
            raise DataError(
                f"Segment(s) {list_some(small)} of {by!r} have too few respondents for the "
                f"structural regressions (need more than {k_max + 2}). Merge small segments."
            )

    W0 = res.arrays.weights[:1]
    sd0 = res.arrays.item_sd[:1]
    shown = mask[:, reach + [t]].any(axis=1) & observed_item_mask(model)
    neg = _negative_weights(W0, sd0, standardize)[0] & shown
    if neg.any():
        names = [model.items[k] for k in np.flatnonzero(neg)]
        if negative_weights == "error":
            raise ModelError(
                f"Item(s) {list_some(names)} have negative outer weights; IPMA needs "
                "non-negative weights (their 0-100 scores could leave 0-100). Check the items' "
                "coding (reverse-coded? use e.g. 11 - x on 1..10), drop them, or pass "
                "negative_weights='zero' (weight 0) or 'keep'."
            )
        if negative_weights == "keep":
            warnings.warn(
                f"Item(s) {list_some(names)} have negative index weights (kept, "
                "negative_weights='keep'): 0-100 construct scores can leave 0-100.",
                CsimodelWarning,
                stacklevel=2,
            )
    with np.errstate(invalid="raise", divide="raise"):
        try:
            if by is None:  # the fit's own moments
                m0, S0 = res.mean[None], res.cov[None]
            else:
                wts = res.data.weights
                mom = [covariance(X[g > 0], None if wts is None else wts[g > 0]) for g in G]
                m0 = np.stack([a for a, _ in mom])
                S0 = np.stack([b for _, b in mom])
            mean_r, perf, Wr, T = _ipma_batch(
                W0, sd0, standardize, m0, S0, lo, hi, model, zero_negative=zero_neg
            )
        except (np.linalg.LinAlgError, FloatingPointError):
            raise DataError(
                "The 0-100 construct scores are collinear or constant within a segment, so the "
                "structural regressions cannot be computed. Use fewer or larger segments."
            ) from None

    # bootstrap
    n_boot = n_failed = None
    dist = None
    if boot is not None:
        if hasattr(boot, "iter_counts"):
            boot.check_fit(res, owner)
            chunks = boot.iter_counts()
        else:
            chunks = [_boot_counts(boot, n)]
        builder = (
            res.moment_builder()
            if getattr(res, "design", None)
            else MomentBuilder(X, res.data.weights)
        )
        n_boot = n_fit = 0
        parts: list[list[tuple]] = [[] for _ in G]
        for F in chunks:
            n_boot += len(F)
            _, S = builder.moments(F)
            est = res.estimator.estimate(S, model)
            ok = est.converged & np.all(np.isfinite(est.weights), axis=(1, 2))
            if negative_weights == "error":
                with np.errstate(invalid="ignore", divide="ignore"):
                    neg_b = _negative_weights(est.weights, est.item_sd, standardize)
                ok &= ~(neg_b & shown).any(1)
            n_fit += int(ok.sum())
            F, Wb, sdb = F[ok], est.weights[ok], est.item_sd[ok]
            seg = []
            for g in G:
                with np.errstate(invalid="ignore", divide="ignore"):
                    try:
                        mb, Sb = builder.moments(F * g) if by is not None else builder.moments(F)
                        seg.append(
                            _ipma_batch(
                                Wb, sdb, standardize, mb, Sb, lo, hi, model, zero_neg, strict=False
                            )
                        )
                    except np.linalg.LinAlgError:
                        raise EstimationError(
                            "A resample made the structural regressions singular; use more "
                            "respondents per segment."
                        ) from None
            # a resample fails if any segment's result is not finite (no one of a segment drawn)
            fin = np.ones(len(F), dtype=bool)
            for arrays in seg:
                for a in arrays:
                    fin &= np.all(np.isfinite(a.reshape(len(F), -1)), axis=1)
            for gi, arrays in enumerate(seg):
                parts[gi].append(tuple(a[fin] for a in arrays))
        if n_fit < 2:
            raise EstimationError(f"Only {n_fit} of {n_boot} resamples could be fitted.")
        dist = [tuple(np.concatenate(c) for c in zip(*p_, strict=True)) for p_ in parts]
        n_ok = len(dist[0][0])
        n_failed = n_boot - n_ok
        if n_ok < 2:
            raise EstimationError(f"Only {n_ok} of {n_boot} resamples gave finite IPMA results.")
        if n_failed:
            warnings.warn(
                f"{n_failed} of {n_boot} resamples failed (no convergence, a negative weight "
                "under negative_weights='error', or a segment with too few resampled "
                "respondents) and were left out of the IPMA intervals.",
                CsimodelWarning,
                stacklevel=2,
            )
    alpha = (1 - ci_level) / 2

    def interval(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.quantile(a, alpha, axis=0), np.quantile(a, 1 - alpha, axis=0)

    tables, cross = [], []
    for gi in range(len(seg_names)):
        if level == "construct":
            names = pd.Index([cons[i] for i in reach], name="construct")
            imp, pf = T[gi, reach, t], perf[gi, reach]
            extra: dict = {}
            if dist is not None:
                _, pb, _, Tb = dist[gi]
                boot_imp, boot_perf = Tb[:, reach, t], pb[:, reach]
        else:
            items = [(k, j) for j in reach for k in range(len(model.items)) if mask[k, j]]
            ki = np.array([k for k, _ in items], dtype=int)
            ji = np.array([j for _, j in items], dtype=int)
            names = pd.Index([model.items[k] for k in ki], name="item")
            w = Wr[gi, ki, ji]
            imp, pf = w * T[gi, ji, t], mean_r[gi, ki]
            extra = {"construct": [cons[j] for j in ji], "weight": w}
            if dist is not None:
                mb, _, Wb_r, Tb = dist[gi]
                boot_imp, boot_perf = Wb_r[:, ki, ji] * Tb[:, ji, t], mb[:, ki]
        df, ci, cp = _priority_table(imp, pf, names, extra)
        if dist is not None:
            df["importance_lower"], df["importance_upper"] = interval(boot_imp)
            df["performance_lower"], df["performance_upper"] = interval(boot_perf)
        tables.append(df)
        cross.append((ci, cp, float(perf[gi, t]), float(G[gi].sum())))

    cross_df = pd.DataFrame(
        cross,
        columns=["importance", "performance", "target_performance", "n"],
        index=pd.Index(seg_names, name="segment" if by is not None else None),
    )
    if by is None:
        table = tables[0]
    else:
        table = pd.concat(tables, keys=seg_names, names=["segment", tables[0].index.name])
    jj, kk = np.nonzero(mask.T)
    iw = pd.Series(
        Wr[0][kk, jj],
        index=pd.MultiIndex.from_tuples(
            [(cons[j], model.items[k]) for j, k in zip(jj, kk, strict=True)],
            names=["construct", "item"],
        ),
        name="index_weight",
    )
    if inter:
        table.attrs["note"] = (
            f"Interaction term(s) {list_some([cons[j] for j in inter])} have no importance or "
            "performance (no 0-100 scale); they stay in the regressions as controls."
        )
    return IPMAResults(
        table=table,
        target=target,
        level=level,
        by=by,
        crosshair=cross_df,
        target_performance=cross_df["target_performance"],
        index_weights=iw,
        n_used=res.n_used,
        n_total=res.n_total,
        n_boot=n_boot,
        n_failed=n_failed,
        ci_level=float(ci_level) if boot is not None else None,
        fit=res,
    )
