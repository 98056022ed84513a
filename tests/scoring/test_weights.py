"""The batched 0-100 index core (scoring/weights.py) against hand computations in numpy."""

from __future__ import annotations

import numpy as np
import pytest

import csimodel as cm
from csimodel.scoring.weights import (
    index_values,
    negative_index_weights,
    normalize_blocks,
    raw_index_weights,
)


def test_batched_core_equals_hand_computation(seed):
    rng = np.random.default_rng(seed)
    B, blocks = 4, [np.array([0, 1, 2]), np.array([3, 4])]
    p, J = 5, 2
    M = np.zeros((p, J))
    for j, idx in enumerate(blocks):
        M[idx, j] = 1
    W = rng.uniform(0.1, 1.0, (B, p, 1)) * M
    sd = rng.uniform(0.5, 2.0, (B, p))
    lo, hi = np.zeros(p), np.array([10.0, 10, 10, 5, 7])
    means = rng.uniform(1, 4, (B, p))
    wn = normalize_blocks(raw_index_weights(W, sd, True))
    want = np.empty((B, J))
    for b in range(B):
        for j, idx in enumerate(blocks):
            w = W[b, idx, j] / sd[b, idx]
            w = w / w.sum()
            np.testing.assert_allclose(wn[b, idx, j], w, atol=1e-14)
            want[b, j] = 100 * (w @ means[b, idx] - w @ lo[idx]) / (w @ (hi[idx] - lo[idx]))
    np.testing.assert_allclose(index_values(wn, means, lo, hi), want, atol=1e-12)
    # segments axis
    seg = np.stack([means, means + 1], axis=1)
    np.testing.assert_allclose(index_values(wn, seg, lo, hi)[:, 0], want, atol=1e-12)
    # unstandardized fits: weights used as they are
    np.testing.assert_array_equal(raw_index_weights(W, sd, False), W)


def test_negative_and_dead_blocks():
    W = np.array([[[1.0, 0], [-0.5, 0], [0, 1.0], [0, -1.0]]])
    neg = negative_index_weights(W)
    np.testing.assert_array_equal(neg, [[False, True, False, True]])
    wn = normalize_blocks(W, zero_negative=True)
    np.testing.assert_allclose(wn[0, :2, 0], [1.0, 0.0])
    np.testing.assert_allclose(wn[0, 2:, 1], [1.0, 0.0])
    assert np.isnan(normalize_blocks(W)[0, :, 1]).all()  # weights summing to zero
    assert np.isnan(normalize_blocks(-np.abs(W), zero_negative=True)).all()  # none positive


def test_single_fit_weights_match_the_batched_core():
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    w = cm.scoring.index_weights(res)
    wn = normalize_blocks(raw_index_weights(res.arrays.weights, res.arrays.item_sd, True))[0]
    mask = res.model.block_mask().astype(bool)
    np.testing.assert_allclose(w.to_numpy(), wn[mask.nonzero()[0], mask.nonzero()[1]], atol=1e-15)
    assert pytest.approx(1.0) == float(w["Loyalty"].sum())
