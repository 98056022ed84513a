"""Published summary statistics (correlations or covariances, SDs, means, n) as model input.

The estimators work on item moments, so a paper's correlation table (with the items' standard
deviations and the sample size) is enough to fit PLS, PLSc and CB-SEM. :class:`SummaryData`
validates such a table once and hands the estimators the same moments raw data would give.
Whatever needs the respondents' answers (construct scores, 0-100 indices, bootstrap and other
resampling) raises a :class:`~csimodel.DataError` that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ._validation import list_some
from .data import parse_scale
from .exceptions import DataError

__all__ = ["SummaryData", "SummaryPreparedData", "NO_RAW_DATA"]

NO_RAW_DATA = (
    "This result was fitted from summary statistics (cm.SummaryData): there are no "
    "respondents' answers, so construct scores, 0-100 indices, the bootstrap and other "
    "resampling are not available. Fit the raw data (one row per respondent) for these."
)

_SYM_TOL = 1e-8  # relative asymmetry tolerated (published tables are rounded, not asymmetric)


def _labelled(x: Any, what: str, items: Sequence[str] | None) -> tuple[np.ndarray, list[str]]:
    """A square matrix and its labels (DataFrame labels, else ``items=``)."""
    if isinstance(x, pd.DataFrame):
        cols = [str(c) for c in x.columns]
        rows = [str(r) for r in x.index]
        if rows != cols:
            raise DataError(
                f"The {what} table must have the same labels, in the same order, in its index "
                f"and columns. Got index {list_some(rows)} and columns {list_some(cols)}. "
                f"Reorder it, e.g. {what} = {what}.loc[{what}.columns, {what}.columns]."
            )
        if items is not None and list(items) != cols:
            raise DataError(
                f"items= {list_some(list(items))} does not match the {what} table's labels "
                f"{list_some(cols)}. Leave items= out for a labelled DataFrame."
            )
        try:
            M = x.to_numpy(dtype=float)
        except (TypeError, ValueError):
            raise DataError(f"The {what} table must be numeric.") from None
        return M, cols
    try:
        M = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"The {what} matrix must be numeric.") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise DataError(f"The {what} matrix must be square. Got shape {M.shape} instead.")
    if items is None:
        raise DataError(
            f"A plain {what} array has no item names. Pass a DataFrame labelled by item or "
            "items=[...] (one name per row/column)."
        )
    names = [str(i) for i in items]
    if len(names) != M.shape[0]:
        raise DataError(
            f"items= names {len(names)} item(s) but the {what} matrix is "
            f"{M.shape[0]} x {M.shape[1]}. Give one name per row/column."
        )
    return M, names


def _vector(x: Any, what: str, names: list[str]) -> np.ndarray | None:
    if x is None:
        return None
    if isinstance(x, (pd.Series, dict)):
        s = pd.Series(x)
        s.index = [str(i) for i in s.index]
        missing = [c for c in names if c not in s.index]
        if missing:
            raise DataError(
                f"{what}= has no value for item(s) {list_some(missing)}. Give one value per item."
            )
        v = s.loc[names].to_numpy(dtype=float)
    else:
        v = np.asarray(x, dtype=float).ravel()
        if len(v) != len(names):
            raise DataError(
                f"{what}= has {len(v)} value(s) but the matrix has {len(names)} item(s). "
                "Give one value per item, in the matrix's order (or a Series labelled by item)."
            )
    if not np.all(np.isfinite(v)):
        bad = [c for c, a in zip(names, v, strict=True) if not np.isfinite(a)]
        raise DataError(f"{what}= is not finite for item(s) {list_some(bad)}.")
    return v


class SummaryData:
    """Summary statistics of a sample as input to ``PLS/PLSc/CBSEM.fit`` (instead of raw data).

    Parameters
    ----------
    cor : DataFrame or array of shape (p, p), optional
        Item correlation matrix (give ``cor`` or ``cov``, not both). With ``cor`` and no ``sd``
        the items are taken as standardized (SD 1).
    cov : DataFrame or array of shape (p, p), optional
        Item covariance matrix with the ``n - 1`` divisor (the unbiased sample covariance, as
        lavaan's ``sample.cov``; CB-SEM's ML rescales it by ``(n - 1) / n`` as lavaan does).
    sd : Series, dict or array of shape (p,), optional
        Item standard deviations (``n - 1`` divisor), used with ``cor``.
    means : Series, dict or array of shape (p,), optional
        Item means (default 0).
    n : int
        Sample size (at least 2).
    items : sequence of str, optional
        Item names for plain arrays (a DataFrame carries its own labels).

    Raises
    ------
    DataError
        Neither or both of ``cor``/``cov``; a non-square, asymmetric or not positive-definite
        matrix; a correlation matrix without unit diagonal; sizes that disagree; ``n < 2``.

    Notes
    -----
    The covariance matrix the estimators see is :math:`S = D R D` with :math:`D =
    \\operatorname{diag}(sd)`, or ``cov`` itself. PLS and PLSc fits equal the raw-data fits
    whenever ``S`` is the raw data's ``n - 1`` covariance; CB-SEM fits equal them too (same
    ``S`` and ``n``). Results keep ``n_used = n_total = n``, no excluded rows, and raise a
    :class:`~csimodel.DataError` for anything that needs the respondents' answers.

    Examples
    --------
    >>> import pandas as pd
    >>> import csimodel as cm
    >>> data = cm.datasets.load_ecsi_mobi()
    >>> model = cm.models.ecsi()
    >>> X = data[list(model.items)]
    >>> summ = cm.SummaryData(cor=X.corr(), sd=X.std(), means=X.mean(), n=len(X))
    >>> res = cm.PLS().fit(model, summ)
    >>> round(float(res.path_coefficients.loc["Satisfaction", "Loyalty"]), 3)
    0.485
    >>> res.n_used
    250
    """

    def __init__(
        self,
        *,
        cor: Any = None,
        cov: Any = None,
        sd: Any = None,
        means: Any = None,
        n: int,
        items: Sequence[str] | None = None,
    ) -> None:
        if (cor is None) == (cov is None):
            raise DataError(
                "SummaryData needs exactly one of cor= (correlations, with sd=) or cov= "
                "(covariances, n - 1 divisor). Got " + ("neither." if cor is None else "both.")
            )
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise DataError(
                f"The 'n' parameter of SummaryData must be an integer >= 2 (the sample size). "
                f"Got {n!r} instead."
            )
        what = "cor" if cor is not None else "cov"
        M, names = _labelled(cor if cor is not None else cov, what, items)
        if len(set(names)) != len(names):
            dup = sorted({c for c in names if names.count(c) > 1})
            raise DataError(f"The {what} table names item(s) {list_some(dup)} twice.")
        if not np.all(np.isfinite(M)):
            raise DataError(f"The {what} matrix has missing or infinite entries. Fill them.")
        scale = max(1.0, float(np.abs(M).max()))
        asym = np.abs(M - M.T)
        if asym.max() > _SYM_TOL * scale:
            i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
            raise DataError(
                f"The {what} matrix is not symmetric: entry ({names[i]}, {names[j]}) = "
                f"{M[i, j]:g} but ({names[j]}, {names[i]}) = {M[j, i]:g}. Check the table "
                "(a lower triangle can be given with SummaryData.from_lower)."
            )
        M = (M + M.T) / 2
        sdv = _vector(sd, "sd", names)
        if cor is not None:
            off = np.abs(np.diag(M) - 1.0) > 1e-8
            if off.any():
                raise DataError(
                    f"A correlation matrix has 1 on its diagonal; item(s) "
                    f"{list_some([c for c, o in zip(names, off, strict=True) if o])} do not. "
                    "Pass covariances as cov= instead."
                )
            if sdv is not None and np.any(sdv <= 0):
                raise DataError("sd= must be positive for every item.")
            S = M if sdv is None else M * np.outer(sdv, sdv)
        else:
            if sdv is not None:
                raise DataError("sd= goes with cor=; a covariance matrix carries its own SDs.")
            S = M
        low = np.linalg.eigvalsh(S / np.sqrt(np.outer(np.abs(np.diag(S)), np.abs(np.diag(S)))))
        if np.any(np.diag(S) <= 0) or not low[0] > 1e-10:
            raise DataError(
                f"The {what} matrix is not positive definite (smallest eigenvalue of the "
                f"correlations {low[0]:.3g}), so it cannot be the moments of a sample of "
                f"{n} respondents. Check the table for typos or items that are linear "
                "combinations of others."
            )
        self.items: tuple[str, ...] = tuple(names)
        self.n = int(n)
        self._S = S
        mv = _vector(means, "means", names)
        self._mean = np.zeros(len(names)) if mv is None else mv
        self.has_means = mv is not None

    @classmethod
    def from_lower(
        cls,
        values: Sequence[float],
        items: Sequence[str],
        *,
        kind: str = "cor",
        sd: Any = None,
        means: Any = None,
        n: int,
    ) -> SummaryData:
        """Build from a lower triangle read row by row (diagonal included), as printed in papers.

        Examples
        --------
        >>> import csimodel as cm
        >>> s = cm.SummaryData.from_lower([1, .5, 1], ["a", "b"], n=100)
        >>> float(s.cov.loc["a", "b"])
        0.5
        """
        names = [str(i) for i in items]
        p = len(names)
        v = np.asarray(values, dtype=float).ravel()
        if len(v) != p * (p + 1) // 2:
            raise DataError(
                f"A lower triangle of {p} items has {p * (p + 1) // 2} values (diagonal "
                f"included). Got {len(v)} instead."
            )
        if kind not in ("cor", "cov"):
            raise DataError(
                f"The 'kind' parameter of SummaryData.from_lower must be one of {{'cor', "
                f"'cov'}}. Got {kind!r} instead."
            )
        M = np.zeros((p, p))
        M[np.tril_indices(p)] = v
        M = M + np.tril(M, -1).T
        frame = pd.DataFrame(M, index=names, columns=names)
        if kind == "cor":
            return cls(cor=frame, sd=sd, means=means, n=n)
        return cls(cov=frame, means=means, n=n)

    @cached_property
    def cov(self) -> pd.DataFrame:
        """Item covariances (n - 1 divisor) as a labelled DataFrame."""
        return pd.DataFrame(self._S, index=list(self.items), columns=list(self.items))

    @cached_property
    def means(self) -> pd.Series:
        """Item means (0 where none were given)."""
        return pd.Series(self._mean, index=list(self.items), name="mean")

    def moments(
        self,
        items: Sequence[str],
        *,
        scale: Any = None,
        missing: str = "listwise",
        missing_values: Any = (),
        weights: Any = None,
        owner: str = "fit",
    ) -> tuple[SummaryPreparedData, np.ndarray, np.ndarray]:
        """The prepared-data stand-in, means and covariance for the model's ``items``."""
        if missing != "listwise" or tuple(missing_values) or weights is not None:
            raise DataError(
                f"{owner} got summary statistics (cm.SummaryData): missing=, missing_values= "
                "and weights= apply to raw answers only. Leave them at their defaults (the "
                "table's moments are used as given)."
            )
        absent = [c for c in items if c not in self.items]
        if absent:
            raise DataError(
                f"The summary statistics have no item(s) {list_some(absent)} of the model. "
                f"Available: {list_some(list(self.items), 10)}."
            )
        pos = [self.items.index(c) for c in items]
        S = self._S[np.ix_(pos, pos)].copy()
        mean = self._mean[pos].copy()
        low, high = parse_scale(scale, list(items))
        return (
            SummaryPreparedData(tuple(items), low, high, self.n, self.has_means),
            mean,
            S,
        )

    def __repr__(self) -> str:
        return f"<csimodel.SummaryData: {len(self.items)} items, n={self.n}>"


