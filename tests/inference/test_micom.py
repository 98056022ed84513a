"""Tests for cm.micom (Henseler, Ringle & Sarstedt 2016).

References: the observed statistics are recomputed here from separate cm.PLS fits with
numpy (composite scores on pooled standardized data; group means and variances of the
pooled-fit scores), 1e-10; the permutation steps are checked on simulated populations
(uniform p-values under the null, detection of planted mean, variance and weight
differences).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csimodel as cm

SMALL = cm.Model("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X")


def simulate(rng, n, beta=0.5, lam_y=(0.8, 0.75, 0.7), shift=0.0, scale_y=1.0):
    x = rng.normal(size=n)
    y = beta * x + np.sqrt(1 - beta**2) * rng.normal(size=n)
    cols = {}
    for k, lam in enumerate((0.8, 0.75, 0.7), start=1):
        cols[f"x{k}"] = lam * x + np.sqrt(1 - lam**2) * rng.normal(size=n)
    for k, lam in enumerate(lam_y, start=1):
        cols[f"y{k}"] = shift + scale_y * (lam * y + np.sqrt(1 - lam**2) * rng.normal(size=n))
    return pd.DataFrame(cols)


def two_groups(a, b):
    return pd.concat([a.assign(g="a"), b.assign(g="b")], ignore_index=True)


def test_observed_statistics_by_hand(seed):
    data = cm.datasets.load_satisfaction()
    model = cm.Model(
        "IMAG =~ imag1 + imag2 + imag3 + imag4\nSAT =~ sat1 + sat2 + sat3\n"
        "LOY =~ loy1 + loy2 + loy3\nSAT ~ IMAG\nLOY ~ IMAG + SAT"
    )
    mi = cm.micom(model, data, by="gender", n_perm=50, random_state=seed, progress=False)
    items = list(model.items)
    Z = data[items].to_numpy(float)
    Z = (Z - Z.mean(0)) / Z.std(0, ddof=1)
    fa = cm.PLS().fit(model, data[data.gender == "female"])
    fb = cm.PLS().fit(model, data[data.gender == "male"])
    pooled = cm.PLS().fit(model, data)
    female = (data.gender == "female").to_numpy()
    for c in model.constructs:
        cols = [items.index(i) for i in model.blocks[c]]
        sa = Z[:, cols] @ fa.outer_weights.loc[c].to_numpy()
        sb = Z[:, cols] @ fb.outer_weights.loc[c].to_numpy()
        assert mi.compositional.loc[c, "c"] == pytest.approx(np.corrcoef(sa, sb)[0, 1], abs=1e-10)
        s = pooled.scores[c].to_numpy()
        d = s[female].mean() - s[~female].mean()
        lr = np.log(s[female].var(ddof=1)) - np.log(s[~female].var(ddof=1))
        assert mi.means.loc[c, "diff"] == pytest.approx(d, abs=1e-10)
        assert mi.variances.loc[c, "log_ratio"] == pytest.approx(lr, abs=1e-10)
    assert mi.groups == ("female", "male")
    assert mi.configural["met"].all()
    assert (mi.compositional["q05"] <= 1 + 1e-12).all()


@pytest.mark.slow
def test_step3_p_uniform_under_null():
    rng = np.random.default_rng(11)
    p_mean, p_c = [], []
    for _ in range(200):
        df = two_groups(simulate(rng, 40), simulate(rng, 40))
        mi = cm.micom(SMALL, df, by="g", n_perm=99, random_state=rng, progress=False)
        p_mean.append(mi.means.loc["Y", "p_permutation"])
        p_c.append(mi.compositional.loc["X", "p_permutation"])
    assert stats.kstest(p_mean, "uniform").pvalue > 0.001
    assert stats.kstest(p_c, "uniform").pvalue > 0.001


def test_planted_mean_and_variance_difference(seed):
    rng = np.random.default_rng(seed)
    df = two_groups(simulate(rng, 200), simulate(rng, 200, shift=1.0, scale_y=1.8))
    mi = cm.micom(SMALL, df, by="g", n_perm=199, random_state=seed, progress=False)
    assert not mi.means.loc["Y", "equal"] and mi.means.loc["Y", "p_permutation"] < 0.01
    assert not mi.variances.loc["Y", "equal"]
    assert mi.compositional.loc["Y", "invariant"]
    assert mi.conclusion["Y"] == "partial" and mi.overall in ("partial", "none")
    text = mi.summary().as_text()
    assert "Overall: partial measurement invariance" in text or "Overall: no" in text


def test_planted_weight_difference(seed):
    rng = np.random.default_rng(seed)
    a = simulate(rng, 250, lam_y=(0.9, 0.6, 0.1))
    b = simulate(rng, 250, lam_y=(0.1, 0.6, 0.9))
    mi = cm.micom(SMALL, two_groups(a, b), by="g", n_perm=199, random_state=seed, progress=False)
    assert not mi.compositional.loc["Y", "invariant"]
    assert mi.compositional.loc["Y", "p_permutation"] < 0.01
    assert mi.conclusion["Y"] == "none" and mi.overall == "none"
    assert "Overall: no measurement invariance" in mi.summary().as_text()


def test_errors_and_frozen():
    df = simulate(np.random.default_rng(0), 60)
    df["g"] = np.arange(60) % 3
    with pytest.raises(cm.DataError, match="two groups"):
        cm.micom(SMALL, df, by="g", n_perm=9, progress=False)
    mi = cm.micom(SMALL, df, by="g", groups=(0, 2), n_perm=9, progress=False, random_state=0)
    with pytest.raises(AttributeError):
        mi.overall = "full"
    const = df.copy()
    const.loc[const.g == 0, "x1"] = 1.0
    with pytest.raises(cm.DataError, match="'x1'"):
        cm.micom(SMALL, const, by="g", groups=(0, 1), n_perm=9, progress=False)
