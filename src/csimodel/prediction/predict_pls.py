"""PLSpredict: k-fold cross-validated out-of-sample predictions (Shmueli et al. 2016, 2019)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import check_option
from ..numeric.prediction import construct_scores, predict_constructs, predict_items
from ._folds import (
    blas_threads_for,
    check_pls_result,
    check_technique,
    fold_labels,
    lm_coefficients,
    training_fits,
)

if TYPE_CHECKING:
    from ..plotting.prediction import PredictionErrorDisplay
    from ..report.summary import Summary

__all__ = ["predict_pls", "PredictResults"]

LM_PREDICTORS = ("exogenous", "direct")


class _Layout:
    """Positions of the model's items and constructs used by the prediction steps."""

    def __init__(self, model) -> None:
        self.constructs = list(model.constructs)
        self.items = list(model.items)
        ci = {c: k for k, c in enumerate(self.constructs)}
        ii = {it: k for k, it in enumerate(self.items)}
        self.endo = [c for c in self.constructs if c in set(model.endogenous)]
        self.endo_pos = [ci[c] for c in self.endo]
        self.exo_mask = ~model.path_matrix().astype(bool).any(axis=0)
        self.exo_items = [
            ii[i] for c in self.constructs if self.exo_mask[ci[c]] for i in model.blocks[c]
        ]
        self.targets = {c: [ii[i] for i in model.blocks[c]] for c in self.endo}
        self.direct = {
            c: [
                ii[i]
                for a in self.constructs
                if a in set(model.predecessors(c))
                for i in model.blocks[a]
            ]
            for c in self.endo
        }
        self.endo_items = [self.items[k] for c in self.endo for k in self.targets[c]]
        self.q = [ii[i] for i in self.endo_items]
        self.construct_of = np.array([ci[c] for c in self.endo for _ in self.targets[c]], dtype=int)
        self.item_construct = [c for c in self.endo for _ in self.targets[c]]
        mask = model.block_mask().astype(bool)
        self.load_idx = (np.array(self.q, dtype=int), self.construct_of)
        self.mask = mask


def cross_validate(res: Any, labels: np.ndarray, k: int, technique: str, lm: str, owner: str):
    """Out-of-sample predictions of every repetition (raw item units).

    Returns a dict of arrays of shape ``(repeats, n, q)`` (``pls``, ``lm``, ``mean``: the
    training mean of the fold holding the respondent out, ``sd``: its training SD) and
    ``(repeats, n, n_endo)`` (``scores``: predicted construct scores), with the fits. Every
    respondent is predicted with the constants of the training fit that held it out
    (gathered per row, so each repetition is a handful of array operations).
    """
    R, n = labels.shape
    p = len(res.model.items)
    with blas_threads_for(float(R) * k * n * (p + p * (p + 1) / 2)):
        return _cross_validate(res, labels, k, technique, lm, owner)


def _cross_validate(res: Any, labels: np.ndarray, k: int, technique: str, lm: str, owner: str):
    fits = training_fits(res, labels, k, owner)
    lay = _Layout(res.model)
    X = res.data.X
    est = fits.est
    standardized = bool(getattr(res.estimator, "standardize", True))
    mask = lay.mask.astype(float)
    item_w = (est.weights * mask).sum(axis=2)  # (B, p): each item's weight in its block
    loads = est.block_loadings[:, lay.load_idx[0], lay.load_idx[1]]  # (B, q)
    R, n = labels.shape
    betas = []
    for c in lay.endo:
        preds = lay.exo_items if lm == "exogenous" else lay.direct[c]
        betas.append(
            (preds, lay.targets[c], lm_coefficients(fits, preds, lay.targets[c], owner, repr(c)))
        )
    out = {name: np.empty((R, n, len(lay.q))) for name in ("pls", "lm", "mean", "sd")}
    out["scores"] = np.empty((R, n, len(lay.endo)))
    for r in range(R):
        b = r * k + labels[r]  # the training fit that holds each respondent out
        m, s = fits.mean[b], fits.sd[b]
        Y = construct_scores(X, m, s, item_w[b], mask, standardized)
        Yhat = predict_constructs(Y, est.paths[b], lay.exo_mask, technique)
        mq, sq = m[:, lay.q], s[:, lay.q]
        out["pls"][r] = predict_items(Yhat, loads[b], lay.construct_of, mq, sq)
        out["scores"][r] = Yhat[:, lay.endo_pos]
        out["mean"][r] = mq
        out["sd"][r] = sq
        col = 0
        for preds, t, beta in betas:
            dev = X[:, preds] - m[:, preds]
            out["lm"][r, :, col : col + len(t)] = m[:, t] + np.einsum("np,npt->nt", dev, beta[b])
            col += len(t)
    return out, fits, lay


