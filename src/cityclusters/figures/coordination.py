"""Figures of chapters 2 and 7: coupling degrees, subsystem scores, grade maps, order
parameters, obstacle degrees and the multiverse of the coordination index (inputs from
:mod:`cityclusters.analysis.coordination` and :mod:`cityclusters.analysis.coordination_index`)."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.config import CHINA_ALBERS
from cityclusters.figures.maps import MAP_PANELS, add_scale_bar, plot_geometries
from cityclusters.figures.plotted_data import attach_data
from cityclusters.figures.style import CLUSTER_COLOURS, cluster_label
from cityclusters.indicators.coupling import (
    GRADE_BREAKS,
    GRADE_LABELS_EN,
    GRADE_LABELS_ZH,
    STAGE_BREAKS,
)

#: English and Chinese names of the seven subsystems (plot labels).
SUBSYSTEM_LABELS = {
    "industry": "Modern industry 现代产业",
    "public_services": "Public services 公共服务",
    "ecology": "Ecology 生态环境",
    "innovation": "Innovation 科技创新",
    "governance": "Governance 治理体系",
    "market": "Regional market 区域市场",
    "infrastructure": "Infrastructure 基础设施",
}
GRADE_COLOURS = [mpl.colormaps["RdYlGn"](x) for x in np.linspace(0.02, 0.98, 10)]
_LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1))]


def coupling_histograms(coordination: pd.DataFrame):
    """Histograms of the classic and the modified coupling degree C over all city-years, on
    the same [0, 1] axis, with the coupling-stage breaks (0.3, 0.5, 0.8) dashed."""
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 3.4), sharey=True)
    bins = np.linspace(0, 1, 41)
    for ax, column, title, colour in ((axes[0], "C_classic", "Classic C 传统耦合度", "#999999"),
                                      (axes[1], "C_modified", "Modified C 修正耦合度", "#0072B2")):
        ax.hist(coordination[column], bins=bins, color=colour, edgecolor="white")
        for b in STAGE_BREAKS[1:-1]:
            ax.axvline(b, color="black", linestyle="--", linewidth=0.8)
        ax.set_title(title)
        ax.set_xlim(0, 1)
        ax.set_xlabel("coupling degree C")
    axes[0].set_ylabel("city-years")
    fig.tight_layout()
    return fig


#: Titles of the index panels of :func:`cluster_trends`.
INDEX_LABELS = {"T": "Level T 综合发展指数", "C": "Coupling C 耦合度", "D": "Coordination D 协调度"}


def cluster_trends(cluster_year: pd.DataFrame, subsystems: list[str], clusters: list[str],
                   index_columns: tuple[str, ...] = ("T", "C", "D")):
    """Small multiples, one line per cluster by year: the cluster mean U of each measured
    subsystem, then the means of ``index_columns`` (T, C and D side by side by default)."""
    panels = list(subsystems) + list(index_columns)
    ncols = 4 if len(panels) in (7, 8) else 3
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(10, 2.5 * nrows), sharex=True, squeeze=False)
    for ax, panel in zip(axes.flat, panels):
        for i, cluster_id in enumerate(clusters):
            block = cluster_year[cluster_year["cluster_id"] == cluster_id]
            ax.plot(block["year"], block[panel], color=CLUSTER_COLOURS[cluster_id],
                    linestyle=_LINESTYLES[i % len(_LINESTYLES)], linewidth=1.6,
                    label=cluster_label(cluster_id))
        ax.set_title(SUBSYSTEM_LABELS.get(panel, INDEX_LABELS.get(panel, panel)), fontsize=10)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(4, integer=True))
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(3, len(clusters)), fontsize=8.5,
               frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.06 + 0.02 * (len(clusters) > 3), 1, 1))
    return fig


def grade_maps(degree: pd.Series, cities, basemap, members: pd.DataFrame, clusters: list[str],
               years: list[int]):
    """Maps of the ten-band D grade: one row per map group of the chosen clusters, one column
    per year, each with a scale bar in km. ``degree`` is D indexed by (city_code, year); cities
    without a score are hatched grey."""
    from cityclusters.config import UNIONS

    selected = set()
    for c in clusters:
        selected.update(UNIONS.get(c, (c,)))
    groups = [(title, [c for c in ids if c in selected]) for title, ids in MAP_PANELS]
    groups = [(t, ids) for t, ids in groups if ids]
    base = basemap.to_crs(CHINA_ALBERS)
    cit = cities[cities.geometry.notna()].to_crs(CHINA_ALBERS)
    fig, axes = plt.subplots(len(groups), len(years), figsize=(3.9 * len(years), 3.3 * len(groups)),
                             squeeze=False)
    present = set()
    # a union (e.g. chengyugui) is drawn as its parts: take their members from the full table
    from cityclusters.data.tables import clusters as all_clusters

    everyone = pd.concat([members, all_clusters()[["cluster_id", "city_code"]]])
    shown = []  # what each panel colours: the figure's data
    for r, (title, ids) in enumerate(groups):
        codes = set(everyone.loc[everyone["cluster_id"].isin(ids), "city_code"])
        sub = cit[cit["city_code"].isin(codes)]
        xmin, ymin, xmax, ymax = sub.total_bounds
        span = max(xmax - xmin, ymax - ymin)
        for c, year in enumerate(years):
            ax = axes[r, c]
            plot_geometries(base, ax, color="#eeeeee", edgecolor="white", linewidth=0.4)
            values = degree.xs(year, level="year") if year in degree.index.get_level_values("year") else pd.Series(dtype=float)
            band = np.clip(np.searchsorted(np.asarray(GRADE_BREAKS[1:-1]), values.to_numpy(), side="right"), 0, 9)
            band = pd.Series(band, index=values.index)
            scored = sub[sub["city_code"].isin(band.index)]
            colours = [GRADE_COLOURS[band[code]] for code in scored["city_code"]]
            present.update(band[scored["city_code"]].tolist())
            shown.append(pd.DataFrame({"map": title, "year": year, "city_code": sub["city_code"].to_numpy(),
                                       "city": sub["name_short_zh"].to_numpy(),
                                       "D": values.reindex(sub["city_code"]).to_numpy(),
                                       "grade": [GRADE_LABELS_EN[band[code]] if code in band.index else "no score"
                                                 for code in sub["city_code"]]}))
            if len(scored):
                plot_geometries(scored, ax, color=colours, edgecolor="white", linewidth=0.5)
            unscored = sub[~sub["city_code"].isin(band.index)]
            if len(unscored):
                plot_geometries(unscored, ax, facecolor="#cccccc", edgecolor="white", hatch="///", linewidth=0.5)
            ax.set_xlim(xmin - 0.05 * span, xmax + 0.05 * span)
            ax.set_ylim(ymin - 0.05 * span, ymax + 0.05 * span)
            ax.set_aspect("equal")
            ax.set_axis_off()
            add_scale_bar(ax)
            ax.set_title(f"{title} {year}", fontsize=10)
    handles = [mpl.patches.Patch(facecolor=GRADE_COLOURS[k], edgecolor="white",
                                 label=f"[{GRADE_BREAKS[k]:.1f}, {GRADE_BREAKS[k + 1]:.1f}) {GRADE_LABELS_ZH[k]} {GRADE_LABELS_EN[k]}")
               for k in sorted(present)]
    handles.append(mpl.patches.Patch(facecolor="#cccccc", hatch="///", edgecolor="white", label="no score (missing data)"))
    fig.legend(handles=handles, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.03 + 0.025 * ((len(handles) + 1) // 2) / max(1, len(groups)) * 2, 1, 1))
    return attach_data(fig, pd.concat(shown, ignore_index=True))


def order_parameter_scatter(op: pd.DataFrame, labels: dict[str, str]):
    """Overall weight against the speed of change of each indicator; the size of a point is
    its order-parameter share. Upper left = heavy and slow (candidate order parameters)."""
    fig, ax = plt.subplots(figsize=(8.0, 4.6))
    subsystems = list(dict.fromkeys(op["subsystem_id"]))
    palette = ["#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#000000"]
    colour = {s: palette[i % len(palette)] for i, s in enumerate(subsystems)}
    for row in op.itertuples():
        ax.scatter(row.speed, row.weight, s=60 + 900 * row.op_share, color=colour[row.subsystem_id],
                   alpha=0.8, edgecolor="white")
        ax.annotate(labels.get(row.indicator_id, row.indicator_id), (row.speed, row.weight),
                    xytext=(6, 3), textcoords="offset points", fontsize=8)
    for s in subsystems:
        ax.scatter([], [], color=colour[s], label=SUBSYSTEM_LABELS[s], s=40)
    ax.set_xlabel("speed: mean |annual change| of the normalised indicator 变化速度")
    ax.set_ylabel("overall weight 权重")
    ax.set_xlim(0, op["speed"].max() * 1.35)
    ax.set_ylim(0, op["weight"].max() * 1.2)
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def obstacle_heatmap(cluster_subsystem: pd.DataFrame):
    """Cluster × subsystem mean obstacle degree (shares, annotated in per cent)."""
    frame = cluster_subsystem
    fig, ax = plt.subplots(figsize=(9.5, 0.55 * len(frame) + 1.9))
    im = ax.imshow(frame.to_numpy(), cmap="OrRd", vmin=0, vmax=max(0.35, float(frame.to_numpy().max())))
    ax.set_xticks(range(frame.shape[1]), [SUBSYSTEM_LABELS[c].rsplit(" ", 1)[0] + "\n" + SUBSYSTEM_LABELS[c].rsplit(" ", 1)[1]
                                          for c in frame.columns], fontsize=7.5)
    ax.set_yticks(range(frame.shape[0]), [cluster_label(c).replace(" ", "\n", 1) for c in frame.index], fontsize=8.5)
    for i in range(frame.shape[0]):
        for j in range(frame.shape[1]):
            value = frame.iat[i, j]
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if value > 0.25 else "black")
    fig.colorbar(im, ax=ax, fraction=0.03, label="obstacle degree 障碍度")
    ax.spines[:].set_visible(False)
    fig.tight_layout()
    return fig


def multiverse_bands(multiverse_frame: pd.DataFrame, main: pd.DataFrame, clusters: list[str]):
    """Each cluster's mean D by year: the main specification (line) and the 5th–95th
    percentile across the multiverse (band). ``multiverse_frame`` from
    :func:`cityclusters.analysis.coordination_index.cluster_multiverse`, ``main`` its rows of
    the main specification (cluster_id, year, D)."""
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    for i, cluster in enumerate(clusters):
        band = (multiverse_frame[multiverse_frame["cluster_id"] == cluster]
                .groupby("year")["D"].quantile([0.05, 0.95]).unstack())
        line = main[main["cluster_id"] == cluster].sort_values("year")
        colour = CLUSTER_COLOURS.get(cluster, f"C{i}")
        ax.fill_between(band.index, band[0.05], band[0.95], color=colour, alpha=0.15, linewidth=0)
        ax.plot(line["year"], line["D"], color=colour, linestyle=_LINESTYLES[i % len(_LINESTYLES)],
                label=cluster_label(cluster))
    ax.set_xlabel("year")
    ax.set_ylabel("mean coordination degree D (0–1)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def sensitivity_heatmap(indices: pd.DataFrame):
    """First-order sensitivity indices (0–1): choices (rows) × clusters (columns), annotated.
    ``indices`` from :func:`cityclusters.analysis.coordination_index.cluster_sensitivity`."""
    wide = indices.pivot(index="choice", columns="cluster", values="first_order")
    fig, ax = plt.subplots(figsize=(7.2, 2.9))
    image = ax.imshow(wide.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(wide.shape[1]), [c.replace(" (", "\n(") for c in wide.columns], fontsize=7)
    ax.set_yticks(range(wide.shape[0]), [c.replace("_", " ") for c in wide.index], fontsize=8)
    for (row, col), value in np.ndenumerate(wide.to_numpy()):
        ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="white" if value > 0.6 else "black")
    fig.colorbar(image, ax=ax, label="first-order index")
    fig.tight_layout()
    return fig


def change_panels(changes: pd.DataFrame, clusters: list[str]):
    """Year-to-year change of each cluster's mean D (bars), unusual changes in orange,
    the usual change as a dashed line (input from
    :func:`cityclusters.analysis.coordination_index.unusual_changes`)."""
    fig, axes = plt.subplots(1, len(clusters), figsize=(10.0, 2.6), sharey=True)
    for ax, cluster in zip(np.atleast_1d(axes), clusters, strict=False):
        rows = changes[changes["cluster_id"] == cluster]
        colours = ["#D55E00" if u else "#0072B2" for u in rows["unusual"]]
        ax.bar(rows["year"], rows["change"], color=colours)
        if len(rows):
            ax.axhline(rows["usual_change"].iloc[0], color="grey", linestyle="--", linewidth=0.8)
        ax.axhline(0, color="black", linewidth=0.6)
        ax.set_title(cluster_label(cluster), fontsize=7.5)
        ax.tick_params(labelsize=7)
    np.atleast_1d(axes)[0].set_ylabel("change of mean D")
    fig.tight_layout()
    return fig
