"""Schemas of the tidy tables (pandera) and a validator whose errors name table, rows and column.

Units are part of the schema: value ranges catch a column delivered in the wrong unit
(GDP in 万元 instead of 亿元 is 10⁴ times too large; population in persons instead of 万人
likewise). Ranges are generous bounds for Chinese prefecture-level units 2000–2023, not
statistical outlier rules (those are flags in :mod:`cityclusters.data.quality`).
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from cityclusters.config import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR, PROVINCES
from cityclusters.errors import TableValidationError

_city_code = pa.Column(int, pa.Check.in_range(110000, 659999), nullable=False)
_entity_id = pa.Column(str, pa.Check.str_matches(r"^CNUR-\d{6}$"))
_province = pa.Column(str, pa.Check.isin(PROVINCES))
_share = pa.Column(float, pa.Check.in_range(0.0, 1.0), nullable=True)
_va = pa.Column(float, pa.Check.in_range(0.0, 60000.0), nullable=True)

CITY_YEAR = pa.DataFrameSchema(
    {
        "city_code": _city_code,
        "entity_id": _entity_id,
        "name_zh": pa.Column(str),
        "name_pinyin": pa.Column(str, pa.Check.str_matches(r"^[A-Z][a-zü']+$")),
        "province_zh": _province,
        "year": pa.Column(int, pa.Check.in_range(FIRST_YEAR, LAST_YEAR)),
        # 亿元 (1e8 yuan): Shanghai 2023 ≈ 47,000; the smallest prefectures ≈ 10
        "gdp": pa.Column(float, pa.Check.in_range(1.0, 100000.0, include_min=False), nullable=True),
        "va_primary": _va,
        "va_secondary": _va,
        "va_tertiary": _va,
        "share_primary": _share,
        "share_secondary": _share,
        "share_tertiary": _share,
        # 万人 (1e4 persons): Chongqing ≈ 3,200
        "population": pa.Column(float, pa.Check.in_range(1.0, 5000.0), nullable=True),
        "population_interpolated": pa.Column(bool),
        "erratum": pa.Column(bool),
        # 元 per person
        "gdp_per_capita": pa.Column(float, pa.Check.in_range(500.0, 600000.0), nullable=True),
        "gdp_deflator": pa.Column(float, pa.Check.in_range(0.3, 5.0), nullable=True),
        "real_gdp": pa.Column(float, pa.Check.in_range(0.1, 100000.0), nullable=True),
    },
    checks=[
        # GDP may be missing only where a cited erratum removed a source error
        pa.Check(lambda df: df["gdp"].notna() | df["erratum"], name="gdp_missing_only_by_erratum"),
    ],
    unique=["city_code", "year"],
    strict=False,
    name="city_year",
)

CITIES = pa.DataFrameSchema(
    {
        "city_code": _city_code,
        "entity_id": _entity_id,
        "name_zh": pa.Column(str),
        "name_short_zh": pa.Column(str),
        "name_pinyin": pa.Column(str, pa.Check.str_matches(r"^[A-Z][a-zü']+$")),
        "province_zh": _province,
        "lon": pa.Column(float, pa.Check.in_range(73.0, 136.0), nullable=True),
        # 三沙 (Sansha) lies at about 8°N
        "lat": pa.Column(float, pa.Check.in_range(3.0, 54.0), nullable=True),
        # census population, 万人 (三沙: 0.23)
        "pop_census_2010": pa.Column(float, pa.Check.in_range(0.1, 5000.0), nullable=True),
        "pop_census_2020": pa.Column(float, pa.Check.in_range(0.1, 5000.0), nullable=True),
    },
    unique=["city_code"],
    strict=False,
    name="cities",
)

CLUSTERS = pa.DataFrameSchema(
    {
        "cluster_id": pa.Column(str, pa.Check.isin(CLUSTER_IDS)),
        "city_code": _city_code,
        "name_zh": pa.Column(str),
        "province_zh": _province,
        "partial": pa.Column(bool),
    },
    unique=["cluster_id", "city_code"],
    strict=False,
    name="clusters",
)

TABLE1 = pa.DataFrameSchema(
    {
        "indicator_id": pa.Column(str, unique=True),
        "unit": pa.Column(str),
        "chongqing": pa.Column(float, pa.Check.ge(0)),
        "chengdu": pa.Column(float, pa.Check.ge(0)),
        "guiyang": pa.Column(float, pa.Check.ge(0)),
        "year": pa.Column(int, pa.Check.eq(2019)),
        "source": pa.Column(str, pa.Check.str_length(min_value=5)),
    },
    strict=False,
    name="paper000_table1",
)

EVENTS = pa.DataFrameSchema(
    {
        "event_id": pa.Column(str, unique=True),
        "event_type": pa.Column(
            str,
            pa.Check.isin(
                ["committee_founding", "committee_enlargement", "plan_approval", "plan_issued", "hsr_opening"]
            ),
        ),
        "date": pa.Column(str, pa.Check.str_matches(r"^\d{4}(-\d{2}(-\d{2})?)?$")),
        # events of the whole Yangtze River Delta region carry "yrd"; lines between clusters none
        "cluster_id": pa.Column(str, pa.Check.isin([*CLUSTER_IDS, "yrd"]), nullable=True),
        "year": pa.Column(int, pa.Check.in_range(1980, 2030)),
        "source": pa.Column(str, pa.Check.str_length(min_value=5)),
    },
    strict=False,
    name="events",
)

COMMITTEE = pa.DataFrameSchema(
    {
        "city_code": _city_code,
        "name_zh": pa.Column(str),
        "province_zh": pa.Column(str, pa.Check.isin(["上海市", "江苏省", "浙江省", "安徽省"])),
        "cohort": pa.Column(int, pa.Check.isin([1992, 1997, 2003, 2010, 2013, 2018, 2019])),
        "source": pa.Column(str, pa.Check.str_length(min_value=5)),
    },
    unique=["city_code"],
    strict=False,
    name="yrd_committee_members",
)

CITY_YEAR_YEARBOOK = pa.DataFrameSchema(
    {
        "city_code": _city_code,
        "entity_id": _entity_id,
        "province_zh": _province,
        # data years 1999–2023 (editions 2000–2024); the 2001 edition reprints 1999
        "year": pa.Column(int, pa.Check.in_range(1999, 2023)),
        "edition": pa.Column(int, pa.Check.in_range(2000, 2024)),
        "scope": pa.Column(str, pa.Check.isin(["全市", "市辖区"])),
        "variable": pa.Column(str),
        "value": pa.Column(float, pa.Check.ge(0.0), nullable=True),
        "unit": pa.Column(str),
        "cell_status": pa.Column(str, pa.Check.isin(["ok", "no_data", "garbled", "negative"])),
        "flag_power_of_ten": pa.Column(int, pa.Check.in_range(-6, 6)),
    },
    checks=[
        pa.Check(lambda df: df["value"].notna() == (df["cell_status"] == "ok"), name="value_iff_ok"),
        pa.Check(lambda df: (df["edition"] - df["year"]).isin([1, 2]), name="edition_minus_year_is_1_or_2"),
    ],
    unique=["entity_id", "year", "edition", "scope", "variable"],
    strict=False,
    name="city_year_yearbook",
)

FLOWS = pa.DataFrameSchema(
    {
        "origin_code": pa.Column("int32", pa.Check.in_range(110000, 659999)),
        "destination_code": pa.Column("int32", pa.Check.in_range(110000, 659999)),
        "date": pa.Column("datetime64[ns]", pa.Check.in_range(pd.Timestamp("2020-01-01"), pd.Timestamp("2021-04-25"))),
        # fraction of the focal city's total move-in or move-out
        "share": pa.Column(float, pa.Check.in_range(0.0, 1.0)),
        # Baidu scale index units (Beijing's daily move-in index ≈ 7 in 2020-01)
        "volume": pa.Column(float, pa.Check.in_range(0.0, 100.0), nullable=True),
        "source": pa.Column("category", pa.Check.isin(["baidu_2021", "eeid_2020"])),
        "direction": pa.Column("category", pa.Check.isin(["in", "out"])),
        "rank": pa.Column("int32", pa.Check.in_range(1, 400)),
    },
    checks=[
        pa.Check(lambda df: df["origin_code"] != df["destination_code"], name="no_self_flows"),
        pa.Check(lambda df: df["volume"].notna() == (df["source"] == "baidu_2021"), name="volume_iff_2021"),
    ],
    unique=["source", "direction", "date", "origin_code", "destination_code"],
    strict=True,
    name="flows",
)

SCHEMAS = {s.name: s for s in (CITY_YEAR, CITIES, CLUSTERS, TABLE1, EVENTS, COMMITTEE, CITY_YEAR_YEARBOOK, FLOWS)}
KEYS = {
    "city_year": ["city_code", "year"],
    "cities": ["city_code"],
    "clusters": ["cluster_id", "city_code"],
    "paper000_table1": ["indicator_id"],
    "events": ["event_id"],
    "yrd_committee_members": ["city_code"],
    "city_year_yearbook": ["city_code", "year", "edition", "scope", "variable"],
    "flows": ["source", "direction", "date", "origin_code", "destination_code"],
}


def validate(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Validate ``frame`` against the schema of ``table``; return it unchanged if it passes.

    On failure raises :class:`TableValidationError` whose message lists, per failing
    column and check, the number of rows, their index labels and their key values
    (e.g. ``city_code=510100, year=2019``) and a few failing values.
    """
    schema = SCHEMAS[table]
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = _summarise(exc.failure_cases, frame, KEYS.get(table, []))
        lines = [
            f"  column '{r.column}', check {r.check}: {r.n_rows} row(s) {r.rows}; keys {r.keys}; values {r.values}"
            for r in failures.itertuples()
        ]
        raise TableValidationError(
            table, failures, f"table '{table}' failed validation:\n" + "\n".join(lines)
        ) from None
    return frame


