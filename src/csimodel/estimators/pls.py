"""PLS path modelling (Wold; Lohmöller) on moment matrices with a leading batch axis.

The algorithm needs only the item covariance matrix ``S``:

1. Outer estimation: construct score :math:`Y_j = X_j w_j`, scaled to unit variance
   (:math:`w_j^\\top S_{jj} w_j = 1`).
2. Inner estimation: proxy :math:`Z_j = \\sum_i e_{ij} Y_i` over adjacent constructs with
   inner weights from the construct correlations :math:`C = W^\\top S W`:

   * centroid: :math:`e_{ij} = \\operatorname{sign}(c_{ij})`
   * factorial: :math:`e_{ij} = c_{ij}`
   * path: for a predecessor *i* of *j*, the coefficient of :math:`Y_i` in the regression
     of :math:`Y_j` on all its predecessors; for a successor, :math:`c_{ij}`.
3. Outer weights from the proxy: mode A :math:`w_j \\propto \\operatorname{cov}(X_j, Z_j)
   = (S W E)_{I_j, j}`; mode B :math:`w_j \\propto S_{jj}^{-1} \\operatorname{cov}(X_j, Z_j)`.
4. Repeat until :math:`\\max |w^{(k+1)} - w^{(k)}| <` ``tol``.

Sign convention: after convergence each construct is oriented so that the sum of its
items' loadings is positive (most items load positively).

Paths are OLS coefficients on the construct correlations:
:math:`\\beta_j = C_{P_j P_j}^{-1} C_{P_j j}`, :math:`R^2_j = C_{j P_j} \\beta_j`.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .._validation import check_option
from ..exceptions import (
    ConvergenceWarning,
    CsimodelWarning,
    DataError,
    EstimationError,
    ModelError,
)
from ..layout import EstimateArrays, per_model, total_effects
from ..spec import Model
from ._extensions import (
    HIGHER_ORDER_METHODS,
    INTERACTION_METHODS,
    ExtensionDesign,
    extension_estimate,
    is_source_model,
    make_plan,
)
from ._settings import EstimatorSettings, as_model

if TYPE_CHECKING:
    from ..results import FitResults

__all__ = ["PLS", "pls_engine", "SCHEMES"]

SCHEMES = ("centroid", "factorial", "path")


class _Structure:
    """Index arrays derived once from a Model (cached per model object)."""

    def __init__(self, model: Model) -> None:
        self.mask = model.block_mask().astype(float)  # (p, J)
        self.D = model.path_matrix()  # (J, J) i -> j
        self.adj = ((self.D + self.D.T) > 0).astype(float)
        J = self.D.shape[0]
        self.J = J
        self.endo = np.flatnonzero(self.D.any(axis=0))  # constructs with predecessors
        # OLS of every endogenous construct on its predecessors. One predecessor: a division.
        # Several: all systems stacked into ONE block-diagonal system per batch member, so a
        # single LAPACK call serves every construct (zero blocks leave each solution exactly
        # as if solved alone) and the algorithm is the same whatever the batch size.
        one_pos, one_pred, one_tgt = [], [], []
        ai, aj, ci, cj, rp, rt, op = [], [], [], [], [], [], []
        offset = 0
        for pos, j in enumerate(self.endo):
            preds = np.flatnonzero(self.D[:, j])
            if len(preds) == 1:
                one_pos.append(pos)
                one_pred.append(preds[0])
                one_tgt.append(j)
                continue
            k = len(preds)
            for r in range(k):
                for c in range(k):
                    ai.append(offset + r)
                    aj.append(offset + c)
                    ci.append(preds[r])
                    cj.append(preds[c])
                rp.append(preds[r])
                rt.append(j)
                op.append(pos)
            offset += k
        # stacked, identity-padded predecessor blocks for the singularity check in fit()
        multi = [j for j in self.endo if self.D[:, j].sum() >= 2]
        kmax = max((int(self.D[:, j].sum()) for j in multi), default=0)
        self.check_targets = multi
        self.check_kmax = kmax
        si, sa, sb, sc, sd_ = [], [], [], [], []
        for m, j in enumerate(multi):
            preds = np.flatnonzero(self.D[:, j])
            for r, a in enumerate(preds):
                for c, b in enumerate(preds):
                    si.append(m)
                    sa.append(r)
                    sb.append(c)
                    sc.append(a)
                    sd_.append(b)
        self.check_index = tuple(np.array(a, dtype=int) for a in (si, sa, sb, sc, sd_))
        self.reg_one = tuple(np.array(a, dtype=int) for a in (one_pos, one_pred, one_tgt))
        self.reg_size = offset
        self.reg_multi = tuple(np.array(a, dtype=int) for a in (ai, aj, ci, cj, rp, rt, op))
        self.mode_b = [
            np.flatnonzero(self.mask[:, j])
            for j, c in enumerate(model.constructs)
            if model.modes[c] == "B"
        ]
        self.mode_b_cols = [j for j, c in enumerate(model.constructs) if model.modes[c] == "B"]
        blocks_idx = [np.flatnonzero(self.mask[:, j]) for j in range(J)]
        self.blocks = blocks_idx


#: the per-model layout of the engine (computed once per Model object)
_structure = per_model(_Structure)


def _regressions(C: np.ndarray, st: _Structure) -> np.ndarray:
    """Coefficients of each endogenous construct on its predecessors: (B, n_endo, J).

    OLS on correlations, :math:`\beta_j = C_{P_j P_j}^{-1} C_{P_j j}`, for all batch members
    and all endogenous constructs at once (one block-diagonal solve per batch member).
    """
    B = C.shape[0]
    out = np.zeros((B, len(st.endo), st.J))
    pos, pred, tgt = st.reg_one
    if len(pos):
        out[:, pos, pred] = C[:, pred, tgt] / C[:, pred, pred]
    if st.reg_size:
        ai, aj, ci, cj, rp, rt, op = st.reg_multi
        A = np.zeros((B, st.reg_size, st.reg_size))
        A[:, ai, aj] = C[:, ci, cj]
        beta = np.linalg.solve(A, C[:, rp, rt][..., None])[..., 0]
        out[:, op, rp] = beta
    return out


def _safe_regressions(C: np.ndarray, st: _Structure) -> np.ndarray:
    """:func:`_regressions`, with NaN rows for batch members whose system is singular."""
    try:
        return _regressions(C, st)
    except np.linalg.LinAlgError:
        beta = np.full((C.shape[0], len(st.endo), st.J), np.nan)
        for b in range(C.shape[0]):
            try:
                beta[b] = _regressions(C[b : b + 1], st)[0]
            except np.linalg.LinAlgError:
                pass
        return beta


def _inner_weights(C: np.ndarray, st: _Structure, scheme: str) -> np.ndarray:
    """E[b, i, j]: weight of construct i in the inner proxy of construct j."""
    if scheme == "centroid":
        return np.sign(C) * st.adj
    if scheme == "factorial":
        return C * st.adj
    E = C * st.D.T  # successors i of j (j -> i) enter with their correlation
    if len(st.endo):
        beta = _safe_regressions(C, st)  # (B, n_endo, J): coefficient of i for endo[k]
        E[:, :, st.endo] += beta.transpose(0, 2, 1)
    return E


def _normalize(Wr: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Scale every construct's weights to unit score variance: diag(W^T R W) = 1."""
    var = np.einsum("bpj,bpj->bj", R @ Wr, Wr)
    return Wr / np.sqrt(var)[:, None, :]


