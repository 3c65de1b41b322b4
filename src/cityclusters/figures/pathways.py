"""Figures of chapter 12 (pathways as scenarios)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def travel_time_cuts(pairs: pd.DataFrame, title: str = ""):
    """Dumbbell chart of the city pairs whose travel time a scenario shortens.

    ``pairs``: one row per pair with ``label`` (bilingual, e.g. "成都 Chengdu – 重庆 Chongqing"),
    ``before`` and ``after`` (hours) and ``gain`` (linkage ratio after/before); sorted as
    given, top row first.
    """
    n = max(len(pairs), 1)
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * n + 1.3))
    y = np.arange(len(pairs))[::-1]
    for yy, row in zip(y, pairs.itertuples()):
        ax.plot([row.after, row.before], [yy, yy], color="#999999", linewidth=1.6, zorder=1)
        ax.text(row.before + 0.05, yy, f"×{row.gain:.2f}", va="center", fontsize=7.5, color="#555555")
    ax.scatter(pairs["before"], y, color="#D55E00", s=28, zorder=2, label="network of the scenario year 基准")
    ax.scatter(pairs["after"], y, color="#0072B2", s=28, zorder=2, label="with the planned line(s) 情景")
    ax.set_yticks(y)
    ax.set_yticklabels(pairs["label"], fontsize=8)
    ax.set_xlabel("travel time 旅行时间 (h, approximate network)")
    ax.set_xlim(0, float(pairs["before"].max()) * 1.18 if len(pairs) else 1)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8, frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def gap_closure_bars(frame: pd.DataFrame, target: float, title: str = ""):
    """GDP per head by city before (bars) and after the gap-closure scenario (dots).

    ``frame``: ``label`` (bilingual), ``before``, ``after`` (元 per resident), ``changed``
    (bool); ``target``: the target level drawn as a dashed line.
    """
    frame = frame.sort_values("before", ascending=True)
    fig, ax = plt.subplots(figsize=(7.2, 0.28 * len(frame) + 1.4))
    y = np.arange(len(frame))
    colours = np.where(frame["changed"], "#E69F00", "#BBBBBB")
    ax.barh(y, frame["before"] / 1e4, color=colours, height=0.7, label="actual 实际")
    moved = frame[frame["changed"].to_numpy()]
    ax.scatter(moved["after"] / 1e4, y[frame["changed"].to_numpy()], color="#0072B2", s=22, zorder=3,
               label="scenario 情景")
    ax.axvline(target / 1e4, color="#333333", linestyle="--", linewidth=1, label="target 目标")
    ax.set_yticks(y)
    ax.set_yticklabels(frame["label"], fontsize=7.5)
    ax.set_xlabel("GDP per head 人均GDP (10 000 yuan per resident, current prices)")
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def gap_figure(frame: pd.DataFrame | None, target: float | None, title: str = ""):
    """:func:`gap_closure_bars`, or a small placeholder panel when there is no cluster with
    non-core cities (``frame`` None)."""
    if frame is None:
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no cluster with non-core cities", ha="center")
        return fig
    return gap_closure_bars(frame, target, title)
