"""Fuzzing the model syntax: random and mutated texts raise only csimodel errors.

Every text is given to ``cm.Model``; texts that parse into a model are also fitted (on random
data with a column for every item) and their derived tables are built. The only exceptions
allowed are :class:`csimodel.CsimodelError` subclasses -- never ``IndexError``,
``KeyError``, ``RecursionError``, ``LinAlgError``... A fit that returns must be finite.

Count: ``CSIMODEL_FUZZ_EXAMPLES`` texts (default 2,000 in CI; the full run uses 20,000:
``CSIMODEL_FUZZ_EXAMPLES=20000 pytest tests/robustness/test_syntax_fuzz.py``).
"""

from __future__ import annotations

import os
import random
import warnings

import numpy as np
import pandas as pd
import pytest

import csimodel as cm

N_EXAMPLES = int(os.environ.get("CSIMODEL_FUZZ_EXAMPLES", "2000"))

SEEDS = [
    "Image =~ IMAG1 + IMAG2 + IMAG3\nExpectation =~ CUEX1 + CUEX2\nValue <~ PERV1 + PERV2\n"
    "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\nLoyalty =~ CUSL1 + CUSL3\n"
    "Expectation ~ Image\nValue ~ Expectation\nSatisfaction ~ Image + Expectation + Value\n"
    "Loyalty ~ Satisfaction + Image\n",
    "A =~ a1 + a2\nB <~ b1 +\n  b2 + b3\nC =~ c1 # comment\nB ~ A; C ~ A + B\n",
    "X =~ x\nY =~ y\nY ~ X\nX ~~ Y\n",
    "Q =~ q1\n+ q2\n+ q3\nS =~ s1 + s2\nS ~ Q",
]
PIECES = [
    "=~", "<~", "~~", "~", "+", "#", ";", "\n", "\r\n", "\t", " ", "=", "<", ">", "*", "0.5*",
    "1", "-", "(", ")", ":", ",", '"', "'", "\\", "\x00", "\u00e9", "\u2028", "\ufeff", "..",
    "_", "A", "a1", "Image", "IMAG1", "Sat", "Sat ~ Sat", "X ~ Y\nY ~ X", "~ X", "X ~",
]  # fmt: skip


def _mutate(text: str, rng: random.Random) -> str:
    s = list(text)
    for _ in range(rng.randint(1, 10)):
        r = rng.random()
        pos = rng.randint(0, len(s))
        if r < 0.3 and s:
            del s[min(pos, len(s) - 1)]
        elif r < 0.65:
            s[pos:pos] = list(rng.choice(PIECES))
        elif r < 0.8 and s:
            a, b = rng.randrange(len(s)), rng.randrange(len(s))
            s[a], s[b] = s[b], s[a]
        elif r < 0.9:  # duplicate or drop a line
            lines = "".join(s).split("\n")
            k = rng.randrange(len(lines))
            if rng.random() < 0.5:
                lines.insert(k, lines[k])
            elif len(lines) > 1:
                del lines[k]
            s = list("\n".join(lines))
        else:  # swap operands of a statement
            lines = "".join(s).split("\n")
            k = rng.randrange(len(lines))
            for op in ("=~", "<~", "~~", "~"):
                if op in lines[k]:
                    lhs, _, rhs = lines[k].partition(op)
                    lines[k] = f"{rhs} {op} {lhs}"
                    break
            s = list("\n".join(lines))
    return "".join(s)


def _grammar(rng: random.Random) -> str:
    """Random statements over a small name pool: mostly well-formed, often invalid models."""
    names = [f"C{k}" for k in range(rng.randint(1, 6))]
    items = [f"x{k}" for k in range(rng.randint(1, 12))]
    lines = []
    for _ in range(rng.randint(1, 12)):
        op = rng.choice(["=~", "=~", "<~", "~", "~", "~~"])
        lhs = rng.sample(names, rng.randint(1, min(2, len(names))))
        pool = items + names if op in ("=~", "<~") and rng.random() < 0.1 else items
        src = pool if op in ("=~", "<~") else names
        rhs = rng.sample(src, min(len(src), 1 + rng.randrange(3)))
        lines.append(f"{' + '.join(lhs)} {op} {' + '.join(rhs)}")
    return rng.choice(["\n", ";", "\n\n"]).join(lines)


def _soup(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))


def texts(n: int, seed: int = 0):
    rng = random.Random(seed)
    makers = [lambda: _mutate(rng.choice(SEEDS), rng), lambda: _grammar(rng), lambda: _soup(rng)]
    for k in range(n):
        yield makers[k % 3]()


def _data_for(model: cm.Model, rng: np.random.Generator) -> pd.DataFrame:
    n = 40
    f = rng.normal(size=(n, 1))
    return pd.DataFrame({i: f[:, 0] + rng.normal(size=n) for i in model.items})


