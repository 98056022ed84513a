"""Benchmark: FIMIX-PLS for k = 1..5 with 10 random starts each on 600 respondents.

Run by hand (not part of the test suite)::

    PYTHONPATH=src python benchmarks/bench_fimix.py [--repeat 5]

Two data sets of the satisfaction model (6 constructs, 10 paths, 5 endogenous):

* ``bundled``: the 250 respondents of ``cm.datasets.load_satisfaction()`` resampled with
  replacement to 600 (seed 0) — real answers, no planted segments (for timing only: the
  duplicated rows form tight clusters, so the criteria favour many segments here);
* ``simulated``: 600 respondents from a planted two-segment population (400 + 200,
  ``tests/fimix_sim.py``).

The PLS fit is done once; the figure is ``cm.fimix(res, k=range(1, 6), starts=10)``.
"Per EM iteration per start" divides the wall time by the iterations summed over all starts
and all k (the starts of one k run as one batch, so this is the batch cost per start).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

import csimodel as cm

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from fimix_sim import simulate  # noqa: E402
from refdata import satisfaction_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    model = satisfaction_model()
    bundled = cm.datasets.load_satisfaction()
    rows = np.random.default_rng(0).integers(0, len(bundled), 600)
    sets = {
        "bundled (resampled to 600)": bundled.iloc[rows].reset_index(drop=True),
        "simulated 2 segments (400 + 200)": simulate((400, 200), seed=1),
    }
    for name, data in sets.items():
        res = cm.PLS().fit(model, data)
        cm.fimix(res, k=2, starts=2, random_state=0)  # warm-up
        ts, cpu, per_iter = [], [], []
        for r in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            sel = cm.fimix(res, k=range(1, 6), starts=10, random_state=r)
            ts.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            iters = sum(int(fx.starts["n_iter"].sum()) for fx in sel.results.values() if fx)
            per_iter.append(ts[-1] / iters * 1e6)
        per = np.median(per_iter)
        choice = sel.choices()
        print(
            f"{name}: k=1..5, 10 starts: wall median {np.median(ts):.2f} s "
            f"(min {min(ts):.2f} s), CPU median {np.median(cpu):.2f} s; "
            f"{iters} EM iterations over all starts and k (last run); median {per:.0f} us per "
            f"iteration per start; AIC3 -> k={choice['aic3']}, CAIC -> k={choice['caic']}; "
            f"{args.repeat} runs, {os.cpu_count()} cores shared, load {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
