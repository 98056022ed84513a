"""Setting up a comparison of groups: inputs, the split into groups, shared result parts.

Used by :func:`~csimodel.compare_groups`, :func:`~csimodel.index_change` and
:func:`~csimodel.micom`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_number, check_option, list_some
from ..data import PreparedData, prepare
from ..estimators.pls import PLS
from ..exceptions import DataError, ModelError
from ..results import FitResults
from ..spec import Model
from ._mga_tests import CORRECTIONS

_MIN_GROUP = 3


def _resolve(
    model: Any,
    data: Any,
    *,
    estimator: Any,
    scale: Any,
    missing: str,
    missing_values: Any,
    weights: Any,
    owner: str,
    refuse: str | None = None,
) -> tuple[Model, Any, PreparedData, Any]:
    """Model, estimator, prepared data and extension design from (model, data) or fit results.

    For a model with interaction terms or higher-order constructs the model returned is the
    estimation model, the prepared data holds the observed items only and the design
    (:class:`~csimodel.estimators._extensions.ExtensionDesign`) rebuilds the generated
    columns inside any subset of rows; otherwise the design is None. ``refuse`` (the reason)
    rejects such models.
    """
    src = model.design.source if isinstance(model, FitResults) and model.design else model
    if isinstance(src, str):
        src = Model(src)
    if isinstance(src, Model) and src.has_extensions and refuse is not None:
        what = [*src.interactions, *src.higher_order]
        raise ModelError(
            f"{owner} does not support models with interaction terms or higher-order "
            f"constructs ({list_some(what)}): {refuse} cm.compare_groups compares such models "
            "(each group's two-stage estimates re-run on its own rows)."
        )
    if isinstance(model, FitResults):
        if data is not None:
            raise ModelError(
                f"{owner} got fit results and data; pass either fit results (their data is "
                "reused) or a model and data."
            )
        if model.design is not None:
            return model.model, model.estimator, _observed_data(model), model.design
        return model.model, model.estimator, model.data, None
    if data is None:
        raise DataError(f"{owner} needs data: pass a DataFrame with the items and the by= column.")
    if isinstance(model, str):
        model = Model(model)
    elif not isinstance(model, Model):
        raise ModelError(
            f"model must be a csimodel.Model, model syntax text or FitResults. "
            f"Got {type(model).__name__}."
        )
    if estimator is None:
        estimator = PLS()
    if not hasattr(estimator, "estimate"):
        raise ModelError(
            f"The 'estimator' parameter of {owner} must be a csimodel estimator such as "
            f"cm.PLS(). Got {estimator!r} instead."
        )
    if hasattr(estimator, "_validate"):
        estimator._validate()
    if hasattr(estimator, "_check_model"):
        estimator._check_model(model)
    prepared = prepare(
        data,
        model.items,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
    )
    if not model.has_extensions:
        return model, estimator, prepared, None
    if not hasattr(estimator, "_extension_design"):
        raise ModelError(
            f"{owner} compares models with interaction terms or higher-order constructs with "
            f"cm.PLS only (their two-stage procedures are PLS's). Got {type(estimator).__name__}."
        )
    design = estimator._extension_design(model, prepared.X, prepared.weights)
    return design.plan.est, estimator, prepared, design


def _observed_data(res: FitResults) -> PreparedData:
    """The prepared data of a fit with extensions, restricted to the observed items."""
    design, data = res.design, res.data
    perm = design.plan.perm
    p = design.X.shape[1]
    low, high = np.full(p, np.nan), np.full(p, np.nan)
    keep = perm < p
    low[perm[keep]], high[perm[keep]] = data.scale_low[keep], data.scale_high[keep]
    return replace(data, X=design.X, items=design.source.items, scale_low=low, scale_high=high)


def _split(
    data: PreparedData, by: str, groups: Sequence[Any] | None, owner: str
) -> tuple[list[Any], dict[Any, np.ndarray]]:
    """Group labels and the row positions (into ``data.X``) of each group."""
    if not isinstance(by, str):
        raise DataError(f"The 'by' parameter of {owner} must be a column name. Got {by!r}.")
    col = data.column(by)
    values = col.to_numpy()
    isna = pd.isna(values)
    if isna.any():
        rows = data.row_labels[np.flatnonzero(isna)]
        raise DataError(
            f"Column {by!r} is missing for {int(isna.sum())} used row(s): rows "
            f"{list_some(list(rows))}. Drop those rows or fill in their group."
        )
    present = [v.item() if isinstance(v, np.generic) else v for v in pd.unique(values)]
    if groups is None:
        try:
            labels = sorted(present)
        except TypeError:
            labels = present
    else:
        labels = list(groups)
        unknown = [g for g in labels if g not in present]
        if unknown:
            raise DataError(
                f"Group(s) {list_some(unknown)} do not occur in column {by!r}. "
                f"Values present: {list_some(present, 10)}."
            )
        if len(set(labels)) != len(labels):
            raise DataError(f"groups= lists a group twice: {labels!r}.")
    if len(labels) < 2:
        raise DataError(
            f"Comparing groups needs at least two groups in column {by!r}; found "
            f"{list_some(labels)}."
        )
    pos = {g: np.flatnonzero(values == g) for g in labels}
    for g, group_rows in pos.items():
        X = data.X[group_rows]
        const = [it for it, lo, hi in zip(data.items, X.min(0), X.max(0), strict=True) if lo == hi]
        if len(group_rows) >= _MIN_GROUP and const:
            raise DataError(
                f"Item(s) {list_some(const)} do not vary in group {g!r} of {by!r} "
                f"({len(group_rows)} rows); a group needs variation in every item. Leave the group "
                "out with groups=[...] or merge it with another."
            )
    small = [f"{g!r} ({len(p)} rows)" for g, p in pos.items() if len(p) < _MIN_GROUP]
    if small:
        raise DataError(
            f"Group(s) {', '.join(small)} of column {by!r} have fewer than {_MIN_GROUP} "
            "used rows; merge small groups or leave them out with groups=[...]."
        )
    return labels, pos


def _check_common(owner: str, n_perm: int, n_boot: int, correction: str | None = None) -> None:
    """Resample counts (and the multiplicity correction) of a group comparison."""
    check_number(n_perm, "n_perm", owner, integer=True, low=0)
    check_number(n_boot, "n_boot", owner, integer=True, low=0)
    if correction is not None:
        check_option(correction, "correction", owner, CORRECTIONS)


@dataclass(frozen=True)
class _GroupTask:
    """What one public function requires of its groups.

    ``owner`` names the function in messages; ``need_scale``: the answer scale must be
    declared (0-100 indices); ``two``: exactly two groups are compared, named in the error
    as ``(what, kind, how)``, e.g. ``("MICOM", "groups", "(a, b)")``;
    ``refuse_extensions``: why models with interaction terms or higher-order constructs are
    refused (None: they are compared, see :func:`_resolve`).
    """

    owner: str
    need_scale: bool = False
    two: tuple[str, str, str] | None = None
    refuse_extensions: str | None = None


def _setup_groups(
    task: _GroupTask,
    model: Any,
    data: Any,
    by: str,
    groups: Sequence[Any] | None,
    estimator: Any,
    scale: Any,
    missing: str,
    missing_values: Any,
    weights: Any,
) -> tuple[Model, Any, PreparedData, list[Any], dict[Any, np.ndarray], Any]:
    """Model, estimator, prepared data, group labels, each group's row positions and the
    extension design (None for a model without interaction terms or higher-order constructs)."""
    owner = task.owner
    model, estimator, prepared, design = _resolve(
        model,
        data,
        estimator=estimator,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
        refuse=task.refuse_extensions,
    )
    if task.need_scale and not prepared.has_scale:
        raise DataError(
            f"{owner} needs the answer scale of every item to compute 0-100 indices: "
            "pass scale=(low, high) (or a dict item -> (low, high))."
        )
    labels, pos = _split(prepared, by, groups, owner)
    if task.two is not None and len(labels) != 2:
        what, kind, how = task.two
        raise DataError(
            f"{what} compares two {kind}; column {by!r} has {len(labels)} groups "
            f"({list_some(labels)}). Choose two with groups={how}; for all of them at once "
            "use cm.compare_groups (pairwise tests and an omnibus test) or, for survey waves, "
            "cm.track."
        )
    return model, estimator, prepared, labels, pos, design


def _group_sizes(labels: Sequence[Any], pos: dict[Any, np.ndarray]) -> pd.Series:
    """Used respondents per group."""
    return pd.Series({g: len(pos[g]) for g in labels}, name="n")


class _GroupReport:
    """Parts shared by the group result classes (they have ``by`` and ``n_per_group``)."""

    by: str
    n_per_group: pd.Series

    def _summary_head(
        self,
        title: str,
        groups_label: str,
        groups_text: str,
        unit: str,
        first: Sequence[tuple[str, Any]] = (),
    ):
        """A Summary with the info lines ``first``, the group column and the group sizes."""
        from ..report.summary import Summary

        s = Summary(title)
        for label, value in first:
            s.add_info(label, value)
        s.add_info(groups_label, groups_text)
        s.add_info(
            f"Respondents per {unit}",
            ", ".join(f"{g}: {n}" for g, n in self.n_per_group.items()),
        )
        return s

    def _repr_html_(self) -> str:
        return self.summary().as_html()  # type: ignore[attr-defined]  # defined by subclasses
