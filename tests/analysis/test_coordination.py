"""The seven-subsystem index: the first edition's indicator table and pipeline (still used by
other chapters), the relations and order parameters, chapter 2 on the yardstick, chapters 2 and 7 reruns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import coordination, coordination_index
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
    assert op.at["x", "pairs"] == 5


def _result_with_missing_values() -> coordination.ScoreResult:
    """A yardstick-like result: x' NaN where an indicator is missing (two cities, three years)."""
    index = pd.MultiIndex.from_product([[1, 2], [2000, 2001, 2002]], names=["city_code", "year"])
    normalised = pd.DataFrame({"x": [0.1, 0.2, 0.4, 0.5, np.nan, 0.7],
                               "y": [0.3, 0.3, 0.6, np.nan, np.nan, 0.2]}, index=index)
    weights = pd.DataFrame({"subsystem_id": ["industry", "ecology"], "within": [1.0, 1.0],
                            "overall": [0.5, 0.5]}, index=pd.Index(["x", "y"], name="indicator"))
    empty = pd.DataFrame(index=index)
    return coordination.ScoreResult(normalised, normalised, weights, empty, empty, pd.DataFrame(),
                                    "classic", pd.Series(1.0, index=index))


def test_order_parameters_leave_out_pairs_with_a_missing_end():
    op = coordination.order_parameters(_result_with_missing_values()).set_index("indicator_id")
    # x: city 1 |.1|, |.2|; city 2 both pairs touch the NaN of 2001 → 2 pairs, speed .15
    assert op.at["x", "pairs"] == 2 and op.at["x", "speed"] == pytest.approx(0.15)
    # y: city 1 |0|, |.3|; city 2 none → 2 pairs, speed .15
    assert op.at["y", "pairs"] == 2 and op.at["y", "speed"] == pytest.approx(0.15)
    result = _result_with_missing_values()
    result.normalised["y"] = [0.3, np.nan, 0.6, np.nan, np.nan, 0.2]  # no observed pair at all
    with pytest.raises(ValueError, match=r"indicators \['y'\] have no observed change"):
        coordination.order_parameters(result)


def test_co_movement_leaves_out_a_city_unscored_in_some_year():
    index = pd.MultiIndex.from_product([[1, 2, 3], [2000, 2001, 2002, 2003, 2004]], names=["city_code", "year"])
    scores = pd.DataFrame({"industry": [0.1, 0.2, 0.4, 0.5, 0.9,   0.2, 0.4, 0.8, 1.0, 1.8,
                                        0.3, 0.2, 0.1, 0.0, 0.5]}, index=index)
    scores = scores.drop((3, 2002))  # city 3 is unscored in 2002: it drops out of every pair
    result = coordination.ScoreResult(scores, scores, pd.DataFrame(), scores, scores, pd.DataFrame(),
                                      "classic", pd.Series(1.0, index=scores.index))
    members = pd.DataFrame({"cluster_id": ["k"] * 3, "city_code": [1, 2, 3]})
    row = coordination.co_movement(result, members, ["industry"]).iloc[0]
    assert row["cities"] == 2 and row["pairs"] == 1
    assert row["mean_corr"] == pytest.approx(1.0)  # city 2's changes are twice city 1's


def test_union_members():
    members = pd.DataFrame({"cluster_id": ["chengyu", "qianzhong", "yrd26"], "city_code": [1, 2, 3]})
    union = coordination.union_members(members, "chengyugui")
    assert sorted(union["city_code"]) == [1, 2] and set(union["cluster_id"]) == {"chengyugui"}
    assert coordination.union_members(members[members["cluster_id"] != "qianzhong"], "chengyugui") is None


@pytest.mark.slow
@requires_mirror
def test_chapter_d_is_the_yardsticks_d():
    """Cut to the chapter's years, the yardstick keeps its D: a cluster-year mean equals
    coordination_index.cluster_means over panel_index."""
    from cityclusters.analysis import coordination_index as ci

    members = coordination.chosen_members(["chengyu", "qianzhong", "yrd26"])
    result = coordination.restrict_years(ci.yardstick_result(), 2010, 2015)
    assert set(result.coordination.index.get_level_values("year")) == set(range(2010, 2016))
    ours = coordination.cluster_coordination(result, members).set_index(["cluster_id", "year"])["D"]
    book = ci.cluster_means(ci.panel_index(), members).set_index(["cluster_id", "year"])["D"]
    assert ours.loc[("yrd26", 2015)] == pytest.approx(book.loc[("yrd26", 2015)], abs=1e-12)
    assert np.allclose(ours, book.reindex(ours.index), atol=1e-12)
    union = coordination.union_members(members, "chengyugui")
    cyg = coordination.cluster_coordination(result, union).set_index("year")["D"]
    everyone = ci.cluster_means(ci.panel_index(), coordination.chosen_members(["chengyugui"]))
    assert cyg[2012] == pytest.approx(everyone.set_index("year").at[2012, "D"], abs=1e-12)


