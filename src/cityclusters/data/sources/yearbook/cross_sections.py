"""The vendor's cross-section sheets (【地级市截面数据】), read and checked against the table form.

Each edition's cross-section archive holds one workbook ``中国城市统计年鉴YYYY【地级市截面数据】.xlsx``
with one wide sheet (the vendor's advertisement sheet aside): a title cell
(``中国YYYY年地级以上城市数据``), then one to six header rows, then one row per city under
province rows. Editions differ:

- 2000–2002: section row (人口, 劳动力与就业, …), label row, scope row (地区/市区 or
  全市/市辖区), unit row; short names (石家庄, 北京) in the 2000 edition;
- 2003–2005: label row, scope row, unit row (no section row);
- 2006–2013, 2015, 2017: section row, one or two label rows (其中：… below its total), scope row;
- 2014, 2016, 2018–2024: the same with English names in column B and English lines in the
  labels (dropped); from the 2020 edition the section row carries the printed table number
  (``2-32 邮政、电信业发展情况(全市)``); a scope can also come from that title;
- province rows carry province totals to the 2018 edition and are empty from 2019.

:func:`read_cross_section` parses a sheet into a long frame with the city identified by the
table reader's rules (:func:`identify_city`); unknown names are listed in ``unmatched``, never
dropped silently. A prefecture printed for a year it did not exist stops the parse unless
``data/facts/prefecture_year_rules.csv`` excludes it for that file (it is then listed in
``unmatched`` too). :func:`cross_check` then matches the sheet's columns to the table-form
variables **by their values** and judges the column the label map names for each variable:
``agrees``, ``wrong scope``, ``swapped``, ``shifted``, ``unlabelled``, ``disagrees`` or
``not in cross-section`` (see :func:`judge`). The label map is :data:`LABEL_MAP`, one line per
label key, edition range and variable; ``label_map()`` prints it.

What the check finds (all editions, 33 variables; details in the notes of its output):

- 2022 edition, table 2-32 (邮政、电信业发展情况): its four columns hold the 2021 edition's
  table 2-33 (gas supply, 市辖区) values: mobile and broadband users are ``shifted``;
- 2005 edition, 全市 finance: the 科学事业费支出 and 教育事业费支出 labels are ``swapped``;
- 2002–2003 editions: the finance columns (revenue, expenditure, science, education) are
  labelled 全市 but hold the 市辖区 values the table form prints (``wrong scope``); 2016
  edition: industrial wastewater and SO2 sit under the 绿地面积…(市辖区) title (their own
  table title is missing) but hold 全市 values;
- 2014 edition, SO2: the 吉林–江苏 page (31 cities) lost its last digit (``disagrees``); dust
  on the 湖北 page likewise (6 cities);
- about 35 single cells where sheet and table form differ by a misplaced decimal point or
  digit (listed in ``note``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

from cityclusters.data.provenance import remembered
from cityclusters.data.sources import crosswalk, unit_years
from cityclusters.data.sources.yearbook import archives, mapping, reader
from cityclusters.data.sources.yearbook.sheets import (
    AGGREGATE_ROWS,
    CJK,
    GARBLED,
    MISSING_MARKS,
    MUNICIPALITIES,
    PROVINCE_BY_NAME,
    UNIT_ONLY,
    clean_label,
    clean_name,
    column_letter,
    scope_of,
)
from cityclusters.errors import SourceFormatError

EDITIONS = archives.EDITIONS
VALUE_COLUMNS = [
    "edition", "year", "name_printed", "province_printed", "column", "group", "label", "scope",
    "unit_printed", "value", "cell_status", "entity_id", "city_code", "name_zh", "province_zh",
    "match_rule", "source_file", "sheet", "source_row",
]
COLUMN_COLUMNS = ["edition", "column", "position", "group", "table", "label", "scope", "scope_source", "unit_printed"]
GARBLED_COLUMNS = ["edition", "name_printed", "entity_id", "column", "label", "printed_text", "sheet", "source_row"]
UNMATCHED_COLUMNS = ["edition", "year", "name_printed", "province_printed", "source_file", "sheet", "source_row"]

# scope words as the vendor prints them, misprints included (巿 U+5DFF for 市; 再 for 市)
_SCOPE_WORDS = {"全市": "全市", "地区": "全市", "市辖区": "市辖区", "市区": "市辖区", "辖区": "市辖区",
                "再辖区": "市辖区"}
_SCOPE_IN_GROUP = re.compile(r"\((全市|市辖区)\)")
_TRAILING_SCOPE = re.compile(r"^(.*[^\u4e00-\u9fff(])(全市|市辖区)$")
_BRACKET = re.compile(r"\(([^()\d]{0,11}[\u4e00-\u9fff%‰][^()\d]{0,11})\)")  # a unit: not '(1)', '(当年价格)' aside


def _scope(text: str) -> str | None:
    """全市 / 市辖区 for a header cell that is a scope label (misprints included), else None.

    >>> _scope('全巿'), _scope('再辖区'), _scope('全市TotalCity'), _scope('医院数')
    ('全市', '市辖区', '全市', None)
    """
    text = text.replace("巿", "市")
    bare = re.sub(r"[A-Za-z()]", "", text)
    return _SCOPE_WORDS.get(bare) or scope_of(text)


@dataclass(frozen=True)
class CrossSection:
    """One edition's parsed sheet (see :func:`read_cross_section`)."""

    edition: int
    path: Path
    sheet: str
    columns: pd.DataFrame  # COLUMN_COLUMNS
    values: pd.DataFrame  # VALUE_COLUMNS
    unmatched: pd.DataFrame  # UNMATCHED_COLUMNS
    garbled: pd.DataFrame  # GARBLED_COLUMNS
    aggregates: tuple[str, ...]


def cross_section_file(edition: int) -> Path:
    """The edition's prefecture-level cross-section workbook (extracted from its archive)."""
    root = archives.extracted_dir(edition, "cross_section")
    found = sorted(root.rglob("*地级市截面数据*.xlsx"))
    if len(found) != 1:
        raise SourceFormatError(f"edition {edition}: expected one 【地级市截面数据】 workbook under {root}, found {found}")
    return found[0]


def _cell_text(cell) -> str:
    """A header cell cleaned as the table reader cleans it, with the cross-sections' own
    misprints mended: 巿 (U+5DFF) for 市, 丨 for a rule, '(万人>' for '(万人)'."""
    text = re.sub(r"([(（][^()（）<>]{1,6})>", r"\1)", str(cell).replace("丨", ""))
    return clean_label(text).replace("巿", "市")


