"""Evidence for cm.bootstrap.

References used here (none is csimodel's own output):
- scipy.stats.bootstrap (percentile and BCa), fed the very same resamples: our engine is
  the statistic it bootstraps, scipy computes the intervals. Tolerance 1e-10.
- Single refits with cm.PLS().fit on the resampled DataFrame. Tolerance 1e-10.
- Coverage on data simulated from a known composite population model (true paths are
  closed-form population values). Binomial test over 200 replications.
- Tenenhaus et al. (2005) significance pattern of the ECSI paths (tests/data/
  tenenhaus2005_ecsi.json, copied from the published figure with its source).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference
from scipy import stats

import csimodel as cm
from csimodel.estimators.base import flatten_params
from csimodel.inference.bootstrap import (
    _Layout,
    _sign_change,
    bca_interval,
    loo_covariances,
    percentile_interval,
)
from csimodel.moments import MomentBuilder
from csimodel.results import FitResults


@pytest.fixture(scope="module")
def fit():
    return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))


def _engine_statistic(res, rows):
    """A vectorized scipy statistic: row-index arrays (..., n) -> our engine's estimates."""
    n = res.n_used
    mb = MomentBuilder(res.data.X, res.data.weights)

    def statistic(idx, axis=-1):
        idx = np.asarray(idx)
        lead = idx.shape[:-1]
        flat = idx.reshape(-1, idx.shape[-1])
        m = flat.shape[0]
        F = np.bincount((flat + np.arange(m)[:, None] * n).ravel(), minlength=m * n)
        _, S = mb.moments(F.reshape(m, n))
        est = res.estimator.estimate(S, res.model)
        vals = np.concatenate(
            [flatten_params(est, res.model)[:, rows], est.r2[:, [5, 6]]], axis=1
        )  # paths + R² of Complaints, Loyalty
        return vals.T.reshape(vals.shape[1], *lead)

    return statistic


# --------------------------------------------------------------------------- (1) scipy
@pytest.mark.parametrize("method", ["percentile", "BCa"])
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_intervals_equal_scipy_bootstrap_on_same_resamples(fit, seed, method, level):
    """scipy.stats.bootstrap(method=..., vectorized=True) with our engine as statistic.

    scipy draws resample b as ``rng.integers(0, n, (n_resamples, n))[b]``, the documented
    draw of cm.bootstrap, so both see the same resamples; scipy's own BCa jackknife runs
    the statistic on the n leave-one-out index sets.
    """
    n_boot = 499
    rows = np.flatnonzero(fit.params["op"].to_numpy() == "~")
    ref = stats.bootstrap(
        (np.arange(fit.n_used),),
        _engine_statistic(fit, rows),
        n_resamples=n_boot,
        vectorized=True,
        method=method,
        confidence_level=level,
        rng=np.random.default_rng(seed),
    )
    boot = cm.bootstrap(
        fit,
        n_boot,
        random_state=np.random.default_rng(seed),
        ci=method.lower(),
        level=level,
        progress=False,
    )
    ours = pd.concat(
        [boot.params.iloc[rows], boot.r_squared.iloc[[4, 5]]], ignore_index=True
    )  # Complaints, Loyalty
    np.testing.assert_allclose(ours["ci_lower"], ref.confidence_interval.low, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours["ci_upper"], ref.confidence_interval.high, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours["se"], ref.standard_error, rtol=0, atol=1e-10)
    dist = np.concatenate(
        [
            boot.distribution("params").to_numpy()[:, rows],
            boot.distribution("r_squared").to_numpy()[:, 4:],
        ],
        axis=1,
    )
    np.testing.assert_allclose(dist.T, ref.bootstrap_distribution, rtol=0, atol=1e-12)