@pytest.mark.slow
@requires_mirror
def test_real_coverage_table_of_the_index():
    from cityclusters.analysis import coordination_index as ci
    from cityclusters.data.city_indicators import city_indicator_panel

    indicators = ci.index_indicators()
    members = coordination.chosen_members(["qianzhong", "yrd26"])
    result = coordination.restrict_years(ci.yardstick_result(), 2007, 2019)
    short = dict(zip(indicators["indicator_id"], indicators["short_en"]))
    table = coordination.coverage_table(city_indicator_panel(), result, members, ["qianzhong", "yrd26"],
                                        indicators, 2007, 2019, {"qianzhong": "Q", "yrd26": "Y"}, short)
    assert table["cluster"].tolist() == ["Q", "Y"] and table["city-years"].tolist() == [6 * 13, 26 * 13]
    assert table.at[1, "scored"] == 1.0  # every YRD city-year has a D
    assert table.at[0, "scored"] < 1.0  # the autonomous prefectures of Qianzhong have none
    assert (table["all indicators"] <= table["scored"]).all()


@pytest.mark.slow
@requires_mirror
def test_chapter_02_reruns_with_other_parameters(tmp_path):
    from cityclusters.analysis import coordination_index as ci
    from cityclusters.data import tables
    from cityclusters.publishing.notebook import D_RECORD_PREFIX
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("02_synergetics_to_measurement", tmp_path / "02.ipynb",
                         {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2013, "LAST_YEAR": 2018,
                          "MAP_YEARS": [2018], "COUPLING_METHOD": "modified"}, render_figures=False)
    values = glued_values(output)
    assert values["first_year"] == "2013" and values["last_year"] == "2018"
    assert values["method"] == "'modified'" and "It is not the book" in values["method_text"]
    assert values["n_clusters"] == "1"
    assert values["cyg_verdict"].startswith("'not testable")
    # every D the chapter records is the yardstick's
    book = ci.cluster_means(ci.panel_index(), tables.clusters()).set_index(["cluster_id", "year"])["D"]
    city = ci.panel_index().set_index(["city_code", "year"])["D"]
    records = {k: float(v) for k, v in values.items() if k.startswith(D_RECORD_PREFIX)}
    assert records
    for key, value in records.items():
        unit, year = key.split("__")[1:3]
        expected = city[(int(unit), int(year))] if unit.isdigit() else book[(unit, int(year))]
        assert value == pytest.approx(expected, abs=1e-9), key


@pytest.mark.slow
@requires_mirror
def test_chapter_07_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("07_diagnosing_obstacles", tmp_path / "07.ipynb",
                         {"CLUSTERS": ["jingjinji"], "FIRST_YEAR": 2012, "LAST_YEAR": 2017,
                          "OBSTACLE_YEAR": 2015}, render_figures=False)
    values = glued_values(output)
    assert values["obstacle_year"] == "2015"
    assert values["n_cities"] == "13"
    assert values["eco_verdict"].startswith("'not testable")


# ----------------------------------------------------------------------------- chapter 2 functions
def test_check_chapter_parameters():
    coordination.check_chapter_parameters("modified", [2011, 2019], 2011, 2019)
    with pytest.raises(ValueError, match="COUPLING_METHOD must be one of"):
        coordination.check_chapter_parameters("fancy", [2011], 2011, 2019)
    with pytest.raises(ValueError, match="MAP_YEARS must be"):
        coordination.check_chapter_parameters("classic", [2020], 2011, 2019)
    with pytest.raises(ValueError, match="MAP_YEARS must be"):
        coordination.check_chapter_parameters("classic", [], 2011, 2019)


