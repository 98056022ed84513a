"""Timing of cm.assess on the ECSI model and of a PLSc fit (run by hand).

    PYTHONPATH=src python benchmarks/bench_assess.py

Prints 'median / min' wall time in ms over repeated runs (time.perf_counter); the minimum
is the figure least disturbed by other load. Targets: assess <= 20 ms, PLSc fit <= 2 ms.
The machine has 2 cores shared with other jobs: figures are indicative.
"""

from __future__ import annotations

import statistics
import time
import warnings

import csimodel as cm


def timeit(fn, repeat: int = 100) -> str:
    fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return f"{statistics.median(out) * 1e3:6.2f} / {min(out) * 1e3:6.2f}"


def main() -> None:
    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    res = cm.PLS().fit(model, data, scale=(1, 10))
    S = res.cov[None]
    sat = cm.datasets.load_satisfaction()
    m2 = cm.Model(
        "IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5\n"
        "QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5\n"
        "SAT =~ sat1 + sat2 + sat3 + sat4\nSAT ~ IMAG + QUAL"
    )
    warnings.simplefilter("ignore", cm.InadmissibleWarning)
    rows = [
        ("cm.assess(res), ECSI (PLS, 250 rows, 24 items)", lambda: cm.assess(res), "<= 20"),
        ("cm.assess(res).summary().as_text()", lambda: cm.assess(res).summary().as_text(), ""),
        ("cm.PLSc().fit(ECSI, ecsi_mobi)", lambda: cm.PLSc().fit(model, data), "<= 2"),
        ("cm.PLS().fit(ECSI, ecsi_mobi), for comparison", lambda: cm.PLS().fit(model, data), ""),
        ("cm.PLSc().estimate(S, ECSI), moments only", lambda: cm.PLSc().estimate(S, model), ""),
        ("cm.PLS().estimate(S, ECSI), moments only", lambda: cm.PLS().estimate(S, model), ""),
        (
            "cm.PLSc(scheme='factorial').fit(3 constructs)",
            lambda: cm.PLSc(scheme="factorial").fit(m2, sat),
            "",
        ),
    ]
    print(f"{'':50s} median / min (ms)")
    for label, fn, target in rows:
        print(f"{label:50s} {timeit(fn)}  {('target ' + target) if target else ''}")


if __name__ == "__main__":
    main()
