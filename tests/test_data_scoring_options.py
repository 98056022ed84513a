"""prepare(min_rows=, require_variation=): the options scoring uses; defaults unchanged."""

import pandas as pd
import pytest

import csimodel as cm


def test_defaults_still_refuse_few_rows_and_constant_items():
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    with pytest.raises(cm.DataError, match="at least 3"):
        cm.prepare(df, ["a", "b"])
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 4.0, 4.0]})
    with pytest.raises(cm.DataError, match="'b'"):
        cm.prepare(df, ["a", "b"], scale=(1, 5))


def test_scoring_options_accept_one_row_and_constant_items():
    df = pd.DataFrame({"a": [2.0], "b": [4.0]})
    p = cm.prepare(df, ["a", "b"], scale=(1, 5), min_rows=1, require_variation=False)
    assert p.n_used == 1 and p.X.tolist() == [[2.0, 4.0]]
    with pytest.raises(cm.DataError, match="outside"):
        cm.prepare(df.assign(b=6.0), ["a", "b"], scale=(1, 5), min_rows=1, require_variation=False)
    with pytest.raises(cm.DataError, match="at least 1"), pytest.warns(cm.DataWarning):
        cm.prepare(df.assign(a=float("nan")), ["a", "b"], min_rows=1, require_variation=False)
