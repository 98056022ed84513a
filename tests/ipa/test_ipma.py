"""IPMA (derived importance).

Evidence: every IPMA number is recomputed here by hand with numpy, independently of
csimodel's code path — items rescaled to 0-100 from the declared scale, index weights from
``res.outer_weights`` divided by item SDs computed with ``np.std``, construct scores as
weighted sums, each endogenous construct regressed on its predecessors with ``np.linalg.lstsq``
(intercept included), total effects from the closed form ``(I - B)^-1 - I``. Tolerance 1e-9
(floating-point only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel._validation import ParameterError

TOL = 1e-9


@pytest.fixture(scope="module")
def data():
    return cm.datasets.load_ecsi_mobi()


@pytest.fixture(scope="module")
def model():
    return cm.models.ecsi()


@pytest.fixture(scope="module")
def res(data, model):
    return cm.PLS().fit(model, data, scale=(1, 10))


# --------------------------------------------------------------------------- hand computation
def hand_ipma(res, data, model, target, lo, hi, *, w_case=None, rows=None, standardize=True):
    """IPMA by hand: returns (importance by construct, performance by construct,
    index weights by item, item performance)."""
    X = data[list(model.items)].to_numpy(float)
    lo = np.broadcast_to(np.asarray(lo, float), (X.shape[1],))
    hi = np.broadcast_to(np.asarray(hi, float), (X.shape[1],))
    w_all = np.ones(len(X)) if w_case is None else np.asarray(w_case, float)
    # item SD of the fitted (pooled) data, frequency-weight convention
    m = np.average(X, axis=0, weights=w_all)
    sd = np.sqrt((w_all[:, None] * (X - m) ** 2).sum(0) / (w_all.sum() - 1))
    Xr = (X - lo) / (hi - lo) * 100
    sd_r = sd * 100 / (hi - lo)
    ow = res.outer_weights
    weights, scores = {}, {}
    for c in model.constructs:
        its = list(model.blocks[c])
        k = [model.items.index(i) for i in its]
        w = ow.loc[c].loc[its].to_numpy()
        w = w / sd_r[k] if standardize else w * (hi[k] - lo[k]) / 100
        w = w / w.sum()
        weights.update(dict(zip(its, w, strict=True)))
        scores[c] = Xr[:, k] @ w
    S = pd.DataFrame(scores)
    if rows is not None:
        S, Xr, w_all = S[rows], Xr[rows], w_all[rows]
    J = len(model.constructs)
    B = np.zeros((J, J))
    sw = np.sqrt(w_all)
    for c in model.endogenous:
        preds = list(model.predecessors(c))
        A = np.column_stack([np.ones(len(S)), S[preds].to_numpy()])
        coef = np.linalg.lstsq(A * sw[:, None], S[c].to_numpy() * sw, rcond=None)[0]
        for p_, b in zip(preds, coef[1:], strict=True):
            B[model.constructs.index(p_), model.constructs.index(c)] = b
    T = np.linalg.inv(np.eye(J) - B) - np.eye(J)
    t = model.constructs.index(target)
    imp = pd.Series(T[:, t], index=list(model.constructs))
    perf = pd.Series(np.average(S.to_numpy(), axis=0, weights=w_all), index=list(model.constructs))
    item_perf = pd.Series(np.average(Xr, axis=0, weights=w_all), index=list(model.items))
    return imp, perf, pd.Series(weights), item_perf


ANTECEDENTS = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints"]


def test_construct_importance_and_performance_equal_hand_computation(res, data, model):
    out = cm.ipma(res, target="Loyalty")
    imp, perf, _, _ = hand_ipma(res, data, model, "Loyalty", 1, 10)
    tab = out.table
    assert list(tab.index) == ANTECEDENTS
    np.testing.assert_allclose(tab["importance"], imp[ANTECEDENTS], rtol=0, atol=TOL)
    np.testing.assert_allclose(tab["performance"], perf[ANTECEDENTS], rtol=0, atol=TOL)
    assert out.target_performance.iloc[0] == pytest.approx(perf["Loyalty"], abs=TOL)
    # potential and priority rank ("improve first" = largest importance x (100 - performance))
    pot = imp[ANTECEDENTS] * (100 - perf[ANTECEDENTS])
    np.testing.assert_allclose(tab["potential"], pot, atol=1e-7)
    assert list(tab.sort_values("priority").index) == list(pot.sort_values(ascending=False).index)
    assert sorted(tab["priority"]) == list(range(1, 7))


def test_importance_is_standardized_total_times_sd_ratio(res, data, model):
    """Closed form: rescaled scores are affine in the PLS scores, so the unstandardized total
    effect is the standardized one times sd(target) / sd(source) of the 0-100 scores."""
    out = cm.ipma(res, target="Loyalty")
    _, _, w, _ = hand_ipma(res, data, model, "Loyalty", 1, 10)
    Xr = (data[list(model.items)].to_numpy(float) - 1) / 9 * 100
    sd = {
        c: np.std(
            Xr[:, [model.items.index(i) for i in model.blocks[c]]] @ w[list(model.blocks[c])],
            ddof=1,
        )
        for c in model.constructs
    }
    eff = res.effects[res.effects.target == "Loyalty"].set_index("source")["total"]
    expect = [eff[c] * sd["Loyalty"] / sd[c] for c in ANTECEDENTS]
    np.testing.assert_allclose(out.table["importance"], expect, atol=TOL)


def test_ecsi_importance_order_matches_standardized_total_effects(res):
    """On ECSI with target Loyalty the order of the importances equals the order of the
    standardized total effects (Satisfaction > Image > Quality > Expectation > Value >
    Complaints). In general the orders may differ by the sd ratio above."""
    out = cm.ipma(res, target="Loyalty")
    eff = res.effects[res.effects.target == "Loyalty"].set_index("source")["total"]
    assert list(out.table["importance"].sort_values().index) == list(eff.sort_values().index)
    assert out.table["importance"].idxmax() == "Satisfaction"


def test_indicator_level_equals_weight_times_total_effect(res, data, model):
    out = cm.ipma(res, target="Loyalty", level="indicator")
    imp, _, w, item_perf = hand_ipma(res, data, model, "Loyalty", 1, 10)
    tab = out.table
    items = [i for c in ANTECEDENTS for i in model.blocks[c]]
    assert list(tab.index) == items
    assert list(tab["construct"]) == [c for c in ANTECEDENTS for _ in model.blocks[c]]
    np.testing.assert_allclose(tab["weight"], w[items], atol=TOL)
    expect = [w[i] * imp[c] for c in ANTECEDENTS for i in model.blocks[c]]
    np.testing.assert_allclose(tab["importance"], expect, atol=TOL)
    np.testing.assert_allclose(tab["performance"], item_perf[items], atol=TOL)
    # index weights sum to 1 within each construct
    np.testing.assert_allclose(out.index_weights.groupby(level=0).sum(), 1.0, atol=1e-12)


def test_other_target_and_survey_weights(data, model, seed):
    rng = np.random.default_rng(seed)
    d = data.copy()
    d["w"] = rng.uniform(0.3, 3.0, len(d))
    res = cm.PLS().fit(model, d, scale=(1, 10), weights="w")
    out = cm.ipma(res, target="Satisfaction")
    wc = res.data.weights  # the data door's rescaled weights (sum = n); ratios are what matter
    imp, perf, _, _ = hand_ipma(res, d, model, "Satisfaction", 1, 10, w_case=wc)
    cons = ["Image", "Expectation", "Quality", "Value"]
    assert list(out.table.index) == cons
    np.testing.assert_allclose(out.table["importance"], imp[cons], atol=TOL)
    np.testing.assert_allclose(out.table["performance"], perf[cons], atol=TOL)


def test_standardize_false_weights_apply_to_raw_items(data, model):
    res = cm.PLS(standardize=False).fit(model, data, scale=(1, 10))
    out = cm.ipma(res, target="Loyalty")
    imp, perf, _, _ = hand_ipma(res, data, model, "Loyalty", 1, 10, standardize=False)
    np.testing.assert_allclose(out.table["importance"], imp[ANTECEDENTS], atol=TOL)
    np.testing.assert_allclose(out.table["performance"], perf[ANTECEDENTS], atol=TOL)


def test_invariant_to_linear_recoding_of_an_item_with_its_declared_scale(res, data, model):
    """CUSA2 recoded as 2x + 3 on the scale 5..23 is the same 0-100 item: nothing changes."""
    d = data.copy()
    d["CUSA2"] = 2 * d["CUSA2"] + 3
    d["PERQ1"] = 10 - d["PERQ1"] * 0 + d["PERQ1"] * 0.5  # 0.5x + 10 on 10.5..15
    scale = {i: (1, 10) for i in model.items}
    scale["CUSA2"] = (5, 23)
    scale["PERQ1"] = (10.5, 15)
    res2 = cm.PLS().fit(model, d, scale=scale)
    for level in ("construct", "indicator"):
        a = cm.ipma(res, target="Loyalty", level=level).table
        b = cm.ipma(res2, target="Loyalty", level=level).table
        np.testing.assert_allclose(b["importance"], a["importance"], atol=1e-8)
        np.testing.assert_allclose(b["performance"], a["performance"], atol=1e-8)


def test_segments_use_pooled_weights_and_segment_regressions(res, data, model, seed):
    rng = np.random.default_rng(seed)
    d = data.copy()
    d["region"] = rng.choice(["north", "south", "west"], len(d))
    d["w"] = rng.uniform(0.5, 2.0, len(d))  # survey weights travel into every segment
    r = cm.PLS().fit(model, d, scale=(1, 10), weights="w")
    out = cm.ipma(r, target="Loyalty", by="region")
    assert out.table.index.names == ["segment", "construct"]
    assert list(out.crosshair.index) == ["north", "south", "west"]
    for seg in ["north", "south", "west"]:
        rows = (d["region"] == seg).to_numpy()
        imp, perf, _, _ = hand_ipma(r, d, model, "Loyalty", 1, 10, rows=rows, w_case=r.data.weights)
        tab = out.table.loc[seg]
        np.testing.assert_allclose(tab["importance"], imp[ANTECEDENTS], atol=TOL)
        np.testing.assert_allclose(tab["performance"], perf[ANTECEDENTS], atol=TOL)
        assert sorted(tab["priority"]) == list(range(1, 7))
        assert out.crosshair.loc[seg, "n"] == rows.sum()


# CUSL2 (loading 0.20) gets a negative weight in some resamples; such resamples fail under the
# default negative_weights='error' (a warning says how many), exactly as the refits raise.
@pytest.mark.filterwarnings("ignore::csimodel.exceptions.CsimodelWarning")
def test_bootstrap_counts_give_percentile_intervals_of_refits(res, data, model, seed):
    """Intervals from resample counts equal the quantiles of IPMA recomputed on each resample
    refitted from scratch (rows repeated by their counts)."""
    rng = np.random.default_rng(seed)
    n_boot = 12
    F = rng.multinomial(len(data), np.ones(len(data)) / len(data), size=n_boot)
    out = cm.ipma(res, target="Loyalty", boot=F, ci_level=0.8)
    imps, perfs, failed = [], [], 0
    for f in F:
        rs = data.loc[data.index.repeat(f)].reset_index(drop=True)
        rb = cm.PLS().fit(model, rs, scale=(1, 10))
        try:
            t = cm.ipma(rb, target="Loyalty").table
        except cm.ModelError:  # a negative weight in this resample
            failed += 1
            continue
        imps.append(t["importance"].to_numpy())
        perfs.append(t["performance"].to_numpy())
    imps, perfs = np.array(imps), np.array(perfs)
    assert out.n_failed == failed
    tab = out.table
    np.testing.assert_allclose(tab["importance_lower"], np.quantile(imps, 0.1, axis=0), atol=1e-7)
    np.testing.assert_allclose(tab["importance_upper"], np.quantile(imps, 0.9, axis=0), atol=1e-7)
    np.testing.assert_allclose(tab["performance_lower"], np.quantile(perfs, 0.1, axis=0), atol=1e-7)
    np.testing.assert_allclose(tab["performance_upper"], np.quantile(perfs, 0.9, axis=0), atol=1e-7)
    assert (out.n_boot, out.ci_level) == (n_boot, 0.8)

    class Boot:  # the hook: any object with .counts
        counts = F

    t2 = cm.ipma(res, target="Loyalty", level="indicator", boot=Boot()).table
    assert {"importance_lower", "performance_upper"} <= set(t2.columns)
    assert (t2["importance_lower"] <= t2["importance_upper"]).all()


@pytest.mark.filterwarnings("ignore::csimodel.exceptions.CsimodelWarning")
@pytest.mark.parametrize("level", ["construct", "indicator"])
def test_bootstrap_results_replay_their_resamples(res, data, model, seed, level):
    """boot=cm.bootstrap(...) gives the intervals of its own resamples: the documented draws
    default_rng(seed).integers(0, n, n) (as counts, the path checked against refits above)."""
    n = len(data)
    boot = cm.bootstrap(res, n_boot=15, random_state=seed, chunk_size=4, progress=False)
    rows = np.random.default_rng(seed).integers(0, n, size=(15, n))
    F = np.stack([np.bincount(r, minlength=n) for r in rows])
    a = cm.ipma(res, target="Loyalty", level=level, boot=boot, ci_level=0.8)
    b = cm.ipma(res, target="Loyalty", level=level, boot=F, ci_level=0.8)
    pd.testing.assert_frame_equal(a.table, b.table, rtol=0, atol=1e-12)
    assert (a.n_boot, a.n_failed) == (b.n_boot, b.n_failed)
    other = cm.PLS().fit(model, data.iloc[:240], scale=(1, 10))
    with pytest.raises(cm.DataError, match="ipma"):
        cm.ipma(other, target="Loyalty", boot=boot)


def test_errors(data, model, res):
    r0 = cm.PLS().fit(model, data)
    with pytest.raises(cm.DataError, match=r"scale=\(1, 10\)"):
        cm.ipma(r0, target="Loyalty")
    with pytest.raises(cm.ModelError, match="Image"):
        cm.ipma(res, target="Image")
    with pytest.raises(ParameterError, match="'level'"):
        cm.ipma(res, target="Loyalty", level="item")
    with pytest.raises(ParameterError, match="'target'"):
        cm.ipma(res, target="Loyal")
    with pytest.raises(cm.DataError, match="'segment'"):
        cm.ipma(res, target="Loyalty", by="segment")
    with pytest.raises(ParameterError, match="shape"):
        cm.ipma(res, target="Loyalty", boot=np.ones((3, 10)))


def test_results_frozen_summary_and_repr(res):
    out = cm.ipma(res, target="Loyalty")
    with pytest.raises(AttributeError):
        out.table = None
    text = out.summary().as_text()
    assert "Satisfaction" in text and "Loyalty" in text and "250 / 250" in text
    assert "IPMAResults" in repr(out)
    assert "<table" in out._repr_html_()


# CUSL2 (loading 0.20) gets a negative weight in some resamples; such resamples fail under the
# default negative_weights='error' (a warning says how many), exactly as the refits raise.
@pytest.mark.filterwarnings("ignore::csimodel.exceptions.CsimodelWarning")
def test_bootstrap_with_segments_matches_segment_refits(data, model):
    d = data.copy()
    d["g"] = np.tile(["a", "b"], len(d) // 2)
    r = cm.PLS().fit(model, d, scale=(1, 10))
    F = np.random.default_rng(3).multinomial(len(d), np.ones(len(d)) / len(d), size=6)
    out = cm.ipma(r, target="Loyalty", by="g", boot=F, ci_level=0.5, negative_weights="keep")
    per_seg = {"a": [], "b": []}
    for f in F:
        rs = d.loc[d.index.repeat(f)].reset_index(drop=True)
        rb = cm.PLS().fit(model, rs, scale=(1, 10))
        t = cm.ipma(rb, target="Loyalty", by="g", negative_weights="keep").table
        for s in per_seg:
            per_seg[s].append(t.loc[s, "importance"].to_numpy())
    for s, v in per_seg.items():
        np.testing.assert_allclose(
            out.table.loc[s, "importance_lower"], np.quantile(v, 0.25, axis=0), atol=1e-7
        )


def test_negative_weights_error_zero_keep(data, model):
    d = data.copy()
    d["CUSA2"] = 11 - d["CUSA2"]  # reverse-coded item in a reflective block
    r = cm.PLS().fit(model, d, scale=(1, 10))
    with pytest.raises(cm.ModelError, match="CUSA2.*negative_weights='zero'"):
        cm.ipma(r, target="Loyalty")
    with pytest.warns(cm.CsimodelWarning, match="CUSA2"):
        kept = cm.ipma(r, target="Loyalty", negative_weights="keep")
    assert kept.index_weights[("Satisfaction", "CUSA2")] < 0
    z = cm.ipma(r, target="Loyalty", negative_weights="zero")
    w = z.index_weights["Satisfaction"]
    assert w["CUSA2"] == 0 and w.sum() == pytest.approx(1.0)
    # same rule as the scoring module's negative_weights='zero'
    idx = cm.indices(r, negative_weights="zero")
    np.testing.assert_allclose(z.table["performance"], idx.loc["all", ANTECEDENTS].astype(float))
    # items of constructs after the target do not matter
    cm.ipma(r, target="Quality")


def test_resamples_missing_a_segment_are_counted_as_failed(data, model):
    d = data.copy()
    d["g"] = ["rare" if k < 10 else "common" for k in range(len(d))]
    r = cm.PLS().fit(model, d, scale=(1, 10))
    F = np.ones((4, len(d)))
    F[1, :10] = 0  # resample 1 draws nobody from the segment 'rare'
    with pytest.warns(cm.CsimodelWarning, match="1 of 4 resamples failed"):
        out = cm.ipma(r, target="Loyalty", by="g", boot=F)
    assert (out.n_boot, out.n_failed) == (4, 1)
    assert np.isfinite(out.table["importance_lower"]).all()


def test_performance_equals_the_scoring_modules_index(data, model, seed):
    """Cross-check with cm.indices / cm.respondent_scores (issue 6, built independently): the
    0-100 performance is the construct's index, also with survey weights, segments and items
    on different declared scales (100 sum w(x - l) / sum w(h - l) in both formulations)."""
    rng = np.random.default_rng(seed)
    d = data.copy()
    d["PERQ1"] = 2 * d["PERQ1"] + 3
    d["w"] = rng.uniform(0.5, 2.0, len(d))
    d["g"] = rng.choice(["a", "b"], len(d))
    scale = {i: (1, 10) for i in model.items}
    scale["PERQ1"] = (5, 23)
    r = cm.PLS().fit(model, d, scale=scale, weights="w")
    out = cm.ipma(r, target="Loyalty", by="g")
    idx = cm.indices(r, by="g")
    for s in ["a", "b"]:
        np.testing.assert_allclose(
            out.table.loc[s, "performance"], idx.loc[s, ANTECEDENTS].astype(float), atol=1e-9
        )
        assert out.crosshair.loc[s, "target_performance"] == pytest.approx(
            idx.loc[s, "Loyalty"], abs=1e-9
        )
    scores = cm.respondent_scores(r)
    pooled = np.average(scores[ANTECEDENTS], axis=0, weights=r.data.weights)
    np.testing.assert_allclose(cm.ipma(r, target="Loyalty").table["performance"], pooled, atol=1e-9)
