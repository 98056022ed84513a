"""CB-SEM full-information ML (``missing='fiml'``).

References: ``tests/data/lavaan_fiml.json``, produced by R 4.2.2 / lavaan 0.6.14 with
``tests/data/scripts/make_lavaan_fiml_refs.R``, which also writes the data
``tests/data/ecsi_mobi_missing.csv`` (bundled ECSI data, 8 items with MCAR holes at
probability 0.05 from ``set.seed(20261126)``, row 17 entirely missing). Calls (recorded in
the JSON under ``call``): ``sem(ecsi_model, data = dat, estimator = "ML", missing = "ml")``
and ``cfa(cfa_model, data = dat, estimator = "ML", missing = "ml")``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from refdata import LAVAAN_FIT_KEYS

import csimodel as cm
from csimodel._validation import ParameterError
from csimodel.estimators._cbsem_fiml import _Patterns, em_saturated, independence_loglik

DATA = Path(__file__).parents[1] / "data"
REF = json.loads((DATA / "lavaan_fiml.json").read_text())
REF_ML = json.loads((DATA / "lavaan_ecsi.json").read_text())
CFA_SYNTAX = REF["_models"]["cfa_model"].replace("CUSCO ~~ 0*CUSCO", "")

FIT_KEYS = LAVAAN_FIT_KEYS  # all compared to 1e-3 relative


def _data() -> pd.DataFrame:
    return pd.read_csv(DATA / "ecsi_mobi_missing.csv")


def _fit(model, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.InadmissibleWarning)
        warnings.simplefilter("ignore", cm.DataWarning)
        return cm.CBSEM().fit(model, data, **kw)


@pytest.fixture(scope="module")
def fits():
    df = _data()
    return {
        "ecsi_fiml": _fit(cm.models.ecsi(), df, missing="fiml"),
        "cfa_fiml": _fit(cm.Model(CFA_SYNTAX), df, missing="fiml"),
    }


def _row(res, p):
    t = res.params
    r = t[(t.lhs == p["lhs"]) & (t.op == p["op"]) & (t.rhs == p["rhs"])]
    assert len(r) == 1, (p["lhs"], p["op"], p["rhs"])
    return r.iloc[0]


# ------------------------------------------------------------------------ vs lavaan
@pytest.mark.parametrize("case", ["ecsi_fiml", "cfa_fiml"])
def test_fit_indices_match_lavaan(case, fits):
    """χ², df, logL, unrestricted logL, baseline χ², CFI, TLI, RMSEA (+CI), SRMR
    (lavaan's srmr = srmr_bentler with the mean residuals), AIC, BIC, npar, N:
    1e-3 relative (they agree to ~1e-7 in practice)."""
    res = fits[case]
    ref = REF[case]["fit"]
    for ours, theirs in FIT_KEYS.items():
        assert res.fit_indices[ours] == pytest.approx(ref[theirs], rel=1e-3), ours
    # tighter on the likelihoods themselves: the optimum, not only its neighbourhood
    assert res.fit_indices["loglik"] == pytest.approx(ref["logl"], rel=1e-8)
    assert res.fit_indices["unrestricted_loglik"] == pytest.approx(
        ref["unrestricted.logl"], rel=1e-8
    )
    assert res.converged


@pytest.mark.parametrize("case", ["ecsi_fiml", "cfa_fiml"])
def test_parameters_match_lavaan(case, fits):
    """Every free parameter incl. the item intercepts ('~1'): estimate 1e-3 relative
    (1e-4 absolute floor), std.all 1e-3 absolute, SE (observed information, lavaan's
    default for missing='ml') 2e-3 relative. On the ECSI structural ridge (SEs up to 22)
    lavaan stops at max |gradient| ~1e-4 and the SEs there differ by up to 1e-3 relative;
    the CFA agrees to 1e-4."""
    res = fits[case]
    se_rtol = 2e-3 if case == "ecsi_fiml" else 1e-4
    free = [p for p in REF[case]["params"] if p["free"]]
    assert len(free) == REF[case]["fit"]["npar"]
    for p in free:
        r = _row(res, p)
        assert r["estimate"] == pytest.approx(p["est"], rel=1e-3, abs=1e-4), p
        assert r["std_estimate"] == pytest.approx(p["std_all"], abs=1e-3), p
        assert r["se"] == pytest.approx(p["se"], rel=se_rtol), p


def test_em_moments_match_lavaan():
    """EM saturated means and covariances vs lavaan's sampstat.h1: 2e-5 absolute (lavaan's
    EM stops at its own, looser tolerance: differences up to 4e-6 in the covariances), and
    the unrestricted log-likelihood 1e-9 relative."""
    df = _data()
    items = REF["ecsi_fiml"]["em_cov"]["vars"]
    X = df[items].to_numpy(float)
    X = X[~np.isnan(X).all(axis=1)]
    mu, S, ll, _ = em_saturated(_Patterns(X))
    ref_mean = np.array([REF["ecsi_fiml"]["em_mean"][v] for v in items])
    np.testing.assert_allclose(mu, ref_mean, atol=2e-5)
    np.testing.assert_allclose(S, np.array(REF["ecsi_fiml"]["em_cov"]["matrix"]), atol=2e-5)
    assert ll == pytest.approx(REF["ecsi_fiml"]["fit"]["unrestricted.logl"], rel=1e-9)


# ------------------------------------------------------------------- missing rows
def test_missing_rows_counted_not_dropped(fits):
    """All 249 non-empty rows are used; the all-missing row 17 (index 16) is excluded and
    recorded; rows with missing cells and the pattern count match lavaan (22 patterns)."""
    df = _data()
    res = fits["ecsi_fiml"]
    items = list(cm.models.ecsi().items)
    miss = df[items].isna()
    assert res.n_total == 250
    assert res.n_used == 249 == REF["ecsi_fiml"]["options"]["nobs"]
    assert list(res.excluded["row"]) == [16]
    assert list(res.excluded["reason"]) == ["all answers missing"]
    partial = miss.any(axis=1) & ~miss.all(axis=1)
    assert res.missing_patterns["rows_with_missing"] == int(partial.sum())
    assert res.missing_patterns["cells_missing"] == int(miss[partial].to_numpy().sum())
    assert res.missing_patterns["patterns"] == REF["ecsi_fiml"]["options"]["npatterns"]
    assert res.data.missing == "fiml"
    text = res.summary().as_text()
    assert "missing-data patterns" in text and "Intercepts" in text
    assert res.scores.shape == (249, 7) and np.isfinite(res.scores.to_numpy()).all()


def test_all_missing_row_warns(fits):
    with pytest.warns(cm.DataWarning, match="all answers missing"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.InadmissibleWarning)
            cm.CBSEM().fit(cm.Model(CFA_SYNTAX), _data(), missing="fiml")


def test_listwise_still_drops(fits):
    """The default policy is unchanged: rows with any missing answer are excluded."""
    df = _data()
    res = _fit(cm.Model(CFA_SYNTAX), df)
    assert res.n_used == int((~df.isna().any(axis=1)).sum())
    assert res.missing_patterns is None


# ---------------------------------------------------------------- complete data
def test_no_missing_equals_complete_ml():
    """Without missing answers FIML is complete-data ML: χ², logL and every estimate as
    the ML fit (1e-6 relative), intercepts = sample means; and lavaan's ML numbers
    (lavaan_ecsi.json, complete data) are reproduced, incl. unrestricted.logl."""
    data = cm.datasets.load_ecsi_mobi()
    model = cm.Model(CFA_SYNTAX)
    ml = _fit(model, data)
    fi = _fit(model, data, missing="fiml")
    assert fi.missing_patterns == {"rows_with_missing": 0, "cells_missing": 0, "patterns": 1}
    for k in ("chisq", "df", "cfi", "tli", "rmsea", "loglik", "unrestricted_loglik"):
        assert fi.fit_indices[k] == pytest.approx(ml.fit_indices[k], rel=1e-6), k
    # SRMR with the mean structure: the p mean residuals are 0 but count in the average
    p = len(model.items)
    k_cov = p * (p + 1) / 2
    assert fi.fit_indices["srmr"] == pytest.approx(
        ml.fit_indices["srmr"] * np.sqrt(k_cov / (k_cov + p)), rel=1e-6
    )
    ref = REF_ML["cfa_ml"]["fit"]
    assert fi.fit_indices["unrestricted_loglik"] == pytest.approx(
        ref["unrestricted.logl"], rel=1e-9
    )
    assert ml.fit_indices["unrestricted_loglik"] == pytest.approx(
        ref["unrestricted.logl"], rel=1e-9
    )
    # AIC/BIC count the p means too (lavaan: missing='ml' implies meanstructure)
    assert fi.fit_indices["aic"] == pytest.approx(ml.fit_indices["aic"] + 2 * p, rel=1e-6)
    cov_rows = ml.params.reset_index(drop=True)
    np.testing.assert_allclose(
        fi.params["estimate"].to_numpy()[: len(cov_rows)],
        cov_rows["estimate"].to_numpy(),
        rtol=1e-5,
        atol=1e-7,
    )
    icpt = fi.params[fi.params["op"] == "~1"]
    np.testing.assert_allclose(icpt["estimate"], data[list(model.items)].mean(), rtol=1e-6)


# -------------------------------------------------------------------- closed forms
def test_independence_loglik_closed_form():
    """Per-item normal log-likelihood of the observed values at their ML mean/variance."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    X[rng.random(X.shape) < 0.2] = np.nan
    want = 0.0
    for j in range(3):
        x = X[~np.isnan(X[:, j]), j]
        v = np.mean((x - x.mean()) ** 2)
        want += np.sum(-0.5 * np.log(2 * np.pi * v) - (x - x.mean()) ** 2 / (2 * v))
    assert independence_loglik(X) == pytest.approx(want, rel=1e-12)


