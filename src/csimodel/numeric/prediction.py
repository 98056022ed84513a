"""The PLS prediction algebra (internal): construct and item predictions from fitted arrays.

One implementation serves :meth:`FitResults.predict`, :meth:`ScoringModel.predict` and the
cross-validated :func:`csimodel.predict_pls` / :func:`csimodel.cvpat` (which call it once per
training fold). All inputs are plain arrays in the model's item / construct order.

For item values :math:`x`, item means :math:`m`, standard deviations :math:`s`, outer weights
:math:`W` (block layout, ``p x J``), path coefficients :math:`P` (``J x J``, ``P[i, j]`` is
the path i -> j) and total effects :math:`T`:

.. math::

    Y = \\frac{x - m}{s} W, \\qquad
    \\hat Y_j = \\sum_i P_{ij} Y_i \\;(\\text{direct}), \\qquad
    \\hat Y_j = \\sum_{i \\in \\text{exo}} T_{ij} Y_i \\;(\\text{earliest}), \\qquad
    \\hat x_k = m_k + s_k \\lambda_k \\hat Y_{c(k)},

with :math:`\\lambda_k` the loading of item *k* on its construct :math:`c(k)`. Without
standardization (``standardized=False``) the items are only centred before weighting; the
item prediction is the same because the loadings are item-score correlations and the scores
have unit variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "TECHNIQUES",
    "construct_scores",
    "predict_constructs",
    "predict_items",
    "PredictionConstants",
    "predict_rows",
    "predict_new",
]

TECHNIQUES = ("direct", "earliest")


def construct_scores(
    X: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    item_weights: np.ndarray,
    mask: np.ndarray,
    standardized: bool,
) -> np.ndarray:
    """Construct scores ``(n, J)`` of item rows ``X`` ``(n, p)`` with a fit's constants.

    ``mean``, ``sd`` and ``item_weights`` (each item's weight in its own block) are ``(p,)``
    for one fit or ``(n, p)`` when every row comes with its own fit (cross-validation);
    ``mask`` ``(p, J)`` is the 0/1 block layout.
    """
    Z = X - mean
    if standardized:
        Z = Z / sd
    return (Z * item_weights) @ mask


def _apply_paths(Y: np.ndarray, paths: np.ndarray) -> np.ndarray:
    if paths.ndim == 3:  # one path matrix per row
        return np.einsum("nj,njl->nl", Y, paths)
    return Y @ paths


def predict_constructs(
    Y: np.ndarray, paths: np.ndarray, exogenous: np.ndarray, technique: str = "earliest"
) -> np.ndarray:
    """Predicted construct scores ``(n, J)``; exogenous columns keep their scores.

    Parameters
    ----------
    Y : ndarray of shape (n, J)
        Construct scores from the items.
    paths : ndarray of shape (J, J) or (n, J, J)
        ``paths[i, j]``: coefficient of the path i -> j (per row if 3-D).
    exogenous : ndarray of bool, shape (J,)
        Constructs without predecessors.
    technique : {'direct', 'earliest'}
        ``'direct'``: from the scores of the direct antecedents (seminr's DA);
        ``'earliest'``: from the exogenous scores, carried through the model in causal
        order (EA; equal to the total effects of the exogenous constructs).
    """
    exo = np.asarray(exogenous, dtype=bool)
    if technique == "direct":
        out = _apply_paths(Y, paths)
    else:
        out = np.where(exo, Y, 0.0)
        # acyclic structure: after at most J steps every construct is reached
        for _ in range(paths.shape[-1]):
            nxt = np.where(exo, Y, _apply_paths(out, paths))
            if np.array_equal(nxt, out):
                break
            out = nxt
    out[:, exo] = Y[:, exo]
    return out


def predict_items(
    Yhat: np.ndarray,
    loadings: np.ndarray,
    construct_of: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
) -> np.ndarray:
    """Predicted item values ``(n, q)`` on the items' own scale.

    Parameters
    ----------
    Yhat : ndarray of shape (n, J)
        Predicted construct scores.
    loadings : ndarray of shape (q,) or (n, q)
        Loading of each predicted item on its own construct.
    construct_of : ndarray of int, shape (q,)
        Column of ``Yhat`` holding each item's construct.
    mean, sd : ndarray of shape (q,) or (n, q)
        The items' means and standard deviations.
    """
    return mean + sd * loadings * Yhat[:, construct_of]


OUTPUTS = ("scores", "items", "index")


class PredictionConstants:
    """What predicting new respondents needs from a fit (arrays in model order).

    Built by :meth:`FitResults.predict` from the fit and by :meth:`ScoringModel.predict` from
    the stored model; both then call :func:`predict_new`, so a saved and re-loaded model
    predicts bit-identically to its fit.
    """

    def __init__(
        self,
        *,
        constructs: tuple[str, ...],
        blocks: dict[str, tuple[str, ...]],
        items: tuple[str, ...],
        paths: np.ndarray,
        weights: np.ndarray,
        loadings: np.ndarray | None,
        mean: np.ndarray,
        sd: np.ndarray,
        standardized: bool,
        scale_low: np.ndarray,
        scale_high: np.ndarray,
        index_weights: np.ndarray | None = None,
    ) -> None:
        self.constructs = tuple(constructs)
        self.blocks = blocks
        self.items = tuple(items)
        self.paths = paths
        self.weights = weights  # per item (its own block)
        self.loadings = loadings  # per item, or None (model files written before 0.2)
        self.mean = mean
        self.sd = sd
        self.standardized = standardized
        self.scale_low = scale_low
        self.scale_high = scale_high
        self.index_weights = index_weights  # per item, summing to 1 per block (0-100 output)
        self.exogenous: np.ndarray = np.asarray(~paths.astype(bool).any(axis=0), dtype=bool)
        ci = {c: k for k, c in enumerate(self.constructs)}
        self.construct_of = np.array([ci[c] for c in self.constructs for _ in blocks[c]], int)
        self.cache: dict[str, Any] = {}  # per-model helpers of the input doors

    @property
    def endogenous(self) -> list[str]:
        return [c for c, e in zip(self.constructs, self.exogenous.tolist(), strict=True) if not e]

    @property
    def exogenous_items(self) -> list[str]:
        return [
            i
            for c, e in zip(self.constructs, self.exogenous, strict=True)
            if e
            for i in self.blocks[c]
        ]


def _array_frame(data: np.ndarray, need: list[str], items: tuple[str, ...], owner: str):
    """A plain array: one column per exogenous item, or per model item, in model order."""
    import pandas as pd

    from ..exceptions import DataError

    arr = data[None, :] if data.ndim == 1 else data
    if arr.ndim != 2 or arr.shape[1] not in (len(need), len(items)):
        raise DataError(
            f"{owner} got an array of shape {data.shape}; a plain array needs one column per "
            f"exogenous item ({len(need)}: {', '.join(need[:5])}{', ...' if len(need) > 5 else ''}) "
            f"or per model item ({len(items)}), in model order. Pass a DataFrame with named "
            "columns instead."
        )
    cols = need if arr.shape[1] == len(need) else list(items)
    return pd.DataFrame(arr, columns=cols)


def check_request(const: PredictionConstants, output: str, owner: str) -> None:
    """The model must have endogenous constructs (and loadings for ``output='items'``)."""
    from .._validation import check_option
    from ..exceptions import ModelError

    check_option(output, "output", owner, OUTPUTS)
    if not const.endogenous:
        raise ModelError(
            f"{owner} predicts endogenous constructs, and the model has none. Add a structural "
            "path ('Target ~ Source') to the model."
        )
    if output == "index" and const.index_weights is None:
        raise ModelError(
            f"{owner}(output='index') needs the index weights of a scoring model: use "
            "res.to_scoring_model().predict(..., output='index')."
        )
    if output in ("items", "index") and const.loadings is None:
        raise ModelError(
            f"{owner}(output={output!r}) needs the loadings, which this model file does not hold "
            "(it was written by an older csimodel). Re-save it from its fit with "
            "res.to_scoring_model().save(path), or use output='scores'."
        )


def predict_rows(
    const: PredictionConstants, X: np.ndarray, output: str = "scores"
) -> tuple[np.ndarray, list[str]]:
    """Predictions ``(n, m)`` and their column names from validated exogenous answers.

    ``X`` holds one column per item of :attr:`PredictionConstants.exogenous_items`, already
    through a data door (checked numbers, scale, missing policy).
    """
    need = const.exogenous_items
    pos = [const.items.index(i) for i in need]
    mask = np.zeros((len(need), len(const.constructs)))
    mask[np.arange(len(need)), const.construct_of[pos]] = 1.0
    Y = construct_scores(
        X, const.mean[pos], const.sd[pos], const.weights[pos], mask, const.standardized
    )
    Yhat = predict_constructs(Y, const.paths, const.exogenous, "earliest")
    endo = const.endogenous
    if output == "scores":
        return Yhat[:, [const.constructs.index(c) for c in endo]], endo
    items = [i for c in endo for i in const.blocks[c]]
    ip = [const.items.index(i) for i in items]
    loadings = np.asarray(const.loadings)
    Xhat = predict_items(Yhat, loadings[ip], const.construct_of[ip], const.mean[ip], const.sd[ip])
    if output == "items":
        return Xhat, items
    # 0-100: the predicted answers on the 0-100 scale, weighted with the index weights
    lo, hi = const.scale_low[ip], const.scale_high[ip]
    w = np.asarray(const.index_weights)[ip]
    pct = (Xhat - lo) / (hi - lo) * 100.0
    owner_col = np.array([endo.index(c) for c in endo for _ in const.blocks[c]], dtype=int)
    W = np.zeros((len(items), len(endo)))
    W[np.arange(len(items)), owner_col] = w
    return np.clip(pct @ W, 0.0, 100.0), endo


def predict_new(
    const: PredictionConstants,
    data: Any,
    *,
    output: str = "scores",
    missing: str = "listwise",
    missing_values: Any = (),
    owner: str = "predict",
) -> Any:
    """Predicted endogenous construct scores or items of new respondents (a DataFrame).

    The new rows pass through :func:`csimodel.data.prepare` with the fit's answer scale; only
    the items of the exogenous constructs are read (other columns are ignored; a plain 2-D
    array holds one column per exogenous item, or per model item, in model order), so the
    endogenous answers need not be known. Predictions use the earliest antecedents (the
    exogenous constructs) through the total effects (:func:`predict_rows`).
    """
    import pandas as pd

    from .._validation import check_option
    from ..data import _rows, prepare
    from ..exceptions import DataError

    check_request(const, output, owner)
    check_option(missing, "missing", owner, ("listwise", "error"))
    need = const.exogenous_items
    pos = [const.items.index(i) for i in need]
    if isinstance(data, np.ndarray) and not data.dtype.names:
        data = _array_frame(data, need, const.items, owner)
    if isinstance(data, pd.DataFrame):
        absent = [i for i in need if i not in set(data.columns)]
        if absent:
            raise DataError(
                f"{owner} needs the items of the exogenous constructs; column(s) {_rows(absent)} "
                f"are not in the new data ({len(absent)} of {len(need)} missing). Add them (named "
                "as in the model) or rename the columns."
            )
    lo, hi = const.scale_low[pos], const.scale_high[pos]
    declared = np.isfinite(lo) & np.isfinite(hi)
    scale = {it: (lo[k], hi[k]) for k, it in enumerate(need) if declared[k]} or None
    p = prepare(
        data,
        need,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        owner=owner,
        min_rows=1,
        require_variation=False,
    )
    values, cols = predict_rows(const, p.X, output)
    return pd.DataFrame(values, index=p.row_labels, columns=cols)
