"""Geometry of the path diagram (no matplotlib): layers, item groups, positions, arcs.

Coordinates are data units (one unit is one inch at the default figure size). The layout is
computed in a *frame* of a main axis (the direction of the paths, one layer after another)
and a cross axis (constructs of one layer side by side), then mapped to ``(x, y)``:
horizontal diagrams put the main axis left to right, vertical ones top to bottom.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

EW, EH = 2.5, 1.25  # construct ellipse (minimum width; widened for long names)
BW, BH = 1.05, 0.42  # item box (minimum width; widened for long item names)
STEP = 0.56  # distance between boxes in a column
HGAP = 0.16  # gap between boxes in a row
ROW_MAX = 4  # more items above/below a construct hang as a column
COLUMN_OFFSET = 0.75  # such a column's inner edge from the ellipse's vertical axis
GAP = 0.45  # ellipse edge to the inner edge of its item group
MAIN_GAP = 1.9  # free room between the footprints of adjacent layers (arrows and labels)
CROSS_GAP = 0.55  # free room between constructs of one layer
VALUE_H = 0.24  # height reserved for a value label above/below a box in a row
SPREAD = 0.5  # a layer of several constructs spans at least this share of the widest
WRAP = 16  # construct names longer than this are wrapped
ORIENTATIONS = ("horizontal", "vertical")


def char_width(points: float) -> float:
    """Approximate width of one character of a ``points`` font in data units (at k=1)."""
    return 0.6 * points / 72.0


def wrap_name(name: str, width: int = WRAP) -> str:
    """Break a long construct name at spaces, underscores, hyphens or case changes."""
    if len(name) <= width:
        return name
    parts = re.findall(r"[^\s_\-]+[\s_\-]*", name)
    if len(parts) == 1:  # camelCase or one long word
        parts = re.findall(r"[A-Z]?[^A-Z]+|[A-Z]+(?![a-z])", name) or [name]
    lines, cur = [], ""
    for p in parts:
        if cur and len(cur) + len(p.rstrip()) > width:
            lines.append(cur.rstrip())
            cur = ""
        cur += p
    lines.append(cur.rstrip())
    out = []
    for line in lines:  # still too long: hard breaks
        out += [line[i : i + width] for i in range(0, len(line), width)] or [line]
    return "\n".join(out)


def layers_of(constructs: Sequence[str], paths: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Layer of every construct: the longest route from a source (sources are layer 0)."""
    preds = {c: [s for s, t in paths if t == c] for c in constructs}
    layer: dict[str, int] = {}

    def depth(c: str) -> int:
        if c not in layer:
            layer[c] = 0 if not preds[c] else 1 + max(depth(s) for s in preds[c])
        return layer[c]

    for c in constructs:
        depth(c)
    return layer


def role_of(c: str, paths: Sequence[tuple[str, str]]) -> str:
    """'source', 'sink' or 'middle' ('source' also for a construct without paths)."""
    tgts = {b for _, b in paths}
    srcs = {a for a, _ in paths}
    if c not in tgts:
        return "source"
    return "sink" if c not in srcs else "middle"


def outer_side(role: str, orientation: str) -> str:
    """Side of the items of a source or sink: away from every structural arrow."""
    if orientation == "horizontal":
        return "left" if role == "source" else "right"
    return "above" if role == "source" else "below"


def cross_sides(orientation: str) -> tuple[str, str]:
    """(before, after) sides on the cross axis, for constructs in the middle."""
    return ("above", "below") if orientation == "horizontal" else ("left", "right")


@dataclass
class Group:
    """Item boxes of one construct, relative to the construct's centre."""

    side: str
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0,y0,x1,y1
    ends: list[tuple[float, float]] = field(default_factory=list)  # arrow end on each box
    values: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, ha, va
    value_room: float = 0.0
    value_dir: str = ""  # where value labels stick out: 'left', 'right', 'up' or 'down'

    def extent(self) -> tuple[float, float, float, float]:
        """Bounding box of boxes and value labels (relative)."""
        if not self.boxes:
            return (0.0, 0.0, 0.0, 0.0)
        b = np.array(self.boxes)
        x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
        r = self.value_room
        if self.value_dir == "left":
            x0 -= r
        elif self.value_dir == "right":
            x1 += r
        elif self.value_dir == "up":
            y1 += VALUE_H
        else:
            y0 -= VALUE_H
        return (float(x0), float(y0), float(x1), float(y1))


def make_group(
    side: str,
    n: int,
    bw: float,
    ew: float,
    value_room: float,
    shift: float = 0.0,
    middle: bool = False,
) -> Group:
    """Boxes of ``n`` items on ``side`` of an ellipse of width ``ew`` (centre at 0, 0).

    Columns (left/right) fan out beside the ellipse; rows (above/below) sit over or under
    it, moved by ``shift`` along the row. More than :data:`ROW_MAX` items above or below
    hang as a column beside the ellipse's vertical axis (on the left for ``shift <= 0``,
    else on the right), the arrows reaching each box's inner edge past the boxes nearer
    the ellipse. Value labels go on the box's outer side.
    """
    g = Group(side=side, value_room=value_room)
    stacked = middle and side in ("above", "below") and n > ROW_MAX
    if side in ("left", "right") or stacked:
        right = side == "right" or (stacked and shift > 0)
        g.value_dir = "right" if right else "left"
    else:
        g.value_dir = "up" if side == "above" else "down"
    for k in range(n):
        if stacked:
            sign = 1.0 if side == "above" else -1.0
            cy = sign * (EH / 2 + GAP + BH / 2 + k * STEP)
            if g.value_dir == "left":
                x1 = -COLUMN_OFFSET
                x0 = x1 - bw
                g.ends.append((x1, cy))
                g.values.append((x0 - 0.06, cy, "right", "center"))
            else:
                x0 = COLUMN_OFFSET
                x1 = x0 + bw
                g.ends.append((x0, cy))
                g.values.append((x1 + 0.06, cy, "left", "center"))
            g.boxes.append((x0, cy - BH / 2, x1, cy + BH / 2))
        elif side in ("left", "right"):
            cy = (n - 1) * STEP / 2 - k * STEP - shift  # shift > 0: downstream (down)
            if side == "left":
                x1 = -ew / 2 - GAP
                x0 = x1 - bw
                g.ends.append((x1, cy))
                g.values.append((x0 - 0.06, cy, "right", "center"))
            else:
                x0 = ew / 2 + GAP
                x1 = x0 + bw
                g.ends.append((x0, cy))
                g.values.append((x1 + 0.06, cy, "left", "center"))
            g.boxes.append((x0, cy - BH / 2, x1, cy + BH / 2))
        else:
            cx = shift + (k - (n - 1) / 2) * (bw + HGAP)  # shift > 0: downstream (right)
            if side == "above":
                y0 = EH / 2 + GAP
                y1 = y0 + BH
                g.ends.append((cx, y0))
                g.values.append((cx, y1 + 0.04, "center", "bottom"))
            else:
                y1 = -EH / 2 - GAP
                y0 = y1 - BH
                g.ends.append((cx, y1))
                g.values.append((cx, y0 - 0.04, "center", "top"))
            g.boxes.append((cx - bw / 2, y0, cx + bw / 2, y1))
    return g


def to_frame(ext: tuple[float, float, float, float], orientation: str):
    """(x0, y0, x1, y1) relative extent -> (main_min, main_max, cross_min, cross_max)."""
    x0, y0, x1, y1 = ext
    if orientation == "horizontal":
        return x0, x1, -y1, -y0
    return -y1, -y0, x0, x1


def from_frame(m: float, c: float, orientation: str) -> tuple[float, float]:
    return (m, -c) if orientation == "horizontal" else (c, -m)


def footprint(group: Group | None, ew: float) -> tuple[float, float, float, float]:
    ext = [(-ew / 2, -EH / 2, ew / 2, EH / 2)]
    if group is not None and group.boxes:
        ext.append(group.extent())
    e = np.array(ext)
    return (e[:, 0].min(), e[:, 1].min(), e[:, 2].max(), e[:, 3].max())


def place(
    constructs: Sequence[str],
    paths: Sequence[tuple[str, str]],
    groups: Mapping[str, Group | None],
    ew: float,
    orientation: str,
    channels: Sequence[tuple[str, str]] = (),
) -> tuple[dict[str, int], dict[str, tuple[float, float]], dict[tuple[str, str], list]]:
    """Layers and centres: layers along the main axis, each stacked on the cross axis.

    A layer's constructs are ordered by the mean cross position of their neighbours
    (down, up and down again) and stacked with the room their item groups need; each
    layer's ellipses are centred on 0 of the cross axis. Adjacent layers are spaced by
    their footprints plus room for the arrows and their labels. Each path in
    ``channels`` gets a narrow slot in every layer it skips (a "dummy node"), returned as
    the list of its waypoints, so the arrow can run between the constructs.
    """
    layer = layers_of(constructs, paths)
    fp = {c: to_frame(footprint(groups.get(c), ew), orientation) for c in constructs}
    nodes = list(constructs)
    edges = [e for e in paths if e not in set(channels)]
    waypoints: dict[tuple[str, str], list[str]] = {}
    for s, t in channels:
        chain = [s]
        for L in range(layer[s] + 1, layer[t]):
            d = f"\x00{s}\x00{t}\x00{L}"
            layer[d] = L
            fp[d] = (-0.05, 0.05, -0.5, 0.5)
            nodes.append(d)
            chain.append(d)
        chain.append(t)
        edges += list(zip(chain[:-1], chain[1:], strict=True))
        waypoints[(s, t)] = chain[1:-1]
    constructs = nodes
    preds = {c: [s for s, t in edges if t == c] for c in constructs}
    n_layers = max(layer.values()) + 1 if layer else 0
    succs = {c: [t for s, t in edges if s == c] for c in constructs}
    stacks = [[c for c in constructs if layer[c] == L] for L in range(n_layers)]
    main_pos = np.zeros(n_layers)
    for L in range(1, n_layers):
        main_pos[L] = (
            main_pos[L - 1]
            + max(fp[c][1] for c in stacks[L - 1])
            + max(-fp[c][0] for c in stacks[L])
            + MAIN_GAP
        )
    cross: dict[str, float] = {}

    def stack(members: list[str]) -> None:
        pos_c, edge = [], 0.0
        for c in members:
            pos_c.append(edge - fp[c][2])
            edge = pos_c[-1] + fp[c][3] + CROSS_GAP
        shift = float(np.mean(pos_c))
        for c, v in zip(members, pos_c, strict=True):
            cross[c] = v - shift

    def sweep(layers, nbrs) -> None:
        for L in layers:
            members = stacks[L]
            members.sort(
                key=lambda c: (
                    np.mean([cross[s] for s in nbrs[c] if s in cross])
                    if any(s in cross for s in nbrs[c])
                    else cross.get(c, 0.0)
                )
            )  # stable: constructs without placed neighbours keep their order
            stack(members)

    # barycentre ordering (Sugiyama): down, up, down again
    sweep(range(n_layers), preds)
    sweep(range(n_layers - 2, -1, -1), succs)
    sweep(range(1, n_layers), preds)
    # spread narrow layers: at least half the span of the widest, gaps widened evenly, so
    # paths from a tall layer reach a short one without grazing its neighbours
    span = {L: cross[m[-1]] - cross[m[0]] for L, m in enumerate(stacks) if m}
    widest = max(span.values(), default=0.0)
    for L, members in enumerate(stacks):
        if len(members) > 1 and span[L] < SPREAD * widest:
            extra = (SPREAD * widest - span[L]) / (len(members) - 1)
            vals = [cross[c] + k * extra for k, c in enumerate(members)]
            mid = float(np.mean(vals))
            for c, v in zip(members, vals, strict=True):
                cross[c] = v - mid
    pos = {c: from_frame(float(main_pos[layer[c]]), cross[c], orientation) for c in constructs}
    # a channel runs parallel to the main axis through the whole band of a skipped layer
    band = {
        L: (
            min((fp[c][0] for c in m if not c.startswith("\x00")), default=0.0),
            max((fp[c][1] for c in m if not c.startswith("\x00")), default=0.0),
        )
        for L, m in enumerate(stacks)
    }
    ways: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for (src, tgt), dummies in waypoints.items():
        # leave the source and enter the target along the main axis, past their own items
        exit_ = from_frame(float(main_pos[layer[src]]) + fp[src][1], cross[src], orientation)
        entry = from_frame(float(main_pos[layer[tgt]]) + fp[tgt][0], cross[tgt], orientation)
        mids = [
            from_frame(float(main_pos[layer[d]]) + e, cross[d], orientation)
            for d in dummies
            for e in band[layer[d]]
        ]
        ways[(src, tgt)] = [exit_, *mids, entry]
    real = [c for c in constructs if not c.startswith("\x00")]
    return {c: layer[c] for c in real}, {c: pos[c] for c in real}, ways


