"""cm.track with NPS rows (nps_item=) and case weights (weights=).

References are independent of the tracker: cm.nps on each cell's rows, a Wald z test of two
independent NPS built here from cm.nps's standard errors, cm.indices of a weighted fit made
here, duplicated rows for integer weights, and the documented bootstrap recomputed by hand.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

MODEL = """Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image
Loyalty ~ Satisfaction + Image
"""
# answer probabilities of 0..10: a neutral and a "happier" population
P0 = np.array([2, 2, 3, 4, 5, 8, 10, 16, 18, 16, 16], float) / 100
P1 = np.array([1, 1, 1, 2, 2, 4, 6, 13, 20, 24, 26], float) / 100


def _panel(ecsi, seed, n=200, happy=None, waves=(1, 2), units=("A", "B", "C")):
    """Units x waves cells of n ECSI respondents (drawn with replacement), a 0-10
    recommendation answer from P0 (P1 in the cell ``happy``) and integer case weights 1-3."""
    rng = np.random.default_rng(seed)
    parts = []
    for u in units:
        for w in waves:
            d = ecsi.iloc[rng.integers(0, len(ecsi), n)].copy()
            p = P1 if (u, w) == happy else P0
            d["rec"] = rng.choice(11, n, p=p)
            d["wt"] = rng.integers(1, 4, n)
            parts.append(d.assign(company=u, wave=w))
    return pd.concat(parts, ignore_index=True)


def _t(tr):
    return tr.table.set_index(["unit", "wave", "construct"])


def test_nps_cells_equal_cm_nps_of_the_cell(ecsi):
    data = _panel(ecsi, 0)
    data.loc[data.index[:7], "rec"] = np.nan  # unanswered: left out of the NPS rows only
    tr = cm.track(
        MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=99,
        nps_item="rec", random_state=0,
    )  # fmt: skip
    t = _t(tr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        ref = cm.nps(data, item="rec", by=["company", "wave"])
        ref_wave = cm.nps(data, item="rec", by="wave")
    for (u, w), r in ref.iterrows():
        row = t.loc[(u, w, "NPS")]
        for col in ("ci_lower", "ci_upper"):
            assert row[col] == pytest.approx(r[col], abs=1e-12)
        assert row["index"] == pytest.approx(r["nps"], abs=1e-12)
        assert row["n"] == r["n"]
        assert row["vs_all"] == pytest.approx(r["nps"] - ref_wave.loc[w, "nps"], abs=1e-12)
        if w == 2:
            assert row["change"] == pytest.approx(r["nps"] - ref.loc[(u, 1), "nps"], abs=1e-12)
    assert t.loc[("A", 1, "Loyalty"), "n"] == 200  # constructs keep all respondents
    assert t.loc[("A", 1, "NPS"), "n"] == 193
    assert list(tr.table["construct"].unique())[-1] == "NPS"
    assert "NPS" in tr.summary().as_text()


def test_planted_nps_shift_is_detected_and_p_matches_wald(ecsi):
    data = _panel(ecsi, 1, n=250, happy=("B", 2))
    tr = cm.track(
        MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=1999,
        nps_item="rec", random_state=2,
    )  # fmt: skip
    t = _t(tr)
    # population NPS: P0 = 50 - 24 = 26 points, P1 = 70 - 11 = 59 points
    assert t.loc[("B", 2, "NPS"), "change"] == pytest.approx(33, abs=15)
    assert t.loc[("B", 2, "NPS"), "p_change"] < 0.01
    assert t.loc[("B", 2, "NPS"), "p_vs_all"] < 0.01
    # the other cells: bootstrap p of the change agrees with the Wald z test of two
    # independent NPS (se from cm.nps) within 0.03 (Monte Carlo + normal approximation)
    ref = cm.nps(data, item="rec", by=["company", "wave"])
    for u in ("A", "C"):
        d = ref.loc[(u, 2), "nps"] - ref.loc[(u, 1), "nps"]
        z = d / np.hypot(ref.loc[(u, 2), "se"], ref.loc[(u, 1), "se"])
        p = 2 * (1 - NormalDist().cdf(abs(z)))
        assert t.loc[(u, 2, "NPS"), "p_change"] == pytest.approx(p, abs=0.03)


def test_integer_weights_equal_duplicated_rows(ecsi):
    data = _panel(ecsi, 3)
    dup = data.loc[data.index.repeat(data["wt"])].reset_index(drop=True)
    kw = dict(unit="company", wave="wave", scale=(1, 10), n_boot=49, nps_item="rec")
    tw = cm.track(MODEL, data, weights="wt", random_state=0, **kw)
    td = cm.track(MODEL, dup, random_state=0, **kw)
    np.testing.assert_allclose(
        tw.fits["all"].outer_weights, td.fits["all"].outer_weights, atol=1e-10
    )
    for col in ("index", "change", "vs_all"):
        np.testing.assert_allclose(tw.table[col], td.table[col], atol=1e-10, equal_nan=True)
    assert tw.table["n"].max() == 200  # n counts respondents, not weights
    for pool in ("wave",):
        a = cm.track(MODEL, data, weights="wt", pool=pool, random_state=0, **kw)
        b = cm.track(MODEL, dup, pool=pool, random_state=0, **kw)
        np.testing.assert_allclose(a.table["index"], b.table["index"], atol=1e-10)
    assert "Case weights" in tw.summary().as_text()


def test_weighted_cells_equal_indices_of_weighted_fit_and_weighted_bootstrap(ecsi):
    data = _panel(ecsi, 4, n=80)
    data["wt"] = data["wt"] * 0.37  # non-integer: sampling weights
    B = 59
    tr = cm.track(
        MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=B,
        weights="wt", random_state=5,
    )  # fmt: skip
    res = cm.PLS().fit(MODEL, data, scale=(1, 10), weights="wt")
    np.testing.assert_allclose(tr.fits["all"].outer_weights, res.outer_weights, atol=1e-12)
    ref = cm.indices(res, by=["company", "wave"])
    ref_wave = cm.indices(res, by="wave")
    got = tr.table.pivot_table(index=["unit", "wave"], columns="construct", values="index")
    t = _t(tr)
    for con in ("Image", "Satisfaction", "Loyalty"):
        np.testing.assert_allclose(got[con], ref[con], atol=1e-10, rtol=0)
        assert t.loc[("C", 2, con), "vs_all"] == pytest.approx(
            ref.loc[("C", 2), con] - ref_wave.loc[2, con], abs=1e-10
        )
    # the documented bootstrap by hand: per cell (waves, then units, sorted) B draws of m
    # respondents with Generator.integers; a resample's index is its weighted mean score
    sc = cm.respondent_scores(res)
    wt = data["wt"].to_numpy()
    rng = np.random.default_rng(5)
    for w in (1, 2):
        for u in ("A", "B", "C"):
            rows = np.flatnonzero(
                (data["company"] == u).to_numpy() & (data["wave"] == w).to_numpy()
            )
            draw = rng.integers(0, len(rows), size=(B, len(rows)))
            x = sc["Loyalty"].to_numpy()[rows][draw]
            v = wt[rows][draw]
            lo, hi = np.quantile((x * v).sum(1) / v.sum(1), [0.025, 0.975])
            assert t.loc[(u, w, "Loyalty"), "ci_lower"] == pytest.approx(lo, abs=1e-10)
            assert t.loc[(u, w, "Loyalty"), "ci_upper"] == pytest.approx(hi, abs=1e-10)
    # scaling the weights changes nothing
    t3 = cm.track(
        MODEL, data.assign(wt=data["wt"] * 3), unit="company", wave="wave", scale=(1, 10),
        n_boot=B, weights="wt", random_state=5,
    )  # fmt: skip
    cols = ["index", "ci_lower", "ci_upper", "change", "p_change", "vs_all", "p_vs_all"]
    np.testing.assert_allclose(t3.table[cols], tr.table[cols], atol=1e-10)


def test_nps_and_weights_errors(ecsi):
    data = _panel(ecsi, 6, n=100)
    kw = dict(unit="company", wave="wave", scale=(1, 10), n_boot=19)
    with pytest.raises(cm.CsimodelError, match="'weights' parameter of track"):
        cm.track(MODEL, data, weights=data["wt"].to_numpy(), **kw)
    with pytest.raises(cm.DataError, match="'recommend'"):
        cm.track(MODEL, data, nps_item="recommend", **kw)
    with pytest.raises(cm.CsimodelError, match="'nps_scale' parameter of track"):
        cm.track(MODEL, data, nps_item="rec", nps_scale=(10, 0), **kw)
    bad = data.copy()
    bad.loc[bad.index[3], "rec"] = 12
    with pytest.raises(cm.DataError, match="outside nps_scale"):
        cm.track(MODEL, bad, nps_item="rec", **kw)
    bad["rec"] = bad["rec"].replace(12, -99)
    tr = cm.track(MODEL, bad, nps_item="rec", missing_values=(-99,), **kw)
    assert tr.table.query("construct == 'NPS'")["n"].sum() == len(bad) - 1
    zero = data.copy()
    zero.loc[(zero["company"] == "B") & (zero["wave"] == 1), "wt"] = 0
    with pytest.warns(cm.DataWarning, match="weight is zero"):  # the data door excludes them
        tz = cm.track(MODEL, zero, weights="wt", **kw)
    assert ("B", 1) not in set(zip(tz.table["unit"], tz.table["wave"], strict=True))
    none = data.copy()
    none.loc[(none["company"] == "A") & (none["wave"] == 2), "rec"] = np.nan
    with pytest.raises(cm.DataError, match="answers to 'rec'"):
        cm.track(MODEL, none, nps_item="rec", **kw)


KPIS = {"satisfied": ("CUSA1", "top", 2), "loyal": ("CUSL1", ">=", 8), "low": ("CUSCO", "<=", 3)}


def test_composite_rows_equal_composite_index_and_wald_tests(ecsi):
    data = _panel(ecsi, 7, n=150)
    kw = dict(kpi_weights={"satisfied": 2, "loyal": 2, "low": 1}, kpi_direction={"low": -1})
    tr = cm.track(
        MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=49, kpis=KPIS,
        adjust=None, random_state=0, **kw,
    )  # fmt: skip
    t = _t(tr)
    cell = cm.composite_index(
        cm.kpis(data, KPIS, by=["company", "wave"], scale=(1, 10)),
        kw["kpi_weights"],
        direction=kw["kpi_direction"],
    )
    wave = cm.composite_index(
        cm.kpis(data, KPIS, by="wave", scale=(1, 10)),
        kw["kpi_weights"],
        direction=kw["kpi_direction"],
    )
    phi = NormalDist().cdf
    for (u, w), r in cell.iterrows():
        row = t.loc[(u, w, "Composite")]
        for a, b in (("index", "composite"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper")):
            assert row[a] == pytest.approx(r[b], abs=1e-12)
        assert row["vs_all"] == pytest.approx(r["composite"] - wave.loc[w, "composite"], abs=1e-12)
        if w == 2:
            prev = cell.loc[(u, 1)]
            d = r["composite"] - prev["composite"]
            p = 2 * (1 - phi(abs(d) / np.hypot(r["se"], prev["se"])))
            assert row["change"] == pytest.approx(d, abs=1e-12)
            assert row["p_change"] == pytest.approx(p, abs=1e-12)
    # vs_all p by hand for one cell: C_c - C_W = 100 sum_k w_k s_k (r~_ck - r~_rest,k)
    k = cm.kpis(data, KPIS, by=["company", "wave"], scale=(1, 10))
    wk = {"satisfied": 0.4, "loyal": 0.4, "low": 0.2}
    var = 0.0
    for name, wt in wk.items():
        c = k.loc[("B", 1, name)]
        rest = k.loc[[("A", 1, name), ("C", 1, name)]]
        n_r, x_r = rest["n"].sum(), rest["count"].sum()
        s = n_r / (n_r + c["n"])
        r_r = x_r / n_r
        var += (wt * s) ** 2 * (c["rate"] * (1 - c["rate"]) / c["n"] + r_r * (1 - r_r) / n_r)
    d = t.loc[("B", 1, "Composite"), "vs_all"]
    p = 2 * (1 - phi(abs(d) / (100 * np.sqrt(var))))
    assert t.loc[("B", 1, "Composite"), "p_vs_all"] == pytest.approx(p, abs=1e-12)
    assert t.loc[("B", 1, "Composite"), "n"] == 150
    with pytest.raises(cm.CsimodelError, match="'kpis' parameter of track"):
        cm.track(MODEL, data, unit="company", wave="wave", scale=(1, 10), kpis=KPIS, weights="wt")
    with pytest.raises(cm.DataError, match="nope"):
        cm.track(MODEL, data, unit="company", wave="wave", scale=(1, 10), kpis=KPIS,
                 kpi_weights={"nope": 1})  # fmt: skip


def test_planted_composite_shift_is_detected(ecsi):
    data = _panel(ecsi, 8, n=250)
    m = (data["company"] == "C") & (data["wave"] == 2)
    data.loc[m, "CUSA1"] = np.clip(data.loc[m, "CUSA1"] + 2, 1, 10)
    tr = cm.track(
        MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=49, kpis=KPIS,
        random_state=0,
    )  # fmt: skip
    t = _t(tr)
    assert t.loc[("C", 2, "Composite"), "p_change"] < 0.01
    assert t.loc[("C", 2, "Composite"), "change"] > 5


@pytest.mark.slow
def test_nps_change_test_size_over_random_splits(ecsi):
    """No true NPS change (every answer from P0): p_change < 0.05 in about 5% of the cells
    (40 x 4 = 160 p-values; band [0.016, 0.088], about +-2 binomial SD)."""
    rng = np.random.default_rng(11)
    ps = []
    for _ in range(40):
        data = ecsi.assign(
            company=rng.choice(["A", "B"], len(ecsi)),
            wave=rng.choice([1, 2, 3], len(ecsi)),
            rec=rng.choice(11, len(ecsi), p=P0),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.DataWarning)
            tr = cm.track(
                MODEL, data, unit="company", wave="wave", scale=(1, 10), n_boot=199,
                nps_item="rec", random_state=rng,
            )  # fmt: skip
        ps.extend(tr.table.query("construct == 'NPS'")["p_change"].dropna())
    rate = np.mean(np.array(ps) < 0.05)
    assert 0.016 <= rate <= 0.088, rate
