"""The path diagram draws every construct, item, path, coefficient, R² and star."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel.plotting import PathDiagramDisplay
from csimodel.plotting.path_diagram import layered_layout


@pytest.fixture(scope="module")
def res():
    return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))


def test_ecsi_diagram_content(res):
    m = res.model
    disp = PathDiagramDisplay.from_result(res).plot()
    assert len(disp.construct_patches_) == 7
    assert len(disp.path_arrows_) == len(m.paths) == 12
    assert len(disp.item_arrows_) == len(disp.item_patches_) == 24
    texts = [t.get_text() for t in disp.ax_.texts]
    for c in m.constructs:
        assert any(t.startswith(c) for t in texts)
    for c, r2 in res.r_squared.items():
        assert f"{c}\nR² = {r2:.2f}" in texts
    assert "Image" in texts  # exogenous: no R²
    pc = res.path_coefficients
    for (s, t), txt in disp.path_texts_.items():
        assert txt.get_text() == f"{pc.loc[s, t]:.2f}"
    for item in m.items:
        assert item in texts
    # loadings next to the boxes (mode A)
    assert disp.item_texts_["CUSL2"].get_text() == f"{res.loadings[('Loyalty', 'CUSL2')]:.2f}"
    # every arrow is drawn in the axes
    arrows = [p for p in disp.ax_.patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(arrows) == 12 + 24


def test_layers_follow_the_dag_and_long_paths_arch(res):
    disp = PathDiagramDisplay.from_result(res, orientation="horizontal").plot()
    pos = disp.positions_
    for s, t in res.model.paths:
        assert pos[s][0] < pos[t][0]
    xs = sorted({round(p[0], 6) for p in pos.values()})
    assert len(xs) == 7  # ECSI is a chain of 7 layers
    # adjacent-layer paths are straight, Image -> Loyalty jumps over five constructs: arched
    assert disp.path_arrows_[("Satisfaction", "Complaints")].get_connectionstyle().rad == 0
    assert disp.path_arrows_[("Image", "Loyalty")].get_connectionstyle().rad != 0
    # the arched label is above the straight row
    assert disp.path_texts_[("Image", "Loyalty")].get_position()[1] > pos["Image"][1]


def test_layered_layout_two_per_layer():
    layer, pos = layered_layout(["A", "B", "C", "D"], [("A", "C"), ("B", "C"), ("C", "D")])
    assert layer == {"A": 0, "B": 0, "C": 1, "D": 2}
    assert pos["A"][0] == pos["B"][0] and pos["A"][1] != pos["B"][1]


def test_stars_from_pvalues_mapping_and_table(res):
    pv = {("Satisfaction", "Loyalty"): 0.0004, ("Complaints", "Loyalty"): 0.2,
          ("Image", "Loyalty"): 0.004, ("Value", "Satisfaction"): 0.03}  # fmt: skip
    disp = PathDiagramDisplay.from_result(res, pvalues=pv).plot()
    pc = res.path_coefficients
    lab = {k: v.get_text() for k, v in disp.path_texts_.items()}
    assert lab[("Satisfaction", "Loyalty")] == f"{pc.loc['Satisfaction', 'Loyalty']:.2f}***"
    assert lab[("Image", "Loyalty")].endswith("**") and not lab[("Image", "Loyalty")].endswith(
        "***"
    )
    assert lab[("Value", "Satisfaction")].endswith("*")
    assert not lab[("Complaints", "Loyalty")].endswith("*")
    table = pd.DataFrame({"lhs": ["Loyalty"], "op": ["~"], "rhs": ["Satisfaction"], "p": [0.0004]})
    disp = PathDiagramDisplay.from_result(res, pvalues=table, show_items=False).plot()
    assert disp.path_texts_[("Satisfaction", "Loyalty")].get_text().endswith("***")
    assert disp.item_arrows_ == {}


def test_mode_b_arrows_point_into_the_construct():
    model = cm.models.ecsi(modes={"Value": "B"})
    r = cm.PLS().fit(model, cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    disp = PathDiagramDisplay.from_result(r, orientation="horizontal").plot()
    cx, cy = disp.positions_["Value"]
    (a, b) = disp.item_arrows_["PERV1"]._posA_posB  # start at the box, end at the construct
    assert b == pytest.approx((cx, cy)) and a[1] < cy
    (a, b) = disp.item_arrows_["CUSA1"]._posA_posB  # mode A: construct -> item
    assert a == pytest.approx(disp.positions_["Satisfaction"])
    assert disp.item_texts_["PERV1"].get_text() == f"{r.outer_weights[('Value', 'PERV1')]:.2f}"
    assert np.isfinite(disp.ax_.get_ylim()).all()


def test_items_beside_sources_and_sinks_below_in_between(res):
    disp = PathDiagramDisplay.from_result(res, orientation="horizontal").plot()
    pos = disp.positions_

    def box_x(item):
        b = disp.item_patches_[item]
        return b.get_x(), b.get_x() + b.get_width(), b.get_y()

    x0, x1, _ = box_x("IMAG3")  # source: left of the ellipse
    assert x1 < pos["Image"][0] - 1.0
    x0, x1, _ = box_x("CUSL2")  # sink: right of the ellipse
    assert x0 > pos["Loyalty"][0] + 1.0
    for item in res.model.blocks["Quality"]:  # in between: a column below
        assert box_x(item)[2] < pos["Quality"][1] - 0.5
    # single-construct layers share one height; a layer's ellipses are centred on 0
    assert {round(p[1], 9) for p in pos.values()} == {0.0}
    _, p2 = layered_layout(["A", "B", "C"], [("A", "C"), ("B", "C")], {"A": 4, "B": 2})
    assert p2["A"][1] + p2["B"][1] == pytest.approx(0.0)