def _header(rows: list[list], first: int, value_js: list[int], edition: int) -> pd.DataFrame:
    """One row per value column: its group (the printed table or section above it), label,
    scope and unit, read from the header rows ``rows[:first]``."""
    height = first
    text = [[_cell_text(r[j]) if j < len(r) else "" for j in range(max(value_js) + 1)] for r in rows[:height]]
    scope_row = [sum(bool(_scope(text[i][j])) for j in value_js) * 2 >= max(1, sum(bool(text[i][j]) for j in value_js))
                 and any(_scope(text[i][j]) for j in value_js) for i in range(height)]
    # a row of bare units right below a row of scopes (editions 2000–2005)
    unit_row = [i > 0 and scope_row[i - 1] and not any(_scope(text[i][j]) for j in value_js) for i in range(height)]
    scope = dict.fromkeys(value_js)
    unit = dict.fromkeys(value_js, "")
    own = [dict.fromkeys(value_js, "") for _ in range(height)]
    for i in range(height):
        for j in value_js:
            cell = text[i][j]
            if not cell:
                continue
            found = _scope(cell)
            if found:
                scope[j] = scope[j] or found
            elif unit_row[i]:
                unit[j] = unit[j] or cell
            elif UNIT_ONLY.match(cell):
                unit[j] = unit[j] or UNIT_ONLY.match(cell).group(1)
            elif CJK.search(cell):
                split = _TRAILING_SCOPE.match(cell)
                if split:  # '建成区面积(平方公里)市辖区': a scope printed in the label's cell
                    cell, scope[j] = clean_label(split.group(1)), scope[j] or split.group(2)
                own[i][j] = cell
    label_rows = [i for i in range(height) if any(own[i][j] for j in value_js)]
    # the top row is a group (section or table title) when most labels are printed below it
    # (editions 2003–2005 print the labels in the top row, and one stray 建成区 below)
    below = sum(any(own[i][j] for i in label_rows[1:]) for j in value_js)
    has_group = bool(label_rows) and label_rows[0] == 0 and below >= sum(bool(own[0][j]) for j in value_js)
    group = dict.fromkeys(value_js, "")
    if has_group:
        current = ""
        for j in value_js:
            current = own[0][j] or current
            group[j] = current
        label_rows = label_rows[1:]
    filled = {i: dict.fromkeys(value_js, "") for i in label_rows}
    origin = {i: dict.fromkeys(value_js) for i in label_rows}
    present = set(value_js)
    for n, i in enumerate(label_rows):
        deeper = label_rows[n + 1:]
        for j in value_js:
            if own[i][j]:
                filled[i][j], origin[i][j] = own[i][j], j
                continue
            left = j - 1
            if left not in present or not filled[i][left] or group[left] != group[j]:
                continue
            # a label spans right only under the same heads: not into a column that starts a
            # new head above (建成区绿化覆盖率 next to 绿地面积/公园绿地面积)
            same_parent = all(filled[k][j] == filled[k][left] and not own[k][j] for k in label_rows[:n])
            blocked = any(own[k][j] for k in deeper) and not any(own[k][origin[i][left]] for k in deeper)
            if same_parent and not blocked:
                filled[i][j], origin[i][j] = filled[i][left], origin[i][left]
    out = []
    for position, j in enumerate(value_js):
        parts: list[str] = []
        for i in label_rows:
            if filled[i][j] and (not parts or parts[-1] != filled[i][j]):
                parts.append(filled[i][j])
        label = "/".join(parts)
        column_scope, source = scope[j], "header" if scope[j] else ""
        if column_scope is None:
            in_group = _SCOPE_IN_GROUP.findall(group[j])
            column_scope, source = (in_group[-1], "title") if in_group else (None, "")
        column_unit = unit[j]
        if not column_unit:
            brackets = _BRACKET.findall(label) or _BRACKET.findall(re.sub(r"\((全市|市辖区)\)", "", group[j]))
            column_unit = brackets[-1] if brackets else ""
        out.append((edition, column_letter(j), position, group[j], archives.table_number(group[j]) or "",
                    label, column_scope, source, column_unit))
    return pd.DataFrame(out, columns=COLUMN_COLUMNS)


_STATUS = ("ok", "no_data", "garbled")


def _where(where: tuple) -> str:
    name, sheet, row, j, label = where
    return f"{name}, sheet '{sheet}', row {row}, column {column_letter(j)} ('{label}')"


def _parse(cell, where: tuple) -> tuple[float, int]:
    """(value, status index) of one cell; text that is not a number raises, naming
    ``where`` = (file name, sheet, 1-based row, 0-based column, column label)."""
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        return float(cell), 0
    if isinstance(cell, bool):
        raise SourceFormatError(f"{_where(where)}: {cell!r} is text in a number cell.")
    text = str(cell).replace("\xa0", " ").strip()
    if text.replace(" ", "") in MISSING_MARKS:
        return np.nan, 1
    try:
        return float(text.replace(",", "")), 0
    except ValueError:
        pass
    if _is_garbled(text):
        return np.nan, 2
    raise SourceFormatError(f"{_where(where)}: {str(cell)!r} is text in a number cell.")


# OCR look-alikes of digits the vendor's cross-sections print where a digit was (I, l, i, 丨 for
# 1; o, O, 〇 for 0; H, U, J, n, m for 11, 11, 1(0), 11(0), 111); a cell of these alone is a
# number whose digits cannot be read.
_DIGIT_LOOKALIKES = re.compile(r"^[IlLi|丨!】oO〇HUJjnm.]{1,6}$")


def _is_garbled(text: str) -> bool:
    """Digits broken by the digitisation, whose true value cannot be known.

    The table reader's rule (:func:`.sheets.parse_number`) and, because the cross-sections were
    digitised separately and more roughly, also: any cell with a digit, a few stray marks or
    letters read for digits and at most one Chinese character (``'102.23m'``, ``'2^01'``,
    ``'丨465823'``, ``'6制4'``), and short runs of digit look-alikes alone (``'II'``, ``'ioi'``).
    Words (three or more letters that are not look-alikes, two Chinese characters) are text.

    >>> [_is_garbled(t) for t in ('102.23m', '2^01', '1创）（）', 'II', 'l.ll', 'abc', '无数据', 'n/a')]
    [True, True, True, True, True, False, False, False]
    """
    if GARBLED.match(text):
        return True
    if re.search(r"\d", text):
        letters = re.sub(r"[IlLioOUHJjnmSsbBXxtT]", "", text)
        return (not re.search(r"[A-Za-z]{2,}", letters) and len(CJK.findall(text)) <= 1
                and not re.search(r"[A-Za-z]{3,}", text))
    return bool(_DIGIT_LOOKALIKES.match(text.replace(" ", "")))


