"""Composite CSI KPIs: shares of respondents meeting an answer rule, with Wilson intervals."""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_number, check_option
from ..exceptions import DataError
from .indices import _by_list

__all__ = ["kpis", "wilson_interval"]

_OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
_RULES = tuple(_OPS) + ("in", "top", "bottom")


def wilson_interval(count: np.ndarray, n: np.ndarray, level: float = 0.95):
    """Wilson score interval for a binomial proportion (vectorized).

    .. math::

        \\frac{\\hat p + z^2/(2n) \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}
    """
    count = np.asarray(count, dtype=float)
    n = np.asarray(n, dtype=float)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = count / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


def _rule(name: str, spec: Any, scale: Any):
    if not (isinstance(spec, (tuple, list)) and len(spec) == 3 and isinstance(spec[0], str)):
        raise DataError(
            f"KPI {name!r} must be (item, rule, value), e.g. ('CUSA1', 'top', 2) or "
            f"('CUSCO', '<=', 3). Got {spec!r} instead."
        )
    item, op, value = spec
    check_option(op, f"rule of KPI {name!r}", "kpis", _RULES)
    if op == "in":
        try:
            vals = np.asarray(list(value), dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"KPI {name!r}: 'in' needs a list of numbers. Got {value!r}.") from None
        return item, (lambda x: np.isin(x, vals))
    check_number(value, f"value of KPI {name!r}", "kpis")
    if op in ("top", "bottom"):
        check_number(value, f"value of KPI {name!r}", "kpis", integer=True, low=1)
        lo_hi = None
        if isinstance(scale, Mapping):
            lo_hi = scale.get(item)
        elif scale is not None:
            lo_hi = scale
        if lo_hi is None:
            raise DataError(
                f"KPI {name!r} uses a {op}-{value}-box rule, which needs item {item!r}'s answer "
                "scale: pass scale=(1, 10) (or scale={item: (low, high)}) to kpis()."
            )
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
        cut = hi - value + 1 if op == "top" else lo + value - 1
        return item, ((lambda x: x >= cut) if op == "top" else (lambda x: x <= cut))
    f = _OPS[op]
    v = float(value)
    return item, (lambda x: f(x, v))


def kpis(
    data: Any,
    spec: Mapping[str, Sequence[Any]],
    by: str | Sequence[str] | None = None,
    *,
    scale: Any = None,
    level: float = 0.95,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
) -> pd.DataFrame:
    """Rates of respondents meeting answer rules (top-2-box, complaint, ...) per segment.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    spec : mapping
        ``{kpi name: (item, rule, value)}``. ``rule`` is one of ``'>=', '>', '<=', '<',
        '==', '!='`` (compare the answer with ``value``), ``'in'`` (answer in a list),
        ``'top'`` / ``'bottom'`` (the top or bottom ``value`` boxes of the declared scale,
        e.g. ``('CUSA1', 'top', 2)`` is 9 or 10 on a 1-10 scale).
    by : str or list of str, optional
        Segment column(s).
    scale : (low, high) or dict, optional
        Declared answer scale (validates answers; needed for 'top'/'bottom').
    level : float, default=0.95
        Level of the Wilson intervals.
    missing : {'listwise', 'error'}, default='listwise'
        Per KPI, respondents without an answer to its item are left out of its rate
        (``n`` counts those used; warned); ``'error'`` raises.
    missing_values : sequence of numbers, default=()
        Codes meaning "no answer".

    Returns
    -------
    pandas.DataFrame
        Index = (segment column(s)..., ``kpi``) (``segment`` = 'all' without ``by``);
        columns ``n`` (respondents answering), ``count`` (meeting the rule), ``rate``,
        ``ci_lower``, ``ci_upper`` (Wilson score interval).

    Notes
    -----
    Tested against ``statsmodels.stats.proportion.proportion_confint(method='wilson')``.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. *JASA* 22, 209-212.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> k = cm.kpis(data, {"satisfied": ("sat1", "top", 2), "loyal": ("loy1", ">=", 8)},
    ...             by="gender", scale=(0, 10))
    >>> list(k.columns)
    ['n', 'count', 'rate', 'ci_lower', 'ci_upper']
    """
    from ..data import prepare

    check_number(level, "level", "kpis", low=0, high=1, low_open=True, high_open=True)
    check_option(missing, "missing", "kpis", ("listwise", "error"))
    if not isinstance(spec, Mapping) or not spec:
        raise DataError("spec must be a non-empty mapping {kpi name: (item, rule, value)}.")
    byl = _by_list(by)
    frames = []
    for name, s in spec.items():
        item, rule = _rule(name, s, scale)
        sc = scale.get(item) if isinstance(scale, Mapping) else scale
        p = prepare(
            data,
            [item],
            scale=sc,
            missing=missing,
            missing_values=missing_values,
            owner="kpis",
            min_rows=1,
            require_variation=False,
        )
        hit = rule(p.X[:, 0]).astype(float)
        keys = [p.column(b) for b in byl]
        for k in keys:
            na = k.isna().to_numpy()
            if na.any():
                raise DataError(
                    f"The by= column {k.name!r} is missing for {int(na.sum())} row(s). "
                    "Fill or drop them first."
                )
        grp = pd.DataFrame({"n": np.ones_like(hit), "count": hit})
        if keys:
            for k in keys:
                grp[k.name] = k.to_numpy()
            g = grp.groupby(byl, sort=True)[["n", "count"]].sum()
        else:
            g = grp[["n", "count"]].sum().to_frame().T
            g.index = pd.Index(["all"], name="segment")
        g["kpi"] = name
        frames.append(g.set_index("kpi", append=True))
    out = pd.concat(frames)
    out["n"] = out["n"].astype(int)
    out["count"] = out["count"].astype(int)
    n = out["n"].to_numpy(float)
    c = out["count"].to_numpy(float)
    out["rate"] = c / n
    lo, hi = wilson_interval(c, n, level)
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    return out
