r"""FIMIX-PLS: finite-mixture segmentation of a fitted model's structural equations.

A satisfaction model fitted to all customers averages over groups whose drivers differ.
FIMIX-PLS (Hahn, Johnson, Herrmann & Huber 2002) looks for such groups without knowing them
in advance: the construct scores of a fitted model are treated as coming from *K* latent
segments, each with its own path coefficients, and the segments, their sizes and every
respondent's membership probabilities are estimated by maximum likelihood (EM algorithm).

The model
---------
For respondent *i* with construct scores :math:`z_i` and an endogenous construct *m* with
predecessors :math:`x_{im}`, segment *k* has paths :math:`\beta_{mk}` and a residual
variance :math:`\sigma^2_{mk}` (one per endogenous construct and segment: the residual
covariance matrix is diagonal). With mixing proportions :math:`\rho_k`,

.. math::

    f(z_i) = \sum_{k=1}^K \rho_k \prod_m \phi\big(z_{im} - x_{im}^\top\beta_{mk};\,
    0, \sigma^2_{mk}\big), \qquad
    \ln L = \sum_{i=1}^I \ln f(z_i).

No intercepts by default (the scores are standardized); ``intercept=True`` adds one per
equation and segment. The number of free parameters is

.. math::

    N_K = (K - 1) + K R + K Q \;(+\, K Q \text{ intercepts}),

with *R* the number of structural paths and *Q* the number of endogenous constructs.

EM: the E-step gives posteriors
:math:`P_{ik} = \rho_k f_k(z_i) / \sum_l \rho_l f_l(z_i)`; the M-step sets
:math:`\rho_k = \sum_i P_{ik} / I` and estimates every equation by weighted least squares
with weights :math:`P_{ik}` (the residual variance is the weighted mean squared residual).
Each start begins from a random posterior matrix (rows drawn from a flat Dirichlet
distribution); the start with the largest :math:`\ln L` is kept. Segments are numbered by
size, largest first, so the labels do not depend on the start that found them.

Segment-retention criteria (Sarstedt, Becker, Ringle & Schwaiger 2011), *I* respondents:

.. math::

    \mathrm{AIC} &= -2\ln L + 2N_K, \quad
    \mathrm{AIC3} = -2\ln L + 3N_K, \quad
    \mathrm{AIC4} = -2\ln L + 4N_K, \\
    \mathrm{BIC} &= -2\ln L + \ln(I) N_K, \quad
    \mathrm{CAIC} = -2\ln L + (\ln(I) + 1) N_K, \\
    \mathrm{HQ} &= -2\ln L + 2\ln(\ln(I)) N_K, \quad
    \mathrm{MDL5} = -2\ln L + 5\ln(I) N_K, \\
    \mathrm{EN} &= 1 - \frac{\sum_i\sum_k -P_{ik}\ln P_{ik}}{I \ln K}.

Smaller information criteria are better; the normed entropy EN (undefined for K = 1) lies
in [0, 1] and values above 0.5 mean the segments are well separated.

References
----------
Hahn, C., Johnson, M. D., Herrmann, A., Huber, F. (2002). Capturing customer heterogeneity
using a finite mixture PLS approach. *Schmalenbach Business Review* 54(3), 243-269.
Sarstedt, M., Becker, J.-M., Ringle, C. M., Schwaiger, M. (2011). Uncovering and treating
unobserved heterogeneity with FIMIX-PLS: which model selection criterion provides an
appropriate number of segments? *Schmalenbach Business Review* 63(1), 34-62.
Hair, J. F., Sarstedt, M., Matthews, L. M., Ringle, C. M. (2016). Identifying and treating
unobserved heterogeneity with FIMIX-PLS: part I - method. *European Business Review* 28(1).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import xlogy

from .._validation import ParameterError, check_number
from ..exceptions import ConvergenceWarning, DataError, EstimationError, ModelError
from ._em import Layout, run_em
from .results import CRITERIA, FimixResult, FimixSelection

__all__ = ["fimix", "criteria_from"]

_OWNER = "fimix"


def criteria_from(
    lnl: float, npar: int, n: float, post: np.ndarray | None, weights: np.ndarray | None = None
) -> pd.Series:
    """The segment-retention criteria of a solution (see the module docstring).

    ``n`` is the number of respondents (the sum of the case weights, if any).
    """
    k = 1 if post is None else post.shape[1]
    ln_n = np.log(n)
    if k > 1:
        ent = -xlogy(post, post).sum(axis=1)
        ent = ent.sum() if weights is None else ent @ weights
        en = 1.0 - float(ent) / (n * np.log(k))
    else:
        en = np.nan
    vals = {
        "lnl": lnl,
        "aic": -2 * lnl + 2 * npar,
        "aic3": -2 * lnl + 3 * npar,
        "aic4": -2 * lnl + 4 * npar,
        "bic": -2 * lnl + ln_n * npar,
        "caic": -2 * lnl + (ln_n + 1) * npar,
        "hq": -2 * lnl + 2 * np.log(ln_n) * npar,
        "mdl5": -2 * lnl + 5 * ln_n * npar,
        "en": en,
        "npar": float(npar),
    }
    return pd.Series([vals[c] for c in CRITERIA], index=pd.Index(CRITERIA), name="value")


def _layout(model, intercept: bool) -> tuple[Layout, list[tuple[str, str]]]:
    cons = list(model.constructs)
    pos = {c: j for j, c in enumerate(cons)}
    endo = list(model.endogenous)
    targets, preds, rows = [], [], []
    for c in endo:
        p = list(model.predecessors(c))
        idx = [pos[s] for s in p] + ([len(cons)] if intercept else [])
        targets.append(pos[c])
        preds.append(tuple(idx))
        rows += [(c, s) for s in p]
    return Layout(len(cons) + int(intercept), tuple(targets), tuple(preds)), rows


def _scores(res) -> pd.DataFrame:
    scores = getattr(res, "scores", None)
    model = getattr(res, "model", None)
    if scores is None or model is None:
        raise ParameterError(
            "The 'res' parameter of fimix must be a fitted result with construct scores "
            f"(from cm.PLS().fit or cm.PLSc().fit). Got {type(res).__name__!r} instead."
        )
    if not model.endogenous:
        raise ModelError(
            "FIMIX-PLS segments the structural model, but the fitted model has no "
            "endogenous construct (no '~' paths). Add the structural paths, e.g. "
            "'Satisfaction ~ Quality + Value', and fit again."
        )
    scores = scores.loc[:, list(model.constructs)]
    bad = ~np.isfinite(scores.to_numpy(dtype=float))
    if bad.any():
        cols = scores.columns[bad.any(axis=0)]
        raise DataError(
            f"Construct scores of {', '.join(map(str, cols))} are not finite; FIMIX-PLS "
            "needs the scores of every used respondent. Refit the model (check the data)."
        )
    return scores


def _weights(res, n: int) -> np.ndarray | None:
    """The fit's case weights (one per used respondent), if any."""
    w = getattr(getattr(res, "data", None), "weights", None)
    if w is None:
        return None
    w = np.asarray(w, dtype=float)
    return w if w.shape == (n,) else None