def test_parameter_defaults_are_the_index():
    """The chapter's defaults are the yardstick's period and coupling formula, and its spec
    refuses years outside the index."""
    import re

    from cityclusters.analysis import coordination_index as ci
    from cityclusters.paths import repo_root
    from cityclusters.publishing.chapter_specs import chapter_spec

    text = (repo_root() / "notebooks" / "02_synergetics_to_measurement.md").read_text(encoding="utf-8")
    cell = text.split(":tags: [parameters]", 1)[1].split("```", 1)[0]
    defaults = dict(re.findall(r"^(\w+) = (.+?)(?:\s+#.*)?$", cell, flags=re.M))
    assert int(defaults["FIRST_YEAR"]) == ci.FIRST_YEAR and int(defaults["LAST_YEAR"]) == ci.LAST_YEAR
    assert defaults["COUPLING_METHOD"].strip("\"'") == ci.MAIN.coupling
    spec = chapter_spec("02_synergetics_to_measurement")
    assert spec.years() == (ci.FIRST_YEAR, ci.LAST_YEAR)
    good = {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2008, "LAST_YEAR": 2019, "MAP_YEARS": [2019]}
    spec.check(good)
    with pytest.raises(ValueError, match="covers 2007–2019"):
        spec.check({**good, "FIRST_YEAR": 2006})
    with pytest.raises(ValueError, match="covers 2007–2019"):
        spec.check({**good, "LAST_YEAR": 2020, "MAP_YEARS": [2020]})


def test_alternative_d_and_method_text():
    assert coordination.alternative_d("classic", "classic") is None
    assert coordination.alternative_d("modified", "classic") == "D_modified"
    with pytest.raises(MethodInputError, match="COUPLING_METHOD"):
        coordination.alternative_d("fancy", "classic")
    assert "like every chapter" in coordination.method_text("classic", "classic")
    assert "It is not the book's D" in coordination.method_text("modified", "classic")


def test_restrict_years_removes_rows_only():
    _, _, result = _toy_result()
    cut = coordination.restrict_years(result, 2001, 2002)
    assert set(cut.coordination.index.get_level_values("year")) == {2001, 2002}
    assert cut.weights is result.weights  # the whole panel's weights stay
    assert cut.coordination.loc[(1, 2001), "D"] == result.coordination.loc[(1, 2001), "D"]
    assert list(cut.dropped["year"]) == [2002] and len(cut.gdp) == len(cut.coordination)
    with pytest.raises(ValueError, match="no scored city-year in 1990-1991"):
        coordination.restrict_years(result, 1990, 1991)


def test_d_records_leave_out_missing_values():
    records = coordination_index.d_records([("a", "yrd26", 2019, 0.5), ("b", "chengyu", 2019, np.nan)])
    assert records.to_dict("records") == [{"name": "a", "cluster_id": "yrd26", "year": 2019, "D": 0.5}]


def test_index_summary_counts_scored_partial_and_unscored_city_years():
    _, values, result = _toy_result()  # city 3 lacks y in 2002: unscored in the toy pipeline
    result.raw.loc[(2, 2001), "x"] = np.nan  # as in the yardstick: scored with an indicator missing
    members = pd.DataFrame({"cluster_id": ["k"] * 3, "city_code": [1, 2, 3],
                            "name_zh": ["甲", "乙", "丙"], "name_pinyin": ["Jia", "Yi", "Bing"]})
    indicators = pd.DataFrame({"indicator_id": ["x", "y"], "subsystem_id": ["industry", "ecology"]})
    summary = coordination.index_summary(result, members, indicators, {"governance": "Gov"}, 2000, 2002)
    assert summary["n_member_city_years"] == 9 and summary["n_scored"] == 8 and summary["n_unscored"] == 1
    assert summary["unscored_cities"] == "丙 (Bing), 1 of 3 years"
    assert summary["n_partial"] == 1 and summary["partial_share"] == pytest.approx(1 / 8)
    assert summary["n_indicators"] == 2 and summary["n_subsystems"] == 2
    assert summary["missing_subsystems"].startswith("public_services") and "Gov" in summary["missing_subsystems"]


