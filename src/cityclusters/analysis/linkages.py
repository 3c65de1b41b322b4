"""An approximate rail network of China by year, rail travel times between cities, HSR access,
and the gravity linkages of chapter 5 built on them.

What the data allow
-------------------
The Ma & Tang (2024) pair travel times are not in the data mirror, and their segment file has
no geometry. The RailwayVIS line table (:mod:`cityclusters.data.sources.rail`) lists, for about 250
trunk lines or sections, the stations in order, the line type, the current design speed and
the opening date. We turn it into a city network:

1. every station is assigned to a prefecture-level city (:func:`station_city_table`);
   The table often lists only a line's main stations (成渝高铁: 成都东–内江北–重庆北, without
   资阳北); the typed table ``data/facts/linkages_line_stations.csv`` inserts the missing
   prefecture stops (:func:`line_station_additions`, :func:`apply_line_stations`) before
   the edges are built;
2. consecutive stations of a line in different cities give an *edge* whose length is the
   great-circle distance between the two city centres times a circuity factor
   :data:`RAIL_CIRCUITY` (:func:`rail_edges`);
3. an edge is open from the year the line opened (``open_year ≤ year``); its time is
   length / (speed × :data:`SPEED_FACTOR`) with the speed of :func:`operating_speed`;
4. every pair of cities is also joined by a road edge (great-circle × :data:`ROAD_CIRCUITY`
   at :data:`ROAD_SPEED_KMH`), which serves as feeder to the nearest station or as the
   whole trip where no rail is quicker;
5. travel time = shortest path (Dijkstra) on that graph (:func:`travel_time_matrix`).

This is an **approximation**: station-to-station distances are straight lines between city
centres, speeds are design speeds scaled by one factor, transfers and waiting are free, the
road network does not change over time, and lines missing from the RailwayVIS table (many
regional and intercity lines) are absent. Chapter 5 reports its error against the typed
opening-day travel times (:func:`validate_against_events`).

Assumptions (constants below; ours unless cited)
------------------------------------------------
* ``SPEED_FACTOR = 0.8``: average running speed as a share of design speed (stops,
  acceleration, slower sections). Not calibrated on the validation cases.
* ``RAIL_CIRCUITY = 1.2`` and ``ROAD_CIRCUITY = 1.3``: track and road length per km of
  straight line.
* ``ROAD_SPEED_KMH = 60``: average door-to-door road speed.
* ``CONVENTIONAL_CAP_KMH = 120`` before :data:`SPEED_UP_YEAR` (2007, the sixth national
  speed-up that introduced 200 km/h running on upgraded conventional lines): the file gives
  *current* design speeds, so older lines are capped at 120 km/h before 2007.
* ``UNKNOWN_SPEED_KMH = 100`` where the file gives no design speed (``N/A``).
* High-speed access (:func:`hsr_access`): a city has HSR from the first year a line of
  :data:`HSR_MIN_SPEED_KMH` km/h or more that opened in :data:`HSR_FIRST_YEAR` or later
  (new passenger or fast lines, not upgraded old ones) has a station in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from cityclusters.data.facts import read_fact
from cityclusters.errors import SourceFormatError
from cityclusters.indicators.linkages import gravity_matrix, great_circle_distance

SPEED_FACTOR = 0.8
RAIL_CIRCUITY = 1.2
ROAD_CIRCUITY = 1.3
ROAD_SPEED_KMH = 60.0
CONVENTIONAL_CAP_KMH = 120.0
SPEED_UP_YEAR = 2007
UNKNOWN_SPEED_KMH = 100.0
HSR_MIN_SPEED_KMH = 200.0
HSR_FIRST_YEAR = 2003
#: Last year the RailwayVIS table covers (its newest line opened in 2020); later years reuse it.
NETWORK_LAST_YEAR = 2020

_DIRECTION = re.compile(r"[东西南北]$")


# ----------------------------------------------------------------------------- stations
def station_prefecture_overrides() -> pd.DataFrame:
    """County-level stations typed to their prefecture (``data/facts/linkages_station_prefecture.csv``)."""
    table = read_fact("linkages_station_prefecture.csv")
    for column in ("station", "prefecture_zh", "source"):
        if column not in table or table[column].isna().any():
            row = 2 + int(table[column].isna().idxmax()) if column in table else None
            raise SourceFormatError(
                f"data/facts/linkages_station_prefecture.csv: column '{column}' missing or empty"
                + (f" at row {row}" if row else "") + ".")
    return table


def station_city_table(stations: Iterable[str], station_cities: dict[str, str],
                       cities: pd.DataFrame, overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """Assign each station to a prefecture-level city.

    Rules, in order (``rule`` column): ``override`` (typed county-level station),
    ``name`` (the station name is a city's short name), ``name_without_direction`` (after
    dropping a final 东/西/南/北: 成都东 → 成都), ``station2city`` (the RailwayVIS map gives a
    city short name; its truncated values such as 济 for 济南 never match and fall through).
    Stations matching no rule get ``city_code`` NaN and ``rule`` = ``unmatched``.

    Parameters
    ----------
    stations : iterable of str
    station_cities : dict
        RailwayVIS station → city map.
    cities : pandas.DataFrame
        Needs ``city_code``, ``name_zh``, ``name_short_zh``.
    overrides : pandas.DataFrame, optional
        Columns ``station`` and either ``prefecture_zh`` (full name, e.g. 绵阳市) or
        ``city_code`` (used when not NaN, e.g. the rows of :func:`line_station_additions`);
        optional ``where`` names the source file in errors. A station typed to two
        different cities is an error.
    """
    for column in ("city_code", "name_zh", "name_short_zh"):
        if column not in cities:
            raise ValueError(f"cities: missing column '{column}'")
    by_short = cities.drop_duplicates("name_short_zh").set_index("name_short_zh")["city_code"]
    by_full = cities.drop_duplicates("name_zh").set_index("name_zh")["city_code"]
    typed: dict[str, int] = {}
    known_codes = set(cities["city_code"].dropna().astype(int))
    for row in ([] if overrides is None else overrides.to_dict("records")):
        station, code = row["station"], row.get("city_code")
        if code is not None and not pd.isna(code):
            code = int(code)
            if code not in known_codes:
                raise SourceFormatError(
                    f"{row.get('where') if isinstance(row.get('where'), str) else 'overrides'}: city_code {code} of station {station!r} is not a "
                    "city of tables.cities().")
        else:
            if row.get("prefecture_zh") not in by_full:
                raise SourceFormatError(
                    f"data/facts/linkages_station_prefecture.csv: prefecture {row.get('prefecture_zh')!r} of "
                    f"station {station!r} is not a city of tables.cities().")
            code = int(by_full[row["prefecture_zh"]])
        if station in typed and typed[station] != code:
            raise SourceFormatError(f"overrides: station {station!r} is typed to two cities "
                                    f"({typed[station]} and {code}).")
        typed[station] = code
    rows = []
    for station in sorted(set(stations)):
        code, rule = np.nan, "unmatched"
        if station in typed:
            code, rule = typed[station], "override"
        elif station in by_short:
            code, rule = by_short[station], "name"
        elif _DIRECTION.sub("", station) in by_short:
            code, rule = by_short[_DIRECTION.sub("", station)], "name_without_direction"
        elif station_cities.get(station) in by_short:
            code, rule = by_short[station_cities[station]], "station2city"
        rows.append({"station": station, "city_code": code, "rule": rule})
    out = pd.DataFrame(rows, columns=["station", "city_code", "rule"])
    out["city_code"] = out["city_code"].astype("Int64")
    return out


LINE_STATIONS_FILE = "data/facts/linkages_line_stations.csv"
#: Columns of :data:`LINE_STATIONS_FILE` that must be filled on every row.
LINE_STATIONS_COLUMNS = ("line", "after_station", "station", "before_station", "city_code",
                         "prefecture_zh", "source", "verification")


def line_station_additions(path=None) -> pd.DataFrame:
    """Typed intermediate stops missing from the RailwayVIS station lists
    (``data/facts/linkages_line_stations.csv``).

    One row per inserted station: ``line`` (as in the line table), ``after_station`` and
    ``before_station`` (the two stations it goes between, adjacent on the line when the row is
    applied; rows are applied in file order, so a second stop between the same pair names the
    first as ``after_station``), ``station``, ``city_code`` (its prefecture, an int),
    ``prefecture_zh``, ``source``, ``source_url``, ``verification``. Only stops serving a
    prefecture's main urban area are typed: edges join city centres, so a county station far
    from the centre would create a false shortcut.

    Returns
    -------
    pandas.DataFrame
        The table with ``city_code`` as int and ``file_row`` (the CSV line number, header = 1).
    """
    where = LINE_STATIONS_FILE if path is None else str(path)
    table = read_fact("linkages_line_stations.csv", path)
    for column in LINE_STATIONS_COLUMNS:
        if column not in table:
            raise SourceFormatError(f"{where}: column '{column}' is missing.")
        empty = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if empty.any():
            raise SourceFormatError(f"{where}: empty cell in column '{column}' at row {2 + int(empty.idxmax())}.")
        table[column] = table[column].astype(str).str.strip()
    codes = pd.to_numeric(table["city_code"], errors="coerce")
    bad = codes.isna() | (codes != codes.round())
    if bad.any():
        k = int(bad.idxmax())
        raise SourceFormatError(f"{where}: column 'city_code' has {table.at[k, 'city_code']!r} at row {2 + k}; "
                                "expected an integer city code.")
    table["city_code"] = codes.astype(int)
    table["file_row"] = table.index + 2
    table.attrs["source"] = where
    return table


def apply_line_stations(lines: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Insert the typed intermediate stops of ``table`` into the station lists of ``lines``.

    For each row (in order) the station goes between ``after_station`` and
    ``before_station``, which must be adjacent on the line at that point (in either order:
    the stop is placed between them whatever the direction of the list).

    Parameters
    ----------
    lines : pandas.DataFrame
        From :func:`cityclusters.data.sources.rail.read_rail_lines` (``line``, ``stations``).
    table : pandas.DataFrame
        From :func:`line_station_additions` (``line``, ``after_station``, ``station``,
        ``before_station``; ``file_row`` used in errors).

    Returns
    -------
    pandas.DataFrame
        A copy of ``lines`` with the longer ``stations`` lists and ``n_added`` (stops inserted
        per line). Line names must be unique in ``lines``.

    Raises
    ------
    SourceFormatError
        Naming the file, row and column for an unknown line, a station not on the line, two
        stations that are not adjacent, or a stop already on the line.
    """
    where = table.attrs.get("source", LINE_STATIONS_FILE)
    out = lines.copy()
    out["stations"] = [list(s) for s in out["stations"]]
    out["n_added"] = 0
    duplicated = out["line"][out["line"].duplicated()]
    position = {name: k for k, name in enumerate(out["line"])}
    for k, row in enumerate(table.itertuples()):
        file_row = getattr(row, "file_row", k + 2)
        if row.line not in position:
            raise SourceFormatError(f"{where}: row {file_row}, column 'line': no line {row.line!r} in "
                                    f"{lines.attrs.get('source', 'the RailwayVIS line table')}.")
        if row.line in set(duplicated):
            raise SourceFormatError(f"{where}: row {file_row}, column 'line': {row.line!r} is not unique "
                                    "in the line table.")
        i = position[row.line]
        stations = out.at[i, "stations"]
        for column in ("after_station", "before_station"):
            if getattr(row, column) not in stations:
                raise SourceFormatError(f"{where}: row {file_row}, column '{column}': station "
                                        f"{getattr(row, column)!r} is not on {row.line} ({'-'.join(stations)}).")
        if row.station in stations:
            raise SourceFormatError(f"{where}: row {file_row}, column 'station': {row.station!r} is already "
                                    f"on {row.line}.")
        a, b = stations.index(row.after_station), stations.index(row.before_station)
        if abs(a - b) != 1:
            raise SourceFormatError(f"{where}: row {file_row}, columns 'after_station'/'before_station': "
                                    f"{row.after_station!r} and {row.before_station!r} are not adjacent on "
                                    f"{row.line} ({'-'.join(stations)}).")
        stations.insert(max(a, b), row.station)
        out.at[i, "n_added"] += 1
    return out


