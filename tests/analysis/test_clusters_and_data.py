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
    _, values = cd.chapter_verdicts(comparison, _ten_members(), _plans(), _ten(), _regions())
    assert values["verdict_ranking_holds"] == "does not hold"


def test_core_population_verdict_names_both_vintages():
    verdict, claim = cd.core_population_verdict(_comparison((1, 2, 3), (1, 2, 3)))
    # the claim is the order, which holds in both vintages (issue 15): supported
    assert verdict.verdict == ("supported: the order 重庆 > 成都 > 贵阳 holds in the first release the paper "
                               "prints and in the census-revised figures")
    assert verdict.rule == "fact_check"
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


#: A small NBS classification: the provinces of the fixtures below and their regions.
REGIONS = {"上海市": "east", "江苏省": "east", "广东省": "east", "北京市": "east", "河北省": "east", "山东省": "east",
           "福建省": "east", "安徽省": "centre", "湖北省": "centre", "河南省": "centre", "山西省": "centre",
           "四川省": "west", "重庆市": "west", "陕西省": "west", "甘肃省": "west", "辽宁省": "north-east"}


def _regions():
    return pd.DataFrame({"province_zh": list(REGIONS), "region_en": list(REGIONS.values())})


#: The ten clusters: the first five delimited by member units (cluster id → provinces of its
#: units), the other five by the provinces of their name; 中原 and 关中 with a later plan.
TEN = [("长三角", "yrd26", ["上海市", "江苏省", "江苏省", "安徽省"]), ("珠三角", "prd", ["广东省"]),
       ("京津冀", "jingjinji", ["北京市", "河北省"]), ("长江中游", "middle_yangtze", ["湖北省"]),
       ("川渝", "chengyu", ["四川省", "重庆市"]), ("中原", None, ["河南省"]), ("山东半岛", None, ["山东省"]),
       ("辽中南", None, ["辽宁省"]), ("海峡西岸", None, ["福建省"]), ("关中", None, ["陕西省"])]


def _ten(rows=TEN):
    return pd.DataFrame({"name_zh": [r[0] for r in rows], "cluster_id": [r[1] for r in rows],
                         "provinces_zh": [None if r[1] else ";".join(r[2]) for r in rows],
                         "plan_cluster_id": [{"中原": "zhongyuan", "关中": "guanzhong"}.get(r[0]) for r in rows]})


def _ten_members(rows=TEN):
    units = [(r[1], p) for r in rows if r[1] for p in r[2]]
    frame = pd.DataFrame(units, columns=["cluster_id", "province_zh"])
    return pd.concat([_members(), frame.assign(city_code=range(900, 900 + len(frame)), partial=False)],
                     ignore_index=True)


def _plans(rows=None):
    """Plans of the book's clusters and national plans of other clusters (the default: six
    approved by the State Council up to 2016, and 中原/关中 with their provinces)."""
    default = [
        ("chengyu", True, "成渝", "国务院", "2016-04-12", "day", "国函〔2016〕68号", "2016-04-27", "day", None),
        ("yrd26", True, "长三角", "国务院", "2016-05-22", "day", "国函〔2016〕87号", "2016-06", "month", None),
        ("qianzhong", True, "黔中", None, None, None, None, "2017-03", "month", None),
        ("jingjinji", True, "京津冀", "中共中央政治局", "2015-04-30", "day", None, None, None, None),
        ("zhongyuan", False, "中原", "国务院", "2016-12-28", "day", "国函〔2016〕210号", "2016-12-29", "day",
         "河南省;河北省;山西省;安徽省;山东省"),
        ("guanzhong", False, "关中平原", "国务院", "2018-01", "month", "国函〔2018〕6号", "2018-02", "month",
         "陕西省;山西省;甘肃省"),
    ]
    columns = ["cluster_id", "in_book", "name_zh", "approved_by", "approved_date", "approved_date_precision",
               "approval_document_no", "issued_date", "issued_date_precision", "provinces_zh"]
    frame = pd.DataFrame(rows if rows is not None else default, columns=columns)
    return frame.assign(plan_zh=frame["name_zh"] + "城市群发展规划", name_en=frame["cluster_id"],
                        approval_document_no=frame["approval_document_no"], issued_by="国家发展改革委",
                        issue_document_no=None, county_level_members_zh=None)


