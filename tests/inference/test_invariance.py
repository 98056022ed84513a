"""Measurement invariance ladder against lavaan.

Reference: ``tests/data/lavaan_robust.json`` (R 4.2.2 / lavaan 0.6.14,
``tests/data/scripts/make_lavaan_robust_refs.R``): ``cfa(inv_model, data = sat, group =
"gender", group.label = c("female", "male"), group.equal = ...)`` for the four levels,
``group.partial = c("sat1 ~ 1")`` for the partial scalar model, and ``lavTestLRT`` between
successive levels. Tolerances: fit entries 1e-3 relative, estimates 1e-3 absolute, SEs 2e-3
relative (reached to ~1e-5).
"""

from __future__ import annotations

import numpy as np
import pytest
from refdata import load_reference

import csimodel as cm

REF = load_reference("lavaan_robust.json")
MODEL = REF["_provenance"]["models"]["inv_model"]
KEYS = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "npar")


@pytest.fixture(scope="module")
def inv():
    return cm.invariance(MODEL, cm.datasets.load_satisfaction(), by="gender")


@pytest.fixture(scope="module")
def inv_partial():
    return cm.invariance(
        MODEL,
        cm.datasets.load_satisfaction(),
        by="gender",
        levels=("scalar",),
        partial=["sat1 ~ 1"],
    )


def _check(fit, case):
    ref = REF[case]
    for k in KEYS:
        assert fit.fit_indices[k] == pytest.approx(ref["fit_all"][k], rel=1e-3), (case, k)
    groups = list(fit.groups)
    par = fit.params.set_index(["group", "lhs", "op", "rhs"])
    for p in ref["params"]:
        key = (groups[p["group"] - 1], p["lhs"], p["op"], p["rhs"])
        r = par.loc[key]
        assert r["estimate"] == pytest.approx(p["est"], abs=1e-3), key
        if p["se"]:
            assert r["se"] == pytest.approx(p["se"], rel=2e-3), key


@pytest.mark.parametrize("level", ["configural", "metric", "scalar", "strict"])
def test_levels_match_lavaan(inv, level):
    _check(inv.fits[level], f"inv_{level}")
    assert inv.table.loc[level, "chisq"] == pytest.approx(
        REF[f"inv_{level}"]["fit_all"]["chisq"], rel=1e-3
    )


def test_chisq_differences_match_lavtestlrt(inv):
    for lvl, ref in REF["inv_lrt"].items():
        row = inv.table.loc[lvl]
        assert row["delta_chisq"] == pytest.approx(ref["delta_chisq"], rel=1e-3)
        assert row["delta_df"] == ref["delta_df"]
        assert row["p_delta"] == pytest.approx(ref["p"], rel=1e-3)
    assert np.isnan(inv.table.loc["configural", "delta_chisq"])
    assert inv.table.loc["metric", "delta_cfi"] == pytest.approx(
        inv.table.loc["metric", "cfi"] - inv.table.loc["configural", "cfi"]
    )


def test_partial_invariance_matches_lavaan(inv_partial):
    _check(inv_partial.fits["scalar"], "inv_scalar_partial")


def test_results_surface(inv):
    fit = inv.fits["metric"]
    assert isinstance(fit, cm.CBSEMResults)
    assert set(fit.params["group"]) == {"female", "male"}
    assert inv.groups == ("female", "male")
    lo = fit.loadings
    assert lo.loc[("female", "SAT", "sat2")] == pytest.approx(
        fit.params.query("group == 'female' and lhs == 'SAT' and rhs == 'sat2'")[
            "std_estimate"
        ].iloc[0]
    )
    text = inv.summary().as_text()
    assert "Cheung & Rensvold 2002" in text and "Chen 2007" in text
    assert inv.decisions().shape == (3, 4)
    with pytest.raises(cm.ModelError, match="per group"):
        _ = fit.scores


def test_invariance_input_errors():
    data = cm.datasets.load_satisfaction()
    with pytest.raises(cm.DataError, match="grouping column 'nope'"):
        cm.invariance(MODEL, data, by="nope")
    with pytest.raises(cm.CsimodelError, match="levels"):
        cm.invariance(MODEL, data, by="gender", levels=("metric", "configural"))
    with pytest.raises(cm.CsimodelError, match="partial"):
        cm.invariance(MODEL, data, by="gender", partial=["nope ~ 1"])
    d = data.copy()
    d.loc[d.index[:3], "gender"] = np.nan
    with pytest.raises(cm.DataError, match="missing for row"):
        cm.invariance(MODEL, d, by="gender")


@pytest.fixture(scope="module")
def inv_mlr():
    return cm.invariance(MODEL, cm.datasets.load_satisfaction(), by="gender", estimator="MLR")


ROBUST = {
    "chisq_scaled": "chisq.scaled",
    "scaling_factor": "chisq.scaling.factor",
    "baseline_scaling_factor": "baseline.chisq.scaling.factor",
    "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust",
    "rmsea_robust": "rmsea.robust",
    "cfi_scaled": "cfi.scaled",
    "rmsea_scaled": "rmsea.scaled",
}


@pytest.mark.parametrize("level", ["configural", "metric", "scalar", "strict"])
def test_mlr_levels_match_lavaan(inv_mlr, level):
    """lavaan ``cfa(..., group = "gender", group.equal = ..., estimator = "MLR")``: robust
    SEs and the Yuan-Bentler (Mplus) scaled fit of each level."""
    fit = inv_mlr.fits[level]
    case = f"inv_{level}_mlr"
    _check(fit, case)
    ref = REF[case]["fit_all"]
    for ours, theirs in ROBUST.items():
        assert fit.fit_indices[ours] == pytest.approx(ref[theirs], rel=1e-3), ours


