"""res.predict / ScoringModel.predict: one implementation, checked against the in-sample
structural predictions computed by hand from res.scores, and save -> load -> predict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import csimodel as cm


@pytest.fixture(scope="module")
def fit():
    data = cm.datasets.load_ecsi_mobi()
    return cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)), data


def test_predict_fit_data_equals_in_sample_structural_predictions(fit):
    res, data = fit
    m = res.model
    S = res.scores
    P = res.path_coefficients.fillna(0.0)
    exo = [c for c in m.constructs if c not in m.endogenous]
    Yhat = S[exo].copy()
    # by hand: in causal order from the exogenous (earliest) antecedents
    todo = [c for c in m.constructs if c in m.endogenous]
    while todo:
        for c in list(todo):
            preds = list(m.predecessors(c))
            if all(p in Yhat for p in preds):
                Yhat[c] = sum(Yhat[p] * P.loc[p, c] for p in preds)
                todo.remove(c)
    got = res.predict(data)
    endo = [c for c in m.constructs if c in m.endogenous]
    assert list(got.columns) == endo
    np.testing.assert_allclose(got.to_numpy(), Yhat[endo].to_numpy(), rtol=0, atol=1e-12)
    items = res.predict(data, output="items")
    mean, sd = data[list(items.columns)].mean(), data[list(items.columns)].std()
    lam = res.loadings
    for it in items.columns:
        c = next(c for c in endo if it in m.blocks[c])
        exp = mean[it] + sd[it] * lam[(c, it)] * Yhat[c]
        np.testing.assert_allclose(items[it].to_numpy(), exp.to_numpy(), rtol=0, atol=1e-12)


def test_only_exogenous_items_needed(fit):
    res, data = fit
    exo_items = list(res.model.blocks["Image"])
    a = res.predict(data[exo_items])
    b = res.predict(data)
    pd.testing.assert_frame_equal(a, b)


def test_save_load_predict_bit_identical(fit, tmp_path):
    res, data = fit
    path = tmp_path / "m.json"
    res.to_scoring_model().save(path)
    sm = cm.load_model(path)
    for out in ("scores", "items"):
        a, b = res.predict(data, output=out), sm.predict(data, output=out)
        assert np.array_equal(a.to_numpy(), b.to_numpy())
        assert list(a.columns) == list(b.columns)


def test_old_model_file_without_loadings_still_loads(fit, tmp_path):
    """A file written before predict() existed (no 'loadings' key) loads and predicts scores."""
    import hashlib

    res, data = fit
    path = tmp_path / "m.json"
    res.to_scoring_model().save(path)
    doc = json.loads(path.read_text())
    del doc["payload"]["loadings"]
    canon = json.dumps(
        doc["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()
    doc["checksum"]["value"] = hashlib.sha256(canon).hexdigest()
    path.write_text(json.dumps(doc))
    sm = cm.load_model(path)
    assert sm.loadings is None
    assert np.array_equal(sm.predict(data).to_numpy(), res.predict(data).to_numpy())
    with pytest.raises(cm.ModelError, match="Re-save"):
        sm.predict(data, output="items")


def test_missing_exogenous_item_names_it(fit):
    res, data = fit
    with pytest.raises(cm.DataError, match="IMAG3.*exogenous|exogenous.*IMAG3"):
        res.predict(data.drop(columns="IMAG3"))
    with pytest.raises(cm.DataError, match="IMAG3"):
        res.to_scoring_model().predict(data.drop(columns="IMAG3"))


def test_bad_output_and_scale(fit):
    res, data = fit
    with pytest.raises(cm.CsimodelError, match="'output' parameter"):
        res.predict(data, output="indexes")
    bad = data.head(3).copy()
    bad.loc[bad.index[0], "IMAG1"] = 11
    with pytest.raises(cm.DataError, match="IMAG1"):
        res.predict(bad)


def test_arrays_in_model_order(fit):
    res, data = fit
    exo = list(res.model.blocks["Image"])
    a = res.predict(data[exo].to_numpy())
    b = res.predict(data[list(res.model.items)].to_numpy())
    ref = res.predict(data)
    np.testing.assert_array_equal(a.to_numpy(), ref.to_numpy())
    np.testing.assert_array_equal(b.to_numpy(), ref.to_numpy())
    one = res.to_scoring_model().predict(data[exo].to_numpy()[0])
    np.testing.assert_array_equal(one.to_numpy(), ref.to_numpy()[:1])
    with pytest.raises(cm.DataError, match="one column per exogenous item \\(5"):
        res.predict(data[exo].to_numpy()[:, :3])


def test_dicts_and_records_bit_identical_to_frames(fit):
    """The record door of ScoringModel.score serves predict too: same numbers, every form."""
    res, data = fit
    sm = res.to_scoring_model()
    exo = list(res.model.blocks["Image"])
    rows = data[exo].head(4)
    recs = rows.to_dict(orient="records")
    ref = res.predict(rows)
    for fn in (res.predict, sm.predict):
        one = fn(recs[2])
        assert isinstance(one, dict) and all(type(v) is float for v in one.values())
        assert list(one) == list(ref.columns)
        assert np.array_equal(np.array(list(one.values())), ref.to_numpy()[2])
        many = fn(recs)
        assert np.array_equal(many.to_numpy(), ref.to_numpy())
        items = fn(recs[0], output="items")
        assert np.array_equal(
            np.array(list(items.values())), fn(rows, output="items").to_numpy()[0]
        )
    with pytest.raises(cm.DataError, match="IMAG3"):
        sm.predict({k: v for k, v in recs[0].items() if k != "IMAG3"})
    with pytest.raises(cm.DataError, match="IMAG1"):
        sm.predict({**recs[0], "IMAG1": 11})
    with pytest.raises(cm.DataError, match="IMAG2"):
        sm.predict({**recs[0], "IMAG2": None})


def test_predict_json_equals_predict_and_refuses_bad_json():
    import json

    import pytest

    import csimodel as cm

    data = cm.datasets.load_ecsi_mobi()
    sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
    records = data[list(sm.items)].head(4).to_dict("records")
    one = json.loads(sm.predict_json(json.dumps(records[0])))
    assert one == sm.predict(records[0])
    many = json.loads(sm.predict_json(json.dumps(records)))
    assert many == sm.predict(records).to_dict("records")
    with pytest.raises(cm.DataError, match="NaN"):
        sm.predict_json('{"IMAG1": NaN}')


def test_predict_refuses_extension_models_clearly():
    import warnings

    import pytest

    import csimodel as cm

    d = cm.datasets.load_corp_rep()
    inter = """
    CUSA =~ cusa
    SC =~ switch_1 + switch_2 + switch_3 + switch_4
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSL ~ CUSA + SC + CUSA:SC
    """
    hoc = """
    QUAL <~ qual_1 + qual_2 + qual_3
    PERF <~ perf_1 + perf_2 + perf_3
    Q =~ QUAL + PERF
    COMP =~ comp_1 + comp_2 + comp_3
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    COMP ~ Q
    CUSL ~ COMP
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        fits = [
            cm.PLS().fit(inter, d, missing_values=(-99,), scale=(1, 7)),
            cm.PLS(higher_order="two_stage").fit(hoc, d, missing_values=(-99,), scale=(1, 7)),
        ]
    for res in fits:
        with pytest.raises(cm.ModelError, match="interaction terms or higher-order"):
            res.predict(d.head(3))
        with pytest.raises(cm.ModelError, match="interaction terms or higher-order"):
            res.to_scoring_model().predict(d.head(3))


