"""Segment-specific models: the whole model re-estimated in each FIMIX segment.

FIMIX-PLS finds the segments on the structural model only; the analyst then estimates the
full model (measurement and structure) in every segment (Hair et al. 2016, step 4) and reads
each segment's drivers, indices and importance-performance map. :func:`fit_segments` assigns
every respondent to the most likely segment and fits each segment's rows with the same model
and the same item values, answer scale and case weights as the pooled fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError, check_number
from ..exceptions import DataError

if TYPE_CHECKING:
    from ..inference.groups import GroupComparison
    from ..report.summary import Summary

__all__ = ["fit_segments", "SegmentModels"]

SEGMENT_COLUMN = "segment"


class SegmentModels(Frozen):
    """The model fitted in each segment (read-only); see :func:`fit_segments`.

    Attributes
    ----------
    fits : dict
        Segment -> FitResults of the model on that segment's respondents.
    data : pandas.DataFrame
        The used rows of the pooled fit (item values as used, other columns of the fitted
        data) with a ``segment`` column: the input for ``cm.compare_groups(...,
        by='segment')``.
    estimator : object
    scale : tuple, dict or None
        The answer scale of the pooled fit (passed to every segment's fit).
    fimix : FimixResult
    """

    fits: dict
    data: pd.DataFrame
    estimator: Any
    scale: Any
    fimix: Any

    @property
    def params(self) -> pd.DataFrame:
        """All estimates of every segment: ``segment, lhs, op, rhs, estimate``."""
        parts = [f.params.assign(segment=g) for g, f in self.fits.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[[SEGMENT_COLUMN, "lhs", "op", "rhs", "estimate"]]

    @property
    def path_coefficients(self) -> pd.DataFrame:
        """Paths side by side: index ``(lhs, rhs)``, one column per segment."""
        p = self.params
        return p[p["op"] == "~"].pivot_table(
            index=["lhs", "rhs"], columns=SEGMENT_COLUMN, values="estimate", sort=False
        )

    @property
    def r_squared(self) -> pd.DataFrame:
        """R² by endogenous construct (rows) and segment (columns)."""
        return pd.DataFrame({g: f.r_squared for g, f in self.fits.items()}).rename_axis(
            columns=SEGMENT_COLUMN
        )

    @property
    def n_per_segment(self) -> pd.Series:
        return pd.Series({g: f.n_used for g, f in self.fits.items()}, name="n").rename_axis(
            SEGMENT_COLUMN
        )

    def indices(self, **kwargs: Any) -> pd.DataFrame:
        """0-100 indices of each segment from its own fit (rows = segments).

        Keyword arguments go to :func:`csimodel.indices` (e.g. ``boot=999``,
        ``random_state=0``). Needs an answer scale declared at the pooled fit.
        """
        from ..scoring import indices

        rows = []
        for g, f in self.fits.items():
            t = indices(f, **kwargs)
            rows.append(t.set_axis([g]))
        out = pd.concat(rows)
        out.index.name = SEGMENT_COLUMN
        return out

    def ipma(self, target: str, **kwargs: Any) -> dict:
        """Importance-performance map per segment: segment -> :class:`~csimodel.IPMAResults`.

        Keyword arguments go to :func:`csimodel.ipma` (e.g. ``level='indicator'``).
        """
        from ..ipa import ipma

        return {g: ipma(f, target, **kwargs) for g, f in self.fits.items()}

    def compare(self, **kwargs: Any) -> GroupComparison:
        """Multi-group comparison of the segments with :func:`csimodel.compare_groups`.

        Keyword arguments (``n_perm``, ``n_boot``, ``random_state``, ``progress``, ...) go
        to ``compare_groups``; the model, this data, ``by='segment'``, the estimator, the
        scale and the case weights are set here. Note that the segments were formed to
        differ in their paths, so p-values of path differences are optimistic.
        """
        from ..inference.groups import compare_groups

        for k in ("by", "data", "estimator", "scale", "weights"):
            if k in kwargs:
                raise ParameterError(
                    f"The {k!r} parameter of SegmentModels.compare is set from the segments; "
                    "call cm.compare_groups(...) directly to choose it."
                )
        weights = "_weight" if "_weight" in self.data.columns else None
        return compare_groups(
            self.fimix.res.model,
            self.data,
            by=SEGMENT_COLUMN,
            estimator=self.estimator,
            scale=self.scale,
            weights=weights,
            **kwargs,
        )

    def summary(self) -> Summary:
        """Respondents, paths and R² per segment."""
        from ..report.summary import Summary

        s = Summary("csimodel: model re-estimated in each FIMIX segment")
        est = self.estimator
        s.add_info("Estimator", type(est).__name__)
        s.add_table("Respondents per segment", self.n_per_segment.to_frame())
        paths = self.path_coefficients.copy()
        paths.index = [f"{r} -> {lhs}" for lhs, r in paths.index]
        paths.index.name = "path"
        s.add_table("Path coefficients", paths)
        s.add_table("R-squared", self.r_squared)
        not_conv = [g for g, f in self.fits.items() if not f.converged]
        if not_conv:
            s.add_note(f"The fit did not converge in segment(s) {not_conv}.")
        s.add_note(
            "Segments are the most likely FIMIX segment of each respondent; compare them with "
            ".compare(), indices with .indices(), drivers with .ipma(target)."
        )
        return s

    def __repr__(self) -> str:
        sizes = ", ".join(f"{g}: {f.n_used}" for g, f in self.fits.items())
        return (
            f"<csimodel.SegmentModels: {type(self.estimator).__name__}, n by segment {{{sizes}}}>"
        )


def _scale(prepared) -> Any:
    lo, hi = np.asarray(prepared.scale_low), np.asarray(prepared.scale_high)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return None
    items = list(prepared.items)
    if ok.all() and np.all(lo == lo[0]) and np.all(hi == hi[0]):
        return (float(lo[0]), float(hi[0]))
    return {items[j]: (float(lo[j]), float(hi[j])) for j in np.flatnonzero(ok)}


def fit_segments(fx: Any, estimator: Any = None, *, min_size: int | None = None) -> SegmentModels:
    """Re-estimate the whole model (measurement and structure) in each FIMIX segment.

    Parameters
    ----------
    fx : FimixResult
    estimator : estimator, optional
        Default: the estimator of the pooled fit (e.g. ``cm.PLS()``).
    min_size : int, optional
        Fewest respondents a segment must have to be fitted (default: 10 times the largest
        number of arrows pointing at a construct, the "10-times rule", and at least 3).

    Returns
    -------
    SegmentModels
        ``fits`` (segment -> FitResults), ``data`` (with a ``segment`` column),
        ``path_coefficients``, ``r_squared``, ``indices()``, ``ipma(target)``,
        ``compare(...)``.

    Raises
    ------
    DataError
        A segment has fewer than ``min_size`` respondents (the message names it).

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
    >>> seg = cm.fimix(res, k=2, starts=5, random_state=0).fit_segments()
    >>> list(seg.indices().index)
    [1, 2]
    """
    res = fx.res
    model = res.model
    prepared = res.data
    estimator = res.estimator if estimator is None else estimator
    if not hasattr(estimator, "fit"):
        raise ParameterError(
            "The 'estimator' parameter of fit_segments must be an estimator such as "
            f"cm.PLS() or cm.PLSc(). Got {estimator!r} instead."
        )
    arrows = max(len(model.predecessors(c)) for c in model.constructs)
    blocks = max(len(b) for b in model.blocks.values())
    rule = max(3, 10 * max(arrows, blocks if any(m == "B" for m in model.modes.values()) else 0))
    why = " (10 times the largest number of arrows pointing at a construct)"
    if min_size is None:
        min_size = rule
    else:
        why = ""
    check_number(min_size, "min_size", "fit_segments", integer=True, low=1)

    table = pd.DataFrame(prepared.X, index=fx.membership.index, columns=list(prepared.items))
    frame = getattr(prepared, "frame", None)
    pos = getattr(prepared, "used_positions", None)
    if frame is not None and pos is not None:
        extra = [c for c in frame.columns if c not in table.columns and c != SEGMENT_COLUMN]
        table = table.join(frame.iloc[pos][extra].set_axis(table.index))
    if prepared.weights is not None:
        table["_weight"] = prepared.weights
    table[SEGMENT_COLUMN] = fx.membership
    counts = fx.counts
    small = counts[counts < min_size]
    if len(small):
        raise DataError(
            f"Segment(s) {', '.join(str(g) for g in small.index)} have "
            f"{', '.join(str(int(v)) for v in small)} respondents, fewer than min_size="
            f"{min_size}{why}. Use a smaller k, or pass a smaller min_size if you accept unstable estimates."
        )
    scale = _scale(prepared)
    weights = "_weight" if "_weight" in table.columns else None
    fits = {}
    for g in counts.index:
        sub = table[table[SEGMENT_COLUMN] == g]
        fits[int(g)] = estimator.fit(model, sub, scale=scale, weights=weights)
    return SegmentModels(fits=fits, data=table, estimator=estimator, scale=scale, fimix=fx)
