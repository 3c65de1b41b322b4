"""The tidy tables built from the real data mirror: sizes, keys, known values, memberships."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data import tables
from cityclusters.data.sources import crosswalk
from cityclusters.errors import SourceFormatError
from tests.conftest import requires_mirror

pytestmark = [pytest.mark.slow, requires_mirror]


@pytest.fixture(scope="module")
def panel():
    return tables.city_year()


def test_city_year_shape_and_keys(panel):
    assert panel["year"].min() == 2000 and panel["year"].max() == 2023
    assert not panel.duplicated(["city_code", "year"]).any()
    assert panel["city_code"].nunique() >= 330
    assert 7900 <= len(panel) <= 8100


def test_table1_gdp_within_a_hundredth(panel):
    """The three 2019 GDP values of Liu & Deng's Table 1 (亿元), as printed."""
    printed = {500100: 23605.77, 510100: 17012.65, 520100: 4039.60}
    got = panel[panel["year"] == 2019].set_index("city_code")["gdp"]
    for code, value in printed.items():
        assert got[code] == pytest.approx(value, abs=0.01)
    table1 = tables.paper000_table1().set_index("indicator_id")
    assert table1.loc["gdp", ["chongqing", "chengdu", "guiyang"]].tolist() == list(printed.values())


def test_derived_columns(panel):
    row = panel[(panel["city_code"] == 510100) & (panel["year"] == 2019)].iloc[0]
    assert row["gdp_per_capita"] == pytest.approx(row["gdp"] * 1e4 / row["population"])
    assert row["real_gdp"] == pytest.approx(row["gdp"] / row["gdp_deflator"])
    base = panel[panel["year"] == 2000]["gdp_deflator"].dropna()
    assert (base - 1).abs().max() < 1e-6, "the deflator is 1 in the base year 2000"


def test_renamed_units_keep_one_code(panel):
    bijie = panel[panel["city_code"] == 520500]
    assert bijie["year"].min() == 2000 and bijie["name_zh"].nunique() == 1
    assert set(bijie["name_zh_source"]) >= {"毕节市"}
    turpan = panel[panel["city_code"] == 650400]
    assert "吐鲁番地区" in set(turpan["name_zh_source"])


def test_errata_are_applied_and_flagged(panel):
    errata = tables.source_errata()
    for erratum in errata.itertuples():
        row = panel[(panel["name_zh"] == erratum.name_zh) & (panel["year"] == erratum.year)].iloc[0]
        assert row["erratum"] and pd.isna(row["gdp"])
    assert panel["erratum"].sum() == len(errata)


def test_cluster_members_have_complete_gdp(panel):
    """Cluster cities have GDP in every year 2000–2023, except the two known gaps."""
    members = tables.clusters()
    grid = pd.MultiIndex.from_product([members["city_code"].unique(), range(2000, 2024)], names=["city_code", "year"])
    gdp = panel.set_index(["city_code", "year"])["gdp"].reindex(grid)
    missing = set(gdp[gdp.isna()].index)
    # 淮安 2000: the source starts in 2001 (the city was renamed from 淮阴 in 2000);
    # 淮南 2022: removed by a cited erratum
    assert missing == {(320800, 2000), (340400, 2022)}


def test_population_flags(panel):
    assert panel["population_interpolated"].dtype == bool
    interpolated = panel[panel["population_interpolated"]]
    assert interpolated["population"].notna().all()


def test_outliers_are_listed_not_dropped(panel):
    outliers = tables.city_year_outliers()
    assert len(outliers) > 0 and (outliers["change"].abs() > 0.5).all()
    keys = outliers[["city_code", "year"]].drop_duplicates()
    assert len(keys.merge(panel, on=["city_code", "year"])) == len(keys)