class PredictResults(Frozen):
    """Cross-validated PLS predictions and their metrics (read-only).

    Attributes
    ----------
    items : pandas.DataFrame
        Index = indicator of an endogenous construct; columns ``pls_rmse``, ``pls_mae``,
        ``lm_rmse``, ``lm_mae``, ``q2_predict`` (out of sample, in the item's units).
    constructs : pandas.DataFrame
        Index = endogenous construct; columns ``rmse``, ``mae``, ``q2_predict`` of the
        predicted construct scores against the full-sample scores.
    predictions : pandas.DataFrame
        Out-of-sample PLS item predictions, ``n_used x items`` (mean over repetitions).
    lm_predictions : pandas.DataFrame
        The linear-model benchmark's out-of-sample predictions (mean over repetitions).
    errors : pandas.DataFrame
        Prediction errors ``actual - predicted`` of :attr:`predictions`.
    construct_predictions : pandas.DataFrame
        Out-of-sample predicted scores of the endogenous constructs (mean over repetitions).
    folds : pandas.DataFrame
        Fold (1..k) of every used respondent, one column per repetition.
    """

    k: int
    repeats: int
    technique: str
    lm_predictors: str
    n_used: int
    n_total: int
    item_construct: list[str]
    actual: np.ndarray
    actual_scores: np.ndarray
    benchmark_mean: np.ndarray
    construct_benchmark: np.ndarray
    predictions: pd.DataFrame
    lm_predictions: pd.DataFrame
    construct_predictions: pd.DataFrame
    folds: pd.DataFrame

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)

    @cached_property
    def items(self) -> pd.DataFrame:
        e = self.errors.to_numpy()
        le = self.actual - self.lm_predictions.to_numpy()
        be = self.actual - self.benchmark_mean
        df = pd.DataFrame(
            {
                "pls_rmse": np.sqrt(np.mean(e**2, axis=0)),
                "pls_mae": np.mean(np.abs(e), axis=0),
                "lm_rmse": np.sqrt(np.mean(le**2, axis=0)),
                "lm_mae": np.mean(np.abs(le), axis=0),
                "q2_predict": 1.0 - np.sum(e**2, axis=0) / np.sum(be**2, axis=0),
            },
            index=pd.Index(self.predictions.columns, name="item"),
        )
        df.insert(0, "construct", self.item_construct)
        return df

    @cached_property
    def constructs(self) -> pd.DataFrame:
        a = self.actual_scores
        e = a - self.construct_predictions.to_numpy()
        be = a - self.construct_benchmark
        return pd.DataFrame(
            {
                "rmse": np.sqrt(np.mean(e**2, axis=0)),
                "mae": np.mean(np.abs(e), axis=0),
                "q2_predict": 1.0 - np.sum(e**2, axis=0) / np.sum(be**2, axis=0),
            },
            index=pd.Index(self.construct_predictions.columns, name="construct"),
        )

    @cached_property
    def errors(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.actual - self.predictions.to_numpy(),
            index=self.predictions.index,
            columns=self.predictions.columns,
        )

    def summary(self) -> Summary:
        """Item and construct metrics, settings, and the guideline's comparison with LM."""
        from ..report.summary import Summary

        s = Summary("csimodel PLSpredict (cross-validated prediction)")
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        s.add_info("Folds x repetitions", f"{self.k} x {self.repeats}")
        s.add_info("Technique", f"{self.technique} antecedents")
        s.add_info("LM benchmark predictors", f"items of the {self.lm_predictors} constructs")
        it = self.items
        better = int((it["pls_rmse"] < it["lm_rmse"]).sum())
        s.add_info("Items where PLS beats LM (RMSE)", f"{better} of {len(it)}")
        s.add_table("Indicators (out of sample)", it)
        s.add_table("Constructs (out of sample)", self.constructs)
        skew = self.errors.skew()
        if (skew.abs() > 1).any():
            s.add_note(
                "Some prediction-error distributions are strongly skewed (|skew| > 1): compare "
                "MAE rather than RMSE (Shmueli et al. 2019). See .plot()."
            )
        if (it["q2_predict"] <= 0).any():
            s.add_note("Q2_predict <= 0 for some indicators: the model does not beat the mean.")
        s.add_note(
            "Shmueli et al. (2019): PLS < LM on all indicators = high, on the majority = medium, "
            "on a minority = low, on none = no predictive power (given Q2_predict > 0)."
        )
        return s

    def plot(self, *, ax: Any = None, bins: int = 20) -> PredictionErrorDisplay:
        """Histograms of the prediction errors per indicator (a Display object)."""
        from ..plotting.prediction import PredictionErrorDisplay

        return PredictionErrorDisplay.from_result(self, bins=bins).plot(ax=ax)

    def __repr__(self) -> str:
        return (
            f"<csimodel.PredictResults: {self.k} folds x {self.repeats} repetitions, "
            f"{self.predictions.shape[1]} indicators, {self.n_used} respondents>"
        )


