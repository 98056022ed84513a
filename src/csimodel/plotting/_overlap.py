"""Label placement by measurement: window extents from the renderer (internal).

A label is tried at candidate positions in order and kept at the first one whose extent
(padded) overlaps no obstacle and stays inside the bounds; without a free candidate, the
one with the least overlapping area is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def renderer_of(fig: Any) -> Any:
    """The figure's renderer (Agg and friends), drawing once if the canvas needs it."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    return fig._get_renderer()  # pragma: no cover - non-Agg canvases


def padded(bb: Any, pad: float) -> Any:
    from matplotlib.transforms import Bbox

    return Bbox.from_extents(bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)


def overlap_area(a: Any, b: Any) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def outside_area(a: Any, bounds: Any) -> float:
    inner = overlap_area(a, bounds)
    return a.width * a.height - inner


def place_text(
    text: Any,
    candidates: Iterable[Sequence[float]],
    obstacles: Sequence[Any],
    renderer: Any,
    bounds: Any,
    pad: float = 2.0,
) -> bool:
    """Move ``text`` (data coordinates) to the first free candidate; True if one was free."""
    best, best_cost = None, None
    for xy in candidates:
        text.set_position(tuple(xy))
        bb = padded(text.get_window_extent(renderer), pad)
        cost = sum(overlap_area(bb, o) for o in obstacles) + outside_area(bb, bounds)
        if cost == 0:
            return True
        if best_cost is None or cost < best_cost:
            best, best_cost = tuple(xy), cost
    if best is not None:
        text.set_position(best)
    return False
