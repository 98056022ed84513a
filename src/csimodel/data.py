"""The data door: the only place where user data enters csimodel.

:func:`prepare` validates a table of survey answers against a model's items and
returns a :class:`PreparedData` (a float array in item order plus an account of
every row: how many were used, which were excluded and why, which cells were
imputed).
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_option, list_some
from .exceptions import DataError, DataWarning

__all__ = ["PreparedData", "prepare", "parse_scale"]

MISSING_POLICIES = ("listwise", "mean", "error")
_BOM = re.compile("^(\ufeff|\u00ef\u00bb\u00bf)+")  # as text, and as UTF-8 read as Latin-1
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_ROWS_SHOWN = 5


@dataclass(frozen=True, eq=False)
class PreparedData:
    """Validated survey data in model item order.

    Attributes
    ----------
    X : ndarray of shape (n_used, n_items)
        Item values as float64 (raw answer scale; imputed cells filled).
    items : tuple of str
        Column names, in the order of ``X``'s columns.
    scale_low, scale_high : ndarray of shape (n_items,)
        Declared answer-scale ends per item (NaN where not declared).
    weights : ndarray of shape (n_used,) or None
        Case weights (frequency weights if all integer, else rescaled to sum to n_used).
    row_labels : pandas.Index
        Index labels of the used rows.
    n_total : int
        Rows in the input.
    excluded : pandas.DataFrame
        Columns ``row, column, reason``: one line per row not used.
    imputed : pandas.DataFrame
        Columns ``row, column, reason``: one line per imputed cell.
    missing : str
        The missing-data policy applied.
    """

    X: np.ndarray
    items: tuple[str, ...]
    scale_low: np.ndarray
    scale_high: np.ndarray
    weights: np.ndarray | None
    row_labels: pd.Index
    n_total: int
    excluded_records: tuple[tuple[Any, str, str], ...]
    imputed_records: tuple[tuple[Any, str, str], ...]
    missing: str
    frame: pd.DataFrame | None = None  # shallow copy of the input (for ``by=`` columns)
    used_positions: np.ndarray | None = None

    @property
    def n_used(self) -> int:
        return self.X.shape[0]

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """Rows not used: ``row, column, reason``."""
        return pd.DataFrame(list(self.excluded_records), columns=["row", "column", "reason"])

    @cached_property
    def imputed(self) -> pd.DataFrame:
        """Imputed cells: ``row, column, reason``."""
        return pd.DataFrame(list(self.imputed_records), columns=["row", "column", "reason"])

    @property
    def has_scale(self) -> bool:
        return bool(np.all(np.isfinite(self.scale_low)) and np.all(np.isfinite(self.scale_high)))

    def column(self, name: str) -> pd.Series:
        """A non-item column of the input, restricted to the used rows (for ``by=``)."""
        if self.frame is None or name not in self.frame.columns:
            avail = [] if self.frame is None else list(self.frame.columns)
            raise DataError(
                f"Column {name!r} is not in the fitted data. "
                f"Available: {list_some(avail, 10)}. Pass a column of the data given to fit()."
            )
        return self.frame[name].iloc[self.used_positions]


def _rows(labels: Sequence[Any]) -> str:
    return list_some(list(labels), _ROWS_SHOWN)


def parse_scale(scale: Any, items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Turn ``scale=`` into (low, high) arrays per item (NaN when undeclared).

    ``scale`` is ``None``, a pair ``(low, high)`` for every item, or a dict
    ``item -> (low, high)`` (items not in the dict stay undeclared).
    """
    p = len(items)
    lo = np.full(p, np.nan)
    hi = np.full(p, np.nan)
    if scale is None:
        return lo, hi

    def pair(v: Any, what: str) -> tuple[float, float]:
        try:
            a, b = v
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            raise DataError(
                f"The answer scale for {what} must be a pair (low, high), e.g. scale=(1, 10). "
                f"Got {v!r} instead."
            ) from None
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise DataError(
                f"The answer scale for {what} must have finite ends with low < high. "
                f"Got {v!r} instead."
            )
        return a, b

    if isinstance(scale, Mapping):
        unknown = [k for k in scale if k not in items]
        if unknown:
            raise DataError(
                f"scale= names column(s) {_rows(unknown)} that are not items of the model. "
                "Use item (column) names as keys."
            )
        pos = {c: k for k, c in enumerate(items)}
        for k, v in scale.items():
            lo[pos[k]], hi[pos[k]] = pair(v, f"item {k!r}")
    else:
        a, b = pair(scale, "all items")
        lo[:] = a
        hi[:] = b
    return lo, hi


