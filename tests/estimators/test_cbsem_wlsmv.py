"""Ordered items: polychoric correlations and CB-SEM WLSMV against lavaan.

Reference: ``tests/data/lavaan_robust.json`` (R 4.2.2 / lavaan 0.6.14,
``tests/data/scripts/make_lavaan_robust_refs.R``). The satisfaction items (1-10) are recoded
to five ordered categories (x <= 5 -> 1, 6 -> 2, 7 -> 3, 8 -> 4, x >= 9 -> 5; the same rule
in the R script). Calls: ``lavCor(ord[items], ordered = items, output = "fit")``,
``cfa(sat_cfa, data = ord, ordered = items, estimator = "WLSMV")`` and
``sem(sat_sem, ..., estimator = "WLSMV")``.

Tolerances (issue 19): fit entries, thresholds and polychoric correlations 1e-3 relative
(reached to ~1e-7), estimates 1e-3 absolute, SEs 2e-3 relative.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import SATISFACTION_MODEL, load_reference, ordinal_satisfaction, satisfaction_model

import csimodel as cm
from csimodel.numeric.polychoric import bvn_cdf, polychoric

REF = load_reference("lavaan_robust.json")
CFA = cm.Model("\n".join(SATISFACTION_MODEL.strip().splitlines()[:6]))

WLSMV_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "srmr": "srmr",
    "npar": "npar",
    "baseline_chisq": "baseline.chisq",
    "chisq_scaled": "chisq.scaled",
    "df_scaled": "df.scaled",
    "pvalue_scaled": "pvalue.scaled",
    "scaling_factor": "chisq.scaling.factor",
    "baseline_chisq_scaled": "baseline.chisq.scaled",
    "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled",
    "rmsea_scaled": "rmsea.scaled",
}


@pytest.fixture(scope="module")
def ord_data():
    return ordinal_satisfaction()


@pytest.fixture(scope="module")
def fits(ord_data):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.InadmissibleWarning)
        out["ord_cfa_wlsmv"] = cm.CBSEM("WLSMV").fit(CFA, ord_data, ordered=True)
        out["ord_sem_wlsmv"] = cm.CBSEM("WLSMV").fit(satisfaction_model(), ord_data)
    return out


def test_bvn_cdf_hand_values():
    # Φ2(0, 0; r) = 1/4 + asin(r)/(2π) (Sheppard); Φ2(h, k; 0) = Φ(h)Φ(k)
    from scipy.stats import norm

    for r in (-0.97, -0.5, 0.0, 0.3, 0.8, 0.95, 0.999):
        assert bvn_cdf(0.0, 0.0, r) == pytest.approx(0.25 + np.arcsin(r) / (2 * np.pi), abs=1e-14)
    assert bvn_cdf(0.7, -0.4, 0.0) == pytest.approx(norm.cdf(0.7) * norm.cdf(-0.4), abs=1e-14)


def test_polychoric_matches_lavcor(ord_data):
    ref = REF["lavcor"]
    pc = polychoric(ord_data[ref["vars"]].to_numpy(float))
    np.testing.assert_allclose(pc.corr, np.array(ref["matrix"]), atol=1e-6)
    th = np.concatenate(pc.thresholds)
    np.testing.assert_allclose(th, list(ref["thresholds"].values()), atol=1e-12)
    # asymptotic covariance: lavaan's NACOV diagonal (lavInspect(fit, "gamma"))
    np.testing.assert_allclose(np.diag(pc.gamma), REF["ord_cfa_wlsmv"]["gamma_diag"], rtol=1e-5)


def test_polychoric_recovers_population_correlation():
    rng = np.random.default_rng(3)
    z = rng.multivariate_normal([0, 0, 0], [[1, 0.7, -0.4], [0.7, 1, 0.2], [-0.4, 0.2, 1]], 20000)
    y = np.digitize(z, [-1.2, -0.3, 0.5, 1.4])
    pc = polychoric(y, acov=False)
    assert pc.corr[0, 1] == pytest.approx(0.7, abs=0.02)
    assert pc.corr[0, 2] == pytest.approx(-0.4, abs=0.02)
    np.testing.assert_allclose(pc.thresholds[0], [-1.2, -0.3, 0.5, 1.4], atol=0.03)


@pytest.mark.parametrize("case", ["ord_cfa_wlsmv", "ord_sem_wlsmv"])
def test_wlsmv_fit_indices_match_lavaan(fits, case):
    fi = fits[case].fit_indices
    ref = REF[case]["fit_all"]
    for ours, theirs in WLSMV_KEYS.items():
        assert fi[ours] == pytest.approx(ref[theirs], rel=1e-3), ours


@pytest.mark.parametrize("case", ["ord_cfa_wlsmv", "ord_sem_wlsmv"])
def test_wlsmv_params_match_lavaan(fits, case):
    par = fits[case].params.set_index(["lhs", "op", "rhs"])
    n_free = 0
    for p in REF[case]["params"]:
        key = (p["lhs"], p["op"], p["rhs"])
        if p["op"] in ("~*~", "~1"):  # delta scales (1) and intercepts (0), fixed
            continue
        r = par.loc[key]
        assert r["estimate"] == pytest.approx(p["est"], abs=1e-3), key
        assert r["std_estimate"] == pytest.approx(p["std_all"], abs=1e-3), key
        if p["se"] and r["free"]:
            assert r["se"] == pytest.approx(p["se"], rel=2e-3), key
            n_free += 1
    assert n_free == int(REF[case]["fit_all"]["npar"])


def test_wlsmv_thresholds_and_polychoric_on_result(fits, ord_data):
    res = fits["ord_cfa_wlsmv"]
    th = res.params[res.params["op"] == "|"]
    assert list(th["rhs"][:4]) == ["t1", "t2", "t3", "t4"]
    assert list(res.polychoric.index) == list(CFA.items)
    assert "Thresholds" in res.summary().as_text()


def test_wlsmv_beats_ml_on_thresholded_normal_data():
    """Simulation: one factor, loadings 0.8/0.7/0.6/0.5 (standardized), responses cut into
    4 skewed categories. WLSMV recovers the standardized loadings; ML on the integer codes
    is attenuated."""
    rng = np.random.default_rng(7)
    lam = np.array([0.8, 0.7, 0.6, 0.5])
    n = 3000
    eta = rng.normal(size=n)
    ystar = eta[:, None] * lam + rng.normal(size=(n, 4)) * np.sqrt(1 - lam**2)
    y = np.digitize(ystar, [0.3, 0.9, 1.5]) + 1
    data = pd.DataFrame(y, columns=["a", "b", "c", "d"])
    model = "F =~ a + b + c + d"
    err_w = np.abs(cm.CBSEM("WLSMV").fit(model, data).loadings.to_numpy() - lam)
    err_ml = np.abs(cm.CBSEM("ML").fit(model, data).loadings.to_numpy() - lam)
    assert err_w.max() < 0.05
    assert err_w.mean() < err_ml.mean() / 2


def test_ordinal_data_errors(ord_data):
    d = ord_data[list(CFA.items)].copy()
    d["imag1"] = 3
    with pytest.raises(cm.DataError, match="imag1.*same answer"):  # the data door
        cm.CBSEM("WLSMV").fit(CFA, d)
    d = ord_data[list(CFA.items)].copy()
    d.loc[d["imag2"] == 3, "imag2"] = 4
    with pytest.raises(cm.DataError, match="imag2.*category 3"):
        cm.CBSEM("WLSMV").fit(CFA, d)
    d = ord_data[list(CFA.items)].astype(float)
    d.iloc[0, 0] = 2.5
    with pytest.raises(cm.DataError, match="non-integer"):
        cm.CBSEM("WLSMV").fit(CFA, d)


def test_ordered_parameter_errors(ord_data):
    with pytest.raises(cm.CsimodelError, match="WLSMV"):
        cm.CBSEM("ML").fit(CFA, ord_data, ordered=True)
    with pytest.raises(cm.CsimodelError, match="every model item"):
        cm.CBSEM("WLSMV").fit(CFA, ord_data, ordered=["imag1"])
    with pytest.raises(cm.CsimodelError, match="not items"):
        cm.CBSEM("WLSMV").fit(CFA, ord_data, ordered=["nope"])


def test_wlsmv_single_item_construct_is_refused(ord_data):
    with pytest.raises(cm.ModelError, match="single-item"):
        cm.CBSEM("WLSMV").fit("A =~ imag1 + imag2 + imag3; B =~ sat1; B ~ A", ord_data)


@pytest.mark.parametrize("est", ["DWLS", "WLSMV", "WLS"])
def test_small_cfa_dwls_and_wlsmv_match_lavaan(ord_data, est):
    """lavaan ``cfa(inv_model, data = ord, ordered = items, estimator = "DWLS"/"WLSMV"/
    "WLS")``: DWLS and WLS have standard SEs (Δ'WΔ)⁻¹/(N-1) and the unscaled test only;
    WLS uses the full weight matrix Γ⁻¹ (thresholds estimated jointly)."""
    case = f"ord_small_{est.lower()}"
    model = REF["_provenance"]["models"]["inv_model"]
    res = cm.CBSEM(est).fit(model, ord_data, ordered=True)
    ref = REF[case]
    for k in ("chisq", "df", "cfi", "tli", "rmsea", "srmr"):
        assert res.fit_indices[k] == pytest.approx(ref["fit_all"][k], rel=1e-3), k
    assert ("chisq_scaled" in res.fit_indices.index) == (est == "WLSMV")
    par = res.params.set_index(["lhs", "op", "rhs"])
    for p in ref["params"]:
        if p["op"] in ("~*~", "~1") or not p["se"]:
            continue
        r = par.loc[(p["lhs"], p["op"], p["rhs"])]
        assert r["estimate"] == pytest.approx(p["est"], abs=1e-3)
        assert r["se"] == pytest.approx(p["se"], rel=2e-3), (p["lhs"], p["op"], p["rhs"])
    assert "Ordered items" in res.summary().as_text()
    assert res.converged
