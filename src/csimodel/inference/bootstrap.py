r"""Nonparametric bootstrap of a fitted model, batched through the estimator's engine.

Respondents (rows of the used data) are resampled with replacement. A batch of
resamples is a ``(B, n)`` matrix of resample counts; one matrix product turns it into
``B`` item covariance matrices (:class:`~csimodel.moments.MomentBuilder`) and one call of
the estimator's batched engine (``estimator.estimate(S, model)``) re-estimates every
resample. Nothing refits the model in a Python loop, and memory is bounded by working in
chunks of resamples.

The jackknife needed for the BCa acceleration is batched the same way: the ``n``
leave-one-out covariance matrices follow in closed form from the full-sample moments
(a rank-one downdate, identical to the moments of the leave-one-out weight patterns
``1 - I``) and go through the engine in chunks.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError, check_number, check_option
from ..exceptions import CsimodelWarning
from ..layout import effect_pairs, flatten_effects, flatten_params, param_rows
from ..moments import MomentBuilder
from ._draws import (
    _CELL_BUDGET,
    _generator,
    _progress_bar,
    _resample_counts,
    _resample_indices,
    _rng_restore,
    _rng_snapshot,
    counts_from_indices,
)
from ._jackknife import _jackknife
from ._jackknife import loo_covariances as loo_covariances  # re-exported
from ._resample_stats import _Layout, _sign_change, _stats
from .intervals import _summarize
from .intervals import bca_interval as bca_interval  # re-exported
from .intervals import percentile_interval as percentile_interval  # re-exported

if TYPE_CHECKING:
    from ..report.summary import Summary


__all__ = ["bootstrap", "BootstrapResults"]

CI_METHODS = ("percentile", "bca")
SIGN_CHANGES = (None, "individual", "construct")
_STAT_COLUMNS = ["estimate", "mean", "se", "t", "p", "ci_lower", "ci_upper"]
_MAX_CHUNK = 1000


# --------------------------------------------------------------------------- results
class BootstrapResults(Frozen):
    r"""Bootstrap standard errors, t and p values and confidence intervals (read-only).

    Produced by :func:`bootstrap`; see there for the formulas.

    Attributes
    ----------
    params : pandas.DataFrame
        One row per row of ``fit.params`` (same order): ``lhs, op, rhs, estimate, mean,
        se, t, p, ci_lower, ci_upper``.
    effects : pandas.DataFrame
        ``source, target, effect`` (``'direct'``, ``'indirect'`` or ``'total'``) and the
        same statistics, for every connected pair of constructs.
    r_squared : pandas.DataFrame
        ``construct, estimate, mean, se, ci_lower, ci_upper`` by endogenous construct
        (no t / p: R² is bounded below by 0 and a test of R² = 0 by t is not meaningful).
    n_boot : int
        Resamples drawn.
    n_failed : int
        Resamples excluded (not converged or non-finite estimates).
    level, ci, sign_change
        The settings used.
    fit : FitResults
        The fit that was bootstrapped.
    chunk_size : int
        Resamples per engine call.

    The resamples themselves are not stored: :meth:`iter_counts` and :meth:`iter_indices`
    redraw them, identically, from the saved generator state (for :func:`~csimodel.indices`,
    :func:`~csimodel.ipma`, :func:`~csimodel.assess` and your own statistics);
    :meth:`check_fit` refuses a fit on other rows.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> boot = cm.bootstrap(res, n_boot=100, random_state=1, ci="bca", progress=False)
    >>> list(boot.effects.columns[:3])
    ['source', 'target', 'effect']
    >>> boot.distribution("r_squared").shape
    (100, 6)
    """

    fit: Any
    n_boot: int
    n_failed: int
    level: float
    ci: str
    sign_change: str
    chunk_size: int
    _rng_state: Any
    _df: float
    _resample_ids: np.ndarray
    _dist_params: np.ndarray
    _dist_effects: np.ndarray
    _dist_r2: np.ndarray
    _theta_params: np.ndarray
    _theta_effects: np.ndarray
    _theta_r2: np.ndarray
    _jack_params: np.ndarray | None
    _jack_effects: np.ndarray | None
    _jack_r2: np.ndarray | None

    @property
    def n_ok(self) -> int:
        """Resamples used (``n_boot - n_failed``)."""
        return self.n_boot - self.n_failed

    @cached_property
    def params(self) -> pd.DataFrame:
        labels = pd.DataFrame(param_rows(self.fit.model), columns=["lhs", "op", "rhs"])
        body = _summarize(
            self._dist_params, self._theta_params, self._jack_params, self.level, self.ci, self._df
        )
        return pd.concat([labels, body], axis=1)

    @cached_property
    def effects(self) -> pd.DataFrame:
        labels = self._effect_labels()
        body = _summarize(
            self._dist_effects,
            self._theta_effects,
            self._jack_effects,
            self.level,
            self.ci,
            self._df,
        )
        return pd.concat([labels, body], axis=1)

    @cached_property
    def r_squared(self) -> pd.DataFrame:
        labels = pd.DataFrame({"construct": list(self.fit.model.endogenous)})
        body = _summarize(
            self._dist_r2,
            self._theta_r2,
            self._jack_r2,
            self.level,
            self.ci,
            self._df,
            with_test=False,
        )
        return pd.concat([labels, body], axis=1)

    def _effect_labels(self) -> pd.DataFrame:
        c = self.fit.model.constructs
        pairs = effect_pairs(self.fit.model)
        rows = [(c[i], c[j], kind) for kind in ("direct", "indirect", "total") for i, j in pairs]
        return pd.DataFrame(rows, columns=["source", "target", "effect"])

    # ------------------------------------------------------------------ replay
    def check_fit(self, res: Any, owner: str = "BootstrapResults") -> None:
        """Raise :class:`~csimodel.DataError` unless ``res`` has this bootstrap's rows.

        A bootstrap's resamples are rows of the data it was drawn on; they can be replayed
        on another fit (e.g. another estimator) only if that fit used the very same rows
        (same number, same row labels, in the same order).
        """
        from ..exceptions import DataError

        data = getattr(res, "data", None)
        n_used = getattr(res, "n_used", None)
        mine = self.fit.data.row_labels
        if res is self.fit:
            return
        if data is None or n_used != self.n_used:
            raise DataError(
                f"{owner}: the bootstrap was drawn on {self.n_used} used rows, but the fit "
                f"has {n_used}. Bootstrap this fit (cm.bootstrap(res, ...)) and pass that."
            )
        theirs = data.row_labels
        if not pd.Index(theirs).equals(pd.Index(mine)):
            raise DataError(
                f"{owner}: the fit's used rows (labels) differ from those the bootstrap was "
                "drawn on, so its resamples cannot be replayed on this fit. Bootstrap this fit "
                "(cm.bootstrap(res, ...)) and pass that."
            )

    @property
    def n_used(self) -> int:
        """Respondents (used rows) the resamples are drawn from."""
        return int(self.fit.n_used)

    @property
    def ok(self) -> np.ndarray:
        """Boolean ``(n_boot,)``: which resamples were estimated successfully."""
        ok = np.zeros(self.n_boot, dtype=bool)
        ok[self._resample_ids] = True
        return ok

    def iter_indices(self, chunk_size: int | None = None) -> Iterator[np.ndarray]:
        """Replay the row indices of every resample, in order, chunk by chunk.

        Yields
        ------
        ndarray of int, shape (m, n_used)
            Row positions (0-based, among the used rows ``fit.data``) of the next ``m``
            resamples (``m = chunk_size``, fewer in the last chunk); resample *b* is row
            ``b`` overall, failed resamples included (see :attr:`ok`). Identical to the
            resamples the bootstrap used: they are redrawn from the saved generator state,
            so nothing of size ``(n_boot, n)`` is stored.
        """
        if chunk_size is None:
            chunk_size = self.chunk_size
        check_number(chunk_size, "chunk_size", "BootstrapResults.iter_indices", integer=True, low=1)
        rng = _rng_restore(self._rng_state)
        n = self.n_used
        buf: list[np.ndarray] = []
        held = 0
        done = 0
        # redraw with the bootstrap's own chunking (the stream of draws depends on it)
        while done < self.n_boot:
            m = min(self.chunk_size, self.n_boot - done)
            buf.append(_resample_indices(rng, n, m))
            held += m
            done += m
            while held >= chunk_size or (done == self.n_boot and held):
                block = np.concatenate(buf) if len(buf) > 1 else buf[0]
                take = min(chunk_size, held)
                yield block[:take]
                rest = block[take:]
                buf = [rest] if len(rest) else []
                held = len(rest)

    def iter_counts(self, chunk_size: int | None = None) -> Iterator[np.ndarray]:
        """Replay the resample counts of every resample, in order, chunk by chunk.

        Yields
        ------
        ndarray of float, shape (m, n_used)
            How often each used row is drawn in the next ``m`` resamples (see
            :meth:`iter_indices`, of which these are the counts). ``moments(counts)`` of a
            :class:`~csimodel.moments.MomentBuilder` on ``fit.data`` gives the resamples'
            moments.

        Examples
        --------
        >>> import csimodel as cm
        >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
        >>> boot = cm.bootstrap(res, n_boot=50, random_state=1, progress=False)
        >>> [F.shape for F in boot.iter_counts(20)]
        [(20, 250), (20, 250), (10, 250)]
        """
        n = self.n_used
        for idx in self.iter_indices(chunk_size):
            yield counts_from_indices(idx, n)

    def distribution(self, which: str = "params") -> pd.DataFrame:
        """Resampled values, one row per successful resample.

        Parameters
        ----------
        which : {'params', 'effects', 'r_squared'}, default='params'

        Returns
        -------
        pandas.DataFrame
            Index ``resample`` (0-based number of the resample; failed ones are absent).
            Columns: MultiIndex ``(lhs, op, rhs)`` for params, ``(source, target, effect)``
            for effects, construct names for R².
        """
        check_option(
            which, "which", "BootstrapResults.distribution", ("params", "effects", "r_squared")
        )
        index = pd.Index(self._resample_ids, name="resample")
        if which == "params":
            cols = pd.MultiIndex.from_tuples(param_rows(self.fit.model), names=["lhs", "op", "rhs"])
            return pd.DataFrame(self._dist_params, index=index, columns=cols)
        if which == "effects":
            cols = pd.MultiIndex.from_frame(self._effect_labels())
            return pd.DataFrame(self._dist_effects, index=index, columns=cols)
        cols = pd.Index(list(self.fit.model.endogenous), name="construct")
        return pd.DataFrame(self._dist_r2, index=index, columns=cols)

    def summary(self) -> Summary:
        """Text/HTML summary: settings, paths, R², effects and measurement model."""
        from ..report.summary import Summary

        fit = self.fit
        est = fit.estimator
        s = Summary(f"csimodel bootstrap ({type(est).__name__})")
        params = est.get_params() if hasattr(est, "get_params") else {}
        s.add_info(
            "Estimator",
            f"{type(est).__name__}({', '.join(f'{k}={v!r}' for k, v in params.items())})",
        )
        s.add_info("Respondents (used / total)", f"{fit.n_used} / {fit.n_total}")
        s.add_info("Resamples (used / drawn)", f"{self.n_ok} / {self.n_boot}")
        s.add_info("Interval", f"{self.ci} {100 * self.level:g}%")
        s.add_info("Sign change", str(self.sign_change))
        s.add_info(
            "Case weights",
            "resampled with their respondent" if fit.data.weights is not None else "no",
        )
        p = self.params
        paths = p[p["op"] == "~"].copy()
        paths.index = [f"{s_} -> {t_}" for t_, s_ in zip(paths["lhs"], paths["rhs"], strict=True)]
        s.add_table("Path coefficients", paths[_STAT_COLUMNS])
        s.add_table("R-squared", self.r_squared.set_index("construct"))
        eff = self.effects
        eff = eff[eff["effect"] != "direct"].set_index(["source", "target", "effect"])
        s.add_table("Indirect and total effects", eff)
        meas = p[p["op"] != "~"].set_index(["lhs", "op", "rhs"])
        s.add_table("Measurement model (=~ loading, <~ weight)", meas[_STAT_COLUMNS])
        s.add_note(f"t = estimate / se; p two-sided from Student's t with {self._df:g} df.")
        if len(fit.imputed):
            s.add_note("Imputed cells were resampled as fixed values (imputation not repeated).")
        if self.n_failed:
            s.add_note(f"{self.n_failed} resample(s) failed (no convergence or non-finite values).")
        return s

    def __repr__(self) -> str:
        return (
            f"<csimodel.BootstrapResults: {self.n_ok} of {self.n_boot} resamples, "
            f"{self.ci} {100 * self.level:g}% intervals>"
        )


# --------------------------------------------------------------------------- main
def bootstrap(
    res: Any,
    n_boot: int = 5000,
    *,
    random_state: Any = None,
    level: float = 0.95,
    ci: str = "percentile",
    sign_change: str | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
) -> BootstrapResults:
    r"""Bootstrap a fitted model: standard errors, t and p values and confidence intervals.

    Respondents are drawn with replacement ``n_boot`` times; every resample is
    re-estimated with the fit's own estimator and settings (scheme, scaling, tolerance)
    through its batched engine: resample counts ``(B, n)`` → item covariances
    ``(B, p, p)`` → one ``estimator.estimate`` call per chunk of resamples.

    Parameters
    ----------
    res : FitResults
        A fitted model whose estimator has a batched ``estimate(S, model)`` (cm.PLS, ...).
    n_boot : int, default=5000
        Number of resamples.
    random_state : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Seed of the resampling. Resample *b* consists of the rows
        ``rng.integers(0, n, size=n)`` drawn *b*-th from ``rng = numpy.random.default_rng(
        random_state)`` (a Generator is used, and advanced, as given), so the same seed
        gives the same resamples (and results, up to rounding) whatever ``chunk_size``.
    level : float, default=0.95
        Confidence level of the intervals.
    ci : {'percentile', 'bca'}, default='percentile'
        Interval type (formulas below).
    sign_change : {None, 'individual', 'construct'}, default=None
        Correction of sign flips of PLS weights and loadings in the resamples:
        ``'individual'`` gives every resampled weight and loading the sign of its
        original estimate (paths untouched); ``'construct'`` reverses a construct in a
        resample when the sum of its resampled loadings minus the original ones exceeds
        in absolute value the sum of resampled plus original loadings, flipping its
        weights, loadings and the signs of the paths and effects it takes part in
        (the options of PLS-Graph discussed by Tenenhaus et al. 2005). The engine
        already orients every construct so that its loadings sum to a positive number,
        so flips are rare.
    progress : bool, optional
        Show a tqdm progress bar. Default: on only when stderr is a terminal or in a
        Jupyter notebook.
    chunk_size : int, optional
        Resamples per engine call (memory ≈ 24 bytes × chunk_size × n for the counts plus
        the engine's ``(chunk_size, p, p)`` arrays). Default: as many as fit in about
        64 MiB of counts and 256 MiB of moment matrices, at most 1000. Does not change
        the results beyond floating-point rounding.

    Returns
    -------
    BootstrapResults
        ``params`` (rows aligned with ``res.params``), ``effects``, ``r_squared``,
        ``distribution()``, ``n_boot``, ``n_failed``, ``summary()``.

    Notes
    -----
    With :math:`\hat\theta` the estimate and :math:`\hat\theta^*_1, \dots, \hat\theta^*_B`
    its values in the :math:`B` successful resamples:

    .. math::

        \mathrm{se} = \sqrt{\tfrac{1}{B-1} \textstyle\sum_b (\hat\theta^*_b - \bar\theta^*)^2},
        \qquad t = \hat\theta / \mathrm{se}, \qquad p = 2\,(1 - F_{t,\,n-1}(|t|)),

    with :math:`n` the number of respondents used. The percentile interval is
    :math:`[\hat\theta^*_{(\alpha/2)}, \hat\theta^*_{(1-\alpha/2)}]`, quantiles by linear
    interpolation, :math:`\alpha = 1 -` ``level``. The BCa interval (Efron 1987) takes
    the quantiles at

    .. math::

        \alpha_{1,2} = \Phi\!\left(\hat z_0 + \frac{\hat z_0 + z_{\alpha/2,\,1-\alpha/2}}
            {1 - \hat a(\hat z_0 + z_{\alpha/2,\,1-\alpha/2})}\right),\quad
        \hat z_0 = \Phi^{-1}\!\left(\frac{\#\{\hat\theta^*_b < \hat\theta\}
            + \#\{\hat\theta^*_b \le \hat\theta\}}{2B}\right),\quad
        \hat a = \frac{\sum_i U_i^3}{6 (\sum_i U_i^2)^{3/2}},

    :math:`U_i = \bar\theta_{(\cdot)} - \hat\theta_{(i)}` from the leave-one-out
    (jackknife) estimates :math:`\hat\theta_{(i)}`, which are computed as one more
    batch of ``n`` covariance matrices (so BCa costs ``n`` extra estimations: on very
    large samples the percentile interval is much cheaper).

    *Failed resamples* (no convergence, or any non-finite estimate, e.g. an item without
    variance in the resample) are left out of all statistics, counted in ``n_failed``
    and reported in a warning; no replacement resamples are drawn.

    *Missing data*: resampling draws the used respondents. Under ``missing='mean'``
    imputed cells keep the value imputed on the full data (the imputation is not
    repeated within resamples), which can understate the standard errors when many cells
    are imputed. Under ``'listwise'`` excluded rows never enter a resample.

    *Survey weights*: each respondent keeps its weight, so a resample's moments are
    weighted by count × weight.

    Statistics that do not vary across resamples beyond rounding (the loading and weight
    of a single-item block, the indirect effect of a pair joined only by a direct path)
    get ``se = 0``, ``t = p = NaN`` and an interval equal to the estimate.

    References
    ----------
    Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82, 171-185.
    Efron, B., Tibshirani, R. (1993). *An Introduction to the Bootstrap*, ch. 13-14.
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., Lauro, C. (2005). PLS path
    modeling. *Computational Statistics & Data Analysis* 48, 159-205.

    Tested against ``scipy.stats.bootstrap`` (percentile and BCa, same resamples),
    single refits of resampled data, the ECSI significance pattern of Tenenhaus et al.
    (2005) and the coverage of intervals on data from a known population model.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> boot = cm.bootstrap(res, n_boot=200, random_state=0, progress=False)
    >>> boot.n_boot, boot.n_failed
    (200, 0)
    >>> row = boot.params.query("lhs == 'Loyalty' and rhs == 'Satisfaction'")
    >>> bool(row["ci_lower"].iloc[0] < row["estimate"].iloc[0] < row["ci_upper"].iloc[0])
    True
    """
    owner = "bootstrap"
    estimator: Any = getattr(res, "estimator", None)
    if not hasattr(res, "model") or not hasattr(estimator, "estimate"):
        raise ParameterError(
            "bootstrap needs a fitted model (the result of e.g. cm.PLS().fit(model, data)) "
            f"whose estimator has a batched estimate(S, model). Got {type(res).__name__}."
        )
    check_number(n_boot, "n_boot", owner, integer=True, low=2)
    check_number(level, "level", owner, low=0, high=1, low_open=True, high_open=True)
    check_option(ci, "ci", owner, CI_METHODS)
    check_option(sign_change, "sign_change", owner, SIGN_CHANGES)
    check_option(progress, "progress", owner, (None, True, False))
    if chunk_size is not None:
        check_number(chunk_size, "chunk_size", owner, integer=True, low=1)
    rng = _generator(random_state)
    rng_state = _rng_snapshot(rng)

    model = res.model
    X = res.data.X
    weights = res.data.weights
    n = X.shape[0]
    p = len(model.items)
    if chunk_size is None:
        # bounded by the counts (chunk x n) and by the engine's (chunk, p, p) arrays
        cap = min(_MAX_CHUNK, _CELL_BUDGET // max(n, 1), _CELL_BUDGET // (4 * p * p))
        chunk_size = int(max(1, cap))
    endo_pos = np.array([model.constructs.index(c) for c in model.endogenous], dtype=int)
    layout = _Layout(model)
    theta_p = flatten_params(res.arrays, model)[0]
    theta_e = flatten_effects(res.arrays, model)[0]
    theta_e[layout.e_zero] = 0.0
    theta_r = res.arrays.r2[0, endo_pos]

    estimate: Callable = estimator.estimate
    # interaction terms / higher-order constructs: the fit's own builder re-runs the stages
    design = getattr(res, "design", None)
    builder = MomentBuilder(X, weights) if design is None else res.moment_builder()
    bar = _progress_bar(progress, n_boot + (n if ci == "bca" else 0))
    dist_p, dist_e, dist_r, oks = [], [], [], []
    try:
        done = 0
        while done < n_boot:
            m = min(chunk_size, n_boot - done)
            F = _resample_counts(rng, n, m)
            _, S = builder.moments(F)
            del F
            P, E, R, ok = _stats(estimate(S, model), model, endo_pos, layout)
            P, E = _sign_change(P, E, theta_p, layout, sign_change)
            dist_p.append(P)
            dist_e.append(E)
            dist_r.append(R)
            oks.append(ok)
            done += m
            if bar is not None:
                bar.update(m)
        ok = np.concatenate(oks)
        jack = (None, None, None)
        if ci == "bca":
            jack = _jackknife(res, model, estimate, endo_pos, theta_p, layout, sign_change, bar)
    finally:
        if bar is not None:
            bar.close()
    n_failed = int((~ok).sum())
    if n_failed:
        warnings.warn(
            f"{n_failed} of {n_boot} bootstrap resamples failed (no convergence or non-finite "
            "estimates) and were left out; statistics use the remaining "
            f"{n_boot - n_failed}. Many failures suggest an unstable model (tiny blocks, "
            "near-constant items); consider more data or a simpler model.",
            CsimodelWarning,
            stacklevel=2,
        )
    if n_boot - n_failed < 2:
        from ..exceptions import EstimationError

        raise EstimationError(
            f"Only {n_boot - n_failed} of {n_boot} bootstrap resamples could be estimated; "
            "no standard errors can be computed."
        )
    return BootstrapResults(
        fit=res,
        n_boot=int(n_boot),
        n_failed=n_failed,
        level=float(level),
        ci=ci,
        sign_change=sign_change,
        chunk_size=int(chunk_size),
        _rng_state=rng_state,
        _df=float(n - 1),
        _resample_ids=np.flatnonzero(ok),
        _dist_params=np.concatenate(dist_p)[ok],
        _dist_effects=np.concatenate(dist_e)[ok],
        _dist_r2=np.concatenate(dist_r)[ok],
        _theta_params=theta_p,
        _theta_effects=theta_e,
        _theta_r2=theta_r,
        _jack_params=jack[0],
        _jack_effects=jack[1],
        _jack_r2=jack[2],
    )
