"""Benchmarks against the Yangtze River Delta (chapter 10): the indicators of Parts I–II side by
side, and how many years each cluster lags the benchmark.

Assembly only. Every measure is computed by the module of the chapter that introduced it:

=====================  ===================================================  =========
measure id             computed by                                          chapter
=====================  ===================================================  =========
``coordination_d``     :func:`cityclusters.analysis.coordination_index.panel_index`,   2
                       :func:`~cityclusters.analysis.coordination_index.cluster_means`
``theil``, ``cv``      :func:`cityclusters.analysis.gaps.inequality_within_clusters`  3
``primacy_s2``,        :func:`cityclusters.analysis.hierarchy.hierarchy_table`     4
``rank_size_q``
``core_share``         :func:`cityclusters.analysis.linkages.linkage_panel`        5
``similarity``,        :func:`cityclusters.analysis.industry_market.structure_trends` 6
``krugman``
=====================  ===================================================  =========

and returned as one tidy table, one row per (cluster, year, measure)
(:func:`benchmark_panel`). :func:`years_behind` and :func:`years_behind_table` then ask, for
each measure with a direction, how long ago the benchmark cluster first reached each cluster's
current value. :func:`national_shares` measures the clusters' shares of the country's land,
population and GDP (claims of papers 002 and 003).

The coordination degree D is the book's one yardstick (chapter 2,
:mod:`cityclusters.analysis.coordination_index`): every prefecture-level city-year of
:data:`D_SPAN` scored once over the whole national panel, a cluster's D the unweighted mean
over its member cities with a D. Whether the benchmark leads on D is evaluated under every
specification of the index's multiverse (:func:`benchmark_lead`). Every D the chapter prints
in a sentence is listed by :func:`prose_d_records` (for
:func:`cityclusters.publishing.notebook.glue_d`).

Units: GDP in 亿元 (current prices), population in 万人, land in km² (2020 census boundaries,
Albers equal-area); every benchmark measure is unit-free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters import config
from cityclusters.analysis import (
    coordination as subsystems,
)
from cityclusters.analysis import (
    coordination_index,
    gaps,
    industry_market,
)
from cityclusters.analysis import (
    hierarchy as urban_system,
)
from cityclusters.analysis import linkages as rn
from cityclusters.analysis.coordination_index import D_RECORD_COLUMNS, d_records  # noqa: F401 (re-exported)
from cityclusters.analysis.verdicts import Verdict, multiverse_support
from cityclusters.analysis.wording import count_phrase, n_noun, verb_for
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError

#: Default benchmark cluster.
BENCHMARK = "yrd26"
#: Directions a measure can have for coordination: a higher value is better, a lower one is.
DIRECTIONS = ("higher", "lower")
PRD_FILE = "benchmarks_prd_members.csv"
#: Years of the coordination degree D: those of the book's one coordination index.
D_SPAN = (coordination_index.FIRST_YEAR, coordination_index.LAST_YEAR)


@dataclass(frozen=True)
class Measure:
    """A measure of the dashboard and the direction in which coordination improves.

    ``better`` is "higher", "lower" or None (no defensible direction: left out of the
    years-behind table); ``contested`` marks a direction that the seed papers take but that
    the literature disputes (kept in the table, marked).
    """

    measure_id: str
    label_en: str
    label_zh: str
    chapter: str
    better: str | None
    contested: bool
    reason: str


MEASURES: tuple[Measure, ...] = (
    Measure("coordination_d", "Coupling coordination D", "耦合协调度", "2", "higher", False,
            "D rises with both the level and the balance of the six measured subsystem scores; "
            "by construction a higher D is more coordinated development"),
    Measure("theil", "Theil index of GDP per head (population-weighted)", "泰尔指数", "3", "lower",
            False, "all five papers treat the gaps between member cities as an obstacle to "
                   "coordination, so smaller gaps are better"),
    Measure("cv", "Coefficient of variation of GDP per head", "变异系数", "3", "lower", False,
            "the same gaps with every city weighted equally"),
    Measure("primacy_s2", "Primacy S2 (population)", "首位度", "4", None, False,
            "the papers deplore both over-concentration in one core (Beijing) and cores too weak "
            "to lead (Guiyang); a value near 2 is 'normal', but neither direction is better"),
    Measure("rank_size_q", "Rank–size exponent q (population)", "位序-规模指数", "4", None, False,
            "q > 1 means concentration and q < 1 a flat hierarchy; the papers want both strong "
            "cores and secondary centres, which fixes no direction"),
    Measure("core_share", "Core cities' share of gravity linkage", "核心城市联系份额", "5", None,
            False, "a falling share means either that the periphery gains ties (diffusion) or that "
                   "the cores weaken; the papers want strong cores that radiate, so no direction"),
    Measure("similarity", "Mean structure similarity (three sectors)", "结构相似系数", "6", "lower",
            True, "the papers read convergent structures (产业同构) as duplication; with three "
                  "sectors, similarity mostly tracks the common shift to services, so contested"),
    Measure("krugman", "Mean Krugman specialisation index", "克鲁格曼专业化指数", "6", "higher", True,
            "the mirror of similarity: more division of labour between cities, as the papers "
            "wish; contested for the same reason"),
)
MEASURE_IDS = tuple(m.measure_id for m in MEASURES)


def measure_table() -> pd.DataFrame:
    """The measures as a table: ``measure_id``, labels, ``chapter``, ``better`` ("higher",
    "lower" or None), ``contested`` and ``reason``."""
    return pd.DataFrame([m.__dict__ for m in MEASURES])


def measure(measure_id: str) -> Measure:
    """The :class:`Measure` of ``measure_id`` (ValueError listing the valid ids otherwise)."""
    for m in MEASURES:
        if m.measure_id == measure_id:
            return m
    raise ValueError(f"unknown measure {measure_id!r}; valid: {list(MEASURE_IDS)}")


def validate_benchmark(benchmark: str) -> str:
    """Refuse a benchmark that is not a cluster id of :data:`cityclusters.config.CLUSTERS`."""
    if not isinstance(benchmark, str) or benchmark not in config.CLUSTERS:
        raise ValueError(f"BENCHMARK must be one cluster id of {list(config.CLUSTERS)}; got {benchmark!r}")
    return benchmark


def with_benchmark(clusters: Sequence[str], benchmark: str) -> list[str]:
    """The benchmark first, then the other chosen clusters in their order (no duplicates)."""
    return [benchmark, *[c for c in clusters if c != benchmark]]


# ----------------------------------------------------------------------------- measures
def _long(frame: pd.DataFrame, columns: Mapping[str, str], n_units: str | None) -> pd.DataFrame:
    """Rows (cluster_id, year, measure, value, n_units) from a wide cluster-year table."""
    parts = []
    for column, measure_id in columns.items():
        part = frame[["cluster_id", "year"]].copy()
        part["measure"] = measure_id
        part["value"] = frame[column].astype(float).to_numpy()
        part["n_units"] = frame[n_units].to_numpy() if n_units else np.nan
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def cluster_d(index: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Each cluster's mean D per year and the number of member cities it averages.

    D̄_{g,t} = (1/n_{g,t}) Σ_{i∈g, D_{i,t} known} D_{i,t} (unweighted,
    :func:`cityclusters.analysis.coordination_index.cluster_means`); ``cities`` = n_{g,t}, the
    member cities with a D in year t. ``index`` has city_code, year, D (the yardstick,
    :func:`~cityclusters.analysis.coordination_index.panel_index`); ``members`` cluster_id,
    city_code. Returns cluster_id, year, D, cities."""
    missing = [c for c in ("city_code", "year", "D") if c not in index.columns]
    if missing:
        raise MethodInputError(f"index (panel_index): missing column(s) {missing}")
    scored = index.dropna(subset=["D"])
    means = coordination_index.cluster_means(scored, members)
    counts = (members[["cluster_id", "city_code"]].drop_duplicates().merge(scored, on="city_code")
              .groupby(["cluster_id", "year"]).size().rename("cities").reset_index())
    return means.merge(counts, on=["cluster_id", "year"])