def pls_engine(
    S: np.ndarray,
    model: Model,
    *,
    scheme: str = "path",
    standardize: bool = True,
    tol: float = 1e-7,
    max_iter: int = 300,
) -> EstimateArrays:
    """Run PLS-PM on a batch of item covariance matrices.

    Parameters
    ----------
    S : ndarray of shape (B, p, p)
        Item covariance matrices in the model's item order.
    model : Model
    scheme : {'centroid', 'factorial', 'path'}, default='path'
    standardize : bool, default=True
        Work on correlations (standardized items); if False, on the covariances
        (items centred only, all on their common scale).
    tol : float, default=1e-7
        Convergence when the largest absolute change of any outer weight is below ``tol``.
    max_iter : int, default=300

    Returns
    -------
    EstimateArrays
    """
    st = _structure(model)
    B, p, _ = S.shape
    sd = np.sqrt(np.einsum("bii->bi", S))
    if standardize:
        R = S / (sd[:, :, None] * sd[:, None, :])
    else:
        R = S
    mask = st.mask
    binv = []
    for idx in st.mode_b:
        sub = R[:, idx[:, None], idx[None, :]]
        try:
            binv.append(np.linalg.inv(sub))
        except np.linalg.LinAlgError:
            binv.append(np.linalg.pinv(sub))

    W = _normalize(np.broadcast_to(mask, (B, p, st.J)).copy(), R)
    converged = np.zeros(B, dtype=bool)
    n_iter = np.zeros(B, dtype=int)
    # Iterate on a compacted working set: members that converged are frozen (their weights
    # are final) and dropped from the working arrays once enough of them have converged, so a
    # batch member's iterations are exactly those of its single fit.
    rows = np.arange(B)  # working row -> batch member
    live = np.ones(B, dtype=bool)  # working rows not yet converged
    Rw, Ww, binv_w = R, W.copy(), binv
    with np.errstate(invalid="ignore", divide="ignore"):
        for it in range(1, max_iter + 1):
            RW = Rw @ Ww
            C = Ww.transpose(0, 2, 1) @ RW
            E = _inner_weights(C, st, scheme)
            raw = (RW @ E) * mask
            for idx, j, inv in zip(st.mode_b, st.mode_b_cols, binv_w, strict=True):
                raw[:, idx, j] = np.einsum("bik,bk->bi", inv, raw[:, idx, j])
            Wn = _normalize(raw, Rw)
            delta = np.abs(Wn - Ww).max(axis=(1, 2))
            if B == 1:  # a single fit: no working-set bookkeeping (same values)
                W, n_iter[0] = Wn, it
                if delta[0] < tol:
                    converged[0] = True
                    break
                Ww = Wn
                continue
            members = rows[live]
            W[members] = Wn[live]
            n_iter[members] = it
            newly = live & (delta < tol)
            converged[rows[newly]] = True
            live &= ~newly
            if not live.any():
                break
            Ww = Wn
            if live.sum() <= 0.7 * len(rows):
                rows, Rw, Ww = rows[live], Rw[live], Ww[live]
                binv_w = [b[live] for b in binv_w]
                live = np.ones(len(rows), dtype=bool)
        # sign convention: sum of block loadings positive
        RW = R @ W
        load = RW / (sd[:, :, None] if not standardize else 1.0)
        s = np.sign(np.einsum("bpj,pj->bj", load, mask))
        s[s == 0] = 1.0
        W = W * s[:, None, :]
        RW = RW * s[:, None, :]
        load = load * s[:, None, :]
        C = W.transpose(0, 2, 1) @ RW
        paths = np.zeros((B, st.J, st.J))
        r2 = np.full((B, st.J), np.nan)
        if len(st.endo):
            beta = _safe_regressions(C, st)
            paths[:, :, st.endo] = beta.transpose(0, 2, 1)
            r2[:, st.endo] = np.einsum("bkj,bjk->bk", beta, C[:, :, st.endo])
    bad = ~np.all(np.isfinite(W), axis=(1, 2)) | ~np.all(np.isfinite(paths), axis=(1, 2))
    if bad.any():
        converged[bad] = False
    return EstimateArrays(
        weights=W,
        cross_loadings=load,
        construct_cor=C,
        paths=paths,
        r2=r2,
        total=total_effects(paths),
        converged=converged,
        n_iter=n_iter,
        item_sd=sd,
    )