def _exercise(text, rng: np.random.Generator) -> str:
    """Return the outcome class name; raise on any non-csimodel exception."""
    try:
        m = cm.Model(text)
    except cm.ModelSyntaxError as e:
        assert str(e)
        if e.line is not None:
            assert 1 <= e.line <= max(1, len(text.splitlines()))
            assert e.column >= 1
        return "ModelSyntaxError"
    except cm.CsimodelError as e:
        assert str(e)
        return type(e).__name__
    repr(m)
    m.parameter_table, m.path_matrix(), m.block_mask(), m.endogenous, m.exogenous
    for c in m.constructs:
        m.predecessors(c)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cm.CsimodelWarning)
            res = cm.PLS().fit(m, _data_for(m, rng))
    except cm.CsimodelError as e:
        assert str(e)
        return "fit:" + type(e).__name__
    assert np.all(np.isfinite(res.params["estimate"]))
    res.summary().as_text()
    return "fitted"


def test_fuzzed_model_texts_raise_only_csimodel_errors():
    rng = np.random.default_rng(0)
    outcomes: dict[str, int] = {}
    for text in texts(N_EXAMPLES, int(os.environ.get("CSIMODEL_FUZZ_SEED", "0"))):
        try:
            kind = _exercise(text, rng)
        except cm.CsimodelError:  # pragma: no cover - handled inside
            raise
        except Exception as e:
            pytest.fail(f"{type(e).__name__}: {e} for model text {text!r}")
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print("fuzz outcomes:", outcomes)
    # the generator must reach every layer: syntax errors, model errors and real fits
    assert outcomes.get("ModelSyntaxError", 0) > N_EXAMPLES // 20
    assert outcomes.get("ModelError", 0) > N_EXAMPLES // 50
    assert outcomes.get("fitted", 0) > N_EXAMPLES // 100


@pytest.mark.parametrize(
    "text",
    [
        None,
        b"A =~ a1\n",
        42,
        ["A =~ a1"],
        "",
        "\n\n   \n# only a comment",
        "\x00" * 1000,
        "A =~ " + " + ".join(f"x{k}" for k in range(20000)),  # one very long statement
        "A =~ a\n" + "+ b\n" * 5000,  # very many continuation lines
        "A =~ a1 +" * 500,
        "(((((((((((((((((((((((((((((((((((((((" * 100,
        "A =~ a1\nB =~ b1\nB ~ A\n\ufeff",
        "\ufeffA =~ a1\nB =~ b1\nB ~ A",
        "A =~ a1\u2028B =~ b1\u2028B ~ A",
        "Ä =~ ä1\nB =~ b1\nB ~ Ä",
    ],
    ids=lambda t: repr(t)[:25],
)
def test_hostile_model_texts(text):
    _exercise(text, np.random.default_rng(0))  # raises only csimodel errors


CHAIN_DEFS = "\n".join(f"C{k} =~ x{k}" for k in range(3000))


def test_long_chain_builds_without_recursion():
    m = cm.Model(CHAIN_DEFS + "\n" + "\n".join(f"C{k + 1} ~ C{k}" for k in range(2999)))
    assert len(m.constructs) == 3000 and len(m.paths) == 2999


def test_long_cycle_is_refused_without_recursion():
    text = CHAIN_DEFS + "\n" + "\n".join(f"C{(k + 1) % 3000} ~ C{k}" for k in range(3000))
    with pytest.raises(cm.ModelError, match="cycle"):
        cm.Model(text)


EXTENSION_SEEDS = [
    "A =~ a1 + a2\nB <~ b1 + b2\nC =~ c1 + c2\nC ~ A + B + A:B\n",
    "A =~ a1 + a2\nC =~ c1 + c2\nC ~ A + A:A\n",
    "L1 =~ l1 + l2\nL2 <~ m1 + m2\nH =~ L1 + L2\nY =~ y1 + y2\nX =~ x1\nH ~ X\nY ~ H\n",
    "L1 =~ l1\nL2 =~ m1 + m2\nL3 =~ k1\nH <~ L1 + L2 + L3\nY =~ y1 + y2\nY ~ H\n",
]


def test_fuzzed_extension_texts_raise_only_csimodel_errors():
    """Mutated interaction / higher-order texts: parse, fit with every method, or raise a
    csimodel error."""
    rng = np.random.default_rng(1)
    r = random.Random(1)
    outcomes: dict[str, int] = {}
    for k in range(max(N_EXAMPLES // 4, 50)):
        text = _mutate(r.choice(EXTENSION_SEEDS), r) if k % 4 else r.choice(EXTENSION_SEEDS)
        try:
            kind = _exercise(text, rng)
            if kind == "fitted":
                m = cm.Model(text)
                data = _data_for(m, rng)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", cm.CsimodelWarning)
                    for method in ("product_indicator", "orthogonal"):
                        try:
                            res = cm.PLS(
                                interaction=method, higher_order="repeated_indicators"
                            ).fit(m, data)
                            assert np.all(np.isfinite(res.params["estimate"]))
                        except cm.CsimodelError:
                            pass
        except cm.CsimodelError:  # pragma: no cover - handled inside
            raise
        except Exception as e:
            pytest.fail(f"{type(e).__name__}: {e} for model text {text!r}")
        outcomes[kind] = outcomes.get(kind, 0) + 1
    print("extension fuzz outcomes:", outcomes)
    assert outcomes.get("fitted", 0) >= 10
