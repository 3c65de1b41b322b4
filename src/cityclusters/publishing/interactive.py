"""Interactive figures for the HTML book: inline SVG with native hover tooltips.

Every mark that carries a value (a city polygon, a point of a line) holds an SVG ``<title>``
element; browsers show it as a tooltip when the pointer rests on the mark. Phones have no
pointer to rest: each mark is focusable (``tabindex``), and ``_static/svg-values.js`` shows its
title in a box on a tap, a click or keyboard focus. A few lines of CSS
inside the SVG highlight the hovered mark. The SVG itself holds no script (the site's one small
script serves every figure), no web font, no map tile and no URL other than the SVG namespace,
so the figures work offline and stay small (a chapter map is about 100 KB).

:func:`interactive_figure` wraps the SVG in a display object whose MIME bundle holds both
``text/html`` (the SVG in a ``<div class="cc-interactive">``) and ``image/png`` (a static
matplotlib figure). myst-nb's default priorities choose ``text/html`` for the HTML builders
and ``image/png`` for the LaTeX builder, which does not accept HTML
(``myst_nb.core.render.base_render_priority``).

In the chapters the interactive figure repeats a static ``{glue:figure}``; to keep the PDF
free of a duplicate it is glued and pasted inside an HTML-only block::

    ````{only} html
    ```{glue} fig_d_map_hover
    ```
    ````

Maps use the book's Albers equal-area projection for China
(:data:`cityclusters.config.CHINA_ALBERS`) and the book's colours.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Collection, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import matplotlib as mpl
import numpy as np
import pandas as pd

from cityclusters.checks import require_columns
from cityclusters.config import CHINA_ALBERS
from cityclusters.figures.maps import scale_bar
from cityclusters.figures.style import CLUSTER_COLOURS, city_label, cluster_label, figure_png

SVG_NS = "http://www.w3.org/2000/svg"
#: Font stack of the SVG text (the book's CJK font first).
FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'DejaVu Sans', sans-serif"
#: Fill and tooltip text of units without a value.
NO_DATA_FILL = "#cccccc"
NO_DATA_TEXT = "no data"
#: Clusters drawn dashed (they share a colour with another cluster).
DASHED_CLUSTERS = frozenset({"chengyugui", "yrd41"})

_CSS = (
    ".cc-unit:hover{stroke:#000;stroke-width:1.6px}"
    ".cc-pt:hover{stroke:#000;stroke-width:1.5px}"
    ".cc-lines:hover .cc-series{opacity:.3}"
    ".cc-lines .cc-series:hover{opacity:1}"
    ".cc-series:hover .cc-line{stroke-width:3px}"
    ".cc-svg text{font-family:" + FONT.replace("'", '"') + "}"
)


# ----------------------------------------------------------------------------- helpers
def _fmt(value: float, fmt: str) -> str:
    """Format ``value`` with a format spec ('.3f') or a format string ('{:.3f}')."""
    return fmt.format(value) if "{" in fmt else format(value, fmt)


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    """Rough width of ``text`` in px at font ``size`` (CJK characters are one em wide)."""
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return size * (wide + 0.56 * (len(text) - wide))


def _uid(*parts: object) -> str:
    """A short deterministic id prefix, unique per figure on a page."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8]
    return f"cc{digest}"


def _svg_open(width: float, height: float, label: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="cc-svg {css_class}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'width="100%" style="max-width:{_num(width)}px;height:auto;background:#fff" '
        f'aria-label={quoteattr(label)}>',
        f"<style>{_CSS}</style>",
        f'<rect width="{_num(width)}" height="{_num(height)}" fill="#fff"/>',
    ]


