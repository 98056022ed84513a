"""Fuzzing scoring-model files: ``cm.load_model`` raises only ``ModelFileError``.

Skipped until ``csimodel.load_model`` exists (issue 6). Then it

* mutates a file written by ``res.to_scoring_model().save(path)`` ``CSIMODEL_FUZZ_FILES``
  times (default 300 in CI; the full run uses 10,000) at the byte level (flips, inserts,
  deletions, truncation) and at the JSON level (deleted / renamed / unknown keys, values
  replaced by wrong types, NaN / Infinity literals, huge numbers, deep nesting, long
  strings): loading either succeeds (a harmless mutation) or raises ``ModelFileError``;
  a loaded model scores without any non-csimodel exception;
* feeds hostile files (pickle bytes, NaN/Infinity literals, huge numbers, deep nesting,
  unknown schema version, wrong top-level types, a file above the size limit, empty,
  UTF-16, a directory, a missing path): only ``ModelFileError``;
* scores one loaded model from 8 threads at once: identical to sequential scoring.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

if not hasattr(cm, "load_model"):
    pytest.skip("csimodel.load_model is not available yet (issue 6)", allow_module_level=True)

N_FILES = int(os.environ.get("CSIMODEL_FUZZ_FILES", "300"))
HOSTILE_VALUES = [
    None,
    True,
    "",
    "x" * 10_000,
    -1,
    0,
    1e308,
    -1e308,
    [],
    {},
    json.loads("[" * 20 + "1" + "]" * 20),
    {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}},
    float("nan"),
    float("inf"),
    ["CUSA1", "CUSA1"],
    [1.0, "two"],
]


@pytest.fixture(scope="module")
def fitted():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    return res, data


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    res, _ = fitted
    path = tmp_path_factory.mktemp("modelfile") / "model.json"
    res.to_scoring_model().save(path)
    return path.read_bytes()


def _paths(obj, prefix=()):
    """Every (path, value) in a JSON tree."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _set(doc, path, value):
    if not path:
        return value
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return doc


def _mutate_json(doc, rng: random.Random) -> bytes:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        nodes = list(_paths(doc))
        path, value = rng.choice(nodes)
        r = rng.random()
        if r < 0.2 and path:
            parent = doc
            for k in path[:-1]:
                parent = parent[k]
            del parent[path[-1]]
        elif r < 0.3 and isinstance(value, dict):
            value[rng.choice(["extra", "__class__", "schema", "", "payload"])] = rng.choice(
                HOSTILE_VALUES
            )
        elif r < 0.4 and isinstance(value, dict) and value:
            k = rng.choice(list(value))
            value[k + "_renamed"] = value.pop(k)
        elif r < 0.5 and isinstance(value, (int, float)) and not isinstance(value, bool):
            doc = _set(doc, path, rng.choice([value * -1, value * 1e300, value + 1, 0]))
        elif r < 0.6 and isinstance(value, list) and value:
            value.pop(rng.randrange(len(value))) if rng.random() < 0.5 else value.append(value[0])
        else:
            doc = _set(doc, path, copy.deepcopy(rng.choice(HOSTILE_VALUES)))
    return json.dumps(doc, allow_nan=True).encode()


def _mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    b = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        r = rng.random()
        pos = rng.randrange(len(b)) if b else 0
        if r < 0.3 and b:
            b[pos] = rng.randrange(256)
        elif r < 0.6:
            b[pos:pos] = rng.choice(
                [b"{", b"[", b"]", b'"', b"\\", b",", b"NaN", b"1e999", b"\x00"]
            )
        elif r < 0.9 and b:
            del b[pos : pos + rng.randint(1, 20)]
        else:
            b = b[: rng.randrange(len(b) + 1)]
    return bytes(b)


def _load(path, data):
    """Load; if it loads, score. Only csimodel errors may escape (ModelFileError on load)."""
    try:
        sm = cm.load_model(path)
    except cm.ModelFileError as e:
        assert str(e)
        return "refused"
    try:
        sm.score(data)
    except cm.CsimodelError:
        return "loaded, score refused"
    return "loaded"


