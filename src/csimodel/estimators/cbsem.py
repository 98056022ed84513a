"""Covariance-based SEM (factor models), estimated and assessed by csimodel.

csimodel

1. builds the model in RAM form: variables ``v = (items, constructs)``, directed
   effects ``A`` (loadings and paths), symmetric ``P`` (variances and covariances) and

   .. math:: \\Sigma(\\theta) = F (I - A)^{-1} P (I - A)^{-\\top} F^\\top ,

2. minimizes the discrepancy from its own start (``scipy.optimize.minimize(method=
   'trust-exact')`` with the analytic gradient and the Fisher information, then Newton
   steps with the observed Hessian from differences of the gradient; for GLS/ULS from the
   ML solution). semopy (the only csimodel module importing it, inside
   :meth:`CBSEM.fit`) fits the model only with ``start='semopy'``, ``polish=False`` or
   when the own start does not converge; its solution is then polished and compared with
   the own start, keeping the lowest discrepancy; the convergence facts are recorded,
3. computes standard errors (expected information, as lavaan's default), the standardized
   solution, R², effects, factor scores and its own fit indices
   (:func:`fit_indices`) from the sample and model-implied covariance matrices.

Discrepancy functions (``S`` sample, ``Σ`` model-implied covariance, ``p`` items):

* ML: :math:`F = \\log|\\Sigma| + \\operatorname{tr}(S\\Sigma^{-1}) - \\log|S| - p`,
  ``S`` with divisor ``N`` (lavaan ``likelihood='normal'``), :math:`T = N F`.
* GLS: :math:`F = \\tfrac12 \\operatorname{tr}\\{[(S-\\Sigma)S^{-1}]^2\\}`,
  ``S`` with divisor ``N - 1``, :math:`T = (N-1) F`.
* ULS: :math:`F = \\tfrac12 \\sum_{i \\le j} (s_{ij}-\\sigma_{ij})^2` (lavaan's unit
  weights on the non-duplicated elements), ``S`` with divisor ``N - 1``,
  :math:`T = 2(N-1) F`.

These conventions reproduce lavaan 0.6.14 (see ``docs/cbsem.md``).
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import ParameterError, check_option
from ..exceptions import (
    ConvergenceWarning,
    EstimationError,
    ModelError,
)
from ..numeric.fit_indices import FIT_INDEX_NAMES as FIT_INDEX_NAMES  # re-exported
from ..numeric.fit_indices import fit_indices
from ..spec import Model
from ._cbsem_engine import (
    ESTIMATORS,
    _build_structure,
    _Engine,
    _minimize,
    _one_blas_thread,
    _simple_start,
    _Structure,
)
from ._settings import EstimatorSettings, as_model, refuse_extensions

if TYPE_CHECKING:
    from ..results import CBSEMResults

__all__ = ["CBSEM", "ESTIMATORS", "fit_indices", "to_semopy_syntax"]

_SEMOPY_OBJ = {"ML": "MLW", "GLS": "GLS", "ULS": "ULS"}

#: estimators of :class:`CBSEM`: the discrepancy functions plus the robust variants
CBSEM_ESTIMATORS = (*ESTIMATORS, "MLR", "WLSMV", "DWLS", "WLS")


def to_semopy_syntax(model: Model) -> str:
    """Translate a :class:`~csimodel.Model` to semopy's model description.

    Single-item constructs get loading 1 (semopy's marker default) and error variance
    fixed to 0; exogenous constructs covary freely (as in lavaan's ``sem()``/``cfa()``);
    ``~~`` statements are passed through; composites (``<~``) raise :class:`ModelError`.

    Examples
    --------
    >>> import csimodel as cm
    >>> print(to_semopy_syntax(cm.Model("A =~ a1 + a2 + a3; B =~ b1; B ~ A")))
    A =~ a1 + a2 + a3
    B =~ b1
    B ~ A
    b1 ~~ 0*b1
    """
    st = _build_structure(model)  # validates (composites, covariances)
    lines = [f"{c} =~ {' + '.join(model.blocks[c])}" for c in model.constructs]
    targets: dict[str, list[str]] = {}
    for s, t in model.paths:
        targets.setdefault(t, []).append(s)
    lines += [f"{t} ~ {' + '.join(src)}" for t, src in targets.items()]
    for (lhs, op, rhs), is_free in zip(st.rows, st.free, strict=True):
        if op != "~~":
            continue
        if not is_free:
            lines.append(f"{lhs} ~~ 0*{rhs}")
        elif lhs != rhs:
            lines.append(f"{lhs} ~~ {rhs}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- estimator
class CBSEM(EstimatorSettings):
    """Covariance-based structural equation model (common-factor model) via semopy.

    Parameters
    ----------
    estimator : {'ML', 'GLS', 'ULS', 'MLR', 'WLSMV', 'DWLS', 'WLS'}, default='ML'
        Discrepancy function. ML uses the sample covariance with divisor ``N`` (lavaan's
        ``likelihood='normal'``); GLS and ULS the unbiased covariance (divisor ``N - 1``).
        ``'MLR'``: ML estimates with Huber-White (sandwich, observed information)
        standard errors and the Yuan-Bentler (Mplus variant) scaled chi-square;
        ``fit_indices`` adds ``chisq_scaled``, ``df_scaled``, ``pvalue_scaled``,
        ``scaling_factor``, ``cfi_scaled``/``tli_scaled``/``rmsea_scaled`` and
        ``cfi_robust``/``tli_robust``/``rmsea_robust`` (lavaan's ``estimator = "MLR"``).
        ``'WLSMV'``: ordered items (``fit(..., ordered=True)``), DWLS on thresholds and
        polychoric correlations with robust SEs and the scaled-shifted test
        (``chisq_scaled``, ``df_scaled``, ``pvalue_scaled``, ``scaling_factor``,
        ``shift_parameter``, ``cfi_scaled``, ``tli_scaled``, ``rmsea_scaled``); ``'DWLS'``:
        the same estimates with standard SEs and the unscaled test (lavaan's defaults);
        ``'WLS'``: full weight matrix Γ⁻¹ (thresholds estimated jointly), standard SEs.
    start : {'auto', 'semopy'}, default='auto'
        ``'auto'``: csimodel's own start (unit loadings, half the item variances) and
        optimizer (Fisher scoring in a trust region, then Newton steps with the observed
        Hessian); semopy's fit is used as a further start only if that does not converge.
        ``'semopy'``: semopy fits first and its solution is polished, with the own start as
        an independent check (the pipeline of csimodel <= 0.x; slower).
    polish : bool, default=True
        Minimize with csimodel's optimizer. ``False`` keeps semopy's estimate (the
        convergence facts still report its gradient norm).
    tol : float, default=1e-8
        Gradient-norm tolerance of the polish (max absolute gradient of the discrepancy).
    max_iter : int, default=200
        Iteration limit of the polish.

    Notes
    -----
    Identification: the first loading of each construct is fixed to 1 (marker variable);
    a single-item construct is measured without error (loading 1, error variance 0);
    exogenous constructs covary freely; ``~~`` statements add error covariances (two items)
    or construct (disturbance) covariances. A model without ``~`` paths is a CFA with all
    constructs freely correlated. Missing data: ``'listwise'``, ``'mean'``, ``'error'`` or
    ``'fiml'`` (full-information ML with free item means, as lavaan's ``missing = "ml"``;
    see ``docs/cbsem.md``).

    Tested against lavaan 0.6.14 (R 4.2.2): ECSI full model and CFA under ML (fit indices,
    estimates, SEs, std.all, R²), ULS and GLS fit indices; see ``docs/cbsem.md``.

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.CBSEM().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    >>> round(float(res.fit_indices["chisq"]), 1), int(res.fit_indices["df"])
    (575.6, 241)
    """

    _param_names = ("estimator", "start", "polish", "tol", "max_iter")

    def __init__(
        self,
        estimator: str = "ML",
        *,
        start: str = "auto",
        polish: bool = True,
        tol: float = 1e-8,
        max_iter: int = 200,
    ) -> None:
        self.estimator = estimator
        self.start = start
        self.polish = polish
        self.tol = tol
        self.max_iter = max_iter

    def _validate(self) -> None:
        owner = "CBSEM"
        check_option(self.estimator, "estimator", owner, CBSEM_ESTIMATORS)
        check_option(self.start, "start", owner, ("auto", "semopy"))
        check_option(self.polish, "polish", owner, (True, False))
        self._check_iterations(owner)

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
    ) -> CBSEMResults:
        """Validate the data, estimate the model, and assess the fit.

        Parameters
        ----------
        model : Model or str
            A :class:`~csimodel.Model` or model syntax (reflective blocks only).
        data : pandas.DataFrame or SummaryData
            One row per respondent; item columns named as in the model. Or a
            :class:`~csimodel.SummaryData` (published correlations/covariances and n).
        scale : (low, high) or dict, optional
            Declared answer scale of the items; values outside it raise ``DataError``.
        missing : {'listwise', 'mean', 'error', 'fiml'}, default='listwise'
            Missing-data policy (see :func:`csimodel.prepare`). ``'fiml'`` keeps rows with
            some missing answers and fits by full-information ML (``estimator='ML'`` only,
            no case weights); rows with every item missing are excluded and recorded.
        missing_values : sequence of numbers, default=()
            Codes that mean "no answer".
        weights : str or array-like, optional
            Case weights (column name or one value per row), normalized to sum to the
            number of used rows; the covariance matrix is weighted, the test statistic is
            the normal-theory one (no design-based correction).
        ordered : bool or list of str, optional
            Items answered on ordered categories (integer codes): ``True`` for all model
            items. Needs ``estimator='WLSMV'``, ``'DWLS'`` or ``'WLS'`` (which treat all items as
            ordered when ``ordered`` is not given); every model item must be ordered (mixed
            continuous and ordered items are not supported) and every construct needs two
            or more items. An item with a single used category, non-integer codes or an
            empty category between its lowest and highest answer raises ``DataError``.

        suspect_codes : {'error', 'ignore'}, default='error'
            Items without a declared scale whose values include a typical no-answer code
            (-99, -9, 9, 99, 999, ... standing apart from the other answers) raise
            :class:`~csimodel.SuspectedCodeError`; ``'ignore'`` uses them as answers.

        Returns
        -------
        CBSEMResults
        """
        from ..data import prepare
        from ..moments import covariance
        from ..results import CBSEMResults
        from ..summary_data import SummaryData

        self._validate()
        robust_or_ordinal = self.estimator in ("MLR", "WLSMV", "DWLS", "WLS") or (
            ordered is not None and ordered is not False
        )
        if isinstance(data, SummaryData) and robust_or_ordinal:
            raise ParameterError(
                f"CBSEM(estimator={self.estimator!r}) and ordered= need the respondents' "
                "answers (casewise moments or category counts); summary data (cm.SummaryData) "
                "hold only means and covariances. Use estimator='ML', 'GLS' or 'ULS'."
            )
        if self.estimator in ("WLSMV", "DWLS", "WLS") or (
            ordered is not None and ordered is not False
        ):
            return self._fit_ordinal(
                model, data, scale, missing, missing_values, weights, ordered, suspect_codes
            )
        if missing == "fiml" and not isinstance(data, SummaryData):
            return self._fit_fiml(model, data, scale, missing_values, weights, suspect_codes)
        if self.estimator == "MLR" and weights is not None:
            raise ParameterError(
                "CBSEM(estimator='MLR') does not take case weights (the robust statistics "
                "need unweighted casewise moments). Fit with estimator='ML' and weights, or "
                "MLR without weights."
            )
        if self.estimator == "MLR" and missing == "mean":
            raise ParameterError(
                "CBSEM(estimator='MLR') needs observed rows: mean-imputed cells would bias "
                "the fourth moments of the robust statistics. Use missing='listwise'."
            )
        disc = "ML" if self.estimator == "MLR" else self.estimator
        model = refuse_extensions(as_model(model), "CBSEM")
        st = _build_structure(model)
        prepared: Any  # PreparedData, or SummaryPreparedData (same counts, no answers)
        if isinstance(data, SummaryData):  # published moments: used as given (n - 1 divisor)
            prepared, mean, S_unb = data.moments(
                model.items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                weights=weights,
                owner="CBSEM.fit",
            )
            n = prepared.n_used
        else:
            prepared = prepare(
                data,
                model.items,
                scale=scale,
                missing=missing,
                missing_values=missing_values,
                weights=weights,
                owner="CBSEM.fit",
                suspect_codes=suspect_codes,
            )
            n = prepared.n_used
            w = prepared.weights
            if w is not None:
                w = w * (n / w.sum())
            mean, S_unb = covariance(prepared.X, w)
        S = S_unb * (n - 1) / n if disc == "ML" else S_unb
        q = int(st.free.sum())
        p = st.p
        if q > p * (p + 1) // 2:
            raise ModelError(
                f"The model has {q} free parameters but the {p} items give only "
                f"{p * (p + 1) // 2} variances and covariances (negative degrees of freedom): "
                "it is not identified. Add items or remove paths/covariances."
            )
        eng = _Engine(st, S, disc)
        theta, F, g, n_iter, conv, starts = self._optimize(model, st, eng, S, n, disc)
        if not np.isfinite(F):
            raise EstimationError(
                "CB-SEM estimation failed: the model-implied covariance matrix is not positive "
                "definite at every solution found. Check the model's identification."
            )
        max_g = float(np.max(np.abs(g)))
        converged = max_g <= max(self.tol * 1e3, 1e-5)
        conv.update(
            {
                "objective": F,
                "max_abs_gradient": max_g,
                "converged": converged,
                "n_iter": n_iter,
                "starts": tuple(starts),
            }
        )
        if self.polish and len(starts) > 1:
            ok = [f for _, f, gm, _ in starts if gm <= max(self.tol * 1e3, 1e-5)]
            conv["objective_spread_across_starts"] = float(np.ptp(ok)) if ok else np.nan
        if not converged:
            warnings.warn(
                f"CB-SEM did not reach a stationary point (max |gradient| = {max_g:.2g}). "
                "Treat estimates and fit indices with caution; check identification.",
                ConvergenceWarning,
                stacklevel=2,
            )
        robust = None
        if self.estimator == "MLR":
            from ..numeric.fit_indices import fit_indices as _plain
            from ._cbsem_robust import mlr_extras

            fi0 = _plain(S, eng.implied(theta)[0], n, eng.q, estimator="ML", fmin=F)
            robust = mlr_extras(eng, theta, prepared.X, fi0["chisq"], fi0["baseline_chisq"])
            robust["discrepancy"] = "ML"
        return CBSEMResults._build(
            model=model,
            estimator=self,
            data=prepared,
            mean=mean,
            S=S,
            engine=eng,
            theta=theta,
            fmin=F,
            convergence=conv,
            robust=robust,
        )

    def _fit_ordinal(
        self, model, data, scale, missing, missing_values, weights, ordered, suspect_codes="error"
    ):
        """WLSMV / DWLS on polychoric correlations (see :mod:`._cbsem_wlsmv`)."""
        from ..data import prepare
        from ..numeric.ordinal import resolve_ordered
        from ..results import CBSEMResults
        from ._cbsem_wlsmv import check_ordinal, delta_structure, fit_dwls, fit_wls

        model = as_model(model)
        if self.estimator not in ("WLSMV", "DWLS", "WLS"):
            raise ParameterError(
                "ordered= needs CBSEM(estimator='WLSMV'), 'DWLS' or 'WLS' "
                f"(got {self.estimator!r}): ordered items are fitted on polychoric "
                "correlations. Use CBSEM('WLSMV'), or drop "
                "ordered= to treat the items as continuous."
            )
        items = list(model.items)
        resolve_ordered(True if ordered is None else ordered, items, "CBSEM(estimator='WLSMV')")
        if weights is not None:
            raise ParameterError(
                "CBSEM(estimator='WLSMV') does not take case weights. Fit without weights."
            )
        if missing not in ("listwise", "error"):
            raise ParameterError(
                f"CBSEM(estimator='WLSMV') uses complete rows: missing must be 'listwise' or "
                f"'error' (got {missing!r})."
            )
        st = _build_structure(model)
        prepared = prepare(
            data,
            items,
            scale=scale,
            missing=missing,
            missing_values=missing_values,
            owner="CBSEM.fit",
            suspect_codes=suspect_codes,
        )
        check_ordinal(prepared.X, items)
        single = [c for c in model.constructs if len(model.blocks[c]) == 1]
        if single:
            raise ModelError(
                f"CBSEM(estimator='WLSMV') does not fit single-item construct(s) "
                f"{', '.join(map(repr, single))}: with unit latent-response variances (delta "
                "parameterization) their variance is not identified from the correlations. "
                "Give them more items, or fit the model with estimator='MLR'."
            )
        p = st.p
        q = int(delta_structure(st)[0].free.sum())
        if q > p * (p - 1) // 2:
            raise ModelError(
                f"The model has {q} free parameters besides the thresholds but the {p} "
                f"ordered items give only {p * (p - 1) // 2} correlations: it is not "
                "identified. Add items or remove paths/covariances."
            )
        if self.estimator == "WLS":
            eng, theta, F, conv, robust = fit_wls(self, model, st, prepared.X)
        else:
            eng, theta, F, conv, robust = fit_dwls(self, model, st, prepared.X, self.estimator)
        if not conv["converged"]:
            warnings.warn(
                f"CB-SEM (WLSMV) did not reach a stationary point (max |gradient| = "
                f"{conv['max_abs_gradient']:.2g}). Treat estimates and fit indices with caution.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return CBSEMResults._build(
            model=model,
            estimator=self,
            data=prepared,
            mean=prepared.X.mean(axis=0),
            S=robust["polychoric"].to_numpy(),
            engine=eng,
            theta=theta,
            fmin=F,
            convergence=conv,
            robust=robust,
        )

    def _optimize(self, model, st, eng, S, n, disc):
        """Estimate: own start + trust region/Newton (``start='auto'``; semopy's fit only
        if that does not converge) or semopy's fit polished from two starts
        (``start='semopy'`` or ``polish=False``)."""
        g_ok = max(self.tol * 1e3, 1e-5)
        conv: dict[str, Any] = {}
        starts: list[tuple] = []
        best: dict[str, Any] = {"key": (np.inf, np.inf)}

        def run(name: str, th0: np.ndarray, budget: int) -> None:
            if not np.isfinite(eng.objective(th0)[0]):
                return
            th, nit = _minimize(eng, th0, self.tol, budget)
            Fr, gr = eng.objective(th)
            gmax = float(np.max(np.abs(gr)))
            starts.append((name, Fr, gmax, nit))
            # lowest discrepancy (to 1e-10); among equal ones the smallest gradient
            key = (round(Fr, 10), gmax)
            if np.isfinite(Fr) and key < best["key"]:
                best.update(key=key, theta=th, F=Fr, g=gr, n_iter=nit)

        def semopy_start() -> np.ndarray:
            t0 = time.perf_counter()
            try:
                with _one_blas_thread():
                    theta_sp, sp_info = _semopy_fit(model, st, S, n, disc)
            except Exception as exc:  # semopy failure: carry on from our own start
                if not self.polish:
                    raise EstimationError(
                        f"semopy failed to fit the model ({type(exc).__name__}: {exc}). "
                        "Use polish=True to let csimodel's optimizer try its own start."
                    ) from exc
                theta_sp = _simple_start(eng)
                sp_info = {
                    "success": False,
                    "n_iter": 0,
                    "error": f"{type(exc).__name__}: {exc}",
                }
            F_sp, g_sp = eng.objective(theta_sp)
            conv.update(
                {
                    "semopy_objective": F_sp,
                    "semopy_max_abs_gradient": (
                        float(np.max(np.abs(g_sp))) if np.isfinite(F_sp) else np.nan
                    ),
                    "semopy_converged": sp_info["success"],
                    "semopy_n_iter": sp_info["n_iter"],
                    "semopy_seconds": time.perf_counter() - t0,
                }
            )
            if "error" in sp_info:
                conv["semopy_error"] = sp_info["error"]
            if not self.polish:
                best.update(theta=theta_sp, F=F_sp, g=g_sp, n_iter=sp_info["n_iter"])
            return theta_sp

        use_semopy = self.start == "semopy" or not self.polish
        theta_sp = semopy_start() if use_semopy else None
        if self.polish:
            t1 = time.perf_counter()
            candidates = [("simple", _simple_start(eng))]
            if theta_sp is not None:
                candidates.insert(0, ("semopy", theta_sp))
            if disc != "ML":
                # the ML solution is a good start for GLS/ULS (lavaan's advice too)
                ml = _Engine(st, S * (n - 1) / n, "ML")
                ml_theta = _minimize(ml, _simple_start(ml), self.tol, self.max_iter)[0]
                candidates.insert(0, ("ml", ml_theta))
            for name, th0 in candidates:
                # once a start has converged, the others are checks with a shorter budget
                converged = best["key"][1] <= g_ok
                if converged and not use_semopy:
                    break
                run(name, th0, min(self.max_iter, 50) if converged else self.max_iter)
            if best["key"][1] > g_ok and not use_semopy:
                # own starts did not converge: semopy's solution as a further start
                run("semopy", semopy_start(), self.max_iter)
            conv["polish_seconds"] = time.perf_counter() - t1
        if "theta" not in best:
            raise EstimationError(
                "CB-SEM estimation failed: no start gives a positive definite model-implied "
                "covariance matrix. Check the model's identification."
            )
        return best["theta"], best["F"], best["g"], best["n_iter"], conv, starts

    def _fit_fiml(self, model, data, scale, missing_values, weights, suspect_codes="error"):
        """Full-information ML over the missing-data patterns (lavaan ``missing = "ml"``)."""
        import dataclasses

        from ..data import prepare
        from ..numeric.fit_indices import fit_indices_fiml
        from ..results import CBSEMResults
        from ._cbsem_fiml import _FIMLEngine, _Patterns, em_saturated, independence_loglik

        if self.estimator != "ML":
            raise ParameterError(
                f"missing='fiml' is full-information maximum likelihood and needs "
                f"estimator='ML' (got {self.estimator!r}). Use CBSEM('ML'), or "
                "missing='listwise' with GLS/ULS."
            )
        if weights is not None:
            raise ParameterError(
                "CBSEM does not combine missing='fiml' with case weights (the weighted FIML "
                "likelihood is not validated here). Use missing='listwise' with weights, or "
                "fit without weights."
            )
        model = refuse_extensions(as_model(model), "CBSEM")
        st = _build_structure(model)
        prepared = prepare(
            data,
            model.items,
            scale=scale,
            missing="keep",
            missing_values=missing_values,
            owner="CBSEM.fit",
            allow_keep=True,
            suspect_codes=suspect_codes,
        )
        prepared = dataclasses.replace(prepared, missing="fiml")
        p = st.p
        q = int(st.free.sum())
        if q > p * (p + 1) // 2:
            raise ModelError(
                f"The model has {q} free parameters but the {p} items give only "
                f"{p * (p + 1) // 2} variances and covariances (negative degrees of freedom): "
                "it is not identified. Add items or remove paths/covariances."
            )
        pat = _Patterns(prepared.X)
        n = pat.n
        t0 = time.perf_counter()
        em_mu, em_S, ll_h1, em_iter = em_saturated(pat)
        # start: the ML fit to the EM moments (semopy, then our polish), item means from EM
        base = _Engine(st, em_S, "ML")
        try:
            with _one_blas_thread():
                theta_sp, sp_info = _semopy_fit(model, st, em_S, n, "ML")
        except Exception as exc:  # semopy failure: carry on from our own start
            theta_sp = _simple_start(base)
            sp_info = {"success": False, "n_iter": 0, "error": f"{type(exc).__name__}: {exc}"}
        F_sp, g_sp = base.objective(theta_sp)
        starts = []
        best = None
        for name, th0 in (("semopy", theta_sp), ("simple", _simple_start(base))):
            if not np.isfinite(base.objective(th0)[0]):
                continue
            th, nit = _minimize(base, th0, self.tol, self.max_iter)
            Fr, gr = base.objective(th)
            gmax = float(np.max(np.abs(gr)))
            starts.append((f"ML on EM moments from {name} start", Fr, gmax, nit))
            if best is None or Fr < best[0] - 1e-10:
                best = (Fr, th)
            if gmax <= max(self.tol * 1e3, 1e-5):
                break
        if best is None:
            raise EstimationError(
                "CB-SEM estimation failed: no start gives a positive definite model-implied "
                "covariance matrix. Check the model's identification."
            )
        eng = _FIMLEngine(base, pat)
        t_start = np.concatenate([best[1], em_mu])
        if self.polish or pat.n_patterns > 1:
            t_hat, n_iter = _minimize(eng, t_start, self.tol, self.max_iter)
        else:
            t_hat, n_iter = t_start, 0
        F, g = eng.objective(t_hat)
        starts.append(("FIML", F, float(np.max(np.abs(g))), n_iter))
        if not np.isfinite(F):
            raise EstimationError(
                "FIML estimation failed: the model-implied covariance matrix is not positive "
                "definite at the solution found. Check the model's identification."
            )
        max_g = float(np.max(np.abs(g)))
        converged = max_g <= max(self.tol * 1e3, 1e-5)
        conv = {
            "semopy_objective": F_sp,
            "semopy_max_abs_gradient": float(np.max(np.abs(g_sp))) if np.isfinite(F_sp) else np.nan,
            "semopy_converged": sp_info["success"],
            "semopy_n_iter": sp_info["n_iter"],
            "em_iterations": em_iter,
            "objective": F,
            "max_abs_gradient": max_g,
            "converged": converged,
            "n_iter": n_iter,
            "starts": tuple(starts),
            "fiml_seconds": time.perf_counter() - t0,
        }
        if "error" in sp_info:
            conv["semopy_error"] = sp_info["error"]
        if not converged:
            warnings.warn(
                f"CB-SEM (FIML) did not reach a stationary point (max |gradient| = {max_g:.2g}). "
                "Treat estimates and fit indices with caution; check identification.",
                ConvergenceWarning,
                stacklevel=2,
            )
        theta, mu = eng.split(t_hat)
        Sigma = base.implied(theta)[0]
        ll = pat.loglik(mu, Sigma)
        fi = fit_indices_fiml(
            ll,
            ll_h1,
            independence_loglik(pat.X),
            n,
            q,
            em_mean=em_mu,
            em_cov=em_S,
            mu=mu,
            Sigma=Sigma,
        )
        H = eng.hessian(t_hat)  # observed information (lavaan's default for missing='ml')
        fiml = {
            "hessian": H,
            "mu": mu,
            "fit": fi,
            "n_patterns": pat.n_patterns,
            "n_rows_missing": pat.n_rows_missing,
            "n_cells_missing": pat.n_cells_missing,
        }
        return CBSEMResults._build(
            model=model,
            estimator=self,
            data=prepared,
            mean=em_mu,
            S=em_S,
            engine=base,
            theta=theta,
            fmin=F,
            convergence=conv,
            fiml=fiml,
        )


def _semopy_fit(
    model: Model, st: _Structure, S: np.ndarray, n: int, estimator: str
) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit with semopy on the covariance matrix; map its estimates to our parameter order."""
    import semopy

    names = list(model.items)
    cov = pd.DataFrame(S, index=names, columns=names)
    sm = semopy.Model(to_semopy_syntax(model))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.fit(cov=cov, obj=_SEMOPY_OBJ[estimator], n_samples=n)
        table = sm.inspect(mode="list", information=None)  # estimates only, no SEs
    est: dict[tuple[str, str, str], float] = {}
    for lval, op, rval, e in zip(
        table["lval"], table["op"], table["rval"], table["Estimate"], strict=True
    ):
        est[(lval, op, rval)] = float(e)
    cons = set(model.constructs)
    theta = []
    for k in np.flatnonzero(st.free):
        lhs, op, rhs = st.rows[k]
        if op == "=~":
            key = (rhs, "~", lhs)
        elif op == "~":
            key = (lhs, "~", rhs)
        else:
            key = (lhs, "~~", rhs)
            if key not in est:
                key = (rhs, "~~", lhs)
        v = est.get(key, 0.0 if (op == "~~" and lhs != rhs and lhs in cons) else np.nan)
        theta.append(v)
    start = np.array(theta, dtype=float)
    if not np.all(np.isfinite(start)):
        start = np.where(np.isfinite(start), start, 0.0)
    info = {
        "success": bool(getattr(res, "success", False)),
        "n_iter": int(getattr(res, "n_it", 0) or 0),
    }
    return start, info