def _text(x: float, y: float, text: str, size: float = 12, anchor: str = "start",
          extra: str = "") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
            f'text-anchor="{anchor}"{extra}>{escape(text)}</text>')


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    """The package's column check (:func:`~cityclusters.checks.require_columns`),
    plus: a DataFrame, and not an empty one (a figure of nothing)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{where}: expected a DataFrame, got {type(frame).__name__}")
    require_columns(frame, columns, where)
    if frame.empty:
        raise ValueError(f"{where}: the frame is empty (no rows); column {columns[0]!r} has no values")


def _numeric(frame: pd.DataFrame, column: str, where: str) -> pd.Series:
    """``frame[column]`` as floats; missing values stay NaN, anything else non-numeric raises."""
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        raise ValueError(f"{where}: column {column!r} holds booleans, not numbers")
    if pd.api.types.is_numeric_dtype(raw):
        values = raw
        bad = pd.Series(False, index=raw.index)
    else:  # object column: only numbers and missing values are accepted (no numeric strings)
        bad = raw.notna() & ~raw.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                                     and not isinstance(v, (bool, np.bool_)))
        values = pd.to_numeric(raw.where(~bad), errors="coerce")
    if bad.any():
        rows = list(frame.index[bad][:5])
        raise ValueError(f"{where}: column {column!r} must be numeric; rows {rows} hold "
                         f"{[raw[r] for r in rows]!r}")
    values = values.astype(float)
    infinite = ~np.isfinite(values) & values.notna()
    if infinite.any():
        raise ValueError(f"{where}: column {column!r} has infinite values in rows "
                         f"{list(frame.index[infinite][:5])}")
    return values


def _colour_scale(values: pd.Series, cmap, vmin, vmax, breaks, colours):
    """Return (function value → hex colour, legend description)."""
    cmap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    if breaks is not None:
        breaks = [float(b) for b in breaks]
        if len(breaks) < 2 or any(b <= a for a, b in zip(breaks, breaks[1:])):
            raise ValueError(f"breaks must be at least two increasing numbers; got {breaks}")
        n = len(breaks) - 1
        if colours is None:
            colours = [cmap(x) for x in np.linspace(0.05, 0.95, n)]
        if len(colours) != n:
            raise ValueError(f"colours: {len(colours)} colours for {n} classes of breaks {breaks}")
        hexes = [mpl.colors.to_hex(c) for c in colours]

        def band(v: float) -> int:
            return int(np.clip(np.searchsorted(breaks[1:-1], v, side="right"), 0, n - 1))

        return (lambda v: hexes[band(v)]), ("classes", breaks, hexes, band)
    lo = float(values.min()) if vmin is None else float(vmin)
    hi = float(values.max()) if vmax is None else float(vmax)
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1.0) * 1e-9 + 1e-12

    def colour(v: float) -> str:
        return mpl.colors.to_hex(cmap(float(np.clip((v - lo) / (hi - lo), 0, 1))))

    return colour, ("continuous", lo, hi, cmap)


def _ring_path(coords: np.ndarray) -> str:
    parts = [f"M{_num(coords[0, 0])} {_num(coords[0, 1])}"]
    last = (round(coords[0, 0], 1), round(coords[0, 1], 1))
    for x, y in coords[1:-1]:
        key = (round(x, 1), round(y, 1))
        if key != last:
            parts.append(f"L{_num(x)} {_num(y)}")
            last = key
    return "".join(parts) + "Z"


def _geometry_path(geom, transform) -> str:
    """SVG path data of a (Multi)Polygon, in pixel coordinates."""
    polygons = getattr(geom, "geoms", [geom])
    out = []
    for poly in polygons:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            coords = transform(np.asarray(ring.coords)[:, :2])
            if len(coords) >= 4:
                out.append(_ring_path(coords))
    return "".join(out)


# ----------------------------------------------------------------------------- choropleth
def svg_choropleth(geoms, value_column: str, label_column: str, *, title: str, unit: str = "",
                   fmt: str = ".3f", cmap="viridis", legend_title: str = "",
                   projection: str = CHINA_ALBERS, detail_column: str | None = None,
                   background=None, breaks: Sequence[float] | None = None,
                   colours: Sequence | None = None, vmin: float | None = None,
                   vmax: float | None = None, class_labels: Sequence[str] | None = None,
                   legend_fmt: str | None = None, tolerance: float | None = None,
                   width: float = 760.0, pad: float = 0.03, with_scale_bar: bool = True) -> str:
    """A choropleth map of areal units as self-contained SVG with a tooltip per unit.

    Each unit is one ``<path>`` filled by its value and holding a ``<title>``
    "label: value unit" (plus " — detail" when ``detail_column`` is given), e.g.
    "成都 (Chengdu): 0.512 — 勉强协调 barely coordinated". Units with a missing value are
    hatched grey and their tooltip reads "label: no data". Geometries are projected to
    ``projection`` (default: the book's Albers equal-area conic for China, metres) and
    simplified with ``tolerance`` metres (default: 0.6 px of the drawn map), which keeps a
    map of about 150 cities near 100 KB.

    Parameters
    ----------
    geoms : geopandas.GeoDataFrame
        One row per unit, with a CRS; a null geometry raises (nothing is dropped silently).
    value_column : str
        Numeric column coloured on the map; NaN means no data.
    label_column : str
        Name shown in the tooltip, e.g. from :func:`cityclusters.figures.style.city_label`.
    title, unit, fmt : str
        Map title; unit appended to values in tooltips and legend (may be empty); format
        spec of the values (``".3f"``) or a format string (``"{:,.0f}"``).
    cmap : str or Colormap
        Colour map of a continuous scale from ``vmin`` to ``vmax`` (data range by default).
    legend_title : str
        Title of the colour legend.
    detail_column : str, optional
        Text added to each tooltip (e.g. the grade of D).
    background : geopandas.GeoDataFrame, optional
        Units drawn in light grey under the map (context, no tooltip), clipped to the frame.
    breaks, colours : sequence, optional
        Class breaks (k + 1 increasing numbers) and k colours for a classified map; values
        below the first or above the last break fall in the outer classes.
    class_labels : sequence of str, optional
        Names of the k classes, shown in the legend after the class limits.
    legend_fmt : str, optional
        Format of the numbers in the legend (default: ``fmt``).
    tolerance : float, optional
        Simplification tolerance in projected units (metres).
    width : float
        Width of the drawing in px (the SVG scales down with the page).
    with_scale_bar : bool
        Draw the map's scale bar in km (:func:`cityclusters.figures.maps.scale_bar`, as on
        every static map) under the legend; needs a ``projection`` in metres.

    Returns
    -------
    str
        An ``<svg>`` element.

    Raises
    ------
    ValueError
        If a column is missing, the frame is empty, values are not numeric, labels or
        geometries are missing, or the frame has no CRS; the message names the column.
    """
    where = "svg_choropleth"
    columns = [value_column, label_column] + ([detail_column] if detail_column else [])
    _require_columns(geoms, columns, where)
    if getattr(geoms, "crs", None) is None:
        raise ValueError(f"{where}: the GeoDataFrame has no CRS; set one (e.g. EPSG:4326) for column 'geometry'")
    values = _numeric(geoms, value_column, where)
    no_label = geoms[label_column].isna()
    if no_label.any():
        raise ValueError(f"{where}: column {label_column!r} is empty in rows {list(geoms.index[no_label][:5])}")
    no_geom = geoms.geometry.isna() | geoms.geometry.is_empty
    if no_geom.any():
        raise ValueError(f"{where}: column 'geometry' is empty in rows {list(geoms.index[no_geom][:5])} "
                         f"({list(geoms.loc[no_geom, label_column][:5])}); they cannot be drawn")
    present = values.dropna()
    colour, scale = _colour_scale(present if len(present) else pd.Series([0.0, 1.0]), cmap, vmin,
                                  vmax, breaks, colours)

    shapes = geoms.to_crs(projection)
    xmin, ymin, xmax, ymax = shapes.total_bounds
    span = max(xmax - xmin, ymax - ymin)
    xmin, xmax, ymin, ymax = xmin - pad * span, xmax + pad * span, ymin - pad * span, ymax + pad * span
    map_w = width * 0.70
    scale_xy = map_w / (xmax - xmin)
    map_h = (ymax - ymin) * scale_xy
    top = 34.0
    legend_x = map_w + 24
    tol = tolerance if tolerance is not None else 0.6 / scale_xy

    def transform(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - xmin) * scale_xy, top + (ymax - coords[:, 1]) * scale_xy))

    uid = _uid(title, value_column, tuple(values.round(12)), cmap, vmin, vmax, breaks, colours)
    simplified = shapes.geometry.simplify(tol, preserve_topology=True)
    body = []
    if background is not None:
        from shapely.geometry import box

        back = background.to_crs(projection).clip(box(xmin, ymin, xmax, ymax))
        paths = [_geometry_path(g, transform) for g in back.geometry.simplify(3 * tol, preserve_topology=True)
                 if g is not None and not g.is_empty]
        body.append(f'<path d="{"".join(paths)}" fill="#ececec" stroke="#fff" stroke-width="0.5"/>')
    body.append(f'<defs><pattern id="{uid}-nd" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{NO_DATA_FILL}"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>')
    body.append('<g class="cc-map" stroke="#fff" stroke-width="0.5">')
    any_missing = False
    for idx, geom in zip(geoms.index, simplified):
        value = values[idx]
        label = str(geoms.at[idx, label_column])
        if pd.isna(value):
            any_missing = True
            fill, tip = f"url(#{uid}-nd)", f"{label}: {NO_DATA_TEXT}"
        else:
            fill = colour(value)
            tip = f"{label}: {_fmt(value, fmt)}" + (f" {unit}" if unit else "")
            if detail_column and pd.notna(geoms.at[idx, detail_column]):
                tip += f" — {geoms.at[idx, detail_column]}"
        body.append(f'<path class="cc-unit" tabindex="0" d="{_geometry_path(geom, transform)}" fill="{fill}">'
                    f"<title>{escape(tip)}</title></path>")
    body.append("</g>")

    # legend
    lfmt = legend_fmt or fmt
    if class_labels is not None and (breaks is None or len(class_labels) != len(breaks) - 1):
        raise ValueError(f"{where}: class_labels need breaks with one more entry than labels")
    legend = [_text(legend_x, top + 10, legend_title, 12, extra=' font-weight="bold"')] if legend_title else []
    y = top + (26 if legend_title else 4)
    if scale[0] == "classes":
        _, brk, hexes, band = scale
        used = sorted({band(v) for v in present}) if len(present) else list(range(len(hexes)))
        for k in used:
            legend.append(f'<rect x="{_num(legend_x)}" y="{_num(y)}" width="14" height="12" fill="{hexes[k]}"/>')
            text = f"[{_fmt(brk[k], lfmt)}, {_fmt(brk[k + 1], lfmt)})"
            if class_labels is not None:
                text += f" {class_labels[k]}"
            legend.append(_text(legend_x + 20, y + 10.5, text, 11))
            y += 17
    else:
        _, lo, hi, cm = scale
        bar_h = 150.0
        stops = "".join(f'<stop offset="{k / 10:.1f}" stop-color="{mpl.colors.to_hex(cm(1 - k / 10))}"/>'
                        for k in range(11))
        legend.append(f'<defs><linearGradient id="{uid}-g" x1="0" y1="0" x2="0" y2="1">{stops}'
                      f"</linearGradient></defs>")
        legend.append(f'<rect x="{_num(legend_x)}" y="{_num(y)}" width="14" height="{_num(bar_h)}" '
                      f'fill="url(#{uid}-g)" stroke="#999" stroke-width="0.5"/>')
        ticks = mpl.ticker.MaxNLocator(5).tick_values(lo, hi)
        for t in ticks:
            if lo - 1e-12 <= t <= hi + 1e-12:
                ty = y + bar_h * (hi - t) / (hi - lo)
                legend.append(f'<line x1="{_num(legend_x + 14)}" x2="{_num(legend_x + 18)}" y1="{_num(ty)}" '
                              f'y2="{_num(ty)}" stroke="#333" stroke-width="0.8"/>')
                legend.append(_text(legend_x + 21, ty + 4, _fmt(t, lfmt), 11))
        y += bar_h + 10
    if unit:
        legend.append(_text(legend_x, y + 10, f"unit: {unit}", 11))
        y += 17
    if any_missing:
        legend.append(f'<rect x="{_num(legend_x)}" y="{_num(y)}" width="14" height="12" fill="url(#{uid}-nd)"/>')
        legend.append(_text(legend_x + 20, y + 10.5, NO_DATA_TEXT, 11))
        y += 17
    legend.append(_text(legend_x, y + 14, "Hover over or tap a city for its value.", 10.5, extra=' fill="#555"'))
    if with_scale_bar:
        km, length = scale_bar((xmin, xmax), (ymin, ymax), projection)
        y += 34
        bar_w = length * scale_xy
        legend += [f'<rect class="cc-scale-bar" data-km="{km}" x="{_num(legend_x)}" y="{_num(y)}" '
                   f'width="{_num(bar_w)}" height="3" fill="#000"/>',
                   _text(legend_x + bar_w / 2, y + 16, f"{km:,} km", 11, anchor="middle",
                         extra=' class="cc-scale-bar-label"')]
        y += 10
    height = max(top + map_h + 8, y + 24)
    head = _svg_open(width, height, title, "cc-choropleth")
    head.append(_text(8, 20, title, 14, extra=' font-weight="bold"'))
    return "\n".join(head + body + legend + ["</svg>"])


# ----------------------------------------------------------------------------- line chart
def svg_line_chart(frame: pd.DataFrame, x: str, y: str, series: str, *, title: str,
                   y_label: str, fmt: str = ".3f", x_label: str = "", x_fmt: str = "d",
                   colours: Mapping | None = None, dashed: Collection = (),
                   thick: Collection = (), series_labels: Mapping | None = None,
                   legend: bool = True, width: float = 760.0, height: float = 340.0,
                   y_zero: bool = False, x_range: tuple[float, float] | None = None) -> str:
    """A line chart with one line per series and a hover tooltip on every point.

    Every observed point is a circle holding a ``<title>`` "series, x: y", e.g.
    "Middle Yangtze 长江中游, 2019: 0.064". Points with a missing y are not drawn and the
    line is broken there (as in the static figures); hovering a line highlights it.

    Parameters
    ----------
    frame : DataFrame
        Long table: one row per (series, x).
    x, y, series : str
        Columns of the numeric x (e.g. year), the numeric y and the series key.
    title, y_label, x_label : str
        Chart title and axis labels.
    fmt, x_fmt : str
        Format specs of y and x in tooltips and tick labels.
    colours : mapping, optional
        Series key → colour (matplotlib colour spec); default: the Okabe–Ito palette in order.
    dashed, thick : collection
        Series keys drawn dashed or thick (e.g. a benchmark).
    series_labels : mapping, optional
        Series key → label shown in tooltip and legend (default: the key).
    legend : bool
        Draw a legend under the chart (turn off for small multiples with a shared legend,
        see :func:`svg_legend`).
    y_zero : bool
        Start the y axis at zero.
    x_range : (float, float), optional
        Range of the x axis (default: the data), e.g. to align small multiples.

    Returns
    -------
    str
        An ``<svg>`` element.

    Raises
    ------
    ValueError
        If a column is missing, the frame is empty, x or y is not numeric, the series key
        is missing, or a (series, x) pair occurs twice; the message names the column.
    """
    where = "svg_line_chart"
    _require_columns(frame, [y, x, series], where)
    ys = _numeric(frame, y, where)
    xs = _numeric(frame, x, where)
    if xs.isna().any():
        raise ValueError(f"{where}: column {x!r} is missing in rows {list(frame.index[xs.isna()][:5])}")
    if frame[series].isna().any():
        raise ValueError(f"{where}: column {series!r} is missing in rows {list(frame.index[frame[series].isna()][:5])}")
    dup = frame.assign(_x=xs).duplicated([series, "_x"], keep=False)
    if dup.any():
        raise ValueError(f"{where}: columns {series!r}/{x!r}: duplicated pairs in rows {list(frame.index[dup][:5])}")
    if ys.notna().sum() == 0:
        raise ValueError(f"{where}: column {y!r} has no value")
    keys = list(dict.fromkeys(frame[series]))
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000", "#F0E442"]
    colours = {k: mpl.colors.to_hex((colours or {}).get(k, palette[i % len(palette)]))
               for i, k in enumerate(keys)}
    labels = {k: str((series_labels or {}).get(k, k)) for k in keys}

    left, right, top = 62.0, 14.0, 34.0
    bottom = 40.0 if x_label else 26.0
    legend_rows = []
    if legend:
        legend_rows = _legend_rows(keys, labels, width - left - right)
    plot_h = height - top - bottom - 20.0 * len(legend_rows)
    plot_w = width - left - right
    x0, x1 = (float(xs.min()), float(xs.max())) if x_range is None else map(float, x_range)
    if x1 == x0:
        x0, x1 = x0 - 0.5, x1 + 0.5
    lo, hi = float(ys.min()), float(ys.max())
    if y_zero:
        lo = min(lo, 0.0)
    if hi == lo:
        lo, hi = lo - 0.5 * (abs(lo) or 1), hi + 0.5 * (abs(hi) or 1)
    margin = 0.05 * (hi - lo)
    lo, hi = (lo if y_zero and lo == 0 else lo - margin), hi + margin
    yticks = [t for t in mpl.ticker.MaxNLocator(5).tick_values(lo, hi) if lo <= t <= hi]
    integer_x = x_fmt in ("d", "")
    xticks = [t for t in mpl.ticker.MaxNLocator(7, steps=[1, 2, 2.5, 5, 10], integer=integer_x).tick_values(x0, x1) if x0 <= t <= x1]
    xpad = 0.02 * (x1 - x0)

    def px(v):
        return left + (v - x0 + xpad) / (x1 - x0 + 2 * xpad) * plot_w

    def py(v):
        return top + (hi - v) / (hi - lo) * plot_h

    def fx(v):
        return _fmt(int(round(v)), "d") if integer_x else _fmt(v, x_fmt)

    out = _svg_open(width, height, title, "cc-line-chart")
    out.append(_text(8, 20, title, 14, extra=' font-weight="bold"'))
    grid = []
    for t in yticks:
        grid.append(f'<line x1="{_num(left)}" x2="{_num(left + plot_w)}" y1="{_num(py(t))}" y2="{_num(py(t))}" '
                    f'stroke="#e3e3e3" stroke-width="0.8"/>')
        grid.append(_text(left - 6, py(t) + 4, _fmt(t, fmt if "%" in fmt else _tick_fmt(yticks)), 11, "end"))
    for t in xticks:
        grid.append(f'<line x1="{_num(px(t))}" x2="{_num(px(t))}" y1="{_num(top + plot_h)}" '
                    f'y2="{_num(top + plot_h + 4)}" stroke="#333" stroke-width="0.8"/>')
        grid.append(_text(px(t), top + plot_h + 16, fx(t), 11, "middle"))
    grid.append(f'<line x1="{_num(left)}" x2="{_num(left + plot_w)}" y1="{_num(top + plot_h)}" '
                f'y2="{_num(top + plot_h)}" stroke="#333" stroke-width="0.8"/>')
    if y_label:
        grid.append(_text(14, top + plot_h / 2, y_label, 11, "middle",
                          f' transform="rotate(-90 14 {_num(top + plot_h / 2)})"'))
    if x_label:
        grid.append(_text(left + plot_w / 2, top + plot_h + 32, x_label, 11, "middle"))
    out += grid
    out.append('<g class="cc-lines">')
    order = [k for k in keys if k not in thick] + [k for k in keys if k in thick]
    for key in order:
        block = frame.assign(_x=xs, _y=ys)[frame[series] == key].sort_values("_x")
        width_line = 3.0 if key in thick else 1.7
        dash = ' stroke-dasharray="6 3"' if key in dashed else ""
        segments, current = [], []
        for xv, yv in zip(block["_x"], block["_y"]):
            if pd.isna(yv):
                if current:
                    segments.append(current)
                current = []
            else:
                current.append((px(xv), py(yv)))
        if current:
            segments.append(current)
        d = "".join("M" + "L".join(f"{_num(a)} {_num(b)}" for a, b in seg) for seg in segments)
        out.append(f'<g class="cc-series"><path class="cc-line" d="{d}" fill="none" stroke="{colours[key]}" '
                   f'stroke-width="{width_line}"{dash} stroke-linejoin="round"/>')
        for xv, yv in zip(block["_x"], block["_y"]):
            if pd.isna(yv):
                continue
            tip = f"{labels[key]}, {fx(xv)}: {_fmt(yv, fmt)}"
            out.append(f'<circle class="cc-pt" tabindex="0" cx="{_num(px(xv))}" cy="{_num(py(yv))}" r="{2.9 if key in thick else 2.4}" '
                       f'fill="{colours[key]}" stroke="transparent" stroke-width="5">'
                       f"<title>{escape(tip)}</title></circle>")
        out.append("</g>")
    out.append("</g>")
    if legend_rows:
        ly = height - 20.0 * len(legend_rows) + 4
        out += _legend_svg(legend_rows, labels, colours, dashed, thick, left, ly)
    out.append("</svg>")
    return "\n".join(out)


def _tick_fmt(ticks: Sequence[float]) -> str:
    """Decimals enough to tell the ticks apart."""
    if len(ticks) < 2:
        return ".2f"
    step = abs(ticks[1] - ticks[0])
    decimals = max(0, -int(math.floor(math.log10(step))) if step > 0 else 2)
    return f",.{decimals}f"


def _legend_rows(keys, labels, avail: float, size: float = 11.0) -> list[list]:
    rows, row, used = [], [], 0.0
    for k in keys:
        w = 34 + _text_width(labels[k], size) + 18
        if row and used + w > avail:
            rows.append(row)
            row, used = [], 0.0
        row.append(k)
        used += w
    if row:
        rows.append(row)
    return rows


def _legend_svg(rows, labels, colours, dashed, thick, x0: float, y0: float, size: float = 11.0) -> list[str]:
    out = []
    for r, row in enumerate(rows):
        x, y = x0, y0 + 20.0 * r
        for k in row:
            dash = ' stroke-dasharray="6 3"' if k in dashed else ""
            out.append(f'<line x1="{_num(x)}" x2="{_num(x + 28)}" y1="{_num(y)}" y2="{_num(y)}" '
                       f'stroke="{colours[k]}" stroke-width="{3.0 if k in thick else 1.8}"{dash}/>')
            out.append(_text(x + 34, y + 4, labels[k], size))
            x += 34 + _text_width(labels[k], size) + 18
    return out


def svg_legend(entries: Sequence[tuple[str, str]], *, dashed: Collection = (), thick: Collection = (),
               width: float = 760.0) -> str:
    """A stand-alone line legend (label, colour) for small multiples drawn without legends."""
    labels = {label: label for label, _ in entries}
    colours = {label: mpl.colors.to_hex(c) for label, c in entries}
    rows = _legend_rows(list(labels), labels, width - 20)
    height = 20.0 * len(rows) + 8
    out = _svg_open(width, height, "legend", "cc-legend")
    out += _legend_svg(rows, labels, colours, set(dashed), set(thick), 10, 14)
    out.append("</svg>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- display
class InteractiveFigure:
    """Display object: inline SVG for HTML, a static PNG for LaTeX/PDF.

    Its MIME bundle has ``text/html`` (the SVG(s) in ``<div class="cc-interactive">``),
    ``image/png`` (the static figure, rendered once when the object is made) and
    ``text/plain`` (a one-line description).
    """

    def __init__(self, html: str, png: bytes | None, alt: str):
        self.html = html
        self.png = png
        self.alt = alt

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": self.html, "text/plain": self.alt}
        if self.png is not None:
            bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle

    def _repr_html_(self):
        return self.html

    @property
    def kilobytes(self) -> float:
        """Size of the HTML output in KB (what the page carries)."""
        return len(self.html.encode("utf-8")) / 1024


def interactive_figure(svg: str | Sequence[str], static_fig, *, columns: int = 2,
                       footer: str | None = None, alt: str | None = None) -> InteractiveFigure:
    """Wrap SVG figure(s) and a static matplotlib figure into one display object.

    Parameters
    ----------
    svg : str or sequence of str
        One ``<svg>`` element, or several laid out in a grid of ``columns`` columns (small
        multiples).
    static_fig : matplotlib.figure.Figure or None
        The static version for the PDF, rendered to PNG now, as every glued figure
        (:func:`cityclusters.figures.style.figure_png`), so the caller may close it.
        ``None`` leaves ``image/png`` out (the LaTeX builder then shows nothing).
    footer : str, optional
        An SVG shown under the grid across its full width (e.g. :func:`svg_legend`).
    alt : str, optional
        Plain-text description (``text/plain``); default: the SVGs' labels.

    Returns
    -------
    InteractiveFigure
    """
    svgs = [svg] if isinstance(svg, str) else list(svg)
    if not svgs or not all(isinstance(s, str) and s.lstrip().startswith("<svg") for s in svgs):
        raise ValueError("interactive_figure: svg must be an <svg> string or a list of them")
    if len(svgs) == 1:
        inner = svgs[0]
    else:
        inner = (f'<div style="display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));'
                 f'gap:6px">' + "".join(f"<div>{s}</div>" for s in svgs) + "</div>")
    if footer:
        inner += footer
    html = f'<div class="cc-interactive" style="max-width:100%;overflow-x:auto">{inner}</div>'
    png = None
    if static_fig is not None:
        png = figure_png(static_fig)
    if alt is None:
        names = re.findall(r'aria-label="([^"]*)"', html)
        alt = "Interactive figure (hover for values): " + "; ".join(n for n in names if n != "legend")
    return InteractiveFigure(html, png, alt)


# ----------------------------------------------------------------------------- book figures
def coordination_map(coordination: pd.DataFrame, cities, members: pd.DataFrame, year: int,
                     basemap=None) -> str:
    """Chapter 2: map of the coordination degree D of every member city in ``year``.

    ``coordination`` is ``ScoreResult.coordination`` (index city_code × year; columns D,
    grade, grade_en); ``cities`` is :func:`cityclusters.data.tables.cities`; ``members`` the
    membership rows of the chosen clusters. Cities without a score are shown as "no data".
    Colours are the ten grade bands of the static grade maps
    (:data:`cityclusters.figures.coordination.GRADE_COLOURS`).
    """
    from cityclusters.figures.coordination import GRADE_COLOURS
    from cityclusters.indicators.coupling import GRADE_BREAKS, GRADE_LABELS_ZH

    if year not in coordination.index.get_level_values("year"):
        raise ValueError(f"coordination_map: no coordination degree for year {year}")
    scored = coordination.xs(year, level="year")
    codes = list(dict.fromkeys(members["city_code"]))
    unit = cities[cities["city_code"].isin(codes)].copy()
    lost = sorted(set(codes) - set(unit["city_code"]))
    if lost:
        raise ValueError(f"coordination_map: member city_code {lost} not in the city table")
    unit["D"] = unit["city_code"].map(scored["D"])
    unit["label"] = unit["city_code"].map(city_label)
    unit["detail"] = unit["city_code"].map(scored["grade"].astype(str) + " " + scored["grade_en"].astype(str))
    provinces = basemap.dissolve("province_zh") if basemap is not None else None
    return svg_choropleth(unit, "D", "label", title=f"Coordination degree D 协调度, {year}", unit="",
                          fmt=".3f", legend_title="D, grade band 等级", detail_column="detail",
                          background=provinces, breaks=GRADE_BREAKS, colours=GRADE_COLOURS,
                          class_labels=GRADE_LABELS_ZH, legend_fmt=".1f")


def cluster_line_chart(frame: pd.DataFrame, value_column: str, *, title: str, y_label: str,
                       fmt: str = ".3f", benchmark: str | None = None, legend: bool = True,
                       width: float = 760.0, height: float = 360.0, y_zero: bool = False,
                       x_range: tuple[float, float] | None = None) -> str:
    """A :func:`svg_line_chart` of a cluster × year table (columns cluster_id, year, value)
    with the book's cluster colours and bilingual labels; unions dashed, ``benchmark`` thick."""
    _require_columns(frame, [value_column, "cluster_id", "year"], "cluster_line_chart")
    keys = list(dict.fromkeys(frame["cluster_id"]))
    return svg_line_chart(frame, "year", value_column, "cluster_id", title=title, y_label=y_label,
                          fmt=fmt, colours={c: CLUSTER_COLOURS.get(c, "#555555") for c in keys},
                          dashed=DASHED_CLUSTERS, thick={benchmark} if benchmark else set(),
                          series_labels={c: cluster_label(c) for c in keys}, legend=legend,
                          width=width, height=height, y_zero=y_zero, x_range=x_range)


