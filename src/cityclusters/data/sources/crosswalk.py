"""Stable prefecture identities from the china-prefecture-crosswalk source (FIERsity, CC BY 4.0).

The crosswalk gives every prefecture-level unit since 1987 a permanent research id
(``CNUR-000123``), its names by year and its aliases. Its legacy id ``E510100`` carries the
unit's six-digit administrative division code, which we use as ``city_code``.

:func:`harmonise` attaches ``entity_id`` and ``city_code`` to any frame with a city name,
province, year and (possibly outdated) source code, so that a city keeps one code across
renames and upgrades (吐鲁番地区 → 吐鲁番市, 652100 → 650400; 毕节地区 → 毕节市, 522400 → 520500).
"""

from __future__ import annotations


import pandas as pd

from cityclusters.data.provenance import remembered
from cityclusters.data.sources import unit_years
from cityclusters.data.sources.reading import read_checked
from cityclusters.errors import SourceFormatError

SOURCE = "FIERsity__china-prefecture-crosswalk/data/processed"
ENTITIES = f"{SOURCE}/entities.csv"
NAMES = f"{SOURCE}/entity_names.csv"
ALIASES = f"{SOURCE}/aliases.csv"

# Sources code the four municipalities with their province-level code (110000); the
# crosswalk (and the census) use the prefecture-equivalent code (110100).
MUNICIPALITY_CODES = {110000: 110100, 120000: 120100, 310000: 310100, 500000: 500100}


@remembered
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


