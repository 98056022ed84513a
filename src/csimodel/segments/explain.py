r"""Explaining latent segments ex post by observed variables (gender, channel, age, ...).

Each respondent's most likely segment (``FimixResult.membership``) is related to other
columns of the survey:

* **categorical** columns: the cross-tabulation segment x category, Pearson's chi-square
  test of independence (``scipy.stats.chi2_contingency``, no continuity correction) and
  Cramér's :math:`V = \sqrt{\chi^2 / (n\,(\min(r, c) - 1))}`;
* **numeric** columns: mean, standard deviation and count per segment, one-way ANOVA
  (``scipy.stats.f_oneway``) with :math:`\eta^2 = SS_\text{between} / SS_\text{total}`,
  and the Kruskal-Wallis test (``scipy.stats.kruskal``) that does not assume normality.

Rows missing the explained column are left out of that column's test only; the number
used is reported (``n``) and a note names the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from .._frozen import Frozen
from .._validation import ParameterError, list_some
from ..exceptions import DataError

if TYPE_CHECKING:
    from ..report.summary import Summary

__all__ = ["explain", "SegmentExplanation"]

_TEST_COLUMNS = ["kind", "test", "statistic", "df", "p", "effect", "effect_size", "n",
                 "kruskal_h", "p_kruskal", "n_missing"]  # fmt: skip


class SegmentExplanation(Frozen):
    """Result of :func:`explain` (read-only).

    Attributes
    ----------
    tests : pandas.DataFrame
        One row per explained column: ``kind`` ('categorical' or 'numeric'), ``test``,
        ``statistic``, ``df`` (for ANOVA the between-groups df; the within df is in
        ``tables``), ``p``, ``effect`` (name: 'cramers_v' or 'eta_squared'),
        ``effect_size``, ``n`` (respondents with a value), ``kruskal_h``, ``p_kruskal``
        (numeric columns), ``n_missing``.
    tables : dict
        Column -> DataFrame: for a categorical column the counts (rows = segments,
        columns = categories) followed by the row shares; for a numeric column ``mean,
        sd, n`` per segment.
    warnings : list of str
        Cautions (small expected counts in a chi-square test).
    """

    tests: pd.DataFrame
    tables: dict
    warnings: list

    def summary(self) -> Summary:
        """The tests and one table per explained column."""
        from ..report.summary import Summary

        s = Summary("csimodel: explaining the segments")
        s.add_table("Tests of association with segment membership", self.tests)
        for col, t in self.tables.items():
            s.add_table(f"{col} by segment", t)
        for w in self.warnings:
            s.add_note(w)
        s.add_note(
            "Membership is each respondent's most likely segment. Categorical: Pearson "
            "chi-square and Cramér's V; numeric: one-way ANOVA with eta squared, and "
            "Kruskal-Wallis."
        )
        return s

    def __repr__(self) -> str:
        return f"<csimodel.SegmentExplanation: {list(self.tables)}>"


def _frame(fx, data: pd.DataFrame | None) -> pd.DataFrame:
    index = fx.membership.index
    if data is None:
        frame = getattr(getattr(fx.res, "data", None), "frame", None)
        pos = getattr(getattr(fx.res, "data", None), "used_positions", None)
        if frame is None or pos is None:
            raise DataError(
                "The fitted data are not kept with this result; pass the survey table: "
                "fx.explain(data, columns=[...])."
            )
        return frame.iloc[pos].set_axis(index)
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            "The 'data' parameter of explain must be a pandas DataFrame (or None for the "
            f"data given to fit). Got {type(data).__name__!r} instead."
        )
    missing = index.difference(data.index)
    if len(missing):
        raise DataError(
            f"data has no rows labelled {list_some(list(missing))} ({len(missing)} segmented "
            "respondents in all). Pass the table given to fit (same index), or None."
        )
    if not data.index.is_unique:
        raise DataError("data has repeated index labels; give every respondent one row.")
    return data.loc[index]


def _is_categorical(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))


def _categorical(x: pd.Series, seg: pd.Series, col: str, warns: list) -> tuple[dict, pd.DataFrame]:
    tab = pd.crosstab(seg, x)
    if tab.shape[1] < 2:
        raise DataError(
            f"Column {col!r} has only one category among the segmented respondents; "
            "a test needs at least two. Leave it out of columns=."
        )
    chi2, p, dof, expected = stats.chi2_contingency(tab.to_numpy(), correction=False)
    n = int(tab.to_numpy().sum())
    v = float(np.sqrt(chi2 / (n * (min(tab.shape) - 1)))) if min(tab.shape) > 1 else np.nan
    small = float((expected < 5).mean())
    if small > 0.2:
        warns.append(
            f"{col!r}: {small:.0%} of the expected counts are below 5; the chi-square "
            "p-value is approximate (merge rare categories)."
        )
    shares = tab.div(tab.sum(axis=1), axis=0)
    table = pd.concat({"count": tab, "share": shares}, axis=1)
    row = dict(kind="categorical", test="chi2", statistic=chi2, df=float(dof), p=p,
               effect="cramers_v", effect_size=v, n=n)  # fmt: skip
    return row, table


def _numeric(x: pd.Series, seg: pd.Series, col: str) -> tuple[dict, pd.DataFrame]:
    groups = [x[seg == g].to_numpy(dtype=float) for g in sorted(seg.unique())]
    groups = [g for g in groups if len(g)]
    table = x.groupby(seg).agg(["mean", "std", "count"]).rename(columns={"std": "sd", "count": "n"})
    n = int(sum(len(g) for g in groups))
    if len(groups) < 2 or n - len(groups) < 1 or np.ptp(x.to_numpy(dtype=float)) == 0:
        raise DataError(
            f"Column {col!r} cannot be tested: it needs values in at least two segments and "
            "some variation. Leave it out of columns=."
        )
    f, p = stats.f_oneway(*groups)
    grand = x.to_numpy(dtype=float).mean()
    ss_tot = float(((x.to_numpy(dtype=float) - grand) ** 2).sum())
    ss_b = float(sum(len(g) * (g.mean() - grand) ** 2 for g in groups))
    h, p_kw = stats.kruskal(*groups)
    row = dict(kind="numeric", test="anova", statistic=float(f), df=float(len(groups) - 1),
               p=float(p), effect="eta_squared", effect_size=ss_b / ss_tot, n=n,
               kruskal_h=float(h), p_kruskal=float(p_kw))  # fmt: skip
    return row, table


def explain(
    fx: Any,
    data: pd.DataFrame | None = None,
    columns: Sequence[str] | None = None,
    *,
    categorical: Sequence[str] | None = None,
) -> SegmentExplanation:
    """How observed variables relate to the FIMIX segments.

    Parameters
    ----------
    fx : FimixResult
    data : pandas.DataFrame, optional
        The survey table (index as the data given to fit). Default: the data given to fit.
    columns : sequence of str
        Columns to relate to the segments.
    categorical : sequence of str, optional
        Numeric columns to treat as categorical (codes such as 1 = female, 2 = male). Text,
        categorical and boolean columns are categorical anyway.

    Returns
    -------
    SegmentExplanation
        ``tests`` (one row per column) and ``tables`` (cross-tabulations or means).

    Raises
    ------
    DataError
        Unknown columns, rows of the fit missing from ``data``, a column without variation.

    Notes
    -----
    The formulas are in :mod:`csimodel.segments.explain`. Tested against
    ``scipy.stats.chi2_contingency``/``f_oneway``/``kruskal`` called directly in the test
    and a hand computation of Cramér's V and eta squared.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Loyalty =~ loy1 + loy2 + loy3
    ...     Satisfaction ~ Image
    ...     Loyalty ~ Image + Satisfaction
    ... ''')
    >>> fx = cm.fimix(cm.PLS().fit(model, data), k=2, starts=5, random_state=0)
    >>> ex = fx.explain(columns=["gender", "imag1"])
    >>> ex.tests[["kind", "test", "effect"]]
               kind   test       effect
    column
    gender  categorical   chi2    cramers_v
    imag1       numeric  anova  eta_squared
    """
    frame = _frame(fx, data)
    if columns is None or isinstance(columns, str) or not len(columns):
        raise ParameterError(
            "The 'columns' parameter of explain must be a non-empty list of column names, "
            f"e.g. columns=['gender']. Got {columns!r} instead."
        )
    columns = list(columns)
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise DataError(
            f"Column(s) {list_some(unknown)} are not in the data. Available: "
            f"{list_some(list(frame.columns), 10)}."
        )
    force = set(categorical or ())
    seg = fx.membership
    rows, tables, warns = {}, {}, []
    for col in columns:
        x = frame[col]
        ok = x.notna()
        n_missing = int((~ok).sum())
        if n_missing:
            warns.append(f"{col!r}: {n_missing} respondent(s) without a value are left out.")
        x, s = x[ok], seg[ok]
        if col in force or _is_categorical(x):
            row, table = _categorical(x.astype(str) if col in force else x, s, col, warns)
        else:
            row, table = _numeric(x, s, col)
        row["n_missing"] = n_missing
        rows[col] = row
        tables[col] = table
    tests = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=_TEST_COLUMNS)
    tests.index.name = "column"
    return SegmentExplanation(tests=tests, tables=tables, warnings=warns)
