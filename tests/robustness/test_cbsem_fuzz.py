"""Fuzz/property tests for CB-SEM inputs (ML, MLR, WLSMV) on random valid models and data.

Every drawn case (``robustgen.random_case`` with all blocks reflective) either raises a
csimodel error (``CsimodelError``: e.g. an unidentified model, an item with an empty
category) or returns finite estimates and fit indices; csimodel warnings (improper
solution, non-convergence) are allowed. Invariant: MLR's estimates equal ML's.
The number of examples is ``CSIMODEL_HYPOTHESIS_EXAMPLES`` (default 25) divided by 3.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustgen import random_case

import csimodel as cm

N_EXAMPLES = max(3, int(os.environ.get("CSIMODEL_HYPOTHESIS_EXAMPLES", "25")) // 3)
SETTINGS = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CSIMODEL_HYPOTHESIS_RANDOM") is None,
)
seeds = st.integers(0, 2**32 - 1)


def _reflective(case):
    return case.syntax.replace("<~", "=~")


def _fit(est, syntax, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        try:
            return cm.CBSEM(est).fit(syntax, data, **kw)
        except cm.CsimodelError:
            return None


def _finite(res) -> bool:
    est = res.params.loc[res.params["free"].astype(bool), "estimate"].to_numpy(float)
    keys = ["chisq", "df", "cfi", "rmsea", "srmr"]
    return bool(np.all(np.isfinite(est)) and np.all(np.isfinite(res.fit_indices[keys])))


@SETTINGS
@given(seed=seeds, missing_cells=st.booleans())
def test_ml_and_mlr_random_models(seed, missing_cells):
    case = random_case(seed, missing_cells=missing_cells)
    data = case.data.drop(columns=[c for c in ("w",) if c in case.data])
    ml = _fit("ML", _reflective(case), data)
    mlr = _fit("MLR", _reflective(case), data)
    assert (ml is None) == (mlr is None)
    if ml is None:
        return
    assert _finite(ml) and _finite(mlr)
    if ml.converged and mlr.converged:
        np.testing.assert_allclose(
            mlr.params["estimate"], ml.params["estimate"], rtol=1e-4, atol=1e-4
        )
    for k in ("chisq_scaled", "scaling_factor"):
        v = mlr.fit_indices[k]
        assert np.isnan(v) or (np.isfinite(v) and v >= 0)


@SETTINGS
@given(seed=seeds)
def test_wlsmv_random_models(seed):
    case = random_case(seed, likert=True)
    # five categories from the 1-10 answers; items may end up with empty categories
    data = (case.data[list(case.items)].clip(3, 7) - 2).astype(int)
    res = _fit("WLSMV", _reflective(case), data, ordered=True)
    if res is None:
        return
    assert _finite(res)
    th = res.params[res.params["op"] == "|"]
    assert np.all(np.isfinite(th["estimate"]))
    for item, t in th.groupby("lhs")["estimate"]:
        assert np.all(np.diff(t.to_numpy()) > 0), item
    R = res.polychoric.to_numpy()
    assert np.allclose(np.diag(R), 1.0) and np.all(np.abs(R) <= 1.0)


@pytest.mark.parametrize("bad", ["text", "nan_column"])
def test_cbsem_hostile_values_raise_csimodel_errors(bad):
    case = random_case(5, n_constructs=2)
    data = case.data.copy()
    col = case.items[0]
    data[col] = data[col].astype(object)
    if bad == "text":
        data.loc[data.index[0], col] = "n/a"
    else:
        data[col] = np.nan
    for est in ("ML", "MLR", "WLSMV"):
        with pytest.raises(cm.CsimodelError):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", cm.CsimodelWarning)
                cm.CBSEM(est).fit(_reflective(case), data)
