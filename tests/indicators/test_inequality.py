"""Tests of cityclusters.indicators.inequality: hand-computed examples, agreement with PySAL
``inequality`` on its bundled Mexico data, properties (hypothesis) and refusal of bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityclusters.errors import MethodInputError
from cityclusters.indicators.inequality import (
    TheilDecomposition,
    coefficient_of_variation,
    gini,
    inequality_by_year,
    theil,
    theil_decomposition,
)

# ---------------------------------------------------------------------------------------------
# hand-computed examples
# ---------------------------------------------------------------------------------------------


def test_theil_plain_by_hand():
    # y = [1, 2, 3, 4], ȳ = 2.5, y/ȳ = [0.4, 0.8, 1.2, 1.6]
    # 0.4 ln 0.4 = -0.3665163, 0.8 ln 0.8 = -0.1785148,
    # 1.2 ln 1.2 =  0.2187865, 1.6 ln 1.6 =  0.7520058;  sum = 0.4257612
    # T = sum / 4 = 0.1064403
    assert theil([1, 2, 3, 4]) == pytest.approx(0.10644013528622318, abs=1e-12)
    expected = sum(r * math.log(r) for r in (0.4, 0.8, 1.2, 1.6)) / 4
    assert theil([1, 2, 3, 4]) == pytest.approx(expected, abs=1e-15)


def test_theil_weighted_by_hand():
    # totals Y = [10, 20, 30, 40] -> s = [0.1, 0.2, 0.3, 0.4]
    # population P = [1, 2, 2, 3] -> p = [0.125, 0.25, 0.25, 0.375]
    # T_w = 0.1 ln 0.8 + 0.2 ln 0.8 + 0.3 ln 1.2 + 0.4 ln(1.0666667)
    #     = -0.0223144 - 0.0446287 + 0.0546965 + 0.0258154 = 0.0135688
    totals = pd.Series([10.0, 20, 30, 40], index=list("abcd"))
    population = pd.Series([3.0, 2, 2, 1], index=list("dcba"))  # order must not matter
    expected = (0.3 * math.log(0.8) + 0.3 * math.log(1.2) + 0.4 * math.log(0.4 / 0.375))
    assert theil(totals, population) == pytest.approx(expected, abs=1e-15)
    assert theil(totals, population) == pytest.approx(0.0135688100989519, abs=1e-12)


def test_theil_weighted_equals_theil_over_persons():
    # Weighted T of totals = plain T over persons: unit i repeated P_i times at y_i = Y_i/P_i
    per_capita = np.array([5.0, 10.0, 15.0])
    population = np.array([1, 2, 3])
    persons = np.repeat(per_capita, population)
    assert theil(per_capita * population, population) == pytest.approx(theil(persons),
                                                                        abs=1e-14)


def test_theil_decomposition_plain_by_hand():
    # y = [1, 2, 3, 4], groups a = {1, 2}, b = {3, 4}; s = [0.1, 0.2, 0.3, 0.4]
    # s_a = 0.3, s_b = 0.7; unit shares n_g/N = 0.5 each
    # between = 0.3 ln(0.3/0.5) + 0.7 ln(0.7/0.5) = -0.1532477 + 0.2355306 = 0.0822829
    # T_a = plain Theil of [1, 2] = 0.5 (2/3 ln 2/3 + 4/3 ln 4/3) = 0.0566330
    # T_b = plain Theil of [3, 4] = 0.5 (6/7 ln 6/7 + 8/7 ln 8/7) = 0.0102391
    # within = 0.3 * 0.0566330 + 0.7 * 0.0102391 = 0.0241572; total = 0.1064401
    result = theil_decomposition([1, 2, 3, 4], ["a", "a", "b", "b"])
    assert isinstance(result, TheilDecomposition)
    assert not result.weighted
    between = 0.3 * math.log(0.6) + 0.7 * math.log(1.4)
    theil_a = 0.5 * (2 / 3 * math.log(2 / 3) + 4 / 3 * math.log(4 / 3))
    theil_b = 0.5 * (6 / 7 * math.log(6 / 7) + 8 / 7 * math.log(8 / 7))
    assert result.between == pytest.approx(between, abs=1e-15)
    assert result.within == pytest.approx(0.3 * theil_a + 0.7 * theil_b, abs=1e-15)
    assert result.total == pytest.approx(theil([1, 2, 3, 4]), abs=1e-15)
    assert abs(result.between + result.within - result.total) < 1e-12
    table = result.groups
    assert list(table.columns) == ["group", "n_units", "income_share", "theil_within",
                                   "contribution", "share_of_total"]
    assert table["group"].tolist() == ["a", "b"]
    assert table["n_units"].tolist() == [2, 2]
    assert table["income_share"].tolist() == pytest.approx([0.3, 0.7], abs=1e-15)
    assert table["theil_within"].tolist() == pytest.approx([theil_a, theil_b], abs=1e-15)
    assert table["share_of_total"].sum() + result.between_share == pytest.approx(1.0)
    assert result.within_share == pytest.approx(result.within / result.total)


def test_theil_decomposition_weighted_by_hand():
    # Y = [10, 20, 30, 40], P = [1, 2, 2, 3], groups g1 = {1, 2}, g2 = {3, 4}
    # s_g = [0.3, 0.7], p_g = [0.375, 0.625]
    # between = 0.3 ln(0.3/0.375) + 0.7 ln(0.7/0.625) = -0.0669431 + 0.0793301 = 0.0123870
    # group 1: s/s_g = [1/3, 2/3] = p/p_g -> T_1 = 0
    # group 2: s/s_g = [3/7, 4/7], p/p_g = [0.4, 0.6]
    #   T_2 = 3/7 ln((3/7)/0.4) + 4/7 ln((4/7)/0.6) = 0.0295684 - 0.0278801 = 0.0016883
    # within = 0.7 * 0.0016883 = 0.0011818; total 0.0135688 (as the weighted Theil above)
    result = theil_decomposition([10, 20, 30, 40], [1, 1, 2, 2], [1, 2, 2, 3])
    theil_2 = 3 / 7 * math.log((3 / 7) / 0.4) + 4 / 7 * math.log((4 / 7) / 0.6)
    assert result.weighted
    assert result.between == pytest.approx(0.3 * math.log(0.8) + 0.7 * math.log(1.12),
                                           abs=1e-15)
    assert result.within == pytest.approx(0.7 * theil_2, abs=1e-15)
    assert abs(result.between + result.within - result.total) < 1e-12
    table = result.groups
    assert "population_share" in table.columns
    assert table["population_share"].tolist() == pytest.approx([0.375, 0.625], abs=1e-15)
    assert table["theil_within"].tolist() == pytest.approx([0.0, theil_2], abs=1e-15)
    assert table["contribution"].tolist() == pytest.approx([0.0, 0.7 * theil_2], abs=1e-15)


def test_theil_decomposition_of_equal_values_has_zero_shares():
    result = theil_decomposition([5.0, 5.0, 5.0, 5.0], ["a", "a", "b", "b"])
    assert result.total == pytest.approx(0.0, abs=1e-15)
    assert result.between_share == 0.0 and result.within_share == 0.0
    assert result.groups["share_of_total"].tolist() == [0.0, 0.0]
    assert not result.groups.isna().any().any()


def test_coefficient_of_variation_by_hand():
    # y = [1, 2, 3, 4]: mean 2.5, deviations ±1.5, ±0.5
    # σ (ddof 0) = sqrt((2.25 + 0.25 + 0.25 + 2.25) / 4) = sqrt(1.25) = 1.1180340
    # CV = 1.1180340 / 2.5 = 0.4472136
    assert coefficient_of_variation([1, 2, 3, 4]) == pytest.approx(math.sqrt(1.25) / 2.5,
                                                                   abs=1e-15)
    # ddof 0 as numpy, not pandas' ddof 1
    values = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert coefficient_of_variation(values) == pytest.approx(np.std(values) / values.mean())
    assert coefficient_of_variation(values) != pytest.approx(values.std() / values.mean())


def test_weighted_coefficient_of_variation_by_hand():
    # y = [1, 2, 3, 4], P = [1, 1, 1, 5] -> p = [1/8, 1/8, 1/8, 5/8]
    # ȳ_w = (1 + 2 + 3 + 5*4) / 8 = 3.25
    # Σ p (y - ȳ_w)² = (2.25² + 1.25² + 0.25²)/8 + 5/8 * 0.75² = 0.8359375 + 0.3515625 = 1.1875
    # CV_w = sqrt(1.1875) / 3.25 = 0.3352999
    assert coefficient_of_variation([1, 2, 3, 4], [1, 1, 1, 5]) == pytest.approx(
        math.sqrt(1.1875) / 3.25, abs=1e-15)
    # equal populations give the plain CV
    assert coefficient_of_variation([1, 2, 3, 4], [7, 7, 7, 7]) == pytest.approx(
        coefficient_of_variation([1, 2, 3, 4]), abs=1e-15)


def test_gini_by_hand():
    # y = [1, 2, 3, 4]: Σ_i Σ_j |y_i - y_j| = 2 * (1+2+3 + 1+2 + 1) = 20
    # G = 20 / (2 * 4² * 2.5) = 20 / 80 = 0.25
    # sorted form: Σ (2i - 5) y_(i) = -3 - 2 + 3 + 12 = 10; G = 10 / (4 * 10) = 0.25
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25, abs=1e-15)
    # all income with one of four units: G = (N - 1)/N = 0.75, the maximum for N = 4
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75, abs=1e-15)
    assert gini([3, 3, 3]) == 0.0


# ---------------------------------------------------------------------------------------------
# agreement with PySAL inequality on the Mexico example
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mexico() -> pd.DataFrame:
    libpysal = pytest.importorskip("libpysal")
    return pd.read_csv(libpysal.examples.get_path("mexico.csv"))


DECADES = [f"pcgdp{decade}" for decade in range(1940, 2010, 10)]


def test_mexico_columns(mexico):
    assert len(mexico) == 32
    assert set(DECADES) | {"hanson03", "hanson98"} <= set(mexico.columns)


def test_theil_and_gini_agree_with_pysal(mexico):
    from inequality.gini import Gini
    from inequality.theil import Theil

    pysal_theil = Theil(mexico[DECADES].to_numpy()).T
    for column, expected in zip(DECADES, pysal_theil):
        assert theil(mexico[column]) == pytest.approx(float(expected), abs=1e-10)
        assert gini(mexico[column]) == pytest.approx(float(Gini(mexico[column].to_numpy()).g),
                                                     abs=1e-10)
    # the values printed in PySAL's documentation
    assert theil(mexico["pcgdp1940"]) == pytest.approx(0.20894344, abs=1e-8)
    assert theil(mexico["pcgdp2000"]) == pytest.approx(0.10660832, abs=1e-8)


@pytest.mark.parametrize("regions", ["hanson98", "hanson03"])
def test_theil_decomposition_agrees_with_pysal(mexico, regions):
    from inequality.theil import TheilD

    pysal = TheilD(mexico[DECADES].to_numpy(), mexico[regions].to_numpy())
    for k, column in enumerate(DECADES):
        result = theil_decomposition(mexico[column], mexico[regions])
        assert result.total == pytest.approx(float(pysal.T[k]), abs=1e-10)
        assert result.between == pytest.approx(float(pysal.bg[k]), abs=1e-10)
        assert result.within == pytest.approx(float(pysal.wg[k]), abs=1e-10)
        assert abs(result.between + result.within - result.total) < 1e-12
        assert result.groups["n_units"].sum() == 32
    if regions == "hanson98":  # PySAL documentation, 1940 column
        first = theil_decomposition(mexico["pcgdp1940"], mexico[regions])
        assert first.between == pytest.approx(0.0345889, abs=1e-7)
        assert first.within == pytest.approx(0.17435454, abs=1e-8)


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------

positive = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
scales = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def units(draw, min_size=2, max_size=25):
    """Values, populations and group labels for the same units."""
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    values = draw(st.lists(positive, min_size=n, max_size=n))
    population = draw(st.lists(positive, min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    return np.array(values), np.array(population), groups


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(units())
def test_decomposition_adds_up(data):
    values, population, groups = data
    for weights in (None, population):
        result = theil_decomposition(values, groups, weights)
        assert abs(result.between + result.within - result.total) < 1e-12
        assert result.total == pytest.approx(theil(values, weights), abs=1e-12)
        assert result.between >= 0 and result.within >= 0
        assert result.groups["n_units"].sum() == len(values)
        assert result.groups["income_share"].sum() == pytest.approx(1.0)


@PROPERTY_SETTINGS
@given(units(), scales, scales)
def test_theil_is_scale_invariant(data, income_scale, population_scale):
    values, population, _ = data
    assert theil(values * income_scale) == pytest.approx(theil(values), rel=1e-9, abs=1e-12)
    assert theil(values * income_scale, population * population_scale) == pytest.approx(
        theil(values, population), rel=1e-9, abs=1e-12)


@PROPERTY_SETTINGS
@given(units(), positive)
def test_theil_is_nonnegative_and_zero_for_equal_values(data, level):
    values, population, _ = data
    assert theil(values) >= 0
    assert theil(values, population) >= 0
    n = len(values)
    assert theil(np.full(n, level)) == pytest.approx(0.0, abs=1e-12)
    # weighted T is 0 when every unit's GDP share equals its population share
    assert theil(population * level, population) == pytest.approx(0.0, abs=1e-12)


@PROPERTY_SETTINGS
@given(units(), scales)
def test_coefficient_of_variation_is_scale_invariant(data, scale):
    values, population, _ = data
    assert coefficient_of_variation(values * scale) == pytest.approx(
        coefficient_of_variation(values), rel=1e-9, abs=1e-12)
    assert coefficient_of_variation(values * scale, population) == pytest.approx(
        coefficient_of_variation(values, population), rel=1e-9, abs=1e-12)


@PROPERTY_SETTINGS
@given(units())
def test_gini_in_unit_interval(data):
    values, _, _ = data
    result = gini(values)
    assert 0 <= result < 1
    assert result <= (len(values) - 1) / len(values) + 1e-12


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------

ALL_MEASURES = [theil, coefficient_of_variation, gini,
                lambda v: theil_decomposition(v, ["a"] * len(v))]


@pytest.mark.parametrize("measure", ALL_MEASURES)
def test_nan_is_refused(measure):
    with pytest.raises(MethodInputError, match="missing or infinite"):
        measure([1.0, np.nan, 3.0])


@pytest.mark.parametrize("measure", ALL_MEASURES)
def test_single_unit_is_refused(measure):
    with pytest.raises(MethodInputError, match="at least 2 units"):
        measure([5.0])


@pytest.mark.parametrize("measure", ALL_MEASURES)
def test_negative_values_are_refused(measure):
    with pytest.raises(MethodInputError, match="negative"):
        measure(pd.Series([1.0, -2.0, 3.0], index=["x", "y", "z"]))


def test_zero_is_refused_where_logs_are_taken():
    with pytest.raises(MethodInputError, match=r"zero or negative value\(s\) at 'y'.*logarithms"):
        theil(pd.Series([1.0, 0.0, 3.0], index=["x", "y", "z"]))
    with pytest.raises(MethodInputError, match="zero or negative"):
        theil_decomposition([1.0, 0.0, 3.0], ["a", "a", "b"])
    # Gini and CV are defined with zeros, but not when everything is zero
    assert gini([0.0, 1.0]) == pytest.approx(0.5)
    with pytest.raises(MethodInputError, match="all values are zero"):
        gini([0.0, 0.0])
    with pytest.raises(MethodInputError, match="all values are zero"):
        coefficient_of_variation([0.0, 0.0])


def test_population_problems_are_refused():
    values = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    with pytest.raises(MethodInputError, match=r"only in values: 'z'; only in population: 'w'"):
        theil(values, pd.Series([1.0, 1.0, 1.0], index=["x", "y", "w"]))
    with pytest.raises(MethodInputError, match="population: zero or negative"):
        theil(values, pd.Series([1.0, 0.0, 1.0], index=["x", "y", "z"]))
    with pytest.raises(MethodInputError, match="population: 1 missing"):
        coefficient_of_variation(values, pd.Series([1.0, np.nan, 1.0], index=["x", "y", "z"]))
    with pytest.raises(MethodInputError, match="values and population have different indexes"):
        theil([1.0, 2.0, 3.0], [1.0, 2.0])  # lengths differ -> labels differ


def test_group_problems_are_refused():
    values = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    with pytest.raises(MethodInputError, match="groups: 1 unit"):
        theil_decomposition(values, pd.Series(["a", None, "b"], index=["x", "y", "z"]))
    with pytest.raises(MethodInputError, match="groups: 1 unit.*'y'"):
        theil_decomposition(values, pd.Series([1.0, np.nan, 2.0], index=["x", "y", "z"]))
    with pytest.raises(MethodInputError, match="values and groups have different indexes"):
        theil_decomposition(values, pd.Series(["a", "a", "b"], index=["x", "y", "q"]))
    with pytest.raises(MethodInputError, match="DataFrame"):
        theil_decomposition(values, pd.DataFrame({"g": ["a", "a", "b"]}, index=values.index))


def test_duplicated_labels_and_frames_are_refused():
    with pytest.raises(MethodInputError, match="duplicated index"):
        theil(pd.Series([1.0, 2.0], index=["x", "x"]))
    with pytest.raises(MethodInputError, match="DataFrame"):
        theil(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(MethodInputError, match="numeric"):
        gini(["a", "b"])


# ---------------------------------------------------------------------------------------------
# per-year table
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def small_panel() -> pd.DataFrame:
    return pd.DataFrame({
        "city_code": [1, 2, 3, 4] * 2,
        "year": [2010] * 4 + [2011] * 4,
        "gdp_per_capita": [1.0, 2.0, 3.0, 4.0, 2.0, 2.0, 3.0, 5.0],
        "population": [1.0, 2.0, 2.0, 3.0, 1.0, 1.0, 1.0, 5.0],
        "cluster_id": ["a", "a", "b", "b"] * 2,
    })


def test_inequality_by_year_matches_direct_calls(small_panel):
    table = inequality_by_year(small_panel, "gdp_per_capita", population="population",
                               group="cluster_id")
    assert table.columns.tolist() == ["year", "n_units", "theil", "cv", "gini",
                                      "theil_weighted", "cv_weighted", "between", "within",
                                      "between_weighted", "within_weighted"]
    assert table["year"].tolist() == [2010, 2011]
    first = table.iloc[0]
    assert first["theil"] == pytest.approx(theil([1, 2, 3, 4]), abs=1e-15)
    assert first["cv"] == pytest.approx(coefficient_of_variation([1, 2, 3, 4]), abs=1e-15)
    assert first["gini"] == pytest.approx(0.25, abs=1e-15)
    # weighted Theil uses totals per capita × population = [1, 4, 6, 12]
    assert first["theil_weighted"] == pytest.approx(theil([1, 4, 6, 12], [1, 2, 2, 3]),
                                                    abs=1e-15)
    assert first["cv_weighted"] == pytest.approx(
        coefficient_of_variation([1, 2, 3, 4], [1, 2, 2, 3]), abs=1e-15)
    assert first["between"] + first["within"] == pytest.approx(first["theil"], abs=1e-12)
    assert first["between_weighted"] + first["within_weighted"] == pytest.approx(
        first["theil_weighted"], abs=1e-12)
    assert not table.isna().any().any()


def test_inequality_by_year_leaves_out_columns_that_do_not_apply(small_panel):
    table = inequality_by_year(small_panel, "gdp_per_capita")
    assert table.columns.tolist() == ["year", "n_units", "theil", "cv", "gini"]


def test_inequality_by_year_refuses_bad_panels(small_panel):
    with pytest.raises(MethodInputError, match="missing column.*'gdp'"):
        inequality_by_year(small_panel, "gdp")
    duplicated = pd.concat([small_panel, small_panel.iloc[[0]]])
    with pytest.raises(MethodInputError, match=r"duplicated.*\(1, 2010\)"):
        inequality_by_year(duplicated, "gdp_per_capita")
    zero = small_panel.assign(gdp_per_capita=small_panel["gdp_per_capita"].where(
        small_panel.index != 5, 0.0))
    with pytest.raises(MethodInputError, match=r"zero or negative value\(s\) at \(2, 2011\)"):
        inequality_by_year(zero, "gdp_per_capita")
    no_group = small_panel.assign(cluster_id=small_panel["cluster_id"].where(
        small_panel.index != 2))
    with pytest.raises(MethodInputError, match=r"no group label.*\(3, 2010\)"):
        inequality_by_year(no_group, "gdp_per_capita", group="cluster_id")
    lonely = pd.concat([small_panel, pd.DataFrame({
        "city_code": [1], "year": [2012], "gdp_per_capita": [1.0], "population": [1.0],
        "cluster_id": ["a"]})])
    with pytest.raises(MethodInputError, match="in year 2012: needs at least 2 units"):
        inequality_by_year(lonely, "gdp_per_capita")