def coordination_series(clusters: Sequence[str], first_year: int, last_year: int) -> pd.DataFrame:
    """Mean coupling coordination D of each cluster's member cities per year, from the book's
    one yardstick (chapter 2).

    Every prefecture-level city-year of :data:`D_SPAN` is scored once over the whole national
    panel (:func:`cityclusters.analysis.coordination_index.panel_index`, main specification),
    so a cluster's D does not depend on which other clusters are shown and equals its D in
    every chapter; :func:`cluster_d` averages it over each chosen cluster's member cities with
    a D (unweighted, ``n_units`` = those cities), and the years in [first_year, last_year] ∩
    :data:`D_SPAN` are kept.

    Returns the long format of :func:`benchmark_panel` (measure ``coordination_d``); empty
    when the chapter's years do not overlap :data:`D_SPAN`.
    """
    columns = ["cluster_id", "year", "measure", "value", "n_units"]
    first, last = max(first_year, D_SPAN[0]), min(last_year, D_SPAN[1])
    if first > last:
        return pd.DataFrame(columns=columns)
    table = cluster_d(coordination_index.panel_index(), subsystems.chosen_members(clusters))
    table = table[table["year"].between(first, last)]
    return _long(table, {"D": "coordination_d"}, "cities")[columns]


def index_values() -> dict:
    """Chapter 10's description of D: its years (``d_span``, text "2007–2019"), the number of
    indicators (``d_indicators``) and of measured subsystems (``d_subsystems``) of the book's
    coordination index (:func:`cityclusters.analysis.coordination_index.index_indicators`)."""
    indicators = coordination_index.index_indicators(*D_SPAN)
    return {"d_span": f"{D_SPAN[0]}–{D_SPAN[1]}", "d_indicators": len(indicators),
            "d_subsystems": int(indicators["subsystem_id"].nunique())}


def gap_series(panel: pd.DataFrame) -> pd.DataFrame:
    """Population-weighted Theil index and plain CV of GDP per head inside each cluster
    (:func:`cityclusters.analysis.gaps.inequality_within_clusters`; cities lacking population are left
    out of their year and counted in ``n_units``)."""
    table = gaps.inequality_within_clusters(panel, "gdp_per_capita")
    return _long(table, {"theil_weighted": "theil", "cv": "cv"}, "n_units")


def hierarchy_series(panel: pd.DataFrame) -> pd.DataFrame:
    """Primacy S2 and the OLS rank–size exponent q by population
    (:func:`cityclusters.analysis.hierarchy.hierarchy_table`)."""
    table = urban_system.hierarchy_table(panel, "population")
    return _long(table, {"s2": "primacy_s2", "q": "rank_size_q"}, "n_cities")


def linkage_series(panel: pd.DataFrame, coords: pd.DataFrame, decay: float = 2.0) -> pd.DataFrame:
    """The core cities' share of gravity linkage endpoints per cluster-year, with great-circle
    distances (km): :func:`cityclusters.analysis.linkages.linkage_panel` with the cores of
    :data:`cityclusters.config.CORE_CITIES`, masses √(population·GDP), decay ``decay``;
    city-years lacking population or GDP are left out (``n_units`` counts the cities used).

    Chapter 5's network density is not repeated here: with great-circle distances it changes
    only through the masses, and its centrality computations cost more than the whole rest of
    this chapter.
    """
    cores = {c: config.CORE_CITIES.get(c, ()) for c in panel["cluster_id"].unique()}
    shares = rn.linkage_panel(panel, coords, cores, None, decay)
    shares = shares[shares["distance"] == "great_circle"]
    return _long(shares, {"core_endpoint_share": "core_share"}, "n_cities")


def structure_series(panel: pd.DataFrame) -> pd.DataFrame:
    """Mean pairwise UNIDO similarity and Krugman index of the three-sector value added
    (:func:`cityclusters.analysis.industry_market.structure_trends`)."""
    table = industry_market.structure_trends(panel)
    return _long(table, {"mean_similarity": "similarity", "mean_krugman": "krugman"}, "n_units")


def benchmark_panel(clusters: Sequence[str], first_year: int, last_year: int,
                    benchmark: str = BENCHMARK, measures: Sequence[str] | None = None) -> pd.DataFrame:
    """All measures for the chosen clusters and the benchmark, one row per cluster-year-measure.

    Parameters
    ----------
    clusters : sequence of str
        Cluster ids; the benchmark is added if absent.
    first_year, last_year : int
        Years of the panel (the coordination degree exists only for :data:`D_SPAN`, see
        :func:`coordination_series`).
    benchmark : str
        The benchmark cluster (default ``yrd26``).
    measures : sequence of str, optional
        Measure ids of :data:`MEASURE_IDS` (default: all).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id``, ``year``, ``measure``, ``value`` (unit-free), ``n_units`` (cities
        used), ``members`` (member cities of the cluster), ordered by measure (as in
        :data:`MEASURES`), cluster (benchmark first) and year. Missing values stay NaN.
    """
    from cityclusters.checks import validate_parameters
    from cityclusters.data.tables import cluster_city_year  # avoid a circular import

    validate_benchmark(benchmark)
    validate_parameters(list(clusters), first_year, last_year)
    wanted = list(MEASURE_IDS) if measures is None else list(measures)
    unknown = [m for m in wanted if m not in MEASURE_IDS]
    if unknown:
        raise ValueError(f"unknown measure(s) {unknown}; valid: {list(MEASURE_IDS)}")
    chosen = with_benchmark(clusters, benchmark)
    panel = cluster_city_year(chosen, first_year, last_year)
    parts = []
    if "coordination_d" in wanted:
        parts.append(coordination_series(chosen, first_year, last_year))
    if {"theil", "cv"} & set(wanted):
        parts.append(gap_series(panel))
    if {"primacy_s2", "rank_size_q"} & set(wanted):
        parts.append(hierarchy_series(panel))
    if "core_share" in wanted:
        parts.append(linkage_series(panel, rn.network_coords(tables.cities())))
    if {"similarity", "krugman"} & set(wanted):
        parts.append(structure_series(panel))
    out = pd.concat([p for p in parts if len(p)], ignore_index=True)
    out = out[out["measure"].isin(wanted)]
    members = tables.clusters().groupby("cluster_id")["city_code"].nunique()
    out["members"] = out["cluster_id"].map(members).astype(int)
    out["year"] = out["year"].astype(int)
    order_m = {m: i for i, m in enumerate(MEASURE_IDS)}
    order_c = {c: i for i, c in enumerate(chosen)}
    out = out.sort_values(["measure", "cluster_id", "year"],
                          key=lambda s: s.map(order_m) if s.name == "measure"
                          else (s.map(order_c) if s.name == "cluster_id" else s))
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- years behind
def _at_least_as_good(a: float, b: float, better: str) -> bool:
    return a >= b if better == "higher" else a <= b


