"""Interaction terms and higher-order constructs in PLS.

References:
* seminr-py (``tests/data/extensions_peers.json``, generator and exact calls in
  ``tests/data/scripts/make_extensions_peers.py``): moderation (three methods) and
  ``higher_composite`` (two-stage) on the corporate reputation data; tolerance 1e-6.
* repeated indicators: the plain engine fed the repeated-items model written by hand
  (duplicated item columns); tolerance 1e-10.
* a hierarchical composite population with exact sample moments: population weights and
  paths recovered to 1e-8.
* simulated data with a known interaction: the two-stage estimate converges to it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from tests.refdata import CORP_HOC_DRIVERS, CORP_HOC_REP, CORP_MODERATION, load_reference

REF = load_reference("extensions_peers.json")
TOL = 1e-6


@pytest.fixture(scope="module")
def corp():
    return cm.datasets.load_corp_rep()


def _fit(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)  # mean imputation is warned
        return cm.PLS(tol=1e-12, max_iter=5000, **kw).fit(
            model, data, missing="mean", missing_values=(-99,)
        )


def _path(res, key):
    s, t = key.split("->")
    return res.path_coefficients.loc[s, t]


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_moderation_vs_seminr(corp, method):
    ref = REF[f"moderation_{method}"]
    res = _fit(CORP_MODERATION, corp, interaction=method)
    for key, value in ref["paths"].items():
        assert _path(res, key) == pytest.approx(value, abs=TOL), key
    for c, value in ref["r2"].items():
        assert res.r_squared[c] == pytest.approx(value, abs=TOL), c
    row = res.params.query("lhs == 'CUSL' and op == '~' and rhs == 'CUSA:SC'")
    assert len(row) == 1


@pytest.mark.parametrize(
    "key,model", [("hoc_rep", CORP_HOC_REP), ("hoc_drivers", CORP_HOC_DRIVERS)]
)
def test_higher_order_two_stage_vs_seminr(corp, key, model):
    ref = REF[key]
    res = _fit(model, corp)
    for k, value in ref["paths"].items():
        assert _path(res, k) == pytest.approx(value, abs=TOL), k
    for c, value in ref["r2"].items():
        assert res.r_squared[c] == pytest.approx(value, abs=TOL), c
    for k, value in ref["weights"].items():
        assert res.outer_weights[tuple(k.split("|"))] == pytest.approx(value, abs=TOL), k
    for k, value in ref["loadings"].items():
        assert res.loadings[tuple(k.split("|"))] == pytest.approx(value, abs=TOL), k


def test_two_stage_interaction_is_centred_product_of_scores(corp):
    # hand computation: stage 1 = the model without the interaction; the product of its
    # standardized scores; OLS of standardized CUSL on the stage-2 scores
    res = _fit(CORP_MODERATION, corp)
    plain = _fit(CORP_MODERATION.replace(" + CUSA:SC", ""), corp)
    prod = (plain.scores["CUSA"] * plain.scores["SC"]).to_numpy()
    z = res.scores
    inter = z["CUSA:SC"].to_numpy()
    assert abs(np.corrcoef(inter, prod)[0, 1]) == pytest.approx(1.0, abs=1e-9)
    preds = ["COMP", "LIKE", "CUSA", "SC"]
    Xd = np.column_stack([z[preds].to_numpy(), prod - prod.mean()])
    beta = np.linalg.lstsq(Xd, z["CUSL"].to_numpy(), rcond=None)[0]
    assert beta[-1] == pytest.approx(res.path_coefficients.loc["CUSA:SC", "CUSL"], abs=1e-9)
    assert beta[:-1] == pytest.approx(res.path_coefficients.loc[preds, "CUSL"].to_numpy(), abs=1e-9)


def test_repeated_indicators_equals_hand_model(corp):
    res = _fit(CORP_HOC_REP, corp, higher_order="repeated_indicators")
    data = corp.copy()
    for c in ("comp_1", "comp_2", "comp_3", "like_1", "like_2", "like_3"):
        data[c + "_r"] = data[c]
    hand = CORP_HOC_REP.replace(
        "REP =~ COMP + LIKE",
        "REP =~ comp_1_r + comp_2_r + comp_3_r + like_1_r + like_2_r + like_3_r\n"
        "COMP ~ REP\nLIKE ~ REP",
    )
    ref = _fit(hand, data)
    for s, t in ref.model.paths:
        assert res.path_coefficients.loc[s, t] == pytest.approx(
            ref.path_coefficients.loc[s, t], abs=1e-10
        )
    pd.testing.assert_series_equal(
        res.r_squared.sort_index(), ref.r_squared.sort_index(), atol=1e-10, rtol=0
    )
    w = res.outer_weights["REP"].to_numpy()
    assert w == pytest.approx(ref.outer_weights["REP"].to_numpy(), abs=1e-10)


def _exact(Sigma, n, seed):
    """Data whose sample covariance (n - 1) is exactly Sigma."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, Sigma.shape[0]))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(np.cov(Z, rowvar=False)).T)
    return Z @ np.linalg.cholesky(Sigma).T


