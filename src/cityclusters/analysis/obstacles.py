"""Obstacle degrees of the seven-subsystem index (chapter 7, 障碍诊断).

Chapter 7 turns the index of chapter 2 round: with the normalised indicators x' (1 = best
city-year of the panel) and the overall entropy weights w of
:func:`cityclusters.analysis.coordination.score_pipeline`, the obstacle degree of indicator j
in city i is O_ij = w_j (1 − x'_ij) / Σ_j w_j (1 − x'_ij) (Zheng, Yu & Huang 2017): its share
of the city's total weighted shortfall, so obstacle degrees sum to 1 per city. A subsystem's
obstacle is the sum over its indicators.

This module computes them (:func:`diagnose`), the sentences and tables chapter 7 reports, and
the verdict on paper 000's environment–development conflict (:func:`ecology_verdict`).
Formulas live in :mod:`cityclusters.indicators.obstacle`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cityclusters.analysis.coordination import ScoreResult
from cityclusters.analysis.verdicts import Verdict
from cityclusters.indicators import obstacle as obstacle_mod

#: Claim of paper 000 tested in chapter 7 (an id of ``data/facts/seed_claims.csv``).
ECOLOGY_CLAIM = "p000_env_dev_conflict"
#: Union cluster compared with the YRD (Chengdu–Chongqing ∪ Qianzhong).
UNION = "chengyugui"
BENCHMARK = "yrd26"


def check_obstacle_year(first_year: int, last_year: int, obstacle_year: int) -> None:
    """Refuse a diagnosed year outside the panel ``first_year``–``last_year`` (``ValueError``)."""
    if not first_year <= obstacle_year <= last_year:
        raise ValueError(f"OBSTACLE_YEAR must lie in {first_year}-{last_year}; got {obstacle_year}")


def diagnose(result: ScoreResult, members: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    """Obstacle degrees in ``year`` from the chapter-2 weights (障碍度, shares 0–1).

    O_ij = w_j (1 − x'_ij) / Σ_j w_j (1 − x'_ij) with w_j the overall weights. Returns
    ``indicator`` (city × indicator), ``subsystem`` (city × subsystem) and the cluster means
    ``cluster_indicator`` and ``cluster_subsystem`` (cluster × …, unweighted mean over member
    cities, clusters in the order of ``members``).
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


def subsystem_values(cluster_subsystem: pd.DataFrame, names: Mapping[str, str],
                     subsystem_labels: Mapping[str, str]) -> dict:
    """The largest subsystem obstacle of each cluster (rows of ``cluster_subsystem``), as
    "Cluster: Subsystem (share)" joined by "; " (``top_sub_list``), and the subsystem with the
    smallest mean obstacle across clusters (``lowest_subsystem``, ``lowest_subsystem_mean``)."""
    cs = cluster_subsystem
    top_sub = cs.idxmax(axis=1)
    low = cs.mean().idxmin()
    return {
        "top_sub_list": "; ".join(f"{names[c]}: {subsystem_labels[s]} ({cs.at[c, s]:.0%})"
                                  for c, s in top_sub.items()),
        "lowest_subsystem": subsystem_labels[low],
        "lowest_subsystem_mean": float(cs.mean().min()),
    }


def top_indicator_obstacles(cluster_indicator: pd.DataFrame, clusters: Sequence[str], n: int) -> pd.DataFrame:
    """The ``n`` largest indicator obstacles of each chosen cluster (long: cluster_id, rank,
    indicator, obstacle_degree; clusters sorted by id, ties broken by indicator id)."""
    ci = cluster_indicator.reindex(clusters)
    return obstacle_mod.top_obstacles(ci.rename_axis("cluster_id"), n=n)


