"""Random valid models and survey data for the robustness suite (test helper, not a test).

``random_case(seed)`` draws, from one integer seed, a random recursive PLS model (2-5
constructs, blocks of 1-5 items, modes A/B, an acyclic path set connecting every construct)
and data simulated from a known population (a latent factor per construct, correlated along
the paths), with random item scales, optional case weights and optional missing cells.
Hypothesis draws the seed and the switches; numpy does the bulk drawing, so shrinking stays
cheap and every case is reproducible from its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Case:
    syntax: str
    data: pd.DataFrame
    items: tuple[str, ...]
    constructs: tuple[str, ...]
    weights: str | None
    missing: str
    scheme: str
    n_missing_rows: int


def random_case(
    seed: int,
    *,
    n_constructs: int | None = None,
    weighted: bool = False,
    missing_cells: bool = False,
    missing: str = "listwise",
    scheme: str = "path",
    likert: bool = False,
) -> Case:
    rng = np.random.default_rng(seed)
    J = int(n_constructs or rng.integers(2, 6))
    names = [f"C{k}_{rng.integers(100)}" for k in range(J)]  # hidden topological order
    sizes = rng.integers(1, 6, size=J)
    modes = rng.choice(["A", "B"], size=J, p=[0.6, 0.4])
    # acyclic paths: each later construct gets >= 1 earlier predecessor, plus random extras
    paths = set()
    for j in range(1, J):
        paths.add((int(rng.integers(0, j)), j))
        for i in range(j):
            if rng.random() < 0.3:
                paths.add((i, j))
    # population: latent scores along the paths
    n = int(rng.integers(60, 250))
    eta = np.zeros((n, J))
    for j in range(J):
        preds = [i for i, t in paths if t == j]
        signal = sum(rng.uniform(0.2, 0.6) * eta[:, i] for i in preds) if preds else 0.0
        eta[:, j] = signal + rng.normal(size=n)
        eta[:, j] /= eta[:, j].std()
    cols: dict[str, np.ndarray] = {}
    items: list[str] = []
    blocks: list[list[str]] = []
    for j in range(J):
        block = []
        for k in range(sizes[j]):
            item = f"i{j}_{k}_{rng.integers(1000)}"
            lam = rng.uniform(0.5, 0.95)
            x = lam * eta[:, j] + np.sqrt(1 - lam**2) * rng.normal(size=n)
            if likert:
                x = np.clip(np.round(5.5 + 1.8 * x), 1, 10)
            else:
                x = rng.uniform(0.1, 50) * x + rng.uniform(-100, 100)
            cols[item] = x
            block.append(item)
            items.append(item)
        blocks.append(block)
    df = pd.DataFrame(cols)
    n_missing_rows = 0
    if missing_cells:
        k = int(rng.integers(1, max(2, n // 10)))
        rows = rng.choice(n, size=k, replace=False)
        for r in rows:
            df.iloc[r, int(rng.integers(0, len(items)))] = np.nan
        n_missing_rows = k
    wname = None
    if weighted:
        wname = "w"
        w = rng.uniform(0.2, 3.0, size=n)
        if rng.random() < 0.5:
            w = np.round(w * 2)  # integer (frequency) weights, some zeros
        df[wname] = w
    # model text: definitions in shuffled order, paths grouped by target
    lines = []
    for j in rng.permutation(J):
        op = "=~" if modes[j] == "A" else "<~"
        lines.append(f"{names[j]} {op} " + " + ".join(blocks[j]))
    for j in rng.permutation(J):
        preds = [names[i] for i, t in sorted(paths) if t == j]
        if preds:
            lines.append(f"{names[j]} ~ " + " + ".join(preds))
    return Case(
        syntax="\n".join(lines),
        data=df,
        items=tuple(items),
        constructs=tuple(names),
        weights=wname,
        missing=missing,
        scheme=scheme,
        n_missing_rows=n_missing_rows,
    )
