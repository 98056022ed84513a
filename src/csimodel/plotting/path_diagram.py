"""Path diagram of a fitted model, drawn with matplotlib (no graphviz)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validation import ParameterError
from ._base import get_ax

__all__ = ["PathDiagramDisplay", "layered_layout", "item_side"]

_DX = 3.8  # distance between layers
_EW, _EH = 2.5, 1.25  # construct ellipse
_BW, _BH, _BSTEP = 1.05, 0.42, 0.56  # item box width, height, vertical step


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def item_side(constructs, paths) -> dict[str, str]:
    """Where a construct's items go: 'left' of a source, 'right' of a sink, else 'below'."""
    srcs = {a for a, _ in paths}
    tgts = {b for _, b in paths}
    return {
        c: "left" if c not in tgts else ("right" if c not in srcs else "below") for c in constructs
    }


def _slot_height(n: int, side: str) -> float:
    if side == "below":
        return _EH + 0.35 + n * _BSTEP + 0.5
    return max(_EH, n * _BSTEP) + 0.6


def layered_layout(constructs, paths, n_items: Mapping[str, int] | None = None):
    """Layer (longest route from a source) and centre ``(x, y)`` of every construct.

    Constructs of one layer are ordered by the mean height of their predecessors and
    stacked downwards, each taking the room its items need; the ellipses of every layer are
    centred on height 0.
    """
    constructs = list(constructs)
    paths = list(paths)
    preds = {c: [s for s, t in paths if t == c] for c in constructs}
    layer: dict[str, int] = {}

    def depth(c: str) -> int:
        if c not in layer:
            layer[c] = 0 if not preds[c] else 1 + max(depth(s) for s in preds[c])
        return layer[c]

    for c in constructs:
        depth(c)
    n_items = n_items or {}
    side = item_side(constructs, paths)
    pos: dict[str, tuple[float, float]] = {}
    for L in range(max(layer.values()) + 1):
        members = [c for c in constructs if layer[c] == L]
        members.sort(
            key=lambda c: -np.mean([pos[s][1] for s in preds[c]]) if preds[c] else 0.0
        )  # stable: sources keep model order
        top, ys = 0.0, []
        for c in members:
            h = _slot_height(n_items.get(c, 0), side[c])
            # the ellipse sits at the top of a 'below' slot, in the middle of a side slot
            ys.append(top - (_EH / 2 + 0.1 if side[c] == "below" else h / 2))
            top -= h
        shift = float(np.mean(ys))  # the layer's ellipses are centred on height 0
        for c, y in zip(members, ys, strict=True):
            pos[c] = (L * _DX, y - shift)
    return layer, pos


def _item_boxes(side: str, x: float, y: float, n: int):
    """Box lower-left corners and the arrow's end on each box, for ``n`` items."""
    out = []
    for k in range(n):
        if side == "below":
            by = y - _EH / 2 - 0.35 - k * _BSTEP
            bx = x - 0.6 - _BW
            end = (bx + _BW, by)
        elif side == "left":
            by = y + (n - 1) * _BSTEP / 2 - k * _BSTEP
            bx = x - _EW / 2 - 0.45 - _BW
            end = (bx + _BW, by)
        else:
            by = y + (n - 1) * _BSTEP / 2 - k * _BSTEP
            bx = x + _EW / 2 + 0.45
            end = (bx, by)
        out.append((bx, by, end))
    return out


