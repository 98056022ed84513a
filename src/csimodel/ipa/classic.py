r"""Classic importance-performance analysis of stated importance (Martilla & James 1977).

References
----------
Martilla, J. A., James, J. C. (1977). Importance-performance analysis. *Journal of
Marketing* 41(1), 77-79.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import ParameterError, check_option, list_some
from ..data import parse_scale
from ..exceptions import DataError
from ._common import _MapResults, _quadrant

if TYPE_CHECKING:
    from ..report.summary import Summary


__all__ = ["ipa", "IPAResults"]


# =========================================================================== classic IPA
class IPAResults(_MapResults):
    """Classic (stated-importance) importance-performance analysis results (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Index: attribute (preceded by ``segment`` with ``by``). Columns ``importance,
        performance, gap`` (importance - performance), ``n_importance, n_performance``
        (answers used per attribute) and ``quadrant``.
    crosshair : pandas.DataFrame
        Importance and performance of the crosshair (per segment).
    crosshair_kind : {'mean', 'midpoint'}
    by : str or None
    scale : dict or None
        ``{'importance': (low, high), 'performance': (low, high)}`` when declared.
    """

    crosshair_kind: str
    scale: dict[str, tuple[float, float]] | None

    def summary(self) -> Summary:
        """Text/HTML summary."""
        from ..report.summary import Summary

        s = Summary("Importance-performance analysis (stated importance)")
        s.add_info("Crosshair", self.crosshair_kind)
        if self.scale is not None:
            s.add_info("Scale", ", ".join(f"{k} {v[0]:g}-{v[1]:g}" for k, v in self.scale.items()))
        if self.by is not None:
            s.add_info("Segments", f"{self.by}: {len(self.crosshair)}")
        s.add_table("Attributes", self.table)
        s.add_table("Crosshair", self.crosshair)
        s.add_note(
            "Quadrants after Martilla & James (1977); a point on a crosshair line counts as high."
        )
        return s

    def __repr__(self) -> str:
        return f"<csimodel.IPAResults: {len(self.table)} rows, crosshair {self.crosshair_kind!r}>"


def _ipa_frame(x: Any, what: str) -> pd.DataFrame:
    if not isinstance(x, pd.DataFrame):
        raise ParameterError(
            f"The {what!r} parameter of ipa must be a pandas DataFrame (respondents x "
            f"attributes). Got {type(x).__name__} instead."
        )
    return x


def ipa(
    importance: pd.DataFrame,
    performance: pd.DataFrame,
    *,
    by: str | None = None,
    crosshair: str = "mean",
    scale: Any = None,
) -> IPAResults:
    r"""Classic importance-performance analysis of stated importance (Martilla & James 1977).

    Parameters
    ----------
    importance, performance : pandas.DataFrame
        Respondents' ratings, one column per attribute (the same attribute columns in
        both). Rows may differ between the two tables; a missing rating (NaN) leaves that
        answer out of the attribute's mean (counts are reported).
    by : str, optional
        Column present in both tables: one analysis per segment (not an attribute).
    crosshair : {'mean', 'midpoint'}, default='mean'
        Where the quadrant lines cross: the means over attributes of the mean importance
        and mean performance (per segment), or the midpoints of the declared scales.
    scale : (low, high) or dict, optional
        Declared rating scale, for both tables or ``{'importance': (l, h), 'performance':
        (l, h)}``. Ratings outside it raise :class:`~csimodel.DataError`. Needed for
        ``crosshair='midpoint'``.

    Returns
    -------
    IPAResults

    Notes
    -----
    For attribute :math:`a`, :math:`I_a` and :math:`P_a` are the mean ratings, the gap is
    :math:`I_a - P_a`. With crosshair :math:`(I^*, P^*)` the quadrant is "Concentrate here"
    when :math:`I_a \ge I^*, P_a < P^*`, "Keep up the good work" when :math:`I_a \ge I^*,
    P_a \ge P^*`, "Low priority" when :math:`I_a < I^*, P_a < P^*` and "Possible overkill"
    when :math:`I_a < I^*, P_a \ge P^*`.

    Tested on a hand-made table in ``tests/ipa/test_classic.py``.

    Examples
    --------
    >>> import pandas as pd
    >>> import csimodel as cm
    >>> imp = pd.DataFrame({"price": [5, 4, 5], "staff": [2, 3, 2], "wifi": [4, 5, 4]})
    >>> perf = pd.DataFrame({"price": [2, 3, 2], "staff": [4, 4, 5], "wifi": [5, 4, 5]})
    >>> cm.ipa(imp, perf, crosshair="midpoint", scale=(1, 5)).table["quadrant"].tolist()
    ['Concentrate here', 'Possible overkill', 'Keep up the good work']
    """
    owner = "ipa"
    importance = _ipa_frame(importance, "importance")
    performance = _ipa_frame(performance, "performance")
    check_option(crosshair, "crosshair", owner, ("mean", "midpoint"))
    for name, df in (("importance", importance), ("performance", performance)):
        if by is not None and by not in df.columns:
            raise DataError(f"The by= column {by!r} is not in the {name} table; add it to both.")
    attrs = [c for c in importance.columns if c != by]
    pattrs = [c for c in performance.columns if c != by]
    if set(attrs) != set(pattrs):
        only_i = [a for a in attrs if a not in pattrs]
        only_p = [a for a in pattrs if a not in attrs]
        raise DataError(
            "The importance and performance tables must have the same attribute columns. "
            f"Only in importance: {list_some(only_i) or 'none'}; only in performance: "
            f"{list_some(only_p) or 'none'}."
        )
    if not attrs:
        raise DataError("The tables have no attribute columns.")
    scales: dict[str, tuple[float, float]] | None = None
    if scale is not None:
        if isinstance(scale, Mapping):
            unknown = set(scale) - {"importance", "performance"}
            if unknown or len(scale) != 2:
                raise ParameterError(
                    "The 'scale' parameter of ipa must be a pair (low, high) or a dict with keys "
                    f"'importance' and 'performance'. Got keys {sorted(scale)} instead."
                )
            pairs = {k: parse_scale(scale[k], ["x"]) for k in ("importance", "performance")}
        else:
            one = parse_scale(scale, ["x"])
            pairs = {"importance": one, "performance": one}
        scales = {k: (float(v[0][0]), float(v[1][0])) for k, v in pairs.items()}
    elif crosshair == "midpoint":
        raise ParameterError(
            "crosshair='midpoint' needs the rating scale: pass scale=(1, 5) (or a dict "
            "{'importance': (1, 5), 'performance': (1, 7)})."
        )

    vals = {}
    for name, df in (("importance", importance), ("performance", performance)):
        block = df[attrs]
        nonnum = [a for a in attrs if not pd.api.types.is_numeric_dtype(block[a])]
        if nonnum:
            raise DataError(
                f"Attribute column(s) {list_some(nonnum)} of the {name} table are not numeric. "
                "Convert the ratings to numbers (e.g. pd.to_numeric)."
            )
        v = block.to_numpy(dtype=float)
        if np.any(np.isinf(v)):
            raise DataError(f"The {name} table contains infinite values; replace them.")
        if scales is not None:
            low, high = scales[name]
            out = np.isfinite(v) & ((v < low) | (v > high))
            if out.any():
                cols = [attrs[j] for j in np.flatnonzero(out.any(axis=0))]
                raise DataError(
                    f"{int(out.sum())} {name} rating(s) lie outside the declared scale "
                    f"{low:g}-{high:g}, in column(s) {list_some(cols)}. Fix the data or the scale."
                )
        vals[name] = v

    def analyse(mi: np.ndarray, mp: np.ndarray) -> tuple[pd.DataFrame, float, float]:
        vi, vp = vals["importance"][mi], vals["performance"][mp]
        ni, np_ = np.isfinite(vi).sum(axis=0), np.isfinite(vp).sum(axis=0)
        empty = [a for a, a1, a2 in zip(attrs, ni, np_, strict=True) if a1 == 0 or a2 == 0]
        if empty:
            raise DataError(f"Attribute(s) {list_some(empty)} have no ratings (in a segment).")
        I = np.nansum(vi, axis=0) / ni  # noqa: E741
        P = np.nansum(vp, axis=0) / np_
        if crosshair == "mean":
            ci, cp = float(I.mean()), float(P.mean())
        else:
            if scales is None:  # pragma: no cover - checked above: midpoint needs scales
                raise ParameterError("crosshair='midpoint' needs the scales of the ratings.")
            ci = float(sum(scales["importance"]) / 2)
            cp = float(sum(scales["performance"]) / 2)
        df = pd.DataFrame(
            {
                "importance": I,
                "performance": P,
                "gap": I - P,
                "n_importance": ni,
                "n_performance": np_,
            },
            index=pd.Index(attrs, name="attribute"),
        )
        df["quadrant"] = _quadrant(I, P, ci, cp)
        return df, ci, cp

    if by is None:
        table, ci, cp = analyse(np.ones(len(importance), bool), np.ones(len(performance), bool))
        cross = pd.DataFrame({"importance": [ci], "performance": [cp]}, index=["all"])
    else:
        for name, df in (("importance", importance), ("performance", performance)):
            if df[by].isna().any():
                raise DataError(
                    f"The by= column {by!r} of the {name} table has missing values; fill them."
                )
        segs = sorted(set(importance[by]) | set(performance[by]), key=str)
        parts, rows = [], []
        for s in segs:
            mi = (importance[by] == s).to_numpy()
            mp = (performance[by] == s).to_numpy()
            df, ci, cp = analyse(mi, mp)
            parts.append(df)
            rows.append((ci, cp))
        table = pd.concat(parts, keys=segs, names=["segment", "attribute"])
        cross = pd.DataFrame(
            rows, columns=["importance", "performance"], index=pd.Index(segs, name="segment")
        )
    return IPAResults(table=table, crosshair=cross, crosshair_kind=crosshair, by=by, scale=scales)
