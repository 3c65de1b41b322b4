"""Assembly for chapter 06: industrial convergence (产业同构) and market segmentation (市场分割).

The formulas live in :mod:`cityclusters.indicators.structure` (UNIDO similarity, Krugman
index) and :mod:`cityclusters.indicators.market` (relative-price volatility, Engel–Rogers
border regression). This module turns the city–year panel of
:func:`cityclusters.data.tables.city_year` into their inputs and collects their outputs:

- :func:`sector_levels` — a units × sectors table of value added (亿元) for one year;
- :func:`structure_trends` — mean pairwise similarity S and Krugman K per cluster and year;
- :func:`trend_per_decade` — the linear trend of such a series (per 10 years);
- :func:`structure_order` / :func:`core_vs_regional` — the "3-2-1" vs "2-3-1" ordering;
- :func:`province_sector_shares` — province totals summed from their prefecture-level units;
- :func:`province_structure` — S and K between province aggregates by year;
- :func:`validate_split_year`, :func:`period_windows` — the before/after split;
- :func:`deflator_pair_volatility` — relative-price volatility of city pairs by period;
- :func:`border_effects` — the border regression per cluster and period.

What the chapter shows is assembled by :func:`structure_summary`,
:func:`similarity_matrix_summary`, :func:`core_regional_claim`, :func:`beijing_services`,
:func:`primary_share_claim`, :func:`mid_yangtze_convergence`, :func:`border_analysis`,
:func:`border_table`, :func:`period_comparison`, :func:`interpretation` and
:func:`segmentation_verdict`: they return the prose values (glue name → value), the tables and
the :class:`~cityclusters.analysis.verdicts.Verdict` on each claim.

Sources: G-P compilation (sector value added, GDP deflators 2000 = 1; ``data_gp``); city
coordinates of Ma & Tang (2024) via :func:`cityclusters.data.tables.cities`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters.analysis.verdicts import Verdict
from cityclusters.analysis.wording import count_phrase, n_noun
from cityclusters.errors import MethodInputError
from cityclusters.indicators import market, structure

#: The three sectors of the panel, as value-added columns (亿元, current prices).
SECTOR_COLUMNS = ("va_primary", "va_secondary", "va_tertiary")
#: Digit of each sector in the "3-2-1" notation of the Chinese literature.
SECTOR_DIGITS = {"va_primary": "1", "va_secondary": "2", "va_tertiary": "3",
                 "share_primary": "1", "share_secondary": "2", "share_tertiary": "3"}


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise MethodInputError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MethodInputError(f"{name}: missing column(s) {missing}; has {list(frame.columns)}")


def _negative_check(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    for column in columns:
        bad = frame.index[frame[column] < 0]
        if len(bad):
            raise MethodInputError(f"{name}: column {column!r} is negative at rows {list(bad[:5])}")


# ---------------------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------------------

def sector_levels(panel: pd.DataFrame, year: int, unit: str = "city_code",
                  sectors: Sequence[str] = SECTOR_COLUMNS) -> tuple[pd.DataFrame, list]:
    """Units × sectors value added for one year, and the units left out for missing values.

    Parameters
    ----------
    panel : DataFrame
        Long table with ``unit``, ``year`` and the ``sectors`` columns (value added, 亿元).
    year : int
    unit : str
        Column naming the unit (city code, province).
    sectors : sequence of str

    Returns
    -------
    (DataFrame, list)
        The levels (index = unit, columns = sectors; units with any missing sector dropped)
        and the list of dropped units, so that the caller can report coverage.

    Raises
    ------
    MethodInputError
        Missing columns, a unit listed twice in the year, negative value added (naming
        the row and column).
    """
    _require(panel, [unit, "year", *sectors], "panel")
    rows = panel[panel["year"] == year]
    dup = rows[unit].duplicated(keep=False)
    if dup.any():
        raise MethodInputError(f"panel: {unit} {sorted(set(rows.loc[dup, unit]))[:5]} appear "
                               f"more than once in year {year}")
    _negative_check(rows, sectors, "panel")
    complete = rows[list(sectors)].notna().all(axis=1)
    dropped = rows.loc[~complete, unit].tolist()
    return rows.loc[complete].set_index(unit)[list(sectors)].astype(float), dropped


def structure_trends(panel: pd.DataFrame, group: str = "cluster_id", unit: str = "city_code",
                     sectors: Sequence[str] = SECTOR_COLUMNS) -> pd.DataFrame:
    """Mean pairwise structure similarity and Krugman index per group (cluster) and year.

    For each group g and year t, with the group's units that report every sector:

    .. math::

        \\bar S_{gt} = \\frac{2}{n(n-1)} \\sum_{i<j} S_{ij},\\qquad
        \\bar K_{gt} = \\frac{2}{n(n-1)} \\sum_{i<j} K_{ij},

    S the UNIDO similarity (cosine of the sector-share vectors, in [0, 1]) and K the
    Krugman index (sum of absolute share differences, in [0, 2]) of
    :mod:`cityclusters.indicators.structure`; shares are each unit's value added by
    sector over the sum of its three sectors (``levels=True``).

    Parameters
    ----------
    panel : DataFrame
        Long table with ``group``, ``unit``, ``year`` and ``sectors`` (value added, 亿元).
    group, unit : str
    sectors : sequence of str

    Returns
    -------
    DataFrame
        Columns ``group, year, n_units, n_missing, mean_similarity, mean_krugman``;
        groups/years with fewer than two complete units get NaN measures.

    Source: UNIDO similarity and Krugman (1991) as in :mod:`cityclusters.indicators.structure`.
    """
    _require(panel, [group, unit, "year", *sectors], "panel")
    rows = []
    for (label, year), part in panel.groupby([group, "year"], sort=True):
        levels, dropped = sector_levels(part, int(year), unit=unit, sectors=sectors)
        row = {group: label, "year": int(year), "n_units": len(levels), "n_missing": len(dropped),
               "mean_similarity": np.nan, "mean_krugman": np.nan}
        if len(levels) >= 2:
            row["mean_similarity"] = structure.mean_pairwise(structure.structure_similarity(levels, levels=True))
            row["mean_krugman"] = structure.mean_pairwise(structure.krugman_specialisation(levels, levels=True))
        rows.append(row)
    return pd.DataFrame(rows)


def trend_per_decade(years, values) -> dict:
    """Least-squares linear trend of a yearly series, expressed per 10 years.

    .. math:: y_t = a + b\\,t + e_t, \\qquad \\text{trend} = 10\\,\\hat b

    Returns ``{"trend": 10·b, "se": 10·se(b), "p_value": p, "n": n}`` (missing values are
    left out; the unit is that of ``values`` per decade). Plain OLS standard error: with
    serially correlated yearly values it is too small, so read it as descriptive.

    Raises
    ------
    MethodInputError
        Fewer than three non-missing years, or years and values of different lengths.
    """
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if years.shape != values.shape:
        raise MethodInputError(f"trend_per_decade: {len(years)} years but {len(values)} values")
    keep = np.isfinite(years) & np.isfinite(values)
    if keep.sum() < 3:
        raise MethodInputError(f"trend_per_decade: needs at least 3 non-missing years, got {int(keep.sum())}")
    fit = stats.linregress(years[keep], values[keep])
    return {"trend": float(10 * fit.slope), "se": float(10 * fit.stderr), "p_value": float(fit.pvalue),
            "n": int(keep.sum())}


def structure_order(shares: pd.DataFrame, sectors: Sequence[str] = SECTOR_COLUMNS) -> pd.Series:
    """The "3-2-1" code of each row: sector digits ordered by falling share.

    Digits: 1 = primary, 2 = secondary, 3 = tertiary (the notation of the Chinese
    literature, e.g. "三二一" = tertiary > secondary > primary). Levels or shares give the same
    code. Ties are broken in the order tertiary, secondary, primary.

    Raises
    ------
    MethodInputError
        A missing or negative value (naming the row).
    """
    _require(shares, list(sectors), "shares")
    frame = shares[list(sectors)]
    bad = frame.index[frame.isna().any(axis=1)]
    if len(bad):
        raise MethodInputError(f"shares: missing sector value at rows {list(bad[:5])}")
    _negative_check(frame, sectors, "shares")
    digits = [SECTOR_DIGITS[s] for s in sectors]
    codes = []
    for values in frame.to_numpy():
        order = sorted(range(len(digits)), key=lambda k: (-values[k], -int(digits[k])))
        codes.append("-".join(digits[k] for k in order))
    return pd.Series(codes, index=frame.index, name="order")


def core_vs_regional(panel: pd.DataFrame, year: int, cores: Sequence, unit: str = "city_code"):
    """Sector ordering of core cities and of the other members in one year.

    Parameters
    ----------
    panel : DataFrame
        One cluster's rows (``unit``, ``year``, ``va_*``, ``share_secondary``,
        ``share_tertiary``).
    year : int
    cores : sequence
        Units of the core cities (e.g. the codes of Chengdu and Chongqing).

    Returns
    -------
    DataFrame
        One row per unit with ``core`` (bool), ``share_secondary``, ``share_tertiary``
        (fractions of the sum of the three sectors) and ``order`` (e.g. "3-2-1").

    Raises
    ------
    MethodInputError
        A core not in the panel that year; missing sector values.
    """
    levels, dropped = sector_levels(panel, year, unit=unit)
    absent = [c for c in cores if c not in levels.index]
    if absent:
        raise MethodInputError(f"panel: core unit(s) {absent} have no complete sector data in {year}")
    shares = levels.div(levels.sum(axis=1), axis=0)
    out = pd.DataFrame({"core": shares.index.isin(list(cores)),
                        "share_secondary": shares["va_secondary"],
                        "share_tertiary": shares["va_tertiary"],
                        "order": structure_order(levels)}, index=shares.index)
    out.attrs["dropped"] = dropped
    return out


def province_sector_shares(panel: pd.DataFrame, provinces: Sequence[str] | None = None,
                           province: str = "province_zh", unit: str = "city_code",
                           sectors: Sequence[str] = SECTOR_COLUMNS) -> pd.DataFrame:
    """Province totals of value added by sector, summed over their prefecture-level units.

    .. math:: s_{kpt} = \\frac{\\sum_{c \\in p} VA_{kct}}{\\sum_{k'} \\sum_{c \\in p} VA_{k'ct}}

    Only units with all sectors reported in year t enter the sums. This is *our*
    aggregation: it differs from the provincial accounts, which are compiled separately
    (the sum of prefectures' GDP usually exceeds the provincial GDP) and include
    county-level units outside any prefecture (e.g. 仙桃, 潜江, 天门 in Hubei).

    Returns
    -------
    DataFrame
        Columns ``province, year, n_units, n_missing`` and, per sector, the summed value
        added (亿元) and the share (``share_<sector without va_>``).

    Raises
    ------
    MethodInputError
        Missing columns; a requested province with no units in the panel.
    """
    _require(panel, [province, unit, "year", *sectors], "panel")
    if provinces is not None:
        unknown = [p for p in provinces if p not in set(panel[province])]
        if unknown:
            raise MethodInputError(f"panel: province(s) {unknown} not found in column {province!r}")
        panel = panel[panel[province].isin(provinces)]
    _negative_check(panel, sectors, "panel")
    complete = panel[list(sectors)].notna().all(axis=1)
    work = panel.assign(_complete=complete)
    grouped = work.groupby([province, "year"], sort=True)
    out = grouped["_complete"].agg(n_units="sum", n_missing=lambda s: int((~s).sum())).reset_index()
    sums = work[complete].groupby([province, "year"])[list(sectors)].sum()
    out = out.merge(sums.reset_index(), on=[province, "year"], how="left")
    total = out[list(sectors)].sum(axis=1)
    for sector in sectors:
        out["share_" + sector.removeprefix("va_")] = out[sector] / total.where(total > 0)
    return out.rename(columns={province: "province"})


def province_structure(shares: pd.DataFrame, sectors: Sequence[str] = SECTOR_COLUMNS) -> pd.DataFrame:
    """Mean pairwise S and K between province aggregates, by year.

    Input: the output of :func:`province_sector_shares`. Returns columns ``year,
    n_provinces, mean_similarity, mean_krugman`` (see :func:`structure_trends`).
    """
    _require(shares, ["province", "year", *sectors], "shares")
    return structure_trends(shares.assign(_all="all"), group="_all", unit="province",
                            sectors=sectors).drop(columns="_all").rename(
        columns={"n_units": "n_provinces"})


# ---------------------------------------------------------------------------------------
# market segmentation
# ---------------------------------------------------------------------------------------

def validate_split_year(first_year: int, last_year: int, split_year: int,
                        min_changes: int = 3) -> None:
    """Refuse a split year that leaves a period with fewer than ``min_changes`` annual changes.

    The first period has the annual changes ending in FIRST_YEAR+1 … SPLIT_YEAR−1, the
    second those ending in SPLIT_YEAR … LAST_YEAR.
    """
    if isinstance(split_year, bool) or not isinstance(split_year, int):
        raise ValueError(f"SPLIT_YEAR must be an integer year; got {split_year!r}")
    low, high = first_year + 1 + min_changes, last_year - min_changes + 1
    if not low <= split_year <= high:
        raise ValueError(f"SPLIT_YEAR must leave at least {min_changes} annual changes in each "
                         f"period: need {low} <= SPLIT_YEAR <= {high} for "
                         f"FIRST_YEAR={first_year}, LAST_YEAR={last_year}; got {split_year}")


def period_windows(first_year: int, last_year: int, split_year: int) -> dict[str, tuple[int, int]]:
    """Year windows (of levels) of the whole span and of the two periods.

    The second window starts at SPLIT_YEAR−1 so that its first annual change ends in
    SPLIT_YEAR: the two periods share no change and together make up the whole span.
    Keys are labels such as ``"2000–2011"`` (years of the changes' end points).
    """
    validate_split_year(first_year, last_year, split_year, min_changes=1)
    return {
        f"{first_year}–{last_year}": (first_year, last_year),
        f"{first_year}–{split_year - 1}": (first_year, split_year - 1),
        f"{split_year}–{last_year}": (split_year - 1, last_year),
    }


def _longest_run(years: np.ndarray) -> np.ndarray:
    """The longest run of consecutive years (the latest one on a tie)."""
    years = np.sort(years)
    breaks = np.where(np.diff(years) != 1)[0] + 1
    runs = np.split(years, breaks)
    best = max(runs, key=lambda r: (len(r), r[-1]))
    return best


def deflator_pair_volatility(panel: pd.DataFrame, cities: pd.DataFrame,
                             windows: dict[str, tuple[int, int]], group: str = "cluster_id",
                             min_years: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Relative-price volatility of every within-cluster city pair, per period.

    For cities i, j of one cluster and a window of years:

    .. math:: V_{ij} = \\operatorname{sd}_t\\,[\\Delta \\ln(P_{it}/P_{jt})]

    with P the city GDP deflator (2000 = 1; column ``gdp_deflator``), via
    :func:`cityclusters.indicators.market.relative_price_volatility`; distance and the
    cross-province flag via :func:`cityclusters.indicators.market.city_pairs`.

    A city enters a window with its longest run of consecutive years with a deflator, if it
    has at least ``min_years`` of them (two annual changes); the others are reported.

    Parameters
    ----------
    panel : DataFrame
        ``group``, ``city_code``, ``province_zh``, ``year``, ``gdp_deflator``.
    cities : DataFrame
        ``city_code``, ``lon``, ``lat`` (decimal degrees).
    windows : dict
        Label → (first, last) year, e.g. from :func:`period_windows`.

    Returns
    -------
    (DataFrame, DataFrame)
        Pairs: ``group, period, city_i, city_j, province_i, province_j, distance_km,
        cross_province, volatility, n_changes``. Left out: ``group, period, city_code,
        years_with_deflator, reason``.

    Raises
    ------
    MethodInputError
        Missing columns; a city without coordinates (naming the city).
    """
    _require(panel, [group, "city_code", "province_zh", "year", "gdp_deflator"], "panel")
    _require(cities, ["city_code", "lon", "lat"], "cities")
    coords = cities.drop_duplicates("city_code").set_index("city_code")[["lon", "lat"]]
    pairs_out, left_out = [], []
    for label, (first, last) in windows.items():
        for cluster, part in panel.groupby(group, sort=False):
            part = part[part["year"].between(first, last)]
            keep_rows = []
            for code, rows in part.groupby("city_code"):
                years = rows.loc[rows["gdp_deflator"].notna(), "year"].to_numpy()
                run = _longest_run(years) if len(years) else years
                if len(run) < min_years:
                    left_out.append({group: cluster, "period": label, "city_code": code,
                                     "years_with_deflator": len(years),
                                     "reason": f"fewer than {min_years} consecutive years"})
                    continue
                keep_rows.append(rows[rows["year"].isin(run)])
            if len(keep_rows) < 2:
                continue
            kept = pd.concat(keep_rows)
            members = kept.drop_duplicates("city_code")[["city_code", "province_zh"]]
            no_xy = [c for c in members["city_code"] if c not in coords.index
                     or coords.loc[c].isna().any()]
            if no_xy:
                raise MethodInputError(f"cities: no lon/lat for city_code {no_xy} (cluster {cluster})")
            members = members.join(coords, on="city_code")
            pairs = market.city_pairs(members, province="province_zh")
            vol = market.relative_price_volatility(
                kept.rename(columns={"city_code": "city", "gdp_deflator": "deflator"}),
                pairs=pairs)
            vol.insert(0, "period", label)
            vol.insert(0, group, cluster)
            pairs_out.append(vol)
    pairs_df = pd.concat(pairs_out, ignore_index=True) if pairs_out else pd.DataFrame()
    left_df = pd.DataFrame(left_out, columns=[group, "period", "city_code", "years_with_deflator", "reason"])
    return pairs_df, left_df


def border_effects(pairs: pd.DataFrame, group: str = "cluster_id") -> pd.DataFrame:
    """Engel–Rogers border regression for every group and period of a pair table.

    .. math:: V_{ij} = \\alpha + \\beta \\ln d_{ij} + \\gamma B_{ij} + u_{ij}

    via :func:`cityclusters.indicators.market.border_effect_regression` with dyadic-robust
    standard errors (pairs that share a city may be correlated; t(G−1), G cities). The
    border is worth exp(γ/β) km of distance when β > 0.

    Returns
    -------
    DataFrame
        One row per group and period: ``n_cities, n_pairs, n_cross, mean_within,
        mean_cross`` (mean volatility of within- and cross-province pairs), ``beta, beta_se,
        gamma, gamma_se, gamma_p, gamma_ci_low, gamma_ci_high, border_km, border_km_low,
        border_km_high, note``; the distance equivalent only when β > 0 and γ > 0. A group without both kinds of pair (one province, or no
        within-province pair) gets no regression and says so in ``note``.
    """
    _require(pairs, [group, "period", "city_i", "city_j", "volatility", "distance_km",
                     "cross_province"], "pairs")
    rows = []
    for (cluster, period), part in pairs.groupby([group, "period"], sort=False):
        n_cross = int(part["cross_province"].sum())
        row = {group: cluster, "period": period,
               "n_cities": len(set(part["city_i"]) | set(part["city_j"])),
               "n_pairs": len(part), "n_cross": n_cross,
               "mean_within": part.loc[part["cross_province"] == 0, "volatility"].mean(),
               "mean_cross": part.loc[part["cross_province"] == 1, "volatility"].mean()}
        empty = dict.fromkeys(["beta", "beta_se", "gamma", "gamma_se", "gamma_p", "gamma_ci_low",
                               "gamma_ci_high", "border_km", "border_km_low", "border_km_high"], np.nan)
        if n_cross == 0 or n_cross == len(part):
            row.update(empty, note="no border variation (all pairs on one side)")
            rows.append(row)
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fit = market.border_effect_regression(part.reset_index(drop=True), cluster="city")
        se_note = ("; dyadic SE of the border term not estimable (negative variance estimate: "
                   "the cross-province pairs share too few cities)"
                   if any("negative variance" in str(w.message) for w in caught) else "")
        b, g = fit.coefficient("ln_distance"), fit.coefficient("cross_province")
        st = fit.statistics
        row.update(beta=b["estimate"], beta_se=b["std_error"], gamma=g["estimate"],
                   gamma_se=g["std_error"], gamma_p=g["p_value"], gamma_ci_low=g["ci_low"],
                   gamma_ci_high=g["ci_high"])
        if st.get("border_distance_km") is not None and row["gamma"] <= 0:
            row.update(border_km=np.nan, border_km_low=np.nan, border_km_high=np.nan,
                       note="γ ≤ 0: cross-province pairs are not more volatile" + se_note)
        elif st.get("border_distance_km") is not None:
            low, high = st["border_distance_ci"]
            row.update(border_km=st["border_distance_km"], border_km_low=low, border_km_high=high,
                       note=se_note.removeprefix("; "))
        else:
            row.update(border_km=np.nan, border_km_low=np.nan, border_km_high=np.nan,
                       note="volatility does not rise with distance (β ≤ 0): no distance equivalent"
                       + se_note)
        rows.append(row)
    return pd.DataFrame(rows)


def format_border_km(km: float, low: float, high: float, cap: float = 1e5) -> str:
    """Display a border distance-equivalent with its interval, e.g. ``"120 [35, 410]"``.

    Missing values (no equivalent, or an SE that could not be estimated) give "–" or the
    estimate alone; bounds beyond ``cap`` km (wider than any distance in China, i.e. the
    interval is unbounded for practical purposes) are shown as "> cap".
    """
    if km is None or not np.isfinite(km):
        return "–"
    def show(x: float) -> str:
        return f"> {cap:,.0f}" if x > cap else f"{x:,.0f}"
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return f"{show(km)} [no CI]"
    return f"{show(km)} [{low:,.0f}, {show(high)}]"


# ---------------------------------------------------------------------------------------
# chapter assembly: the values, tables and verdicts the chapter shows
# ---------------------------------------------------------------------------------------

#: City codes of the two cores of Chengdu–Chongqing (paper 001).
CHENGDU, CHONGQING = 510100, 500100
#: Year at which paper 001 (2018) is tested: the cores vs the regional centres.
P001_YEAR = 2017
#: Beijing's city code and the year at which paper 003 (2016) is tested.
BEIJING, P003_YEAR = 110100, 2014
#: Year at which paper 000's primary share of Sichuan and Guizhou is tested.
P000_YEAR = 2019
#: Provinces of the Middle Yangtze cluster (paper 004).
MID_YANGTZE_PROVINCES = ("湖北省", "湖南省", "江西省")
#: Annual change of ln(GDP deflator) beyond which a change is counted as "large" (15 %).
DL_THRESHOLD = 0.15


def structure_summary(trends: pd.DataFrame, clusters: Sequence[str],
                      names: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """First/last values and linear trends of the cluster-mean S and K, and the prose numbers.

    Parameters
    ----------
    trends : DataFrame
        Output of :func:`structure_trends` (``cluster_id, year, n_units, n_missing,
        mean_similarity, mean_krugman``).
    clusters : sequence of str
        Cluster ids, in the order of the table.
    names : dict
        Cluster id → display name.

    Returns
    -------
    (DataFrame, dict)
        One row per cluster: ``cluster, id, S first, S last, K first, K last,
        K trend / 10 y, S trend / 10 y`` (S in [0, 1], K in [0, 2], trends per decade by
        :func:`trend_per_decade`); and the values for the prose: city-years used/missing,
        the lowest cluster-mean S, the number of clusters whose K trend is negative
        (``n_k_fell``; in words ``k_fell_phrase``), the cluster with the steepest K trend (``fastest_*``, with
        ``fastest_direction`` "fell"/"rose") and the one with the highest last K
        (``most_diverse_*``), both in sentences that read right for one cluster
        (``k_trend_sentences``: no superlatives when there is nothing to compare).
    """
    rows = []
    for c in clusters:
        t = trends[trends["cluster_id"] == c].set_index("year")
        k_trend = trend_per_decade(t.index, t["mean_krugman"])
        s_trend = trend_per_decade(t.index, t["mean_similarity"])
        rows.append({"cluster": names[c], "id": c,
                     "S first": t["mean_similarity"].iloc[0], "S last": t["mean_similarity"].iloc[-1],
                     "K first": t["mean_krugman"].iloc[0], "K last": t["mean_krugman"].iloc[-1],
                     "K trend / 10 y": k_trend["trend"], "S trend / 10 y": s_trend["trend"]})
    table = pd.DataFrame(rows)
    fastest = table.sort_values("K trend / 10 y").iloc[0]
    most_diverse = table.sort_values("K last").iloc[-1]
    values = {
        "n_city_years_used": int(trends["n_units"].sum()),
        "n_city_years_missing": int(trends["n_missing"].sum()),
        "min_mean_similarity": float(trends["mean_similarity"].min()),
        "n_k_fell": int((table["K trend / 10 y"] < 0).sum()),
        "k_fell_phrase": count_phrase(int((table["K trend / 10 y"] < 0).sum()), len(table), "cluster"),
        "fastest_cluster": fastest["cluster"],
        "fastest_k_first": float(fastest["K first"]),
        "fastest_k_last": float(fastest["K last"]),
        "fastest_k_trend": float(fastest["K trend / 10 y"]),
        "fastest_direction": "fell" if fastest["K trend / 10 y"] < 0 else "rose",
        "most_diverse_cluster": most_diverse["cluster"],
        "most_diverse_k": float(most_diverse["K last"]),
    }
    trend = (f"K went from {fastest['K first']:.3f} to {fastest['K last']:.3f} (linear trend "
             f"{fastest['K trend / 10 y']:+.3f} per decade)")
    values["k_trend_sentences"] = (
        f"In {fastest['cluster']} {trend}." if len(table) == 1 else
        f"The steepest trend is in {fastest['cluster']}, where {trend}. In the last year the most diverse "
        f"cluster is {most_diverse['cluster']} (K = {most_diverse['K last']:.3f}).")
    return table, values


def structure_table_for_display(table: pd.DataFrame, first_year: int,
                                last_year: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table of :func:`structure_summary` as shown: years in the column names, without
    the id and S-trend columns; returns the frame and its column formats."""
    shown = table.drop(columns=["id", "S trend / 10 y"]).rename(columns={
        "S first": f"S {first_year}", "S last": f"S {last_year}",
        "K first": f"K {first_year}", "K last": f"K {last_year}"})
    formats = {f"S {first_year}": "{:.3f}", f"S {last_year}": "{:.3f}", f"K {first_year}": "{:.3f}",
               f"K {last_year}": "{:.3f}", "K trend / 10 y": "{:+.3f}"}
    return shown, formats


def similarity_matrix_summary(panel: pd.DataFrame, year: int, city_name) -> tuple[pd.DataFrame, dict]:
    """The city × city similarity matrix of one cluster and year, and its most different pair.

    Parameters
    ----------
    panel : DataFrame
        One cluster's rows of the city–year panel (``city_code``, ``year``, ``va_*`` in 亿元).
    year : int
    city_name : callable
        City code → display label.

    Returns
    -------
    (DataFrame, dict)
        S (UNIDO similarity on value-added shares) with rows and columns ordered by falling
        tertiary share; and ``heat_n_dropped`` (cities without complete sector data),
        ``heat_top_pair`` (the pair with the largest Krugman index K), ``heat_top_k``,
        ``heat_top_s``.
    """
    levels, dropped = sector_levels(panel, year)
    sim = structure.structure_similarity(levels, levels=True)
    kr = structure.krugman_specialisation(levels, levels=True)
    order = list(levels.div(levels.sum(axis=1), axis=0)["va_tertiary"].sort_values(ascending=False).index)
    sim = sim.loc[order, order]
    k_pairs = kr.where(np.triu(np.ones(kr.shape, dtype=bool), k=1)).stack()
    top_pair = k_pairs.idxmax()
    values = {"heat_n_dropped": len(dropped), "heat_dropped_cities": n_noun(len(dropped), "city"),
              "heat_top_pair": f"{city_name(top_pair[0])} – {city_name(top_pair[1])}",
              "heat_top_k": float(k_pairs.max()),
              "heat_top_s": float(sim.loc[top_pair[0], top_pair[1]])}
    return sim, values


def first_lasting_tertiary_lead(city: pd.DataFrame):
    """First year from which tertiary value added stays above secondary in every later year.

    ``city``: one unit's rows indexed by year with ``va_secondary`` and ``va_tertiary``.
    Returns the year, or None when the lead never lasts to the end of the series.
    """
    above = city.index[city["va_tertiary"] > city["va_secondary"]]
    stays = [y for y in above if (city.loc[y:, "va_tertiary"] > city.loc[y:, "va_secondary"]).all()]
    return min(stays) if stays else None


def core_regional_verdict(cores_321: bool, n_other_231: int, n_other: int, year: int,
                          core_orders: str) -> Verdict:
    """Verdict on paper 001's claim: the cores are "3-2-1", the regional centres "2-3-1".

    Supported when every core is 3-2-1 and at least three quarters of the other members are
    2-3-1; otherwise partly supported, saying which half fails.
    """
    verdict = ("supported" if cores_321 and n_other_231 >= 0.75 * n_other else
               "partly supported: " + ("cores are 3-2-1 but fewer than three quarters of the others are 2-3-1"
                                       if cores_321 else "not both cores are 3-2-1"))
    return Verdict("p001_core_vs_regional_structure", verdict,
                   f"{year}: cores {core_orders}; "
                   f"{n_other_231} of {n_other} other members 2-3-1 (Chongqing as a whole municipality)",
                   rule="descriptive_measure",
                   would_change="another year, or the seven regional centres named by the plan instead of all other members")


def core_regional_claim(cluster_panel: pd.DataFrame, short_names, year: int = P001_YEAR,
                        cores: Sequence = (CHENGDU, CHONGQING)) -> tuple[pd.DataFrame, dict, Verdict]:
    """Paper 001: sector ordering of Chengdu and Chongqing against the other members.

    Parameters
    ----------
    cluster_panel : DataFrame
        The Chengdu–Chongqing members' rows of the city–year panel (all years).
    short_names : mapping
        City code → short Chinese name (for the prose).
    year : int
    cores : sequence
        (Chengdu, Chongqing) city codes; the gap and the crossing years are reported for
        these two.

    Returns
    -------
    (DataFrame, dict, Verdict)
        :func:`core_vs_regional` of ``year``; the ``p001_*`` prose values (orderings,
        counts, Chongqing's tertiary minus secondary share as a fraction of value added,
        first year of a lasting tertiary lead or "never"); the verdict of
        :func:`core_regional_verdict`.
    """
    cvr = core_vs_regional(cluster_panel, year, list(cores))
    others = cvr[~cvr["core"]]
    cores_321 = bool((cvr.loc[cvr["core"], "order"] == "3-2-1").all())
    n_other_231 = int((others["order"] == "2-3-1").sum())
    core_orders = ", ".join(f"{short_names[c]} {cvr.at[c, 'order']}" for c in cores)
    cd, cq = cores
    cross = {c: first_lasting_tertiary_lead(cluster_panel[cluster_panel["city_code"] == c].set_index("year"))
             for c in cores}
    values = {
        "p001_year": year,
        "p001_cores_orders": core_orders,
        "p001_n_other": len(others),
        "p001_n_other_231": n_other_231,
        "p001_other_321": ", ".join(short_names[c] for c in others.index[others["order"] == "3-2-1"]) or "none",
        "p001_cq_gap": float(cvr.at[cq, "share_tertiary"] - cvr.at[cq, "share_secondary"]),
        "p001_cross_cd": cross[cd] or "never",
        "p001_cross_cq": cross[cq] or "never",
    }
    return cvr, values, core_regional_verdict(cores_321, n_other_231, len(others), year, core_orders)


def beijing_services_verdict(share: float, year: int, last_share: float, last_year: int,
                             tolerance: float = 0.03) -> Verdict:
    """Verdict on paper 003's "services near four fifths of Beijing's output": supported when
    the tertiary share (a fraction) is within ``tolerance`` of 0.8, otherwise not supported."""
    return Verdict("p003_beijing_services_80",
                   "supported" if abs(share - 0.8) <= tolerance else "not supported",
                   f"tertiary share of Beijing's value added {share:.1%} in {year}; "
                   f"{last_share:.1%} in {last_year}",
                   rule="descriptive_measure",
                   would_change="a tertiary share within 3 points of 80 % in the paper's year, e.g. in another GDP vintage")


def beijing_services(panel: pd.DataFrame, year: int = P003_YEAR,
                     city: int = BEIJING) -> tuple[dict, Verdict]:
    """Paper 003: Beijing's tertiary share of value added (fraction of the three sectors).

    Returns the ``p003_*`` prose values (share in ``year``, first year at 80 % or "not
    within the panel", last share and year) and :func:`beijing_services_verdict`.
    """
    bj = panel[panel["city_code"] == city].set_index("year")
    share = float(bj.at[year, "va_tertiary"] / bj.loc[year, list(SECTOR_COLUMNS)].sum())
    series = bj["va_tertiary"] / bj[list(SECTOR_COLUMNS)].sum(axis=1)
    reach = series.index[series >= 0.8]
    values = {"p003_year": year, "p003_bj_share": share,
              "p003_bj_first80": int(reach.min()) if len(reach) else "not within the panel",
              "p003_bj_last": float(series.iloc[-1]), "p003_bj_last_year": int(series.index[-1])}
    return values, beijing_services_verdict(share, year, float(series.iloc[-1]), int(series.index[-1]))


def primary_share_verdict(sichuan: float, guizhou: float, year: int,
                          threshold: float = 0.10) -> Verdict:
    """Verdict on paper 000's "Sichuan and Guizhou still draw more than a tenth of output from
    agriculture": supported if both primary shares (fractions) exceed ``threshold``, partly
    supported if one does, not supported if neither."""
    above = [share > threshold for share in (sichuan, guizhou)]
    verdict = ("supported" if all(above) else "partly supported: only one province above 10 %"
               if any(above) else "not supported")
    return Verdict("p000_primary_share_sc_gz", verdict,
                   f"{year}, sums of prefecture-level units (our aggregation): Sichuan "
                   f"{sichuan:.1%}, Guizhou {guizhou:.1%}",
                   rule="descriptive_measure",
                   would_change="provincial accounts instead of sums of prefecture-level units, or another year")


def primary_share_claim(panel: pd.DataFrame, year: int = P000_YEAR) -> tuple[dict, Verdict]:
    """Paper 000: primary-sector share of Sichuan and Guizhou in ``year``, summed from their
    prefecture-level units (:func:`province_sector_shares`; our aggregation).

    Returns the ``p000_*`` prose values (shares as fractions, units used, units missing) and
    :func:`primary_share_verdict`.
    """
    prov = province_sector_shares(panel, ["四川省", "贵州省"])
    one = prov[prov["year"] == year].set_index("province")
    sc, gz = float(one.at["四川省", "share_primary"]), float(one.at["贵州省", "share_primary"])
    values = {"p000_year": year, "p000_sc_primary": sc, "p000_gz_primary": gz,
              "p000_sc_units": int(one.at["四川省", "n_units"]),
              "p000_gz_units": int(one.at["贵州省", "n_units"]),
              "p000_missing": int(one["n_missing"].sum())}
    return values, primary_share_verdict(sc, gz, year)


def mid_yangtze_verdict(converged: bool, k_first: float, k_claim: float, s_claim: float,
                        first_year: int, claim_year: int) -> Verdict:
    """Verdict on paper 004's partly converging structures of Hubei, Hunan and Jiangxi:
    partly supported when the three-sector structures converged (branches are not observed),
    not supported when they did not."""
    return Verdict("p004_mid_yangtze_industry_convergence",
                   ("partly supported: three-sector structures converged, branches not observed" if converged
                    else "not supported: three-sector structures did not converge"),
                   f"mean Krugman index Hubei–Hunan–Jiangxi {k_first:.3f} ({first_year}) → "
                   f"{k_claim:.3f} ({claim_year}); similarity {s_claim:.4f}",
                   rule="descriptive_measure",
                   would_change="branch-level output (the claim is about industries, we observe three sectors) or another window")


def mid_yangtze_convergence(panel: pd.DataFrame, first_year: int, last_year: int,
                            provinces: Sequence[str] = MID_YANGTZE_PROVINCES) -> tuple[dict, Verdict]:
    """Paper 004: did the sector structures of Hubei, Hunan and Jiangxi converge?

    Province aggregates by :func:`province_sector_shares`, their mean pairwise S and K by
    :func:`province_structure` for ``first_year``–``last_year``. The claim year is 2020
    clipped to the span. "Converged" means a negative K trend (:func:`trend_per_decade`) and
    a K in the claim year below the first year's.

    Returns the ``p004_*`` prose values and :func:`mid_yangtze_verdict`.
    """
    shares = province_sector_shares(panel[panel["year"].between(first_year, last_year)], list(provinces))
    struct = province_structure(shares).set_index("year")
    claim_year = min(max(2020, first_year), last_year)
    trend = trend_per_decade(struct.index, struct["mean_krugman"])
    k_first, k_claim = struct["mean_krugman"].iloc[0], struct.at[claim_year, "mean_krugman"]
    converged = trend["trend"] < 0 and k_claim < k_first
    values = {"p004_year": claim_year, "p004_k_first": float(k_first), "p004_k_claim": float(k_claim),
              "p004_s_first": float(struct["mean_similarity"].iloc[0]),
              "p004_s_claim": float(struct.at[claim_year, "mean_similarity"]),
              "p004_k_trend": trend["trend"], "p004_k_trend_p": trend["p_value"],
              "p004_direction": "converged" if converged else "did not converge",
              "p004_missing": int(shares["n_missing"].sum())}
    return values, mid_yangtze_verdict(converged, k_first, k_claim,
                                       struct.at[claim_year, "mean_similarity"], first_year, claim_year)


def biomed_verdict() -> Verdict:
    """Paper 000's duplicated biomedicine targets: not testable with three sectors."""
    return Verdict("p000_biomed_duplication",
                   "not testable with our data: needs city plans or branch-level output, we have three sectors",
                   "biomedicine is a branch of manufacturing; three-sector shares cannot show it",
                   rule="not_testable",
                   would_change="city plans or branch-level output by city")


def border_analysis(data: pd.DataFrame, cities: pd.DataFrame, first_year: int, last_year: int,
                    split_year: int, city_name, cluster_name: dict[str, str]):
    """Relative-price volatility of city pairs and the border regressions, with the prose values.

    Volatility of Δ ln(Pᵢ/Pⱼ) (GDP deflators) by :func:`deflator_pair_volatility` for the
    windows of :func:`period_windows`, in **log points** (×100); border regressions by
    :func:`border_effects`.

    Parameters
    ----------
    data : DataFrame
        The chapter's cluster–city–year rows (``gdp_deflator``, ``province_zh``, ...).
    cities : DataFrame
        ``city_code, lon, lat``.
    city_name : callable
        City code → display label; ``cluster_name``: cluster id → name.

    Returns
    -------
    (dict, DataFrame, DataFrame, dict)
        The windows (label → years), the pairs, the border estimates and the prose values:
        share of annual deflator changes beyond ±:data:`DL_THRESHOLD`, cities left out of the
        whole span, city-years without a deflator, the period labels, the number of
        regressions with border variation, of significantly (5 %) positive γ, of positive β,
        and the clusters without border variation.
    """
    windows = period_windows(first_year, last_year, split_year)
    full, before, after = list(windows)
    pairs, left_out = deflator_pair_volatility(data, cities, windows)
    pairs["volatility"] = pairs["volatility"] * 100  # log points (0.01 = 1 %)
    be = border_effects(pairs)
    one_city = data.drop_duplicates(["city_code", "year"]).sort_values(["city_code", "year"])
    dl = one_city.groupby("city_code")["gdp_deflator"].transform(lambda s: np.log(s).diff())
    left_full = left_out[left_out["period"] == full]
    missing_deflator = data[data["gdp_deflator"].isna()].drop_duplicates(["city_code", "year"])
    with_border = be[be["note"].str.startswith("no border").eq(False)]
    sig_pos = with_border[(with_border["gamma"] > 0) & (with_border["gamma_p"] < 0.05)]
    no_border = be[be["note"].str.startswith("no border")]
    values = {
        "dl_threshold": DL_THRESHOLD,
        "dl_share_large": float((dl.dropna().abs() > DL_THRESHOLD).mean()),
        "n_left_out": int(left_full["city_code"].nunique()),
        "left_out_cities_have": (f"{n_noun(int(left_full['city_code'].nunique()), 'city')} "
                                 f"{'has' if left_full['city_code'].nunique() == 1 else 'have'}"),
        "left_out_names": ", ".join(sorted({city_name(c) for c in left_full["city_code"]})) or "none",
        "n_deflator_missing": len(missing_deflator),
        "full_period": full, "before_period": before, "after_period": after,
        "n_regressions": len(with_border),
        "n_gamma_sig_pos": len(sig_pos),
        "n_beta_pos": int((with_border["beta"] > 0).sum()),
        "no_border_clusters": ", ".join(sorted({cluster_name[c] for c in no_border["cluster_id"]})) or "none",
    }
    return windows, pairs, be, values


def format_estimate(value: float, se: float) -> str:
    """A coefficient with its standard error in brackets, e.g. ``"+0.120 (0.050)"``; "–" when
    the coefficient is missing, "(–)" when only the standard error is."""
    return "–" if not np.isfinite(value) else (f"{value:+.3f} ({se:.3f})" if np.isfinite(se) else f"{value:+.3f} (–)")


def border_table(be: pd.DataFrame, cluster_name: dict[str, str]) -> pd.DataFrame:
    """The border estimates of :func:`border_effects` as shown: cluster, period, pairs (cross),
    β and γ with standard errors (log points), distance equivalent (km) with its interval."""
    shown = be.assign(
        cluster=be["cluster_id"].map(cluster_name),
        pairs=[f"{n} ({x})" for n, x in zip(be["n_pairs"], be["n_cross"])],
        beta_txt=[format_estimate(b, s) for b, s in zip(be["beta"], be["beta_se"])],
        gamma_txt=[format_estimate(g, s) for g, s in zip(be["gamma"], be["gamma_se"])],
        km=[format_border_km(k, lo, hi) for k, lo, hi in zip(be["border_km"], be["border_km_low"], be["border_km_high"])],
    )
    return shown[["cluster", "period", "pairs", "beta_txt", "gamma_txt", "km"]].rename(columns={
        "pairs": "pairs (cross)", "beta_txt": "β ln distance", "gamma_txt": "γ border",
        "km": "border ≈ km [95% CI]"})


def period_comparison(be: pd.DataFrame, pairs: pd.DataFrame, clusters: Sequence[str], before: str,
                      after: str, cluster_name: dict[str, str]) -> dict:
    """Before/after comparison of relative-price volatility and of the border coefficient.

    Returns the prose values: the notes of single estimates (``border_notes``), the number
    and names of clusters whose mean pair volatility (log points) fell from ``before`` to
    ``after``, the number whose γ fell (where γ was estimated before), those counts in words
    (``vol_fell_phrase``, ``vol_fell_listed`` with the names where some but not all fell,
    ``gamma_fell_phrase``; :func:`~cityclusters.analysis.wording.count_phrase`), and the sentence on
    Chengdu–Chongqing's Chongqing-only border (empty when the cluster is not shown).
    """
    notes = be[be["note"] != ""]
    wide = be.pivot(index="cluster_id", columns="period", values=["mean_within", "mean_cross", "gamma"])
    vol_all = pairs.groupby(["cluster_id", "period"])["volatility"].mean().unstack()
    n_vol = max(int(vol_all.shape[0]), 1)
    fell = [c for c in clusters if c in vol_all.index and vol_all.at[c, after] < vol_all.at[c, before]]
    gamma_fell = [c for c in clusters if c in wide.index and np.isfinite(wide.at[c, ("gamma", before)])
                  and wide.at[c, ("gamma", after)] < wide.at[c, ("gamma", before)]]
    return {
        "border_notes": "; ".join(f"{cluster_name[r.cluster_id]} {r.period}: {r.note}"
                                  for r in notes.itertuples()) or "none",
        "n_vol_fell": len(fell),
        "n_vol_clusters": int(vol_all.shape[0]),
        "vol_fell_list": ", ".join(cluster_name[c] for c in fell) or "none",
        "n_gamma_fell": len(gamma_fell),
        "vol_fell_phrase": count_phrase(len(fell), n_vol, "cluster"),
        "vol_fell_listed": (count_phrase(len(fell), n_vol, "cluster")
                            + (f" ({', '.join(cluster_name[c] for c in fell)})" if 0 < len(fell) < n_vol else "")),
        "gamma_fell_phrase": (count_phrase(len(gamma_fell), n_vol, "cluster") if len(gamma_fell) <= n_vol
                              else f"{len(gamma_fell)} clusters"),
        "chengyu_note": ("In Chengdu–Chongqing every cross-province pair contains Chongqing, so the "
                         "border dummy there cannot be told apart from Chongqing's own deflator."
                         if "chengyu" in clusters else ""),
    }


def interpretation(data: pd.DataFrame, be: pd.DataFrame, first_year: int, last_year: int,
                   n_k_fell: int, n_clusters: int) -> dict:
    """The sentences of the chapter's interpretation, decided from the computed numbers.

    - ``n_sec_fell``: clusters whose secondary share of the cluster's value added fell from
      ``first_year`` to ``last_year`` (in words: ``sec_fell_phrase``);
    - ``interp_convergence``: "have mostly become more alike" when K fell in more than half
      of the clusters ("have become more alike" when there is one cluster and its K fell);
    - ``n_beta_sig`` / ``interp_distance``: regressions with β > 0 and t > 1.96, "a minority"
      when fewer than half;
    - ``interp_border``: "no robust provincial border" unless γ is positive and significant
      at 5 % in more than half of the regressions with border variation.
    """
    sec = data.groupby(["cluster_id", "year"])[["va_secondary", "va_tertiary"]].sum()
    total = data.groupby(["cluster_id", "year"])[list(SECTOR_COLUMNS)].sum().sum(axis=1)
    sec_share = (sec["va_secondary"] / total).unstack()
    with_border = be[be["note"].str.startswith("no border").eq(False)]
    sig_pos = with_border[(with_border["gamma"] > 0) & (with_border["gamma_p"] < 0.05)]
    n_beta_sig = int(((with_border["beta"] > 0) & (with_border["beta"] / with_border["beta_se"] > 1.96)).sum())
    return {
        "n_sec_fell": int((sec_share[last_year] < sec_share[first_year]).sum()),
        "sec_fell_phrase": count_phrase(int((sec_share[last_year] < sec_share[first_year]).sum()),
                                        int(sec_share.shape[0]), "cluster"),
        "interp_convergence": (("have become more alike" if n_k_fell else "have not become more alike")
                               if n_clusters == 1 else
                               "have mostly become more alike" if n_k_fell > n_clusters / 2
                               else "have not, on the whole, become more alike"),
        "n_beta_sig": n_beta_sig,
        "interp_distance": ("rises significantly with distance in only a minority of regressions"
                            if n_beta_sig < len(with_border) / 2 else "rises with distance in most regressions"),
        "interp_border": ("finds no robust provincial border" if len(sig_pos) <= len(with_border) / 2
                          else "finds a positive provincial border in most regressions"),
    }


def segmentation_verdict(be: pd.DataFrame, pairs: pd.DataFrame, clusters: Sequence[str],
                         before: str, after: str, cluster_name: dict[str, str]) -> Verdict:
    """Verdict on paper 003's citation (segmentation's drag on YRD coordination halved after
    the coordination association, a 1990s study): not testable; the evidence quotes the YRD's
    mean pair volatility (log points) and γ before and after when a YRD cluster is shown."""
    yrd_id = next((c for c in ("yrd41", "yrd26") if c in clusters), None)
    if yrd_id is not None:
        yb = be[be["cluster_id"] == yrd_id].set_index("period")
        yv = pairs.groupby(["cluster_id", "period"])["volatility"].mean().unstack().loc[yrd_id]
        evidence = (f"our data start in 2000. Related ({cluster_name[yrd_id]}, GDP deflators): mean pair "
                    f"volatility {yv[before]:.2f} log points in {before}, {yv[after]:.2f} in {after}; "
                    f"border coefficient γ {yb.at[before, 'gamma']:+.3f} and {yb.at[after, 'gamma']:+.3f}")
    else:
        evidence = "our data start in 2000; the YRD is not among this run's clusters"
    return Verdict("p003_segmentation_halved",
                   "not testable with our data: the cited study covers the 1990s and the effect of "
                   "segmentation on coordination", evidence,
                   rule="not_testable",
                   would_change="relative prices of the 1990s for the YRD cities, before and after the association began")


def border_with_city_effects(pairs: pd.DataFrame, period: str, fixed_effects: bool,
                             cluster: str = "middle_yangtze") -> str:
    """Exercise 3: the border coefficient γ (log points, with its SE) of one cluster's pairs
    of ``period``, with or without city dummies, as text; a sentence when the cluster is absent."""
    sub = pairs[(pairs["cluster_id"] == cluster) & (pairs["period"] == period)].reset_index(drop=True)
    if sub.empty:
        return "not computed (Middle Yangtze is not among this run's clusters)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = market.border_effect_regression(sub, pair_fixed_effects=fixed_effects)
    g = fit.coefficient("cross_province")
    return f"{g['estimate']:+.3f} (SE {g['std_error']:.3f}) log points"


def exercise2_values() -> dict:
    """Exercise 2: S and K of the shares (0.10, 0.50, 0.40) and (0.05, 0.40, 0.55)."""
    ex2 = pd.DataFrame([[0.10, 0.50, 0.40], [0.05, 0.40, 0.55]], index=["a", "b"])
    return {"ex2_s": float(structure.structure_similarity(ex2).at["a", "b"]),
            "ex2_k": float(structure.krugman_specialisation(ex2).at["a", "b"])}