def predict_pls(
    res: Any,
    folds: Any = 10,
    repeats: int = 10,
    technique: str = "direct",
    random_state: Any = None,
    *,
    lm_predictors: str = "exogenous",
) -> PredictResults:
    """PLSpredict: k-fold cross-validated out-of-sample predictions of the endogenous items.

    For each training set (all folds but one) the model is re-estimated from the training
    moments (training means, SDs, weights, loadings and paths). The held-out respondents'
    items are standardized with the *training* means and SDs, their construct scores
    computed with the training weights, the endogenous constructs predicted through the
    training paths, and the items predicted as predicted scores times training loadings,
    back on the items' scale:

    .. math:: \\hat x_k = \\bar x^{train}_k + s^{train}_k \\lambda^{train}_k \\hat Y_{c(k)}

    All ``folds x repeats`` training fits are one batched engine call: a training set's
    moments are the full moments minus the holdout's.

    Parameters
    ----------
    res : FitResults
        A :class:`~csimodel.PLS` (or PLSc) fit without case weights.
    folds : int or array-like, default=10
        Number of folds ``k`` (2 <= k <= n_used); per repetition one random permutation of
        the used respondents is cut into ``k`` contiguous blocks (sizes differ by at most
        one). Or explicit fold labels, one per used respondent in ``res.scores`` order (then
        ``repeats`` must be 1), e.g. to reproduce another program's folds.
    repeats : int, default=10
        Repetitions of the k-fold split. Predictions are averaged over repetitions and the
        metrics computed from the averaged predictions.
    technique : {'direct', 'earliest'}, default='direct'
        Predict an endogenous construct from its direct antecedents' scores (DA) or from the
        exogenous constructs through the total effects (EA).
    random_state : None, int or numpy.random.Generator
        Seed of the fold permutations.
    lm_predictors : {'exogenous', 'direct'}, default='exogenous'
        Items the linear-model benchmark regresses each endogenous item on (with intercept,
        fitted on the training folds): all exogenous constructs' items (Shmueli et al. 2019,
        SmartPLS) or the items of the construct's direct antecedents (seminr's DA benchmark).

    Returns
    -------
    PredictResults
        ``.items`` (pls_rmse, pls_mae, lm_rmse, lm_mae, q2_predict per indicator),
        ``.constructs`` (rmse, mae, q2_predict), ``.predictions``, ``.summary()``,
        ``.plot()``. :math:`Q^2_{predict} = 1 - SSE_{PLS} / SSE_{mean}` with the mean of the
        item over the training rows of the fold that holds each respondent out.

    References
    ----------
    Shmueli, G., Ray, S., Velasquez Estrada, J. M., Chatla, S. B. (2016). The elephant in the
    room: predictive performance of PLS models. *Journal of Business Research* 69, 4552-4564.
    Shmueli, G., Sarstedt, M., Hair, J. F., et al. (2019). Predictive model assessment in
    PLS-SEM: guidelines for using PLSpredict. *European Journal of Marketing* 53, 2322-2347.

    Tested against refits with ``cm.PLS().fit`` on every training fold (1e-10) and against
    seminr-py's ``predict_pls`` with the same folds (see ``tests/prediction``).

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> pp = cm.predict_pls(res, folds=10, repeats=2, random_state=0)
    >>> pp.items.columns.tolist()
    ['construct', 'pls_rmse', 'pls_mae', 'lm_rmse', 'lm_mae', 'q2_predict']
    >>> bool((pp.items["q2_predict"] > 0).all())
    True
    """
    owner = "predict_pls"
    check_pls_result(res, owner)
    check_technique(technique, owner)
    check_option(lm_predictors, "lm_predictors", owner, LM_PREDICTORS)
    labels, k = fold_labels(res.n_used, folds, repeats, random_state, owner)
    out, fits, lay = cross_validate(res, labels, k, technique, lm_predictors, owner)
    idx = res.data.row_labels
    cols = pd.Index(lay.endo_items, name="item")
    X = res.data.X
    scores = res.scores.to_numpy()[:, lay.endo_pos]
    # construct benchmark: mean of the full-sample scores over the training rows
    R = labels.shape[0]
    tmean = (fits.weights @ scores) / fits.weights.sum(axis=1)[:, None]  # (B, n_endo)
    cbench = np.empty((R, len(idx), len(lay.endo)))
    for r in range(R):
        cbench[r] = tmean[r * k + labels[r]]
    return PredictResults(
        k=k,
        repeats=R,
        technique=technique,
        lm_predictors=lm_predictors,
        n_used=res.n_used,
        n_total=res.n_total,
        item_construct=lay.item_construct,
        actual=X[:, lay.q],
        actual_scores=scores,
        benchmark_mean=out["mean"].mean(axis=0),
        construct_benchmark=cbench.mean(axis=0),
        predictions=pd.DataFrame(out["pls"].mean(axis=0), index=idx, columns=cols),
        lm_predictions=pd.DataFrame(out["lm"].mean(axis=0), index=idx, columns=cols),
        construct_predictions=pd.DataFrame(
            out["scores"].mean(axis=0), index=idx, columns=pd.Index(lay.endo, name="construct")
        ),
        folds=pd.DataFrame(labels.T + 1, index=idx, columns=[f"repeat_{r + 1}" for r in range(R)]),
    )
