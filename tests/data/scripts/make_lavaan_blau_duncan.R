# Blau & Duncan (1967, ch. 5, Table 5.1) basic model of occupational attainment: lavaan fit of
# the published correlation matrix (n = 20700), written to tests/data/lavaan_blau_duncan.json
# for tests/test_gallery.py. Matrix as in R package sem 3.1-15 (?effects.sem, object R.bd).
# Each variable is a single-item latent variable without error, as csimodel specifies it.
# Run from the repository root: Rscript tests/data/scripts/make_lavaan_blau_duncan.R
library(lavaan)
lower <- '
 1
  .516 1
  .453 .438 1
  .332 .417 .538 1
  .322 .405 .596 .541 1 '
bd.cor <- getCov(lower, names = c("V", "X", "U", "W", "Y"))
model <- '
  FatherEd  =~ V
  FatherOcc =~ X
  Education =~ U
  FirstJob  =~ W
  Occ1962   =~ Y
  V ~~ 0*V
  X ~~ 0*X
  U ~~ 0*U
  W ~~ 0*W
  Y ~~ 0*Y
  Education ~ FatherEd + FatherOcc
  FirstJob  ~ Education + FatherOcc
  Occ1962   ~ FirstJob + Education + FatherOcc
'
fit <- sem(model, sample.cov = bd.cor, sample.nobs = 20700)
pe <- parameterEstimates(fit)
pe <- pe[!(pe$op == "~~" & pe$lhs %in% c("V", "X", "U", "W", "Y")) & pe$op != "=~", ]
fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
                         "rmsea", "srmr"))
rows <- sprintf('    {"lhs": "%s", "op": "%s", "rhs": "%s", "est": %.10f, "se": %.10f}',
                pe$lhs, pe$op, pe$rhs, pe$est, pe$se)
out <- c('{',
  sprintf('  "source": "lavaan %s, sem(model, sample.cov = bd.cor, sample.nobs = 20700); model and matrix as in tests/data/scripts/make_lavaan_blau_duncan.R",', packageVersion("lavaan")),
  '  "fit": {',
  paste(sprintf('    "%s": %.10f', names(fm), as.numeric(fm)), collapse = ",\n"),
  '  },',
  '  "params": [',
  paste(rows, collapse = ",\n"),
  '  ]',
  '}')
writeLines(out, "tests/data/lavaan_blau_duncan.json")
