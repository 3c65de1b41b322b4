"""The seven-subsystem index: indicator table checks, pipeline pieces, chapters 2 and 7 reruns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import coordination as subsystems
from cityclusters.data.sources.subsystem_data import normalise_province
from cityclusters.errors import SourceFormatError
from tests.conftest import requires_mirror


def _system() -> pd.DataFrame:
    rows = [
        ("industry", "a", "positive", "city"), ("industry", "b", "negative", "city"),
        ("public_services", "c", "positive", "province"), ("ecology", "d", "negative", "city"),
        ("innovation", "e", "positive", "province"), ("governance", None, None, "missing"),
        ("market", "f", "positive", "city"), ("infrastructure", "g", "positive", "city"),
    ]
    frame = pd.DataFrame(rows, columns=["subsystem_id", "indicator_id", "direction", "level"])
    for column in subsystems.INDICATOR_COLUMNS:
        if column not in frame:
            frame[column] = "x"
    frame["first_year"] = pd.Series([2010, 2010, 2012, 2010, 2010, None, 2011, 2010], dtype=object)
    frame["last_year"] = pd.Series([2020, 2020, 2020, 2019, 2020, None, 2020, 2020], dtype=object)
    return frame[subsystems.INDICATOR_COLUMNS]


def test_real_indicator_table_is_valid_and_lists_all_seven_subsystems():
    system = subsystems.indicator_system()
    assert set(system["subsystem_id"]) == set(subsystems.SUBSYSTEMS)
    assert (system.loc[system["subsystem_id"] == "governance", "level"] == "missing").all()


def test_year_span_is_the_common_coverage():
    system = subsystems.check_indicator_system(_system())
    assert subsystems.year_span(system) == (2012, 2019)
    subsystems.validate_years(2012, 2019, system=system)
    with pytest.raises(ValueError, match=r"covers 2012–2019.*starts with \['c'\]"):
        subsystems.validate_years(2011, 2019, system=system)
    with pytest.raises(ValueError, match="at least 3 years"):
        subsystems.validate_years(2012, 2013, system=system)


@pytest.mark.parametrize("column, value, message", [
    ("subsystem_id", "culture", r"row 2, column 'subsystem_id'"),
    ("direction", "up", r"row 2, column 'direction'"),
    ("level", "county", r"row 2, column 'level'"),
    ("first_year", "soon", r"row 2, column 'first_year'"),
])
def test_bad_indicator_rows_name_row_and_column(column, value, message):
    bad = _system()
    bad.loc[0, column] = value
    with pytest.raises(SourceFormatError, match=message):
        subsystems.check_indicator_system(bad, "file.csv")


def test_a_subsystem_without_any_row_is_refused():
    bad = _system()
    bad = bad[bad["subsystem_id"] != "governance"].reset_index(drop=True)
    with pytest.raises(SourceFormatError, match="governance"):
        subsystems.check_indicator_system(bad)


def test_short_province_and_typo_cleaning():
    assert subsystems.short_province("四川省") == "四川"
    assert subsystems.short_province("广西壮族自治区") == "广西"
    assert subsystems.short_province("北京市") == "北京"
    assert normalise_province("山 两") == "山西"
    assert normalise_province("内蒙 古") == "内蒙古"


def test_mean_pairwise_correlation_by_hand():
    # city a and b move together (r = 1), c against them (r = −1 with each): mean = (1 − 1 − 1)/3
    changes = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0], "c": [3.0, 2.0, 1.0]})
    mean, pairs = subsystems.mean_pairwise_correlation(changes)
    assert pairs == 3
    assert mean == pytest.approx(-1 / 3)
    with pytest.raises(ValueError, match="at least 3 years"):
        subsystems.mean_pairwise_correlation(changes.iloc[:2])


def _toy_values() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two subsystems, one indicator each, three cities, three years."""
    system = pd.DataFrame({
        "subsystem_id": ["industry", "ecology"], "indicator_id": ["x", "y"],
        "direction": ["positive", "negative"], "level": ["city", "city"],
        "first_year": [2000, 2000], "last_year": [2002, 2002]})
    values = pd.DataFrame({
        "city_code": [1, 1, 1, 2, 2, 2, 3, 3, 3], "year": [2000, 2001, 2002] * 3,
        "name_zh": ["甲"] * 3 + ["乙"] * 3 + ["丙"] * 3, "gdp": [1.0] * 6 + [3.0] * 3,
        "x": [0.0, 1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 3.0, 4.0],
        "y": [3.0, 3.0, 2.0, 4.0, 2.0, 0.0, 2.0, 1.0, np.nan]})
    return system, values


