import pytest

import csimodel as cm


def test_lavaan_syntax_features():
    m = cm.Model(
        """
        # a comment line
        Image =~ IMAG1 + IMAG2 +
                 IMAG3            # continuation after '+'
        Value <~ PERV1
               + PERV2            # continuation starting with '+'
        Sat =~ CUSA1 + CUSA2; Loy =~ CUSL1
        Sat ~ Image + Value
        Loy ~ Sat
        """
    )
    assert m.constructs == ("Image", "Value", "Sat", "Loy")
    assert m.blocks["Image"] == ("IMAG1", "IMAG2", "IMAG3")
    assert m.modes == {"Image": "A", "Value": "B", "Sat": "A", "Loy": "A"}
    assert m.paths == (("Image", "Sat"), ("Value", "Sat"), ("Sat", "Loy"))
    pt = m.parameter_table
    assert list(pt.columns) == ["lhs", "op", "rhs"]
    assert ((pt.op == "~") & (pt.lhs == "Sat") & (pt.rhs == "Image")).sum() == 1


def test_several_lhs_on_structural_line():
    m = cm.Model("A =~ a1\nB =~ b1\nC =~ c1\nB + C ~ A")
    assert set(m.paths) == {("A", "B"), ("A", "C")}


@pytest.mark.parametrize(
    "text, line, column, fragment",
    [
        ("A =~ a1 + \n\n", 1, 10, "Expected a name after '+'"),
        ("A =~ a1 a2", 1, 9, "Missing '+'"),
        ("A =~ a1\nB = b1", 2, 3, "Unexpected character '='"),
        ("A =~ a1\nB =~ 0.5*b1", 2, 6, "not supported"),
        ("A =~ a1 + b*c", 1, 12, "not supported"),
        ("=~ a1", 1, 1, "Missing name on the left"),
        ("A a1", 1, 1, "No operator"),
        ("A =~ a1 ~ b", 1, 9, "second operator"),
    ],
)
def test_syntax_errors_point_at_line_and_column(text, line, column, fragment):
    with pytest.raises(cm.ModelSyntaxError) as ei:
        cm.Model(text)
    e = ei.value
    assert fragment in str(e)
    assert (e.line, e.column) == (line, column)
    assert f"line {line}, column {column}" in str(e)
    caret_line = str(e).splitlines()[-1]
    assert caret_line.index("^") == 2 + column - 1  # two-space indent, caret under the column


def test_empty_model():
    with pytest.raises(cm.ModelSyntaxError, match="empty"):
        cm.Model("  # only a comment\n")


def test_syntax_error_is_value_error_and_csimodel_error():
    with pytest.raises(ValueError):
        cm.Model("A =~")
    with pytest.raises(cm.CsimodelError):
        cm.Model("A =~")
