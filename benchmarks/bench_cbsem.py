"""ECSI CB-SEM fit: csimodel vs lavaan (and semopy alone), timed in the same run.

Run by hand::

    PYTHONPATH=src python benchmarks/bench_cbsem.py [--repeat 9] [--no-semopy] [--no-lavaan]

* csimodel: ``CBSEM(est).fit(model, data)`` -- the data door, the estimation, SEs, the
  standardized solution and all fit indices -- for ML (default start) and MLR.
* lavaan (R, ``Rscript``): ``sem(model, data = dat, estimator = est)`` followed by
  ``fitMeasures(fit)``, timed inside R after a warm-up with ``system.time`` (R start-up
  not included); and ``cfa(sat_cfa, data = ord, ordered = names(ord), estimator =
  "WLSMV")`` on the satisfaction items recoded to five categories, against
  ``CBSEM("WLSMV").fit(..., ordered=True)``.
* semopy alone: ``Model(desc).fit(data, obj='MLW')`` + ``calc_stats`` (stops above the
  optimum on these data).

Every side is warmed up once, then the median of ``--repeat`` runs is reported together
with the chi-square reached.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import csimodel as cm
from csimodel.estimators.cbsem import to_semopy_syntax

LAVAAN_MODEL = """
  Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  Expectation  =~ CUEX1 + CUEX2 + CUEX3
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value        =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Complaints   =~ CUSCO
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  CUSCO ~~ 0*CUSCO
  Expectation  ~ Image
  Quality      ~ Expectation
  Value        ~ Expectation + Quality
  Satisfaction ~ Image + Expectation + Quality + Value
  Complaints   ~ Satisfaction
  Loyalty      ~ Image + Satisfaction + Complaints
"""

R_SCRIPT = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
dat <- read.csv(args[[1]]); reps <- as.integer(args[[2]])
m <- readLines(args[[3]])
for (est in c("ML", "MLR")) {
  f <- sem(m, data = dat, estimator = est); fm <- fitMeasures(f)   # warm-up
  tt <- replicate(reps, system.time({
    f <- sem(m, data = dat, estimator = est); fm <- fitMeasures(f)})[["elapsed"]])
  cat(est, median(tt), fitMeasures(f, "chisq"), as.character(packageVersion("lavaan")), "\\n")
}
ord <- read.csv(args[[4]]); mc <- readLines(args[[5]])
f <- cfa(mc, data = ord, ordered = names(ord), estimator = "WLSMV"); fm <- fitMeasures(f)
tt <- replicate(reps, system.time({
  f <- cfa(mc, data = ord, ordered = names(ord), estimator = "WLSMV")
  fm <- fitMeasures(f)})[["elapsed"]])
cat("WLSMV-CFA", median(tt), fitMeasures(f, "chisq.scaled"), as.character(packageVersion("lavaan")), "\\n")
"""

#: satisfaction CFA (six constructs, 27 items) for the WLSMV timing
SAT_CFA = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
"""


def ordinal_satisfaction():
    """Satisfaction items recoded to 5 categories (as tests/refdata.py)."""
    import numpy as np
    import pandas as pd

    d = cm.datasets.load_satisfaction()
    x = d[[c for c in d.columns if c != "gender"]]
    y = np.select([x <= 5, x == 6, x == 7, x == 8], [1, 2, 3, 4], 5)
    return pd.DataFrame(y, columns=x.columns)


def _time(fn, repeat):
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        val = fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out), val


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--no-semopy", action="store_true")
    ap.add_argument("--no-lavaan", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    data = cm.datasets.load_ecsi_mobi()
    model = cm.models.ecsi()
    for est in ("ML", "MLR"):
        med, chi = _time(
            lambda est=est: float(cm.CBSEM(est).fit(model, data).fit_indices["chisq"]),
            args.repeat,
        )
        print(f"csimodel CBSEM({est!r}) : median {med:.3f} s  chisq {chi:.4f}")
    ord_data = ordinal_satisfaction()
    med, chi = _time(
        lambda: float(
            cm.CBSEM("WLSMV").fit(SAT_CFA, ord_data, ordered=True).fit_indices["chisq_scaled"]
        ),
        args.repeat,
    )
    print(f"csimodel CBSEM('WLSMV') satisfaction CFA : median {med:.3f} s  chisq_scaled {chi:.4f}")
    if not args.no_lavaan and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "ecsi.csv"
            data.to_csv(csv, index=False)
            (Path(tmp) / "m.lav").write_text(LAVAAN_MODEL)
            (Path(tmp) / "b.R").write_text(R_SCRIPT)
            ord_csv = Path(tmp) / "ord.csv"
            ord_data.to_csv(ord_csv, index=False)
            (Path(tmp) / "c.lav").write_text(SAT_CFA)
            out = subprocess.run(
                [
                    "Rscript",
                    str(Path(tmp) / "b.R"),
                    str(csv),
                    str(args.repeat),
                    str(Path(tmp) / "m.lav"),
                    str(ord_csv),
                    str(Path(tmp) / "c.lav"),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        for line in out.strip().splitlines():
            est, med, chi, ver = line.split()
            print(
                f"lavaan {ver} {est} (sem/cfa + fitMeasures) : median {float(med):.3f} s  chisq {float(chi):.4f}"
            )
    if not args.no_semopy:
        import semopy

        desc = to_semopy_syntax(model)

        def sem_fit():
            m = semopy.Model(desc)
            m.fit(data[list(model.items)], obj="MLW")
            return float(semopy.calc_stats(m).loc["Value", "chi2"])

        med, chi = _time(sem_fit, args.repeat)
        print(f"semopy {semopy.__version__} fit + calc_stats : median {med:.3f} s  chisq {chi:.4f}")


if __name__ == "__main__":
    main()
