"""Every kind of bad input, in one place: each ends in a clear error and no figure.

The issue asks for a suite of malformed inputs — truncated or corrupted file, wrong hash,
missing sheet or column, renamed column, duplicate city-year, unit off by 10⁴, zero or
negative values where logarithms are taken, a NaN block for a cluster, an unknown city name,
a year outside the range, wrong parameter types, an empty cluster and an unknown cluster id —
where each case names the file (or table), the row (row number or key) and the column (or
parameter), and none produces a figure.

How the cases are built
-----------------------
* Source files go through the real data step: the fixture :func:`source` serves files from a
  temporary mirror and cache, with a copy of the committed registry in which a malformed file
  is either *not* re-registered (so the SHA-256 check refuses it) or re-registered with its
  own hash (so the reader sees it, as after a careless registry update). Nothing under
  ``../shared/data`` or ``data/raw`` is touched; the processed-table store is switched off.
* The G-P files are written in miniature: their real sheet names and headers, with the real
  values of four cities (成都 and 绵阳 of 成渝, 贵阳 and 遵义 of 黔中) for 2017–2019, plus
  the two city-years that ``data/facts/source_errata.csv`` corrects. A control test builds the
  city–year table from the good miniature, so every failure below is due to the defect.
* Truncated and corrupted files are cut from copies of the real mirror files.
* Cases that match cities through the crosswalk need the mirror (``requires_mirror``); the
  chapter run through papermill is also ``slow``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cityclusters import checks
from cityclusters.config import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR
from cityclusters.data import facts as facts_module
from cityclusters.data import quality, tables
from cityclusters.data.fetch import fetch
from cityclusters.data.registry import load_registry
from cityclusters.data.schemas import validate
from cityclusters.data.sources import census, crosswalk, csmar, gp
from cityclusters.errors import (
    DataFetchError,
    MethodInputError,
    SourceFormatError,
    TableValidationError,
)
from cityclusters.indicators import convergence, growth, inequality
from cityclusters.paths import mirror_dir
from tests.conftest import requires_mirror
from tests.data.test_schemas import city_year_fixture

CROSSWALK_FILES = (crosswalk.ENTITIES, crosswalk.NAMES, crosswalk.ALIASES)


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def no_figure():
    """Close every figure before the test and check, after it, that none was opened."""
    plt.close("all")
    yield
    opened = plt.get_fignums()
    plt.close("all")
    assert opened == [], f"a bad input produced figure(s) {opened}"


def _clear_table_caches() -> None:
    for function in (crosswalk.entities, crosswalk.name_spans, census.read_census,
                     tables._harmonised_structure, tables._city_year_cached,
                     tables._clusters_cached, tables._cities_cached):
        function.cache_clear()


def _real_mirror():
    try:
        return mirror_dir()
    except FileNotFoundError:
        return None


class Source:
    """A temporary mirror + cache + registry through which the real readers fetch files."""

    def __init__(self, root, real_mirror, registry):
        self.mirror = root / "mirror"
        self.cache = root / "cache"
        self.mirror.mkdir(parents=True)
        self.real_mirror = real_mirror
        self.registry = registry

    def real_bytes(self, key: str) -> bytes:
        if self.real_mirror is None:
            pytest.skip("needs the data mirror ../shared/data")
        return (self.real_mirror / key).read_bytes()

    def install(self, key: str, data: bytes, register: bool = True) -> None:
        """Put ``data`` in the mirror as file ``key``; with ``register`` the registry is
        updated to its SHA-256 (the reader sees it), otherwise the committed hash stays."""
        path = self.mirror / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if register:
            self.registry.loc[key, "sha256"] = hashlib.sha256(data).hexdigest()
            self.registry.loc[key, "bytes"] = len(data)

    def genuine(self, *keys: str) -> None:
        """Copy real files unchanged (e.g. the crosswalk) into the temporary mirror."""
        for key in keys:
            self.install(key, self.real_bytes(key), register=False)

    def expected_sha(self, key: str) -> str:
        return self.registry.loc[key, "sha256"]


@pytest.fixture
def source(tmp_path, monkeypatch):
    """Serve raw files from a temporary mirror, verified against a copy of the registry.

    Table caches are cleared before and after, the processed-table store is off, so neither
    the malformed files nor the tables built from them outlive the test.
    """
    real = _real_mirror()
    registry = load_registry().copy()
    src = Source(tmp_path, real, registry)
    monkeypatch.setenv("CITYCLUSTERS_MIRROR", str(src.mirror))
    monkeypatch.setenv("CITYCLUSTERS_CACHE", str(src.cache))
    monkeypatch.setenv("CITYCLUSTERS_NO_CACHE", "1")
    monkeypatch.setenv("CITYCLUSTERS_PROCESSED", str(tmp_path / "processed"))
    monkeypatch.setattr("cityclusters.data.fetch.load_registry", lambda path=None: registry)
    _clear_table_caches()
    yield src
    _clear_table_caches()


# ---------------------------------------------------------------------------------------------
# the G-P files in miniature (real sheet names, headers and values)
# ---------------------------------------------------------------------------------------------

#: name, province, source code, city type, land area (km²), then per year: GDP, value added of
#: the three sectors (亿元), resident population (万人), GDP deflator (2000 = 1), GDP index.
#: Values as in the G-P files (rounded to 2 decimals).
MINI_CITIES = [
    ("成都市", "四川省", 510100, "副省级市", 14335.0, {
        2017: (13889.39, 500.87, 5998.19, 7390.33, 1918.80, 1.779281, 108.1),
        2018: (15342.77, 522.59, 6516.19, 8303.99, 1981.30, 1.856501, 108.0),
        2019: (17012.65, 612.18, 5244.62, 11155.85, 2040.90, 1.866076, 107.8)}),
    ("绵阳市", "四川省", 510700, "地级市", 20248.0, {
        2017: (2074.75, 291.66, 838.76, 944.33, 479.20, 1.481099, 109.1),
        2018: (2303.82, 301.27, 929.40, 1073.15, 481.90, 1.534843, 109.0),
        2019: (2856.20, 302.45, 1151.34, 1402.41, 484.90, 1.559571, 108.1)}),
    ("贵阳市", "贵州省", 520100, "地级市", 8043.0, {
        2017: (3537.96, 147.33, 1375.18, 2015.45, 574.91, 1.775789, 110.3),
        2018: (3798.45, 153.10, 1413.67, 2231.68, 583.24, 1.853925, 108.8),
        2019: (4039.60, 161.34, 1495.41, 2382.85, 594.62, 1.871990, 107.4)}),
    ("遵义市", "贵州省", 520300, "地级市", 30762.0, {
        2017: (2748.59, 402.34, 1241.05, 1105.20, 654.08, 2.254751, 111.6),
        2018: (3000.23, 411.36, 1374.16, 1214.71, 656.47, 2.316031, 109.7),
        2019: (3483.32, 431.87, 1592.79, 1458.66, 659.74, 2.320360, 109.7)}),
]
#: The two city-years of data/facts/source_errata.csv, with the GDP the erratum expects
#: (sector values typed so that they add up to it).
MINI_ERRATA_ROWS = [
    ("鄂尔多斯市", "内蒙古自治区", 150600, "地级市", 2022, (23158.65, 2663.24, 12000.0, 8495.41)),
    ("淮南市", "安徽省", 340400, "地级市", 2022, (295.40, 30.0, 210.0, 55.40)),
]


def mini_structure() -> pd.DataFrame:
    rows = []
    for name, province, code, kind, _, years in MINI_CITIES:
        for year, (gdp, va1, va2, va3, *_) in years.items():
            rows.append((year, name, code, kind, province, gdp, va1, va2, va3))
    for name, province, code, kind, year, (gdp, va1, va2, va3) in MINI_ERRATA_ROWS:
        rows.append((year, name, code, kind, province, gdp, va1, va2, va3))
    frame = pd.DataFrame(rows, columns=["年度标识", "城市名称", "城市代码", "城市类别", "省份名称",
                                        "gdp（亿元人民币）", "第一产业增加值（亿元人民币）",
                                        "第二产业增加值", "第三产业增加值"])
    for k, column in enumerate(["第一产业占GDP比重", "第二产业占GDP比重", "第三产业占GDP比重"]):
        frame[column] = frame[["第一产业增加值（亿元人民币）", "第二产业增加值", "第三产业增加值"][k]] \
            / frame["gdp（亿元人民币）"]
    frame["产业结构"] = frame["第三产业占GDP比重"] / frame["第二产业占GDP比重"]
    return frame


def mini_population() -> pd.DataFrame:
    rows = []
    for name, province, code, _, land, years in MINI_CITIES:
        for year, (*_, pop, _deflator, _index) in years.items():
            rows.append((year, province, name, code // 10000 * 10000, code, land, pop, pop,
                         pop * 1e4 / land))
    return pd.DataFrame(rows, columns=["年份", "省份", "城市", "省份代码", "城市代码",
                                       "行政区域土地面积(平方公里)", "常住人口（万人）",
                                       "插值_常住人口（万人）", "人口密度（人/平方公里）"])


def mini_real_gdp() -> pd.DataFrame:
    rows = []
    for name, province, _, _, _, years in MINI_CITIES:
        for year, (gdp, *_, deflator, index) in years.items():
            rows.append((province, name, year, gdp, index, gdp / deflator, deflator))
    return pd.DataFrame(rows, columns=["省份", "城市", "年份", "名义GDP", "GDP指数", "实际GDP",
                                       "GDP平减指数"])


#: The sheets of each G-P workbook (the data sheet first), as in the real files.
SHEETS = {
    gp.STRUCTURE: [gp.STRUCTURE_SHEET, "数据来源", "2023"],
    gp.POPULATION: [gp.POPULATION_SHEET, "数据说明"],
    gp.REAL_GDP: [gp.REAL_GDP_SHEET, "计算过程-以上海市为例"],
}
BUILDERS = {gp.STRUCTURE: mini_structure, gp.POPULATION: mini_population,
            gp.REAL_GDP: mini_real_gdp}


def workbook(frame: pd.DataFrame, sheets: list[str]) -> bytes:
    """An .xlsx with ``frame`` on the first sheet and a one-cell note on the others."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=sheets[0], index=False)
        for sheet in sheets[1:]:
            pd.DataFrame({"说明": ["miniature of the G-P workbook for tests"]}).to_excel(
                writer, sheet_name=sheet, index=False)
    return buffer.getvalue()


