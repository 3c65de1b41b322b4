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
   of :mod:`cityclusters.indicators.inequality` are recomputed, and for the lagging core the
   book's one coordination index (:mod:`cityclusters.analysis.coordination_index`) is
   re-scored with its GDP raised (:func:`gap_coordination_effect`).
3. **A stronger core** (:func:`grow_city`, :func:`hierarchy_indicators`): one city's size is
   multiplied by 1 + g; primacy and the rank–size exponent of
   :mod:`cityclusters.indicators.hierarchy` are recomputed.

:func:`direction_word` and :func:`validate_scenario_parameters` serve the chapter; the functions
after them compute the chapter's tables and the numbers of its prose (scorecard, the three
scenarios, the travel-time targets and the exercises). Every observed coordination degree D
is the yardstick's (:func:`coordination_baseline`), the same for a unit-year as in every
other chapter; a direction of D is reported with the share of the multiverse of index
specifications in which it holds (:func:`d_direction_support`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import floyd_warshall

from cityclusters import config
from cityclusters.analysis import coordination, coordination_index, flows, gaps, industry_market, linkages
from cityclusters.analysis import hierarchy as urban_system
from cityclusters.analysis.linkages import core_periphery_shares
from cityclusters.analysis.verdicts import multiverse_support
from cityclusters.analysis.wording import value_range
from cityclusters.data.city_indicators import parse_expression
from cityclusters.data.facts import read_fact
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators import multiverse
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


# ----------------------------------------------------------------------------- chapter 12: values and tables
#: Core pairs of the papers' travel-time targets (city_code): 成都, 重庆, 贵阳.
CD, CQ, GY = 510100, 500100, 520100
#: Secondary centres named by paper 001 (short name → city_code).
SECONDARY = {"宜宾": 511500, "泸州": 510500}
#: Cities of the intermediate-stop notes: 资阳 (Ziyang) and 遵义 (Zunyi).
ZIYANG, ZUNYI = 512000, 520300
#: Tolerance of the scorecard's direction words (indicator units).
DIRECTION_TOLERANCE = 5e-4
#: A pair "gets faster" when its modelled time falls by more than one minute (hours).
FASTER = 1 / 60



def parameter_values(first_year: int, last_year: int, scenario_year: int, gap_closure: float,
                     core_growth: float, decay: float, clusters: Sequence[str], size_measure: str) -> dict:
    """The chapter's parameters for the prose, with the clusters' English names and the word
    for the size measure (:data:`cityclusters.analysis.hierarchy.SIZE_MEASURES`)."""
    return {"first_year": first_year, "last_year": last_year, "scenario_year": scenario_year,
            "gap_closure": gap_closure, "core_growth": core_growth, "decay": decay,
            "clusters_en": ", ".join(config.cluster_names(clusters).values()),
            "size_word": urban_system.SIZE_MEASURES[size_measure][2]}


@dataclass
class CoordinationBaseline:
    """The book's one coordination index read for the chapter
    (:mod:`cityclusters.analysis.coordination_index`): ``result`` is
    :func:`~cityclusters.analysis.coordination_index.yardstick_result` (every prefecture-level
    city-year of :data:`~cityclusters.analysis.coordination_index.FIRST_YEAR`–
    :data:`~cityclusters.analysis.coordination_index.LAST_YEAR` scored once), ``coord`` the
    unweighted means of D, T, C and the subsystem scores U over the member cities of the
    chapter's clusters (:func:`cityclusters.analysis.coordination.cluster_coordination`,
    indexed by cluster_id, year), and ``first_year``–``last_year`` the years both the chapter
    and the index cover (none when ``available`` is False)."""

    members: pd.DataFrame
    first_year: int
    last_year: int
    result: object | None = None
    coord: pd.DataFrame | None = None

    @property
    def available(self) -> bool:
        return self.last_year - self.first_year >= 0


def coordination_baseline(clusters: Sequence[str], first_year: int, last_year: int) -> CoordinationBaseline:
    """The yardstick's D for the members of ``clusters`` (the same D for a cluster-year as in
    chapter 2 and every other chapter), over [max(first_year, index start),
    min(last_year, index end)]."""
    members = coordination.chosen_members(clusters)
    out = CoordinationBaseline(members, max(first_year, coordination_index.FIRST_YEAR),
                               min(last_year, coordination_index.LAST_YEAR))
    if out.available:
        out.result = coordination_index.yardstick_result()
        out.coord = coordination.cluster_coordination(out.result, members).set_index(["cluster_id", "year"])
    return out


def shown_d(base: CoordinationBaseline, clusters: Sequence[str]) -> pd.DataFrame:
    """The clusters' mean D that the scorecard shows (first and last year of ``base``):
    columns cluster_id, year, D, for :func:`cityclusters.publishing.notebook.glue_d_frame`."""
    if not base.available:
        return pd.DataFrame(columns=["cluster_id", "year", "D"])
    years = sorted({base.first_year, base.last_year})
    coord = base.coord["D"].reset_index()
    return coord[coord["cluster_id"].isin(clusters) & coord["year"].isin(years)].reset_index(drop=True)


def d_direction_support(multiverse_frame: pd.DataFrame, base: CoordinationBaseline,
                        clusters: Sequence[str], tolerance: float = DIRECTION_TOLERANCE) -> tuple[pd.DataFrame, dict]:
    """The direction of each cluster's mean D from ``base.first_year`` to ``base.last_year``
    (:func:`direction_word`, ``tolerance`` in units of D) under the main specification (the
    scorecard's word) and in every specification of the multiverse
    (``multiverse_frame``: :func:`cityclusters.analysis.coordination_index.cluster_multiverse`),
    with the share of specifications in which the word is the same
    (:func:`cityclusters.analysis.verdicts.multiverse_support`).

    Returns a frame (cluster_id, word, share, n_specs) and the prose's ``sc_d_text``
    ("Cluster word (the same in x % of n specifications)", joined by "; ") and
    ``sc_d_share_min`` (the smallest share; NaN without D).
    """
    names = config.cluster_names(clusters)
    if not base.available:
        return (pd.DataFrame(columns=["cluster_id", "word", "share", "n_specs"]),
                {"sc_d_text": "not available (the chapter's years and the index's do not overlap)",
                 "sc_d_share_min": float("nan")})
    first, last = base.first_year, base.last_year
    wide = coordination_index.cluster_d_by_specification(multiverse_frame, clusters, [first, last])
    main = coordination_index.main_spec_id(multiverse_frame)
    rows = []
    for c in clusters:
        spec = wide[c]
        if spec.isna().all().all():
            raise MethodInputError(f"multiverse_frame: no D for cluster {c!r} in {first} and {last}")
        words = [direction_word(a, b, tolerance) for a, b in zip(spec[first], spec[last])]
        word = direction_word(spec.at[main, first], spec.at[main, last], tolerance)
        share, n_specs = multiverse_support([None if w == "n/a" else w == word for w in words])
        rows.append({"cluster_id": c, "word": word, "share": share, "n_specs": n_specs})
    table = pd.DataFrame(rows)
    text = "; ".join(f"{names[r.cluster_id]} {r.word} (the same in {r.share:.0%} of {r.n_specs:,} specifications)"
                     for r in table.itertuples())
    return table, {"sc_d_text": text, "sc_d_share_min": float(table["share"].min())}


def index_values(base: CoordinationBaseline) -> dict:
    """The yardstick in words for the prose: its years (``d_index_years``), the number of
    prefecture-level cities it scores (``d_n_cities``) and of city-years (``d_n_city_years``)."""
    values = {"d_index_years": f"{coordination_index.FIRST_YEAR}–{coordination_index.LAST_YEAR}"}
    result = base.result if base.available else coordination_index.yardstick_result()
    index = result.coordination.index
    values.update({"d_n_cities": int(index.get_level_values("city_code").nunique()),
                   "d_n_city_years": len(index)})
    return values


def scorecard(panel: pd.DataFrame, edges: pd.DataFrame, coords: pd.DataFrame, base: CoordinationBaseline,
              clusters: Sequence[str], first_year: int, last_year: int, size_measure: str,
              decay: float) -> tuple[pd.DataFrame, dict]:
    """The scorecard: six recommendations, each with the indicator of Parts I–II that tracks
    it, its value in the last year and its direction since the first (:func:`direction_word`,
    tolerance :data:`DIRECTION_TOLERANCE`), per cluster, plus a row for governance (not
    observed).

    Indicators: D and the market subsystem score U of the book's one coordination index
    (chapter 2's yardstick, cluster means over member cities, years of ``base``); the cores'
    share of gravity linkage on rail times with exponent ``decay`` (chapter 5); mean structure
    similarity (chapter 6); population-weighted Theil of GDP per head (chapter 3); primacy S2
    of ``size_measure`` (chapter 4), each in ``first_year`` and ``last_year``.

    Returns the table and the prose's ``sc_year_first``, ``sc_year_last``, ``sc_d_years``,
    ``sc_n_indicators`` and the direction sentences ``sc_theil_text`` and ``sc_sim_text``
    (D's direction, with its support across the multiverse, is :func:`d_direction_support`'s).
    """
    names = config.cluster_names(clusters)
    has_d, coord = base.available, base.coord
    d_first, d_last = base.first_year, base.last_year
    ends = sorted({first_year, last_year})
    two = panel[panel["year"].isin(ends)]
    in_net = sorted(set(two["city_code"]) & set(coords.index))
    times_two = linkages.travel_times_by_year(edges, coords, ends, in_net)
    link_two = linkages.linkage_panel(two, coords, {c: config.CORE_CITIES[c] for c in clusters}, times_two, decay)
    link_two = link_two[link_two["distance"] == "travel_time"].set_index(["cluster_id", "year"])
    struct_two = industry_market.structure_trends(two).set_index(["cluster_id", "year"])
    theil_two = gaps.inequality_within_clusters(two).set_index(["cluster_id", "year"])
    hier_two = urban_system.hierarchy_table(two, size_measure).set_index(["cluster_id", "year"])

    indicators = [
        # (recommendation, indicator, chapter, getter(cluster, year) -> value, (first, last) years)
        ("Top-level design, coordination 顶层设计", "coupling coordination D, mean of cities", "ch. 2",
         lambda c, y: coord["D"].get((c, y), np.nan) if has_d else np.nan, (d_first, d_last)),
        ("Transport network 交通网络", "cores' share of gravity linkage (rail time)", "ch. 5",
         lambda c, y: link_two["core_endpoint_share"].get((c, y), np.nan), (ends[0], ends[-1])),
        ("Industrial coordination 产业协同", "mean structure similarity S", "ch. 6",
         lambda c, y: struct_two["mean_similarity"].get((c, y), np.nan), (ends[0], ends[-1])),
        ("Unified market 统一市场", "market subsystem score U (level, not integration)", "ch. 2, 6",
         lambda c, y: coord["market"].get((c, y), np.nan) if has_d else np.nan, (d_first, d_last)),
        ("Narrower gaps, shared services 缩小差距", "Theil of GDP per head (pop.-weighted)", "ch. 3",
         lambda c, y: theil_two["theil_weighted"].get((c, y), np.nan), (ends[0], ends[-1])),
        ("A clear core, secondary centres 核心与次级中心", f"primacy S2 ({size_measure})", "ch. 4",
         lambda c, y: hier_two["s2"].get((c, y), np.nan), (ends[0], ends[-1])),
    ]
    rows, directions = [], {}
    for rec, indicator, chapter, get, (y0, y1) in indicators:
        for c in clusters:
            v0, v1 = float(get(c, y0)), float(get(c, y1))
            word = direction_word(v0, v1, tolerance=DIRECTION_TOLERANCE)
            directions[(indicator, c)] = word
            rows.append({"recommendation": rec, "indicator (chapter)": f"{indicator} ({chapter})",
                         "cluster": names[c], "value": "–" if not np.isfinite(v1) else f"{v1:.3f} ({y1})",
                         f"since {y0}": word if word == "n/a" else f"{word} ({v1 - v0:+.3f})"})
    rows.append({"recommendation": "Policies, governing body 协同政策",
                 "indicator (chapter)": "none: governance not observed (ch. 2, 7)",
                 "cluster": "all", "value": "–", f"since {ends[0]}": "n/a"})
    table = pd.DataFrame(rows).rename(columns=lambda k: "since" if k.startswith("since") else k)

    def sentence(indicator):
        return "; ".join(f"{names[c]} {directions[(indicator, c)]}" for c in clusters)

    values = {"sc_year_first": ends[0], "sc_year_last": ends[-1],
              "sc_d_years": f"{d_first}–{d_last}" if has_d else "none",
              "sc_n_indicators": len(indicators),
              "sc_theil_text": sentence("Theil of GDP per head (pop.-weighted)"),
              "sc_sim_text": sentence("mean structure similarity S")}
    return table, values


# ----------------------------------------------------------------------------- scenario 1
def scenario_times(base_all: pd.DataFrame, lines: pd.DataFrame, scenario_lines: Sequence[str],
                   coords: pd.DataFrame, name_to_code: Mapping[str, int]) -> tuple[dict, dict]:
    """Travel-time matrices (hours) with each planned line added (:func:`line_links`,
    :func:`apply_links`) and, with several lines, all of them together (key ``"all"``, last);
    with their labels ("线 line"). ``lines`` is :func:`scenario_lines` indexed by line_id."""
    links = {lid: line_links(lines.loc[lid], coords, name_to_code) for lid in scenario_lines}
    times = {lid: apply_links(base_all, links[lid]) for lid in scenario_lines}
    labels = {lid: f"{lines.at[lid, 'line_zh']} {lines.at[lid, 'line_en']}" for lid in scenario_lines}
    if len(scenario_lines) > 1:
        times["all"] = apply_links(base_all, pd.concat(links.values(), ignore_index=True))
        labels["all"] = "all lines together"
    return times, labels


def lines_text(lines: pd.DataFrame, scenario_lines: Sequence[str]) -> str:
    """The scenario lines in words: "线 (line, planned minutes between cities, verification)"."""
    return "; ".join(f"{lines.at[l, 'line_zh']} ({lines.at[l, 'line_en']}, "
                     f"{lines.at[l, 'planned_time_h'] * 60:.0f} min {'–'.join(c[:-1] for c in lines.at[l, 'between'])}, "
                     f"{lines.at[l, 'verification']})" for l in scenario_lines)


def rail_scenario(last: pd.DataFrame, coords: pd.DataFrame, base_all: pd.DataFrame, times: dict,
                  labels: dict, clusters: Sequence[str], decay: float) -> tuple[pd.DataFrame, dict, dict]:
    """Gravity linkage indicators (:func:`linkage_indicators`) of each cluster in the scenario
    year, baseline and with every scenario matrix of :func:`scenario_times`; the scenario's
    density uses the baseline's threshold.

    ``last``: the panel's rows of the scenario year (``cluster_id, city_code, population,
    gdp``); cities without population or GDP or outside the network are left out and counted.
    Returns the table (cluster, scenario, linkage Δ (ratio − 1), cores' share, core–core,
    density), the usable cities by cluster, and ``s1_sentences`` (the last scenario per
    cluster), ``s1_dropped_<cluster>``, ``s1_last_label`` and ``s1_n_dropped``.
    """
    names = config.cluster_names(clusters)
    rows, sentences, usable_by, values = [], [], {}, {}
    for c in clusters:
        usable = last[last["cluster_id"] == c].dropna(subset=["population", "gdp"])
        usable = usable[usable["city_code"].isin(coords.index)]
        usable_by[c] = usable
        cores = [k for k in config.CORE_CITIES[c] if k in set(usable["city_code"])]
        base = linkage_indicators(usable, base_all, cores, decay)
        rows.append({"cluster": names[c], "scenario": "baseline", "linkage Δ": 0.0, "cores' share": base["core_share"],
                     "core–core": base["core_core"], "density": base["density"]})
        for key, matrix in times.items():
            new = linkage_indicators(usable, matrix, cores, decay, threshold=base["threshold"])
            rows.append({"cluster": names[c], "scenario": labels[key], "linkage Δ": new["total"] / base["total"] - 1,
                         "cores' share": new["core_share"], "core–core": new["core_core"], "density": new["density"]})
        final = new  # the last scenario: all lines when there are several
        sentences.append(f"{names[c]}: total linkage {final['total'] / base['total'] - 1:+.1%}, cores' share "
                         f"{base['core_share']:.1%} → {final['core_share']:.1%}, density {base['density']:.0%} → {final['density']:.0%}")
        values[f"s1_dropped_{c}"] = int((last["cluster_id"] == c).sum() - len(usable))
    values.update({"s1_sentences": "; ".join(sentences), "s1_last_label": labels[list(times)[-1]],
                   "s1_n_dropped": int(len(last) - sum(len(u) for u in usable_by.values()))})
    return pd.DataFrame(rows), usable_by, values


def trip_scenario(pairs: pd.DataFrame, members: pd.DataFrame, base_all: pd.DataFrame, times: dict,
                  labels: dict, clusters: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """Scenario 1 on observed trips instead of modelled gravity.

    Per cluster, the travel-time elasticity β of observed trips among its members
    (:func:`cityclusters.analysis.flows.time_elasticity`: PPML with origin and destination
    effects on the April 2021 Baidu volumes and the network's baseline times) turns each pair's
    observed two-way volume V_ij (:func:`~cityclusters.analysis.flows.two_way_volumes`) into
    V'_ij = V_ij (T'_ij / T_ij)^β. Reported: ``trips Δ`` = Σ V' / Σ V − 1 at β and at the ends
    of its 95 % interval (``trips Δ low``/``high``; the change is monotone in β), and the cores'
    share of trip endpoints and the core–core share before and after
    (:func:`cityclusters.analysis.linkages.core_periphery_shares` of V and V'). A cross-section
    elasticity applied to a change in time, with the city effects (everything that sets a
    city's trips apart) held fixed: a mechanical what-if, like the gravity version.

    Returns the table (cluster, scenario, β, trips Δ and its range, cores' share, core–core)
    and values ``s1_trip_sentences`` (the last scenario per cluster), ``s1_trip_beta_text``,
    and ``s1_trip_beta_low``/``high`` (range of β over the clusters).
    """
    names = config.cluster_names(clusters)
    rows, sentences, betas = [], [], []
    for c in clusters:
        codes = sorted(set(members.loc[members["cluster_id"] == c, "city_code"]) & set(base_all.index))
        fit = flows.time_elasticity(pairs, base_all, codes)
        betas.append((names[c], fit))
        volumes = flows.two_way_volumes(pairs, codes)
        cores = [k for k in config.CORE_CITIES[c] if k in codes]
        base = core_periphery_shares(volumes, cores)
        rows.append({"cluster": names[c], "scenario": "baseline", "β (time)": fit["beta"], "trips Δ": 0.0,
                     "trips Δ low": 0.0, "trips Δ high": 0.0, "cores' share": base["core_endpoint_share"],
                     "core–core": base["core_core"]})
        before = base_all.loc[codes, codes].to_numpy()
        for key, matrix in times.items():
            ratio = np.ones_like(before)
            off = ~np.eye(len(codes), dtype=bool)
            ratio[off] = matrix.loc[codes, codes].to_numpy()[off] / before[off]
            change = {}
            for name, b in (("mid", fit["beta"]), ("low", fit["ci_low"]), ("high", fit["ci_high"])):
                change[name] = float((volumes.to_numpy() * ratio ** b).sum() / volumes.to_numpy().sum() - 1)
            after = core_periphery_shares(volumes * ratio ** fit["beta"], cores)
            rows.append({"cluster": names[c], "scenario": labels[key], "β (time)": fit["beta"],
                         "trips Δ": change["mid"], "trips Δ low": min(change["low"], change["high"]),
                         "trips Δ high": max(change["low"], change["high"]),
                         "cores' share": after["core_endpoint_share"], "core–core": after["core_core"]})
        sentences.append(f"{names[c]}: trips inside the cluster {change['mid']:+.1%} "
                         f"({min(change['low'], change['high']):+.1%} to {max(change['low'], change['high']):+.1%} "
                         f"over the interval of β), cores' share of trips {base['core_endpoint_share']:.1%} → "
                         f"{after['core_endpoint_share']:.1%}")
    values = {"s1_trip_sentences": "; ".join(sentences),
              "s1_trip_beta_text": "; ".join(f"{n} {f['beta']:.2f} ({f['ci_low']:.2f} to {f['ci_high']:.2f})"
                                             for n, f in betas),
              "s1_trip_beta_low": float(min(f["beta"] for _, f in betas)),
              "s1_trip_beta_high": float(max(f["beta"] for _, f in betas))}
    return pd.DataFrame(rows), values


def trips_against_gravity(gravity_table: pd.DataFrame, trips_table: pd.DataFrame) -> dict:
    """``s1_trip_vs_gravity``: per cluster, the change in observed trips (:func:`trip_scenario`)
    next to the change in gravity linkage (:func:`rail_scenario`) under the last scenario, and
    which is larger.

    >>> g = pd.DataFrame({"cluster": ["A", "A"], "scenario": ["baseline", "x"], "linkage Δ": [0.0, 0.30]})
    >>> t = pd.DataFrame({"cluster": ["A", "A"], "scenario": ["baseline", "x"], "trips Δ": [0.0, 0.10]})
    >>> trips_against_gravity(g, t)["s1_trip_vs_gravity"]
    'A: trips +10.0% against linkage +30.0% (the gravity model gives more)'
    """
    clauses = []
    for cluster, rows in trips_table.groupby("cluster", sort=False):
        trips = float(rows["trips Δ"].iloc[-1])
        linkage = float(gravity_table.loc[gravity_table["cluster"] == cluster, "linkage Δ"].iloc[-1])
        word = ("the gravity model gives more" if linkage > trips + 0.0005 else
                "observed trips give more" if trips > linkage + 0.0005 else "the same")
        clauses.append(f"{cluster}: trips {trips:+.1%} against linkage {linkage:+.1%} ({word})")
    return {"s1_trip_vs_gravity": "; ".join(clauses)}


def core_pair_values(base_all: pd.DataFrame, after_all: pd.DataFrame, typed_cdcq_h: float) -> dict:
    """Travel times (hours) between the cores (成都 :data:`CD`, 重庆 :data:`CQ`, 贵阳 :data:`GY`)
    before and after the scenario, the typed 2015 Chengdu–Chongqing time, the times from 成都
    and 重庆 to the secondary centres (:data:`SECONDARY`, as a sentence), and the baseline
    成都–资阳 and 重庆–遵义 times."""
    return {
        "s1_cdcq_typed": float(typed_cdcq_h),
        "s1_cdcq_before": float(base_all.at[CD, CQ]), "s1_cdcq_after": float(after_all.at[CD, CQ]),
        "s1_cqgy_before": float(base_all.at[CQ, GY]), "s1_cqgy_after": float(after_all.at[CQ, GY]),
        "s1_cdgy_before": float(base_all.at[CD, GY]), "s1_cdgy_after": float(after_all.at[CD, GY]),
        "s1_secondary_text": ", ".join(
            f"{core}–{name} {base_all.at[code_c, code]:.1f} h → {after_all.at[code_c, code]:.1f} h"
            for core, code_c in (("成都", CD), ("重庆", CQ)) for name, code in SECONDARY.items()),
        "s1_cd_zy_before": float(base_all.at[CD, ZIYANG]),
        "s1_cq_zunyi_before": float(base_all.at[CQ, ZUNYI]),
    }


def faster_pairs(codes: Sequence[int], base_all: pd.DataFrame, after_all: pd.DataFrame, decay: float,
                 top: int = 12) -> tuple[pd.DataFrame, dict]:
    """City pairs among ``codes`` whose modelled time falls by more than :data:`FASTER`
    (hours), the ``top`` largest linkage gains ``(before/after)**decay`` first
    (``code_a, code_b, before, after, gain``), with ``s1_n_pairs_faster`` (all such pairs)
    and ``s1_n_pairs`` (all pairs)."""
    codes = list(codes)
    b, a = base_all.loc[codes, codes], after_all.loc[codes, codes]
    iu = np.triu_indices(len(codes), 1)
    pairs = pd.DataFrame({"code_a": np.array(codes)[iu[0]], "code_b": np.array(codes)[iu[1]],
                          "before": b.to_numpy()[iu], "after": a.to_numpy()[iu]})
    pairs = pairs[pairs["before"] - pairs["after"] > FASTER].copy()
    pairs["gain"] = (pairs["before"] / pairs["after"]) ** decay
    pairs = pairs.sort_values("gain", ascending=False).head(top)
    return pairs, {"s1_n_pairs_faster": int(((b - a).to_numpy()[iu] > FASTER).sum()), "s1_n_pairs": len(iu[0])}


# ----------------------------------------------------------------------------- scenario 2
def combined_pc(frame: pd.DataFrame) -> float:
    """Combined GDP per head of a group of cities, 元: Σ GDP (亿元) / Σ population (万人) × 10⁴."""
    return float(frame["gdp"].sum() / frame["population"].sum() * 1e4)


def gap_scenarios(last: pd.DataFrame, clusters: Sequence[str], closure: float,
                  zh: Callable[[int], str]) -> tuple[pd.DataFrame, list[dict], dict, dict]:
    """Scenario 2 for every cluster in the scenario year: the **lagging core** (lowest GDP per
    head among ≥ 2 cores) or **all non-core cities** close the share ``closure`` of their gap
    to the combined GDP per head (:func:`combined_pc`) of the other cores / of the cores
    (:func:`close_gap`); weighted Theil and CV before and after (:func:`inequality_indicators`).

    ``last``: the panel's rows of the scenario year; cities without GDP per head or population
    are left out. ``zh`` gives a city's short Chinese name. Returns the table, the cases
    (cluster, variant, chosen cities, target, y, y2, change of weighted Theil), the usable
    cities by cluster (indexed by city_code) and ``s2_n_dropped``, ``s2_lag_text``,
    ``s2_lag_above`` (the lagging core above or below its cluster's combined GDP per head) and
    ``s2_rest_text``.
    """
    names = config.cluster_names(clusters)
    rows, cases, frames = [], [], {}
    for c in clusters:
        usable = last[last["cluster_id"] == c].dropna(subset=["gdp_per_capita", "population"]).set_index("city_code")
        y, p = usable["gdp_per_capita"], usable["population"]
        cores = [k for k in config.CORE_CITIES[c] if k in usable.index]
        base = inequality_indicators(y, p)
        variants = []
        if len(cores) >= 2:
            lag = min(cores, key=lambda k: y[k])
            target = combined_pc(usable.loc[[k for k in cores if k != lag]])
            variants.append(("lagging core", [lag], target, f"{zh(lag)}"))
        non_core = [k for k in usable.index if k not in cores]
        if non_core and cores:
            variants.append(("all non-core cities", non_core, combined_pc(usable.loc[cores]), f"{len(non_core)} cities"))
        for name, chosen, target, raised in variants:
            y2 = close_gap(y, chosen, target, closure)
            new = inequality_indicators(y2, p)
            rows.append({"cluster": names[c], "scenario": name, "raised": raised,
                         "Theil (w) before": base["theil_weighted"], "Theil (w) after": new["theil_weighted"],
                         "CV before": base["cv"], "CV after": new["cv"]})
            cases.append({"cluster": c, "variant": name, "chosen": chosen, "target": target, "y": y, "y2": y2,
                          "change_w": new["theil_weighted"] / base["theil_weighted"] - 1})
        frames[c] = usable
    lag_cases = [k for k in cases if k["variant"] == "lagging core"]
    rest_cases = [k for k in cases if k["variant"] == "all non-core cities"]
    values = {
        "s2_n_dropped": int(len(last) - sum(len(f) for f in frames.values())),
        "s2_lag_text": "; ".join(f"{names[k['cluster']]}: {zh(k['chosen'][0])} {k['y'][k['chosen'][0]]:,.0f} → "
                                 f"{k['y2'][k['chosen'][0]]:,.0f} 元 (target {k['target']:,.0f}), weighted Theil "
                                 f"{k['change_w']:+.0%}" for k in lag_cases) or "no cluster of this run has two cores",
        "s2_lag_above": "; ".join(
            f"{names[k['cluster']]}: {zh(k['chosen'][0])} "
            f"{'above' if k['y'][k['chosen'][0]] > combined_pc(frames[k['cluster']]) else 'below'} it"
            for k in lag_cases) or "no lagging core in this run",
        "s2_rest_text": "; ".join(f"{names[k['cluster']]} {k['change_w']:+.0%}" for k in rest_cases) or "none",
    }
    return pd.DataFrame(rows), cases, frames, values


#: Variables of the indicator system that scenario 2 multiplies by the lagging core's factor:
#: its GDP, nominal and real (population, prices, emissions, FDI, loans and the sectors'
#: shares of GDP stay as they are).
GDP_VARIABLES = ("gp.gdp", "gp.real_gdp")


def gdp_exponents(indicators: pd.DataFrame, variables: Sequence[str] = GDP_VARIABLES) -> dict[str, int]:
    """How each indicator moves when a city's GDP is multiplied by f, all else fixed: the
    indicator becomes x·f^e with e = (times a GDP variable is a factor of the numerator) −
    (times in the denominator), read from the formulas of the indicator system
    (``numerator``, ``denominator``, :func:`cityclusters.data.city_indicators.parse_expression`).
    Returns {indicator_id: e} for the indicators with e ≠ 0. For the yardstick these are
    real_gdp_pc (e = 1), co2_intensity, fdi_gdp and loans_gdp (e = −1). A formula with GDP in
    some but not all of its summands is not proportional to GDP and is refused.

    >>> table = pd.DataFrame({"indicator_id": ["y", "k", "s"], "numerator": ["1e4 * gp.real_gdp", "gp.co2_t", "x.a"],
    ...                       "denominator": ["gp.population", "1e4 * gp.real_gdp", float("nan")]})
    >>> gdp_exponents(table)
    {'y': 1, 'k': -1}
    """
    out = {}
    for row in indicators.itertuples(index=False):
        exponent = 0
        for text, sign in ((row.numerator, 1), (row.denominator, -1)):
            hits = {sum(name in variables for name in names) for _, names in parse_expression(text)}
            if len(hits) > 1:
                raise MethodInputError(f"indicator {row.indicator_id!r}: {text!r} has GDP in some summands only, "
                                       "so it is not proportional to GDP")
            exponent += sign * (hits.pop() if hits else 0)
        if exponent:
            out[row.indicator_id] = exponent
    return out


def gdp_rule_values(indicators: pd.DataFrame, exponents: Mapping[str, int]) -> dict:
    """Scenario 2's rule in words, from the indicator table (``indicator_id``, ``short_en``,
    ``subsystem_id``, ``subsystem_en``, ``direction``) and :func:`gdp_exponents`:
    ``s2_gdp_rule`` ("Real GDP p.c. × f; CO2 intensity ÷ f", indicators in table order) and
    ``s2_touched_text`` (per subsystem touched: which of its indicators rise or fall, how many
    it has, and whether that is better or worse for the score).

    >>> table = pd.DataFrame({"indicator_id": ["y", "k", "g"], "short_en": ["Y", "K", "G"],
    ...                       "subsystem_id": ["ind", "eco", "eco"], "subsystem_en": ["Industry", "Ecology", "Ecology"],
    ...                       "direction": ["positive", "negative", "positive"]})
    >>> values = gdp_rule_values(table, {"y": 1, "k": -1})
    >>> values["s2_gdp_rule"], values["s2_touched_text"]
    ('Y × f; K ÷ f', 'Y rises (1 of 1 indicators of industry; better); K falls (1 of 2 indicators of ecology; better)')
    """
    rows = indicators[indicators["indicator_id"].isin(list(exponents))]
    rule = "; ".join(f"{r.short_en} {'×' if exponents[r.indicator_id] > 0 else '÷'} f"
                     + (f"^{abs(exponents[r.indicator_id])}" if abs(exponents[r.indicator_id]) > 1 else "")
                     for r in rows.itertuples())
    parts = []
    for (subsystem, up), group in rows.groupby(
            [rows["subsystem_id"], rows["indicator_id"].map(lambda k: exponents[k] > 0)], sort=False):
        if group["direction"].nunique() > 1:
            raise MethodInputError(f"indicators of {subsystem!r} moved by GDP point in different directions")
        better = up == (group["direction"].iloc[0] == "positive")
        verb = ("rise" if up else "fall") + ("" if len(group) > 1 else "s")
        n_all = int((indicators["subsystem_id"] == subsystem).sum())
        parts.append(f"{' and '.join(group['short_en'])} {verb} ({len(group)} of {n_all} indicators of "
                     f"{group['subsystem_en'].iloc[0].lower()}; {'better' if better else 'worse'})")
    return {"s2_gdp_rule": rule, "s2_touched_text": "; ".join(parts)}


def scenario_values(keys: pd.DataFrame, values: np.ndarray, names: Sequence[str], city_code: int, year: int,
                    factor: float, exponents: Mapping[str, int]) -> np.ndarray:
    """A copy of the yardstick's raw indicator matrix (``values``, rows ``keys`` city_code/year,
    columns ``names``: :func:`cityclusters.analysis.coordination_index.index_inputs`) with the
    row of (``city_code``, ``year``) changed as if its GDP were multiplied by ``factor``:
    indicator j × factor^e_j (``exponents``, :func:`gdp_exponents`); missing values stay
    missing."""
    if not np.isfinite(factor) or factor <= 0:
        raise MethodInputError(f"factor={factor!r} must be a positive number")
    hit = np.flatnonzero((keys["city_code"].to_numpy() == city_code) & (keys["year"].to_numpy() == year))
    if len(hit) != 1:
        raise MethodInputError(f"keys: city_code {city_code} in {year} is not (once) a row of the index")
    unknown = [k for k in exponents if k not in names]
    if unknown:
        raise MethodInputError(f"exponents: indicator(s) {unknown} are not columns of the index")
    out = np.array(values, dtype=float, copy=True)
    for indicator, exponent in exponents.items():
        out[hit[0], list(names).index(indicator)] *= factor ** exponent
    return out


def rescore_with_gdp(city_code: int, year: int, factor: float, inputs=None,
                     exponents: Mapping[str, int] | None = None) -> tuple[dict, int]:
    """The yardstick re-scored after one city-year's GDP is multiplied by ``factor``
    (:func:`scenario_values`) under the main specification, bounds and weights recomputed
    over the whole panel (:func:`cityclusters.indicators.multiverse.decompose`, as in
    :func:`cityclusters.analysis.coordination_index.panel_index`; with ``factor`` = 1 its
    ``degree`` is panel_index's D). ``inputs``:
    :func:`~cityclusters.analysis.coordination_index.index_inputs` (read when None);
    ``exponents``: :func:`gdp_exponents` of the yardstick (when None).
    Returns the parts of decompose plus ``keys``, and the row of (city_code, year)."""
    keys, raw, subsystem_of, directions, names = inputs or coordination_index.index_inputs()
    if exponents is None:
        exponents = gdp_exponents(coordination_index.index_indicators())
    changed = scenario_values(keys, raw, names, city_code, year, factor, exponents)
    parts = multiverse.decompose(changed, subsystem_of, directions, keys["year"].to_numpy(),
                                 coordination_index.MAIN, names=names)
    row = int(np.flatnonzero((keys["city_code"].to_numpy() == city_code) & (keys["year"].to_numpy() == year))[0])
    return {**parts, "keys": keys}, row


def offset_text(signs: Sequence[set]) -> str:
    """Whether the touched subsystem scores partly offset one another: ``signs`` holds, per
    city, the set of signs (−1, 0, 1) of its scenario changes of U.

    >>> offset_text([{-1, 1}, {1, -1, 0}]), offset_text([{1}]).split(":")[0], offset_text([])
    ('rises and falls among them partly offset', 'here they do not all offset', 'no city to compare')
    """
    if not signs:
        return "no city to compare"
    if all({-1, 1} <= set(k) for k in signs):
        return "rises and falls among them partly offset"
    return "here they do not all offset: in some city every touched score moves the same way"


def gap_coordination_effect(panel: pd.DataFrame, cases: list[dict], base: CoordinationBaseline,
                            scenario_year: int, closure: float, zh: Callable[[int], str]) -> tuple[dict, pd.DataFrame]:
    """The lagging-core cases of :func:`gap_scenarios` fed into the book's one coordination
    index. In d_year = min(scenario_year, last year of ``base``) the lagging core's GDP is
    multiplied by its factor of :func:`close_gap` (target: the other cores' combined GDP per
    head in d_year; population fixed), which changes its real GDP per head (× f), CO2
    intensity, FDI/GDP and loans/GDP (× 1/f) (:func:`gdp_exponents`,
    :func:`scenario_values`); the whole panel is then re-scored under the main specification
    (:func:`cityclusters.indicators.multiverse.decompose`, bounds and weights recomputed, as
    the yardstick would). The baseline is the unchanged yardstick (``base``).

    Returns the prose's values — ``s2_d_year`` (or "none"), ``s2_d_text`` (per cluster: the
    city's observed D → scenario D and its cluster's observed mean → scenario mean),
    ``s2_u_text`` (the city's scenario change of the subsystem scores U touched),
    ``s2_offset_text`` (whether in every city some touched U rise and others fall, by more
    than 10⁻⁶),
    ``s2_d_max_city`` and ``s2_d_max_cluster`` (largest absolute scenario change of the
    cities' D and of the cluster means) — and the observed D the text prints (unit: city code
    or cluster id, year, D) for :func:`cityclusters.publishing.notebook.glue_d_frame`. The
    scenario D are not observations and are not in that frame.
    """
    names = config.cluster_names(sorted({k["cluster"] for k in cases}))
    d_year = min(scenario_year, base.last_year) if base.available else None
    d_rows, u_rows, observed, moves, signs = [], [], [], [], []
    system = coordination_index.index_indicators()
    if base.available and d_year >= base.first_year:
        inputs = coordination_index.index_inputs()
        exponents = gdp_exponents(system)
        touched = list(dict.fromkeys(system.loc[system["indicator_id"].isin(list(exponents)), "subsystem_id"]))
        year_panel = panel[panel["year"] == d_year]
        for k in cases:
            if k["variant"] != "lagging core":
                continue
            c, lag = k["cluster"], k["chosen"][0]
            u = year_panel[year_panel["cluster_id"] == c].dropna(subset=["gdp_per_capita", "population"]).set_index("city_code")
            cores = [x for x in config.CORE_CITIES[c] if x in u.index]
            if lag not in u.index or len(cores) < 2 or (lag, d_year) not in base.result.coordination.index:
                continue
            target = combined_pc(u.loc[[x for x in cores if x != lag]])
            factor = float(close_gap(u["gdp_per_capita"], [lag], target, closure)[lag] / u.at[lag, "gdp_per_capita"])
            parts, row = rescore_with_gdp(lag, d_year, factor, inputs, exponents)
            scenario = parts["keys"].assign(D=parts["degree"])
            d0 = float(base.result.coordination.at[(lag, d_year), "D"])
            d1 = float(parts["degree"][row])
            cm0 = float(base.coord.at[(c, d_year), "D"])
            means = coordination_index.cluster_means(scenario[scenario["year"] == d_year], base.members)
            cm1 = float(means.set_index(["cluster_id", "year"]).at[(c, d_year), "D"])
            observed += [(lag, d_year, d0), (c, d_year, cm0)]
            moves.append((abs(d1 - d0), abs(cm1 - cm0)))
            d_rows.append(f"{names[c]}: {zh(lag)} (GDP ×{factor:.2f}) observed D {d0:.3f} → scenario {d1:.3f}, "
                          f"cluster mean observed {cm0:.3f} → scenario {cm1:.3f}")
            u_scenario = dict(zip(parts["subsystems"], parts["scores"][row]))
            u_change = {s: u_scenario[s] - float(base.result.scores.at[(lag, d_year), s]) for s in touched}
            signs.append({int(np.sign(round(v, 6))) for v in u_change.values()})
            u_rows.append(f"{zh(lag)}: " + ", ".join(f"{s.replace('_', ' ')} {v:+.3f}" for s, v in u_change.items()))
    values = {**gdp_rule_values(system, gdp_exponents(system)),
              "s2_d_year": d_year if d_rows else "none",
              "s2_d_text": "; ".join(d_rows) if d_rows else
              "not computable for this run (no year of the coordination index, or no cluster with two cores)",
              "s2_u_text": "; ".join(u_rows) if u_rows else "none",
              "s2_offset_text": offset_text(signs),
              "s2_d_max_city": max((m[0] for m in moves), default=float("nan")),
              "s2_d_max_cluster": max((m[1] for m in moves), default=float("nan"))}
    return values, pd.DataFrame(observed, columns=["unit", "year", "D"])


def gap_figure_case(cases: list[dict]) -> tuple[str | None, pd.DataFrame | None, float | None]:
    """The first "all non-core cities" case of :func:`gap_scenarios`: its cluster, a frame of
    GDP per head ``before``/``after`` by city_code with ``changed`` (raised by more than
    10⁻⁹ 元), and the target (元); (None, None, None) if there is none."""
    case = next((k for k in cases if k["variant"] == "all non-core cities"), None)
    if case is None:
        return None, None, None
    frame = pd.DataFrame({"before": case["y"], "after": case["y2"]})
    frame["changed"] = frame["after"] > frame["before"] + 1e-9
    return case["cluster"], frame, case["target"]


# ----------------------------------------------------------------------------- scenario 3
def core_growth_scenarios(last: pd.DataFrame, clusters: Sequence[str], size_column: str, growth: float,
                          zh: Callable[[int], str], label: Callable[[int], str]) -> tuple[pd.DataFrame, dict]:
    """Scenario 3: each core of each cluster grown in turn by ``growth`` relative to the rest
    (:func:`grow_city`), S2 and q before and after (:func:`hierarchy_indicators`) on the
    positive sizes ``size_column`` of the scenario year (clusters with fewer than two sizes
    left out). ``label`` names the core in the table, ``zh`` the largest city. Returns the
    table, ``s3_cy_text`` (the Chengdu–Chongqing(-Guiyang) rows in words) and ``s3_q_range``
    (baseline q across the table), and ``s3_q_note``, that range in words (the one value when
    the table holds one cluster)."""
    names = config.cluster_names(clusters)
    rows, sentences = [], []
    for c in clusters:
        sizes = last[last["cluster_id"] == c].set_index("city_code")[size_column].dropna()
        sizes = sizes[sizes > 0]
        if len(sizes) < 2:
            continue
        base = hierarchy_indicators(sizes)
        for core in [k for k in config.CORE_CITIES[c] if k in sizes.index]:
            new = hierarchy_indicators(grow_city(sizes, core, growth))
            rows.append({"cluster": names[c], "core grown": label(core), "S2": base["s2"], "S2 after": new["s2"],
                         "q": base["q"], "q after": new["q"], "largest after": zh(new["largest"])})
            if c in ("chengyu", "chengyugui"):
                sentences.append(f"{names[c]}, {zh(core)} +{growth:.0%}: S2 {base['s2']:.2f} → {new['s2']:.2f}")
    table = pd.DataFrame(rows)
    values = {"s3_cy_text": "; ".join(sentences) or "Chengdu–Chongqing is not among the clusters of this run",
              "s3_q_range": f"{table['q'].min():.2f}–{table['q'].max():.2f}" if len(table) else "n/a"}
    if not len(table):
        values["s3_q_note"] = "no cluster of this run has two sizes to rank"
    elif table["cluster"].nunique() == 1:
        values["s3_q_note"] = f"baseline value in {table['cluster'].iloc[0]}: {table['q'].iloc[0]:.2f}"
    else:
        values["s3_q_note"] = f"baseline range across the clusters: {value_range(table['q'].min(), table['q'].max(), '.2f')}"
    return table, values


# ----------------------------------------------------------------------------- targets and exercises
def travel_target_table(claims: pd.DataFrame, base_all: pd.DataFrame, after_all: pd.DataFrame,
                        net_year: int) -> pd.DataFrame:
    """The two travel-time claims judged in chapter 5 with what the planned lines would give
    (model, hours): the slowest core pair and Chengdu–Chongqing. ``claims`` is the seed-claim
    table indexed by claim_id."""
    def slowest(t):
        return max(t.at[CD, CQ], t.at[CQ, GY], t.at[CD, GY])

    return pd.DataFrame([
        {"claim": "p000_hsr_3h_circle", "paper": claims.at["p000_hsr_3h_circle", "paper"],
         "verdict": "chapter 5 (sec-ch5-verdicts)",
         "with the planned lines (model)": f"slowest core pair {slowest(after_all):.2f} h "
                                           f"(network of {net_year}: {slowest(base_all):.2f} h)"},
        {"claim": "p001_travel_time_targets", "paper": claims.at["p001_travel_time_targets", "paper"],
         "verdict": "chapter 5 (sec-ch5-verdicts)",
         "with the planned lines (model)": f"Chengdu–Chongqing {after_all.at[CD, CQ]:.2f} h; secondary links barely change"},
    ])


def exercise_values(frames: dict, usable: dict, base_all: pd.DataFrame, after_all: pd.DataFrame,
                    cluster: str, closure: float) -> dict:
    """Numbers of the exercises for ``cluster`` (the chapter's first): weighted Theil before,
    with ``closure`` and with full closure of the non-core cities' gap to the cores' combined
    GDP per head (the largest GDP per head if no core has data); total linkage change with all
    scenario lines for decay exponents 1 and 2. ``frames`` and ``usable`` from
    :func:`gap_scenarios` and :func:`rail_scenario`."""
    u = frames[cluster]
    cores = [k for k in config.CORE_CITIES[cluster] if k in u.index]
    non_core = [k for k in u.index if k not in cores]
    target = combined_pc(u.loc[cores]) if cores else float(u["gdp_per_capita"].max())
    values = {"ex1_before": inequality_indicators(u["gdp_per_capita"], u["population"])["theil_weighted"]}
    for key, share in (("ex1_half", closure), ("ex1_full", 1.0)):
        y2 = close_gap(u["gdp_per_capita"], non_core, target, share)
        values[key] = inequality_indicators(y2, u["population"])["theil_weighted"]
    cities = usable[cluster]
    cores = [k for k in config.CORE_CITIES[cluster] if k in set(cities["city_code"])]
    for key, b in (("ex2_b1", 1.0), ("ex2_b2", 2.0)):
        base = linkage_indicators(cities, base_all, cores, b)
        new = linkage_indicators(cities, after_all, cores, b, threshold=base["threshold"])
        values[key] = new["total"] / base["total"] - 1
    values["ex2_cluster"] = config.cluster_names([cluster])[cluster]
    return values
