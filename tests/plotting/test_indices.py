"""Index bars: one bar per segment and construct, heights and interval ends as given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csimodel._validation import ParameterError
from csimodel.plotting import IndexBarDisplay

VALUES = pd.DataFrame(
    {"Satisfaction": [72.0, 65.5, 80.0], "Loyalty": [60.0, 70.25, 55.0]},
    index=pd.Index(["A", "B", "C"], name="company"),
)


def test_bars_heights_intervals_ticks_legend():
    lower, upper = VALUES - 2.5, VALUES + np.array([[1.0, 2.0]])
    disp = IndexBarDisplay(VALUES, lower, upper, title="Indices").plot()
    assert set(disp.bars_) == {"A", "B", "C"}
    for seg in VALUES.index:
        assert [b.get_height() for b in disp.bars_[seg]] == VALUES.loc[seg].tolist()
        segs = disp.errorbars_[seg].lines[2][0].get_segments()
        np.testing.assert_allclose([s[0][1] for s in segs], lower.loc[seg])
        np.testing.assert_allclose([s[1][1] for s in segs], upper.loc[seg])
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["Satisfaction", "Loyalty"]
    assert [t.get_text() for t in disp.ax_.get_legend().get_texts()] == ["A", "B", "C"]
    # bars of one construct are side by side around its tick
    xs = [disp.bars_[s][0].get_x() + disp.bars_[s][0].get_width() / 2 for s in "ABC"]
    assert xs[0] < xs[1] < xs[2] and np.mean(xs) == pytest.approx(0.0)
    assert disp.ax_.get_ylim() == (0, 100)
    assert disp.ax_.get_title() == "Indices"


def test_from_result_object_and_mismatch():
    class Idx:
        table = VALUES
        lower = VALUES - 1
        upper = VALUES + 1

    disp = IndexBarDisplay.from_result(Idx()).plot()
    assert len(disp.errorbars_) == 3
    with pytest.raises(ParameterError, match="same index"):
        IndexBarDisplay(VALUES, VALUES.iloc[:2]).plot()
