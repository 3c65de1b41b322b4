"""Urban hierarchy of the clusters (chapter 4): primacy and rank–size per cluster-year, the
size of the second tier, and the profile of GDP per capita along rail corridors.

The formulas live in :mod:`cityclusters.indicators.hierarchy`; this module assembles them over
the city–year panel and adds the two chapter-specific measures:

- :func:`zipf_ratios` — how large the cities of rank 2, 3, ... are relative to what the
  rank–size rule predicts from the largest city (the "missing secondary centres" question);
- :func:`middle_dip` — how the cities between the two ends of a corridor compare with its two
  ends (the "middle collapse", 中部塌陷, question).

Units: population in 万人 (census-revised resident population of the G-P compilation), GDP in
亿元 (current prices), GDP per capita in 元. All indices and ratios are unit-free.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators.hierarchy import (
    primacy_indices,
    rank_size_fit,
    sorted_sizes,
)
from cityclusters.paths import facts_dir

#: Size measures a chapter can rank cities by: id → (panel column, unit, English label).
SIZE_MEASURES = {
    "population": ("population", "万人", "resident population"),
    "gdp": ("gdp", "亿元", "GDP"),
}
#: Ranks whose Zipf ratio k·P_k/P_1 is averaged into the "second tier" measure.
SECOND_TIER_RANKS = (3, 4, 5)
#: A corridor "collapses" in the middle when its :func:`middle_dip` is below this value: the
#: cities between the ends reach less than three quarters of the ends' mean. A reading aid
#: chosen for this book, not a threshold from the literature.
COLLAPSE_THRESHOLD = 0.75
CORRIDOR_COLUMNS = ["corridor_id", "corridor_zh", "corridor_en", "cluster_id", "order",
                    "city_code", "city_zh", "source", "source_url", "note"]


def size_column(measure: str) -> str:
    """Return the panel column of ``measure`` or raise a ValueError listing the valid ids."""
    if not isinstance(measure, str) or measure not in SIZE_MEASURES:
        raise ValueError(f"SIZE_MEASURE must be one of {list(SIZE_MEASURES)}; got {measure!r}")
    return SIZE_MEASURES[measure][0]


# ----------------------------------------------------------------------------- second tier
def zipf_ratios(sizes, ranks: Sequence[int] = (2, 3, 4, 5)) -> pd.Series:
    """Size of the city of rank k relative to the rank–size prediction from the largest city.

    .. math:: z_k = \\frac{P_k}{P_1 / k} = \\frac{k\\,P_k}{P_1}

    With an exact rank–size rule :math:`P_k = P_1/k` every :math:`z_k = 1`; :math:`z_k < 1`
    means the city of rank k is smaller than the rule predicts (a thin second tier, "missing
    secondary centres"); :math:`z_k > 1` a larger one (e.g. a second core of almost the same
    size as the first gives :math:`z_2 \\approx 2`).

    Parameters
    ----------
    sizes : pandas.Series
        Positive sizes indexed by city (any unit; the ratio is unit-free).
    ranks : sequence of int
        Ranks k ≥ 2 to report. A rank beyond the number of cities is reported as NaN
        (the index says which ranks were asked for).

    Returns
    -------
    pandas.Series
        Indexed ``z2``, ``z3``, ...

    Raises
    ------
    MethodInputError
        Fewer than two cities, missing/zero/negative sizes, duplicated labels, or a rank < 2.
    """
    ranked = sorted_sizes(sizes, "sizes", minimum=2).to_numpy()
    bad = [k for k in ranks if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2]
    if bad or not len(ranks):
        raise MethodInputError(f"ranks={list(ranks)!r} must be integers of at least 2")
    return pd.Series({f"z{k}": (k * ranked[k - 1] / ranked[0]) if k <= len(ranked) else np.nan
                      for k in ranks}, dtype=float)


def count_secondary(sizes, share: float) -> int:
    """Number of cities, other than the largest, of at least ``share`` × the largest city's size.

    Parameters
    ----------
    sizes : pandas.Series
        Positive sizes indexed by city.
    share : float
        Threshold as a fraction of the largest city's size, 0 < share ≤ 1.

    Raises
    ------
    MethodInputError
        Invalid sizes (see :func:`zipf_ratios`) or a share outside (0, 1].
    """
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise MethodInputError(f"share={share!r} must be a number in (0, 1]")
    ranked = sorted_sizes(sizes, "sizes", minimum=2).to_numpy()
    return int((ranked[1:] >= share * ranked[0]).sum())


# ----------------------------------------------------------------------------- cluster-years
def _require_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {missing}; got {list(frame.columns)}")


def size_coverage(panel: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Which member cities have a size in each cluster-year (so gaps are shown, not dropped).

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`cityclusters.data.tables.cluster_city_year` output (one row per cluster, city, year).
    measure : {"population", "gdp"}

    Returns
    -------
    pandas.DataFrame
        One row per (``cluster_id``, ``year``): ``members``, ``with_size``, ``missing``
        (count), ``missing_cities`` (names, ";"-separated) and ``interpolated`` (cities whose
        population is the source's interpolation; always 0 for GDP).
    """
    column = size_column(measure)
    _require_columns(panel, ["cluster_id", "city_code", "name_zh", "year", column], "panel")
    rows = []
    for (cluster_id, year), group in panel.groupby(["cluster_id", "year"], sort=False):
        has = group[column].notna() & (group[column] > 0)
        interpolated = 0
        if measure == "population" and "population_interpolated" in group:
            interpolated = int((group["population_interpolated"].astype(bool) & has).sum())
        rows.append({"cluster_id": cluster_id, "year": int(year), "members": len(group),
                     "with_size": int(has.sum()), "missing": int((~has).sum()),
                     "missing_cities": ";".join(group.loc[~has, "name_zh"]),
                     "interpolated": interpolated})
    return pd.DataFrame(rows)