class PLS(EstimatorSettings):
    """PLS path modelling estimator (configuration only; :meth:`fit` returns results).

    Parameters
    ----------
    scheme : {'centroid', 'factorial', 'path'}, default='path'
        Inner weighting scheme.
    standardize : bool, default=True
        Standardize items (the default of SmartPLS, seminr, cSEM). ``False`` centres
        items only (all items on one common scale; the setting of Tenenhaus et al. 2005).
        Construct scores are standardized either way.
    tol : float, default=1e-7
        Stop when no outer weight changes by more than ``tol`` between iterations.
    max_iter : int, default=300
        Maximum iterations; non-convergence is recorded and warned.
    interaction : {'two_stage', 'product_indicator', 'orthogonal'}, default='two_stage'
        How interaction terms ``A:B`` in the model are estimated (see
        :doc:`/extensions`). Their paths are reported on the scale of the product of
        standardized scores.
    higher_order : {'two_stage', 'repeated_indicators'}, default='two_stage'
        How higher-order constructs (``HOC =~ LOC1 + LOC2``) are estimated: the disjoint
        two-stage approach or repeated indicators.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_ecsi_mobi()
    >>> res = cm.PLS(scheme="path").fit(cm.models.ecsi(), data, scale=(1, 10))
    >>> round(float(res.path_coefficients.loc["Satisfaction", "Loyalty"]), 3)
    0.485
    >>> res.n_used, res.n_total
    (250, 250)

    References
    ----------
    Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*.
    Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M., Lauro, C. (2005). PLS path modeling.
    *Computational Statistics & Data Analysis* 48, 159-205.

    Tested against the published ECSI table (Tenenhaus et al. 2005), the Hair et al. (2017)
    corporate reputation model and peer packages run side by side (see ``tests/``).
    """

    name = "PLS"
    _param_names: tuple[str, ...] = (
        "scheme",
        "standardize",
        "tol",
        "max_iter",
        "interaction",
        "higher_order",
    )

    def __init__(
        self,
        *,
        scheme: str = "path",
        standardize: bool = True,
        tol: float = 1e-7,
        max_iter: int = 300,
        interaction: str = "two_stage",
        higher_order: str = "two_stage",
    ) -> None:
        self.scheme = scheme
        self.standardize = standardize
        self.tol = tol
        self.max_iter = max_iter
        self.interaction = interaction
        self.higher_order = higher_order

    def _validate(self) -> None:
        owner = type(self).__name__
        check_option(self.scheme, "scheme", owner, SCHEMES)
        check_option(self.standardize, "standardize", owner, (True, False))
        self._check_iterations(owner)
        check_option(self.interaction, "interaction", owner, INTERACTION_METHODS)
        check_option(self.higher_order, "higher_order", owner, HIGHER_ORDER_METHODS)

    def _check_model(self, model: Model) -> None:
        if not model.paths:
            raise ModelError(
                "PLS needs a structural model: the model has no '~' paths. Add at least one "
                "path (a measurement-only model can be fitted with cm.CBSEM)."
            )
        if model.covariances:
            a, b = model.covariances[0]
            raise ModelError(
                f"PLS does not estimate '~~' covariances ({a} ~~ {b}). Remove them or use cm.CBSEM."
            )

    def estimate(self, S: np.ndarray, model: Model) -> EstimateArrays:
        """Batched estimation on covariance matrices ``S`` of shape (B, p, p)."""
        if model.has_extensions:
            if is_source_model(model):
                raise ModelError(
                    "estimate() needs the estimation model of a model with interaction terms "
                    "or higher-order constructs; use fit(), whose results' .model is that "
                    "estimation model."
                )
            return extension_estimate(self._plain_estimate, S, model)
        return self._plain_estimate(S, model)

    def _extension_design(
        self, model: Model, X: np.ndarray, weights: np.ndarray | None
    ) -> ExtensionDesign:
        """The two-stage design of a model with extensions on observed items ``X`` (used
        rows): its estimation model and the batched rebuild of the generated columns
        (``fit`` and group comparisons)."""
        plan = make_plan(model, self.interaction, self.higher_order, type(self).__name__)
        return ExtensionDesign(plan, self._stage1_estimate, X, weights)

    def _plain_estimate(self, S: np.ndarray, model: Model) -> EstimateArrays:
        return pls_engine(
            S,
            model,
            scheme=self.scheme,
            standardize=self.standardize,
            tol=self.tol,
            max_iter=self.max_iter,
        )

    def _stage1_estimate(self, S: np.ndarray, model: Model) -> EstimateArrays:
        """The engine of stage 1 of the two-stage procedures (generated columns)."""
        return self._plain_estimate(S, model)

    def fit(
        self,
        model: Model | str,
        data: Any,
        *,
        scale: Any = None,
        missing: str = "listwise",
        missing_values: Any = (),
        weights: Any = None,
        ordered: Any = None,
        suspect_codes: str = "error",
    ) -> FitResults:
        """Validate the data and fit the model.

        Parameters
        ----------
        model : Model or str
            A :class:`~csimodel.Model` or model syntax.
        data : pandas.DataFrame, dask.dataframe.DataFrame or Parquet path(s)
            One row per respondent; item columns named as in the model. A Dask DataFrame
            or Parquet file(s) / directory are validated per partition and reduced to
            moments without loading them whole (needs ``pip install "csimodel[dask]"``;
            see :mod:`csimodel.distributed`). Or a :class:`~csimodel.SummaryData` (published
            correlations/covariances): then there are no scores, indices or bootstrap.
        scale : (low, high) or dict, optional
            Declared answer scale of the items (e.g. ``(1, 10)``) or ``{item: (low, high)}``.
            Values outside it raise :class:`~csimodel.DataError`. Needed for 0-100 indices.
        missing : {'listwise', 'mean', 'error'}, default='listwise'
            Missing-data policy; excluded rows and imputed cells are recorded and warned.
        missing_values : sequence of numbers, default=()
            Codes that mean "no answer", e.g. ``(-99,)``.
        weights : str or array-like, optional
            Case (survey) weights: column name or one value per row (a column name for
            Dask/Parquet data).
        ordered : bool or list of str, optional
            Ordinal PLS: the items are ordered categories (``True``: all; a list must name
            every model item). The engine runs on the polychoric item correlations
            (Schuberth, Henseler & Dijkstra 2018), rescaled to the items' standard
            deviations so that scores and 0-100 indices stay on the items' own scale.
            Complete, unweighted, in-memory data only.

        suspect_codes : {'error', 'ignore'}, default='error'
            Items without a declared scale whose values include a typical no-answer code
            (-99, -9, 9, 99, 999, ... standing apart from the other answers) raise
            :class:`~csimodel.SuspectedCodeError`; ``'ignore'`` uses them as answers.

        Returns
        -------
        FitResults
        """
        from ..data import prepare
        from ..distributed.door import is_distributed_input, prepare_distributed
        from ..moments import covariance
        from ..results import FitResults
        from ..summary_data import SummaryData

        self._validate()
        model = as_model(model)
        self._check_model(model)
        if model.has_extensions and (is_distributed_input(data) or isinstance(data, SummaryData)):
            raise ModelError(
                "Interaction terms and higher-order constructs need respondent-level data in "
                "memory (their generated columns are built per respondent); pass a pandas "
                "DataFrame."
            )
        prepared: Any  # PreparedData, DistributedData or SummaryPreparedData (same counts)
        if isinstance(data, SummaryData):  # published moments: used as given (n - 1 divisor)
            prepared, mean, S = data.moments(
                model.items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                weights=weights,
                owner=type(self).__name__ + ".fit",
            )
        elif is_distributed_input(data):  # Dask DataFrame / Parquet: moments by tree reduction
            prepared, mean, S = prepare_distributed(
                data,
                model.items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                weights=weights,
                owner=type(self).__name__ + ".fit",
                suspect_codes=suspect_codes,
            )
        else:
            prepared = prepare(
                data,
                model.items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                weights=weights,
                owner=type(self).__name__ + ".fit",
                suspect_codes=suspect_codes,
            )
            with np.errstate(over="ignore", invalid="ignore"):
                mean, S = covariance(prepared.X, prepared.weights)
        if ordered is not None and ordered is not False:
            S = self._ordinal_cov(prepared, model, ordered, weights)
        _check_variances(S, mean, model)
        _check_mode_b_blocks(S, model)
        design = None
        if model.has_extensions:
            design = self._extension_design(model, prepared.X, prepared.weights)
            prepared = _extended_data(prepared, design, (mean, S))  # the generated columns
            with np.errstate(over="ignore", invalid="ignore"):
                mean, S = covariance(prepared.X, prepared.weights)
            model = design.plan.est
        est = self.estimate(S[None], model)
        _check_estimates(est, model, S, type(self).__name__)
        few = [
            f"{c!r} ({len(model.predecessors(c))} predecessors)"
            for c in model.endogenous
            if prepared.n_used <= len(model.predecessors(c)) + 1
        ]
        if few:
            warnings.warn(
                f"Only {prepared.n_used} rows for the regression of {', '.join(few)}: its R² is "
                "1 by construction and the adjusted R² is undefined (NaN). Collect more data.",
                CsimodelWarning,
                stacklevel=2,
            )
        if not est.converged[0]:
            warnings.warn(
                f"{type(self).__name__} did not converge in {self.max_iter} iterations "
                f"(tol={self.tol:g}); results are from the last iteration. Increase max_iter "
                "or try scheme='path'.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return FitResults(
            model=model,
            estimator=self,
            data=prepared,
            mean=mean,
            cov=S,
            arrays=est,
            design=design,
        )

    def _ordinal_cov(self, prepared, model: Model, ordered: Any, weights: Any) -> np.ndarray:
        """Ordinal PLS: the polychoric item covariance (see :mod:`csimodel.numeric.ordinal`)."""
        from .._validation import ParameterError
        from ..numeric.ordinal import ordinal_covariance, resolve_ordered

        owner = type(self).__name__
        items = resolve_ordered(ordered, list(model.items), owner)
        in_memory = getattr(prepared, "X", None) is not None
        if not in_memory or weights is not None or prepared.missing not in ("listwise", "error"):
            raise ParameterError(
                f"{owner}.fit(ordered=...) needs complete, unweighted, in-memory rows "
                "(missing='listwise' or 'error', no weights): polychoric correlations are "
                "unweighted."
            )
        return ordinal_covariance(prepared.X, items)


