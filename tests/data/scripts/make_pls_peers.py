"""Reference PLS path-model estimates from peer packages, for csimodel's tests.

Runs the Python port of seminr (PyPI ``seminr``) and ``plspm`` (PyPI, G. Sanchez's
R plspm ported by Google) side by side on the bundled survey data and writes
``pls_peers.json`` next to this script (or to the path given as argv[1]).

Environment (not csimodel's own dependencies; a throw-away venv):

    python3 -m venv venv
    venv/bin/pip install seminr plspm "pandas<3"     # plspm breaks on pandas 3
    venv/bin/python make_pls_peers.py [out.json] [data_dir]

Conventions of the output (per case):
  weights   "Construct|item" -> standardized outer weight (score = sum w * z_item,
            score with unit variance, items with unit variance)
  loadings  "Construct|item" -> correlation of the item with its construct score
  paths     "Source->Target" -> standardized path coefficient
  r2        endogenous construct -> R^2
  Signs are reported as each peer gives them (all blocks here come out positive).

Data preparation:
  seminr  gets the raw data; it z-scores every item with the sample SD (n-1).
  plspm   gets items that *this script* z-scored with the population SD (ddof=0),
          and ``Config(scaled=False)`` (plspm then only centres). plspm's own
          ``scaled=True`` divides all items by ONE pooled SD (not per-item SDs),
          which is a different model (kept as an extra case, the Tenenhaus et al.
          2005 "same scale" setting). The n vs n-1 choice does not change any
          standardized result; plspm normalizes scores to population SD 1, so
          population-SD items give weights on the standard scale.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import plspm.config as pconfig
import plspm.weights as pweights
import seminr
from plspm.mode import Mode
from plspm.plspm import Plspm
from plspm.scheme import Scheme
from seminr.evaluate.constructs_in_model import constructs_in_model
from seminr.evaluate.validity import item_vifs, pls_antecedent_vifs

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "pls_peers.json"
DATA = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("/work/shared/data")

# Convergence settings (tightest that converge on every case here).
SEMINR_STOP = 14  # seminr: stop when sum |w_new - w_old| < 10**-14
SEMINR_MAX_IT = 10_000
PLSPM_TOL = 1e-28  # plspm: stop when sum (|w_old| - |w_new|)^2 < 1e-28 (~1e-14 abs)
PLSPM_MAX_IT = 10_000

# ----------------------------------------------------------------------------- models

ECSI = {
    "blocks": {
        "Image": ["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"],
        "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "Quality": [f"PERQ{i}" for i in range(1, 8)],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
        "Complaints": ["CUSCO"],
        "Loyalty": ["CUSL1", "CUSL2", "CUSL3"],
    },
    "paths": [
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


def all_a(model: dict) -> dict[str, str]:
    return {c: "A" for c in model["blocks"]}


# ----------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def f(x: float) -> float | None:
    """Plain float (full precision survives json's repr-based float encoding)."""
    x = float(x)
    return None if math.isnan(x) else x


def standardize_population(df: pd.DataFrame) -> pd.DataFrame:
    return (df - df.mean()) / df.std(ddof=0)


# ----------------------------------------------------------------------------- seminr

SEMINR_SCHEMES = {"path": seminr.path_weighting, "factorial": seminr.path_factorial}


def seminr_specs(model: dict, modes: dict[str, str], reflective: set[str] = frozenset()):
    specs = []
    for name, items in model["blocks"].items():
        if name in reflective:
            specs.append(seminr.reflective(name, items))
        else:
            w = seminr.mode_B if modes[name] == "B" else seminr.mode_A
            specs.append(seminr.composite(name, items, weights=w))
    mm = seminr.constructs(*specs)
    sm = seminr.relationships(*[seminr.paths(a, b) for a, b in model["paths"]])
    return mm, sm


def seminr_call_text(model_name: str, scheme: str, missing_value=None) -> str:
    mv = f", missing_value={missing_value}" if missing_value is not None else ""
    return (
        f"seminr.estimate_pls(data, mm, sm, inner_weights=seminr.{SEMINR_SCHEMES[scheme].__name__}"
        f", max_it={SEMINR_MAX_IT}, stop_criterion={SEMINR_STOP}{mv})  "
        f"# mm = seminr.constructs(seminr.composite(name, items, weights=seminr.mode_A|mode_B)...), "
        f"sm = seminr.relationships(seminr.paths(src, tgt)...) for the {model_name} model"
    )


def seminr_fit(data, model, modes, scheme, missing_value=None, reflective=frozenset()):
    mm, sm = seminr_specs(model, modes, reflective)
    fit = seminr.estimate_pls(
        data,
        mm,
        sm,
        inner_weights=SEMINR_SCHEMES[scheme],
        max_it=SEMINR_MAX_IT,
        stop_criterion=SEMINR_STOP,
        missing_value=missing_value,
    )
    if fit.iterations >= SEMINR_MAX_IT:
        raise RuntimeError("seminr did not converge")
    return fit


def seminr_core(fit, model) -> dict:
    weights, loadings = {}, {}
    for c, items in model["blocks"].items():
        for it in items:
            weights[f"{c}|{it}"] = f(fit.outer_weights.get(it, c))
            loadings[f"{c}|{it}"] = f(fit.outer_loadings.get(it, c))
    paths = {f"{a}->{b}": f(fit.path_coef.get(a, b)) for a, b in model["paths"]}
    r2 = {c: f(fit.r_squared.get("Rsq", c)) for c in fit.sm_matrix.all_endogenous()}
    r2_adj = {c: f(fit.r_squared.get("AdjRsq", c)) for c in fit.sm_matrix.all_endogenous()}
    return {
        "weights": weights,
        "loadings": loadings,
        "paths": paths,
        "r2": r2,
        "r2_adj": r2_adj,
        "iterations": int(fit.iterations),
        "iterations_note": (
            "seminr counts completed update passes minus one: the loop breaks on the pass "
            "whose weight change is below the threshold without incrementing"
        ),
        "final_weight_change": f(fit.weight_diff),
        "convergence": f"sum |w_new - w_old| < 1e-{SEMINR_STOP} (weights normalized each pass)",
    }


def named_matrix_dict(m, skip_zero=False, sep="->") -> dict:
    out = {}
    for i, r in enumerate(m.rows):
        for j, c in enumerate(m.cols):
            v = float(m.values[i, j])
            if math.isnan(v) or (skip_zero and v == 0.0):
                continue
            out[f"{r}{sep}{c}"] = v
    return out


def seminr_extras(fit, model) -> dict:
    rel = seminr.reliability_table(fit)
    reliability = {
        c: {k: f(rel.get(c, k)) for k in ("alpha", "rhoA", "rhoC", "AVE")} for c in rel.rows
    }
    h = seminr.htmt(fit)
    htmt = {}
    for i, a in enumerate(h.rows):
        for j, b in enumerate(h.cols):
            v = float(h.values[i, j])
            if not math.isnan(v):
                htmt[f"{a}|{b}"] = v
    mc = constructs_in_model(fit)
    item_vif = {f"{c}|{it}": f(v) for c, d in item_vifs(fit, mc).items() for it, v in d.items()}
    ante_vif = {
        f"{a}->{c}": f(v) for c, d in pls_antecedent_vifs(fit, mc).items() for a, v in d.items()
    }
    fsq = seminr.model_fsquares(fit)
    f2 = {f"{a}->{b}": f(fsq.get(a, b)) for a, b in model["paths"]}
    te = named_matrix_dict(seminr.total_effects(fit.path_coef), skip_zero=True)
    tie = named_matrix_dict(seminr.total_indirect_effects(fit.path_coef), skip_zero=True)
    return {
        "reliability": reliability,
        "reliability_note": (
            "alpha: standardized (from item correlations); rhoA: Dijkstra-Henseler from the "
            "PLS weights; rhoC/AVE from loadings; single-item constructs -> 1"
        ),
        "htmt": htmt,
        "htmt_note": "key 'A|B' for the upper triangle in the model's construct order",
        "item_vif": item_vif,
        "antecedent_vif": ante_vif,
        "antecedent_vif_note": "NaN (omitted -> null) when a construct has one antecedent",
        "f2": f2,
        "f2_note": "R2 with/without the path, the model re-estimated without it (seminr)",
        "total_effects": te,
        "total_indirect_effects": tie,
    }


def seminr_plsc(fit, model) -> dict:
    loadings = {}
    for c, items in model["blocks"].items():
        for it in items:
            loadings[f"{c}|{it}"] = f(fit.outer_loadings.get(it, c))
    paths = {f"{a}->{b}": f(fit.path_coef.get(a, b)) for a, b in model["paths"]}
    r2 = {c: f(fit.r_squared.get("Rsq", c)) for c in fit.sm_matrix.all_endogenous()}
    rho = seminr.rho_A(fit)
    return {
        "loadings": loadings,
        "paths": paths,
        "r2": r2,
        "rhoA": {c: f(rho.get(c, "rhoA")) for c in rho.rows},
        "note": (
            "PLSc (Dijkstra & Henseler 2015) as in seminr: score correlations disattenuated "
            "by sqrt(rhoA_i rhoA_j), OLS on them; reflective loadings w*sqrt(rhoA)/(w'w); "
            "composites keep rhoA=1. Weights are the ordinary PLS ones."
        ),
    }


# ----------------------------------------------------------------------------- plspm

PLSPM_SCHEMES = {"centroid": Scheme.CENTROID, "factorial": Scheme.FACTORIAL, "path": Scheme.PATH}

# plspm does not expose its iteration count: count calls of the (metric) update step.
_PLSPM_COUNTER = {"n": 0, "last": math.nan}
_plspm_iterate = pweights._MetricWeights.iterate


def _counting_iterate(self, scheme):
    _PLSPM_COUNTER["n"] += 1
    value = _plspm_iterate(self, scheme)
    _PLSPM_COUNTER["last"] = float(value)
    return value


pweights._MetricWeights.iterate = _counting_iterate


def plspm_fit(data: pd.DataFrame, model, modes, scheme, scaled=False):
    structure = pconfig.Structure()
    for a, b in model["paths"]:
        structure.add_path([a], [b])
    cfg = pconfig.Config(structure.path(), scaled=scaled)
    for name, items in model["blocks"].items():
        cfg.add_lv(name, Mode.B if modes[name] == "B" else Mode.A, *[pconfig.MV(i) for i in items])
    _PLSPM_COUNTER["n"] = 0
    fit = Plspm(data, cfg, PLSPM_SCHEMES[scheme], iterations=PLSPM_MAX_IT, tolerance=PLSPM_TOL)
    return fit, _PLSPM_COUNTER["n"], _PLSPM_COUNTER["last"]


def plspm_call_text(scheme: str, scaled=False) -> str:
    return (
        f"plspm.plspm.Plspm(data, config, Scheme.{scheme.upper()}, iterations={PLSPM_MAX_IT}, "
        f"tolerance={PLSPM_TOL!r})  # config = plspm.config.Config(Structure().path(), "
        f"scaled={scaled}); config.add_lv(name, Mode.A|Mode.B, *[MV(i) for i in items]); "
        "Structure.add_path([src], [tgt]) per path"
    )


def plspm_core(fit, n_iter, last, model) -> dict:
    om = fit.outer_model()
    pc = fit.path_coefficients()  # rows = target, columns = source
    weights, loadings = {}, {}
    for c, items in model["blocks"].items():
        for it in items:
            weights[f"{c}|{it}"] = f(om.loc[it, "weight"])
            loadings[f"{c}|{it}"] = f(om.loc[it, "loading"])
    paths = {f"{a}->{b}": f(pc.loc[b, a]) for a, b in model["paths"]}
    summ = fit.inner_summary()
    endo = sorted({b for _, b in model["paths"]}, key=list(model["blocks"]).index)
    r2 = {c: f(summ.loc[c, "r_squared"]) for c in endo}
    r2_adj = {c: f(summ.loc[c, "r_squared_adj"]) for c in endo}
    # plspm flips a block's *scores* (not its weights) when most item-score
    # correlations are negative; flag that it did not happen.
    flipped = [
        c
        for c, items in model["blocks"].items()
        if np.sign(sum(weights[f"{c}|{i}"] for i in items))
        != np.sign(sum(loadings[f"{c}|{i}"] for i in items))
    ]
    return {
        "weights": weights,
        "loadings": loadings,
        "paths": paths,
        "r2": r2,
        "r2_adj": r2_adj,
        "iterations": int(n_iter),
        "iterations_note": "number of outer-weight update passes run (counted by this script)",
        "final_weight_change": f(last),
        "convergence": (
            f"sum over items of (|w_old| - |w_new|)^2 < {PLSPM_TOL!r}, on the unnormalized "
            "mode-A/B weights of each pass"
        ),
        "blocks_with_score_sign_flip": flipped,
    }


# ----------------------------------------------------------------------------- compare


def sign_fixed(case: dict, model: dict) -> dict:
    """Per-block sign fix: make the sum of a block's loadings positive, carry it to paths."""
    s = {
        c: (1.0 if sum(case["loadings"][f"{c}|{i}"] for i in items) >= 0 else -1.0)
        for c, items in model["blocks"].items()
    }
    return {
        "weights": {k: v * s[k.split("|")[0]] for k, v in case["weights"].items()},
        "loadings": {k: v * s[k.split("|")[0]] for k, v in case["loadings"].items()},
        "paths": {
            k: v * s[k.split("->")[0]] * s[k.split("->")[1]] for k, v in case["paths"].items()
        },
        "r2": case["r2"],
    }


def max_abs_diff(a: dict, b: dict, model: dict) -> dict:
    a, b = sign_fixed(a, model), sign_fixed(b, model)
    out = {}
    for part in ("weights", "loadings", "paths", "r2"):
        out[part] = max(abs(a[part][k] - b[part][k]) for k in a[part])
    out["all"] = max(out.values())
    return out


# ----------------------------------------------------------------------------- main


def main() -> None:
    ecsi_path = DATA / "ecsi_mobi.csv"
    sat_path = DATA / "satisfaction.csv"
    corp_path = DATA / "corp_rep.csv"
    ecsi = pd.read_csv(ecsi_path).astype(float)
    sat = pd.read_csv(sat_path).drop(columns=["gender"]).astype(float)
    corp_raw = pd.read_csv(corp_path).astype(float)

    # corp_rep: -99 -> NaN -> item mean (over the non-missing answers)
    corp_items = [i for items in CORP_REP["blocks"].values() for i in items]
    corp_mean = corp_raw[corp_items].replace(-99.0, np.nan)
    corp_mean = corp_mean.fillna(corp_mean.mean())

    seminr_v, plspm_v = version("seminr"), version("plspm")
    seminr_prep = "raw data to seminr, which z-scores each item with the sample SD (n-1)"
    plspm_prep = (
        "items z-scored by this script with the POPULATION SD (ddof=0), then "
        "plspm Config(scaled=False) (plspm only centres)"
    )

    out: dict = {
        "_meta": {
            "generator": "make_pls_peers.py",
            "python": platform.python_version(),
            "packages": {
                p: version(p)
                for p in ("seminr", "plspm", "numpy", "pandas", "scipy", "statsmodels")
            },
            "data_sha256": {p.name: sha256(p) for p in (ecsi_path, sat_path, corp_path)},
            "sign_convention": (
                "values as the peer reports them; compare after fixing each block's sign "
                "(e.g. sum of loadings positive). All blocks in these cases come out positive."
            ),
            "weights_scale": (
                "standardized outer weights: score = sum_j w_j z_j with z_j unit-variance items and "
                "a unit-variance score (same numbers whether variances use n or n-1)"
            ),
            "keys": "weights/loadings 'Construct|item'; paths 'Source->Target'; r2 by construct",
        },
    }

    def add_seminr(name, data, model, modes, scheme, missing_value=None, desc=""):
        fit = seminr_fit(data, model, modes, scheme, missing_value)
        out[name] = {
            "package": "seminr",
            "version": seminr_v,
            "model": desc,
            "scheme": scheme,
            "modes": modes,
            "call": seminr_call_text(desc, scheme, missing_value),
            "data_prep": seminr_prep
            + (
                "; -99 declared via missing_value, replaced by the item mean"
                if missing_value
                else ""
            ),
            **seminr_core(fit, model),
        }
        return fit

    def add_plspm(name, data, model, modes, scheme, desc="", prep=plspm_prep, scaled=False):
        fit, n_iter, last = plspm_fit(data, model, modes, scheme, scaled=scaled)
        out[name] = {
            "package": "plspm",
            "version": plspm_v,
            "model": desc,
            "scheme": scheme,
            "modes": modes,
            "call": plspm_call_text(scheme, scaled),
            "data_prep": prep,
            **plspm_core(fit, n_iter, last, model),
        }

    agreement = {}

    # --- ECSI, all mode A, three schemes
    ecsi_z = standardize_population(ecsi)
    modes = all_a(ECSI)
    for scheme in ("centroid", "factorial", "path"):
        add_plspm(f"ecsi_{scheme}_plspm", ecsi_z, ECSI, modes, scheme, "ECSI on ecsi_mobi")
    for scheme in ("factorial", "path"):
        add_seminr(f"ecsi_{scheme}_seminr", ecsi, ECSI, modes, scheme, desc="ECSI on ecsi_mobi")
        agreement[f"ecsi_{scheme}"] = max_abs_diff(
            out[f"ecsi_{scheme}_seminr"], out[f"ecsi_{scheme}_plspm"], ECSI
        )

    # ECSI centroid with plspm's own scaled=True (one pooled SD for all items ==
    # items centred on their common 1-10 scale): Tenenhaus et al. (2005) setting.
    add_plspm(
        "ecsi_centroid_pooledsd_plspm",
        ecsi,
        ECSI,
        modes,
        "centroid",
        "ECSI on ecsi_mobi, items NOT standardized (Tenenhaus et al. 2005 setting)",
        prep=(
            "raw data, plspm Config(scaled=True): items centred and all divided by ONE pooled "
            "population SD of the stacked item values (i.e. common-scale, not standardized). "
            "Weights here refer to those pooled-scaled items, loadings are correlations."
        ),
        scaled=True,
    )

    # --- satisfaction, mode A, path scheme
    sat_z = standardize_population(sat)
    modes = all_a(SATISFACTION)
    add_seminr("satisfaction_path_seminr", sat, SATISFACTION, modes, "path", desc="satisfaction")
    add_plspm("satisfaction_path_plspm", sat_z, SATISFACTION, modes, "path", "satisfaction")
    agreement["satisfaction_path"] = max_abs_diff(
        out["satisfaction_path_seminr"], out["satisfaction_path_plspm"], SATISFACTION
    )

    # --- satisfaction, EXPE and VAL mode B, factorial scheme
    modes_b = {**all_a(SATISFACTION), "EXPE": "B", "VAL": "B"}
    desc_b = "satisfaction, EXPE and VAL mode B (composite), others mode A"
    sat_b_fit = add_seminr(
        "satisfaction_modeB_factorial_seminr", sat, SATISFACTION, modes_b, "factorial", desc=desc_b
    )
    add_plspm(
        "satisfaction_modeB_factorial_plspm", sat_z, SATISFACTION, modes_b, "factorial", desc_b
    )
    agreement["satisfaction_modeB_factorial"] = max_abs_diff(
        out["satisfaction_modeB_factorial_seminr"],
        out["satisfaction_modeB_factorial_plspm"],
        SATISFACTION,
    )

    # --- corp_rep simple model, path scheme, -99 -> item mean
    modes = all_a(CORP_REP)
    add_seminr(
        "corp_rep_path_seminr",
        corp_raw,
        CORP_REP,
        modes,
        "path",
        missing_value=-99.0,
        desc="simple corporate reputation",
    )
    add_plspm(
        "corp_rep_path_plspm",
        standardize_population(corp_mean),
        CORP_REP,
        modes,
        "path",
        "simple corporate reputation",
        prep="-99 -> item mean (non-missing answers) by this script; then " + plspm_prep,
    )
    agreement["corp_rep_path"] = max_abs_diff(
        out["corp_rep_path_seminr"], out["corp_rep_path_plspm"], CORP_REP
    )
    hair = {
        "COMP->CUSA": 0.162051224909051,
        "LIKE->CUSA": 0.423869606104923,
        "CUSA->CUSL": 0.504466308486452,
        "COMP->CUSL": 0.00917454313254589,
        "LIKE->CUSL": 0.342069436585268,
    }
    out["corp_rep_path_seminr"]["check_vs_hair_primer"] = {
        "expected": hair,
        "max_abs_diff_seminr": max(
            abs(out["corp_rep_path_seminr"]["paths"][k] - v) for k, v in hair.items()
        ),
        "max_abs_diff_plspm": max(
            abs(out["corp_rep_path_plspm"]["paths"][k] - v) for k, v in hair.items()
        ),
    }

    # --- seminr evaluation extras and PLSc
    ecsi_fit = seminr_fit(ecsi, ECSI, all_a(ECSI), "path")
    out["ecsi_path_seminr"]["extras"] = seminr_extras(ecsi_fit, ECSI)
    out["satisfaction_modeB_factorial_seminr"]["extras"] = seminr_extras(sat_b_fit, SATISFACTION)

    multi = {c for c, items in ECSI["blocks"].items()}
    plsc = seminr_fit(ecsi, ECSI, all_a(ECSI), "path", reflective=multi)
    out["ecsi_path_plsc_seminr"] = {
        "package": "seminr",
        "version": seminr_v,
        "model": "ECSI on ecsi_mobi, every construct reflective (PLSc)",
        "scheme": "path",
        "call": seminr_call_text("ECSI", "path")
        + "; every construct as seminr.reflective(name, items)",
        "data_prep": seminr_prep,
        **seminr_plsc(plsc, ECSI),
    }
    refl = {"IMAG", "QUAL", "SAT", "LOY"}
    plsc = seminr_fit(sat, SATISFACTION, modes_b, "factorial", reflective=refl)
    out["satisfaction_modeB_factorial_plsc_seminr"] = {
        "package": "seminr",
        "version": seminr_v,
        "model": "satisfaction; IMAG, QUAL, SAT, LOY reflective (PLSc); EXPE, VAL mode B composites",
        "scheme": "factorial",
        "call": seminr_call_text("satisfaction", "factorial")
        + "; IMAG/QUAL/SAT/LOY as seminr.reflective(...), EXPE/VAL as "
        "seminr.composite(..., weights=seminr.mode_B)",
        "data_prep": seminr_prep,
        **seminr_plsc(plsc, SATISFACTION),
    }
    plsc = seminr_fit(
        sat, SATISFACTION, all_a(SATISFACTION), "factorial", reflective=set(SATISFACTION["blocks"])
    )
    out["satisfaction_factorial_plsc_seminr"] = {
        "package": "seminr",
        "version": seminr_v,
        "model": "satisfaction, every construct reflective (PLSc)",
        "scheme": "factorial",
        "call": seminr_call_text("satisfaction", "factorial")
        + "; every construct as seminr.reflective(name, items)",
        "data_prep": seminr_prep,
        **seminr_plsc(plsc, SATISFACTION),
    }

    out["_agreement"] = {
        "what": "max |seminr - plspm| after per-block sign fixing, same model/scheme",
        **agreement,
    }

    OUT.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
    print(f"wrote {OUT}")
    for k, v in agreement.items():
        print(f"{k:32s} max abs diff {v['all']:.3e}")
    print("corp_rep vs Hair:", out["corp_rep_path_seminr"]["check_vs_hair_primer"])


if __name__ == "__main__":
    main()
