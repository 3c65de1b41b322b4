"""Mechanical counterfactuals for chapter 12 (pathways as scenarios).

Each function changes **one input** of an indicator the book already computes and recomputes
the indicator with the existing formulas; nothing here forecasts. The three scenarios:

1. **Planned rail lines** (:func:`line_links`, :func:`apply_links`,
   :func:`linkage_indicators`): the travel-time matrix of
   :mod:`cityclusters.analysis.linkages` gets the planned time of a typed line
   (``data/facts/scenario_lines.csv``) between its cities; shortest paths are recomputed and
   the gravity linkages of :func:`cityclusters.indicators.linkages.gravity_matrix` follow.
2. **Closing a per-capita gap** (:func:`close_gap`, :func:`inequality_indicators`): chosen
   cities close a share of their GDP-per-head gap to a target, population fixed; Theil and CV
   of :mod:`cityclusters.indicators.inequality` are recomputed.
3. **A stronger core** (:func:`grow_city`, :func:`hierarchy_indicators`): one city's size is
   multiplied by 1 + g; primacy and the rank–size exponent of
   :mod:`cityclusters.indicators.hierarchy` are recomputed.

:func:`direction_word` and :func:`validate_scenario_parameters` serve the chapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import floyd_warshall

from cityclusters.analysis.linkages import core_periphery_shares
from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators.hierarchy import primacy_indices, rank_size_fit
from cityclusters.indicators.inequality import coefficient_of_variation, theil
from cityclusters.indicators.linkages import gravity_matrix, great_circle_distance

LINES_FILE = "data/facts/scenario_lines.csv"
LINE_COLUMNS = ["line_id", "line_zh", "line_en", "cluster_id", "cities_zh", "planned_time_h",
                "time_between_zh", "design_speed_kmh", "length_km", "status", "source",
                "source_url", "verification", "note"]


# ----------------------------------------------------------------------------- typed lines
def check_scenario_lines(table: pd.DataFrame, where: str = LINES_FILE) -> pd.DataFrame:
    """Validate the planned-line table; errors name the file, the row (header = 1) and column.

    Rules: every column of :data:`LINE_COLUMNS`; unique ``line_id``; ``cities_zh`` at least
    two ";"-separated full prefecture names in order along the line, none repeated;
    ``time_between_zh`` two of those cities; ``planned_time_h`` a positive number (hours);
    ``source`` and ``source_url`` not empty.
    """
    missing = [c for c in LINE_COLUMNS if c not in table.columns]
    if missing:
        raise SourceFormatError(f"{where}: missing column(s) {missing}")
    for column in ("line_id", "cities_zh", "time_between_zh", "planned_time_h", "source", "source_url"):
        empty = table[column].isna() | table[column].astype(str).str.strip().eq("")
        if empty.any():
            raise SourceFormatError(f"{where}: row {int(empty.to_numpy().argmax()) + 2}: column '{column}' is empty")
    dup = table["line_id"].duplicated()
    if dup.any():
        raise SourceFormatError(f"{where}: row {int(dup.to_numpy().argmax()) + 2}: column 'line_id' repeats "
                                f"{table.loc[dup, 'line_id'].iloc[0]!r}")
    out = table.copy()
    out["cities"] = [str(v).split(";") for v in out["cities_zh"]]
    out["between"] = [str(v).split(";") for v in out["time_between_zh"]]
    hours = pd.to_numeric(out["planned_time_h"], errors="coerce")
    for k, row in enumerate(out.itertuples(), start=2):
        if len(row.cities) < 2 or len(set(row.cities)) != len(row.cities):
            raise SourceFormatError(f"{where}: row {k}: column 'cities_zh' needs at least two distinct "
                                    f"cities separated by ';', got {row.cities_zh!r}")
        if len(row.between) != 2 or not set(row.between) <= set(row.cities) or row.between[0] == row.between[1]:
            raise SourceFormatError(f"{where}: row {k}: column 'time_between_zh' must name two cities of "
                                    f"cities_zh, got {row.time_between_zh!r}")
        if not np.isfinite(hours.iat[k - 2]) or hours.iat[k - 2] <= 0:
            raise SourceFormatError(f"{where}: row {k}: column 'planned_time_h' must be a positive number "
                                    f"of hours, got {row.planned_time_h!r}")
    out["planned_time_h"] = hours
    return out


def scenario_lines() -> pd.DataFrame:
    """The typed planned lines (``data/facts/scenario_lines.csv``), validated; adds ``cities``
    and ``between`` (lists of full city names)."""
    return check_scenario_lines(read_fact("scenario_lines.csv"))


def line_links(line: Mapping, coords: pd.DataFrame, name_to_code: Mapping[str, int]) -> pd.DataFrame:
    """City-to-city links of a planned line, with times that add up to its planned time.

    The sources give one planned time :math:`T` between two cities of the line
    (``between``); intermediate times are not published. We allocate :math:`T` pro rata to
    the great-circle distance :math:`d_k` between consecutive city centres on the stretch
    between those two cities, and use the same speed beyond it:

    .. math:: t_k = T \\, d_k \\Big/ \\sum_{m \\in \\text{stretch}} d_m .

    Parameters
    ----------
    line : mapping
        A row of :func:`scenario_lines` (``line_id``, ``cities``, ``between``,
        ``planned_time_h``).
    coords : pandas.DataFrame
        ``lon``, ``lat`` by ``city_code`` (:func:`cityclusters.analysis.linkages.network_coords`).
    name_to_code : mapping
        Full city name (e.g. 成都市) → ``city_code``.

    Returns
    -------
    pandas.DataFrame
        ``line_id``, ``code_a``, ``code_b``, ``km`` (great circle), ``hours``.
    """
    unknown = [c for c in line["cities"] if c not in name_to_code]
    if unknown:
        raise SourceFormatError(f"{LINES_FILE}: line {line['line_id']!r}: city {unknown[0]!r} is not a city "
                                "of tables.cities()")
    codes = [int(name_to_code[c]) for c in line["cities"]]
    absent = [c for c in codes if c not in coords.index]
    if absent:
        raise MethodInputError(f"coords: no lon/lat for city_code {absent} of line {line['line_id']!r}")
    dist = great_circle_distance(coords.loc[codes, ["lon", "lat"]])
    km = np.array([dist.iat[k, k + 1] for k in range(len(codes) - 1)])
    lo, hi = sorted(line["cities"].index(c) for c in line["between"])
    stretch = km[lo:hi].sum()
    if stretch <= 0:
        raise MethodInputError(f"line {line['line_id']!r}: the cities of time_between_zh share one centre")
    hours = float(line["planned_time_h"]) * km / stretch
    return pd.DataFrame({"line_id": line["line_id"], "code_a": codes[:-1], "code_b": codes[1:],
                         "km": km, "hours": hours})


def apply_links(times: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Travel-time matrix after adding direct links, with shortest paths recomputed.

    .. math::

        T'_{ij} = \\min_{\\text{paths}} \\sum_e \\tau_e,\\qquad
        \\tau_{ab} = \\min(T_{ab}, t_{ab}) ,

    i.e. every link (a, b, t) replaces :math:`T_{ab}` when faster and the Floyd–Warshall
    shortest paths are taken over the complete graph of ``times``. Because ``times`` is itself a
    shortest-path matrix, this equals rerunning the network with the new line (paths through
    cities outside ``times`` are already inside its entries). A link never makes a time longer.

    Parameters
    ----------
    times : pandas.DataFrame
        Square, symmetric travel-time matrix (hours) labelled by ``city_code``, zero diagonal.
    links : pandas.DataFrame
        ``code_a``, ``code_b``, ``hours`` (from :func:`line_links`); both cities must be in
        ``times``.

    Returns
    -------
    pandas.DataFrame
        Same labels, hours.
    """
    if not isinstance(times, pd.DataFrame) or times.shape[0] != times.shape[1] or \
            list(times.index) != list(times.columns):
        raise MethodInputError("times: expected a square matrix with the same city codes on both axes")
    values = np.ascontiguousarray(times.to_numpy(dtype=float), dtype=float).copy()
    if not np.isfinite(values).all() or (values < 0).any():
        raise MethodInputError("times: travel times must be finite and non-negative")
    position = {code: k for k, code in enumerate(times.index)}
    for k, link in enumerate(links.itertuples(), start=1):
        for code in (link.code_a, link.code_b):
            if code not in position:
                raise MethodInputError(f"links: row {k}: city_code {code} is not in the travel-time matrix")
        if not np.isfinite(link.hours) or link.hours <= 0:
            raise MethodInputError(f"links: row {k}: column 'hours' must be positive, got {link.hours!r}")
        i, j = position[link.code_a], position[link.code_b]
        values[i, j] = values[j, i] = min(values[i, j], float(link.hours))
    np.fill_diagonal(values, 0.0)
    out = floyd_warshall(values, directed=False)
    return pd.DataFrame(out, index=times.index.copy(), columns=times.columns.copy())


