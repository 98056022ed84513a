"""Latent segments (FIMIX-PLS) in the satisfaction model: how many, who, and their drivers.

Run: python examples/fimix_segments.py   (writes fimix_criteria.png in the current folder)
"""

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402

data = cm.datasets.load_satisfaction()  # 250 customers, 0-10 answers, a 'gender' column
model = cm.Model("""
    IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
    EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
    QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
    VAL  =~ val1 + val2 + val3 + val4
    SAT  =~ sat1 + sat2 + sat3 + sat4
    LOY  =~ loy1 + loy2 + loy3 + loy4
    EXPE ~ IMAG
    QUAL ~ EXPE
    VAL  ~ EXPE + QUAL
    SAT  ~ IMAG + EXPE + QUAL + VAL
    LOY  ~ IMAG + SAT
""")
res = cm.PLS().fit(model, data, scale=(0, 10))

# 1. How many segments? Read AIC3 and CAIC together, EN for separation, min_n for size.
sel = cm.fimix(res, k=range(1, 5), starts=10, random_state=1)
print(sel.criteria[["lnl", "aic3", "caic", "bic", "en", "min_n"]].round(3))
print("k chosen:", sel.choices().to_dict())
sel.plot().figure_.savefig("fimix_criteria.png", dpi=120, bbox_inches="tight")

# 2. The chosen solution: sizes and the drivers of each segment.
fx = sel.best("caic")
print(fx.sizes.round(3))
print(fx.path_table.round(3))

# 3. Who is in which segment?
print(fx.explain(columns=["gender"]).tests[["test", "statistic", "p", "effect_size"]])

# 4. Each segment's own model and 0-100 indices.
if fx.k > 1:
    seg = fx.fit_segments(min_size=30)
    print(seg.indices().round(1))
print("criteria plot written to fimix_criteria.png")
