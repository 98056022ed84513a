"""Mediation (specific indirect effects) and simple slopes from a bootstrap.

Independent references: products of the fitted path coefficients (1e-12), the total
indirect effects of ``res.effects`` (1e-12), and quantiles over refits of the resampled
data with ``cm.PLS().fit`` (1e-10).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import csimodel as cm


@pytest.fixture(scope="module")
def ecsi_boot():
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS(tol=1e-12, max_iter=1000).fit(cm.models.ecsi(), data, scale=(1, 10))
    return data, res, cm.bootstrap(res, n_boot=20, random_state=5, progress=False)


def test_indirect_effects_are_products_and_sum_to_total(ecsi_boot):
    _, res, boot = ecsi_boot
    med = cm.mediation(boot)
    P = res.path_coefficients
    for _, row in med.iterrows():
        chain = row["path"].split(" -> ")
        prod = np.prod([P.loc[a, b] for a, b in zip(chain[:-1], chain[1:], strict=True)])
        assert row["estimate"] == pytest.approx(prod, abs=1e-12)
        direct = P.loc[chain[0], chain[-1]]
        assert row["direct"] == pytest.approx(0.0 if np.isnan(direct) else direct, abs=1e-15)
    sums = med.groupby(["source", "target"])["estimate"].sum()
    eff = res.effects.set_index(["source", "target"])["indirect"]
    for key, value in sums.items():
        assert value == pytest.approx(eff[key], abs=1e-12)
    assert list(med.columns[:8]) == [
        "path",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "p",
        "direct",
        "type",
    ]


def test_intervals_equal_quantiles_over_refits(ecsi_boot):
    data, res, boot = ecsi_boot
    med = cm.mediation(boot)
    chains = [p.split(" -> ") for p in med["path"]]
    vals = []
    for idx in np.concatenate(list(boot.iter_indices())):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            P = (
                cm.PLS(tol=1e-12, max_iter=1000)
                .fit(cm.models.ecsi(), data.iloc[idx].reset_index(drop=True), scale=(1, 10))
                .path_coefficients
            )
        vals.append(
            [np.prod([P.loc[a, b] for a, b in zip(c[:-1], c[1:], strict=True)]) for c in chains]
        )
    vals = np.array(vals)
    lo, hi = np.quantile(vals, [0.025, 0.975], axis=0)
    assert med["ci_lower"].to_numpy() == pytest.approx(lo, abs=1e-10)
    assert med["ci_upper"].to_numpy() == pytest.approx(hi, abs=1e-10)
    assert med["se"].to_numpy() == pytest.approx(vals.std(axis=0, ddof=1), abs=1e-10)


def test_mediation_types_follow_zhao_lynch_chen(ecsi_boot):
    _, _, boot = ecsi_boot
    med = cm.mediation(boot)
    for _, r in med.iterrows():
        ind = r["ci_lower"] > 0 or r["ci_upper"] < 0
        has = not np.isnan(r["direct_ci_lower"])
        dire = has and (r["direct_ci_lower"] > 0 or r["direct_ci_upper"] < 0)
        if ind and dire:
            expect = "complementary" if r["estimate"] * r["direct"] > 0 else "competitive"
        else:
            expect = "indirect-only" if ind else ("direct-only" if dire else "no effect")
        assert r["type"] == expect
    from csimodel.inference.mediation import MEDIATION_TYPES

    assert set(med["type"]) <= set(MEDIATION_TYPES)


def test_mediation_needs_bootstrap():
    with pytest.raises(ValueError, match="needs bootstrap results"):
        cm.mediation(object())


MOD = """
CUSA =~ cusa
SC   =~ switch_1 + switch_2 + switch_3 + switch_4
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSL ~ CUSA + SC + CUSA:SC
"""


@pytest.fixture(scope="module")
def moderated():
    data = cm.datasets.load_corp_rep()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.PLS().fit(MOD, data, missing="mean", missing_values=(-99,))
    return res, cm.bootstrap(res, n_boot=200, random_state=2, progress=False)


def test_simple_slopes_by_hand(moderated):
    res, boot = moderated
    P = res.path_coefficients
    ss = cm.simple_slopes(res, predictor="CUSA", moderator="SC", at=(-1, 0, 1), boot=boot)
    expect = P.loc["CUSA", "CUSL"] + P.loc["CUSA:SC", "CUSL"] * np.array([-1.0, 0.0, 1.0])
    assert ss.table["slope"].to_numpy() == pytest.approx(expect, abs=1e-14)
    dist = boot.distribution()
    lin = dist[("CUSL", "~", "CUSA")].to_numpy()[:, None] + dist[
        ("CUSL", "~", "CUSA:SC")
    ].to_numpy()[:, None] * np.array([-1.0, 0.0, 1.0])
    lo, hi = np.quantile(lin, [0.025, 0.975], axis=0)
    assert ss.table["ci_lower"].to_numpy() == pytest.approx(lo, abs=1e-12)
    assert ss.table["ci_upper"].to_numpy() == pytest.approx(hi, abs=1e-12)
    # moderator order does not matter
    other = cm.simple_slopes(res, predictor="CUSA", moderator="SC")
    assert other.target == "CUSL" and other.interaction == "CUSA:SC"


def test_simple_slopes_plot_and_errors(moderated):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    res, _ = moderated
    disp = cm.simple_slopes(res, "CUSA", "SC", at=(-2, 2)).plot()
    assert len(disp.lines_) == 2
    with pytest.raises(cm.ModelError, match="no interaction term"):
        cm.simple_slopes(res, "CUSA", "CUSL")
    with pytest.raises(ValueError, match="'at' parameter"):
        cm.simple_slopes(res, "CUSA", "SC", at=(np.nan,))
