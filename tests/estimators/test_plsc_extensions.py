"""PLSc with interaction terms (two-stage approach).

References:
* seminr-py 0.2.1 PLSc (reflective blocks + ``interaction_term(method=two_stage)``) on the
  corporate reputation moderation model (``tests/data/plsc_extensions_peers.json``, script
  ``tests/data/scripts/make_plsc_extensions_peers.py``): paths, R², consistent loadings to
  1e-6; seminr's interaction path is on the re-standardized scale, so it is compared after
  dividing by the SD of its product column (stored);
* the plain PLSc engine fed by hand with the stage-2 data (the parts' items and a column
  holding the product of the stage-1 standardized PLS scores; the interaction path divided
  by that column's SD): tolerance 1e-10;
* a common-factor population with a known latent interaction (simulation): the main paths
  approach the population values, the interaction path its known limit (the product of
  PLS scores is not corrected: attenuated by sqrt(rho_X rho_M), computed by hand from the
  population loadings), and both are closer to the population than PLS's estimates;
* the bootstrap: one resample equals a refit of the resampled data (1e-10).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from tests.refdata import CORP_HOC_REP, CORP_MODERATION, load_reference

ITEMS = ["cusa", "switch_1", "switch_2", "switch_3", "switch_4", "cusl_1", "cusl_2", "cusl_3"]
ITEMS += ["like_1", "like_2", "like_3"]
MODEL = """
CUSA =~ cusa
LIKE =~ like_1 + like_2 + like_3
SC   =~ switch_1 + switch_2 + switch_3 + switch_4
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ LIKE
CUSL ~ LIKE + CUSA + SC + CUSA:SC
"""


@pytest.fixture(scope="module")
def data():
    corp = cm.datasets.load_corp_rep()
    return corp.replace(-99, np.nan).dropna(subset=ITEMS)[ITEMS].reset_index(drop=True)


def test_moderation_vs_seminr_plsc():
    ref = load_reference("plsc_extensions_peers.json")
    corp = cm.datasets.load_corp_rep()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)  # mean imputation is warned
        res = cm.PLSc(tol=1e-12, max_iter=5000).fit(
            CORP_MODERATION, corp, missing="mean", missing_values=(-99,)
        )
    for key, value in ref["paths"].items():
        s, t = key.split("->")
        if s == "CUSA:SC":
            value = value / ref["sd_product"]
        assert res.path_coefficients.loc[s, t] == pytest.approx(value, abs=1e-6), key
    for c, value in ref["r2"].items():
        assert res.r_squared[c] == pytest.approx(value, abs=1e-6), c
    for key, value in ref["loadings"].items():
        c, item = key.split("|")
        assert res.loadings[(c, item)] == pytest.approx(value, abs=1e-6), key


def test_two_stage_equals_plain_engine_fed_by_hand(data):
    res = cm.PLSc(tol=1e-12, max_iter=1000).fit(MODEL, data)
    # stage 1 by hand: the model without the interaction term, PLS weights
    stage1 = cm.PLS(tol=1e-12, max_iter=1000).fit(MODEL.replace(" + CUSA:SC", ""), data)
    z = (data - data.mean()) / data.std(ddof=1)

    def score(c):
        w = stage1.outer_weights[c]
        s = z[list(w.index)].to_numpy() @ w.to_numpy()
        return s / s.std(ddof=1)

    hand_data = data.copy()
    hand_data["prod"] = score("CUSA") * score("SC")
    hand_model = MODEL.replace("CUSA:SC", "INT") + "INT =~ prod\n"
    hand = cm.PLSc(tol=1e-12, max_iter=1000).fit(hand_model, hand_data)
    sd_prod = hand_data["prod"].std(ddof=1)
    for s, t in hand.model.paths:
        expected = hand.path_coefficients.loc[s, t]
        if s == "INT":
            s, expected = "CUSA:SC", expected / sd_prod  # product of standardized scores
        assert res.path_coefficients.loc[s, t] == pytest.approx(expected, abs=1e-10), (s, t)
    for c in ("CUSA", "CUSL"):
        assert res.r_squared[c] == pytest.approx(hand.r_squared[c], abs=1e-10)
    for c in ("LIKE", "SC", "CUSL"):
        got = res.loadings[c].to_numpy()
        assert got == pytest.approx(hand.loadings[c].to_numpy(), abs=1e-10)
        j, k = res.model.constructs.index(c), hand.model.constructs.index(c)
        assert res.arrays.rho_a[0, j] == pytest.approx(hand.arrays.rho_a[0, k], abs=1e-10)
    # the interaction construct is a single-item composite: not corrected
    j = res.model.constructs.index("CUSA:SC")
    assert res.arrays.rho_a[0, j] == 1.0 and not res.arrays.corrected[j]
    assert bool(res.arrays.admissible[0])
    assert "CUSA:SC (two_stage)" in str(res.summary())


def _population(n, seed, b=(0.4, 0.3, 0.25), lam=(0.9, 0.8, 0.7)):
    """Common-factor data: X, M independent N(0, 1); Y = b1 X + b2 M + b3 XM + zeta with
    var(Y) = 1; three items per factor with loadings ``lam`` (unit item variances)."""
    rng = np.random.default_rng(seed)
    x, m = rng.normal(size=(2, n))
    psi = 1 - b[0] ** 2 - b[1] ** 2 - b[2] ** 2
    y = b[0] * x + b[1] * m + b[2] * x * m + rng.normal(scale=np.sqrt(psi), size=n)
    cols = {}
    for name, f in (("x", x), ("m", m), ("y", y)):
        for k, lk in enumerate(lam):
            cols[f"{name}{k + 1}"] = lk * f + rng.normal(scale=np.sqrt(1 - lk**2), size=n)
    return pd.DataFrame(cols)


POP_MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
Y ~ X + M + X:M
"""