def test_coverage_table_by_hand():
    _, _, result = _toy_result()
    panel = pd.DataFrame({"city_code": [1, 1, 2, 2], "year": [2000, 2001, 2000, 2001],
                          "x": [1.0, 2.0, 3.0, np.nan], "y": [1.0, 1.0, 1.0, 1.0]})
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    indicators = pd.DataFrame({"indicator_id": ["x", "y"], "subsystem_id": ["industry", "ecology"]})
    table = coordination.coverage_table(panel, result, members, ["k"], indicators, 2000, 2001, {"k": "K"},
                                        {"x": "X", "y": "Y"}).iloc[0]
    assert table["cities"] == 3 and table["city-years"] == 6
    assert table["scored"] == pytest.approx(1.0)  # the toy result scores all three cities then
    assert table["all indicators"] == pytest.approx(3 / 6)  # city 3 has no row; city 2 lacks x in 2001
    assert table["least covered"] == "X" and table["its share"] == pytest.approx(3 / 6)


def test_city_level_subsystems():
    system = coordination.check_indicator_system(_system())
    rows = coordination.measured(system)
    assert coordination.city_level_subsystems(rows, ["innovation", "industry", "market"]) == ["industry", "market"]


def _toy_result():
    system, values = _toy_values()
    return system, values, coordination.score_pipeline(values, system=system, shift=0.0)


def test_weight_and_coupling_values():
    weights = pd.DataFrame({"subsystem_id": ["industry", "industry", "industry", "ecology"],
                            "within": [0.6, 0.3, 0.1, 1.0], "overall": [0.3, 0.15, 0.05, 0.5]},
                           index=pd.Index(["a", "b", "c", "d"], name="indicator"))
    result = coordination.ScoreResult(None, None, weights, None, None, None, "classic", None)
    labels = {"a": "A", "b": "B", "c": "C", "d": "D"}
    names = {"industry": "Industry", "ecology": "Ecology"}
    table = coordination.weight_table(result, labels, names)
    assert list(table.columns) == ["subsystem", "indicator", "weight in subsystem", "equal weight", "overall weight"]
    assert table["equal weight"].tolist() == pytest.approx([1 / 3] * 3 + [1.0])
    values = coordination.weight_values(result, labels, names)  # ecology has one indicator: left out
    assert values["top_within_indicator"] == "A" and values["top_within_weight"] == pytest.approx(0.6)
    assert values["low_within_indicator"] == "C" and values["low_within_equal"] == pytest.approx(1 / 3)
    co = pd.DataFrame({"C_classic": [0.2, 0.6, 0.9, 1.0], "C_modified": [0.1, 0.2, 0.4, 0.6],
                       "D_classic": [0.5] * 4, "D_modified": [0.3] * 4})
    c = coordination.coupling_values(co)
    assert c["c_classic_high"] == pytest.approx(0.75) and c["c_modified_high"] == pytest.approx(0.25)
    assert c["c_modified_median"] == pytest.approx(0.3) and c["d_gap_mean"] == pytest.approx(0.2)
    assert c["c_classic_cv"] == pytest.approx(co["C_classic"].std() / co["C_classic"].mean())
    assert c["n_coupling"] == 4


def _cluster_year() -> pd.DataFrame:
    return pd.DataFrame({"cluster_id": ["a", "b", "a", "b"], "year": [2000, 2000, 2002, 2002],
                         "D": [0.30, 0.40, 0.35, 0.38], "T": [0.2, 0.3, 0.25, 0.28],
                         "C": [0.5, 0.6, 0.55, 0.58], "D_modified": [0.2, 0.3, 0.25, 0.28],
                         "cities": [2, 3, 2, 3]})