# ---------------------------------------------------------------- checks used by PLS.fit
_SINGULAR = 1e-10  # smallest eigenvalue of a correlation matrix treated as singular
_NEAR_SINGULAR = 1e-6  # ... treated as near-singular (warned)


def _extended_data(prepared: Any, design: ExtensionDesign, observed: Any = None) -> Any:
    """The prepared data with the estimation model's columns (generated ones included).

    Generated columns (interaction products, lower-order scores) have no answer scale
    (NaN); repeated indicators keep their item's scale.
    """
    from dataclasses import replace

    perm = design.plan.perm
    p = prepared.X.shape[1]
    low = np.concatenate([prepared.scale_low, np.full(len(perm), np.nan)])[perm]
    high = np.concatenate([prepared.scale_high, np.full(len(perm), np.nan)])[perm]
    low[perm >= p] = np.nan
    high[perm >= p] = np.nan
    return replace(
        prepared,
        X=design.columns(observed),
        items=design.plan.est.items,
        scale_low=low,
        scale_high=high,
    )


def _involved(R: np.ndarray, names: list[str]) -> list[str]:
    """Names carrying the eigenvector of the smallest eigenvalue (the linear dependence)."""
    vals, vecs = np.linalg.eigh(R)
    v = np.abs(vecs[:, 0])
    return [n for n, a in zip(names, v, strict=True) if a > 0.05 * v.max()]


