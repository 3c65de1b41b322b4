"""GDP and population by statistical vintage, what each source carries, and the one-vintage rule.

Why vintages matter
-------------------
City GDP and population are published several times. The **first release** is what each
edition of the China City Statistical Yearbook (中国城市统计年鉴) prints for the year before
(data year = edition − 1). After each economic census (2004, 2008, 2013, 2018) the statistical
offices back-revise GDP; after each population census (2010, 2020) they revise the resident
population (常住人口) of the years between censuses. First releases printed after a
census's results are on the new basis, so the first-release series itself jumps where the
basis changes: e.g. GDP of Beijing 4283 → 6886 亿元 between data years 2004 and 2005, of
Tianjin 18810 → 14104 亿元 between 2018 and 2019; resident population at the census years
2010 and 2020. Registered (户籍) population is another concept (the household registers),
not revised to a census.

The book's rule: a series used in a chapter comes from **one vintage**.
:func:`require_one_vintage` enforces it and :func:`series` returns one clean series.

Vintages (ids of :data:`VINTAGES`) and the evidence for each
------------------------------------------------------------
Evidence from :func:`vintage_report` and :func:`agreement_by_year` (two values agree when
within 0.5 %; shares are of the cities both vintages have; data mirror as of 2026):

``yearbook_first_release``
    Yearbook edition e, data year e − 1, scope 全市 (whole city incl. counties): GDP (亿元)
    for data years 1999–2023 except 2017 (the 2018 edition prints 市辖区 GDP only);
    registered population 年末总人口/年末户籍人口 (万人) for 1999–2019, 2021 and 2022 (the
    2021 and 2024 editions print resident population instead). The first release by
    definition. Values the yearbook table flags as off by a power of ten (digitisation) are
    left out.
``yearbook_second_release``
    The 2001 edition's reprint of data year 1999 (edition − year = 2): the only revised
    value the yearbook prints; equal to the first release for 99 % of cities (GDP).
``yearbook_first_release_resident``
    Resident population (常住人口, 万人) as first printed: editions 2021 and 2024 only (data
    years 2020 and 2023). Census-based in 2020: equal to the 2020 census for 91 % of cities.
``gp``
    The G-P compilation (biechouwo-coder/G-P) **as compiled**: GDP of
    :func:`cityclusters.data.tables.city_year` (errata set missing); population as the source
    reports it, its own interpolations left out. Not one vintage but a compilation.
    GDP equals the yearbook first release for 82–94 % of cities each year 2000–2018 and
    97–100 % in 2019–2023 (when the first releases are on the post-2018-census basis). The
    exceptions are whole provinces with back-revised values (:func:`revised_cells`): Beijing
    and Chongqing in every year to 2018 (Beijing 2018: 33106.0 against 30319.98 first
    released; G-P's 2018→2019 change, +6.8 %, against +16.7 % between the two first releases,
    puts its 2018 on the post-2018-census basis), Shanghai to 2018 except 2005, Tianjin 2000–2015 only (2016 and 2018 are first releases: Tianjin's 2018 is the
    pre-census 18809.64, so its G-P GDP falls by 25 % into 2019), Shaanxi 2000–2018, Hainan
    2004–2011, Guangdong 2010–2018 (small revisions, median −1 %; CSMAR has the first
    releases there), and scattered Ningxia years.
    Population is labelled resident (常住) and is census-anchored: equal to the census count
    for 94 % of cities in 2010 and 98 % in 2020, and to the yearbook's resident first release
    for 91 % (2020) and 99 % (2023). Before 2010 it **mixes concepts**: it equals the
    registered count for 39–51 % of cities in 2001–2004 and 13–19 % in 2005–2009 (3–10 %,
    chance agreement, from 2010). Between censuses it is revised to the census in some
    provinces and not in others: 22 % of cities break at 2020 (31 % at 2010; 1–5 % in other
    years), most of Heilongjiang, Hubei and Liaoning and about half of Guangxi, Hebei and
    Anhui; Tianjin has no break (2011–2019 are the values revised after the 2020 census, 1341
    → 1385 万人 running smoothly into the census count 1386.8, where the first releases had
    reached about 1560: CSMAR's GDP per capita implies 1558 万人 for 2018).
``csmar``
    CSMAR China Regional Economy exports (eileenCHEN-9/PhD_2022_2025): GDP (CRE_Gdpct
    Gdpct01, 亿元, 1990–2021) and year-end total population (CRE_Eplwagct Eect01, 万人).
    GDP equals the first release for 87–95 % of cities in 1999–2018 and 98–100 % in
    2019–2021, and equals G-P for 91–100 % each year: the same back-revised municipalities,
    Shaanxi, Hainan and Tianjin as G-P, but first releases for Guangdong, and Hebei's 2018 is
    revised (−8 %). Some 2000 values of Guangxi are in a wrong unit (e.g. 北海 0.36).
    Population is **registered** (户籍): equal to the yearbook's registered count for 70–90 %
    of cities each year, to the census for 20 % (2010) and 25 % (2020). Its 2020 values mix
    concepts: 24 % equal the yearbook's resident first release.
``census_2010``, ``census_2020``
    Population census counts (leiii/census; resident population on 1 November, 万人), by
    prefecture at **2020 boundaries**: 2010 values of units whose boundaries changed between
    the censuses (e.g. 济南/莱芜, 合肥/巢湖) are not those of 2010 boundaries.

Quick use
---------
>>> from cityclusters.data.vintages import series                    # doctest: +SKIP
>>> gdp = series("gdp", "yearbook_first_release")                    # doctest: +SKIP

A worked example with the data is in :func:`series`; :func:`require_one_vintage` has a
synthetic one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters.data import tables
from cityclusters.data.provenance import remembered
from cityclusters.data.sources import census, crosswalk, csmar
from cityclusters.errors import MethodInputError, SourceFormatError, VintageMixError

COLUMNS = ["city_code", "year", "variable", "vintage", "source", "value", "unit", "population_concept"]
VARIABLES = ("gdp", "population")
UNITS = {"gdp": "亿元", "population": "万人"}
SCOPES = ("全市", "市辖区")

REGISTERED, RESIDENT, NOT_APPLICABLE = "registered 户籍", "resident 常住", "not applicable"

#: Two values agree when |a / b − 1| ≤ TOLERANCE.
TOLERANCE = 0.005
#: A population series "breaks" at a census year when its log change departs from its own
#: median growth of the four years before by more than this (3 %; in the years between
#: censuses 1–5 % of G-P cities do, in 2010 and 2020 31 % and 22 %).
BREAK_THRESHOLD = 0.03
#: Census years: the first data year whose resident population is on the census basis.
CENSUS_YEARS = (2010, 2020)



@dataclass(frozen=True)
class Vintage:
    """One vintage: its source (mirror folder), variables, population concept and meaning."""

    source: str
    variables: tuple[str, ...]
    population_concept: str
    description: str


#: Every vintage id, with what it is (the module docstring gives the evidence).
VINTAGES: dict[str, Vintage] = {
    "yearbook_first_release": Vintage(
        "Zeeny-lin__vibe-coding-gis-", VARIABLES, REGISTERED,
        "China City Statistical Yearbook, edition = data year + 1 (first release), scope 全市"),
    "yearbook_second_release": Vintage(
        "Zeeny-lin__vibe-coding-gis-", VARIABLES, REGISTERED,
        "China City Statistical Yearbook, edition = data year + 2 (2001 edition reprinting 1999)"),
    "yearbook_first_release_resident": Vintage(
        "Zeeny-lin__vibe-coding-gis-", ("population",), RESIDENT,
        "China City Statistical Yearbook resident population, editions 2021 and 2024 only"),
    "gp": Vintage(
        "biechouwo-coder__G-P", VARIABLES, RESIDENT,
        "G-P compilation as compiled: mostly first releases, back-revised values for some "
        "provinces and years; population resident, census-anchored"),
    "csmar": Vintage(
        "eileenCHEN-9__PhD_2022_2025", VARIABLES, REGISTERED,
        "CSMAR China Regional Economy: GDP mostly first releases (municipalities and Shaanxi "
        "back-revised); year-end registered population"),
    "census_2010": Vintage("leiii__census", ("population",), RESIDENT,
                           "2010 population census count (1 November), 2020 boundaries"),
    "census_2020": Vintage("leiii__census", ("population",), RESIDENT,
                           "2020 population census count (1 November), 2020 boundaries"),
}


# ----------------------------------------------------------------------------- the rule
def require_one_vintage(frame: pd.DataFrame, column: str = "vintage",
                        concept_column: str | None = "population_concept") -> pd.DataFrame:
    """Return ``frame`` unchanged if all its rows come from one vintage; raise otherwise.

    A missing vintage (NaN) counts as a vintage of its own ("<missing>"): a row whose vintage
    is unknown cannot join a one-vintage series. When ``concept_column`` is a column of
    ``frame``, its values (population concepts) must be one as well. An empty frame passes.

    Raises :class:`~cityclusters.errors.VintageMixError` (a ``MethodInputError``) naming the
    vintages found, their row counts and the first rows of each, and ``MethodInputError``
    when ``column`` is not a column of ``frame``.

    >>> import pandas as pd
    >>> from cityclusters.data.vintages import require_one_vintage
    >>> clean = pd.DataFrame({"city_code": [110100, 110100], "year": [2018, 2019],
    ...                       "value": [30320.0, 35371.0], "vintage": "yearbook_first_release"})
    >>> require_one_vintage(clean) is clean
    True
    >>> mixed = clean.assign(vintage=["gp", "yearbook_first_release"])
    >>> require_one_vintage(mixed)
    Traceback (most recent call last):
    ...
    cityclusters.errors.VintageMixError: series mixes 2 vintages in column 'vintage': ['gp', 'yearbook_first_release']. ...
    """
    if column not in frame.columns:
        raise MethodInputError(f"require_one_vintage: frame has no column {column!r} "
                               f"(columns: {list(frame.columns)[:12]}).")
    _require_one(frame, column, "vintages")
    if concept_column and concept_column in frame.columns:
        _require_one(frame, concept_column, "population concepts")
    return frame


def _require_one(frame: pd.DataFrame, column: str, what: str) -> None:
    labels = frame[column].astype(object).where(frame[column].notna(), "<missing>")
    found = sorted(labels.unique(), key=str)
    if len(found) <= 1:
        return
    show = [c for c in ("city_code", "year", "variable", column, "value") if c in frame.columns]
    parts = []
    for label in found:
        rows = frame.loc[labels == label, show or frame.columns]
        head = rows.head(3).to_string(index=True).replace("\n", "\n    ")
        parts.append(f"{label} ({len(rows)} rows), first rows:\n    {head}")
    raise VintageMixError(
        f"series mixes {len(found)} {what} in column {column!r}: {found}. The book takes a series "
        f"from one vintage (cityclusters.data.vintages.series).\n" + "\n".join(parts),
        vintages=found, column=column)


# ----------------------------------------------------------------------------- building
def _rows(frame: pd.DataFrame, variable: str, vintage: str, value: str = "value") -> pd.DataFrame:
    spec = VINTAGES[vintage]
    out = frame[["city_code", "year", value]].rename(columns={value: "value"}).dropna(subset=["value"])
    out = out.assign(variable=variable, vintage=vintage, source=spec.source, unit=UNITS[variable],
                     population_concept=spec.population_concept if variable == "population" else NOT_APPLICABLE)
    return out[COLUMNS]


@remembered
def _yearbook(scope: str) -> pd.DataFrame:
    """Yearbook GDP, registered and resident population of one scope, with a value:
    city_code, year, variable, lag (edition − year), value. Values flagged as off by a power of
    ten (``flag_power_of_ten`` ≠ 0: a digit dropped or added by the digitisation) are left
    out; :func:`cityclusters.data.tables.city_year_yearbook` lists them."""
    rows = tables.city_year_yearbook(["gdp", "population", "resident_population"], first_release=False,
                                     scope=scope)
    rows = rows[rows["value"].notna() & (rows["flag_power_of_ten"] == 0)]
    rows = rows.assign(lag=rows["edition"] - rows["year"])[["city_code", "year", "variable", "lag", "value"]]
    dup = rows.duplicated(["city_code", "year", "variable", "lag"], keep=False)
    if dup.any():
        raise SourceFormatError(f"yearbook ({scope}): two values for one city, year, variable and "
                                f"edition: {rows[dup].head(6).to_dict('records')}")
    return rows.reset_index(drop=True)


def _yearbook_vintages(scope: str) -> list[pd.DataFrame]:
    rows = _yearbook(scope)
    parts = []
    for variable in VARIABLES:
        own = rows[rows["variable"] == variable]
        parts.append(_rows(own[own["lag"] == 1], variable, "yearbook_first_release"))
        parts.append(_rows(own[own["lag"] == 2], variable, "yearbook_second_release"))
    resident = rows[(rows["variable"] == "resident_population") & (rows["lag"] == 1)]
    parts.append(_rows(resident, "population", "yearbook_first_release_resident"))
    return parts


def csmar_population() -> pd.DataFrame:
    """CSMAR CRE year-end total population (Eect01, 万人; registered) on harmonised city codes.

    Columns ``city_code, year, population``; rows whose code is not a prefecture-level unit
    (e.g. pre-1997 Chongqing districts) are left out, as in
    :func:`cityclusters.data.tables.csmar_city_gdp`. Raises ``SourceFormatError`` naming the
    file if two rows fall on one city and year.
    """
    frame = csmar.read_csmar_population()
    frame["city_code"] = frame["code"].map(tables.code_map())
    frame = frame.dropna(subset=["city_code"])
    frame["city_code"] = frame["city_code"].astype(int)
    dup = frame.duplicated(["city_code", "year"], keep=False)
    if dup.any():
        raise SourceFormatError(f"{csmar.POPULATION}: two rows for one city and year after harmonising "
                                f"codes: rows {frame.loc[dup, 'source_row'].tolist()[:10]}.")
    return frame[["city_code", "year", "population"]].reset_index(drop=True)


@remembered
def _vintages() -> pd.DataFrame:
    panel = tables.city_year()
    reported = panel[~panel["population_interpolated"].astype(bool)]
    gdp_csmar = tables.csmar_city_gdp()
    counts = census.read_census()
    counts = counts[counts["code"].isin(set(crosswalk.entities()["city_code"]))].rename(columns={"code": "city_code"})
    parts = _yearbook_vintages("全市") + [
        _rows(panel, "gdp", "gp", "gdp"),
        _rows(reported, "population", "gp", "population"),
        _rows(gdp_csmar, "gdp", "csmar", "gdp"),
        _rows(csmar_population(), "population", "csmar", "population"),
    ]
    for year in (2010, 2020):
        frame = counts.assign(year=year, value=counts[f"pop_{year}_persons"] / 1e4)
        parts.append(_rows(frame, "population", f"census_{year}"))
    out = pd.concat(parts, ignore_index=True)
    out["city_code"] = out["city_code"].astype(int)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    dup = out.duplicated(["city_code", "year", "variable", "vintage"], keep=False)
    if dup.any():
        raise SourceFormatError(f"vintages: two values for one city, year, variable and vintage: "
                                f"{out[dup].head(6).to_dict('records')}")
    return out.sort_values(["variable", "vintage", "city_code", "year"]).reset_index(drop=True)


def gdp_population_vintages() -> pd.DataFrame:
    """Every GDP and population value of every vintage, one row per city × year × variable × vintage.

    Columns: ``city_code`` (harmonised), ``year``, ``variable`` (``gdp`` | ``population``),
    ``vintage`` (an id of :data:`VINTAGES`), ``source`` (mirror folder), ``value``, ``unit``
    (亿元 for GDP, 万人 for population), ``population_concept`` (``registered 户籍`` |
    ``resident 常住`` | ``not applicable`` for GDP). Only values present are rows. Which
    vintage each source carries, with the evidence: module docstring and
    :func:`vintage_report`. Never use this frame as a series: take one with :func:`series`.
    """
    return _vintages().copy()


# ----------------------------------------------------------------------------- one series
def series(variable: str, vintage: str, scope: str = "全市") -> pd.Series:
    """One clean series: ``variable`` from one ``vintage``, indexed by (city_code, year).

    ``scope`` 市辖区 (urban districts) exists for the yearbook vintages only; other sources are
    whole-city (全市). The series' ``attrs`` record ``variable, vintage, source, unit,
    population_concept, scope``. Raises ``MethodInputError`` naming the parameter for an
    unknown variable, vintage or scope, or a vintage without that variable.

    Worked example (needs the data mirror): Beijing's 2018 GDP is 30319.98 亿元 as first
    released, 33106.0 in G-P (on the post-2018-census basis, see the module docstring); 2019
    is on the new basis in both. (The examples are skipped by plain doctest runs; the test
    suite runs them with the mirror.)

    >>> from cityclusters.data.vintages import series
    >>> first = series("gdp", "yearbook_first_release")               # doctest: +SKIP
    >>> gp = series("gdp", "gp")                                       # doctest: +SKIP
    >>> print(round(first[(110100, 2018)], 2), round(gp[(110100, 2018)], 2))  # doctest: +SKIP
    30319.98 33106.0
    >>> round(first[(110100, 2019)]), round(gp[(110100, 2019)])        # doctest: +SKIP
    (35371, 35371)
    >>> gp.attrs["unit"], first.attrs["population_concept"]           # doctest: +SKIP
    ('亿元', 'not applicable')
    """
    if variable not in VARIABLES:
        raise MethodInputError(f"series: variable {variable!r} is not one of {VARIABLES}.")
    if vintage not in VINTAGES:
        raise MethodInputError(f"series: vintage {vintage!r} is not one of {sorted(VINTAGES)}.")
    spec = VINTAGES[vintage]
    if variable not in spec.variables:
        raise MethodInputError(f"series: vintage {vintage!r} has no {variable!r} "
                               f"(it has {list(spec.variables)}).")
    if scope not in SCOPES:
        raise MethodInputError(f"series: scope {scope!r} is not one of {SCOPES}.")
    if scope != "全市" and not vintage.startswith("yearbook_"):
        raise MethodInputError(f"series: scope {scope!r} exists for the yearbook vintages only; "
                               f"{vintage!r} is whole-city (全市).")
    frame = _vintages() if scope == "全市" else pd.concat(_yearbook_vintages(scope), ignore_index=True)
    rows = require_one_vintage(frame[(frame["variable"] == variable) & (frame["vintage"] == vintage)])
    out = rows.set_index(["city_code", "year"])["value"].sort_index().rename(variable)
    out.attrs = {"variable": variable, "vintage": vintage, "source": spec.source, "unit": UNITS[variable],
                 "population_concept": spec.population_concept if variable == "population" else NOT_APPLICABLE,
                 "scope": scope}
    return out


# ----------------------------------------------------------------------------- the report
#: (tested vintage, variable, reference vintage): value-equality comparisons of the report.
COMPARISONS = (
    ("gp", "gdp", "yearbook_first_release"),
    ("csmar", "gdp", "yearbook_first_release"),
    ("csmar", "gdp", "yearbook_second_release"),
    ("gp", "gdp", "csmar"),
    ("gp", "population", "yearbook_first_release"),
    ("gp", "population", "yearbook_first_release_resident"),
    ("gp", "population", "census_2010"),
    ("gp", "population", "census_2020"),
    ("csmar", "population", "yearbook_first_release"),
    ("csmar", "population", "yearbook_second_release"),
    ("csmar", "population", "yearbook_first_release_resident"),
    ("csmar", "population", "census_2010"),
    ("csmar", "population", "census_2020"),
    ("yearbook_first_release", "population", "census_2010"),
    ("yearbook_first_release_resident", "population", "census_2020"),
)
#: Population series tested for a break at the census years (:data:`CENSUS_YEARS`); the
#: registered first releases are the control (a register is not revised to a census). GDP is
#: not tested this way: nominal growth varies too much from year to year for a 3 % break to
#: stand out (a third of cities break at 10 % in ordinary years), and the equality test
#: already shows which GDP values are revised.
BREAK_TESTS = (
    ("gp", "population"), ("csmar", "population"), ("yearbook_first_release", "population"),
)
REPORT_COLUMNS = ["source", "variable", "test", "reference", "province_zh", "year", "n_cities",
                  "n_hits", "share", "median_difference", "inferred"]


def _equal_cells(data: pd.DataFrame, source: str, variable: str, reference: str) -> pd.DataFrame:
    def pick(vintage):
        rows = data[(data["vintage"] == vintage) & (data["variable"] == variable)]
        return rows[["city_code", "year", "value"]]
    both = pick(source).merge(pick(reference), on=["city_code", "year"], suffixes=("", "_ref"))
    both = both[both["value_ref"] > 0]
    ratio = both["value"] / both["value_ref"] - 1
    return both.assign(hit=ratio.abs() <= TOLERANCE, difference=ratio)


def _break_cells(data: pd.DataFrame, source: str, variable: str) -> pd.DataFrame:
    rows = data[(data["vintage"] == source) & (data["variable"] == variable) & (data["value"] > 0)]
    wide = np.log(rows.pivot(index="city_code", columns="year", values="value"))
    cells = []
    for year in CENSUS_YEARS:
        if year not in wide.columns or year - 1 not in wide.columns:
            continue
        prior = pd.concat([wide[y] - wide[y - 1] for y in range(year - 4, year)
                           if y in wide.columns and y - 1 in wide.columns], axis=1)
        trend = prior.median(axis=1).where(prior.notna().sum(axis=1) >= 2)
        jump = (wide[year] - wide[year - 1] - trend).dropna()
        cells.append(pd.DataFrame({"city_code": jump.index, "year": year,
                                   "hit": jump.abs() > BREAK_THRESHOLD, "difference": jump.to_numpy()}))
    return pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=["city_code", "year", "hit", "difference"])


def _summarise(cells: pd.DataFrame, provinces: pd.Series) -> pd.DataFrame:
    cells = cells.assign(province_zh=cells["city_code"].map(provinces), hit=cells["hit"].astype(bool))
    grouped = cells.groupby(["province_zh", "year"])
    out = grouped.agg(n_cities=("hit", "size"), n_hits=("hit", "sum"),
                      median_difference=("difference", "median")).reset_index()
    out["share"] = out["n_hits"] / out["n_cities"]
    return out


def _label(test: str, share: float) -> str:
    if test == "equal":
        return "equal" if share >= 0.8 else "differs" if share <= 0.2 else "mixed"
    return "break" if share >= 0.5 else "no break"


def _build_report(data: pd.DataFrame, provinces: pd.Series) -> pd.DataFrame:
    parts = []
    present = set(zip(data["vintage"], data["variable"], strict=True))
    for source, variable, reference in COMPARISONS:
        if (source, variable) in present and (reference, variable) in present:
            summary = _summarise(_equal_cells(data, source, variable, reference), provinces)
            parts.append(summary.assign(source=source, variable=variable, test="equal", reference=reference))
    for source, variable in BREAK_TESTS:
        if (source, variable) in present:
            summary = _summarise(_break_cells(data, source, variable), provinces)
            parts.append(summary.assign(source=source, variable=variable, test="break", reference="census_year"))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REPORT_COLUMNS)
    out["inferred"] = [_label(t, s) for t, s in zip(out["test"], out["share"], strict=True)]
    out["n_hits"] = out["n_hits"].astype(int)
    out["n_cities"] = out["n_cities"].astype(int)
    return out[REPORT_COLUMNS].sort_values(["variable", "source", "test", "reference", "province_zh", "year"]
                                           ).reset_index(drop=True)


@remembered
def _report() -> pd.DataFrame:
    return _build_report(_vintages(), crosswalk.entities().set_index("city_code")["province_zh"])


def vintage_report(vintages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which vintage each source carries, by province and year, inferred from the data.

    ``vintages``: a frame like :func:`gdp_population_vintages` (the default), with an optional
    ``province_zh`` column (else provinces come from the crosswalk). One row per tested
    series (``source``: a vintage id), ``variable``, ``test``, ``reference``, ``province_zh``
    and ``year``, with ``n_cities``, ``n_hits``, ``share`` = n_hits / n_cities,
    ``median_difference`` and ``inferred``:

    - ``test == "equal"``: of the cities both vintages have, the share whose value equals the
      ``reference`` vintage's within 0.5 % (:data:`TOLERANCE`); ``median_difference`` = median
      of value / reference − 1. Pairs in :data:`COMPARISONS`: G-P and CSMAR against the
      yearbook first release (and CSMAR against the 2001 edition's reprint of 1999, the only
      revised value the yearbook prints), G-P against CSMAR, population against the resident
      first releases and the censuses. ``inferred``: ``equal`` (share ≥ 0.8), ``differs``
      (≤ 0.2: a revised vintage, or another population concept) or ``mixed``.
    - ``test == "break"`` (``reference == "census_year"``, population only): at the census
      years 2010 and 2020 (:data:`CENSUS_YEARS`), the share of cities whose log change departs
      from their own median growth of the four years before by more than 3 %
      (:data:`BREAK_THRESHOLD`); ``median_difference`` = median departure. A resident series
      revised to the census has no break (or its estimates were close); a break shows
      estimates not revised. ``inferred``: ``break`` (share ≥ 0.5) or ``no break``.

    What it finds (module docstring): Beijing's G-P GDP ``differs`` from the first releases in
    every year 2000–2018 and is ``equal`` from 2019, when the first releases are on the
    post-2018-census basis (revised through); Tianjin's G-P GDP is ``equal`` in 2016 and 2018
    (the pre-census 2018 value, not revised after the 2018 census), while Tianjin's G-P
    population equals the 2020 census and has ``no break`` at 2020 (census-revised).
    :func:`agreement_by_year` pools the shares over provinces.

    >>> import pandas as pd
    >>> from cityclusters.data.vintages import vintage_report
    >>> rows = [(c, y, v, p, val) for c, p, y, v, val in [
    ...     (1, "A", 2018, "yearbook_first_release", 100.0), (1, "A", 2018, "gp", 100.2),
    ...     (2, "A", 2018, "yearbook_first_release", 50.0), (2, "A", 2018, "gp", 55.0)]]
    >>> frame = pd.DataFrame(rows, columns=["city_code", "year", "vintage", "province_zh", "value"])
    >>> report = vintage_report(frame.assign(variable="gdp"))
    >>> print(report.to_string(columns=["source", "reference", "n_cities", "n_hits", "share", "inferred"],
    ...                        index=False))
    source              reference  n_cities  n_hits  share inferred
        gp yearbook_first_release         2       1    0.5    mixed

    City 1 agrees (100.2 / 100 − 1 = 0.2 % ≤ 0.5 %), city 2 does not (+10 %): share 1/2.
    """
    if vintages is None:
        return _report().copy()
    missing = [c for c in ("city_code", "year", "variable", "vintage", "value") if c not in vintages.columns]
    if missing:
        raise MethodInputError(f"vintage_report: the frame lacks column(s) {missing}.")
    if "province_zh" in vintages.columns:
        provinces = vintages.drop_duplicates("city_code").set_index("city_code")["province_zh"]
    else:
        provinces = crosswalk.entities().set_index("city_code")["province_zh"]
    return _build_report(vintages, provinces)


