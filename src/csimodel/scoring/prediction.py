"""New respondents in, predictions out: the record door in front of the prediction algebra.

One function, :func:`predict_data`, serves :meth:`ScoringModel.predict` and
:meth:`FitResults.predict`. It accepts what :meth:`ScoringModel.score` accepts -- a dict (one
respondent; returns a dict of plain floats), a list of dicts (records), a 2-D array or a
DataFrame -- validates the answers of the exogenous constructs' items with the same rules
(:mod:`csimodel.scoring._records` for records and arrays, :func:`csimodel.data.prepare` for
frames) and computes the predictions with :func:`csimodel.numeric.prediction.predict_rows`,
so every input form gives bit-identical numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_option
from ..exceptions import DataError
from ..numeric.prediction import PredictionConstants, check_request, predict_new, predict_rows
from ._records import RowPlan, item_rows

__all__ = ["predict_data"]

MISSING = ("listwise", "error")


def _plan(const: PredictionConstants) -> tuple[RowPlan, list[int]]:
    """The record plan of the exogenous items (built once per constants object)."""
    hit = const.cache.get("plan")
    if hit is None:
        need = const.exogenous_items
        pos = [const.items.index(i) for i in need]
        lo = tuple(const.scale_low[pos].tolist())
        hi = tuple(const.scale_high[pos].tolist())
        hit = (RowPlan(tuple(need), lo, hi), pos)
        const.cache["plan"] = hit
    return hit


def _exogenous_columns(
    data: np.ndarray, const: PredictionConstants, pos: list[int], owner: str
) -> np.ndarray:
    """A plain array's exogenous columns: it holds the exogenous items or all model items."""
    arr = data[None, :] if data.ndim == 1 else data
    if arr.ndim != 2 or arr.shape[1] not in (len(pos), len(const.items)):
        need = const.exogenous_items
        shown = ", ".join(need[:5]) + (", ..." if len(need) > 5 else "")
        raise DataError(
            f"{owner} got an array of shape {data.shape}; a plain array needs one column per "
            f"exogenous item ({len(need)}: {shown}) or per model item ({len(const.items)}), in "
            "model order. Pass a DataFrame with named columns instead."
        )
    return arr[:, pos] if arr.shape[1] != len(pos) else arr


def predict_data(
    const: PredictionConstants,
    data: Any,
    *,
    output: str = "scores",
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    owner: str = "predict",
) -> Any:
    """Predicted endogenous scores (or items) of new respondents in any accepted form.

    Returns a dict ``{name: value}`` of plain floats for a dict (one respondent), otherwise a
    DataFrame (index: a frame's row labels, or the 0-based positions of records / array
    rows).
    """
    check_request(const, output, owner)
    check_option(missing, "missing", owner, MISSING)
    is_array = isinstance(data, np.ndarray) and not data.dtype.names
    if not isinstance(data, (Mapping, list, tuple)) and not is_array:
        return predict_new(
            const,
            data,
            output=output,
            missing=missing,
            missing_values=missing_values,
            owner=owner,
        )
    plan, pos = _plan(const)
    if is_array:
        data = _exogenous_columns(data, const, pos, owner)
    rows = item_rows(data, plan, missing=missing, missing_values=missing_values, owner=owner)
    values, cols = predict_rows(const, rows.X, output)
    if isinstance(data, Mapping):
        return {c: float(v) for c, v in zip(cols, values[0].tolist(), strict=True)}
    return pd.DataFrame(values, index=rows.index, columns=cols)
