"""The suspected-missing-code rule of the data door (shared by the in-memory and Dask doors).

Survey exports often code "no answer" as a number: -99, -9, 9, 99, 999, ... When such a code
is left in the data it is used as a real answer and silently distorts every estimate. The
rule below flags an item's values that look like such a code:

* a *candidate* is an integer value that is negative or whose absolute value is all nines
  (9, 99, 999, ...);
* the item's other values (the *body*) need at least two distinct values;
* candidates that lie within ``t = max(1, (body max - body min) / 2)`` of the body join it,
  repeatedly (so a Likert item coded -3..3, or z-scores, absorb their own negative values);
* what remains, if it is at most :data:`MAX_CODES` distinct values, is a suspected code.

Items with more than :data:`CANDIDATE_CAP` distinct candidate values are treated as
numeric measurements, not coded answers, and never flagged. The functions here see only
value summaries (body range and candidate counts), so per-partition summaries can be
merged exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

CANDIDATE_CAP = 20
MAX_CODES = 5
SUSPECT_POLICIES = ("error", "ignore")


def candidate_mask(x: np.ndarray) -> np.ndarray:
    """True where a value is a possible no-answer code (integer; negative or all nines)."""
    with np.errstate(invalid="ignore", over="ignore"):
        integer = np.isfinite(x) & (x == np.round(x))
        a = np.abs(x)
        digits = np.floor(np.log10(np.where(a >= 9, a, 1.0))) + 1
        nines = (a >= 9) & (a == 10.0**digits - 1)
    return integer & ((x < 0) | nines)


def summarize(col: np.ndarray) -> tuple[float, float, dict[float, int], bool]:
    """Body range, candidate counts and an overflow flag of one item's values (NaN ignored).

    Returns ``(body_min, body_max, {candidate: count}, overflow)``; ``overflow`` is True
    when the item has more than :data:`CANDIDATE_CAP` distinct candidate values (the
    candidate dict is then empty).
    """
    cand = candidate_mask(col)
    body = col[~cand & np.isfinite(col)]
    bmin = float(body.min()) if body.size else np.inf
    bmax = float(body.max()) if body.size else -np.inf
    if not cand.any():
        return bmin, bmax, {}, False
    vals, counts = np.unique(col[cand], return_counts=True)
    if len(vals) > CANDIDATE_CAP:
        return bmin, bmax, {}, True
    return bmin, bmax, {float(v): int(c) for v, c in zip(vals, counts, strict=True)}, False


def suspected_codes(
    body_min: float, body_max: float, candidates: Iterable[float], overflow: bool = False
) -> list[float]:
    """The candidate values that stand apart from the body (see the module docstring).

    Examples
    --------
    >>> suspected_codes(1, 7, [-99])
    [-99.0]
    >>> suspected_codes(0, 3, [-1, -2, -3])  # a Likert item coded -3..3
    []
    >>> suspected_codes(1, 100, [99])  # a 1-100 slider
    []
    """
    rest = sorted(float(v) for v in candidates)
    if overflow or not rest or not body_min < body_max:
        return []
    lo, hi = float(body_min), float(body_max)
    changed = True
    while changed and rest:
        t = max(1.0, (hi - lo) / 2.0)
        near = [v for v in rest if lo - t <= v <= hi + t]
        changed = bool(near)
        for v in near:
            lo, hi = min(lo, v), max(hi, v)
            rest.remove(v)
    return rest if len(rest) <= MAX_CODES else []


def merge(
    a: tuple[float, float, dict[float, int], bool], b: tuple[float, float, dict[float, int], bool]
) -> tuple[float, float, dict[float, int], bool]:
    """Combine two :func:`summarize` results (exact: the rule only needs these summaries)."""
    overflow = a[3] or b[3]
    cand = dict(a[2])
    for v, c in b[2].items():
        cand[v] = cand.get(v, 0) + c
    if len(cand) > CANDIDATE_CAP:
        overflow = True
    return min(a[0], b[0]), max(a[1], b[1]), ({} if overflow else cand), overflow


def _g(v: float) -> str:
    return f"{v:g}"


def message(found: list[tuple[str, list[float], int, str, float, float]]) -> str:
    """Error text for suspected codes: ``found`` holds (item, codes, count, where, lo, hi)."""
    from ._validation import list_some

    parts = [
        f"{item!r}: {', '.join(_g(c) for c in codes)} in {count} row(s) ({where}), "
        f"other answers {_g(lo)} to {_g(hi)}"
        for item, codes, count, where, lo, hi in found[:5]
    ]
    more = f" and {len(found) - 5} more columns" if len(found) > 5 else ""
    codes = sorted({c for f in found for c in f[1]})
    lo = min(f[4] for f in found)
    hi = max(f[5] for f in found)
    code_txt = ", ".join(_g(c) for c in codes) + ("," if len(codes) == 1 else "")
    items = list_some([f[0] for f in found], 5)
    return (
        f"Suspected no-answer code(s) in {len(found)} item column(s) {items}: "
        + "; ".join(parts)
        + more
        + ". These values stand apart from the item's other answers, as survey exports code "
        f"'no answer'; used as answers they would distort every estimate. Declare them: "
        f"missing_values=({code_txt}), or declare the answer scale (e.g. scale=({_g(lo)}, "
        f"{_g(hi)})), which rejects values outside it. If they are real answers, pass "
        "suspect_codes='ignore'."
    )