def install_gp(src: Source, **changed) -> None:
    """Install the three G-P workbooks in miniature (``changed``: key → frame or (frame,
    sheets)) and the real crosswalk, so that :func:`tables._build_city_year` can run."""
    overrides = {gp.STRUCTURE: changed.get("structure"), gp.POPULATION: changed.get("population"),
                 gp.REAL_GDP: changed.get("real_gdp")}
    for key, override in overrides.items():
        frame, sheets = BUILDERS[key](), SHEETS[key]
        if isinstance(override, tuple):
            frame, sheets = override
        elif override is not None:
            frame = override
        src.install(key, workbook(frame, sheets))
    src.genuine(*CROSSWALK_FILES)


CSMAR_HEADER = ["Sgnyea", "Ctnm_en", "Ctnm_id", "Cttyp_en", "Prvcnm_id", "Prvcnm_en", "Gdpct01",
                "Gdpct02", "Gdpct03", "Gdpct04", "GDP_PerCapita", "GDPYoY", "GDP_PrimInd",
                "GDP_SecInd", "GDP_TerInd"]


def csmar_csv(rows: list[list[str]], header=CSMAR_HEADER) -> bytes:
    """A CSMAR export in miniature: UTF-8 with BOM, every field quoted, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def mini_csmar_rows() -> list[list[str]]:
    rows = []
    for name_en, code, province, values in [
        ("Chengdu(city)", "510100", "510000", {2018: "15342.7700", 2019: "17012.6500"}),
        ("Guiyang(city)", "520100", "520000", {2018: "3798.4500", 2019: "4039.6000"}),
    ]:
        for year, gdp in values.items():
            rows.append([str(year), name_en, code, "City", province, "Province", gdp, "3.40",
                         "42.50", "54.10", "77440.0000", "", "", "", ""])
    return rows


# ---------------------------------------------------------------------------------------------
# a small analysis panel (for the indicators): two clusters, four cities, 2017–2019
# ---------------------------------------------------------------------------------------------

def analysis_panel() -> pd.DataFrame:
    rows = []
    for name, _, code, _, _, years in MINI_CITIES:
        cluster = "chengyu" if code < 520000 else "qianzhong"
        for year, (gdp, _, _, _, pop, deflator, index) in years.items():
            rows.append({"cluster_id": cluster, "city_code": code, "name_zh": name, "year": year,
                         "gdp": gdp, "population": pop, "gdp_index": index,
                         "gdp_per_capita": gdp / pop * 1e4,
                         "real_gdp_per_capita": gdp / deflator / pop * 1e4})
    return pd.DataFrame(rows)


def mini_members() -> pd.DataFrame:
    return pd.DataFrame({"cluster_id": ["chengyu", "chengyu", "qianzhong", "qianzhong"],
                         "city_code": [510100, 510700, 520100, 520300],
                         "partial": [False, False, False, False]})


# =============================================================================================
# control: the miniature is good, so each failure below comes from its defect
# =============================================================================================

@requires_mirror
def test_the_good_miniature_builds_a_valid_city_year_table(source):
    install_gp(source)
    panel = tables._build_city_year()
    assert len(panel) == 4 * 3 + 2
    assert set(panel["city_code"]) == {510100, 510700, 520100, 520300, 150600, 340400}
    assert panel.loc[panel["erratum"], "gdp"].isna().all()


# =============================================================================================
# 1. truncated file   2. corrupted bytes / wrong hash
# =============================================================================================

def _cut_at_field_boundary(data: bytes) -> bytes:
    """Cut ``data`` (an all-quoted CSV) in its middle row, just after a closing quote: every
    field read is complete, so only the number of fields shows that the row is cut short."""
    start = data.index(b"\n", len(data) // 2) + 1
    line = data[start:data.index(b"\n", start)]
    return data[:start + len(b",".join(line.split(b",")[:7]))]


def _cut_in_half(data: bytes) -> bytes:
    return data[:len(data) // 2]


TRUNCATED = [
    pytest.param(gp.STRUCTURE, gp.read_structure, _cut_in_half, id="xlsx cut in half"),
    pytest.param(csmar.GDP, csmar.read_csmar_gdp, _cut_in_half, id="csv cut in half"),
    pytest.param(csmar.GDP, csmar.read_csmar_gdp, _cut_at_field_boundary,
                 id="csv cut after a field"),
]


@requires_mirror
@pytest.mark.parametrize("key, reader, cut", TRUNCATED)
def test_truncated_file_is_refused_by_its_hash(source, key, reader, cut):
    data = cut(source.real_bytes(key))
    source.install(key, data, register=False)
    with pytest.raises(DataFetchError) as info:
        reader()
    message = str(info.value)
    assert f"'{key}'" in message and "SHA-256 mismatch" in message
    assert source.expected_sha(key) in message, "names the expected hash"
    assert hashlib.sha256(data).hexdigest() in message, "names the actual hash"
    assert not (source.cache / key).exists(), "a refused file never enters the cache"


@requires_mirror
@pytest.mark.parametrize("key, reader, cut", TRUNCATED)
def test_truncated_file_is_refused_by_the_reader(source, key, reader, cut):
    """Even when a truncated copy has been registered with its own hash, the reader refuses
    it, naming the file (and, for a CSV, the row where it breaks off)."""
    source.install(key, cut(source.real_bytes(key)))
    with pytest.raises(SourceFormatError) as info:
        reader()
    message = str(info.value)
    assert message.startswith(key)
    if key.endswith(".xlsx"):
        assert f"sheet '{gp.STRUCTURE_SHEET}'" in message and "cannot be read" in message
    else:
        assert re.search(r"row \d+", message), message


def test_corrupted_byte_in_the_mirror_copy(fake_mirror):
    key = "owner__repo/data/a.csv"
    data = bytearray(fake_mirror["files"][key])
    data[5] ^= 0xFF  # one flipped bit pattern
    (fake_mirror["mirror"] / key).write_bytes(bytes(data))
    with pytest.raises(DataFetchError) as info:
        fetch(key, fake_mirror["registry"])
    message = str(info.value)
    assert f"'{key}'" in message
    assert f"expected {fake_mirror['registry'].loc[key, 'sha256']}" in message
    assert f"got {hashlib.sha256(bytes(data)).hexdigest()}" in message
    assert "Nothing was cached" in message and not (fake_mirror["cache"] / key).exists()


def test_wrong_hash_in_the_registry(fake_mirror):
    key = "owner__repo/data/sub dir/b.txt"
    registry = fake_mirror["registry"].copy()
    registry.loc[key, "sha256"] = "0" * 64  # the registry expects another version
    with pytest.raises(DataFetchError) as info:
        fetch(key, registry)
    message = str(info.value)
    assert f"'{key}'" in message and f"expected {'0' * 64}" in message
    assert f"got {hashlib.sha256(fake_mirror['files'][key]).hexdigest()}" in message


@requires_mirror
def test_corrupted_real_file_is_refused_before_reading(source):
    key = gp.STRUCTURE
    data = bytearray(source.real_bytes(key))
    data[len(data) // 3] ^= 0x01
    source.install(key, bytes(data), register=False)
    with pytest.raises(DataFetchError, match="SHA-256 mismatch") as info:
        gp.read_structure()
    assert key in str(info.value) and source.expected_sha(key) in str(info.value)


# =============================================================================================
# 3. missing sheet   4. missing column   5. renamed column
# =============================================================================================

def test_missing_sheet_is_named(source):
    frame = mini_structure()
    source.install(gp.STRUCTURE, workbook(frame, ["Sheet1", "数据来源"]))
    with pytest.raises(SourceFormatError) as info:
        gp.read_structure()
    message = str(info.value)
    assert message.startswith(f"{gp.STRUCTURE}, sheet '{gp.STRUCTURE_SHEET}'")
    assert "not found" in message


def _without(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.drop(columns=column)


def _renamed(frame: pd.DataFrame, old: str, new: str) -> pd.DataFrame:
    return frame.rename(columns={old: new})


@pytest.mark.parametrize("key, reader, frame, expected, found", [
    pytest.param(gp.STRUCTURE, gp.read_structure, lambda: _without(mini_structure(), "第三产业增加值"),
                 "第三产业增加值", None, id="column dropped"),
    pytest.param(gp.STRUCTURE, gp.read_structure,
                 lambda: _renamed(mini_structure(), "gdp（亿元人民币）", "GDP（亿元人民币）"),
                 "gdp（亿元人民币）", "GDP（亿元人民币）", id="header typo (case)"),
    pytest.param(gp.POPULATION, gp.read_population,
                 lambda: _renamed(mini_population(), "常住人口（万人）", "常住人口(万人)"),
                 "常住人口（万人）", "常住人口(万人)", id="header typo (half-width brackets)"),
])
def test_missing_or_renamed_column_in_a_workbook(source, key, reader, frame, expected, found):
    source.install(key, workbook(frame(), SHEETS[key]))
    with pytest.raises(SourceFormatError) as info:
        reader()
    message = str(info.value)
    assert message.startswith(f"{key}, sheet '{SHEETS[key][0]}'")
    assert "header" in message, "says the problem is in the header row"
    assert f"missing column(s) ['{expected}']" in message
    if found:
        assert f"'{found}'" in message.split("found", 1)[1], "lists the columns found"


def test_renamed_column_in_a_csv(source):
    header = [("Gdpct1" if c == "Gdpct01" else c) for c in CSMAR_HEADER]
    source.install(csmar.GDP, csmar_csv(mini_csmar_rows(), header))
    with pytest.raises(SourceFormatError) as info:
        csmar.read_csmar_gdp()
    message = str(info.value)
    assert message.startswith(csmar.GDP) and "missing column(s) ['Gdpct01']" in message
    assert "'Gdpct1'" in message.split("found", 1)[1]


# =============================================================================================
# 6. duplicate city-year
# =============================================================================================

def _duplicated(frame: pd.DataFrame, name_column: str, name: str, year_column: str,
                year: int) -> pd.DataFrame:
    hit = frame[(frame[name_column] == name) & (frame[year_column] == year)]
    return pd.concat([frame, hit], ignore_index=True)


@requires_mirror
@pytest.mark.parametrize("which, key, name, code, year", [
    pytest.param("structure", gp.STRUCTURE, "成都市", 510100, 2019, id="industry structure"),
    pytest.param("population", gp.POPULATION, "贵阳市", 520100, 2018, id="population"),
    pytest.param("real_gdp", gp.REAL_GDP, "遵义市", 520300, 2017, id="GDP deflators"),
])
def test_duplicate_city_year_in_a_source_file(source, which, key, name, code, year):
    frame = BUILDERS[key]()
    name_column = {"structure": "城市名称"}.get(which, "城市")
    year_column = {"structure": "年度标识", "population": "年份"}.get(which, "年份")
    install_gp(source, **{which: _duplicated(frame, name_column, name, year_column, year)})
    rows = [k + 2 for k in frame.index[(frame[name_column] == name) & (frame[year_column] == year)]]
    rows.append(len(frame) + 2)  # the appended copy
    with pytest.raises(SourceFormatError) as info:
        tables._build_city_year()
    message = str(info.value)
    assert message.startswith(key)
    assert name in message and str(code) in message and str(year) in message
    assert f"rows {rows}" in message


@requires_mirror
def test_duplicate_city_year_in_csmar(source):
    install_gp(source)
    rows = mini_csmar_rows()
    source.install(csmar.GDP, csmar_csv(rows + [rows[1]]))  # Chengdu 2019 twice
    with pytest.raises(SourceFormatError) as info:
        tables.csmar_city_gdp()
    message = str(info.value)
    assert message.startswith(csmar.GDP)
    assert "510100" in message and "2019" in message and "rows [3, 6]" in message


def test_duplicate_city_year_after_matching_codes():
    """Two source rows that fall on one city after code matching (an old and a new code of
    the same city, e.g. a renamed prefecture) are named with the city, year and rows."""
    from cityclusters.data.sources import reading as _io

    frame = pd.DataFrame({"source_row": [2, 3, 4], "year": [2019, 2019, 2019],
                          "code": [522400, 520500, 520100],
                          "name_zh": ["毕节地区", "毕节市", "贵阳市"]})
    codes = pd.Series([520500, 520500, 520100])
    with pytest.raises(SourceFormatError) as info:
        _io.assign_city_codes(frame, codes, "fixture/fdi.xlsx, sheet 'Sheet1'", ["code"])
    message = str(info.value)
    assert message.startswith("fixture/fdi.xlsx, sheet 'Sheet1'")
    assert "毕节地区 (city_code 520500), year 2019: rows [2, 3]" in message


def test_duplicate_city_year_in_the_city_year_table():
    frame = city_year_fixture()
    frame.loc[1, "year"] = 2018  # Chengdu 2018 twice
    with pytest.raises(TableValidationError) as info:
        validate(frame, "city_year")
    message = str(info.value)
    assert "table 'city_year'" in message and "city_code=510100, year=2018" in message
    assert "rows [0, 1]" in message or "[0, 1]" in message


# =============================================================================================
# 7. unit off by 10⁴
# =============================================================================================

def _times(frame: pd.DataFrame, columns: list[str], factor: float, rows=None) -> pd.DataFrame:
    frame = frame.copy()
    rows = frame.index if rows is None else rows(frame)
    frame.loc[rows, columns] = frame.loc[rows, columns] * factor
    return frame


GDP_COLUMNS = ["gdp（亿元人民币）", "第一产业增加值（亿元人民币）", "第二产业增加值", "第三产业增加值"]


def _not_errata(frame: pd.DataFrame):
    return frame.index[frame["年度标识"] < 2020]


@requires_mirror
@pytest.mark.parametrize("which, columns, rows, checked", [
    pytest.param("structure", GDP_COLUMNS, _not_errata, "gdp", id="GDP in 万元 instead of 亿元"),
    pytest.param("population", ["常住人口（万人）", "插值_常住人口（万人）"], None, "population",
                 id="population in persons instead of 万人"),
])
def test_unit_off_by_ten_thousand(source, which, columns, rows, checked):
    """The schema's plausibility ranges (schemas.CITY_YEAR) name table, column and rows."""
    frame = BUILDERS[{"structure": gp.STRUCTURE, "population": gp.POPULATION}[which]]()
    install_gp(source, **{which: _times(frame, columns, 1e4, rows)})
    with pytest.raises(TableValidationError) as info:
        tables._build_city_year()
    error = info.value
    message = str(error)
    assert error.table == "city_year" and "table 'city_year'" in message
    assert f"column '{checked}', check in_range" in message
    assert "city_code=510100, year=2017" in message
    failing = error.failures.set_index("column").loc[checked]
    assert failing["n_rows"] == 12, "every city-year of the four cities is out of range"


