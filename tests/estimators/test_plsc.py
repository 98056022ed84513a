"""PLSc against seminr 0.2.1's PLSc (tests/data/assess_peers.json, calls recorded there)
and against common-factor population models (consistency)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from refdata import satisfaction_model

import csimodel as cm
from csimodel.estimators.plsc import PLScArrays

DATA = Path(__file__).resolve().parents[1] / "data"
PLSC = json.loads((DATA / "assess_peers.json").read_text())["plsc"]
TOL = 1e-5

sat_model = satisfaction_model  # modes: {"EXPE": "B", ...}


CASES = {
    # mode A / factorial: every construct reflective
    "satisfaction_factorial_plsc_seminr": (
        lambda: sat_model({}),
        cm.datasets.load_satisfaction,
        "factorial",
    ),
    # mode B / factorial: EXPE, VAL mode B composites, the rest reflective
    "satisfaction_modeB_factorial_plsc_seminr": (
        lambda: sat_model({"EXPE": "B", "VAL": "B"}),
        cm.datasets.load_satisfaction,
        "factorial",
    ),
    "ecsi_path_plsc_seminr": (cm.models.ecsi, cm.datasets.load_ecsi_mobi, "path"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_plsc_vs_seminr(name):
    make_model, load, scheme = CASES[name]
    ref = PLSC[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.InadmissibleWarning)
        res = cm.PLSc(scheme=scheme, tol=1e-11, max_iter=1000).fit(make_model(), load())
    for k, v in ref["loadings"].items():
        c, it = k.split("|")
        assert res.loadings.loc[(c, it)] == pytest.approx(v, abs=TOL), k
    for k, v in ref["paths"].items():
        a, b = k.split("->")
        assert res.path_coefficients.loc[a, b] == pytest.approx(v, abs=TOL), k
    for c, v in ref["r2"].items():
        assert res.r_squared[c] == pytest.approx(v, abs=TOL)
    cons = list(res.model.constructs)
    for c, v in ref["rhoA"].items():
        assert res.arrays.rho_a[0, cons.index(c)] == pytest.approx(v, abs=TOL)
    # reliability of a PLSc fit: rho_c / AVE from the consistent loadings
    qa = cm.assess(res)
    lam = res.loadings
    for c in cons:
        lc = lam.loc[c].to_numpy()
        if len(lc) > 1:
            rc = lc.sum() ** 2 / (lc.sum() ** 2 + (1 - lc**2).sum())
            assert qa.reliability.loc[c, "rho_c"] == pytest.approx(rc, abs=1e-12)


def test_ecsi_all_reflective_is_inadmissible_and_warned():
    with pytest.warns(cm.InadmissibleWarning, match="not positive definite"):
        res = cm.PLSc().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    assert not res.arrays.admissible[0]
    assert res.arrays.inadmissible[0, 2]
    assert np.linalg.eigvalsh(res.construct_correlations.to_numpy()).min() <= 0
    qa = cm.assess(res)
    assert qa.admissible is False
    assert "admissible" in qa.summary().as_text()


def test_batched_equals_single_and_composites_option():
    data = cm.datasets.load_satisfaction()
    model = sat_model({"EXPE": "B"})
    est = cm.PLSc(scheme="factorial", composites=["VAL"])
    res = est.fit(model, data)
    assert not res.arrays.corrected[list(model.constructs).index("VAL")]
    assert not res.arrays.corrected[list(model.constructs).index("EXPE")]
    X = data[list(model.items)].to_numpy(float)
    rng = np.random.default_rng(1)
    F = np.vstack([np.ones(len(X)), rng.multinomial(len(X), np.full(len(X), 1 / len(X)), 3)])
    from csimodel.moments import MomentBuilder

    _, S = MomentBuilder(X).moments(F)
    batch = est.estimate(S, model)
    assert isinstance(batch, PLScArrays)
    for b in range(4):
        one = est.estimate(S[b : b + 1], model)
        np.testing.assert_allclose(batch.paths[b], one.paths[0], atol=1e-12)
        np.testing.assert_allclose(batch.loadings[b], one.loadings[0], atol=1e-12)
    np.testing.assert_allclose(batch.paths[0], res.arrays.paths[0], atol=1e-12)
    with pytest.raises(cm.ModelError, match="NOPE"):
        cm.PLSc(composites=["NOPE"]).fit(model, data)
    assert repr(cm.PLSc(scheme="factorial")) == "PLSc(scheme='factorial')"


# ---------------------------------------------------------------- population model
LAM = {
    "F1": np.array([0.8, 0.7, 0.75, 0.6]),
    "F2": np.array([0.85, 0.65, 0.7]),
    "F3": np.array([0.9, 0.8, 0.6, 0.7]),
}
B12, B13, B23 = 0.5, 0.3, 0.4  # F1 -> F2, F1 -> F3, F2 -> F3


def population():
    phi = np.eye(3)
    phi[0, 1] = phi[1, 0] = B12
    r13 = B13 + B23 * B12
    r23 = B23 + B13 * B12
    phi[0, 2] = phi[2, 0] = r13
    phi[1, 2] = phi[2, 1] = r23
    L = np.zeros((11, 3))
    L[:4, 0], L[4:7, 1], L[7:, 2] = LAM["F1"], LAM["F2"], LAM["F3"]
    Sigma = L @ phi @ L.T
    np.fill_diagonal(Sigma, 1.0)
    return L, Sigma


POP_MODEL = cm.Model(
    "F1 =~ a1 + a2 + a3 + a4\nF2 =~ b1 + b2 + b3\nF3 =~ c1 + c2 + c3 + c4\nF2 ~ F1\nF3 ~ F1 + F2"
)


def test_population_moments_recover_loadings_and_paths():
    L, Sigma = population()
    for scheme in ("path", "factorial", "centroid"):
        est = cm.PLSc(scheme=scheme, tol=1e-12, max_iter=1000).estimate(Sigma[None], POP_MODEL)
        np.testing.assert_allclose(est.loadings[0], L, atol=1e-8)
        assert est.paths[0, 0, 1] == pytest.approx(B12, abs=1e-8)
        assert est.paths[0, 0, 2] == pytest.approx(B13, abs=1e-8)
        assert est.paths[0, 1, 2] == pytest.approx(B23, abs=1e-8)
        assert est.admissible[0]
        # plain PLS is biased on the same moments
        pls = cm.PLS(scheme=scheme).estimate(Sigma[None], POP_MODEL)
        assert abs(pls.paths[0, 0, 1] - B12) > 0.02


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_consistency_error_shrinks_with_n(seed):
    """Mean absolute error over 40 samples falls from n=100 to n=3000 (about 1/sqrt(n))."""
    L, Sigma = population()
    rng = np.random.default_rng(seed)
    est = cm.PLSc(scheme="path", tol=1e-10, max_iter=1000)
    true = np.array([B12, B13, B23])
    errs = {}
    for n in (100, 3000):
        S = np.array(
            [
                np.cov(rng.multivariate_normal(np.zeros(11), Sigma, n), rowvar=False)
                for _ in range(40)
            ]
        )
        e = est.estimate(S, POP_MODEL)
        pe = np.abs(e.paths[:, [0, 0, 1], [1, 2, 2]] - true).mean()
        le = np.abs(e.loadings - L).sum(axis=(1, 2)).mean() / 11
        errs[n] = (pe, le)
    assert errs[3000][0] < errs[100][0] / 2
    assert errs[3000][1] < errs[100][1] / 2
    assert errs[3000][0] < 0.03 and errs[3000][1] < 0.02


def test_fit_on_dataframe_population_data():
    L, Sigma = population()
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 11))
    X -= X.mean(0)
    X = X @ np.linalg.inv(np.linalg.cholesky(np.cov(X, rowvar=False)).T)
    X = X @ np.linalg.cholesky(Sigma).T
    df = pd.DataFrame(X * 1.5 + 4, columns=list(POP_MODEL.items))
    res = cm.PLSc(tol=1e-12, max_iter=1000).fit(POP_MODEL, df)
    np.testing.assert_allclose(res.loadings.to_numpy(), L[L != 0], atol=1e-8)
    assert res.path_coefficients.loc["F2", "F3"] == pytest.approx(B23, abs=1e-8)
    assert "PLSc" in res.summary().as_text()
