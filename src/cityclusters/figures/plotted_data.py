"""The data behind a figure, as a table a reader can download (issue 16: "a CSV behind every
figure").

A figure function may attach the tidy frame it drew (:func:`attach_data`); that frame is then the
figure's data. Otherwise :func:`plotted_data` reads the numbers back from what matplotlib drew,
panel by panel: every line's points, every scatter's points, every bar's position and length
(with its category label when the bar sits on a labelled tick), every cell of an image (a
heat map: its value and the labels of its row and column) and every text label placed in the
data coordinates (the city names of a rank–size plot or a map). Polygons (map areas, confidence
bands) are left out: their vertices are drawing instructions, not data. Positions are in the
axes' data units; map panels are in metres of the book's Albers projection.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Attribute of a matplotlib figure that holds the frame attached by :func:`attach_data`.
ATTRIBUTE = "cityclusters_data"
#: Columns of :func:`plotted_data`.
COLUMNS = ["panel", "series", "kind", "x", "y", "value", "x_category", "y_category", "text", "x_label", "y_label"]


def attach_data(fig, frame: pd.DataFrame):
    """Attach the tidy frame a figure shows, so that its download is that frame; returns ``fig``."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"attach_data: expected a DataFrame, got {type(frame).__name__}")
    setattr(fig, ATTRIBUTE, frame)
    return fig


def _panel_name(ax, number: int) -> str:
    title = ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
    return title.strip() or f"panel {number}"


def _label(artist, fallback: str) -> str:
    label = str(artist.get_label() or "")
    return fallback if not label or label.startswith("_") else label


def _tick_labels(axis) -> dict[float, str]:
    return {round(float(t), 9): lab.get_text() for t, lab in zip(axis.get_ticklocs(), axis.get_ticklabels()) if lab.get_text()}


def _panel_rows(ax, number: int) -> list[dict]:
    from matplotlib.collections import PathCollection
    from matplotlib.container import BarContainer
    from matplotlib.text import Annotation

    panel, rows = _panel_name(ax, number), []
    base = {"panel": panel, "x_label": ax.get_xlabel(), "y_label": ax.get_ylabel()}
    for k, line in enumerate(ax.get_lines(), start=1):
        if not line.get_transform().contains_branch(ax.transData):
            continue  # reference lines drawn partly in axes coordinates (axhline, axvline) carry no data
        x, y = np.asarray(line.get_xdata(), dtype=object), np.asarray(line.get_ydata(), dtype=object)
        name = _label(line, f"line {k}")
        rows += [{**base, "series": name, "kind": "line", "x": a, "y": b} for a, b in zip(x, y)]
    for k, collection in enumerate(ax.collections, start=1):
        if type(collection) is not PathCollection or not collection.get_offset_transform().contains_branch(ax.transData):
            continue
        name = _label(collection, f"points {k}")
        rows += [{**base, "series": name, "kind": "point", "x": a, "y": b} for a, b in collection.get_offsets()]
    x_ticks, y_ticks = _tick_labels(ax.xaxis), _tick_labels(ax.yaxis)
    for k, container in enumerate(ax.containers, start=1):
        if not isinstance(container, BarContainer):
            continue
        name = _label(container, f"bars {k}")
        horizontal = getattr(container, "orientation", "vertical") == "horizontal"
        for patch in container.patches:
            if horizontal:
                position, value = patch.get_y() + patch.get_height() / 2, patch.get_x() + patch.get_width()
                rows.append({**base, "series": name, "kind": "bar", "x": value, "y": position,
                             "y_category": y_ticks.get(round(position, 9), "")})
            else:
                position, value = patch.get_x() + patch.get_width() / 2, patch.get_y() + patch.get_height()
                rows.append({**base, "series": name, "kind": "bar", "x": position, "y": value,
                             "x_category": x_ticks.get(round(position, 9), "")})
    for k, image in enumerate(ax.get_images(), start=1):
        values = np.ma.filled(np.ma.asarray(image.get_array(), dtype=float), np.nan)
        if values.ndim != 2:
            continue  # an RGB picture, not a heat map
        left, right, bottom, top = image.get_extent()
        ny, nx = values.shape
        xs = left + (np.arange(nx) + 0.5) * (right - left) / nx
        first, last = (top, bottom) if image.origin == "upper" else (bottom, top)  # row 0's edge first
        ys = first + (np.arange(ny) + 0.5) * (last - first) / ny
        name = _label(image, f"image {k}")
        rows += [{**base, "series": name, "kind": "cell", "x": xs[j], "y": ys[i], "value": values[i, j],
                  "x_category": x_ticks.get(round(float(xs[j]), 9), ""), "y_category": y_ticks.get(round(float(ys[i]), 9), "")}
                 for i in range(ny) for j in range(nx)]
    for text in ax.texts:
        if not text.get_text().strip():
            continue
        if isinstance(text, Annotation):  # an annotation points at xy, wherever its text sits
            if text.xycoords != "data":
                continue
            x, y = text.xy
        elif text.get_transform().contains_branch(ax.transData):
            x, y = text.get_position()
        else:
            continue  # titles and notes placed in axes coordinates
        rows.append({**base, "series": "labels", "kind": "label", "x": x, "y": y, "text": text.get_text()})
    return rows


def plotted_data(fig) -> pd.DataFrame:
    """The figure's data: the attached frame (:func:`attach_data`), else the numbers read back
    from its artists, one row per point, bar or label, with the columns :data:`COLUMNS`.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([2019, 2020], [0.5, 0.6], label="YRD"); _ = ax.set_title("D"); _ = ax.set_ylabel("D")
    >>> plotted_data(fig)[["panel", "series", "kind", "x", "y", "y_label"]].to_dict("records")
    [{'panel': 'D', 'series': 'YRD', 'kind': 'line', 'x': 2019, 'y': 0.5, 'y_label': 'D'}, {'panel': 'D', 'series': 'YRD', 'kind': 'line', 'x': 2020, 'y': 0.6, 'y_label': 'D'}]
    >>> plt.close(fig)
    """
    attached = getattr(fig, ATTRIBUTE, None)
    if attached is not None:
        return attached
    rows = []
    for number, ax in enumerate(fig.get_axes(), start=1):
        if ax.get_label() == "<colorbar>":
            continue
        rows += _panel_rows(ax, number)
    return pd.DataFrame(rows, columns=COLUMNS)


def figure_csv(fig) -> str:
    """:func:`plotted_data` as CSV text (UTF-8, no index, full precision)."""
    return plotted_data(fig).to_csv(index=False)
