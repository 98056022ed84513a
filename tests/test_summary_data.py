"""cm.SummaryData: fits from published moments equal raw-data fits (PLS, PLSc, CB-SEM).

Independent reference: the raw-data fit of the same estimator (the moments handed over are
pandas' ``DataFrame.corr()/std()/cov()``, n - 1 divisor, computed in the test). Tolerance 1e-10
on every estimate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import satisfaction_model

import csimodel as cm

CFA = """
IMAG =~ imag1 + imag2 + imag3
SAT  =~ sat1 + sat2 + sat3
LOY  =~ loy1 + loy2 + loy3
SAT ~ IMAG
LOY ~ SAT
"""


@pytest.fixture(scope="module")
def sat():
    return cm.datasets.load_satisfaction()


def _summ(X: pd.DataFrame, how: str) -> cm.SummaryData:
    if how == "cor":
        return cm.SummaryData(cor=X.corr(), sd=X.std(), means=X.mean(), n=len(X))
    return cm.SummaryData(cov=X.cov(), means=X.mean(), n=len(X))


@pytest.mark.parametrize("how", ["cor", "cov"])
@pytest.mark.parametrize(
    "est", [cm.PLS(), cm.PLS(standardize=False), cm.PLS(scheme="factorial"), cm.PLSc()]
)
def test_pls_family_equals_raw(sat, est, how):
    model = satisfaction_model()
    X = sat[list(model.items)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        a = est.fit(model, sat)
        b = est.fit(model, _summ(X, how))
    np.testing.assert_allclose(b.params["estimate"], a.params["estimate"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(b.r_squared, a.r_squared, atol=1e-10, rtol=0)
    assert b.n_used == b.n_total == 250 and len(b.excluded) == 0


@pytest.mark.parametrize("estimator", ["ML", "GLS", "ULS"])
def test_cbsem_equals_raw(sat, estimator):
    """Same data moments in: the same optimum out, ML's (n - 1)/n rescale included.

    The discrepancy (hence chi-square, CFI, TLI, RMSEA) agrees to 1e-9. The parameters
    (and the SRMR, computed from them) agree to 1e-6 only: the CB-SEM optimum is flat at the ~1e-8 level, and even two raw-data
    fits of this model in one process differ by ~3e-8 (polish from semopy's start).
    """
    model = cm.Model(CFA)
    a = cm.CBSEM(estimator=estimator).fit(model, sat)
    for how in ("cor", "cov"):
        b = cm.CBSEM(estimator=estimator).fit(model, _summ(sat[list(model.items)], how))
        assert b.n_used == 250
        np.testing.assert_allclose(b.params["estimate"], a.params["estimate"], atol=1e-6)
        for k in ("chisq", "df", "cfi", "tli", "rmsea"):
            assert b.fit_indices[k] == pytest.approx(a.fit_indices[k], abs=1e-9, rel=1e-9)
        assert b.fit_indices["srmr"] == pytest.approx(a.fit_indices["srmr"], abs=1e-6)


def test_subset_and_order_of_items(sat):
    """The table may hold more items, in any order: the model's items are taken by name."""
    model = satisfaction_model()
    X = sat[list(model.items)[::-1] + ["gender"]] if "gender" in sat else sat[list(model.items)]
    X = X.select_dtypes("number")
    a = cm.PLS().fit(model, sat)
    b = cm.PLS().fit(model, _summ(X, "cov"))
    np.testing.assert_allclose(b.params["estimate"], a.params["estimate"], atol=1e-10, rtol=0)


def test_from_lower_equals_full():
    R = np.array([[1, 0.5, 0.3], [0.5, 1, 0.4], [0.3, 0.4, 1]])
    a = cm.SummaryData(cor=R, items=["a", "b", "c"], sd=[1, 2, 3], n=50)
    b = cm.SummaryData.from_lower([1, 0.5, 1, 0.3, 0.4, 1], ["a", "b", "c"], sd=[1, 2, 3], n=50)
    np.testing.assert_array_equal(a.cov.to_numpy(), b.cov.to_numpy())
    assert a.cov.loc["c", "b"] == pytest.approx(0.4 * 2 * 3)


def test_raw_data_consumers_raise(sat):
    model = satisfaction_model()
    X = sat[list(model.items)]
    res = cm.PLS().fit(model, _summ(X, "cor"), scale=(0, 10))
    for call in (
        lambda: res.scores,
        lambda: cm.bootstrap(res, n_boot=20),
        lambda: cm.indices(res),
        lambda: cm.respondent_scores(res),
    ):
        with pytest.raises(cm.DataError, match="summary statistics"):
            call()
    assert "summary statistics" in res.summary().as_text()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=10), "exactly one of cor"),
        (dict(cor=np.eye(2), cov=np.eye(2), n=10, items=["a", "b"]), "exactly one"),
        (dict(cor=np.eye(2), n=1, items=["a", "b"]), "'n' parameter"),
        (dict(cor=np.eye(2), n=10), "no item names"),
        (dict(cor=np.eye(2), n=10, items=["a"]), "one name per"),
        (dict(cor=np.array([[1, 0.5], [0.4, 1]]), n=10, items=["a", "b"]), "not symmetric"),
        (dict(cor=np.array([[1, 1.0], [1.0, 1]]), n=10, items=["a", "b"]), "positive definite"),
        (dict(cor=np.array([[2, 0.5], [0.5, 1]]), n=10, items=["a", "b"]), "1 on its diagonal"),
        (dict(cor=np.eye(2), sd=[1, 2, 3], n=10, items=["a", "b"]), "sd= has 3"),
        (dict(cor=np.eye(2), sd=[1, -2], n=10, items=["a", "b"]), "positive"),
        (dict(cov=np.eye(2), sd=[1, 2], n=10, items=["a", "b"]), "goes with cor"),
        (dict(cor=np.eye(2), means={"a": 1}, n=10, items=["a", "b"]), "no value for item"),
    ],
)
def test_validation_errors(kwargs, match):
    with pytest.raises(cm.DataError, match=match):
        cm.SummaryData(**kwargs)


