"""Stable prefecture identities from the china-prefecture-crosswalk source (FIERsity, CC BY 4.0).

The crosswalk gives every prefecture-level unit since 1987 a permanent research id
(``CNUR-000123``), its names by year and its aliases. Its legacy id ``E510100`` carries the
unit's six-digit administrative division code, which we use as ``city_code``.

:func:`harmonise` attaches ``entity_id`` and ``city_code`` to any frame with a city name,
province, year and (possibly outdated) source code, so that a city keeps one code across
renames and upgrades (吐鲁番地区 → 吐鲁番市, 652100 → 650400; 毕节地区 → 毕节市, 522400 → 520500).
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from cityclusters.data.sources.reading import read_checked
from cityclusters.errors import SourceFormatError

SOURCE = "FIERsity__china-prefecture-crosswalk/data/processed"
ENTITIES = f"{SOURCE}/entities.csv"
NAMES = f"{SOURCE}/entity_names.csv"
ALIASES = f"{SOURCE}/aliases.csv"

# Sources code the four municipalities with their province-level code (110000); the
# crosswalk (and the census) use the prefecture-equivalent code (110100).
MUNICIPALITY_CODES = {110000: 110100, 120000: 120100, 310000: 310100, 500000: 500100}


@lru_cache(maxsize=1)
def entities() -> pd.DataFrame:
    """Current prefecture-level research entities: id, city code, canonical name, province."""
    frame = read_checked(
        ENTITIES,
        {
            "entity_id": "entity_id",
            "legacy_entity_id": "legacy_entity_id",
            "canonical_name_zh": "name_zh",
            "province_name_zh": "province_zh",
        },
        dtype=str,
    )
    bad = ~frame["legacy_entity_id"].str.fullmatch(r"E\d{6}")
    if bad.any():
        row = frame.loc[bad].iloc[0]
        raise SourceFormatError(
            f"{ENTITIES}: legacy_entity_id {row['legacy_entity_id']!r} at row "
            f"{row['source_row']} is not E + six digits."
        )
    frame["city_code"] = frame["legacy_entity_id"].str[1:].astype(int)
    return frame.drop(columns=["source_row", "legacy_entity_id"]).reset_index(drop=True)


@lru_cache(maxsize=1)
def name_spans() -> pd.DataFrame:
    """Every (name, entity, first year, last year) the crosswalk knows: names and aliases."""
    names = read_checked(
        NAMES,
        {"entity_id": "entity_id", "name_zh": "name", "start_year": "start", "end_year": "end"},
    )
    aliases = read_checked(
        ALIASES,
        {"alias": "name", "entity_id": "entity_id", "start_year": "start", "end_year": "end"},
    )
    spans = pd.concat([names, aliases], ignore_index=True).dropna(subset=["name"])
    spans = spans.merge(entities()[["entity_id", "province_zh"]], on="entity_id", how="inner")
    return spans[["name", "entity_id", "province_zh", "start", "end"]].drop_duplicates()


def harmonise(
    frame: pd.DataFrame,
    *,
    where: str,
    code: str | None = "code",
    name: str = "name_zh",
    province: str = "province_zh",
    year: str | None = "year",
) -> pd.DataFrame:
    """Add ``entity_id``, ``city_code`` and ``match_rule`` to ``frame``.

    Rules, first that gives exactly one entity in the same province wins:

    1. ``name_in_year``: the name (or an alias) valid in that year;
    2. ``name_any_year``: the name valid in some year (sources that back-cast a new name);
    3. ``code``: the source code equals the entity's code (municipality codes mapped).

    Rows no rule resolves raise :class:`SourceFormatError` listing ``where``, the rows and
    their name/code, so nothing is dropped silently. ``where`` names the source file.
    """
    spans = name_spans().rename(columns={"name": name, "province_zh": province})
    ents = entities()
    out = frame.copy()
    keys = [c for c in (name, province, year, code) if c is not None]
    lookup = out[keys].drop_duplicates().reset_index(drop=True)
    lookup["entity_id"], lookup["match_rule"] = None, None

    def unique_entity(candidates: pd.DataFrame) -> pd.Series:
        per_key = candidates.groupby(keys, dropna=False)["entity_id"].agg(["nunique", "first"])
        return per_key.loc[per_key["nunique"] == 1, "first"]

    by_name = lookup[keys].merge(spans, on=[name, province], how="inner")
    rules = []
    if year is not None:
        rules.append(("name_in_year", by_name[(by_name["start"] <= by_name[year]) & (by_name["end"] >= by_name[year])]))
    rules.append(("name_any_year", by_name))
    if code is not None:
        by_code = lookup[keys].assign(
            city_code=lookup[code].map(lambda c: MUNICIPALITY_CODES.get(int(c), int(c)) if pd.notna(c) else None)
        ).merge(
            ents[["entity_id", "city_code", "province_zh"]].rename(columns={"province_zh": province}),
            on=["city_code", province],
            how="inner",
        )
        rules.append(("code", by_code))
    for rule, candidates in rules:
        found = unique_entity(candidates)
        index = pd.MultiIndex.from_frame(lookup[keys]) if len(keys) > 1 else pd.Index(lookup[keys[0]])
        hit = index.isin(found.index) & lookup["entity_id"].isna().to_numpy()
        lookup.loc[hit, "entity_id"] = found.reindex(index[hit]).to_numpy()
        lookup.loc[hit, "match_rule"] = rule
    out = out.merge(lookup, on=keys, how="left", validate="many_to_one")
    unresolved = out["entity_id"].isna()
    if unresolved.any():
        bad = out.loc[unresolved]
        rows = bad["source_row"].tolist()[:10] if "source_row" in bad else bad.index.tolist()[:10]
        names = bad[name].drop_duplicates().tolist()[:10]
        raise SourceFormatError(
            f"{where}: {int(unresolved.sum())} row(s) name a city the crosswalk does not know "
            f"(column '{name}'): {names}, rows {rows}. Add an alias or fix the name."
        )
    out = out.merge(ents[["entity_id", "city_code"]], on="entity_id", how="left")
    return out
