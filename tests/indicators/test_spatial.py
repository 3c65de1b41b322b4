"""Spatial weights, spatial lag and Moran's I: hand examples, esda agreement, real cities."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from cityclusters.errors import MethodInputError
from cityclusters.indicators.spatial import morans_i, spatial_lag, spatial_weights
from tests.conftest import requires_mirror


@pytest.fixture
def line_of_four() -> gpd.GeoDataFrame:
    """Four unit squares in a row: a | b | c | d."""
    return gpd.GeoDataFrame({"unit": list("abcd")}, geometry=[box(i, 0, i + 1, 1) for i in range(4)],
                            crs=4326).set_index("unit")


@pytest.fixture
def two_and_island() -> pd.DataFrame:
    """Two touching squares and a far square, as WKT strings (the tables' format)."""
    return pd.DataFrame({"geometry": [box(0, 0, 1, 1).wkt, box(1, 0, 2, 1).wkt, box(10, 0, 11, 1).wkt]},
                        index=["x", "y", "z"])


# ----------------------------------------------------------------------------- weights
def test_rook_line_binary_and_row_standardised(line_of_four):
    binary = spatial_weights(line_of_four, kind="rook", transform="b")
    assert {u: sorted(n) for u, n in binary.neighbors.items()} == {
        "a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    assert binary.s0 == 6
    rows = spatial_weights(line_of_four, kind="queen")
    assert rows.transform == "R"
    assert dict(zip(rows.neighbors["b"], rows.weights["b"])) == {"a": 0.5, "c": 0.5}
    assert rows.id_order == list("abcd")


def test_islands_raise_keep_and_fallback(two_and_island):
    with pytest.raises(MethodInputError, match="island.*'z'"):
        spatial_weights(two_and_island)
    kept = spatial_weights(two_and_island, islands="keep")
    assert kept.islands == ["z"]
    linked = spatial_weights(two_and_island, islands="knn_fallback", transform="b")
    # z's centroid (10.5, 0.5) is nearest to y's (1.5, 0.5)
    assert linked.fallback_links == {"z": "y"}
    assert sorted(linked.neighbors["y"]) == ["x", "z"] and linked.neighbors["z"] == ["y"]
    assert linked.islands == []
    # knn weights never have islands
    assert spatial_weights(two_and_island, kind="knn", k=1).islands == []


def test_knn_k1_on_three_points_hand_checked():
    # on the equator: A(0°), B(1°), C(3°) → A↔B (111 km), C→B (222 km)
    points = pd.DataFrame({"lon": [0.0, 1.0, 3.0], "lat": [0.0, 0.0, 0.0]}, index=["A", "B", "C"])
    w = spatial_weights(points, kind="knn", k=1)
    assert w.neighbors == {"A": ["B"], "B": ["A"], "C": ["B"]}


def test_knn_uses_great_circle_not_degrees():
    # at 60°N one degree of longitude is ~56 km, one degree of latitude ~111 km:
    # B (1.5° east, ~83 km) is nearer to A than C (1° north, ~111 km); in raw degrees C would win
    points = pd.DataFrame({"lon": [0.0, 1.5, 0.0], "lat": [60.0, 60.0, 61.0], "geometry": None},
                          index=["A", "B", "C"])
    assert spatial_weights(points, kind="knn", k=1).neighbors["A"] == ["B"]


def test_ids_column_and_sequence(line_of_four):
    frame = line_of_four.reset_index().assign(code=[11, 12, 13, 14])
    assert spatial_weights(frame, ids="code").id_order == [11, 12, 13, 14]
    assert spatial_weights(frame, ids=["p", "q", "r", "s"]).id_order == ["p", "q", "r", "s"]


@pytest.mark.parametrize("kwargs, match", [
    ({"kind": "distance"}, "not valid"),
    ({"transform": "x"}, "not valid"),
    ({"islands": "drop"}, "not valid"),
    ({"kind": "knn", "k": 4}, "between 1 and"),
    ({"kind": "knn", "k": 0}, "between 1 and"),
    ({"ids": "nope"}, "not a column"),
    ({"geometry": "shape"}, "no column 'shape'"),
])
def test_weights_bad_options(line_of_four, kwargs, match):
    with pytest.raises(MethodInputError, match=match):
        spatial_weights(line_of_four, **kwargs)


def test_weights_bad_geometries(line_of_four):
    missing = line_of_four.copy()
    missing.loc["c", "geometry"] = None
    with pytest.raises(MethodInputError, match="missing or empty geometry.*'c'"):
        spatial_weights(missing)
    with pytest.raises(MethodInputError, match="invalid WKT"):
        spatial_weights(pd.DataFrame({"geometry": ["POLYGON ((0 0, 1", box(0, 0, 1, 1).wkt]}))
    with pytest.raises(MethodInputError, match="duplicated"):
        spatial_weights(line_of_four, ids=["p", "p", "q", "r"])
    with pytest.raises(MethodInputError, match="at least 2"):
        spatial_weights(line_of_four.iloc[:1])


# ----------------------------------------------------------------------------- Moran's I
def test_morans_i_line_by_hand(line_of_four):
    w = spatial_weights(line_of_four, kind="rook", transform="b")
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"))
    result = morans_i(y, w, permutations=99, seed=1)
    # z = (−1.5, −0.5, 0.5, 1.5), Σz² = 5, S0 = 6 (three links, both directions)
    # Σ w z z = 2(z_a z_b + z_b z_c + z_c z_d) = 2(0.75 − 0.25 + 0.75) = 2.5
    # I = (n/S0)·(2.5/5) = (4/6)(0.5) = 1/3;  E[I] = −1/(n−1) = −1/3
    assert result.I == pytest.approx(1 / 3)
    assert result.expected_I == pytest.approx(-1 / 3)
    assert result.n == 4 and result.transform == "B"
    assert w.transform == "B"  # the caller's weights are left as they were
    # order of the values does not matter, labels do
    assert morans_i(y.iloc[::-1], w, permutations=0).I == pytest.approx(1 / 3)


def numpy_moran(y: np.ndarray, dense: np.ndarray) -> float:
    z = y - y.mean()
    return len(y) / dense.sum() * (z @ dense @ z) / (z @ z)


def test_agreement_with_esda_and_numpy_on_mexico():
    libpysal = pytest.importorskip("libpysal")
    esda = pytest.importorskip("esda")
    mexico = gpd.read_file(libpysal.examples.get_path("mexicojoin.shp"))
    w = spatial_weights(mexico, kind="queen")
    y = mexico["PCGDP1940"].astype(float)
    ours = morans_i(y, w, permutations=199, seed=3)
    reference_w = libpysal.weights.Queen.from_dataframe(mexico, use_index=True, silence_warnings=True)
    np.random.seed(3)
    reference = esda.moran.Moran(y.to_numpy(), reference_w, permutations=199)
    assert ours.I == pytest.approx(reference.I)
    assert ours.z_norm == pytest.approx(reference.z_norm)
    assert ours.p_norm == pytest.approx(reference.p_norm)
    assert ours.p_sim == pytest.approx(reference.p_sim)
    dense, ids = w.full()
    assert ours.I == pytest.approx(numpy_moran(y.loc[ids].to_numpy(), dense))


def test_seed_reproducibility_and_rng_left_untouched(line_of_four):
    w = spatial_weights(line_of_four)
    y = pd.Series([3.0, 1.0, 4.0, 1.5], index=list("abcd"))
    np.random.seed(99)
    expected_next = np.random.random()
    np.random.seed(99)
    first = morans_i(y, w, permutations=499, seed=42)
    assert np.random.random() == expected_next  # global state restored
    second = morans_i(y, w, permutations=499, seed=42)
    assert first == second
    assert morans_i(y, w, permutations=0).p_sim is None


def test_morans_i_bad_input(line_of_four, two_and_island):
    w = spatial_weights(line_of_four)
    with pytest.raises(MethodInputError, match="missing"):
        morans_i(pd.Series([1.0, np.nan, 3.0, 4.0], index=list("abcd")), w)
    with pytest.raises(MethodInputError, match="different indexes"):
        morans_i(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abce")), w)
    with pytest.raises(MethodInputError, match="same value"):
        morans_i(pd.Series(2.0, index=list("abcd")), w)
    with pytest.raises(MethodInputError, match="permutations"):
        morans_i(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")), w, permutations=-1)
    with pytest.raises(MethodInputError, match="island"):
        morans_i(pd.Series([1.0, 2.0, 3.0], index=list("xyz")),
                 spatial_weights(two_and_island, islands="keep"))
    with pytest.raises(MethodInputError, match="libpysal"):
        morans_i(pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd")), np.eye(4))


def test_spatial_lag(line_of_four):
    y = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"), name="gdp")
    binary = spatial_lag(y, spatial_weights(line_of_four, transform="b"))
    assert binary.to_dict() == {"a": 2.0, "b": 4.0, "c": 6.0, "d": 3.0}
    assert binary.name == "gdp_lag"
    rows = spatial_lag(y.iloc[::-1], spatial_weights(line_of_four))
    assert list(rows.index) == list("dcba")
    assert rows.to_dict() == {"a": 2.0, "b": 2.0, "c": 3.0, "d": 3.0}
    with pytest.raises(MethodInputError, match="different indexes"):
        spatial_lag(y.iloc[:3], spatial_weights(line_of_four))


# ----------------------------------------------------------------------------- real cities
@pytest.mark.slow
@requires_mirror
def test_real_city_polygons():
    from cityclusters.data import tables

    cities = tables.cities()
    cities = cities[cities.geometry.notna() & ~cities.geometry.is_empty].set_index("city_code")
    # Hainan's prefecture-level cities touch no other prefecture-level city
    with pytest.raises(MethodInputError, match="460100"):
        spatial_weights(cities)
    w = spatial_weights(cities, islands="knn_fallback")
    assert w.islands == [] and set(w.fallback_links) >= {460100, 460200}
    chengyu = cities[cities["in_chengyu"]]
    w_chengyu = spatial_weights(chengyu)
    # 成都 borders 德阳, 眉山, 雅安 and 资阳 within the cluster (阿坝 is outside it)
    assert sorted(w_chengyu.neighbors[510100]) == [510600, 511400, 511800, 512000]
    assert w_chengyu.n == len(chengyu) and w_chengyu.islands == []
    result = morans_i(chengyu["pop_census_2020"], w_chengyu, seed=7)
    assert -1 <= result.I <= 1 and 0 < result.p_sim <= 1
    knn = spatial_weights(chengyu, kind="knn", k=3)
    assert all(len(n) == 3 for n in knn.neighbors.values())
