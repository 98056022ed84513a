"""Importance-performance map (IPMA and classic IPA)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import ParameterError, check_option, list_some
from ._base import get_ax
from ._overlap import overlap_area, padded, renderer_of

_RINGS = (
    4.0,
    9.0,
    15.0,
    22.0,
    30.0,
    40.0,
    52.0,
    66.0,
    82.0,
    100.0,
)  # label offsets from the point, in points
_LEADER = 12.0  # offsets beyond this get a thin leader line to the point

__all__ = ["ImportancePerformanceDisplay"]


class ImportancePerformanceDisplay:
    """Importance-performance map: labelled points, crosshairs, quadrant names.

    Parameters
    ----------
    importance, performance : array-like of shape (n,)
    labels : sequence of str
    crosshair : (importance, performance), optional
        Where the quadrant lines cross (default: the means of the points).
    importance_interval, performance_interval : array-like of shape (2, n), optional
        Lower and upper ends, drawn as error bars.
    x : {'importance', 'performance'}, default='importance'
        Quantity on the horizontal axis (IPMA maps put importance there, Ringle & Sarstedt
        2016; the classic IPA grid of Martilla & James 1977 puts performance there).
    title : str, optional
    importance_label, performance_label : str

    Attributes
    ----------
    ax_, figure_ : matplotlib Axes and Figure (after :meth:`plot`)
    points_ : PathCollection of the points
    label_texts_ : list of Text, one per point
    crosshair_lines_ : (Line2D, Line2D), the importance and the performance line
    quadrant_texts_ : dict quadrant name -> Text

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import csimodel as cm
    >>> res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    >>> disp = cm.ipma(res, target="Loyalty").plot()
    >>> len(disp.label_texts_)
    6
    """

    def __init__(
        self,
        importance: Any,
        performance: Any,
        labels: Sequence[str],
        *,
        crosshair: tuple[float, float] | None = None,
        importance_interval: Any = None,
        performance_interval: Any = None,
        x: str = "importance",
        title: str | None = None,
        importance_label: str = "Importance",
        performance_label: str = "Performance",
    ) -> None:
        self.importance = np.asarray(importance, dtype=float)
        self.performance = np.asarray(performance, dtype=float)
        self.labels = [str(v) for v in labels]
        self.crosshair = crosshair
        self.importance_interval = importance_interval
        self.performance_interval = performance_interval
        self.x = x
        self.title = title
        self.importance_label = importance_label
        self.performance_label = performance_label

    @classmethod
    def from_result(cls, result: Any, *, segment: Any = None, **kwargs: Any):
        """Build the map from :class:`~csimodel.IPMAResults` or :class:`~csimodel.IPAResults`.

        ``segment`` selects one segment when the analysis was run with ``by=``.
        """
        from ..ipa import IPAResults, IPMAResults

        if not isinstance(result, (IPMAResults, IPAResults)):
            raise ParameterError(
                "from_result needs the result of cm.ipma(...) or cm.ipa(...). "
                f"Got {type(result).__name__} instead."
            )
        table: Any = result.table
        cross = result.crosshair
        if result.by is not None:
            segs = list(cross.index)
            if segment is None or segment not in segs:
                raise ParameterError(
                    f"The analysis has segments of {result.by!r}; choose one with "
                    f"segment=..., one of {list_some(segs, 10)}. Got {segment!r}."
                )
            table = table.xs(segment, level="segment")
            ch = cross.loc[segment]
        else:
            ch = cross.iloc[0]

        def interval(name: str):
            lo, hi = f"{name}_lower", f"{name}_upper"
            if lo in table.columns:
                return np.vstack([table[lo].to_numpy(), table[hi].to_numpy()])
            return None

        if isinstance(result, IPMAResults):
            defaults = {
                "x": "importance",
                "title": f"Importance-performance map: {result.target}"
                + ("" if segment is None else f" ({segment})"),
                "importance_label": f"Importance (total effect on {result.target})",
                "performance_label": "Performance (0-100)",
            }
        else:
            defaults = {
                "x": "performance",
                "title": "Importance-performance analysis"
                + ("" if segment is None else f" ({segment})"),
                "importance_label": "Importance (mean rating)",
                "performance_label": "Performance (mean rating)",
            }
        defaults.update(kwargs)
        return cls(
            table["importance"].to_numpy(),
            table["performance"].to_numpy(),
            list(table.index),
            crosshair=(float(ch["importance"]), float(ch["performance"])),
            importance_interval=interval("importance"),
            performance_interval=interval("performance"),
            **defaults,
        )

    def plot(
        self,
        ax: Any = None,
        *,
        annotate: bool = True,
        quadrant_labels: bool = True,
        error_bars: bool = True,
        color: str = "C0",
    ):
        """Draw the map on ``ax`` (new figure if None); returns self."""
        check_option(self.x, "x", type(self).__name__, ("importance", "performance"))
        ax, fig = get_ax(ax)
        imp, perf = self.importance, self.performance
        if self.x == "importance":
            xs, ys = imp, perf
            xi, yi = self.importance_interval, self.performance_interval
            xlabel, ylabel = self.importance_label, self.performance_label
        else:
            xs, ys = perf, imp
            xi, yi = self.performance_interval, self.importance_interval
            xlabel, ylabel = self.performance_label, self.importance_label
        ch_imp, ch_perf = (
            self.crosshair if self.crosshair is not None else (imp.mean(), perf.mean())
        )
        cx, cy = (ch_imp, ch_perf) if self.x == "importance" else (ch_perf, ch_imp)

        self.errorbar_ = None
        if error_bars and (xi is not None or yi is not None):

            def err(iv, centre):
                if iv is None:
                    return None
                iv = np.asarray(iv, float)
                return np.vstack([centre - iv[0], iv[1] - centre]).clip(min=0)

            self.errorbar_ = ax.errorbar(
                xs, ys, xerr=err(xi, xs), yerr=err(yi, ys), fmt="none", ecolor="0.6",
                elinewidth=1, capsize=2, zorder=1,
            )  # fmt: skip
        self.points_ = ax.scatter(xs, ys, s=40, color=color, zorder=3)
        self.label_texts_ = []
        if annotate:
            for x, y, lab in zip(xs, ys, self.labels, strict=True):
                self.label_texts_.append(
                    ax.annotate(
                        lab,
                        (x, y),
                        xytext=(5, 4),
                        textcoords="offset points",
                        fontsize=9,
                        zorder=4,
                        arrowprops={
                            "arrowstyle": "-",
                            "color": "0.55",
                            "lw": 0.6,
                            "shrinkA": 1,
                            "shrinkB": 3,
                        },
                    )  # fmt: skip
                )
        vline = ax.axvline(cx, color="0.4", linestyle="--", linewidth=1, zorder=2)
        hline = ax.axhline(cy, color="0.4", linestyle="--", linewidth=1, zorder=2)
        vline.set_gid("crosshair")
        hline.set_gid("crosshair")
        # (importance line, performance line)
        self.crosshair_lines_ = (vline, hline) if self.x == "importance" else (hline, vline)

        # limits: include the points, intervals and crosshair with a margin
        allx: list[Any] = [xs, [cx]] + ([np.ravel(xi)] if xi is not None and error_bars else [])
        ally: list[Any] = [ys, [cy]] + ([np.ravel(yi)] if yi is not None and error_bars else [])
        x0, x1 = float(np.min(np.concatenate(allx))), float(np.max(np.concatenate(allx)))
        y0, y1 = float(np.min(np.concatenate(ally))), float(np.max(np.concatenate(ally)))
        mx, my = 0.12 * (x1 - x0 or 1.0), 0.2 * (y1 - y0 or 1.0)
        ax.set_xlim(x0 - mx, x1 + mx)
        ax.set_ylim(y0 - my, y1 + my)

        self.quadrant_texts_ = {}
        if quadrant_labels:
            from ..ipa import QUADRANTS

            (xa, xb), (ya, yb) = ax.get_xlim(), ax.get_ylim()
            for (hi_imp, hi_perf), name in QUADRANTS.items():
                hi_x = hi_imp if self.x == "importance" else hi_perf
                hi_y = hi_perf if self.x == "importance" else hi_imp
                tx = xb - 0.02 * (xb - xa) if hi_x else xa + 0.02 * (xb - xa)
                ty = yb - 0.03 * (yb - ya) if hi_y else ya + 0.03 * (yb - ya)
                self.quadrant_texts_[name] = ax.text(
                    tx, ty, name, ha="right" if hi_x else "left", va="top" if hi_y else "bottom",
                    fontsize=9, color="0.35", style="italic", zorder=0,
                )  # fmt: skip
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if self.title:
            ax.set_title(self.title)
        if self.label_texts_:
            self._place_labels(ax, fig, xs, ys)
        self.ax_, self.figure_ = ax, fig
        return self

    def _place_labels(self, ax, fig, xs, ys) -> None:
        """Put each label next to its point where, measured with the renderer, it covers no
        point, no other label and no quadrant name; far labels get a leader line."""
        from matplotlib.transforms import Bbox

        renderer = renderer_of(fig)
        px = fig.dpi / 72.0
        radius = 0.5 * np.sqrt(40.0) * px + 1.0  # marker size s=40 (points^2)
        centres = ax.transData.transform(np.column_stack([xs, ys]))
        points = [
            Bbox.from_extents(cx - radius, cy - radius, cx + radius, cy + radius)
            for cx, cy in centres
        ]
        fixed = points + [t.get_window_extent(renderer) for t in self.quadrant_texts_.values()]
        bounds = ax.get_window_extent(renderer)
        # crowded points first: they have the fewest free places
        d = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
        order = np.argsort(np.sort(d, axis=1)[:, 1] if len(d) > 1 else np.zeros(len(d)))
        placed: list[Any] = []
        angles = np.deg2rad([35, 0, -35, 145, 180, -145, 90, -90, 65, -65, 115, -115,
                             15, -15, 165, -165])  # fmt: skip
        for k in order:
            ann = self.label_texts_[k]
            cands = [(r * np.cos(a), r * np.sin(a)) for r in _RINGS for a in angles]
            ok = _place_annotation(ann, cands, fixed + placed, renderer, bounds, px)
            off = np.hypot(*ann.xyann)
            ann.arrow_patch.set_visible(off > _LEADER)
            placed.append(padded(label_extent(ann, renderer), 1.5))
            if not ok:
                ann.arrow_patch.set_visible(True)


def label_extent(ann: Any, renderer: Any) -> Any:
    """Window extent of an annotation's text alone (without its leader line)."""
    from matplotlib.text import Text

    ann.update_positions(renderer)
    return Text.get_window_extent(ann, renderer)


