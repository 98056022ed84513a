"""P-value formulas of the multi-group comparison (PLS-MGA, parametric, permutation).

Pure functions of observed statistics and their resampling distributions; the resampling
itself is in :mod:`csimodel.inference._resampling`.
"""

from __future__ import annotations

import numpy as np

CORRECTIONS = (
    "holm",
    "bonferroni",
    "sidak",
    "holm-sidak",
    "simes-hochberg",
    "hommel",
    "fdr_bh",
    "fdr_by",
    "none",
)


def _permutation_p(dist: np.ndarray, obs: np.ndarray, tol: float | None = None) -> np.ndarray:
    """Two-sided permutation p-value per column, :math:`(1 + \\#\\{|d^*| \\ge |d|\\}) / (1 + N)`.

    ``dist`` holds the *N* valid permuted statistics (rows), ``obs`` the observed ones.
    Rounding noise counts as a hit: ``tol`` (default ``1e-12 * max(1, |obs|)``).
    """
    if tol is None:
        tol = 1e-12 * np.maximum(1.0, np.abs(obs))
    return ((np.abs(dist) >= np.abs(obs) - tol).sum(axis=0) + 1.0) / (len(dist) + 1.0)


def _henseler_one_sided(boot_a: np.ndarray, boot_b: np.ndarray) -> np.ndarray:
    """Henseler's (2009) PLS-MGA probability, per column.

    .. math:: p = 1 - \\frac{1}{J_a J_b} \\sum_{j,k}
              \\Theta(2\\bar\\theta_a - \\theta_{a,j} - 2\\bar\\theta_b + \\theta_{b,k})

    (small values: evidence that :math:`\\theta_a > \\theta_b`). Computed by sorting
    instead of the :math:`J_a J_b` grid. Exact ties (up to rounding, which only happen for
    constant quantities such as the loading of a single-item construct) count one half.
    """
    Ja, Jb = boot_a.shape[0], boot_b.shape[0]
    out = np.empty(boot_a.shape[1])
    for k in range(boot_a.shape[1]):
        a, b = boot_a[:, k], np.sort(boot_b[:, k])
        thresh = a - 2.0 * a.mean() + 2.0 * b.mean()  # favourable when b_k > thresh_j
        tol = 1e-12 * max(1.0, float(np.abs(b).max()), float(np.abs(a).max()))
        above = Jb - np.searchsorted(b, thresh + tol, side="right")
        ties = Jb - np.searchsorted(b, thresh - tol, side="left") - above
        out[k] = 1.0 - (float(above.sum()) + 0.5 * float(ties.sum())) / (Ja * Jb)
    return out


def _parametric_p(
    diff: np.ndarray, se_a: np.ndarray, se_b: np.ndarray, n_a: int, n_b: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pooled-SE t-test (Keil et al. 2000) and Welch-Satterthwaite test (Sarstedt et al. 2011)."""
    from scipy import stats as _st  # lazy

    df_pool = n_a + n_b - 2
    diff = np.where(np.abs(diff) <= 1e-12, 0.0, diff)  # rounding noise of equal values
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = np.sqrt(
            (n_a - 1) ** 2 / df_pool * se_a**2 + (n_b - 1) ** 2 / df_pool * se_b**2
        ) * np.sqrt(1.0 / n_a + 1.0 / n_b)
        t_par = np.where(diff == 0.0, 0.0, diff / pooled)
        p_par = 2.0 * _st.t.sf(np.abs(t_par), df_pool)
        va = (n_a - 1) / n_a * se_a**2
        vb = (n_b - 1) / n_b * se_b**2
        t_w = np.where(diff == 0.0, 0.0, diff / np.sqrt(va + vb))
        df_w = (va + vb) ** 2 / ((n_a - 1) / n_a**2 * se_a**4 + (n_b - 1) / n_b**2 * se_b**4) - 2
        p_w = 2.0 * _st.t.sf(np.abs(t_w), df_w)
    p_par = np.where(t_par == 0.0, 1.0, p_par)
    p_w = np.where(t_w == 0.0, 1.0, p_w)
    return p_par, p_w


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Multiplicity-adjusted p-values, one family per row of ``p`` (NaN left out).

    Holm and Bonferroni are computed here for all rows at once; the other methods go
    through ``statsmodels.stats.multitest.multipletests`` row by row.
    """
    out = np.full(p.shape, np.nan)
    for r, row in enumerate(p):
        good = np.isfinite(row)
        m = int(good.sum())
        if m == 0:
            continue
        vals = row[good]
        if m == 1:
            out[r, good] = vals
        elif method == "bonferroni":
            out[r, good] = np.minimum(1.0, vals * m)
        elif method == "holm":
            order = np.argsort(vals, kind="stable")
            stepped = np.maximum.accumulate(vals[order] * np.arange(m, 0, -1))
            adj = np.empty(m)
            adj[order] = np.minimum(1.0, stepped)
            out[r, good] = adj
        else:
            from statsmodels.stats.multitest import multipletests

            out[r, good] = multipletests(vals, method=method)[1]
    return out


def _between_variance(values: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Size-weighted between-group variance of estimates: values (..., k, m) -> (..., m).

    :math:`T = \\sum_g n_g (\\hat\\theta_g - \\bar\\theta)^2 / N`,
    :math:`\\bar\\theta = \\sum_g n_g \\hat\\theta_g / N`.
    """
    w = sizes / sizes.sum()
    centre = np.einsum("g,...gm->...m", w, values)
    return np.einsum("g,...gm->...m", w, (values - centre[..., None, :]) ** 2)
