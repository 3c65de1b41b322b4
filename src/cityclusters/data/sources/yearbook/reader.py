"""The tidy yearbook rows: one value per city, data year, edition, scope and variable.

For each mapping row (:mod:`.mapping`) the reader opens the edition's table, checks that the
title, header, scope and printed unit are still those the mapping names, converts the value
to the variable's unit and identifies the city through the prefecture crosswalk. Any mismatch
stops with a message naming the file, sheet, row and column; nothing is dropped silently:
cells printed as "no data", digits garbled by the digitisation and negative values (no
variable here can be negative) become missing values, keep their row and say why in
``cell_status``.

City names are matched, first rule that gives one prefecture wins:
1. ``name_corrections.csv`` (misprints, with evidence);
2. the name, in its province, valid in the data year (crosswalk names and aliases);
3. the name with 市 appended (editions 2000–2004 print 石家庄 for 石家庄市);
4. either of those valid in another year, for a unit that exists in the data year under
   another name (a source that prints a later or earlier name: rule ``…_other_year``). A
   name of a unit that did not exist in the data year (巢湖市 after 2011, 莱芜市 after 2018)
   matches nothing and stops the build naming the file, row and year
   (:mod:`cityclusters.data.sources.unit_years`);
5. the name valid in the year and unique in China, whatever the province row above it says:
   the vendor's files misprint or drop some province rows (折江省 for 浙江省 in the 2019
   edition; no 黑龙江省 row in one 2018 table), which would otherwise put a whole province's
   cities under its neighbour. Tables that print no province rows at all (2005 edition,
   tables 2-1 and 2-13) are matched by this rule too.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cityclusters.data.sources import crosswalk, unit_years
from cityclusters.data.sources.yearbook import archives, mapping
from cityclusters.data.sources.yearbook.sheets import (
    TableLayout,
    parse_number,
    read_layout,
    title_text,
)
from cityclusters.errors import SourceFormatError

COLUMNS = [
    "city_code", "entity_id", "name_zh", "province_zh", "year", "edition", "scope", "variable",
    "value", "unit", "value_printed", "unit_printed", "table", "source_file", "sheet", "source_row",
    "source_column", "cell_status", "printed_text", "name_printed", "match_rule",
]


def _locate(column: mapping.MappedColumn) -> tuple[TableLayout, object]:
    tables = archives.prefecture_tables(column.edition)
    if column.table not in tables:
        raise SourceFormatError(
            f"{column.source}: edition {column.edition} has no prefecture table {column.table} "
            f"(it has {sorted(tables)[:8]}…)."
        )
    layout = read_layout(tables[column.table])
    if title_text(layout.title) != column.title:
        raise SourceFormatError(
            f"{layout.where()}: title {layout.title!r} no longer matches the mapping's {column.title!r} "
            f"({column.source})."
        )
    hits = [c for c in layout.columns if c.header == column.header and c.scope in (column.scope, None)]
    if len(hits) != 1:
        found = sorted({f"{c.header} [{c.scope}]" for c in layout.columns})
        raise SourceFormatError(
            f"{layout.where()}: header no longer matches its mapping: {len(hits)} column(s) "
            f"'{column.header}' with scope {column.scope} ({column.source}); the sheet has {found[:12]}."
        )
    printed = hits[0]
    if printed.unit and printed.unit != column.unit_printed:
        raise SourceFormatError(
            f"{layout.where(column=printed)}: unit printed {printed.unit!r}, the mapping says "
            f"{column.unit_printed!r} ({column.source})."
        )
    return layout, printed


def read_variable(variable: str) -> pd.DataFrame:
    """Every printed value of ``variable`` (all editions and scopes), in the variable's unit."""
    catalogue = mapping.variables().set_index("variable")
    unit = catalogue.loc[variable, "unit"]
    records = []
    for column in mapping.mapped_columns(variable):
        layout, printed = _locate(column)
        factor = mapping.convert_factor(column.unit_values, unit, f"{layout.where(column=printed)} ({column.source})")
        source_file = str(layout.path.relative_to(archives.extracted_dir(column.edition, "tables")))
        for city in layout.cities:
            letter = city.letters[printed.index]
            cell = city.cells[printed.index]
            value, status = parse_number(cell, layout, city.row, printed, sheet=city.sheet, letter=letter)
            if value is not None and value < 0:  # no variable here can be negative: a source error
                value, status = None, "negative"
            records.append((
                city.name, city.province, column.edition - column.lag, column.edition, column.scope, variable,
                None if value is None else value * factor, unit, value, column.unit_values, column.table,
                source_file, city.sheet, city.row, letter, status, str(cell).strip() if status in ("garbled", "negative") else "",
            ))
    frame = pd.DataFrame.from_records(records, columns=[
        "name_printed", "province_printed", "year", "edition", "scope", "variable", "value", "unit",
        "value_printed", "unit_printed", "table", "source_file", "sheet", "source_row", "source_column",
        "cell_status", "printed_text",
    ])
    frame[["value", "value_printed"]] = frame[["value", "value_printed"]].astype(float)
    return _identify_cities(frame)


@lru_cache(maxsize=1)
def _names_index() -> dict[str, list[tuple[str, str, int, int]]]:
    """Crosswalk name → [(entity, province, first year, last year)], names and aliases."""
    index: dict[str, list[tuple[str, str, int, int]]] = {}
    for row in crosswalk.name_spans().itertuples(index=False):
        index.setdefault(row.name, []).append((row.entity_id, row.province_zh, int(row.start), int(row.end)))
    return index


