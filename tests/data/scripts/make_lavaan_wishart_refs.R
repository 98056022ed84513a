# make_lavaan_wishart_refs.R -- lavaan ML with likelihood = "wishart" (S with divisor N - 1,
# T = (N - 1) F) on the ECSI model, for docs/conventions.md (tests/test_conventions.py).
#
# Usage:  Rscript make_lavaan_wishart_refs.R [data.csv] [out.json]
# Defaults: src/csimodel/datasets/data/ecsi_mobi.csv -> tests/data/lavaan_wishart.json
# (run from tests/data/scripts). Requires base R + lavaan. Numbers with 17 significant digits.

suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
data_path <- if (length(args) >= 1) args[[1]] else "../../../src/csimodel/datasets/data/ecsi_mobi.csv"
out_path  <- if (length(args) >= 2) args[[2]] else "../lavaan_wishart.json"
dat <- read.csv(data_path)
stopifnot(nrow(dat) == 250)

# the same ECSI model as make_lavaan_refs.R
ecsi_model <- '
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
'
call <- 'sem(ecsi_model, data = dat, estimator = "ML", likelihood = "wishart")'
fit <- eval(parse(text = call))
fm <- fitMeasures(fit, c("chisq", "df", "rmsea", "cfi", "tli", "srmr", "ntotal"))
num <- function(x) format(x, digits = 17, scientific = FALSE, trim = TRUE)
pe <- parameterEstimates(fit)
pe <- pe[pe$op %in% c("=~", "~"), ]
rows <- sprintf('    {"lhs": "%s", "op": "%s", "rhs": "%s", "est": %s, "se": %s}',
                pe$lhs, pe$op, pe$rhs, num(pe$est), ifelse(is.na(pe$se), "null", num(pe$se)))
fits <- paste(sprintf('    "%s": %s', names(fm), num(unname(fm))), collapse = ",\n")
json <- paste0(
  '{\n  "_meta": {"generator": "tests/data/scripts/make_lavaan_wishart_refs.R", ',
  '"R": "', R.version.string, '", "lavaan": "', as.character(packageVersion("lavaan")), '", ',
  '"call": "', gsub('"', '\\\\"', call), '", "converged": ', tolower(lavInspect(fit, "converged")), '},\n',
  '  "fit": {\n', fits, '\n  },\n',
  '  "params": [\n', paste(rows, collapse = ",\n"), '\n  ]\n}\n')
writeLines(json, out_path)
cat("wrote", out_path, "\n")
