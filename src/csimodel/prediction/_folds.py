"""Fold assignment and the batched training fits shared by PLSpredict and CVPAT (internal).

A fold's training moments are the full moments minus the holdout's: with ``F[b, i] = 0``
for the respondents held out in training set ``b`` and 1 otherwise, one
:class:`~csimodel.moments.MomentBuilder` product gives the means and covariance matrices of
all ``k x repeats`` training sets, and one call of the fit's estimator engine estimates them
all (a leading batch axis).
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_option
from ..exceptions import ConvergenceWarning, DataError, EstimationError, ModelError
from ..layout import EstimateArrays
from ..moments import MomentBuilder
from ..results import FitResults

# below this many multiply-adds in the moments product, one BLAS thread is faster: threaded
# BLAS on small matrices spins against other processes (measured: 30 ms instead of 3 ms for
# predict_pls 10 x 10 on the corporate reputation model on 2 shared cores)
_SMALL_WORK = 5e7


def blas_threads_for(work: float) -> contextlib.AbstractContextManager:
    """One BLAS thread for small batched problems (a no-op without threadpoolctl)."""
    if work > _SMALL_WORK:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with semopy's dependencies
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def check_pls_result(res: Any, owner: str) -> None:
    """``res`` must be a PLS/PLSc fit with endogenous constructs and no case weights."""
    if not isinstance(res, FitResults) or not hasattr(res.estimator, "estimate"):
        raise ModelError(
            f"{owner} needs the result of cm.PLS().fit(...) or cm.PLSc().fit(...). Got "
            f"{type(res).__name__} instead (CB-SEM results have no composite scores to predict "
            "with)."
        )
    if getattr(res, "design", None) is not None:
        raise ModelError(
            f"{owner} does not support models with interaction terms or higher-order "
            "constructs yet: their generated columns come from stage-1 scores of all "
            "respondents, so holdout rows would leak into the training folds. Assess the "
            "model without the interaction term (or with first-order constructs)."
        )
    if not res.model.endogenous:
        raise ModelError(
            f"{owner} predicts the endogenous constructs and the model has none. Add a "
            "structural path ('Target ~ Source')."
        )
    if res.data.weights is not None:
        raise DataError(
            f"{owner} does not use case weights: cross-validated prediction errors are "
            "unweighted. Refit without weights= to assess prediction."
        )


def _positive_int(v: Any, name: str, owner: str, low: int) -> int:
    if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < low:
        raise DataError(
            f"The {name!r} parameter of {owner} must be an integer >= {low}. Got {v!r} instead."
        )
    return int(v)


def fold_labels(
    n: int, folds: Any, repeats: Any, random_state: Any, owner: str
) -> tuple[np.ndarray, int]:
    """Fold index (0..k-1) of every used respondent per repetition: ``(repeats, n)``, and k.

    An integer ``folds`` shuffles the respondents once per repetition
    (``numpy.random.default_rng(random_state).permutation``) and cuts the permuted order
    into ``k`` contiguous blocks: position ``i`` goes to block ``floor(i k / n)``, so block
    sizes differ by at most one. Explicit labels (one per used respondent) fix the folds.
    """
    repeats = _positive_int(repeats, "repeats", owner, 1)
    if isinstance(folds, numbers.Integral) and not isinstance(folds, bool):
        k = int(folds)
        if k < 2 or k > n:
            raise DataError(
                f"The 'folds' parameter of {owner} must be between 2 and the number of used "
                f"respondents ({n}). Got {k} instead. Use fewer folds (10 is usual)."
            )
        rng = np.random.default_rng(random_state)
        block = (np.arange(n) * k) // n
        out = np.empty((repeats, n), dtype=np.intp)
        for r in range(repeats):
            out[r, rng.permutation(n)] = block
        return out, k
    if isinstance(folds, (str, bytes, bool, float)) or folds is None:
        raise DataError(
            f"The 'folds' parameter of {owner} must be an integer number of folds or one fold "
            f"label per used respondent. Got {folds!r} instead."
        )
    labels = np.asarray(folds)
    if labels.ndim != 1 or len(labels) != n:
        raise DataError(
            f"Explicit fold labels for {owner} need one label per used respondent ({n}, in the "
            f"order of res.scores). Got {labels.shape[0] if labels.ndim else 0} labels instead."
        )
    if repeats != 1:
        raise DataError(
            f"Explicit fold labels fix the folds, so the 'repeats' parameter of {owner} must be "
            f"1. Got {repeats} instead."
        )
    values, inverse = np.unique(labels, return_inverse=True)
    if np.issubdtype(labels.dtype, np.integer):
        full = np.arange(values.min(), values.max() + 1)
        empty = np.setdiff1d(full, values)
        if len(empty):
            raise DataError(
                f"Fold(s) {', '.join(str(e) for e in empty[:5])} of the fold labels have no "
                "respondents. Number the folds without gaps (e.g. 1..k), each used at least once."
            )
    if len(values) < 2:
        raise DataError(
            f"The fold labels of {owner} name only one fold; at least 2 are needed so that "
            "every respondent is predicted by a model trained on the others."
        )
    return inverse.reshape(1, n).astype(np.intp), len(values)


@dataclass(frozen=True)
class TrainingFits:
    """The ``repeats x k`` training fits, batch member ``b = r * k + f``."""

    labels: np.ndarray  # (repeats, n)
    k: int
    weights: np.ndarray  # (B, n) 1 = training row
    mean: np.ndarray  # (B, p)
    cov: np.ndarray  # (B, p, p)
    sd: np.ndarray  # (B, p)
    est: EstimateArrays

    def holdout(self, b: int) -> np.ndarray:
        r, f = divmod(b, self.k)
        return np.flatnonzero(self.labels[r] == f)


def training_fits(res: FitResults, labels: np.ndarray, k: int, owner: str) -> TrainingFits:
    """Moments of every training set and ONE batched engine call on them."""
    R, n = labels.shape
    F = np.ones((R * k, n))
    for r in range(R):
        F[r * k + labels[r], np.arange(n)] = 0.0
    mean, S = MomentBuilder(res.data.X).moments(F)
    sd = np.sqrt(np.einsum("bii->bi", S))
    low = int(F.sum(axis=1).min())
    if low < 3 or not np.all(sd > 0):
        raise DataError(
            f"{owner}: a training set has {low} respondents or an item without variation. Use "
            "fewer folds or more respondents."
        )
    est = res.estimator.estimate(S, res.model)
    bad = ~(
        np.all(np.isfinite(est.weights), axis=(1, 2)) & np.all(np.isfinite(est.paths), axis=(1, 2))
    )
    if bad.any():
        b = int(np.flatnonzero(bad)[0])
        raise EstimationError(
            f"{owner}: the training fit of fold {b % k + 1} (repetition {b // k + 1}) gave "
            "non-finite estimates (a singular training sample). Use fewer folds."
        )
    if not est.converged.all():
        warnings.warn(
            f"{owner}: {int((~est.converged).sum())} of {len(F)} training fits did not converge; "
            "their predictions use the last iteration. Increase max_iter of the estimator.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return TrainingFits(labels=labels, k=k, weights=F, mean=mean, cov=S, sd=sd, est=est)


def lm_coefficients(
    fits: TrainingFits, predictors: list[int], targets: list[int], owner: str, what: str
) -> np.ndarray:
    """OLS slopes ``(B, len(predictors), len(targets))`` from the training moments.

    The intercept is implicit: a prediction is ``m_T + (x_P - m_P) @ beta``.
    """
    S = fits.cov
    A = S[:, predictors][:, :, predictors]
    C = S[:, predictors][:, :, targets]
    try:
        return np.linalg.solve(A, C)
    except np.linalg.LinAlgError:
        raise EstimationError(
            f"{owner}: the linear-model benchmark for {what} is singular in a training fold "
            "(collinear predictor items or too few respondents). Use fewer folds or "
            "lm_predictors='direct'."
        ) from None


def check_technique(technique: Any, owner: str) -> None:
    check_option(technique, "technique", owner, ("direct", "earliest"))
