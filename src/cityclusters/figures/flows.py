"""Figures of chapter 5's observed flows: strongest observed links per cluster, the distance
decay of observed flows against the first edition's assumed decay, the provincial border
effect per cluster, and the rail network's error against the timetable.

Each function draws one figure; units and sources go in the caption the chapter writes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.config import CLUSTERS
from cityclusters.figures.linkages import link_maps
from cityclusters.figures.style import CLUSTER_COLOURS

#: Colours of the three versions of the rail network (Okabe–Ito).
VERSION_COLOURS = {"before": "#D55E00", "multiplicative": "#999999", "speed_factors": "#0072B2"}
VERSION_LABELS = {"before": "as built (0.8 of design speed)", "multiplicative": "one factor k",
                  "speed_factors": "speed factors (HSR, other)"}


def flow_maps(panels: list[dict], basemap, cities, coords: pd.DataFrame, ncols: int = 2):
    """Small multiples of the strongest observed links of each cluster (two-way volumes,
    width ∝ volume / strongest), drawn like the gravity maps
    (:func:`cityclusters.figures.linkages.link_maps`); ``panels`` from
    :func:`cityclusters.analysis.flows.link_panels`."""
    return link_maps(panels, basemap, cities, coords, ncols=ncols)


def decay_curve(curve: pd.DataFrame, beta: float, beta_low: float, beta_high: float, assumed: float,
                reference_km: float = 100.0):
    """Relative expected flow against distance (log–log), set to 1 at ``reference_km``: the
    PPML fit km^β with its 95 % band, the binned observed decay (points sized by the pairs in
    the bin) and the first edition's assumed decay km^−b (``assumed``)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    km = np.geomspace(max(10.0, curve["km_low"].min()), curve["km_high"].max(), 200)
    rel = km / reference_km
    ax.fill_between(km, rel ** beta_low, rel ** beta_high, color="#0072B2", alpha=0.2, linewidth=0)
    ax.plot(km, rel ** beta, color="#0072B2", linewidth=2, label=f"observed, PPML fit (β = {beta:.2f})")
    sizes = 15 + 85 * curve["n_pairs"] / curve["n_pairs"].max()
    ax.scatter(curve["km_mid"], curve["observed"], s=sizes, color="#0072B2", edgecolor="white", zorder=3,
               label="observed, by distance band")
    ax.plot(km, rel ** (-assumed), color="#D55E00", linewidth=2, linestyle="--",
            label=f"assumed in the gravity model (b = {assumed:g})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [t for t in (20, 50, 100, 200, 500, 1000, 2000, 4000) if km[0] <= t <= km[-1]]
    ax.set_xticks(ticks, [f"{t:,}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlabel("distance between city centres (km, log scale)")
    ax.set_ylabel(f"expected flow relative to {reference_km:g} km (log scale)")
    ax.axvline(reference_km, color="#bbbbbb", linewidth=0.8, zorder=0)
    ax.legend(frameon=False, loc="lower left")
    fig.tight_layout()
    return fig


def border_effects(border: pd.DataFrame):
    """Cross-province flow as a share of same-province flow at equal distance, exp(δ), with
    its 95 % interval, one row per cluster (log axis); hollow markers where the border is
    estimated with population masses instead of city effects."""
    if border.empty:
        fig, ax = plt.subplots(figsize=(6.4, 1.2))
        ax.text(0.5, 0.5, "no cluster of this run spans two provinces", ha="center", va="center")
        ax.set_axis_off()
        return fig
    border = border.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(border) + 1.4))
    for k, r in border.iterrows():
        colour = CLUSTER_COLOURS.get(r["cluster_id"], "#0072B2")
        ax.plot([np.exp(r["border_low"]), np.exp(r["border_high"])], [k, k], color=colour, linewidth=2.5)
        hollow = r["specification"] != "fixed_effects"
        ax.scatter([r["flow_ratio"]], [k], s=60, zorder=3, color="white" if hollow else colour,
                   edgecolor=colour, linewidth=2)
    ax.axvline(1.0, color="#555555", linewidth=1, linestyle=":")
    ax.set_xscale("log")
    ticks = [0.1, 0.2, 0.5, 1, 2]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks(range(len(border)), [CLUSTERS[c][1] for c in border["cluster_id"]])
    ax.set_xlabel("cross-province ÷ same-province flow at equal distance (log scale)")
    ax.set_ylim(-0.6, len(border) - 0.4)
    if (border["specification"] != "fixed_effects").any():
        ax.scatter([], [], s=60, color="white", edgecolor="#555555", linewidth=2, label="population masses")
        ax.scatter([], [], s=60, color="#555555", label="city fixed effects")
        ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.tight_layout()
    return fig


#: Errors above this (%) are drawn at it (a few slow direct trains on long detours).
CLIP_PCT = 250.0


def timetable_errors(pairs: pd.DataFrame, clusters: list[str]):
    """Relative error of the rail network against the timetable (model ÷ timetable − 1, %),
    one row per held-out cluster, before and after the two recalibrations (each fitted on
    the other clusters' pairs): the pairs as points and their median as a bar; errors above
    :data:`CLIP_PCT` are drawn at it."""
    clusters = [c for c in clusters if c in set(pairs["cluster_id"])]
    columns = {"before": "model_h", "multiplicative": "scaled_h", "speed_factors": "speeds_h"}
    fig, ax = plt.subplots(figsize=(6.4, 0.9 * len(clusters) + 1.5))
    rng = np.random.default_rng(0)
    offsets = {"before": 0.25, "multiplicative": 0.0, "speed_factors": -0.25}
    for k, cluster_id in enumerate(reversed(clusters)):
        sub = pairs[pairs["cluster_id"] == cluster_id]
        for version, column in columns.items():
            error = (100 * (sub[column] / sub["hours"] - 1)).clip(upper=CLIP_PCT)
            y = k + offsets[version] + rng.uniform(-0.07, 0.07, len(error))
            ax.scatter(error, y, s=9, color=VERSION_COLOURS[version], alpha=0.45, linewidth=0)
            ax.plot([error.median()] * 2, [k + offsets[version] - 0.11, k + offsets[version] + 0.11],
                    color=VERSION_COLOURS[version], linewidth=2.5)
    ax.axvline(0, color="#555555", linewidth=1, linestyle=":")
    counts = {c: int((pairs["cluster_id"] == c).sum()) for c in clusters}
    ax.set_yticks(range(len(clusters)), [f"{CLUSTERS[c][1]}\n({counts[c]} pair{'s' if counts[c] != 1 else ''})"
                                         for c in reversed(clusters)])
    ax.set_xlabel("model ÷ timetable − 1 (%; negative: the model is too fast)")
    ax.set_xlim(-100, CLIP_PCT + 10)
    for version, label in VERSION_LABELS.items():
        ax.scatter([], [], s=25, color=VERSION_COLOURS[version], label=label)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    fig.tight_layout()
    return fig
