"""Properties of the batched PLS engine (population recovery, batching, invariances)."""

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel.estimators.base import flatten_params
from csimodel.moments import MomentBuilder


def exact_sample(Sigma, n, rng):
    """Data whose sample covariance (divisor n-1) equals Sigma exactly."""
    p = Sigma.shape[0]
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(0)
    L = np.linalg.cholesky(np.cov(Z, rowvar=False))
    Z = Z @ np.linalg.inv(L).T  # sample covariance = I
    return Z @ np.linalg.cholesky(Sigma).T + 5.0


def composite_population(rng):
    """Composite population model (Dijkstra): 3 blocks of 3 items, X -> M -> Y, X -> Y."""
    blocks = [3, 3, 3]
    beta_xm, beta_xy, beta_my = 0.5, 0.2, 0.4
    phi_xm = beta_xm
    phi_xy = beta_xy + beta_my * phi_xm
    phi_my = beta_my + beta_xy * phi_xm
    Phi = np.array([[1, phi_xm, phi_xy], [phi_xm, 1, phi_my], [phi_xy, phi_my, 1.0]])
    Sig_blocks, ws = [], []
    for k in blocks:
        A = rng.uniform(0.3, 0.6, size=(k, k))
        S = A @ A.T / k
        np.fill_diagonal(S, 1.0)
        w = rng.uniform(0.2, 1.0, size=k)
        w /= np.sqrt(w @ S @ w)
        Sig_blocks.append(S)
        ws.append(w)
    p = sum(blocks)
    Sigma = np.zeros((p, p))
    starts = np.cumsum([0] + blocks)
    for i in range(3):
        for j in range(3):
            si = slice(starts[i], starts[i + 1])
            sj = slice(starts[j], starts[j + 1])
            if i == j:
                Sigma[si, sj] = Sig_blocks[i]
            else:
                Sigma[si, sj] = Phi[i, j] * np.outer(Sig_blocks[i] @ ws[i], Sig_blocks[j] @ ws[j])
    return Sigma, ws, {"X->M": beta_xm, "X->Y": beta_xy, "M->Y": beta_my}


MODEL_B = """
X <~ x1 + x2 + x3
M <~ m1 + m2 + m3
Y <~ y1 + y2 + y3
M ~ X
Y ~ X + M
"""
COLS = ["x1", "x2", "x3", "m1", "m2", "m3", "y1", "y2", "y3"]


@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_population_covariance_recovers_composite_model(seed, scheme):
    rng = np.random.default_rng(seed)
    Sigma, ws, paths = composite_population(rng)
    data = pd.DataFrame(exact_sample(Sigma, 200, rng), columns=COLS)
    res = cm.PLS(scheme=scheme, tol=1e-12, max_iter=1000).fit(MODEL_B, data)
    for key, value in paths.items():
        s, t = key.split("->")
        assert abs(res.path_coefficients.loc[s, t] - value) < 1e-8
    for name, w in zip("XMY", ws, strict=True):
        np.testing.assert_allclose(res.outer_weights[name].to_numpy(), w, atol=1e-8)


def test_batch_equals_single_fits_exactly(ecsi, ecsi_model, seed):
    rng = np.random.default_rng(seed)
    est = cm.PLS(scheme="path")
    res = est.fit(ecsi_model, ecsi)
    X = res.data.X
    F = rng.multinomial(len(X), np.full(len(X), 1 / len(X)), size=6).astype(float)
    _, S = MomentBuilder(X).moments(F)
    batch = flatten_params(est.estimate(S, ecsi_model), ecsi_model)
    for b in range(6):
        df = ecsi.iloc[np.repeat(np.arange(len(X)), F[b].astype(int))]
        single = est.fit(ecsi_model, df).params.estimate.to_numpy()
        np.testing.assert_allclose(batch[b], single, rtol=0, atol=1e-10)


def test_batch_of_identical_matrices_is_identical(ecsi, ecsi_model):
    est = cm.PLS(scheme="factorial")
    res = est.fit(ecsi_model, ecsi)
    S = np.repeat(res.cov[None], 3, axis=0)
    out = flatten_params(est.estimate(S, ecsi_model), ecsi_model)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_allclose(out[0], res.params.estimate.to_numpy(), rtol=0, atol=1e-14)


def test_item_order_does_not_change_results(ecsi, ecsi_model, seed):
    rng = np.random.default_rng(seed)
    base = cm.PLS(tol=1e-12).fit(ecsi_model, ecsi)
    lines = []
    for c in rng.permutation(ecsi_model.constructs):
        items = list(rng.permutation(ecsi_model.blocks[c]))
        lines.append(f"{c} =~ " + " + ".join(items))
    lines += [f"{t} ~ {s}" for s, t in ecsi_model.paths]
    shuffled = cm.Model("\n".join(lines))
    data = ecsi[list(rng.permutation(ecsi.columns))]
    res = cm.PLS(tol=1e-12).fit(shuffled, data)
    a = base.params.set_index(["lhs", "op", "rhs"]).estimate
    b = res.params.set_index(["lhs", "op", "rhs"]).estimate.reindex(a.index)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-9)


def test_standardized_results_invariant_to_item_rescaling(ecsi, ecsi_model, seed):
    rng = np.random.default_rng(seed)
    scaled = ecsi * rng.uniform(0.1, 10, size=ecsi.shape[1]) + rng.uniform(-50, 50, ecsi.shape[1])
    a = cm.PLS(tol=1e-12).fit(ecsi_model, ecsi).params.estimate.to_numpy()
    b = cm.PLS(tol=1e-12).fit(ecsi_model, scaled).params.estimate.to_numpy()
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_integer_case_weights_equal_duplicated_rows(ecsi, ecsi_model, seed):
    rng = np.random.default_rng(seed)
    w = rng.integers(0, 4, size=len(ecsi))
    w[0] = 1
    dup = ecsi.loc[ecsi.index.repeat(w)]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)  # zero-weight rows are recorded
        a = cm.PLS().fit(ecsi_model, ecsi.assign(w=w), weights="w")
    b = cm.PLS().fit(ecsi_model, dup)
    np.testing.assert_allclose(a.params.estimate, b.params.estimate, atol=1e-12)
    np.testing.assert_allclose(a.cov, b.cov, rtol=1e-12)


def test_non_integer_weights_are_scale_free(ecsi, ecsi_model, seed):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.2, 3, size=len(ecsi))
    a = cm.PLS().fit(ecsi_model, ecsi.assign(w=w), weights="w")
    b = cm.PLS().fit(ecsi_model, ecsi.assign(w=w * 17.3), weights="w")
    np.testing.assert_allclose(a.params.estimate, b.params.estimate, atol=1e-12)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-10)


def test_scores_are_standardized_and_reproduce_paths(ecsi, ecsi_model):
    res = cm.PLS(tol=1e-12).fit(ecsi_model, ecsi)
    Y = res.scores
    np.testing.assert_allclose(Y.std(ddof=1), 1.0, atol=1e-10)
    np.testing.assert_allclose(Y.mean(), 0.0, atol=1e-10)
    # independent check: OLS of standardized scores reproduces the path coefficients
    for target in ecsi_model.endogenous:
        preds = list(ecsi_model.predecessors(target))
        beta, *_ = np.linalg.lstsq(Y[preds].to_numpy(), Y[target].to_numpy(), rcond=None)
        np.testing.assert_allclose(
            beta, res.path_coefficients.loc[preds, target].to_numpy(), atol=1e-10
        )
    # loadings are item-score correlations
    r = np.corrcoef(ecsi["CUSA2"], Y["Satisfaction"])[0, 1]
    assert abs(res.loadings[("Satisfaction", "CUSA2")] - r) < 1e-10


def test_non_convergence_is_warned_and_recorded(ecsi, ecsi_model):
    with pytest.warns(cm.ConvergenceWarning, match="did not converge"):
        res = cm.PLS(max_iter=2, tol=1e-15).fit(ecsi_model, ecsi)
    assert not res.converged
    assert res.n_iter == 2
    assert "NO" in res.summary().as_text()


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"scheme": "paths"}, "The 'scheme' parameter of PLS must be one of"),
        ({"tol": -1}, "The 'tol' parameter of PLS"),
        ({"max_iter": 0}, "The 'max_iter' parameter of PLS"),
        ({"standardize": "yes"}, "The 'standardize' parameter"),
    ],
)
def test_parameter_errors(ecsi, ecsi_model, kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        cm.PLS(**kw).fit(ecsi_model, ecsi)