def _check_variances(S: np.ndarray, mean: np.ndarray, model: Model) -> None:
    """Item variances must be finite and distinguishable from zero in float64."""
    from ..data import _rows

    var = np.diag(S)
    with np.errstate(over="ignore", invalid="ignore"):
        # the resolution of float64 at the items' location: a smaller spread is rounding noise
        level = np.maximum(np.abs(mean), np.sqrt(var))
        huge = ~np.isfinite(var) | ~np.isfinite(level)
        tiny = ~huge & (var <= (64 * np.finfo(float).eps * level) ** 2)
    if huge.any():
        cols = [model.items[k] for k in np.flatnonzero(huge)]
        raise DataError(
            f"The variance of item(s) {_rows(cols)} overflows float64 (values too large; mean "
            f"magnitude {np.abs(mean[huge]).max():g}). Rescale the item(s), e.g. to the answer "
            "scale."
        )
    if tiny.any():
        cols = [model.items[k] for k in np.flatnonzero(tiny)]
        raise DataError(
            f"Item(s) {_rows(cols)} have a variance that is numerically zero in the used rows "
            "(after case weights), so they cannot be standardized. Remove them, rescale them, "
            "or check the weights."
        )


def _check_mode_b_blocks(S: np.ndarray, model: Model) -> None:
    """A mode B block needs an invertible item correlation matrix."""
    sd = np.sqrt(np.diag(S))
    R = S / np.outer(sd, sd)
    pos = {item: k for k, item in enumerate(model.items)}
    for c in model.constructs:
        items = list(model.blocks[c])
        if model.modes[c] != "B" or len(items) < 2:
            continue
        idx = [pos[i] for i in items]
        sub = R[np.ix_(idx, idx)]
        low = float(np.linalg.eigvalsh(sub)[0])
        if not low > _SINGULAR:
            inv = _involved(sub, items)
            raise EstimationError(
                f"The items of the composite (mode B) block {c!r} are perfectly collinear: "
                f"{', '.join(repr(i) for i in inv)} are linearly dependent (smallest eigenvalue "
                f"of the block's correlation matrix {low:.2g}), so its outer weights are not "
                f"identified. Remove a redundant item from {c!r} or define it as reflective "
                f"('{c} =~ ...')."
            )


