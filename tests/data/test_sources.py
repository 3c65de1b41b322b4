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
