"""ScoringModel: immutability, the data door on new data, thread safety, bit-identity."""

import threading
import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm


@pytest.fixture(scope="module")
def fitted():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    return data, res, res.to_scoring_model()


def test_contents(fitted):
    data, res, sm = fitted
    assert sm.items == res.model.items
    assert sm.constructs == res.model.constructs
    assert sm.model_syntax == res.model.syntax
    assert sm.csimodel_version == cm.__version__
    np.testing.assert_array_equal(sm.item_means, data[list(sm.items)].mean().to_numpy())
    np.testing.assert_allclose(sm.item_sds, data[list(sm.items)].std(ddof=1).to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(sm.scale_low, 1.0)
    np.testing.assert_array_equal(sm.scale_high, 10.0)
    pc = res.path_coefficients
    for a, b, v in sm.paths:
        assert v == pc.loc[a, b]
    assert sm.data_summary["n_used"] == 250 and sm.data_summary["n_total"] == 250
    pd.testing.assert_series_equal(sm.index_weight_table, cm.scoring.index_weights(res))
    assert "Index weights" in sm.summary().as_text()


def test_immutable(fitted):
    _, _, sm = fitted
    with pytest.raises(AttributeError):
        sm.items = ("x",)
    for name in ("index_weights", "scale_low", "scale_high", "item_means", "item_sds"):
        arr = getattr(sm, name)
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr[0] = 0.0
    with pytest.raises(TypeError):
        sm.blocks["Image"] = ("x",)


def test_score_equals_respondent_scores_bitwise(fitted):
    data, res, sm = fitted
    a = sm.score(data)
    b = cm.respondent_scores(res)
    assert a.index.equals(b.index) and list(a.columns) == list(b.columns)
    assert np.array_equal(a.to_numpy(), b.to_numpy())
    # and the segment table of the model equals the fit's
    pd.testing.assert_frame_equal(sm.indices(data), cm.indices(res))


def test_single_and_constant_respondents(fitted):
    data, res, sm = fitted
    one = sm.score(data.iloc[[4]])
    assert np.array_equal(one.to_numpy(), cm.respondent_scores(res).iloc[[4]].to_numpy())
    same = pd.concat([data.iloc[[4]]] * 3)
    assert sm.score(same).shape == (3, 7)


def test_data_door_errors(fitted):
    data, _, sm = fitted
    bad = data.head(5).copy()
    bad.loc[2, "CUSA2"] = 11
    with pytest.raises(cm.DataError, match="CUSA2"):
        sm.score(bad)
    with pytest.raises(cm.DataError, match="PERQ3"):
        sm.score(data.drop(columns="PERQ3"))
    miss = data.head(5).copy()
    miss.loc[1, "IMAG1"] = np.nan
    with pytest.raises(cm.DataError, match="IMAG1"):
        sm.score(miss, missing="error")
    with pytest.warns(cm.DataWarning):
        out = sm.score(miss)
    assert list(out.index) == [0, 2, 3, 4]
    coded = data.head(5).copy()
    coded.loc[1, "IMAG1"] = -99
    with pytest.warns(cm.DataWarning):
        assert len(sm.score(coded, missing_values=(-99,))) == 4
    with pytest.raises(cm.CsimodelError, match="missing"):
        sm.score(data, missing="mean")


def test_indices_by_new_data(fitted):
    data, res, sm = fitted
    new = data.assign(company=np.where(np.arange(len(data)) < 100, "A", "B"))
    idx = sm.indices(new, by="company")
    s = sm.score(new)
    for g, rows in (("A", slice(0, 100)), ("B", slice(100, 250))):
        np.testing.assert_allclose(
            idx.loc[g, list(sm.constructs)].to_numpy(float),
            s.iloc[rows].mean().to_numpy(),
            atol=1e-10,
        )
    assert idx["n"].tolist() == [100, 150]


def test_concurrent_scoring_equals_sequential(fitted):
    data, _, sm = fitted
    rng = np.random.default_rng(0)
    chunks = [
        data.sample(200, replace=True, random_state=k).reset_index(drop=True) for k in range(16)
    ]
    chunks = [c.assign(IMAG1=rng.integers(1, 11, len(c))) for c in chunks]
    seq = [sm.score(c) for c in chunks]
    out: list = [None] * len(chunks)
    barrier = threading.Barrier(8)

    def work(t):
        barrier.wait()
        for k in range(t, len(chunks), 8):
            out[k] = sm.score(chunks[k])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    for a, b in zip(seq, out, strict=True):
        assert np.array_equal(a.to_numpy(), b.to_numpy())


def test_direct_construction_is_validated(fitted):
    _, _, sm = fitted
    from dataclasses import fields

    base = {f.name: getattr(sm, f.name) for f in fields(sm) if f.init}
    bad_w = np.array(sm.index_weights)
    bad_w[0] += 0.1
    bad_sd = np.array(sm.item_sds)
    bad_sd[3] = 0.0
    bad_lo = np.array(sm.scale_low)
    bad_lo[2] = 10.0
    for change in (
        {"index_weights": bad_w},
        {"item_sds": bad_sd},
        {"scale_low": bad_lo},
        {"items": sm.items[::-1]},
        {"outer_weights": np.full(len(sm.items), np.nan)},
    ):
        with pytest.raises(cm.ModelError):
            cm.ScoringModel(**{**base, **change})
    assert cm.ScoringModel(**base).items == sm.items
