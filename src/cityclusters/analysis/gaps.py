"""Development gaps inside and between city clusters (chapter 3).

Assembly only: the formulas live in :mod:`cityclusters.indicators.inequality` (Theil, CV,
Gini and the Theil decomposition) and :mod:`cityclusters.indicators.convergence` (σ- and
β-convergence); this module chooses the cities and years, aggregates cities to regions,
and returns tidy tables, one row per cluster-year or per cluster and measure.

Units (from :func:`cityclusters.data.tables.city_year`): ``gdp`` and ``real_gdp`` in 亿元
(10⁸ yuan; real GDP at 2000 prices), ``population`` in 万人 (10⁴ residents, the
census-revised vintage of the G-P compilation), so GDP / population × 10⁴ is in 元 per
resident.

Conventions
-----------
* Missing values are never dropped silently: functions that need complete data either
  raise an error naming the city and year or return the excluded cities with a reason.
* Inequality measures are unit-free, so nominal (current-price) GDP per capita serves for
  the cross-section of one year. Levels from :data:`cityclusters.indicators.growth.REVISED_FROM` (2019)
  on are the vintage revised after the fourth economic census, earlier levels are not:
  comparisons of levels across 2018/2019 mix vintages (column ``revised_vintage``).
* Growth and convergence use real GDP per capita *chained* with the official real GDP index
  (:func:`add_chained_per_capita`, :mod:`cityclusters.indicators.growth`): the published real levels
  jump at each census revision (e.g. Tianjin −25 % in 2019), the index does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters.checks import require_columns
from cityclusters.errors import MethodInputError
from cityclusters.indicators import growth as growth_mod
from cityclusters.indicators.convergence import (
    beta_convergence,
    panel_beta_convergence,
    sigma_convergence,
    sigma_trend,
)
from cityclusters.indicators.inequality import inequality_by_year, theil_decomposition

__all__ = [
    "REAL_PC",
    "CHAINED_PC",
    "add_real_per_capita",
    "add_chained_per_capita",
    "flag_vintage",
    "disjoint_clusters",
    "per_capita_coverage",
    "BalancedSample",
    "balanced_sample",
    "inequality_within_clusters",
    "between_cluster_decomposition",
    "sigma_by_cluster",
    "growth_by_city",
    "convergence_table",
    "regional_per_capita",
    "years_in_band",
    "format_years",
    "linear_trend",
]

#: Column added by :func:`add_real_per_capita`: real GDP per capita, 元 per resident at 2000 prices.
REAL_PC = "real_gdp_per_capita"
#: Column added by :func:`add_chained_per_capita`: real GDP per capita chained with the official
#: index, 元 per resident at 2000 prices, the base year's published level.
CHAINED_PC = "real_gdp_per_capita_chained"


# ---------------------------------------------------------------------------------------------
# data preparation
# ---------------------------------------------------------------------------------------------

def add_real_per_capita(panel: pd.DataFrame) -> pd.DataFrame:
    """Add ``real_gdp_per_capita`` = real_gdp / population × 10⁴ (元 per resident, 2000 prices).

    ``real_gdp`` is in 亿元 at 2000 prices (nominal GDP / the G-P GDP deflator, 2000 = 1) and
    ``population`` in 万人, hence the factor 10⁴. Missing real GDP or population gives a
    missing value (not an error): coverage is reported by :func:`per_capita_coverage`.
    Zero or negative inputs are refused (they are impossible in the panel and would make
    logarithms undefined later).
    """
    require_columns(panel, ["real_gdp", "population"], "panel (tables.city_year)")
    for column in ("real_gdp", "population"):
        bad = panel[column].notna() & (panel[column] <= 0)
        if bad.any():
            row = panel.loc[bad].iloc[0]
            raise MethodInputError(
                f"panel[{column!r}]: {int(bad.sum())} non-positive value(s), first at "
                f"{row.get('name_zh', '?')} (city_code {row.get('city_code', '?')}), year "
                f"{row.get('year', '?')}: {row[column]!r}")
    return panel.assign(**{REAL_PC: panel["real_gdp"] / panel["population"] * 1e4})


def add_chained_per_capita(panel: pd.DataFrame, full_panel: pd.DataFrame, base_year: int,
                           pop_break: float | None = growth_mod.POP_BREAK) -> pd.DataFrame:
    """Add ``real_gdp_per_capita_chained`` and ``pop_break`` to a cluster panel.

    FORMULA (:func:`cityclusters.indicators.growth.chained_real_per_capita`): y*_t = y_b · exp(Σ g_s), with
    y_b = real_gdp / population × 10⁴ in ``base_year`` (元 per resident, 2000 prices) and g_s =
    ln(I_s / 100) − Δ ln P_s the per-capita growth from the official real GDP index I
    (previous year = 100) and resident population P (changes of more than ``pop_break`` log
    units replaced by the city's median change). ln y*_t − ln y*_{t−1} is the official growth,
    so σ- and β-convergence measured on y* do not see the jumps of the published levels at
    census revisions (2019).

    The chain is computed on ``full_panel`` (:func:`cityclusters.data.tables.city_year`, one row
    per city and year, all years: the median population change uses all of them) and joined
    to ``panel`` (one row per cluster, city and year) on ``city_code`` and ``year``. A missing
    index or population breaks the chain (NaN beyond the gap): coverage is reported by
    :func:`per_capita_coverage` and :func:`balanced_sample`.
    """
    require_columns(panel, ["city_code", "year"], "panel")
    chain = growth_mod.chained_real_per_capita(full_panel, base_year, pop_break=pop_break)
    keys = full_panel[["city_code", "year"]].assign(**{CHAINED_PC: chain["real_pc_chained"],
                                                       "pop_break": chain["pop_break"]})
    out = panel.drop(columns=[c for c in (CHAINED_PC, "pop_break") if c in panel.columns])
    out = out.merge(keys, on=["city_code", "year"], how="left", validate="many_to_one")
    out["pop_break"] = out["pop_break"].fillna(False).astype(bool)
    return out


def flag_vintage(panel: pd.DataFrame, revised_from: int = growth_mod.REVISED_FROM) -> pd.DataFrame:
    """Add ``revised_vintage`` = year ≥ ``revised_from`` (levels of the post-2018-census vintage).

    The G-P compilation carries GDP levels revised after the fourth economic census from 2019
    on, the old vintage before; a comparison of levels (GDP per head, ratios) across the two
    mixes vintages. The flag marks the rows; it does not change any value.
    """
    require_columns(panel, ["year"], "panel")
    return panel.assign(revised_vintage=panel["year"] >= revised_from)


def disjoint_clusters(clusters: Sequence[str], members: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """Choose clusters that share no city, so that a between/within decomposition adds up.

    Rule: go through the clusters from the smallest (fewest member cities) to the largest
    (ties in the given order) and keep a cluster if none of its cities is in a cluster
    already kept. Planned clusters therefore win over the unions and larger scopes that
    contain them (``chengyu`` and ``qianzhong`` over ``chengyugui``; ``yrd26`` over
    ``yrd41``).

    Parameters
    ----------
    clusters : sequence of str
        Cluster ids (:data:`cityclusters.config.CLUSTERS`).
    members : pandas.DataFrame
        Membership table with ``cluster_id`` and ``city_code`` (:func:`tables.clusters`).

    Returns
    -------
    kept : list of str
        The disjoint clusters, in the order given.
    dropped : dict
        Dropped cluster id → the kept cluster it overlaps.
    """
    require_columns(members, ["cluster_id", "city_code"], "members (tables.clusters)")
    sets = {c: set(members.loc[members["cluster_id"] == c, "city_code"]) for c in clusters}
    empty = [c for c, s in sets.items() if not s]
    if empty:
        raise MethodInputError(f"members: no member cities for cluster(s) {empty}")
    order = sorted(clusters, key=lambda c: (len(sets[c]), list(clusters).index(c)))
    kept: list[str] = []
    dropped: dict[str, str] = {}
    for cluster in order:
        clash = next((k for k in kept if sets[k] & sets[cluster]), None)
        if clash is None:
            kept.append(cluster)
        else:
            dropped[cluster] = clash
    return [c for c in clusters if c in kept], dropped


def per_capita_coverage(panel: pd.DataFrame, value: str, first: int, last: int) -> pd.DataFrame:
    """Coverage of a per-capita column by cluster: cities, city-years observed, cities never observed.

    ``panel`` is the output of :func:`cityclusters.data.tables.cluster_city_year` (one row per
    cluster, city and year, possibly with ``real_gdp_per_capita`` added). Every member city
    counts in every year ``first``–``last``, also when the panel has no row for it.

    Returns
    -------
    pandas.DataFrame
        One row per cluster (order of appearance): ``cluster_id``, ``cities``,
        ``city_years`` (cities × years), ``observed`` (share of city-years with a value),
        ``never_observed`` (short Chinese names of cities with no value in any year, ";"-
        separated, "" if none).
    """
    require_columns(panel, ["cluster_id", "city_code", "name_zh", "year", value], "panel")
    from cityclusters.data.names import short_name

    window = panel[panel["year"].between(first, last)]
    n_years = last - first + 1
    rows = []
    for cluster, frame in window.groupby("cluster_id", sort=False):
        observed = frame.dropna(subset=[value])
        seen = set(observed["city_code"])
        never = frame.loc[~frame["city_code"].isin(seen)].drop_duplicates("city_code")
        n_cities = frame["city_code"].nunique()
        rows.append({"cluster_id": cluster, "cities": n_cities, "city_years": n_cities * n_years,
                     "observed": len(observed) / (n_cities * n_years),
                     "never_observed": ";".join(short_name(n) for n in never["name_zh"])})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BalancedSample:
    """Cities observed in every year of a window, for σ- and β-convergence.

    Attributes
    ----------
    panel : pandas.DataFrame
        Rows of the kept cities for ``first``–``last`` (one row per cluster, city, year).
    first, last : int
        The window actually used (``last`` may be earlier than requested, see
        :func:`balanced_sample`).
    excluded : pandas.DataFrame
        One row per excluded (cluster, city): ``cluster_id``, ``city_code``, ``name_zh``,
        ``name_pinyin``, ``reason``.
    """

    panel: pd.DataFrame
    first: int
    last: int
    excluded: pd.DataFrame


def balanced_sample(panel: pd.DataFrame, value: str, first: int, last: int,
                    min_years: int = 3) -> BalancedSample:
    """A balanced panel of ``value`` for convergence, ending as late as no city is lost.

    Candidates are the cities with a value in ``first``. The window ends in the latest year
    t ≤ ``last`` such that every candidate has a value in every year ``first``–t (so a gap
    at the end of the sources, e.g. deflators not yet published for some cities, shortens
    the window instead of dropping those cities). If that leaves fewer than ``min_years``
    years, the window is ``first``–``last`` and cities with a gap are excluded instead.
    Cities without a value in ``first`` are always excluded. Every exclusion is listed with
    its reason.

    Parameters
    ----------
    panel : pandas.DataFrame
        Output of :func:`cityclusters.data.tables.cluster_city_year` with ``value`` added.
    value : str
        The per-capita column (e.g. :data:`REAL_PC`).
    first, last : int
        Requested window.
    min_years : int
        Fewest years acceptable before cities are excluded instead.
    """
    require_columns(panel, ["cluster_id", "city_code", "name_zh", "name_pinyin", "year", value],
                    "panel")
    if not first < last:
        raise MethodInputError(f"first={first!r} must be earlier than last={last!r}")
    window = panel[panel["year"].between(first, last)]
    wide = window.drop_duplicates(["city_code", "year"]).pivot(index="city_code", columns="year",
                                                                values=value)
    wide = wide.reindex(columns=range(first, last + 1))
    candidates = wide.index[wide[first].notna()]
    complete = wide.loc[candidates].notna()
    # latest year through which every candidate is complete
    through = complete.cumprod(axis=1).all(axis=0)
    end = int(through[through].index.max())
    gap_cities: list = []
    if end - first + 1 < min_years:
        end = last
        gap_cities = list(complete.index[~complete.all(axis=1)])
    reasons = {}
    for code in wide.index.difference(candidates):
        reasons[code] = f"no {value} in {first}"
    for code in gap_cities:
        missing = [int(y) for y in complete.columns[~complete.loc[code]]]
        reasons[code] = f"no {value} in {format_years(missing)}"
    keep = window["city_code"].isin(candidates) & ~window["city_code"].isin(gap_cities)
    kept = window[keep & window["year"].between(first, end)].reset_index(drop=True)
    excluded = (window[window["city_code"].isin(list(reasons))]
                .drop_duplicates(["cluster_id", "city_code"])
                [["cluster_id", "city_code", "name_zh", "name_pinyin"]]
                .assign(reason=lambda f: f["city_code"].map(reasons)).reset_index(drop=True))
    return BalancedSample(panel=kept, first=first, last=end, excluded=excluded)


# ---------------------------------------------------------------------------------------------
# inequality
# ---------------------------------------------------------------------------------------------

def _complete_rows(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return panel.dropna(subset=list(columns))


def inequality_within_clusters(panel: pd.DataFrame, value: str = "gdp_per_capita",
                               population: str = "population",
                               group: str = "province_zh") -> pd.DataFrame:
    """Inequality among the cities of each cluster, per year, with a split by province.

    For every cluster and year, :func:`cityclusters.indicators.inequality.inequality_by_year`
    on the cities with both ``value`` and ``population`` (city-years lacking either are left
    out of that year; ``n_units`` shows how many cities each year has): plain and
    population-weighted Theil, plain and Williamson CV, Gini, and the Theil decomposition by
    ``group`` (provinces: e.g. Beijing, Tianjin and Hebei in Beijing–Tianjin–Hebei).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id`` plus the columns of ``inequality_by_year`` (``year``, ``n_units``,
        ``theil``, ``cv``, ``gini``, ``theil_weighted``, ``cv_weighted``, ``between``,
        ``within``, ``between_weighted``, ``within_weighted``), with
        ``between_weighted_share`` = between_weighted / theil_weighted (0 when the total is 0)
        and ``revised_vintage`` (:func:`flag_vintage`: the year's GDP levels are the vintage
        revised after the 2018 census; levels before and after mix vintages).
    """
    require_columns(panel, ["cluster_id", "city_code", "year", value, population, group], "panel")
    pieces = []
    for cluster, frame in panel.groupby("cluster_id", sort=False):
        rows = _complete_rows(frame, [value, population])
        table = inequality_by_year(rows, value, population=population, group=group)
        pieces.append(table.assign(cluster_id=cluster))
    out = pd.concat(pieces, ignore_index=True)
    out["between_weighted_share"] = np.where(out["theil_weighted"] > 0,
                                             out["between_weighted"] / out["theil_weighted"], 0.0)
    out = flag_vintage(out)
    return out[["cluster_id", *[c for c in out.columns if c != "cluster_id"]]]


def between_cluster_decomposition(panel: pd.DataFrame, value: str = "gdp_per_capita",
                                  population: str = "population") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Population-weighted Theil index of all chosen cities, split between and within clusters.

    For each year, the cities (one row per city: the clusters must be disjoint, see
    :func:`disjoint_clusters`) with both values are passed to
    :func:`cityclusters.indicators.inequality.theil_decomposition` with totals
    ``value × population`` (GDP), groups ``cluster_id`` and weights ``population``::

        T = Σ_g s_g ln(s_g/p_g) + Σ_g s_g T_g

    (s_g the cluster's GDP share, p_g its population share, T_g the weighted Theil index
    inside it).

    Returns
    -------
    summary : pandas.DataFrame
        One row per year: ``year``, ``n_units``, ``total``, ``between``, ``within``,
        ``between_share``.
    contributions : pandas.DataFrame
        One row per year and cluster: ``year``, ``cluster_id``, ``n_units``, ``income_share``,
        ``population_share``, ``theil_within``, ``contribution`` (s_g T_g), ``share_of_total``.

    Raises
    ------
    MethodInputError
        When a city appears in two clusters (the decomposition needs a partition).
    """
    require_columns(panel, ["cluster_id", "city_code", "year", value, population], "panel")
    twice = panel.duplicated(["city_code", "year"], keep=False)
    if twice.any():
        row = panel.loc[twice].iloc[0]
        raise MethodInputError(
            f"panel: city {row.get('name_zh', row['city_code'])} (city_code {row['city_code']}) "
            f"is in more than one cluster ({sorted(panel.loc[twice & (panel['city_code'] == row['city_code']), 'cluster_id'].unique())}); "
            "pass disjoint clusters (disjoint_clusters) to decompose between and within")
    rows = _complete_rows(panel, [value, population])
    summary, contributions = [], []
    for year, frame in rows.groupby("year", sort=True):
        frame = frame.set_index("city_code")
        result = theil_decomposition(frame[value] * frame[population], frame["cluster_id"],
                                     frame[population])
        summary.append({"year": int(year), "n_units": len(frame), "total": result.total,
                        "between": result.between, "within": result.within,
                        "between_share": result.between_share})
        contributions.append(result.groups.rename(columns={"group": "cluster_id"})
                             .assign(year=int(year)))
    contributions_frame = pd.concat(contributions, ignore_index=True)
    contributions_frame = contributions_frame[["year", *[c for c in contributions_frame.columns
                                                         if c != "year"]]]
    return pd.DataFrame(summary), contributions_frame


# ---------------------------------------------------------------------------------------------
# convergence
# ---------------------------------------------------------------------------------------------

def sigma_by_cluster(sample: pd.DataFrame, value: str = CHAINED_PC,
                     population: str | None = "population") -> pd.DataFrame:
    """σ-convergence table (sd of log values, CV, weighted CV) per cluster and year.

    Calls :func:`cityclusters.indicators.convergence.sigma_convergence` on each cluster's
    rows of a balanced sample (:func:`balanced_sample`). Returns its columns with
    ``cluster_id`` first.
    """
    require_columns(sample, ["cluster_id", "city_code", "year", value], "sample")
    pieces = [sigma_convergence(frame, value, population=population).assign(cluster_id=cluster)
              for cluster, frame in sample.groupby("cluster_id", sort=False)]
    out = pd.concat(pieces, ignore_index=True)
    return out[["cluster_id", *[c for c in out.columns if c != "cluster_id"]]]


def growth_by_city(sample: pd.DataFrame, value: str, first: int, last: int) -> pd.DataFrame:
    """Initial log level and average annual log growth of each city (the β scatter).

    ``log_initial`` = ln y_first; ``growth`` = [ln y_last − ln y_first] / (last − first)
    (per year, log points). One row per cluster and city with ``cluster_id``, ``city_code``,
    ``name_zh``, ``name_pinyin``, ``log_initial``, ``growth``. Cities lacking either year
    raise an error naming them.
    """
    require_columns(sample, ["cluster_id", "city_code", "name_zh", "name_pinyin", "year", value],
                    "sample")
    ends = sample[sample["year"].isin([first, last])]
    wide = ends.pivot_table(index=["cluster_id", "city_code", "name_zh", "name_pinyin"],
                            columns="year", values=value, aggfunc="first")
    wide = wide.reindex(columns=[first, last])
    missing = wide.index[wide.isna().any(axis=1)]
    if len(missing):
        names = ", ".join(f"{m[2]} ({m[1]})" for m in list(missing)[:5])
        raise MethodInputError(f"sample[{value!r}]: no value in {first} or {last} for {names}")
    if (wide <= 0).any().any():
        raise MethodInputError(f"sample[{value!r}]: values must be positive (logarithms)")
    out = pd.DataFrame({"log_initial": np.log(wide[first]),
                        "growth": (np.log(wide[last]) - np.log(wide[first])) / (last - first)})
    order = {c: i for i, c in enumerate(sample["cluster_id"].drop_duplicates())}
    out = out.reset_index()
    return out.sort_values(["cluster_id", "city_code"], key=lambda s: s.map(order)
                           if s.name == "cluster_id" else s).reset_index(drop=True)


def convergence_table(sample: pd.DataFrame, value: str, first: int, last: int,
                      population: str | None = "population") -> pd.DataFrame:
    """σ- and β-convergence per cluster in one tidy table.

    For each cluster of a balanced sample, four measures:

    * ``sigma_sd_log``: the linear trend (per year) of the sd of log ``value``
      (:func:`~cityclusters.indicators.convergence.sigma_trend`, HC1 SE); negative = σ-convergence;
    * ``sigma_cv``: the same for the CV;
    * ``beta_absolute``: b of :func:`~cityclusters.indicators.convergence.beta_convergence`
      over ``first``–``last`` (HC1 SE), with speed λ and half-life (delta-method SEs);
    * ``beta_conditional``: b of
      :func:`~cityclusters.indicators.convergence.panel_beta_convergence` with annual growth,
      city and year fixed effects, SEs clustered by city; speed and half-life per year.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id``, ``measure``, ``estimate``, ``std_error``, ``p_value``,
        ``speed``, ``speed_se``, ``half_life``, ``half_life_se``, ``n_units``, ``n_obs``
        (speed and half-life are NaN for the σ trends and where b implies no convergence).
    """
    rows = []
    sigma = sigma_by_cluster(sample, value, population)
    for cluster, frame in sample.groupby("cluster_id", sort=False):
        table = sigma[sigma["cluster_id"] == cluster]
        n_units = int(frame["city_code"].nunique())
        for measure, column in (("sigma_sd_log", "sd_log"), ("sigma_cv", "cv")):
            trend = sigma_trend(table, column=column).statistics
            rows.append({"cluster_id": cluster, "measure": measure, "estimate": trend["slope"],
                         "std_error": trend["slope_se"], "p_value": trend["slope_p_value"],
                         "n_units": n_units, "n_obs": trend["n_obs"]})
        for measure, result in (
            ("beta_absolute", beta_convergence(frame, value, first, last)),
            ("beta_conditional", panel_beta_convergence(frame, value)),
        ):
            stats = result.statistics
            row = result.coefficient("log_initial")
            rows.append({"cluster_id": cluster, "measure": measure, "estimate": stats["b"],
                         "std_error": stats["b_se"], "p_value": float(row["p_value"]),
                         "speed": stats["speed"], "speed_se": stats["speed_se"],
                         "half_life": stats["half_life"], "half_life_se": stats["half_life_se"],
                         "n_units": n_units, "n_obs": stats["n_obs"]})
    out = pd.DataFrame(rows)
    for column in ("speed", "speed_se", "half_life", "half_life_se"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out[["cluster_id", "measure", "estimate", "std_error", "p_value", "speed", "speed_se",
                "half_life", "half_life_se", "n_units", "n_obs"]]


# ---------------------------------------------------------------------------------------------
# regional aggregates and ratios
# ---------------------------------------------------------------------------------------------

def regional_per_capita(panel: pd.DataFrame, regions: Mapping[str, Sequence[int]],
                        gdp: str = "gdp", population: str = "population",
                        first: int | None = None, last: int | None = None) -> pd.DataFrame:
    """GDP per capita of regions made of whole cities: Σ GDP / Σ population × 10⁴ (元/resident).

    A region's per-capita GDP is its total GDP over its total population, not the mean of its
    cities' per-capita values (e.g. Hebei = the 11 prefectures' GDP summed over their
    population summed). Every listed city must have both values in every year of the window;
    otherwise an error names the region, city and year (a region with a missing city would
    silently change its scope).

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`cityclusters.data.tables.city_year` (one row per city and year).
    regions : mapping
        Region label → city codes.
    gdp, population : str
        Columns in 亿元 and 万人.
    first, last : int, optional
        Window (default: all years of ``panel``).

    Returns
    -------
    pandas.DataFrame
        One row per year: ``year``, then one column per region (元 per resident), then
        ``n_<region>`` (number of cities summed).
    """
    require_columns(panel, ["city_code", "year", gdp, population], "panel")
    first = int(panel["year"].min()) if first is None else first
    last = int(panel["year"].max()) if last is None else last
    window = panel[panel["year"].between(first, last)]
    years = range(first, last + 1)
    out = pd.DataFrame({"year": list(years)})
    for label, codes in regions.items():
        codes = list(codes)
        if not codes:
            raise MethodInputError(f"regions[{label!r}]: no city codes")
        rows = window[window["city_code"].isin(codes)].set_index(["city_code", "year"])
        full = pd.MultiIndex.from_product([codes, years], names=["city_code", "year"])
        rows = rows.reindex(full)
        bad = rows[[gdp, population]].isna().any(axis=1)
        if bad.any():
            code, year = bad[bad].index[0]
            name = panel.loc[panel["city_code"] == code, "name_zh"]
            name = name.iloc[0] if len(name) else "not in panel"
            raise MethodInputError(
                f"regions[{label!r}]: city {code} ({name}) has no {gdp} or {population} in "
                f"{year} ({int(bad.sum())} city-year(s) missing); the region's total would "
                "change scope")
        totals = rows.groupby(level="year")[[gdp, population]].sum()
        out[label] = (totals[gdp] / totals[population] * 1e4).reindex(years).to_numpy()
        out[f"n_{label}"] = len(codes)
    return out


def years_in_band(series: pd.Series, low: float, high: float) -> list[int]:
    """Years (the index of ``series``) whose value lies in [low, high], sorted."""
    if low > high:
        raise MethodInputError(f"band: low={low} exceeds high={high}")
    values = pd.to_numeric(series, errors="coerce")
    return sorted(int(y) for y, v in values.items() if pd.notna(v) and low <= v <= high)


def format_years(years: Sequence[int]) -> str:
    """Compact year list: [2003, 2004, 2005, 2009] → "2003–2005, 2009"; [] → "none"."""
    years = sorted(set(int(y) for y in years))
    if not years:
        return "none"
    runs, start, prev = [], years[0], years[0]
    for year in years[1:] + [None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        runs.append(str(start) if start == prev else f"{start}–{prev}")
        if year is not None:
            start = prev = year
    return ", ".join(runs)


def linear_trend(frame: pd.DataFrame, column: str, first: int, last: int) -> dict:
    """Linear trend per year of ``column`` over ``first``–``last`` (OLS with HC1 SE).

    Uses :func:`~cityclusters.indicators.convergence.sigma_trend` (any column with a
    ``year``). Returns ``slope``, ``slope_se``, ``p_value``, ``n_years``, ``change`` (value in
    ``last`` minus value in ``first``) and ``first``/``last``.
    """
    require_columns(frame, ["year", column], "frame")
    window = frame[frame["year"].between(first, last)][["year", column]]
    if window[column].isna().any():
        years = window.loc[window[column].isna(), "year"].tolist()
        raise MethodInputError(f"frame[{column!r}]: missing in {format_years(years)}")
    stats = sigma_trend(window, column=column).statistics
    by_year = window.set_index("year")[column]
    return {"slope": stats["slope"], "slope_se": stats["slope_se"],
            "p_value": stats["slope_p_value"], "n_years": stats["n_obs"],
            "change": float(by_year.loc[last] - by_year.loc[first]),
            "first": int(first), "last": int(last)}


def urbanisation_rates(census: pd.DataFrame, regions: Mapping[str, Sequence[str]],
                       total: str = "pop_2020_persons", urban: str = "pop_urban_2020_persons",
                       province: str = "province_zh") -> pd.DataFrame:
    """Urbanisation rate of regions made of whole provinces: Σ urban / Σ resident population.

    The rate of a region is its urban residents over its residents (the census definition of
    常住人口城镇化率), summed over its prefecture-level units, not the mean of the units' rates.
    ``regions`` maps a label to province names (``province`` column); an empty list means every
    unit of ``census`` (the national aggregate of the units). Units lacking either count are
    left out and counted in ``n_missing`` (and named in ``missing``), so the caller can report
    the coverage.

    Parameters
    ----------
    census : pandas.DataFrame
        One row per prefecture-level unit, e.g. :func:`cityclusters.data.sources.census.read_census`
        (persons, 2020 census).

    Returns
    -------
    pandas.DataFrame
        Index: region label. Columns ``rate`` (share, 0–1), ``n_units`` (units summed),
        ``n_missing`` and ``missing`` (names of the units left out, comma-separated).

    Raises
    ------
    MethodInputError
        A listed province has no unit with both counts, or a unit has more urban residents
        than residents (named with its row).
    """
    require_columns(census, [total, urban, province], "census")
    out = {}
    for label, provinces in regions.items():
        rows = census if not provinces else census[census[province].isin(provinces)]
        inconsistent = rows[rows[urban] > rows[total]]
        if not inconsistent.empty:
            first = inconsistent.iloc[0]
            raise MethodInputError(
                f"regions[{label!r}]: census unit {first.get('name_zh', '?')} (row "
                f"{first.get('source_row', '?')}) has more urban residents ({urban}) than residents ({total})")
        incomplete = rows[[total, urban]].isna().any(axis=1)
        complete = rows[~incomplete]
        if complete.empty:
            raise MethodInputError(f"regions[{label!r}]: no census unit with {total} and {urban} "
                                   f"in province(s) {list(provinces) or 'any'}")
        out[label] = {"rate": float(complete[urban].sum() / complete[total].sum()),
                      "n_units": len(complete), "n_missing": int(incomplete.sum()),
                      "missing": ", ".join(rows.loc[incomplete, "name_zh"].astype(str))
                      if "name_zh" in rows else ""}
    return pd.DataFrame.from_dict(out, orient="index")
