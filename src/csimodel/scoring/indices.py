"""ACSI-style 0-100 indices per construct, per respondent and per segment.

For construct *j* with items :math:`i \\in B_j`, index weights :math:`\\tilde w_i`
(:func:`~csimodel.scoring.index_weights`) and declared answer-scale ends
:math:`[\\ell_i, u_i]`, a respondent's score and a segment's index are

.. math::

    \\text{score}_j = 100\\,\\frac{\\sum_i \\tilde w_i x_i - \\sum_i \\tilde w_i \\ell_i}
                          {\\sum_i \\tilde w_i u_i - \\sum_i \\tilde w_i \\ell_i},
    \\qquad \\text{index}_j = \\frac{\\sum_r v_r\\, \\text{score}_{rj}}{\\sum_r v_r}

(:math:`v_r` case weights, 1 if none): the ACSI formula applied to the segment's mean
answers, since the score is linear in the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_number, list_some
from ..exceptions import DataError
from ._extensions import extension_note, generated_constructs, hoc_coefficients, observed_item_mask
from .weights import (
    _fit_arrays,
    check_scales,
    index_values,
    negative_index_weights,
    normalize_blocks,
    normalized_index_weights,
    raw_index_weights,
)

if TYPE_CHECKING:
    from ..results import FitResults

__all__ = ["indices", "respondent_scores"]


# ----------------------------------------------------------------------------- array core
def affine(
    index_w: np.ndarray, low: np.ndarray, high: np.ndarray, blocks: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients ``a`` (p,) and offsets ``c`` (J,) with score_j = sum_{i in B_j} a_i x_i - c_j."""
    a = np.empty_like(index_w)
    c = np.empty(len(blocks))
    for j, idx in enumerate(blocks):
        w = index_w[idx]
        span = float(w @ (high[idx] - low[idx]))
        a[idx] = 100.0 * w / span
        c[j] = float(a[idx] @ low[idx])
    return a, c


_CHUNK = 16384  # rows per pass: the working set stays in cache


def score_array(
    X: np.ndarray, a: np.ndarray, c: np.ndarray, blocks: list[np.ndarray]
) -> np.ndarray:
    """0-100 scores (n, J) from answers ``X`` (n, p) inside their declared scales.

    Element-wise, in fixed item order, over row chunks: every row's score is computed by the
    same operations whatever ``n``, the chunking or ``X``'s memory layout, so scoring a
    respondent alone or among a million gives bit-identical results.
    """
    n = X.shape[0]
    if not X.flags.f_contiguous:
        X = np.asfortranarray(X)
    out = np.empty((n, len(blocks)), order="F")
    tmp = np.empty(min(n, _CHUNK))
    for s0 in range(0, n, _CHUNK):
        s1 = min(n, s0 + _CHUNK)
        t = tmp[: s1 - s0]
        for j, idx in enumerate(blocks):
            col = out[s0:s1, j]
            np.multiply(X[s0:s1, idx[0]], a[idx[0]], out=col)
            for i in idx[1:]:
                np.multiply(X[s0:s1, i], a[i], out=t)
                col += t
            col -= c[j]
            # answers lie in their declared scales and index weights are non-negative and
            # sum to 1, so scores lie in [0, 100]; clipping only removes rounding (~1e-13)
            np.clip(col, 0.0, 100.0, out=col)
    return out


def _case_weights(weights: Any, n: int, column, what: str) -> np.ndarray | None:
    if weights is None:
        return None
    if isinstance(weights, str):
        s = column(weights)
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            raise DataError(f"Weight column {weights!r} must be numeric. Got {s.dtype} instead.")
        w = s.to_numpy(dtype=float, na_value=np.nan)
        name = weights
    else:
        w = np.asarray(weights, dtype=float)
        name = "weights"
        if w.ndim != 1 or len(w) != n:
            raise DataError(
                f"weights must be a column name or one value per {what} ({n}). "
                f"Got shape {w.shape} instead."
            )
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise DataError(
            f"Case weights {name!r} must be finite and non-negative; {int(bad.sum())} value(s) "
            "are not. Fix the weights."
        )
    return w


