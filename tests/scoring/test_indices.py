"""0-100 indices: the published ACSI worked example, scale ends, and hand computations.

References
----------
tests/data/acsi_index.json: copied from the project reference set (Fornell et al. 1996 index
formula; worked example with the published State of Ohio weights, Verint 2013).
Hand computations below use numpy/pandas on ``res.outer_weights`` and the raw data only
(never the scoring code). Tolerances: worked example 1e-4 (published to 4 decimals), scale
ends 1e-12, hand computations 1e-10 (floating-point rounding only).
"""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from refdata import SATISFACTION_MODEL

import csimodel as cm

REF = json.loads((Path(__file__).parents[1] / "data" / "acsi_index.json").read_text())["reference"]

SAT_MODEL = SATISFACTION_MODEL


def acsi_model(weights, low=(1, 1, 1), high=(10, 10, 10)):
    """A ScoringModel holding the published index weights directly."""
    items = ("overall", "expectancy", "ideal")
    return cm.ScoringModel(
        model_syntax="ACSI =~ overall + expectancy + ideal",
        constructs=("ACSI",),
        blocks={"ACSI": items},
        items=items,
        scale_low=np.array(low, float),
        scale_high=np.array(high, float),
        index_weights=np.array(weights, float),
        outer_weights=np.array(weights, float),
        standardized=False,
        item_means=np.zeros(3),
        item_sds=np.ones(3),
        paths=(),
        csimodel_version="test",
        data_summary={
            "n_total": 0,
            "n_used": 0,
            "n_excluded": 0,
            "n_imputed": 0,
            "missing": "listwise",
            "case_weights": False,
        },
        estimator={"name": "published", "params": {}},
    )


OHIO = REF["worked_example"]["weights"]
W_OHIO = [OHIO["satisfaction"], OHIO["expectancy"], OHIO["performance_vs_ideal"]]


def test_worked_example_published():
    assert REF["scale"] == [1, 10]
    sm = acsi_model(W_OHIO)
    one = pd.DataFrame([[8, 7, 7]], columns=list(sm.items))
    assert sm.score(one)["ACSI"].iloc[0] == pytest.approx(70.9833, abs=1e-4)
    # three respondents whose item means are (8, 7, 7): the index is the formula at the means
    resp = pd.DataFrame([[9, 6, 8], [7, 8, 6], [8, 7, 7]], columns=list(sm.items))
    assert sm.indices(resp)["ACSI"].iloc[0] == pytest.approx(70.9833, abs=1e-4)
    # closed form from the reference text: ((7*.3885 + 6*.3190 + 6*.2925)/9*100)
    assert sm.score(one)["ACSI"].iloc[0] == pytest.approx(
        (7 * 0.3885 + 6 * 0.3190 + 6 * 0.2925) / 9 * 100, abs=1e-12
    )


@pytest.mark.parametrize(
    "low, high", [((1, 1, 1), (10, 10, 10)), ((0, 1, 0), (10, 7, 5)), ((0, 0, 0), (10, 10, 10))]
)
def test_scale_ends_give_0_and_100(low, high):
    sm = acsi_model(W_OHIO, low, high)
    df = pd.DataFrame([list(high), list(low)], columns=list(sm.items))
    s = sm.score(df)["ACSI"].to_numpy()
    np.testing.assert_allclose(s, [100.0, 0.0], atol=1e-12)


