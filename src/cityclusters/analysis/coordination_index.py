"""The book's one coordination index: every prefecture-level city-year scored once, and the
multiverse of defensible alternatives around it.

The yardstick
    The city-level indicator system (:func:`cityclusters.data.city_indicators.city_indicator_system`)
    restricted to the indicators defined in every year of the index period (default
    :data:`FIRST_YEAR`–:data:`LAST_YEAR`: the longest span in which every measured subsystem
    keeps at least two indicators without a definitional break), scored **once over the whole
    panel** of prefecture-level cities, so that a city-year has one D in the whole book,
    whichever clusters a chapter shows. The main specification (:data:`MAIN`) clips each
    indicator to its 1st and 99th panel percentiles before min–max scaling (one city-year at
    an extreme no longer sets the scale of everyone else), uses entropy weights within
    subsystems, the arithmetic mean within and across subsystems, and the classic coupling
    degree C; D = √(C·T) (:mod:`cityclusters.indicators.multiverse`).

The multiverse
    Every combination of the choices of :func:`cityclusters.indicators.multiverse.specifications`
    (indicator set, scaling, weighting, coupling formula, aggregation), each run over the same
    panel. Summaries: each city's and cluster's median rank and rank interval, the correlation
    of D with the level T in each specification, and the variance-based sensitivity of each
    cluster's mean D to each choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cityclusters.config import cluster_name
from cityclusters.data.city_indicators import (
    city_indicator_panel,
    city_indicator_system,
)
from cityclusters.data.provenance import remembered
from cityclusters.data.store import cached_frame
from cityclusters.errors import MethodInputError
from cityclusters.indicators import multiverse


@dataclass
class ScoreResult:
    """Scored city-years: the yardstick's (:func:`yardstick_result`) or
    :func:`cityclusters.analysis.coordination.score_pipeline`'s (all frames indexed by
    (city_code, year)).

    In the yardstick ``raw`` and ``normalised`` are NaN where an indicator is missing (a
    subsystem score then uses the observed indicators only) and ``weights`` has the columns
    subsystem_id, within and overall; in ``score_pipeline`` every row is complete and
    ``weights`` also has entropy and divergence."""

    raw: pd.DataFrame            # raw indicator values of the scored rows
    normalised: pd.DataFrame     # x' in [shift, 1], oriented so that 1 is best
    weights: pd.DataFrame        # per indicator: subsystem_id, (entropy, divergence,) within, overall
    scores: pd.DataFrame         # U per subsystem (measured subsystems only)
    coordination: pd.DataFrame   # C (both methods), T, D (both), grade/stage of the chosen method
    dropped: pd.DataFrame        # city-years left out (missing indicators)
    method: str
    gdp: pd.Series               # GDP (亿元) of the scored city-years, for weighted means


#: The index period: every measured subsystem keeps two or more indicators throughout.
FIRST_YEAR, LAST_YEAR = 2007, 2019
#: The main specification (see the module docstring for the reasons).
MAIN = multiverse.Specification(scaling="winsor_minmax", weighting="entropy", coupling="classic",
                                aggregation="arithmetic")
_MODULE = "cityclusters.analysis.coordination_index"


def index_indicators(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """The indicators of the system defined in every year first_year–last_year (rows of the
    system table, in its order); raises when a subsystem would keep none."""
    system = city_indicator_system()
    inside = system[(system["first_year"] <= first_year) & (system["last_year"] >= last_year)]
    lost = sorted(set(system["subsystem_id"]) - set(inside["subsystem_id"]))
    if lost:
        raise MethodInputError(f"index period {first_year}–{last_year}: subsystem(s) {lost} have no indicator "
                               "defined in every year; choose a shorter period.")
    return inside.reset_index(drop=True)


def index_inputs(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR):
    """(keys, values, subsystem_of, directions, names): the panel rows of the period with at
    least one value, as arrays for :func:`cityclusters.indicators.multiverse.run`."""
    indicators = index_indicators(first_year, last_year)
    panel = city_indicator_panel()
    panel = panel[panel["year"].between(first_year, last_year)]
    names = list(indicators["indicator_id"])
    values = panel[names]
    keep = values.notna().any(axis=1).to_numpy()
    keys = panel.loc[keep, ["city_code", "year"]].reset_index(drop=True)
    return (keys, values.to_numpy(dtype=float)[keep], list(indicators["subsystem_id"]),
            list(indicators["direction"]), names)


def _main_parts(first_year: int, last_year: int) -> tuple[pd.DataFrame, list[str], list[str], dict]:
    keys, values, subsystem_of, directions, names = index_inputs(first_year, last_year)
    parts = multiverse.decompose(values, subsystem_of, directions, keys["year"].to_numpy(), MAIN, names=names)
    return keys, names, subsystem_of, parts


def _build_main(first_year: int, last_year: int) -> pd.DataFrame:
    keys, _, _, parts = _main_parts(first_year, last_year)
    scores = pd.DataFrame(parts["scores"], columns=[f"U_{s}" for s in parts["subsystems"]])
    return pd.concat([keys.assign(T=parts["index"], C=parts["coupling"], D=parts["degree"]), scores], axis=1)


@remembered
def panel_index(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """T, C and D of every prefecture-level city-year of the period under :data:`MAIN`, and
    the subsystem scores U (columns city_code, year, T, C, D, U_<subsystem>; D missing where a
    subsystem has no value). The one D of the book: every chapter reads it from here."""
    return cached_frame(f"coordination_index_{first_year}_{last_year}",
                        lambda: _build_main(first_year, last_year), module=_MODULE).copy()


@remembered
def _yardstick_result(first_year: int, last_year: int):
    from cityclusters.data.tables import city_year
    from cityclusters.indicators import coupling as coupling_mod

    keys, names, subsystem_of, parts = _main_parts(first_year, last_year)
    index = pd.MultiIndex.from_frame(keys)
    scored = ~np.isnan(parts["degree"])
    panel = city_indicator_panel()
    raw = panel.set_index(["city_code", "year"])[names].reindex(index)
    normalised = pd.DataFrame(parts["scaled"], index=index, columns=names)
    within = pd.Series(parts["within"], index=names)
    weights = pd.DataFrame({"subsystem_id": subsystem_of, "within": within,
                            "overall": within / len(parts["subsystems"])},
                           index=pd.Index(names, name="indicator"))
    scores = pd.DataFrame(parts["scores"], index=index, columns=parts["subsystems"])[scored]
    both = {m: coupling_mod.coupling_coordination(scores, method=m) for m in coupling_mod.COUPLING_METHODS}
    chosen = both[MAIN.coupling]
    coordination = pd.DataFrame({
        "C_classic": both["classic"]["coupling"], "C_modified": both["modified"]["coupling"],
        "T": parts["index"][scored],
        "D_classic": both["classic"]["coordination_degree"],
        "D_modified": both["modified"]["coordination_degree"],
    }, index=scores.index)
    coordination["C"] = parts["coupling"][scored]
    coordination["D"] = parts["degree"][scored]  # exactly panel_index's D
    coordination["grade"] = chosen["grade"]
    coordination["grade_en"] = coupling_mod.coordination_grade(coordination["D"], "en")
    coordination["stage"] = chosen["stage"]
    coordination["lagging_subsystem"] = chosen["lagging_subsystem"]
    gdp = city_year().set_index(["city_code", "year"])["gdp"].reindex(scores.index).astype(float)
    dropped = keys[~scored].reset_index(drop=True)
    return ScoreResult(raw[scored], normalised[scored], weights, scores, coordination, dropped,
                       MAIN.coupling, gdp)


def yardstick_result(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR):
    """The yardstick opened up as a :class:`ScoreResult`
    (every frame indexed by (city_code, year), the scored city-years of the whole panel):
    raw and scaled indicators (NaN where missing), the weights within subsystems and overall
    (within / number of subsystems), U, C (both formulas), T and D. Its ``D`` equals
    :func:`panel_index`'s. Chapters that need more than D (obstacles, synergy relations,
    order parameters) read this instead of scoring their own pool."""
    return _yardstick_result(first_year, last_year)


def obstacle_degrees(result, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator and subsystem obstacle degrees of every scored city in ``year`` under the
    yardstick (:func:`cityclusters.indicators.obstacle.two_level_obstacle_degree`): shares of
    the city's shortfall, summing to 1 per city; a subsystem's share is (1 − U_s)/Σ_t(1 − U_t)."""
    from cityclusters.indicators import obstacle as obstacle_mod

    x = result.normalised.xs(year, level="year")
    subsystem_of = result.weights["subsystem_id"].to_dict()
    by_indicator = obstacle_mod.two_level_obstacle_degree(x, result.weights["within"].to_dict(), subsystem_of)
    return by_indicator, obstacle_mod.subsystem_obstacle(by_indicator.fillna(0.0), subsystem_of)


