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

import numbers
import sys
import warnings
from collections.abc import Callable
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError, check_number, check_option
from ..estimators.base import effect_pairs, flatten_effects, flatten_params, param_rows
from ..exceptions import CsimodelWarning
from ..moments import MomentBuilder

__all__ = ["bootstrap", "BootstrapResults"]

CI_METHODS = ("percentile", "bca")
SIGN_CHANGES = (None, "individual", "construct")
_STAT_COLUMNS = ["estimate", "mean", "se", "t", "p", "ci_lower", "ci_upper"]
_CELL_BUDGET = 1 << 23  # counts cells (resamples x respondents) per chunk: ~64 MiB of float64
_MAX_CHUNK = 1000
_JACK_CHUNK = 2000


# --------------------------------------------------------------------------- helpers
def _generator(random_state: Any) -> np.random.Generator:
    if random_state is None or isinstance(
        random_state, (numbers.Integral, np.random.SeedSequence, np.random.BitGenerator)
    ):
        if isinstance(random_state, bool):
            raise ParameterError(
                "The 'random_state' parameter of bootstrap must be None, an int, a "
                f"numpy SeedSequence or a numpy Generator. Got {random_state!r} instead."
            )
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise ParameterError(
        "The 'random_state' parameter of bootstrap must be None, an int, a numpy "
        f"SeedSequence or a numpy Generator. Got {random_state!r} instead."
    )


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # pragma: no cover - exotic IPython states
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _progress_bar(progress: bool | None, total: int):
    """A tqdm bar, or None. ``progress=None``: on only in a terminal or notebook."""
    notebook = _in_notebook()
    if progress is None:
        stream = sys.stderr
        progress = notebook or bool(getattr(stream, "isatty", lambda: False)())
    if not progress:
        return None
    if notebook:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc="bootstrap", unit="fit", leave=False)


