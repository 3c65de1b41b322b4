"""What goes with coordination? The regression panel of chapter 11.

The seed papers name the forces that help or hinder coordination inside a city cluster —
transport and time-space distance, market segmentation, development gaps, openness, the
fiscal system and finance, institutions (Liu & Deng 2021, section 3.3; Chen & Wang 2016;
Liu & Chen 2021). This module turns the measurable ones into city-year regressors, joins
them to three outcomes and estimates how the outcomes move with them.

Outcomes (all city-year, from the book's one coordination index,
:mod:`cityclusters.analysis.coordination_index`, where it applies; D exists 2007–2019 only):

* ``D`` — the coupling coordination degree of the index (×100);
* ``U_clean`` — the mean subsystem score U of the subsystems whose indicators contain none of
  the regressors' inputs (:func:`clean_subsystems`: public services, innovation,
  infrastructure), ×100. D contains several regressors by construction (:func:`mechanical_overlap`:
  loans/GDP and FDI/GDP are indicators of its market subsystem, real GDP per head of its
  industry subsystem), so the chapter reads the continuous factors on ``U_clean``;
* ``growth`` — growth of real GDP per head from the official real GDP index,
  100·[ln(I_t/100) − Δ ln P_t] (log points ≈ % per year; :func:`cityclusters.indicators.growth.per_capita_growth`,
  population breaks > 10 log points replaced by the city's median change). Not from the
  published levels: they change statistical vintage in 2019 (module :mod:`cityclusters.indicators.growth`).

Regressors (built here; sources in :data:`REGRESSORS`):

* ``hsr`` — 1 from the first year a high-speed line has a station in the city
  (:func:`cityclusters.analysis.linkages.hsr_access`), and ``hsr_years`` — years since then;
* ``segmentation`` — market segmentation: mean over the city's cluster partners of the
  relative-price volatility of GDP deflators over a trailing window
  (:func:`cityclusters.indicators.market.relative_price_volatility`), in % per year;
* ``gap`` — ln(GDP per head of the city / GDP per head of the cluster's richest city), ≤ 0;
* ``fdi_gdp`` — utilised FDI / GDP (%), G-P FDI file matched by city name;
* ``loans_gdp`` — loans / GDP (ratio), from the city indicator panel (G-P loans file);
* ``fiscal_gdp`` — local budget revenue / GDP (%), maswiebe prefecture panel (to 2017, no
  municipalities).

Two designs:

* continuous factors: two-way fixed-effects regressions with every regressor lagged
  (``L1_x`` = value in t − 1, ``L2_x`` in t − 2); continuous regressors standardised
  (z-scores over the estimation panel), so that coefficients read "change in the outcome per
  standard deviation"; the HSR dummy stays 0/1;
* high-speed rail, whose openings are staggered: the heterogeneity-robust estimators of
  chapter 9 (:func:`hsr_estimators`: Callaway & Sant'Anna with not-yet-treated controls,
  Sun & Abraham with never-treated controls), cohorts by the first HSR year, with the static
  TWFE DID only as a comparison.

Verdicts that rest on the index carry the share of the index's multiverse
(:func:`cityclusters.analysis.coordination_index.city_multiverse`) in which the claim holds
(:func:`outcome_multiverse`, :func:`coefficient_multiverse`, :func:`hsr_multiverse`).
Nothing here identifies a causal effect with certainty: the fixed-effects coefficients are
associations conditional on city and year effects, and the HSR designs rest on parallel
trends between cities that opened a station earlier and later (see chapter 11).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from cityclusters import config
from cityclusters.analysis import coordination_index as index_mod
from cityclusters.analysis.coordination import chosen_members
from cityclusters.analysis.wording import count_phrase, n_noun, value_range
from cityclusters.analysis.verdicts import (
    MULTIVERSE_EXCLUDES_BELOW,
    Verdict,
    cap_by_multiverse,
    interval_verdict,
    multiverse_support,
    verdict_category,
)
from cityclusters.data import tables
from cityclusters.data.city_indicators import city_indicator_panel, parse_expression
from cityclusters.data.provenance import remembered
from cityclusters.data.sources import gp, prefecture_fiscal
from cityclusters.data.sources.reading import assign_city_codes
from cityclusters.errors import MethodInputError
from cityclusters.indicators import growth as growth_mod
from cityclusters.indicators import market
from cityclusters.indicators import multiverse as multiverse_mod
from cityclusters.models import did, event_study
from cityclusters.models.callaway_santanna import callaway_santanna, cs_att_many
from cityclusters.models.panel import fixed_effects_regression, within_fits
from cityclusters.models.results import RegressionResult
from cityclusters.models.wild_bootstrap import FEW_CLUSTERS, wild_bootstrap_fe
from cityclusters.models.wild_bootstrap import DRAWS as WILD_DRAWS
from cityclusters.models.wild_bootstrap import SEED as WILD_SEED

DEFAULT_CLUSTERS = ("chengyu", "qianzhong", "yrd26", "middle_yangtze", "jingjinji")
#: Outcome parameter → column of the panel.
OUTCOMES = {"clean": "U_clean", "coordination": "D", "growth": "growth"}
#: Years of deflators in the trailing window of the segmentation measure (3 annual changes).
SEGMENTATION_WINDOW = 4
BASELINE = ("hsr", "segmentation", "gap")
CONTROLS = ("fdi_gdp", "loans_gdp")
FISCAL_TERMS = ("fiscal_gdp",)
#: ln(resident population, 万人) of the outcome year: the denominator that the gap (through GDP
#: per head) shares with the per-head indicators of every outcome built from the index.
POPULATION = "ln_pop"
CONTINUOUS = ("hsr_years", "segmentation", "gap", "fdi_gdp", "loans_gdp", "fiscal_gdp")
#: Bootstrap draws and seed of the Callaway–Sant'Anna errors (the seed of chapter 9). A draw that
#: leaves out every city of a small cohort cannot be used (about half of them here), so the
#: draws are set high enough that at least 999 remain.
N_BOOT = 2999
SEED = 20240901
#: Specifications drawn from the index's multiverse for the verdicts (seeded).
MULTIVERSE_SAMPLE = 400
MULTIVERSE_SEED = 0
#: Event times shown around the first HSR year (the overall ATT uses every post-period).
EVENT_LEADS, EVENT_LAGS = 4, 5

#: The measurable regressors: id, factor named by the papers, definition, unit, source, years.
REGRESSORS = pd.DataFrame([
    ("hsr", "transport, time-space distance (交通网络, 时空距离)",
     "city has a station on a high-speed line (≥200 km/h, opened 2003 or later)", "0/1",
     "RailwayVIS line table + typed opening corrections (ch. 5)", "2003–2020"),
    ("hsr_years", "transport (交通网络)", "years since the first HSR station", "years",
     "as above", "2003–2020"),
    ("segmentation", "market segmentation (市场分割)",
     "mean relative-price volatility of the GDP deflator vs cluster partners, trailing 4-year window",
     "% per year", "G-P GDP deflators (2000 = 1)", "2003–2023"),
    ("gap", "development gap (发展差距)",
     "ln(GDP per head / GDP per head of the cluster's richest city)", "log points (≤ 0)",
     "G-P GDP and census-revised population", "2000–2023"),
    ("fdi_gdp", "openness (开放)", "utilised FDI × exchange rate / GDP", "%",
     "G-P FDI file (by city name) and exchange-rate file", "2007–2023"),
    ("loans_gdp", "finance (金融)", "loans of financial institutions / GDP", "ratio",
     "G-P loans file (city indicator panel)", "2003–2023"),
    ("fiscal_gdp", "fiscal system (财税体制)", "local general budget revenue / GDP", "%",
     "maswiebe prefecture panel (CEIC); no municipalities", "to 2017"),
], columns=["regressor", "factor", "definition", "unit", "source", "years"])

#: What each regressor is built from, written as the variables of the index's indicator
#: formulas (``numerator``/``denominator`` of
#: :func:`cityclusters.analysis.coordination_index.index_indicators`). Real GDP is nominal
#: GDP divided by the GDP deflator, so it is an input of every regressor built on GDP and of
#: segmentation (built on the deflator).
#: Population is left out on purpose: it divides GDP per head and most per-head indicators,
#: and counting it would leave no subsystem (the chapter's limits say so).
REGRESSOR_INPUTS = {
    "hsr": (),
    "hsr_years": (),
    "segmentation": ("gp.gdp_deflator", "gp.real_gdp"),
    "gap": ("gp.gdp", "gp.real_gdp"),
    "fdi_gdp": ("yearbook.fdi_actual", "gp.gdp", "gp.real_gdp"),
    "loans_gdp": ("gp.loans_wan", "gp.gdp", "gp.real_gdp"),
    "fiscal_gdp": ("maswiebe.revenue", "gp.gdp", "gp.real_gdp"),
}
#: Regressors that are (another version of) an indicator of the index.
SAME_QUANTITY = {"gap": "real_gdp_pc", "fdi_gdp": "fdi_gdp", "loans_gdp": "loans_gdp"}

#: Factors the papers name that no source here measures.
NOT_MEASURED = pd.DataFrame([
    ("administrative barriers, institutions (行政区划壁垒, 协同机制)", "no city-level measure; the YRD committee (Part III) is the closest"),
    ("value orientation of local governments (价值取向)", "not observable in statistics"),
    ("market system, firm networks (市场体系)", "no firm-level linkage data in the sources"),
], columns=["factor", "why not measured"])


# ----------------------------------------------------------------------------- sources
def _short_name_codes() -> tuple[dict[str, int], list[str]]:
    """Short Chinese name → city_code for names that identify one unit only."""
    cities = tables.cities()[["city_code", "name_short_zh"]].dropna().drop_duplicates()
    counts = cities["name_short_zh"].value_counts()
    ambiguous = sorted(counts.index[counts > 1])
    unique = cities[~cities["name_short_zh"].isin(ambiguous)]
    return dict(zip(unique["name_short_zh"], unique["city_code"].astype(int))), ambiguous


def match_names(frame: pd.DataFrame, name: str, lookup: dict[str, int], where: str) -> pd.DataFrame:
    """Add ``city_code`` by exact short name; unmatched names go to ``attrs['unmatched']``.

    Raises SourceFormatError if two rows end up on one (city_code, year), naming the rows.
    """
    out = frame.copy()
    # names carry stray zero-width spaces in the G-P FDI file (e.g. '哈密\u200b\u200b')
    out[name] = out[name].astype(str).str.replace("\u200b", "", regex=False).str.strip()
    out = assign_city_codes(out, out[name].map(lookup), where, [name])
    out.attrs["unmatched"] = sorted(out.attrs["unmatched"][name].unique())
    return out


@remembered
def _fdi_cached() -> pd.DataFrame:
    frame = gp.read_fdi()
    lookup, _ = _short_name_codes()
    return match_names(frame, "name_short_zh", lookup, f"{gp.FDI}, sheet '{gp.FDI_SHEET}'")


def read_city_fdi() -> pd.DataFrame:
    """Utilised FDI by city and year (million USD), G-P compilation
    (:func:`cityclusters.data.sources.gp.read_fdi`), matched to ``city_code`` by the short
    city name (the file has no codes). ``attrs['unmatched']`` lists names of the file that
    match no unit (or more than one)."""
    out = _fdi_cached()
    copy = out[["city_code", "name_short_zh", "year", "fdi_musd", "source_row"]].copy()
    copy.attrs["unmatched"] = out.attrs["unmatched"]
    return copy


def read_exchange_rate() -> pd.Series:
    """Yuan per US dollar by year (G-P exchange-rate file, 2007–2023;
    :func:`cityclusters.data.sources.gp.read_exchange_rate`)."""
    return gp.read_exchange_rate()


@remembered
def read_prefecture_fiscal() -> pd.DataFrame:
    """Local general budget revenue (万元) and GDP (亿元) of the maswiebe prefecture panel
    (CEIC; first-release GDP vintage; :func:`cityclusters.data.sources.prefecture_fiscal.read_prefecture`),
    with ``fiscal_gdp`` = revenue / (GDP × 10⁴) × 100 (%).

    Codes (``prefid``) are mapped with :func:`cityclusters.data.tables.code_map`; the four
    municipalities are not in the source. Revenue stops in 2017.
    """
    frame = prefecture_fiscal.read_prefecture()
    # prefectures outside the crosswalk are listed in attrs['unmatched'], not dropped silently
    frame = assign_city_codes(frame, frame["prefid"].map(tables.code_map()), prefecture_fiscal.PREFECTURE,
                              ["source_row", "prefid", "year"])
    frame["fiscal_gdp"] = fiscal_ratio(frame["revenue"], frame["gdp"])
    return frame[["city_code", "year", "revenue", "gdp", "fiscal_gdp"]].reset_index(drop=True)


def fiscal_ratio(revenue_wan: pd.Series, gdp_yi: pd.Series) -> pd.Series:
    """Budget revenue as a share of GDP in %: revenue (万元) / (GDP (亿元) × 10⁴) × 100.

    Non-positive GDP gives NaN."""
    gdp = gdp_yi.where(gdp_yi > 0)
    return revenue_wan / (gdp * 1e4) * 100


def fdi_share(fdi_musd: pd.Series, rate: pd.Series, gdp_yi: pd.Series) -> pd.Series:
    """FDI as a share of GDP in %: FDI (10⁶ USD) × rate (yuan/USD) / 100 gives 亿元;
    divided by GDP (亿元) × 100. Non-positive GDP gives NaN."""
    gdp = gdp_yi.where(gdp_yi > 0)
    return fdi_musd * rate / 100 / gdp * 100


@remembered
def hsr_first_years() -> pd.Series:
    """First year with a station on a high-speed line, by ``city_code`` (NaN: none by 2020).

    Uses the book's corrected rail network (:func:`cityclusters.analysis.linkages.build_network`,
    as in chapter 5) and :func:`cityclusters.analysis.linkages.hsr_access`.
    """
    from cityclusters.analysis import linkages as rn

    cities = tables.cities()
    edges = rn.build_network(cities)["edges"]
    return rn.hsr_access(edges, sorted(set(cities["city_code"])))


# ----------------------------------------------------------------------------- regressors
def hsr_variables(first_year: pd.Series, years: Iterable[int]) -> pd.DataFrame:
    """City-year HSR dummy and years since opening.

    ``hsr`` = 1 if year ≥ first_year (0 if never); ``hsr_years`` = max(0, year − first_year + 1)
    (1 in the opening year). ``first_year`` is indexed by ``city_code``.
    """
    rows = []
    for code, first in first_year.items():
        for year in years:
            has = bool(pd.notna(first) and year >= first)
            rows.append((code, year, int(has), int(year - first + 1) if has else 0))
    return pd.DataFrame(rows, columns=["city_code", "year", "hsr", "hsr_years"])


def segmentation_panel(deflators: pd.DataFrame, years: Iterable[int],
                       window: int = SEGMENTATION_WINDOW, group: str = "cluster_id") -> pd.DataFrame:
    r"""City-year market segmentation from GDP deflators.

    For cluster g, end year t and the window W_t = {t − window + 1, …, t}:

    .. math:: S_{it} = \frac{100}{|J_i|} \sum_{j \in J_i} \operatorname{sd}_{s \in W_t}
              [\Delta \ln(P_{is}/P_{js})]

    with J_i the other cities of i's cluster that have a deflator in every year of W_t and
    the sd from :func:`cityclusters.indicators.market.relative_price_volatility` (sample sd,
    window − 1 annual changes). Units: % per year. Higher S = price levels that move more
    independently of the partners' = a less integrated market (Engel & Rogers 1996, used as a
    city-year index; the seeds' relative-price method needs goods prices we do not have).

    Parameters
    ----------
    deflators : DataFrame
        ``group``, ``city_code``, ``year``, ``gdp_deflator`` (positive).
    years : iterable of int
        End years t.
    window : int
        Years in the window (≥ 3).

    Returns
    -------
    DataFrame ``group, city_code, year, segmentation, n_partners``; a city-year without a
    complete window or without partners is absent.
    """
    if window < 3:
        raise MethodInputError(f"window={window}: need at least 3 years (two annual changes)")
    missing = [c for c in (group, "city_code", "year", "gdp_deflator") if c not in deflators.columns]
    if missing:
        raise MethodInputError(f"deflators: missing column(s) {missing}")
    rows = []
    for cluster, part in deflators.groupby(group, sort=False):
        part = part.dropna(subset=["gdp_deflator"])
        for t in years:
            span = set(range(t - window + 1, t + 1))
            win = part[part["year"].isin(span)]
            complete = win.groupby("city_code")["year"].nunique()
            codes = complete.index[complete == window]
            if len(codes) < 2:
                continue
            win = win[win["city_code"].isin(codes)]
            vol = market.relative_price_volatility(
                win.rename(columns={"city_code": "city", "gdp_deflator": "deflator"})[["city", "year", "deflator"]])
            long = pd.concat([vol[["city_i", "volatility"]].rename(columns={"city_i": "city_code"}),
                              vol[["city_j", "volatility"]].rename(columns={"city_j": "city_code"})])
            agg = long.groupby("city_code")["volatility"].agg(["mean", "size"])
            for code, r in agg.iterrows():
                rows.append((cluster, int(code), t, 100 * r["mean"], int(r["size"])))
    return pd.DataFrame(rows, columns=[group, "city_code", "year", "segmentation", "n_partners"])


def gap_to_richest(frame: pd.DataFrame, value: str = "gdp_per_capita",
                   group: str = "cluster_id") -> pd.Series:
    """ln(value / max of value in the same cluster and year): 0 for the richest city, < 0 else.

    Rows with a missing or non-positive value give NaN (and do not set the maximum)."""
    v = frame[value].where(frame[value] > 0)
    top = v.groupby([frame[group], frame["year"]]).transform("max")
    return np.log(v / top).rename("gap")


def add_lags(frame: pd.DataFrame, columns: Sequence[str], lags: Sequence[int],
             unit: str = "city_code", time: str = "year") -> pd.DataFrame:
    """Add ``L{k}_{column}`` = the value of the same unit in year t − k (NaN if that year is
    absent: matched on the year, never on row order)."""
    dup = frame.duplicated([unit, time], keep=False)
    if dup.any():
        raise MethodInputError(f"add_lags: duplicated ({unit}, {time}) at rows {list(frame.index[dup][:5])}")
    out = frame.copy()
    base = frame[[unit, time, *columns]]
    for k in lags:
        shifted = base.assign(**{time: base[time] + k}).rename(columns={c: f"L{k}_{c}" for c in columns})
        out = out.merge(shifted, on=[unit, time], how="left")
    return out


def standardise(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, pd.Series]:
    """z = (x − mean)/sd over the non-missing values of each column (sd with ddof = 1).

    Returns the new frame and the sds (to convert a coefficient back to raw units: divide by
    the sd). A column with sd 0 or fewer than two values raises, naming it."""
    out = frame.copy()
    sds = {}
    for c in columns:
        x = out[c].astype(float)
        sd = x.std(ddof=1)
        if not np.isfinite(sd) or sd == 0:
            raise MethodInputError(f"standardise: column {c!r} has no variation")
        out[c] = (x - x.mean()) / sd
        sds[c] = sd
    return out, pd.Series(sds, name="sd")


# ----------------------------------------------------------------------------- outcomes and mechanical overlap
#: The inputs of :data:`REGRESSOR_INPUTS` in words.
INPUT_WORDS = {"gp.gdp": "GDP", "gp.real_gdp": "real GDP (GDP / deflator)", "gp.gdp_deflator": "GDP deflator",
               "yearbook.fdi_actual": "FDI", "gp.loans_wan": "loans", "maswiebe.revenue": "budget revenue"}


def formula_inputs(indicators: pd.DataFrame) -> dict[str, set[str]]:
    """The variables (``source.name``) in the numerator and denominator formula of each
    indicator of ``indicators`` (rows of the indicator system), by indicator id, read with the
    system's own parser (:func:`cityclusters.data.city_indicators.parse_expression`).

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"indicator_id": ["co2"], "numerator": ["gp.co2_t"],
    ...                      "denominator": ["1e4 * gp.real_gdp"]})
    >>> sorted(formula_inputs(rows)["co2"])
    ['gp.co2_t', 'gp.real_gdp']
    """
    out = {}
    for row in indicators.itertuples(index=False):
        out[row.indicator_id] = {name for formula in (row.numerator, row.denominator)
                                 for _, names in parse_expression(formula) for name in names}
    return out


def mechanical_overlap(indicators: pd.DataFrame | None = None,
                       inputs: dict[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """Which regressors sit inside D by construction.

    For each regressor of ``inputs`` (default :data:`REGRESSOR_INPUTS`): the index indicator
    that measures the same quantity (:data:`SAME_QUANTITY`, ``same``), the indicators whose
    formula shares an input with it (``shared``), their subsystems, and ``in_d``, the text of
    the regressor table ("no"; "yes: <indicator> (<subsystem>)"; "shares <inputs> with
    <indicator> (<subsystem>), …"). ``indicators``: rows of the indicator system with ``indicator_id,
    subsystem_id, short_en, numerator, denominator`` (default: the yardstick's,
    :func:`cityclusters.analysis.coordination_index.index_indicators`)."""
    indicators = index_mod.index_indicators() if indicators is None else indicators
    inputs = REGRESSOR_INPUTS if inputs is None else inputs
    used = formula_inputs(indicators)
    subsystem = dict(zip(indicators["indicator_id"], indicators["subsystem_id"]))
    short = dict(zip(indicators["indicator_id"], indicators["short_en"]))
    rows = []
    for regressor, variables in inputs.items():
        shared = [i for i, v in used.items() if v & set(variables)]
        same = SAME_QUANTITY.get(regressor) if SAME_QUANTITY.get(regressor) in subsystem else None
        parts = [f"yes: {short[same]} ({subsystem[same]})"] if same else []
        others = [i for i in shared if i != same]
        if others:
            common = set(variables) & set().union(*(used[i] for i in others))
            words = list(dict.fromkeys(INPUT_WORDS.get(v, v) for v in sorted(common)))
            if "GDP" in words and INPUT_WORDS["gp.real_gdp"] in words:
                words.remove(INPUT_WORDS["gp.real_gdp"])  # real GDP is GDP over the deflator
            where = ", ".join(f"{short[i]} ({subsystem[i]})" for i in others)
            parts.append(f"shares {', '.join(words)} with {where}")
        rows.append({"regressor": regressor, "same": same or "", "shared": shared,
                     "subsystems": list(dict.fromkeys(subsystem[i] for i in shared)),
                     "in_d": "; ".join(parts) or "no"})
    return pd.DataFrame(rows)


def clean_subsystems(indicators: pd.DataFrame | None = None,
                     inputs: dict[str, Sequence[str]] | None = None) -> list[str]:
    """Subsystems (in table order) none of whose indicators shares an input with any
    regressor (:func:`mechanical_overlap`): the pieces of the index that do not contain the
    regressors by construction. Raises if none is left."""
    indicators = index_mod.index_indicators() if indicators is None else indicators
    overlap = mechanical_overlap(indicators, inputs)
    touched = set().union(*overlap["subsystems"].map(set))
    clean = [s for s in dict.fromkeys(indicators["subsystem_id"]) if s not in touched]
    if not clean:
        raise MethodInputError("every subsystem of the index contains an input of a regressor")
    return clean


def in_d() -> dict[str, str]:
    """Regressor → whether it enters D (the ``in_d`` text of :func:`mechanical_overlap`)."""
    overlap = mechanical_overlap()
    return dict(zip(overlap["regressor"], overlap["in_d"]))


def clean_mean(scores: np.ndarray, subsystems: Sequence[str], clean: Sequence[str]) -> np.ndarray:
    """100 × the mean of the subsystem scores U (rows × subsystems, columns named by
    ``subsystems``) over those in ``clean``; NaN where one of them is missing, all NaN if
    none is among ``subsystems`` (a specification that drops them all).

    >>> import numpy as np
    >>> clean_mean(np.array([[0.2, 0.4, 0.9], [0.1, np.nan, 0.5]]), ["a", "b", "c"], ["a", "b"]).round(6).tolist()
    [30.0, nan]
    """
    columns = [j for j, name in enumerate(subsystems) if name in set(clean)]
    if not columns:
        return np.full(len(scores), np.nan)
    return 100 * np.asarray(scores, dtype=float)[:, columns].mean(axis=1)


def check_index_years(first_year: int, last_year: int) -> None:
    """Refuse outcome years outside the coordination index (D exists
    :data:`~cityclusters.analysis.coordination_index.FIRST_YEAR`–``LAST_YEAR`` only), naming
    FIRST_YEAR and LAST_YEAR."""
    low, high = index_mod.FIRST_YEAR, index_mod.LAST_YEAR
    if not low <= first_year <= last_year <= high:
        raise ValueError(f"FIRST_YEAR and LAST_YEAR must lie inside the coordination index's years "
                         f"{low}–{high} (D exists only there); got FIRST_YEAR={first_year}, LAST_YEAR={last_year}")


def index_outcomes(first_year: int, last_year: int) -> pd.DataFrame:
    """The index's outcomes per city-year of [first_year, last_year] (every prefecture-level
    city): ``city_code, year, D, C, U_clean``, D and U_clean ×100 (:func:`clean_mean` over
    :func:`clean_subsystems`), C (0–1) as in the index; one D per city-year for the whole book
    (:func:`cityclusters.analysis.coordination_index.panel_index`)."""
    check_index_years(first_year, last_year)
    frame = index_mod.panel_index()
    frame = frame[frame["year"].between(first_year, last_year)].reset_index(drop=True)
    names = [c[2:] for c in frame.columns if c.startswith("U_")]
    scores = frame[[f"U_{n}" for n in names]].to_numpy()
    return pd.DataFrame({"city_code": frame["city_code"], "year": frame["year"], "D": 100 * frame["D"],
                         "C": frame["C"], "U_clean": clean_mean(scores, names, clean_subsystems())})


# ----------------------------------------------------------------------------- assembly
def validate_driver_parameters(clusters: Sequence[str], first_year: int, last_year: int,
                               outcome: str, lag: int) -> None:
    """Refuse bad chapter parameters: years inside the coordination index's years (≥ 3 years),
    OUTCOME one of :data:`OUTCOMES`, LAG 1 or 2."""
    from cityclusters.checks import validate_parameters

    validate_parameters(clusters, first_year, last_year)
    check_index_years(first_year, last_year)
    if last_year - first_year + 1 < 3:
        raise ValueError(f"FIRST_YEAR–LAST_YEAR: need at least 3 years; got {first_year}–{last_year}")
    if outcome not in OUTCOMES:
        raise ValueError(f"OUTCOME must be one of {list(OUTCOMES)}; got {outcome!r}")
    if isinstance(lag, bool) or lag not in (1, 2):
        raise ValueError(f"LAG must be 1 or 2 (years); got {lag!r}")


def primary_members(clusters: Sequence[str]) -> pd.DataFrame:
    """One row per city: its first cluster in the order of ``clusters`` (a city in two chosen
    clusters, e.g. yrd26 and yrd41, is assigned to the first), with ``core`` flag
    (:data:`cityclusters.config.CORE_CITIES`)."""
    members = chosen_members(clusters).drop_duplicates("city_code", keep="first")
    cores = {c for cl in clusters for c in config.CORE_CITIES.get(cl, ())}
    members = members[["cluster_id", "city_code", "name_zh", "name_pinyin", "province_zh"]].copy()
    members["core"] = members["city_code"].isin(cores)
    return members.reset_index(drop=True)


def assemble_panel(clusters: Sequence[str], first_year: int, last_year: int,
                   lags: Sequence[int] = (1, 2)) -> pd.DataFrame:
    """The regression panel: one row per member city and year in [first_year, last_year].

    Columns: ``cluster_id, city_code, name_zh, name_pinyin, core, year``; outcomes ``D`` and
    ``U_clean`` (×100, :func:`index_outcomes`) and ``C``, ``growth`` (100·[ln(I/100) − Δ ln P],
    official real GDP index I and resident population P,
    :func:`cityclusters.indicators.growth.per_capita_growth`; ``growth_flagged`` marks the
    city-years whose population change exceeded the break threshold and was replaced by the
    city's median change); regressors of :data:`REGRESSORS` in raw units and lagged
    ``L{k}_x`` for k in ``lags``; ``ln_pop`` (:data:`POPULATION`, ln of resident population in
    万人, same year); ``hsr_first_year``. Raw (not standardised) values; see
    :func:`standardise`.
    """
    members = primary_members(clusters)
    codes = members["city_code"].tolist()
    start = first_year - max(lags)
    years = list(range(start, last_year + 1))
    outcomes = index_outcomes(first_year, last_year)

    # city panel: growth, gap, deflators
    panel = tables.city_year()
    earliest = min(start - 1, start - SEGMENTATION_WINDOW + 1)  # deflators for the first window
    panel = panel[panel["city_code"].isin(codes) & panel["year"].between(earliest, last_year)]
    panel = members[["cluster_id", "city_code"]].merge(panel, on="city_code")
    panel = panel.sort_values(["city_code", "year"])
    # growth from the official index on the full series of each city (the median population
    # change of the break rule uses all years), then restricted to the window
    full = tables.city_year()
    full = full[full["city_code"].isin(codes)].reset_index(drop=True)
    pc = growth_mod.per_capita_growth(full)
    full = full[["city_code", "year"]].assign(growth=100 * pc["growth"],
                                              growth_flagged=pc["pop_break"] & pc["growth"].notna())
    panel = panel.merge(full, on=["city_code", "year"], how="left")
    panel["growth_flagged"] = panel["growth_flagged"].fillna(False).astype(bool)
    panel["gap"] = gap_to_richest(panel)

    seg = segmentation_panel(panel[["cluster_id", "city_code", "year", "gdp_deflator"]], years)
    hsr = hsr_variables(hsr_first_years().reindex(codes), years)
    fdi = read_city_fdi()[["city_code", "year", "fdi_musd"]]
    rate = read_exchange_rate()
    fiscal = read_prefecture_fiscal()[["city_code", "year", "fiscal_gdp"]]
    loans = city_indicator_panel()[["city_code", "year", "loans_gdp"]]

    panel[POPULATION] = np.log(panel["population"].where(panel["population"] > 0))
    frame = panel[["cluster_id", "city_code", "year", "gdp", "growth", "growth_flagged", "gap", POPULATION]]
    frame = frame[frame["year"] >= start]
    frame = frame.merge(seg[["city_code", "year", "segmentation"]], on=["city_code", "year"], how="left")
    frame = frame.merge(hsr, on=["city_code", "year"], how="left")
    frame = frame.merge(fdi, on=["city_code", "year"], how="left")
    frame["fdi_gdp"] = fdi_share(frame["fdi_musd"], frame["year"].map(rate), frame["gdp"])
    frame = frame.merge(fiscal, on=["city_code", "year"], how="left")
    frame = frame.merge(loans, on=["city_code", "year"], how="left")
    frame = add_lags(frame, list(REGRESSORS["regressor"]), lags)
    frame = frame.merge(outcomes, on=["city_code", "year"], how="left")
    frame = frame[frame["year"].between(first_year, last_year)]
    frame = members.drop(columns="cluster_id").merge(frame, on="city_code")
    frame["hsr_first_year"] = frame["city_code"].map(hsr_first_years())
    first_cols = ["cluster_id", "city_code", "name_zh", "name_pinyin", "province_zh", "core", "year"]
    rest = [c for c in frame.columns if c not in first_cols]
    return frame[first_cols + rest].sort_values(["cluster_id", "city_code", "year"]).reset_index(drop=True)


def coverage_table(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Share of city-years with a value, per cluster and column (plus ``all``)."""
    shares = panel.groupby("cluster_id", sort=False)[list(columns)].agg(lambda s: s.notna().mean())
    shares.loc["all"] = panel[list(columns)].notna().mean()
    shares.insert(0, "city_years", list(panel.groupby("cluster_id", sort=False).size()) + [len(panel)])
    return shares.reset_index()


def cluster_d(raw: pd.DataFrame) -> pd.DataFrame:
    """Each chosen cluster's mean D (0–1, the yardstick's, over its member cities with a D)
    in every year of the panel: ``cluster_id, year, D``
    (:func:`cityclusters.analysis.coordination_index.cluster_means`). All members count, also
    a city the panel assigns to an earlier cluster, so the value is the book's cluster D."""
    clusters = list(dict.fromkeys(raw["cluster_id"]))
    years = raw["year"].unique()
    index = index_mod.panel_index()
    index = index[index["year"].isin(years)].dropna(subset=["D"])
    return index_mod.cluster_means(index, chosen_members(clusters))
# ----------------------------------------------------------------------------- models
def fit(panel: pd.DataFrame, dependent: str, regressors: Sequence[str], name: str) -> RegressionResult | None:
    """City and year fixed effects, SEs clustered by city
    (:func:`cityclusters.models.panel.fixed_effects_regression`), rows with a missing value
    dropped and counted (``statistics['n_dropped']``); with fewer than
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities the intervals and p-values are
    the wild cluster bootstrap's (:func:`with_wild_bootstrap`).

    Regressors with no variation within any city in the estimation sample (absorbed by the
    city effects) are left out and listed in ``statistics['left_out']``. Returns None if no
    regressor or fewer than 3 cities remain."""
    cols = [dependent, *regressors]
    sample = panel.dropna(subset=cols)
    keep = [r for r in regressors if (sample.groupby("city_code")[r].nunique() > 1).any()]
    left_out = [r for r in regressors if r not in keep]
    if keep and left_out:
        sample = panel.dropna(subset=[dependent, *keep])
    if not keep or sample["city_code"].nunique() < 3 or sample["year"].nunique() < 2:
        return None
    result = fixed_effects_regression(panel[["city_code", "year", *cols]], dependent, keep,
                                      unit="city_code", time="year", cluster="unit",
                                      name=name, dropna=True)
    result.statistics["left_out"] = left_out
    return with_wild_bootstrap(result, panel, dependent)


def with_wild_bootstrap(result: RegressionResult, panel: pd.DataFrame, dependent: str,
                        draws: int = WILD_DRAWS, seed: int = WILD_SEED) -> RegressionResult:
    """The fixed-effects ``result`` with WCR wild-cluster-bootstrap p-values and 95 % intervals
    (test inversion) for every reported term when its errors rest on fewer than
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities
    (:func:`cityclusters.models.wild_bootstrap.wild_bootstrap_fe`: city and year effects, clustered
    by city, Webb weights, ``draws`` draws with ``seed`` or all weight vectors when there are
    fewer). MacKinnon, Nielsen & Webb (2023) find t(G − 1) intervals from clustered errors
    unreliable with fewer than about 50 clusters. Estimates and the CRV1 standard errors are
    kept; ``statistics['inference']`` says which intervals the result carries. With
    :data:`FEW_CLUSTERS` cities or more the result is returned with ``inference`` "CRV1, t(G − 1)"."""
    statistics = dict(result.statistics)
    if statistics["n_clusters"] >= FEW_CLUSTERS:
        statistics["inference"] = "clustered by city (CRV1), t(G − 1)"
        return RegressionResult(result.name, result.coefficients, statistics, result.level, result.covariance)
    terms = list(result.coefficients["term"])
    data = panel[["city_code", "year", dependent, *terms]]
    coefs = result.coefficients.copy()
    method = None
    for i, term in enumerate(terms):
        wild = wild_bootstrap_fe(data, dependent, terms, term, unit="city_code", time="year",
                                 draws=draws, seed=seed, level=result.level)
        if not np.isclose(wild.estimate, coefs.at[i, "estimate"], rtol=1e-6, atol=1e-9):
            raise RuntimeError(f"with_wild_bootstrap: the bootstrap design does not reproduce {term} of {result.name}")
        coefs.loc[i, ["p_value", "ci_low", "ci_high"]] = [wild.p_value, wild.ci_low, wild.ci_high]
        method = wild.method
    statistics["inference"] = method
    return RegressionResult(result.name, coefs, statistics, result.level, result.covariance)


def lagged(names: Sequence[str], lag: int) -> list[str]:
    """``['L1_hsr', ...]`` for ``lag`` = 1."""
    return [f"L{lag}_{n}" for n in names]


def model_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """The main columns, all at ``lag`` (``outcome`` a key of :data:`OUTCOMES`): baseline;
    baseline + ln population of the outcome year (:data:`POPULATION`: holds the shared
    denominator of the gap and the per-head indicators fixed); + FDI and loans; + fiscal revenue."""
    y = OUTCOMES[outcome]
    return {
        "Baseline": fit(panel, y, lagged(BASELINE, lag), "Baseline"),
        "+ population": fit(panel, y, [*lagged(BASELINE, lag), POPULATION], "+ population"),
        "+ controls": fit(panel, y, lagged(BASELINE + CONTROLS, lag), "+ controls"),
        "+ fiscal": fit(panel, y, lagged(BASELINE + CONTROLS + FISCAL_TERMS, lag), "+ fiscal"),
    }


def robustness_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """Robustness of the baseline: other lag, HSR as years since opening, no cores. (The
    other ways of building D are the multiverse: :func:`coefficient_multiverse`.)"""
    y = OUTCOMES[outcome]
    base = lagged(BASELINE, lag)
    olag = other_lag(lag)
    return {
        f"Lag {olag}": fit(panel, y, lagged(BASELINE, olag), f"Lag {olag}"),
        "HSR years": fit(panel, y, lagged(("hsr_years", "segmentation", "gap"), lag), "HSR years"),
        "No cores": fit(panel[~panel["core"]], y, base, "No cores"),
    }


def cluster_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """The baseline per cluster subsample (None where it cannot be estimated)."""
    y = OUTCOMES[outcome]
    return {c: fit(part, y, lagged(BASELINE, lag), c)
            for c, part in panel.groupby("cluster_id", sort=False)}


def coefficient_frame(models: dict[str, RegressionResult | None], terms: Sequence[str]) -> pd.DataFrame:
    """Long table ``model, term, estimate, ci_low, ci_high, p_value, n_obs, n_clusters,
    inference`` of ``terms`` (lag prefix removed from the term), skipping models that are None or
    lack a term. Intervals and p-values are the wild bootstrap's where the model has fewer than
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities (:func:`fit`)."""
    rows = []
    for label, res in models.items():
        if res is None:
            continue
        coefs = res.coefficients.set_index("term")
        for term in coefs.index:
            bare = term.split("_", 1)[1] if term[:1] == "L" and term[1:2].isdigit() else term
            if bare not in terms:
                continue
            r = coefs.loc[term]
            rows.append({"model": label, "term": bare, "estimate": float(r["estimate"]),
                         "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
                         "p_value": float(r["p_value"]), "n_obs": res.statistics["n_obs"],
                         "n_clusters": res.statistics.get("n_clusters"),
                         "inference": res.statistics.get("inference", "")})
    return pd.DataFrame(rows, columns=["model", "term", "estimate", "ci_low", "ci_high", "p_value", "n_obs",
                                       "n_clusters", "inference"])


def describe(estimate: float, low: float, high: float, digits: int = 2) -> str:
    """'0.12 [−0.05, 0.30]' — an estimate with its confidence interval (an unbounded end: ±∞).

    >>> describe(0.1234, -0.05, float("inf"))
    '0.12 [-0.05, ∞]'
    """
    def end(v):
        return ("∞" if v > 0 else "−∞") if np.isinf(v) else f"{v:.{digits}f}"
    return f"{estimate:.{digits}f} [{end(low)}, {end(high)}]"


def reading(low: float, high: float) -> str:
    """Wording of a 95 % interval: 'positive', 'negative' or 'indistinguishable from zero'."""
    if low > 0:
        return "positive"
    if high < 0:
        return "negative"
    return "indistinguishable from zero"


def standardised_panel(panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The panel with every lagged continuous regressor (``L{k}_x``, x in :data:`CONTINUOUS`)
    standardised over its non-missing values (:func:`standardise`); returns the frame and the
    raw standard deviations by column."""
    cols = [c for c in panel.columns if c[:1] == "L" and c[1:2].isdigit() and c.split("_", 1)[1] in CONTINUOUS]
    cols = [c for c in cols if panel[c].notna().sum() > 1 and panel[c].std() > 0]
    return standardise(panel, cols)


def two_way_demean(panel: pd.DataFrame, column: str, unit: str = "city_code", time: str = "year",
                   iterations: int = 200, tol: float = 1e-10) -> pd.Series:
    """Residual of ``column`` after removing unit and time means (alternating projections,
    exact for balanced and unbalanced panels at convergence); NaN rows stay NaN."""
    y = panel[column].astype(float)
    ok = y.notna()
    r = y[ok].copy()
    u, t = panel.loc[ok, unit], panel.loc[ok, time]
    for _ in range(iterations):
        before = r.copy()
        r = r - r.groupby(u).transform("mean")
        r = r - r.groupby(t).transform("mean")
        if float((r - before).abs().max()) < tol:
            break
    return r.reindex(panel.index)


def hsr_event_profile(panel: pd.DataFrame, outcome: str, window: int = 4, min_cities: int = 5) -> pd.DataFrame:
    """Mean of the two-way demeaned outcome by event time (year − first HSR year) for the
    cities whose first HSR year falls inside the panel's years.

    Superseded in chapter 11 by :func:`hsr_estimators` (kept for the methods page).
    Descriptive only (no control group weighting, no correction for staggered timing): it
    shows whether D or growth moved before or after the opening. Event times outside
    [−window, window] or with fewer than ``min_cities`` cities are left out. Interval: mean ±
    1.96 · sd/√n over city-years (ignores within-city correlation, so it is too narrow).

    Returns ``event_time, mean, ci_low, ci_high, n``.
    """
    resid = two_way_demean(panel, outcome)
    years = panel["year"]
    first = panel["hsr_first_year"]
    treated = first.between(years.min() + 1, years.max())
    frame = pd.DataFrame({"e": years - first, "r": resid, "city": panel["city_code"]})[treated & resid.notna()]
    frame = frame[frame["e"].between(-window, window)]
    g = frame.groupby("e")
    out = pd.DataFrame({"mean": g["r"].mean(), "sd": g["r"].std(ddof=1), "n": g["city"].nunique()})
    out = out[out["n"] >= min_cities]
    half = 1.96 * out["sd"] / np.sqrt(g.size().reindex(out.index))
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    return out.reset_index().rename(columns={"e": "event_time"})[["event_time", "mean", "ci_low", "ci_high", "n"]]



# ----------------------------------------------------------------------------- many outcomes at once
# ----------------------------------------------------------------------------- high-speed rail: staggered openings
def hsr_did_panel(raw: pd.DataFrame, column: str) -> tuple[pd.DataFrame, dict]:
    """The balanced city × year panel of the staggered HSR design for outcome ``column``.

    Cohort = the first HSR year (:func:`hsr_first_years`). A city whose first station opened
    in or before the panel's first year has no year before treatment (always treated) and is
    dropped; a city without a station by the last year is never treated within the panel
    (cohort NaN); a city without the outcome in every year is dropped (the Callaway–Sant'Anna
    estimator needs a balanced panel). Returns the frame (``city_code, year, y, cohort``) and
    the counts ``n_cities, n_always, n_incomplete, n_treated, n_never, n_cohorts, cohort_sizes``
    (first year → cities)."""
    years = sorted(raw["year"].unique())
    first, last = years[0], years[-1]
    frame = raw[["city_code", "year", column, "hsr_first_year"]].rename(columns={column: "y"})
    complete = frame.groupby("city_code")["y"].agg(lambda s: s.notna().sum()) == len(years)
    opened = frame.groupby("city_code")["hsr_first_year"].first()
    always = opened <= first
    keep = complete & ~always
    frame = frame[frame["city_code"].isin(keep.index[keep])].copy()
    frame["cohort"] = frame["hsr_first_year"].where(frame["hsr_first_year"] <= last)
    cohorts = frame.groupby("city_code")["cohort"].first()
    sizes = cohorts.dropna().astype(int).value_counts().sort_index()
    design = {"n_cities": int(keep.sum()), "n_always": int(always.sum()),
              "n_incomplete": int((~complete & ~always).sum()), "n_treated": int(cohorts.notna().sum()),
              "n_never": int(cohorts.isna().sum()), "n_cohorts": len(sizes),
              "cohort_sizes": {int(g): int(n) for g, n in sizes.items()}}
    return frame[["city_code", "year", "y", "cohort"]].reset_index(drop=True), design


def hsr_estimators(data: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED) -> dict[str, RegressionResult | None]:
    """The HSR effect on one outcome (``data`` of :func:`hsr_did_panel`), three ways:

    * ``cs``: Callaway & Sant'Anna group-time ATTs, not-yet-treated (and never-treated) cities
      as controls, ``n_boot`` bootstrap draws over cities with ``seed``
      (:func:`cityclusters.models.callaway_santanna.callaway_santanna`); the main estimate;
    * ``sa``: Sun & Abraham interaction-weighted event study, never-treated cities as controls,
      errors clustered by city, t(G − 1) (None without never-treated cities);
    * ``twfe``: the static two-way fixed-effects DID (term ``post``), for comparison only: with
      staggered openings and effects that change with time since opening it also compares late
      openers with cities already treated and can weight some effects negatively
      (Goodman-Bacon 2021).

    Event times −:data:`EVENT_LEADS` … :data:`EVENT_LAGS` are reported; the overall ``att``
    averages every post-opening city-year. None where an estimator cannot run (too few
    cohorts or controls)."""
    kw = {"outcome": "y", "unit": "city_code", "time": "year", "cohort": "cohort"}
    out: dict[str, RegressionResult | None] = {"cs": cs_fit(data, n_boot, seed, leads=EVENT_LEADS, lags=EVENT_LAGS)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out["sa"] = _attempt(lambda: event_study.sun_abraham_event_study(
            data, control="never", leads=EVENT_LEADS, lags=EVENT_LAGS, name="Sun–Abraham", **kw)) \
            if data["cohort"].isna().any() else None
        out["twfe"] = _attempt(lambda: did.twfe_did(data, name="TWFE DID", **kw))
    return out


def _attempt(make):
    try:
        return make()
    except MethodInputError:
        return None


def hsr_event_frame(result: RegressionResult | None) -> pd.DataFrame:
    """Event-time estimates ``event_time, estimate, ci_low, ci_high`` of an HSR estimator
    (terms ``rel_e``); empty if ``result`` is None."""
    columns = ["event_time", "estimate", "ci_low", "ci_high"]
    if result is None:
        return pd.DataFrame(columns=columns)
    coef = result.coefficients
    rel = coef[coef["term"].str.startswith("rel_")].copy()
    rel["event_time"] = rel["term"].str[4:].astype(int)
    return rel[columns].sort_values("event_time").reset_index(drop=True)


def pretrend_count(result: RegressionResult | None) -> tuple[int, int]:
    """(pre-opening event-time estimates whose interval excludes zero, pre-opening estimates)."""
    frame = hsr_event_frame(result)
    pre = frame[frame["event_time"] < 0]
    return int(((pre["ci_low"] > 0) | (pre["ci_high"] < 0)).sum()), len(pre)


# ----------------------------------------------------------------------------- the multiverse of the index
def outcome_multiverse(raw: pd.DataFrame, sample: int = MULTIVERSE_SAMPLE,
                       seed: int = MULTIVERSE_SEED) -> dict:
    """D×100 and U_clean of the panel's city-years (rows of ``raw``) under a seeded sample of
    the index's specifications: ``D`` and ``U_clean`` arrays rows × specifications (NaN where
    a city-year has no value in that specification) and ``specs``. D comes from
    :func:`cityclusters.analysis.coordination_index.city_multiverse`; U_clean is
    :func:`clean_mean` of the subsystem scores of the same specification
    (:func:`cityclusters.indicators.multiverse.decompose`; a specification that drops a clean
    subsystem averages the others)."""
    keys, degree, specs = index_mod.city_multiverse(sample=sample, seed=seed)
    position = raw[["city_code", "year"]].merge(keys.reset_index(), on=["city_code", "year"], how="left")["index"]
    found = position.notna().to_numpy()
    rows = position.fillna(0).astype(int).to_numpy()
    d = np.where(found[:, None], 100 * degree[rows], np.nan)
    _, values, subsystem_of, directions, names = index_mod.index_inputs()
    clean, skewed, years = clean_subsystems(), multiverse_mod.flag_skewed(values), keys["year"].to_numpy()
    scores: dict[tuple, np.ndarray] = {}
    u = np.full_like(d, np.nan)
    for s, spec in enumerate(specs):
        key = (spec.indicator_set, spec.scaling, spec.weighting, spec.aggregation)  # C does not enter U
        if key not in scores:
            parts = multiverse_mod.decompose(values, subsystem_of, directions, years, spec, names=names, skewed=skewed)
            scores[key] = clean_mean(parts["scores"], parts["subsystems"], clean)
        u[:, s] = np.where(found, scores[key][rows], np.nan)
    return {"D": d, "U_clean": u, "specs": specs}


def sides(low, high, expected_sign: int) -> tuple[list, list]:
    """Per specification: does the interval lie wholly on the claimed side of zero (first
    list) or wholly on the other side (second)? None where the interval is missing.

    >>> sides([0.1, -2.0, -1.0, float("nan")], [0.5, -0.1, 1.0, 1.0], +1)
    ([True, False, False, None], [False, True, False, None])
    """
    claim, opposite = [], []
    for lo, hi in zip(low, high):
        if not (np.isfinite(lo) and np.isfinite(hi)):
            claim.append(None)
            opposite.append(None)
            continue
        above, below = lo > 0, hi < 0
        claim.append(bool(above if expected_sign > 0 else below))
        opposite.append(bool(below if expected_sign > 0 else above))
    return claim, opposite


def support_of(claim: Sequence, opposite: Sequence) -> tuple[float, float, int] | None:
    """(share of specifications in which the claim holds, share in which the opposite sign
    holds, number of specifications that evaluate it)
    (:func:`cityclusters.analysis.verdicts.multiverse_support`); None if no specification can
    evaluate it (the estimate does not exist for these parameters)."""
    if all(c is None for c in claim):
        return None
    share, n = multiverse_support(claim)
    other, _ = multiverse_support(opposite)
    return share, other, n


def coefficient_multiverse(panel: pd.DataFrame, outcomes: np.ndarray, regressors: Sequence[str],
                           signs: dict[str, int]) -> dict[str, tuple[float, float, int] | None]:
    """Refit the two-way fixed-effects model of ``regressors`` on each specification's outcome
    column (:func:`within_fits`) and return, for each term of ``signs`` (term → claimed sign),
    :func:`support_of` the claim that its 95 % interval excludes zero on the claimed side."""
    fits = within_fits(panel, outcomes, regressors)
    out = {}
    for term, sign in signs.items():
        j = list(regressors).index(term)
        out[term] = support_of(*sides(fits["ci_low"][j], fits["ci_high"][j], sign))
    return out


def cs_fit(data: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED, **window) -> RegressionResult | None:
    """Callaway–Sant'Anna on :func:`hsr_did_panel` data, not-yet-treated controls (None if it
    cannot run)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _attempt(lambda: callaway_santanna(data, "y", "city_code", "year", "cohort",
                                                  control="not_yet_treated", n_boot=n_boot, seed=seed,
                                                  name="Callaway–Sant'Anna", **window))


