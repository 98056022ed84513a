"""CB-SEM (semopy + csimodel polish and fit indices).

References: ``tests/data/lavaan_ecsi.json``, produced by R 4.2.2 / lavaan 0.6.14 with
``tests/data/scripts/make_lavaan_refs.R`` on the bundled ECSI data (the calls are recorded
in the JSON under ``call``: ``sem(ecsi_model, data = dat, estimator = "ML")``,
``cfa(cfa_model, data = dat, estimator = "ML")``, ``sem(..., estimator = "ULS")``,
``sem(..., estimator = "GLS", start = <ML fit>)``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from refdata import LAVAAN_FIT_KEYS

import csimodel as cm
from csimodel.estimators.cbsem import fit_indices, to_semopy_syntax

REF = json.loads((Path(__file__).parents[1] / "data" / "lavaan_ecsi.json").read_text())

CFA_SYNTAX = """
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
"""

# the GLS/ULS references carry no unrestricted log-likelihood; test_cbsem_fiml.py checks it
FIT_KEYS = {k: v for k, v in LAVAAN_FIT_KEYS.items() if k != "unrestricted_loglik"}


def _fit(est: str, model: cm.Model) -> cm.CBSEMResults:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.InadmissibleWarning)
        return cm.CBSEM(est).fit(model, cm.datasets.load_ecsi_mobi())


@pytest.fixture(scope="module")
def ecsi_ml():
    return _fit("ML", cm.models.ecsi())


@pytest.fixture(scope="module")
def cfa_fit():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cm.CBSEM().fit(cm.Model(CFA_SYNTAX), cm.datasets.load_ecsi_mobi())
    return res, caught


@pytest.fixture(scope="module")
def cfa_ml(cfa_fit):
    return cfa_fit[0]


def _check_fit(res, case, keys, rtol=1e-3):
    ref = REF[case]["fit"]
    for ours, theirs in keys.items():
        assert res.fit_indices[ours] == pytest.approx(ref[theirs], rel=rtol), ours


def _well_determined(case, se_max=1.0):
    """Free parameters lavaan estimates with se < se_max (the ECSI structural part lies on
    a flat ridge where lavaan itself stops with max |gradient| 4e-5, so the ridge paths are
    compared only through the fit)."""
    return [p for p in REF[case]["params"] if p["free"] and p["se"] < se_max]


def _row(res, p):
    t = res.params
    r = t[(t.lhs == p["lhs"]) & (t.op == p["op"]) & (t.rhs == p["rhs"])]
    assert len(r) == 1, (p["lhs"], p["op"], p["rhs"])
    return r.iloc[0]


# ----------------------------------------------------------------------------- lavaan ML
@pytest.mark.parametrize("case", ["ecsi_ml", "cfa_ml"])
def test_fit_indices_match_lavaan(case, ecsi_ml, cfa_ml):
    """chisq, df, CFI, TLI, RMSEA (+CI), SRMR, AIC, BIC vs lavaan 0.6.14: 1e-3 relative."""
    res = ecsi_ml if case == "ecsi_ml" else cfa_ml
    _check_fit(res, case, FIT_KEYS)
    # p-close is tiny here (3e-7); compare on the log scale
    ref = REF[case]["fit"]["rmsea.pvalue"]
    assert np.log(res.fit_indices["rmsea_pvalue"]) == pytest.approx(np.log(ref), rel=1e-3)
    assert res.converged
    assert res.convergence["max_abs_gradient"] < 1e-5


@pytest.mark.parametrize("case", ["ecsi_ml", "cfa_ml"])
def test_parameters_match_lavaan(case, ecsi_ml, cfa_ml):
    """Estimates 1e-3 relative (abs for |est| < 1), SEs (expected information) 1e-2
    relative, std.all 1e-3 absolute, for the well-determined parameters."""
    res = ecsi_ml if case == "ecsi_ml" else cfa_ml
    checked = _well_determined(case)
    assert len(checked) >= 45
    for p in checked:
        r = _row(res, p)
        assert r.estimate == pytest.approx(p["est"], rel=1e-3, abs=1e-3), (p["lhs"], p["rhs"])
        assert r.se == pytest.approx(p["se"], rel=1e-2), (p["lhs"], p["rhs"])
        assert r.std_estimate == pytest.approx(p["std_all"], abs=1e-3), (p["lhs"], p["rhs"])


def test_r_squared_match_lavaan(ecsi_ml):
    r2 = REF["ecsi_ml"]["r2"]
    for c, v in ecsi_ml.r_squared.items():
        assert v == pytest.approx(r2[c], abs=1e-3), c


def test_own_start_reaches_lavaan_without_semopy(ecsi_ml):
    """Default start='auto': csimodel's own start and optimizer reach lavaan's χ²; semopy
    does not run."""
    cv = ecsi_ml.convergence
    assert "semopy_objective" not in cv
    assert [s[0] for s in cv["starts"]] == ["simple"]
    assert cv["max_abs_gradient"] < 1e-6
    assert cv["objective"] * 250 == pytest.approx(REF["ecsi_ml"]["fit"]["chisq"], rel=1e-6)


def test_semopy_stops_short_and_polish_reaches_lavaan():
    """semopy alone stops above the optimum (issue #8); the polished χ² is lavaan's."""
    res = _fit_semopy_start()
    cv = res.convergence
    assert cv["semopy_objective"] >= cv["objective"] - 1e-12
    assert cv["max_abs_gradient"] < 1e-6 < cv["semopy_max_abs_gradient"]
    assert cv["objective"] * 250 == pytest.approx(REF["ecsi_ml"]["fit"]["chisq"], rel=1e-6)
    assert cv["objective_spread_across_starts"] < 1e-8


def _fit_semopy_start():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.InadmissibleWarning)
        return cm.CBSEM(start="semopy").fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())


