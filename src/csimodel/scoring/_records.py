"""Respondent records to a validated float array in a model's item order (internal).

One door for the inputs a fitted model scores -- a dict (one respondent), a list of dicts
(records, as a JSON array parses), a 2-D array in the model's item order, or a DataFrame --
shared by :meth:`ScoringModel.score`, :meth:`ScoringModel.indices` and any other method that
evaluates a fitted model on new respondents (:func:`item_rows` with a :class:`RowPlan`).

Frames go through :func:`csimodel.data.prepare` unchanged. Records and arrays skip pandas but
apply the data door's rules in its order: every item must be present (extra keys are
ignored), values must be numbers (numbers written as text are read as ``prepare`` reads a
text column; booleans, nested values and other text are refused), ``missing_values`` codes
become missing, infinite values are refused, declared scales are enforced, and the missing
policy applies (``None``/NaN is a missing answer). A :class:`~csimodel.DataError` names the
item(s) and the record positions (0-based). The float values are those ``prepare`` would
produce for the same table, so the scores are bit-identical to the frame path.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
import reprlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from .._validation import list_some
from ..data import out_of_scale_error
from ..exceptions import DataError, DataWarning

__all__ = ["RowPlan", "ItemRows", "item_rows", "record_values", "missing_codes"]

# what ``pd.to_numeric`` accepts in a stripped text cell (ASCII digits only)
# (unambiguous, so matching is linear in the length: no backtracking on hostile text)
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_INFINITY = re.compile(r"([+-]?)inf(?:inity)?", re.IGNORECASE)
_SHOWN = 5
_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 4
_REPR.maxlevel = 2
_PLAIN = frozenset((float, int))


def _show(v: Any) -> str:
    return _REPR.repr(v)


@dataclass(frozen=True, eq=False)
class RowPlan:
    """What validating records for a fixed list of items needs (immutable, build once).

    Parameters
    ----------
    items : sequence of str
        Items in the order of the array's columns.
    low, high : array-like of shape (n_items,)
        Declared answer-scale ends (finite).
    """

    items: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    get: Callable[[Any], tuple[Any, ...]] = field(init=False, repr=False)
    lo_arr: np.ndarray = field(init=False, repr=False)
    hi_arr: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "items", tuple(self.items))
        s(self, "low", tuple(float(v) for v in self.low))
        s(self, "high", tuple(float(v) for v in self.high))
        if len(self.items) == 1:
            key = self.items[0]
            s(self, "get", lambda r: (r[key],))
        else:
            s(self, "get", itemgetter(*self.items))
        for name, vals in (("lo_arr", self.low), ("hi_arr", self.high)):
            arr = np.array(vals, dtype=float)
            arr.setflags(write=False)
            s(self, name, arr)

    @property
    def scale(self) -> Any:
        """The ``scale=`` argument of :func:`csimodel.data.prepare` for these items."""
        lo, hi = self.low, self.high
        if all(v == lo[0] for v in lo) and all(v == hi[0] for v in hi):
            return (lo[0], hi[0])
        return {it: (lo[k], hi[k]) for k, it in enumerate(self.items)}


@dataclass(frozen=True, eq=False)
class ItemRows:
    """Validated answers of the used rows, with where they came from.

    Attributes
    ----------
    X : ndarray of shape (n_used, n_items)
        Answers in the plan's item order (float64).
    kind : {'record', 'records', 'array', 'frame'}
    positions : ndarray of int
        0-based positions of the used rows in the input.
    n_total : int
        Rows (records) in the input.
    source : object
        The records (list), the array, or the :class:`~csimodel.data.PreparedData` of a frame.
    """

    X: np.ndarray
    kind: str
    positions: np.ndarray
    n_total: int
    source: Any

    @cached_property
    def index(self) -> pd.Index:
        """Row labels of the used rows: a frame's labels, else the record positions."""
        if self.kind == "frame":
            return self.source.row_labels
        if len(self.positions) == self.n_total:
            return pd.RangeIndex(self.n_total)
        return pd.Index(self.positions)

    def column(self, name: str) -> pd.Series:
        """A non-item field of the used rows (for ``by=`` and ``weights=``)."""
        if self.kind == "frame":
            return self.source.column(name)
        if self.kind == "array":
            raise DataError(
                f"A plain array holds only the item columns, so it has no column {name!r}. "
                "Pass a DataFrame or a list of records that carry it."
            )
        recs = self.source
        absent: list[int] = []
        bad: list[int] = []
        vals = []
        for pos in self.positions.tolist():
            v = recs[pos].get(name, _ABSENT)
            if v is _ABSENT:
                absent.append(pos)
            elif not (v is None or isinstance(v, (str, numbers.Number, np.generic))):
                bad.append(pos)
            vals.append(v)
        if absent:
            raise DataError(
                f"Field {name!r} is missing from {len(absent)} record(s) (records "
                f"{list_some(absent, _SHOWN)}). Give it in every record, or leave out "
                f"{name!r}."
            )
        if bad:
            raise DataError(
                f"Field {name!r} must hold a text or a number in every record; record(s) "
                f"{list_some(bad, _SHOWN)} hold e.g. {_show(recs[bad[0]][name])}."
            )
        return pd.Series(vals, index=self.index, name=name)


