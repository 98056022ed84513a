"""KPI rates with Wilson intervals.

Reference: statsmodels 0.15.0 ``proportion_confint(count, nobs, alpha=1-level,
method='wilson')``; rates counted by hand with pandas. Tolerance 1e-12.
"""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import csimodel as cm


@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_rates_and_wilson_against_statsmodels(level):
    data = cm.datasets.load_satisfaction()
    spec = {
        "satisfied_top2": ("sat1", "top", 2),
        "loyal": ("loy1", ">=", 8),
        "unhappy": ("sat2", "bottom", 3),
        "promoter": ("loy2", "in", [9, 10]),
    }
    out = cm.kpis(data, spec, by="gender", scale=(0, 10), level=level)
    rules = {
        "satisfied_top2": data["sat1"] >= 9,
        "loyal": data["loy1"] >= 8,
        "unhappy": data["sat2"] <= 2,
        "promoter": data["loy2"].isin([9, 10]),
    }
    for g in ("female", "male"):
        m = data["gender"] == g
        for k, hit in rules.items():
            row = out.loc[(g, k)]
            n, c = int(m.sum()), int((hit & m).sum())
            assert row["n"] == n and row["count"] == c
            assert row["rate"] == pytest.approx(c / n, abs=1e-15)
            lo, hi = proportion_confint(c, n, alpha=1 - level, method="wilson")
            assert row["ci_lower"] == pytest.approx(lo, abs=1e-12)
            assert row["ci_upper"] == pytest.approx(hi, abs=1e-12)


def test_overall_and_missing_answers():
    data = cm.datasets.load_ecsi_mobi().copy()
    data.loc[[0, 5], "CUSCO"] = np.nan
    with pytest.warns(cm.DataWarning):
        out = cm.kpis(data, {"complain": ("CUSCO", "<=", 4)})
    row = out.loc[("all", "complain")]
    assert row["n"] == 248
    assert row["count"] == int((data["CUSCO"] <= 4).sum())
    with pytest.raises(cm.DataError, match="CUSCO"):
        cm.kpis(data, {"complain": ("CUSCO", "<=", 4)}, missing="error")


def test_edge_rates_and_errors():
    df = pd.DataFrame({"q": [10, 10, 10, 9], "seg": ["a", "a", "a", "b"]})
    out = cm.kpis(df, {"top": ("q", "top", 1)}, by="seg", scale=(1, 10))
    lo, hi = proportion_confint(3, 3, alpha=0.05, method="wilson")
    assert out.loc[("a", "top"), "ci_lower"] == pytest.approx(lo, abs=1e-12)
    assert out.loc[("a", "top"), "ci_upper"] == pytest.approx(hi, abs=1e-12)
    assert out.loc[("b", "top"), "rate"] == 0.0
    with pytest.raises(cm.DataError, match="scale"):
        cm.kpis(df, {"top": ("q", "top", 2)})
    with pytest.raises(cm.CsimodelError, match="rule"):
        cm.kpis(df, {"x": ("q", "~", 2)})
    with pytest.raises(cm.DataError, match="nope"):
        cm.kpis(df, {"x": ("nope", ">=", 2)})
    with pytest.raises(cm.DataError, match="outside"):
        cm.kpis(df, {"x": ("q", ">=", 2)}, scale=(1, 5))
