"""Reference estimates for csimodel's model extensions, from seminr-py run side by side.

Runs the Python port of seminr (PyPI ``seminr``) on the corporate reputation data and
writes ``extensions_peers.json`` next to this script (or to argv[1]):

* moderation: switching cost SC (switch_1..4) moderating CUSA -> CUSL in the Hair et al.
  (2022, ch. 7) model, with ``seminr.interaction_term(iv="CUSA", moderator="SC",
  method=seminr.two_stage | product_indicator | orthogonal)`` (mode A weights);
* higher-order constructs: ``seminr.higher_composite(name, dimensions,
  weights=seminr.mode_A | mode_B)`` (disjoint two-stage), a reflective-type HOC of two
  lower-order constructs and a formative-type HOC of four.

Environment (not csimodel's own dependencies; a throw-away venv):

    venv/bin/pip install seminr "pandas<3"
    venv/bin/python make_extensions_peers.py [out.json] [data_dir]

Data: corp_rep.csv, -99 = missing, passed with ``missing_value=-99`` (seminr's default
missing policy, mean replacement). Outputs: paths "Source->Target" (seminr names an
interaction "CUSA*SC"; stored here as "CUSA:SC"), r2, and for higher-order models the
weights/loadings "Construct|item" of the lower-order constructs (stage 1) and of the HOC
on its dimensions (stage 2).

Convergence: seminr's stop criterion 10**-14 and max_it 10 000 for the estimation; the
two-stage interaction's first stage runs with seminr's own defaults (seminr does not
forward max_it/stop_criterion to it: stop 10**-7 on the summed weight change).
"""

from __future__ import annotations

import json
import math
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import seminr

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "extensions_peers.json"
DATA = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/work/shared/data")
STOP, MAX_IT = 14, 10_000

FORMATIVE = {
    "QUAL": [f"qual_{i}" for i in range(1, 9)],
    "PERF": [f"perf_{i}" for i in range(1, 6)],
    "CSOR": [f"csor_{i}" for i in range(1, 6)],
    "ATTR": [f"attr_{i}" for i in range(1, 4)],
}
REFLECTIVE = {
    "COMP": ["comp_1", "comp_2", "comp_3"],
    "LIKE": ["like_1", "like_2", "like_3"],
    "CUSA": ["cusa"],
    "SC": ["switch_1", "switch_2", "switch_3", "switch_4"],
    "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
}


def f(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def mm_for(names):
    specs = [
        seminr.composite(c, FORMATIVE[c], weights=seminr.mode_B) for c in FORMATIVE if c in names
    ]
    specs += [
        seminr.composite(c, REFLECTIVE[c], weights=seminr.mode_A) for c in REFLECTIVE if c in names
    ]
    return specs


def out_of(fit, paths, blocks) -> dict:
    res = {
        "paths": {f"{a}->{b}".replace("*", ":"): f(fit.path_coef.get(a, b)) for a, b in paths},
        "r2": {c: f(fit.r_squared.get("Rsq", c)) for c in fit.sm_matrix.all_endogenous()},
        "weights": {},
        "loadings": {},
    }
    for c, items in blocks.items():
        for it in items:
            res["weights"][f"{c}|{it}"] = f(fit.outer_weights.get(it, c))
            res["loadings"][f"{c}|{it}"] = f(fit.outer_loadings.get(it, c))
    return res


def main() -> None:
    data = pd.read_csv(DATA / "corp_rep.csv").astype(float)
    out: dict = {
        "_meta": {
            "seminr": version("seminr"),
            "python": platform.python_version(),
            "data": "corp_rep.csv (-99 = missing, mean replacement)",
            "script": "tests/data/scripts/make_extensions_peers.py",
        }
    }
    # --- moderation (Hair et al. 2022, ch. 7)
    base_paths = [(a, b) for a in FORMATIVE for b in ("COMP", "LIKE")]
    base_paths += [(a, b) for a in ("COMP", "LIKE") for b in ("CUSA", "CUSL")]
    methods = {
        "two_stage": seminr.two_stage,
        "product_indicator": seminr.product_indicator,
        "orthogonal": seminr.orthogonal,
    }
    for name, method in methods.items():
        mm = seminr.constructs(
            *mm_for(list(FORMATIVE) + list(REFLECTIVE)),
            seminr.interaction_term(
                iv="CUSA", moderator="SC", method=method, weights=seminr.mode_A
            ),
        )
        paths = base_paths + [("CUSA", "CUSL"), ("SC", "CUSL"), ("CUSA*SC", "CUSL")]
        sm = seminr.relationships(*[seminr.paths(a, b) for a, b in paths])
        fit = seminr.estimate_pls(
            data, mm, sm, max_it=MAX_IT, stop_criterion=STOP, missing_value=-99.0
        )
        o = out_of(fit, paths, {})
        o["call"] = (
            "seminr.estimate_pls(data, mm, sm, max_it=10000, stop_criterion=14, "
            f"missing_value=-99) with seminr.interaction_term(iv='CUSA', moderator='SC', "
            f"method=seminr.{name}, weights=seminr.mode_A)"
        )
        out[f"moderation_{name}"] = o
    # --- higher-order: reflective-type HOC of two dimensions
    hoc_cases = {
        "hoc_rep": (
            seminr.higher_composite("REP", ["COMP", "LIKE"], weights=seminr.mode_A),
            [(a, "REP") for a in FORMATIVE] + [("REP", "CUSA"), ("REP", "CUSL"), ("CUSA", "CUSL")],
            list(FORMATIVE) + ["COMP", "LIKE", "CUSA", "CUSL"],
            {"REP": ["COMP", "LIKE"]},
            "mode_A",
        ),
        "hoc_drivers": (
            seminr.higher_composite("DRIVERS", list(FORMATIVE), weights=seminr.mode_B),
            [
                ("DRIVERS", "COMP"),
                ("DRIVERS", "LIKE"),
                ("COMP", "CUSA"),
                ("LIKE", "CUSA"),
                ("CUSA", "CUSL"),
            ],
            list(FORMATIVE) + ["COMP", "LIKE", "CUSA", "CUSL"],
            {"DRIVERS": list(FORMATIVE)},
            "mode_B",
        ),
    }
    for key, (hoc, paths, names, hblocks, w) in hoc_cases.items():
        mm = seminr.constructs(*mm_for(names), hoc)
        sm = seminr.relationships(*[seminr.paths(a, b) for a, b in paths])
        fit = seminr.estimate_pls(
            data, mm, sm, max_it=MAX_IT, stop_criterion=STOP, missing_value=-99.0
        )
        blocks = {c: (FORMATIVE | REFLECTIVE)[c] for c in names}
        blocks.update(hblocks)
        o = out_of(fit, paths, blocks)
        o["call"] = (
            "seminr.estimate_pls(data, mm, sm, max_it=10000, stop_criterion=14, "
            f"missing_value=-99) with seminr.higher_composite(..., weights=seminr.{w})"
        )
        out[key] = o
    OUT.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
