"""Blindfolding Q²: a small example worked by hand (cell numbering, omission, mean
replacement, refit with cm.PLS().fit per round, predictions from the round's scores;
tolerance 1e-10), Q² > 0 for ECSI, and the omission-distance rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

SYNTAX = "X =~ x1 + x2\nM =~ m1 + m2\nY =~ y1 + y2\nM ~ X\nY ~ X + M"


def _small():
    rng = np.random.default_rng(12)
    n = 23
    xi = rng.standard_normal(n)
    m = 0.6 * xi + 0.8 * rng.standard_normal(n)
    y = 0.3 * xi + 0.5 * m + 0.7 * rng.standard_normal(n)
    cols = {}
    for name, lat in (("x", xi), ("m", m), ("y", y)):
        for k in (1, 2):
            cols[f"{name}{k}"] = np.round(4 + 1.2 * lat + 0.7 * rng.standard_normal(n), 1)
    return pd.DataFrame(cols)


def test_small_example_by_hand():
    data = _small()
    n, D = len(data), 4  # 23 / 4 is not whole
    res = cm.PLS(tol=1e-12, max_iter=1000).fit(SYNTAX, data)
    got = cm.blindfolding(res, omission_distance=D)
    for c, items, preds in (("M", ["m1", "m2"], ["X"]), ("Y", ["y1", "y2"], ["X", "M"])):
        sse = ssec = sso = 0.0
        for r in range(D):
            # cell number of (row i, item k) = k * n + i: down the first item, then the second
            omit = {it: [i for i in range(n) if (k * n + i) % D == r] for k, it in enumerate(items)}
            d = data.copy()
            for it in items:
                keep = [i for i in range(n) if i not in omit[it]]
                d.loc[omit[it], it] = data.loc[keep, it].mean()
            fr = cm.PLS(tol=1e-12, max_iter=1000).fit(SYNTAX, d)
            scores = fr.scores
            beta = fr.path_coefficients
            for it in items:
                mean, sd = d[it].mean(), d[it].std(ddof=1)
                lam = fr.loadings[(c, it)]
                for i in omit[it]:
                    x = data.loc[i, it]
                    red = sum(beta.loc[p, c] * scores.loc[i, p] for p in preds)
                    sse += (x - (mean + sd * lam * red)) ** 2
                    ssec += (x - (mean + sd * lam * scores.loc[i, c])) ** 2
                    sso += (x - mean) ** 2
        assert got.loc[c, "q2"] == pytest.approx(1 - sse / sso, abs=1e-10)
        assert got.loc[c, "q2_communality"] == pytest.approx(1 - ssec / sso, abs=1e-10)
        assert got.loc[c, "sso"] == pytest.approx(sso, abs=1e-10)


def test_ecsi_q2_positive():
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    q2 = cm.blindfolding(res, omission_distance=7)
    assert list(q2.index) == [c for c in res.model.constructs if c in res.model.endogenous]
    assert (q2["q2"] > 0).all()


def test_omission_distance_rule():
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    with pytest.raises(cm.DataError, match="Got 10; use 9 instead"):
        cm.blindfolding(res, omission_distance=10)
    with pytest.raises(cm.DataError, match="Got 5; use 4 instead"):
        cm.blindfolding(res, omission_distance=5)
    with pytest.raises(cm.DataError, match="between 2 and n - 1"):
        cm.blindfolding(res, omission_distance=1)