def years_behind(benchmark: pd.Series, value: float, year: int, better: str) -> dict:
    """How many years ago the benchmark first reached a cluster's value of ``year``.

    Let B_y be the benchmark's value in year y (``benchmark``, indexed by year; missing years
    are skipped) and v the cluster's value in year t = ``year``. "At least as good" means
    B ≥ v when ``better="higher"`` and B ≤ v when ``better="lower"``.

    * If v is strictly better than B_t the cluster is **ahead** (no years).
    * Otherwise y* = the first year y ≤ t with B_y at least as good as v (it exists, since
      B_t is), and the cluster is t − y* years **behind**; 0 years is shown as **level**.
    * If y* is the benchmark's first observed year, the benchmark may have reached v before
      the data begin: the number is a lower bound (``censored``).

    "First reached" is used even if the benchmark later fell back below v (a non-monotone
    series): the question is how long ago the benchmark first got there.

    Parameters
    ----------
    benchmark : pandas.Series
        Benchmark values indexed by integer year.
    value : float
        The cluster's value in ``year``.
    year : int
        The year compared.
    better : {"higher", "lower"}
        The direction in which the measure improves.

    Returns
    -------
    dict
        ``status`` ("behind", "level", "ahead" or "no data"), ``years`` (int or None),
        ``censored`` (bool), ``reached_year`` (y* or None), ``benchmark_value`` (B_t).

    Examples
    --------
    Benchmark 0.30, 0.35, 0.40, 0.45 in 2010–2013, higher is better: a cluster at 0.36 in
    2013 is 2013 − 2012 = 1 year behind; at 0.30 it is at least 3 years behind (censored);
    at 0.50 it is ahead.
    """
    if better not in DIRECTIONS:
        raise ValueError(f"better must be one of {list(DIRECTIONS)}; got {better!r}")
    series = pd.Series(benchmark, dtype=float)
    if not series.index.is_unique:
        raise ValueError(f"benchmark: year(s) {sorted(set(series.index[series.index.duplicated()]))} appear twice")
    series = series.dropna().sort_index()
    series = series[series.index <= year]
    out = {"status": "no data", "years": None, "censored": False, "reached_year": None,
           "benchmark_value": np.nan}
    if value is None or not np.isfinite(value) or year not in series.index:
        return out
    current = float(series.loc[year])
    out["benchmark_value"] = current
    if not _at_least_as_good(current, value, better):
        out["status"] = "ahead"
        return out
    reached = next(int(y) for y, b in series.items() if _at_least_as_good(b, value, better))
    years = int(year) - reached
    out.update(years=years, reached_year=reached, censored=bool(reached == int(series.index[0])),
               status="level" if years == 0 else "behind")
    if out["censored"] and years == 0 and current != value:
        out["status"] = "behind"  # only one observed year: behind by an unknown amount
    return out


def years_behind_table(panel: pd.DataFrame, benchmark: str, year: int,
                       measures: Sequence[Measure] | None = None) -> pd.DataFrame:
    """:func:`years_behind` for every cluster and every measure with a direction.

    For each measure, the year compared is the latest year ≤ ``year`` in which the benchmark
    has a value (the coordination degree ends earlier than the other measures).

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`benchmark_panel` output (``cluster_id``, ``year``, ``measure``, ``value``).
    benchmark : str
        The benchmark cluster id (must be in ``panel``).
    year : int
        The last year to compare.
    measures : sequence of Measure, optional
        Default: the measures of :data:`MEASURES` with a direction.

    Returns
    -------
    pandas.DataFrame
        One row per (measure, cluster other than the benchmark): ``measure``, ``cluster_id``,
        ``year``, ``value``, ``benchmark_value``, ``better``, ``contested``, ``status``,
        ``years``, ``censored``, ``reached_year``, ``shown`` (text for the heat table).
    """
    missing = [c for c in ("cluster_id", "year", "measure", "value") if c not in panel.columns]
    if missing:
        raise ValueError(f"panel (benchmark_panel): missing column(s) {missing}")
    if benchmark not in set(panel["cluster_id"]):
        raise ValueError(f"panel (benchmark_panel): no rows for the benchmark {benchmark!r}")
    chosen = [m for m in (MEASURES if measures is None else measures) if m.better is not None]
    columns = ["measure", "cluster_id", "year", "value", "benchmark_value", "better", "contested",
               "status", "years", "censored", "reached_year", "shown"]
    rows = []
    for m in chosen:
        sub = panel[(panel["measure"] == m.measure_id) & (panel["year"] <= year)]
        bench = sub[sub["cluster_id"] == benchmark].set_index("year")["value"].dropna()
        if bench.empty:
            continue
        t = int(bench.index.max())
        for cluster_id in [c for c in sub["cluster_id"].unique() if c != benchmark]:
            cell = sub[(sub["cluster_id"] == cluster_id) & (sub["year"] == t)]["value"]
            value = float(cell.iloc[0]) if len(cell) else np.nan
            result = years_behind(bench, value, t, m.better)
            rows.append({"measure": m.measure_id, "cluster_id": cluster_id, "year": t, "value": value,
                         "better": m.better, "contested": m.contested, **result,
                         "shown": format_years_behind(result)})
    return pd.DataFrame(rows, columns=columns)


def format_years_behind(result: Mapping) -> str:
    """Text of a :func:`years_behind` result: "ahead", "level", "7", "≥ 11" or "–"."""
    status = result["status"]
    if status in ("ahead", "level"):
        return status
    if status == "no data":
        return "–"
    prefix = "≥ " if result["censored"] else ""
    return f"{prefix}{result['years']}"


# ----------------------------------------------------------------------------- national shares
def prd_members(path=None) -> pd.DataFrame:
    """The nine Pearl River Delta cities (珠三角九市), typed in
    ``data/facts/benchmarks_prd_members.csv``, with their city codes.

    Raises SourceFormatError naming the row and column when a city is not a unique
    prefecture-level unit of :func:`cityclusters.data.tables.cities`.
    """
    where = f"data/facts/{PRD_FILE}" if path is None or str(path).endswith(PRD_FILE) else str(path)
    frame = read_fact(PRD_FILE, path)  # refuses a missing column, naming the file
    needed = ["cluster_id", "city_zh", "province_zh", "source", "source_url"]  # none may be empty
    cities = tables.cities()
    codes = []
    for k, row in enumerate(frame.itertuples(), start=2):
        for column in needed:
            if pd.isna(getattr(row, column)) or not str(getattr(row, column)).strip():
                raise SourceFormatError(f"{where}: row {k}, column {column}: empty")
        hit = cities[(cities["name_zh"] == row.city_zh) & (cities["province_zh"] == row.province_zh)]
        if len(hit) != 1:
            raise SourceFormatError(f"{where}: row {k}, column city_zh: {row.city_zh!r} ({row.province_zh}) "
                                    f"matches {len(hit)} prefecture-level units, expected 1")
        codes.append(int(hit["city_code"].iloc[0]))
    frame["city_code"] = codes
    if frame["city_code"].duplicated().any():
        raise SourceFormatError(f"{where}: a city is listed twice: "
                                f"{frame.loc[frame['city_code'].duplicated(), 'city_zh'].tolist()}")
    return frame


def census_units() -> pd.DataFrame:
    """The census units of mainland China (Hong Kong and Macau left out): ``city_code``,
    ``name_zh``, ``province_zh``, ``area_km2`` (2020 boundary, Albers equal-area),
    ``pop_2010``, ``pop_2020`` (census residents, 万人). Source: Dong et al. census data
    (:func:`cityclusters.data.tables.basemap` geometry; :mod:`cityclusters.data.sources.census`)."""
    from cityclusters.config import CHINA_ALBERS
    from cityclusters.data.sources import census

    frame = census.read_census().rename(columns={"code": "city_code"})
    frame = frame[~frame["province_zh"].isin(["香港特别行政区", "澳门特别行政区", "台湾省"])]
    area = frame.to_crs(CHINA_ALBERS).area / 1e6
    return pd.DataFrame({"city_code": frame["city_code"].to_numpy(), "name_zh": frame["name_zh"].to_numpy(),
                         "province_zh": frame["province_zh"].to_numpy(), "area_km2": area.to_numpy(),
                         "pop_2010": frame["pop_2010_persons"].to_numpy() / 1e4,
                         "pop_2020": frame["pop_2020_persons"].to_numpy() / 1e4})


