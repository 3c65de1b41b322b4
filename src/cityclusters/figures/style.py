"""Figures and tables for the book: one style, Chinese text rendered with Noto CJK.

Every chapter calls :func:`use_book_style` once; every figure the book publishes is rendered
to PNG by :func:`figure_png`. Maps are drawn in an Albers equal-area projection for China
(standard parallels 25° N and 47° N, central meridian 105° E).
"""

from __future__ import annotations

import io
import re
from functools import lru_cache

import matplotlib as mpl
import pandas as pd

from cityclusters.config import cluster_label
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


#: Resolution of every published figure (pixels per inch of the figure's size).
FIGURE_DPI = 200
#: Size of a figure on the site, in CSS pixels per inch of the figure: the size the figures had
#: when they were rendered at 110 dpi and shown pixel for pixel, so pages keep their look.
#: ``_config.yml`` sets LaTeX's ``pxunit`` to 1/110 in, so the PDF prints them at their size.
SITE_PX_PER_INCH = 110


def use_book_style() -> None:
    """Matplotlib settings of the book: Noto Sans CJK SC for Chinese, readable sizes."""
    mpl.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": ["Noto Sans CJK SC", "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": FIGURE_DPI,  # layout (e.g. label placement) at the published resolution
            "savefig.dpi": FIGURE_DPI,
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


def figure_png(fig, dpi: float = FIGURE_DPI) -> bytes:
    """The PNG of ``fig`` as the book publishes it, for the site and the PDF alike.

    Why one high-resolution PNG rather than SVG: the PDF cannot take SVG (myst-nb gives the
    LaTeX builder PNG, JPEG or PDF only), so an SVG site would need a second rendering of every
    figure; and a map's SVG carries every polygon of the census base map behind each panel:
    chapter 1's cluster map is 20 MB as SVG, 266 KB as this PNG. Text is drawn by Agg with the
    book's font (Noto Sans CJK SC), so Chinese shows the same on every reader's machine.

    Why :data:`FIGURE_DPI` = 200: the PDF needs ≥ 150 dpi at the size a figure is printed (a
    figure wider than the text block is scaled down, which only raises its dpi), and the site
    shows a figure at :data:`SITE_PX_PER_INCH` CSS pixels per inch (:func:`site_width`), so
    200 dpi gives 1.8 image pixels per CSS pixel: sharp on high-density screens. The PNG
    records its dpi (``pHYs``).

    Why a 256-colour palette: Agg's RGBA PNG at 200 dpi has 3.3 times the pixels of the former
    110 dpi figures (the cluster map: 806 KB) and would take a chapter with many figures past
    the page budget of :mod:`cityclusters.publishing.site_report`; the book's figures are flat
    colours and anti-aliased edges, which a 256-colour palette (median cut, no dithering) keeps
    unchanged to the eye at about a third of the bytes. Chapters 1, 2, 4 and 8 carry fewer
    image bytes than at 110 dpi in RGBA.
    """
    from PIL import Image

    buffer = io.BytesIO()
    # an uncompressed intermediate PNG: the same pixels, without deflating and inflating them
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pil_kwargs={"compress_level": 0})
    rgba = Image.open(buffer).convert("RGBA")
    rgb = Image.new("RGB", rgba.size, "white")  # a transparent background prints white
    rgb.paste(rgba, mask=rgba.getchannel("A"))
    palette = rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="png", optimize=True, dpi=(dpi, dpi))
    return out.getvalue()


def site_width(png: bytes) -> int:
    """Width in CSS pixels at which the site shows a PNG of :func:`figure_png`: its inches ×
    :data:`SITE_PX_PER_INCH` (without it, browsers show a 200 dpi PNG at one CSS pixel per
    image pixel, capped at the column width, and every figure would fill the column)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    return round(image.width / image.info.get("dpi", (FIGURE_DPI,))[0] * SITE_PX_PER_INCH)


#: A parenthesised count at the end of a cluster's name, e.g. " (41)" in "Yangtze River Delta (41)".
_NAME_COUNT = re.compile(r" \((\d+)\)$")


def cluster_member_label(cluster_id: str, n_members: int) -> str:
    """Legend text of a cluster with its number of member units, the count written once.

    The English names of the Yangtze River Delta's two versions carry their count to tell them
    apart ("Yangtze River Delta (41)"); appending the counted members to such a name printed
    "(41) (41)". The name's own count stands for the members when it agrees with
    ``n_members``; when it does not, both are stated in words.

    >>> cluster_member_label("yrd41", 41)
    '长三角 Yangtze River Delta (41)'
    >>> cluster_member_label("chengyu", 16)
    '成渝城市群 Chengdu–Chongqing (16)'
    >>> cluster_member_label("yrd26", 27)
    '长三角城市群 Yangtze River Delta (26), 27 units'
    """
    label = cluster_label(cluster_id)
    named = _NAME_COUNT.search(label)
    if named is None:
        return f"{label} ({n_members})"
    return label if int(named.group(1)) == n_members else f"{label}, {n_members} units"


@lru_cache(maxsize=1)
def _city_names() -> pd.DataFrame:
    from cityclusters.data.tables import cities

    return pd.DataFrame(cities()).set_index("city_code")[["name_short_zh", "name_pinyin"]]


def city_label(code: int) -> str:
    """Bilingual city label '成都 (Chengdu)' from the city table, by ``city_code``."""
    names = _city_names()
    return bilingual(names.at[code, "name_short_zh"], names.at[code, "name_pinyin"])

