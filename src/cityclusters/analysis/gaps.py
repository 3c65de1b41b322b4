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

from cityclusters.analysis.verdicts import Verdict
from cityclusters.analysis.wording import count_phrase, n_noun, plural, value_range
from cityclusters.checks import require_columns
from cityclusters.config import cluster_name
from cityclusters.data.names import bilingual
from cityclusters.errors import MethodInputError
from cityclusters.indicators import growth as growth_mod
from cityclusters.indicators.convergence import (
    HAC_MIN_YEARS,
    beta_convergence,
    panel_beta_convergence,
    sigma_convergence,
    sigma_trend,
)
from cityclusters.indicators.inequality import inequality_by_year, theil_decomposition
from cityclusters.models.wild_bootstrap import FEW_CLUSTERS, wild_bootstrap_fe, wild_bootstrap_ols

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
    "MIN_CITIES",
    "side_of_zero",
    "interval_text",
    "beta_inference_sentence",
    "regional_per_capita",
    "years_in_band",
    "format_years",
    "linear_trend",
    "urbanisation_rates",
    "PAPER003_BEIJING",
    "PAPER003_TIANJIN",
    "MIN_TREND_YEARS",
    "VERDICT_SECTIONS",
    "CLAIM_WORDING",
    "names_text",
    "chapter_values",
    "vintage_values",
    "coverage_report",
    "theil_table",
    "theil_values",
    "between_report",
    "sigma_report",
    "convergence_summary_table",
    "beta_values",
    "level_convergence",
    "hebei_ratios",
    "HebeiEvidence",
    "trend_words",
    "trend_side",
    "sigma_words",
    "hebei_evidence",
    "jjj_theil_sentence",
    "hebei_ratio_verdict",
    "jjj_convergence_verdict",
    "CygEvidence",
    "cyg_evidence",
    "guiyang_ratio_verdict",
    "pc_below_national_verdict",
    "urbanisation_below_national_verdict",
    "income_below_national_verdict",
    "middle_collapse_row",
    "chapter_verdicts",
    "exercise_values",
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


#: A regression on fewer cities than this is shown with its interval but its direction is not
#: read (no cluster-robust or bootstrap interval is reliable with so few units; MacKinnon, Nielsen
#: & Webb 2023).
MIN_CITIES = 10


def side_of_zero(low: float, high: float) -> int:
    """−1 when the interval [low, high] lies below zero, +1 above, 0 when it holds zero (or is
    missing).

    >>> side_of_zero(-0.3, -0.1), side_of_zero(-0.1, 0.2), side_of_zero(0.1, float("inf"))
    (-1, 0, 1)
    """
    if not (np.isfinite(low) or np.isfinite(high)) or np.isnan(low) or np.isnan(high):
        return 0
    return -1 if high < 0 else (1 if low > 0 else 0)


