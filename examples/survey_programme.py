"""The survey programme on the bundled ECSI data: tracker, gaps, NPS, planning.

Run: python examples/survey_programme.py
"""

import numpy as np

import csimodel as cm

data = cm.datasets.load_ecsi_mobi()
model = cm.models.ecsi()
rng = np.random.default_rng(7)
panel = data.assign(
    company=rng.choice(["Alpha", "Beta", "Gamma"], len(data)),
    quarter=rng.choice(["2025Q1", "2025Q2"], len(data)),
)

# 1. Tracker: pooled weights, intervals, change vs the previous quarter, vs all companies
tr = cm.track(
    model,
    panel,
    unit="company",
    wave="quarter",
    scale=(1, 10),
    n_boot=499,
    random_state=0,
    min_n=20,
    adjust="holm",
)
print(tr.summary().as_text())

# 2. NPS per company and quarter (loyalty item CUSL1 on 1-10 here: 9-10 promoters, 1-6 detractors)
print(cm.nps(panel, item="CUSL1", scale=(1, 10), by=["company", "quarter"]).round(1))

# 3. Planning the next wave: minimum n, Monte Carlo power, precision of the indices
print("minimum n for a path of 0.15:", cm.sample_size(min_path=0.15))
fit = tr.fits["all"]
pw = cm.power(fit, n=[100, 250, 500], n_sim=500, random_state=1)
print(pw.summary().as_text())
print(cm.index_precision(fit, margin=2.0, by="company").round(1).head(7))
