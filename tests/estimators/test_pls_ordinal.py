"""Ordinal PLS/PLSc (``fit(..., ordered=True)``): the plain engine on the polychoric item
correlations (Schuberth, Henseler & Dijkstra 2018).

The polychoric matrix itself is checked against lavaan's ``lavCor`` in
``test_cbsem_wlsmv.py``; here the fit must equal the engine fed that matrix (1e-12).
"""

from __future__ import annotations

import numpy as np
import pytest
from refdata import load_reference, ordinal_satisfaction, satisfaction_model

import csimodel as cm


@pytest.mark.parametrize("est", [cm.PLS(), cm.PLSc()])
def test_ordinal_pls_is_engine_on_polychoric_matrix(est):
    data = ordinal_satisfaction()
    model = satisfaction_model()
    res = est.fit(model, data, ordered=True)
    ref = load_reference("lavaan_robust.json")["lavcor"]
    order = [ref["vars"].index(i) for i in model.items]
    R = np.array(ref["matrix"])[np.ix_(order, order)]
    direct = est.estimate(R[None], model)
    np.testing.assert_allclose(res.arrays.weights, direct.weights, atol=2e-6)
    # exactly the engine on the matrix the fit used (its correlation)
    C = res.cov
    sd = np.sqrt(np.diag(C))
    same = est.estimate((C / np.outer(sd, sd))[None], model)
    np.testing.assert_allclose(res.arrays.paths, same.paths, atol=1e-12)
    np.testing.assert_allclose(res.arrays.weights, same.weights, atol=1e-12)
    # scores stay on the items' own scale (standardized composites of the codes)
    assert res.scores.shape == (250, len(model.constructs))


def test_ordinal_pls_differs_from_pearson_and_checks_items():
    data = ordinal_satisfaction()
    model = satisfaction_model()
    plain = cm.PLS().fit(model, data)
    ordinal = cm.PLS().fit(model, data, ordered=True)
    assert not np.allclose(plain.arrays.paths, ordinal.arrays.paths)
    with pytest.raises(cm.CsimodelError, match="every model item"):
        cm.PLS().fit(model, data, ordered=["imag1"])
    with pytest.raises(cm.CsimodelError, match="unweighted"):
        cm.PLS().fit(model, data, ordered=True, weights=np.ones(250))