def test_mlr_scaled_differences_match_lavtestlrt(inv_mlr):
    for lvl, ref in REF["inv_lrt_mlr"].items():
        row = inv_mlr.table.loc[lvl]
        assert row["delta_chisq"] == pytest.approx(ref["delta_chisq"], rel=1e-3)
        assert row["p_delta"] == pytest.approx(ref["p"], rel=1e-3)
    assert "Satorra-Bentler" in inv_mlr.summary().as_text()


def test_three_groups_and_group_order():
    data = cm.datasets.load_satisfaction()
    rng = np.random.default_rng(0)
    data = data.assign(wave=rng.choice(["w1", "w2", "w3"], size=len(data)))
    inv = cm.invariance(MODEL, data, by="wave", levels=("configural", "metric"))
    assert inv.groups == ("w1", "w2", "w3")
    # metric constrains the 9 free loadings in groups 2 and 3
    assert inv.table.loc["metric", "delta_df"] == 18
    inv2 = cm.invariance(MODEL, data, by="wave", levels=("configural",), groups=["w3", "w1"])
    assert inv2.groups == ("w3", "w1")
    assert set(inv2.fits["configural"].params["group"]) == {"w3", "w1"}
    with pytest.raises(cm.CsimodelError, match="groups"):
        cm.invariance(MODEL, data, by="wave", groups=["w1", "w9"])
    small = data[(data["wave"] != "w3") | (data.index < 30)]
    small = small[~((small["wave"] == "w3") & (small.index >= 10))]
    with pytest.raises(cm.DataError, match="more rows than items"):
        cm.invariance(MODEL, small, by="wave")


@pytest.fixture(scope="module")
def inv_ord():
    from refdata import ordinal_satisfaction

    data = ordinal_satisfaction().assign(gender=cm.datasets.load_satisfaction()["gender"])
    return cm.invariance(MODEL, data, by="gender", estimator="WLSMV")


ORD_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "npar": "npar",
    "cfi": "cfi",
    "srmr": "srmr",
    "baseline_chisq": "baseline.chisq",
    "chisq_scaled": "chisq.scaled",
    "scaling_factor": "chisq.scaling.factor",
    "baseline_chisq_scaled": "baseline.chisq.scaled",
    "cfi_scaled": "cfi.scaled",
    "tli_scaled": "tli.scaled",
    "rmsea_scaled": "rmsea.scaled",
}


def _check_ordinal(fit, ref):
    for ours, theirs in ORD_KEYS.items():
        assert fit.fit_indices[ours] == pytest.approx(ref["fit_all"][theirs], rel=1e-3), ours
    groups = list(fit.groups)
    par = fit.params.set_index(["group", "lhs", "op", "rhs"])
    n = 0
    for p in ref["params"]:
        if p["op"] == "~1" and p["lhs"] in MODEL:  # item intercepts: fixed 0 in lavaan
            if (groups[p["group"] - 1], p["lhs"], "~1", "") not in par.index:
                continue
        key = (groups[p["group"] - 1], p["lhs"], p["op"], p["rhs"])
        if key not in par.index:
            assert p["se"] == 0 or p["se"] is None, key  # only fixed rows may be absent
            continue
        r = par.loc[key]
        assert r["estimate"] == pytest.approx(p["est"], abs=1e-3), key
        if p["se"]:
            assert r["se"] == pytest.approx(p["se"], rel=2e-3), key
            n += 1
    assert n >= int(ref["fit_all"]["npar"]) - 1


@pytest.mark.parametrize("level", ["configural", "metric", "scalar"])
def test_ordinal_levels_match_lavaan(inv_ord, level):
    """lavaan ``cfa(inv_model, data = ord, ordered = items, group = "gender",
    group.equal = ...)`` (WLSMV, delta parameterization; scalar = loadings + thresholds)."""
    _check_ordinal(inv_ord.fits[level], REF[f"ord_inv_{level}"])


def test_ordinal_partial_matches_lavaan():
    """``group.partial = c("sat1|t1", "IMAG=~imag2")`` at the scalar level."""
    from refdata import ordinal_satisfaction

    data = ordinal_satisfaction().assign(gender=cm.datasets.load_satisfaction()["gender"])
    inv = cm.invariance(
        MODEL,
        data,
        by="gender",
        estimator="WLSMV",
        levels=("scalar",),
        partial=["sat1 | t1", "IMAG =~ imag2"],
    )
    _check_ordinal(inv.fits["scalar"], REF["ord_inv_scalar_partial"])


def test_ordinal_differences_match_lavtestlrt(inv_ord):
    for lvl, ref in REF["ord_inv_lrt"].items():
        row = inv_ord.table.loc[lvl]
        assert row["delta_chisq"] == pytest.approx(ref["delta_chisq"], rel=1e-3)
        assert row["delta_df"] == ref["delta_df"]
        assert row["p_delta"] == pytest.approx(ref["p"], rel=1e-3)
    assert list(inv_ord.table.index) == ["configural", "metric", "scalar"]
    with pytest.raises(cm.CsimodelError, match="strict"):
        cm.invariance(
            MODEL,
            cm.datasets.load_satisfaction(),
            by="gender",
            estimator="WLSMV",
            levels=LEVELS_ALL,
        )


LEVELS_ALL = ("configural", "metric", "scalar", "strict")
