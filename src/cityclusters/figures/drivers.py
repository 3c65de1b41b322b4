"""Figures of chapter 11 (what goes with coordination)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.figures.style import CLUSTER_COLOURS


def coefficient_plot(coefs: pd.DataFrame, terms: Sequence[str], term_labels: Mapping[str, str],
                     model_labels: Mapping[str, str], xlabel: str, cluster_models: Sequence[str] = ()):
    """One panel per term: point estimate and 95 % interval of every model, one row each.

    ``coefs`` from :func:`cityclusters.analysis.drivers.coefficient_frame` (``model, term, estimate,
    ci_low, ci_high``); rows are ordered as ``model_labels`` (model id → display label);
    models in ``cluster_models`` (cluster ids) are drawn in their cluster colour below a thin
    separating line. Intervals that exclude zero are drawn filled, the others hollow.
    """
    models = [m for m in model_labels if m in set(coefs["model"])]
    n = len(models)
    fig, axes = plt.subplots(1, len(terms), figsize=(8.6, 0.32 * n + 1.5), sharey=True)
    axes = np.atleast_1d(axes)
    ypos = {m: n - 1 - i for i, m in enumerate(models)}
    for ax, term in zip(axes, terms):
        part = coefs[coefs["term"] == term]
        for row in part.itertuples():
            if row.model not in ypos:
                continue
            y = ypos[row.model]
            colour = CLUSTER_COLOURS.get(row.model, "#333333") if row.model in cluster_models else "#333333"
            excludes = row.ci_low > 0 or row.ci_high < 0
            ax.plot([row.ci_low, row.ci_high], [y, y], color=colour, linewidth=1.4)
            ax.plot(row.estimate, y, "o", color=colour, markersize=5,
                    markerfacecolor=colour if excludes else "white")
        ax.axvline(0, color="grey", linewidth=0.8, linestyle="--")
        n_main = sum(m not in cluster_models for m in models)
        if 0 < n_main < n:
            ax.axhline(n - n_main - 0.5, color="#bbbbbb", linewidth=0.6)
        ax.set_title(term_labels.get(term, term), fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].set_yticks([ypos[m] for m in models])
    axes[0].set_yticklabels([model_labels[m] for m in models], fontsize=8)
    axes[0].set_ylim(-0.7, n - 0.3)
    fig.tight_layout()
    return fig


def event_profile_figure(profile: pd.DataFrame, ylabel: str):
    """Mean within-city deviation of the outcome by years relative to the first HSR year.

    ``profile``: ``event_time, mean, ci_low, ci_high, n`` (from
    :func:`cityclusters.analysis.drivers.hsr_event_profile`)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.fill_between(profile["event_time"], profile["ci_low"], profile["ci_high"], color="#0072B2", alpha=0.2,
                    linewidth=0)
    ax.plot(profile["event_time"], profile["mean"], "o-", color="#0072B2", markersize=4)
    ax.axhline(0, color="grey", linewidth=0.8, linestyle="--")
    ax.axvline(-0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("years since the first HSR station (开通高铁后年数)")
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def event_figure(profile: pd.DataFrame, outcome: str):
    """:func:`event_profile_figure` with the y label of ``outcome`` ("coordination": D×100,
    else growth in pp), or a small placeholder panel when ``profile`` is empty (too few
    openings inside the panel's years)."""
    if len(profile):
        return event_profile_figure(profile, "D×100, city & year means removed"
                                    if outcome == "coordination" else "growth (pp), city & year means removed")
    fig, ax = plt.subplots(figsize=(6.4, 1.5))
    ax.text(0.5, 0.5, "too few openings in these years", ha="center", va="center")
    ax.axis("off")
    return fig
