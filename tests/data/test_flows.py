"""Flow readers and the tidy flow table on small fixtures: every known defect of the Baidu
files is excluded or harmonised *and reported*; bad input names file, row and column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.data import flows as fl
from cityclusters.data.sources import flows as src
from cityclusters.data.sources import reading as _io
from cityclusters.errors import SourceFormatError

DAY = pd.Timestamp("2021-04-12")
KEY = "fixture/out/20210412.csv"

#: A names table as match_flow_names returns it, for the fixtures' names.
NAMES = pd.DataFrame(
    [("济南", "name_in_year", "CNUR-000136", 370100, "济南市", False),
     ("莱芜", "out_of_years", "CNUR-000146", 371200, "莱芜市", False),
     ("淄博", "name_in_year", "CNUR-000137", 370300, "淄博市", False),
     ("泰安", "name_in_year", "CNUR-000143", 370900, "泰安市", False),
     ("三亚", "name_in_year", "CNUR-000266", 460200, "三亚市", False),
     ("海口", "name_in_year", "CNUR-000265", 460100, "海口市", False),
     ("毕节地区", "name_in_year", "CNUR-000261", 520500, "毕节市", True),
     ("毕节", "name_in_year", "CNUR-000261", 520500, "毕节市", False),
     ("贵阳", "name_in_year", "CNUR-000254", 520100, "贵阳市", False),
     ("浙江", "province", None, None, "浙江省", False),
     ("杭州", "name_in_year", "CNUR-000088", 330100, "杭州市", False),
     ("万宁", "not_prefecture", None, 469006, "万宁市", False)],
    columns=["name", "rule", "entity_id", "city_code", "unit_name", "outdated"])
NAMES["city_code"] = NAMES["city_code"].astype("Int64")


def rows(records) -> pd.DataFrame:
    """(focal, partner, num) records as a parsed 2021 list with source rows from 2."""
    frame = pd.DataFrame(records, columns=["focal", "partner", "num"])
    frame["source_row"] = range(2, len(frame) + 2)
    return frame


def harmonise(frame, direction="out", **kwargs):
    return fl.harmonise_day(frame, NAMES, source=src.SOURCE_2021, key=KEY, date=DAY, direction=direction, **kwargs)


# index 0.5 for 济南: shares 40 %, 30 %, 20 %, 0.01 % → nums 0.2, 0.15, 0.1, 0.00005
JINAN = [("济南", "淄博", 0.2), ("济南", "泰安", 0.15), ("济南", "贵阳", 0.1), ("济南", "海口", 0.00005)]


def test_share_quantum_recovers_index_shares_and_coverage():
    """num = share × index with shares printed to 0.01 %: index 0.5, shares 40/30/20 %."""
    q = src.share_quantum([0.2, 0.15, 0.1, 0.00005])
    assert q * 1e4 == pytest.approx(0.5)
    flows, _, coverage = harmonise(rows(JINAN))
    by_dest = flows.set_index("destination_code")
    assert by_dest.loc[[370300, 370900, 520100, 460100], "share"].tolist() == pytest.approx([0.4, 0.3, 0.2, 0.0001])
    assert by_dest.loc[[370300, 370900, 520100], "volume"].tolist() == pytest.approx([0.2, 0.15, 0.1])
    assert coverage.loc[0, "coverage"] == pytest.approx(0.9001)
    assert coverage.loc[0, "index"] == pytest.approx(0.5)
    assert by_dest.loc[[370300, 370900, 520100, 460100], "rank"].tolist() == [1, 2, 3, 4]


def test_ambiguous_index_is_reported_not_guessed():
    """Shares 20 % and 10 % only: the common divisor gives coverage 30 % × m for any m ≤ 3."""
    flows, defects, coverage = harmonise(rows([("济南", "淄博", 0.2), ("济南", "泰安", 0.1)]))
    assert flows["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert coverage["coverage"].isna().all()
    assert [d["defect"] for d in defects] == ["index_ambiguous"]


def test_direction_sets_origin_and_destination():
    out, _, _ = harmonise(rows(JINAN), "out")
    inn, _, _ = harmonise(rows(JINAN), "in")
    assert set(out["origin_code"]) == {370100} and set(inn["destination_code"]) == {370100}


def test_laiwu_copy_of_jinan_is_excluded_and_reported():
    laiwu = [("莱芜", p, v) for _, p, v in JINAN]
    flows, defects, coverage = harmonise(rows(JINAN + laiwu))
    assert set(flows["origin_code"]) == {370100}, "莱芜's copy must not add flows"
    assert len(flows) == 4
    defect = [d for d in defects if d["defect"] == "copy_of_other_unit"]
    assert len(defect) == 1 and defect[0]["name"] == "莱芜" and defect[0]["n_rows"] == 4
    assert "济南" in defect[0]["note"]
    assert set(coverage["focal_code"]) == {370100}


def test_laiwu_list_that_is_not_a_copy_is_an_error():
    laiwu = [("莱芜", "淄博", 0.3), ("莱芜", "泰安", 0.1)]
    with pytest.raises(SourceFormatError, match=r"fixture/out/20210412.csv: rows \[6, 7\].*莱芜.*city_id_name"):
        harmonise(rows(JINAN + laiwu))


def test_sanya_mixed_units_are_excluded_and_reported():
    sanya = [("三亚", "海口", 0.4), ("三亚", "海口", 0.004), ("三亚", "三亚", 0.2), ("三亚", "三亚", 0.002)]
    flows, defects, _ = harmonise(rows(JINAN + sanya))
    assert 460200 not in set(flows["origin_code"])
    mixed = [d for d in defects if d["defect"] == "mixed_units"]
    assert len(mixed) == 1 and mixed[0]["n_rows"] == 4
    assert "names the focal unit itself" in mixed[0]["note"]


def test_outdated_name_is_harmonised_and_reported():
    flows, defects, _ = harmonise(rows([("毕节地区", "贵阳", 0.3), ("毕节地区", "杭州", 0.1)]))
    assert set(flows["origin_code"]) == {520500}
    outdated = [d for d in defects if d["defect"] == "outdated_name"]
    assert outdated and outdated[0]["name"] == "毕节地区" and outdated[0]["unit_name"] == "毕节市"


def test_province_row_is_excluded_and_reported():
    flows, defects, coverage = harmonise(rows(JINAN + [("浙江", "杭州", 0.5)]))
    assert len(flows) == 4 and 330100 not in set(flows["destination_code"])
    assert [d["name"] for d in defects if d["defect"] == "province_row"] == ["浙江"]
    assert len(coverage) == 1


def test_partner_not_prefecture_leaves_flows_but_stays_in_the_denominator():
    """万宁 (county-level, Hainan) is not a city of the table, yet the shares stay shares of the
    focal city's total: 海口's index 1.0 → 60 % 三亚, 10 % 万宁, 0.01 % 贵阳; coverage 70.01 %."""
    flows, defects, coverage = harmonise(rows([("海口", "三亚", 0.6), ("海口", "万宁", 0.1), ("海口", "贵阳", 0.0001)]))
    assert flows["share"].tolist() == pytest.approx([0.6, 0.0001])
    assert coverage.loc[0, "coverage"] == pytest.approx(0.7001)
    partner = [d for d in defects if d["defect"] == "partner_not_prefecture"]
    assert partner[0]["name"] == "万宁" and partner[0]["share_of_focal_flows"] == pytest.approx(0.1)


def test_two_names_of_one_city_in_one_list_is_an_error():
    with pytest.raises(SourceFormatError, match=r"rows \[2, 3\].*twice after harmonising"):
        harmonise(rows([("贵阳", "毕节地区", 0.3), ("贵阳", "毕节", 0.1), ("贵阳", "海口", 0.0001)]))


def test_unknown_name_is_an_error_naming_file_rows_and_column():
    with pytest.raises(SourceFormatError, match=r"fixture/out/20210412.csv: 1 row\(s\).*'partner'.*火星.*rows \[3\]"):
        fl.harmonise_day(rows([("济南", "淄博", 0.2), ("济南", "火星", 0.1)]),
                         pd.concat([NAMES, pd.DataFrame([{"name": "火星", "rule": "unknown", "outdated": False}])]),
                         source=src.SOURCE_2021, key=KEY, date=DAY, direction="out")


def test_zero_share_is_kept_and_reported():
    flows, defects, _ = harmonise(rows(JINAN + [("济南", "杭州", 0.0)]))
    assert (flows["share"] == 0).sum() == 1
    assert [d["n_rows"] for d in defects if d["defect"] == "zero_share"] == [1]


def test_shares_above_one_are_an_error():
    with pytest.raises(SourceFormatError, match="'num' of '济南' \\(rows 2–3\\).*sum to"):
        harmonise(rows([("济南", "淄博", 1.0), ("济南", "泰安", 1.0001)]))


def test_truncation_is_summarised():
    coverage = pd.DataFrame({"source": "s", "direction": "out", "coverage": [0.9, 0.95, 0.97]})
    row = fl.truncation_defects(coverage).iloc[0]
    assert row["defect"] == "top100_truncation"
    assert row["share_of_focal_flows"] == pytest.approx(0.05)
    assert "median 95.0%" in row["note"]


# ----------------------------------------------------------------------------- readers
def test_parse_baidu_list_names_row_and_column():
    raw = pd.DataFrame({"focal": ["北京", "北京"], "partner": ["廊坊", "保定"], "num": ["2.2", "x"], "source_row": [2, 3]})
    with pytest.raises(SourceFormatError, match=r"f.csv: column 'num' has 'x' at row 3"):
        src.parse_baidu_list(raw, "f.csv")
    raw = pd.DataFrame({"focal": ["北京", "北京"], "partner": ["廊坊", " "], "num": ["2.2", "1"], "source_row": [2, 3]})
    with pytest.raises(SourceFormatError, match=r"empty cell in column 'city_name' at row 3"):
        src.parse_baidu_list(raw, "f.csv")


def test_read_baidu_day_refuses_a_missing_column(tmp_path, monkeypatch):
    path = tmp_path / "20210412.csv"
    path.write_text("city_name,city_id,num\n廊坊,北京,2.2\n", encoding="utf-8")
    monkeypatch.setattr(_io, "fetch", lambda key: path)
    with pytest.raises(SourceFormatError, match=r"missing column\(s\) \['city_id_name'\]"):
        src.read_baidu_day("fixture/in/20210412.csv")


def test_parse_eeid_matrix_checks():
    square = pd.DataFrame({"成都市": ["", "12.5"], "重庆市": ["130", ""]}, index=["成都市", "重庆市"])
    with pytest.raises(SourceFormatError, match=r"m.csv: row 2 \('成都市'\), column '重庆市': '130'"):
        src.parse_eeid_matrix(square, "m.csv")
    diagonal = pd.DataFrame({"成都市": ["1", "12.5"], "重庆市": ["30", ""]}, index=["成都市", "重庆市"])
    with pytest.raises(SourceFormatError, match="row 2, column '成都市'.*diagonal"):
        src.parse_eeid_matrix(diagonal, "m.csv")
    skew = pd.DataFrame({"成都市": ["", "1"], "贵阳市": ["1", ""]}, index=["成都市", "重庆市"])
    with pytest.raises(SourceFormatError, match="not square"):
        src.parse_eeid_matrix(skew, "m.csv")


def test_matrix_province_rows_and_empty_abolished_unit():
    names = pd.DataFrame([("成都市", "name_in_year", 510100, "成都市"), ("重庆市", "name_in_year", 500100, "重庆市"),
                          ("四川省", "province", None, "四川省"), ("巢湖市", "out_of_years", 341400, "巢湖市")],
                         columns=["name", "rule", "city_code", "unit_name"]).assign(outdated=False)
    names["city_code"] = names["city_code"].astype("Int64")
    raw = pd.DataFrame({"成都市": ["", "12.5", "40", ""], "重庆市": ["30", "", "20", ""],
                        "四川省": ["", "", "", ""], "巢湖市": ["", "", "", ""]},
                       index=["成都市", "重庆市", "四川省", "巢湖市"])
    long = src.parse_eeid_matrix(raw, "m.csv")
    flows, defects, coverage = fl.harmonise_day(long, names, source=src.SOURCE_2020, key="m.csv",
                                                date=pd.Timestamp("2020-01-05"), direction="in", matrix=True)
    assert sorted(zip(flows["origin_code"], flows["destination_code"])) == [(500100, 510100), (510100, 500100)]
    assert flows["share"].tolist() == pytest.approx([0.30, 0.125]) or flows["share"].tolist() == pytest.approx([0.125, 0.30])
    assert flows["volume"].isna().all()
    kinds = {d["defect"]: d["name"] for d in defects}
    assert kinds == {"province_row": "四川省", "empty_abolished_unit": "巢湖市"}
    assert coverage.set_index("focal_code")["coverage"].to_dict() == pytest.approx({510100: 0.30, 500100: 0.125})
    raw.loc["巢湖市", "成都市"] = "5"
    with pytest.raises(SourceFormatError, match=r"m.csv: rows \[5\] list flows of '巢湖市'"):
        fl.harmonise_day(src.parse_eeid_matrix(raw, "m.csv"), names, source=src.SOURCE_2020, key="m.csv",
                         date=pd.Timestamp("2020-01-05"), direction="in", matrix=True)


def test_cross_check_in_vs_out_and_periods():
    base = {"date": DAY, "source": src.SOURCE_2021, "rank": 1}
    flows = pd.DataFrame([
        {**base, "origin_code": 1, "destination_code": d, "direction": "out", "share": s, "volume": v}
        for d, s, v in ((2, 0.5, 1.0), (3, 0.3, 0.6), (4, 0.1, 0.2))] + [
        {**base, "origin_code": 1, "destination_code": d, "direction": "in", "share": s, "volume": v}
        for d, s, v in ((2, 0.2, 1.1), (3, 0.2, 0.61), (4, 0.2, 0.19))])
    table = fl.cross_check(flows)
    first = table.iloc[0]
    assert first["n_pairs"] == 3 and first["spearman"] == pytest.approx(1.0)
    assert first["median_ratio"] == pytest.approx(np.median([1.1, 0.61 / 0.6, 0.19 / 0.2]))
