"""Maps shared by several chapters: clusters over the census base map, labelled cities, and
the scale bar of every map of the book.

Maps are drawn in an Albers equal-area projection for China
(:data:`cityclusters.config.CHINA_ALBERS`: standard parallels 25° N and 47° N, central
meridian 105° E, coordinates in metres), so a length on the map is a length in metres and
every map gets a scale bar in km (:func:`add_scale_bar`).
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from cityclusters.config import CHINA_ALBERS, CLUSTERS, CORE_CITIES, UNIONS
from cityclusters.figures.style import CLUSTER_COLOURS, cluster_member_label

#: Lengths a scale bar may have (km): round numbers.
SCALE_BAR_KM = (10, 20, 50, 100, 200, 500, 1000, 2000)
#: Longest share of the map's width a scale bar may take.
SCALE_BAR_SHARE = 0.3


def plot_geometries(geometries, ax, **style):
    """``geometries.plot(ax=ax, **style)`` (a GeoDataFrame or GeoSeries), drawn once at save.

    geopandas ends every ``plot`` with ``canvas.draw_idle()``, and the non-interactive canvases
    the book renders on (Agg, the notebooks' inline backend) answer it with a full draw of the
    figure: a figure of n map layers was drawn n times before it was saved (half of chapter
    2's time went into its grade maps). The figure's pixels are the same either way: the
    layers are drawn when the figure is saved.
    """
    canvas = ax.figure.canvas
    canvas.draw_idle = _skip_draw
    try:
        return geometries.plot(ax=ax, **style)
    finally:
        del canvas.draw_idle


def _skip_draw(*args, **kwargs) -> None:
    return None


def scale_bar_km(width_km: float, share: float = SCALE_BAR_SHARE) -> int:
    """The longest length of :data:`SCALE_BAR_KM` that is at most ``share`` of a map
    ``width_km`` wide (the shortest one for a map narrower than that).

    >>> scale_bar_km(1000), scale_bar_km(400), scale_bar_km(90)
    (200, 100, 20)
    """
    fitting = [km for km in SCALE_BAR_KM if km <= share * width_km]
    return fitting[-1] if fitting else SCALE_BAR_KM[0]


def parallel_scale(x: float, y: float, projection: str = CHINA_ALBERS) -> float:
    """Map length per ground length along the parallel through the projected point (x, y):
    the Albers projection is exact on its standard parallels (25° N, 47° N) and about 1–2 %
    short between them, so a scale bar is drawn at the scale of its map's centre."""
    import pyproj

    lon, lat = pyproj.Transformer.from_crs(projection, "EPSG:4326", always_xy=True).transform(x, y)
    return float(pyproj.Proj(projection).get_factors(lon, lat).parallel_scale)


def scale_bar(xlim: tuple[float, float], ylim: tuple[float, float],
              projection: str = CHINA_ALBERS) -> tuple[int, float]:
    """The scale bar of a map with these limits (projected metres): its length in km
    (:func:`scale_bar_km` of the map's width) and in map metres at the map's centre
    (:func:`parallel_scale`). Every map of the book, static or interactive, takes its bar
    from here.

    Raises
    ------
    ValueError
        If ``projection`` is not in metres (a scale bar on a longitude–latitude map would lie).
    """
    import pyproj

    units = {axis.unit_name for axis in pyproj.CRS(projection).axis_info}
    if units != {"metre"}:
        raise ValueError(f"scale_bar: the map's projection is in {sorted(units)}, not metres: {projection!r}")
    km = scale_bar_km(abs(xlim[1] - xlim[0]) / 1000.0)
    return km, km * 1000.0 * parallel_scale(sum(xlim) / 2, sum(ylim) / 2, projection)


class ScaleBar(AnchoredSizeBar):
    """A horizontal scale bar of ``km`` kilometres under a map, labelled "``km`` km"."""

    def __init__(self, ax, fontsize: float):
        self.km, self.length_m = scale_bar(ax.get_xlim(), ax.get_ylim())
        self.label = f"{self.km:,} km"
        ymin, ymax = ax.get_ylim()
        super().__init__(ax.transData, self.length_m, self.label, loc="upper right", pad=0.1,
                         borderpad=0.0, sep=2, frameon=False, size_vertical=0.006 * abs(ymax - ymin),
                         fontproperties={"size": fontsize}, bbox_to_anchor=(1.0, 0.0),
                         bbox_transform=ax.transAxes)


def add_scale_bar(ax, fontsize: float = 7.5) -> ScaleBar:
    """Put a scale bar in km under the lower right corner of the map ``ax`` (outside the
    frame, so it hides nothing), of a round length (:func:`scale_bar_km`) for the map's width.
    Call it after the map's limits are set. Returns the bar (an artist of ``ax``)."""
    bar = ScaleBar(ax, fontsize)
    bar.set_clip_on(False)  # drawn below the frame, and counted by tight_layout
    ax.add_artist(bar)
    return bar


#: Map panels: title and the clusters drawn in it (larger cluster first).
MAP_PANELS = (
    ("成渝贵 Chengdu–Chongqing–Guiyang", ("chengyu", "qianzhong")),
    ("长江中游 Middle Yangtze", ("middle_yangtze",)),
    ("长三角 Yangtze River Delta", ("yrd41", "yrd26")),
    ("京津冀 Beijing–Tianjin–Hebei", ("jingjinji",)),
)


def cluster_panel(ax, cities, basemap, layers: list[tuple[str, str]], label_codes: list[int],
                  title: str, partial_codes: set[int] | None = None,
                  county_members: list[str] | None = None, pad: float = 0.08) -> list:
    """Draw one cluster on ``ax``: the census base map in grey, member polygons in colour.

    ``layers`` is a list of (cluster id, legend text) drawn in order (draw a larger cluster
    first, e.g. the YRD's 41 cities, then the 26). Units in ``partial_codes`` (a plan
    includes only part of them) are hatched; census units named in ``county_members``
    (county-level plan members, e.g. 仙桃) are drawn in a light shade of the last layer's
    colour. The frame is the members' bounding box plus ``pad``; a scale bar in km goes under
    it. Returns legend handles.
    """

    base = basemap.to_crs(CHINA_ALBERS)
    cit = cities[cities.geometry.notna()].to_crs(CHINA_ALBERS)
    plot_geometries(base, ax, color="#e9e9e9", edgecolor="white", linewidth=0.4)
    handles, selected = [], np.zeros(len(cit), dtype=bool)
    for cluster_id, text in layers:
        mask = cit[f"in_{cluster_id}"].to_numpy()
        selected |= mask
        colour = CLUSTER_COLOURS[cluster_id]
        plot_geometries(cit[mask], ax, color=colour, edgecolor="white", linewidth=0.5)
        handles.append(mpl.patches.Patch(facecolor=colour, edgecolor="white", label=text))
    last_colour = CLUSTER_COLOURS[layers[-1][0]]
    part = cit[cit["city_code"].isin(partial_codes or set()) & selected]
    if len(part):
        plot_geometries(part, ax, facecolor="none", edgecolor="white", hatch="///", linewidth=0)
        handles.append(mpl.patches.Patch(facecolor="#bbbbbb", edgecolor="white", hatch="///",
                                         label="plan covers part of the unit"))
    extra = base[base["name_zh"].isin(county_members or [])]
    if len(extra):
        plot_geometries(extra, ax, color=last_colour, alpha=0.45, edgecolor="white", linewidth=0.4)
        handles.append(mpl.patches.Patch(facecolor=last_colour, alpha=0.45,
                                         label="county-level member (not in panel)"))
    xmin, ymin, xmax, ymax = cit[selected].total_bounds
    span = max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad * span, xmax + pad * span)
    ax.set_ylim(ymin - pad * span, ymax + pad * span)
    label_cities(ax, cities, label_codes)
    ax.set_axis_off()
    ax.set_aspect("equal")
    add_scale_bar(ax)
    ax.set_title(title, fontsize=11)
    return handles


def label_cities(ax, cities, label_codes, fontsize: float = 8, markersize: float = 3.2,
                 alpha: float = 0.8) -> None:
    """Mark and label cities (汉字 over pinyin) at their centres on an Albers map axis."""
    import geopandas as gpd

    points = cities[cities["city_code"].isin(label_codes)].dropna(subset=["lon", "lat"])
    pts = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["lon"], points["lat"]),
                           crs="EPSG:4326").to_crs(CHINA_ALBERS)
    for row in pts.itertuples():
        ax.plot(row.geometry.x, row.geometry.y, "o", color="black", markersize=markersize)
        ax.annotate(f"{row.name_short_zh}\n{row.name_pinyin}", (row.geometry.x, row.geometry.y),
                    xytext=(4, 2), textcoords="offset points", fontsize=fontsize, linespacing=0.95,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": alpha})


def cluster_map(cities, basemap, members, cluster_ids, county_members=None):
    """Small multiples: one panel per group of :data:`MAP_PANELS` that holds a selected cluster.

    ``members`` is :func:`cityclusters.data.tables.clusters` (for member counts and the partial
    flags); ``county_members`` maps cluster id → census names of county-level plan members.
    ``chengyugui`` selects both Chengdu–Chongqing and Qianzhong.
    """
    selected = set()
    for cluster_id in cluster_ids:
        selected.update(UNIONS.get(cluster_id, (cluster_id,)))
    panels = [(title, [c for c in ids if c in selected]) for title, ids in MAP_PANELS]
    panels = [(title, ids) for title, ids in panels if ids]
    if not panels:
        raise ValueError(f"cluster_map: none of {list(cluster_ids)} can be mapped; use ids of {list(CLUSTERS)}")
    counts = members.groupby("cluster_id")["city_code"].nunique()
    partial = set(members.loc[members["partial"] & members["cluster_id"].isin(selected), "city_code"])
    ncols = 2 if len(panels) > 1 else 1
    nrows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 4.9 * nrows), squeeze=False)
    for ax, (title, ids) in zip(axes.flat, panels):
        layers = [(c, cluster_member_label(c, counts.get(c, 0))) for c in ids]
        codes = sorted({code for c in ids for code in CORE_CITIES[c]})
        county = [n for c in ids for n in (county_members or {}).get(c, [])]
        handles = cluster_panel(ax, cities, basemap, layers, codes, title, partial, county)
        ax.legend(handles=handles, loc="lower left", fontsize=7.5, framealpha=0.9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig
