"""Data from a known segmented population of the satisfaction model (test helper).

Construct scores are generated segment by segment from planted structural equations
(exogenous IMAG standard normal, every endogenous construct = planted paths times its
predecessors + normal residual of variance ``max(RESIDUAL_VAR, 1 - explained variance)``),
then items from the constructs with planted loadings
(``x = loading * eta / sd(eta) + sqrt(1 - loading^2) * noise``, sd pooled over segments). Nothing here uses csimodel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CONSTRUCTS = ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")
ITEMS = {"IMAG": 5, "EXPE": 5, "QUAL": 5, "VAL": 4, "SAT": 4, "LOY": 4}
PREFIX = {"IMAG": "imag", "EXPE": "expe", "QUAL": "qual", "VAL": "val", "SAT": "sat", "LOY": "loy"}
#: (target, source) in the satisfaction model's order
PATHS = (
    ("EXPE", "IMAG"),
    ("QUAL", "EXPE"),
    ("VAL", "EXPE"),
    ("VAL", "QUAL"),
    ("SAT", "IMAG"),
    ("SAT", "EXPE"),
    ("SAT", "QUAL"),
    ("SAT", "VAL"),
    ("LOY", "IMAG"),
    ("LOY", "SAT"),
)
#: planted segment-specific paths: value-driven vs quality-driven customers, etc.
SEGMENT_PATHS = (
    # quality-driven: quality -> value -> satisfaction -> loyalty
    dict(zip(PATHS, (0.6, 0.8, 0.0, 0.8, 0.0, 0.0, 0.1, 0.8, 0.0, 0.9), strict=True)),
    # value-driven, loyal by image: expectations set value, quality drives satisfaction
    dict(zip(PATHS, (0.6, 0.0, 0.8, 0.0, 0.0, 0.0, 0.8, 0.1, 0.9, 0.0), strict=True)),
    # image-driven satisfaction
    dict(zip(PATHS, (0.3, 0.4, 0.4, 0.4, 0.8, 0.0, 0.0, 0.0, 0.0, 0.6), strict=True)),
)
RESIDUAL_VAR = 0.1


def simulate(sizes, *, seed: int, loading: float = 0.9, segments=None) -> pd.DataFrame:
    """``sizes`` respondents per segment (segments from :data:`SEGMENT_PATHS`, or given).

    Returns items (satisfaction item names), the true ``segment`` (1, 2, ...), a categorical
    ``channel`` whose mix differs by segment and a numeric ``age`` whose mean differs, and
    an unrelated ``noise_cat`` / ``noise_num``. Rows are shuffled.
    """
    rng = np.random.default_rng(seed)
    segments = SEGMENT_PATHS if segments is None else segments
    etas, frames = [], []
    for g, n in enumerate(sizes):
        paths = segments[g]
        eta = {"IMAG": rng.standard_normal(n)}
        for c in CONSTRUCTS[1:]:
            part = sum(b * eta[s] for (t, s), b in paths.items() if t == c)
            # residual variance RESIDUAL_VAR, or more so that no construct is nearly
            # constant within a segment (its items would then be mostly noise there)
            resid_var = max(RESIDUAL_VAR, 1.0 - np.var(part))
            eta[c] = part + np.sqrt(resid_var) * rng.standard_normal(n)
        etas.append(eta)
    # pooled standard deviation of each construct: items measure the standardized construct
    sd = {c: np.concatenate([e[c] for e in etas]).std() for c in CONSTRUCTS}
    for g, eta in enumerate(etas):
        n = sizes[g]
        cols = {}
        for c in CONSTRUCTS:
            z = eta[c] / sd[c]
            for j in range(ITEMS[c]):
                e = rng.standard_normal(n)
                cols[f"{PREFIX[c]}{j + 1}"] = loading * z + np.sqrt(1 - loading**2) * e
        df = pd.DataFrame(cols)
        df["segment"] = g + 1
        df["channel"] = rng.choice(
            ["online", "store"], size=n, p=[0.8, 0.2] if g == 0 else [0.3, 0.7]
        )
        df["age"] = rng.normal(35 + 10 * g, 8, size=n)
        df["noise_cat"] = rng.choice(["a", "b", "c"], size=n)
        df["noise_num"] = rng.standard_normal(n)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out = out.iloc[rng.permutation(len(out))].reset_index(drop=True)
    out.attrs["sd"] = sd
    return out


def planted_standardized(segment: int, sd: dict) -> dict:
    """Planted paths of a segment (1-based) in the metric of pooled standardized constructs."""
    return {(t, s): b * sd[s] / sd[t] for (t, s), b in SEGMENT_PATHS[segment - 1].items()}


def oracle(scores: pd.DataFrame, true: np.ndarray):
    """Per-segment OLS on the true groups (numpy lstsq) and the posteriors they imply.

    Returns ``(paths, post)``: ``paths[g][(target, source)]`` and posteriors (n, G) under the
    oracle parameters (sizes = true shares, residual variances = mean squared residuals).
    """
    from scipy.stats import norm

    groups = sorted(set(true))
    logw = np.zeros((len(scores), len(groups)))
    paths = {}
    for j, g in enumerate(groups):
        sub = scores[true == g]
        paths[g] = {}
        logw[:, j] = np.log(np.mean(true == g))
        for t in CONSTRUCTS[1:]:
            src = [s for (tt, s) in PATHS if tt == t]
            beta = np.linalg.lstsq(sub[src].to_numpy(), sub[t].to_numpy(), rcond=None)[0]
            resid = sub[t].to_numpy() - sub[src].to_numpy() @ beta
            s2 = np.mean(resid**2)
            paths[g].update({(t, s): b for s, b in zip(src, beta, strict=True)})
            pred = scores[src].to_numpy() @ beta
            logw[:, j] += norm.logpdf(scores[t].to_numpy(), pred, np.sqrt(s2))
    post = np.exp(logw - logw.max(axis=1, keepdims=True))
    return paths, post / post.sum(axis=1, keepdims=True)


def adjusted_rand(a, b) -> float:
    """Adjusted Rand index of two labelings (Hubert & Arabie 1985), from the contingency table."""
    from scipy.special import comb

    a = pd.Series(np.asarray(a)).astype(str)
    b = pd.Series(np.asarray(b)).astype(str)
    t = pd.crosstab(a, b).to_numpy()
    n = t.sum()
    sum_ij = comb(t, 2).sum()
    sum_a = comb(t.sum(axis=1), 2).sum()
    sum_b = comb(t.sum(axis=0), 2).sum()
    expected = sum_a * sum_b / comb(n, 2)
    top = (sum_a + sum_b) / 2
    return float((sum_ij - expected) / (top - expected))
