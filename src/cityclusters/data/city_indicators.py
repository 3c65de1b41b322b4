"""City-level indicators of six of the seven subsystems, one column per indicator.

The indicator system is a typed fact table, ``data/facts/city_indicator_system.csv``: one
row per indicator with its subsystem, direction (positive/negative), unit, the years it is
defined for and, as two small formulas, the ``numerator`` and ``denominator`` it is computed
from. :func:`city_indicator_system` reads and checks it; :func:`city_indicator_panel` computes
every indicator for every prefecture-level unit and year 2000–2023 from the sources;
:func:`indicator_coverage` says how many cities of each cluster have a value.

Formulas
    ``value = N / D`` where ``N`` (numerator) and ``D`` (denominator, 1 if empty) are sums and
    differences of products of numbers and variable ids, e.g. ``100 * yearbook.teachers_primary
    + 100 * yearbook.teachers_secondary`` or ``100 - 100 * gp.share_primary``. A value is
    missing when any variable it uses is missing (a sum never skips a missing term), when ``D``
    is 0, or outside the indicator's
    ``first_year``–``last_year`` (the years without a definitional break; the reason is in the
    row's ``rationale``). Nothing is filled or interpolated.

Variables (:func:`known_variables` lists them with their units)
    ``yearbook.<variable>``: the China City Statistical Yearbook (:func:`cityclusters.data.tables.city_year_yearbook`),
    first releases, whole city (全市) — or urban districts (市辖区) for a variable the yearbook
    prints only for them (green coverage of the built-up area); a cell whose ``cell_status``
    is not ``ok`` or whose ``flag_power_of_ten`` is not 0 is missing, and so is a percentage
    above 100 (the yearbook's %-variables are shares of a whole — green coverage, waste and
    sewage treatment — so e.g. 386 % is a misprint, not a value). Units as in
    ``data/facts/yearbook/variables.csv``.

    ``gp.<variable>``: the G-P compilation: the city–year panel (:func:`cityclusters.data.tables.city_year`;
    ``gp.population`` is the resident population, **reported values only**: the compiler's
    interpolations are missing), city CO2, loans, road area per capita
    (:mod:`cityclusters.data.sources.subsystem_data`) and the yuan/dollar rate
    (:func:`cityclusters.data.sources.gp.read_exchange_rate`).

    ``price.cpi_level``: the consumer price level of the city's province (2000 = 1), chained
    from the provincial CPI (CSMAR to 2021, NBS export for 2022–2023); it deflates wages,
    retail sales and education spending. The G-P GDP deflator is not used for them: it is
    nominal over chained real GDP, so it absorbs every revision of nominal GDP levels.

Every per-capita indicator divides by the G-P resident population, one series and one vintage
for all of them: the yearbook's own population is the registered (hukou) count, which
understates per-capita supply in cities of out-migration (registered > resident) and
overstates it where migrants live (Shenzhen, Dongguan), and its 2021 and 2024 editions print
resident population instead.
GDP denominators are G-P GDP (current prices) and G-P real GDP (2000 prices), the panel's.

The governance subsystem has no city indicator (see ``data/facts/FACTS_SOURCES.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cityclusters.config import FIRST_YEAR, LAST_YEAR
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.data.fetch import fetch
from cityclusters.data.names import to_pinyin
from cityclusters.data.provenance import remembered
from cityclusters.data.sources import crosswalk, gp, subsystem_data
from cityclusters.data.sources.reading import assign_city_codes, read_checked, to_number
from cityclusters.data.sources.yearbook import harmonise
from cityclusters.data.sources.yearbook import mapping as yearbook_mapping
from cityclusters.data.store import cached_frame
from cityclusters.errors import SourceFormatError

SYSTEM_FILE = "city_indicator_system.csv"
WHERE = f"data/facts/{SYSTEM_FILE}"
SYSTEM_COLUMNS = ("subsystem_id", "subsystem_zh", "subsystem_en", "indicator_id", "short_en",
                  "description_en", "description_zh", "unit", "direction", "level", "source",
                  "numerator", "denominator", "skewed", "first_year", "last_year", "rationale",
                  "citation")
#: The seven subsystems of Liu & Deng (2021); governance has no city indicator today.
SUBSYSTEMS = ("industry", "public_services", "ecology", "innovation", "governance", "market",
              "infrastructure")
DIRECTIONS = ("positive", "negative")
LEVELS = ("city", "province")
YEARBOOK, GP, PRICE = "yearbook", "gp", "price"
#: G-P variables: id → unit (and what it is).
GP_VARIABLES = {
    "gdp": "亿元, GDP at current prices (city_year)",
    "real_gdp": "亿元 at 2000 prices (city_year: gdp / gdp_deflator)",
    "population": "万人, resident population, reported values only (city_year)",
    "gdp_deflator": "2000 = 1 (city_year)",
    "share_primary": "0-1, primary-sector share of GDP (city_year)",
    "share_secondary": "0-1, secondary-sector share of GDP (city_year)",
    "share_tertiary": "0-1, tertiary-sector share of GDP (city_year)",
    "co2_t": "t, CO2 emissions (EDGAR v8.0 as compiled in G-P)",
    "loans_wan": "万元, year-end loans of financial institutions",
    "road_m2_pc": "m² per person, urban road area per capita, reported values only",
    "exchange_rate": "元 per US dollar, annual average (2007-2023)",
}
#: Price variables: id → unit. A deflator for money amounts other than GDP; the G-P GDP
#: deflator is not used for them because it absorbs the revisions of nominal GDP levels
#: (e.g. 0.41 for Siping in 2023, where nominal GDP was revised down by a third in 2020).
PRICE_VARIABLES = {
    "cpi_level": "2000 = 1, consumer price level of the city's province, chained from the "
                 "provincial CPI (previous year = 100)",
}
#: Provincial CPI (previous year = 100): CSMAR CRE_Pi01 (1951–2021) and the NBS export of
#: 分省年度数据 (2016–2024); the chain uses CSMAR to CPI_SWITCH_YEAR and NBS after it.
CPI_CSMAR = "eileenCHEN-9__PhD_2022_2025/data/raw_data/statistics/CRE_Pi01.csv"
CPI_NBS = "Liushenwuzhu-Alpaca__province-economy/data/raw/nbs_exports/居民消费价格指数分省.csv"
CPI_SWITCH_YEAR = 2021
#: Provincial variables a ``level = province`` row could use (none is registered yet).
PROVINCE_VARIABLES: dict[str, str] = {}
#: The largest possible value of a yearbook variable in % (all are shares of a whole).
PERCENT_MAX = 100.0
_INDEX = ["city_code", "year"]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


# ----------------------------------------------------------------------------- formulas
def known_variables() -> dict[str, str]:
    """Every variable id a formula may use → its unit: ``yearbook.<variable>`` for the 33
    yearbook variables, ``gp.<variable>`` for :data:`GP_VARIABLES`, ``price.<variable>`` for
    :data:`PRICE_VARIABLES`."""
    catalogue = yearbook_mapping.variables()
    out = {f"{YEARBOOK}.{v}": u for v, u in zip(catalogue["variable"], catalogue["unit"])}
    out.update({f"{GP}.{v}": u for v, u in GP_VARIABLES.items()})
    out.update({f"{PRICE}.{v}": u for v, u in PRICE_VARIABLES.items()})
    out.update({f"province.{v}": u for v, u in PROVINCE_VARIABLES.items()})
    return out


def parse_expression(text: object) -> list[tuple[float, tuple[str, ...]]]:
    """A formula as a list of signed terms (constant, variable ids); empty text is ``[]``.

    The grammar is a sum of terms joined by `` + `` or `` - `` (spaces around the operator),
    each term a product (``*``) of numbers and variable ids; no brackets, so every formula
    reads at a glance.

    >>> parse_expression("100 * yearbook.teachers_primary + 100 * yearbook.teachers_secondary")
    [(100.0, ('yearbook.teachers_primary',)), (100.0, ('yearbook.teachers_secondary',))]
    >>> parse_expression("100 - 100 * gp.share_primary")
    [(100.0, ()), (-100.0, ('gp.share_primary',))]
    >>> parse_expression("gp.population * gp.gdp_deflator")
    [(1.0, ('gp.population', 'gp.gdp_deflator'))]
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return []
    pieces = re.split(r"\s+([+-])\s+", str(text).strip())
    signs = [1.0] + [1.0 if op == "+" else -1.0 for op in pieces[1::2]]
    terms = []
    for sign, raw_term in zip(signs, pieces[0::2]):
        constant, names = sign, []
        factors = [f.strip() for f in raw_term.split("*")]
        if any(not f for f in factors):
            raise ValueError(f"empty factor in {text!r}")
        for factor in factors:
            try:
                constant *= float(factor)
            except ValueError:
                if not re.fullmatch(r"[a-z]+\.[a-z0-9_]+", factor):
                    raise ValueError(f"{factor!r} in {text!r} is neither a number nor a variable "
                                     "id like 'yearbook.doctors' (operators need spaces around "
                                     "them)") from None
                names.append(factor)
        terms.append((constant, tuple(names)))
    if not any(names for _, names in terms):
        raise ValueError(f"{text!r} names no variable")
    return terms


