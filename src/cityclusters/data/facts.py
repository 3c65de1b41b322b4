"""The typed, cited fact tables of ``data/facts``: one reader, each file with its schema.

Every hand-typed table (plan dates, committee members, corridors, planned lines, published
estimates, …) is read here and nowhere else. :data:`FACT_TABLES` states, per file, the
columns it must have, the column types and how empty cells are read; :func:`read_fact`
refuses a missing file, a missing column or a value of the wrong type with a message naming
the file, the row (as numbered in a spreadsheet, header = row 1) and the column. Dates are
checked here too: each date column named in a schema's ``dates`` has a precision column
(``day``, ``month`` or ``year``), and its value must be a real calendar date written at that
precision (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``), so that a plan's approval date, issue date
or month cannot be mistyped or mixed up silently. The domain rules of each table (a known
cluster id, a year inside the panel) stay with the code that uses the table; the citations
are in ``data/facts/FACTS_SOURCES.md`` and in each row.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cityclusters.errors import SourceFormatError
from cityclusters.paths import facts_dir

#: How empty cells are read: only "" is missing ("empty"); pandas' default markers such as
#: "NA" are missing too ("pandas"); nothing is missing ("none").
NA_RULES = ("empty", "pandas", "none")
_CITED = ("source", "source_url")
#: How a date is written at each precision (the value of a date's precision column).
DATE_FORMATS = {"day": ("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
                "month": ("%Y-%m", r"\d{4}-\d{2}", "YYYY-MM"),
                "year": ("%Y", r"\d{4}", "YYYY")}


@dataclass(frozen=True)
class FactTable:
    """The schema of one fact file: required ``columns``, ``dtype`` passed to the CSV reader
    (``str`` for every column, or a column → type mapping), the ``na`` rule and ``dates``:
    date column → the column holding its precision (see :data:`DATE_FORMATS`). A date and its
    precision are empty together (a date that is not known) or filled together."""

    columns: tuple[str, ...]
    dtype: object = None
    na: str = "empty"
    dates: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.na not in NA_RULES:
            raise ValueError(f"FactTable.na must be one of {NA_RULES}; got {self.na!r}")
        unknown = [c for pair in self.dates.items() for c in pair if c not in self.columns]
        if unknown:
            raise ValueError(f"FactTable.dates names columns that are not in the schema: {unknown}")


FACT_TABLES: dict[str, FactTable] = {
    # The City Statistical Yearbook's reviewed mapping (data/facts/yearbook/): the variable
    # catalogue, unit conversions, misprinted names and one mapping file per variable, all
    # read with the schema "yearbook/mapping.csv".
    "yearbook/variables.csv": FactTable(("variable", "name_zh", "name_en", "short_en", "subsystem", "unit", "break_years", "breaks"),
                                        dtype=str, na="none"),
    "yearbook/units.csv": FactTable(("unit_printed", "unit", "factor", "note"),
                                    dtype={"unit_printed": str, "unit": str, "factor": float, "note": str}, na="none"),
    "yearbook/name_corrections.csv": FactTable(
        ("edition_first", "edition_last", "name_printed", "province_zh", "table", "row", "name_zh", "evidence"),
        dtype={"edition_first": int, "edition_last": int, "name_printed": str, "province_zh": str,
               "table": str, "row": str, "name_zh": str, "evidence": str}, na="none"),
    "yearbook_spot_values.csv": FactTable(
        ("name_zh", "province_zh", "year", "variable", "value", "unit", "scope", "tolerance",
         "indicator_as_published", *_CITED, "note"),
        dtype={"name_zh": str, "province_zh": str, "year": int, "variable": str, "value": float, "unit": str,
               "scope": str, "tolerance": float, "indicator_as_published": str, "source": str,
               "source_url": str, "note": str}, na="none"),
    "yearbook/mapping.csv": FactTable(
        ("edition_first", "edition_last", "lag", "table", "title", "header", "scope", "unit_printed",
         "unit_values", "note"),
        dtype={"edition_first": int, "edition_last": int, "lag": int, "table": str, "title": str,
               "header": str, "scope": str, "unit_printed": str, "unit_values": str, "note": str}, na="none"),
    "benchmarks_prd_members.csv": FactTable(("cluster_id", "city_zh", "province_zh", *_CITED), na="pandas"),
    # The city-level indicator system (cityclusters.data.city_indicators): formulas in
    # numerator/denominator, years without a definitional break in first_year/last_year.
    "city_indicator_system.csv": FactTable(
        ("subsystem_id", "subsystem_zh", "subsystem_en", "indicator_id", "short_en", "description_en",
         "description_zh", "unit", "direction", "level", "source", "numerator", "denominator", "skewed",
         "first_year", "last_year", "rationale", "citation"),
        dtype={"subsystem_id": str, "subsystem_zh": str, "subsystem_en": str, "indicator_id": str,
               "short_en": str, "description_en": str, "description_zh": str, "unit": str,
               "direction": str, "level": str, "source": str, "numerator": str, "denominator": str,
               "skewed": str, "first_year": int, "last_year": int, "rationale": str, "citation": str}),
    "city_centre_corrections.csv": FactTable(
        ("city_code", "name_zh", "lon", "lat", "source_lon", "source_lat", *_CITED, "verification", "note"),
        dtype={"city_code": int}),
    "cluster_members.csv": FactTable(
        ("cluster_id", "city_zh", "province_zh", "partial", "partial_note", *_CITED), dtype=str),
    # One row per city-cluster plan: the book's clusters (in_book = true) and the other
    # national plans approved by the State Council; approval (批复/审议) and issue (印发) are
    # different acts with their own date, precision and document number.
    "cluster_plans.csv": FactTable(
        ("cluster_id", "in_book", "name_zh", "name_en", "plan_zh", "approved_by", "approved_date",
         "approved_date_precision", "approval_document_no", "issued_by", "issued_date",
         "issued_date_precision", "issue_document_no", "members_from", "scope_note", "provinces_zh",
         *_CITED, "verification", "note", "county_level_members_zh"), dtype=str,
        dates={"approved_date": "approved_date_precision", "issued_date": "issued_date_precision"}),
    "corridors.csv": FactTable(
        ("corridor_id", "corridor_zh", "corridor_en", "cluster_id", "order", "city_code", "city_zh",
         *_CITED, "note"), dtype=str, na="none"),
    "did_published_estimates.csv": FactTable(
        ("study_id", "study", "citation_key", "method", "sample", "treatment", "outcome", "estimate",
         "unit", "sign", "comparable", *_CITED, "verification", "note"), na="pandas"),
    "events.csv": FactTable(
        ("event_id", "event_type", "date", "date_precision", "cluster_id", "plan_cluster_id", "title_zh",
         "title_en", "document_no", "cities_zh", "travel_time_h", *_CITED, "verification", "note"), dtype=str,
        dates={"date": "date_precision"}),
    "linkages_line_openings.csv": FactTable(
        ("line", "from_station", "to_station", "opened", "railwayvis_value", *_CITED, "verification"),
        dtype=str, na="pandas"),
    "linkages_line_stations.csv": FactTable(
        ("line", "after_station", "station", "before_station", "city_code", "prefecture_zh", *_CITED,
         "verification"), dtype=str),
    "linkages_station_prefecture.csv": FactTable(
        ("station", "county_zh", "county_code", "prefecture_zh", *_CITED, "verification"),
        dtype=str, na="pandas"),
    "paper000_table1.csv": FactTable(
        ("indicator_id", "indicator_zh", "indicator_en", "unit", "unit_en", "chongqing", "chengdu",
         "guiyang", "year", "source", "note"), dtype={"indicator_id": str, "year": int}),
    "nbs_regions.csv": FactTable(
        ("province_zh", "province_in_source", "region_zh", "region_en", *_CITED, "note"), dtype=str),
    "paper002_ten_clusters.csv": FactTable(
        ("name_zh", "name_en", "cluster_id", "source", "provinces_zh", "provinces_source", "plan_cluster_id"),
        dtype=str),
    "pinyin_overrides.csv": FactTable(("name_zh", "pinyin", "reason", "source"), dtype=str, na="pandas"),
    # Source rows for a prefecture in a year it did not exist (cityclusters.data.sources.unit_years).
    "prefecture_year_rules.csv": FactTable(
        ("source_key", "name_zh", "province_zh", "first_year", "last_year", "rule", "successor_zh",
         "reason", *_CITED),
        dtype={"source_key": str, "name_zh": str, "province_zh": str, "first_year": int, "last_year": int,
               "rule": str, "successor_zh": str, "reason": str, "source": str, "source_url": str}),
    "scenario_lines.csv": FactTable(
        ("line_id", "line_zh", "line_en", "cluster_id", "cities_zh", "planned_time_h", "time_between_zh",
         "design_speed_kmh", "length_km", "status", *_CITED, "verification", "note"),
        dtype={"planned_time_h": str}, na="pandas"),
    "seed_claims.csv": FactTable(
        ("claim_id", "paper", "section", "claim_en", "quantity", "year", "stated_value", "testable_with"),
        dtype=str),
    "source_catalogue.csv": FactTable(
        ("source", "content", "original_producer", "vintage", "licence", "publication_rule",
         "known_flaws", "citation_key", "used_by"), dtype=str, na="none"),
    "source_errata.csv": FactTable(
        ("source_key", "name_zh", "province_zh", "year", "columns", "source_gdp", "action", "reason",
         "evidence"), dtype={"year": int, "source_gdp": float}),
    "subsystem_indicators.csv": FactTable(
        ("subsystem_id", "subsystem_zh", "subsystem_en", "indicator_id", "short_en", "description_en",
         "description_zh", "unit", "direction", "level", "source", "first_year", "last_year",
         "rationale", "citation"), dtype={"indicator_id": str}, na="pandas"),
    "yrd_committee_members.csv": FactTable(
        ("city_zh", "province_zh", "cohort", "join_date", "date_precision", "meeting_zh", *_CITED,
         "verification", "note"), dtype=str, dates={"join_date": "date_precision"}),
}


def date_bounds(value: str, precision: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date written at ``precision`` (:data:`DATE_FORMATS`) can mean.

    >>> date_bounds("2018-02", "month")
    (datetime.date(2018, 2, 1), datetime.date(2018, 2, 28))
    >>> date_bounds("2015-03-26", "day")[1]
    datetime.date(2015, 3, 26)
    """
    if precision not in DATE_FORMATS:
        raise ValueError(f"date precision must be one of {list(DATE_FORMATS)}; got {precision!r}")
    first = dt.datetime.strptime(value, DATE_FORMATS[precision][0]).date()
    if precision == "day":
        return first, first
    if precision == "month":
        following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    return first, dt.date(first.year, 12, 31)