def _national(dates):
    """State Council plans with (approved, precision, issued, precision) dates, and one
    Politburo outline that never counts."""
    rows = [(f"p{k}", False, f"规划{k}", "国务院", a, ap, f"国函〔2016〕{k}号", i, ip, "河南省")
            for k, (a, ap, i, ip) in enumerate(dates)]
    rows.append(("outline", False, "纲要", "中共中央政治局", "2015-04-30", "day", None, None, None, "北京市"))
    return _plans(rows)


# ----------------------------------------------------------------------------- paper 002: the ten clusters
def test_cluster_regions_by_each_rule():
    table = cd.cluster_regions(_ten(), _ten_members(), _regions(), _plans()).set_index("name_zh")
    assert table.loc["长三角", "provinces"] == ["上海市", "江苏省", "安徽省"] and table.loc["长三角", "source"] == "member list"
    assert table.loc["长三角", "spans"] == "east 2, centre 1" and table.loc["长三角", "spans_units"] == "east 3, centre 1"
    assert table.loc["中原", "source"] == "name" and table.loc["中原", "spans_plan"] == "centre 3, east 2"
    assert table.loc["关中", "provinces of the later national plan"] == "west"
    assert (table[list(cd.REGION_RULES)].nunique(axis=1) == 1).all()


def test_ten_clusters_supported_when_every_rule_gives_the_split():
    verdict, claim, values = cd.ten_clusters_verdict(_ten(), _ten_members(), _regions(), _plans())
    assert verdict.verdict == "supported: 5 east, 1 north-east, 2 centre, 2 west under each of the 3 rules for clusters spanning regions"
    assert claim == "the ten clusters split 5 east, 1 north-east, 2 centre, 2 west"
    assert "spanning regions: 长三角 (provinces east 2, centre 1; member units east 3, centre 1)" in verdict.evidence
    assert "later national plans: 中原 (provinces centre 3, east 2); 关中 (provinces west 2, centre 1)" in verdict.evidence
    assert values["ten_n_rules_hold"] == 3 and values["ten_n_by_name"] == 5
    assert values["ten_split_0"] == "5 east, 1 north-east, 2 centre, 2 west"


def test_ten_clusters_partly_supported_when_the_rule_decides():
    # 长三角 with more Anhui units than eastern ones: east by provinces, centre by member units
    rows = [("长三角", "yrd26", ["上海市", "江苏省", "安徽省", "安徽省", "安徽省"]), *TEN[1:]]
    verdict, _, values = cd.ten_clusters_verdict(_ten(rows), _ten_members(rows), _regions(), _plans())
    assert verdict.category == "partly supported"
    assert "4 east, 1 north-east, 3 centre, 2 west by majority of member units" in verdict.verdict
    assert values["ten_n_rules_hold"] == 2 and values["ten_split_1"] == "4 east, 1 north-east, 3 centre, 2 west"


def test_ten_clusters_not_supported_when_no_rule_gives_the_split():
    rows = [*TEN[:9], ("渭河", None, ["河南省"])]  # no later plan: every rule puts it in the centre
    verdict, _, values = cd.ten_clusters_verdict(_ten(rows), _ten_members(rows), _regions(), _plans())
    assert verdict.verdict.startswith("not supported: 5 east, 1 north-east, 3 centre, 1 west by majority of provinces")
    assert values["ten_n_rules_hold"] == 0


def test_a_cluster_split_evenly_is_a_tie_not_a_region():
    rows = [("长三角", "yrd26", ["上海市", "安徽省"]), *TEN[1:]]
    verdict, _, values = cd.ten_clusters_verdict(_ten(rows), _ten_members(rows), _regions(), _plans())
    assert verdict.category == "not supported" and "长三角 tie" in verdict.evidence
    assert values["ten_split_0"] == "4 east, 1 north-east, 2 centre, 2 west, 1 undecided (tie)"