@lru_cache(maxsize=1)
def _alive() -> dict[str, frozenset[int]]:
    return unit_years.unit_years(crosswalk.name_spans())


def known_only_in(name: str, province: str | None, year: int) -> str:
    """`` (the crosswalk knows it in 2000–2010 only)`` when ``name`` (or name + 市) in
    ``province`` is a unit that did not exist in ``year``, else ``""``: for messages."""
    year = max(year, 2000)
    found = [(entity, start, end) for text in (name, name + "市")
             for entity, prov, start, end in _names_index().get(text, ()) if province is None or prov == province]
    if not found or any(year in _alive().get(entity, ()) for entity, _s, _e in found):
        return ""
    return f" (the crosswalk knows it in {min(s for _e, s, _ in found)}–{max(e for _e, _, e in found)} only)"


def _identify_cities(frame: pd.DataFrame) -> pd.DataFrame:
    keys = frame[["name_printed", "province_printed", "year", "edition", "table", "source_row"]].drop_duplicates()
    names = _names_index()
    corrections = _corrections_index()
    resolved = {tuple(k): _match(tuple(k), names, corrections) for k in keys.itertuples(index=False)}
    bad = [k for k, v in resolved.items() if v is None]
    if bad:
        sample = frame.set_index(["name_printed", "province_printed", "year", "edition", "table", "source_row"]).loc[bad[:10]]
        where = [f"{r.source_file}, sheet '{r.sheet}', row {k[5]}, year {k[2]}: {k[0]!r} ({k[1]})"
                 + known_only_in(k[0], k[1], k[2]) for k, r in zip(sample.index, sample.itertuples(), strict=False)]
        raise SourceFormatError(
            f"yearbook: {len(bad)} printed city name(s) the crosswalk does not know in their data "
            f"year: {where[:10]}. Add a row to data/facts/yearbook/name_corrections.csv with the evidence."
        )
    index = pd.MultiIndex.from_frame(frame[["name_printed", "province_printed", "year", "edition", "table", "source_row"]])
    matched = pd.DataFrame([resolved[k] for k in index], columns=["entity_id", "match_rule"], index=frame.index)
    frame = pd.concat([frame, matched], axis=1)
    entities = crosswalk.entities().set_index("entity_id")
    frame["city_code"] = frame["entity_id"].map(entities["city_code"]).astype(int)
    frame["name_zh"] = frame["entity_id"].map(entities["name_zh"])
    frame["province_zh"] = frame["entity_id"].map(entities["province_zh"])
    return _drop_repeated_rows(frame[COLUMNS])


def _drop_repeated_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A city printed twice in one table: identical values are one value printed twice (the
    vendor repeats some pages, e.g. the 安徽 page of table 2-37 in the 2007 edition, once under
    a wrong province row) and the repeat is dropped; different values stop the build."""
    key = ["entity_id", "year", "edition", "scope", "variable"]
    repeated = frame.duplicated(key, keep=False)
    if not repeated.any():
        return frame
    groups = frame[repeated].groupby(key, dropna=False)
    conflicting = groups["value_printed"].nunique(dropna=False) > 1
    if conflicting.any():
        first = conflicting[conflicting].index[0]
        rows = frame[repeated].set_index(key).loc[[first]]
        where = [f"{r.source_file}, sheet '{r.sheet}', row {r.source_row} ({r.name_printed}: {r.value_printed})"
                 for r in rows.itertuples()]
        raise SourceFormatError(
            f"yearbook: {first[0]} is printed twice with different values: {where}. One of the names "
            "is misprinted: add a row for it to data/facts/yearbook/name_corrections.csv."
        )
    return frame[~frame.duplicated(key, keep="first")].reset_index(drop=True)


@lru_cache(maxsize=1)
def _corrections_index() -> dict[str, list[tuple]]:
    index: dict[str, list[tuple]] = {}
    for row in mapping.name_corrections().itertuples(index=False):
        index.setdefault(row.name_printed, []).append(
            (row.edition_first, row.edition_last, row.province_zh, row.table, row.row, row.name_zh))
    return index


def match_city(name: str, province: str | None, year: int, edition: int, table: str = "",
               row: int | None = None) -> tuple[str, str] | None:
    """``(entity_id, match_rule)`` of a printed prefecture name by the rules above, or None.

    ``table`` and ``row`` select corrections tied to one table or row of the table form
    (``"cross_section"`` for the vendor's wide sheets, where only general corrections apply).
    """
    return _match((name, province, year, edition, table, row), _names_index(), _corrections_index())


def _match(key, names: dict, corrections: dict):
    name, province, year, edition, table, source_row = key
    year = max(year, 2000)  # the crosswalk's names start in 2000; data year 1999 uses them
    fixes = [fix for fix in corrections.get(name, ())
             if fix[0] <= edition <= fix[1] and (fix[2] == province or province is None)
             and fix[3] in ("", table) and fix[4] in ("", str(source_row))]
    candidates = [("correction", fixes[0][5])] if len(fixes) == 1 else []
    candidates += [("name_in_year", name), ("name_with_shi", name + "市")]
    alive = _alive()
    for in_year in (True, False):
        for rule, text in candidates:
            ids = {entity for entity, prov, start, end in names.get(text, ())
                   if (province is None or prov == province)
                   and (start <= year <= end if in_year else year in alive.get(entity, ()))}
            if len(ids) == 1:
                return ids.pop(), rule if in_year else f"{rule}_other_year"
    for _rule, text in candidates:
        ids = {entity for entity, _prov, start, end in names.get(text, ()) if start <= year <= end}
        if len(ids) == 1:
            return ids.pop(), "name_unique_in_china"
    return None