def fact_names() -> list[str]:
    """The registered fact files."""
    return sorted(FACT_TABLES)


def read_fact(name: str, path: str | Path | None = None, *, source_row: bool = False) -> pd.DataFrame:
    """Read the fact table ``name`` (a key of :data:`FACT_TABLES`) from ``data/facts`` (or from
    ``path``, e.g. a test's copy) with its schema.

    ``source_row=True`` adds a first column ``source_row``: the spreadsheet row of each record
    (header = 1), for error messages downstream. Raises :class:`SourceFormatError` naming the
    file, row and column.
    """
    if name not in FACT_TABLES:
        raise SourceFormatError(f"{name!r} is not a registered fact table; known: {fact_names()}")
    spec = FACT_TABLES[name]
    path = Path(path) if path is not None else facts_dir() / name
    where = f"data/facts/{name}" if path == facts_dir() / name else str(path)
    if not path.is_file():
        raise SourceFormatError(f"typed fact table {where} is missing.")
    options = {"empty": {"keep_default_na": False, "na_values": [""]}, "pandas": {},
               "none": {"keep_default_na": False}}[spec.na]
    try:
        frame = pd.read_csv(path, dtype=spec.dtype, encoding="utf-8", **options)
    except UnicodeDecodeError:
        raise SourceFormatError(_not_utf8(path, where)) from None
    except (ValueError, TypeError) as exc:
        raise SourceFormatError(_locate_bad_value(path, where, spec, options) or f"{where}: {exc}") from None
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{where}: missing column(s) {missing}; expected {list(spec.columns)}")
    for column, precision in spec.dates.items():
        _check_dates(frame, where, column, precision)
    if source_row:
        frame.insert(0, "source_row", frame.index + 2)
    return frame


