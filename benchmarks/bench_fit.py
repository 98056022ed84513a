"""Benchmark: one PLS fit (ECSI), the engine alone, 200k and 1M respondents, import time.

Run by hand (not part of the test suite)::

    python benchmarks/bench_fit.py [--peer-python /work/peers/venv/bin/python]

With ``--peer-python`` the same workloads are timed with seminr's ``estimate_pls`` (installed
only in that separate environment) in the same run, on the same data.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
import time

import numpy as np

import csimodel as cm


def median_time(fn, repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def synthetic(n: int, seed: int = 0):
    import pandas as pd

    d = cm.datasets.load_ecsi_mobi()
    R = np.corrcoef(d.to_numpy(float), rowvar=False)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, R.shape[0])) @ np.linalg.cholesky(R).T
    X = np.clip(np.round(X * 1.8 + 7.5), 1, 10)
    return pd.DataFrame(X, columns=d.columns)


PEER_CODE = textwrap.dedent(
    """
    import json, sys, time, resource
    import numpy as np, pandas as pd, seminr
    n = int(sys.argv[1]); path = sys.argv[2]; repeat = int(sys.argv[3])
    d = pd.read_csv(path) if path.endswith('.csv') else pd.read_parquet(path)
    blocks = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
              "Quality": [f"PERQ{i}" for i in range(1, 8)], "Value": ["PERV1", "PERV2"],
              "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"], "Complaints": ["CUSCO"],
              "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
    paths = [("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"),
             ("Quality", "Value"), ("Image", "Satisfaction"), ("Expectation", "Satisfaction"),
             ("Quality", "Satisfaction"), ("Value", "Satisfaction"), ("Satisfaction", "Complaints"),
             ("Image", "Loyalty"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]
    mm = seminr.constructs(*[seminr.composite(k, v, weights=seminr.mode_A) for k, v in blocks.items()])
    sm = seminr.relationships(*[seminr.paths(from_=a, to=b) for a, b in paths])
    f = lambda: seminr.estimate_pls(d, mm, sm, inner_weights=seminr.path_weighting)
    f()
    ts = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    print(json.dumps({"median_s": float(np.median(ts)),
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "seminr": seminr.__version__ if hasattr(seminr, "__version__") else "?"}))
    """
)


def peer(peer_python: str | None, n: int, path: str, repeat: int):
    if not peer_python:
        return None
    out = subprocess.run(
        [peer_python, "-c", PEER_CODE, str(n), path, str(repeat)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


MEM_CODE = textwrap.dedent(
    """
    import resource, sys, time, numpy as np, pandas as pd
    sys.path.insert(0, sys.argv[2])
    import csimodel as cm
    d = pd.read_parquet(sys.argv[1])
    data_mb = d.memory_usage(index=False).sum() / 2**20
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model = cm.models.ecsi()
    t = time.perf_counter(); cm.PLS().fit(model, d, scale=(1, 10)); el = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter(); cm.PLS().fit(model, d, scale=(1, 10)); el2 = time.perf_counter() - t
    print(el, min(el, el2), data_mb, peak - base)
    """
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer-python", default=None, help="python of a venv with seminr")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    import os
    import tempfile

    out = {}
    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    est = cm.PLS()
    out["fit_ecsi_ms"] = 1e3 * median_time(lambda: est.fit(model, data, scale=(1, 10)), 300)
    res = est.fit(model, data, scale=(1, 10))
    S = res.cov[None]
    out["engine_ecsi_ms"] = 1e3 * median_time(lambda: est.estimate(S, model), 300)
    tmp = tempfile.mkdtemp()
    p250 = os.path.join(tmp, "ecsi.csv")
    data.to_csv(p250, index=False)
    out["seminr_ecsi"] = peer(args.peer_python, 250, p250, 50)

    big = synthetic(200_000)
    p200 = os.path.join(tmp, "n200k.parquet")
    big.to_parquet(p200)
    out["fit_200k_s"] = median_time(lambda: est.fit(model, big, scale=(1, 10)), 5, 1)
    out["seminr_200k"] = peer(args.peer_python, 200_000, p200, 3)

    if not args.skip_large:
        p1m = os.path.join(tmp, "n1m.parquet")
        synthetic(1_000_000, 1).to_parquet(p1m)
        src = os.path.dirname(os.path.dirname(cm.__file__))
        r = subprocess.run(
            [sys.executable, "-c", MEM_CODE, p1m, src], capture_output=True, text=True
        )
        first, best, data_mb, extra = map(float, r.stdout.split())
        out["fit_1m_s"] = best
        out["fit_1m_first_s"] = first
        out["data_1m_mb"] = data_mb
        out["extra_peak_1m_mb"] = extra
        out["extra_peak_ratio"] = extra / data_mb
        out["seminr_1m"] = peer(args.peer_python, 1_000_000, p1m, 1)

    code = "import time; t=time.perf_counter(); import csimodel; print(time.perf_counter()-t)"
    ts = [float(subprocess.check_output([sys.executable, "-c", code])) for _ in range(5)]
    out["import_ms"] = 1e3 * float(np.median(ts))
    for k, v in out.items():
        print(f"{k:22s} {v}")
    sem = out.get("seminr_ecsi") or {}
    if "median_s" in sem:
        print(f"speed-up vs seminr (n=250): {sem['median_s'] * 1e3 / out['fit_ecsi_ms']:.1f}x")
    sem = out.get("seminr_200k") or {}
    if "median_s" in sem:
        print(f"speed-up vs seminr (n=200k): {sem['median_s'] / out['fit_200k_s']:.1f}x")


if __name__ == "__main__":
    main()
