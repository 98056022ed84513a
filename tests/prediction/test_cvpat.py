"""CVPAT: losses, D, t and p recomputed by hand (1e-10; scipy's one-sample t-test for the
test), and its size and power by simulation from known population models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csimodel as cm


@pytest.fixture(scope="module")
def ecsi_fit():
    return cm.PLS(tol=1e-12).fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())


@pytest.mark.parametrize("benchmark", ["ia", "lm"])
@pytest.mark.parametrize("units", ["standardized", "raw"])
def test_by_hand(ecsi_fit, benchmark, units):
    res = ecsi_fit
    data = cm.datasets.load_ecsi_mobi()
    labels = np.random.default_rng(5).permutation(250) % 7
    cv = cm.cvpat(res, benchmark=benchmark, folds=labels, repeats=1, units=units)
    pp = cm.predict_pls(res, folds=labels, repeats=1, technique="direct", lm_predictors="direct")
    items = list(pp.predictions.columns)
    act = data[items].astype(float)
    sd = pd.DataFrame(index=act.index, columns=items, dtype=float)
    mean = sd.copy()
    for f in np.unique(labels):
        sd.loc[labels == f] = act[labels != f].std(ddof=1).to_numpy()
        mean.loc[labels == f] = act[labels != f].mean().to_numpy()
    scale = sd if units == "standardized" else 1.0
    e_model = ((act - pp.predictions) / scale) ** 2
    bench = mean if benchmark == "ia" else pp.lm_predictions
    e_bench = ((act - bench) / scale) ** 2
    m = res.model
    groups = {c: list(m.blocks[c]) for c in m.constructs if c in m.endogenous}
    groups["overall"] = items
    for name, cols in groups.items():
        D = e_bench[cols].mean(axis=1) - e_model[cols].mean(axis=1)
        row = cv.table.loc[name]
        assert row["loss"] == pytest.approx(e_model[cols].mean(axis=1).mean(), abs=1e-10)
        assert row["loss_benchmark"] == pytest.approx(e_bench[cols].mean(axis=1).mean(), abs=1e-10)
        np.testing.assert_allclose(cv.differences[name], D, rtol=0, atol=1e-10)
        tt = stats.ttest_1samp(D, 0.0, alternative="greater")
        assert row["t"] == pytest.approx(tt.statistic, abs=1e-8)
        assert row["p"] == pytest.approx(tt.pvalue, abs=1e-10)


def test_competing_model_and_repeats(ecsi_fit):
    data = cm.datasets.load_ecsi_mobi()
    alt_syntax = cm.models.ecsi().syntax.replace("Loyalty ~ Image + ", "Loyalty ~ ")
    alt = cm.PLS(tol=1e-12).fit(alt_syntax, data)
    cv = cm.cvpat(ecsi_fit, alt, folds=5, repeats=3, random_state=1)
    # the competitor's loss = its own CVPAT model loss on the same folds
    own = cm.cvpat(alt, folds=5, repeats=3, random_state=1)
    for c in cv.table.index:
        assert cv.table.loc[c, "loss_benchmark"] == pytest.approx(
            own.table.loc[c, "loss"], abs=1e-12
        )
    assert "competing model" in cv.summary().as_text()


def _population(n, rng, b2):
    """X1, X2 (3 items each, loadings 0.8) -> Y (3 items): eta = 0.4 xi1 + b2 xi2 + e."""
    xi = rng.standard_normal((n, 2))
    eta = 0.4 * xi[:, 0] + b2 * xi[:, 1]
    eta = eta + rng.standard_normal(n) * np.sqrt(1 - 0.16 - b2**2)
    cols = {}
    for name, lat in (("x1", xi[:, 0]), ("x2", xi[:, 1]), ("y", eta)):
        for k in range(3):
            cols[f"{name}_{k}"] = 0.8 * lat + 0.6 * rng.standard_normal(n)
    return pd.DataFrame(cols)


BLOCKS = "X1 =~ x1_0 + x1_1 + x1_2\nX2 =~ x2_0 + x2_1 + x2_2\nY =~ y_0 + y_1 + y_2\n"


@pytest.mark.slow
def test_size_two_equally_good_models():
    """Y depends equally on X1 and X2; models 'Y ~ X1' and 'Y ~ X2' predict equally well in
    the population, so the one-sided 5% test rejects in about 5% of samples."""
    rng = np.random.default_rng(20210101)
    a_syntax = BLOCKS + "Y ~ X1"
    b_syntax = BLOCKS.replace("X1 =~ x1_0 + x1_1 + x1_2\n", "") + "Y ~ X2"
    a_syntax = a_syntax.replace("X2 =~ x2_0 + x2_1 + x2_2\n", "")
    rej = []
    for _ in range(200):
        d = _population(200, rng, 0.4)
        a, b = cm.PLS().fit(a_syntax, d), cm.PLS().fit(b_syntax, d)
        p = cm.cvpat(a, b, folds=10, repeats=1, random_state=rng).table.loc["overall", "p"]
        rej.append(p < 0.05)
    rate = float(np.mean(rej))
    # seeds 1-3 give 0.06, 0.045, 0.03; binomial SD at 5% with 200 samples is 0.015
    assert 0.005 <= rate <= 0.10, rate


@pytest.mark.slow
def test_power_true_model_beats_model_missing_a_path():
    rng = np.random.default_rng(7)
    true = BLOCKS + "Y ~ X1 + X2"
    short = BLOCKS + "Y ~ X1\nX2 ~ X1"
    rej = []
    for _ in range(40):
        d = _population(200, rng, 0.4)
        t, s = cm.PLS().fit(true, d), cm.PLS().fit(short, d)
        tab = cm.cvpat(t, s, folds=10, repeats=1, random_state=rng).table
        rej.append(tab.loc["Y", "p"] < 0.05)
    assert np.mean(rej) >= 0.9


def test_composite_endogenous_constructs_left_out():
    """As in the authors' R code, only reflective endogenous constructs enter the loss."""
    data = cm.datasets.load_ecsi_mobi()
    syntax = cm.models.ecsi().syntax.replace("Value =~", "Value <~")
    res = cm.PLS().fit(syntax, data)
    cv = cm.cvpat(res, folds=5, repeats=1, random_state=0)
    assert "Value" not in cv.table.index and "Satisfaction" in cv.table.index
    only_b = cm.PLS().fit("X =~ CUSA1 + CUSA2\nY <~ CUSL1 + CUSL3\nY ~ X", data)
    with pytest.raises(cm.ModelError, match="reflective"):
        cm.cvpat(only_b)
