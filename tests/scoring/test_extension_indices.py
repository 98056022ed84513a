"""0-100 indices and IPMA of models with interaction terms and higher-order constructs.

Reference: hand computation from the item-level indices of the lower-order constructs
(``cm.respondent_scores``) and the higher-order construct's outer weights:
:math:`I_H = \\sum_L c_L I_L`, :math:`c_L \\propto v_L / \\mathrm{sd}(I_L)` (1e-10).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import csimodel as cm
from tests.refdata import CORP_HOC_REP, CORP_MODERATION


def _fit(model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        return cm.PLS(**kw).fit(
            model, cm.datasets.load_corp_rep(), missing="mean", missing_values=(-99,), scale=(1, 7)
        )


@pytest.fixture(scope="module")
def hoc():
    return _fit(CORP_HOC_REP)


def test_hoc_index_from_lower_order_indices(hoc):
    per = cm.respondent_scores(hoc, negative_weights="zero")
    v = hoc.outer_weights["REP"]
    c = np.array([v["COMP"] / per["COMP"].std(), v["LIKE"] / per["LIKE"].std()])
    c = c / c.sum()
    expect = per[["COMP", "LIKE"]].to_numpy() @ c
    assert per["REP"].to_numpy() == pytest.approx(expect, abs=1e-10)
    idx = cm.indices(hoc, negative_weights="zero")
    assert idx.loc["all", "REP"] == pytest.approx(expect.mean(), abs=1e-10)
    imp = cm.ipma(hoc, target="CUSL", negative_weights="zero")
    assert imp.table.loc["REP", "performance"] == pytest.approx(expect.mean(), abs=1e-10)


def test_hoc_index_bootstrap_interval_covers(hoc):
    idx = cm.indices(hoc, boot=30, random_state=1, negative_weights="zero")
    row = idx.loc["all"]
    assert row["REP ci_lower"] < row["REP"] < row["REP ci_upper"]


def test_interaction_has_no_index_and_says_so():
    res = _fit(CORP_MODERATION)
    idx = cm.indices(res, negative_weights="zero")
    assert np.isnan(idx.loc["all", "CUSA:SC"])
    assert "no 0-100 index" in idx.attrs["note"]
    per = cm.respondent_scores(res, negative_weights="zero")
    assert idx.loc["all", "SC"] == pytest.approx(per["SC"].mean(), abs=1e-10)
    imp = cm.ipma(res, target="CUSL", negative_weights="zero")
    assert "CUSA:SC" not in imp.table.index
    assert "controls" in imp.table.attrs["note"]
    with pytest.raises(cm.ModelError, match="has no incoming paths"):
        cm.ipma(res, target="CUSA:SC")


def test_repeated_indicators_hoc_has_item_level_index():
    res = _fit(CORP_HOC_REP, higher_order="repeated_indicators")
    idx = cm.indices(res, negative_weights="zero")
    assert 0 < idx.loc["all", "REP"] < 100


@pytest.mark.parametrize("model", [CORP_HOC_REP, CORP_MODERATION], ids=["hoc", "moderation"])
def test_scoring_model_file_round_trip(model, tmp_path):
    res = _fit(model)
    sm = res.to_scoring_model(negative_weights="zero")
    sm.save(tmp_path / "m.json")
    back = cm.load_model(tmp_path / "m.json")
    data = cm.datasets.load_corp_rep().replace(-99, np.nan).dropna()
    got = back.score(data)
    # independent: the fit's own per-respondent scores of the same (complete) rows
    ref = cm.respondent_scores(res, negative_weights="zero").loc[got.index, got.columns]
    assert np.abs(got.to_numpy() - ref.to_numpy()).max() < 1e-10
    assert "CUSA:SC" not in got.columns
    assert ("REP" in got.columns) == (model is CORP_HOC_REP)
    assert back.indices(data)["n"].item() == len(data)
    one = back.score(data[list(back.items)].iloc[0].to_dict())  # one respondent as a dict
    assert list(one) == list(got.columns)
    assert np.allclose(list(one.values()), got.iloc[0].to_numpy(), rtol=0, atol=1e-12)


def test_plain_scoring_files_unchanged(tmp_path):
    # no higher-order construct: no new key, so files of earlier versions keep loading
    import json

    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    res.to_scoring_model().save(tmp_path / "e.json")
    assert "higher_order" not in json.loads((tmp_path / "e.json").read_text())["payload"]
    assert cm.load_model(tmp_path / "e.json").higher_order == {}