def line_station_overrides(table: pd.DataFrame) -> pd.DataFrame:
    """Override rows (``station``, ``city_code``, ``where``) for :func:`station_city_table`
    from :func:`line_station_additions`: the inserted stops keep their typed prefecture."""
    where = table.attrs.get("source", LINE_STATIONS_FILE)
    return pd.DataFrame({"station": table["station"], "city_code": table["city_code"],
                         "where": [f"{where}: row {r}" for r in table["file_row"]]})


def network_coords(cities: pd.DataFrame) -> pd.DataFrame:
    """City-centre lon/lat indexed by ``city_code`` for the rail network (from
    :func:`cityclusters.data.tables.cities`, which applies the typed corrections of
    ``data/facts/city_centre_corrections.csv``; column ``corrected`` marks them).

    Cities without coordinates are left out (listed in ``attrs['missing']``).
    """
    coords = cities.set_index("city_code")[["name_zh", "lon", "lat"]].copy()
    source = cities.set_index("city_code")["lonlat_source"].fillna("")
    coords["corrected"] = source.str.startswith("corrected").to_numpy()
    missing = coords.index[coords[["lon", "lat"]].isna().any(axis=1)].tolist()
    out = coords.dropna(subset=["lon", "lat"])
    out.attrs["missing"] = missing
    return out


