"""Explaining FIMIX segments and re-estimating the model per segment.

References: scipy.stats (chi2_contingency, f_oneway, kruskal) called directly here, Cramér's V
and eta squared by hand; per-segment fits compared with separate cm.PLS fits of the same rows
(the segments themselves come from simulate(), whose channel/age depend on the true segment).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fimix_sim import simulate
from refdata import satisfaction_model
from scipy import stats

import csimodel as cm


@pytest.fixture(scope="module")
def fx():
    d = simulate((400, 200), seed=1)
    d.index = [f"r{i}" for i in range(len(d))]  # labels, not positions
    res = cm.PLS().fit(satisfaction_model(), d)
    return cm.fimix(res, k=2, starts=5, random_state=0), d


def test_explain_matches_scipy_and_hand_effect_sizes(fx):
    f, d = fx
    ex = f.explain(columns=["channel", "age", "noise_cat", "noise_num"])
    seg = f.membership
    t = ex.tests
    # categorical: chi-square without continuity correction, Cramér's V by hand
    tab = pd.crosstab(seg, d.loc[seg.index, "channel"])
    chi2, p, dof, _ = stats.chi2_contingency(tab.to_numpy(), correction=False)
    assert t.loc["channel", "statistic"] == pytest.approx(chi2, rel=1e-12)
    assert t.loc["channel", "p"] == pytest.approx(p, rel=1e-10)
    assert t.loc["channel", "df"] == dof
    n = tab.to_numpy().sum()
    assert t.loc["channel", "effect_size"] == pytest.approx(np.sqrt(chi2 / (n * 1)), rel=1e-12)
    # numeric: ANOVA, eta squared by hand, Kruskal-Wallis
    age = d.loc[seg.index, "age"]
    groups = [age[seg == g] for g in (1, 2)]
    F, pf = stats.f_oneway(*groups)
    assert t.loc["age", "statistic"] == pytest.approx(F, rel=1e-12)
    assert t.loc["age", "p"] == pytest.approx(pf, rel=1e-10)
    ss_b = sum(len(g) * (g.mean() - age.mean()) ** 2 for g in groups)
    assert t.loc["age", "effect_size"] == pytest.approx(ss_b / ((age - age.mean()) ** 2).sum())
    H, ph = stats.kruskal(*groups)
    assert t.loc["age", "kruskal_h"] == pytest.approx(H, rel=1e-12)
    assert t.loc["age", "p_kruskal"] == pytest.approx(ph, rel=1e-10)
    # planted: channel and age depend on the segment, the noise columns do not
    assert t.loc["channel", "p"] < 1e-6 and t.loc["age", "p"] < 1e-6
    assert t.loc["noise_cat", "p"] > 0.001 and t.loc["noise_num", "p"] > 0.001
    assert list(ex.tables["age"].columns) == ["mean", "sd", "n"]
    assert ex.tables["channel"]["count"].to_numpy().sum() == 600
    text = ex.summary().as_text()
    assert "Tests of association" in text and "channel by segment" in text


def test_explain_with_given_data_missing_values_and_codes(fx):
    f, d = fx
    other = d[["channel", "age"]].copy()
    other.loc[other.index[:7], "age"] = np.nan
    other["code"] = (other["channel"] == "store").astype(int) + 1  # 1/2 codes
    ex = f.explain(other.iloc[::-1], columns=["age", "code"], categorical=["code"])
    assert ex.tests.loc["age", "n"] == 593 and ex.tests.loc["age", "n_missing"] == 7
    assert any("7 respondent(s)" in w for w in ex.warnings)
    assert ex.tests.loc["code", "kind"] == "categorical"
    ref = f.explain(columns=["channel"]).tests.loc["channel", "statistic"]
    assert ex.tests.loc["code", "statistic"] == pytest.approx(ref)


def test_explain_errors(fx):
    f, d = fx
    with pytest.raises(cm.DataError, match=r"'nope'.*Available"):
        f.explain(columns=["nope"])
    with pytest.raises(cm.CsimodelError, match="'columns' parameter of explain"):
        f.explain(columns=[])
    with pytest.raises(cm.DataError, match="no rows labelled 'r0'"):
        f.explain(d.iloc[1:], columns=["age"])
    const = d.assign(one="x")
    with pytest.raises(cm.DataError, match="only one category"):
        f.explain(const, columns=["one"])


def test_fit_segments_equals_separate_fits(fx):
    f, d = fx
    res = f.res
    seg = f.fit_segments()
    assert set(seg.fits) == {1, 2}
    for g in (1, 2):
        rows = d.loc[f.membership.index[f.membership == g]]
        ref = cm.PLS().fit(res.model, rows)
        np.testing.assert_allclose(
            seg.fits[g].params["estimate"].to_numpy(), ref.params["estimate"].to_numpy(), atol=1e-10
        )
        assert seg.fits[g].n_used == int((f.membership == g).sum())
    assert seg.path_coefficients.shape == (10, 2)
    assert list(seg.r_squared.columns) == [1, 2]
    assert "segment" in seg.data.columns and "channel" in seg.data.columns
    assert "Path coefficients" in seg.summary().as_text()


def test_fit_segments_feed_indices_ipma_and_compare():
    data = cm.datasets.load_satisfaction()
    res = cm.PLS().fit(satisfaction_model(), data, scale=(0, 10))
    f = cm.fimix(res, k=2, starts=5, random_state=0)
    seg = f.fit_segments(min_size=20)
    idx = seg.indices()
    assert list(idx.index) == [1, 2] and idx.index.name == "segment"
    for g in (1, 2):  # each segment's index from its own fit
        own = cm.indices(seg.fits[g])
        np.testing.assert_allclose(idx.loc[g, "SAT"], own["SAT"].iloc[0])
    maps = seg.ipma("LOY")
    assert set(maps) == {1, 2} and "importance" in maps[1].table.columns
    cmp = seg.compare(n_perm=19, n_boot=0, random_state=0, progress=False)
    assert cmp.groups == (1, 2)
    paths = cmp.estimates[cmp.estimates["op"] == "~"]
    np.testing.assert_allclose(
        paths[1].to_numpy(),
        seg.fits[1].params.query("op == '~'")["estimate"].to_numpy(),
        atol=1e-10,
    )
    with pytest.raises(cm.CsimodelError, match="'by' parameter of SegmentModels.compare"):
        seg.compare(by="gender")


def test_fit_segments_min_size_rule(fx):
    f, _ = fx
    with pytest.raises(cm.DataError, match=r"Segment\(s\) 2 have \d+ respondents, fewer than"):
        f.fit_segments(min_size=300)
    with pytest.raises(cm.CsimodelError, match="'estimator' parameter of fit_segments"):
        f.fit_segments(estimator="pls")
