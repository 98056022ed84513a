"""Evidence for assess(res, boot=...): HTMT upper bounds and the bootstrap test of exact fit.

References (none is csimodel's own output):
- HTMT bound: HTMT of single refits (``cm.PLS().fit`` + ``cm.assess``) of the resampled
  DataFrames (rows ``default_rng(seed).integers(0, n, n)``, as documented for
  ``cm.bootstrap``), 95% quantile by ``numpy.quantile``. Tolerance 1e-10.
- Bollen-Stine transform: closed form (sample covariance of X* = D Sigma D, means kept).
  Tolerance 1e-10.
- Test of exact fit: data simulated from a composite population model that the fitted model
  reproduces exactly (equal weights in equicorrelated blocks, so PLS mode A is consistent;
  construct correlations of a chain A -> B -> C): exact fit should be rejected at about the
  nominal 5%; data with a missing direct path A -> C should be rejected far more often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csimodel as cm
from csimodel.assessment.exact_fit import bollen_stine


@pytest.fixture(scope="module")
def data():
    return cm.datasets.load_ecsi_mobi()


@pytest.fixture(scope="module")
def fit(data):
    return cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))


def test_htmt_upper_bound_equals_quantile_of_refits(data, fit, seed):
    n_boot = 8
    boot = cm.bootstrap(fit, n_boot=n_boot, random_state=seed, progress=False)
    qa = cm.assess(fit, boot=boot, level=0.9)
    rows = np.random.default_rng(seed).integers(0, len(data), size=(n_boot, len(data)))
    h1, h2 = [], []
    for r in rows:
        df = data.iloc[r].reset_index(drop=True)
        a = cm.assess(cm.PLS().fit(cm.models.ecsi(), df, scale=(1, 10)))
        h1.append(a.htmt.to_numpy())
        h2.append(a.htmt2.to_numpy())
    np.testing.assert_allclose(qa.htmt_upper, np.quantile(h1, 0.9, axis=0), atol=1e-10)
    np.testing.assert_allclose(qa.htmt2_upper, np.quantile(h2, 0.9, axis=0), atol=1e-10)
    assert qa.n_boot == n_boot and qa.level == 0.9
    # an int boot draws the same documented resamples
    qb = cm.assess(fit, boot=n_boot, random_state=seed, level=0.9)
    np.testing.assert_allclose(qb.htmt_upper, qa.htmt_upper, atol=1e-12)
    pd.testing.assert_frame_equal(qb.model_fit_test, qa.model_fit_test, atol=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_bollen_stine_data_have_the_implied_moments(fit, seed, weighted):
    """Closed form: the (weighted, divisor sum(w) - 1) covariance of X* is D Sigma D and the
    means are kept; computed here with plain numpy."""
    X = fit.data.X
    p = X.shape[1]
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, len(X)) if weighted else np.ones(len(X))
    A = rng.normal(size=(p, p))
    C = A @ A.T + p * np.eye(p)
    Sigma = C / np.sqrt(np.outer(np.diag(C), np.diag(C)))
    Xs = bollen_stine(X, w if weighted else None, Sigma)

    def moments(Z):
        m = (w[:, None] * Z).sum(axis=0) / w.sum()
        D = Z - m
        return m, (w[:, None] * D).T @ D / (w.sum() - 1)

    m0, S0 = moments(X)
    m1, S1 = moments(Xs)
    d = np.sqrt(np.diag(S0))
    np.testing.assert_allclose(S1, Sigma * np.outer(d, d), atol=1e-10)
    np.testing.assert_allclose(m1, m0, atol=1e-10)
    if not weighted:
        np.testing.assert_allclose(np.corrcoef(Xs, rowvar=False), Sigma, atol=1e-10)
    assert cm.assess(fit).model_fit_test is None


def _population(rho_ac: float) -> np.ndarray:
    """Composite population: 3 blocks of 3 equicorrelated (0.5) items, equal weights,
    composite correlations AB = BC = 0.5 and AC = rho_ac."""
    k, r = 3, 0.5
    Sii = np.full((k, k), r) + (1 - r) * np.eye(k)
    w = np.ones(k) / np.sqrt(np.ones(k) @ Sii @ np.ones(k))
    lam = Sii @ w
    P = np.array([[1, 0.5, rho_ac], [0.5, 1, 0.5], [rho_ac, 0.5, 1]])
    S = np.zeros((3 * k, 3 * k))
    for i in range(3):
        for j in range(3):
            S[i * k : (i + 1) * k, j * k : (j + 1) * k] = (
                Sii if i == j else P[i, j] * np.outer(lam, lam)
            )
    return S


CHAIN = """
A =~ a1 + a2 + a3
B =~ b1 + b2 + b3
C =~ c1 + c2 + c3
B ~ A
C ~ B
"""


def _rejections(rho_ac, reps, rng, n=150, n_boot=100):
    S = _population(rho_ac)
    Lc = np.linalg.cholesky(S)
    model = cm.Model(CHAIN)
    out = []
    for _ in range(reps):
        X = rng.normal(size=(n, 9)) @ Lc.T
        res = cm.PLS().fit(model, pd.DataFrame(X, columns=model.items))
        qa = cm.assess(res, boot=n_boot, random_state=rng)
        out.append(qa.model_fit_test.loc[("estimated", "d_uls"), "exceeds_HI95"])
    return int(np.sum(out))


def test_exact_fit_statistics_vanish_on_exact_population_moments(seed):
    """Data with exactly the population moments of a composite model PLS estimates
    consistently: the estimated model reproduces them (all three discrepancies ~0), below
    HI95, so exact fit is not rejected."""
    S = _population(0.25)
    model = cm.Model(CHAIN)
    Z = np.random.default_rng(seed).normal(size=(200, 9))
    X = bollen_stine(Z, None, S)  # sample correlations = S exactly
    res = cm.PLS().fit(model, pd.DataFrame(X, columns=model.items))
    qa = cm.assess(res, boot=40, random_state=seed)
    t = qa.model_fit_test.loc["estimated"]
    assert t.loc["srmr", "value"] < 1e-7
    assert t.loc["d_uls", "value"] < 1e-12
    assert t.loc["d_g", "value"] < 1e-12
    assert (t["value"] < t["HI95"]).all() and not t["exceeds_HI95"].any()


@pytest.mark.slow
def test_exact_fit_rejects_at_about_the_nominal_rate():
    rng = np.random.default_rng(20261126)
    reps = 60
    k0 = _rejections(0.25, reps, rng)  # the model holds in the population
    # at most as many rejections as a 5% test plausibly gives (binomial tail p > 0.001)
    assert stats.binom.sf(k0 - 1, reps, 0.05) > 0.001, k0
    k1 = _rejections(0.6, 20, rng)  # missing direct path A -> C
    assert k1 >= 10, k1


@pytest.mark.filterwarnings("ignore::csimodel.exceptions.CsimodelWarning")
@pytest.mark.parametrize("estimator", [cm.PLS(), cm.PLSc()])
def test_fit_test_table_and_summary(data, estimator):
    """The tested values are the model_fit table's; quantiles are ordered; summary shows it;
    a bootstrap of other rows is refused."""
    res = estimator.fit(cm.models.ecsi(), data, scale=(1, 10))
    qa = cm.assess(res, boot=30, random_state=1)
    t = qa.model_fit_test
    for kind in ("saturated", "estimated"):
        np.testing.assert_array_equal(t.loc[kind, "value"].to_numpy(), qa.model_fit[kind])
    assert (t["HI95"] <= t["HI99"]).all() and (t["HI95"] > 0).all()
    np.testing.assert_array_equal(t["exceeds_HI95"], t["value"] > t["HI95"])
    text = qa.summary().as_text()
    assert "Bootstrap test of exact fit" in text and "HTMT upper bound" in text
    other = cm.bootstrap(
        cm.PLS().fit(cm.models.ecsi(), data.iloc[:200], scale=(1, 10)), n_boot=5, progress=False
    )
    with pytest.raises(cm.DataError, match="assess"):
        cm.assess(res, boot=other)
