"""cm.track: cells equal cm.indices of the pooled fit, planted shifts are found, the change
test holds its size over random splits, options and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

SAT = ["CUSA1", "CUSA2", "CUSA3"]


def _panel(ecsi, seed, units=("A", "B", "C"), waves=(1, 2), n=200, shift=None):
    """Units x waves cells of n respondents drawn (with replacement) from the ECSI data;
    ``shift=(unit, wave, points)`` adds points to the satisfaction answers of one cell."""
    rng = np.random.default_rng(seed)
    parts = []
    for u in units:
        for w in waves:
            d = ecsi.iloc[rng.integers(0, len(ecsi), n)].copy()
            if shift is not None and (u, w) == shift[:2]:
                d[SAT] = np.clip(d[SAT] + shift[2], 1, 10)
            parts.append(d.assign(company=u, wave=w))
    return pd.concat(parts, ignore_index=True)


def test_cells_equal_indices_of_pooled_fit(ecsi, ecsi_model, seed):
    data = _panel(ecsi, seed)
    tr = cm.track(ecsi_model, data, unit="company", wave="wave", scale=(1, 10), n_boot=99)
    res = tr.fits["all"]
    ref = cm.indices(res, by=["company", "wave"])
    got = tr.table.pivot_table(index=["unit", "wave"], columns="construct", values="index")
    for con in ecsi_model.constructs:
        np.testing.assert_allclose(got[con].to_numpy(), ref[con].to_numpy(), atol=1e-10, rtol=0)
    # the pooled fit is the plain fit of all rows
    plain = cm.PLS().fit(ecsi_model, data, scale=(1, 10))
    np.testing.assert_allclose(res.outer_weights, plain.outer_weights, atol=1e-12)
    # change and vs_all by hand from the cells
    t = tr.table.set_index(["unit", "wave", "construct"])
    for u in "ABC":
        assert t.loc[(u, 2, "Loyalty"), "change"] == pytest.approx(
            ref.loc[(u, 2), "Loyalty"] - ref.loc[(u, 1), "Loyalty"], abs=1e-10
        )
        wave1 = cm.indices(res, by="wave").loc[1, "Loyalty"]
        assert t.loc[(u, 1, "Loyalty"), "vs_all"] == pytest.approx(
            ref.loc[(u, 1), "Loyalty"] - wave1, abs=1e-10
        )
    assert t["n"].eq(200).all()
    assert t.loc[("A", 1, "Image"), ["change", "p_change"]].isna().all()
    assert (t["ci_lower"] <= t["index"]).all() and (t["index"] <= t["ci_upper"]).all()


def test_planted_shift_is_detected(ecsi, ecsi_model, seed):
    data = _panel(ecsi, seed, shift=("B", 2, 1.5), n=250)
    tr = cm.track(
        ecsi_model, data, unit="company", wave="wave", scale=(1, 10), n_boot=999, random_state=1
    )
    t = tr.table.set_index(["unit", "wave", "construct"])
    assert t.loc[("B", 2, "Satisfaction"), "p_change"] < 0.01
    assert t.loc[("B", 2, "Satisfaction"), "change"] > 10  # ~1.5 of 9 scale points = 16.7
    assert t.loc[("B", 2, "Satisfaction"), "p_vs_all"] < 0.01
    # constructs whose items were not shifted barely move
    assert abs(t.loc[("B", 2, "Image"), "change"]) < 5


@pytest.mark.slow
def test_change_test_size_over_random_splits(ecsi, ecsi_model):
    """Random unit/wave labels on the ECSI respondents: no true change, so p_change < 0.05
    in about 5% of the cells (200 p-values; 95% binomial band [0.02, 0.085])."""
    rng = np.random.default_rng(123)
    ps = []
    for _ in range(50):
        data = ecsi.assign(
            company=rng.choice(["A", "B"], len(ecsi)), wave=rng.choice([1, 2, 3], len(ecsi))
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.DataWarning)
            tr = cm.track(
                ecsi_model,
                data,
                unit="company",
                wave="wave",
                scale=(1, 10),
                n_boot=199,
                random_state=rng,
            )
        t = tr.table[tr.table["construct"] == "Satisfaction"]
        ps.extend(t["p_change"].dropna())
    rate = np.mean(np.array(ps) < 0.05)
    assert 0.02 <= rate <= 0.085, rate


def test_options_pool_wave_adjust_and_min_n(ecsi, ecsi_model):
    data = _panel(ecsi, 3, n=60)
    with pytest.warns(cm.DataWarning, match="fewer than 100"):
        tr = cm.track(
            ecsi_model,
            data,
            unit="company",
            wave="wave",
            scale=(1, 10),
            n_boot=99,
            pool="wave",
            adjust="holm",
            min_n=100,
            random_state=0,
        )
    assert set(tr.fits) == {1, 2}
    ref = cm.indices(tr.fits[2], by="company")
    got = tr.table[(tr.table["wave"] == 2)].pivot_table(
        index="unit", columns="construct", values="index"
    )
    np.testing.assert_allclose(got["Value"], ref["Value"], atol=1e-10)
    raw = cm.track(
        ecsi_model,
        data,
        unit="company",
        wave="wave",
        scale=(1, 10),
        n_boot=99,
        pool="wave",
        min_n=10,
        random_state=0,
    )
    assert (tr.table["p_change"].dropna() >= raw.table["p_change"].dropna() - 1e-12).all()
    assert len(tr.small_cells) == 6
    text = tr.summary().as_text()
    assert "Indices (0-100)" in text and "fewer than 100" in text


def test_plot_and_errors(ecsi, ecsi_model):
    import matplotlib

    matplotlib.use("Agg")
    data = _panel(ecsi, 5, n=50)
    tr = cm.track(ecsi_model, data, unit="company", wave="wave", scale=(1, 10), n_boot=49)
    ax = tr.plot(construct="Satisfaction")
    assert len(ax.lines) == 3
    ax = tr.plot(construct="Satisfaction", wave=2)
    assert len(ax.patches) == 3
    with pytest.raises(cm.DataError, match="No construct"):
        tr.plot(construct="Nope")
    with pytest.raises(cm.DataError, match="'firm'"):
        cm.track(ecsi_model, data, unit="firm", wave="wave", scale=(1, 10))
    with pytest.raises(cm.CsimodelError, match="'pool' parameter of track"):
        cm.track(ecsi_model, data, unit="company", wave="wave", scale=(1, 10), pool="unit")
    bad = data.copy()
    bad.loc[bad.index[:3], "wave"] = np.nan
    with pytest.raises(cm.DataError, match="missing in 3 row"):
        cm.track(ecsi_model, bad, unit="company", wave="wave", scale=(1, 10))
