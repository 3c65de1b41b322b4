"""Chapter 9's inference figure on made-up inputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from cityclusters.figures import committee_did as figs  # noqa: E402


def test_inference_figure_has_two_panels_and_the_observed_line():
    bounds = pd.DataFrame({"mbar": [0.0, 1.0], "estimate": [0.1, 0.1], "id_low": [0.1, -0.5],
                           "id_high": [0.1, 0.7], "ci_low": [-0.6, -2.0], "ci_high": [0.8, 2.2]})
    fig = figs.inference(np.random.default_rng(0).normal(size=199), 0.3, bounds, "ATT")
    left, right = fig.axes
    assert left.lines[0].get_xdata()[0] == 0.3
    assert [t.get_text() for t in right.get_xticklabels()] == ["0", "1"]
    plt.close(fig)