@requires_mirror
def test_whole_gdp_column_off_by_ten_thousand_is_caught_by_the_errata_check(source):
    """With every GDP cell in 万元, the cited errata no longer match their source value:
    the first check to notice names the erratum's city, year and expected GDP."""
    install_gp(source, structure=_times(mini_structure(), GDP_COLUMNS, 1e4))
    with pytest.raises(SourceFormatError) as info:
        tables._build_city_year()
    message = str(info.value)
    assert message.startswith("data/facts/source_errata.csv: 鄂尔多斯市 2022 no longer matches")
    assert "gdp 23158.65" in message


# =============================================================================================
# 8. zero or negative values where logarithms are taken
# =============================================================================================

def _set(panel: pd.DataFrame, code: int, year: int, column: str, value: float) -> pd.DataFrame:
    panel = panel.copy()
    panel.loc[(panel["city_code"] == code) & (panel["year"] == year), column] = value
    return panel


LOG_CASES = [
    pytest.param(lambda p: inequality.inequality_by_year(p, "gdp_per_capita", "population",
                                                         group="cluster_id"),
                 "gdp_per_capita", 0.0, r"panel\['gdp_per_capita'\]: zero or negative value\(s\) "
                 r"at \(520100, 2018\)", id="Theil by year, zero GDP per head"),
    pytest.param(lambda p: inequality.inequality_by_year(p, "gdp_per_capita", "population"),
                 "population", -594.62, r"panel\['population'\]: zero or negative value\(s\) at "
                 r"\(520100, 2018\)", id="Theil weights, negative population"),
    pytest.param(lambda p: inequality.theil(p.set_index("name_zh").query("year == 2018")
                                            ["gdp_per_capita"]),
                 "gdp_per_capita", 0.0, r"values: zero or negative value\(s\) at '贵阳市'",
                 id="Theil of one year"),
    pytest.param(lambda p: convergence.sigma_convergence(p, "real_gdp_per_capita"),
                 "real_gdp_per_capita", -1.0, r"panel\['real_gdp_per_capita'\]: zero or negative "
                 r"value\(s\) at \(520100, 2018\)", id="sigma convergence"),
    pytest.param(lambda p: convergence.beta_convergence(p, "real_gdp_per_capita", 2017, 2019),
                 "real_gdp_per_capita", 0.0, r"panel\['real_gdp_per_capita'\]: zero or negative "
                 r"value\(s\) at \(520100, 2018\)", id="beta convergence"),
    pytest.param(lambda p: growth.per_capita_growth(p),
                 "population", 0.0, r"column 'population' must be positive for a logarithm; "
                 r"city_code 520100 \(贵阳市\), year 2018", id="growth per head"),
    pytest.param(lambda p: growth.official_real_growth(p),
                 "gdp_index", -108.8, r"column 'gdp_index' must be positive for a logarithm; "
                 r"city_code 520100 \(贵阳市\), year 2018", id="real growth from the index"),
]


