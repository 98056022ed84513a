"""cm.assess against peers (seminr 0.2.1, plspm 0.5.7) and against formulas coded here.

References: tests/data/assess_peers.json (written by tests/data/scripts/make_assess_peers.py,
which records package versions and the exact calls). Tolerance 1e-6 for every statistic.
Statistics without a Python peer (HTMT2, Fornell-Larcker, cross-loadings, SRMR, d_ULS, d_G)
are checked against an independent re-implementation in this file: textbook formulas on the
raw data, with construct scores built from seminr's weights (not from csimodel's).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from refdata import satisfaction_model

import csimodel as cm

DATA = Path(__file__).resolve().parents[1] / "data"
PEERS = json.loads((DATA / "assess_peers.json").read_text())
PLS_TOL = 1e-11  # csimodel convergence tolerance, so iteration error << 1e-6
TOL = 1e-6

sat_model = satisfaction_model  # modes: {"EXPE": "B", ...}


CASES = {
    "ecsi_path": (
        lambda: cm.models.ecsi(),
        cm.datasets.load_ecsi_mobi,
        "path",
        "ecsi_path_seminr",
    ),
    "satisfaction_modeB_factorial": (
        lambda: sat_model({"EXPE": "B", "VAL": "B"}),
        cm.datasets.load_satisfaction,
        "factorial",
        "satisfaction_modeB_factorial_seminr",
    ),
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make_model, load, scheme, _ = CASES[request.param]
    model = make_model()
    data = load()
    res = cm.PLS(scheme=scheme, tol=PLS_TOL, max_iter=1000).fit(model, data)
    return request.param, model, data, res, cm.assess(res)


def test_reliability_vs_seminr(case):
    name, model, _, _, qa = case
    ref = PEERS[name]["seminr"]["reliability"]
    for c, r in ref.items():
        row = qa.reliability.loc[c]
        assert row["alpha"] == pytest.approx(r["alpha"], abs=TOL)
        assert row["rho_a"] == pytest.approx(r["rhoA"], abs=TOL)
        assert row["rho_c"] == pytest.approx(r["rhoC"], abs=TOL)
        assert row["ave"] == pytest.approx(r["AVE"], abs=TOL)


def test_alpha_and_gof_vs_plspm(case):
    name, _, _, _, qa = case
    ref = PEERS[name]["plspm"]
    assert qa.gof == pytest.approx(ref["gof"], abs=TOL)
    for c, a in ref["cronbach_alpha"].items():
        if a is not None:  # plspm leaves single-item and mode B blocks empty
            assert qa.reliability.loc[c, "alpha"] == pytest.approx(a, abs=TOL)


def test_htmt_vs_seminr(case):
    name, _, _, _, qa = case
    ref = PEERS[name]["seminr"]["htmt"]
    assert len(ref) == len(qa.htmt) * (len(qa.htmt) - 1) // 2
    for k, v in ref.items():
        a, b = k.split("|")
        assert qa.htmt.loc[a, b] == pytest.approx(v, abs=TOL)
        assert qa.htmt.loc[b, a] == pytest.approx(v, abs=TOL)


def test_vif_vs_seminr(case):
    name, model, _, _, qa = case
    ref = PEERS[name]["seminr"]
    for k, v in ref["item_vif"].items():
        c, it = k.split("|")
        assert qa.vif_items.loc[(c, it)] == pytest.approx(v, abs=TOL)
    for k, v in ref["antecedent_vif"].items():
        a, t = k.split("->")
        if v is None:  # seminr: NaN for a single antecedent; VIF is 1 by definition
            assert len(model.predecessors(t)) == 1
            assert qa.vif_predictors.loc[(t, a)] == 1.0
        else:
            assert qa.vif_predictors.loc[(t, a)] == pytest.approx(v, abs=TOL)
    assert set(qa.vif["level"]) == {"item", "predictor"}


def test_f_squared_vs_seminr(case):
    name, _, _, _, qa = case
    ref = PEERS[name]["seminr"]["f2"]
    got = qa.f_squared.set_index(["source", "target"])["f2"]
    assert len(got) == len(ref)
    for k, v in ref.items():
        a, b = k.split("->")
        assert got.loc[(a, b)] == pytest.approx(v, abs=TOL)


# ---------------------------------------------------------------- independent formulas
def _raw(case):
    name, model, data, res, qa = case
    peer = _pls_peer_weights(name)
    X = data[list(model.items)].to_numpy(float)
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    W = np.zeros((len(model.items), len(model.constructs)))
    for j, c in enumerate(model.constructs):
        for it in model.blocks[c]:
            W[model.items.index(it), j] = peer[f"{c}|{it}"]
    Y = Z @ W
    Y = (Y - Y.mean(0)) / Y.std(0, ddof=1)
    return model, Z, Y, qa


def _pls_peer_weights(name):
    # seminr outer weights are recorded with the fit references (make_pls_peers.py)
    path = DATA / "pls_peers_weights.json"
    return json.loads(path.read_text())[name]


def _corr(a, b):
    a = (a - a.mean(0)) / a.std(0)
    b = (b - b.mean(0)) / b.std(0)
    return a.T @ b / len(a)


def test_cross_loadings_and_fornell_larcker_from_raw_data(case):
    model, Z, Y, qa = _raw(case)
    CL = _corr(Z, Y)
    np.testing.assert_allclose(qa.cross_loadings.to_numpy(), CL, atol=TOL)
    C = np.corrcoef(Y, rowvar=False)
    name = case[0]
    ave = {c: r["AVE"] for c, r in PEERS[name]["seminr"]["reliability"].items()}
    for i, a in enumerate(model.constructs):
        for j, b in enumerate(model.constructs):
            want = math.sqrt(ave[a]) if i == j else C[i, j]
            assert qa.fornell_larcker.loc[a, b] == pytest.approx(want, abs=TOL)


def test_htmt2_from_raw_data(case):
    model, Z, _, qa = _raw(case)
    R = np.corrcoef(Z, rowvar=False)
    pos = {it: k for k, it in enumerate(model.items)}

    def geo(vals):
        return math.exp(sum(math.log(abs(v)) for v in vals) / len(vals))

    def mono(c):
        its = model.blocks[c]
        if len(its) == 1:
            return 1.0
        return geo([R[pos[a], pos[b]] for k, a in enumerate(its) for b in its[k + 1 :]])

    for i, a in enumerate(model.constructs):
        for b in model.constructs[i + 1 :]:
            het = geo([R[pos[x], pos[y]] for x in model.blocks[a] for y in model.blocks[b]])
            want = het / math.sqrt(mono(a) * mono(b))
            assert qa.htmt2.loc[a, b] == pytest.approx(want, abs=TOL)


def test_model_fit_from_raw_data(case):
    """SRMR, d_ULS, d_G of the composite model, saturated and estimated (Henseler et al.
    2014; Dijkstra & Henseler 2015), built from scores and OLS regressions on raw data."""
    model, Z, Y, qa = _raw(case)
    S = np.corrcoef(Z, rowvar=False)
    Lam = _corr(Z, Y)  # item-composite correlations
    p, J = Lam.shape
    blk = np.zeros(p, int)
    for j, c in enumerate(model.constructs):
        for it in model.blocks[c]:
            blk[model.items.index(it)] = j
    C = np.corrcoef(Y, rowvar=False)
    # estimated model: regress every endogenous score on its predecessors (OLS on raw scores)
    Bm = np.zeros((J, J))
    r2 = {}
    for t in model.endogenous:
        jt = model.constructs.index(t)
        P = [model.constructs.index(s) for s in model.predecessors(t)]
        beta, *_ = np.linalg.lstsq(Y[:, P], Y[:, jt], rcond=None)
        Bm[jt, P] = beta  # row = target
        fitted = Y[:, P] @ beta
        r2[jt] = 1 - ((Y[:, jt] - fitted) ** 2).sum() / ((Y[:, jt]) ** 2).sum()
    exo = [model.constructs.index(c) for c in model.exogenous]
    Psi = np.zeros((J, J))
    Psi[np.ix_(exo, exo)] = C[np.ix_(exo, exo)]
    for jt, v in r2.items():
        Psi[jt, jt] = 1 - v
    A = np.linalg.inv(np.eye(J) - Bm)
    Phi_est = A @ Psi @ A.T
    np.fill_diagonal(Phi_est, 1.0)

    def implied(Phi):
        Sig = np.empty((p, p))
        for a in range(p):
            for b in range(p):
                if blk[a] == blk[b]:
                    Sig[a, b] = S[a, b]  # composite: within-block correlations free
                else:
                    Sig[a, b] = Lam[a, blk[a]] * Phi[blk[a], blk[b]] * Lam[b, blk[b]]
        return Sig

    for col, Phi in (("saturated", C), ("estimated", Phi_est)):
        Sig = implied(Phi)
        low = [(a, b) for a in range(p) for b in range(a + 1)]
        srmr = math.sqrt(sum((S[a, b] - Sig[a, b]) ** 2 for a, b in low) / len(low))
        duls = 0.5 * sum((S[a, b] - Sig[a, b]) ** 2 for a in range(p) for b in range(p))
        ev = np.linalg.eigvals(np.linalg.solve(S, Sig)).real
        dg = 0.5 * sum(math.log(e) ** 2 for e in ev)
        assert qa.model_fit.loc["srmr", col] == pytest.approx(srmr, abs=TOL)
        assert qa.model_fit.loc["d_uls", col] == pytest.approx(duls, abs=TOL)
        assert qa.model_fit.loc["d_g", col] == pytest.approx(dg, abs=TOL)


# ---------------------------------------------------------------- closed forms
def _exact_data(Sigma, n, seed):
    """Data whose sample covariance (ddof=1) equals Sigma exactly."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(Sigma)))
    X -= X.mean(0)
    X = X @ np.linalg.inv(np.linalg.cholesky(np.cov(X, rowvar=False)).T)
    return X @ np.linalg.cholesky(Sigma).T


