"""Observed linkages for chapter 5: a real timetable as ground truth for the approximate rail
network, and the observed Baidu flows of the clusters (internal share, the cores' radiation,
flow centrality, gravity by PPML and the provincial border effect).

Timetable (:func:`timetable_times`, :func:`timetable_comparison`, :func:`recalibrate`)
------------------------------------------------------------------------------------
The RailwayVIS timetable (Dec 2020/Jan 2021, :func:`cityclusters.data.sources.rail.read_timetable`)
gives the fastest *direct* scheduled time between places served by one train
(:func:`cityclusters.indicators.linkages.fastest_direct_times`; transfers are not
considered). Only places whose name is a prefecture-level city's short name are used (成都,
not 青城山 or 万州: a county-level stop's times are not the city centre's), so the pairs are
city-centre pairs, comparable with chapter 5's network
(:func:`cityclusters.analysis.linkages.travel_time_matrix`, year 2020). The error is the
log ratio model / timetable; recalibration fits, on training pairs only, (a) one
multiplicative factor exp(mean log ratio) and (b) two speed factors (high-speed and other
lines, grid search on mean squared log error); both are validated leave-one-cluster-out:
each cluster's pairs are predicted by a fit on all other timetable pairs.

Observed flows
--------------
Baseline: the two ordinary weeks 2021-04-12 … 2021-04-25 (``baidu_2021``); the January 2020
matrices are a separate lens with their baseline 2020-01-01 … 01-09 (before the Spring
Festival travel season began on 10 January; the exodus and Wuhan's lockdown on 23 January
are excluded: :data:`cityclusters.data.flows.BASELINE_2020`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from cityclusters.analysis import linkages
from cityclusters.config import CLUSTER_IDS
from cityclusters.indicators.linkages import fastest_direct_times

#: Leave-one-cluster-out folds: clusters that share cities are held out together
#: (成渝 and 黔中 inside 成渝贵; the 26 YRD cities inside the 41).
FOLDS = {"chengyugui": ("chengyu", "qianzhong", "chengyugui"), "yrd41": ("yrd26", "yrd41"),
         "middle_yangtze": ("middle_yangtze",), "jingjinji": ("jingjinji",)}
#: Grid of speed factors (share of design speed) searched by :func:`fit_speed_factors`.
SPEED_GRID = tuple(np.round(np.arange(0.3, 1.21, 0.1), 2))
#: Timetable pairs used: city centres at most this far apart (km, great circle). Beyond the
#: scale of a cluster the fastest *direct* train is often a slow through train where a
#: transfer would be much faster, so the direct time stops being a ground truth for the
#: network's (transfer-free) shortest path. The largest within-cluster distance is about 600 km.
MAX_PAIR_KM = 600.0


# ----------------------------------------------------------------------------- timetable
def timetable_times(stops: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """Fastest direct scheduled time (hours) between prefecture-level cities.

    A timetable place is a city when it equals a city's short name (``name_short_zh`` of
    :func:`cityclusters.data.tables.cities`); the other places (county-level stops such as
    万州, 江油, 青城山) are left out and listed in ``attrs['other_places']``.
    Returns the columns of :func:`~cityclusters.indicators.linkages.fastest_direct_times`
    with ``a``/``b`` city codes.
    """
    by_short = cities.drop_duplicates("name_short_zh").set_index("name_short_zh")["city_code"]
    stops = stops.copy()
    stops["city_code"] = stops["place"].map(by_short)
    other = sorted(stops.loc[stops["city_code"].isna(), "place"].unique())
    times = fastest_direct_times(stops.dropna(subset=["city_code"]).astype({"city_code": int}))
    times.attrs["other_places"] = other
    return times


def cluster_of_pairs(pairs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """One row per (pair, cluster) for the pairs (``a``, ``b``) with both cities in a cluster
    (``members``: ``cluster_id``, ``city_code``)."""
    out = []
    for cluster_id, group in members.groupby("cluster_id"):
        codes = set(group["city_code"])
        inside = pairs["a"].isin(codes) & pairs["b"].isin(codes)
        out.append(pairs[inside].assign(cluster_id=cluster_id))
    return pd.concat(out, ignore_index=True) if out else pairs.iloc[0:0].assign(cluster_id="")


def model_times(network: dict, pairs: pd.DataFrame, year: int = 2020, hsr_factor: float = linkages.SPEED_FACTOR,
                other_factor: float = linkages.SPEED_FACTOR) -> pd.Series:
    """Chapter 5's network time (hours) for ``pairs`` (``a``, ``b``) in ``year``, with the
    running speed a share ``hsr_factor`` of design speed on high-speed edges
    (:func:`~cityclusters.analysis.linkages.is_hsr_line`) and ``other_factor`` on the others
    (equal factors reproduce :func:`~cityclusters.analysis.linkages.travel_time_matrix`)."""
    edges = network["edges"].copy()
    speed = edges["design_speed_kmh"].fillna(linkages.UNKNOWN_SPEED_KMH)
    edges["design_speed_kmh"] = np.where(edges["is_hsr"], speed, speed * other_factor / hsr_factor)
    codes = sorted(set(pairs["a"]) | set(pairs["b"]))
    matrix = linkages.travel_time_matrix(edges, network["coords"], year, codes, speed_factor=hsr_factor)
    return pd.Series([matrix.at[a, b] for a, b in zip(pairs["a"], pairs["b"])], index=pairs.index)


def speed_factor_matrices(network: dict, codes: Iterable[int], grid: Iterable[float] = SPEED_GRID,
                          year: int = 2020) -> dict[tuple[float, float], pd.DataFrame]:
    """The network's time matrix (hours) between ``codes`` for every (hsr, other) factor pair of
    ``grid`` (see :func:`model_times`), computed once for all folds."""
    codes = sorted(set(codes))
    grid = tuple(float(g) for g in grid)
    pairs = pd.DataFrame([(a, b) for a in codes for b in codes], columns=["a", "b"])
    out = {}
    for hsr in grid:
        for other in grid:
            values = model_times(network, pairs, year, hsr, other).to_numpy().reshape(len(codes), len(codes))
            out[(hsr, other)] = pd.DataFrame(values, index=codes, columns=codes)
    return out


def fit_speed_factors(matrices: dict[tuple[float, float], pd.DataFrame], train: pd.DataFrame) -> tuple[float, float]:
    """(hsr_factor, other_factor) among the keys of ``matrices`` (from
    :func:`speed_factor_matrices`) minimising the mean squared log error
    mean[(ln T_model − ln T_timetable)²] over the ``train`` pairs (``a``, ``b``, ``hours``)."""
    target = np.log(train["hours"].to_numpy())
    best, best_loss = None, np.inf
    for factors, matrix in matrices.items():
        model = matrix.to_numpy()[matrix.index.get_indexer(train["a"]), matrix.columns.get_indexer(train["b"])]
        loss = float(np.mean((np.log(model) - target) ** 2))
        if loss < best_loss:
            best, best_loss = factors, loss
    return best


def error_summary(log_ratio: pd.Series) -> dict:
    """Summary of errors r = ln(T_model / T_timetable): ``n``, ``bias`` (exp(mean r) − 1, the
    typical relative over- (+) or under-estimate), ``median_abs_pct`` (median |exp(r) − 1|),
    ``p90_abs_pct`` (90th percentile) and ``rmse_log`` (√mean r²).

    >>> s = error_summary(pd.Series(np.log([1.1, 0.9, 1.0, 1.2])))
    >>> s["n"], round(s["median_abs_pct"], 3), round(s["rmse_log"], 3)
    (4, 0.1, 0.116)
    """
    r = pd.Series(log_ratio, dtype=float).dropna()
    pct = (np.exp(r) - 1).abs()
    return {"n": int(len(r)), "bias": float(np.exp(r.mean()) - 1) if len(r) else np.nan,
            "median_abs_pct": float(pct.median()) if len(r) else np.nan,
            "p90_abs_pct": float(pct.quantile(0.9)) if len(r) else np.nan,
            "rmse_log": float(np.sqrt((r ** 2).mean())) if len(r) else np.nan}


def recalibrate(network: dict, times: pd.DataFrame, members: pd.DataFrame, year: int = 2020,
                grid: Iterable[float] = SPEED_GRID, max_km: float = MAX_PAIR_KM) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chapter 5's network against the timetable, before and after recalibration, validated
    leave-one-cluster-out.

    Pairs: the timetable pairs (:func:`timetable_times`) at most ``max_km`` apart
    (:data:`MAX_PAIR_KM`). For each fold of :data:`FOLDS` the training pairs are those not
    inside the fold's clusters; on them are fitted (a) the factor
    k = exp(mean ln(T_tt / T_model)) and (b) the two speed factors of
    :func:`fit_speed_factors`; both are applied to the held-out clusters' pairs. Returns
    (``pairs``: one row per pair and cluster with ``hours`` (timetable), ``model_h``,
    ``scaled_h`` (a), ``speeds_h`` (b); ``summary``: one row per cluster and version
    (``before``, ``multiplicative``, ``speed_factors``) with :func:`error_summary`, the fold,
    the fitted values and the training size).
    """
    from cityclusters.indicators.linkages import great_circle_distance

    coords = network["coords"]
    codes = sorted(set(times["a"]) | set(times["b"]))
    km = great_circle_distance(coords.loc[codes, ["lon", "lat"]])
    times = times.copy()
    times["km"] = [float(km.at[a, b]) for a, b in zip(times["a"], times["b"])]
    times = times[times["km"] <= max_km].reset_index(drop=True)
    matrices = speed_factor_matrices(network, set(times["a"]) | set(times["b"]), grid, year)
    default = model_times(network, times, year)
    times["model_h"] = default.to_numpy()
    times["log_ratio"] = np.log(times["model_h"] / times["hours"])
    inside = cluster_of_pairs(times, members)
    rows, pair_rows = [], []
    for fold, clusters in FOLDS.items():
        held = inside[inside["cluster_id"].isin(clusters)]
        held_keys = set(zip(held["a"], held["b"]))
        train = times[[k not in held_keys for k in zip(times["a"], times["b"])]]
        k = float(np.exp(-train["log_ratio"].mean()))
        hsr, other = fit_speed_factors(matrices, train)
        matrix = matrices[(hsr, other)]
        test = held.copy()
        test["scaled_h"] = test["model_h"] * k
        test["speeds_h"] = matrix.to_numpy()[matrix.index.get_indexer(test["a"]), matrix.columns.get_indexer(test["b"])]
        for cluster_id, group in test.groupby("cluster_id"):
            for version, column, fitted in (("before", "model_h", f"HSR and other {linkages.SPEED_FACTOR:.2f} of design speed"),
                                            ("multiplicative", "scaled_h", f"k = {k:.3f}"),
                                            ("speed_factors", "speeds_h", f"HSR {hsr:.2f}, other {other:.2f} of design speed")):
                rows.append({"cluster_id": cluster_id, "version": version, "fold": fold, "fitted": fitted,
                             "n_train": len(train), **error_summary(np.log(group[column] / group["hours"]))})
        pair_rows.append(test)
    summary = pd.DataFrame(rows)
    order = {c: i for i, c in enumerate(CLUSTER_IDS)}
    summary = summary.sort_values(["cluster_id", "version"], key=lambda s: s.map(order) if s.name == "cluster_id" else s)
    return pd.concat(pair_rows, ignore_index=True), summary.reset_index(drop=True)