def segment_table(
    S: np.ndarray,
    constructs: Sequence[str],
    keys: list[pd.Series] | None,
    case_w: np.ndarray | None,
) -> pd.DataFrame:
    """Weighted mean of the scores per segment; one row per segment, columns constructs + n."""
    n = S.shape[0]
    if not keys:
        codes = np.zeros(n, dtype=np.intp)
        index: pd.Index = pd.Index(["all"], name="segment")
    else:
        for k in keys:
            na = k.isna().to_numpy()
            if na.any():
                rows = list(k.index[na])
                raise DataError(
                    f"The by= column {k.name!r} is missing for {int(na.sum())} used row(s) "
                    f"(rows {list_some(rows)}). Fill it (e.g. df[{k.name!r}].fillna('unknown')) "
                    "or drop those rows before scoring."
                )
        if len(keys) == 1:
            codes, uniq = pd.factorize(keys[0], sort=True)
            index = pd.Index(uniq, name=keys[0].name)
        else:
            mi = pd.MultiIndex.from_arrays(
                [k.to_numpy() for k in keys], names=[k.name for k in keys]
            )
            codes, uniq = pd.factorize(mi, sort=True)
            index = pd.MultiIndex.from_tuples(list(uniq), names=[k.name for k in keys])
        codes = np.asarray(codes, dtype=np.intp)
    G = len(index)
    count = np.bincount(codes, minlength=G)
    wsum = (
        count.astype(float) if case_w is None else np.bincount(codes, weights=case_w, minlength=G)
    )
    if np.any(wsum <= 0):
        empty = [index[int(g)] for g in np.flatnonzero(wsum <= 0)]
        raise DataError(
            f"Segment(s) {list_some(empty)} have case weights summing to zero, so their index "
            "is undefined. Check the weights."
        )
    out = {}
    for j, c in enumerate(constructs):
        col = S[:, j] if case_w is None else S[:, j] * case_w
        out[c] = np.bincount(codes, weights=col, minlength=G) / wsum
    df = pd.DataFrame(out, index=index)
    df["n"] = count
    return df


def _by_list(by: Any) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    if isinstance(by, Sequence) and all(isinstance(b, str) for b in by):
        if len(set(by)) != len(by):
            raise DataError(f"by= lists a column twice: {list(by)!r}.")
        return list(by)
    raise DataError(f"by= must be a column name or a list of column names. Got {by!r} instead.")


# ----------------------------------------------------------------------------- public API
def _fit_affine(res, negative_weights: str):
    m = res.model
    obs = observed_item_mask(m)
    check_scales(
        [i for i, o in zip(m.items, obs, strict=True) if o],
        res.data.scale_low[obs],
        res.data.scale_high[obs],
    )
    outer, sd, standardized, blocks = _fit_arrays(res)
    inter, hocs = generated_constructs(m)
    for j in inter + [h for h, _, _ in hocs]:  # no item-level index: filled in by _scores
        blocks[j] = np.array([], dtype=int)
    live = [j for j, b in enumerate(blocks) if len(b)]
    w = normalized_index_weights(
        outer,
        sd,
        standardized,
        [blocks[j] for j in live],
        tuple(m.constructs[j] for j in live),
        m.items,
        negative_weights=negative_weights,
    )
    a, c = affine(w, res.data.scale_low, res.data.scale_high, blocks)
    return a, c, blocks


