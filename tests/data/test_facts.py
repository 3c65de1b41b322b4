"""The plan, region and ten-cluster fact files: their dates (each kind of date in its own
column, at a stated precision), the rules that tie them together, and the errors a bad row
gives (file, row and column named). Facts only: no raw data is read."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from cityclusters.data import facts as facts_module
from cityclusters.data import tables
from cityclusters.errors import SourceFormatError


@pytest.fixture
def edit_fact(tmp_path, monkeypatch):
    """A copy of data/facts the test may edit: ``edit_fact(name, function)`` applies
    ``function`` to the file read as text cells and writes it back; the package reads the copy."""
    facts = tmp_path / "facts"
    shutil.copytree(facts_module.facts_dir(), facts)
    monkeypatch.setattr(facts_module, "facts_dir", lambda: facts)

    def edit(name, function):
        frame = pd.read_csv(facts / name, dtype=str, keep_default_na=False)
        function(frame)
        frame.to_csv(facts / name, index=False)
    return edit


def _row(frame, column, value):
    """Index of the row whose ``column`` is ``value``."""
    return int(frame.index[frame[column] == value][0])


def _set(column, key, value, key_column="cluster_id"):
    def function(frame):
        frame.loc[_row(frame, key_column, key), column] = value
    return function


# ----------------------------------------------------------------------------- date columns
@pytest.mark.parametrize("name, key_column, key, column, value, message", [
    ("cluster_plans.csv", "cluster_id", "middle_yangtze", "approved_date", "2015-02-30",
     r"row 7, column 'approved_date': '2015-02-30' is not a calendar date"),
    ("cluster_plans.csv", "cluster_id", "middle_yangtze", "approved_date", "2015-03",
     r"row 7, column 'approved_date': '2015-03' is not a date of precision 'day' \(written YYYY-MM-DD"),
    ("cluster_plans.csv", "cluster_id", "yrd26", "issued_date", "2016-06-01",
     r"row 5, column 'issued_date': '2016-06-01' is not a date of precision 'month' \(written YYYY-MM"),
    ("cluster_plans.csv", "cluster_id", "middle_yangtze", "approved_date_precision", "daily",
     r"row 7, column 'approved_date_precision': 'daily' is not a date precision"),
    ("cluster_plans.csv", "cluster_id", "middle_yangtze", "approved_date_precision", "",
     r"row 7, column 'approved_date_precision': '' is not a date precision \(one of \['day', 'month', 'year'\]; "
     r"empty only if 'approved_date' is empty\)"),
    ("cluster_plans.csv", "cluster_id", "middle_yangtze", "issued_date", "",
     r"row 7, column 'issued_date': empty, but 'issued_date_precision' says 'day'"),
    ("cluster_plans.csv", "cluster_id", "jingjinji", "approved_date", "30.04.2015",
     r"row 8, column 'approved_date': '30.04.2015' is not a date of precision 'day'"),
    ("events.csv", "event_id", "plan_middle_yangtze_2015", "date", "2015-3-26",
     r"row 10, column 'date': '2015-3-26' is not a date of precision 'day'"),
    ("yrd_committee_members.csv", "city_zh", "上海市", "join_date", "19922",
     r"row 2, column 'join_date': '19922' is not a date of precision 'year' \(written YYYY"),
])
def test_a_bad_date_is_named_with_file_row_and_column(edit_fact, name, key_column, key, column, value, message):
    edit_fact(name, _set(column, key, value, key_column))
    with pytest.raises(SourceFormatError, match=rf"^data/facts/{name}: {message}"):
        facts_module.read_fact(name)


def test_a_schema_cannot_name_a_date_column_it_does_not_have():
    with pytest.raises(ValueError, match=r"not in the schema: \['when'\]"):
        facts_module.FactTable(("date_precision",), dates={"when": "date_precision"})


def test_date_bounds_of_each_precision():
    assert facts_module.date_bounds("2016-02", "month") == (dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    assert facts_module.date_bounds("2018-12", "month")[1] == dt.date(2018, 12, 31)
    assert facts_module.date_bounds("2018", "year") == (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
    with pytest.raises(ValueError, match="date precision"):
        facts_module.date_bounds("2018", "decade")


# ----------------------------------------------------------------------------- cluster_plans.csv
def test_the_plans_keep_approval_and_issue_apart():
    plans = tables.cluster_plans()
    assert plans["in_book"].all() and list(plans["cluster_id"]) == [
        "chengyu", "qianzhong", "chengyugui", "yrd26", "yrd41", "middle_yangtze", "jingjinji"]
    my = plans.set_index("cluster_id").loc["middle_yangtze"]
    assert (my["approved_by"], my["approved_date"], my["approval_document_no"]) == ("国务院", "2015-03-26", "国函〔2015〕62号")
    assert (my["issued_by"], my["issued_date"], my["issue_document_no"]) == ("国家发展改革委", "2015-04-13", "发改地区〔2015〕738号")
    assert plans["source"].str.len().gt(10).all() and plans["verification"].notna().all()
    # the Party-centre outlines are approvals by the Politburo, not the State Council
    outlines = plans.set_index("cluster_id").loc[["jingjinji", "yrd41"]]
    assert (outlines["approved_by"] == "中共中央政治局").all() and outlines["approval_document_no"].isna().all()
    # Qianzhong: only the month of its text; no approval was found
    qz = plans.set_index("cluster_id").loc["qianzhong"]
    assert pd.isna(qz["approved_date"]) and (qz["issued_date"], qz["issued_date_precision"]) == ("2017-03", "month")


def test_the_national_plans_approved_by_february_2018():
    national = tables.national_cluster_plans()
    assert list(national["name_zh"]) == ["长江中游城市群", "哈长城市群", "成渝城市群", "长江三角洲城市群", "中原城市群",
                                         "北部湾城市群", "关中平原城市群", "呼包鄂榆城市群", "兰州—西宁城市群"]
    assert (national["approved_by"] == "国务院").all() and national["approved_date"].notna().all()
    numbered = national["approval_document_no"].dropna()
    assert numbered.str.startswith("国函").all() and len(numbered) == 8  # 兰州—西宁: number not found
    assert national.loc[~national["in_book"], "provinces_zh"].notna().all()
    assert set(national.loc[national["in_book"], "cluster_id"]) == {"middle_yangtze", "chengyu", "yrd26"}


@pytest.mark.parametrize("name, function, message", [
    ("cluster_plans.csv", _set("in_book", "hachang", "yes"), r"row 9, column 'in_book': 'yes' must be true or false"),
    ("cluster_plans.csv", _set("in_book", "chengyu", "false"), r"row 2, column 'in_book': false, but 'chengyu' is a cluster"),
    ("cluster_plans.csv", _set("cluster_id", "chengyu", "chengdu"), r"unknown cluster_id 'chengdu' at row 2"),
    ("cluster_plans.csv", _set("cluster_id", "lanxi", "hachang"), r"row 14, column 'cluster_id': 'hachang' has two rows"),
    ("cluster_plans.csv", _set("approved_by", "middle_yangtze", "中共中央政治局"),
     r"row 7, column 'approved_by': '中共中央政治局', but 国函〔2015〕62号 is a State Council document"),
    ("cluster_plans.csv", _set("approved_by", "middle_yangtze", "国务院办公厅"),
     r"row 7, column 'approved_by': '国务院办公厅' is not one of"),
    ("cluster_plans.csv", _set("approved_by", "jingjinji", ""), r"row 8, column 'approved_by': an approval needs both"),
    ("cluster_plans.csv", _set("issued_date", "chengyu", "2016-03-27"),
     r"row 2, column 'issued_date': '2016-03-27' is before the approval \('2016-04-12'\)"),
    ("cluster_plans.csv", _set("provinces_zh", "lanxi", "甘肃省;青海"),
     r"row 14, column 'provinces_zh': \['青海'\] are not provinces of data/facts/nbs_regions.csv"),
    ("cluster_plans.csv", _set("provinces_zh", "lanxi", ""), r"row 14, column 'provinces_zh': empty"),
])
def test_a_bad_plan_row_is_named(edit_fact, name, function, message):
    edit_fact(name, function)
    with pytest.raises(SourceFormatError, match=rf"^data/facts/{name}: {message}"):
        tables.cluster_plans(include_other=True)


# ----------------------------------------------------------------------------- events.csv
def test_plan_events_carry_the_dates_of_the_plan_table():
    events = tables.events()
    plans = tables.cluster_plans().set_index("cluster_id")
    linked = events[events["plan_cluster_id"].notna()]
    assert len(linked) == 10
    for row in linked.itertuples():
        kind = "approved" if row.event_type == "plan_approval" else "issued"
        assert row.date == plans.at[row.plan_cluster_id, f"{kind}_date"]
    my = events.set_index("event_id")
    assert my.at["plan_middle_yangtze_2015", "date"] == "2015-03-26"
    assert my.at["plan_middle_yangtze_issued_2015", "date"] == "2015-04-13"


@pytest.mark.parametrize("function, message", [
    (_set("date", "plan_middle_yangtze_2015", "2015-04-05", "event_id"),
     r"row 10, column 'date': '2015-04-05' \(day\) is not the approved_date of plan 'middle_yangtze' in "
     r"data/facts/cluster_plans.csv, '2015-03-26' \(day\)"),
    (_set("date_precision", "plan_yrd_issued_2016", "year", "event_id"),
     r"row 15, column 'date_precision': 'year' .*|row 15, column 'date': '2016-06' is not a date of precision 'year'"),
    (_set("plan_cluster_id", "hsr_jingjin_2008", "jingjinji", "event_id"),
     r"row 21, column 'plan_cluster_id': a 'hsr_opening' event has no plan"),
    (_set("plan_cluster_id", "plan_chengyu_2016", "chengdu", "event_id"),
     r"row 12, column 'plan_cluster_id': 'chengdu' is not a plan of data/facts/cluster_plans.csv"),
])
def test_a_plan_event_that_disagrees_with_the_plan_table_is_named(edit_fact, function, message):
    edit_fact("events.csv", function)
    with pytest.raises(SourceFormatError, match=rf"^data/facts/events.csv: (?:{message})"):
        tables.events()


# ----------------------------------------------------------------------------- regions and the ten clusters
def test_nbs_regions_classify_every_province_once():
    regions = tables.nbs_regions()
    assert len(regions) == 31 and regions["province_zh"].is_unique
    assert regions["region_en"].value_counts().to_dict() == {"west": 12, "east": 10, "centre": 6, "north-east": 3}
    assert regions["source_url"].eq("http://www.stats.gov.cn/tjzs/t20110613_402731597.htm").all()
    members = facts_module.read_fact("cluster_members.csv")
    prd = facts_module.read_fact("benchmarks_prd_members.csv")
    assert set(members["province_zh"]) | set(prd["province_zh"]) <= set(regions["province_zh"])
    by = regions.set_index("province_zh")["region_en"]
    assert (by["安徽省"], by["重庆市"], by["辽宁省"], by["内蒙古自治区"]) == ("centre", "west", "north-east", "west")


@pytest.mark.parametrize("function, message", [
    (_set("region_en", "江西", "east", "province_in_source"), r"row \d+, column 'region_zh': '中部'/'east' is not one of"),
    (_set("province_zh", "天津", "北京市", "province_in_source"), r"row 3, column 'province_zh': '北京市' is classified twice"),
])
def test_a_bad_region_row_is_named(edit_fact, function, message):
    edit_fact("nbs_regions.csv", function)
    with pytest.raises(SourceFormatError, match=rf"^data/facts/nbs_regions.csv: {message}"):
        tables.nbs_regions()


def test_the_ten_clusters_have_provinces_where_the_book_does_not_delimit_them():
    ten = tables.paper002_ten_clusters().set_index("name_zh")
    typed = ten[ten["cluster_id"].isna()]
    assert typed["provinces_zh"].to_dict() == {"中原城市群": "河南省", "山东半岛城市群": "山东省", "辽中南城市群": "辽宁省",
                                               "海峡西岸城市群": "福建省", "关中城市群": "陕西省"}
    assert typed["provinces_source"].str.len().gt(20).all()
    assert ten["provinces_zh"].notna().sum() == 5
    assert ten["plan_cluster_id"].dropna().to_dict() == {"中原城市群": "zhongyuan", "关中城市群": "guanzhong"}


@pytest.mark.parametrize("function, message", [
    (_set("provinces_zh", "长三角城市群", "上海市", "name_zh"), r"row 2, column 'provinces_zh': give the provinces exactly"),
    (_set("provinces_zh", "中原城市群", "", "name_zh"), r"row 7, column 'provinces_zh': give the provinces exactly"),
    (_set("provinces_zh", "中原城市群", "河南", "name_zh"), r"row 7, column 'provinces_zh': \['河南'\] are not provinces"),
    (_set("provinces_source", "中原城市群", "", "name_zh"), r"row 7, column 'provinces_zh': the provinces need a source"),
    (_set("plan_cluster_id", "关中城市群", "chengyu", "name_zh"), r"row 11, column 'plan_cluster_id': 'chengyu' is not a plan"),
])
def test_a_bad_ten_cluster_row_is_named(edit_fact, function, message):
    edit_fact("paper002_ten_clusters.csv", function)
    with pytest.raises(SourceFormatError, match=rf"^data/facts/paper002_ten_clusters.csv: {message}"):
        tables.paper002_ten_clusters()
