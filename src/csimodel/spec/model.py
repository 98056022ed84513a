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
    interactions: Mapping[str, tuple[str, str]] = field(init=False)
    higher_order: Mapping[str, tuple[str, ...]] = field(init=False)
    generated: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        statements = parse(self.syntax)
        blocks: dict[str, list[str]] = {}
        modes: dict[str, str] = {}
        paths: list[tuple[str, str]] = []
        covs: list[tuple[str, str]] = []
        item_owner: dict[str, str] = {}
        defined = {st.lhs[0].text for st in statements if st.op.text in MODE_OF_OP}
        higher: dict[str, list[str]] = {}
        loc_owner: dict[str, str] = {}
        interactions: dict[str, tuple[str, str]] = {}
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
                named = [t.text for t in st.rhs if t.text in defined]
                if named:
                    _higher_order_statement(st, name, named, blocks, higher, loc_owner)
                    continue
                if name in higher:
                    raise ModelError(
                        f"Higher-order construct {name!r} mixes constructs "
                        f"{list_some(higher[name])} with items "
                        f"{list_some([t.text for t in st.rhs])} (line {st.op.line}). Measure "
                        "it by lower-order constructs only, or by items only."
                    )
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
                        if ":" in s.text:
                            part_a, part_b = s.text.split(":")
                            interactions.setdefault(s.text, (part_a, part_b))
                            if t.text in (part_a, part_b):
                                raise ModelError(
                                    f"The interaction term {s.text!r} predicts {t.text!r}, one "
                                    f"of its own parts (line {s.line}). An interaction moderates "
                                    f"the effect on a third construct, e.g. 'Y ~ {part_a} + "
                                    f"{part_b} + {s.text}'."
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
        for hoc, locs in higher.items():
            if blocks[hoc]:
                raise ModelError(
                    f"Higher-order construct {hoc!r} mixes constructs {list_some(locs)} with "
                    f"items {list_some(blocks[hoc])}. Measure it by lower-order constructs only, "
                    "or by items only."
                )
        _check_higher_order(higher, paths)
        undefined: list[str] = []
        for name, (part_a, part_b) in interactions.items():
            for part in (part_a, part_b):
                if part not in blocks and part not in undefined:
                    undefined.append(part)
            if undefined:
                raise ModelError(
                    f"The interaction term {name!r} uses undefined construct(s) "
                    f"{list_some(undefined)}. Both parts of 'A:B' must be constructs defined "
                    f"with a measurement block, e.g. '{undefined[0]} =~ item1 + item2'."
                )
        for src, tgt in paths:
            for name in (src, tgt):
                if name not in blocks and name not in interactions and name not in undefined:
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
        constructs = constructs + tuple(interactions)
        links = [(a, name) for name, parts in interactions.items() for a in set(parts)]
        links += [(loc, hoc) for hoc, locs in higher.items() for loc in locs]
        _check_acyclic(constructs, paths, links)
        if paths:
            connected = {n for p in paths for n in p} | set(loc_owner)
            isolated = [c for c in constructs if c not in connected]
            if isolated:
                raise ModelError(
                    f"Construct(s) {list_some(isolated)} have no structural path. "
                    "Connect each with '~' (e.g. 'Loyalty ~ Satisfaction') or remove it."
                )
        for name in interactions:
            modes[name] = "A"
            blocks[name] = []
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "blocks", {c: tuple(blocks[c]) for c in constructs})
        object.__setattr__(self, "modes", {c: modes[c] for c in constructs})
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "covariances", tuple(covs))
        object.__setattr__(self, "items", tuple(i for c in constructs for i in blocks[c]))
        object.__setattr__(self, "interactions", interactions)
        object.__setattr__(self, "higher_order", {h: tuple(v) for h, v in higher.items()})
        object.__setattr__(self, "generated", {})

    @classmethod
    def _from_parts(
        cls,
        syntax: str,
        *,
        blocks: Mapping[str, tuple[str, ...]],
        modes: Mapping[str, str],
        paths: tuple[tuple[str, str], ...],
        interactions: Mapping[str, tuple[str, str]] | None = None,
        higher_order: Mapping[str, tuple[str, ...]] | None = None,
        generated: Mapping[str, str] | None = None,
    ) -> Model:
        """An estimation model assembled by an estimator (no parsing, no checks).

        Used for the internal models of the extensions (generated interaction items,
        lower-order scores as items); ``generated`` maps each item that is not a data
        column to what it is.
        """
        self = object.__new__(cls)
        constructs = tuple(blocks)
        object.__setattr__(self, "syntax", syntax)
        object.__setattr__(self, "constructs", constructs)
        object.__setattr__(self, "blocks", {c: tuple(blocks[c]) for c in constructs})
        object.__setattr__(self, "modes", {c: modes[c] for c in constructs})
        object.__setattr__(self, "paths", tuple(paths))
        object.__setattr__(self, "covariances", ())
        object.__setattr__(self, "items", tuple(i for c in constructs for i in blocks[c]))
        object.__setattr__(self, "interactions", dict(interactions or {}))
        object.__setattr__(self, "higher_order", dict(higher_order or {}))
        object.__setattr__(self, "generated", dict(generated or {}))
        return self

    @property
    def has_extensions(self) -> bool:
        """True when the model has interaction terms or higher-order constructs."""
        return bool(self.interactions) or bool(self.higher_order)

    @property
    def lower_order(self) -> dict[str, str]:
        """Lower-order construct -> its higher-order construct."""
        return {loc: hoc for hoc, locs in self.higher_order.items() for loc in locs}

    # ------------------------------------------------------------------ helpers
    @property
    def parameter_table(self) -> pd.DataFrame:
        """Long table of the model's parameters: ``lhs, op, rhs``."""
        rows = []
        for c in self.constructs:
            op = "=~" if self.modes[c] == "A" else "<~"
            rows += [(c, op, i) for i in self.blocks[c]]
            if not self.generated:
                rows += [(c, op, i) for i in self.higher_order.get(c, ())]
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
            and dict(self.interactions) == dict(other.interactions)
            and dict(self.higher_order) == dict(other.higher_order)
            and dict(self.generated) == dict(other.generated)
        )

    def __hash__(self) -> int:
        return hash((self.constructs, tuple(self.paths)))


