"""Interactive SVG figures: well-formed, one tooltip per mark, offline, clear errors."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cityclusters.publishing import interactive  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def cities():
    """Three square 'cities' near Chengdu in WGS84; the third has no value."""
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import MultiPolygon, box

    return gpd.GeoDataFrame(
        {"label": ["成都 (Chengdu)", "重庆 (Chongqing)", "贵阳 (Guiyang)"],
         "value": [0.5124, 0.4, np.nan],
         "grade": ["勉强协调 barely coordinated", "濒临失调 verge of imbalance", None]},
        geometry=[box(103.5, 30.3, 104.5, 31.0),
                  MultiPolygon([box(105.5, 29.0, 107.0, 30.0), box(107.1, 29.0, 107.5, 29.5)]),
                  box(106.3, 26.3, 107.0, 27.0)],
        crs="EPSG:4326",
    )


@pytest.fixture
def lines():
    return pd.DataFrame({"cluster": ["A"] * 3 + ["B"] * 3, "year": [2000, 2001, 2002] * 2,
                         "theil": [0.1, 0.12, np.nan, 0.2, 0.19, 0.185]})


def titles(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{NS}title")]


def assert_offline(svg: str) -> None:
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert "<script" not in svg.lower()
    assert "@import" not in svg and "url(http" not in svg


def test_choropleth_tooltips_well_formed_and_offline(cities):
    svg = interactive.svg_choropleth(cities, "value", "label", title="D 协调度", unit="index",
                                     fmt=".3f", cmap="viridis", legend_title="D")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == f"{NS}svg"
    assert titles(svg) == ["成都 (Chengdu): 0.512 index", "重庆 (Chongqing): 0.400 index",
                           "贵阳 (Guiyang): no data"]
    units = [p for p in root.iter(f"{NS}path") if p.get("class") == "cc-unit"]
    assert len(units) == 3
    assert units[2].get("fill").startswith("url(#")  # hatched pattern for no data
    assert units[1].get("d").count("M") == 2  # both parts of the MultiPolygon
    assert "no data" in svg.split("</g>")[-1]  # legend entry
    assert_offline(svg)


def test_choropleth_detail_classes_and_background(cities):
    back = cities.assign(province="川")[["province", "geometry"]]
    svg = interactive.svg_choropleth(cities, "value", "label", title="D", fmt=".2f",
                                     detail_column="grade", breaks=[0, 0.45, 1],
                                     colours=["#ff0000", "#00ff00"], class_labels=["low", "high"],
                                     legend_fmt=".2f", background=back)
    assert titles(svg)[0] == "成都 (Chengdu): 0.51 — 勉强协调 barely coordinated"
    fills = [p.get("fill") for p in ET.fromstring(svg).iter(f"{NS}path") if p.get("class") == "cc-unit"]
    assert fills[:2] == ["#00ff00", "#ff0000"]
    assert "[0.00, 0.45) low" in svg and "[0.45, 1.00) high" in svg  # legend_fmt applies


def test_choropleth_deterministic_and_small(cities):
    a = interactive.svg_choropleth(cities, "value", "label", title="t", fmt=".3f")
    b = interactive.svg_choropleth(cities, "value", "label", title="t", fmt=".3f")
    assert a == b
    assert len(a.encode()) < 20_000


@pytest.mark.parametrize("change, column", [
    (lambda f: f.drop(columns="value"), "value"),
    (lambda f: f.drop(columns="label"), "label"),
    (lambda f: f.assign(value=["0.5", "x", None]), "value"),
    (lambda f: f.assign(value=[True, False, True]), "value"),
    (lambda f: f.iloc[0:0], "value"),
    (lambda f: f.assign(label=["a", None, "c"]), "label"),
])
def test_choropleth_bad_input_names_the_column(cities, change, column):
    with pytest.raises(ValueError, match=f"'?{column}'?"):
        interactive.svg_choropleth(change(cities), "value", "label", title="t", fmt=".3f")


def test_choropleth_null_geometry_and_missing_crs(cities):
    broken = cities.copy()
    broken.loc[1, "geometry"] = None
    with pytest.raises(ValueError, match="geometry.*重庆"):
        interactive.svg_choropleth(broken, "value", "label", title="t")
    with pytest.raises(ValueError, match="CRS"):
        interactive.svg_choropleth(cities.set_crs(None, allow_override=True), "value", "label", title="t")


def test_line_chart_one_title_per_point(lines):
    svg = interactive.svg_line_chart(lines, "year", "theil", "cluster", title="Theil 泰尔",
                                     y_label="Theil T", fmt=".3f",
                                     series_labels={"A": "长三角 YRD", "B": "成渝 Chengyu"},
                                     dashed={"B"}, thick={"A"})
    root = ET.fromstring(svg)
    # thin series first, the thick one on top
    assert titles(svg) == ["成渝 Chengyu, 2000: 0.200", "成渝 Chengyu, 2001: 0.190",
                           "成渝 Chengyu, 2002: 0.185", "长三角 YRD, 2000: 0.100",
                           "长三角 YRD, 2001: 0.120"]
    points = [c for c in root.iter(f"{NS}circle") if c.get("class") == "cc-pt"]
    assert len(points) == 5  # the missing 2002 value of A is not drawn
    dashed = [p for p in root.iter(f"{NS}path") if p.get("stroke-dasharray")]
    assert len(dashed) == 1
    assert_offline(svg)


@pytest.mark.parametrize("change, column", [
    (lambda f: f.drop(columns="theil"), "theil"),
    (lambda f: f.assign(theil=["a", 1.0, 2.0, 3.0, 4.0, 5.0]), "theil"),
    (lambda f: f.assign(year=["2000", "x", "y", "2000", "2001", "2002"]), "year"),
    (lambda f: f.iloc[0:0], "theil"),
    (lambda f: f.assign(year=2000), "year"),  # duplicated (series, x)
])
def test_line_chart_bad_input_names_the_column(lines, change, column):
    with pytest.raises(ValueError, match=f"'{column}'"):
        interactive.svg_line_chart(change(lines), "year", "theil", "cluster", title="t", y_label="y")


def test_mimebundle_has_html_and_png(lines):
    svg = interactive.svg_line_chart(lines, "year", "theil", "cluster", title="t", y_label="y")
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    obj = interactive.interactive_figure(svg, fig)
    plt.close(fig)
    bundle = obj._repr_mimebundle_()
    assert {"text/html", "image/png"} <= set(bundle)
    assert bundle["text/html"].startswith('<div class="cc-interactive"')
    assert svg in bundle["text/html"]
    assert base64.b64decode(bundle["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "hover" in bundle["text/plain"]
    assert "image/png" not in interactive.interactive_figure(svg, None)._repr_mimebundle_()


def test_small_multiples_grid_and_legend(lines):
    charts = [interactive.svg_line_chart(lines, "year", "theil", "cluster", title=t, y_label="",
                                         legend=False, x_range=(1999, 2003)) for t in ("a", "b")]
    footer = interactive.svg_legend([("A", "#0072B2"), ("B", "#E69F00")], dashed={"B"})
    html = interactive.interactive_figure(charts, None, columns=2, footer=footer).html
    assert html.count("<svg") == 3 and "grid-template-columns:repeat(2" in html
    ET.fromstring(f"<div>{html}</div>")
    with pytest.raises(ValueError, match="svg"):
        interactive.interactive_figure("<div/>", None)


def test_choropleth_has_the_scale_bar_of_the_static_maps(cities):
    from cityclusters.config import CHINA_ALBERS
    from cityclusters.figures.maps import SCALE_BAR_KM, scale_bar

    root = ET.fromstring(interactive.svg_choropleth(cities, "value", "label", title="D", width=760.0))
    bar = next(r for r in root.iter(f"{NS}rect") if r.get("class") == "cc-scale-bar")
    label = next(t for t in root.iter(f"{NS}text") if t.get("class") == "cc-scale-bar-label")
    km = int(bar.get("data-km"))
    assert km in SCALE_BAR_KM and label.text == f"{km} km"
    # the bar is as long on the drawing as km at the map's scale (the map is 0.7 × 760 px wide)
    xmin, ymin, xmax, ymax = cities.to_crs(CHINA_ALBERS).total_bounds
    span = max(xmax - xmin, ymax - ymin)
    xlim, ylim = (xmin - 0.03 * span, xmax + 0.03 * span), (ymin - 0.03 * span, ymax + 0.03 * span)
    assert scale_bar(xlim, ylim)[0] == km
    assert float(bar.get("width")) == pytest.approx(scale_bar(xlim, ylim)[1] * 0.7 * 760 / (xlim[1] - xlim[0]), abs=0.06)
    assert "scale-bar" not in interactive.svg_choropleth(cities, "value", "label", title="D", with_scale_bar=False)
    with pytest.raises(ValueError, match="not metres"):
        interactive.svg_choropleth(cities, "value", "label", title="D", projection="EPSG:4326")