def expression_variables(text: object) -> list[str]:
    """The variable ids a formula uses, in order of appearance, each once."""
    return list(dict.fromkeys(n for _, names in parse_expression(text) for n in names))


def evaluate(text: object, inputs: pd.DataFrame) -> pd.Series:
    """The formula ``text`` on ``inputs`` (one column per variable id); an empty formula is 1.

    A term with any missing variable is missing, and so is the sum: a missing term is never
    read as zero.
    """
    terms = parse_expression(text)
    if not terms:
        return pd.Series(1.0, index=inputs.index)
    total = pd.Series(0.0, index=inputs.index)
    for constant, names in terms:
        absent = [n for n in names if n not in inputs.columns]
        if absent:
            raise ValueError(f"evaluate: inputs lack variable(s) {absent} used in {text!r}")
        product = pd.Series(constant, index=inputs.index)
        for name in names:
            product = product * inputs[name].astype(float)
        total = total + product  # NaN propagates
    return total


def compute_indicators(inputs: pd.DataFrame, system: pd.DataFrame) -> pd.DataFrame:
    """Every indicator of ``system`` computed from ``inputs``.

    ``inputs`` has a ``year`` column and one column per variable id used by the formulas
    (other columns are carried through unchanged). Returns ``inputs``' non-variable columns
    plus one column per ``indicator_id``: N / D, missing where an input is missing, where
    D = 0 and outside ``first_year``–``last_year``.
    """
    variables = [c for c in inputs.columns if "." in str(c)]
    out = inputs.drop(columns=variables).copy()
    year = inputs["year"]
    for row in system.itertuples(index=False):
        numerator = evaluate(row.numerator, inputs)
        denominator = evaluate(row.denominator, inputs)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = numerator / denominator.where(denominator != 0)
        value = value.where(np.isfinite(value))
        value = value.where(year.between(int(row.first_year), int(row.last_year)))
        out[row.indicator_id] = value.astype(float)
    return out