def test_single_indicator_baseline_finite_and_cfi(ecsi_ml):
    """Complaints =~ CUSCO with error variance fixed 0: the independence baseline is the
    observed-variable diagonal model (finite), and CFI is lavaan's, not semopy's 1.000."""
    fi = ecsi_ml.fit_indices
    S = ecsi_ml.cov
    n = 250
    closed_form = n * (np.sum(np.log(np.diag(S))) - np.linalg.slogdet(S)[1])
    assert np.isfinite(fi["baseline_chisq"])
    assert fi["baseline_chisq"] == pytest.approx(closed_form, rel=1e-10)
    assert fi["baseline_df"] == 24 * 23 / 2
    assert fi["cfi"] == pytest.approx(REF["ecsi_ml"]["fit"]["cfi"], rel=1e-3)
    assert fi["cfi"] < 0.9
    t = ecsi_ml.params
    err = t[(t.lhs == "CUSCO") & (t.op == "~~")].iloc[0]
    assert not err.free and err.estimate == 0.0
    assert ecsi_ml.loadings[("Complaints", "CUSCO")] == pytest.approx(1.0)


def test_cfa_inadmissible_warned_and_recorded(cfa_fit):
    """lavaan warns 'covariance matrix of latent variables is not positive definite' on
    this CFA; so must we."""
    res, caught = cfa_fit
    assert any(
        issubclass(w.category, cm.InadmissibleWarning) and "not positive definite" in str(w.message)
        for w in caught
    )
    assert not res.admissible
    assert any("construct covariance" in f for f in res.inadmissible)
    assert "Improper solution" in res.summary().as_text()


# ----------------------------------------------------------------------------- other estimators
@pytest.mark.slow
def test_uls_fit_indices_match_lavaan():
    res = _fit("ULS", cm.models.ecsi())
    keys = {k: v for k, v in FIT_KEYS.items() if k not in ("aic", "bic", "loglik")}
    _check_fit(res, "ecsi_uls", keys)
    assert np.isnan(res.fit_indices["aic"])
    for p in _well_determined("ecsi_uls"):
        assert _row(res, p).estimate == pytest.approx(p["est"], rel=1e-3, abs=1e-3)


@pytest.mark.slow
def test_gls_from_ml_start_matches_lavaan():
    """lavaan's default GLS run does not converge on ECSI; started from the ML fit it reaches
    an improper solution (negative Satisfaction disturbance variance). CBSEM('GLS') starts
    from the ML solution too and must reach the same point: this checks the GLS
    discrepancy, T = (N - 1) F and the GLS baseline (1e-3 relative)."""
    res = _fit("GLS", cm.models.ecsi())
    keys = {k: v for k, v in FIT_KEYS.items() if k not in ("aic", "bic", "loglik")}
    _check_fit(res, "ecsi_gls_start_ml", keys)
    assert not res.admissible
    assert any("Satisfaction" in f for f in res.inadmissible)


# ----------------------------------------------------------------------------- population
def _population(single_indicator: bool):
    """Known population: Xi -> Eta1 -> Eta2, Xi -> Eta2; 3 items each (or Eta2 measured
    by a single error-free item). Σ = Λ (I-B)^-1 Ψ (I-B)^-T Λ' + Θ (LISREL all-y form)."""
    blocks = {"Xi": ["x1", "x2", "x3"], "Eta1": ["y1", "y2", "y3"]}
    blocks["Eta2"] = ["z1"] if single_indicator else ["z1", "z2", "z3"]
    lam = {"x2": 0.8, "x3": 1.2, "y2": 0.9, "y3": 1.1, "z2": 0.7, "z3": 1.3}
    items = [i for b in blocks.values() for i in b]
    cons = list(blocks)
    L = np.zeros((len(items), 3))
    for j, c in enumerate(cons):
        for k, it in enumerate(blocks[c]):
            L[items.index(it), j] = 1.0 if k == 0 else lam[it]
    B = np.zeros((3, 3))  # B[target, source]
    B[1, 0], B[2, 0], B[2, 1] = 0.6, 0.3, 0.5
    Psi = np.diag([1.5, 0.6, 0.4])
    theta = np.array([0.5 + 0.1 * k for k in range(len(items))])
    if single_indicator:
        theta[items.index("z1")] = 0.0
    Ei = np.linalg.inv(np.eye(3) - B)
    Sigma = L @ Ei @ Psi @ Ei.T @ L.T + np.diag(theta)
    syntax = "\n".join(f"{c} =~ {' + '.join(b)}" for c, b in blocks.items())
    syntax += "\nEta1 ~ Xi\nEta2 ~ Xi + Eta1"
    truth = {("Eta1", "~", "Xi"): 0.6, ("Eta2", "~", "Xi"): 0.3, ("Eta2", "~", "Eta1"): 0.5}
    truth.update({(c, "=~", it): v for c in cons for it, v in lam.items() if it in blocks[c]})
    truth.update({(c, "~~", c): Psi[j, j] for j, c in enumerate(cons)})
    truth.update({(it, "~~", it): theta[k] for k, it in enumerate(items)})
    return cm.Model(syntax), items, Sigma, truth


