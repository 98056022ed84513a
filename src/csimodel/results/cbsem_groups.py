"""Frozen results of a multi-group CB-SEM fit (one level of the invariance ladder)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from .cbsem import CBSEMResults

__all__ = ["MultiGroupCBSEMResults"]


class MultiGroupCBSEMResults(CBSEMResults):
    """A multi-group ML fit with a mean structure (:func:`csimodel.invariance`).

    ``params`` has a ``group`` column (the group's value of the ``by`` column) and op
    ``'~1'`` rows for the item intercepts and construct means; ``loadings``,
    ``path_coefficients`` and ``r_squared`` are indexed by group first. Attributes beyond
    :class:`CBSEMResults`: ``groups`` (labels in order), ``n_per_group``, ``level``,
    ``equal`` (the equality constraints) and ``partial`` (parameters left free).
    Factor scores, effects and the single covariance matrices are per group: fit one
    group with :class:`~csimodel.CBSEM` for those.
    """

    groups: tuple
    n_per_group: Any
    level: str
    equal: tuple[str, ...]
    partial: tuple[str, ...]
    by: str

    def _per_group(self, what: str) -> Any:
        raise ModelError(
            f"{what} is defined per group; a multi-group fit has {len(self.groups)} groups. "
            f"Fit one group with cm.CBSEM() (rows with {self.by} == <value>) for it."
        )

    @cached_property
    def loadings(self) -> pd.Series:
        """Standardized loadings by (group, construct, item)."""
        t = self.params[self.params["op"] == "=~"]
        idx = pd.MultiIndex.from_arrays(
            [t["group"], t["lhs"], t["rhs"]], names=["group", "construct", "item"]
        )
        return pd.Series(t["std_estimate"].to_numpy(), index=idx, name="loading")

    @cached_property
    def path_coefficients(self) -> pd.DataFrame:
        """Standardized paths: index (group, source), columns = target."""
        c = list(self.model.constructs)
        idx = pd.MultiIndex.from_product([list(self.groups), list(c)], names=["group", "source"])
        P = pd.DataFrame(np.nan, index=idx, columns=pd.Index(c, name="target"))
        for _, r in self.params[self.params["op"] == "~"].iterrows():
            P.loc[(r["group"], r["rhs"]), r["lhs"]] = r["std_estimate"]
        return P

    @cached_property
    def r_squared(self) -> pd.Series:
        """R² by (group, endogenous construct): 1 - standardized disturbance variance."""
        endo = set(self.model.endogenous)
        t = self.params[
            (self.params["op"] == "~~")
            & (self.params["lhs"] == self.params["rhs"])
            & self.params["lhs"].isin(endo)
        ]
        idx = pd.MultiIndex.from_arrays([t["group"], t["lhs"]], names=["group", "construct"])
        return pd.Series(1 - t["std_estimate"].to_numpy(), index=idx, name="r2", dtype=float)

    @property
    def scores(self) -> pd.DataFrame:
        return self._per_group("Factor scores")

    @property
    def effects(self) -> pd.DataFrame:
        return self._per_group("The effects table")

    @property
    def construct_correlations(self) -> pd.DataFrame:
        return self._per_group("The construct correlation matrix")

    def summary(self):
        """Text/HTML summary: groups, constraints, fit indices, estimates by group."""
        from ..report.summary import Summary

        s = Summary(f"csimodel multi-group CBSEM ({self.level})")
        s.add_info("Groups", ", ".join(f"{g} (n={n})" for g, n in self.n_per_group.items()))
        s.add_info("Equal across groups", ", ".join(self.equal) or "nothing (configural)")
        if self.partial:
            s.add_info("Left free (partial)", ", ".join(self.partial))
        s.add_info("Converged", "yes" if self.converged else "NO")
        s.add_table("Fit indices", self.fit_indices.to_frame("value"))
        cols = ["estimate", "std_estimate", "se", "z", "p"]
        t = self.params
        idx = [
            f"[{g}] {a} {o} {b}".rstrip()
            for g, a, o, b in zip(t["group"], t["lhs"], t["op"], t["rhs"], strict=True)
        ]
        s.add_table(
            "Parameters", pd.DataFrame(t[cols].to_numpy(), index=pd.Index(idx), columns=cols)
        )
        return s

    def __repr__(self) -> str:
        return (
            f"<csimodel.MultiGroupCBSEMResults: {self.level}, {len(self.groups)} groups, "
            f"chisq={self.fit_indices['chisq']:.3f} on {int(self.fit_indices['df'])} df>"
        )
