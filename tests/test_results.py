import numpy as np
import pytest

import csimodel as cm


@pytest.fixture(scope="module")
def res():
    return cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))


def test_public_shapes_and_labels(res):
    p = res.params
    assert list(p.columns) == ["lhs", "op", "rhs", "estimate"]
    assert set(p.op) == {"=~", "<~", "~"}
    assert (p.op == "~").sum() == 12 and (p.op == "=~").sum() == 24
    row = p[(p.op == "~") & (p.lhs == "Loyalty") & (p.rhs == "Satisfaction")]
    assert row.estimate.iloc[0] == res.path_coefficients.loc["Satisfaction", "Loyalty"]
    assert res.path_coefficients.index.name == "source"
    assert np.isnan(res.path_coefficients.loc["Loyalty", "Image"])
    assert res.outer_weights.index.names == ["construct", "item"]
    assert res.loadings[("Complaints", "CUSCO")] == pytest.approx(1.0)
    assert list(res.effects.columns) == ["source", "target", "direct", "indirect", "total"]
    np.testing.assert_allclose(res.effects.direct + res.effects.indirect, res.effects.total)
    assert res.scores.shape == (250, 7)
    assert res.cross_loadings.shape == (24, 7)
    assert res.r_squared.index.tolist() == list(cm.models.ecsi().endogenous)
    assert (res.n_total, res.n_used, len(res.excluded)) == (250, 250, 0)
    assert res.converged and res.n_iter > 0


def test_results_are_read_only(res):
    with pytest.raises(AttributeError):
        res.model = None
    with pytest.raises(AttributeError):
        res.params = None


def test_fitting_twice_is_identical_and_estimator_unchanged(res):
    est = cm.PLS(scheme="factorial")
    before = est.get_params()
    d = cm.datasets.load_ecsi_mobi()
    a = est.fit(cm.models.ecsi(), d)
    b = est.fit(cm.models.ecsi(), d)
    assert est.get_params() == before
    np.testing.assert_array_equal(a.params.estimate, b.params.estimate)
    assert repr(est) == "PLS(scheme='factorial')"


def test_summary_text_and_html(res):
    s = res.summary()
    text = s.as_text()
    assert "Respondents (used / total)  250 / 250" in text
    assert "Satisfaction -> Loyalty" in text
    html = s._repr_html_()
    assert html.startswith("<div") and "250 / 250" in html and "<table" in html
    assert "250 of 250 rows used" in repr(res)
