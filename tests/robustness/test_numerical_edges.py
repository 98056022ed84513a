"""Numerical edge cases: a correct result, a warning, or a csimodel error naming the block.

Never NaN reported as a fit. Expected values come from closed forms (single-item blocks:
loading = weight = 1, path = Pearson correlation computed by numpy), from invariances
(standardized PLS does not depend on item location or scale), or from the mathematics of
the case (duplicated items in a mode A block get identical weights).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel.estimators.base import flatten_params

MODEL_A = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X"
MODEL_B = "X <~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X"
SCHEMES = ["centroid", "factorial", "path"]


def make(seed: int, n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 1))
    g = 0.5 * f + rng.normal(size=(n, 1))
    X = np.hstack([f + rng.normal(size=(n, 3)), g + rng.normal(size=(n, 3))])
    return pd.DataFrame(X, columns=["x1", "x2", "x3", "y1", "y2", "y3"])


def fit(model, data, **kw):
    return cm.PLS(**kw).fit(model, data)


def finite(res) -> bool:
    arrs = [res.params["estimate"], res.r_squared, res.scores, res.effects[["total"]]]
    return all(np.isfinite(np.asarray(a, dtype=float)).all() for a in arrs)


# ------------------------------------------------------------------ collinear items
@pytest.mark.parametrize("scheme", SCHEMES)
def test_duplicated_item_in_mode_a_block_is_estimable(seed, scheme):
    d = make(seed).assign(x3=lambda t: t["x1"])
    res = fit(MODEL_A, d, scheme=scheme)
    assert finite(res) and res.converged
    w, lam = res.outer_weights["X"], res.loadings["X"]
    assert w["x1"] == pytest.approx(w["x3"], abs=1e-10)  # same column -> same weight
    assert lam["x1"] == pytest.approx(lam["x3"], abs=1e-10)


@pytest.mark.parametrize(
    "make_collinear, involved",
    [
        (lambda t: t.assign(x3=t["x1"]), "'x1', 'x3'"),
        (lambda t: t.assign(x3=2 * t["x1"] - 7), "'x1', 'x3'"),
        (lambda t: t.assign(x3=t["x1"] + t["x2"]), "'x1', 'x2', 'x3'"),
    ],
    ids=["duplicate", "affine", "sum"],
)
def test_collinear_mode_b_block_raises_naming_block_and_items(seed, make_collinear, involved):
    d = make_collinear(make(seed))
    with pytest.raises(cm.EstimationError, match=rf"mode B\) block 'X'.*{involved} are linearly"):
        fit(MODEL_B, d)


def test_mode_b_block_larger_than_n_raises_naming_block():
    d = make(0, n=4)  # 4 rows: the 4-item block's correlation matrix has rank <= 3
    model = "X <~ x1 + x2 + x3 + y1\nY =~ y2 + y3\nY ~ X"
    with pytest.raises(cm.EstimationError, match="block 'X'"):
        fit(model, d)


# ------------------------------------------------------------------ one-item blocks
@pytest.mark.parametrize("op", ["=~", "<~"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_single_item_blocks_closed_form(seed, op, scheme):
    d = make(seed)
    res = fit(f"X {op} x1\nY {op} y2\nY ~ X", d, scheme=scheme)
    r = np.corrcoef(d["x1"], d["y2"])[0, 1]
    assert res.loadings.to_numpy() == pytest.approx([1, 1], abs=1e-12)
    assert res.outer_weights.to_numpy() == pytest.approx([1, 1], abs=1e-12)
    assert res.path_coefficients.loc["X", "Y"] == pytest.approx(r, abs=1e-12)
    assert res.r_squared["Y"] == pytest.approx(r**2, abs=1e-12)
    z = (d["x1"] - d["x1"].mean()) / d["x1"].std()
    np.testing.assert_allclose(res.scores["X"], z, atol=1e-12)


# ------------------------------------------------------------------ construct correlations
MODEL_3 = "X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nZ =~ z1 + z2\nZ ~ X + Y"


def three(seed, eps):
    d = make(seed)
    rng = np.random.default_rng(seed + 100)
    for a, b in [("y1", "x1"), ("y2", "x2"), ("y3", "x3")]:
        d[a] = d[b] + eps * rng.normal(size=len(d))
    f = d[["x1", "x2", "x3"]].mean(axis=1)
    d["z1"] = f + rng.normal(size=len(d))
    d["z2"] = f + rng.normal(size=len(d))
    return d


@pytest.mark.parametrize("scheme", SCHEMES)
def test_perfectly_correlated_predecessors_raise_naming_target(seed, scheme):
    with pytest.raises(cm.EstimationError, match=r"predecessors of 'Z' \('X', 'Y'\)"):
        fit(MODEL_3, three(seed, 0.0), scheme=scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_near_singular_predecessors_warn_naming_target(seed, scheme):
    with pytest.warns(cm.CsimodelWarning, match=r"predecessors of 'Z' \('X', 'Y'\)"):
        res = fit(MODEL_3, three(seed, 1e-4), scheme=scheme)
    assert finite(res)


def test_engine_batch_with_a_singular_member_does_not_crash(seed):
    ok = fit(MODEL_3, three(seed, 0.5))
    # the singular matrix, built from data that fit() refuses
    d = three(seed, 0.0)[list(ok.model.items)]
    S_bad = np.cov(d.to_numpy(), rowvar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning leaks either
        est = ok.estimator.estimate(np.stack([ok.cov, S_bad, ok.cov]), ok.model)
    assert not est.converged[1]
    assert est.converged[0] and est.converged[2]
    single = flatten_params(ok.arrays, ok.model)[0]
    np.testing.assert_allclose(flatten_params(est, ok.model)[[0, 2]], [single, single], atol=1e-12)


# ------------------------------------------------------------------ sample size
@pytest.mark.parametrize("scheme", SCHEMES)
def test_fewer_rows_than_items_mode_a(seed, scheme):
    d = make(seed, n=5)  # 5 rows, 6 items
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.ConvergenceWarning)
        res = fit(MODEL_A, d, scheme=scheme)
    assert finite(res) and res.n_used == 5


def test_three_rows_two_predecessors():
    d = three(0, 0.5).iloc[:3]
    with pytest.warns(cm.CsimodelWarning, match=r"Only 3 rows .* 'Z' \(2 predecessors\)"):
        res = fit(MODEL_3, d)
    assert finite(res)
    assert res.r_squared["Z"] == pytest.approx(1.0)  # closed form: 3 points, 2 regressors
    assert np.isnan(res.r_squared_adj["Z"])  # undefined: n - k - 1 = 0


# ------------------------------------------------------------------ scale of the values
@pytest.mark.parametrize("model", [MODEL_A, MODEL_B])
def test_tiny_variance_item_gives_the_standardized_result(seed, model):
    d = make(seed)
    ref = fit(model, d)
    d2 = d.assign(x1=3.0 + 1e-9 * d["x1"])
    res = fit(model, d2)
    np.testing.assert_allclose(res.params["estimate"], ref.params["estimate"], atol=1e-5)


@pytest.mark.parametrize("model", [MODEL_A, MODEL_B])
@pytest.mark.parametrize("offset", [1e6, 1e12])
def test_huge_offsets_give_the_standardized_result(seed, model, offset):
    d = make(seed)
    ref = fit(model, d)
    res = fit(model, d + offset)
    # absolute precision of the data is ~ offset * 2**-52
    np.testing.assert_allclose(
        res.params["estimate"], ref.params["estimate"], atol=max(1e-10, offset * 1e-15)
    )


@pytest.mark.parametrize(
    "factor, fragment", [(1e200, "overflows float64"), (1e-200, "numerically zero")]
)
def test_extreme_magnitudes_raise_naming_items(factor, fragment):
    d = make(0) * factor
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning on the way
        with pytest.raises(cm.DataError, match=rf"'x1', 'x2'.*{fragment}"):
            fit(MODEL_A, d)


def test_constant_item_is_refused_naming_it():
    d = make(0).assign(y2=4.0)
    with pytest.raises(cm.DataError, match=r"'y2' have the same answer"):
        fit(MODEL_A, d)


def test_non_convergence_is_warned_and_finite():
    d = make(0)
    with pytest.warns(cm.ConvergenceWarning, match="did not converge"):
        res = fit(MODEL_B, d, max_iter=1)
    assert not res.converged and finite(res)