def top_obstacle_table(top: pd.DataFrame, rows: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """:func:`top_indicator_obstacles` as chapter 7 shows it: cluster label, rank, indicator
    (short name), subsystem (English) and obstacle degree (share), from the indicator ``rows``
    of :func:`cityclusters.analysis.coordination.measured`."""
    short = dict(zip(rows["indicator_id"], rows["short_en"]))
    shown = top.assign(cluster=top["cluster_id"].map(names), indicator=top["indicator"].map(short),
                       subsystem=top["indicator"].map(dict(zip(rows["indicator_id"], rows["subsystem_en"]))))
    return (shown[["cluster", "rank", "indicator", "subsystem", "obstacle_degree"]]
            .rename(columns={"obstacle_degree": "obstacle degree"}))


def top_obstacle_values(top: pd.DataFrame, short: Mapping[str, str], clusters: Sequence[str], n: int) -> dict:
    """The indicator that ranks first in most clusters (``top1_indicator``, ``top1_count``
    clusters), the number of clusters (``n_clusters``) and of obstacles listed (``top_n``)."""
    first_rank = top[top["rank"] == 1]["indicator"].value_counts()
    return {"top1_indicator": short[first_rank.index[0]], "top1_count": int(first_rank.iloc[0]),
            "n_clusters": len(clusters), "top_n": n}


def union_benchmark_comparison(result: ScoreResult, cyg: pd.DataFrame | None, obs: dict[str, pd.DataFrame],
                               clusters: Sequence[str], year: int, subsystem_labels: Mapping[str, str]
                               ) -> tuple[pd.DataFrame | None, dict]:
    """Subsystem obstacle shares of Chengdu–Chongqing–Guiyang (members ``cyg`` of the union) and
    of the YRD (26) (from ``obs``, the :func:`diagnose` of the chosen clusters) in ``year``,
    with their difference (west minus YRD, share points).

    Returns the table (None when the pair is not among the chosen clusters) and the values for
    the prose: the subsystem with the largest positive difference (``pair_gap_subsystem``,
    ``pair_gap_value``), the one with the most negative (``pair_rev_subsystem``,
    ``pair_rev_value``) and ``pair_text`` ("shown below" or why not).
    """
    if cyg is None or BENCHMARK not in clusters:
        values = {key: "not computed (clusters not selected)" for key in ("pair_gap_subsystem", "pair_rev_subsystem")}
        values.update({key: float("nan") for key in ("pair_gap_value", "pair_rev_value")})
        values["pair_text"] = "not available: choose Chengdu–Chongqing, Qianzhong and YRD (26)"
        return None, values
    cyg_obs = diagnose(result, cyg, year)
    pair_sub = pd.DataFrame({"Chengdu–Chongqing–Guiyang": cyg_obs["cluster_subsystem"].loc[UNION],
                             "YRD (26)": obs["cluster_subsystem"].loc[BENCHMARK]})
    pair_sub["difference"] = pair_sub.iloc[:, 0] - pair_sub.iloc[:, 1]
    gap_sub, rev_sub = pair_sub["difference"].idxmax(), pair_sub["difference"].idxmin()
    return pair_sub, {
        "pair_gap_subsystem": subsystem_labels[gap_sub],
        "pair_gap_value": float(pair_sub.at[gap_sub, "difference"]),
        "pair_rev_subsystem": subsystem_labels[rev_sub],
        "pair_rev_value": float(pair_sub.at[rev_sub, "difference"]),
        "pair_text": "shown below",
    }


def pair_table(pair_sub: pd.DataFrame, subsystem_labels: Mapping[str, str]) -> pd.DataFrame:
    """The table of :func:`union_benchmark_comparison` with subsystem labels as a column."""
    return pair_sub.rename(index=subsystem_labels).reset_index(names="subsystem")


def ecology_verdict_text(rank: int, n_subsystems: int) -> str:
    """Verdict on "environment–development conflict is a prominent obstacle" from the rank of the
    ecology obstacle among ``n_subsystems`` (1 = largest): supported if among the two largest,
    not supported if among the two smallest, partly supported in between."""
    return ("not supported: with CO2 indicators, ecology is among the smallest obstacles"
            if rank >= n_subsystems - 1 else
            "partly supported: ecology is a mid-ranking obstacle" if rank > 2 else "supported")


def ecology_verdict(result: ScoreResult, cyg: pd.DataFrame | None, year: int) -> tuple[Verdict, dict]:
    """Verdict on claim :data:`ECOLOGY_CLAIM` (paper 000): the ecology subsystem's obstacle share
    in Chengdu–Chongqing–Guiyang in ``year`` and its rank among the measured subsystems
    (:func:`ecology_verdict_text`). Not testable when the union's members ``cyg`` are None.
    Returns the verdict and the values ``eco_verdict``, ``eco_evidence`` for the prose."""
    if cyg is None:
        verdict = "not testable with our data: needs Chengdu–Chongqing and Qianzhong among CLUSTERS"
        evidence = "clusters not selected"
    else:
        shares = diagnose(result, cyg, year)["cluster_subsystem"]
        eco = float(shares.at[UNION, "ecology"])
        rank = int(shares.loc[UNION].rank(ascending=False).at["ecology"])
        n_sub = shares.shape[1]
        verdict = ecology_verdict_text(rank, n_sub)
        evidence = (f"{year}, Chengdu–Chongqing–Guiyang: ecology obstacle {eco:.1%}, "
                    f"rank {rank} of {n_sub} measured subsystems (CO2 intensity and CO2 per capita)")
    return Verdict(ECOLOGY_CLAIM, verdict, evidence), {"eco_verdict": verdict, "eco_evidence": evidence}


def exercise_values(result: ScoreResult, members: pd.DataFrame, obs: dict[str, pd.DataFrame],
                    clusters: Sequence[str], first_year: int, names: Mapping[str, str],
                    subsystem_labels: Mapping[str, str]) -> dict:
    """Answers to chapter 7's exercises: the subsystem that is the largest obstacle of most
    cities (``ex_dom_subsystem``, ``ex_dom_share`` of the scored cities), and the largest
    increase of a cluster's subsystem share from ``first_year`` to the diagnosed year of
    ``obs`` (``ex_change_max`` "Subsystem in Cluster", ``ex_change_max_value``, share points)."""
    dominant = obs["subsystem"].idxmax(axis=1).value_counts()
    cs = obs["cluster_subsystem"].reindex(clusters)
    first_obs = diagnose(result, members, first_year)["cluster_subsystem"].reindex(clusters)
    change = (cs - first_obs).stack()
    cluster, subsystem = change.idxmax()
    return {
        "ex_dom_subsystem": subsystem_labels[dominant.index[0]],
        "ex_dom_share": float(dominant.iloc[0] / dominant.sum()),
        "ex_change_max": f"{subsystem_labels[subsystem]} in {names[cluster]}",
        "ex_change_max_value": float(change.max()),
    }