def _simulate_mixed(seed, n=300):
    """Two constructs, items on 0-10 and 1-7 scales mixed in each block."""
    rng = np.random.default_rng(seed)
    xi = rng.normal(size=n)
    eta = 0.6 * xi + 0.8 * rng.normal(size=n)
    cols = {}
    for k, (lat, lo, hi) in enumerate(
        [(xi, 0, 10), (xi, 1, 7), (xi, 0, 10), (eta, 1, 7), (eta, 0, 10), (eta, 1, 7)]
    ):
        mid, half = (lo + hi) / 2, (hi - lo) / 2
        x = np.round(mid + half * 0.45 * (lat + 0.6 * rng.normal(size=n)))
        cols[f"q{k + 1}"] = np.clip(x, lo, hi)
    df = pd.DataFrame(cols)
    scale = {"q1": (0, 10), "q2": (1, 7), "q3": (0, 10), "q4": (1, 7), "q5": (0, 10), "q6": (1, 7)}
    model = cm.Model("A =~ q1 + q2 + q3\nB =~ q4 + q5 + q6\nB ~ A")
    return model, df, scale


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_mixed_scales_top_100_bottom_0(seed):
    model, df, scale = _simulate_mixed(seed)
    res = cm.PLS().fit(model, df, scale=scale)
    sm = res.to_scoring_model()
    top = pd.DataFrame([{k: v[1] for k, v in scale.items()}])
    bottom = pd.DataFrame([{k: v[0] for k, v in scale.items()}])
    np.testing.assert_allclose(sm.score(top).to_numpy(), 100.0, atol=1e-12)
    np.testing.assert_allclose(sm.score(bottom).to_numpy(), 0.0, atol=1e-12)
    # a respondent at the top inside the fit data also gets 100 from respondent_scores
    df2 = pd.concat([df, top], ignore_index=True)
    res2 = cm.PLS().fit(model, df2, scale=scale)
    np.testing.assert_allclose(cm.respondent_scores(res2).iloc[-1].to_numpy(), 100.0, atol=1e-12)
    # and the index equals the hand computation with the per-item scale ends
    _check_hand(res, df, scale)


def _hand_index(res, df, low, high, rows=None, case_w=None):
    """Independent ACSI index: numpy on res.outer_weights, the raw data and the scale ends."""
    out = {}
    sub = df if rows is None else df.loc[rows]
    for c in res.model.constructs:
        w_std = res.outer_weights[c]
        items = list(w_std.index)
        sd = df[items].std(ddof=1).to_numpy()  # SD of the fit data (divisor n-1)
        w = w_std.to_numpy() / sd
        w = w / w.sum()
        if case_w is None:
            mean = sub[items].to_numpy(float).mean(axis=0)
        else:
            cw = np.asarray(case_w, float)
            mean = (cw[:, None] * sub[items].to_numpy(float)).sum(axis=0) / cw.sum()
        lo = np.array([low[i] for i in items], float)
        hi = np.array([high[i] for i in items], float)
        out[c] = (w @ mean - w @ lo) / (w @ hi - w @ lo) * 100
    return pd.Series(out)


def _check_hand(res, df, scale):
    if isinstance(scale, dict):
        low = {k: v[0] for k, v in scale.items()}
        high = {k: v[1] for k, v in scale.items()}
    else:
        low = dict.fromkeys(df.columns, scale[0])
        high = dict.fromkeys(df.columns, scale[1])
    got = cm.indices(res).iloc[0]
    want = _hand_index(res, df, low, high)
    np.testing.assert_allclose(got[want.index].to_numpy(float), want.to_numpy(), rtol=0, atol=1e-10)
    assert got["n"] == len(df)


def test_ecsi_mobi_index_equals_hand_computation():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    _check_hand(res, data, (1, 10))


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_satisfaction_index_equals_hand_computation(scheme):
    data = cm.datasets.load_satisfaction()
    res = cm.PLS(scheme=scheme).fit(SAT_MODEL, data, scale=(0, 10))
    _check_hand(res, data.drop(columns="gender"), (0, 10))


def test_unstandardized_fit_weights_used_as_is():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS(standardize=False).fit(cm.models.ecsi(), data, scale=(1, 10))
    got = cm.indices(res).iloc[0]
    for c in res.model.constructs:
        w = res.outer_weights[c]
        items = list(w.index)
        w = w.to_numpy() / w.sum()
        want = (w @ data[items].mean().to_numpy() - 1) / 9 * 100
        assert got[c] == pytest.approx(want, abs=1e-10)


