"""Point labels that do not overlap: a small deterministic placement for labelled points.

:func:`place_labels` tries, for each label in turn, a fixed list of positions around its point
(left first, then right, the four diagonals, above, below; near, then farther out) and keeps
the one with the least cost: overlap with labels already placed, with the legend and with the
axes' edge weighs most, then the markers of every scatter on the axes, then the lines (sampled
every few pixels; a label's white box masks the line under it). A label set away from its point
gets a thin leader line. The result depends only on the figure, never on chance or on the order
of a solver's iterations, so a figure rebuilt from the same data has its labels in the same
places.

Call it when the figure's layout is final (after ``tight_layout``): the placement is computed
in pixels of the drawn figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.transforms import Bbox

#: Directions tried, in order of preference: (dx, dy, horizontal and vertical alignment).
DIRECTIONS = (
    (-1, 0, "right", "center"), (1, 0, "left", "center"),
    (-0.7, 0.7, "right", "bottom"), (-0.7, -0.7, "right", "top"),
    (0.7, 0.7, "left", "bottom"), (0.7, -0.7, "left", "top"),
    (0, 1, "center", "bottom"), (0, -1, "center", "top"),
)
#: Distances from the point tried (points); beyond the first a leader line is drawn.
DISTANCES = (6.0, 14.0, 24.0, 36.0)
#: Costs: per square pixel of a label over another label, the legend or the axes' edge; per
#: square pixel over a marker (data hidden); per line sample under a label (the label's white
#: box masks a few pixels of line: tolerable); per step away from the point; per marker a
#: leader line crosses.
HARD, MARKER, LINE, RING, LEADER = 1000.0, 5.0, 10.0, 60.0, 300.0
#: Margin around each label (pixels at the figure's dpi per 100 dpi).
MARGIN = 2.0
#: The label's box: white, so that a line passing under it does not cross the letters.
BOX = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}


def _overlap(a: Bbox, b: Bbox) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(width, 0.0) * max(height, 0.0)


def _marker_boxes(ax, renderer) -> list[Bbox]:
    """Pixel boxes of every scatter marker on ``ax`` (squares of the marker's size)."""
    boxes = []
    for collection in ax.collections:
        if not isinstance(collection, PathCollection) or not len(collection.get_offsets()):
            continue
        points = collection.get_offset_transform().transform(collection.get_offsets())
        sizes = collection.get_sizes()
        for k, (x, y) in enumerate(points):
            # scatter size s is the marker's area in points²
            half = 0.5 * np.sqrt(sizes[k % len(sizes)] if len(sizes) else 36.0) * renderer.points_to_pixels(1.0)
            boxes.append(Bbox.from_extents(x - half, y - half, x + half, y + half))
    return boxes


def _line_samples(ax, step: float) -> np.ndarray:
    """Pixel positions along every line of ``ax``, ``step`` pixels apart."""
    samples = [np.empty((0, 2))]
    for line in ax.get_lines():
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        xy = xy[np.isfinite(xy).all(axis=1)]
        for a, b in zip(xy[:-1], xy[1:]):
            n = max(2, int(np.hypot(*(b - a)) / step) + 1)
            samples.append(a + np.linspace(0.0, 1.0, n)[:, None] * (b - a))
    return np.vstack(samples)


def _leader_hits(anchor: np.ndarray, box: Bbox, markers: list[Bbox], step: float) -> int:
    """How many ``markers`` the straight leader from ``anchor`` to the nearest point of
    ``box`` crosses."""
    end = np.array([np.clip(anchor[0], box.x0, box.x1), np.clip(anchor[1], box.y0, box.y1)])
    n = max(2, int(np.hypot(*(end - anchor)) / step) + 1)
    path = anchor + np.linspace(0.0, 1.0, n)[1:, None] * (end - anchor)
    return sum(1 for m in markers if not m.contains(*anchor)
               and ((path[:, 0] > m.x0) & (path[:, 0] < m.x1) & (path[:, 1] > m.y0) & (path[:, 1] < m.y1)).any())


def place_labels(ax, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str],
                 fontsize: float = 7.5, **text_kw) -> list:
    """Label the points (``xs``, ``ys`` in data coordinates) of ``ax`` with ``texts`` so that
    no two labels overlap and labels avoid the legend, the axes' edge, the markers and the
    lines as far as possible (see the module docstring). Returns the annotations, in the order
    of ``texts``."""
    fig = ax.figure
    fig.canvas.draw()  # final limits, legend position and text metrics
    renderer = fig.canvas.get_renderer()
    px = renderer.points_to_pixels(1.0)
    margin = MARGIN * fig.dpi / 100.0
    frame = ax.get_window_extent(renderer)
    legend = ax.get_legend()
    hard = [legend.get_window_extent(renderer)] if legend is not None else []
    markers = _marker_boxes(ax, renderer)
    lines = _line_samples(ax, 3.0 * px)
    text_kw = {"bbox": BOX, "zorder": 5, **text_kw}
    placed = []
    for x, y, text in zip(xs, ys, texts):
        anchor = ax.transData.transform((x, y))
        probe = ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset points",
                            fontsize=fontsize, **text_kw)
        best = None
        for ring, distance in enumerate(DISTANCES):
            for dx, dy, ha, va in DIRECTIONS:
                probe.set_position((dx * distance, dy * distance))
                probe.set_horizontalalignment(ha)
                probe.set_verticalalignment(va)
                box = probe.get_window_extent(renderer).padded(margin)
                cost = HARD * (box.width * box.height - _overlap(box, frame))
                cost += HARD * sum(_overlap(box, other) for other in hard)
                cost += MARKER * sum(_overlap(box, m) for m in markers if not m.contains(*anchor))
                if len(lines):
                    within = ((lines[:, 0] > box.x0) & (lines[:, 0] < box.x1)
                              & (lines[:, 1] > box.y0) & (lines[:, 1] < box.y1))
                    cost += LINE * int(within.sum())
                if ring:
                    cost += RING * ring + LEADER * _leader_hits(anchor, box, markers, px)
                if best is None or cost < best[0]:
                    best = (cost, ring, dx * distance, dy * distance, ha, va, box)
        probe.remove()
        _, ring, ox, oy, ha, va, box = best
        leader = {"arrowstyle": "-", "color": "#777777", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 2}
        annotation = ax.annotate(text, (x, y), xytext=(ox, oy), textcoords="offset points", ha=ha, va=va,
                                 fontsize=fontsize, arrowprops=leader if ring else None, **text_kw)
        placed.append(annotation)
        hard.append(box)
    return placed