def test_em_complete_data_is_sample_moments(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 4))
    mu, S, ll, it = em_saturated(_Patterns(X))
    np.testing.assert_allclose(mu, X.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(S, np.cov(X.T, bias=True), atol=1e-12)


def test_gradient_matches_differences(seed):
    """Analytic FIML gradient vs central differences of the objective (1e-5 relative)."""
    from csimodel.estimators._cbsem_engine import _build_structure, _Engine
    from csimodel.estimators._cbsem_fiml import _FIMLEngine

    rng = np.random.default_rng(seed)
    model = cm.Model("A =~ a1 + a2 + a3; B =~ b1 + b2 + b3; B ~ A")
    lam = np.array([1, 0.8, 1.2])
    eta_a = rng.normal(size=200)
    eta_b = 0.5 * eta_a + rng.normal(scale=0.8, size=200)
    X = np.column_stack([np.outer(eta_a, lam), np.outer(eta_b, lam)])
    X = X + rng.normal(scale=0.6, size=X.shape)
    X[rng.random(X.shape) < 0.1] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    pat = _Patterns(X)
    mu0, S0, _, _ = em_saturated(pat)
    st = _build_structure(model)
    eng = _FIMLEngine(_Engine(st, S0, "ML"), pat)
    t = np.concatenate([np.full(st.free.sum(), 0.4) + 0.1 * rng.random(st.free.sum()), mu0])
    F, g = eng.objective(t)
    h = 1e-6
    num = np.array(
        [
            (eng.objective(t + h * e)[0] - eng.objective(t - h * e)[0]) / (2 * h)
            for e in np.eye(len(t))
        ]
    )
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-7)
    assert eng.loglik(t) == pytest.approx(-0.5 * len(X) * F, rel=1e-12)


