"""Readers of raw files: headers checked, footers counted, bad cells named by row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from cityclusters.data.sources import reading as _io
from cityclusters.errors import SourceFormatError


@pytest.fixture
def workbook(tmp_path, monkeypatch):
    """Write a small Excel file and make the reader fetch it instead of a registered file."""

    def make(frame: pd.DataFrame, sheet: str = "面板数据") -> str:
        path = tmp_path / "book.xlsx"
        with pd.ExcelWriter(path) as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)
        monkeypatch.setattr(_io, "fetch", lambda key: path)
        return "fixture/book.xlsx"

    return make


def panel_sheet(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"年份": [2018.0, 2019.0, None, None], "城市": ["成都市", "成都市", None, "更多数据 广告"],
         "人口": [1981.3, 2040.9, None, None]}
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame


COLUMNS = {"年份": "year", "城市": "name_zh", "人口": "population"}


def test_footer_rows_are_counted_not_hidden(workbook):
    key = workbook(panel_sheet())
    frame = _io.read_checked(key, COLUMNS, sheet="面板数据")
    body = _io.drop_footer_rows(frame, ["year", "name_zh"], key)
    assert len(body) == 2 and body.attrs["footer_rows"] == 2
    assert body["source_row"].tolist() == [2, 3]


def test_renamed_column_is_named(workbook):
    key = workbook(panel_sheet().rename(columns={"人口": "常住人口"}))
    with pytest.raises(SourceFormatError, match=r"missing column\(s\) \['人口'\]"):
        _io.read_checked(key, COLUMNS, sheet="面板数据")


def test_missing_sheet_is_named(workbook):
    key = workbook(panel_sheet(), sheet="Sheet1")
    with pytest.raises(SourceFormatError, match="sheet"):
        _io.read_checked(key, COLUMNS, sheet="面板数据")


def test_empty_key_inside_the_table(workbook):
    key = workbook(panel_sheet(城市=["成都市", None, None, None]))
    frame = _io.read_checked(key, COLUMNS, sheet="面板数据")
    with pytest.raises(SourceFormatError, match=r"row 3, column\(s\) \['name_zh'\]"):
        _io.drop_footer_rows(frame, ["year", "name_zh"], key)


def test_text_in_a_numeric_column(workbook):
    key = workbook(panel_sheet(人口=[1981.3, "约2041", None, None]))
    frame = _io.drop_footer_rows(_io.read_checked(key, COLUMNS, sheet="面板数据"), ["year", "name_zh"], key)
    with pytest.raises(SourceFormatError, match=r"column 'population' has non-numeric value '约2041' at row 3"):
        _io.to_number(frame, ["population"], key)


def test_truncated_file(tmp_path, monkeypatch):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated zip")
    monkeypatch.setattr(_io, "fetch", lambda key: path)
    with pytest.raises(SourceFormatError, match="cannot be read"):
        _io.read_checked("fixture/broken.xlsx", COLUMNS, sheet="面板数据")


# ----------------------------------------------------------------------------- readers of chapter 11's files
def test_fdi_reader_names_a_renamed_column(workbook):
    from cityclusters.data.sources import gp

    sheet = pd.DataFrame({"year": [2019], "城市": ["成都"], "外商直接投资": [13169.0], "单位": ["百万美元"]})
    workbook(sheet, sheet=gp.FDI_SHEET)
    with pytest.raises(SourceFormatError, match=r"1996-2023年地级市外商直接投资FDI\.xlsx, sheet 'Sheet1', header row: missing column\(s\) \['地级市'\]"):
        gp.read_fdi()


def test_fdi_reader_refuses_another_unit_and_strips_names(workbook):
    from cityclusters.data.sources import gp

    sheet = pd.DataFrame({"year": [2019, 2019], "地级市": ["成都", "哈密\u200b\u200b"],
                          "外商直接投资": [13169.0, None], "单位": ["百万美元", "百万美元"]})
    workbook(sheet, sheet=gp.FDI_SHEET)
    frame = gp.read_fdi()
    assert frame["name_short_zh"].tolist() == ["成都", "哈密"]
    assert frame["source_row"].tolist() == [2, 3]
    workbook(sheet.assign(单位=["百万美元", "万美元"]), sheet=gp.FDI_SHEET)
    with pytest.raises(SourceFormatError, match=r"column '单位' should be 百万美元 throughout; found \['万美元', '百万美元'\]"):
        gp.read_fdi()


def test_exchange_rate_reader_names_a_renamed_column_and_a_bad_rate(workbook):
    from cityclusters.data.sources import gp

    gp.read_exchange_rate.cache_clear()
    workbook(pd.DataFrame({"年份": [2019], "汇率": [6.8985]}), sheet=gp.EXCHANGE_SHEET)
    with pytest.raises(SourceFormatError, match=r"汇率\.xlsx, sheet 'Sheet1', header row: missing column\(s\) \['1美元兑人民币（元）'\]"):
        gp.read_exchange_rate()
    workbook(pd.DataFrame({"年份": [2018, 2019], "1美元兑人民币（元）": [6.6234, -1.0]}), sheet=gp.EXCHANGE_SHEET)
    with pytest.raises(SourceFormatError, match=r"not a positive number at rows \[3\]"):
        gp.read_exchange_rate()
    gp.read_exchange_rate.cache_clear()


@pytest.fixture
def stata_file(tmp_path, monkeypatch):
    """Write a small Stata file and make the prefecture reader fetch it."""
    from cityclusters.data.sources import prefecture_fiscal

    def make(frame: pd.DataFrame) -> None:
        path = tmp_path / "prefecture.dta"
        frame.to_stata(path, write_index=False)
        monkeypatch.setattr(prefecture_fiscal, "fetch", lambda key: path)

    return make


def test_prefecture_reader_names_a_missing_variable(stata_file):
    from cityclusters.data.sources import prefecture_fiscal

    stata_file(pd.DataFrame({"year": [2015.0], "prefid": [510100.0], "budget_rev": [1.0], "gdp": [2.0]}))
    with pytest.raises(SourceFormatError, match=r"prefecture\.dta, variable list: missing column\(s\) \['revenue'\]"):
        prefecture_fiscal.read_prefecture()


def test_prefecture_reader_keys_rows_and_keeps_types(stata_file):
    import numpy as np

    from cityclusters.data.sources import prefecture_fiscal

    stata_file(pd.DataFrame({"year": [2015.0, np.nan], "prefid": [510100.0, 520100.0],
                             "revenue": [11576393.0, 1.0], "gdp": np.array([10801.163, 2.0], dtype="float32")}))
    frame = prefecture_fiscal.read_prefecture()
    assert frame["source_row"].tolist() == [1] and frame["prefid"].tolist() == [510100]
    assert frame.attrs["no_key_rows"] == 1 and frame["gdp"].dtype == np.float32


def test_prefecture_reader_refuses_text_in_a_number_column(stata_file):
    from cityclusters.data.sources import prefecture_fiscal

    stata_file(pd.DataFrame({"year": [2015.0], "prefid": [510100.0], "revenue": ["about 1"], "gdp": [2.0]}))
    with pytest.raises(SourceFormatError, match=r"column 'revenue' has non-numeric value 'about 1' at row 1"):
        prefecture_fiscal.read_prefecture()
