"""Coupling coordination: C (classic and modified), T, D, grades, stages, lagging subsystem."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cityclusters.errors import MethodInputError
from cityclusters.indicators.coupling import (
    GRADE_LABELS_ZH,
    coordination_grade,
    coupling_coordination,
    coupling_degree,
    coupling_stage,
    lagging_subsystem,
)


def test_two_subsystems_by_hand():
    scores = pd.DataFrame({"economy": [0.2], "society": [0.8]})
    # classic: C = 2·√(0.2·0.8)/(0.2 + 0.8) = 2·0.4/1 = 0.8; T = 0.5; D = √0.4
    out = coupling_coordination(scores)
    assert out.loc[0, "coupling"] == pytest.approx(0.8)
    assert out.loc[0, "comprehensive_index"] == pytest.approx(0.5)
    assert out.loc[0, "coordination_degree"] == pytest.approx(math.sqrt(0.4))  # 0.6325
    assert out.loc[0, "grade"] == "初级协调"
    assert out.loc[0, "stage"] == "高水平耦合"  # C = 0.8 opens the top stage
    assert out.loc[0, "lagging_subsystem"] == "economy"
    # modified: √[(1 − |0.2 − 0.8|)·(0.2/0.8)] = √(0.4·0.25) = √0.1
    assert coupling_degree(scores, "modified")[0] == pytest.approx(math.sqrt(0.1))


def test_three_subsystems_by_hand():
    scores = pd.DataFrame({"a": [0.2], "b": [0.4], "c": [0.8]})
    # classic: 3·(0.2·0.4·0.8)^{1/3}/1.4 = 3·0.4/1.4
    assert coupling_degree(scores)[0] == pytest.approx(1.2 / 1.4)
    # modified: mean pairwise gap (0.2 + 0.6 + 0.4)/3 = 0.4; ratios 0.25·0.5·1 = 0.125,
    # to the power 1/(n − 1) = 1/2 → 0.353553; C = √(0.6·0.353553) = 0.460578
    assert coupling_degree(scores, "modified")[0] == pytest.approx(
        math.sqrt(0.6 * math.sqrt(0.125)))
    # weighted T: 0.5·0.2 + 0.25·0.4 + 0.25·0.8 = 0.4
    out = coupling_coordination(scores, weights={"a": 0.5, "b": 0.25, "c": 0.25})
    assert out.loc[0, "comprehensive_index"] == pytest.approx(0.4)


def test_equal_scores_couple_perfectly_and_zero_score_decouples():
    scores = pd.DataFrame({"a": [0.3, 0.0], "b": [0.3, 0.5]})
    assert coupling_degree(scores).tolist() == pytest.approx([1.0, 0.0])
    assert coupling_degree(scores, "modified").tolist() == pytest.approx([1.0, 0.0])


def test_reproduces_wang_et_al_2021_table8_two_system_pattern():
    """Wang et al. (2021) Table 8, Beijing–Tianjin–Hebei eco–economic C in 2008:
    Beijing classic 0.9989 / modified 0.9404, Chengde 0.6101 / 0.2700. For two systems both
    values pin down (U_min/U_max, |U_1 − U_2|), so one admissible pair of scores in [0, 1]
    must reproduce both published numbers under our formulas."""
    for classic, modified in [(0.9989, 0.9404), (0.6101, 0.2700)]:
        # classic = 2s/(1 + s²) with s = √(U_min/U_max) → s = (1 − √(1 − C²))/C
        s = (1 - math.sqrt(1 - classic**2)) / classic
        ratio = s**2
        gap = 1 - modified**2 / ratio          # modified² = (1 − gap)·ratio
        upper = gap / (1 - ratio)              # U_max − U_min = gap, U_min = ratio·U_max
        scores = pd.DataFrame({"eco": [ratio * upper], "econ": [upper]})
        assert 0 < upper <= 1
        assert coupling_degree(scores)[0] == pytest.approx(classic, abs=1e-9)
        assert coupling_degree(scores, "modified")[0] == pytest.approx(modified, abs=1e-9)
    # the published direction: the modified C is lower and more dispersed
    assert 0.9404 < 0.9989 and 0.2700 < 0.6101
    assert (0.9404 - 0.2700) > (0.9989 - 0.6101)


score_arrays = arrays(float, st.tuples(st.integers(1, 20), st.integers(2, 6)),
                      elements=st.floats(0.0, 1.0))


@settings(max_examples=80, deadline=None)
@given(score_arrays)
def test_c_t_d_stay_in_unit_interval(values):
    frame = pd.DataFrame(values)
    frame.columns = [f"s{i}" for i in frame.columns]
    if (frame.max(axis=1) <= 0).any():
        with pytest.raises(MethodInputError, match="all subsystem scores are zero"):
            coupling_coordination(frame)
        return
    for method in ("classic", "modified"):
        out = coupling_coordination(frame, method=method)
        for column in ("coupling", "comprehensive_index", "coordination_degree"):
            assert out[column].between(0, 1).all()
        assert out["grade"].notna().all() and out["stage"].notna().all()


@settings(max_examples=80, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 20), st.just(2)), elements=st.floats(0.01, 1.0)))
def test_modified_never_exceeds_classic_for_two_systems(values):
    # √((1 − d)·r) ≤ √r ≤ 1 ≤ 2/(1 + r)·… ⇒ modified ≤ 2√r/(1 + r) = classic, r = U_min/U_max
    frame = pd.DataFrame(values, columns=["a", "b"])
    assert (coupling_degree(frame, "modified") <= coupling_degree(frame) + 1e-12).all()


def test_grade_bands_are_left_closed_and_ordered():
    grades = coordination_grade(pd.Series([0.0, 0.05, 0.1, 0.499, 0.5, 0.95, 1.0]))
    assert grades.tolist() == ["极度失调", "极度失调", "严重失调", "濒临失调", "勉强协调",
                               "优质协调", "优质协调"]
    assert grades.cat.ordered and list(grades.cat.categories) == list(GRADE_LABELS_ZH)
    assert grades.cat.codes.tolist() == [0, 0, 1, 4, 5, 9, 9]
    english = coordination_grade(pd.Series([0.55]), language="en")
    assert english.iloc[0] == "barely coordinated"


def test_coupling_stages():
    stages = coupling_stage(pd.Series([0.1, 0.3, 0.49, 0.5, 0.79, 0.8, 1.0]), language="en")
    assert stages.tolist() == ["low coupling", "antagonism", "antagonism", "running-in",
                               "running-in", "high coupling", "high coupling"]


def test_lagging_subsystem_tolerance():
    scores = pd.DataFrame({"economy": [0.5, 0.5], "ecology": [0.3, 0.45]})
    assert lagging_subsystem(scores).tolist() == ["ecology", "balanced"]


@pytest.mark.parametrize("frame, kwargs, message", [
    (pd.DataFrame({"a": [0.2, np.nan], "b": [0.3, 0.4]}), {}, "missing"),
    (pd.DataFrame({"a": [1.2], "b": [0.3]}), {}, "outside \\[0, 1\\]"),
    (pd.DataFrame({"a": [0.2]}), {}, "at least 2 subsystem"),
    (pd.DataFrame({"a": [0.0], "b": [0.0]}), {}, "all subsystem scores are zero"),
    (pd.DataFrame({"a": [0.2], "b": [0.3]}), {"method": "improved"}, "method='improved'"),
    (pd.DataFrame({"a": [0.2], "b": [0.3]}), {"weights": {"a": 0.5, "c": 0.5}}, "exactly"),
    (pd.DataFrame({"a": [0.2], "b": [0.3]}), {"weights": {"a": 0.9, "b": 0.9}}, "sum to 1"),
])
def test_coupling_refuses_bad_input(frame, kwargs, message):
    with pytest.raises(MethodInputError, match=message):
        coupling_coordination(frame, **kwargs)
