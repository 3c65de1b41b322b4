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

Sources: G-P compilation (sector value added, GDP deflators 2000 = 1; ``data_gp``); city
coordinates of Ma & Tang (2024) via :func:`cityclusters.data.tables.cities`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

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