@pytest.mark.parametrize("call, column, value, message", LOG_CASES)
def test_zero_or_negative_where_logs_are_taken(call, column, value, message):
    panel = _set(analysis_panel(), 520100, 2018, column, value)
    with pytest.raises(MethodInputError, match=message):
        call(panel)


def test_the_analysis_panel_itself_is_good():
    panel = analysis_panel()
    assert len(inequality.inequality_by_year(panel, "gdp_per_capita", "population",
                                             group="cluster_id")) == 3
    assert len(convergence.sigma_convergence(panel, "real_gdp_per_capita")) == 3


# =============================================================================================
# 9. a NaN block for a whole cluster
# =============================================================================================

QIANZHONG = {"贵阳市", "遵义市"}


@requires_mirror
def test_nan_block_in_the_source_is_refused_by_the_schema(source):
    """GDP cells left empty for every city of 黔中 (2017–2019): the table refuses missing GDP
    that no cited erratum explains, naming each city-year."""
    frame = mini_structure()
    block = frame["城市名称"].isin(QIANZHONG)
    frame.loc[block, ["gdp（亿元人民币）", "第一产业增加值（亿元人民币）", "第二产业增加值",
                      "第三产业增加值", "第一产业占GDP比重", "第二产业占GDP比重",
                      "第三产业占GDP比重"]] = np.nan
    install_gp(source, structure=frame)
    with pytest.raises(TableValidationError) as info:
        tables._build_city_year()
    message = str(info.value)
    assert "table 'city_year'" in message
    assert "column 'gdp', check gdp_missing_only_by_erratum: 6 row(s)" in message
    assert message.count("gdp_missing_only_by_erratum") == 1, "named once, for column 'gdp'"
    for code in (520100, 520300):
        for year in (2017, 2018, 2019):
            assert f"city_code={code}, year={year}" in message


def test_nan_block_in_a_cluster_panel_is_reported_and_refused():
    """In an analysis panel, a cluster whose GDP is missing in every year is reported by the
    coverage table (by cluster) and refused by the indicators (by unit and year); it is never
    dropped silently."""
    panel = analysis_panel()
    block = panel["cluster_id"] == "qianzhong"
    panel.loc[block, ["gdp", "gdp_per_capita"]] = np.nan
    report = quality.coverage(panel, mini_members(), ["gdp", "population"], (2017, 2019))
    report = report.set_index("cluster_id")
    assert report.loc["qianzhong", "gdp"] == 1.0 and report.loc["chengyu", "gdp"] == 0.0
    assert report.loc["qianzhong", "city_years"] == 6
    with pytest.raises(MethodInputError, match=r"panel\['gdp_per_capita'\]: 6 missing or infinite "
                       r"value\(s\) at \(520100, 2017\)"):
        inequality.inequality_by_year(panel, "gdp_per_capita", group="cluster_id")


def test_cluster_rows_absent_from_the_panel_are_reported():
    """Absent rows (not NaN) count as missing in the coverage grid, named by cluster."""
    panel = analysis_panel()
    panel = panel[~((panel["cluster_id"] == "qianzhong") & (panel["year"] >= 2018))]
    report = quality.coverage(panel, mini_members(), ["gdp"], (2017, 2019)).set_index("cluster_id")
    assert report.loc["qianzhong", "gdp"] == pytest.approx(4 / 6)