def test_cluster_regions_refuses_unknown_provinces_and_empty_clusters():
    with pytest.raises(ValueError, match=r"关中: provinces \['西藏自治区'\] are not in the NBS classification"):
        cd.cluster_regions(_ten([*TEN[:9], ("关中", None, ["西藏自治区"])]), _ten_members(), _regions(), _plans())
    with pytest.raises(ValueError, match="no member rows for cluster 'yrd26'"):
        cd.cluster_regions(_ten(), _members(), _regions(), _plans())
    with pytest.raises(ValueError, match="中原: its later plan 'zhongyuan' is not in the plans"):
        cd.cluster_regions(_ten(), _ten_members(), _regions(), _plans([]))


# ----------------------------------------------------------------------------- paper 002: the national plans
def test_seven_plans_supported_when_every_reading_gives_seven():
    verdict, claim, values = cd.seven_plans_verdict(_national([("2016-05-01", "day", "2016-06", "month")] * 7))
    assert verdict.verdict.startswith("supported: 7 under every reading (approved by the State Council by 2018-02-28, ")
    assert claim == "seven national cluster plans had been issued by February 2018"
    assert values == {"plans_approved_through": 7, "plans_approved_before": 7, "plans_issued_through": 7,
                      "plans_issued_before": 7, "plans_n_national": 7, "plans_readings_hold": 4}
    assert verdict.evidence.startswith("7 city-cluster plans approved by the State Council by 2018-02-28")


def test_seven_plans_partly_supported_when_the_reading_decides():
    dates = [("2016-05-01", "day", "2016-06", "month")] * 6 + [("2018-01", "month", "2018-02-02", "day"),
                                                             ("2018-02-22", "day", "2018-03", "month")]
    verdict, _, values = cd.seven_plans_verdict(_national(dates))
    assert verdict.verdict == (
        "partly supported: 7 only when counting plans approved by the State Council before 2018-02-01 or issued (印发) "
        "by 2018-02-28; by the other readings 8 approved by the State Council by 2018-02-28; 6 issued (印发) before 2018-02-01")
    assert values["plans_readings_hold"] == 2 and values["plans_approved_through"] == 8


def test_seven_plans_not_supported_when_no_reading_gives_seven():
    verdict, _, values = cd.seven_plans_verdict(_national([("2016-05-01", "day", "2016-06", "month")] * 5))
    assert verdict.verdict.startswith("not supported: the cited list gives 5 approved by the State Council by 2018-02-28; ")
    assert values["plans_readings_hold"] == 0 and values["plans_n_national"] == 5


def test_a_date_that_straddles_the_cut_off_is_undetermined():
    # an approval known only by its year (2018) may fall before, in or after February
    dates = [("2016-05-01", "day", "2016-06", "month")] * 6 + [("2018", "year", None, None)]
    counts = cd.national_plan_counts(_national(dates)).set_index(["act", "reading"])
    assert counts.loc[("approved", "through"), ["n", "undetermined"]].tolist() == [6, 1]
    assert counts.loc[("issued", "before"), ["n", "undetermined"]].tolist() == [6, 1]
    verdict, _, values = cd.seven_plans_verdict(_national(dates))
    assert verdict.category == "partly supported" and "6 (+1 undetermined)" not in verdict.verdict.split(";")[0]
    assert values["plans_readings_hold"] == 0


def test_plans_approved_after_the_month_are_not_counted():
    dates = [("2016-05-01", "day", "2016-06", "month")] * 7 + [("2018-03-01", "day", "2018-03-20", "day")]
    verdict, _, values = cd.seven_plans_verdict(_national(dates))
    assert verdict.category == "supported" and values["plans_n_national"] == 7
    assert verdict.evidence.startswith("7 city-cluster plans approved by the State Council by 2018-02-28")


