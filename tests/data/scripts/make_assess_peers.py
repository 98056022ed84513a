"""Reference numbers for csimodel's assessment / PLSc tests, from peer packages.

1. Copies, unchanged, the seminr evaluation extras (reliability_table, htmt, item_vifs,
   pls_antecedent_vifs, model_fsquares) and seminr's PLSc cases from ``pls_peers.json``,
   which ``make_pls_peers.py`` (this folder) wrote with seminr 0.2.1 (Python port).
2. Adds plspm 0.5.7's Tenenhaus GoF (``Plspm.goodness_of_fit()``) and
   ``unidimensionality()`` (Cronbach's alpha, Dillon-Goldstein rho) for the same models.

Run in a throw-away venv with the peers (not csimodel dependencies):

    venv/bin/pip install seminr plspm "pandas<3"
    venv/bin/python make_assess_peers.py PLS_PEERS_JSON DATA_DIR OUT_JSON
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import plspm.config as pconfig
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scheme import Scheme

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pls_peers import ECSI, SATISFACTION  # noqa: E402

src, data_dir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
peers = json.loads(src.read_text())


def plspm_gof(df, model, modes, scheme):
    df = df[[i for items in model["blocks"].values() for i in items]]
    z = (df - df.mean()) / df.std(ddof=0)
    st = pconfig.Structure()
    for a, b in model["paths"]:
        st.add_path([a], [b])
    cfg = pconfig.Config(st.path(), scaled=False)
    for name, items in model["blocks"].items():
        cfg.add_lv(name, Mode.B if modes[name] == "B" else Mode.A, *[pconfig.MV(i) for i in items])
    fit = Plspm(z, cfg, scheme, iterations=10000, tolerance=1e-28)
    uni = fit.unidimensionality()
    return {
        "gof": float(fit.goodness_of_fit()),
        "cronbach_alpha": {
            k: (None if v != v else float(v)) for k, v in uni["cronbach_alpha"].items()
        },
    }


ecsi = pd.read_csv(data_dir / "ecsi_mobi.csv")
sat = pd.read_csv(data_dir / "satisfaction.csv")
modes_b = {c: ("B" if c in ("EXPE", "VAL") else "A") for c in SATISFACTION["blocks"]}
call = (
    "plspm.plspm.Plspm(z, config, Scheme.PATH|FACTORIAL, iterations=10000, tolerance=1e-28)"
    ".goodness_of_fit() / .unidimensionality(); z = items z-scored with ddof=0, "
    "Config(scaled=False)"
)
res = {
    "_meta": {
        "generator": "tests/data/scripts/make_assess_peers.py",
        "packages": {"seminr": version("seminr"), "plspm": version("plspm")},
        "seminr_source": "pls_peers.json written by make_pls_peers.py (seminr 0.2.1): "
        + peers["_meta"]["generator"],
        "seminr_calls": {
            "reliability": "seminr.reliability_table(fit)",
            "htmt": "seminr.htmt(fit)",
            "item_vif": "seminr.evaluate.validity.item_vifs(fit, constructs_in_model(fit))",
            "antecedent_vif": "seminr.evaluate.validity.pls_antecedent_vifs(fit, constructs_in_model(fit))",
            "f2": "seminr.model_fsquares(fit)",
            "plsc": "seminr.estimate_pls with seminr.reflective(...) constructs (PLSc applied)",
        },
        "plspm_call": call,
    },
    "ecsi_path": {
        "seminr_fit_call": peers["ecsi_path_seminr"]["call"],
        "seminr": peers["ecsi_path_seminr"]["extras"],
        "plspm": plspm_gof(ecsi, ECSI, {c: "A" for c in ECSI["blocks"]}, Scheme.PATH),
    },
    "satisfaction_modeB_factorial": {
        "modes": modes_b,
        "seminr_fit_call": peers["satisfaction_modeB_factorial_seminr"]["call"],
        "seminr": peers["satisfaction_modeB_factorial_seminr"]["extras"],
        "plspm": plspm_gof(sat, SATISFACTION, modes_b, Scheme.FACTORIAL),
    },
    "plsc": {
        k: peers[k]
        for k in (
            "ecsi_path_plsc_seminr",
            "satisfaction_modeB_factorial_plsc_seminr",
            "satisfaction_factorial_plsc_seminr",
        )
    },
}
out.write_text(json.dumps(res, indent=1, allow_nan=False) + "\n")
print("wrote", out)