def linkage_indicators(panel_year: pd.DataFrame, times: pd.DataFrame, cores: Iterable[int],
                       decay: float = 2.0, threshold: float | None = None) -> dict:
    """Gravity linkage indicators of one cluster-year for a given travel-time matrix.

    With :math:`R_{ij}` from :func:`~cityclusters.indicators.linkages.gravity_matrix`
    (masses √(P·G), distance = travel time in hours, exponent ``decay``):

    * ``total`` = :math:`\\sum_{i<j} R_{ij}` (arbitrary unit; compare only ratios);
    * ``core_share`` and ``core_core`` from
      :func:`cityclusters.analysis.linkages.core_periphery_shares`;
    * ``density`` = share of pairs with :math:`R_{ij} \\ge \\tau`; :math:`\\tau` =
      ``threshold`` or, when None, the mean pair linkage of this matrix (chapter 5's rule).
      Pass the baseline's mean for a scenario, so that the yardstick does not move with it.

    ``panel_year``: one row per city with ``city_code``, ``population`` (万人), ``gdp``
    (亿元); rows lacking either must be dropped (and reported) by the caller.
    """
    frame = panel_year.set_index("city_code")
    codes = list(frame.index)
    gravity = gravity_matrix(frame["population"], frame["gdp"], times.loc[codes, codes], decay=decay)
    upper = gravity.to_numpy()[np.triu_indices(len(codes), 1)]
    tau = float(upper.mean()) if threshold is None else float(threshold)
    shares = core_periphery_shares(gravity, cores)
    return {"total": float(upper.sum()), "mean_pair": float(upper.mean()),
            "core_share": shares["core_endpoint_share"], "core_core": shares["core_core"],
            "density": float((upper >= tau).mean()), "threshold": tau, "n_cities": len(codes)}


