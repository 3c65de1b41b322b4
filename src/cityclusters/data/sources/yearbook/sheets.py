"""The layout of one printed yearbook table: its header, the scope and unit of each column,
and its city rows.

A table sheet has a title row (``"2-39 医院、床位和医生数"``), sometimes an English subtitle,
one to four header rows and then rows of cities grouped under province rows; long tables
continue in blocks (``"2-39 续表1"``) that repeat the header. Headers are read as printed:
each cell keeps its Chinese lines only (English lines are dropped), whitespace and the
``_x000D_`` carriage-return escapes are removed and full-width brackets become ASCII.

A column's **header** is its labels from the top header row down, joined by ``/``, without
scope labels (全市/地区 → ``全市``; 市辖区/市区 → ``市辖区``) and without bare unit labels
(``"(平方公里)"``); a label spanning several columns (a merged cell) applies to each of them.
Its **unit** is the bare unit label, else the bracket at the end of the header, else the table's
``单位：…`` note. Nothing here decides what a column means: :mod:`.mapping` does, explicitly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cityclusters.errors import SourceFormatError

CJK = re.compile(r"[\u4e00-\u9fff]")
_SCOPES = {"全市": "全市", "地区": "全市", "市辖区": "市辖区", "市区": "市辖区",
           "TotalCity": "全市", "DistrictsunderCity": "市辖区"}
UNIT_ONLY = re.compile(r"^\(([^()]{1,12})\)$")
_TRAILING_UNIT = re.compile(r"\(([^()]{1,12})\)$")
_UNIT_NOTE = re.compile(r"^单位[:：](.+)$")
_NUMBERING = re.compile(r"^\d+[.、．]")
# Cells the yearbook prints for "no data"; anything else that is not a number is an error.
MISSING_MARKS = frozenset({"", "-", "--", "—", "——", "…", "...", "……", "/", "－"})
# Rows that aggregate cities (national totals, size and region groups).
AGGREGATE_ROWS = frozenset({
    "城市合计", "全国合计", "全国", "合计", "总计", "超大城市", "特大城市", "大城市", "中等城市", "小城市",
    "东部城市", "中部城市", "西部城市", "东北城市", "东部地区", "中部地区", "西部地区", "东北地区",
    "地级以上城市", "地级及以上城市", "全部城市",
    # misprints of the rows above in the vendor's files
    "东都城市", "中都城市", "城市台计",
})
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市",
    "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省",
    "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省",
    "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
)
MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})


def short_province(province: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if province.endswith(suffix):
            return province[: -len(suffix)]
    return province


PROVINCE_BY_NAME = {**{p: p for p in PROVINCES}, **{short_province(p): p for p in PROVINCES},
                     # variants printed in some editions
                     "新疆维吾尔族自治区": "新疆维吾尔自治区", "广西自治区": "广西壮族自治区",
                     "宁夏自治区": "宁夏回族自治区", "内蒙古区": "内蒙古自治区",
                     # misprints in the vendor's files: 2019 edition table 2-39, 2020 table 2-34
                     "折江省": "浙江省", "每南省": "海南省"}


def clean_label(cell) -> str:
    """A header cell as printed, Chinese lines only, without whitespace.

    >>> clean_label('医院数_x000D_\\r\\n(个)_x000D_\\r\\nNumber of_x000D_\\r\\nHospitals')
    '医院数(个)'
    >>> clean_label('    医院床位数（张）')
    '医院床位数(张)'
    """
    text = str(cell).replace("_x000D_", "").replace("\r", "")
    lines = [line.strip() for line in text.split("\n")]
    keep = [line for line in lines if CJK.search(line)]
    text = "".join(keep if keep else lines)
    text = re.sub(r"\s+", "", text.replace("\xa0", " ").replace("\u3000", " "))
    text = text.replace("（", "(").replace("）", ")").replace("％", "%").replace("／", "/")
    return _drop_english_tail(text)


def _drop_english_tail(text: str) -> str:
    """Cut an English translation printed on the same line after the Chinese label.

    >>> _drop_english_tail('医院数(个)NumberofHospitals(unit)'), _drop_english_tail('第一产业占GDP的比重')
    ('医院数(个)', '第一产业占GDP的比重')
    """
    last = max((m.end() for m in CJK.finditer(text)), default=0)
    if not last:
        return text
    close = text.find(")", last)
    if close != -1 and text.rfind("(", 0, last) > text.rfind(")", 0, last):
        last = close + 1  # the unit bracket that holds the last Chinese character
    tail = text[last:]
    return text[:last] if re.search(r"[A-Za-z]{2,}", tail) else text


def clean_name(cell) -> str:
    """A city or province name as printed, without spaces, numbering or footnote marks.

    >>> clean_name('\\xa0 石家庄市'), clean_name('1.北京市'), clean_name('  城 市')
    ('石家庄市', '北京市', '城市')
    """
    text = re.sub(r"\s+", "", str(cell).replace("\xa0", " ").replace("\u3000", " "))
    text = _NUMBERING.sub("", text).replace("巿", "市")  # 巿 (U+5DFF) misread for 市
    return text.strip(".．、·*#△▲")


@dataclass(frozen=True)
class Column:
    index: int  # position among the table's value columns (CityRow.cells[index])
    letter: str  # as a spreadsheet shows it, on the first page
    header: str
    scope: str | None  # 全市 / 市辖区, None when the table does not say
    unit: str  # as printed ('' when none)


@dataclass(frozen=True)
class CityRow:
    sheet: str  # long tables continue on further sheets
    row: int  # 1-based row number as a spreadsheet shows it
    name: str  # as printed (cleaned)
    province: str | None  # full province name (a municipality is its own); None if unprinted
    cells: tuple  # the values, aligned with TableLayout.columns
    letters: tuple  # the spreadsheet column of each value (pages and panels differ)


@dataclass
class TableLayout:
    path: Path
    sheet: str
    number: str | None
    title: str
    columns: list[Column]
    cities: list[CityRow]
    aggregates: list[str] = field(default_factory=list)
    repeated_rows: list[tuple] = field(default_factory=list)  # (sheet, row, same as sheet, row)

    def where(self, row: int | None = None, column: Column | None = None, sheet: str | None = None,
              letter: str | None = None) -> str:
        """``file, sheet 'x', row r, column C`` for error messages."""
        text = f"{self.path.name}, sheet '{sheet or self.sheet}'"
        if row is not None:
            text += f", row {row}"
        if column is not None:
            text += f", column {letter or column.letter} ('{column.header}')"
        return text


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column.

    >>> column_letter(0), column_letter(27)
    ('A', 'AB')
    """
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def scope_of(label: str) -> str | None:
    """全市 / 市辖区 for a scope label, also when English letters are interleaved.

    >>> scope_of('(全市)'), scope_of('全lCit市y'), scope_of('TotalCity'), scope_of('医院数')
    ('全市', '全市', '全市', None)
    """
    bare = label.strip("()")
    if bare in _SCOPES:
        return _SCOPES[bare]
    chinese = re.sub(r"[A-Za-z]", "", bare)
    return _SCOPES.get(chinese) if chinese else None