def test_cross_validation_refuses_extension_models():
    import warnings

    import pytest

    import csimodel as cm

    d = cm.datasets.load_corp_rep()
    model = """
    CUSA =~ cusa
    SC =~ switch_1 + switch_2 + switch_3 + switch_4
    CUSL =~ cusl_1 + cusl_2 + cusl_3
    CUSL ~ CUSA + SC + CUSA:SC
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        res = cm.PLS().fit(model, d, missing_values=(-99,), scale=(1, 7))
    for call in (
        lambda: cm.predict_pls(res, folds=5, repeats=1),
        lambda: cm.cvpat(res, folds=5, repeats=1),
        lambda: cm.blindfolding(res, omission_distance=5),
    ):
        with pytest.raises(cm.ModelError, match="leak"):
            call()


def test_predicted_index_from_predicted_items_by_hand():
    """output='index': the predicted answers on 0-100, weighted with the index weights."""
    import numpy as np

    import csimodel as cm

    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    sm = res.to_scoring_model()
    new = data.head(7)
    items = sm.predict(new, output="items")
    got = sm.predict(new, output="index")
    w = dict(zip(sm.items, sm.index_weights, strict=True))
    for c in got.columns:
        block = sm.blocks[c]
        want = sum(w[i] * (items[i] - 1.0) / 9.0 * 100.0 for i in block)
        np.testing.assert_allclose(got[c], np.clip(want, 0, 100), rtol=0, atol=1e-10)
    # one implementation: the fit, the saved model and one respondent as a dict agree
    np.testing.assert_array_equal(res.predict(new, output="index").to_numpy(), got.to_numpy())
    one = sm.predict(new.iloc[0].to_dict(), output="index")
    assert list(one.values()) == got.iloc[0].tolist()
    assert all(0 <= v <= 100 for v in one.values())