def test_interval_functions_match_scipy_on_a_mean():
    """percentile_interval / bca_interval vs scipy on a statistic scipy computes itself."""
    rng = np.random.default_rng(3)
    x = rng.exponential(size=40)
    ref = {
        m: stats.bootstrap((x,), np.mean, n_resamples=999, method=m, rng=np.random.default_rng(1))
        for m in ("percentile", "BCa")
    }
    dist = ref["BCa"].bootstrap_distribution[:, None]
    lo, hi = percentile_interval(dist, 0.95)
    assert abs(lo[0] - ref["percentile"].confidence_interval.low) < 1e-12
    assert abs(hi[0] - ref["percentile"].confidence_interval.high) < 1e-12
    jack = np.array([np.delete(x, i).mean() for i in range(len(x))])[:, None]
    lo, hi = bca_interval(dist, np.array([x.mean()]), jack, 0.95)
    assert abs(lo[0] - ref["BCa"].confidence_interval.low) < 1e-12
    assert abs(hi[0] - ref["BCa"].confidence_interval.high) < 1e-12


def test_leave_one_out_covariances_equal_weight_patterns(fit):
    X = fit.data.X
    n = X.shape[0]
    for w in (None, np.random.default_rng(0).integers(1, 4, n).astype(float)):
        F = np.ones((n, n)) - np.eye(n)
        _, S = MomentBuilder(X, w).moments(F[:60])
        np.testing.assert_allclose(loo_covariances(X, w, 0, 60), S, rtol=0, atol=1e-11)


# --------------------------------------------------------------------------- (2) refits
def _resample_rows(seed, n_boot, n):
    return np.random.default_rng(seed).integers(0, n, size=(n_boot, n))


@pytest.mark.parametrize(
    "settings", [{"scheme": "path"}, {"scheme": "centroid", "standardize": False}]
)
def test_batched_estimates_equal_single_refits(ecsi, ecsi_model, seed, settings):
    est = cm.PLS(**settings)
    res = est.fit(ecsi_model, ecsi, scale=(1, 10))
    boot = cm.bootstrap(res, 40, random_state=seed, chunk_size=16, progress=False)
    idx = _resample_rows(seed, 40, res.n_used)
    for b in (0, 17, 39):
        df = ecsi.iloc[idx[b]].reset_index(drop=True)
        one = est.fit(ecsi_model, df, scale=(1, 10))
        np.testing.assert_allclose(
            boot.distribution("params").loc[b], one.params["estimate"], rtol=0, atol=1e-10
        )
        eff = one.effects.set_index(["source", "target"])
        got = boot.distribution("effects").loc[b]
        for kind in ("direct", "indirect", "total"):
            np.testing.assert_allclose(got.xs(kind, level="effect"), eff[kind], rtol=0, atol=1e-10)
        np.testing.assert_allclose(
            boot.distribution("r_squared").loc[b], one.r_squared, rtol=0, atol=1e-10
        )


def test_survey_weights_travel_with_respondent(ecsi, ecsi_model, seed):
    """Integer (frequency) weights: a resample equals a refit of the resampled rows with
    their own weights."""
    data = ecsi.copy()
    data["w"] = np.random.default_rng(seed).integers(1, 4, len(data))
    res = cm.PLS().fit(ecsi_model, data, scale=(1, 10), weights="w")
    boot = cm.bootstrap(res, 10, random_state=seed, progress=False)
    idx = _resample_rows(seed, 10, res.n_used)
    for b in (0, 9):
        df = data.iloc[idx[b]].reset_index(drop=True)
        one = cm.PLS().fit(ecsi_model, df, scale=(1, 10), weights="w")
        np.testing.assert_allclose(
            boot.distribution("params").loc[b], one.params["estimate"], rtol=0, atol=1e-10
        )