def national_shares(groups: Mapping[str, Sequence[int]], year: int, panel: pd.DataFrame,
                    units: pd.DataFrame) -> pd.DataFrame:
    """Shares of national land, population and GDP held by groups of cities.

    For a group g of cities (a city listed in several groups' clusters counts once per group)

    .. math:: s^x_g = \\frac{\\sum_{i \\in g} x_i}{\\sum_{i \\in N} x_i}

    with N the national set: for land and census population all ``units`` (the census units
    of the mainland), for GDP all prefecture-level units of ``panel`` with a GDP in ``year``
    (the sum over prefecture-level units, which exceeds the national accounts' GDP because
    local GDPs are not reconciled with it).

    Parameters
    ----------
    groups : mapping
        Group label → city codes.
    year : int
        Year of the GDP shares.
    panel : pandas.DataFrame
        ``city_code``, ``year``, ``gdp`` (亿元) for all units (:func:`tables.city_year`).
    units : pandas.DataFrame
        ``city_code``, ``area_km2``, ``pop_2010``, ``pop_2020`` (:func:`census_units`).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``group``, ``cities``, ``land_share``, ``pop_share_2010``,
        ``pop_share_2020``, ``gdp_share``, ``gdp`` (亿元), ``national_gdp`` (亿元, sum over
        units), ``national_units`` (units with GDP), ``missing_gdp`` and ``missing_census``
        (member cities without a value; they count as zero in the numerator and are listed).
    """
    for name, frame, cols in (("panel", panel, ["city_code", "year", "gdp"]),
                              ("units", units, ["city_code", "area_km2", "pop_2010", "pop_2020"])):
        absent = [c for c in cols if c not in frame.columns]
        if absent:
            raise MethodInputError(f"{name}: missing column(s) {absent}")
    year_rows = panel[(panel["year"] == year) & panel["gdp"].notna()]
    if year_rows.empty:
        raise MethodInputError(f"panel: no GDP in year {year}")
    if year_rows["city_code"].duplicated().any():
        raise MethodInputError(f"panel: city_code {year_rows.loc[year_rows['city_code'].duplicated(), 'city_code'].iloc[0]} "
                               f"appears twice in year {year}")
    gdp = year_rows.set_index("city_code")["gdp"].astype(float)
    if (gdp < 0).any():
        raise MethodInputError(f"panel: negative gdp for city_code {gdp.index[gdp < 0][0]} in {year}")
    u = units.set_index("city_code")
    totals = {c: float(u[c].sum()) for c in ("area_km2", "pop_2010", "pop_2020")}
    rows = []
    for label, codes in groups.items():
        codes = list(dict.fromkeys(int(c) for c in codes))
        in_units = [c for c in codes if c in u.index]
        rows.append({
            "group": label, "cities": len(codes),
            "land_share": u.loc[in_units, "area_km2"].sum() / totals["area_km2"],
            "pop_share_2010": u.loc[in_units, "pop_2010"].sum() / totals["pop_2010"],
            "pop_share_2020": u.loc[in_units, "pop_2020"].sum() / totals["pop_2020"],
            "gdp_share": gdp.reindex(codes).sum() / gdp.sum(),
            "gdp": float(gdp.reindex(codes).sum()), "national_gdp": float(gdp.sum()),
            "national_units": int(len(gdp)),
            "missing_gdp": [c for c in codes if c not in gdp.index],
            "missing_census": [c for c in codes if c not in u.index],
        })
    return pd.DataFrame(rows)


def cluster_codes(cluster_ids: Sequence[str], extra: Mapping[str, Sequence[int]] | None = None) -> list[int]:
    """City codes of the union of clusters (``tables.clusters()`` ids, or keys of ``extra``
    such as ``{"prd": prd_members()["city_code"]}``), each city once."""
    members = tables.clusters()
    extra = extra or {}
    codes: list[int] = []
    for c in cluster_ids:
        if c in extra:
            codes += [int(x) for x in extra[c]]
        elif c in config.CLUSTERS:
            codes += members.loc[members["cluster_id"] == c, "city_code"].astype(int).tolist()
        else:
            raise ValueError(f"unknown cluster {c!r}; valid: {list(config.CLUSTERS) + list(extra)}")
    return list(dict.fromkeys(codes))


# ----------------------------------------------------------------------------- summaries
#: Short Chinese names of the clusters for narrow table headers.
SHORT_ZH = {"chengyu": "成渝", "qianzhong": "黔中", "chengyugui": "成渝贵", "yrd26": "长三角26",
            "yrd41": "长三角41", "middle_yangtze": "长江中游", "jingjinji": "京津冀"}


