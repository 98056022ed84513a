"""Reference multi-group (PLS-MGA) results from the Python seminr port, for csimodel's tests.

Runs ``seminr.estimate_pls_mga`` (PyPI ``seminr``, a port of R seminr's
``estimate_pls_mga``, Henseler et al. 2009) on two splits of the bundled data and writes
``groups_peers.json`` next to this script (or to argv[1]):

* ``corp_rep`` (simple corporate-reputation model, 4 constructs, all mode A) by
  ``servicetype`` (group 1: servicetype == 1), rows with a -99 code in a model item dropped;
* ``satisfaction`` (6 constructs, all mode A) by ``gender`` (group 1: female).

The bootstrap resamples are injected (``group1_indices`` / ``group2_indices``) and are
re-generated in the test from the recorded seed with
``np.random.default_rng(seed).integers(0, n_g, size=(nboot, n_g))`` (group 1 first, then
group 2 from the same generator); their SHA-256 is recorded so the test can check it
rebuilt the same matrices.

From seminr's own per-replication bootstrap path coefficients (``bootstrap_model`` on the
same indices) this script also computes, with its own code, the pooled-SE parametric test
(Keil et al. 2000) and the Welch-Satterthwaite test (Sarstedt et al. 2011) as SmartPLS and
cSEM document them, so those p-values come from peer estimates and independent code.

Environment (a throw-away venv, not csimodel's dependencies):

    python3 -m venv venv && venv/bin/pip install seminr "pandas<3" scipy
    venv/bin/python make_groups_peers.py [out.json] [data_dir]
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
import seminr
from scipy import stats
from seminr.bootstrap.bootstrap import bootstrap_model
from seminr.estimate.data import Dataset
from seminr.estimate.rerun import rerun
from seminr.mga import estimate_pls_mga

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "groups_peers.json"
DATA = (
    Path(sys.argv[2])
    if len(sys.argv) > 2
    else HERE.parents[2] / "src" / "csimodel" / "datasets" / "data"
)
NBOOT = 300
SEED = 20261126
STOP = 14  # seminr: stop when sum |w_new - w_old| < 1e-14
MAX_IT = 10_000

CORP_REP = {
    "blocks": {
        "COMP": ["comp_1", "comp_2", "comp_3"],
        "LIKE": ["like_1", "like_2", "like_3"],
        "CUSA": ["cusa"],
        "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
    },
    "paths": [
        ("COMP", "CUSA"),
        ("LIKE", "CUSA"),
        ("COMP", "CUSL"),
        ("LIKE", "CUSL"),
        ("CUSA", "CUSL"),
    ],
}
SATISFACTION = {
    "blocks": {
        "IMAG": [f"imag{i}" for i in range(1, 6)],
        "EXPE": [f"expe{i}" for i in range(1, 6)],
        "QUAL": [f"qual{i}" for i in range(1, 6)],
        "VAL": [f"val{i}" for i in range(1, 5)],
        "SAT": [f"sat{i}" for i in range(1, 5)],
        "LOY": [f"loy{i}" for i in range(1, 5)],
    },
    "paths": [
        ("IMAG", "EXPE"),
        ("EXPE", "QUAL"),
        ("EXPE", "VAL"),
        ("QUAL", "VAL"),
        ("IMAG", "SAT"),
        ("EXPE", "SAT"),
        ("QUAL", "SAT"),
        ("VAL", "SAT"),
        ("IMAG", "LOY"),
        ("SAT", "LOY"),
    ],
}


def sha(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype=np.int64).tobytes()).hexdigest()


def parametric(diff, se1, se2, n1, n2):
    """Keil et al. (2000) pooled-SE t-test and the Welch-Satterthwaite test (two-sided)."""
    df = n1 + n2 - 2
    se_pool = np.sqrt((n1 - 1) ** 2 / df * se1**2 + (n2 - 1) ** 2 / df * se2**2) * np.sqrt(
        1 / n1 + 1 / n2
    )
    p_keil = 2 * stats.t.sf(abs(diff / se_pool), df)
    v1, v2 = (n1 - 1) / n1 * se1**2, (n2 - 1) / n2 * se2**2
    df_w = (v1 + v2) ** 2 / ((n1 - 1) / n1**2 * se1**4 + (n2 - 1) / n2**2 * se2**4) - 2
    p_welch = 2 * stats.t.sf(abs(diff / np.sqrt(v1 + v2)), df_w)
    return float(p_keil), float(p_welch)


def run(name, df, spec, condition, desc):
    specs = [seminr.composite(c, it, weights=seminr.mode_A) for c, it in spec["blocks"].items()]
    mm = seminr.constructs(*specs)
    sm = seminr.relationships(*[seminr.paths(a, b) for a, b in spec["paths"]])
    items = [i for it in spec["blocks"].values() for i in it]
    data = df[items].astype(float)
    fit = seminr.estimate_pls(
        data, mm, sm, inner_weights=seminr.path_weighting, max_it=MAX_IT, stop_criterion=STOP
    )
    keep = np.asarray(condition, dtype=bool)
    n1, n2 = int(keep.sum()), int((~keep).sum())
    rng = np.random.default_rng(SEED)
    idx1 = rng.integers(0, n1, size=(NBOOT, n1))
    idx2 = rng.integers(0, n2, size=(NBOOT, n2))
    rows = estimate_pls_mga(fit, keep, nboot=NBOOT, group1_indices=idx1, group2_indices=idx2)
    # the per-replication path coefficients (same resamples) for the parametric tests
    raw = fit.rawdata
    g1 = rerun(fit, data=Dataset(raw.columns, np.ascontiguousarray(raw.values[keep])))
    g2 = rerun(fit, data=Dataset(raw.columns, np.ascontiguousarray(raw.values[~keep])))
    b1 = bootstrap_model(g1, NBOOT, indices=idx1)
    b2 = bootstrap_model(g2, NBOOT, indices=idx2)
    paths = {}
    for r in rows:
        s1 = np.array([rep.get(r.source, r.target) for rep in b1.boot_paths])
        s2 = np.array([rep.get(r.source, r.target) for rep in b2.boot_paths])
        se1, se2 = float(s1.std(ddof=1)), float(s2.std(ddof=1))
        p_keil, p_welch = parametric(r.diff, se1, se2, n1, n2)
        paths[f"{r.source}->{r.target}"] = {
            "group1_beta": r.group1_beta,
            "group2_beta": r.group2_beta,
            "diff": r.diff,
            "pls_mga_p": r.pls_mga_p,
            "se1": se1,
            "se2": se2,
            "p_parametric": p_keil,
            "p_welch": p_welch,
        }
    return {
        "description": desc,
        "n1": n1,
        "n2": n2,
        "nboot": NBOOT,
        "seed": SEED,
        "indices_sha256": {"group1": sha(idx1), "group2": sha(idx2)},
        "indices_call": "rng = np.random.default_rng(seed); idx1 = rng.integers(0, n1, "
        "size=(nboot, n1)); idx2 = rng.integers(0, n2, size=(nboot, n2))",
        "seminr_call": "estimate_pls_mga(seminr.estimate_pls(data, mm, sm, inner_weights="
        f"seminr.path_weighting, max_it={MAX_IT}, stop_criterion={STOP}), condition, "
        f"nboot={NBOOT}, group1_indices=idx1, group2_indices=idx2); mm: all "
        "seminr.composite(..., weights=seminr.mode_A)",
        "pls_mga_p_meaning": "one-sided: 1 - mean over (j,k) of step(2*mean1 - b1_j - 2*mean2 + "
        "b2_k) (small: group 1 larger)",
        "parametric_code": "this script's parametric() from seminr's bootstrap_model paths "
        "on the same indices (SE with ddof=1)",
        "paths": paths,
    }


def main() -> None:
    corp = pd.read_csv(DATA / "corp_rep.csv")
    citems = [i for it in CORP_REP["blocks"].values() for i in it]
    corp = corp[~(corp[citems] == -99).any(axis=1)].reset_index(drop=True)
    sat = pd.read_csv(DATA / "satisfaction.csv")
    out = {
        "generator": "tests/data/scripts/make_groups_peers.py",
        "packages": {p: version(p) for p in ("seminr", "numpy", "pandas", "scipy")},
        "python": platform.python_version(),
        "cases": {
            "corp_rep_servicetype": run(
                "corp_rep",
                corp,
                CORP_REP,
                corp["servicetype"].to_numpy() == 1,
                "corp_rep simple model; rows with -99 in a model item dropped (336 left); "
                "group 1: servicetype == 1, group 2: servicetype == 2",
            ),
            "satisfaction_gender": run(
                "satisfaction",
                sat,
                SATISFACTION,
                sat["gender"].to_numpy() == "female",
                "satisfaction, all mode A; group 1: gender == 'female', group 2: 'male'",
            ),
        },
    }
    OUT.write_text(json.dumps(out, indent=1))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
