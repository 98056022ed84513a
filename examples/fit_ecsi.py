"""Fit the ECSI model to the bundled mobile-phone survey and print the key results.

Run: python examples/fit_ecsi.py
"""

import csimodel as cm

data = cm.datasets.load_ecsi_mobi()
res = cm.PLS(scheme="path").fit(cm.models.ecsi(), data, scale=(1, 10))

print(f"Respondents used: {res.n_used} of {res.n_total}")
print(res.path_coefficients.round(3).fillna(""))
print(res.r_squared.round(3))
print(res.effects.query("target == 'Loyalty'").round(3))
