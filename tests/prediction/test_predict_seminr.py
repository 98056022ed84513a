"""PLSpredict against seminr-py's ``predict_pls`` given the same folds.

Reference: tests/data/predict_peers.json, written by tests/data/scripts/make_predict_peers.py
(seminr-py 0.2.1, ``estimate_pls(..., inner_weights=path_weighting, max_it=10000,
stop_criterion=14)``; ``predict_pls(model, technique=predict_DA|predict_EA, no_folds=10,
ordering=perm)``). seminr's LM benchmark uses the direct antecedents' items under DA and the
exogenous items under EA. Tolerance 1e-8 for item, LM and construct-score predictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from refdata import load_reference

import csimodel as cm

REF = load_reference("predict_peers.json")
TOL = 1e-8


def _case(name):
    case = REF["cases"][name]
    lines = [
        f"{c} {'<~' if case['modes'][c] == 'B' else '=~'} {' + '.join(items)}"
        for c, items in case["blocks"].items()
    ]
    lines += [f"{b} ~ {a}" for a, b in case["paths"]]
    model = cm.Model("\n".join(lines))
    if name == "corp_rep":
        d = cm.datasets.load_corp_rep()
        keep = (d[["cusa", "cusl_1", "cusl_2", "cusl_3"]] != -99).all(axis=1)
        d = d[keep].reset_index(drop=True)
    else:
        d = cm.datasets.load_ecsi_mobi()
    return model, d, case


@pytest.mark.parametrize("name", ["corp_rep", "ecsi_mixed"])
@pytest.mark.parametrize("technique", ["direct", "earliest"])
def test_equals_seminr_predict_pls(name, technique):
    model, data, case = _case(name)
    res = cm.PLS(tol=1e-12, max_iter=1000).fit(model, data)
    lm = "direct" if technique == "direct" else "exogenous"
    pp = cm.predict_pls(
        res, folds=case["fold_labels"], repeats=1, technique=technique, lm_predictors=lm
    )
    ref = case[technique]
    pls = pd.DataFrame(ref["pls_out_of_sample"], columns=ref["items"])
    lmr = pd.DataFrame(ref["lm_out_of_sample"], columns=ref["items"])
    cols = list(pp.predictions.columns)
    assert sorted(cols) == sorted(ref["items"])
    np.testing.assert_allclose(pp.predictions.to_numpy(), pls[cols].to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(pp.lm_predictions.to_numpy(), lmr[cols].to_numpy(), rtol=0, atol=TOL)
    comp = pd.DataFrame(ref["composite_out_of_sample"], columns=ref["constructs"])
    endo = list(pp.construct_predictions.columns)
    np.testing.assert_allclose(
        pp.construct_predictions.to_numpy(), comp[endo].to_numpy(), rtol=0, atol=TOL
    )
