"""Speed of the survey programme (run by hand: python benchmarks/bench_survey.py).

1. cm.power on the ECSI model: 1,000 simulated samples at n = 100, 200, 400 (target <= 3 s),
   against looping cm.PLS().fit over 1,000 x 3 raw samples of the same population (the loop
   is timed on pre-simulated data, so its simulation time is not even counted; target >= 20x).
2. cm.track: 10 units x 4 waves x 250 respondents, 999 resamples per cell (target <= 5 s).
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

import csimodel as cm
from csimodel.survey.planning import simulate_samples


def bench_power(repeat: int = 3) -> None:
    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    res = cm.PLS().fit(model, data, scale=(1, 10))
    ns = [100, 200, 400]
    cm.power(res, n=ns, n_sim=50, random_state=0)  # warm-up
    best = np.inf
    for r in range(repeat):
        t0 = time.perf_counter()
        pw = cm.power(res, n=ns, n_sim=1000, random_state=r)
        best = min(best, time.perf_counter() - t0)
    print(f"cm.power ECSI, 1000 samples x n={ns}: {best:.2f} s (best of {repeat})")
    Sigma = pw.population_cov.to_numpy()
    items = list(model.items)
    t0 = time.perf_counter()
    loop_power = {}
    for k, n in enumerate(ns):
        X = simulate_samples(Sigma, n, 1000, random_state=100 + k)
        est = np.empty((1000, len(model.paths)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for s in range(1000):
                pc = cm.PLS().fit(model, pd.DataFrame(X[s], columns=items)).path_coefficients
                est[s] = [pc.loc[a, b] for a, b in model.paths]
        se = est.std(axis=0, ddof=1)
        loop_power[n] = (np.abs(est / se) > 1.959964).mean(axis=0)
    loop = time.perf_counter() - t0
    print(f"loop of cm.PLS().fit over 3 x 1000 samples: {loop:.1f} s -> {loop / best:.0f}x")
    batched = pw.table.pivot_table(index=["lhs", "rhs"], columns="n", values="power", sort=False)
    diff = max(float(np.max(np.abs(batched[n].to_numpy() - loop_power[n]))) for n in ns)
    print(f"largest power difference batched vs loop (different draws): {diff:.3f}")


def bench_track(repeat: int = 3) -> None:
    data = cm.datasets.load_ecsi_mobi()
    rng = np.random.default_rng(0)
    big = data.iloc[rng.integers(0, len(data), 10_000)].reset_index(drop=True)
    big["company"] = np.repeat([f"c{k}" for k in range(10)], 1000)
    big["wave"] = np.tile(np.repeat([1, 2, 3, 4], 250), 10)
    model = cm.models.ecsi()
    best = np.inf
    for r in range(repeat):
        t0 = time.perf_counter()
        cm.track(model, big, unit="company", wave="wave", scale=(1, 10), n_boot=999, random_state=r)
        best = min(best, time.perf_counter() - t0)
    print(f"cm.track 10 units x 4 waves x 250, 999 resamples: {best:.2f} s (best of {repeat})")


if __name__ == "__main__":
    bench_track()
    bench_power()