def test_imputed_cells_are_resampled_as_fixed_values(ecsi, ecsi_model):
    """Documented: with missing='mean' a resample equals a refit of the resampled
    *imputed* data (the imputation is not repeated)."""
    data = ecsi.astype(float).copy()
    rng = np.random.default_rng(1)
    for col in ("CUEX1", "PERQ3", "CUSL2"):
        data.loc[rng.choice(len(data), 12, replace=False), col] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        res = cm.PLS().fit(ecsi_model, data, scale=(1, 10), missing="mean")
    assert len(res.imputed) == 36
    boot = cm.bootstrap(res, 5, random_state=2, progress=False)
    filled = pd.DataFrame(res.data.X, columns=res.data.items)
    idx = _resample_rows(2, 5, res.n_used)
    one = cm.PLS().fit(ecsi_model, filled.iloc[idx[3]].reset_index(drop=True), scale=(1, 10))
    np.testing.assert_allclose(
        boot.distribution("params").loc[3], one.params["estimate"], rtol=0, atol=1e-10
    )
    assert "Imputed cells were resampled" in boot.summary().as_text()


# --------------------------------------------------------------------------- (3) seeds
def test_same_seed_same_results_whatever_the_chunk_size(fit, seed):
    runs = [
        cm.bootstrap(fit, 60, random_state=seed, ci="bca", chunk_size=c, progress=False)
        for c in (1, 7, 60, None)
    ]
    first = runs[0]
    for other in runs[1:]:
        for table in ("params", "effects", "r_squared"):
            a = getattr(first, table).select_dtypes("number")
            b = getattr(other, table).select_dtypes("number")
            # batched BLAS may round differently for different chunk shapes (~1e-16)
            np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=0, atol=1e-12)


def test_different_seeds_and_resamples_differ(fit, seed):
    a = cm.bootstrap(fit, 50, random_state=seed, progress=False).distribution()
    b = cm.bootstrap(fit, 50, random_state=seed + 1, progress=False).distribution()
    assert not np.allclose(a.to_numpy(), b.to_numpy())
    # every resample differs from every other one (no repeated draws within a run)
    paths = a.xs("~", axis=1, level="op").to_numpy()
    assert len(np.unique(paths.round(12), axis=0)) == len(paths)


def test_generator_random_state_is_used_as_given(fit):
    a = cm.bootstrap(fit, 20, random_state=np.random.default_rng(4), progress=False)
    b = cm.bootstrap(fit, 20, random_state=4, progress=False)
    pd.testing.assert_frame_equal(a.params, b.params)