# =============================================================================================
# 10. unknown city name
# =============================================================================================

@requires_mirror
@pytest.mark.parametrize("which, key, row_of", [
    pytest.param("real_gdp", gp.REAL_GDP, lambda f: f.index[(f["城市"] == "遵义市")], id="no code"),
    pytest.param("structure", gp.STRUCTURE, lambda f: f.index[(f["城市名称"] == "遵义市")],
                 id="unknown name and code"),
])
def test_unknown_city_name_in_a_source_file(source, which, key, row_of):
    frame = BUILDERS[key]()
    rows = [int(k) + 2 for k in row_of(frame)]
    name_column = "城市名称" if which == "structure" else "城市"
    frame.loc[frame[name_column] == "遵义市", name_column] = "遵乂市"  # a look-alike typo
    if which == "structure":
        frame.loc[frame[name_column] == "遵乂市", "城市代码"] = 520399  # no such code either
    install_gp(source, **{which: frame})
    with pytest.raises(SourceFormatError) as info:
        tables._build_city_year()
    message = str(info.value)
    assert message.startswith(key)
    assert "crosswalk does not know" in message and "(column 'name_zh')" in message
    assert "['遵乂市']" in message and f"rows {rows}" in message


@requires_mirror
def test_unknown_city_in_a_typed_fact_table(source, tmp_path, monkeypatch):
    source.genuine(*CROSSWALK_FILES)
    facts = tmp_path / "facts"
    shutil.copytree(facts_module.facts_dir(), facts)
    members = pd.read_csv(facts / "cluster_members.csv", dtype=str, keep_default_na=False)
    row = int(members.index[members["city_zh"] == "绵阳市"][0])
    members.loc[row, "city_zh"] = "棉阳市"
    members.to_csv(facts / "cluster_members.csv", index=False)
    monkeypatch.setattr(facts_module, "facts_dir", lambda: facts)
    with pytest.raises(SourceFormatError) as info:
        tables._build_clusters()
    message = str(info.value)
    assert message.startswith("data/facts/cluster_members.csv")
    assert "['棉阳市']" in message and f"rows [{row + 2}]" in message
    assert "(column 'name_zh')" in message


