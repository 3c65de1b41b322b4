"""Figures of chapter 4 (urban hierarchy and the "middle collapse").

Each function takes the tables of :mod:`cityclusters.analysis.hierarchy` and returns a matplotlib
Figure (the book style of :func:`cityclusters.figures.style.use_book_style` is assumed).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from cityclusters.config import cluster_label
from cityclusters.data.names import short_name
from cityclusters.figures.labels import place_labels
from cityclusters.figures.style import CLUSTER_COLOURS

#: Colours and markers for the start and end year of two-year comparisons.
YEAR_STYLE = (("#999999", "o", "--"), ("#0072B2", "s", "-"))
#: Clusters with fewer ranked cities than this get no confidence band in the trend figure
#: (their intervals span most of the axis and hide the other clusters).
BAND_MIN_CITIES = 10
#: Line styles per cluster (clusters sharing a colour, e.g. chengyu/chengyugui, stay distinct).
_DASHES = {"chengyugui": (0, (4, 2)), "yrd41": (0, (4, 2))}


def hierarchy_trends(table: pd.DataFrame, clusters: Sequence[str], measure_label: str):
    """Three panels over time, one line per cluster: S2, S4 and the OLS rank–size exponent q
    with its confidence band (dotted: the Gabaix–Ibragimov value 1/ζ). Reference lines at the
    rank–size values S2 = 2, S4 ≈ 1, q = 1. Clusters with a median of fewer than
    :data:`BAND_MIN_CITIES` ranked cities get no band."""
    fig, axes = plt.subplots(1, 3, figsize=(11.0, 3.9))
    panels = [("s2", "S2 = P1/P2 (两城市指数)", 2.0), ("s4", "S4 = P1/(P2+P3+P4) (四城市指数)", 1.0),
              ("q", "rank–size exponent q (Zipf 指数)", 1.0)]
    for ax, (column, title, reference) in zip(axes, panels):
        for cluster_id in clusters:
            sub = table[table["cluster_id"] == cluster_id].sort_values("year")
            colour = CLUSTER_COLOURS[cluster_id]
            style = _DASHES.get(cluster_id, "-")
            ax.plot(sub["year"], sub[column], color=colour, linestyle=style, linewidth=1.6,
                    label=cluster_label(cluster_id))
            if column == "q" and sub["n_cities"].median() >= BAND_MIN_CITIES:
                ax.fill_between(sub["year"], sub["q_low"], sub["q_high"], color=colour, alpha=0.12,
                                linewidth=0)
                ax.plot(sub["year"], sub["q_gi"], color=colour, linestyle=":", linewidth=1.0)
        ax.axhline(reference, color="black", linewidth=0.7, linestyle="--")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("year")
    axes[0].set_ylabel(f"index ({measure_label})")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8.5,
               frameon=False)
    fig.tight_layout(rect=(0, 0.06 + 0.05 * ((len(labels) - 1) // 4), 1, 1))
    return fig


def rank_size_plot(ranked: pd.DataFrame, table: pd.DataFrame, clusters: Sequence[str],
                   years: Sequence[int], unit: str):
    """Log rank against log size, one panel per cluster, for the start and end year, with the
    OLS rank–size line of each year; the two largest cities of the end year are labelled, clear
    of each other, the markers and the lines (:func:`cityclusters.figures.labels.place_labels`)."""
    n = len(clusters)
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.7 * ncols, 3.3 * nrows), squeeze=False)
    for ax, cluster_id in zip(axes.flat, clusters):
        for (colour, marker, line), year in zip(YEAR_STYLE, years):
            sub = ranked[(ranked["cluster_id"] == cluster_id) & (ranked["year"] == year)]
            fit = table[(table["cluster_id"] == cluster_id) & (table["year"] == year)]
            if sub.empty:
                continue
            ax.scatter(sub["size"], sub["rank"], s=14, color=colour, marker=marker, label=str(year),
                       zorder=3)
            if len(fit) and np.isfinite(fit["q"].iloc[0]):
                q = fit["q"].iloc[0]
                # ln P_r = ln P_1 - q ln r  ⇔  r = (P_1/P)^(1/q); draw through the fitted intercept
                ranks = np.arange(1, len(sub) + 1)
                p1 = np.exp(np.mean(np.log(sub["size"]) + q * np.log(sub["rank"])))
                ax.plot(p1 * ranks ** (-q), ranks, color=colour, linestyle=line, linewidth=1.0)
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain = FuncFormatter(lambda v, _: f"{v:,.0f}")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(NullFormatter())
        n_max = int(ranked.loc[ranked["cluster_id"] == cluster_id, "rank"].max())
        sizes = ranked.loc[ranked["cluster_id"] == cluster_id, "size"]
        decades = np.log10(sizes.max() / sizes.min())
        subs = (1.0, 2.0, 5.0) if decades < 1.3 else (1.0, 3.0) if decades < 2.2 else (1.0,)
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
        ax.tick_params(axis="x", labelsize=8)
        ax.set_yticks([r for r in ((1, 2, 3, 4, 5) if n_max < 10 else (1, 2, 5, 10, 20, 40)) if r <= n_max])
        ax.invert_yaxis()
        ax.set_title(cluster_label(cluster_id), fontsize=9.5)
        ax.set_xlabel(f"size ({unit}, log)")
        ax.set_ylabel("rank 位序 (log)")
        ax.legend(fontsize=7.5, loc="upper left")
    for ax in list(axes.flat)[n:]:
        ax.set_axis_off()
    fig.tight_layout()
    # labels last: they are placed in pixels of the final layout
    for ax, cluster_id in zip(axes.flat, clusters):
        last = ranked[(ranked["cluster_id"] == cluster_id) & (ranked["year"] == years[-1])].nsmallest(2, "rank")
        place_labels(ax, last["size"], last["rank"],
                     [f"{short_name(row.name_zh)} {row.name_pinyin}" for row in last.itertuples()])
    return fig


def second_tier_bars(table: pd.DataFrame, clusters: Sequence[str], year: int, measure_label: str):
    """Zipf ratios z_k = k·P_k/P_1 for ranks 2–5 in one year, grouped by cluster; the line at 1
    is the rank–size rule. Bars below 1 at ranks 3–5 are a thin second tier."""
    ranks = [2, 3, 4, 5]
    sub = table[(table["year"] == year) & table["cluster_id"].isin(clusters)].set_index("cluster_id")
    shown = [c for c in clusters if c in sub.index]
    fig, ax = plt.subplots(figsize=(max(7.6, 1.45 * len(shown) + 1.0), 3.9))
    width = 0.8 / len(ranks)
    x = np.arange(len(shown))
    greys = ["#cccccc", "#999999", "#666666", "#333333"]
    for i, k in enumerate(ranks):
        values = [sub.at[c, f"z{k}"] for c in shown]
        ax.bar(x + (i - 1.5) * width, values, width, color=greys[i], label=f"rank {k}")
    ax.axhline(1.0, color="#D55E00", linewidth=1.0, linestyle="--", label="rank–size rule")
    ax.set_xticks(x)
    from cityclusters.config import CLUSTERS

    ax.set_xticklabels([CLUSTERS[c][0].split("（")[0] + "\n" + textwrap.fill(CLUSTERS[c][1], 18, break_long_words=False)
                        for c in shown], fontsize=7.5)
    ax.set_ylabel(f"k·P_k / P_1 ({measure_label}, {year})")
    ax.legend(fontsize=8, ncol=5, loc="upper left", frameon=False)
    ax.set_ylim(0, max(2.2, float(np.nanmax(sub[[f"z{k}" for k in ranks]].to_numpy())) * 1.15))
    fig.tight_layout()
    return fig


def corridor_profiles(profile: pd.DataFrame, corridors: pd.DataFrame, years: Sequence[int]):
    """GDP per capita along each corridor relative to the mean of its two ends (= 1), for the
    start and end year; x is the order of the cities along the line."""
    ids = list(dict.fromkeys(corridors["corridor_id"]))
    ncols = min(2, len(ids))
    nrows = int(np.ceil(len(ids) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.4 * ncols, 3.2 * nrows), squeeze=False)
    for ax, corridor_id in zip(axes.flat, ids):
        meta = corridors[corridors["corridor_id"] == corridor_id]
        for (colour, marker, line), year in zip(YEAR_STYLE, years):
            sub = profile[(profile["corridor_id"] == corridor_id) & (profile["year"] == year)]
            ax.plot(sub["order"], sub["relative_to_ends"], color=colour, marker=marker,
                    linestyle=line, label=str(year))
        ax.axhline(1.0, color="black", linewidth=0.6, linestyle=":")
        ax.set_xticks(meta["order"])
        names = profile.drop_duplicates("city_code").set_index("city_code")
        ax.set_xticklabels([f"{short_name(names.at[c, 'name_zh'])}\n{names.at[c, 'name_pinyin']}"
                            for c in meta["city_code"]], fontsize=8)
        ax.set_title(f"{meta['corridor_zh'].iloc[0]}\n{meta['corridor_en'].iloc[0]}", fontsize=9)
        ax.set_ylabel("GDP per capita / mean of ends")
        ax.set_ylim(0, max(1.5, float(np.nanmax(profile["relative_to_ends"])) * 1.08))
        ax.legend(fontsize=8, loc="lower center", ncol=2)
    for ax in list(axes.flat)[len(ids):]:
        ax.set_axis_off()
    fig.tight_layout()
    return fig
