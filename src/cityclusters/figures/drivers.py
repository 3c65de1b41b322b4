"""Figures of chapter 11 (what goes with coordination)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cityclusters.figures.style import CLUSTER_COLOURS

#: Colour of models whose errors rest on too few cities to be trusted.
FEW_CITIES_COLOUR = "#999999"


def coefficient_plot(coefs: pd.DataFrame, terms: Sequence[str], term_labels: Mapping[str, str],
                     model_labels: Mapping[str, str], xlabel: str, cluster_models: Sequence[str] = (),
                     few_cities: Sequence[str] = ()):
    """One panel per term: point estimate and 95 % interval of every model, one row each.

    ``coefs`` from :func:`cityclusters.analysis.drivers.coefficient_frame` (``model, term, estimate,
    ci_low, ci_high``); rows are ordered as ``model_labels`` (model id → display label);
    models in ``cluster_models`` (cluster ids) are drawn in their cluster colour below a thin
    separating line. Intervals that exclude zero are drawn filled, the others hollow, except
    for the models in ``few_cities`` (errors resting on too few cities): those are drawn grey
    with a dotted interval and a cross, whatever their interval, because it cannot be trusted.
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
            if row.model in few_cities:
                ax.plot([row.ci_low, row.ci_high], [y, y], color=FEW_CITIES_COLOUR, linewidth=1.2, linestyle=":")
                ax.plot(row.estimate, y, "x", color=FEW_CITIES_COLOUR, markersize=5)
                continue
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


def hsr_event_figure(frames: Mapping[str, pd.DataFrame], ylabel: str):
    """HSR effect by years since the first station, one series per estimator.

    ``frames``: label → ``event_time, estimate, ci_low, ci_high``
    (:func:`cityclusters.analysis.drivers.hsr_event_frame`); series are offset slightly so
    that their intervals do not overlap. Event time −1 is the reference of the Sun–Abraham
    estimates (0 by construction, not drawn); the Callaway–Sant'Anna pre-opening points are
    placebo one-year changes. A small placeholder panel if every frame is empty."""
    shown = {label: frame for label, frame in frames.items() if len(frame)}
    if not shown:
        fig, ax = plt.subplots(figsize=(6.4, 1.5))
        ax.text(0.5, 0.5, "too few openings in these years", ha="center", va="center")
        ax.axis("off")
        return fig
    fig, ax = plt.subplots(figsize=(6.8, 3.7))
    colours = ("#0072B2", "#D55E00", "#009E73")
    offsets = np.linspace(-0.12, 0.12, len(shown)) if len(shown) > 1 else [0.0]
    for (label, frame), colour, dx in zip(shown.items(), colours, offsets):
        x = frame["event_time"].to_numpy() + dx
        ax.vlines(x, frame["ci_low"], frame["ci_high"], color=colour, linewidth=1.2)
        ax.plot(x, frame["estimate"], "o", color=colour, markersize=4, label=label)
    ax.axhline(0, color="grey", linewidth=0.8, linestyle="--")
    ax.axvline(-0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("years since the first HSR station (开通高铁后年数)")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(shown))
    fig.tight_layout()
    return fig
