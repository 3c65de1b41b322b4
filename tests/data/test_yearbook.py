"""The City Statistical Yearbook layer: sheet layouts, the reviewed mapping, units, names,
harmonisation evidence, and published figures (data/facts/yearbook_spot_values.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cityclusters.data.facts import read_fact
from cityclusters.data.sources.yearbook import (
    archives,
    harmonise,
    mapping,
    reader,
    sheets,
)
from cityclusters.errors import DataFetchError, SourceFormatError
from tests.conftest import requires_mirror


def _workbook(path: Path, pages: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in pages.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.create_sheet("CNKI").append(["http://www.cnki.net/"])  # the vendor's advertisement sheet
    book.save(path)
    sheets.read_layout.cache_clear()
    return path


HEADER = [
    ["2-39 医院、床位和医生数", "", "", "", ""],
    ["城 市", "医院数\n(个)\nNumber of\nHospitals", "", "医院床位数\n(张)", ""],
    ["", "全市\nTotal City", "市辖区\nDistricts", "全市", "市辖区"],
]


def test_layout_reads_header_scopes_units_provinces_and_continuation_pages(tmp_path):
    path = _workbook(tmp_path / "2-39_医院.xlsx", {
        "1-7": HEADER + [["北京市", "745", "745", "119574", "119574"], ["河北省", "", "", "", ""],
                         ["  石家庄市", "275", "146", "51288", "34107"]],
        # the next page repeats the header with an extra empty column, as the vendor's files do
        "2": [["2-39 续表1", "", "", "", "", ""],
              ["城市", "医院数(个)", "", "", "医院床位数(张)", ""],
              ["", "全市", "市辖区", "", "全市", "市辖区"],
              ["  唐山市", "212", "97", "", "37131", "21173"]],
    })
    layout = sheets.read_layout(path)
    assert [(c.header, c.scope, c.unit) for c in layout.columns] == [
        ("医院数(个)", "全市", "个"), ("医院数(个)", "市辖区", "个"),
        ("医院床位数(张)", "全市", "张"), ("医院床位数(张)", "市辖区", "张")]
    assert [(c.name, c.province) for c in layout.cities] == [
        ("北京市", "北京市"), ("石家庄市", "河北省"), ("唐山市", "河北省")]
    tangshan = layout.cities[-1]
    assert tangshan.cells == ("212", "97", "37131", "21173")  # read by position, empty column skipped
    assert tangshan.letters == ("B", "C", "E", "F") and tangshan.sheet == "2"


def test_side_by_side_panels_are_read_as_one_list(tmp_path):
    path = _workbook(tmp_path / "2-43.xlsx", {"1-4": [
        ["2-43 环境状况(三)废物处理率(全市)", "", "", "", "", ""],
        ["单位：％", "", "", "", "", ""],
        ["    城市", "城镇生活污水集中处理率", "生活垃圾无害化处理率", "    城    市", "城镇生活污水集中处理率", "生活垃圾无害化处理率"],
        ["北京市", 62.4, 81.2, "  辽宁省", "", ""],
        ["天津市", 62.61, 80.29, "    沈阳市", 71.0, 100.0],
    ]})
    layout = sheets.read_layout(path)
    assert [(c.header, c.scope, c.unit) for c in layout.columns] == [
        ("城镇生活污水集中处理率", "全市", "%"), ("生活垃圾无害化处理率", "全市", "%")]
    assert [(c.name, c.province, c.cells) for c in layout.cities] == [
        ("北京市", "北京市", (62.4, 81.2)), ("天津市", "天津市", (62.61, 80.29)),
        ("沈阳市", "辽宁省", (71.0, 100.0))]
    assert layout.cities[-1].letters == ("E", "F")


def test_a_page_with_other_columns_stops_naming_file_sheet_and_row(tmp_path):
    path = _workbook(tmp_path / "2-39.xlsx", {
        "1-7": HEADER + [["北京市", "745", "745", "119574", "119574"]],
        "2": [["2-39 续表1", "", ""], ["城市", "医院数(个)", ""], ["", "全市", "市辖区"], ["天津市", "441", "441"]],
    })
    with pytest.raises(SourceFormatError, match=r"2-39.xlsx, sheet '2', row 1: .*2 value column\(s\).*4"):
        sheets.read_layout(path)


def test_text_in_a_number_cell_stops_naming_file_sheet_row_and_column(tmp_path):
    path = _workbook(tmp_path / "2-39.xlsx", {"1-7": HEADER + [["北京市", "745", "七百", "119574", "119574"]]})
    layout = sheets.read_layout(path)
    city, column = layout.cities[0], layout.columns[1]
    with pytest.raises(SourceFormatError, match=r"2-39.xlsx, sheet '1-7', row 4, column C \('医院数\(个\)'\): '七百'"):
        sheets.parse_number(city.cells[1], layout, city.row, column, sheet=city.sheet, letter=city.letters[1])


def test_garbled_digits_and_no_data_marks_become_missing_with_a_reason():
    layout = sheets.TableLayout(Path("t.xlsx"), "1", "2-1", "", [], [])
    column = sheets.Column(0, "B", "x", None, "")
    cases = {"1 1757538": "garbled", "53．O7": "garbled", "6253089_x000D_\r\n3080590": "garbled",
             "37984.35'": "garbled", "…": "no_data", "-": "no_data", "": "no_data", "12,345": "ok"}
    assert {text: sheets.parse_number(text, layout, 1, column)[1] for text in cases} == cases


def _mapped(**changes) -> mapping.MappedColumn:
    fields = {"variable": "hospitals", "edition": 2020, "lag": 1, "table": "2-39", "title": "医院、床位和医生数",
                  "header": "医院数(个)", "scope": "全市", "unit_printed": "个", "unit_values": "个", "source": "test row"}
    return mapping.MappedColumn(**{**fields, **changes})


@pytest.mark.parametrize(("changes", "message"), [
    ({"header": "医院、卫生院数(个)"}, r"header no longer matches its mapping: 0 column\(s\) '医院、卫生院数\(个\)'"),
    ({"title": "卫生"}, r"title '2-39医院、床位和医生数' no longer matches the mapping's '卫生'"),
    ({"unit_printed": "万个"}, r"column B \('医院数\(个\)'\): unit printed '个', the mapping says '万个'"),
    ({"table": "2-40"}, r"edition 2020 has no prefecture table 2-40"),
])
def test_a_sheet_that_no_longer_matches_its_mapping_stops(tmp_path, monkeypatch, changes, message):
    path = _workbook(tmp_path / "2-39.xlsx", {"1-7": HEADER + [["北京市", "745", "745", "119574", "119574"]]})
    monkeypatch.setattr(archives, "prefecture_tables", lambda edition: {"2-39": path})
    with pytest.raises(SourceFormatError, match=message):
        reader._locate(_mapped(**changes))


def test_an_unmapped_unit_stops():
    with pytest.raises(SourceFormatError, match=r"unit '千户' has no conversion to '万户'"):
        mapping.convert_factor("千户", "万户", "2-37.xlsx, sheet '1', column D")


def test_a_city_name_the_crosswalk_does_not_know_stops_naming_file_sheet_and_row():
    frame = pd.DataFrame([{
        "name_printed": "火星市", "province_printed": "河北省", "year": 2019, "edition": 2020, "scope": "全市",
        "variable": "hospitals", "value": 1.0, "unit": "个", "value_printed": 1.0, "unit_printed": "个",
        "table": "2-39", "source_file": "2020/2-39.xlsx", "sheet": "1-7", "source_row": 12, "source_column": "C",
        "cell_status": "ok", "printed_text": "",
    }])
    with pytest.raises(SourceFormatError, match=r"2020/2-39.xlsx, sheet '1-7', row 12, year 2019: '火星市' \(河北省\)"):
        reader._identify_cities(frame)


def test_misprinted_names_and_short_names_are_matched_by_stated_rules():
    names, corrections = reader._names_index(), reader._corrections_index()
    assert reader._match(("石家庄", "河北省", 2003, 2004, "3-29", 9), names, corrections)[1] in (
        "name_in_year", "name_with_shi")  # a crosswalk alias, or 市 appended
    assert reader._match(("莱芜", "山东省", 2003, 2004, "3-29", 9), names, corrections) is not None
    assert reader._match(("克垃玛依", "新疆维吾尔自治区", 1999, 2000, "3-29", 316), names, corrections)[1] == "correction"
    # a whole province printed under its neighbour (a misprinted province row)
    entity, rule = reader._match(("杭州市", "江苏省", 2018, 2019, "2-39", 99), names, corrections)
    assert rule == "name_unique_in_china" and entity is not None


def test_every_correction_has_evidence_and_a_known_target():
    corrections = read_fact("yearbook/name_corrections.csv")
    known = set(reader._names_index())
    assert corrections["evidence"].str.len().min() > 30
    assert set(corrections["name_zh"]) <= known
    assert (corrections["edition_first"] <= corrections["edition_last"]).all()


def test_every_mapping_file_is_consistent_with_the_catalogue_and_the_units():
    catalogue = mapping.variables().set_index("variable")
    factors = mapping.unit_factors()
    for variable in catalogue.index:
        rows = mapping.read_mapping(variable)  # checks scopes, ranges and overlaps
        assert len(rows), variable
        for unit in rows["unit_values"]:
            assert (unit, catalogue.loc[variable, "unit"]) in factors, (variable, unit)


def test_a_corrupted_archive_stops_naming_the_file(tmp_path):
    broken = tmp_path / "中国城市统计年鉴2020（excel）.rar"
    broken.write_bytes(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64)
    with pytest.raises(DataFetchError, match=r"中国城市统计年鉴2020（excel）.rar: cannot be extracted"):
        archives.extract(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_second_process_waits_while_an_archive_is_extracted(tmp_path):
    """The tables step's groups (and parallel kernels) may need one archive at once: the lock
    beside its folder lets one extract it while the others wait (a second opening of the lock
    file blocks like another process would)."""
    import threading

    target = tmp_path / "extracted-tables-2019"
    entered = threading.Event()

    def second():
        with archives._extraction_lock(target):
            entered.set()

    with archives._extraction_lock(target):
        waiting = threading.Thread(target=second)
        waiting.start()
        assert not entered.wait(0.3)  # blocked while the first holds the lock
    assert entered.wait(5)
    waiting.join()


def test_power_of_ten_rule():
    assert harmonise.power_of_ten(np.array([1.02, -3.9, 0.72, 0.05, 2.1])).tolist() == [1, -4, 0, 0, 2]
    frame = pd.DataFrame({"entity_id": "A", "variable": "v", "scope": "全市", "edition": range(2001, 2008),
                          "year": range(2000, 2007), "value": [10.0, 11, 12, 130, 13, 14, 15]})
    assert harmonise.flag_power_of_ten(frame).tolist() == [0, 0, 0, 1, 0, 0, 0]


# ----------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def yearbook():
    from cityclusters.data.tables import city_year_yearbook

    return city_year_yearbook(first_release=False)


#: published unit → the variable's unit (the yearbook table's units are in variables.csv)
_PUBLISHED = {("亿元", "万元"): 1e4, ("亿元", "亿元"): 1.0, ("万元", "亿元"): 1e-4}


@requires_mirror
@pytest.mark.slow
def test_values_equal_published_figures(yearbook):
    """Figures from statistical bulletins, city yearbooks and official pages (cited per row)."""
    spots = read_fact("yearbook_spot_values.csv")
    units = mapping.variables().set_index("variable")["unit"]
    assert len(spots) >= 10 and spots["variable"].nunique() >= 8 and spots["name_zh"].nunique() >= 8
    first = yearbook[yearbook["edition"] - yearbook["year"] == 1]
    for spot in spots.itertuples():
        factor = _PUBLISHED.get((spot.unit, units[spot.variable]), 1.0)
        hit = first[(first["name_zh"] == spot.name_zh) & (first["year"] == spot.year)
                    & (first["variable"] == spot.variable) & (first["scope"] == spot.scope)]
        assert len(hit) == 1, spot
        assert hit["value"].iloc[0] == pytest.approx(spot.value * factor, rel=spot.tolerance), spot


@requires_mirror
@pytest.mark.slow
def test_no_power_of_ten_break_remains_unmapped(yearbook):
    """A unit change no mapping row converts shows as the median city jumping by 10^k."""
    breaks = harmonise.shared_breaks(yearbook)
    assert (breaks["power_of_ten"] == 0).all(), breaks
    # shared jumps beyond a factor of 10^0.5 only at documented definitional breaks
    assert set(zip(breaks["variable"], breaks["year_after"], strict=True)) <= mapping.break_years()


@requires_mirror
@pytest.mark.slow
def test_power_of_ten_jumps_are_single_cities_not_pages(yearbook):
    """Within one table, fewer than 5 % of the cities jump by a power of ten unflagged (outside
    documented definitional breaks): a larger share would mean a unit or a page went wrong for
    part of a table. Single cities' jumps are listed in the data appendix."""
    jumps = harmonise.unflagged_jumps(yearbook)
    documented = pd.Series(list(zip(jumps["variable"], jumps["year_after"], strict=True))).isin(mapping.break_years())
    jumps = jumps[~documented.to_numpy()]
    cities = yearbook[yearbook["edition"] - yearbook["year"] == 1].groupby(["variable", "scope", "year"]).size()
    share = jumps.groupby(["variable", "scope", "year_after"]).size() / cities.rename_axis(
        ["variable", "scope", "year_after"]).reindex(jumps.groupby(["variable", "scope", "year_after"]).size().index)
    assert share.max() < harmonise.PAGE_SHARE, share.sort_values().tail()


@requires_mirror
@pytest.mark.slow
def test_the_table_covers_the_variables_the_issue_asks_for(yearbook):
    coverage = yearbook[yearbook["value"].notna()].groupby("variable")["year"].agg(["min", "max"])
    expected = {"hospitals": (1999, 2023), "patents_granted": (2017, 2023), "pm25": (2017, 2023),
                "fdi_actual": (1999, 2019), "gdp": (1999, 2023), "library_holdings": (1999, 2023)}
    for variable, (first, last) in expected.items():
        assert tuple(coverage.loc[variable]) == (first, last), variable
    assert yearbook["city_code"].nunique() >= 290