def test_cluster_membership_counts():
    counts = tables.clusters().groupby("cluster_id")["city_code"].nunique().to_dict()
    assert counts == {"chengyu": 16, "qianzhong": 6, "chengyugui": 22, "yrd26": 26, "yrd41": 41,
                      "middle_yangtze": 28, "jingjinji": 13}
    members = tables.clusters()
    assert set(members.loc[members["cluster_id"] == "yrd26", "city_code"]) <= set(
        members.loc[members["cluster_id"] == "yrd41", "city_code"])
    partial = members[members["partial"]]
    assert {"重庆市", "绵阳市", "达州市", "雅安市"} <= set(partial.loc[partial["cluster_id"] == "chengyu", "name_zh"])
    assert partial["partial_note"].str.len().gt(5).all()
    plans = tables.cluster_plans()
    assert plans["source"].str.len().gt(10).all()


def test_cities_table():
    cities = tables.cities()
    assert len(cities) == 340 and cities["city_code"].is_unique
    active = cities[cities["in_census_2020"]]
    assert active.geometry.notna().all() and active[["lon", "lat"]].notna().all().all()
    chengdu = cities[cities["city_code"] == 510100].iloc[0]
    assert chengdu["name_pinyin"] == "Chengdu" and chengdu["in_chengyu"] and chengdu["in_chengyugui"]
    assert chengdu.geometry.contains(__import__("shapely").geometry.Point(chengdu["lon"], chengdu["lat"]))
    assert 2000 < chengdu["pop_census_2020"] < 2200  # 万人


def test_committee_and_events():
    committee = tables.yrd_committee_members()
    assert len(committee) == 41
    assert committee["cohort"].value_counts().sort_index().to_dict() == {
        1992: 14, 1997: 1, 2003: 1, 2010: 6, 2013: 8, 2018: 4, 2019: 7}
    yrd41 = set(tables.clusters().query("cluster_id == 'yrd41'")["city_code"])
    assert set(committee["city_code"]) == yrd41
    events = tables.events()
    assert events["source"].str.len().gt(5).all()
    assert {"hsr_opening", "plan_approval", "committee_enlargement"} <= set(events["event_type"])


def test_unknown_city_in_a_fact_table_is_an_error():
    bad = pd.DataFrame({"name_zh": ["成都市", "大成都市"], "province_zh": ["四川省", "四川省"], "source_row": [2, 3]})
    with pytest.raises(SourceFormatError, match=r"大成都市.*rows \[3\]"):
        crosswalk.harmonise(bad, where="data/facts/test.csv", code=None, year=None)


def test_csmar_agreement_is_high(panel):
    from cityclusters.data.compare import source_agreement

    matched = source_agreement(panel[panel["year"] <= 2021], tables.csmar_city_gdp())
    assert len(matched) > 7000
    assert matched["within"].mean() > 0.9


def test_every_prefecture_year_rule_still_matches_rows_of_its_file():
    """Each cited exclusion of data/facts/prefecture_year_rules.csv leaves out real rows, and
    only the years it names: a rule cannot go stale, and no other row is out of its years."""
    from cityclusters.data.sources import gp, unit_years
    from cityclusters.data.sources.yearbook import cross_sections

    rules = unit_years.rules()
    excluded = {
        gp.POPULATION: crosswalk.harmonise(gp.read_population(), where=gp.POPULATION).attrs["excluded"],
        gp.REAL_GDP: crosswalk.harmonise(gp.read_real_gdp(), where=gp.REAL_GDP, code=None).attrs["excluded"],
    }
    for rule in rules.itertuples():
        if rule.source_key in excluded:
            hits = [r for r in excluded[rule.source_key] if r["rule_row"] == rule.source_row]
            years = sorted(r["year"] for r in hits)
            assert years == list(range(rule.first_year, rule.last_year + 1)), (rule.source_row, years)
        else:
            edition = int(rule.source_key[8:12])  # 中国城市统计年鉴YYYY【地级市截面数据】.xlsx
            unmatched = cross_sections.read_cross_section(edition).unmatched
            assert ((unmatched["name_printed"] == rule.name_zh) & (unmatched["year"] == rule.first_year)).sum() == 1
    assert sum(len(v) for v in excluded.values()) == 60
