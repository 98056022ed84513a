"""Bad input to the prediction functions: csimodel errors that say what to change."""

from __future__ import annotations

import numpy as np
import pytest

import csimodel as cm


@pytest.fixture(scope="module")
def res():
    return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))


def test_folds_larger_than_n(res):
    with pytest.raises(
        cm.DataError, match="between 2 and the number of used respondents \\(250\\)"
    ):
        cm.predict_pls(res, folds=251)
    with pytest.raises(cm.DataError, match="between 2"):
        cm.predict_pls(res, folds=1)


def test_fold_labels_wrong_length(res):
    with pytest.raises(cm.DataError, match="one label per used respondent \\(250.*Got 249"):
        cm.predict_pls(res, folds=np.arange(249) % 5, repeats=1)


def test_fold_labels_with_an_empty_fold(res):
    labels = np.arange(250) % 5 + 1
    labels[labels == 3] = 4
    with pytest.raises(cm.DataError, match="Fold\\(s\\) 3 .*no respondents"):
        cm.predict_pls(res, folds=labels, repeats=1)


def test_labels_with_repeats_and_one_fold(res):
    with pytest.raises(cm.DataError, match="'repeats' parameter .* must be 1"):
        cm.predict_pls(res, folds=np.arange(250) % 5, repeats=3)
    with pytest.raises(cm.DataError, match="only one fold"):
        cm.predict_pls(res, folds=np.zeros(250, dtype=int), repeats=1)


def test_bad_options(res):
    with pytest.raises(cm.CsimodelError, match="'technique' parameter of predict_pls"):
        cm.predict_pls(res, technique="DA")
    with pytest.raises(cm.CsimodelError, match="'lm_predictors' parameter"):
        cm.predict_pls(res, lm_predictors="all")
    with pytest.raises(cm.DataError, match="'repeats' parameter"):
        cm.predict_pls(res, repeats=0)
    with pytest.raises(cm.DataError, match="'folds' parameter"):
        cm.predict_pls(res, folds=2.5)


def test_model_without_endogenous_constructs():
    data = cm.datasets.load_ecsi_mobi()
    cfa = cm.CBSEM().fit("Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2", data)
    with pytest.raises(cm.ModelError, match="cm.PLS"):
        cm.predict_pls(cfa)


def test_case_weights_refused():
    data = cm.datasets.load_ecsi_mobi().assign(w=np.linspace(0.5, 1.5, 250))
    r = cm.PLS().fit(cm.models.ecsi(), data, weights="w")
    with pytest.raises(cm.DataError, match="Refit without weights"):
        cm.predict_pls(r)
