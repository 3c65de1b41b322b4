"""Structure similarity (UNIDO) and Krugman specialisation: hand examples and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cityclusters.errors import MethodInputError
from cityclusters.indicators.structure import (
    krugman_specialisation,
    krugman_to_rest,
    mean_pairwise,
    structure_similarity,
)

SECTORS = ["primary", "secondary", "tertiary"]


def table(rows, units=None) -> pd.DataFrame:
    units = units or [f"u{i}" for i in range(len(rows))]
    return pd.DataFrame(rows, index=units, columns=SECTORS[: len(rows[0])] if len(rows[0]) <= 3
                        else [f"s{k}" for k in range(len(rows[0]))], dtype=float)


def test_identical_structures():
    shares = table([[0.1, 0.4, 0.5], [0.1, 0.4, 0.5]], ["p", "q"])
    assert structure_similarity(shares).loc["p", "q"] == pytest.approx(1.0)
    assert krugman_specialisation(shares).loc["p", "q"] == pytest.approx(0.0)


def test_disjoint_structures():
    shares = table([[1, 0, 0], [0, 1, 0]], ["p", "q"])
    assert structure_similarity(shares).loc["p", "q"] == 0.0
    assert krugman_specialisation(shares).loc["p", "q"] == 2.0


def test_hand_computed_pair():
    shares = table([[0.1, 0.4, 0.5], [0.2, 0.5, 0.3]], ["p", "q"])
    # S = (0.02 + 0.20 + 0.15) / sqrt(0.42 · 0.38); K = 0.1 + 0.1 + 0.2
    assert structure_similarity(shares).loc["p", "q"] == pytest.approx(0.37 / np.sqrt(0.42 * 0.38))
    assert krugman_specialisation(shares).loc["q", "p"] == pytest.approx(0.4)


def test_levels_are_converted_to_shares():
    levels = table([[10, 40, 50], [200, 500, 300]], ["p", "q"])  # 亿元
    shares = table([[0.1, 0.4, 0.5], [0.2, 0.5, 0.3]], ["p", "q"])
    pd.testing.assert_frame_equal(krugman_specialisation(levels, levels=True), krugman_specialisation(shares))
    pd.testing.assert_frame_equal(structure_similarity(levels, levels=True), structure_similarity(shares))


def test_rounded_shares_are_accepted_and_rescaled():
    shares = table([[0.101, 0.4, 0.5], [0.1, 0.4, 0.5]], ["p", "q"])  # sums 1.001 and 1
    k = krugman_specialisation(shares)
    assert 0 < k.loc["p", "q"] < 0.01


def test_krugman_to_rest_by_hand():
    levels = table([[10, 0, 0], [0, 10, 0], [0, 0, 20]], ["a", "b", "c"])
    k = krugman_to_rest(levels)
    # a vs rest (0, 10, 20)/30: |1 − 0| + |0 − 1/3| + |0 − 2/3| = 2
    assert k["a"] == pytest.approx(2.0)
    levels = table([[10, 10, 0], [10, 0, 10], [0, 10, 10]], ["a", "b", "c"])
    # a = (.5, .5, 0) vs rest (10, 10, 20)/40 = (.25, .25, .5): .25 + .25 + .5 = 1
    assert krugman_to_rest(levels)["a"] == pytest.approx(1.0)


def test_krugman_to_rest_shares_with_weights_equals_levels():
    levels = table([[10, 30, 60], [50, 30, 20], [5, 5, 10], [1, 2, 1]])
    totals = levels.sum(axis=1)
    shares = levels.div(totals, axis=0)
    from_levels = krugman_to_rest(levels)
    pd.testing.assert_series_equal(krugman_to_rest(shares, levels=False, weights=totals), from_levels)
    # unweighted: the rest is the plain mean of the others' shares
    unweighted = krugman_to_rest(shares, levels=False)
    rest_of_u0 = shares.iloc[1:].mean()
    assert unweighted["u0"] == pytest.approx((shares.iloc[0] - rest_of_u0).abs().sum())


def test_mean_pairwise():
    matrix = pd.DataFrame([[1, 0.2, 0.4], [0.2, 1, 0.9], [0.4, 0.9, 1]], index=list("abc"),
                          columns=list("abc"))
    assert mean_pairwise(matrix) == pytest.approx(0.5)
    assert mean_pairwise(matrix.loc[["c", "a", "b"], ["b", "a", "c"]]) == pytest.approx(0.5)
    with pytest.raises(MethodInputError, match="symmetric"):
        mean_pairwise(matrix.assign(a=[1, 0.3, 0.4]))
    with pytest.raises(MethodInputError, match="square"):
        mean_pairwise(matrix.iloc[:, :2])
    with pytest.raises(MethodInputError, match="at least 2"):
        mean_pairwise(matrix.iloc[:1, :1])


@pytest.mark.parametrize("rows, levels, match", [
    ([[0.1, 0.4, 0.4], [0.1, 0.4, 0.5]], False, "summing to 1"),
    ([[0.5, 0.7, -0.2], [0.1, 0.4, 0.5]], False, "negative"),
    ([[0, 0, 0], [1, 2, 3]], True, "zero in every sector"),
    ([[np.nan, 0.5, 0.5], [0.1, 0.4, 0.5]], False, "missing"),
    ([[0.1, 0.4, 0.5]], False, "at least 2"),
])
def test_bad_input(rows, levels, match):
    frame = table(rows)
    for function in (structure_similarity, krugman_specialisation):
        with pytest.raises(MethodInputError, match=match):
            function(frame, levels=levels)


def test_krugman_to_rest_bad_weights():
    levels = table([[10, 30, 60], [50, 30, 20]])
    with pytest.raises(MethodInputError, match="only used with levels=False"):
        krugman_to_rest(levels, weights=pd.Series([1.0, 2.0], index=levels.index))
    shares = levels.div(levels.sum(axis=1), axis=0)
    with pytest.raises(MethodInputError, match="different indexes"):
        krugman_to_rest(shares, levels=False, weights=pd.Series([1.0, 2.0], index=["u0", "x"]))
    with pytest.raises(MethodInputError, match="zero or negative"):
        krugman_to_rest(shares, levels=False, weights=pd.Series([1.0, 0.0], index=levels.index))


levels_arrays = arrays(np.float64, st.tuples(st.integers(2, 7), st.integers(2, 6)),
                       elements=st.floats(0, 1e4, allow_subnormal=False))


@settings(max_examples=60, deadline=None)
@given(levels_arrays)
def test_similarity_and_krugman_properties(values):
    assume((values.sum(axis=1) > 1e-6).all())
    frame = pd.DataFrame(values)
    s = structure_similarity(frame, levels=True).to_numpy()
    k = krugman_specialisation(frame, levels=True).to_numpy()
    assert np.array_equal(s, s.T) and np.array_equal(k, k.T)
    assert (np.diag(s) == 1).all() and (np.diag(k) == 0).all()
    assert ((s >= 0) & (s <= 1)).all()
    assert ((k >= 0) & (k <= 2)).all()
    rest = krugman_to_rest(frame)
    assert ((rest >= 0) & (rest <= 2)).all()
    assert 0 <= mean_pairwise(pd.DataFrame(s)) <= 1