# ----------------------------------------------------------------------------- the system
def _bad(line: int, column: str, message: str) -> SourceFormatError:
    return SourceFormatError(f"{WHERE}: row {line}, column '{column}': {message}")


def check_city_indicator_system(table: pd.DataFrame) -> pd.DataFrame:
    """Validate the indicator table; errors name the file, the row (header = 1) and the column.

    Rules: ``subsystem_id`` one of :data:`SUBSYSTEMS` with one Chinese and one English name
    each; ``indicator_id`` a unique lower-case identifier; ``direction`` positive|negative;
    ``level`` city|province (a province row may use only provincial variables, a city row
    none); ``numerator`` non-empty and, like ``denominator``, a formula of known variables
    (:func:`known_variables`); ``skewed`` true|false; years integers with
    FIRST_YEAR ≤ first_year ≤ last_year ≤ LAST_YEAR; non-empty ``unit``, ``rationale`` and
    ``citation``. Returns the table with ``skewed`` as bool and years as int.
    """
    missing = [c for c in SYSTEM_COLUMNS if c not in table.columns]
    if missing:
        raise SourceFormatError(f"{WHERE}: missing column(s) {missing}")
    out = table[list(SYSTEM_COLUMNS)].copy()
    known = known_variables()
    for i, row in out.iterrows():
        line = i + 2
        for column in ("subsystem_id", "indicator_id", "unit", "direction", "level", "source",
                       "numerator", "skewed", "rationale", "citation", "short_en", "description_en"):
            if pd.isna(row[column]) or not str(row[column]).strip():
                raise _bad(line, column, "is empty")
        if row["subsystem_id"] not in SUBSYSTEMS:
            raise _bad(line, "subsystem_id", f"{row['subsystem_id']!r} is not one of {list(SUBSYSTEMS)}")
        if not _ID.match(str(row["indicator_id"])):
            raise _bad(line, "indicator_id", f"{row['indicator_id']!r} is not a lower-case identifier")
        if row["direction"] not in DIRECTIONS:
            raise _bad(line, "direction", f"{row['direction']!r} is not one of {list(DIRECTIONS)}")
        if row["level"] not in LEVELS:
            raise _bad(line, "level", f"{row['level']!r} is not one of {list(LEVELS)}")
        if str(row["skewed"]).strip().lower() not in ("true", "false"):
            raise _bad(line, "skewed", f"{row['skewed']!r} is not true or false")
        used = []
        for column in ("numerator", "denominator"):
            try:
                names = expression_variables(row[column])
            except ValueError as exc:
                raise _bad(line, column, str(exc)) from None
            unknown = [n for n in names if n not in known]
            if unknown:
                raise _bad(line, column, f"unknown variable(s) {unknown}; known: yearbook.<one of "
                           f"data/facts/yearbook/variables.csv>, gp.<one of {sorted(GP_VARIABLES)}>, "
                           f"price.<one of {sorted(PRICE_VARIABLES)}>")
            used += names
        provincial = [n for n in used if n.startswith("province.")]
        if row["level"] == "province" and len(provincial) != len(used):
            raise _bad(line, "level", "a province row may use provincial variables only "
                       f"(registered: {sorted(PROVINCE_VARIABLES) or 'none'})")
        if row["level"] == "city" and provincial:
            raise _bad(line, "level", f"a city row uses provincial variable(s) {provincial}")
        for column in ("first_year", "last_year"):
            value = pd.to_numeric(row[column], errors="coerce")
            if pd.isna(value) or value != int(value) or not FIRST_YEAR <= value <= LAST_YEAR:
                raise _bad(line, column, f"{row[column]!r} is not a year in {FIRST_YEAR}–{LAST_YEAR}")
        if int(row["first_year"]) > int(row["last_year"]):
            raise _bad(line, "first_year", "first_year > last_year")
    dup = out["indicator_id"][out["indicator_id"].duplicated()].tolist()
    if dup:
        raise SourceFormatError(f"{WHERE}: duplicated indicator_id {dup}")
    names = out.groupby("subsystem_id")[["subsystem_zh", "subsystem_en"]].nunique()
    inconsistent = names.index[(names > 1).any(axis=1)].tolist()
    if inconsistent:
        raise SourceFormatError(f"{WHERE}: subsystem(s) {inconsistent} have more than one name")
    out["skewed"] = out["skewed"].astype(str).str.strip().str.lower().eq("true")
    for column in ("first_year", "last_year"):
        out[column] = pd.to_numeric(out[column]).astype(int)
    return out.reset_index(drop=True)


