"""Readers for the indicators of the seven-subsystem index (chapters 2 and 7).

Each reader returns a tidy frame with the source's own codes or names, a ``source_row``
(spreadsheet row, header = 1) and values in the source's units; harmonising city codes and
computing ratios is done in :mod:`cityclusters.analysis.coordination`.

Files (registry keys in ``data/registry.tsv``):

- G-P compilation (biechouwo-coder/G-P, no licence stated; derived results only):
  city CO2 emissions (EDGAR v8.0, tonnes), city loans and deposits (万元, 2003–2023), city road
  area per capita (m², 中国城市建设统计年鉴, 2002–2023), provincial GDP (亿元, 2000–2023).
- techme (huhuaping/techme, MIT): provincial public-budget spending by function (亿元,
  2010–2023) and R&D intensity (%, 2011–2023), from the China Statistical Yearbook (on S&T).
- CSMAR CRE remote sensing (eileenCHEN-9/PhD_2022_2025; commercial): mean night-light
  radiance by city (VIIRS-like series, 2001–2020).
"""

from __future__ import annotations

import re

import pandas as pd

from cityclusters.data.fetch import fetch
from cityclusters.data.sources.reading import finish_panel, read_checked, to_number, whole_numbers
from cityclusters.errors import SourceFormatError

GP = "biechouwo-coder__G-P/原始数据"
CO2 = f"{GP}/地级市碳排放强度.xlsx"
FINANCE = f"{GP}/金融发展水平（2003-2023）236缺失.xlsx"
ROAD = f"{GP}/各省+地级市+县级市人均道路面积.xlsx"
ROAD_SHEET = "地级市+县级市"
PROVINCE_GDP = f"{GP}/！00-23年31个省份存贷款余额及金融发展水平.xlsx"
TECHME = "huhuaping__techme/data"
BUDGET = f"{TECHME}/PublicBudget.rda"
RD_INTENSITY = f"{TECHME}/RDIntense.rda"
NIGHT_LIGHT = ("eileenCHEN-9__PhD_2022_2025/data/raw_data/remote_sensing/NTL_VIIRS_like/"
               "Mean_of_light_by_year_by_class_by_city.csv")

#: Misspellings of province names in the techme tables (typed from scans).
PROVINCE_TYPOS = {"两藏": "西藏", "山两": "山西", "江两": "江西", "江四": "江西", "内蒙占": "内蒙古",
                  "浙汀": "浙江"}


def _finish(frame: pd.DataFrame, where: str, keys: list[str], numeric: list[str]) -> pd.DataFrame:
    return finish_panel(frame, where, keys, numeric)


def read_city_co2() -> pd.DataFrame:
    """City CO2 emissions (tonnes per year), EDGAR v8.0 as compiled by G-P; by city code."""
    columns = {"年份": "year", "城市代码": "code", "所属省份": "province_zh", "城市": "name_zh",
               "碳排放量_吨": "co2_t"}
    frame = read_checked(CO2, columns, sheet="Sheet1")
    return _finish(frame, f"{CO2}, sheet 'Sheet1'", ["year", "code"], ["co2_t"])


def read_city_finance() -> pd.DataFrame:
    """Year-end loans and deposits of financial institutions by city (万元), 2003–2023."""
    columns = {"年份": "year", "城市代码": "code", "省份": "province_zh", "城市": "name_zh",
               "年末金融机构各项贷款余额(万元)": "loans_wan", "年末金融机构存款余额(万元)": "deposits_wan"}
    frame = read_checked(FINANCE, columns, sheet="Sheet1")
    return _finish(frame, f"{FINANCE}, sheet 'Sheet1'", ["year", "code"], ["loans_wan", "deposits_wan"])


def read_city_road_area() -> pd.DataFrame:
    """Road area per capita (m² per person, 中国城市建设统计年鉴), prefecture- and county-level
    cities, 2002–2023: the reported value and the compiler's linear interpolation."""
    columns = {"年份": "year", "城市代码": "code", "省份": "province_zh", "城市": "name_zh",
               "人均道路面积（平方米）": "road_m2_pc", "人均道路面积（平方米）  线性插值": "road_m2_pc_filled"}
    frame = read_checked(ROAD, columns, sheet=ROAD_SHEET)
    return _finish(frame, f"{ROAD}, sheet '{ROAD_SHEET}'", ["year", "code"],
                   ["road_m2_pc", "road_m2_pc_filled"])


def read_province_gdp() -> pd.DataFrame:
    """Provincial GDP (亿元), 2000–2023, short province names (e.g. 四川)."""
    columns = {"year": "year", "省份": "province", "GDP/亿元": "gdp"}
    frame = read_checked(PROVINCE_GDP, columns, sheet="Sheet1")
    frame = _finish(frame, f"{PROVINCE_GDP}, sheet 'Sheet1'", ["year", "province"], ["gdp"])
    frame["province"] = frame["province"].astype(str).str.strip()
    return frame


def normalise_province(name: str) -> str:
    """A techme province name cleaned: spaces removed, known misspellings corrected."""
    cleaned = re.sub(r"\s+", "", str(name))
    return PROVINCE_TYPOS.get(cleaned, cleaned)


def read_techme(key: str) -> pd.DataFrame:
    """A techme table (long format): province (cleaned), year, chn_block4, value, units, variables.

    Rows for 全国 (the national total) are kept; duplicated (province, year, variable) rows
    after cleaning the names are an error naming the table and rows.
    """
    import pyreadr

    path = fetch(key)
    try:
        result = pyreadr.read_r(str(path))
    except Exception as exc:  # pragma: no cover - corrupted file
        raise SourceFormatError(f"{key}: cannot be read ({type(exc).__name__}: {exc}).") from exc
    if len(result) != 1:
        raise SourceFormatError(f"{key}: expected one data frame, found {list(result)}")
    frame = next(iter(result.values())).copy()
    expected = ["province", "year", "chn_block4", "value", "units", "variables"]
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{key}: missing column(s) {missing}; found {list(frame.columns)}")
    frame.insert(0, "source_row", frame.index + 1)
    frame["province"] = frame["province"].map(normalise_province)
    frame = to_number(frame, ["year", "value"], key)
    frame = whole_numbers(frame, "year", key, "a year")
    dup = frame.duplicated(["province", "year", "variables"], keep=False)
    if dup.any():
        raise SourceFormatError(f"{key}: two rows for the same province, year and variable after "
                                f"cleaning names, rows {frame.loc[dup, 'source_row'].tolist()[:10]}")
    return frame.reset_index(drop=True)


def read_night_light() -> pd.DataFrame:
    """Mean night-light radiance of each city's whole area (``total_meanlight``), 2001–2020."""
    columns = {"year": "year", "city_id": "code", "province": "province_zh", "city": "name_zh",
               "total_meanlight": "night_light"}
    frame = read_checked(NIGHT_LIGHT, columns)
    return _finish(frame, NIGHT_LIGHT, ["year", "code"], ["night_light"])
