"""The data door: every bad input is a DataError naming the column and rows."""

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

MODEL = "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"


def frame(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.integers(1, 8, size=(n, 4)), columns=["a1", "a2", "b1", "b2"]).astype(
        float
    )


def fit(df, **kw):
    return cm.PLS().fit(MODEL, df, **kw)


def test_missing_item_column_is_named_with_a_suggestion():
    df = frame().rename(columns={"b2": "B2"})
    with pytest.raises(cm.DataError, match=r"'b2'.*did you mean 'B2'"):
        fit(df)


def test_values_outside_scale_name_column_and_rows():
    df = frame()
    df.loc[3, "a2"] = 11
    df.loc[5, "a2"] = -99
    with pytest.raises(cm.DataError) as ei:
        fit(df, scale=(1, 7))
    msg = str(ei.value)
    assert "'a2'" in msg and "2 value(s)" in msg and "rows 3, 5" in msg and "missing_values" in msg


def test_per_item_scale_dict():
    df = frame()
    df["b1"] = df["b1"] + 3  # 4..10
    fit(df, scale={"a1": (1, 7), "a2": (1, 7), "b1": (1, 10), "b2": (1, 7)})
    with pytest.raises(cm.DataError, match="'b1'"):
        fit(df, scale=(1, 7))
    with pytest.raises(cm.DataError, match="'zz'"):
        fit(df, scale={"zz": (1, 7)})


@pytest.mark.parametrize("bad", [(7, 1), (1, np.inf), "1-7", (1,)])
def test_bad_scale_declaration(bad):
    with pytest.raises(cm.DataError, match="scale"):
        fit(frame(), scale=bad)


def test_non_finite_values_are_an_error():
    df = frame()
    df.loc[2, "b1"] = np.inf
    with pytest.raises(cm.DataError, match=r"Infinite.*'b1'.*rows 2"):
        fit(df)


def test_non_numeric_text_is_an_error_naming_rows():
    df = frame().astype(object)
    df.loc[4, "a1"] = "seven"
    df.loc[6, "a1"] = "7,5"
    with pytest.raises(cm.DataError) as ei:
        fit(df)
    msg = str(ei.value)
    assert "'a1'" in msg and "2 row(s)" in msg and "seven" in msg


def test_numeric_text_converts_to_the_same_numbers():
    df = frame()
    txt = df.astype(str)
    txt["a1"] = [f" {v:g} " for v in df["a1"]]
    r1 = fit(df)
    r2 = fit(txt)
    np.testing.assert_array_equal(r1.params.estimate, r2.params.estimate)


def test_categorical_columns_are_refused_never_coded():
    df = frame()
    df["a1"] = pd.Categorical(df["a1"].astype(int).astype(str))
    with pytest.raises(cm.DataError, match=r"'a1' is categorical"):
        fit(df)


def test_boolean_columns_are_refused():
    df = frame()
    df["a1"] = df["a1"] > 3
    with pytest.raises(cm.DataError, match="'a1' is boolean"):
        fit(df)


def test_constant_item_is_an_error():
    df = frame()
    df["b2"] = 4.0
    with pytest.raises(cm.DataError, match=r"'b2'.*same answer"):
        fit(df)


def test_extra_columns_are_ignored():
    df = frame()
    df2 = df.assign(note="free text", other=np.nan)
    np.testing.assert_array_equal(fit(df).params.estimate, fit(df2).params.estimate)


def test_listwise_is_recorded_and_warned():
    df = frame(30)
    df.loc[[2, 9], "a1"] = np.nan
    df.loc[9, "b2"] = np.nan
    with pytest.warns(cm.DataWarning, match="2 of 30 rows excluded"):
        res = fit(df)
    assert (res.n_total, res.n_used) == (30, 28)
    assert res.excluded["row"].tolist() == [2, 9]
    assert res.excluded["column"].tolist() == ["a1", "a1, b2"]
    assert set(res.excluded["reason"]) == {"missing answer"}
    assert "28 / 30" in res.summary().as_text()
    assert res.scores.index.tolist() == [i for i in range(30) if i not in (2, 9)]