def _to_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, np.ndarray) and data.dtype.names:
        return pd.DataFrame.from_records(data)
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(data)
        except ValueError as e:
            raise DataError(f"Could not turn the dict of columns into a table: {e}") from None
    if isinstance(data, np.ndarray):
        raise DataError(
            "A plain array has no column names, so items cannot be matched. "
            "Wrap it: pd.DataFrame(array, columns=[...item names...])."
        )
    kind = f"{type(data).__module__}.{type(data).__name__}"
    if kind.startswith("dask"):
        raise DataError(
            f"This step needs the data in memory and got a Dask {type(data).__name__}. "
            "cm.PLS and cm.PLSc fit Dask data directly (see docs/scale.md); for other "
            "estimators and analyses call .compute() first."
        )
    raise DataError(
        f"data must be a pandas DataFrame (or a dict of columns / a structured array). "
        f"Got {kind} instead."
    )


def _numeric_block(df: pd.DataFrame, items: Sequence[str], copy: bool = True) -> np.ndarray:
    """Item columns as a float64 array; refuse text, categories and booleans."""
    all_dtypes = list(df.dtypes)
    if len(all_dtypes) <= 2 * len(items) and all(
        isinstance(dt, np.dtype) and dt.kind in "iuf" for dt in all_dtypes
    ):
        # fast path: a plain numeric frame (one conversion, then a column take if needed)
        pos = {c: k for k, c in enumerate(df.columns)}
        idx = np.fromiter((pos[c] for c in items), dtype=np.intp, count=len(items))
        X = df.to_numpy(dtype=np.float64, copy=copy)
        if len(idx) != X.shape[1] or np.any(idx != np.arange(X.shape[1])):
            X = X[:, idx]
        return X
    dtypes = df.dtypes
    bad_text: dict[str, list[Any]] = {}
    converted: dict[str, np.ndarray] = {}
    for c in items:
        dt = dtypes[c]
        if isinstance(dt, pd.CategoricalDtype):
            raise DataError(
                f"Column {c!r} is categorical. csimodel never uses category codes as answers; "
                f"convert it explicitly, e.g. df[{c!r}] = df[{c!r}].astype(float) if its "
                "categories are the numeric answers."
            )
        if pd.api.types.is_bool_dtype(dt):
            raise DataError(
                f"Column {c!r} is boolean. Answers must be numbers on the item's scale; "
                f"convert it explicitly (e.g. df[{c!r}].astype(int))."
            )
        if pd.api.types.is_complex_dtype(dt):
            raise DataError(
                f"Column {c!r} holds complex numbers. Answers must be real numbers; "
                f"convert it explicitly (e.g. df[{c!r}].to_numpy().real) if that is intended."
            )
        if pd.api.types.is_numeric_dtype(dt):
            continue
        col = df[c]
        num = pd.to_numeric(col.astype("string").str.strip(), errors="coerce")
        failed = num.isna().to_numpy() & ~col.isna().to_numpy()
        if failed.any():
            bad_text[c] = (list(col.index[failed]), np.flatnonzero(failed))
            continue
        converted[c] = num.to_numpy(dtype=float, na_value=np.nan)
    if bad_text:
        parts = []
        comma = False
        for c, (rows, pos) in list(bad_text.items())[:_ROWS_SHOWN]:
            vals = df[c].iloc[pos[:3]].tolist()  # by position: index labels may repeat
            comma = comma or any(isinstance(v, str) and _DECIMAL_COMMA.match(v) for v in vals)
            parts.append(f"{c!r} ({len(rows)} row(s), e.g. rows {_rows(rows)}: values {vals!r})")
        more = (
            f" and {len(bad_text) - _ROWS_SHOWN} more columns"
            if len(bad_text) > _ROWS_SHOWN
            else ""
        )
        hint = (
            " The values look like decimal commas: read the file with "
            "pd.read_csv(..., sep=';', decimal=',')."
            if comma
            else ""
        )
        raise DataError(
            "Non-numeric text in item column(s): " + "; ".join(parts) + more + ". "
            "Answers must be numbers; declare codes for missing answers with missing_values=(...) "
            "or clean the column." + hint
        )
    if not converted:
        sub = df[list(items)]
        return sub.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    X = np.empty((len(df), len(items)), dtype=np.float64)
    for k, c in enumerate(items):
        X[:, k] = (
            converted[c] if c in converted else df[c].to_numpy(dtype=np.float64, na_value=np.nan)
        )
    return X


