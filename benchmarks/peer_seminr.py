"""Timing of the Python port of seminr (PyPI ``seminr``) as a peer baseline for csimodel.

    /work/peers/venv/bin/python bench_seminr.py [out.json]

Measures, on the ECSI model (7 constructs, mode A, path weighting scheme, seminr's
default convergence: max_it=300, stop_criterion=7):
  1. estimate_pls on ecsi_mobi (n=250): median of 60 runs (after 3 warm-ups)
  2. estimate_pls on 200,000 synthetic respondents: median of 5 runs
  3. estimate_pls on 1,000,000 x 24 synthetic: one run in a fresh child process,
     wall time plus peak RSS (resource.getrusage) and tracemalloc peak (second run)
  4. bootstrap_model(nboot=100, seed=1) on ecsi_mobi, sequential: time per resample
Synthetic respondents are drawn from N(0, R), R = the 24x24 sample correlation
matrix of ecsi_mobi (continuous, not rounded), seed 20240601.
Writes a JSON summary next to this script (bench_seminr.json) unless a path is given.
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import seminr

HERE = Path(__file__).resolve().parent
DATA = Path("/work/shared/data/ecsi_mobi.csv")

BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
PATHS = [
    ("Image", "Expectation"),
    ("Image", "Satisfaction"),
    ("Image", "Loyalty"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Value"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
]
MM = seminr.constructs(
    *[seminr.composite(c, items, weights=seminr.mode_A) for c, items in BLOCKS.items()]
)
SM = seminr.relationships(*[seminr.paths(a, b) for a, b in PATHS])
SEED = 20240601


def fit(data: pd.DataFrame):
    return seminr.estimate_pls(data, MM, SM, inner_weights=seminr.path_weighting)


def synthetic(n: int) -> pd.DataFrame:
    ecsi = pd.read_csv(DATA).astype(float)
    r = np.corrcoef(ecsi.to_numpy(), rowvar=False)
    chol = np.linalg.cholesky(r)
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((n, r.shape[0])) @ chol.T
    return pd.DataFrame(x, columns=ecsi.columns)


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def child_one_million() -> None:
    """Run in a fresh process so peak RSS belongs to this case alone."""
    data = synthetic(1_000_000)
    rss_data = maxrss_mib()
    t0 = time.perf_counter()
    model = fit(data)
    wall = time.perf_counter() - t0
    rss_peak = maxrss_mib()
    iterations = int(model.iterations)
    del model
    tracemalloc.start()
    fit(data)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "n": 1_000_000,
                "p": data.shape[1],
                "seconds": wall,
                "iterations": iterations,
                "input_frame_MiB": data.memory_usage(index=False).sum() / 2**20,
                "maxrss_after_data_MiB": rss_data,
                "maxrss_peak_MiB": rss_peak,
                "maxrss_increase_during_fit_MiB": rss_peak - rss_data,
                "tracemalloc_peak_during_fit_MiB": traced_peak / 2**20,
            }
        )
    )


def main() -> None:
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "bench_seminr.json"
    ecsi = pd.read_csv(DATA).astype(float)
    results: dict = {
        "package": "seminr",
        "version": version("seminr"),
        "numpy": version("numpy"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} logical CPUs",
        "call": "seminr.estimate_pls(data, mm, sm, inner_weights=seminr.path_weighting)"
        "  # defaults max_it=300, stop_criterion=7",
    }

    # 1. ECSI, n=250
    for _ in range(3):
        fit(ecsi)
    times = []
    for _ in range(60):
        t0 = time.perf_counter()
        m = fit(ecsi)
        times.append(time.perf_counter() - t0)
    results["ecsi_n250"] = {
        "runs": len(times),
        "median_ms": statistics.median(times) * 1e3,
        "min_ms": min(times) * 1e3,
        "iterations": m.iterations,
    }
    print(
        "ECSI n=250: median %.2f ms (min %.2f ms) over %d runs"
        % (results["ecsi_n250"]["median_ms"], results["ecsi_n250"]["min_ms"], len(times))
    )

    # 2. 200,000 synthetic respondents
    big = synthetic(200_000)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        m = fit(big)
        times.append(time.perf_counter() - t0)
    results["synthetic_n200000"] = {
        "runs": len(times),
        "median_s": statistics.median(times),
        "min_s": min(times),
        "iterations": m.iterations,
    }
    print(
        "n=200,000: median %.3f s (min %.3f s) over %d runs, %d iterations"
        % (statistics.median(times), min(times), len(times), m.iterations)
    )
    del big, m

    # 3. 1,000,000 x 24 in a child process
    proc = subprocess.run(
        [sys.executable, __file__, "--child-1m"], capture_output=True, text=True, check=True
    )
    one_m = json.loads(proc.stdout.strip().splitlines()[-1])
    results["synthetic_n1000000"] = one_m
    print(
        "n=1,000,000 x 24: %.3f s; peak RSS %.0f MiB (data alone %.0f MiB, +%.0f MiB in fit); "
        "tracemalloc peak in fit %.0f MiB"
        % (
            one_m["seconds"],
            one_m["maxrss_peak_MiB"],
            one_m["maxrss_after_data_MiB"],
            one_m["maxrss_increase_during_fit_MiB"],
            one_m["tracemalloc_peak_during_fit_MiB"],
        )
    )

    # 4. bootstrap, 100 resamples, sequential
    base = fit(ecsi)
    t0 = time.perf_counter()
    boot = seminr.bootstrap_model(base, nboot=100, seed=1)
    wall = time.perf_counter() - t0
    results["bootstrap_ecsi_100"] = {
        "call": "seminr.bootstrap_model(model, nboot=100, seed=1)  # sequential (cores=None)",
        "seconds": wall,
        "per_resample_ms": wall / 100 * 1e3,
        "ok_resamples": boot.boots,
        "failed": boot.fails,
        "note": "each replication re-runs estimate_pls and also computes HTMT and total effects",
    }
    print(
        "bootstrap 100 on ECSI: %.2f s total, %.2f ms per resample (%d ok, %d failed)"
        % (wall, wall / 100 * 1e3, boot.boots, boot.fails)
    )

    out_path.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-1m":
        child_one_million()
    else:
        main()