def _build_obstacle_multiverse(first_year: int, last_year: int, members: pd.DataFrame) -> pd.DataFrame:
    keys, values, subsystem_of, directions, names = index_inputs(first_year, last_year)
    specs = multiverse.specifications(subsystem_of, names, couplings=[MAIN.coupling])
    index = keys.reset_index().merge(members[["cluster_id", "city_code"]].drop_duplicates(), on="city_code")
    skewed = multiverse.flag_skewed(values)
    frames = []
    for number, spec in enumerate(specs):
        parts = multiverse.decompose(values, subsystem_of, directions, keys["year"].to_numpy(), spec,
                                     names=names, skewed=skewed)
        shortfall = 1.0 - parts["scores"]
        scored = ~np.isnan(parts["degree"])
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(scored[:, None], shortfall / shortfall.sum(axis=1, keepdims=True), np.nan)
        city = pd.DataFrame(shares[index["index"].to_numpy()], columns=parts["subsystems"])
        city["cluster_id"] = index["cluster_id"].to_numpy()
        city["year"] = index["year"].to_numpy()
        means = (city.groupby(["cluster_id", "year"]).mean()
                 .rename_axis(columns="subsystem_id").stack().rename("share").reset_index())
        frames.append(means.assign(spec=number, **spec.__dict__))
    out = pd.concat(frames, ignore_index=True)
    return out[["spec", *multiverse.FACTORS, "cluster_id", "year", "subsystem_id", "share"]]


