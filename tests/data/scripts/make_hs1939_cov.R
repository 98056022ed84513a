# Covariance table (n - 1 divisor, 6 decimals, lower triangle row by row) of the nine
# Holzinger & Swineford (1939) tests x1-x9, printed into docs/gallery/holzinger1939.md.
# Source: lavaan 0.6-14's HolzingerSwineford1939 (n = 301). Run: Rscript make_hs1939_cov.R
library(lavaan)
S <- cov(HolzingerSwineford1939[, paste0("x", 1:9)])
out <- c()
for (i in 1:9) for (j in 1:i) out <- c(out, sprintf("%.6f", S[i, j]))
cat(paste(out, collapse = ", "), "\n")
