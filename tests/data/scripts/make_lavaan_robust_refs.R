# make_lavaan_robust_refs.R -- lavaan references for csimodel's robust / ordinal CB-SEM
# (MLR, WLSMV, polychoric correlations) and the measurement-invariance ladder.
#
# Usage:  Rscript make_lavaan_robust_refs.R [ecsi.csv] [satisfaction.csv] [out.json]
# Defaults: /work/shared/data/{ecsi_mobi,satisfaction}.csv -> lavaan_robust.json (cwd)
# Requires base R + lavaan (Debian r-cran-lavaan); run with lavaan 0.6.14, R 4.2.2.
# Numbers are written with 17 significant digits; NA / NaN / Inf as JSON null.
#
# Ordinal data: the satisfaction items (1-10) recoded to 5 ordered categories
#   x <= 5 -> 1, 6 -> 2, 7 -> 3, 8 -> 4, x >= 9 -> 5
# (every category is used by every item; the same rule is applied in the Python tests).

suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
ecsi_path <- if (length(args) >= 1) args[[1]] else "/work/shared/data/ecsi_mobi.csv"
sat_path  <- if (length(args) >= 2) args[[2]] else "/work/shared/data/satisfaction.csv"
out_path  <- if (length(args) >= 3) args[[3]] else "lavaan_robust.json"
R_VERSION <- R.version.string
LAVAAN_VERSION <- as.character(packageVersion("lavaan"))

ecsi <- read.csv(ecsi_path)
sat <- read.csv(sat_path)
items <- setdiff(names(sat), "gender")
recode5 <- function(x) ifelse(x <= 5, 1L, ifelse(x == 6, 2L, ifelse(x == 7, 3L, ifelse(x == 8, 4L, 5L))))
ord <- sat
ord[items] <- lapply(sat[items], recode5)

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
sat_cfa <- '
  IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
  EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
  QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
  VAL  =~ val1 + val2 + val3 + val4
  SAT  =~ sat1 + sat2 + sat3 + sat4
  LOY  =~ loy1 + loy2 + loy3 + loy4
'
sat_sem <- paste(sat_cfa, '
  EXPE ~ IMAG
  QUAL ~ EXPE
  VAL  ~ EXPE + QUAL
  SAT  ~ IMAG + EXPE + QUAL + VAL
  LOY  ~ IMAG + SAT
')
# small CFA for the invariance ladder (two groups: gender, sorted: female, male)
inv_model <- '
  IMAG =~ imag1 + imag2 + imag3 + imag4
  SAT  =~ sat1 + sat2 + sat3 + sat4
  LOY  =~ loy1 + loy2 + loy3 + loy4
'
CASES <- list(
  ecsi_mlr = 'sem(ecsi_model, data = ecsi, estimator = "MLR")',
  sat_sem_mlr = 'sem(sat_sem, data = sat, estimator = "MLR")',
  ord_cfa_wlsmv = 'cfa(sat_cfa, data = ord, ordered = items, estimator = "WLSMV")',
  ord_sem_wlsmv = 'sem(sat_sem, data = ord, ordered = items, estimator = "WLSMV")',
  ord_small_dwls = 'cfa(inv_model, data = ord, ordered = items, estimator = "DWLS")',
  ord_small_wls = 'cfa(inv_model, data = ord, ordered = items, estimator = "WLS")',
  ord_small_wlsmv = 'cfa(inv_model, data = ord, ordered = items, estimator = "WLSMV")',
  inv_configural = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"))',
  inv_metric = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = "loadings")',
  inv_scalar = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "intercepts"))',
  inv_strict = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "intercepts", "residuals"))',
  inv_configural_mlr = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), estimator = "MLR")',
  inv_metric_mlr = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = "loadings", estimator = "MLR")',
  inv_scalar_mlr = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "intercepts"), estimator = "MLR")',
  inv_strict_mlr = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "intercepts", "residuals"), estimator = "MLR")',
  ord_inv_configural = 'cfa(inv_model, data = ord, ordered = items, group = "gender", group.label = c("female", "male"))',
  ord_inv_metric = 'cfa(inv_model, data = ord, ordered = items, group = "gender", group.label = c("female", "male"), group.equal = "loadings")',
  ord_inv_scalar = 'cfa(inv_model, data = ord, ordered = items, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "thresholds"))',
  ord_inv_scalar_partial = 'cfa(inv_model, data = ord, ordered = items, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "thresholds"), group.partial = c("sat1|t1", "IMAG=~imag2"))',
  inv_scalar_partial = 'cfa(inv_model, data = sat, group = "gender", group.label = c("female", "male"), group.equal = c("loadings", "intercepts"), group.partial = c("sat1 ~ 1"))'
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

