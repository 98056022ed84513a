"""Net Promoter Score and a firm's composite CSI from KPI rates, with intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError, check_number, list_some
from ..exceptions import DataError

__all__ = ["nps", "composite_index", "track_composite_rows"]


def nps(
    data: pd.DataFrame,
    item: str,
    *,
    scale: Any = (0, 10),
    by: str | Sequence[str] | None = None,
    promoters: float = 9,
    detractors: float = 6,
    level: float = 0.95,
    missing: str = "listwise",
    missing_values: Any = (),
) -> pd.DataFrame:
    """Net Promoter Score (promoters minus detractors, in points) with an interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    item : str
        The recommendation question ("How likely are you to recommend ...", 0-10).
    scale : (low, high), default=(0, 10)
        Declared answer scale (answers outside it raise :class:`~csimodel.DataError`).
    by : str or list of str, optional
        Segment column(s) (company, wave, ...); ``['company', 'wave']`` for a tracker.
    promoters : float, default=9
        Answers at or above this are promoters.
    detractors : float, default=6
        Answers at or below this are detractors.
    level : float, default=0.95
    missing : {'listwise', 'error'}, default='listwise'
        Respondents without an answer are left out (recorded, warned).
    missing_values : sequence of numbers, default=()

    Returns
    -------
    pandas.DataFrame
        One row per segment (``segment`` = 'all' without ``by``): ``n``, ``promoters``,
        ``detractors`` (shares), ``nps`` (100 x (promoters - detractors)), ``se``,
        ``ci_lower``, ``ci_upper``.

    Notes
    -----
    Interval: Wald interval of a difference of two shares of one multinomial sample,
    :math:`se = 100\\sqrt{(p_P + p_D - (p_P - p_D)^2)/n}`, :math:`nps \\pm z\\,se`, clipped
    to [-100, 100]. Tested by hand and for coverage by simulation.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*
    81(12), 46-54.

    Examples
    --------
    >>> import pandas as pd
    >>> import csimodel as cm
    >>> df = pd.DataFrame({"rec": [10, 9, 8, 7, 6, 3, 10, 9]})
    >>> float(cm.nps(df, item="rec")["nps"].iloc[0])
    25.0
    """
    from ..data import prepare
    from ..scoring.indices import _by_list

    check_number(level, "level", "nps", low=0, high=1, low_open=True, high_open=True)
    if not detractors < promoters:
        raise ParameterError(
            f"The 'detractors' parameter of nps must be below 'promoters' ({promoters!r}). "
            f"Got {detractors!r} instead."
        )
    prep = prepare(
        data,
        [item],
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        owner="nps",
        min_rows=1,
        require_variation=False,
    )
    x = prep.X[:, 0]
    byl = _by_list(by)
    frame = pd.DataFrame({"pro": (x >= promoters).astype(float), "det": (x <= detractors) * 1.0})
    if byl:
        for b in byl:
            k = prep.column(b)
            if k.isna().any():
                raise DataError(
                    f"The by= column {b!r} is missing for {int(k.isna().sum())} row(s). "
                    "Fill or drop them first."
                )
            frame[b] = k.to_numpy()
        g = frame.groupby(byl, sort=True)
        out = pd.DataFrame(
            {"n": g.size(), "promoters": g["pro"].mean(), "detractors": g["det"].mean()}
        )
    else:
        out = pd.DataFrame(
            {
                "n": [len(x)],
                "promoters": [frame["pro"].mean()],
                "detractors": [frame["det"].mean()],
            },
            index=pd.Index(["all"], name="segment"),
        )
    pp, pd_ = out["promoters"].to_numpy(), out["detractors"].to_numpy()
    n = out["n"].to_numpy(float)
    z = NormalDist().inv_cdf((1 + level) / 2)
    out["nps"] = 100 * (pp - pd_)
    out["se"] = 100 * np.sqrt(np.clip(pp + pd_ - (pp - pd_) ** 2, 0, None) / n)
    out["ci_lower"] = np.clip(out["nps"] - z * out["se"], -100, 100)
    out["ci_upper"] = np.clip(out["nps"] + z * out["se"], -100, 100)
    out["n"] = out["n"].astype(int)
    return out


def composite_index(
    kpi_table: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    direction: Mapping[str, int] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Combine KPI rates (from :func:`cm.kpis`) into one 0-100 composite per segment.

    Parameters
    ----------
    kpi_table : pandas.DataFrame
        The result of :func:`cm.kpis`: index (segment column(s)..., ``kpi``), columns ``n``
        and ``rate``.
    weights : dict, optional
        ``{kpi: weight}`` (non-negative; normalized to sum to 1). Default: equal weights.
        KPIs not named get weight 0.
    direction : dict, optional
        ``{kpi: +1 or -1}``; -1 for KPIs where less is better (complaint rate), which then
        enter as ``1 - rate``. Default +1.
    level : float, default=0.95

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``composite`` (0-100), ``se``, ``ci_lower``, ``ci_upper``.

    Notes
    -----
    :math:`C = 100 \\sum_k w_k \\tilde r_k` with :math:`\\tilde r_k = r_k` or
    :math:`1 - r_k`; :math:`se = 100\\sqrt{\\sum_k w_k^2 r_k(1 - r_k)/n_k}` treats the KPI
    rates as independent (they usually come from different questions; positively correlated
    KPIs make this interval somewhat narrow). Normal interval clipped to [0, 100]. Tested by
    hand and for coverage by simulation with independent KPIs.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> k = cm.kpis(data, {"satisfied": ("sat1", "top", 2), "complaint": ("loy1", "<=", 3)},
    ...             by="gender", scale=(0, 10))
    >>> ci = cm.composite_index(k, {"satisfied": 2, "complaint": 1},
    ...                         direction={"complaint": -1})
    >>> list(ci.columns)
    ['composite', 'se', 'ci_lower', 'ci_upper']
    """
    check_number(level, "level", "composite_index", low=0, high=1, low_open=True, high_open=True)
    if not isinstance(kpi_table, pd.DataFrame) or "kpi" not in (kpi_table.index.names or []):
        raise DataError(
            "kpi_table must be the result of cm.kpis(...) (index with a 'kpi' level, "
            "columns 'n' and 'rate')."
        )
    for col in ("n", "rate"):
        if col not in kpi_table.columns:
            raise DataError(f"kpi_table has no {col!r} column; pass the result of cm.kpis(...).")
    names = list(dict.fromkeys(kpi_table.index.get_level_values("kpi")))
    w = {k: 1.0 for k in names} if weights is None else dict(weights)
    direction = dict(direction or {})
    for what, d in (("weights", w), ("direction", direction)):
        unknown = [k for k in d if k not in names]
        if unknown:
            raise DataError(
                f"{what}= names KPI(s) {list_some(unknown)} that are not in kpi_table. "
                f"KPIs: {list_some(names)}."
            )
    if any(not np.isfinite(v) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ParameterError(
            f"The 'weights' parameter of composite_index must be non-negative with a positive "
            f"sum. Got {w!r} instead."
        )
    bad = {k: v for k, v in direction.items() if v not in (1, -1)}
    if bad:
        raise ParameterError(
            f"The 'direction' parameter of composite_index must map KPIs to 1 or -1. "
            f"Got {bad!r} instead."
        )
    total = sum(w.values())
    t = kpi_table.reset_index()
    seg_cols = [c for c in kpi_table.index.names if c != "kpi"]
    t["w"] = t["kpi"].map(lambda k: w.get(k, 0.0) / total)
    t["r"] = np.where(t["kpi"].map(lambda k: direction.get(k, 1)) < 0, 1 - t["rate"], t["rate"])
    t["c"] = t["w"] * t["r"]
    t["v"] = t["w"] ** 2 * t["rate"] * (1 - t["rate"]) / t["n"]
    used = t[t["w"] > 0]
    g = used.groupby(seg_cols, sort=True)
    present = g["kpi"].nunique()
    missing = present[present < sum(1 for v in w.values() if v > 0)]
    if len(missing):
        raise DataError(
            f"Segment(s) {list_some(list(missing.index))} lack some weighted KPIs, so their "
            "composite is undefined. Check kpi_table."
        )
    out = pd.DataFrame({"composite": 100 * g["c"].sum(), "se": 100 * np.sqrt(g["v"].sum())})
    z = NormalDist().inv_cdf((1 + level) / 2)
    out["ci_lower"] = np.clip(out["composite"] - z * out["se"], 0, 100)
    out["ci_upper"] = np.clip(out["composite"] + z * out["se"], 0, 100)
    return out


def track_composite_rows(
    data: pd.DataFrame,
    unit: str,
    wave: str,
    cells: Sequence[tuple[Any, Any]],
    waves: Sequence[Any],
    spec: Mapping[str, Sequence[Any]],
    *,
    scale: Any,
    weights: Mapping[str, float] | None,
    direction: Mapping[str, int] | None,
    level: float,
    missing_values: Any,
) -> list[tuple]:
    """Tracker rows of the composite CSI per (unit, wave) cell, with Wald tests.

    ``index, ci_lower, ci_upper`` are :func:`composite_index` of :func:`cm.kpis` of the cell;
    ``change`` and its p value: z test of two independent cells; ``vs_all``: minus the
    composite of the pooled KPI rates of the wave, with the variance of
    :math:`C_c - C_W = 100\\sum_k w_k s_k (\\tilde r_{ck} - \\tilde r_{\\text{rest},k})`,
    :math:`s_k` the share of the wave's answers outside the cell. ``n``: the smallest
    number of respondents answering a weighted KPI in the cell.
    """
    from ..scoring import kpis as kpi_rates

    k = kpi_rates(
        data, spec, by=[unit, wave], scale=scale, level=level, missing_values=missing_values
    )
    ci = composite_index(k, weights, direction=direction, level=level)
    names = list(dict.fromkeys(k.index.get_level_values("kpi")))
    w = {n: 1.0 for n in names} if weights is None else dict(weights)
    total = sum(w.values())
    wk = np.array([w.get(n, 0.0) / total for n in names])
    flip = np.array([(direction or {}).get(n, 1) < 0 for n in names])
    cnt = k["count"].unstack("kpi")[names].astype(float)
    nn = k["n"].unstack("kpi")[names].astype(float)
    used = wk > 0
    out = []
    for u, wv in cells:
        if (u, wv) not in ci.index:
            continue
        c, se = ci.loc[(u, wv), "composite"], ci.loc[(u, wv), "se"]
        prev = [v for v in waves[: list(waves).index(wv)] if (u, v) in ci.index]
        change = p_change = np.nan
        if prev:
            h = ci.loc[(u, prev[-1])]
            change = c - h["composite"]
            p_change = _wald_p(change, float(np.hypot(se, h["se"])))
        in_wave = cnt.xs(wv, level=wave)
        n_wave = nn.xs(wv, level=wave)
        vs_all = p_vs_all = np.nan
        if len(in_wave) > 1:
            x_c, n_c = cnt.loc[(u, wv)].to_numpy(), nn.loc[(u, wv)].to_numpy()
            x_t, n_t = in_wave.sum().to_numpy(), n_wave.sum().to_numpy()
            r_c, r_t = x_c / n_c, x_t / n_t
            n_r = n_t - n_c
            r_r = np.divide(x_t - x_c, n_r, out=np.zeros_like(r_c), where=n_r > 0)
            all_c = 100 * np.sum(wk * np.where(flip, 1 - r_t, r_t))
            vs_all = c - all_c
            s = n_r / n_t
            v = r_c * (1 - r_c) / n_c + np.divide(
                r_r * (1 - r_r), n_r, out=np.zeros_like(r_r), where=n_r > 0
            )
            p_vs_all = _wald_p(vs_all, 100 * float(np.sqrt(np.sum((wk * s) ** 2 * v))))
        n_row = int(nn.loc[(u, wv)].to_numpy()[used].min())
        lo, hi = ci.loc[(u, wv), "ci_lower"], ci.loc[(u, wv), "ci_upper"]
        out.append((u, wv, c, lo, hi, n_row, change, p_change, vs_all, p_vs_all))
    return out


def _wald_p(d: float, se: float) -> float:
    """Two-sided normal p of H0: difference 0 (NaN when the SE is 0)."""
    if not se > 0:
        return np.nan
    return float(2 * (1 - NormalDist().cdf(abs(d) / se)))