def agreement_by_year(report: pd.DataFrame | None = None, wide: bool = True) -> pd.DataFrame:
    """Agreement shares by year, pooled over provinces (city-weighted), from :func:`vintage_report`.

    Long form (``wide=False``): ``source, variable, test, reference, year, n_cities, n_hits,
    share``. Wide form (default): one row per year, one column per comparison, named
    ``"<variable>: <source> = <reference>"`` for equality shares and
    ``"<variable>: <source> breaks at census"`` for break shares.
    """
    report = _report() if report is None else report
    keys = ["source", "variable", "test", "reference", "year"]
    pooled = report.groupby(keys, as_index=False)[["n_cities", "n_hits"]].sum()
    pooled["share"] = pooled["n_hits"] / pooled["n_cities"]
    if not wide:
        return pooled
    pooled["comparison"] = [f"{v}: {s} = {r}" if t == "equal" else f"{v}: {s} breaks at census"
                            for s, v, t, r in pooled[["source", "variable", "test", "reference"]].itertuples(index=False)]
    return pooled.pivot(index="year", columns="comparison", values="share")


def revised_cells(source: str = "gp", variable: str = "gdp", reference: str = "yearbook_first_release",
                  report: pd.DataFrame | None = None) -> pd.DataFrame:
    """Province-years where ``source`` does not carry ``reference`` (``inferred`` ≠ ``equal``).

    One row per province: ``years_differs`` and ``years_mixed`` (compact ranges such as
    ``"2000–2015, 2018"``), ``median_difference`` over those province-years (value / reference
    − 1). ``report`` defaults to :func:`vintage_report`. Raises ``MethodInputError`` for a
    comparison not in :data:`COMPARISONS`.
    """
    if (source, variable, reference) not in COMPARISONS:
        raise MethodInputError(f"revised_cells: ({source!r}, {variable!r}, {reference!r}) is not one of "
                               f"COMPARISONS {COMPARISONS}.")
    report = _report() if report is None else report
    rows = report[(report["source"] == source) & (report["variable"] == variable) & (report["test"] == "equal")
                  & (report["reference"] == reference) & (report["inferred"] != "equal")]
    records = []
    for province, group in rows.groupby("province_zh"):
        records.append({
            "province_zh": province,
            "years_differs": _ranges(group.loc[group["inferred"] == "differs", "year"]),
            "years_mixed": _ranges(group.loc[group["inferred"] == "mixed", "year"]),
            "median_difference": float(group["median_difference"].median()),
        })
    return pd.DataFrame(records, columns=["province_zh", "years_differs", "years_mixed", "median_difference"])


def _ranges(years: Iterable[int]) -> str:
    """Compact year ranges: [2000, 2001, 2002, 2005] → '2000–2002, 2005'."""
    years = sorted({int(y) for y in years})
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in spans)