@remembered
def obstacle_multiverse(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """Each cluster's mean subsystem obstacle share per year under every specification of the
    multiverse that changes obstacle degrees (indicator set × scaling × weighting ×
    aggregation; the coupling formula does not enter). A subsystem's share in a city is
    (1 − U_s)/Σ_t(1 − U_t), its share of the shortfall of the city's subsystem scores; a
    dropped subsystem has no row in that specification. Columns: spec, the five choices,
    cluster_id, year, subsystem_id, share. Computed once and stored."""
    from cityclusters.data.tables import clusters

    return cached_frame(f"obstacle_multiverse_{first_year}_{last_year}",
                        lambda: _build_obstacle_multiverse(first_year, last_year, clusters()),
                        module=_MODULE).copy()


def obstacle_share_intervals(frame: pd.DataFrame, year: int, cluster: str,
                             lower: float = 5.0, upper: float = 95.0) -> pd.DataFrame:
    """A cluster's subsystem obstacle shares in ``year`` across the obstacle multiverse: the
    share under the main specification, the median and the ``lower``–``upper`` percentile
    interval, the median rank (1 = largest obstacle), the share of specifications (that keep
    the subsystem) in which it is the largest obstacle, and the number of those
    specifications. Rows: subsystems, in the order of the frame."""
    chosen = frame[(frame["year"] == year) & (frame["cluster_id"] == cluster)]
    if chosen.empty:
        raise MethodInputError(f"no obstacle shares for cluster {cluster!r} in {year}")
    wide = chosen.pivot(index="spec", columns="subsystem_id", values="share")
    wide = wide[list(dict.fromkeys(chosen["subsystem_id"]))]
    ranks = wide.rank(axis=1, ascending=False, method="min")  # ties share the higher rank
    main = obstacle_main_spec(chosen)
    out = pd.DataFrame({
        "main": wide.loc[main],
        "median": wide.median(),
        "low": wide.quantile(lower / 100),
        "high": wide.quantile(upper / 100),
        "median_rank": ranks.median(),
        "largest_share": ranks.eq(1).sum() / wide.notna().sum(),
        "specs": wide.notna().sum(),
    })
    return out.rename_axis("subsystem_id")


def obstacle_main_spec(frame: pd.DataFrame) -> int:
    """The ``spec`` number of :data:`MAIN` in an obstacle-multiverse frame (the coupling
    formula does not enter obstacle degrees)."""
    return spec_number(frame, MAIN, ignore=("coupling",))


def spec_number(frame: pd.DataFrame, spec, ignore: Sequence[str] = ()) -> int:
    """The ``spec`` number of the specification ``spec`` in a multiverse frame (factors in
    ``ignore`` not matched); a ``MethodInputError`` when it is not in the grid exactly once."""
    hit = frame
    for factor in multiverse.FACTORS:
        if factor not in ignore:
            hit = hit[hit[factor] == getattr(spec, factor)]
    specs = hit["spec"].unique()
    if len(specs) != 1:
        raise MethodInputError(f"the specification {spec.label!r} is not (once) in the multiverse grid")
    return int(specs[0])


#: Columns of the D values a chapter prints (see :func:`d_records`).
D_RECORD_COLUMNS = ["name", "cluster_id", "year", "D"]


def d_records(rows: Sequence[tuple]) -> pd.DataFrame:
    """D values a chapter prints in its prose, as rows (glue name, cluster id or city code,
    year, D) of :data:`D_RECORD_COLUMNS`; the notebook passes them to
    :func:`cityclusters.publishing.notebook.glue_d_records`. Rows with a missing D are left out.

    >>> d_records([("d_yrd", "yrd26", 2019, 0.74), ("d_cy", "chengyu", 2019, float("nan"))])
        name cluster_id  year     D
    0  d_yrd      yrd26  2019  0.74
    """
    frame = pd.DataFrame(list(rows), columns=D_RECORD_COLUMNS)
    return frame[frame["D"].notna()].astype({"year": int, "D": float}).reset_index(drop=True)


def cluster_means(frame: pd.DataFrame, members: pd.DataFrame, column: str = "D") -> pd.DataFrame:
    """Mean of ``column`` over each cluster's member cities, per year (cities with a value)."""
    merged = members[["cluster_id", "city_code"]].merge(frame, on="city_code")
    return merged.groupby(["cluster_id", "year"])[column].mean().rename(column).reset_index()


def _build_multiverse(first_year: int, last_year: int, members: pd.DataFrame) -> pd.DataFrame:
    keys, values, subsystem_of, directions, names = index_inputs(first_year, last_year)
    specs = multiverse.specifications(subsystem_of, names)
    d, t, _ = multiverse.run(values, subsystem_of, directions, keys["year"].to_numpy(), specs,
                             names=names, components=True)
    rows = []
    clusters = members[["cluster_id", "city_code"]].drop_duplicates()
    index = keys.reset_index().merge(clusters, on="city_code")
    for s, spec in enumerate(specs):
        both = ~np.isnan(d[:, s]) & ~np.isnan(t[:, s])
        corr = float(np.corrcoef(d[both, s], t[both, s])[0, 1]) if both.sum() > 2 else np.nan
        means = (index.assign(D=d[index["index"].to_numpy(), s])
                 .groupby(["cluster_id", "year"])["D"].mean())
        for (cluster, year), value in means.items():
            rows.append((s, *spec.__dict__.values(), corr, cluster, year, value))
    return pd.DataFrame(rows, columns=["spec", *multiverse.FACTORS, "corr_D_T", "cluster_id", "year", "D"])


@remembered
def cluster_multiverse(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """Each cluster's mean D per year under every specification of the full factorial grid
    (columns spec, the five choices, corr_D_T of that specification over all city-years,
    cluster_id, year, D). Computed once and stored."""
    from cityclusters.data.tables import clusters

    return cached_frame(f"coordination_multiverse_{first_year}_{last_year}",
                        lambda: _build_multiverse(first_year, last_year, clusters()), module=_MODULE).copy()


@remembered
def city_multiverse(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR,
                    sample: int | None = None, seed: int = 0):
    """Every city-year's D under every specification (or a seeded random ``sample`` of them):
    (keys, D, specs) with keys the (city_code, year) rows of :func:`index_inputs`, D an array
    rows × specifications and specs the list of
    :class:`~cityclusters.indicators.multiverse.Specification`. For verdicts that rest on a
    city-level model of D: refit the model on each column and report the share of
    specifications that support the claim. Kept in memory only (about 70 MB for the full grid)."""
    keys, values, subsystem_of, directions, names = index_inputs(first_year, last_year)
    specs = multiverse.specifications(subsystem_of, names, sample=sample, seed=seed)
    d = multiverse.run(values, subsystem_of, directions, keys["year"].to_numpy(), specs, names=names)
    return keys, d, specs


def level_dependence(frame: pd.DataFrame) -> dict:
    """How much of D is level: corr(D, T), the share of D's variance T explains (R² of a
    linear fit), and corr(C, T) (C is scale-free: it does not rise when every subsystem
    rises in proportion)."""
    rows = frame.dropna(subset=["D", "T", "C"])
    corr_dt = float(rows["D"].corr(rows["T"]))
    return {"corr_D_T": corr_dt, "r2_D_on_T": corr_dt ** 2, "corr_C_T": float(rows["C"].corr(rows["T"])),
            "n_city_years": len(rows)}


def cluster_d_by_specification(multiverse_frame: pd.DataFrame, clusters: Sequence[str],
                               years: Sequence[int]) -> pd.DataFrame:
    """Each chosen cluster's mean D in each chosen year under every specification of
    :func:`cluster_multiverse`: rows spec, columns (cluster_id, year), NaN where a cluster-year
    has no D. The one table from which claims about D are evaluated per specification.

    >>> frame = pd.DataFrame({"spec": [0, 0, 1, 1], "cluster_id": ["a"] * 4, "year": [2007, 2019] * 2,
    ...                       "D": [0.4, 0.5, 0.3, 0.2]})
    >>> cluster_d_by_specification(frame, ["a"], [2007, 2019]).values.tolist()
    [[0.4, 0.5], [0.3, 0.2]]
    """
    chosen = multiverse_frame[multiverse_frame["cluster_id"].isin(clusters) & multiverse_frame["year"].isin(years)]
    wide = chosen.pivot_table(index="spec", columns=["cluster_id", "year"], values="D", aggfunc="first")
    columns = pd.MultiIndex.from_product([list(clusters), list(years)], names=["cluster_id", "year"])
    return wide.reindex(columns=columns)

def cluster_rank_intervals(multiverse_frame: pd.DataFrame, year: int, clusters: Sequence[str]) -> pd.DataFrame:
    """Per cluster, its rank among ``clusters`` by mean D in ``year`` under the main
    specification, and its median rank and 5th–95th percentile rank across the multiverse."""
    chosen = multiverse_frame[(multiverse_frame["year"] == year) & multiverse_frame["cluster_id"].isin(clusters)]
    wide = chosen.pivot(index="cluster_id", columns="spec", values="D").reindex(list(clusters))
    if len(wide) < 2:  # one cluster: its rank is 1 in every specification
        ranks = pd.DataFrame({"median_rank": 1.0, "rank_low": 1.0, "rank_high": 1.0}, index=range(len(wide)))
    else:
        ranks = multiverse.rank_intervals(wide.to_numpy())
    main = main_spec_id(multiverse_frame)
    main_rank = wide[main].rank(ascending=False, method="min").astype(int)
    out = ranks.assign(cluster=[cluster_name(c) for c in wide.index], main_rank=main_rank.to_numpy(),
                       main_D=wide[main].to_numpy())
    return out[["cluster", "main_D", "main_rank", "median_rank", "rank_low", "rank_high"]].reset_index(drop=True)


def main_spec_id(multiverse_frame: pd.DataFrame) -> int:
    """The ``spec`` number of :data:`MAIN` in a multiverse frame."""
    return spec_number(multiverse_frame, MAIN)


def cluster_sensitivity(multiverse_frame: pd.DataFrame, year: int, clusters: Sequence[str]) -> pd.DataFrame:
    """First- and total-order sensitivity of each cluster's mean D in ``year`` to each choice
    (exact for the full factorial grid, :func:`cityclusters.indicators.multiverse.sensitivity`)."""
    rows = []
    chosen = multiverse_frame[multiverse_frame["year"] == year]
    for cluster in clusters:
        frame = chosen[chosen["cluster_id"] == cluster].sort_values("spec")
        specs = [multiverse.Specification(*r) for r in frame[list(multiverse.FACTORS)].itertuples(index=False)]
        result = multiverse.sensitivity(frame["D"].to_numpy(), specs)
        rows.append(result.rename_axis("choice").reset_index().assign(cluster=cluster_name(cluster)))
    return pd.concat(rows, ignore_index=True)


#: A year-to-year change of a cluster's mean D is unusual when it runs against the cluster's
#: usual direction and exceeds its median absolute change, or exceeds that median this many times.
UNUSUAL_FACTOR = 2.5


def unusual_changes(frame: pd.DataFrame, members: pd.DataFrame, clusters: Sequence[str]) -> pd.DataFrame:
    """Each cluster's year-to-year changes of mean D, the usual change (median absolute change)
    and whether a change is unusual (:data:`UNUSUAL_FACTOR`), with the number of member cities
    scored before and after: a change in that number is a change of composition, not of the
    cities' scores."""
    scored = frame.dropna(subset=["D"])
    means = cluster_means(scored, members[members["cluster_id"].isin(clusters)])
    counts = (members[["cluster_id", "city_code"]].merge(scored, on="city_code")
              .groupby(["cluster_id", "year"]).size().rename("cities").reset_index())
    table = means.merge(counts, on=["cluster_id", "year"]).sort_values(["cluster_id", "year"])
    table["change"] = table.groupby("cluster_id")["D"].diff()
    table["cities_before"] = table.groupby("cluster_id")["cities"].shift()
    usual = table.groupby("cluster_id")["change"].transform(lambda s: s.abs().median())
    direction = table.groupby("cluster_id")["change"].transform(lambda s: np.sign(s.median()))
    table["usual_change"] = usual
    against = (np.sign(table["change"]) != direction) & (table["change"].abs() > usual)
    table["unusual"] = against | (table["change"].abs() > UNUSUAL_FACTOR * usual)
    table["composition_changed"] = table["cities"] != table["cities_before"]
    return table.dropna(subset=["change"]).reset_index(drop=True)


def indicator_table(members: pd.DataFrame, clusters: Sequence[str], year: int,
                    first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pd.DataFrame:
    """The yardstick's indicators: subsystem, indicator, direction, unit, years defined, and
    the share of each chosen cluster's member cities with a value in ``year``."""
    from cityclusters.data.city_indicators import indicator_coverage

    indicators = index_indicators(first_year, last_year)
    chosen = members[members["cluster_id"].isin(clusters)]
    coverage = indicator_coverage(city_indicator_panel(), chosen, city_indicator_system())
    shares = (coverage[coverage["year"] == year].pivot(index="indicator_id", columns="cluster_id", values="share")
              .reindex(columns=list(clusters)).rename(columns=cluster_name))
    table = indicators.set_index("indicator_id")[["subsystem_en", "short_en", "direction", "unit",
                                                  "first_year", "last_year"]]
    return table.join(shares).reset_index(drop=True).rename(columns={
        "subsystem_en": "subsystem", "short_en": "indicator", "first_year": "from", "last_year": "to"})


def split_indicator_table(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`indicator_table` as two narrow tables that fit a printed page: the definitions
    (subsystem named on its first row only, indicator, direction as + or −, unit, years
    "from–to") and the coverage (indicator × chosen cluster).

    >>> table = pd.DataFrame({"subsystem": ["Ecology", "Ecology"], "indicator": ["CO2 intensity", "Green"],
    ...                       "direction": ["negative", "positive"], "unit": ["t", "%"], "from": [2000, 2000],
    ...                       "to": [2023, 2022], "Middle Yangtze": [1.0, 0.9]})
    >>> definitions, coverage = split_indicator_table(table)
    >>> definitions.values.tolist()
    [['Ecology', 'CO2 intensity', '−', 't', '2000–2023'], ['', 'Green', '+', '%', '2000–2022']]
    >>> coverage.columns.tolist()
    ['indicator', 'Middle Yangtze']
    """
    fixed = ["subsystem", "indicator", "direction", "unit", "from", "to"]
    first = ~table["subsystem"].duplicated()
    definitions = pd.DataFrame({
        "subsystem": table["subsystem"].where(first, ""),
        "indicator": table["indicator"],
        "direction": table["direction"].map({"positive": "+", "negative": "−"}),
        "unit": table["unit"],
        "years": [f"{a}–{b}" for a, b in zip(table["from"], table["to"])],
    })
    coverage = table[["indicator", *[c for c in table.columns if c not in fixed]]]
    return definitions.reset_index(drop=True), coverage.reset_index(drop=True)