class SummaryPreparedData:
    """Stands in for :class:`~csimodel.PreparedData` in a fit from summary statistics.

    Counts and scales are there; ``X`` (the answers) raises a :class:`~csimodel.DataError`.
    """

    weights = None
    frame = None
    used_positions = None
    excluded_records: tuple = ()
    imputed_records: tuple = ()
    missing = "summary statistics"
    from_summary = True

    def __init__(
        self,
        items: tuple[str, ...],
        scale_low: np.ndarray,
        scale_high: np.ndarray,
        n: int,
        has_means: bool,
    ) -> None:
        self.items = items
        self.scale_low = scale_low
        self.scale_high = scale_high
        self.n_total = n
        self.has_means = has_means
        self._n = n

    @property
    def n_used(self) -> int:
        return self._n

    @property
    def X(self) -> np.ndarray:
        raise DataError(NO_RAW_DATA)

    @property
    def row_labels(self) -> pd.Index:
        raise DataError(NO_RAW_DATA)

    @cached_property
    def excluded(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["row", "column", "reason"])

    @cached_property
    def imputed(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["row", "column", "reason"])

    @property
    def has_scale(self) -> bool:
        return bool(np.all(np.isfinite(self.scale_low)) and np.all(np.isfinite(self.scale_high)))

    def column(self, name: str) -> pd.Series:
        raise DataError(NO_RAW_DATA)
