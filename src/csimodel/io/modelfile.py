"""Versioned, checksummed JSON files for :class:`~csimodel.ScoringModel` (never pickle).

File layout (UTF-8 JSON object, exactly these keys)::

    {
      "schema": "csimodel.scoring_model",
      "schema_version": 1,
      "checksum": {"algorithm": "sha256", "value": "<64 hex digits>"},
      "payload": {...}
    }

The payload may also hold ``"loadings"`` (one per item, written since
:meth:`~csimodel.ScoringModel.predict` exists); files without it keep loading and predict
construct scores only; and ``"higher_order"`` (two-stage higher-order constructs: construct ->
{lower-order construct: weight}), written only for such models.

The checksum is the SHA-256 of the *canonical* payload: ``json.dumps(payload,
sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)`` encoded as
UTF-8. Floats are written with Python's shortest round-trip representation, so loading
gives bit-identical numbers. The checksum detects accidental or casual edits; it is not a
signature (anyone can recompute it), so keep model files where only trusted people can
write them.

:func:`load_model` refuses, with :class:`~csimodel.ModelFileError`: files above a size
limit, anything that is not UTF-8 JSON (pickle bytes included), ``NaN``/``Infinity``
literals, numbers too large for a float or integers with more than 18 digits, nesting
deeper than the schema needs, unknown or missing keys, wrong types, non-finite numbers,
duplicate items, inconsistent arrays, another schema or version, and checksum mismatches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import CsimodelError, ModelFileError

if TYPE_CHECKING:
    from ..scoring.model import ScoringModel


__all__ = ["save_model", "load_model", "SCHEMA", "SCHEMA_VERSION", "MAX_BYTES"]

SCHEMA = "csimodel.scoring_model"
SCHEMA_VERSION = 1
MAX_BYTES = 8 * 1024 * 1024
_MAX_DEPTH = 8
_MAX_INT_DIGITS = 18

_TOP_KEYS = {"schema", "schema_version", "checksum", "payload"}
_CHECKSUM_KEYS = {"algorithm", "value"}
_PAYLOAD_KEYS = {
    "csimodel_version",
    "model_syntax",
    "constructs",
    "blocks",
    "items",
    "scale_low",
    "scale_high",
    "index_weights",
    "outer_weights",
    "standardized",
    "item_means",
    "item_sds",
    "paths",
    "data_summary",
    "estimator",
    "negative_weights",
}
# written only when present (loadings since predict(), higher_order for two-stage
# higher-order constructs); older files lack them and keep loading
_OPTIONAL_PAYLOAD_KEYS = {"loadings", "higher_order"}
_SUMMARY_KEYS = {"n_total", "n_used", "n_excluded", "n_imputed", "missing", "case_weights"}
_ESTIMATOR_KEYS = {"name", "params"}
_ARRAYS = ("scale_low", "scale_high", "index_weights", "outer_weights", "item_means", "item_sds")


# ----------------------------------------------------------------------------- writing
def _payload(sm) -> dict[str, Any]:
    out = {
        "csimodel_version": sm.csimodel_version,
        "model_syntax": sm.model_syntax,
        "constructs": list(sm.constructs),
        "blocks": {c: list(sm.blocks[c]) for c in sm.constructs},
        "items": list(sm.items),
        **{k: [float(v) for v in getattr(sm, k)] for k in _ARRAYS},
        "standardized": bool(sm.standardized),
        "paths": [[a, b, float(v)] for a, b, v in sm.paths],
        "data_summary": dict(sm.data_summary),
        "estimator": {"name": sm.estimator["name"], "params": dict(sm.estimator["params"])},
        "negative_weights": sm.negative_weights,
    }
    if sm.loadings is not None:
        out["loadings"] = [float(v) for v in sm.loadings]
    hoc = getattr(sm, "higher_order", {})
    if hoc:  # optional key: files without higher-order constructs are unchanged
        out["higher_order"] = {h: dict(w) for h, w in hoc.items()}
    return out


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("utf-8")


def model_to_json(sm) -> str:
    """The file text of a :class:`~csimodel.ScoringModel`."""
    payload = _payload(sm)
    try:
        digest = hashlib.sha256(_canonical(payload)).hexdigest()
    except ValueError as e:  # non-finite number
        raise ModelFileError(f"The scoring model holds a non-finite number: {e}") from None
    doc = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "checksum": {"algorithm": "sha256", "value": digest},
        "payload": payload,
    }
    return json.dumps(doc, indent=1, ensure_ascii=True, allow_nan=False) + "\n"


def save_model(sm, path: str | os.PathLike) -> None:
    """Write ``sm`` to ``path`` as versioned JSON (atomically: temp file, then rename).

    Examples
    --------
    >>> import csimodel as cm, tempfile, os
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> res.to_scoring_model().save(path)
    >>> cm.load_model(path).items == res.model.items
    True
    """
    text = model_to_json(sm)
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="ascii", newline="\n") as fh:
        fh.write(text)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- reading
def _bad_constant(name: str) -> Any:
    raise ModelFileError(
        f"The model file contains the non-standard JSON literal {name!r}; model files hold "
        "finite numbers only."
    )


def _parse_float(s: str) -> float:
    v = float(s)
    if not math.isfinite(v):
        raise ModelFileError(f"The model file contains a number too large for a float ({s[:30]}).")
    return v


def _parse_int(s: str) -> int:
    if len(s.lstrip("-")) > _MAX_INT_DIGITS:
        raise ModelFileError(
            f"The model file contains an integer with more than {_MAX_INT_DIGITS} digits."
        )
    return int(s)


def _check_depth(raw: bytes) -> None:
    b = np.frombuffer(raw, dtype=np.uint8)
    step = (b == ord("[")).astype(np.int32) + (b == ord("{")) - (b == ord("]")) - (b == ord("}"))
    if step.size and int(np.cumsum(step).max()) > _MAX_DEPTH:
        raise ModelFileError(
            f"The model file nests deeper than {_MAX_DEPTH} levels; it is not a csimodel model file."
        )


def _fail(what: str) -> ModelFileError:
    return ModelFileError(f"Invalid csimodel model file: {what}.")


def _keys(
    obj: Any, expected: set[str], where: str, optional: frozenset[str] | set[str] = frozenset()
) -> None:
    if not isinstance(obj, dict):
        raise _fail(f"{where} must be a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - expected - optional)
    missing = sorted(expected - set(obj))
    if unknown:
        raise _fail(f"unknown key(s) {unknown} in {where}")
    if missing:
        raise _fail(f"missing key(s) {missing} in {where}")


def _str_list(v: Any, where: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise _fail(f"{where} must be a list of non-empty strings")
    if len(set(v)) != len(v):
        dup = sorted({x for x in v if v.count(x) > 1})
        raise _fail(f"{where} repeats {dup}")
    return v


def _num_list(v: Any, n: int, where: str) -> np.ndarray:
    if not isinstance(v, list) or len(v) != n:
        raise _fail(f"{where} must be a list of {n} numbers")
    if not all(type(x) in (int, float) for x in v):
        raise _fail(f"{where} must hold numbers only")
    arr = np.array(v, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise _fail(f"{where} holds a non-finite number")
    return arr


def _int(v: Any, where: str) -> int:
    if type(v) is not int or v < 0:
        raise _fail(f"{where} must be a non-negative integer")
    return v


def _validate(doc: Any) -> dict[str, Any]:
    _keys(doc, _TOP_KEYS, "the file")
    if doc["schema"] != SCHEMA:
        raise _fail(f"schema is {doc['schema']!r}, expected {SCHEMA!r}")
    ver = doc["schema_version"]
    if type(ver) is not int:
        raise _fail("schema_version must be an integer")
    if ver != SCHEMA_VERSION:
        raise ModelFileError(
            f"The model file has schema version {ver}; this csimodel reads version "
            f"{SCHEMA_VERSION}. Re-save the model with a matching csimodel version."
        )
    _keys(doc["checksum"], _CHECKSUM_KEYS, "checksum")
    if doc["checksum"]["algorithm"] != "sha256":
        raise _fail("checksum algorithm must be 'sha256'")
    value = doc["checksum"]["value"]
    if not isinstance(value, str) or len(value) != 64:
        raise _fail("checksum value must be 64 hex digits")
    p = doc["payload"]
    _keys(p, _PAYLOAD_KEYS, "payload", _OPTIONAL_PAYLOAD_KEYS)
    try:
        digest = hashlib.sha256(_canonical(p)).hexdigest()
    except (ValueError, TypeError) as e:
        raise _fail(f"payload cannot be checksummed ({e})") from None
    if digest != value.lower():
        raise ModelFileError(
            "The model file's checksum does not match its content: the file was changed after "
            "it was saved (or damaged). Re-save the model from its fit; never edit it by hand."
        )

    for k in ("csimodel_version", "model_syntax", "negative_weights"):
        if not isinstance(p[k], str):
            raise _fail(f"{k} must be a string")
    if p["negative_weights"] not in ("error", "zero"):
        raise _fail("negative_weights must be 'error' or 'zero'")
    if type(p["standardized"]) is not bool:
        raise _fail("standardized must be true or false")
    constructs = _str_list(p["constructs"], "constructs")
    items = _str_list(p["items"], "items")
    blocks = p["blocks"]
    _keys(blocks, set(constructs), "blocks")
    flat = [i for c in constructs for i in _str_list(blocks[c], f"blocks[{c!r}]")]
    if flat != items:
        raise _fail("blocks do not list the items in model order")
    n = len(items)
    arrays = {k: _num_list(p[k], n, k) for k in _ARRAYS}
    if "loadings" in p:
        arrays["loadings"] = _num_list(p["loadings"], n, "loadings")
    if np.any(arrays["scale_low"] >= arrays["scale_high"]):
        raise _fail("every scale_low must be below its scale_high")
    if np.any(arrays["item_sds"] <= 0):
        raise _fail("item_sds must be positive")
    w = arrays["index_weights"]
    if np.any(w < 0):
        raise _fail("index_weights must be non-negative")
    pos = 0
    for c in constructs:
        size = len(blocks[c])
        if abs(float(w[pos : pos + size].sum()) - 1.0) > 1e-9:
            raise _fail(f"index weights of {c!r} do not sum to 1")
        pos += size
    hoc = _higher_order(p.get("higher_order", {}), constructs)
    paths = p["paths"]
    if not isinstance(paths, list):
        raise _fail("paths must be a list")
    cset = set(constructs) | set(hoc)
    for edge in paths:
        if (
            not isinstance(edge, list)
            or len(edge) != 3
            or edge[0] not in cset
            or edge[1] not in cset
            or type(edge[2]) not in (int, float)
            or not math.isfinite(edge[2])
        ):
            raise _fail("each path must be [source, target, finite number] of known constructs")
    ds = p["data_summary"]
    _keys(ds, _SUMMARY_KEYS, "data_summary")
    for k in ("n_total", "n_used", "n_excluded", "n_imputed"):
        _int(ds[k], f"data_summary.{k}")
    if not isinstance(ds["missing"], str) or type(ds["case_weights"]) is not bool:
        raise _fail("data_summary.missing must be a string and case_weights true/false")
    est = p["estimator"]
    _keys(est, _ESTIMATOR_KEYS, "estimator")
    if not isinstance(est["name"], str) or not isinstance(est["params"], dict):
        raise _fail("estimator must hold a name (string) and params (object)")
    for k, v in est["params"].items():
        if type(v) not in (str, int, float, bool) or (type(v) is float and not math.isfinite(v)):
            raise _fail(f"estimator.params.{k} must be a finite number, string or boolean")

    from ..spec import Model

    try:
        model = Model(p["model_syntax"])
    except CsimodelError as e:
        raise _fail(f"model_syntax does not parse ({e})") from None
    item_level = tuple(
        c for c in model.constructs if c not in model.interactions and c not in model.higher_order
    )
    if (
        model.items != tuple(items)
        or item_level != tuple(constructs)
        or set(model.higher_order) != set(hoc)
    ):
        raise _fail("model_syntax does not match constructs/items")
    return {**p, **arrays, "higher_order": hoc}


def _higher_order(v: Any, constructs: list[str]) -> dict[str, dict[str, float]]:
    """``higher_order``: {construct: {lower-order construct: weight}} (optional key)."""
    if not isinstance(v, dict):
        raise _fail("higher_order must be a JSON object")
    out: dict[str, dict[str, float]] = {}
    for h, members in v.items():
        if not isinstance(members, dict) or len(members) < 2:
            raise _fail(f"higher_order[{h!r}] must map two or more constructs to weights")
        w: dict[str, float] = {}
        for c, x in members.items():
            if c not in constructs or type(x) not in (int, float) or not math.isfinite(x) or x < 0:
                raise _fail(
                    f"higher_order[{h!r}] must map known constructs to non-negative numbers"
                )
            w[c] = float(x)
        if abs(sum(w.values()) - 1.0) > 1e-9:
            raise _fail(f"higher_order[{h!r}] weights do not sum to 1")
        out[h] = w
    return out


def load_model(path: str | os.PathLike, *, max_bytes: int = MAX_BYTES) -> ScoringModel:
    """Load a :class:`~csimodel.ScoringModel` saved with :meth:`ScoringModel.save`.

    Parameters
    ----------
    path : str or path-like
    max_bytes : int, default=8 MiB
        Larger files are refused before parsing.

    Returns
    -------
    ScoringModel

    Raises
    ------
    ModelFileError
        Too large, not UTF-8 JSON (e.g. pickle bytes), NaN/Infinity literals, huge numbers,
        deep nesting, unknown/missing keys, wrong types, non-finite numbers, duplicate
        items, wrong schema or version, or a checksum that does not match the content.

    Examples
    --------
    >>> import csimodel as cm, tempfile, os
    >>> data = cm.datasets.load_ecsi_mobi()
    >>> res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> res.to_scoring_model().save(path)
    >>> sm = cm.load_model(path)
    >>> bool((sm.score(data) == cm.respondent_scores(res)).all().all())
    True
    """
    from ..scoring.model import ScoringModel

    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as e:
        raise ModelFileError(f"Cannot read the model file {path!r}: {e.strerror or e}.") from None
    if len(raw) > max_bytes:
        raise ModelFileError(
            f"The model file {path!r} is larger than {max_bytes} bytes; refusing to read it. "
            "Pass max_bytes= if a legitimate model is that large."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(
            f"The model file {path!r} is not UTF-8 text (a pickle or other binary file?). "
            "csimodel model files are JSON written by ScoringModel.save()."
        ) from None
    _check_depth(raw)
    try:
        doc = json.loads(
            text, parse_constant=_bad_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except ModelFileError:
        raise
    except (json.JSONDecodeError, RecursionError, ValueError) as e:
        raise ModelFileError(f"The model file {path!r} is not valid JSON: {e}.") from None
    v = _validate(doc)
    try:
        return ScoringModel(
            model_syntax=v["model_syntax"],
            constructs=tuple(v["constructs"]),
            blocks={c: tuple(v["blocks"][c]) for c in v["constructs"]},
            items=tuple(v["items"]),
            scale_low=v["scale_low"],
            scale_high=v["scale_high"],
            index_weights=v["index_weights"],
            outer_weights=v["outer_weights"],
            standardized=v["standardized"],
            item_means=v["item_means"],
            item_sds=v["item_sds"],
            paths=tuple((a, b, float(c)) for a, b, c in v["paths"]),
            csimodel_version=v["csimodel_version"],
            data_summary=v["data_summary"],
            estimator=v["estimator"],
            negative_weights=v["negative_weights"],
            loadings=v.get("loadings"),
            higher_order=v["higher_order"],
        )
    except CsimodelError as e:
        raise _fail(str(e)) from None
