"""Timing of cm.assess on the ECSI model and of a PLSc fit (run by hand).

    PYTHONPATH=src python benchmarks/bench_assess.py

Reports the median of repeated runs (time.perf_counter). Targets: assess <= 20 ms,
PLSc fit <= 2 ms. Shared 2-core machine: figures are indicative.
"""

from __future__ import annotations

import statistics
import time
import warnings

import csimodel as cm


def timeit(fn, repeat: int = 50) -> float:
    fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out) * 1e3


def main() -> None:
    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    res = cm.PLS().fit(model, data, scale=(1, 10))
    t_assess = timeit(lambda: cm.assess(res))
    t_assess_summary = timeit(lambda: cm.assess(res).summary().as_text(), repeat=20)
    warnings.simplefilter("ignore", cm.InadmissibleWarning)
    t_plsc = timeit(lambda: cm.PLSc().fit(model, data, scale=(1, 10)))
    t_pls = timeit(lambda: cm.PLS().fit(model, data, scale=(1, 10)))
    sat = cm.datasets.load_satisfaction()
    m2 = cm.Model(
        "IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5\nQUAL =~ qual1 + qual2 + qual3 + qual4 + qual5\n"
        "SAT =~ sat1 + sat2 + sat3 + sat4\nSAT ~ IMAG + QUAL"
    )
    t_plsc_small = timeit(lambda: cm.PLSc(scheme="factorial").fit(m2, sat))
    print(
        f"cm.assess(res), ECSI (PLS, 250 rows, 24 items):      {t_assess:7.2f} ms  (target <= 20)"
    )
    print(f"cm.assess(res).summary().as_text(), ECSI:            {t_assess_summary:7.2f} ms")
    print(f"cm.PLSc().fit(ECSI, ecsi_mobi):                      {t_plsc:7.2f} ms  (target <= 2)")
    print(f"cm.PLS().fit(ECSI, ecsi_mobi) for comparison:         {t_pls:7.2f} ms")
    print(f"cm.PLSc(scheme='factorial').fit(3 constructs, satisfaction): {t_plsc_small:7.2f} ms")


if __name__ == "__main__":
    main()