def hierarchy_table(panel: pd.DataFrame, measure: str = "population", level: float = 0.95,
                    secondary_share: float = 0.25) -> pd.DataFrame:
    """Primacy, rank–size exponents and second-tier measures for every cluster-year.

    For each (cluster, year) the cities with a positive size are ranked and passed to
    :func:`~cityclusters.indicators.hierarchy.primacy_indices` (S2, S4, S11),
    :func:`~cityclusters.indicators.hierarchy.rank_size_fit` (``method="ols"`` → q with a
    Student-t interval; ``method="gabaix_ibragimov"`` → ζ with its asymptotic normal interval
    and ``q_gi = 1/ζ`` on the scale of q), :func:`zipf_ratios` and :func:`count_secondary`.

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`cityclusters.data.tables.cluster_city_year` output.
    measure : {"population", "gdp"}
        Population (万人) or GDP (亿元); the results are unit-free.
    level : float
        Confidence level of the intervals.
    secondary_share : float
        Threshold of :func:`count_secondary` (fraction of the largest city).

    Returns
    -------
    pandas.DataFrame
        One row per cluster-year with ``measure``, ``n_cities`` (used), ``n_missing``,
        ``primate_code``, ``primate_zh``, ``second_zh``, ``top_share`` (P1 / Σ P), ``s2``,
        ``s4``, ``s11`` (NaN when the cluster has too few cities: S4 needs 4, S11 needs 11),
        ``q``, ``q_low``, ``q_high``, ``r2``, ``zeta``, ``zeta_low``, ``zeta_high``, ``q_gi``
        (= 1/ζ) with ``q_gi_low``/``q_gi_high`` (the ζ interval mapped to the q scale; ``inf``
        when the lower bound of ζ is not positive, as happens with very few cities),
        ``z2`` … ``z5``, ``second_tier`` (mean of z3–z5) and ``n_secondary``. A cluster-year
        with fewer than 3 cities with a size gets NaN estimates and a ``note``.
    """
    column = size_column(measure)
    _require_columns(panel, ["cluster_id", "city_code", "name_zh", "year", column], "panel")
    rows = []
    for (cluster_id, year), group in panel.groupby(["cluster_id", "year"], sort=False):
        dup = group["city_code"].duplicated()
        if dup.any():
            raise ValueError(f"panel: city {group.loc[dup, 'name_zh'].iloc[0]} appears twice in "
                             f"cluster {cluster_id!r}, year {year}")
        sizes = group.set_index("city_code")[column]
        has = sizes.notna() & (sizes > 0)
        sizes = sizes[has]
        names = group.set_index("city_code")["name_zh"]
        row = {"cluster_id": cluster_id, "year": int(year), "measure": measure,
               "n_cities": int(len(sizes)), "n_missing": int((~has).sum()), "note": ""}
        if len(sizes) < 3:
            row["note"] = f"only {len(sizes)} cities with a {measure} value; nothing estimated"
            rows.append(row)
            continue
        primacy = primacy_indices(sizes)
        ols = rank_size_fit(sizes, method="ols", level=level)
        gi = rank_size_fit(sizes, method="gabaix_ibragimov", level=level)
        q, zeta = ols.coefficient("q"), gi.coefficient("zeta")
        ranked = primacy.ranked_sizes
        z = zipf_ratios(sizes)
        row.update({
            "primate_code": int(primacy.primate_city), "primate_zh": names[primacy.primate_city],
            "second_zh": names[ranked.index[1]], "top_share": float(ranked.iloc[0] / ranked.sum()),
            "s2": primacy.s2, "s4": np.nan if primacy.s4 is None else primacy.s4,
            "s11": np.nan if primacy.s11 is None else primacy.s11,
            "q": float(q["estimate"]), "q_low": float(q["ci_low"]), "q_high": float(q["ci_high"]),
            "r2": float(ols.statistics["r2"]),
            "zeta": float(zeta["estimate"]), "zeta_low": float(zeta["ci_low"]),
            "zeta_high": float(zeta["ci_high"]), "q_gi": float(gi.statistics["q_equivalent"]),
            # the interval of ζ mapped to the q scale; a lower bound of ζ ≤ 0 leaves it unbounded
            "q_gi_low": 1.0 / float(zeta["ci_high"]),
            "q_gi_high": 1.0 / float(zeta["ci_low"]) if zeta["ci_low"] > 0 else np.inf,
            **z.to_dict(),
            "second_tier": float(z[[f"z{k}" for k in SECOND_TIER_RANKS]].mean()),
            "n_secondary": count_secondary(sizes, secondary_share),
        })
        rows.append(row)
    return pd.DataFrame(rows)