def snapshot(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each measure's values in its latest year ≤ ``year`` with any value: one row per measure
    (``measure``, ``year``), one column per cluster (in the panel's order)."""
    rows = []
    clusters = list(dict.fromkeys(panel["cluster_id"]))
    for m in MEASURES:
        sub = panel[(panel["measure"] == m.measure_id) & (panel["year"] <= year) & panel["value"].notna()]
        if sub.empty:
            continue
        t = int(sub["year"].max())
        values = sub[sub["year"] == t].set_index("cluster_id")["value"]
        rows.append({"measure": m.measure_id, "year": t, **{c: values.get(c, np.nan) for c in clusters}})
    return pd.DataFrame(rows, columns=["measure", "year", *clusters])


def coverage_table(panel: pd.DataFrame) -> pd.DataFrame:
    """Fewest cities used in any year, per cluster and measure, beside the number of members.

    One row per cluster: ``cluster_id``, ``members``, then one column per measure id present
    (minimum of ``n_units`` over the years; cities lacking the inputs of a measure in a year
    are left out of that year by the chapter modules).
    """
    wide = panel.groupby(["cluster_id", "measure"], sort=False)["n_units"].min().unstack("measure")
    wide = wide[[m for m in MEASURE_IDS if m in wide.columns]]
    members = panel.groupby("cluster_id", sort=False)["members"].first()
    out = wide.reindex(members.index)
    out.insert(0, "members", members)
    return out.reset_index()


def lag_summary(table: pd.DataFrame) -> dict:
    """Counts over a :func:`years_behind_table`: ``cells``, ``behind`` (incl. level),
    ``ahead``, ``censored``, ``no_data`` and the largest lag (``worst_cluster``,
    ``worst_measure``, ``worst_years``, ``worst_censored``; None when no cell is behind)."""
    out = {"cells": int(len(table)), "behind": int(table["status"].isin(["behind", "level"]).sum()),
           "ahead": int((table["status"] == "ahead").sum()), "censored": int(table["censored"].astype(bool).sum()),
           "no_data": int((table["status"] == "no data").sum()),
           "worst_cluster": None, "worst_measure": None, "worst_years": None, "worst_censored": False}
    behind = table[table["status"].isin(["behind", "level"])]
    if len(behind):
        row = behind.sort_values(["years", "censored"], ascending=False, kind="mergesort").iloc[0]
        out.update(worst_cluster=row["cluster_id"], worst_measure=row["measure"],
                   worst_years=int(row["years"]), worst_censored=bool(row["censored"]))
    return out


def stated_trillion(text: str) -> float:
    """The first number followed by "trillion" in a claim's stated value (e.g. "≈1/2 of 63.6
    trillion yuan" → 63.6), in trillion yuan; ValueError if there is none."""
    import re

    hit = re.search(r"([0-9]+(?:\.[0-9]+)?)\s*trillion", str(text))
    if not hit:
        raise ValueError(f"no 'N trillion' in stated value {text!r}")
    return float(hit.group(1))


# ----------------------------------------------------------------------------- chapter 10
#: Claims of papers 002 and 003 tested in chapter 10 (ids of ``data/facts/seed_claims.csv``).
TEN_CLUSTERS_CLAIM = "p002_ten_clusters_share"
HALF_GDP_CLAIM = "p003_five_clusters_half_gdp"
#: Paper 002's bounds for the ten clusters: under 12 % of the land, over 60 % of GDP.
LAND_BOUND, GDP_BOUND = 0.12, 0.60
#: Paper 003's five clusters, with the 26-city and the 41-city YRD.
FIVE_CLUSTERS = ["yrd26", "prd", "jingjinji", "chengyu", "middle_yangtze"]
FIVE_CLUSTERS_41 = ["yrd41", "prd", "jingjinji", "chengyu", "middle_yangtze"]
#: Coverage columns shown in chapter 10 (measure id → short column title).
COVERAGE_SHOWN = {"members": "members", "coordination_d": "D", "theil": "Theil", "primacy_s2": "S2",
                  "core_share": "linkage", "similarity": "structure"}


def check_half_band(half_band) -> None:
    """Refuse a band around one half that is not a number strictly between 0 and 0.5."""
    if isinstance(half_band, bool) or not isinstance(half_band, (int, float)) or not 0 < half_band < 0.5:
        raise ValueError(f"HALF_BAND must be a number between 0 and 0.5; got {half_band!r}")



def bilingual_names() -> dict[str, str]:
    """'English (中文)' name of every cluster (the Chinese name without its parenthesised count)."""
    return {c: f"{config.CLUSTERS[c][1]} ({config.CLUSTERS[c][0].split('（')[0]})" for c in config.CLUSTERS}


def overview_values(chosen: Sequence[str], benchmark: str, first_year: int, last_year: int) -> dict:
    """The chapter's setting for the prose: ``benchmark_name``, ``first_year``, ``last_year``,
    ``n_clusters`` (``clusters_phrase``: "1 cluster", "5 clusters"), ``n_others`` and ``others_en``
    (English names of the other clusters)."""
    en = config.cluster_names()
    others = [c for c in chosen if c != benchmark]
    return {"benchmark_name": bilingual_names()[benchmark], "first_year": first_year, "last_year": last_year,
            "n_clusters": len(chosen), "clusters_phrase": n_noun(len(chosen), "cluster"), "n_others": len(others),
            "others_en": ", ".join(en[c] for c in others) or "no other cluster"}


def direction_table(directions: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """The measures and their directions as chapter 10 shows them (Measure, Ch., Better, Why;
    "no direction" or the direction, "(contested)" when marked) and the counts for the prose:
    ``n_measures``, ``n_directed``, ``n_ambiguous`` (no direction), ``n_contested``."""
    directions = measure_table() if directions is None else directions
    shown = directions.assign(
        measure=directions["label_en"] + " " + directions["label_zh"],
        better=[("no direction" if pd.isna(b) else f"{b}" + (" (contested)" if c else ""))
                for b, c in zip(directions["better"], directions["contested"])],
    )
    values = {"n_measures": len(directions), "n_directed": int(directions["better"].notna().sum()),
              "n_ambiguous": int(directions["better"].isna().sum()),
              "n_contested": int(directions["contested"].sum())}
    table = shown[["measure", "chapter", "better", "reason"]].rename(
        columns={"measure": "Measure", "chapter": "Ch.", "better": "Better", "reason": "Why"})
    return table, values


def snapshot_table(snap: pd.DataFrame, chosen: Sequence[str], titles: Mapping[str, str]) -> pd.DataFrame:
    """:func:`snapshot` with measure titles and the clusters' short Chinese names as columns."""
    shown = snap.assign(measure=[titles[m] for m in snap["measure"]])
    return shown.rename(columns={c: SHORT_ZH[c] for c in chosen})


def snapshot_row(snap: pd.DataFrame, measure_id: str, chosen: Sequence[str]) -> tuple[int, pd.Series]:
    """The year and the values (cluster → value) of ``measure_id`` in :func:`snapshot`."""
    row = snap.loc[snap["measure"] == measure_id]
    return int(row["year"].iloc[0]), row[list(chosen)].iloc[0].astype(float)


def measure_value(panel: pd.DataFrame, measure_id: str, cluster: str, year: int | None = None) -> float:
    """Value of a measure for a cluster in ``year`` (default: its latest year with a value);
    NaN when there is none."""
    sub = panel[(panel["measure"] == measure_id) & (panel["cluster_id"] == cluster)].dropna(subset=["value"])
    if year is not None:
        sub = sub[sub["year"] == year]
    return float(sub.sort_values("year")["value"].iloc[-1]) if len(sub) else float("nan")


def d_frame(panel: pd.DataFrame) -> pd.DataFrame:
    """The D values of a :func:`benchmark_panel` (those the dashboard and the snapshot table
    show): cluster_id, year, D."""
    rows = panel[(panel["measure"] == "coordination_d") & panel["value"].notna()]
    return rows[["cluster_id", "year"]].assign(D=rows["value"].astype(float)).reset_index(drop=True)


def snapshot_d_records(snap: pd.DataFrame, chosen: Sequence[str]) -> pd.DataFrame:
    """The D values :func:`coordination_sentence` prints, as :func:`d_records` (name
    ``d_text_<cluster>``; empty when the snapshot has no D)."""
    if "coordination_d" not in set(snap["measure"]):
        return d_records([])
    year, values = snapshot_row(snap, "coordination_d", chosen)
    return d_records([(f"d_text_{c}", c, year, values[c]) for c in chosen])


def coordination_sentence(snap: pd.DataFrame, chosen: Sequence[str], benchmark: str,
                          d_span: tuple[int, int] = D_SPAN) -> str:
    """Sentence on the mean coordination degree D in its latest year (the values of
    :func:`snapshot_d_records`): the benchmark's value and whether it is the highest (else
    which cluster is), with the others' values; the year is called the last of the index when
    D ends before the other measures; or that D is missing when the chosen years lie outside
    ``d_span``."""
    if "coordination_d" not in set(snap["measure"]):
        return (f"The coordination degree D exists only for {d_span[0]}–{d_span[1]}, the years of the book's "
                "coordination index, outside the years chosen, so it is missing from this run.")
    en = config.cluster_names()
    records = snapshot_d_records(snap, chosen).set_index("cluster_id")
    d_year = int(snap.loc[snap["measure"] == "coordination_d", "year"].iloc[0])
    when = (f"In {d_year}, the last year of the coordination index," if d_year == d_span[1]
            and d_year < int(snap["year"].max()) else f"In {d_year}")
    d_vals = records["D"]
    others = [c for c in chosen if c != benchmark and c in d_vals.index]
    unscored = [en[c] for c in chosen if c not in d_vals.index]
    tail = (f" ({', '.join(unscored)}: no member city scored in {d_year})." if unscored else ".")
    if benchmark not in d_vals.index:
        head = f"{when} {en[benchmark]} had no mean coordination degree D"
        listed = "; ".join(f"{en[c]} {d_vals[c]:.3f}" for c in others)
        return head + (f" (others: {listed})" if listed else "") + tail
    head = f"{when} the mean coordination degree D of {en[benchmark]} was {d_vals[benchmark]:.3f}"
    if not others:
        return head + "; no other cluster is compared" + tail
    top = d_vals.idxmax()
    rest = [c for c in others if c != top]
    return (head + "; " + ("the highest among the clusters compared" if top == benchmark else
                           f"{en[top]} was the highest, at {d_vals[top]:.3f}")
            + (" (others: " + "; ".join(f"{en[c]} {d_vals[c]:.3f}" for c in rest) + ")" if rest else "")
            + tail)


def dashboard_values(panel: pd.DataFrame, snap: pd.DataFrame, chosen: Sequence[str], benchmark: str,
                     first_year: int, d_span: tuple[int, int]) -> dict:
    """Chapter 10's sentences on the dashboard: the coordination sentence (``d_text``), the
    benchmark's Theil index in its latest year (``theil_year``, ``theil_bench``) and in
    ``first_year`` (``theil_bench_first``, ``theil_bench_trend`` "fell"/"rose"), the clusters
    with smaller and larger Theil than the benchmark (``theil_lower_text``,
    ``theil_higher_text``) and the number of clusters whose Theil index misses member cities
    in some year (``n_clusters_with_gaps``; with its verb in words, ``clusters_with_gaps_phrase``:
    "2 of the 6 clusters miss", "no cluster misses")."""
    en = config.cluster_names()
    others = [c for c in chosen if c != benchmark]
    theil_year, th = snapshot_row(snap, "theil", chosen)
    lower = [c for c in others if th[c] < th[benchmark]]
    higher = [c for c in others if th[c] >= th[benchmark]]
    theil_first = measure_value(panel, "theil", benchmark, first_year)
    cov = coverage_table(panel).set_index("cluster_id")
    gaps_left = {c: int(cov.at[c, "members"] - cov.at[c, "theil"]) for c in chosen if "theil" in cov.columns}
    return {
        "d_text": coordination_sentence(snap, chosen, benchmark, d_span),
        "theil_year": theil_year, "theil_bench": th[benchmark],
        "theil_lower_text": ", ".join(f"{en[c]} ({th[c]:.3f})" for c in lower) if lower else "none",
        "theil_higher_text": ", ".join(f"{en[c]} ({th[c]:.3f})" for c in higher) if higher else "none",
        "theil_bench_first": theil_first,
        "theil_bench_trend": "fell" if theil_first > th[benchmark] else "rose",
        "n_clusters_with_gaps": sum(1 for v in gaps_left.values() if v > 0),
        "clusters_with_gaps_phrase": (
            count_phrase(sum(1 for v in gaps_left.values() if v > 0), max(len(gaps_left), 1), "cluster") + " "
            + verb_for(sum(1 for v in gaps_left.values() if v > 0), max(len(gaps_left), 1), "misses", "miss")),
    }


def coverage_shown(panel: pd.DataFrame) -> pd.DataFrame:
    """:func:`coverage_table` as chapter 10 shows it: short cluster names and the columns of
    :data:`COVERAGE_SHOWN` (fewest cities used in any year)."""
    cov = coverage_table(panel)
    shown = cov[["cluster_id", *[c for c in COVERAGE_SHOWN if c in cov.columns]]]
    shown = shown.assign(cluster_id=shown["cluster_id"].map(SHORT_ZH)).rename(columns=COVERAGE_SHOWN)
    return shown.rename(columns={"cluster_id": "cluster"})


def lag_example(table: pd.DataFrame, panel: pd.DataFrame, benchmark: str) -> tuple[pd.Series | None, float]:
    """The worked example of chapter 10: the first uncensored lag of a :func:`years_behind_table`
    (a row) and the benchmark's value in the year it first reached the cluster's value; (None,
    NaN) when no cell has an uncensored lag."""
    example = table[(table["status"] == "behind") & ~table["censored"].astype(bool)]
    if example.empty:
        return None, float("nan")
    row = example.iloc[0]
    return row, measure_value(panel, row["measure"], benchmark, int(row["reached_year"]))


def example_d_records(table: pd.DataFrame, panel: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """The D values the worked example of :func:`years_behind_values` prints when its measure is
    D, as :func:`d_records`: the cluster's in the comparison year (``yb_example_d``) and the
    benchmark's in the year it first reached it (``yb_example_d_benchmark``); empty otherwise."""
    row, bench_value = lag_example(table, panel, benchmark)
    if row is None or row["measure"] != "coordination_d":
        return d_records([])
    return d_records([("yb_example_d", row["cluster_id"], int(row["year"]), row["value"]),
                      ("yb_example_d_benchmark", benchmark, int(row["reached_year"]), bench_value)])


def prose_d_records(snap: pd.DataFrame, table: pd.DataFrame, panel: pd.DataFrame, chosen: Sequence[str],
                    benchmark: str) -> pd.DataFrame:
    """Every D value chapter 10 prints in a sentence (:func:`coordination_sentence` and the
    worked example of :func:`years_behind_values`), as :func:`d_records`."""
    return pd.concat([snapshot_d_records(snap, chosen), example_d_records(table, panel, benchmark)],
                     ignore_index=True)


def years_behind_values(table: pd.DataFrame, panel: pd.DataFrame, benchmark: str) -> dict:
    """Chapter 10's sentences on the years-behind table: counts (``yb_cells``, ``yb_behind``,
    ``yb_ahead``, ``yb_censored``, from :func:`lag_summary`), the largest lag
    (``yb_worst_text``) and a worked example, the first uncensored lag (``yb_example``)."""
    en = config.cluster_names()
    summary = lag_summary(table)
    if summary["worst_cluster"] is not None:
        worst = (f"The largest lag is that of {en[summary['worst_cluster']]} in "
                 f"the {measure(summary['worst_measure']).label_en}: "
                 f"{'at least ' if summary['worst_censored'] else ''}{summary['worst_years']} years.")
    else:
        worst = "No cluster lags the benchmark on any measure compared."
    row, bench_value = lag_example(table, panel, benchmark)
    if row is not None:
        ex = (f"For example, {en[row['cluster_id']]} scored {row['value']:.3f} in {int(row['year'])} on the "
              f"{measure(row['measure']).label_en}; {en[benchmark]} first reached that level in "
              f"{int(row['reached_year'])} ({bench_value:.3f}, "
              f"{'higher' if row['better'] == 'higher' else 'lower'} being better), "
              f"so the lag is {int(row['year'])} − {int(row['reached_year'])} = {int(row['years'])} years.")
    else:
        ex = "In this run no cell has an uncensored lag to serve as an example."
    return {"yb_cells": summary["cells"], "yb_behind": summary["behind"], "yb_ahead": summary["ahead"],
            "yb_censored": summary["censored"], "yb_worst_text": worst, "yb_example": ex}


def claim_year(claims: pd.DataFrame, claim_id: str) -> int:
    """The year of a seed claim (first four characters of its ``year``; claims indexed by id)."""
    return int(str(claims.at[claim_id, "year"])[:4])


def five_cluster_groups(prd_codes: Sequence[int]) -> dict[str, list[int]]:
    """City codes of paper 003's five clusters with the 26-city and with the 41-city YRD
    (the Pearl River Delta's nine cities ``prd_codes`` typed separately)."""
    extra = {"prd": list(prd_codes)}
    return {"five clusters (YRD 26)": cluster_codes(FIVE_CLUSTERS, extra),
            "five clusters (YRD 41)": cluster_codes(FIVE_CLUSTERS_41, extra)}


def share_values(shares_002: pd.DataFrame, shares_003: pd.DataFrame, year_002: int, year_003: int,
                 national_003: float, half_band: float, n_prd: int) -> dict:
    """Chapter 10's numbers on the five clusters' weight (first row of each
    :func:`national_shares`: YRD 26; second: YRD 41): cities, land and population shares and
    GDP share in ``year_002`` (``five_*``), the land left under paper 002's 12 %
    (``land_left``), the GDP share, level and national sum (trillion yuan) in ``year_003`` and
    the share of paper 003's stated national GDP ``national_003`` (trillion yuan)."""
    s2, s3 = shares_002.iloc[0], shares_003.iloc[0]
    return {
        "year_002": year_002, "year_003": year_003, "five_cities": int(s2["cities"]),
        "five_land": s2["land_share"], "five_pop_2010": s2["pop_share_2010"],
        "five_pop_2020": s2["pop_share_2020"], "five_gdp_002": s2["gdp_share"],
        "land_left": max(0.0, LAND_BOUND - s2["land_share"]),
        "five_gdp_003": s3["gdp_share"], "five41_gdp_003": shares_003.iloc[1]["gdp_share"],
        "five_gdp_003_level": s3["gdp"] / 1e4,  # 亿元 → trillion yuan
        "national_gdp_003": s3["national_gdp"] / 1e4, "national_units_003": int(s3["national_units"]),
        "paper_national_003": national_003, "five_gdp_003_paper": s3["gdp"] / 1e4 / national_003,
        "half_band": half_band, "n_prd": n_prd,
    }


def share_table(shares_002: pd.DataFrame, shares_003: pd.DataFrame, year_002: int, year_003: int) -> pd.DataFrame:
    """The groups' shares of land, population (2010, 2020) and GDP (both claim years)."""
    return pd.DataFrame({
        "group": shares_002["group"], "cities": shares_002["cities"], "land": shares_002["land_share"],
        "pop. 2010": shares_002["pop_share_2010"], "pop. 2020": shares_002["pop_share_2020"],
        f"GDP {year_003}": shares_003["gdp_share"], f"GDP {year_002}": shares_002["gdp_share"],
    })


def ten_clusters_verdict(s2: Mapping, year_002: int) -> Verdict:
    """Verdict on paper 002's "ten clusters: under 12 % of the land, over 60 % of GDP" from the
    five clusters we can delimit (a lower bound for the ten; ``s2`` a row of
    :func:`national_shares` in ``year_002``): not supported if the five already exceed 12 % of
    the land; partly supported if they already exceed 60 % of GDP; else not testable."""
    if s2["land_share"] >= LAND_BOUND:
        verdict = "not supported: five of the ten clusters alone exceed 12 % of the land"
    elif s2["gdp_share"] > GDP_BOUND:
        verdict = "partly supported: five of the ten clusters alone exceed 60 % of GDP; the rest is not testable"
    else:
        verdict = ("not testable with our data: only five of the ten clusters have member lists; with whole "
                   "prefectures the ten would hardly stay under 12 % of the land")
    evidence = (f"five clusters (YRD 26, PRD, Beijing–Tianjin–Hebei, Chengdu–Chongqing, Middle Yangtze): land "
                f"{s2['land_share']:.1%}, population {s2['pop_share_2020']:.1%} (2020 census), GDP {s2['gdp_share']:.1%} "
                f"of the sum over prefecture-level units ({year_002})")
    return Verdict(TEN_CLUSTERS_CLAIM, verdict, evidence,
                   rule="not_testable" if verdict.startswith("not testable") else "descriptive_measure", would_change="member lists of the other five clusters")


def about_half(share: float, half_band: float) -> bool:
    """Whether a share is "about half": within 0.5 ± ``half_band``."""
    return abs(share - 0.5) <= half_band


def half_gdp_verdict(shares_003: pd.DataFrame, year_003: int, national_003: float, half_band: float) -> Verdict:
    """Verdict on paper 003's "five clusters produce about half of GDP" in ``year_003``:
    supported if the YRD-26 group's share of summed prefecture GDP is within 0.5 ±
    ``half_band``, else not supported (above or below)."""
    s3 = shares_003.iloc[0]
    verdict = ("supported" if about_half(s3["gdp_share"], half_band) else
               f"not supported: the share is {'above' if s3['gdp_share'] > 0.5 else 'below'} 50 % ± {half_band:.0%}")
    evidence = (f"{year_003}: {s3['gdp_share']:.1%} of GDP summed over {int(s3['national_units'])} prefecture-level "
                f"units ({shares_003.iloc[1]['gdp_share']:.1%} with the 41-city YRD); {s3['gdp'] / 1e4 / national_003:.1%} "
                f"of the paper's {national_003:.1f} trillion")
    return Verdict(HALF_GDP_CLAIM, verdict, evidence,
        rule="descriptive_measure",
        would_change="another GDP vintage or the 41-city YRD, under which the share crosses 50 % ± the band")


def benchmark_lead(multiverse: pd.DataFrame, chosen: Sequence[str], benchmark: str, year: int) -> dict:
    """Whether the benchmark has a higher mean D in ``year`` than every other chosen cluster,
    under each specification of the coordination index's multiverse
    (:func:`cityclusters.analysis.coordination_index.cluster_multiverse`: columns spec,
    cluster_id, year, D).

    Per specification s the claim holds when D̄_{benchmark,s} > max_{c ≠ benchmark} D̄_{c,s}; a
    specification in which a chosen cluster has no D cannot evaluate it and is left out.
    Returns ``share`` and ``n_specs`` (:func:`cityclusters.analysis.verdicts.multiverse_support`)
    and ``holds`` (one flag per specification, indexed by spec).
    """
    others = [c for c in chosen if c != benchmark]
    if not others:
        raise MethodInputError("benchmark_lead: CLUSTERS hold no cluster besides the benchmark")
    wide = coordination_index.cluster_d_by_specification(multiverse, [benchmark, *others], [year])
    wide = wide.droplevel("year", axis=1)
    complete = wide.notna().all(axis=1)
    holds = (wide[benchmark] > wide[others].max(axis=1)).astype(object).where(complete, None)
    share, n_specs = multiverse_support(holds)
    return {"share": share, "n_specs": n_specs, "holds": holds}


def lead_text(beaten: Sequence[str], share: float, n_specs: int, year: int) -> str:
    """Clause on the benchmark's lead on D in ``year``: under the main specification (it is not
    ahead of the clusters ``beaten``, English names) and in the share ``share`` of the
    ``n_specs`` specifications of the multiverse (:func:`benchmark_lead`)."""
    where = f"{n_specs:,} specifications of the index's multiverse"
    if beaten:
        return (f"in {year} the benchmark is not ahead of {', '.join(beaten)} under the main specification; "
                f"it is ahead of every other cluster compared in {share:.0%} of the {where}")
    return (f"in {year} the benchmark is ahead of every other cluster compared under the main specification, "
            + (f"and in every one of the {where}" if share >= 1 else f"but only in {share:.0%} of the {where}"))


def lag_range_text(lags: pd.Series, censored: pd.Series | None = None) -> str:
    """"the lag is n years" (one value, or all equal) or "the lags range from a to b years",
    saying when lags are lower bounds (``censored``, one flag per lag).

    >>> lag_range_text(pd.Series([1]))
    'the lag is 1 year'
    >>> lag_range_text(pd.Series([7, 10, 8]), pd.Series([False, True, False]))
    'the lags range from 7 to 10 years (some are lower bounds)'
    """
    low, high = int(lags.min()), int(lags.max())
    some = censored is not None and bool(censored.astype(bool).any())
    if low == high:
        bound = "" if not some else (" (a lower bound)" if len(lags) == 1 or censored.astype(bool).all()
                                     else " (some are lower bounds)")
        return f"the lag is {low} year{'' if low == 1 else 's'}" + bound
    return f"the lags range from {low} to {high} years" + (" (some are lower bounds)" if some else "")


def interpretation_values(panel: pd.DataFrame, snap: pd.DataFrame, table: pd.DataFrame, chosen: Sequence[str],
                          benchmark: str, first_year: int, multiverse: pd.DataFrame | None = None) -> dict:
    """Chapter 10's interpretation: whether the benchmark leads on D in D's latest year, under
    the main specification and in which share of the multiverse (``interp_d``,
    :func:`lead_text`; ``lead_share``, ``lead_specs``; ``multiverse`` defaults to
    :func:`cityclusters.analysis.coordination_index.cluster_multiverse`), and the range of
    the lags on D; which clusters are more equal inside than the benchmark or had larger gaps
    than it had in the first year of the data (``interp_gaps``), the measures on which some
    cluster is ahead (``interp_lesson``) and the range of structure similarity (``sim_min``,
    ``sim_max``)."""
    en = config.cluster_names()
    others = [c for c in chosen if c != benchmark]
    lead_share, lead_specs = float("nan"), 0
    if "coordination_d" not in set(snap["measure"]):
        interp_d = (f"this run has no coordination degree to compare (D exists only for {D_SPAN[0]}–{D_SPAN[1]}, "
                    "outside the years chosen)")
    elif not others:
        interp_d = "this run compares no cluster besides the benchmark"
    else:
        d_year, d_vals = snapshot_row(snap, "coordination_d", chosen)
        beaten = [en[c] for c in others if d_vals[c] >= d_vals[benchmark]]
        if multiverse is None:
            multiverse = coordination_index.cluster_multiverse()
        lead = benchmark_lead(multiverse, chosen, benchmark, d_year)
        lead_share, lead_specs = lead["share"], lead["n_specs"]
        d_rows = table[table["measure"] == "coordination_d"]
        lagged = d_rows[d_rows["status"].isin(["behind", "level"])]
        lags = lagged["years"]
        interp_d = (lead_text(beaten, lead_share, lead_specs, d_year)
                    + (f"; under the main specification {lag_range_text(lags, lagged['censored'])}"
                       if len(lags) else ""))
    t_rows = table[table["measure"] == "theil"]
    ahead_t = t_rows.loc[t_rows["status"] == "ahead", "cluster_id"].tolist()
    never_t = t_rows.loc[t_rows["censored"].astype(bool) & (t_rows["status"] == "behind"), "cluster_id"].tolist()
    first_t = int(t_rows["reached_year"].min()) if never_t else first_year
    interp_gaps = ((f"{', '.join(en[c] for c in ahead_t)} {'is' if len(ahead_t) == 1 else 'are'} more equal inside "
                    "than the benchmark" if ahead_t else "no cluster is more equal inside than the benchmark")
                   + ("; " + ", ".join(en[c] for c in never_t) + (" has" if len(never_t) == 1 else " have")
                      + f" larger gaps now than the benchmark had already in {first_t}, the first year of the data"
                      if never_t else ""))
    ahead_any = sorted({measure(m).label_en for m in table.loc[table["status"] == "ahead", "measure"]})
    lesson = (("For Part IV this means that catching up with the benchmark is not one task but several, and "
               "that on some measures the benchmark is no model: at least one cluster is already ahead of it on "
               + "; ".join(ahead_any) + ".")
              if ahead_any else "In this comparison the benchmark leads on every measure with a direction.")
    sim = panel[panel["measure"] == "similarity"]["value"]
    return {"interp_d": interp_d, "lead_share": lead_share, "lead_specs": lead_specs, "interp_gaps": interp_gaps,
            "interp_lesson": lesson, "sim_min": float(sim.min()), "sim_max": float(sim.max())}


def lag_by_hand_text(table: pd.DataFrame, chosen: Sequence[str], benchmark: str,
                     cluster: str = "middle_yangtze") -> str:
    """Answer to exercise 1 of chapter 10: the Theil lag of ``cluster`` worked by hand (or why
    it cannot be done in this run: the cluster is the benchmark, not chosen, or has no value)."""
    if benchmark == cluster:
        return "The Middle Yangtze cluster is the benchmark of this run; set BENCHMARK back to \"yrd26\" to do this exercise."
    if cluster not in [c for c in chosen if c != benchmark]:
        return "Add \"middle_yangtze\" to CLUSTERS to do this exercise; it is not among the clusters of this run."
    row = table[(table["measure"] == "theil") & (table["cluster_id"] == cluster)]
    r = row.iloc[0] if len(row) else None
    if r is None or r["status"] == "no data":
        return "The Middle Yangtze cluster has no Theil value in the comparison year of this run."
    if r["status"] == "ahead":
        return (f"In {int(r['year'])} the Middle Yangtze value ({r['value']:.3f}) is below the benchmark's "
                f"({r['benchmark_value']:.3f}): the cluster is ahead, and there is no lag to count.")
    return (f"In {int(r['year'])} the Middle Yangtze Theil index is {r['value']:.3f}. The benchmark's series first "
            f"falls to or below it in {int(r['reached_year'])}, so the lag is {int(r['year'])} − "
            f"{int(r['reached_year'])} = {int(r['years'])} years; "
            + ("this is the first year of the data, so the number is a lower bound."
               if r["censored"] else "this is not the first year of the data, so the number is not censored."))


def exercise_values(panel: pd.DataFrame, snap: pd.DataFrame, table: pd.DataFrame, shares_003: pd.DataFrame,
                    chosen: Sequence[str], benchmark: str, half_band: float) -> dict:
    """Answers to chapter 10's exercises: the lag by hand (``ex1_text``), whether the verdict on
    paper 003 changes with the 41-city YRD (``ex2_text``), the clusters with the largest and
    smallest Theil index (``ex3_text``) and whether the order of the clusters by D is the same
    in every year (``ex3_d_text``)."""
    en = config.cluster_names()
    within = about_half(shares_003.iloc[0]["gdp_share"], half_band)
    within41 = about_half(shares_003.iloc[1]["gdp_share"], half_band)
    ex2 = ("The verdict does not change." if within41 == within else
           "The verdict changes: the share leaves (or enters) the band of 50 % ± "
           f"{half_band:.0%}, so the claim depends on the delimitation of the YRD.")
    theil_year, th = snapshot_row(snap, "theil", chosen)
    largest_gap = th.idxmax()
    ex3 = (f"In {theil_year} the cluster with the largest gaps among those compared is {en[largest_gap]} "
           f"(Theil {th[largest_gap]:.3f}; the smallest: {en[th.idxmin()]}, {th.min():.3f}).")
    d_all = panel[panel["measure"] == "coordination_d"].pivot(index="year", columns="cluster_id", values="value")
    if len(d_all) and d_all.shape[1] > 1:
        orders = {tuple(r.sort_values().index) for _, r in d_all.dropna().iterrows()}
        ex3_d = ("The order of the clusters by D is the same in every year, so the years behind change less with the "
                 "benchmark than the gaps do." if len(orders) == 1 else
                 f"The order of the clusters by D changes between years ({len(orders)} different orders), so the "
                 "years behind depend on the benchmark for D as well.")
    else:
        ex3_d = "This run has no coordination degree for several clusters to compare."
    return {"ex1_text": lag_by_hand_text(table, chosen, benchmark), "ex2_text": ex2, "ex3_text": ex3,
            "ex3_d_text": ex3_d}
