"""ScoringModel on dicts, records, arrays and JSON: the frame path's numbers, bit for bit.

Reference for the numbers: the ACSI formula computed by hand in :func:`hand_scores`
(score_j = 100 (sum w x - sum w l) / (sum w (u - l)), from the stored index weights and
scales; tolerance 1e-12 absolute on the 0-100 scale). Between input forms the scores must
be *identical* (compared as float64 bit patterns); the frame path is the data door
(``csimodel.data.prepare``) that the rest of the suite tests.
"""

from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refdata import SATISFACTION_MODEL

import csimodel as cm

CORP_REP = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL
LIKE ~ QUAL
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


def _ecsi_mixed_scale():
    data = cm.datasets.load_ecsi_mobi()
    items = list(cm.models.ecsi().items)
    ends = [(1, 10), (0, 10), (-5, 12), (1, 11.5)]
    scale = {it: ends[k % 4] for k, it in enumerate(items)}
    return cm.PLS().fit(cm.models.ecsi(), data, scale=scale), data, ()


CASES = ["ecsi", "ecsi_unstandardized", "ecsi_mixed_scale", "corp_rep", "satisfaction"]


@functools.cache
def _cases():
    ecsi = cm.datasets.load_ecsi_mobi()
    corp = cm.datasets.load_corp_rep()
    sat = cm.datasets.load_satisfaction()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        return {
            "ecsi": (cm.PLS().fit(cm.models.ecsi(), ecsi, scale=(1, 10)), ecsi, ()),
            "ecsi_unstandardized": (
                cm.PLS(standardize=False).fit(cm.models.ecsi(), ecsi, scale=(1, 10)),
                ecsi,
                (),
            ),
            "ecsi_mixed_scale": _ecsi_mixed_scale(),
            "corp_rep": (
                cm.PLS().fit(CORP_REP, corp, scale=(1, 7), missing="mean", missing_values=(-99,)),
                corp,
                (-99,),
            ),
            "satisfaction": (cm.PLS().fit(SATISFACTION_MODEL, sat, scale=(0, 10)), sat, ()),
        }


@pytest.fixture(scope="module", params=CASES)
def case(request, tmp_path_factory):
    """(loaded scoring model from a saved file, data, missing_values)."""
    res, data, codes = _cases()[request.param]
    path = tmp_path_factory.mktemp("m") / f"{request.param}.json"
    res.to_scoring_model(negative_weights="zero").save(path)
    return cm.load_model(path), data, codes


def bits(a) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.float64)).view(np.uint64)


def hand_scores(sm, X: np.ndarray) -> np.ndarray:
    out = []
    for c in sm.constructs:
        k = [sm.items.index(i) for i in sm.blocks[c]]
        w, lo, hi = sm.index_weights[k], sm.scale_low[k], sm.scale_high[k]
        out.append(100 * (X[:, k] @ w - w @ lo) / (w @ (hi - lo)))
    return np.column_stack(out)


def complete_rows(sm, data, codes):
    X = data[list(sm.items)]
    ok = X.notna().all(axis=1) & ~X.isin(list(codes)).any(axis=1)
    return data[ok]


def test_every_input_form_gives_the_frame_numbers_bit_for_bit(case):
    sm, data, codes = case
    data = complete_rows(sm, data, codes).head(60)
    items = list(sm.items)
    frame = sm.score(data, missing_values=codes)
    ref = bits(frame.to_numpy())
    np.testing.assert_allclose(
        frame.to_numpy(), hand_scores(sm, data[items].to_numpy(float)), rtol=0, atol=1e-12
    )

    records = data.to_dict("records")  # extra columns (segments) are ignored
    by_records = sm.score(records, missing_values=codes)
    assert np.array_equal(bits(by_records.to_numpy()), ref)
    assert by_records.index.equals(pd.RangeIndex(len(data)))
    assert list(by_records.columns) == list(sm.constructs)

    one = [sm.score(r, missing_values=codes) for r in records]
    assert all(type(d) is dict and list(d) == list(sm.constructs) for d in one)
    assert all(type(v) is float for d in one for v in d.values())
    assert np.array_equal(bits([list(d.values()) for d in one]), ref)

    arr = sm.score(data[items].to_numpy(), missing_values=codes)
    assert np.array_equal(bits(arr.to_numpy()), ref)
    ints = sm.score(data[items].to_numpy().astype(np.int16), missing_values=codes)
    assert np.array_equal(bits(ints.to_numpy()), ref)

    text = json.dumps(records)
    back = json.loads(sm.score_json(text, missing_values=codes))
    assert np.array_equal(bits([list(d.values()) for d in back]), ref)
    single = [json.loads(sm.score_json(json.dumps(r), missing_values=codes)) for r in records[:5]]
    assert np.array_equal(bits([list(d.values()) for d in single]), ref[:5])