def _is_number(cell) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    try:
        float(str(cell).replace(",", "").strip())
    except ValueError:
        return False
    return True


# digits broken by the digitisation: spaces or stray dots inside, or a letter read for a
# digit (O for 0, l/I/j for 1, C, a bracket); at least two digits
GARBLED = re.compile(r"^(?=(?:\D*\d){2})[\d\s.．,，OoIljC()（）'_xD]+$")


def parse_number(cell, layout: TableLayout, row: int, column: Column, sheet: str | None = None,
                 letter: str | None = None) -> tuple[float | None, str]:
    """The cell's value and status: ``ok``, ``no_data`` (the yearbook's marks such as "-") or
    ``garbled``: digits broken by the digitisation (``'1 1757538'``, ``'57.78.'``), whose true
    value cannot be known, so it is missing and listed, never guessed. Text raises an error.

    >>> layout = TableLayout(Path("t.xlsx"), "1", "2-1", "", [], [])
    >>> column = Column(0, "C", "x", None, "")
    >>> [parse_number(c, layout, 1, column) for c in ("1 234", 12, "-", "57.78.", "53．O7")]
    [(None, 'garbled'), (12.0, 'ok'), (None, 'no_data'), (None, 'garbled'), (None, 'garbled')]
    """
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell), "ok"
    text = str(cell).replace("\xa0", " ").strip()
    if text.replace(" ", "") in MISSING_MARKS:
        return None, "no_data"
    try:
        return float(text.replace(",", "")), "ok"
    except ValueError:
        pass
    if GARBLED.match(text):
        return None, "garbled"
    raise SourceFormatError(
        f"{layout.where(row, column, sheet, letter)}: {str(cell)!r} is text in a number cell."
    )


