"""Fuzzing the data door: random hostile frames give a PreparedData or a csimodel error.

Frames mix clean numeric columns with hostile cells (None, pd.NA, NaT, text, numeric text,
decimal commas, booleans, infinities, huge and denormal numbers, complex numbers, bytes,
lists, dicts, timestamps, Decimals, arbitrary objects), random dtypes (object, nullable,
string, category, boolean, small ints, datetime, sparse...), odd index labels and random
``weights`` / ``missing`` / ``scale`` / ``missing_values`` arguments. Only
:class:`csimodel.CsimodelError` may be raised; a returned ``PreparedData`` must account for
every row and hold finite values and positive weights.

Count: ``CSIMODEL_FUZZ_EXAMPLES / 4`` frames (default 500; the full run 20,000 frames uses
``CSIMODEL_FUZZ_EXAMPLES=80000``).
(pyarrow-backed dtypes are left out here: pandas 3.0's astype of arbitrary Python objects to
``double[pyarrow]`` can crash the interpreter itself; they are covered with valid values in
``test_hostile_data.py``.)
"""

from __future__ import annotations

import decimal
import fractions
import os
import random
import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

N_EXAMPLES = int(os.environ.get("CSIMODEL_FUZZ_EXAMPLES", "2000")) // 4
ITEMS = ["a", "b", "c"]
VALUES = [
    1, 2.5, -3, 0, np.nan, None, pd.NA, pd.NaT, "", " ", "3", "4.0", " 5 ", "1e3", "abc", "5,5",
    True, False, np.inf, -np.inf, 1e308, -1e308, 1e-320, 2**63, 10**30, complex(1, 2), b"7",
    [1], {"a": 1}, (1,), pd.Timestamp(0), np.datetime64("2020-01-01"), pd.Timedelta(1),
    np.float32(2), np.int8(3), np.uint64(2**64 - 1), decimal.Decimal("2.5"),
    fractions.Fraction(1, 3), object(),
]  # fmt: skip
DTYPES = [
    None, "object", "float64", "Int64", "Float64", "string", "category", "boolean", "int8",
    "uint8", "float32", "datetime64[ns]", "timedelta64[ns]", "complex128", "Sparse[float]",
]  # fmt: skip


def random_frame(rng: random.Random, nrng: np.random.Generator):
    n = rng.randint(0, 30)
    cols = {}
    names = ITEMS + (["w"] if rng.random() < 0.3 else []) + (["x"] if rng.random() < 0.3 else [])
    for c in names:
        if rng.random() < 0.85:
            col = list(nrng.integers(1, 8, size=n).astype(float))
            for _ in range(rng.choice([0, 0, 0, 1, 2])):
                if n:
                    col[rng.randrange(n)] = rng.choice(VALUES)
        else:
            col = [rng.choice(VALUES) for _ in range(n)]
        s = pd.Series(col, dtype=object)
        dt = rng.choice(DTYPES)
        if dt:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # pandas' own casting warnings
                    s = s.astype(dt)
            except Exception:
                pass  # the frame keeps the object column
        cols[c] = s
    df = pd.DataFrame(cols)
    if rng.random() < 0.2:
        df.index = [rng.choice([0, "x", None, 1.5, np.nan]) for _ in range(n)]
    kw = {}
    if "w" in df and rng.random() < 0.7:
        kw["weights"] = "w"
    if rng.random() < 0.3:
        kw["missing"] = rng.choice(["listwise", "mean", "error"])
    if rng.random() < 0.2:
        kw["scale"] = rng.choice([(1, 7), (0, 5), {"a": (1, 7)}, None])
    if rng.random() < 0.2:
        kw["missing_values"] = rng.choice([(-99,), (1, 2), ()])
    return df, kw


def test_random_hostile_frames():
    rng = random.Random(int(os.environ.get("CSIMODEL_FUZZ_SEED", "0")))
    nrng = np.random.default_rng(0)
    outcomes = {"prepared": 0, "refused": 0}
    for _ in range(N_EXAMPLES):
        df, kw = random_frame(rng, nrng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", cm.DataWarning)
                p = cm.prepare(df, ITEMS, **kw)
        except cm.CsimodelError as e:
            assert str(e)
            outcomes["refused"] += 1
            continue
        except Exception as e:
            pytest.fail(f"{type(e).__name__}: {e}\n{df.dtypes.to_dict()}\n{df.head()}\n{kw}")
        outcomes["prepared"] += 1
        assert p.n_used + len(p.excluded) == p.n_total == len(df)
        assert np.isfinite(p.X).all() and p.X.shape == (p.n_used, 3)
        if p.weights is not None:
            assert np.isfinite(p.weights).all() and (p.weights > 0).all()
    print("data-door fuzz outcomes:", outcomes)
    assert outcomes["prepared"] > N_EXAMPLES // 20