def test_indices_of_records_equal_the_frame(case):
    sm, data, codes = case
    data = complete_rows(sm, data, codes)
    records = data.to_dict("records")
    pd.testing.assert_frame_equal(
        sm.indices(records, missing_values=codes), sm.indices(data, missing_values=codes)
    )
    got = json.loads(sm.indices_json(json.dumps(records), missing_values=codes))
    want = sm.indices(data, missing_values=codes).iloc[0]
    assert got["n"] == len(data)
    assert [got[c] for c in sm.constructs] == [float(want[c]) for c in sm.constructs]
    one = sm.indices(records[0], missing_values=codes)
    assert one.pop("n") == 1
    assert one == sm.score(records[0], missing_values=codes)


def test_indices_by_segment_and_weights_from_records():
    sat = cm.datasets.load_satisfaction()
    sm = cm.PLS().fit(SATISFACTION_MODEL, sat, scale=(0, 10)).to_scoring_model()
    w = np.linspace(0.5, 2.0, len(sat))
    data = sat.assign(w=w)
    records = data.to_dict("records")
    want = sm.indices(data, by="gender", weights="w")
    pd.testing.assert_frame_equal(sm.indices(records, by="gender", weights="w"), want)
    pd.testing.assert_frame_equal(sm.indices(records, by="gender", weights=w), want)
    got = json.loads(sm.indices_json(json.dumps(records), by="gender", weights="w"))
    assert [g["gender"] for g in got] == list(want.index)
    assert [g["n"] for g in got] == want["n"].tolist()
    assert [g["SAT"] for g in got] == want["SAT"].tolist()
    del records[3]["gender"]
    with pytest.raises(cm.DataError, match=r"'gender' is missing from 1 record\(s\) \(records 3\)"):
        sm.indices(records, by="gender")
    with pytest.raises(cm.DataError, match="several respondents"):
        sm.indices(records[0], by="gender")
    with pytest.raises(cm.DataError, match="no column 'gender'"):
        sm.indices(sat[list(sm.items)].to_numpy(), by="gender")


@pytest.fixture(scope="module")
def ecsi_sm():
    data = cm.datasets.load_ecsi_mobi()
    sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
    return sm, data[list(sm.items)].head(8).to_dict("records")


def edited(records, pos, **values):
    out = [dict(r) for r in records]
    out[pos].update(values)
    return out


