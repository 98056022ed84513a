r"""Simple slopes of a moderated effect (interaction term ``predictor:moderator``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._frozen import Frozen
from .._validation import ParameterError
from ..exceptions import ModelError
from ..layout import param_rows
from .intervals import _summarize

__all__ = ["simple_slopes", "SimpleSlopes"]


class SimpleSlopes(Frozen):
    """Effect of ``predictor`` on ``target`` at chosen levels of ``moderator``.

    Attributes
    ----------
    predictor, moderator, target, interaction : str
    table : pandas.DataFrame
        One row per moderator level: ``moderator_level`` (in SDs of the moderator),
        ``slope``, ``intercept`` (predicted target, in SDs, at predictor 0) and, with a
        bootstrap, ``se``, ``ci_lower``, ``ci_upper``, ``p``.
    """

    predictor: str
    moderator: str
    target: str
    interaction: str
    table: pd.DataFrame

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Lines of the predicted target per moderator level (matplotlib, imported here).

        Returns a :class:`~csimodel.plotting.SimpleSlopesDisplay` (``ax_``, ``figure_``).
        """
        from ..plotting.slopes import SimpleSlopesDisplay

        return SimpleSlopesDisplay.from_result(self, **kwargs).plot(ax=ax)

    def __repr__(self) -> str:
        return (
            f"<csimodel.SimpleSlopes: {self.predictor} -> {self.target} at "
            f"{len(self.table)} levels of {self.moderator}>"
        )


def simple_slopes(
    res: Any,
    predictor: str,
    moderator: str,
    at: Any = (-1, 0, 1),
    *,
    target: str | None = None,
    boot: Any = None,
) -> SimpleSlopes:
    r"""Simple slopes: the effect of ``predictor`` at levels of ``moderator`` (in SDs).

    Parameters
    ----------
    res : FitResults
        A PLS fit of a model with the interaction term ``predictor:moderator`` (or
        ``moderator:predictor``).
    predictor, moderator : str
        Constructs of the interaction term (the same construct twice for a quadratic term).
    at : sequence of float, default=(-1, 0, 1)
        Moderator levels in standard deviations from its mean.
    target : str, optional
        The construct the interaction points to (needed only when there are several).
    boot : BootstrapResults, optional
        A bootstrap of ``res``: adds ``se``, ``ci_lower``, ``ci_upper`` and ``p`` from the
        same resamples (its interval method and level).

    Returns
    -------
    SimpleSlopes
        ``.table`` and ``.plot()``.

    Notes
    -----
    With standardized scores and the interaction path :math:`\beta_{xm}` on the scale of the
    product of standardized scores (as reported by :class:`~csimodel.PLS`), the predicted
    target is :math:`\hat y = \beta_x x + \beta_m m + \beta_{xm} (x m - r_{xm})`, so the slope
    of *x* at moderator level *m* is :math:`\beta_x + \beta_{xm} m` and the intercept
    :math:`\beta_m m - \beta_{xm} r_{xm}`. For a quadratic term :math:`x{:}x` the slope at
    *x* = *m* is the derivative :math:`\beta_x + 2 \beta_{xx} m`.

    Examples
    --------
    >>> import csimodel as cm
    >>> data = cm.datasets.load_corp_rep()
    >>> model = '''
    ...     CUSA =~ cusa
    ...     SC   =~ switch_1 + switch_2 + switch_3 + switch_4
    ...     CUSL =~ cusl_1 + cusl_2 + cusl_3
    ...     CUSL ~ CUSA + SC + CUSA:SC
    ... '''
    >>> res = cm.PLS().fit(model, data, missing="mean", missing_values=(-99,))
    >>> ss = cm.simple_slopes(res, predictor="CUSA", moderator="SC", at=(-1, 0, 1))
    >>> ss.table["moderator_level"].tolist()
    [-1.0, 0.0, 1.0]
    >>> bool(ss.table["slope"].is_monotonic_decreasing)
    True
    """
    model = getattr(res, "model", None)
    if model is None or not hasattr(res, "arrays"):
        raise ParameterError(f"simple_slopes needs a fitted PLS model. Got {type(res).__name__}.")
    inter = getattr(model, "interactions", {})
    name = next(
        (n for n, parts in inter.items() if sorted(parts) == sorted((predictor, moderator))),
        None,
    )
    if name is None:
        known = ", ".join(repr(n) for n in inter) or "none"
        raise ModelError(
            f"The model has no interaction term of {predictor!r} and {moderator!r} "
            f"(interaction terms: {known}). Add '{predictor}:{moderator}' to a '~' statement."
        )
    targets = [t for s, t in model.paths if s == name]
    if target is None:
        if len(targets) > 1:
            raise ParameterError(
                f"The interaction {name!r} points to {targets}; choose one with target=..."
            )
        target = targets[0]
    elif target not in targets:
        raise ParameterError(
            f"The 'target' parameter of simple_slopes must be one of {targets}. "
            f"Got {target!r} instead."
        )
    levels = np.asarray(at, dtype=float).ravel()
    if levels.size == 0 or not np.all(np.isfinite(levels)):
        raise ParameterError(
            f"The 'at' parameter of simple_slopes must be finite numbers. Got {at!r} instead."
        )
    cons = model.constructs
    quad = predictor == moderator
    k = 2.0 if quad else 1.0
    t = cons.index(target)
    ix, im, ii = cons.index(predictor), cons.index(moderator), cons.index(name)
    P = res.arrays.paths[0]
    bx, bm, bi = P[ix, t], (0.0 if quad else P[im, t]), P[ii, t]
    r = res.arrays.construct_cor[0][ix, im]
    slope = bx + k * bi * levels
    if quad:  # tangent of y = bx x + bi (x^2 - 1) at x = m
        intercept = (bx * levels + bi * (levels**2 - 1.0)) - slope * levels
    else:
        intercept = bm * levels - bi * r
    table = pd.DataFrame({"moderator_level": levels, "slope": slope, "intercept": intercept})
    if boot is not None:
        boot.check_fit(res, "simple_slopes")
        rows = param_rows(model)
        col = {(rw[2], rw[0]): n for n, rw in enumerate(rows) if rw[1] == "~"}
        cx, ci = col[(predictor, target)], col[(name, target)]

        def lin(arr: np.ndarray) -> np.ndarray:
            return arr[..., cx, None] + k * arr[..., ci, None] * levels

        body = _summarize(
            lin(boot._dist_params),
            lin(boot._theta_params),
            None if boot._jack_params is None else lin(boot._jack_params),
            boot.level,
            boot.ci,
            boot._df,
        )
        for c in ("se", "ci_lower", "ci_upper", "p"):
            table[c] = body[c].to_numpy()
    return SimpleSlopes(
        predictor=predictor, moderator=moderator, target=target, interaction=name, table=table
    )