# ----------------------------------------------------------------------------- edges
def rail_edges(lines: pd.DataFrame, stations: pd.DataFrame, coords: pd.DataFrame) -> pd.DataFrame:
    """City-to-city rail edges: consecutive stations of each line, in different cities.

    Unmatched stations are skipped (their neighbours are joined directly, as the line runs
    through). Edge length ``km`` = great-circle distance between the two city centres (the
    circuity factor is applied in :func:`edge_hours`).

    Parameters
    ----------
    lines : pandas.DataFrame
        From :func:`cityclusters.data.sources.rail.read_rail_lines` (``line``, ``line_type``,
        ``design_speed_kmh``, ``open_year``, ``stations``, ``source_row``).
    stations : pandas.DataFrame
        From :func:`station_city_table`.
    coords : pandas.DataFrame
        ``lon``, ``lat`` indexed by ``city_code``.

    Returns
    -------
    pandas.DataFrame
        ``line``, ``line_type``, ``design_speed_kmh``, ``open_year``, ``code_a``,
        ``code_b``, ``km``, ``is_hsr`` (see :func:`is_hsr_line`), ``source_row``.
    """
    to_code = stations.dropna(subset=["city_code"]).set_index("station")["city_code"].astype(int)
    rows = []
    for line in lines.itertuples():
        kept = [(k, s) for k, s in enumerate(line.stations) if s in to_code.index]
        for (pos_a, sa), (pos_b, sb) in zip(kept[:-1], kept[1:]):
            a, b = int(to_code[sa]), int(to_code[sb])
            if a == b:
                continue
            for code in (a, b):
                if code not in coords.index:
                    raise ValueError(f"coords: no lon/lat for city_code {code} (line {line.line}, "
                                     f"row {line.source_row})")
            rows.append({"line": line.line, "line_type": line.line_type,
                         "design_speed_kmh": line.design_speed_kmh, "open_year": line.open_year,
                         "code_a": a, "code_b": b, "station_a": sa, "station_b": sb,
                         "pos_a": pos_a, "pos_b": pos_b, "source_row": line.source_row})
    edges = pd.DataFrame(rows, columns=["line", "line_type", "design_speed_kmh", "open_year",
                                        "code_a", "code_b", "station_a", "station_b", "pos_a",
                                        "pos_b", "source_row"])
    if len(edges):
        sub = coords.loc[sorted(set(edges["code_a"]) | set(edges["code_b"])), ["lon", "lat"]]
        dist = great_circle_distance(sub) if len(sub) > 1 else None
        edges["km"] = [float(dist.at[a, b]) for a, b in zip(edges["code_a"], edges["code_b"])]
    else:
        edges["km"] = pd.Series(dtype=float)
    edges["is_hsr"] = is_hsr_line(edges)
    return edges