def test_mutated_model_files_raise_only_model_file_error(saved, fitted, tmp_path):
    _, data = fitted
    doc = json.loads(saved)
    rng = random.Random(int(os.environ.get("CSIMODEL_FUZZ_SEED", "0")))
    outcomes: dict[str, int] = {}
    path = tmp_path / "m.json"
    for k in range(N_FILES):
        raw = _mutate_json(doc, rng) if k % 2 else _mutate_bytes(saved, rng)
        path.write_bytes(raw)
        try:
            kind = _load(path, data)
        except Exception as e:
            pytest.fail(f"{type(e).__name__}: {e} for mutated file {raw[:300]!r}...")
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print("model-file fuzz outcomes:", outcomes)
    assert outcomes.get("refused", 0) > N_FILES // 2


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


HOSTILE_FILES = {
    "pickle": lambda doc, raw: pickle.dumps(doc),
    "pickle_of_object": lambda doc, raw: pickle.dumps(pd.DataFrame({"a": [1]})),
    "nan_literal": lambda doc, raw: (
        raw.replace(b"1.0", b"NaN", 1) if b"1.0" in raw else raw[:-1] + b', "x": NaN}'
    ),
    "infinity_literal": lambda doc, raw: raw[:-1] + b', "x": Infinity}',
    "huge_float": lambda doc, raw: raw[:-1] + b', "x": 1e999999}',
    "huge_int": lambda doc, raw: raw[:-1] + b', "x": ' + b"9" * 100_000 + b"}",
    "deep_nesting": lambda doc, raw: _nested(100_000),
    "deep_nesting_inside": lambda doc, raw: raw[:-1] + b', "x": ' + _nested(5000) + b"}",
    "schema_version_999": lambda doc, raw: json.dumps({**doc, "schema_version": 999}).encode(),
    "schema_version_str": lambda doc, raw: json.dumps({**doc, "schema_version": "1"}).encode(),
    "schema_other": lambda doc, raw: json.dumps({**doc, "schema": "other"}).encode(),
    "top_list": lambda doc, raw: b"[1, 2, 3]",
    "top_string": lambda doc, raw: b'"model"',
    "top_null": lambda doc, raw: b"null",
    "top_number": lambda doc, raw: b"3.14",
    "empty_object": lambda doc, raw: b"{}",
    "empty": lambda doc, raw: b"",
    "whitespace": lambda doc, raw: b" \n\t ",
    "utf16": lambda doc, raw: raw.decode().encode("utf-16"),
    "binary": lambda doc, raw: np.random.default_rng(0).bytes(10_000),
    "duplicate_keys": lambda doc, raw: raw[:-1] + b', "schema": "x", "schema": "y"}',
    "trailing_garbage": lambda doc, raw: raw + b"\n{}",
    "huge_file": lambda doc, raw: raw + b" " * (9 * 1024 * 1024),
    "long_string": lambda doc, raw: json.dumps({**doc, "x": "y" * 5_000_000}).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_hostile_model_files_raise_model_file_error(saved, tmp_path, name):
    doc = json.loads(saved)
    path = tmp_path / "m.json"
    path.write_bytes(HOSTILE_FILES[name](doc, saved))
    with pytest.raises(cm.ModelFileError):
        cm.load_model(path)


def test_paths_that_are_not_files(tmp_path):
    with pytest.raises(cm.ModelFileError):
        cm.load_model(tmp_path)  # a directory
    with pytest.raises(cm.ModelFileError):
        cm.load_model(tmp_path / "missing.json")


def test_unmodified_file_loads(saved, fitted, tmp_path):
    _, data = fitted
    path = tmp_path / "m.json"
    path.write_bytes(saved)
    assert _load(path, data) == "loaded"


def test_one_loaded_model_scored_from_8_threads(saved, fitted, tmp_path):
    _, data = fitted
    path = tmp_path / "m.json"
    path.write_bytes(saved)
    sm = cm.load_model(path)
    rng = np.random.default_rng(0)
    batches = [data.iloc[rng.integers(0, len(data), 200)] for _ in range(24)]
    sequential = [sm.score(b) for b in batches]
    gate = threading.Event()

    def score(b):
        gate.wait(timeout=10)
        return sm.score(b)

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(score, b) for b in batches]
        gate.set()
        parallel = [f.result() for f in futures]
    for s, p in zip(sequential, parallel, strict=True):
        pd.testing.assert_frame_equal(s, p, check_exact=True)