@remembered
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
    2. ``name_other_year``: the name valid in another year, of a unit that exists in that year
       under another name (a source that back-casts a new name, 山南市 for 山南地区 in 2005;
       the crosswalk maps the name to the unit's name of that year);
    3. ``code``: the source code equals the code of a unit that exists in that year
       (municipality codes mapped).

    Matching is time-aware (:mod:`.unit_years`): a name or code of a unit that did not exist
    in the row's year (巢湖市 in 2012, 莱芜市 in 2020) is an error naming ``where``, the rows,
    names and years, unless ``data/facts/prefecture_year_rules.csv`` has a cited rule for
    ``where``: ``successor`` (rule ``successor``: the row belongs to the named unit) or
    ``exclude`` (the row is left out and listed, as records, in ``attrs['excluded']``). Without ``year``
    (fact tables of current members) a name valid in any year matches (rule
    ``name_any_year``). Rows no rule resolves raise :class:`SourceFormatError` listing
    ``where``, the rows and their name/code, so nothing is dropped silently. ``where`` names
    the source file.
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
    by_code = None
    if code is not None:
        by_code = lookup[keys].assign(
            city_code=lookup[code].map(lambda c: MUNICIPALITY_CODES.get(int(c), int(c)) if pd.notna(c) else None)
        ).merge(
            ents[["entity_id", "city_code", "province_zh"]].rename(columns={"province_zh": province}),
            on=["city_code", province],
            how="inner",
        )
    rules = []
    if year is not None:
        alive = unit_years.unit_years(name_spans())

        def exists(candidates: pd.DataFrame) -> pd.DataFrame:
            when = unit_years.clamp_years(candidates[year], spans)
            keep = [w in alive.get(e, ()) for e, w in zip(candidates["entity_id"], when, strict=True)]
            return candidates[pd.Series(keep, index=candidates.index, dtype=bool)]

        when = unit_years.clamp_years(by_name[year], spans)
        rules.append(("name_in_year", by_name[(by_name["start"] <= when) & (by_name["end"] >= when)]))
        rules.append(("name_other_year", exists(by_name)))
        if by_code is not None:
            rules.append(("code", exists(by_code)))
    else:
        rules.append(("name_any_year", by_name))
        if by_code is not None:
            rules.append(("code", by_code))
    index = pd.MultiIndex.from_frame(lookup[keys]) if len(keys) > 1 else pd.Index(lookup[keys[0]])
    for rule, candidates in rules:
        found = unique_entity(candidates)
        hit = index.isin(found.index) & lookup["entity_id"].isna().to_numpy()
        lookup.loc[hit, "entity_id"] = found.reindex(index[hit]).to_numpy()
        lookup.loc[hit, "match_rule"] = rule
    span_text = {}
    if year is not None:
        span_text = _resolve_out_of_years(lookup, keys, by_name, by_code, where, name, province, year)
    out = out.merge(lookup, on=keys, how="left", validate="many_to_one")
    refused = out["match_rule"] == "out_of_years"
    if refused.any():
        raise SourceFormatError(
            f"{where}: {int(refused.sum())} row(s) name a prefecture in a year it did not exist "
            f"(column '{name}', year column '{year}'): "
            f"{unit_years.describe_out_of_years(out.loc[refused], name, province, year, span_text)}. "
            f"Matching is by year: add a cited successor mapping or exclusion to "
            f"data/facts/{unit_years.RULES_FILE}, or fix the name or year.")
    excluded = out["match_rule"] == "excluded"
    unresolved = out["entity_id"].isna() & ~excluded
    if unresolved.any():
        bad = out.loc[unresolved]
        rows = bad["source_row"].tolist()[:10] if "source_row" in bad else bad.index.tolist()[:10]
        names = bad[name].drop_duplicates().tolist()[:10]
        raise SourceFormatError(
            f"{where}: {int(unresolved.sum())} row(s) name a city the crosswalk does not know "
            f"(column '{name}'): {names}, rows {rows}. Add an alias or fix the name."
        )
    dropped = out.loc[excluded].reset_index(drop=True)
    out = out.loc[~excluded].drop(columns=["rule_row"], errors="ignore")
    out = out.merge(ents[["entity_id", "city_code"]], on="entity_id", how="left")
    # plain records (a DataFrame in attrs breaks pandas' merge of attrs)
    out.attrs["excluded"] = dropped.to_dict("records")
    return out


def _resolve_out_of_years(lookup: pd.DataFrame, keys: list[str], by_name: pd.DataFrame,
                          by_code: pd.DataFrame | None, where: str, name: str, province: str,
                          year: str) -> dict[tuple[str, str], str]:
    """Apply the cited rules of ``where`` to the keys still unmatched whose name (or code)
    belongs to a unit that did not exist in their year; mark such keys without a rule
    ``out_of_years``. Returns (name, province) → the years the crosswalk knows them in."""
    spans = name_spans()
    lifetime = spans.groupby("entity_id").agg(start=("start", "min"), end=("end", "max")).reset_index()
    parts = [by_name[keys + ["start", "end"]]]
    if by_code is not None:
        parts.append(by_code[keys + ["entity_id"]].merge(lifetime, on="entity_id")[keys + ["start", "end"]])
    known = pd.concat(parts, ignore_index=True)
    years = known.groupby([name, province]).agg(start=("start", "min"), end=("end", "max"))
    span_text = {k: f"{int(v.start)}–{int(v.end)}" for k, v in years.iterrows()}
    dated = pd.MultiIndex.from_frame(known[keys].astype(object))
    out_of_years = lookup["entity_id"].isna() & pd.MultiIndex.from_frame(lookup[keys].astype(object)).isin(dated)
    applicable = unit_years.rules_for(where)
    alive = unit_years.unit_years(spans)
    lookup["rule_row"] = None
    for i in lookup.index[out_of_years]:
        key = lookup.loc[i]
        rule = unit_years.rule_of(applicable, key[name], key[province], int(key[year]))
        if rule is None:
            lookup.loc[i, "match_rule"] = "out_of_years"
            continue
        lookup.loc[i, "rule_row"] = int(rule["source_row"])
        if rule["rule"] == "exclude":
            lookup.loc[i, "match_rule"] = "excluded"
            continue
        when = unit_years.clamp_year(key[year], spans)
        successors = {e for e in spans.loc[spans["name"] == rule["successor_zh"], "entity_id"] if when in alive[e]}
        if len(successors) != 1:
            raise SourceFormatError(
                f"data/facts/{unit_years.RULES_FILE}: row {rule['source_row']}: successor "
                f"{rule['successor_zh']!r} is not one unit that exists in {int(key[year])}.")
        lookup.loc[i, ["entity_id", "match_rule"]] = [successors.pop(), "successor"]
    return span_text
