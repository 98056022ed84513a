"""The importance-performance map draws what the table says (Agg backend)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel._validation import ParameterError
from csimodel.plotting import ImportancePerformanceDisplay


@pytest.fixture(scope="module")
def res():
    return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))


def test_import_csimodel_does_not_import_matplotlib():
    code = (
        "import sys, csimodel as cm; assert 'matplotlib' not in sys.modules; "
        "cm.plotting.ImportancePerformanceDisplay; assert 'matplotlib' not in sys.modules; "
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_ipma_map_points_labels_crosshair_quadrants(res):
    out = cm.ipma(res, target="Loyalty")
    disp = out.plot()
    t = out.table
    assert disp.ax_.figure is disp.figure_
    np.testing.assert_allclose(
        disp.points_.get_offsets(), np.column_stack([t["importance"], t["performance"]])
    )
    assert [x.get_text() for x in disp.label_texts_] == list(t.index)
    # each label sits at its point
    for txt, (x, y) in zip(disp.label_texts_, disp.points_.get_offsets(), strict=True):
        assert txt.xy == pytest.approx((x, y))
    imp_line, perf_line = disp.crosshair_lines_
    ch = out.crosshair.iloc[0]
    assert imp_line.get_xdata()[0] == pytest.approx(ch["importance"])  # vertical line
    assert perf_line.get_ydata()[0] == pytest.approx(ch["performance"])  # horizontal line
    assert ch["importance"] == pytest.approx(t["importance"].mean())
    # quadrant names in the right corners: IPMA has importance on x, performance on y
    q = {k: v.get_position() for k, v in disp.quadrant_texts_.items()}
    assert set(q) == {
        "Concentrate here",
        "Keep up the good work",
        "Low priority",
        "Possible overkill",
    }
    ci, cp = ch["importance"], ch["performance"]
    assert q["Concentrate here"][0] > ci and q["Concentrate here"][1] < cp
    assert q["Keep up the good work"][0] > ci and q["Keep up the good work"][1] > cp
    assert q["Low priority"][0] < ci and q["Low priority"][1] < cp
    assert q["Possible overkill"][0] < ci and q["Possible overkill"][1] > cp
    assert "Loyalty" in disp.ax_.get_xlabel()
    assert disp.errorbar_ is None


def test_error_bars_from_bootstrap_intervals(res):
    rng = np.random.default_rng(0)
    F = rng.multinomial(250, np.ones(250) / 250, size=30)
    out = cm.ipma(res, target="Loyalty", boot=F, negative_weights="zero")
    disp = out.plot()
    t = out.table
    xbars, ybars = disp.errorbar_.lines[2]  # (x bars, y bars) LineCollections
    xsegs = xbars.get_segments()
    ysegs = ybars.get_segments()
    np.testing.assert_allclose([s[0][0] for s in xsegs], t["importance_lower"])
    np.testing.assert_allclose([s[1][0] for s in xsegs], t["importance_upper"])
    np.testing.assert_allclose([s[0][1] for s in ysegs], t["performance_lower"])
    np.testing.assert_allclose([s[1][1] for s in ysegs], t["performance_upper"])


def test_segments_need_a_choice_and_use_their_crosshair(res):
    d = cm.datasets.load_ecsi_mobi().assign(g=np.repeat(["x", "y"], 125))
    r = cm.PLS().fit(cm.models.ecsi(), d, scale=(1, 10))
    out = cm.ipma(r, target="Loyalty", by="g")
    with pytest.raises(ParameterError, match="segment="):
        out.plot()
    disp = out.plot(segment="y")
    t = out.table.loc["y"]
    np.testing.assert_allclose(disp.points_.get_offsets()[:, 0], t["importance"])
    assert disp.crosshair_lines_[0].get_xdata()[0] == pytest.approx(
        out.crosshair.loc["y", "importance"]
    )
    assert "(y)" in disp.ax_.get_title()


def test_classic_ipa_map_has_performance_on_x_and_martilla_james_corners():
    imp = pd.DataFrame({"price": [5, 4], "staff": [2, 1], "wifi": [4, 5], "decor": [1, 2]})
    perf = pd.DataFrame({"price": [2, 1], "staff": [5, 4], "wifi": [4, 5], "decor": [2, 1]})
    out = cm.ipa(imp, perf, crosshair="midpoint", scale=(1, 5))
    disp = out.plot()
    np.testing.assert_allclose(
        disp.points_.get_offsets(),
        np.column_stack([out.table["performance"], out.table["importance"]]),
    )
    imp_line, perf_line = disp.crosshair_lines_
    assert imp_line.get_ydata()[0] == 3.0 and perf_line.get_xdata()[0] == 3.0
    q = {k: v.get_position() for k, v in disp.quadrant_texts_.items()}
    # Martilla & James: "Concentrate here" top left (high importance, low performance)
    assert q["Concentrate here"][0] < 3 and q["Concentrate here"][1] > 3
    assert q["Possible overkill"][0] > 3 and q["Possible overkill"][1] < 3
    assert [x.get_text() for x in disp.label_texts_] == ["price", "staff", "wifi", "decor"]


def test_plot_on_given_axes_and_bad_input():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    disp = ImportancePerformanceDisplay([0.1, 0.5], [60, 80], ["a", "b"]).plot(
        ax=ax, quadrant_labels=False, annotate=False
    )
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.quadrant_texts_ == {} and disp.label_texts_ == []
    # crosshair defaults to the means of the points
    assert disp.crosshair_lines_[0].get_xdata()[0] == pytest.approx(0.3)
    with pytest.raises(ParameterError):
        ImportancePerformanceDisplay.from_result(object())
