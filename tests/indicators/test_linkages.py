"""Great-circle distances, gravity linkages, shares and network measures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityclusters.errors import MethodInputError
from cityclusters.indicators.linkages import (
    MEAN_EARTH_RADIUS_KM,
    gravity_matrix,
    great_circle_distance,
    linkage_totals,
    membership_shares,
    network_summary,
)

ABC = ["a", "b", "c"]


def labelled(rows, labels=ABC) -> pd.DataFrame:
    return pd.DataFrame(rows, index=labels, columns=labels, dtype=float)


@pytest.fixture
def three_cities():
    population = pd.Series([10.0, 20.0, 30.0], index=ABC)  # 万人
    gdp = pd.Series([10.0, 5.0, 30.0], index=ABC)  # 亿元
    distance = labelled([[0, 10, 20], [10, 0, 5], [20, 5, 0]])  # km
    return population, gdp, distance


# ----------------------------------------------------------------------------- distance
def test_one_degree_on_equator():
    d = great_circle_distance(pd.DataFrame({"lon": [0.0, 1.0], "lat": [0.0, 0.0]}, index=["p", "q"]))
    # 2πR/360 = 111.195 km
    assert d.loc["p", "q"] == pytest.approx(2 * np.pi * MEAN_EARTH_RADIUS_KM / 360)
    assert d.loc["p", "q"] == pytest.approx(111.195, abs=1e-3)


def test_beijing_shanghai_against_spherical_law_of_cosines_and_wgs84():
    pyproj = pytest.importorskip("pyproj")
    coords = pd.DataFrame({"lon": [116.4074, 121.4737], "lat": [39.9042, 31.2304]},
                          index=["北京", "上海"])
    d = great_circle_distance(coords).loc["北京", "上海"]
    # independent formula: spherical law of cosines
    lam1, phi1, lam2, phi2 = np.radians([116.4074, 39.9042, 121.4737, 31.2304])
    cosine = np.sin(phi1) * np.sin(phi2) + np.cos(phi1) * np.cos(phi2) * np.cos(lam2 - lam1)
    assert d == pytest.approx(MEAN_EARTH_RADIUS_KM * np.arccos(cosine), rel=1e-9)
    assert 1067 < d < 1068
    # ellipsoidal geodesic on WGS 84 differs from the sphere by well under 0.5 %
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(116.4074, 39.9042, 121.4737, 31.2304)
    assert d == pytest.approx(metres / 1000, rel=0.005)


def test_distance_matrix_is_symmetric_with_zero_diagonal():
    coords = pd.DataFrame({"lon": [104.07, 106.55, 106.63, 103.0], "lat": [30.67, 29.56, 26.65, 29.9]},
                          index=[510100, 500100, 520100, 511800])
    d = great_circle_distance(coords)
    assert (np.diag(d) == 0).all()
    assert np.array_equal(d.to_numpy(), d.to_numpy().T)
    assert list(d.index) == list(d.columns) == [510100, 500100, 520100, 511800]


@pytest.mark.parametrize("frame, match", [
    (pd.DataFrame({"lon": [0.0], "lat": [0.0]}), "at least 2"),
    (pd.DataFrame({"lon": [0.0, np.nan], "lat": [0.0, 1.0]}), "missing"),
    (pd.DataFrame({"lon": [30.0, 40.0], "lat": [120.0, 110.0]}), "out of range"),
    (pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}), "missing column"),
])
def test_distance_bad_input(frame, match):
    with pytest.raises(MethodInputError, match=match):
        great_circle_distance(frame)


# ----------------------------------------------------------------------------- gravity
def test_gravity_three_cities_by_hand(three_cities):
    population, gdp, distance = three_cities
    r = gravity_matrix(population, gdp, distance)
    # masses √(P·G): a = √100 = 10, b = √100 = 10, c = √900 = 30
    # R_ab = 10·10/10² = 1; R_ac = 10·30/20² = 0.75; R_bc = 10·30/5² = 12
    expected = labelled([[0, 1, 0.75], [1, 0, 12], [0.75, 12, 0]])
    pd.testing.assert_frame_equal(r, expected)


def test_gravity_decay_and_k(three_cities):
    population, gdp, distance = three_cities
    r1 = gravity_matrix(population, gdp, distance, k=2.0, decay=1.0)
    # b = 1: R_ab = 2·100/10 = 20, R_ac = 2·300/20 = 30, R_bc = 2·300/5 = 120
    assert r1.loc["a", "b"] == pytest.approx(20)
    assert r1.loc["a", "c"] == pytest.approx(30)
    assert r1.loc["c", "b"] == pytest.approx(120)
    # with b = 1 the a–c tie is stronger than a–b; with b = 2 it is weaker
    r2 = gravity_matrix(population, gdp, distance)
    assert r1.loc["a", "c"] > r1.loc["a", "b"] and r2.loc["a", "c"] < r2.loc["a", "b"]


def test_gravity_aligns_by_label_and_ignores_diagonal(three_cities):
    population, gdp, distance = three_cities
    shuffled = distance.loc[["c", "a", "b"], ["b", "c", "a"]].copy()
    gdp_shuffled = gdp.loc[["b", "c", "a"]]
    with_nan_diagonal = shuffled.copy()
    with_nan_diagonal.loc["a", "a"] = np.nan
    r = gravity_matrix(population, gdp_shuffled, with_nan_diagonal)
    pd.testing.assert_frame_equal(r, gravity_matrix(population, gdp, distance))
    assert list(r.index) == ABC


def test_gravity_unit_of_distance_only_rescales(three_cities):
    population, gdp, distance = three_cities
    km = gravity_matrix(population, gdp, distance)
    metres = gravity_matrix(population, gdp, distance * 1000)
    np.testing.assert_allclose(metres.to_numpy() * 1e6, km.to_numpy())


def test_gravity_bad_input(three_cities):
    population, gdp, distance = three_cities
    zero = distance.copy()
    zero.loc["a", "b"] = zero.loc["b", "a"] = 0.0
    with pytest.raises(MethodInputError, match="zero or negative distance"):
        gravity_matrix(population, gdp, zero)
    asymmetric = distance.copy()
    asymmetric.loc["a", "b"] = 11.0
    with pytest.raises(MethodInputError, match="symmetric"):
        gravity_matrix(population, gdp, asymmetric)
    with pytest.raises(MethodInputError, match="different indexes"):
        gravity_matrix(population.rename({"c": "d"}), gdp, distance)
    with pytest.raises(MethodInputError, match="different indexes"):
        gravity_matrix(population, gdp, labelled(distance.to_numpy(), ["a", "b", "x"]))
    with pytest.raises(MethodInputError, match="square"):
        gravity_matrix(population, gdp, distance.iloc[:, :2])
    missing = distance.copy()
    missing.loc["a", "c"] = missing.loc["c", "a"] = np.nan
    with pytest.raises(MethodInputError, match="missing"):
        gravity_matrix(population, gdp, missing)
    with pytest.raises(MethodInputError, match="population"):
        gravity_matrix(population.where(population > 10), gdp, distance)
    with pytest.raises(MethodInputError, match="zero or negative"):
        gravity_matrix(population, gdp * 0, distance)
    with pytest.raises(MethodInputError, match="at least 2"):
        gravity_matrix(population.iloc[:1], gdp.iloc[:1], distance.iloc[:1, :1])
    with pytest.raises(MethodInputError, match="decay"):
        gravity_matrix(population, gdp, distance, decay=-1)
    with pytest.raises(MethodInputError, match="k="):
        gravity_matrix(population, gdp, distance, k=0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(100, 120), st.floats(20, 40), st.floats(1, 1e4), st.floats(1, 1e4)),
                min_size=2, max_size=8, unique_by=lambda t: (round(t[0], 3), round(t[1], 3))))
def test_gravity_properties(rows):
    frame = pd.DataFrame(rows, columns=["lon", "lat", "pop", "gdp"], index=[f"c{i}" for i in range(len(rows))])
    r = gravity_matrix(frame["pop"], frame["gdp"], great_circle_distance(frame))
    values = r.to_numpy()
    assert np.array_equal(values, values.T)
    assert (np.diag(values) == 0).all() and (values >= 0).all() and np.isfinite(values).all()
    shares = membership_shares(r)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert linkage_totals(r)["share"].sum() == pytest.approx(1.0)


# ----------------------------------------------------------------------------- shares
def test_membership_shares_and_totals_by_hand(three_cities):
    r = gravity_matrix(*three_cities)
    shares = membership_shares(r)
    # row a: 1 and 0.75 of 1.75
    assert shares.loc["a", "b"] == pytest.approx(1 / 1.75)
    assert shares.loc["c", "b"] == pytest.approx(12 / 12.75)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    totals = linkage_totals(r)
    assert totals["total_linkage"].to_dict() == pytest.approx({"a": 1.75, "b": 13.0, "c": 12.75})
    assert totals.loc["b", "share"] == pytest.approx(13 / 27.5)


def test_shares_refuse_isolated_city_and_bad_matrices():
    isolated = labelled([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    with pytest.raises(MethodInputError, match="no linkage"):
        membership_shares(isolated)
    with pytest.raises(MethodInputError, match="negative"):
        membership_shares(labelled([[0, -1, 1], [-1, 0, 1], [1, 1, 0]]))
    with pytest.raises(MethodInputError, match="diagonal"):
        linkage_totals(labelled([[1, 1, 1], [1, 0, 1], [1, 1, 0]]))
    with pytest.raises(MethodInputError, match="all linkages are zero"):
        linkage_totals(labelled(np.zeros((3, 3))))


# ----------------------------------------------------------------------------- network
def star(n_leaves: int = 4) -> pd.DataFrame:
    labels = ["hub"] + [f"leaf{i}" for i in range(n_leaves)]
    values = np.zeros((n_leaves + 1, n_leaves + 1))
    values[0, 1:] = values[1:, 0] = np.arange(1, n_leaves + 1)
    return labelled(values, labels)


def test_star_centralities():
    summary = network_summary(star())
    nodes = summary.nodes
    assert nodes.loc["hub", "betweenness"] == pytest.approx(1.0)
    assert (nodes.drop("hub")["betweenness"] == 0).all()
    assert nodes.loc["hub", "degree"] == 4 and nodes.loc["hub", "degree_centrality"] == 1.0
    assert (nodes.drop("hub")["degree"] == 1).all()
    # strength = Σ R: 1+2+3+4 for the hub
    assert nodes.loc["hub", "strength"] == pytest.approx(10)
    assert nodes["strength_share"].sum() == pytest.approx(1.0)
    # closeness with length 1/R: hub reaches leaves at 1, 1/2, 1/3, 1/4 → 4 / (25/12)
    assert nodes.loc["hub", "closeness"] == pytest.approx(4 / (25 / 12))
    assert nodes.loc["hub", "closeness"] == nodes["closeness"].max()
    assert summary.graph_level["binary_density"] == pytest.approx(4 / 10)
    assert summary.graph_level["n_components"] == 1


def test_complete_graph_density_is_one_without_threshold(three_cities):
    summary = network_summary(gravity_matrix(*three_cities))
    assert summary.graph_level["binary_density"] == 1.0
    assert summary.graph_level["threshold"] is None
    # weighted density = mean of the three pair values (1 + 0.75 + 12)/3
    assert summary.graph_level["weighted_density"] == pytest.approx(13.75 / 3)


def test_density_with_threshold_by_hand():
    # pairs: ab=1, ac=2, ad=3, bc=4, bd=5, cd=6
    values = labelled([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], list("abcd"))
    absolute = network_summary(values, threshold=4)
    # kept: bc, bd, cd → 3 of 6 ties
    assert absolute.graph_level["binary_density"] == pytest.approx(0.5)
    assert absolute.nodes["degree"].to_dict() == {"a": 0, "b": 2, "c": 2, "d": 2}
    assert absolute.graph_level["n_components"] == 2
    # main core: the triangle b–c–d (k = 2); a is periphery
    assert absolute.nodes["in_main_core"].to_dict() == {"a": False, "b": True, "c": True, "d": True}
    # quantile 0.5 of [1..6] = 3.5 → keeps 4, 5, 6
    by_quantile = network_summary(values, quantile=0.5)
    assert by_quantile.graph_level["threshold"] == pytest.approx(3.5)
    assert by_quantile.graph_level["binary_density"] == pytest.approx(0.5)
    # strength does not depend on the threshold
    pd.testing.assert_series_equal(absolute.nodes["strength"], by_quantile.nodes["strength"])


def test_network_bad_input(three_cities):
    r = gravity_matrix(*three_cities)
    with pytest.raises(MethodInputError, match="not both"):
        network_summary(r, threshold=1, quantile=0.5)
    with pytest.raises(MethodInputError, match="quantile"):
        network_summary(r, quantile=1.5)
    asymmetric = r.copy()
    asymmetric.loc["a", "b"] = 5.0
    with pytest.raises(MethodInputError, match="symmetric"):
        network_summary(asymmetric)
    nan = r.copy()
    nan.loc["a", "b"] = nan.loc["b", "a"] = np.nan
    with pytest.raises(MethodInputError, match="missing"):
        network_summary(nan)
    with pytest.raises(MethodInputError, match="at least 2"):
        network_summary(r.iloc[:1, :1])
