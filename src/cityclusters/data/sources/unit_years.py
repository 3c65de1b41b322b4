"""When a prefecture-level unit exists, and what to do with a source row for a year it did not.

A unit exists in a year when one of its crosswalk names or aliases is valid that year
(:func:`cityclusters.data.sources.crosswalk.name_spans`). Years outside the crosswalk's span
(it starts in 2000) are judged at its nearest year.

A source row that names a unit in a year the unit did not exist (巢湖市 after its abolition in
2011, 莱芜市 after its merger into 济南市 in 2019, a prefecture printed for years before it
was set up) is never matched silently. It is an error naming the file, row and year unless
``data/facts/prefecture_year_rules.csv`` holds a cited rule for that file, name and years:

- ``exclude``: the rows are left out of the table and listed in ``attrs['excluded']``
  (e.g. a source that back-casts a later prefecture's territory to years before it existed);
- ``successor``: the rows belong to the unit named in ``successor_zh`` (which must exist in
  those years).

Excluded rows carry the rule's row (``rule_row``); a test on the real data
(``tests/data/test_tables_real.py``) checks that every rule still matches rows of its file,
so rules cannot go stale.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cityclusters.data.facts import read_fact
from cityclusters.errors import SourceFormatError

RULES_FILE = "prefecture_year_rules.csv"
RULE_KINDS = ("exclude", "successor")


def unit_years(spans: pd.DataFrame) -> dict[str, frozenset[int]]:
    """entity_id → the years it exists, from name spans (columns entity_id, start, end)."""
    years: dict[str, set[int]] = {}
    for entity, start, end in spans[["entity_id", "start", "end"]].itertuples(index=False):
        years.setdefault(entity, set()).update(range(int(start), int(end) + 1))
    return {entity: frozenset(values) for entity, values in years.items()}


def clamp_year(year: int, spans: pd.DataFrame) -> int:
    """``year`` moved inside the crosswalk's span (its names start in 2000)."""
    return int(clamp_years(pd.Series([year]), spans).iloc[0])


def clamp_years(years: pd.Series, spans: pd.DataFrame) -> pd.Series:
    """Every year of ``years`` moved inside the crosswalk's span (first start to last end).

    >>> spans = pd.DataFrame({"start": [2000, 2011], "end": [2010, 2023]})
    >>> clamp_years(pd.Series([1995, 2005, 2024.0]), spans).tolist()
    [2000, 2005, 2023]
    """
    return years.astype(int).clip(int(spans["start"].min()), int(spans["end"].max()))


@lru_cache(maxsize=1)
def rules() -> pd.DataFrame:
    """The cited rules of ``data/facts/prefecture_year_rules.csv`` (with ``source_row``)."""
    table = read_fact(RULES_FILE, source_row=True)
    bad = table[~table["rule"].isin(RULE_KINDS)]
    if len(bad):
        row = bad.iloc[0]
        raise SourceFormatError(f"data/facts/{RULES_FILE}: row {row['source_row']}, column 'rule': "
                                f"{row['rule']!r} is not one of {list(RULE_KINDS)}.")
    need = table[(table["rule"] == "successor") & table["successor_zh"].isna()]
    if len(need):
        raise SourceFormatError(f"data/facts/{RULES_FILE}: row {need.iloc[0]['source_row']}, column "
                                "'successor_zh' is empty for a 'successor' rule.")
    return table


def rules_for(where: str) -> pd.DataFrame:
    """The rules of the source file ``where`` (a registry key; a sheet suffix is ignored)."""
    table = rules()
    mask = pd.Series([where == key or where.startswith(f"{key},") for key in table["source_key"]],
                     index=table.index, dtype=bool)
    return table[mask]


def rule_of(applicable: pd.DataFrame, name: str, province: str, year: int) -> pd.Series | None:
    """The one rule for ``name`` in ``province`` and ``year`` (None when there is none)."""
    hit = applicable[(applicable["name_zh"] == name) & (applicable["province_zh"] == province)
                     & (applicable["first_year"] <= year) & (applicable["last_year"] >= year)]
    return None if hit.empty else hit.iloc[0]


def describe_out_of_years(rows: pd.DataFrame, name: str, province: str, year: str,
                          known: dict[tuple[str, str], str], limit: int = 10) -> str:
    """``巢湖市 (安徽省), year 2012, row 5 (valid 2000–2010)`` for each of the first rows."""
    parts = []
    for row in rows.head(limit).itertuples(index=False):
        values = row._asdict()
        label = f"{values[name]} ({values[province]}), year {int(values[year])}"
        if "source_row" in values:
            label += f", row {int(values['source_row'])}"
        span = known.get((values[name], values[province]))
        parts.append(label + (f" (the crosswalk knows it in {span} only)" if span else ""))
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return "; ".join(parts) + more
