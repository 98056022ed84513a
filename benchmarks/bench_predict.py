"""Predictive assessment timings: cm.predict_pls and cm.cvpat, with seminr-py side by side.

    cd <repo> && PYTHONPATH=src /work/venv/bin/python benchmarks/bench_predict.py

Model: simple corporate reputation (Hair et al. 2017) on the complete cases of corp_rep
(n = 336), mode A, path weighting.
  1. cm.predict_pls(res, folds=10, repeats=10): 100 training fits (one batched engine call),
     median and min of 30 runs after a warm-up.
  2. cm.cvpat(res, res_alt, folds=10, repeats=10): two models (the alternative drops
     COMP -> CUSL), median and min of 20 runs.
  3. seminr-py's predict_pls in the peer venv (benchmarks/peer_seminr_predict.py), run in a
     child process right after: 10 folds x 1 and 10 x 10 (10 orderings).
The machine has 2 cores shared with other jobs: compare the medians and mins of one run.
On a loaded machine threaded OpenBLAS spins against other processes on these small
products, so predict_pls / cvpat run their batched work with one BLAS thread when the
moments product is small (threadpoolctl); ``OPENBLAS_NUM_THREADS=1`` also limits the
seminr child.

Figures of 2026-12-01 00:23 UTC (2 shared cores, load average ~4-5), medians:
  default threads:          predict_pls 10 x 10  9.9 ms;  cvpat 10 x 10 two models 33 ms;
                            seminr-py 0.2.1 predict_pls 10 x 1 73 ms, 10 x 10 0.74 s (75x)
  OPENBLAS_NUM_THREADS=1:   predict_pls  9.6 ms (min 4.9 ms); cvpat 32 ms;
                            seminr-py 10 x 1 46 ms, 10 x 10 0.47 s (49x)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
import warnings
from pathlib import Path

import csimodel as cm

HERE = Path(__file__).resolve().parent
PEER = Path("/work/peers/venv/bin/python")
MODEL = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""


def timeit(f, runs):
    f()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)


def main() -> None:
    warnings.simplefilter("ignore")
    d = cm.datasets.load_corp_rep()
    d = d[(d[["cusa", "cusl_1", "cusl_2", "cusl_3"]] != -99).all(axis=1)].reset_index(drop=True)
    res = cm.PLS().fit(MODEL, d)
    alt = cm.PLS().fit(MODEL.replace("CUSL ~ COMP + LIKE", "CUSL ~ LIKE"), d)
    out = {"n": res.n_used}
    med, mn = timeit(lambda: cm.predict_pls(res, folds=10, repeats=10, random_state=0), 30)
    out["csimodel_predict_pls_10x10_median_s"], out["csimodel_predict_pls_10x10_min_s"] = med, mn
    med, mn = timeit(lambda: cm.cvpat(res, alt, folds=10, repeats=10, random_state=0), 20)
    out["csimodel_cvpat_10x10_two_models_median_s"] = med
    out["csimodel_cvpat_10x10_two_models_min_s"] = mn
    if PEER.exists():
        r = subprocess.run(
            [str(PEER), str(HERE / "peer_seminr_predict.py")], capture_output=True, text=True
        )
        if r.returncode == 0:
            peer = json.loads(r.stdout.strip().splitlines()[-1])
            out["seminr"] = peer
            out["speedup_10x10_median"] = (
                peer["folds_10_x10_median_s"] / out["csimodel_predict_pls_10x10_median_s"]
            )
            out["speedup_10x1_seminr_vs_10x10_csimodel_median"] = (
                peer["folds_10_x1_median_s"] / out["csimodel_predict_pls_10x10_median_s"]
            )
        else:
            out["seminr"] = f"could not run: {r.stderr.strip()[-300:]}"
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