def test_score_pipeline_by_hand():
    system, values = _toy_values()
    result = subsystems.score_pipeline(values, system=system, shift=0.0)
    # the city-year with a missing y is set aside, not imputed
    assert list(result.dropped["city_code"]) == [3] and list(result.dropped["year"]) == [2002]
    # x ranges 0..4 over the kept rows: city 2 in 2001 has x' = 0.5; y (negative) 0..4: (4 − 2)/4
    assert result.normalised.loc[(2, 2001), "x"] == pytest.approx(0.5)
    assert result.normalised.loc[(2, 2001), "y"] == pytest.approx(0.5)
    # one indicator per subsystem: U equals x'; weights within = 1, overall = 1/2
    assert result.weights["within"].tolist() == [1.0, 1.0]
    assert result.weights["overall"].tolist() == [0.5, 0.5]
    # equal U = 0.5 → classic C = 1, modified C = √(1 · 1) = 1, T = 0.5, D = √0.5
    row = result.coordination.loc[(2, 2001)]
    assert row["C_classic"] == pytest.approx(1.0) and row["C_modified"] == pytest.approx(1.0)
    assert row["D"] == pytest.approx(np.sqrt(0.5))
    # city 1 in 2001: x' = 0.25, y' = 0.25 → D = √0.25 = 0.5
    assert result.coordination.loc[(1, 2001), "D"] == pytest.approx(0.5)


def test_cluster_means_unweighted_and_gdp_weighted():
    system, values = _toy_values()
    result = subsystems.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k"], "city_code": [1, 3]})
    mean = subsystems.cluster_coordination(result, members).set_index("year")
    d = result.coordination["D"]
    assert mean.at[2000, "D"] == pytest.approx((d[(1, 2000)] + d[(3, 2000)]) / 2)
    gdp = subsystems.cluster_coordination(result, members, weighting="gdp").set_index("year")
    assert gdp.at[2000, "D"] == pytest.approx((1 * d[(1, 2000)] + 3 * d[(3, 2000)]) / 4)
    assert mean.at[2002, "cities"] == 1  # city 3 has no score in 2002


def test_order_parameters_by_hand():
    system, values = _toy_values()
    values = values.dropna()
    result = subsystems.score_pipeline(values, system=system, shift=0.0)
    op = subsystems.order_parameters(result).set_index("indicator_id")
    # x' changes: city 1 +.25 +.25, city 2 +.25 +.5, city 3 +.25 → mean .3; y' the same pattern
    assert op.at["x", "speed"] == pytest.approx(np.mean([0.25, 0.25, 0.25, 0.5, 0.25]))
    assert op["op_share"].sum() == pytest.approx(1.0)


def test_obstacles_sum_to_one_per_city():
    system, values = _toy_values()
    result = subsystems.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    obs = subsystems.obstacles(result, members, 2000)
    assert obs["indicator"].sum(axis=1).to_numpy() == pytest.approx(1.0)
    # city 1 in 2000: x' = 0, y' = (4 − 3)/4 = 0.25 → shortfalls 0.5·1 and 0.5·0.75
    assert obs["indicator"].loc[1, "x"] == pytest.approx(1 / 1.75)


def test_union_members():
    members = pd.DataFrame({"cluster_id": ["chengyu", "qianzhong", "yrd26"], "city_code": [1, 2, 3]})
    union = subsystems.union_members(members, "chengyugui")
    assert sorted(union["city_code"]) == [1, 2] and set(union["cluster_id"]) == {"chengyugui"}
    assert subsystems.union_members(members[members["cluster_id"] != "qianzhong"], "chengyugui") is None


@pytest.mark.slow
@requires_mirror
def test_real_indicators_cover_the_default_clusters():
    members = subsystems.chosen_members(["chengyu", "yrd26"])
    values = subsystems.indicator_values(2011, 2019, members["city_code"].unique())
    cov = subsystems.coverage(values, members, 2011, 2019).set_index("cluster_id")
    assert (cov["complete"] == 1.0).all()


@pytest.mark.slow
@requires_mirror
def test_chapter_02_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("02_synergetics_to_measurement", tmp_path / "02.ipynb",
                         {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2013, "LAST_YEAR": 2018,
                          "MAP_YEARS": [2018], "COUPLING_METHOD": "classic"})
    values = glued_values(output)
    assert values["first_year"] == "2013" and values["last_year"] == "2018"
    assert values["method"] == "'classic'"
    assert values["n_clusters"] == "1"
    assert values["cyg_verdict"].startswith("'not testable")


@pytest.mark.slow
@requires_mirror
def test_chapter_07_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("07_diagnosing_obstacles", tmp_path / "07.ipynb",
                         {"CLUSTERS": ["jingjinji"], "FIRST_YEAR": 2012, "LAST_YEAR": 2017,
                          "OBSTACLE_YEAR": 2015})
    values = glued_values(output)
    assert values["obstacle_year"] == "2015"
    assert values["n_cities"] == "13"
    assert values["eco_verdict"].startswith("'not testable")


@pytest.mark.slow
@requires_mirror
def test_chapter_02_refuses_years_outside_the_indicator_system(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from cityclusters.publishing.runner import run_chapter

    with pytest.raises(PapermillExecutionError, match="indicator system covers"):
        run_chapter("02_synergetics_to_measurement", tmp_path / "bad.ipynb", {"FIRST_YEAR": 2005})
