"""Obstacle degree and composite-system synergy degree against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityclusters.errors import MethodInputError
from cityclusters.indicators.obstacle import (
    obstacle_degree,
    subsystem_obstacle,
    top_obstacles,
)
from cityclusters.indicators.synergy import (
    order_degree,
    sample_bounds,
    subsystem_order,
    synergy_degree,
    synergy_series,
)


def test_obstacle_degree_by_hand():
    frame = pd.DataFrame({"x1": [0.5, 0.0, 1.0], "x2": [1.0, 0.0, 1.0]}, index=["A", "B", "C"])
    weights = {"x1": 0.6, "x2": 0.4}
    # A: weighted gaps 0.6·0.5 = 0.3 and 0.4·0 = 0 → shares (1, 0)
    # B: gaps 0.6 and 0.4 → shares (0.6, 0.4); C is at the ideal → refused or zero
    with pytest.raises(MethodInputError, match="'C'"):
        obstacle_degree(frame, weights)
    out = obstacle_degree(frame, weights, at_ideal="zero")
    assert out.loc["A"].tolist() == pytest.approx([1.0, 0.0])
    assert out.loc["B"].tolist() == pytest.approx([0.6, 0.4])
    assert out.loc["C"].tolist() == [0.0, 0.0]
    by_subsystem = subsystem_obstacle(out, {"x1": "economy", "x2": "economy"})
    assert by_subsystem["economy"].tolist() == pytest.approx([1.0, 1.0, 0.0])


def test_top_obstacles_ranks_within_rows():
    obstacles = pd.DataFrame({"x1": [0.2, 0.5], "x2": [0.5, 0.1], "x3": [0.3, 0.4]},
                             index=pd.Index(["A", "B"], name="city"))
    top = top_obstacles(obstacles, n=2)
    assert top.to_dict("list") == {"city": ["A", "A", "B", "B"], "rank": [1, 2, 1, 2],
                                   "indicator": ["x2", "x3", "x1", "x3"],
                                   "obstacle_degree": [0.5, 0.3, 0.5, 0.4]}


def test_order_degree_and_subsystem_order_by_hand():
    values = pd.DataFrame({"gdp": [2.0, 4.0], "emissions": [2.0, 4.0]})
    bounds = pd.DataFrame({"lower": [0.0, 0.0], "upper": [10.0, 10.0]}, index=["gdp", "emissions"])
    degree = order_degree(values, bounds, {"gdp": "positive", "emissions": "negative"})
    # gdp: (e − 0)/10 → 0.2, 0.4; emissions (negative): (10 − e)/10 → 0.8, 0.6
    assert degree["gdp"].tolist() == pytest.approx([0.2, 0.4])
    assert degree["emissions"].tolist() == pytest.approx([0.8, 0.6])
    order = subsystem_order(degree, {"gdp": "s", "emissions": "s"})
    # geometric mean: √(0.2·0.8) = 0.4, √(0.4·0.6) = √0.24
    assert order["s"].tolist() == pytest.approx([0.4, math.sqrt(0.24)])
    weighted = subsystem_order(degree, {"gdp": "s", "emissions": "s"}, aggregation="weighted")
    assert weighted["s"].tolist() == pytest.approx([0.5, 0.5])


def test_sample_bounds_widen_by_margin():
    bounds = sample_bounds(pd.DataFrame({"x": [2.0, 12.0]}), margin=0.1)
    # range 10 → lower 2 − 1 = 1, upper 12 + 1 = 13
    assert bounds.loc["x"].tolist() == pytest.approx([1.0, 13.0])


def test_synergy_degree_by_hand():
    base = pd.Series({"economy": 0.2, "society": 0.4})
    # both rise by 0.1 and 0.2: θ = 1, SD = √(0.1·0.2) = √0.02
    assert synergy_degree(base, pd.Series({"economy": 0.3, "society": 0.6})) == pytest.approx(
        math.sqrt(0.02))
    # one rises, one falls: θ = −1, SD = −√(0.1·0.1) = −0.1
    assert synergy_degree(base, pd.Series({"economy": 0.3, "society": 0.3})) == pytest.approx(-0.1)


def test_synergy_series_previous_and_first():
    orders = pd.DataFrame({"city": ["A"] * 3, "year": [2001, 2000, 2002],
                           "economy": [0.3, 0.2, 0.5], "society": [0.6, 0.4, 0.7]})
    previous = synergy_series(orders, unit="city")
    assert previous["base_time"].tolist() == [2000, 2001]
    assert previous["synergy"].tolist() == pytest.approx([math.sqrt(0.02), math.sqrt(0.02)])
    first = synergy_series(orders, unit="city", base="first")
    assert first["synergy"].iloc[1] == pytest.approx(math.sqrt(0.3 * 0.3))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=6).flatmap(
    lambda u0: st.tuples(st.just(u0), st.lists(st.floats(0, 1), min_size=len(u0),
                                               max_size=len(u0)))))
def test_synergy_in_minus_one_one(pair):
    u0, u1 = (pd.Series(v, index=[f"s{i}" for i in range(len(v))]) for v in pair)
    assert -1.0 <= synergy_degree(u0, u1) <= 1.0


def test_bad_input_is_named():
    values = pd.DataFrame({"gdp": [2.0, 40.0]})
    bounds = pd.DataFrame({"lower": [0.0], "upper": [10.0]}, index=["gdp"])
    with pytest.raises(MethodInputError, match="outside their bounds in rows \\[1\\]"):
        order_degree(values, bounds, {"gdp": "positive"})
    with pytest.raises(MethodInputError, match="constant"):
        sample_bounds(pd.DataFrame({"x": [1.0, 1.0]}))
    with pytest.raises(MethodInputError, match="same subsystems"):
        synergy_degree(pd.Series({"a": 0.1}), pd.Series({"b": 0.2}))
    with pytest.raises(MethodInputError, match="duplicated"):
        synergy_series(pd.DataFrame({"year": [2000, 2000], "a": [0.1, 0.2]}))
    with pytest.raises(MethodInputError, match="outside \\[0, 1\\]"):
        obstacle_degree(pd.DataFrame({"x": [1.5]}), {"x": 1.0})
    with pytest.raises(MethodInputError, match="missing"):
        obstacle_degree(pd.DataFrame({"x": [np.nan, 0.5]}), {"x": 1.0})


def test_two_level_obstacles_equal_the_one_level_model_without_missing_values():
    from cityclusters.indicators.obstacle import obstacle_degree, two_level_obstacle_degree

    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(0, 1, (6, 4)), columns=["a", "b", "c", "d"])
    within = {"a": 0.3, "b": 0.7, "c": 1.0, "d": 1.0}
    subsystem_of = {"a": "s1", "b": "s1", "c": "s2", "d": "s3"}
    two = two_level_obstacle_degree(x, within, subsystem_of)
    one = obstacle_degree(x, {k: v / 3 for k, v in within.items()})
    pd.testing.assert_frame_equal(two, one)


def test_two_level_subsystem_obstacle_is_the_share_of_the_score_shortfall():
    from cityclusters.indicators.obstacle import subsystem_obstacle, two_level_obstacle_degree

    x = pd.DataFrame({"a": [0.2, np.nan, 0.9], "b": [0.6, 0.5, 0.1], "c": [0.4, 0.3, np.nan],
                      "d": [1.0, 0.2, 0.5]})
    within = {"a": 0.25, "b": 0.75, "c": 0.5, "d": 0.5}
    subsystem_of = {"a": "s1", "b": "s1", "c": "s2", "d": "s2"}
    shares = subsystem_obstacle(two_level_obstacle_degree(x, within, subsystem_of).fillna(0.0), subsystem_of)
    u = pd.DataFrame({
        "s1": [(0.25 * 0.2 + 0.75 * 0.6), 0.5, (0.25 * 0.9 + 0.75 * 0.1)],
        "s2": [0.7, 0.25, 0.5]})  # missing c in row 3: d carries all of s2
    expected = (1 - u).div((1 - u).sum(axis=1), axis=0)
    assert shares.to_numpy() == pytest.approx(expected.to_numpy())


def test_two_level_obstacles_refuse_a_missing_subsystem_and_out_of_range_values():
    from cityclusters.indicators.obstacle import two_level_obstacle_degree

    within, subsystem_of = {"a": 1.0, "b": 1.0}, {"a": "s1", "b": "s2"}
    with pytest.raises(MethodInputError, match="no observed, weighted indicator"):
        two_level_obstacle_degree(pd.DataFrame({"a": [0.5], "b": [np.nan]}), within, subsystem_of)
    with pytest.raises(MethodInputError, match="outside"):
        two_level_obstacle_degree(pd.DataFrame({"a": [1.5], "b": [0.2]}), within, subsystem_of)
    with pytest.raises(MethodInputError, match="no weight or subsystem"):
        two_level_obstacle_degree(pd.DataFrame({"a": [0.5], "z": [0.2]}), within, subsystem_of)
