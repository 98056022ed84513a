"""Make the figures of docs/ipma.md from the bundled ECSI data.

Run from the repository root:  PYTHONPATH=src python docs/make_figures.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import csimodel as cm  # noqa: E402
from csimodel.plotting import PathDiagramDisplay  # noqa: E402

OUT = Path(__file__).parent / "img"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    disp = cm.ipma(res, target="Loyalty").plot()
    disp.figure_.tight_layout()
    disp.figure_.savefig(OUT / "ipma_ecsi.png", dpi=110)
    disp = PathDiagramDisplay.from_result(res).plot()
    disp.figure_.savefig(OUT / "path_ecsi.png", dpi=100, bbox_inches="tight")
    print("wrote", OUT / "ipma_ecsi.png", OUT / "path_ecsi.png")


if __name__ == "__main__":
    main()
