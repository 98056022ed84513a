import numpy as np

from csimodel.moments import MomentBuilder, covariance


def test_covariance_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(5, 2, size=(300, 6))
    m, S = covariance(X)
    np.testing.assert_allclose(m, X.mean(0), rtol=1e-13)
    np.testing.assert_allclose(S, np.cov(X, rowvar=False), rtol=1e-12)


def test_weighted_covariance_is_frequency_weighting(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(50, 4))
    w = rng.integers(0, 4, size=50).astype(float)
    Xd = np.repeat(X, w.astype(int), axis=0)
    m, S = covariance(X, w)
    np.testing.assert_allclose(m, Xd.mean(0), rtol=1e-12)
    np.testing.assert_allclose(S, np.cov(Xd, rowvar=False), rtol=1e-11)


def test_batched_moments_equal_single(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(3, 1, size=(80, 5))
    F = rng.multinomial(80, np.full(80, 1 / 80), size=7).astype(float)
    means, covs = MomentBuilder(X).moments(F)
    for b in range(7):
        m, S = covariance(X, F[b])
        np.testing.assert_allclose(means[b], m, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(covs[b], S, rtol=1e-11, atol=1e-13)


def test_batched_moments_row_chunked_path_equals_cached(monkeypatch, seed):
    import csimodel.moments as mom

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(100, 3))
    F = rng.integers(0, 3, size=(4, 100)).astype(float)
    a = MomentBuilder(X).moments(F)
    monkeypatch.setattr(mom, "_ROW_CHUNK", 17)
    mb = MomentBuilder(X)
    mb._cached = None
    b = mb.moments(F)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12, atol=1e-14)


def test_cross_product_block_equals_naive_products():
    """The block is written column group by column group; values must be bitwise those of
    the naive xc[:, iu] * xc[:, ju]."""
    X = np.random.default_rng(5).normal(size=(300, 7)) + 50
    mb = MomentBuilder(X)
    xc = X - mb.center
    naive = np.concatenate([xc, xc[:, mb.iu] * xc[:, mb.ju]], axis=1)
    np.testing.assert_array_equal(mb._block(0, 300), naive)
    np.testing.assert_array_equal(mb._block(100, 180), naive[100:180])
