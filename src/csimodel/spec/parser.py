"""Tokenizer and parser for lavaan-style model text.

Grammar (one statement per line; a line ending in ``+`` or a line starting
with ``+`` continues the statement; ``;`` also separates statements; ``#`` starts a
comment)::

    statement := names OP names
    names     := TERM ('+' TERM)*
    TERM      := NAME | NAME ':' NAME      (an interaction term, right side of '~' only)
    OP        := '=~' | '<~' | '~' | '~~'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import ModelSyntaxError

OPERATORS = ("=~", "<~", "~~", "~")
_TOKEN = re.compile(
    r"(?P<ws>[ \t\r\f\v]+)|(?P<op>=~|<~|~~|~)|(?P<plus>\+)|(?P<name>[A-Za-z_.][A-Za-z0-9_.]*(?:[ \t]*:[ \t]*[A-Za-z_.][A-Za-z0-9_.]*)*)"
)


@dataclass(frozen=True)
class Token:
    kind: str  # 'op', 'plus', 'name'
    text: str
    line: int  # 1-based
    column: int  # 1-based


@dataclass(frozen=True)
class Statement:
    lhs: tuple[Token, ...]
    op: Token
    rhs: tuple[Token, ...]


def _error(message: str, lines: list[str], line: int, column: int) -> ModelSyntaxError:
    src = lines[line - 1] if 0 < line <= len(lines) else ""
    caret = " " * max(column - 1, 0) + "^"
    text = f"{message} (line {line}, column {column})\n  {src}\n  {caret}"
    return ModelSyntaxError(text, line=line, column=column)


def tokenize(text: str) -> tuple[list[list[Token]], list[str]]:
    """Split ``text`` into logical statements of tokens (continuations joined)."""
    if not isinstance(text, str):
        raise ModelSyntaxError(
            f"Model syntax must be a string. Got {type(text).__name__} instead.", None, None
        )
    lines = text.splitlines()
    physical: list[list[Token]] = []
    for lineno, raw in enumerate(lines, start=1):
        code = raw.split("#", 1)[0]
        pieces = code.split(";")
        offset = 0
        for piece in pieces:
            toks: list[Token] = []
            pos = 0
            while pos < len(piece):
                m = _TOKEN.match(piece, pos)
                if m is None:
                    col = offset + pos + 1
                    ch = piece[pos]
                    hint = ""
                    if ch == "*" or ch.isdigit():
                        hint = " (parameter labels and fixed values like '0.5*x' are not supported)"
                    elif ch in "=<>":
                        hint = " (operators are '=~', '<~', '~' and '~~')"
                    raise _error(f"Unexpected character {ch!r}{hint}", lines, lineno, col)
                if m.lastgroup != "ws":
                    text = m.group()
                    if m.lastgroup == "name":  # 'A : B' -> 'A:B'
                        text = re.sub(r"[ \t]+", "", text)
                    toks.append(Token(str(m.lastgroup), text, lineno, offset + pos + 1))
                pos = m.end()
            offset += len(piece) + 1
            physical.append(toks)
        if not pieces:
            physical.append([])
    # join continuations
    statements: list[list[Token]] = []
    current: list[Token] = []
    for toks in physical:
        if not toks:
            continue
        if current and (current[-1].kind in ("plus", "op") or toks[0].kind in ("plus", "op")):
            current.extend(toks)
        else:
            if current:
                statements.append(current)
            current = list(toks)
    if current:
        statements.append(current)
    return statements, lines


def _names(tokens: list[Token], lines: list[str], side: str, anchor: Token) -> tuple[Token, ...]:
    if not tokens:
        where = "left" if side == "lhs" else "right"
        raise _error(
            f"Missing name on the {where} side of '{anchor.text}'",
            lines,
            anchor.line,
            anchor.column + (len(anchor.text) if side == "rhs" else 0),
        )
    out: list[Token] = []
    expect_name = True
    for tok in tokens:
        if expect_name:
            if tok.kind != "name":
                raise _error(f"Expected a name, found {tok.text!r}", lines, tok.line, tok.column)
            out.append(tok)
        elif tok.kind != "plus":
            raise _error(
                f"Missing '+' between {out[-1].text!r} and {tok.text!r}",
                lines,
                tok.line,
                tok.column,
            )
        expect_name = not expect_name
    if expect_name:
        last = tokens[-1]
        raise _error("Expected a name after '+'", lines, last.line, last.column + 1)
    return tuple(out)


def parse(text: str) -> list[Statement]:
    """Parse model text into statements; raise :class:`ModelSyntaxError` on bad text."""
    statements, lines = tokenize(text)
    if not statements:
        raise ModelSyntaxError(
            "Model syntax is empty. Write one statement per line, e.g. "
            "'Satisfaction =~ CUSA1 + CUSA2 + CUSA3'.",
            None,
            None,
        )
    out: list[Statement] = []
    for toks in statements:
        ops = [i for i, t in enumerate(toks) if t.kind == "op"]
        if not ops:
            t = toks[0]
            raise _error(
                "No operator in statement (expected '=~', '<~', '~' or '~~')",
                lines,
                t.line,
                t.column,
            )
        if len(ops) > 1:
            t = toks[ops[1]]
            raise _error(
                f"A second operator {t.text!r} in one statement (start a new line)",
                lines,
                t.line,
                t.column,
            )
        i = ops[0]
        op = toks[i]
        lhs = _names(toks[:i], lines, "lhs", op)
        rhs = _names(toks[i + 1 :], lines, "rhs", op)
        if op.text in ("=~", "<~") and len(lhs) > 1:
            t = lhs[1]
            raise _error(
                f"Only one construct may be defined per '{op.text}' statement",
                lines,
                t.line,
                t.column,
            )
        _check_interaction_terms(lhs, rhs, op, lines)
        out.append(Statement(lhs, op, rhs))
    return out


def _check_interaction_terms(
    lhs: tuple[Token, ...], rhs: tuple[Token, ...], op: Token, lines: list[str]
) -> None:
    """Interaction terms ``A:B`` are two-way and appear only on the right side of '~'."""
    for side, tokens in (("left", lhs), ("right", rhs)):
        for tok in tokens:
            if ":" not in tok.text:
                continue
            parts = tok.text.split(":")
            if side == "left" or op.text != "~":
                raise _error(
                    f"Interaction term {tok.text!r} may appear only on the right side of '~' "
                    "(e.g. 'CUSL ~ CUSA + SC + CUSA:SC')",
                    lines,
                    tok.line,
                    tok.column,
                )
            if len(parts) != 2:
                raise _error(
                    f"Interaction term {tok.text!r} has {len(parts)} parts; only two-way "
                    "interactions 'A:B' (and quadratic terms 'A:A') are supported",
                    lines,
                    tok.line,
                    tok.column,
                )