def hsr_multiverse(raw: pd.DataFrame, outcomes: np.ndarray, expected_sign: int,
                   n_boot: int = N_BOOT, seed: int = SEED) -> tuple[float, float, int] | None:
    """The Callaway–Sant'Anna ATT of HSR on each specification's outcome column (rows aligned
    with ``raw``; the sample rules of :func:`hsr_did_panel`: cities without the outcome in every
    year left out per specification) by :func:`cs_att_many`, and :func:`support_of` the claim
    that it has the sign ``expected_sign``."""
    periods = sorted(raw["year"].unique())
    opened = raw.groupby("city_code")["hsr_first_year"].first()
    cities = opened.index[~(opened <= periods[0])]
    grid = pd.MultiIndex.from_product([cities, periods], names=["city_code", "year"])
    rows = pd.Series(np.arange(len(raw)), index=pd.MultiIndex.from_frame(raw[["city_code", "year"]]))
    where = rows.reindex(grid).to_numpy()
    cube = np.full((len(grid), outcomes.shape[1]), np.nan)
    found = ~np.isnan(where)
    cube[found] = outcomes[where[found].astype(int)]
    cube = cube.reshape(len(cities), len(periods), -1)
    cohort = opened.reindex(cities).to_numpy(dtype=float)
    cohort = np.where(cohort <= periods[-1], cohort, np.nan)
    complete = ~np.isnan(cube).any(axis=1)  # cities × specifications
    low, high = np.full(outcomes.shape[1], np.nan), np.full(outcomes.shape[1], np.nan)
    groups: dict[bytes, list[int]] = {}
    for s in range(outcomes.shape[1]):
        groups.setdefault(complete[:, s].tobytes(), []).append(s)
    for columns in groups.values():
        keep = complete[:, columns[0]]
        try:
            fit = cs_att_many(cube[keep][:, :, columns], cohort[keep], periods, n_boot, seed)
        except MethodInputError:
            continue
        low[columns], high[columns] = fit["ci_low"], fit["ci_high"]
    return support_of(*sides(low, high, expected_sign))


# ----------------------------------------------------------------------------- chapter 11: values for the prose
#: Display names of the regressors (factor in Chinese in brackets).
TERM_LABELS = {"hsr": "HSR station (高铁)", "hsr_years": "years since HSR", "segmentation": "segmentation (市场分割)",
               "gap": "gap to richest city (差距)", "fdi_gdp": "FDI / GDP (开放)", "loans_gdp": "loans / GDP (金融)",
               "fiscal_gdp": "budget revenue / GDP (财政)"}
#: Short names of the outcomes (column heads, evidence).
OUTCOME_SHORT = {"clean": "U_clean×100", "coordination": "D×100", "growth": "growth"}
#: The unit of each outcome's coefficients.
OUTCOME_UNITS = {"clean": "points of U_clean×100", "coordination": "points of D×100",
                 "growth": "percentage points of growth"}
#: The HSR estimators: short label and the design in words.
ESTIMATORS = {"cs": ("Callaway–Sant'Anna", "not-yet-treated and never-treated controls; bootstrap over cities"),
              "sa": ("Sun–Abraham", "never-treated controls; errors clustered by city, t(G−1)"),
              "twfe": ("TWFE DID (comparison)", "all other cities as controls, incl. already treated; "
                                                "errors clustered by city")}
#: Fewer cities than this in a regression: its clustered intervals are unreliable.
MIN_CITIES = 10
#: The claims tested in chapter 11: id, key of the prose, paper, claim in our words.
CLAIMS = (
    ("p000_transport_constrains_coordination", "transport", "000",
     "poor transport and time–space distance constrain coordination"),
    ("p000_segmentation_constrains_coordination", "segmentation", "000",
     "market segmentation weakens coordination"),
    ("p000_gap_constrains_coordination", "gap", "000",
     "development gaps restrain cooperation (a city further behind the richest coordinates less)"),
    ("p003_infrastructure_growth", "infra_growth", "003", "better infrastructure raises regional growth"),
    ("p003_fiscal_system_obstacle", "fiscal", "003", "the fiscal system (分灶财政) obstructs coordination"),
)
#: The sign each testable claim predicts for its key estimate.
EXPECTED_SIGN = {"transport": +1, "segmentation": -1, "gap": +1, "infra_growth": +1}


