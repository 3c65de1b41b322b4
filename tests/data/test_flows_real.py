"""The flow tables built from the real Baidu files: each known defect handled and reported,
codes harmonised, coverage and cross-checks as documented in the sources' PROVENANCE."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data import tables
from cityclusters.data.sources import flows as src
from tests.conftest import requires_mirror

pytestmark = [pytest.mark.slow, requires_mirror]


@pytest.fixture(scope="module")
def flows():
    return tables.flows()


@pytest.fixture(scope="module")
def defects():
    return tables.flow_defects()


def test_keys_sources_and_days(flows):
    assert not flows.duplicated(["source", "direction", "date", "origin_code", "destination_code"]).any()
    days = flows.groupby("source", observed=True)["date"].agg(["min", "max", "nunique"])
    assert days.loc["baidu_2021"].tolist() == [pd.Timestamp("2021-04-12"), pd.Timestamp("2021-04-25"), 14]
    assert days.loc["eeid_2020"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-31"), 31]
    codes = set(flows["origin_code"]) | set(flows["destination_code"])
    assert codes <= set(tables.cities()["city_code"])


def test_laiwu_is_excluded_every_2021_day_as_a_copy_of_jinan(flows, defects):
    copies = defects[defects["defect"] == "copy_of_other_unit"]
    assert set(copies["name"]) == {"莱芜"} and copies["date"].nunique() == 14
    assert copies["note"].str.contains("济南").all()
    new = flows[flows["source"] == "baidu_2021"]
    assert 371200 not in set(new["origin_code"]) | set(new["destination_code"])
    assert (new["origin_code"] == 370100).any()


def test_sanya_mixed_list_is_excluded_and_reported(flows, defects):
    mixed = defects[defects["defect"] == "mixed_units"]
    assert set(mixed["name"]) == {"三亚"} and len(mixed) == 28
    new = flows[flows["source"] == "baidu_2021"]
    as_focal = ((new["direction"] == "out") & (new["origin_code"] == 460200)) | (
        (new["direction"] == "in") & (new["destination_code"] == 460200))
    assert not as_focal.any()
    # 三亚 as a partner of other cities stays
    assert ((new["direction"] == "out") & (new["destination_code"] == 460200)).any()


def test_outdated_names_are_harmonised(flows, defects):
    outdated = defects[defects["defect"] == "outdated_name"]
    assert {"毕节地区", "铜仁地区", "山南地区"} <= set(outdated["name"])
    assert set(outdated.loc[outdated["name"] == "毕节地区", "unit_name"]) == {"毕节市"}
    new = flows[flows["source"] == "baidu_2021"]
    assert (new["origin_code"] == 520500).any() and (new["origin_code"] == 520600).any()


def test_province_rows_are_excluded_and_reported(defects):
    provinces = defects[defects["defect"] == "province_row"]
    old = provinces[provinces["source"] == "eeid_2020"]
    # 27 province-level rows besides the four municipalities (kept as cities); a few are empty on some days
    assert old["name"].nunique() == 27
    assert old.groupby(["date", "direction"])["name"].nunique().between(10, 27).all()
    assert "浙江" in set(provinces.loc[provinces["source"] == "baidu_2021", "name"])
    chaohu = defects[defects["defect"] == "empty_abolished_unit"]
    assert set(chaohu["name"]) == {"巢湖市"} and len(chaohu) == 62


def test_top100_truncation_is_measured():
    coverage = tables.flow_coverage()
    determined = coverage["coverage"].dropna()
    assert determined.between(0.0, 1.0 + 1e-9).all()
    assert 0.94 < determined.median() < 0.99
    beijing_2020 = coverage[(coverage["source"] == "eeid_2020") & (coverage["focal_code"] == 110100)
                            & (coverage["direction"] == "out") & (coverage["date"] == pd.Timestamp("2020-01-10"))]
    assert beijing_2020["coverage"].iloc[0] == pytest.approx(0.867, abs=1e-6)  # the matrix's row sum 86.70 %
    defects = tables.flow_defects()
    assert len(defects[defects["defect"] == "top100_truncation"]) == 4


def test_wuhan_outflow_shares_match_baidu_published_figures(flows):
    """PROVENANCE: Wuhan's outflow shares 10–21 January 2020: 孝感 13.00 %, 黄冈 12.62 %."""
    old = flows[(flows["source"] == "eeid_2020") & (flows["direction"] == "out") & (flows["origin_code"] == 420100)
                & flows["date"].between("2020-01-10", "2020-01-21")]
    mean = old.groupby("destination_code")["share"].sum() / 12
    assert mean[420900] == pytest.approx(0.1300, abs=0.0005)
    assert mean[421100] == pytest.approx(0.1262, abs=0.0005)


def test_cross_checks():
    check = tables.flow_cross_check().set_index(["check", "direction", "focal_code"])
    same = check.loc[("2021 in-list vs out-list volume, same pair and day", "both", 0)]
    assert same["spearman"] > 0.999 and same["median_ratio"] == pytest.approx(1.0, abs=0.001)
    for direction in src.DIRECTIONS:
        period = check.loc[("2020 baseline vs 2021 shares, same focal city and partner", direction, 0)]
        assert 0.7 < period["spearman"] < 0.95 and period["n_pairs"] > 30000