def test_cluster_table_and_sentences():
    names = {"a": "A", "b": "B"}
    table = coordination.cluster_table(_cluster_year(), ["a", "b"], 2000, 2002, names)
    assert list(table.columns) == ["cluster", "cities scored", "D 2000", "D 2002", "T 2000", "T 2002",
                                   "C 2000", "C 2002"]
    assert table["D 2002"].tolist() == [0.35, 0.38]
    alternative = coordination.cluster_table(_cluster_year(), ["a", "b"], 2000, 2002, names, "D_modified")
    assert alternative["D_modified 2002"].tolist() == [0.25, 0.28]
    co = pd.DataFrame({"grade_en": ["poor", "poor", "good", "good"], "grade": ["差", "差", "好", "好"],
                       "lagging_subsystem": ["ecology", "market", "ecology", "market"]},
                      index=pd.MultiIndex.from_tuples([(1, 2002), (2, 2002), (3, 2002), (9, 2002)],
                                                      names=["city_code", "year"]))
    members = pd.DataFrame({"cluster_id": ["a", "a", "b"], "city_code": [1, 2, 3]})  # city 9 is no member
    values, records = coordination.cluster_values(_cluster_year(), co, members, ["a", "b"], 2000, 2002, names,
                                                  {"ecology": "Eco"})
    assert values["best_cluster"] == "B" and values["worst_cluster"] == "A"
    assert records.set_index("name").loc["best_d"].tolist() == ["b", 2002, 0.38]
    assert records.set_index("name").loc["worst_d", "D"] == 0.35
    # a rose (0.30 → 0.35), b fell (0.40 → 0.38); so did T and C
    assert values["n_rose"] == 1 and values["rose_word"] == "1 of the 2"
    assert values["n_t_rose"] == 1 and values["n_c_rose"] == 1
    assert values["modal_grade"] == "poor (差)" and values["modal_grade_share"] == pytest.approx(2 / 3)
    assert values["top_lagging"] == "Eco" and values["top_lagging_share"] == pytest.approx(2 / 3)
    rising = _cluster_year().assign(D=[0.30, 0.35, 0.35, 0.38])
    assert coordination.cluster_values(rising, co, members, ["a", "b"], 2000, 2002, names, {})[0]["rose_word"] == "all"
    assert values["rose_phrase"] == "1 of the 2 clusters" and values["tc_rose"] == "T rose in 1 of the 2 clusters and C in 1"
    assert values["rank_sentence"] == "In 2002 B ranks first (0.380) and A last (0.350)."
    one, _ = coordination.cluster_values(_cluster_year(), co, members, ["a"], 2000, 2002, names, {})
    assert one["rose_phrase"] == "the one cluster" and one["every_cluster_mean"] == "the cluster's mean"
    assert one["tc_rose"] == "T rose and so did C"
    assert one["rank_sentence"] == "In 2002 A, the only cluster chosen, has a mean D of 0.350."


def _multiverse(rows) -> pd.DataFrame:
    """A toy cluster multiverse: rows of (spec, cluster_id, year, D)."""
    return pd.DataFrame(rows, columns=["spec", "cluster_id", "year", "D"])


def test_rise_support_per_specification():
    frame = _multiverse([(0, "a", 2000, 0.3), (0, "a", 2002, 0.4), (0, "b", 2000, 0.5), (0, "b", 2002, 0.6),
                         (1, "a", 2000, 0.3), (1, "a", 2002, 0.4), (1, "b", 2000, 0.5), (1, "b", 2002, 0.4),
                         (2, "a", 2000, 0.3), (2, "a", 2002, 0.4), (2, "c", 2000, 0.1), (2, "c", 2002, 0.2)])
    holds = coordination.rise_support(frame, ["a", "b"], 2000, 2002)
    assert holds[0] is True and holds[1] is False and pd.isna(holds[2])  # spec 2 lacks cluster b
    from cityclusters.analysis.verdicts import multiverse_support

    assert multiverse_support(holds) == (0.5, 2)


def test_relation_values_names_positive_clusters_at_the_permutation_level():
    comove = pd.Series({"a": 0.2, "b": 0.6, "c": 0.4})
    moran = pd.DataFrame({"I": [0.3, 0.5, -0.2], "p_sim": [0.01, 0.2, 0.01]}, index=["a", "b", "c"])
    names = {"a": "A", "b": "B", "c": "C"}
    values = coordination.relation_values(comove, moran, ["industry"], names, {"industry": "Ind"})
    assert values["top_comove_cluster"] == "B" and values["low_comove_cluster"] == "A"
    assert values["n_moran_sig"] == 1 and values["moran_sig_names"] == "A"  # c is below 0.05 but negative
    assert values["moran_sig_text"] == "in 1 of them (A)"
    assert values["moran_min"] == -0.2 and values["moran_max"] == 0.5
    assert values["comove_subsystems"] == "Ind" and values["n_comove_subsystems"] == 1
    none = coordination.relation_values(comove, moran.assign(p_sim=0.5), [], names, {})
    assert none["n_moran_sig"] == 0 and none["moran_sig_text"] == "in none of them"
    assert values["moran_sentence"] == ("Across the chosen clusters I ranges from -0.20 to 0.50; it is positive "
                                        "with a permutation p of at most 0.05 in 1 of them (A).")
    one = coordination.relation_values(comove[["a"]], moran.loc[["a"]], [], names, {})
    assert one["comove_sentence"] == "Co-movement in A is 0.20."
    assert one["moran_sentence"] == "In A I is 0.30; it is positive with a permutation p of at most 0.05."