def other_lag(lag: int) -> int:
    """The lag of the robustness column: 2 for lag 1, else 1."""
    return 2 if lag == 1 else 1


def subsystem_words(subsystems: Sequence[str]) -> str:
    """English names of index subsystems joined as "a and b" or "a, b, and c" (from the
    indicator table)."""
    names = dict(zip(*index_mod.index_indicators()[["subsystem_id", "subsystem_en"]].T.values))
    words = [names.get(s, s).lower() for s in subsystems]
    if len(words) < 3:
        return " and ".join(words)
    return ", ".join(words[:-1]) + ", and " + words[-1]  # serial comma: the names contain "and"


def outcome_words(outcome: str) -> str:
    """The outcome in words for the prose."""
    if outcome == "clean":
        return f"U_clean, the mean score of the {subsystem_words(clean_subsystems())} subsystems (×100)"
    return {"coordination": "the coordination degree D (×100)",
            "growth": "growth of real GDP per head (% per year)"}[outcome]


def lagged_term_labels() -> dict[str, str]:
    """Row labels of the regression tables: ``L{k}_x`` → "label of x, t−k" (k = 1, 2), plus the
    fixed-effect rows."""
    labels = {f"L{k}_{t}": f"{v}, t−{k}" for k in (1, 2) for t, v in TERM_LABELS.items()}
    labels.update({"city_code": "City", "year": "Year", POPULATION: "ln population, t"})
    return labels