def identify_city(name: str, province: str | None, year: int, edition: int) -> tuple[str, str] | None:
    """``(entity_id, match_rule)`` of a printed prefecture name, or None when unknown.

    The table reader's rules (:mod:`.reader`): reviewed name corrections valid in the edition
    (corrections tied to one table or row of the table form never apply here), then the name,
    or the name with 市, in its province valid in the data year, valid in another year for a
    unit that exists in the data year, or unique in China. A name of a unit that did not exist
    in the data year stops the parse (:func:`parse_cross_section`), naming file, row and year.
    """
    return reader.match_city(name, province, year, edition, "cross_section")


def _is_body_row(cells: list) -> bool:
    """The first row below the header: a total, a province or a city with a number."""
    name = clean_name(cells[0])
    if not name:
        return False
    if name in AGGREGATE_ROWS or name in PROVINCE_BY_NAME:
        return True
    return any(isinstance(c, int | float) and not isinstance(c, bool) or re.fullmatch(r"\s*-?[\d,]+(\.\d+)?\s*", str(c))
               for c in cells[1:] if str(c).strip())


def _name_columns(rows: list[list], first: int) -> int:
    """How many leading columns hold names (the Chinese name, and from 2014 on sometimes the English one)."""
    header = {str(r[1]).strip() for r in rows[:first] if len(r) > 1}
    body = [str(r[1]).strip() for r in rows[first:first + 40] if len(r) > 1 and str(r[1]).strip()]
    english = body and all(re.fullmatch(r"[A-Za-z][A-Za-z .'’()-]*", b) for b in body)
    return 2 if "City" in header or english else 1


@remembered
def read_cross_section(edition: int) -> CrossSection:
    """The edition's cross-section sheet, parsed by :func:`parse_cross_section` (cached)."""
    path = cross_section_file(edition)
    source_file = str(path.relative_to(archives.extracted_dir(edition, "cross_section")))
    return parse_cross_section(path, edition, source_file)


def parse_cross_section(path: Path, edition: int, source_file: str | None = None) -> CrossSection:
    """Parse the cross-section workbook ``path`` of ``edition`` (``source_file``: the name
    recorded in the frames, by default the file name).

    Returns a :class:`CrossSection` with ``columns`` (one row per value column: spreadsheet
    ``column`` letter, ``group`` = the section or table title printed above it, ``table`` =
    its table number when printed (2020 edition on), ``label`` = the column's header labels
    from the top down joined by ``/`` (Chinese only, as :func:`.sheets.clean_label` cleans
    them), ``scope`` 全市/市辖区 or None when the sheet does not say, ``scope_source``
    (``header``: printed above the column; ``title``: taken from the section title, e.g.
    ``2-9 地方一般公共预算收支状况(全市)``), ``unit_printed`` (best effort: the unit row, a bare
    unit label or the last unit bracket of the label)), ``values`` (long: one row per city ×
    column, see ``VALUE_COLUMNS``; ``value`` is a float, missing for empty cells and the
    vendor's no-data marks (``cell_status`` ``no_data``) and for digits broken by the
    digitisation (``garbled``, see :func:`_is_garbled`); any other text raises
    :class:`SourceFormatError` naming file, sheet, row and column), ``unmatched`` (printed city
    names the crosswalk does not know: listed, not dropped silently; their values are not in
    ``values``), ``garbled`` (every garbled cell with its printed text) and ``aggregates``
    (the total rows skipped).

    Province rows (with province totals in editions 2000–2018) set the province of the cities
    below them and are not values; municipalities are cities of their own province.
    """
    path = Path(path)
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = next(s for s in workbook.sheet_names if s.strip().upper() != "CNKI" and "马克" not in s)
        rows = [list(r) for r in workbook.get_sheet_by_name(sheet).to_python()]
    except Exception as exc:  # a truncated or foreign file, or no sheet but the vendor's
        raise SourceFormatError(f"{path.name}: cannot be read as a spreadsheet ({type(exc).__name__}: {exc}).") from exc
    if not rows:
        raise SourceFormatError(f"{path.name}, sheet '{sheet}': empty sheet.")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    first = next((i for i in range(1, len(rows)) if _is_body_row(rows[i])), None)
    if first is None:
        raise SourceFormatError(f"{path.name}, sheet '{sheet}': no city row below the header.")
    names = _name_columns(rows, first)
    value_js = [j for j in range(names, width) if any(str(r[j]).strip() for r in rows)]
    columns = _header(rows, first, value_js, edition)
    source_file = source_file or path.name
    year = edition - 1

    labels = columns["label"].tolist()
    file_name = path.name
    cities, unmatched, garbled, aggregates, matrix, status = [], [], [], [], [], []
    rules = unit_years.rules_for(file_name)  # prefectures printed for years before they existed
    province = None
    for r in range(first, len(rows)):
        cells = rows[r]
        name = clean_name(cells[0]).replace("巿", "市")
        if not name or not CJK.search(name) or name.startswith(("注", "资料来源", "说明")) or len(name) > 15:
            continue
        if name in AGGREGATE_ROWS:
            aggregates.append(name)
            continue
        full = PROVINCE_BY_NAME.get(name)
        if full is not None and full not in MUNICIPALITIES and full != province:
            province = full  # a province row (吉林 printed again under 吉林省 is the city)
            continue
        city_province = full if full in MUNICIPALITIES else province
        printed = full if full in MUNICIPALITIES else name
        match = identify_city(printed, city_province, year, edition)
        row_cells = [cells[j] for j in value_js]
        row_values = [c if type(c) is float else np.nan for c in row_cells]
        row_status = [0] * len(row_cells)
        for position, cell in enumerate(row_cells):
            if type(cell) is float:
                continue
            if cell == "":
                row_status[position] = 1
                continue
            j = value_js[position]
            row_values[position], row_status[position] = _parse(cell, (file_name, sheet, r + 1, j, labels[position]))
            if row_status[position] == 2:
                garbled.append((edition, printed, match[0] if match else None, column_letter(j), labels[position],
                                str(cell), sheet, r + 1))
        if match is None and reader.known_only_in(printed, city_province, year):
            rule = unit_years.rule_of(rules, printed, city_province, year)
            if rule is None or rule["rule"] != "exclude":
                raise SourceFormatError(
                    f"{file_name}, sheet '{sheet}', row {r + 1}, year {year}: {printed!r} ({city_province}) "
                    f"names a prefecture that did not exist in {year}"
                    f"{reader.known_only_in(printed, city_province, year)}. Add a cited exclusion to "
                    f"data/facts/{unit_years.RULES_FILE} or a name correction with the evidence.")
        if match is None:  # listed, with its row, never dropped silently
            unmatched.append((edition, year, printed, city_province, source_file, sheet, r + 1))
            continue
        cities.append((printed, city_province, r + 1, *match))
        matrix.append(row_values)
        status.append(row_status)
        if full in MUNICIPALITIES:
            province = None
    values = _long(edition, columns, cities, np.array(matrix, dtype=float).reshape(len(cities), len(value_js)),
                   np.array(status, dtype=np.int8).reshape(len(cities), len(value_js)), source_file, sheet)
    return CrossSection(edition, path, sheet, columns, values,
                        pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS),
                        pd.DataFrame(garbled, columns=GARBLED_COLUMNS), tuple(aggregates))


