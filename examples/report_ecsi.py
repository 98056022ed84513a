"""Fit the ECSI model, bootstrap it and write a self-contained HTML report.

Run: python examples/report_ecsi.py   (writes ecsi_report.html in the current folder)
"""

import csimodel as cm

data = cm.datasets.load_ecsi_mobi()
res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
boot = cm.bootstrap(res, n_boot=500, random_state=1, progress=False)
path = res.report("ecsi_report.html", title="ECSI mobile-phone survey", boot=boot)
print(f"report written to {path} ({path.stat().st_size // 1024} KiB)")
