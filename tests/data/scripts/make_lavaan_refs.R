# make_lavaan_refs.R -- CB-SEM reference numbers from R lavaan for csimodel tests.
#
# Usage:  Rscript make_lavaan_refs.R [data.csv] [out.json]
# Defaults: /work/shared/data/ecsi_mobi.csv  ->  lavaan_ecsi.json (next to this script / cwd)
#
# Requires only base R + lavaan (Debian: apt-get install r-cran-lavaan).
# All numbers are written with 17 significant digits (format(x, digits = 17)),
# so doubles round-trip exactly. NA / NaN / Inf are written as JSON null.

suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = TRUE)
data_path <- if (length(args) >= 1) args[[1]] else "/work/shared/data/ecsi_mobi.csv"
out_path  <- if (length(args) >= 2) args[[2]] else "lavaan_ecsi.json"

dat <- read.csv(data_path)
stopifnot(nrow(dat) == 250, ncol(dat) == 24)

R_VERSION <- R.version.string
LAVAAN_VERSION <- as.character(packageVersion("lavaan"))

# ---------------------------------------------------------------- models ----
measurement <- '
  Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
  Expectation  =~ CUEX1 + CUEX2 + CUEX3
  Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
  Value        =~ PERV1 + PERV2
  Satisfaction =~ CUSA1 + CUSA2 + CUSA3
  Complaints   =~ CUSCO
  Loyalty      =~ CUSL1 + CUSL2 + CUSL3
  # single indicator: loading fixed to 1 (marker), residual variance fixed to 0
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

# Exact calls (strings are recorded in the JSON and evaluated below).
CASES <- list(
  ecsi_ml  = 'sem(ecsi_model, data = dat, estimator = "ML")',
  cfa_ml   = 'cfa(cfa_model, data = dat, estimator = "ML")',
  ecsi_gls = 'sem(ecsi_model, data = dat, estimator = "GLS")',
  ecsi_uls = 'sem(ecsi_model, data = dat, estimator = "ULS")',
  # default GLS (NLMINB from lavaan's default starts) stops at a non-stationary
  # point (lavaan flags non-convergence); this variant starts from the ML solution.
  # It converges, but to an improper solution (negative latent variance): GLS has
  # several local minima on these data -- do not treat it as a firm reference.
  ecsi_gls_start_ml = 'sem(ecsi_model, data = dat, estimator = "GLS", start = sem(ecsi_model, data = dat, estimator = "ML"))'
)

# ------------------------------------------------------ tiny JSON writer ----
json_num <- function(x) {
  if (is.na(x) || !is.finite(x)) return("null")
  if (is.integer(x)) return(as.character(x))
  format(x, digits = 17, scientific = FALSE, trim = TRUE)
}
json_str <- function(x) {
  if (is.na(x)) return("null")
  x <- gsub("\\\\", "\\\\\\\\", x)
  x <- gsub("\"", "\\\\\"", x)
  x <- gsub("\n", "\\\\n", x)
  paste0("\"", x, "\"")
}
to_json <- function(x, indent = 0) {
  pad  <- strrep("  ", indent + 1)
  pad0 <- strrep("  ", indent)
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
  # atomic
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

# ---------------------------------------------------------------- dumps -----
FIT_KEYS <- c("chisq", "df", "pvalue", "baseline.chisq", "baseline.df",
              "baseline.pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "rmsea.pvalue", "srmr", "srmr_bentler",
              "srmr_bentler_nomean", "srmr_mplus", "aic", "bic", "bic2",
              "logl", "unrestricted.logl", "npar", "fmin", "ntotal")

matrix_rows <- function(m) {
  out <- lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))
  out
}

