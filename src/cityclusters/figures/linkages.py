"""Figures of chapter 5 (linkages and time–space distance): link maps, share paths, timeline."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.config import CHINA_ALBERS
from cityclusters.figures.maps import add_scale_bar, plot_geometries
from cityclusters.figures.plotted_data import attach_data
from cityclusters.figures.style import CLUSTER_COLOURS


def _project(coords: pd.DataFrame) -> pd.DataFrame:
    points = gpd.GeoSeries(gpd.points_from_xy(coords["lon"], coords["lat"]), crs="EPSG:4326",
                           index=coords.index).to_crs(CHINA_ALBERS)
    return pd.DataFrame({"x": points.x, "y": points.y}, index=coords.index)


def link_maps(panels: list[dict], basemap: gpd.GeoDataFrame, cities: gpd.GeoDataFrame,
              coords: pd.DataFrame, ncols: int = 2):
    """Small multiples: for each cluster, its strongest gravity links as lines between city
    centres (width ∝ linkage / strongest), on the grey census base map.

    ``panels`` items: ``title``, ``cluster_id``, ``links`` (from
    :func:`cityclusters.analysis.linkages.strongest_links`), ``members`` (city codes) and
    ``cores`` (codes labelled in 汉字 + pinyin). ``coords``: lon/lat by ``city_code``. Each
    panel has a scale bar in km.
    """
    n = len(panels)
    ncols = min(ncols, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 4.8 * nrows), squeeze=False)
    # GeoDataFrame.plot redraws the whole figure after each call (canvas.draw_idle); with many
    # panels that is most of the time spent, so the figure is drawn once, when it is shown
    redraw, fig.canvas.draw_idle = fig.canvas.draw_idle, lambda *args, **kwargs: None
    base = basemap.to_crs(CHINA_ALBERS)
    cit = cities[cities.geometry.notna()].to_crs(CHINA_ALBERS)
    xy = _project(coords)
    names = cities.set_index("city_code")
    for ax, panel in zip(axes.flat, panels):
        colour = CLUSTER_COLOURS.get(panel["cluster_id"], "#0072B2")
        members = cit[cit["city_code"].isin(panel["members"])]
        xmin, ymin, xmax, ymax = members.total_bounds
        span = max(xmax - xmin, ymax - ymin)
        # only the units near the panel: drawing all of China in every panel is slow
        near = base.cx[xmin - 0.3 * span:xmax + 0.3 * span, ymin - 0.3 * span:ymax + 0.3 * span]
        plot_geometries(near, ax, color="#ececec", edgecolor="white", linewidth=0.4)
        plot_geometries(members, ax, color=colour, alpha=0.25, edgecolor="white", linewidth=0.5)
        for link in panel["links"].itertuples():
            a, b = xy.loc[link.code_a], xy.loc[link.code_b]
            ax.plot([a.x, b.x], [a.y, b.y], color="#333333", linewidth=0.4 + 4.6 * link.relative,
                    alpha=0.75, solid_capstyle="round", zorder=3)
        shown = [c for c in panel["members"] if c in xy.index]
        ax.scatter(xy.loc[shown, "x"], xy.loc[shown, "y"], s=6, color="black", zorder=4)
        for code in panel["cores"]:
            if code not in xy.index:
                continue
            ax.annotate(f"{names.at[code, 'name_short_zh']}\n{names.at[code, 'name_pinyin']}",
                        (xy.at[code, "x"], xy.at[code, "y"]), xytext=(4, 3), textcoords="offset points",
                        fontsize=8, linespacing=0.95, zorder=5,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
        ax.set_xlim(xmin - 0.06 * span, xmax + 0.06 * span)
        ax.set_ylim(ymin - 0.06 * span, ymax + 0.06 * span)
        ax.set_aspect("equal")
        ax.set_axis_off()
        add_scale_bar(ax)
        ax.set_title(panel["title"], fontsize=10.5)
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    fig.canvas.draw_idle = redraw
    fig.tight_layout()
    return attach_data(fig, link_data(panels, names["name_short_zh"]))


def link_data(panels: list[dict], names: pd.Series) -> pd.DataFrame:
    """The links the maps of :func:`link_maps` draw, one row per link and panel, with the cities'
    names (``names``: short Chinese name by city code): the figure's data."""
    columns = ["panel", "code_a", "city_a", "code_b", "city_b", "linkage", "relative"]
    frames = [panel["links"].assign(panel=panel["title"]) for panel in panels if len(panel["links"])]
    if not frames:
        return pd.DataFrame(columns=columns)
    links = pd.concat(frames, ignore_index=True)
    links["city_a"] = links["code_a"].map(names)
    links["city_b"] = links["code_b"].map(names)
    return links[[c for c in columns if c in links]]  # a panel may lack "relative"