# ----------------------------------------------------------------------------- gaps
def close_gap(per_capita: pd.Series, cities: Iterable, target: float, closure: float) -> pd.Series:
    """Per-capita values after the chosen cities close a share of their gap to a target.

    .. math:: y'_i = y_i + c\\,\\max(0, y^* - y_i)\\quad (i \\in \\text{chosen}),\\qquad y'_j = y_j
       \\text{ otherwise},

    with closure :math:`c \\in [0, 1]` (0: no change; 1: the gap is closed). Cities already
    at or above the target are left unchanged (nobody is pulled down). Population is held
    fixed, so a city's GDP rises by the same factor :math:`y'_i / y_i`.
    """
    values = pd.Series(per_capita, dtype=float)
    if isinstance(closure, bool) or not 0 <= closure <= 1:
        raise MethodInputError(f"closure={closure!r} must be a number in [0, 1]")
    if not np.isfinite(target) or target <= 0:
        raise MethodInputError(f"target={target!r} must be a positive number")
    chosen = list(cities)
    absent = [c for c in chosen if c not in values.index]
    if absent:
        raise MethodInputError(f"per_capita: no value for city {absent[0]!r}")
    if values.loc[chosen].isna().any():
        raise MethodInputError(f"per_capita: missing value for city "
                               f"{values.loc[chosen][values.loc[chosen].isna()].index[0]!r}")
    out = values.copy()
    gap = (target - values.loc[chosen]).clip(lower=0)
    out.loc[chosen] = values.loc[chosen] + closure * gap
    return out