#: Table-wide checks and the column whose values they judge. pandera reports a failing
#: table-wide check once per column of each failing row; the message names this column once.
TABLE_CHECK_COLUMNS = {"gdp_missing_only_by_erratum": "gdp", "value_iff_ok": "value",
                       "no_self_flows": "origin_code", "volume_iff_2021": "volume",
                       "edition_minus_year_is_1_or_2": "edition"}


def _summarise(cases: pd.DataFrame, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    table_wide = cases["check"].isin(TABLE_CHECK_COLUMNS)
    if table_wide.any():
        once = cases[table_wide].drop_duplicates(["check", "index"]).copy()
        once["column"] = once["check"].map(TABLE_CHECK_COLUMNS)
        once["failure_case"] = [frame.at[i, c] if i in frame.index and c in frame.columns else None
                                for i, c in zip(once["index"], once["column"])]
        cases = pd.concat([cases[~table_wide], once], ignore_index=True)
    rows = []
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        index = [i for i in group["index"].dropna().unique().tolist()]
        index_shown = index[:8]
        key_values = []
        for label in index_shown:
            if label in frame.index and keys and all(k in frame.columns for k in keys):
                key_values.append(", ".join(f"{k}={frame.at[label, k]}" for k in keys))
        rows.append(
            {
                "column": column if pd.notna(column) else "(table)",
                "check": check,
                "n_rows": len(index) if index else len(group),
                "rows": index_shown,
                "keys": key_values,
                "values": group["failure_case"].head(5).tolist(),
            }
        )
    return pd.DataFrame(rows)
