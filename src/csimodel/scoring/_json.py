"""Strict JSON in and out for scoring in services (internal).

Respondents arrive as a JSON object (one respondent) or an array of objects. Parsing refuses,
with :class:`~csimodel.DataError`, what a lenient parser would let through: ``NaN`` and
``Infinity`` literals, duplicate keys (the last would silently win), invalid UTF-8, deep
nesting, oversized texts and top-level values that are not respondents. Values inside a
record are checked by the record door (:mod:`csimodel.scoring._records`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import list_some
from ..exceptions import DataError

MAX_BYTES = 8 * 1024 * 1024
_INT_DIGITS = 18
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
_LONG_DIGITS_STR = re.compile(r"[0-9]{19}")


def _no_constant(name: str) -> Any:
    raise DataError(
        f"The JSON holds the literal {name}, which is not valid JSON. Send null for a "
        "missing answer and finite numbers otherwise."
    )


def _int(s: str) -> int | float:
    # long integers are read as floats (out of any scale, refused there) instead of
    # spending quadratic time on Python's integer conversion
    return int(s) if len(s) <= _INT_DIGITS else float(s)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        dup = []
        for k, _ in pairs:
            if k in seen and k not in dup:
                dup.append(k)
            seen.add(k)
        raise DataError(
            f"A JSON object repeats the key(s) {list_some(dup, 5)}; which value is meant is "
            "ambiguous. Send each key once."
        )
    return d


def parse(text: str | bytes | bytearray, max_bytes: int = MAX_BYTES) -> dict | list:
    """A JSON object or array of objects, parsed strictly (see the module docstring)."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise DataError(f"JSON input must be str or bytes. Got {type(text).__name__} instead.")
    if len(text) > max_bytes:
        raise DataError(
            f"The JSON text is larger than {max_bytes} bytes; refusing to parse it. Send "
            "fewer records per request (or pass max_bytes=)."
        )
    # only a text with a long run of digits needs the (slower) guarded integer parser
    if isinstance(text, str):
        long_ints = _LONG_DIGITS_STR.search(text) is not None
    else:
        long_ints = _LONG_DIGITS.search(text) is not None
    try:
        doc = json.loads(
            text,
            parse_constant=_no_constant,
            parse_int=_int if long_ints else None,
            object_pairs_hook=_object,
        )
    except DataError:
        raise
    except RecursionError:
        raise DataError("The JSON nests too deeply; respondents are flat objects.") from None
    except (ValueError, TypeError) as e:  # JSONDecodeError, UnicodeDecodeError
        raise DataError(f"The input is not valid JSON: {e}.") from None
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, list):
        return doc
    raise DataError(
        'The JSON must be an object (one respondent, {"item": answer, ...}) or an array of '
        f"such objects. Got a JSON {type(doc).__name__} instead."
    )


def dumps(obj: Any) -> str:
    """Compact JSON; floats in shortest round-trip form (finite only)."""
    return json.dumps(obj, allow_nan=False, separators=(", ", ": "))


def per_record(
    S: np.ndarray, constructs: Sequence[str], positions: np.ndarray, n_total: int
) -> list[dict[str, float] | None]:
    """One object per input record (``None`` where the record was left out)."""
    out: list[dict[str, float] | None] = [None] * n_total
    names = list(constructs)
    for pos, row in zip(positions.tolist(), S.tolist(), strict=True):
        out[pos] = dict(zip(names, row, strict=True))
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def segment_records(table: pd.DataFrame, with_keys: bool) -> Any:
    """A segment table as one object (no segments) or an array of objects."""
    cols = list(table.columns)
    if not with_keys:
        return {c: _plain(table[c].iat[0]) for c in cols}
    names = list(table.index.names)
    out = []
    for key, row in zip(table.index.tolist(), table.itertuples(index=False), strict=True):
        keys = key if isinstance(key, tuple) else (key,)
        rec = {n: _plain(k) for n, k in zip(names, keys, strict=True)}
        rec.update({c: _plain(v) for c, v in zip(cols, row, strict=True)})
        out.append(rec)
    return out
