"""Expected versus perceived: attribute gaps with paired tests ("derived dissatisfaction")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._frozen import Frozen
from .._validation import check_number, list_some
from ..exceptions import DataError

__all__ = ["gap_analysis", "GapResults"]

if TYPE_CHECKING:
    from ..report.summary import Summary

_COLUMNS = [
    "attribute",
    "expected",
    "perceived",
    "gap",
    "ci_lower",
    "ci_upper",
    "p",
    "p_wilcoxon",
    "share_negative",
    "n",
]


class GapResults(Frozen):
    """Gaps per attribute (and segment), read-only.

    Attributes
    ----------
    table : pandas.DataFrame
        ``attribute, expected, perceived, gap, ci_lower, ci_upper, p, p_wilcoxon,
        share_negative, n`` (+ ``importance`` when stated importance was given; the ``by``
        column(s) first when segmented).
    level : float
    n_total, n_used : int
    excluded : pandas.DataFrame
        Rows not used (``row, column, reason``).
    """

    table: pd.DataFrame
    level: float
    n_total: int
    n_used: int
    excluded: pd.DataFrame

    def summary(self) -> Summary:
        from ..report.summary import Summary

        s = Summary("csimodel gap analysis (perceived - expected)")
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Interval", f"{self.level:.0%} paired t")
        s.add_table("Gaps", self.table.set_index([c for c in self.table.columns[:1]]))
        s.add_note("Negative gap = under-delivery (perception below expectation).")
        return s

    def plot(self, *, segment: Any = None, ax: Any = None) -> Any:
        """Dumbbell chart: expectation and perception per attribute, joined by a line."""
        from ..plotting._base import get_ax

        t = self.table
        if "attribute" != t.columns[0]:
            key = t.columns[0]
            if segment is None:
                segment = t[key].iloc[0]
            t = t[t[key] == segment]
        t = t.iloc[::-1]
        ax, _ = get_ax(ax, (7.0, 0.45 * len(t) + 1.5))
        y = np.arange(len(t))
        neg = (t["gap"] < 0).to_numpy()
        ax.hlines(y, t["expected"], t["perceived"], colors=np.where(neg, "#C44E52", "#55A868"))
        ax.scatter(t["expected"], y, color="grey", label="expected", zorder=3)
        ax.scatter(t["perceived"], y, color="#4C72B0", label="perceived", zorder=3)
        ax.set_yticks(y, list(t["attribute"]))
        ax.set_xlabel("Mean answer")
        if segment is not None:
            ax.set_title(str(segment))
        ax.legend(fontsize="small")
        return ax

    def __repr__(self) -> str:
        return f"<csimodel.GapResults: {self.table['attribute'].nunique()} attributes>"


def _gap_rows(E: np.ndarray, P: np.ndarray, names: list[str], level: float, imp: np.ndarray | None):
    rows = []
    n = E.shape[0]
    q = stats.t.ppf((1 + level) / 2, n - 1) if n > 1 else np.nan
    for k, name in enumerate(names):
        d = P[:, k] - E[:, k]
        m = float(d.mean())
        se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        if n > 1 and se > 0:
            p = float(stats.ttest_rel(P[:, k], E[:, k]).pvalue)
        else:
            p = np.nan
        p_w = float(stats.wilcoxon(d).pvalue) if np.any(d != 0) else 1.0
        row = [name, E[:, k].mean(), P[:, k].mean(), m, m - q * se, m + q * se, p, p_w]
        row += [float(np.mean(d < 0)), n]
        if imp is not None:
            row.append(float(imp[:, k].mean()))
        rows.append(row)
    return rows


def gap_analysis(
    data: pd.DataFrame,
    expected: Sequence[str],
    perceived: Sequence[str],
    *,
    scale: Any = None,
    by: str | Sequence[str] | None = None,
    importance: Sequence[str] | None = None,
    attributes: Sequence[str] | None = None,
    level: float = 0.95,
    missing: str = "listwise",
    missing_values: Any = (),
) -> GapResults:
    """Gap between perceived and expected performance per attribute, with paired tests.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    expected, perceived : list of str
        Columns with the expectation and the perception of each attribute, in the same order.
    scale : (low, high) or dict, optional
        Declared answer scale (answers outside raise :class:`~csimodel.DataError`).
    by : str or list of str, optional
        Segment column(s): one set of gaps per segment.
    importance : list of str, optional
        Stated importance per attribute (same order): its mean is added as ``importance``, so
        the classic importance-performance view (:func:`cm.ipa`) sits beside the gaps.
    attributes : list of str, optional
        Attribute labels (default: the ``perceived`` column names).
    level : float, default=0.95
        Level of the paired t interval of the gap.
    missing : {'listwise', 'error'}, default='listwise'
        Rows missing any of the columns are excluded (recorded in ``excluded``, warned).
    missing_values : sequence of numbers, default=()

    Returns
    -------
    GapResults
        ``.table``: ``attribute, expected, perceived, gap, ci_lower, ci_upper, p,
        p_wilcoxon, share_negative, n`` (``p``: paired t test; ``p_wilcoxon``: Wilcoxon
        signed-rank test, zero differences dropped; ``share_negative``: share of respondents
        whose perception is below their expectation).

    Notes
    -----
    :math:`gap = \\bar P - \\bar E` (negative = under-delivery) with the t interval
    :math:`gap \\pm t_{(1+level)/2, n-1}\\, s_d/\\sqrt n`. Tested against
    ``scipy.stats.ttest_rel`` and ``scipy.stats.wilcoxon`` (1e-10).

    References
    ----------
    Parasuraman, A., Zeithaml, V. A., Berry, L. L. (1988). SERVQUAL: a multiple-item scale for
    measuring consumer perceptions of service quality. *Journal of Retailing* 64(1), 12-40.

    Examples
    --------
    >>> import pandas as pd
    >>> import csimodel as cm
    >>> df = pd.DataFrame({"exp_speed": [5, 4, 5, 4], "per_speed": [3, 4, 4, 2],
    ...                    "exp_price": [3, 3, 4, 2], "per_price": [4, 3, 4, 3]})
    >>> gap = cm.gap_analysis(df, expected=["exp_speed", "exp_price"],
    ...                       perceived=["per_speed", "per_price"], scale=(1, 5))
    >>> gap.table[["attribute", "gap", "share_negative"]]
          attribute   gap  share_negative
    0  per_speed -1.25            0.75
    1  per_price  0.50            0.00
    """
    from ..data import prepare
    from ..scoring.indices import _by_list

    check_number(level, "level", "gap_analysis", low=0, high=1, low_open=True, high_open=True)
    expected, perceived = list(expected), list(perceived)
    if len(expected) != len(perceived) or not expected:
        raise DataError(
            f"expected= and perceived= must list the same number (>= 1) of columns, one pair "
            f"per attribute. Got {len(expected)} and {len(perceived)}."
        )
    imp = list(importance) if importance is not None else []
    if imp and len(imp) != len(perceived):
        raise DataError(
            f"importance= must list one column per attribute ({len(perceived)}). Got {len(imp)}."
        )
    names = list(attributes) if attributes is not None else perceived
    if len(names) != len(perceived):
        raise DataError(f"attributes= must give one label per attribute ({len(perceived)}).")
    cols = list(dict.fromkeys(expected + perceived + imp))
    prep = prepare(
        data,
        cols,
        scale=scale,
        missing=missing if missing != "mean" else "error",
        missing_values=missing_values,
        owner="gap_analysis",
        min_rows=2,
        require_variation=False,
    )
    pos = {c: k for k, c in enumerate(prep.items)}
    E = prep.X[:, [pos[c] for c in expected]]
    P = prep.X[:, [pos[c] for c in perceived]]
    Imp = prep.X[:, [pos[c] for c in imp]] if imp else None
    byl = _by_list(by)
    columns = _COLUMNS + (["importance"] if imp else [])
    if not byl:
        table = pd.DataFrame(_gap_rows(E, P, names, level, Imp), columns=columns)
    else:
        keys = [prep.column(b) for b in byl]
        for k in keys:
            if k.isna().any():
                raise DataError(
                    f"The by= column {k.name!r} is missing for {int(k.isna().sum())} used "
                    "row(s). Fill or drop them first."
                )
        frame = pd.DataFrame({b: k.to_numpy() for b, k in zip(byl, keys, strict=True)})
        parts = []
        for seg, idx in frame.groupby(byl, sort=True).indices.items():
            if len(idx) < 2:
                raise DataError(
                    f"Segment {seg!r} has {len(idx)} respondent; gaps need at least 2 per "
                    f"segment. Merge segments of {list_some(byl)}."
                )
            sub = pd.DataFrame(
                _gap_rows(E[idx], P[idx], names, level, None if Imp is None else Imp[idx]),
                columns=columns,
            )
            seg = seg if isinstance(seg, tuple) else (seg,)
            for b, v in zip(byl[::-1], seg[::-1], strict=True):
                sub.insert(0, b, v)
            parts.append(sub)
        table = pd.concat(parts, ignore_index=True)
    return GapResults(
        table=table,
        level=float(level),
        n_total=prep.n_total,
        n_used=prep.n_used,
        excluded=prep.excluded,
    )
