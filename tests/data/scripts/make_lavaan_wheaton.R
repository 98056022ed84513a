# Wheaton et al. (1977) stability of alienation: lavaan fit of the published covariance matrix
# (as in the lavaan tutorial, https://lavaan.ugent.be/tutorial/cov.html), written to
# tests/data/lavaan_wheaton.json. Run: Rscript tests/data/scripts/make_lavaan_wheaton.R
library(lavaan)
lower <- '
 11.834
  6.947   9.364
  6.819   5.091  12.532
  4.783   5.028   7.495   9.986
 -3.839  -3.889  -3.841  -3.625  9.610
-21.899 -18.831 -21.748 -18.775 35.522 450.288 '
wheaton.cov <- getCov(lower, names = c("anomia67", "powerless67", "anomia71",
                                       "powerless71", "education", "sei"))
model <- '
  ses     =~ education + sei
  alien67 =~ anomia67 + powerless67
  alien71 =~ anomia71 + powerless71
  alien71 ~ alien67 + ses
  alien67 ~ ses
  anomia67 ~~ anomia71
  powerless67 ~~ powerless71
'
fit <- sem(model, sample.cov = wheaton.cov, sample.nobs = 932)
pe <- parameterEstimates(fit)
fm <- fitMeasures(fit, c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
                         "rmsea", "srmr"))
rows <- sprintf('    {"lhs": "%s", "op": "%s", "rhs": "%s", "est": %.10f}', pe$lhs, pe$op, pe$rhs, pe$est)
out <- c('{',
  sprintf('  "source": "lavaan %s, sem(model, sample.cov = wheaton.cov, sample.nobs = 932); model and matrix as in tests/data/scripts/make_lavaan_wheaton.R",', packageVersion("lavaan")),
  '  "fit": {',
  paste(sprintf('    "%s": %.10f', names(fm), as.numeric(fm)), collapse = ",\n"),
  '  },',
  '  "params": [',
  paste(rows, collapse = ",\n"),
  '  ]',
  '}')
writeLines(out, "tests/data/lavaan_wheaton.json")
