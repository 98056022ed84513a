"""Robust (non-normal) statistics of covariance structure models (internal).

Shared by the CB-SEM estimator (MLR, WLSMV) and the multi-group invariance ladder. All
vectors of second moments are in ``vech`` order (``np.triu_indices(p)``: row-wise upper
triangle, diagonal included), ``p* = p(p+1)/2`` elements.

* :func:`gamma_adf` -- the asymptotic covariance of ``vech(S)`` under arbitrary
  distributions (Browne 1984): :math:`\\Gamma = \\tfrac1N\\sum_i (z_i - s)(z_i - s)^\\top`
  with :math:`z_i = \\operatorname{vech}\\{(x_i-\\bar x)(x_i-\\bar x)^\\top\\}`.
* :func:`normal_weight` -- :math:`W(A) = \\tfrac12 D^\\top(A^{-1}\\otimes A^{-1})D` (``D`` the
  duplication matrix), the normal-theory information of ``vech(Σ)`` per observation.
* :func:`mlr_statistics` -- Huber-White sandwich covariance of the ML estimates with the
  observed information, and the Yuan-Bentler (Mplus variant) scaling factor, as lavaan
  0.6 computes them for ``estimator = "MLR"`` (no mean structure).
* :func:`scaled_shifted` -- the mean-and-variance adjusted (scaled-shifted) test of
  Asparouhov & Muthén (2010), lavaan's ``test = "scaled.shifted"``.
* :func:`robust_indices` -- scaled and robust CFI/TLI/RMSEA (Brosseau-Liard, Savalei &
  Li 2012; Brosseau-Liard & Savalei 2014) in lavaan's formulas.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "gamma_adf",
    "mlr_statistics",
    "normal_weight",
    "robust_indices",
    "scaled_shifted",
]


def _vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(p)


def gamma_adf(X: np.ndarray) -> np.ndarray:
    """Asymptotic (N-scaled) covariance matrix of ``vech(S)`` from the raw data.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Complete data, one row per respondent.

    Returns
    -------
    ndarray of shape (p*, p*)
        :math:`\\Gamma`, divisor ``N`` (lavaan's ``NACOV`` for continuous data).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(2000, 2))
    >>> np.round(np.diag(gamma_adf(X)), 0)  # about 2, 1, 2 for standard normal data
    array([2., 1., 2.])
    """
    X = np.asarray(X, dtype=float)
    Z = X - X.mean(axis=0)
    i, j = _vech_pairs(X.shape[1])
    P = Z[:, i] * Z[:, j]
    P = P - P.mean(axis=0)
    return P.T @ P / X.shape[0]


def normal_weight(A: np.ndarray) -> np.ndarray:
    """:math:`\\tfrac12 D^\\top (A^{-1}\\otimes A^{-1}) D` for a covariance matrix ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> normal_weight(np.eye(2))
    array([[0.5, 0. , 0. ],
           [0. , 1. , 0. ],
           [0. , 0. , 0.5]])
    """
    Ai = np.linalg.inv(A)
    i, j = _vech_pairs(A.shape[0])
    G = Ai[np.ix_(i, i)] * Ai[np.ix_(j, j)] + Ai[np.ix_(i, j)] * Ai[np.ix_(j, i)]
    c = np.where(i == j, 1.0, 2.0)
    return 0.5 * G * np.outer(c, c) / 2


def mlr_statistics(
    Gamma: np.ndarray,
    S: np.ndarray,
    Sigma: np.ndarray,
    delta: np.ndarray,
    hessian: np.ndarray,
    n: int,
    df: float,
) -> dict[str, object]:
    """Huber-White covariance and Yuan-Bentler (Mplus) scaling of an ML fit.

    Parameters
    ----------
    Gamma : ndarray (p*, p*)
        :func:`gamma_adf` of the data.
    S, Sigma : ndarray (p, p)
        Sample (divisor ``N``) and model-implied covariance matrices.
    delta : ndarray (q, p*)
        :math:`\\partial\\,\\operatorname{vech}\\Sigma / \\partial\\theta^\\top` (transposed).
    hessian : ndarray (q, q)
        Observed Hessian of :math:`F_{ML}` at the estimate (the observed information per
        observation is half of it).
    n : int
        Respondents ``N``.
    df : float
        Degrees of freedom of the model test.

    Returns
    -------
    dict
        ``acov`` (q, q) sandwich covariance :math:`E^{-1} B E^{-1}/N` with
        :math:`E = H/2` and :math:`B = \\Delta^\\top W(\\Sigma)\\Gamma W(\\Sigma)\\Delta`;
        ``trace`` = :math:`\\operatorname{tr}\\{\\Gamma W(S)\\} - \\operatorname{tr}(E^{-1}B)`
        and ``scaling_factor`` = trace / df (lavaan ``yuan.bentler.mplus``, unstructured
        h1 information).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(1).normal(size=(500, 2))
    >>> S = np.cov(X.T, bias=True)
    >>> # saturated model: Σ = S, θ = vech(S), F's Hessian = 2 W(S); no df left
    >>> out = mlr_statistics(gamma_adf(X), S, S, np.eye(3), 2 * normal_weight(S), 500, 0)
    >>> round(float(out["trace"]), 10)
    0.0
    """
    V = normal_weight(Sigma)
    E = hessian / 2.0
    Einv = np.linalg.inv(E)
    DV = delta @ V
    B = DV @ Gamma @ DV.T
    acov = Einv @ B @ Einv / n
    trace_h1 = float(np.sum(Gamma * normal_weight(S)))
    trace_h0 = float(np.sum(Einv * B))
    trace = trace_h1 - trace_h0
    c = trace / df if df > 0 else np.nan
    if np.isfinite(c) and c < 0:
        c = np.nan
    return {"acov": (acov + acov.T) / 2, "trace": trace, "scaling_factor": c}


def scaled_shifted(T: float, df: float, UG: np.ndarray) -> tuple[float, float, float]:
    """Scaled-shifted statistic :math:`a T + b` from :math:`U\\Gamma`.

    :math:`a = \\sqrt{df / \\operatorname{tr}(U\\Gamma)^2}`,
    :math:`b = df - a\\operatorname{tr}(U\\Gamma)`; returns ``(a T + b, a, b)``. The
    scaled statistic is referred to the chi-square distribution with ``df`` degrees of
    freedom (lavaan ``scaled.shifted``).

    Examples
    --------
    >>> import numpy as np
    >>> scaled_shifted(10.0, 4, np.eye(4))  # U Gamma idempotent: a = 1, b = 0
    (10.0, 1.0, 0.0)
    """
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = float(np.sqrt(df / tr2))
    b = float(df - a * tr1)
    return a * T + b, a, b


def robust_indices(
    T: float,
    df: float,
    T0: float,
    df0: float,
    n: float,
    c: float,
    c0: float,
    *,
    T_scaled: float | None = None,
    T0_scaled: float | None = None,
) -> dict[str, float]:
    """Scaled and robust CFI/TLI/RMSEA (lavaan 0.6 formulas).

    ``T``/``T0`` are the unscaled statistics of the model and of the baseline, ``c``/``c0``
    their scaling factors (for a scaled-shifted test :math:`c = a(df-b)/df`); ``T_scaled``
    and ``T0_scaled`` default to ``T/c`` and ``T0/c0``.

    .. math::

        CFI_{rob} = 1 - \\frac{\\max(T - c\\,df, 0)}{\\max(T - c\\,df, T_0 - c_0 df_0, 0)},
        \\qquad TLI_{rob} = 1 - \\frac{(T - c\\,df)\\,df_0}{(T_0 - c_0 df_0)\\,df},

        RMSEA_{rob} = \\sqrt{\\max\\left(\\frac{T}{N\\,df} - \\frac{c}{N}, 0\\right)}

    The ``*_scaled`` versions are the plain formulas applied to the scaled statistics.

    Examples
    --------
    >>> r = robust_indices(120.0, 50, 1000.0, 66, 300, 1.0, 1.0)
    >>> round(r["cfi_robust"], 4) == round(r["cfi_scaled"], 4)
    True
    """
    Ts = T / c if T_scaled is None else T_scaled
    T0s = T0 / c0 if T0_scaled is None else T0_scaled
    out: dict[str, float] = {}
    for suffix, (x, x0, k, k0) in {
        "scaled": (Ts, T0s, 1.0, 1.0),
        "robust": (T, T0, c, c0),
    }.items():
        t1 = max(x - k * df, 0.0)
        t2 = max(x - k * df, x0 - k0 * df0, 0.0)
        out[f"cfi_{suffix}"] = 1.0 if t2 == 0 else 1.0 - t1 / t2
        u2 = (x0 - k0 * df0) * df
        out[f"tli_{suffix}"] = 1.0 - (x - k * df) * df0 / u2 if df > 0 and u2 != 0 else 1.0
        out[f"rmsea_{suffix}"] = float(np.sqrt(max(x / (n * df) - k / n, 0.0))) if df > 0 else 0.0
    return out
