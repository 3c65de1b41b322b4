"""Growth of real GDP and real GDP per head that is consistent across statistical vintages.

Why this module exists (the vintage problem)
--------------------------------------------
The G-P compilation behind :func:`cityclusters.data.tables.city_year` gives, for every city and
year, nominal GDP (``gdp``, 亿元), a GDP deflator (``gdp_deflator``, 2000 = 1), real GDP
(``real_gdp`` = gdp / deflator, 亿元 at 2000 prices) and the official real GDP index
(``gdp_index``: volume of GDP in year t with the previous year = 100, column ``GDP指数`` of
the file ``296个地级市GDP相关数据（以2000年为基期）.xlsx``, see
:func:`cityclusters.data.sources.gp.read_real_gdp`).

The *levels* come from different statistical vintages. After each national economic census
(2004, 2008, 2013, 2018) the statistical offices revised GDP, and the compilation carries the
revised levels from the census year or the year after on, but not for earlier years. The
largest break is the one after the fourth census: from 2019 on (for a few cities from 2018)
the levels are the revised vintage, before it the old one. Growth computed from levels,
Δ ln real_gdp, therefore jumps in the break year by the size of the revision, which differs by
province: in 2019 the median level-based growth of real GDP per head is about +16 % in Anhui
and −9 % in Shandong, while the official index gives about 7 % and 4 %; Tianjin's GDP falls by
a quarter. The index is computed by the statistical office within one vintage each year (this
year against last year at comparable prices and on a comparable area), so it has no such break.

Population (``population``, 万人, resident) has its own breaks: boundary changes (巢湖 split
in 2011, 铜陵/安庆 in 2015, 莱芜 merged into 济南 in 2019) and census revisions. The GDP index
measures growth on a comparable area, so subtracting a population change caused by a boundary
change would be wrong. Rule (:func:`population_growth`): where |Δ ln P| exceeds ``pop_break``
(default 0.10, i.e. 10 log points) the change of that year is replaced by the city's median
annual change over its other years (in the panel passed), and the city-year is flagged.

Units
-----
All growth rates returned here are in natural-log units per year (0.05 = 5 log points ≈ 5 %);
multiply by 100 for log points. Levels of real GDP per head are in 元 per resident at 2000
prices (real_gdp in 亿元 / population in 万人 × 10⁴).

Conventions
-----------
* Input: one row per ``city_code`` and ``year`` (a duplicated pair raises). Growth in year t
  needs the row of year t − 1 of the same city (calendar year, not the previous row): a gap
  in the years gives NaN, never a two-year change.
* Missing values give NaN (coverage is the caller's to report); non-positive values inside a
  logarithm raise :class:`~cityclusters.errors.MethodInputError` naming the
  column, city and year. ``complete=True`` makes a missing value an error too.
* Outputs keep the index of ``panel`` so that columns can be assigned back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cityclusters.errors import MethodInputError

__all__ = [
    "POP_BREAK",
    "REVISED_FROM",
    "official_real_growth",
    "population_growth",
    "per_capita_growth",
    "level_per_capita_growth",
    "chained_real_per_capita",
    "vintage_gap",
]

#: |Δ ln population| above this (natural-log units) is read as a boundary change or a census
#: revision, not as migration.
POP_BREAK = 0.10
#: First year whose GDP levels are the vintage revised after the fourth economic census (2018)
#: for most cities of the compilation (a few, e.g. Beijing, carry revised levels earlier).
REVISED_FROM = 2019


# ---------------------------------------------------------------------------------------
# checks and helpers
# ---------------------------------------------------------------------------------------

def _where(row: pd.Series) -> str:
    name = row.get("name_zh")
    label = f"city_code {int(row['city_code'])}"
    if isinstance(name, str):
        label += f" ({name})"
    return f"{label}, year {int(row['year'])}"


def _check(panel: pd.DataFrame, columns: Sequence[str], what: str, complete: bool = False) -> None:
    """Columns present, (city_code, year) unique, values positive (and present if ``complete``)."""
    missing = [c for c in ["city_code", "year", *columns] if c not in panel.columns]
    if missing:
        raise MethodInputError(f"panel: missing column(s) {missing} needed for {what}")
    dup = panel.duplicated(["city_code", "year"], keep=False)
    if dup.any():
        pairs = panel.loc[dup, ["city_code", "year"]].drop_duplicates().values.tolist()[:5]
        raise MethodInputError(f"panel: duplicated city_code-year rows {pairs} ({what} needs one "
                               "row per city and year)")
    for column in columns:
        values = pd.to_numeric(panel[column], errors="coerce")
        text = panel[column].notna() & values.isna()
        if text.any():
            row = panel.loc[text].iloc[0]
            raise MethodInputError(f"panel: column {column!r} is not numeric at {_where(row)}: "
                                   f"{row[column]!r}")
        bad = values.notna() & (values <= 0)
        if bad.any():
            row = panel.loc[bad].iloc[0]
            raise MethodInputError(f"panel: column {column!r} must be positive for a logarithm; "
                                   f"{_where(row)} has {row[column]!r} "
                                   f"({int(bad.sum())} non-positive value(s))")
        if complete and values.isna().any():
            row = panel.loc[values.isna()].iloc[0]
            raise MethodInputError(f"panel: column {column!r} is missing at {_where(row)} "
                                   f"({int(values.isna().sum())} missing value(s)) for {what}")


def _lagged(panel: pd.DataFrame, values: pd.Series) -> pd.Series:
    """``values`` of the same city in the previous calendar year (NaN if that row is absent)."""
    prev = pd.DataFrame({"city_code": panel["city_code"].to_numpy(),
                         "year": panel["year"].to_numpy() + 1, "_v": values.to_numpy()})
    merged = panel[["city_code", "year"]].merge(prev, on=["city_code", "year"], how="left")
    return pd.Series(merged["_v"].to_numpy(dtype=float), index=panel.index)


def _log(panel: pd.DataFrame, column: str) -> pd.Series:
    return np.log(pd.to_numeric(panel[column], errors="coerce").astype(float))


# ---------------------------------------------------------------------------------------
# growth
# ---------------------------------------------------------------------------------------

def official_real_growth(panel: pd.DataFrame, complete: bool = False) -> pd.Series:
    """Growth of real GDP from the official index: g_t = ln(I_t / 100).

    Parameters
    ----------
    panel : DataFrame
        ``city_code, year, gdp_index`` (I_t, volume of year t with year t − 1 = 100; G-P file
        ``296个地级市GDP相关数据``, column ``GDP指数``).
    complete : bool
        Raise on a missing index instead of returning NaN.

    Returns
    -------
    Series ``gdp_growth`` (natural-log units per year, e.g. ln 1.10 = 0.0953 for an index of
    110), index of ``panel``. Unlike Δ ln real_gdp it does not jump when the statistical
    vintage of the levels changes (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import official_real_growth
    >>> panel = pd.DataFrame({"city_code": [1, 1], "year": [2000, 2001],
    ...                       "gdp_index": [108.0, 110.0]})
    >>> official_real_growth(panel).round(4).tolist()
    [0.077, 0.0953]
    """
    _check(panel, ["gdp_index"], "official real growth", complete)
    return (_log(panel, "gdp_index") - np.log(100.0)).rename("gdp_growth")


def population_growth(panel: pd.DataFrame, pop_break: float | None = POP_BREAK,
                      complete: bool = False) -> pd.DataFrame:
    """Annual population growth Δ ln P_t with boundary and census breaks replaced.

    FORMULA: d_t = ln P_t − ln P_{t−1} (P resident population, 万人). Where |d_t| >
    ``pop_break`` the change is replaced by the median of the city's other (unflagged, non-
    missing) annual changes in ``panel`` and the row is flagged; if the city has no other
    change the replacement is NaN. ``pop_break=None`` keeps every change as published.

    Returns
    -------
    DataFrame (index of ``panel``) with ``pop_growth`` (used), ``pop_growth_published``
    (d_t as published) and ``pop_break`` (True where d_t was replaced), natural-log units.

    Examples
    --------
    The jump from 101 to 130 万人 (ln(130/101) = 0.2524 > 0.10) is read as a boundary change
    and replaced by the city's median other change, ln 1.01 = 0.00995.

    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import population_growth
    >>> panel = pd.DataFrame({"city_code": [1, 1, 1, 1], "year": [2000, 2001, 2002, 2003],
    ...                       "population": [100.0, 101.0, 130.0, 131.3]})
    >>> population_growth(panel).round(5)
       pop_growth  pop_growth_published  pop_break
    0         NaN                   NaN      False
    1     0.00995               0.00995      False
    2     0.00995               0.25241       True
    3     0.00995               0.00995      False
    """
    _check(panel, ["population"], "population growth", complete)
    lnp = _log(panel, "population")
    published = lnp - _lagged(panel, lnp)
    flag = pd.Series(False, index=panel.index)
    used = published.copy()
    if pop_break is not None:
        if not pop_break > 0:
            raise MethodInputError(f"pop_break={pop_break!r}: must be positive (log units) or None")
        flag = published.abs() > pop_break
        typical = published.where(~flag).groupby(panel["city_code"]).transform("median")
        used = published.where(~flag, typical)
    return pd.DataFrame({"pop_growth": used, "pop_growth_published": published,
                         "pop_break": flag.astype(bool)}, index=panel.index)


def per_capita_growth(panel: pd.DataFrame, pop_break: float | None = POP_BREAK,
                      complete: bool = False) -> pd.DataFrame:
    """Growth of real GDP per head from the official index and population.

    FORMULA: g_t = ln(I_t / 100) − d_t, with I_t the official real GDP index (previous year =
    100) and d_t the population growth of :func:`population_growth` (breaks larger than
    ``pop_break`` replaced by the city's median change). Natural-log units per year; ×100 gives
    log points (≈ %).

    Returns
    -------
    DataFrame (index of ``panel``): ``gdp_growth``, ``pop_growth``, ``pop_break`` and
    ``growth`` (= gdp_growth − pop_growth; NaN where either is missing, e.g. the first year of
    a city).

    Examples
    --------
    An index of 110 and population up 1 %: g = ln 1.10 − ln 1.01 = 0.0953 − 0.0100 = 0.0854.
    The first year has no previous population, so no growth.

    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import per_capita_growth
    >>> panel = pd.DataFrame({"city_code": [1, 1], "year": [2000, 2001],
    ...                       "gdp_index": [109.0, 110.0], "population": [100.0, 101.0]})
    >>> per_capita_growth(panel).round(4)
       gdp_growth  pop_growth  pop_break  growth
    0      0.0862         NaN      False     NaN
    1      0.0953        0.01      False  0.0854
    """
    _check(panel, ["gdp_index", "population"], "per-capita growth", complete)
    out = population_growth(panel, pop_break)
    out.insert(0, "gdp_growth", official_real_growth(panel))
    out["growth"] = out["gdp_growth"] - out["pop_growth"]
    return out[["gdp_growth", "pop_growth", "pop_break", "growth"]]


def level_per_capita_growth(panel: pd.DataFrame) -> pd.Series:
    """Growth of real GDP per head from published levels: Δ ln(real_gdp / population).

    Kept to show the vintage bias (module docstring); do not use it for growth across the
    census revisions. Natural-log units per year, index of ``panel``.

    Examples
    --------
    Real GDP 100 → 121 and population 100 → 110: ln(1.21/1.10) = ln 1.1 = 0.0953.

    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import level_per_capita_growth
    >>> panel = pd.DataFrame({"city_code": [1, 1], "year": [2000, 2001],
    ...                       "real_gdp": [100.0, 121.0], "population": [100.0, 110.0]})
    >>> level_per_capita_growth(panel).round(4).tolist()
    [nan, 0.0953]
    """
    _check(panel, ["real_gdp", "population"], "level-based growth")
    lny = _log(panel, "real_gdp") - _log(panel, "population")
    return (lny - _lagged(panel, lny)).rename("growth_levels")


def chained_real_per_capita(panel: pd.DataFrame, base_year: int,
                            pop_break: float | None = POP_BREAK) -> pd.DataFrame:
    """Real GDP per head consistent over time: the base-year level moved by official growth.

    FORMULA (y real GDP per head, 元 per resident at 2000 prices; g the per-capita growth of
    :func:`per_capita_growth`)::

        y*_b = real_gdp_b / P_b × 10⁴                       (published level, base year b)
        y*_t = y*_b · exp( Σ_{s=b+1..t} g_s )               t > b
        y*_t = y*_b · exp(−Σ_{s=t+1..b} g_s )               t < b

    so that ln y*_t − ln y*_{t−1} = g_t exactly: the series has the cross-section of levels of
    the base year and the official growth of every year, and levels after the 2019 revision are
    not shifted by it. The chain needs g in every year between t and b: a missing index, a
    missing population or a missing year row breaks it, and y*_t is NaN beyond the gap (as far
    from b as the gap); a city with no published level in b has NaN throughout.

    Parameters
    ----------
    panel : DataFrame
        ``city_code, year, gdp_index, population, real_gdp`` (:func:`tables.city_year`), one row
        per city and year. Pass the full panel (all years), not a window: the median population
        change of the break rule is taken over the years passed.
    base_year : int
        Year whose published levels anchor the series.
    pop_break : float or None
        See :func:`population_growth`.

    Returns
    -------
    DataFrame (index of ``panel``): ``growth`` (g_t), ``pop_break``, ``real_pc_published``
    (real_gdp / population × 10⁴) and ``real_pc_chained`` (y*_t).

    Examples
    --------
    Anchored at 2001 (50 亿元 / 100 万人 = 5000 元): 2002 is 5000 × 1.10 = 5500 by the index,
    although the published (revised) level is 6000; 2000 is 5000 / 1.05 = 4761.9.

    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import chained_real_per_capita
    >>> panel = pd.DataFrame({"city_code": [1, 1, 1], "year": [2000, 2001, 2002],
    ...                       "gdp_index": [104.0, 105.0, 110.0],
    ...                       "population": [100.0, 100.0, 100.0],
    ...                       "real_gdp": [47.0, 50.0, 60.0]})
    >>> chained_real_per_capita(panel, base_year=2001)[["real_pc_published",
    ...                                                 "real_pc_chained"]].round(1)
       real_pc_published  real_pc_chained
    0             4700.0           4761.9
    1             5000.0           5000.0
    2             6000.0           5500.0
    """
    if isinstance(base_year, bool) or not isinstance(base_year, (int, np.integer)):
        raise MethodInputError(f"base_year must be an integer year; got {base_year!r}")
    _check(panel, ["gdp_index", "population", "real_gdp"], "chained real GDP per head")
    years = panel["year"].astype(int)
    if not (years == base_year).any():
        raise MethodInputError(f"base_year={base_year}: no row of the panel has that year "
                               f"(years {int(years.min())}–{int(years.max())})")
    growth = per_capita_growth(panel, pop_break)
    published = (pd.to_numeric(panel["real_gdp"], errors="coerce")
                 / pd.to_numeric(panel["population"], errors="coerce") * 1e4)
    chained = pd.Series(np.nan, index=panel.index)
    frame = pd.DataFrame({"city": panel["city_code"].to_numpy(), "year": years.to_numpy(),
                          "g": growth["growth"].to_numpy(), "y": published.to_numpy()},
                         index=panel.index)
    for _, city in frame.groupby("city", sort=False):
        city = city.sort_values("year")
        at_base = city.index[city["year"] == base_year]
        if len(at_base) == 0 or not np.isfinite(city.at[at_base[0], "y"]):
            continue
        g = city.set_index("year")["g"]
        anchor = float(np.log(city.at[at_base[0], "y"]))
        values = {base_year: anchor}
        level = anchor
        for year in range(base_year + 1, int(city["year"].max()) + 1):
            step = g.get(year, np.nan)
            if not np.isfinite(step):
                break
            level += step
            values[year] = level
        level = anchor
        for year in range(base_year, int(city["year"].min()), -1):
            step = g.get(year, np.nan)  # growth into `year` from year − 1
            if not np.isfinite(step):
                break
            level -= step
            values[year - 1] = level
        chained.loc[city.index] = np.exp(city["year"].map(values).to_numpy(dtype=float))
    return pd.DataFrame({"growth": growth["growth"], "pop_break": growth["pop_break"],
                         "real_pc_published": published, "real_pc_chained": chained},
                        index=panel.index)


def vintage_gap(panel: pd.DataFrame, threshold: float = 0.05,
                group: str | None = None) -> pd.DataFrame:
    """How far level-based growth of real GDP departs from the official index, by year.

    For every city-year with both: gap_t = Δ ln real_gdp_t − ln(I_t / 100) (natural-log units).
    A statistical revision of the levels shows as a large |gap| in the year the new vintage
    starts (e.g. 2005, 2009, 2019).

    Returns
    -------
    DataFrame, one row per year (and ``group`` value if given): ``n`` (city-years with both),
    ``median_gap``, ``share_large`` (share with |gap| > ``threshold``).

    Examples
    --------
    City 1's level rises by 21 % while its index says 10 %: gap = ln 1.21 − ln 1.10 = 0.0953;
    city 2's level agrees with its index (gap 0). Median 0.0477; one of two gaps is large.

    >>> import pandas as pd
    >>> from cityclusters.indicators.growth import vintage_gap
    >>> panel = pd.DataFrame({"city_code": [1, 1, 2, 2], "year": [2018, 2019, 2018, 2019],
    ...                       "gdp_index": [106.0, 110.0, 106.0, 105.0],
    ...                       "real_gdp": [100.0, 121.0, 50.0, 52.5]})
    >>> vintage_gap(panel).round(4)
       year  n  median_gap  share_large
    0  2019  2      0.0477          0.5
    """
    _check(panel, ["real_gdp", "gdp_index"], "vintage gap")
    lnr = _log(panel, "real_gdp")
    gap = (lnr - _lagged(panel, lnr)) - official_real_growth(panel)
    frame = pd.DataFrame({"year": panel["year"].astype(int), "gap": gap})
    keys = ["year"]
    if group is not None:
        if group not in panel.columns:
            raise MethodInputError(f"panel: missing column {group!r} (group)")
        frame[group] = panel[group]
        keys = [group, "year"]
    frame = frame.dropna(subset=["gap"])
    out = frame.groupby(keys)["gap"].agg(n="count", median_gap="median",
                                         share_large=lambda s: float((s.abs() > threshold).mean()))
    return out.reset_index()