_ABSENT = object()


def missing_codes(missing_values: Any) -> frozenset[float] | None:
    """``missing_values`` as a set of finite floats (``None`` if empty), as ``prepare`` checks."""
    from ..data import _missing_codes

    codes = _missing_codes(missing_values)
    if codes is None:
        return None
    if not np.all(np.isfinite(codes)):
        raise DataError("missing_values must be finite numbers, e.g. (-99,).")
    return frozenset(codes.tolist())


def record_values(
    plan: RowPlan, rec: Mapping[str, Any], codes: frozenset[float] | None
) -> tuple[Any, ...] | None:
    """The record's item values if all are plain numbers inside their scales, else None.

    The fast path for one respondent: no conversion, no array. ``None`` sends the record to
    :func:`item_rows`, which converts, validates and names what is wrong.
    """
    if type(rec) is not dict:  # a defaultdict would invent missing answers: copy first
        return None
    try:
        vals = plan.get(rec)
    except (KeyError, TypeError):
        return None
    lo, hi = plan.low, plan.high
    k = 0
    for v in vals:
        t = type(v)
        if (t is not float and t is not int) or not (lo[k] <= v <= hi[k]):
            return None
        k += 1
    if codes is not None and not codes.isdisjoint(vals):
        return None
    return vals


# ----------------------------------------------------------------------------- conversion
def _convert(v: Any) -> tuple[float, str | None]:
    """A value as the data door would read it: (number, None) or (nan, what it is)."""
    if v is None or v is pd.NA:
        return math.nan, None
    if isinstance(v, (bool, np.bool_)):
        return math.nan, "a boolean"
    if isinstance(v, str):
        s = v.strip()
        if _NUMBER.fullmatch(s):
            x = float(s)  # correctly rounded, as int -> float for integer text
            if x == 0.0 and _INTEGER.fullmatch(s):
                x = 0.0  # pandas reads "-0" in an integer text column as the integer 0
            return x, None
        m = _INFINITY.fullmatch(s)
        if m:
            return (-math.inf if m.group(1) == "-" else math.inf), None
        return math.nan, "text"
    if isinstance(v, numbers.Real):
        try:
            return float(v), None
        except OverflowError:
            negative = bool(v < 0)
            return (-math.inf if negative else math.inf), None
    if isinstance(v, (Mapping, list, tuple, set, frozenset, np.ndarray)):
        return math.nan, "a nested value"
    if isinstance(v, numbers.Complex):
        return math.nan, "a complex number"
    return math.nan, f"a {type(v).__name__}"


