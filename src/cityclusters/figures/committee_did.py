"""Figures of chapter 9 (did joining the YRD committee pay?).

Every function takes the tidy tables of :mod:`cityclusters.analysis.committee_did` and returns a
matplotlib Figure (call :func:`cityclusters.figures.style.use_book_style` first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#555555"]


def event_study(frames: Mapping[str, pd.DataFrame], ylabel: str, reference: int = -1):
    """Event-time estimates of several estimators on one axis, 95 % intervals as bars.

    ``frames``: label → DataFrame ``event_time, estimate, ci_low, ci_high`` (from
    :func:`cityclusters.analysis.committee_did.event_study_frame`). Estimators are dodged
    horizontally; a dashed vertical line separates leads from lags (between −1 and 0), a
    dotted one marks the reference year when it is a normalised zero.
    """
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    n = len(frames)
    width = 0.6 / max(n, 1)
    for i, (label, frame) in enumerate(frames.items()):
        offset = (i - (n - 1) / 2) * width
        x = frame["event_time"].to_numpy(dtype=float) + offset
        est = frame["estimate"].to_numpy(dtype=float)
        err = np.vstack([est - frame["ci_low"].to_numpy(dtype=float),
                         frame["ci_high"].to_numpy(dtype=float) - est])
        ax.errorbar(x, est, yerr=err, fmt="o", ms=4, capsize=2, lw=1.1,
                    color=_COLOURS[i % len(_COLOURS)], label=label)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.axvline(-0.5, color="#777777", lw=0.8, ls="--")
    ax.set_xlabel("years since joining the committee (event time 相对入会年份)")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8, loc="lower left")
    ax.text(-0.6, 1.0, "before joining 入会前", transform=ax.get_xaxis_transform(), ha="right",
            va="top", fontsize=8, color="#555555")
    ax.text(-0.4, 1.0, "after 入会后", transform=ax.get_xaxis_transform(), ha="left",
            va="top", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig


def group_means(means: pd.DataFrame, ylabel: str, join_years: Mapping[str, int] | None = None):
    """Mean outcome by year for each cohort and the controls (one line each).

    ``means``: ``group, year, mean, n_cities`` (:func:`cityclusters.analysis.committee_did.group_means`);
    ``join_years``: group → year, drawn as a small marker on that group's line. The legend
    shows the number of cities of each group.
    """
    fig, ax = plt.subplots(figsize=(7.2, 4.0))
    groups = list(dict.fromkeys(means["group"]))
    groups = [g for g in groups if g != "control"] + (["control"] if "control" in groups else [])
    for i, group in enumerate(groups):
        frame = means[means["group"] == group].sort_values("year")
        n = int(frame["n_cities"].max())
        style = {"color": "#222222", "lw": 2.2} if group == "control" else \
            {"color": _COLOURS[i % len(_COLOURS)], "lw": 1.3}
        label = ("controls 对照组" if group == "control" else group.replace("cohort", "joined")) \
            + f" (n={n})"
        ax.plot(frame["year"], frame["mean"], label=label, **style)
        if join_years and group in join_years:
            at = frame[frame["year"] == join_years[group]]
            ax.plot(at["year"], at["mean"], marker="D", ms=6, color=style["color"], lw=0)
    ax.set_xlabel("year")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7.5, ncol=2)
    fig.tight_layout()
    return fig


def robustness(table: pd.DataFrame, labels: Sequence[str] | None = None, xlabel: str = ""):
    """Horizontal interval plot of the rows of a robustness table (``specification,
    estimate, ci_low, ci_high``); NaN rows are shown as "not estimable"."""
    frame = table.reset_index(drop=True)
    labels = list(labels) if labels is not None else list(frame["specification"])
    fig, ax = plt.subplots(figsize=(7.2, 0.9 + 0.38 * len(frame)))
    y = np.arange(len(frame))[::-1]
    for yi, (_, row), label in zip(y, frame.iterrows(), labels):
        if np.isfinite(row["estimate"]):
            ax.errorbar(row["estimate"], yi, xerr=[[row["estimate"] - row["ci_low"]],
                                                   [row["ci_high"] - row["estimate"]]],
                        fmt="o", color="#0072B2", capsize=2, ms=4)
        else:
            ax.text(0, yi, "not estimable", ha="center", va="center", fontsize=8, color="#777777")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def inference(draws: np.ndarray, observed: float, bounds: pd.DataFrame, xlabel: str,
              centre: float | None = None):
    """Two panels: (a) the randomisation distribution of the ATT over permuted joining dates
    (histogram) with the observed ATT (vertical line) and, when given, the distribution's
    centre (dotted); (b) the Rambachan–Roth robust sets
    (bars) and identified sets (thick bars) of the average post-period effect by M̄
    (``bounds`` of :func:`cityclusters.analysis.committee_did.sensitivity_table`)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.4))
    left.hist(np.asarray(draws, dtype=float), bins=40, color="#9ecae1", edgecolor="white")
    left.axvline(observed, color="#D55E00", lw=1.6, label=f"observed {observed:+.2f}")
    if centre is not None:
        left.axvline(centre, color="#333333", lw=1.0, ls=":", label=f"centre {centre:+.2f}")
    left.set_xlabel(xlabel)
    left.set_ylabel("permutations")
    left.set_title("(a) randomisation over joining dates", fontsize=9, loc="left")
    left.legend(frameon=False, fontsize=8)
    x = np.arange(len(bounds))
    right.vlines(x, bounds["ci_low"], bounds["ci_high"], color="#0072B2", lw=1.2,
                 label="robust 95 % set")
    right.vlines(x, bounds["id_low"], bounds["id_high"], color="#0072B2", lw=5, alpha=0.6,
                 label="identified set at the estimates")
    right.plot(x, bounds["estimate"], "o", color="#0072B2", ms=4)
    right.axhline(0, color="#333333", lw=0.8)
    right.set_xticks(x)
    right.set_xticklabels([f"{m:g}" for m in bounds["mbar"]])
    right.set_xlabel(r"$\bar{M}$ (post-period trend change / largest pre-period change)", fontsize=8)
    right.set_ylabel("average effect after joining")
    right.set_title("(b) Rambachan–Roth sensitivity", fontsize=9, loc="left")
    right.legend(frameon=False, fontsize=7.5, loc="upper left")
    fig.tight_layout()
    return fig
