"""Polychoric correlations of ordered categorical items (two-step, Olsson 1979) and their
asymptotic covariance matrix (Muthén 1984, as lavaan 0.6 computes it).

Shared by CB-SEM (``estimator='WLSMV'``) and ordinal PLS/PLSc (internal).

Step 1 (per item): thresholds from the marginal proportions,
:math:`\\tau_{k} = \\Phi^{-1}(P(y \\le k))`. Step 2 (per pair, thresholds fixed): the
correlation :math:`\\rho` maximizing the bivariate multinomial log-likelihood
:math:`\\sum_{ab} n_{ab}\\log\\pi_{ab}(\\rho)` with
:math:`\\pi_{ab} = \\Phi_2(\\tau_a,\\tau_b;\\rho) - \\Phi_2(\\tau_{a-1},\\tau_b;\\rho)
- \\Phi_2(\\tau_a,\\tau_{b-1};\\rho) + \\Phi_2(\\tau_{a-1},\\tau_{b-1};\\rho)`, solved for all
pairs at once by Fisher scoring. The bivariate normal distribution function is Genz's
(2004) algorithm (Drezner-Wesolowsky Gauss-Legendre quadrature).

The asymptotic covariance of ``(thresholds, correlations)`` is the two-step sandwich from
the casewise scores (lavaan ``muthen1984``): :math:`A^{-1} B A^{-\\top}` with ``B`` the
cross-product of all scores, ``A`` block lower-triangular (threshold blocks and the
correlation diagonal from squared scores, the correlation-threshold block from
cross-products of the correlation score with the bivariate threshold scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Polychoric", "bvn_cdf", "polychoric"]

_BIG = 10.0  # stands in for an infinite threshold (Φ(10) = 1 - 8e-24)

# Gauss-Legendre half nodes/weights used by Genz's BVNU (6, 12 and 20 points)
_GL = {
    6: (
        np.array([0.9324695142031522, 0.6612093864662647, 0.2386191860831970]),
        np.array([0.1713244923791705, 0.3607615730481384, 0.4679139345726904]),
    ),
    12: (
        np.array(
            [
                0.9815606342467191,
                0.9041172563704750,
                0.7699026741943050,
                0.5873179542866171,
                0.3678314989981802,
                0.1252334085114692,
            ]
        ),
        np.array(
            [
                0.04717533638651177,
                0.1069393259953183,
                0.1600783285433464,
                0.2031674267230659,
                0.2334925365383547,
                0.2491470458134029,
            ]
        ),
    ),
    20: (
        np.array(
            [
                0.9931285991850949,
                0.9639719272779138,
                0.9122344282513259,
                0.8391169718222188,
                0.7463319064601508,
                0.6360536807265150,
                0.5108670019508271,
                0.3737060887154196,
                0.2277858511416451,
                0.07652652113349733,
            ]
        ),
        np.array(
            [
                0.01761400713915212,
                0.04060142980038694,
                0.06267204833410906,
                0.08327674157670475,
                0.1019301198172404,
                0.1181945319615184,
                0.1316886384491766,
                0.1420961093183821,
                0.1491729864726037,
                0.1527533871307259,
            ]
        ),
    ),
}


def _ndtr(x):
    from scipy.special import ndtr

    return ndtr(x)


def _bvnu(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normals with correlation r (Genz 2004)."""
    h, k, r = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (h, k, r)))
    out = np.empty(h.shape)
    ar = np.abs(r)
    for lo, hi, ng in ((0.0, 0.3, 6), (0.3, 0.75, 12), (0.75, 1.0 + 1e-15, 20)):
        sel = (ar >= lo) & (ar < hi)
        if sel.any():
            out[sel] = _bvnu_ng(h[sel], k[sel], r[sel], ng)
    return np.clip(out, 0.0, 1.0)


