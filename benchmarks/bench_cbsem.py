"""ECSI CB-SEM fit: csimodel vs lavaan (and semopy alone), timed in the same run.

Run by hand::

    PYTHONPATH=src python benchmarks/bench_cbsem.py [--repeat 9] [--no-semopy] [--no-lavaan]

* csimodel: ``CBSEM(est).fit(model, data)`` -- the data door, the estimation, SEs, the
  standardized solution and all fit indices -- for ML (default start) and MLR.
* lavaan (R, ``Rscript``): ``sem(model, data = dat, estimator = est)`` followed by
  ``fitMeasures(fit)``, timed inside R after a warm-up with ``system.time`` (R start-up
  not included).
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
"""


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
    if not args.no_lavaan and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv = Path(tmp) / "ecsi.csv"
            data.to_csv(csv, index=False)
            (Path(tmp) / "m.lav").write_text(LAVAAN_MODEL)
            (Path(tmp) / "b.R").write_text(R_SCRIPT)
            out = subprocess.run(
                [
                    "Rscript",
                    str(Path(tmp) / "b.R"),
                    str(csv),
                    str(args.repeat),
                    str(Path(tmp) / "m.lav"),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        for line in out.strip().splitlines():
            est, med, chi, ver = line.split()
            print(
                f"lavaan {ver} sem({est}) + fitMeasures : median {float(med):.3f} s  chisq {float(chi):.4f}"
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
