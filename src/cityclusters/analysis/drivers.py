"""What goes with coordination? The regression panel of chapter 11.

The seed papers name the forces that help or hinder coordination inside a city cluster —
transport and time-space distance, market segmentation, development gaps, openness, the
fiscal system and finance, institutions (Liu & Deng 2021, section 3.3; Chen & Wang 2016;
Liu & Chen 2021). This module turns the measurable ones into city-year regressors, joins
them to two outcomes and fits two-way fixed-effects panel regressions:

* outcome (a): the coordination degree D of chapter 2
  (:func:`cityclusters.analysis.coordination.score_pipeline`), ×100;
* outcome (b): growth of real GDP per head from the official real GDP index,
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
* ``loans_gdp`` — loans / GDP (ratio), the reader of :mod:`cityclusters.analysis.coordination`;
* ``fiscal_gdp`` — local budget revenue / GDP (%), maswiebe prefecture panel (to 2017, no
  municipalities).

All regressors enter lagged (``L1_x`` = value in t − 1, ``L2_x`` in t − 2). Continuous
regressors are standardised (z-scores over the estimation panel) so that coefficients read
"change in the outcome per standard deviation"; the HSR dummy stays 0/1.

Nothing here identifies a causal effect: the coefficients are associations conditional on
city and year effects (see chapter 11 for the reasons).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from cityclusters import config
from cityclusters.analysis import coordination as subsystems
from cityclusters.analysis.verdicts import Verdict
from cityclusters.data import tables
from cityclusters.data.sources import gp, prefecture_fiscal
from cityclusters.data.sources.reading import assign_city_codes
from cityclusters.errors import MethodInputError
from cityclusters.indicators import coupling as coupling_mod
from cityclusters.indicators import growth as growth_mod
from cityclusters.indicators import market
from cityclusters.indicators import weights as weights_mod
from cityclusters.models.panel import fixed_effects_regression
from cityclusters.models.results import RegressionResult

DEFAULT_CLUSTERS = ("chengyu", "qianzhong", "yrd26", "middle_yangtze", "jingjinji")
OUTCOMES = {"coordination": "D", "growth": "growth"}
#: Years of deflators in the trailing window of the segmentation measure (3 annual changes).
SEGMENTATION_WINDOW = 4
BASELINE = ("hsr", "segmentation", "gap")
CONTROLS = ("fdi_gdp", "loans_gdp")
FISCAL_TERMS = ("fiscal_gdp",)
CONTINUOUS = ("hsr_years", "segmentation", "gap", "fdi_gdp", "loans_gdp", "fiscal_gdp")

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
     "G-P loans file (reader of ch. 2)", "2003–2023"),
    ("fiscal_gdp", "fiscal system (财税体制)", "local general budget revenue / GDP", "%",
     "maswiebe prefecture panel (CEIC); no municipalities", "to 2017"),
], columns=["regressor", "factor", "definition", "unit", "source", "years"])

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


@lru_cache(maxsize=1)
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


@lru_cache(maxsize=1)
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


@lru_cache(maxsize=1)
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


def equal_weight_coordination(result: subsystems.ScoreResult, method: str = "modified",
                              system: pd.DataFrame | None = None) -> pd.Series:
    """D with equal indicator weights inside each subsystem instead of entropy weights.

    U_s = mean of the subsystem's normalised indicators (``result.normalised``), then C, T
    and D by :func:`cityclusters.indicators.coupling.coupling_coordination`. Indexed like
    ``result.coordination``."""
    rows = subsystems.measured(system)
    subsystem_of = dict(zip(rows["indicator_id"], rows["subsystem_id"]))
    equal = pd.Series(1.0, index=list(result.normalised.columns))
    scores = weights_mod.subsystem_scores(result.normalised, subsystem_of, weights=equal)
    out = coupling_mod.coupling_coordination(scores, method=method)
    return out["coordination_degree"].rename("D_equal")


# ----------------------------------------------------------------------------- assembly
def validate_driver_parameters(clusters: Sequence[str], first_year: int, last_year: int,
                               outcome: str, lag: int) -> None:
    """Refuse bad chapter parameters: years inside the indicator system's span (≥ 3 years),
    OUTCOME one of :data:`OUTCOMES`, LAG 1 or 2."""
    from cityclusters.checks import validate_parameters

    validate_parameters(clusters, first_year, last_year)
    subsystems.validate_years(first_year, last_year, min_years=3)
    if outcome not in OUTCOMES:
        raise ValueError(f"OUTCOME must be one of {list(OUTCOMES)}; got {outcome!r}")
    if isinstance(lag, bool) or lag not in (1, 2):
        raise ValueError(f"LAG must be 1 or 2 (years); got {lag!r}")


def primary_members(clusters: Sequence[str]) -> pd.DataFrame:
    """One row per city: its first cluster in the order of ``clusters`` (a city in two chosen
    clusters, e.g. yrd26 and yrd41, is assigned to the first), with ``core`` flag
    (:data:`cityclusters.config.CORE_CITIES`)."""
    members = subsystems.chosen_members(clusters).drop_duplicates("city_code", keep="first")
    cores = {c for cl in clusters for c in config.CORE_CITIES.get(cl, ())}
    members = members[["cluster_id", "city_code", "name_zh", "name_pinyin", "province_zh"]].copy()
    members["core"] = members["city_code"].isin(cores)
    return members.reset_index(drop=True)


def assemble_panel(clusters: Sequence[str], first_year: int, last_year: int,
                   lags: Sequence[int] = (1, 2), method: str = "modified") -> pd.DataFrame:
    """The regression panel: one row per member city and year in [first_year, last_year].

    Columns: ``cluster_id, city_code, name_zh, name_pinyin, core, year``; outcomes ``D``
    (×100, coupling ``method``), ``D_equal`` (equal weights), ``D_other`` (the other coupling
    method), ``growth`` (100·[ln(I/100) − Δ ln P], official real GDP index I and resident
    population P, :func:`cityclusters.indicators.growth.per_capita_growth`; ``growth_flagged`` marks the
    city-years whose population change exceeded the break threshold and was replaced by the
    city's median change); regressors of :data:`REGRESSORS` in
    raw units and lagged ``L{k}_x`` for k in ``lags``. Raw (not standardised) values; see
    :func:`standardise`.
    """
    members = primary_members(clusters)
    codes = members["city_code"].tolist()
    start = first_year - max(lags)
    years = list(range(start, last_year + 1))

    # outcome D
    values = subsystems.indicator_values(first_year, last_year, codes)
    result = subsystems.score_pipeline(values, method=method)
    other = "classic" if method == "modified" else "modified"
    coord = pd.DataFrame({"D": 100 * result.coordination["D"],
                          "D_equal": 100 * equal_weight_coordination(result, method),
                          "D_other": 100 * result.coordination[f"D_{other}"]}).reset_index()

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
    loans = subsystems.indicator_values(start, last_year, codes)[["city_code", "year", "loans_gdp"]]

    frame = panel[["cluster_id", "city_code", "year", "gdp", "growth", "growth_flagged", "gap"]]
    frame = frame[frame["year"] >= start]
    frame = frame.merge(seg[["city_code", "year", "segmentation"]], on=["city_code", "year"], how="left")
    frame = frame.merge(hsr, on=["city_code", "year"], how="left")
    frame = frame.merge(fdi, on=["city_code", "year"], how="left")
    frame["fdi_gdp"] = fdi_share(frame["fdi_musd"], frame["year"].map(rate), frame["gdp"])
    frame = frame.merge(fiscal, on=["city_code", "year"], how="left")
    frame = frame.merge(loans, on=["city_code", "year"], how="left")
    regressors = list(REGRESSORS["regressor"])
    frame = add_lags(frame, regressors, lags)
    frame = frame.merge(coord, on=["city_code", "year"], how="left")
    frame = frame[frame["year"].between(first_year, last_year)]
    frame = members.drop(columns="cluster_id").merge(frame, on="city_code")
    frame["hsr_first_year"] = frame["city_code"].map(hsr_first_years())
    first_cols = ["cluster_id", "city_code", "name_zh", "name_pinyin", "province_zh", "core", "year"]
    rest = [c for c in frame.columns if c not in first_cols]
    out = frame[first_cols + rest].sort_values(["cluster_id", "city_code", "year"]).reset_index(drop=True)
    out.attrs["dropped_D"] = result.dropped
    return out


def coverage_table(panel: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Share of city-years with a value, per cluster and column (plus ``all``)."""
    shares = panel.groupby("cluster_id", sort=False)[list(columns)].agg(lambda s: s.notna().mean())
    shares.loc["all"] = panel[list(columns)].notna().mean()
    shares.insert(0, "city_years", list(panel.groupby("cluster_id", sort=False).size()) + [len(panel)])
    return shares.reset_index()


# ----------------------------------------------------------------------------- models
def fit(panel: pd.DataFrame, dependent: str, regressors: Sequence[str], name: str) -> RegressionResult | None:
    """City and year fixed effects, SEs clustered by city
    (:func:`cityclusters.models.panel.fixed_effects_regression`), rows with a missing value
    dropped and counted (``statistics['n_dropped']``).

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
    return result


def lagged(names: Sequence[str], lag: int) -> list[str]:
    """``['L1_hsr', ...]`` for ``lag`` = 1."""
    return [f"L{lag}_{n}" for n in names]


def model_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """The main columns: baseline, + FDI and loans, + fiscal revenue, all at ``lag``."""
    y = OUTCOMES[outcome]
    return {
        "Baseline": fit(panel, y, lagged(BASELINE, lag), "Baseline"),
        "+ controls": fit(panel, y, lagged(BASELINE + CONTROLS, lag), "+ controls"),
        "+ fiscal": fit(panel, y, lagged(BASELINE + CONTROLS + FISCAL_TERMS, lag), "+ fiscal"),
    }


def robustness_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """Robustness of the baseline: other lag, HSR as years since opening, no cores, and (for
    coordination) D with equal weights and with the other coupling method."""
    y = OUTCOMES[outcome]
    base = lagged(BASELINE, lag)
    other_lag = 2 if lag == 1 else 1
    models = {
        f"Lag {other_lag}": fit(panel, y, lagged(BASELINE, other_lag), f"Lag {other_lag}"),
        "HSR years": fit(panel, y, lagged(("hsr_years", "segmentation", "gap"), lag), "HSR years"),
        "No cores": fit(panel[~panel["core"]], y, base, "No cores"),
    }
    if outcome == "coordination":
        models["Equal weights"] = fit(panel, "D_equal", base, "Equal weights")
        models["Other C"] = fit(panel, "D_other", base, "Other C")
    return models


def cluster_set(panel: pd.DataFrame, outcome: str, lag: int) -> dict[str, RegressionResult | None]:
    """The baseline per cluster subsample (None where it cannot be estimated)."""
    y = OUTCOMES[outcome]
    return {c: fit(part, y, lagged(BASELINE, lag), c)
            for c, part in panel.groupby("cluster_id", sort=False)}


def coefficient_frame(models: dict[str, RegressionResult | None], terms: Sequence[str]) -> pd.DataFrame:
    """Long table ``model, term, estimate, ci_low, ci_high, p_value, n_obs`` of ``terms``
    (lag prefix removed from the term), skipping models that are None or lack a term."""
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
                         "p_value": float(r["p_value"]), "n_obs": res.statistics["n_obs"]})
    return pd.DataFrame(rows, columns=["model", "term", "estimate", "ci_low", "ci_high", "p_value", "n_obs"])


def describe(estimate: float, low: float, high: float, digits: int = 2) -> str:
    """'0.12 [−0.05, 0.30]' — an estimate with its confidence interval."""
    return f"{estimate:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


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


# ----------------------------------------------------------------------------- chapter 11: values for the prose
#: Display names of the regressors (factor in Chinese in brackets).
TERM_LABELS = {"hsr": "HSR station (高铁)", "hsr_years": "years since HSR", "segmentation": "segmentation (市场分割)",
               "gap": "gap to richest city (差距)", "fdi_gdp": "FDI / GDP (开放)", "loans_gdp": "loans / GDP (金融)",
               "fiscal_gdp": "budget revenue / GDP (财政)"}
#: The outcome in words and the unit of its coefficients.
OUTCOME_WORDS = {"coordination": "the coordination degree D (×100)",
                 "growth": "growth of real GDP per head (% per year)"}
OUTCOME_UNITS = {"coordination": "points of D×100", "growth": "percentage points of growth"}
#: Fewer cities than this in a regression: its clustered intervals are unreliable.
MIN_CITIES = 10
#: Regressors that enter D itself (the "in D?" column of the regressor table).
IN_D = {"loans_gdp": "yes (market subsystem)", "gap": "partly (real GDP per head, industry subsystem)"}
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


def other_lag(lag: int) -> int:
    """The lag of the robustness column: 2 for lag 1, else 1."""
    return 2 if lag == 1 else 1


def other_outcome(outcome: str) -> str:
    """The outcome not chosen: growth for coordination and the reverse."""
    return "growth" if outcome == "coordination" else "coordination"


def lagged_term_labels() -> dict[str, str]:
    """Row labels of the regression tables: ``L{k}_x`` → "label of x, t−k" (k = 1, 2), plus the
    fixed-effect rows."""
    labels = {f"L{k}_{t}": f"{v}, t−{k}" for k in (1, 2) for t, v in TERM_LABELS.items()}
    labels.update({"city_code": "City", "year": "Year"})
    return labels


def panel_values(raw: pd.DataFrame, clusters: Sequence[str], first_year: int, last_year: int,
                 outcome: str, lag: int) -> dict:
    """The chapter's parameters and panel size for the prose: years, lags, outcome in words and
    unit, ``n_clusters``, ``n_cities`` and ``n_city_years`` of the (unstandardised) panel."""
    return {"first_year": first_year, "last_year": last_year, "lag": lag, "other_lag": other_lag(lag),
            "outcome_words": OUTCOME_WORDS[outcome], "outcome_unit": OUTCOME_UNITS[outcome],
            "n_clusters": len(clusters), "n_cities": int(raw["city_code"].nunique()),
            "n_city_years": len(raw)}


def regressor_table() -> pd.DataFrame:
    """:data:`REGRESSORS` for display, with the column "in D?" (does the regressor enter D)."""
    reg = REGRESSORS.copy()
    reg["in D?"] = reg["regressor"].map(IN_D).fillna("no")
    return (reg[["regressor", "factor", "definition", "unit", "source", "in D?"]]
            .rename(columns={"regressor": "Regressor", "factor": "Factor named in the papers",
                             "definition": "Definition", "unit": "Unit", "source": "Source"}))


def coverage_display(raw: pd.DataFrame, lag: int) -> pd.DataFrame:
    """Share (0–1) of city-years with a value of the outcomes and of each regressor lagged
    ``lag``, per cluster (short name) and for ``all`` (:func:`coverage_table`); columns
    ``cluster, city-years`` and the bare regressor names."""
    cov_cols = ["D", "growth", *(f"L{lag}_{t}" for t in ("hsr", "segmentation", "gap", "fdi_gdp",
                                                         "loans_gdp", "fiscal_gdp"))]
    cov = coverage_table(raw, cov_cols)
    cov["cluster_id"] = cov["cluster_id"].map(lambda c: config.CLUSTERS[c][1] if c in config.CLUSTERS else "all")
    return cov.rename(columns={"cluster_id": "cluster", "city_years": "city-years",
                               **{c: c.replace(f"L{lag}_", "") for c in cov_cols}})


def data_values(raw: pd.DataFrame, lag: int, fdi_unmatched: Sequence[str]) -> dict:
    """Numbers of the data notes: ``seg_window`` (years), FDI names that match no city
    (count and the first six), city-years with a population break in growth and the break
    threshold (log points), coverage (0–1) of the lagged fiscal variable and of D, and the
    cities without D."""
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
    ``b_seg_text``; sample size, dropped rows and within R² of the baseline; cities of the
    fiscal model; raw standard deviations of the lagged segmentation (% per year), gap (log
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


def robustness_values(coefs: pd.DataFrame, models: Sequence[str], outcome: str) -> dict:
    """For hsr, segmentation and gap: in how many of the whole-panel ``models`` (main and
    robustness columns) the 95 % interval excludes zero (``rob_<term>_excl``) out of how many
    estimate it (``rob_<term>_n``); ``rob_extra`` names the two D variants (coordination only).
    ``coefs`` from :func:`coefficient_frame`."""
    values: dict = {}
    for t in BASELINE:
        part = coefs[(coefs["term"] == t) & coefs["model"].isin(list(models))]
        excl = part[(part["ci_low"] > 0) | (part["ci_high"] < 0)]
        values[f"rob_{t}_excl"] = len(excl)
        values[f"rob_{t}_n"] = len(part)
    values["rob_extra"] = ("; the last two use D with equal indicator weights inside each subsystem instead of "
                           "entropy weights, and D with the other coupling formula (classic instead of modified C)"
                           if outcome == "coordination" else "")
    return values


def model_labels(models: Sequence[str], clusters: Sequence[str]) -> dict[str, str]:
    """Row labels of the coefficient figure: whole-panel models by name, cluster models as
    "城市群 id"."""
    labels = {k: k for k in models}
    labels.update({c: f"{config.CLUSTERS[c][0]} {c}" for c in clusters})
    return labels


def cluster_notes(by_cluster: dict[str, RegressionResult | None], labels: dict[str, str]) -> dict:
    """Clusters whose baseline rests on fewer than :data:`MIN_CITIES` cities
    (``few_clusters``) and clusters whose baseline cannot be estimated
    (``not_estimable_clusters``), by ``labels`` ("none" if there are none)."""
    few = [c for c, m in by_cluster.items() if m is not None and m.statistics["n_clusters"] < MIN_CITIES]
    not_est = [c for c, m in by_cluster.items() if m is None]
    return {"few_clusters": ", ".join(labels[c] for c in few) if few else "none",
            "not_estimable_clusters": ", ".join(labels[c] for c in not_est) if not_est else "none"}


def event_values(raw: pd.DataFrame, profile: pd.DataFrame) -> dict:
    """Numbers of the HSR timing section: cities whose first station opened after the panel's
    first year (``n_event_cities``); mean demeaned outcome before and from the opening
    (``event_pre``, ``event_post`` and the sentence ``event_text``), event times whose band
    excludes zero (``event_excl``) of ``event_n``. ``profile`` from :func:`hsr_event_profile`;
    if it is empty, the sentence says so."""
    treated = raw["hsr_first_year"].between(raw["year"].min() + 1, raw["year"].max())
    values: dict = {"n_event_cities": int(raw.loc[treated, "city_code"].nunique())}
    if len(profile):
        pre = profile[profile["event_time"] < 0]["mean"].mean()
        post = profile[profile["event_time"] >= 0]["mean"].mean()
        values.update({
            "event_pre": float(pre), "event_post": float(post),
            "event_text": f"averages {pre:.2f} in the years before and {post:.2f} from the opening on",
            "event_excl": int(((profile["ci_low"] > 0) | (profile["ci_high"] < 0)).sum()),
            "event_n": len(profile),
        })
    else:
        values.update({"event_text": "cannot be shown: too few cities open a station inside these years",
                       "event_excl": 0, "event_n": 0})
    return values


def verdict_for(est: tuple[float, float, float] | None, expected_sign: int,
                model: RegressionResult | None = None) -> str:
    """Verdict text on a causal claim "X goes with more (``expected_sign`` = +1) or less (−1)
    of the outcome" from a 95 % interval ``est`` = (estimate, low, high).

    Not testable if not estimable or the model has fewer than :data:`MIN_CITIES` cities;
    partly supported if the interval excludes zero with the expected sign (an association is
    not a causal test); not supported if it excludes zero with the other sign or includes zero.
    """
    if est is None:
        return "not testable with our data: not estimable for these parameters"
    if model is not None and model.statistics["n_clusters"] < MIN_CITIES:
        return f"not testable with our data: fewer than {MIN_CITIES} cities in this run"
    _, low, high = est
    if (expected_sign > 0 and low > 0) or (expected_sign < 0 and high < 0):
        return "partly supported: the association has the expected sign (not a causal test)"
    if (expected_sign > 0 and high < 0) or (expected_sign < 0 and low > 0):
        return "not supported: the association has the opposite sign"
    return "not supported: no association detected (the interval includes zero)"


def claim_evidence(est: tuple[float, float, float] | None, term: str, model_label: str, outcome_label: str,
                   lag: int, first_year: int, last_year: int, n_clusters: int) -> str:
    """Evidence sentence: "<model>, <outcome>, <term label> lagged k: est [low, high]
    (years, n clusters)", or "model not estimable"."""
    if est is None:
        return "model not estimable"
    return (f"{model_label}, {outcome_label}, {TERM_LABELS[term]} lagged {lag}: "
            f"{describe(*est)} ({first_year}–{last_year}, {n_clusters} clusters)")


def claim_verdicts(coord_models: dict[str, RegressionResult | None],
                   growth_models: dict[str, RegressionResult | None], lag: int, first_year: int,
                   last_year: int, n_clusters: int) -> tuple[list[tuple[Verdict, str]], dict]:
    """The five verdicts of chapter 11 (:data:`CLAIMS`), each with the claim in our words, and
    ``verdict_<key>`` texts for the prose.

    Transport (+), segmentation (−) and gap (+) from the baseline on D×100; infrastructure
    and growth (+) from the baseline on growth (:func:`verdict_for`). The fiscal system is
    national, so always not testable; its evidence reports the revenue/GDP proxy of the
    + fiscal model on D×100.
    """
    cb, gb = coord_models["Baseline"], growth_models["Baseline"]

    def ev(model, term, label, outcome_label):
        return claim_evidence(estimate(model, f"L{lag}_{term}"), term, label, outcome_label,
                              lag, first_year, last_year, n_clusters)

    texts = [
        (ev(cb, "hsr", "baseline", "D×100"), verdict_for(estimate(cb, f"L{lag}_hsr"), +1, cb)),
        (ev(cb, "segmentation", "baseline", "D×100"), verdict_for(estimate(cb, f"L{lag}_segmentation"), -1, cb)),
        (ev(cb, "gap", "baseline", "D×100") + "; partly mechanical (GDP per head is in D)",
         verdict_for(estimate(cb, f"L{lag}_gap"), +1, cb)),
        (ev(gb, "hsr", "baseline", "growth"), verdict_for(estimate(gb, f"L{lag}_hsr"), +1, gb)),
        ("national institution, absorbed by year effects; revenue/GDP proxy: "
         + ev(coord_models["+ fiscal"], "fiscal_gdp", "+ fiscal", "D×100"),
         "not testable with our data: the fiscal system does not vary across cities"),
    ]
    verdicts = [(Verdict(cid, verdict, evidence), claim)
                for (cid, _, _, claim), (evidence, verdict) in zip(CLAIMS, texts)]
    values = {f"verdict_{key}": verdict for (_, key, _, _), (_, verdict) in zip(CLAIMS, texts)}
    return verdicts, values


def exercise_values(coord_models: dict[str, RegressionResult | None],
                    growth_models: dict[str, RegressionResult | None],
                    robust: dict[str, RegressionResult | None], coefs: pd.DataFrame,
                    clusters: Sequence[str], raw: pd.DataFrame, lag: int, labels: dict[str, str]) -> dict:
    """Numbers of the exercises' solutions: baseline HSR on D and on growth; segmentation and N
    at the other lag; the widest per-cluster HSR interval (its width in outcome units and its
    cluster by ``labels``) against the pooled one; fewest and most cities per cluster; the
    indicator system's year span (:func:`cityclusters.analysis.coordination.year_span`)."""
    olag = other_lag(lag)
    mo = robust.get(f"Lag {olag}")
    hsr_c = estimate(coord_models["Baseline"], f"L{lag}_hsr")
    hsr_g = estimate(growth_models["Baseline"], f"L{lag}_hsr")
    seg_o = estimate(mo, f"L{olag}_segmentation")
    values = {
        "ex_hsr_coord": describe(*hsr_c) if hsr_c else "not estimable",
        "ex_hsr_growth": describe(*hsr_g) if hsr_g else "not estimable",
        "ex_seg_other": describe(*seg_o) if seg_o else "not estimable",
        "ex_n_other": mo.statistics["n_obs"] if mo is not None else 0,
    }
    hsr_rows = coefs[(coefs["term"] == "hsr") & coefs["model"].isin(list(clusters))]
    if len(hsr_rows):
        width = hsr_rows["ci_high"] - hsr_rows["ci_low"]
        values["ex_widest_width"] = float(width.max())
        values["ex_widest_cluster"] = labels[hsr_rows.loc[width.idxmax(), "model"]]
    else:
        values["ex_widest_width"] = float("nan")
        values["ex_widest_cluster"] = "no cluster estimable"
    full = coefs[(coefs["term"] == "hsr") & (coefs["model"] == "Baseline")]
    ncity = raw.groupby("cluster_id")["city_code"].nunique()
    span = subsystems.year_span()
    values.update({
        "ex_min_cities": int(ncity.min()), "ex_max_cities": int(ncity.max()),
        "span_first": span[0], "span_last": span[1],
        "ex_full_width": float((full["ci_high"] - full["ci_low"]).iloc[0]) if len(full) else float("nan"),
    })
    return values
