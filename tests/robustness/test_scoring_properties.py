"""Property tests of 0-100 indices and scoring-model files on random models and data.

* With a declared scale and non-negative index weights, every respondent score and every
  index lies in [0, 100] (a convex combination of rescaled answers), index weights are
  non-negative and sum to 1 per construct.
* ``to_scoring_model().save()`` then ``cm.load_model()`` scores new data bit-identically to
  the model before saving, and equals ``cm.respondent_scores`` of the fit on its used rows.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from robustgen import random_case

import csimodel as cm

N_EXAMPLES = int(os.environ.get("CSIMODEL_HYPOTHESIS_EXAMPLES", "25"))
SETTINGS = settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CSIMODEL_HYPOTHESIS_RANDOM") is None,
)


def fit(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        return cm.PLS(scheme=case.scheme).fit(
            case.syntax, case.data, scale=(1, 10), missing=case.missing, weights=case.weights
        )


def scoring_model(res):
    try:
        return res.to_scoring_model(negative_weights="zero")
    except cm.ModelError:  # a block with no positive weight: refused, by design
        assume(False)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    scheme=st.sampled_from(["centroid", "factorial", "path"]),
    weighted=st.booleans(),
    holes=st.booleans(),
)
def test_indices_and_scores_within_0_100(seed, scheme, weighted, holes):
    case = random_case(seed, scheme=scheme, likert=True, weighted=weighted, missing_cells=holes)
    res = fit(case)
    scoring_model(res)  # skip cases whose blocks have no positive weight
    w = cm.scoring.index_weights(res, negative_weights="zero")
    assert (w >= 0).all()
    np.testing.assert_allclose(w.groupby(level=0).sum(), 1.0, atol=1e-12)
    scores = cm.respondent_scores(res, negative_weights="zero")
    assert np.isfinite(scores.to_numpy()).all()
    assert ((scores >= -1e-9) & (scores <= 100 + 1e-9)).all().all()
    idx = cm.indices(res, negative_weights="zero")
    vals = idx.drop(columns="n").to_numpy()
    assert np.isfinite(vals).all() and (vals >= -1e-9).all() and (vals <= 100 + 1e-9).all()


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), weighted=st.booleans(), holes=st.booleans())
def test_save_load_round_trip_scores_identically(tmp_path_factory, seed, weighted, holes):
    case = random_case(seed, likert=True, weighted=weighted, missing_cells=holes)
    res = fit(case)
    sm = scoring_model(res)
    path = tmp_path_factory.mktemp("rt") / "model.json"
    sm.save(path)
    sm2 = cm.load_model(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CsimodelWarning)
        before, after = sm.score(case.data), sm2.score(case.data)
    pd.testing.assert_frame_equal(after, before, check_exact=True)
    expected = cm.respondent_scores(res, negative_weights="zero")
    pd.testing.assert_frame_equal(
        after.loc[expected.index], expected, check_exact=False, rtol=0, atol=1e-9
    )
