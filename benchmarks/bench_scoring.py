"""Benchmark: ScoringModel.score on 1,000,000 respondents x 24 items, and load_model.

Run by hand:  PYTHONPATH=src python benchmarks/bench_scoring.py
Targets: sm.score <= 0.2 s; load_model <= 10 ms. Reports the best of several repeats and
the split between the data door (prepare) and the scoring arithmetic.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

import csimodel as cm
from csimodel.data import prepare
from csimodel.scoring.indices import score_array


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), float(np.median(times))


def main() -> None:
    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    sm = res.to_scoring_model()
    items = list(sm.items)
    rng = np.random.default_rng(0)
    n = 1_000_000
    big = pd.DataFrame(rng.integers(1, 11, size=(n, len(items))).astype(float), columns=items)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b, m = best(lambda: sm.score(big))
        print(f"sm.score, {n:,} x {len(items)}: best {b:.3f} s, median {m:.3f} s (target 0.2 s)")
        b, m = best(
            lambda: prepare(big, items, scale=(1.0, 10.0), min_rows=1, require_variation=False)
        )
        print(f"  of which prepare (data door): best {b:.3f} s, median {m:.3f} s")
        p = prepare(big, items, scale=(1.0, 10.0), min_rows=1, require_variation=False)
        blocks = list(sm._blocks_pos)
        b, m = best(lambda: score_array(p.X, sm._a, sm._c, blocks))
        print(f"  of which scoring arithmetic: best {b:.3f} s, median {m:.3f} s")
        seg = big.assign(seg=rng.integers(0, 50, n))
        b, m = best(lambda: sm.indices(seg, by="seg"), 3)
        print(f"sm.indices by 50 segments: best {b:.3f} s, median {m:.3f} s")

    path = os.path.join(tempfile.mkdtemp(), "model.json")
    sm.save(path)
    cm.load_model(path)
    b, m = best(lambda: cm.load_model(path), 50)
    print(
        f"load_model ({os.path.getsize(path)} bytes): best {b * 1e3:.2f} ms, "
        f"median {m * 1e3:.2f} ms (target 10 ms)"
    )
    print(f"machine: {os.cpu_count()} cores (shared with other jobs)")


if __name__ == "__main__":
    main()