def _bvnu_ng(h, k, r, ng):
    xh, wh = _GL[ng]
    x = np.concatenate([1 - xh, 1 + xh])
    w = np.concatenate([wh, wh])
    tp = 2 * np.pi
    hk = h * k
    out = np.empty(h.shape)
    low = np.abs(r) < 0.925
    if low.any():
        hh, kk, rr, hkl = h[low], k[low], r[low], hk[low]
        hs = (hh * hh + kk * kk) / 2
        asr = np.arcsin(rr) / 2
        sn = np.sin(asr[:, None] * x[None, :])
        bvn = np.exp((sn * hkl[:, None] - hs[:, None]) / (1 - sn * sn)) @ w
        out[low] = bvn * asr / tp + _ndtr(-hh) * _ndtr(-kk)
    high = ~low
    if high.any():
        hh, kk, rr = h[high], k[high].copy(), r[high]
        neg = rr < 0
        kk[neg] = -kk[neg]
        hkh = hh * kk
        p = np.zeros(hh.shape)
        lt1 = np.abs(rr) < 1
        if lt1.any():
            hq, kq, rq, hkq = hh[lt1], kk[lt1], rr[lt1], hkh[lt1]
            as_ = (1 - rq) * (1 + rq)
            a = np.sqrt(as_)
            bs = (hq - kq) ** 2
            asr = -(bs / as_ + hkq) / 2
            c = (4 - hkq) / 8
            d = (12 - hkq) / 80
            pq = np.where(
                asr > -100,
                a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs) / 3 + c * d * as_**2),
                0.0,
            )
            b = np.sqrt(bs)
            sp = np.sqrt(tp) * _ndtr(-b / a)
            pq = pq - np.where(
                hkq > -100, np.exp(-hkq / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3), 0.0
            )
            a2 = a / 2
            xs = (a2[:, None] * x[None, :]) ** 2
            asr2 = -(bs[:, None] / xs + hkq[:, None]) / 2
            sp2 = 1 + c[:, None] * xs * (1 + 5 * d[:, None] * xs)
            rs = np.sqrt(1 - xs)
            ep = np.exp(-(hkq[:, None] / 2) * xs / (1 + rs) ** 2) / rs
            term = np.where(asr2 > -100, np.exp(np.maximum(asr2, -700)) * (sp2 - ep), 0.0)
            pq = (a2 * (term @ w) - pq) / tp
            p[lt1] = pq
        pos = rr > 0
        res = np.empty(hh.shape)
        res[pos] = p[pos] + _ndtr(-np.maximum(hh[pos], kk[pos]))
        ng_ = ~pos
        hn, kn, pn = hh[ng_], kk[ng_], p[ng_]
        L = np.where(hn < 0, _ndtr(kn) - _ndtr(hn), _ndtr(-hn) - _ndtr(-kn))
        res[ng_] = np.where(hn >= kn, -pn, L - pn)
        out[high] = res
    return out


def bvn_cdf(h, k, r) -> np.ndarray:
    """Standard bivariate normal distribution function :math:`\\Phi_2(h, k; r)`.

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 10)  # 1/4 + asin(0.5)/(2π) = 1/3
    0.3333333333
    """
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    return _bvnu(-h, -k, r)


def _bvn_pdf(h, k, r):
    s = 1 - r * r
    return np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * s)) / (2 * np.pi * np.sqrt(s))


