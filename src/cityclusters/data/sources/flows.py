"""Observed inter-city flows: Baidu Qianxi (百度迁徙) in two independent crawls.

* ``a1317934217__Baidu_migrationData`` (:data:`BAIDU_2021`): one CSV per day and direction,
  2021-04-12 … 2021-04-25, columns ``city_name, city_id_name, num``. In ``in/`` the focal
  city (``city_id_name``) is the destination and ``city_name`` the origin; in ``out/`` the
  focal city is the origin. ``num`` = Baidu's share (%) / 100 × the focal city's daily
  move-in (or move-out) scale index, for the focal city's top-100 partners. Names are short
  (成都, not 成都市), some outdated (毕节地区).
* ``Emergent-Epidemics__eeid_mobility`` (:data:`EEID_2020`): one 396 × 396 matrix per day
  and direction, January 2020; row = focal unit (destination in ``inbound``, origin in
  ``outbound``), column = partner, value = Baidu's share in % (top-100 partners; the rest
  empty). Full names (成都市), including 30 province rows and the abolished 巢湖市.

What the readers return is one row per listed (focal, partner) cell with its ``source_row``
(and, for the matrices, ``source_column``), untouched; :mod:`cityclusters.data.flows` turns
them into the tidy flow table and reports every defect. Two small pure helpers live here
because they describe the files' encoding:

* :func:`share_quantum`: Baidu prints shares in % with two decimals, so every ``num`` of one
  focal list is an integer multiple of q = index × 0.01 % (index = the focal city's scale
  index). Recovering q gives the index (q × 10⁴), each partner's exact share (num / index)
  and the share of the focal city's flows its top-100 list covers (Σ num / index).
* :func:`match_flow_names`: Baidu names → crosswalk ``city_code`` (time-aware), provinces
  and county-level units (not prefecture-level: listed, never matched to a city).

Licence: Baidu's data, no licence stated (2021 crawl) / research use under Art. 22 of the PRC
Copyright Law (doi:10.18130/V3/YQLJ5W, the 2020 crawl): publish derived results only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from cityclusters.config import PROVINCES
from cityclusters.data.fetch import fetch
from cityclusters.data.registry import load_registry
from cityclusters.data.sources import census, crosswalk, unit_years
from cityclusters.data.sources.reading import read_checked, refuse_cut_csv
from cityclusters.errors import SourceFormatError

BAIDU_2021 = ("a1317934217__Baidu_migrationData/migrationof_ChenYang/02_component_last/"
              "02_component_last/data/百度迁徙数据原始")
EEID_2020 = "Emergent-Epidemics__eeid_mobility/data/BaiduMobility"
#: Source labels of the tidy table.
SOURCE_2021, SOURCE_2020 = "baidu_2021", "eeid_2020"
DIRECTIONS = ("in", "out")
#: Baidu prints shares in percent with two decimals: the share quantum is 0.01 % = 1e-4.
SHARE_QUANTUM = 1e-4

_DAY = re.compile(r"(\d{8})\.csv$")
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")


# ----------------------------------------------------------------------------- file lists
def day_keys(source: str, registry: pd.DataFrame | None = None) -> pd.DataFrame:
    """The registered daily files of ``source`` (:data:`SOURCE_2021` or :data:`SOURCE_2020`):
    columns ``key``, ``direction`` (in | out) and ``date`` (Timestamp), sorted."""
    registry = load_registry() if registry is None else registry
    rows = []
    for key in registry.index:
        key = str(key)
        if source == SOURCE_2021 and key.startswith(BAIDU_2021 + "/"):
            direction = key[len(BAIDU_2021) + 1:].split("/", 1)[0]
        elif source == SOURCE_2020 and key.startswith(EEID_2020 + "/"):
            direction = {"inbound": "in", "outbound": "out"}.get(key[len(EEID_2020) + 1:].split("/", 1)[0])
        else:
            continue
        day = _DAY.search(key)
        if direction not in DIRECTIONS or day is None:
            raise SourceFormatError(f"data/registry.tsv: key {key!r} is not a daily in/out file of {source}.")
        rows.append({"key": key, "direction": direction, "date": pd.Timestamp(day.group(1))})
    if not rows:
        raise SourceFormatError(f"data/registry.tsv: no daily files of {source}.")
    return pd.DataFrame(rows).sort_values(["direction", "date"]).reset_index(drop=True)


# ----------------------------------------------------------------------------- readers
def read_baidu_day(key: str) -> pd.DataFrame:
    """One daily file of the 2021 crawl: ``focal``, ``partner``, ``num`` (float, > 0) and
    ``source_row``. A missing column, an empty name or a ``num`` that is not a positive
    number is a :class:`SourceFormatError` naming the file, row and column."""
    frame = read_checked(key, {"city_id_name": "focal", "city_name": "partner", "num": "num"},
                         dtype={"city_id_name": str, "city_name": str, "num": str},
                         keep_default_na=False)
    return parse_baidu_list(frame, key)


def parse_baidu_list(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Check and type a 2021 list (columns ``focal``, ``partner``, ``num``, ``source_row``).

    >>> raw = pd.DataFrame({"focal": ["北京", "北京"], "partner": ["廊坊", "保定"],
    ...                     "num": ["2.26", "1.0"], "source_row": [2, 3]})
    >>> parse_baidu_list(raw, "in/20210412.csv")["num"].tolist()
    [2.26, 1.0]
    """
    frame = frame.copy()
    header = {"focal": "city_id_name", "partner": "city_name", "num": "num"}
    for column in ("focal", "partner"):
        text = frame[column].astype(str).str.strip()
        empty = frame[column].isna() | (text == "")
        if empty.any():
            row = int(frame.loc[empty, "source_row"].iloc[0])
            raise SourceFormatError(f"{where}: empty cell in column '{header[column]}' at row {row} "
                                    f"({int(empty.sum())} such cells).")
        frame[column] = text
    values = pd.to_numeric(frame["num"], errors="coerce")
    bad = values.isna() | ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = frame.loc[bad].iloc[0]
        raise SourceFormatError(f"{where}: column 'num' has {row['num']!r} at row {int(row['source_row'])}, "
                                f"not a non-negative number ({int(bad.sum())} such cells).")
    frame["num"] = values.astype(float)
    return frame[["focal", "partner", "num", "source_row"]].reset_index(drop=True)