def test_hierarchical_composite_population_recovered(seed):
    # blocks X (3 items), L1 (3), L2 (2), Y (2), all composites; H = v1 L1 + v2 L2 (unit
    # variance), corr(L1, L2) = .6; X and Y relate to L1, L2 only through H:
    # H = a X + e, Y = b H + e
    blocks = {"X": 3, "L1": 3, "L2": 2, "Y": 2}
    w = {
        "X": np.array([0.5, 0.4, 0.3]),
        "L1": np.array([0.6, 0.3, 0.3]),
        "L2": np.array([0.7, 0.4]),
        "Y": np.array([0.6, 0.5]),
    }
    rng = np.random.default_rng(123)
    R = {}
    for c, k in blocks.items():
        A = rng.uniform(0.3, 0.6, size=(k, k))
        Rc = (A + A.T) / 2
        np.fill_diagonal(Rc, 1.0)
        R[c] = Rc
        w[c] = w[c] / np.sqrt(w[c] @ Rc @ w[c])
    v = np.array([0.7, 0.5])
    CL = np.array([[1, 0.6], [0.6, 1]])
    v = v / np.sqrt(v @ CL @ v)
    a, b = 0.55, 0.5
    corr_HL = CL @ v  # corr(H, L1), corr(H, L2)
    corr_HX = a
    rho = {("L1", "L2"): 0.6, ("X", "Y"): a * b}
    rho[("X", "L1")], rho[("X", "L2")] = a * corr_HL
    rho[("L1", "Y")], rho[("L2", "Y")] = b * corr_HL
    names = list(blocks)
    pos = np.cumsum([0] + list(blocks.values()))
    Sigma = np.zeros((pos[-1], pos[-1]))
    for i, a in enumerate(names):
        for j, c in enumerate(names):
            r = 1.0 if a == c else rho.get((a, c), rho.get((c, a)))
            Sigma[pos[i] : pos[i + 1], pos[j] : pos[j + 1]] = (
                R[a] if a == c else r * np.outer(R[a] @ w[a], R[c] @ w[c])
            )
    items = [f"{c.lower()}{k + 1}" for c in names for k in range(blocks[c])]
    data = pd.DataFrame(_exact(Sigma, 200, seed), columns=items)
    syntax = "\n".join(
        f"{c} <~ " + " + ".join(i for i in items if i.startswith(c.lower())) for c in names
    )
    syntax += "\nH <~ L1 + L2\nH ~ X\nY ~ H\n"
    res = cm.PLS(tol=1e-13, max_iter=5000).fit(syntax, data)
    for c in names:
        assert res.outer_weights[c].to_numpy() == pytest.approx(w[c], abs=1e-8), c
    assert res.outer_weights["H"].to_numpy() == pytest.approx(v, abs=1e-8)
    assert res.path_coefficients.loc["X", "H"] == pytest.approx(corr_HX, abs=1e-8)
    assert res.path_coefficients.loc["H", "Y"] == pytest.approx(b, abs=1e-8)


