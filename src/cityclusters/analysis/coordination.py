"""The seven subsystems of a city cluster made measurable (chapter 2; chapter 7 builds on it).

Liu & Deng (2021) split a city cluster into seven subsystems (modern industry, public
services, ecology, science and innovation, governance, regional market, infrastructure).
This module holds the typed indicator system (``data/facts/subsystem_indicators.csv``), reads
and assembles the indicators for the cities of the chosen clusters, and runs the score
pipeline that chapters 2 and 7 share:

1. :func:`indicator_values` — raw indicators per city-year (units in the indicator table);
2. :func:`score_pipeline` — panel-wide min–max normalisation, entropy weights within each
   subsystem, subsystem scores U, coupling coordination (classic and modified C);
3. the synergy relations (:func:`cluster_coordination`, :func:`co_movement`,
   :func:`moran_by_cluster`) and the order parameters (:func:`order_parameters`);
4. the values, tables and verdict chapter 2 reports (:func:`data_summary` …
   :func:`synergy_verdict`, :func:`exercise_values`).

The obstacle degrees of chapter 7 are in :mod:`cityclusters.analysis.obstacles`.

Formulas live in :mod:`cityclusters.indicators`; this module only assembles data and calls
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
import pandas as pd

from cityclusters import config
from cityclusters.analysis.verdicts import Verdict
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.data.names import bilingual
from cityclusters.data.sources import subsystem_data as src
from cityclusters.data.sources.reading import assign_city_codes
from cityclusters.data.store import cached_frame
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators import coupling as coupling_mod
from cityclusters.indicators import spatial as spatial_mod
from cityclusters.indicators import weights as weights_mod

INDICATOR_FILE = "data/facts/subsystem_indicators.csv"
SUBSYSTEMS = ("industry", "public_services", "ecology", "innovation", "governance", "market",
              "infrastructure")
LEVELS = ("city", "province", "missing")
#: Lower bound of the normalised scale (keeps U > 0, so C is defined; Wang et al. 2021 use ~1e-4).
SHIFT = 1e-4
INDICATOR_COLUMNS = ["subsystem_id", "subsystem_zh", "subsystem_en", "indicator_id", "short_en", "description_en",
                     "description_zh", "unit", "direction", "level", "source", "first_year",
                     "last_year", "rationale", "citation"]


# ----------------------------------------------------------------------------- the system
def check_indicator_system(table: pd.DataFrame, where: str = INDICATOR_FILE) -> pd.DataFrame:
    """Validate an indicator table; errors name the file, the row (header = 1) and the column.

    Rules: all columns of :data:`INDICATOR_COLUMNS` present; ``subsystem_id`` one of
    :data:`SUBSYSTEMS` and each of the seven present at least once; ``level`` one of
    :data:`LEVELS`; measured rows (level city/province) have a unique ``indicator_id``, a
    ``direction`` of positive/negative and integer years first ≤ last; ``missing`` rows have
    no indicator id.
    """
    missing = [c for c in INDICATOR_COLUMNS if c not in table.columns]
    if missing:
        raise SourceFormatError(f"{where}: missing column(s) {missing}")
    out = table[INDICATOR_COLUMNS].copy()
    for i, row in out.iterrows():
        line = i + 2
        if row["subsystem_id"] not in SUBSYSTEMS:
            raise SourceFormatError(f"{where}: row {line}, column 'subsystem_id': {row['subsystem_id']!r} "
                                    f"is not one of {list(SUBSYSTEMS)}")
        if row["level"] not in LEVELS:
            raise SourceFormatError(f"{where}: row {line}, column 'level': {row['level']!r} is not one of "
                                    f"{list(LEVELS)}")
        if row["level"] == "missing":
            if pd.notna(row["indicator_id"]) and str(row["indicator_id"]).strip():
                raise SourceFormatError(f"{where}: row {line}, column 'indicator_id': a missing "
                                        "subsystem row must not name an indicator")
            continue
        if pd.isna(row["indicator_id"]) or not str(row["indicator_id"]).strip():
            raise SourceFormatError(f"{where}: row {line}, column 'indicator_id' is empty")
        if row["direction"] not in weights_mod.DIRECTIONS:
            raise SourceFormatError(f"{where}: row {line}, column 'direction': {row['direction']!r} is "
                                    f"not one of {list(weights_mod.DIRECTIONS)}")
        for column in ("first_year", "last_year"):
            value = pd.to_numeric(row[column], errors="coerce")
            if pd.isna(value) or value != int(value):
                raise SourceFormatError(f"{where}: row {line}, column '{column}': {row[column]!r} is "
                                        "not a year")
        if int(row["first_year"]) > int(row["last_year"]):
            raise SourceFormatError(f"{where}: row {line}: first_year > last_year")
    absent = [s for s in SUBSYSTEMS if s not in set(out["subsystem_id"])]
    if absent:
        raise SourceFormatError(f"{where}: subsystem(s) {absent} have no row (list them as missing)")
    measured = out[out["level"] != "missing"]
    dup = measured["indicator_id"][measured["indicator_id"].duplicated()].tolist()
    if dup:
        raise SourceFormatError(f"{where}: duplicated indicator_id {dup}")
    for column in ("first_year", "last_year"):
        out[column] = pd.to_numeric(out[column]).astype("Int64")
    return out


@lru_cache(maxsize=1)
def _system_cached() -> pd.DataFrame:
    return check_indicator_system(read_fact("subsystem_indicators.csv"), INDICATOR_FILE)


def indicator_system() -> pd.DataFrame:
    """The typed indicator system: one row per indicator (and one per unmeasured subsystem)."""
    return _system_cached().copy()


def measured(system: pd.DataFrame | None = None) -> pd.DataFrame:
    """The measured indicators only (level city or province), in table order."""
    system = indicator_system() if system is None else system
    return system[system["level"] != "missing"].reset_index(drop=True)


def year_span(system: pd.DataFrame | None = None) -> tuple[int, int]:
    """The years every measured indicator covers: (max first_year, min last_year)."""
    rows = measured(system)
    return int(rows["first_year"].max()), int(rows["last_year"].min())


def validate_years(first_year: int, last_year: int, *, min_years: int = 3,
                   system: pd.DataFrame | None = None) -> None:
    """Refuse a period outside the common coverage of the indicators (or shorter than
    ``min_years``, needed for annual changes), naming the limiting indicators."""
    first, last = year_span(system)
    rows = measured(system)
    if not (first <= first_year <= last_year <= last):
        start = rows.loc[rows["first_year"] == first, "indicator_id"].tolist()
        end = rows.loc[rows["last_year"] == last, "indicator_id"].tolist()
        raise ValueError(f"the indicator system covers {first}–{last} (starts with {start}, ends with "
                         f"{end}); got FIRST_YEAR={first_year}, LAST_YEAR={last_year}")
    if last_year - first_year + 1 < min_years:
        raise ValueError(f"need at least {min_years} years for annual changes; got {first_year}–{last_year}")


# ----------------------------------------------------------------------------- the data
def short_province(name: str) -> str:
    """'四川省' → '四川', '广西壮族自治区' → '广西', '北京市' → '北京' (names of provincial sources)."""
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def to_city_codes(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Map a source's city codes to harmonised ``city_code``; codes of county-level units or
    unknown codes are left out and listed in ``attrs['unmatched']``; duplicates are an error."""
    return assign_city_codes(frame, frame["code"].map(tables.code_map()), where,
                             ["source_row", "code", "year"])


