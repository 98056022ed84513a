"""Model files: save -> load -> score bit-identical; tampered or hostile files refused.

The checksum helper below recomputes the documented canonical form independently
(sha256 of json.dumps(payload, sort_keys=True, separators=(',', ':'), ensure_ascii=True)).
"""

import hashlib
import json
import pickle

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

SAT = """
    IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
    SAT  =~ sat1 + sat2 + sat3 + sat4
    LOY  =~ loy1 + loy2 + loy3 + loy4
    SAT ~ IMAG
    LOY ~ IMAG + SAT
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    path = tmp_path_factory.mktemp("m") / "model.json"
    res.to_scoring_model().save(path)
    return data, res, path


def _checksum(payload):
    canon = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canon.encode()).hexdigest()


def _rewrite(src, dst, fn, rehash=True):
    doc = json.loads(src.read_text())
    fn(doc)
    if rehash:
        doc["checksum"]["value"] = _checksum(doc["payload"])
    dst.write_text(json.dumps(doc))
    return dst


def test_roundtrip_bit_identical(saved):
    data, res, path = saved
    sm = cm.load_model(path)
    assert np.array_equal(sm.score(data).to_numpy(), cm.respondent_scores(res).to_numpy())
    orig = res.to_scoring_model()
    for name in (
        "index_weights",
        "outer_weights",
        "scale_low",
        "scale_high",
        "item_means",
        "item_sds",
    ):
        assert np.array_equal(getattr(sm, name), getattr(orig, name))
    assert sm.paths == orig.paths and sm.blocks == orig.blocks
    assert dict(sm.data_summary) == dict(orig.data_summary)
    assert not sm.index_weights.flags.writeable
    doc = json.loads(path.read_text())
    assert doc["schema"] == "csimodel.scoring_model" and doc["schema_version"] == 1
    assert doc["checksum"]["value"] == _checksum(doc["payload"])
    assert doc["payload"]["csimodel_version"] == cm.__version__


@pytest.mark.parametrize("scale", [(0, 10), {"imag1": (0, 10), "sat1": (0, 12)}])
def test_roundtrip_satisfaction_mixed(tmp_path, scale):
    data = cm.datasets.load_satisfaction()
    if isinstance(scale, dict):
        items = cm.Model(SAT).items
        scale = {i: scale.get(i, (0, 10)) for i in items}
    res = cm.PLS().fit(SAT, data, scale=scale)
    res.to_scoring_model().save(tmp_path / "m.json")
    sm = cm.load_model(tmp_path / "m.json")
    assert np.array_equal(sm.score(data).to_numpy(), cm.respondent_scores(res).to_numpy())


def test_changed_weight_without_checksum(saved, tmp_path):
    _, _, path = saved

    def bump(doc):
        doc["payload"]["index_weights"][0] += 0.01
        doc["payload"]["index_weights"][1] -= 0.01

    p = _rewrite(path, tmp_path / "t.json", bump, rehash=False)
    with pytest.raises(cm.ModelFileError, match="checksum"):
        cm.load_model(p)
    # a textual edit of the file (same structure) is refused as well
    text = path.read_text()
    doc = json.loads(text)
    w0 = doc["payload"]["item_means"][0]
    edited = text.replace(repr(w0), repr(w0 + 1), 1)
    assert edited != text
    (tmp_path / "e.json").write_text(edited)
    with pytest.raises(cm.ModelFileError, match="checksum"):
        cm.load_model(tmp_path / "e.json")


def test_wrong_version_and_schema(saved, tmp_path):
    _, _, path = saved
    p = _rewrite(path, tmp_path / "v.json", lambda d: d.update(schema_version=2))
    with pytest.raises(cm.ModelFileError, match="version 2"):
        cm.load_model(p)
    p = _rewrite(path, tmp_path / "s.json", lambda d: d.update(schema="other"))
    with pytest.raises(cm.ModelFileError, match="schema"):
        cm.load_model(p)


def test_unknown_and_missing_keys(saved, tmp_path):
    _, _, path = saved
    p = _rewrite(path, tmp_path / "u.json", lambda d: d["payload"].update(code="import os"))
    with pytest.raises(cm.ModelFileError, match="unknown key"):
        cm.load_model(p)
    p = _rewrite(path, tmp_path / "u2.json", lambda d: d.update(extra=1))
    with pytest.raises(cm.ModelFileError, match="unknown key"):
        cm.load_model(p)
    p = _rewrite(path, tmp_path / "m.json", lambda d: d["payload"].pop("item_sds"))
    with pytest.raises(cm.ModelFileError, match="missing key"):
        cm.load_model(p)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "1" * 400])
def test_non_finite_and_huge_numbers(saved, tmp_path, literal):
    _, _, path = saved
    doc = json.loads(path.read_text())
    doc["payload"]["item_means"][0] = "@@"
    text = json.dumps(doc).replace('"@@"', literal)
    (tmp_path / "n.json").write_text(text)
    with pytest.raises(cm.ModelFileError):
        cm.load_model(tmp_path / "n.json")


def test_wrong_types_duplicates_inconsistent(saved, tmp_path):
    _, _, path = saved
    cases = [
        lambda d: d["payload"].update(standardized="yes"),
        lambda d: d["payload"]["item_sds"].__setitem__(0, "1.0"),
        lambda d: d["payload"]["items"].__setitem__(1, d["payload"]["items"][0]),
        lambda d: d["payload"]["scale_low"].pop(),
        lambda d: d["payload"]["item_sds"].__setitem__(0, -1.0),
        lambda d: d["payload"]["index_weights"].__setitem__(0, 5.0),
        lambda d: d["payload"].update(model_syntax="A =~ x"),
        lambda d: d["payload"]["paths"].append(["Image", "Nowhere", 0.1]),
        lambda d: d["payload"]["data_summary"].update(n_used=-1),
    ]
    for k, fn in enumerate(cases):
        p = _rewrite(path, tmp_path / f"w{k}.json", fn)
        with pytest.raises(cm.ModelFileError):
            cm.load_model(p)


def test_pickle_binary_huge_deep(saved, tmp_path):
    _, res, _ = saved
    p = tmp_path / "p.json"
    p.write_bytes(pickle.dumps({"payload": [1, 2, 3]}))
    with pytest.raises(cm.ModelFileError):
        cm.load_model(p)
    p.write_bytes(pickle.dumps(pd.DataFrame({"a": [1]}), protocol=0))
    with pytest.raises(cm.ModelFileError):
        cm.load_model(p)
    big = tmp_path / "big.json"
    with open(big, "w") as fh:
        fh.write("{" + " " * (9 * 1024 * 1024) + "}")
    with pytest.raises(cm.ModelFileError, match="larger than"):
        cm.load_model(big)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(cm.ModelFileError, match="deeper"):
        cm.load_model(deep)
    for text in ("", "[]", '"x"', '{"schema": 1}', "{bad json"):
        (tmp_path / "x.json").write_text(text)
        with pytest.raises(cm.ModelFileError):
            cm.load_model(tmp_path / "x.json")
    with pytest.raises(cm.ModelFileError, match="Cannot read"):
        cm.load_model(tmp_path / "absent.json")
