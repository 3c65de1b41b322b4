"""Data-quality flags and coverage: what a reader needs to know before trusting a number.

Nothing here drops data. Outliers are flagged and listed; coverage reports what is missing.
"""

from __future__ import annotations

import pandas as pd

#: |year-on-year change| above which a value is flagged (0.5 = 50 %).
YOY_THRESHOLD = 0.5
#: Variables screened for year-on-year jumps.
SCREENED = ("gdp", "va_primary", "va_secondary", "va_tertiary", "population")


def yoy_change(panel: pd.DataFrame, column: str, unit: str = "city_code", time: str = "year") -> pd.Series:
    """Relative change on the previous *consecutive* year: x_t / x_{t-1} − 1 (NaN without t−1)."""
    ordered = panel.sort_values([unit, time])
    previous = ordered.groupby(unit)[column].shift(1)
    gap = ordered[time] - ordered.groupby(unit)[time].shift(1)
    change = ordered[column] / previous - 1
    change[gap != 1] = float("nan")
    return change.reindex(panel.index)


def flag_yoy_outliers(panel: pd.DataFrame, threshold: float = YOY_THRESHOLD) -> pd.DataFrame:
    """Add ``<var>_yoy`` (relative change) and ``flag_<var>_yoy`` (|change| > threshold) columns.

    Also adds ``flagged``: True when any screened variable jumps.
    """
    out = panel.copy()
    flags = []
    for column in SCREENED:
        if column not in out:
            continue
        out[f"{column}_yoy"] = yoy_change(out, column)
        out[f"flag_{column}_yoy"] = out[f"{column}_yoy"].abs() > threshold
        flags.append(f"flag_{column}_yoy")
    out["flagged"] = out[flags].any(axis=1)
    return out


def list_outliers(panel: pd.DataFrame) -> pd.DataFrame:
    """One row per flagged (city, year, variable): the value, the previous value and the change."""
    rows = []
    for column in SCREENED:
        flag = f"flag_{column}_yoy"
        if flag not in panel:
            continue
        hit = panel.loc[panel[flag]]
        ordered = panel.sort_values(["city_code", "year"])
        previous = ordered.groupby("city_code")[column].shift(1).reindex(panel.index)
        for idx, row in hit.iterrows():
            rows.append(
                {
                    "city_code": row["city_code"],
                    "name_zh": row["name_zh"],
                    "name_pinyin": row["name_pinyin"],
                    "year": row["year"],
                    "variable": column,
                    "previous": previous.loc[idx],
                    "value": row[column],
                    "change": row[f"{column}_yoy"],
                }
            )
    columns = ["city_code", "name_zh", "name_pinyin", "year", "variable", "previous", "value", "change"]
    return pd.DataFrame(rows, columns=columns).sort_values(["variable", "city_code", "year"]).reset_index(drop=True)


def coverage(panel: pd.DataFrame, members: pd.DataFrame, variables: list[str],
             years: tuple[int, int]) -> pd.DataFrame:
    """Share of city-years with a value, per cluster and variable, on the full cluster × year grid.

    ``members`` has ``cluster_id`` and ``city_code``. The grid counts every member city in every
    year of ``years`` (inclusive), so a city-year absent from the panel counts as missing.
    Returns one row per cluster: number of cities, years, city-years, and for each variable
    the share missing (0–1).
    """
    first, last = years
    year_range = pd.Index(range(first, last + 1), name="year")
    rows = []
    for cluster_id, group in members.groupby("cluster_id", sort=False):
        grid = pd.MultiIndex.from_product([group["city_code"].unique(), year_range], names=["city_code", "year"])
        values = panel.set_index(["city_code", "year"]).reindex(grid)
        row = {"cluster_id": cluster_id, "cities": group["city_code"].nunique(),
               "years": len(year_range), "city_years": len(grid)}
        for variable in variables:
            row[variable] = float(values[variable].isna().mean())
        rows.append(row)
    return pd.DataFrame(rows)


#: Largest accepted gap between GDP and the sum of the three sectors' value added.
SECTOR_SUM_TOLERANCE = 0.02


def flag_sector_sum(panel: pd.DataFrame, tolerance: float = SECTOR_SUM_TOLERANCE) -> pd.DataFrame:
    """Add ``sector_sum_gap`` = (VA₁ + VA₂ + VA₃) / GDP − 1 and ``flag_sector_sum``
    (|gap| > tolerance). National accounts make the sum equal GDP up to rounding; a larger gap
    marks a city-year whose GDP or sector values were revised or estimated separately."""
    out = panel.copy()
    total = out[["va_primary", "va_secondary", "va_tertiary"]].sum(axis=1, min_count=3)
    out["sector_sum_gap"] = total / out["gdp"] - 1
    out["flag_sector_sum"] = out["sector_sum_gap"].abs() > tolerance
    return out
