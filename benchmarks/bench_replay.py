"""Cost of reusing a bootstrap's resamples in indices / ipma / assess (run by hand).

    PYTHONPATH=src python benchmarks/bench_replay.py [--n-boot 1000]

Prints wall times: cm.bootstrap, replaying its counts alone, and indices / ipma / assess
with boot=<the bootstrap>. ECSI (250 respondents, 24 items, 7 constructs).
"""

from __future__ import annotations

import argparse
import time

import csimodel as cm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-boot", type=int, default=1000)
    n_boot = ap.parse_args().n_boot
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))

    def timed(label, f):
        t = time.perf_counter()
        f()
        print(f"{label:<28} {time.perf_counter() - t:7.2f} s")

    boot = None

    def run_boot():
        nonlocal boot
        boot = cm.bootstrap(res, n_boot=n_boot, random_state=0, progress=False)

    timed(f"bootstrap (n_boot={n_boot})", run_boot)
    timed("replay counts only", lambda: sum(len(F) for F in boot.iter_counts()))
    timed("indices(boot=boot)", lambda: cm.indices(res, boot=boot))
    timed("ipma(boot=boot)", lambda: cm.ipma(res, target="Loyalty", boot=boot))
    timed("assess(boot=boot)", lambda: cm.assess(res, boot=boot))


if __name__ == "__main__":
    main()
