"""The G-P source (biechouwo-coder/G-P): city GDP, sectors, population, GDP deflators, utilised
FDI and the yuan/US-dollar exchange rate.

No licence is stated and some sheets are resold compilations: the book analyses these files
and publishes derived results only. Stated original sources: provincial and city statistical
yearbooks and statistical bulletins (产业结构 sheet 数据来源); 中国城市统计年鉴 for population.
"""

from __future__ import annotations


import pandas as pd

from cityclusters.data.provenance import remembered
from cityclusters.data.sources.reading import (
    drop_footer_rows,
    finish_panel,
    read_checked,
    to_number,
    whole_numbers,
)
from cityclusters.errors import SourceFormatError

SOURCE = "biechouwo-coder__G-P/原始数据"
STRUCTURE = f"{SOURCE}/2000-2023地级市产业结构 .xlsx"
STRUCTURE_SHEET = "面板数据2000-2023"
POPULATION = f"{SOURCE}/298个地级市人口密度1998-2024年无缺失.xlsx"
POPULATION_SHEET = "面板数据"
REAL_GDP = f"{SOURCE}/296个地级市GDP相关数据（以2000年为基期）.xlsx"
REAL_GDP_SHEET = "Sheet1"
FDI = f"{SOURCE}/1996-2023年地级市外商直接投资FDI.xlsx"
FDI_SHEET = "Sheet1"
FDI_UNIT = "百万美元"
EXCHANGE = f"{SOURCE}/汇率.xlsx"
EXCHANGE_SHEET = "Sheet1"


def _finish(frame: pd.DataFrame, where: str, keys: list[str], numeric: list[str]) -> pd.DataFrame:
    return finish_panel(frame, where, keys, numeric, strip=("name_zh", "province_zh"))


def read_structure() -> pd.DataFrame:
    """GDP and value added of the three sectors, 亿元 (1e8 yuan), and sector shares (0–1)."""
    where = f"{STRUCTURE}, sheet '{STRUCTURE_SHEET}'"
    columns = {
        "年度标识": "year",
        "城市名称": "name_zh",
        "城市代码": "code",
        "城市类别": "city_type_zh",
        "省份名称": "province_zh",
        "gdp（亿元人民币）": "gdp",
        "第一产业增加值（亿元人民币）": "va_primary",
        "第二产业增加值": "va_secondary",
        "第三产业增加值": "va_tertiary",
        "第一产业占GDP比重": "share_primary",
        "第二产业占GDP比重": "share_secondary",
        "第三产业占GDP比重": "share_tertiary",
    }
    frame = read_checked(STRUCTURE, columns, sheet=STRUCTURE_SHEET)
    numeric = ["gdp", "va_primary", "va_secondary", "va_tertiary",
               "share_primary", "share_secondary", "share_tertiary"]
    return _finish(frame, where, ["year", "name_zh", "code", "province_zh"], numeric)


def read_population() -> pd.DataFrame:
    """Resident population (常住人口, 万人): the source's value and its interpolated series."""
    where = f"{POPULATION}, sheet '{POPULATION_SHEET}'"
    columns = {
        "年份": "year",
        "省份": "province_zh",
        "城市": "name_zh",
        "城市代码": "code",
        "行政区域土地面积(平方公里)": "land_area_km2",
        "常住人口（万人）": "population_reported",
        "插值_常住人口（万人）": "population_filled",
    }
    frame = read_checked(POPULATION, columns, sheet=POPULATION_SHEET)
    numeric = ["land_area_km2", "population_reported", "population_filled"]
    return _finish(frame, where, ["year", "name_zh", "code", "province_zh"], numeric)


def read_real_gdp() -> pd.DataFrame:
    """Nominal GDP (亿元), GDP index (previous year = 100), real GDP and deflator (2000 = 1).

    This file has no city codes; cities are identified by province and name.
    """
    where = f"{REAL_GDP}, sheet '{REAL_GDP_SHEET}'"
    columns = {
        "省份": "province_zh",
        "城市": "name_zh",
        "年份": "year",
        "名义GDP": "gdp_nominal",
        "GDP指数": "gdp_index",
        "实际GDP": "gdp_real_source",
        "GDP平减指数": "gdp_deflator",
    }
    frame = read_checked(REAL_GDP, columns, sheet=REAL_GDP_SHEET)
    numeric = ["gdp_nominal", "gdp_index", "gdp_real_source", "gdp_deflator"]
    return _finish(frame, where, ["year", "name_zh", "province_zh"], numeric)


def read_fdi() -> pd.DataFrame:
    """Utilised FDI by city and year, million US dollars (百万美元), 1996–2023.

    The file has no city codes: cities are named by their short Chinese name (``name_short_zh``,
    e.g. 成都; the stray zero-width spaces of some names, e.g. '哈密\u200b\u200b', removed), and
    one row per year is the national total (中国). Columns ``source_row, year, name_short_zh,
    fdi_musd, unit``. Raises :class:`SourceFormatError` naming the file and column if the unit
    column is not 百万美元 throughout, and the row and column of a non-numeric FDI cell.
    """
    where = f"{FDI}, sheet '{FDI_SHEET}'"
    columns = {"year": "year", "地级市": "name_short_zh", "外商直接投资": "fdi_musd", "单位": "unit"}
    frame = read_checked(FDI, columns, sheet=FDI_SHEET)
    frame = drop_footer_rows(frame, ["year", "name_short_zh"], where)
    units = set(frame["unit"].dropna().unique())
    if units != {FDI_UNIT}:
        raise SourceFormatError(f"{where}: column '单位' should be {FDI_UNIT} throughout; "
                                f"found {sorted(units)}")
    frame = to_number(frame, ["year", "fdi_musd"], where)
    frame = whole_numbers(frame, "year", where, "a year")
    frame["name_short_zh"] = (frame["name_short_zh"].astype(str)
                              .str.replace("\u200b", "", regex=False).str.strip())
    return frame.reset_index(drop=True)


@remembered
def read_exchange_rate() -> pd.Series:
    """Yuan per US dollar (annual average) by year, 2007–2023, G-P exchange-rate file.

    Rows without a year are left out; a rate that is not a positive number is an error naming
    the file, column and rows."""
    columns = {"年份": "year", "1美元兑人民币（元）": "rate"}
    frame = read_checked(EXCHANGE, columns, sheet=EXCHANGE_SHEET)
    frame = frame.dropna(subset=["year"])
    bad = frame[~(pd.to_numeric(frame["rate"], errors="coerce") > 0)]
    if len(bad):
        raise SourceFormatError(f"{EXCHANGE}, sheet '{EXCHANGE_SHEET}': column '1美元兑人民币（元）' "
                                f"not a positive number at rows {bad['source_row'].tolist()}")
    return pd.Series(frame["rate"].astype(float).to_numpy(), index=frame["year"].astype(int), name="rate")