def _higher_order_statement(st, name, named, blocks, higher, loc_owner) -> None:
    """Record ``HOC =~ LOC1 + LOC2``: every right-side name must be a construct."""
    items = [t.text for t in st.rhs if t.text not in named]
    if items or blocks[name]:
        raise ModelError(
            f"Higher-order construct {name!r} mixes constructs {list_some(named)} with items "
            f"{list_some(items or blocks[name])} (line {st.op.line}). Measure it by lower-order "
            "constructs only, or by items only."
        )
    for tok in st.rhs:
        loc = tok.text
        if loc == name:
            raise ModelError(f"Construct {name!r} lists itself as a dimension (line {tok.line}).")
        if loc in loc_owner:
            raise ModelError(
                f"Construct {loc!r} is a lower-order construct of both {loc_owner[loc]!r} and "
                f"{name!r} (line {tok.line}). Each lower-order construct belongs to one "
                "higher-order construct."
            )
        loc_owner[loc] = name
        higher.setdefault(name, []).append(loc)


def _check_higher_order(higher: dict[str, list[str]], paths: list[tuple[str, str]]) -> None:
    for hoc, locs in higher.items():
        for loc in locs:
            if loc in higher:
                inner = higher[loc]
                if hoc in inner:
                    raise ModelError(
                        f"Higher-order links form a cycle: {hoc} -> {loc} -> {hoc}. A "
                        "lower-order construct cannot measure its own higher-order construct."
                    )
                raise ModelError(
                    f"{loc!r} is itself a higher-order construct (of {list_some(inner)}) and "
                    f"cannot be a dimension of {hoc!r}: only second-order constructs are "
                    "supported."
                )
        if len(locs) < 2:
            raise ModelError(
                f"Higher-order construct {hoc!r} has one lower-order construct ({locs[0]!r}); "
                "it needs at least two (or use the lower-order construct itself)."
            )
    owner = {loc: hoc for hoc, locs in higher.items() for loc in locs}
    for s, t in paths:
        for name in (s, t):
            if name in owner:
                other = t if name == s else s
                what = (
                    "the higher-order link duplicates it and closes a cycle"
                    if other == owner[name]
                    else "connect the higher-order construct instead"
                )
                raise ModelError(
                    f"Lower-order construct {name!r} (of {owner[name]!r}) has a structural path "
                    f"{s} -> {t}; {what}. Lower-order constructs enter the structural model "
                    "through their higher-order construct only."
                )


def _check_acyclic(
    constructs: tuple[str, ...],
    paths: list[tuple[str, str]],
    links: list[tuple[str, str]] | None = None,
) -> None:
    succ: dict[str, list[str]] = {c: [] for c in constructs}
    for s, t in list(paths) + list(links or []):
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
