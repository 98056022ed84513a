"""Consistent PLS (PLSc; Dijkstra & Henseler 2015) on moment matrices with a batch axis.

PLSc runs the ordinary PLS algorithm (:mod:`csimodel.estimators.pls`) and then corrects
the blocks that measure a common factor (reflective blocks) for the attenuation caused by
measurement error:

1. Reliability of each corrected block's score, Dijkstra-Henseler's :math:`\\rho_A`, from
   its standardized outer weights :math:`w` (scaled so that :math:`w^\\top R w = 1`):

   .. math:: \\rho_A = (w^\\top w)^2 \\,
             \\frac{w^\\top (R - \\operatorname{diag} R) w}
                  {w^\\top (w w^\\top - \\operatorname{diag}(w w^\\top)) w}

   Composite blocks (mode B, single-item blocks, and mode A blocks named in
   ``composites``) keep :math:`\\rho_A = 1` (no correction).
2. Consistent construct correlations
   :math:`\\tilde c_{ij} = c_{ij} / \\sqrt{\\rho_{A,i} \\rho_{A,j}}` (unit diagonal).
3. Consistent loadings of a corrected block :math:`\\lambda = w \\sqrt{\\rho_A} / (w^\\top w)`;
   composite blocks keep their item-composite correlations.
4. Paths and R² by OLS on the consistent correlations, as in PLS.

Inadmissible solutions (a corrected block with :math:`\\rho_A > 1` or :math:`\\le 0`, a
consistent loading above 1 in absolute value, or a consistent construct correlation
matrix that is not positive definite) are recorded per batch element in
:attr:`PLScArrays.admissible` and warned by :meth:`PLSc.fit` (``InadmissibleWarning``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .._validation import ParameterError, list_some
from ..exceptions import InadmissibleWarning, ModelError
from ..layout import EstimateArrays, total_effects
from ..numeric.reliability import rho_a_from_weights as rho_a_from_weights  # re-exported
from ..spec import Model
from ._extensions import is_source_model, rescale_interactions
from .pls import PLS, _regressions, _structure, pls_engine

if TYPE_CHECKING:
    from ..results import FitResults

__all__ = ["PLSc", "PLScArrays", "plsc_correct", "corrected_blocks"]


@dataclass(frozen=True, eq=False, kw_only=True)
class PLScArrays(EstimateArrays):
    """:class:`~csimodel.layout.EstimateArrays` plus the PLSc bookkeeping.

    Attributes
    ----------
    rho_a : (B, J)
        :math:`\\rho_A` used for the correction (1 for uncorrected blocks).
    corrected : (J,) bool
        Blocks treated as common factors (corrected).
    admissible : (B,) bool
        False when the solution is inadmissible (see ``inadmissible``).
    inadmissible : (B, 3) bool
        Reasons, columns: rho_A outside (0, 1]; a loading above 1 in absolute value;
        consistent construct correlation matrix not positive definite.
    uncorrected_cor : (B, J, J)
        Correlations of the PLS construct scores (before the correction).
    """

    rho_a: np.ndarray
    corrected: np.ndarray
    admissible: np.ndarray
    inadmissible: np.ndarray
    uncorrected_cor: np.ndarray


INADMISSIBLE_REASONS = (
    "rho_A outside (0, 1]",
    "consistent loading above 1 in absolute value",
    "consistent construct correlation matrix not positive definite",
)


def corrected_blocks(model: Model, composites: Iterable[str] = ()) -> np.ndarray:
    """Boolean (J,): mode A blocks with two or more items not listed in ``composites``."""
    comp = set(composites)
    return np.array(
        [
            model.modes[c] == "A" and len(model.blocks[c]) > 1 and c not in comp
            for c in model.constructs
        ],
        dtype=bool,
    )


def plsc_correct(
    est: EstimateArrays, S: np.ndarray, model: Model, corrected: np.ndarray
) -> PLScArrays:
    """Apply the PLSc correction to batched PLS estimates (standardized weights)."""
    st = _structure(model)
    B = S.shape[0]
    sd = est.item_sd
    R = S / (sd[:, :, None] * sd[:, None, :])
    W = est.weights
    rho = np.ones((B, st.J))
    if corrected.any():
        rho_all = rho_a_from_weights(W, R)
        rho[:, corrected] = rho_all[:, corrected]
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.sqrt(rho)
        C0 = est.construct_cor
        C = C0 / (q[:, :, None] * q[:, None, :])
        idx = np.arange(st.J)
        C[:, idx, idx] = 1.0
        ww = np.einsum("bpj,bpj->bj", W, W)
        load = est.cross_loadings * st.mask
        cons = W * (q / ww)[:, None, :]
        load = np.where(corrected[None, None, :], cons, load)
    converged = est.converged.copy()
    paths = np.zeros((B, st.J, st.J))
    r2 = np.full((B, st.J), np.nan)
    finite = np.all(np.isfinite(C), axis=(1, 2))
    converged[~finite] = False
    if len(st.endo):
        beta = np.full((B, len(st.endo), st.J), np.nan)
        ok = np.flatnonzero(finite)
        if len(ok):
            try:
                beta[ok] = _regressions(C[ok], st)
            except np.linalg.LinAlgError:
                for k in ok:
                    try:
                        beta[k] = _regressions(C[k : k + 1], st)[0]
                    except np.linalg.LinAlgError:
                        converged[k] = False
        paths[:, :, st.endo] = beta.transpose(0, 2, 1)
        r2[:, st.endo] = np.einsum("bkj,bjk->bk", beta, C[:, :, st.endo])
    bad_rho = np.any(corrected[None, :] & ~((rho > 0) & (rho <= 1)), axis=1)
    bad_load = np.any(np.abs(np.where(np.isfinite(load), load, 2.0)) > 1.0, axis=(1, 2))
    pd_ok = np.zeros(B, dtype=bool)
    if finite.any():
        pd_ok[finite] = np.linalg.eigvalsh(C[finite]).min(axis=1) > 0
    inadm = np.stack([bad_rho, bad_load, ~pd_ok], axis=1)
    return PLScArrays(
        weights=W,
        cross_loadings=est.cross_loadings,
        construct_cor=C,
        paths=paths,
        r2=r2,
        total=total_effects(paths),
        converged=converged,
        n_iter=est.n_iter,
        item_sd=sd,
        loadings=load,
        rho_a=rho,
        corrected=corrected,
        admissible=np.asarray(~inadm.any(axis=1)),
        inadmissible=inadm,
        uncorrected_cor=C0,
    )


class PLSc(PLS):
    """Consistent PLS (PLSc) estimator: PLS corrected for measurement error.

    Mode A blocks with two or more items are treated as common factors and corrected
    through Dijkstra-Henseler's :math:`\\rho_A`; mode B blocks, single-item blocks and
    the mode A blocks named in ``composites`` are composites and stay uncorrected. Items
    are always standardized (the correction is defined on correlations).

    Parameters
    ----------
    scheme : {'centroid', 'factorial', 'path'}, default='path'
        Inner weighting scheme of the underlying PLS run.
    composites : sequence of str, default=()
        Mode A constructs to treat as composites (not corrected).
    tol : float, default=1e-7
    max_iter : int, default=300
    interaction : {'two_stage'}, default='two_stage'
        Interaction terms ``A:B``: the two-stage approach (stage 1 = the model without the
        interaction terms, PLS scores; stage 2 adds the product of the standardized
        stage-1 scores as a single-item construct, which PLSc does not correct). The
        interaction path is reported on the scale of the product of standardized scores,
        as by :class:`PLS`. The product-indicator and orthogonal methods are not defined
        for PLSc and are refused (see :doc:`/extensions`).

    Notes
    -----
    :meth:`estimate` works on a batch ``(B, p, p)`` of covariance matrices and returns a
    :class:`PLScArrays` (consistent ``construct_cor``, ``paths``, ``r2``, ``total`` and
    block-layout ``loadings``); the bootstrap uses it unchanged. :meth:`fit` warns with
    :class:`~csimodel.InadmissibleWarning` when the solution is inadmissible; the reasons
    stay in ``res.arrays.inadmissible`` and ``res.arrays.rho_a``.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
    ...     QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
    ...     SAT  =~ sat1 + sat2 + sat3 + sat4
    ...     SAT  ~ IMAG + QUAL
    ... ''')
    >>> res = cm.PLSc(scheme="factorial").fit(model, data)
    >>> bool(res.arrays.admissible[0])
    True
    >>> round(float(res.arrays.rho_a[0, 0]), 3)
    0.862

    References
    ----------
    Dijkstra, T. K., Henseler, J. (2015). Consistent partial least squares path modeling.
    *MIS Quarterly* 39(2), 297-316.

    Tested against seminr 0.2.1 (Python port) PLSc and against a common-factor population
    model (see ``tests/estimators/test_plsc.py``).
    """

    name = "PLSc"
    standardize = True
    higher_order = "two_stage"
    _param_names = ("scheme", "composites", "tol", "max_iter", "interaction")

    def __init__(
        self,
        *,
        scheme: str = "path",
        composites: Iterable[str] = (),
        tol: float = 1e-7,
        max_iter: int = 300,
        interaction: str = "two_stage",
    ) -> None:
        self.scheme = scheme
        self.composites = tuple(composites) if not isinstance(composites, str) else (composites,)
        self.tol = tol
        self.max_iter = max_iter
        self.interaction = interaction

    def _validate(self) -> None:
        super()._validate()
        if self.interaction != "two_stage":
            raise ParameterError(
                "The 'interaction' parameter of PLSc must be one of {'two_stage'}. Got "
                f"{self.interaction!r} instead. PLSc would treat the block of product items "
                "as a common factor, but the products share their factors' measurement "
                "errors, so its rho_A correction is not consistent; use "
                "PLSc(interaction='two_stage') or cm.PLS(interaction="
                f"{self.interaction!r})."
            )

    def _check_model(self, model: Model) -> None:
        super()._check_model(model)
        if model.higher_order:
            raise ModelError(
                f"PLSc does not estimate higher-order constructs "
                f"({list_some(list(model.higher_order))}). Use cm.PLS(higher_order=...)."
            )
        unknown = [c for c in self.composites if c not in model.constructs]
        if unknown:
            raise ModelError(
                f"PLSc(composites=...) names construct(s) not in the model: {list_some(unknown)}. "
                f"Known constructs: {list_some(model.constructs)}."
            )

    def estimate(self, S: np.ndarray, model: Model) -> PLScArrays:
        """Batched estimation on covariance matrices ``S`` of shape (B, p, p).

        For the estimation model of a fit with interaction terms (``res.model``), ``S``
        holds the stage-2 items (the generated product columns included); the interaction
        paths are rescaled to the product of standardized scores.
        """
        if model.has_extensions:
            if is_source_model(model):
                raise ModelError(
                    "estimate() needs the estimation model of a model with interaction "
                    "terms; use fit(), whose results' .model is that estimation model."
                )
            return cast(PLScArrays, rescale_interactions(self._plain_estimate(S, model), model))
        return self._plain_estimate(S, model)

    def _plain_estimate(self, S: np.ndarray, model: Model) -> PLScArrays:
        est = pls_engine(
            S, model, scheme=self.scheme, standardize=True, tol=self.tol, max_iter=self.max_iter
        )
        return plsc_correct(est, S, model, corrected_blocks(model, self.composites))

    def _stage1_estimate(self, S: np.ndarray, model: Model) -> EstimateArrays:
        # stage 1 of the two-stage interaction: PLS scores (the weights PLSc keeps)
        return pls_engine(
            S, model, scheme=self.scheme, standardize=True, tol=self.tol, max_iter=self.max_iter
        )

    def fit(self, model: Model | str, data: Any, **kwargs: Any) -> FitResults:
        """Validate the data and fit the model; see :meth:`PLS.fit` for the arguments.

        Returns
        -------
        FitResults
            ``res.arrays`` is a :class:`PLScArrays`; ``res.loadings`` are the consistent
            loadings, ``res.construct_correlations`` the consistent correlations.
        """
        res = super().fit(model, data, **kwargs)
        arr = cast(PLScArrays, res.arrays)
        if not arr.admissible[0]:
            reasons = [
                r for r, bad in zip(INADMISSIBLE_REASONS, arr.inadmissible[0], strict=True) if bad
            ]
            detail = ""
            if arr.inadmissible[0, 0]:
                cons = res.model.constructs
                bad = [
                    f"{c} ({arr.rho_a[0, j]:.3f})"
                    for j, c in enumerate(cons)
                    if arr.corrected[j] and not (0 < arr.rho_a[0, j] <= 1)
                ]
                detail = f" rho_A: {list_some(bad)}."
            warnings.warn(
                f"PLSc solution is inadmissible: {'; '.join(reasons)}.{detail} Check the "
                "blocks' items (res.arrays.rho_a, res.loadings) or treat the block as a "
                "composite (PLSc(composites=[...])).",
                InadmissibleWarning,
                stacklevel=2,
            )
        return res
