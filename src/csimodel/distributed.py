"""Fitting and scoring from data larger than memory: Dask DataFrames and Parquet files.

A PLS fit needs only the item means and covariance matrix, and scoring is row-wise, so
both are map-reduce shaped. This module validates a :class:`dask.dataframe.DataFrame`
(or Parquet files read lazily with Dask) partition by partition with the same rules as
:func:`csimodel.data.prepare`, and builds the moments as a *tree reduction* over
partitions that combines centred co-moments (Chan, Golub & LeVeque 1983):

.. math::

    W = W_a + W_b,\\quad \\delta = \\bar x_b - \\bar x_a,\\quad
    \\bar x = \\bar x_a + \\delta\\, W_b / W,\\quad
    M_2 = M_{2,a} + M_{2,b} + \\delta\\delta^\\top W_a W_b / W,

never raw sums of squares, so it stays accurate for any number of rows. The usual
batched estimator then runs on the moments. Nothing is materialised whole.

Dask is optional (``pip install "csimodel[dask]"``); this module imports it only when
it is used, so ``import csimodel`` never imports Dask.

References
----------
Chan, T. F., Golub, G. H., LeVeque, R. J. (1983). Algorithms for computing the sample
variance: analysis and recommendations. *The American Statistician* 37(3), 242-247.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, reduce
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_option, list_some
from .data import MISSING_POLICIES, _check_items_present, _numeric_block, parse_scale
from .exceptions import CsimodelError, DataError, DataWarning

__all__ = [
    "DistributedData",
    "OptionalDependencyError",
    "is_distributed_input",
    "prepare_distributed",
    "construct_scores",
    "index_weights",
    "score_partition",
    "index_scores",
    "index_means",
    "poisson_bootstrap",
    "PoissonBootstrap",
    "INSTALL_HINT",
]

INSTALL_HINT = 'pip install "csimodel[dask]"'
_PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")
_ROWS_SHOWN = 5
_FAN_IN = 8


class OptionalDependencyError(CsimodelError, ImportError):
    """An optional dependency (here: Dask) is needed but not installed."""


# ----------------------------------------------------------------------------- detection
def _is_dask_collection(obj: Any) -> bool:
    mod = type(obj).__module__ or ""
    return mod.split(".")[0] in ("dask", "dask_expr") and hasattr(obj, "__dask_graph__")


def _is_parquet_path(obj: Any) -> bool:
    if isinstance(obj, (str, os.PathLike)):
        s = os.fspath(obj)
        if s.lower().endswith(_PARQUET_SUFFIXES):
            return True
        if os.path.isdir(s):
            for _root, _dirs, files in os.walk(s):
                if any(f.lower().endswith(_PARQUET_SUFFIXES) for f in files):
                    return True
        return False
    if isinstance(obj, (list, tuple)) and obj:
        return all(
            isinstance(o, (str, os.PathLike)) and os.fspath(o).lower().endswith(_PARQUET_SUFFIXES)
            for o in obj
        )
    return False


def is_distributed_input(data: Any) -> bool:
    """True for a Dask collection or a Parquet path / directory / list of Parquet files.

    Checks types and file names only; never imports Dask.

    Examples
    --------
    >>> import csimodel as cm
    >>> is_distributed_input(cm.datasets.load_ecsi_mobi())
    False
    >>> is_distributed_input(["wave1.parquet", "wave2.parquet"])
    True
    """
    return _is_dask_collection(data) or _is_parquet_path(data)


def _import_dask():
    try:
        import dask
        import dask.dataframe as dd
    except ImportError as e:
        raise OptionalDependencyError(
            "Data given as a Dask DataFrame or as Parquet files needs Dask, which is not "
            f"installed ({e}). Install it with: {INSTALL_HINT}"
        ) from None
    return dask, dd


def _to_dask_frame(data: Any, columns: Sequence[str] | None = None):
    """A Dask DataFrame from a Dask DataFrame or Parquet path(s) (lazy)."""
    dask, dd = _import_dask()
    if _is_parquet_path(data):
        src = [os.fspath(p) for p in data] if isinstance(data, (list, tuple)) else os.fspath(data)
        try:
            return dd.read_parquet(src)
        except (OSError, ValueError) as e:
            raise DataError(f"Could not read the Parquet data {src!r}: {e}") from None
    if isinstance(data, dd.DataFrame):
        return data
    raise DataError(
        f"A Dask collection of type {type(data).__name__} cannot be used as data; pass a "
        "dask.dataframe.DataFrame with one row per respondent and one column per item."
    )


# ----------------------------------------------------------------------------- partition pass
def _new_stats(p: int, max_records: int) -> dict[str, Any]:
    return {
        "n_total": 0,
        "n_used": 0,
        "W": 0.0,
        "mean": np.zeros(p),
        "M2": np.zeros((p, p)),
        "cmin": np.full(p, np.inf),
        "cmax": np.full(p, -np.inf),
        "w_integer": True,
        "w_positive": False,
        "obs_W": np.zeros(p),  # pass 1 of missing='mean': observed weight per item
        "obs_mean": np.zeros(p),
        "errors": [],  # (kind, column, partition, count, rows, values)
        "excl_counts": {},
        "excl_records": [],  # (row, column, reason, partition)
        "imp_counts": {},
        "imp_records": [],
        "max_records": max_records,
        "partitions": 0,
    }


def _fold_mean(W_a, m_a, W_b, m_b):
    """Combine weighted means (elementwise weights allowed)."""
    W = W_a + W_b
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(W > 0, m_a + (m_b - m_a) * np.where(W > 0, W_b / W, 0.0), 0.0)
    return W, m


def _combine_two(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Chan et al. pairwise update of (W, mean, M2) plus all counts and bounded records."""
    out = dict(a)
    out["n_total"] = a["n_total"] + b["n_total"]
    out["n_used"] = a["n_used"] + b["n_used"]
    out["partitions"] = a["partitions"] + b["partitions"]
    Wa, Wb = a["W"], b["W"]
    if Wb == 0:
        pass
    elif Wa == 0:
        out["W"], out["mean"], out["M2"] = Wb, b["mean"], b["M2"]
    else:
        W = Wa + Wb
        d = b["mean"] - a["mean"]
        out["W"] = W
        out["mean"] = a["mean"] + d * (Wb / W)
        out["M2"] = a["M2"] + b["M2"] + np.outer(d, d) * (Wa * Wb / W)
    out["cmin"] = np.minimum(a["cmin"], b["cmin"])
    out["cmax"] = np.maximum(a["cmax"], b["cmax"])
    out["w_integer"] = a["w_integer"] and b["w_integer"]
    out["w_positive"] = a["w_positive"] or b["w_positive"]
    out["obs_W"], out["obs_mean"] = _fold_mean(a["obs_W"], a["obs_mean"], b["obs_W"], b["obs_mean"])
    k = a["max_records"]
    out["errors"] = (a["errors"] + b["errors"])[: max(k, 50)]
    for key in ("excl_counts", "imp_counts"):
        c = dict(a[key])
        for r, v in b[key].items():
            c[r] = c.get(r, 0) + v
        out[key] = c
    out["excl_records"] = (a["excl_records"] + b["excl_records"])[:k]
    out["imp_records"] = (a["imp_records"] + b["imp_records"])[:k]
    return out


