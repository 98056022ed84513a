r"""Mediation analysis: specific indirect effects along every chain, from a bootstrap.

A *chain* is a directed route of two or more paths through the structural model, e.g.
Quality -> Value -> Satisfaction. Its specific indirect effect is the product of the path
coefficients along it; summed over all chains from a source to a target it gives the total
indirect effect. Standard errors, intervals and p values come from the bootstrap's own
resamples: the products are formed resample by resample from the stored path estimates
(nothing is refitted), and the interval is the bootstrap's (percentile or BCa).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import ParameterError
from ..layout import param_rows
from .intervals import _summarize

__all__ = ["mediation", "MEDIATION_TYPES"]

MEDIATION_TYPES = ("complementary", "competitive", "indirect-only", "direct-only", "no effect")


def _chains(model: Any) -> list[list[str]]:
    """All directed routes with at least two paths (interaction terms excluded)."""
    skip = set(getattr(model, "interactions", {}))
    succ: dict[str, list[str]] = {c: [] for c in model.constructs}
    for s, t in model.paths:
        if s not in skip:
            succ[s].append(t)
    out: list[list[str]] = []

    def walk(route: list[str]) -> None:
        for nxt in succ[route[-1]]:
            longer = route + [nxt]
            if len(longer) >= 3:
                out.append(longer)
            walk(longer)

    for c in model.constructs:
        if c not in skip:
            walk([c])
    return out


def _significant(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (lo > 0) | (hi < 0)


def mediation(boot: Any) -> pd.DataFrame:
    r"""Specific indirect effects of every chain with bootstrap inference and mediation type.

    Parameters
    ----------
    boot : BootstrapResults
        A bootstrap of a fitted PLS model (:func:`csimodel.bootstrap`); its interval
        method (``ci``), ``level`` and resamples are used.

    Returns
    -------
    pandas.DataFrame
        One row per chain: ``path`` (e.g. ``"Quality -> Value -> Satisfaction"``),
        ``estimate`` (product of the chain's path coefficients), ``se`` (SD of the products
        over the resamples), ``ci_lower``, ``ci_upper`` (the bootstrap's interval method),
        ``p`` (two-sided, :math:`t = \text{estimate}/\text{se}`, the bootstrap's df),
        ``direct`` (the direct path source -> target, 0 when the model has none), ``type``
        (Zhao, Lynch & Chen 2010), then ``source``, ``target``, ``direct_ci_lower``,
        ``direct_ci_upper``.

    Notes
    -----
    With the specific indirect effect :math:`a b` "significant" when its interval excludes
    0, and likewise the direct effect :math:`c`:

    * both significant, :math:`a b c > 0`: *complementary*; :math:`a b c < 0`: *competitive*
    * only the indirect effect: *indirect-only*; only the direct effect: *direct-only*
    * neither: *no effect*.

    Interaction terms are neither sources nor mediators of a chain (their effect is
    conditional; see :func:`csimodel.simple_slopes`).

    References
    ----------
    Zhao, X., Lynch, J. G., Chen, Q. (2010). Reconsidering Baron and Kenny: myths and truths
    about mediation analysis. *Journal of Consumer Research* 37, 197-206.

    Tested: each estimate equals the product of its path estimates and their sum over the
    chains of a pair the total indirect effect; the intervals equal quantiles over refits of
    the resampled data (``tests/inference/test_mediation.py``).

    Examples
    --------
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> boot = cm.bootstrap(res, n_boot=100, random_state=1, progress=False)
    >>> med = cm.mediation(boot)
    >>> med.loc[0, "path"]
    'Image -> Expectation -> Quality'
    >>> list(med.columns[:8])
    ['path', 'estimate', 'se', 'ci_lower', 'ci_upper', 'p', 'direct', 'type']
    """
    fit = getattr(boot, "fit", None)
    if fit is None or not hasattr(boot, "_dist_params"):
        raise ParameterError(
            "mediation needs bootstrap results (cm.bootstrap(res, ...)). "
            f"Got {type(boot).__name__}."
        )
    model = fit.model
    rows = param_rows(model)
    col = {(r[2], r[0]): k for k, r in enumerate(rows) if r[1] == "~"}
    chains = _chains(model)
    columns = [
        "path",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "p",
        "direct",
        "type",
        "source",
        "target",
        "direct_ci_lower",
        "direct_ci_upper",
    ]
    if not chains:
        return pd.DataFrame(columns=columns)
    theta = boot._theta_params
    dist = boot._dist_params
    jack = boot._jack_params

    def prod(arr: np.ndarray) -> np.ndarray:
        out = []
        for ch in chains:
            idx = [col[(a, b)] for a, b in zip(ch[:-1], ch[1:], strict=True)]
            out.append(np.prod(arr[..., idx], axis=-1))
        return np.stack(out, axis=-1)

    body = _summarize(
        prod(dist),
        prod(theta),
        None if jack is None else prod(jack),
        boot.level,
        boot.ci,
        boot._df,
    )
    direct_idx = [col.get((ch[0], ch[-1])) for ch in chains]
    has = np.array([k is not None for k in direct_idx])
    dk = [k for k in direct_idx if k is not None]
    direct = np.zeros(len(chains))
    dlo = np.zeros(len(chains))
    dhi = np.zeros(len(chains))
    if dk:
        bp = boot.params
        direct[has] = theta[dk]
        dlo[has] = bp["ci_lower"].to_numpy()[dk]
        dhi[has] = bp["ci_upper"].to_numpy()[dk]
    ind_sig = _significant(body["ci_lower"].to_numpy(), body["ci_upper"].to_numpy())
    dir_sig = has & _significant(dlo, dhi)
    same = body["estimate"].to_numpy() * direct > 0
    kind = np.where(
        ind_sig & dir_sig,
        np.where(same, "complementary", "competitive"),
        np.where(ind_sig, "indirect-only", np.where(dir_sig, "direct-only", "no effect")),
    )
    out = pd.DataFrame(
        {
            "path": [" -> ".join(ch) for ch in chains],
            "estimate": body["estimate"],
            "se": body["se"],
            "ci_lower": body["ci_lower"],
            "ci_upper": body["ci_upper"],
            "p": body["p"],
            "direct": direct,
            "type": kind,
            "source": [ch[0] for ch in chains],
            "target": [ch[-1] for ch in chains],
            "direct_ci_lower": np.where(has, dlo, np.nan),
            "direct_ci_upper": np.where(has, dhi, np.nan),
        }
    )
    return out[columns]