def line_opening_corrections() -> pd.DataFrame:
    """Typed corrections of RailwayVIS opening dates (``data/facts/linkages_line_openings.csv``):
    ``line``, optional ``from_station``/``to_station`` (a section), ``opened`` (YYYY-MM-DD)."""
    table = read_fact("linkages_line_openings.csv")
    dates = pd.to_datetime(table["opened"], format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        row = 2 + int(dates.isna().idxmax())
        raise SourceFormatError(f"data/facts/linkages_line_openings.csv: column 'opened' is not YYYY-MM-DD at row {row}.")
    table["open_year"] = dates.dt.year
    return table


def apply_opening_corrections(edges: pd.DataFrame, lines: pd.DataFrame,
                              corrections: pd.DataFrame) -> pd.DataFrame:
    """Replace ``open_year`` of the edges of a corrected line (or of the section between
    ``from_station`` and ``to_station``, by position on the line); adds ``open_year_source``
    (the file's year) and ``corrected``. A correction naming an unknown line or station is
    an error naming its row."""
    edges = edges.copy()
    edges["open_year_source"] = edges["open_year"]
    edges["corrected"] = False
    by_line = lines.set_index("line")["stations"]
    for k, fix in enumerate(corrections.itertuples(), start=2):
        if fix.line not in by_line.index:
            raise SourceFormatError(f"data/facts/linkages_line_openings.csv: row {k}: no line {fix.line!r} in {lines.attrs.get('source', 'the line table')}.")
        stations = list(by_line[fix.line])
        lo, hi = 0, len(stations) - 1
        for name, attr in (("from_station", "from"), ("to_station", "to")):
            value = getattr(fix, name)
            if isinstance(value, str) and value:
                if value not in stations:
                    raise SourceFormatError(f"data/facts/linkages_line_openings.csv: row {k}: station {value!r} not on {fix.line}.")
                if attr == "from":
                    lo = stations.index(value)
                else:
                    hi = stations.index(value)
        hit = edges["line"].eq(fix.line) & (edges["pos_a"] >= lo) & (edges["pos_b"] <= hi)
        edges.loc[hit, "open_year"] = int(fix.open_year)
        edges.loc[hit, "corrected"] = True
    edges["is_hsr"] = is_hsr_line(edges)
    return edges


def is_hsr_line(edges: pd.DataFrame) -> pd.Series:
    """High-speed (incl. 200 km/h fast) line: type 高速铁路, or 快速铁路 with design speed ≥
    :data:`HSR_MIN_SPEED_KMH`, opened in :data:`HSR_FIRST_YEAR` or later."""
    fast = edges["line_type"].eq("高速铁路") | (
        edges["line_type"].eq("快速铁路") & (edges["design_speed_kmh"] >= HSR_MIN_SPEED_KMH))
    return fast & (edges["open_year"] >= HSR_FIRST_YEAR)


def operating_speed(design_speed_kmh: float, open_year: int, year: int) -> float:
    """Design speed used for an edge in ``year`` (km/h), before :data:`SPEED_FACTOR`.

    ``N/A`` (NaN) → :data:`UNKNOWN_SPEED_KMH`; lines opened before
    :data:`HSR_FIRST_YEAR` are capped at :data:`CONVENTIONAL_CAP_KMH` before
    :data:`SPEED_UP_YEAR` (their listed speed is today's, after upgrades).
    """
    speed = UNKNOWN_SPEED_KMH if pd.isna(design_speed_kmh) else float(design_speed_kmh)
    if speed <= 0:
        raise ValueError(f"design speed must be positive, got {design_speed_kmh!r}")
    if open_year < HSR_FIRST_YEAR and year < SPEED_UP_YEAR:
        speed = min(speed, CONVENTIONAL_CAP_KMH)
    return speed


def edge_hours(km: float, speed_kmh: float, circuity: float = RAIL_CIRCUITY,
               factor: float = SPEED_FACTOR) -> float:
    """Hours to run an edge: t = circuity · km / (factor · speed)."""
    return circuity * km / (factor * speed_kmh)


# ----------------------------------------------------------------------------- travel time
def travel_time_matrix(edges: pd.DataFrame, coords: pd.DataFrame, year: int,
                       codes: Iterable[int] | None = None, *, speed_factor: float = SPEED_FACTOR,
                       rail_circuity: float = RAIL_CIRCUITY, road_speed_kmh: float = ROAD_SPEED_KMH,
                       road_circuity: float = ROAD_CIRCUITY) -> pd.DataFrame:
    """Approximate fastest rail(+road feeder) travel time between cities in ``year``, hours.

    .. math::

        T_{ij} = \\min_{\\text{paths } i \\to j} \\sum_{e} t_e, \\quad
        t_e = \\begin{cases} c_r d_e / (f\\, v_e) & \\text{rail edge open in year} \\\\
                             c_o d_e / v_o & \\text{road edge (every pair)} \\end{cases}

    with :math:`d_e` the great-circle distance between city centres (km), :math:`v_e` from
    :func:`operating_speed`, :math:`f` = ``speed_factor``, :math:`c_r, c_o` the circuity
    factors and :math:`v_o` the road speed. Years after :data:`NETWORK_LAST_YEAR` use that
    year's network.

    Parameters
    ----------
    edges : pandas.DataFrame
        From :func:`rail_edges`.
    coords : pandas.DataFrame
        ``lon``, ``lat`` indexed by ``city_code``: the nodes of the graph (all cities, so
        that paths may pass through cities outside a cluster).
    year : int
    codes : iterable of int, optional
        Cities to return (default all of ``coords``).

    Returns
    -------
    pandas.DataFrame
        Symmetric matrix in hours, zero diagonal, labelled by ``city_code``.
    """
    if speed_factor <= 0 or rail_circuity <= 0 or road_speed_kmh <= 0 or road_circuity <= 0:
        raise ValueError("speed_factor, circuities and road speed must be positive")
    coords = coords[["lon", "lat"]]
    if coords.isna().any(axis=None):
        bad = coords.index[coords.isna().any(axis=1)].tolist()[:5]
        raise ValueError(f"coords: missing lon/lat for city_code {bad}")
    nodes = list(coords.index)
    position = {code: k for k, code in enumerate(nodes)}
    dist = great_circle_distance(coords).to_numpy()
    graph = road_circuity * dist / road_speed_kmh
    net_year = min(year, NETWORK_LAST_YEAR)
    open_edges = edges[edges["open_year"] <= net_year]
    for edge in open_edges.itertuples():
        if edge.code_a not in position or edge.code_b not in position:
            continue
        i, j = position[edge.code_a], position[edge.code_b]
        speed = operating_speed(edge.design_speed_kmh, edge.open_year, year)
        hours = edge_hours(dist[i, j], speed, rail_circuity, speed_factor)
        if hours < graph[i, j]:
            graph[i, j] = graph[j, i] = hours
    np.fill_diagonal(graph, 0.0)
    wanted = nodes if codes is None else list(codes)
    missing = [c for c in wanted if c not in position]
    if missing:
        raise ValueError(f"codes: city_code(s) {missing[:5]} not in coords")
    index = [position[c] for c in wanted]
    times = dijkstra(graph, directed=False, indices=index)[:, index]
    times = (times + times.T) / 2
    return pd.DataFrame(times, index=wanted, columns=wanted)


def hsr_access(edges: pd.DataFrame, codes: Iterable[int]) -> pd.Series:
    """First year each city has a station on a high-speed line (:func:`is_hsr_line`); NaN if
    none in the table. Indexed by ``city_code``."""
    hsr = edges[edges["is_hsr"]]
    first = pd.concat([hsr[["code_a", "open_year"]].rename(columns={"code_a": "city_code"}),
                       hsr[["code_b", "open_year"]].rename(columns={"code_b": "city_code"})])
    first = first.groupby("city_code")["open_year"].min()
    return first.reindex(list(codes)).rename("hsr_first_year")


def segment_hsr_first_year(segments: pd.DataFrame, cities: pd.DataFrame) -> pd.Series:
    """Cross-check from Ma & Tang's segments: first year of an HSR segment whose note names
    the city as an end point (``成都到重庆`` → 成都, 重庆). Notes name end points only, so
    intermediate stations are missed. Indexed by ``city_code``."""
    names = cities.drop_duplicates("name_short_zh").set_index("name_short_zh")["city_code"]
    rows = []
    for seg in segments[segments["is_hsr"]].itertuples():
        text = "" if pd.isna(seg.notes) else str(seg.notes)
        for part in re.split(r"到|至|-|—|向", text):
            part = re.sub(r"(北线|东|西|南|北)$", "", part.strip())
            if part in names.index:
                rows.append((int(names[part]), seg.year))
    frame = pd.DataFrame(rows, columns=["city_code", "year"])
    return frame.groupby("city_code")["year"].min().rename("segment_hsr_first_year")


# ----------------------------------------------------------------------------- validation
def validate_against_events(events: pd.DataFrame, cities: pd.DataFrame, edges: pd.DataFrame,
                            coords: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Modelled vs reported travel time for each HSR opening with a typed time.

    For each row of ``events`` with ``event_type == 'hsr_opening'`` and a
    ``travel_time_h``, the pair is the first and last city of ``cities_zh`` (the end points
    named by the source); rows whose two end points are the same prefecture (渝万: both in
    Chongqing) are skipped. The modelled time is :func:`travel_time_matrix` in the opening
    year (the line counts as open at the end of its opening year).

    Returns
    -------
    pandas.DataFrame
        ``event_id``, ``date``, ``pair`` (Chinese short names), ``reported_h``,
        ``modelled_h``, ``error_h`` (modelled − reported), ``relative_error``.
    """
    by_full = cities.drop_duplicates("name_zh").set_index("name_zh")
    rows = []
    typed = events[events["event_type"].eq("hsr_opening") & events["travel_time_h"].notna()]
    for event in typed.itertuples():
        names = str(event.cities_zh).split(";")
        a, b = names[0], names[-1]
        for name in (a, b):
            if name not in by_full.index:
                raise SourceFormatError(f"data/facts/events.csv: city {name!r} of {event.event_id} "
                                        "is not a city of tables.cities().")
        code_a, code_b = int(by_full.at[a, "city_code"]), int(by_full.at[b, "city_code"])
        if code_a == code_b:
            continue
        year = int(str(event.date)[:4])
        modelled = travel_time_matrix(edges, coords, year, [code_a, code_b], **kwargs).iat[0, 1]
        reported = float(event.travel_time_h)
        rows.append({"event_id": event.event_id, "date": event.date,
                     "pair": f"{by_full.at[a, 'name_short_zh']}–{by_full.at[b, 'name_short_zh']}",
                     "reported_h": reported, "modelled_h": modelled,
                     "error_h": modelled - reported, "relative_error": (modelled - reported) / reported})
    return pd.DataFrame(rows, columns=["event_id", "date", "pair", "reported_h", "modelled_h",
                                       "error_h", "relative_error"])


# ----------------------------------------------------------------------------- linkages
def core_periphery_shares(gravity: pd.DataFrame, cores: Iterable) -> dict[str, float]:
    """Split the total pair linkage of a cluster into core–core, core–periphery and
    periphery–periphery shares, and give the cores' share of linkage endpoints.

    .. math::

        s_{CC} = \\frac{\\sum_{i<j;\\, i,j \\in C} R_{ij}}{\\sum_{i<j} R_{ij}}, \\quad
        s_{CP}, \\; s_{PP} \\text{ alike}, \\quad
        s_C = \\frac{\\sum_{i \\in C} \\sum_{j} R_{ij}}{\\sum_i \\sum_j R_{ij}}
            = s_{CC} + s_{CP}/2 .

    Parameters
    ----------
    gravity : pandas.DataFrame
        Symmetric linkage matrix (zero diagonal).
    cores : iterable
        Labels of the core cities (those absent from the matrix are ignored).

    Returns
    -------
    dict
        ``core_core``, ``core_periphery``, ``periphery_periphery`` (sum to 1) and
        ``core_endpoint_share``; ``n_cores``.
    """
    values = gravity.to_numpy(dtype=float)
    if values.shape[0] != values.shape[1]:
        raise ValueError("gravity: must be square")
    is_core = gravity.index.isin(list(cores))
    upper = np.triu(np.ones_like(values, dtype=bool), k=1)
    total = values[upper].sum()
    if total <= 0:
        raise ValueError("gravity: all linkages are zero")
    both = np.outer(is_core, is_core)
    one = np.logical_xor.outer(is_core, is_core)
    cc = values[upper & both].sum() / total
    cp = values[upper & one].sum() / total
    return {"core_core": cc, "core_periphery": cp, "periphery_periphery": 1 - cc - cp,
            "core_endpoint_share": cc + cp / 2, "n_cores": int(is_core.sum())}


def cluster_gravity(panel_year: pd.DataFrame, distance: pd.DataFrame, decay: float = 2.0) -> pd.DataFrame:
    """Gravity matrix of one cluster-year: masses √(population · GDP) from ``panel_year``
    (one row per city: ``city_code``, ``population`` 万人, ``gdp`` 亿元), distance matrix
    labelled by ``city_code`` (km or hours). Cities lacking population or GDP must be dropped
    (and reported) by the caller; they raise here via
    :func:`cityclusters.indicators.linkages.gravity_matrix`."""
    frame = panel_year.set_index("city_code")
    return gravity_matrix(frame["population"], frame["gdp"],
                          distance.loc[frame.index, frame.index], decay=decay)


# ----------------------------------------------------------------------------- chapter helpers
#: Values of the chapter parameter DISTANCE.
DISTANCES = ("great_circle", "travel_time")


def validate_linkage_parameters(distance: str, decay: float) -> None:
    """Refuse a DISTANCE not in :data:`DISTANCES` or a DECAY that is not a number in [0, 4]."""
    if distance not in DISTANCES:
        raise ValueError(f"DISTANCE must be one of {list(DISTANCES)}; got {distance!r}")
    if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 <= decay <= 4:
        raise ValueError(f"DECAY must be a number between 0 and 4 (2 in the gravity model); got {decay!r}")


def travel_times_by_year(edges: pd.DataFrame, coords: pd.DataFrame, years: Iterable[int],
                         codes: Iterable[int], **kwargs) -> dict[int, pd.DataFrame]:
    """:func:`travel_time_matrix` for each year (hours), restricted to ``codes``; years whose
    network is identical share one computation."""
    codes = list(codes)
    out, cache = {}, {}
    for year in years:
        net_year = min(year, NETWORK_LAST_YEAR)
        key = (tuple(sorted(edges.loc[edges["open_year"] <= net_year].index)),
               year < SPEED_UP_YEAR)
        if key not in cache:
            cache[key] = travel_time_matrix(edges, coords, year, codes, **kwargs)
        out[year] = cache[key]
    return out


def linkage_panel(panel: pd.DataFrame, coords: pd.DataFrame, cores: dict[str, Iterable[int]],
                  times: dict[int, pd.DataFrame] | None, decay: float = 2.0) -> pd.DataFrame:
    """Core–periphery linkage shares by cluster, year and distance measure.

    Parameters
    ----------
    panel : pandas.DataFrame
        :func:`cityclusters.data.tables.cluster_city_year` rows (``cluster_id``, ``city_code``,
        ``year``, ``population``, ``gdp``); city-years lacking population or GDP are left out
        and counted in ``n_dropped``.
    coords : pandas.DataFrame
        ``lon``, ``lat`` by ``city_code`` (:func:`network_coords`).
    cores : dict
        Cluster id → core city codes (``config.CORE_CITIES``).
    times : dict or None
        Year → travel-time matrix (hours) from :func:`travel_times_by_year`; None skips the
        travel-time measure.

    Returns
    -------
    pandas.DataFrame
        One row per (cluster_id, year, distance): ``n_cities``, ``n_dropped`` and the
        shares of :func:`core_periphery_shares`.
    """
    rows = []
    for (cluster_id, year), group in panel.groupby(["cluster_id", "year"], sort=False):
        usable = group.dropna(subset=["population", "gdp"])
        usable = usable[usable["city_code"].isin(coords.index)]
        if len(usable) < 2:
            continue
        codes = usable["city_code"].tolist()
        measures = {"great_circle": great_circle_distance(coords.loc[codes, ["lon", "lat"]])}
        if times is not None:
            measures["travel_time"] = times[int(year)].loc[codes, codes]
        for name, dist in measures.items():
            gravity = cluster_gravity(usable, dist, decay)
            shares = core_periphery_shares(gravity, cores.get(cluster_id, ()))
            rows.append({"cluster_id": cluster_id, "year": int(year), "distance": name,
                         "n_cities": len(codes), "n_dropped": len(group) - len(usable), **shares})
    return pd.DataFrame(rows)


def strongest_links(gravity: pd.DataFrame, n: int = 15) -> pd.DataFrame:
    """The ``n`` strongest pairs of a symmetric linkage matrix: ``code_a``, ``code_b``,
    ``linkage`` and ``relative`` (= linkage / strongest)."""
    values = gravity.to_numpy()
    i, j = np.triu_indices(len(gravity), k=1)
    frame = pd.DataFrame({"code_a": gravity.index[i], "code_b": gravity.columns[j], "linkage": values[i, j]})
    frame = frame.sort_values("linkage", ascending=False).head(n).reset_index(drop=True)
    top = frame["linkage"].max() if len(frame) else 1.0
    frame["relative"] = frame["linkage"] / top if top > 0 else 0.0
    return frame


#: Which event ``cluster_id`` values concern a chapter cluster (events use 'yrd' for the delta).
EVENT_CLUSTERS = {
    "chengyu": ("chengyu",), "qianzhong": ("chengyugui",), "chengyugui": ("chengyu", "chengyugui"),
    "yrd26": ("yrd",), "yrd41": ("yrd",), "middle_yangtze": ("middle_yangtze",),
    "jingjinji": ("jingjinji",),
}


def rail_openings(events: pd.DataFrame, clusters: Iterable[str] | None = None) -> pd.DataFrame:
    """HSR openings of the typed event table with a short label (``成渝高速铁路（成渝客专） 2015-12``),
    one row per (event, chapter cluster) when ``clusters`` is given (``cluster_id`` then holds
    the chapter's id), else one row per event with the table's ``cluster_id``."""
    hsr = events[events["event_type"] == "hsr_opening"].copy()
    hsr["travel_time_h"] = pd.to_numeric(hsr["travel_time_h"], errors="coerce")
    hsr["label"] = (hsr["title_zh"].str.replace("开通运营", "", regex=False)
                    .str.replace("全线", "", regex=False).str.strip() + " " + hsr["date"].str[:7])
    if clusters is None:
        return hsr.reset_index(drop=True)
    parts = []
    for cluster_id in clusters:
        sub = hsr[hsr["cluster_id"].isin(EVENT_CLUSTERS.get(cluster_id, ()))].copy()
        sub["cluster_id"] = cluster_id
        parts.append(sub)
    return pd.concat(parts, ignore_index=True) if parts else hsr.iloc[0:0]


# ----------------------------------------------------------------------------- the network
def build_network(cities: pd.DataFrame) -> dict:
    """The book's corrected rail network, built once the same way in every chapter.

    Steps: the RailwayVIS line table (:func:`cityclusters.data.sources.rail.read_rail_lines`) with the
    typed intermediate stops inserted (:func:`apply_line_stations`); stations assigned to
    prefectures with the typed overrides (:func:`station_city_table`); city-to-city edges
    (:func:`rail_edges`) with the typed opening-date corrections
    (:func:`apply_opening_corrections`); city centres from :func:`network_coords`.

    Returns
    -------
    dict with ``lines``, ``stations``, ``edges``, ``coords`` and ``line_stops`` (the typed
    additions), so that chapters can report what was corrected.
    """
    from cityclusters.data.sources import rail

    coords = network_coords(cities)
    line_stops = line_station_additions()
    lines = apply_line_stations(rail.read_rail_lines(), line_stops)
    overrides = pd.concat([station_prefecture_overrides(), line_station_overrides(line_stops)],
                          ignore_index=True)
    stations = station_city_table({s for row in lines["stations"] for s in row},
                                  rail.read_station_cities(), cities, overrides)
    edges = apply_opening_corrections(rail_edges(lines, stations, coords), lines,
                                      line_opening_corrections())
    return {"lines": lines, "stations": stations, "edges": edges, "coords": coords,
            "line_stops": line_stops}
