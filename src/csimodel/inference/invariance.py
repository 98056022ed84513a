"""Measurement invariance across groups: the configural / metric / scalar / strict ladder
of multi-group CB-SEM models, with chi-square difference tests and ΔCFI/ΔRMSEA.

Levels (lavaan ``group.equal``): configural (same model, nothing equal), metric (equal
loadings), scalar (+ equal item intercepts; construct means free in every group but the
first), strict (+ equal item error variances). Partial invariance frees named parameters
from the equality constraints (lavaan ``group.partial``).

Decision rules reported by :meth:`InvarianceResults.summary`:

* χ² difference (likelihood-ratio) test between successive levels, p ≥ 0.05 (e.g.
  Vandenberg & Lance 2000);
* ΔCFI ≥ -0.010 (Cheung & Rensvold 2002);
* ΔRMSEA ≤ 0.015 and ΔSRMR ≤ 0.030 for metric, ≤ 0.010 for scalar and strict (Chen 2007).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError, check_option
from ..exceptions import DataError

if TYPE_CHECKING:
    from ..report.summary import Summary

__all__ = ["InvarianceResults", "invariance", "LEVELS"]

LEVELS = ("configural", "metric", "scalar", "strict")
_EQUAL = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}
_SRMR_CUT = {"metric": 0.030, "scalar": 0.010, "strict": 0.010}


class InvarianceResults(Frozen):
    """The invariance ladder (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Index = level: ``chisq, df, pvalue, cfi, tli, rmsea, srmr, delta_chisq, delta_df,
        p_delta, delta_cfi, delta_rmsea, delta_srmr`` (deltas against the previous level).
    fits : mapping (read-only)
        Level -> :class:`~csimodel.results.cbsem_groups.MultiGroupCBSEMResults` (a
        :class:`~csimodel.CBSEMResults` whose ``params`` carry a ``group`` column).
    groups : tuple
        Group values in the order used (sorted unless ``groups=`` was given).
    by : str
    partial : tuple of str
    """

    table: pd.DataFrame
    fits: Any
    groups: tuple
    by: str
    partial: tuple[str, ...]

    def decisions(self) -> pd.DataFrame:
        """Per level after the first: each rule's verdict (True = invariance holds)."""
        rows = {}
        t = self.table
        for lvl in t.index[1:]:
            r = t.loc[lvl]
            rows[lvl] = {
                "chisq_difference (p >= 0.05)": bool(r["p_delta"] >= 0.05),
                "delta_cfi >= -0.010 (Cheung & Rensvold 2002)": bool(r["delta_cfi"] >= -0.010),
                "delta_rmsea <= 0.015 (Chen 2007)": bool(r["delta_rmsea"] <= 0.015),
                "delta_srmr <= 0.030 metric, 0.010 scalar/strict (Chen 2007)": bool(
                    r["delta_srmr"] <= _SRMR_CUT.get(lvl, 0.010)
                ),
            }
        return pd.DataFrame(rows).T

    def summary(self) -> Summary:
        """Text/HTML summary: the ladder table and the decision rules with their sources."""
        from ..report.summary import Summary

        s = Summary("csimodel measurement invariance")
        fit0 = next(iter(self.fits.values()))
        s.add_info(
            "Groups",
            f"{self.by}: " + ", ".join(f"{g} (n={n})" for g, n in fit0.n_per_group.items()),
        )
        est = next(iter(self.fits.values())).estimator.estimator
        s.add_info(
            "Estimator",
            f"{est}, multi-group with mean structure (lavaan group.equal)"
            + (
                "; Satorra-Bentler scaled chi-square differences, robust CFI/RMSEA"
                if est == "MLR"
                else "; ordered items (thresholds), Satorra (2000) adjusted differences, "
                "scaled CFI/RMSEA"
                if est == "WLSMV"
                else ""
            ),
        )
        if self.partial:
            s.add_info("Left free (partial invariance)", ", ".join(self.partial))
        s.add_table("Invariance ladder", self.table)
        if len(self.table) > 1:
            s.add_table("Decision rules (True = invariance holds)", self.decisions())
        s.add_note(
            "Rules: chi-square difference test p >= 0.05 (Vandenberg & Lance 2000); "
            "delta CFI >= -0.010 (Cheung & Rensvold 2002, Structural Equation Modeling 9, "
            "233-255); delta RMSEA <= 0.015 and delta SRMR <= 0.030 (metric) or 0.010 "
            "(scalar, strict) (Chen 2007, Structural Equation Modeling 14, 464-504). The "
            "chi-square test is sensitive to N; the delta rules are conventions, not tests."
        )
        return s

    def __repr__(self) -> str:
        return f"<csimodel.InvarianceResults: {', '.join(self.table.index)}; by {self.by!r}>"


def invariance(
    model: Any,
    data: pd.DataFrame,
    by: str,
    levels: tuple[str, ...] | None = None,
    *,
    estimator: str = "ML",
    groups: Any = None,
    partial: Any = (),
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Any = (),
    tol: float = 1e-8,
    max_iter: int = 200,
) -> InvarianceResults:
    """Fit the measurement-invariance ladder across the groups of ``by``.

    Parameters
    ----------
    model : Model or str
        A reflective model (CFA or SEM).
    data : pandas.DataFrame
        Items and the grouping column.
    by : str
        Grouping column (at least two groups, each with more rows than items).
    levels : sequence of {'configural', 'metric', 'scalar', 'strict'}, optional
        Levels to fit, in ladder order (default: all four; for ``'WLSMV'`` the first
        three).
    estimator : {'ML', 'MLR'}, default='ML'
        Multi-group maximum likelihood with a mean structure (S with divisor ``n_g``).
        ``'MLR'``: the same estimates with Huber-White SEs and the Yuan-Bentler (Mplus)
        scaled test (lavaan ``estimator = "MLR"``); the table then adds ``chisq_scaled``,
        ``scaling_factor``, ``pvalue_scaled``, ``cfi_robust``, ``tli_robust``,
        ``rmsea_robust``; ``delta_chisq``/``p_delta`` are the Satorra-Bentler (2001) scaled
        difference test (lavaan ``lavTestLRT``'s default for MLR) and ``delta_cfi``/
        ``delta_rmsea`` use the robust CFI and RMSEA.
        ``'WLSMV'``: all items ordered (integer category codes, the same categories in every
        group); multi-group DWLS on each group's thresholds and polychoric correlations in
        the delta parameterization (lavaan ``cfa(..., ordered = , group = )``): metric =
        equal loadings, scalar = equal loadings and thresholds (scaling factors ``~*~`` and
        construct means free in every group but the first); no strict level; ``partial``
        frees loadings (``"F =~ x"``) and thresholds (``"x | t1"``). The table adds the scaled-shifted statistics (``chisq_scaled``,
        ``scaling_factor``, ``pvalue_scaled``, ``cfi_scaled``, ``tli_scaled``,
        ``rmsea_scaled``); ``delta_chisq``/``p_delta`` are the mean-and-variance adjusted
        difference test of Satorra (2000) (lavaan ``lavTestLRT``), ``delta_cfi``/
        ``delta_rmsea`` use the scaled CFI and RMSEA.
    groups : sequence, optional
        Groups to use and their order (default: the sorted values of ``by``).
    partial : sequence of str, default=()
        Parameters left free in every level that would constrain them, in lavaan's
        ``group.partial`` syntax: ``"sat1 ~ 1"`` (an intercept), ``"SAT =~ sat2"`` (a
        loading), ``"sat1 ~~ sat1"`` (an error variance).
    scale, missing, missing_values
        As in :meth:`CBSEM.fit` (``missing`` 'listwise' or 'error').
    tol, max_iter
        Optimizer tolerance (max absolute gradient) and iteration limit.

    Returns
    -------
    InvarianceResults

    Notes
    -----
    Tested against lavaan 0.6.14 (``cfa(..., group = "gender", group.equal = ...)``,
    ``group.partial``, ``lavTestLRT``): χ², df, CFI, TLI, RMSEA, SRMR, estimates and
    standard errors (expected information), see ``tests/inference/test_invariance.py``.

    Examples
    --------
    >>> import csimodel as cm
    >>> m = "IMAG =~ imag1 + imag2 + imag3 + imag4; SAT =~ sat1 + sat2 + sat3 + sat4"
    >>> inv = cm.invariance(m, cm.datasets.load_satisfaction(), by="gender",
    ...                     levels=("configural", "metric"))
    >>> list(inv.table.index), int(inv.table.loc["metric", "delta_df"])
    (['configural', 'metric'], 6)
    """
    from scipy import stats  # lazy

    from ..data import prepare
    from ..estimators import CBSEM
    from ..estimators.multigroup import MultiGroupFit, fit_multigroup, parse_partial
    from ..results.cbsem_groups import MultiGroupCBSEMResults

    owner = "invariance"
    check_option(estimator, "estimator", owner, ("ML", "MLR", "WLSMV"))
    check_option(missing, "missing", owner, ("listwise", "error"))
    ordinal = estimator == "WLSMV"
    if levels is None:
        levels = LEVELS[:3] if ordinal else LEVELS
    levels = tuple(levels)
    if ordinal and "strict" in levels:
        raise ParameterError(
            "invariance(estimator='WLSMV') fits the configural, metric and scalar (equal "
            "thresholds) levels; strict invariance of residual variances is not identified "
            "in the delta parameterization. Drop 'strict'."
        )
    for lvl in levels:
        check_option(lvl, "levels", owner, LEVELS)
    if not levels or list(levels) != sorted(levels, key=LEVELS.index):
        raise ParameterError(
            f"The 'levels' parameter of invariance must list levels in ladder order "
            f"{LEVELS}. Got {levels!r} instead."
        )
    from ..spec import Model

    model = Model(model) if isinstance(model, str) else model
    if not isinstance(data, pd.DataFrame) or by not in data.columns:
        raise DataError(
            f"The grouping column {by!r} is not in the data. Pass by= the name of a column "
            "holding each respondent's group."
        )
    if data[by].isna().any():
        rows = list(data.index[data[by].isna()][:5])
        raise DataError(
            f"The grouping column {by!r} is missing for row(s) {rows}. Drop or label those "
            "rows before testing invariance."
        )
    prepared = prepare(
        data,
        model.items,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        owner=owner,
    )
    lab = data.loc[prepared.row_labels, by].to_numpy()
    present = sorted(pd.unique(lab).tolist())
    order = present if groups is None else list(groups)
    unknown = [g for g in order if g not in present]
    if unknown or len(order) < 2:
        raise ParameterError(
            f"The 'groups' parameter of invariance must name at least two values of {by!r} "
            f"among {present}. Got {order!r} instead."
        )
    p = len(model.items)
    X_list = []
    for g in order:
        X = prepared.X[lab == g]
        if len(X) <= p:
            raise DataError(
                f"Group {by} == {g!r} has {len(X)} used rows but the model has {p} items; "
                "each group needs more rows than items. Merge small groups or drop them "
                "with groups=."
            )
        X_list.append(X)
    part_keys = tuple(parse_partial(s) for s in partial)
    known = {(lhs, "=~", rhs) for lhs in model.constructs for rhs in model.blocks[lhs]}
    if ordinal:
        known |= {(i, "|", f"t{k}") for i in model.items for k in range(1, 100)}
    else:
        known |= {(i, "~1", "") for i in model.items} | {(i, "~~", i) for i in model.items}
    bad = [s for s, k in zip(partial, part_keys, strict=True) if k not in known]
    if bad:
        raise ParameterError(
            f"partial= names {bad}, which are not loadings ('F =~ x'), "
            + (
                "thresholds ('x | t1')"
                if ordinal
                else "intercepts ('x ~ 1') or error variances ('x ~~ x')"
            )
            + " of the model."
        )
    if ordinal:
        from ..numeric.ordinal import check_ordinal

        check_ordinal(prepared.X, list(model.items))
        single = [c for c in model.constructs if len(model.blocks[c]) == 1]
        if single:
            from ..exceptions import ModelError

            raise ModelError(
                f"invariance(estimator='WLSMV') needs two or more items per construct; "
                f"{', '.join(map(repr, single))} has one."
            )
    fits: dict[str, Any] = {}
    est = CBSEM(estimator, tol=tol, max_iter=max_iter)
    robust = estimator == "MLR"
    ord_state: dict[str, Any] = {}
    n_per = {g: int(len(X)) for g, X in zip(order, X_list, strict=True)}
    for lvl in levels:
        if ordinal:
            from ..estimators.multigroup import ordinal_multigroup_fit

            equal = ("loadings", "thresholds") if lvl == "scalar" else _EQUAL[lvl]
            om = ordinal_multigroup_fit(
                model, X_list, order, equal=equal, partial=part_keys, max_iter=max_iter
            )
            ord_state[lvl] = om
            mg = MultiGroupFit(
                params=om["params"],
                fit_indices=om["fit_indices"],
                convergence=om["convergence"],
                implied=(),
            )
        else:
            mg = fit_multigroup(
                model,
                X_list,
                order,
                equal=_EQUAL[lvl],
                partial=part_keys,
                tol=tol,
                max_iter=max_iter,
                robust=robust,
            )
        fits[lvl] = MultiGroupCBSEMResults(
            model=model,
            estimator=est,
            data=prepared,
            mean=None,
            cov=None,
            implied_cov=None,
            fmin=mg.convergence["objective"],
            convergence=MappingProxyType(dict(mg.convergence)),
            inadmissible=(),
            fit_indices=mg.fit_indices,
            params=mg.params,
            missing_patterns=None,
            polychoric=None,
            groups=tuple(order),
            n_per_group=MappingProxyType(n_per),
            level=lvl,
            equal=("loadings", "thresholds") if ordinal and lvl == "scalar" else _EQUAL[lvl],
            partial=tuple(partial),
            by=by,
        )
    cols = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"]
    if robust:
        cols += ["chisq_scaled", "scaling_factor", "pvalue_scaled"]
        cols += ["cfi_robust", "tli_robust", "rmsea_robust"]
    if ordinal:
        cols += ["chisq_scaled", "scaling_factor", "pvalue_scaled"]
        cols += ["cfi_scaled", "tli_scaled", "rmsea_scaled"]
    table = pd.DataFrame({lvl: fits[lvl].fit_indices[cols] for lvl in levels}).T
    for c in ("delta_chisq", "delta_df", "p_delta", "delta_cfi", "delta_rmsea", "delta_srmr"):
        table[c] = np.nan
    cfi, rmsea = ("cfi_robust", "rmsea_robust") if robust else ("cfi", "rmsea")
    if ordinal:
        cfi, rmsea = "cfi_scaled", "rmsea_scaled"
    for prev, lvl in zip(levels[:-1], levels[1:], strict=True):
        dchi = table.loc[lvl, "chisq"] - table.loc[prev, "chisq"]
        ddf = table.loc[lvl, "df"] - table.loc[prev, "df"]
        if robust and ddf > 0:  # Satorra-Bentler (2001) scaled difference
            cd = (
                table.loc[lvl, "df"] * table.loc[lvl, "scaling_factor"]
                - table.loc[prev, "df"] * table.loc[prev, "scaling_factor"]
            ) / ddf
            dchi = dchi / cd
        p_delta = float(stats.chi2.sf(max(dchi, 0.0), ddf)) if ddf > 0 else np.nan
        if ordinal and ddf > 0:  # Satorra (2000), mean-and-variance adjusted
            from ..estimators.multigroup import satorra2000_difference

            a_, b_ = ord_state[prev], ord_state[lvl]
            dchi, _, p_delta = satorra2000_difference(
                a_["engine"],
                a_["estimate"],
                table.loc[prev, "chisq"],
                table.loc[prev, "df"],
                b_["engine"],
                b_["estimate"],
                table.loc[lvl, "chisq"],
                table.loc[lvl, "df"],
            )
        table.loc[lvl, "delta_chisq"] = dchi
        table.loc[lvl, "delta_df"] = ddf
        table.loc[lvl, "p_delta"] = p_delta
        table.loc[lvl, "delta_cfi"] = table.loc[lvl, cfi] - table.loc[prev, cfi]
        table.loc[lvl, "delta_rmsea"] = table.loc[lvl, rmsea] - table.loc[prev, rmsea]
        table.loc[lvl, "delta_srmr"] = table.loc[lvl, "srmr"] - table.loc[prev, "srmr"]
    table.index.name = "level"
    for lvl in levels:
        if not fits[lvl].converged:
            import warnings

            from ..exceptions import ConvergenceWarning

            warnings.warn(
                f"The {lvl} model did not converge (max |gradient| "
                f"{fits[lvl].convergence['max_abs_gradient']:.2g}); treat its row with caution.",
                ConvergenceWarning,
                stacklevel=2,
            )
    return InvarianceResults(
        table=table,
        fits=MappingProxyType(fits),
        groups=tuple(order),
        by=by,
        partial=tuple(partial),
    )
