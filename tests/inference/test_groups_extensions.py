"""compare_groups on models with interaction terms and higher-order constructs.

References (independent of the code under test):
* each group's estimates: ``cm.PLS().fit`` on that group's rows only (the whole two-stage
  procedure re-run there); tolerance 1e-10;
* one permutation: the permuted split rebuilt in the test from the documented draw
  (``argsort`` of one row of uniforms; the first n_a pooled positions form group a) and
  refitted with ``cm.PLS().fit``; tolerance 1e-10;
* simulation from known populations: a planted group difference in the interaction path
  is detected (p < 0.01); random splits of one population give non-significant p-values.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from tests.refdata import CORP_HOC_DRIVERS, CORP_HOC_REP, CORP_MODERATION

TOL = 1e-10
KW = {"progress": False}


@pytest.fixture(scope="module")
def corp():
    d = cm.datasets.load_corp_rep()
    return d[~(d == -99).any(axis=1)].reset_index(drop=True)  # no imputation per group


def _key(frame):
    return list(zip(frame["lhs"], frame["op"], frame["rhs"], strict=True))


def _refit_values(model, data, estimator, keys):
    """Estimates of a separate fit, in the order of ``keys`` (params, R²)."""
    res = estimator.fit(model, data)
    est = dict(zip(_key(res.params), res.params["estimate"], strict=True))
    for c, v in res.r_squared.items():
        est[(c, "r2", c)] = v
    return np.array([est[k] for k in keys])


CASES = [
    (CORP_MODERATION, {"interaction": "two_stage"}),
    (CORP_MODERATION, {"interaction": "product_indicator"}),
    (CORP_MODERATION, {"interaction": "orthogonal"}),
    (CORP_HOC_REP, {"higher_order": "two_stage"}),
    (CORP_HOC_DRIVERS, {"higher_order": "two_stage"}),
    (CORP_HOC_REP, {"higher_order": "repeated_indicators"}),
]


@pytest.mark.parametrize("model,settings", CASES)
def test_group_estimates_equal_refits_on_group_rows(corp, model, settings):
    est = cm.PLS(tol=1e-12, max_iter=5000, **settings)
    cmp = cm.compare_groups(model, corp, by="servicetype", estimator=est, n_perm=0, n_boot=0, **KW)
    keys = _key(cmp.estimates)
    assert len(keys) == len(set(keys))
    for g in cmp.groups:
        ref = _refit_values(model, corp[corp["servicetype"] == g], est, keys)
        np.testing.assert_allclose(cmp.estimates[g].to_numpy(), ref, atol=TOL, rtol=0)
    assert ("CUSL", "~", "CUSA:SC") in keys if "interaction" in settings else True


def test_plsc_group_estimates_equal_refits_on_group_rows(corp):
    """PLSc with a two-stage interaction: each group's estimates = a separate PLSc fit."""
    warnings.simplefilter("ignore", cm.InadmissibleWarning)  # a small group's PLSc solution
    est = cm.PLSc(tol=1e-12, max_iter=5000, interaction="two_stage")
    cmp = cm.compare_groups(
        CORP_MODERATION, corp, by="servicetype", estimator=est, n_perm=0, n_boot=0, **KW
    )
    keys = _key(cmp.estimates)
    for g in cmp.groups:
        ref = _refit_values(CORP_MODERATION, corp[corp["servicetype"] == g], est, keys)
        np.testing.assert_allclose(cmp.estimates[g].to_numpy(), ref, atol=TOL, rtol=0)


@pytest.mark.parametrize("model,settings", [CASES[0], CASES[3]])
def test_one_permutation_equals_refits_on_permuted_split(corp, model, settings):
    est = cm.PLS(tol=1e-12, max_iter=5000, **settings)
    cmp = cm.compare_groups(
        model, corp, by="servicetype", estimator=est, n_perm=1, n_boot=0, random_state=7, **KW
    )
    a, b = cmp.groups
    rows_a = np.flatnonzero(corp["servicetype"].to_numpy() == a)
    rows_b = np.flatnonzero(corp["servicetype"].to_numpy() == b)
    pooled = np.concatenate([rows_a, rows_b])
    order = np.argsort(np.random.default_rng(7).random((1, len(pooled))), axis=1)[0]
    perm_a, perm_b = pooled[order[: len(rows_a)]], pooled[order[len(rows_a) :]]
    keys = _key(cmp.estimates)
    ref = _refit_values(model, corp.iloc[perm_a], est, keys) - _refit_values(
        model, corp.iloc[perm_b], est, keys
    )
    np.testing.assert_allclose(cmp.permutation_diffs[(a, b)][0], ref, atol=TOL, rtol=0)


def test_fit_results_input_and_bootstrap_and_indices(corp):
    res = cm.PLS().fit(CORP_MODERATION, corp, scale=(1, 7))
    cmp = cm.compare_groups(res, by="servicetype", n_perm=19, n_boot=19, random_state=1, **KW)
    same = cm.compare_groups(
        CORP_MODERATION,
        corp,
        by="servicetype",
        scale=(1, 7),
        n_perm=19,
        n_boot=19,
        random_state=1,
        **KW,
    )
    pd.testing.assert_frame_equal(cmp.params, same.params)
    idx = cmp.params[cmp.params["op"] == "index"]
    assert "CUSA:SC" not in set(idx["lhs"])  # an interaction term has no 0-100 index
    assert {"CUSA", "CUSL", "SC"} <= set(idx["lhs"])
    assert np.isfinite(cmp.params[["p_permutation", "p_mga", "p_welch"]].to_numpy()).all()
    assert cmp.n_boot_valid == {1: 19, 2: 19}
    assert "CUSA:SC (two_stage)" in str(cmp.summary())