# ------------------------------------------------------------------ curves and obstacles
def bezier(p0, p1, rad: float, n: int | None = None) -> np.ndarray:
    """Points of matplotlib's ``arc3`` connection (a quadratic Bezier) from p0 to p1.

    Without ``n``, one point every 0.05 units of the control polygon (at least 40).
    """
    p0, p1 = np.asarray(p0, float), np.asarray(p1, float)
    d = p1 - p0
    ctrl = (p0 + p1) / 2 + rad * np.array([d[1], -d[0]])
    if n is None:
        n = max(40, int((np.hypot(*(ctrl - p0)) + np.hypot(*(p1 - ctrl))) / 0.05))
    u = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - u) ** 2 * p0 + 2 * u * (1 - u) * ctrl + u**2 * p1


def through(points: Sequence[Sequence[float]], rounds: int = 5) -> np.ndarray:
    """A smooth curve along the polyline ``points`` (Chaikin corner cutting, ends kept).

    The curve stays inside the hull of neighbouring waypoints, so it keeps to the
    channels the layout reserved; it is resampled about every 0.05 units.
    """
    P = np.asarray(points, float)
    if len(P) == 2:
        return bezier(P[0], P[1], 0.0)
    for _ in range(rounds):
        q = 0.75 * P[:-1] + 0.25 * P[1:]
        r = 0.25 * P[:-1] + 0.75 * P[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        P = np.vstack([P[:1], mid[1:-1], P[-1:]])
    seg = np.hypot(*np.diff(P, axis=0).T)
    t = np.concatenate([[0.0], np.cumsum(seg)])
    u = np.linspace(0.0, t[-1], max(40, int(t[-1] / 0.05)))
    return np.column_stack([np.interp(u, t, P[:, 0]), np.interp(u, t, P[:, 1])])


def inside_ellipse(pts: np.ndarray, centre, ew: float, margin: float = 0.0) -> np.ndarray:
    a, b = ew / 2 + margin, EH / 2 + margin
    q = (pts - np.asarray(centre)) / np.array([a, b])
    return (q**2).sum(axis=1) < 1.0


def inside_rect(pts: np.ndarray, rect, margin: float = 0.0) -> np.ndarray:
    x0, y0, x1, y1 = rect
    return (
        (pts[:, 0] > x0 - margin)
        & (pts[:, 0] < x1 + margin)
        & (pts[:, 1] > y0 - margin)
        & (pts[:, 1] < y1 + margin)
    )


def hits(
    pts: np.ndarray,
    ends: tuple[str, str],
    pos: Mapping[str, tuple[float, float]],
    rects: Sequence[tuple[float, float, float, float]],
    ew: float,
) -> int:
    """How many obstacles (other ellipses, any item box) a curve passes through."""
    s, t = ends
    inner = pts[~inside_ellipse(pts, pos[s], ew) & ~inside_ellipse(pts, pos[t], ew)]
    n = 0
    for c, p in pos.items():
        if c not in ends and inside_ellipse(inner, p, ew, margin=0.12).any():
            n += 1
    for r in rects:
        if inside_rect(inner, r, margin=0.08).any():
            n += 1
    return n


RADS = (0.0,) + tuple(r for m in np.arange(0.12, 1.01, 0.04) for r in (-round(m, 2), round(m, 2)))


def route(p0, p1, ends, pos, rects, ew: float) -> float:
    """The ``arc3`` rad of the first curve (straight first) that passes no obstacle."""
    best, best_hits = 0.0, None
    for rad in RADS:
        h = hits(bezier(p0, p1, rad), ends, pos, rects, ew)
        if h == 0:
            return rad
        if best_hits is None or h < best_hits:
            best, best_hits = rad, h
    return best


# ------------------------------------------------------------------ the whole layout
def _crossings(rects, paths, pos, skip: str) -> int:
    n = 0
    for s, t in paths:
        pts = bezier(pos[s], pos[t], 0.0)
        for r in rects:
            if inside_rect(pts, r, margin=0.15).any():
                n += 1
    return n


def layout(
    constructs: Sequence[str],
    paths: Sequence[tuple[str, str]],
    n_items: Mapping[str, int],
    box_width: Mapping[str, float],
    value_room: Mapping[str, float],
    ew: float,
    orientation: str = "horizontal",
    channels: Sequence[tuple[str, str]] = (),
):
    """Item groups, centres and channel waypoints of every construct (see :func:`place`).

    Sources and sinks keep their items on the outer side. A construct in the middle puts
    its items before or after itself on the cross axis (above/below in a horizontal
    diagram), on the side, and with the shift along the row, that the straight lines of
    the structural paths cross least; ties go to the outer side of its layer.
    """
    paths = list(paths)
    role = {c: role_of(c, paths) for c in constructs}
    before, after = cross_sides(orientation)

    def build(sides, shifts):
        return {
            c: make_group(
                sides[c],
                n_items[c],
                box_width[c],
                ew,
                value_room[c],
                shifts[c],
                middle=role[c] == "middle",
            )  # fmt: skip
            if n_items.get(c, 0)
            else None
            for c in constructs
        }

    sides = {
        c: outer_side(role[c], orientation) if role[c] != "middle" else after for c in constructs
    }
    shifts = {c: 0.0 for c in constructs}
    layer, pos, ways = place(constructs, paths, build(sides, shifts), ew, orientation, channels)
    for _ in range(2):
        changed = False
        for c in constructs:
            if role[c] != "middle" or not n_items.get(c, 0):
                continue
            mates = sorted(
                (k for k in constructs if layer[k] == layer[c]),
                key=lambda k: to_frame((pos[k][0], pos[k][1], pos[k][0], pos[k][1]), orientation)[
                    2
                ],
            )
            i = mates.index(c)
            default = before if (len(mates) > 1 and i < (len(mates) - 1) / 2) else after
            other = after if default == before else before
            best, best_n = (sides[c], shifts[c]), None
            for side in (default, other):
                for shift in (0.0, 0.3 * ew, -0.3 * ew) if n_items[c] <= ROW_MAX else (0.0, 1.0):
                    g = make_group(
                        side, n_items[c], box_width[c], ew, value_room[c], shift, middle=True
                    )
                    x, y = pos[c]
                    rects = [(b[0] + x, b[1] + y, b[2] + x, b[3] + y) for b in g.boxes]
                    n = _crossings(rects, paths, pos, c)
                    if best_n is None or n < best_n:
                        best, best_n = (side, shift), n
            if best != (sides[c], shifts[c]):
                sides[c], shifts[c] = best
                changed = True
        if not changed:
            break
        layer, pos, ways = place(constructs, paths, build(sides, shifts), ew, orientation, channels)
    return layer, pos, build(sides, shifts), ways