def _npdf(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


@dataclass(frozen=True)
class Polychoric:
    """Two-step polychoric correlations, thresholds and their asymptotic covariance.

    Attributes
    ----------
    corr : ndarray (p, p)
        Polychoric correlation matrix (unit diagonal).
    thresholds : tuple of ndarray
        Per item, its ``K_j - 1`` thresholds (increasing).
    categories : tuple of ndarray
        Per item, the observed category values (sorted).
    acov : ndarray or None
        Asymptotic covariance matrix (divisor-free: already divided by ``N``) of
        ``(all thresholds item by item, correlations in np.triu_indices(p, 1) order)``;
        ``None`` unless requested.
    n : int
    """

    corr: np.ndarray
    thresholds: tuple
    categories: tuple
    acov: np.ndarray | None
    n: int

    @property
    def gamma(self) -> np.ndarray:
        """N times :attr:`acov` (lavaan's ``NACOV``, ``lavInspect(fit, "gamma")``)."""
        if self.acov is None:
            raise ValueError("polychoric(..., acov=False) computed no asymptotic covariance")
        return self.n * self.acov


def _codes(X: np.ndarray):
    cats, codes = [], np.empty(X.shape, dtype=int)
    for j in range(X.shape[1]):
        u, inv = np.unique(X[:, j], return_inverse=True)
        cats.append(u)
        codes[:, j] = inv
    return cats, codes


def polychoric(X: np.ndarray, *, acov: bool = True, tol: float = 1e-10) -> Polychoric:
    """Two-step polychoric correlations of the columns of ``X`` (integer category codes).

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Ordered category values (any sortable numbers), complete rows; every item needs
        at least two observed categories (callers check and raise ``DataError``).
    acov : bool, default=True
        Also compute the asymptotic covariance matrix of thresholds and correlations.
    tol : float, default=1e-10
        Convergence tolerance of the correlations (largest Fisher-scoring step).

    Returns
    -------
    Polychoric

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=5000)
    >>> y = np.digitize(z, [-1.0, 0.0, 0.8])
    >>> pc = polychoric(y, acov=False)
    >>> bool(abs(pc.corr[0, 1] - 0.6) < 0.03)
    True
    """
    from scipy.special import ndtri

    X = np.asarray(X, dtype=float)
    n, p = X.shape
    cats, codes = _codes(X)
    th = []
    for j in range(p):
        cnt = np.bincount(codes[:, j], minlength=len(cats[j]))
        th.append(ndtri(np.cumsum(cnt)[:-1] / n))
    ext = [np.concatenate([[-_BIG], t, [_BIG]]) for t in th]
    iu = np.triu_indices(p, 1)
    kmax = max(len(c) for c in cats)
    # padded threshold grids: item j's bounds ext[j], then _BIG (empty padding categories)
    grid = np.full((p, kmax + 1), _BIG)
    for j in range(p):
        grid[j, : len(ext[j])] = ext[j]
    g1, g2 = grid[iu[0]], grid[iu[1]]  # (npair, kmax + 1)
    tables = _tables(codes, iu, kmax)
    used = tables > 0
    r = _fit_pairs(tables, used, g1, g2, n, codes, iu, tol)
    R = np.eye(p)
    R[iu] = r
    R[(iu[1], iu[0])] = r
    out_acov = _acov(codes, th, ext, iu, r, tables, used, g1, g2) if acov else None
    return Polychoric(corr=R, thresholds=tuple(th), categories=tuple(cats), acov=out_acov, n=n)


def _tables(codes: np.ndarray, iu, kmax: int) -> np.ndarray:
    """(npair, kmax, kmax) contingency tables of the item pairs."""
    n = codes.shape[0]
    npair = len(iu[0])
    flat = (np.arange(npair)[None, :] * kmax + codes[:, iu[0]]) * kmax + codes[:, iu[1]]
    counts = np.bincount(flat.ravel(), minlength=npair * kmax * kmax)
    del n
    return counts.reshape(npair, kmax, kmax).astype(float)


def _cells(g1: np.ndarray, g2: np.ndarray, r: np.ndarray):
    """Cell probabilities and their derivative in ρ from the (kmax+1)² corner grid."""
    H = g1[:, :, None]
    K = g2[:, None, :]
    R = r[:, None, None]
    G = bvn_cdf(*np.broadcast_arrays(H, K, R))
    D = _bvn_pdf(H, K, R)
    P = G[:, 1:, 1:] - G[:, :-1, 1:] - G[:, 1:, :-1] + G[:, :-1, :-1]
    dP = D[:, 1:, 1:] - D[:, :-1, 1:] - D[:, 1:, :-1] + D[:, :-1, :-1]
    return np.maximum(P, 1e-300), dP


def _fit_pairs(tables, used, g1, g2, n, codes, iu, tol) -> np.ndarray:
    """All pairwise correlations at once by Fisher scoring with step halving."""

    def evaluate(r):
        P, dP = _cells(g1, g2, r)
        ll = np.where(used, tables * np.log(P), 0.0).sum(axis=(1, 2))
        score = np.where(used, tables * dP / P, 0.0).sum(axis=(1, 2))
        info = n * (dP * dP / P).sum(axis=(1, 2))
        return ll, score, info

    # start: Pearson correlation of the category codes
    x = codes.astype(float)
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    r = np.clip((x[:, iu[0]] * x[:, iu[1]]).mean(axis=0), -0.95, 0.95)
    ll, score, info = evaluate(r)
    for _ in range(100):
        step = score / np.maximum(info, 1e-12)
        new = np.clip(r + step, -0.9999, 0.9999)
        ll_new, sc_new, in_new = evaluate(new)
        for _half in range(30):
            bad = ll_new < ll - 1e-12 * np.abs(ll)
            if not bad.any():
                break
            new = np.where(bad, (r + new) / 2, new)
            ll_b, sc_b, in_b = evaluate(new)
            ll_new = np.where(bad, ll_b, ll_new)
            sc_new = np.where(bad, sc_b, sc_new)
            in_new = np.where(bad, in_b, in_new)
        done = np.max(np.abs(new - r)) <= tol
        r, ll, score, info = new, ll_new, sc_new, in_new
        if done:
            break
    return r


def _acov(codes, th, ext, iu, r, tables, used, g1, g2) -> np.ndarray:
    """Two-step sandwich (lavaan ``muthen1984``) for thresholds and correlations, from
    per-cell quantities indexed by each row's cell."""
    n, p = codes.shape
    nth = [len(t) for t in th]
    start = np.concatenate([[0], np.cumsum(nth)]).astype(int)
    T = int(start[-1])
    npair = len(r)
    rows = np.arange(n)
    # univariate threshold scores
    SC_th = np.zeros((n, T))
    for j in range(p):
        c = codes[:, j]
        e = ext[j]
        up, lo = e[c + 1], e[c]
        prob = _ndtr(up) - _ndtr(lo)
        has_up = c < nth[j]
        has_lo = c > 0
        SC_th[rows[has_up], start[j] + c[has_up]] += _npdf(up[has_up]) / prob[has_up]
        SC_th[rows[has_lo], start[j] + c[has_lo] - 1] -= _npdf(lo[has_lo]) / prob[has_lo]
    # per-cell correlation score and threshold derivatives of log π
    P, dP = _cells(g1, g2, r)
    dr = np.where(used, dP / P, 0.0)
    s = np.sqrt(1 - r * r)[:, None, None]
    R = r[:, None, None]
    h1, h2 = g1[:, :, None], g2[:, None, :]  # corners (npair, k+1, 1), (npair, 1, k+1)
    # d π_ab / d (upper bound of a) = φ(u_a)[Φ((u_b - ρ u_a)/s) - Φ((l_b - ρ u_a)/s)]
    C1 = _npdf(h1) * _ndtr((h2 - R * h1) / s)  # (npair, k+1, k+1)
    dU1 = C1[:, 1:, 1:] - C1[:, 1:, :-1]
    dL1 = C1[:, :-1, 1:] - C1[:, :-1, :-1]
    C2 = _npdf(h2) * _ndtr((h1 - R * h2) / s)
    dU2 = C2[:, 1:, 1:] - C2[:, :-1, 1:]
    dL2 = C2[:, 1:, :-1] - C2[:, :-1, :-1]
    w = np.where(used, tables * dr / P, 0.0)  # Σ over rows in the cell of dr_i / π
    A21 = np.zeros((npair, T))
    for m, (a, b) in enumerate(zip(*iu, strict=True)):
        ka, kb = nth[a], nth[b]
        ua = (w[m] * dU1[m]).sum(axis=1)  # by category of a
        la = (w[m] * dL1[m]).sum(axis=1)
        A21[m, start[a] : start[a] + ka] = ua[:ka] - la[1 : ka + 1]
        ub = (w[m] * dU2[m]).sum(axis=0)
        lb = (w[m] * dL2[m]).sum(axis=0)
        A21[m, start[b] : start[b] + kb] = ub[:kb] - lb[1 : kb + 1]
    SC_cor = dr[np.arange(npair)[None, :], codes[:, iu[0]], codes[:, iu[1]]]
    A11i = np.zeros((T, T))  # block diagonal: one block per item
    for j in range(p):
        sl = slice(start[j], start[j + 1])
        A11i[sl, sl] = np.linalg.inv(SC_th[:, sl].T @ SC_th[:, sl])
    a22 = np.sum(SC_cor * SC_cor, axis=0)
    # influence rows Z = SC B⁻ᵀ, then acov = Zᵀ Z
    Z_th = SC_th @ A11i
    Z_cor = (SC_cor - Z_th @ A21.T) / a22
    Z = np.hstack([Z_th, Z_cor])
    out = Z.T @ Z
    return (out + out.T) / 2
