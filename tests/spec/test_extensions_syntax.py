"""Syntax of the model extensions: interaction terms and higher-order constructs."""

from __future__ import annotations

import pytest

import csimodel as cm

BASE = """
A =~ a1 + a2
B =~ b1 + b2
C =~ c1 + c2
"""


def test_interaction_term_parsed():
    m = cm.Model(BASE + "C ~ A + B + A : B")
    assert m.interactions == {"A:B": ("A", "B")}
    assert m.constructs == ("A", "B", "C", "A:B")
    assert ("A:B", "C") in m.paths
    assert m.items == ("a1", "a2", "b1", "b2", "c1", "c2")
    rows = m.parameter_table.query("op == '~'")
    assert ("C", "A:B") in set(zip(rows["lhs"], rows["rhs"], strict=True))


def test_quadratic_term():
    m = cm.Model(BASE + "C ~ A + B + A:A")
    assert m.interactions == {"A:A": ("A", "A")}


def test_higher_order_parsed():
    m = cm.Model(BASE + "D =~ d1 + d2\nH <~ A + B\nC ~ H\nD ~ C")
    assert m.higher_order == {"H": ("A", "B")}
    assert m.modes["H"] == "B"
    assert m.blocks["H"] == ()
    assert m.lower_order == {"A": "H", "B": "H"}
    t = m.parameter_table
    assert len(t.query("lhs == 'H' and op == '<~'")) == 2


@pytest.mark.parametrize(
    "text,match",
    [
        (BASE + "C ~ A + A:Z", "undefined construct"),
        (BASE + "B ~ A + A:B", "one\nof its own parts|of its own parts"),
        (BASE + "H =~ A + b9\nC ~ H", "mixes constructs"),
        (BASE + "H =~ A + B\nH =~ x1\nC ~ H", "mixes constructs"),
        (BASE + "H =~ A + B\nC ~ H\nA ~ C", "Lower-order construct 'A'"),
        (BASE + "H =~ A + B\nG =~ H + C\nC ~ H", "itself a higher-order"),
        (BASE + "H =~ A + B\nB =~ H\nC ~ H", "cycle|mixes"),
        (BASE + "H =~ A\nC ~ H\nB ~ C", "at least two"),
        (BASE + "C ~ A + B + A:B\nB ~ C", "cycle"),
    ],
)
def test_model_errors(text, match):
    with pytest.raises(cm.ModelError, match=match):
        cm.Model(text)


@pytest.mark.parametrize(
    "text,match",
    [
        (BASE + "A:B =~ x1 + x2\nC ~ A", "only on the right side of '~'"),
        (BASE + "C ~ A + A:B:C", "only two-way"),
        (BASE + "A:B ~ C", "only on the right side"),
    ],
)
def test_syntax_errors(text, match):
    with pytest.raises(cm.ModelSyntaxError, match=match):
        cm.Model(text)


def test_cbsem_refuses_extensions():
    pytest.importorskip("semopy")
    with pytest.raises(cm.ModelError, match="CBSEM does not estimate interaction"):
        cm.CBSEM().fit(BASE + "C ~ A + B + A:B", cm.datasets.load_ecsi_mobi())