def test_order_parameter_values_and_table():
    op = pd.DataFrame({"indicator_id": ["x", "y", "z"], "subsystem_id": ["i", "e", "e"],
                       "weight": [0.5, 0.3, 0.2], "speed": [0.01, 0.02, 0.05], "pairs": [10, 8, 9],
                       "op_share": [0.6, 0.3, 0.1], "rank": [1, 2, 3]})
    values = coordination.order_parameter_values(op, {"x": "X", "y": "Y", "z": "Z"}, {"i": "I", "e": "E"})
    assert values["op1"] == "X" and values["op1_subsystem"] == "I" and values["op2"] == "Y"
    assert values["op2_subsystem"] == "E" and values["op_min_pairs"] == 8
    assert values["op_top2_share"] == pytest.approx(0.9) and values["op_last"] == "Z"
    table = coordination.order_parameter_table(op, {"x": "X", "y": "Y", "z": "Z"}, {"i": "I", "e": "E"})
    assert list(table.columns) == ["rank", "indicator", "subsystem", "overall weight", "speed per year",
                                   "pairs of years", "order-parameter share"]


@pytest.mark.parametrize("cyg_co, moran_i, moran_p, expected", [
    (0.1, 0.05, 0.30, {"between_same": True, "between_across": True}),
    (0.6, 0.05, 0.30, {"between_same": False, "between_across": True}),
    (0.1, 0.29, 0.01, {"between_same": True, "between_across": False}),  # the referee's case
    (0.1, -0.29, 0.01, {"between_same": True, "between_across": True}),  # negative I: no spillover trace
    (0.1, 0.29, 0.05, {"between_same": True, "between_across": False}),  # p at alpha counts
])
def test_synergy_criteria(cyg_co, moran_i, moran_p, expected):
    criteria = coordination.synergy_criteria(0.3, 0.5, cyg_co, 0.5, moran_i, moran_p)
    assert criteria == {**expected, "within": True}
    assert not coordination.synergy_criteria(0.6, 0.5, cyg_co, 0.5, moran_i, moran_p)["within"]


@pytest.mark.parametrize("criteria, share, expected", [
    ({"between_same": True, "between_across": True, "within": True}, 1.0, "supported: "),
    # all hold in the main specification, but the D criterion flips in the multiverse
    ({"between_same": True, "between_across": True, "within": True}, 0.9, "partly supported: "),
    # the referee's case: a positive Moran's I cannot sit under "supported"
    ({"between_same": True, "between_across": False, "within": True}, 1.0,
     "partly supported: its cities' subsystem scores co-move less than the YRD (26)'s (城际同质), but D is "
     "spatially clustered among its cities, a trace of spillover (城际异质); its mean D is below"),
    ({"between_same": False, "between_across": True, "within": False}, 0.0, "partly supported: Moran's I finds"),
    ({"between_same": False, "between_across": False, "within": False}, 0.0,
     "not supported: its cities' subsystem scores co-move at least as much"),
])
def test_synergy_verdict_text_rule(criteria, share, expected):
    text = coordination.synergy_verdict_text(criteria, share, 2400)
    assert text.startswith(expected)
    assert text.endswith(f"holds in {share:.0%} of 2,400 specifications")


def test_synergy_verdict_not_testable_without_the_clusters():
    _, _, result = _toy_result()
    members = pd.DataFrame({"cluster_id": ["yrd26"], "city_code": [1]})
    verdict, values, records = coordination.synergy_verdict(
        result, members, _cluster_year(), pd.Series(dtype=float), pd.DataFrame(), [], ["yrd26"], 2000, 2002,
        _multiverse([]))
    assert verdict.category == "not testable with our data" and verdict.claim_id == "p000_cyg_lacks_synergy"
    assert values == {"cyg_verdict": verdict.verdict, "cyg_evidence": "clusters not selected"}
    assert records.empty


def _toy_inputs():
    """Index inputs (keys, values, subsystem_of, directions, names) for per_year_change."""
    _, values = _toy_values()
    values = values.dropna()
    return (values[["city_code", "year"]].reset_index(drop=True), values[["x", "y"]].to_numpy(),
            ["industry", "ecology"], ["positive", "negative"], ["x", "y"])