matrix_rows <- function(m) lapply(seq_len(nrow(m)), function(i) unname(as.numeric(m[i, ])))

dump_case <- function(call_str) {
  warns <- character(0)
  fit <- withCallingHandlers(eval(parse(text = call_str)), warning = function(w) {
    warns <<- c(warns, gsub("\\s+", " ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  if (!lavInspect(fit, "converged")) stop("lavaan did not converge")
  opts <- lavInspect(fit, "options")
  fm_all <- fitMeasures(fit)
  fm_all <- setNames(as.numeric(fm_all), names(fm_all))
  pe <- parameterEstimates(fit, ci = FALSE, remove.nonfree = FALSE)
  ss <- standardizedSolution(fit, type = "std.all", se = FALSE, zstat = FALSE,
                             pvalue = FALSE, ci = FALSE, remove.eq = FALSE,
                             remove.ineq = FALSE, remove.def = FALSE)
  grp <- if (is.null(pe$group)) rep(1L, nrow(pe)) else pe$group
  params <- lapply(seq_len(nrow(pe)), function(i) list(
    lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], group = grp[i],
    est = pe$est[i], se = pe$se[i], z = pe$z[i], pvalue = pe$pvalue[i],
    std_all = ss$est.std[i]))
  out <- list(
    R_version = R_VERSION, lavaan_version = LAVAAN_VERSION, call = call_str,
    options = list(estimator = opts$estimator, test = opts$test, se = opts$se,
                   information = opts$information, meanstructure = opts$meanstructure,
                   parameterization = opts$parameterization,
                   nobs = as.list(lavInspect(fit, "nobs")),
                   iterations = lavInspect(fit, "iterations")),
    warnings = as.list(warns),
    fit_all = as.list(fm_all),
    params = params)
  if (lavInspect(fit, "ngroups") == 1) {
    ss <- lavInspect(fit, "sampstat")
    out$sample_cov <- list(vars = colnames(ss$cov), matrix = matrix_rows(unclass(ss$cov)))
    if (!is.null(ss$th)) {
      out$thresholds <- as.list(setNames(as.numeric(ss$th), names(ss$th)))
      G <- lavInspect(fit, "gamma")
      out$gamma_diag <- as.numeric(diag(G))
    }
  }
  out
}

out <- list()
for (nm in names(CASES)) {
  out[[nm]] <- tryCatch(dump_case(CASES[[nm]]),
                        error = function(e) list(call = CASES[[nm]], error = conditionMessage(e)))
}
# lavCor: two-step polychoric correlations of the recoded items (independent of the model fit)
pc <- lavCor(ord[items], ordered = items, output = "fit")
out$lavcor <- list(call = 'lavCor(ord[items], ordered = items, output = "fit")',
                   vars = items,
                   matrix = matrix_rows(unclass(lavInspect(pc, "sampstat")$cov)),
                   thresholds = as.list(setNames(as.numeric(lavInspect(pc, "sampstat")$th),
                                                 names(lavInspect(pc, "sampstat")$th))))
# chi-square difference tests between successive invariance levels (lavTestLRT, ML)
lrt <- function(a, b) {
  t <- lavTestLRT(eval(parse(text = CASES[[b]])), eval(parse(text = CASES[[a]])))
  list(call = paste0("lavTestLRT(", b, ", ", a, ")"),
       delta_chisq = t[["Chisq diff"]][2], delta_df = t[["Df diff"]][2], p = t[["Pr(>Chisq)"]][2])
}
out$inv_lrt <- list(metric = lrt("inv_metric", "inv_configural"),
                    scalar = lrt("inv_scalar", "inv_metric"),
                    strict = lrt("inv_strict", "inv_scalar"))
# MLR: lavTestLRT's default scaled difference (Satorra-Bentler 2001)
out$inv_lrt_mlr <- list(metric = lrt("inv_metric_mlr", "inv_configural_mlr"),
                        scalar = lrt("inv_scalar_mlr", "inv_metric_mlr"),
                        strict = lrt("inv_strict_mlr", "inv_scalar_mlr"))
out$ord_inv_lrt <- list(metric = lrt("ord_inv_metric", "ord_inv_configural"),
                        scalar = lrt("ord_inv_scalar", "ord_inv_metric"))
out[["_provenance"]] <- list(R_version = R_VERSION, lavaan_version = LAVAAN_VERSION,
                             ecsi = ecsi_path, satisfaction = sat_path,
                             recode = "x <= 5 -> 1, 6 -> 2, 7 -> 3, 8 -> 4, x >= 9 -> 5",
                             models = list(ecsi_model = ecsi_model, sat_cfa = sat_cfa,
                                           sat_sem = sat_sem, inv_model = inv_model))
writeLines(to_json(out), out_path)
cat("wrote", out_path, "\n")