@lru_cache(maxsize=1)
def _province_indicators() -> pd.DataFrame:
    """Provincial indicators by (province short name, year): edu_spend_gdp, rd_intensity,
    st_budget_share (all in %); kept in the processed-table store."""
    return cached_frame("subsystem_province_indicators", _build_province_indicators,
                        module="cityclusters.analysis.coordination")


def _build_province_indicators() -> pd.DataFrame:
    budget = src.read_techme(src.BUDGET)
    wide = budget.pivot_table(index=["province", "year"], columns="variables", values="value")
    need = ["v6_cz_yszc_hj", "v6_cz_yszc_jy", "v6_cz_yszc_kxjs"]
    absent = [c for c in need if c not in wide.columns]
    if absent:
        raise SourceFormatError(f"{src.BUDGET}: variables {absent} not found")
    gdp = src.read_province_gdp().set_index(["province", "year"])["gdp"]
    out = pd.DataFrame(index=wide.index)
    out["edu_spend_gdp"] = 100 * wide["v6_cz_yszc_jy"] / gdp.reindex(wide.index)
    out["st_budget_share"] = 100 * wide["v6_cz_yszc_kxjs"] / wide["v6_cz_yszc_hj"]
    rd = src.read_techme(src.RD_INTENSITY)
    rd = rd[rd["variables"] == "v4_ztr_qd_RD"].set_index(["province", "year"])["value"]
    out = out.join(rd.rename("rd_intensity"), how="outer")
    return out.reset_index()


@lru_cache(maxsize=1)
def _city_indicators() -> pd.DataFrame:
    """City indicators of the index by (city_code, year); kept in the processed-table store."""
    return cached_frame("subsystem_city_indicators", _build_city_indicators,
                        module="cityclusters.analysis.coordination")


def _build_city_indicators() -> pd.DataFrame:
    panel = tables.city_year()
    base = panel[["city_code", "name_zh", "name_pinyin", "province_zh", "year", "gdp", "real_gdp",
                  "population", "population_interpolated", "share_tertiary"]].copy()
    co2 = to_city_codes(src.read_city_co2(), src.CO2)[["city_code", "year", "co2_t"]]
    fin = to_city_codes(src.read_city_finance(), src.FINANCE)[["city_code", "year", "loans_wan"]]
    road = to_city_codes(src.read_city_road_area(), src.ROAD)[["city_code", "year", "road_m2_pc",
                                                                 "road_m2_pc_filled"]]
    light = to_city_codes(src.read_night_light(), src.NIGHT_LIGHT)[["city_code", "year", "night_light"]]
    for extra in (co2, fin, road, light):
        base = base.merge(extra, on=["city_code", "year"], how="left", validate="one_to_one")
    out = base[["city_code", "name_zh", "name_pinyin", "province_zh", "year", "gdp",
                "population_interpolated"]].copy()
    # 亿元 at 2000 prices / 万人 × 1e4 = 元 per person
    out["real_gdp_pc"] = base["real_gdp"] / base["population"] * 1e4
    out["tertiary_share"] = base["share_tertiary"]
    # t / (亿元 × 1e4 = 万元)
    out["co2_intensity"] = base["co2_t"] / (base["real_gdp"] * 1e4)
    out["co2_per_capita"] = base["co2_t"] / (base["population"] * 1e4)
    # 万元 / (亿元 × 1e4)
    out["loans_gdp"] = base["loans_wan"] / (base["gdp"] * 1e4)
    out["road_area_pc"] = base["road_m2_pc"]
    out["road_interpolated"] = base["road_m2_pc"].isna() & base["road_m2_pc_filled"].notna()
    out["night_light"] = base["night_light"]
    out["province"] = out["province_zh"].map(short_province)
    prov = _province_indicators()
    out = out.merge(prov, on=["province", "year"], how="left", validate="many_to_one")
    return out