def panel_values(raw: pd.DataFrame, clusters: Sequence[str], first_year: int, last_year: int,
                 outcome: str, lag: int) -> dict:
    """The chapter's parameters and panel size for the prose: years (and the index's years),
    lags, outcome in words and unit, ``n_clusters`` (and ``clusters_phrase``, "1 cluster" or
    "5 clusters"), ``n_cities`` and ``n_city_years`` of the (unstandardised) panel."""
    return {"first_year": first_year, "last_year": last_year, "lag": lag, "other_lag": other_lag(lag),
            "index_first": index_mod.FIRST_YEAR, "index_last": index_mod.LAST_YEAR,
            "outcome_words": outcome_words(outcome), "outcome_unit": OUTCOME_UNITS[outcome],
            "n_clusters": len(clusters), "clusters_phrase": n_noun(len(clusters), "cluster"),
            "n_cities": int(raw["city_code"].nunique()),
            "n_city_years": len(raw)}


def outcome_values(raw: pd.DataFrame) -> dict:
    """Numbers of the outcome section: the clean subsystems in words and their number, the
    other subsystems, and the correlation over the panel of D with U_clean."""
    clean = clean_subsystems()
    others = [s for s in dict.fromkeys(index_mod.index_indicators()["subsystem_id"]) if s not in clean]
    both = raw.dropna(subset=["D", "U_clean"])
    return {"clean_words": subsystem_words(clean), "n_clean": len(clean), "other_words": subsystem_words(others),
            "corr_d_clean": float(both["D"].corr(both["U_clean"]))}


