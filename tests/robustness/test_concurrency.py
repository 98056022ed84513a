"""Concurrency: 8 threads fitting and reading results give exactly the sequential results.

(The scoring-model part of the issue -- one loaded ``ScoringModel`` scoring from 8 threads --
waits for ``load_model``; see ``test_modelfile_fuzz.py``.)
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from robustgen import random_case

import csimodel as cm

N_THREADS = 8


def tables(res) -> dict[str, np.ndarray]:
    return {
        "params": res.params["estimate"].to_numpy(),
        "paths": res.path_coefficients.to_numpy(),
        "weights": res.outer_weights.to_numpy(),
        "loadings": res.loadings.to_numpy(),
        "cross": res.cross_loadings.to_numpy(),
        "r2": res.r_squared.to_numpy(),
        "effects": res.effects[["direct", "indirect", "total"]].to_numpy(),
        "scores": res.scores.to_numpy(),
        "summary": np.array([res.summary().as_text()]),
    }


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def jobs():
    out = []
    for seed in range(6):
        case = random_case(seed, scheme=["centroid", "factorial", "path"][seed % 3])
        out.append((case.syntax, case.data, case.scheme))
    out.append((cm.models.ecsi().syntax, cm.datasets.load_ecsi_mobi(), "path"))
    return out


def run(job):
    syntax, data, scheme = job
    return tables(cm.PLS(scheme=scheme).fit(cm.Model(syntax), data))


def test_threads_fitting_at_once_equal_sequential():
    work = jobs() * 4
    sequential = [run(j) for j in work]
    gate = threading.Event()  # release all threads at once

    def start(job):
        gate.wait(timeout=10)
        return run(job)

    with ThreadPoolExecutor(N_THREADS) as pool:
        futures = [pool.submit(start, j) for j in work]
        gate.set()
        parallel = [f.result() for f in futures]
    for s, p in zip(sequential, parallel, strict=True):
        assert_same(s, p)


def test_threads_reading_one_result_at_once():
    data = cm.datasets.load_ecsi_mobi()
    expected = tables(cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10)))
    shared = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))  # caches still empty
    barrier = threading.Barrier(N_THREADS)

    def read(_):
        barrier.wait(timeout=10)
        return tables(shared)

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(read, range(N_THREADS)))
    for r in results:
        assert_same(r, expected)


def test_threads_sharing_one_model_and_estimator():
    model = cm.models.ecsi()
    est = cm.PLS(scheme="factorial")
    data = cm.datasets.load_ecsi_mobi()
    rng = np.random.default_rng(0)
    samples = [data.iloc[rng.integers(0, len(data), len(data))] for _ in range(16)]
    sequential = [est.fit(model, s).params["estimate"].to_numpy() for s in samples]
    with ThreadPoolExecutor(N_THREADS) as pool:
        parallel = list(
            pool.map(lambda s: est.fit(model, s).params["estimate"].to_numpy(), samples)
        )
    for a, b in zip(sequential, parallel, strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.get_params() == cm.PLS(scheme="factorial").get_params()  # never mutated
    assert isinstance(samples[0], pd.DataFrame)