def _simulate(n, seed, b_int=0.25):
    rng = np.random.default_rng(seed)
    x, m = rng.normal(size=(2, n))
    y = 0.3 * x + 0.2 * m + b_int * x * m + rng.normal(scale=0.8, size=n)
    return pd.DataFrame({"x": x, "m": m, "y": y}), b_int / np.sqrt(0.09 + 0.04 + b_int**2 + 0.64)


@pytest.mark.slow
def test_two_stage_converges_to_known_interaction(seed):
    # population: the path on the product-of-standardized-scores scale is b / sd(y)
    errors = []
    for n in (300, 3000, 30000):
        data, truth = _simulate(n, seed)
        res = cm.PLS().fit("X =~ x\nM =~ m\nY =~ y\nY ~ X + M + X:M", data)
        errors.append(abs(res.path_coefficients.loc["X:M", "Y"] - truth))
    assert errors[-1] < 0.02
    assert errors[-1] < max(errors[0], 0.01)


def test_quadratic_term_product_indicator(corp):
    model = "CUSA =~ cusa\nLIKE =~ like_1 + like_2 + like_3\nCUSL =~ cusl_1 + cusl_2 + cusl_3\n"
    model += "CUSL ~ CUSA + LIKE + LIKE:LIKE"
    res = _fit(model, corp, interaction="product_indicator")
    assert res.model.blocks["LIKE:LIKE"][:2] == ("like_1:like_1", "like_1:like_2")
    assert len(res.model.blocks["LIKE:LIKE"]) == 9
    assert np.isfinite(res.path_coefficients.loc["LIKE:LIKE", "CUSL"])


def test_bootstrap_resample_equals_refit(corp):
    data = corp.replace(-99, np.nan).dropna(
        subset=[
            "cusa",
            "switch_1",
            "switch_2",
            "switch_3",
            "switch_4",
            "cusl_1",
            "cusl_2",
            "cusl_3",
        ]
    )
    model = "CUSA =~ cusa\nSC =~ switch_1 + switch_2 + switch_3 + switch_4\n"
    model += "CUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSL ~ CUSA + SC + CUSA:SC"
    for method in ("two_stage", "orthogonal"):
        res = cm.PLS(tol=1e-12, interaction=method).fit(model, data)
        boot = cm.bootstrap(res, n_boot=4, random_state=3, progress=False)
        dist = boot.distribution()
        for b, idx in enumerate(next(boot.iter_indices(4))):
            refit = cm.PLS(tol=1e-12, interaction=method).fit(
                model, data.iloc[idx].reset_index(drop=True)
            )
            got = dist.iloc[b][("CUSL", "~", "CUSA:SC")]
            assert got == pytest.approx(refit.path_coefficients.loc["CUSA:SC", "CUSL"], abs=1e-10)


def test_estimator_errors(corp):
    with pytest.raises(cm.ModelError, match="PLSc does not estimate higher-order"):
        cm.PLSc().fit(CORP_HOC_REP, corp, missing="mean", missing_values=(-99,))
    with pytest.raises(ValueError, match="'interaction' parameter of PLS must be one of"):
        cm.PLS(interaction="two-stage").fit(CORP_MODERATION, corp)
    with pytest.raises(ValueError, match="'higher_order' parameter of PLS"):
        cm.PLS(higher_order="embedded").fit(CORP_HOC_REP, corp)
    with pytest.raises(cm.ModelError, match="use fit"):
        cm.PLS().estimate(np.eye(3)[None], cm.Model(CORP_MODERATION))


def test_consumers_without_extension_support_refuse_clearly(corp):
    small = "CUSA =~ cusa\nSC =~ switch_1 + switch_2\nCUSL =~ cusl_1 + cusl_2\n"
    small += "CUSL ~ CUSA + SC + CUSA:SC"
    kw = dict(missing="mean", missing_values=(-99,))
    # compare_groups supports them (tests/inference/test_groups_extensions.py)
    with pytest.raises(cm.ModelError, match="micom does not support .*compositional"):
        cm.micom(small, corp, by="servicetype", n_perm=10, **kw)
    res = _fit(CORP_HOC_REP, corp, higher_order="repeated_indicators")
    with pytest.raises(cm.ModelError, match="two-stage higher-order constructs only"):
        res.to_scoring_model()
