"""Peer numbers for docs/conventions.md (tests/test_conventions.py): scores, bootstrap, signs.

Runs the Python seminr port (PyPI ``seminr`` 0.2.1) and ``plspm`` 0.5.7 on the bundled ECSI
survey (same file as ``src/csimodel/datasets/data/ecsi_mobi.csv``; its SHA-256 is recorded)
and writes ``conventions_peers.json`` (argv[1], default next to ``tests/data``):

* ``scores``: construct scores of the ECSI path-scheme model, first 10 respondents and the
  sample SD (ddof=1) over all 250, from
  - seminr ``estimate_pls(...).construct_scores`` (raw data; seminr z-scores items, n-1);
  - plspm ``Plspm(z0, Config(scaled=False), Scheme.PATH).scores()`` with items z-scored by
    this script with the population SD (as in make_pls_peers.py);
  - plspm ``Plspm(raw, Config(scaled=True), Scheme.CENTROID).scores()`` (one pooled SD).
* ``bootstrap``: seminr ``bootstrap_model(fit, 200, indices=idx)`` with
  ``idx = np.random.default_rng(SEED).integers(0, 250, size=(200, 250))`` (csimodel's
  ``bootstrap(res, n_boot=200, random_state=SEED)`` draws the same rows), summarized by
  seminr's ``summarize_pls_boot(boot).bootstrapped_paths``: original, bootstrap mean, SD,
  t, 2.5% and 97.5% percentile bounds and seminr's "Bootstrap P Val".
* ``reversed_loyalty``: the ECSI path model fitted to the data with the three loyalty items
  reverse-coded (x -> 11 - x), by seminr (raw data) and plspm (z0 data, scaled=False):
  weights, loadings, paths as each package reports them (no sign fixing).

Environment (not csimodel dependencies; the peer venv):

    venv/bin/pip install seminr plspm "pandas<3"
    venv/bin/python make_conventions_peers.py [out.json] [data_dir]
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "conventions_peers.json"
DATA = (
    Path(sys.argv[2])
    if len(sys.argv) > 2
    else HERE.parents[2] / "src" / "csimodel" / "datasets" / "data"
)
sys.argv = sys.argv[:1]  # make_pls_peers reads argv at import

from make_pls_peers import (  # noqa: E402
    ECSI,
    all_a,
    plspm_call_text,
    plspm_core,
    plspm_fit,
    seminr_call_text,
    seminr_core,
    seminr_fit,
    standardize_population,
)
from seminr.bootstrap.bootstrap import bootstrap_model  # noqa: E402
from seminr.bootstrap.summarize import summarize_pls_boot  # noqa: E402

SEED = 20261130
NBOOT = 200
N_ROWS = 10
LOYALTY = ECSI["blocks"]["Loyalty"]

path = DATA / "ecsi_mobi.csv"
ecsi = pd.read_csv(path)
n = len(ecsi)
modes = all_a(ECSI)
constructs = list(ECSI["blocks"])


def score_summary(scores: pd.DataFrame) -> dict:
    scores = scores[constructs]
    return {
        "first_rows": {c: [float(v) for v in scores[c].iloc[:N_ROWS]] for c in constructs},
        "sd_ddof1": {c: float(scores[c].std(ddof=1)) for c in constructs},
    }


def core(d: dict) -> dict:
    return {k: d[k] for k in ("weights", "loadings", "paths")}


# --- scores
sem_fit = seminr_fit(ecsi, ECSI, modes, "path")
sem_scores = pd.DataFrame(
    np.asarray(sem_fit.construct_scores.values), columns=list(sem_fit.construct_scores.cols)
)
pls_fit, *_ = plspm_fit(standardize_population(ecsi), ECSI, modes, "path")
pool_fit, *_ = plspm_fit(ecsi, ECSI, modes, "centroid", scaled=True)
scores = {
    "seminr_path": {"call": seminr_call_text("ECSI", "path"), **score_summary(sem_scores)},
    "plspm_path": {
        "call": plspm_call_text("path") + "; data = items z-scored with ddof=0",
        **score_summary(pls_fit.scores()),
    },
    "plspm_centroid_pooledsd": {
        "call": plspm_call_text("centroid", scaled=True) + "; data = raw items",
        **score_summary(pool_fit.scores()),
    },
}

# --- bootstrap on injected resamples
idx = np.random.default_rng(SEED).integers(0, n, size=(NBOOT, n))
boot = bootstrap_model(sem_fit, NBOOT, indices=idx)
tab = summarize_pls_boot(boot, alpha=0.05).bootstrapped_paths
cols = list(tab.cols)
paths = {}
for i, label in enumerate(tab.rows):
    a, b = (s.strip() for s in label.split("->"))
    paths[f"{a}->{b}"] = dict(zip(cols, (float(v) for v in tab.values[i])))
bootstrap = {
    "call": "seminr.bootstrap.bootstrap.bootstrap_model(fit, 200, indices=idx); "
    "seminr.bootstrap.summarize.summarize_pls_boot(boot, alpha=0.05).bootstrapped_paths; "
    "fit = " + seminr_call_text("ECSI", "path"),
    "indices_call": f"np.random.default_rng({SEED}).integers(0, {n}, size=({NBOOT}, {n}))",
    "indices_sha256": hashlib.sha256(
        np.ascontiguousarray(idx, dtype=np.int64).tobytes()
    ).hexdigest(),
    "seed": SEED,
    "nboot": NBOOT,
    "n_kept": len(boot.boot_paths),
    "columns": cols,
    "paths": paths,
}

# --- reverse-coded loyalty items
rev = ecsi.copy()
rev[LOYALTY] = 11 - rev[LOYALTY]
sem_rev = seminr_fit(rev, ECSI, modes, "path")
pls_rev, n_it, last = plspm_fit(standardize_population(rev), ECSI, modes, "path")
reversed_loyalty = {
    "data_prep": "ecsi_mobi with CUSL1-3 replaced by 11 - x (reverse-coded on the 1-10 scale)",
    "seminr_path": {"call": seminr_call_text("ECSI", "path"), **core(seminr_core(sem_rev, ECSI))},
    "plspm_path": {
        "call": plspm_call_text("path") + "; data = items z-scored with ddof=0",
        **core(plspm_core(pls_rev, n_it, last, ECSI)),
    },
}

out = {
    "_meta": {
        "generator": "tests/data/scripts/make_conventions_peers.py",
        "python": platform.python_version(),
        "packages": {p: version(p) for p in ("seminr", "plspm", "numpy", "pandas")},
        "data_sha256": {"ecsi_mobi.csv": hashlib.sha256(path.read_bytes()).hexdigest()},
        "n": n,
    },
    "scores": scores,
    "bootstrap": bootstrap,
    "reversed_loyalty": reversed_loyalty,
}
OUT.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
print("wrote", OUT)
