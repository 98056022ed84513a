"""The suspected-missing-code rule of the data door (issue 22), from a user's side.

Expected outcomes are set by hand from the data's construction: the bundled corp_rep survey
codes "no answer" as -99 in cusa and cusl_1..3 (Hair et al. 2017, the primer's data
description), so a fit without codes or scale must stop; the other data sets below are
built so that no value is a code.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm
from csimodel import _suspect

CORP = """
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
CODED = ["cusa", "cusl_1", "cusl_2", "cusl_3"]


@pytest.fixture(scope="module")
def corp():
    return cm.datasets.load_corp_rep()


def _fit(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.DataWarning)
        return cm.PLS().fit(CORP, data, **kw)


# ------------------------------------------------------------------ the trip in the issue
def test_no_scale_minus_99_fit_raises_naming_items_code_count_rows(corp):
    with pytest.raises(cm.SuspectedCodeError) as ei:
        _fit(corp)
    msg = str(ei.value)
    assert ei.value.codes == (-99.0,)
    assert isinstance(ei.value, cm.DataError) and isinstance(ei.value, ValueError)
    for item in CODED:
        assert repr(item) in msg
    n_cusl2 = int((corp["cusl_2"] == -99).sum())
    rows = list(corp.index[corp["cusl_2"] == -99])
    assert f"'cusl_2': -99 in {n_cusl2} row(s) (rows {', '.join(map(str, rows))})" in msg
    # both fixes and the opt-out are spelled out
    assert "missing_values=(-99,)" in msg and "scale=(1, 7)" in msg
    assert "suspect_codes='ignore'" in msg


def test_the_fixes_named_in_the_message_work(corp):
    n_rows = int((corp[CODED] == -99).any(axis=1).sum())
    res = _fit(corp, missing_values=(-99,))
    assert res.n_used == len(corp) - n_rows
    with pytest.raises(cm.DataError, match="outside the declared scale"):
        _fit(corp, scale=(1, 7))  # the declared scale rejects the code (its own message)
    assert _fit(corp, scale=(1, 7), missing_values=(-99,)).n_used == len(corp) - n_rows
    # a user who means those values proceeds
    assert _fit(corp, suspect_codes="ignore").n_used == len(corp)


@pytest.mark.parametrize("code", [-9, 99, 999, -999, 9999])
def test_other_typical_codes_raise(corp, code):
    data = corp.replace({c: {-99: code} for c in CODED})
    with pytest.raises(cm.SuspectedCodeError) as ei:
        _fit(data)
    assert ei.value.codes == (float(code),)
    assert f"missing_values=({code},)" in str(ei.value)


def test_cbsem_and_scoring_entry_points(corp):
    with pytest.raises(cm.SuspectedCodeError):
        cm.CBSEM().fit(CORP, corp)
    with pytest.raises(cm.SuspectedCodeError):
        cm.prepare(corp, CODED, missing="mean")
    # a scoring model always has declared scales: a code in new data is outside them
    sm = _fit(corp, scale=(1, 7), missing_values=(-99,)).to_scoring_model()
    with pytest.raises(cm.DataError, match="outside the declared scale"):
        sm.score(corp)
    n_rows = int((corp[CODED] == -99).any(axis=1).sum())
    with pytest.warns(cm.DataWarning):
        assert len(sm.score(corp, missing_values=(-99,))) == len(corp) - n_rows


def test_bad_option_has_the_parameter_error_shape(corp):
    with pytest.raises(cm.CsimodelError, match=r"'suspect_codes' parameter of PLS.fit must be"):
        _fit(corp, suspect_codes="warn")


# ------------------------------------------------------------------ no false alarms
def _items(frame):
    return list(frame.columns)


def test_bundled_data_sets_raise_no_false_alarm():
    ecsi = cm.datasets.load_ecsi_mobi()  # 1-10, 9 is an ordinary answer
    sat = cm.datasets.load_satisfaction()  # 0-10
    corp = cm.datasets.load_corp_rep()
    cm.prepare(ecsi, [c for c in ecsi.columns])
    num = sat.select_dtypes("number")
    cm.prepare(num, _items(num))
    clean = [c for c in corp.columns if c not in CODED]
    cm.prepare(corp, clean)


