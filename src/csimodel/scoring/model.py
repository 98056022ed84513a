"""A frozen scoring model: everything needed to score new respondents, nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_option
from ..distributed.door import is_distributed_input
from ..exceptions import DataError, ModelError
from ..numeric.prediction import PredictionConstants
from ..spec import Model
from . import _json
from ._records import RowPlan, item_rows, missing_codes, record_values
from .indices import _by_list, _case_weights, affine, score_array, segment_table
from .prediction import predict_data
from .weights import check_scales

if TYPE_CHECKING:
    from ..report.summary import Summary


__all__ = ["ScoringModel"]

SCORE_MISSING = ("listwise", "error")


def _frozen(a: Any, dtype: Any = float) -> np.ndarray:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class ScoringModel:
    """What a service needs to score new respondents with a fitted model (immutable).

    Build it with :meth:`FitResults.to_scoring_model`, store it with :meth:`save` and load it
    with :func:`csimodel.load_model`. All arrays are read-only, so one loaded model can be
    shared by many threads.

    Attributes
    ----------
    model_syntax : str
        The model text.
    constructs : tuple of str
    blocks : mapping
        Construct -> tuple of its items.
    items : tuple of str
        Items in model order (the order of every per-item array below).
    scale_low, scale_high : ndarray of shape (n_items,)
        Declared answer-scale ends.
    index_weights : ndarray of shape (n_items,)
        Unstandardized outer weights normalized to sum to 1 per construct.
    outer_weights : ndarray of shape (n_items,)
        Outer weights as fitted (for standardized items if ``standardized``).
    standardized : bool
        Whether the fit standardized the items.
    item_means, item_sds : ndarray of shape (n_items,)
        Standardization constants of the fit data (SD divisor n - 1).
    paths : tuple of (source, target, coefficient)
        Structural coefficients.
    csimodel_version : str
        Version that produced the model.
    data_summary : mapping
        ``n_total``, ``n_used``, ``n_excluded``, ``n_imputed``, ``missing``, ``case_weights``.
    estimator : mapping
        ``name`` and ``params`` of the estimator.
    negative_weights : str
        Negative-weight policy applied when the index weights were formed.
    loadings : ndarray of shape (n_items,) or None
        Loading of every item on its own construct (for :meth:`predict` with
        ``output='items'``; ``None`` in model files written before it was stored).
    higher_order : mapping
        Higher-order construct (two-stage) -> ``{lower-order construct: weight}``: its
        0-100 score is the weighted sum of its lower-order constructs' scores (weights
        non-negative, summing to 1; see :mod:`csimodel.scoring._extensions`). Empty for
        models without higher-order constructs (and in files written before it existed).
        Interaction terms have no 0-100 score and are not part of a scoring model.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_ecsi_mobi()
    >>> res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    >>> sm = res.to_scoring_model()
    >>> scores = sm.score(data.head(3))
    >>> scores.shape
    (3, 7)
    >>> sm.indices(data)["n"].item()
    250
    """

    model_syntax: str
    constructs: tuple[str, ...]
    blocks: Mapping[str, tuple[str, ...]]
    items: tuple[str, ...]
    scale_low: np.ndarray
    scale_high: np.ndarray
    index_weights: np.ndarray
    outer_weights: np.ndarray
    standardized: bool
    item_means: np.ndarray
    item_sds: np.ndarray
    paths: tuple[tuple[str, str, float], ...]
    csimodel_version: str
    data_summary: Mapping[str, Any]
    estimator: Mapping[str, Any]
    negative_weights: str = "error"
    loadings: Any = None
    higher_order: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    _a: np.ndarray = field(init=False, repr=False)
    _c: np.ndarray = field(init=False, repr=False)
    _blocks_pos: tuple[np.ndarray, ...] = field(init=False, repr=False)
    _plan: RowPlan = field(init=False, repr=False)
    _terms: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "constructs", tuple(self.constructs))
        s(self, "items", tuple(self.items))
        s(self, "blocks", MappingProxyType({c: tuple(self.blocks[c]) for c in self.constructs}))
        for name in (
            "scale_low",
            "scale_high",
            "index_weights",
            "outer_weights",
            "item_means",
            "item_sds",
        ):
            arr = _frozen(getattr(self, name))
            if arr.shape != (len(self.items),):
                raise ModelError(
                    f"ScoringModel.{name} must have one value per item ({len(self.items)}). "
                    f"Got shape {arr.shape} instead."
                )
            s(self, name, arr)
        if self.loadings is not None:
            arr = _frozen(self.loadings)
            if arr.shape != (len(self.items),):
                raise ModelError(
                    f"ScoringModel.loadings must have one value per item ({len(self.items)}). "
                    f"Got shape {arr.shape} instead."
                )
            if not np.all(np.isfinite(arr)):
                raise ModelError("ScoringModel.loadings holds a non-finite number.")
            s(self, "loadings", arr)
        s(self, "standardized", bool(self.standardized))
        s(self, "paths", tuple((str(a), str(b), float(v)) for a, b, v in self.paths))
        s(self, "data_summary", MappingProxyType(dict(self.data_summary)))
        est = dict(self.estimator)
        est["params"] = MappingProxyType(dict(est.get("params", {})))
        s(self, "estimator", MappingProxyType(est))
        self._check_consistent()
        self._check_higher_order()
        pos = {it: k for k, it in enumerate(self.items)}
        blocks = []
        for cname in self.constructs:
            b = np.array([pos[i] for i in self.blocks[cname]], dtype=np.intp)
            b.setflags(write=False)
            blocks.append(b)
        check_scales(self.items, self.scale_low, self.scale_high)
        a, c = affine(self.index_weights, self.scale_low, self.scale_high, blocks)
        s(self, "_a", _frozen(a))
        s(self, "_c", _frozen(c))
        s(self, "_blocks_pos", tuple(blocks))
        s(
            self,
            "_plan",
            RowPlan(self.items, tuple(self.scale_low.tolist()), tuple(self.scale_high.tolist())),
        )
        # one respondent in plain Python: the same products and sums, in the same order, as
        # score_array (IEEE-754 float64 either way), so the numbers are bit-identical
        al = a.tolist()
        terms = []
        for name, b, cj in zip(self.constructs, blocks, c.tolist(), strict=True):
            ks = b.tolist()
            rest = tuple((k, al[k]) for k in ks[1:])
            terms.append((name, ks[0], al[ks[0]], rest, cj))
        s(self, "_terms", tuple(terms))

    def _check_consistent(self) -> None:
        if len(set(self.items)) != len(self.items):
            dup = sorted({i for i in self.items if self.items.count(i) > 1})
            raise ModelError(f"ScoringModel items must be unique; repeated: {dup}.")
        flat = tuple(i for c in self.constructs for i in self.blocks[c])
        if flat != self.items:
            raise ModelError("ScoringModel blocks must list the items, construct by construct.")
        for name in ("index_weights", "outer_weights", "item_means", "item_sds"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ModelError(f"ScoringModel.{name} holds a non-finite number.")
        if np.any(self.item_sds <= 0):
            raise ModelError("ScoringModel.item_sds must be positive.")
        w = self.index_weights
        if np.any(w < 0):
            bad = [self.items[k] for k in np.flatnonzero(w < 0)]
            raise ModelError(f"Index weights must be non-negative; negative for {bad}.")
        pos = 0
        for c in self.constructs:
            k = len(self.blocks[c])
            if abs(float(w[pos : pos + k].sum()) - 1.0) > 1e-9:
                raise ModelError(f"Index weights of construct {c!r} must sum to 1.")
            pos += k
        lo, hi = self.scale_low, self.scale_high
        both = np.isfinite(lo) & np.isfinite(hi)
        if np.any(both & (lo >= hi)):
            bad = [self.items[k] for k in np.flatnonzero(both & (lo >= hi))]
            raise ModelError(f"Scale ends must satisfy low < high; not for {bad}.")

    def _check_higher_order(self) -> None:
        hoc: dict[str, Any] = {}
        for h, members in dict(self.higher_order).items():
            if h in self.constructs:
                raise ModelError(f"Higher-order construct {h!r} is also an item-level construct.")
            w = {str(k): float(v) for k, v in dict(members).items()}
            unknown = [k for k in w if k not in self.constructs]
            if unknown or len(w) < 2:
                raise ModelError(
                    f"Higher-order construct {h!r} must combine two or more of the model's "
                    f"constructs; got {sorted(w)}."
                )
            vals = np.array(list(w.values()))
            if not np.all(np.isfinite(vals)) or np.any(vals < 0) or abs(vals.sum() - 1) > 1e-9:
                raise ModelError(
                    f"The weights of higher-order construct {h!r} must be non-negative and sum "
                    "to 1."
                )
            hoc[str(h)] = MappingProxyType(w)
        object.__setattr__(self, "higher_order", MappingProxyType(hoc))

    def _with_higher_order(self, S: np.ndarray) -> np.ndarray:
        """Append the higher-order constructs' scores to item-level scores ``S`` (n, J)."""
        if not self.higher_order:
            return S
        pos = {c: k for k, c in enumerate(self.constructs)}
        cols = [
            S[:, [pos[c] for c in w]] @ np.array(list(w.values()))
            for w in self.higher_order.values()
        ]
        return np.column_stack([S, *cols])

    @property
    def scored_constructs(self) -> tuple[str, ...]:
        """Columns of :meth:`score`: item-level constructs, then higher-order constructs."""
        return self.constructs + tuple(self.higher_order)

    def _no_distributed_hoc(self, data: Any) -> None:
        if self.higher_order and is_distributed_input(data):
            raise ModelError(
                "Scoring Dask/Parquet data with a higher-order construct is not supported; "
                "score a pandas DataFrame (or partition by partition)."
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_results(cls, res, *, negative_weights: str = "error") -> ScoringModel:
        """Build from a :class:`~csimodel.FitResults` (see :meth:`FitResults.to_scoring_model`)."""
        from ._build import from_results

        return from_results(cls, res, negative_weights)

    # ------------------------------------------------------------------ scoring
    def _rows(self, data: Any, missing: str, missing_values: Sequence[float], owner: str):
        check_option(missing, "missing", owner, SCORE_MISSING)
        return item_rows(
            data, self._plan, missing=missing, missing_values=missing_values, owner=owner
        )

    def _record_scores(
        self, rec: Mapping[str, Any], missing: str, missing_values: Sequence[float], owner: str
    ) -> dict[str, float]:
        """One respondent, no pandas: validated values, then the affine scores in Python."""
        if missing != "listwise" and missing != "error":
            check_option(missing, "missing", owner, SCORE_MISSING)
        codes = (
            None
            if type(missing_values) is tuple and not missing_values
            else missing_codes(missing_values)
        )
        vals = record_values(self._plan, rec, codes)
        if vals is None:  # not plain numbers in scale: convert, validate and name the problem
            vals = self._rows(rec, missing, missing_values, owner).X[0].tolist()
        out = {}
        for name, k0, a0, rest, c in self._terms:
            s = vals[k0] * a0
            for k, a in rest:
                s += vals[k] * a
            s -= c
            # as np.clip(s, 0, 100) in score_array (removes rounding only)
            if s < 0.0:
                s = 0.0
            elif s > 100.0:
                s = 100.0
            out[name] = s
        for h, w in self.higher_order.items():
            out[h] = sum(out[c] * x for c, x in w.items())
        return out

    def score(
        self, data: Any, *, missing: str = "listwise", missing_values: Sequence[float] = ()
    ) -> Any:
        """Per-respondent 0-100 construct scores of new data.

        Parameters
        ----------
        data : dict, list of dicts, ndarray, pandas.DataFrame, dask.dataframe.DataFrame or Parquet path(s)
            - a **dict** ``{item: answer}`` is one respondent (what a web request carries);
              keys that are not items are ignored;
            - a **list of dicts** (records, as a JSON array parses) is one row per record;
            - a 2-D **array** of shape ``(n, len(sm.items))`` has the items in ``sm.items``
              order;
            - a **DataFrame** has one row per respondent and the item columns (other columns
              ignored); Dask/Parquet data give a lazy Dask DataFrame (see ``docs/scale.md``).

            The same checks apply to every form (:func:`csimodel.data.prepare`): a missing
            item, text, an answer outside the stored scale or an infinite value raise
            :class:`~csimodel.DataError` naming the item and the record (0-based position)
            or row. ``None``/NaN is a missing answer.
        missing : {'listwise', 'error'}, default='listwise'
            ``'listwise'`` leaves rows with a missing answer out (warned; see ``prepare``),
            ``'error'`` raises naming them. A single dict with a missing answer is an error.
        missing_values : sequence of numbers, default=()
            Codes meaning "no answer", e.g. ``(-99,)``.

        Returns
        -------
        dict or pandas.DataFrame
            For a dict: ``{construct: score}`` of plain floats (JSON-ready). Otherwise a
            DataFrame, one column per construct; index = labels of the scored rows (for
            records and arrays: their 0-based positions). Every form gives bit-identical
            numbers for the same answers.

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
        >>> top = data.head(1).copy()
        >>> top[list(sm.items)] = 10
        >>> round(float(sm.score(top)["Satisfaction"].iloc[0]), 9)
        100.0
        >>> one = data[list(sm.items)].iloc[0].to_dict()   # one respondent as a dict
        >>> round(sm.score(one)["Satisfaction"], 2)
        53.02
        >>> sm.score(one)["Loyalty"] == float(sm.score(data.head(1))["Loyalty"].iloc[0])
        True
        >>> sm.score([one, one]).shape                      # records -> DataFrame
        (2, 7)
        """
        self._no_distributed_hoc(data)
        if isinstance(data, Mapping):
            return self._record_scores(data, missing, missing_values, "ScoringModel.score")
        if is_distributed_input(data):  # Dask DataFrame / Parquet: lazy, per partition
            from ..distributed.scoring import scoring_model_scores

            return scoring_model_scores(self, data, missing=missing, missing_values=missing_values)
        rows = self._rows(data, missing, missing_values, "ScoringModel.score")
        S = self._with_higher_order(score_array(rows.X, self._a, self._c, list(self._blocks_pos)))
        return pd.DataFrame(S, index=rows.index, columns=list(self.scored_constructs), copy=False)

    def indices(
        self,
        data: Any,
        by: str | Sequence[str] | None = None,
        *,
        weights: Any = None,
        missing: str = "listwise",
        missing_values: Sequence[float] = (),
    ) -> Any:
        """0-100 index per construct of new data, overall or per segment.

        Parameters
        ----------
        data : dict, list of dicts, ndarray, pandas.DataFrame, dask.dataframe.DataFrame or Parquet path(s)
            As in :meth:`score`. Dask/Parquet data give a lazy Dask DataFrame
            (``.compute()`` it).
        by : str or list of str, optional
            Segment column(s) of ``data`` (for records: keys of every record).
        weights : str or array-like, optional
            Case weights: a column of ``data`` (a key of every record) or one value per
            scored row.
        missing, missing_values
            As in :meth:`score`.

        Returns
        -------
        pandas.DataFrame or dict
            One row per segment, one column per construct, plus ``n``. For a single dict
            (one respondent, no ``by``/``weights``): ``{construct: index, "n": 1}``.

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
        >>> sm.indices(data).shape
        (1, 8)
        >>> records = data.to_dict("records")
        >>> sm.indices(records).equals(sm.indices(data))
        True
        """
        self._no_distributed_hoc(data)
        if isinstance(data, Mapping):
            if by is not None or weights is not None:
                raise DataError(
                    "by= and weights= need several respondents; a dict is one respondent. "
                    "Pass a list of records (dicts) or a DataFrame."
                )
            out: dict[str, Any] = self._record_scores(
                data, missing, missing_values, "ScoringModel.indices"
            )
            out["n"] = 1
            return out
        if is_distributed_input(data):  # Dask DataFrame / Parquet: lazy, per partition
            from ..distributed.scoring import scoring_model_indices

            return scoring_model_indices(
                self, data, by, weights=weights, missing=missing, missing_values=missing_values
            )
        by_cols = _by_list(by)
        rows = self._rows(data, missing, missing_values, "ScoringModel.indices")
        S = self._with_higher_order(score_array(rows.X, self._a, self._c, list(self._blocks_pos)))
        keys = [rows.column(b) for b in by_cols]
        w = _case_weights(weights, len(rows.positions), rows.column, "scored row")
        return segment_table(S, self.scored_constructs, keys, w)

    def score_json(
        self,
        text: str | bytes,
        *,
        missing: str = "listwise",
        missing_values: Sequence[float] = (),
        max_bytes: int = _json.MAX_BYTES,
    ) -> str:
        """Scores of respondents given as JSON, as JSON (no pandas on the way).

        Parameters
        ----------
        text : str or bytes
            A JSON object (one respondent, ``{"IMAG1": 7, ...}``) or an array of objects.
            Refused with :class:`~csimodel.DataError`: invalid JSON or UTF-8, ``NaN`` /
            ``Infinity`` literals, duplicate keys, nesting, other top-level values, texts
            over ``max_bytes``, and every error of :meth:`score`.
        missing, missing_values
            As in :meth:`score`.
        max_bytes : int, default=8 MiB
            Larger texts are refused before parsing.

        Returns
        -------
        str
            For an object: ``{"construct": score, ...}``. For an array: an array with one
            entry per input record, ``null`` for a record left out by ``missing='listwise'``
            (a :class:`~csimodel.DataWarning` says how many). Floats are written in
            shortest round-trip form, so parsing gives the numbers of :meth:`score` exactly.

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
        >>> text = data[list(sm.items)].head(1).to_json(orient="records", lines=True)
        >>> sm.score_json(text)[:26]
        '{"Image": 46.4220826657643'
        >>> sm.score_json('{"IMAG1": 7}')
        Traceback (most recent call last):
        ...
        csimodel.exceptions.DataError: Item(s) of the model missing from 1 of 1 record(s): ...
        """
        doc = _json.parse(text, max_bytes)
        if isinstance(doc, dict):
            return _json.dumps(
                self._record_scores(doc, missing, missing_values, "ScoringModel.score_json")
            )
        rows = self._rows(doc, missing, missing_values, "ScoringModel.score_json")
        S = self._with_higher_order(score_array(rows.X, self._a, self._c, list(self._blocks_pos)))
        return _json.dumps(
            _json.per_record(S, self.scored_constructs, rows.positions, rows.n_total)
        )

    def indices_json(
        self,
        text: str | bytes,
        by: str | Sequence[str] | None = None,
        *,
        weights: str | None = None,
        missing: str = "listwise",
        missing_values: Sequence[float] = (),
        max_bytes: int = _json.MAX_BYTES,
    ) -> str:
        """0-100 indices of respondents given as JSON, as JSON.

        Parameters
        ----------
        text : str or bytes
            As in :meth:`score_json`.
        by : str or list of str, optional
            Segment key(s) of every record.
        weights : str, optional
            Key of every record holding its case weight.
        missing, missing_values, max_bytes
            As in :meth:`score_json`.

        Returns
        -------
        str
            Without ``by``: ``{"construct": index, ..., "n": n}``. With ``by``: an array
            with one object per segment: the ``by`` keys, the indices and ``n``.

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
        >>> text = data[list(sm.items)].to_json(orient="records")
        >>> sm.indices_json(text)[-9:]
        '"n": 250}'
        """
        doc = _json.parse(text, max_bytes)
        table = self.indices(
            doc, by, weights=weights, missing=missing, missing_values=missing_values
        )
        if isinstance(table, dict):
            return _json.dumps(table)
        return _json.dumps(_json.segment_records(table, by is not None))

    def predict(
        self,
        data: Any,
        *,
        output: str = "scores",
        missing: str = "listwise",
        missing_values: Sequence[float] = (),
    ) -> Any:
        """Predicted endogenous construct scores (or items) of new respondents.

        The same computation as :meth:`FitResults.predict` (one implementation, from the
        stored means, SDs, outer weights, paths and loadings): a saved and re-loaded model
        predicts bit-identically to its fit. Only the exogenous constructs' items are read;
        they go through the same checks as in :meth:`score`.

        Parameters
        ----------
        data : dict, list of dicts, ndarray or pandas.DataFrame
            A dict ``{item: answer}`` is one respondent (returns a dict); a list of dicts is
            one row per record; a 2-D array has one column per exogenous item (or per model
            item) in model order; a DataFrame has the exogenous item columns (others are
            ignored).
        output : {'scores', 'items', 'index'}, default='scores'
            Predicted standardized construct scores; predicted item answers on the answer
            scale; or the predicted 0-100 index of every endogenous construct (its predicted
            answers on the 0-100 scale weighted with the index weights, clipped to [0, 100]).
            'items' and 'index' need a model file that stores loadings (re-save older files).
        missing, missing_values
            As in :meth:`score`.

        Returns
        -------
        dict or pandas.DataFrame
            For a dict: ``{name: value}`` of plain floats (JSON-ready). Otherwise one row per
            predicted respondent (index: row labels, or record / array positions); columns =
            endogenous constructs (or their items).

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
        >>> sm = res.to_scoring_model()
        >>> bool((sm.predict(data) == res.predict(data)).all().all())
        True
        >>> answers = {"IMAG1": 9, "IMAG2": 8, "IMAG3": 9, "IMAG4": 8, "IMAG5": 9}
        >>> round(sm.predict(answers)["Loyalty"], 3)  # one respondent: dict in, dict out
        0.32
        """
        if self._has_extensions:
            raise ModelError(
                "ScoringModel.predict does not support models with interaction terms or "
                "higher-order constructs yet (the scoring model keeps their 0-100 scores, "
                "not the stage-1 scoring a prediction needs). Save a model fitted without "
                "them to predict."
            )
        return predict_data(
            self._prediction_constants,
            data,
            output=output,
            missing=missing,
            missing_values=missing_values,
            owner="ScoringModel.predict",
        )

    def predict_json(
        self,
        text: str | bytes,
        *,
        output: str = "scores",
        missing: str = "listwise",
        missing_values: Sequence[float] = (),
        max_bytes: int = _json.MAX_BYTES,
    ) -> str:
        """Predictions for respondents given as JSON, as JSON (no pandas on the way in).

        Parameters
        ----------
        text : str or bytes
            A JSON object (one respondent's driver items) or an array of objects; refused as
            in :meth:`score_json`.
        output, missing, missing_values
            As in :meth:`predict`.
        max_bytes : int, default=8 MiB
            Larger texts are refused before parsing.

        Returns
        -------
        str
            For an object: ``{"construct": predicted score, ...}``. For an array: one entry
            per input record, ``null`` for a record left out by ``missing='listwise'``.

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> sm = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)).to_scoring_model()
        >>> out = sm.predict_json('{"IMAG1": 9, "IMAG2": 8, "IMAG3": 9, "IMAG4": 8, "IMAG5": 9}')
        >>> out[:12]
        '{"Expectatio'
        """
        doc = _json.parse(text, max_bytes)
        if isinstance(doc, dict):
            return _json.dumps(
                self.predict(doc, output=output, missing=missing, missing_values=missing_values)
            )
        table = self.predict(doc, output=output, missing=missing, missing_values=missing_values)
        positions = np.asarray(table.index, dtype=np.intp)
        return _json.dumps(
            _json.per_record(table.to_numpy(), list(table.columns), positions, len(doc))
        )

    @cached_property
    def _has_extensions(self) -> bool:
        return bool(self.higher_order) or Model(self.model_syntax).has_extensions

    @cached_property
    def _prediction_constants(self) -> PredictionConstants:
        ci = {c: k for k, c in enumerate(self.constructs)}
        P = np.zeros((len(self.constructs), len(self.constructs)))
        for a, b, v in self.paths:
            P[ci[a], ci[b]] = v
        return PredictionConstants(
            constructs=self.constructs,
            blocks=dict(self.blocks),
            items=self.items,
            paths=P,
            weights=self.outer_weights,
            loadings=self.loadings,
            mean=self.item_means,
            sd=self.item_sds,
            standardized=self.standardized,
            scale_low=self.scale_low,
            scale_high=self.scale_high,
            index_weights=self.index_weights,
        )

    # ------------------------------------------------------------------ presentation / io
    @property
    def index_weight_table(self) -> pd.Series:
        """Index weights as a Series with MultiIndex (construct, item)."""
        idx = pd.MultiIndex.from_tuples(
            [(c, i) for c in self.constructs for i in self.blocks[c]], names=["construct", "item"]
        )
        return pd.Series(np.array(self.index_weights), index=idx, name="index_weight")

    @property
    def path_coefficients(self) -> pd.DataFrame:
        """Structural coefficients: ``source, target, estimate``."""
        return pd.DataFrame(list(self.paths), columns=["source", "target", "estimate"])

    def save(self, path: Any) -> None:
        """Write the model as versioned, checksummed JSON (see :func:`csimodel.load_model`)."""
        from ..io.modelfile import save_model

        save_model(self, path)

    def summary(self) -> Summary:
        """Summary of the scoring model (scales, index weights, paths, data)."""
        from ..report.summary import Summary

        s = Summary("csimodel scoring model")
        s.add_info("csimodel version", self.csimodel_version)
        s.add_info("Estimator", self.estimator["name"])
        ds = self.data_summary
        s.add_info("Respondents (used / total)", f"{ds['n_used']} / {ds['n_total']}")
        s.add_info("Negative-weight policy", self.negative_weights)
        t = pd.DataFrame(
            {
                "index weight": self.index_weight_table,
                "scale low": np.array(self.scale_low),
                "scale high": np.array(self.scale_high),
            }
        )
        s.add_table("Index weights and scales", t)
        s.add_table("Paths", self.path_coefficients)
        return s

    def __repr__(self) -> str:
        return (
            f"<csimodel.ScoringModel: {len(self.constructs)} constructs, {len(self.items)} items, "
            f"fitted on {self.data_summary.get('n_used')} respondents>"
        )