def interval_text(low: float, high: float, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    """'[low, high]' scaled and formatted; an unbounded end is −∞ or ∞.

    >>> interval_text(-0.0123, 0.004, 100, "{:.2f}"), interval_text(-0.2, float("inf"))
    ('[-1.23, 0.40]', '[-0.200, ∞]')
    """
    def one(v):
        return ("∞" if v > 0 else "−∞") if np.isinf(v) else fmt.format(v * scale)
    return f"[{one(low)}, {one(high)}]"


def _conditional_growth_panel(frame: pd.DataFrame, value: str) -> pd.DataFrame:
    """Annual growth of ln ``value`` and its lagged level per city (the regression data of
    :func:`~cityclusters.indicators.convergence.panel_beta_convergence` with ``window`` = 1 on
    a balanced sample): ``city_code``, ``year`` (end of the step), ``growth``, ``log_initial``."""
    logs = np.log(frame.drop_duplicates(["city_code", "year"]).pivot(index="city_code", columns="year", values=value))
    growth = logs.diff(axis=1).iloc[:, 1:]
    lagged = logs.shift(1, axis=1).iloc[:, 1:]
    out = pd.DataFrame({"growth": growth.stack(), "log_initial": lagged.stack()}).reset_index()
    return out.dropna()


def convergence_table(sample: pd.DataFrame, value: str, first: int, last: int,
                      population: str | None = "population") -> pd.DataFrame:
    """σ- and β-convergence per cluster in one tidy table.

    For each cluster of a balanced sample, four measures:

    * ``sigma_sd_log``: the linear trend (per year) of the sd of log ``value``
      (:func:`~cityclusters.indicators.convergence.sigma_trend`: Newey–West HAC errors, t(T − 2),
      because yearly dispersion is serially correlated); negative = σ-convergence; ``testable``
      only with at least :data:`~cityclusters.indicators.convergence.HAC_MIN_YEARS` years;
    * ``sigma_cv``: the same for the CV;
    * ``beta_absolute``: b of :func:`~cityclusters.indicators.convergence.beta_convergence`
      over ``first``–``last``, with speed λ and half-life (delta-method SEs from the HC1 SE);
    * ``beta_conditional``: b of
      :func:`~cityclusters.indicators.convergence.panel_beta_convergence` with annual growth,
      city and year fixed effects, SEs clustered by city; speed and half-life per year.

    Inference on b: a cluster has one city per observation in the cross-section and one city per
    cluster of errors in the panel, and the chapter's clusters have fewer than
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities, where t-intervals from
    HC1 or clustered errors over-reject. Below that number, p-value and interval of b come from the
    wild restricted bootstrap (:func:`~cityclusters.models.wild_bootstrap.wild_bootstrap_ols` with
    every city its own cluster, :func:`~cityclusters.models.wild_bootstrap.wild_bootstrap_fe` with
    errors clustered by city; Webb weights, 9,999 draws or all weight vectors, fixed seed); from
    :data:`FEW_CLUSTERS` cities on, the t-interval. ``testable`` is False with fewer than
    :data:`MIN_CITIES` cities: the interval is shown, its direction not read.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster_id``, ``measure``, ``estimate``, ``std_error``, ``p_value``,
        ``ci_low``, ``ci_high`` (95 %), ``inference`` (in words), ``testable``, ``speed``,
        ``speed_se``, ``half_life``, ``half_life_se``, ``n_units``, ``n_obs`` (speed and
        half-life are NaN for the σ trends and where b implies no convergence).
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
                         "ci_low": trend["slope_ci_low"], "ci_high": trend["slope_ci_high"],
                         "inference": f"Newey–West errors with {trend['hac_lags']} lags and t({trend['n_obs'] - 2})",
                         "testable": bool(trend["testable"]), "n_units": n_units, "n_obs": trend["n_obs"]})
        cross = growth_by_city(frame, value, first, last)
        growth_panel = _conditional_growth_panel(frame, value)
        for measure, result, bootstrap in (
            ("beta_absolute", beta_convergence(frame, value, first, last),
             lambda: wild_bootstrap_ols(cross, "growth", "log_initial", "log_initial")),
            ("beta_conditional", panel_beta_convergence(frame, value),
             lambda: wild_bootstrap_fe(growth_panel, "growth", ["log_initial"], "log_initial",
                                       unit="city_code", time="year")),
        ):
            stats = result.statistics
            row = result.coefficient("log_initial")
            p, low, high = float(row["p_value"]), float(row["ci_low"]), float(row["ci_high"])
            how = ("HC1, t(N − 2)" if measure == "beta_absolute" else "clustered by city, t")
            if n_units < FEW_CLUSTERS:
                wild = bootstrap()
                p, low, high, how = wild.p_value, wild.ci_low, wild.ci_high, wild.method
            rows.append({"cluster_id": cluster, "measure": measure, "estimate": stats["b"],
                         "std_error": stats["b_se"], "p_value": p, "ci_low": low, "ci_high": high,
                         "inference": how, "testable": n_units >= MIN_CITIES,
                         "speed": stats["speed"], "speed_se": stats["speed_se"],
                         "half_life": stats["half_life"], "half_life_se": stats["half_life_se"],
                         "n_units": n_units, "n_obs": stats["n_obs"]})
    out = pd.DataFrame(rows)
    for column in ("speed", "speed_se", "half_life", "half_life_se"):
        out[column] = pd.to_numeric(out[column], errors="coerce")
    return out[["cluster_id", "measure", "estimate", "std_error", "p_value", "ci_low", "ci_high", "inference",
                "testable", "speed", "speed_se", "half_life", "half_life_se", "n_units", "n_obs"]]


def beta_inference_sentence(results: pd.DataFrame) -> str:
    """How the intervals of the σ trends and of b in ``results`` (:func:`convergence_table`) were
    obtained, in words for the prose: the Newey–West lags and the bootstrap (the clusters with
    all weight vectors enumerated). The clusters whose direction is not read are named by
    :func:`beta_values` (``beta_few_sentence``)."""
    sigma = results[results["measure"] == "sigma_sd_log"]
    beta = results[results["measure"].str.startswith("beta")]
    hac = sorted(set(sigma["inference"]))
    wild = beta[beta["inference"].str.startswith("wild")]
    parts = [f"The intervals of the σ trends use {' or '.join(hac)}, as above."]
    if len(wild):
        enumerated = wild[wild["inference"].str.contains("all ")]
        parts.append(
            f"Every cluster here has fewer than {FEW_CLUSTERS} cities, too few for t-intervals from robust or "
            "clustered errors, so the intervals and p-values of b come from the wild restricted bootstrap "
            "(each city its own cluster in the cross-section, clustered by city in the panel; Webb's six-point "
            "weights"
            + (f"; all weight vectors for {names_text(list(dict.fromkeys(enumerated['cluster_id'])))}"
               if len(enumerated) else "")
            + ") and the interval is the set of slopes the bootstrap test does not reject at 5 %.")
    return " ".join(parts)


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
    """Linear trend per year of ``column`` over ``first``–``last`` (OLS with Newey–West HAC SE).

    Uses :func:`~cityclusters.indicators.convergence.sigma_trend` (any column with a
    ``year``; a yearly ratio is serially correlated like a dispersion). Returns ``slope``,
    ``slope_se``, ``p_value``, ``ci_low``, ``ci_high`` (95 %, t(T − 2)), ``testable`` (at least
    :data:`~cityclusters.indicators.convergence.HAC_MIN_YEARS` years), ``errors`` (the
    covariance in words), ``n_years``, ``change`` (value in ``last`` minus value in ``first``)
    and ``first``/``last``.
    """
    require_columns(frame, ["year", column], "frame")
    window = frame[frame["year"].between(first, last)][["year", column]]
    if window[column].isna().any():
        years = window.loc[window[column].isna(), "year"].tolist()
        raise MethodInputError(f"frame[{column!r}]: missing in {format_years(years)}")
    stats = sigma_trend(window, column=column).statistics
    by_year = window.set_index("year")[column]
    return {"slope": stats["slope"], "slope_se": stats["slope_se"],
            "p_value": stats["slope_p_value"], "ci_low": stats["slope_ci_low"],
            "ci_high": stats["slope_ci_high"], "testable": stats["testable"],
            "errors": stats["cov_type"], "n_years": stats["n_obs"],
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


# ---------------------------------------------------------------------------------------------
# chapter 3: values for the prose, tables and verdicts (the notebook only glues and shows them)
# ---------------------------------------------------------------------------------------------

#: Hebei's GDP per head as a share of Beijing's and of Tianjin's, as printed in paper 003.
PAPER003_BEIJING, PAPER003_TIANJIN = 0.40, 0.38
#: Fewest years for a linear trend of the Hebei ratios (fewer: no trend is fitted).
MIN_TREND_YEARS = 5
#: City codes of the three cores of Chengdu–Chongqing–Guiyang.
CHONGQING, CHENGDU, GUIYANG = 500100, 510100, 520100
BEIJING, TIANJIN = 110100, 120100
#: The three provinces of paper 000 (Chinese name → English name).
CYG_PROVINCES = {"四川省": "Sichuan", "重庆市": "Chongqing", "贵州省": "Guizhou"}
#: Section label of each verdict of the chapter, in the order of the chapter's verdict table.
VERDICT_SECTIONS = {
    "p000_guiyang_gdp_ratio": "sec-ch3-cyg",
    "p003_hebei_pc_gdp_ratio": "sec-ch3-jjj",
    "p003_jjj_no_convergence": "sec-ch3-jjj",
    "p000_pc_below_national": "sec-ch3-cyg",
    "p000_urbanisation_below_national": "sec-ch3-cyg",
    "p000_income_below_national": "sec-ch3-cyg",
}
#: The chapter's wording of claims whose ledger wording it does not use.
CLAIM_WORDING = {
    "p000_pc_below_national": "Sichuan, Chongqing and Guizhou have a GDP per head below the national level",
    "p000_urbanisation_below_national": "Sichuan, Chongqing and Guizhou are less urbanised than the country",
    "p000_income_below_national": "residents' disposable income per head is below the national level in all three",
}




def names_text(cluster_ids: Sequence[str]) -> str:
    """Cluster ids → their English names as 'A, B and C' ('A' for one id)."""
    labels = [cluster_name(c) for c in cluster_ids]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def chapter_values(clusters: Sequence[str], first: int, last: int) -> dict:
    """The chapter's parameters in words: ``clusters_text``, ``n_clusters``, ``first_year``,
    ``last_year``."""
    return {"clusters_text": names_text(clusters), "n_clusters": len(clusters),
            "first_year": first, "last_year": last}


def vintage_values(full_panel: pd.DataFrame, panel: pd.DataFrame, first: int, last: int) -> dict:
    """Size of the vintage break in the published GDP levels (section on data of chapter 3).

    From :func:`cityclusters.data.tables.city_year` (``full_panel``) and the chapter's cluster
    panel with ``pop_break`` (:func:`add_chained_per_capita`): in the revision year
    :data:`~cityclusters.indicators.growth.REVISED_FROM`, the median growth of real GDP per head
    (per cent) computed from levels (``lev_anhui``, ``lev_shandong``) and from the official
    index (``idx_anhui``, ``idx_shandong``) among Anhui's and Shandong's cities; Tianjin's
    one-year fall of nominal GDP (``tj_level_fall``, share); the share of cities whose
    level-based growth departs from the index by more than 5 log points in 2005, 2009, the
    revision year and the median of other years (``vg_*``); the population-break threshold in
    log points (``pop_break_pts``) and the number of city-years of the chosen clusters in
    ``first`` < year ≤ ``last`` whose population change was replaced (``n_pop_breaks``).
    """
    rev = growth_mod.REVISED_FROM
    values: dict = {"revised_from": rev}
    lev = growth_mod.level_per_capita_growth(full_panel)
    idx = growth_mod.per_capita_growth(full_panel)["growth"]
    at_rev = full_panel["year"] == rev
    for prov, key in (("安徽省", "anhui"), ("山东省", "shandong")):
        rows_p = at_rev & (full_panel["province_zh"] == prov)
        values[f"lev_{key}"] = float(100 * lev[rows_p].median())
        values[f"idx_{key}"] = float(100 * idx[rows_p].median())
    tj_gdp = full_panel[full_panel["city_code"] == TIANJIN].set_index("year")["gdp"]
    values["tj_level_fall"] = float(1 - tj_gdp.loc[rev] / tj_gdp.loc[rev - 1])
    vg = growth_mod.vintage_gap(full_panel, threshold=0.05).set_index("year")["share_large"]
    values["vg_2005"] = float(vg.loc[2005])
    values["vg_2009"] = float(vg.loc[2009])
    values["vg_rev"] = float(vg.loc[rev])
    values["vg_other"] = float(vg.drop([2005, 2009, rev]).median())
    values["pop_break_pts"] = 100 * growth_mod.POP_BREAK
    city_years = panel.drop_duplicates(["city_code", "year"])
    in_window = (city_years["year"] > first) & (city_years["year"] <= last)
    values["n_pop_breaks"] = int(city_years.loc[in_window, "pop_break"].sum())
    return values


def coverage_report(panel: pd.DataFrame, value: str, first: int,
                    last: int) -> tuple[dict, pd.DataFrame, BalancedSample]:
    """Coverage of a per-capita column and the balanced sample for convergence (chapter 3).

    Returns the values for the prose (``conv_first``, ``conv_last``: the window of
    :func:`balanced_sample`; ``n_excluded`` and ``excluded_text``: the cities left out, 汉字
    (pinyin); ``share_interp``: share of city-years in the window with an interpolated
    population; ``window_sentence``: why the window ends where it does), the coverage table of
    :func:`per_capita_coverage` with English column names and the :class:`BalancedSample`.
    """
    from cityclusters.data.names import short_name

    coverage = per_capita_coverage(panel, value, first, last)
    sample = balanced_sample(panel, value, first, last)
    excluded = sample.excluded.drop_duplicates("city_code")
    values = {"conv_first": sample.first, "conv_last": sample.last, "n_excluded": len(excluded),
              "excluded_cities": n_noun(len(excluded), "city"),
              "excluded_text": ", ".join(bilingual(short_name(r.name_zh), r.name_pinyin)
                                         for r in excluded.itertuples()) or "none"}
    in_window = panel[panel["year"].between(sample.first, sample.last)].drop_duplicates(["city_code", "year"])
    values["share_interp"] = float(in_window["population_interpolated"].mean())
    late = panel[(panel["year"] > sample.last) & panel[value].isna()].drop_duplicates("city_code")
    late = late[late["city_code"].isin(sample.panel["city_code"])]
    values["window_sentence"] = (
        (f"Chained real GDP per head is complete for the retained cities only up to {sample.last}: "
         f"{len(late)} of them (e.g. {', '.join(short_name(n) for n in late['name_zh'].head(4))}) "
         f"have no GDP index or population for a later year, so the convergence window ends in "
         f"{sample.last} rather than drop them.") if sample.last < last else
        "Chained real GDP per head is complete for the retained cities over the whole window.")
    shown = coverage.assign(cluster=coverage["cluster_id"].map(cluster_name))[
        ["cluster", "cities", "city_years", "observed", "never_observed"]]
    table = shown.rename(columns={"city_years": "city-years", "observed": "chained real GDP p.c. observed",
                                  "never_observed": "cities with no value"})
    return values, table, sample


def theil_table(within: pd.DataFrame) -> pd.DataFrame:
    """Last year of :func:`inequality_within_clusters` per cluster: cities, weighted Theil, CV
    (plain and weighted), Gini and the share of the weighted Theil between provinces."""
    end = within.groupby("cluster_id", sort=False).last()
    return pd.DataFrame({
        "cluster": [cluster_name(c) for c in end.index],
        "cities": end["n_units"].to_numpy(),
        "Theil (w)": end["theil_weighted"].to_numpy(),
        "CV": end["cv"].to_numpy(),
        "CV (w)": end["cv_weighted"].to_numpy(),
        "Gini": end["gini"].to_numpy(),
        "between provinces": end["between_weighted_share"].to_numpy(),
    })


def theil_values(within: pd.DataFrame, revised_from: int = growth_mod.REVISED_FROM) -> dict:
    """What the prose says about the weighted Theil index of :func:`inequality_within_clusters`.

    First and last year (``theil_first``, ``theil_last``); clusters where it fell or rose
    between them (``theil_fell_text``, ``theil_rose_text`` with the relative changes,
    ``theil_n_fell``); the most unequal cluster in the last year, its index and its share
    between provinces (``theil_top_*``) and how many times the most even cluster's index it is
    (``theil_low_cluster``, ``theil_low_value``), in words that read right for one cluster
    (``theil_top_intro`` before the cluster's name, ``theil_top_detail`` after it); and
    ``theil_step_sentence``: the largest
    relative step across ``revised_from`` − 1 / ``revised_from`` against the cluster's median
    year-on-year change in other years (when the table has both years and more than 3 years).
    """
    start = within.groupby("cluster_id", sort=False).first()
    end = within.groupby("cluster_id", sort=False).last()
    values: dict = {"theil_last": int(end["year"].max())}
    change = (end["theil_weighted"] / start["theil_weighted"] - 1)
    fell = [c for c in end.index if change[c] < 0]
    rose = [c for c in end.index if change[c] >= 0]
    values["theil_first"] = int(start["year"].min())
    values["theil_fell_text"] = names_text(fell) if fell else count_phrase(0, len(end), "cluster")
    values["theil_rose_text"] = (
        f"It rose in {names_text(rose)} ({', '.join(f'{change[c]:+.0%}' for c in rose)})."
        if rose else "" if len(end) == 1 else "It rose in none.")
    values["theil_n_fell"] = len(fell)
    top = end["theil_weighted"].idxmax()
    values["theil_top_cluster"] = cluster_name(top)
    values["theil_top_value"] = float(end.at[top, "theil_weighted"])
    values["theil_top_between"] = float(end.at[top, "between_weighted_share"])
    low = end["theil_weighted"].idxmin()
    values["theil_low_cluster"] = cluster_name(low)
    values["theil_low_value"] = float(end.at[top, "theil_weighted"] / end.at[low, "theil_weighted"])
    if len(end) == 1:
        values["theil_top_intro"] = "the gap in"
        values["theil_top_detail"] = (f"has a population-weighted Theil index of {values['theil_top_value']:.3f}; "
                                      f"{values['theil_top_between']:.0%} of it lies between its provinces rather "
                                      "than inside them.")
    else:
        values["theil_top_intro"] = "the largest gap is in"
        values["theil_top_detail"] = (f"(population-weighted Theil {values['theil_top_value']:.3f}, "
                                      f"{values['theil_low_value']:.1f} times that of {cluster_name(low)}, the most "
                                      f"even cluster); {values['theil_top_between']:.0%} of its gap lies between its "
                                      "provinces rather than inside them.")
    values["revised_from_prev"] = revised_from - 1
    tw = within.pivot(index="year", columns="cluster_id", values="theil_weighted")
    if {revised_from - 1, revised_from} <= set(tw.index) and len(tw) > 3:
        step = (tw.loc[revised_from] / tw.loc[revised_from - 1] - 1)
        usual = (tw / tw.shift(1) - 1).drop(index=[revised_from]).abs().median()
        big = step.abs().idxmax()
        values["theil_step_sentence"] = (
            f"{'the step in' if len(step) == 1 else 'the largest step is in'} {cluster_name(big)}"
            f"{' is' if len(step) == 1 else ','} {step[big]:+.0%} in {revised_from}, against a median "
            f"year-on-year change of ±{usual[big]:.0%} in its other years; read a step in that year "
            f"as possibly a revision, not a change in the gaps.")
    else:
        values["theil_step_sentence"] = f"the window does not include both {revised_from - 1} and {revised_from}."
    return values


def between_report(panel: pd.DataFrame, clusters: Sequence[str], members: pd.DataFrame,
                   first: int, last: int) -> tuple[dict, pd.DataFrame | None, pd.DataFrame | None]:
    """Theil index of all cities of the disjoint clusters, split between and within clusters.

    Chooses the disjoint clusters (:func:`disjoint_clusters`) and, when there are at least two,
    decomposes the population-weighted Theil index of nominal GDP per head over ``first``–``last``
    (:func:`between_cluster_decomposition`). Returns the values for the prose
    (``disjoint_text``, ``overlap_text``, ``between_sentence``) and the summary and contribution
    tables (both None with fewer than two disjoint clusters).
    """
    disjoint, overlapping = disjoint_clusters(clusters, members)
    values = {"disjoint_text": names_text(disjoint),
              "overlap_text": ("; " + "; ".join(f"{cluster_name(d)} is left out because it shares cities with {cluster_name(k)}"
                                                for d, k in overlapping.items())) if overlapping else ""}
    if len(disjoint) < 2:
        values["between_sentence"] = ("With a single cluster there is nothing to split between clusters; "
                                      "panel (b) of the figure is left out.")
        return values, None, None
    parts = panel[panel["cluster_id"].isin(disjoint) & panel["year"].between(first, last)]
    between, contributions = between_cluster_decomposition(parts)
    b0, b1 = between.iloc[0], between.iloc[-1]
    values["between_sentence"] = (
        f"Over all {int(b1['n_units'])} cities of these clusters the population-weighted Theil "
        f"index was {b0['total']:.3f} in {int(b0['year'])} and {b1['total']:.3f} in "
        f"{int(b1['year'])}. The share due to differences between the clusters' average GDP per "
        f"head was {b0['between_share']:.0%} in {int(b0['year'])} and {b1['between_share']:.0%} "
        f"in {int(b1['year'])}; the rest is inequality among cities of the same cluster.")
    return values, between, contributions


def sigma_report(sample: BalancedSample, value: str = CHAINED_PC,
                 revised_from: int = growth_mod.REVISED_FROM) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """σ-convergence on the balanced sample: values for the prose, the σ table, the results.

    Computes :func:`sigma_by_cluster` and :func:`convergence_table` on ``sample`` (chained real
    GDP per head by default) and states (:func:`sigma_words`): clusters whose sd of ln y fell or
    rose by the 95 % Newey–West interval of its trend (``sigma_conv_text``,
    ``sigma_div_sentence``), the steepest decline per year with its HAC SE and interval and the
    first and last sd (``sigma_fast_*``), and ``sigma_break_sentence``: the step of
    the sd across ``revised_from`` − 1 / ``revised_from`` on published levels against the chained
    series, in the cluster where it is most negative ("" when either year is missing).
    """
    sigma = sigma_by_cluster(sample.panel, value)
    results = convergence_table(sample.panel, value, sample.first, sample.last)
    sigma_lev = sigma_by_cluster(sample.panel.dropna(subset=[REAL_PC]), REAL_PC)
    sl = sigma_lev.pivot(index="year", columns="cluster_id", values="sd_log")
    sc = sigma.pivot(index="year", columns="cluster_id", values="sd_log")
    rev = revised_from
    values: dict = {}
    if {rev - 1, rev} <= set(sl.index) & set(sc.index):
        drop_lev = sl.loc[rev] - sl.loc[rev - 1]
        worst = drop_lev.idxmin()
        values["sigma_break_sentence"] = (
            f"Measured on the published levels instead, the sd of ln y would change by "
            f"{drop_lev[worst]:+.3f} between {rev - 1} and {rev} in {cluster_name(worst)} (a step that is the "
            f"revision of the levels); on the chained series the change is "
            f"{sc.at[rev, worst] - sc.at[rev - 1, worst]:+.3f}.")
    else:
        values["sigma_break_sentence"] = ""
    sd_trend = results.set_index(["cluster_id", "measure"]).xs("sigma_sd_log", level="measure")
    values.update(sigma_words(sd_trend))
    fastest = sd_trend["estimate"].idxmin()
    values["sigma_fast_cluster"] = cluster_name(fastest)
    values["sigma_fast_slope"] = float(sd_trend.at[fastest, "estimate"])
    values["sigma_fast_se"] = float(sd_trend.at[fastest, "std_error"])
    values["sigma_fast_interval"] = interval_text(sd_trend.at[fastest, "ci_low"], sd_trend.at[fastest, "ci_high"],
                                                  fmt="{:.4f}")
    values["sigma_errors"] = str(sd_trend.at[fastest, "inference"])
    sig0 = sigma.groupby("cluster_id", sort=False).first()
    sig1 = sigma.groupby("cluster_id", sort=False).last()
    values["sigma_fast_first"] = float(sig0.at[fastest, "sd_log"])
    values["sigma_fast_last"] = float(sig1.at[fastest, "sd_log"])
    return values, sigma, results


def sigma_words(sd_trend: pd.DataFrame) -> dict:
    """The σ trends in words, by the 95 % Newey–West interval of each cluster's trend (rows of
    :func:`convergence_table` for ``sigma_sd_log``, indexed by cluster): ``sigma_conv_text``
    (interval below zero: the dispersion fell), ``sigma_div_sentence`` (above zero: it rose;
    holds zero: inconclusive; fewer years than a trend test needs: not tested). A trend is called
    a fall or a rise only when its interval excludes zero and it rests on enough years.

    >>> t = pd.DataFrame({"ci_low": [-0.02, -0.01, 0.001], "ci_high": [-0.01, 0.01, 0.002],
    ...                   "testable": [True, True, False]}, index=["jingjinji", "chengyu", "yrd26"])
    >>> w = sigma_words(t)
    >>> w["sigma_conv_text"]
    'Beijing–Tianjin–Hebei'
    >>> print(w["sigma_div_sentence"])  # doctest: +NORMALIZE_WHITESPACE
    In no cluster does it lie above zero. In Chengdu–Chongqing it holds zero: the trend is
    inconclusive. Yangtze River Delta (26) has too few years for a trend test.
    """
    side = {c: side_of_zero(sd_trend.at[c, "ci_low"], sd_trend.at[c, "ci_high"]) for c in sd_trend.index}
    ok = {c: bool(sd_trend.at[c, "testable"]) for c in sd_trend.index}
    fell = [c for c in sd_trend.index if ok[c] and side[c] < 0]
    rose = [c for c in sd_trend.index if ok[c] and side[c] > 0]
    unclear = [c for c in sd_trend.index if ok[c] and side[c] == 0]
    short = [c for c in sd_trend.index if not ok[c]]
    parts = [f"It lies above zero (the dispersion rose) in {names_text(rose)}." if rose else
             "In no cluster does it lie above zero."]
    if unclear:
        parts.append(f"In {names_text(unclear)} it holds zero: the trend is inconclusive.")
    if short:
        parts.append(f"{names_text(short)} {'has' if len(short) == 1 else 'have'} too few years for a trend test.")
    return {"sigma_conv_text": names_text(fell) if fell else "none of the clusters",
            "sigma_div_sentence": " ".join(parts)}


def _speed_text(by: pd.DataFrame, cluster: str, measure: str) -> str:
    row = by.loc[(cluster, measure)]
    if pd.isna(row["speed"]):
        return "none"
    return (f"{row['speed']:.1%} ({row['speed_se']:.1%}) / "
            f"{row['half_life']:.0f} y ({row['half_life_se']:.0f})")


def _interval_cell(by: pd.DataFrame, cluster: str, measure: str, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    row = by.loc[(cluster, measure)]
    return f"{fmt.format(row['estimate'] * scale)} {interval_text(row['ci_low'], row['ci_high'], scale, fmt)}"


def convergence_summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """The chapter's σ/β table from :func:`convergence_table`: per cluster (cities), the σ trend
    of sd ln y ×100 with its 95 % Newey–West interval, absolute and conditional β with their 95 %
    intervals (wild bootstrap below :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS`
    cities; :func:`beta_inference_sentence`), and speed λ (per year) / half-life (years) with SEs
    ("none" where b implies no convergence)."""
    by = results.set_index(["cluster_id", "measure"])
    clusters = by.xs("sigma_sd_log", level="measure").index
    return pd.DataFrame({
        "cluster (cities)": [f"{cluster_name(c)} ({int(by.loc[(c, 'beta_absolute'), 'n_units'])})" for c in clusters],
        "σ trend sd ln y ×100 [95 %]": [_interval_cell(by, c, "sigma_sd_log", 100, "{:.2f}") for c in clusters],
        "β absolute b [95 %]": [_interval_cell(by, c, "beta_absolute") for c in clusters],
        "λ / half-life": [_speed_text(by, c, "beta_absolute") for c in clusters],
        "β conditional b [95 %]": [_interval_cell(by, c, "beta_conditional") for c in clusters],
        "λ / half-life (cond.)": [_speed_text(by, c, "beta_conditional") for c in clusters],
    })


def _below_zero(table: pd.DataFrame) -> list:
    """Clusters (index of ``table``) whose b is read (``testable``) and whose interval lies below zero."""
    return [c for c in table.index if bool(table.at[c, "testable"]) and table.at[c, "ci_high"] < 0]


def beta_values(results: pd.DataFrame, level_results: pd.DataFrame) -> dict:
    """What the prose says about β-convergence (chapter 3).

    ``results`` is :func:`convergence_table` on chained real GDP per head, ``level_results`` the
    same on published levels (vintage steps left in). A cluster shows convergence when the 95 %
    interval of b (:func:`convergence_table`: wild bootstrap with few cities) lies below zero
    and it has at least :data:`MIN_CITIES` cities; with fewer, the interval is shown and no
    direction is read.
    Values: clusters whose absolute b lies below zero and the others (``beta_sig_text``,
    ``beta_not_sentence``, ``beta_few_sentence``), the range of their absolute half-lives in
    years (``beta_half_range``), the range and count of conditional ones (``cond_half_range``,
    ``cond_sig_text``, ``n_cond_sig``, ``n_conv_clusters``, ``cond_faster_sentence``), the same
    on levels (``lev_cond_half_range``, ``lev_cond_n_sig``, ``lev_vs_index_sentence``), both
    counts in words (``lev_vs_index_counts``, :func:`level_vs_index_counts`), the half-lives
    with their caveat (``cond_half_note``), the
    inference in words (``beta_inference_sentence``) and the columns of the results table
    (``results_cols``).
    """
    by = results.set_index(["cluster_id", "measure"])
    absolute = by.xs("beta_absolute", level="measure")
    values: dict = {}
    beta_sig = _below_zero(absolute)
    values["beta_sig_text"] = names_text(beta_sig) if beta_sig else count_phrase(0, len(absolute), "cluster")
    few = [c for c in absolute.index if not bool(absolute.at[c, "testable"])]
    beta_not = [c for c in absolute.index if c not in beta_sig and c not in few]
    above = [c for c in beta_not if absolute.at[c, "ci_low"] > 0]
    holds = [c for c in beta_not if c not in above]
    values["beta_not_sentence"] = " ".join(
        [f"In {names_text(holds)} the interval of b holds zero: inconclusive." if holds else "",
         f"In {names_text(above)} it lies above zero (divergence)." if above else ""]).strip()
    values["beta_few_sentence"] = (
        f"{names_text(few)} ({', '.join(str(int(absolute.at[c, 'n_units'])) for c in few)} cities) "
        f"{'is' if len(few) == 1 else 'are'} not read in either regression: with fewer than {MIN_CITIES} cities "
        "no interval is reliable." if few else "")
    conv_half = absolute.loc[beta_sig, "half_life"].dropna()
    if len(conv_half):
        values["beta_half_range"] = (
            f"{conv_half.min():.0f} years ({cluster_name(conv_half.idxmin())}) to {conv_half.max():.0f} years "
            f"({cluster_name(conv_half.idxmax())})" if len(conv_half) > 1 else
            f"{conv_half.iloc[0]:.0f} years ({cluster_name(conv_half.index[0])})")
    else:
        values["beta_half_range"] = "undefined (no cluster shows convergence)"
    cond = by.xs("beta_conditional", level="measure")
    values["cond_half_range"] = (value_range(cond["half_life"].min(), cond["half_life"].max(), ".0f", "years")
                                 if cond["half_life"].notna().any() else "undefined")
    values["cond_half_note"] = (
        ("half-life " if len(cond) == 1 else "half-lives ") + values["cond_half_range"]
        + ("" if len(cond) == 1 else " across all clusters, many of them imprecise")
        if cond["half_life"].notna().any() else "half-lives undefined")
    cond_sig = _below_zero(cond)
    values["cond_sig_text"] = names_text(cond_sig) if cond_sig else count_phrase(0, len(cond), "cluster")
    faster = [c for c in cond_sig if cond.at[c, "half_life"] < absolute.at[c, "half_life"]]
    values["cond_faster_sentence"] = (
        (f"Where its interval lies below zero, its half-life is shorter than the absolute one in "
         f"{names_text(faster) if faster else 'none of them'}: a city closing the distance to its own "
         f"long-run path faster than to a common one means those paths differ, so gaps in levels "
         f"persist.") if cond_sig else
        "Once growth is measured consistently, the annual data show no reliable conditional convergence "
        f"within the {plural('cluster', len(cond))}.")
    lev_cond = level_results[level_results["measure"] == "beta_conditional"].set_index("cluster_id")
    values["lev_cond_half_range"] = (value_range(lev_cond["half_life"].min(), lev_cond["half_life"].max(), ".0f",
                                                 "years")
                                     if lev_cond["half_life"].notna().any() else "undefined")
    n_lev_sig = len(_below_zero(lev_cond))
    values["lev_cond_n_sig"] = n_lev_sig
    values["lev_vs_index_counts"] = level_vs_index_counts(n_lev_sig, len(cond_sig), len(cond),
                                                          values["lev_cond_half_range"])
    values["lev_vs_index_sentence"] = (
        "The fast conditional convergence that level-based data suggest is largely the vintage breaks."
        if n_lev_sig > len(cond_sig) else
        "In this window the two measures give the same count of clusters whose interval lies below zero.")
    values["n_cond_sig"] = len(cond_sig)
    values["n_conv_clusters"] = len(cond)
    values["beta_inference_sentence"] = beta_inference_sentence(results)
    values["results_cols"] = ", ".join(results.columns)
    return values


def level_vs_index_counts(n_level: int, n_index: int, n: int, half_range: str) -> str:
    """How many of ``n`` clusters have a conditional slope whose interval lies below zero on
    published levels (``n_level``; their half-lives ``half_range``) and with growth from the
    official index (``n_index``): the end of the sentence "On published levels the interval of
    the conditional slope …", in words that read right for one cluster.

    >>> level_vs_index_counts(5, 2, 6, "6–20 years")
    'lies below zero in 5 of the 6 clusters with half-lives of 6–20 years; with growth from the official index, in 2 of them.'
    >>> level_vs_index_counts(1, 0, 1, "8 years")
    'lies below zero in the one cluster, with a half-life of 8 years; with growth from the official index, it does not.'
    """
    if n == 1:
        level = (f"lies below zero in the one cluster, with a half-life of {half_range}" if n_level
                 else f"does not lie below zero (half-life {half_range})")
        index = ("it does too" if n_level else "it does") if n_index else (
            "it does not" if n_level else "it does not either")
        return f"{level}; with growth from the official index, {index}."
    index = f"in {n_index} of them" if n_index else "in not one of them"
    return (f"lies below zero in {count_phrase(n_level, n, 'cluster')} with half-lives of {half_range}; "
            f"with growth from the official index, {index}.")


def level_convergence(panel: pd.DataFrame, sample: BalancedSample) -> pd.DataFrame:
    """:func:`convergence_table` on published real GDP per head (:data:`REAL_PC`, vintage steps
    left in) over the window of ``sample``, on its own balanced sample of ``panel``."""
    lev_sample = balanced_sample(panel, REAL_PC, sample.first, sample.last)
    return convergence_table(lev_sample.panel, REAL_PC, lev_sample.first, lev_sample.last)


def hebei_ratios(full_panel: pd.DataFrame, first: int, last: int,
                 real_last: int) -> tuple[pd.DataFrame, list[int]]:
    """Hebei's GDP per head as a share of Beijing's and Tianjin's, per year (section sec-ch3-jjj).

    Hebei = the sum of its prefectures' GDP over the sum of their resident population
    (:func:`regional_per_capita`). Columns ``year``, ``to_beijing``, ``to_tianjin`` (current
    prices, ``first``–``last``) and ``real_to_beijing``, ``real_to_tianjin`` (2000 prices,
    through ``real_last``; NaN, with a warning, when a deflator is missing). Also returns the
    Hebei city codes.
    """
    import warnings

    hebei_codes = sorted(full_panel.loc[full_panel["province_zh"] == "河北省", "city_code"].unique())
    regions = {"hebei": hebei_codes, "beijing": [BEIJING], "tianjin": [TIANJIN]}
    nominal = regional_per_capita(full_panel, regions, first=first, last=last)
    ratios = pd.DataFrame({"year": nominal["year"],
                           "to_beijing": nominal["hebei"] / nominal["beijing"],
                           "to_tianjin": nominal["hebei"] / nominal["tianjin"]})
    try:
        real = regional_per_capita(full_panel, regions, gdp="real_gdp", first=first, last=real_last)
        ratios = ratios.merge(pd.DataFrame({"year": real["year"],
                                            "real_to_beijing": real["hebei"] / real["beijing"],
                                            "real_to_tianjin": real["hebei"] / real["tianjin"]}),
                              on="year", how="left")
    except ValueError as error:  # a missing deflator: nominal ratios only, say why
        ratios["real_to_beijing"] = ratios["real_to_tianjin"] = np.nan
        warnings.warn(f"real ratios not shown: {error}", stacklevel=2)
    return ratios, hebei_codes


@dataclass(frozen=True)
class HebeiEvidence:
    """The evidence on paper 003's Hebei figures (:func:`hebei_evidence`).

    ``values`` holds the glue values of the section; ``ratios`` the ratios indexed by year;
    ``near_bj`` / ``near_tj`` the years within the band of the printed values; ``in_paper`` the
    paper's data year (or the last year); ``peak`` the year of the highest ratio to Beijing up to
    it; ``tj_pre``, ``bj_pre``, ``bj_post``, ``bj_clean`` trends of :func:`linear_trend` (None when
    the window is too short); ``hb_rev`` the years after the paper's in which Hebei's levels
    were revised.
    """

    values: dict
    ratios: pd.DataFrame
    near_bj: list
    near_tj: list
    in_paper: int
    peak: int
    tj_pre: dict | None
    bj_pre: dict | None
    bj_post: dict | None
    bj_clean: dict | None
    hb_rev: list


def trend_words(label: str, trend: Mapping) -> str:
    """A trend of :func:`linear_trend` in words: direction, percentage points a year with the
    95 % Newey–West interval (or, with fewer years than a trend test needs, that it is not
    tested), total change in points.

    >>> t = {"slope": -0.005, "ci_low": -0.009, "ci_high": -0.001, "testable": True,
    ...      "first": 2000, "last": 2010, "change": -0.05, "n_years": 11}
    >>> trend_words("Beijing", t)
    'in 2000–2010 the ratio to Beijing fell by 0.50 percentage points a year (95 % HAC interval [-0.90, -0.10]), -5.0 points in all'
    """
    direction = "rose" if trend["slope"] > 0 else "fell"
    how = (f"95 % HAC interval {interval_text(trend['ci_low'], trend['ci_high'], 100, '{:.2f}')}"
           if trend["testable"] else f"{trend['n_years']} years, too few for a trend test")
    return (f"in {trend['first']}–{trend['last']} the ratio to {label} {direction} by "
            f"{abs(trend['slope']) * 100:.2f} percentage points a year ({how}), "
            f"{trend['change'] * 100:+.1f} points in all")


def trend_side(trend: Mapping | None) -> str | None:
    """"narrowed" (the ratio's HAC interval lies above zero), "widened" (below), "unclear"
    (holds zero), "untested" (too few years) or None (no trend).

    >>> trend_side({"ci_low": 0.001, "ci_high": 0.01, "testable": True}), trend_side(None)
    ('narrowed', None)
    """
    if trend is None:
        return None
    if not trend["testable"]:
        return "untested"
    side = side_of_zero(trend["ci_low"], trend["ci_high"])
    return {1: "narrowed", -1: "widened", 0: "unclear"}[side]


def hebei_evidence(full_panel: pd.DataFrame, ratios: pd.DataFrame, hebei_codes: Sequence[int],
                   first: int, last: int, paper_year: int, near: float) -> HebeiEvidence:
    """Test paper 003's Hebei ratios against :func:`hebei_ratios` (section sec-ch3-jjj).

    Years within ± ``near`` of the printed 40 % (Beijing) and 38 % (Tianjin); the ratios at the
    start, end, peak and in ``paper_year``; linear trends (:func:`linear_trend`, at least
    :data:`MIN_TREND_YEARS` years) of the ratio to Beijing before and after ``paper_year`` and of
    the ratio to Tianjin before ``paper_year`` and before Tianjin's GDP break (a one-year fall of
    more than 15 %); the years after ``paper_year`` in which Hebei's levels were revised (median
    gap between level-based and index-based real growth above 5 log points,
    :func:`cityclusters.indicators.growth.vintage_gap`) and the trend before that revision.
    Sentences for the prose are in ``values`` (same names as the chapter's glue).
    """
    r = ratios.set_index("year")
    values: dict = {"n_hebei": len(hebei_codes), "paper_bj": PAPER003_BEIJING,
                    "paper_tj": PAPER003_TIANJIN, "near": near}
    near_bj = years_in_band(r["to_beijing"], PAPER003_BEIJING - near, PAPER003_BEIJING + near)
    near_tj = years_in_band(r["to_tianjin"], PAPER003_TIANJIN - near, PAPER003_TIANJIN + near)
    both = sorted(set(near_bj) & set(near_tj))
    values["near_bj_years"] = format_years(near_bj)
    values["near_tj_years"] = format_years(near_tj)
    values["near_both_years"] = format_years(both)
    values["bj_ratio_first"] = float(r["to_beijing"].iloc[0])
    values["bj_ratio_last"] = float(r["to_beijing"].iloc[-1])
    values["bj_ratio_max"] = float(r["to_beijing"].max())
    values["bj_ratio_max_year"] = int(r["to_beijing"].idxmax())
    values["tj_ratio_last"] = float(r["to_tianjin"].iloc[-1])
    values["ratio_last_year"] = int(r.index[-1])
    in_paper = paper_year if paper_year in r.index else int(r.index[-1])
    values["paper_year"] = in_paper
    values["paper_year_sentence"] = (
        (f"In {paper_year}, the last year behind the paper's figures, the ratios were "
         f"{r.at[paper_year, 'to_beijing']:.1%} (Beijing) and {r.at[paper_year, 'to_tianjin']:.1%} (Tianjin).")
        if paper_year in r.index else
        f"The paper's data year {paper_year} lies outside this window.")

    tj = full_panel[full_panel["city_code"] == TIANJIN].set_index("year")["gdp"]
    tj_change = tj.pct_change().loc[first + 1:last]

    def trend_or_none(column, a, b):
        return linear_trend(ratios, column, a, b) if b - a + 1 >= MIN_TREND_YEARS else None

    break_year = int(tj_change.idxmin()) if tj_change.min() < -0.15 else last + 1
    bj_pre = trend_or_none("to_beijing", first, min(paper_year, last))
    bj_post = trend_or_none("to_beijing", max(paper_year, first), last)
    tj_pre = trend_or_none("to_tianjin", first, min(paper_year, last, break_year - 1))
    peak = int(r.loc[:in_paper, "to_beijing"].idxmax())
    described = [trend_words(label, t) for label, t in (("Tianjin", tj_pre), ("Beijing", bj_pre),
                                                        ("Beijing", bj_post)) if t is not None]
    values["bj_trend_text"] = ("; ".join(described) if described else
                               f"the window has fewer than {MIN_TREND_YEARS} years on either side of {paper_year}")
    hb_gap = growth_mod.vintage_gap(full_panel[full_panel["city_code"].isin(hebei_codes)]).set_index("year")["median_gap"]
    bj_gap = growth_mod.vintage_gap(full_panel[full_panel["city_code"] == BEIJING]).set_index("year")["median_gap"]
    hb_rev = [int(y) for y, v in hb_gap.items() if paper_year < y <= last and abs(v) > 0.05]
    bj_clean = None
    if bj_post is not None and hb_rev:
        rev_year = min(hb_rev)
        bj_clean = trend_or_none("to_beijing", max(paper_year, first), rev_year - 1)
        step = r.at[rev_year, "to_beijing"] - r.at[rev_year - 1, "to_beijing"]
        clean_words = (trend_words("Beijing", bj_clean) if bj_clean is not None else
                       f"fewer than {MIN_TREND_YEARS} years remain before it")
        values["hebei_break_sentence"] = (
            f"The later years mix vintages too: Hebei's levels are revised in {rev_year} (its "
            f"prefectures' level-based real growth departs from the official index by a median of "
            f"{100 * hb_gap.loc[rev_year]:+.1f} log points that year; Beijing's by "
            f"{100 * bj_gap.get(rev_year, float('nan')):+.1f}), "
            f"and the ratio to Beijing moves by {100 * step:+.1f} points in that one year. Stopping "
            f"before the revision, {clean_words}.")
    else:
        values["hebei_break_sentence"] = ""
    values["bj_peak_year"] = peak
    values["bj_peak_value"] = float(r.at[peak, "to_beijing"])
    values["tj_break_sentence"] = (
        (f"The ratio to Tianjin jumps in {break_year}, when Tianjin's own GDP falls by "
         f"{abs(tj_change.min()):.0%} in one year: a break between statistical vintages (our "
         "reading: the downward revision after the fourth economic census, which the source carries "
         "from that year on but not for earlier years), not a change in the economy; the Tianjin "
         "trend therefore stops before it.") if break_year <= last else
        "Tianjin's GDP series shows no break in this window.")
    has_real = ratios["real_to_beijing"].notna().any()
    values["real_sentence"] = (
        (f"In real terms (2000 prices, each city's own deflator) the picture differs: the ratio to "
         f"Beijing moves from {r['real_to_beijing'].dropna().iloc[0]:.0%} in "
         f"{int(r['real_to_beijing'].dropna().index[0])} to {r['real_to_beijing'].dropna().iloc[-1]:.0%} "
         f"in {int(r['real_to_beijing'].dropna().index[-1])}, because Beijing's GDP deflator rose "
         f"faster than Hebei's; part of the nominal gap is a gap in prices, not in output (these "
         f"real ratios use published levels and carry the same vintage steps as the nominal ones).")
        if has_real else "Real ratios cannot be computed for this window (see the note above).")
    return HebeiEvidence(values=values, ratios=r, near_bj=near_bj, near_tj=near_tj, in_paper=in_paper,
                         peak=peak, tj_pre=tj_pre, bj_pre=bj_pre, bj_post=bj_post, bj_clean=bj_clean,
                         hb_rev=hb_rev)


def jjj_theil_sentence(clusters: Sequence[str], within: pd.DataFrame, results: pd.DataFrame) -> str:
    """The city-level gaps of Beijing–Tianjin–Hebei in one sentence: weighted Theil index of
    nominal GDP per head at the start and end (:func:`inequality_within_clusters`), its share
    between provinces, and the σ trend of log real GDP per head (:func:`convergence_table`)."""
    if "jingjinji" not in clusters:
        return ("(The city-level measures for Beijing–Tianjin–Hebei are shown when "
                "`jingjinji` is among the chapter's clusters.)")
    by = results.set_index(["cluster_id", "measure"])
    jw = within[within["cluster_id"] == "jingjinji"]
    return (f"Among the 13 cities of the cluster the population-weighted Theil index of nominal GDP "
            f"per head went from {jw['theil_weighted'].iloc[0]:.3f} ({int(jw['year'].iloc[0])}) to "
            f"{jw['theil_weighted'].iloc[-1]:.3f} ({int(jw['year'].iloc[-1])}), and "
            f"{jw['between_weighted_share'].iloc[-1]:.0%} of it lies between the three provinces; "
            f"the dispersion of log real GDP per head changed by "
            f"{by.loc[('jingjinji', 'sigma_sd_log'), 'estimate']:+.4f} a year "
            f"(95 % Newey–West interval {interval_text(by.loc[('jingjinji', 'sigma_sd_log'), 'ci_low'], by.loc[('jingjinji', 'sigma_sd_log'), 'ci_high'], fmt='{:.4f}')}).")


def hebei_ratio_verdict(evidence: HebeiEvidence, paper_year: int, first: int, last: int,
                        near: float, first_release: Mapping | None = None) -> Verdict:
    """Verdict on p003_hebei_pc_gdp_ratio (Hebei ≈ 40 % of Beijing's and 38 % of Tianjin's GDP
    per head).

    With ``first_release`` (:func:`first_release_ratios` in ``paper_year``: the GDP vintage the
    paper printed) the verdict rests on it: supported when both ratios are within ± ``near`` of
    the printed values, partly supported when one is, not supported when neither is. Without
    it, from the panel (mixed vintages): supported when both ratios are within ± ``near`` in one
    of the 4 years up to ``paper_year``; partly supported when both are near only in other
    years, or only one of them in any year; not supported otherwise."""
    r, near_bj, near_tj, in_paper = evidence.ratios, evidence.near_bj, evidence.near_tj, evidence.in_paper
    both = sorted(set(near_bj) & set(near_tj))
    recent = [y for y in both if paper_year - 3 <= y <= paper_year]
    if first_release is not None:
        fr_bj, fr_tj = first_release["to_beijing"], first_release["to_tianjin"]
        close = [abs(fr_bj - PAPER003_BEIJING) <= near, abs(fr_tj - PAPER003_TIANJIN) <= near]
        reading = (f"with first-release GDP (yearbook edition {first_release['edition']}) for all three, "
                   f"{first_release['year']}: {fr_bj:.1%} of Beijing's and {fr_tj:.1%} of Tianjin's")
        verdict = (f"supported: {reading}, both within ±{near * 100:.0f} points of the printed values" if all(close)
                   else f"partly supported: {reading}; only one within ±{near * 100:.0f} points" if any(close)
                   else f"not supported: {reading}; neither within ±{near * 100:.0f} points")
    elif recent:
        verdict = f"supported: both ratios are near the printed values in {format_years(both)}, just before the paper's data year {paper_year}"
    elif both:
        verdict = f"partly supported: both ratios near the printed values only in {format_years(both)}"
    elif near_bj or near_tj:
        verdict = "partly supported: only one of the two ratios is near the printed value in any year"
    else:
        verdict = f"not supported: neither ratio is near the printed value in {first}–{last}"
    evidence_text = (
        f"Hebei (11 prefectures summed) ÷ Beijing: {r.at[in_paper, 'to_beijing']:.1%} in {in_paper}, "
        f"{r['to_beijing'].iloc[-1]:.1%} in {int(r.index[-1])}; ÷ Tianjin {r.at[in_paper, 'to_tianjin']:.1%} "
        f"in {in_paper}; within ±{near * 100:.0f} points of 40 % (Beijing) in {format_years(near_bj)}, "
        f"of 38 % (Tianjin) in {format_years(near_tj)}"
        + (f"; first-release GDP ({first_release['year']}): {first_release['to_beijing']:.1%} and "
           f"{first_release['to_tianjin']:.1%} (population: the panel's series)" if first_release is not None else ""))
    return Verdict("p003_hebei_pc_gdp_ratio", verdict, evidence_text, rule="descriptive_measure",
                   would_change=(f"GDP and population in the paper's first-release vintage that moved a ratio "
                                 f"in {paper_year - 3}–{paper_year} out of ±{near * 100:.0f} points of the "
                                 "printed value"))


def jjj_convergence_verdict(evidence: HebeiEvidence, paper_year: int) -> Verdict:
    """Verdict on p003_jjj_no_convergence (the gap between Hebei and the municipalities is not
    closing, up to ``paper_year``), under the rule ``descriptive_measure``.

    Each ratio's trend up to ``paper_year`` (:func:`linear_trend`, Newey–West 95 % interval) is
    read by :func:`trend_side`: the claim holds for a ratio whose interval lies below zero (the
    gap widened), fails for one whose interval lies above zero (it narrowed). Supported when it
    holds for every tested ratio; not supported when it fails for every one; partly supported
    when it holds or fails for some and not all; inconclusive when every interval holds zero;
    not testable when no ratio has enough years. A widening of the gap to Beijing after
    ``paper_year`` (its interval below zero) is added, and whether it holds before Hebei's
    revision."""
    tj_pre, bj_pre, bj_post, bj_clean = evidence.tj_pre, evidence.bj_pre, evidence.bj_post, evidence.bj_clean
    hb_rev, r, peak = evidence.hb_rev, evidence.ratios, evidence.peak
    sides = {label: trend_side(t) for label, t in (("Tianjin", tj_pre), ("Beijing", bj_pre))}
    tested = {k: v for k, v in sides.items() if v in ("narrowed", "widened", "unclear")}
    widened = [k for k, v in tested.items() if v == "widened"]
    narrowed = [k for k, v in tested.items() if v == "narrowed"]
    if not tested:
        verdict = ("not testable with our data: the window has too few years before the paper's data year "
                   "for a trend test")
    elif len(widened) == len(tested):
        verdict = f"supported: up to {paper_year} the gap to {' and to '.join(widened)} widened (interval below zero)"
    elif len(narrowed) == len(tested):
        verdict = f"not supported: up to {paper_year} the gap to {' and to '.join(narrowed)} narrowed (interval above zero)"
    elif widened or narrowed:
        words = [f"the gap to {k} {'widened' if v == 'widened' else 'narrowed' if v == 'narrowed' else 'has an interval holding zero'}"
                 for k, v in tested.items()]
        verdict = f"partly supported: up to {paper_year} " + " but ".join(words)
    else:
        verdict = (f"inconclusive: up to {paper_year} the interval of every tested ratio's trend holds both zero "
                   "and a narrowing")
    if trend_side(bj_post) == "widened":
        verdict += f"; after {bj_post['first']} the gap to Beijing widened"
        if bj_clean is not None:
            clean = trend_side(bj_clean)
            verdict += (f" (also in {bj_clean['first']}–{bj_clean['last']}, before Hebei's {min(hb_rev)} revision)"
                        if clean == "widened" else
                        f" (too few years before Hebei's {min(hb_rev)} revision to test it there)"
                        if clean == "untested" else
                        f" (not clearly before Hebei's {min(hb_rev)} revision)")
    evidence_text = (
        "trend of Hebei's GDP per head as a share (current prices; 95 % Newey–West interval): " + "; ".join(
            f"{label} {t['first']}–{t['last']} {t['slope'] * 100:+.2f} pp/yr "
            + (interval_text(t['ci_low'], t['ci_high'], 100, '{:.2f}') if t["testable"] else f"({t['n_years']} years, not tested)")
            for label, t in (("÷ Tianjin", tj_pre), ("÷ Beijing", bj_pre), ("÷ Beijing", bj_post),
                             ("÷ Beijing, before Hebei's revision", bj_clean)) if t is not None)
        + f"; peak ÷ Beijing {r.at[peak, 'to_beijing']:.1%} in {peak}")
    change = ("the ratio to Beijing before the paper's year measured on first-release GDP (the paper's vintage) "
              "with an interval below zero or holding zero would make it supported or inconclusive; the ratio "
              "to Tianjin rising before Tianjin's revision would make it not supported")
    if verdict.startswith("not testable"):
        return Verdict("p003_jjj_no_convergence", verdict, evidence_text, rule="not_testable",
                       would_change=f"at least {HAC_MIN_YEARS} years of the ratios before {paper_year}")
    return Verdict("p003_jjj_no_convergence", verdict, evidence_text, rule="descriptive_measure",
                   would_change=change)


@dataclass(frozen=True)
class CygEvidence:
    """The evidence on paper 000's statements on Chengdu–Chongqing–Guiyang (:func:`cyg_evidence`).

    ``values``: glue values of the section; ``gy_cd``, ``gy_cq``: Guiyang's GDP over Chengdu's and
    Chongqing's in the claim year; ``provinces``: GDP per head (元) of Sichuan, Chongqing,
    Guizhou and ``all`` prefecture-level units; ``urban``: their urbanisation rates (2020
    census); ``n_noncore``, ``n_noncore_below``, ``noncore_best_ratio``, ``noncore_to_cores``:
    the other Chengdu–Chongqing cities against the poorer core.
    """

    values: dict
    gy_cd: float
    gy_cq: float
    provinces: pd.Series
    urban: pd.Series
    n_noncore: int
    n_noncore_below: int
    noncore_best_ratio: float
    noncore_to_cores: float


def cyg_evidence(full_panel: pd.DataFrame, members: pd.DataFrame, census: pd.DataFrame,
                 claim_year: int, first: int, last: int) -> CygEvidence:
    """Test paper 000's statements on the three cores (section sec-ch3-cyg).

    From :func:`cityclusters.data.tables.city_year`: Guiyang's GDP (亿元) over Chengdu's and
    Chongqing's in ``claim_year`` and its ratio to Chengdu over ``first``–``last``; the GDP per
    head of the other Chengdu–Chongqing cities (members of ``chengyu``) against the poorer of
    the two cores, city by city and summed (:func:`regional_per_capita`); the GDP per head of
    Sichuan, Chongqing and Guizhou (their prefecture-level units with GDP and population summed)
    against all such units; and their urbanisation rates from the 2020 census
    (:func:`urbanisation_rates`, ``census`` from
    :func:`cityclusters.data.sources.census.read_census`).
    """
    from cityclusters.data.names import short_name

    cy = full_panel[full_panel["year"] == claim_year].set_index("city_code")
    gy_cd = float(cy.at[GUIYANG, "gdp"] / cy.at[CHENGDU, "gdp"])
    gy_cq = float(cy.at[GUIYANG, "gdp"] / cy.at[CHONGQING, "gdp"])
    values: dict = {"claim_year": claim_year, "gy_cd": gy_cd, "gy_cq": gy_cq,
                    "gdp_gy": float(cy.at[GUIYANG, "gdp"]), "gdp_cd": float(cy.at[CHENGDU, "gdp"]),
                    "gdp_cq": float(cy.at[CHONGQING, "gdp"])}
    gy_series = full_panel[full_panel["city_code"].isin([CHONGQING, CHENGDU, GUIYANG])].pivot(
        index="year", columns="city_code", values="gdp").loc[first:last]
    ratio_cd = gy_series[GUIYANG] / gy_series[CHENGDU]
    values["gy_cd_first"] = float(ratio_cd.iloc[0])
    values["gy_cd_last"] = float(ratio_cd.iloc[-1])
    values["gy_cd_max"] = float(ratio_cd.max())
    values["gy_cd_max_year"] = int(ratio_cd.idxmax())

    cy_members = members.loc[members["cluster_id"] == "chengyu", "city_code"]
    noncore = cy.loc[cy.index.isin(cy_members) & ~cy.index.isin([CHENGDU, CHONGQING])]
    lower_core = min(cy.at[CHENGDU, "gdp_per_capita"], cy.at[CHONGQING, "gdp_per_capita"])
    n_below = int((noncore["gdp_per_capita"] < lower_core).sum())
    values["n_noncore"] = len(noncore)
    values["n_noncore_below"] = n_below
    best = noncore["gdp_per_capita"].idxmax()
    values["noncore_best"] = bilingual(short_name(noncore.at[best, "name_zh"]), noncore.at[best, "name_pinyin"])
    best_ratio = noncore.at[best, "gdp_per_capita"] / lower_core
    values["noncore_best_ratio"] = float(best_ratio)
    agg = regional_per_capita(full_panel, {"noncore": list(noncore.index), "cores": [CHENGDU, CHONGQING]},
                              first=claim_year, last=claim_year).iloc[0]
    to_cores = agg["noncore"] / agg["cores"]
    values["noncore_to_cores"] = float(to_cores)

    year_rows = full_panel[full_panel["year"] == claim_year]
    with_pop = year_rows.dropna(subset=["gdp", "population"])
    prov_codes = {p: list(with_pop.loc[with_pop["province_zh"] == p, "city_code"]) for p in CYG_PROVINCES}
    prov_codes["all"] = list(with_pop["city_code"])
    prov = regional_per_capita(full_panel, prov_codes, first=claim_year, last=claim_year).iloc[0]
    missing_prov = year_rows[year_rows["province_zh"].isin(["四川省", "贵州省"]) & year_rows["population"].isna()]
    values["n_all_units"] = len(prov_codes["all"])
    values["missing_prov_text"] = ", ".join(short_name(n) for n in missing_prov["name_zh"]) or "none"
    for key, label in [("四川省", "sc"), ("重庆市", "cq"), ("贵州省", "gz")]:
        values[f"pc_{label}_rel"] = float(prov[key] / prov["all"])
    values["pc_all"] = float(prov["all"])
    urban = urbanisation_rates(census, {"四川省": ["四川省"], "重庆市": ["重庆市"], "贵州省": ["贵州省"], "all": []})
    for key, label in [("四川省", "sc"), ("重庆市", "cq"), ("贵州省", "gz"), ("all", "all")]:
        values[f"urban_{label}"] = float(urban.at[key, "rate"])
    values["urban_n_units"] = int(urban.at["all", "n_units"])
    values["urban_n_missing"] = int(urban.at["all", "n_missing"])
    values["urban_missing_three"] = int(urban.loc[["四川省", "重庆市", "贵州省"], "n_missing"].sum())
    return CygEvidence(values=values, gy_cd=gy_cd, gy_cq=gy_cq,
                       provinces=prov[[*CYG_PROVINCES, "all"]], urban=urban["rate"],
                       n_noncore=len(noncore), n_noncore_below=n_below,
                       noncore_best_ratio=best_ratio, noncore_to_cores=to_cores)


def guiyang_ratio_verdict(gy_cd: float, gy_cq: float, claim_year: int) -> Verdict:
    """Verdict on p000_guiyang_gdp_ratio: Guiyang's GDP is below 25 % of Chengdu's and below
    20 % of Chongqing's (ratios of GDP in 亿元, ``claim_year``)."""
    ok = gy_cd < 0.25 and gy_cq < 0.2
    return Verdict(
        "p000_guiyang_gdp_ratio",
        "supported" if ok else "not supported: the ratios exceed the stated bounds",
        f"{claim_year}: Guiyang's GDP = {gy_cd:.1%} of Chengdu's (< 25 %: {'yes' if gy_cd < 0.25 else 'no'}) "
        f"and {gy_cq:.1%} of Chongqing's (< 20 %: {'yes' if gy_cq < 0.2 else 'no'})",
        rule="descriptive_measure",
        would_change=(f"a vintage of {claim_year} GDP that raised Guiyang's GDP by more than "
                      f"{(0.25 - gy_cd) * 100:.1f} percentage points of Chengdu's or "
                      f"{(0.20 - gy_cq) * 100:.1f} of Chongqing's (the margins to the stated bounds)"))


def pc_below_national_verdict(provinces: Mapping[str, float], claim_year: int) -> Verdict:
    """Verdict on p000_pc_below_national: GDP per head (元) of 四川省, 重庆市 and 贵州省 each below
    that of ``all`` prefecture-level units (supported) or not all three (partly supported)."""
    below_all = all(provinces[k] < provinces["all"] for k in CYG_PROVINCES)
    return Verdict(
        "p000_pc_below_national",
        "supported" if below_all else "partly supported: not all three are below",
        f"{claim_year}, share of all prefecture-level units' average: Sichuan {provinces['四川省'] / provinces['all']:.0%}, "
        f"Chongqing {provinces['重庆市'] / provinces['all']:.0%}, Guizhou {provinces['贵州省'] / provinces['all']:.0%}",
        rule="descriptive_measure",
        would_change=("the national figure of the statistical yearbook (all units, including those without "
                      "population here) in place of the sum over prefecture-level units with data"))


def urbanisation_below_national_verdict(urban: Mapping[str, float], claim_year: int) -> Verdict:
    """Verdict on p000_urbanisation_below_national: urban share of residents (2020 census) of
    四川省, 重庆市 and 贵州省 each below that of ``all`` units (supported), else partly supported
    naming the provinces below and above."""
    below_all = all(urban[k] < urban["all"] for k in CYG_PROVINCES)
    if below_all:
        verdict = "supported"
    else:
        verdict = "partly supported: " + "; ".join(
            f"{', '.join(names) if names else 'none'} {word}" for word, names in [
                ("below", [n for k, n in CYG_PROVINCES.items() if urban[k] < urban["all"]]),
                ("above", [n for k, n in CYG_PROVINCES.items() if urban[k] >= urban["all"]])])
    return Verdict(
        "p000_urbanisation_below_national", verdict,
        f"2020 census (nearest to {claim_year}), urban share of residents: Sichuan {urban['四川省']:.1%}, "
        f"Chongqing {urban['重庆市']:.1%}, Guizhou {urban['贵州省']:.1%}; all prefecture-level units "
        f"with both counts {urban['all']:.1%}",
        rule="descriptive_measure",
        would_change=(f"the urbanisation rates of {claim_year} itself (the census is of 2020) or the national "
                      "rate of the yearbook instead of the sum over units with both counts"))


def income_below_national_verdict() -> Verdict:
    """Verdict on p000_income_below_national: not testable (no source has disposable income)."""
    return Verdict(
        "p000_income_below_national",
        "not testable with our data: no source has residents' disposable income",
        "the registered sources carry GDP, population, wages and sector output, but no "
        "per-capita disposable income (人均可支配收入)",
        rule="not_testable",
        would_change="provincial series of residents' per-capita disposable income (人均可支配收入, statistical yearbooks)")


def middle_collapse_row(evidence: CygEvidence, claim_year: int) -> dict:
    """The chapter's table row of evidence for p000_middle_collapse (verdict in chapter 4): how
    many other Chengdu–Chongqing cities are below the poorer core's GDP per head, the best of
    them and all of them together as a share of the cores."""
    return {"paper": "000",
            "claim (our words)": "no other Chengdu–Chongqing city comes near the two cores (evidence for p000_middle_collapse; verdict in chapter 4)",
            "evidence": f"{claim_year}: {evidence.n_noncore_below} of {evidence.n_noncore} other cities below the poorer core; "
                        f"best {evidence.noncore_best_ratio:.0%} of it; all others together {evidence.noncore_to_cores:.0%} of the cores",
            "verdict": "see chapter 4"}


def chapter_verdicts(hebei: HebeiEvidence, cyg: CygEvidence, claim_year: int, paper_year: int,
                     first: int, last: int, near: float, first_release: Mapping | None = None) -> list[Verdict]:
    """The chapter's verdicts in the order of its table (sections in :data:`VERDICT_SECTIONS`);
    ``first_release``: :func:`first_release_ratios` in the paper's year (the vintage it printed)."""
    return [guiyang_ratio_verdict(cyg.gy_cd, cyg.gy_cq, claim_year),
            hebei_ratio_verdict(hebei, paper_year, first, last, near, first_release),
            jjj_convergence_verdict(hebei, paper_year),
            pc_below_national_verdict(cyg.provinces, claim_year),
            urbanisation_below_national_verdict(cyg.urban, claim_year),
            income_below_national_verdict()]


def exercise_values(clusters: Sequence[str], results: pd.DataFrame,
                    contributions: pd.DataFrame | None, full_panel: pd.DataFrame,
                    claim_year: int) -> dict:
    """Values of the chapter's exercise solutions: the absolute β slope of Beijing–Tianjin–Hebei,
    its SE and 95 % interval (:func:`convergence_table`; NaN when not chosen) and in words
    (``ex_jjj_b_sentence``, which says so when the cluster is not chosen), the largest within-cluster contribution to the Theil index
    in the last year (:func:`between_cluster_decomposition`) in a sentence, and Guiyang's GDP per
    head over Chengdu's and Chongqing's in ``claim_year`` with the order of the three."""
    from cityclusters.data.names import short_name

    values: dict = {}
    if "jingjinji" in clusters:
        by = results.set_index(["cluster_id", "measure"])
        values["ex_jjj_b"] = float(by.loc[("jingjinji", "beta_absolute"), "estimate"])
        values["ex_jjj_b_se"] = float(by.loc[("jingjinji", "beta_absolute"), "std_error"])
        values["ex_jjj_b_interval"] = interval_text(by.loc[("jingjinji", "beta_absolute"), "ci_low"],
                                                    by.loc[("jingjinji", "beta_absolute"), "ci_high"], fmt="{:.4f}")
        values["ex_jjj_b_sentence"] = (f"is {values['ex_jjj_b']:.4f} (95 % interval "
                                       f"{values['ex_jjj_b_interval']}, wild bootstrap)")
    else:
        values["ex_jjj_b"] = float("nan")
        values["ex_jjj_b_se"] = float("nan")
        values["ex_jjj_b_interval"] = "not estimated (Beijing–Tianjin–Hebei not chosen)"
        values["ex_jjj_b_sentence"] = ("is not estimated in this run, whose clusters do not include "
                                       "Beijing–Tianjin–Hebei (add `jingjinji` to `CLUSTERS` to estimate it)")
    if contributions is not None:
        last = contributions[contributions["year"] == contributions["year"].max()].set_index("cluster_id")
        top_c = last["contribution"].idxmax()
        values["ex_top_sentence"] = (
            f"In {int(contributions['year'].max())} the largest within-cluster contribution comes from "
            f"{cluster_name(top_c)}: {last.at[top_c, 'contribution']:.4f}, i.e. {last.at[top_c, 'share_of_total']:.0%} "
            f"of the total Theil index, while the cluster holds {last.at[top_c, 'population_share']:.0%} "
            f"of the population and {last.at[top_c, 'income_share']:.0%} of the GDP of the chosen cities.")
    else:
        values["ex_top_sentence"] = "With one cluster chosen, the whole index is within that cluster."
    cy = full_panel[full_panel["year"] == claim_year].set_index("city_code")
    values["ex_gy_cd_pc"] = float(cy.at[GUIYANG, "gdp_per_capita"] / cy.at[CHENGDU, "gdp_per_capita"])
    values["ex_gy_cq_pc"] = float(cy.at[GUIYANG, "gdp_per_capita"] / cy.at[CHONGQING, "gdp_per_capita"])
    order = cy.loc[[CHONGQING, CHENGDU, GUIYANG], "gdp_per_capita"].sort_values(ascending=False)
    values["ex_pc_order"] = " > ".join(bilingual(short_name(cy.at[c, "name_zh"]), cy.at[c, "name_pinyin"])
                                       for c in order.index)
    return values


def first_release_ratios(yearbook: pd.DataFrame, full_panel: pd.DataFrame, year: int,
                         hebei_codes: Sequence[int]) -> dict:
    """Hebei's GDP per head over Beijing's and Tianjin's in ``year`` with GDP of **one vintage,
    the first release** (section sec-ch3-jjj).

    Paper 003 printed its 2014 ratios from the first-release figures; the book's panel mixes
    vintages across the three (Beijing's GDP back-revised after the 2018 economic census,
    Tianjin's not). Here every GDP is the one printed in the City Statistical Yearbook edition
    ``year`` + 1 (``yearbook``: :func:`cityclusters.data.tables.city_year_yearbook`, variable
    ``gdp``, scope 全市, 亿元), and every population the panel's resident population of ``year``
    (one series for all three; the yearbook of that edition prints only registered
    population). Hebei = Σ GDP of its prefectures / Σ their population, as
    :func:`regional_per_capita`.

    Returns ``to_beijing``, ``to_tianjin`` (fractions), ``edition`` and ``year``. Raises
    :class:`MethodInputError` naming the city when a first-release GDP is missing.

    >>> yb = pd.DataFrame({"city_code": [110100, 120100, 130100], "year": 2014, "edition": 2015,
    ...                    "scope": "全市", "variable": "gdp", "value": [200.0, 150.0, 40.0]})
    >>> panel = pd.DataFrame({"city_code": [110100, 120100, 130100], "year": 2014,
    ...                       "population": [20.0, 15.0, 10.0], "gdp": [210.0, 140.0, 40.0]})
    >>> first_release_ratios(yb, panel, 2014, [130100])
    {'year': 2014, 'edition': 2015, 'to_beijing': 0.4, 'to_tianjin': 0.4}
    """
    codes = [BEIJING, TIANJIN, *hebei_codes]
    printed = yearbook[(yearbook["variable"] == "gdp") & (yearbook["scope"] == "全市")
                       & (yearbook["year"] == year) & (yearbook["edition"] == year + 1)]
    printed = printed.drop_duplicates("city_code").set_index("city_code")["value"]
    missing = [c for c in codes if c not in printed.index]
    if missing:
        raise MethodInputError(f"yearbook: no first-release GDP (edition {year + 1}, scope 全市) for "
                               f"city_code {missing} in {year}")
    panel = full_panel[(full_panel["year"] == year) & full_panel["city_code"].isin(codes)]
    panel = panel[["city_code", "year", "population"]].assign(gdp=lambda f: f["city_code"].map(printed))
    per_head = regional_per_capita(panel, {"hebei": hebei_codes, "beijing": [BEIJING], "tianjin": [TIANJIN]},
                                   first=year, last=year).iloc[0]
    return {"year": int(year), "edition": int(year + 1),
            "to_beijing": float(per_head["hebei"] / per_head["beijing"]),
            "to_tianjin": float(per_head["hebei"] / per_head["tianjin"])}
