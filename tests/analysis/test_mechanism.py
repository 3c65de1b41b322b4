"""Chapter 08 (the YRD coordination mechanism): membership, cohorts, joiners, proxy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import mechanism as mc
from cityclusters.errors import MethodInputError
from tests.conftest import requires_mirror


def _members():
    # founders A, B (1992); C joins 2000; D, E join 2005
    return pd.DataFrame({"city_code": [1, 2, 3, 4, 5], "name_zh": ["上海市", "无锡市", "泰州市", "合肥市", "马鞍山市"],
                         "cohort": [1992, 1992, 2000, 2005, 2005],
                         "meeting_zh": ["前身", "前身", "首次会议", "第十三次会议", "第十三次会议"]})


def test_cumulative_membership_by_hand():
    cum = mc.cumulative_membership(_members())
    assert cum["year"].iloc[0] == 1992 and cum["year"].iloc[-1] == 2005
    by = cum.set_index("year")
    assert by.at[1992, "members"] == 2 and by.at[1999, "members"] == 2
    assert by.at[2000, "members"] == 3 and by.at[2004, "members"] == 3
    assert by.at[2005, "members"] == 5 and by.at[2005, "joined"] == 2
    # a window starting later carries the earlier members
    late = mc.cumulative_membership(_members(), 2001, 2006).set_index("year")
    assert late.at[2001, "members"] == 3 and late.at[2006, "members"] == 5


def test_cohort_table_and_meetings():
    table = mc.cohort_table(_members())
    assert table["members"].tolist() == [2, 3, 5]
    assert table["joined"].tolist() == [2, 1, 2]
    assert table["cities_zh"].iloc[2] == "合肥、马鞍山"
    ordinals = mc.meeting_ordinals(_members())
    assert ordinals.set_index("cohort")["meeting"].to_dict() == {2000: 1, 2005: 13}


@pytest.mark.parametrize("text, number", [("第四次会议", 4), ("第十次市长联席会议", 10),
                                          ("第十三次", 13), ("第二十次全体会议", 20),
                                          ("第二十一次", 21), ("首次会议在扬州", 1),
                                          ("第5次", 5), ("前身", None), (None, None)])
def test_chinese_ordinal(text, number):
    assert mc.chinese_ordinal(text) == number


def test_bad_membership_names_row_and_column():
    bad = _members()
    bad["cohort"] = bad["cohort"].astype(object)
    bad.loc[3, "cohort"] = "2005年"
    with pytest.raises(MethodInputError, match=r"members.csv: column 'cohort'.*rows \[3\]"):
        mc.validate_members(bad, "members.csv")
    dup = _members()
    dup.loc[4, "city_code"] = 4
    with pytest.raises(MethodInputError, match=r"'city_code' lists a city twice at rows \[3, 4\]"):
        mc.validate_members(dup)
    with pytest.raises(MethodInputError, match="missing column"):
        mc.validate_members(_members().drop(columns="cohort"))


def test_plan_coverage():
    plan = pd.DataFrame({"cluster_id": ["p"] * 3, "city_code": [1, 3, 9]})
    cov = mc.plan_coverage(_members(), plan, [1992, 2000]).set_index("year")
    assert cov.at[1992, "in_committee"] == 1 and cov.at[2000, "in_committee"] == 2
    assert cov.at[2000, "share"] == pytest.approx(2 / 3)


def _panel():
    rows = []
    values = {  # city: {year: gdp per head}
        1: {2000: 100.0, 2005: 200.0}, 2: {2000: 300.0, 2005: 400.0},
        3: {2000: 100.0, 2005: 150.0}, 4: {2005: 75.0}, 5: {2000: 10.0},
    }
    for city, series in values.items():
        for year, v in series.items():
            rows.append({"city_code": city, "year": year, "gdp_per_capita": v})
    return pd.DataFrame(rows)


def test_joining_gdp_per_capita_by_hand():
    j = mc.joining_gdp_per_capita(_members(), _panel(), 2000, 2010).set_index("city_code")
    # founders' mean 2000 = 200; 2005 = 300
    assert j.at[1, "relative"] == pytest.approx(0.5) and j.at[2, "relative"] == pytest.approx(1.5)
    assert j.at[1, "measure_year"] == 2000 and bool(j.at[1, "measured_later"])
    assert j.at[3, "relative"] == pytest.approx(0.5) and not j.at[3, "measured_later"]
    assert j.at[4, "relative"] == pytest.approx(0.25)
    assert np.isnan(j.at[5, "relative"]) and j.at[5, "reason"] == "no GDP per head in 2005"
    s = mc.cohort_relative_summary(j.reset_index()).set_index("cohort")
    assert s.at[1992, "mean_relative"] == pytest.approx(1.0)
    assert s.at[2005, "measured"] == 1 and s.at[2005, "joined"] == 2
    trend = mc.cohort_trend(s.reset_index())
    assert trend["n_steps"] == 2 and trend["n_down"] == 2 and trend["monotone"]
    assert trend["spearman"] == pytest.approx(-1.0)
    # a window ending before a cohort leaves it unmeasured; at_year measures all in one year
    short = mc.joining_gdp_per_capita(_members(), _panel(), 2000, 2003).set_index("city_code")
    assert short.at[4, "reason"] == "joined after 2003" and pd.isna(short.at[4, "measure_year"])
    common = mc.joining_gdp_per_capita(_members(), _panel(), 2000, 2010, at_year=2005).set_index("city_code")
    assert common.at[3, "relative"] == pytest.approx(0.5) and common.at[1, "measure_year"] == 2005


def test_cohort_trend_with_a_rise():
    s = pd.DataFrame({"cohort": [1, 2, 3, 4], "mean_relative": [1.0, 0.5, 0.7, 0.3]})
    t = mc.cohort_trend(s)
    assert t["n_steps"] == 3 and t["n_down"] == 2 and not t["monotone"]
    assert t["spearman"] == pytest.approx(-0.8)


def test_timeline_events_filters_clusters_types_and_window():
    events = pd.DataFrame({
        "event_id": ["a", "b", "c", "d", "e"],
        "event_type": ["plan_approval", "plan_issued", "hsr_opening", "hsr_opening", "committee_enlargement"],
        "date": ["2016-05-22", "2015-04", "2011-06-30", "2009-12-26", "2013-04"],
        "year": [2016, 2015, 2011, 2009, 2013],
        "cluster_id": ["yrd", "middle_yangtze", np.nan, "middle_yangtze", "yrd"],
        "cities_zh": ["上海市", "武汉市", "北京市;南京市", "武汉市", "合肥市"],
    })
    plan = pd.DataFrame({"cluster_id": ["yrd41", "yrd41"], "name_zh": ["上海市", "南京市"]})
    out = mc.timeline_events(events, ["yrd41"], 2000, 2023, plan)
    assert out["event_id"].tolist() == ["c", "a"]  # committee events excluded; sorted by date
    out = mc.timeline_events(events, ["middle_yangtze"], 2010, 2023, plan)
    assert out["event_id"].tolist() == ["b"]
    with pytest.raises(MethodInputError, match="unknown cluster"):
        mc.timeline_events(events, ["pearl_river"], 2000, 2023)


def test_decimal_year():
    assert mc.decimal_year("1992") == 1992.5
    assert mc.decimal_year("2016-06") == pytest.approx(2016 + 5.5 / 12)
    assert mc.decimal_year("2019-01-01") == pytest.approx(2019 + 0.5 / 365)


def planted_border_panel() -> tuple[pd.DataFrame, list[dict]]:
    """Six cities in two provinces, 2000–2005; cross-province pairs' deflator changes differ by
    0.05 more each year (the border term γ is 0.05 by construction)."""
    rng = np.random.default_rng(0)
    cities = pd.DataFrame({"city_code": range(6), "lon": [110, 111, 112, 110.5, 111.5, 112.5],
                           "lat": [30, 30.5, 31, 29, 29.5, 30]})
    rows = []
    for c in range(6):
        prov = "甲" if c < 3 else "乙"
        shock = 0.0
        for t in range(2000, 2006):
            shock += (0.05 if prov == "乙" and t % 2 else -0.05 if prov == "乙" else 0.0) \
                + rng.normal(0, 0.001)
            rows.append({"city_code": c, "province_zh": prov, "year": t,
                         "gdp_deflator": float(np.exp(shock))})
    return cities, rows


def test_annual_border_gap_recovers_a_planted_border():
    cities, rows = planted_border_panel()
    gap = mc.annual_border_gap(pd.DataFrame(rows), cities, 2000, 2005)
    assert gap["year"].tolist() == [2001, 2002, 2003, 2004, 2005]  # 2000 has no previous year
    assert (gap["n_pairs"] == 15).all() and (gap["n_cross"] == 9).all()
    assert gap["gamma"].to_numpy() == pytest.approx(np.full(5, 0.05), abs=0.005)
    means = mc.period_means(gap, {"a": (2001, 2002), "b": (2010, 2012)})
    assert means.at[0, "years"] == 2 and np.isnan(means.at[1, "mean"])
    with pytest.raises(MethodInputError, match=r"no lon/lat for city_code \[5\]"):
        mc.annual_border_gap(pd.DataFrame(rows), cities[cities["city_code"] < 5], 2000, 2005)


def test_validate_map_year():
    mc.validate_map_year(2019, _members(), 2023)
    with pytest.raises(ValueError, match="MAP_YEAR must be an integer year between 1992"):
        mc.validate_map_year(1990, _members(), 2023)
    with pytest.raises(ValueError, match="MAP_YEAR"):
        mc.validate_map_year("2019", _members(), 2023)


@requires_mirror
def test_real_membership_path():
    from cityclusters.data import tables

    cohorts = mc.cohort_table(tables.yrd_committee_members())
    assert cohorts["members"].tolist() == [14, 15, 16, 22, 30, 34, 41]


@pytest.mark.slow
@requires_mirror
def test_chapter_08_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("08_yrd_mechanism", tmp_path / "08.ipynb",
                         {"CLUSTERS": ["yrd26", "middle_yangtze"], "FIRST_YEAR": 2010,
                          "LAST_YEAR": 2015, "MAP_YEAR": 2013}, render_figures=False)
    values = glued_values(output)
    assert values["first_year"] == "2010" and values["last_year"] == "2015"
    assert values["n_clusters"] == "2" and values["map_year"] == "2013"
    assert values["n_members_map_year"] == "30"
    assert values["unmeasured_reasons"] == "'joined after 2015'"
    assert values["n_unmeasured_cities"] == "11"  # the 2018 and 2019 cohorts
    assert values["n_measured_later"] == "16"  # cohorts 1992, 1997, 2003 measured in 2010
    assert values["gamma_after_years"] == "0"
    assert values["verdict__p004_yrd_committee_14_to_41"] == "'supported'"
    assert values["verdict__p004_mid_yangtze_peak_decline"].startswith("'not testable")


# ---------------------------------------------------------------------------------------
# chapter assembly: prose values, tables and verdicts
# ---------------------------------------------------------------------------------------

def _four_cohorts():
    return pd.DataFrame({
        "city_code": [1, 2, 3, 4, 5, 6, 7],
        "name_zh": ["上海市", "无锡市", "泰州市", "合肥市", "马鞍山市", "芜湖市", "温州市"],
        "province_zh": ["上海市", "江苏省", "江苏省", "安徽省", "安徽省", "安徽省", "浙江省"],
        "cohort": [1992, 1992, 1997, 2003, 2003, 2013, 2016],
        "meeting_zh": ["前身", "前身", "首次会议", "第四次会议", "第四次会议", "第十三次会议", "第十六次会议"]})


def test_cohort_overview_and_display():
    cohorts, ordinals, values = mc.cohort_overview(_four_cohorts())
    assert values == {"first_cohort": 1992, "last_cohort": 2016, "n_founders": 2, "n_members_last": 7,
                      "n_cohorts": 5, "membership_path": "2 → 3 → 5 → 6 → 7", "n_1997": 3,
                      "cohort_2": 1997, "cohort_3": 2003, "cohort_4": 2013,
                      "biggest_cohort": 2003, "biggest_joined": 2}
    assert ordinals.to_dict() == {1997: 1, 2003: 4, 2013: 13, 2016: 16}
    shown = mc.cohort_display(cohorts)
    assert list(shown.columns) == ["Year", "Joined", "Members", "Meeting no.", "Cities admitted 入会城市"]
    assert shown["Meeting no."].tolist() == ["–", "1", "4", "13", "16"]


def test_timeline_values():
    events = pd.DataFrame({"cluster_id": ["yrd", "yrd", "middle_yangtze", "middle_yangtze"],
                           "event_type": ["plan_approval", "plan_issued", "plan_approval", "hsr_opening"],
                           "date": ["2016-05-22", "2019-12-01", "2015-03-26", "2009-12-26"],
                           "year": [2016, 2019, 2015, 2009]})
    timeline = events.iloc[[0, 2, 3]]
    cum = mc.cumulative_membership(_four_cohorts())
    out = mc.timeline_values(events, timeline, cum)
    assert out == {"n_timeline_events": 3, "n_timeline_plans": 2, "yrd_plan_date": "2016-05-22",
                   "yrd_outline_date": "2019-12-01", "my_plan_date": "2015-03-26", "members_at_plan": 7}


def test_plan_coverage_summary():
    plan = pd.DataFrame({"cluster_id": ["yrd26"] * 3 + ["yrd41"] * 7 + ["middle_yangtze"],
                         "city_code": [1, 2, 6] + list(range(1, 8)) + [9]})
    short = {c: n[:2] for c, n in zip(_four_cohorts()["city_code"], _four_cohorts()["name_zh"])}
    table, values = mc.plan_coverage_summary(_four_cohorts(), plan, 2020, short)
    assert values["yrd26_full_year"] == 2013 and values["yrd41_full_year"] == 2016
    assert values["yrd26_in_2013"] == 3 and values["n_outside_yrd26"] == 4
    assert values["later_2013_provinces"] == "浙江省"
    assert values["later_2013_in_plan"] == "" and values["later_2013_outside"] == "温州"
    assert list(table.columns) == ["End of year", "of the 26 plan cities", "of the 41 cities of 三省一市"]
    assert table["End of year"].tolist() == [1992, 1997, 2003, 2013, 2016, 2020]
    # a plan never complete gives -1
    _, values = mc.plan_coverage_summary(_four_cohorts(), plan.replace({"city_code": {6: 8}}), 2020, short)
    assert values["yrd26_full_year"] == -1


@pytest.mark.parametrize("trend, word", [
    ({"n_steps": 4, "n_down": 3, "monotone": False}, "yes, with one exception"),
    ({"n_steps": 1, "n_down": 1, "monotone": True}, "yes, at every step"),
    ({"n_steps": 5, "n_down": 3, "monotone": False}, "mostly"),
    ({"n_steps": 4, "n_down": 2, "monotone": False}, "no"),
])
def test_poorer_word(trend, word):
    assert mc.poorer_word(trend) == word


def test_joiner_values_and_common_year():
    joined = mc.joining_gdp_per_capita(_members(), _panel(), 2000, 2010)
    summary = mc.cohort_relative_summary(joined)
    v = mc.joiner_values(joined, summary, 1992, lambda c: f"city{c}")
    assert v["n_measured_cities"] == 4 and v["n_unmeasured_cities"] == 1
    assert v["unmeasured_reasons"] == "no GDP per head in 2005" and v["n_measured_later"] == 2
    assert v["first_measured_cohort"] == 1992 and v["last_measured_cohort"] == 2005
    assert v["last_cohort_rel"] == pytest.approx(0.25) and v["n_steps"] == 2 and v["n_down"] == 2
    assert v["poorer_word"] == "yes, at every step"
    assert v["rises"] == "none"
    assert v["poorest_city"] == "city4" and v["poorest_rel"] == pytest.approx(0.25) and v["poorest_year"] == 2005
    assert v["founders_min"] == pytest.approx(0.5) and v["founders_max"] == pytest.approx(1.5)
    shown, values = mc.common_year_comparison(_members(), _panel(), summary, 2000, 2010)
    assert list(shown.columns) == ["Cohort", "Measured in", "Cities", "Mean at joining", "Lowest", "Mean in 2010"]
    assert shown["Measured in"].tolist() == ["2000", "2000", "2005"]
    # nobody has a value in 2010: no common-year means
    assert np.isnan(values["at_last_first"]) and values["n_later_cohorts"] == 0 and values["n_closer"] == 0
    shown, values = mc.common_year_comparison(_members(), _panel(), summary, 2000, 2005)
    # 2005: founders 200, 400 (mean 300); 3 → 0.5; 4 → 0.25 (5 missing)
    assert values["at_last_first"] == pytest.approx(1.0)
    assert values["n_later_cohorts"] == 2 and values["n_closer"] == 0


def _means(before, peak, after, years=(2, 2, 2)):
    return pd.DataFrame({"period": ["before the plan", "claimed peak", "claimed decline"],
                         "first": [2000, 2015, 2018], "last": [2014, 2017, 2023],
                         "years": list(years), "mean": [before, peak, after]})


def test_gamma_text_pattern_and_coverage():
    assert mc.gamma_text(_means(0.01, 0.002, 0.02), "claimed peak") == "0.0020 (2 years)"
    assert mc.gamma_text(_means(np.nan, 0.002, 0.02, (0, 2, 2)), "before the plan") == \
        "not measured (no year of it in the window)"
    assert mc.proxy_pattern(_means(0.01, 0.002, 0.02)) == "does show"
    assert mc.proxy_pattern(_means(0.01, 0.012, 0.02)) == "does not show"
    assert mc.proxy_pattern(_means(np.nan, 0.002, 0.02, (0, 2, 2))) == "cannot show, in this window,"
    gap = pd.DataFrame({"n_cities": [6, 6, 5]})
    assert mc.coverage_text(gap.iloc[:2], 6) == "every year has a deflator for all of them"
    assert mc.coverage_text(gap, 6) == "in 1 of its 3 years fewer cities have a deflator; the minimum is 5"
    shown = mc.period_means_display(_means(0.01, 0.002, 0.02))
    assert shown["Years"].tolist() == ["2000–2014", "2015–2017", "2018–2023"]
    assert list(shown.columns) == ["Period", "Years", "Years with γ", "Mean γ (log points)"]


def test_middle_yangtze_proxy_on_planted_border():
    cities, rows = planted_border_panel()
    plan = pd.DataFrame({"cluster_id": "middle_yangtze", "city_code": range(6)})
    events = pd.DataFrame({"cluster_id": ["middle_yangtze", "yrd"], "year": [2003, 2003],
                           "title_en": ["plan approved", "other"], "date": ["2003-04", "2003-05"]})
    _gap, _means, values, verdict = mc.middle_yangtze_proxy(events, plan, pd.DataFrame(rows), cities,
                                                            2000, 2005, peak=(2003, 2004))
    assert values["n_my_events"] == 1 and values["my_event_list"] == "plan approved (2003-04)"
    assert values["gamma_before_years"] == 2 and values["gamma_peak_years"] == 2 and values["gamma_after_years"] == 1
    assert values["gamma_peak"] == pytest.approx(0.05, abs=0.005)
    assert values["gap_span"] == "2001–2005" and values["gap_n_years"] == 5 and values["gap_n_cluster"] == 6
    assert values["gap_coverage_text"] == "every year has a deflator for all of them"
    assert values["proxy_pattern"] in {"does show", "does not show"}
    assert verdict.category == "not testable with our data"
    assert verdict.evidence.startswith("1 Middle Yangtze events in the typed table; proxy (yearly border term "
                                       "on deflator changes, 2000–2005): mean γ ")
    assert verdict.evidence.endswith(f"above zero beyond its 95 % interval in {values['gap_n_sig']} of 5 years")
    assert values["gap_sig_phrase"].startswith("in ") and "0 of" not in values["gap_sig_phrase"]


def test_housing_fund_claim_both_ways():
    plan = pd.DataFrame({"cluster_id": ["middle_yangtze", "yrd41"], "city_code": [420100, 340100]})
    values, verdict = mc.housing_fund_claim(plan)
    assert values == {"hefei_in_my": "outside"}
    assert verdict.evidence.startswith("the four capitals include 合肥, outside the Middle Yangtze plan")
    values, verdict = mc.housing_fund_claim(plan.assign(cluster_id="middle_yangtze"))
    assert values == {"hefei_in_my": "inside"} and "合肥, inside" in verdict.evidence
    assert mc.wuhan_investment_verdict().category == "not testable with our data"


def test_committee_growth_verdicts():
    cum = pd.DataFrame({"year": range(1992, 2020)})
    cum["members"] = np.select([cum["year"] < 1997, cum["year"] < 2015, cum["year"] < 2019], [14, 15, 30], 41)
    ordinals = pd.Series({1997: 1, 2004: 5, 2013: 13, 2016: 16})
    cohorts = pd.DataFrame({"members": [14, 15, 30, 41]})
    values, v004, v003 = mc.committee_growth(cum, ordinals, cohorts, 1992)
    assert values == {"meeting_2015": pytest.approx(15.0), "n_2015": 30}
    assert v004.verdict == "supported"
    assert v004.evidence == "typed membership: 14 cities in 1992, 41 at the end of 2019 (path 14 → 15 → 30 → 41)"
    assert v003.category == "partly supported" and "the 1992 forum had 14" in v003.verdict
    assert v003.evidence == ("members: 14 (1992), 15 (1997), 30 (2015); meeting numbers 13 (2013) and 16 (2016) "
                             "imply the 15th meeting in 2015 if meetings were annual")
    cum.loc[cum["year"] == 2019, "members"] = 40
    cum.loc[cum["year"] == 2015, "members"] = 29
    _, v004, v003 = mc.committee_growth(cum, ordinals, cohorts, 1992)
    assert v004.verdict == v003.verdict == "not supported: the typed membership differs"


def test_middle_yangtze_flow_border_reads_chapter_5s_estimate(monkeypatch):
    from cityclusters.analysis import flows

    row = {"cluster_id": "middle_yangtze", "flow_ratio": float(np.exp(-0.7)), "border_low": -1.0, "border_high": -0.4,
           "distance_equivalent": 2.0, "equivalent_low": 1.5, "equivalent_high": 2.6, "n_pairs": 756, "n_cross": 480}
    monkeypatch.setattr(flows, "border_frame", lambda obs, members, cities, clusters: pd.DataFrame([row]))
    values = mc.middle_yangtze_flow_border(None, None, None)
    assert values["my_flow_ratio"] == pytest.approx(np.exp(-0.7))
    assert values["my_flow_high"] == pytest.approx(np.exp(-0.4))
    assert values["my_flow_word"].startswith("lies wholly below 1")
    row["border_high"] = 0.1
    values = mc.middle_yangtze_flow_border(None, None, None)
    assert values["my_flow_word"].startswith("includes 1") and "Nor does it show" in values["my_flow_meaning"]