def _scores(res, a: np.ndarray, c: np.ndarray, blocks: list[np.ndarray], negative_weights: str):
    """Per-respondent 0-100 scores (n, J), extension constructs included (see
    :mod:`csimodel.scoring._extensions`)."""
    live = [j for j, b in enumerate(blocks) if len(b)]
    if len(live) == len(blocks):
        return score_array(res.data.X, a, c, blocks)
    out = np.full((res.n_used, len(blocks)), np.nan)
    out[:, live] = score_array(res.data.X, a, c[live], [blocks[j] for j in live])
    _, hocs = generated_constructs(res.model)
    for hoc in hocs:
        coef = hoc_coefficients(
            res.arrays.weights,
            a[None],
            np.asarray(res.cov)[None],
            blocks,
            hoc,
            negative_weights,
            res.model.constructs[hoc[0]],
            tuple(res.model.constructs[j] for j in hoc[1]),
        )[0]
        out[:, hoc[0]] = out[:, hoc[1]] @ coef
    return out


def respondent_scores(res: FitResults, *, negative_weights: str = "error") -> pd.DataFrame:
    """Each used respondent's 0-100 score on every construct.

    Parameters
    ----------
    res : FitResults
        A model fitted with a declared answer scale (``fit(..., scale=(1, 10))``).
    negative_weights : {'error', 'zero'}, default='error'
        Policy for negative index weights; see :func:`~csimodel.scoring.index_weights`.

    Returns
    -------
    pandas.DataFrame
        Index = the used rows' labels; one column per construct; values in [0, 100].

    Raises
    ------
    DataError
        If no answer scale was declared at fit.
    ModelError
        If an item has a negative index weight (``negative_weights='error'``).

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> s = cm.respondent_scores(res)
    >>> s.shape
    (250, 7)
    >>> bool(((s >= 0) & (s <= 100)).all().all())
    True
    """
    a, c, blocks = _fit_affine(res, negative_weights)
    S = _scores(res, a, c, blocks, negative_weights)
    return pd.DataFrame(
        S, index=res.data.row_labels, columns=list(res.model.constructs), copy=False
    )


