"""Per-resample statistics: flattened estimates, validity, and sign-change corrections."""

from __future__ import annotations

import numpy as np

from ..layout import effect_pairs, flatten_effects, flatten_params, param_rows


class _Layout:
    """Which construct(s) each statistic belongs to (for sign changes)."""

    def __init__(self, model) -> None:
        pos = {c: k for k, c in enumerate(model.constructs)}
        rows = param_rows(model)
        self.n_params = len(rows)
        self.outer = np.array([op in ("=~", "<~") for _, op, _ in rows])
        self.loading = np.array([op == "=~" for _, op, _ in rows])
        # construct of every outer row; (source, target) of every path row
        self.p_con = np.array([pos[lhs] for lhs, _, _ in rows])
        self.p_src = np.array([pos[rhs] if op == "~" else pos[lhs] for lhs, op, rhs in rows])
        pairs = effect_pairs(model)
        self.e_src = np.array([i for i, _ in pairs] * 3, dtype=int)
        self.e_tgt = np.array([j for _, j in pairs] * 3, dtype=int)
        self.J = len(model.constructs)
        # effects that are zero by the model's structure (no direct path; no route of
        # length >= 2): set to exactly 0 so rounding noise does not pose as variation
        D = (model.path_matrix() > 0).astype(int)
        longer = np.zeros_like(D)
        power = D
        for _ in range(self.J):
            power = ((power @ D) > 0).astype(int)
            longer |= power
        i, j = self.e_src[: len(pairs)], self.e_tgt[: len(pairs)]
        self.e_zero = np.concatenate([D[i, j] == 0, longer[i, j] == 0, np.zeros(len(pairs), bool)])


def _sign_change(
    params: np.ndarray,
    effects: np.ndarray,
    theta: np.ndarray,
    layout: _Layout,
    mode: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    if mode is None:
        return params, effects
    if mode == "individual":
        params = params.copy()
        o = layout.outer
        ref = np.sign(theta[o])
        flip = np.sign(params[:, o]) * ref < 0
        params[:, o] = np.where(flip, -params[:, o], params[:, o])
        return params, effects
    # construct level: flip construct j when its resampled loadings are closer to the
    # mirror image of the original loadings than to the loadings themselves
    L = layout.loading
    con = layout.p_con[L]
    diff = np.zeros((params.shape[0], layout.J))
    summ = np.zeros((params.shape[0], layout.J))
    np.add.at(diff.T, con, (params[:, L] - theta[L]).T)
    np.add.at(summ.T, con, (params[:, L] + theta[L]).T)
    s = np.where(np.abs(diff) > np.abs(summ), -1.0, 1.0)  # (B, J)
    params = params.copy()
    o = layout.outer
    params[:, o] *= s[:, layout.p_con[o]]
    path = ~o
    params[:, path] *= s[:, layout.p_src[path]] * s[:, layout.p_con[path]]
    effects = effects * s[:, layout.e_src] * s[:, layout.e_tgt]
    return params, effects


def _stats(est, model, endo_pos: np.ndarray, layout: _Layout):
    params = flatten_params(est, model)
    effects = flatten_effects(est, model)
    effects[:, layout.e_zero] = 0.0
    r2 = est.r2[:, endo_pos]
    ok = np.asarray(est.converged, dtype=bool).copy()
    ok &= np.isfinite(params).all(axis=1)
    ok &= np.isfinite(effects).all(axis=1)
    ok &= np.isfinite(r2).all(axis=1)
    return params, effects, r2, ok
