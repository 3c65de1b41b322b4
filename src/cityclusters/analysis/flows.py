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
    (4, 0.1, 0.111)
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