def _long(edition, columns, cities, matrix, status, source_file, sheet) -> pd.DataFrame:
    """The long frame, its repeated texts stored as categoricals (≈ 10 MB an edition)."""
    n_cities, n_columns = matrix.shape
    city = pd.DataFrame(cities, columns=["name_printed", "province_printed", "source_row", "entity_id", "match_rule"])
    entities = crosswalk.entities().set_index("entity_id")
    city["city_code"] = city["entity_id"].map(entities["city_code"])
    city["name_zh"] = city["entity_id"].map(entities["name_zh"])
    city["province_zh"] = city["entity_id"].map(entities["province_zh"])
    rows = np.repeat(np.arange(n_cities), n_columns)
    cols = np.tile(np.arange(n_columns), n_cities)
    data = {}
    for name in ("name_printed", "province_printed", "entity_id", "name_zh", "province_zh", "match_rule"):
        data[name] = pd.Categorical(city[name]).take(rows)
    for name in ("column", "group", "label", "scope", "unit_printed"):
        data[name] = pd.Categorical(columns[name]).take(cols)
    data["city_code"] = city["city_code"].to_numpy(dtype=np.int32)[rows]
    data["source_row"] = city["source_row"].to_numpy(dtype=np.int32)[rows]
    data["value"] = matrix.ravel()
    data["cell_status"] = pd.Categorical.from_codes(status.ravel(), categories=list(_STATUS))
    frame = pd.DataFrame(data)
    frame["edition"] = np.int16(edition)
    frame["year"] = np.int16(edition - 1)
    frame["source_file"] = pd.Categorical([source_file]).take(np.zeros(len(frame), dtype=int))
    frame["sheet"] = pd.Categorical([sheet]).take(np.zeros(len(frame), dtype=int))
    return frame[VALUE_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Agreement with the table form
# ---------------------------------------------------------------------------------------------

FACTORS = (1.0, 1e-4, 1e4, 0.1, 10.0)
TOLERANCE = 0.005  # |a − b| ≤ 0.5 % of |b|
AGREES = 0.95  # share of cities for a column to agree
MIN_CITIES = 10  # fewest cities with both values for a share to count


def agreement(table: pd.Series, cross: pd.DataFrame, factors=FACTORS, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """How well each cross-section column matches one table-form variable, city by city.

    ``table``: values by city (index: entity_id); ``cross``: one column per cross-section
    column, same index kind. For each column and each unit factor f, a city agrees when
    ``|a·f − b| ≤ tolerance·|b|`` (a: cross-section, b: table form); the share is over the
    cities where both are present. Returns, per column: ``share``, ``factor`` (the factor with
    the highest share, the first of ``factors`` on ties), ``n`` (cities compared) and
    ``eligible`` (``n`` ≥ MIN_CITIES and at least half the cities the table form has).
    """
    b = table.dropna()
    a = cross.reindex(b.index)
    values = a.to_numpy(dtype=float)
    target = b.to_numpy(dtype=float)[:, None]
    present = ~np.isnan(values)
    n = present.sum(axis=0)
    best_share = np.full(values.shape[1], -1.0)
    best_factor = np.full(values.shape[1], np.nan)
    with np.errstate(invalid="ignore"):
        for factor in factors:
            ok = (np.abs(values * factor - target) <= tolerance * np.abs(target)) & present
            share = np.where(n > 0, ok.sum(axis=0) / np.maximum(n, 1), np.nan)
            better = share > best_share
            best_share = np.where(better, share, best_share)
            best_factor = np.where(better, factor, best_factor)
    best_share[best_share < 0] = np.nan
    out = pd.DataFrame({"share": best_share, "factor": best_factor, "n": n}, index=cross.columns)
    out["eligible"] = (out["n"] >= MIN_CITIES) & (out["n"] * 2 >= len(b))
    return out


def label_key(label: str) -> str:
    """A column label without its bracketed parts (units, notes), ``其中：`` and a trailing %:
    the form the label map is written in.

    >>> label_key('执业(助理)医师数(人)'), label_key('其中：/科学支出'), label_key('建成区绿化覆盖率%')
    ('执业医师数', '科学支出', '建成区绿化覆盖率')
    """
    previous = None
    while previous != label:
        previous, label = label, re.sub(r"\([^()]*\)", "", label)
    parts = [re.sub(r"^其中[:：]", "", part).rstrip("%") for part in label.split("/")]
    return "/".join(part for part in parts if part)


# The explicit label map: (variable, first edition, last edition, label key, group must contain).
# Written after reading every edition's header (see the module docstring); a label key (see
# label_key) names the variable only in the editions given, and only under a group (the
# section or table title above it) containing the last field when that is not empty, because
# 小学 / 普通中学 / 普通高等学校 head the school, teacher and enrolment columns alike.
LABEL_MAP: tuple[tuple[str, int, int, str, str], ...] = (
    ("gdp", 2000, 2000, "1999年国内生产总值", ""),
    ("gdp", 2001, 2001, "2000年国内生产总值", ""),
    ("gdp", 2002, 2003, "国内生产总值", ""),
    ("gdp", 2004, 2024, "地区生产总值", ""),
    ("population", 2000, 2015, "年末总人口", ""),
    ("population", 2016, 2020, "年末户籍人口", ""),
    ("population", 2022, 2023, "户籍人口", ""),
    ("resident_population", 2021, 2021, "常住人口", ""),
    ("resident_population", 2024, 2024, "常住人口", ""),
    ("hospitals", 2000, 2017, "医院、卫生院数", ""),
    ("hospitals", 2009, 2017, "医院.卫生院数", ""),
    ("hospitals", 2001, 2001, "医院数", ""),
    ("hospitals", 2018, 2024, "医院数", ""),
    ("hospital_beds", 2000, 2017, "医院、卫生院床位数", ""),
    ("hospital_beds", 2009, 2017, "医院.卫生院床位数", ""),
    ("hospital_beds", 2001, 2001, "医院床位数", ""),
    ("hospital_beds", 2018, 2024, "医院床位数", ""),
    ("doctors", 2000, 2017, "医生数", ""),
    ("doctors", 2018, 2024, "执业医师数", ""),
    ("teachers_primary", 2000, 2005, "小学专任教师数", ""),
    ("teachers_primary", 2006, 2015, "小学", "专任教师"),
    ("teachers_primary", 2016, 2023, "普通小学", "专任教师"),
    ("teachers_primary", 2018, 2018, "普通小学专任教师数", ""),
    ("teachers_secondary", 2000, 2005, "普通中学专任教师数", ""),
    ("teachers_secondary", 2006, 2023, "普通中学", "专任教师"),
    ("teachers_secondary", 2018, 2018, "普通中学专任教师数", ""),
    ("teachers_higher", 2000, 2005, "高等学校专任教师数", ""),
    ("teachers_higher", 2006, 2022, "普通高等学校", "专任教师"),
    ("teachers_higher", 2018, 2018, "普通高等学校专任教师数", ""),
    ("teachers_higher", 2023, 2023, "普通、职业高等学校", "专任教师"),
    ("students_primary", 2000, 2005, "小学在校学生数", ""),
    ("students_primary", 2015, 2015, "小学在校学生数", ""),
    ("students_primary", 2006, 2007, "小学学生数", ""),
    ("students_primary", 2008, 2014, "小学", "在校学生"),
    ("students_primary", 2016, 2023, "普通小学", "在校学生"),
    ("students_primary", 2018, 2018, "普通小学学生数", ""),
    ("students_primary", 2024, 2024, "小学阶段", "学生数"),
    ("students_secondary", 2000, 2005, "普通中学在校学生数", ""),
    ("students_secondary", 2006, 2007, "普通中学学生数", ""),
    ("students_secondary", 2018, 2018, "普通中学学生数", ""),
    ("students_secondary", 2008, 2023, "普通中学", "在校学生"),
    ("students_higher", 2000, 2005, "高等学校在校学生数", ""),
    ("students_higher", 2006, 2007, "普通高等学校学生数", ""),
    ("students_higher", 2008, 2017, "普通高等学校", "在校学生"),
    ("students_higher", 2018, 2018, "普通本专科在校学生数", ""),
    ("students_higher", 2019, 2022, "普通本专科", "在校学生"),
    ("students_higher", 2023, 2024, "普通、职业本专科", "学生数"),
    ("library_holdings", 2000, 2005, "公共图书馆总藏量", ""),
    ("library_holdings", 2006, 2017, "公共图书馆图书总藏量", ""),
    ("library_holdings", 2018, 2024, "公共图书馆图书藏量", ""),
    ("mobile_users", 2002, 2005, "年末移动电话用户数量", ""),
    ("mobile_users", 2006, 2024, "移动电话年末用户数", ""),
    ("internet_users", 2002, 2005, "国际互连网用户数量", ""),
    ("internet_users", 2006, 2012, "国际互联网用户数", ""),
    ("broadband_users", 2013, 2024, "互联网宽带接入用户数", ""),
    ("broadband_users", 2018, 2018, "互联网宽带接人用户数", ""),  # 人 misprinted for 入
    ("patents_granted", 2018, 2024, "专利授权数", ""),
    ("invention_patents_granted", 2018, 2024, "发明", "科技创新"),
    ("science_spending", 2000, 2005, "科学事业费支出", ""),
    ("science_spending", 2001, 2001, "地方财政预算内_科学事业费支出", ""),
    ("science_spending", 2005, 2005, "科学", ""),
    ("science_spending", 2006, 2011, "科学支出", ""),
    ("science_spending", 2008, 2008, "科技支出", ""),
    ("science_spending", 2012, 2024, "科学技术支出", ""),
    ("education_spending", 2000, 2005, "教育事业费支出", ""),
    ("education_spending", 2001, 2001, "地方财政预算内_教育事业费支出", ""),
    ("education_spending", 2005, 2005, "教育", ""),
    ("education_spending", 2006, 2024, "教育支出", ""),
    ("budget_revenue", 2000, 2005, "地方财政预算内收入", ""),
    ("budget_revenue", 2006, 2013, "地方财政一般预算内收入", ""),
    ("budget_revenue", 2008, 2008, "地方政财一般预算内收入", ""),  # 政财 misprinted for 财政
    ("budget_revenue", 2014, 2017, "公共财政收入", ""),
    ("budget_revenue", 2018, 2023, "地方一般公共预算收入", ""),
    ("budget_revenue", 2018, 2018, "地方一般公共预算收人", ""),  # 人 misprinted for 入
    ("budget_revenue", 2024, 2024, "地方本级一般公共预算收入", ""),
    ("budget_expenditure", 2000, 2005, "地方财政预算内支出", ""),
    ("budget_expenditure", 2006, 2013, "地方财政一般预算内支出", ""),
    ("budget_expenditure", 2014, 2017, "公共财政支出", ""),
    ("budget_expenditure", 2018, 2024, "地方一般公共预算支出", ""),
    ("green_coverage_built_up", 2000, 2024, "建成区绿化覆盖率", ""),
    ("industrial_wastewater", 2004, 2020, "工业废水排放量", ""),
    ("so2_emissions", 2004, 2024, "工业二氧化硫排放量", ""),
    ("dust_emissions", 2004, 2020, "工业烟尘排放量", ""),  # 工业烟(粉)尘 from 2012 has the same key
    ("dust_emissions", 2021, 2024, "工业颗粒物排放量", ""),
    ("waste_treatment_rate", 2004, 2024, "生活垃圾无害化处理率", ""),
    ("sewage_treatment_rate", 2003, 2005, "生活污水处理率", ""),
    ("sewage_treatment_rate", 2006, 2011, "城镇生活污水处理率", ""),
    ("sewage_treatment_rate", 2012, 2012, "污水集中处理率", ""),
    ("sewage_treatment_rate", 2013, 2024, "污水处理厂集中处理率", ""),
    ("pm25", 2018, 2020, "可吸入细颗粒物年平均浓度", ""),
    ("pm25", 2021, 2024, "细颗粒物年平均浓度", ""),
    ("retail_sales", 2000, 2005, "社会消费品零售额", ""),
    ("retail_sales", 2006, 2024, "社会消费品零售总额", ""),
    ("fdi_actual", 2000, 2001, "外商实际投资额", ""),
    ("fdi_actual", 2002, 2020, "当年实际使用外资金额", ""),
    ("urban_unit_employment", 2000, 2005, "单位从业人员", ""),
    ("urban_unit_employment", 2006, 2013, "年末单位从业人员数", ""),
    ("urban_unit_employment", 2014, 2015, "从业人员期末人数", ""),
    ("urban_unit_employment", 2016, 2020, "城镇单位从业人员期末人数", ""),
    ("urban_unit_employment", 2021, 2024, "城镇非私营单位从业人员期末人数", ""),
    ("average_wage", 2000, 2016, "职工平均工资", ""),
    ("average_wage", 2019, 2019, "职工平均工资", ""),
    ("average_wage", 2017, 2018, "在岗职工平均工资", ""),
    ("average_wage", 2020, 2020, "在岗职工平均工资", ""),
    ("average_wage", 2021, 2024, "城镇非私营单位在岗职工平均工资", ""),
)


def labelled_columns(edition: int) -> pd.DataFrame:
    """The edition's columns that :data:`LABEL_MAP` assigns to a variable: ``variable``,
    ``column``, ``label``, ``scope`` (None where the sheet prints none), ``group``.

    A label that would name two variables, or one variable twice in one scope, raises.
    """
    columns = read_cross_section(edition).columns.copy()
    columns["key"] = columns["label"].map(label_key)
    hits = []
    for variable, first, last, key, group in LABEL_MAP:
        if first <= edition <= last:
            found = columns[(columns["key"] == key) & columns["group"].str.contains(group, regex=False)]
            hits.extend((variable, *row) for row in found[["column", "label", "scope", "group"]].itertuples(index=False))
    out = pd.DataFrame(hits, columns=["variable", "column", "label", "scope", "group"]).drop_duplicates()
    twice = out[out.duplicated("column", keep=False)]
    if len(twice):
        raise SourceFormatError(f"cross-section {edition}: the label map names column(s) {sorted(set(twice['column']))} "
                                f"for several variables {sorted(set(twice['variable']))}.")
    same = out[out.duplicated(["variable", "scope"], keep=False)]
    if len(same):
        raise SourceFormatError(f"cross-section {edition}: the label map finds {same['variable'].iloc[0]} twice "
                                f"in one scope: columns {same['column'].tolist()} ({same['label'].tolist()}).")
    return out.reset_index(drop=True)


@remembered
def _table_form(variable: str) -> pd.DataFrame:
    """The table-form rows of ``variable`` with lag 1 (edition − year = 1)."""
    frame = reader.read_variable(variable)
    return frame[frame["edition"] - frame["year"] == 1][["edition", "year", "scope", "entity_id", "value"]]


@remembered
def wide(edition: int) -> pd.DataFrame:
    """The edition's cross-section values, one row per city (entity_id), one column per
    spreadsheet column, in sheet order. A city printed twice keeps its first row."""
    section = read_cross_section(edition)
    values = section.values
    first_rows = values.drop_duplicates(["entity_id", "column"], keep="first")
    frame = first_rows.pivot(index="entity_id", columns="column", values="value")
    return frame[section.columns["column"].tolist()]


VERDICTS = ("agrees", "shifted", "swapped", "wrong scope", "unlabelled", "disagrees", "not in cross-section")
CHECK_COLUMNS = [
    "edition", "year", "variable", "scope", "n_table", "labelled_column", "labelled_label", "labelled_scope",
    "labelled_share", "labelled_factor", "labelled_n", "best_column", "best_label", "best_scope", "best_share",
    "best_factor", "best_n", "verdict", "partner", "note",
]


def _best(ag: pd.DataFrame, prefer: str | None) -> str | None:
    """The eligible column with the highest share (``prefer`` on ties, else the first)."""
    eligible = ag[ag["eligible"] & ag["share"].notna()]
    if eligible.empty:
        return None
    top = eligible["share"].max()
    tied = eligible.index[eligible["share"] == top]
    return prefer if prefer in tied else tied[0]


def _agrees(ag: pd.DataFrame, column: str | None) -> bool:
    return column is not None and bool(ag.at[column, "eligible"]) and ag.at[column, "share"] >= AGREES


def judge(edition: int, targets, table, cross: pd.DataFrame, columns: pd.DataFrame, labelled: pd.DataFrame,
          others: dict | None = None) -> pd.DataFrame:
    """The verdict of each ``(variable, scope)`` in ``targets`` for one edition.

    ``table(variable, scope)`` returns the table-form values by city (index entity_id) or None;
    ``cross``: the cross-section values, one row per city, one column per sheet column;
    ``columns``: ``column``, ``label``, ``scope`` of each sheet column; ``labelled``: the
    columns the label map assigns (``variable``, ``column``, ``scope``); ``others``:
    ``{name: (cross, columns)}`` of other sheets (the neighbouring editions) in which a
    disagreeing column's values are looked for. Returns one row per target (``CHECK_COLUMNS``).

    Verdicts, first that applies:

    - ``agrees``: the labelled column (the variable's label, same scope or no scope printed)
      agrees with the table form in ≥ 95 % of the cities;
    - ``wrong scope``: the variable's label with the other scope holds this scope's values;
    - ``swapped``: the values are in the column labelled for another variable, whose values
      are in this variable's labelled column (``partner``: that variable);
    - ``shifted``: the labelled column disagrees and the values are in another column
      (``partner``: that column), or the labelled column holds another column's values, of this
      sheet or of a neighbouring edition's (``partner``: that column, ``note`` says whose);
    - ``unlabelled``: no column carries the variable's label, but one holds its values;
    - ``disagrees``: the labelled column disagrees and nothing explains it;
    - ``not in cross-section``: no column carries the label and none holds the values.
    """
    info = columns.set_index("column").reindex(columns=["label", "scope", "scope_source", "group"])
    info[["scope_source", "group"]] = info[["scope_source", "group"]].fillna("")
    rows = []
    for variable, scope in targets:
        values = table(variable, scope)
        if values is None:
            raise ValueError(f"edition {edition}: the table form has no {variable} ({scope}) to check")
        ag = agreement(values, cross)
        hits = labelled[labelled["variable"] == variable]
        other_scope = hits[hits["scope"].notna() & (hits["scope"] != scope)]["column"].tolist()
        # the column named for the variable: its scope, else no scope printed, else the other scope
        ranked = (hits[hits["scope"] == scope]["column"].tolist() + hits[hits["scope"].isna()]["column"].tolist()
                  + other_scope)
        own = ranked[0] if ranked else None
        best = _best(ag, own)
        verdict, partner, note = None, "", ""
        wrong_scope = [c for c in other_scope if _agrees(ag, c)]
        if _agrees(ag, own) and own not in other_scope:
            verdict = "agrees"
            if pd.isna(info.at[own, "scope"]):
                note = "the sheet prints no scope for this column"
        elif wrong_scope:
            verdict, partner = "wrong scope", wrong_scope[0]
            by = (f"by the title {info.at[partner, 'group']!r} above it"
                  if info.at[partner, "scope_source"] == "title" else "in its header")
            note = f"column {partner} is labelled {info.at[partner, 'scope']} ({by}) but holds the {scope} values"
        elif _agrees(ag, best):
            owner = labelled[labelled["column"] == best]
            if own is not None and len(owner):
                other, other_scope_label = owner["variable"].iloc[0], owner["scope"].iloc[0]
                theirs = table(other, other_scope_label if pd.notna(other_scope_label) else scope)
                if theirs is not None and _agrees(agreement(theirs, cross[[own]]), own):
                    verdict, partner = "swapped", other
                    note = (f"the values are in column {best} labelled {info.at[best, 'label']!r}, whose "
                            f"variable's values are in column {own}")
            if verdict is None:
                verdict = "shifted" if own is not None else "unlabelled"
                partner = best
                owner_text = f" (the label map's {owner['variable'].iloc[0]})" if len(owner) else ""
                note = f"the values are in column {best} labelled {info.at[best, 'label']!r}{owner_text}"
        elif own is not None:
            found = _holds(own, cross, info, others or {})
            if found:
                verdict, partner = "shifted", found[0]
                nearest = f"; the nearest is column {best} ({ag.at[best, 'share']:.1%})" if best else ""
                note = f"{found[1]}; no column of the sheet holds the table's values{nearest}"
            else:
                verdict = "disagrees"
        else:
            verdict = "not in cross-section"
        if own is not None and verdict in ("agrees", "disagrees") and ag.at[own, "share"] < 1:
            differing = _differences(values, cross[own], ag.at[own, "factor"])
            note = "; ".join(filter(None, [note, differing]))
        row = {"edition": edition, "year": edition - 1, "variable": variable, "scope": scope,
               "n_table": int(values.notna().sum()), "verdict": verdict, "partner": partner, "note": note}
        for prefix, column in (("labelled", own), ("best", best)):
            row[f"{prefix}_column"] = column
            row[f"{prefix}_label"] = info.at[column, "label"] if column else None
            row[f"{prefix}_scope"] = info.at[column, "scope"] if column else None
            row[f"{prefix}_share"] = ag.at[column, "share"] if column else np.nan
            row[f"{prefix}_factor"] = ag.at[column, "factor"] if column else np.nan
            row[f"{prefix}_n"] = int(ag.at[column, "n"]) if column else 0
        rows.append(row)
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _differences(table: pd.Series, column: pd.Series, factor: float, show: int = 4) -> str:
    """'k of n cities differ: 四平市 table 44618, sheet 446181, ...' (in the sheet's unit)."""
    both = pd.concat([table.rename("b"), column.rename("a")], axis=1).dropna()
    bad = both[np.abs(both["a"] * factor - both["b"]) > TOLERANCE * np.abs(both["b"])]
    if bad.empty:
        return ""
    names = crosswalk.entities().set_index("entity_id")["name_zh"]
    shown = [f"{names.get(e, e)} table {b / factor:g}, sheet {a:g}" for e, b, a in bad[["b", "a"]].head(show).itertuples()]
    more = ", …" if len(bad) > show else ""
    return f"{len(bad)} of {len(both)} cities differ: {', '.join(shown)}{more}"


def _holds(column: str, cross: pd.DataFrame, info: pd.DataFrame, others: dict) -> tuple[str, str] | None:
    """Where else the values of ``column`` are printed: another column of the same sheet or a
    column of another sheet (``others``), as (partner, note); None when nowhere."""
    values = cross[column]
    if values.notna().sum() < MIN_CITIES:
        return None
    candidates = [("", cross.drop(columns=[column]), info)]
    candidates += [(name, frame, other_info.set_index("column")) for name, (frame, other_info) in others.items()]
    for name, frame, frame_info in candidates:
        ag = agreement(values, frame, factors=(1.0,))
        best = _best(ag, None)
        if _agrees(ag, best):
            where = f"{name} column {best}" if name else f"column {best}"
            return where, (f"holds the values of {where} ({frame_info.at[best, 'label']!r}, "
                           f"{frame_info.at[best, 'scope']}), not the variable's")
    return None


def cross_check(variables=None, editions=None) -> pd.DataFrame:
    """Match the cross-section columns to the table form **by their values**, edition by edition.

    For each edition, table-form variable and scope (lag-1 rows: data year = edition − 1), every
    column of the cross-section is compared with the table-form values city by city
    (:func:`agreement`: a city agrees when |a·f − b| ≤ 0.5 % of |b|, f the best of the unit
    factors 1, 1e-4, 1e4, 0.1, 10, recorded). The column the label map (:data:`LABEL_MAP`)
    names for the variable is then judged (:func:`judge`). Columns (``CHECK_COLUMNS``):
    ``edition, year, variable, scope, n_table`` (cities with a table-form value),
    ``labelled_column/_label/_scope/_share/_factor/_n`` (the column the label names, its
    agreement share, unit factor and cities compared), ``best_column/...`` (the best-matching
    column by values), ``verdict`` (``VERDICTS``), ``partner`` (the other variable or column a
    verdict refers to) and ``note``.

    The label map, by label key (:func:`label_key`; group filter in brackets), e.g.
    ``{'医院数': 'hospitals' (2001, 2018–2024), '医院、卫生院数': 'hospitals' (2000–2017),
    '执业医师数': 'doctors' (2018–2024), '科学事业费支出': 'science_spending' (2000–2005),
    '小学' [专任教师]: 'teachers_primary' (2006–2015), '移动电话年末用户数': 'mobile_users'
    (2006–2024), ...}``: the whole map is :data:`LABEL_MAP` (one line per label and edition
    range), listed in full in the docstring of :func:`label_map`.
    """
    variables = list(mapping.variables()["variable"]) if variables is None else list(variables)
    editions = list(EDITIONS) if editions is None else list(editions)

    def table_for(edition):
        def table(variable, scope):
            frame = _table_form(variable)
            rows = frame[(frame["edition"] == edition) & (frame["scope"] == scope)]
            return rows.set_index("entity_id")["value"] if len(rows) else None
        return table

    out = []
    for edition in editions:
        targets = []
        for variable in variables:
            frame = _table_form(variable)
            for scope in sorted(set(frame.loc[frame["edition"] == edition, "scope"])):
                targets.append((variable, scope))
        if not targets:
            continue
        section = read_cross_section(edition)
        others = {f"edition {e}": (wide(e), read_cross_section(e).columns)
                  for e in (edition - 1, edition + 1) if e in EDITIONS}
        out.append(judge(edition, targets, table_for(edition), wide(edition), section.columns,
                         labelled_columns(edition), others))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=CHECK_COLUMNS)


def label_map() -> pd.DataFrame:
    """:data:`LABEL_MAP` as a table: variable, first and last edition, label key, group filter.

    The map, by variable (label key, editions; ``[…]``: the group must contain it):

    - gdp: 1999年国内生产总值 2000; 2000年国内生产总值 2001; 国内生产总值 2002–2003; 地区生产总值 2004–2024
    - population: 年末总人口 2000–2015; 年末户籍人口 2016–2020; 户籍人口 2022–2023
    - resident_population: 常住人口 2021; 常住人口 2024
    - hospitals: 医院、卫生院数 2000–2017; 医院.卫生院数 2009–2017; 医院数 2001; 医院数 2018–2024
    - hospital_beds: 医院、卫生院床位数 2000–2017; 医院.卫生院床位数 2009–2017; 医院床位数 2001; 医院床位数 2018–2024
    - doctors: 医生数 2000–2017; 执业医师数 2018–2024
    - teachers_primary: 小学专任教师数 2000–2005; 小学 [专任教师] 2006–2015; 普通小学 [专任教师] 2016–2023; 普通小学专任教师数 2018
    - teachers_secondary: 普通中学专任教师数 2000–2005; 普通中学 [专任教师] 2006–2023; 普通中学专任教师数 2018
    - teachers_higher: 高等学校专任教师数 2000–2005; 普通高等学校 [专任教师] 2006–2022; 普通高等学校专任教师数 2018; 普通、职业高等学校 [专任教师] 2023
    - students_primary: 小学在校学生数 2000–2005; 小学在校学生数 2015; 小学学生数 2006–2007; 小学 [在校学生] 2008–2014; 普通小学 [在校学生] 2016–2023; 普通小学学生数 2018; 小学阶段 [学生数] 2024
    - students_secondary: 普通中学在校学生数 2000–2005; 普通中学学生数 2006–2007; 普通中学学生数 2018; 普通中学 [在校学生] 2008–2023
    - students_higher: 高等学校在校学生数 2000–2005; 普通高等学校学生数 2006–2007; 普通高等学校 [在校学生] 2008–2017; 普通本专科在校学生数 2018; 普通本专科 [在校学生] 2019–2022; 普通、职业本专科 [学生数] 2023–2024
    - library_holdings: 公共图书馆总藏量 2000–2005; 公共图书馆图书总藏量 2006–2017; 公共图书馆图书藏量 2018–2024
    - mobile_users: 年末移动电话用户数量 2002–2005; 移动电话年末用户数 2006–2024
    - internet_users: 国际互连网用户数量 2002–2005; 国际互联网用户数 2006–2012
    - broadband_users: 互联网宽带接入用户数 2013–2024; 互联网宽带接人用户数 2018
    - patents_granted: 专利授权数 2018–2024
    - invention_patents_granted: 发明 [科技创新] 2018–2024
    - science_spending: 科学事业费支出 2000–2005; 地方财政预算内_科学事业费支出 2001; 科学 2005; 科学支出 2006–2011; 科技支出 2008; 科学技术支出 2012–2024
    - education_spending: 教育事业费支出 2000–2005; 地方财政预算内_教育事业费支出 2001; 教育 2005; 教育支出 2006–2024
    - budget_revenue: 地方财政预算内收入 2000–2005; 地方财政一般预算内收入 2006–2013; 地方政财一般预算内收入 2008; 公共财政收入 2014–2017; 地方一般公共预算收入 2018–2023; 地方一般公共预算收人 2018; 地方本级一般公共预算收入 2024
    - budget_expenditure: 地方财政预算内支出 2000–2005; 地方财政一般预算内支出 2006–2013; 公共财政支出 2014–2017; 地方一般公共预算支出 2018–2024
    - green_coverage_built_up: 建成区绿化覆盖率 2000–2024
    - industrial_wastewater: 工业废水排放量 2004–2020
    - so2_emissions: 工业二氧化硫排放量 2004–2024
    - dust_emissions: 工业烟尘排放量 2004–2020; 工业颗粒物排放量 2021–2024
    - waste_treatment_rate: 生活垃圾无害化处理率 2004–2024
    - sewage_treatment_rate: 生活污水处理率 2003–2005; 城镇生活污水处理率 2006–2011; 污水集中处理率 2012; 污水处理厂集中处理率 2013–2024
    - pm25: 可吸入细颗粒物年平均浓度 2018–2020; 细颗粒物年平均浓度 2021–2024
    - retail_sales: 社会消费品零售额 2000–2005; 社会消费品零售总额 2006–2024
    - fdi_actual: 外商实际投资额 2000–2001; 当年实际使用外资金额 2002–2020
    - urban_unit_employment: 单位从业人员 2000–2005; 年末单位从业人员数 2006–2013; 从业人员期末人数 2014–2015; 城镇单位从业人员期末人数 2016–2020; 城镇非私营单位从业人员期末人数 2021–2024
    - average_wage: 职工平均工资 2000–2016; 职工平均工资 2019; 在岗职工平均工资 2017–2018; 在岗职工平均工资 2020; 城镇非私营单位在岗职工平均工资 2021–2024
    """
    return pd.DataFrame(LABEL_MAP, columns=["variable", "edition_first", "edition_last", "label_key", "group_contains"])


def render_label_map() -> str:
    """:data:`LABEL_MAP` as the lines of :func:`label_map`'s docstring (a test keeps them equal)."""
    lines = []
    for variable in dict.fromkeys(entry[0] for entry in LABEL_MAP):
        parts = []
        for _, first, last, key, group in (e for e in LABEL_MAP if e[0] == variable):
            editions = str(first) if first == last else f"{first}–{last}"
            parts.append(f"{key}{f' [{group}]' if group else ''} {editions}")
        lines.append(f"- {variable}: " + "; ".join(parts))
    return "\n".join(lines)
