"""The out-of-memory data door: detect Dask/Parquet input, validate it partition by
partition with the rules of :func:`csimodel.data.prepare`, and reduce it to moments.

Partition results are combined in a tree (fan-in 8) with the pairwise update of Chan,
Golub & LeVeque (1983) for weights, means and centred co-moments.
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

from .. import _suspect
from .._validation import check_option, list_some
from ..data import MISSING_POLICIES, _check_items_present, _numeric_block, parse_scale
from ..exceptions import CsimodelError, DataError, DataWarning, SuspectedCodeError

__all__ = [
    "DistributedData",
    "OptionalDependencyError",
    "is_distributed_input",
    "prepare_distributed",
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


def _to_dask_frame(data: Any):
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
        "suspect": {},  # item -> (body_min, body_max, {candidate: count}, overflow, examples)
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
    out["suspect"] = _merge_suspect(a["suspect"], b["suspect"])
    return out


def _merge_suspect(a: dict[str, tuple], b: dict[str, tuple]) -> dict[str, tuple]:
    """Combine per-item value summaries of the suspected-code rule (exactly)."""
    out = dict(a)
    for item, sb in b.items():
        sa = out.get(item)
        if sa is None:
            out[item] = sb
            continue
        merged = _suspect.merge(sa[:4], sb[:4])
        ex = dict(sa[4])
        for v, rows in sb[4].items():
            ex[v] = (ex.get(v, []) + rows)[:_ROWS_SHOWN]
        out[item] = (*merged, {v: r for v, r in ex.items() if v in merged[2]})
    return out


def _suspect_summary(X: np.ndarray, items, undeclared, index, part: int) -> dict[str, tuple]:
    """Per-item value summaries (undeclared items only) with example (row, partition) pairs."""
    out = {}
    for c in np.flatnonzero(undeclared):
        col = X[:, c]
        bmin, bmax, cand, overflow = _suspect.summarize(col)
        ex = {v: [(index[r], part) for r in np.flatnonzero(col == v)[:_ROWS_SHOWN]] for v in cand}
        out[items[c]] = (bmin, bmax, cand, overflow, ex)
    return out


def _check_suspect(st: dict[str, Any]) -> None:
    """Raise :class:`SuspectedCodeError` for suspected codes over all partitions."""
    found = []
    for item, (bmin, bmax, cand, overflow, ex) in st["suspect"].items():
        codes = _suspect.suspected_codes(bmin, bmax, cand, overflow)
        if codes:
            count = sum(cand[v] for v in codes)
            pairs = [pr for v in codes for pr in ex.get(v, [])][:_ROWS_SHOWN]
            where = "; ".join(f"partition {p} row {r}" for r, p in pairs)
            more = f" and {count - len(pairs)} more" if count > len(pairs) else ""
            found.append((item, codes, count, where + more, bmin, bmax))
    if found:
        raise SuspectedCodeError(
            _suspect.message(found), codes=sorted({v for f in found for v in f[1]})
        )


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
    suspect: bool = True,
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
    if suspect:
        st["suspect"] = _suspect_summary(X, items, ~np.isfinite(lo), index, part)
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
        exclude(r, [str(wcol)] * min(len(r), max_records), "missing weight")
    if missing == "listwise" and row_nan.any():
        r = np.flatnonzero(row_nan & keep)
        room = max(0, max_records - len(recs))
        cols = [", ".join(items[c] for c in np.flatnonzero(nan[rr])) for rr in r[:room]]
        exclude(r, cols, "missing answer")
    if w is not None:
        zero = (w == 0) & keep
        if zero.any():
            r = np.flatnonzero(zero)
            exclude(r, [str(wcol)] * min(len(r), max_records), "weight is zero")

    if missing == "mean" and stage == "means":
        obs = keep[:, None] & ~nan
        wk = np.ones(n) if w is None else np.where(keep, w, 0.0)
        Wc = (obs * wk[:, None]).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mc = np.where(Wc > 0, np.where(obs, X, 0.0).T @ wk / np.where(Wc > 0, Wc, 1.0), 0.0)
        st["obs_W"], st["obs_mean"] = Wc, mc
        return st
    if missing == "mean" and impute_means is not None and row_nan.any():
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
    w_used = None if w is None else w[keep]
    nk = Xk.shape[0]
    st["n_used"] = nk
    if nk == 0:
        return st
    if w_used is not None:
        st["w_integer"] = bool(np.all(w_used == np.round(w_used)))
        W = float(w_used.sum())
        mean = (w_used @ Xk) / W
        xc = Xk - mean
        M2 = (xc * w_used[:, None]).T @ xc
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
    suspect_codes: str = "error",
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
    scale, missing, missing_values, suspect_codes
        As in :func:`csimodel.data.prepare` (suspected codes are judged over all partitions).
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
    check_option(suspect_codes, "suspect_codes", owner, _suspect.SUSPECT_POLICIES)
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
        suspect=suspect_codes == "error",
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
    # the order of prepare(): unreadable/infinite values, suspected codes, then the rest
    if not any(e[0] in ("text", "inf", "weight_type") for e in st["errors"]):
        _check_suspect(st)
    _raise_errors(st["errors"], items, lo, hi, weights)
    if st["n_total"] == 0:
        raise DataError("The data has no rows.")
    if weights is not None and not st["w_positive"]:
        raise DataError(f"All weights in {weights!r} are zero; at least one must be positive.")


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
