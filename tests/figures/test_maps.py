"""Every map of the book has a scale bar in km; the cluster map's legend states a count once.

The maps are drawn on a small made-up geography: a grid of square "prefectures" in the Yangtze
River Delta and one in the Middle Yangtze, in longitude and latitude as the census tables are.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from shapely.geometry import box  # noqa: E402

from cityclusters.config import CLUSTERS  # noqa: E402
from cityclusters.figures import coordination, flows, linkages, maps, mechanism, style  # noqa: E402

#: Grids of square units (origin lon, lat; columns × rows; cell in degrees; first code).
GRIDS = {"yrd": (115.5, 28.0, 7, 6, 0.8, 310100), "middle_yangtze": (110.0, 26.0, 7, 4, 0.9, 420100)}


def _grid(origin_lon, origin_lat, ncols, nrows, cell, first_code, province):
    rows = []
    for k in range(ncols * nrows):
        lon, lat = origin_lon + cell * (k % ncols), origin_lat + cell * (k // ncols)
        rows.append({"city_code": first_code + 100 * k, "name_zh": f"{province}{k}市",
                     "name_short_zh": f"{province}{k}", "name_pinyin": f"City{k}",
                     "province_zh": province if k % ncols < ncols // 2 else f"{province}东",
                     "lon": lon + cell / 2, "lat": lat + cell / 2,
                     "geometry": box(lon, lat, lon + cell, lat + cell)})
    return rows


@pytest.fixture(scope="module")
def geography():
    style.use_book_style()
    yrd = _grid(*GRIDS["yrd"], "江苏")
    mid = _grid(*GRIDS["middle_yangtze"], "湖北")
    cities = gpd.GeoDataFrame(yrd + mid, crs="EPSG:4326")
    yrd_codes = [r["city_code"] for r in yrd]
    cities["in_yrd41"] = cities["city_code"].isin(yrd_codes[:41])
    cities["in_yrd26"] = cities["city_code"].isin(yrd_codes[:26])
    cities["in_middle_yangtze"] = cities["city_code"].isin([r["city_code"] for r in mid])
    members = pd.DataFrame(
        [{"cluster_id": c, "city_code": code, "partial": False}
         for c in ("yrd41", "yrd26", "middle_yangtze")
         for code in cities.loc[cities[f"in_{c}"], "city_code"]])
    basemap = gpd.GeoDataFrame({"name_zh": cities["name_zh"], "province_zh": cities["province_zh"]},
                               geometry=cities.geometry.buffer(0), crs="EPSG:4326")
    return cities, basemap, members


def _map_axes(fig):
    """The axes that show a map (something was drawn in them)."""
    return [ax for ax in fig.axes if ax.collections]


def _bars(ax):
    return [a for a in ax.artists if isinstance(a, maps.ScaleBar)]


def assert_scale_bars(fig):
    """Each map of ``fig`` carries one scale bar of a round length, labelled in km, under the
    map's frame, as long on the map as its km at the map's scale."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = _map_axes(fig)
    assert axes, "no map drawn"
    for ax in axes:
        bars = _bars(ax)
        assert len(bars) == 1, ax.get_title()
        bar = bars[0]
        assert bar.km in maps.SCALE_BAR_KM and bar.km in (50, 100, 200, 500)
        assert bar.txt_label.get_text() == bar.label == f"{bar.km} km"
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert bar.length_m == pytest.approx(bar.km * 1000 * maps.parallel_scale((x0 + x1) / 2, (y0 + y1) / 2))
        assert 0.9 < bar.length_m / (bar.km * 1000) < 1.1  # Albers is close to true scale in China
        assert bar.km <= maps.SCALE_BAR_SHARE * abs(x1 - x0) / 1000
        drawn = bar.get_window_extent(renderer)
        frame = ax.get_window_extent(renderer)
        assert drawn.y1 <= frame.y0 + 1 and drawn.x1 <= frame.x1 + 1, "the bar is drawn over the map"
    plt.close(fig)


def test_scale_bar_lengths_are_round_and_fit_the_map():
    assert maps.scale_bar_km(1000) == 200 and maps.scale_bar_km(400) == 100
    assert maps.scale_bar_km(5) == 10  # the shortest for a tiny map
    assert all(maps.scale_bar_km(w) <= maps.SCALE_BAR_SHARE * w for w in (40, 170, 333, 800, 1700, 4000))


def test_cluster_map_has_scale_bars_and_counts_each_cluster_once(geography):
    cities, basemap, members = geography
    fig = maps.cluster_map(cities, basemap, members, ["yrd41", "yrd26", "middle_yangtze"])
    legends = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert "长三角 Yangtze River Delta (41)" in legends
    assert "长三角城市群 Yangtze River Delta (26)" in legends
    assert "长江中游城市群 Middle Yangtze (28)" in legends
    for text in legends:
        assert len(re.findall(r"\(\d+\)", text)) <= 1, text
    assert_scale_bars(fig)


def test_member_label_states_a_disagreeing_count_in_words():
    assert style.cluster_member_label("yrd41", 41) == "长三角 Yangtze River Delta (41)"
    assert style.cluster_member_label("yrd26", 27) == "长三角城市群 Yangtze River Delta (26), 27 units"
    for cluster_id in CLUSTERS:
        assert len(re.findall(r"\(\d+\)", style.cluster_member_label(cluster_id, 41))) == 1


def test_grade_maps_have_scale_bars(geography, monkeypatch):
    cities, basemap, members = geography
    # the full membership table is read from the data: none beyond ``members`` here
    monkeypatch.setattr("cityclusters.data.tables.clusters",
                        lambda: pd.DataFrame({"cluster_id": [], "city_code": []}))
    codes = members["city_code"].unique()
    degree = pd.Series(np.linspace(0.2, 0.8, len(codes) * 2),
                       index=pd.MultiIndex.from_product([codes, [2010, 2019]], names=["city_code", "year"]))
    fig = coordination.grade_maps(degree, cities, basemap, members, ["yrd41", "middle_yangtze"], [2010, 2019])
    assert len(_map_axes(fig)) == 4
    assert_scale_bars(fig)


def test_cohort_map_has_a_scale_bar(geography):
    cities, basemap, members = geography
    yrd = members.loc[members["cluster_id"] == "yrd41", ["city_code"]].copy()
    yrd["cohort"] = np.where(np.arange(len(yrd)) < 16, 1997, 2010)
    fig = mechanism.cohort_map(cities, basemap, yrd, 2005, [310100])
    assert_scale_bars(fig)


def _link_panels(members):
    panels = []
    for cluster_id in ("yrd41", "middle_yangtze"):
        codes = members.loc[members["cluster_id"] == cluster_id, "city_code"].tolist()
        links = pd.DataFrame({"code_a": codes[:3], "code_b": codes[3:6], "relative": [1.0, 0.5, 0.2]})
        panels.append({"title": CLUSTERS[cluster_id][1], "cluster_id": cluster_id, "links": links,
                       "members": codes, "cores": codes[:1]})
    return panels


@pytest.mark.parametrize("draw", [linkages.link_maps, flows.flow_maps], ids=["gravity", "observed"])
def test_link_and_flow_maps_have_scale_bars(geography, draw):
    cities, basemap, members = geography
    coords = cities.set_index("city_code")[["lon", "lat"]]
    fig = draw(_link_panels(members), basemap, cities, coords)
    assert len(_map_axes(fig)) == 2
    assert_scale_bars(fig)