def _resample_indices(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Row indices ``(m, n)`` of ``m`` resamples: row b is ``rng.integers(0, n, n)``."""
    return rng.integers(0, n, size=(m, n))


def counts_from_indices(idx: np.ndarray, n: int) -> np.ndarray:
    """Resample counts ``(m, n)`` (float) from row indices ``(m, n_draw)`` of ``n`` rows."""
    m = idx.shape[0]
    flat = (idx + (np.arange(m) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=m * n).reshape(m, n).astype(np.float64)


def _resample_counts(rng: np.random.Generator, n: int, m: int) -> np.ndarray:
    """Counts ``(m, n)`` of ``m`` resamples: row b counts ``rng.integers(0, n, n)``."""
    return counts_from_indices(_resample_indices(rng, n, m), n)


def _rng_snapshot(rng: np.random.Generator) -> tuple[type, dict]:
    """(bit generator class, state): enough to rebuild ``rng`` as it is now."""
    import copy

    bg = rng.bit_generator
    return type(bg), copy.deepcopy(bg.state)


def _rng_restore(snapshot: tuple[type, dict]) -> np.random.Generator:
    cls, state = snapshot
    bg = cls()
    bg.state = state
    return np.random.Generator(bg)


def loo_covariances(X: np.ndarray, weights: np.ndarray | None, start: int, stop: int) -> np.ndarray:
    r"""Leave-one-out covariance matrices of rows ``start:stop`` (closed form).

    With case weights :math:`w_i` (all 1 without weights), :math:`W = \sum_i w_i`,
    weighted mean :math:`\bar x`, covariance :math:`S` (divisor :math:`W - 1`) and
    :math:`d_i = x_i - \bar x`, dropping respondent *i* gives

    .. math::

        S_{(i)} = \frac{(W - 1) S - \frac{w_i W}{W - w_i} d_i d_i^\top}{W - w_i - 1},

    the same matrix :class:`~csimodel.moments.MomentBuilder` builds from the weight
    pattern that is 1 everywhere but 0 at *i*, in :math:`O(p^2)` per respondent.
    """
    from ..moments import covariance

    mean, S = covariance(X, weights)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    W = float(w.sum())
    d = X[start:stop] - mean
    wi = w[start:stop]
    coef = wi * W / (W - wi)
    out = (W - 1.0) * S[None] - coef[:, None, None] * (d[:, :, None] * d[:, None, :])
    out /= (W - wi - 1.0)[:, None, None]
    return out


def _sorted_quantile(sorted_dist: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantile (numpy's default) of each column at its own ``q``."""
    B = sorted_dist.shape[0]
    q = np.asarray(q, dtype=float)
    out = np.full(q.shape, np.nan)
    ok = np.isfinite(q)
    if B == 0 or not ok.any():
        return out
    cols = np.nonzero(ok)[0]
    pos = np.clip(q[ok], 0.0, 1.0) * (B - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, B - 1)
    frac = pos - lo
    a = sorted_dist[lo, cols]
    b = sorted_dist[hi, cols]
    out[ok] = np.where(frac >= 0.5, b - (b - a) * (1 - frac), a + (b - a) * frac)
    return out


def percentile_interval(dist: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Percentile interval of every column of a bootstrap distribution ``(B, k)``.

    .. math:: [\hat\theta^*_{(\alpha/2)},\ \hat\theta^*_{(1-\alpha/2)}],
        \qquad \alpha = 1 - \text{level},

    with quantiles by linear interpolation between order statistics (numpy's default).
    """
    alpha = (1.0 - level) / 2.0
    srt = np.sort(dist, axis=0)
    k = dist.shape[1]
    return (
        _sorted_quantile(srt, np.full(k, alpha)),
        _sorted_quantile(srt, np.full(k, 1.0 - alpha)),
    )


def bca_interval(
    dist: np.ndarray, theta_hat: np.ndarray, jack: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""BCa interval (Efron 1987) of every column of a bootstrap distribution ``(B, k)``.

    Bias correction from the share of resampled values below the estimate (ties count
    half), acceleration from the jackknife values ``jack`` ``(n, k)``:

    .. math::

        \hat z_0 = \Phi^{-1}\!\left(\frac{\#\{\hat\theta^*_b < \hat\theta\}
            + \#\{\hat\theta^*_b \le \hat\theta\}}{2B}\right),\qquad
        \hat a = \frac{\sum_i U_i^3}{6\,(\sum_i U_i^2)^{3/2}},\quad
        U_i = \bar\theta_{(\cdot)} - \hat\theta_{(i)},

    .. math::

        \alpha_{1,2} = \Phi\!\left(\hat z_0 + \frac{\hat z_0 + z_{\alpha/2,\,1-\alpha/2}}
            {1 - \hat a(\hat z_0 + z_{\alpha/2,\,1-\alpha/2})}\right),

    and the interval is :math:`[\hat\theta^*_{(\alpha_1)}, \hat\theta^*_{(\alpha_2)}]`.
    """
    from scipy import special

    B = dist.shape[0]
    below = (dist < theta_hat).sum(axis=0) + (dist <= theta_hat).sum(axis=0)
    z0 = special.ndtri(below / (2.0 * B))
    U = jack.mean(axis=0) - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (U**3).sum(axis=0) / (6.0 * ((U**2).sum(axis=0)) ** 1.5)
        z_lo = special.ndtri((1.0 - level) / 2.0)
        z_hi = -z_lo
        n1 = z0 + z_lo
        n2 = z0 + z_hi
        a1 = special.ndtr(z0 + n1 / (1.0 - a * n1))
        a2 = special.ndtr(z0 + n2 / (1.0 - a * n2))
    srt = np.sort(dist, axis=0)
    return _sorted_quantile(srt, a1), _sorted_quantile(srt, a2)


class _Layout:
    """Which construct(s) each statistic belongs to (for sign changes)."""

    def __init__(self, model) -> None:
        pos = {c: k for k, c in enumerate(model.constructs)}
        rows = param_rows(model)
        self.n_params = len(rows)
        self.outer = np.array([op in ("=~", "<~") for _, op, _ in rows])
        self.loading = np.array([op == "=~" for _, op, _ in rows])
        # construct of every outer row; (source, target) of every path row
        self.p_con = np.array([pos[lhs] for lhs, _, _ in rows])
        self.p_src = np.array([pos[rhs] if op == "~" else pos[lhs] for lhs, op, rhs in rows])
        pairs = effect_pairs(model)
        self.e_src = np.array([i for i, _ in pairs] * 3, dtype=int)
        self.e_tgt = np.array([j for _, j in pairs] * 3, dtype=int)
        self.J = len(model.constructs)
        # effects that are zero by the model's structure (no direct path; no route of
        # length >= 2): set to exactly 0 so rounding noise does not pose as variation
        D = (model.path_matrix() > 0).astype(int)
        longer = np.zeros_like(D)
        power = D
        for _ in range(self.J):
            power = ((power @ D) > 0).astype(int)
            longer |= power
        i, j = self.e_src[: len(pairs)], self.e_tgt[: len(pairs)]
        self.e_zero = np.concatenate([D[i, j] == 0, longer[i, j] == 0, np.zeros(len(pairs), bool)])


def _sign_change(
    params: np.ndarray,
    effects: np.ndarray,
    theta: np.ndarray,
    layout: _Layout,
    mode: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    if mode is None:
        return params, effects
    if mode == "individual":
        params = params.copy()
        o = layout.outer
        ref = np.sign(theta[o])
        flip = np.sign(params[:, o]) * ref < 0
        params[:, o] = np.where(flip, -params[:, o], params[:, o])
        return params, effects
    # construct level: flip construct j when its resampled loadings are closer to the
    # mirror image of the original loadings than to the loadings themselves
    L = layout.loading
    con = layout.p_con[L]
    diff = np.zeros((params.shape[0], layout.J))
    summ = np.zeros((params.shape[0], layout.J))
    np.add.at(diff.T, con, (params[:, L] - theta[L]).T)
    np.add.at(summ.T, con, (params[:, L] + theta[L]).T)
    s = np.where(np.abs(diff) > np.abs(summ), -1.0, 1.0)  # (B, J)
    params = params.copy()
    o = layout.outer
    params[:, o] *= s[:, layout.p_con[o]]
    path = ~o
    params[:, path] *= s[:, layout.p_src[path]] * s[:, layout.p_con[path]]
    effects = effects * s[:, layout.e_src] * s[:, layout.e_tgt]
    return params, effects


def _stats(est, model, endo_pos: np.ndarray, layout: _Layout):
    params = flatten_params(est, model)
    effects = flatten_effects(est, model)
    effects[:, layout.e_zero] = 0.0
    r2 = est.r2[:, endo_pos]
    ok = np.asarray(est.converged, dtype=bool).copy()
    ok &= np.isfinite(params).all(axis=1)
    ok &= np.isfinite(effects).all(axis=1)
    ok &= np.isfinite(r2).all(axis=1)
    return params, effects, r2, ok


def _summarize(
    dist: np.ndarray,
    theta: np.ndarray,
    jack: np.ndarray | None,
    level: float,
    ci: str,
    df: float,
    with_test: bool = True,
) -> pd.DataFrame:
    from scipy import stats

    mean = dist.mean(axis=0)
    B = dist.shape[0]
    se = dist.std(axis=0, ddof=1) if B > 1 else np.full(dist.shape[1], np.nan)
    if ci == "bca":
        lo, hi = bca_interval(dist, theta, jack, level)
    else:
        lo, hi = percentile_interval(dist, level)
    # a statistic that does not vary beyond rounding (the weight and loading of a
    # single-item block, a structurally zero effect): se 0, no test, interval = estimate
    if B:
        spread = dist.max(axis=0) - dist.min(axis=0)
        const = spread <= 64 * np.finfo(float).eps * np.abs(dist).max(axis=0)
    else:
        const = np.zeros(len(theta), bool)
    se = np.where(const, 0.0, se)
    lo = np.where(const, theta, lo)
    hi = np.where(const, theta, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, theta / se, np.nan)
    p = 2.0 * stats.t.sf(np.abs(t), df)
    out = {"estimate": theta, "mean": mean, "se": se}
    if with_test:
        out.update({"t": t, "p": p})
    out.update({"ci_lower": lo, "ci_upper": hi})
    return pd.DataFrame(out)


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

    def iter_indices(self, chunk_size: int | None = None):
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

    def iter_counts(self, chunk_size: int | None = None):
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

    def summary(self):
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
    estimator = getattr(res, "estimator", None)
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
    p = X.shape[1]
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
    builder = MomentBuilder(X, weights)
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


def _jackknife(res, model, estimate, endo_pos, theta_p, layout, sign_change, bar):
    """Leave-one-out estimates ``(n_ok, k)`` for the BCa acceleration, batched."""
    X = res.data.X
    weights = res.data.weights
    n = X.shape[0]
    out_p, out_e, out_r, oks = [], [], [], []
    step = int(max(1, min(_JACK_CHUNK, _CELL_BUDGET // (4 * X.shape[1] ** 2))))
    for start in range(0, n, step):
        stop = min(start + step, n)
        S = loo_covariances(X, weights, start, stop)
        P, E, R, ok = _stats(estimate(S, model), model, endo_pos, layout)
        P, E = _sign_change(P, E, theta_p, layout, sign_change)
        out_p.append(P)
        out_e.append(E)
        out_r.append(R)
        oks.append(ok)
        if bar is not None:
            bar.update(stop - start)
    ok = np.concatenate(oks)
    if not ok.all():
        warnings.warn(
            f"{int((~ok).sum())} of {n} jackknife (leave-one-out) estimates failed and were "
            "left out of the BCa acceleration.",
            CsimodelWarning,
            stacklevel=3,
        )
    return (
        np.concatenate(out_p)[ok],
        np.concatenate(out_e)[ok],
        np.concatenate(out_r)[ok],
    )