@pytest.mark.parametrize(
    "pos, values, pattern",
    [
        (2, {"CUSA2": 11}, r"'CUSA2': 1 value\(s\) outside \[1, 10\], e.g. 11 in records 2"),
        (5, {"IMAG1": "seven"}, r"not numbers \(text\).*'IMAG1' \(1 record\(s\), e.g. records 5"),
        (1, {"IMAG3": True}, r"not numbers \(a boolean\).*'IMAG3'.*records 1: True"),
        (0, {"PERQ1": [7]}, r"not numbers \(a nested value\).*'PERQ1'.*records 0"),
        (4, {"PERQ1": {"v": 7}}, r"a nested value.*'PERQ1'.*records 4"),
        (3, {"CUEX1": float("inf")}, r"Infinite values in 1 item\(s\): 'CUEX1' \(records 3\)"),
        (3, {"CUEX1": "-Infinity"}, r"Infinite values.*'CUEX1' \(records 3\)"),
        (6, {"CUEX1": 10**400}, r"Infinite values.*'CUEX1' \(records 6\)"),
        (7, {"CUEX1": 1 + 2j}, r"a complex number.*'CUEX1'.*records 7"),
        (2, {"CUEX1": b"7"}, r"a bytes.*'CUEX1'"),
    ],
)
def test_bad_value_is_named_with_item_and_record(ecsi_sm, pos, values, pattern):
    sm, records = ecsi_sm
    bad = edited(records, pos, **values)
    with pytest.raises(cm.DataError, match=pattern):
        sm.score(bad)
    with pytest.raises(cm.DataError, match=pattern.replace(f"records {pos}", "records 0")):
        sm.score(bad[pos])


def test_missing_item_key_is_named_with_a_hint(ecsi_sm):
    sm, records = ecsi_sm
    bad = [dict(r) for r in records]
    bad[3]["perq3"] = bad[3].pop("PERQ3")
    del bad[6]["PERQ3"]
    with pytest.raises(
        cm.DataError,
        match=r"missing from 2 of 8 record\(s\): 'PERQ3' \(records 3, 6\)\. "
        r"'PERQ3' -> did you mean 'perq3'\?",
    ):
        sm.score(bad)
    with pytest.raises(cm.DataError, match=r"'PERQ3' \(records 0\)"):
        sm.score(bad[6])


def test_missing_answers_follow_the_policy(ecsi_sm):
    sm, records = ecsi_sm
    holes = edited(edited(records, 1, IMAG2=None), 4, CUSL1=float("nan"))
    frame = pd.DataFrame(holes)
    with pytest.warns(cm.DataWarning, match=r"2 of 8 records excluded"):
        got = sm.score(holes)
    with pytest.warns(cm.DataWarning):
        want = sm.score(frame)
    assert got.index.tolist() == [0, 2, 3, 5, 6, 7] == want.index.tolist()
    assert np.array_equal(bits(got.to_numpy()), bits(want.to_numpy()))
    with pytest.warns(cm.DataWarning, match=r"2 of 8 records excluded"):
        out = json.loads(sm.score_json(json.dumps(holes).replace("NaN", "null")))
    assert out[1] is None and out[4] is None
    assert [out[i]["Image"] for i in got.index] == got["Image"].tolist()
    with pytest.raises(
        cm.DataError, match=r"Missing answers in 2 record\(s\): 'IMAG2' \(records 1\)"
    ):
        sm.score(holes, missing="error")
    with pytest.raises(cm.DataError, match=r"no answer for 1 item\(s\): 'IMAG2' \(records 0\)"):
        sm.score(holes[1])
    with pytest.raises(cm.DataError, match="Only 0 of 2 records remain"):
        sm.score([holes[1], holes[4]])
    with pytest.raises(cm.CsimodelError, match="The 'missing' parameter of ScoringModel.score"):
        sm.score(records[0], missing="mean")


def test_missing_value_codes(ecsi_sm):
    sm, records = ecsi_sm
    coded = edited(records, 2, IMAG1=-99)
    with pytest.warns(cm.DataWarning, match="1 of 8"):
        got = sm.score(coded, missing_values=(-99,))
    assert got.index.tolist() == [0, 1, 3, 4, 5, 6, 7]
    # a code inside the scale is a missing answer too, on the fast path as well
    with pytest.raises(cm.DataError, match=r"no answer .*'IMAG1'"):
        sm.score(edited(records, 0, IMAG1=5)[0], missing_values=(5,))
    with pytest.raises(cm.DataError, match="outside"):
        sm.score(coded)


