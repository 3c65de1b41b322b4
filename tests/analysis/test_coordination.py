"""The seven-subsystem index: indicator table checks, pipeline pieces, chapter 2 functions, chapters 2 and 7 reruns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import coordination
from cityclusters.data.sources.subsystem_data import normalise_province
from cityclusters.errors import MethodInputError, SourceFormatError
from tests.conftest import requires_mirror


def _system() -> pd.DataFrame:
    rows = [
        ("industry", "a", "positive", "city"), ("industry", "b", "negative", "city"),
        ("public_services", "c", "positive", "province"), ("ecology", "d", "negative", "city"),
        ("innovation", "e", "positive", "province"), ("governance", None, None, "missing"),
        ("market", "f", "positive", "city"), ("infrastructure", "g", "positive", "city"),
    ]
    frame = pd.DataFrame(rows, columns=["subsystem_id", "indicator_id", "direction", "level"])
    for column in coordination.INDICATOR_COLUMNS:
        if column not in frame:
            frame[column] = "x"
    frame["first_year"] = pd.Series([2010, 2010, 2012, 2010, 2010, None, 2011, 2010], dtype=object)
    frame["last_year"] = pd.Series([2020, 2020, 2020, 2019, 2020, None, 2020, 2020], dtype=object)
    return frame[coordination.INDICATOR_COLUMNS]


def test_real_indicator_table_is_valid_and_lists_all_seven_subsystems():
    system = coordination.indicator_system()
    assert set(system["subsystem_id"]) == set(coordination.SUBSYSTEMS)
    assert (system.loc[system["subsystem_id"] == "governance", "level"] == "missing").all()


def test_year_span_is_the_common_coverage():
    system = coordination.check_indicator_system(_system())
    assert coordination.year_span(system) == (2012, 2019)
    coordination.validate_years(2012, 2019, system=system)
    with pytest.raises(ValueError, match=r"covers 2012–2019.*starts with \['c'\]"):
        coordination.validate_years(2011, 2019, system=system)
    with pytest.raises(ValueError, match="at least 3 years"):
        coordination.validate_years(2012, 2013, system=system)


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
        coordination.check_indicator_system(bad, "file.csv")


def test_a_subsystem_without_any_row_is_refused():
    bad = _system()
    bad = bad[bad["subsystem_id"] != "governance"].reset_index(drop=True)
    with pytest.raises(SourceFormatError, match="governance"):
        coordination.check_indicator_system(bad)


def test_short_province_and_typo_cleaning():
    assert coordination.short_province("四川省") == "四川"
    assert coordination.short_province("广西壮族自治区") == "广西"
    assert coordination.short_province("北京市") == "北京"
    assert normalise_province("山 两") == "山西"
    assert normalise_province("内蒙 古") == "内蒙古"


def test_mean_pairwise_correlation_by_hand():
    # city a and b move together (r = 1), c against them (r = −1 with each): mean = (1 − 1 − 1)/3
    changes = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [2.0, 4.0, 6.0], "c": [3.0, 2.0, 1.0]})
    mean, pairs = coordination.mean_pairwise_correlation(changes)
    assert pairs == 3
    assert mean == pytest.approx(-1 / 3)
    with pytest.raises(ValueError, match="at least 3 years"):
        coordination.mean_pairwise_correlation(changes.iloc[:2])


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
    result = coordination.score_pipeline(values, system=system, shift=0.0)
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
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k"], "city_code": [1, 3]})
    mean = coordination.cluster_coordination(result, members).set_index("year")
    d = result.coordination["D"]
    assert mean.at[2000, "D"] == pytest.approx((d[(1, 2000)] + d[(3, 2000)]) / 2)
    gdp = coordination.cluster_coordination(result, members, weighting="gdp").set_index("year")
    assert gdp.at[2000, "D"] == pytest.approx((1 * d[(1, 2000)] + 3 * d[(3, 2000)]) / 4)
    assert mean.at[2002, "cities"] == 1  # city 3 has no score in 2002


def test_order_parameters_by_hand():
    system, values = _toy_values()
    values = values.dropna()
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    op = coordination.order_parameters(result).set_index("indicator_id")
    # x' changes: city 1 +.25 +.25, city 2 +.25 +.5, city 3 +.25 → mean .3; y' the same pattern
    assert op.at["x", "speed"] == pytest.approx(np.mean([0.25, 0.25, 0.25, 0.5, 0.25]))
    assert op["op_share"].sum() == pytest.approx(1.0)


def test_union_members():
    members = pd.DataFrame({"cluster_id": ["chengyu", "qianzhong", "yrd26"], "city_code": [1, 2, 3]})
    union = coordination.union_members(members, "chengyugui")
    assert sorted(union["city_code"]) == [1, 2] and set(union["cluster_id"]) == {"chengyugui"}
    assert coordination.union_members(members[members["cluster_id"] != "qianzhong"], "chengyugui") is None


@pytest.mark.slow
@requires_mirror
def test_real_indicators_cover_the_default_clusters():
    members = coordination.chosen_members(["chengyu", "yrd26"])
    values = coordination.indicator_values(2011, 2019, members["city_code"].unique())
    cov = coordination.coverage(values, members, 2011, 2019).set_index("cluster_id")
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


# ----------------------------------------------------------------------------- chapter 2 functions
def test_check_chapter_parameters():
    coordination.check_chapter_parameters("modified", [2011, 2019], 2011, 2019)
    with pytest.raises(ValueError, match="COUPLING_METHOD must be one of"):
        coordination.check_chapter_parameters("fancy", [2011], 2011, 2019)
    with pytest.raises(ValueError, match="MAP_YEARS must be"):
        coordination.check_chapter_parameters("classic", [2020], 2011, 2019)
    with pytest.raises(ValueError, match="MAP_YEARS must be"):
        coordination.check_chapter_parameters("classic", [], 2011, 2019)


def test_city_level_subsystems_and_tables_of_the_system():
    system = coordination.check_indicator_system(_system())
    rows = coordination.measured(system)
    assert coordination.city_level_subsystems(rows, ["innovation", "industry", "market"]) == ["industry", "market"]
    shown = coordination.indicator_table(system)
    assert list(shown.columns) == ["Subsystem 子系统", "Indicator", "unit", "±", "level", "years in source"]
    governance = shown[shown["level"] == "missing"].iloc[0]
    assert governance["Indicator"] == "— (no data)" and governance["years in source"] == "–"
    assert shown.iloc[1]["±"] == "−" and shown.iloc[0]["years in source"] == "2010–2020"


def _toy_result():
    system, values = _toy_values()
    return system, values, coordination.score_pipeline(values, system=system, shift=0.0)


def test_weight_and_coupling_values():
    _, _, result = _toy_result()
    result.weights.loc["x", "subsystem_id"] = "industry"
    labels = {"x": "X", "y": "Y"}
    names = {"industry": "Industry", "ecology": "Ecology"}
    table = coordination.weight_table(result, labels, names)
    assert list(table.columns) == ["subsystem", "indicator", "entropy e", "weight in subsystem", "overall weight"]
    assert table["subsystem"].tolist() == ["Industry", "Ecology"]
    # put both indicators in one subsystem: the larger within weight is named
    result.weights["subsystem_id"] = "industry"
    result.weights["within"] = [0.7, 0.3]
    values = coordination.weight_values(result, labels, names)
    assert values["top_within_indicator"] == "X" and values["top_within_weight"] == pytest.approx(0.7)
    lowest = result.weights["entropy"].idxmin()
    assert values["low_entropy_indicator"] == labels[lowest]
    co = pd.DataFrame({"C_classic": [0.2, 0.6, 0.9, 1.0], "C_modified": [0.1, 0.2, 0.4, 0.6],
                       "D_classic": [0.5] * 4, "D_modified": [0.3] * 4})
    c = coordination.coupling_values(co)
    assert c["c_classic_high"] == pytest.approx(0.75) and c["c_modified_high"] == pytest.approx(0.25)
    assert c["c_modified_median"] == pytest.approx(0.3) and c["d_modified_mean"] == pytest.approx(0.3)
    assert c["c_classic_cv"] == pytest.approx(co["C_classic"].std() / co["C_classic"].mean())


def _cluster_year() -> pd.DataFrame:
    return pd.DataFrame({"cluster_id": ["a", "b", "a", "b"], "year": [2000, 2000, 2002, 2002],
                         "D": [0.30, 0.40, 0.35, 0.38], "T": [0.2, 0.3, 0.25, 0.28],
                         "C": [0.5, 0.6, 0.55, 0.58], "cities": [2, 3, 2, 3]})


def test_cluster_table_and_sentences():
    names = {"a": "A", "b": "B"}
    table = coordination.cluster_table(_cluster_year(), ["a", "b"], 2000, 2002, names)
    assert list(table.columns) == ["cluster", "cities scored", "D 2000", "D 2002", "T 2002", "C 2002"]
    assert table["D 2002"].tolist() == [0.35, 0.38]
    co = pd.DataFrame({"grade_en": ["poor", "poor", "good"], "grade": ["差", "差", "好"],
                       "lagging_subsystem": ["ecology", "market", "ecology"]},
                      index=pd.MultiIndex.from_tuples([(1, 2002), (2, 2002), (3, 2002)], names=["city_code", "year"]))
    values = coordination.cluster_values(_cluster_year(), co, ["a", "b"], 2000, 2002, names, {"ecology": "Eco"})
    assert values["best_cluster"] == "B" and values["worst_cluster"] == "A"
    # a rose (0.30 → 0.35), b fell (0.40 → 0.38)
    assert values["n_rose"] == 1 and values["rose_word"] == "1 of the 2"
    assert values["modal_grade"] == "poor (差)" and values["modal_grade_share"] == pytest.approx(2 / 3)
    assert values["top_lagging"] == "Eco" and values["top_lagging_share"] == pytest.approx(2 / 3)
    rising = _cluster_year().assign(D=[0.30, 0.35, 0.35, 0.38])
    assert coordination.cluster_values(rising, co, ["a", "b"], 2000, 2002, names, {})["rose_word"] == "all"


def test_relation_values_names_significant_positive_clusters():
    comove = pd.Series({"a": 0.2, "b": 0.6, "c": 0.4})
    moran = pd.DataFrame({"I": [0.3, 0.5, -0.2], "p_sim": [0.01, 0.2, 0.01]}, index=["a", "b", "c"])
    names = {"a": "A", "b": "B", "c": "C"}
    values = coordination.relation_values(comove, moran, ["industry"], names, {"industry": "Ind"})
    assert values["top_comove_cluster"] == "B" and values["low_comove_cluster"] == "A"
    assert values["n_moran_sig"] == 1 and values["moran_sig_names"] == "A"  # c is significant but negative
    assert values["city_level_subsystems"] == "Ind" and values["n_city_level"] == 1
    none = coordination.relation_values(comove, moran.assign(p_sim=0.5), [], names, {})
    assert none["n_moran_sig"] == 0 and none["moran_sig_names"] == "none"


def test_order_parameter_values_and_table():
    op = pd.DataFrame({"indicator_id": ["x", "y", "z"], "subsystem_id": ["i", "e", "e"],
                       "weight": [0.5, 0.3, 0.2], "speed": [0.01, 0.02, 0.05],
                       "op_share": [0.6, 0.3, 0.1], "rank": [1, 2, 3]})
    values = coordination.order_parameter_values(op, {"x": "X", "y": "Y", "z": "Z"}, {"i": "I", "e": "E"})
    assert values["op1"] == "X" and values["op1_subsystem"] == "I" and values["op2"] == "Y"
    assert values["op_top2_share"] == pytest.approx(0.9) and values["op_last"] == "Z"
    table = coordination.order_parameter_table(op, {"x": "X", "y": "Y", "z": "Z"}, {"i": "I", "e": "E"})
    assert list(table.columns) == ["rank", "indicator", "subsystem", "overall weight", "speed per year",
                                   "order-parameter share"]


@pytest.mark.parametrize("cyg_d, cyg_co, expected", [
    (0.3, 0.1, "supported"),
    (0.3, 0.9, "partly supported: coordination D is lower than in the YRD, but co-movement is not"),
    (0.6, 0.1, "partly supported: co-movement is lower than in the YRD, but D is not"),
    (0.6, 0.9, "not supported: neither D nor co-movement is lower than in the YRD"),
])
def test_synergy_verdict_text_branches(cyg_d, cyg_co, expected):
    assert coordination.synergy_verdict_text(cyg_d, 0.5, cyg_co, 0.5) == expected


def test_synergy_verdict_not_testable_without_the_clusters():
    _, _, result = _toy_result()
    members = pd.DataFrame({"cluster_id": ["yrd26"], "city_code": [1]})
    verdict, values = coordination.synergy_verdict(result, members, _cluster_year(), pd.Series(dtype=float),
                                                 pd.DataFrame(), [], ["yrd26"], 2000, 2002)
    assert verdict.category == "not testable with our data" and verdict.claim_id == "p000_cyg_lacks_synergy"
    assert values == {"cyg_verdict": verdict.verdict, "cyg_evidence": "clusters not selected"}


def test_grade_band_and_exercise_values():
    assert coordination.grade_band(pd.Series([0.0, 0.15, 0.99, 1.0])).tolist() == [0, 1, 9, 9]
    system, values, _ = _toy_result()
    values = values.dropna()
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    cluster_year = coordination.cluster_coordination(result, members)
    with pytest.MonkeyPatch.context() as mp:  # score_pipeline of the exercise needs the toy system
        real = coordination.score_pipeline
        mp.setattr(coordination, "score_pipeline", lambda v, **kw: real(v, system=system, **kw))
        ex = coordination.exercise_values(result, values, members, cluster_year, "modified", ["k"], 2002, {"k": "K"})
    assert ex["ex_other_method"] == "classic"
    d = result.coordination["D"].groupby(level="year").mean()
    assert ex["ex_panel_change"] == pytest.approx(d.iloc[-1] - d.iloc[0])
    # GDP-weighted minus unweighted mean D of the one cluster in 2002
    last = result.coordination["D"].xs(2002, level="year")
    gdp = result.gdp.xs(2002, level="year")
    gap = float((last * gdp).sum() / gdp.sum() - last.mean())
    assert ex["ex_gdp_max_cluster"] == "K" and ex["ex_gdp_max_gap"] == pytest.approx(gap)
    assert ex["ex_gdp_all_higher"] == ("higher" if gap > 0 else "not always higher")
    assert ex["ex_peryear_text"].startswith("it changes by")


def test_exercise_values_when_per_year_scores_cannot_be_computed():
    system, values, _ = _toy_result()
    values = values.dropna()
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    cluster_year = coordination.cluster_coordination(result, members)

    def refuse(*args, **kwargs):
        raise MethodInputError("x is constant in 2001")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(coordination, "score_pipeline", refuse)
        ex = coordination.exercise_values(result, values, members, cluster_year, "classic", ["k"], 2002, {"k": "K"})
    assert ex["ex_other_method"] == "modified"
    assert ex["ex_peryear_text"] == "it cannot be computed for the chosen clusters (x is constant in 2001)"