def _to_array(flat: list[Any], n: int, p: int) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Values (record by record, ``n * p``) as a float64 (n, p) array; problems as
    {item column: [row positions]}."""
    if set(map(type, flat)) <= _PLAIN:
        try:
            return np.fromiter(flat, dtype=np.float64, count=n * p).reshape(n, p), {}
        except OverflowError:
            pass  # an integer beyond float range: convert value by value
    X = np.empty(n * p)
    bad: dict[int, list[int]] = {}
    for j, v in enumerate(flat):
        if type(v) is float:
            X[j] = v
            continue
        x, problem = _convert(v)
        X[j] = x
        if problem is not None:
            bad.setdefault(j % p, []).append(j // p)
    for rows in bad.values():
        rows.sort()
    return X.reshape(n, p), bad


def _records_rows(plan: RowPlan, records: Sequence[Any], one: bool) -> list[Any]:
    """The records' item values, record by record, in one flat list."""
    if not all(type(r) is dict for r in records):
        not_maps = [i for i, r in enumerate(records) if not isinstance(r, Mapping)]
        if not_maps:
            first = records[not_maps[0]]
            raise DataError(
                f"{'The record' if one else 'Records'} must be dicts (JSON objects) of item "
                f"-> answer; record(s) {list_some(not_maps, _SHOWN)} are not (e.g. "
                f"{type(first).__name__} {_show(first)}). Pass one dict per respondent."
            )
        # other mappings (defaultdict, ...) as plain dicts of the keys they hold
        records = [r if type(r) is dict else dict(r) for r in records]
    try:
        return list(chain.from_iterable(map(plan.get, records)))
    except KeyError:
        pass
    missing: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        for it in plan.items:
            if it not in r:
                missing.setdefault(it, []).append(i)
    names = list(missing)
    parts = [f"{it!r} (records {list_some(missing[it], _SHOWN)})" for it in names[:_SHOWN]]
    more = f" and {len(names) - _SHOWN} more items" if len(names) > _SHOWN else ""
    first = min(i for v in missing.values() for i in v)
    known = set(plan.items)
    keys = [str(k) for k in records[first] if k not in known]  # suggest only unused keys
    lower = {k.strip().lower(): k for k in keys}
    hints = []
    for it in names[:3]:
        close = [lower[it.lower()]] if it.lower() in lower else []
        close = close or difflib.get_close_matches(it, keys, n=1)
        if close:
            hints.append(f"{it!r} -> did you mean {close[0]!r}?")
    hint = (" " + "; ".join(hints)) if hints else ""
    n_bad = len({i for v in missing.values() for i in v})
    raise DataError(
        f"Item(s) of the model missing from {n_bad} of {len(records)} record(s): "
        f"{'; '.join(parts)}{more}.{hint} Every record needs every item of the model "
        f"(other keys are ignored); send null for an unanswered item."
    )


def _array_rows(plan: RowPlan, arr: np.ndarray) -> tuple[np.ndarray, dict[int, list[int]]]:
    p = len(plan.items)
    if arr.ndim != 2 or arr.shape[1] != p:
        raise DataError(
            f"A plain array must have shape (n_respondents, {p}), one column per item in the "
            f"model's order (ScoringModel.items). Got shape {arr.shape} instead; pass a "
            "DataFrame with item columns, or reshape one respondent with a.reshape(1, -1)."
        )
    if arr.shape[0] == 0:
        raise DataError("The data has no rows.")
    kind = arr.dtype.kind
    if kind in "iuf":
        return np.array(arr, dtype=np.float64, order="C"), {}
    if kind == "b":
        raise DataError(
            "The array is boolean. Answers must be numbers on the item's scale; convert it "
            "explicitly (e.g. a.astype(int))."
        )
    if kind == "c":
        raise DataError("The array holds complex numbers. Answers must be real numbers.")
    return _to_array(arr.ravel().tolist(), arr.shape[0], p)


# ----------------------------------------------------------------------------- validation
def _label(kind: str) -> str:
    return "row" if kind == "array" else "record"