def ranked_sizes(panel: pd.DataFrame, measure: str, years: Sequence[int]) -> pd.DataFrame:
    """Long table of ranked city sizes for the rank–size plot.

    Returns one row per (``cluster_id``, ``year``, city) with a positive size, for the
    ``years`` given: ``city_code``, ``name_zh``, ``name_pinyin``, ``size`` and ``rank``
    (1 = largest; ties keep panel order, as in
    :func:`~cityclusters.indicators.hierarchy.rank_size_fit`).
    """
    column = size_column(measure)
    _require_columns(panel, ["cluster_id", "city_code", "name_zh", "name_pinyin", "year", column], "panel")
    chosen = panel[panel["year"].isin(list(years)) & panel[column].notna() & (panel[column] > 0)]
    out = chosen[["cluster_id", "year", "city_code", "name_zh", "name_pinyin", column]].rename(columns={column: "size"})
    out = out.sort_values(["cluster_id", "year", "size"], ascending=[True, True, False], kind="mergesort")
    out["rank"] = out.groupby(["cluster_id", "year"]).cumcount() + 1
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- corridors
def read_corridors(path=None) -> pd.DataFrame:
    """The typed rail corridors (``data/facts/corridors.csv``), validated.

    One row per (corridor, city) in the order of the line: ``corridor_id``, ``corridor_zh``,
    ``corridor_en``, ``cluster_id``, ``order`` (1, 2, … along the line), ``city_code`` (the
    panel's prefecture code), ``city_zh``, ``source``, ``source_url``, ``note``.

    Raises
    ------
    SourceFormatError
        Missing columns, an empty required field, a non-integer order or code, a corridor
        whose orders are not 1…n, a city listed twice in a corridor, or fewer than 3 cities
        (a dip needs two ends and at least one city between them). The message names the
        file, the CSV row and the column.
    """
    path = path or facts_dir() / "corridors.csv"
    name = f"data/facts/{path.name}" if hasattr(path, "name") else str(path)
    frame = read_fact("corridors.csv", path)
    missing = [c for c in CORRIDOR_COLUMNS if c not in frame.columns]
    if missing:
        raise SourceFormatError(f"{name}: missing column(s) {missing}")
    frame["source_row"] = frame.index + 2
    for column in CORRIDOR_COLUMNS[:8]:
        empty = frame[column].str.strip() == ""
        if empty.any():
            raise SourceFormatError(f"{name}: empty {column!r} at row {int(frame.loc[empty, 'source_row'].iloc[0])}")
    for column in ("order", "city_code"):
        bad = ~frame[column].str.fullmatch(r"\d+")
        if bad.any():
            row = frame.loc[bad].iloc[0]
            raise SourceFormatError(f"{name}: column {column!r} must be a positive integer, got "
                                    f"{row[column]!r} at row {row['source_row']}")
        frame[column] = frame[column].astype(int)
    for corridor_id, group in frame.groupby("corridor_id", sort=False):
        if sorted(group["order"]) != list(range(1, len(group) + 1)):
            raise SourceFormatError(f"{name}: corridor {corridor_id!r} (rows {group['source_row'].tolist()}) "
                                    f"has orders {sorted(group['order'])}, expected 1…{len(group)}")
        dup = group["city_code"].duplicated()
        if dup.any():
            raise SourceFormatError(f"{name}: corridor {corridor_id!r} lists city "
                                    f"{group.loc[dup, 'city_zh'].iloc[0]} twice (row {group.loc[dup, 'source_row'].iloc[0]})")
        if len(group) < 3:
            raise SourceFormatError(f"{name}: corridor {corridor_id!r} has {len(group)} cities; "
                                    "a corridor needs two ends and at least one city between them")
    return frame.sort_values(["corridor_id", "order"], kind="mergesort").reset_index(drop=True)


