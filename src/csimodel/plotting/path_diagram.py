"""Path diagram of a fitted model, drawn with matplotlib (no graphviz).

The layout follows the model's paths (layers by the longest route from a source); items sit
on the outer side of their construct, away from the structural arrows; arrows that would
pass through a construct or an item box bend around it; coefficient labels are placed on
their arrows where, measured with the renderer, they overlap no label, box or ellipse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validation import ParameterError, check_option
from . import _layout as lay
from ._base import get_ax
from ._overlap import padded, place_text, renderer_of

__all__ = ["PathDiagramDisplay", "figure_scale", "layered_layout", "item_side"]

_FONT = {"construct": 9.0, "path": 9.0, "item": 7.0, "value": 6.5}
PAGE = (18.0, 14.0)  # default figure at most this wide and high (inches) ...
MIN_SCALE = 0.85  # ... except that it grows taller to keep text at 85 % of full size
_ORIENTATIONS = ("auto", *lay.ORIENTATIONS)
_MAX_ARC = 0.3  # a long path that needs a wider arc than this gets a channel instead
_FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.2, 0.8, 0.25, 0.75, 0.15, 0.85)


def _stars(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def figure_scale(width: float, height: float) -> float:
    """Inches per data unit of the default figure of a ``width`` x ``height`` drawing.

    The drawing is shrunk (never enlarged) to fit :data:`PAGE`; when that would put the
    text below :data:`MIN_SCALE` of its full size (construct names and coefficients under
    7.65 pt), the figure grows taller instead, as long as it stays within the page width.
    A long chain drawn top to bottom keeps readable text in a tall figure; drawn left to
    right it can only shrink.

    Examples
    --------
    >>> figure_scale(10.0, 8.0), figure_scale(36.0, 7.5), figure_scale(12.0, 26.0)
    (1.0, 0.5, 0.85)
    """
    fit = min(1.0, PAGE[0] / width, PAGE[1] / height)
    return max(fit, min(MIN_SCALE, PAGE[0] / width))


def item_side(constructs, paths, orientation: str = "horizontal") -> dict[str, str]:
    """Default side of a construct's items: outer side of sources and sinks, else after it.

    Horizontal diagrams: 'left' of a source, 'right' of a sink, 'below' a construct in
    between (the plot may move those 'above' when fewer arrows cross them there).
    """
    paths = list(paths)
    after = lay.cross_sides(orientation)[1]
    out = {}
    for c in constructs:
        role = lay.role_of(c, paths)
        out[c] = lay.outer_side(role, orientation) if role != "middle" else after
    return out


def layered_layout(
    constructs, paths, n_items: Mapping[str, int] | None = None, orientation: str = "horizontal"
):
    """Layer (longest route from a source) and centre ``(x, y)`` of every construct.

    Constructs of one layer are ordered by the mean position of their predecessors and
    stacked, each taking the room its items need; the ellipses of every layer are centred
    on 0 of the cross axis (height 0 in a horizontal diagram).
    """
    constructs = list(constructs)
    n_items = {c: int((n_items or {}).get(c, 0)) for c in constructs}
    bw = {c: lay.BW for c in constructs}
    room = {c: 0.45 for c in constructs}
    layer, pos, _, _ = lay.layout(constructs, list(paths), n_items, bw, room, lay.EW, orientation)
    return layer, pos


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
    orientation : {'auto', 'horizontal', 'vertical'}, default='auto'
        Paths left to right ('horizontal') or top to bottom ('vertical'). 'auto' draws
        both layouts and keeps the one with the larger text in the space available (the
        given axes or figure size, else the default figure, see :meth:`plot`):
        long chains such as the ECSI model's seven layers come out vertical, short and
        wide models horizontal; ties go to horizontal.
    hide_items : bool, default=False
        Draw constructs and paths only (for large models).

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure (after :meth:`plot`)
    orientation_ : str
        The orientation drawn ('horizontal' or 'vertical').
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
        orientation: str = "auto",
        hide_items: bool = False,
    ) -> None:
        self.constructs = list(constructs)
        self.paths = dict(paths)
        self.r_squared = dict(r_squared or {})
        self.items = {c: list(v) for c, v in (items or {}).items()}
        self.modes = dict(modes or {})
        self.pvalues = dict(pvalues or {})
        self.digits = digits
        self.orientation = orientation
        self.hide_items = hide_items

    @classmethod
    def from_result(
        cls,
        res: Any,
        *,
        pvalues: Any = None,
        show_items: bool = True,
        digits: int = 2,
        orientation: str = "auto",
        hide_items: bool = False,
    ) -> PathDiagramDisplay:
        """Diagram of a :class:`~csimodel.FitResults`.

        ``pvalues`` is a mapping ``(source, target) -> p`` or a table with columns
        ``lhs, op, rhs, p`` (as ``bootstrap(...).params``; '~' rows are paths with
        ``lhs`` the target). ``hide_items=True`` (or ``show_items=False``) draws the
        constructs and paths only, for large models.
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
        if show_items and not hide_items:
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
            orientation=orientation,
            hide_items=hide_items,
        )

    def _label(self, key: tuple[str, str]) -> str:
        return f"{self.paths[key]:.{self.digits}f}" + _stars(self.pvalues.get(key, np.nan))

    def _value(self, val: Any) -> str | None:
        if val is None or not np.isfinite(val):
            return None
        return f"{val:.{self.digits}f}"

    def _geometry(self, orientation: str) -> tuple[Any, ...]:
        """Names, sizes, layout, routes and the data extent (no drawing)."""
        cw = lay.char_width
        names = {}
        for c in self.constructs:
            text = lay.wrap_name(c)
            if c in self.r_squared and np.isfinite(self.r_squared[c]):
                text += f"\nR² = {self.r_squared[c]:.{self.digits}f}"
            names[c] = text
        longest = max(len(line) for t in names.values() for line in t.split("\n"))
        ew = max(lay.EW, longest * cw(_FONT["construct"]) + 0.8)
        items = {} if self.hide_items else self.items
        n_items = {c: len(items.get(c, ())) for c in self.constructs}
        bw, room = {}, {}
        for c in self.constructs:
            its = items.get(c, ())
            bw[c] = max([lay.BW] + [len(str(i)) * cw(_FONT["item"]) + 0.3 for i, _ in its])
            vals = [self._value(v) or "" for _, v in its]
            room[c] = max([0.0] + [len(v) * cw(_FONT["value"]) + 0.12 for v in vals])
        args = (self.constructs, list(self.paths), n_items, bw, room, ew, orientation)
        layer, pos, groups, ways = lay.layout(*args)
        rads, curves = self._routes(pos, groups, ways, ew)
        channels: list[tuple[str, str]] = []
        for _ in range(3):  # give long paths a channel through the layers they skip
            rects = self._rects(pos, groups)
            blocked = [
                (s, t)
                for (s, t), pts in curves.items()
                if layer[t] - layer[s] > 1
                and (s, t) not in channels
                and (abs(rads.get((s, t), 0.0)) > _MAX_ARC or lay.hits(pts, (s, t), pos, rects, ew))
            ]
            if not blocked:
                break
            channels += blocked
            layer, pos, groups, ways = lay.layout(*args, channels=channels)
            rads, curves = self._routes(pos, groups, ways, ew)
        ext = [(x - ew / 2, y - lay.EH / 2, x + ew / 2, y + lay.EH / 2) for x, y in pos.values()]
        for c, g in groups.items():
            if g is not None:
                x0, y0, x1, y1 = g.extent()
                x, y = pos[c]
                ext.append((x0 + x, y0 + y, x1 + x, y1 + y))
        for pts in curves.values():
            ext.append((*(pts.min(axis=0) - 0.35), *(pts.max(axis=0) + 0.35)))
        e = np.array(ext)
        lo, hi = e[:, :2].min(axis=0) - 0.25, e[:, 2:].max(axis=0) + 0.25
        lims = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        drawn = {k: (rads.get(k), curves[k]) for k in self.paths}
        return names, ew, items, layer, pos, groups, drawn, lims

    @staticmethod
    def _rects(pos, groups) -> list[tuple[float, float, float, float]]:
        rects = []
        for c, g in groups.items():
            if g is not None:
                x, y = pos[c]
                rects += [(b[0] + x, b[1] + y, b[2] + x, b[3] + y) for b in g.boxes]
        return rects

    def _routes(self, pos, groups, ways, ew):
        """Arc (``rad``) of each path, or a curve through its channel; the drawn points."""
        rects = self._rects(pos, groups)
        rads, curves = {}, {}
        for s, t in self.paths:
            if (s, t) in ways:
                curves[(s, t)] = lay.through([pos[s], *ways[(s, t)], pos[t]])
                if not lay.hits(curves[(s, t)], (s, t), pos, rects, ew):
                    continue
            # an arc: straight first, then the first clean (or least blocked) bend
            rads[(s, t)] = lay.route(pos[s], pos[t], (s, t), pos, rects, ew)
            curves[(s, t)] = lay.bezier(pos[s], pos[t], rads[(s, t)])
        return rads, curves

    def plot(self, ax: Any = None, *, figsize: tuple[float, float] | None = None):
        """Draw the diagram on ``ax`` (new figure if None); returns self.

        Fonts scale with the drawing (one data unit is one inch at full size), so labels
        keep their room in small axes and large models. A new figure without ``figsize``
        is sized from the layout (``figure_scale`` in this module): shrunk to fit 18 x 14 in,
        but grown taller rather than letting the text fall below 85 % of full size
        (construct names and coefficients 7.65 pt, item names 5.95 pt, loadings 5.5 pt)
        while the drawing fits 18 in wide at that size; the drawing fills the figure.
        """
        from matplotlib.patches import Ellipse, FancyArrowPatch, FancyBboxPatch
        from matplotlib.path import Path as MplPath

        owner = type(self).__name__
        check_option(self.orientation, "orientation", owner, _ORIENTATIONS)
        check_option(self.hide_items, "hide_items", owner, (True, False))
        room = None  # inches available: the given axes or figure size, else the default page
        if ax is not None:
            bb = ax.get_position()
            fw, fh = ax.figure.get_size_inches()
            room = (bb.width * fw, bb.height * fh)
        elif figsize is not None:
            room = (float(figsize[0]), float(figsize[1]))
        tried = {}
        for o in lay.ORIENTATIONS if self.orientation == "auto" else (self.orientation,):
            g = self._geometry(o)
            w, h = g[-1][2] - g[-1][0], g[-1][3] - g[-1][1]
            fit = figure_scale(w, h) if room is None else min(room[0] / w, room[1] / h)
            tried[o] = (fit, g)
        # 'auto': the orientation with the larger text (ties go to horizontal)
        self.orientation_ = max(tried, key=lambda o: (tried[o][0], o == "horizontal"))
        k, geometry = tried[self.orientation_]
        names, ew, items, layer, pos, groups, rads, lims = geometry
        x_lo, y_lo, x_hi, y_hi = lims
        new = ax is None
        if figsize is None:
            figsize = (k * (x_hi - x_lo), k * (y_hi - y_lo))
        ax, fig = get_ax(ax, figsize)
        if new:  # the drawing fills its own figure
            ax.set_position((0.0, 0.0, 1.0, 1.0))
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        box = ax.get_position()
        fw, fh = fig.get_size_inches()
        scale = min(box.width * fw / (x_hi - x_lo), box.height * fh / (y_hi - y_lo))
        fs = {k: v * min(scale, 1.6) for k, v in _FONT.items()}
        self.positions_ = pos
        self.layers_ = layer
        self.construct_patches_, self.construct_texts_ = {}, {}
        self.item_patches_, self.item_name_texts_, self.item_texts_ = {}, {}, {}
        self.path_arrows_: dict[tuple[str, str], Any] = {}
        self.item_arrows_: dict[str, Any] = {}
        self.path_texts_: dict[tuple[str, str], Any] = {}
        for c in self.constructs:
            x, y = pos[c]
            e = Ellipse(
                (x, y), ew, lay.EH, facecolor="#dbe8f6", edgecolor="#2b5c8a", lw=1.3, zorder=3
            )
            ax.add_patch(e)
            self.construct_patches_[c] = e
            self.construct_texts_[c] = ax.text(
                x, y, names[c], ha="center", va="center", fontsize=fs["construct"], zorder=4,
                linespacing=1.15,
            )  # fmt: skip
        for c, g in groups.items():
            if g is None:
                continue
            x, y = pos[c]
            a = self.construct_patches_[c]
            its = items[c]
            for (item, val), (x0, y0, x1, y1), end, vpos in zip(
                its, g.boxes, g.ends, g.values, strict=True
            ):
                patch = FancyBboxPatch(
                    (x0 + x, y0 + y), x1 - x0, y1 - y0, boxstyle="square,pad=0",
                    facecolor="white", edgecolor="0.35", lw=0.9, zorder=3,
                )  # fmt: skip
                ax.add_patch(patch)
                self.item_patches_[item] = patch
                self.item_name_texts_[item] = ax.text(
                    (x0 + x1) / 2 + x, (y0 + y1) / 2 + y, str(item), ha="center", va="center",
                    fontsize=fs["item"], zorder=4,
                )  # fmt: skip
                tip = (end[0] + x, end[1] + y)
                ends = (tip, (x, y)) if self.modes.get(c, "A") == "B" else ((x, y), tip)
                arr = FancyArrowPatch(
                    *ends, patchA=a if ends[0] == (x, y) else None,
                    patchB=a if ends[1] == (x, y) else None, arrowstyle="-|>",
                    mutation_scale=8 * min(scale, 1.6), color="0.45", lw=0.8, zorder=2,
                    shrinkA=0, shrinkB=0,
                )  # fmt: skip
                ax.add_patch(arr)
                self.item_arrows_[item] = arr
                label = self._value(val)
                if label is not None:
                    vx, vy, ha, va = vpos
                    self.item_texts_[item] = ax.text(
                        vx + x, vy + y, label, ha=ha, va=va, fontsize=fs["value"], color="0.3",
                        zorder=4,
                    )  # fmt: skip
        self.path_curves_ = {}
        for (s, t), (rad, pts) in rads.items():
            vis = ~lay.inside_ellipse(pts, pos[s], ew, 0.02) & ~lay.inside_ellipse(
                pts, pos[t], ew, 0.02
            )
            idx = np.flatnonzero(vis)
            shown = pts[idx[0] : idx[-1] + 1] if len(idx) >= 2 else pts
            self.path_curves_[(s, t)] = shown
            style = dict(arrowstyle="-|>", mutation_scale=14 * min(scale, 1.6), color="#1d3f66",
                         lw=1.4, zorder=2)  # fmt: skip
            if rad is None:  # through a channel: the curve itself, cut at the ellipses
                arr = FancyArrowPatch(path=MplPath(shown), **style, shrinkA=0, shrinkB=0)
            else:
                arr = FancyArrowPatch(
                    pos[s], pos[t], patchA=self.construct_patches_[s],
                    patchB=self.construct_patches_[t], connectionstyle=f"arc3,rad={rad}",
                    shrinkA=1, shrinkB=1, **style,
                )  # fmt: skip
            ax.add_patch(arr)
            self.path_arrows_[(s, t)] = arr
        self._place_labels(ax, fig, fs)
        self.ax_, self.figure_ = ax, fig
        return self

    def _place_labels(self, ax, fig, fs) -> None:
        """Coefficient labels on their arrows, clear of every other label, box and ellipse."""
        renderer = renderer_of(fig)
        pad = fig.dpi / 50.0
        obstacles = [p.get_window_extent(renderer) for p in self.construct_patches_.values()]
        obstacles += [p.get_window_extent(renderer) for p in self.item_patches_.values()]
        obstacles += [t.get_window_extent(renderer) for t in self.item_texts_.values()]
        bounds = ax.get_window_extent(renderer)
        curves = self.path_curves_
        order = sorted(curves, key=lambda k: float(np.hypot(*(curves[k][-1] - curves[k][0]))))
        for key in order:
            pts = curves[key]
            seg = pts[-1] - pts[0]
            normal = np.array([-seg[1], seg[0]]) / (np.hypot(*seg) or 1.0)
            on = [pts[int(round(f * (len(pts) - 1)))] for f in _FRACTIONS]
            off = [p + d * normal for p in on[:9] for d in (0.3, -0.3, 0.55, -0.55)]
            text = ax.text(
                *on[0], self._label(key), ha="center", va="center", fontsize=fs["path"],
                zorder=5, bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"},
            )  # fmt: skip
            place_text(text, on + off, obstacles, renderer, bounds, pad)
            obstacles.append(padded(text.get_window_extent(renderer), pad))
            self.path_texts_[key] = text
