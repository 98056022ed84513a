"""Building a :class:`~csimodel.ScoringModel` from a fit (plain and extension models)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import ModelError
from .weights import _fit_arrays, check_scales, normalized_index_weights

if TYPE_CHECKING:
    from .model import ScoringModel


def from_results(cls: Any, res: Any, negative_weights: str) -> ScoringModel:
    """The scoring model of a fit (see :meth:`FitResults.to_scoring_model`)."""
    from .._version import __version__

    if getattr(res, "design", None) is not None:
        return _from_extension_results(cls, res, negative_weights)
    m = res.model
    check_scales(m.items, res.data.scale_low, res.data.scale_high)
    outer, sd, standardized, blocks = _fit_arrays(res)
    w = normalized_index_weights(
        outer,
        sd,
        standardized,
        blocks,
        m.constructs,
        m.items,
        negative_weights=negative_weights,
        owner="to_scoring_model",
    )
    P = res.arrays.paths[0]
    ci = {c: k for k, c in enumerate(m.constructs)}
    paths = tuple((a, b, float(P[ci[a], ci[b]])) for a, b in m.paths)
    est = res.estimator
    params = est.get_params() if hasattr(est, "get_params") else {}
    params = {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))}
    d = res.data
    summary = {
        "n_total": int(d.n_total),
        "n_used": int(d.n_used),
        "n_excluded": int(d.n_total - d.n_used),
        "n_imputed": int(getattr(d, "n_imputed", len(d.imputed))),  # complete for Dask
        "missing": str(d.missing),
        "case_weights": d.weights is not None,
    }
    return cls(
        model_syntax=m.syntax,
        constructs=m.constructs,
        blocks=m.blocks,
        items=m.items,
        scale_low=d.scale_low,
        scale_high=d.scale_high,
        index_weights=w,
        outer_weights=outer,
        standardized=standardized,
        item_means=res.mean,
        item_sds=sd,
        paths=paths,
        csimodel_version=__version__,
        data_summary=summary,
        estimator={"name": type(est).__name__, "params": params},
        negative_weights=negative_weights,
        loadings=res._prediction_constants.loadings,
    )


def _from_extension_results(cls: Any, res: Any, negative_weights: str) -> ScoringModel:
    """A scoring model of a fit with interaction terms / two-stage higher-order constructs.

    The item-level constructs keep their index weights; a higher-order construct becomes a
    weighted sum of its lower-order constructs' scores (:mod:`csimodel.scoring._extensions`);
    interaction terms (no 0-100 score) are left out, with their paths.
    """
    from .._version import __version__
    from ._extensions import generated_constructs, hoc_coefficients
    from .indices import _fit_affine

    m = res.model
    src = res.design.source
    if any(loc not in m.generated for loc in m.lower_order):
        raise ModelError(
            "Scoring model files cover two-stage higher-order constructs only; the "
            "repeated-indicators construct(s) "
            f"{', '.join(repr(h) for h in m.higher_order)} reuse items. Fit with "
            "cm.PLS(higher_order='two_stage') to save a scoring model."
        )
    a, _, blocks = _fit_affine(res, negative_weights)
    inter, hocs = generated_constructs(m)
    skip = set(inter) | {h for h, _, _ in hocs}
    keep = [j for j in range(len(m.constructs)) if j not in skip]
    items_pos = np.concatenate([blocks[j] for j in keep]).astype(int)
    index_w = np.zeros(len(m.items))
    for j in keep:  # a = 100 w / sum(w span) per block: w = a / sum(a) within the block
        b = blocks[j]
        index_w[b] = a[b] / a[b].sum()
    outer = (res.arrays.weights[0] * m.block_mask()).sum(axis=1)
    higher = {}
    for hoc in hocs:
        names = tuple(m.constructs[j] for j in hoc[1])
        coef = hoc_coefficients(
            res.arrays.weights,
            a[None],
            np.asarray(res.cov)[None],
            blocks,
            hoc,
            negative_weights,
            m.constructs[hoc[0]],
            names,
        )[0]
        higher[m.constructs[hoc[0]]] = dict(zip(names, map(float, coef), strict=True))
    cons = tuple(m.constructs[j] for j in keep)
    scored = set(cons) | set(higher)
    P = res.arrays.paths[0]
    ci = {c: k for k, c in enumerate(m.constructs)}
    paths = tuple((s, t, float(P[ci[s], ci[t]])) for s, t in m.paths if s in scored and t in scored)
    est = res.estimator
    params = est.get_params() if hasattr(est, "get_params") else {}
    params = {k: v for k, v in params.items() if isinstance(v, (str, int, float, bool))}
    d = res.data
    return cls(
        model_syntax=src.syntax,
        constructs=cons,
        blocks={c: m.blocks[c] for c in cons},
        items=tuple(m.items[k] for k in items_pos),
        scale_low=d.scale_low[items_pos],
        scale_high=d.scale_high[items_pos],
        index_weights=index_w[items_pos],
        outer_weights=outer[items_pos],
        standardized=bool(getattr(est, "standardize", True)),
        item_means=res.mean[items_pos],
        item_sds=res.arrays.item_sd[0][items_pos],
        paths=paths,
        csimodel_version=__version__,
        data_summary={
            "n_total": int(d.n_total),
            "n_used": int(d.n_used),
            "n_excluded": int(d.n_total - d.n_used),
            "n_imputed": int(len(d.imputed)),
            "missing": str(d.missing),
            "case_weights": d.weights is not None,
        },
        estimator={"name": type(est).__name__, "params": params},
        negative_weights=negative_weights,
        higher_order=higher,
    )
