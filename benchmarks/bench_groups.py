"""Benchmark: permutation multi-group analysis of the ECSI model (two groups).

Run by hand (not part of the test suite)::

    PYTHONPATH=src python benchmarks/bench_groups.py [--n-perm 5000] [--repeat 3]

The bundled ECSI data (250 respondents) is split into two random halves (a ``group``
column); ``cm.compare_groups`` runs ``n_perm`` permutations with no bootstrap, so the
figure is the cost of ``2 * n_perm`` PLS estimations through the batched moment engine.
A second line times the within-group bootstrap (PLS-MGA) with ``n_boot`` resamples each.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import csimodel as cm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-perm", type=int, default=5000)
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = cm.datasets.load_ecsi_mobi()
    data["group"] = np.random.default_rng(0).permutation(np.arange(len(data)) % 2)
    model = cm.models.ecsi()
    kw = dict(by="group", scale=(1, 10), progress=False, random_state=0)
    cm.compare_groups(model, data, n_perm=50, n_boot=0, **kw)  # warm-up
    for label, extra in (
        (f"{args.n_perm} permutations", dict(n_perm=args.n_perm, n_boot=0)),
        (f"{args.n_boot} bootstrap resamples per group", dict(n_perm=0, n_boot=args.n_boot)),
    ):
        ts, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            cm.compare_groups(model, data, **extra, **kw)
            ts.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(
            f"ECSI, 2 groups (125 + 125), {label}: wall median {np.median(ts):.2f} s "
            f"(min {min(ts):.2f} s), CPU median {np.median(cpu):.2f} s; {args.repeat} runs, "
            f"{os.cpu_count()} cores shared with other jobs, load average "
            f"{os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
