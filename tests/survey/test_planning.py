"""Planning: sample_size (published values), power (analytic and per-sample references),
index_precision (hand computation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

import csimodel as cm
from csimodel.survey.planning import simulate_moments

# Kock & Hadaya (2018), Information Systems Journal 28(1): tables 3, 4 and 5 (minimum sample
# sizes of the inverse square root and gamma-exponential methods for the smallest path of
# their three Monte Carlo experiments), and the worked value 0.2 -> 155 (text, eq. 5).
PUBLISHED = [(0.397, 40, 26), (0.147, 287, 273), (0.1, 619, 605)]


@pytest.mark.parametrize("b, isr, ge", PUBLISHED)
def test_sample_size_published(b, isr, ge):
    assert cm.sample_size(min_path=b) == isr
    assert cm.sample_size(min_path=-b, method="gamma_exponential") == ge


@pytest.mark.parametrize("b", [0.05, 0.2, 0.3, 0.45, 0.6])
def test_inverse_sqrt_formula(b):
    """Hand formula: smallest integer N with |b| sqrt(N) > z_.95 + z_.8 (2.486)."""
    z = 1.6448536269514722 + 0.8416212335729143
    n = cm.sample_size(min_path=b)
    assert b * np.sqrt(n) > z >= b * np.sqrt(n - 1)
    assert cm.sample_size(min_path=0.2) == 155


def test_gamma_exponential_formula():
    """Eq. 7 by hand for a moderate path (N > 10)."""
    z = 1.6448536269514722 + 0.8416212335729143
    b = 0.25
    n = cm.sample_size(min_path=b, method="gamma_exponential")

    def lhs(N):
        return b * np.sqrt(N) * np.exp(np.e * b / np.sqrt(N))

    assert lhs(n) > z >= lhs(n - 1)


@pytest.mark.parametrize(
    "kwargs", [dict(min_path=0), dict(min_path=1.5), dict(min_path=0.2, method="x")]
)
def test_sample_size_errors(kwargs):
    with pytest.raises(cm.CsimodelError):
        cm.sample_size(**kwargs)


def _wald_power(rho, n, alpha=0.05):
    """Power of the Wald test of a correlation, |r| / sd(r) > z, sd(r) = (1 - rho^2)/sqrt(n)."""
    d = rho * np.sqrt(n) / (1 - rho**2)
    c = stats.norm.ppf(1 - alpha / 2)
    return stats.norm.cdf(d - c) + stats.norm.cdf(-d - c)


@pytest.mark.parametrize("rho", [0.0, 0.2, 0.35])
def test_power_single_items_matches_wald(rho):
    """Single-item constructs: the PLS path is the correlation; power ~ analytic Wald power
    (tolerance: 4 Monte Carlo SEs + 0.02 for the asymptotic sd of r at n = 60)."""
    pop = {"model": "A =~ a\nB =~ b\nB ~ A", "paths": {"B ~ A": rho}, "loadings": 1.0}
    pw = cm.power(pop, n=[60, 120], n_sim=2000, random_state=3)
    for _, row in pw.table.iterrows():
        ref = _wald_power(rho, row["n"])
        mc = np.sqrt(max(ref * (1 - ref), 0.01) / 2000)
        assert row["power"] == pytest.approx(ref, abs=4 * mc + 0.02)
        assert row["se"] == pytest.approx((1 - rho**2) / np.sqrt(row["n"]), rel=0.06)


def test_power_zero_path_near_alpha_and_rising():
    pop = {
        "model": "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nC ~ A + B",
        "paths": {"C ~ A": 0.0, "C ~ B": 0.2},
        "loadings": 0.8,
    }
    pw = cm.power(pop, n=[50, 150, 400], n_sim=1500, random_state=5)
    zero = pw.table[pw.table["rhs"] == "A"]["power"].to_numpy()
    # multi-item blocks: the weights capitalize on chance, so the null distribution of the
    # estimate is wider than normal in the middle and the test is conservative (size <= alpha;
    # single items give alpha itself, test_power_single_items_matches_wald[0.0])
    assert np.all(zero < 0.05 + 0.025)  # 4.5 Monte Carlo SEs
    pos = pw.table[pw.table["rhs"] == "B"]["power"].to_numpy()
    assert np.all(np.diff(pos) > 0) and pos[-1] > 0.9


TEXT3 = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2\nB ~ A\nC ~ A + B"
POP3 = {"model": TEXT3, "paths": {"B ~ A": 0.25, "C ~ A": 0.1, "C ~ B": 0.2}}


def _decisions(est: np.ndarray) -> np.ndarray:
    se = est.std(axis=0, ddof=1)
    return (np.abs(est / se) > stats.norm.ppf(0.975)).mean(axis=0)


def test_power_equals_per_sample_fits():
    """The batched engine gives the very decisions of cm.PLS().fit looped over the same
    simulated samples (their covariance tables, through cm.SummaryData; exact), and the
    population matrix matches the hand-derived one."""
    n, n_sim = 80, 60
    pw = cm.power(POP3, n=n, n_sim=n_sim, random_state=11)
    Sigma = pw.population_cov.to_numpy()
    # by hand: Phi_AB = .25, Phi_AC = .1 + .2 * .25, Phi_BC = .1 * .25 + .2; loadings .8
    assert Sigma[0, 3] == pytest.approx(0.64 * 0.25, abs=1e-12)
    assert Sigma[0, 6] == pytest.approx(0.64 * 0.15, abs=1e-12)
    assert Sigma[3, 7] == pytest.approx(0.64 * 0.225, abs=1e-12)
    S = simulate_moments(Sigma, n, n_sim, random_state=11)
    model = cm.Model(TEXT3)
    items = list(model.items)
    est = []
    for k in range(n_sim):
        table = cm.SummaryData(cov=pd.DataFrame(S[k], index=items, columns=items), n=n)
        pc = cm.PLS().fit(model, table).path_coefficients
        est.append([pc.loc["A", "B"], pc.loc["A", "C"], pc.loc["B", "C"]])
    ref = _decisions(np.array(est))
    got = [
        pw.table.query("lhs == @lh and rhs == @r")["power"].iloc[0]
        for lh, r in (("B", "A"), ("C", "A"), ("C", "B"))
    ]
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_wishart_draws_match_raw_covariances():
    """The directly drawn covariances have the moments of raw-sample covariances:
    E[S] = Sigma and Var[S_ij] = (Sigma_ij^2 + Sigma_ii Sigma_jj) / (n - 1)."""
    Sigma = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    n, B = 20, 40000
    S = simulate_moments(Sigma, n, B, random_state=0)
    np.testing.assert_allclose(S.mean(axis=0), Sigma, atol=0.01)
    var = (Sigma**2 + np.outer(np.diag(Sigma), np.diag(Sigma))) / (n - 1)
    np.testing.assert_allclose(S.var(axis=0), var, rtol=0.05)
    small = simulate_moments(Sigma, 3, 10, random_state=0)  # n - 1 < p: row by row
    assert small.shape == (10, 3, 3)


@pytest.mark.slow
def test_power_agrees_with_independent_generator():
    """Latent scores drawn in the test (structural equations, then items = .8 eta + e),
    fitted with cm.PLS().fit and tested with statsmodels' OLS estimate; power within
    4 Monte Carlo SEs of cm.power (different random numbers)."""
    rng = np.random.default_rng(2024)
    n, n_sim = 100, 400
    model = cm.Model(TEXT3)
    est = []
    for _ in range(n_sim):
        A = rng.standard_normal(n)
        B = 0.25 * A + np.sqrt(1 - 0.25**2) * rng.standard_normal(n)
        vc = 0.1**2 + 0.2**2 + 2 * 0.1 * 0.2 * 0.25
        C = 0.1 * A + 0.2 * B + np.sqrt(1 - vc) * rng.standard_normal(n)
        cols = {}
        for name, eta, k in (("a", A, 3), ("b", B, 3), ("c", C, 2)):
            for i in range(1, k + 1):
                cols[f"{name}{i}"] = 0.8 * eta + 0.6 * rng.standard_normal(n)
        sc = cm.PLS().fit(model, pd.DataFrame(cols)).scores
        fb = sm.OLS(sc["B"], sm.add_constant(sc[["A"]])).fit().params
        fc = sm.OLS(sc["C"], sm.add_constant(sc[["A", "B"]])).fit().params
        est.append([fb["A"], fc["A"], fc["B"]])
    ref = _decisions(np.array(est))
    pw = cm.power(POP3, n=n, n_sim=2000, random_state=1)
    got = np.array(
        [
            pw.table.query("lhs == @lh and rhs == @r")["power"].iloc[0]
            for lh, r in (("B", "A"), ("C", "A"), ("C", "B"))
        ]
    )
    mc = np.sqrt(ref * (1 - ref) / n_sim + got * (1 - got) / 2000)
    assert np.all(np.abs(got - ref) < 4 * mc + 0.01)


def test_power_from_result_and_errors(ecsi, ecsi_model):
    res = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10))
    pw = cm.power(res, n=100, n_sim=50, random_state=0)
    assert len(pw.table) == len(ecsi_model.paths)
    assert (pw.table["n_ok"] == 50).all()
    assert "Power by path" in pw.summary().as_text()
    with pytest.raises(cm.CsimodelError, match="not a path"):
        cm.power({"model": "A =~ a\nB =~ b\nB ~ A", "paths": {"A ~ B": 0.2}}, n=50)
    with pytest.raises(cm.CsimodelError, match="'n' parameter"):
        cm.power(res, n=[2])


def test_index_precision_by_hand(ecsi, ecsi_model):
    data = ecsi.assign(region=np.where(np.arange(len(ecsi)) % 3 == 0, "north", "south"))
    res = cm.PLS().fit(ecsi_model, data, scale=(1, 10))
    tab = cm.index_precision(res, margin=2.0, level=0.9, by="region")
    s = cm.respondent_scores(res)
    for _, row in tab.iterrows():
        x = s.loc[data["region"] == row["region"], row["construct"]].to_numpy()
        sd = x.std(ddof=1)
        assert row["sd"] == pytest.approx(sd, abs=1e-10)
        assert row["half_width"] == pytest.approx(
            stats.t.ppf(0.95, len(x) - 1) * sd / np.sqrt(len(x)), abs=1e-10
        )
        m = int(row["n_needed"])
        assert stats.t.ppf(0.95, m - 1) * sd / np.sqrt(m) <= 2.0
        assert stats.t.ppf(0.95, m - 2) * sd / np.sqrt(m - 1) > 2.0


def test_power_with_plsc_recovers_population_paths():
    """PLSc on the common-factor population: mean estimates near the population paths
    (attenuated with PLS); a bad estimator is refused."""
    pop = {"model": TEXT3, "paths": {"B ~ A": 0.4, "C ~ A": 0.2, "C ~ B": 0.3}, "loadings": 0.8}
    pls = cm.power(pop, n=400, n_sim=300, random_state=2)
    plsc = cm.power(pop, n=400, n_sim=300, random_state=2, estimator=cm.PLSc())
    assert np.all(np.abs(plsc.table["mean_estimate"] - plsc.table["population"]) < 0.03)
    assert (pls.table["mean_estimate"] < pls.table["population"]).sum() >= 2
    with pytest.raises(cm.CsimodelError, match="'estimator' parameter of power"):
        cm.power(pop, n=50, n_sim=20, estimator=cm.CBSEM())