# ----------------------------------------------------------------------------- the real facts
def test_the_two_paper_002_verdicts_on_the_typed_facts():
    """From data/facts only (no raw data): members as typed, the PRD benchmark, the NBS regions
    and the national plans."""
    from cityclusters.data import tables
    from cityclusters.data.facts import read_fact

    members = pd.concat([read_fact("cluster_members.csv"), read_fact("benchmarks_prd_members.csv")],
                        ignore_index=True)[["cluster_id", "province_zh"]]
    plans = tables.cluster_plans(include_other=True)
    ten, _, ten_values = cd.ten_clusters_verdict(tables.paper002_ten_clusters(), members, tables.nbs_regions(), plans)
    assert ten.category == "supported" and ten_values["ten_n_rules_hold"] == 3
    assert ten_values["ten_spanning"] == "长三角城市群 (provinces east 3, centre 1; member units east 18, centre 8)"
    seven, _, seven_values = cd.seven_plans_verdict(plans)
    assert seven.category == "partly supported"
    assert {k: seven_values[k] for k in ("plans_approved_through", "plans_approved_before", "plans_issued_through",
                                         "plans_issued_before", "plans_n_national")} == {
        "plans_approved_through": 9, "plans_approved_before": 7, "plans_issued_through": 8, "plans_issued_before": 6,
        "plans_n_national": 9}
    assert seven.verdict.startswith("partly supported: 7 only when counting plans approved by the State Council before 2018-02-01;")


def test_chapter_verdicts_order():
    verdicts, values = cd.chapter_verdicts(_comparison((7.0, 10.0, 8.0), (6.0, 9.0, 7.0)), _ten_members(), _plans(),
                                           _ten(), _regions())
    assert [v.claim_id for v, _ in verdicts] == ["p000_pc_gdp_ranking", "p000_core_population", "p001_cy_coverage",
                                                 "p002_ten_clusters_regions", "p002_seven_plans"]
    assert values["verdict_ranking_holds"] == "holds"
    assert {"ten_split_0", "ten_n_rules_hold", "plans_approved_through", "plans_readings_hold"} <= set(values)


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
    assert values == {"n_clusters_shown": 2, "n_member_rows": 2,
                      "clusters_shown_hold": "The 2 clusters of this chapter hold"}
    _, one = cd.cluster_overview(_plans(), members, ["chengyu"])
    assert one["clusters_shown_hold"] == "The cluster of this chapter holds"
    row = table.iloc[0]
    assert row["Cluster 城市群"] == "成渝 chengyu" and row["Plan 规划"] == "成渝城市群发展规划"
    assert row["Prefecture-level members"] == 2 and row["of which partial"] == 1
    assert list(table.columns) == ["Cluster 城市群", "Plan 规划", "Approved 批复/审议", "Issued 印发",
                                   "Prefecture-level members", "of which partial"]
    # approvals only in "Approved"; the issue of the text in "Issued", at its precision
    assert row["Approved 批复/审议"] == "2016-04-12 国务院 国函〔2016〕68号"
    assert row["Issued 印发"] == "2016-04-27 国家发展改革委"
    assert table.iloc[1]["Issued 印发"] == "2016-06 国家发展改革委"


def test_cluster_overview_dashes_an_approval_that_is_not_known():
    members = pd.DataFrame({"cluster_id": ["qianzhong", "jingjinji"], "city_code": [1, 2], "partial": [True, False]})
    table, _ = cd.cluster_overview(_plans(), members, ["qianzhong", "jingjinji"])
    by = table.set_index("Plan 规划")
    assert by.at["黔中城市群发展规划", "Approved 批复/审议"] == "–"
    assert by.at["黔中城市群发展规划", "Issued 印发"] == "2017-03 国家发展改革委"
    assert by.at["京津冀城市群发展规划", "Approved 批复/审议"] == "2015-04-30 中共中央政治局"
    assert by.at["京津冀城市群发展规划", "Issued 印发"] == "–"


def test_county_level_members():
    plans = _plans().assign(county_level_members_zh=[None, None, "仙桃;潜江", None, None, None])
    assert cd.county_level_members(plans) == {"qianzhong": ["仙桃", "潜江"]}


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
    assert values == {"n_jumps": 3, "n_jumps_chosen": 1, "n_jump_cities_chosen": 1,
                      "jumps_chosen_phrase": "1 of them in 1 city of this chapter's cluster"}
    _, none = cd.jump_summary(jumps, chosen, 2012, 2020)
    assert none["jumps_chosen_phrase"] == "none of them in this chapter's cluster"
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


def test_core_population_verdict_is_partly_supported_when_the_revision_changes_the_order():
    verdict, _ = cd.core_population_verdict(_comparison((1, 2, 3), (1, 2, 3), pop_panel=(3188.0, 2093.0, 5000.0)))
    assert verdict.category == "partly supported" and "first release only" in verdict.verdict
