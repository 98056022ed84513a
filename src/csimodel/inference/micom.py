"""MICOM: measurement invariance of composite models (Henseler, Ringle & Sarstedt 2016).

Step 1 (configural invariance) is a check of the setup; steps 2 (compositional
invariance) and 3 (equal composite means and variances) are permutation tests that run on
the batched moment engine, like :func:`~csimodel.compare_groups`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_number, list_some
from ..exceptions import DataError, ModelError
from ..moments import MomentBuilder, covariance
from ..results import FitResults
from ..spec import Model
from ._grouping import _group_sizes, _GroupReport, _GroupTask, _setup_groups
from ._mga_tests import _permutation_p
from ._resampling import _permute_pair, _progress_bar, _Stats, _subset

if TYPE_CHECKING:
    from ..report.summary import Summary

__all__ = ["micom", "MicomResult"]

_MICOM = _GroupTask(
    "micom",
    two=("MICOM", "groups", "(a, b)"),
    refuse_extensions=(
        "MICOM's compositional-invariance step correlates composites of the same observed "
        "indicators weighted by each group's weights, but generated indicators (products of "
        "stage-1 scores, lower-order scores) are themselves built with each group's own "
        "stage-1 weights, so the two groups' composites are not built from the same columns "
        "and the test (Henseler et al. 2016) does not carry over. Check invariance on the "
        "model without these terms (or with the lower-order constructs as first-order ones);"
    ),
)


def _composite_cor(Wa: np.ndarray, Wb: np.ndarray, M: np.ndarray) -> np.ndarray:
    """Correlation of ``X Wa`` and ``X Wb`` per construct for item (co)variance ``M`` (p, p).

    ``Wa``, ``Wb`` are block-layout weights ``(B, p, J)``.
    """
    MWb = np.einsum("pq,bqj->bpj", M, Wb)
    MWa = np.einsum("pq,bqj->bpj", M, Wa)
    cab = np.einsum("bpj,bpj->bj", Wa, MWb)
    va = np.einsum("bpj,bpj->bj", Wa, MWa)
    vb = np.einsum("bpj,bpj->bj", Wb, MWb)
    return cab / np.sqrt(va * vb)


@dataclass(frozen=True, eq=False)
class MicomResult(_GroupReport):
    """Result of :func:`micom` (read-only).

    Attributes
    ----------
    configural : pandas.DataFrame
        Step 1: one row per requirement, columns ``met`` (bool) and ``detail``.
    compositional : pandas.DataFrame
        Step 2, index = construct: ``c`` (correlation of the composite scores computed with
        group-a and group-b weights on the pooled data), ``q05`` (5% quantile of ``c``
        under permutation), ``p_permutation`` (share of permuted ``c`` at or below the
        observed one) and ``invariant`` (``c >= q05``).
    means : pandas.DataFrame
        Step 3a, index = construct: ``diff`` (mean of group a minus group b of the pooled
        standardized composite scores), ``ci_lower``, ``ci_upper`` (2.5% and 97.5%
        permutation quantiles), ``p_permutation`` and ``equal``.
    variances : pandas.DataFrame
        Step 3b: the same for ``log_ratio`` = log(var a) - log(var b).
    conclusion : pandas.Series
        Per construct: ``'full'``, ``'partial'`` or ``'none'``.
    overall : str
        ``'full'``, ``'partial'`` or ``'none'`` (the weakest construct's conclusion).
    groups : tuple
    by : str
    n_perm : int
    n_perm_valid : int
    n_per_group : pandas.Series
    """

    configural: pd.DataFrame
    compositional: pd.DataFrame
    means: pd.DataFrame
    variances: pd.DataFrame
    conclusion: pd.Series
    overall: str
    groups: tuple
    by: str
    n_perm: int
    n_perm_valid: int
    n_per_group: pd.Series

    def summary(self) -> Summary:
        """Steps 1-3 and the conclusion (no / partial / full measurement invariance)."""
        a, b = self.groups
        s = self._summary_head(
            "csimodel MICOM (measurement invariance of composites)",
            "Groups (by)",
            f"{self.by}: {a!r} vs {b!r}",
            "group",
        )
        s.add_info("Permutations (converged / run)", f"{self.n_perm_valid} / {self.n_perm}")
        s.add_table("Step 1: configural invariance", self.configural)
        s.add_table("Step 2: compositional invariance", self.compositional)
        s.add_table("Step 3a: equal composite means", self.means)
        s.add_table("Step 3b: equal composite variances (log ratio)", self.variances)
        s.add_table("Conclusion", self.conclusion.to_frame("invariance"))
        text = {
            "full": "full measurement invariance: composites, means and variances can be "
            "compared and the data pooled",
            "partial": "partial measurement invariance: path coefficients (multi-group "
            "analysis) can be compared, but not composite means or variances",
            "none": "no measurement invariance for at least one construct: compare groups "
            "with caution",
        }[self.overall]
        s.add_note(f"Overall: {text}.")
        return s

    def __repr__(self) -> str:
        return f"<csimodel.MicomResult: {self.by} {list(self.groups)}, {self.overall} invariance>"


def micom(
    model: Model | str | FitResults,
    data: pd.DataFrame | None = None,
    *,
    by: str,
    groups: Sequence[Any] | None = None,
    estimator: Any = None,
    n_perm: int = 5000,
    random_state: int | np.random.Generator | None = None,
    progress: bool | None = None,
    scale: Any = None,
    missing: str = "listwise",
    missing_values: Sequence[float] = (),
    weights: Any = None,
) -> MicomResult:
    """Three-step measurement invariance of composites (MICOM) between two groups.

    Parameters
    ----------
    model : Model, str or FitResults
        Model (or syntax), or fit results whose model, estimator and data are reused.
    data : pandas.DataFrame, optional
    by : str
        Column holding the group of each respondent.
    groups : (a, b), optional
        The two groups (default: the two values of ``by``, sorted).
    estimator : estimator, default=cm.PLS()
    n_perm : int, default=5000
    random_state : int, numpy.random.Generator or None
    progress : bool, optional
    scale, missing, missing_values, weights
        As in :meth:`PLS.fit`.

    Returns
    -------
    MicomResult

    Notes
    -----
    * Step 1: the same model, items, data treatment and algorithm settings in both groups
      (guaranteed by running both through one call) and a converged estimate in each.
    * Step 2: :math:`c_j = \\operatorname{cor}(X w_j^{(a)}, X w_j^{(b)})` on the pooled,
      standardized items :math:`X`; compositional invariance when :math:`c_j` is not below
      the 5% quantile of its permutation distribution.
    * Step 3: composite scores from the pooled estimation, standardized on the pooled
      data; the difference of group means and the log ratio of group variances must lie
      within the 2.5%-97.5% quantiles of their permutation distributions.

    Full invariance: steps 2 and 3 hold; partial: step 2 holds but not step 3 (path
    coefficients may be compared); none: step 2 fails.

    References
    ----------
    Henseler, J., Ringle, C. M., Sarstedt, M. (2016). Testing measurement invariance of
    composites using partial least squares. *International Marketing Review* 33(3), 405-431.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_satisfaction()
    >>> model = cm.Model('''
    ...     Image =~ imag1 + imag2 + imag3
    ...     Satisfaction =~ sat1 + sat2 + sat3
    ...     Satisfaction ~ Image
    ... ''')
    >>> mi = cm.micom(model, data, by="gender", n_perm=199, random_state=0, progress=False)
    >>> list(mi.compositional.columns)
    ['c', 'q05', 'p_permutation', 'invariant']
    >>> mi.overall in ("full", "partial", "none")
    True
    """
    owner = _MICOM.owner
    check_number(n_perm, "n_perm", owner, integer=True, low=1)
    model, estimator, data_p, labels, pos, _ = _setup_groups(
        _MICOM, model, data, by, groups, estimator, scale, missing, missing_values, weights
    )
    a, b = labels
    stats = _Stats(model, estimator, data_p)
    standardized = stats.standardized
    constructs = list(model.constructs)

    # Step 1: configural invariance.
    ests, conv = {}, {}
    for g in labels:
        X, w = _subset(data_p, pos[g])
        mean_g, S_g = covariance(X, w)
        const = [it for it, s in zip(model.items, np.diag(S_g), strict=True) if not s > 0]
        if const:
            raise DataError(
                f"Item(s) {list_some(const)} do not vary in group {g!r} of {by!r}; MICOM "
                "needs every item to vary within each group."
            )
        _, ok, est = stats(mean_g[None], S_g[None])
        ests[g], conv[g] = est, bool(ok[0])
    configural = pd.DataFrame(
        {
            "met": [True, True, True, conv[a] and conv[b]],
            "detail": [
                f"one model: {len(constructs)} constructs, {len(model.items)} items",
                f"one data treatment (missing={data_p.missing!r}, same item coding)",
                f"one algorithm and settings: {estimator!r}",
                f"converged in {a!r}: {conv[a]}, in {b!r}: {conv[b]}",
            ],
        },
        index=pd.Index(
            [
                "identical indicators",
                "identical data treatment",
                "identical algorithm",
                "estimable",
            ],
            name="requirement",
        ),
    )
    if not (conv[a] and conv[b]):
        bad = a if not conv[a] else b
        raise ModelError(
            f"The model did not converge in group {bad!r}; MICOM "
            "step 1 (configural invariance) fails."
        )

    rows = np.concatenate([pos[a], pos[b]])
    X, w = _subset(data_p, rows)
    mean_p, S_p = covariance(X, w)
    sd_p = np.sqrt(np.diag(S_p))
    M = S_p / np.outer(sd_p, sd_p) if standardized else S_p

    # Step 2, observed.
    c_obs = _composite_cor(ests[a].weights, ests[b].weights, M)[0]

    # Step 3, observed: pooled estimation, composite scores standardized on pooled data.
    _, ok_p, est_p = stats(mean_p[None], S_p[None])
    if not ok_p[0]:
        raise ModelError("The model did not converge on the pooled data of both groups.")
    Xc = X - mean_p
    if standardized:
        Xc = Xc / sd_p
    Y = Xc @ est_p.weights[0]  # unit variance on the pooled data
    n_a = len(pos[a])
    first = np.zeros(len(rows))
    first[:n_a] = 1.0
    mb_y = MomentBuilder(Y, w)

    def mean_var(F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = F.shape[0]
        m, S = mb_y.moments(np.concatenate([F, 1.0 - F]))
        v = np.einsum("bjj->bj", S)
        return m[:c] - m[c:], np.log(v[:c]) - np.log(v[c:])

    d_mean, d_lvar = (x[0] for x in mean_var(first[None]))

    def extra(F: np.ndarray, est, c: int):
        cor = _composite_cor(est.weights[:c], est.weights[c:], M)
        dm, dv = mean_var(F)
        return cor, dm, dv

    rng = np.random.default_rng(random_state)
    bar = _progress_bar(progress, n_perm, owner)
    try:
        _, ok, extras = _permute_pair(stats, X, w, n_a, n_perm, rng, bar, extra=extra)
    finally:
        bar.close()
    cor = np.concatenate([e[0] for e in extras])[ok]
    dm = np.concatenate([e[1] for e in extras])[ok]
    dv = np.concatenate([e[2] for e in extras])[ok]
    n_valid = int(ok.sum())

    q05 = np.quantile(cor, 0.05, axis=0)
    tol = 1e-12
    compositional = pd.DataFrame(
        {
            "c": c_obs,
            "q05": q05,
            "p_permutation": ((cor <= c_obs + tol).sum(axis=0) + 1.0) / (n_valid + 1.0),
            "invariant": c_obs >= q05 - 1e-10,
        },
        index=pd.Index(constructs, name="construct"),
    )

    def two_sided(obs: np.ndarray, dist: np.ndarray, name: str) -> pd.DataFrame:
        lo, hi = np.quantile(dist, [0.025, 0.975], axis=0)
        p = _permutation_p(dist, obs, tol)
        return pd.DataFrame(
            {name: obs, "ci_lower": lo, "ci_upper": hi, "p_permutation": p,
             "equal": (obs >= lo - 1e-10) & (obs <= hi + 1e-10)},
            index=pd.Index(constructs, name="construct"),
        )  # fmt: skip

    means = two_sided(d_mean, dm, "diff")
    variances = two_sided(d_lvar, dv, "log_ratio")
    conclusion = pd.Series(
        np.where(
            ~compositional["invariant"].to_numpy(),
            "none",
            np.where(means["equal"].to_numpy() & variances["equal"].to_numpy(), "full", "partial"),
        ),
        index=compositional.index,
        name="invariance",
    )
    order = {"none": 0, "partial": 1, "full": 2}
    overall = str(min(conclusion.astype(str), key=order.__getitem__))
    return MicomResult(
        configural=configural,
        compositional=compositional,
        means=means,
        variances=variances,
        conclusion=conclusion,
        overall=overall,
        groups=(a, b),
        by=by,
        n_perm=n_perm,
        n_perm_valid=n_valid,
        n_per_group=_group_sizes(labels, pos),
    )
