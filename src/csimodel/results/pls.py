"""Frozen fit results: arrays from the engine, labels attached once."""

from __future__ import annotations

from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import DataCounts, Frozen
from ..data import PreparedData
from ..exceptions import ModelError
from ..layout import EstimateArrays, effect_pairs, flatten_params, param_rows
from ..spec import Model

if TYPE_CHECKING:
    from ..report.summary import Summary
    from ..scoring.model import ScoringModel


__all__ = ["FitResults"]


class FitResults(DataCounts, Frozen):
    """Results of a fitted model (read-only; derived tables are computed once and cached).

    Attributes
    ----------
    model : Model
    estimator : object
        The estimator (configuration) that produced the fit.
    data : PreparedData
        Validated data, with ``n_total``, ``n_used``, ``excluded`` and ``imputed``.
    mean : ndarray of shape (p,)
        Item means of the used rows (weighted if weights were given).
    cov : ndarray of shape (p, p)
        Item covariance matrix the estimator worked on.
    arrays : EstimateArrays
        Raw batched estimates (batch of one).
    design : object or None
        For a model with interaction terms or higher-order constructs: how the estimation
        model's generated columns are built (``design.source`` is the model as written;
        ``model`` is then the estimation model, whose ``generated`` items are not data
        columns). ``None`` for a plain model.
    """

    model: Model
    estimator: Any
    data: PreparedData
    mean: np.ndarray
    cov: np.ndarray
    arrays: EstimateArrays
    design: Any

    def __init__(
        self,
        *,
        model: Model,
        estimator: Any,
        data: PreparedData,
        mean: np.ndarray,
        cov: np.ndarray,
        arrays: EstimateArrays,
        design: Any = None,
    ) -> None:
        super().__init__(
            model=model,
            estimator=estimator,
            data=data,
            mean=mean,
            cov=cov,
            arrays=arrays,
            design=design,
        )

    # ----------------------------------------------------------------- counts
    @property
    def converged(self) -> bool:
        return bool(self.arrays.converged[0])

    @property
    def n_iter(self) -> int:
        return int(self.arrays.n_iter[0])

    # ----------------------------------------------------------------- labels
    @cached_property
    def _item_index(self) -> pd.MultiIndex:
        m = self.model
        return pd.MultiIndex.from_tuples(
            [(c, i) for c in m.constructs for i in m.blocks[c]], names=["construct", "item"]
        )

    @cached_property
    def params(self) -> pd.DataFrame:
        """Long table ``lhs, op, rhs, estimate``.

        ``op`` '=~' rows are loadings of item ``rhs`` on construct ``lhs``, '<~' rows are
        outer weights (for every block, whatever its mode), '~' rows are paths
        (``lhs`` regressed on ``rhs``).
        """
        rows = param_rows(self.model)
        est = flatten_params(self.arrays, self.model)[0]
        df = pd.DataFrame(rows, columns=["lhs", "op", "rhs"])
        df["estimate"] = est
        return df

    @cached_property
    def path_coefficients(self) -> pd.DataFrame:
        """Paths: index = source construct, columns = target construct (NaN where no path)."""
        c = list(self.model.constructs)
        P = self.arrays.paths[0].copy()
        P[self.model.path_matrix() == 0] = np.nan
        return pd.DataFrame(P, index=pd.Index(c, name="source"), columns=pd.Index(c, name="target"))

    def _block_series(self, arr: np.ndarray, name: str) -> pd.Series:
        mask = self.model.block_mask()
        ii, jj = np.nonzero(mask)
        return pd.Series(arr[0][ii, jj], index=self._item_index, name=name)

    @cached_property
    def outer_weights(self) -> pd.Series:
        """Outer weights by (construct, item), for standardized items (or centred items
        when ``standardize=False``)."""
        return self._block_series(self.arrays.weights, "weight")

    @cached_property
    def loadings(self) -> pd.Series:
        """Loadings (item-construct correlations) by (construct, item)."""
        return self._block_series(self.arrays.block_loadings, "loading")

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        """Correlation of every item (rows) with every construct score (columns)."""
        return pd.DataFrame(
            self.arrays.cross_loadings[0],
            index=pd.Index(self.model.items, name="item"),
            columns=pd.Index(self.model.constructs, name="construct"),
        )

    @cached_property
    def construct_correlations(self) -> pd.DataFrame:
        c = pd.Index(self.model.constructs)
        return pd.DataFrame(self.arrays.construct_cor[0], index=c, columns=c)

    @cached_property
    def r_squared(self) -> pd.Series:
        """R² by endogenous construct."""
        endo = list(self.model.endogenous)
        pos = [self.model.constructs.index(c) for c in endo]
        return pd.Series(self.arrays.r2[0][pos], index=pd.Index(endo, name="construct"), name="r2")

    @cached_property
    def r_squared_adj(self) -> pd.Series:
        """Adjusted R²: :math:`1 - (1 - R^2)(n - 1)/(n - k - 1)`, k = number of predictors
        (NaN, undefined, when :math:`n \\le k + 1`)."""
        n = self.n_used
        k = np.array([len(self.model.predecessors(c)) for c in self.r_squared.index], dtype=float)
        dof = n - k - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = np.where(dof > 0, 1 - (1 - self.r_squared.to_numpy()) * (n - 1) / dof, np.nan)
        return pd.Series(adj, index=self.r_squared.index, name="r2_adj")

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every connected (source, target) pair."""
        c = self.model.constructs
        P = self.arrays.paths[0]
        T = self.arrays.total[0]
        rows = [
            (c[i], c[j], P[i, j], T[i, j] - P[i, j], T[i, j]) for i, j in effect_pairs(self.model)
        ]
        return pd.DataFrame(rows, columns=["source", "target", "direct", "indirect", "total"])

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Standardized construct scores, one row per used respondent."""
        X = self.data.X - self.mean  # with extensions: incl. the generated columns
        sd = self.arrays.item_sd[0]
        if getattr(self.estimator, "standardize", True):
            X = X / sd
        Y = X @ self.arrays.weights[0]
        return pd.DataFrame(Y, index=self.data.row_labels, columns=list(self.model.constructs))

    @cached_property
    def _prediction_constants(self):
        from ..numeric.prediction import PredictionConstants

        m = self.model
        mask = m.block_mask().astype(bool)
        return PredictionConstants(
            constructs=m.constructs,
            blocks=dict(m.blocks),
            items=m.items,
            paths=self.arrays.paths[0],
            weights=(self.arrays.weights[0] * mask).sum(axis=1),
            loadings=(self.arrays.block_loadings[0] * mask).sum(axis=1),
            mean=np.asarray(self.mean, dtype=float),
            sd=np.asarray(self.arrays.item_sd[0], dtype=float),
            standardized=bool(getattr(self.estimator, "standardize", True)),
            scale_low=self.data.scale_low,
            scale_high=self.data.scale_high,
        )

    def predict(
        self,
        data: Any,
        *,
        output: str = "scores",
        missing: str = "listwise",
        missing_values: Any = (),
        negative_weights: str = "error",
    ) -> Any:
        """Predict the endogenous constructs (or their items) of new respondents.

        Only the items of the exogenous constructs are needed: they are standardized with the
        fit's item means and SDs, weighted with the fit's outer weights, and carried through
        the total effects to every endogenous construct (the "earliest antecedents" of
        Shmueli et al. 2016). Item predictions are the predicted scores times the loadings,
        back on the items' own scale.

        .. math:: \\hat Y_{endo} = Y_{exo} T_{exo, endo}, \\qquad
                  \\hat x_k = \\bar x_k + s_k \\lambda_k \\hat Y_{c(k)}

        Parameters
        ----------
        data : dict, list of dicts, ndarray or pandas.DataFrame
            What :meth:`ScoringModel.score` accepts: a dict ``{item: answer}`` is one
            respondent (returns a dict of plain floats), a list of dicts one row per record,
            a 2-D array one column per exogenous item (or per model item) in model order, a
            DataFrame the exogenous constructs' item columns (others ignored). Answers
            outside the fit's declared scale raise :class:`~csimodel.DataError`.
        output : {'scores', 'items', 'index'}, default='scores'
            ``'scores'``: predicted standardized scores of the endogenous constructs;
            ``'items'``: predicted answers to their items, on the answer scale;
            ``'index'``: predicted 0-100 index of every endogenous construct (the predicted
            answers on the 0-100 scale weighted with the index weights of
            :meth:`to_scoring_model`, clipped to [0, 100]).
        missing : {'listwise', 'error'}, default='listwise'
            Rows with a missing exogenous answer are left out (warned) or refused.
        missing_values : sequence of numbers, default=()
            Codes meaning "no answer", e.g. ``(-99,)``.
        negative_weights : {'error', 'zero'}, default='error'
            With ``output='index'``: the index-weight policy, as in :meth:`to_scoring_model`.

        Returns
        -------
        dict or pandas.DataFrame
            For a dict: ``{name: value}``. Otherwise index = labels of the predicted rows
            (record / array positions for records and arrays); columns = endogenous
            constructs (or their items).

        Examples
        --------
        >>> import csimodel as cm
        >>> data = cm.datasets.load_ecsi_mobi()
        >>> res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
        >>> res.predict(data.head(2)).columns.tolist()[:3]
        ['Expectation', 'Quality', 'Value']
        >>> res.predict(data.head(2), output="items").shape
        (2, 19)
        >>> res.predict(data.head(2), output="index").columns.tolist()[-1]
        'Loyalty'
        """
        from ..scoring.prediction import predict_data

        if self.design is not None:
            raise ModelError(
                "predict() does not support models with interaction terms or higher-order "
                "constructs yet: their scores are built from stage-1 construct scores, which "
                "the prediction algebra does not carry. Predict with the model without the "
                "interaction term, or with the lower-order constructs as first-order ones."
            )
        const = self._prediction_constants
        if output == "index":  # the index weights are the scoring model's
            const = self.to_scoring_model(negative_weights=negative_weights)._prediction_constants
        return predict_data(
            const,
            data,
            output=output,
            missing=missing,
            missing_values=missing_values,
            owner="FitResults.predict",
        )

    def moment_builder(self, rows: np.ndarray | None = None) -> Any:
        """Batched item moments of this fit under case-weight patterns (for resampling).

        ``builder.moments(F)`` with ``F`` of shape ``(B, n)`` returns means ``(B, p)`` and
        covariances ``(B, p, p)`` of the estimation model's items. For a model with
        interaction terms or higher-order constructs the generated columns are rebuilt
        inside every pattern (stage 1 re-run, batched); ``rows`` restricts to a subset of
        the used rows (group analyses).
        """
        from ..moments import MomentBuilder

        if self.design is not None:
            return self.design.moment_builder(rows)
        if rows is None:
            return MomentBuilder(self.data.X, self.data.weights)
        w = None if self.data.weights is None else self.data.weights[rows]
        return MomentBuilder(self.data.X[rows], w)

    def to_scoring_model(self, *, negative_weights: str = "error") -> ScoringModel:
        """A frozen :class:`~csimodel.ScoringModel` for scoring new respondents (0-100).

        Needs a declared answer scale (``fit(..., scale=(1, 10))``); see
        :meth:`csimodel.ScoringModel.from_results` and ``negative_weights`` in
        :func:`csimodel.scoring.index_weights`.
        """
        from ..scoring.model import ScoringModel

        return ScoringModel.from_results(self, negative_weights=negative_weights)

    # ----------------------------------------------------------------- presentation
    def summary(self) -> Summary:
        """Text/HTML summary: settings, Used / Total respondents, paths, R², measurement."""
        from ..report.summary import Summary

        est = self.estimator
        s = Summary(f"csimodel {type(est).__name__} results")
        params = est.get_params() if hasattr(est, "get_params") else {}
        if self.design is None:  # extension settings matter only for extended models
            params = {k: v for k, v in params.items() if k not in ("interaction", "higher_order")}
        s.add_info(
            "Estimator",
            f"{type(est).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})",
        )
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Missing-data policy", self.data.missing)
        # out-of-memory data (csimodel.distributed) lists a bounded sample but counts all
        counts = getattr(self.data, "excluded_counts", None)
        if counts is None and len(self.excluded):
            counts = self.excluded["reason"].value_counts().to_dict()
        if counts:
            s.add_info("Excluded rows", ", ".join(f"{v} {k}" for k, v in counts.items()))
        n_imp = getattr(self.data, "n_imputed", None)
        n_imp = len(self.imputed) if n_imp is None else n_imp
        if n_imp:
            s.add_info("Imputed cells", f"{n_imp} (item means)")
        s.add_info("Case weights", "yes" if self.data.weights is not None else "no")
        if self.design is not None:
            src = self.design.source
            if src.interactions:
                s.add_info(
                    "Interaction terms",
                    f"{', '.join(src.interactions)} ({getattr(est, 'interaction', '')})",
                )
            if src.higher_order:
                s.add_info(
                    "Higher-order constructs",
                    "; ".join(f"{h} of {', '.join(v)}" for h, v in src.higher_order.items())
                    + f" ({getattr(est, 'higher_order', '')})",
                )
        s.add_info(
            "Converged",
            f"yes, after {self.n_iter} iterations"
            if self.converged
            else f"NO (stopped after {self.n_iter})",
        )
        paths = pd.DataFrame(
            [
                (
                    f"{src} -> {tgt}",
                    self.arrays.paths[0][
                        self.model.constructs.index(src), self.model.constructs.index(tgt)
                    ],
                )
                for src, tgt in self.model.paths
            ],
            columns=["path", "estimate"],
        ).set_index("path")
        s.add_table("Path coefficients", paths)
        r2 = pd.DataFrame({"R2": self.r_squared, "R2 adj": self.r_squared_adj})
        s.add_table("R-squared", r2)
        meas = pd.DataFrame({"loading": self.loadings, "weight": self.outer_weights})
        meas.insert(0, "mode", [self.model.modes[c] for c, _ in meas.index])
        s.add_table("Measurement model", meas)
        eff = self.effects.set_index(["source", "target"])
        s.add_table("Effects", eff)
        if not self.converged:
            s.add_note("The algorithm did not converge; treat the estimates with caution.")
        if self.model.interactions:
            s.add_note(
                "Interaction paths are on the scale of the product of standardized scores "
                "(Henseler & Chin 2010); see cm.simple_slopes for conditional effects."
            )
        return s

    def report(self, path: str | PathLike[str], **kwargs: Any) -> Path:
        """Write one self-contained HTML report; see :func:`csimodel.report.write_report`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import csimodel as cm
        >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
        >>> res.report(pathlib.Path(tempfile.mkdtemp()) / "r.html").suffix
        '.html'
        """
        from ..report.html import write_report

        return write_report(self, Path(path), **kwargs)

    def __repr__(self) -> str:
        return (
            f"<csimodel.FitResults: {type(self.estimator).__name__}, "
            f"{len(self.model.constructs)} constructs, {self.n_used} of {self.n_total} rows used>"
        )
