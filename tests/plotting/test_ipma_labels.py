"""IPMA map labels never overlap each other or a point (issue 22), measured with the renderer.

The check is geometric: the window extent of every label (from the Agg renderer) against
the other labels and against a square around every point marker (its drawn size).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import csimodel as cm
from csimodel.plotting import ImportancePerformanceDisplay
from csimodel.plotting._overlap import renderer_of
from csimodel.plotting.ipma_map import label_extent

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


def check_labels(disp):
    fig = disp.figure_
    fig.canvas.draw()
    r = renderer_of(fig)
    labels = [label_extent(t, r) for t in disp.label_texts_]  # text only, not the leader
    px = fig.dpi / 72.0
    half = 0.5 * np.sqrt(40.0) * px  # the marker (s=40 points²)
    centres = disp.ax_.transData.transform(disp.points_.get_offsets())

    def hit(a, b):
        return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5

    pairs = [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(labels), 2) if hit(a, b)]
    assert not pairs, [(disp.labels[i], disp.labels[j]) for i, j in pairs[:5]]
    for i, bb in enumerate(labels):
        for cx, cy in centres:
            inside_x = bb.x0 < cx + half - 0.5 and bb.x1 > cx - half + 0.5
            inside_y = bb.y0 < cy + half - 0.5 and bb.y1 > cy - half + 0.5
            assert not (inside_x and inside_y), f"label {disp.labels[i]!r} covers a point"
        fb = fig.bbox
        assert fb.x0 <= bb.x0 and bb.x1 <= fb.x1 and fb.y0 <= bb.y0 and bb.y1 <= fb.y1
    # each label still points at its own point
    for t, (x, y) in zip(disp.label_texts_, disp.points_.get_offsets(), strict=True):
        assert t.xy == pytest.approx((x, y))


def test_indicator_maps_of_the_bundled_models():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ecsi = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
        corp = cm.PLS().fit(
            CORP_EXTENDED, cm.datasets.load_corp_rep(), scale=(1, 7), missing_values=(-99,),
            missing="mean",
        )  # fmt: skip
        maps = [
            cm.ipma(ecsi, target="Loyalty", level="indicator"),
            cm.ipma(corp, target="CUSL", level="indicator", negative_weights="zero"),
        ]
    assert len(maps[1].table) == 28
    for m in maps:
        check_labels(m.plot())


@pytest.mark.parametrize("seed", range(4))
def test_thirty_crowded_indicators(seed):
    rng = np.random.default_rng(seed)
    n = 30
    imp = np.concatenate([rng.normal(0.05, 0.01, 20), rng.uniform(0.0, 0.25, 10)])
    perf = np.concatenate([rng.normal(70, 2.5, 20), rng.uniform(50, 85, 10)])
    labels = [f"item_{k + 1}" for k in range(n)]
    disp = ImportancePerformanceDisplay(imp, perf, labels).plot()
    check_labels(disp)
    # labels moved away from their point draw a leader line to it
    for t in disp.label_texts_:
        if np.hypot(*t.xyann) > 12.0:
            assert t.arrow_patch.get_visible()