def _data_with_cov(Sigma, items, n, seed):
    """Data whose sample covariance (divisor N) equals Sigma exactly."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, len(items)))
    Z -= Z.mean(axis=0)
    C = Z.T @ Z / n
    Z = Z @ np.linalg.inv(np.linalg.cholesky(C)).T  # now Z'Z/n = I exactly
    X = Z @ np.linalg.cholesky(Sigma).T + 5.0
    return pd.DataFrame(X, columns=items)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("single", [False, True])
def test_population_covariance_recovers_parameters(seed, single):
    model, items, Sigma, truth = _population(single)
    data = _data_with_cov(Sigma, items, 300, seed)
    res = cm.CBSEM().fit(model, data)
    fi = res.fit_indices
    assert fi["chisq"] == pytest.approx(0.0, abs=1e-6)
    assert fi["cfi"] == pytest.approx(1.0)
    assert fi["rmsea"] == pytest.approx(0.0, abs=1e-4)
    assert fi["srmr"] == pytest.approx(0.0, abs=1e-6)
    assert np.isfinite(fi["baseline_chisq"]) and fi["baseline_chisq"] > 100
    np.testing.assert_allclose(res.implied_cov, Sigma, atol=1e-7)
    for (lhs, op, rhs), v in truth.items():
        r = res.params[(res.params.lhs == lhs) & (res.params.op == op) & (res.params.rhs == rhs)]
        assert r.estimate.iloc[0] == pytest.approx(v, abs=1e-5), (lhs, op, rhs)
    assert res.admissible


@pytest.mark.parametrize("est", ["GLS", "ULS"])
def test_population_covariance_other_estimators(est):
    model, items, Sigma, truth = _population(False)
    data = _data_with_cov(Sigma, items, 300, 3)
    res = cm.CBSEM(est).fit(model, data)
    assert res.fit_indices["chisq"] == pytest.approx(0.0, abs=1e-6)
    # GLS/ULS use the N - 1 covariance: Σ_hat = Σ * N / (N - 1)
    np.testing.assert_allclose(res.implied_cov, Sigma * 300 / 299, atol=1e-6)


# ----------------------------------------------------------------------------- fit indices
def test_fit_indices_closed_forms():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((6, 6))
    S = A @ A.T + 6 * np.eye(6)
    Sigma = np.diag(np.diag(S)) + 0.2 * (S - np.diag(np.diag(S)))
    fi = fit_indices(S, Sigma, n=500, npar=9)
    from scipy import stats

    F = np.linalg.slogdet(Sigma)[1] + np.trace(S @ np.linalg.inv(Sigma))
    F -= np.linalg.slogdet(S)[1] + 6
    T = 500 * F
    assert fi["chisq"] == pytest.approx(T, rel=1e-12)
    assert fi["df"] == 21 - 9
    lo, hi = fi["rmsea_ci_lower"], fi["rmsea_ci_upper"]
    # the interval bounds invert the noncentral chi-square cdf
    assert stats.ncx2.cdf(T, 12, lo**2 * 500 * 12) == pytest.approx(0.95, abs=1e-8)
    assert stats.ncx2.cdf(T, 12, hi**2 * 500 * 12) == pytest.approx(0.05, abs=1e-8)
    assert 0 < lo < fi["rmsea"] < hi


# ----------------------------------------------------------------------------- API
def test_results_shape(ecsi_ml):
    res = ecsi_ml
    assert list(res.params.columns[:3]) == ["lhs", "op", "rhs"]
    for col in ("estimate", "std_estimate", "se", "z", "p"):
        assert col in res.params
    assert res.path_coefficients.shape == (7, 7)
    assert res.path_coefficients.loc["Image", "Expectation"] == pytest.approx(
        0.98793, abs=1e-3
    )  # lavaan std.all
    assert res.loadings.index.names == ["construct", "item"]
    assert len(res.loadings) == 24
    assert set(res.effects.columns) == {"source", "target", "direct", "indirect", "total"}
    assert res.scores.shape == (250, 7)
    assert res.n_used == res.n_total == 250 and len(res.excluded) == 0
    txt = res.summary().as_text()
    assert "Respondents (used / total)" in txt and "cfi" in txt
    with pytest.raises(AttributeError):
        res.params = None


def test_composite_refused():
    m = cm.Model("A =~ IMAG1 + IMAG2 + IMAG3\nB <~ PERV1 + PERV2\nB ~ A")
    with pytest.raises(cm.ModelError, match="composite"):
        cm.CBSEM().fit(m, cm.datasets.load_ecsi_mobi())


def test_fiml_needs_ml_and_bad_estimator():
    # FIML itself is tested in test_cbsem_fiml.py; it is full-information *ML* only
    with pytest.raises(cm.CsimodelError, match="fiml"):
        cm.CBSEM("GLS").fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), missing="fiml")
    with pytest.raises(ValueError, match="'estimator' parameter of CBSEM"):
        cm.CBSEM("ADF").fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())


def test_listwise_missing_recorded():
    model, items, Sigma, _ = _population(False)
    data = _data_with_cov(Sigma, items, 200, 0)
    data.iloc[[3, 7], 1] = np.nan
    with pytest.warns(cm.DataWarning, match="2 of 200 rows excluded"):
        res = cm.CBSEM().fit(model, data)
    assert res.n_used == 198 and res.n_total == 200
    assert sorted(res.excluded["row"].tolist()) == [3, 7]


def test_covariance_statement_passed_through():
    m = cm.Model("A =~ IMAG1 + IMAG2 + IMAG3 + IMAG4\nIMAG1 ~~ IMAG2")
    syntax = to_semopy_syntax(m)
    assert "IMAG1 ~~ IMAG2" in syntax
    res = cm.CBSEM().fit(m, cm.datasets.load_ecsi_mobi())
    assert res.fit_indices["df"] == 10 - 9
    assert ((res.params.lhs == "IMAG1") & (res.params.rhs == "IMAG2")).sum() == 1


def test_import_does_not_load_semopy():
    code = "import sys, csimodel; print('semopy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_semopy_failure_falls_back_to_own_start(monkeypatch):
    import csimodel.estimators.cbsem as cb

    def boom(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(cb, "_semopy_fit", boom)
    model, items, Sigma, truth = _population(False)
    data = _data_with_cov(Sigma, items, 250, 4)
    res = cm.CBSEM(start="semopy").fit(model, data)
    assert "solver exploded" in res.convergence["semopy_error"]
    assert res.fit_indices["chisq"] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(cm.EstimationError, match="semopy failed"):
        cm.CBSEM(polish=False).fit(model, data)


def test_constant_weights_change_nothing():
    """Weights are normalized to sum to the used rows: constant weights = no weights."""
    model, items, Sigma, _ = _population(True)
    data = _data_with_cov(Sigma, items, 150, 6)
    rng = np.random.default_rng(6)
    data[items] += rng.normal(scale=0.3, size=data[items].shape)  # not a perfect fit
    plain = cm.CBSEM().fit(model, data)
    data["w"] = 2.5
    weighted = cm.CBSEM().fit(model, data, weights="w")
    np.testing.assert_allclose(
        weighted.fit_indices.to_numpy(), plain.fit_indices.to_numpy(), rtol=1e-8
    )
    np.testing.assert_allclose(weighted.params.estimate, plain.params.estimate, atol=1e-7)