# ----------------------------------------------------------------------------- observed flows
#: The 2021 baseline: two ordinary weeks.
BASELINE_2021 = ("2021-04-12", "2021-04-25")
#: Distance bands (km) for the cores' radiation.
BANDS = (0.0, 100.0, 200.0, 300.0, np.inf)
#: Clusters whose border effect is estimated (Qianzhong lies in one province: no border).
BORDER_CLUSTERS = ("chengyu", "chengyugui", "yrd26", "yrd41", "middle_yangtze", "jingjinji")


def baseline_pairs(flows: pd.DataFrame, source: str = "baidu_2021", dates: tuple[str, str] = BASELINE_2021) -> pd.DataFrame:
    """Mean daily flow per ordered pair over ``dates`` (a day on which a pair is not listed
    counts as 0: below the 100th partner of the focal city).

    Columns: ``origin``, ``destination``, ``share_out`` (mean share of the origin's total
    outflow, from the origin's out-list), ``share_in`` (of the destination's inflow, from its
    in-list), ``volume`` (index units: the out-list's mean daily volume, or the in-list's where
    the out-list never names the pair; NaN for 2020, which has no volumes) and ``listed``
    (out, in, both).
    """
    chosen = flows[(flows["source"] == source) & flows["date"].between(pd.Timestamp(dates[0]), pd.Timestamp(dates[1]))]
    n_days = chosen["date"].nunique()
    if n_days == 0:
        raise ValueError(f"baseline_pairs: no {source} flows between {dates[0]} and {dates[1]}")
    parts = {}
    for direction in ("out", "in"):
        part = chosen[chosen["direction"] == direction]
        parts[direction] = part.groupby(["origin_code", "destination_code"])[["share", "volume"]].sum(min_count=1) / n_days
    pairs = parts["out"].rename(columns={"share": "share_out", "volume": "volume_out"}).join(
        parts["in"].rename(columns={"share": "share_in", "volume": "volume_in"}), how="outer")
    pairs["listed"] = np.where(pairs["share_out"].notna() & pairs["share_in"].notna(), "both",
                               np.where(pairs["share_out"].notna(), "out", "in"))
    pairs["volume"] = pairs["volume_out"].fillna(pairs["volume_in"])
    pairs.index.names = ["origin", "destination"]
    out = pairs.reset_index()
    out.attrs["n_days"] = int(n_days)
    return out[["origin", "destination", "share_out", "share_in", "volume", "listed"]]


