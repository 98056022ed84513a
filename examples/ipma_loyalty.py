"""Importance-performance map of the drivers of Loyalty in the ECSI model.

Run: python examples/ipma_loyalty.py   (writes ipma_loyalty.png in the current folder)
"""

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402

res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
imp = cm.ipma(res, target="Loyalty")
print(imp.table.sort_values("priority").round(3))
imp.plot().figure_.savefig("ipma_loyalty.png", dpi=120, bbox_inches="tight")
print("map written to ipma_loyalty.png")
