"""Frozen results of FIMIX-PLS: one solution (:class:`FimixResult`) and a choice of k
(:class:`FimixSelection`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import check_option
from ..exceptions import EstimationError

if TYPE_CHECKING:
    from ..plotting.segments import FimixCriteriaDisplay
    from ..report.summary import Summary
    from .explain import SegmentExplanation
    from .segment_models import SegmentModels

__all__ = ["FimixResult", "FimixSelection", "CRITERIA"]

#: criteria in the order of ``FimixResult.criteria``
CRITERIA = ("lnl", "aic", "aic3", "aic4", "bic", "caic", "hq", "mdl5", "en", "npar")
#: criteria where larger is better (the others: smaller is better)
LARGER_BETTER = ("lnl", "en")


class FimixResult(Frozen):
    """One FIMIX-PLS solution (read-only); see :func:`csimodel.fimix`.

    Segments are labelled 1..k by size, largest first.

    Attributes
    ----------
    k : int
        Number of segments.
    params : pandas.DataFrame
        ``segment, lhs, op, rhs, estimate``: the segment-specific paths (op ``'~'``,
        ``lhs`` regressed on ``rhs``).
    sizes : pandas.Series
        Mixing proportions (relative segment sizes, sum to 1), by segment.
    probabilities : pandas.DataFrame
        Posterior membership probabilities, one row per used respondent (index as
        ``res.scores``), one column per segment; rows sum to 1.
    membership : pandas.Series
        The most likely segment of each respondent.
    criteria : pandas.Series
        ``lnl, aic, aic3, aic4, bic, caic, hq, mdl5, en, npar``.
    residual_variances : pandas.DataFrame
        Residual variance of every endogenous construct (rows) in every segment (columns).
    intercepts : pandas.DataFrame or None
        Intercepts per endogenous construct and segment (``intercept=True`` only).
    converged : bool
        The best start reached ``tol`` before ``max_iter``.
    n_iter : int
        EM iterations of the best start.
    best_start : int
        Position of the kept start.
    starts : pandas.DataFrame
        Every start: ``lnl, n_iter, status`` (``'converged'``, ``'max_iter'`` or
        ``'degenerate'``: a segment shrank below the number of its parameters).
    lnl_trace : ndarray
        Log-likelihood of the best start after each EM iteration (never decreasing).
    settings : dict
        ``starts, max_iter, tol, intercept, random_state``.
    res : FitResults
        The fitted model that was segmented.
    """

    k: int
    params: pd.DataFrame
    sizes: pd.Series
    probabilities: pd.DataFrame
    membership: pd.Series
    criteria: pd.Series
    residual_variances: pd.DataFrame
    intercepts: pd.DataFrame | None
    converged: bool
    n_iter: int
    best_start: int
    starts: pd.DataFrame
    lnl_trace: np.ndarray
    settings: dict
    res: Any

    @property
    def n_used(self) -> int:
        """Respondents segmented (the used rows of the fit)."""
        return len(self.membership)

    @property
    def counts(self) -> pd.Series:
        """Respondents per segment by most likely membership."""
        labels = self.sizes.index
        return self.membership.value_counts().reindex(labels, fill_value=0).rename("n")

    @property
    def path_table(self) -> pd.DataFrame:
        """Paths side by side: index ``(lhs, rhs)``, one column per segment."""
        return self.params.pivot_table(
            index=["lhs", "rhs"], columns="segment", values="estimate", sort=False
        )

    def explain(
        self,
        data: pd.DataFrame | None = None,
        columns: Sequence[str] | None = None,
        *,
        categorical: Sequence[str] | None = None,
    ) -> SegmentExplanation:
        """How observed variables relate to the segments; see :func:`~csimodel.segments.explain`."""
        from .explain import explain

        return explain(self, data, columns, categorical=categorical)

    def fit_segments(self, estimator: Any = None, *, min_size: int | None = None) -> SegmentModels:
        """Re-estimate the whole model in each segment; see :func:`~csimodel.segments.fit_segments`."""
        from .segment_models import fit_segments

        return fit_segments(self, estimator, min_size=min_size)

    def summary(self) -> Summary:
        """Sizes, criteria, paths per segment, residual variances, convergence."""
        from ..report.summary import Summary

        s = Summary(f"csimodel FIMIX-PLS, {self.k} segment{'s' if self.k > 1 else ''}")
        st = self.settings
        s.add_info("Respondents (used)", self.n_used)
        s.add_info(
            "Starts",
            f"{st['starts'] if self.k > 1 else 1} (best: start {self.best_start}, "
            f"lnL {self.criteria['lnl']:.4f})",
        )
        s.add_info(
            "Converged",
            f"yes, after {self.n_iter} iterations (tol={st['tol']!r})"
            if self.converged
            else f"NO (stopped after {self.n_iter}, max_iter={st['max_iter']})",
        )
        s.add_info("Intercepts", "yes" if st["intercept"] else "no")
        weighted = getattr(getattr(self.res, "data", None), "weights", None) is not None
        s.add_info("Case weights", "yes (weighted likelihood)" if weighted else "no")
        sizes = pd.DataFrame({"size": self.sizes, "n": self.counts})
        s.add_table("Segment sizes (mixing proportions; n by most likely segment)", sizes)
        s.add_table("Segment-retention criteria", self.criteria.to_frame("value"))
        paths = self.path_table.copy()
        paths.index = [f"{r} -> {lhs}" for lhs, r in paths.index]
        paths.index.name = "path"
        s.add_table("Path coefficients by segment", paths)
        s.add_table("Residual variances by segment", self.residual_variances)
        if self.intercepts is not None:
            s.add_table("Intercepts by segment", self.intercepts)
        failed = int((self.starts["status"] == "degenerate").sum())
        if failed:
            s.add_note(f"{failed} start(s) degenerated (a segment vanished) and were left out.")
        s.add_note(
            "Read AIC3 and CAIC together (same k: likely the number of segments) and EN "
            "(> 0.5: well separated); compare k with cm.fimix(res, k=range(1, 6))."
        )
        if not self.converged:
            s.add_note("EM did not converge; treat the solution with caution.")
        return s

    def __repr__(self) -> str:
        sizes = ", ".join(f"{v:.2f}" for v in self.sizes)
        return (
            f"<csimodel.FimixResult: k={self.k}, sizes [{sizes}], "
            f"lnL {self.criteria['lnl']:.2f}, {self.n_used} respondents>"
        )


class FimixSelection(Frozen):
    """FIMIX-PLS solutions for several numbers of segments (read-only).

    Attributes
    ----------
    results : dict
        k -> :class:`FimixResult` (``None`` where every start degenerated).
    n_used : int
    npar_segment : int
        Parameters per segment (coefficients and residual variances).
    """

    results: dict
    n_used: int
    npar_segment: int

    @property
    def criteria(self) -> pd.DataFrame:
        """One row per k: ``lnl, aic, aic3, aic4, bic, caic, hq, mdl5, en, npar``, the
        smallest relative segment size ``min_size`` and the smallest count ``min_n``
        (respondents in the smallest segment by most likely membership)."""
        rows = {}
        for k, fx in self.results.items():
            if fx is None:
                rows[k] = pd.Series(np.nan, index=[*CRITERIA, "min_size", "min_n"])
                continue
            r = fx.criteria.copy()
            r["min_size"] = float(fx.sizes.min())
            r["min_n"] = float(fx.counts.min())
            rows[k] = r
        df = pd.DataFrame(rows).T
        df.index.name = "k"
        return df

    def best(self, criterion: str = "aic3") -> FimixResult:
        """The solution whose ``criterion`` is best (smallest; largest for ``lnl``, ``en``)."""
        check_option(criterion, "criterion", "FimixSelection.best", CRITERIA[:-1])
        col = self.criteria[criterion]
        if col.isna().all():
            raise EstimationError(
                f"No number of segments could be estimated: every k in {list(self.results)} "
                "degenerated. Use smaller k."
            )
        k = col.idxmax() if criterion in LARGER_BETTER else col.idxmin()
        return self.results[int(str(k))]

    def choices(self) -> pd.Series:
        """The k each criterion chooses (smallest criterion; largest for ``en``)."""
        crit = self.criteria
        out = {}
        for c in CRITERIA[1:-1]:
            col = crit[c].dropna()
            if len(col):
                out[c] = int(str(col.idxmax() if c in LARGER_BETTER else col.idxmin()))
        return pd.Series(out, name="k", dtype="Int64")

    def plot(
        self, criteria: Sequence[str] = ("aic3", "caic", "bic"), ax: Any = None
    ) -> FimixCriteriaDisplay:
        """Criteria over k (lines) and EN (right axis); returns a
        :class:`~csimodel.plotting.FimixCriteriaDisplay`."""
        from ..plotting.segments import FimixCriteriaDisplay

        return FimixCriteriaDisplay.from_result(self, criteria=criteria).plot(ax=ax)

    def summary(self) -> Summary:
        """The criteria table and the k each criterion chooses."""
        from ..report.summary import Summary

        s = Summary("csimodel FIMIX-PLS: number of segments")
        s.add_info("Respondents (used)", self.n_used)
        s.add_info("Parameters per segment", self.npar_segment)
        s.add_table("Segment-retention criteria by k", self.criteria)
        s.add_table("k chosen by each criterion", self.choices().to_frame())
        missing = [k for k, fx in self.results.items() if fx is None]
        if missing:
            s.add_note(f"k = {missing}: every start degenerated; the data do not support it.")
        s.add_note(
            "Smaller information criteria are better. Read AIC3 and CAIC together: when both "
            "choose the same k it is likely the number of segments (Sarstedt et al. 2011); "
            "EN > 0.5 means well-separated segments. Keep only solutions whose smallest "
            "segment (min_n) can be estimated on its own."
        )
        return s

    def __repr__(self) -> str:
        return f"<csimodel.FimixSelection: k in {list(self.results)}, {self.n_used} respondents>"
