"""The tracker: 0-100 indices per unit (company, brand, branch) and wave, with comparisons.

ACSI practice: one model estimated on the pooled data of all units and waves, so every cell's
index uses the same index weights and differences between cells are differences of answers,
not of weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError, check_number, check_option, list_some
from ..exceptions import DataError, DataWarning
from ..scoring import respondent_scores
from ..spec import Model
from .composite import track_composite_rows

__all__ = ["track", "TrackResults", "ADJUST_METHODS"]

if TYPE_CHECKING:
    from pathlib import Path

    from ..report.summary import Summary

ADJUST_METHODS = (None, "holm", "bonferroni", "fdr_bh")
POOL = ("all", "wave")
NPS = "NPS"
COMPOSITE = "Composite"


class TrackResults(Frozen):
    """Indices per unit and wave with bootstrap intervals and tests (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per unit, wave and construct: ``unit, wave, construct, index, ci_lower,
        ci_upper, n, change, p_change, vs_all, p_vs_all`` (``change``: minus the unit's
        previous wave with data; ``vs_all``: minus all units of that wave; NaN where there is
        nothing to compare with).
    fits : dict
        The fitted model(s): ``{'all': FitResults}`` for ``pool='all'``, else one per wave.
    settings : dict
        ``unit, wave, pool, n_boot, level, adjust, min_n``.
    small_cells : list
        ``(unit, wave)`` cells with fewer than ``min_n`` respondents.
    """

    table: pd.DataFrame
    fits: dict
    settings: dict
    small_cells: list

    def summary(self) -> Summary:
        """Indices as a wide table (rows unit x wave, columns constructs), plus the tests."""
        from ..report.summary import Summary

        st = self.settings
        s = Summary("csimodel tracker")
        s.add_info("Units / waves", f"{st['unit']!r} / {st['wave']!r}")
        s.add_info(
            "Weights",
            "one model on all units and waves (pooled)"
            if st["pool"] == "all"
            else "re-estimated per wave",
        )
        s.add_info("Bootstrap resamples", str(st["n_boot"]))
        s.add_info("Multiplicity adjustment", str(st["adjust"]))
        if st.get("weights") is not None:
            s.add_info("Case weights", repr(st["weights"]))
        if st.get("nps_item") is not None:
            s.add_info("NPS", f"{st['nps_item']!r} (points -100..100, Wald interval)")
        wide = self.table.pivot_table(
            index=["unit", "wave"], columns="construct", values="index", sort=False
        )
        title = (
            "Indices (0-100)" if st.get("nps_item") is None else "Indices (0-100; NPS in points)"
        )
        s.add_table(title, wide)
        s.add_table(
            "Changes and comparisons",
            self.table.set_index(["unit", "wave", "construct"])[
                ["change", "p_change", "vs_all", "p_vs_all"]
            ].dropna(how="all"),
        )
        if self.small_cells:
            s.add_note(
                f"{len(self.small_cells)} cell(s) have fewer than {st['min_n']} respondents: "
                f"{list_some(self.small_cells)}."
            )
        return s

    def plot(self, construct: str, *, wave: Any = None, ax: Any = None) -> Any:
        """Trend lines with intervals per unit; with ``wave=`` a league table of that wave."""
        from ..plotting._base import get_ax

        t = self.table[self.table["construct"] == construct]
        if t.empty:
            raise DataError(
                f"No construct {construct!r} in the tracker. Constructs: "
                f"{list_some(self.table['construct'].unique())}."
            )
        if wave is not None:
            t = t[t["wave"] == wave].sort_values("index")
            if t.empty:
                raise DataError(
                    f"No wave {wave!r} in the tracker. Waves: "
                    f"{list_some(self.table['wave'].unique())}."
                )
            ax, _ = get_ax(ax, (7.0, 0.4 * len(t) + 1.5))
            y = np.arange(len(t))
            err = np.vstack([t["index"] - t["ci_lower"], t["ci_upper"] - t["index"]])
            ax.barh(y, t["index"], xerr=err, color="#4C72B0", capsize=3)
            ax.set_yticks(y, [str(u) for u in t["unit"]])
            ax.set_xlabel(_axis_label(construct))
            ax.set_title(f"{construct}: wave {wave}")
            return ax
        ax, _ = get_ax(ax, (7.5, 4.5))
        waves = list(dict.fromkeys(self.table["wave"]))
        pos = {w: k for k, w in enumerate(waves)}
        for u, g in t.groupby("unit", sort=False):
            x = g["wave"].map(pos).to_numpy()
            (line,) = ax.plot(x, g["index"], marker="o", label=str(u))
            ax.fill_between(x, g["ci_lower"], g["ci_upper"], color=line.get_color(), alpha=0.15)
        ax.set_xticks(range(len(waves)), [str(w) for w in waves])
        ax.set_xlabel("Wave")
        ax.set_ylabel(_axis_label(construct))
        ax.legend(fontsize="small")
        return ax

    def report(self, path: Any, **kwargs: Any) -> Path:
        """Write the HTML report of the (first) fit with a tracker section and trend charts.

        Keyword arguments go to :func:`csimodel.report.write_report`.
        """
        from ..report.html import write_report

        return write_report(next(iter(self.fits.values())), path, track=self, **kwargs)

    def __repr__(self) -> str:
        t = self.table
        return (
            f"<csimodel.TrackResults: {t['unit'].nunique()} units x {t['wave'].nunique()} "
            f"waves, {t['construct'].nunique()} constructs>"
        )


def _axis_label(construct: str) -> str:
    return "NPS (points)" if construct == NPS else f"{construct} index (0-100)"


def _boot_p(diff: float, dist: np.ndarray) -> float:
    """Two-sided bootstrap p of H0: difference 0 (the distribution shifted to 0)."""
    if not np.isfinite(diff):
        return np.nan
    d = dist[np.isfinite(dist)]
    return float((1 + np.sum(np.abs(d - diff) >= abs(diff))) / (len(d) + 1))


def track(
    model: Model | str,
    data: pd.DataFrame,
    *,
    unit: str,
    wave: str,
    scale: Any,
    estimator: Any = None,
    pool: str = "all",
    n_boot: int = 999,
    level: float = 0.95,
    adjust: str | None = None,
    min_n: int = 30,
    missing: str = "listwise",
    missing_values: Any = (),
    weights: str | None = None,
    nps_item: str | None = None,
    nps_scale: Any = (0, 10),
    kpis: Mapping[str, Sequence[Any]] | None = None,
    kpi_weights: Mapping[str, float] | None = None,
    kpi_direction: Mapping[str, int] | None = None,
    kpi_scale: Any = None,
    random_state: Any = None,
) -> TrackResults:
    """Track 0-100 indices of many units (companies, brands) over survey waves.

    Parameters
    ----------
    model : Model or str
    data : pandas.DataFrame
        One row per respondent, with the items and the ``unit`` and ``wave`` columns.
    unit, wave : str
        Columns naming the unit and the wave. Waves are ordered by sorting their values
        (numbers, dates, or an ordered categorical).
    scale : (low, high) or dict
        Declared answer scale (needed for 0-100 indices).
    estimator : PLS or PLSc, optional
        Default ``cm.PLS()``.
    pool : {'all', 'wave'}, default='all'
        ``'all'``: one model on all units and waves, so every index uses the same weights and
        changes reflect answers only (the ACSI practice). ``'wave'``: one model per wave;
        weights then follow each wave's data (useful when the drivers' roles shift), but a
        change mixes changed answers with changed weights.
    n_boot : int, default=999
        Bootstrap resamples of respondents within each cell (weights held at the fitted ones;
        respondents drawn with ``Generator.integers``).
    level : float, default=0.95
        Level of the percentile intervals.
    adjust : {None, 'holm', 'bonferroni', 'fdr_bh'}, default=None
        Multiplicity adjustment of ``p_change`` and ``p_vs_all``, each over all cells of a
        construct (statsmodels' ``multipletests``).
    min_n : int, default=30
        Cells with fewer respondents are warned about (:class:`~csimodel.DataWarning`).
    missing, missing_values
        Missing-data policy of the fit (see :func:`csimodel.prepare`); ``missing_values``
        also marks no-answer codes of ``nps_item``.
    weights : str, optional
        Column of case (survey) weights. The fit(s) use them (as ``cm.PLS().fit(...,
        weights=)``), every cell's index is the weighted mean of its respondents' scores
        (``cm.indices`` of the weighted fit), ``vs_all`` compares with the weighted mean of the
        wave, and every resample carries its respondents' weights (the index of a resample
        is its weighted mean).
    nps_item : str, optional
        Column with the 0-10 recommendation question: adds rows with construct ``'NPS'``
        (promoters 9-10 minus detractors 0-6, in points, as :func:`cm.nps`) for every cell,
        computed on the respondents the fit used who answered it (``n`` counts them).
    nps_scale : (low, high), default=(0, 10)
        Declared scale of ``nps_item``; answers outside it raise
        :class:`~csimodel.DataError`.
    kpis : mapping, optional
        KPI rules ``{kpi: (item, rule, value)}`` as :func:`cm.kpis`: adds rows with construct
        ``'Composite'``, the composite CSI of :func:`cm.composite_index` per cell (with
        ``kpi_weights`` and ``kpi_direction``, e.g. ``{'complaint': -1}``), computed on all
        rows of the cell (each KPI on its answers). Unweighted (``cm.kpis`` has no case
        weights), so not combined with ``weights=``.
    kpi_weights, kpi_direction : mapping, optional
        ``weights`` and ``direction`` of :func:`cm.composite_index`.
    kpi_scale : (low, high) or dict, optional
        Declared scale of the KPI items (needed for 'top'/'bottom' rules); default ``scale``.
    random_state : None, int or numpy.random.Generator, optional

    Returns
    -------
    TrackResults
        ``.table``: ``unit, wave, construct, index, ci_lower, ci_upper, n, change, p_change,
        vs_all, p_vs_all``.

    Notes
    -----
    A cell's index is the mean of its respondents' 0-100 scores (:func:`cm.indices` of the
    cell with the fitted weights). Cells are resampled independently (stratified bootstrap),
    so a difference's bootstrap distribution accounts for both cells and, for ``vs_all``,
    for the cell's share in the wave. The p-value of a difference :math:`d` is
    :math:`(1 + \\#\\{|d_b - d| \\ge |d|\\})/(B + 1)`, the bootstrap distribution shifted to
    the null. Tested: cells equal ``cm.indices(res, by=[unit, wave])`` of the pooled fit
    (1e-10); a planted shift is detected; the size of the change test is near nominal over
    random splits.

    NPS rows: ``index`` is the (weighted) NPS of the cell and ``ci_lower, ci_upper`` its
    Wald interval, the interval of :func:`cm.nps`: with points :math:`d_r \\in
    \\{-100, 0, 100\\}` and weights :math:`a_r`, :math:`se = \\sqrt{\\sum_r a_r^2 (d_r -
    \\bar d)^2} / \\sum_r a_r`, which is :math:`100\\sqrt{(p_P + p_D - (p_P - p_D)^2)/n}`
    without weights. ``change``/``vs_all`` and their p-values come from the same resampled
    respondents as the indices (the bootstrap p above), so an NPS change is tested like an
    index change. Tested: cells equal ``cm.nps`` of the cell (1e-12); a planted NPS shift is
    detected (p < 0.01). Composite rows: ``index`` and interval as
    :func:`cm.composite_index`; ``p_change`` the Wald z test of two independent cells,
    ``p_vs_all`` the Wald test of the cell minus the wave's pooled KPI rates (the cell's
    share of each KPI's answers taken into account); tested against ``cm.composite_index``
    of the cell and of the wave and a z test by hand (1e-12). Case weights: integer weights give the indices of duplicated rows
    (1e-10); cells equal ``cm.indices`` of the weighted fit (1e-10).

    Examples
    --------
    >>> import numpy as np
    >>> import csimodel as cm
    >>> data = cm.datasets.load_ecsi_mobi()
    >>> rng = np.random.default_rng(0)
    >>> data = data.assign(company=rng.choice(["A", "B"], len(data)),
    ...                    wave=rng.choice([1, 2], len(data)))
    >>> tr = cm.track(cm.models.ecsi(), data, unit="company", wave="wave", scale=(1, 10),
    ...               n_boot=199, random_state=0)
    >>> list(tr.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['unit', 'wave', 'construct', 'index', 'ci_lower', 'ci_upper', 'n', 'change', 'p_change',
     'vs_all', 'p_vs_all']
    """
    from ..estimators import PLS

    check_option(pool, "pool", "track", POOL)
    check_option(adjust, "adjust", "track", ADJUST_METHODS)
    check_number(n_boot, "n_boot", "track", integer=True, low=19)
    check_number(level, "level", "track", low=0, high=1, low_open=True, high_open=True)
    check_number(min_n, "min_n", "track", integer=True, low=1)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"track needs a pandas DataFrame. Got {type(data).__name__} instead.")
    for col, what in ((unit, "unit"), (wave, "wave")):
        if col not in data.columns:
            raise DataError(
                f"The {what} column {col!r} is not in the data. Columns: "
                f"{list_some(list(data.columns), 10)}."
            )
        if data[col].isna().any():
            rows = list(data.index[data[col].isna()])
            raise DataError(
                f"The {what} column {col!r} is missing in {len(rows)} row(s) "
                f"({list_some(rows)}). Fill or drop them first."
            )
    if weights is not None and not isinstance(weights, str):
        raise ParameterError(
            "The 'weights' parameter of track must be a column name of the data. "
            f"Got {type(weights).__name__} instead."
        )
    if nps_item is not None:
        _check_nps(data, nps_item, nps_scale)
    if kpis is not None and weights is not None:
        raise ParameterError(
            "The 'kpis' parameter of track cannot be combined with weights=: the composite "
            "CSI (cm.kpis, cm.composite_index) has no case weights. Got both instead."
        )
    est = PLS() if estimator is None else estimator
    model = model if isinstance(model, Model) else Model(model)
    for name, on in ((NPS, nps_item is not None), (COMPOSITE, kpis is not None)):
        if on and name in model.constructs:
            raise DataError(
                f"The model has a construct named {name!r}, which the {name} rows of the "
                "tracker would shadow. Rename the construct."
            )
    kw = dict(scale=scale, missing=missing, missing_values=missing_values, weights=weights)
    fits: dict[Any, Any] = {}
    parts = []
    if pool == "all":
        fits["all"] = est.fit(model, data, **kw)
        groups = [("all", fits["all"])]
    else:
        groups = []
        for w in sorted(data[wave].unique()):
            fits[w] = est.fit(model, data[data[wave] == w], **kw)
            groups.append((w, fits[w]))
    for _, res in groups:
        sc = respondent_scores(res)
        sc["__unit"] = res.data.column(unit).to_numpy()
        sc["__wave"] = res.data.column(wave).to_numpy()
        cw = res.data.weights
        sc["__w"] = 1.0 if cw is None else cw
        if nps_item is not None:
            sc[NPS] = _nps_points(res.data.column(nps_item), nps_scale, missing_values)
        parts.append(sc)
    scores = pd.concat(parts)
    cons = list(model.constructs) + ([NPS] if nps_item is not None else [])
    rng = np.random.default_rng(random_state)
    waves = sorted(scores["__wave"].unique())
    units = sorted(scores["__unit"].unique(), key=str)
    X = scores[cons].to_numpy(dtype=float)
    # per-column weights: the case weight, and 0 where the NPS question was not answered
    A = np.repeat(scores["__w"].to_numpy(dtype=float)[:, None], len(cons), axis=1)
    has = ~np.isnan(X)
    A[~has] = 0.0
    X = np.nan_to_num(X)
    XA = X * A
    cells, nums, dens, counts, answered, se_nps = [], [], [], [], [], []
    cell_rows = (
        pd.Series(np.arange(len(X)))
        .groupby([scores["__unit"].to_numpy(), scores["__wave"].to_numpy()])
        .indices
    )
    for w in waves:
        for u in units:
            rows_uw = cell_rows.get((u, w))
            if rows_uw is None:
                continue
            m = len(rows_uw)
            a = A[rows_uw]
            if np.any(a.sum(axis=0) <= 0):
                only_nps = nps_item is not None and np.all(a[:, :-1].sum(axis=0) > 0)
                what = f"answers to {nps_item!r}" if only_nps else "case weights"
                raise DataError(
                    f"Tracker cell {(u, w)!r} has no {what} with positive weight, so its index "
                    "is undefined. Check the weights or drop the cell."
                )
            draw = rng.integers(0, m, size=(n_boot, m))  # resampled respondents per resample
            cells.append((u, w))
            nums.append(XA[rows_uw][draw].sum(axis=1))  # (B, J)
            dens.append(a[draw].sum(axis=1))
            counts.append(m)
            answered.append(int(has[rows_uw, -1].sum()))
            if nps_item is not None:
                se_nps.append(_nps_se(X[rows_uw, -1], a[:, -1]))
    num = np.stack(nums, axis=1)  # (B, G, J)
    den = np.stack(dens, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = num / den  # a resample whose weights sum to 0 gives NaN (left out)
    sums = np.array([XA[cell_rows[c]].sum(axis=0) for c in cells])  # (G, J)
    wsums = np.array([A[cell_rows[c]].sum(axis=0) for c in cells])
    mean = sums / wsums
    n_cell = np.array(counts)
    small = [cells[g] for g in np.flatnonzero(n_cell < min_n)]
    if small:
        warnings.warn(
            f"{len(small)} tracker cell(s) have fewer than {min_n} respondents: "
            f"{list_some(small)}. Their indices are imprecise; see the intervals.",
            DataWarning,
            stacklevel=2,
        )
    lo, hi = np.nanquantile(dist, [(1 - level) / 2, (1 + level) / 2], axis=0)
    if nps_item is not None:
        z = NormalDist().inv_cdf((1 + level) / 2)
        se = np.array(se_nps)
        lo[:, -1] = np.clip(mean[:, -1] - z * se, -100, 100)
        hi[:, -1] = np.clip(mean[:, -1] + z * se, -100, 100)
    pos = {cell: g for g, cell in enumerate(cells)}
    rows = []
    for g, (u, w) in enumerate(cells):
        prev = [v for v in waves[: waves.index(w)] if (u, v) in pos]
        in_wave = [pos[(v, w)] for v in units if (v, w) in pos]
        # all units of the wave: the pooled (weighted) mean, resampled through each cell
        all_mean = sums[in_wave].sum(axis=0) / wsums[in_wave].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            all_dist = num[:, in_wave].sum(axis=1) / den[:, in_wave].sum(axis=1)
        for j, con in enumerate(cons):
            change = p_change = np.nan
            if prev:
                h = pos[(u, prev[-1])]
                change = mean[g, j] - mean[h, j]
                p_change = _boot_p(change, dist[:, g, j] - dist[:, h, j])
            vs_all = p_vs_all = np.nan
            if len(in_wave) > 1:
                vs_all = mean[g, j] - all_mean[j]
                p_vs_all = _boot_p(vs_all, dist[:, g, j] - all_dist[:, j])
            n_row = int(n_cell[g]) if con != NPS else answered[g]
            rows.append(
                (
                    u,
                    w,
                    con,
                    mean[g, j],
                    lo[g, j],
                    hi[g, j],
                    n_row,
                    change,
                    p_change,
                    vs_all,
                    p_vs_all,
                )
            )
    if kpis is not None:
        cons.append(COMPOSITE)
        for u, w, *rest in track_composite_rows(
            data,
            unit,
            wave,
            cells,
            waves,
            kpis,
            scale=scale if kpi_scale is None else kpi_scale,
            weights=kpi_weights,
            direction=kpi_direction,
            level=level,
            missing_values=missing_values,
        ):
            rows.append((u, w, COMPOSITE, *rest))
    table = pd.DataFrame(
        rows,
        columns=[
            "unit",
            "wave",
            "construct",
            "index",
            "ci_lower",
            "ci_upper",
            "n",
            "change",
            "p_change",
            "vs_all",
            "p_vs_all",
        ],
    )
    if adjust is not None:
        from statsmodels.stats.multitest import multipletests

        for col in ("p_change", "p_vs_all"):
            for con in cons:
                m = (table["construct"] == con) & table[col].notna()
                if m.any():
                    table.loc[m, col] = multipletests(table.loc[m, col], method=adjust)[1]
    table = table.sort_values(["unit", "wave", "construct"], key=_sort_key(cons, units, waves))
    return TrackResults(
        table=table.reset_index(drop=True),
        fits=fits,
        settings=dict(
            unit=unit,
            wave=wave,
            pool=pool,
            n_boot=n_boot,
            level=level,
            adjust=adjust,
            min_n=min_n,
            weights=weights,
            nps_item=nps_item,
            kpis=None if kpis is None else dict(kpis),
        ),
        small_cells=small,
    )


def _sort_key(cons, units, waves):
    order = {"construct": cons, "unit": units, "wave": waves}

    def key(s: pd.Series) -> pd.Series:
        pos = {v: k for k, v in enumerate(order[s.name])}
        return s.map(pos)

    return key


def _check_nps(data: pd.DataFrame, item: str, scale: Any) -> None:
    if item not in data.columns:
        raise DataError(
            f"The nps_item column {item!r} is not in the data. Columns: "
            f"{list_some(list(data.columns), 10)}."
        )
    ok = (
        isinstance(scale, (tuple, list))
        and len(scale) == 2
        and all(isinstance(v, (int, float, np.integer, np.floating)) for v in scale)
        and scale[0] < scale[1]
    )
    if not ok:
        raise ParameterError(
            "The 'nps_scale' parameter of track must be a pair (low, high) with low < high. "
            f"Got {scale!r} instead."
        )
    if not pd.api.types.is_numeric_dtype(data[item].dtype):
        raise DataError(
            f"The nps_item column {item!r} must be numeric (0-10 answers). "
            f"Got {data[item].dtype} instead."
        )


def _nps_points(col: pd.Series, scale: Any, missing_values: Any) -> np.ndarray:
    """100 for promoters (9-10), -100 for detractors (0-6), 0 for passives, NaN unanswered."""
    x = col.to_numpy(dtype=float, na_value=np.nan, copy=True)
    x[np.isin(x, np.asarray(missing_values, dtype=float))] = np.nan
    bad = np.isfinite(x) & ((x < scale[0]) | (x > scale[1]))
    if bad.any():
        rows = list(col.index[bad])
        raise DataError(
            f"The nps_item column {col.name!r} has {int(bad.sum())} answer(s) outside "
            f"nps_scale {tuple(scale)!r} (rows {list_some(rows)}). Fix the answers, declare "
            "no-answer codes in missing_values, or set nps_scale."
        )
    return np.where(np.isnan(x), np.nan, 100.0 * (x >= 9) - 100.0 * (x <= 6))


def _nps_se(d: np.ndarray, a: np.ndarray) -> float:
    """Wald SE of a (weighted) NPS in points: sqrt(sum a^2 (d - dbar)^2) / sum a; with unit
    weights sqrt((pP + pD - (pP - pD)^2) / n) x 100, the interval of :func:`cm.nps`."""
    dbar = (a @ d) / a.sum()
    return float(np.sqrt(np.sum(a**2 * (d - dbar) ** 2)) / a.sum())
