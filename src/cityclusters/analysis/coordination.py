"""The seven subsystems of a city cluster made measurable (chapters 2 and 7).

Liu & Deng (2021) split a city cluster into seven subsystems (modern industry, public
services, ecology, science and innovation, governance, regional market, infrastructure).
This module holds the typed indicator system (``data/facts/subsystem_indicators.csv``), reads
and assembles the indicators for the cities of the chosen clusters, and runs the score
pipeline that chapters 2 and 7 share:

1. :func:`indicator_values` — raw indicators per city-year (units in the indicator table);
2. :func:`score_pipeline` — panel-wide min–max normalisation, entropy weights within each
   subsystem, subsystem scores U, coupling coordination (classic and modified C);
3. the synergy relations (:func:`cluster_coordination`, :func:`co_movement`,
   :func:`moran_by_cluster`), the order parameters (:func:`order_parameters`) and the
   obstacle degrees (:func:`obstacles`).

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
from cityclusters.data import tables
from cityclusters.data.facts import read_fact
from cityclusters.data.sources import subsystem_data as src
from cityclusters.data.sources.reading import assign_city_codes
from cityclusters.data.store import cached_frame
from cityclusters.errors import SourceFormatError
from cityclusters.indicators import coupling as coupling_mod
from cityclusters.indicators import obstacle as obstacle_mod
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


def obstacles(result: ScoreResult, members: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    """Obstacle degrees in ``year`` from the chapter-2 weights (障碍度).

    O_ij = w_j (1 − x'_ij) / Σ_j w_j (1 − x'_ij) with w_j the overall weights. Returns
    ``indicator`` (city × indicator), ``subsystem`` (city × subsystem) and the cluster means
    ``cluster_indicator`` and ``cluster_subsystem`` (cluster × …, mean over member cities).
    """
    x = result.normalised.xs(year, level="year")
    weights = result.weights["overall"]
    by_indicator = obstacle_mod.obstacle_degree(x, weights)
    subsystem_of = result.weights["subsystem_id"].to_dict()
    by_subsystem = obstacle_mod.subsystem_obstacle(by_indicator, subsystem_of)
    out = {"indicator": by_indicator, "subsystem": by_subsystem}
    for name, frame in (("cluster_indicator", by_indicator), ("cluster_subsystem", by_subsystem)):
        long = members[["cluster_id", "city_code"]].merge(frame.reset_index(), on="city_code")
        out[name] = long.drop(columns="city_code").groupby("cluster_id", sort=False).mean()
    return out


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