def outflow_weights(coverage: pd.DataFrame, source: str = "baidu_2021", dates: tuple[str, str] = BASELINE_2021) -> pd.Series:
    """Mean daily Baidu move-out scale index per city over ``dates`` (from
    :func:`cityclusters.data.tables.flow_coverage`), the weights of :func:`internal_shares`."""
    chosen = coverage[(coverage["source"] == source) & (coverage["direction"] == "out")
                      & coverage["date"].between(pd.Timestamp(dates[0]), pd.Timestamp(dates[1]))]
    return chosen.groupby("focal_code")["index"].mean().dropna()


def internal_shares(pairs_2021: pd.DataFrame, pairs_2020: pd.DataFrame, weights: pd.Series,
                    members: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: the share of the members' outflows that stays inside
    (:func:`cityclusters.indicators.flows.internal_share`): 2021 weighted by each city's
    move-out index, 2021 and January-2020 baseline as the mean over member cities."""
    from cityclusters.indicators.flows import internal_share

    rows = []
    for cluster_id in [c for c in CLUSTER_IDS if c in set(members["cluster_id"])]:
        codes = set(members.loc[members["cluster_id"] == cluster_id, "city_code"])
        new = pairs_2021.rename(columns={"share_out": "share"}).dropna(subset=["share"])
        old = pairs_2020.rename(columns={"share_out": "share"}).dropna(subset=["share"])
        covered = codes & set(new["origin"])
        rows.append({"cluster_id": cluster_id, "n_members": len(codes), "n_with_flows": len(covered),
                     "internal_2021_weighted": internal_share(new, covered, weights.reindex(sorted(covered))),
                     "internal_2021_mean": internal_share(new, covered),
                     "internal_2020_mean": internal_share(old, codes & set(old["origin"]))})
    return pd.DataFrame(rows)


def core_radiation(pairs: pd.DataFrame, members: pd.DataFrame, coords: pd.DataFrame,
                   cores: dict[str, Iterable[int]], bands: Sequence[float] = BANDS) -> pd.DataFrame:
    """Per cluster and core city, :func:`cityclusters.indicators.flows.radiation_by_band` of the
    core's 2021 baseline outflow shares (distance: great circle between city centres, km)."""
    from cityclusters.indicators.flows import radiation_by_band
    from cityclusters.indicators.linkages import great_circle_distance

    shares = pairs.rename(columns={"share_out": "share"}).dropna(subset=["share"])
    codes = sorted(set(shares["origin"]) | set(shares["destination"]))
    km = great_circle_distance(coords.loc[[c for c in codes if c in coords.index], ["lon", "lat"]])
    rows = []
    for cluster_id, core_codes in cores.items():
        codes_c = set(members.loc[members["cluster_id"] == cluster_id, "city_code"])
        for core in core_codes:
            table = radiation_by_band(shares[shares["destination"].isin(km.index)], core, codes_c, km[core], bands)
            rows.append(table.assign(cluster_id=cluster_id, core=core))
    return pd.concat(rows, ignore_index=True)[["cluster_id", "core", "band", "n_members", "to_members", "to_all", "member_share"]]


def centrality(pairs: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Per cluster and member, :func:`cityclusters.indicators.flows.flow_centrality` of the
    2021 baseline volumes."""
    from cityclusters.indicators.flows import flow_centrality

    volumes = pairs.dropna(subset=["volume"])
    rows = []
    for cluster_id, group in members.groupby("cluster_id"):
        rows.append(flow_centrality(volumes, group["city_code"]).assign(cluster_id=cluster_id))
    return pd.concat(rows, ignore_index=True).sort_values(["cluster_id", "share"], ascending=[True, False])


def pair_covariates(pairs: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """Adds ``km`` (great circle between city centres), ``ln_km``, ``cross_province``
    (1 when origin and destination lie in different provinces) and ``ln_pop_o``/``ln_pop_d``
    (ln 2020 census population, 万人) to ``pairs``."""
    from cityclusters.indicators.linkages import great_circle_distance

    info = cities.set_index("city_code")
    codes = sorted(set(pairs["origin"]) | set(pairs["destination"]))
    km = great_circle_distance(info.loc[codes, ["lon", "lat"]])
    out = pairs.copy()
    out["km"] = km.to_numpy()[km.index.get_indexer(out["origin"]), km.columns.get_indexer(out["destination"])]
    out["ln_km"] = np.log(out["km"])
    out["cross_province"] = (out["origin"].map(info["province_zh"]) != out["destination"].map(info["province_zh"])).astype(float)
    # 2020 census population (万人) as the masses of the specification without city effects
    out["ln_pop_o"] = np.log(out["origin"].map(info["pop_census_2020"]))
    out["ln_pop_d"] = np.log(out["destination"].map(info["pop_census_2020"]))
    return out


def gravity_elasticity(pairs: pd.DataFrame) -> dict:
    """Distance elasticity of observed flows by PPML with origin and destination fixed effects:
    E[F_ij] = exp(α_i + γ_j + β ln km_ij) on the 2021 baseline volumes (``pairs`` with
    :func:`pair_covariates`; rows with a missing volume are left out), errors clustered two-way
    by origin and destination.

    Pairs that neither city lists are either left out (``pairs`` of listed flows only: the
    far, small flows that are missing flatten β) or given 0 (the full grid with the missing
    volumes set to 0: they are small, not zero, which steepens β); fitting both brackets the
    effect of the top-100 truncation. Returns ``beta``, ``se``, ``ci_low``, ``ci_high``,
    ``n_obs``, ``n_origins``, ``dropped``.
    """
    from cityclusters.models.ppml import ppml

    data = pairs.dropna(subset=["volume"])
    fit = ppml(data["volume"].to_numpy(), data[["ln_km"]], data[["origin", "destination"]],
               cluster=data[["origin", "destination"]])
    low, high = fit.interval("ln_km")
    return {"beta": float(fit.params["ln_km"]), "se": float(fit.std_errors["ln_km"]), "ci_low": low, "ci_high": high,
            "n_obs": fit.n_obs, "n_origins": fit.n_clusters.get("origin"), "dropped": fit.dropped}


def border_specification(members: pd.DataFrame, cluster_id: str) -> str:
    """``fixed_effects`` when at least two of the cluster's provinces have two or more member
    cities, else ``masses``. With origin and destination effects, a province of one member
    city (a municipality: 重庆 in 成渝, 北京 and 天津 in 京津冀) crosses the border in every
    pair it is in, so its border dummy equals the sum of its origin and destination dummies
    and is not identified; only pairs between two multi-city provinces identify δ. Where
    fewer than two such provinces exist the border is estimated with the cities' 2020 census
    populations as masses instead of city effects (then δ also absorbs whatever else sets the
    municipality's flows apart, e.g. its attraction per resident)."""
    group = members[members["cluster_id"] == cluster_id]
    sizes = group.groupby("province_zh")["city_code"].nunique()
    return "fixed_effects" if int((sizes >= 2).sum()) >= 2 else "masses"


def border_effects(pairs: pd.DataFrame, members: pd.DataFrame, clusters: Iterable[str] = BORDER_CLUSTERS) -> pd.DataFrame:
    """The provincial border effect inside each cluster (pairs within the cluster only):

    .. math::  E[F_{ij}] = \exp(\alpha_i + \gamma_j + \beta \ln km_{ij} + \delta\, \text{cross}_{ij})

    by PPML with origin and destination fixed effects on the 2021 baseline volumes (pairs
    listed by neither city are 0), errors clustered two-way by origin and destination (few
    clusters: 13–41 cities; read the intervals as approximate). Where the effects make δ
    unidentified (:func:`border_specification`) the city effects are replaced by
    c + a ln P_i + b ln P_j (2020 census population). The distance equivalent exp(δ/β)
    (delta-method interval, :func:`cityclusters.models.ppml.ratio_interval`) is how many
    times farther apart a same-province pair could be for the same expected flow. The verdict
    on "the provincial border reduces flows" uses
    :func:`cityclusters.analysis.verdicts.interval_verdict` with the expected sign −1.
    """
    from cityclusters.analysis.verdicts import interval_verdict, minimum_detectable_effect
    from cityclusters.models.ppml import ppml, ratio_interval

    rows = []
    for cluster_id in clusters:
        codes = sorted(set(members.loc[members["cluster_id"] == cluster_id, "city_code"]))
        grid = pd.DataFrame([(a, b) for a in codes for b in codes if a != b], columns=["origin", "destination"])
        inside = pairs[pairs["origin"].isin(codes) & pairs["destination"].isin(codes)]
        data = grid.merge(inside[["origin", "destination", "volume", "ln_km", "cross_province", "ln_pop_o", "ln_pop_d"]],
                          on=["origin", "destination"], how="left")
        n_unlisted = int(data["volume"].isna().sum())
        if data["ln_km"].isna().any():
            raise ValueError(f"border_effects: {cluster_id}: pairs without covariates (pass pair_covariates of the grid)")
        data["volume"] = data["volume"].fillna(0.0)
        if data["cross_province"].nunique() < 2:
            continue
        spec = border_specification(members, cluster_id)
        if spec == "fixed_effects":
            fit = ppml(data["volume"].to_numpy(), data[["ln_km", "cross_province"]], data[["origin", "destination"]],
                       cluster=data[["origin", "destination"]])
        else:
            fit = ppml(data["volume"].to_numpy(), data[["ln_km", "cross_province", "ln_pop_o", "ln_pop_d"]],
                       cluster=data[["origin", "destination"]])
        low, high = fit.interval("cross_province")
        se = float(fit.std_errors["cross_province"])
        equivalent = ratio_interval(fit, "cross_province", "ln_km")
        rows.append({"cluster_id": cluster_id, "specification": spec, "n_cities": len(codes), "n_pairs": fit.n_obs,
                     "n_unlisted": n_unlisted, "n_cross": int(data["cross_province"].sum()),
                     "beta_ln_km": float(fit.params["ln_km"]), "beta_se": float(fit.std_errors["ln_km"]),
                     "border": float(fit.params["cross_province"]), "border_se": se, "border_low": low, "border_high": high,
                     "flow_ratio": float(np.exp(fit.params["cross_province"])),
                     "distance_equivalent": equivalent["exp_ratio"], "equivalent_low": equivalent["exp_low"],
                     "equivalent_high": equivalent["exp_high"], "mde": minimum_detectable_effect(se),
                     "verdict": interval_verdict(low, high, se, -1, "border effects that reduce flows")})
    return pd.DataFrame(rows)
