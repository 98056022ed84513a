"""Tests for cm.compare_groups and cm.index_change.

References:
* separate cm.PLS fits on each group's rows (the definition of a group estimate), 1e-10;
* seminr 0.2.1 (Python port) ``estimate_pls_mga`` on the same injected bootstrap resamples,
  plus pooled-SE and Welch p-values computed by the generating script's own code from
  seminr's bootstrap paths: tests/data/groups_peers.json, made by
  tests/data/scripts/make_groups_peers.py (call and versions recorded in the JSON);
* hand computation (scipy) of the parametric and Welch tests and of Holm's correction;
* simulated populations: uniform permutation p-values under the null (KS test), power
  under a planted path difference.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest
from refdata import SATISFACTION_MODEL, load_reference
from scipy import stats

import csimodel as cm
from csimodel.inference import _mga_tests as T
from csimodel.inference import _resampling as R

CORP_SYNTAX = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
SAT_SYNTAX = SATISFACTION_MODEL


def corp_case():
    data = cm.datasets.load_corp_rep()
    model = cm.Model(CORP_SYNTAX)
    items = list(model.items)
    data = data[~(data[items] == -99).any(axis=1)].reset_index(drop=True)
    return model, data, "servicetype", (1, 2), (1, 7)


def sat_case():
    return (
        cm.Model(SAT_SYNTAX),
        cm.datasets.load_satisfaction(),
        "gender",
        ("female", "male"),
        (0, 10),
    )


CASES = {"corp_rep_servicetype": corp_case, "satisfaction_gender": sat_case}


# ------------------------------------------------------------------ group estimates
@pytest.mark.parametrize("case", sorted(CASES))
def test_group_estimates_equal_separate_fits(case):
    model, data, by, groups, scale = CASES[case]()
    cmp = cm.compare_groups(
        model, data, by=by, groups=groups, n_perm=0, n_boot=0, scale=scale, progress=False
    )
    for g in groups:
        res = cm.PLS().fit(model, data[data[by] == g], scale=scale)
        est = cmp.estimates.set_index(["lhs", "op", "rhs"])[g]
        mine = res.params.set_index(["lhs", "op", "rhs"])["estimate"]
        np.testing.assert_allclose(est.loc[mine.index].to_numpy(), mine.to_numpy(), atol=1e-10)
        r2 = est.xs("r2", level="op").droplevel("rhs")
        np.testing.assert_allclose(r2.loc[res.r_squared.index], res.r_squared, atol=1e-10)
        # 0-100 index computed here from the separate fit: w / sd normalized, item means
        sub = data[data[by] == g]
        idx = est.xs("index", level="op").droplevel("rhs")
        for c in model.constructs:
            items = list(model.blocks[c])
            x = sub[items].to_numpy(float)
            w = res.outer_weights.loc[c].loc[items].to_numpy() / x.std(axis=0, ddof=1)
            w = w / w.sum()
            expect = (w @ x.mean(axis=0) - scale[0]) / (scale[1] - scale[0]) * 100
            assert idx[c] == pytest.approx(expect, abs=1e-9)


@pytest.mark.parametrize("case", sorted(CASES))
def test_paths_agree_with_seminr_mga(case):
    """Group paths, Henseler p (seminr estimate_pls_mga) and parametric/Welch p-values,
    on the same bootstrap resamples as the peer."""
    ref = load_reference("groups_peers.json")["cases"][case]
    model, data, by, groups, scale = CASES[case]()
    prepared = cm.prepare(data, model.items, scale=scale)
    labels = data[by].to_numpy()
    est = cm.PLS(tol=1e-12, max_iter=1000)
    stats_ = R._Stats(model, est, prepared)
    rng = np.random.default_rng(ref["seed"])
    rows = [(t, "~", s) for s, t in model.paths]
    pos = [stats_.rows.index(r) for r in rows]
    boots, obs, ns = [], [], []
    for k, g in enumerate(groups):
        X = prepared.X[labels == g]
        n = X.shape[0]
        idx = rng.integers(0, n, size=(ref["nboot"], n))
        digest = hashlib.sha256(np.ascontiguousarray(idx, dtype=np.int64).tobytes()).hexdigest()
        assert digest == ref["indices_sha256"][f"group{k + 1}"]
        v, ok = R._bootstrap_counts(stats_, X, None, iter([R._counts_from_indices(idx, n)]))
        assert ok.all()
        boots.append(v[:, pos])
        obs.append(R._estimate_group(stats_, X, None)[0][0, pos])
        ns.append(n)
    assert ns == [ref["n1"], ref["n2"]]
    one = T._henseler_one_sided(boots[0], boots[1])
    se1, se2 = boots[0].std(axis=0, ddof=1), boots[1].std(axis=0, ddof=1)
    p_par, p_w = T._parametric_p(obs[0] - obs[1], se1, se2, ns[0], ns[1])
    for k, (t, _, s) in enumerate(rows):
        r = ref["paths"][f"{s}->{t}"]
        assert obs[0][k] == pytest.approx(r["group1_beta"], abs=1e-8)
        assert obs[1][k] == pytest.approx(r["group2_beta"], abs=1e-8)
        assert se1[k] == pytest.approx(r["se1"], abs=1e-8)
        assert se2[k] == pytest.approx(r["se2"], abs=1e-8)
        # same resamples, estimates equal to 1e-8: the grid count can only move at ties
        assert one[k] == pytest.approx(r["pls_mga_p"], abs=1e-9)
        assert p_par[k] == pytest.approx(r["p_parametric"], abs=1e-7)
        assert p_w[k] == pytest.approx(r["p_welch"], abs=1e-7)


def test_henseler_sorted_equals_grid(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.3, 0.1, size=(137, 3))
    b = rng.normal(0.2, 0.15, size=(91, 3))
    got = T._henseler_one_sided(a, b)
    for k in range(3):
        grid = 2 * a[:, k].mean() - a[:, k][:, None] - 2 * b[:, k].mean() + b[:, k][None, :]
        assert got[k] == pytest.approx(1 - (grid > 0).mean(), abs=1e-12)


# ------------------------------------------------------------------ p-value formulas
def test_parametric_and_welch_from_bootstrap_se(seed):
    model, data, by, groups, scale = sat_case()
    cmp = cm.compare_groups(
        model, data, by=by, n_perm=0, n_boot=100, random_state=seed, progress=False, scale=scale
    )
    p = cmp.params
    n1, n2 = (int(cmp.n_per_group[g]) for g in cmp.groups)
    for g, col in zip(cmp.groups, ("se_a", "se_b"), strict=True):
        np.testing.assert_allclose(p[col], cmp.boot_values[g].std(axis=0, ddof=1), rtol=1e-12)
    for _, r in p[p["op"] == "~"].iterrows():
        s1, s2, d = r["se_a"], r["se_b"], r["estimate_a"] - r["estimate_b"]
        df = n1 + n2 - 2
        sp = np.sqrt((n1 - 1) ** 2 / df * s1**2 + (n2 - 1) ** 2 / df * s2**2)
        t = d / (sp * np.sqrt(1 / n1 + 1 / n2))
        assert r["p_parametric"] == pytest.approx(2 * stats.t.sf(abs(t), df), rel=1e-10)
        v1, v2 = (n1 - 1) / n1 * s1**2, (n2 - 1) / n2 * s2**2
        dfw = (v1 + v2) ** 2 / ((n1 - 1) / n1**2 * s1**4 + (n2 - 1) / n2**2 * s2**4) - 2
        tw = d / np.sqrt(v1 + v2)
        assert r["p_welch"] == pytest.approx(2 * stats.t.sf(abs(tw), dfw), rel=1e-10)
        assert r["diff"] == pytest.approx(d, abs=1e-15)


def test_permutation_p_counts_and_chunking(monkeypatch, seed):
    model, data, by, groups, scale = corp_case()
    kw = dict(by=by, n_perm=60, n_boot=20, random_state=seed, progress=False, scale=scale)
    a = cm.compare_groups(model, data, **kw)
    monkeypatch.setattr(R, "_MAX_CHUNK", 7)
    b = cm.compare_groups(model, data, **kw)
    pd.testing.assert_frame_equal(a.params, b.params, rtol=1e-9, atol=1e-12)
    d = a.permutation_diffs[(1, 2)]
    obs = a.params["diff"].to_numpy()
    hits = (np.abs(d) >= np.abs(obs) - 1e-12).sum(axis=0)
    np.testing.assert_allclose(a.params["p_permutation"], (hits + 1) / 61)
    assert a.params["p_permutation"].between(1 / 61, 1).all()


def test_three_groups_holm():
    model, data, by, groups, scale = sat_case()
    data = data.copy()
    data["seg"] = np.arange(len(data)) % 3
    cmp = cm.compare_groups(
        model, data, by="seg", n_perm=40, n_boot=30, random_state=3, progress=False
    )
    assert len(cmp.params) == 3 * len(cmp.estimates)
    assert set(zip(cmp.params.group_a, cmp.params.group_b, strict=True)) == {(0, 1), (0, 2), (1, 2)}
    for _, part in cmp.params.groupby(["lhs", "op", "rhs"]):
        for c in ("p_permutation", "p_mga", "p_welch"):
            raw = part[c].to_numpy()
            order = np.argsort(raw)
            holm = np.empty(3)
            running = 0.0
            for rank, i in enumerate(order):  # Holm step-down, written out
                running = max(running, min(1.0, (3 - rank) * raw[i]))
                holm[i] = running
            np.testing.assert_allclose(part[c + "_adj"].to_numpy(), holm, rtol=1e-12)
    text = cmp.summary().as_text()
    assert "Multiplicity correction" in text and "(0 vs 2)" in text


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh", "sidak", "hommel"])
def test_adjust_equals_statsmodels(method, seed):
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(seed).uniform(size=(6, 4)) ** 2
    p[2, 1] = np.nan
    got = T._adjust(p, method)
    for r in range(6):
        good = np.isfinite(p[r])
        np.testing.assert_allclose(got[r, good], multipletests(p[r, good], method=method)[1])
        assert np.isnan(got[r, ~good]).all()


# ------------------------------------------------------------------ simulated populations
def simulate(rng, n, beta):
    """Two constructs with 3 items each (loadings .8, .75, .7), Y = beta X + e."""
    x = rng.normal(size=n)
    y = beta * x + np.sqrt(1 - beta**2) * rng.normal(size=n)
    cols = {}
    for name, f in (("x", x), ("y", y)):
        for k, lam in enumerate((0.8, 0.75, 0.7), start=1):
            cols[f"{name}{k}"] = lam * f + np.sqrt(1 - lam**2) * rng.normal(size=n)
    return pd.DataFrame(cols)


SMALL = cm.Model("X =~ x1 + x2 + x3\nY =~ y1 + y2 + y3\nY ~ X")


@pytest.mark.slow
def test_permutation_p_uniform_under_null():
    """200 replications, both groups from one population: p_permutation ~ U(0, 1)."""
    rng = np.random.default_rng(2026)
    ps = []
    for _ in range(200):
        df = simulate(rng, 80, 0.4)
        df["g"] = np.repeat([0, 1], 40)
        cmp = cm.compare_groups(
            SMALL, df, by="g", n_perm=199, n_boot=0, random_state=rng, progress=False
        )
        ps.append(cmp.params.query("op == '~'")["p_permutation"].iloc[0])
    ps = np.array(ps)
    assert stats.kstest(ps, "uniform").pvalue > 0.001
    assert 0.01 < (ps <= 0.05).mean() < 0.12


@pytest.mark.parametrize("rep", range(3))
def test_permutation_power_planted_difference(rep):
    rng = np.random.default_rng(100 + rep)
    a, b = simulate(rng, 200, 0.8), simulate(rng, 200, 0.3)
    df = pd.concat([a.assign(g="a"), b.assign(g="b")], ignore_index=True)
    cmp = cm.compare_groups(
        SMALL, df, by="g", n_perm=199, n_boot=199, random_state=rng, progress=False
    )
    row = cmp.params.query("op == '~'").iloc[0]
    assert row["diff"] > 0.3
    assert row["p_permutation"] <= 0.01
    assert row["p_mga"] < 0.01 and row["p_welch"] < 0.01 and row["p_parametric"] < 0.01


# ------------------------------------------------------------------ index change
def test_index_change_interval_and_p(seed):
    rng = np.random.default_rng(seed)
    a = simulate(rng, 150, 0.5)
    b = simulate(rng, 150, 0.5)
    b[["y1", "y2", "y3"]] += 0.8  # wave 2: satisfaction items up 0.8 on a 10-point range
    df = pd.concat([a.assign(w="2025"), b.assign(w="2026")], ignore_index=True)
    df[df.columns[:6]] = df[df.columns[:6]].clip(-5, 5)
    ch = cm.index_change(
        SMALL, df, by="w", n_boot=300, n_perm=300, random_state=seed, progress=False,
        scale=(-5, 5),
    )  # fmt: skip
    t = ch.table
    assert ch.groups == ("2025", "2026")
    assert t.loc["Y", "change"] == pytest.approx(8.0, abs=3.0)
    assert t.loc["Y", "ci_lower"] > 0 and t.loc["Y", "p_permutation"] < 0.01
    assert t.loc["X", "ci_lower"] < t.loc["X", "change"] < t.loc["X", "ci_upper"]
    np.testing.assert_allclose(t["change"], t["index_b"] - t["index_a"], atol=1e-12)
    assert "percentile interval" in ch.summary().as_text()


def test_index_change_needs_scale():
    df = simulate(np.random.default_rng(0), 40, 0.3)
    df["w"] = np.repeat([1, 2], 20)
    with pytest.raises(cm.DataError, match="scale"):
        cm.index_change(SMALL, df, by="w", n_boot=5, n_perm=5, progress=False)


# ------------------------------------------------------------------ inputs and errors
def test_fit_results_input_and_weights():
    model, data, by, groups, scale = sat_case()
    data = data.assign(wt=np.where(data["gender"] == "male", 2, 1))
    res = cm.PLS().fit(model, data, scale=scale, weights="wt")
    cmp = cm.compare_groups(res, by=by, n_perm=10, n_boot=10, random_state=0, progress=False)
    sub = data[data.gender == "male"]
    sep = cm.PLS().fit(model, sub, scale=scale, weights="wt")
    est = cmp.estimates.set_index(["lhs", "op", "rhs"])["male"]
    mine = sep.params.set_index(["lhs", "op", "rhs"])["estimate"]
    np.testing.assert_allclose(est.loc[mine.index], mine, atol=1e-10)


def test_errors():
    model, data, by, groups, scale = sat_case()
    kw = dict(n_perm=5, n_boot=5, progress=False)
    with pytest.raises(cm.DataError, match="'region'"):
        cm.compare_groups(model, data, by="region", **kw)
    bad = data.copy()
    bad.loc[[3, 5], "gender"] = np.nan
    with pytest.raises(cm.DataError, match="rows 3, 5"):
        cm.compare_groups(model, bad, by="gender", **kw)
    with pytest.raises(cm.DataError, match="'other'"):
        cm.compare_groups(model, data, by="gender", groups=["female", "other"], **kw)
    small = data.copy()
    small.loc[:1, "gender"] = "x"
    with pytest.raises(cm.DataError, match="fewer than 3"):
        cm.compare_groups(model, small, by="gender", **kw)
    const = data.copy()
    const.loc[const.gender == "male", "sat2"] = 7
    with pytest.raises(cm.DataError, match="'sat2' do not vary in group 'male'"):
        cm.compare_groups(model, const, by="gender", **kw)
    with pytest.raises(cm.CsimodelError, match="'correction' parameter"):
        cm.compare_groups(model, data, by="gender", correction="holms", **kw)
    with pytest.raises(cm.CsimodelError, match="'n_perm' parameter"):
        cm.compare_groups(model, data, by="gender", n_perm=-1, n_boot=0)


def test_result_frozen_and_summary():
    model, data, by, groups, scale = corp_case()
    cmp = cm.compare_groups(
        model, data, by=by, n_perm=20, n_boot=20, random_state=0, progress=False, scale=scale
    )
    with pytest.raises(AttributeError):
        cmp.n_perm = 3
    text = cmp.summary().as_text()
    assert "Path coefficients (1 vs 2)" in text and "Indices (1 vs 2)" in text
    assert "<h4>" in cmp._repr_html_()
    assert set(cmp.params["op"]) == {"=~", "<~", "~", "r2", "index"}


def test_index_unstandardized_weights_and_progress(capsys):
    """standardize=False: the weights are already on the item scale (no division by SD)."""
    model, data, by, groups, scale = sat_case()
    est = cm.PLS(standardize=False)
    cmp = cm.compare_groups(
        model, data, by=by, estimator=est, n_perm=3, n_boot=3, scale=scale, progress=True
    )
    assert "compare_groups" in capsys.readouterr().err  # the tqdm bar
    sub = data[data[by] == "male"]
    res = est.fit(model, sub, scale=scale)
    idx = cmp.estimates.set_index(["lhs", "op", "rhs"])["male"].xs("index", level="op")
    for c in model.constructs:
        items = list(model.blocks[c])
        w = res.outer_weights.loc[c].loc[items].to_numpy()
        w = w / w.sum()
        expect = (w @ sub[items].to_numpy(float).mean(0) - scale[0]) / (scale[1] - scale[0]) * 100
        assert idx.loc[c].iloc[0] == pytest.approx(expect, abs=1e-9)
    ch = cm.index_change(
        model, data, by=by, n_boot=0, n_perm=5, scale=scale, progress=False, random_state=0
    )
    assert ch.table["ci_lower"].isna().all() and ch.table["p_permutation"].notna().all()


def test_permutations_and_resamples_equal_refits(seed):
    """Every permutation and bootstrap resample equals a cm.PLS fit on the relabelled /
    resampled rows (the weight patterns are re-drawn here from the documented stream:
    one Generator, permutations first (argsort of uniforms, first n_a rows = group a),
    then resample indices floor(u * n_g) for each group in turn)."""
    model, data, by, groups, scale = corp_case()
    n_perm, n_boot = 6, 4
    cmp = cm.compare_groups(
        model, data, by=by, n_perm=n_perm, n_boot=n_boot, random_state=seed, progress=False
    )
    rng = np.random.default_rng(seed)
    a, b = data[data[by] == 1], data[data[by] == 2]
    pooled = pd.concat([a, b], ignore_index=True)
    order = np.argsort(rng.random((n_perm, len(pooled))), axis=1)
    keys = ["lhs", "op", "rhs"]
    rows = cmp.estimates.set_index(keys).index
    for r in range(n_perm):
        ga = pooled.iloc[np.sort(order[r, : len(a)])]
        gb = pooled.drop(index=ga.index)
        fa, fb = cm.PLS().fit(model, ga), cm.PLS().fit(model, gb)
        d = fa.params.set_index(keys)["estimate"] - fb.params.set_index(keys)["estimate"]
        got = pd.Series(cmp.permutation_diffs[(1, 2)][r], index=rows)
        np.testing.assert_allclose(got.loc[d.index], d, atol=1e-9)
        r2 = fa.r_squared - fb.r_squared
        np.testing.assert_allclose(
            got.xs("r2", level="op").droplevel("rhs")[r2.index], r2, atol=1e-9
        )
    for g, sub in ((1, a), (2, b)):
        idx = np.minimum((rng.random((n_boot, len(sub))) * len(sub)).astype(np.int64), len(sub) - 1)
        for r in range(n_boot):
            f = cm.PLS().fit(model, sub.iloc[idx[r]])
            got = pd.Series(cmp.boot_values[g][r], index=rows)
            e = f.params.set_index(keys)["estimate"]
            np.testing.assert_allclose(got.loc[e.index], e, atol=1e-9)


@pytest.mark.parametrize("case", sorted(CASES))
def test_group_indices_equal_cm_indices_of_separate_fits(case):
    """Cross-check with the scoring module (cm.indices, separate implementation)."""
    model, data, by, groups, scale = CASES[case]()
    cmp = cm.compare_groups(
        model, data, by=by, groups=groups, n_perm=0, n_boot=0, scale=scale, progress=False
    )
    est = cmp.estimates[cmp.estimates["op"] == "index"].set_index("lhs")
    for g in groups:
        ref = cm.indices(cm.PLS().fit(model, data[data[by] == g], scale=scale))
        for c in model.constructs:
            assert est.loc[c, g] == pytest.approx(float(ref[c].iloc[0]), abs=1e-9)


def test_non_convergence_warns():
    model, data, by, groups, scale = sat_case()
    with pytest.warns(cm.ConvergenceWarning, match="did not converge in group") as rec:
        cmp = cm.compare_groups(
            model, data, by=by, estimator=cm.PLS(max_iter=1), n_perm=2, n_boot=2, progress=False
        )
    assert {"female", "male"} <= {g for g in groups if any(g in str(r.message) for r in rec)}
    assert cmp.n_perm_valid[("female", "male")] == 0  # unconverged permutations left out
    assert cmp.params["p_permutation"].isna().all()


def test_constant_quantity_is_not_different():
    """A single-item construct's loading is 1 in every group and resample: all p = 1."""
    model, data, by, groups, scale = corp_case()
    cmp = cm.compare_groups(
        model, data, by=by, n_perm=30, n_boot=30, random_state=0, progress=False
    )
    row = cmp.params.query("lhs == 'CUSA' and op == '=~'").iloc[0]
    for c in ("p_permutation", "p_mga", "p_parametric", "p_welch"):
        assert row[c] == pytest.approx(1.0)