def test_extra_keys_ignored_and_numeric_text_read_as_the_data_door(ecsi_sm):
    sm, records = ecsi_sm
    r = dict(records[0], company="A", note="x" * 10_000, nested={"a": [1]})
    assert sm.score(r) == sm.score(records[0])
    texty = {k: f" {v} " for k, v in records[0].items()}
    assert sm.score(texty) == sm.score(records[0])
    assert sm.score({k: np.float32(v) for k, v in records[0].items()}) == sm.score(records[0])


@pytest.mark.parametrize(
    "text",
    [
        " 7 ",
        "7.",
        ".5e1",
        "1e1",
        "+7",
        "7.0e-0",
        "\t7\n",
        "0007",
        "7,5",
        "seven",
        "",
        "nan",
        "1_0",
        "0x7",
        "\u0667",
        "inf",
        "Infinity",
        "True",
        "7 7",
    ],
)
def test_text_values_as_the_data_door_reads_a_text_column(ecsi_sm, text):
    sm, records = ecsi_sm
    rec = dict(records[0], IMAG1=text)
    frame = pd.DataFrame([rec], dtype=object)
    try:
        want = sm.score(frame).iloc[0].tolist()
    except cm.DataError as e:
        kind = "Infinite" if "Infinite" in str(e) else "not numbers"
        with pytest.raises(cm.DataError, match=kind):
            sm.score(rec)
        with pytest.raises(cm.DataError, match=kind):
            sm.score([rec])
    else:
        assert list(sm.score(rec).values()) == want
        assert sm.score([rec]).iloc[0].tolist() == want


def test_records_and_arrays_of_the_wrong_shape(ecsi_sm):
    sm, records = ecsi_sm
    with pytest.raises(cm.DataError, match="no records"):
        sm.score([])
    with pytest.raises(cm.DataError, match=r"record\(s\) 1 are not \(e.g. list"):
        sm.score([records[0], list(records[1].values())])
    X = pd.DataFrame(records).to_numpy()
    with pytest.raises(cm.DataError, match=r"shape \(n_respondents, 24\).*Got shape \(8, 23\)"):
        sm.score(X[:, 1:])
    with pytest.raises(cm.DataError, match=r"reshape\(1, -1\)"):
        sm.score(X[0])
    with pytest.raises(cm.DataError, match="boolean"):
        sm.score(X > 5)
    obj = X.astype(object)
    obj[3, 2] = "x"
    with pytest.raises(cm.DataError, match=r"'IMAG3' \(1 row\(s\), e.g. rows 3: 'x'\)"):
        sm.score(obj)
    X2 = X.astype(float)
    X2[5, 0] = 0
    with pytest.raises(
        cm.DataError, match=r"'IMAG1': 1 value\(s\) outside \[1, 10\], e.g. 0 in rows 5"
    ):
        sm.score(X2)


def test_a_defaultdict_does_not_invent_answers(ecsi_sm):
    from collections import defaultdict

    sm, records = ecsi_sm
    r = defaultdict(lambda: 5.0, records[0])
    del r["IMAG1"]
    with pytest.raises(cm.DataError, match="'IMAG1'"):
        sm.score(r)
    with pytest.raises(cm.DataError, match="'IMAG1'"):
        sm.score([r])
    assert "IMAG1" not in r


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), ends=st.booleans())
def test_dict_path_bits_equal_frame_path_on_random_answers(seed, ends):
    """Random answers anywhere in mixed scales (or only at the ends, where clipping acts)."""
    sm = _cases()["ecsi_mixed_scale"][0].to_scoring_model()
    rng = np.random.default_rng(seed)
    lo, hi = sm.scale_low, sm.scale_high
    u = rng.integers(0, 2, size=(20, len(lo))) if ends else rng.random((20, len(lo)))
    X = lo + u * (hi - lo)
    frame = sm.score(pd.DataFrame(X, columns=list(sm.items)))
    recs = [dict(zip(sm.items, row, strict=True)) for row in X.tolist()]
    assert np.array_equal(bits([list(sm.score(r).values()) for r in recs]), bits(frame.to_numpy()))
    assert np.array_equal(bits(sm.score(recs).to_numpy()), bits(frame.to_numpy()))
