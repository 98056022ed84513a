"""assess(res).model_selection: AIC and BIC against seminr-py's it_criteria (1e-8; reference
tests/data/predict_peers.json, generator tests/data/scripts/make_predict_peers.py); HQ and GM
from OLS regressions of the scores worked in this file (1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
from refdata import load_reference

import csimodel as cm


@pytest.fixture(scope="module")
def res():
    return cm.PLS(tol=1e-12).fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())


def test_aic_bic_equal_seminr(res):
    ref = load_reference("predict_peers.json")["it_criteria_ecsi"]
    ms = cm.assess(res).model_selection
    for c, aic, bic in zip(ref["constructs"], ref["AIC"], ref["BIC"], strict=True):
        assert ms.loc[c, "aic"] == pytest.approx(aic, abs=1e-8)
        assert ms.loc[c, "bic"] == pytest.approx(bic, abs=1e-8)


def _sse(y, X):
    A = np.column_stack([np.ones(len(y)), X])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.sum((y - A @ coef) ** 2))


def test_hq_gm_by_hand(res):
    ms = cm.assess(res).model_selection
    S = res.scores
    n = len(S)
    m = res.model
    # descendants by hand: Satisfaction -> Complaints, Loyalty; Complaints -> Loyalty ...
    desc = {
        "Expectation": {"Quality", "Value", "Satisfaction", "Complaints", "Loyalty"},
        "Quality": {"Value", "Satisfaction", "Complaints", "Loyalty"},
        "Value": {"Satisfaction", "Complaints", "Loyalty"},
        "Satisfaction": {"Complaints", "Loyalty"},
        "Complaints": {"Loyalty"},
        "Loyalty": set(),
    }
    for c in ms.index:
        preds = list(m.predecessors(c))
        k = len(preds) + 1
        sse = _sse(S[c].to_numpy(), S[preds].to_numpy())
        sat = [o for o in m.constructs if o != c and o not in desc[c]]
        s2 = _sse(S[c].to_numpy(), S[sat].to_numpy()) / (n - len(sat) - 1)
        assert ms.loc[c, "sse"] == pytest.approx(sse, rel=1e-10)
        assert ms.loc[c, "hq"] == pytest.approx(
            n * np.log(sse / n) + 2 * k * np.log(np.log(n)), abs=1e-9
        )
        assert ms.loc[c, "gm"] == pytest.approx(sse / s2 + k * np.log(n), abs=1e-9)
        assert ms.loc[c, "k"] == k


def test_in_assess_summary(res):
    text = cm.assess(res).summary().as_text()
    assert "Model selection criteria" in text
