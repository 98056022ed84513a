"""FIMIX-PLS on awkward input: exact fits, non-finite scores, tiny samples, row order."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fimix_sim import simulate
from refdata import satisfaction_model

import csimodel as cm


def fake_result(scores: pd.DataFrame, syntax: str):
    """Just the public attributes fimix reads: model and scores (no data door behind it)."""
    return SimpleNamespace(model=cm.Model(syntax), scores=scores, data=None)


SYNTAX = "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"


def test_exactly_fitting_equation_is_an_estimation_error():
    x = np.random.default_rng(0).standard_normal(50)
    res = fake_result(pd.DataFrame({"A": x, "B": 0.5 * x}), SYNTAX)
    with pytest.raises(cm.EstimationError, match="fitted its members exactly"):
        cm.fimix(res, k=1)


def test_non_finite_scores_are_a_data_error():
    s = pd.DataFrame({"A": [0.1, np.nan, 0.3, 0.5], "B": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(cm.DataError, match="A are not finite"):
        cm.fimix(fake_result(s, SYNTAX), k=1)


def test_too_few_respondents_for_two_segments():
    s = pd.DataFrame({"A": [0.1, 0.2, 0.3], "B": [1.0, 0.5, 0.2]})
    with pytest.raises(cm.DataError, match="k=2 segments needs at least 4 used respondents"):
        cm.fimix(fake_result(s, SYNTAX), k=2)


def test_two_segments_on_a_single_path_model():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(400)
    slope = np.where(np.arange(400) < 250, 0.9, -0.6)
    y = slope * x + 0.3 * rng.standard_normal(400)
    fx = cm.fimix(fake_result(pd.DataFrame({"A": x, "B": y}), SYNTAX), k=2, random_state=0)
    est = fx.params.set_index("segment")["estimate"]
    assert est[1] == pytest.approx(0.9, abs=0.08) and est[2] == pytest.approx(-0.6, abs=0.08)
    np.testing.assert_allclose(fx.sizes, [0.625, 0.375], atol=0.05)


def test_row_order_does_not_change_the_optimum():
    d = simulate((400, 200), seed=2)
    a = cm.fimix(cm.PLS().fit(satisfaction_model(), d), k=2, starts=10, random_state=0)
    shuffled = d.iloc[np.random.default_rng(9).permutation(len(d))]
    b = cm.fimix(cm.PLS().fit(satisfaction_model(), shuffled), k=2, starts=10, random_state=0)
    assert a.criteria["lnl"] == pytest.approx(b.criteria["lnl"], rel=1e-9)
    np.testing.assert_allclose(a.params["estimate"], b.params["estimate"], atol=1e-5)
    pd.testing.assert_series_equal(a.membership.sort_index(), b.membership.sort_index())
