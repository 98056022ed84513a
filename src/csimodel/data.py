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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from . import _suspect
from ._suspect import SUSPECT_POLICIES
from ._validation import check_option, list_some
from .exceptions import DataError, DataWarning, SuspectedCodeError

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
        col = self.frame[name]
        return col if self.used_positions is None else col.iloc[self.used_positions]


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
    bad_text: dict[str, tuple[list[Any], np.ndarray]] = {}
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
        for c, (rows, where) in list(bad_text.items())[:_ROWS_SHOWN]:
            vals = df[c].iloc[where[:3]].tolist()  # by position: index labels may repeat
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
    suspect_codes: str = "error",
) -> PreparedData:
    """Validate ``data`` for the given items and apply the missing-data policy.

    The rules run as named steps, in this order: columns (:func:`_check_items_present`),
    numeric coercion (:func:`_item_matrix`), declared missing codes
    (:func:`_apply_missing_codes`), finite values (:func:`_nan_mask`), suspected
    missing codes (:func:`_check_suspect_codes`), declared scales (:func:`_check_scale`),
    weights (:func:`_check_weights`), the missing-data policy (:func:`_apply_policy`),
    the used rows (:func:`_keep_rows`), weight normalization (:func:`_normalize_weights`)
    and constant items (:func:`_check_variation`).

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
    suspect_codes : {'error', 'ignore'}, default='error'
        Items without a declared scale whose values include a typical no-answer code
        (-99, -9, 9, 99, 999, ... or negative values standing apart from the item's other
        answers) raise :class:`~csimodel.exceptions.SuspectedCodeError` naming the item,
        code, count and rows. ``'ignore'`` uses such values as answers. See
        ``docs/data.md`` for the rule.

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> import csimodel as cm
    >>> corp = cm.datasets.load_corp_rep()
    >>> try:
    ...     prepare(corp, ["cusa", "cusl_1"])
    ... except cm.DataError as e:
    ...     print(str(e)[:52])
    Suspected no-answer code(s) in 2 item column(s) 'cus
    >>> prepare(corp, ["cusa", "cusl_1"], missing_values=(-99,)).n_used
    340
    """
    check_option(missing, "missing", owner, MISSING_POLICIES + (("keep",) if allow_keep else ()))
    check_option(suspect_codes, "suspect_codes", owner, SUSPECT_POLICIES)
    df = _to_frame(data)
    items = tuple(items)
    _check_items_present(df, items)
    if len(df) == 0:
        raise DataError("The data has no rows.")
    lo, hi = parse_scale(scale, items)
    codes = _missing_codes(missing_values)
    X = _item_matrix(df, items, copy, writable=codes is not None or missing == "mean")
    index = df.index
    _apply_missing_codes(X, codes)
    nan = _nan_mask(X, items, index)
    if suspect_codes == "error":
        _check_suspect_codes(X, items, index, ~np.isfinite(lo))
    crange = _check_scale(X, nan, lo, hi, items, index)
    w, wname = _check_weights(df, weights, index)
    acc = _apply_policy(X, nan, w, wname, missing, items, index)
    X, w, used_pos = _keep_rows(X, w, acc, len(df), missing, min_rows)
    w = _normalize_weights(w, wname)
    if require_variation:
        reuse = crange if not (acc.n_excluded or acc.imp_rows or nan is not None) else None
        _check_variation(X, items, missing, nan is not None, reuse)
    return PreparedData(
        X=X,
        items=items,
        scale_low=lo,
        scale_high=hi,
        weights=w,
        row_labels=index[used_pos] if acc.n_excluded else index,
        n_total=len(df),
        excluded_records=tuple(zip(acc.excl_rows, acc.excl_cols, acc.excl_reason, strict=True)),
        imputed_records=tuple(zip(acc.imp_rows, acc.imp_cols, acc.imp_reason, strict=True)),
        missing=missing,
        frame=df.copy(deep=False),
        used_positions=used_pos,
    )


# ----------------------------------------------------------------------------- the steps
def _item_matrix(
    df: pd.DataFrame, items: tuple[str, ...], copy: bool, writable: bool
) -> np.ndarray:
    """Numeric coercion: the item columns as float64 (a copy when it will be written)."""
    X = _numeric_block(df, items, copy=copy)
    if (not X.flags.writeable or not X.flags.owndata) and writable:
        # a read-only view of the caller's frame (copy=False): copy only if we must change it
        X = X.copy()
    return X


def _apply_missing_codes(X: np.ndarray, codes: np.ndarray | None) -> None:
    """Declared missing codes: cells equal to a code become NaN (in place)."""
    if codes is None:
        return
    if not np.all(np.isfinite(codes)):
        raise DataError("missing_values must be finite numbers, e.g. (-99,).")
    X[np.isin(X, codes)] = np.nan


def _nan_mask(X: np.ndarray, items: tuple[str, ...], index: pd.Index) -> np.ndarray | None:
    """Refuse infinities; the NaN mask of ``X``, or None when every cell is finite."""
    if bool(np.isfinite(X).all()):  # one pass; details only when needed
        return None
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
    return np.isnan(X)


