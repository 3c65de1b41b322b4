"""Figures of chapter 10 (benchmarks against the Yangtze River Delta): the small-multiple
dashboard of all measures and the "years behind" heat table.

Inputs are the tidy tables of :mod:`cityclusters.analysis.benchmarks`; every function returns a
matplotlib Figure (call :func:`cityclusters.figures.style.use_book_style` first).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgba

from cityclusters.analysis.benchmarks import MEASURES, Measure
from cityclusters.config import CLUSTERS
from cityclusters.figures.style import CLUSTER_COLOURS

#: Short bilingual panel titles.
SHORT_TITLES = {
    "coordination_d": "Coordination D 耦合协调度",
    "theil": "Theil (pop.-weighted) 泰尔指数",
    "cv": "CV of GDP per head 变异系数",
    "primacy_s2": "Primacy S2 首位度",
    "rank_size_q": "Rank–size q 位序-规模",
    "core_share": "Core share of linkage 核心联系份额",
    "similarity": "Structure similarity 结构相似",
    "krugman": "Krugman index 专业化指数",
}
#: Column labels of the heat table (English / Chinese on two lines).
HEAT_LABELS = {
    "coordination_d": "Coordination D\n耦合协调度",
    "theil": "Theil\n泰尔指数",
    "cv": "CV\n变异系数",
    "primacy_s2": "Primacy S2\n首位度",
    "rank_size_q": "Rank–size q\n位序-规模",
    "core_share": "Core share\n核心联系份额",
    "similarity": "Similarity\n结构相似",
    "krugman": "Krugman\n专业化指数",
}
#: Clusters sharing a colour with another are told apart by a dashed line.
_DASHED = {"chengyugui", "yrd41"}


def direction_label(m: Measure) -> str:
    if m.better is None:
        return "no direction"
    return f"{m.better} = better" + (" (contested)" if m.contested else "")


def cluster_style(cluster: str, benchmark: str) -> dict:
    """Line style of a cluster: book colour, dashed for unions, thick for the benchmark."""
    return {"color": CLUSTER_COLOURS.get(cluster, "#555555"),
            "linestyle": "--" if cluster in _DASHED else "-",
            "linewidth": 2.6 if cluster == benchmark else 1.4,
            "zorder": 3 if cluster == benchmark else 2}


def dashboard(panel: pd.DataFrame, benchmark: str, measures: Sequence[Measure] = MEASURES):
    """One panel per measure (value by year), one line per cluster, the benchmark thick.

    Panel titles give the measure and the direction in which coordination improves
    ("higher = better", "lower = better", "(contested)", or "no direction").
    """
    shown = [m for m in measures if m.measure_id in set(panel["measure"])]
    if not shown:
        raise ValueError("panel (benchmark_panel): none of the measures has a value")
    cols = 2 if len(shown) > 1 else 1
    rows = int(np.ceil(len(shown) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(7.5, 0.9 + 2.05 * rows), squeeze=False)
    clusters = list(dict.fromkeys(panel["cluster_id"]))
    years = panel["year"]
    for ax, m in zip(axes.ravel(), shown):
        sub = panel[panel["measure"] == m.measure_id]
        for cluster in clusters:
            line = sub[sub["cluster_id"] == cluster].sort_values("year")
            if line["value"].notna().any():
                ax.plot(line["year"], line["value"], **cluster_style(cluster, benchmark))
        ax.set_title(f"{SHORT_TITLES.get(m.measure_id, m.label_en)}\n{direction_label(m)}", loc="left",
                     fontsize=9.5)
        ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    for ax in axes.ravel()[len(shown):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], **cluster_style(c, benchmark)) for c in clusters]
    labels = [f"{CLUSTERS[c][1]} {CLUSTERS[c][0].split('（')[0]}" + (" (benchmark)" if c == benchmark else "")
              for c in clusters]
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8.5, frameon=False)
    legend_rows = int(np.ceil(len(clusters) / 2))
    fig.tight_layout(rect=(0, 0.035 * legend_rows + 0.01, 1, 1), h_pad=0.8)
    return fig


def years_behind_heat(table: pd.DataFrame, benchmark: str, measures: Sequence[Measure] = MEASURES):
    """Heat table: clusters (rows) × measures with a direction (columns); each cell shows how
    many years ago the benchmark first reached the cluster's value ("≥ n" when the benchmark
    was already there in the first year of data, "ahead", "level" or "–").

    Colour: white to dark orange with the number of years; green when ahead; grey when there
    are no data. Contested directions are marked * in the column label.
    """
    if table.empty:
        fig, ax = plt.subplots(figsize=(5.0, 1.0))
        ax.axis("off")
        ax.text(0.5, 0.5, "no cluster besides the benchmark to compare", ha="center", va="center")
        return fig
    cols = [m for m in measures if m.measure_id in set(table["measure"])]
    rows = list(dict.fromkeys(table["cluster_id"]))
    top = max(float(table["years"].max()) if table["years"].notna().any() else 1.0, 1.0)
    cmap = plt.get_cmap("Oranges")
    fig, ax = plt.subplots(figsize=(min(7.5, 2.6 + 1.15 * len(cols)), 1.1 + 0.5 * len(rows)))
    for i, cluster in enumerate(rows):
        for j, m in enumerate(cols):
            cell = table[(table["cluster_id"] == cluster) & (table["measure"] == m.measure_id)]
            status = cell["status"].iloc[0] if len(cell) else "no data"
            text = cell["shown"].iloc[0] if len(cell) else "–"
            if status == "ahead":
                colour = to_rgba("#8fd19e")
            elif status == "no data":
                colour = to_rgba("#dddddd")
            else:
                colour = cmap(0.12 + 0.75 * float(cell["years"].iloc[0]) / top)
            ax.add_patch(plt.Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="white", linewidth=2))
            dark = status in ("behind", "level") and float(cell["years"].iloc[0]) / top > 0.6
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=10,
                    color="white" if dark else "black")
    years = table.groupby("measure")["year"].first()
    ax.set_xticks(np.arange(len(cols)) + 0.5)
    ax.set_xticklabels([HEAT_LABELS.get(m.measure_id, m.label_en) + ("*" if m.contested else "") + f"\n({int(years[m.measure_id])})" for m in cols],
                       fontsize=8)
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels([f"{CLUSTERS[c][1]}\n{CLUSTERS[c][0].split('（')[0]}" for c in rows], fontsize=8.5)
    ax.set_xlim(0, len(cols))
    ax.set_ylim(len(rows), 0)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.xaxis.tick_top()
    ax.set_xlabel(f"years behind {CLUSTERS[benchmark][1]} (year compared in brackets; * contested direction)",
                  fontsize=8.5)
    fig.tight_layout()
    return fig