def test_segments_by_one_and_two_columns():
    data = cm.datasets.load_satisfaction()
    data = data.assign(region=np.where(np.arange(len(data)) % 3 == 0, "north", "south"))
    res = cm.PLS().fit(SAT_MODEL, data, scale=(0, 10))
    items = data.drop(columns=["gender", "region"])
    lo = dict.fromkeys(items.columns, 0)
    hi = dict.fromkeys(items.columns, 10)
    idx = cm.indices(res, by="gender")
    assert list(idx.index) == ["female", "male"]
    assert list(idx.columns) == list(res.model.constructs) + ["n"]
    for g in idx.index:
        rows = data.index[data["gender"] == g]
        want = _hand_index(res, items, lo, hi, rows=rows)
        np.testing.assert_allclose(idx.loc[g, want.index].to_numpy(float), want, atol=1e-10)
        assert idx.loc[g, "n"] == len(rows)
    two = cm.indices(res, by=["gender", "region"])
    assert two.index.names == ["gender", "region"]
    assert len(two) == 4 and two["n"].sum() == 250
    rows = data.index[(data["gender"] == "male") & (data["region"] == "north")]
    want = _hand_index(res, items, lo, hi, rows=rows)
    np.testing.assert_allclose(
        two.loc[("male", "north"), want.index].to_numpy(float), want, atol=1e-10
    )


def test_case_weights_in_segment_means():
    data = cm.datasets.load_ecsi_mobi()
    rng = np.random.default_rng(5)
    data = data.assign(w=rng.uniform(0.5, 2.0, len(data)))
    res = cm.PLS().fit(cm.models.ecsi(), data.drop(columns="w"), scale=(1, 10))
    got = cm.indices(res, weights=data["w"].to_numpy()).iloc[0]
    items = data.drop(columns="w")
    want = _hand_index(
        res, items, dict.fromkeys(items, 1), dict.fromkeys(items, 10), case_w=data["w"].to_numpy()
    )
    np.testing.assert_allclose(got[want.index].to_numpy(float), want, atol=1e-10)


def test_no_scale_declared_shows_how():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data)
    with pytest.raises(cm.DataError, match=r"scale=\(1, 10\)"):
        cm.indices(res)
    with pytest.raises(cm.DataError, match="observed min/max"):
        cm.respondent_scores(res)
    with pytest.raises(cm.DataError, match=r"scale=\(1, 10\)"):
        res.to_scoring_model()
    part = cm.PLS().fit(cm.models.ecsi(), data, scale={"CUSA1": (1, 10)})
    with pytest.raises(cm.DataError, match="IMAG1"):
        cm.indices(part)


def test_negative_weight_error_names_item_and_zero_policy():
    data = cm.datasets.load_ecsi_mobi().copy()
    data["CUSL2"] = 11 - data["CUSL2"]  # reverse-coded item
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    assert res.outer_weights[("Loyalty", "CUSL2")] < 0
    with pytest.raises(cm.ModelError, match="CUSL2"):
        cm.indices(res)
    with pytest.raises(cm.ModelError, match="CUSL2"):
        res.to_scoring_model()
    w = cm.scoring.index_weights(res, negative_weights="zero")
    assert w[("Loyalty", "CUSL2")] == 0.0
    assert w["Loyalty"].sum() == pytest.approx(1.0, abs=1e-14)
    idx = cm.indices(res, negative_weights="zero")
    assert 0 <= idx["Loyalty"].iloc[0] <= 100
    with pytest.raises(cm.CsimodelError, match="negative_weights"):
        cm.indices(res, negative_weights="keep")


def test_by_errors():
    data = cm.datasets.load_satisfaction()
    res = cm.PLS().fit(SAT_MODEL, data, scale=(0, 10))
    with pytest.raises(cm.DataError, match="region"):
        cm.indices(res, by="region")
    data2 = data.copy()
    data2.loc[[3, 7], "gender"] = None
    res2 = cm.PLS().fit(SAT_MODEL, data2, scale=(0, 10))
    with pytest.raises(cm.DataError, match="gender"):
        cm.indices(res2, by="gender")
    with pytest.raises(cm.CsimodelError, match="level"):
        cm.indices(res, level=1.5)


def test_respondent_scores_match_hand_rows():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    s = cm.respondent_scores(res)
    w = res.outer_weights["Satisfaction"]
    items = list(w.index)
    w = w.to_numpy() / data[items].std(ddof=1).to_numpy()
    w = w / w.sum()
    want = (data[items].to_numpy(float) @ w - 1) / 9 * 100
    np.testing.assert_allclose(s["Satisfaction"].to_numpy(), want, atol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert s.index.equals(data.index)