def test_fit_errors(sat):
    model = satisfaction_model()
    X = sat[list(model.items)[:-1]]
    s = _summ(X, "cor")
    with pytest.raises(cm.DataError, match="loy4"):
        cm.PLS().fit(model, s)
    s = _summ(sat[list(model.items)], "cor")
    with pytest.raises(cm.DataError, match="raw answers only"):
        cm.PLS().fit(model, s, weights=np.ones(250))
    with pytest.raises(cm.DataError, match="raw answers only"):
        cm.CBSEM().fit(cm.Model(CFA), s, missing="fiml")


def test_what_works_from_a_table(sat, tmp_path):
    """Moment-only consumers work on a table fit: assessment, the HTML report, power."""
    model = satisfaction_model()
    res = cm.PLS().fit(model, _summ(sat[list(model.items)], "cov"), scale=(0, 10))
    raw = cm.PLS().fit(model, sat, scale=(0, 10))
    a, b = cm.assess(res).reliability, cm.assess(raw).reliability
    np.testing.assert_allclose(
        a[["alpha", "rho_c", "ave"]], b[["alpha", "rho_c", "ave"]], atol=1e-10
    )
    assert res.report(tmp_path / "r.html").exists()
    pw = cm.power(res, n=50, n_sim=20, random_state=0)
    assert len(pw.table) == len(model.paths)
    for call in (lambda: cm.ipma(res, target="LOY"), lambda: cm.index_precision(res)):
        with pytest.raises(cm.DataError, match="summary statistics"):
            call()


def test_index_change_more_than_two_waves_points_to_track(sat):
    data = sat.assign(wave=np.arange(len(sat)) % 3)
    with pytest.raises(cm.DataError, match="cm.track"):
        cm.index_change(satisfaction_model(), data, by="wave", scale=(0, 10))