def middle_dip(values) -> float:
    """Ratio of the mean of a corridor's interior cities to the mean of its two ends.

    With :math:`v_1, \\dots, v_n` the values in order along the corridor (n ≥ 3),

    .. math:: \\mathrm{dip} = \\frac{\\frac{1}{n-2}\\sum_{i=2}^{n-1} v_i}{\\tfrac12 (v_1 + v_n)} .

    1 means the cities in between are on average as rich (or large) as the ends; well below 1
    is a "middle collapse" (中部塌陷). Arithmetic means, unweighted (each city counts once).

    Parameters
    ----------
    values : sequence or pandas.Series
        Positive values (e.g. GDP per capita in 元) in corridor order.

    Raises
    ------
    MethodInputError
        Fewer than 3 values, or a missing, zero or negative value (named by position/label).
    """
    series = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    if len(series) < 3:
        raise MethodInputError(f"values: a dip needs at least 3 cities (two ends and one between), got {len(series)}")
    bad = series.isna() | (series <= 0)
    if bad.any():
        raise MethodInputError(f"values: missing, zero or negative value at {list(series.index[bad])}")
    v = series.to_numpy()
    return float(v[1:-1].mean() / ((v[0] + v[-1]) / 2))


def corridor_profile(panel: pd.DataFrame, corridors: pd.DataFrame, value: str = "gdp_per_capita",
                     years: Sequence[int] | None = None) -> pd.DataFrame:
    """The value of every corridor city in the chosen years, with its ratio to the ends' mean.

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`cityclusters.data.tables.city_year` (any city, not only cluster members).
    corridors : pandas.DataFrame
        :func:`read_corridors` (optionally filtered to some corridors).
    value : str
        Panel column (default ``gdp_per_capita``, 元).
    years : sequence of int, optional
        Years to keep (default: all).

    Returns
    -------
    pandas.DataFrame
        One row per (corridor, year, city): ``corridor_id``, ``order``, ``city_code``,
        ``name_zh``, ``name_pinyin``, ``year``, ``value``, ``position`` ("end"/"interior") and
        ``relative_to_ends`` (value / mean of the two ends in that year; NaN if an end is
        missing). A corridor city absent from the panel raises, naming the corridor and city.
    """
    _require_columns(panel, ["city_code", "year", "name_zh", "name_pinyin", value], "panel")
    known = set(panel["city_code"])
    absent = corridors.loc[~corridors["city_code"].isin(known)]
    if len(absent):
        row = absent.iloc[0]
        raise ValueError(f"corridor {row['corridor_id']!r}: city {row['city_zh']} (code {row['city_code']}) "
                         "is not in the city-year panel")
    data = panel if years is None else panel[panel["year"].isin(list(years))]
    merged = corridors[["corridor_id", "order", "city_code"]].merge(
        data[["city_code", "year", "name_zh", "name_pinyin", value]], on="city_code", how="left")
    merged = merged.rename(columns={value: "value"})
    n = merged.groupby("corridor_id")["order"].transform("max")
    merged["position"] = np.where((merged["order"] == 1) | (merged["order"] == n), "end", "interior")
    ends = merged[merged["position"] == "end"].groupby(["corridor_id", "year"])["value"].agg(["mean", "count"])
    ends = ends["mean"].where(ends["count"] == 2)
    merged["relative_to_ends"] = merged["value"] / merged.set_index(["corridor_id", "year"]).index.map(ends)
    return merged.sort_values(["corridor_id", "year", "order"]).reset_index(drop=True)


def corridor_dips(profile: pd.DataFrame) -> pd.DataFrame:
    """:func:`middle_dip` for every corridor-year of a :func:`corridor_profile` table.

    Returns one row per (``corridor_id``, ``year``) with ``n_cities``, ``ends_mean``,
    ``interior_mean``, ``dip`` and ``missing`` (names of cities without a value; then
    ``dip`` is NaN rather than computed on a subset).
    """
    _require_columns(profile, ["corridor_id", "year", "order", "value", "name_zh", "position"], "profile")
    rows = []
    for (corridor_id, year), group in profile.groupby(["corridor_id", "year"], sort=False):
        group = group.sort_values("order")
        gap = group["value"].isna() | (group["value"] <= 0)
        row = {"corridor_id": corridor_id, "year": int(year), "n_cities": len(group),
               "missing": ";".join(group.loc[gap, "name_zh"]),
               "ends_mean": float(group.loc[group["position"] == "end", "value"].mean()),
               "interior_mean": float(group.loc[group["position"] == "interior", "value"].mean()),
               "dip": np.nan}
        if not gap.any():
            row["dip"] = middle_dip(group["value"].to_numpy())
        rows.append(row)
    return pd.DataFrame(rows)
