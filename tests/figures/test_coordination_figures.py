"""Chapter 2's trend figure: one panel per subsystem, then T, C and D side by side."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cityclusters.figures import style  # noqa: E402
from cityclusters.figures.coordination import INDEX_LABELS, cluster_trends  # noqa: E402


def test_cluster_trends_shows_subsystems_then_t_c_d():
    style.use_book_style()  # its fonts carry the Chinese labels
    subsystems = ["industry", "public_services", "ecology", "innovation", "market", "infrastructure"]
    rows = [{"cluster_id": c, "year": y, **{s: 0.3 for s in subsystems}, "T": 0.3, "C": 0.8, "D": 0.5}
            for c in ["chengyu", "yrd26"] for y in (2007, 2008, 2009)]
    fig = cluster_trends(pd.DataFrame(rows), subsystems, ["chengyu", "yrd26"])
    drawn = [ax for ax in fig.axes if ax.axison]
    assert len(drawn) == 9  # six subsystems and T, C, D: a full 3 × 3 grid
    assert [ax.get_title() for ax in drawn[-3:]] == [INDEX_LABELS[c] for c in ("T", "C", "D")]
    assert all(len(ax.get_lines()) == 2 for ax in drawn)  # one line per cluster
    plt.close(fig)