# --------------------------------------------------------------------------- (4) coverage
def _population(rng_weights=False):
    """Three composites of 3 items each (equicorrelation 0.5 within blocks), population
    weights w, composite correlations from C = 0.4 A + 0.3 B, corr(A, B) = 0.3; the
    cross-block covariances of a composite model are Sigma_ii w_i r_ij w_j' Sigma_jj."""
    within = np.full((3, 3), 0.5) + 0.5 * np.eye(3)
    w = [np.array([0.6, 0.3, 0.3]), np.array([0.2, 0.5, 0.5]), np.array([0.4, 0.4, 0.3])]
    w = [v / np.sqrt(v @ within @ v) for v in w]
    r_ab, b_ac, b_bc = 0.3, 0.4, 0.3
    R = np.array(
        [
            [1.0, r_ab, b_ac + b_bc * r_ab],
            [r_ab, 1.0, b_bc + b_ac * r_ab],
            [b_ac + b_bc * r_ab, b_bc + b_ac * r_ab, 1.0],
        ]
    )
    Sigma = np.zeros((9, 9))
    for i in range(3):
        for j in range(3):
            blk = within if i == j else within @ np.outer(w[i], w[j]) @ within * R[i, j]
            Sigma[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = blk
    return Sigma, {("C", "A"): b_ac, ("C", "B"): b_bc}


@pytest.mark.slow
def test_coverage_of_95_percent_intervals_on_known_population():
    """Mode B PLS is consistent for composite population models (Dijkstra 2017), so the
    true paths are the population values 0.4 and 0.3. 200 replications, n = 200,
    n_boot = 299; the share of intervals covering the truth must be consistent with 0.95
    (two-sided binomial test at 1%)."""
    Sigma, truth = _population()
    chol = np.linalg.cholesky(Sigma)
    items = [f"{c}{k}" for c in "abc" for k in (1, 2, 3)]
    model = cm.Model("A <~ a1 + a2 + a3\nB <~ b1 + b2 + b3\nC <~ c1 + c2 + c3\nC ~ A + B\n")
    rng = np.random.default_rng(20261126)
    reps, n = 200, 200
    hits = {(kind, key): 0 for kind in ("percentile", "bca") for key in truth}
    for r in range(reps):
        data = pd.DataFrame(rng.standard_normal((n, 9)) @ chol.T, columns=items)
        res = cm.PLS().fit(model, data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.CsimodelWarning)  # rare failed resample
            boot = cm.bootstrap(res, 299, random_state=r, ci="bca", progress=False)
        p = boot.params.set_index(["lhs", "rhs"])
        dist = boot.distribution("params")
        for key, true in truth.items():
            lo, hi = p.loc[key, ["ci_lower", "ci_upper"]]
            hits[("bca", key)] += lo <= true <= hi
            d = dist[(key[0], "~", key[1])].to_numpy()
            plo, phi = np.quantile(d, [0.025, 0.975])
            hits[("percentile", key)] += plo <= true <= phi
    for name, k in hits.items():
        pval = stats.binomtest(int(k), reps, 0.95).pvalue
        assert pval > 0.01, (name, k / reps)


# --------------------------------------------------------------------------- (5) ECSI
@pytest.mark.parametrize("seed_", [0, 1, 2])
def test_tenenhaus_2005_significance_pattern(ecsi, ecsi_model, seed_):
    ref = load_reference("tenenhaus2005_ecsi.json")
    res = cm.PLS(scheme="centroid", standardize=False).fit(ecsi_model, ecsi, scale=(1, 10))
    boot = cm.bootstrap(res, 1000, random_state=seed_, progress=False)
    p = boot.params[boot.params["op"] == "~"]
    got = {f"{r}->{lh}": pv for lh, r, pv in zip(p["lhs"], p["rhs"], p["p"], strict=True)}
    for path, published in ref["published_p_values"].items():
        if published > 0.05:
            assert got[path] > 0.05, path
        else:
            assert got[path] < 0.05, path


# --------------------------------------------------------------------------- behaviour
class _FlakyPLS:
    """Any object with a batched ``estimate(S, model)`` works; this one fails every
    third resample (to test the accounting of failures)."""

    def __init__(self):
        self.inner = cm.PLS()
        self.calls = 0

    def get_params(self):
        return self.inner.get_params()

    def estimate(self, S, model):
        est = self.inner.estimate(S, model)
        conv = est.converged.copy()
        conv[::3] = False
        self.calls += 1
        return type(est)(**{**est.__dict__, "converged": conv})


def test_failed_resamples_are_counted_excluded_and_warned(fit):
    flaky = FitResults(
        model=fit.model,
        estimator=_FlakyPLS(),
        data=fit.data,
        mean=fit.mean,
        cov=fit.cov,
        arrays=fit.arrays,
    )
    with pytest.warns(cm.CsimodelWarning, match="30 of 90 bootstrap resamples failed"):
        boot = cm.bootstrap(flaky, 90, random_state=0, chunk_size=90, progress=False)
    assert boot.n_failed == 30 and boot.n_ok == 60
    assert list(boot.distribution().index) == [i for i in range(90) if i % 3]
    good = cm.bootstrap(fit, 90, random_state=0, progress=False).distribution()
    pd.testing.assert_frame_equal(boot.distribution(), good.loc[boot.distribution().index])


def test_tables_align_with_fit(fit):
    boot = cm.bootstrap(fit, 30, random_state=0, progress=False)
    pd.testing.assert_frame_equal(boot.params[["lhs", "op", "rhs", "estimate"]], fit.params)
    eff = boot.effects.pivot_table(index=["source", "target"], columns="effect", values="estimate")
    ref = fit.effects.set_index(["source", "target"])
    np.testing.assert_allclose(eff.loc[ref.index, ["direct", "indirect", "total"]], ref, atol=1e-14)
    np.testing.assert_allclose(boot.r_squared["estimate"], fit.r_squared, atol=1e-14)
    assert list(boot.params.columns) == [
        "lhs",
        "op",
        "rhs",
        "estimate",
        "mean",
        "se",
        "t",
        "p",
        "ci_lower",
        "ci_upper",
    ]
    # structurally zero statistic: no variance, interval = estimate, no test
    z = boot.effects.query("source == 'Image' and target == 'Quality' and effect == 'direct'")
    assert z["se"].iloc[0] == 0 and np.isnan(z["p"].iloc[0])
    assert z["ci_lower"].iloc[0] == z["ci_upper"].iloc[0] == 0


def test_t_and_p_follow_the_documented_formulas(fit):
    boot = cm.bootstrap(fit, 100, random_state=5, progress=False)
    d = boot.distribution().to_numpy()
    se = d.std(axis=0, ddof=1)
    # the single-item block (Complaints: CUSCO) has loading and weight 1 in every resample
    single = (boot.params["lhs"] == "Complaints").to_numpy() & (boot.params["op"] != "~").to_numpy()
    assert single.sum() == 2 and (se[single] < 1e-15).all()
    assert (boot.params["se"][single] == 0).all() and boot.params["t"][single].isna().all()
    np.testing.assert_allclose(boot.params["se"][~single], se[~single], rtol=1e-12)
    t = fit.params["estimate"].to_numpy()[~single] / se[~single]
    np.testing.assert_allclose(boot.params["t"][~single], t, rtol=1e-12)
    np.testing.assert_allclose(
        boot.params["p"][~single], 2 * stats.t.sf(np.abs(t), fit.n_used - 1), rtol=1e-10
    )


def test_sign_change_construct_level_flips_a_reversed_construct(fit):
    layout = _Layout(fit.model)
    theta = fit.params["estimate"].to_numpy()
    from csimodel.estimators.base import flatten_effects

    eff = flatten_effects(fit.arrays, fit.model)
    # reverse construct Satisfaction in a copy: its weights, loadings and paths flip
    j = fit.model.constructs.index("Satisfaction")
    s = np.ones(layout.J)
    s[j] = -1
    P = theta.copy()
    o = layout.outer
    P[o] *= s[layout.p_con[o]]
    P[~o] *= s[layout.p_src[~o]] * s[layout.p_con[~o]]
    E = eff * s[layout.e_src] * s[layout.e_tgt]
    P2, E2 = _sign_change(P[None], E, theta, layout, "construct")
    np.testing.assert_allclose(P2[0], theta)
    np.testing.assert_allclose(E2, eff)
    P3, E3 = _sign_change(P[None], E, theta, layout, "individual")
    np.testing.assert_allclose(P3[0][o], theta[o])  # outer estimates take the original sign
    np.testing.assert_allclose(P3[0][~o], P[~o])  # paths untouched
    P4, _ = _sign_change(P[None], E, theta, layout, None)
    np.testing.assert_array_equal(P4[0], P)


def test_sign_change_options_run(fit):
    for sc in ("individual", "construct"):
        boot = cm.bootstrap(fit, 30, random_state=0, sign_change=sc, progress=False)
        assert boot.sign_change == sc and np.isfinite(boot.params["se"]).all()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_boot": 1}, "n_boot"),
        ({"n_boot": 10.5}, "n_boot"),
        ({"level": 1.0}, "level"),
        ({"ci": "bc"}, "ci"),
        ({"sign_change": "both"}, "sign_change"),
        ({"progress": "yes"}, "progress"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_parameter_errors_name_the_parameter(fit, kwargs, name):
    with pytest.raises(cm.CsimodelError, match=f"'{name}' parameter of bootstrap"):
        cm.bootstrap(fit, **{"n_boot": 10, **kwargs})


def test_not_a_fit_is_rejected():
    with pytest.raises(cm.CsimodelError, match="needs a fitted model"):
        cm.bootstrap(pd.DataFrame({"a": [1]}))


def test_frozen_summary_and_progress(fit, capsys):
    boot = cm.bootstrap(fit, 20, random_state=0, progress=True)
    assert capsys.readouterr().err  # tqdm wrote to stderr
    cm.bootstrap(fit, 20, random_state=0, progress=False)
    assert capsys.readouterr().err == ""
    cm.bootstrap(fit, 20, random_state=0)  # default: off when stderr is not a terminal
    assert capsys.readouterr().err == ""
    with pytest.raises(AttributeError):
        boot.n_boot = 3
    text = boot.summary().as_text()
    assert "20 / 20" in text and "Satisfaction -> Loyalty" in text
    assert "<table" in boot._repr_html_()
    assert "20 of 20 resamples" in repr(boot)
    assert boot.distribution("effects").shape[0] == 20


def test_any_batched_estimator_works_plsc(ecsi, ecsi_model):
    """No PLS special case: PLSc goes through the same path; resamples equal refits."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        res = cm.PLSc().fit(ecsi_model, ecsi, scale=(1, 10))
        boot = cm.bootstrap(res, 8, random_state=3, progress=False)
        idx = _resample_rows(3, 8, res.n_used)
        one = cm.PLSc().fit(ecsi_model, ecsi.iloc[idx[5]].reset_index(drop=True), scale=(1, 10))
    np.testing.assert_allclose(
        boot.distribution("params").loc[5], one.params["estimate"], rtol=0, atol=1e-10
    )
    assert "PLSc" in boot.summary().as_text()


# --------------------------------------------------------------------------- replay
@pytest.mark.parametrize("chunk", [7, 64])
def test_replayed_counts_reproduce_the_distribution(fit, seed, chunk):
    """Counts replayed by iter_counts, pushed through the engine, give distribution() exactly;
    they equal the documented draws rng.integers(0, n, n) of default_rng(seed)."""
    boot = cm.bootstrap(fit, n_boot=45, random_state=seed, chunk_size=16, progress=False)
    n = fit.n_used
    F = np.concatenate(list(boot.iter_counts(chunk)))
    assert F.shape == (45, n)
    assert all(len(c) <= chunk for c in boot.iter_counts(chunk))
    rng = np.random.default_rng(seed)
    ref = np.concatenate([rng.integers(0, n, size=(m, n)) for m in (16, 16, 13)])
    want = np.stack([np.bincount(r, minlength=n) for r in ref])
    np.testing.assert_array_equal(F, want)
    np.testing.assert_array_equal(np.concatenate(list(boot.iter_indices(chunk))), ref)
    # same chunking as the bootstrap -> bit-identical estimates
    mb = MomentBuilder(fit.data.X, fit.data.weights)
    got = np.concatenate(
        [
            flatten_params(fit.estimator.estimate(mb.moments(Fc)[1], fit.model), fit.model)
            for Fc in boot.iter_counts(16)
        ]
    )
    np.testing.assert_array_equal(got[boot.ok], boot.distribution("params").to_numpy())
    # replay does not consume anything: twice the same
    np.testing.assert_array_equal(np.concatenate(list(boot.iter_counts())), F)


def test_replay_from_a_generator_random_state(fit):
    gen = np.random.default_rng(3)
    boot = cm.bootstrap(fit, n_boot=10, random_state=gen, progress=False)
    ref = np.random.default_rng(3).integers(0, fit.n_used, size=(10, fit.n_used))
    np.testing.assert_array_equal(np.concatenate(list(boot.iter_indices())), ref)


def test_check_fit_refuses_other_rows(ecsi, ecsi_model, fit):
    boot = cm.bootstrap(fit, n_boot=5, random_state=0, progress=False)
    boot.check_fit(fit)
    boot.check_fit(cm.PLS(scheme="factorial").fit(ecsi_model, ecsi, scale=(1, 10)))
    with pytest.raises(cm.DataError, match="250 used rows"):
        boot.check_fit(cm.PLS().fit(ecsi_model, ecsi.iloc[:200], scale=(1, 10)))
    shuffled = ecsi.iloc[::-1]
    with pytest.raises(cm.DataError, match="differ"):
        boot.check_fit(cm.PLS().fit(ecsi_model, shuffled, scale=(1, 10)))
