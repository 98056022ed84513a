"""ECSI ML fit: csimodel CBSEM (semopy fit + polish + all indices) vs semopy alone.

Run by hand::

    PYTHONPATH=src python benchmarks/bench_cbsem.py [--repeat 3]

Both sides start from a fresh ``semopy.Model`` each repeat; semopy is imported once before
timing. "semopy alone" = ``Model(desc).fit(data, obj='MLW')`` + ``calc_stats`` (its own fit
indices); csimodel = ``CBSEM().fit(model, data)`` (data door, semopy fit, polish from two
starts, SEs, standardized solution, fit indices).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import csimodel as cm
from csimodel.estimators.cbsem import to_semopy_syntax


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import semopy

    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    desc = to_semopy_syntax(model)
    t_sem, t_ours, chi_sem, chi_ours, t_polish = [], [], None, None, []
    warnings.simplefilter("ignore")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        m = semopy.Model(desc)
        m.fit(data[list(model.items)], obj="MLW")
        st = semopy.calc_stats(m)
        t_sem.append(time.perf_counter() - t0)
        chi_sem = float(st.loc["Value", "chi2"])
        t0 = time.perf_counter()
        res = cm.CBSEM().fit(model, data)
        t_ours.append(time.perf_counter() - t0)
        t_polish.append(res.convergence["polish_seconds"])
        chi_ours = float(res.fit_indices["chisq"])
    ms, mo = statistics.median(t_sem), statistics.median(t_ours)
    print(f"semopy {semopy.__version__} fit + calc_stats : median {ms:.2f} s  chisq {chi_sem:.3f}")
    print(
        f"csimodel CBSEM (all indices)      : median {mo:.2f} s  chisq {chi_ours:.3f}"
        f"  (polish part median {statistics.median(t_polish):.2f} s)"
    )
    print(f"ratio csimodel / semopy           : {mo / ms:.2f}  (lavaan 0.6.14 chisq 575.571)")


if __name__ == "__main__":
    main()
