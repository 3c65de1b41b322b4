"""Figures of chapter 1 (clusters and data): agreement between two sources."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd


def agreement_scatter(matched: pd.DataFrame, tolerance: float, xlabel: str, ylabel: str):
    """Log–log scatter of two sources' values with the 45° line; points outside the tolerance
    are highlighted. ``matched`` comes from :func:`cityclusters.data.compare.source_agreement`."""
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


def agreement_by_year(by_year: pd.Series, tolerance: float):
    """Bars of the share (0–1) of city-years on which two sources agree within ``tolerance``,
    by year (``by_year`` indexed by year, from
    :func:`cityclusters.analysis.clusters_and_data.source_comparison`)."""
    fig, ax = plt.subplots(figsize=(7.0, 3.2))
    ax.bar(by_year.index, by_year.values, color="#0072B2")
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"share within ±{tolerance:.1%}")
    ax.set_xlabel("year")
    fig.tight_layout()
    return fig


def yearbook_coverage_grid(coverage: pd.DataFrame, variables: pd.DataFrame, cluster_labels: dict[str, str],
                           columns: int = 3):
    """Small multiples, one per variable: data years × clusters, shaded by the share (0–1) of
    the cluster's cities with a value. ``coverage`` from
    :func:`cityclusters.analysis.clusters_and_data.yearbook_coverage`; ``variables`` the
    catalogue (variable, short_en, subsystem); ``cluster_labels`` id → short label."""
    order = variables.sort_values(["subsystem", "variable"], kind="stable")
    order = order[order["variable"].isin(coverage["variable"].unique())]
    rows = -(-len(order) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(8.0, 0.8 * rows + 0.7), sharex=True,
                             constrained_layout=True)
    clusters = list(cluster_labels)
    years = sorted(coverage["year"].unique())
    image = None
    for number, (ax, variable) in enumerate(zip(axes.flat, order.itertuples(), strict=False)):
        grid = (coverage[coverage["variable"] == variable.variable]
                .pivot(index="cluster_id", columns="year", values="share").reindex(index=clusters, columns=years))
        image = ax.imshow(grid.to_numpy(), aspect="auto", cmap="Blues", vmin=0, vmax=1, interpolation="nearest",
                          extent=(years[0] - 0.5, years[-1] + 0.5, len(clusters) - 0.5, -0.5))
        ax.set_title(variable.short_en, fontsize=8, loc="left")  # Chinese names: the catalogue table
        ax.set_yticks(range(len(clusters)), [cluster_labels[c] for c in clusters], fontsize=7)
        ax.tick_params(axis="y", labelleft=number % columns == 0)  # cluster names once per row
        ax.tick_params(axis="x", labelsize=6.5)
    for ax in list(axes.flat)[len(order):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xticks([2000, 2010, 2020])
    fig.colorbar(image, ax=axes, shrink=0.3, location="bottom", label="share of the cluster's cities with a value")
    return fig