def _is_vendor_sheet(name: str) -> bool:
    """The reseller's advertisement sheets ('CNKI', '更多数据，尽在【马克数据网】')."""
    return name.strip().upper() == "CNKI" or "马克" in name


def _read_rows(path: Path) -> list[tuple[str, int, list]]:
    """Every row of the table's sheets, in order, as (sheet, 1-based row, cells).

    A long table may continue on further sheets; the vendor's advertisement sheets are skipped.
    """
    try:
        import python_calamine

        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = [name for name in workbook.sheet_names if not _is_vendor_sheet(name)]
        out = []
        for sheet in sheets:
            rows = workbook.get_sheet_by_name(sheet).to_python()
            out.extend((sheet, i + 1, list(r)) for i, r in enumerate(rows))
    except Exception as exc:  # a truncated or foreign file
        raise SourceFormatError(f"{path.name}: cannot be read as a spreadsheet ({type(exc).__name__}: {exc}).") from exc
    width = max((len(r) for _, _, r in out), default=0)
    return [(sheet, row, cells + [""] * (width - len(cells))) for sheet, row, cells in out]


def _is_data_row(cells: list) -> bool:
    """A row that starts the body: a named row with a number, or a known province/aggregate."""
    name = clean_name(cells[0])
    if not name:
        return False
    if name in AGGREGATE_ROWS or name in PROVINCE_BY_NAME:
        return True
    return any(_is_number(c) for c in cells[1:] if str(c).strip())


def _labels(rows: list[list]) -> tuple[list[list[str]], str]:
    """Cleaned header labels (rows with Chinese text only) and the table's 单位 note."""
    unit_note, labels = "", []
    for r in rows:
        if not any(CJK.search(str(c)) for c in r):
            continue
        row = []
        for cell in r:
            text = clean_label(cell)
            note = _UNIT_NOTE.match(text)
            if note:
                unit_note, text = note.group(1), ""
            row.append(text)
        labels.append(row)
    return labels, unit_note


def _is_english_names(labels: list[str], cells: list) -> bool:
    """The English name column of the 2012 and later editions: no Chinese header, letters only."""
    filled = [str(c).strip() for c in cells if str(c).strip()]
    return (not any(CJK.search(label) for label in labels) and bool(filled)
            and all(re.search(r"[A-Za-z\u00c0-\u024f]", c) and not CJK.search(c) and not _is_number(c)
                    for c in filled))


@dataclass
class _Block:
    """Rows between two headers: one page of the printed table (a sheet or a 续表)."""

    labels: list[list[str]]
    unit_note: str
    body: list[tuple[str, int, list]]
    header_row: tuple[str, int]  # where the block's header starts, for messages


