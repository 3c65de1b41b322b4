"""Shared figure helpers and the ledger figure, checked on small hand-made inputs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cityclusters.analysis.verdicts import VERDICTS  # noqa: E402
from cityclusters.config import CLUSTER_IDS  # noqa: E402
from cityclusters.figures import ledger, maps, style  # noqa: E402


def test_book_style_puts_the_cjk_font_first_and_keeps_minus_signs_ascii():
    style.use_book_style()
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert style.bilingual("成都", "Chengdu") == "成都 (Chengdu)"


def test_every_cluster_has_a_colour_and_a_bilingual_label():
    assert set(style.CLUSTER_COLOURS) == set(CLUSTER_IDS)
    assert style.cluster_label("yrd26") == "长三角城市群 Yangtze River Delta (26)"


def test_ledger_colours_cover_exactly_the_verdict_vocabulary():
    assert tuple(ledger.VERDICT_COLOURS) == VERDICTS == tuple(ledger.VERDICT_LABELS)


def test_verdict_bars_label_each_segment_with_its_count():
    counts = pd.DataFrame({"supported": [2, 0], "not supported": [1, 3]}, index=["000", "003"])
    fig = ledger.verdict_bars(counts, {"000": "Liu & Deng 2021"})
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "3"]  # zero segments unlabelled
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Liu & Deng 2021", "003"]
    assert ax.get_xlabel() == "claims 论断数"
    plt.close(fig)
    with pytest.raises(ValueError, match="unknown verdict columns \\['refuted'\\]"):
        ledger.verdict_bars(pd.DataFrame({"refuted": [1]}, index=["000"]), {})


def test_cluster_map_refuses_clusters_it_cannot_draw():
    with pytest.raises(ValueError, match="none of \\['prd'\\] can be mapped"):
        maps.cluster_map(None, None, pd.DataFrame({"cluster_id": [], "city_code": [], "partial": []}), ["prd"])
