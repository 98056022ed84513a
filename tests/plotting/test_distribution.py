"""Distribution of resampled values: histogram counts, estimate line, interval band."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csimodel._validation import ParameterError
from csimodel.plotting import DistributionDisplay


def test_histogram_estimate_and_interval(seed):
    vals = np.random.default_rng(seed).normal(0.4, 0.1, 400)
    lo, hi = np.quantile(vals, [0.025, 0.975])
    disp = DistributionDisplay.from_result(
        pd.Series(vals, name="Satisfaction -> Loyalty"), 0.41, (lo, hi)
    ).plot()
    assert sum(p.get_height() for p in disp.patches_) == 400
    assert disp.estimate_line_.get_xdata()[0] == 0.41
    assert [ln.get_xdata()[0] for ln in disp.interval_lines_] == [lo, hi]
    assert disp.ax_.get_xlabel() == "Satisfaction -> Loyalty"


def test_bad_values():
    with pytest.raises(ParameterError, match="non-finite"):
        DistributionDisplay([0.1, np.nan, 0.3]).plot()
    with pytest.raises(ParameterError, match="1-D"):
        DistributionDisplay(np.ones((2, 2))).plot()
    disp = DistributionDisplay([0.1, 0.2, 0.3]).plot()
    assert disp.estimate_line_ is None and disp.band_ is None
