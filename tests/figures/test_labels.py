"""Label placement: crowded points get labels that do not overlap, the same way every time."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from cityclusters.figures import style  # noqa: E402
from cityclusters.figures.labels import place_labels  # noqa: E402

#: Six cities whose points nearly touch (log GDP against log population, say).
POINTS = [(1.00, 1.00), (1.03, 1.02), (1.05, 0.98), (1.02, 0.95), (1.30, 1.25), (0.98, 1.04)]
NAMES = ["上海 Shanghai", "苏州 Suzhou", "杭州 Hangzhou", "南京 Nanjing", "合肥 Hefei", "宁波 Ningbo"]


def _draw():
    style.use_book_style()
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    ax.scatter(*zip(*POINTS), s=14)
    ax.set(xlim=(0.8, 1.5), ylim=(0.8, 1.4))
    fig.tight_layout()
    labels = place_labels(ax, [p[0] for p in POINTS], [p[1] for p in POINTS], NAMES)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return fig, ax, [Text.get_window_extent(t, renderer) for t in labels]


def test_crowded_labels_do_not_overlap_and_stay_in_the_axes():
    fig, ax, boxes = _draw()
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    assert [t.get_text() for t in ax.texts] == NAMES
    plt.close(fig)


def test_placement_is_deterministic():
    first, _, a = _draw()
    second, _, b = _draw()
    assert [box.bounds for box in a] == [box.bounds for box in b]
    plt.close(first)
    plt.close(second)
