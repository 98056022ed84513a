"""Lazy scores of Dask/Parquet data: standardized construct scores of a fit, and 0-100
construct indices from plain arrays (``map_partitions`` with an explicit ``meta``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import list_some
from ..data import _check_items_present, _numeric_block
from ..exceptions import DataError
from .door import _ROWS_SHOWN, DistributedData, _apply_policy, _labels, _to_dask_frame

__all__ = [
    "construct_scores",
    "index_weights",
    "score_partition",
    "index_scores",
    "index_means",
    "scoring_model_scores",
    "scoring_model_indices",
]


def _std_scores_partition(pdf, items, codes, missing, impute_means, wcol, mean, scale, W, names):
    X, idx, _ = _apply_policy(pdf, items, codes, missing, impute_means, wcol)
    Y = ((X - mean) / scale) @ W
    return pd.DataFrame(Y, index=idx, columns=names)


def construct_scores(res: Any):
    """Lazy standardized construct scores of a fit from Dask/Parquet data.

    The out-of-memory counterpart of ``FitResults.scores``: one row per used respondent
    (the fit's missing-data policy re-applied row-wise), one column per construct.

    Parameters
    ----------
    res : FitResults
        Fitted with Dask/Parquet data (``res.data`` is a :class:`DistributedData`).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; call ``.compute()`` or write it with ``.to_parquet(...)``.
    """
    data = res.data
    if not isinstance(data, DistributedData):
        raise DataError(
            "construct_scores() is for fits from Dask/Parquet data; use res.scores for "
            "in-memory fits."
        )
    sd = res.arrays.item_sd[0]
    scale = sd if getattr(res.estimator, "standardize", True) else np.ones_like(sd)
    names = list(res.model.constructs)
    meta = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in names}, index=data.frame._meta.index[:0]
    )
    codes = np.asarray(data.missing_values, dtype=float) if data.missing_values else None
    return data.frame.map_partitions(
        _std_scores_partition,
        data.items,
        codes,
        data.missing,
        data.impute_means,
        data.weights,
        res.mean,
        scale,
        res.arrays.weights[0],
        names,
        meta=meta,
    )


def index_weights(
    outer_weights: np.ndarray, item_sd: np.ndarray | None, block_mask: np.ndarray
) -> np.ndarray:
    """Weights of the raw items in 0-100 construct indices.

    :math:`v_{ij} = (w_{ij} / s_i) / \\sum_k (w_{kj} / s_k)` over the items of block *j*:
    the standardized outer weight divided by the item's standard deviation, normalized
    to sum to 1 per construct (pass ``item_sd=None`` when the weights already apply to
    unstandardized items).

    Parameters
    ----------
    outer_weights : ndarray of shape (p, J)
    item_sd : ndarray of shape (p,) or None
    block_mask : ndarray of shape (p, J)
        1 where item *i* belongs to construct *j*.

    Returns
    -------
    ndarray of shape (p, J)

    Examples
    --------
    >>> import numpy as np
    >>> index_weights(np.array([[0.6], [0.4]]), np.array([2.0, 1.0]), np.ones((2, 1)))
    array([[0.42857143],
           [0.57142857]])
    """
    v = np.asarray(outer_weights, dtype=float) * (np.asarray(block_mask) != 0)
    if item_sd is not None:
        v = v / np.asarray(item_sd, dtype=float)[:, None]
    return v / v.sum(axis=0, keepdims=True)


def score_partition(
    pdf: pd.DataFrame,
    items: Sequence[str],
    weights: np.ndarray,
    scale_low: np.ndarray,
    scale_high: np.ndarray,
    constructs: Sequence[str],
    missing_values: Sequence[float] = (),
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """0-100 construct scores of one partition (row-wise; for ``map_partitions``).

    .. math::

        \\text{score}_j = 100\\,\\frac{\\sum_i v_{ij} x_i - \\sum_i v_{ij} \\min_i}
        {\\sum_i v_{ij} \\max_i - \\sum_i v_{ij} \\min_i}

    with ``v`` from :func:`index_weights` and the declared answer scale
    ``[min_i, max_i]``. A respondent with a missing answer in a construct's block gets
    NaN for that construct (other constructs are unaffected). Answers outside the scale
    or infinite raise :class:`DataError` naming the column, partition and rows.

    Parameters
    ----------
    pdf : pandas.DataFrame
        One partition.
    items : sequence of str
    weights : ndarray of shape (p, J)
        Index weights of the raw items (:func:`index_weights`).
    scale_low, scale_high : ndarray of shape (p,)
    constructs : sequence of str
    missing_values : sequence of numbers, default=()
    partition_info : dict, optional
        Filled in by Dask (``{'number': k, ...}``); used in error messages.

    Returns
    -------
    pandas.DataFrame
        Same index as ``pdf``, one float column per construct.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"a": [1.0, 10.0, np.nan], "b": [1.0, 10.0, 5.5]})
    >>> score_partition(df, ["a", "b"], np.array([[0.5], [0.5]]), np.array([1.0, 1.0]),
    ...                 np.array([10.0, 10.0]), ["Sat"])
         Sat
    0    0.0
    1  100.0
    2    NaN
    """
    items = tuple(items)
    part = partition_info["number"] if partition_info else None
    where = f" in partition {part}" if part is not None else ""
    if len(pdf) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in constructs}, index=pdf.index)
    try:
        X = _numeric_block(pdf, items)
    except DataError as e:
        raise DataError(f"{e}{where}") from None
    lo = np.asarray(scale_low, dtype=float)
    hi = np.asarray(scale_high, dtype=float)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        undeclared = [items[k] for k in np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi)))]
        raise DataError(
            f"0-100 scores need the answer scale of every item; undeclared for "
            f"{list_some(undeclared)}. Fit with scale=(low, high)."
        )
    if len(missing_values):
        X[np.isin(X, np.asarray(list(missing_values), dtype=float))] = np.nan
    with np.errstate(invalid="ignore"):
        bad = np.isinf(X) | (X < lo) | (X > hi)
    if bad.any():
        c = int(np.flatnonzero(bad.any(axis=0))[0])
        r = np.flatnonzero(bad[:, c])
        raise DataError(
            f"Column {items[c]!r} has {len(r)} value(s) outside the scale "
            f"[{lo[c]:g}, {hi[c]:g}]{where} (rows {list_some(_labels(pdf.index, r))}"
            f"{'' if len(r) <= _ROWS_SHOWN else f' and {len(r) - _ROWS_SHOWN} more'}), "
            f"e.g. {X[r[0], c]:g}. Fix the data or declare no-answer codes with "
            "missing_values=(...)."
        )
    v = np.asarray(weights, dtype=float)
    nan = np.isnan(X)
    raw = np.where(nan, 0.0, X) @ v
    low = lo @ v
    high = hi @ v
    S = (raw - low) / (high - low) * 100.0
    S[(nan.astype(float) @ (v != 0)) > 0] = np.nan
    return pd.DataFrame(S, index=pdf.index, columns=list(constructs))


def index_scores(
    data: Any,
    items: Sequence[str],
    weights: np.ndarray,
    scale_low: np.ndarray,
    scale_high: np.ndarray,
    constructs: Sequence[str],
    missing_values: Sequence[float] = (),
):
    """Lazy 0-100 construct scores of a Dask DataFrame / Parquet data.

    ``map_partitions`` of :func:`score_partition` with an explicit ``meta``; arguments
    are plain arrays so any scoring front end (e.g. a saved scoring model) can call it.

    Parameters
    ----------
    data : dask.dataframe.DataFrame, path or list of paths
    items, weights, scale_low, scale_high, constructs, missing_values
        As in :func:`score_partition`.

    Returns
    -------
    dask.dataframe.DataFrame
        One float column per construct, same index and partitions as ``data``.
    """
    ddf = _to_dask_frame(data)
    items = tuple(items)
    _check_items_present(ddf._meta, items)
    _numeric_block(ddf._meta, items)
    meta = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in constructs}, index=ddf._meta.index[:0]
    )
    return ddf[list(items)].map_partitions(
        score_partition,
        items,
        np.asarray(weights, dtype=float),
        np.asarray(scale_low, dtype=float),
        np.asarray(scale_high, dtype=float),
        list(constructs),
        tuple(missing_values),
        meta=meta,
    )


def index_means(scores: Any, constructs: Sequence[str], *, by: Any = None, weights: Any = None):
    """Lazy mean 0-100 index per construct, overall or per segment (``by=``).

    Parameters
    ----------
    scores : dask.dataframe.DataFrame
        Output of :func:`index_scores`, with the ``by`` / ``weights`` columns added
        (e.g. ``scores.assign(segment=ddf["segment"])``; same partitions as the source).
    constructs : sequence of str
        Score columns to average.
    by : str or list of str, optional
        Segment column(s).
    weights : str, optional
        Case-weight column; respondents with a NaN score of a construct are left out of
        that construct's mean (and of its weight total).

    Returns
    -------
    dask.dataframe.Series or DataFrame
        Lazy: the means per construct (a row per segment if ``by``); ``.compute()`` it.
    """
    cols = list(constructs)
    if weights is None:
        return scores[cols].mean() if by is None else scores.groupby(by)[cols].mean()
    w = scores[weights]
    num = scores[cols].mul(w, axis=0)
    den = scores[cols].notnull().astype("float64").mul(w, axis=0)
    if by is None:
        return num.sum() / den.sum()
    keys = [by] if isinstance(by, str) else list(by)
    num = num.assign(**{k: scores[k] for k in keys})
    den = den.assign(**{k: scores[k] for k in keys})
    return num.groupby(keys)[cols].sum() / den.groupby(keys)[cols].sum()


# ----------------------------------------------------------------------------- ScoringModel
def _sm_arrays(sm: Any) -> dict[str, Any]:
    """Plain (picklable) arrays of a ScoringModel for the partition functions."""
    return {
        "items": tuple(sm.items),
        "low": np.array(sm.scale_low),
        "high": np.array(sm.scale_high),
        "a": np.array(sm._a),
        "c": np.array(sm._c),
        "blocks": [np.array(b) for b in sm._blocks_pos],
        "constructs": list(sm.constructs),
    }


def _sm_scores_partition(
    pdf: pd.DataFrame,
    arrays: dict[str, Any],
    missing: str,
    missing_values: tuple[float, ...],
    keep: tuple[str, ...] = (),
    by_cols: tuple[str, ...] = (),
    partition_info: dict | None = None,
) -> pd.DataFrame:
    """Validate one partition like ``ScoringModel.score`` and score it (plus ``keep`` columns;
    ``by_cols`` among them must not be missing)."""
    import warnings

    from ..data import prepare
    from ..exceptions import DataWarning
    from ..scoring.indices import score_array

    part = partition_info["number"] if partition_info else None
    cols = arrays["constructs"]
    if len(pdf) == 0:
        out = pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}, index=pdf.index)
        for k in keep:
            out[k] = pdf[k]
        return out
    lo, hi, items = arrays["low"], arrays["high"], arrays["items"]
    scale = {it: (lo[k], hi[k]) for k, it in enumerate(items)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataWarning)  # exclusions: one warning per partition
            p = prepare(
                pdf,
                items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                owner="ScoringModel.score",
                min_rows=0,
                require_variation=False,
                copy=False,
            )
    except DataError as e:
        raise DataError(f"In partition {part}: {e}" if part is not None else str(e)) from None
    S = score_array(p.X, arrays["a"], arrays["c"], arrays["blocks"])
    out = pd.DataFrame(S, index=p.row_labels, columns=cols)
    for k in keep:
        col = p.column(k)
        if k in by_cols and col.isna().any():
            rows = list(col.index[col.isna().to_numpy()])
            raise DataError(
                f"The by= column {k!r} is missing for {len(rows)} scored row(s) in partition "
                f"{part} (rows {list_some(rows)}). Fill it or drop those rows before scoring."
            )
        out[k] = col.to_numpy()
    return out


def scoring_model_scores(
    sm: Any, data: Any, *, missing: str = "listwise", missing_values: Sequence[float] = ()
):
    """``ScoringModel.score`` for Dask/Parquet data: a lazy Dask DataFrame of 0-100 scores.

    Every partition is validated and scored exactly as ``ScoringModel.score`` does in memory
    (same scale checks, missing-data policy and arithmetic, so scores are bit-identical);
    errors name the partition. Rows left out under ``missing='listwise'`` are simply absent
    from the result (no warning per partition).

    Parameters
    ----------
    sm : ScoringModel
    data : dask.dataframe.DataFrame, path or list of paths
    missing : {'listwise', 'error'}, default='listwise'
    missing_values : sequence of numbers, default=()

    Returns
    -------
    dask.dataframe.DataFrame
        One float column per construct; index = labels of the scored rows.
    """
    from .._validation import check_option

    check_option(missing, "missing", "ScoringModel.score", ("listwise", "error"))
    ddf = _to_dask_frame(data)
    items = tuple(sm.items)
    _check_items_present(ddf._meta, items)
    _numeric_block(ddf._meta, items)
    meta = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in sm.constructs}, index=ddf._meta.index[:0]
    )
    return ddf[list(items)].map_partitions(
        _sm_scores_partition,
        _sm_arrays(sm),
        missing,
        tuple(missing_values),
        meta=meta,
    )


def scoring_model_indices(
    sm: Any,
    data: Any,
    by: Any = None,
    *,
    weights: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
):
    """``ScoringModel.indices`` for Dask/Parquet data: a lazy table of (weighted) mean indices.

    Parameters
    ----------
    sm : ScoringModel
    data : dask.dataframe.DataFrame, path or list of paths
    by : str or list of str, optional
        Segment column(s); without ``by`` the one row is labelled ``'all'``.
    weights : str, optional
        Case-weight column (finite, non-negative).
    missing, missing_values
        As in :func:`scoring_model_scores`.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy; one row per segment (order not guaranteed: ``.compute().sort_index()``),
        one column per construct plus ``n`` (scored rows). A segment whose weights sum to
        zero gets NaN (the in-memory method raises instead; it sees all rows at once).
    """
    from .._validation import check_option
    from ..scoring.indices import _by_list

    check_option(missing, "missing", "ScoringModel.indices", ("listwise", "error"))
    keys = _by_list(by)
    if weights is not None and not isinstance(weights, str):
        raise DataError(
            "With a Dask DataFrame or Parquet data, weights= must be the name of a weight "
            f"column. Got {type(weights).__name__} instead."
        )
    ddf = _to_dask_frame(data)
    items = tuple(sm.items)
    _check_items_present(ddf._meta, items)
    _numeric_block(ddf._meta, items)
    for k in keys + ([weights] if weights else []):
        if k not in ddf._meta.columns:
            raise DataError(f"Column {k!r} (by= / weights=) is not in the data.")
    if weights is not None:
        wd = ddf._meta[weights].dtype
        if not pd.api.types.is_numeric_dtype(wd) or pd.api.types.is_bool_dtype(wd):
            raise DataError(f"Weight column {weights!r} must be numeric. Got {wd} instead.")
    cons = list(sm.constructs)
    keep = tuple(keys) + ((weights,) if weights else ())
    cols = list(dict.fromkeys(list(items) + list(keep)))
    meta = pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in cons}, index=ddf._meta.index[:0]
    ).assign(**{k: ddf._meta[k] for k in keep})
    scores = ddf[cols].map_partitions(
        _sm_scores_partition,
        _sm_arrays(sm),
        missing,
        tuple(missing_values),
        keep,
        tuple(keys),
        meta=meta,
    )
    if not keys:
        scores = scores.assign(segment="all")
        keys = ["segment"]
    if weights is not None:
        scores = scores.map_partitions(_check_weights, weights, meta=scores._meta)
        w = scores[weights]
        num = scores[cons].mul(w, axis=0).assign(__w__=w, n=1)
    else:
        num = scores[cons].assign(__w__=1.0, n=1)
    num = num.assign(**{k: scores[k] for k in keys})
    sums = num.groupby(keys)[[*cons, "__w__", "n"]].sum()
    out = sums[cons].div(sums["__w__"], axis=0)
    return out.assign(n=sums["n"])


def _check_weights(pdf: pd.DataFrame, wcol: str, partition_info: dict | None = None):
    w = pdf[wcol].to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        part = partition_info["number"] if partition_info else None
        raise DataError(
            f"Case weights {wcol!r} must be finite and non-negative; {int(bad.sum())} value(s) "
            f"in partition {part} are not (rows {list_some(list(pdf.index[bad]))}). "
            "Fix the weights."
        )
    return pdf