def indicator_values(first_year: int, last_year: int, city_codes: Sequence[int] | None = None,
                     system: pd.DataFrame | None = None) -> pd.DataFrame:
    """Raw indicator values per city-year (units as in the indicator table).

    Returns one row per (city_code, year) in [first_year, last_year] for ``city_codes`` (all
    panel cities if None), with name columns, ``gdp`` (亿元, for weighting), flags
    ``population_interpolated`` and ``road_interpolated`` and one column per measured
    indicator. Missing values stay NaN (see :func:`coverage`). Provincial indicators are
    assigned to every city of the province.
    """
    ids = measured(system)["indicator_id"].tolist()
    frame = _city_indicators()
    frame = frame[frame["year"].between(first_year, last_year)]
    if city_codes is not None:
        codes = set(city_codes)
        absent = codes - set(frame["city_code"])
        if absent:
            raise ValueError(f"indicator_values: city codes {sorted(absent)} are not in the panel")
        frame = frame[frame["city_code"].isin(codes)]
    keep = ["city_code", "name_zh", "name_pinyin", "province_zh", "year", "gdp",
            "population_interpolated", "road_interpolated"]
    return frame[keep + ids].sort_values(["city_code", "year"]).reset_index(drop=True)


def chosen_members(clusters: Sequence[str]) -> pd.DataFrame:
    """Membership rows (cluster_id, city_code, names) of the chosen clusters, in their order."""
    members = tables.clusters()
    members = members[members["cluster_id"].isin(clusters)]
    order = {c: i for i, c in enumerate(clusters)}
    return members.sort_values(["cluster_id", "city_code"], key=lambda s: s.map(order)
                               if s.name == "cluster_id" else s).reset_index(drop=True)