def _blocks(located: list[tuple[str, int, list]], start: int, header_names: set[str] | None) -> list[_Block]:
    from cityclusters.data.sources.yearbook.archives import table_number

    blocks: list[_Block] = []
    i = start
    while i < len(located):
        j = i
        while j < len(located) and not _is_data_row(located[j][2]):
            j += 1
        labels, note = _labels([cells for _, _, cells in located[i:j]])
        if header_names is None:
            header_names = {clean_name(r[0]) for r in labels} - {""}
        k = j
        while k < len(located):
            sheet, _, cells = located[k]
            name = clean_name(cells[0])
            repeated_header = not CJK.search(name) and any(CJK.search(str(c)) for c in cells[1:])
            retitled = table_number(name) is not None  # a continuation page repeating the title
            if k > j and (sheet != located[k - 1][0] or "续表" in name or repeated_header or retitled
                          or (header_names is not None and name in header_names)):
                break
            k += 1
        if j < len(located):
            blocks.append(_Block(labels, note, located[j:k], (located[i][0], located[i][1])))
        i = k
    return blocks


def _panels(block: _Block, width: int) -> list[tuple[int, list[int]]]:
    """(name column, value columns) of each side-by-side panel of a block."""
    starts = [0] + [j for j in range(1, width) if any(row[j] == "城市" for row in block.labels)]
    panels = []
    for n, begin in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else width
        columns = []
        for j in range(begin + 1, stop):
            data = [cells[j] for _, _, cells in block.body]
            if _is_english_names([row[j] for row in block.labels], data):
                continue
            if any(row[j] for row in block.labels) or any(_is_number(c) for c in data):
                columns.append(j)
        panels.append((begin, columns))
    return panels


@lru_cache(maxsize=2048)
def read_layout(path: Path) -> TableLayout:
    """Parse the table in ``path`` (cached per file).

    The first page's header defines the columns. Every further page (a continuation sheet, a
    续表 block) and every side-by-side panel must have as many value columns, with the same
    scope labels where it prints them; its values are then read by position (the vendor's
    repeated headers carry their own misprints, so they are not compared word by word).
    """
    from cityclusters.data.sources.yearbook.archives import table_number

    located = _read_rows(path)
    if not located:
        raise SourceFormatError(f"{path.name}: no table sheet.")
    sheet = located[0][0]
    first_sheet_rows = sum(1 for name, _, _ in located if name == sheet)
    # the title row carries the table number; some editions print a section title above it
    title_row = next((i for i in range(min(4, first_sheet_rows)) if table_number(clean_label(located[i][2][0]))), 0)
    title = clean_label(located[title_row][2][0])
    width = len(located[0][2])
    blocks = _blocks(located, title_row + 1, None)
    if not blocks:
        raise SourceFormatError(f"{path.name}, sheet '{sheet}': no city row found below the header.")
    first = blocks[0]
    panels = _panels(first, width)
    columns = _columns(first.labels, panels[0][1], title, first.unit_note)
    layout = TableLayout(path=path, sheet=sheet, number=table_number(title), title=title, columns=columns, cities=[])
    province = None
    for block in blocks:
        block_panels = _panels(block, width) if block.labels else panels
        for name_column, value_columns in block_panels:
            _check_page(layout, block, value_columns)
            letters = tuple(column_letter(j) for j in value_columns)
            for sheet_name, row, cells in block.body:
                province = _read_city(layout, sheet_name, row, cells[name_column],
                                      tuple(cells[j] for j in value_columns), letters, province)
    _drop_repeated_pages(layout)
    return layout


def _drop_repeated_pages(layout: TableLayout) -> None:
    """Drop rows the vendor's file prints twice with identical values (a page copied twice,
    e.g. the 陕西–新疆 page of table 2-16 in the 2020 edition), recording them in
    ``layout.repeated_rows``; a city printed twice with different values is kept twice, and
    the reader stops on it."""
    seen: dict[tuple, CityRow] = {}
    kept = []
    for city in layout.cities:
        key = (city.name, city.province)
        first = seen.get(key)
        if first is not None and first.cells == city.cells:
            layout.repeated_rows.append((city.sheet, city.row, first.sheet, first.row))
            continue
        seen.setdefault(key, city)
        kept.append(city)
    layout.cities = kept


