"""Effect sizes f² of the structural paths (Cohen 1988), re-estimating without each path."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from ..exceptions import ModelError
from ..spec import Model

__all__ = ["f_squared", "reduced_model"]


@lru_cache(maxsize=256)
def reduced_model(model: Model, drop: tuple[str, str]) -> tuple[Model | None, np.ndarray]:
    """The model without path ``drop`` and the positions of its items in ``model.items``.

    Constructs left without any path are removed with their items. Returns ``(None, ...)``
    when no path is left.
    """
    paths = [p for p in model.paths if p != drop]
    if not paths:
        return None, np.arange(0)
    used = {c for p in paths for c in p}
    keep = [c for c in model.constructs if c in used]
    pos = {it: k for k, it in enumerate(model.items)}
    if model.has_extensions or model.generated:  # an estimation model: no syntax round trip
        starts = np.cumsum([0] + [len(model.blocks[c]) for c in model.constructs])
        idx = np.concatenate(
            [
                np.arange(starts[j], starts[j + 1])
                for j, c in enumerate(model.constructs)
                if c in used
            ]
        ).astype(int)
        red = Model._from_parts(
            model.syntax,
            blocks={c: model.blocks[c] for c in keep},
            modes=model.modes,
            paths=tuple(paths),
            interactions={k: v for k, v in model.interactions.items() if k in used},
            higher_order=model.higher_order,
            generated=model.generated,
        )
        return red, idx
    lines = [
        f"{c} {'=~' if model.modes[c] == 'A' else '<~'} {' + '.join(model.blocks[c])}" for c in keep
    ]
    lines += [f"{t} ~ {s}" for s, t in paths]
    idx = np.array([pos[it] for c in keep for it in model.blocks[c]], dtype=int)
    return Model("\n".join(lines)), idx


def f_squared(res) -> pd.DataFrame:
    """Cohen's f² of every path: the change in R² of the target when the path is dropped.

    .. math:: f^2 = \\frac{R^2_{\\text{included}} - R^2_{\\text{excluded}}}{1 - R^2_{\\text{included}}}

    :math:`R^2_{\\text{excluded}}` comes from re-estimating the model without the path with
    the same estimator on the same moments (as seminr, cSEM and Hair et al. 2017); it is 0
    when the target has no other predictor.

    Returns
    -------
    DataFrame
        Columns ``source, target, r2_included, r2_excluded, f2``, one row per path.
    """
    m = res.model
    pos = {c: k for k, c in enumerate(m.constructs)}
    r2 = res.arrays.r2[0]
    S = np.asarray(res.cov, dtype=float)
    rows = []
    for s, t in m.paths:
        r2_in = float(r2[pos[t]])
        if len(m.predecessors(t)) == 1:
            r2_out = 0.0
        else:
            red, idx = reduced_model(m, (s, t))
            if red is None:  # pragma: no cover - t keeps another predecessor, so red exists
                raise ModelError(f"Removing the path {s} -> {t} leaves no model to estimate.")
            est = res.estimator.estimate(S[np.ix_(idx, idx)][None], red)
            r2_out = float(est.r2[0, red.constructs.index(t)])
        rows.append((s, t, r2_in, r2_out, (r2_in - r2_out) / (1.0 - r2_in)))
    return pd.DataFrame(rows, columns=["source", "target", "r2_included", "r2_excluded", "f2"])
