"""Classic IPA (stated importance, Martilla & James 1977).

Evidence: a small table whose means, gaps and quadrants are worked out by hand in the
comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel._validation import ParameterError

# --------------------------------------------------------------------------- classic IPA
# Hand-made table, 4 respondents, 1-5 scale.
#   importance means: price (5+5+4+4)/4 = 4.5, staff (2+2+3+1)/4 = 2.0,
#                     wifi (4+5+4+5)/4 = 4.5, decor (2+1+2+1)/4 = 1.5
#   performance means: price 2.0, staff 4.5, wifi 4.0, decor 2.0
#   mean crosshair: importance (4.5+2+4.5+1.5)/4 = 3.125, performance (2+4.5+4+2)/4 = 3.125
#   price: I high, P low  -> Concentrate here;      staff: I low, P high -> Possible overkill
#   wifi:  I high, P high -> Keep up the good work; decor: I low, P low  -> Low priority
IMP = pd.DataFrame(
    {"price": [5, 5, 4, 4], "staff": [2, 2, 3, 1], "wifi": [4, 5, 4, 5], "decor": [2, 1, 2, 1]}
)
PERF = pd.DataFrame(
    {"price": [2, 2, 1, 3], "staff": [5, 4, 5, 4], "wifi": [4, 4, 4, 4], "decor": [2, 2, 2, 2]}
)


def test_ipa_means_gap_quadrants_mean_crosshair():
    out = cm.ipa(IMP, PERF)
    t = out.table
    np.testing.assert_allclose(t["importance"], [4.5, 2.0, 4.5, 1.5])
    np.testing.assert_allclose(t["performance"], [2.0, 4.5, 4.0, 2.0])
    np.testing.assert_allclose(t["gap"], [2.5, -2.5, 0.5, -0.5])
    assert list(t["quadrant"]) == [
        "Concentrate here",
        "Possible overkill",
        "Keep up the good work",
        "Low priority",
    ]
    assert out.crosshair.loc["all"].tolist() == [3.125, 3.125]
    assert list(t["n_importance"]) == [4] * 4


def test_ipa_midpoint_crosshair_and_separate_scales():
    # midpoint of 1-5 is 3: wifi performance 4.0 >= 3 and decor importance 1.5 < 3 ...
    out = cm.ipa(IMP, PERF, crosshair="midpoint", scale=(1, 5))
    assert out.crosshair.loc["all"].tolist() == [3.0, 3.0]
    # performance on 1-9 (midpoint 5): every attribute is now "low performance"
    out = cm.ipa(
        IMP, PERF, crosshair="midpoint", scale={"importance": (1, 5), "performance": (1, 9)}
    )
    assert out.crosshair.loc["all"].tolist() == [3.0, 5.0]
    assert list(out.table["quadrant"]) == [
        "Concentrate here",
        "Low priority",
        "Concentrate here",
        "Low priority",
    ]


def test_ipa_segments_and_missing_answers():
    imp = IMP.assign(seg=["a", "a", "b", "b"])
    perf = PERF.assign(seg=["a", "b", "a", "b"])
    perf.loc[0, "wifi"] = np.nan
    out = cm.ipa(imp, perf, by="seg")
    t = out.table
    assert t.index.names == ["segment", "attribute"]
    # segment a: importance price (5+5)/2 = 5; performance rows 0 and 2: price (2+1)/2 = 1.5,
    # wifi only row 2 answered: 4.0 (n = 1)
    assert t.loc[("a", "price"), "importance"] == 5.0
    assert t.loc[("a", "price"), "performance"] == 1.5
    assert t.loc[("a", "wifi"), "performance"] == 4.0
    assert t.loc[("a", "wifi"), "n_performance"] == 1
    a = t.loc["a"]
    assert out.crosshair.loc["a", "importance"] == pytest.approx(a["importance"].mean())
    assert "Segments" in out.summary().as_text()


def test_ipa_errors():
    with pytest.raises(cm.DataError, match="outside the declared scale"):
        cm.ipa(IMP, PERF * 2, scale=(1, 5))
    with pytest.raises(cm.DataError, match="Only in importance: 'decor'"):
        cm.ipa(IMP, PERF.drop(columns="decor"))
    with pytest.raises(ParameterError, match="scale"):
        cm.ipa(IMP, PERF, crosshair="midpoint")
    with pytest.raises(ParameterError, match="'crosshair'"):
        cm.ipa(IMP, PERF, crosshair="median")
    with pytest.raises(ParameterError, match="DataFrame"):
        cm.ipa(IMP.to_numpy(), PERF)
