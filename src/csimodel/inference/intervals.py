r"""Bootstrap intervals and tests: percentile and BCa intervals, se, t and p.

The formulas are given in :func:`percentile_interval`, :func:`bca_interval` and
:func:`csimodel.bootstrap`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["percentile_interval", "bca_interval"]


def _sorted_quantile(sorted_dist: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantile (numpy's default) of each column at its own ``q``."""
    B = sorted_dist.shape[0]
    q = np.asarray(q, dtype=float)
    out = np.full(q.shape, np.nan)
    ok = np.isfinite(q)
    if B == 0 or not ok.any():
        return out
    cols = np.nonzero(ok)[0]
    pos = np.clip(q[ok], 0.0, 1.0) * (B - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, B - 1)
    frac = pos - lo
    a = sorted_dist[lo, cols]
    b = sorted_dist[hi, cols]
    out[ok] = np.where(frac >= 0.5, b - (b - a) * (1 - frac), a + (b - a) * frac)
    return out


def percentile_interval(dist: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Percentile interval of every column of a bootstrap distribution ``(B, k)``.

    .. math:: [\hat\theta^*_{(\alpha/2)},\ \hat\theta^*_{(1-\alpha/2)}],
        \qquad \alpha = 1 - \text{level},

    with quantiles by linear interpolation between order statistics (numpy's default).
    """
    alpha = (1.0 - level) / 2.0
    srt = np.sort(dist, axis=0)
    k = dist.shape[1]
    return (
        _sorted_quantile(srt, np.full(k, alpha)),
        _sorted_quantile(srt, np.full(k, 1.0 - alpha)),
    )


def bca_interval(
    dist: np.ndarray, theta_hat: np.ndarray, jack: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""BCa interval (Efron 1987) of every column of a bootstrap distribution ``(B, k)``.

    Bias correction from the share of resampled values below the estimate (ties count
    half), acceleration from the jackknife values ``jack`` ``(n, k)``:

    .. math::

        \hat z_0 = \Phi^{-1}\!\left(\frac{\#\{\hat\theta^*_b < \hat\theta\}
            + \#\{\hat\theta^*_b \le \hat\theta\}}{2B}\right),\qquad
        \hat a = \frac{\sum_i U_i^3}{6\,(\sum_i U_i^2)^{3/2}},\quad
        U_i = \bar\theta_{(\cdot)} - \hat\theta_{(i)},

    .. math::

        \alpha_{1,2} = \Phi\!\left(\hat z_0 + \frac{\hat z_0 + z_{\alpha/2,\,1-\alpha/2}}
            {1 - \hat a(\hat z_0 + z_{\alpha/2,\,1-\alpha/2})}\right),

    and the interval is :math:`[\hat\theta^*_{(\alpha_1)}, \hat\theta^*_{(\alpha_2)}]`.
    """
    from scipy import special

    B = dist.shape[0]
    below = (dist < theta_hat).sum(axis=0) + (dist <= theta_hat).sum(axis=0)
    z0 = special.ndtri(below / (2.0 * B))
    U = jack.mean(axis=0) - jack
    with np.errstate(invalid="ignore", divide="ignore"):
        a = (U**3).sum(axis=0) / (6.0 * ((U**2).sum(axis=0)) ** 1.5)
        z_lo = special.ndtri((1.0 - level) / 2.0)
        z_hi = -z_lo
        n1 = z0 + z_lo
        n2 = z0 + z_hi
        a1 = special.ndtr(z0 + n1 / (1.0 - a * n1))
        a2 = special.ndtr(z0 + n2 / (1.0 - a * n2))
    srt = np.sort(dist, axis=0)
    return _sorted_quantile(srt, a1), _sorted_quantile(srt, a2)


def _summarize(
    dist: np.ndarray,
    theta: np.ndarray,
    jack: np.ndarray | None,
    level: float,
    ci: str,
    df: float,
    with_test: bool = True,
) -> pd.DataFrame:
    from scipy import stats

    mean = dist.mean(axis=0)
    B = dist.shape[0]
    se = dist.std(axis=0, ddof=1) if B > 1 else np.full(dist.shape[1], np.nan)
    if ci == "bca" and jack is not None:
        lo, hi = bca_interval(dist, theta, jack, level)
    else:
        lo, hi = percentile_interval(dist, level)
    # a statistic that does not vary beyond rounding (the weight and loading of a
    # single-item block, a structurally zero effect): se 0, no test, interval = estimate
    if B:
        spread = dist.max(axis=0) - dist.min(axis=0)
        const = spread <= 64 * np.finfo(float).eps * np.abs(dist).max(axis=0)
    else:
        const = np.zeros(len(theta), bool)
    se = np.where(const, 0.0, se)
    lo = np.where(const, theta, lo)
    hi = np.where(const, theta, hi)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(se > 0, theta / se, np.nan)
    p = 2.0 * stats.t.sf(np.abs(t), df)
    out = {"estimate": theta, "mean": mean, "se": se}
    if with_test:
        out.update({"t": t, "p": p})
    out.update({"ci_lower": lo, "ci_upper": hi})
    return pd.DataFrame(out)