def _check_estimates(est: EstimateArrays, model: Model, S: np.ndarray, name: str = "PLS") -> None:
    """Never report NaN as a fit; name the construct whose regression is singular."""
    endo = _structure(model).endo
    finite = (
        bool(np.all(np.isfinite(est.weights)))
        and bool(np.all(np.isfinite(est.paths)))
        and bool(np.all(np.isfinite(est.r2[0][endo])))
    )
    C = est.construct_cor[0]
    if not np.all(np.isfinite(C)):
        # diagnose on equal-weight composites (the engine's starting point)
        sd = np.sqrt(np.diag(S))
        R = S / np.outer(sd, sd)
        W = model.block_mask().astype(float)
        W = W / np.sqrt(np.einsum("pj,pq,qj->j", W, R, W))
        C = W.T @ R @ W
    problems: list[str] = []
    near: list[str] = []
    st = _structure(model)
    if st.check_targets:
        # smallest eigenvalue of every predecessor block in one call (identity padding:
        # a correlation matrix's smallest eigenvalue is at most 1, so padding never wins)
        stack = np.repeat(np.eye(st.check_kmax)[None], len(st.check_targets), axis=0)
        si, sa, sb, sc, sd_ = st.check_index
        stack[si, sa, sb] = C[sc, sd_]
        lows = np.linalg.eigvalsh(stack)[:, 0]
        for j, low in zip(st.check_targets, lows, strict=True):
            # |low| tiny: singular. (low < 0 only happens for corrected correlations such as
            # PLSc's, whose own inadmissibility policy handles a matrix that is not positive.)
            if abs(low) <= _SINGULAR or 0 < low < _NEAR_SINGULAR:
                t = model.constructs[j]
                preds = list(model.predecessors(t))
                idx = [model.constructs.index(c) for c in preds]
                inv = _involved(C[np.ix_(idx, idx)], preds)
                entry = f"{t!r} ({', '.join(repr(p) for p in inv)})"
                (problems if abs(low) <= _SINGULAR else near).append(entry)
    if problems:
        raise EstimationError(
            "The construct scores of the predecessors of "
            + "; ".join(problems)
            + " are perfectly correlated (singular construct correlation matrix), so the path "
            "coefficients are not identified. Merge the redundant constructs or remove one of "
            "the paths."
        )
    if not finite:
        raise EstimationError(
            f"{name} produced non-finite estimates. The item or construct correlation matrix is "
            "singular; check for perfectly collinear items and perfectly correlated constructs."
        )
    if near:
        warnings.warn(
            "Near-singular construct correlations among the predecessors of "
            + "; ".join(near)
            + " (smallest eigenvalue below 1e-6): their path coefficients are unstable.",
            CsimodelWarning,
            stacklevel=3,
        )