# ----------------------------------------------------------------------- refusals
def test_fiml_needs_ml():
    with pytest.raises(ParameterError, match="estimator='ML'"):
        cm.CBSEM("ULS").fit(cm.Model(CFA_SYNTAX), _data(), missing="fiml")


def test_fiml_refuses_weights():
    df = _data().assign(w=1.0)
    with pytest.raises(Exception, match="case weights"):
        cm.CBSEM().fit(cm.Model(CFA_SYNTAX), df, missing="fiml", weights="w")


def test_keep_is_internal():
    """'keep' is accepted only through CBSEM's FIML (allow_keep); prepare() refuses it."""
    with pytest.raises(Exception, match="missing"):
        cm.prepare(_data(), ["IMAG1", "IMAG2"], missing="keep")


def test_data_door_checks_still_apply():
    df = _data()
    df.loc[0, "IMAG1"] = 99
    with pytest.raises(cm.DataError, match="outside the declared scale"):
        cm.CBSEM().fit(cm.Model(CFA_SYNTAX), df, missing="fiml", scale=(1, 10))
    df = _data()
    df["IMAG1"] = 5.0
    df.loc[3, "IMAG1"] = np.nan
    with pytest.raises(cm.DataError, match="same answer"):
        cm.CBSEM().fit(cm.Model(CFA_SYNTAX), df, missing="fiml")
    df = _data()
    df["IMAG1"] = np.nan
    with pytest.raises(cm.DataError, match="no observed answer"):
        cm.CBSEM().fit(cm.Model(CFA_SYNTAX), df, missing="fiml")
