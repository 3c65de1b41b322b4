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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters.analysis.verdicts import Verdict
from cityclusters.analysis.wording import capitalised, count_phrase, n_noun, verb_for
from cityclusters.config import cluster_name
from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators.hierarchy import (
    primacy_indices,
    rank_size_fit,
    sorted_sizes,
)

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
    name = ("data/facts/corridors.csv" if path is None
            else f"data/facts/{path.name}" if hasattr(path, "name") else str(path))
    frame = read_fact("corridors.csv", path)  # refuses a missing column, naming the file
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


# ----------------------------------------------------------------------------- chapter 4 values
#: Clusters of the national plans (the unions and wider scopes left out), for ranks and comparisons.
PLANNED = ["chengyu", "qianzhong", "yrd26", "middle_yangtze", "jingjinji"]
#: Years of the data behind papers 000 and 004 (clipped to the chapter's window by :func:`claim_years`).
PAPER000_YEAR, PAPER004_YEAR = 2019, 2020
#: The chapter's wording of the claims it judges (section ``sec-ch4-verdicts``).
CLAIM_WORDING = {
    "p004_wuhan_primacy": "Wuhan's primacy is high, but it does not pull its neighbours along",
    "p000_middle_collapse": "a 'middle collapse' (中部塌陷) between Chengdu and Chongqing",
    "p000_missing_secondary_centres": "the hierarchy violates the rank–size rule: secondary centres are missing",
}


def chapter_values(clusters: Sequence[str], first: int, last: int, measure: str,
                   secondary_share: float, city_panel: pd.DataFrame) -> dict:
    """The chapter's parameters in words (``h_first``, ``h_last``, ``h_measure``, ``h_unit``,
    ``h_n_clusters``, ``h_secondary_share``) and Chongqing's land area in km² in the last year
    with a value (``h_cq_area_km2``, from :func:`cityclusters.data.tables.city_year`)."""
    area = city_panel.query("city_code == 500100")["land_area_km2"].dropna()
    return {"h_first": first, "h_cq_area_km2": float(area.iloc[-1]), "h_last": last,
            "h_measure": SIZE_MEASURES[measure][2], "h_unit": SIZE_MEASURES[measure][1],
            "h_n_clusters": len(clusters), "h_secondary_share": float(secondary_share)}


def check_parameters(corridors: Sequence[str], corridor_table: pd.DataFrame, secondary_share) -> None:
    """Refuse unknown corridor ids (of :func:`read_corridors`) and a ``secondary_share`` outside
    (0, 1], with a ValueError that lists the valid values."""
    unknown = [c for c in corridors if c not in set(corridor_table["corridor_id"])]
    if unknown or not corridors or isinstance(corridors, str):
        raise ValueError(f"CORRIDORS must be a non-empty list of {sorted(set(corridor_table['corridor_id']))}; "
                         f"unknown: {unknown or corridors!r}")
    if (isinstance(secondary_share, bool) or not isinstance(secondary_share, (int, float))
            or not 0 < secondary_share <= 1):
        raise ValueError(f"SECONDARY_SHARE must be a number in (0, 1]; got {secondary_share!r}")


def coverage_report(panel: pd.DataFrame, measure: str, clusters: Sequence[str]) -> tuple[dict, pd.DataFrame]:
    """Coverage of the size measure per cluster (:func:`size_coverage` summed over years).

    Returns the totals of city-years without a value and with an interpolated value
    (``h_cov_missing_total``, ``h_cov_interp_total``) and a table: cluster, members, city-years
    without value, interpolated city-years, and the cities ever missing (short Chinese names).
    """
    cov = size_coverage(panel, measure)
    rows = []
    for cluster_id in clusters:
        sub = cov[cov["cluster_id"] == cluster_id]
        missing = sorted({n for names in sub["missing_cities"] for n in names.split(";") if n})
        rows.append({"cluster": cluster_name(cluster_id), "members": int(sub["members"].max()),
                     "city-years without value": int(sub["missing"].sum()),
                     "interpolated": int(sub["interpolated"].sum()),
                     "cities missing": ", ".join(missing) or "none"})
    values = {"h_cov_missing_total": int(cov["missing"].sum()),
              "h_cov_interp_total": int(cov["interpolated"].sum())}
    return values, pd.DataFrame(rows)