@remembered
def _system_cached() -> pd.DataFrame:
    return check_city_indicator_system(read_fact(SYSTEM_FILE))


def city_indicator_system() -> pd.DataFrame:
    """The city indicator system (``data/facts/city_indicator_system.csv``), checked by
    :func:`check_city_indicator_system`: one row per indicator, in file order."""
    return _system_cached().copy()


# ----------------------------------------------------------------------------- the inputs
def yearbook_inputs(variables: Sequence[str]) -> pd.DataFrame:
    """Yearbook variables by (city_code, year), columns ``yearbook.<variable>``.

    First releases, one scope per variable
    (:func:`cityclusters.data.sources.yearbook.harmonise.series_scopes`); values whose
    ``cell_status`` is not ``ok`` or with ``flag_power_of_ten`` ≠ 0 are missing, and so are
    values above :data:`PERCENT_MAX` of a variable measured in % (shares of a whole)."""
    if not variables:
        return pd.DataFrame(columns=_INDEX)
    table = tables.city_year_yearbook(list(variables))
    scopes = harmonise.series_scopes(table)
    parts = []
    for variable in variables:
        scope = scopes[variable]
        rows = table[(table["variable"] == variable) & (table["scope"] == scope)]
        dup = rows.duplicated(_INDEX, keep=False)
        if dup.any():
            first = rows.loc[dup, _INDEX].iloc[0].tolist()
            raise SourceFormatError(f"city_year_yearbook: two first-release values of {variable} "
                                    f"({scope}) for city_code, year = {first}")
        usable = rows["cell_status"].eq("ok") & rows["flag_power_of_ten"].eq(0)
        if (rows["unit"] == "%").all():
            usable &= rows["value"] <= PERCENT_MAX
        value = rows["value"].where(usable)
        parts.append(pd.Series(value.to_numpy(), index=pd.MultiIndex.from_frame(rows[_INDEX]),
                               name=f"{YEARBOOK}.{variable}"))
    return pd.concat(parts, axis=1).reset_index()


