"""The frozen :class:`Model`: constructs, blocks, modes, paths and a parameter table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import list_some
from ..exceptions import ModelError
from .parser import parse

MODE_OF_OP = {"=~": "A", "<~": "B"}


@dataclass(frozen=True, eq=False)
class Model:
    """A structural equation model parsed once from lavaan-style syntax.

    Parameters
    ----------
    syntax : str
        Model text. ``C =~ x1 + x2`` defines a reflective construct (PLS mode A),
        ``C <~ x1 + x2`` a composite construct (mode B), ``Y ~ X1 + X2`` structural
        paths (Y regressed on X1 and X2), ``C1 ~~ C2`` a covariance (CB-SEM only).
        ``#`` starts a comment; a line ending or starting with ``+`` continues the
        previous statement; ``;`` separates statements on one line.

    Attributes
    ----------
    constructs : tuple of str
        Construct names in order of definition.
    blocks : dict
        Construct -> tuple of its item names.
    modes : dict
        Construct -> ``'A'`` (reflective, ``=~``) or ``'B'`` (composite, ``<~``).
    paths : tuple of (source, target)
        Structural paths; ``Y ~ X`` gives ``('X', 'Y')``.
    covariances : tuple of (name, name)
        ``~~`` statements (used by CB-SEM only).
    items : tuple of str
        All item names, block by block.
    parameter_table : pandas.DataFrame
        One row per model statement element: ``lhs, op, rhs, block``.

    Raises
    ------
    ModelSyntaxError
        When the text cannot be parsed (line, column and a caret are shown).
    ModelError
        For an undefined construct, an item in two blocks, a cycle, a construct
        with no paths, and similar structural problems.

    Examples
    --------
    >>> import csimodel as cm
    >>> m = cm.Model('''
    ...     Quality      =~ PERQ1 + PERQ2 + PERQ3
    ...     Value        <~ PERV1 + PERV2
    ...     Satisfaction =~ CUSA1 + CUSA2
    ...     Satisfaction ~ Quality + Value
    ... ''')
    >>> m.constructs
    ('Quality', 'Value', 'Satisfaction')
    >>> m.paths
    (('Quality', 'Satisfaction'), ('Value', 'Satisfaction'))
    """

    syntax: str
    constructs: tuple[str, ...] = field(init=False)
    blocks: Mapping[str, tuple[str, ...]] = field(init=False)
    modes: Mapping[str, str] = field(init=False)
    paths: tuple[tuple[str, str], ...] = field(init=False)
    covariances: tuple[tuple[str, str], ...] = field(init=False)
    items: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        statements = parse(self.syntax)
        blocks: dict[str, list[str]] = {}
        modes: dict[str, str] = {}
        paths: list[tuple[str, str]] = []
        covs: list[tuple[str, str]] = []
        item_owner: dict[str, str] = {}
        for st in statements:
            op = st.op.text
            if op in MODE_OF_OP:
                name = st.lhs[0].text
                mode = MODE_OF_OP[op]
                if name in modes and modes[name] != mode:
                    raise ModelError(
                        f"Construct {name!r} is defined both as reflective ('=~') and as "
                        f"composite ('<~') (line {st.op.line}). Use one operator per construct."
                    )
                modes[name] = mode
                block = blocks.setdefault(name, [])
                for tok in st.rhs:
                    item = tok.text
                    if item == name:
                        raise ModelError(
                            f"Construct {name!r} lists itself as an item (line {tok.line})."
                        )
                    if item in item_owner:
                        owner = item_owner[item]
                        where = "twice in" if owner == name else f"in {owner!r} and in"
                        raise ModelError(
                            f"Item {item!r} is listed {where} {name!r} (line {tok.line}). "
                            "Each item may measure one construct only."
                        )
                    item_owner[item] = name
                    block.append(item)
            elif op == "~":
                for t in st.lhs:
                    for s in st.rhs:
                        if t.text == s.text:
                            raise ModelError(
                                f"Construct {t.text!r} is regressed on itself (line {s.line})."
                            )
                        if (s.text, t.text) not in paths:
                            paths.append((s.text, t.text))
            else:  # '~~'
                for a in st.lhs:
                    for b in st.rhs:
                        covs.append((a.text, b.text))
        constructs = tuple(blocks)
        if not constructs:
            raise ModelError(
                "The model defines no construct. Add a measurement block such as "
                "'Satisfaction =~ CUSA1 + CUSA2 + CUSA3'."
            )
        nested = [i for i in item_owner if i in blocks]
        if nested:
            raise ModelError(
                f"Construct(s) {list_some(nested)} are used as items of another construct. "
                "Higher-order constructs are not supported; list observed items only."
            )
        undefined = []
        for src, tgt in paths:
            for name in (src, tgt):
                if name not in blocks and name not in undefined:
                    undefined.append(name)
        for cov_a, cov_b in covs:
            for name in (cov_a, cov_b):
                if name not in blocks and name not in item_owner and name not in undefined:
                    undefined.append(name)
        if undefined:
            hint = ""
            first = undefined[0]
            if first in item_owner:
                hint = f" {first!r} is an item of {item_owner[first]!r}; paths connect constructs."
            raise ModelError(
                f"Structural statements use undefined construct(s) {list_some(undefined)}. "
                f"Define each with a measurement block, e.g. '{first} =~ item1 + item2'.{hint}"
            )
        _check_acyclic(constructs, paths)
        if paths:
            connected = {n for p in paths for n in p}
            isolated = [c for c in constructs if c not in connected]
            if isolated:
                raise ModelError(
                    f"Construct(s) {list_some(isolated)} have no structural path. "
                    "Connect each with '~' (e.g. 'Loyalty ~ Satisfaction') or remove it."
                )
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "blocks", {c: tuple(blocks[c]) for c in constructs})
        object.__setattr__(self, "modes", dict(modes))
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "covariances", tuple(covs))
        object.__setattr__(self, "items", tuple(i for c in constructs for i in blocks[c]))

    # ------------------------------------------------------------------ helpers
    @property
    def parameter_table(self) -> pd.DataFrame:
        """Long table of the model's parameters: ``lhs, op, rhs``."""
        rows = []
        for c in self.constructs:
            op = "=~" if self.modes[c] == "A" else "<~"
            rows += [(c, op, i) for i in self.blocks[c]]
        rows += [(t, "~", s) for s, t in self.paths]
        rows += [(a, "~~", b) for a, b in self.covariances]
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs"])

    @property
    def endogenous(self) -> tuple[str, ...]:
        """Constructs with at least one incoming path, in construct order."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c in targets)

    @property
    def exogenous(self) -> tuple[str, ...]:
        """Constructs with no incoming path."""
        targets = {t for _, t in self.paths}
        return tuple(c for c in self.constructs if c not in targets)

    def predecessors(self, construct: str) -> tuple[str, ...]:
        """Constructs with a path into ``construct``, in construct order."""
        src = {s for s, t in self.paths if t == construct}
        return tuple(c for c in self.constructs if c in src)

    def path_matrix(self) -> np.ndarray:
        """Adjacency matrix ``D[i, j] = 1`` when construct i -> construct j."""
        idx = {c: k for k, c in enumerate(self.constructs)}
        d = np.zeros((len(self.constructs),) * 2)
        for s, t in self.paths:
            d[idx[s], idx[t]] = 1.0
        return d

    def block_mask(self) -> np.ndarray:
        """Boolean matrix (n_items, n_constructs): item i belongs to construct j."""
        mask = np.zeros((len(self.items), len(self.constructs)), dtype=bool)
        pos = 0
        for j, c in enumerate(self.constructs):
            n = len(self.blocks[c])
            mask[pos : pos + n, j] = True
            pos += n
        return mask

    def __repr__(self) -> str:
        return (
            f"<csimodel.Model: {len(self.constructs)} constructs, {len(self.items)} items, "
            f"{len(self.paths)} paths>"
        )

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return (
            self.constructs == other.constructs
            and dict(self.blocks) == dict(other.blocks)
            and dict(self.modes) == dict(other.modes)
            and set(self.paths) == set(other.paths)
            and set(self.covariances) == set(other.covariances)
        )

    def __hash__(self) -> int:
        return hash((self.constructs, tuple(self.paths)))


def _check_acyclic(constructs: tuple[str, ...], paths: list[tuple[str, str]]) -> None:
    succ: dict[str, list[str]] = {c: [] for c in constructs}
    for s, t in paths:
        succ[s].append(t)
    state = dict.fromkeys(constructs, 0)  # 0 new, 1 on stack, 2 done
    for root in constructs:
        if state[root]:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        trail: list[str] = [root]
        state[root] = 1
        while stack:
            node, k = stack[-1]
            if k < len(succ[node]):
                stack[-1] = (node, k + 1)
                nxt = succ[node][k]
                if state[nxt] == 1:
                    cycle = trail[trail.index(nxt) :] + [nxt]
                    raise ModelError(
                        "The structural model has a cycle: "
                        + " -> ".join(cycle)
                        + ". PLS path models must be recursive; remove one of these paths."
                    )
                if state[nxt] == 0:
                    state[nxt] = 1
                    stack.append((nxt, 0))
                    trail.append(nxt)
            else:
                state[node] = 2
                stack.pop()
                trail.pop()
