"""seminr-py ``predict_pls`` timing on the simple corporate-reputation model (peer baseline).

    /work/peers/venv/bin/python peer_seminr_predict.py      # prints one JSON line

Complete cases of corp_rep.csv (rows with -99 in cusa / cusl_1..3 dropped; n = 336),
all mode A, path weighting, seminr defaults (max_it=300, stop_criterion=7).
Times ``predict_pls(model, technique=predict_DA, no_folds=10, ordering=perm)``: one call is
10 folds x 1 repetition; 10 calls with 10 permutations are the 10 x 10 of csimodel's
``predict_pls(res, folds=10, repeats=10)``. Median and min of several runs after a warm-up.
"""

from __future__ import annotations

import json
import statistics
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import seminr
from seminr.predict.techniques import predict_DA

DATA = Path("/work/shared/data/corp_rep.csv")
d = pd.read_csv(DATA)
d = d[(d[["cusa", "cusl_1", "cusl_2", "cusl_3"]] != -99).all(axis=1)].reset_index(drop=True)
blocks = {
    "COMP": ["comp_1", "comp_2", "comp_3"],
    "LIKE": ["like_1", "like_2", "like_3"],
    "CUSA": ["cusa"],
    "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
}
items = [i for v in blocks.values() for i in v]
d = d[items].astype(float)
mm = seminr.constructs(*[seminr.composite(c, v, weights=seminr.mode_A) for c, v in blocks.items()])
sm = seminr.relationships(
    seminr.paths("COMP", "CUSA"),
    seminr.paths("LIKE", "CUSA"),
    seminr.paths("COMP", "CUSL"),
    seminr.paths("LIKE", "CUSL"),
    seminr.paths("CUSA", "CUSL"),
)
model = seminr.estimate_pls(d, mm, sm, inner_weights=seminr.path_weighting)
n = len(d)
rng = np.random.default_rng(0)
orders = [[int(i) for i in rng.permutation(n)] for _ in range(10)]


def one(o):
    return seminr.predict_pls(model, technique=predict_DA, no_folds=10, ordering=o)


one(orders[0])
t1 = []
for k in range(7):
    t0 = time.perf_counter()
    one(orders[k % 10])
    t1.append(time.perf_counter() - t0)
t10 = []
for _ in range(3):
    t0 = time.perf_counter()
    for o in orders:
        one(o)
    t10.append(time.perf_counter() - t0)
print(
    json.dumps(
        {
            "seminr_version": version("seminr"),
            "n": n,
            "folds_10_x1_median_s": statistics.median(t1),
            "folds_10_x1_min_s": min(t1),
            "folds_10_x10_median_s": statistics.median(t10),
            "folds_10_x10_min_s": min(t10),
        }
    )
)