class PathDiagramDisplay:
    """Path diagram: constructs as ellipses, items as boxes, coefficients on the arrows.

    Parameters
    ----------
    constructs : sequence of str
    paths : mapping (source, target) -> coefficient
    r_squared : mapping construct -> R², optional
        Shown inside endogenous constructs.
    items : mapping construct -> sequence of (item, value), optional
        Items drawn as boxes with loadings (mode A, arrow construct -> item) or weights
        (mode B, arrow item -> construct) on the arrows.
    modes : mapping construct -> {'A', 'B'}, optional
    pvalues : mapping (source, target) -> p, optional
        Adds significance stars (``*`` p < .05, ``**`` p < .01, ``***`` p < .001) to path
        labels.
    digits : int, default=2

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure (after :meth:`plot`)
    positions_ : dict construct -> (x, y) centre
    construct_patches_ : dict construct -> Ellipse
    item_patches_ : dict item -> FancyBboxPatch
    path_arrows_ : dict (source, target) -> FancyArrowPatch
    item_arrows_ : dict item -> FancyArrowPatch
    path_texts_ : dict (source, target) -> Text (the coefficient label)

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import csimodel as cm
    >>> from csimodel.plotting import PathDiagramDisplay
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> disp = PathDiagramDisplay.from_result(res).plot()
    >>> len(disp.path_arrows_), len(disp.item_arrows_)
    (12, 24)
    """

    def __init__(
        self,
        constructs,
        paths: Mapping[tuple[str, str], float],
        *,
        r_squared: Mapping[str, float] | None = None,
        items: Mapping[str, Any] | None = None,
        modes: Mapping[str, str] | None = None,
        pvalues: Mapping[tuple[str, str], float] | None = None,
        digits: int = 2,
    ) -> None:
        self.constructs = list(constructs)
        self.paths = dict(paths)
        self.r_squared = dict(r_squared or {})
        self.items = {c: list(v) for c, v in (items or {}).items()}
        self.modes = dict(modes or {})
        self.pvalues = dict(pvalues or {})
        self.digits = digits

    @classmethod
    def from_result(cls, res: Any, *, pvalues: Any = None, show_items: bool = True, digits=2):
        """Diagram of a :class:`~csimodel.FitResults`.

        ``pvalues`` is a mapping ``(source, target) -> p`` or a table with columns
        ``lhs, op, rhs, p`` (as ``bootstrap(...).params``; '~' rows are paths with
        ``lhs`` the target).
        """
        m = res.model
        pc = res.path_coefficients
        paths = {(s, t): float(pc.loc[s, t]) for s, t in m.paths}
        # a two-stage higher-order construct: its lower-order constructs drawn as arrows into
        # it, labelled with its loading (=~) or weight (<~) on their scores
        gen = getattr(m, "generated", {})
        for h, locs in getattr(m, "higher_order", {}).items():
            for loc in locs:
                if loc in gen:
                    est = (res.loadings if m.modes[h] == "A" else res.outer_weights)[(h, loc)]
                    paths[(loc, h)] = float(est)
        items = None
        if show_items:
            lw = res.loadings
            ww = res.outer_weights
            items = {
                c: [
                    (i, float((lw if m.modes[c] == "A" else ww).loc[(c, i)]))
                    for i in m.blocks[c]
                    if i not in gen or c in getattr(m, "interactions", {})
                ]
                for c in m.constructs
            }
        pv = None
        if pvalues is not None:
            if isinstance(pvalues, Mapping):
                pv = {tuple(k): float(v) for k, v in pvalues.items()}
            elif hasattr(pvalues, "columns") and {"lhs", "op", "rhs", "p"} <= set(pvalues.columns):
                rows = pvalues[pvalues["op"] == "~"]
                pv = {(r.rhs, r.lhs): float(r.p) for r in rows.itertuples()}
            else:
                raise ParameterError(
                    "pvalues must be a mapping (source, target) -> p or a table with columns "
                    f"lhs, op, rhs, p. Got {type(pvalues).__name__} instead."
                )
        return cls(
            m.constructs,
            paths,
            r_squared=res.r_squared.to_dict(),
            items=items,
            modes=dict(m.modes),
            pvalues=pv,
            digits=digits,
        )

    def _label(self, key: tuple[str, str]) -> str:
        return f"{self.paths[key]:.{self.digits}f}" + _stars(self.pvalues.get(key, np.nan))

    def plot(self, ax: Any = None, *, figsize: tuple[float, float] | None = None):
        """Draw the diagram on ``ax`` (new figure if None); returns self."""
        from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch

        n_items = {c: len(v) for c, v in self.items.items()}
        layer, pos = layered_layout(self.constructs, list(self.paths), n_items)
        side = item_side(self.constructs, list(self.paths))
        # extent: ellipses, item boxes (with their value labels), arcs over skipped layers
        ext = [(x - _EW / 2, y - _EH / 2, x + _EW / 2, y + _EH / 2) for x, y in pos.values()]
        for c, its in self.items.items():
            for bx, by, _ in _item_boxes(side[c], *pos[c], len(its)):
                ext.append((bx - 0.45, by - _BH / 2, bx + _BW + 0.45, by + _BH / 2))
        for a, b in self.paths:
            (x0, y0), (x1, y1) = pos[a], pos[b]
            ext.append((x0, y0, x1, (y0 + y1) / 2 + 0.14 * abs(x1 - x0) + 0.3))
        ext = np.array(ext)
        x_lo, y_lo = ext[:, 0].min() - 0.2, ext[:, 1].min() - 0.2
        x_hi, y_hi = ext[:, 2].max() + 0.2, ext[:, 3].max() + 0.3
        if figsize is None:
            k = min(1.0, 18.0 / (x_hi - x_lo), 14.0 / (y_hi - y_lo))
            figsize = (k * (x_hi - x_lo) + 0.3, k * (y_hi - y_lo) + 0.3)
        ax, fig = get_ax(ax, figsize)
        ax.set_aspect("equal")
        ax.set_axis_off()
        self.positions_ = pos
        self.construct_patches_, self.item_patches_ = {}, {}
        self.path_arrows_, self.item_arrows_, self.path_texts_ = {}, {}, {}
        self.item_texts_ = {}
        for c in self.constructs:
            x, y = pos[c]
            e = Ellipse(
                (x, y), _EW, _EH, facecolor="#dbe8f6", edgecolor="#2b5c8a", lw=1.3, zorder=3
            )
            ax.add_patch(e)
            self.construct_patches_[c] = e
            text = c
            if c in self.r_squared and np.isfinite(self.r_squared[c]):
                text += f"\nR² = {self.r_squared[c]:.{self.digits}f}"
            ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=4)
        # items: beside a source (left) or sink (right), else a column below-left; the
        # arrows fan out from the ellipse to the boxes' inner edges and cross no box
        for c, its in self.items.items():
            x, y = pos[c]
            a = self.construct_patches_[c]
            for (item, val), (bx, by, end) in zip(
                its, _item_boxes(side[c], x, y, len(its)), strict=True
            ):
                box = FancyBboxPatch(
                    (bx, by - _BH / 2), _BW, _BH, boxstyle="square,pad=0", facecolor="white",
                    edgecolor="0.35", lw=0.9, zorder=3,
                )  # fmt: skip
                ax.add_patch(box)
                self.item_patches_[item] = box
                ax.text(bx + _BW / 2, by, item, ha="center", va="center", fontsize=7, zorder=4)
                if self.modes.get(c, "A") == "B":
                    arr = FancyArrowPatch(
                        end, (x, y), patchB=a, arrowstyle="-|>", mutation_scale=8,
                        color="0.45", lw=0.8, zorder=2, shrinkA=0, shrinkB=0,
                    )  # fmt: skip
                else:
                    arr = FancyArrowPatch(
                        (x, y), end, patchA=a, arrowstyle="-|>", mutation_scale=8,
                        color="0.45", lw=0.8, zorder=2, shrinkA=0, shrinkB=0,
                    )  # fmt: skip
                ax.add_patch(arr)
                self.item_arrows_[item] = arr
                if val is not None and np.isfinite(val):
                    right = side[c] == "right"
                    self.item_texts_[item] = ax.text(
                        bx + _BW + 0.06 if right else bx - 0.06, by, f"{val:.{self.digits}f}",
                        ha="left" if right else "right", va="center", fontsize=6.5,
                        color="0.3", zorder=4,
                    )  # fmt: skip
        # structural paths: straight, or arched when the straight line would cross a construct
        centres = np.array([pos[c] for c in self.constructs])
        for (s, t), _ in self.paths.items():
            p0, p1 = np.array(pos[s]), np.array(pos[t])
            d = p1 - p0
            L = float(np.hypot(*d))
            blocked = False
            for k, c in enumerate(self.constructs):
                if c in (s, t):
                    continue
                u = np.clip(np.dot(centres[k] - p0, d) / L**2, 0, 1)
                if np.hypot(*(p0 + u * d - centres[k])) < _EH * 0.75:
                    blocked = True
            rad = 0.0
            if blocked:
                # bend upwards (arc3's control point is mid + rad * (dy, -dx))
                rad = -0.28 if d[0] > 0 else 0.28
                if d[0] == 0:
                    rad = 0.28
            arr = FancyArrowPatch(
                tuple(p0), tuple(p1), patchA=self.construct_patches_[s],
                patchB=self.construct_patches_[t], connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-|>", mutation_scale=14, color="#1d3f66", lw=1.4, zorder=2,
                shrinkA=1, shrinkB=1,
            )  # fmt: skip
            ax.add_patch(arr)
            self.path_arrows_[(s, t)] = arr
            mid = (p0 + p1) / 2
            ctrl = mid + rad * np.array([d[1], -d[0]])
            lab = mid + 0.5 * (ctrl - mid)  # quadratic Bezier at its middle
            self.path_texts_[(s, t)] = ax.text(
                lab[0], lab[1], self._label((s, t)), ha="center", va="center", fontsize=9,
                zorder=5, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )  # fmt: skip
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        self.ax_, self.figure_ = ax, fig
        return self
