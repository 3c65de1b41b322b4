"""Chapter 5's flow figures: one job each, labelled axes, every cluster on the chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cityclusters.figures import flows as ff  # noqa: E402


def test_decay_curve_axes_and_legend():
    curve = pd.DataFrame({"km_low": [20, 100], "km_high": [100, 500], "km_mid": [60, 250], "n_pairs": [10, 40],
                          "observed": [2.5, 0.2], "fitted": [2.7, 0.16]})
    fig = ff.decay_curve(curve, -2.0, -2.1, -1.9, 2.0)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and "km" in ax.get_xlabel()
    assert len(ax.get_legend().get_texts()) == 3
    plt.close(fig)


def test_border_effects_one_row_per_cluster():
    border = pd.DataFrame({"cluster_id": ["yrd41", "jingjinji"], "specification": ["fixed_effects", "masses"],
                           "border": [-1.0, 0.1], "border_low": [-1.2, -0.3], "border_high": [-0.8, 0.5],
                           "flow_ratio": [np.exp(-1.0), np.exp(0.1)]})
    fig = ff.border_effects(border)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Beijing–Tianjin–Hebei", "Yangtze River Delta (41)"]
    plt.close(fig)


def test_timetable_errors_lists_clusters_with_their_pairs():
    pairs = pd.DataFrame({"cluster_id": ["yrd41"] * 3 + ["chengyu"] * 2, "hours": [1.0, 2.0, 1.0, 1.0, 3.0],
                          "model_h": [0.8, 1.5, 1.0, 1.1, 2.9], "scaled_h": [1.1, 2.1, 1.4, 1.5, 4.0],
                          "speeds_h": [1.0, 2.0, 9.0, 1.2, 3.3]})
    fig = ff.timetable_errors(pairs, ["chengyu", "yrd41", "jingjinji"])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["Yangtze River Delta (41)\n(3 pairs)", "Chengdu–Chongqing\n(2 pairs)"]
    assert fig.axes[0].get_xlim()[1] > ff.CLIP_PCT
    plt.close(fig)


def test_border_effects_without_a_border_says_so():
    fig = ff.border_effects(pd.DataFrame())
    assert "no cluster" in fig.axes[0].texts[0].get_text()
    plt.close(fig)