def _arrow(sub: pd.DataFrame, column: str, first: int, last: int, fmt: str = "{:.2f}") -> str:
    a = sub.loc[sub["year"] == first, column]
    b = sub.loc[sub["year"] == last, column]

    def show(s):
        return "–" if s.empty or pd.isna(s.iloc[0]) else fmt.format(s.iloc[0])

    return f"{show(a)} → {show(b)}"


def hierarchy_summary_table(tables_by_measure: dict, clusters: Sequence[str], first: int,
                            last: int) -> pd.DataFrame:
    """One row per cluster and size measure: cities in ``last``, S2 and S4 in ``first`` →
    ``last`` ("–" when missing), the OLS exponent q and the Gabaix–Ibragimov 1/ζ in ``last`` with
    their 95 % intervals ("∞" for an unbounded upper limit). ``tables_by_measure`` maps a
    measure of :data:`SIZE_MEASURES` to its :func:`hierarchy_table`."""
    rows = []
    for cluster_id in clusters:
        for measure, t in tables_by_measure.items():
            sub = t[t["cluster_id"] == cluster_id]
            end = sub[sub["year"] == last].iloc[0]
            rows.append({"cluster": cluster_name(cluster_id), "size": measure, "n": int(end["n_cities"]),
                         "S2": _arrow(sub, "s2", first, last), "S4": _arrow(sub, "s4", first, last),
                         f"q {last} [95% CI]": f"{end['q']:.2f} [{end['q_low']:.2f}, {end['q_high']:.2f}]",
                         f"1/ζ {last} [95% CI]": f"{end['q_gi']:.2f} [{end['q_gi_low']:.2f}, "
                         + ("∞" if np.isinf(end["q_gi_high"]) else f"{end['q_gi_high']:.2f}") + "]"})
    return pd.DataFrame(rows)


def _ends(table: pd.DataFrame, clusters: Sequence[str], year: int) -> pd.DataFrame:
    return table[table["year"] == year].set_index("cluster_id").loc[list(clusters)]


def primacy_values(table: pd.DataFrame, clusters: Sequence[str], first: int, last: int) -> dict:
    """What the prose says about primacy (:func:`hierarchy_table` of the chosen measure): the
    clusters with the highest and lowest S2 in ``last`` with their two largest cities
    (``h_s2_top*``, ``h_s2_low*``), how many have S2 ≥ 2, the rank–size value
    (``h_n_s2_above2``), how many saw S2 fall since ``first`` (``h_n_s2_fell``) and those whose
    largest city changed (``h_primate_changes``); all of it in sentences that read right for one
    cluster (``h_primacy_text``, following "By <measure> in <year>")."""
    end, start = _ends(table, clusters, last), _ends(table, clusters, first)
    top, low = end["s2"].idxmax(), end["s2"].idxmin()
    changed = [cluster_name(c) for c in clusters if start.at[c, "primate_zh"] != end.at[c, "primate_zh"]]
    n, above, fell = len(clusters), int((end["s2"] >= 2).sum()), int((end["s2"] < start["s2"]).sum())
    if n == 1:
        text = (f"the one cluster chosen, {cluster_name(top)}, has S2 = {end.at[top, 's2']:.2f} "
                f"({end.at[top, 'primate_zh']} over {end.at[top, 'second_zh']}). Its S2 "
                f"{'reaches' if above else 'does not reach'} the rank–size value S2 = 2 and "
                f"{'fell' if fell else 'did not fall'} between {first} and {last}. Its largest city "
                f"{'changed' if changed else 'did not change'}.")
    else:
        text = (f"the most primate cluster is {cluster_name(top)} (S2 = {end.at[top, 's2']:.2f}, "
                f"{end.at[top, 'primate_zh']} over {end.at[top, 'second_zh']}), the least primate "
                f"{cluster_name(low)} (S2 = {end.at[low, 's2']:.2f}, {end.at[low, 'primate_zh']} over "
                f"{end.at[low, 'second_zh']}). {capitalised(count_phrase(above, n, 'cluster'))} "
                f"{verb_for(above, n, 'reaches', 'reach')} the rank–size value S2 = 2, and S2 fell between "
                f"{first} and {last} in {count_phrase(fell, n, 'cluster')}. "
                + (f"The largest city changed in: {', '.join(changed)}." if changed else
                   "The largest city did not change in any cluster."))
    return {"h_primacy_text": text, "h_s2_top_cluster": cluster_name(top), "h_s2_top": float(end.at[top, "s2"]),
            "h_s2_top_city": f"{end.at[top, 'primate_zh']} over {end.at[top, 'second_zh']}",
            "h_s2_low_cluster": cluster_name(low), "h_s2_low": float(end.at[low, "s2"]),
            "h_s2_low_city": f"{end.at[low, 'primate_zh']} over {end.at[low, 'second_zh']}",
            "h_n_s2_above2": int((end["s2"] >= 2).sum()),
            "h_n_s2_fell": int((end["s2"] < start["s2"]).sum()),
            "h_primate_changes": ", ".join(changed) if changed else "none of them"}