def _check_k(k: Any) -> tuple[list[int], bool]:
    if isinstance(k, numbers.Integral) and not isinstance(k, bool):
        ks, single = [int(k)], True
    elif isinstance(k, Iterable) and not isinstance(k, (str, bytes)):
        ks, single = list(k), False
        if not ks or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in ks
        ):
            raise ParameterError(
                "The 'k' parameter of fimix must be an int >= 1 or a non-empty range of "
                f"them (e.g. range(1, 6)). Got {k!r} instead."
            )
        ks = [int(v) for v in ks]
        if len(set(ks)) != len(ks):
            raise ParameterError(
                f"The 'k' parameter of fimix must not repeat a number of segments. Got {k!r} "
                "instead."
            )
    else:
        raise ParameterError(
            "The 'k' parameter of fimix must be an int >= 1 or a non-empty range of them "
            f"(e.g. range(1, 6)). Got {k!r} instead."
        )
    for v in ks:
        if v < 1:
            raise ParameterError(
                f"The 'k' parameter of fimix must be an int in the range [1, inf). Got {v!r} "
                "instead: k is the number of segments, 1 means no segmentation."
            )
    return ks, single


def _rng(random_state: Any, k: int) -> np.random.Generator:
    """One stream per k, so that ``k=3`` alone and ``k=range(1, 6)`` agree at k = 3."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is not None and not (
        isinstance(random_state, numbers.Integral)
        and not isinstance(random_state, bool)
        and int(random_state) >= 0
    ):
        raise ParameterError(
            "The 'random_state' parameter of fimix must be None, an int >= 0 or a "
            f"numpy.random.Generator. Got {random_state!r} instead."
        )
    ss = np.random.SeedSequence(None if random_state is None else int(random_state), spawn_key=(k,))
    return np.random.default_rng(ss)


def _fit_one(
    scores, model, layout, rows, k, *, starts, rng, random_state, max_iter, tol, intercept, res
):
    Z = scores.to_numpy(dtype=float)
    n = Z.shape[0]
    weights = _weights(res, n)
    n_eff = float(n if weights is None else weights.sum())
    if intercept:
        Z = np.column_stack([Z, np.ones(n)])
    n_seg_par = layout.n_coef + layout.n_eq
    if n < k * n_seg_par:
        raise DataError(
            f"FIMIX-PLS with k={k} segments needs at least {k * n_seg_par} used respondents "
            f"({n_seg_par} parameters per segment: {layout.n_coef} coefficients and "
            f"{layout.n_eq} residual variances); the fit has {n}. Use k <= "
            f"{max(1, n // n_seg_par)} or more respondents."
        )
    S = 1 if k == 1 else starts
    post0 = rng.dirichlet(np.ones(k), size=(S, n)) if k > 1 else np.ones((1, n, 1))
    run = run_em(Z, layout, post0, max_iter=max_iter, tol=tol, min_size=n_seg_par, weights=weights)
    valid = run.status != 2
    if not valid.any():
        raise EstimationError(
            f"FIMIX-PLS with k={k} segments failed in all {S} starts: a segment shrank below "
            f"{n_seg_par} respondents (the number of its parameters) or fitted its members "
            f"exactly. The data do not support {k} segments; use a smaller k."
        )
    lnl = np.where(valid, run.lnl, -np.inf)
    best = int(np.argmax(lnl))
    order = np.argsort(-run.rho[best], kind="stable")
    post = run.post[best][:, order]
    rho = run.rho[best][order]
    coef = run.coef[best][order]
    sigma2 = run.sigma2[best][order]
    labels = pd.Index(np.arange(1, k + 1), name="segment")
    endo = [model.constructs[t] for t in layout.target]

    cons = list(model.constructs)
    pos = {c: j for j, c in enumerate(cons)}
    eq = {c: m for m, c in enumerate(endo)}
    recs = []
    for g in range(k):
        for lhs, rhs in rows:
            recs.append((labels[g], lhs, "~", rhs, coef[g, pos[rhs], eq[lhs]]))
    params = pd.DataFrame(recs, columns=["segment", "lhs", "op", "rhs", "estimate"])
    variances = pd.DataFrame(sigma2.T, index=pd.Index(endo, name="construct"), columns=labels)
    intercepts = None
    if intercept:
        intercepts = pd.DataFrame(
            coef[:, -1, :].T, index=pd.Index(endo, name="construct"), columns=labels
        )
    probs = pd.DataFrame(post, index=scores.index, columns=labels)
    membership = pd.Series(
        labels.to_numpy()[post.argmax(axis=1)], index=scores.index, name="segment"
    )
    npar = (k - 1) + k * layout.n_coef + k * layout.n_eq
    crit = criteria_from(float(run.lnl[best]), npar, n_eff, post if k > 1 else None, weights)
    converged = bool(run.status[best] == 0)
    if not converged:
        warnings.warn(
            f"FIMIX-PLS with k={k}: the best start stopped after max_iter={max_iter} "
            f"iterations before the log-likelihood changed by less than tol={tol!r} (relative). "
            "Increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=3,
        )
    order_starts = pd.DataFrame(
        {
            "lnl": np.where(valid, run.lnl, np.nan),
            "n_iter": run.n_iter,
            "status": np.array(["converged", "max_iter", "degenerate"])[run.status],
        },
        index=pd.RangeIndex(S, name="start"),
    )
    return FimixResult(
        k=k,
        params=params,
        sizes=pd.Series(rho, index=labels, name="size"),
        probabilities=probs,
        membership=membership,
        criteria=crit,
        residual_variances=variances,
        intercepts=intercepts,
        converged=converged,
        n_iter=int(run.n_iter[best]),
        best_start=best,
        starts=order_starts,
        lnl_trace=run.trace[: run.n_iter[best], best].copy(),
        settings=dict(
            starts=starts,
            max_iter=max_iter,
            tol=tol,
            intercept=intercept,
            random_state=random_state,
        ),
        res=res,
    )


def fimix(
    res: Any,
    k: int | Iterable[int] = 2,
    starts: int = 10,
    random_state: int | np.random.Generator | None = None,
    max_iter: int = 5000,
    tol: float = 1e-10,
    *,
    intercept: bool = False,
) -> FimixResult | FimixSelection:
    """Latent segments of a fitted model's structural equations (FIMIX-PLS).

    Parameters
    ----------
    res : FitResults
        A fitted model with construct scores (``cm.PLS().fit(...)``; also PLSc). Its
        structural equations are segmented; its measurement model is kept.
    k : int or iterable of int, default=2
        Number of segments; a range (e.g. ``range(1, 6)``) fits each and returns a
        :class:`FimixSelection` with the segment-retention criteria per *k*.
    starts : int, default=10
        Random starts (random posterior matrices), run as one batch; the start with the
        largest log-likelihood is kept. With ``k=1`` one start suffices and is used.
    random_state : None, int or numpy.random.Generator, default=None
        Seed of the starting posteriors. With an int, each *k* has its own stream, so a
        solution is the same whether *k* is fitted alone or within a range.
    max_iter : int, default=5000
        EM iterations per start.
    tol : float, default=1e-10
        A start has converged when the log-likelihood changes between iterations by less
        than ``tol`` times its absolute value (relative, since the log-likelihood grows with the
        number of respondents; an absolute 1e-10 is below floating-point resolution for
        large samples).
    intercept : bool, default=False
        Estimate an intercept per structural equation and segment (segments may then
        differ in their mean construct scores, not only in their paths).

    Case weights of the fit (``fit(..., weights=...)``) weight each respondent's
    log-likelihood and the M-step (an integer weight counts as duplicated rows); *I* in the
    criteria is then the sum of the weights.

    Returns
    -------
    FimixResult or FimixSelection
        ``FimixResult`` for one *k*: ``params`` (``segment, lhs, op, rhs, estimate``),
        ``sizes``, ``probabilities``, ``membership``, ``criteria``; ``FimixSelection`` for
        several: ``criteria`` (one row per *k*), ``best(criterion)``, ``results``,
        ``plot()``.

    Raises
    ------
    ParameterError
        ``k < 1``, ``starts < 1``, bad ``tol`` or ``max_iter``.
    DataError
        Fewer than ``k`` times the parameters of a segment in used respondents.
    ModelError
        The model has no endogenous construct.
    EstimationError
        Every start degenerated (a segment shrank below the number of its parameters): the
        data do not support *k* segments (for a range of *k*: that row is NaN, with a
        warning).

    Notes
    -----
    See :mod:`csimodel.segments.fimix` for the likelihood, the EM steps, the parameter
    count and the criteria formulas. Read AIC3 and CAIC together: when both point to the
    same *k* that is likely the number of segments (Sarstedt et al. 2011); EN above 0.5
    says the segments separate well. Every segment should be large enough to estimate the
    model on its own (at least ten times the largest number of arrows pointing at a
    construct; better a power analysis).

    Tested on data simulated from known two- and three-segment populations of the
    satisfaction model (planted paths, sizes and memberships recovered; AIC3/CAIC/BIC
    choose the true *k*), with the criteria recomputed from their formulas in the test.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Loyalty =~ loy1 + loy2 + loy3
    ...     Satisfaction ~ Image
    ...     Loyalty ~ Image + Satisfaction
    ... ''')
    >>> res = cm.PLS().fit(model, data, scale=(0, 10))
    >>> fx = cm.fimix(res, k=2, starts=5, random_state=0)
    >>> list(fx.params.columns)
    ['segment', 'lhs', 'op', 'rhs', 'estimate']
    >>> round(float(fx.sizes.sum()), 6)
    1.0
    >>> sel = cm.fimix(res, k=range(1, 4), starts=5, random_state=0)
    >>> list(sel.criteria.index)
    [1, 2, 3]
    """
    ks, single = _check_k(k)
    check_number(starts, "starts", "fimix", integer=True, low=1)
    check_number(max_iter, "max_iter", "fimix", integer=True, low=1)
    check_number(tol, "tol", "fimix", low=0, low_open=True)
    if not isinstance(intercept, (bool, np.bool_)):
        raise ParameterError(
            f"The 'intercept' parameter of fimix must be one of {{True, False}}. Got "
            f"{intercept!r} instead."
        )
    scores = _scores(res)
    model = res.model
    layout, rows = _layout(model, bool(intercept))
    kw = dict(
        starts=starts,
        max_iter=max_iter,
        tol=tol,
        intercept=bool(intercept),
        res=res,
        random_state=random_state,
    )
    if single:
        return _fit_one(scores, model, layout, rows, ks[0], rng=_rng(random_state, ks[0]), **kw)
    n = scores.shape[0]
    n_seg_par = layout.n_coef + layout.n_eq
    too_big = [v for v in ks if n < v * n_seg_par]
    if too_big:
        raise DataError(
            f"FIMIX-PLS with k={too_big[0]} segments needs at least "
            f"{too_big[0] * n_seg_par} used respondents ({n_seg_par} parameters per "
            f"segment); the fit has {n}. Use k <= {max(1, n // n_seg_par)}."
        )
    results: dict[int, FimixResult | None] = {}
    for v in ks:
        try:
            results[v] = _fit_one(scores, model, layout, rows, v, rng=_rng(random_state, v), **kw)
        except EstimationError as e:
            warnings.warn(str(e), ConvergenceWarning, stacklevel=2)
            results[v] = None
    return FimixSelection(results=results, n_used=n, npar_segment=n_seg_par)
