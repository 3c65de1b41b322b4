"""Evidence that the yearbook's units are harmonised: power-of-ten breaks and digit errors.

Units change between editions (万元 → 亿元, 户 → 万户, 千册 → 万册). Every change is mapped
(``data/facts/yearbook/mappings``, ``unit_values``) and converted; a change that is not mapped
shows as a **shared break**: the median city's series jumps by a power of ten between two
data years. :func:`shared_breaks` lists them; the test suite requires that none remains
except the definitional breaks documented in ``variables.csv``.

Single values can still be off by a power of ten: the digitisation drops or adds a digit, or
a city reports in the wrong unit. :func:`flag_power_of_ten` marks a value that is within a
factor 10^±0.15 of 10^k (k ≠ 0) times the median of the same city's values within two data
years either side; such values are listed in the data appendix and kept (never silently
changed), and chapters can exclude them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

#: how close to a power of ten a ratio must be (in log10) to count as one
TOLERANCE = 0.15
#: data years either side that form a value's local reference
WINDOW = 2
#: more than this share of one table's cities jumping by a power of ten together means a unit
#: or a page went wrong for part of the table (the test suite's threshold)
PAGE_SHARE = 0.05


def series_scopes(frame: pd.DataFrame) -> dict[str, str]:
    """The one scope of each variable's series: 全市 (whole city) for every variable the
    yearbook prints for the whole city in some edition, else 市辖区 (urban districts: green
    coverage of the built-up area). Scopes are never mixed within a series: years printed only
    for 市辖区 (GDP of 2017, budget items of 1999–2002) are missing in a 全市 series.

    >>> series_scopes(pd.DataFrame({"variable": ["gdp", "gdp", "green"], "scope": ["全市", "市辖区", "市辖区"]}))
    {'gdp': '全市', 'green': '市辖区'}
    """
    return {variable: "全市" if (scopes == "全市").any() else "市辖区"
            for variable, scopes in frame.groupby("variable")["scope"]}


def one_scope(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` in each variable's series scope (:func:`series_scopes`)."""
    return frame[frame["scope"] == frame["variable"].map(series_scopes(frame))]


def _first_releases(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["edition"] - frame["year"] == 1) & (frame["value"] > 0)]


def power_of_ten(log_ratio: pd.Series | np.ndarray) -> np.ndarray:
    """k where ``log_ratio`` is within :data:`TOLERANCE` of a non-zero integer k, else 0.

    >>> power_of_ten(np.array([1.02, -3.9, 0.5, 0.05])).tolist()
    [1, -4, 0, 0]
    """
    values = np.asarray(log_ratio, dtype=float)
    k = np.rint(values)
    hit = (np.abs(values - k) < TOLERANCE) & (k != 0)
    return np.where(hit, k, 0).astype(int)


def flag_power_of_ten(frame: pd.DataFrame) -> pd.Series:
    """For each row, k ≠ 0 when the value is 10^k times its city's local median, else 0.

    The local median is over the same city, variable and scope, first releases only, data
    years within :data:`WINDOW` either side, the value itself excluded.
    """
    flags = pd.Series(0, index=frame.index, dtype=int)
    first = _first_releases(frame)
    for _, group in first.groupby(["variable", "scope"], sort=False):
        wide = np.log10(group.pivot_table(index="entity_id", columns="year", values="value"))
        years = np.arange(wide.columns.min(), wide.columns.max() + 1)
        wide = wide.reindex(columns=years)
        matrix = wide.to_numpy()
        neighbours = []
        for offset in [k for k in range(-WINDOW, WINDOW + 1) if k]:
            shifted = np.full_like(matrix, np.nan)
            if offset > 0:
                shifted[:, :-offset] = matrix[:, offset:]
            else:
                shifted[:, -offset:] = matrix[:, :offset]
            neighbours.append(shifted)
        stack = np.stack(neighbours)
        with np.errstate(all="ignore"):
            count = np.sum(~np.isnan(stack), axis=0)
            reference = np.where(count > 0, np.nanmedian(np.where(count > 0, stack, 0.0), axis=0), np.nan)
        k = pd.DataFrame(power_of_ten(np.nan_to_num(matrix - reference)), index=wide.index, columns=years)
        lookup = k.stack()
        keys = pd.MultiIndex.from_frame(group[["entity_id", "year"]])
        flags.loc[group.index] = lookup.reindex(keys).fillna(0).astype(int).to_numpy()
    return flags


def shared_breaks(frame: pd.DataFrame, min_cities: int = 20, threshold: float = 0.5) -> pd.DataFrame:
    """Data-year pairs where the median city's log10 change exceeds ``threshold`` (first
    releases, consecutive years, at least ``min_cities`` cities with both values)."""
    rows = []
    first = _first_releases(frame)
    for (variable, scope), group in first.groupby(["variable", "scope"]):
        wide = group.pivot_table(index="entity_id", columns="year", values="value").sort_index(axis=1)
        years = list(wide.columns)
        for before, after in itertools.pairwise(years):
            change = np.log10(wide[after] / wide[before]).dropna()
            if len(change) >= min_cities and abs(change.median()) > threshold:
                rows.append((variable, scope, before, after, float(change.median()), len(change),
                             int(power_of_ten([change.median()])[0])))
    return pd.DataFrame(rows, columns=["variable", "scope", "year_before", "year_after", "median_log10_change",
                                       "cities", "power_of_ten"])


def unflagged_jumps(frame: pd.DataFrame) -> pd.DataFrame:
    """Consecutive first-release values of one city that differ by a power of ten while
    neither value is flagged by :func:`flag_power_of_ten` (a level shift of one city).

    Rows come city by city (in the order each city's series first appears by data year), then
    by year. Compared within each city, variable and scope, in one pass over all series.

    >>> frame = pd.DataFrame({"entity_id": ["a"] * 4 + ["b"] * 2, "variable": "gdp", "scope": "city",
    ...                       "year": [2001, 2002, 2003, 2005, 2001, 2002],
    ...                       "edition": [2002, 2003, 2004, 2006, 2002, 2003],
    ...                       "value": [1.0, 10.0, 10.5, 105.0, 3.0, 3.1], "flag_power_of_ten": 0})
    >>> unflagged_jumps(frame)[["entity_id", "year_before", "year_after", "power_of_ten"]].to_numpy().tolist()
    [['a', 2001, 2002, 1]]
    """
    keys = ["entity_id", "variable", "scope"]
    first = _first_releases(frame).sort_values("year")
    series = first.groupby(keys, sort=False)
    before = series[["year", "value", "flag_power_of_ten"]].shift()
    k = power_of_ten(np.log10(first["value"] / before["value"]))
    hit = ((first["year"] - before["year"] == 1) & (k != 0)
           & (first["flag_power_of_ten"] == 0) & (before["flag_power_of_ten"] == 0))
    jumps = first.loc[hit, keys].assign(
        year_before=before.loc[hit, "year"].astype(int), year_after=first.loc[hit, "year"].astype(int),
        power_of_ten=k[hit.to_numpy()], order=series.ngroup()[hit])
    jumps = jumps.sort_values(["order", "year_after"], kind="stable").drop(columns="order")
    return jumps.reset_index(drop=True)