def d_range(cluster_frame: pd.DataFrame) -> dict:
    """The lowest and highest cluster mean D (0–1) in the last year of ``cluster_frame``
    (:func:`cluster_d`): ``d_year``, ``d_low``/``d_high`` (values), ``d_low_id``/``d_high_id``
    (cluster ids), ``d_low_cluster``/``d_high_cluster`` (short names) and ``d_range_text``, the
    sentence after "In <year>" (the one cluster's mean D when there is one).

    >>> frame = pd.DataFrame({"cluster_id": ["chengyu"], "year": [2019], "D": [0.58]})
    >>> d_range(frame)["d_range_text"]
    'the mean D of Chengdu–Chongqing, the one cluster chosen, was 0.580.'
    """
    year = int(cluster_frame["year"].max())
    last = cluster_frame[cluster_frame["year"] == year].sort_values("D")
    low, high = last.iloc[0], last.iloc[-1]
    low_name, high_name = config.CLUSTERS[low["cluster_id"]][1], config.CLUSTERS[high["cluster_id"]][1]
    text = (f"the mean D of {low_name}, the one cluster chosen, was {low['D']:.3f}." if len(last) == 1 else
            f"the chosen clusters' mean D ran from {low['D']:.3f} ({low_name}) to {high['D']:.3f} ({high_name}).")
    return {"d_year": year, "d_low": float(low["D"]), "d_high": float(high["D"]), "d_range_text": text,
            "d_low_id": low["cluster_id"], "d_high_id": high["cluster_id"],
            "d_low_cluster": config.CLUSTERS[low["cluster_id"]][1],
            "d_high_cluster": config.CLUSTERS[high["cluster_id"]][1]}


def regressor_table() -> pd.DataFrame:
    """:data:`REGRESSORS` for display, with the column "in D?" (:func:`in_d`)."""
    reg = REGRESSORS.copy()
    reg["in D?"] = reg["regressor"].map(in_d()).fillna("no")
    return (reg[["regressor", "factor", "definition", "unit", "source", "in D?"]]
            .rename(columns={"regressor": "Regressor", "factor": "Factor named in the papers",
                             "definition": "Definition", "unit": "Unit", "source": "Source"}))


def coverage_display(raw: pd.DataFrame, lag: int) -> pd.DataFrame:
    """Share (0–1) of city-years with a value of the outcomes and of each regressor lagged
    ``lag``, per cluster (short name) and for ``all`` (:func:`coverage_table`); columns
    ``cluster, city-years`` and the bare names."""
    cov_cols = ["D", "U_clean", "growth", *(f"L{lag}_{t}" for t in ("hsr", "segmentation", "gap", "fdi_gdp",
                                                                    "loans_gdp", "fiscal_gdp"))]
    cov = coverage_table(raw, cov_cols)
    cov["cluster_id"] = cov["cluster_id"].map(lambda c: config.CLUSTERS[c][1] if c in config.CLUSTERS else "all")
    return cov.rename(columns={"cluster_id": "cluster", "city_years": "city-years",
                               **{c: c.replace(f"L{lag}_", "") for c in cov_cols}})


def data_values(raw: pd.DataFrame, lag: int, fdi_unmatched: Sequence[str]) -> dict:
    """Numbers of the data notes: ``seg_window`` (years), FDI names that match no city
    (count and the first six), city-years with a population break in growth and the break
    threshold (log points), coverage (0–1) of the lagged fiscal variable, of D and of
    U_clean, and the cities without D in some year."""
    from cityclusters.indicators.growth import POP_BREAK

    unmatched = list(fdi_unmatched)
    return {
        "seg_window": SEGMENTATION_WINDOW,
        "fdi_unmatched_n": len(unmatched),
        "fdi_unmatched_some": ", ".join(unmatched[:6]) or "none",
        "n_growth_flagged": int(raw["growth_flagged"].sum()),
        "pop_break_pts": 100 * POP_BREAK,
        "fiscal_cov": float(raw[f"L{lag}_fiscal_gdp"].notna().mean()),
        "d_cov": float(raw["D"].notna().mean()),
        "u_cov": float(raw["U_clean"].notna().mean()),
        "d_dropped_cities": ", ".join(sorted(set(raw.loc[raw["D"].isna(), "name_zh"]))) or "none",
    }


def estimate(model: RegressionResult | None, term: str) -> tuple[float, float, float] | None:
    """(estimate, ci_low, ci_high) of ``term`` in ``model``; None if the model is None or lacks it."""
    if model is None or term not in set(model.coefficients["term"]):
        return None
    row = model.coefficient(term)
    return float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])


def result_values(main: dict[str, RegressionResult | None], sds: pd.Series, raw: pd.DataFrame,
                  outcome: str, lag: int) -> dict:
    """The numbers of the results section.

    ``b_<term>`` ("est [low, high]", :func:`describe`) and ``b_<term>_reading``
    (:func:`reading`) for hsr, segmentation and gap (baseline), fdi_gdp and loans_gdp
    (+ controls) and fiscal_gdp (+ fiscal), "not estimable" where a model or term is missing;
    ``b_seg_text``; ``b_gap_pop``, ``b_seg_pop`` and ``b_pop`` (ln population) of the + population
    model; sample size, dropped rows, clusters and within R² of the baseline; cities of
    the fiscal model; raw standard deviations of the lagged segmentation (% per year), gap (log
    points) and FDI (% of GDP); mean and sd of the outcome. Raises ValueError if the baseline
    cannot be estimated.
    """
    base = main["Baseline"]
    if base is None:
        raise ValueError("the baseline model cannot be estimated for these parameters (too few cities "
                         "or no within-city variation); choose more clusters or years")
    values: dict = {}
    sources = {"hsr": base, "segmentation": base, "gap": base, "fdi_gdp": main["+ controls"],
               "loans_gdp": main["+ controls"], "fiscal_gdp": main["+ fiscal"]}
    for term, model in sources.items():
        est = estimate(model, f"L{lag}_{term}")
        values[f"b_{term}"] = describe(*est) if est else "not estimable"
        values[f"b_{term}_reading"] = reading(*est[1:]) if est else "not estimable"
    seg = estimate(base, f"L{lag}_segmentation")
    values["b_seg_text"] = f"{describe(*seg)} — {reading(*seg[1:])}" if seg else "not estimable"
    for name, term in (("b_gap_pop", f"L{lag}_gap"), ("b_seg_pop", f"L{lag}_segmentation"), ("b_pop", POPULATION)):
        est = estimate(main["+ population"], term)
        values[name] = describe(*est) if est else "not estimable"
    fis = main["+ fiscal"]
    values.update({
        "n_obs_base": base.statistics["n_obs"],
        "n_units_base": base.statistics["n_units"],
        "n_dropped_base": base.statistics["n_dropped"],
        "r2w_base": float(base.statistics["r2_within"]),
        "n_units_fiscal": fis.statistics["n_units"] if fis is not None else 0,
        "sd_seg": float(sds.get(f"L{lag}_segmentation", np.nan)),
        "sd_gap": float(sds.get(f"L{lag}_gap", np.nan)),
        "sd_fdi": float(sds.get(f"L{lag}_fdi_gdp", np.nan)),
        "mean_y": float(raw[OUTCOMES[outcome]].mean()),
        "sd_y": float(raw[OUTCOMES[outcome]].std()),
    })
    return values


def model_sets(panel: pd.DataFrame, lag: int) -> dict[str, dict[str, RegressionResult | None]]:
    """:func:`model_set` for every outcome of :data:`OUTCOMES`."""
    return {outcome: model_set(panel, outcome, lag) for outcome in OUTCOMES}


def comparison_models(sets: dict[str, dict[str, RegressionResult | None]]) -> list[RegressionResult]:
    """The "+ controls" model of each outcome, renamed by :data:`OUTCOME_SHORT` (one column
    per outcome of the comparison table); outcomes whose model cannot be estimated are left out."""
    out = []
    for outcome, models in sets.items():
        model = models["+ controls"]
        if model is not None:
            out.append(RegressionResult(OUTCOME_SHORT[outcome], model.coefficients, model.statistics,
                                        model.level, model.covariance))
    return out


def comparison_values(sets: dict[str, dict[str, RegressionResult | None]], lag: int) -> dict:
    """``cmp_<term>_<outcome>`` = "est [low, high]" of the "+ controls" model for every term of
    the baseline and the controls and every outcome ("not estimable" where missing)."""
    values = {}
    for outcome, models in sets.items():
        for term in (*BASELINE, *CONTROLS):
            est = estimate(models["+ controls"], f"L{lag}_{term}")
            values[f"cmp_{term}_{outcome}"] = describe(*est) if est else "not estimable"
    return values


def robustness_values(coefs: pd.DataFrame, models: Sequence[str]) -> dict:
    """For hsr, segmentation and gap: in how many of the whole-panel ``models`` (main and
    robustness columns) the 95 % interval excludes zero (``rob_<term>_excl``) out of how many
    estimate it (``rob_<term>_n``), and the three counts in words (``rob_excl_text``,
    :func:`~cityclusters.analysis.wording.count_phrase`). ``coefs`` from :func:`coefficient_frame`."""
    values: dict = {}
    for t in BASELINE:
        part = coefs[(coefs["term"] == t) & coefs["model"].isin(list(models))]
        excl = part[(part["ci_low"] > 0) | (part["ci_high"] < 0)]
        values[f"rob_{t}_excl"] = len(excl)
        values[f"rob_{t}_n"] = len(part)
    phrase = {t: (count_phrase(values[f"rob_{t}_excl"], values[f"rob_{t}_n"], "column") if values[f"rob_{t}_n"]
                  else "no column (not estimated)") for t in BASELINE}
    values["rob_excl_text"] = (f"the HSR interval excludes zero in {phrase['hsr']}, the segmentation interval in "
                               f"{phrase['segmentation']}, and the gap interval in {phrase['gap']}")
    return values


def model_labels(models: Sequence[str], clusters: Sequence[str]) -> dict[str, str]:
    """Row labels of the coefficient figure: whole-panel models by name, cluster models as
    "城市群 id"."""
    labels = {k: k for k in models}
    labels.update({c: f"{config.CLUSTERS[c][0]} {c}" for c in clusters})
    return labels


def few_city_models(by_cluster: dict[str, RegressionResult | None]) -> list[str]:
    """The cluster models whose errors rest on fewer than :data:`MIN_CITIES` cities."""
    return [c for c, m in by_cluster.items() if m is not None and m.statistics["n_clusters"] < MIN_CITIES]


def cluster_notes(by_cluster: dict[str, RegressionResult | None], labels: dict[str, str]) -> dict:
    """Clusters whose baseline rests on fewer than :data:`MIN_CITIES` cities
    (``few_clusters``) and clusters whose baseline cannot be estimated
    (``not_estimable_clusters``), by ``labels`` ("none" if there are none); the fewest and
    most cities of a cluster model (``cluster_min_cities``, ``cluster_max_cities``; as a range in
    words, ``cluster_cities_range``, one number when they are equal); and
    ``cluster_inference``, the inference of the cluster models in words (:func:`inference_words`)."""
    few = few_city_models(by_cluster)
    not_est = [c for c, m in by_cluster.items() if m is None]
    sizes = [m.statistics["n_clusters"] for m in by_cluster.values() if m is not None]
    return {"few_clusters": ", ".join(labels[c] for c in few) if few else "none",
            "not_estimable_clusters": ", ".join(labels[c] for c in not_est) if not_est else "none",
            "cluster_min_cities": min(sizes) if sizes else 0, "cluster_max_cities": max(sizes) if sizes else 0,
            "cluster_cities_range": value_range(min(sizes), max(sizes), "d", "cities") if sizes else "no cities",
            "cluster_inference": inference_words([m for m in by_cluster.values() if m is not None])}


