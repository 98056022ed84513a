"""Hostile records and JSON for the scoring model: a csimodel error, never a crash or a hang.

Every input below is something a public endpoint can receive. Each must raise a
``cm.DataError`` (a ``ValueError``) whose message names the problem, quickly and with a
short message (huge values are never echoed whole). The fast path is also run from many
threads at once: results equal the sequential ones exactly.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csimodel as cm


@pytest.fixture(scope="module")
def model():
    data = cm.datasets.load_ecsi_mobi()
    sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
    return sm, data[list(sm.items)].head(50).to_dict("records")


def obj(rec: dict, **raw: str) -> str:
    """A JSON object of ``rec`` with some values replaced by raw JSON text."""
    parts = [
        f"{json.dumps(k)}: {raw.pop(k) if k in raw else json.dumps(v)}" for k, v in rec.items()
    ]
    parts += [f"{json.dumps(k)}: {v}" for k, v in raw.items()]
    return "{" + ", ".join(parts) + "}"


HOSTILE = {
    "nan literal": (dict(IMAG1="NaN"), "literal NaN"),
    "infinity literal": (dict(IMAG1="Infinity"), "literal Infinity"),
    "minus infinity literal": (dict(IMAG1="-Infinity"), "literal -Infinity"),
    "nested array": (dict(IMAG1="[7]"), r"a nested value.*'IMAG1'"),
    "nested object": (dict(IMAG1='{"v": 7}'), r"a nested value.*'IMAG1'"),
    "deep nesting": (dict(IMAG1="[" * 50_000 + "]" * 50_000), "nests too deeply"),
    "boolean": (dict(IMAG1="true"), r"a boolean.*'IMAG1'"),
    "null": (dict(IMAG1="null"), r"(no answer for|Missing answers in) 1 .*'IMAG1'"),
    "huge string": (dict(IMAG1=json.dumps("7" * 1_000_000 + "x")), r"\(text\).*'IMAG1'"),
    "huge numeric string": (dict(IMAG1=json.dumps("7" * 1_000_000)), r"Infinite.*'IMAG1'"),
    "huge integer": (dict(IMAG1="9" * 100_000), r"Infinite.*'IMAG1'"),
    "huge float": (dict(IMAG1="1e999"), r"Infinite.*'IMAG1'"),
    "tiny float": (dict(IMAG1="1e-999"), r"outside \[1, 10\], e.g. 0 in records [01]"),
    "negative zero": (dict(IMAG1="-0.0"), r"outside \[1, 10\]"),
    "text": (dict(IMAG1='"seven"'), r"\(text\).*'IMAG1'.*'seven'"),
    "empty text": (dict(IMAG1='""'), r"\(text\).*'IMAG1'"),
    "out of scale": (dict(IMAG1="11"), r"'IMAG1': 1 value\(s\) outside \[1, 10\], e.g. 11"),
    "duplicate key": (dict(DUP="1"), r"repeats the key\(s\) 'IMAG1'"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_json_value_is_a_named_data_error(model, name):
    sm, records = model
    raw, pattern = HOSTILE[name]
    raw = dict(raw)
    if "DUP" in raw:
        text = obj(records[0])[:-1] + ', "IMAG1": 7}'
    else:
        text = obj(records[0], **raw)
    for payload in (text, "[" + obj(records[1]) + ", " + text + "]"):
        t0 = time.perf_counter()
        with pytest.raises(cm.DataError, match=pattern) as err:
            sm.score_json(payload, missing="error")
        assert time.perf_counter() - t0 < 2.0
        assert len(str(err.value)) < 1000
        assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    "text, pattern",
    [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("7", "Got a JSON int"),
        ('"IMAG1"', "Got a JSON str"),
        ("null", "Got a JSON NoneType"),
        ("[]", "no records"),
        ("[[1, 2, 3]]", r"record\(s\) 0 are not"),
        ("[7, {}]", r"record\(s\) 0, 1 are not|record\(s\) 0 are not"),
        ("{}", "missing from 1 of 1"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b'{"IMAG1": "\xff"}', "not valid JSON"),
    ],
)
def test_malformed_json_is_a_data_error(model, text, pattern):
    sm, _ = model
    with pytest.raises(cm.DataError, match=pattern):
        sm.score_json(text)


def test_oversized_and_wrongly_typed_input(model):
    sm, records = model
    with pytest.raises(cm.DataError, match="larger than 100 bytes"):
        sm.score_json(json.dumps(records[0]), max_bytes=100)
    with pytest.raises(cm.DataError, match="must be str or bytes"):
        sm.score_json(records[0])
    many = json.dumps([dict(r, **{f"x{k}": k for k in range(2000)}) for r in records[:3]])
    assert len(json.loads(sm.score_json(many))) == 3  # extra keys are ignored


def test_hostile_python_values(model):
    sm, records = model
    for v, pattern in [
        (object(), "a object"),
        (np.datetime64("2020-01-01"), "a datetime64"),
        ({1, 2}, "a nested value"),
        (np.array([7.0]), "a nested value"),
        (np.bool_(True), "a boolean"),
        ("x" * 10_000_000, r"\(text\)"),
    ]:
        with pytest.raises(cm.DataError, match=pattern) as err:
            sm.score(dict(records[0], IMAG1=v))
        assert len(str(err.value)) < 1000
    with pytest.raises(cm.DataError, match="must be dicts"):
        sm.score([records[0], None])
    key_types = {1: 7, None: 7, ("a",): 7}
    assert sm.score(dict(records[0], **{str(k): v for k, v in key_types.items()})) == sm.score(
        records[0]
    )
    odd = dict(records[0])
    odd.update(key_types)
    assert sm.score(odd) == sm.score(records[0])


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True)
        | st.text(max_size=30),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=6,
    )
)
def test_any_json_value_scores_or_raises_a_data_error(model, value):
    sm, records = model
    rec = dict(records[0], PERV2=value)
    try:
        text = json.dumps(rec)
    except ValueError:
        return
    try:
        out = json.loads(sm.score_json(text))
    except cm.DataError:
        return
    assert set(out) == set(sm.constructs)
    assert all(0 <= v <= 100 for v in out.values())


def test_threads_scoring_one_model_at_once_equal_sequential(model):
    sm, records = model
    jobs = [("dict", r) for r in records] + [("records", records), ("json", json.dumps(records))]

    def run(job):
        kind, payload = job
        if kind == "dict":
            return list(sm.score(payload).values())
        if kind == "records":
            return sm.score(payload).to_numpy().tolist()
        return json.loads(sm.score_json(payload))

    want = [run(j) for j in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(run, jobs * 4)) == want * 4