def _by_code(frame: pd.DataFrame, where: str, column: str) -> pd.DataFrame:
    matched = assign_city_codes(frame, frame["code"].map(tables.code_map()), where,
                                ["source_row", "code", "year"])
    return matched[["city_code", "year", column]]


def _co2() -> pd.DataFrame:
    return _by_code(subsystem_data.read_city_co2(), subsystem_data.CO2, "co2_t")


def _loans() -> pd.DataFrame:
    return _by_code(subsystem_data.read_city_finance(), subsystem_data.FINANCE, "loans_wan")


def _road() -> pd.DataFrame:
    # the reported value only; the compiler's linear interpolation is not used
    return _by_code(subsystem_data.read_city_road_area(), subsystem_data.ROAD, "road_m2_pc")


_GP_FILES: dict[str, Callable[[], pd.DataFrame]] = {"co2_t": _co2, "loans_wan": _loans,
                                                    "road_m2_pc": _road}
_GP_PANEL = ("gdp", "real_gdp", "population", "gdp_deflator", "share_primary", "share_secondary",
             "share_tertiary")


def gp_inputs(variables: Sequence[str]) -> pd.DataFrame:
    """G-P variables by (city_code, year), columns ``gp.<variable>`` (units in
    :data:`GP_VARIABLES`); ``gp.population`` is missing where the source only interpolates."""
    panel = tables.city_year()
    out = panel[_INDEX].copy()
    for variable in variables:
        if variable in _GP_PANEL:
            values = panel[variable].astype(float)
            if variable == "population":
                values = values.where(~panel["population_interpolated"].astype(bool))
            out[f"{GP}.{variable}"] = values.to_numpy()
    for variable in variables:
        if variable in _GP_FILES:
            extra = _GP_FILES[variable]().rename(columns={variable: f"{GP}.{variable}"})
            out = out.merge(extra, on=_INDEX, how="outer", validate="one_to_one")
    if "exchange_rate" in variables:  # a national series: the same rate for every city of a year
        out[f"{GP}.exchange_rate"] = out["year"].map(gp.read_exchange_rate()).astype(float)
    return out


def read_province_cpi() -> pd.DataFrame:
    """Provincial CPI (previous year = 100) by ``province_code`` (e.g. 510000) and ``year``,
    with ``source`` (``csmar`` to :data:`CPI_SWITCH_YEAR`, ``nbs`` after it).

    CSMAR: ``CRE_Pi01.csv`` field ``Pi0101``. NBS: the 分省年度数据 export, one row per province
    (full Chinese name) and one column per year (``2024年``), cells separated by tab and comma.
    A cell that is not a number is an error naming the file, row and column."""
    csmar = read_checked(CPI_CSMAR, {"Sgnyea": "year", "Prvcnm_id": "province_code", "Pi0101": "cpi"},
                         dtype={"Prvcnm_id": str})
    csmar = to_number(csmar, ["year", "province_code", "cpi"], CPI_CSMAR).dropna(subset=["year", "cpi"])
    csmar = csmar.astype({"year": int, "province_code": int})
    csmar = csmar[csmar["year"] <= CPI_SWITCH_YEAR].assign(source="csmar")
    nbs = read_nbs_province_table(CPI_NBS).rename(columns={"value": "cpi"})
    nbs = nbs[nbs["year"] > CPI_SWITCH_YEAR].assign(source="nbs")
    out = pd.concat([csmar[["province_code", "year", "cpi", "source"]],
                     nbs[["province_code", "year", "cpi", "source"]]], ignore_index=True)
    if out.duplicated(["province_code", "year"]).any():
        raise SourceFormatError(f"{CPI_CSMAR}: two CPI values for one province and year")
    return out.sort_values(["province_code", "year"]).reset_index(drop=True)