def _check_dates(frame: pd.DataFrame, where: str, column: str, precision: str) -> None:
    """Refuse the first bad date of ``column``: a precision that is not one of
    :data:`DATE_FORMATS`, a date without precision or the reverse, a value not written at its
    precision, or a day or month that does not exist. The message names file, row and column."""
    for i, (value, kind) in enumerate(zip(frame[column], frame[precision]), start=2):
        value = "" if pd.isna(value) else str(value).strip()
        kind = "" if pd.isna(kind) else str(kind).strip()
        if not value and not kind:
            continue
        if kind not in DATE_FORMATS:
            raise SourceFormatError(f"{where}: row {i}, column {precision!r}: {kind!r} is not a date precision "
                                    f"(one of {list(DATE_FORMATS)}; empty only if {column!r} is empty)")
        fmt, pattern, shown = DATE_FORMATS[kind]
        if not value:
            raise SourceFormatError(f"{where}: row {i}, column {column!r}: empty, but {precision!r} says {kind!r}")
        if not re.fullmatch(pattern, value):
            raise SourceFormatError(f"{where}: row {i}, column {column!r}: {value!r} is not a date of precision "
                                    f"{kind!r} (written {shown}, as column {precision!r} says)")
        try:
            dt.datetime.strptime(value, fmt)
        except ValueError:
            raise SourceFormatError(f"{where}: row {i}, column {column!r}: {value!r} is not a calendar date") from None


def _not_utf8(path: Path, where: str) -> str:
    """The message for a fact file that is not UTF-8: the first bad byte, its line (header =
    row 1) and, when the file decodes as GBK (a common save format), that hint."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return f"{where}: not UTF-8 text; save it as UTF-8"
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gbk")
            hint = " (it reads as GBK: save it as UTF-8)"
        except UnicodeDecodeError:
            hint = "; save it as UTF-8"
        return f"{where}: not UTF-8 text: {exc.reason} at byte {exc.start}, row {row}{hint}"


def _locate_bad_value(path: Path, where: str, spec: FactTable, options: dict) -> str | None:
    """The first cell that cannot be read as its column's type, as a message (or None)."""
    if not isinstance(spec.dtype, dict):
        return None
    text = pd.read_csv(path, dtype=str, encoding="utf-8", **options)
    for column, kind in spec.dtype.items():
        if column not in text.columns or kind is str:
            continue
        for i, value in text[column].items():
            try:
                kind(value)
            except (TypeError, ValueError):
                return f"{where}: row {i + 2}, column {column!r}: {value!r} is not {kind.__name__}"
    return None
