"""Benchmarks against the Yangtze River Delta (chapter 10): the indicators of Parts I–II side by
side, and how many years each cluster lags the benchmark.

Assembly only. Every measure is computed by the module of the chapter that introduced it:

=====================  ===================================================  =========
measure id             computed by                                          chapter
=====================  ===================================================  =========
``coordination_d``     :func:`cityclusters.analysis.coordination.score_pipeline`,      2
                       :func:`~cityclusters.analysis.coordination.cluster_coordination`
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
    gaps,
    industry_market,
)
from cityclusters.analysis import (
    hierarchy as urban_system,
)
from cityclusters.analysis import linkages as rn
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.paths import facts_dir

#: Default benchmark cluster.
BENCHMARK = "yrd26"
#: Directions a measure can have for coordination: a higher value is better, a lower one is.
DIRECTIONS = ("higher", "lower")
PRD_FILE = "benchmarks_prd_members.csv"


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


def coordination_series(clusters: Sequence[str], first_year: int, last_year: int,
                        method: str = "modified") -> pd.DataFrame:
    """Mean coupling coordination D of each cluster's cities per year (chapter 2's pipeline).

    The normalisation yardstick is fixed so that a cluster's D does not depend on which
    other clusters are shown: :func:`cityclusters.analysis.coordination.score_pipeline` runs on every
    city of every cluster of :data:`cityclusters.config.CLUSTERS` over the whole span of the
    indicator system (:func:`cityclusters.analysis.coordination.year_span`); then
    :func:`cityclusters.analysis.coordination.cluster_coordination` averages D over each chosen cluster's
    scored cities (unweighted), and the years in [first_year, last_year] are kept.

    Returns the long format of :func:`benchmark_panel` (measure ``coordination_d``); empty
    when the chapter's years do not overlap the indicator system's.
    """
    first, last = subsystems.year_span()
    columns = ["cluster_id", "year", "measure", "value", "n_units"]
    if last_year < first or first_year > last:
        return pd.DataFrame(columns=columns)
    everyone = tables.clusters()
    values = subsystems.indicator_values(first, last, everyone["city_code"].unique())
    result = subsystems.score_pipeline(values, method=method)
    members = subsystems.chosen_members(clusters)
    coordination = subsystems.cluster_coordination(result, members)
    coordination = coordination[coordination["year"].between(first_year, last_year)]
    return _long(coordination, {"D": "coordination_d"}, "cities")[columns]


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
        Years of the panel (the coordination degree exists only for the years of the indicator
        system, see :func:`coordination_series`).
    benchmark : str
        The benchmark cluster (default ``yrd26``).
    measures : sequence of str, optional
        Measure ids of :data:`MEASURE_IDS` (default: all); leaving out ``coordination_d``
        saves most of the time.

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
    path = facts_dir() / PRD_FILE if path is None else path
    where = f"data/facts/{PRD_FILE}" if path is None or str(path).endswith(PRD_FILE) else str(path)
    frame = read_fact(PRD_FILE, path)
    needed = ["cluster_id", "city_zh", "province_zh", "source", "source_url"]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise SourceFormatError(f"{where}: missing column(s) {absent}")
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