def _check_items_present(df: pd.DataFrame, items: Sequence[str]) -> None:
    cols = df.columns
    if cols.has_duplicates:
        dup = list(dict.fromkeys(cols[cols.duplicated()]))
        raise DataError(f"Duplicate column name(s) {_rows(dup)}. Rename them so each is unique.")
    if isinstance(cols, pd.MultiIndex):
        raise DataError(
            f"The data's columns are a MultiIndex ({cols.nlevels} levels); item columns must be "
            "plain names. Flatten them first, e.g. df.columns = ['_'.join(map(str, c)) for c in "
            "df.columns], or select one level."
        )
    present = set(cols)
    missing = [c for c in items if c not in present]
    if missing:
        hints = []
        strcols = [str(c) for c in cols]
        lower = {_BOM.sub("", c).strip().lower(): c for c in strcols}
        for m in missing[:3]:
            close = [lower[m.lower()]] if m.lower() in lower else []
            close = close or difflib.get_close_matches(m, strcols, n=1)
            if close:
                hints.append(f"{m!r} -> did you mean {close[0]!r}?")
        hint = (" " + "; ".join(hints)) if hints else ""
        if any(_BOM.match(c) for c in strcols):
            hint += (
                " A column name starts with a byte-order mark: read the file with "
                "encoding='utf-8-sig'."
            )
        raise DataError(
            f"Item column(s) {_rows(missing)} of the model are not in the data "
            f"({len(missing)} of {len(items)} missing).{hint} "
            "Rename the columns or change the model's item names."
        )


def _weights_array(df: pd.DataFrame, weights: Any) -> tuple[np.ndarray, str]:
    if isinstance(weights, str):
        if weights not in df.columns:
            raise DataError(f"weights={weights!r} is not a column of the data.")
        col = df[weights]
        if (
            not pd.api.types.is_numeric_dtype(col.dtype)
            or pd.api.types.is_bool_dtype(col.dtype)
            or pd.api.types.is_complex_dtype(col.dtype)
        ):
            raise DataError(f"Weight column {weights!r} must be numeric. Got {col.dtype} instead.")
        return col.to_numpy(dtype=float, na_value=np.nan), weights
    try:
        w = (
            np.asarray(weights, dtype=float)
            if not isinstance(weights, pd.Series)
            else weights.to_numpy(dtype=float, na_value=np.nan)
        )
    except (TypeError, ValueError):
        raise DataError(
            "weights must be a column name or a 1-D array of numbers with one value per row "
            f"({len(df)}). Got {type(weights).__name__} with non-numeric values instead."
        ) from None
    if w.ndim != 1 or len(w) != len(df):
        raise DataError(
            f"weights must be a column name or a 1-D array with one value per row "
            f"({len(df)}). Got shape {w.shape} instead."
        )
    return w, "<weights>"


def _missing_codes(missing_values: Any) -> np.ndarray | None:
    if isinstance(missing_values, (str, bytes)) or not isinstance(missing_values, Iterable):
        raise DataError(
            "missing_values must be a sequence of numbers, e.g. missing_values=(-99,). "
            f"Got {missing_values!r} instead."
        )
    vals = list(missing_values)
    if not vals:
        return None
    try:
        return np.asarray(vals, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            "missing_values must be a sequence of numbers, e.g. missing_values=(-99,). "
            f"Got {vals!r} instead."
        ) from None


def prepare(
    data: Any,
    items: Sequence[str],
    *,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
    owner: str = "fit",
    min_rows: int = 3,
    require_variation: bool = True,
    copy: bool = True,
    allow_keep: bool = False,
) -> PreparedData:
    """Validate ``data`` for the given items and apply the missing-data policy.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; columns not in ``items`` are ignored (kept for ``by=``).
    items : sequence of str
        Item columns to use, in order.
    scale : (low, high) or dict, optional
        Declared answer scale of every item, or ``{item: (low, high)}``. Values outside it
        are an error. Needed later for 0-100 indices.
    missing : {'listwise', 'mean', 'error'}, default='listwise'
        ``'listwise'`` drops rows with any missing item answer (recorded in ``excluded``),
        ``'mean'`` replaces a missing answer by the item's mean (recorded in ``imputed``),
        ``'error'`` raises :class:`DataError`.
    missing_values : sequence of numbers, default=()
        Codes meaning "no answer" (e.g. ``(-99,)``); treated as missing.
    weights : str or array-like, optional
        Case (survey) weights: a column name or one value per row; finite, non-negative,
        not all zero. Integer weights are frequency weights; other weights are rescaled
        to sum to the number of rows with positive weight.
    min_rows : int, default=3
        Fewest usable rows accepted (scoring new respondents with a fitted model uses 1).
    require_variation : bool, default=True
        Refuse items with the same answer in every used row (needed for estimation; not
        for scoring new respondents with a fitted model).
    copy : bool, default=True
        Copy the item values. ``False`` lets a plain float64 frame be read without a copy
        (for transient use such as scoring); cells are never written in that case.
    allow_keep : bool, default=False
        For estimators that model missing answers themselves (CB-SEM full-information ML):
        accept ``missing='keep'``, which keeps rows with some missing answers as NaN in
        ``X`` and excludes (and records) only rows with every item missing. All other
        checks (numbers, infinities, scale, weights, constant items) still apply.

    Returns
    -------
    PreparedData
    """
    check_option(missing, "missing", owner, MISSING_POLICIES + (("keep",) if allow_keep else ()))
    df = _to_frame(data)
    items = tuple(items)
    _check_items_present(df, items)
    n_total = len(df)
    if n_total == 0:
        raise DataError("The data has no rows.")
    lo, hi = parse_scale(scale, items)
    codes = _missing_codes(missing_values)
    X = _numeric_block(df, items, copy=copy)
    if not X.flags.writeable or not X.flags.owndata:
        # a read-only view of the caller's frame (copy=False): copy only if we must change it
        needs_copy = codes is not None or missing == "mean"
        X = X.copy() if needs_copy else X
    index = df.index

    if codes is not None:
        if not np.all(np.isfinite(codes)):
            raise DataError("missing_values must be finite numbers, e.g. (-99,).")
        X[np.isin(X, codes)] = np.nan

    all_finite = bool(np.isfinite(X).all())  # one pass; details only when needed
    if not all_finite:
        inf = np.isinf(X)
        if inf.any():
            cols = np.flatnonzero(inf.any(axis=0))
            parts = [
                f"{items[c]!r} (rows {_rows(index[np.flatnonzero(inf[:, c])])})"
                for c in cols[:_ROWS_SHOWN]
            ]
            raise DataError(
                f"Infinite values in {len(cols)} item column(s): {'; '.join(parts)}. "
                "Replace them with valid answers or NaN (missing)."
            )
        nan = np.isnan(X)
    else:
        nan = None
    declared = np.isfinite(lo)
    if declared.any():
        with np.errstate(invalid="ignore"):
            # fmin/fmax skip NaN; an all-NaN column gives NaN without a RuntimeWarning
            cmin = np.fmin.reduce(X, axis=0) if nan is not None else X.min(axis=0)
            cmax = np.fmax.reduce(X, axis=0) if nan is not None else X.max(axis=0)
        if np.any(declared & ((cmin < lo) | (cmax > hi))):
            with np.errstate(invalid="ignore"):
                out = (X < lo) | (X > hi)
            out &= declared
            cols = np.flatnonzero(out.any(axis=0))
            parts = []
            for c in cols[:_ROWS_SHOWN]:
                r = np.flatnonzero(out[:, c])
                vals = sorted(set(X[r, c].tolist()))[:3]
                parts.append(
                    f"{items[c]!r}: {len(r)} value(s) outside [{lo[c]:g}, {hi[c]:g}], "
                    f"e.g. {', '.join(f'{v:g}' for v in vals)} in rows {_rows(index[r])}"
                )
            more = f" and {len(cols) - _ROWS_SHOWN} more columns" if len(cols) > _ROWS_SHOWN else ""
            raise DataError(
                "Answers outside the declared scale: " + "; ".join(parts) + more + ". "
                "Fix the data, correct scale=, or declare no-answer codes with "
                "missing_values=(...)."
            )

    w = None
    wname = None
    if weights is not None:
        w, wname = _weights_array(df, weights)
        bad = np.isinf(w) | (w < 0)
        if bad.any():
            r = np.flatnonzero(bad)
            raise DataError(
                f"Weights must be finite and non-negative; {len(r)} row(s) are not "
                f"(rows {_rows(index[r])}). Fix the weight column {wname!r}."
            )
        if not np.any(w > 0):
            n_nan = int(np.isnan(w).sum())
            raise DataError(
                f"No weight in {wname!r} is positive ({n_nan} missing, "
                f"{len(w) - n_nan} zero); at least one must be positive."
            )

    keep = np.ones(n_total, dtype=bool)
    excl_rows: list[Any] = []
    excl_cols: list[str] = []
    excl_reason: list[str] = []
    imp_rows: list[Any] = []
    imp_cols: list[str] = []
    imp_reason: list[str] = []

    row_nan = nan.any(axis=1) if nan is not None else np.zeros(n_total, dtype=bool)
    w_nan = np.isnan(w) if w is not None else None
    if missing == "error":
        if row_nan.any() or (w_nan is not None and w_nan.any()):
            nan = nan if nan is not None else np.zeros_like(X, dtype=bool)
            cols = np.flatnonzero(nan.any(axis=0))
            parts = [
                f"{items[c]!r} ({int(nan[:, c].sum())} row(s), e.g. {_rows(index[np.flatnonzero(nan[:, c])])})"
                for c in cols[:_ROWS_SHOWN]
            ]
            if w_nan is not None and w_nan.any():
                parts.append(f"weights {wname!r} ({int(w_nan.sum())} row(s))")
            raise DataError(
                f"Missing answers in {int((row_nan | (w_nan if w_nan is not None else False)).sum())} "
                f"row(s): {'; '.join(parts)}. Choose a policy: missing='listwise' drops those rows, "
                "missing='mean' imputes the item mean."
            )
    if w_nan is not None and w_nan.any():
        r = np.flatnonzero(w_nan)
        keep[r] = False
        excl_rows += list(index[r])
        excl_cols += [wname] * len(r)
        excl_reason += ["missing weight"] * len(r)
    if missing == "listwise" and row_nan.any():
        r = np.flatnonzero(row_nan & keep)
        keep[r] = False
        sub = nan[r]
        for k, rr in enumerate(r):
            excl_rows.append(index[rr])
            excl_cols.append(", ".join(items[c] for c in np.flatnonzero(sub[k])))
            excl_reason.append("missing answer")
    if missing == "keep" and row_nan.any():
        r = np.flatnonzero(nan.all(axis=1) & keep)
        keep[r] = False
        excl_rows += list(index[r])
        excl_cols += ["all items"] * len(r)
        excl_reason += ["all answers missing"] * len(r)
    if w is not None:
        zero = (w == 0) & keep
        if zero.any():
            r = np.flatnonzero(zero)
            keep[r] = False
            excl_rows += list(index[r])
            excl_cols += [wname] * len(r)
            excl_reason += ["weight is zero"] * len(r)
    if missing == "mean" and nan is not None and row_nan.any():
        nan_kept = nan & keep[:, None]
        wk = None if w is None else np.where(keep, w, 0.0)
        for c in np.flatnonzero(nan_kept.any(axis=0)):
            obs = keep & ~nan[:, c]
            if not obs.any():
                raise DataError(
                    f"Item {items[c]!r} has no observed answer, so its mean cannot be imputed. "
                    "Remove the item from the model or supply data."
                )
            vals = X[obs, c]
            with np.errstate(over="ignore", invalid="ignore"):
                m = float(np.average(vals, weights=None if wk is None else wk[obs]))
            if not np.isfinite(m):
                raise DataError(
                    f"The mean of item {items[c]!r} overflows float64 (values up to "
                    f"{np.abs(vals).max():g}), so it cannot be imputed. Check the column's values."
                )
            r = np.flatnonzero(nan_kept[:, c])
            X[r, c] = m
            imp_rows += list(index[r])
            imp_cols += [items[c]] * len(r)
            imp_reason += [f"missing answer replaced by item mean {m:.6g}"] * len(r)

    n_excl = n_total - int(keep.sum())
    if n_excl:
        X = X[keep]
        if w is not None:
            w = w[keep]
        used_pos = np.flatnonzero(keep)
    else:
        used_pos = np.arange(n_total)
    if n_excl or imp_rows:
        msg = []
        if n_excl:
            msg.append(f"{n_excl} of {n_total} rows excluded ({_reason_counts(excl_reason)})")
        if imp_rows:
            msg.append(
                f"{len(imp_rows)} missing answer(s) in {len(set(imp_cols))} item(s) replaced "
                "by item means"
            )
        warnings.warn(
            "; ".join(msg) + ". See .excluded and .imputed on the result.",
            DataWarning,
            stacklevel=3,
        )
    n_used = X.shape[0]
    if n_used < min_rows:
        raise DataError(
            f"Only {n_used} of {n_total} rows remain after the missing-data policy "
            f"{missing!r}; at least {min_rows} are needed. Check the data or use missing='mean'."
        )

    if w is not None:
        if not np.all(w == np.round(w)):
            w = w / w.max()  # first to a max of 1: the sum of huge or tiny weights stays finite
            w = w * (np.count_nonzero(w) / w.sum())
        elif not np.isfinite(_sum_no_warning(w)):
            raise DataError(
                f"The frequency weights in {wname!r} sum to more than the largest float "
                f"(largest weight {w.max():g}). Rescale them."
            )

    # constant items (after exclusions): zero variance makes standardization impossible
    if not require_variation:
        const = np.zeros(len(items), dtype=bool)
    elif declared.any() and not n_excl and not imp_rows and nan is None:
        const = cmax == cmin  # reuse the range-check pass
    elif missing == "keep" and nan is not None:
        with np.errstate(invalid="ignore"):
            cmin_k, cmax_k = np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)
        unobserved = np.isnan(cmin_k)
        if unobserved.any():
            cols = [items[c] for c in np.flatnonzero(unobserved)]
            raise DataError(
                f"Item column(s) {_rows(cols)} have no observed answer in any used row. "
                "Remove them from the model."
            )
        const = cmax_k == cmin_k
    else:
        const = X.max(axis=0) == X.min(axis=0)
    if const.any():
        cols = [items[c] for c in np.flatnonzero(const)]
        vals = [f"{np.fmax.reduce(X[:, c]):g}" for c in np.flatnonzero(const)][:_ROWS_SHOWN]
        raise DataError(
            f"Item column(s) {_rows(cols)} have the same answer in every used row "
            f"(value(s) {', '.join(vals)}), so they carry no information. "
            "Remove them from the model."
        )

    return PreparedData(
        X=X,
        items=items,
        scale_low=lo,
        scale_high=hi,
        weights=w,
        row_labels=index[used_pos] if n_excl else index,
        n_total=n_total,
        excluded_records=tuple(zip(excl_rows, excl_cols, excl_reason, strict=True)),
        imputed_records=tuple(zip(imp_rows, imp_cols, imp_reason, strict=True)),
        missing=missing,
        frame=df.copy(deep=False),
        used_positions=used_pos,
    )


def _sum_no_warning(w: np.ndarray) -> float:
    with np.errstate(over="ignore"):
        return float(w.sum())


def _reason_counts(reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in counts.items())