def _check(
    X: np.ndarray,
    bad: dict[int, list[int]],
    values: Callable[[int, int], Any],
    plan: RowPlan,
    codes: frozenset[float] | None,
    missing: str,
    kind: str,
) -> np.ndarray:
    """Apply the data door's checks in its order; return the positions of the used rows."""
    items = plan.items
    lab = _label(kind)
    n = X.shape[0]
    if bad:
        parts = []
        for k in list(bad)[:_SHOWN]:
            rows = bad[k]
            shown = ", ".join(_show(values(i, k)) for i in rows[:3])
            parts.append(
                f"{items[k]!r} ({len(rows)} {lab}(s), e.g. {lab}s {list_some(rows, 3)}: {shown})"
            )
        more = f" and {len(bad) - _SHOWN} more items" if len(bad) > _SHOWN else ""
        kinds = sorted({_convert(values(i, k))[1] or "" for k in bad for i in bad[k][:3]})
        raise DataError(
            f"Values that are not numbers ({', '.join(kinds)}) for item(s): "
            + "; ".join(parts)
            + more
            + ". Answers must be numbers on the item's scale; send null (None) for a missing "
            "answer or declare no-answer codes with missing_values=(...)."
        )
    if codes is not None:
        X[np.isin(X, np.fromiter(codes, dtype=float))] = np.nan
    finite = np.isfinite(X)
    if not finite.all():
        inf = np.isinf(X)
        if inf.any():
            cols = np.flatnonzero(inf.any(axis=0))
            parts = [
                f"{items[c]!r} ({lab}s {list_some(np.flatnonzero(inf[:, c]).tolist(), _SHOWN)})"
                for c in cols[:_SHOWN]
            ]
            raise DataError(
                f"Infinite values in {len(cols)} item(s): {'; '.join(parts)}. "
                "Replace them with valid answers or null (missing)."
            )
    with np.errstate(invalid="ignore"):
        out = (X < plan.lo_arr) | (X > plan.hi_arr)
    if out.any():
        raise out_of_scale_error(
            X,
            out,
            items,
            plan.low,
            plan.high,
            where=lambda r: f"{lab}s {list_some(r.tolist(), _SHOWN)}",
            noun="items",
            fix="Fix the data, or declare no-answer codes with missing_values=(...).",
        )
    if finite.all():
        return np.arange(n)
    nan = ~finite
    row_nan = nan.any(axis=1)
    if kind == "record" or missing == "error":
        cols = np.flatnonzero(nan.any(axis=0))
        parts = [
            f"{items[c]!r} ({lab}s {list_some(np.flatnonzero(nan[:, c]).tolist(), _SHOWN)})"
            for c in cols[:_SHOWN]
        ]
        more = f" and {len(cols) - _SHOWN} more items" if len(cols) > _SHOWN else ""
        if kind == "record":
            raise DataError(
                f"The record has no answer for {len(cols)} item(s): {'; '.join(parts)}{more} "
                "(null/None, NaN or a missing_values code), so it cannot be scored. Send every "
                "answer, or score a list of records with missing='listwise' to leave such "
                "records out."
            )
        raise DataError(
            f"Missing answers in {int(row_nan.sum())} {lab}(s): {'; '.join(parts)}{more}. "
            "Choose a policy: missing='listwise' leaves those out."
        )
    used = np.flatnonzero(~row_nan)
    n_excl = n - len(used)
    if len(used) == 0:
        raise DataError(
            f"Only 0 of {n} {lab}s remain after the missing-data policy {missing!r}; at least "
            "1 is needed. Every one has a missing answer."
        )
    warnings.warn(
        f"{n_excl} of {n} {lab}s excluded ({n_excl} missing answer). "
        "The result's index lists the positions of the scored ones.",
        DataWarning,
        stacklevel=4,
    )
    return used


def item_rows(
    data: Any,
    plan: RowPlan,
    *,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    owner: str = "ScoringModel.score",
) -> ItemRows:
    """Validate a dict, records, a 2-D array or a frame against ``plan``'s items.

    Parameters
    ----------
    data : dict, list of dicts, ndarray of shape (n, n_items) or pandas.DataFrame
        A dict is one respondent (``kind='record'``; any missing answer is an error). A
        list or tuple of dicts gives one row per record. An array's columns are the plan's
        items in order. Anything else goes through :func:`csimodel.data.prepare`.
    plan : RowPlan
    missing : {'listwise', 'error'}, default='listwise'
    missing_values : sequence of numbers, default=()
    owner : str
        The public method, for messages.

    Returns
    -------
    ItemRows
    """
    codes = missing_codes(missing_values)
    p = len(plan.items)
    source: Any
    if isinstance(data, Mapping):
        flat = _records_rows(plan, [data], one=True)
        X, bad = _to_array(flat, 1, p)
        kind, source = "record", [data]
    elif isinstance(data, (list, tuple)):
        if not data:
            raise DataError("The data has no records (an empty list).")
        flat = _records_rows(plan, data, one=False)
        X, bad = _to_array(flat, len(data), p)
        kind, source = "records", data
    elif isinstance(data, np.ndarray) and not data.dtype.names:
        X, bad = _array_rows(plan, data)
        kind, source = "array", data
        flat = None
    else:
        from ..data import prepare

        prep = prepare(
            data,
            plan.items,
            scale=plan.scale,
            missing=missing,
            missing_values=missing_values,
            owner=owner,
            min_rows=1,
            require_variation=False,
            copy=False,
        )
        pos = prep.used_positions if prep.used_positions is not None else np.arange(prep.n_used)
        return ItemRows(X=prep.X, kind="frame", positions=pos, n_total=prep.n_total, source=prep)

    def values(i: int, k: int) -> Any:
        return flat[i * p + k] if flat is not None else data[i, k]

    used = _check(X, bad, values, plan, codes, missing, kind)
    if len(used) < X.shape[0]:
        X = X[used]
    return ItemRows(X=X, kind=kind, positions=used, n_total=len(source), source=source)