def coverage(values: pd.DataFrame, members: pd.DataFrame, first_year: int, last_year: int,
             system: pd.DataFrame | None = None) -> pd.DataFrame:
    """Share of member city-years with a value, per cluster and indicator.

    Every member city counts in every year (a city with no row at all counts as missing).
    Columns: cluster_id, cities, city_years, one column per indicator (share present, 0–1),
    ``complete`` (share with every indicator present).
    """
    ids = measured(system)["indicator_id"].tolist()
    years = range(first_year, last_year + 1)
    rows = []
    indexed = values.set_index(["city_code", "year"])
    for cluster_id, block in members.groupby("cluster_id", sort=False):
        grid = pd.MultiIndex.from_product([sorted(block["city_code"].unique()), years],
                                          names=["city_code", "year"])
        sub = indexed.reindex(grid)[ids]
        row = {"cluster_id": cluster_id, "cities": block["city_code"].nunique(), "city_years": len(grid)}
        row.update(sub.notna().mean().to_dict())
        row["complete"] = float(sub.notna().all(axis=1).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def missing_cities(values: pd.DataFrame, members: pd.DataFrame, system: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """City-years of member cities left out of the scores, with the indicators they lack."""
    ids = measured(system)["indicator_id"].tolist()
    sub = values[values["city_code"].isin(members["city_code"])]
    lacking = sub[ids].isna()
    out = sub.loc[lacking.any(axis=1), ["city_code", "name_zh", "name_pinyin", "year"]].copy()
    out["missing"] = [", ".join(r.index[r]) for _, r in lacking[lacking.any(axis=1)].iterrows()]
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- the pipeline
@dataclass
class ScoreResult:
    """Output of :func:`score_pipeline` (all frames indexed by (city_code, year))."""

    raw: pd.DataFrame            # complete rows, raw indicator values
    normalised: pd.DataFrame     # x' in [SHIFT, 1], oriented so that 1 is best
    weights: pd.DataFrame        # per indicator: subsystem, entropy, divergence, within, overall
    scores: pd.DataFrame         # U per subsystem (measured subsystems only)
    coordination: pd.DataFrame   # C (both methods), T, D (both), grade/stage of the chosen method
    dropped: pd.DataFrame        # city-years left out (missing indicators)
    method: str
    gdp: pd.Series               # GDP (亿元) of the scored city-years, for weighted means


def score_pipeline(values: pd.DataFrame, method: str = "modified",
                   system: pd.DataFrame | None = None, shift: float = SHIFT,
                   scope: str = "panel") -> ScoreResult:
    """Normalise, weight, score and couple the indicators of ``values`` (one row per city-year).

    Steps (formulas in :mod:`cityclusters.indicators`):

    1. rows missing any indicator are set aside (``dropped``), never imputed;
    2. x' = min–max over the whole panel of rows passed (``scope="panel"``: the same
       yardstick for every year, so a city's score can rise), oriented by direction,
       rescaled to [shift, 1];
    3. entropy weights within each subsystem (p_ij = x'_ij/Σ_i x'_ij, e_j, d_j = 1 − e_j,
       w_j = d_j/Σ_{j∈s} d_j) over all rows; overall weight = within weight / k for the k
       measured subsystems (equal subsystem weights, as in T);
    4. U_s = Σ_{j∈s} w_j x'_j;
    5. C classic and modified, T = mean U, D = √(C·T) for both; ``grade`` and ``stage``
       follow ``method``.

    City-years are deduplicated on (city_code, year) first, so a city in two chosen clusters
    counts once. ``scope="per_year"`` (min and max within each year) is offered only to show
    what it does: it removes all change over time from the scores.
    """
    coupling_mod.require_choice(method, coupling_mod.COUPLING_METHODS, "method")
    rows = measured(system)
    ids = rows["indicator_id"].tolist()
    subsystem_of = dict(zip(rows["indicator_id"], rows["subsystem_id"]))
    directions = dict(zip(rows["indicator_id"], rows["direction"]))
    frame = values.drop_duplicates(["city_code", "year"]).set_index(["city_code", "year"]).sort_index()
    absent = [c for c in ids if c not in frame.columns]
    if absent:
        raise ValueError(f"score_pipeline: values lack indicator column(s) {absent}")
    incomplete = frame[ids].isna().any(axis=1)
    dropped = frame.loc[incomplete, ["name_zh"]].reset_index()
    raw = frame.loc[~incomplete, ids].astype(float)
    if len(raw) < 3:
        raise ValueError(f"score_pipeline: only {len(raw)} complete city-years; need at least 3")
    normalised = weights_mod.min_max_normalise(raw, directions, scope=scope, shift=shift)
    order = list(dict.fromkeys(subsystem_of[c] for c in ids))
    parts = []
    for subsystem in order:
        cols = [c for c in ids if subsystem_of[c] == subsystem]
        if len(cols) > 1:
            table = weights_mod.entropy_weight_table(normalised[cols])
        else:
            table = weights_mod.entropy_weight_table(normalised[cols]).assign(weight=1.0)
        parts.append(table.rename(columns={"weight": "within"}).assign(subsystem_id=subsystem))
    weights = pd.concat(parts)
    weights["overall"] = weights["within"] / len(order)
    weights = weights[["subsystem_id", "entropy", "divergence", "within", "overall"]]
    scores = weights_mod.subsystem_scores(normalised, subsystem_of, weights=weights["within"])
    classic = coupling_mod.coupling_coordination(scores, method="classic")
    modified = coupling_mod.coupling_coordination(scores, method="modified")
    chosen = modified if method == "modified" else classic
    coordination = pd.DataFrame({
        "C_classic": classic["coupling"], "C_modified": modified["coupling"],
        "T": chosen["comprehensive_index"],
        "D_classic": classic["coordination_degree"], "D_modified": modified["coordination_degree"],
    })
    coordination["D"] = coordination[f"D_{method}"]
    coordination["C"] = coordination[f"C_{method}"]
    coordination["grade"] = chosen["grade"]
    coordination["grade_en"] = coupling_mod.coordination_grade(chosen["coordination_degree"], "en")
    coordination["stage"] = chosen["stage"]
    coordination["lagging_subsystem"] = chosen["lagging_subsystem"]
    gdp = frame.loc[~incomplete, "gdp"].astype(float) if "gdp" in frame else pd.Series(np.nan, raw.index)
    return ScoreResult(raw, normalised, weights, scores, coordination, dropped, method, gdp)


# ----------------------------------------------------------------------------- relations
def attach_clusters(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Rows of a (city_code, year)-indexed frame repeated once per chosen cluster of the city."""
    flat = frame.reset_index()
    return members[["cluster_id", "city_code"]].merge(flat, on="city_code", how="inner")


def cluster_coordination(result: ScoreResult, members: pd.DataFrame,
                         weighting: str = "mean") -> pd.DataFrame:
    """Cluster-year means of U, T, C and D over member cities.

    ``weighting="mean"`` (default): unweighted means, every city counts once, so a cluster's
    D describes its typical city, not its largest; ``"gdp"``: means weighted by city GDP
    (Σ_i g_i D_i / Σ_i g_i).
    """
    coupling_mod.require_choice(weighting, ("mean", "gdp"), "weighting")
    frame = result.scores.join(result.coordination[["T", "C", "D", "C_classic", "C_modified",
                                                    "D_classic", "D_modified"]])
    frame["_w"] = 1.0 if weighting == "mean" else result.gdp.reindex(frame.index)
    if frame["_w"].isna().any():
        raise ValueError("cluster_coordination: GDP missing for some scored city-years")
    long = attach_clusters(frame, members)
    numeric = [c for c in long.columns if c not in ("cluster_id", "city_code", "year", "_w")]
    weighted = long[numeric].multiply(long["_w"], axis=0)
    weighted[["cluster_id", "year"]] = long[["cluster_id", "year"]]
    sums = weighted.groupby(["cluster_id", "year"], sort=False)[numeric].sum()
    out = sums.div(long.groupby(["cluster_id", "year"], sort=False)["_w"].sum(), axis=0)
    out["cities"] = long.groupby(["cluster_id", "year"], sort=False)["city_code"].nunique()
    return out.reset_index()


def mean_pairwise_correlation(changes: pd.DataFrame) -> tuple[float, int]:
    """Mean Pearson correlation over all pairs of columns (cities) of ``changes`` (years × cities).

    Pairs where either column is constant are skipped; returns (mean, number of pairs used).
    Needs at least 3 rows.
    """
    if len(changes) < 3:
        raise ValueError(f"mean_pairwise_correlation: need at least 3 years of changes, got {len(changes)}")
    corr = changes.corr()
    values = [corr.iat[i, j] for i, j in combinations(range(corr.shape[0]), 2)
              if np.isfinite(corr.iat[i, j])]
    return (float(np.mean(values)) if values else float("nan")), len(values)


def co_movement(result: ScoreResult, members: pd.DataFrame, subsystems: Sequence[str]) -> pd.DataFrame:
    """Between-city co-movement of each subsystem (城际同质): per cluster, the mean pairwise
    correlation across member cities of the annual changes ΔU_it = U_it − U_i,t−1.

    Only cities observed in every year of the scores enter (changes need a balanced panel).
    Columns: cluster_id, subsystem_id, mean_corr, pairs, cities.
    """
    rows = []
    years = sorted(result.scores.index.get_level_values("year").unique())
    for cluster_id, block in members.groupby("cluster_id", sort=False):
        codes = block["city_code"].unique()
        scores = result.scores[result.scores.index.get_level_values("city_code").isin(codes)]
        for subsystem in subsystems:
            wide = scores[subsystem].unstack("city_code").reindex(years)
            wide = wide.dropna(axis=1)
            changes = wide.diff().iloc[1:]
            if wide.shape[1] < 2 or len(changes) < 3:
                rows.append({"cluster_id": cluster_id, "subsystem_id": subsystem, "mean_corr": float("nan"),
                             "pairs": 0, "cities": wide.shape[1]})
                continue
            mean, pairs = mean_pairwise_correlation(changes)
            rows.append({"cluster_id": cluster_id, "subsystem_id": subsystem, "mean_corr": mean,
                         "pairs": pairs, "cities": wide.shape[1]})
    return pd.DataFrame(rows)


def moran_by_cluster(result: ScoreResult, members: pd.DataFrame, year: int,
                     permutations: int = 999, seed: int = spatial_mod.DEFAULT_SEED) -> pd.DataFrame:
    """Global Moran's I of D across each cluster's cities in ``year`` (城际异质 proxy).

    Queen contiguity on the 2020 boundaries, row-standardised; a city with no contiguous
    neighbour among the scored cities is linked to its nearest one (``knn_fallback``).
    Clusters with fewer than 4 scored cities get NaN. Columns: cluster_id, n, I, expected_I,
    p_sim, fallback_links.
    """
    cities = tables.cities()
    d = result.coordination["D"].xs(year, level="year")
    rows = []
    for cluster_id, block in members.groupby("cluster_id", sort=False):
        codes = [c for c in block["city_code"].unique() if c in d.index]
        geo = cities[cities["city_code"].isin(codes)]
        row = {"cluster_id": cluster_id, "n": len(codes), "I": float("nan"), "expected_I": float("nan"),
               "p_sim": float("nan"), "fallback_links": 0}
        if len(codes) >= 4:
            w = spatial_mod.spatial_weights(geo, kind="queen", ids="city_code", islands="knn_fallback")
            res = spatial_mod.morans_i(d.loc[codes], w, permutations=permutations, seed=seed)
            row.update(I=res.I, expected_I=res.expected_I, p_sim=res.p_sim,
                       fallback_links=len(w.fallback_links))
        rows.append(row)
    return pd.DataFrame(rows)


def order_parameters(result: ScoreResult, system: pd.DataFrame | None = None) -> pd.DataFrame:
    """Candidate order parameters (序参量): indicators that weigh much and change slowly.

    speed_j = mean over cities and years of |x'_{i,t} − x'_{i,t−1}| (normalised units per
    year, consecutive years only); order-parameter share OP_j = (w_j / speed_j) / Σ_k (w_k /
    speed_k), with w_j the overall weight. This is our operationalisation of the slaving
    principle (slow variables dominate), not a formula of the papers.
    Columns: indicator_id, subsystem_id, weight, speed, op_share, rank.
    """
    x = result.normalised.sort_index()
    diffs = x.groupby(level="city_code").diff()
    years = pd.Series(x.index.get_level_values("year"), index=x.index)
    consecutive = years.groupby(level="city_code").diff() == 1
    speed = diffs[consecutive.to_numpy()].abs().mean()
    if (speed <= 0).any() or speed.isna().any():
        raise ValueError(f"order_parameters: indicators {list(speed.index[(speed <= 0) | speed.isna()])} "
                         "never change between consecutive years")
    weight = result.weights["overall"]
    ratio = weight / speed
    out = pd.DataFrame({"subsystem_id": result.weights["subsystem_id"], "weight": weight,
                        "speed": speed, "op_share": ratio / ratio.sum()})
    out = out.sort_values("op_share", ascending=False)
    out["rank"] = np.arange(1, len(out) + 1)
    return out.rename_axis("indicator_id").reset_index()



def union_members(members: pd.DataFrame, union_id: str) -> pd.DataFrame | None:
    """Membership rows of a union cluster (e.g. ``chengyugui`` = Chengdu–Chongqing ∪ Qianzhong)
    built from the chosen clusters' rows, relabelled ``union_id``; None unless the union itself
    or all of its parts are among the chosen clusters."""
    if union_id in set(members["cluster_id"]):
        return members[members["cluster_id"] == union_id].copy()
    parts = config.UNIONS.get(union_id)
    if not parts or not set(parts) <= set(members["cluster_id"]):
        return None
    rows = members[members["cluster_id"].isin(parts)].drop_duplicates("city_code").copy()
    rows["cluster_id"] = union_id
    return rows.reset_index(drop=True)


# ----------------------------------------------------------------------------- chapter 2
#: Claim of paper 000 tested in chapter 2 (an id of ``data/facts/seed_claims.csv``).
CYG_SYNERGY_CLAIM = "p000_cyg_lacks_synergy"
#: Coverage columns shown in chapter 2 (indicator id → short column title; ``complete`` = all).
COVERAGE_SHOWN = {"real_gdp_pc": "GDP p.c.", "tertiary_share": "tertiary", "co2_per_capita": "CO2 p.c.",
                  "loans_gdp": "loans/GDP", "road_area_pc": "road p.c.", "complete": "all"}


def check_chapter_parameters(method: str, map_years: Sequence[int], first_year: int, last_year: int) -> None:
    """Refuse a coupling ``method`` not in :data:`~cityclusters.indicators.coupling.COUPLING_METHODS`
    and map years that are empty or outside ``first_year``–``last_year`` (``ValueError``)."""
    if method not in coupling_mod.COUPLING_METHODS:
        raise ValueError(f"COUPLING_METHOD must be one of {list(coupling_mod.COUPLING_METHODS)}; got {method!r}")
    bad_years = [y for y in map_years if not first_year <= y <= last_year]
    if not map_years or bad_years:
        raise ValueError(f"MAP_YEARS must be 1-3 years within {first_year}-{last_year}; got {map_years}")


def city_level_subsystems(rows: pd.DataFrame, subsystems: Sequence[str]) -> list[str]:
    """The subsystems of ``subsystems`` whose indicators (rows of :func:`measured`) are all
    measured at city level (not assigned from provinces), in the given order."""
    return [s for s in subsystems if (rows.loc[rows["subsystem_id"] == s, "level"] == "city").all()]


def indicator_table(system: pd.DataFrame) -> pd.DataFrame:
    """The indicator system as chapter 2 shows it: subsystem (English and Chinese), indicator
    (or "— (no data)"), unit, sign (+/−), level and the years the source covers."""
    shown = system.assign(
        subsystem=system["subsystem_en"] + " " + system["subsystem_zh"],
        indicator=system["description_en"].where(system["level"] != "missing", "— (no data)"),
        years=[f"{a}–{b}" if pd.notna(a) else "–" for a, b in zip(system["first_year"], system["last_year"])],
        sign=system["direction"].map({"positive": "+", "negative": "−"}).fillna(""),
    )
    return (shown[["subsystem", "indicator", "unit", "sign", "level", "years"]]
            .rename(columns={"subsystem": "Subsystem 子系统", "indicator": "Indicator",
                             "sign": "±", "years": "years in source"}).fillna(""))


def data_summary(system: pd.DataFrame, result: ScoreResult, values: pd.DataFrame,
                 members: pd.DataFrame) -> dict:
    """What the indicator data cover, for chapter 2's prose: the common years of the indicators
    (``span_first``, ``span_last``), the number of indicators (``n_indicators``), of measured
    subsystems (``n_measured``) and of provincial indicators (``n_prov``), the unmeasured
    subsystems (``missing_subsystems``), the city-years scored (``n_scored``) and left out
    (``n_dropped``) and the cities left out, as 汉字 (pinyin) (``dropped_names``)."""
    rows = measured(system)
    span_first, span_last = year_span(system)
    missing_sub = system.loc[system["level"] == "missing", "subsystem_en"].tolist()
    dropped = missing_cities(values, members).drop_duplicates("city_code")
    return {
        "span_first": span_first, "span_last": span_last,
        "n_indicators": len(rows), "n_measured": len(result.scores.columns),
        "missing_subsystems": ", ".join(missing_sub) or "none",
        "n_scored": len(result.raw), "n_dropped": len(result.dropped),
        "dropped_names": ", ".join(bilingual(z, p) for z, p in zip(dropped["name_zh"], dropped["name_pinyin"]))
        or "none",
        "n_prov": int((rows["level"] == "province").sum()),
    }


def coverage_table(cov: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """The coverage of :func:`coverage` as chapter 2 shows it: cluster label, cities,
    city-years and the share present of the indicators of :data:`COVERAGE_SHOWN` (0–1)."""
    shown = cov.assign(cluster=cov["cluster_id"].map(names))
    return shown[["cluster", "cities", "city_years", *COVERAGE_SHOWN]].rename(
        columns={**COVERAGE_SHOWN, "city_years": "city-years"})


def weight_table(result: ScoreResult, labels: dict[str, str], subsystem_labels: dict[str, str]) -> pd.DataFrame:
    """The entropy weights as chapter 2 shows them: subsystem, indicator, entropy e, weight
    within the subsystem and overall weight (shares summing to 1 per subsystem / overall)."""
    w = result.weights.reset_index(names="indicator_id")
    shown = w.assign(subsystem=w["subsystem_id"].map(lambda s: subsystem_labels[s]),
                     indicator=w["indicator_id"].map(labels))
    return (shown[["subsystem", "indicator", "entropy", "within", "overall"]]
            .rename(columns={"entropy": "entropy e", "within": "weight in subsystem",
                             "overall": "overall weight"}))


def weight_values(result: ScoreResult, short_labels: dict[str, str], subsystem_labels: dict[str, str]) -> dict:
    """The most lopsided within-subsystem weight among subsystems with several indicators
    (``top_within_indicator``, ``top_within_weight`` (share), ``top_within_subsystem``) and
    the indicator with the lowest entropy (``low_entropy_indicator``, ``low_entropy_value``)."""
    w = result.weights.reset_index(names="indicator_id")
    multi = w[w.groupby("subsystem_id")["indicator_id"].transform("size") > 1]
    top_within = multi.sort_values("within", ascending=False).iloc[0]
    low_entropy = w.sort_values("entropy").iloc[0]
    return {
        "top_within_indicator": short_labels[top_within["indicator_id"]],
        "top_within_weight": float(top_within["within"]),
        "top_within_subsystem": subsystem_labels[top_within["subsystem_id"]],
        "low_entropy_indicator": short_labels[low_entropy["indicator_id"]],
        "low_entropy_value": float(low_entropy["entropy"]),
    }


def coupling_values(coordination: pd.DataFrame) -> dict:
    """Distribution of the classic and the modified coupling degree C over all city-years:
    per method m, ``c_m_median``, ``c_m_iqr`` (interquartile range), ``c_m_cv`` (coefficient of
    variation, sd/mean), ``c_m_high`` (share of city-years with C ≥ 0.5) and ``d_m_mean``
    (mean D with that C)."""
    out = {}
    for m in ("classic", "modified"):
        c = coordination[f"C_{m}"]
        out[f"c_{m}_median"] = float(c.median())
        out[f"c_{m}_iqr"] = float(c.quantile(0.75) - c.quantile(0.25))
        out[f"c_{m}_cv"] = float(c.std() / c.mean())
        out[f"c_{m}_high"] = float((c >= 0.5).mean())
        out[f"d_{m}_mean"] = float(coordination[f"D_{m}"].mean())
    return out


def cluster_year_rows(cluster_year: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of :func:`cluster_coordination` for ``year``, indexed by cluster_id."""
    return cluster_year[cluster_year["year"] == year].set_index("cluster_id")


def cluster_table(cluster_year: pd.DataFrame, clusters: Sequence[str], first_year: int, last_year: int,
                  names: dict[str, str]) -> pd.DataFrame:
    """Cluster means (unweighted over member cities) of D in the first and last year and of T
    and C in the last year, with the number of cities scored in the last year."""
    first, last = cluster_year_rows(cluster_year, first_year), cluster_year_rows(cluster_year, last_year)
    return pd.DataFrame({
        "cluster": [names[c] for c in clusters],
        "cities scored": [int(last.at[c, "cities"]) for c in clusters],
        f"D {first_year}": [first.at[c, "D"] for c in clusters],
        f"D {last_year}": [last.at[c, "D"] for c in clusters],
        f"T {last_year}": [last.at[c, "T"] for c in clusters],
        f"C {last_year}": [last.at[c, "C"] for c in clusters],
    })


def cluster_values(cluster_year: pd.DataFrame, coordination: pd.DataFrame, clusters: Sequence[str],
                   first_year: int, last_year: int, names: dict[str, str],
                   subsystem_labels: dict[str, str]) -> dict:
    """Chapter 2's sentences on the clusters and cities: best and worst cluster by mean D in
    ``last_year`` (``best_cluster``, ``best_d``, ``worst_cluster``, ``worst_d``), how many
    clusters' D rose since ``first_year`` (``n_rose``, ``rose_word``: "all" or "k of the n"),
    the most common grade of the cities in ``last_year`` (``modal_grade`` as "English (中文)",
    ``modal_grade_share``) and the subsystem most often lagging (``top_lagging``,
    ``top_lagging_share``)."""
    first, last = cluster_year_rows(cluster_year, first_year), cluster_year_rows(cluster_year, last_year)
    best, worst = last["D"].idxmax(), last["D"].idxmin()
    n_rose = int((last["D"] > first["D"]).sum())
    city_last = coordination.xs(last_year, level="year")
    grade_counts = city_last["grade_en"].value_counts()
    modal = grade_counts.idxmax()
    lag = city_last["lagging_subsystem"].value_counts()
    return {
        "best_cluster": names[best], "best_d": float(last.at[best, "D"]),
        "worst_cluster": names[worst], "worst_d": float(last.at[worst, "D"]),
        "n_rose": n_rose,
        "rose_word": "all" if n_rose == len(clusters) else f"{n_rose} of the {len(clusters)}",
        "modal_grade": f"{modal} ({city_last['grade'][city_last['grade_en'] == modal].iloc[0]})",
        "modal_grade_share": float(grade_counts.max() / grade_counts.sum()),
        "top_lagging": subsystem_labels.get(lag.index[0], lag.index[0]),
        "top_lagging_share": float(lag.iloc[0] / lag.sum()),
    }


def synergy_relations(result: ScoreResult, members: pd.DataFrame, cluster_year: pd.DataFrame,
                      city_level: Sequence[str], clusters: Sequence[str], year: int,
                      names: dict[str, str]) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Three of the four synergy relations per cluster: mean D in ``year`` (城内异质), the mean
    over the city-level subsystems of the co-movement of ΔU (城际同质, :func:`co_movement`) and
    Moran's I of D in ``year`` with its permutation p (城际异质, :func:`moran_by_cluster`).

    Returns the table, the co-movement per cluster (Series) and the Moran frame indexed by
    cluster_id.
    """
    last = cluster_year_rows(cluster_year, year)
    comove = co_movement(result, members, city_level)
    comove_mean = comove.groupby("cluster_id", sort=False)["mean_corr"].mean()
    moran = moran_by_cluster(result, members, year).set_index("cluster_id")
    table = pd.DataFrame({
        "cluster": [names[c] for c in clusters],
        f"mean D {year} (城内异质)": [last.at[c, "D"] for c in clusters],
        "co-movement ΔU (城际同质)": [comove_mean.get(c, np.nan) for c in clusters],
        f"Moran's I of D {year} (城际异质)": [moran.at[c, "I"] for c in clusters],
        "p (permutation)": [moran.at[c, "p_sim"] for c in clusters],
    })
    return table, comove_mean, moran


def relation_values(comove_mean: pd.Series, moran: pd.DataFrame, city_level: Sequence[str],
                    names: dict[str, str], subsystem_labels: dict[str, str], alpha: float = 0.05) -> dict:
    """Chapter 2's sentences on the synergy relations: the city-level subsystems
    (``city_level_subsystems``, ``n_city_level``), the clusters with the highest and lowest
    co-movement (``top_comove_cluster``, ``top_comove``, ``low_comove_cluster``,
    ``low_comove``), the clusters with a positive Moran's I significant at ``alpha``
    (``n_moran_sig``, ``moran_sig_names``) and the permutation seed (``moran_seed``)."""
    top_co, low_co = comove_mean.idxmax(), comove_mean.idxmin()
    sig = moran[(moran["p_sim"] <= alpha) & (moran["I"] > 0)]
    return {
        "city_level_subsystems": ", ".join(subsystem_labels[s] for s in city_level),
        "n_city_level": len(city_level),
        "top_comove_cluster": names[top_co], "top_comove": float(comove_mean.max()),
        "low_comove_cluster": names[low_co], "low_comove": float(comove_mean.min()),
        "n_moran_sig": len(sig),
        "moran_sig_names": ", ".join(names[c] for c in sig.index) or "none",
        "moran_seed": spatial_mod.DEFAULT_SEED,
    }


def order_parameter_table(op: pd.DataFrame, labels: dict[str, str], subsystem_labels: dict[str, str]
                          ) -> pd.DataFrame:
    """:func:`order_parameters` as chapter 2 shows it: rank, indicator, subsystem, overall
    weight, speed per year (normalised units) and order-parameter share."""
    return (op.assign(indicator=op["indicator_id"].map(labels),
                      subsystem=op["subsystem_id"].map(subsystem_labels))
            [["rank", "indicator", "subsystem", "weight", "speed", "op_share"]]
            .rename(columns={"weight": "overall weight", "speed": "speed per year",
                             "op_share": "order-parameter share"}))


def order_parameter_values(op: pd.DataFrame, short_labels: dict[str, str], subsystem_labels: dict[str, str]
                           ) -> dict:
    """The first two candidate order parameters (``op1``, ``op1_share``, ``op1_subsystem``,
    ``op2``, ``op2_share``), their joint share (``op_top2_share``) and the last (``op_last``)."""
    return {
        "op1": short_labels[op.iloc[0]["indicator_id"]],
        "op1_share": float(op.iloc[0]["op_share"]),
        "op1_subsystem": subsystem_labels[op.iloc[0]["subsystem_id"]],
        "op2": short_labels[op.iloc[1]["indicator_id"]],
        "op2_share": float(op.iloc[1]["op_share"]),
        "op_top2_share": float(op["op_share"].iloc[:2].sum()),
        "op_last": short_labels[op.iloc[-1]["indicator_id"]],
    }


def synergy_verdict_text(cyg_d: float, yrd_d: float, cyg_co: float, yrd_co: float) -> str:
    """Verdict on "Chengdu–Chongqing–Guiyang lacks a synergy effect" against the YRD (26):
    supported if both its mean D and its co-movement are lower than the YRD's, partly
    supported if one of them is, not supported otherwise."""
    lower_d, lower_co = cyg_d < yrd_d, cyg_co < yrd_co
    return ("supported" if lower_d and lower_co else
            "partly supported: coordination D is lower than in the YRD, but co-movement is not" if lower_d else
            "partly supported: co-movement is lower than in the YRD, but D is not" if lower_co else
            "not supported: neither D nor co-movement is lower than in the YRD")


def synergy_verdict(result: ScoreResult, members: pd.DataFrame, cluster_year: pd.DataFrame,
                    comove_mean: pd.Series, moran: pd.DataFrame, city_level: Sequence[str],
                    clusters: Sequence[str], first_year: int, last_year: int) -> tuple[Verdict, dict]:
    """Verdict on claim :data:`CYG_SYNERGY_CLAIM` (paper 000): Chengdu–Chongqing–Guiyang (the
    union ``chengyugui``) against the YRD (26) by mean D in ``last_year``, the co-movement of ΔU
    over ``first_year``–``last_year`` and Moran's I of D (evidence only).

    Not testable unless the union (or its parts) and ``yrd26`` are chosen. Returns the verdict
    and the values for the prose (``cyg_verdict``, ``cyg_evidence`` and, when testable,
    ``cyg_d``, ``yrd_d``).
    """
    cyg = union_members(members, "chengyugui")
    if cyg is None or "yrd26" not in clusters:
        verdict = "not testable with our data: needs Chengdu–Chongqing, Qianzhong and YRD (26) among CLUSTERS"
        evidence = "clusters not selected"
        return Verdict(CYG_SYNERGY_CLAIM, verdict, evidence), {"cyg_verdict": verdict, "cyg_evidence": evidence}
    cyg_year = cluster_coordination(result, cyg)
    cyg_d = float(cyg_year.loc[cyg_year["year"] == last_year, "D"].iloc[0])
    yrd_d = float(cluster_year_rows(cluster_year, last_year).at["yrd26", "D"])
    cyg_co = co_movement(result, cyg, city_level)["mean_corr"].mean()
    yrd_co = float(comove_mean["yrd26"])
    cyg_moran = moran_by_cluster(result, cyg, last_year).iloc[0]
    verdict = synergy_verdict_text(cyg_d, yrd_d, cyg_co, yrd_co)
    evidence = (f"{last_year} mean D: Chengdu–Chongqing–Guiyang {cyg_d:.3f}, YRD (26) {yrd_d:.3f}; "
                f"co-movement of ΔU {first_year}–{last_year}: {cyg_co:.2f} vs {yrd_co:.2f}; "
                f"Moran's I of D {cyg_moran['I']:.2f} (p = {cyg_moran['p_sim']:.3f}) vs {moran.at['yrd26', 'I']:.2f}")
    return (Verdict(CYG_SYNERGY_CLAIM, verdict, evidence),
            {"cyg_d": cyg_d, "yrd_d": yrd_d, "cyg_verdict": verdict, "cyg_evidence": evidence})


def grade_band(d) -> np.ndarray:
    """Ten-band grade index 0–9 of coordination degrees ``d`` (bands of width 0.1; D = 1 → 9)."""
    return np.minimum((d * 10).astype(int), 9)


def exercise_values(result: ScoreResult, values: pd.DataFrame, members: pd.DataFrame,
                    cluster_year: pd.DataFrame, method: str, clusters: Sequence[str], last_year: int,
                    names: dict[str, str]) -> dict:
    """Answers to chapter 2's exercises.

    1. the other coupling formula (``ex_other_method``): share of city-years whose ten-band
       grade differs between the formulas (``ex_grade_changed``) and share graded higher with
       the other one (``ex_grade_up``);
    2. change of the mean D from the first to the last year with panel-wide normalisation
       (``ex_panel_change``) and, as a sentence, with per-year normalisation
       (``ex_peryear_text``; it cannot be computed when an indicator is constant within a year);
    3. GDP-weighted minus unweighted cluster D in ``last_year``: the cluster with the largest gap
       (``ex_gdp_max_cluster``, ``ex_gdp_max_gap``) and whether all are higher
       (``ex_gdp_all_higher``).
    """
    co = result.coordination
    other = "classic" if method == "modified" else "modified"
    out = {"ex_other_method": other,
           "ex_grade_changed": float((grade_band(co["D_classic"]) != grade_band(co["D_modified"])).mean()),
           "ex_grade_up": float((grade_band(co[f"D_{other}"]) > grade_band(co["D"])).mean())}
    pn_year = co["D"].groupby(level="year").mean()
    out["ex_panel_change"] = float(pn_year.iloc[-1] - pn_year.iloc[0])
    try:
        per_year = score_pipeline(values, method=method, scope="per_year")
        py_year = per_year.coordination["D"].groupby(level="year").mean()
        out["ex_peryear_text"] = f"it changes by {py_year.iloc[-1] - py_year.iloc[0]:+.3f}"
    except MethodInputError as error:  # few cities: an indicator can be constant within a year
        out["ex_peryear_text"] = f"it cannot be computed for the chosen clusters ({error})"
    gdp_year = cluster_coordination(result, members, weighting="gdp")
    gdp_last = gdp_year[gdp_year["year"] == last_year].set_index("cluster_id")["D"]
    gap = (gdp_last - cluster_year_rows(cluster_year, last_year)["D"]).reindex(clusters)
    out["ex_gdp_max_cluster"] = names[gap.idxmax()]
    out["ex_gdp_max_gap"] = float(gap.max())
    out["ex_gdp_all_higher"] = "higher" if (gap > 0).all() else "not always higher"
    return out