def test_omnibus_for_three_groups(corp):
    model = "CUSA =~ cusa\nSC =~ switch_1 + switch_2\nCUSL =~ cusl_1 + cusl_2 + cusl_3\n"
    model += "CUSL ~ CUSA + SC + CUSA:SC\n"
    cmp = cm.compare_groups(
        model,
        corp,
        by="serviceprovider",
        groups=[1, 2, 3],
        n_perm=19,
        n_boot=9,
        random_state=3,
        **KW,
    )
    om = cmp.omnibus.set_index(["lhs", "op", "rhs"])
    assert 0 < om.loc[("CUSL", "~", "CUSA:SC"), "p_omnibus"] <= 1
    assert om["n_perm_valid"].iloc[0] == 19


def _simulate(rng, n, b_int):
    x, m = rng.standard_normal(n), rng.standard_normal(n)
    y = 0.3 * x + 0.2 * m + b_int * x * m
    y = y + rng.standard_normal(n) * np.sqrt(max(1e-3, 1 - np.var(y)))
    cols = {}
    for name, f in (("x", x), ("m", m), ("y", y)):
        for k in range(3):
            cols[f"{name}{k}"] = 0.85 * (f - f.mean()) / f.std() + 0.5 * rng.standard_normal(n)
    return pd.DataFrame(cols)


SIM = """
X =~ x0 + x1 + x2
M =~ m0 + m1 + m2
Y =~ y0 + y1 + y2
Y ~ X + M + X:M
"""


def _p_interaction(cmp):
    p = cmp.params.set_index(["lhs", "op", "rhs"])
    return p.loc[("Y", "~", "X:M")]


def test_planted_interaction_difference_is_detected():
    rng = np.random.default_rng(11)
    d = pd.concat(
        [_simulate(rng, 300, 0.5).assign(g="a"), _simulate(rng, 300, 0.0).assign(g="b")],
        ignore_index=True,
    )
    cmp = cm.compare_groups(SIM, d, by="g", n_perm=199, n_boot=199, random_state=0, **KW)
    row = _p_interaction(cmp)
    assert row["diff"] > 0.25
    assert row["p_permutation"] < 0.01
    assert row["p_mga"] < 0.01
    assert row["p_welch"] < 0.01


def test_null_split_is_not_significant_on_average():
    rng = np.random.default_rng(5)
    ps = []
    for _ in range(6):
        d = _simulate(rng, 200, 0.3)
        d["g"] = rng.permutation(np.repeat(["a", "b"], 100))
        cmp = cm.compare_groups(SIM, d, by="g", n_perm=99, n_boot=0, random_state=1, **KW)
        ps.append(_p_interaction(cmp)["p_permutation"])
    assert np.mean(ps) > 0.25
    assert sum(p < 0.05 for p in ps) <= 2


def test_refusals_stay_clear(corp):
    with pytest.raises(cm.ModelError, match=r"micom does not support .*CUSA:SC.*compositional"):
        cm.micom(CORP_MODERATION, corp, by="servicetype", n_perm=9, **KW)
    with pytest.raises(cm.ModelError, match=r"index_change does not support .*REP.*no index"):
        cm.index_change(CORP_HOC_REP, corp, by="servicetype", scale=(1, 7), n_perm=9, n_boot=9)
    with pytest.raises(cm.CsimodelError, match="two_stage"):  # PLSc: two-stage interactions only
        est = cm.PLSc(interaction="orthogonal")
        cm.compare_groups(CORP_MODERATION, corp, by="servicetype", estimator=est, **KW)
    with pytest.raises(cm.DataError, match="fewer than 3"):
        small = corp.assign(g=["x", "y"] + ["z"] * (len(corp) - 2))
        cm.compare_groups(CORP_MODERATION, small, by="g", n_perm=9, n_boot=9, **KW)
    with pytest.raises(cm.CsimodelError, match="The .interaction. parameter of PLS"):
        est = cm.PLS(interaction="paths")
        cm.compare_groups(CORP_MODERATION, corp, by="servicetype", estimator=est, **KW)


def test_case_weights_travel_with_the_groups(corp):
    data = corp.assign(wt=1 + np.arange(len(corp)) % 3)
    cmp = cm.compare_groups(
        CORP_MODERATION, data, by="servicetype", weights="wt", n_perm=0, n_boot=0, **KW
    )
    keys = _key(cmp.estimates)
    for g in cmp.groups:
        sub = data[data["servicetype"] == g]
        res = cm.PLS().fit(CORP_MODERATION, sub, weights="wt")
        est = dict(zip(_key(res.params), res.params["estimate"], strict=True))
        got = cmp.estimates.set_index(["lhs", "op", "rhs"])[g]
        assert max(abs(got[k] - v) for k, v in est.items()) < TOL
        assert len(est) + len(res.r_squared) == len(keys)