@pytest.mark.parametrize("seed", range(5))
def test_no_false_alarm_on_ordinary_numeric_items(seed):
    rng = np.random.default_rng(seed)
    n = 300
    z = rng.standard_normal((n, 3))
    data = pd.DataFrame(
        {
            "nps_0_10": rng.integers(0, 11, n),  # 0-10 scale, 9 inside it
            "top_0_10": rng.choice([7, 8, 9, 10], n),  # 9 at the end of a skewed 0-10 item
            "slider": rng.integers(1, 101, n),  # 1-100 slider, 99 inside it
            "z1": (z[:, 0] - z[:, 0].mean()) / z[:, 0].std(),  # z-scored data
            "z_int": np.round(z[:, 1] * 2),  # integer-valued, centred at 0
            "likert_c": rng.integers(-3, 4, n),  # centred Likert -3..3
            "visits": rng.poisson(3, n),  # integer counts
            "contacts": rng.negative_binomial(2, 0.15, n),  # long-tailed counts
            "spend": rng.integers(0, 2000, n),  # counts that contain 99, 999 inside the range
            "share": rng.uniform(0, 1, n),  # proportions
        }
    )
    p = cm.prepare(data, list(data.columns))
    assert p.n_used == n


def test_declared_scale_trusts_values_inside_it():
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 99, 2, 3], "b": [1, 2, 3, 4, 5, 6, 2, 1]})
    with pytest.raises(cm.SuspectedCodeError):
        cm.prepare(data, ["a", "b"])
    assert cm.prepare(data, ["a", "b"], scale={"a": (1, 99), "b": (1, 7)}).n_used == 8


# ------------------------------------------------------------------ the rule, by hand
@pytest.mark.parametrize(
    "body, cands, expected",
    [
        ((1, 7), [-99], [-99]),
        ((1, 7), [-9], [-9]),  # 10 below a 1-7 scale (threshold 3)
        ((1, 5), [9], [9]),  # the SPSS 9 on a 1-5 scale: 4 above, threshold 2
        ((1, 7), [9], []),  # 2 above a 1-7 scale: could be an answer on 1-9
        ((1, 10), [-1], []),  # -1 next to a 1-10 scale: not apart (2 <= 4.5)
        ((0, 10), [9, -99, 999], [-99, 999]),
        ((0, 3), [-1, -2, -3], []),  # -3..3 Likert: absorbed step by step
        ((0, 10), [-1, -2, -5, -8, -10, -99], [-99]),  # centred item plus a code
        ((5, 5), [-99], []),  # one distinct body value: cannot judge
        ((1, 7), [-99, -98, -97, -96, -95, -94], []),  # more than 5 distinct: a spread
    ],
)
def test_rule_by_hand(body, cands, expected):
    assert _suspect.suspected_codes(*body, cands) == [float(v) for v in expected]


def test_candidates_and_merge_are_exact():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, 400).astype(float)
    x[rng.choice(400, 15, replace=False)] = -99
    x[rng.choice(400, 3, replace=False)] = 999
    whole = _suspect.summarize(x)
    cuts = np.sort(rng.choice(np.arange(1, 400), 6, replace=False))
    parts = [_suspect.summarize(p) for p in np.split(x, cuts)]
    merged = parts[0]
    for p in parts[1:]:
        merged = _suspect.merge(merged, p)
    assert merged == whole
    assert _suspect.suspected_codes(*whole[:3]) == [-99.0, 999.0]
    mask = _suspect.candidate_mask(np.array([9, 99, 999.0, 98, -1, -0.5, 9.5, 0, 19, -99]))
    assert mask.tolist() == [True, True, True, False, True, False, False, False, False, True]


# ------------------------------------------------------------------ the Dask door
def test_dask_door_applies_the_same_rule(corp):
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(corp, npartitions=4)
    with pytest.raises(cm.SuspectedCodeError) as ei:
        _fit(ddf)
    assert ei.value.codes == (-99.0,)
    assert "partition" in str(ei.value) and "'cusl_3'" in str(ei.value)
    with pytest.raises(cm.SuspectedCodeError):
        _fit(ddf, missing="mean")
    assert _fit(ddf, suspect_codes="ignore").n_used == len(corp)
    res = _fit(ddf, missing_values=(-99,))
    ref = _fit(corp, missing_values=(-99,))
    np.testing.assert_allclose(res.path_coefficients, ref.path_coefficients, atol=1e-10)
