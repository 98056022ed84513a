"""Setting up a comparison of groups: inputs, the split into groups, shared result parts.

Used by :func:`~csimodel.compare_groups`, :func:`~csimodel.index_change` and
:func:`~csimodel.micom`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
) -> tuple[Model, Any, PreparedData]:
    """Model, estimator and prepared data from (model, data) or from a FitResults."""
    src = model.design.source if isinstance(model, FitResults) and model.design else model
    if isinstance(src, str):
        src = Model(src)
    if isinstance(src, Model) and src.has_extensions:
        what = [*src.interactions, *src.higher_order]
        raise ModelError(
            f"{owner} does not compare groups on models with interaction terms or higher-order "
            f"constructs ({list_some(what)}): their generated columns would have to be rebuilt "
            "per group. Fit each group with cm.PLS(...) and cm.bootstrap, or compare the model "
            "without these terms."
        )
    if isinstance(model, FitResults):
        if data is not None:
            raise ModelError(
                f"{owner} got fit results and data; pass either fit results (their data is "
                "reused) or a model and data."
            )
        return model.model, model.estimator, model.data
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
    return model, estimator, prepared


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
    as ``(what, kind, how)``, e.g. ``("MICOM", "groups", "(a, b)")``.
    """

    owner: str
    need_scale: bool = False
    two: tuple[str, str, str] | None = None


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
) -> tuple[Model, Any, PreparedData, list[Any], dict[Any, np.ndarray]]:
    """Model, estimator, prepared data, group labels and each group's row positions."""
    owner = task.owner
    model, estimator, prepared = _resolve(
        model,
        data,
        estimator=estimator,
        scale=scale,
        missing=missing,
        missing_values=missing_values,
        weights=weights,
        owner=owner,
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
    return model, estimator, prepared, labels, pos


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
