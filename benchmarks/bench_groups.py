"""Benchmark: permutation multi-group analysis of the ECSI model (two groups).

Run by hand (not part of the test suite)::

    PYTHONPATH=src python benchmarks/bench_groups.py [--n-perm 5000] [--repeat 3] [--moderated]

The bundled ECSI data (250 respondents) is split into two random halves (a ``group``
column); ``cm.compare_groups`` runs ``n_perm`` permutations with no bootstrap, so the
figure is the cost of ``2 * n_perm`` PLS estimations through the batched moment engine.
A second line times the within-group bootstrap (PLS-MGA) with ``n_boot`` resamples each.
``--moderated`` times the corporate reputation model with switching cost moderating
CUSA -> CUSL (two-stage interaction, stage 1 re-run in every pattern) by ``servicetype``
(124 + 212 complete rows), and the same model without the interaction term.
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
    ap.add_argument("--moderated", action="store_true")
    args = ap.parse_args()
    if args.moderated:
        for with_term in (True, False):
            _moderated(args, with_term)
        return
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


MODERATED = """
QUAL =~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
SC =~ switch_1 + switch_2 + switch_3 + switch_4
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL
LIKE ~ QUAL
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC
"""


def _moderated(args, with_term: bool) -> None:
    data = cm.datasets.load_corp_rep()
    data = data[~(data == -99).any(axis=1)]
    model = MODERATED if with_term else MODERATED.replace(" + CUSA:SC", "")
    kw = dict(by="servicetype", progress=False, random_state=0)
    cm.compare_groups(model, data, n_perm=50, n_boot=0, **kw)  # warm-up
    label = "with CUSA:SC (two-stage)" if with_term else "without the interaction"
    for what, extra in (
        (f"{args.n_perm} permutations", dict(n_perm=args.n_perm, n_boot=0)),
        (f"{args.n_boot} bootstrap resamples per group", dict(n_perm=0, n_boot=args.n_boot)),
    ):
        ts = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            cm.compare_groups(model, data, **extra, **kw)
            ts.append(time.perf_counter() - t)
        print(
            f"corp_rep {label}, servicetype, {what}: wall median {np.median(ts):.2f} s "
            f"(min {min(ts):.2f} s); load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
