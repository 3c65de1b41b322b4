"""Rail readers, the approximate rail network and the chapter 5 helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import linkages as rn
from cityclusters.data.sources import rail
from cityclusters.errors import SourceFormatError
from tests.conftest import requires_mirror

# Three cities on the equator, 1° of longitude apart (111.195 km each on the R1 sphere).
KM_PER_DEG = 2 * np.pi * 6371.0088 / 360
COORDS = pd.DataFrame({"lon": [0.0, 1.0, 2.0], "lat": [0.0, 0.0, 0.0]}, index=[1, 2, 3])
CITIES = pd.DataFrame({"city_code": [1, 2, 3], "name_zh": ["甲市", "乙市", "丙市"],
                       "name_short_zh": ["甲", "乙", "丙"]})


def _lines(rows):
    frame = pd.DataFrame(rows, columns=["line", "line_type", "design_speed_kmh", "electrified", "opened",
                                        "start", "end", "stations_text"])
    frame.insert(0, "source_row", frame.index + 2)
    return rail.parse_lines(frame, where="test.csv")


def _edges(speed=200.0, opened="2010.1.1", line_type="高速铁路"):
    lines = _lines([["L", line_type, speed, "是", opened, "甲", "丙东", "甲-乙-丙东"]])
    stations = rn.station_city_table({"甲", "乙", "丙东"}, {}, CITIES)
    return lines, rn.rail_edges(lines, stations, COORDS)


# ----------------------------------------------------------------------------- readers
def test_parse_opening_forms():
    assert rail.parse_opening("1962.12") == (1962, 12, None)
    assert rail.parse_opening("2015.12.26") == (2015, 12, 26)
    assert rail.parse_opening("1900") == (1900, None, None)
    with pytest.raises(SourceFormatError, match="row 7"):
        rail.parse_opening("2015-12", row=7)


def test_parse_lines_stations_and_na_speed():
    lines = _lines([["A", "普速铁路", "N/A", "否", "1958", "宝鸡", "成都", "NULL"],
                    ["B", "高速铁路", "350", "是", "2015.12.26", "成都东", "重庆北", "成都东-内江北-重庆北"]])
    assert lines.loc[0, "stations"] == ["宝鸡", "成都"]
    assert np.isnan(lines.loc[0, "design_speed_kmh"])
    assert lines.loc[1, "stations"] == ["成都东", "内江北", "重庆北"]
    assert lines.loc[1, "open_year"] == 2015 and not lines.loc[0, "electrified"]


def test_parse_lines_bad_type_names_row_and_column():
    with pytest.raises(SourceFormatError, match="线路类型.*row 3"):
        _lines([["A", "普速铁路", "120", "是", "1958", "x", "y", "x-y"],
                ["B", "磁悬浮", "430", "是", "2003", "x", "y", "x-y"]])


def test_parse_lines_bad_speed_names_row():
    with pytest.raises(SourceFormatError, match="design_speed_kmh.*row 2"):
        _lines([["A", "普速铁路", "fast", "是", "1958", "x", "y", "x-y"]])


# ----------------------------------------------------------------------------- network
def test_station_rules():
    table = rn.station_city_table(["甲", "乙北", "站X", "无名"], {"站X": "丙", "无名": "济"}, CITIES)
    rules = table.set_index("station")["rule"]
    assert rules["甲"] == "name" and rules["乙北"] == "name_without_direction"
    assert rules["站X"] == "station2city" and rules["无名"] == "unmatched"


def test_edge_hours_by_hand():
    # 100 km at 200 km/h design: 1.2 * 100 / (0.8 * 200) = 0.75 h
    assert rn.edge_hours(100, 200) == pytest.approx(0.75)


def test_operating_speed_caps_old_lines_before_speed_up():
    assert rn.operating_speed(200, 1908, 2005) == 120
    assert rn.operating_speed(200, 1908, 2008) == 200
    assert rn.operating_speed(float("nan"), 1950, 2010) == rn.UNKNOWN_SPEED_KMH
    assert rn.operating_speed(350, 2011, 2005) == 350


def test_travel_time_on_a_line_by_hand():
    _, edges = _edges(speed=200.0)
    assert len(edges) == 2 and edges["is_hsr"].all()
    times = rn.travel_time_matrix(edges, COORDS, 2012)
    # two edges of 1° each: 1.2 * 2 * 111.195 / (0.8 * 200)
    assert times.at[1, 3] == pytest.approx(1.2 * 2 * KM_PER_DEG / 160, rel=1e-6)
    assert np.allclose(times.to_numpy(), times.to_numpy().T)


def test_before_opening_road_is_used():
    _, edges = _edges(opened="2015")
    times = rn.travel_time_matrix(edges, COORDS, 2014)
    assert times.at[1, 3] == pytest.approx(1.3 * 2 * KM_PER_DEG / 60, rel=1e-6)


def test_hsr_access_first_year():
    _, edges = _edges(opened="2012.5")
    assert rn.hsr_access(edges, [1, 2, 3, 9]).tolist()[:3] == [2012, 2012, 2012]
    assert np.isnan(rn.hsr_access(edges, [9]).iloc[0])
    _, slow = _edges(speed=160.0, line_type="快速铁路")
    assert not slow["is_hsr"].any()


def test_opening_corrections_by_section():
    lines, edges = _edges(opened="2010")
    fix = pd.DataFrame({"line": ["L"], "from_station": ["乙"], "to_station": ["丙东"], "open_year": [2016]})
    out = rn.apply_opening_corrections(edges, lines, fix)
    assert out["open_year"].tolist() == [2010, 2016] and out["corrected"].tolist() == [False, True]
    bad = fix.assign(to_station=["丁"])
    with pytest.raises(SourceFormatError, match="row 2.*丁"):
        rn.apply_opening_corrections(edges, lines, bad)


# ----------------------------------------------------------------------------- typed stops
def _stops(rows):
    table = pd.DataFrame(rows, columns=["line", "after_station", "station", "before_station", "city_code"])
    table["file_row"] = table.index + 2
    table.attrs["source"] = "stops.csv"
    return table


def test_apply_line_stations_inserts_between_listed_stations():
    # toy line 甲–丙东 that lists only its ends; 乙 lies between them
    lines = _lines([["L", "高速铁路", 200, "是", "2010", "甲", "丙东", "NULL"]])
    assert lines.loc[0, "stations"] == ["甲", "丙东"]
    stops = _stops([["L", "甲", "乙", "丙东", 2]])
    out = rn.apply_line_stations(lines, stops)
    assert out.loc[0, "stations"] == ["甲", "乙", "丙东"] and out.loc[0, "n_added"] == 1
    assert lines.loc[0, "stations"] == ["甲", "丙东"]  # input untouched
    # listed in the other direction: still placed between the two
    rev = rn.apply_line_stations(lines, _stops([["L", "丙东", "乙", "甲", 2]]))
    assert rev.loc[0, "stations"] == ["甲", "乙", "丙东"]


def test_line_stations_change_edges_and_times_by_hand():
    lines = _lines([["L", "高速铁路", 200, "是", "2010", "甲", "丙东", "NULL"]])
    stops = _stops([["L", "甲", "站乙", "丙东", 2]])  # a name no rule matches: the typed code decides
    out = rn.apply_line_stations(lines, stops)
    stations = rn.station_city_table({s for row in out["stations"] for s in row}, {}, CITIES,
                                     rn.line_station_overrides(stops))
    assert stations.set_index("station").at["站乙", "rule"] == "override"
    edges = rn.rail_edges(out, stations, COORDS)
    assert edges[["code_a", "code_b"]].values.tolist() == [[1, 2], [2, 3]]
    # before: 甲–乙 only by road (1.3 · 111.195 / 60); after: rail 1.2 · 111.195 / (0.8 · 200)
    before = rn.travel_time_matrix(rn.rail_edges(lines, stations, COORDS), COORDS, 2012)
    after = rn.travel_time_matrix(edges, COORDS, 2012)
    assert before.at[1, 2] == pytest.approx(1.3 * KM_PER_DEG / 60, rel=1e-6)
    assert after.at[1, 2] == pytest.approx(1.2 * KM_PER_DEG / 160, rel=1e-6)
    assert rn.hsr_access(edges, [2]).iloc[0] == 2010


def test_apply_line_stations_errors_name_row_and_column():
    lines = _lines([["L", "高速铁路", 200, "是", "2010", "甲", "丙东", "甲-乙-丙东"]])
    with pytest.raises(SourceFormatError, match="stops.csv: row 2, column 'line'.*'M'"):
        rn.apply_line_stations(lines, _stops([["M", "甲", "丁", "乙", 4]]))
    with pytest.raises(SourceFormatError, match="row 3, column 'before_station'.*'戊'"):
        rn.apply_line_stations(lines, _stops([["L", "甲", "丁", "乙", 4], ["L", "乙", "己", "戊", 4]]))
    with pytest.raises(SourceFormatError, match="row 2.*not adjacent"):
        rn.apply_line_stations(lines, _stops([["L", "甲", "丁", "丙东", 4]]))
    with pytest.raises(SourceFormatError, match="row 2, column 'station'.*already"):
        rn.apply_line_stations(lines, _stops([["L", "甲", "乙", "丙东", 2]]))


def test_line_station_overrides_unknown_city_and_conflict():
    stops = _stops([["L", "甲", "站乙", "丙东", 99]])
    with pytest.raises(SourceFormatError, match="stops.csv: row 2: city_code 99"):
        rn.station_city_table({"站乙"}, {}, CITIES, rn.line_station_overrides(stops))
    two = _stops([["L", "甲", "站乙", "丙东", 2], ["K", "甲", "站乙", "丙东", 3]])
    with pytest.raises(SourceFormatError, match="two cities"):
        rn.station_city_table({"站乙"}, {}, CITIES, rn.line_station_overrides(two))


def test_line_station_additions_reader(tmp_path):
    header = "line,after_station,station,before_station,city_code,prefecture_zh,source,source_url,verification\n"
    good = tmp_path / "good.csv"
    good.write_text(header + "L,甲,乙,丙,2,乙市,a page,https://example.org,verified\n", encoding="utf-8")
    table = rn.line_station_additions(good)
    assert table.loc[0, "city_code"] == 2 and table.loc[0, "file_row"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text(header + "L,甲,乙,丙,2,乙市,a page,https://example.org,verified\nL,甲,丁,丙,x2,丁市,a page,https://example.org,verified\n",
                   encoding="utf-8")
    with pytest.raises(SourceFormatError, match="bad.csv: column 'city_code'.*row 3"):
        rn.line_station_additions(bad)
    empty = tmp_path / "empty.csv"
    empty.write_text(header + "L,甲,乙,丙,2,乙市,,https://example.org,verified\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="column 'source' at row 2"):
        rn.line_station_additions(empty)


def test_core_periphery_shares_by_hand():
    g = pd.DataFrame([[0, 6, 2, 0], [6, 0, 1, 1], [2, 1, 0, 0], [0, 1, 0, 0]], index=list("abcd"),
                     columns=list("abcd"), dtype=float)
    shares = rn.core_periphery_shares(g, ["a", "b"])
    # pairs: ab=6 (CC), ac=2, bc=1, bd=1 (CP), total 10
    assert shares["core_core"] == pytest.approx(0.6)
    assert shares["core_periphery"] == pytest.approx(0.4)
    assert shares["periphery_periphery"] == pytest.approx(0.0)
    assert shares["core_endpoint_share"] == pytest.approx(0.8)


def test_strongest_links():
    g = pd.DataFrame([[0, 4, 1], [4, 0, 2], [1, 2, 0]], index=[1, 2, 3], columns=[1, 2, 3], dtype=float)
    top = rn.strongest_links(g, 2)
    assert top[["code_a", "code_b"]].values.tolist() == [[1, 2], [2, 3]]
    assert top["relative"].tolist() == [1.0, 0.5]


def test_linkage_parameters():
    rn.validate_linkage_parameters("great_circle", 2.0)
    with pytest.raises(ValueError, match="DISTANCE"):
        rn.validate_linkage_parameters("road", 2.0)
    with pytest.raises(ValueError, match="DECAY"):
        rn.validate_linkage_parameters("travel_time", -1)


def test_validate_against_events_by_hand():
    _, edges = _edges(speed=200.0, opened="2010")
    events = pd.DataFrame({"event_id": ["e1", "e2"], "event_type": ["hsr_opening"] * 2,
                           "date": ["2011-01-01", "2011-01-01"], "cities_zh": ["甲市;乙市;丙市", "甲市;甲市"],
                           "travel_time_h": [2.0, 1.0]})
    table = rn.validate_against_events(events, CITIES, edges, COORDS)
    assert table["event_id"].tolist() == ["e1"]  # same-city pair skipped
    assert table.loc[0, "modelled_h"] == pytest.approx(1.2 * 2 * KM_PER_DEG / 160, rel=1e-6)


# ----------------------------------------------------------------------------- real data
@requires_mirror
def test_real_line_table_and_chengyu_line():
    lines = rail.read_rail_lines()
    assert len(lines) > 200
    row = lines[lines["line"] == "成渝高铁"].iloc[0]
    assert row["open_year"] == 2015 and row["design_speed_kmh"] == 350
    assert len(rail.read_station_cities()) > 250
    assert rail.read_rail_segments()["is_hsr"].sum() == 84


@requires_mirror
def test_real_line_stations_apply_cleanly():
    table = rn.line_station_additions()
    assert table["verification"].str.contains("verified").all()
    lines = rn.apply_line_stations(rail.read_rail_lines(), table)
    by_line = lines.set_index("line")["stations"]
    assert by_line["成渝高铁"] == ["成都东", "资阳北", "内江北", "重庆北"]
    assert "遵义" in by_line["渝贵铁路"] and "毕节" in by_line["成贵高铁-宜贵段"]
    assert int(lines["n_added"].sum()) == len(table)


@pytest.mark.slow
@requires_mirror
def test_chapter_05_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("05_linkages", tmp_path / "05.ipynb",
                         {"CLUSTERS": ["yrd26"], "FIRST_YEAR": 2010, "LAST_YEAR": 2018,
                          "DISTANCE": "great_circle", "DECAY": 1.0}, render_figures=False)
    values = glued_values(output)
    assert values["first_year"] == "2010" and values["last_year"] == "2018"
    assert values["decay"] == "1.0"
    assert values["distance_word"] == "'great-circle distance'"
    assert "Yangtze River Delta (26)" in values["cp_sentences"]
    assert "Chengdu" not in values["cp_sentences"]
    assert values["verdict__p000_hsr_3h_circle"] == "'supported'"


# ----------------------------------------------------------------------------- chapter 5 verdicts and values
def test_hsr_3h_verdict_each_branch():
    v = rn.hsr_3h_verdict(1.5, 2.0, 3.0, 2.5)
    assert v.verdict == "supported"
    assert v.evidence == ("fastest times at opening (typed): Chengdu–Chongqing 1.50 h (2015), Chongqing–Guiyang "
                          "2.00 h (2018), Chengdu–Guiyang 3.00 h (2019); our approximate network gives at most "
                          "2.50 h in 2020")
    assert rn.hsr_3h_verdict(1.5, 2.0, 3.1, 2.5).category == "not supported"


def test_travel_time_targets_verdict_lists_the_modelled_times():
    v = rn.travel_time_targets_verdict(1.43, {"重庆–宜宾": 2.04, "成都–泸州": 1.96})
    assert v.category == "partly supported"
    assert "1.43 h (2015, typed); model 2017: 重庆–宜宾 2.0 h, 成都–泸州 2.0 h (free transfers" in v.evidence


def test_hsr_network_lag_verdict_each_branch():
    sw, yrd = rn.cluster_label("chengyugui"), rn.cluster_label("yrd26")
    clusters = ["chengyugui", "yrd26"]
    v = rn.hsr_network_lag_verdict(clusters, {sw: 0.6, yrd: 0.9}, 2020)
    # the middle-zone half of the claim is not measured by a whole-cluster share (issue 15)
    assert v.category == "partly supported" and "middle zone" in v.verdict
    assert v.evidence == (f"share of member cities with an HSR station in 2020: {sw} 60%, {yrd} 90% "
                          "(trunk lines only: lower bounds)")
    v = rn.hsr_network_lag_verdict(clusters, {sw: 0.85, yrd: 0.9}, 2020)
    assert v.category == "partly supported"
    v = rn.hsr_network_lag_verdict(clusters, {sw: 0.9, yrd: 0.9}, 2020)
    assert v.category == "not supported"
    v = rn.hsr_network_lag_verdict(["chengyugui", "jingjinji"], {sw: 0.6}, 2020)
    assert v.category == "not testable with our data"
    v = rn.hsr_network_lag_verdict(clusters, {}, None)
    assert v.category == "not testable with our data"


def test_labels_and_chapter_values():
    assert rn.cluster_label("yrd26").endswith("Yangtze River Delta (26)")
    assert "（" not in rn.cluster_label("yrd26")
    cities = CITIES.assign(name_pinyin=["Jia", "Yi", "Bing"])
    assert rn.city_label(cities, 2) == "乙 (Yi)"
    values = rn.chapter_values(["chengyu", "jingjinji"], 2008, 2020, 2.0, "great_circle")
    assert values["clusters_en"] == "Chengdu–Chongqing and Beijing–Tianjin–Hebei"
    assert values["distance_word"] == "great-circle distance"
    assert rn.chapter_values(["chengyu"], 2008, 2020, 2.0, "travel_time")["distance_word"] == \
        "approximate rail travel time"


def test_comparison_years():
    assert rn.comparison_years(2008, 2020) == [2014, 2016, 2017, 2020]
    assert rn.comparison_years(2008, 2015) == [2008, 2015]  # only 2014 in the window


def test_core_share_report_rail_part_by_hand():
    # cores' share 0.50 → 0.60 with time, 0.50 → 0.55 with km: rail part +5 points
    rows = [("chengyugui", d, y, s) for d, vals in (("travel_time", (0.50, 0.60)), ("great_circle", (0.50, 0.55)))
            for y, s in zip((2014, 2015), vals)]
    shares = pd.DataFrame(rows, columns=["cluster_id", "distance", "year", "core_endpoint_share"])
    shares["core_core"], shares["core_periphery"] = 0.2, 0.6
    coords = pd.DataFrame({"lon": [104.07, 106.55, 106.63], "lat": [30.57, 29.56, 26.65]},
                          index=[510100, 500100, 520100])
    values, table = rn.core_share_report(shares, ["chengyugui"], coords, 2014, 2015)
    assert (values["cmp_first"], values["cmp_last"]) == (2014, 2015)
    assert values["cp_rail_part_first"] == pytest.approx(5.0)
    assert values["cp_rail_word_first"] == "towards"
    assert values["cp_sentences"].endswith("so rail raised the cores' share by 5.0 points")
    assert len(table) == 2 and values["core_km_min"] < values["core_km_max"]
    shares.loc[(shares["distance"] == "great_circle") & (shares["year"] == 2015), "core_endpoint_share"] = 0.7
    values, _ = rn.core_share_report(shares, ["chengyugui"], coords, 2014, 2015)
    assert values["cp_rail_word_first"] == "away from"
    assert "lowered the cores' share by 10.0 points" in values["cp_sentences"]
