"""Roll-ups equal hand-computed weighted means over a synthetic company/industry/sector table.

Reference rule: ACSI cross-industry index (theacsi.org, copied in tests/data/acsi_index.json):
industry = revenue-weighted mean of companies, sector = revenue-weighted mean of industries,
national = GDP-share-weighted mean of sectors. Tolerance 1e-12.
"""

import numpy as np
import pandas as pd
import pytest

import csimodel as cm


def synthetic(seed):
    rng = np.random.default_rng(seed)
    rows = []
    structure = {"transport": ["airlines", "rail"], "finance": ["banks", "insurance", "credit"]}
    for sector, industries in structure.items():
        for ind in industries:
            for k in range(rng.integers(1, 5)):
                rows.append((f"{ind}-{k}", ind, sector))
    t = pd.DataFrame(rows, columns=["company", "industry", "sector"])
    t["Satisfaction"] = rng.uniform(55, 90, len(t))
    t["Loyalty"] = rng.uniform(40, 95, len(t))
    t["n"] = rng.integers(50, 300, len(t))
    rev_c = dict(zip(t["company"], rng.uniform(1, 100, len(t)), strict=True))
    rev_i = {i: float(rng.uniform(50, 500)) for i in t["industry"].unique()}
    gdp = {"transport": 0.3, "finance": 0.7}
    return t, {"company": rev_c, "industry": rev_i, "sector": gdp}


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_rollup_equals_hand_weighted_means(seed):
    t, w = synthetic(seed)
    out = cm.aggregate(t, weights=w, levels=["company", "industry", "sector"])
    for col in ("Satisfaction", "Loyalty"):
        ind = {}
        for i, g in t.groupby("industry"):
            r = np.array([w["company"][c] for c in g["company"]])
            ind[i] = float(np.sum(r * g[col]) / np.sum(r))
            assert out.loc[("industry", i), col] == pytest.approx(ind[i], abs=1e-12)
        sec = {}
        for s, g in t.groupby("sector"):
            inds = g["industry"].unique()
            r = np.array([w["industry"][i] for i in inds])
            sec[s] = float(np.sum(r * np.array([ind[i] for i in inds])) / np.sum(r))
            assert out.loc[("sector", s), col] == pytest.approx(sec[s], abs=1e-12)
        nat = (0.3 * sec["transport"] + 0.7 * sec["finance"]) / 1.0
        assert out.loc[("national", "national"), col] == pytest.approx(nat, abs=1e-12)
        for c in t["company"]:
            assert out.loc[("company", c), col] == t.set_index("company").loc[c, col]
    assert "n" not in out.columns
    assert out.loc[("industry", "rail"), "parent"] == "transport"


def test_weight_column_for_companies():
    t, w = synthetic(1)
    t["revenue"] = t["company"].map(w["company"])
    a = cm.aggregate(
        t, weights={**w, "company": "revenue"}, levels=["company", "industry", "sector"]
    )
    b = cm.aggregate(t.drop(columns="revenue"), weights=w, levels=["company", "industry", "sector"])
    pd.testing.assert_frame_equal(a, b)


def test_errors_name_segments():
    t, w = synthetic(2)
    levels = ["company", "industry", "sector"]
    bad = {**w, "industry": {k: v for k, v in w["industry"].items() if k != "rail"}}
    with pytest.raises(cm.DataError, match="rail"):
        cm.aggregate(t, weights=bad, levels=levels)
    bad = {**w, "sector": {"transport": 0.3, "finance": 0.0}}
    with pytest.raises(cm.DataError, match="finance"):
        cm.aggregate(t, weights=bad, levels=levels)
    bad = {**w, "sector": {"transport": -1, "finance": 1}}
    with pytest.raises(cm.DataError, match="transport"):
        cm.aggregate(t, weights=bad, levels=levels)
    bad = {**w, "company": {**w["company"], t["company"][0]: np.nan}}
    with pytest.raises(cm.DataError, match=t["company"][0]):
        cm.aggregate(t, weights=bad, levels=levels)
    with pytest.raises(cm.DataError, match="sector"):
        cm.aggregate(t, weights={"company": w["company"], "industry": w["industry"]}, levels=levels)
    t2 = t.copy()
    t2.loc[0, "sector"] = "finance" if t2.loc[0, "sector"] == "transport" else "transport"
    with pytest.raises(cm.DataError, match="more than one sector"):
        cm.aggregate(t2, weights=w, levels=levels)
    t3 = t.copy()
    t3.loc[1, "Satisfaction"] = np.nan
    with pytest.raises(cm.DataError, match="missing"):
        cm.aggregate(t3, weights=w, levels=levels)
    with pytest.raises(cm.DataError, match="region"):
        cm.aggregate(t, weights=w, levels=["company", "region"])