def read_nbs_province_table(key: str) -> pd.DataFrame:
    """An NBS 分省年度数据 export (header ``地区``, then ``<year>年`` columns): long frame with
    ``province_zh``, ``province_code``, ``year``, ``value`` (empty cells left out)."""
    path = fetch(key)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("地区")), None)
    if header is None:
        raise SourceFormatError(f"{key}: no header row starting with '地区'")
    years = [c.strip() for c in lines[header].split(",")[1:]]
    codes = {name: code // 10000 * 10000 for name, code in
             zip(crosswalk.entities()["province_zh"], crosswalk.entities()["city_code"])}
    rows = []
    for number, line in enumerate(lines[header + 1:], start=header + 2):
        cells = [c.strip() for c in line.split(",")]
        if cells[0] not in codes:
            if cells[0] and not cells[0].startswith(("注", "数据来源")) and len(cells) > 2:
                raise SourceFormatError(f"{key}: row {number}: {cells[0]!r} is not a province")
            continue
        for year, cell in zip(years, cells[1:]):
            if not cell or not year:
                continue
            try:
                value = float(cell)
            except ValueError:
                raise SourceFormatError(f"{key}: row {number}, column {year!r}: {cell!r} is not a "
                                        "number") from None
            rows.append({"province_zh": cells[0], "province_code": codes[cells[0]],
                         "year": int(year.removesuffix("年")), "value": value})
    return pd.DataFrame(rows)


def cpi_level(cpi: pd.DataFrame) -> pd.DataFrame:
    """Consumer price level (2000 = 1) by province and year 2000–2023 from yearly CPI
    (previous year = 100): P_2000 = 1, P_t = P_(t−1) × CPI_t / 100. A missing year leaves every
    later level missing (the chain is never bridged)."""
    rows = []
    for code, block in cpi.groupby("province_code"):
        by_year = block.set_index("year")["cpi"]
        level = 1.0
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            if year > FIRST_YEAR:
                level = level * by_year.get(year, np.nan) / 100
            rows.append({"province_code": code, "year": year, "cpi_level": level})
    return pd.DataFrame(rows)


def price_inputs(variables: Sequence[str]) -> pd.DataFrame:
    """Price variables by (city_code, year), columns ``price.<variable>``: the city's province's
    value (province code = the first two digits of ``city_code``)."""
    grid = panel_grid()[_INDEX]
    if "cpi_level" in variables:
        levels = cpi_level(read_province_cpi())
        grid["province_code"] = grid["city_code"] // 10000 * 10000
        grid = grid.merge(levels, on=["province_code", "year"], how="left", validate="many_to_one")
        grid = grid.drop(columns="province_code").rename(columns={"cpi_level": f"{PRICE}.cpi_level"})
    return grid


