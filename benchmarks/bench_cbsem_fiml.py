"""ECSI FIML fit (missing='fiml') on the test data with MCAR holes: csimodel vs semopy.

Run by hand::

    PYTHONPATH=src python benchmarks/bench_cbsem_fiml.py [--repeat 3]

csimodel = ``CBSEM().fit(model, data, missing='fiml')`` (data door, EM for the unrestricted
model, ML start on the EM moments, FIML polish, observed-information SEs, fit indices).
semopy = ``Model(desc).fit(data, obj='FIML')`` (its estimate only; no FIML fit indices),
shown for context (its objective is printed in semopy's own convention).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import pandas as pd

import csimodel as cm
from csimodel.estimators.cbsem import to_semopy_syntax

DATA = Path(__file__).parents[1] / "tests" / "data" / "ecsi_mobi_missing.csv"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import semopy

    data = pd.read_csv(DATA)
    model = cm.models.ecsi()
    items = list(model.items)
    warnings.simplefilter("ignore")
    t_ours, t_sem = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = cm.CBSEM().fit(model, data, missing="fiml")
        t_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        m = semopy.Model(to_semopy_syntax(model))
        r = m.fit(data[items].dropna(how="all"), obj="FIML")
        t_sem.append(time.perf_counter() - t0)
    print(f"csimodel FIML: median {statistics.median(t_ours):.2f} s  {t_ours}")
    print(f"  chisq {res.fit_indices['chisq']:.4f}, logL {res.fit_indices['loglik']:.4f}")
    print(f"semopy FIML:   median {statistics.median(t_sem):.2f} s  {t_sem}")
    print(f"  semopy objective {r.fun!r} (success={getattr(r, 'success', None)})")


if __name__ == "__main__":
    main()
