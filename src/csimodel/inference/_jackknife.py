"""Jackknife (leave-one-out) estimates for the BCa acceleration, batched in closed form.

The ``n`` leave-one-out covariance matrices follow from the full-sample moments (a
rank-one downdate, identical to the moments of the leave-one-out weight patterns
``1 - I``) and go through the estimator's batched engine in chunks.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import CsimodelWarning
from ._draws import _CELL_BUDGET
from ._resample_stats import _sign_change, _stats

_JACK_CHUNK = 2000


def loo_covariances(X: np.ndarray, weights: np.ndarray | None, start: int, stop: int) -> np.ndarray:
    r"""Leave-one-out covariance matrices of rows ``start:stop`` (closed form).

    With case weights :math:`w_i` (all 1 without weights), :math:`W = \sum_i w_i`,
    weighted mean :math:`\bar x`, covariance :math:`S` (divisor :math:`W - 1`) and
    :math:`d_i = x_i - \bar x`, dropping respondent *i* gives

    .. math::

        S_{(i)} = \frac{(W - 1) S - \frac{w_i W}{W - w_i} d_i d_i^\top}{W - w_i - 1},

    the same matrix :class:`~csimodel.moments.MomentBuilder` builds from the weight
    pattern that is 1 everywhere but 0 at *i*, in :math:`O(p^2)` per respondent.
    """
    from ..moments import covariance

    mean, S = covariance(X, weights)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    W = float(w.sum())
    d = X[start:stop] - mean
    wi = w[start:stop]
    coef = wi * W / (W - wi)
    out = (W - 1.0) * S[None] - coef[:, None, None] * (d[:, :, None] * d[:, None, :])
    out /= (W - wi - 1.0)[:, None, None]
    return out


def _jackknife(res, model, estimate, endo_pos, theta_p, layout, sign_change, bar):
    """Leave-one-out estimates ``(n_ok, k)`` for the BCa acceleration, batched."""
    X = res.data.X
    weights = res.data.weights
    n = X.shape[0]
    out_p, out_e, out_r, oks = [], [], [], []
    p = len(model.items)
    step = int(max(1, min(_JACK_CHUNK, _CELL_BUDGET // (4 * p**2), _CELL_BUDGET // max(n, 1))))
    design = getattr(res, "design", None)
    builder = None if design is None else res.moment_builder()
    for start in range(0, n, step):
        stop = min(start + step, n)
        if builder is None:
            S = loo_covariances(X, weights, start, stop)
        else:  # leave-one-out weight patterns; the stages are re-run without respondent i
            F = np.ones((stop - start, n))
            F[np.arange(stop - start), np.arange(start, stop)] = 0.0
            S = builder.moments(F)[1]
        P, E, R, ok = _stats(estimate(S, model), model, endo_pos, layout)
        P, E = _sign_change(P, E, theta_p, layout, sign_change)
        out_p.append(P)
        out_e.append(E)
        out_r.append(R)
        oks.append(ok)
        if bar is not None:
            bar.update(stop - start)
    ok = np.concatenate(oks)
    if not ok.all():
        warnings.warn(
            f"{int((~ok).sum())} of {n} jackknife (leave-one-out) estimates failed and were "
            "left out of the BCa acceleration.",
            CsimodelWarning,
            stacklevel=3,
        )
    return (
        np.concatenate(out_p)[ok],
        np.concatenate(out_e)[ok],
        np.concatenate(out_r)[ok],
    )
