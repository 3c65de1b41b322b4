"""Chapter 1 (clusters and data): overview, coverage, Table 1, verdicts and the source comparison
on small hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import clusters_and_data as cd

CITIES = ["chongqing", "chengdu", "guiyang"]


def _comparison(pc_paper, pc_panel, pop_paper=(3124.0, 1658.0, 497.0), pop_panel=(3188.0, 2093.0, 588.0)):
    rows = []
    for ind, zh, unit, paper, panel in [
        ("gdp", "地区生产总值", "亿元", (23605.77, 17012.65, 4039.6), (23605.77, 17012.65, 4039.6)),
        ("share_secondary_tertiary", "二三产业比重", "%", (93.4, 96.4, 95.9), (93.4, 96.35, 95.9)),
        ("population", "常住人口", "万人", pop_paper, pop_panel),
        ("gdp_per_capita", "人均GDP", "元", pc_paper, pc_panel),
        ("patents", "专利", "件", (1.0, 2.0, 3.0), (np.nan,) * 3),
    ]:
        for city, p, c in zip(CITIES, paper, panel):
            rows.append({"indicator_id": ind, "indicator_zh": zh, "unit": unit, "city": city,
                         "paper": p, "computed": c, "difference": c - p, "relative_difference": c / p - 1})
    return pd.DataFrame(rows)


def _table1():
    return pd.DataFrame({"indicator_id": ["gdp", "share_secondary_tertiary", "population", "gdp_per_capita", "patents"],
                         "chongqing": [23605.77, 93.4, 3124.0, 75828.0, 1.0],
                         "chengdu": [17012.65, 96.4, 1658.0, 103386.0, 2.0],
                         "guiyang": [4039.6, 95.9, 497.0, 81658.0, 3.0],
                         "year": 2019})


# ----------------------------------------------------------------------------- Table 1 and verdicts
def test_ranking_verdict_supported_when_order_holds():
    verdict, claim, holds = cd.ranking_verdict(_comparison((7.0, 10.0, 8.0), (6.0, 9.0, 7.0)))
    assert holds and verdict.category == "supported"
    assert claim == "GDP per head in 2019 ranks 成都 > 贵阳 > 重庆"
    assert verdict.evidence == "panel (census-revised population): 成都 > 贵阳 > 重庆"


def test_ranking_verdict_partly_supported_when_order_changes():
    comparison = _comparison((7.0, 10.0, 8.0), (7.5, 8.0, 9.0))
    verdict, _claim, holds = cd.ranking_verdict(comparison)
    assert not holds and verdict.category == "partly supported"
    assert verdict.evidence.endswith("贵阳 > 成都 > 重庆")
    _, values = cd.chapter_verdicts(comparison, _members(), _plans(), _ten())
    assert values == {"verdict_ranking_holds": "does not hold"}


def test_core_population_verdict_names_both_vintages():
    verdict, claim = cd.core_population_verdict(_comparison((1, 2, 3), (1, 2, 3)))
    assert verdict.category == "partly supported"
    assert verdict.evidence == "panel: 重庆 3,188, 成都 2,093, 贵阳 588 万人 (revised after the 2020 census)"
    assert claim == "2019 resident population 重庆 3,124, 成都 1,658, 贵阳 497 万人"


def _members(n_sichuan=11, cq_partial=True):
    rows = [("chengyu", 510100 + i, "四川省", False) for i in range(n_sichuan)]
    rows.append(("chengyu", 500100, "重庆市", cq_partial))
    return pd.DataFrame(rows, columns=["cluster_id", "city_code", "province_zh", "partial"])


def test_chengyu_coverage_verdict_branches():
    verdict, _ = cd.chengyu_coverage_verdict(_members(11, False))
    assert verdict.category == "supported" and verdict.evidence == "2016 plan: 11 Sichuan cities; Chongqing whole"
    verdict, _ = cd.chengyu_coverage_verdict(_members(15, True))
    assert verdict.verdict == "not supported: the 2016 plan differs"
    assert verdict.evidence == "2016 plan: 15 Sichuan cities; Chongqing only in part"


def _ten():
    return pd.DataFrame({"name_zh": ["长三角", "珠三角", "京津冀", "山东半岛"],
                         "cluster_id": ["yrd26", "prd", "jingjinji", None]})


def _plans():
    return pd.DataFrame({"cluster_id": ["chengyu", "yrd26", "qianzhong"],
                         "plan_zh": ["成渝城市群发展规划", "长江三角洲城市群发展规划", "黔中城市群发展规划"],
                         "document_no": ["国函〔2016〕68号", "国函〔2016〕87号", None],
                         "date": ["2016-04-12", "2018-05-01", "2017-03-01"],
                         "name_zh": ["成渝", "长三角", "黔中"], "name_en": ["Chengdu–Chongqing", "YRD", "Qianzhong"],
                         "county_level_members_zh": [None, None, "仙桃;潜江"]})


def test_not_testable_verdicts_count_what_is_here():
    ten, _claim = cd.ten_clusters_verdict(_ten())
    assert ten.verdict == "not testable with our data: the book delimits 3 of the ten clusters"
    assert "长三角, 珠三角, 京津冀 have member lists here" in ten.evidence and "山东半岛 are not delimited" in ten.evidence
    plans, _ = cd.seven_plans_verdict(_plans())
    assert plans.category == "not testable with our data"
    assert plans.evidence.startswith("1 of our typed plans carry a State Council approval (国函) dated before March 2018 (成渝城市群发展规划)")


def test_chapter_verdicts_order():
    verdicts, values = cd.chapter_verdicts(_comparison((7.0, 10.0, 8.0), (6.0, 9.0, 7.0)), _members(), _plans(), _ten())
    assert [v.claim_id for v, _ in verdicts] == ["p000_pc_gdp_ranking", "p000_core_population", "p001_cy_coverage",
                                                 "p002_ten_clusters_regions", "p002_seven_plans"]
    assert values == {"verdict_ranking_holds": "holds"}


def test_table1_display_rounds_as_printed_and_dashes_missing():
    table = cd.table1_display(_table1(), _comparison((75828.0, 103386.0, 81658.0), (74000.4, 81000.6, 70000.0)))
    assert table["indicator"].tolist()[0] == "地区生产总值 (亿元)"
    gdp_pc = table.set_index("indicator").loc["人均GDP (元)"]
    assert gdp_pc["成都 paper"] == "103,386" and gdp_pc["成都 panel"] == "81,001"
    assert table.set_index("indicator").loc["专利 (件)", "重庆 panel"] == "–"
    assert table.set_index("indicator").loc["二三产业比重 (%)", "成都 panel"] == "96.3"


def test_table1_values_by_hand():
    values = cd.table1_values(_table1(), _comparison((75828.0, 103386.0, 81658.0), (74000.0, 81000.0, 70000.0)))
    assert values["t1_gdp_maxdiff"] == 0.0
    assert values["t1_share_maxdiff"] == pytest.approx(0.05)
    assert values["t1_pop_rel_cd"] == pytest.approx(2093 / 1658 - 1)
    assert values["t1_implied_pop_cd"] == pytest.approx(17012.65 * 1e4 / 103386.0)
    assert values["t1_n_indicators"] == 5 and values["t1_n_computable"] == 4


# ----------------------------------------------------------------------------- clusters and panel
def test_cluster_overview_counts_and_partial():
    members = pd.DataFrame({"cluster_id": ["chengyu", "chengyu", "yrd26"], "city_code": [1, 2, 2],
                            "partial": [True, False, False]})
    table, values = cd.cluster_overview(_plans(), members, ["chengyu", "yrd26"])
    assert values == {"n_clusters_shown": 2, "n_member_rows": 2}
    row = table.iloc[0]
    assert row["Cluster 城市群"] == "成渝 Chengdu–Chongqing" and row["Plan 规划"] == "成渝城市群发展规划 国函〔2016〕68号"
    assert row["Prefecture-level members"] == 2 and row["of which partial"] == 1
    assert cd.county_level_members(_plans()) == {"qianzhong": ["仙桃", "潜江"]}


def _panel():
    return pd.DataFrame({
        "city_code": [1, 1, 2, 2, 3], "year": [2010, 2011, 2010, 2011, 2010],
        "name_zh": ["甲", "甲", "乙", "乙", "丙"], "name_zh_source": ["甲地区", "甲", "乙", "乙", "丙"],
        "name_pinyin": ["Jia"] * 2 + ["Yi"] * 2 + ["Bing"],
        "province_zh": ["A省", "A省", "B省", "B省", "B省"],
        "population_interpolated": [True, False, False, False, True],
        "population": [np.nan, 10.0, 5.0, 5.0, 1.0],
        "gdp": [100.0, 110.0, 50.0, 60.0, 10.0],
        "flag_sector_sum": [True, False, False, False, False],
    })


def test_panel_summary_by_hand():
    chosen = pd.DataFrame({"cluster_id": ["qianzhong", "qianzhong"], "city_code": [1, 2]})
    values = cd.panel_summary(_panel(), chosen, 2010, 2011)
    assert values == {"n_units": 3, "n_city_years": 5, "panel_first_year": 2010, "panel_last_year": 2011,
                      "n_renamed_rows": 1, "share_pop_interpolated": 0.25}


def test_coverage_summary_counts_absent_rows_as_missing():
    chosen = pd.DataFrame({"cluster_id": ["qianzhong", "qianzhong", "chengyu"], "city_code": [1, 2, 3]})
    table, values = cd.coverage_summary(_panel(), chosen, 2010, 2011, variables=["gdp", "population"])
    assert list(table.columns) == ["cluster", "cities", "years", "city_years", "gdp", "population"]
    # chengyu: city 3 has no 2011 row -> half missing; qianzhong: one of four populations missing
    assert values["worst_pop_share"] == pytest.approx(0.5)
    assert values["cov_first"] == 2010 and values["cov_last"] == 2011
    assert table["population"].tolist() == pytest.approx([0.25, 0.5])


def test_jump_summary_filters_cities_and_years():
    jumps = pd.DataFrame({"city_code": [1, 1, 9], "year": [2005, 2011, 2011], "variable": ["gdp"] * 3})
    chosen = pd.DataFrame({"cluster_id": ["c"], "city_code": [1]})
    shown, values = cd.jump_summary(jumps, chosen, 2010, 2020)
    assert values == {"n_jumps": 3, "n_jumps_chosen": 1, "n_jump_cities_chosen": 1}
    assert shown["year"].tolist() == [2011]


def test_errata_table_columns():
    errata = pd.DataFrame({"name_zh": ["甲"], "year": [2015], "source_gdp": [1.5], "reason": ["typo"]})
    assert list(cd.errata_table(errata).columns) == ["city", "year", "GDP in source (亿元)", "reason"]


# ----------------------------------------------------------------------------- two sources
def test_source_comparison_by_hand():
    panel = _panel()
    other = pd.DataFrame({"city_code": [1, 1, 2, 2, 3], "year": [2010, 2011, 2010, 2011, 2010],
                          "gdp": [100.0, 110.0, 50.5, 6.0, 10.0]})
    other.attrs["unmatched"] = pd.DataFrame({"code": [123]})
    chosen = pd.DataFrame({"cluster_id": ["c", "c"], "city_code": [1, 2]})
    _matched, by_year, values = cd.source_comparison(panel, other, chosen, 2010, 2030, tolerance=0.005)
    assert values["agree_last"] == 2011  # the other source's last year
    assert values["agree_n"] == 5 and values["agree_share"] == pytest.approx(3 / 5)
    assert by_year.to_dict() == {2010: pytest.approx(2 / 3), 2011: 0.5}
    assert values["agree_worst_year"] == 2011
    assert np.isnan(values["agree_share_2019"])
    assert values["agree_unmatched_csmar"] == 1
    # both disagreements (乙 2010 +1 %, 乙 2011 −90 %) are in B省
    assert values["agree_top_province"] == "B省" and values["agree_top_province_share"] == 1.0
    assert values["agree_n_disagree"] == 2
    assert values["agree_n_gross"] == 0  # 6.0 is exactly 10 % of 60: not below
    assert values["agree_gross_desc"] == "none"
    assert values["agree_n_large"] == 1
    assert values["sum_gap_top"] == 0.0 and values["sum_gap_rest"] == 0.5
    assert values["agree_share_chosen"] == pytest.approx(2 / 4) and values["agree_n_chosen"] == 4
    assert values["agree_share_tight"] == pytest.approx(3 / 5) and values["agree_share_loose"] == pytest.approx(4 / 5)


def test_source_comparison_names_gross_unit_errors():
    panel = _panel()
    other = panel[["city_code", "year", "gdp"]].assign(gdp=[100.0, 110.0, 50.0, 5.9, 10.0])
    other.attrs["unmatched"] = []
    _, _, values = cd.source_comparison(panel, other, panel[["city_code"]], 2010, 2011, tolerance=0.005)
    assert values["agree_n_gross"] == 1 and values["agree_gross_desc"] == "乙 2011"
