import pytest

import csimodel as cm


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("A =~ a1\nB =~ b1\nC ~ A", ["undefined construct", "'C'"]),
        ("A =~ a1 + a2\nB =~ a2\nB ~ A", ["'a2'", "'A'", "'B'"]),
        ("A =~ a1 + a1\nB =~ b1\nB ~ A", ["'a1'", "twice"]),
        (
            "A =~ a1\nB =~ b1\nC =~ c1\nB ~ A\nC ~ B\nA ~ C",
            ["cycle", "A -> B -> C -> A"],
        ),
        ("A =~ a1\nB =~ b1\nC =~ c1\nB ~ A", ["no structural path", "'C'"]),
        ("A =~ a1\nB =~ b1\nA ~ A", ["regressed on itself", "'A'"]),
        ("A =~ a1\nA <~ a2\nB =~ b1\nB ~ A", ["both as reflective", "'A'"]),
        ("A =~ a1\nB =~ A\nB ~ A", ["'A'", "Higher-order"]),
        ("A =~ a1\nB =~ b1\nB ~ a1", ["'a1'", "is an item of 'A'"]),
    ],
)
def test_model_errors_name_the_construct(text, fragments):
    with pytest.raises(cm.ModelError) as ei:
        cm.Model(text)
    for f in fragments:
        assert f in str(ei.value)


def test_measurement_only_model_is_a_valid_model_but_not_for_pls(ecsi):
    m = cm.Model("A =~ CUSA1 + CUSA2\nB =~ CUSL1 + CUSL3")
    assert m.paths == ()
    with pytest.raises(cm.ModelError, match="no '~' paths"):
        cm.PLS().fit(m, ecsi)


def test_ecsi_preset_matches_the_published_structure():
    m = cm.models.ecsi()
    assert m.constructs == (
        "Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaints", "Loyalty",
    )  # fmt: skip
    assert len(m.items) == 24
    expected = {
        ("Image", "Expectation"), ("Image", "Satisfaction"), ("Image", "Loyalty"),
        ("Expectation", "Quality"), ("Expectation", "Value"), ("Expectation", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
    }  # fmt: skip
    assert set(m.paths) == expected


def test_acsi_preset_structure_and_items():
    items = {
        "Expectations": ["e1", "e2"],
        "Quality": ["q1", "q2"],
        "Value": ["v1"],
        "Satisfaction": ["s1", "s2", "s3"],
        "Complaints": "c1",
        "Loyalty": ["l1"],
    }
    m = cm.models.acsi(items=items)
    expected = {
        ("Expectations", "Quality"), ("Expectations", "Value"), ("Expectations", "Satisfaction"),
        ("Quality", "Value"), ("Quality", "Satisfaction"), ("Value", "Satisfaction"),
        ("Satisfaction", "Complaints"), ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty"),
    }  # fmt: skip
    assert set(m.paths) == expected
    assert m.blocks["Complaints"] == ("c1",)
    with pytest.raises(cm.ModelError, match="Image"):
        cm.models.acsi(items={**items, "Image": ["i1"]})
    with pytest.raises(cm.ModelError, match="no items"):
        cm.models.acsi(items={**items, "Value": []})


def test_acsi_default_fits_bundled_data(ecsi):
    res = cm.PLS().fit(cm.models.acsi(), ecsi, scale=(1, 10))
    assert res.r_squared.index.tolist() == [
        "Quality",
        "Value",
        "Satisfaction",
        "Complaints",
        "Loyalty",
    ]
