"""Figures of chapter 3 (development gaps): Theil trends, σ-convergence, β scatters, the
Hebei/Beijing/Tianjin per-capita GDP ratios.

Every function takes the tidy tables of :mod:`cityclusters.analysis.gaps` and returns a matplotlib
Figure (call :func:`cityclusters.figures.style.use_book_style` first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.config import CLUSTERS
from cityclusters.data.names import short_name
from cityclusters.figures.style import CLUSTER_COLOURS, bilingual

#: chengyugui shares its colour with chengyu; it is told apart by a dashed line.
_DASHED = {"chengyugui", "yrd41"}


def _style(cluster: str) -> dict:
    return {"color": CLUSTER_COLOURS.get(cluster, "#555555"),
            "linestyle": "--" if cluster in _DASHED else "-"}


def _label(cluster: str) -> str:
    zh, en = CLUSTERS[cluster]
    return f"{en} {zh}"


def _grid(n: int, width: float = 7.5, height_per_row: float = 2.3):
    cols = 1 if n == 1 else (2 if n in (2, 4) else 3)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width, 0.6 + height_per_row * rows),
                             squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return fig, axes.ravel()[:n]


def theil_trends(within: pd.DataFrame, between: pd.DataFrame | None,
                 contributions: pd.DataFrame | None):
    """(a) Population-weighted Theil index inside each cluster by year; (b) the Theil index of
    all (disjoint) clusters' cities stacked as between-cluster part plus each cluster's
    within contribution s_g·T_g. Panel (b) is left out when ``between`` is None.
    """
    two = between is not None and contributions is not None
    fig, axes = plt.subplots(1, 2 if two else 1, figsize=(7.5 if two else 5.0, 5.6),
                             squeeze=False)
    ax = axes[0, 0]
    for cluster, frame in within.groupby("cluster_id", sort=False):
        ax.plot(frame["year"], frame["theil_weighted"], label=CLUSTERS[cluster][1], lw=1.6,
                **_style(cluster))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("year")
    ax.set_ylabel("Theil T, population-weighted (泰尔指数)")
    ax.set_title("(a) inside each cluster", loc="left")
    ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    if two:
        ax = axes[0, 1]
        wide = contributions.pivot(index="year", columns="cluster_id", values="contribution")
        order = [c for c in contributions["cluster_id"].drop_duplicates()]
        layers = [between.set_index("year")["between"].reindex(wide.index)] + [wide[c] for c in order]
        colours = ["#888888"] + [CLUSTER_COLOURS.get(c, "#555555") for c in order]
        labels = ["between clusters 群间"] + [f"within {CLUSTERS[c][1]}" for c in order]
        ax.stackplot(wide.index, *[layer.to_numpy() for layer in layers], colors=colours,
                     labels=labels, alpha=0.85, edgecolor="white", linewidth=0.3)
        ax.set_xlabel("year")
        ax.set_ylabel("Theil T of all cities")
        ax.set_title("(b) between + within clusters", loc="left")
        ax.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=1)
    fig.tight_layout()
    return fig


def sigma_lines(sigma: pd.DataFrame):
    """Small multiples, one per cluster: sd of log real GDP per capita and the CV by year."""
    clusters = list(sigma["cluster_id"].drop_duplicates())
    fig, axes = _grid(len(clusters))
    top = float(np.nanmax(sigma[["sd_log", "cv"]].to_numpy())) * 1.08
    for ax, cluster in zip(axes, clusters):
        frame = sigma[sigma["cluster_id"] == cluster]
        colour = CLUSTER_COLOURS.get(cluster, "#555555")
        ax.plot(frame["year"], frame["sd_log"], color=colour, lw=1.8, label="sd of ln y")
        ax.plot(frame["year"], frame["cv"], color=colour, lw=1.2, ls=":", label="CV")
        ax.set_ylim(0, top)
        ax.set_title(CLUSTERS[cluster][1], fontsize=9.5, loc="left")
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=7.5, frameon=False)
    fig.supxlabel("year", fontsize=9.5)
    fig.supylabel("dispersion (σ收敛)", fontsize=9.5)
    fig.tight_layout()
    return fig


def beta_scatter(growth: pd.DataFrame, table: pd.DataFrame, cores: Mapping[str, Sequence[int]],
                 first: int, last: int):
    """Small multiples, one per cluster: average annual log growth of real GDP per capita
    against its initial log level, with the absolute-β OLS line; core cities labelled
    汉字 (pinyin)."""
    clusters = list(growth["cluster_id"].drop_duplicates())
    fig, axes = _grid(len(clusters), height_per_row=2.8)
    betas = table[table["measure"] == "beta_absolute"].set_index("cluster_id")
    for ax, cluster in zip(axes, clusters):
        frame = growth[growth["cluster_id"] == cluster]
        colour = CLUSTER_COLOURS.get(cluster, "#555555")
        ax.scatter(frame["log_initial"], frame["growth"] * 100, s=14, color=colour, alpha=0.8,
                   edgecolor="white", linewidth=0.4)
        x = np.linspace(frame["log_initial"].min(), frame["log_initial"].max(), 10)
        b = betas.at[cluster, "estimate"]
        a = float(np.mean(frame["growth"] - b * frame["log_initial"]))
        ax.plot(x, (a + b * x) * 100, color="#333333", lw=1)
        for row in frame[frame["city_code"].isin(cores.get(cluster, ()))].itertuples():
            ax.annotate(bilingual(short_name(row.name_zh), row.name_pinyin),
                        (row.log_initial, row.growth * 100), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"{CLUSTERS[cluster][1]}\nb = {b:.3f}", fontsize=8.5, loc="left")
        ax.tick_params(labelsize=8)
        ax.margins(x=0.18, y=0.12)
    fig.supxlabel(f"ln real GDP per capita {first} (元, 2000 prices)", fontsize=9.5)
    fig.supylabel(f"growth {first}–{last}, % per year", fontsize=9.5)
    fig.tight_layout()
    return fig


def hebei_ratio(ratios: pd.DataFrame, columns: Mapping[str, str], marks: Mapping[str, float],
                extra_points: Sequence[tuple[int, float, str]] = ()):
    """Hebei's GDP per capita as a share of Beijing's and Tianjin's, by year.

    ``columns`` maps column of ``ratios`` → legend label; ``marks`` maps label → level drawn
    as a dotted horizontal line (the papers' 38 % and 40 %); ``extra_points`` are single
    (year, value, label) markers.
    """
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    styles = [("#CC79A7", "-"), ("#0072B2", "-"), ("#CC79A7", ":"), ("#0072B2", ":")]
    for (column, label), (colour, ls) in zip(columns.items(), styles):
        ax.plot(ratios["year"], ratios[column] * 100, color=colour, ls=ls, lw=1.8, label=label)
    levels = sorted(marks.values())
    for label, level in marks.items():
        ax.axhline(level * 100, color="#777777", lw=0.8, ls="--")
        # the lower mark's label below its line, the others above, so two close marks stay legible
        below = level == levels[0] and len(levels) > 1
        ax.text(ratios["year"].min(), level * 100, f" {label}", fontsize=7.5,
                va="top" if below else "bottom", color="#555555")
    for year, value, label in extra_points:
        ax.scatter([year], [value * 100], marker="o", facecolor="none", edgecolor="#333333", zorder=5)
        ax.annotate(label, (year, value * 100), fontsize=7.5, xytext=(-6, -3), ha="right",
                    va="top", textcoords="offset points")
    ax.set_xlabel("year")
    ax.set_ylabel("Hebei 河北 as % of … (GDP per capita)")
    ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def hebei_ratio_figure(ratios: pd.DataFrame, paper_beijing: float, paper_tianjin: float):
    """:func:`hebei_ratio` with the chapter's choices: the current-price ratios, the 2000-price
    ones when :func:`cityclusters.analysis.gaps.hebei_ratios` could compute them, and the values
    printed in paper 003 as marks."""
    columns = {"to_beijing": "÷ Beijing 北京 (current prices)", "to_tianjin": "÷ Tianjin 天津 (current prices)"}
    if ratios["real_to_beijing"].notna().any():
        columns.update({"real_to_beijing": "÷ Beijing (2000 prices)", "real_to_tianjin": "÷ Tianjin (2000 prices)"})
    marks = {f"paper 003: {paper_beijing:.0%} of Beijing": paper_beijing,
             f"paper 003: {paper_tianjin:.0%} of Tianjin": paper_tianjin}
    return hebei_ratio(ratios, columns, marks, [])
