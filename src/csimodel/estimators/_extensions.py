r"""Model extensions for PLS: interaction terms and higher-order constructs (internal).

A model with extensions is estimated as a plain *estimation model* whose extra items are
*generated columns* computed from the data:

* interaction ``A:B``, ``interaction="two_stage"``: stage 1 fits the model without the
  interaction terms; the generated item is the product of the standardized stage-1 scores
  of ``A`` and ``B`` (one single-item block);
* ``"product_indicator"``: all pairwise products :math:`z_k z_l` of the z-scored items
  (SD with :math:`n - 1`) of ``A`` and ``B``, as a mode-A block;
* ``"orthogonal"``: those products replaced by their OLS residuals (with intercept) on the
  raw items of ``A`` and ``B`` (Henseler & Chin 2010);
* higher-order construct, ``higher_order="two_stage"`` (disjoint): stage 1 leaves the
  higher-order construct out (its antecedents point to every lower-order construct, every
  lower-order construct to its outcomes); the generated items are the stage-1 scores of the
  lower-order constructs, which measure the higher-order construct in stage 2;
* ``"repeated_indicators"``: the higher-order construct is measured by all items of its
  lower-order constructs, with paths higher -> lower (``=~``) or lower -> higher (``<~``).

:class:`ExtensionMoments` builds, for a batch of case-weight patterns ``F`` (a fit, bootstrap
resamples, leave-one-out patterns), the covariance matrices of the estimation model's items
*re-running stage 1 inside every pattern*, batched: one engine call for stage 1 of the whole
batch and one matrix product per generated column block. :func:`extension_estimate` runs
stage 2 and reports the interaction paths on the scale of the product of standardized scores:
the interaction score is multiplied by :math:`\sum_i |\lambda_i| s_i / \sum_i |\lambda_i|`
over its generated items (Henseler & Chin 2010; as seminr), which divides its outgoing paths
by that factor; other paths and R² are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .._validation import check_option
from ..exceptions import ModelError
from ..layout import EstimateArrays, per_model, total_effects
from ..moments import MomentBuilder, covariance
from ..spec import Model

INTERACTION_METHODS = ("two_stage", "product_indicator", "orthogonal")
HIGHER_ORDER_METHODS = ("two_stage", "repeated_indicators")

Engine = Callable[[np.ndarray, Model], EstimateArrays]


@dataclass(frozen=True, eq=False)
class Plan:
    """How a model with extensions becomes an estimation model with generated columns."""

    source: Model
    est: Model
    stage1: Model | None
    # generated columns, in order after the observed items:
    #   ("score", c)           stage-1 score of construct c (position in stage1)
    #   ("product", a, b)      product of stage-1 scores a, b
    #   ("zz", k, l)           product of z-scored observed items k, l
    gen: tuple[tuple, ...]
    ortho: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # (gen cols, observed cols)
    perm: np.ndarray  # est item -> column of [observed, generated]
    interaction: str
    higher_order: str


def make_plan(source: Model, interaction: str, higher_order: str, owner: str = "PLS") -> Plan:
    """The estimation plan of ``source`` (checks the methods and unsupported combinations).

    Cached per (model, methods), so refits reuse the estimation models (and the engine's
    per-model index structures)."""
    check_option(interaction, "interaction", owner, INTERACTION_METHODS)
    check_option(higher_order, "higher_order", owner, HIGHER_ORDER_METHODS)
    return _cached_plan(source, interaction, higher_order)


@lru_cache(maxsize=32)
def _cached_plan(source: Model, interaction: str, higher_order: str) -> Plan:
    if source.interactions and source.higher_order:
        raise ModelError(
            "A model with both interaction terms "
            f"({', '.join(repr(i) for i in source.interactions)}) and higher-order constructs "
            f"({', '.join(repr(h) for h in source.higher_order)}) is not supported. Fit the "
            "higher-order model, add its construct scores to the data as items of single-item "
            "constructs, and fit the interaction model on them."
        )
    obs = list(source.items)
    pos = {item: k for k, item in enumerate(obs)}
    if source.interactions:
        return _interaction_plan(source, interaction, higher_order, obs, pos)
    return _higher_order_plan(source, interaction, higher_order, obs, pos)


def _interaction_plan(source, interaction, higher_order, obs, pos) -> Plan:
    measured = [c for c in source.constructs if c not in source.interactions]
    stage1 = None
    if interaction == "two_stage":
        stage1 = Model._from_parts(
            source.syntax,
            blocks={c: source.blocks[c] for c in measured},
            modes=source.modes,
            paths=tuple((s, t) for s, t in source.paths if s not in source.interactions),
        )
    blocks = {c: source.blocks[c] for c in measured}
    gen: list[tuple] = []
    names: list[str] = []
    ortho = []
    generated: dict[str, str] = {}
    for name, (a, b) in source.interactions.items():
        items: tuple[str, ...]
        if stage1 is not None:  # two-stage
            ia, ib = stage1.constructs.index(a), stage1.constructs.index(b)
            gen.append(("product", ia, ib))
            items = (name,)
            generated[name] = f"product of the stage-1 scores of {a} and {b}"
        else:
            items = tuple(f"{x}:{z}" for x in source.blocks[a] for z in source.blocks[b])
            start = len(obs) + len(gen)
            for x in source.blocks[a]:
                for z in source.blocks[b]:
                    gen.append(("zz", pos[x], pos[z]))
                    generated[f"{x}:{z}"] = f"product of the z-scored items {x} and {z}"
            if interaction == "orthogonal":
                raw = tuple(dict.fromkeys(pos[i] for i in source.blocks[a] + source.blocks[b]))
                ortho.append((tuple(range(start, start + len(items))), raw))
        names += items
        blocks[name] = items
    est = Model._from_parts(
        source.syntax,
        blocks=blocks,
        modes=source.modes,
        paths=source.paths,
        interactions=source.interactions,
        generated=generated,
    )
    cols = {n: k for k, n in enumerate(obs + names)}
    perm = np.array([cols[i] for i in est.items], dtype=int)
    return Plan(source, est, stage1, tuple(gen), tuple(ortho), perm, interaction, higher_order)


def _higher_order_plan(source, interaction, higher_order, obs, pos) -> Plan:
    hoc = source.higher_order
    owner = source.lower_order
    if higher_order == "repeated_indicators":
        blocks = {
            c: (tuple(i for loc in hoc[c] for i in source.blocks[loc]) if c in hoc else b)
            for c, b in source.blocks.items()
        }
        links = []
        for h, locs in hoc.items():
            links += [(h, loc) if source.modes[h] == "A" else (loc, h) for loc in locs]
        est = Model._from_parts(
            source.syntax,
            blocks=blocks,
            modes=source.modes,
            paths=source.paths + tuple(links),
            higher_order=hoc,
        )
        perm = np.array([pos[i] for i in est.items], dtype=int)
        return Plan(source, est, None, (), (), perm, interaction, higher_order)
    # disjoint two-stage: stage 1 without the higher-order constructs
    lower = [c for c in source.constructs if c not in hoc]
    paths1: list[tuple[str, str]] = []
    for s, t in source.paths:
        for s1 in hoc.get(s, (s,)):
            for t1 in hoc.get(t, (t,)):
                if (s1, t1) not in paths1:
                    paths1.append((s1, t1))
    stage1 = Model._from_parts(
        source.syntax,
        blocks={c: source.blocks[c] for c in lower},
        modes=source.modes,
        paths=tuple(paths1),
    )
    gen = tuple(("score", stage1.constructs.index(loc)) for loc in owner)
    generated = {loc: f"stage-1 score of the lower-order construct {loc}" for loc in owner}
    blocks = {c: (hoc[c] if c in hoc else source.blocks[c]) for c in source.constructs}
    est = Model._from_parts(
        source.syntax,
        blocks=blocks,
        modes=source.modes,
        paths=source.paths,
        higher_order=hoc,
        generated=generated,
    )
    cols = {n: k for k, n in enumerate(obs + list(owner))}
    perm = np.array([cols[i] for i in est.items], dtype=int)
    return Plan(source, est, stage1, gen, (), perm, interaction, higher_order)


class ExtensionMoments:
    """Batched moments of the estimation model's items (stage 1 re-run per pattern).

    Parameters
    ----------
    plan : Plan
    X : ndarray of shape (n, p)
        Observed items (the source model's items).
    weights : ndarray of shape (n,), optional
        Case weights multiplied into every pattern.
    engine : callable
        The estimator's batched ``estimate(S, model)`` for stage 1.
    """

    def __init__(
        self,
        plan: Plan,
        X: np.ndarray,
        weights: np.ndarray | None,
        engine: Engine,
        observed: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self.plan = plan
        self.X = X
        self.weights = weights
        self.engine = engine
        # mean and covariance of the observed items (computed once)
        self.observed = covariance(X, weights) if observed is None else observed
        self.center = self.observed[0]
        self.Xc = X - self.center
        self._base: MomentBuilder | None = None

    @property
    def base(self) -> MomentBuilder:
        if self._base is None:
            self._base = MomentBuilder(self.X, self.weights)
        return self._base

    def _generated(self, m: np.ndarray, S: np.ndarray) -> np.ndarray | None:
        """Generated columns ``(B, n, g)`` for observed means ``m`` and covariances ``S``."""
        plan = self.plan
        if not plan.gen:
            return None
        dm = m - self.center
        sd = np.sqrt(np.einsum("bii->bi", S))
        scores: dict[int, np.ndarray] = {}
        if plan.stage1 is not None:
            need = sorted({j for g in plan.gen if g[0] != "zz" for j in g[1:]})
            W1 = self.engine(S, plan.stage1).weights[:, :, need]  # standardized items
            V = W1 / sd[:, :, None]
            # score_j = sum_k (x_k - m_k) / sd_k * w_kj, per pattern
            Y = np.matmul(self.Xc, V) - np.matmul(dm[:, None, :], V)  # (B, n, len(need))
            scores = {j: Y[:, :, k] for k, j in enumerate(need)}
        cols = []
        for g in plan.gen:
            if g[0] == "score":
                cols.append(scores[g[1]])
            elif g[0] == "product":
                cols.append(scores[g[1]] * scores[g[2]])
            else:
                k, l_ = g[1], g[2]
                zk = (self.Xc[None, :, k] - dm[:, k, None]) / sd[:, k, None]
                zl = (self.Xc[None, :, l_] - dm[:, l_, None]) / sd[:, l_, None]
                cols.append(zk * zl)
        return np.stack(cols, axis=2)

    def moments(self, F: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Means ``(B, p_est)`` and covariances ``(B, p_est, p_est)`` of the estimation items."""
        F = np.asarray(F, dtype=np.float64)
        m, S = self.base.moments(F)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            G = self._generated(m, S)
            if G is None:
                perm = self.plan.perm
                return m[:, perm], S[:, perm[:, None], perm[None, :]]
            Fw = F if self.weights is None else F * self.weights
            T = Fw.sum(axis=1)
            dm = m - self.center
            FG = Fw[:, :, None] * G
            mg = FG.sum(axis=1) / T[:, None]
            FGt = FG.transpose(0, 2, 1)
            cross = np.matmul(FGt, self.Xc)
            Sgx = (cross - T[:, None, None] * mg[:, :, None] * dm[:, None, :]) / (T - 1)[
                :, None, None
            ]
            gg = np.matmul(FGt, G)
            Sgg = (gg - T[:, None, None] * mg[:, :, None] * mg[:, None, :]) / (T - 1)[:, None, None]
            p = S.shape[1]
            B = S.shape[0]
            q = p + G.shape[2]
            full = np.empty((B, q, q))
            full[:, :p, :p] = S
            full[:, p:, :p] = Sgx
            full[:, :p, p:] = Sgx.transpose(0, 2, 1)
            full[:, p:, p:] = (Sgg + Sgg.transpose(0, 2, 1)) / 2
            means = np.concatenate([m, mg], axis=1)
            for gcols, raw in self.plan.ortho:
                _residualize(full, means, np.array(gcols), np.array(raw))
        perm = self.plan.perm
        return means[:, perm], full[:, perm[:, None], perm[None, :]]

    def columns(self) -> np.ndarray:
        """The estimation items of every respondent ``(n, p_est)`` (full-sample fit)."""
        n = self.X.shape[0]
        m, S = self.observed
        G = self._generated(m[None], S[None])
        if G is None:
            return np.ascontiguousarray(self.X[:, self.plan.perm])
        G = G[0]
        for gcols, raw in self.plan.ortho:
            gi = np.array(gcols) - self.X.shape[1]
            Z = np.column_stack([np.ones(n), self.X[:, list(raw)]])
            w = None if self.weights is None else np.sqrt(self.weights)[:, None]
            A, y = (Z, G[:, gi]) if w is None else (Z * w, G[:, gi] * w)
            coef = np.linalg.lstsq(A, y, rcond=None)[0]
            G[:, gi] = G[:, gi] - Z @ coef
        return np.ascontiguousarray(np.concatenate([self.X, G], axis=1)[:, self.plan.perm])


def _residualize(full: np.ndarray, means: np.ndarray, g: np.ndarray, raw: np.ndarray) -> None:
    """Replace columns ``g`` by their OLS residuals (with intercept) on columns ``raw``."""
    Sxx = full[:, raw[:, None], raw[None, :]]
    coef = np.linalg.solve(Sxx, full[:, raw[:, None], g[None, :]])  # (B, r, g)
    Sgall = full[:, g, :] - np.einsum("brg,brq->bgq", coef, full[:, raw, :])
    full[:, g, :] = Sgall
    full[:, :, g] = Sgall.transpose(0, 2, 1)
    full[:, g[:, None], g[None, :]] = Sgall[:, :, g] - np.einsum(
        "brg,brh->bgh", coef, Sgall[:, :, raw].transpose(0, 2, 1)
    )
    means[:, g] = 0.0


# ------------------------------------------------------------------------- stage 2
class _Stage2:
    """Index sets of an estimation model for :func:`extension_estimate` (cached per model)."""

    def __init__(self, est: Model) -> None:
        cons = est.constructs
        self.loc = [c for c in cons if c in est.lower_order and est.generated]
        keep = [c for c in cons if c not in self.loc]
        self.model = (
            est
            if not self.loc
            else Model._from_parts(
                est.syntax,
                blocks={c: est.blocks[c] for c in keep},
                modes=est.modes,
                paths=est.paths,
                interactions=est.interactions,
                higher_order=est.higher_order,
                generated=est.generated,
            )
        )
        item_pos: list[int] = []
        k = 0
        for c in cons:
            n = len(est.blocks[c])
            if c not in self.loc:
                item_pos += list(range(k, k + n))
            k += n
        self.items = np.array(item_pos, dtype=int)
        self.cons = np.array([cons.index(c) for c in keep], dtype=int)
        self.loc_cols = [cons.index(c) for c in self.loc]
        self.loc_items = []
        self.loc_score = []
        starts = np.cumsum([0] + [len(est.blocks[c]) for c in cons])
        for c in self.loc:
            j = cons.index(c)
            self.loc_items.append(np.arange(starts[j], starts[j + 1]))
            self.loc_score.append(est.items.index(c))
        self.inter = []
        for name in est.interactions:
            j = cons.index(name)
            self.inter.append((j, np.arange(starts[j], starts[j + 1])))


#: the stage-2 layout of an estimation model (computed once per Model object)
_stage2 = per_model(_Stage2)


def is_source_model(model: Model) -> bool:
    """A parsed model with extensions (not yet expanded into an estimation model)."""
    return (
        model.has_extensions
        and not model.generated
        and any(not model.blocks[c] for c in model.constructs)
    )


def extension_estimate(engine: Engine, S: np.ndarray, est: Model) -> EstimateArrays:
    """Stage 2 on the estimation items' moments ``S`` (B, p_est, p_est); see the module doc."""
    st = _stage2(est)
    B, p, _ = S.shape
    sub = S[:, st.items[:, None], st.items[None, :]]
    e2 = engine(sub, st.model)
    J = len(est.constructs)
    sd = np.sqrt(np.einsum("bii->bi", S))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = S / (sd[:, :, None] * sd[:, None, :])
        W = np.zeros((B, p, J))
        W[:, st.items[:, None], st.cons[None, :]] = e2.weights
        for j, items, g in zip(st.loc_cols, st.loc_items, st.loc_score, strict=True):
            W[:, items, j] = np.linalg.solve(
                R[:, items[:, None], items[None, :]], R[:, items, g][..., None]
            )[..., 0]
        load = R @ W
        C = W.transpose(0, 2, 1) @ load
        paths = np.zeros((B, J, J))
        paths[:, st.cons[:, None], st.cons[None, :]] = e2.paths
        for j, items in st.inter:
            lam = np.abs(load[:, items, j])
            adj = (lam * sd[:, items]).sum(axis=1) / lam.sum(axis=1)
            paths[:, j, :] /= adj[:, None]
    r2 = np.full((B, J), np.nan)
    r2[:, st.cons] = e2.r2
    return EstimateArrays(
        weights=W,
        cross_loadings=load,
        construct_cor=C,
        paths=paths,
        r2=r2,
        total=total_effects(paths),
        converged=e2.converged & np.all(np.isfinite(W), axis=(1, 2)),
        n_iter=e2.n_iter,
        item_sd=sd,
    )


def rescale_interactions(arrays: EstimateArrays, est: Model) -> EstimateArrays:
    r"""``arrays`` of a full estimation model with its interaction paths rescaled.

    Used by PLSc, whose engine runs on the whole stage-2 model: each interaction
    construct's outgoing paths are divided by :math:`\sum_i |\lambda_i| s_i / \sum_i
    |\lambda_i|` over its items (item-score correlations and the items' SDs), as in
    :func:`extension_estimate`; other paths, R² and correlations are unchanged.
    """
    st = _stage2(est)
    if not st.inter:
        return arrays
    paths = arrays.paths.copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        for j, items in st.inter:
            lam = np.abs(arrays.cross_loadings[:, items, j])
            adj = (lam * arrays.item_sd[:, items]).sum(axis=1) / lam.sum(axis=1)
            paths[:, j, :] /= adj[:, None]
    return replace(arrays, paths=paths, total=total_effects(paths))


@dataclass(frozen=True, eq=False)
class ExtensionDesign:
    """What a fit with extensions keeps: the plan and the way to rebuild its moments.

    Consumers call :meth:`moment_builder` (bootstrap, jackknife) instead of building
    moments of the observed items, so every resample re-runs the stages.
    """

    plan: Plan
    engine: Engine
    X: np.ndarray  # observed items (the source model's), used rows
    weights: np.ndarray | None

    @property
    def source(self) -> Model:
        """The model as written (interaction terms, higher-order constructs)."""
        return self.plan.source

    def moment_builder(self, rows: np.ndarray | None = None) -> ExtensionMoments:
        """Batched moments of the estimation items (optionally of a subset of rows)."""
        if rows is None:
            return ExtensionMoments(self.plan, self.X, self.weights, self.engine)
        w = None if self.weights is None else self.weights[rows]
        return ExtensionMoments(self.plan, self.X[rows], w, self.engine)

    def columns(self, observed: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The estimation items of every used respondent ``(n, p_est)``; ``observed`` is the
        observed items' (mean, covariance) if already computed."""
        return ExtensionMoments(self.plan, self.X, self.weights, self.engine, observed).columns()