def indicator_inputs(system: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every variable the formulas of ``system`` use, one row per (city_code, year) of the
    panel grid (:func:`panel_grid`), 2000–2023."""
    system = city_indicator_system() if system is None else system
    used = list(dict.fromkeys(n for column in ("numerator", "denominator")
                              for text in system[column] for n in expression_variables(text)))
    by_source: dict[str, list[str]] = {YEARBOOK: [], GP: [], PRICE: []}
    for name in used:
        source, variable = name.split(".", 1)
        if source not in by_source:
            raise SourceFormatError(f"{WHERE}: variable {name!r} has no reader")
        by_source[source].append(variable)
    frame = panel_grid()
    for part in (yearbook_inputs(by_source[YEARBOOK]), gp_inputs(by_source[GP]),
                 price_inputs(by_source[PRICE])):
        part = part[part["year"].between(FIRST_YEAR, LAST_YEAR)]
        frame = frame.merge(part, on=_INDEX, how="left", validate="one_to_one")
    return frame


def panel_grid() -> pd.DataFrame:
    """Every prefecture-level unit of the yearbook or of the G-P panel × every year 2000–2023,
    with names (crosswalk) and ``yearbook_city``: the unit is a prefecture-level city the
    yearbook reports (autonomous prefectures, leagues and 地区 are not in the yearbook)."""
    return _grid_cached().copy()


@remembered
def _grid_cached() -> pd.DataFrame:
    yearbook_codes = set(tables.city_year_yearbook()["city_code"])
    codes = sorted(yearbook_codes | set(tables.city_year()["city_code"]))
    names = crosswalk.entities().set_index("city_code")
    unknown = sorted(set(codes) - set(names.index))
    if unknown:
        raise SourceFormatError(f"city indicators: city codes {unknown[:5]} are not in the crosswalk")
    grid = pd.MultiIndex.from_product([codes, range(FIRST_YEAR, LAST_YEAR + 1)], names=_INDEX).to_frame(index=False)
    grid["name_zh"] = grid["city_code"].map(names["name_zh"])
    grid["name_pinyin"] = grid["name_zh"].map(to_pinyin)
    grid["province_zh"] = grid["city_code"].map(names["province_zh"])
    grid["yearbook_city"] = grid["city_code"].isin(yearbook_codes)
    return grid


# ----------------------------------------------------------------------------- the panel
def _build_panel() -> pd.DataFrame:
    system = city_indicator_system()
    panel = compute_indicators(indicator_inputs(system), system)
    columns = ["city_code", "name_zh", "name_pinyin", "province_zh", "year", "yearbook_city",
               *system["indicator_id"]]
    panel = panel[columns].sort_values(_INDEX).reset_index(drop=True)
    if panel.duplicated(_INDEX).any():
        raise SourceFormatError("city_indicator_panel: two rows for one city and year")
    return panel


@remembered
def _panel_cached() -> pd.DataFrame:
    return cached_frame("city_indicator_panel", _build_panel, module="cityclusters.data.city_indicators")


def city_indicator_panel() -> pd.DataFrame:
    """The city indicators: one row per prefecture-level unit × year 2000–2023.

    Columns: ``city_code``, ``name_zh``, ``name_pinyin``, ``province_zh``, ``year``,
    ``yearbook_city`` (a prefecture-level city the yearbook reports; the other units —
    autonomous prefectures, leagues, 地区 — have only the G-P indicators) and one column per
    ``indicator_id`` of :func:`city_indicator_system`, in the unit of its ``unit`` column,
    computed as numerator / denominator (module docstring). Missing stays missing: nothing is
    filled, interpolated or carried over.

    Worked formulas (units): beds per 10,000 = beds (张) / resident population (万人);
    FDI/GDP (%) = 100 × FDI (万美元) × rate (元/美元) / (10⁴ × GDP (亿元)); real retail sales per
    capita (元 at 2000 prices) = retail sales (万元) / (population (万人) × GDP deflator
    (2000 = 1)).
    """
    return _panel_cached().copy()


def indicator_coverage(panel: pd.DataFrame, members: pd.DataFrame,
                       system: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of each cluster's member cities with a value, per indicator and year.

    ``members`` has ``cluster_id`` and ``city_code`` (e.g. :func:`cityclusters.data.tables.clusters`;
    a frame with one pseudo-cluster of every city gives national coverage). Every member counts
    in every year of the panel; a member with no row counts as missing. Returns one row per
    cluster × indicator × year: ``cluster_id``, ``indicator_id``, ``year``, ``cities`` (members),
    ``with_value`` and ``share`` (= with_value / cities).
    """
    system = city_indicator_system() if system is None else system
    ids = [i for i in system["indicator_id"] if i in panel.columns]
    absent = sorted(set(system["indicator_id"]) - set(ids))
    if absent:
        raise ValueError(f"indicator_coverage: panel lacks indicator column(s) {absent}")
    years = sorted(panel["year"].unique())
    indexed = panel.set_index(_INDEX)[ids]
    rows = []
    for cluster_id, block in members.groupby("cluster_id", sort=False):
        codes = sorted(block["city_code"].unique())
        grid = pd.MultiIndex.from_product([codes, years], names=_INDEX)
        present = indexed.reindex(grid).notna().groupby(level="year").sum()
        long = present.stack().rename("with_value").reset_index()
        long.columns = ["year", "indicator_id", "with_value"]
        long.insert(0, "cluster_id", cluster_id)
        long["cities"] = len(codes)
        rows.append(long)
    out = pd.concat(rows, ignore_index=True)
    out["with_value"] = out["with_value"].astype(int)
    out["share"] = out["with_value"] / out["cities"]
    return out[["cluster_id", "indicator_id", "year", "cities", "with_value", "share"]]
