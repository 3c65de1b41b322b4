"""Figures of chapter 06 (industrial convergence and market segmentation)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.figures.style import CLUSTER_COLOURS

_STYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]


def structure_trends_figure(trends: pd.DataFrame, labels: dict[str, str]):
    """Two panels: mean pairwise similarity S and mean Krugman K per cluster and year.

    ``trends`` from :func:`cityclusters.analysis.industry_market.structure_trends`; ``labels`` maps
    cluster id → display name.
    """
    fig, axes = plt.subplots(1, 2, figsize=(8.6, 3.6), sharex=True)
    for k, (cluster, part) in enumerate(trends.groupby("cluster_id", sort=False)):
        style = dict(color=CLUSTER_COLOURS.get(cluster, "grey"), linestyle=_STYLES[k % len(_STYLES)],
                     linewidth=1.6, label=labels.get(cluster, cluster))
        axes[0].plot(part["year"], part["mean_similarity"], **style)
        axes[1].plot(part["year"], part["mean_krugman"], **style)
    axes[0].set_ylabel("mean similarity S (结构相似系数)")
    axes[1].set_ylabel("mean Krugman index K")
    for ax in axes:
        ax.set_xlabel("year")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=min(3, len(names)), fontsize=7.5,
               frameon=False)
    fig.tight_layout(rect=(0, 0.06 * (1 + (len(names) - 1) // 3), 1, 1))
    return fig


def similarity_heatmap(matrix: pd.DataFrame, labels: list[str], title: str):
    """Heat map of a units × units similarity matrix with bilingual tick labels."""
    n = len(matrix)
    size = min(9.0, max(5.0, 0.22 * n + 2.8))
    font = 8 if n <= 20 else (6 if n <= 30 else 4.8)
    fig, ax = plt.subplots(figsize=(size, size * 0.88))
    values = matrix.to_numpy(dtype=float)
    off = values[~np.eye(n, dtype=bool)]
    image = ax.imshow(values, cmap="viridis", vmin=float(np.nanmin(off)), vmax=1.0)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xticklabels(labels, rotation=90, fontsize=font)
    ax.set_yticklabels(labels, fontsize=font)
    ax.set_title(title, fontsize=10)
    for spine in ax.spines.values():
        spine.set_visible(False)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="similarity S")
    fig.tight_layout()
    return fig


def core_regional_scatter(table: pd.DataFrame, labels: pd.Series, year: int):
    """Secondary vs tertiary share of a cluster's cities; cores marked, 45° line = equal shares.

    ``table`` from :func:`cityclusters.analysis.industry_market.core_vs_regional`; ``labels`` maps
    its index to bilingual names.
    """
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    other = table[~table["core"]]
    core = table[table["core"]]
    ax.scatter(other["share_secondary"], other["share_tertiary"], s=28, color="#0072B2",
               label="other members 其他城市")
    ax.scatter(core["share_secondary"], core["share_tertiary"], s=70, marker="*", color="#D55E00",
               label="cores 核心城市")
    low = float(min(table["share_secondary"].min(), table["share_tertiary"].min())) - 0.03
    high = float(max(table["share_secondary"].max(), table["share_tertiary"].max())) + 0.03
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8, linestyle="--")
    ax.text(low + 0.01, low + 0.003, "tertiary = secondary", fontsize=7.5, color="grey",
            rotation=45, ha="left", va="bottom")
    placed: list[tuple[float, float]] = []
    step = (high - low) / 45  # about one label height in data units
    for code, row in table.sort_values("share_tertiary", ascending=False).iterrows():
        x, y = row["share_secondary"], row["share_tertiary"]
        ty = y
        while any(abs(ty - py) < step and abs(x - px) < 6 * step for px, py in placed):
            ty -= step
        placed.append((x, ty))
        ax.annotate(labels.get(code, str(code)), (x, y), xytext=(x + step * 0.4, ty),
                    fontsize=6.5, va="center",
                    arrowprops=dict(arrowstyle="-", color="grey", linewidth=0.4) if ty != y else None)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel(f"secondary share of value added {year} (第二产业)")
    ax.set_ylabel(f"tertiary share of value added {year} (第三产业)")
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def volatility_distance_figure(pairs: pd.DataFrame, labels: dict[str, str], period: str,
                               ylabel: str = "sd of Δ ln(P_i/P_j)"):
    """Relative-price volatility against distance, one panel per cluster, cross-province
    pairs in orange, within-province pairs in blue (log distance axis)."""
    part = pairs[pairs["period"] == period]
    clusters = list(dict.fromkeys(part["cluster_id"]))
    n = len(clusters)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols + 0.6, 2.7 * rows + 0.4),
                             squeeze=False, sharey=True)
    for ax, cluster in zip(axes.flat, clusters):
        sub = part[part["cluster_id"] == cluster]
        for flag, colour, name in [(0, "#0072B2", "same province 省内"), (1, "#D55E00", "cross-province 跨省")]:
            s = sub[sub["cross_province"] == flag]
            ax.scatter(s["distance_km"], s["volatility"], s=7, alpha=0.5, color=colour, label=name)
        ax.set_xscale("log")
        ticks = [t for t in (10, 25, 50, 100, 200, 400, 800, 1600)
                 if sub["distance_km"].min() / 1.5 <= t <= sub["distance_km"].max() * 1.5]
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(t) for t in ticks], fontsize=7.5)
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.set_title(labels.get(cluster, cluster), fontsize=8)
        ax.set_xlabel("distance (km, log scale)", fontsize=8.5)
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel, fontsize=8.5)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig
