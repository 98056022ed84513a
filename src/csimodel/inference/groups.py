"""Comparing segments and survey waves: multi-group analysis and index change.

The public functions and their result classes. The steps they are made of live in
:mod:`._grouping` (inputs and the split into groups), :mod:`._resampling` (seeded
permutation and bootstrap weight patterns on the batched moment engine) and
:mod:`._mga_tests` (the p-value formulas).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_number
from ..results import FitResults
from ..spec import Model
from ._grouping import _check_common, _group_sizes, _GroupReport, _GroupTask, _setup_groups
from ._mga_tests import (
    _adjust,
    _between_variance,
    _henseler_one_sided,
    _parametric_p,
    _permutation_p,
)
from ._resampling import (
    _bootstrap_group,
    _observed,
    _permute_groups,
    _permute_k_groups,
    _progress_bar,
    _Stats,
)

if TYPE_CHECKING:
    from ..report.summary import Summary

__all__ = ["compare_groups", "index_change", "GroupComparison", "IndexChange"]

_COMPARE_GROUPS = _GroupTask("compare_groups")
_INDEX_CHANGE = _GroupTask(
    "index_change",
    need_scale=True,
    two=("index_change", "waves", "(first, second)"),
    refuse_extensions=(
        "its table has one 0-100 index per construct, but an interaction term has no index "
        "(its items are products of scores, without an answer scale) and a two-stage "
        "higher-order construct's index needs its lower-order constructs' score spreads in "
        "every resample, which index_change does not compute. Compare the indices of the "
        "model without these terms, or use cm.indices(res, by=...) with cm.bootstrap;"
    ),
)


# ---------------------------------------------------------------------- compare_groups
@dataclass(frozen=True, eq=False)
class GroupComparison(_GroupReport):
    """Result of :func:`compare_groups` (read-only).

    Attributes
    ----------
    params : pandas.DataFrame
        One row per compared quantity and pair of groups: ``lhs, op, rhs`` (as in
        ``FitResults.params``, plus ``op='r2'`` for R² and ``op='index'`` for 0-100 indices),
        ``group_a, group_b``, ``estimate_a, estimate_b``, ``diff`` (a - b), bootstrap standard
        errors ``se_a, se_b``, the p-values ``p_permutation``, ``p_mga``, ``p_parametric``,
        ``p_welch`` and the same four adjusted for multiplicity across the pairs of groups
        (columns ending in ``_adj``; equal to the raw ones for two groups), and
        ``p_omnibus`` (the quantity's omnibus test over all groups, repeated on each pair's
        row; for two groups it equals ``p_permutation``).
    omnibus : pandas.DataFrame
        One row per compared quantity: ``lhs, op, rhs, statistic`` (size-weighted
        between-group variance of the estimates), ``p_omnibus`` and ``n_perm_valid``.
    estimates : pandas.DataFrame
        ``lhs, op, rhs`` and one column of estimates per group.
    groups : tuple
        Group labels, in comparison order.
    n_per_group : pandas.Series
        Used respondents per group.
    by : str
    n_perm, n_boot : int
    n_perm_valid : dict
        Pair -> permutations that converged (the p-value denominators).
    n_boot_valid : dict
        Group -> bootstrap resamples that converged.
    correction : str
    permutation_diffs : dict
        Pair -> array (n_perm, n_rows) of permuted differences (NaN where not converged).
    boot_values : dict
        Group -> array (n_boot, n_rows) of bootstrap estimates (NaN where not converged).
    estimator : object
    extensions : str or None
        The interaction terms and higher-order constructs of the model and their methods
        (re-run in every group, permutation and resample); None for a model without them.
    """

    params: pd.DataFrame
    estimates: pd.DataFrame
    groups: tuple
    n_per_group: pd.Series
    by: str
    n_perm: int
    n_boot: int
    n_perm_valid: dict
    n_boot_valid: dict
    correction: str
    permutation_diffs: dict
    boot_values: dict
    estimator: Any
    n_total: int
    n_used: int
    omnibus: pd.DataFrame | None = None
    extensions: str | None = None

    def summary(self) -> Summary:
        """Differences and p-values for paths, R² and indices; measurement rows in a table."""
        est = self.estimator
        params = est.get_params() if hasattr(est, "get_params") else {}
        settings = ", ".join(f"{k}={v!r}" for k, v in params.items())
        s = self._summary_head(
            "csimodel group comparison",
            "Groups (by)",
            self.by,
            "group",
            first=[("Estimator", f"{type(est).__name__}({settings})")],
        )
        s.add_info("Respondents (used / total)", f"{self.n_used} / {self.n_total}")
        if self.extensions:
            s.add_info("Model extensions (re-run per group and resample)", self.extensions)
        s.add_info("Permutations", self.n_perm)
        s.add_info("Bootstrap resamples per group", self.n_boot)
        if len(self.groups) > 2:
            s.add_info("Multiplicity correction (over pairs)", self.correction)
        cols = ["estimate_a", "estimate_b", "diff", "p_permutation", "p_mga", "p_parametric"]
        cols.append("p_welch")
        if len(self.groups) > 2:
            cols = [*cols[:3], *(c + "_adj" for c in cols[3:])]
        p = self.params.copy()
        p["quantity"] = [
            f"{r} -> {lhs}" if op == "~" else f"{lhs} {op} {r}" if op in ("=~", "<~") else lhs
            for lhs, op, r in zip(p["lhs"], p["op"], p["rhs"], strict=True)
        ]
        for (ga, gb), part in p.groupby(["group_a", "group_b"], sort=False):
            tag = f" ({ga} vs {gb})"
            for op, title in (
                ("~", "Path coefficients"),
                ("r2", "R-squared"),
                ("index", "Indices"),
            ):
                t = part[part["op"] == op]
                if len(t):
                    s.add_table(title + tag, t.set_index("quantity")[cols])
            t = part[part["op"].isin(["=~", "<~"])]
            s.add_table("Loadings and weights" + tag, t.set_index("quantity")[cols])
        if len(self.groups) > 2 and self.omnibus is not None:
            om = self.omnibus[self.omnibus["op"].isin(["~", "r2", "index"])].copy()
            om["quantity"] = [
                f"{r} -> {lhs}" if op == "~" else f"{lhs} {op}"
                for lhs, op, r in zip(om["lhs"], om["op"], om["rhs"], strict=True)
            ]
            s.add_table(
                f"Omnibus test over all {len(self.groups)} groups",
                om.set_index("quantity")[["statistic", "p_omnibus"]],
            )
        failed = {k: self.n_perm - v for k, v in self.n_perm_valid.items() if v < self.n_perm}
        if failed:
            s.add_note(
                "Permutations without convergence were left out: "
                + ", ".join(f"{a} vs {b}: {v}" for (a, b), v in failed.items())
            )
        s.add_note(
            "p_permutation: Chin & Dibbern (2010) permutation test; p_mga: Henseler (2009) "
            "PLS-MGA, two-sided; p_parametric: pooled-SE t-test; p_welch: Welch-Satterthwaite "
            "t-test (both with bootstrap standard errors). Compare groups only after "
            "establishing measurement invariance (cm.micom)."
        )
        return s

    def __repr__(self) -> str:
        return (
            f"<csimodel.GroupComparison: {self.by} with groups {list(self.groups)}, "
            f"{self.n_perm} permutations, {self.n_boot} bootstrap resamples>"
        )


def compare_groups(
    model: Model | str | FitResults,
    data: pd.DataFrame | None = None,
    *,
    by: str,
    groups: Sequence[Any] | None = None,
    estimator: Any = None,
    n_perm: int = 5000,
    n_boot: int = 2000,
    correction: str = "holm",
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
) -> GroupComparison:
    """Compare path coefficients, weights, loadings, R² and indices between groups.

    Each group is estimated separately with the same model and estimator; every pair of
    groups is then tested with a permutation test, Henseler's PLS-MGA and two parametric
    t-tests from bootstrap standard errors.

    Parameters
    ----------
    model : Model, str or FitResults
        The model (or its syntax). Fit results may be passed instead of model and data:
        their model, estimator and prepared data are reused (``by`` must be a column of the
        data given to ``fit``).
    data : pandas.DataFrame, optional
        One row per respondent with the items and the ``by`` column.
    by : str
        Column holding the group (segment, wave, company) of each respondent.
    groups : sequence, optional
        Groups to compare, in order (default: all values of ``by``, sorted). With more
        than two groups every pair is compared.
    estimator : estimator, default=cm.PLS()
    n_perm : int, default=5000
        Permutations per pair of groups (0 to skip the permutation test).
    n_boot : int, default=2000
        Bootstrap resamples within each group, for PLS-MGA and the standard errors of the
        parametric tests (0 to skip those).
    correction : {'holm', 'bonferroni', 'sidak', 'holm-sidak', 'simes-hochberg', 'hommel', \
'fdr_bh', 'fdr_by', 'none'}, default='holm'
        Multiplicity correction over the pairs of groups, per compared quantity
        (``statsmodels.stats.multitest.multipletests``).
    random_state : int, numpy.random.Generator or None
        Seed for permutations and resamples; results do not depend on chunking.
    progress : bool, optional
        Show a progress bar (default: only when the session is interactive).
    scale, missing, missing_values, weights
        As in :meth:`PLS.fit`. With a declared ``scale`` 0-100 indices are compared too.

    Returns
    -------
    GroupComparison

    Notes
    -----
    For a quantity :math:`\\theta` with group estimates :math:`\\hat\\theta_a, \\hat\\theta_b`
    and :math:`d = \\hat\\theta_a - \\hat\\theta_b`:

    * **Permutation** (Chin & Dibbern 2010): the group labels of the pooled respondents of
      *a* and *b* are shuffled (group sizes kept), both groups re-estimated, and
      :math:`p = (1 + \\#\\{|d^*| \\ge |d|\\}) / (1 + N)` over the *N* converged permutations.
    * **PLS-MGA** (Henseler 2009): with bootstrap estimates :math:`\\theta_{a,j}, \\theta_{b,k}`,
      :math:`P = 1 - \\frac{1}{J_aJ_b}\\sum_{j,k}\\Theta(2\\bar\\theta_a - \\theta_{a,j}
      - 2\\bar\\theta_b + \\theta_{b,k})` and ``p_mga`` :math:`= 2\\min(P, 1 - P)`.
    * **Parametric** (Keil et al. 2000): :math:`t = d / \\big[\\sqrt{\\tfrac{(n_a-1)^2}{n_a+n_b-2}
      s_a^2 + \\tfrac{(n_b-1)^2}{n_a+n_b-2} s_b^2}\\,\\sqrt{1/n_a + 1/n_b}\\big]`,
      :math:`n_a + n_b - 2` degrees of freedom.
    * **Welch-Satterthwaite** (Sarstedt et al. 2011): with :math:`v_g = \\tfrac{n_g-1}{n_g}
      s_g^2`, :math:`t = d/\\sqrt{v_a + v_b}`,
      :math:`\\nu = (v_a+v_b)^2 / \\big(\\tfrac{n_a-1}{n_a^2}s_a^4 + \\tfrac{n_b-1}{n_b^2}s_b^4
      \\big) - 2`.

    * **Omnibus** (k > 2 groups): a permutation test of the size-weighted between-group
      variance :math:`T = \\sum_g n_g(\\hat\\theta_g - \\bar\\theta)^2/N`,
      :math:`\\bar\\theta = \\sum_g n_g\\hat\\theta_g/N`: the labels of all groups' pooled
      respondents are shuffled (sizes kept), every group re-estimated, and
      :math:`p = (1 + \\#\\{T^* \\ge T\\})/(1 + N)`. It is the k-group form of Chin & Dibbern's
      test (for two groups :math:`T \\propto d^2`, the same test), one p-value per parameter.
      Chosen over Klesel et al.'s (2019) overall test, which tests the model-implied
      indicator correlations as a whole and says nothing about which parameter differs;
      its permutations are drawn after the pairwise ones, so these stay as without it.

    **Interaction terms and higher-order constructs** (PLS): every estimation re-runs the
    estimator's two-stage procedure on its own rows, stage 1 included — each group, each
    permuted group, each bootstrap resample — batched: the generated columns (products of
    stage-1 scores, z-scored item products, lower-order scores) are rebuilt inside every
    weight pattern. Index rows cover the constructs measured by observed items only.

    :math:`s_g` is the bootstrap standard error within group *g*; *n* counts respondents.
    Indices (``op='index'``) are computed from each group's own outer weights, rescaled to
    the answer scale: unstandardized weights normalized to sum to one, item means mapped to
    0-100 with the declared scale ends.

    References
    ----------
    Chin, W. W., Dibbern, J. (2010). An introduction to a permutation based procedure for
    multi-group PLS analysis. In *Handbook of Partial Least Squares*, 171-193.
    Henseler, J., Ringle, C. M., Sinkovics, R. R. (2009). The use of partial least squares
    path modeling in international marketing. *Advances in International Marketing* 20.
    Keil, M. et al. (2000). A cross-cultural study on escalation of commitment behavior in
    software projects. *MIS Quarterly* 24(2), 299-325.
    Sarstedt, M., Henseler, J., Ringle, C. M. (2011). Multigroup analysis in partial least
    squares path modeling. *Advances in International Marketing* 22, 195-218.

    Tested: group estimates equal separate fits on each group's rows (also with interaction
    terms and higher-order constructs, and one permutation equals refits on the permuted
    split); permutation p-values
    are uniform under a simulated null and detect a planted difference; PLS-MGA equals the
    seminr port's ``estimate_pls_mga`` on the same resamples (``tests/inference``).

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
    >>> cmp = cm.compare_groups(model, data, by="gender", n_perm=199, n_boot=199,
    ...                         random_state=1, progress=False, scale=(0, 10))
    >>> cmp.groups
    ('female', 'male')
    >>> paths = cmp.params[cmp.params["op"] == "~"]
    >>> list(paths.columns[:7])
    ['lhs', 'op', 'rhs', 'group_a', 'group_b', 'estimate_a', 'estimate_b']
    >>> bool(paths["p_permutation"].between(0, 1).all())
    True
    """
    owner = _COMPARE_GROUPS.owner
    _check_common(owner, n_perm, n_boot, correction)
    model, estimator, data_p, labels, pos, design = _setup_groups(
        _COMPARE_GROUPS, model, data, by, groups, estimator, scale, missing, missing_values, weights
    )
    stats = _Stats(model, estimator, data_p, design)
    rng = np.random.default_rng(random_state)
    k = len(stats.rows)

    observed = {}
    for g in labels:
        observed[g] = _observed(stats, data_p, pos[g], f"group {g!r} of {by!r}")

    pairs = list(itertools.combinations(labels, 2))
    n_work = len(pairs) * n_perm + len(labels) * n_boot
    bar = _progress_bar(progress, n_work, owner)
    perm_diffs, perm_valid = {}, {}
    boot_values, boot_valid = {}, {}
    try:
        for ga, gb in pairs:
            d, ok = _permute_groups(stats, data_p, pos[ga], pos[gb], n_perm, rng, bar)
            d[~ok] = np.nan
            perm_diffs[(ga, gb)] = d
            perm_valid[(ga, gb)] = int(np.isfinite(d[:, 0]).sum()) if len(d) else 0
        for g in labels:
            v = _bootstrap_group(stats, data_p, pos[g], n_boot, rng, bar)
            boot_values[g] = v
            boot_valid[g] = int(np.isfinite(v[:, 0]).sum()) if len(v) else 0
    finally:
        bar.close()

    base = pd.DataFrame(stats.rows, columns=["lhs", "op", "rhs"])
    tables = []
    for ga, gb in pairs:
        ea, eb = observed[ga], observed[gb]
        diff = ea - eb
        t = base.copy()
        t["group_a"], t["group_b"] = ga, gb
        t["estimate_a"], t["estimate_b"], t["diff"] = ea, eb, diff
        d = perm_diffs[(ga, gb)]
        d = d[np.isfinite(d[:, 0])] if len(d) else d
        t["p_permutation"] = _permutation_p(d, diff) if len(d) else np.nan
        ba, bb = boot_values[ga], boot_values[gb]
        ba = ba[np.isfinite(ba[:, 0])] if len(ba) else ba
        bb = bb[np.isfinite(bb[:, 0])] if len(bb) else bb
        if len(ba) > 1 and len(bb) > 1:
            se_a, se_b = ba.std(axis=0, ddof=1), bb.std(axis=0, ddof=1)
            one = _henseler_one_sided(ba, bb)
            p_mga = np.minimum(1.0, 2.0 * np.minimum(one, 1.0 - one))
            p_par, p_w = _parametric_p(diff, se_a, se_b, len(pos[ga]), len(pos[gb]))
        else:
            se_a = se_b = p_mga = p_par = p_w = np.full(k, np.nan)
        t["se_a"], t["se_b"] = se_a, se_b
        t["p_mga"], t["p_parametric"], t["p_welch"] = p_mga, p_par, p_w
        tables.append(t)
    params = pd.concat(tables, ignore_index=True)
    omnibus = base.copy()
    if len(labels) > 2:
        sizes = np.array([len(pos[g]) for g in labels], dtype=float)
        obs = np.stack([observed[g] for g in labels])  # (k, m)
        omnibus["statistic"] = _between_variance(obs, sizes)
        if n_perm:
            bar = _progress_bar(progress, n_perm, owner + " (omnibus)")
            try:
                vals, ok = _permute_k_groups(
                    stats, data_p, [pos[g] for g in labels], n_perm, rng, bar
                )
            finally:
                bar.close()
            T = _between_variance(vals[ok], sizes)
            omnibus["p_omnibus"] = (1 + (T >= omnibus["statistic"].to_numpy() - 1e-12).sum(0)) / (
                1 + len(T)
            )
            omnibus["n_perm_valid"] = int(ok.sum())
        else:
            omnibus["p_omnibus"] = np.nan
            omnibus["n_perm_valid"] = 0
        params["p_omnibus"] = np.tile(omnibus["p_omnibus"].to_numpy(), len(pairs))
    else:
        ea, eb = observed[labels[0]], observed[labels[1]]
        sizes = np.array([len(pos[g]) for g in labels], dtype=float)
        omnibus["statistic"] = _between_variance(np.stack([ea, eb]), sizes)
        omnibus["p_omnibus"] = params["p_permutation"].to_numpy()
        omnibus["n_perm_valid"] = perm_valid[(labels[0], labels[1])]
        params["p_omnibus"] = params["p_permutation"]
    pcols = ["p_permutation", "p_mga", "p_parametric", "p_welch"]
    for c in pcols:
        params[c + "_adj"] = params[c]
    if len(pairs) > 1 and correction != "none":
        for c in pcols:  # rows are pair-major, k rows per pair: one family per quantity
            wide = params[c].to_numpy().reshape(len(pairs), k).T
            params[c + "_adj"] = _adjust(wide, correction).T.ravel()
    estimates = base.copy()
    for g in labels:
        estimates[g] = observed[g]
    return GroupComparison(
        params=params,
        estimates=estimates,
        groups=tuple(labels),
        n_per_group=_group_sizes(labels, pos),
        by=by,
        n_perm=n_perm,
        n_boot=n_boot,
        n_perm_valid=perm_valid,
        n_boot_valid=boot_valid,
        correction=correction,
        permutation_diffs=perm_diffs,
        boot_values=boot_values,
        estimator=estimator,
        n_total=data_p.n_total,
        n_used=data_p.n_used,
        omnibus=omnibus,
        extensions=_extension_text(design, estimator),
    )


def _extension_text(design: Any, estimator: Any) -> str | None:
    """Interaction terms and higher-order constructs with their methods, for the summary."""
    if design is None:
        return None
    src = design.source
    parts = []
    if src.interactions:
        parts.append(f"{', '.join(src.interactions)} ({getattr(estimator, 'interaction', '')})")
    if src.higher_order:
        hoc = "; ".join(f"{h} of {', '.join(v)}" for h, v in src.higher_order.items())
        parts.append(f"{hoc} ({getattr(estimator, 'higher_order', '')})")
    return "; ".join(parts)


# ---------------------------------------------------------------------- index_change
@dataclass(frozen=True, eq=False)
class IndexChange(_GroupReport):
    """Result of :func:`index_change` (read-only).

    Attributes
    ----------
    table : pandas.DataFrame
        Index = construct; columns ``index_a`` (first wave), ``index_b`` (second wave),
        ``change`` (b - a), ``se`` (bootstrap), ``ci_lower``, ``ci_upper`` (percentile
        interval of the change) and ``p_permutation``.
    groups : tuple
        (first wave, second wave).
    by : str
    level : float
    n_boot, n_perm : int
    n_per_group : pandas.Series
    """

    table: pd.DataFrame
    groups: tuple
    by: str
    level: float
    n_boot: int
    n_perm: int
    n_per_group: pd.Series

    def summary(self) -> Summary:
        """The change table with its interval and p-value."""
        a, b = self.groups
        s = self._summary_head(
            "csimodel index change", "Waves (by)", f"{self.by}: {a!r} -> {b!r}", "wave"
        )
        s.add_info("Bootstrap resamples per wave", self.n_boot)
        s.add_info("Permutations", self.n_perm)
        s.add_table(f"0-100 indices and change ({self.level:.0%} percentile interval)", self.table)
        s.add_note(
            "change = index in the second wave minus the first; interval from resampling "
            "within each wave; p-value from permuting wave labels."
        )
        return s

    def __repr__(self) -> str:
        a, b = self.groups
        return f"<csimodel.IndexChange: {self.by} {a!r} -> {b!r}>"


def index_change(
    model: Model | str | FitResults,
    data: pd.DataFrame | None = None,
    *,
    by: str,
    groups: Sequence[Any] | None = None,
    estimator: Any = None,
    n_boot: int = 2000,
    n_perm: int = 2000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
) -> IndexChange:
    """Change of the 0-100 construct indices between two survey waves.

    Each wave is estimated separately (its own outer weights) and its indices computed on
    the declared answer scale. The change (second wave minus first) gets a percentile
    bootstrap interval (resampling respondents within each wave) and a permutation
    p-value (shuffling the wave labels).

    Parameters
    ----------
    model : Model, str or FitResults
        Model (or syntax), or fit results whose model, estimator and data are reused.
    data : pandas.DataFrame, optional
    by : str
        Column holding the wave of each respondent.
    groups : (first, second), optional
        The two waves, in time order (default: the two values of ``by``, sorted).
    estimator : estimator, default=cm.PLS()
    n_boot : int, default=2000
    n_perm : int, default=2000
    level : float, default=0.95
        Confidence level of the interval.
    random_state : int, numpy.random.Generator or None
    progress : bool, optional
    scale, missing, missing_values, weights
        As in :meth:`PLS.fit`; ``scale`` must be declared.

    Returns
    -------
    IndexChange

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Satisfaction ~ Image
    ... ''')
    >>> ch = cm.index_change(model, data, by="gender", groups=("female", "male"),
    ...                      n_boot=199, n_perm=199, random_state=0, progress=False,
    ...                      scale=(0, 10))
    >>> list(ch.table.columns)
    ['index_a', 'index_b', 'change', 'se', 'ci_lower', 'ci_upper', 'p_permutation']
    """
    owner = _INDEX_CHANGE.owner
    _check_common(owner, n_perm, n_boot)
    check_number(level, "level", owner, low=0, high=1, low_open=True, high_open=True)
    model, estimator, data_p, labels, pos, _ = _setup_groups(
        _INDEX_CHANGE, model, data, by, groups, estimator, scale, missing, missing_values, weights
    )
    stats = _Stats(model, estimator, data_p)
    J = len(model.constructs)
    sel = slice(len(stats.rows) - J, None)
    a, b = labels
    obs = {}
    for g in labels:
        obs[g] = _observed(stats, data_p, pos[g], f"wave {g!r} of {by!r}")[sel]
    change = obs[b] - obs[a]
    rng = np.random.default_rng(random_state)
    bar = _progress_bar(progress, n_perm + 2 * n_boot, owner)
    try:
        if n_perm:
            d, ok = _permute_groups(stats, data_p, pos[a], pos[b], n_perm, rng, bar)
            p_perm = _permutation_p(-d[ok][:, sel], change)  # b - a
        else:
            p_perm = np.full(J, np.nan)
        boots = {
            g: _bootstrap_group(stats, data_p, pos[g], n_boot, rng, bar)[:, sel] for g in labels
        }
    finally:
        bar.close()
    if n_boot:
        ch = boots[b] - boots[a]
        ch = ch[np.all(np.isfinite(ch), axis=1)]
        alpha = 1.0 - level
        lo, hi = np.quantile(ch, [alpha / 2, 1 - alpha / 2], axis=0)
        se = ch.std(axis=0, ddof=1)
    else:
        lo = hi = se = np.full(J, np.nan)
    table = pd.DataFrame(
        {
            "index_a": obs[a],
            "index_b": obs[b],
            "change": change,
            "se": se,
            "ci_lower": lo,
            "ci_upper": hi,
            "p_permutation": p_perm,
        },
        index=pd.Index(model.constructs, name="construct"),
    )
    return IndexChange(
        table=table,
        groups=(a, b),
        by=by,
        level=level,
        n_boot=n_boot,
        n_perm=n_perm,
        n_per_group=_group_sizes(labels, pos),
    )
