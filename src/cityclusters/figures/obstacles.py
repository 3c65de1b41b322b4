"""Figure of chapter 7: subsystem obstacle shares and their range across the multiverse
(inputs from :func:`cityclusters.analysis.obstacles.share_intervals`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from cityclusters.figures.style import CLUSTER_COLOURS, cluster_label


def share_intervals(intervals: pd.DataFrame, clusters: Sequence[str], subsystem_labels: Mapping[str, str]):
    """One panel per cluster: each subsystem's obstacle share in the main specification
    (dot) and its 5th–95th percentile across the specifications of the multiverse (bar);
    subsystems in the order of ``intervals``, the same x scale in every panel."""
    n = len(clusters)
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.0 * ncols + 1.6, 2.5 * nrows + 0.6),
                             sharex=True, sharey=True, squeeze=False)
    right = float(intervals["high"].max()) * 1.08
    for ax, cluster in zip(axes.flat, clusters):
        block = intervals[intervals["cluster_id"] == cluster]
        y = range(len(block))
        colour = CLUSTER_COLOURS.get(cluster, "0.3")
        ax.hlines(list(y), block["low"], block["high"], color=colour, linewidth=4, alpha=0.45)
        ax.plot(block["main"], list(y), "o", color=colour, markeredgecolor="black", markersize=5)
        ax.set_yticks(list(y), [subsystem_labels[s] for s in block["subsystem_id"]], fontsize=9.5)
        ax.set_title(cluster_label(cluster), fontsize=11)
        ax.set_xlim(0, right)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        ax.invert_yaxis()
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    for column in range(ncols):  # the lowest visible panel of each column carries the x axis
        visible = [axes[row, column] for row in range(nrows) if row * ncols + column < n]
        visible[-1].xaxis.set_tick_params(labelbottom=True)
        visible[-1].set_xlabel("share of the shortfall 障碍度", fontsize=10)
    fig.tight_layout()
    return fig
