"""Count overlapping boxes and labels in path diagrams (run by hand, any csimodel version).

    PYTHONPATH=src python benchmarks/diagram_overlaps.py

For the ECSI, satisfaction, corporate-reputation and extended corporate-reputation models:
renders the diagram with Agg, takes the window extent of every ellipse, item box,
coefficient label and loading/weight label from the renderer, and counts the overlapping
pairs (more than half a pixel each way) and the structural arrows that pass through an
ellipse or item box they do not connect (sampled along the arrow's drawn path).
"""

from __future__ import annotations

import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import csimodel as cm  # noqa: E402
from csimodel.plotting import PathDiagramDisplay  # noqa: E402

SAT = """
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
"""
CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
EXT = (
    """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
"""
    + CORP
)


def fits():
    corp = cm.datasets.load_corp_rep()
    kw = {"scale": (1, 7), "missing_values": (-99,), "missing": "mean"}
    return {
        "ecsi": cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10)),
        "satisfaction": cm.PLS().fit(SAT, cm.datasets.load_satisfaction(), scale=(0, 10)),
        "corp_rep": cm.PLS().fit(CORP, corp, **kw),
        "corp_rep_extended": cm.PLS().fit(EXT, corp, **kw),
    }


def overlaps(a, b):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5


def measure(disp):
    fig = disp.figure_
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(r) for p in disp.construct_patches_.values()]
    boxes += [p.get_window_extent(r) for p in disp.item_patches_.values()]
    boxes += [t.get_window_extent(r) for t in disp.path_texts_.values()]
    boxes += [t.get_window_extent(r) for t in disp.item_texts_.values()]
    pairs = sum(overlaps(a, b) for a, b in itertools.combinations(boxes, 2))
    crossing = 0
    obstacles = {("c", c): p for c, p in disp.construct_patches_.items()}
    obstacles.update({("i", i): p for i, p in disp.item_patches_.items()})
    for (s, t), arr in disp.path_arrows_.items():
        path = arr.get_path().interpolated(50)  # in the patch's coordinates
        pts = arr.get_transform().transform(path.vertices)  # to display pixels
        for (kind, name), patch in obstacles.items():
            if kind == "c" and name in (s, t):
                continue
            bb = patch.get_window_extent(r)
            shrunk = [bb.x0 + 2, bb.y0 + 2, bb.x1 - 2, bb.y1 - 2]
            inside = (
                (pts[:, 0] > shrunk[0]) & (pts[:, 0] < shrunk[2])
                & (pts[:, 1] > shrunk[1]) & (pts[:, 1] < shrunk[3])
            )  # fmt: skip
            if kind == "c":  # the ellipse itself, not its bounding box
                c = np.array([(bb.x0 + bb.x1) / 2, (bb.y0 + bb.y1) / 2])
                q = (pts - c) / np.array([bb.width / 2, bb.height / 2])
                inside = (q**2).sum(axis=1) < 0.9
            if inside.any():
                crossing += 1
    return len(boxes), pairs, crossing


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, res in fits().items():
            disp = PathDiagramDisplay.from_result(res).plot()
            n, pairs, crossing = measure(disp)
            print(f"{name:18s} artists {n:3d}  overlapping pairs {pairs:3d}  "
                  f"arrows through a box/ellipse {crossing:3d}")  # fmt: skip


if __name__ == "__main__":
    main()
