"""Fitting and scoring from Dask/Parquet data (csimodel.distributed) on a LocalCluster.

Evidence:
- fit from a Dask DataFrame split into many partitions equals the in-memory fit on the same
  rows to 1e-10 (paths, weights, loadings, R², mean, covariance, n_used) -- the two must
  agree because the moments are the same statistic computed two ways;
- the tree-reduced covariance equals ``numpy.cov`` (independent) on data with a huge mean
  (1e8), where raw sums of squares would lose all digits;
- 0-100 scores computed on the cluster equal a plain numpy implementation of the index
  formula written in this file;
- bad values in one partition raise a DataError naming the column and the partition;
  excluded rows are counted by reason.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel import distributed as cmd

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

TOL = 1e-10

MODEL = """
Image        =~ im1 + im2 + im3 + im4
Value        <~ va1 + va2 + va3
Satisfaction =~ sa1 + sa2 + sa3
Loyalty      =~ lo1 + lo2 + lo3
Value        ~ Image
Satisfaction ~ Image + Value
Loyalty      ~ Satisfaction + Image
"""


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def model():
    return cm.Model(MODEL)


def simulate(seed: int, n: int = 6000) -> pd.DataFrame:
    """Answers on a 1-10 scale from a known population model (latent factors + noise)."""
    rng = np.random.default_rng(seed)
    im = rng.normal(size=n)
    va = 0.5 * im + rng.normal(scale=0.85, size=n)
    sa = 0.4 * im + 0.4 * va + rng.normal(scale=0.75, size=n)
    lo = 0.6 * sa + 0.2 * im + rng.normal(scale=0.7, size=n)
    cols = {}
    for name, f, k in (("im", im, 4), ("va", va, 3), ("sa", sa, 3), ("lo", lo, 3)):
        for i in range(1, k + 1):
            x = 5.5 + 1.6 * (0.8 * f + rng.normal(scale=0.6, size=n))
            cols[f"{name}{i}"] = np.clip(np.round(x), 1, 10)
    df = pd.DataFrame(cols, index=pd.RangeIndex(100000, 100000 + n, name="resp"))
    df["segment"] = rng.choice(["a", "b", "c"], size=n)
    return df


def compare(r_mem, r_dd):
    assert r_dd.n_used == r_mem.n_used
    assert r_dd.n_total == r_mem.n_total
    np.testing.assert_allclose(r_dd.mean, r_mem.mean, rtol=0, atol=TOL)
    np.testing.assert_allclose(r_dd.cov, r_mem.cov, rtol=0, atol=TOL)
    np.testing.assert_allclose(r_dd.params.estimate, r_mem.params.estimate, rtol=0, atol=TOL)
    np.testing.assert_allclose(
        r_dd.path_coefficients.fillna(0), r_mem.path_coefficients.fillna(0), rtol=0, atol=TOL
    )
    np.testing.assert_allclose(r_dd.outer_weights, r_mem.outer_weights, rtol=0, atol=TOL)
    np.testing.assert_allclose(r_dd.loadings, r_mem.loadings, rtol=0, atol=TOL)
    np.testing.assert_allclose(r_dd.r_squared, r_mem.r_squared, rtol=0, atol=TOL)
    np.testing.assert_allclose(r_dd.r_squared_adj, r_mem.r_squared_adj, rtol=0, atol=TOL)


def test_is_distributed_input(tmp_path, ecsi):
    assert not cmd.is_distributed_input(ecsi)
    assert not cmd.is_distributed_input("data.csv")
    assert cmd.is_distributed_input(dd.from_pandas(ecsi, npartitions=2))
    assert cmd.is_distributed_input(str(tmp_path / "x.parquet"))
    assert cmd.is_distributed_input([tmp_path / "a.parquet", tmp_path / "b.parquet"])


@pytest.mark.parametrize("scheme", ["path", "centroid", "factorial"])
def test_ecsi_fit_equals_in_memory(client, ecsi, ecsi_model, scheme):
    r_mem = cm.PLS(scheme=scheme).fit(ecsi_model, ecsi, scale=(1, 10))
    r_dd = cm.PLS(scheme=scheme).fit(
        ecsi_model, dd.from_pandas(ecsi, npartitions=17), scale=(1, 10)
    )
    compare(r_mem, r_dd)
    assert isinstance(r_dd.data, cmd.DistributedData)
    assert r_dd.data.npartitions == 17


def test_fit_missing_listwise_and_weights(client, model, seed):
    df = simulate(seed)
    rng = np.random.default_rng(seed + 1)
    for c in ("im2", "sa1", "lo3"):
        df.loc[rng.choice(df.index, 40, replace=False), c] = np.nan
    df["w"] = rng.integers(1, 4, size=len(df)).astype(float)  # frequency weights
    df.loc[rng.choice(df.index, 60, replace=False), "w"] = 0.0
    df.loc[rng.choice(df.index, 7, replace=False), "w"] = np.nan
    kw = dict(scale=(1, 10), missing="listwise", weights="w")
    with pytest.warns(cm.DataWarning, match="rows excluded"):
        r_mem = cm.PLS().fit(model, df, **kw)
    with pytest.warns(cm.DataWarning, match="rows excluded"):
        r_dd = cm.PLS().fit(model, dd.from_pandas(df, npartitions=23), **kw)
    compare(r_mem, r_dd)
    counts_mem = r_mem.excluded["reason"].value_counts().to_dict()
    assert r_dd.data.excluded_counts == counts_mem
    # every exclusion record (row, column, reason) is the same (fewer than max_records=1000)
    assert len(r_mem.excluded) < 1000
    recs_dd = set(map(tuple, r_dd.excluded[["row", "column", "reason"]].to_numpy().tolist()))
    recs_mem = set(map(tuple, r_mem.excluded.to_numpy().tolist()))
    assert recs_dd == recs_mem
    assert "Excluded rows" in r_dd.summary().as_text()


def test_non_integer_weights(client, model, seed):
    df = simulate(seed, n=3000)
    df["w"] = np.random.default_rng(seed).uniform(0.2, 3.0, size=len(df))
    r_mem = cm.PLS().fit(model, df, scale=(1, 10), weights="w")
    r_dd = cm.PLS().fit(model, dd.from_pandas(df, npartitions=11), scale=(1, 10), weights="w")
    compare(r_mem, r_dd)


def test_missing_mean_two_pass(client, model, seed):
    df = simulate(seed, n=3000)
    rng = np.random.default_rng(seed + 2)
    for c in ("im1", "va2", "lo1"):
        df.loc[rng.choice(df.index, 60, replace=False), c] = np.nan
    with pytest.warns(cm.DataWarning):
        r_mem = cm.PLS().fit(model, df, scale=(1, 10), missing="mean")
    with pytest.warns(cm.DataWarning):
        r_dd = cm.PLS().fit(model, dd.from_pandas(df, npartitions=9), scale=(1, 10), missing="mean")
    compare(r_mem, r_dd)
    assert r_dd.data.imputed_counts == r_mem.imputed["column"].value_counts().to_dict()
    assert r_dd.data.n_imputed == len(r_mem.imputed)


def test_missing_codes_and_bounded_records(client, model):
    df = simulate(3, n=2000)
    df.loc[df.index[::10], "sa2"] = -99
    r_mem = None
    with pytest.warns(cm.DataWarning):
        r_mem = cm.PLS().fit(model, df, scale=(1, 10), missing_values=(-99,))
    with pytest.warns(cm.DataWarning):
        r_dd = cm.PLS().fit(
            model, dd.from_pandas(df, npartitions=8), scale=(1, 10), missing_values=(-99,)
        )
    compare(r_mem, r_dd)
    with pytest.warns(cm.DataWarning):
        data, _, _ = cmd.prepare_distributed(
            dd.from_pandas(df, npartitions=8),
            model.items,
            scale=(1, 10),
            missing_values=(-99,),
            max_records=25,
        )
    assert data.excluded_counts == {"missing answer": 200}
    assert data.n_excluded == 200
    assert len(data.excluded) == 25  # labels listed for a bounded number of rows only


def test_parquet_files(client, model, tmp_path):
    df = simulate(11, n=4000)
    paths = []
    for k, start in enumerate(range(0, len(df), 500)):
        p = tmp_path / f"part-{k:03d}.parquet"
        # index=True stores the respondent labels as a column (a RangeIndex kept only as
        # metadata is not read back by dask 2026.8 with pandas 3)
        df.iloc[start : start + 500].to_parquet(p, index=True)
        paths.append(p)
    r_mem = cm.PLS().fit(model, df, scale=(1, 10))
    compare(r_mem, cm.PLS().fit(model, tmp_path, scale=(1, 10)))
    r_list = cm.PLS().fit(model, [str(p) for p in paths], scale=(1, 10))
    compare(r_mem, r_list)
    assert r_list.data.npartitions == len(paths)


def test_chan_moments_stable_for_large_means(client):
    rng = np.random.default_rng(5)
    X = 1e8 + rng.normal(size=(20000, 4)) @ np.array(
        [[1, 0.5, 0, 0], [0, 1, 0.3, 0], [0, 0, 1, 0.2], [0, 0, 0, 1.0]]
    )
    df = pd.DataFrame(X, columns=list("abcd"))
    data, mean, cov = cmd.prepare_distributed(dd.from_pandas(df, npartitions=50), list("abcd"))
    ref = np.cov(X, rowvar=False)  # numpy: two-pass on the whole array
    # values near 1e8 are stored to ~1.5e-8, so partition means carry that error; the
    # combined covariance (entries of order 1) agrees to ~1e-9 absolute
    np.testing.assert_allclose(cov, ref, rtol=0, atol=1e-8)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-14)
    # contrast: raw sums of squares lose every digit at this mean
    n = len(X)
    naive = (X.T @ X - n * np.outer(X.mean(0), X.mean(0))) / (n - 1)
    assert np.abs(naive - ref).max() > 1e-2
    assert data.n_used == 20000


# ----------------------------------------------------------------------------- errors
def test_bad_value_in_one_partition_names_column_and_partition(client, model):
    df = simulate(1, n=2000)
    df.loc[df.index[1234], "sa2"] = 99  # partition 6 of 10 (rows 200 each)
    ddf = dd.from_pandas(df, npartitions=10)
    with pytest.raises(cm.DataError, match=r"'sa2'.*outside \[1, 10\].*partition 6.*101234"):
        cm.PLS().fit(model, ddf, scale=(1, 10))


def test_infinite_and_text_values(client, model):
    df = simulate(2, n=1000)
    df.loc[df.index[10], "im3"] = np.inf
    with pytest.raises(cm.DataError, match=r"Infinite.*'im3'.*partition 0"):
        cm.PLS().fit(model, dd.from_pandas(df, npartitions=4), scale=(1, 10))
    df = simulate(2, n=1000).astype({"lo2": object})
    df.loc[df.index[900], "lo2"] = "seven"
    with pytest.raises(cm.DataError, match=r"partition 3.*'lo2'"):
        cm.PLS().fit(model, dd.from_pandas(df, npartitions=4), scale=(1, 10))


def test_missing_error_policy_and_constant_item(client, model):
    df = simulate(4, n=1000)
    df.loc[df.index[600], "va1"] = np.nan
    with pytest.raises(cm.DataError, match=r"Missing answers.*'va1'.*partition 2"):
        cm.PLS().fit(model, dd.from_pandas(df, npartitions=4), missing="error")
    df = simulate(4, n=1000)
    df["lo1"] = 7.0
    with pytest.raises(cm.DataError, match=r"'lo1'.*same answer"):
        cm.PLS().fit(model, dd.from_pandas(df, npartitions=4))
    with pytest.raises(cm.DataError, match="not in the data"):
        cm.PLS().fit(model, dd.from_pandas(df.drop(columns="im1"), npartitions=4))
    with pytest.raises(cm.DataError, match="categorical"):
        cm.PLS().fit(model, dd.from_pandas(df.astype({"im1": "category"}), npartitions=4))
    with pytest.raises(cm.DataError, match="weight column"):
        cm.PLS().fit(model, dd.from_pandas(df, npartitions=4), weights=np.ones(len(df)))


def test_in_memory_only_features_say_so(client, ecsi, ecsi_model):
    r = cm.PLS().fit(ecsi_model, dd.from_pandas(ecsi, npartitions=5), scale=(1, 10))
    with pytest.raises(cm.DataError, match="construct_scores"):
        _ = r.scores


# ----------------------------------------------------------------------------- scoring
def numpy_index_scores(df, res):
    """The 0-100 index formula written out directly (independent of csimodel.distributed)."""
    m = res.model
    out = {}
    for c in m.constructs:
        items = list(m.blocks[c])
        pos = [m.items.index(i) for i in items]
        w = res.outer_weights.loc[c].to_numpy() / res.arrays.item_sd[0][pos]
        w = w / w.sum()
        x = df[items].to_numpy(float)
        lo = np.full(len(items), 1.0)
        hi = np.full(len(items), 10.0)
        out[c] = (x @ w - lo @ w) / (hi @ w - lo @ w) * 100
    return pd.DataFrame(out, index=df.index)


def test_index_scores_equal_numpy(client, ecsi, ecsi_model):
    res = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10))
    v = cmd.index_weights(
        res.arrays.weights[0], res.arrays.item_sd[0], ecsi_model.block_mask().astype(float)
    )
    lazy = cmd.index_scores(
        dd.from_pandas(ecsi, npartitions=12),
        ecsi_model.items,
        v,
        res.data.scale_low,
        res.data.scale_high,
        ecsi_model.constructs,
    )
    assert lazy.npartitions == 12
    got = lazy.compute()
    ref = numpy_index_scores(ecsi, res)
    pd.testing.assert_index_equal(got.index, ref.index)
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-10)
    assert got.to_numpy().min() >= 0 and got.to_numpy().max() <= 100


def test_index_scores_bad_value_and_missing(client, ecsi, ecsi_model):
    res = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10))
    v = cmd.index_weights(
        res.arrays.weights[0], res.arrays.item_sd[0], ecsi_model.block_mask().astype(float)
    )
    args = (ecsi_model.items, v, res.data.scale_low, res.data.scale_high, ecsi_model.constructs)
    bad = ecsi.copy()
    bad.loc[bad.index[200], "CUSA2"] = 11  # 25 rows per partition: partition 8
    with pytest.raises(cm.DataError, match=r"'CUSA2'.*partition 8 \(rows 200\)"):
        cmd.index_scores(dd.from_pandas(bad, npartitions=10), *args).compute()
    miss = ecsi.copy()
    miss.loc[miss.index[3], "CUSA2"] = np.nan
    got = cmd.index_scores(dd.from_pandas(miss, npartitions=10), *args).compute()
    assert np.isnan(got.loc[miss.index[3], "Satisfaction"])
    assert got.loc[miss.index[3]].drop("Satisfaction").notna().all()


def test_construct_scores_equal_in_memory(client, model, seed):
    df = simulate(seed, n=3000)
    df.loc[df.index[::50], "va3"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        r_mem = cm.PLS().fit(model, df, scale=(1, 10))
        r_dd = cm.PLS().fit(model, dd.from_pandas(df, npartitions=7), scale=(1, 10))
    got = cmd.construct_scores(r_dd).compute()
    pd.testing.assert_index_equal(got.index, r_mem.scores.index)
    np.testing.assert_allclose(got.to_numpy(), r_mem.scores.to_numpy(), rtol=0, atol=TOL)


# ----------------------------------------------------------------------------- no dask
def test_import_csimodel_does_not_import_dask():
    code = "import sys, csimodel; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_dask_says_how_to_install(monkeypatch, ecsi_model, tmp_path):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(cmd.OptionalDependencyError, match=r'pip install "csimodel\[dask\]"'):
        cm.PLS().fit(ecsi_model, str(tmp_path / "survey.parquet"))
    assert issubclass(cmd.OptionalDependencyError, ImportError)


# ----------------------------------------------------------------------------- bootstrap
def test_poisson_bootstrap_equals_documented_counts(client, model):
    """Draws equal an in-memory computation with the documented counts (MomentBuilder)."""
    from csimodel.estimators.base import flatten_params
    from csimodel.moments import MomentBuilder

    df = simulate(8, n=3000)
    df.loc[df.index[::37], "im4"] = np.nan
    ddf = dd.from_pandas(df, npartitions=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        r_dd = cm.PLS().fit(model, ddf, scale=(1, 10))
        r_mem = cm.PLS().fit(model, df, scale=(1, 10))
    B, rs = 40, 3
    boot = cmd.poisson_bootstrap(r_dd, n_boot=B, random_state=rs)
    # the counts, per the docstring: used rows of partition k, chunks of 8192 rows
    F = []
    for k in range(ddf.npartitions):
        part = ddf.partitions[k].compute()
        m = int(part[list(model.items)].notna().all(axis=1).sum())
        chunks = [
            np.random.default_rng([rs, k, c]).poisson(1.0, size=(B, min(8192, m - s)))
            for c, s in enumerate(range(0, m, 8192))
        ]
        F.append(np.concatenate(chunks, axis=1))
    F = np.concatenate(F, axis=1).astype(float)
    _, S = MomentBuilder(r_mem.data.X).moments(F)
    ref = flatten_params(cm.PLS().estimate(S, model), model)
    np.testing.assert_allclose(boot.draws.to_numpy(), ref, rtol=0, atol=TOL)
    assert boot.n_failed == 0
    assert list(boot.params.columns[:4]) == ["lhs", "op", "rhs", "estimate"]


def test_poisson_bootstrap_se_close_to_classical(client, model, seed):
    """Poisson and multinomial bootstrap SEs of the paths agree (B=200 each).

    Each SE from B=200 resamples has ~5% sampling error, a ratio of two ~7%; over seeds
    0..19 the ratios ranged 0.84-1.27 and their mean per seed 0.93-1.10. Tolerances: every
    ratio in [0.65, 1.35], the mean ratio in [0.85, 1.15] (about 5 standard errors).
    """
    from csimodel.estimators.base import flatten_params
    from csimodel.moments import MomentBuilder

    df = simulate(seed, n=4000)
    r_dd = cm.PLS().fit(model, dd.from_pandas(df, npartitions=5), scale=(1, 10))
    boot = cmd.poisson_bootstrap(r_dd, n_boot=200, random_state=seed)
    r_mem = cm.PLS().fit(model, df, scale=(1, 10))
    rng = np.random.default_rng(seed + 100)
    n = r_mem.n_used
    F = rng.multinomial(n, np.full(n, 1 / n), size=200).astype(float)
    _, S = MomentBuilder(r_mem.data.X).moments(F)
    se_classic = flatten_params(cm.PLS().estimate(S, model), model).std(axis=0, ddof=1)
    paths = (boot.params["op"] == "~").to_numpy()
    ratio = boot.params["se"].to_numpy()[paths] / se_classic[paths]
    assert np.all((ratio > 0.65) & (ratio < 1.35)), ratio
    assert 0.85 < ratio.mean() < 1.15, ratio


def test_index_means_by_segment_weighted(client, ecsi, ecsi_model):
    res = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10))
    v = cmd.index_weights(
        res.arrays.weights[0], res.arrays.item_sd[0], ecsi_model.block_mask().astype(float)
    )
    df = ecsi.copy()
    rng = np.random.default_rng(1)
    df["segment"] = rng.choice(["north", "south"], size=len(df))
    df["w"] = rng.uniform(0.5, 2.0, size=len(df))
    df.loc[df.index[5], "CUSA1"] = np.nan
    ddf = dd.from_pandas(df, npartitions=6)
    sc = cmd.index_scores(
        ddf, ecsi_model.items, v, res.data.scale_low, res.data.scale_high, ecsi_model.constructs
    ).assign(segment=ddf["segment"], w=ddf["w"])
    got = cmd.index_means(sc, ecsi_model.constructs, by="segment", weights="w").compute()
    ref = numpy_index_scores(df, res)  # NaN for the missing answer's construct
    for seg in ("north", "south"):
        m = (df["segment"] == seg).to_numpy()
        for c in ecsi_model.constructs:
            x = ref[c].to_numpy()[m]
            w = df["w"].to_numpy()[m]
            ok = ~np.isnan(x)
            assert got.loc[seg, c] == pytest.approx(
                np.sum(x[ok] * w[ok]) / np.sum(w[ok]), abs=1e-10
            )
    overall = cmd.index_means(sc, ecsi_model.constructs).compute()
    np.testing.assert_allclose(overall.to_numpy(), ref.mean().to_numpy(), rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------- ScoringModel
def test_scoring_model_score_is_lazy_and_identical(client, ecsi, ecsi_model):
    sm = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10)).to_scoring_model()
    df = ecsi.copy()
    df.loc[df.index[7], "PERQ3"] = np.nan  # left out under listwise, as in memory
    with pytest.warns(cm.DataWarning):
        ref = sm.score(df)
    lazy = sm.score(dd.from_pandas(df, npartitions=11))
    assert isinstance(lazy, dd.DataFrame)
    got = lazy.compute()
    pd.testing.assert_frame_equal(got, ref)  # same arithmetic per row: bit-identical
    # and the index formula written out in numpy (independent of csimodel.scoring)
    res = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10))
    np.testing.assert_allclose(
        got.to_numpy(), numpy_index_scores(df.drop(df.index[7]), res).to_numpy(), atol=1e-10
    )


def test_scoring_model_indices_by_segment(client, ecsi, ecsi_model):
    sm = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10)).to_scoring_model()
    df = ecsi.copy()
    rng = np.random.default_rng(4)
    df["region"] = rng.choice(["east", "west", "north"], size=len(df))
    df["w"] = rng.uniform(0.1, 3.0, size=len(df))
    ddf = dd.from_pandas(df, npartitions=8)
    for by, w in ((None, None), ("region", None), ("region", "w")):
        ref = sm.indices(df, by=by, weights=w)
        got = sm.indices(ddf, by=by, weights=w)
        assert isinstance(got, dd.DataFrame)
        got = got.compute().sort_index()
        pd.testing.assert_index_equal(got.index, ref.index, exact=False)
        np.testing.assert_allclose(
            got[ref.columns].to_numpy(float), ref.to_numpy(float), atol=1e-10
        )


def test_scoring_model_errors_name_partition(client, ecsi, ecsi_model):
    sm = cm.PLS().fit(ecsi_model, ecsi, scale=(1, 10)).to_scoring_model()
    bad = ecsi.copy()
    bad.loc[bad.index[130], "CUSL2"] = 12  # partition 5 of 10
    with pytest.raises(cm.DataError, match=r"partition 5.*'CUSL2'"):
        sm.score(dd.from_pandas(bad, npartitions=10)).compute()
    seg = ecsi.assign(region="a", w=1.0)
    seg.loc[seg.index[3], "region"] = None
    with pytest.raises(cm.DataError, match=r"'region'.*partition 0"):
        sm.indices(dd.from_pandas(seg, npartitions=10), by="region").compute()
    seg = ecsi.assign(w=1.0)
    seg.loc[seg.index[240], "w"] = -1.0
    with pytest.raises(cm.DataError, match=r"'w'.*partition 9"):
        sm.indices(dd.from_pandas(seg, npartitions=10), weights="w").compute()


def test_plsc_inherits_the_dask_door(client, model):
    df = simulate(5, n=3000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", cm.CsimodelWarning)  # admissible: no csimodel warning
        r_mem = cm.PLSc().fit(model, df, scale=(1, 10))
        r_dd = cm.PLSc().fit(model, dd.from_pandas(df, npartitions=9), scale=(1, 10))
    compare(r_mem, r_dd)


def test_in_memory_only_estimator_names_dask_and_the_fix():
    dd = pytest.importorskip("dask.dataframe")
    import csimodel as cm

    ddf = dd.from_pandas(cm.datasets.load_ecsi_mobi(), npartitions=2)
    with pytest.raises(cm.DataError, match=r"Dask DataFrame.*\.compute\(\)"):
        cm.data.prepare(ddf, ["CUSA1", "CUSA2"])