def _combine_many(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return reduce(_combine_two, parts)


def _labels(index: pd.Index, rows: np.ndarray) -> list[Any]:
    return list(index[rows[:_ROWS_SHOWN]])


def _partition_stats(
    pdf: pd.DataFrame,
    part: int,
    items: tuple[str, ...],
    lo: np.ndarray,
    hi: np.ndarray,
    codes: np.ndarray | None,
    wcol: str | None,
    missing: str,
    stage: str,
    impute_means: np.ndarray | None,
    max_records: int,
) -> dict[str, Any]:
    """Validate one partition and return its counts, records and centred moments.

    ``stage`` is 'moments' (validate + moments) or 'means' (validate + observed item
    means, pass 1 of ``missing='mean'``).
    """
    p = len(items)
    st = _new_stats(p, max_records)
    st["partitions"] = 1
    n = len(pdf)
    st["n_total"] = n
    if n == 0:
        return st
    index = pdf.index
    errors = st["errors"]
    try:
        X = _numeric_block(pdf, items)
    except DataError as e:
        errors.append(("text", None, part, 0, [], [str(e)]))
        return st
    if codes is not None:
        X[np.isin(X, codes)] = np.nan
    nan = np.isnan(X)
    inf = np.isinf(X)
    if inf.any():
        for c in np.flatnonzero(inf.any(axis=0)):
            r = np.flatnonzero(inf[:, c])
            errors.append(("inf", items[c], part, len(r), _labels(index, r), []))
    declared = np.isfinite(lo)
    if declared.any():
        with np.errstate(invalid="ignore"):
            out = ((X < lo) | (X > hi)) & declared & ~inf
        if out.any():
            for c in np.flatnonzero(out.any(axis=0)):
                r = np.flatnonzero(out[:, c])
                vals = sorted(set(X[r, c].tolist()))[:3]
                errors.append(("scale", items[c], part, len(r), _labels(index, r), vals))
    w = None
    if wcol is not None:
        col = pdf[wcol]
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            errors.append(("weight_type", wcol, part, n, [], [str(col.dtype)]))
            return st
        w = col.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(w) | (w < 0)
        if bad.any():
            r = np.flatnonzero(bad)
            errors.append(("weight", wcol, part, len(r), _labels(index, r), []))
        st["w_positive"] = bool(np.any(w > 0))
    row_nan = nan.any(axis=1)
    w_nan = np.isnan(w) if w is not None else None
    if missing == "error":
        for c in np.flatnonzero(nan.any(axis=0)):
            r = np.flatnonzero(nan[:, c])
            errors.append(("missing", items[c], part, len(r), _labels(index, r), []))
        if w_nan is not None and w_nan.any():
            r = np.flatnonzero(w_nan)
            errors.append(("missing", wcol, part, len(r), _labels(index, r), []))
    if errors:
        return st

    keep = np.ones(n, dtype=bool)
    counts = st["excl_counts"]
    recs = st["excl_records"]

    def exclude(rows: np.ndarray, cols: list[str], reason: str) -> None:
        keep[rows] = False
        counts[reason] = counts.get(reason, 0) + len(rows)
        room = max_records - len(recs)
        for rr, cc in zip(rows[:room], cols[:room], strict=False):
            recs.append((index[rr], cc, reason, part))

    if w_nan is not None and w_nan.any():
        r = np.flatnonzero(w_nan)
        exclude(r, [wcol] * min(len(r), max_records), "missing weight")
    if missing == "listwise" and row_nan.any():
        r = np.flatnonzero(row_nan & keep)
        room = max(0, max_records - len(recs))
        cols = [", ".join(items[c] for c in np.flatnonzero(nan[rr])) for rr in r[:room]]
        exclude(r, cols, "missing answer")
    if w is not None:
        zero = (w == 0) & keep
        if zero.any():
            r = np.flatnonzero(zero)
            exclude(r, [wcol] * min(len(r), max_records), "weight is zero")

    if missing == "mean" and stage == "means":
        obs = keep[:, None] & ~nan
        wk = np.ones(n) if w is None else np.where(keep, w, 0.0)
        Wc = (obs * wk[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mc = np.where(Wc > 0, np.where(obs, X, 0.0).T @ wk / np.where(Wc > 0, Wc, 1.0), 0.0)
        st["obs_W"], st["obs_mean"] = Wc, mc
        return st
    if missing == "mean" and row_nan.any():
        nan_kept = nan & keep[:, None]
        irecs = st["imp_records"]
        for c in np.flatnonzero(nan_kept.any(axis=0)):
            r = np.flatnonzero(nan_kept[:, c])
            m = float(impute_means[c])
            X[r, c] = m
            st["imp_counts"][items[c]] = st["imp_counts"].get(items[c], 0) + len(r)
            room = max_records - len(irecs)
            for rr in r[:room]:
                irecs.append(
                    (index[rr], items[c], f"missing answer replaced by item mean {m:.6g}", part)
                )

    Xk = X[keep] if not keep.all() else X
    wk = None if w is None else w[keep]
    nk = Xk.shape[0]
    st["n_used"] = nk
    if nk == 0:
        return st
    if wk is not None:
        st["w_integer"] = bool(np.all(wk == np.round(wk)))
        W = float(wk.sum())
        mean = (wk @ Xk) / W
        xc = Xk - mean
        M2 = (xc * wk[:, None]).T @ xc
    else:
        W = float(nk)
        mean = Xk.mean(axis=0)
        xc = Xk - mean
        M2 = xc.T @ xc
    st["W"], st["mean"], st["M2"] = W, mean, M2
    st["cmin"], st["cmax"] = Xk.min(axis=0), Xk.max(axis=0)
    return st


def _tree_reduce(ddf, **kwargs) -> dict[str, Any]:
    """Per-partition stats combined in a tree of fan-in 8 (one dask.compute)."""
    dask, _ = _import_dask()
    parts = ddf.to_delayed()
    stats = dask.delayed(_partition_stats)
    level = [stats(part, k, **kwargs) for k, part in enumerate(parts)]
    combine = dask.delayed(_combine_many)
    while len(level) > 1:
        level = [combine(level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    (result,) = dask.compute(level[0])
    return result


# ----------------------------------------------------------------------------- errors
def _where(part: int, rows: list[Any], count: int) -> str:
    shown = list_some(rows, _ROWS_SHOWN) if rows else ""
    more = f" and {count - len(rows)} more" if count > len(rows) and rows else ""
    return f"partition {part} (rows {shown}{more})" if rows else f"partition {part}"


def _raise_errors(errors: list[tuple], items: tuple[str, ...], lo, hi, wcol) -> None:
    if not errors:
        return
    kind = errors[0][0]
    errs = [e for e in errors if e[0] == kind]
    if kind == "text":
        raise DataError(f"In partition {errs[0][2]}: {errs[0][5][0]}")
    if kind == "weight_type":
        raise DataError(
            f"Weight column {wcol!r} must be numeric. Got {errs[0][5][0]} in partition "
            f"{errs[0][2]} instead."
        )
    parts = []
    for _k, col, part, count, rows, vals in errs[:_ROWS_SHOWN]:
        if kind == "scale":
            c = items.index(col)
            parts.append(
                f"{col!r}: {count} value(s) outside [{lo[c]:g}, {hi[c]:g}], e.g. "
                f"{', '.join(f'{v:g}' for v in vals)} in {_where(part, rows, count)}"
            )
        else:
            parts.append(f"{col!r}: {count} value(s) in {_where(part, rows, count)}")
    more = f" and {len(errs) - _ROWS_SHOWN} more" if len(errs) > _ROWS_SHOWN else ""
    detail = "; ".join(parts) + more
    if kind == "inf":
        raise DataError(
            f"Infinite values in item column(s): {detail}. "
            "Replace them with valid answers or NaN (missing)."
        )
    if kind == "scale":
        raise DataError(
            f"Answers outside the declared scale: {detail}. Fix the data, correct scale=, or "
            "declare no-answer codes with missing_values=(...)."
        )
    if kind == "weight":
        raise DataError(
            f"Weights must be finite and non-negative; they are not in {detail}. "
            f"Fix the weight column {wcol!r}."
        )
    raise DataError(
        f"Missing answers: {detail}. Choose a policy: missing='listwise' drops those rows, "
        "missing='mean' imputes the item mean."
    )


# ----------------------------------------------------------------------------- the door
@dataclass(frozen=True, eq=False)
class DistributedData:
    """Validated data that stays out of memory (a Dask DataFrame or Parquet files).

    It plays the role of :class:`~csimodel.data.PreparedData` for results fitted from
    Dask/Parquet data: counts, exclusion and imputation accounts, scale ranges, and the
    lazy source frame. The respondents' values are *not* held, so features that need
    them in memory (``FitResults.scores``, the bootstrap) raise :class:`DataError`
    pointing to the lazy alternatives (:func:`construct_scores`, :func:`index_scores`).

    Attributes
    ----------
    items : tuple of str
    scale_low, scale_high : ndarray of shape (n_items,)
    weights : str or None
        Name of the case-weight column (not an array: the values stay on disk/cluster).
    n_total, n_used : int
    excluded_counts, imputed_counts : dict
        Rows excluded by reason; imputed cells by item (complete counts).
    excluded, imputed : pandas.DataFrame
        ``row, column, reason, partition`` for at most ``max_records`` rows/cells.
    missing : str
    frame : dask.dataframe.DataFrame
        The lazy source (for lazy scores).
    impute_means : ndarray or None
        Item means used for ``missing='mean'``.
    npartitions : int
    """

    items: tuple[str, ...]
    scale_low: np.ndarray
    scale_high: np.ndarray
    weights: str | None
    n_total: int
    n_used: int
    excluded_counts: dict[str, int]
    excluded_records: tuple[tuple[Any, str, str, int], ...]
    imputed_counts: dict[str, int]
    imputed_records: tuple[tuple[Any, str, str, int], ...]
    missing: str
    missing_values: tuple[float, ...]
    frame: Any
    impute_means: np.ndarray | None
    npartitions: int
    max_records: int
    weight_total: float = float("nan")  # sum of the used rows' raw case weights
    weights_integer: bool = True

    def _not_in_memory(self, what: str) -> DataError:
        return DataError(
            f"{what} needs the respondents' data in memory, but this fit used a Dask "
            f"DataFrame / Parquet files ({self.n_total} rows in {self.npartitions} partitions). "
            "Use csimodel.distributed.construct_scores(res) or index_scores(...) for lazy "
            "scores (a Dask DataFrame), or fit on a pandas DataFrame (e.g. ddf.compute()) "
            "if the data fits in memory."
        )

    @property
    def X(self) -> np.ndarray:
        raise self._not_in_memory("Respondent-level values (res.scores, the bootstrap)")

    @property
    def row_labels(self) -> pd.Index:
        raise self._not_in_memory("Row labels of used respondents")

    def column(self, name: str) -> pd.Series:
        raise self._not_in_memory(f"Column {name!r} (by=)")

    @property
    def has_scale(self) -> bool:
        return bool(np.all(np.isfinite(self.scale_low)) and np.all(np.isfinite(self.scale_high)))

    @property
    def n_excluded(self) -> int:
        return int(sum(self.excluded_counts.values()))

    @property
    def n_imputed(self) -> int:
        return int(sum(self.imputed_counts.values()))

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """Rows not used (at most ``max_records``): ``row, column, reason, partition``."""
        return pd.DataFrame(
            list(self.excluded_records), columns=["row", "column", "reason", "partition"]
        )

    @cached_property
    def imputed(self) -> pd.DataFrame:
        """Imputed cells (at most ``max_records``): ``row, column, reason, partition``."""
        return pd.DataFrame(
            list(self.imputed_records), columns=["row", "column", "reason", "partition"]
        )


def prepare_distributed(
    data: Any,
    items: Sequence[str],
    *,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: str | None = None,
    owner: str = "fit",
    max_records: int = 1000,
) -> tuple[DistributedData, np.ndarray, np.ndarray]:
    """Validate Dask/Parquet data per partition and build the moments by tree reduction.

    The same rules as :func:`csimodel.data.prepare` (items present, numeric answers,
    finite, inside the declared scale, missing-data policy, weights, constant items),
    checked per partition and combined; errors name the column, the partition and row
    labels. ``missing='mean'`` takes two passes (item means, then moments with
    imputation).

    Parameters
    ----------
    data : dask.dataframe.DataFrame, path or list of paths
        A Dask DataFrame, or Parquet file(s) / a directory of Parquet files (read lazily).
    items : sequence of str
    scale, missing, missing_values
        As in :func:`csimodel.data.prepare`.
    weights : str, optional
        Name of a case-weight column (arrays are not accepted for out-of-memory data).
    max_records : int, default=1000
        At most this many excluded rows / imputed cells are listed with their labels
        (counts by reason are always complete).

    Returns
    -------
    data : DistributedData
    mean : ndarray of shape (p,)
    cov : ndarray of shape (p, p)
        Same conventions as :func:`csimodel.moments.covariance` on the in-memory data.
    """
    check_option(missing, "missing", owner, MISSING_POLICIES)
    items = tuple(items)
    ddf = _to_dask_frame(data)
    meta = ddf._meta
    _check_items_present(meta, items)
    if weights is not None and not isinstance(weights, str):
        raise DataError(
            "With a Dask DataFrame or Parquet data, weights= must be the name of a weight "
            f"column. Got {type(weights).__name__} instead."
        )
    if weights is not None and weights not in meta.columns:
        raise DataError(f"weights={weights!r} is not a column of the data.")
    _numeric_block(meta, items)  # refuses categorical / boolean columns from the schema
    lo, hi = parse_scale(scale, items)
    codes = np.asarray(list(missing_values), dtype=float) if len(missing_values) else None
    if codes is not None and not np.all(np.isfinite(codes)):
        raise DataError("missing_values must be finite numbers, e.g. (-99,).")
    cols = list(items) + ([weights] if weights is not None and weights not in items else [])
    sub = ddf[cols]
    kw = dict(
        items=items,
        lo=lo,
        hi=hi,
        codes=codes,
        wcol=weights,
        missing=missing,
        max_records=max_records,
    )
    impute_means = None
    if missing == "mean":
        first = _tree_reduce(sub, stage="means", impute_means=None, **kw)
        _check_first(first, items, lo, hi, weights)
        no_obs = [items[c] for c in np.flatnonzero(first["obs_W"] == 0)]
        if no_obs:
            raise DataError(
                f"Item(s) {list_some(no_obs)} have no observed answer, so their means cannot be "
                "imputed. Remove the item(s) from the model or supply data."
            )
        impute_means = first["obs_mean"]
    st = _tree_reduce(sub, stage="moments", impute_means=impute_means, **kw)
    _check_first(st, items, lo, hi, weights)
    n_total, n_used = st["n_total"], st["n_used"]
    n_excl = n_total - n_used
    n_imp = sum(st["imp_counts"].values())
    if n_excl or n_imp:
        msg = []
        if n_excl:
            reasons = ", ".join(f"{v} {k}" for k, v in st["excl_counts"].items())
            msg.append(f"{n_excl} of {n_total} rows excluded ({reasons})")
        if n_imp:
            msg.append(
                f"{n_imp} missing answer(s) in {len(st['imp_counts'])} item(s) replaced "
                "by item means"
            )
        warnings.warn(
            "; ".join(msg) + ". See .excluded and .imputed on the result.",
            DataWarning,
            stacklevel=3,
        )
    if n_used < 3:
        raise DataError(
            f"Only {n_used} of {n_total} rows remain after the missing-data policy "
            f"{missing!r}; at least 3 are needed. Check the data or use missing='mean'."
        )
    const = st["cmax"] == st["cmin"]
    if const.any():
        cc = np.flatnonzero(const)
        vals = [f"{st['cmin'][c]:g}" for c in cc][:_ROWS_SHOWN]
        raise DataError(
            f"Item column(s) {list_some([items[c] for c in cc])} have the same answer in every "
            f"used row (value(s) {', '.join(vals)}), so they carry no information. "
            "Remove them from the model."
        )
    W, M2 = st["W"], st["M2"]
    if weights is not None and not st["w_integer"]:
        # prepare() rescales non-integer weights to sum to n_used
        M2 = M2 * (n_used / W)
        W = float(n_used)
    cov = M2 / (W - 1.0)
    cov = (cov + cov.T) / 2.0
    prepared = DistributedData(
        items=items,
        scale_low=lo,
        scale_high=hi,
        weights=weights,
        n_total=n_total,
        n_used=n_used,
        excluded_counts=dict(st["excl_counts"]),
        excluded_records=tuple(st["excl_records"]),
        imputed_counts=dict(st["imp_counts"]),
        imputed_records=tuple(st["imp_records"]),
        missing=missing,
        missing_values=tuple(float(v) for v in missing_values),
        frame=sub,
        impute_means=impute_means,
        npartitions=st["partitions"],
        max_records=max_records,
        weight_total=float(st["W"]),
        weights_integer=bool(st["w_integer"]),
    )
    return prepared, st["mean"].copy(), cov


def _check_first(st: dict[str, Any], items, lo, hi, weights) -> None:
    _raise_errors(st["errors"], items, lo, hi, weights)
    if st["n_total"] == 0:
        raise DataError("The data has no rows.")
    if weights is not None and not st["w_positive"]:
        raise DataError(f"All weights in {weights!r} are zero; at least one must be positive.")


# ----------------------------------------------------------------------------- scoring
def _apply_policy(
    pdf: pd.DataFrame,
    items: tuple[str, ...],
    codes: np.ndarray | None,
    missing: str,
    impute_means: np.ndarray | None,
    wcol: str | None,
) -> tuple[np.ndarray, pd.Index, np.ndarray | None]:
    """Item values, labels and case weights of the rows a fit used (policy re-applied)."""
    X = _numeric_block(pdf, items)
    if codes is not None:
        X[np.isin(X, codes)] = np.nan
    nan = np.isnan(X)
    keep = np.ones(len(pdf), dtype=bool)
    w = None
    if wcol is not None:
        w = pdf[wcol].to_numpy(dtype=float, na_value=np.nan)
        keep &= ~np.isnan(w) & (w != 0)
    if missing == "mean" and impute_means is not None:
        X = np.where(nan, impute_means, X)
    else:
        keep &= ~nan.any(axis=1)
    return X[keep], pdf.index[keep], None if w is None else w[keep]


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


# ----------------------------------------------------------------------------- bootstrap
_BOOT_ROWS = 1 << 13


def _poisson_counts(seed: int, part: int, chunk: int, n_boot: int, m: int) -> np.ndarray:
    """Counts of used rows ``[chunk*8192, ...)`` of partition ``part``: ``(n_boot, m)``."""
    return np.random.default_rng([seed, part, chunk]).poisson(1.0, size=(n_boot, m)).astype(float)


def _partition_boot(
    pdf, part, items, codes, missing, impute_means, wcol, wscale, n_boot, seed
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson(1) resample counts for one partition -> (W (B,), mean (B,p), M2 (B,p,p))."""
    X, _, w = _apply_policy(pdf, items, codes, missing, impute_means, wcol)
    n, p = X.shape
    W = np.zeros(n_boot)
    mean = np.zeros((n_boot, p))
    M2 = np.zeros((n_boot, p, p))
    if n == 0:
        return W, mean, M2
    c = X.mean(axis=0)
    XT = np.ascontiguousarray((X - c).T)
    iu, ju = np.triu_indices(p)
    acc = np.zeros((n_boot, p + len(iu)))
    for chunk, start in enumerate(range(0, n, _BOOT_ROWS)):
        stop = min(start + _BOOT_ROWS, n)
        F = _poisson_counts(seed, part, chunk, n_boot, stop - start)
        if w is not None:
            F *= w[start:stop] * wscale
        YT = XT[:, start:stop]
        ZT = np.empty((p + len(iu), stop - start))
        ZT[:p] = YT
        k = p
        for i in range(p):  # upper-triangle cross-products (np.triu_indices order)
            np.multiply(YT[i], YT[i:], out=ZT[k : k + p - i])
            k += p - i
        acc += (ZT @ F.T).T  # contiguous rows; much faster than F @ Z for a short, wide F
        W += F.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = acc[:, :p] / W[:, None]
        tri = acc[:, p:] - W[:, None] * d[:, iu] * d[:, ju]
    M2[:, iu, ju] = tri
    M2[:, ju, iu] = tri
    return W, np.where(W[:, None] > 0, c + d, 0.0), np.where(W[:, None, None] > 0, M2, 0.0)


def _combine_boot(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]):
    """Batched Chan et al. update over partitions."""

    def two(a, b):
        Wa, ma, Ma = a
        Wb, mb, Mb = b
        W = Wa + Wb
        with np.errstate(invalid="ignore", divide="ignore"):
            f = np.where(W > 0, Wb / W, 0.0)
            g = np.where(W > 0, Wa * Wb / W, 0.0)
        d = mb - ma
        return W, ma + d * f[:, None], Ma + Mb + d[:, :, None] * d[:, None, :] * g[:, None, None]

    return reduce(two, parts)


@dataclass(frozen=True, eq=False)
class PoissonBootstrap:
    """Poisson bootstrap of a fit from Dask/Parquet data.

    Attributes
    ----------
    draws : pandas.DataFrame
        One row per resample, one column per parameter (MultiIndex ``lhs, op, rhs`` in the
        row order of ``FitResults.params``).
    params : pandas.DataFrame
        ``lhs, op, rhs, estimate, se, ci_lower, ci_upper`` (percentile intervals).
    n_boot, n_failed : int
        Resamples drawn; resamples that did not converge (left out of ``se`` and the CIs).
    level : float
    """

    draws: pd.DataFrame
    params: pd.DataFrame
    n_boot: int
    n_failed: int
    level: float


def poisson_bootstrap(
    res: Any, *, n_boot: int = 200, random_state: int = 0, level: float = 0.95
) -> PoissonBootstrap:
    """Bootstrap standard errors for a fit from Dask/Parquet data in one more data pass.

    Each used respondent gets an independent Poisson(1) count in every resample (the
    Poisson bootstrap, which approximates the multinomial resampling of the classical
    bootstrap for large *n*; Hanley & MacGibbon 2006, Chamandy et al. 2012). Counts are
    drawn per partition from ``numpy.random.default_rng([random_state, partition])``, so
    the result is reproducible and independent of the cluster. Every partition returns the
    ``(n_boot, p, p)`` centred co-moments of its resamples; they are combined by the same
    tree reduction as the fit, and the batched engine estimates all resamples at once.

    Parameters
    ----------
    res : FitResults
        A fit from Dask/Parquet data.
    n_boot : int, default=200
    random_state : int, default=0
    level : float, default=0.95

    Returns
    -------
    PoissonBootstrap

    References
    ----------
    Hanley, J. A., MacGibbon, B. (2006). Creating non-parametric bootstrap samples using
    Poisson frequencies. *Computer Methods and Programs in Biomedicine* 83, 57-62.
    Chamandy, N., Muralidharan, O., Najmi, A., Naidu, S. (2012). Estimating uncertainty for
    massive data streams. Google technical report.
    """
    from ._validation import check_number
    from .estimators.base import flatten_params, param_rows

    data = res.data
    if not isinstance(data, DistributedData):
        raise DataError(
            "poisson_bootstrap() is for fits from Dask/Parquet data; in-memory fits use the "
            "classical bootstrap."
        )
    check_number(n_boot, "n_boot", "poisson_bootstrap", integer=True, low=2)
    check_number(random_state, "random_state", "poisson_bootstrap", integer=True, low=0)
    check_number(level, "level", "poisson_bootstrap", low=0, high=1, low_open=True, high_open=True)
    dask, _ = _import_dask()
    wscale = 1.0
    if data.weights is not None and not data.weights_integer:
        wscale = data.n_used / data.weight_total
    codes = np.asarray(data.missing_values, dtype=float) if data.missing_values else None
    boot = dask.delayed(_partition_boot)
    level_ = [
        boot(
            part,
            k,
            data.items,
            codes,
            data.missing,
            data.impute_means,
            data.weights,
            wscale,
            n_boot,
            random_state,
        )
        for k, part in enumerate(data.frame.to_delayed())
    ]
    combine = dask.delayed(_combine_boot)
    while len(level_) > 1:
        level_ = [combine(level_[i : i + _FAN_IN]) for i in range(0, len(level_), _FAN_IN)]
    ((W, _mean, M2),) = dask.compute(level_[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        S = M2 / (W - 1.0)[:, None, None]
    S = (S + S.transpose(0, 2, 1)) / 2.0
    est = res.estimator.estimate(S, res.model)
    flat = flatten_params(est, res.model)
    ok = est.converged & np.all(np.isfinite(flat), axis=1)
    cols = pd.MultiIndex.from_tuples(param_rows(res.model), names=["lhs", "op", "rhs"])
    draws = pd.DataFrame(flat, columns=cols)
    good = flat[ok]
    a = (1 - level) / 2
    table = res.params.copy()
    table["se"] = good.std(axis=0, ddof=1) if len(good) > 1 else np.nan
    table["ci_lower"] = np.quantile(good, a, axis=0) if len(good) else np.nan
    table["ci_upper"] = np.quantile(good, 1 - a, axis=0) if len(good) else np.nan
    return PoissonBootstrap(
        draws=draws, params=table, n_boot=n_boot, n_failed=int((~ok).sum()), level=level
    )
