"""Chapter 4's rank–size plot: its city labels are readable, measured in the drawn figure."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Annotation, Text  # noqa: E402

from cityclusters.figures import hierarchy as hfig  # noqa: E402
from cityclusters.figures import style  # noqa: E402

#: Resident population (万人) of three clusters' cities in 2000 and 2023, rounded, as in the
#: G-P compilation: two dominant cores (Chengdu–Chongqing), a primate city with a close second
#: (Beijing–Tianjin–Hebei) and a small cluster whose largest city barely moved (Qianzhong).
SIZES = {
    "chengyu": [("重庆市", "Chongqing", 2849, 3191), ("成都市", "Chengdu", 1110, 2140),
                ("南充市", "Nanchong", 620, 551), ("达州市", "Dazhou", 560, 535),
                ("绵阳市", "Mianyang", 520, 489), ("宜宾市", "Yibin", 500, 462),
                ("泸州市", "Luzhou", 460, 426), ("德阳市", "Deyang", 380, 345),
                ("广安市", "Guang'an", 410, 322), ("乐山市", "Leshan", 340, 316),
                ("内江市", "Neijiang", 390, 308), ("眉山市", "Meishan", 330, 296),
                ("遂宁市", "Suining", 360, 276), ("自贡市", "Zigong", 310, 243),
                ("资阳市", "Ziyang", 280, 229), ("雅安市", "Ya'an", 150, 143)],
    "jingjinji": [("北京市", "Beijing", 1364, 2186), ("天津市", "Tianjin", 1001, 1364),
                  ("保定市", "Baoding", 1050, 1140), ("石家庄市", "Shijiazhuang", 930, 1123),
                  ("邯郸市", "Handan", 840, 936), ("唐山市", "Tangshan", 700, 770),
                  ("沧州市", "Cangzhou", 670, 730), ("邢台市", "Xingtai", 650, 705),
                  ("廊坊市", "Langfang", 380, 550), ("衡水市", "Hengshui", 420, 420),
                  ("张家口市", "Zhangjiakou", 420, 410), ("承德市", "Chengde", 340, 335),
                  ("秦皇岛市", "Qinhuangdao", 280, 315)],
    "qianzhong": [("毕节市", "Bijie", 720, 690), ("遵义市", "Zunyi", 680, 660),
                  ("贵阳市", "Guiyang", 340, 640), ("黔南布依族苗族自治州", "Qiannan", 320, 350),
                  ("安顺市", "Anshun", 230, 248), ("黔东南苗族侗族自治州", "Qiandongnan", 220, 240)],
}
YEARS = (2000, 2023)


def ranked_and_fits() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shapes of :func:`cityclusters.analysis.hierarchy.ranked_sizes` and of the rank–size
    table (``q`` from an OLS fit of ln size on ln rank)."""
    rows, fits = [], []
    for cluster_id, cities in SIZES.items():
        for k, year in enumerate(YEARS):
            ordered = sorted(cities, key=lambda c: -c[2 + k])
            sizes = np.array([c[2 + k] for c in ordered], dtype=float)
            ranks = np.arange(1, len(sizes) + 1)
            rows += [{"cluster_id": cluster_id, "year": year, "city_code": 1000 * (i + 1), "name_zh": c[0],
                      "name_pinyin": c[1], "size": c[2 + k], "rank": r} for i, (c, r) in enumerate(zip(ordered, ranks))]
            fits.append({"cluster_id": cluster_id, "year": year,
                         "q": -np.polyfit(np.log(ranks), np.log(sizes), 1)[0]})
    return pd.DataFrame(rows), pd.DataFrame(fits)


@pytest.fixture(scope="module")
def drawn():
    style.use_book_style()
    ranked, fits = ranked_and_fits()
    fig = hfig.rank_size_plot(ranked, fits, list(SIZES), list(YEARS), "万人")
    fig.canvas.draw()
    yield fig, fig.canvas.get_renderer()
    plt.close(fig)


def _labels(ax) -> list[Annotation]:
    return [t for t in ax.texts if isinstance(t, Annotation)]


def _text_box(label: Annotation, renderer):
    """The label's text (without its leader line), as the renderer draws it."""
    return Text.get_window_extent(label, renderer)


def test_rank_size_labels_name_the_two_largest_cities_of_the_end_year(drawn):
    fig, _ = drawn
    texts = [[t.get_text() for t in _labels(ax)] for ax in fig.axes[:3]]
    assert texts == [["重庆 Chongqing", "成都 Chengdu"], ["北京 Beijing", "天津 Tianjin"],
                     ["毕节 Bijie", "遵义 Zunyi"]]


def test_rank_size_labels_do_not_overlap_each_other_or_leave_their_panel(drawn):
    fig, renderer = drawn
    boxes = [_text_box(t, renderer) for ax in fig.axes for t in _labels(ax)]
    assert len(boxes) == 6
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), (a, b)
    for ax in fig.axes[:3]:
        frame = ax.get_window_extent(renderer)
        legend = ax.get_legend().get_window_extent(renderer)
        for label in _labels(ax):
            box = _text_box(label, renderer)
            assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            assert not box.overlaps(legend), label.get_text()


def test_rank_size_labels_leave_every_marker_visible(drawn):
    fig, renderer = drawn
    for ax in fig.axes[:3]:
        centres = np.vstack([c.get_offset_transform().transform(c.get_offsets()) for c in ax.collections])
        for label in _labels(ax):
            box = _text_box(label, renderer)
            hidden = [(x, y) for x, y in centres if box.x0 < x < box.x1 and box.y0 < y < box.y1]
            assert hidden == [], (label.get_text(), hidden)
