"""The reviewed mapping from printed yearbook columns to the book's variables.

Files in ``data/facts/yearbook/`` (typed facts, each row citing the printed table it reads):

``variables.csv``
    one row per variable: Chinese and English names, subsystem, the one unit the tidy table
    uses, the definitional breaks a reader must know (e.g. 医院、卫生院 in editions
    2002–2017) and ``break_years``: data years whose level jumps by definition (S&T spending
    in 2007, after the budget reclassification), separated by ``;``.
``mappings/<variable>.csv``
    one row per edition range and scope: the table number, its title and the column header
    exactly as :func:`cityclusters.data.sources.yearbook.sheets.read_layout` reads them, the
    scope (全市/市辖区), the unit as printed, the unit the values are really in (``unit_values``:
    different only where the evidence shows the printed unit is wrong, stated in ``note``) and
    ``lag`` (edition − data year; 2 for the earlier year some editions also print). A column is taken only when title, header and scope match
    exactly: nothing is found by loose substring matching.
``units.csv``
    the factor from each printed unit to the variable's unit; a printed unit without a row is
    an error.
``name_corrections.csv``
    misprinted city names in the vendor's files, with the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from cityclusters.data.facts import read_fact
from cityclusters.errors import SourceFormatError
from cityclusters.paths import facts_dir

SCOPES = ("全市", "市辖区")


def mapping_dir():
    return facts_dir() / "yearbook" / "mappings"


@lru_cache(maxsize=1)
def variables() -> pd.DataFrame:
    """The variable catalogue (``data/facts/yearbook/variables.csv``)."""
    frame = read_fact("yearbook/variables.csv")
    dup = frame["variable"].duplicated()
    if dup.any():
        raise SourceFormatError(f"data/facts/yearbook/variables.csv: duplicate variable(s) {frame.loc[dup, 'variable'].tolist()}")
    return frame


def break_years() -> set[tuple[str, int]]:
    """(variable, data year) pairs where a documented definitional break changes the level."""
    return {(row.variable, int(year)) for row in variables().itertuples()
            for year in row.break_years.split(";") if year.strip()}


@dataclass(frozen=True)
class MappedColumn:
    """One mapping row: where a variable is printed in one edition."""

    variable: str
    edition: int
    lag: int
    table: str
    title: str
    header: str
    scope: str
    unit_printed: str
    unit_values: str
    source: str  # "mappings/<variable>.csv, row r"


def read_mapping(variable: str) -> pd.DataFrame:
    """The mapping rows of ``variable``, checked: scopes, edition ranges, no overlaps."""
    path = mapping_dir() / f"{variable}.csv"
    where = f"data/facts/yearbook/mappings/{variable}.csv"
    if variable not in set(variables()["variable"]):
        raise SourceFormatError(f"{variable!r} is not in data/facts/yearbook/variables.csv")
    frame = read_fact("yearbook/mapping.csv", path=path, source_row=True)
    for row in frame.itertuples():
        if row.scope not in SCOPES:
            raise SourceFormatError(f"{where}: row {row.source_row}, column 'scope': {row.scope!r} is not one of {SCOPES}")
        if not 2000 <= row.edition_first <= row.edition_last <= 2024:
            raise SourceFormatError(f"{where}: row {row.source_row}: edition range {row.edition_first}–{row.edition_last} is outside 2000–2024")
        if row.lag not in (1, 2):
            raise SourceFormatError(f"{where}: row {row.source_row}, column 'lag': {row.lag} is not 1 or 2")
    expanded = [(e, r.scope, r.lag, r.source_row) for r in frame.itertuples() for e in range(r.edition_first, r.edition_last + 1)]
    seen: dict[tuple, int] = {}
    for edition, scope, lag, source_row in expanded:
        key = (edition, scope, lag)
        if key in seen:
            raise SourceFormatError(f"{where}: rows {seen[key]} and {source_row} both map edition {edition}, scope {scope}, lag {lag}")
        seen[key] = source_row
    return frame


def mapped_columns(variable: str) -> list[MappedColumn]:
    """Every (edition, scope, lag) of ``variable`` with the printed column it is read from."""
    out = []
    for row in read_mapping(variable).itertuples():
        for edition in range(row.edition_first, row.edition_last + 1):
            out.append(MappedColumn(variable, edition, row.lag, row.table, row.title, row.header, row.scope,
                                    row.unit_printed, row.unit_values, f"mappings/{variable}.csv, row {row.source_row}"))
    return out


@lru_cache(maxsize=1)
def unit_factors() -> dict[tuple[str, str], float]:
    """(printed unit, variable unit) → factor, from ``units.csv``."""
    frame = read_fact("yearbook/units.csv", source_row=True)
    factors: dict[tuple[str, str], float] = {}
    for row in frame.itertuples():
        key = (row.unit_printed, row.unit)
        if key in factors:
            raise SourceFormatError(f"data/facts/yearbook/units.csv: row {row.source_row} repeats {key}")
        factors[key] = float(row.factor)
    return factors


def convert_factor(unit_printed: str, unit: str, where: str) -> float:
    """The factor turning a value printed in ``unit_printed`` into ``unit``.

    >>> convert_factor("万元", "亿元", "test"), convert_factor("千册、千件", "万册", "test")
    (0.0001, 0.1)
    """
    try:
        return unit_factors()[(unit_printed, unit)]
    except KeyError:
        raise SourceFormatError(
            f"{where}: unit {unit_printed!r} has no conversion to {unit!r} in data/facts/yearbook/units.csv"
        ) from None


@lru_cache(maxsize=1)
def name_corrections() -> pd.DataFrame:
    """Misprinted names in the vendor's tables, with evidence (``name_corrections.csv``)."""
    return read_fact("yearbook/name_corrections.csv", source_row=True)
