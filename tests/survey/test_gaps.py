"""gap_analysis against scipy's paired tests (1e-10); segments, importance, plot, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csimodel as cm


@pytest.fixture
def survey(seed):
    rng = np.random.default_rng(seed)
    n = 180
    df = pd.DataFrame(
        {
            "e1": rng.integers(2, 6, n),
            "p1": rng.integers(1, 6, n),
            "e2": rng.integers(1, 6, n),
            "p2": rng.integers(1, 6, n),
            "i1": rng.integers(1, 6, n),
            "i2": rng.integers(1, 6, n),
            "store": rng.choice(["north", "south"], n),
        }
    )
    df.loc[df.index[:5], "p2"] = np.nan
    return df


def test_equals_scipy(survey):
    with pytest.warns(cm.DataWarning):
        gap = cm.gap_analysis(survey, expected=["e1", "e2"], perceived=["p1", "p2"], scale=(1, 5))
    used = survey.dropna()
    assert gap.n_used == len(used) and gap.n_total == len(survey) and len(gap.excluded) == 5
    for k, (e, p) in enumerate((("e1", "p1"), ("e2", "p2"))):
        row = gap.table.iloc[k]
        d = used[p] - used[e]
        assert row["gap"] == pytest.approx(d.mean(), abs=1e-12)
        assert row["p"] == pytest.approx(stats.ttest_rel(used[p], used[e]).pvalue, abs=1e-10)
        assert row["p_wilcoxon"] == pytest.approx(stats.wilcoxon(d).pvalue, abs=1e-10)
        ci = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(ci, abs=1e-10)
        assert row["share_negative"] == pytest.approx((d < 0).mean(), abs=1e-12)


def test_by_segment_and_importance(survey):
    df = survey.dropna()
    gap = cm.gap_analysis(
        df,
        expected=["e1", "e2"],
        perceived=["p1", "p2"],
        importance=["i1", "i2"],
        attributes=["speed", "price"],
        by="store",
        scale=(1, 5),
    )
    t = gap.table
    assert list(t.columns[:2]) == ["store", "attribute"] and "importance" in t
    for store, g in df.groupby("store"):
        row = t[(t["store"] == store) & (t["attribute"] == "price")].iloc[0]
        assert row["p"] == pytest.approx(stats.ttest_rel(g["p2"], g["e2"]).pvalue, abs=1e-10)
        assert row["importance"] == pytest.approx(g["i2"].mean(), abs=1e-12)
        assert row["n"] == len(g)
    import matplotlib

    matplotlib.use("Agg")
    ax = gap.plot(segment="south")
    assert len(ax.collections) == 3  # lines + two dot series
    assert "Gaps" in gap.summary().as_text()


def test_errors(survey):
    with pytest.raises(cm.DataError, match="same number"):
        cm.gap_analysis(survey, expected=["e1"], perceived=["p1", "p2"])
    with pytest.raises(cm.DataError, match="outside"):
        cm.gap_analysis(survey.dropna(), expected=["e1"], perceived=["p1"], scale=(2, 5))
    with pytest.raises(cm.DataError, match="nope"):
        cm.gap_analysis(survey, expected=["nope"], perceived=["p1"])
