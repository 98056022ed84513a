# make_lavaan_fiml_refs.R -- FIML (missing = "ml") CB-SEM references from R lavaan.
#
# Usage (from the repository root):
#   Rscript tests/data/scripts/make_lavaan_fiml_refs.R
# Reads  src/csimodel/datasets/data/ecsi_mobi.csv (the bundled ECSI data, 250 x 24),
# writes tests/data/ecsi_mobi_missing.csv (deterministic MCAR holes, NA) and
#        tests/data/lavaan_fiml.json.
# R 4.2.2, lavaan 0.6-14. Numbers written with 17 significant digits.

suppressPackageStartupMessages(library(lavaan))

src <- "src/csimodel/datasets/data/ecsi_mobi.csv"
csv_out <- "tests/data/ecsi_mobi_missing.csv"
out_path <- "tests/data/lavaan_fiml.json"

dat <- read.csv(src)
stopifnot(nrow(dat) == 250, ncol(dat) == 24)

# ---- deterministic MCAR pattern: each cell of 8 items missing with prob. 0.05,
# plus row 17 with every answer missing (lavaan ignores empty cases; csimodel must
# exclude and record it).
set.seed(20261126, kind = "Mersenne-Twister", normal.kind = "Inversion",
         sample.kind = "Rejection")
holes <- c("IMAG2", "CUEX3", "PERQ1", "PERQ5", "PERV2", "CUSA2", "CUSCO", "CUSL3")
for (v in holes) dat[runif(nrow(dat)) < 0.05, v] <- NA
dat[17, ] <- NA
write.csv(dat, csv_out, row.names = FALSE, na = "NA")

R_VERSION <- R.version.string
LAVAAN_VERSION <- as.character(packageVersion("lavaan"))

measurement <- '
  Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  Expectation  =~ CUEX1 + CUEX2 + CUEX3
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value        =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Complaints   =~ CUSCO
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  CUSCO ~~ 0*CUSCO
'
structural <- '
  Expectation  ~ Image
  Quality      ~ Expectation
  Value        ~ Expectation + Quality
  Satisfaction ~ Image + Expectation + Quality + Value
  Complaints   ~ Satisfaction
  Loyalty      ~ Image + Satisfaction + Complaints
'
ecsi_model <- paste(measurement, structural, sep = "\n")
cfa_model  <- measurement

CASES <- list(
  ecsi_fiml = 'sem(ecsi_model, data = dat, estimator = "ML", missing = "ml")',
  cfa_fiml  = 'cfa(cfa_model, data = dat, estimator = "ML", missing = "ml")'
)

json_num <- function(x) {
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.integer(x)) return(as.character(x))
  format(x, digits = 17, scientific = FALSE, trim = TRUE)
}
json_str <- function(x) {
  if (is.na(x)) return("null")
  x <- gsub("\\\\", "\\\\\\\\", x); x <- gsub("\"", "\\\\\"", x); x <- gsub("\n", "\\\\n", x)
  paste0("\"", x, "\"")
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1); pad0 <- strrep("  ", indent)
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, to_json, character(1), indent = indent + 1)
    if (!is.null(names(x))) {
      items <- paste0(vapply(names(x), json_str, character(1)), ": ", items)
      return(paste0("{\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", pad0, "}"))
    }
    return(paste0("[\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", pad0, "]"))
  }
  conv <- if (is.character(x)) json_str else if (is.logical(x))
    function(v) if (is.na(v)) "null" else tolower(as.character(v)) else json_num
  vals <- vapply(seq_along(x), function(i) conv(x[[i]]), character(1))
  if (!is.null(names(x))) {
    items <- paste0(vapply(names(x), json_str, character(1)), ": ", vals)
    return(paste0("{\n", pad, paste(items, collapse = paste0(",\n", pad)), "\n", pad0, "}"))
  }
  if (length(x) == 1) return(vals)
  paste0("[", paste(vals, collapse = ", "), "]")
}

FIT_KEYS <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
              "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr",
              "srmr_bentler", "srmr_bentler_nomean", "srmr_mplus", "srmr_mplus_nomean",
              "aic", "bic", "logl", "unrestricted.logl", "npar", "ntotal")

dump_case <- function(call_str) {
  warns <- character(0)
  fit <- withCallingHandlers(eval(parse(text = call_str)), warning = function(w) {
    warns <<- c(warns, gsub("\\s+", " ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  stopifnot(lavInspect(fit, "converged"))
  opts <- lavInspect(fit, "options")
  fm_all <- fitMeasures(fit)
  fm_all <- setNames(as.numeric(fm_all), names(fm_all))
  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit, type = "std.all", se = FALSE, zstat = FALSE,
                             pvalue = FALSE, ci = FALSE)
  params <- lapply(seq_len(nrow(pe)), function(i) list(
    lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
    free = !is.na(pe$z[i]),
    est = pe$est[i], se = pe$se[i], z = pe$z[i], pvalue = pe$pvalue[i],
    std_all = ss$est.std[i]))
  h1 <- lavInspect(fit, "sampstat.h1")
  list(
    R_version = R_VERSION, lavaan_version = LAVAAN_VERSION, call = call_str,
    options = list(estimator = opts$estimator, missing = opts$missing,
                   information = opts$information, se = opts$se, test = opts$test,
                   h1.information = opts$h1.information,
                   nobs = lavInspect(fit, "nobs"), ntotal = lavInspect(fit, "ntotal"),
                   npatterns = nrow(lavInspect(fit, "patterns")),
                   coverage_min = min(lavInspect(fit, "coverage")),
                   converged = lavInspect(fit, "converged")),
    warnings = as.list(warns),
    fit = as.list(fm_all[intersect(FIT_KEYS, names(fm_all))]),
    fit_all = as.list(fm_all),
    params = params,
    em_mean = as.list(setNames(as.numeric(h1$mean), names(h1$mean))),
    em_cov = list(vars = colnames(h1$cov),
                  matrix = lapply(seq_len(nrow(h1$cov)), function(i) unname(as.numeric(h1$cov[i, ]))))
  )
}

out <- list()
for (nm in names(CASES)) out[[nm]] <- dump_case(CASES[[nm]])
out[["_models"]] <- list(ecsi_model = ecsi_model, cfa_model = cfa_model,
                         data = csv_out, holes = as.list(holes),
                         seed = "set.seed(20261126); per hole item: runif(250) < 0.05 -> NA; row 17 all NA",
                         R_version = R_VERSION, lavaan_version = LAVAAN_VERSION)
writeLines(to_json(out), out_path)
for (nm in names(CASES)) {
  f <- out[[nm]]$fit
  cat(sprintf("%-9s chisq=%.6f df=%g cfi=%.6f tli=%.6f rmsea=%.6f srmr=%.6f logl=%.4f h1=%.4f n=%g pat=%g\n",
              nm, f$chisq, f$df, f$cfi, f$tli, f$rmsea, f$srmr, f$logl, f$unrestricted.logl,
              f$ntotal, out[[nm]]$options$npatterns))
}