def rank_size_values(table: pd.DataFrame, clusters: Sequence[str], last: int) -> dict:
    """What the prose says about the rank–size exponents in ``last``: the steepest cluster
    (largest OLS q, with its 95 % interval), how many intervals cover 1, the widest and narrowest
    intervals, the largest gap between q and 1/ζ, and how many clusters have q < 1; in sentences
    that read right for one cluster (``h_rank_size_text``, following "In <year>")."""
    end = _ends(table, clusters, last)
    steep = end["q"].idxmax()
    covers_one = ((end["q_low"] <= 1) & (end["q_high"] >= 1))
    width = (end["q_high"] - end["q_low"])
    gap = (end["q_gi"] - end["q"]).abs()
    n, below, covers = len(clusters), int((end["q"] < 1).sum()), int(covers_one.sum())
    q = (f"q = {end.at[steep, 'q']:.2f}, 95 % interval {end.at[steep, 'q_low']:.2f} to "
         f"{end.at[steep, 'q_high']:.2f}")
    if n == 1:
        text = (f"the hierarchy of the one cluster chosen, {cluster_name(steep)}, has {q}; "
                f"{'q < 1, i.e. flatter than Zipf' if below else 'q is at least 1, i.e. not flatter than Zipf'}. "
                f"The interval shows how little a dozen or two cities can tell: on "
                f"{n_noun(int(end.at[steep, 'n_cities']), 'ranked unit')} it spans {width.max():.2f} units of q, "
                f"and it {'includes' if covers else 'excludes'} q = 1. The two estimators disagree by "
                f"{gap.max():.2f}.")
    else:
        text = (f"the steepest hierarchy is that of {cluster_name(steep)} ({q}); "
                f"{count_phrase(below, n, 'cluster')} {verb_for(below, n, 'has', 'have')} q < 1, i.e. flatter "
                f"than Zipf. The intervals show how little a dozen or two cities can tell: the widest, "
                f"{cluster_name(width.idxmax())} with {n_noun(int(end.at[width.idxmax(), 'n_cities']), 'ranked unit')}, "
                f"spans {width.max():.2f} units of q, the narrowest ({cluster_name(width.idxmin())}) "
                f"{width.min():.2f}; {count_phrase(covers, n, 'interval')} {verb_for(covers, n, 'includes', 'include')} "
                f"q = 1. The two estimators disagree by up to {gap.max():.2f} ({cluster_name(gap.idxmax())}).")
    return {"h_rank_size_text": text, "h_q_steep_cluster": cluster_name(steep), "h_q_steep": float(end.at[steep, "q"]),
            "h_q_steep_low": float(end.at[steep, "q_low"]), "h_q_steep_high": float(end.at[steep, "q_high"]),
            "h_n_ci_covers_1": int(covers_one.sum()),
            "h_widest_cluster": cluster_name(width.idxmax()), "h_widest_n": int(end.at[width.idxmax(), "n_cities"]),
            "h_widest": float(width.max()),
            "h_narrowest_cluster": cluster_name(width.idxmin()), "h_narrowest": float(width.min()),
            "h_max_gap_cluster": cluster_name(gap.idxmax()), "h_max_gap": float(gap.max()),
            "h_n_q_below1": int((end["q"] < 1).sum())}