def test_converges_towards_population_and_beats_pls():
    b = (0.4, 0.3, 0.25)
    lam = np.array([0.9, 0.8, 0.7])
    # population reliability of a mode A composite (weights proportional to the
    # loadings): rho = (lam'lam)^2 / lam' Sigma lam with Sigma = lam lam' + Theta
    sigma = np.outer(lam, lam) + np.diag(1 - lam**2)
    rho = (lam @ lam) ** 2 / (lam @ sigma @ lam)
    # the uncorrected product of two independent composites: its path -> rho * b3
    limit = rho * b[2]
    keys = [("X", "Y"), ("M", "Y"), ("X:M", "Y")]
    truth = np.array([b[0], b[1], b[2]])
    err = []
    for n in (300, 100_000):
        d = _population(n, seed=11)
        with warnings.catch_warnings():  # n = 300: a consistent loading may exceed 1
            warnings.simplefilter("ignore", cm.InadmissibleWarning)
            c = cm.PLSc().fit(POP_MODEL, d)
        p = cm.PLS().fit(POP_MODEL, d)
        est_c = np.array([c.path_coefficients.loc[s, t] for s, t in keys])
        est_p = np.array([p.path_coefficients.loc[s, t] for s, t in keys])
        err.append(np.abs(est_c - np.array([b[0], b[1], limit])))
    assert err[-1].max() < 0.015  # main paths -> population, interaction -> its limit
    assert err[-1].max() < err[0].max()
    # PLS is attenuated further (the outcome's measurement error too): PLSc is closer
    assert np.all(np.abs(est_c - truth) < np.abs(est_p - truth))


def test_bootstrap_resample_equals_refit(data):
    est = cm.PLSc(tol=1e-12, max_iter=1000)
    res = est.fit(MODEL, data)
    boot = cm.bootstrap(res, n_boot=4, random_state=3, progress=False)
    dist = boot.distribution()
    for b, idx in enumerate(next(boot.iter_indices(4))):
        with warnings.catch_warnings():  # a resample may be inadmissible; still a refit
            warnings.simplefilter("ignore", cm.InadmissibleWarning)
            refit = est.fit(MODEL, data.iloc[idx].reset_index(drop=True))
        for s, t in (("CUSA:SC", "CUSL"), ("CUSA", "CUSL"), ("SC", "CUSL")):
            got = dist.iloc[b][(t, "~", s)]
            assert got == pytest.approx(refit.path_coefficients.loc[s, t], abs=1e-10), (b, s)


def test_refusals(data):
    for method in ("product_indicator", "orthogonal"):
        with pytest.raises(ValueError, match="'interaction' parameter of PLSc must be one of"):
            cm.PLSc(interaction=method).fit(MODEL, data)
        with pytest.raises(ValueError, match="interaction='two_stage'"):
            cm.PLSc(interaction=method).fit(MODEL, data)
    corp = cm.datasets.load_corp_rep()
    with pytest.raises(cm.ModelError, match="PLSc does not estimate higher-order"):
        cm.PLSc().fit(CORP_HOC_REP, corp, missing="mean", missing_values=(-99,))
    with pytest.raises(cm.ModelError, match="use fit"):
        cm.PLSc().estimate(np.eye(3)[None], cm.Model(MODEL))