def indices(
    res: FitResults,
    by: str | Sequence[str] | None = None,
    *,
    weights: Any = None,
    level: float = 0.95,
    boot: Any = None,
    random_state: Any = None,
    negative_weights: str = "error",
) -> pd.DataFrame:
    """ACSI-style 0-100 index of every construct, overall or per segment.

    Parameters
    ----------
    res : FitResults
        A model fitted with a declared answer scale (``fit(..., scale=(1, 10))`` or a dict
        per item, e.g. ``scale={'q1': (0, 10), 'q2': (1, 7)}``).
    by : str or list of str, optional
        Column(s) of the fitted data defining segments (company, industry, period, ...).
    weights : str or array-like, optional
        Case weights for averaging respondents within segments: a column of the fitted
        data or one value per used row. Default: the fit's own case weights (if any).
    level : float, default=0.95
        Confidence level of the percentile intervals (used with ``boot``).
    boot : int or bootstrap result, optional
        Add bootstrap percentile intervals per index: an int is the number of resamples;
        a result of ``cm.bootstrap(res, ...)`` contributes its very resamples (replayed
        with :meth:`~csimodel.BootstrapResults.iter_counts`, so the index intervals and the
        bootstrap's parameter intervals come from the same resamples; it must have been
        drawn on the same used rows as ``res``). Respondents are resampled (with their case
        weights) and, for every resample, the model is re-estimated (batched), the index
        weights recomputed and the segment means recomputed, so the interval covers the
        uncertainty of both weights and means.
    random_state : None, int or numpy.random.Generator, optional
        Seed for the resamples drawn with an int ``boot`` (counts
        ``Generator.multinomial(n, [1/n] * n)``); ignored with a bootstrap result.
    negative_weights : {'error', 'zero'}, default='error'
        Policy for negative index weights; see :func:`~csimodel.scoring.index_weights`.

    Returns
    -------
    pandas.DataFrame
        One row per segment (index named after ``by``; a single row ``'all'`` without
        ``by``), one column per construct (the 0-100 index) and ``n`` (respondents).
        With ``boot``: also ``"<construct> ci_lower"`` and ``"<construct> ci_upper"``
        per construct; ``.attrs`` holds ``n_boot`` and ``n_failed`` (resamples that did
        not converge or gave a negative index weight under ``negative_weights='error'``).

    Raises
    ------
    DataError
        No scale declared at fit (the message shows how), unknown ``by`` column, missing
        segment values, bad weights.
    ModelError
        Negative index weight (``negative_weights='error'``), naming the item.

    Notes
    -----
    .. math::

        \\text{index}_j = 100\\,\\frac{E[\\xi_j] - \\sum_i \\tilde w_i \\ell_i}
                               {\\sum_i \\tilde w_i u_i - \\sum_i \\tilde w_i \\ell_i},
        \\quad \\xi_j = \\sum_{i \\in B_j} \\tilde w_i x_i

    with :math:`\\tilde w` the index weights and :math:`[\\ell_i, u_i]` the declared scale
    ends of item *i* (Fornell et al. 1996). Tested against the published worked example
    (70.9833) and an independent hand computation from the outer weights and item means.

    References
    ----------
    Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J., Bryant, B. E. (1996). The American
    Customer Satisfaction Index: nature, purpose, and findings. *Journal of Marketing* 60(4).

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image        =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Satisfaction ~ Image
    ... ''')
    >>> res = cm.PLS().fit(model, data, scale=(0, 10))
    >>> idx = cm.indices(res, by="gender")
    >>> list(idx.columns)
    ['Image', 'Satisfaction', 'n']
    >>> int(idx["n"].sum())
    250
    """
    check_number(level, "level", "indices", low=0, high=1, low_open=True, high_open=True)
    n_boot = None
    if boot is not None:
        n_boot = boot if isinstance(boot, (int, np.integer)) else getattr(boot, "n_boot", None)
        check_number(
            None if isinstance(n_boot, bool) else n_boot, "boot", "indices", integer=True, low=2
        )
        if hasattr(boot, "iter_counts"):
            boot.check_fit(res, "indices")
    a, c, blocks = _fit_affine(res, negative_weights)
    S = _scores(res, a, c, blocks, negative_weights)
    keys = [res.data.column(b) for b in _by_list(by)]
    w = (
        res.data.weights
        if weights is None
        else _case_weights(weights, res.n_used, res.data.column, "used row")
    )
    table = segment_table(S, res.model.constructs, keys, w)
    note = extension_note(res.model)
    if note:
        table.attrs["note"] = note
    if n_boot is None:
        return table
    codes = _segment_codes(keys, table.index, res.n_used)
    n = res.n_used
    if hasattr(boot, "iter_counts"):
        counts = boot.iter_counts(_chunk(n))
    else:
        counts = _multinomial_counts(n, int(n_boot), random_state)
    dist, n_failed = _bootstrap_indices(res, codes, len(table), w, counts, negative_weights)
    q = np.quantile(dist, [(1 - level) / 2, (1 + level) / 2], axis=0)  # (2, G, J)
    for j, con in enumerate(res.model.constructs):
        table[f"{con} ci_lower"] = q[0, :, j]
        table[f"{con} ci_upper"] = q[1, :, j]
    table.attrs["n_boot"] = int(n_boot)
    table.attrs["n_failed"] = int(n_failed)
    return table


def _segment_codes(keys: list[pd.Series], index: pd.Index, n: int) -> np.ndarray:
    if not keys:
        return np.zeros(n, dtype=np.intp)
    if len(keys) == 1:
        return index.get_indexer(pd.Index(keys[0].to_numpy()))
    mi = pd.MultiIndex.from_arrays([k.to_numpy() for k in keys])
    return index.get_indexer(mi)