def read_eeid_day(key: str) -> pd.DataFrame:
    """One daily matrix of the 2020 crawl in long form: ``focal`` (row), ``partner``
    (column), ``share_pct`` (the cell, %), ``source_row`` (spreadsheet row, header = 1) and
    ``source_column`` (the partner's header). Empty cells are not listed; also returns, in
    ``attrs['units']``, every row name (to report empty rows)."""
    path = fetch(key)
    try:
        raw = pd.read_csv(path, index_col=0, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFormatError(f"{key}: cannot be read as a CSV matrix ({exc}).") from exc
    refuse_cut_csv(path, key)
    return parse_eeid_matrix(raw, key)


def parse_eeid_matrix(raw: pd.DataFrame, where: str) -> pd.DataFrame:
    """Long form of a share matrix (index = focal names, columns = partner names, text cells).

    The matrix must be square with the same names in the same order on both axes; a cell
    that is not empty must be a number in [0, 100]; a diagonal cell must be empty. Errors
    name ``where``, the row (spreadsheet numbering) and the column.

    >>> raw = pd.DataFrame({"成都市": ["", "12.5"], "重庆市": ["30", ""]}, index=["成都市", "重庆市"])
    >>> parse_eeid_matrix(raw, "m.csv")[["focal", "partner", "share_pct", "source_row"]].values.tolist()
    [['成都市', '重庆市', 30.0, 2], ['重庆市', '成都市', 12.5, 3]]
    """
    names_rows = [str(n).strip() for n in raw.index]
    names_cols = [str(c).strip() for c in raw.columns]
    if names_rows != names_cols:
        first = next((k for k, (a, b) in enumerate(zip(names_rows, names_cols)) if a != b), min(len(names_rows), len(names_cols)))
        raise SourceFormatError(f"{where}: the matrix is not square with the same units on both axes "
                                f"({len(names_rows)} rows, {len(names_cols)} columns; first difference at "
                                f"position {first + 1}).")
    if len(set(names_rows)) != len(names_rows):
        dup = pd.Series(names_rows)[pd.Series(names_rows).duplicated()].tolist()
        raise SourceFormatError(f"{where}: unit(s) {dup[:5]} appear twice in the header.")
    text = raw.to_numpy(dtype=object).astype(str)
    filled = np.char.str_len(np.char.strip(text)) > 0
    rows, cols = np.nonzero(filled)
    numbers = pd.to_numeric(pd.Series(text[rows, cols], dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(numbers) | (numbers < 0) | (numbers > 100)
    if bad.any():
        k = int(np.argmax(bad))
        raise SourceFormatError(f"{where}: row {rows[k] + 2} ('{names_rows[rows[k]]}'), column "
                                f"'{names_cols[cols[k]]}': {str(text[rows[k], cols[k]])!r} is not a share in % "
                                f"(0–100) ({int(bad.sum())} such cells).")
    diagonal = rows == cols
    if diagonal.any():
        k = int(np.argmax(diagonal))
        raise SourceFormatError(f"{where}: row {rows[k] + 2}, column '{names_cols[cols[k]]}': the diagonal "
                                f"(a unit's flow to itself) must be empty.")
    out = pd.DataFrame({"focal": [names_rows[r] for r in rows], "partner": [names_cols[c] for c in cols],
                        "share_pct": numbers, "source_row": rows + 2,
                        "source_column": [names_cols[c] for c in cols]})
    out.attrs["units"] = names_rows
    return out


# ----------------------------------------------------------------------------- shares
def share_quantum(nums, tolerance: float = 1e-6, max_count: int = 10000) -> float | None:
    """The quantum q of a focal list: the largest q with every ``num`` an integer multiple of
    it (to ``tolerance`` relative), or None when no q with at most ``max_count`` quanta in
    the smallest value fits.

    Baidu prints each partner's share to 0.01 %, so num_j = k_j · q with k_j an integer and
    q = 10⁻⁴ × the focal city's scale index I. Then I = q · 10⁴, the share of partner j is
    num_j / I = k_j · 10⁻⁴, and the top-100 list covers Σ_j num_j / I of the focal city's
    flows (source: the files' definition of ``num``, see the module docstring).

    >>> round(share_quantum([0.702, 0.0702 * 3, 0.0702 * 25]), 6)
    0.0702
    >>> share_quantum([1.0, 2 ** 0.5], max_count=50) is None
    True
    """
    values = np.asarray(nums, dtype=float)
    if values.size == 0 or not np.all(values >= 0):
        raise ValueError("share_quantum: needs non-negative values")
    values = np.sort(values[values > 0])  # a 0.00 % share is a multiple of any quantum
    if values.size == 0:
        return None
    smallest = values[0]
    for count in range(1, max_count + 1):
        q = smallest / count
        ratio = values / q
        if np.all(np.abs(ratio - np.round(ratio)) <= tolerance * np.maximum(ratio, 1.0) + 1e-9 * ratio):
            return float(q)
    return None


def scale_index(nums) -> tuple[float, float, bool]:
    """The focal city's scale index I, the coverage of its list and whether they are determined.

    q = :func:`share_quantum` is the *largest* common quantum of the list, a multiple m ≥ 1
    of Baidu's 0.01 % × I. With c₁ = Σ num / (q · 10⁴), the coverage is m · c₁ ≤ 1, so when
    c₁ > 0.5 only m = 1 is possible: I = q · 10⁴ and coverage = c₁ (determined). When
    c₁ ≤ 0.5, m is ambiguous: the function returns I = Σ num (shares of the listed
    partners, an upper bound of the true shares), coverage NaN and ``False``. A list whose
    c₁ exceeds 1 contradicts the encoding and raises ValueError.

    >>> index, coverage, determined = scale_index([0.2, 0.15, 0.1, 0.00005])
    >>> round(index, 6), round(coverage, 4), determined
    (0.5, 0.9001, True)
    >>> scale_index([0.2, 0.1])[1:]
    (nan, False)
    """
    values = np.asarray(nums, dtype=float)
    q = share_quantum(values)
    total = float(values.sum())
    if q is None:
        return total, float("nan"), False
    first = total / (q / SHARE_QUANTUM)
    if first > 1 + 1e-6:
        raise ValueError(f"scale_index: the shares sum to {first:.3f} > 1")
    if first > 0.5:
        return q / SHARE_QUANTUM, first, True
    return total, float("nan"), False


# ----------------------------------------------------------------------------- names
def _province_short(name: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _variants(name: str) -> list[str]:
    from cityclusters.data.names import short_name

    out = [name, name + "市", short_name(name)]
    return list(dict.fromkeys(out))


def match_flow_names(names: Iterable[str], year: int) -> pd.DataFrame:
    """Match Baidu unit names to prefecture-level cities of the crosswalk, time-aware.

    For each name the first rule that gives exactly one crosswalk entity wins:

    1. ``name_in_year``: the name, the name + 市, or its short form (毕节地区 → 毕节) equals a
       crosswalk name or alias (or that name's short form) valid in ``year``;
    2. ``name_other_year``: as 1, for a name valid in another year of a unit that exists in
       ``year`` (毕节地区, renamed 毕节市 in 2011);
    3. ``out_of_years``: the name's unit did not exist in ``year`` (莱芜 after its 2019 merger
       into 济南, 巢湖 after 2011): ``city_code`` is the old unit's, the caller decides;

    else ``province`` (a province-level unit other than the four municipalities: 浙江,
    广西壮族自治区) or ``not_prefecture`` (a census unit that is not prefecture-level: the
    county-level units under Hainan, Hubei, Henan and Xinjiang, Hong Kong, Macau), else
    ``unknown``. Returns ``name``, ``rule``, ``entity_id``, ``city_code`` (Int64), ``unit_name``
    (the crosswalk's or census name) and ``outdated`` (the printed name is neither the unit's
    current name nor its short form: 毕节地区 for 毕节市).
    """
    from cityclusters.data.names import short_name

    spans = crosswalk.name_spans().copy()
    spans["short"] = spans["name"].map(short_name)
    alive = unit_years.unit_years(spans)
    when = unit_years.clamp_year(year, spans)
    ents = crosswalk.entities().set_index("entity_id")
    provinces = {p for p in PROVINCES if p not in _MUNICIPALITIES}
    province_short = {_province_short(p): p for p in provinces}
    base = census.read_census()
    prefecture_codes = set(ents["city_code"])
    county = base[~base["code"].isin(prefecture_codes) & ~base["name_zh"].isin(PROVINCES)]
    county_by = {}
    for code, full in zip(county["code"], county["name_zh"]):
        for variant in {full, short_name(full), re.sub(r"(县|市|特别行政区)$", "", full)}:
            county_by.setdefault(variant, (int(code), full))
    rows = []
    for name in dict.fromkeys(str(n).strip() for n in names):
        variants = _variants(name)
        hit = spans[spans["name"].isin(variants) | spans["short"].isin(variants)]
        found = None
        in_year = hit[(hit["start"] <= when) & (hit["end"] >= when)]["entity_id"].unique()
        existing = [e for e in hit["entity_id"].unique() if when in alive.get(e, ())]
        if len(in_year) == 1:
            found = ("name_in_year", in_year[0])
        elif len(in_year) == 0 and len(existing) == 1:
            found = ("name_other_year", existing[0])
        elif len(in_year) == 0 and len(existing) == 0 and hit["entity_id"].nunique() == 1:
            found = ("out_of_years", hit["entity_id"].iloc[0])
        elif len(in_year) > 1 or len(existing) > 1:
            raise SourceFormatError(f"Baidu flows: name {name!r} matches several prefectures "
                                    f"{sorted(hit['name'].unique())} in {year}.")
        if found is not None:
            rule, entity = found
            rows.append({"name": name, "rule": rule, "entity_id": entity,
                         "city_code": int(ents.at[entity, "city_code"]), "unit_name": ents.at[entity, "name_zh"]})
        elif name in provinces or name in province_short:
            rows.append({"name": name, "rule": "province", "entity_id": None, "city_code": None,
                         "unit_name": name if name in provinces else province_short[name]})
        elif any(v in county_by for v in variants):
            code, full = next(county_by[v] for v in variants if v in county_by)
            rows.append({"name": name, "rule": "not_prefecture", "entity_id": None, "city_code": code,
                         "unit_name": full})
        else:
            rows.append({"name": name, "rule": "unknown", "entity_id": None, "city_code": None, "unit_name": None})
    out = pd.DataFrame(rows, columns=["name", "rule", "entity_id", "city_code", "unit_name"])
    out["city_code"] = out["city_code"].astype("Int64")
    current = [{u, short_name(u), re.sub("市$", "", u)} if isinstance(u, str) else set() for u in out["unit_name"]]
    out["outdated"] = [r in ("name_in_year", "name_other_year") and n not in c
                       for n, r, c in zip(out["name"], out["rule"], current)]
    return out