@requires_mirror
def test_unknown_city_code_in_csmar_is_reported_not_dropped(source):
    install_gp(source)
    rows = mini_csmar_rows() + [["2019", "Directly administered counties of Hubei", "429000",
                                 "Other", "420000", "Hubei", "1800.0000", "", "", "", "", "",
                                 "", "", ""]]
    source.install(csmar.GDP, csmar_csv(rows))
    out = tables.csmar_city_gdp()
    unmatched = out.attrs["unmatched"]
    assert unmatched.to_dict("records") == [
        {"source_row": 6, "code": 429000, "name_en": "Directly administered counties of Hubei",
         "year": 2019}]
    assert len(out) == 4


# =============================================================================================
# 11. year outside the range   12. wrong parameter types
# 13. empty cluster            14. unknown cluster id
# =============================================================================================

@pytest.mark.parametrize("first, last, named", [
    (1999, 2019, "FIRST_YEAR=1999"),
    (2010, 2030, "LAST_YEAR=2030"),
    (2019, 2010, "FIRST_YEAR=2019, LAST_YEAR=2010"),
])
def test_year_outside_the_range(first, last, named):
    with pytest.raises(ValueError) as info:
        checks.validate_parameters(["chengyu"], first, last)
    message = str(info.value)
    assert named in message
    assert f"{FIRST_YEAR} <= FIRST_YEAR <= LAST_YEAR <= {LAST_YEAR}" in message


def test_year_outside_the_range_before_any_table_is_read(monkeypatch):
    def must_not_run():
        raise AssertionError("the panel was read before the parameters were checked")

    monkeypatch.setattr(tables, "city_year", must_not_run)
    monkeypatch.setattr(tables, "clusters", must_not_run)
    with pytest.raises(ValueError, match="FIRST_YEAR=1990"):
        tables.cluster_city_year(["chengyu"], 1990, 2000)


@requires_mirror
def test_year_typo_in_a_source_file(source):
    """成都 2019 typed as 2109: refused with its row, not filtered out of the panel."""
    frame = mini_structure()
    hit = (frame["城市名称"] == "成都市") & (frame["年度标识"] == 2019)
    frame.loc[hit, "年度标识"] = 2109
    install_gp(source, structure=frame)
    with pytest.raises(SourceFormatError) as info:
        tables._build_city_year()
    message = str(info.value)
    assert message.startswith(gp.STRUCTURE)
    assert f"column '年度标识' (year) has [2109] outside {FIRST_YEAR}–{LAST_YEAR} at rows [4]" \
        in message


@pytest.mark.parametrize("cell, described", [
    ("2019年", "'2019年' (text)"),
    (2019.5, "2019.5 (a number with a fraction)"),
    (dt.datetime(2019, 1, 1), "(a date cell)"),
], ids=["2019年", "2019.5", "Excel date"])
def test_a_year_cell_that_is_not_a_whole_year(source, cell, described):
    """Never truncated (2019.5 → 2019) or a bare error: file, row, column and value named."""
    frame = mini_structure().astype({"年度标识": object})
    hit = (frame["城市名称"] == "成都市") & (frame["年度标识"] == 2019)
    frame.loc[hit, "年度标识"] = cell
    source.install(gp.STRUCTURE, workbook(frame, SHEETS[gp.STRUCTURE]))
    with pytest.raises(SourceFormatError) as info:
        gp.read_structure()
    message = str(info.value)
    assert message.startswith(gp.STRUCTURE)
    assert "column '年度标识' (year) at row 4:" in message and described in message
    assert "is not a year (1 such cell(s))" in message


@requires_mirror
def test_an_abolished_prefecture_in_a_source_file_is_named_with_its_row_and_year(source):
    """巢湖 (abolished 2011) in 2012 and 莱芜 (merged into 济南 2019) in 2020 are not live
    city-years: the time-aware crosswalk names file, rows and years."""
    frame = mini_structure()
    extra = frame.iloc[[0, 0]].copy()
    extra[["年度标识", "城市名称", "城市代码", "省份名称"]] = [[2012, "巢湖市", 341400, "安徽省"],
                                                       [2020, "莱芜市", 371200, "山东省"]]
    frame = pd.concat([frame, extra], ignore_index=True)
    install_gp(source, structure=frame)
    with pytest.raises(SourceFormatError) as info:
        tables._build_city_year()
    message = str(info.value)
    rows = len(frame)  # the two rows appended last: spreadsheet rows len+0 and len+1
    assert message.startswith(gp.STRUCTURE)
    assert f"巢湖市 (安徽省), year 2012, row {rows} (the crosswalk knows it in 2000–2010 only)" in message
    assert f"莱芜市 (山东省), year 2020, row {rows + 1} (the crosswalk knows it in 2000–2018 only)" in message
    assert "prefecture_year_rules.csv" in message