def inference_words(models: Sequence[RegressionResult]) -> str:
    """How the intervals of ``models`` (results of :func:`fit`) were obtained, in one sentence:
    the wild cluster bootstrap below :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS`
    cities (weights, draws and seed, or full enumeration), t(G − 1) from CRV1 errors above.

    >>> m = RegressionResult("a", pd.DataFrame(), {"n_clusters": 4, "inference":
    ...     "wild cluster bootstrap (WCR, Webb weights, all 1,296 weight vectors of 4 clusters)"})
    >>> print(inference_words([m]))  # doctest: +NORMALIZE_WHITESPACE
    With fewer than 50 cities (here 4) t-intervals from clustered errors over-reject, so the
    intervals and p-values come from the wild cluster restricted bootstrap (Webb's six-point weights; all
    6^G weight vectors where there are at most 9,999 of them, else 9,999 draws with seed
    20240901), the interval being the set of values its test does not reject at 5 %.
    """
    wild = [m for m in models if str(m.statistics.get("inference", "")).startswith("wild")]
    plain = [m for m in models if m not in wild]
    parts = []
    if wild:
        sizes = sorted({int(m.statistics["n_clusters"]) for m in wild})
        shown = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]}"
        parts.append(
            f"With fewer than {FEW_CLUSTERS} cities (here {shown}) t-intervals from clustered errors over-reject, so "
            f"the intervals and p-values come from the wild cluster restricted bootstrap (Webb's six-point weights; all "
            f"6^G weight vectors where there are at most {WILD_DRAWS:,} of them, else {WILD_DRAWS:,} draws with seed "
            f"{WILD_SEED}), the interval being the set of values its test does not reject at 5 %.")
    if plain:
        sizes = sorted({int(m.statistics["n_clusters"]) for m in plain})
        parts.append(f"With {sizes[0]}{'' if len(sizes) == 1 else f' to {sizes[-1]}'} cities"
                     f"{f' ({FEW_CLUSTERS} or more)' if sizes[0] >= FEW_CLUSTERS else ''} the intervals are t(G − 1) "
                     "intervals from errors clustered by city.")
    return " ".join(parts)


def cluster_table(by_cluster: dict[str, RegressionResult | None], labels: dict[str, str], lag: int) -> pd.DataFrame:
    """The baseline within each cluster: cluster (label), cities, and for each term of
    :data:`BASELINE` the estimate with its 95 % interval and p-value (wild cluster bootstrap below
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities) and its reading under the
    claim's sign (:func:`verdict_for`; the category only, "not read" with fewer than
    :data:`MIN_CITIES` cities)."""
    rows = []
    for cluster, model in by_cluster.items():
        row = {"cluster": labels[cluster], "cities": model.statistics["n_clusters"] if model is not None else 0}
        for term in BASELINE:
            est = Estimate.of(model, f"L{lag}_{term}", term)
            if est is None:
                row[TERM_LABELS[term]] = "not estimable"
                continue
            p = float(model.coefficient(f"L{lag}_{term}")["p_value"])
            key = {"hsr": "transport"}.get(term, term)
            reading_words = verdict_category(verdict_for(est, EXPECTED_SIGN[key]))
            reading_words = "not read" if reading_words == "not testable with our data" else reading_words
            row[TERM_LABELS[term]] = f"{est.interval}, p = {p:.2f} ({reading_words})"
        rows.append(row)
    return pd.DataFrame(rows)