def test_missing_values_codes_and_mean_imputation():
    df = frame(30)
    df.loc[[1, 5], "b1"] = -99
    with pytest.warns(cm.DataWarning, match="replaced by item means"):
        res = fit(df, missing="mean", missing_values=(-99,), scale=(1, 7))
    assert res.n_used == 30
    assert res.imputed["row"].tolist() == [1, 5]
    expected = df.loc[~df.index.isin([1, 5]), "b1"].mean()
    assert f"{expected:.6g}" in res.imputed["reason"][0]


def test_missing_error_policy_names_columns():
    df = frame()
    df.loc[3, "b2"] = np.nan
    with pytest.raises(cm.DataError, match=r"'b2'.*missing='listwise'"):
        fit(df, missing="error")


def test_unknown_missing_policy_has_parameter_message():
    with pytest.raises(ValueError, match=r"The 'missing' parameter of PLS.fit must be one of"):
        fit(frame(), missing="drop")


def test_weights_validation():
    df = frame().assign(w=1.0)
    df.loc[3, "w"] = -1
    with pytest.raises(cm.DataError, match=r"non-negative.*rows 3"):
        fit(df, weights="w")
    with pytest.raises(cm.DataError, match="not a column"):
        fit(df, weights="nope")
    with pytest.raises(cm.DataError, match="one value per row"):
        fit(df, weights=np.ones(3))
    with pytest.raises(cm.DataError, match="zero"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit(df.assign(w=0.0), weights="w")


def test_zero_weight_rows_are_recorded_as_excluded():
    df = frame().assign(w=1.0)
    df.loc[[0, 4], "w"] = 0
    with pytest.warns(cm.DataWarning, match="weight is zero"):
        res = fit(df, weights="w")
    assert res.excluded["row"].tolist() == [0, 4]


def test_plain_array_needs_column_names_but_structured_array_works():
    df = frame()
    with pytest.raises(cm.DataError, match="column names"):
        fit(df.to_numpy())
    rec = df.to_records(index=False)
    np.testing.assert_allclose(fit(rec).params.estimate, fit(df).params.estimate)


def test_duplicate_columns_and_empty_data():
    df = frame()
    df.columns = ["a1", "a1", "b1", "b2"]
    with pytest.raises(cm.DataError, match="Duplicate column"):
        fit(df)
    with pytest.raises(cm.DataError, match="no rows"):
        fit(frame().iloc[:0])


def test_too_few_rows_after_listwise():
    df = frame(4)
    df.loc[[0, 1], "a1"] = np.nan
    with pytest.raises(cm.DataError, match="Only 2 of 4 rows"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit(df)


def test_keep_policy_only_with_allow_keep():
    """missing='keep' (for CB-SEM FIML) keeps partly answered rows as NaN, excludes and
    records rows with every item missing, and is refused unless allow_keep=True."""
    items = ["a1", "a2", "b1", "b2"]
    df = frame()
    df.loc[2, "a1"] = np.nan
    df.loc[5, ["b1", "b2"]] = np.nan
    df.loc[7, items] = np.nan
    with pytest.raises(ValueError, match="'missing' parameter"):
        cm.prepare(df, items, missing="keep")
    with pytest.warns(cm.DataWarning, match="1 all answers missing"):
        pd_ = cm.prepare(df, items, missing="keep", allow_keep=True)
    assert pd_.n_used == 19 and pd_.missing == "keep"
    assert list(pd_.excluded["row"]) == [7]
    assert list(pd_.excluded["reason"]) == ["all answers missing"]
    assert int(np.isnan(pd_.X).sum()) == 3
    assert len(pd_.imputed) == 0
    # other checks still apply: constant among observed values, item never observed
    df2 = frame()
    df2["a1"] = 4.0
    df2.loc[1, "a1"] = np.nan
    with pytest.raises(cm.DataError, match="same answer"):
        cm.prepare(df2, items, missing="keep", allow_keep=True)
    df2["a1"] = np.nan
    with pytest.raises(cm.DataError, match="no observed answer"):
        cm.prepare(df2, items, missing="keep", allow_keep=True)
