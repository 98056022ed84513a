"""Roll-ups of indices: company -> industry -> sector -> national (ACSI cross-industry rule)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import list_some
from ..exceptions import DataError

__all__ = ["aggregate"]


def _level_weights(table: pd.DataFrame, level: str, units: pd.Index, spec: Any) -> np.ndarray:
    if isinstance(spec, str):
        if spec not in table.columns:
            raise DataError(
                f"weights[{level!r}] = {spec!r} is not a column of the table. Pass a column "
                f"name or a mapping {{{level} name: weight}}."
            )
        s = table.groupby(level, sort=False)[spec].agg(["first", "nunique"])
        if (s["nunique"] > 1).any():
            bad = list(s.index[s["nunique"] > 1])
            raise DataError(f"Weight column {spec!r} differs within {level} {list_some(bad)}.")
        weights_by_unit: pd.Series = s["first"]
    elif isinstance(spec, (Mapping, pd.Series)):
        weights_by_unit = pd.Series(spec, dtype=object) if isinstance(spec, Mapping) else spec
    else:
        raise DataError(
            f"weights[{level!r}] must be a mapping {{{level} name: weight}}, a Series, or a "
            f"column name. Got {type(spec).__name__} instead."
        )
    absent = [u for u in units if u not in weights_by_unit.index]
    if absent:
        raise DataError(
            f"{len(absent)} {level} segment(s) have no weight: {list_some(absent)}. Add them to "
            f"weights[{level!r}] (e.g. revenue for companies and industries, GDP share for sectors)."
        )
    vals = pd.to_numeric(weights_by_unit.reindex(units), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(vals) | (vals <= 0)
    if bad.any():
        shown = [f"{u!r}={weights_by_unit[u]!r}" for u in units[bad][:5]]
        raise DataError(
            f"Weights for {level} must be positive finite numbers; {int(bad.sum())} are not: "
            f"{', '.join(shown)}. Fix weights[{level!r}]."
        )
    return vals


def aggregate(
    table: pd.DataFrame,
    weights: Mapping[str, Any],
    levels: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
    top: str = "national",
) -> pd.DataFrame:
    """Roll indices up a hierarchy with weighted means (ACSI cross-industry aggregation).

    Each level's index is the weighted mean of the indices of its members one level down:
    industries average their companies weighted by company revenue, sectors average their
    industries weighted by industry revenue, and the national index averages the sectors
    weighted by their GDP share.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per unit of the finest level (e.g. company), with one column per level
        (naming the unit's company, industry, sector) and the index column(s) to roll up.
    weights : mapping
        ``level -> weights`` for every level in ``levels``: a mapping or Series
        ``{unit: weight}`` or, for a value that is constant per unit, a column of ``table``.
        The weights of one level average its units into the next level (the last level into
        ``top``). Units present in the table but absent from the weights, and weights that
        are missing, zero, negative or non-finite, raise :class:`~csimodel.DataError`
        naming them. Extra entries in a weight table (units not in ``table``) are ignored.
    levels : sequence of str
        Level columns from finest to coarsest, e.g. ``['company', 'industry', 'sector']``.
    columns : sequence of str, optional
        Index columns to aggregate; default all numeric columns except ``n`` and weight
        columns.
    top : str, default='national'
        Name of the single top level and its segment.

    Returns
    -------
    pandas.DataFrame
        Index = MultiIndex (level, segment), one row per unit of every level plus the top;
        columns = the index columns, ``weight`` (the unit's weight in its parent; NaN for the
        top) and ``parent``.

    Raises
    ------
    DataError
        Missing levels or columns, duplicate finest-level units, a unit with two parents,
        missing index values, or missing / non-positive weights.

    Notes
    -----
    .. math:: I_{g} = \\frac{\\sum_{u \\in g} v_u I_u}{\\sum_{u \\in g} v_u}

    References
    ----------
    ACSI, "Building the cross-industry index" (theacsi.org).

    Examples
    --------
    >>> import pandas as pd, csimodel as cm
    >>> t = pd.DataFrame({"company": ["A", "B", "C"], "industry": ["air", "air", "bank"],
    ...                   "sector": ["transport", "transport", "finance"],
    ...                   "Satisfaction": [70.0, 80.0, 75.0]})
    >>> out = cm.aggregate(t, weights={"company": {"A": 1, "B": 3, "C": 2},
    ...                                "industry": {"air": 4, "bank": 2},
    ...                                "sector": {"transport": 0.6, "finance": 0.4}},
    ...                    levels=["company", "industry", "sector"])
    >>> float(out.loc[("industry", "air"), "Satisfaction"])
    77.5
    >>> float(out.loc[("national", "national"), "Satisfaction"])
    76.5
    """
    if not isinstance(table, pd.DataFrame):
        raise DataError(f"table must be a pandas DataFrame. Got {type(table).__name__} instead.")
    levels = list(levels)
    if not levels:
        raise DataError("levels= must name at least one level column, e.g. ['company'].")
    absent = [lv for lv in levels if lv not in table.columns]
    if absent:
        raise DataError(f"Level column(s) {list_some(absent)} are not in the table.")
    if not isinstance(weights, Mapping):
        raise DataError("weights= must be a mapping {level: weights}.")
    nolevel = [lv for lv in levels if lv not in weights]
    if nolevel:
        raise DataError(
            f"weights= has no entry for level(s) {list_some(nolevel)}; give one per level."
        )
    if columns is None:
        skip = set(levels) | {"n"} | {v for v in weights.values() if isinstance(v, str)}
        columns = [
            c
            for c in table.columns
            if c not in skip
            and pd.api.types.is_numeric_dtype(table[c].dtype)
            and not pd.api.types.is_bool_dtype(table[c].dtype)
        ]
    columns = list(columns)
    if not columns:
        raise DataError("The table has no numeric index column to aggregate.")
    nocol = [c for c in columns if c not in table.columns]
    if nocol:
        raise DataError(f"Column(s) {list_some(nocol)} are not in the table.")
    na_lv = table[levels].isna().any(axis=1)
    if na_lv.any():
        raise DataError(
            f"Rows {list_some(list(table.index[na_lv]))} have no value in a level column."
        )
    vals = table[columns].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(vals.to_numpy(dtype=float))
    if bad.any():
        r = list(table.index[bad.any(axis=1)])
        raise DataError(f"Index values missing or non-numeric in rows {list_some(r)}.")
    first = levels[0]
    dup = table[first].duplicated(keep=False)
    if dup.any():
        raise DataError(
            f"{first} unit(s) {list_some(list(dict.fromkeys(table.loc[dup, first])))} appear in "
            f"more than one row; give one row per {first}."
        )

    cur = pd.DataFrame(
        vals.to_numpy(dtype=float), index=pd.Index(table[first], name=None), columns=columns
    )
    pieces = []
    for k, lv in enumerate(levels):
        units = cur.index
        w = _level_weights(table, lv, units, weights[lv])
        if k + 1 < len(levels):
            nxt = levels[k + 1]
            par = table.groupby(lv, sort=False)[nxt].agg(["first", "nunique"])
            two = par.index[par["nunique"] > 1]
            if len(two):
                raise DataError(
                    f"{lv} unit(s) {list_some(list(two))} belong to more than one {nxt}; each "
                    f"{lv} must have one {nxt}."
                )
            parent = par["first"].reindex(units).to_numpy(dtype=object)
        else:
            parent = np.array([top] * len(units), dtype=object)
        piece = cur.copy()
        piece["weight"] = w
        piece["parent"] = parent
        piece.index = pd.MultiIndex.from_arrays(
            [[lv] * len(units), units], names=["level", "segment"]
        )
        pieces.append(piece)
        codes, groups = pd.factorize(parent, sort=False)
        wsum = np.bincount(codes, weights=w)
        agg = np.column_stack(
            [np.bincount(codes, weights=w * cur[c].to_numpy()) / wsum for c in columns]
        )
        cur = pd.DataFrame(agg, index=pd.Index(groups), columns=columns)
    topf = cur.copy()
    topf["weight"] = np.nan
    topf["parent"] = None
    topf.index = pd.MultiIndex.from_arrays([[top], [top]], names=["level", "segment"])
    pieces.append(topf)
    return pd.concat(pieces)
