"""nps and composite_index: hand computation and interval coverage by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm


def test_nps_by_hand():
    x = [10, 9, 9, 8, 7, 6, 5, 0, 10, 3]
    df = pd.DataFrame({"rec": x, "co": list("AABBAABBAB")})
    out = cm.nps(df, item="rec", by="co", level=0.9)
    for co, g in df.groupby("co"):
        v = g["rec"].to_numpy()
        pp, pd_ = np.mean(v >= 9), np.mean(v <= 6)
        se = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / len(v))
        row = out.loc[co]
        assert row["nps"] == pytest.approx(100 * (pp - pd_), abs=1e-12)
        assert row["se"] == pytest.approx(se, abs=1e-12)
        assert row["ci_lower"] == pytest.approx(
            max(-100, 100 * (pp - pd_) - 1.6448536 * se), abs=1e-5
        )
    assert list(out.columns) == [
        "n",
        "promoters",
        "detractors",
        "nps",
        "se",
        "ci_lower",
        "ci_upper",
    ]


def test_nps_interval_coverage():
    """Multinomial population (.45 promoters, .25 passives, .30 detractors; NPS 15): the 95%
    Wald interval covers 15 in 93.5-96.5% of 4000 samples of 300 (binomial band)."""
    rng = np.random.default_rng(7)
    draws = rng.choice([10, 8, 3], p=[0.45, 0.25, 0.30], size=(4000, 300))
    df = pd.DataFrame({"rec": draws.ravel(), "s": np.repeat(np.arange(4000), 300)})
    out = cm.nps(df, item="rec", by="s")
    cover = ((out["ci_lower"] <= 15) & (15 <= out["ci_upper"])).mean()
    assert 0.935 <= cover <= 0.965


def test_nps_errors():
    df = pd.DataFrame({"rec": [1, 11]})
    with pytest.raises(cm.DataError, match="outside"):
        cm.nps(df, item="rec")
    with pytest.raises(cm.CsimodelError, match="'detractors' parameter"):
        cm.nps(pd.DataFrame({"rec": [1, 2]}), item="rec", detractors=9)


def _kpi_data(rng, n_seg=2, n=400, p=(0.6, 0.2)):
    rows = []
    for s in range(n_seg):
        rows.append(
            pd.DataFrame(
                {
                    "sat": (rng.random(n) < p[0]).astype(int) * 9 + 1,
                    "compl": (rng.random(n) < p[1]).astype(int),
                    "seg": s,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_composite_by_hand():
    rng = np.random.default_rng(1)
    df = _kpi_data(rng)
    k = cm.kpis(df, {"satisfied": ("sat", ">=", 9), "complaint": ("compl", "==", 1)}, by="seg")
    out = cm.composite_index(k, {"satisfied": 3, "complaint": 1}, direction={"complaint": -1})
    for s, g in df.groupby("seg"):
        r1, r2 = (g["sat"] >= 9).mean(), (g["compl"] == 1).mean()
        c = 100 * (0.75 * r1 + 0.25 * (1 - r2))
        se = 100 * np.sqrt(0.75**2 * r1 * (1 - r1) / len(g) + 0.25**2 * r2 * (1 - r2) / len(g))
        assert out.loc[s, "composite"] == pytest.approx(c, abs=1e-10)
        assert out.loc[s, "se"] == pytest.approx(se, abs=1e-10)


@pytest.mark.slow
def test_composite_interval_coverage():
    """Independent KPIs: the 95% interval covers the population composite in 93.5-96.5% of
    1500 simulated segments."""
    rng = np.random.default_rng(3)
    df = _kpi_data(rng, n_seg=1500, n=200, p=(0.6, 0.2))
    k = cm.kpis(df, {"satisfied": ("sat", ">=", 9), "complaint": ("compl", "==", 1)}, by="seg")
    out = cm.composite_index(k, {"satisfied": 1, "complaint": 1}, direction={"complaint": -1})
    truth = 100 * (0.5 * 0.6 + 0.5 * 0.8)
    cover = ((out["ci_lower"] <= truth) & (truth <= out["ci_upper"])).mean()
    assert 0.935 <= cover <= 0.965


def test_composite_errors():
    df = _kpi_data(np.random.default_rng(0))
    k = cm.kpis(df, {"satisfied": ("sat", ">=", 9)}, by="seg")
    with pytest.raises(cm.DataError, match="not in kpi_table"):
        cm.composite_index(k, {"loyal": 1})
    with pytest.raises(cm.CsimodelError, match="'direction' parameter"):
        cm.composite_index(k, direction={"satisfied": 2})
    with pytest.raises(cm.DataError, match="cm.kpis"):
        cm.composite_index(pd.DataFrame({"rate": [0.5]}))