def share_paths(shares: pd.DataFrame, openings: pd.DataFrame, labels: dict[str, str],
                column: str = "core_endpoint_share"):
    """Cores' share of gravity linkage by year, one panel per cluster, great-circle (dashed)
    and travel-time (solid) distance; vertical lines mark the rail openings of ``openings``
    (``date``, ``label``) that concern the cluster (``cluster_id``)."""
    clusters = list(dict.fromkeys(shares["cluster_id"]))
    fig, axes = plt.subplots(1, len(clusters), figsize=(4.6 * len(clusters), 3.6), squeeze=False,
                             sharey=True)
    for ax, cluster_id in zip(axes.flat, clusters):
        sub = shares[shares["cluster_id"] == cluster_id]
        colour = CLUSTER_COLOURS.get(cluster_id, "#0072B2")
        for distance, style, text in (("great_circle", "--", "great-circle km"),
                                      ("travel_time", "-", "rail travel time")):
            line = sub[sub["distance"] == distance].sort_values("year")
            if len(line):
                ax.plot(line["year"], line[column], style, color=colour, linewidth=1.8, label=text)
        # numbered markers with a key below the panel: rotated labels of close openings overlap
        key = []
        for event in openings[openings["cluster_id"] == cluster_id].itertuples():
            year = pd.Timestamp(event.date).year + (pd.Timestamp(event.date).dayofyear / 366)
            if sub["year"].min() <= year <= sub["year"].max() + 1:
                number = len(key) + 1
                ax.axvline(year, color="grey", linewidth=0.7, linestyle=":")
                ax.text(year, 1.0 - 0.07 * ((number - 1) % 2), str(number), fontsize=7.5,
                        color="#333333", transform=ax.get_xaxis_transform(), ha="center", va="top",
                        bbox={"boxstyle": "circle,pad=0.15", "facecolor": "white", "edgecolor": "grey",
                              "linewidth": 0.5})
                key.append(f"{number} {event.label}")
        if key:
            lines = ["   ".join(key[i:i + 2]) for i in range(0, len(key), 2)]
            ax.text(0.0, -0.22, "\n".join(lines), transform=ax.transAxes, fontsize=7.5,
                    color="#333333", va="top", ha="left")
        ax.set_title(labels.get(cluster_id, cluster_id), fontsize=10.5)
        ax.set_xlabel("year")
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    axes.flat[0].set_ylabel("cores' share of linkage 核心城市联系份额")
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def opening_timeline(openings: pd.DataFrame, first_year: int, last_year: int):
    """Timeline of rail openings: one row per event (``date``, ``label``, ``cluster_id``),
    coloured by cluster, with the reported fastest time where typed (``travel_time_h``)."""
    frame = openings.sort_values("date").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(7.6, 0.32 * len(frame) + 1.0))
    for k, event in enumerate(frame.itertuples()):
        date = pd.Timestamp(event.date)
        key = {"yrd": "yrd26"}.get(event.cluster_id, event.cluster_id)
        colour = CLUSTER_COLOURS.get(key, "#777777") if isinstance(key, str) else "#777777"
        ax.plot(date, k, "o", color=colour, markersize=6)
        text = event.label + (f"  {event.travel_time_h:.2f} h" if pd.notna(event.travel_time_h) else "")
        ax.text(date, k, "  " + text, va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.8, len(frame) - 0.2)
    ax.set_xlim(pd.Timestamp(f"{first_year}-01-01"), pd.Timestamp(f"{last_year + 4}-12-31"))
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("opening date 开通日期")
    ax.invert_yaxis()
    fig.tight_layout()
    return fig


def validation_scatter(table: pd.DataFrame):
    """Modelled vs reported travel time (hours), one point per opening, 45° line."""
    fig, ax = plt.subplots(figsize=(4.8, 4.4))
    top = max(table["reported_h"].max(), table["modelled_h"].max()) * 1.1
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=0.8)
    ax.scatter(table["reported_h"], table["modelled_h"], color="#0072B2", zorder=3)
    for row in table.itertuples():
        ax.annotate(row.pair, (row.reported_h, row.modelled_h), xytext=(4, -3),
                    textcoords="offset points", fontsize=7.5)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("reported fastest time, h 报道最快用时")
    ax.set_ylabel("modelled time, h 模型用时")
    fig.tight_layout()
    return fig
