"""Property-based tests (hypothesis) on random valid models and data.

Invariants checked on every drawn case (model and data from ``robustgen.random_case``):

* batched = single: the fit's estimates equal the same covariance matrix estimated inside a
  batch of other matrices (exact up to 1e-12);
* the result does not depend on column order, row order, or on unrelated extra columns
  (numeric, text, all-NaN), tolerance 1e-9 (different floating-point summation order);
* every input row is accounted for: ``n_used + len(excluded) == n_total``, excluded rows are
  distinct, and ``listwise`` drops exactly the rows with a missing answer (or a zero weight);
* a fit that returns without error has no NaN/inf anywhere in its reported tables.

The number of examples per test is ``CSIMODEL_HYPOTHESIS_EXAMPLES`` (default 25).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustgen import random_case

import csimodel as cm
from csimodel.estimators.base import flatten_params
from csimodel.moments import MomentBuilder, covariance

N_EXAMPLES = int(os.environ.get("CSIMODEL_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CSIMODEL_HYPOTHESIS_RANDOM") is None,
)

seeds = st.integers(0, 2**32 - 1)
schemes = st.sampled_from(["centroid", "factorial", "path"])
policies = st.sampled_from(["listwise", "mean"])


def fit(case, data=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        return cm.PLS(scheme=case.scheme, **kw).fit(
            case.syntax,
            case.data if data is None else data,
            missing=case.missing,
            weights=case.weights,
        )


def all_finite(res) -> bool:
    tables = [
        res.params["estimate"],
        res.path_coefficients.to_numpy()[res.model.path_matrix() == 1],  # NaN = no path
        res.outer_weights,
        res.loadings,
        res.cross_loadings,
        res.construct_correlations,
        res.r_squared,
        res.effects[["direct", "indirect", "total"]],
        res.scores,
    ]
    return all(np.all(np.isfinite(np.asarray(t, dtype=float))) for t in tables)


def estimates(res) -> np.ndarray:
    return res.params["estimate"].to_numpy()


@SETTINGS
@given(seed=seeds, scheme=schemes, policy=policies, weighted=st.booleans(), holes=st.booleans())
def test_fit_is_finite_and_accounts_for_every_row(seed, scheme, policy, weighted, holes):
    case = random_case(seed, scheme=scheme, missing=policy, weighted=weighted, missing_cells=holes)
    res = fit(case)
    assert all_finite(res)
    assert res.n_total == len(case.data)
    assert res.n_used + len(res.excluded) == res.n_total
    assert not res.excluded["row"].duplicated().any()
    item_nan = case.data[list(case.items)].isna().any(axis=1).to_numpy()
    zero_w = (case.data["w"] == 0).to_numpy() if weighted else np.zeros(len(case.data), bool)
    if policy == "listwise":
        assert res.n_used == int((~item_nan & ~zero_w).sum())
        assert len(res.imputed) == 0
    else:  # mean imputation keeps every row with a positive weight, records each cell
        assert res.n_used == int((~zero_w).sum())
        assert len(res.imputed) == int(case.data.loc[~zero_w, list(case.items)].isna().sum().sum())
    assert res.scores.shape == (res.n_used, len(case.constructs))
    assert list(res.scores.index) == list(res.data.row_labels)


@SETTINGS
@given(seed=seeds, scheme=schemes, weighted=st.booleans())
def test_batched_equals_single(seed, scheme, weighted):
    case = random_case(seed, scheme=scheme, weighted=weighted)
    res = fit(case)
    S = res.cov
    rng = np.random.default_rng(seed)
    X = res.data.X
    # a batch: the fit's matrix between two resamples' matrices
    F = np.stack([rng.multinomial(len(X), np.full(len(X), 1 / len(X))) for _ in range(2)])
    _, S_boot = MomentBuilder(X, res.data.weights).moments(F)
    batch = np.stack([S_boot[0], S, S_boot[1]])
    est = res.estimator.estimate(batch, res.model)
    single = flatten_params(res.arrays, res.model)[0]
    batched = flatten_params(est, res.model)[1]
    np.testing.assert_allclose(batched, single, rtol=0, atol=1e-12)
    # moments of the all-ones pattern equal the direct covariance
    _, S_one = MomentBuilder(X, res.data.weights).moments(np.ones((1, len(X))))
    _, S_direct = covariance(X, res.data.weights)
    np.testing.assert_allclose(S_one[0], S_direct, rtol=1e-9, atol=1e-9 * np.abs(S_direct).max())


@SETTINGS
@given(seed=seeds, scheme=schemes, policy=policies, holes=st.booleans(), weighted=st.booleans())
def test_independent_of_column_and_row_order(seed, scheme, policy, holes, weighted):
    case = random_case(seed, scheme=scheme, missing=policy, missing_cells=holes, weighted=weighted)
    res = fit(case)
    rng = np.random.default_rng(seed + 1)
    shuffled_cols = case.data[list(rng.permutation(case.data.columns))]
    res_c = fit(case, shuffled_cols)
    np.testing.assert_allclose(estimates(res_c), estimates(res), rtol=1e-9, atol=1e-9)
    assert (res_c.n_used, len(res_c.excluded)) == (res.n_used, len(res.excluded))
    shuffled_rows = case.data.iloc[rng.permutation(len(case.data))]
    res_r = fit(case, shuffled_rows)
    np.testing.assert_allclose(estimates(res_r), estimates(res), rtol=1e-8, atol=1e-8)
    assert sorted(res_r.excluded["row"]) == sorted(res.excluded["row"])
    # scores follow their respondent
    pd.testing.assert_frame_equal(
        res_r.scores.sort_index(), res.scores.sort_index(), rtol=1e-8, atol=1e-8
    )


@SETTINGS
@given(seed=seeds, scheme=schemes, policy=policies, holes=st.booleans())
def test_unrelated_extra_columns_change_nothing(seed, scheme, policy, holes):
    case = random_case(seed, scheme=scheme, missing=policy, missing_cells=holes)
    res = fit(case)
    n = len(case.data)
    rng = np.random.default_rng(seed + 2)
    extra = case.data.assign(
        noise=rng.normal(size=n),
        text=rng.choice(["a", "b", "", None], size=n),
        all_nan=np.nan,
        mixed=pd.Series([1, "x", None, 2.5] * n, dtype=object)[:n].to_numpy(),
        nullable=pd.array([pd.NA] * n, dtype="Int64"),
        when=pd.Timestamp("2024-01-01"),
    )
    res_x = fit(case, extra)
    np.testing.assert_array_equal(estimates(res_x), estimates(res))
    assert res_x.n_used == res.n_used and len(res_x.excluded) == len(res.excluded)


@pytest.mark.parametrize("seed", [0, 7, 42])
def test_fitting_twice_is_identical_and_leaves_input_untouched(seed):
    case = random_case(seed, missing="mean", missing_cells=True, weighted=True)
    before = case.data.copy(deep=True)
    a, b = fit(case), fit(case)
    np.testing.assert_array_equal(estimates(a), estimates(b))
    pd.testing.assert_frame_equal(case.data, before)
