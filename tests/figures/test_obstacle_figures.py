"""Chapter 7's multiverse figure: one panel per cluster, every column with a labelled x axis."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cityclusters.figures.obstacles import share_intervals  # noqa: E402


def test_share_intervals_panels_and_axes():
    rows = [{"cluster_id": c, "subsystem_id": s, "main": 0.2, "low": 0.1, "high": 0.3}
            for c in ["chengyu", "qianzhong", "yrd26", "middle_yangtze"] for s in ["industry", "ecology"]]
    fig = share_intervals(pd.DataFrame(rows), ["chengyu", "qianzhong", "yrd26", "middle_yangtze"],
                          {"industry": "Industry", "ecology": "Ecology"})
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 4
    labelled = [ax for ax in visible if ax.get_xlabel()]
    assert len(labelled) == 3  # one per column, including the column whose lower panel is empty
    assert [t.get_text() for t in visible[0].get_yticklabels()] == ["Industry", "Ecology"]
    plt.close(fig)
