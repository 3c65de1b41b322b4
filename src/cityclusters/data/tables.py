"""The tidy tables of the book, each a validated function of the raw files and typed facts.

===========================  ===========================================================
table                        one row per
===========================  ===========================================================
:func:`city_year`            prefecture-level city and year, 2000–2023 (G-P source)
:func:`cities`               prefecture-level city (crosswalk + census + city centres)
:func:`clusters`             cluster and member city (typed from the plans)
:func:`cluster_plans`        cluster (the plan that defines it); with ``include_other``
                             also the other national plans approved by the State Council
:func:`nbs_regions`          province (NBS four-region classification, 2011)
:func:`paper000_table1`      indicator of Liu & Deng (2021) Table 1 (2019)
:func:`events`               dated event (committee enlargements, plans, HSR openings)
:func:`yrd_committee_members` member city of the YRD Urban Economic Coordination Committee
:func:`city_year_yearbook`   city, data year, edition, scope and variable (City Statistical
                             Yearbook, editions 2000–2024, 33 variables)
:func:`flows`                source, direction, day and ordered pair of prefecture-level
                             cities (Baidu Qianxi, 2021-04-12…25 and January 2020)
:func:`flow_defects`         defect of the flow files (file, name, rows, action)
:func:`flow_coverage`        focal city, day and direction (top-100 list coverage, index)
:func:`flow_cross_check`     agreement check of the flow files
===========================  ===========================================================

Units: GDP and value added in 亿元 (1e8 yuan, current prices); population in 万人 (1e4
persons); GDP per capita in 元 (yuan) per person; shares as fractions (0–1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from cityclusters.checks import validate_parameters
from cityclusters.config import CLUSTER_IDS, FIRST_YEAR, LAST_YEAR, UNIONS
from cityclusters.data.facts import date_bounds, read_fact
from cityclusters.data.names import short_name, to_pinyin
from cityclusters.data.provenance import remembered
from cityclusters.data.quality import flag_sector_sum, flag_yoy_outliers, list_outliers
from cityclusters.data.sources import census, crosswalk, csmar, gp, transport
from cityclusters.data.sources.reading import describe_duplicates
from cityclusters.data.sources.yearbook import harmonise as yearbook_harmonise
from cityclusters.data.sources.yearbook import mapping as yearbook_mapping
from cityclusters.data.sources.yearbook import reader as yearbook_reader
from cityclusters.data.store import cached_frame
from cityclusters.errors import SourceFormatError

if TYPE_CHECKING:  # geopandas is imported where a table needs it: loading is faster without it
    import geopandas as gpd


def validate(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """:func:`cityclusters.data.schemas.validate`, imported when a table is built: the schemas
    load pandera (a fifth of a second), which a chapter reading stored tables does not need."""
    from cityclusters.data.schemas import validate as validate_schema

    return validate_schema(frame, name)


# ----------------------------------------------------------------------------- city_year
def source_errata() -> pd.DataFrame:
    """Known errors in the raw files, each with its evidence, and what the panel does about them.

    The only action is ``set_missing``: the listed columns of that city-year become missing
    (never replaced by a guess). Chapter 1 shows this table to the reader.
    """
    return read_fact("source_errata.csv", source_row=True).drop(columns="source_row")


def _apply_errata(structure: pd.DataFrame) -> pd.DataFrame:
    structure = structure.copy()
    structure["erratum"] = False
    for erratum in source_errata().itertuples():
        if erratum.source_key != gp.STRUCTURE or erratum.action != "set_missing":
            raise SourceFormatError(f"data/facts/source_errata.csv: unsupported erratum {erratum}.")
        hit = (structure["name_zh"] == erratum.name_zh) & (structure["year"] == erratum.year)
        if hit.sum() != 1 or abs(structure.loc[hit, "gdp"].iloc[0] - erratum.source_gdp) > 0.01:
            raise SourceFormatError(
                f"data/facts/source_errata.csv: {erratum.name_zh} {erratum.year} no longer matches the "
                f"source (expected one row with gdp {erratum.source_gdp}); review the erratum."
            )
        structure.loc[hit, erratum.columns.split(";")] = float("nan")
        structure.loc[hit, "erratum"] = True
    return structure


@remembered
def _harmonised_structure() -> pd.DataFrame:
    return crosswalk.harmonise(_apply_errata(gp.read_structure()), where=gp.STRUCTURE)


def _build_city_year() -> pd.DataFrame:
    structure = _harmonised_structure()
    population = crosswalk.harmonise(gp.read_population(), where=gp.POPULATION)
    prices = crosswalk.harmonise(gp.read_real_gdp(), where=gp.REAL_GDP, code=None)
    for frame, where in ((structure, gp.STRUCTURE), (population, gp.POPULATION), (prices, gp.REAL_GDP)):
        dup = frame.duplicated(["entity_id", "year"], keep=False)
        if dup.any():
            raise SourceFormatError(f"{where}: two rows for the same city and year after "
                                    f"harmonisation: {describe_duplicates(frame, dup, 'name_zh')}.")
    # A year outside the panel's range is an error (e.g. a typo such as 2109), never filtered out.
    outside = ~structure["year"].between(FIRST_YEAR, LAST_YEAR)
    if outside.any():
        bad = structure.loc[outside]
        raise SourceFormatError(
            f"{gp.STRUCTURE}: column '年度标识' (year) has {sorted(set(bad['year'].tolist()))[:5]} "
            f"outside {FIRST_YEAR}–{LAST_YEAR} at rows {bad['source_row'].tolist()[:10]}.")

    panel = structure.copy()
    panel = panel.rename(columns={"name_zh": "name_zh_source", "source_row": "source_row_structure"})
    pop = population[["entity_id", "year", "population_reported", "population_filled", "land_area_km2"]]
    panel = panel.merge(pop, on=["entity_id", "year"], how="left", validate="one_to_one")
    panel = panel.merge(prices[["entity_id", "year", "gdp_deflator", "gdp_index"]],
                        on=["entity_id", "year"], how="left", validate="one_to_one")

    # Population: the source's reported value; the source's interpolation only where it
    # reports none, flagged so chapters can show or exclude those years.
    panel["population"] = panel["population_reported"].fillna(panel["population_filled"])
    panel["population_interpolated"] = panel["population_reported"].isna() & panel["population_filled"].notna()
    # 亿元 / 万人 = 1e4 元 per person
    panel["gdp_per_capita"] = panel["gdp"] / panel["population"] * 1e4
    # real GDP at 2000 prices = nominal / deflator (2000 = 1), deflator from the G-P price file
    panel["real_gdp"] = panel["gdp"] / panel["gdp_deflator"]

    ents = crosswalk.entities().set_index("entity_id")
    panel["name_zh"] = panel["entity_id"].map(ents["name_zh"])
    panel["province_zh"] = panel["entity_id"].map(ents["province_zh"])
    panel["name_pinyin"] = panel["name_zh"].map(to_pinyin)
    panel = flag_sector_sum(flag_yoy_outliers(panel))
    columns = [
        "city_code", "entity_id", "name_zh", "name_pinyin", "province_zh", "year",
        "gdp", "va_primary", "va_secondary", "va_tertiary",
        "share_primary", "share_secondary", "share_tertiary",
        "population", "population_interpolated", "land_area_km2",
        "gdp_per_capita", "gdp_deflator", "gdp_index", "real_gdp",
    ]
    flags = [c for c in panel.columns if c.endswith("_yoy") or c == "flagged"]
    flags += ["sector_sum_gap", "flag_sector_sum"]
    extra = ["erratum", "name_zh_source", "city_type_zh", "match_rule", "source_row_structure"]
    panel = panel[columns + flags + extra].sort_values(["city_code", "year"]).reset_index(drop=True)
    return validate(panel, "city_year")


@remembered
def _city_year_cached() -> pd.DataFrame:
    return cached_frame("city_year", _build_city_year)


def city_year() -> pd.DataFrame:
    """The city-year panel 2000–2023 from the G-P source, codes harmonised by the crosswalk.

    Columns (units): ``gdp``, ``va_primary|secondary|tertiary`` (亿元, current prices);
    ``share_*`` (0–1, as the source states them); ``population`` (万人, resident; the
    source's value, or its interpolation where it reports none, then
    ``population_interpolated`` is True); ``gdp_per_capita`` (元 = gdp / population);
    ``gdp_deflator`` (2000 = 1) and ``real_gdp`` (亿元 at 2000 prices = gdp / deflator);
    ``<var>_yoy`` and ``flag_<var>_yoy`` (|year-on-year change| > 50 %, flagged, kept);
    ``sector_sum_gap`` and ``flag_sector_sum`` (sum of sectors ≠ GDP by more than 2 %).
    Provenance columns: ``name_zh_source`` (the name the source used that year),
    ``match_rule`` (how the crosswalk matched it), ``source_row_structure`` (Excel row).
    """
    return _city_year_cached().copy()


def city_year_outliers() -> pd.DataFrame:
    """Every flagged year-on-year jump of the panel (city, year, variable, previous, value, change)."""
    return list_outliers(_city_year_cached())


# ----------------------------------------------------------------------------- clusters
#: Who approves a plan: the State Council (批复, a 国函 document) or the Politburo (its review,
#: 审议, of a Party-centre outline). A plan's issue (印发) is a separate act with its own date.
PLAN_APPROVERS = ("国务院", "中共中央政治局")
#: The four regions of the NBS classification (东西中部和东北地区划分方法, 2011), in its order.
NBS_REGIONS = {"东部": "east", "中部": "centre", "西部": "west", "东北": "north-east"}
_PLANS = "data/facts/cluster_plans.csv"


def cluster_plans(*, include_other: bool = False) -> pd.DataFrame:
    """The plans of the city clusters, one cited row per plan.

    By default the book's clusters (``cluster_id`` of :data:`cityclusters.config.CLUSTERS`, the
    plan that delimits each; ``chengyugui`` has none). ``include_other=True`` adds the other
    national city-cluster plans approved by the State Council (``in_book`` False, ``cluster_id``
    outside the book's ids, ``provinces_zh`` the provinces the plan spans, ';'-separated).

    Two kinds of date, each with its precision (``day``/``month``/``year``, or empty when not
    known) and document number: ``approved_date`` (approval by ``approved_by``: the State
    Council's 批复 or the Politburo's review) and ``issued_date`` (issue of the plan text, 印发,
    by ``issued_by``). ``in_book`` is boolean. Raises SourceFormatError naming row and column.
    """
    plans = read_fact("cluster_plans.csv", source_row=True)
    _check_plans(plans)
    plans["in_book"] = plans["in_book"] == "true"
    if not include_other:
        plans = plans[plans["in_book"]]
    return plans.drop(columns="source_row").reset_index(drop=True)


def national_cluster_plans() -> pd.DataFrame:
    """The city-cluster plans approved by the State Council (``approved_by`` 国务院), in or
    outside the book, sorted by approval date: the list behind the count of national plans."""
    plans = cluster_plans(include_other=True)
    national = plans[plans["approved_by"] == "国务院"]
    return national.sort_values("approved_date", kind="stable").reset_index(drop=True)


def _plan_error(row, column: str, message: str) -> SourceFormatError:
    return SourceFormatError(f"{_PLANS}: row {row['source_row']}, column {column!r}: {message}")


def _check_plans(plans: pd.DataFrame) -> None:
    """The rules of the plan table beyond types and date formats (those are read_fact's)."""
    duplicated = plans["cluster_id"].duplicated()
    if duplicated.any():
        row = plans.loc[duplicated].iloc[0]
        raise _plan_error(row, "cluster_id", f"{row['cluster_id']!r} has two rows")
    provinces = set(nbs_regions()["province_zh"])
    for _, row in plans.iterrows():
        flag = row["in_book"]
        if flag not in ("true", "false"):
            raise _plan_error(row, "in_book", f"{flag!r} must be true or false")
        if flag == "true" and row["cluster_id"] not in CLUSTER_IDS:
            raise SourceFormatError(f"{_PLANS}: unknown cluster_id {row['cluster_id']!r} at row {row['source_row']} "
                                    f"(in_book rows must use an id of config.CLUSTERS: {list(CLUSTER_IDS)}).")
        if flag == "false" and row["cluster_id"] in CLUSTER_IDS:
            raise _plan_error(row, "in_book", f"false, but {row['cluster_id']!r} is a cluster of the book")
        if flag == "false" and pd.isna(row["provinces_zh"]):
            raise _plan_error(row, "provinces_zh", "empty: a plan outside the book needs the provinces it spans")
        if pd.notna(row["provinces_zh"]):
            unknown = [p for p in row["provinces_zh"].split(";") if p not in provinces]
            if unknown:
                raise _plan_error(row, "provinces_zh", f"{unknown} are not provinces of data/facts/nbs_regions.csv")
        approver = row["approved_by"]
        if pd.notna(approver) and approver not in PLAN_APPROVERS:
            raise _plan_error(row, "approved_by", f"{approver!r} is not one of {list(PLAN_APPROVERS)}")
        if pd.isna(approver) != pd.isna(row["approved_date"]):
            raise _plan_error(row, "approved_by", "an approval needs both its body (approved_by) and its date "
                                                  "(approved_date), or neither")
        number = row["approval_document_no"]
        if pd.notna(number) and number.startswith("国函") and approver != "国务院":
            raise _plan_error(row, "approved_by", f"{approver!r}, but {number} is a State Council document (国函)")
        if pd.notna(number) and pd.isna(approver):
            raise _plan_error(row, "approval_document_no", f"{number!r} without an approving body")
        if pd.notna(row["approved_date"]) and pd.notna(row["issued_date"]):
            approved = date_bounds(row["approved_date"], row["approved_date_precision"])
            issued = date_bounds(row["issued_date"], row["issued_date_precision"])
            if issued[1] < approved[0]:
                raise _plan_error(row, "issued_date", f"{row['issued_date']!r} is before the approval "
                                                      f"({row['approved_date']!r}): the two dates are swapped?")


def nbs_regions() -> pd.DataFrame:
    """Province → region of the NBS four-region classification (东部 east, 中部 centre, 西部
    west, 东北 north-east; 国家统计局 2011), one cited row per mainland province."""
    table = read_fact("nbs_regions.csv", source_row=True)
    for _, row in table.iterrows():
        if NBS_REGIONS.get(row["region_zh"]) != row["region_en"]:
            raise SourceFormatError(f"data/facts/nbs_regions.csv: row {row['source_row']}, column 'region_zh': "
                                    f"{row['region_zh']!r}/{row['region_en']!r} is not one of {NBS_REGIONS}")
    duplicated = table["province_zh"].duplicated()
    if duplicated.any():
        row = table.loc[duplicated].iloc[0]
        raise SourceFormatError(f"data/facts/nbs_regions.csv: row {row['source_row']}, column 'province_zh': "
                                f"{row['province_zh']!r} is classified twice")
    return table.drop(columns="source_row")


def _build_clusters() -> pd.DataFrame:
    members = read_fact("cluster_members.csv", source_row=True)
    members["partial"] = members["partial"].map({"true": True, "false": False})
    if members["partial"].isna().any():
        row = members.loc[members["partial"].isna()].iloc[0]
        raise SourceFormatError(f"data/facts/cluster_members.csv: column 'partial' must be true/false, row {row['source_row']}.")
    members = members.rename(columns={"city_zh": "name_zh"})
    members = crosswalk.harmonise(members, where="data/facts/cluster_members.csv", code=None, year=None)
    unions = []
    for union_id, parts in UNIONS.items():
        part = members[members["cluster_id"].isin(parts)].copy()
        part["cluster_id"] = union_id
        unions.append(part)
    members = pd.concat([members, *unions], ignore_index=True)
    members["name_pinyin"] = members["name_zh"].map(to_pinyin)
    columns = ["cluster_id", "city_code", "entity_id", "name_zh", "name_pinyin", "province_zh",
               "partial", "partial_note", "source", "source_url"]
    members = members[columns].reset_index(drop=True)
    return validate(members, "clusters")


@remembered
def _clusters_cached() -> pd.DataFrame:
    return cached_frame("clusters", _build_clusters)


def clusters() -> pd.DataFrame:
    """Cluster membership at prefecture level, one row per (cluster, city), with the plan's
    partial-inclusion notes. ``chengyugui`` is the union of ``chengyu`` and ``qianzhong``."""
    return _clusters_cached().copy()


# ----------------------------------------------------------------------------- cities
def _build_cities() -> gpd.GeoDataFrame:
    import geopandas as gpd

    ents = crosswalk.entities().copy()
    cen = census.read_census()
    cen = cen.rename(columns={"code": "city_code"})
    cities_ = ents.merge(cen.drop(columns=["name_zh", "province_zh", "source_row"]), on="city_code", how="left")
    cities_["in_census_2020"] = cities_["pop_2020_persons"].notna()
    cities_["pop_census_2010"] = cities_["pop_2010_persons"] / 1e4
    cities_["pop_census_2020"] = cities_["pop_2020_persons"] / 1e4

    # City-centre coordinates (Ma & Tang 2024) by code, else by name; else a point inside the
    # census polygon (flagged). City centres are what distances between cities should use.
    centres = transport.read_city_centres()
    by_code = centres.set_index("code")[["lon", "lat"]]
    by_name = centres.drop_duplicates("name_zh").set_index("name_zh")[["lon", "lat"]]
    lon = cities_["city_code"].map(by_code["lon"]).fillna(cities_["name_zh"].map(by_name["lon"]))
    lat = cities_["city_code"].map(by_code["lat"]).fillna(cities_["name_zh"].map(by_name["lat"]))
    cities_["lonlat_source"] = "city centre (Ma & Tang 2024)"
    geo = gpd.GeoSeries(cities_["geometry"], crs="EPSG:4326")
    inside = geo.representative_point()
    fallback = lon.isna() & geo.notna()
    lon[fallback] = inside[fallback].x
    lat[fallback] = inside[fallback].y
    cities_.loc[fallback, "lonlat_source"] = "point in census polygon"
    cities_.loc[lon.isna(), "lonlat_source"] = None
    # Typed corrections of wrong centres (重庆 in the source lies in 万州).
    for k, fix in enumerate(city_centre_corrections().itertuples(), start=2):
        hit = cities_["city_code"].eq(fix.city_code)
        if hit.sum() != 1:
            raise SourceFormatError(f"data/facts/city_centre_corrections.csv: row {k}, column city_code: "
                                    f"{fix.city_code} is not one city of the crosswalk.")
        lon[hit], lat[hit] = fix.lon, fix.lat
        cities_.loc[hit, "lonlat_source"] = "corrected (data/facts/city_centre_corrections.csv)"
    cities_["lon"], cities_["lat"] = lon.astype(float), lat.astype(float)

    cities_["name_short_zh"] = cities_["name_zh"].map(short_name)
    cities_["name_pinyin"] = cities_["name_zh"].map(to_pinyin)
    members = _clusters_cached()
    for cluster_id in CLUSTER_IDS:
        codes = set(members.loc[members["cluster_id"] == cluster_id, "city_code"])
        cities_[f"in_{cluster_id}"] = cities_["city_code"].isin(codes)
    columns = ["city_code", "entity_id", "name_zh", "name_short_zh", "name_pinyin", "province_zh",
               "lon", "lat", "lonlat_source", "pop_census_2010", "pop_census_2020", "in_census_2020"]
    columns += [f"in_{c}" for c in CLUSTER_IDS] + ["geometry"]
    out = gpd.GeoDataFrame(cities_[columns], geometry="geometry", crs="EPSG:4326")
    out = out.sort_values("city_code").reset_index(drop=True)
    return validate(out, "cities")


@remembered
def _cities_cached() -> gpd.GeoDataFrame:
    return cached_frame("cities", _build_cities)


def cities() -> gpd.GeoDataFrame:
    """Prefecture-level cities (the crosswalk's 340 research entities, incl. abolished ones):
    names (Chinese, short, pinyin), province, lon/lat (city centre where known), 2010 and 2020
    census population (万人, 2020 boundaries), 2020 boundary polygon (WGS84; empty for units
    abolished before 2020: 巢湖, 莱芜, 伊犁地区), and one ``in_<cluster>`` column per cluster."""
    return _cities_cached().copy()


def basemap() -> gpd.GeoDataFrame:
    """All 369 census units (including county-level units under provinces, Hong Kong, Macau)
    for drawing; ``prefecture_level`` tells which are rows of :func:`cities`."""
    base = census.read_census().rename(columns={"code": "city_code"})
    base["prefecture_level"] = base["city_code"].isin(crosswalk.entities()["city_code"])
    return base[["city_code", "name_zh", "province_zh", "prefecture_level", "geometry"]]


# ----------------------------------------------------------------------------- typed facts
def city_centre_corrections() -> pd.DataFrame:
    """Typed corrections of city-centre coordinates (``data/facts/city_centre_corrections.csv``):
    ``city_code``, ``name_zh``, ``lon``, ``lat`` (corrected, WGS84 degrees), ``source_lon``,
    ``source_lat`` (the value replaced), ``source``, ``note``. Applied by :func:`cities`."""
    fixes = read_fact("city_centre_corrections.csv", source_row=True)
    bad = ~(fixes["lon"].between(73, 136) & fixes["lat"].between(3, 54))
    if bad.any():
        raise SourceFormatError(f"data/facts/city_centre_corrections.csv: rows {list(fixes.index[bad] + 2)}, "
                                "columns lon/lat: outside China's extent.")
    return fixes


def seed_claims() -> pd.DataFrame:
    """The testable claims of the five seed papers, one row each (``data/facts/seed_claims.csv``):
    ``claim_id``, ``paper``, ``section``, ``claim_en`` (our words), ``quantity``, ``year``,
    ``stated_value``, ``testable_with``. Chapters record verdicts on them with
    :func:`cityclusters.publishing.notebook.glue_verdict`."""
    claims = read_fact("seed_claims.csv", source_row=True)
    duplicated = claims.loc[claims["claim_id"].duplicated(), "claim_id"].tolist()
    if duplicated:
        raise SourceFormatError(f"data/facts/seed_claims.csv: duplicated claim_id {duplicated}")
    return claims


def paper000_table1() -> pd.DataFrame:
    """Liu & Deng (2021) Table 1: ten 2019 indicators of Chongqing, Chengdu and Guiyang, as printed."""
    table = read_fact("paper000_table1.csv", source_row=True)
    for column in ("chongqing", "chengdu", "guiyang"):
        table[column] = table[column].astype(float)
    return validate(table.drop(columns="source_row"), "paper000_table1")


def paper002_ten_clusters() -> pd.DataFrame:
    """The ten clusters Li, Xiao & Ma (2020) name, with the id of the cluster of this book that
    corresponds to each (empty where the book does not delimit it; ``prd``, the Pearl River
    Delta, is delimited only as chapter 10's benchmark, ``data/facts/benchmarks_prd_members.csv``).

    A cluster the book does not delimit has its provinces typed instead (``provinces_zh``,
    ';'-separated, with ``provinces_source``), and ``plan_cluster_id`` names its later national
    plan in :func:`cluster_plans` where there is one."""
    where = "data/facts/paper002_ten_clusters.csv"
    table = read_fact("paper002_ten_clusters.csv", source_row=True)
    unknown = table["cluster_id"].notna() & ~table["cluster_id"].isin([*CLUSTER_IDS, "prd"])
    if unknown.any():
        row = table.loc[unknown].iloc[0]
        raise SourceFormatError(f"{where}: unknown cluster_id "
                                f"{row['cluster_id']!r} at row {row['source_row']}, column 'cluster_id'.")
    if len(table) != 10:
        raise SourceFormatError(f"{where}: expected the 10 clusters of "
                                f"the paper, found {len(table)} rows")
    provinces = set(nbs_regions()["province_zh"])
    plans = cluster_plans(include_other=True).set_index("cluster_id")
    for _, row in table.iterrows():
        if pd.isna(row["cluster_id"]) == pd.isna(row["provinces_zh"]):
            raise SourceFormatError(f"{where}: row {row['source_row']}, column 'provinces_zh': give the provinces "
                                    "exactly when the book does not delimit the cluster (cluster_id empty)")
        if pd.notna(row["provinces_zh"]):
            bad = [p for p in row["provinces_zh"].split(";") if p not in provinces]
            if bad or pd.isna(row["provinces_source"]):
                raise SourceFormatError(f"{where}: row {row['source_row']}, column 'provinces_zh': "
                                        + (f"{bad} are not provinces of data/facts/nbs_regions.csv" if bad
                                           else "the provinces need a source (provinces_source)"))
        plan = row["plan_cluster_id"]
        if pd.notna(plan) and (plan not in plans.index or pd.isna(plans.at[plan, "provinces_zh"])):
            raise SourceFormatError(f"{where}: row {row['source_row']}, column 'plan_cluster_id': {plan!r} is not a "
                                    "plan with provinces in data/facts/cluster_plans.csv")
    return table.drop(columns="source_row")


def events() -> pd.DataFrame:
    """Dated events (committee founding and enlargements, plan approvals, HSR openings), cited.

    A plan event names its plan (``plan_cluster_id``, a row of :func:`cluster_plans`); its
    date must be that plan's approval date (``plan_approval``) or issue date (``plan_issued``),
    at the same precision, so that a plan has one date of each kind in the whole book."""
    table = read_fact("events.csv", source_row=True)
    _check_plan_events(table, cluster_plans(include_other=True))
    table["year"] = table["date"].str[:4].astype(int)
    return validate(table.drop(columns="source_row"), "events")


#: The plan date an event of each type must equal: (date column, precision column) of the plans.
_PLAN_EVENT_DATES = {"plan_approval": ("approved_date", "approved_date_precision"),
                     "plan_issued": ("issued_date", "issued_date_precision")}


def _check_plan_events(events: pd.DataFrame, plans: pd.DataFrame) -> None:
    plans = plans.set_index("cluster_id")
    for _, row in events[events["plan_cluster_id"].notna()].iterrows():
        where = f"data/facts/events.csv: row {row['source_row']}"
        plan = row["plan_cluster_id"]
        if plan not in plans.index:
            raise SourceFormatError(f"{where}, column 'plan_cluster_id': {plan!r} is not a plan of {_PLANS}")
        if row["event_type"] not in _PLAN_EVENT_DATES:
            raise SourceFormatError(f"{where}, column 'plan_cluster_id': a {row['event_type']!r} event has no plan")
        date, precision = _PLAN_EVENT_DATES[row["event_type"]]
        expected = (plans.at[plan, date], plans.at[plan, precision])
        if (row["date"], row["date_precision"]) != expected:
            raise SourceFormatError(f"{where}, column 'date': {row['date']!r} ({row['date_precision']}) is not the "
                                    f"{date} of plan {plan!r} in {_PLANS}, {expected[0]!r} ({expected[1]})")


def yrd_committee_members() -> pd.DataFrame:
    """The 41 members of the YRD Urban Economic Coordination Committee with their cohort (year of joining)."""
    table = read_fact("yrd_committee_members.csv", source_row=True)
    table = table.rename(columns={"city_zh": "name_zh"})
    table["cohort"] = table["cohort"].astype(int)
    table = crosswalk.harmonise(table, where="data/facts/yrd_committee_members.csv", code=None, year=None)
    table["name_pinyin"] = table["name_zh"].map(to_pinyin)
    return validate(table.drop(columns=["source_row", "match_rule"]), "yrd_committee_members")


def code_map() -> dict[int, int]:
    """Source code → harmonised ``city_code``: the crosswalk's codes, the four municipalities'
    province-level codes, and the outdated codes the G-P source uses for renamed or upgraded
    units (resolved by name through the crosswalk, e.g. 652100 吐鲁番地区 → 650400)."""
    mapping = {code: code for code in crosswalk.entities()["city_code"]}
    mapping.update(crosswalk.MUNICIPALITY_CODES)
    pairs = cached_frame("gp_source_codes", _build_gp_source_codes)
    mapping.update({int(a): int(b) for a, b in pairs.itertuples(index=False) if a not in mapping})
    return mapping


def _build_gp_source_codes() -> pd.DataFrame:
    # stored: the pairs come from harmonising the whole G-P workbook, seconds in every kernel
    return _harmonised_structure()[["code", "city_code"]].drop_duplicates().reset_index(drop=True)


def csmar_city_gdp() -> pd.DataFrame:
    """CSMAR CRE city GDP (亿元) and GDP per capita (元), 1990–2021, on harmonised city codes.

    For cross-source validation only (commercial source: never republish rows). Rows whose
    code is not a prefecture-level unit (e.g. 429000, Hubei's directly administered counties,
    or pre-1997 Chongqing districts) are kept in ``attrs['unmatched']`` and reported. Stored
    in the processed-data cache like the panel (local build product, never published).
    """
    return cached_frame("csmar_city_gdp", _build_csmar_city_gdp)


def _build_csmar_city_gdp() -> pd.DataFrame:
    raw = csmar.read_csmar_gdp()
    raw["city_code"] = raw["code"].map(code_map())
    unmatched = raw[raw["city_code"].isna()]
    out = raw.dropna(subset=["city_code"]).copy()
    out["city_code"] = out["city_code"].astype(int)
    dup = out.duplicated(["city_code", "year"], keep=False)
    if dup.any():
        raise SourceFormatError(f"{csmar.GDP}: two rows for one city and year after harmonising "
                                f"codes: {describe_duplicates(out, dup, 'name_en')}.")
    out.attrs["unmatched"] = unmatched[["source_row", "code", "name_en", "year"]].reset_index(drop=True)
    return out.reset_index(drop=True)


def cluster_city_year(clusters: Sequence[str], first_year: int = FIRST_YEAR,
                      last_year: int = LAST_YEAR) -> pd.DataFrame:
    """The city–year panel of the chosen clusters, one row per (cluster_id, city, year).

    Columns: ``cluster_id``, ``partial`` (the plan includes the city only in part) and every
    column of :func:`cityclusters.data.tables.city_year`. A city in two chosen clusters (e.g.
    Chengdu in ``chengyu`` and ``chengyugui``) appears once per cluster.

    Raises ``ValueError`` naming the cluster(s) when a chosen cluster has no row in
    ``first_year``–``last_year``, instead of returning a panel without them.
    """
    validate_parameters(clusters, first_year, last_year)
    members = _clusters_cached()  # the parameter ``clusters`` shadows clusters()
    members = members.loc[members["cluster_id"].isin(clusters), ["cluster_id", "city_code", "partial"]]
    panel = city_year()
    panel = panel[panel["year"].between(first_year, last_year)]
    merged = members.merge(panel, on="city_code", how="inner", validate="many_to_many")
    empty = [c for c in clusters if not merged["cluster_id"].eq(c).any()]
    if empty:
        raise ValueError(f"CLUSTERS: {empty} have no member city with data in FIRST_YEAR–LAST_YEAR "
                         f"= {first_year}–{last_year}; choose other years or clusters")
    order = {c: i for i, c in enumerate(clusters)}
    return merged.sort_values(["cluster_id", "city_code", "year"], key=lambda s: s.map(order)
                              if s.name == "cluster_id" else s).reset_index(drop=True)


# ----------------------------------------------------------------------------- yearbook
def _build_city_year_yearbook() -> pd.DataFrame:
    frames = [yearbook_reader.read_variable(v) for v in yearbook_mapping.variables()["variable"]]
    table = pd.concat(frames, ignore_index=True)
    table["flag_power_of_ten"] = yearbook_harmonise.flag_power_of_ten(table)
    table = table.sort_values(["variable", "city_code", "year", "edition", "scope"]).reset_index(drop=True)
    return validate(table, "city_year_yearbook")


@remembered
def _city_year_yearbook_cached() -> pd.DataFrame:
    return cached_frame("city_year_yearbook", _build_city_year_yearbook)


def city_year_yearbook(variables: Sequence[str] | None = None, *, first_release: bool = True,
                       scope: str | None = None) -> pd.DataFrame:
    """The China City Statistical Yearbook, tidy: one row per city × data year × edition ×
    scope × variable (editions 2000–2024, data years 1999–2023; 33 variables).

    Columns: ``city_code``, ``entity_id``, ``name_zh``, ``province_zh``, ``year`` (data year),
    ``edition``, ``scope`` (全市 whole city incl. counties | 市辖区 urban districts),
    ``variable``, ``value`` in ``unit`` (one unit per variable, see
    ``data/facts/yearbook/variables.csv``), the printed ``value_printed`` in ``unit_printed``,
    ``cell_status`` (``ok`` | ``no_data`` | ``garbled``: digits broken by the digitisation,
    value missing), ``flag_power_of_ten`` (k ≠ 0: the value is 10^k times its city's
    neighbouring years, kept and listed), and where each value was printed (``table``,
    ``source_file``, ``sheet``, ``source_row``, ``source_column``; ``name_printed``,
    ``match_rule``).

    ``first_release=True`` keeps each data year's first printing (edition = year + 1) and
    drops the 2001 edition's reprint of 1999, so every series has one vintage. A reseller
    digitisation of a copyrighted yearbook: publish derived results only.
    """
    table = _city_year_yearbook_cached()
    keep = pd.Series(True, index=table.index)
    if variables is not None:
        unknown = sorted(set(variables) - set(table["variable"]))
        if unknown:
            raise SourceFormatError(f"city_year_yearbook: unknown variable(s) {unknown}; known: "
                                    f"{sorted(table['variable'].unique())}")
        keep &= table["variable"].isin(list(variables))
    if first_release:
        keep &= table["edition"] - table["year"] == 1
    if scope is not None:
        if scope not in ("全市", "市辖区"):
            raise SourceFormatError(f"city_year_yearbook: scope must be '全市' or '市辖区', got {scope!r}")
        keep &= table["scope"] == scope
    return table[keep].reset_index(drop=True)


def _build_yearbook_cross_check() -> pd.DataFrame:
    from cityclusters.data.sources.yearbook import cross_sections

    return cross_sections.cross_check()


@remembered
def yearbook_cross_check() -> pd.DataFrame:
    """The vendor's cross-section sheets checked against the yearbook's tables, edition by
    edition and variable by variable, by their values
    (:func:`cityclusters.data.sources.yearbook.cross_sections.cross_check`; ``verdict``:
    agrees, wrong scope, swapped, shifted, disagrees)."""
    return cached_frame("yearbook_cross_check", _build_yearbook_cross_check).copy()


# ----------------------------------------------------------------------------- flows
FLOW_TABLES = ("flows", "flow_defects", "flow_coverage", "flow_cross_check")


@remembered
def _flow_tables_built() -> dict[str, pd.DataFrame]:
    from cityclusters.data import flows as flow_tables

    built = flow_tables.build_flow_tables()
    validate(built["flows"], "flows")
    return built


@remembered
def _flow_table(name: str) -> pd.DataFrame:
    return cached_frame(name, lambda: _flow_tables_built()[name])


def flows() -> pd.DataFrame:
    """Observed daily flows between prefecture-level cities (Baidu Qianxi), one row per
    (``source``, ``direction``, ``date``, ``origin_code``, ``destination_code``): ``share``
    (fraction of the focal city's total move-in (direction ``in``, focal = destination) or
    move-out (``out``, focal = origin)), ``volume`` (share × the focal city's Baidu scale
    index, index units; 2021 only), ``rank`` (in the focal city's top-100 list). Sources:
    ``baidu_2021`` (2021-04-12…25) and ``eeid_2020`` (January 2020, shares only). Built by
    :func:`cityclusters.data.flows.build_flow_tables`; Baidu's data: publish derived results only."""
    return _flow_table("flows").copy()


def flow_defects() -> pd.DataFrame:
    """Every row of the flow files left out of :func:`flows` or harmonised, and the top-100
    truncation, with file, name, rows, share of flows and action
    (:mod:`cityclusters.data.flows`)."""
    return _flow_table("flow_defects").copy()


def flow_coverage() -> pd.DataFrame:
    """Per focal city, day and direction: partners listed, recovered Baidu scale index (2021)
    and the share of the city's flows its top-100 list covers."""
    return _flow_table("flow_coverage").copy()


def flow_cross_check() -> pd.DataFrame:
    """Agreement of the flow files: 2021 in-lists vs out-lists (same pair, same day) and the
    January 2020 baseline vs April 2021 (Spearman correlations, per focal city and pooled)."""
    return _flow_table("flow_cross_check").copy()


#: Every tidy table's builder, by table name (the ``tables`` command builds them in groups:
#: :mod:`cityclusters.publishing.tables_step`).
TABLE_BUILDERS: dict[str, Callable[[], pd.DataFrame]] = {
    "city_year": city_year,
    "city_year_outliers": city_year_outliers,
    "cities": cities,
    "clusters": clusters,
    "cluster_plans": lambda: cluster_plans(include_other=True),
    "nbs_regions": nbs_regions,
    "paper002_ten_clusters": paper002_ten_clusters,
    "paper000_table1": paper000_table1,
    "events": events,
    "yrd_committee_members": yrd_committee_members,
    "source_errata": source_errata,
    "csmar_city_gdp": csmar_city_gdp,
    "city_year_yearbook": lambda: city_year_yearbook(first_release=False),
    "yearbook_cross_check": yearbook_cross_check,
    "flows": flows,
    "flow_defects": flow_defects,
    "flow_coverage": flow_coverage,
    "flow_cross_check": flow_cross_check,
}


def build_all() -> dict[str, pd.DataFrame]:
    """Every tidy table, built and validated, in one process (:data:`TABLE_BUILDERS`)."""
    return {name: build() for name, build in TABLE_BUILDERS.items()}
