"""The seven subsystems of a city cluster made measurable: the synergy relations and order
parameters of chapter 2, on the book's one coordination index.

Liu & Deng (2021) split a city cluster into seven subsystems (modern industry, public
services, ecology, science and innovation, governance, regional market, infrastructure).
The book scores them once, for every prefecture-level city-year, in
:mod:`cityclusters.analysis.coordination_index` (the *yardstick*); its
:func:`~cityclusters.analysis.coordination_index.yardstick_result` is a :class:`ScoreResult`,
and this module works on it:

1. :func:`cluster_coordination` — cluster means of U, T, C and D over member cities;
2. the synergy relations (:func:`co_movement`, :func:`moran_by_cluster`) and the order
   parameters (:func:`order_parameters`), which handle the indicators missing in the
   yardstick explicitly (see each function);
3. the values, tables and verdict chapter 2 reports (:func:`restrict_years` …
   :func:`synergy_verdict`, :func:`exercise_values`).

It also keeps the first edition's indicator system (``data/facts/subsystem_indicators.csv``,
partly provincial) and its pipeline (:func:`indicator_values`, :func:`score_pipeline`:
min–max over the chosen cities, entropy weights, classic and modified C) for the chapters not
yet moved to the yardstick; chapter 2 no longer uses them.

The obstacle degrees of chapter 7 are in :mod:`cityclusters.analysis.obstacles`.

Formulas live in :mod:`cityclusters.indicators`; this module only assembles data and calls
them.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from cityclusters import config
from cityclusters.analysis.coordination_index import (  # noqa: F401 (re-exported)
    D_RECORD_COLUMNS,
    ScoreResult,
    cluster_d_by_specification,
    d_records,
)
from cityclusters.analysis.verdicts import Verdict, cap_by_multiverse, multiverse_support
from cityclusters.analysis.wording import count_phrase
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.data.names import bilingual
from cityclusters.data.provenance import remembered
from cityclusters.data.sources import subsystem_data as src
from cityclusters.data.sources.reading import assign_city_codes
from cityclusters.data.store import cached_frame
from cityclusters.errors import MethodInputError, SourceFormatError
from cityclusters.indicators import coupling as coupling_mod
from cityclusters.indicators import multiverse as multiverse_mod
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


@remembered
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


@remembered
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


@remembered
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


# ----------------------------------------------------------------------------- the pipeline
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

    Missing values: only cities with a score U in every year of ``result`` enter (changes
    need a balanced panel), so a city unscored in any year is left out of every pair. On the
    yardstick (:func:`cityclusters.analysis.coordination_index.yardstick_result`) U exists
    wherever one indicator of the subsystem is observed: where another is missing, U is the
    weighted mean of the observed ones, so a change of U can also reflect a change of which
    indicators are observed. Clusters with fewer than 2 such cities or fewer than 3 changes
    get NaN. Columns: cluster_id, subsystem_id, mean_corr, pairs, cities.
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


def order_parameters(result: ScoreResult) -> pd.DataFrame:
    """Candidate order parameters (序参量): indicators that weigh much and change slowly.

    speed_j = mean of |x'_{i,t} − x'_{i,t−1}| over the pairs of consecutive years of one city
    in which both values are observed (normalised units per year); order-parameter share
    OP_j = (w_j / speed_j) / Σ_k (w_k / speed_k), with w_j the overall weight. This is our
    operationalisation of the slaving principle (slow variables dominate), not a formula of
    the papers.

    Missing values: the normalised x' of the yardstick is NaN where an indicator is missing
    (nothing is imputed); a pair with a missing end is left out of that indicator's speed,
    and ``pairs`` counts the pairs used. An indicator with no pair, or one that never changes,
    is refused (``ValueError`` naming it).
    Columns: indicator_id, subsystem_id, weight, speed, pairs, op_share, rank.
    """
    x = result.normalised.sort_index()
    years = pd.Series(x.index.get_level_values("year"), index=x.index)
    consecutive = (years.groupby(level="city_code").diff() == 1).to_numpy()
    changes = x.groupby(level="city_code").diff()[consecutive].abs()  # NaN if either end is missing
    pairs = changes.notna().sum()
    speed = changes.mean(skipna=True)
    bad = list(speed.index[(pairs == 0) | ~(speed > 0)])
    if bad:
        raise ValueError(f"order_parameters: indicators {bad} have no observed change between "
                         "consecutive years")
    weight = result.weights["overall"]
    ratio = weight / speed
    out = pd.DataFrame({"subsystem_id": result.weights["subsystem_id"], "weight": weight,
                        "speed": speed, "pairs": pairs.astype(int), "op_share": ratio / ratio.sum()})
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
# Chapter 2 reads the book's one coordination index (the yardstick,
# :func:`cityclusters.analysis.coordination_index.yardstick_result`): the functions below
# take its ScoreResult and frames as arguments (this module cannot import the index module,
# which imports ScoreResult from here).

#: Claim of paper 000 tested in chapter 2 (an id of ``data/facts/seed_claims.csv``).
CYG_SYNERGY_CLAIM = "p000_cyg_lacks_synergy"
#: The union tested by that claim and its benchmark.
CYG, YRD = "chengyugui", "yrd26"
#: Permutation p at or below which a positive Moran's I counts as spatial dependence.
MORAN_ALPHA = 0.05
#: Columns of the frames of D values a chapter prints (one row per glued D).


#: Chapter 2's parameters that choose a specification, with the choices of each.
SPECIFICATION_PARAMETERS = {"SCALING": multiverse_mod.SCALINGS, "WEIGHTING": multiverse_mod.WEIGHTINGS,
                            "AGGREGATION": weights_mod.AGGREGATIONS}


def check_chapter_parameters(method: str, map_years: Sequence[int], first_year: int, last_year: int,
                             **choices: str) -> None:
    """Refuse a coupling ``method`` not in :data:`~cityclusters.indicators.coupling.COUPLING_METHODS`,
    a choice of :data:`SPECIFICATION_PARAMETERS` (``SCALING="…"``, …) outside its list, and map
    years that are empty or outside ``first_year``–``last_year`` (``ValueError`` naming the
    parameter)."""
    if method not in coupling_mod.COUPLING_METHODS:
        raise ValueError(f"COUPLING_METHOD must be one of {list(coupling_mod.COUPLING_METHODS)}; got {method!r}")
    for parameter, value in choices.items():
        allowed = SPECIFICATION_PARAMETERS[parameter]
        if value not in allowed:
            raise ValueError(f"{parameter} must be one of {list(allowed)}; got {value!r}")
    bad_years = [y for y in map_years if not first_year <= y <= last_year]
    if not map_years or bad_years:
        raise ValueError(f"MAP_YEARS must be 1-3 years within {first_year}-{last_year}; got {map_years}")


def restrict_years(result: ScoreResult, first_year: int, last_year: int) -> ScoreResult:
    """``result`` cut to the city-years of ``first_year``–``last_year``.

    Only rows are removed: the scaling and the weights stay those estimated over the whole
    panel, so every city-year keeps the yardstick's D (re-scoring a shorter period would
    give other values)."""
    def cut(frame):
        years = frame.index.get_level_values("year")
        return frame[(years >= first_year) & (years <= last_year)]

    coordination = cut(result.coordination)
    if coordination.empty:
        raise ValueError(f"restrict_years: no scored city-year in {first_year}-{last_year}")
    dropped = result.dropped[result.dropped["year"].between(first_year, last_year)].reset_index(drop=True)
    return ScoreResult(cut(result.raw), cut(result.normalised), result.weights, cut(result.scores),
                       coordination, dropped, result.method, cut(result.gdp))


def alternative_d(method: str, main_method: str) -> str | None:
    """The column of an alternative D shown beside the book's: None when ``method`` is the
    yardstick's own coupling formula ``main_method``, else ``"D_<method>"``.

    >>> alternative_d("classic", "classic") is None, alternative_d("modified", "classic")
    (True, 'D_modified')
    """
    coupling_mod.require_choice(method, coupling_mod.COUPLING_METHODS, "COUPLING_METHOD")
    return None if method == main_method else f"D_{method}"


def chosen_specification(main, *, scaling: str, weighting: str, coupling: str, aggregation: str):
    """The specification a run of chapter 2 asks for: the book's ``main`` with the chosen
    scaling, weighting, coupling formula and aggregation (all indicators)."""
    from dataclasses import replace

    return replace(main, scaling=scaling, weighting=weighting, coupling=coupling, aggregation=aggregation)


def specification_comparison(multiverse_frame: pd.DataFrame, main, chosen, clusters: Sequence[str],
                             years: Sequence[int], names: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """Each cluster's mean D under the book's specification ``main`` and under ``chosen`` (both
    from :func:`cityclusters.analysis.coordination_index.cluster_multiverse`), in ``years``,
    with the clusters' rank under each in the last year.

    Values: ``spec_text`` (which specification the run asked for, in words), ``spec_same``
    (True when ``chosen`` is ``main``), ``spec_rank_text`` (whether the ranking of the last
    year is the book's) and ``spec_max_change`` (largest |ΔD|).
    """
    from cityclusters.analysis.coordination_index import spec_number

    frames = {}
    for label, spec in (("book", main), ("this run", chosen)):
        rows = multiverse_frame[multiverse_frame["spec"] == spec_number(multiverse_frame, spec)]
        frames[label] = rows.set_index(["cluster_id", "year"])["D"]
    table = {"cluster": [names[c] for c in clusters]}
    for year in years:
        for label in ("book", "this run"):
            table[f"D {year} ({label})"] = [frames[label].get((c, year), np.nan) for c in clusters]
    frame = pd.DataFrame(table)
    last = years[-1]
    ranks = {label: frame[f"D {last} ({label})"].rank(ascending=False, method="min") for label in ("book", "this run")}
    frame[f"rank {last} (book)"] = ranks["book"].astype("Int64")
    frame[f"rank {last} (this run)"] = ranks["this run"].astype("Int64")
    same = chosen == main
    changed = [f"{factor} = {getattr(chosen, factor)!r} (book: {getattr(main, factor)!r})"
               for factor in ("scaling", "weighting", "coupling", "aggregation")
               if getattr(chosen, factor) != getattr(main, factor)]
    deltas = [abs(frame[f"D {y} (this run)"] - frame[f"D {y} (book)"]).max() for y in years]
    values = {"spec_same": bool(same),
              "spec_text": ("This run uses the book's own specification, so the two columns agree; rerun the "
                            "chapter with, say, WEIGHTING = \"critic\" to see them differ." if same else
                            "This run asked for " + ", ".join(changed) + "."),
              "spec_rank_text": ("the same as the book's" if (ranks["book"] == ranks["this run"]).all()
                                 else "not the book's"),
              "spec_max_change": float(np.nanmax(deltas)) if len(deltas) else 0.0}
    return frame, values


def method_text(method: str, main_method: str) -> str:
    """The sentence saying which D the chapter reports (the book's, or the book's and an
    alternative)."""
    column = alternative_d(method, main_method)
    if column is None:
        return (f"This chapter, like every chapter of the book, reports the D of the main specification, "
                f"with the {main_method} C.")
    return (f"This run was asked for COUPLING_METHOD = \"{method}\": beside the book's D (with the "
            f"{main_method} C) the cluster table shows an alternative, {column}, computed with the {method} "
            "C. It is not the book's D: every other number and every verdict below uses the book's D.")


def index_summary(result: ScoreResult, members: pd.DataFrame, indicators: pd.DataFrame,
                  subsystem_labels: dict[str, str], first_year: int, last_year: int) -> dict:
    """What the yardstick covers among the chosen clusters' cities in ``first_year``–``last_year``.

    ``result`` is the yardstick cut to those years (:func:`restrict_years`) and ``indicators``
    its indicators (:func:`cityclusters.analysis.coordination_index.index_indicators`).
    Values: ``n_indicators``, ``n_subsystems``, ``missing_subsystems`` (labels of the seven
    subsystems without an indicator), ``n_member_city_years`` (distinct member cities × years),
    ``n_scored`` (those with a D), ``n_unscored``, ``unscored_cities`` (cities with at least one
    unscored year, with the count), ``n_partial`` and ``partial_share`` (scored member
    city-years with at least one indicator missing, whose subsystem scores use the observed
    indicators only)."""
    codes = sorted(members["city_code"].unique())
    years = range(first_year, last_year + 1)
    grid = pd.MultiIndex.from_product([codes, years], names=["city_code", "year"])
    scored = grid.isin(result.coordination.index)
    unscored = pd.Series(~scored, index=grid).groupby(level="city_code").sum()
    unscored = unscored[unscored > 0]
    labels = members.drop_duplicates("city_code").set_index("city_code")
    unscored_cities = "; ".join(
        f"{bilingual(labels.at[c, 'name_zh'], labels.at[c, 'name_pinyin'])}, {n} of {len(years)} years"
        for c, n in unscored.items()) or "none"
    partial = result.raw.reindex(grid[scored]).isna().any(axis=1)
    measured_ids = set(indicators["subsystem_id"])
    missing = [subsystem_labels.get(s, s) for s in SUBSYSTEMS if s not in measured_ids]
    return {
        "n_indicators": len(indicators), "n_subsystems": len(measured_ids),
        "missing_subsystems": ", ".join(missing) or "none",
        "n_member_city_years": len(grid), "n_scored": int(scored.sum()), "n_unscored": int((~scored).sum()),
        "unscored_cities": unscored_cities,
        "n_partial": int(partial.sum()), "partial_share": float(partial.mean()) if len(partial) else 0.0,
    }


def coverage_table(panel: pd.DataFrame, result: ScoreResult, members: pd.DataFrame, clusters: Sequence[str],
                   indicators: pd.DataFrame, first_year: int, last_year: int, names: dict[str, str],
                   short_labels: dict[str, str]) -> pd.DataFrame:
    """How complete the yardstick is for each chosen cluster over ``first_year``–``last_year``.

    Every member city counts in every year. Columns: cluster, cities, city-years, ``scored``
    (share of city-years with a D), ``all indicators`` (share with every indicator observed),
    ``least covered`` (the indicator observed least often) and its share ``its share``.
    Shares per indicator from :func:`cityclusters.data.city_indicators.indicator_coverage`
    over ``panel`` (:func:`~cityclusters.data.city_indicators.city_indicator_panel`)."""
    from cityclusters.data.city_indicators import indicator_coverage

    chosen = members[members["cluster_id"].isin(clusters)]
    in_period = panel[panel["year"].between(first_year, last_year)]
    per_indicator = indicator_coverage(in_period, chosen, indicators)
    shares = (per_indicator.groupby(["cluster_id", "indicator_id"])[["with_value", "cities"]].sum()
              .pipe(lambda f: f["with_value"] / f["cities"]).unstack("indicator_id"))
    ids = list(indicators["indicator_id"])
    observed = in_period.set_index(["city_code", "year"])[ids]
    rows = []
    for cluster in clusters:
        codes = sorted(chosen.loc[chosen["cluster_id"] == cluster, "city_code"].unique())
        grid = pd.MultiIndex.from_product([codes, range(first_year, last_year + 1)], names=["city_code", "year"])
        least = shares.loc[cluster, ids].idxmin()
        rows.append({"cluster": names[cluster], "cities": len(codes), "city-years": len(grid),
                     "scored": float(grid.isin(result.coordination.index).mean()),
                     "all indicators": float(observed.reindex(grid).notna().all(axis=1).mean()),
                     "least covered": short_labels[least], "its share": float(shares.at[cluster, least])})
    return pd.DataFrame(rows)


def city_level_subsystems(rows: pd.DataFrame, subsystems: Sequence[str]) -> list[str]:
    """The subsystems of ``subsystems`` whose indicators (rows with a ``level`` column) are all
    measured at city level (not assigned from provinces), in the given order."""
    return [s for s in subsystems if (rows.loc[rows["subsystem_id"] == s, "level"] == "city").all()]


def weight_table(result: ScoreResult, labels: dict[str, str], subsystem_labels: dict[str, str]) -> pd.DataFrame:
    """The weights as chapter 2 shows them: subsystem, indicator, weight within the subsystem
    (shares summing to 1 per subsystem), the equal weight 1/k of a subsystem with k
    indicators (for comparison) and the overall weight (within weight / number of
    subsystems; shares summing to 1)."""
    w = result.weights.reset_index(names="indicator_id")
    shown = w.assign(subsystem=w["subsystem_id"].map(lambda s: subsystem_labels[s]),
                     indicator=w["indicator_id"].map(labels),
                     equal=1.0 / w.groupby("subsystem_id")["indicator_id"].transform("size"))
    return (shown[["subsystem", "indicator", "within", "equal", "overall"]]
            .rename(columns={"within": "weight in subsystem", "equal": "equal weight",
                             "overall": "overall weight"}))


def weight_values(result: ScoreResult, short_labels: dict[str, str], subsystem_labels: dict[str, str]) -> dict:
    """Among subsystems with several indicators, the largest and the smallest weight within a
    subsystem: ``top_within_indicator``, ``top_within_weight`` (share), ``top_within_subsystem``,
    ``top_within_equal`` (the equal weight 1/k of that subsystem) and the same with ``low_``."""
    w = result.weights.reset_index(names="indicator_id")
    size = w.groupby("subsystem_id")["indicator_id"].transform("size")
    multi = w[size > 1].assign(equal=1.0 / size[size > 1]).sort_values("within", ascending=False)
    out = {}
    for prefix, row in (("top", multi.iloc[0]), ("low", multi.iloc[-1])):
        out.update({f"{prefix}_within_indicator": short_labels[row["indicator_id"]],
                    f"{prefix}_within_weight": float(row["within"]),
                    f"{prefix}_within_subsystem": subsystem_labels[row["subsystem_id"]],
                    f"{prefix}_within_equal": float(row["equal"])})
    return out


def coupling_values(coordination: pd.DataFrame) -> dict:
    """Distribution of the classic and the modified coupling degree C over the city-years of
    ``coordination``: per method m, ``c_m_median``, ``c_m_iqr`` (interquartile range),
    ``c_m_cv`` (coefficient of variation, sd/mean) and ``c_m_high`` (share of city-years with
    C ≥ 0.5); ``d_gap_mean``, the mean of D(classic C) − D(modified C), and ``n_coupling``,
    the number of city-years."""
    out = {"n_coupling": len(coordination)}
    for m in ("classic", "modified"):
        c = coordination[f"C_{m}"]
        out[f"c_{m}_median"] = float(c.median())
        out[f"c_{m}_iqr"] = float(c.quantile(0.75) - c.quantile(0.25))
        out[f"c_{m}_cv"] = float(c.std() / c.mean())
        out[f"c_{m}_high"] = float((c >= 0.5).mean())
    out["d_gap_mean"] = float((coordination["D_classic"] - coordination["D_modified"]).mean())
    return out


def cluster_year_rows(cluster_year: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of :func:`cluster_coordination` for ``year``, indexed by cluster_id."""
    return cluster_year[cluster_year["year"] == year].set_index("cluster_id")


def cluster_table(cluster_year: pd.DataFrame, clusters: Sequence[str], first_year: int, last_year: int,
                  names: dict[str, str], alternative: str | None = None) -> pd.DataFrame:
    """Cluster means (unweighted over member cities) of D, T and C in the first and the last
    year, with the number of cities scored in the last year; with ``alternative`` (a column
    such as ``"D_modified"``, :func:`alternative_d`) also that D in both years."""
    first, last = cluster_year_rows(cluster_year, first_year), cluster_year_rows(cluster_year, last_year)
    table = {"cluster": [names[c] for c in clusters],
             "cities scored": [int(last.at[c, "cities"]) for c in clusters]}
    for column in ("D", "T", "C", *([alternative] if alternative else [])):
        for year, rows in ((first_year, first), (last_year, last)):
            table[f"{column} {year}"] = [rows.at[c, column] for c in clusters]
    return pd.DataFrame(table)


def cluster_values(cluster_year: pd.DataFrame, coordination: pd.DataFrame, members: pd.DataFrame,
                   clusters: Sequence[str], first_year: int, last_year: int, names: dict[str, str],
                   subsystem_labels: dict[str, str]) -> tuple[dict, pd.DataFrame]:
    """Chapter 2's sentences on the clusters and their cities.

    Values: best and worst cluster by mean D in ``last_year`` (``best_cluster``,
    ``worst_cluster``), how many clusters' mean D, T and C rose since ``first_year``
    (``n_rose``, ``rose_word``: "all" or "k of the n"; ``n_t_rose``, ``n_c_rose``), the most
    common grade of the member cities in ``last_year`` (``modal_grade`` as "English (中文)",
    ``modal_grade_share``) and the subsystem most often lagging (``top_lagging``,
    ``top_lagging_share``). D records (:func:`d_records`): ``best_d`` and ``worst_d``.

    Phrases that read right for one cluster too (:mod:`cityclusters.analysis.wording`):
    ``rose_phrase`` ("all 5 clusters", "the one cluster"), ``every_cluster_mean`` ("the mean of
    every chosen cluster", "the cluster's mean"), ``tc_rose`` ("T rose in all 5 clusters and C in
    all 5"; "T rose and so did C" for one cluster) and ``rank_sentence`` ("In 2019 A ranks first
    (0.741) and B last (0.580)."; for one cluster its mean D, said to be the only one chosen)."""
    first, last = cluster_year_rows(cluster_year, first_year), cluster_year_rows(cluster_year, last_year)
    best, worst = last.loc[list(clusters), "D"].idxmax(), last.loc[list(clusters), "D"].idxmin()
    rose = {c: int((last.loc[list(clusters), c] > first.loc[list(clusters), c]).sum()) for c in ("D", "T", "C")}
    codes = set(members["city_code"])
    city_last = coordination.xs(last_year, level="year")
    city_last = city_last[city_last.index.isin(codes)]
    grade_counts = city_last["grade_en"].value_counts()
    modal = grade_counts.idxmax()
    lag = city_last["lagging_subsystem"].value_counts()
    values = {
        "best_cluster": names[best], "worst_cluster": names[worst],
        "n_rose": rose["D"], "n_t_rose": rose["T"], "n_c_rose": rose["C"],
        "rose_word": "all" if rose["D"] == len(clusters) else f"{rose['D']} of the {len(clusters)}",
        "rose_phrase": count_phrase(rose["D"], len(clusters), "cluster"),
        "every_cluster_mean": {1: "the cluster's mean", 2: "the mean of both clusters"}.get(
            len(clusters), "the mean of every chosen cluster"),
        "tc_rose": _tc_rose(rose["T"], rose["C"], len(clusters)),
        "rank_sentence": (f"In {last_year} {names[best]}, the only cluster chosen, has a mean D of "
                          f"{last.at[best, 'D']:.3f}." if len(clusters) == 1 else
                          f"In {last_year} {names[best]} ranks first ({last.at[best, 'D']:.3f}) and "
                          f"{names[worst]} last ({last.at[worst, 'D']:.3f})."),
        "modal_grade": f"{modal} ({city_last['grade'][city_last['grade_en'] == modal].iloc[0]})",
        "modal_grade_share": float(grade_counts.max() / grade_counts.sum()),
        "top_lagging": subsystem_labels.get(lag.index[0], lag.index[0]),
        "top_lagging_share": float(lag.iloc[0] / lag.sum()),
    }
    records = d_records([("best_d", best, last_year, last.at[best, "D"]),
                         ("worst_d", worst, last_year, last.at[worst, "D"])])
    return values, records


def _tc_rose(k_t: int, k_c: int, n: int) -> str:
    """"T rose in … and C in …" for ``k_t`` and ``k_c`` of ``n`` clusters.

    >>> _tc_rose(5, 5, 5), _tc_rose(1, 0, 1), _tc_rose(2, 0, 5)
    ('T rose in all 5 clusters and C in all 5', 'T rose and C did not', 'T rose in 2 of the 5 clusters and C in none')
    """
    if n == 1:
        return f"T {'rose' if k_t else 'did not rise'} and {'so did C' if k_t and k_c else 'C rose' if k_c else 'C did not' if k_t else 'neither did C'}"
    second = {0: "none", n: "both" if n == 2 else f"all {n}"}.get(k_c, str(k_c))
    return f"T rose in {count_phrase(k_t, n, 'cluster')} and C in {second}"


def rise_support(multiverse_frame: pd.DataFrame, clusters: Sequence[str], first_year: int,
                 last_year: int) -> pd.Series:
    """Per specification of the cluster multiverse
    (:func:`cityclusters.analysis.coordination_index.cluster_multiverse`): did the mean D of
    every cluster of ``clusters`` rise from ``first_year`` to ``last_year``? (Boolean Series
    indexed by spec; a specification missing a cluster-year is NaN, left out by
    :func:`~cityclusters.analysis.verdicts.multiverse_support`.)"""
    wide = cluster_d_by_specification(multiverse_frame, clusters, [first_year, last_year])
    change = pd.DataFrame({c: wide[(c, last_year)] - wide[(c, first_year)] for c in clusters})
    return (change > 0).all(axis=1).astype(object).where(change.notna().all(axis=1))


def synergy_relations(result: ScoreResult, members: pd.DataFrame, cluster_year: pd.DataFrame,
                      subsystems: Sequence[str], clusters: Sequence[str], year: int,
                      names: dict[str, str]) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Three of the four synergy relations per cluster: mean D in ``year`` (城内异质), the mean
    over ``subsystems`` of the co-movement of ΔU over the years of ``result`` (城际同质,
    :func:`co_movement`) and Moran's I of D in ``year`` with its permutation p (城际异质,
    :func:`moran_by_cluster`).

    Returns the table, the co-movement per cluster (Series) and the Moran frame indexed by
    cluster_id.
    """
    last = cluster_year_rows(cluster_year, year)
    comove = co_movement(result, members, subsystems)
    comove_mean = comove.groupby("cluster_id", sort=False)["mean_corr"].mean()
    comove_cities = comove.groupby("cluster_id", sort=False)["cities"].min()
    moran = moran_by_cluster(result, members, year).set_index("cluster_id")
    table = pd.DataFrame({
        "cluster": [names[c] for c in clusters],
        f"mean D {year} (城内异质)": [last.at[c, "D"] for c in clusters],
        "co-movement ΔU (城际同质)": [comove_mean.get(c, np.nan) for c in clusters],
        "cities in co-movement": [int(comove_cities.get(c, 0)) for c in clusters],
        f"Moran's I of D {year} (城际异质)": [moran.at[c, "I"] for c in clusters],
        "p (permutation)": [moran.at[c, "p_sim"] for c in clusters],
    })
    return table, comove_mean, moran


def relation_values(comove_mean: pd.Series, moran: pd.DataFrame, subsystems: Sequence[str],
                    names: dict[str, str], subsystem_labels: dict[str, str], alpha: float = MORAN_ALPHA) -> dict:
    """Chapter 2's sentences on the synergy relations: the subsystems of the co-movement
    (``comove_subsystems``, ``n_comove_subsystems``), the clusters with the highest and lowest
    co-movement (``top_comove_cluster``, ``top_comove``, ``low_comove_cluster``,
    ``low_comove``), the clusters with a positive Moran's I at permutation p ≤ ``alpha``
    (``n_moran_sig``, ``moran_sig_names`` and ``moran_sig_text``: "in none of them" or "in k of
    them (names)"), the range of I (``moran_min``, ``moran_max``), ``moran_alpha`` and the
    permutation seed (``moran_seed``); the co-movement and Moran sentences in words that read
    right for one cluster (``comove_sentence``, ``moran_sentence``)."""
    top_co, low_co = comove_mean.idxmax(), comove_mean.idxmin()
    positive = moran[(moran["p_sim"] <= alpha) & (moran["I"] > 0)]
    return {
        "comove_subsystems": ", ".join(subsystem_labels[s] for s in subsystems),
        "n_comove_subsystems": len(subsystems),
        "top_comove_cluster": names[top_co], "top_comove": float(comove_mean.max()),
        "low_comove_cluster": names[low_co], "low_comove": float(comove_mean.min()),
        "n_moran_sig": len(positive),
        "moran_sig_names": ", ".join(names[c] for c in positive.index) or "none",
        "moran_sig_text": (f"in {len(positive)} of them ({', '.join(names[c] for c in positive.index)})"
                           if len(positive) else "in none of them"),
        "moran_min": float(moran["I"].min()), "moran_max": float(moran["I"].max()),
        "moran_alpha": alpha, "moran_seed": spatial_mod.DEFAULT_SEED,
        "comove_sentence": (f"Co-movement in {names[top_co]} is {comove_mean.max():.2f}." if len(comove_mean) == 1 else
                            f"Co-movement is highest in {names[top_co]} ({comove_mean.max():.2f}) and lowest in "
                            f"{names[low_co]} ({comove_mean.min():.2f})."),
        "moran_sentence": (
            (f"In {names[moran.index[0]]} I is {moran['I'].iloc[0]:.2f}; it is "
             f"{'' if len(positive) else 'not '}positive with a permutation p of at most {alpha:g}.")
            if len(moran) == 1 else
            (f"Across the chosen clusters I ranges from {moran['I'].min():.2f} to {moran['I'].max():.2f}; it is "
             f"positive with a permutation p of at most {alpha:g} " + (
                 f"in {len(positive)} of them ({', '.join(names[c] for c in positive.index)})."
                 if len(positive) else "in none of them."))),
    }


def rank_stability_sentence(max_rank_width: float, n_clusters: int) -> str:
    """Chapter 2's sentence on how far the clusters' ranks move across the middle 90 % of
    specifications (``max_rank_width`` places at most), or that one cluster has no rank to move.

    >>> rank_stability_sentence(0.0, 1)
    'With one cluster there is no ranking for the choices to move, only its level.'
    >>> rank_stability_sentence(1.0, 5)[-72:]
    "1 place(s): the choices move the clusters' levels more than their order."
    """
    if n_clusters == 1:
        return "With one cluster there is no ranking for the choices to move, only its level."
    return (f"Across the middle 90 % of specifications no cluster's rank moves by more than "
            f"{max_rank_width:.0f} place(s): the choices move the clusters' levels more than their order.")


def order_parameter_table(op: pd.DataFrame, labels: dict[str, str], subsystem_labels: dict[str, str]
                          ) -> pd.DataFrame:
    """:func:`order_parameters` as chapter 2 shows it: rank, indicator, subsystem, overall
    weight, speed per year (normalised units), the pairs of years it rests on and the
    order-parameter share."""
    return (op.assign(indicator=op["indicator_id"].map(labels),
                      subsystem=op["subsystem_id"].map(subsystem_labels))
            [["rank", "indicator", "subsystem", "weight", "speed", "pairs", "op_share"]]
            .rename(columns={"weight": "overall weight", "speed": "speed per year",
                             "pairs": "pairs of years", "op_share": "order-parameter share"}))


def order_parameter_values(op: pd.DataFrame, short_labels: dict[str, str], subsystem_labels: dict[str, str]
                           ) -> dict:
    """The first two candidate order parameters (``op1``, ``op1_share``, ``op1_subsystem``,
    ``op2``, ``op2_share``, ``op2_subsystem``), their joint share (``op_top2_share``), the last
    (``op_last``) and the fewest pairs of years an indicator's speed rests on (``op_min_pairs``)."""
    return {
        "op1": short_labels[op.iloc[0]["indicator_id"]],
        "op1_share": float(op.iloc[0]["op_share"]),
        "op1_subsystem": subsystem_labels[op.iloc[0]["subsystem_id"]],
        "op2": short_labels[op.iloc[1]["indicator_id"]],
        "op2_share": float(op.iloc[1]["op_share"]),
        "op2_subsystem": subsystem_labels[op.iloc[1]["subsystem_id"]],
        "op_top2_share": float(op["op_share"].iloc[:2].sum()),
        "op_last": short_labels[op.iloc[-1]["indicator_id"]],
        "op_min_pairs": int(op["pairs"].min()),
    }


def synergy_criteria(cyg_d: float, yrd_d: float, cyg_co: float, yrd_co: float, moran_i: float,
                     moran_p: float, alpha: float = MORAN_ALPHA) -> dict[str, bool]:
    """The three measurable relations of claim :data:`CYG_SYNERGY_CLAIM`, each True when it
    points to a lack of synergy in Chengdu–Chongqing–Guiyang:

    - ``between_same`` (城际同质): its cities' subsystem scores co-move less than the YRD's;
    - ``between_across`` (城际异质): Moran's I of D among its cities is not positive at
      permutation p ≤ ``alpha`` (no spatial dependence, as the claim expects; a positive I is a
      trace of spillover between cities, which the claim denies);
    - ``within`` (城内异质): its mean D is below the YRD's.

    >>> synergy_criteria(0.5, 0.7, 0.11, 0.10, 0.29, 0.01)
    {'between_same': False, 'between_across': False, 'within': True}
    """
    return {"between_same": bool(cyg_co < yrd_co),
            "between_across": not (moran_i > 0 and moran_p <= alpha),
            "within": bool(cyg_d < yrd_d)}


#: How each criterion of :func:`synergy_criteria` reads when it holds and when it does not.
CRITERION_TEXT = {
    "between_same": ("its cities' subsystem scores co-move less than the YRD (26)'s (城际同质)",
                     "its cities' subsystem scores co-move at least as much as the YRD (26)'s (城际同质)"),
    "between_across": ("Moran's I finds no spatial dependence of D among its cities (城际异质)",
                       "D is spatially clustered among its cities, a trace of spillover (城际异质)"),
    "within": ("its mean D is below the YRD (26)'s (城内异质)",
               "its mean D is not below the YRD (26)'s (城内异质)"),
}


def synergy_verdict_text(criteria: dict[str, bool], d_share: float, n_specs: int) -> str:
    """Verdict on claim :data:`CYG_SYNERGY_CLAIM` from :func:`synergy_criteria`: "supported"
    only if all three criteria hold, "not supported" if none does, else "partly supported",
    naming what holds and what does not. Then the multiverse rule
    (:func:`~cityclusters.analysis.verdicts.cap_by_multiverse`) with ``d_share``, the share of
    the ``n_specs`` specifications in which the criterion that rests on D (``within``) holds:
    a "supported" that flips inside the multiverse becomes "partly supported". The last
    clause before the share is the D criterion, so the share reads as its support.

    >>> synergy_verdict_text({"between_same": False, "between_across": True, "within": True}, 1.0, 2400)
    ... # doctest: +NORMALIZE_WHITESPACE
    "partly supported: Moran's I finds no spatial dependence of D among its cities (城际异质), but
    its cities' subsystem scores co-move at least as much as the YRD (26)'s (城际同质); its mean D
    is below the YRD (26)'s (城内异质); holds in 100% of 2,400 specifications"
    """
    others = [k for k in criteria if k != "within"]
    holding = [CRITERION_TEXT[k][0] for k in others if criteria[k]]
    failing = [CRITERION_TEXT[k][1] for k in others if not criteria[k]]
    d_clause = CRITERION_TEXT["within"][0 if criteria["within"] else 1]
    if all(criteria.values()):
        category = "supported"
    elif not any(criteria.values()):
        category = "not supported"
    else:
        category = "partly supported"
    parts = " and ".join(holding)
    if failing:
        parts = f"{parts}, but {' and '.join(failing)}" if parts else " and ".join(failing)
    return cap_by_multiverse(f"{category}: {parts}; {d_clause}", d_share, n_specs)


def synergy_verdict(result: ScoreResult, members: pd.DataFrame, cluster_year: pd.DataFrame,
                    comove_mean: pd.Series, moran: pd.DataFrame, subsystems: Sequence[str],
                    clusters: Sequence[str], first_year: int, last_year: int,
                    multiverse_frame: pd.DataFrame) -> tuple[Verdict, dict, pd.DataFrame]:
    """Verdict on claim :data:`CYG_SYNERGY_CLAIM` (paper 000): Chengdu–Chongqing–Guiyang (the
    union ``chengyugui``) against the YRD (26), on the yardstick cut to ``first_year``–``last_year``.

    Criteria (:func:`synergy_criteria`): mean D in ``last_year`` lower than the YRD's, the
    co-movement of ΔU over the period lower than the YRD's, and no positive Moran's I of D at
    p ≤ :data:`MORAN_ALPHA` among its cities. The D criterion is evaluated in every
    specification of ``multiverse_frame``
    (:func:`cityclusters.analysis.coordination_index.cluster_multiverse`,
    :func:`~cityclusters.analysis.verdicts.multiverse_support`); co-movement and Moran's I on
    the book's U and D only.

    Not testable unless the union (or its parts) and ``yrd26`` are chosen. Returns the
    verdict, the values for the prose (``cyg_verdict``, ``cyg_evidence`` and, when testable,
    ``cyg_co``, ``yrd_co``, ``cyg_moran``, ``cyg_moran_p``, ``cyg_d_share``, ``cyg_n_specs``,
    ``cyg_holds``, ``cyg_fails``) and the D records ``cyg_d`` and ``yrd_d``.
    """
    cyg = union_members(members, CYG)
    if cyg is None or YRD not in clusters:
        verdict = "not testable with our data: needs Chengdu–Chongqing, Qianzhong and YRD (26) among CLUSTERS"
        evidence = "clusters not selected"
        return (Verdict(CYG_SYNERGY_CLAIM, verdict, evidence,
            rule="not_testable",
            would_change="a rerun with Chengdu–Chongqing, Qianzhong and YRD (26) among CLUSTERS"),
                {"cyg_verdict": verdict, "cyg_evidence": evidence}, d_records([]))
    cyg_year = cluster_year_rows(cluster_coordination(result, cyg), last_year)
    cyg_d = float(cyg_year.at[CYG, "D"])
    yrd_d = float(cluster_year_rows(cluster_year, last_year).at[YRD, "D"])
    cyg_co = float(co_movement(result, cyg, subsystems)["mean_corr"].mean())
    yrd_co = float(comove_mean[YRD])
    cyg_moran = moran_by_cluster(result, cyg, last_year).iloc[0]
    criteria = synergy_criteria(cyg_d, yrd_d, cyg_co, yrd_co, cyg_moran["I"], cyg_moran["p_sim"])
    year_rows = multiverse_frame[multiverse_frame["year"] == last_year]
    wide = year_rows[year_rows["cluster_id"].isin([CYG, YRD])].pivot(index="spec", columns="cluster_id", values="D")
    holds = (wide[CYG] < wide[YRD]).astype(object).where(wide.notna().all(axis=1))
    share, n_specs = multiverse_support(holds)
    verdict = synergy_verdict_text(criteria, share, n_specs)
    evidence = (f"{last_year} mean D: Chengdu–Chongqing–Guiyang {cyg_d:.3f}, YRD (26) {yrd_d:.3f} (lower in "
                f"{share:.0%} of {n_specs:,} specifications); co-movement of ΔU {first_year}–{last_year}: "
                f"{cyg_co:.2f} vs {yrd_co:.2f}; Moran's I of D {cyg_moran['I']:.2f} (permutation p = "
                f"{cyg_moran['p_sim']:.3f}) vs {moran.at[YRD, 'I']:.2f} (p = {moran.at[YRD, 'p_sim']:.3f})")
    values = {"cyg_verdict": verdict, "cyg_evidence": evidence, "cyg_co": cyg_co, "yrd_co": yrd_co,
              "cyg_moran": float(cyg_moran["I"]), "cyg_moran_p": float(cyg_moran["p_sim"]),
              "cyg_d_share": share, "cyg_n_specs": n_specs,
              "cyg_holds": sum(criteria.values()), "cyg_criteria": len(criteria)}
    records = d_records([("cyg_d", CYG, last_year, cyg_d), ("yrd_d", YRD, last_year, yrd_d)])
    return Verdict(CYG_SYNERGY_CLAIM, verdict, evidence, rule="index_multiverse"), values, records


def grade_band(d) -> np.ndarray:
    """Ten-band grade index 0–9 of coordination degrees ``d`` (bands of width 0.1; D = 1 → 9)."""
    return np.minimum((np.asarray(d) * 10).astype(int), 9)


def per_year_change(inputs: tuple, spec, first_year: int, last_year: int) -> float:
    """Change of the mean D over all scored city-years from ``first_year`` to ``last_year``
    when the index inputs ``inputs`` (:func:`cityclusters.analysis.coordination_index.index_inputs`)
    are scored under the specification ``spec``
    (:class:`cityclusters.indicators.multiverse.Specification`, e.g. with
    ``scaling="minmax_year"``), by :func:`cityclusters.indicators.multiverse.decompose`."""
    keys, values, subsystem_of, directions, names = inputs
    parts = multiverse_mod.decompose(values, subsystem_of, directions, keys["year"].to_numpy(), spec, names=names)
    mean = pd.Series(parts["degree"]).groupby(keys["year"].to_numpy()).mean()
    return float(mean[last_year] - mean[first_year])


def exercise_values(result: ScoreResult, members: pd.DataFrame, cluster_year: pd.DataFrame,
                    clusters: Sequence[str], first_year: int, last_year: int, names: dict[str, str],
                    inputs: tuple, per_year_spec) -> dict:
    """Answers to chapter 2's exercises, on the yardstick cut to ``first_year``–``last_year``.

    1. the two coupling formulas: share of city-years whose ten-band grade differs between
       D with the classic and D with the modified C (``ex_grade_changed``) and share graded
       higher with the classic C (``ex_grade_up``);
    2. change of the mean D over all scored city-years from the first to the last year with
       the yardstick's panel-wide scaling (``ex_panel_change``) and, as a sentence, under
       ``per_year_spec`` (the main specification with scaling within each year, by
       :func:`per_year_change`; ``ex_peryear_text`` says when it cannot be computed because an
       indicator is constant within a year);
    3. GDP-weighted minus unweighted cluster D in ``last_year``: the cluster with the largest
       gap (``ex_gdp_max_cluster``, ``ex_gdp_max_gap``) and whether all are higher
       (``ex_gdp_all_higher``).
    """
    co = result.coordination
    classic, modified = grade_band(co["D_classic"]), grade_band(co["D_modified"])
    out = {"ex_grade_changed": float((classic != modified).mean()),
           "ex_grade_up": float((classic > modified).mean())}
    pn_year = co["D"].groupby(level="year").mean()
    out["ex_panel_change"] = float(pn_year[last_year] - pn_year[first_year])
    try:
        change = per_year_change(inputs, per_year_spec, first_year, last_year)
        out["ex_peryear_text"] = f"it changes by {change:+.3f}"
    except MethodInputError as error:  # an indicator can be constant within a year
        out["ex_peryear_text"] = f"it cannot be computed ({error})"
    gdp_year = cluster_coordination(result, members, weighting="gdp")
    gdp_last = gdp_year[gdp_year["year"] == last_year].set_index("cluster_id")["D"]
    gap = (gdp_last - cluster_year_rows(cluster_year, last_year)["D"]).reindex(clusters)
    out["ex_gdp_max_cluster"] = names[gap.idxmax()]
    out["ex_gdp_max_gap"] = float(gap.max())
    out["ex_gdp_all_higher"] = "higher" if (gap > 0).all() else "not always higher"
    return out
