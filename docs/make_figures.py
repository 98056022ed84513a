"""Make the figures of docs/ipma.md from the bundled data.

Run from the repository root:  PYTHONPATH=src python docs/make_figures.py

``img/path_corp_ext_before.png`` is not made here: it shows the path diagram of csimodel
before the collision-free layout (kept for comparison).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402
from csimodel.plotting import PathDiagramDisplay  # noqa: E402

OUT = Path(__file__).parent / "img"
CORP_EXTENDED = """
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


def main() -> None:
    OUT.mkdir(exist_ok=True)
    written = []

    def save(disp, name, **kw):
        disp.figure_.savefig(OUT / name, **kw)
        written.append(OUT / name)

    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    disp = cm.ipma(res, target="Loyalty").plot()
    disp.figure_.tight_layout()
    save(disp, "ipma_ecsi.png", dpi=110)
    disp = cm.ipma(res, target="Loyalty", level="indicator").plot()
    disp.figure_.tight_layout()
    save(disp, "ipma_ecsi_indicators.png", dpi=110)
    save(PathDiagramDisplay.from_result(res).plot(), "path_ecsi.png", dpi=110, bbox_inches="tight")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)  # 11 imputed -99 answers
        corp = cm.PLS().fit(
            CORP_EXTENDED, cm.datasets.load_corp_rep(), scale=(1, 7), missing_values=(-99,),
            missing="mean",
        )  # fmt: skip
    disp = PathDiagramDisplay.from_result(corp).plot()
    save(disp, "path_corp_ext_after.png", dpi=110, bbox_inches="tight")
    disp = PathDiagramDisplay.from_result(corp, orientation="vertical").plot()
    save(disp, "path_corp_ext_vertical.png", dpi=110, bbox_inches="tight")
    print("wrote", *written)


if __name__ == "__main__":
    main()
