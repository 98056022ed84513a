"""Reference PLSpredict output of seminr-py's ``predict_pls``, for tests/prediction.

Runs the Python port of seminr (PyPI ``seminr``; version recorded in the output) in the
peer venv and writes ``predict_peers.json`` next to tests/data (or to argv[1]):

    /work/peers/venv/bin/python make_predict_peers.py [out.json] [data_dir]

Calls (per case)::

    model = seminr.estimate_pls(data, mm, sm, inner_weights=seminr.path_weighting,
                                max_it=10_000, stop_criterion=14)
    seminr.predict_pls(model, technique=<predict_DA | predict_EA>, no_folds=10,
                       ordering=<permutation of 0..n-1, numpy default_rng(seed)>)

seminr cuts the permuted rows into ``cut(seq(1, n), breaks=10)`` contiguous blocks; the
script exports the resulting fold label of every data row (``fold_labels``), so csimodel
reproduces the same training sets with ``cm.predict_pls(res, folds=fold_labels)``.
seminr's LM benchmark regresses each endogenous item on the items of the construct's
direct antecedents under DA and of the exogenous constructs under EA (csimodel:
``lm_predictors='direct'`` / ``'exogenous'``).

Cases:
  corp_rep   simple corporate reputation model (Hair et al. 2017), complete cases of
             corp_rep.csv (rows with -99 in cusa / cusl_1..3 dropped), all mode A.
  ecsi_mixed ecsi_mobi, Image and Value composite (mode B), others mode A.
Output per case and technique: out-of-sample PLS item predictions, LM predictions and
predicted construct scores (row order = data order).
"""

from __future__ import annotations

import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import seminr
from seminr.predict.predict_pls import cut_folds
from seminr.predict.techniques import predict_DA, predict_EA

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "predict_peers.json"
DATA = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/work/shared/data")

CASES = {
    "corp_rep": {
        "blocks": {
            "COMP": (["comp_1", "comp_2", "comp_3"], "A"),
            "LIKE": (["like_1", "like_2", "like_3"], "A"),
            "CUSA": (["cusa"], "A"),
            "CUSL": (["cusl_1", "cusl_2", "cusl_3"], "A"),
        },
        "paths": [
            ("COMP", "CUSA"),
            ("LIKE", "CUSA"),
            ("COMP", "CUSL"),
            ("LIKE", "CUSL"),
            ("CUSA", "CUSL"),
        ],
        "seed": 2016,
    },
    "ecsi_mixed": {
        "blocks": {
            "Image": (["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"], "B"),
            "Expectation": (["CUEX1", "CUEX2", "CUEX3"], "A"),
            "Value": (["PERV1", "PERV2"], "B"),
            "Satisfaction": (["CUSA1", "CUSA2", "CUSA3"], "A"),
        },
        "paths": [
            ("Image", "Expectation"),
            ("Expectation", "Value"),
            ("Image", "Satisfaction"),
            ("Expectation", "Satisfaction"),
            ("Value", "Satisfaction"),
        ],
        "seed": 2019,
    },
}


def data_for(name):
    if name == "corp_rep":
        d = pd.read_csv(DATA / "corp_rep.csv")
        keep = (d[["cusa", "cusl_1", "cusl_2", "cusl_3"]] != -99).all(axis=1)
        return d[keep].reset_index(drop=True)
    return pd.read_csv(DATA / "ecsi_mobi.csv")


out = {
    "source": "seminr-py predict_pls (Python port of the R package seminr)",
    "seminr_version": version("seminr"),
    "numpy": version("numpy"),
    "python": platform.python_version(),
    "settings": "estimate_pls(..., inner_weights=path_weighting, max_it=10000, "
    "stop_criterion=14); predict_pls(model, technique, no_folds=10, ordering=perm)",
    "cases": {},
}
for name, case in CASES.items():
    data = data_for(name)
    items = [i for its, _ in case["blocks"].values() for i in its]
    data = data[items].astype(float)
    mm = seminr.constructs(
        *[
            seminr.composite(c, its, weights=seminr.mode_B if mode == "B" else seminr.mode_A)
            for c, (its, mode) in case["blocks"].items()
        ]
    )
    sm = seminr.relationships(*[seminr.paths(a, b) for a, b in case["paths"]])
    model = seminr.estimate_pls(
        data, mm, sm, inner_weights=seminr.path_weighting, max_it=10_000, stop_criterion=14
    )
    n = len(data)
    ordering = [int(i) for i in np.random.default_rng(case["seed"]).permutation(n)]
    cut = cut_folds(n, 10)
    labels = [0] * n
    for pos, row in enumerate(ordering):
        labels[row] = cut[pos]
    res_case = {
        "n": n,
        "fold_labels": labels,
        "blocks": {c: its for c, (its, _) in case["blocks"].items()},
        "modes": {c: m for c, (_, m) in case["blocks"].items()},
        "paths": case["paths"],
    }
    for tech_name, tech in (("direct", predict_DA), ("earliest", predict_EA)):
        pp = seminr.predict_pls(model, technique=tech, no_folds=10, ordering=ordering)
        it = pp.items
        co = pp.composites.composite_out_of_sample
        res_case[tech_name] = {
            "items": list(it.pls_out_of_sample.cols),
            "pls_out_of_sample": it.pls_out_of_sample.values.tolist(),
            "lm_out_of_sample": it.lm_out_of_sample.values.tolist(),
            "constructs": list(co.cols),
            "composite_out_of_sample": co.values.tolist(),
        }
    out["cases"][name] = res_case

OUT.write_text(json.dumps(out, indent=0) + "\n")
print("wrote", OUT)

# --- information criteria (seminr's it_criteria: AIC and BIC per endogenous construct)
from seminr.evaluate.effects import it_criteria

ecsi = pd.read_csv(DATA / "ecsi_mobi.csv").astype(float)
ECSI_BLOCKS = {
    "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
    "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
    "Quality": [f"PERQ{i}" for i in range(1, 8)],
    "Value": ["PERV1", "PERV2"],
    "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    "Complaints": ["CUSCO"],
    "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
}
ECSI_PATHS = [
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
mm = seminr.constructs(
    *[seminr.composite(c, its, weights=seminr.mode_A) for c, its in ECSI_BLOCKS.items()]
)
sm = seminr.relationships(*[seminr.paths(a, b) for a, b in ECSI_PATHS])
model = seminr.estimate_pls(
    ecsi, mm, sm, inner_weights=seminr.path_weighting, max_it=10_000, stop_criterion=14
)
ic = it_criteria(model)
out["it_criteria_ecsi"] = {
    "call": "seminr.evaluate.effects.it_criteria(estimate_pls(ecsi_mobi, ECSI, path_weighting, "
    "max_it=10000, stop_criterion=14))",
    "constructs": list(ic.cols),
    "AIC": ic.values[0].tolist(),
    "BIC": ic.values[1].tolist(),
}
OUT.write_text(json.dumps(out, indent=0) + "\n")
print("wrote it_criteria to", OUT)
