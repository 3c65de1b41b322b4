"""Rail lines and segments: thaddywu/RailwayVIS (Apache-2.0) and Ma & Tang (2024) (GPL-3).

* ``thaddywu__RailwayVIS/scripts/railways/railways.csv`` (GBK-encoded): about 250 trunk lines
  or sections with their type (高速铁路 / 快速铁路 / 普速铁路), current design speed (km/h,
  ``N/A`` when unknown), electrification, opening date (``YYYY``, ``YYYY.M`` or
  ``YYYY.M.D``), end stations and the stations along the line (``-``-separated, ``NULL`` when
  not given). The file does not state its source; opening dates are checked against the
  typed event table in chapter 5.
* ``thaddywu__RailwayVIS/json/station2city.json``: station → city name. The file is a JSON
  *string* that holds the JSON object (double-encoded); a few values are truncated
  (``济南`` → ``济``), which :mod:`cityclusters.analysis.linkages` repairs.
* ``thaddywu__RailwayVIS/json/schedulers.json``: a train timetable (December 2020 /
  January 2021; 6,795 trains): per train its service class (高速动车, 动车组, 城际动车, 快速,
  直达特快, 特快, 普快, 普客), end stations and its stops at 187 key places, each with arrival
  and departure ``hh:mm`` counted from the departure day (hours above 24 are later days;
  ``-`` where there is none). Only stops in mapped places are kept, so it is a table of real
  times between those places, not a complete stop list (:func:`read_timetable`).
* ``malin84__transportation_networks_of_china/seg_info/seg_info_rail.csv``: 744 rail
  segments with rate (``HSR`` = high-speed rail, ``GT1`` = National I, ...), year of
  construction, path name and a free-text note that usually names the end points
  (``成都到重庆``). No geometry: the pixel files are not in the mirror.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from cityclusters.data.fetch import fetch
from cityclusters.data.sources.reading import read_checked, to_number, whole_numbers
from cityclusters.errors import SourceFormatError

RAILWAYS = "thaddywu__RailwayVIS/scripts/railways/railways.csv"
STATION2CITY = "thaddywu__RailwayVIS/json/station2city.json"
TIMETABLE = "thaddywu__RailwayVIS/json/schedulers.json"
SEG_INFO_RAIL = "malin84__transportation_networks_of_china/seg_info/seg_info_rail.csv"

#: railways.csv header (source → ours).
RAILWAY_COLUMNS = {
    "线路": "line",
    "线路类型": "line_type",
    "现设计时速": "design_speed_kmh",
    "电气化": "electrified",
    "建成年份": "opened",
    "起点": "start",
    "终点": "end",
    "途径站点": "stations_text",
}
#: The three line types of railways.csv.
LINE_TYPES = ("高速铁路", "快速铁路", "普速铁路")

_DATE = re.compile(r"^(\d{4})(?:\.(\d{1,2}))?(?:\.(\d{1,2}))?$")


def parse_opening(text: str, where: str = RAILWAYS, row: int | None = None) -> tuple[int, int | None, int | None]:
    """Split an opening date ``YYYY[.M[.D]]`` into (year, month or None, day or None).

    Raises :class:`SourceFormatError` naming the file and row for anything else.
    """
    match = _DATE.match(str(text).strip())
    if not match:
        raise SourceFormatError(f"{where}: column '建成年份' has {text!r}, not YYYY[.M[.D]]"
                                + (f", at row {row}" if row is not None else "") + ".")
    year, month, day = (int(g) if g else None for g in match.groups())
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        raise SourceFormatError(f"{where}: impossible date {text!r} in column '建成年份'"
                                + (f" at row {row}" if row is not None else "") + ".")
    return year, month, day


def parse_lines(frame: pd.DataFrame, where: str = RAILWAYS) -> pd.DataFrame:
    """Tidy the raw line table (columns as :data:`RAILWAY_COLUMNS` values plus ``source_row``).

    Adds ``open_year``, ``open_month``, ``open_day`` (from ``opened``), ``design_speed_kmh``
    as a float (NaN where the source says ``N/A``), ``electrified`` as bool and ``stations``,
    the list of station names in order (the end stations when the source gives ``NULL``).
    """
    frame = frame.copy()
    for column in ("line", "line_type", "opened", "start", "end"):
        empty = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if empty.any():
            row = int(frame.loc[empty, "source_row"].iloc[0])
            raise SourceFormatError(f"{where}: empty cell in column '{column}' at row {row}.")
        frame[column] = frame[column].astype(str).str.strip()
    bad_type = ~frame["line_type"].isin(LINE_TYPES)
    if bad_type.any():
        row = frame.loc[bad_type].iloc[0]
        raise SourceFormatError(f"{where}: column '线路类型' has {row['line_type']!r} at row "
                                f"{int(row['source_row'])}; expected one of {list(LINE_TYPES)}.")
    frame["design_speed_kmh"] = frame["design_speed_kmh"].replace({"N/A": None})
    frame = to_number(frame, ["design_speed_kmh"], where)
    flags = frame["electrified"].map({"是": True, "否": False})
    if flags.isna().any():
        row = frame.loc[flags.isna()].iloc[0]
        raise SourceFormatError(f"{where}: column '电气化' has {row['electrified']!r} at row "
                                f"{int(row['source_row'])}; expected 是 or 否.")
    frame["electrified"] = flags.astype(bool)
    dates = [parse_opening(t, where, int(r)) for t, r in zip(frame["opened"], frame["source_row"])]
    frame["open_year"] = [d[0] for d in dates]
    frame["open_month"] = pd.array([d[1] for d in dates], dtype="Int64")
    frame["open_day"] = pd.array([d[2] for d in dates], dtype="Int64")
    stations = []
    for text, start, end in zip(frame["stations_text"], frame["start"], frame["end"]):
        text = "" if pd.isna(text) else str(text).strip()
        if text in ("", "NULL"):
            stations.append([start, end])
        else:
            stations.append([s.strip() for s in text.split("-") if s.strip()])
    frame["stations"] = stations
    return frame.drop(columns="stations_text").reset_index(drop=True)


def read_rail_lines() -> pd.DataFrame:
    """The RailwayVIS line table, tidy (see :func:`parse_lines`); one row per line or section."""
    path = fetch(RAILWAYS)
    try:
        raw = pd.read_csv(path, encoding="gbk", dtype=str, keep_default_na=False, na_values=[""])
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFormatError(f"{RAILWAYS}: cannot be read as GBK CSV ({exc}).") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in RAILWAY_COLUMNS if c not in raw.columns]
    if missing:
        raise SourceFormatError(f"{RAILWAYS}: missing column(s) {missing}; found {list(raw.columns)}.")
    frame = raw[list(RAILWAY_COLUMNS)].rename(columns=RAILWAY_COLUMNS)
    frame.insert(0, "source_row", frame.index + 2)
    return parse_lines(frame)


def read_station_cities() -> dict[str, str]:
    """Station name → city name as the RailwayVIS file gives it (not repaired)."""
    path = fetch(STATION2CITY)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, str):  # the file is a JSON string holding the JSON object
            data = json.loads(data)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"{STATION2CITY}: not valid JSON ({exc}).") from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise SourceFormatError(f"{STATION2CITY}: expected an object of station → city strings.")
    return dict(data)


def read_rail_segments() -> pd.DataFrame:
    """Ma & Tang (2024) rail segments: ``seg_id``, ``rate``, ``year`` (of construction),
    ``path_name``, ``path_supplement``, ``notes`` and ``is_hsr`` (rate == 'HSR')."""
    frame = read_checked(
        SEG_INFO_RAIL,
        {"seg_id": "seg_id", "rate": "rate", "year": "year", "path_name": "path_name",
         "path_supplement": "path_supplement", "notes": "notes"},
        dtype=str, keep_default_na=False, na_values=[""],
    )
    frame = to_number(frame, ["year"], SEG_INFO_RAIL)
    if frame["year"].isna().any():
        row = int(frame.loc[frame["year"].isna(), "source_row"].iloc[0])
        raise SourceFormatError(f"{SEG_INFO_RAIL}: empty 'year' at row {row}.")
    frame = whole_numbers(frame, "year", SEG_INFO_RAIL, "a year")
    frame["is_hsr"] = frame["rate"].eq("HSR")
    return frame


_CLOCK = re.compile(r"^(\d{1,3}):(\d{2})$")


def _minutes(text, where: str, train: str, stop: int, field: str) -> float:
    text = str(text).strip()
    if text == "-":
        return float("nan")
    match = _CLOCK.match(text)
    if not match or int(match.group(2)) > 59:
        raise SourceFormatError(f"{where}: train {train}, stop {stop}, field '{field}': {text!r} is not hh:mm.")
    return 60.0 * int(match.group(1)) + int(match.group(2))


def parse_timetable(data: dict, where: str = TIMETABLE) -> pd.DataFrame:
    """Tidy stops of a timetable object (train → ``service``, ``route`` list of ``arrival``,
    ``departure``, ``city``): one row per stop with ``train``, ``service``, ``stop`` (1, 2, …),
    ``place`` and ``arrival_min`` / ``departure_min`` (minutes after midnight of the
    departure day; NaN for ``-``). Times must not decrease along a route (arrival ≤
    departure ≤ next arrival); anything else is a :class:`SourceFormatError` naming the
    train, the stop and the field.

    >>> parse_timetable({"G1": {"service": "高速动车", "route": [
    ...     {"arrival": "-", "departure": "09:00", "city": "北京"},
    ...     {"arrival": "13:18", "departure": "-", "city": "上海"}]}})[["place", "arrival_min", "departure_min"]].values.tolist()
    [['北京', nan, 540.0], ['上海', 798.0, nan]]
    """
    if not isinstance(data, dict):
        raise SourceFormatError(f"{where}: expected an object of trains.")
    rows = []
    for train, record in data.items():
        route = record.get("route") if isinstance(record, dict) else None
        if not isinstance(route, list) or not route:
            raise SourceFormatError(f"{where}: train {train}: field 'route' is missing or empty.")
        last = -np.inf
        for k, stop in enumerate(route, start=1):
            place = str(stop.get("city", "")).strip()
            if not place:
                raise SourceFormatError(f"{where}: train {train}, stop {k}, field 'city' is empty.")
            arrival = _minutes(stop.get("arrival", ""), where, train, k, "arrival")
            departure = _minutes(stop.get("departure", ""), where, train, k, "departure")
            for field, value in (("arrival", arrival), ("departure", departure)):
                if not np.isnan(value):
                    if value < last:
                        raise SourceFormatError(f"{where}: train {train}, stop {k} ({place}), field '{field}': "
                                                f"time goes backwards along the route.")
                    last = value
            rows.append({"train": str(train), "service": str(record.get("service", "")), "stop": k,
                         "place": place, "arrival_min": arrival, "departure_min": departure})
    return pd.DataFrame(rows)


def read_timetable() -> pd.DataFrame:
    """The RailwayVIS timetable (Dec 2020/Jan 2021), tidy (see :func:`parse_timetable`)."""
    path = fetch(TIMETABLE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"{TIMETABLE}: not valid JSON ({exc}).") from exc
    return parse_timetable(data)
