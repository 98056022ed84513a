"""Likert items: robust ML, ordered categories (WLSMV, ordinal PLS) and measurement
invariance on the satisfaction data (answers 1-10, recoded to five categories).

Run: ``python examples/likert_items.py``
"""

import warnings

import csimodel as cm

warnings.simplefilter("ignore", cm.InadmissibleWarning)

sat = cm.datasets.load_satisfaction()
model = """
IMAG =~ imag1 + imag2 + imag3 + imag4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
SAT ~ IMAG
LOY ~ SAT + IMAG
"""

# 1. Robust ML: same estimates as ML, non-normality-robust SEs and test
mlr = cm.CBSEM("MLR").fit(model, sat)
fi = mlr.fit_indices
print(
    f"MLR: chisq {fi['chisq']:.1f} -> scaled {fi['chisq_scaled']:.1f} on {fi['df']:.0f} df "
    f"(scaling factor {fi['scaling_factor']:.3f}); robust CFI {fi['cfi_robust']:.3f}, "
    f"robust RMSEA {fi['rmsea_robust']:.3f}"
)

# 2. The answers as ordered categories: 1-5 -> 1, 6 -> 2, 7 -> 3, 8 -> 4, 9-10 -> 5
likert5 = sat.drop(columns="gender").clip(5, 9) - 4
wlsmv = cm.CBSEM("WLSMV").fit(model, likert5, ordered=True)
fi = wlsmv.fit_indices
print(
    f"WLSMV: scaled-shifted chisq {fi['chisq_scaled']:.1f} on {fi['df_scaled']:.0f} df, "
    f"CFI {fi['cfi_scaled']:.3f}, RMSEA {fi['rmsea_scaled']:.3f}"
)
print(
    "thresholds of sat1:",
    wlsmv.params.query("lhs == 'sat1' and op == '|'")["estimate"].round(3).tolist(),
)
print("standardized paths (WLSMV):")
print(wlsmv.path_coefficients.round(3).dropna(how="all").dropna(axis=1, how="all"))

# 3. Ordinal PLS: the PLS engine on the polychoric correlations
pls = cm.PLS().fit(model, likert5, ordered=True)
print("ordinal PLS paths:")
print(pls.path_coefficients.round(3))

# 4. Measurement invariance across gender before comparing the groups
inv = cm.invariance(model, sat, by="gender")
print(inv.table[["chisq", "df", "cfi", "rmsea", "delta_chisq", "p_delta", "delta_cfi"]].round(3))
print(inv.decisions())

# 5. The same ladder with the answers as ordered categories (equal thresholds = scalar)
inv_ord = cm.invariance(model, likert5.assign(gender=sat["gender"]), by="gender", estimator="WLSMV")
print(
    inv_ord.table[
        ["chisq_scaled", "df", "cfi_scaled", "rmsea_scaled", "delta_chisq", "p_delta"]
    ].round(3)
)
