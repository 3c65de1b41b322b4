"""Figures and tables for the book: one style, Chinese text rendered with Noto CJK.

Every chapter calls :func:`use_book_style` once. Maps are drawn in an Albers equal-area
projection for China (standard parallels 25° N and 47° N, central meridian 105° E).
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib as mpl
import pandas as pd

from cityclusters.config import cluster_label  # noqa: F401  (figures label clusters this way)
from cityclusters.data.names import bilingual

#: One colour per cluster, colour-blind safe (Okabe–Ito).
CLUSTER_COLOURS = {
    "chengyu": "#E69F00",
    "qianzhong": "#D55E00",
    "chengyugui": "#E69F00",
    "yrd26": "#0072B2",
    "yrd41": "#56B4E9",
    "middle_yangtze": "#009E73",
    "jingjinji": "#CC79A7",
}


def use_book_style() -> None:
    """Matplotlib settings of the book: Noto Sans CJK SC for Chinese, readable sizes."""
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": ["Noto Sans CJK SC", "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "figure.figsize": (7.5, 5.0),
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 12,
            "axes.labelsize": 10.5,
            "legend.fontsize": 9,
            "xtick.labelsize": 9.5,
            "ytick.labelsize": 9.5,
            "svg.hashsalt": "cityclusters",  # reproducible SVG ids
        }
    )




@lru_cache(maxsize=1)
def _city_names() -> pd.DataFrame:
    from cityclusters.data.tables import cities

    return pd.DataFrame(cities()).set_index("city_code")[["name_short_zh", "name_pinyin"]]


def city_label(code: int) -> str:
    """Bilingual city label '成都 (Chengdu)' from the city table, by ``city_code``."""
    names = _city_names()
    return bilingual(names.at[code, "name_short_zh"], names.at[code, "name_pinyin"])

