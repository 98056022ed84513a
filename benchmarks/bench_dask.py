"""Benchmark: fit and score 20 million respondents x 24 items from Parquet with bounded memory.

Run by hand (not part of the test suite)::

    PYTHONPATH=src python benchmarks/bench_dask.py --rows 20000000 --files 80 \\
        --dir /work/tmp/csi-bench

Steps (each timed, wall and CPU seconds of this process; the peak resident memory of the process is reported after each):

1. write the survey as ``--files`` Parquet files, generated chunk-wise (one file's rows in
   memory at a time; answers 1-10 stored as int8), unless they already exist;
2. ``cm.PLS().fit(model, directory, scale=(1, 10))`` on a ``LocalCluster`` (2 workers, one
   thread each, in this process so that ``ru_maxrss`` covers the workers): per-partition
   validation + tree reduction of centred moments, then the usual engine;
3. 0-100 construct scores for every respondent with ``res.to_scoring_model().score(dir)``
   (lazy, validated per partition), written to Parquet (never collected) and the mean index
   per construct, in one pass;
4. a Poisson bootstrap with ``--n-boot`` resamples (one more pass; 0 skips it);
5. a correctness check on one file: the Dask fit of that file equals the in-memory fit.

Uses ``/work/tmp`` (check free space with ``df -h``; 20M rows take ~0.6 GB of Parquet
plus ~1 GB of scores).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time

import numpy as np
import pandas as pd

import csimodel as cm
from csimodel import distributed as cmd

CONSTRUCTS = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty"]
PREFIX = ["IMG", "EXP", "QUA", "VAL", "SAT", "LOY"]
MODEL = "\n".join(
    [
        f"{c} =~ " + " + ".join(f"{p}{k}" for k in range(1, 5))
        for c, p in zip(CONSTRUCTS, PREFIX, strict=True)
    ]
    + [
        "Expectation ~ Image",
        "Quality ~ Expectation",
        "Value ~ Quality + Expectation",
        "Satisfaction ~ Image + Expectation + Quality + Value",
        "Loyalty ~ Satisfaction + Image",
    ]
)
# population paths used to simulate latent scores
BETA = {
    "Expectation": {"Image": 0.5},
    "Quality": {"Expectation": 0.55},
    "Value": {"Quality": 0.5, "Expectation": 0.1},
    "Satisfaction": {"Image": 0.2, "Expectation": 0.05, "Quality": 0.35, "Value": 0.25},
    "Loyalty": {"Satisfaction": 0.5, "Image": 0.2},
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def simulate_chunk(n: int, rng: np.random.Generator) -> pd.DataFrame:
    eta = {"Image": rng.standard_normal(n)}
    for c in CONSTRUCTS[1:]:
        mean = sum(b * eta[s] for s, b in BETA[c].items())
        eta[c] = mean + rng.standard_normal(n) * np.sqrt(max(0.2, 1 - np.var(mean)))
    cols = {}
    for c, p in zip(CONSTRUCTS, PREFIX, strict=True):
        for k in range(1, 5):
            x = 6.5 + 1.7 * (0.85 * eta[c] + 0.55 * rng.standard_normal(n))
            cols[f"{p}{k}"] = np.clip(np.rint(x), 1, 10).astype(np.int8)
    return pd.DataFrame(cols)


def write_parquet(directory: str, rows: int, files: int, seed: int = 0) -> None:
    os.makedirs(directory, exist_ok=True)
    per = rows // files
    rng = np.random.default_rng(seed)
    for k in range(files):
        n = per if k < files - 1 else rows - per * (files - 1)
        simulate_chunk(n, rng).to_parquet(
            os.path.join(directory, f"part-{k:04d}.parquet"), index=False
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20_000_000)
    ap.add_argument("--files", type=int, default=80)
    ap.add_argument("--dir", default="/work/tmp/csi-bench")
    ap.add_argument("--keep", action="store_true", help="keep the Parquet files afterwards")
    ap.add_argument("--n-boot", type=int, default=20, help="Poisson bootstrap resamples (0: skip)")
    args = ap.parse_args()

    import dask
    from distributed import Client, LocalCluster

    out: dict[str, object] = {"rows": args.rows, "files": args.files, "items": 24}
    data_dir = os.path.join(args.dir, f"survey-{args.rows}-{args.files}")
    t = time.perf_counter()
    if not os.path.isdir(data_dir) or len(os.listdir(data_dir)) != args.files:
        shutil.rmtree(data_dir, ignore_errors=True)
        write_parquet(data_dir, args.rows, args.files)
        out["write_s"] = round(time.perf_counter() - t, 1)
    out["parquet_mb"] = round(
        sum(os.path.getsize(os.path.join(data_dir, f)) for f in os.listdir(data_dir)) / 2**20, 1
    )
    out["rss_after_write_mb"] = round(peak_rss_mb(), 1)

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = Client(cluster)
    model = cm.Model(MODEL)
    try:
        t, c = time.perf_counter(), time.process_time()
        res = cm.PLS().fit(model, data_dir, scale=(1, 10))
        out["fit_s"] = round(time.perf_counter() - t, 1)
        out["fit_cpu_s"] = round(time.process_time() - c, 1)
        out["rss_after_fit_mb"] = round(peak_rss_mb(), 1)
        out["n_used"] = res.n_used
        out["npartitions"] = res.data.npartitions
        out["paths"] = {
            f"{s}->{g}": round(float(v), 4)
            for (s, g), v in zip(
                model.paths, [res.path_coefficients.loc[s, g] for s, g in model.paths], strict=True
            )
        }

        # the saved-model path a nightly job would use: ScoringModel.score on Parquet (lazy)
        sm = res.to_scoring_model()
        scores = sm.score(data_dir)
        score_dir = os.path.join(args.dir, "scores")
        shutil.rmtree(score_dir, ignore_errors=True)
        t, c = time.perf_counter(), time.process_time()
        # one pass: write every respondent's scores and compute the mean index together
        _, means = dask.compute(
            scores.to_parquet(score_dir, write_index=False, compute=False), scores.mean()
        )
        out["score_s"] = round(time.perf_counter() - t, 1)
        out["score_cpu_s"] = round(time.process_time() - c, 1)
        out["mean_index"] = {k: round(float(x), 3) for k, x in means.items()}
        out["scores_parquet_mb"] = round(
            sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(score_dir) for f in fs)
            / 2**20,
            1,
        )
        out["rss_after_score_mb"] = round(peak_rss_mb(), 1)
        shutil.rmtree(score_dir, ignore_errors=True)

        if args.n_boot:
            t, c = time.perf_counter(), time.process_time()
            boot = cmd.poisson_bootstrap(res, n_boot=args.n_boot, random_state=0)
            out["poisson_bootstrap"] = {
                "n_boot": args.n_boot,
                "seconds": round(time.perf_counter() - t, 1),
                "cpu_s": round(time.process_time() - c, 1),
                "max_path_se": float(boot.params.loc[boot.params["op"] == "~", "se"].max()),
            }
            out["rss_after_boot_mb"] = round(peak_rss_mb(), 1)

        # correctness on one file: Dask fit == in-memory fit
        one = os.path.join(data_dir, "part-0000.parquet")
        r_mem = cm.PLS().fit(model, pd.read_parquet(one), scale=(1, 10))
        r_dd = cm.PLS().fit(model, [one], scale=(1, 10))
        out["one_file_max_abs_diff"] = float(
            np.abs(r_mem.params.estimate - r_dd.params.estimate).max()
        )
    finally:
        client.close()
        cluster.close()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    out["cpu_count"] = os.cpu_count()
    out["note"] = "2-core machine shared with other jobs; LocalCluster(2 workers x 1 thread)"
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