def second_tier_report(table: pd.DataFrame, clusters: Sequence[str], last: int,
                       secondary_share: float) -> tuple[dict, pd.DataFrame]:
    """The second tier in ``last``: the thinnest and thickest clusters by the mean Zipf ratio
    of ranks 3–5 (with z2 and the count of secondary centres), how many are below 1, and a table
    per cluster (largest city, its share, z2, second tier, cities ≥ ``secondary_share`` of the
    largest). The words around the counts read right for one cluster (``h_thin_intro``,
    ``h_thin_nsec_text``, ``h_thick_sentence``)."""
    end = _ends(table, clusters, last)
    thin, thick = end["second_tier"].idxmin(), end["second_tier"].idxmax()
    values = {"h_thin_cluster": cluster_name(thin), "h_thin_value": float(end.at[thin, "second_tier"]),
              "h_thin_z2": float(end.at[thin, "z2"]), "h_thin_nsec": int(end.at[thin, "n_secondary"]),
              "h_thick_cluster": cluster_name(thick), "h_thick_value": float(end.at[thick, "second_tier"]),
              "h_thick_nsec": int(end.at[thick, "n_secondary"]),
              "h_n_thin": int((end["second_tier"] < 1).sum())}
    n, nsec, n_thin = len(clusters), values["h_thin_nsec"], values["h_n_thin"]
    values["h_thin_intro"] = ("the second tier is read in the one cluster chosen," if n == 1
                              else "the second tier is thinnest in")
    values["h_thin_nsec_text"] = (f"only {n_noun(nsec, 'city')} besides the largest {'reaches' if nsec == 1 else 'reach'}"
                                  if nsec else "no city besides the largest reaches")
    values["h_thick_sentence"] = (
        f"Its second tier lies {'below' if n_thin else 'at or above'} the rule." if n == 1 else
        f"The thickest second tier is that of {cluster_name(thick)} ({end.at[thick, 'second_tier']:.2f}, "
        f"{n_noun(values['h_thick_nsec'], 'city')}). {capitalised(count_phrase(n_thin, n, 'cluster'))} "
        f"{verb_for(n_thin, n, 'has', 'have')} a second tier below the rule.")
    rows = [{"cluster": cluster_name(c), "largest": end.at[c, "primate_zh"], "top share": end.at[c, "top_share"],
             "z2": end.at[c, "z2"], "second tier (z3–z5)": end.at[c, "second_tier"],
             f"cities ≥ {secondary_share:.0%} of largest": int(end.at[c, "n_secondary"])} for c in clusters]
    return values, pd.DataFrame(rows)


def choose_corridors(corridor_table: pd.DataFrame, corridors: Sequence[str]) -> pd.DataFrame:
    """The rows of :func:`read_corridors` for ``corridors``, in that order."""
    chosen = corridor_table[corridor_table["corridor_id"].isin(corridors)]
    return chosen.set_index("corridor_id").loc[list(corridors)].reset_index()