@pytest.mark.parametrize("name", sorted(facts_module.FACT_TABLES))
def test_a_gbk_encoded_fact_file_is_named(name, tmp_path):
    source = facts_module.facts_dir() / name
    if name == "yearbook/mapping.csv":  # the schema of every file under yearbook/mappings/
        source = next((facts_module.facts_dir() / "yearbook" / "mappings").glob("*.csv"))
    text = source.read_text(encoding="utf-8")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(text.encode("gbk", errors="replace"))
    if text.isascii():
        pytest.skip("an ASCII file reads the same in GBK and UTF-8")
    with pytest.raises(SourceFormatError, match=rf"^{re.escape(str(copy))}: not UTF-8 text: .* row \d+ "
                                                rf"\(it reads as GBK: save it as UTF-8\)"):
        facts_module.read_fact(name, copy)


@pytest.mark.parametrize("kwargs, named", [
    ({"clusters": "chengyu"}, "CLUSTERS must be a list"),
    ({"clusters": {"chengyu"}}, "CLUSTERS must be a list"),
    ({"clusters": [510100]}, "CLUSTERS"),
    ({"first_year": "2010", "last_year": 2019}, "FIRST_YEAR must be an integer year"),
    ({"first_year": 2010, "last_year": 2019.0}, "LAST_YEAR must be an integer year"),
    ({"first_year": True, "last_year": 2019}, "FIRST_YEAR must be an integer year"),
    ({"first_year": np.float64(2010), "last_year": 2019}, "FIRST_YEAR must be an integer year"),
], ids=["string for CLUSTERS", "set for CLUSTERS", "city code for a cluster id",
        "string year", "float year", "bool year", "numpy float year"])
def test_wrong_parameter_types(kwargs, named):
    with pytest.raises(ValueError) as info:
        checks.validate_parameters(**kwargs)
    assert named in str(info.value)


@pytest.mark.parametrize("call, named", [
    (lambda p: inequality.inequality_by_year(p, 3), "panel: missing column"),
    (lambda p: convergence.beta_convergence(p, "real_gdp_per_capita", "2017", 2019), "start"),
])
def test_wrong_argument_types_of_an_indicator(call, named):
    with pytest.raises(MethodInputError, match=named):
        call(analysis_panel())


def test_empty_cluster_list():
    with pytest.raises(ValueError, match=r"CLUSTERS must be a non-empty list") as info:
        checks.validate_parameters([], 2010, 2019)
    assert all(c in str(info.value) for c in CLUSTER_IDS)


def test_cluster_without_rows_in_the_chosen_years(monkeypatch):
    """黔中 cities only have rows up to 2005 here: choosing 2010–2019 leaves the cluster
    empty, which must be an error naming it, not a panel without that cluster."""
    panel = analysis_panel()
    early = panel[panel["cluster_id"] == "qianzhong"].assign(year=lambda f: f["year"] - 14)
    panel = pd.concat([panel[panel["cluster_id"] == "chengyu"], early], ignore_index=True)
    monkeypatch.setattr(tables, "city_year", lambda: panel.drop(columns="cluster_id"))
    monkeypatch.setattr(tables, "clusters", mini_members)
    assert set(tables.cluster_city_year(["chengyu", "qianzhong"], 2003, 2019)["cluster_id"]) \
        == {"chengyu", "qianzhong"}
    with pytest.raises(ValueError) as info:
        tables.cluster_city_year(["chengyu", "qianzhong"], 2010, 2019)
    message = str(info.value)
    assert "CLUSTERS: ['qianzhong']" in message and "2010–2019" in message
    assert "chengyu" not in message


@pytest.mark.parametrize("clusters, unknown", [
    (["pearl_river"], "pearl_river"),
    (["chengdu"], "chengdu"),
    (["chengyu", "Chengyu"], "Chengyu"),
])
def test_unknown_cluster_id_lists_the_valid_ids(clusters, unknown):
    with pytest.raises(ValueError) as info:
        checks.validate_parameters(clusters, 2010, 2019)
    message = str(info.value)
    assert f"'{unknown}'" in message and "CLUSTERS" in message
    assert all(f"'{c}'" in message for c in CLUSTER_IDS), "lists every valid id"


# =============================================================================================
# a chapter run with a bad parameter stops at the validation cell, before any figure
# =============================================================================================

@pytest.mark.slow
@requires_mirror
def test_chapter_with_a_bad_parameter_stops_before_any_figure(tmp_path, monkeypatch):
    import papermill

    from cityclusters.publishing.runner import run_chapter

    monkeypatch.setenv("CITYCLUSTERS_PROCESSED", str(tmp_path / "processed"))
    output = tmp_path / "01_bad.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        run_chapter("01_clusters_and_data", output, {"CLUSTERS": ["pearl_river"]}, timeout=300)
    assert info.value.ename == "ValueError" and "pearl_river" in info.value.evalue
    assert "CLUSTERS must be a non-empty list" in info.value.evalue  # the spec's own message
    notebook = json.loads(output.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    failed = [k for k, c in enumerate(code)
              if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1, "exactly one cell fails"
    failing = code[failed[0]]
    assert 'chapter_spec("01_clusters_and_data").check(globals())' in "".join(failing["source"])
    assert all(c.get("execution_count") is None and not c.get("outputs")
               for c in code[failed[0] + 1:]), "no cell runs after the failing one"
    images = [o for c in code for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images == [], "no figure output exists"
