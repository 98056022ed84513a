"""The corporate-reputation survey with the extended model (four formative drivers).

A new user's first steps on real survey data: the data door catches the -99 "no answer"
codes, the fix is declared, a small negative formative weight is set to 0 for the index,
and the path diagram is drawn without collisions (both orientations).

Run:  python examples/corp_rep_extended.py   (writes two PNG files in the working folder)
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402
from csimodel.plotting import PathDiagramDisplay  # noqa: E402

MODEL = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""

corp = cm.datasets.load_corp_rep()
try:
    cm.PLS().fit(MODEL, corp)  # no scale, no codes declared
except cm.SuspectedCodeError as e:
    print("The data door stops:", str(e).split(":")[0], "->", e.codes)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", cm.DataWarning)  # 11 imputed answers, recorded
    res = cm.PLS().fit(MODEL, corp, scale=(1, 7), missing_values=(-99,), missing="mean")
print(f"Fitted on {res.n_used} of {res.n_total} respondents ({len(res.imputed)} cells imputed)")

try:
    cm.indices(res)
except cm.CsimodelError as e:  # a ModelError: qual_4 has a weight of -0.003
    print("Indices need a policy for negative weights:", str(e)[:60], "...")
print(cm.indices(res, negative_weights="zero").round(1).to_string())

for orientation in ("horizontal", "vertical"):
    disp = PathDiagramDisplay.from_result(res, orientation=orientation).plot()
    disp.figure_.savefig(f"corp_rep_{orientation}.png", dpi=110, bbox_inches="tight")
    print(f"corp_rep_{orientation}.png written")