def corridor_report(city_panel: pd.DataFrame, chosen: pd.DataFrame, corridors: Sequence[str],
                    first: int, last: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The middle dip of GDP per capita (元) along the chosen corridors in ``first`` and ``last``.

    :func:`corridor_profile` and :func:`corridor_dips` on ``city_panel``
    (:func:`cityclusters.data.tables.city_year`). Returns the values for the prose (deepest and
    shallowest dip in ``last``, how many corridors are below :data:`COLLAPSE_THRESHOLD`, how
    many dips rose, missing cities), a table (corridor, its cities, dip in both years) and the
    profile (for the figure). ``chosen`` is :func:`choose_corridors` of ``corridors``.
    """
    profile = corridor_profile(city_panel, chosen, "gdp_per_capita", [first, last])
    dips = corridor_dips(profile)
    d = dips.pivot(index="corridor_id", columns="year", values="dip").loc[corridors]
    labels = chosen.drop_duplicates("corridor_id").set_index("corridor_id")
    rows = []
    for cid in corridors:
        cities = chosen.loc[chosen["corridor_id"] == cid, "city_zh"].map(lambda n: n.removesuffix("市"))
        rows.append({"corridor": labels.at[cid, "corridor_en"], "cities": "–".join(cities),
                     f"dip {first}": d.at[cid, first], f"dip {last}": d.at[cid, last]})
    deepest, shallow = d[last].idxmin(), d[last].idxmax()
    values = {"h_collapse_threshold": COLLAPSE_THRESHOLD,
              "h_dip_deepest": labels.at[deepest, "corridor_en"], "h_dip_deepest_value": float(d.at[deepest, last]),
              "h_dip_shallow": labels.at[shallow, "corridor_en"], "h_dip_shallow_value": float(d.at[shallow, last]),
              "h_n_collapsed": int((d[last] < COLLAPSE_THRESHOLD).sum()),
              "h_n_corridors": len(corridors),
              "h_n_dip_rose": int((d[last] > d[first]).sum()),
              "h_dip_missing": "; ".join(f"{r.corridor_id} {r.year}: {r.missing}"
                                         for r in dips.itertuples() if r.missing) or "none"}
    return values, pd.DataFrame(rows), profile


def claim_years(first: int, last: int) -> tuple[int, int]:
    """The data years of papers 000 and 004 clipped to ``first``–``last``."""
    def clip(year):
        return int(min(max(year, first), last))

    return clip(PAPER000_YEAR), clip(PAPER004_YEAR)


def wuhan_primacy_verdict(s2_cluster: dict, s2_hubei: dict, second: str, rank: int,
                          n_planned: int, year: int, radiation: dict | None = None) -> Verdict:
    """Verdict on p004_wuhan_primacy from Wuhan's S2 by measure (``gdp``, ``population``) in the
    Middle Yangtze cluster and among Hubei's members, and from observed flows (``radiation``:
    :func:`cityclusters.analysis.flows.wuhan_radiation`). "High" primacy is S2 ≥ 2 (the
    rank–size value) on at least one measure; a "weak pull" is a share of Wuhan's trips to the
    cluster's other members below the median of the other clusters' cores.

    Supported when primacy is high in the cluster and the pull weak; partly supported when
    only one half holds (or primacy is high only among Hubei's members); not supported when
    neither holds. Without ``radiation`` the pull is not testable and the verdict can be at
    most partly supported."""
    high_cluster = max(s2_cluster.values()) >= 2
    high_hubei = max(s2_hubei.values()) >= 2
    evidence = (f"{year}: S2 of Wuhan in the Middle Yangtze cluster {s2_cluster['gdp']:.2f} (GDP; second {second}) and "
                f"{s2_cluster['population']:.2f} (population), rank {rank} of {n_planned} planned clusters by GDP; "
                f"among Hubei's members {s2_hubei['gdp']:.2f} (GDP) and {s2_hubei['population']:.2f} (population); "
                "rank–size value 2")
    if radiation is None:
        if high_cluster:
            verdict = "partly supported: high primacy in the cluster; the weak pull on neighbours is not testable with our data"
        elif high_hubei:
            verdict = ("partly supported: Wuhan dominates Hubei but not the three-province cluster; "
                       "the weak pull on neighbours is not testable with our data")
        else:
            verdict = "not supported: Wuhan's primacy is below the rank–size value both in Hubei and in the cluster"
        return Verdict("p004_wuhan_primacy", verdict, evidence, rule="descriptive_measure",
                   would_change="the other size measure, another year, or a window of flows other than April 2021")
    weak = radiation["share"] < radiation["others_median"]
    evidence += (f"; Baidu flows 2021-04-12…25: {radiation['share']:.0%} of Wuhan's trips go to the cluster's other cities "
                 f"(median of {radiation['n_others']} other cores {radiation['others_median']:.0%}; Changsha "
                 f"{radiation['changsha']:.0%}, Nanchang {radiation['nanchang']:.0%}), {radiation['outside_province']:.1%} to "
                 f"those in Hunan and Jiangxi (Changsha to members outside Hunan {radiation['changsha_outside']:.1%}, "
                 f"Nanchang outside Jiangxi {radiation['nanchang_outside']:.1%})")
    pull = "a weak pull on the cluster" if weak else "no weaker pull on the cluster than other cores"
    if high_cluster and weak:
        verdict = "supported: high primacy and a weak pull on the cluster's other cities"
    elif high_cluster or weak:
        primacy = ("high primacy in the cluster" if high_cluster else
                   "primacy high only among Hubei's members" if high_hubei else "primacy below the rank–size value")
        verdict = f"partly supported: {primacy}, {pull} (share of trips, not investment)"
    elif high_hubei:
        verdict = f"partly supported: Wuhan dominates Hubei but not the cluster, and shows {pull}"
    else:
        verdict = "not supported: neither high primacy nor a weak pull on the cluster"
    return Verdict("p004_wuhan_primacy", verdict, evidence, rule="descriptive_measure",
                   would_change="the other size measure, another year, or a window of flows other than April 2021")


def middle_collapse_verdict(dips, year: int) -> Verdict:
    """Verdict on p000_middle_collapse from the middle dips (corridor id → dip) in ``year``:
    supported when both Chengdu–Chongqing corridors are below :data:`COLLAPSE_THRESHOLD` and
    Shanghai–Nanjing (``huning``) is not; partly supported when at least one of the two is below;
    not supported otherwise."""
    cy = pd.Series({c: dips[c] for c in ("chengyu_south", "chengyu_north")})
    collapse = bool((cy < COLLAPSE_THRESHOLD).all() and dips["huning"] >= COLLAPSE_THRESHOLD)
    verdict = ("supported" if collapse else
               "partly supported: one Chengdu–Chongqing corridor, or the YRD comparison, does not fit"
               if (cy < COLLAPSE_THRESHOLD).any() else "not supported")
    evidence = (f"{year} GDP per capita, interior cities / mean of the two ends: Chengdu–Ziyang–Neijiang–Chongqing "
                f"{dips['chengyu_south']:.2f}, Chengdu–Suining–Chongqing {dips['chengyu_north']:.2f}; "
                f"Shanghai–Nanjing {dips['huning']:.2f}; Wuhan–Changsha {dips['wuguang']:.2f}")
    return Verdict("p000_middle_collapse", verdict, evidence,
        rule="descriptive_measure",
        would_change="another year, or population or night lights instead of GDP per head for the interior cities")


def secondary_centres_verdict(tier: dict, q_cyg: dict, year: int) -> Verdict:
    """Verdict on p000_missing_secondary_centres. ``tier`` maps a measure to the second-tier
    values (mean Zipf ratio of ranks 3–5) of ``chengyugui``, ``chengyu`` and the other planned
    clusters; ``q_cyg`` a measure to the OLS q of Chengdu–Chongqing–Guiyang with its interval.
    Supported when both south-western scopes are below 1 and the lowest on every measure; partly
    supported when below 1 but not the lowest; not supported otherwise."""
    cy = ["chengyugui", "chengyu"]
    cy_lowest = all(t[cy].min() <= t.drop(cy).min() for t in tier.values())
    cy_thin = all((t[cy] < 1).all() for t in tier.values())
    verdict = ("supported" if cy_thin and cy_lowest else
               "partly supported: the second tier is thin but not the thinnest among the clusters" if cy_thin
               else "not supported")
    evidence = (f"{year}: mean Zipf ratio of ranks 3–5 in Chengdu–Chongqing–Guiyang {tier['gdp']['chengyugui']:.2f} (GDP), "
                f"{tier['population']['chengyugui']:.2f} (population); Chengdu–Chongqing {tier['gdp']['chengyu']:.2f} / "
                f"{tier['population']['chengyu']:.2f}; other planned clusters ≥ "
                f"{min(tier['gdp'].drop(cy).min(), tier['population'].drop(cy).min()):.2f}; "
                f"OLS q by GDP {q_cyg['gdp']['q']:.2f} [{q_cyg['gdp']['q_low']:.2f}, {q_cyg['gdp']['q_high']:.2f}]")
    return Verdict("p000_missing_secondary_centres", verdict, evidence,
        rule="descriptive_measure",
        would_change="another size measure or year under which the second tier reaches the other planned clusters' level")


@dataclass(frozen=True)
class ClaimEvidence:
    """Evidence on the papers' claims (:func:`claim_evidence`): glue ``values``, the three
    ``verdicts`` in the order of the chapter's table, the hierarchy tables of every cluster in
    paper 000's year by measure (``tables_000``) and the corridor profiles of that year
    (``profile_000``), which the exercises reuse."""

    values: dict
    verdicts: list
    tables_000: dict
    profile_000: pd.DataFrame


def claim_evidence(panel_000: pd.DataFrame, panel_004: pd.DataFrame, city_panel: pd.DataFrame,
                   corridor_table: pd.DataFrame, secondary_share: float, year_000: int,
                   year_004: int, radiation: dict | None = None) -> ClaimEvidence:
    """Test the hierarchy claims of papers 000 and 004 (section sec-ch4-verdicts).

    ``panel_000`` and ``panel_004`` are :func:`cityclusters.data.tables.cluster_city_year` of
    every cluster in the papers' years. Wuhan's S2 in the Middle Yangtze cluster and among its
    Hubei members, by GDP and population, and the cluster's rank among :data:`PLANNED` by S2 of
    GDP (paper 004); the middle dips of every corridor of ``corridor_table`` in ``year_000``; the
    second tier and the OLS q of Chengdu–Chongqing–Guiyang and the planned clusters (paper 000).
    ``radiation``: Wuhan's observed pull (:func:`cityclusters.analysis.flows.wuhan_radiation`).
    """
    def claim_tables(p):
        return {m: hierarchy_table(p, m, secondary_share=secondary_share).set_index("cluster_id")
                for m in SIZE_MEASURES}

    h004 = claim_tables(panel_004)
    hubei = panel_004[(panel_004["cluster_id"] == "middle_yangtze")
                      & (panel_004["province_zh"] == "湖北省")].assign(cluster_id="hubei")
    h_hubei = {m: hierarchy_table(hubei, m).set_index("cluster_id") for m in SIZE_MEASURES}
    s2_my = {m: float(h004[m].at["middle_yangtze", "s2"]) for m in h004}
    s2_hb = {m: float(h_hubei[m].at["hubei", "s2"]) for m in h_hubei}
    second_my = h004["gdp"].at["middle_yangtze", "second_zh"]
    rank_my = int(h004["gdp"].loc[PLANNED, "s2"].rank(ascending=False)["middle_yangtze"])
    v004 = wuhan_primacy_verdict(s2_my, s2_hb, second_my, rank_my, len(PLANNED), year_004, radiation)

    h000 = claim_tables(panel_000)
    prof000 = corridor_profile(city_panel, corridor_table, "gdp_per_capita", [year_000])
    dip000 = corridor_dips(prof000).set_index("corridor_id")["dip"]
    v_collapse = middle_collapse_verdict(dip000, year_000)
    tier = {m: h000[m].loc[["chengyugui", "chengyu"] + [c for c in PLANNED if c != "chengyu"], "second_tier"]
            for m in h000}
    q_cyg = {m: h000[m].loc["chengyugui", ["q", "q_low", "q_high"]] for m in h000}
    v_tier = secondary_centres_verdict(tier, q_cyg, year_000)
    values = {"h_year_000": year_000, "h_year_004": year_004,
              "h_wuhan_s2_gdp": s2_my["gdp"], "h_wuhan_s2_pop": s2_my["population"],
              "h_wuhan_s2_hubei_gdp": s2_hb["gdp"], "h_wuhan_s2_hubei_pop": s2_hb["population"],
              "h_wuhan_rank": rank_my, "h_wuhan_second": second_my,
              "h_dip000_south": float(dip000["chengyu_south"]), "h_dip000_north": float(dip000["chengyu_north"]),
              "h_dip000_huning": float(dip000["huning"]), "h_dip000_wuguang": float(dip000["wuguang"]),
              "h_tier000_cyg_gdp": float(tier["gdp"]["chengyugui"]),
              "h_tier000_cyg_pop": float(tier["population"]["chengyugui"]),
              "h_tier000_cy_gdp": float(tier["gdp"]["chengyu"]),
              "h_q000_cyg_gdp": float(q_cyg["gdp"]["q"]),
              "h_verdict_collapse": v_collapse.verdict, "h_verdict_tier": v_tier.verdict,
              "h_verdict_wuhan": v004.verdict}
    if radiation is not None:
        values.update({"h_wuhan_rad_cmp": "less than" if radiation["share"] < radiation["others_median"] else "at least as much as",
                       "h_wuhan_rad": radiation["share"], "h_wuhan_rad_others": radiation["others_median"],
                       "h_wuhan_rad_outside": radiation["outside_province"], "h_changsha_rad": radiation["changsha"],
                       "h_nanchang_rad": radiation["nanchang"], "h_changsha_rad_outside": radiation["changsha_outside"],
                       "h_nanchang_rad_outside": radiation["nanchang_outside"]})
    return ClaimEvidence(values=values, verdicts=[v004, v_collapse, v_tier], tables_000=h000,
                         profile_000=prof000)


def exercise_values(chengyu_panel: pd.DataFrame, last: int, evidence: ClaimEvidence) -> dict:
    """Values of the exercise solutions: S2 and second tier of Chengdu–Chongqing in ``last`` by
    population and by GDP with the words comparing them (``chengyu_panel``: its cluster–city–year
    rows including ``last``); interval widths of q and ζ (and whether 1/ζ is bounded) for the
    smallest (Qianzhong) and largest (YRD 41) clusters in paper 000's year; and the interior
    cities of the southern Chengdu–Chongqing corridor as a share of Chengdu's GDP per capita."""
    hpl = {m: hierarchy_table(chengyu_panel, m) for m in SIZE_MEASURES}
    hpl = {m: t[t["year"] == last].iloc[0] for m, t in hpl.items()}
    g = evidence.tables_000["gdp"]
    south = evidence.profile_000[evidence.profile_000["corridor_id"] == "chengyu_south"].sort_values("order")
    return {
        "h_ex1_s2_pop": float(hpl["population"]["s2"]), "h_ex1_s2_gdp": float(hpl["gdp"]["s2"]),
        "h_ex1_tier_pop": float(hpl["population"]["second_tier"]),
        "h_ex1_tier_gdp": float(hpl["gdp"]["second_tier"]),
        "h_ex1_s2_word": "less primate" if hpl["gdp"]["s2"] < hpl["population"]["s2"] else "more primate",
        "h_ex1_tier_word": "thinner" if hpl["gdp"]["second_tier"] < hpl["population"]["second_tier"] else "thicker",
        "h_ex2_n_small": int(g.at["qianzhong", "n_cities"]),
        "h_ex2_w_small": float(g.at["qianzhong", "q_high"] - g.at["qianzhong", "q_low"]),
        "h_ex2_w_large": float(g.at["yrd41", "q_high"] - g.at["yrd41", "q_low"]),
        "h_ex2_gi_small": float(g.at["qianzhong", "zeta_high"] - g.at["qianzhong", "zeta_low"]),
        "h_ex2_gi_large": float(g.at["yrd41", "zeta_high"] - g.at["yrd41", "zeta_low"]),
        "h_ex2_gi_small_unbounded": "unbounded" if np.isinf(g.at["qianzhong", "q_gi_high"]) else "bounded",
        "h_ex3_vs_chengdu": float(south.loc[south["position"] == "interior", "value"].mean() / south["value"].iloc[0]),
    }
