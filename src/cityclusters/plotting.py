"""Figures and tables for the book: one style, Chinese text rendered with Noto CJK.

Every chapter calls :func:`use_book_style` once. Maps are drawn in an Albers equal-area
projection for China (standard parallels 25° N and 47° N, central meridian 105° E).
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown

#: Albers equal-area conic for China.
CHINA_ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

#: One colour per cluster, colour-blind safe (Okabe–Ito).
CLUSTER_COLOURS = {
    "chengyu": "#E69F00",
    "qianzhong": "#D55E00",
    "chengyugui": "#E69F00",
    "yrd26": "#0072B2",
    "yrd41": "#56B4E9",
    "middle_yangtze": "#009E73",
    "jingjinji": "#CC79A7",
}


def use_book_style() -> None:
    """Matplotlib settings of the book: Noto Sans CJK SC for Chinese, readable sizes."""
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": ["Noto Sans CJK SC", "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "figure.figsize": (7.5, 5.0),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 10.5,
            "legend.fontsize": 9,
            "xtick.labelsize": 9.5,
            "ytick.labelsize": 9.5,
            "svg.hashsalt": "cityclusters",  # reproducible SVG ids
        }
    )


def bilingual(name_zh: str, pinyin: str) -> str:
    """Label a place as 汉字 (pinyin), the book's convention."""
    return f"{name_zh} ({pinyin})"


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
    import geopandas as gpd

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


#: Map panels: title and the clusters drawn in it (larger cluster first).
MAP_PANELS = (
    ("成渝贵 Chengdu–Chongqing–Guiyang", ("chengyu", "qianzhong")),
    ("长江中游 Middle Yangtze", ("middle_yangtze",)),
    ("长三角 Yangtze River Delta", ("yrd41", "yrd26")),
    ("京津冀 Beijing–Tianjin–Hebei", ("jingjinji",)),
)


def cluster_label(cluster_id: str) -> str:
    """Bilingual cluster label for figures and tables, e.g. '长三角城市群 Yangtze River Delta (26)'
    (the Chinese name without its parenthesised count)."""
    from .tables import CLUSTERS

    zh, en = CLUSTERS[cluster_id]
    return f"{zh.split('（')[0]} {en}"


@lru_cache(maxsize=1)
def _city_names() -> pd.DataFrame:
    from .tables import cities

    return pd.DataFrame(cities()).set_index("city_code")[["name_short_zh", "name_pinyin"]]


def city_label(code: int) -> str:
    """Bilingual city label '成都 (Chengdu)' from the city table, by ``city_code``."""
    names = _city_names()
    return bilingual(names.at[code, "name_short_zh"], names.at[code, "name_pinyin"])


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

    ``members`` is :func:`cityclusters.tables.clusters` (for member counts and the partial
    flags); ``county_members`` maps cluster id → census names of county-level plan members.
    ``chengyugui`` selects both Chengdu–Chongqing and Qianzhong.
    """
    from .tables import CLUSTERS, CORE_CITIES, UNIONS

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


def agreement_scatter(matched: pd.DataFrame, tolerance: float, xlabel: str, ylabel: str):
    """Log–log scatter of two sources' values with the 45° line; points outside the tolerance
    are highlighted. ``matched`` comes from :func:`cityclusters.compare.source_agreement`."""
    fig, ax = plt.subplots(figsize=(6.2, 5.6))
    inside = matched[matched["within"]]
    outside = matched[~matched["within"]]
    ax.scatter(inside["value_panel"], inside["value_other"], s=6, alpha=0.35, color="#0072B2",
               label=f"within ±{tolerance:.1%} ({len(inside):,})")
    ax.scatter(outside["value_panel"], outside["value_other"], s=12, alpha=0.8, color="#D55E00",
               label=f"outside ({len(outside):,})")
    low = min(matched["value_panel"].min(), matched["value_other"].min()) * 0.8
    high = max(matched["value_panel"].max(), matched["value_other"].max()) * 1.2
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def markdown_table(frame: pd.DataFrame, formats: dict[str, str] | None = None,
                   index: bool = False) -> Markdown:
    """A DataFrame as a Markdown table (rendered as a real table in HTML and PDF).

    ``formats`` maps column → format spec (e.g. ``{"share": "{:.1%}"}``); missing values
    are shown as an en dash.
    """
    formats = formats or {}
    shown = frame.copy()
    for column in shown.columns:
        spec = formats.get(column)
        shown[column] = [
            "–" if (value is None or (isinstance(value, float) and np.isnan(value)))
            else (spec.format(value) if spec else str(value))
            for value in shown[column]
        ]
    return Markdown(shown.to_markdown(index=index, disable_numparse=True))