def _check_suspect_codes(
    X: np.ndarray, items: tuple[str, ...], index: pd.Index, undeclared: np.ndarray
) -> None:
    """Suspected missing codes (-99, 9, 999, ...) in items without a declared scale."""
    found = []
    for c in np.flatnonzero(undeclared):
        col = X[:, c]
        if not _suspect.candidate_mask(col).any():  # the common case: one cheap pass
            continue
        bmin, bmax, cand, overflow = _suspect.summarize(col)
        codes = _suspect.suspected_codes(bmin, bmax, cand, overflow)
        if codes:
            r = np.flatnonzero(np.isin(col, codes))
            found.append((items[c], codes, len(r), f"rows {_rows(index[r])}", bmin, bmax))
    if found:
        raise SuspectedCodeError(
            _suspect.message(found), codes=sorted({v for f in found for v in f[1]})
        )


def _check_scale(
    X: np.ndarray,
    nan: np.ndarray | None,
    lo: np.ndarray,
    hi: np.ndarray,
    items: tuple[str, ...],
    index: pd.Index,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Declared scales: refuse answers outside them; the column (min, max) when computed."""
    declared = np.isfinite(lo)
    if not declared.any():
        return None
    with np.errstate(invalid="ignore"):
        # fmin/fmax skip NaN; an all-NaN column gives NaN without a RuntimeWarning
        cmin = np.fmin.reduce(X, axis=0) if nan is not None else X.min(axis=0)
        cmax = np.fmax.reduce(X, axis=0) if nan is not None else X.max(axis=0)
    if np.any(declared & ((cmin < lo) | (cmax > hi))):
        with np.errstate(invalid="ignore"):
            out = (X < lo) | (X > hi)
        out &= declared
        raise out_of_scale_error(
            X,
            out,
            items,
            lo,
            hi,
            where=lambda r: f"rows {_rows(index[r])}",
            noun="columns",
            fix="Fix the data, correct scale=, or declare no-answer codes with "
            "missing_values=(...).",
        )
    return cmin, cmax


def out_of_scale_error(
    X: np.ndarray,
    out: np.ndarray,
    items: Sequence[str],
    lo: np.ndarray | Sequence[float],
    hi: np.ndarray | Sequence[float],
    *,
    where: Callable[[np.ndarray], str],
    noun: str,
    fix: str,
) -> DataError:
    """The one message for answers outside the declared scale (data door and record door).

    ``out`` marks the offending cells of ``X``; ``where(rows)`` names their rows (or records).
    """
    cols = np.flatnonzero(out.any(axis=0))
    parts = []
    for c in cols[:_ROWS_SHOWN]:
        r = np.flatnonzero(out[:, c])
        vals = sorted(set(X[r, c].tolist()))[:3]
        parts.append(
            f"{items[c]!r}: {len(r)} value(s) outside [{lo[c]:g}, {hi[c]:g}], "
            f"e.g. {', '.join(f'{v:g}' for v in vals)} in {where(r)}"
        )
    more = f" and {len(cols) - _ROWS_SHOWN} more {noun}" if len(cols) > _ROWS_SHOWN else ""
    return DataError("Answers outside the declared scale: " + "; ".join(parts) + more + ". " + fix)


def _check_weights(
    df: pd.DataFrame, weights: Any, index: pd.Index
) -> tuple[np.ndarray | None, str | None]:
    """Weights: finite, non-negative, at least one positive (NaN allowed: excluded later)."""
    if weights is None:
        return None, None
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
    return w, wname


@dataclass
class _Accounts:
    """Which rows are kept, and the records of excluded rows and imputed cells."""

    keep: np.ndarray
    excl_rows: list[Any] = field(default_factory=list)
    excl_cols: list[str] = field(default_factory=list)
    excl_reason: list[str] = field(default_factory=list)
    imp_rows: list[Any] = field(default_factory=list)
    imp_cols: list[str] = field(default_factory=list)
    imp_reason: list[str] = field(default_factory=list)

    def exclude(self, rows: np.ndarray, index: pd.Index, cols: list[str], reason: str) -> None:
        self.keep[rows] = False
        self.excl_rows += list(index[rows])
        self.excl_cols += cols
        self.excl_reason += [reason] * len(rows)

    @property
    def n_excluded(self) -> int:
        return len(self.keep) - int(self.keep.sum())


def _apply_policy(
    X: np.ndarray,
    nan: np.ndarray | None,
    w: np.ndarray | None,
    wname: str | None,
    missing: str,
    items: tuple[str, ...],
    index: pd.Index,
) -> _Accounts:
    """The missing-data policy: raise, exclude rows or impute cells (``X`` in place)."""
    n = X.shape[0]
    acc = _Accounts(keep=np.ones(n, dtype=bool))
    wcol = wname or "<weights>"
    row_nan = nan.any(axis=1) if nan is not None else np.zeros(n, dtype=bool)
    w_nan = np.isnan(w) if w is not None else None
    if missing == "error":
        _raise_missing(nan, row_nan, w_nan, wname, items, index)
    if w_nan is not None and w_nan.any():
        r = np.flatnonzero(w_nan)
        acc.exclude(r, index, [wcol] * len(r), "missing weight")
    if missing == "listwise" and nan is not None and row_nan.any():
        r = np.flatnonzero(row_nan & acc.keep)
        sub = nan[r]
        cols = [", ".join(items[c] for c in np.flatnonzero(sub[k])) for k in range(len(r))]
        acc.exclude(r, index, cols, "missing answer")
    if missing == "keep" and nan is not None and row_nan.any():
        r = np.flatnonzero(nan.all(axis=1) & acc.keep)
        acc.exclude(r, index, ["all items"] * len(r), "all answers missing")
    if w is not None:
        zero = (w == 0) & acc.keep
        if zero.any():
            r = np.flatnonzero(zero)
            acc.exclude(r, index, [wcol] * len(r), "weight is zero")
    if missing == "mean" and nan is not None and row_nan.any():
        _impute_means(X, nan, w, acc, items, index)
    return acc


def _raise_missing(nan, row_nan, w_nan, wname, items, index) -> None:
    """``missing='error'``: raise naming the items (and weights) with missing values."""
    if not (row_nan.any() or (w_nan is not None and w_nan.any())):
        return
    nan = nan if nan is not None else np.zeros((len(row_nan), len(items)), dtype=bool)
    cols = np.flatnonzero(nan.any(axis=0))
    parts = [
        f"{items[c]!r} ({int(nan[:, c].sum())} row(s), e.g. {_rows(index[np.flatnonzero(nan[:, c])])})"
        for c in cols[:_ROWS_SHOWN]
    ]
    if w_nan is not None and w_nan.any():
        parts.append(f"weights {wname!r} ({int(w_nan.sum())} row(s))")
    n_rows = int((row_nan | (w_nan if w_nan is not None else False)).sum())
    raise DataError(
        f"Missing answers in {n_rows} row(s): {'; '.join(parts)}. Choose a policy: "
        "missing='listwise' drops those rows, missing='mean' imputes the item mean."
    )


def _impute_means(X, nan, w, acc: _Accounts, items, index) -> None:
    """``missing='mean'``: fill missing answers of kept rows with the (weighted) item mean."""
    keep = acc.keep
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
        acc.imp_rows += list(index[r])
        acc.imp_cols += [items[c]] * len(r)
        acc.imp_reason += [f"missing answer replaced by item mean {m:.6g}"] * len(r)


def _keep_rows(X, w, acc: _Accounts, n_total: int, missing: str, min_rows: int):
    """The used rows (warned when rows were excluded or cells imputed); at least ``min_rows``."""
    n_excl = acc.n_excluded
    if n_excl:
        X = X[acc.keep]
        if w is not None:
            w = w[acc.keep]
        used_pos = np.flatnonzero(acc.keep)
    else:
        used_pos = np.arange(n_total)
    if n_excl or acc.imp_rows:
        msg = []
        if n_excl:
            msg.append(f"{n_excl} of {n_total} rows excluded ({_reason_counts(acc.excl_reason)})")
        if acc.imp_rows:
            msg.append(
                f"{len(acc.imp_rows)} missing answer(s) in {len(set(acc.imp_cols))} item(s) "
                "replaced by item means"
            )
        warnings.warn(
            "; ".join(msg) + ". See .excluded and .imputed on the result.",
            DataWarning,
            stacklevel=4,
        )
    if X.shape[0] < min_rows:
        raise DataError(
            f"Only {X.shape[0]} of {n_total} rows remain after the missing-data policy "
            f"{missing!r}; at least {min_rows} are needed. Check the data or use missing='mean'."
        )
    return X, w, used_pos


def _normalize_weights(w: np.ndarray | None, wname: str | None) -> np.ndarray | None:
    """Non-integer weights rescaled to sum to the rows kept; frequency weights must sum finitely."""
    if w is None:
        return None
    if not np.all(w == np.round(w)):
        w = w / w.max()  # first to a max of 1: the sum of huge or tiny weights stays finite
        return w * (np.count_nonzero(w) / w.sum())
    if not np.isfinite(_sum_no_warning(w)):
        raise DataError(
            f"The frequency weights in {wname!r} sum to more than the largest float "
            f"(largest weight {w.max():g}). Rescale them."
        )
    return w


def _check_variation(
    X: np.ndarray,
    items: tuple[str, ...],
    missing: str,
    has_nan: bool,
    crange: tuple[np.ndarray, np.ndarray] | None,
) -> None:
    """Constant items (after exclusions): zero variance makes standardization impossible.

    ``crange`` is the (min, max) of the scale check, reused when no row was dropped or filled.
    """
    if crange is not None:
        const = crange[1] == crange[0]
    elif missing == "keep" and has_nan:
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


def _sum_no_warning(w: np.ndarray) -> float:
    with np.errstate(over="ignore"):
        return float(w.sum())


def _reason_counts(reasons: list[str]) -> str:
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(f"{v} {k}" for k, v in counts.items())
