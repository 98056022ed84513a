"""Path diagrams without collisions (issue 22), shown by measurement.

Every diagram is drawn with the Agg renderer; the window extent of every box-like artist
(construct ellipse, item box, coefficient label, loading/weight label) is taken from the
renderer and no two may overlap, none may leave the figure, each name must sit inside its
own ellipse or box, and no structural arrow may pass through an ellipse or item box it does
not connect. The expected outcome (zero overlaps) is a property of the picture, not a
number of the code under test.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from refdata import SATISFACTION_MODEL

import csimodel as cm
from csimodel.plotting import PathDiagramDisplay
from csimodel.plotting import _layout as lay
from csimodel.plotting._overlap import renderer_of

CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
CORP_EXTENDED = (
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


def _fit(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "ecsi":
            return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
        if name == "satisfaction":
            return cm.PLS().fit(SATISFACTION_MODEL, cm.datasets.load_satisfaction())
        syntax = CORP if name == "corp" else CORP_EXTENDED
        return cm.PLS().fit(
            syntax, cm.datasets.load_corp_rep(), missing_values=(-99,), missing="mean"
        )


def synthetic_12():
    """12 constructs in 5 layers, skip-layer paths, 1-6 items, a long name, mode B blocks."""
    rng = np.random.default_rng(12)
    names = ["Image", "Expectations", "Perceived_Service_Quality_of_Staff", "Price", "Value",
             "Satisfaction", "Complaints", "Trust", "Commitment", "Loyalty", "Word of mouth",
             "Switching"]  # fmt: skip
    paths = [(0, 1), (0, 2), (3, 4), (1, 4), (2, 4), (2, 5), (4, 5), (0, 5), (5, 6), (5, 7),
             (7, 8), (6, 8), (8, 9), (5, 9), (0, 9), (9, 10), (9, 11), (3, 11)]  # fmt: skip
    n_items = [5, 3, 6, 2, 1, 4, 1, 3, 3, 4, 2, 1]
    items = {
        c: [(f"{c[:4].lower()}_{k + 1}", float(rng.uniform(0.5, 0.95))) for k in range(n)]
        for c, n in zip(names, n_items, strict=True)
    }
    return PathDiagramDisplay(
        names,
        {(names[a], names[b]): float(rng.uniform(-0.2, 0.6)) for a, b in paths},
        r_squared={names[b]: float(rng.uniform(0.2, 0.7)) for _, b in paths},
        items=items,
        modes={names[k]: "B" for k in (3, 7)},
    )


@pytest.fixture(scope="module")
def fits():
    return {name: _fit(name) for name in ("ecsi", "satisfaction", "corp", "corp_extended")}


def _display(fits, name, **kw):
    if name == "synthetic_12":
        d = synthetic_12()
        d.orientation = kw.get("orientation", "horizontal")
        d.hide_items = kw.get("hide_items", False)
        return d
    return PathDiagramDisplay.from_result(fits[name], **kw)


def measured(disp):
    """Window extents (pixels) of every box-like artist, by kind and name."""
    fig = disp.figure_
    fig.canvas.draw()
    r = renderer_of(fig)
    out = {}
    for c, p in disp.construct_patches_.items():
        out[("ellipse", c)] = p.get_window_extent(r)
    for i, p in disp.item_patches_.items():
        out[("box", i)] = p.get_window_extent(r)
    for k, t in disp.path_texts_.items():
        out[("path label", k)] = t.get_window_extent(r)
    for i, t in disp.item_texts_.items():
        out[("value", i)] = t.get_window_extent(r)
    return out, r


def overlaps(a, b, tol=0.5):
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def check_no_collisions(disp):
    ext, r = measured(disp)
    bad = [
        (ka, kb) for (ka, a), (kb, b) in itertools.combinations(ext.items(), 2) if overlaps(a, b)
    ]
    assert not bad, f"{len(bad)} overlapping pairs, e.g. {bad[:5]}"
    fig_bb = disp.figure_.bbox
    out = [k for k, b in ext.items() if b.x0 < fig_bb.x0 - 0.5 or b.x1 > fig_bb.x1 + 0.5
           or b.y0 < fig_bb.y0 - 0.5 or b.y1 > fig_bb.y1 + 0.5]  # fmt: skip
    assert not out, f"outside the figure: {out[:5]}"
    # names inside their own ellipse / box
    for c, t in disp.construct_texts_.items():
        tb, eb = t.get_window_extent(r), ext[("ellipse", c)]
        assert eb.x0 <= tb.x0 and tb.x1 <= eb.x1 and eb.y0 <= tb.y0 and tb.y1 <= eb.y1, c
    for i, t in disp.item_name_texts_.items():
        tb, bb = t.get_window_extent(r), ext[("box", i)]
        assert bb.x0 <= tb.x0 and tb.x1 <= bb.x1 and bb.y0 <= tb.y0 and tb.y1 <= bb.y1, i
    # no structural arrow through an ellipse or item box it does not connect
    ew = disp.construct_patches_[disp.constructs[0]].width
    rects = []
    for p in disp.item_patches_.values():
        x, y = p.get_x(), p.get_y()
        rects.append((x, y, x + p.get_width(), y + p.get_height()))
    pos = disp.positions_
    for (s, t), pts in disp.path_curves_.items():
        assert lay.hits(pts, (s, t), pos, rects, ew) == 0, (s, t)


CASES = ["ecsi", "satisfaction", "corp", "corp_extended", "synthetic_12"]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("orientation", ["horizontal", "vertical"])
def test_no_two_artists_overlap(fits, name, orientation):
    disp = _display(fits, name, orientation=orientation).plot()
    check_no_collisions(disp)
    # the layout follows the paths: every path runs forward on the main axis
    pos = disp.positions_
    for s, t in disp.paths:
        if orientation == "horizontal":
            assert pos[s][0] < pos[t][0]
        else:
            assert pos[s][1] > pos[t][1]


@pytest.mark.parametrize("name", ["corp_extended", "synthetic_12"])
def test_hide_items_for_large_models(fits, name):
    disp = _display(fits, name, hide_items=True).plot()
    assert disp.item_patches_ == {} and disp.item_arrows_ == {}
    assert len(disp.path_texts_) == len(disp.paths)
    check_no_collisions(disp)


def test_items_on_the_outer_side_away_from_the_arrows(fits):
    disp = PathDiagramDisplay.from_result(fits["corp_extended"]).plot()
    pos = disp.positions_

    def box(item):
        p = disp.item_patches_[item]
        return p.get_x(), p.get_y(), p.get_x() + p.get_width(), p.get_y() + p.get_height()

    assert box("qual_1")[2] < pos["QUAL"][0]  # sources: items on the left
    assert box("cusl_1")[0] > pos["CUSL"][0]  # sink: on the right
    assert box("comp_1")[1] > pos["COMP"][1]  # upper construct of a middle layer: above
    assert box("like_1")[3] < pos["LIKE"][1]  # lower one: below
    assert box("cusa")[3] < pos["CUSA"][1]  # single item next to its construct
    # vertical: sources' items above, the sink's below
    v = PathDiagramDisplay.from_result(fits["corp_extended"], orientation="vertical").plot()
    assert v.item_patches_["qual_1"].get_y() > v.positions_["QUAL"][1]
    assert v.item_patches_["cusl_1"].get_y() < v.positions_["CUSL"][1]


def test_long_names_are_wrapped():
    wrapped = lay.wrap_name("Perceived_Service_Quality_of_Staff")
    assert wrapped == "Perceived_\nService_Quality_\nof_Staff"
    assert lay.wrap_name("Satisfaction") == "Satisfaction"
    assert max(map(len, lay.wrap_name("CustomerSatisfactionWithStaff").split("\n"))) <= 16


def test_small_axes_keep_the_room(fits):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))  # fonts shrink with the drawing
    disp = PathDiagramDisplay.from_result(fits["corp_extended"]).plot(ax=ax)
    assert disp.ax_ is ax
    check_no_collisions(disp)


def test_bad_orientation_is_a_parameter_error(fits):
    with pytest.raises(cm.CsimodelError, match="'orientation' parameter of PathDiagramDisplay"):
        PathDiagramDisplay.from_result(fits["ecsi"], orientation="diagonal").plot()


def _rendered_at_least(disp, texts, points):
    """Every text renders at least as large as the same string set in ``points`` pt.

    The reference strings are drawn in the same figure (same renderer and dpi) and their
    window extents compared with the diagram's, so the measurement does not rely on the
    font size the code under test reports.
    """
    fig, ax = disp.figure_, disp.ax_
    r = renderer_of(fig)
    small = []
    for t in texts:
        ref = ax.text(0, 0, t.get_text(), fontsize=points, linespacing=t.get_linespacing())
        a, b = t.get_window_extent(r), ref.get_window_extent(r)
        if a.height < b.height - 0.5 or a.width < b.width - 0.5:
            small.append((t.get_text(), round(t.get_fontsize(), 2)))
        ref.remove()
    return small


def test_long_chain_is_drawn_readable(fits):
    """ECSI (7 layers): 'auto' draws it top to bottom with text of at least 7.5 pt."""
    disp = PathDiagramDisplay.from_result(fits["ecsi"]).plot()
    assert disp.orientation == "auto" and disp.orientation_ == "vertical"
    w, h = disp.figure_.get_size_inches()
    assert w <= 18.0 + 1e-9  # fits the default page width
    assert 1.5 <= h / w <= 3.0  # a tall figure (10.1 x 22.1 in), not a 36:7 strip
    # the drawing fills its figure
    assert tuple(disp.ax_.get_position().bounds) == pytest.approx((0.0, 0.0, 1.0, 1.0))
    big = [*disp.construct_texts_.values(), *disp.path_texts_.values()]
    assert not _rendered_at_least(disp, big, 7.5)
    assert not _rendered_at_least(disp, disp.item_name_texts_.values(), 5.9)
    assert not _rendered_at_least(disp, disp.item_texts_.values(), 5.45)
    check_no_collisions(disp)
    # what 'auto' avoids: left to right, the same chain would need text under 5 pt
    flat = PathDiagramDisplay.from_result(fits["ecsi"], orientation="horizontal").plot()
    fw, fh = flat.figure_.get_size_inches()
    assert fw / fh > 4.0
    assert _rendered_at_least(flat, flat.construct_texts_.values(), 5.0)
    assert disp.construct_texts_["Image"].get_fontsize() / flat.construct_texts_[
        "Image"
    ].get_fontsize() == pytest.approx(0.85 / 0.5, rel=0.02)
    # constructs only: also top to bottom, same text size, no collisions
    bare = PathDiagramDisplay.from_result(fits["ecsi"], hide_items=True).plot()
    assert bare.orientation_ == "vertical"
    assert not _rendered_at_least(bare, bare.construct_texts_.values(), 7.5)
    check_no_collisions(bare)


@pytest.mark.parametrize("name", ["satisfaction", "synthetic_12"])
def test_auto_orientation_keeps_text_readable(fits, name):
    disp = _display(fits, name, orientation="auto").plot()
    assert disp.orientation_ == "vertical"  # 6 and 8 layers
    assert not _rendered_at_least(disp, disp.construct_texts_.values(), 7.5)
    check_no_collisions(disp)


def test_auto_orientation_short_models_stay_horizontal(fits):
    for name in ("corp", "corp_extended"):
        assert PathDiagramDisplay.from_result(fits[name]).plot().orientation_ == "horizontal"


def test_auto_orientation_follows_the_given_axes(fits):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(16, 4))  # a wide strip: the chain fits better flat
    disp = PathDiagramDisplay.from_result(fits["ecsi"]).plot(ax=ax)
    assert disp.orientation_ == "horizontal"
    check_no_collisions(disp)
    disp = PathDiagramDisplay.from_result(fits["ecsi"]).plot(figsize=(6, 12))
    assert disp.orientation_ == "vertical"
    plt.close("all")
