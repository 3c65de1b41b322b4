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


def test_annual_border_gap_recovers_a_planted_border():
    # six cities, two provinces; cross-province pairs diverge by 0.05 more each year
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
                          "LAST_YEAR": 2015, "MAP_YEAR": 2013})
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


@pytest.mark.slow
@requires_mirror
def test_chapter_08_refuses_a_bad_map_year(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    from cityclusters.publishing.runner import run_chapter

    with pytest.raises(PapermillExecutionError, match="MAP_YEAR must be an integer year"):
        run_chapter("08_yrd_mechanism", tmp_path / "bad.ipynb", {"MAP_YEAR": 1980})
