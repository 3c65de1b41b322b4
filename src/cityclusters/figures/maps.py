"""Maps shared by several chapters: clusters over the census base map, labelled cities.

Maps are drawn in an Albers equal-area projection for China
(:data:`cityclusters.config.CHINA_ALBERS`: standard parallels 25° N and 47° N, central
meridian 105° E).
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from cityclusters.config import CHINA_ALBERS, CLUSTERS, CORE_CITIES, UNIONS
from cityclusters.figures.style import CLUSTER_COLOURS

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
    colour. The frame is the members' bounding box plus ``pad``. Returns legend handles.
    """

    base = basemap.to_crs(CHINA_ALBERS)
    cit = cities[cities.geometry.notna()].to_crs(CHINA_ALBERS)
    base.plot(ax=ax, color="#e9e9e9", edgecolor="white", linewidth=0.4)
    handles, selected = [], np.zeros(len(cit), dtype=bool)
    for cluster_id, text in layers:
        mask = cit[f"in_{cluster_id}"].to_numpy()
        selected |= mask
        colour = CLUSTER_COLOURS[cluster_id]
        cit[mask].plot(ax=ax, color=colour, edgecolor="white", linewidth=0.5)
        handles.append(mpl.patches.Patch(facecolor=colour, edgecolor="white", label=text))
    last_colour = CLUSTER_COLOURS[layers[-1][0]]
    part = cit[cit["city_code"].isin(partial_codes or set()) & selected]
    if len(part):
        part.plot(ax=ax, facecolor="none", edgecolor="white", hatch="///", linewidth=0)
        handles.append(mpl.patches.Patch(facecolor="#bbbbbb", edgecolor="white", hatch="///",
                                         label="plan covers part of the unit"))
    extra = base[base["name_zh"].isin(county_members or [])]
    if len(extra):
        extra.plot(ax=ax, color=last_colour, alpha=0.45, edgecolor="white", linewidth=0.4)
        handles.append(mpl.patches.Patch(facecolor=last_colour, alpha=0.45,
                                         label="county-level member (not in panel)"))
    xmin, ymin, xmax, ymax = cit[selected].total_bounds
    span = max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad * span, xmax + pad * span)
    ax.set_ylim(ymin - pad * span, ymax + pad * span)
    label_cities(ax, cities, label_codes)
    ax.set_axis_off()
    ax.set_aspect("equal")
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
        layers = [(c, f"{CLUSTERS[c][0]} {CLUSTERS[c][1]} ({counts.get(c, 0)})") for c in ids]
        codes = sorted({code for c in ids for code in CORE_CITIES[c]})
        county = [n for c in ids for n in (county_members or {}).get(c, [])]
        handles = cluster_panel(ax, cities, basemap, layers, codes, title, partial, county)
        ax.legend(handles=handles, loc="lower left", fontsize=7.5, framealpha=0.9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig
