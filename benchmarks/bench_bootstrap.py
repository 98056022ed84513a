"""Bootstrap speed and memory, side by side with the Python port of seminr.

Run by hand (not part of the test suite):

    PYTHONPATH=src /work/venv-dev/bin/python benchmarks/bench_bootstrap.py [--peer-python PATH]
        [--skip-memory] [--repeat 3]

1. csimodel: cm.bootstrap(res, 5000, random_state=k, ci=...) on the ECSI model (bundled
   ecsi_mobi, n=250, path scheme, standardized items), percentile and BCa; best and
   median wall time of ``--repeat`` runs.
2. Peer: ``seminr.bootstrap_model(model, nboot=100, seed=1)`` (PyPI seminr, sequential)
   in its own venv (default /work/peers/venv), same model and data; time per resample,
   scaled to 5,000.
3. Memory: 5,000 resamples (percentile) on 100,000 synthetic respondents (24 ECSI items
   drawn from N(0, R), R = sample correlation of ecsi_mobi) in a fresh subprocess; peak
   RSS from resource.getrusage(RUSAGE_SELF).ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEER_SCRIPT = r"""
import json, sys, time
import pandas as pd, seminr
from importlib.metadata import version
data = pd.read_csv(sys.argv[1]).astype(float)
blocks = json.loads(sys.argv[2]); paths = json.loads(sys.argv[3]); nboot = int(sys.argv[4])
mm = seminr.constructs(*[seminr.composite(c, its, weights=seminr.mode_A) for c, its in blocks.items()])
sm = seminr.relationships(*[seminr.paths(a, b) for a, b in paths])
model = seminr.estimate_pls(data, mm, sm, inner_weights=seminr.path_weighting)
seminr.bootstrap_model(model, nboot=5, seed=0)  # warm-up
t0, c0 = time.perf_counter(), time.process_time()
boot = seminr.bootstrap_model(model, nboot=nboot, seed=1)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"version": version("seminr"), "seconds": wall, "cpu_s": cpu, "nboot": nboot,
                  "per_resample_ms": wall / nboot * 1e3}))
"""


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} logical CPUs, load {os.getloadavg()[0]:.1f}"


def bench_csimodel(repeat: int) -> dict:
    import csimodel as cm

    data = cm.datasets.load_ecsi_mobi()
    res = cm.PLS(scheme="path").fit(cm.models.ecsi(), data, scale=(1, 10))
    cm.bootstrap(res, 200, random_state=0, progress=False)  # warm-up
    out = {}
    for ci in ("percentile", "bca"):
        times, cpu = [], []
        for k in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            boot = cm.bootstrap(res, 5000, random_state=k, ci=ci, progress=False)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[ci] = {
            "call": f"cm.bootstrap(res, 5000, random_state=k, ci={ci!r}, progress=False)",
            "best_s": min(times),
            "median_s": statistics.median(times),
            "best_cpu_s": min(cpu),
            "n_failed": boot.n_failed,
            "per_resample_ms": min(times) / 5000 * 1e3,
        }
        print(
            f"csimodel {ci:>10}: 5000 resamples best {min(times):.3f} s, median "
            f"{statistics.median(times):.3f} s ({min(times) / 5:.3f} ms per resample); "
            f"CPU time best {min(cpu):.3f} s"
        )
    return out


def bench_peer(python: str, nboot: int) -> dict | None:
    import csimodel as cm
    from csimodel.models import ECSI_ITEMS

    if not Path(python).exists():
        print(f"peer python {python} not found; skipping seminr")
        return None
    model = cm.models.ecsi()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "ecsi.csv"
        cm.datasets.load_ecsi_mobi()[list(model.items)].to_csv(csv, index=False)
        blocks = {c: list(v) for c, v in ECSI_ITEMS.items()}
        proc = subprocess.run(
            [
                python,
                "-c",
                PEER_SCRIPT,
                str(csv),
                json.dumps(blocks),
                json.dumps([list(p) for p in model.paths]),
                str(nboot),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["call"] = f"seminr.bootstrap_model(model, nboot={nboot}, seed=1)  # sequential"
    out["scaled_5000_s"] = out["per_resample_ms"] * 5
    print(
        f"seminr {out['version']}: {nboot} resamples {out['seconds']:.2f} s "
        f"({out['per_resample_ms']:.2f} ms per resample; 5000 -> {out['scaled_5000_s']:.1f} s)"
    )
    return out


def child_memory(n: int, n_boot: int, ci: str) -> None:
    import numpy as np
    import pandas as pd

    import csimodel as cm

    ecsi = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    items = list(model.items)
    R = np.corrcoef(ecsi[items].to_numpy(float), rowvar=False)
    rng = np.random.default_rng(20261126)
    data = pd.DataFrame(
        rng.standard_normal((n, len(items))) @ np.linalg.cholesky(R).T, columns=items
    )
    res = cm.PLS().fit(model, data)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    boot = cm.bootstrap(res, n_boot, random_state=0, ci=ci, progress=False)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "n": n,
                "n_boot": n_boot,
                "ci": ci,
                "seconds": wall,
                "chunk_size": boot.chunk_size,
                "maxrss_before_bootstrap_MiB": base,
                "maxrss_peak_MiB": peak,
                "n_failed": boot.n_failed,
            }
        )
    )


def bench_memory(n: int, n_boot: int, ci: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--child-memory", str(n), str(n_boot), ci],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"memory: {n_boot} resamples ({ci}) on n={n}: {out['seconds']:.1f} s, chunk "
        f"{out['chunk_size']}, peak RSS {out['maxrss_peak_MiB']:.0f} MiB (before bootstrap "
        f"{out['maxrss_before_bootstrap_MiB']:.0f} MiB)"
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer-python", default="/work/peers/venv/bin/python")
    ap.add_argument("--peer-nboot", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--memory-n", type=int, default=100_000)
    ap.add_argument("--memory-ci", default="percentile")
    ap.add_argument("--out", default=None, help="write the figures to this JSON file")
    args = ap.parse_args()
    print("machine:", machine(), "(shared with other jobs: figures are noisy)")
    results = {"machine": machine(), "csimodel": bench_csimodel(args.repeat)}
    peer = bench_peer(args.peer_python, args.peer_nboot)
    if peer:
        results["seminr"] = peer
        for ci in ("percentile", "bca"):
            ratio = peer["per_resample_ms"] / results["csimodel"][ci]["per_resample_ms"]
            results["csimodel"][ci]["speedup_vs_seminr"] = ratio
            print(f"speed-up per resample vs seminr ({ci}): {ratio:.0f}x")
    if not args.skip_memory:
        results["memory"] = bench_memory(args.memory_n, 5000, args.memory_ci)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-memory":
        child_memory(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        main()