def test_grade_band_and_exercise_values():
    from cityclusters.indicators.multiverse import Specification

    assert coordination.grade_band(pd.Series([0.0, 0.15, 0.99, 1.0])).tolist() == [0, 1, 9, 9]
    system, values, _ = _toy_result()
    values = values.dropna()
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    cluster_year = coordination.cluster_coordination(result, members)
    per_year = Specification(scaling="minmax_year", weighting="equal")
    ex = coordination.exercise_values(result, members, cluster_year, ["k"], 2000, 2002, {"k": "K"},
                                      _toy_inputs(), per_year)
    co = result.coordination
    classic, modified = coordination.grade_band(co["D_classic"]), coordination.grade_band(co["D_modified"])
    assert ex["ex_grade_changed"] == pytest.approx((classic != modified).mean())
    d = co["D"].groupby(level="year").mean()
    assert ex["ex_panel_change"] == pytest.approx(d[2002] - d[2000])
    expected = coordination.per_year_change(_toy_inputs(), per_year, 2000, 2002)
    assert ex["ex_peryear_text"] == f"it changes by {expected:+.3f}"
    # GDP-weighted minus unweighted mean D of the one cluster in 2002
    last = co["D"].xs(2002, level="year")
    gdp = result.gdp.xs(2002, level="year")
    gap = float((last * gdp).sum() / gdp.sum() - last.mean())
    assert ex["ex_gdp_max_cluster"] == "K" and ex["ex_gdp_max_gap"] == pytest.approx(gap)
    assert ex["ex_gdp_all_higher"] == ("higher" if gap > 0 else "not always higher")


def test_exercise_values_when_per_year_scores_cannot_be_computed():
    from cityclusters.indicators.multiverse import Specification

    system, values, _ = _toy_result()
    values = values.dropna()
    result = coordination.score_pipeline(values, system=system, shift=0.0)
    members = pd.DataFrame({"cluster_id": ["k", "k", "k"], "city_code": [1, 2, 3]})
    cluster_year = coordination.cluster_coordination(result, members)
    keys, raw, subsystem_of, directions, names = _toy_inputs()
    raw = raw.copy()
    raw[keys["year"].to_numpy() == 2001, 0] = 1.0  # x is constant within 2001
    ex = coordination.exercise_values(result, members, cluster_year, ["k"], 2000, 2002, {"k": "K"},
                                      (keys, raw, subsystem_of, directions, names),
                                      Specification(scaling="minmax_year"))
    assert ex["ex_peryear_text"].startswith("it cannot be computed (") and "constant" in ex["ex_peryear_text"]


def test_a_specification_of_ones_own_is_compared_with_the_books():
    from cityclusters.analysis import coordination_index as ci
    from cityclusters.indicators import multiverse

    main = ci.MAIN
    critic = coordination.chosen_specification(main, scaling=main.scaling, weighting="critic", coupling=main.coupling,
                                     aggregation=main.aggregation)
    rows = []
    for spec_id, spec, values in ((0, main, {"a": 0.6, "b": 0.5}), (1, critic, {"a": 0.4, "b": 0.55})):
        for cluster, d in values.items():
            rows.append({"spec": spec_id, **{f: getattr(spec, f) for f in multiverse.FACTORS},
                         "cluster_id": cluster, "year": 2019, "D": d})
    frame = pd.DataFrame(rows)
    table, values = coordination.specification_comparison(frame, main, critic, ["a", "b"], [2019], {"a": "A", "b": "B"})
    assert table["D 2019 (book)"].tolist() == [0.6, 0.5] and table["D 2019 (this run)"].tolist() == [0.4, 0.55]
    assert values["spec_rank_text"] == "not the book's" and values["spec_max_change"] == pytest.approx(0.2)
    assert "weighting = 'critic'" in values["spec_text"] and not values["spec_same"]
    _, same = coordination.specification_comparison(frame, main, main, ["a", "b"], [2019], {"a": "A", "b": "B"})
    assert same["spec_same"] and same["spec_rank_text"] == "the same as the book's"
    with pytest.raises(ValueError, match="WEIGHTING must be one of"):
        coordination.check_chapter_parameters("classic", [2019], 2007, 2019, WEIGHTING="importance")
