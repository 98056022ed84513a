"""FIMIX-PLS: recovery of planted segments, the likelihood and criteria, determinism, errors.

References used (none is the code under test):
- data simulated from known two- and three-segment populations of the satisfaction model
  (tests/segments/simulate.py): planted paths, sizes and memberships;
- an oracle: per-segment OLS (numpy lstsq) on the *true* groups and the posteriors those
  parameters imply (scipy.stats.norm) — the best classification one can expect;
- the mixture log-likelihood recomputed here with scipy.stats.norm from the reported
  parameters, and the criteria recomputed from their formulas (Sarstedt et al. 2011).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fimix_sim import adjusted_rand, oracle, planted_standardized, simulate
from refdata import satisfaction_model
from scipy.special import logsumexp
from scipy.stats import norm

import csimodel as cm
from csimodel.segments._em import Layout, run_em


def fit(data):
    return cm.PLS().fit(satisfaction_model(), data)


@pytest.fixture(scope="module")
def two():
    d = simulate((400, 200), seed=1)
    res = fit(d)
    true = d.loc[res.scores.index, "segment"].to_numpy()
    return d, res, true


def _paths(fx, segment):
    p = fx.params[fx.params["segment"] == segment]
    return {(a, b): e for a, b, e in zip(p["lhs"], p["rhs"], p["estimate"], strict=True)}


def test_two_segments_recovered(two):
    d, res, true = two
    fx = cm.fimix(res, k=2, starts=10, random_state=0)
    # sizes: planted 2/3 and 1/3; tolerance 0.06 (reached 0.022; the sampling sd of a
    # share at n=600 is 0.019 and misclassified respondents add to it)
    np.testing.assert_allclose(fx.sizes.to_numpy(), [2 / 3, 1 / 3], atol=0.06)
    # memberships: agreement with the oracle classifier, and adjusted Rand index vs. truth
    orc_paths, orc_post = oracle(res.scores, true)
    agree = np.mean(fx.membership.to_numpy() == orc_post.argmax(axis=1) + 1)
    assert agree >= 0.9
    ari = adjusted_rand(fx.membership, true)
    ari_oracle = adjusted_rand(orc_post.argmax(axis=1), true)
    assert ari >= 0.5 and ari >= 0.9 * ari_oracle  # reached: 0.606 (oracle 0.606)
    for g in (1, 2):
        est = _paths(fx, g)
        planted = planted_standardized(g, d.attrs["sd"])
        for key, b in orc_paths[g].items():
            # vs oracle OLS on the true groups: reached 0.044; misclassified respondents
            assert est[key] == pytest.approx(b, abs=0.15), (g, key)
            # vs planted paths: reached 0.16; PLS scores carry measurement error
            assert est[key] == pytest.approx(planted[key], abs=0.2), (g, key)


def _choices(res, ks=range(1, 5)):
    sel = cm.fimix(res, k=ks, starts=10, random_state=0)
    return sel, sel.choices()


@pytest.mark.parametrize("seed", [1, 2])
def test_criteria_choose_two(seed):
    d = simulate((400, 200), seed=seed)
    _, ch = _choices(fit(d))
    assert ch["aic3"] == ch["caic"] == ch["bic"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_three_segments_recovered(seed):
    # 1200 respondents: with 600, 120 in the smallest segment, CAIC and BIC underfit (k=2)
    d = simulate((600, 360, 240), seed=seed)
    res = fit(d)
    true = d.loc[res.scores.index, "segment"].to_numpy()
    sel, ch = _choices(res, range(1, 5))
    assert ch["aic3"] == ch["caic"] == ch["bic"] == 3
    fx = sel.results[3]
    np.testing.assert_allclose(fx.sizes.to_numpy(), [0.5, 0.3, 0.2], atol=0.06)
    orc_paths, orc_post = oracle(res.scores, true)
    ari = adjusted_rand(fx.membership, true)
    # reached: 0.389 / 0.395 (oracle 0.399 / 0.414); sizes within 0.042; paths within 0.099
    assert ari >= 0.3 and ari >= 0.85 * adjusted_rand(orc_post.argmax(axis=1), true)
    for g in (1, 2, 3):
        est = _paths(fx, g)
        for key, b in orc_paths[g].items():
            assert est[key] == pytest.approx(b, abs=0.15), (g, key)


@pytest.mark.parametrize("seed", [1, 2])
def test_one_segment_chooses_one(seed):
    d = simulate((600,), seed=seed)
    _, ch = _choices(fit(d), range(1, 4))
    assert ch["aic3"] == ch["caic"] == ch["bic"] == 1


def test_loglik_and_posteriors_recomputed(two):
    _, res, _ = two
    fx = cm.fimix(res, k=2, starts=5, random_state=3)
    Z = res.scores
    logw = np.zeros((len(Z), 2))
    for j, g in enumerate(fx.sizes.index):
        logw[:, j] = np.log(fx.sizes[g])
        p = fx.params[fx.params["segment"] == g]
        for t, part in p.groupby("lhs", sort=False):
            pred = Z[list(part["rhs"])].to_numpy() @ part["estimate"].to_numpy()
            sd = np.sqrt(fx.residual_variances.loc[t, g])
            logw[:, j] += norm.logpdf(Z[t].to_numpy(), pred, sd)
    lnl = logsumexp(logw, axis=1).sum()
    assert fx.criteria["lnl"] == pytest.approx(lnl, rel=1e-10)
    post = np.exp(logw - logsumexp(logw, axis=1, keepdims=True))
    np.testing.assert_allclose(fx.probabilities.to_numpy(), post, atol=1e-8)
    np.testing.assert_allclose(fx.probabilities.sum(axis=1), 1.0, atol=1e-12)
    assert (fx.membership == fx.probabilities.idxmax(axis=1)).all()


@pytest.mark.parametrize("k", [1, 2, 3])
def test_criteria_equal_formulas(two, k):
    _, res, _ = two
    fx = cm.fimix(res, k=k, starts=4, random_state=0)
    c = fx.criteria
    n, R, Q = 600, 10, 5  # satisfaction model: 10 paths, 5 endogenous constructs
    npar = (k - 1) + k * R + k * Q
    lnl = c["lnl"]
    assert c["npar"] == npar
    expected = {
        "aic": -2 * lnl + 2 * npar,
        "aic3": -2 * lnl + 3 * npar,
        "aic4": -2 * lnl + 4 * npar,
        "bic": -2 * lnl + np.log(n) * npar,
        "caic": -2 * lnl + (np.log(n) + 1) * npar,
        "hq": -2 * lnl + 2 * np.log(np.log(n)) * npar,
        "mdl5": -2 * lnl + 5 * np.log(n) * npar,
    }
    for name, v in expected.items():
        assert c[name] == pytest.approx(v, rel=1e-12), name
    P = fx.probabilities.to_numpy()
    if k == 1:
        assert np.isnan(c["en"])
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = -np.nansum(P * np.log(P))
        assert c["en"] == pytest.approx(1 - ent / (n * np.log(k)), rel=1e-10)
        assert 0 <= c["en"] <= 1
    assert list(c.index) == [
        "lnl",
        "aic",
        "aic3",
        "aic4",
        "bic",
        "caic",
        "hq",
        "mdl5",
        "en",
        "npar",
    ]


def test_k1_is_the_pooled_regression(two):
    """With one segment the paths are the OLS paths of the fit (independent: lstsq)."""
    _, res, _ = two
    fx = cm.fimix(res, k=1)
    Z = res.scores
    for t in res.model.endogenous:
        src = list(res.model.predecessors(t))
        beta = np.linalg.lstsq(Z[src].to_numpy(), Z[t].to_numpy(), rcond=None)[0]
        est = _paths(fx, 1)
        np.testing.assert_allclose([est[(t, s)] for s in src], beta, atol=1e-10)
    assert fx.converged and (fx.membership == 1).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loglik_never_decreases(two, seed):
    _, res, _ = two
    for k in (2, 3, 4):
        fx = cm.fimix(res, k=k, starts=3, random_state=seed)
        d = np.diff(fx.lnl_trace)
        assert (d >= -1e-9 * abs(fx.lnl_trace[-1])).all(), (k, d.min())
        assert fx.lnl_trace[-1] == pytest.approx(fx.criteria["lnl"], rel=1e-12)
    # every start of the batch, not only the kept one
    Z = res.scores.to_numpy()
    layout = Layout(6, (1, 2, 3, 4, 5), ((0,), (1,), (1, 2), (0, 1, 2, 3), (0, 4)))
    post0 = np.random.default_rng(seed).dirichlet(np.ones(3), size=(6, len(Z)))
    run = run_em(Z, layout, post0, max_iter=300, tol=1e-10, min_size=15)
    tr = run.trace
    ok = np.isfinite(tr[1:]) & np.isfinite(tr[:-1])
    assert (np.diff(tr, axis=0)[ok] >= -1e-9 * np.abs(tr[1:][ok])).all()


def test_batched_equals_one_start_at_a_time(two):
    _, res, _ = two
    Z = res.scores.to_numpy()
    layout = Layout(6, (1, 2, 3, 4, 5), ((0,), (1,), (1, 2), (0, 1, 2, 3), (0, 4)))
    post0 = np.random.default_rng(5).dirichlet(np.ones(2), size=(4, len(Z)))
    kw = dict(max_iter=2000, tol=1e-10, min_size=15)
    batch = run_em(Z, layout, post0, **kw)
    for s in range(4):
        one = run_em(Z, layout, post0[s : s + 1], **kw)
        assert one.n_iter[0] == batch.n_iter[s]
        np.testing.assert_allclose(one.lnl[0], batch.lnl[s], rtol=1e-13)
        np.testing.assert_allclose(one.post[0], batch.post[s], atol=1e-12)


def test_labels_by_size_and_seeded_determinism(two):
    _, res, _ = two
    a = cm.fimix(res, k=3, starts=5, random_state=7)
    b = cm.fimix(res, k=3, starts=5, random_state=7)
    pd.testing.assert_frame_equal(a.params, b.params)
    pd.testing.assert_frame_equal(a.probabilities, b.probabilities)
    assert (np.diff(a.sizes.to_numpy()) <= 0).all()
    assert list(a.sizes.index) == [1, 2, 3]
    np.testing.assert_allclose(a.sizes.sum(), 1.0)
    # the same k inside a range gives the same solution
    sel = cm.fimix(res, k=[2, 3], starts=5, random_state=7)
    pd.testing.assert_frame_equal(sel.results[3].params, a.params)
    # starts found the same optimum under different labels: ordering by size aligns them
    fx = cm.fimix(res, k=2, starts=10, random_state=0)
    tab = fx.starts
    assert (tab["status"] == "converged").sum() >= 8
    assert tab["lnl"].max() == pytest.approx(fx.criteria["lnl"])


def test_selection_table_best_and_plot(two):
    import matplotlib

    matplotlib.use("Agg")
    _, res, _ = two
    sel = cm.fimix(res, k=range(1, 4), starts=5, random_state=0)
    crit = sel.criteria
    assert list(crit.index) == [1, 2, 3]
    assert {"aic3", "caic", "en", "npar", "min_size", "min_n"} <= set(crit.columns)
    best = sel.best("caic")
    assert best.k == int(crit["caic"].idxmin())
    assert sel.best("en").k == int(crit["en"].idxmax())
    with pytest.raises(cm.CsimodelError, match="criterion"):
        sel.best("npar")
    disp = sel.plot()
    assert set(disp.lines_) == {"aic3", "caic", "bic"}
    text = sel.summary().as_text()
    assert "k chosen by each criterion" in text and "AIC3 and CAIC" in text


def test_summary_and_html(two):
    _, res, _ = two
    fx = cm.fimix(res, k=2, starts=3, random_state=0)
    text = fx.summary().as_text()
    for part in ("FIMIX-PLS, 2 segments", "Segment sizes", "aic3", "SAT -> LOY", "Converged"):
        assert part in text
    html = fx._repr_html_()
    assert "<table" in html and "Path coefficients by segment" in html
    assert "k=2" in repr(fx)


def test_intercepts_counted_and_estimated():
    d = simulate((400, 200), seed=4)
    res = fit(d)
    fx = cm.fimix(res, k=2, starts=5, random_state=0, intercept=True)
    assert fx.criteria["npar"] == 1 + 2 * 10 + 2 * 5 + 2 * 5
    assert fx.intercepts.shape == (5, 2)
    # planted construct means are 0 in both segments
    assert np.abs(fx.intercepts.to_numpy()).max() < 0.15
    assert "Intercepts by segment" in fx.summary().as_text()


# ----------------------------------------------------------------------- bad input
def test_bad_k_and_settings(two):
    _, res, _ = two
    for k in (0, -1):
        with pytest.raises(cm.CsimodelError, match=r"'k' parameter of fimix .* \[1, inf\)"):
            cm.fimix(res, k=k)
    for k in ("2", 2.5, [], [2, 2], [1, 0]):
        with pytest.raises(cm.CsimodelError, match="'k' parameter of fimix"):
            cm.fimix(res, k=k)
    with pytest.raises(cm.CsimodelError, match="'starts' parameter of fimix"):
        cm.fimix(res, k=2, starts=0)
    with pytest.raises(cm.CsimodelError, match="'tol' parameter of fimix"):
        cm.fimix(res, k=2, tol=0)
    with pytest.raises(cm.CsimodelError, match="'max_iter' parameter of fimix"):
        cm.fimix(res, k=2, max_iter=0)
    for rs in ("x", -1, 1.5):
        with pytest.raises(cm.CsimodelError, match="'random_state' parameter of fimix"):
            cm.fimix(res, k=2, random_state=rs)
    gen = cm.fimix(res, k=2, starts=2, random_state=np.random.default_rng(0))
    assert gen.k == 2
    with pytest.raises(cm.CsimodelError, match="'res' parameter of fimix"):
        cm.fimix(pd.DataFrame({"a": [1.0]}), k=2)


def test_k_larger_than_the_data_supports(two):
    d, _, _ = two
    res = fit(d.iloc[:100])
    with pytest.raises(cm.DataError, match=r"k=7 segments needs at least 105 .* Use k <= 6"):
        cm.fimix(res, k=7)
    with pytest.raises(cm.DataError, match="Use k <= 6"):
        cm.fimix(res, k=range(1, 8))


def test_every_start_degenerate_is_an_error(two):
    d, _, _ = two
    res = fit(d.iloc[:96])  # 6 segments of 15 parameters need 90 respondents: too tight
    with pytest.raises(cm.EstimationError, match="data do not support 6 segments"):
        cm.fimix(res, k=6, starts=3, random_state=0)
    with pytest.warns(cm.ConvergenceWarning, match="6 segments"):
        sel = cm.fimix(res, k=[1, 6], starts=3, random_state=0)
    assert sel.results[6] is None and np.isnan(sel.criteria.loc[6, "aic3"])


def test_no_endogenous_construct():
    data = cm.datasets.load_satisfaction()
    model = cm.Model("Image =~ imag1 + imag2 + imag3\nLoyalty =~ loy1 + loy2 + loy3")
    res = cm.CBSEM().fit(model, data)
    with pytest.raises(cm.ModelError, match="no endogenous construct"):
        cm.fimix(res, k=2)


def test_not_converged_warns(two):
    _, res, _ = two
    with pytest.warns(cm.ConvergenceWarning, match="max_iter=3"):
        fx = cm.fimix(res, k=2, starts=2, max_iter=3, random_state=0)
    assert not fx.converged and "NO (stopped after 3" in fx.summary().as_text()


def test_integer_case_weights_equal_duplicated_rows():
    d = simulate((300, 150), seed=6)
    w = np.random.default_rng(0).integers(1, 4, len(d))
    weighted = cm.PLS().fit(satisfaction_model(), d.assign(w=w), weights="w")
    dup = cm.PLS().fit(satisfaction_model(), d.loc[d.index.repeat(w)].reset_index(drop=True))
    a = cm.fimix(weighted, k=2, starts=10, random_state=0)
    b = cm.fimix(dup, k=2, starts=10, random_state=0)
    assert a.criteria["lnl"] == pytest.approx(b.criteria["lnl"], rel=1e-8)
    np.testing.assert_allclose(a.sizes, b.sizes, atol=1e-6)
    np.testing.assert_allclose(a.params["estimate"], b.params["estimate"], atol=1e-5)
    for c in ("aic3", "caic", "bic", "en", "npar"):  # I = sum of the weights = rows of dup
        assert a.criteria[c] == pytest.approx(b.criteria[c], rel=1e-6), c


def test_blocked_products_equal_one_product():
    from csimodel.segments._em import _small_products

    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((40, 21)), rng.standard_normal((21, 3001))
    np.testing.assert_allclose(_small_products(A, B), A @ B, rtol=1e-13, atol=1e-13)
