"""Reference PLSc estimates of a moderated model, from seminr-py run side by side.

Runs the Python port of seminr (PyPI ``seminr``) on the corporate reputation data and
writes ``plsc_extensions_peers.json`` next to this script (or to argv[1]): the Hair et al.
(2022, ch. 7) moderation model (switching cost SC moderating CUSA -> CUSL) with the
common-factor blocks declared ``seminr.reflective(...)`` (COMP, LIKE, SC, CUSL; CUSA is a
single item), the formative blocks ``seminr.composite(..., weights=seminr.mode_B)`` and
``seminr.interaction_term(iv="CUSA", moderator="SC", method=seminr.two_stage,
weights=seminr.mode_A)``. ``seminr.estimate_pls`` then applies PLSc (``model_consistent``)
because reflective constructs are present; the interaction construct gets rho_A = 1.

seminr's PLSc recomputes the paths from the corrected *correlations* of the scores, so its
interaction path is on the scale of the re-standardized interaction score; csimodel reports
it on the scale of the product of standardized scores (as seminr's PLS does). The JSON
therefore also stores ``sd_product``: the SD (n - 1) of seminr's generated column
``CUSA*SC_intxn``; seminr's interaction path / sd_product is csimodel's.

Environment (not csimodel's own dependencies; a throw-away venv):

    venv/bin/pip install seminr "pandas<3"
    venv/bin/python make_plsc_extensions_peers.py [out.json] [data_dir]

Data: corp_rep.csv, -99 = missing, ``missing_value=-99`` (mean replacement). Convergence:
stop criterion 10**-14, max_it 10 000 (the two-stage first stage runs with seminr's own
defaults: stop 10**-7 on the summed weight change).
"""

from __future__ import annotations

import json
import math
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import seminr

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "plsc_extensions_peers.json"
DATA = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/work/shared/data")

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


def main() -> None:
    data = pd.read_csv(DATA / "corp_rep.csv").astype(float)
    specs = [seminr.composite(c, items, weights=seminr.mode_B) for c, items in FORMATIVE.items()]
    specs += [seminr.reflective(c, items) for c, items in REFLECTIVE.items()]
    mm = seminr.constructs(
        *specs,
        seminr.interaction_term(
            iv="CUSA", moderator="SC", method=seminr.two_stage, weights=seminr.mode_A
        ),
    )
    paths = [(a, b) for a in FORMATIVE for b in ("COMP", "LIKE")]
    paths += [(a, b) for a in ("COMP", "LIKE") for b in ("CUSA", "CUSL")]
    paths += [("CUSA", "CUSL"), ("SC", "CUSL"), ("CUSA*SC", "CUSL")]
    sm = seminr.relationships(*[seminr.paths(a, b) for a, b in paths])
    fit = seminr.estimate_pls(data, mm, sm, max_it=10_000, stop_criterion=14, missing_value=-99.0)
    col = list(fit.data.columns).index("CUSA*SC_intxn")
    out = {
        "_meta": {
            "seminr": version("seminr"),
            "python": platform.python_version(),
            "data": "corp_rep.csv (-99 = missing, mean replacement)",
            "script": "tests/data/scripts/make_plsc_extensions_peers.py",
            "call": "seminr.estimate_pls(data, mm, sm, max_it=10_000, stop_criterion=14, "
            "missing_value=-99.0) with reflective COMP, LIKE, CUSA, SC, CUSL and "
            "interaction_term('CUSA', 'SC', method=seminr.two_stage, weights=seminr.mode_A)",
        },
        "paths": {f"{a}->{b}".replace("*", ":"): f(fit.path_coef.get(a, b)) for a, b in paths},
        "r2": {c: f(fit.r_squared.get("Rsq", c)) for c in fit.sm_matrix.all_endogenous()},
        "loadings": {
            f"{c}|{it}": f(fit.outer_loadings.get(it, c))
            for c, items in REFLECTIVE.items()
            for it in items
        },
        "sd_product": float(np.std(fit.data.values[:, col], ddof=1)),
    }
    OUT.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
