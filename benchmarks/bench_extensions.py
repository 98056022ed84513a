"""Speed of the model extensions (run by hand; figures go in the issue note).

    PYTHONPATH=src python benchmarks/bench_extensions.py [--seminr /work/peers/venv/bin/python]

Measures, on the corporate reputation model with switching cost (SC) moderating
CUSA -> CUSL (Hair et al. 2022, ch. 7; 344 respondents, 10 constructs incl. the interaction):

1. a two-stage interaction fit vs a plain fit of the same model without the interaction
   (median of 30 fits each; target: within 3x);
2. 5,000 bootstrap resamples of the moderated model (two-stage re-run in every resample,
   batched; median of 3 runs; target: <= 1.5 s), and of the plain model for comparison;
3. in the same run, seminr-py's ``bootstrap_model(nboot=40)`` of the same model (two-stage
   interaction, sequential) in the peer venv: time per resample, and the ratio to csimodel's.

The machine may be shared: medians, and the same run for both packages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import csimodel as cm

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.refdata import CORP_MODERATION  # noqa: E402

SEMINR = r"""
import json, sys, time
import pandas as pd, seminr
data = pd.read_csv(sys.argv[1]).astype(float)
F = {"QUAL": [f"qual_{i}" for i in range(1, 9)], "PERF": [f"perf_{i}" for i in range(1, 6)],
     "CSOR": [f"csor_{i}" for i in range(1, 6)], "ATTR": [f"attr_{i}" for i in range(1, 4)]}
R = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"],
     "CUSA": ["cusa"], "SC": ["switch_1", "switch_2", "switch_3", "switch_4"],
     "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
mm = seminr.constructs(
    *[seminr.composite(c, i, weights=seminr.mode_B) for c, i in F.items()],
    *[seminr.composite(c, i, weights=seminr.mode_A) for c, i in R.items()],
    seminr.interaction_term(iv="CUSA", moderator="SC", method=seminr.two_stage),
)
paths = [(a, b) for a in F for b in ("COMP", "LIKE")] + [(a, b) for a in ("COMP", "LIKE")
         for b in ("CUSA", "CUSL")] + [("CUSA", "CUSL"), ("SC", "CUSL"), ("CUSA*SC", "CUSL")]
sm = seminr.relationships(*[seminr.paths(a, b) for a, b in paths])
fit = seminr.estimate_pls(data, mm, sm, missing_value=-99.0)
nboot = int(sys.argv[2])
t = time.perf_counter()
seminr.bootstrap_model(fit, nboot=nboot, seed=1)
dt = time.perf_counter() - t
print(json.dumps({"seminr": seminr.__version__ if hasattr(seminr, "__version__") else "",
                  "nboot": nboot, "seconds": dt, "per_resample": dt / nboot}))
"""


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seminr", default="/work/peers/venv/bin/python")
    ap.add_argument("--seminr-nboot", type=int, default=40)
    args = ap.parse_args()
    warnings.simplefilter("ignore", cm.CsimodelWarning)
    data = cm.datasets.load_corp_rep()
    kw = dict(missing="mean", missing_values=(-99,))
    plain_model = cm.Model(CORP_MODERATION.replace(" + CUSA:SC", ""))
    mod_model = cm.Model(CORP_MODERATION)
    est = cm.PLS()
    est.fit(mod_model, data, **kw)  # warm-up
    t_plain = median_time(lambda: est.fit(plain_model, data, **kw), 30)
    t_mod = median_time(lambda: est.fit(mod_model, data, **kw), 30)
    res = est.fit(mod_model, data, **kw)
    cm.bootstrap(res, n_boot=200, random_state=0, progress=False)  # warm-up
    t_boot = median_time(lambda: cm.bootstrap(res, n_boot=5000, random_state=1, progress=False), 3)
    plain = est.fit(plain_model, data, **kw)
    t_boot_plain = median_time(
        lambda: cm.bootstrap(plain, n_boot=5000, random_state=1, progress=False), 3
    )
    out = {
        "fit_plain_s": t_plain,
        "fit_two_stage_s": t_mod,
        "fit_ratio": t_mod / t_plain,
        "bootstrap_5000_s": t_boot,
        "bootstrap_5000_plain_model_s": t_boot_plain,
        "csimodel_per_resample_s": t_boot / 5000,
    }
    csv = Path("/tmp/bench_extensions_corp_rep.csv")
    data.to_csv(csv, index=False)
    try:
        proc = subprocess.run(
            [args.seminr, "-c", SEMINR, str(csv), str(args.seminr_nboot)],
            capture_output=True,
            text=True,
            check=True,
        )
        peer = json.loads(proc.stdout.strip().splitlines()[-1])
        out["seminr_per_resample_s"] = peer["per_resample"]
        out["speedup_per_resample"] = peer["per_resample"] / out["csimodel_per_resample_s"]
    except (OSError, subprocess.CalledProcessError) as e:
        out["seminr_error"] = str(e)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
