"""Hostile data at the data door: each case gives the correct result or a DataError naming
the column.

"Correct" means: the same estimates as the same answers given as a clean float64 DataFrame
(tolerance 1e-12, the representations hold identical numbers), with every row accounted for.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

MODEL = "X =~ x1 + x2 + x3\nY <~ y1 + y2\nZ =~ z1 + z2\nY ~ X\nZ ~ X + Y"
ITEMS = ["x1", "x2", "x3", "y1", "y2", "z1", "z2"]


def clean_data(seed: int = 0, n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)
    g = 0.5 * f + rng.normal(size=n)
    h = 0.3 * f + 0.4 * g + rng.normal(size=n)
    lat = {"x": f, "y": g, "z": h}
    cols = {
        i: np.clip(np.round(5.5 + 1.5 * (lat[i[0]] + rng.normal(size=n))), 1, 10) for i in ITEMS
    }
    return pd.DataFrame(cols)


def fit(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        return cm.PLS().fit(MODEL, data, **kw)


def same_fit(res, ref):
    np.testing.assert_allclose(
        res.params["estimate"].to_numpy(), ref.params["estimate"].to_numpy(), rtol=0, atol=1e-12
    )
    assert (res.n_used, res.n_total) == (ref.n_used, ref.n_total)


@pytest.fixture(scope="module")
def df():
    return clean_data()


@pytest.fixture(scope="module")
def ref(df):
    return fit(df)


@pytest.fixture(scope="module")
def ref_hole(df):
    d = df.copy()
    d.loc[5, "x2"] = np.nan
    return fit(d)


# ------------------------------------------------------------------ CSV files
def test_csv_with_bom_read_as_utf8_sig(df, ref):
    raw = df.to_csv(index=False).encode("utf-8-sig")
    same_fit(fit(pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")), ref)


def test_csv_with_bom_read_naively_names_the_column(df):
    raw = df.to_csv(index=False).encode("utf-8-sig")
    bad = pd.read_csv(io.BytesIO(raw), encoding="latin-1")  # BOM glued to the first name
    with pytest.raises(cm.DataError, match=r"'x1' -> did you mean.*encoding='utf-8-sig'"):
        fit(bad)
    bad = df.rename(columns={"x1": "\ufeffx1"})  # BOM kept as U+FEFF (e.g. csv module)
    with pytest.raises(cm.DataError, match=r"'x1' -> did you mean.*encoding='utf-8-sig'"):
        fit(bad)


def test_csv_with_decimal_commas(df, ref):
    raw = (df + 0.25).to_csv(index=False, sep=";", decimal=",")
    naive = pd.read_csv(io.StringIO(raw), sep=";")
    with pytest.raises(cm.DataError, match=r"'x1'.*decimal=','"):
        fit(naive)
    good = pd.read_csv(io.StringIO(raw), sep=";", decimal=",")
    np.testing.assert_allclose(good.to_numpy(), (df + 0.25).to_numpy())
    same_fit(fit(good - 0.25), ref)


def test_column_with_mixed_decimal_marks_names_the_column(df):
    d = df.astype(object)
    d.loc[3, "y2"] = "4,5"
    d.loc[4, "y2"] = "4.5"
    with pytest.raises(cm.DataError, match=r"'y2' \(1 row\(s\), e\.g\. rows 3: values \['4,5'\]"):
        fit(d)


def test_thousands_of_columns(df, ref):
    rng = np.random.default_rng(1)
    n = len(df)
    wide = pd.concat(
        [
            pd.DataFrame(rng.normal(size=(n, 3000)), columns=[f"num{k}" for k in range(3000)]),
            df,
            pd.DataFrame(
                rng.normal(size=(n, 1000)).astype(str), columns=[f"t{k}" for k in range(1000)]
            ),
        ],
        axis=1,
    )
    same_fit(fit(wide), ref)
    raw = wide.to_csv(index=False)
    same_fit(fit(pd.read_csv(io.StringIO(raw))), ref)


# ------------------------------------------------------------------ object / text columns
def test_object_column_of_numbers_and_numeric_strings(df, ref):
    d = df.astype(object)
    d["x1"] = [
        str(v) if k % 3 == 0 else (f" {v:.1f} " if k % 3 == 1 else int(v))
        for k, v in enumerate(df["x1"])
    ]
    same_fit(fit(d), ref)


@pytest.mark.parametrize(
    "value", ["abc", "", "   ", "nan", "5,0", "0x5", True, [1], complex(1, 1), pd.Timestamp(0)]
)
def test_object_column_with_non_number_names_column_and_row(df, value):
    d = df.astype(object)
    d.loc[7, "z2"] = value
    with pytest.raises(cm.DataError, match=r"'z2' \(1 row\(s\), e\.g\. rows 7"):
        fit(d)


def test_object_column_none_is_missing(df, ref_hole):
    d = df.astype(object)
    d.loc[5, "x2"] = None
    same_fit(fit(d), ref_hole)


def test_infinite_text_names_column(df):
    d = df.astype(object)
    d.loc[9, "x3"] = "1e400"
    with pytest.raises(cm.DataError, match=r"Infinite.*'x3' \(rows 9\)"):
        fit(d)


def test_string_dtype_columns(df, ref, ref_hole):
    same_fit(fit(df.astype("string")), ref)
    d = df.astype("string")
    d.loc[5, "x2"] = pd.NA
    same_fit(fit(d), ref_hole)


def test_pyarrow_dtypes(df, ref, ref_hole):
    pytest.importorskip("pyarrow")
    same_fit(fit(df.astype("double[pyarrow]")), ref)
    same_fit(fit(df.astype("int64[pyarrow]")), ref)
    d = df.astype("double[pyarrow]")
    d.loc[5, "x2"] = None
    same_fit(fit(d), ref_hole)


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "UInt8"])
def test_nullable_dtypes_with_pd_na(df, ref, ref_hole, dtype):
    same_fit(fit(df.astype(dtype)), ref)
    d = df.astype(dtype)
    d.loc[5, "x2"] = pd.NA
    res = fit(d)
    same_fit(res, ref_hole)
    assert list(res.excluded["row"]) == [5] and res.excluded["column"][0] == "x2"


def test_nullable_na_with_mean_policy(df):
    d_float = df.copy()
    d_float.loc[5, "x2"] = np.nan
    d = df.astype("Int64")
    d.loc[5, "x2"] = pd.NA
    same_fit(fit(d, missing="mean"), fit(d_float, missing="mean"))


@pytest.mark.parametrize(
    "convert, fragment",
    [(lambda s: s.astype("category"), "categorical"), (lambda s: s > 5, "boolean")],
)
def test_category_and_bool_columns_are_refused(df, convert, fragment):
    d = df.copy()
    d["y1"] = convert(d["y1"])
    with pytest.raises(cm.DataError, match=rf"'y1' is {fragment}"):
        fit(d)


# ------------------------------------------------------------------ index and columns
def test_duplicated_index_labels(df, ref, ref_hole):
    d = df.copy()
    d.index = [0] * len(d)
    same_fit(fit(d), ref)
    d.iloc[5, d.columns.get_loc("x2")] = np.nan
    res = fit(d)
    same_fit(res, ref_hole)
    assert res.n_used + len(res.excluded) == res.n_total
    assert len(res.scores) == res.n_used


def test_duplicated_index_labels_error_shows_the_bad_value_only(df):
    d = df.astype(object)
    d.index = [0] * len(d)
    d.iloc[4, d.columns.get_loc("x1")] = "zz"
    with pytest.raises(cm.DataError, match=r"values \['zz'\]\)"):
        fit(d)


def test_multiindex_rows(df, ref_hole):
    d = df.copy()
    d.loc[5, "x2"] = np.nan
    d.index = pd.MultiIndex.from_arrays([np.arange(len(d)) // 10, np.arange(len(d))])
    res = fit(d)
    same_fit(res, ref_hole)
    assert res.excluded["row"][0] == (0, 5)


def test_multiindex_columns_are_refused_with_a_fix(df):
    d = df.copy()
    d.columns = pd.MultiIndex.from_tuples([("wave1", c) for c in df.columns])
    with pytest.raises(cm.DataError, match="MultiIndex"):
        fit(d)


def test_duplicated_column_names(df):
    d = pd.concat([df, df[["x1"]]], axis=1)
    with pytest.raises(cm.DataError, match=r"Duplicate column name\(s\) 'x1'"):
        fit(d)


def test_columns_differing_in_case_or_spaces_get_a_hint(df):
    with pytest.raises(cm.DataError, match=r"'x1' -> did you mean 'X1'"):
        fit(df.rename(columns={"x1": "X1"}))
    with pytest.raises(cm.DataError, match=r"'x1' -> did you mean 'x1 '"):
        fit(df.rename(columns={"x1": "x1 "}))


# ------------------------------------------------------------------ other arguments
@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"missing_values": -99}, "missing_values must be a sequence"),
        ({"missing_values": None}, "missing_values must be a sequence"),
        ({"missing_values": "-99"}, "missing_values must be a sequence"),
        ({"missing_values": ("a",)}, "missing_values must be a sequence"),
        ({"missing_values": (np.nan,)}, "finite"),
        ({"weights": ["a"] * 80}, "1-D array of numbers"),
        ({"weights": {"a": 1}}, "1-D array of numbers"),
        ({"weights": np.ones((80, 2))}, "shape"),
        ({"weights": np.full(80, 1e308)}, "sum to more than the largest float"),
        ({"weights": np.full(80, np.nan)}, "80 missing"),
        ({"weights": "nope"}, "not a column"),
        ({"scale": "1-10"}, "pair"),
        ({"scale": (10, 1)}, "low < high"),
    ],
)
def test_bad_arguments_are_data_errors(df, kw, fragment):
    with pytest.raises(cm.DataError, match=fragment):
        fit(df, **kw)


def test_tiny_non_integer_weights_are_scale_free(df, ref):
    same_fit(fit(df, weights=np.full(len(df), 1e-300)), ref)
    same_fit(fit(df, weights=np.full(len(df), 1e300)), ref)


def test_nullable_weight_column_with_na(df):
    d = df.assign(w=pd.array([1] * (len(df) - 1) + [pd.NA], dtype="Int64"))
    res = fit(d, weights="w")
    assert res.n_used == len(df) - 1
    assert res.excluded["reason"].tolist() == ["missing weight"]
    np.testing.assert_allclose(
        res.params["estimate"], fit(df.iloc[:-1]).params["estimate"], rtol=0, atol=1e-12
    )


def test_weights_leaving_one_effective_row_are_refused(df):
    w = np.r_[np.full(len(df) - 1, 1e-320), 1.0]
    with pytest.raises(cm.DataError, match="numerically zero"):
        fit(df, weights=w)


def test_mean_imputation_that_would_overflow_is_refused(df):
    d = df.copy()
    d["x1"] = d["x1"].astype(float)
    d.loc[0, "x1"] = 1.7e308
    d.loc[1, "x1"] = 1.7e308
    d.loc[2, "x1"] = np.nan
    with pytest.raises(cm.DataError, match=r"mean of item 'x1' overflows"):
        cm.prepare(d, ITEMS, missing="mean")


def test_complex_column_is_refused_not_truncated(df):
    d = df.assign(y1=df["y1"] + 0j)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: nothing is silently discarded
        with pytest.raises(cm.DataError, match=r"'y1' holds complex numbers"):
            fit(d)


def test_complex_weight_column_is_refused(df):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(cm.DataError, match=r"Weight column 'w' must be numeric"):
            fit(df.assign(w=np.ones(len(df)) + 1j), weights="w")


def test_all_missing_item_with_declared_scale_warns_nothing_from_numpy(df):
    d = df.assign(x1=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", cm.DataWarning)  # "80 of 80 rows excluded"
        with pytest.raises(cm.DataError, match="Only 0 of 80 rows remain"):
            cm.prepare(d, ITEMS, scale=(1, 10))
