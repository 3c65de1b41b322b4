"""Figures of chapter 08 (how the YRD coordination mechanism grew)."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.analysis.mechanism import decimal_year
from cityclusters.config import CHINA_ALBERS
from cityclusters.figures.maps import add_scale_bar, label_cities, plot_geometries

#: Short English labels of the event types on the timeline.
EVENT_LABELS = {"plan_approval": "plan approved", "plan_issued": "plan issued",
                "hsr_opening": "HSR line opens"}
_MARKERS = {"plan_approval": "D", "plan_issued": "s", "hsr_opening": "^"}


#: Row labels of the event timeline (event ``cluster_id`` → bilingual name).
TIMELINE_ROW_LABELS = {"yrd": "长三角 YRD", "middle_yangtze": "长江中游 Middle Yangtze",
                       "chengyu": "成渝 Chengdu–Chongqing", "qianzhong": "黔中 Qianzhong",
                       "chengyugui": "成渝贵 Chengdu–Chongqing–Guiyang",
                       "jingjinji": "京津冀 Beijing–Tianjin–Hebei", "": "across clusters"}


def cohort_colours(cohorts) -> dict:
    """One colour per cohort, from dark (early) to light (late), plasma."""
    cohorts = sorted(set(int(c) for c in cohorts))
    cmap = mpl.colormaps["plasma"]
    return {c: cmap(0.02 + 0.88 * k / max(1, len(cohorts) - 1)) for k, c in enumerate(cohorts)}


def membership_timeline(cumulative: pd.DataFrame, cohorts: pd.DataFrame, events: pd.DataFrame,
                        row_labels: dict[str, str], window: tuple[int, int]):
    """Two panels on one time axis: the committee's members (step chart, each cohort
    annotated with its size and running total) and the dated events of the chosen clusters.

    Parameters
    ----------
    cumulative : DataFrame
        ``year``, ``members`` from :func:`cityclusters.analysis.mechanism.cumulative_membership`.
    cohorts : DataFrame
        ``cohort``, ``joined``, ``members`` from :func:`cityclusters.analysis.mechanism.cohort_table`.
    events : DataFrame
        ``date``, ``event_type``, ``cluster_id`` from
        :func:`cityclusters.analysis.mechanism.timeline_events`.
    row_labels : dict
        Event ``cluster_id`` (or "" for events without one) → label of its row.
    window : (int, int)
        The chapter's FIRST_YEAR–LAST_YEAR, shaded on the lower panel.
    """
    x0 = min(int(cumulative["year"].min()), window[0]) - 0.5
    x1 = max(int(cumulative["year"].max()), window[1]) + 1.5
    rows = list(dict.fromkeys(events["cluster_id"].fillna("").map(lambda c: row_labels.get(c, c))))
    height = 1.2 + 0.42 * max(1, len(rows))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.6, 3.4 + height), sharex=True,
                                      gridspec_kw={"height_ratios": [3.2, height]})
    years = cumulative["year"].to_numpy()
    top.step(np.append(years, x1), np.append(cumulative["members"].to_numpy(),
                                             cumulative["members"].iloc[-1]),
             where="post", color="#0072B2", linewidth=2)
    colours = cohort_colours(cohorts["cohort"])
    for k, row in enumerate(cohorts.itertuples()):
        top.plot(row.cohort, row.members, "o", color=colours[row.cohort], markersize=7, zorder=3)
        text = f"{row.members} founders" if k == 0 else f"+{row.joined} → {row.members}"
        top.annotate(text, (row.cohort, row.members), xytext=(4, -14) if k == 0 else (-4, 7),
                     textcoords="offset points", ha="left" if k == 0 else "right", fontsize=8.5)
    top.set_ylabel("member cities (成员城市)")
    top.set_ylim(0, cohorts["members"].max() * 1.18)
    top.grid(axis="y", color="#dddddd", linewidth=0.6)
    bottom.axvspan(window[0] - 0.5, window[1] + 0.5, color="#f2f2f2", zorder=0)
    for k, label in enumerate(rows):
        part = events[events["cluster_id"].fillna("").map(lambda c: row_labels.get(c, c)) == label]
        for ev in part.itertuples():
            shift = {"plan_approval": -0.13, "plan_issued": 0.13}.get(ev.event_type, 0.0)
            bottom.plot(decimal_year(ev.date), k + shift, _MARKERS.get(ev.event_type, "o"),
                        color="#D55E00" if ev.event_type.startswith("plan") else "#009E73",
                        markersize=6.5, markeredgecolor="white", markeredgewidth=0.5)
    bottom.set_yticks(range(len(rows)))
    bottom.set_yticklabels(rows, fontsize=8.5)
    bottom.set_ylim(len(rows) - 0.5, -0.7)
    bottom.set_xlim(x0, x1)
    bottom.set_xlabel("year")
    handles = [mpl.lines.Line2D([], [], linestyle="none", marker=_MARKERS[t],
                                color="#D55E00" if t.startswith("plan") else "#009E73",
                                label=EVENT_LABELS[t]) for t in EVENT_LABELS
               if t in set(events["event_type"])]
    if handles:
        bottom.legend(handles=handles, loc="lower left", ncol=len(handles), fontsize=8,
                      frameon=False, bbox_to_anchor=(0, 1.0))
    else:
        bottom.text(0.5, 0.5, "no plan or HSR event of the chosen clusters in the window",
                    transform=bottom.transAxes, ha="center", fontsize=8.5, color="grey")
    for spine in ("left",):
        bottom.spines[spine].set_visible(False)
    bottom.tick_params(axis="y", length=0)
    fig.tight_layout()
    return fig


def cohort_map(cities, basemap, members: pd.DataFrame, map_year: int, label_codes):
    """Map of the committee's members coloured by year of joining; cities not yet members in
    ``map_year`` are hatched grey. Provincial borders of the members in dark grey; the cities
    in ``label_codes`` labelled 汉字 + pinyin; a scale bar in km under the map.

    ``members``: ``city_code``, ``cohort``; ``cities``: :func:`cityclusters.data.tables.cities`;
    ``basemap``: :func:`cityclusters.data.tables.basemap`.
    """

    base = basemap.to_crs(CHINA_ALBERS)
    geo = cities[cities["city_code"].isin(members["city_code"]) & cities.geometry.notna()]
    geo = geo.merge(members[["city_code", "cohort"]], on="city_code").to_crs(CHINA_ALBERS)
    colours = cohort_colours(members["cohort"])
    fig, ax = plt.subplots(figsize=(7.8, 6.4))
    plot_geometries(base, ax, color="#ececec", edgecolor="white", linewidth=0.4)
    handles = []
    for cohort, part in geo.groupby("cohort"):
        if cohort <= map_year:
            plot_geometries(part, ax, color=colours[cohort], edgecolor="white", linewidth=0.5)
            handles.append(mpl.patches.Patch(color=colours[cohort],
                                             label=f"{cohort} (+{len(part)})"))
    later = geo[geo["cohort"] > map_year]
    if len(later):
        plot_geometries(later, ax, facecolor="#d6d6d6", edgecolor="white", hatch="///", linewidth=0.5)
        handles.append(mpl.patches.Patch(facecolor="#d6d6d6", hatch="///",
                                         label=f"joined after {map_year}"))
    provinces = geo.dissolve(by="province_zh")
    plot_geometries(provinces.boundary, ax, color="#444444", linewidth=0.9)
    xmin, ymin, xmax, ymax = geo.total_bounds
    pad = 0.06 * max(xmax - xmin, ymax - ymin)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    label_cities(ax, cities, label_codes, fontsize=8.5, markersize=3.5, alpha=0.85)
    ax.legend(handles=handles, title="year of joining\n(入会年份)", loc="center left",
              bbox_to_anchor=(1.0, 0.5), fontsize=8.5, title_fontsize=8.5, frameon=False)
    ax.set_axis_off()
    ax.set_aspect("equal")
    add_scale_bar(ax)
    fig.tight_layout()
    return fig


def joining_relative_figure(joined: pd.DataFrame, summary: pd.DataFrame, labels: pd.Series):
    """GDP per head of each member relative to the founders' mean when it joined (log scale):
    one dot per city, the cohort mean as a bar; the lowest city of each later cohort labelled.

    ``joined`` / ``summary`` from :func:`cityclusters.analysis.mechanism.joining_gdp_per_capita` and
    :func:`cityclusters.analysis.mechanism.cohort_relative_summary`; ``labels`` maps city_code → label.
    """
    colours = cohort_colours(summary["cohort"])
    fig, ax = plt.subplots(figsize=(7.6, 4.0))
    rng = np.random.default_rng(8)
    shown = summary.dropna(subset=["mean_relative"]).reset_index(drop=True)
    for k, row in shown.iterrows():
        part = joined[(joined["cohort"] == row["cohort"])].dropna(subset=["relative"])
        x = k + rng.uniform(-0.12, 0.12, len(part))
        ax.scatter(x, part["relative"], s=22, color=colours[row["cohort"]], edgecolor="white",
                   linewidth=0.4, zorder=3)
        ax.hlines(row["mean_relative"], k - 0.3, k + 0.3, color="black", linewidth=1.8, zorder=4)
        if k > 0 and len(part):
            low = part.loc[part["relative"].idxmin()]
            ax.annotate(labels.get(low["city_code"], ""), (k, low["relative"]), xytext=(0, -11),
                        textcoords="offset points", ha="center", fontsize=7)
    ax.axhline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yscale("log")
    ticks = [0.25, 0.5, 1, 2]
    ax.set_yticks(ticks)
    ax.set_yticklabels([f"{t:g}" for t in ticks])
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels([f"{int(r.cohort)}" + (f"\n(in {int(r.measure_year)})"
                                              if int(r.measure_year) != int(r.cohort) else "")
                        for r in shown.itertuples()])
    ax.set_xlabel("cohort (year of joining)")
    ax.set_ylabel("GDP per head / founders' mean")
    ax.set_ylim(min(0.18, float(joined["relative"].min()) * 0.8),
                max(2.2, float(joined["relative"].max()) * 1.2))
    fig.tight_layout()
    return fig


def border_gap_figure(gap: pd.DataFrame, peak: tuple[int, int], title: str):
    """Yearly border term γ_t with its 95 % interval; the claimed peak years shaded."""
    gap = gap.astype({c: float for c in ("year", "gamma", "gamma_ci_low", "gamma_ci_high")})
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    if gap["gamma"].notna().sum() == 0:
        ax.text(0.5, 0.5, "no year with a border term in the window", transform=ax.transAxes,
                ha="center", color="grey")
    ax.axvspan(peak[0] - 0.5, peak[1] + 0.5, color="#fde6cc", zorder=0,
               label=f"claimed peak {peak[0]}–{peak[1]}")
    ax.fill_between(gap["year"], gap["gamma_ci_low"], gap["gamma_ci_high"], color="#009E73",
                    alpha=0.2, linewidth=0, label="95 % interval")
    ax.plot(gap["year"], gap["gamma"], "o-", color="#009E73", markersize=3.5, linewidth=1.4,
            label="border term γ")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("year")
    ax.set_ylabel("γ (log points)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.24), ncol=3)
    fig.tight_layout()
    return fig
