"""Normalisation, entropy weights, composite scores and entropy–TOPSIS against hand arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cityclusters.errors import MethodInputError
from cityclusters.indicators.multiverse import Specification, decompose
from cityclusters.indicators.weights import (
    composite_score,
    entropy_topsis,
    entropy_weight_table,
    entropy_weights,
    min_max_normalise,
    subsystem_scores,
)


def panel() -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(
        [("甲", 2000), ("乙", 2000), ("甲", 2001), ("乙", 2001)], names=["city", "year"])
    return pd.DataFrame({"gdp": [1.0, 3.0, 10.0, 20.0], "pollution": [4.0, 2.0, 2.0, 1.0]},
                        index=index)


def test_min_max_positive_negative_and_shift():
    frame = pd.DataFrame({"up": [2.0, 4.0, 6.0], "down": [2.0, 4.0, 6.0]})
    out = min_max_normalise(frame, {"up": "positive", "down": "negative"}, scope="panel")
    assert out["up"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert out["down"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    # shift 0.1: 0.1 + 0.9 × (0, 0.5, 1) = (0.1, 0.55, 1.0)
    shifted = min_max_normalise(frame, {"up": "positive", "down": "negative"}, scope="panel",
                                shift=0.1)
    assert shifted["up"].tolist() == pytest.approx([0.1, 0.55, 1.0])


def test_panel_and_per_year_scopes_differ_as_computed_by_hand():
    directions = {"gdp": "positive", "pollution": "negative"}
    whole = min_max_normalise(panel(), directions, scope="panel")
    # gdp over the panel: (x − 1)/(20 − 1) → 0, 2/19, 9/19, 1
    assert whole["gdp"].tolist() == pytest.approx([0, 2 / 19, 9 / 19, 1])
    # pollution (negative): (4 − x)/(4 − 1) → 0, 2/3, 2/3, 1
    assert whole["pollution"].tolist() == pytest.approx([0, 2 / 3, 2 / 3, 1])
    by_year = min_max_normalise(panel(), directions, scope="per_year")
    # each year ranks its two cities: gdp 0 and 1 in both years
    assert by_year["gdp"].tolist() == pytest.approx([0, 1, 0, 1])
    assert by_year.index.equals(panel().index)


def test_entropy_weights_by_hand():
    frame = pd.DataFrame({"a": [1.0, 1.0, 2.0], "b": [0.0, 0.0, 1.0]})
    table = entropy_weight_table(frame)
    # a: p = (.25, .25, .5); e = (2·.25·ln 4 + .5·ln 2)/ln 3 = 1.0397208/1.0986123 = 0.9463946
    e_a = (0.5 * math.log(4) + 0.5 * math.log(2)) / math.log(3)
    assert table.loc["a", "entropy"] == pytest.approx(e_a)
    # b: p = (0, 0, 1); 0·ln 0 := 0, so e = 0 and d = 1
    assert table.loc["b", "entropy"] == pytest.approx(0.0)
    d_a = 1 - e_a
    assert table.loc["a", "weight"] == pytest.approx(d_a / (d_a + 1))  # 0.0536054/1.0536054
    assert table.loc["a", "weight"] == pytest.approx(0.0508780, abs=1e-7)
    assert entropy_weights(frame).sum() == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(2, 12), st.integers(1, 6)),
              elements=st.floats(0.0, 1.0)))
def test_entropy_weights_sum_to_one_and_are_non_negative(values):
    frame = pd.DataFrame(values)
    if (frame.sum() <= 0).any():
        with pytest.raises(MethodInputError):
            entropy_weights(frame)
        return
    try:
        weights = entropy_weights(frame)
    except MethodInputError as error:  # every column evenly spread
        assert "evenly spread" in str(error)
        return
    assert weights.sum() == pytest.approx(1.0)
    assert (weights >= -1e-12).all()


def test_composite_and_subsystem_scores():
    frame = pd.DataFrame({"x1": [0.0, 1.0], "x2": [1.0, 0.5], "x3": [0.2, 0.4]})
    score = composite_score(frame, {"x1": 0.5, "x2": 0.3, "x3": 0.2})
    # row 0: 0.5·0 + 0.3·1 + 0.2·0.2 = 0.34; row 1: 0.5 + 0.15 + 0.08 = 0.73
    assert score.tolist() == pytest.approx([0.34, 0.73])
    subs = subsystem_scores(frame, {"x1": "economy", "x2": "economy", "x3": "society"},
                            weights={"x1": 0.5, "x2": 0.3, "x3": 0.2})
    # economy weights renormalised: 0.5/0.8 = 0.625, 0.3/0.8 = 0.375
    assert subs["economy"].tolist() == pytest.approx([0.375, 0.625 + 0.1875])
    assert subs["society"].tolist() == pytest.approx([0.2, 0.4])


def test_geometric_composite_by_hand_and_as_in_the_multiverse():
    frame = pd.DataFrame({"x1": [0.25, 1.0, 0.0], "x2": [1.0, 0.5, 1.0]})
    score = composite_score(frame, {"x1": 0.5, "x2": 0.5}, aggregation="geometric")
    # √(0.25·1) = 0.5, √(1·0.5) = 0.7071, and a zero indicator makes the composite zero
    assert score.tolist() == pytest.approx([0.5, math.sqrt(0.5), 0.0])
    # the multiverse's geometric subsystem score of the same scaled indicators
    values = np.array([[1.0, 4.0, 2.0], [3.0, 1.0, 5.0], [2.0, 2.0, 1.0], [5.0, 3.0, 3.0]])
    parts = decompose(values, ["a", "a", "b"], ["positive"] * 3, [2000] * 4,
                      Specification(weighting="equal", aggregation="geometric"))
    scaled = pd.DataFrame(parts["scaled"][:, :2], columns=["x0", "x1"])
    ours = composite_score(scaled, {"x0": 0.5, "x1": 0.5}, aggregation="geometric")
    assert ours.to_numpy() == pytest.approx(parts["scores"][:, 0], rel=1e-12)


def test_entropy_topsis_by_hand():
    frame = pd.DataFrame({"a": [1.0, 0.5, 1.0, 0.0], "b": [0.0, 0.5, 1.0, 0.0]},
                         index=["A", "B", "C", "D"])
    out = entropy_topsis(frame, weights={"a": 0.5, "b": 0.5})
    # z = x/2, ideal (0.5, 0.5), anti-ideal (0, 0); A: S⁺ = √(0 + .25) = .5, S⁻ = .5 → 0.5
    assert out.loc["A", "distance_to_best"] == pytest.approx(0.5)
    assert out["closeness"].tolist() == pytest.approx([0.5, 0.5, 1.0, 0.0])
    entropy_based = entropy_topsis(frame)
    assert entropy_based["closeness"].between(0, 1).all()


@pytest.mark.parametrize("frame, directions, kwargs, message", [
    (pd.DataFrame({"a": [1.0, np.nan, 3.0]}), {"a": "positive"}, {"scope": "panel"}, "missing"),
    (pd.DataFrame({"a": [1.0, 1.0, 1.0]}), {"a": "positive"}, {"scope": "panel"}, "constant"),
    (pd.DataFrame({"a": [1.0, 2.0]}), {"b": "positive"}, {"scope": "panel"}, "missing: \\['a'\\]"),
    (pd.DataFrame({"a": [1.0, 2.0]}), {"a": "up"}, {"scope": "panel"}, "directions"),
    (pd.DataFrame({"a": [1.0, 2.0]}), {"a": "positive"}, {"scope": "yearly"}, "scope='yearly'"),
    (pd.DataFrame({"a": [1.0, 2.0]}), {"a": "positive"}, {"scope": "per_year"}, "index level"),
    (pd.DataFrame({"a": [1.0]}), {"a": "positive"}, {"scope": "panel"}, "at least 2"),
    (pd.DataFrame({"a": ["x", "y"]}), {"a": "positive"}, {"scope": "panel"}, "numeric"),
])
def test_normalise_refuses_bad_input(frame, directions, kwargs, message):
    with pytest.raises(MethodInputError, match=message):
        min_max_normalise(frame, directions, **kwargs)


def test_per_year_constant_within_a_year_is_named():
    frame = panel().assign(gdp=[5.0, 5.0, 1.0, 2.0])
    with pytest.raises(MethodInputError, match="year 2000"):
        min_max_normalise(frame, {"gdp": "positive", "pollution": "negative"}, scope="per_year")


def test_weights_refuse_bad_input():
    frame = pd.DataFrame({"a": [0.2, 0.4], "b": [0.1, 0.9]})
    with pytest.raises(MethodInputError, match="negative"):
        entropy_weights(frame.assign(a=[-0.1, 0.4]))
    with pytest.raises(MethodInputError, match="sum to zero"):
        entropy_weights(frame.assign(a=[0.0, 0.0]))
    with pytest.raises(MethodInputError, match="sum to 1.2"):
        composite_score(frame, {"a": 0.6, "b": 0.6})
    with pytest.raises(MethodInputError, match="missing: \\['b'\\]"):
        composite_score(frame, {"a": 1.0})
    with pytest.raises(MethodInputError, match="outside \\[0, 1\\]"):
        composite_score(frame.assign(a=[2.0, 0.4]), {"a": 0.5, "b": 0.5})
    with pytest.raises(MethodInputError, match="aggregation"):
        composite_score(frame, {"a": 0.5, "b": 0.5}, aggregation="harmonic")
    with pytest.raises(MethodInputError, match="subsystem_of"):
        subsystem_scores(frame, {"a": "economy"})