def clip_unbounded(coefs: pd.DataFrame, margin: float = 1.15) -> pd.DataFrame:
    """``coefs`` (:func:`coefficient_frame`) with each unbounded interval end (±∞, a bootstrap
    interval that no value within reach rejects) set to ``margin`` × the largest finite |value|
    of its term, so that the figure can draw it (to the panel's edge).

    >>> f = pd.DataFrame({"term": ["x", "x"], "estimate": [1.0, 0.5], "ci_low": [0.0, -float("inf")],
    ...                   "ci_high": [2.0, 1.0]})
    >>> clip_unbounded(f)["ci_low"].tolist()
    [0.0, -2.3]
    """
    out = coefs.copy()
    for term, part in out.groupby("term"):
        finite = part[["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float)
        finite = finite[np.isfinite(finite)]
        edge = margin * (np.abs(finite).max() if finite.size else 1.0)
        for column in ("ci_low", "ci_high"):
            values = out.loc[part.index, column].astype(float)
            out.loc[part.index, column] = values.clip(-edge, edge)
    return out


# ----------------------------------------------------------------------------- chapter 11: HSR values
def hsr_all(raw: pd.DataFrame, n_boot: int = N_BOOT, seed: int = SEED) -> tuple[dict, dict]:
    """:func:`hsr_estimators` on :func:`hsr_did_panel` for every outcome: (results by outcome,
    design counts by outcome)."""
    results, designs = {}, {}
    for outcome, column in OUTCOMES.items():
        data, designs[outcome] = hsr_did_panel(raw, column)
        results[outcome] = hsr_estimators(data, n_boot, seed)
    return results, designs


def hsr_estimate(result: RegressionResult | None, estimator: str, outcome: str) -> Estimate | None:
    """The overall effect of an HSR estimator (term ``att``, or ``post`` of the TWFE DID) as an
    :class:`Estimate` labelled "<estimator> on <outcome>"; None if not estimable."""
    if result is None:
        return None
    term = "post" if estimator == "twfe" else "att"
    return Estimate.of(result, term, f"{ESTIMATORS[estimator][0]} on {OUTCOME_SHORT[outcome]}")


def hsr_table(results: dict[str, dict[str, RegressionResult | None]]) -> pd.DataFrame:
    """One row per HSR estimator (label, controls and inference), one column per outcome:
    the overall effect "est [low, high]" ("–" where not estimable)."""
    rows = []
    for key, (label, design) in ESTIMATORS.items():
        row = {"Estimator": label, "Controls and inference": design}
        for outcome, by_estimator in results.items():
            est = hsr_estimate(by_estimator.get(key), key, outcome)
            row[OUTCOME_SHORT[outcome]] = est.interval if est else "–"
        rows.append(row)
    return pd.DataFrame(rows)


def hsr_values(results: dict[str, dict[str, RegressionResult | None]], designs: dict[str, dict],
               n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """Numbers of the HSR section: the design on D (``did_*``: cities, always treated and
    incomplete dropped, treated, never treated, cohorts and their sizes), the bootstrap
    (draws, seed, draws usable for the Callaway–Sant'Anna fit on D), ``hsr_<estimator>_<outcome>``
    texts, and the pre-opening estimates of Callaway–Sant'Anna whose interval excludes zero
    (``pre_<outcome>`` "k of the n" in words, :func:`of_them`)."""
    design = designs["coordination"]
    values = {f"did_{k}": v for k, v in design.items() if k != "cohort_sizes"}
    values["did_cohorts"] = ", ".join(f"{g} ({n})" for g, n in design["cohort_sizes"].items()) or "none"
    cs_d = results["coordination"]["cs"]
    values.update({"n_boot": n_boot, "seed": seed,
                   "n_boot_valid": n_boot - cs_d.statistics["n_boot_failed"] if cs_d is not None else 0,
                   "did_n_growth": designs["growth"]["n_cities"], "did_n_clean": designs["clean"]["n_cities"]})
    for outcome, by_estimator in results.items():
        for key in ESTIMATORS:
            est = hsr_estimate(by_estimator.get(key), key, outcome)
            values[f"hsr_{key}_{outcome}"] = est.interval if est else "not estimable"
        excl, n = pretrend_count(by_estimator["cs"])
        values[f"pre_{outcome}"] = of_them(excl, n)
    return values


def of_them(k: int, n: int) -> str:
    """"k of the n" as the subject of "… exclude zero" after "Of them,", in words that read right
    for n = 0, 1 and 2 and for k = 0 or n (:func:`~cityclusters.analysis.wording.count_phrase`
    without a noun).

    >>> of_them(0, 4), of_them(2, 4), of_them(4, 4), of_them(0, 1), of_them(2, 2), of_them(0, 0)
    ('none of the 4', '2 of the 4', 'all 4', 'none', 'both', 'none (no estimate)')
    """
    if n == 0:
        return "none (no estimate)"
    phrase = count_phrase(k, n, "estimate")
    return {"the one estimate": "the one", "no estimate": "none", "neither estimate": "neither",
            "both estimates": "both"}.get(phrase, phrase.removesuffix(" estimates"))


# ----------------------------------------------------------------------------- chapter 11: verdicts
@dataclass(frozen=True)
class Estimate:
    """One estimate a verdict rests on: value, 95 % interval, standard error (outcome units),
    the number of clusters of its errors (cities) and a label."""

    label: str
    estimate: float
    low: float
    high: float
    std_error: float
    n_clusters: int
    inference: str = ""

    @classmethod
    def of(cls, result: RegressionResult | None, term: str, label: str) -> Estimate | None:
        """The row ``term`` of ``result`` (None if the result is None or lacks the term); its
        ``inference`` is the result's (``statistics['inference']``, e.g. the wild bootstrap)."""
        if result is None or term not in set(result.coefficients["term"]):
            return None
        row = result.coefficient(term)
        clusters = result.statistics.get("n_clusters") or result.statistics.get("n_units")
        return cls(label, float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]),
                   float(row["std_error"]), int(clusters), str(result.statistics.get("inference", "")))

    @property
    def interval(self) -> str:
        return describe(self.estimate, self.low, self.high)

    @property
    def bootstrapped(self) -> bool:
        return self.inference.startswith("wild")

    @property
    def text(self) -> str:
        return f"{self.label}: {self.interval} ({self.n_clusters} cities{', wild bootstrap' if self.bootstrapped else ''})"

    @property
    def interval_se(self) -> float:
        """The standard error behind the minimum detectable effect: the reported one, or for a
        bootstrap interval its half-width / 1.96 (∞ for an unbounded interval)."""
        if not self.bootstrapped:
            return self.std_error
        return (self.high - self.low) / (2 * 1.959963984540054)


def verdict_for(est: Estimate | None, expected_sign: int) -> str:
    """Verdict text on a claim "X goes with more (``expected_sign`` = +1) or less (−1) of the
    outcome" from the 95 % interval of ``est``.

    The papers give no size for their effects, so "the claimed effect" is any effect of the
    claimed sign. Not testable if not estimable or if the errors rest on fewer than
    :data:`MIN_CITIES` cities; otherwise the book's interval rule
    (:func:`cityclusters.analysis.verdicts.interval_verdict`: partly supported, not supported,
    or inconclusive with the minimum detectable effect) on the estimate's interval, the wild
    bootstrap's where it has fewer than
    :data:`~cityclusters.models.wild_bootstrap.FEW_CLUSTERS` cities (:attr:`Estimate.interval_se`
    gives the minimum detectable effect).

    >>> print(verdict_for(Estimate("x", 0.1, -0.5, 0.7, 0.3, 50), +1))  # doctest: +NORMALIZE_WHITESPACE
    inconclusive: the interval [-0.50, 0.70] holds both zero and effects of the
    claimed sign (minimum detectable effect 0.84)
    """
    if est is None:
        return "not testable with our data: not estimable for these parameters"
    if est.n_clusters < MIN_CITIES:
        return (f"not testable with our data: its errors rest on {est.n_clusters} cities, "
                f"fewer than {MIN_CITIES}")
    return interval_verdict(est.low, est.high, est.interval_se, expected_sign)


def with_multiverse(verdict: str, support: tuple[float, float, int] | None) -> str:
    """The verdict with the share of the multiverse in which the claim holds
    (:func:`cityclusters.analysis.verdicts.cap_by_multiverse`: "supported" becomes "partly
    supported" unless it holds everywhere); a "not supported" verdict also states in how many
    specifications the opposite sign holds. ``support`` from :func:`support_of`; None (a claim
    not resting on the index) leaves the verdict unchanged.

    A "not supported" verdict stands only where the multiverse excludes the claim too: the
    opposite sign must hold in at least 1 − :data:`~cityclusters.analysis.verdicts.MULTIVERSE_EXCLUDES_BELOW`
    of the specifications (the index-multiverse rule). Where it holds in fewer, the exclusion
    flips with the index's choices and the verdict is "inconclusive" (the ledger's rule: a result
    that flips under a defensible choice settles nothing).

    >>> print(with_multiverse("not supported: opposite sign", (0.0, 0.4, 400)))
    ... # doctest: +NORMALIZE_WHITESPACE
    inconclusive: in the main specification opposite sign, but the opposite sign holds in only
    40% of 400 specifications of the index, so the index's choices decide between no effect and
    an opposite one; the claim holds in 0% of 400 specifications
    >>> with_multiverse("not supported: opposite sign", (0.0, 0.97, 400)).split(":")[0]
    'not supported'
    """
    if support is None:
        return verdict
    share, opposite, n = support
    if verdict_category(verdict) == "not supported":
        if opposite >= 1 - MULTIVERSE_EXCLUDES_BELOW:
            verdict = f"{verdict}; the opposite sign holds in {opposite:.0%} of {n:,} specifications"
        else:
            reason = verdict.split(":", 1)[1].strip() if ":" in verdict else "the claim is excluded"
            verdict = (f"inconclusive: in the main specification {reason}, but the opposite sign holds in only "
                       f"{opposite:.0%} of {n:,} specifications of the index, so the index's choices decide "
                       "between no effect and an opposite one")
    return cap_by_multiverse(verdict, share, n)


def claim_estimates(hsr: dict[str, dict[str, RegressionResult | None]],
                    sets: dict[str, dict[str, RegressionResult | None]], lag: int) -> tuple[dict, dict, dict]:
    """What each verdict rests on: (main estimate by claim key, checks by claim key, notes).

    Transport: Callaway–Sant'Anna ATT of HSR on D×100 (D holds no rail indicator), checked by
    Sun–Abraham, by the TWFE DID and on U_clean. Segmentation and gap: the TWFE coefficient on
    U_clean (no indicator in common) with the city's population held fixed (the "+ population"
    model: population divides both GDP per head and the per-head indicators), checked by the
    baseline on U_clean and on D (overlap noted).
    Infrastructure and growth: Callaway–Sant'Anna on growth, checked by Sun–Abraham and TWFE.
    Fiscal system: not testable; evidence the revenue/GDP proxy of the + fiscal model on U_clean."""
    def twfe(outcome, model, term):
        return Estimate.of(sets[outcome][model], f"L{lag}_{term}",
                           f"TWFE ({model}), {TERM_LABELS[term]} lagged {lag}, on {OUTCOME_SHORT[outcome]}")

    main = {"transport": hsr_estimate(hsr["coordination"]["cs"], "cs", "coordination"),
            "segmentation": twfe("clean", "+ population", "segmentation"),
            "gap": twfe("clean", "+ population", "gap"),
            "infra_growth": hsr_estimate(hsr["growth"]["cs"], "cs", "growth"),
            "fiscal": None}
    checks = {"transport": [hsr_estimate(hsr["coordination"]["sa"], "sa", "coordination"),
                            hsr_estimate(hsr["coordination"]["twfe"], "twfe", "coordination"),
                            hsr_estimate(hsr["clean"]["cs"], "cs", "clean")],
              "segmentation": [twfe("clean", "Baseline", "segmentation"),
                               twfe("coordination", "Baseline", "segmentation")],
              "gap": [twfe("clean", "Baseline", "gap"), twfe("coordination", "Baseline", "gap")],
              "infra_growth": [hsr_estimate(hsr["growth"]["sa"], "sa", "growth"),
                               hsr_estimate(hsr["growth"]["twfe"], "twfe", "growth")],
              "fiscal": [twfe("clean", "+ fiscal", "fiscal_gdp")]}
    notes = {"segmentation": ("on D partly mechanical (the GDP deflator is inside real GDP, "
                              "an input of two indicators of D)"),
             "gap": ("without the population control partly mechanical (population divides GDP per head "
                     "and the per-head indicators); on D also through real GDP per head, an indicator of D"),
             "fiscal": "national institution, absorbed by the year effects; revenue/GDP proxy only"}
    return main, checks, notes


def claim_verdicts(main: dict[str, Estimate | None], checks: dict[str, list[Estimate | None]],
                   support: dict[str, tuple[float, float, int] | None], notes: dict[str, str],
                   period: str) -> tuple[list[tuple[Verdict, str]], dict]:
    """The five verdicts of chapter 11 (:data:`CLAIMS`), each with the claim in our words, and
    ``verdict_<key>`` texts for the prose.

    Each testable claim is graded on its ``main`` estimate (:func:`verdict_for` with
    :data:`EXPECTED_SIGN`), then :func:`with_multiverse` with ``support[key]`` (None for a
    claim that does not rest on the index). The fiscal system is national, so always not
    testable. Evidence: the main estimate, the checks, ``period`` and the note."""
    verdicts, values = [], {}
    for claim_id, key, _, claim in CLAIMS:
        if key == "fiscal":
            verdict = "not testable with our data: the fiscal system does not vary across cities"
        else:
            verdict = with_multiverse(verdict_for(main.get(key), EXPECTED_SIGN[key]), support.get(key))
        shown = [e.text for e in [main.get(key), *checks.get(key, [])] if e is not None]
        evidence = "; ".join(shown) if shown else "model not estimable"
        evidence += f" ({period})"
        if notes.get(key):
            evidence += f"; {notes[key]}"
        rule = "not_testable" if verdict_category(verdict) == "not testable with our data" else "effect_interval"
        verdicts.append((Verdict(claim_id, verdict, evidence, rule=rule,
                                 would_change=what_would_change(key, main.get(key), support.get(key))), claim))
        values[f"verdict_{key}"] = verdict
    return verdicts, values


def what_would_change(key: str, est: Estimate | None, support: tuple[float, float, int] | None) -> str:
    """What would change the verdict on claim ``key`` (:data:`CLAIMS`), in concrete terms: for the
    fiscal system, city-level data on it; for a claim that cannot be estimated or rests on too
    few cities, the data that would; for an estimate wholly on the other side, an interval that
    reaches zero or the claimed side (and the shares of the index's specifications with either
    sign); otherwise an interval wholly on the claimed side of zero, i.e. an effect of at least
    the minimum detectable effect of the estimate (2.8 SE), and the share of the index's
    specifications in which that already happens.

    >>> what_would_change("gap", Estimate("x", 1.7, -0.5, 3.8, 1.1, 87), (0.05, 0.0, 400))
    'an interval of the gap coefficient wholly above zero: with these data, a true effect of at least 3.08 (the minimum detectable effect, 2.8 SE); it is above zero in 5% of 400 specifications of the index'
    """
    if key == "fiscal":
        return ("a city-level measure of the fiscal system (e.g. prefecture revenue-sharing rules) that varies "
                "across cities; budget revenue / GDP measures capacity only")
    if est is None:
        return "a model that can be estimated for these parameters (more cities, years or treated cities)"
    if est.n_clusters < MIN_CITIES:
        return f"at least {MIN_CITIES} cities behind the errors (now {est.n_clusters})"
    side = "above" if EXPECTED_SIGN[key] > 0 else "below"
    words = {"transport": "the HSR effect on D", "segmentation": "the segmentation coefficient",
             "gap": "the gap coefficient", "infra_growth": "the HSR effect on growth"}[key]
    opposite = (est.high < 0) if EXPECTED_SIGN[key] > 0 else (est.low > 0)
    if opposite:
        text = (f"an interval of {words} that reaches zero (inconclusive) or lies wholly {side} it (partly "
                "supported), e.g. under another estimator or specification of the index")
        if support is not None:
            text += (f"; the claimed sign holds in {support[0]:.0%} and the opposite sign in {support[1]:.0%} of "
                     f"{support[2]:,} specifications")
        return text
    text = (f"an interval of {words} wholly {side} zero: with these data, a true effect of at least "
            f"{2.8 * est.interval_se:.2f} (the minimum detectable effect, 2.8 SE)")
    if support is not None:
        text += f"; it is {side} zero in {support[0]:.0%} of {support[2]:,} specifications of the index"
    return text


def multiverse_checks(raw: pd.DataFrame, panel: pd.DataFrame, sets: dict, lag: int, mv: dict) -> dict:
    """Share of the sampled multiverse (``mv`` from :func:`outcome_multiverse`) in which each
    claim resting on the index holds: transport by :func:`hsr_multiverse` on D, segmentation
    and gap by :func:`coefficient_multiverse` of the "+ population" model on U_clean (the
    regressors the main fit kept). Infrastructure and growth does not rest on the index and has
    no entry."""
    base = sets["clean"]["+ population"]
    out = {"transport": hsr_multiverse(raw, mv["D"], EXPECTED_SIGN["transport"]), "segmentation": None, "gap": None}
    if base is None:
        return out
    kept = [t for t in [*lagged(BASELINE, lag), POPULATION] if t not in base.statistics.get("left_out", [])]
    signs = {f"L{lag}_{key}": EXPECTED_SIGN[key] for key in ("segmentation", "gap") if f"L{lag}_{key}" in kept}
    for term, support in coefficient_multiverse(panel, mv["U_clean"], kept, signs).items():
        out[term.split("_", 1)[1]] = support
    return out


def multiverse_values(support: dict, mv: dict) -> dict:
    """``mv_<key>`` (share of specifications in which the claim holds) and
    ``mv_<key>_opposite`` (in which the opposite sign holds), as "x%" ("none (not estimable)"
    where no specification can evaluate the claim); the number of specifications drawn (``mv_n``) and their seed."""
    values = {"mv_n": len(mv["specs"]), "mv_seed": MULTIVERSE_SEED}
    for key, s in support.items():
        values[f"mv_{key}"] = f"{s[0]:.0%}" if s is not None else "none (not estimable)"
        values[f"mv_{key}_opposite"] = f"{s[1]:.0%}" if s is not None else "none"
    return values


def exercise_values(sets: dict, hsr: dict, robust: dict[str, RegressionResult | None], coefs: pd.DataFrame,
                    clusters: Sequence[str], lag: int, labels: dict[str, str]) -> dict:
    """Numbers of the exercises' solutions: the TWFE HSR coefficient of the baseline and the
    Callaway–Sant'Anna ATT on D and on growth (``ex_twfe_<outcome>``, ``ex_cs_<outcome>``);
    segmentation and N at the other lag (``robust`` of the chosen outcome); the widest
    per-cluster HSR interval (its width in outcome units, ``ex_widest_text`` in words, ∞ for an
    unbounded bootstrap interval, and its cluster by ``labels``; ``ex_widest_intro`` the words
    before it, which do not say "widest" of one cluster) against the pooled one."""
    olag = other_lag(lag)
    mo = robust.get(f"Lag {olag}")
    seg_o = estimate(mo, f"L{olag}_segmentation")
    values = {"ex_seg_other": describe(*seg_o) if seg_o else "not estimable",
              "ex_n_other": mo.statistics["n_obs"] if mo is not None else 0}
    for outcome in ("coordination", "growth"):
        twfe = estimate(sets[outcome]["Baseline"], f"L{lag}_hsr")
        cs = hsr_estimate(hsr[outcome]["cs"], "cs", outcome)
        values[f"ex_twfe_{outcome}"] = describe(*twfe) if twfe else "not estimable"
        values[f"ex_cs_{outcome}"] = cs.interval if cs else "not estimable"
    hsr_rows = coefs[(coefs["term"] == "hsr") & coefs["model"].isin(list(clusters))]
    if len(hsr_rows):
        width = hsr_rows["ci_high"] - hsr_rows["ci_low"]
        values["ex_widest_width"] = float(width.max())
        values["ex_widest_cluster"] = labels[hsr_rows.loc[width.idxmax(), "model"]]
        values["ex_widest_text"] = ("is unbounded (no value is rejected)" if np.isinf(width.max()) else
                                    f"spans {width.max():.2f}")
        values["ex_widest_intro"] = ("the baseline HSR interval of the one cluster's estimate" if len(hsr_rows) == 1
                                     else "the widest baseline HSR interval among the per-cluster estimates")
    else:
        values["ex_widest_width"] = float("nan")
        values["ex_widest_cluster"] = "no cluster estimable"
        values["ex_widest_text"] = "does not exist"
        values["ex_widest_intro"] = "the widest baseline HSR interval among the per-cluster estimates"
    full = coefs[(coefs["term"] == "hsr") & (coefs["model"] == "Baseline")]
    values["ex_full_width"] = float((full["ci_high"] - full["ci_low"]).iloc[0]) if len(full) else float("nan")
    return values