def inequality_indicators(per_capita: pd.Series, population: pd.Series) -> dict:
    """Plain Theil, population-weighted Theil (GDP = y·P) and plain CV of per-capita values
    (formulas in :mod:`cityclusters.indicators.inequality`)."""
    y = pd.Series(per_capita, dtype=float)
    p = pd.Series(population, dtype=float).reindex(y.index)
    return {"theil": theil(y), "theil_weighted": theil(y * p, population=p),
            "cv": coefficient_of_variation(y)}


# ----------------------------------------------------------------------------- core growth
def grow_city(sizes: pd.Series, city, growth: float) -> pd.Series:
    """Sizes with one city multiplied by (1 + ``growth``), the others unchanged (growth of
    the city *relative to the rest*: only ratios enter primacy and rank–size)."""
    values = pd.Series(sizes, dtype=float)
    if city not in values.index:
        raise MethodInputError(f"sizes: no value for city {city!r}")
    if isinstance(growth, bool) or not np.isfinite(growth) or growth <= -1:
        raise MethodInputError(f"growth={growth!r} must be a number above -1")
    out = values.copy()
    out.loc[city] = values.loc[city] * (1 + growth)
    return out


def hierarchy_indicators(sizes: pd.Series) -> dict:
    """S2 = P1/P2, S4 (NaN below four cities), the rank–size exponent q (OLS of ln P on ln r;
    NaN below three cities), the largest city and its share of the total."""
    primacy = primacy_indices(sizes)
    q = float("nan")
    if primacy.n_cities >= 3:
        q = float(rank_size_fit(sizes, method="ols").coefficient("q")["estimate"])
    ranked = primacy.ranked_sizes
    return {"s2": primacy.s2, "s4": float("nan") if primacy.s4 is None else primacy.s4, "q": q,
            "largest": ranked.index[0], "top_share": float(ranked.iloc[0] / ranked.sum())}


# ----------------------------------------------------------------------------- chapter helpers
def direction_word(before: float, after: float, tolerance: float = 1e-9,
                   words: Sequence[str] = ("up", "down", "unchanged")) -> str:
    """"up", "down" or "unchanged" (|after − before| ≤ tolerance; NaN → "n/a")."""
    if not (np.isfinite(before) and np.isfinite(after)):
        return "n/a"
    if abs(after - before) <= tolerance:
        return words[2]
    return words[0] if after > before else words[1]


def validate_scenario_parameters(first_year: int, last_year: int, scenario_year: int,
                                 gap_closure: float, core_growth: float,
                                 lines: Sequence[str], known_lines: Iterable[str]) -> None:
    """Refuse invalid scenario parameters with a message naming the parameter and valid values.

    SCENARIO_YEAR an integer in [FIRST_YEAR, LAST_YEAR]; GAP_CLOSURE in [0, 1]; CORE_GROWTH
    in [0, 2]; SCENARIO_LINES a non-empty list of ``line_id`` of :data:`LINES_FILE`.
    """
    if isinstance(scenario_year, bool) or not isinstance(scenario_year, int) or \
            not first_year <= scenario_year <= last_year:
        raise ValueError(f"SCENARIO_YEAR must be an integer between FIRST_YEAR={first_year} and "
                         f"LAST_YEAR={last_year}; got {scenario_year!r}")
    for name, value, lo, hi in (("GAP_CLOSURE", gap_closure, 0, 1), ("CORE_GROWTH", core_growth, 0, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
            raise ValueError(f"{name} must be a number between {lo} and {hi}; got {value!r}")
    known = list(known_lines)
    if isinstance(lines, str) or not isinstance(lines, Sequence) or not lines:
        raise ValueError(f"SCENARIO_LINES must be a non-empty list of line ids {known}; got {lines!r}")
    unknown = [x for x in lines if x not in known]
    if unknown:
        raise ValueError(f"SCENARIO_LINES: unknown line id(s) {unknown}; valid: {known} ({LINES_FILE})")