dump_case <- function(call_str) {
  warns <- character(0)
  fit <- withCallingHandlers(eval(parse(text = call_str)), warning = function(w) {
    warns <<- c(warns, gsub("\\s+", " ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  if (!lavInspect(fit, "converged"))
    stop("lavaan did not converge (iterations = ", lavInspect(fit, "iterations"),
         "); warnings: ", paste(warns, collapse = " | "))
  opts <- lavInspect(fit, "options")

  fm_all <- fitMeasures(fit)
  fm_all <- setNames(as.numeric(fm_all), names(fm_all))
  fit_sel <- as.list(fm_all[intersect(FIT_KEYS, names(fm_all))])

  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit, type = "std.all", se = FALSE, zstat = FALSE,
                             pvalue = FALSE, ci = FALSE, remove.eq = FALSE,
                             remove.ineq = FALSE, remove.def = FALSE)
  stopifnot(identical(pe$lhs, ss$lhs), identical(pe$op, ss$op), identical(pe$rhs, ss$rhs))
  params <- lapply(seq_len(nrow(pe)), function(i) list(
    lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i],
    free = pe$op[i] %in% c("=~", "~", "~~") && !is.na(pe$z[i]),
    est = pe$est[i], se = pe$se[i], z = pe$z[i], pvalue = pe$pvalue[i],
    std_all = ss$est.std[i]))

  r2 <- lavInspect(fit, "r2")
  S  <- lavInspect(fit, "sampstat")$cov
  Sigma <- lavInspect(fit, "implied")$cov

  list(
    R_version = R_VERSION,
    lavaan_version = LAVAAN_VERSION,
    call = call_str,
    options = list(
      estimator = opts$estimator,
      likelihood = opts$likelihood,
      test = opts$test,
      se = opts$se,
      information = opts$information,
      sample.cov.rescale = opts$sample.cov.rescale,
      std.lv = opts$std.lv,
      converged = lavInspect(fit, "converged"),
      iterations = lavInspect(fit, "iterations"),
      nobs = lavInspect(fit, "nobs"),
      max_abs_gradient = max(abs(lavInspect(fit, "optim.gradient")))
    ),
    warnings = as.list(warns),
    fit = fit_sel,
    fit_all = as.list(fm_all),
    params = params,
    r2 = as.list(setNames(as.numeric(r2), names(r2))),
    sample_cov = list(
      definition = paste("lavaan sample covariance with divisor N (not N-1):",
                         "S = crossprod(X - colMeans(X)) / N, since likelihood = 'normal'.",
                         "Variables in lavaan's internal (model) order given by 'vars'."),
      vars = colnames(S),
      matrix = matrix_rows(unclass(S))
    ),
    implied_cov = list(vars = colnames(Sigma), matrix = matrix_rows(unclass(Sigma)))
  )
}

notes <- list(
  note_sample_cov = paste(
    "All cases: lavaan default likelihood='normal' => S uses divisor N=250 (not N-1);",
    "ML chisq = N * F_ML (T = 2*N*fmin; lavaan's fmin is F_ML/2).",
    "Identification: marker variable (first loading of each factor fixed to 1), std.lv=FALSE."),
  note_baseline = paste(
    "lavaan's baseline (independence) model is fitted to the observed variables only:",
    "all 24 observed variances free, all covariances zero. The single-indicator",
    "Complaints/CUSCO constraint (residual var fixed 0) plays no role there;",
    "baseline.df = 24*25/2 - 24 = 276. For GLS/ULS the baseline is refitted with the same estimator."),
  note_uls = paste(
    "ULS: lavaan 0.6-14 test='standard' gives T = 2 * N * fmin (fmin = lavaan's ULS discrepancy; not chi-square distributed);",
    "SEs from expected information (normal theory). No logl/aic/bic for ULS/GLS.",
    "lavaan warns 'number of observations (250) too small to compute Gamma' (harmless here).")
)

out <- list()
for (nm in names(CASES)) {
  res <- tryCatch(dump_case(CASES[[nm]]),
                  error = function(e) list(call = CASES[[nm]], error = conditionMessage(e)))
  res$notes <- notes
  out[[nm]] <- res
}
# model syntax used (for provenance)
out[["_models"]] <- list(ecsi_model = ecsi_model, cfa_model = cfa_model,
                         data = data_path, R_version = R_VERSION,
                         lavaan_version = LAVAAN_VERSION)

writeLines(to_json(out), out_path)
cat("wrote", out_path, "\n")
for (nm in names(CASES)) {
  f <- out[[nm]]$fit
  if (is.null(f)) { cat(nm, "ERROR:", out[[nm]]$error, "\n"); next }
  cat(sprintf("%-9s chisq=%.6f df=%g cfi=%.6f tli=%.6f rmsea=%.6f srmr=%.6f aic=%s bic=%s conv=%s\n",
              nm, f$chisq, f$df, f$cfi, f$tli, f$rmsea, f$srmr,
              if (is.null(f$aic)) "NA" else sprintf("%.4f", f$aic),
              if (is.null(f$bic)) "NA" else sprintf("%.4f", f$bic),
              out[[nm]]$options$converged))
}
