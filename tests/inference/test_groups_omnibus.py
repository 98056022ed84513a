"""compare_groups with k > 2 groups: the omnibus permutation test of the between-group
variance (near-uniform p under random splits, power under a planted difference, the
statistic by hand, two groups = the pairwise permutation test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csimodel as cm

MODEL = """
A =~ a1 + a2 + a3
B =~ b1 + b2 + b3
B ~ A
"""


def _population(rng, n, beta):
    A = rng.standard_normal(n)
    B = beta * A + np.sqrt(1 - beta**2) * rng.standard_normal(n)
    cols = {f"a{i}": 0.8 * A + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    cols |= {f"b{i}": 0.8 * B + 0.6 * rng.standard_normal(n) for i in (1, 2, 3)}
    return pd.DataFrame(cols)


def test_statistic_by_hand_and_columns(seed):
    rng = np.random.default_rng(seed)
    data = _population(rng, 240, 0.4).assign(g=np.repeat(["x", "y", "z"], [60, 80, 100]))
    cmp = cm.compare_groups(
        MODEL, data, by="g", n_perm=99, n_boot=0, random_state=seed, progress=False
    )
    est = {
        g: cm.PLS().fit(MODEL, data[data["g"] == g]).path_coefficients.loc["A", "B"] for g in "xyz"
    }
    n = np.array([60, 80, 100])
    v = np.array([est[g] for g in "xyz"])
    centre = n @ v / n.sum()
    ref = n @ (v - centre) ** 2 / n.sum()
    om = cmp.omnibus.query("op == '~'")
    assert om["statistic"].iloc[0] == pytest.approx(ref, abs=1e-12)
    assert 0 < om["p_omnibus"].iloc[0] <= 1
    assert "p_omnibus" in cmp.params and cmp.params["p_omnibus"].notna().all()
    assert "Omnibus test over all 3 groups" in cmp.summary().as_text()


def test_two_groups_equals_permutation_test():
    rng = np.random.default_rng(4)
    data = _population(rng, 200, 0.3).assign(g=np.repeat(["x", "y"], 100))
    cmp = cm.compare_groups(
        MODEL, data, by="g", n_perm=199, n_boot=0, random_state=1, progress=False
    )
    np.testing.assert_array_equal(cmp.params["p_omnibus"], cmp.params["p_permutation"])


def test_power_under_planted_difference():
    rng = np.random.default_rng(11)
    parts = [_population(rng, 200, b).assign(g=k) for k, b in enumerate((0.0, 0.0, 0.6))]
    data = pd.concat(parts, ignore_index=True)
    cmp = cm.compare_groups(
        MODEL, data, by="g", n_perm=299, n_boot=0, random_state=2, progress=False
    )
    assert cmp.omnibus.query("op == '~'")["p_omnibus"].iloc[0] < 0.01
    # loadings are equal in the population: no systematic omnibus signal there
    assert cmp.omnibus.query("op == '=~'")["p_omnibus"].min() > 0.001


@pytest.mark.slow
def test_uniform_under_random_splits():
    """Random 3-way labels on one population: the path's omnibus p is uniform (KS p > 0.01
    over 60 splits) and rejects at 5% in at most 12% of them."""
    rng = np.random.default_rng(2025)
    ps = []
    for _ in range(60):
        data = _population(rng, 180, 0.4).assign(g=rng.choice(["x", "y", "z"], 180))
        cmp = cm.compare_groups(
            MODEL, data, by="g", n_perm=99, n_boot=0, random_state=rng, progress=False
        )
        ps.append(cmp.omnibus.query("op == '~'")["p_omnibus"].iloc[0])
    ps = np.array(ps)
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert np.mean(ps < 0.05) <= 0.12