def benchmark_dashboard(panel: pd.DataFrame, benchmark: str, static_fig) -> InteractiveFigure:
    """Chapter 10: the dashboard of :func:`cityclusters.figures.benchmarks.dashboard` as small
    multiples with hover values (one chart per measure, a shared legend)."""
    from cityclusters.analysis.benchmarks import MEASURES
    from cityclusters.figures.benchmarks import SHORT_TITLES, direction_label

    _require_columns(panel, ["value", "measure", "cluster_id", "year"], "benchmark_dashboard")
    charts = []
    years = (int(panel["year"].min()), int(panel["year"].max()))
    for m in MEASURES:
        sub = panel[(panel["measure"] == m.measure_id)]
        if sub["value"].notna().sum() == 0:
            continue
        sub = sub[sub["cluster_id"].isin(sub.loc[sub["value"].notna(), "cluster_id"])]
        charts.append(cluster_line_chart(
            sub, "value", title=f"{SHORT_TITLES.get(m.measure_id, m.label_en)} · {direction_label(m)}",
            y_label="", benchmark=benchmark, legend=False, width=420, height=230, x_range=years))
    keys = list(dict.fromkeys(panel["cluster_id"]))
    footer = svg_legend([(cluster_label(c) + (" (benchmark)" if c == benchmark else ""),
                          CLUSTER_COLOURS.get(c, "#555555")) for c in keys],
                        dashed={cluster_label(c) for c in keys if c in DASHED_CLUSTERS},
                        thick={cluster_label(benchmark) + " (benchmark)"})
    return interactive_figure(charts, static_fig, columns=2, footer=footer)