def _check_page(layout: TableLayout, block: _Block, value_columns: list[int]) -> None:
    sheet, row = block.header_row
    if len(value_columns) != len(layout.columns):
        raise SourceFormatError(
            f"{layout.where(row, sheet=sheet)}: this page of the table has {len(value_columns)} value "
            f"column(s), its first page {len(layout.columns)}: the header no longer matches."
        )
    for column, j in zip(layout.columns, value_columns, strict=True):
        scopes = {scope_of(r[j]) for r in block.labels if r[j] and scope_of(r[j])}
        if column.scope and scopes and scopes != {column.scope}:
            raise SourceFormatError(
                f"{layout.where(row, sheet=sheet)}: column {column_letter(j)} is {sorted(scopes)} on this "
                f"page but {column.scope} ('{column.header}') on the first page."
            )


def _read_city(layout: TableLayout, sheet: str, row: int, cell, values: tuple, letters: tuple,
               province: str | None) -> str | None:
    """Add one body row to ``layout`` (a city) or update the province; return the province."""
    name = clean_name(cell)
    if not name or not CJK.search(name) or name.startswith(("注", "资料来源", "说明")) or len(name) > 15:
        return province  # blank, English, or a footnote printed in the name column
    if name in AGGREGATE_ROWS:
        layout.aggregates.append(name)
        return province
    full = PROVINCE_BY_NAME.get(name)
    if full is not None and full not in MUNICIPALITIES:
        return full
    if full in MUNICIPALITIES:
        layout.cities.append(CityRow(sheet, row, full, full, values, letters))
        return None
    # province None: this table prints no province rows (2005 edition, tables 2-1 and 2-13);
    # the city is then identified by its name alone (reader, crosswalk)
    layout.cities.append(CityRow(sheet, row, name, province, values, letters))
    return province


def _columns(labels: list[list[str]], value_columns: list[int], title: str, unit_note: str) -> list[Column]:
    # A label spans to the right (a merged cell) while the level above continues the same
    # parent, unless the column has its own label further down and the spanning label is a
    # leaf (its first column has none below): then the column is a separate variable.
    def is_part(text: str) -> bool:
        return bool(text) and scope_of(text) is None and not UNIT_ONLY.match(text) and bool(CJK.search(text))

    def has_part_below(level: int, j: int) -> bool:
        return any(is_part(labels[k][j]) for k in range(level + 1, len(labels)))

    filled: list[list[str]] = []
    for level, row in enumerate(labels):
        out = list(row)
        start = {}
        for j in value_columns:
            if out[j]:
                start[j] = j
                continue
            if j - 1 not in value_columns or not out[j - 1]:
                continue
            same_parent = level == 0 or (filled[level - 1][j] == filled[level - 1][j - 1] and labels[level - 1][j] == "")
            origin = start.get(j - 1, j - 1)
            leaf_blocked = has_part_below(level, j) and not has_part_below(level, origin)
            if same_parent and not leaf_blocked and scope_of(out[j - 1]) is None:
                out[j], start[j] = out[j - 1], origin
        filled.append(out)
    table_scope = next((s for k, s in _SCOPES.items() if title.endswith(f"({k})")), None)
    columns = []
    for position, j in enumerate(value_columns):
        parts, scope, unit = [], None, ""
        for row in filled:
            text = row[j]
            if not text:
                continue
            if scope_of(text):
                scope = scope_of(text)
            elif UNIT_ONLY.match(text):
                unit = UNIT_ONLY.match(text).group(1)
            elif not CJK.search(text):
                continue  # an English-only label
            elif not parts or parts[-1] != text:
                parts.append(text)
        header = "/".join(parts)
        if not unit:
            trailing = _TRAILING_UNIT.search(header)
            unit = trailing.group(1) if trailing else unit_note
        columns.append(Column(position, column_letter(j), header, scope or table_scope, unit))
    return columns

def title_text(title: str) -> str:
    """The title without its table number: ``'2-39医院、床位和医生数'`` → ``'医院、床位和医生数'``.

    >>> title_text('3—29卫生'), title_text('(五)贸易、外经')
    ('卫生', '(五)贸易、外经')
    """
    return re.sub(r"^\s*\d+\s*[-—－_–]+\s*\d+", "", title)