def _place_annotation(ann, offsets, obstacles, renderer, bounds, px) -> bool:
    """Try offsets (points) for an annotation; alignment follows the direction.

    The text's size is measured once; each candidate's extent follows from the offset
    and the alignment, and the chosen one is applied (and re-measured by the caller).
    """
    from matplotlib.transforms import Bbox

    ann.set_ha("left")
    ann.set_va("bottom")
    ann.xyann = (0.0, 0.0)
    e = label_extent(ann, renderer)
    w, h, x, y = e.width, e.height, e.x0, e.y0  # anchored at the point
    best: tuple[float, float, str, str] = (0.0, 0.0, "left", "bottom")
    best_cost: float | None = None
    for dx, dy in offsets:
        ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
        va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
        x0 = x + dx * px - {"left": 0.0, "center": w / 2, "right": w}[ha]
        y0 = y + dy * px - {"bottom": 0.0, "center": h / 2, "top": h}[va]
        bb = padded(Bbox.from_extents(x0, y0, x0 + w, y0 + h), 1.5)
        cost = sum(overlap_area(bb, o) for o in obstacles)
        cost += bb.width * bb.height - overlap_area(bb, bounds)
        if best_cost is None or cost < best_cost:
            best, best_cost = (dx, dy, ha, va), cost
        if cost == 0:
            break
    dx, dy, ha, va = best
    ann.set_ha(ha)
    ann.set_va(va)
    ann.xyann = (dx, dy)
    return best_cost == 0