def _chunk(n: int) -> int:
    return int(max(1, min(500, 2**24 // max(n, 1))))


def _multinomial_counts(n: int, n_boot: int, random_state: Any):
    """Resample counts (chunk, n) drawn as documented for ``indices(boot=int)``."""
    rng = np.random.default_rng(random_state)
    chunk = _chunk(n)
    for start in range(0, n_boot, chunk):
        B = min(chunk, n_boot - start)
        yield rng.multinomial(n, np.full(n, 1.0 / n), size=B).astype(float)  # (B, n)


def _bootstrap_indices(res, codes, G, case_w, counts, negative_weights):
    """Index distribution (n_ok, G, J): resample, re-estimate, re-weight, re-average.

    ``counts`` yields resample-count chunks (B, n) of the used rows.
    """
    import warnings

    from ..exceptions import CsimodelWarning
    from ..moments import MomentBuilder

    m = res.model
    X = res.data.X
    n = X.shape[0]
    builder = (
        res.moment_builder() if getattr(res, "design", None) else MomentBuilder(X, res.data.weights)
    )
    J = len(m.constructs)
    lo, hi = res.data.scale_low, res.data.scale_high
    obs = observed_item_mask(m)  # generated items (weight 0 here) have no scale
    lo, hi = np.where(obs, lo, 0.0), np.where(obs, hi, 1.0)
    standardized = bool(getattr(res.estimator, "standardize", True))
    onehot = np.zeros((n, G))
    onehot[np.arange(n), codes] = 1.0
    cw = np.ones(n) if case_w is None else np.asarray(case_w, float)
    out, failed, n_boot = [], 0, 0
    inter, hocs = generated_constructs(m)
    plain = np.ones(J, dtype=bool)
    plain[inter + [h for h, _, _ in hocs]] = False
    blocks = [np.flatnonzero(col) for col in m.block_mask().T]
    for F in counts:
        n_boot += len(F)
        _, Sb = builder.moments(F)
        est = res.estimator.estimate(Sb, m)
        raw = raw_index_weights(est.weights, est.item_sd, standardized)  # (B, p, J)
        raw = raw[:, :, plain]
        # a block's sign is arbitrary per resample; orient it so its weights sum positive
        raw = raw * np.sign(raw.sum(axis=1, keepdims=True))
        neg = negative_index_weights(raw)
        wn = normalize_blocks(raw, zero_negative=True)  # (B, p, J), NaN for a dead block
        ok = est.converged & np.all(np.isfinite(wn), axis=(1, 2))
        if negative_weights == "error":
            ok &= ~neg.any(axis=1)
        failed += int((~ok).sum())
        wn, F = wn[ok], F[ok]
        Fw = F * cw
        seg_w = Fw @ onehot  # (b, G)
        means = np.einsum("bn,ng,np->bgp", Fw, onehot, X) / seg_w[:, :, None]
        vals = np.full((len(F), G, J), np.nan)
        vals[:, :, plain] = index_values(wn, means, lo, hi)
        if hocs:
            full = np.zeros((len(F), wn.shape[1], J))
            full[:, :, plain] = wn
            with np.errstate(invalid="ignore", divide="ignore"):
                span = np.einsum("bpj,p->bj", full, hi - lo)
                safe = np.where(span > 0, span, np.inf)[:, None, :]
                a_items = 100.0 * (full / safe).sum(axis=2)
            for hoc in hocs:
                coef = hoc_coefficients(est.weights[ok], a_items, Sb[ok], blocks, hoc, "zero")
                vals[:, :, hoc[0]] = np.einsum("bgl,bl->bg", vals[:, :, hoc[1]], coef)
        out.append(vals)  # (b, G, J)
    if failed:
        warnings.warn(
            f"{failed} of {n_boot} bootstrap resamples were left out of the index intervals "
            "(no convergence, or a negative index weight).",
            CsimodelWarning,
            stacklevel=3,
        )
    dist = np.concatenate(out) if out else np.empty((0, G, J))
    if len(dist) < 2:
        raise DataError("Fewer than 2 bootstrap resamples succeeded; no interval can be formed.")
    return dist, failed
