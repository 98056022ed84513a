"""Bootstrap intervals of indices equal those from single refits on resampled data.

Independent path: the same resample counts (numpy Generator.multinomial with the seed, as
documented for ``random_state``) are expanded into resampled DataFrames, each refitted with
``cm.PLS().fit`` and its index computed by hand (numpy on ``outer_weights`` and pandas means,
as in test_indices.py); percentile intervals via numpy.quantile. Tolerance 1e-8.
"""

import numpy as np
import pytest

import csimodel as cm

MODEL = """
    IMAG =~ imag1 + imag2 + imag3
    SAT  =~ sat1 + sat2 + sat3
    LOY  =~ loy1 + loy2 + loy3
    SAT ~ IMAG
    LOY ~ IMAG + SAT
"""


def hand_index(res, df, rows_mask, lo=0.0, hi=10.0):
    out = []
    for c in res.model.constructs:
        w = res.outer_weights[c]
        items = list(w.index)
        w = w.to_numpy() / df[items].std(ddof=1).to_numpy()
        w = w / w.sum()
        mean = df.loc[rows_mask, items].to_numpy(float).mean(axis=0)
        out.append((w @ mean - lo) / (hi - lo) * 100)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_boot_intervals_equal_single_refits(seed):
    data = cm.datasets.load_satisfaction()
    res = cm.PLS().fit(MODEL, data, scale=(0, 10))
    B, level = 30, 0.9
    got = cm.indices(res, by="gender", boot=B, random_state=seed, level=level)
    n = len(data)
    counts = np.random.default_rng(seed).multinomial(n, np.full(n, 1 / n), size=B)
    dist = []
    for f in counts:
        df = data.iloc[np.repeat(np.arange(n), f)].reset_index(drop=True)
        r = cm.PLS().fit(MODEL, df, scale=(0, 10))
        dist.append([hand_index(r, df, df["gender"] == g) for g in ("female", "male")])
    dist = np.array(dist)  # (B, G, J)
    q = np.quantile(dist, [(1 - level) / 2, (1 + level) / 2], axis=0)
    for gi, g in enumerate(("female", "male")):
        for j, c in enumerate(res.model.constructs):
            assert got.loc[g, f"{c} ci_lower"] == pytest.approx(q[0, gi, j], abs=1e-8)
            assert got.loc[g, f"{c} ci_upper"] == pytest.approx(q[1, gi, j], abs=1e-8)
            assert got.loc[g, f"{c} ci_lower"] <= got.loc[g, c] <= got.loc[g, f"{c} ci_upper"]
    assert got.attrs == {"n_boot": B, "n_failed": 0}
    # the point estimates are unchanged by boot=
    plain = cm.indices(res, by="gender")
    np.testing.assert_array_equal(got[plain.columns].to_numpy(), plain.to_numpy())


def test_boot_argument_checked():
    res = cm.PLS().fit(MODEL, cm.datasets.load_satisfaction(), scale=(0, 10))
    with pytest.raises(cm.CsimodelError, match="boot"):
        cm.indices(res, boot=1)
    with pytest.raises(cm.CsimodelError, match="boot"):
        cm.indices(res, boot="many")


@pytest.mark.parametrize("seed", [0, 7])
def test_bootstrap_results_resamples_are_used(seed):
    """boot=cm.bootstrap(...): intervals from the bootstrap's own resamples (rows
    default_rng(seed).integers(0, n, n), as documented for cm.bootstrap), equal to single
    refits of those resampled DataFrames (index by hand). Tolerance 1e-8."""
    data = cm.datasets.load_satisfaction()
    res = cm.PLS().fit(MODEL, data, scale=(0, 10))
    B, level = 20, 0.9
    boot = cm.bootstrap(res, n_boot=B, random_state=seed, progress=False)
    got = cm.indices(res, by="gender", boot=boot, level=level)
    n = len(data)
    rows = np.random.default_rng(seed).integers(0, n, size=(B, n))
    dist = []
    for r_ in rows:
        df = data.iloc[r_].reset_index(drop=True)
        r = cm.PLS().fit(MODEL, df, scale=(0, 10))
        dist.append([hand_index(r, df, df["gender"] == g) for g in ("female", "male")])
    q = np.quantile(np.array(dist), [(1 - level) / 2, (1 + level) / 2], axis=0)
    for gi, g in enumerate(("female", "male")):
        for j, c in enumerate(res.model.constructs):
            assert got.loc[g, f"{c} ci_lower"] == pytest.approx(q[0, gi, j], abs=1e-8)
            assert got.loc[g, f"{c} ci_upper"] == pytest.approx(q[1, gi, j], abs=1e-8)
    assert got.attrs == {"n_boot": B, "n_failed": 0}


def test_bootstrap_of_other_rows_is_refused():
    data = cm.datasets.load_satisfaction()
    res = cm.PLS().fit(MODEL, data, scale=(0, 10))
    other = cm.PLS().fit(MODEL, data.iloc[:200], scale=(0, 10))
    boot = cm.bootstrap(other, n_boot=5, random_state=0, progress=False)
    with pytest.raises(cm.DataError, match="indices"):
        cm.indices(res, boot=boot)
