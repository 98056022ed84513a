"""Benchmark: IPMA on ECSI (n=250) and 1,000,000 respondents, with bootstrap counts.

Run by hand (not part of the test suite)::

    PYTHONPATH=src python benchmarks/bench_ipma.py

Timings are medians; the IPMA call excludes the PLS fit (timed separately for scale).
The 1M data set repeats the ECSI rows 4000 times (answers stay on the 1..10 scale).
"""

from __future__ import annotations

import time

import numpy as np

import csimodel as cm


def median_time(fn, repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def main() -> None:
    model = cm.models.ecsi()
    d = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(model, d, scale=(1, 10))
    n = res.n_used
    print(f"ipma construct, n={n}: {median_time(lambda: cm.ipma(res, 'Loyalty'), 50) * 1e3:.2f} ms")
    print(
        f"ipma indicator, n={n}: "
        f"{median_time(lambda: cm.ipma(res, 'Loyalty', level='indicator'), 50) * 1e3:.2f} ms"
    )
    F = np.random.default_rng(0).multinomial(n, np.ones(n) / n, size=1000)
    t = median_time(lambda: cm.ipma(res, "Loyalty", boot=F), 3)
    print(f"ipma + 1000 bootstrap resamples (refit included), n={n}: {t:.2f} s")

    big = d.loc[d.index.repeat(4000)].reset_index(drop=True)
    big["region"] = np.random.default_rng(1).choice(list("ABCDE"), len(big))
    t0 = time.perf_counter()
    rb = cm.PLS().fit(model, big, scale=(1, 10))
    print(f"PLS fit, n={rb.n_used}: {time.perf_counter() - t0:.2f} s (for scale)")
    print(f"ipma, n={rb.n_used}: {median_time(lambda: cm.ipma(rb, 'Loyalty'), 3):.2f} s")
    t = median_time(lambda: cm.ipma(rb, "Loyalty", by="region"), 3)
    print(f"ipma by 5 regions, n={rb.n_used}: {t:.2f} s")


if __name__ == "__main__":
    main()