def _two_factor():
    lam1 = np.array([0.8, 0.7, 0.6, 0.75])
    lam2 = np.array([0.9, 0.65, 0.7])
    beta = 0.5
    L = np.zeros((7, 2))
    L[:4, 0] = lam1
    L[4:, 1] = lam2
    Phi = np.array([[1, beta], [beta, 1]])
    Sigma = L @ Phi @ L.T
    np.fill_diagonal(Sigma, 1.0)
    return lam1, lam2, beta, Sigma


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reliability_closed_forms_on_constructed_correlation_matrix(seed):
    lam1, lam2, beta, Sigma = _two_factor()
    X = _exact_data(Sigma, 120, seed)
    df = pd.DataFrame(X * 2 + 5, columns=[f"x{i}" for i in range(4)] + [f"y{i}" for i in range(3)])
    model = cm.Model("F =~ x0 + x1 + x2 + x3\nG =~ y0 + y1 + y2\nG ~ F")
    res = cm.PLSc(tol=1e-12, max_iter=1000).fit(model, df)
    qa = cm.assess(res)
    for c, lam in (("F", lam1), ("G", lam2)):
        k = len(lam)
        R = np.outer(lam, lam)
        np.fill_diagonal(R, 1)
        alpha = k / (k - 1) * (1 - k / R.sum())
        rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        ll = lam @ lam
        rho_a = ll**2 / (ll**2 + (lam**2 * (1 - lam**2)).sum())  # (w'lambda)^2, w ~ lambda
        row = qa.reliability.loc[c]
        assert row["alpha"] == pytest.approx(alpha, abs=1e-9)
        assert row["rho_c"] == pytest.approx(rho_c, abs=1e-9)
        assert row["rho_a"] == pytest.approx(rho_a, abs=1e-9)
        assert row["ave"] == pytest.approx((lam**2).mean(), abs=1e-9)
    # the common-factor model is exactly true: estimated model fit is perfect
    assert qa.model_fit.loc["srmr", "saturated"] == pytest.approx(0, abs=1e-9)
    assert qa.model_fit.loc["d_g", "estimated"] == pytest.approx(0, abs=1e-9)


def test_summary_flags_and_sources():
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    qa = cm.assess(res)
    text = qa.summary().as_text()
    assert "Henseler, Ringle & Sarstedt (2015)" in text
    assert "Fornell & Larcker (1981)" in text
    assert "n/a (single item)" in text
    assert "nothing is filtered" in text
    assert "<table" in qa._repr_html_()
    # flags never filter: every construct and item is still there
    assert len(qa.reliability) == 7 and len(qa.vif_items) == 24
    with pytest.raises(AttributeError):
        qa.gof = 1.0
    with pytest.raises(cm.CsimodelError, match="boot"):
        cm.assess(res, boot=object())
    with pytest.raises(cm.CsimodelError):
        cm.assess(object())
