"""Obstacle degrees of the seven-subsystem index (chapter 7, 障碍诊断).

Chapter 7 turns the book's one coordination index round
(:mod:`cityclusters.analysis.coordination_index`, scored once over every prefecture-level
city-year): with the scaled indicators x' (1 = the 99th percentile of the national panel)
and the weights of the index (entropy within subsystems, subsystems equal), the obstacle
degree of indicator j in city i is O_ij = w_ij (1 − x'_ij) / Σ_j w_ij (1 − x'_ij) (Zheng, Yu &
Huang 2017), with w_ij the indicator's factor contribution in that city (a missing
indicator's weight goes to the observed ones of its subsystem, as in the score U): its share
of the city's total weighted shortfall, so obstacle degrees sum to 1 per city. A subsystem's
obstacle is the sum over its indicators, (1 − U_s) / Σ_t (1 − U_t).

This module computes them (:func:`diagnose`), their range across the multiverse of defensible
index specifications (:func:`share_interval_table`), the sentences and tables chapter 7
reports, and the verdict on paper 000's environment–development conflict
(:func:`ecology_verdict`). Formulas live in :mod:`cityclusters.indicators.obstacle`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from cityclusters.analysis import coordination_index
from cityclusters.analysis.coordination_index import ScoreResult
from cityclusters.analysis.verdicts import MULTIVERSE_EXCLUDES_BELOW, Verdict, multiverse_support
from cityclusters.analysis.wording import count_phrase
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
    """Obstacle degrees in ``year`` under the yardstick (障碍度, shares 0–1), for the member
    cities scored that year (:func:`cityclusters.analysis.coordination_index.obstacle_degrees`;
    ``result`` is :func:`~cityclusters.analysis.coordination_index.yardstick_result`).

    Returns ``indicator`` (city × indicator, NaN where the indicator is missing), ``subsystem``
    (city × subsystem) and the cluster means ``cluster_indicator`` and ``cluster_subsystem``
    (cluster × …, unweighted mean over member cities, clusters in the order of ``members``).
    """
    by_indicator, by_subsystem = coordination_index.obstacle_degrees(result, year)
    scored = by_indicator.index.isin(members["city_code"])
    by_indicator, by_subsystem = by_indicator[scored], by_subsystem[scored]
    out = {"indicator": by_indicator, "subsystem": by_subsystem}
    for name, frame in (("cluster_indicator", by_indicator), ("cluster_subsystem", by_subsystem)):
        long = members[["cluster_id", "city_code"]].merge(frame.reset_index(), on="city_code")
        out[name] = long.drop(columns="city_code").groupby("cluster_id", sort=False).mean()
    return out


def subsystem_values(cluster_subsystem: pd.DataFrame, names: Mapping[str, str],
                     subsystem_labels: Mapping[str, str], intervals: pd.DataFrame) -> dict:
    """The largest subsystem obstacle of each cluster (rows of ``cluster_subsystem``), as
    "Cluster: Subsystem (share; the largest in x % of specifications)" joined by "; "
    (``top_sub_list``; ``intervals`` from :func:`share_intervals`), and the subsystem with
    the smallest mean obstacle across clusters (``lowest_subsystem``, ``lowest_subsystem_mean``)."""
    cs = cluster_subsystem
    top_sub = cs.idxmax(axis=1)
    low = cs.mean().idxmin()
    largest = intervals.set_index(["cluster_id", "subsystem_id"])["largest_share"]
    return {
        "top_sub_list": "; ".join(f"{names[c]}: {subsystem_labels[s]} ({cs.at[c, s]:.0%}; the largest in "
                                  f"{largest.get((c, s), float('nan')):.0%} of specifications)"
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
    clusters), the number of clusters (``n_clusters``) and of obstacles listed (``top_n``), and
    ``top1_sentence`` saying so in words that read right for one cluster."""
    first_rank = top[top["rank"] == 1]["indicator"].value_counts()
    indicator, count = short[first_rank.index[0]], int(first_rank.iloc[0])
    sentence = (f"The indicator that ranks first is {indicator}{'' if indicator.endswith('.') else '.'}"
                if len(clusters) == 1 else
                f"The indicator that most often ranks first is {indicator} "
                f"({count_phrase(count, len(clusters), 'cluster')}).")
    return {"top1_indicator": indicator, "top1_count": count,
            "n_clusters": len(clusters), "top_n": n, "top1_sentence": sentence}


def union_benchmark_comparison(result: ScoreResult, cyg: pd.DataFrame | None, obs: dict[str, pd.DataFrame],
                               clusters: Sequence[str], year: int, subsystem_labels: Mapping[str, str]
                               ) -> tuple[pd.DataFrame | None, dict]:
    """Subsystem obstacle shares of Chengdu–Chongqing–Guiyang (members ``cyg`` of the union) and
    of the YRD (26) (from ``obs``, the :func:`diagnose` of the chosen clusters) in ``year``,
    with their difference (west minus YRD, share points).

    Returns the table (None when the pair is not among the chosen clusters) and the values for
    the prose: the subsystem with the largest positive difference (``pair_gap_subsystem``,
    ``pair_gap_value``), the one with the most negative (``pair_rev_subsystem``,
    ``pair_rev_value``), ``pair_text`` ("shown below" or why not) and ``pair_sentences`` (the
    two subsystems in words; empty when the pair is not chosen, so no "nan" is printed).
    """
    if cyg is None or BENCHMARK not in clusters:
        values = {key: "not computed (clusters not selected)" for key in ("pair_gap_subsystem", "pair_rev_subsystem")}
        values.update({key: float("nan") for key in ("pair_gap_value", "pair_rev_value")})
        values["pair_text"] = "not available: choose Chengdu–Chongqing, Qianzhong and YRD (26)"
        values["pair_sentences"] = ""
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
        "pair_sentences": (
            f"The subsystem whose obstacle share is larger in the west by the widest margin is "
            f"{subsystem_labels[gap_sub]} ({pair_sub.at[gap_sub, 'difference']:+.1%} points); the one where the "
            f"YRD carries the larger share is {subsystem_labels[rev_sub]} ({pair_sub.at[rev_sub, 'difference']:+.1%} "
            "points). Because shares sum to 100 % in both clusters, a smaller share does not mean a better "
            "level: the YRD's shortfalls are smaller in total, and what remains is concentrated in the "
            "subsystems where it does not lead."),
    }


def pair_table(pair_sub: pd.DataFrame, subsystem_labels: Mapping[str, str]) -> pd.DataFrame:
    """The table of :func:`union_benchmark_comparison` with subsystem labels as a column."""
    return pair_sub.rename(index=subsystem_labels).reset_index(names="subsystem")


#: "Prominent": the ecology obstacle is among this many largest subsystem obstacles.
PROMINENT_RANK = 2




def ecology_verdict_text(share_prominent: float, n_specs: int, main_rank: int, n_subsystems: int) -> str:
    """Verdict on "environment–development conflict is a prominent obstacle" from the share of
    specifications of the obstacle multiverse in which ecology is among the
    :data:`PROMINENT_RANK` largest subsystem obstacles: supported if in all of them; not
    supported if in fewer than :data:`~cityclusters.analysis.verdicts.MULTIVERSE_EXCLUDES_BELOW` of them (outside the multiverse's
    5th–95th percentile range); partly supported otherwise.

    >>> ecology_verdict_text(0.03, 1152, 6, 6)
    'not supported: ecology is among the 2 largest obstacles in 3% of 1,152 specifications (rank 6 of 6 in the main one)'
    >>> ecology_verdict_text(0.25, 1152, 3, 6).split(":")[0]
    'partly supported'
    >>> ecology_verdict_text(1.0, 1152, 1, 6).split(":")[0]
    'supported'
    """
    category = ("supported" if share_prominent >= 1.0 else
                "not supported" if share_prominent < MULTIVERSE_EXCLUDES_BELOW else "partly supported")
    return (f"{category}: ecology is among the {PROMINENT_RANK} largest obstacles in {share_prominent:.0%} of "
            f"{n_specs:,} specifications (rank {main_rank} of {n_subsystems} in the main one)")


def ecology_verdict(frame: pd.DataFrame | None, year: int) -> tuple[Verdict, dict]:
    """Verdict on claim :data:`ECOLOGY_CLAIM` (paper 000): the rank of the ecology subsystem's
    obstacle share in Chengdu–Chongqing–Guiyang in ``year`` in every specification of the
    obstacle multiverse (``frame``, :func:`cityclusters.analysis.coordination_index.obstacle_multiverse`)
    that keeps ecology (:func:`ecology_verdict_text`). Not testable when ``frame`` is None
    (the union's clusters not chosen). Returns the verdict and the values ``eco_verdict``,
    ``eco_evidence``, ``eco_share_main``, ``eco_low``, ``eco_high`` and ``eco_share_text`` (the
    three in words, or why they are not computed) for the prose."""
    if frame is None:
        verdict = "not testable with our data: needs Chengdu–Chongqing and Qianzhong among CLUSTERS"
        return (Verdict(ECOLOGY_CLAIM, verdict, "clusters not selected",
            rule="not_testable",
            would_change="a rerun with Chengdu–Chongqing and Qianzhong among CLUSTERS"),
                {"eco_verdict": verdict, "eco_evidence": "clusters not selected", "eco_share_main": float("nan"),
                 "eco_low": float("nan"), "eco_high": float("nan"),
                 "eco_share_text": ("not computed in this run, whose clusters do not include both "
                                    "Chengdu–Chongqing and Qianzhong")})
    chosen = frame[(frame["year"] == year) & (frame["cluster_id"] == UNION)]
    wide = chosen.pivot(index="spec", columns="subsystem_id", values="share")
    ranks = wide.rank(axis=1, ascending=False, method="min")  # ties share the higher rank
    holds = (ranks["ecology"] <= PROMINENT_RANK).where(wide["ecology"].notna())
    share, n_specs = multiverse_support(holds)
    intervals = coordination_index.obstacle_share_intervals(frame, year, UNION)
    main = coordination_index.obstacle_main_spec(chosen)
    main_rank = int(ranks.at[main, "ecology"])
    n_sub = int(wide.loc[main].notna().sum())
    verdict = ecology_verdict_text(share, n_specs, main_rank, n_sub)
    eco = intervals.loc["ecology"]
    evidence = (f"{year}, Chengdu–Chongqing–Guiyang: ecology obstacle {eco['main']:.1%} in the main specification "
                f"(5th–95th percentile across {n_specs:,} specifications {eco['low']:.1%}–{eco['high']:.1%}); "
                f"rank {main_rank} of {n_sub} measured subsystems; ecology measured by CO2 intensity, green "
                "coverage and waste treatment")
    return Verdict(ECOLOGY_CLAIM, verdict, evidence, rule="index_multiverse"), {
        "eco_verdict": verdict, "eco_evidence": evidence, "eco_share_main": float(eco["main"]),
        "eco_low": float(eco["low"]), "eco_high": float(eco["high"]),
        "eco_share_text": f"{eco['main']:.1%} (5th–95th percentile {eco['low']:.1%}–{eco['high']:.1%})"}


def share_intervals(frame: pd.DataFrame, year: int, clusters: Sequence[str]) -> pd.DataFrame:
    """:func:`cityclusters.analysis.coordination_index.obstacle_share_intervals` of every
    chosen cluster, long (cluster_id, subsystem_id, main, median, low, high, median_rank,
    largest_share, specs)."""
    parts = [coordination_index.obstacle_share_intervals(frame, year, c).reset_index().assign(cluster_id=c)
             for c in clusters]
    out = pd.concat(parts, ignore_index=True)
    return out[["cluster_id", "subsystem_id", "main", "median", "low", "high", "median_rank",
                "largest_share", "specs"]]


def share_interval_table(intervals: pd.DataFrame, names: Mapping[str, str],
                         subsystem_labels: Mapping[str, str]) -> pd.DataFrame:
    """Chapter 7's table of the multiverse, one row per subsystem and one column per cluster;
    each cell reads "main [5th–95th percentile] · largest in" (shares in per cent): the share in
    the main specification, its 5th–95th percentile range across the specifications, and the
    share of specifications in which the subsystem is the cluster's largest obstacle.

    >>> iv = pd.DataFrame({"cluster_id": ["a"], "subsystem_id": ["eco"], "main": [0.041], "low": [0.031],
    ...                    "high": [0.172], "largest_share": [0.0]})
    >>> share_interval_table(iv, {"a": "A"}, {"eco": "Ecology"}).values.tolist()
    [['Ecology', '4 [3–17] · 0']]
    """
    cells = intervals.assign(
        cell=[f"{100 * m:.0f} [{100 * lo:.0f}–{100 * hi:.0f}] · {100 * top:.0f}"
              for m, lo, hi, top in zip(intervals["main"], intervals["low"], intervals["high"],
                                        intervals["largest_share"])])
    wide = cells.pivot(index="subsystem_id", columns="cluster_id", values="cell")
    wide = wide.reindex(index=list(dict.fromkeys(intervals["subsystem_id"])),
                        columns=list(dict.fromkeys(intervals["cluster_id"])))
    wide.index = [subsystem_labels[s] for s in wide.index]
    wide.columns = [names[c] for c in wide.columns]
    return wide.rename_axis("subsystem").reset_index()


def multiverse_values(intervals: pd.DataFrame, names: Mapping[str, str],
                      subsystem_labels: Mapping[str, str]) -> dict:
    """Sentences on the multiverse of obstacle shares: the widest 5th–95th percentile range
    (``mv_widest``: "Subsystem in Cluster", ``mv_widest_low``, ``mv_widest_high``), the number
    of clusters whose largest obstacle in the main specification is also the largest in most
    specifications (``mv_stable_count`` of ``mv_n_clusters``, in words ``mv_stable_phrase``), and the number of
    specifications (``mv_specs``)."""
    width = intervals["high"] - intervals["low"]
    widest = intervals.loc[width.idxmax()]
    stable = 0
    for _, block in intervals.groupby("cluster_id", sort=False):
        main_top = block.loc[block["main"].idxmax(), "subsystem_id"]
        most_top = block.loc[block["largest_share"].idxmax(), "subsystem_id"]
        stable += int(main_top == most_top)
    return {"mv_widest": f"{subsystem_labels[widest['subsystem_id']]} in {names[widest['cluster_id']]}",
            "mv_widest_low": float(widest["low"]), "mv_widest_high": float(widest["high"]),
            "mv_stable_count": stable, "mv_n_clusters": int(intervals["cluster_id"].nunique()),
            "mv_stable_phrase": count_phrase(stable, int(intervals["cluster_id"].nunique()), "cluster"),
            "mv_specs": int(intervals["specs"].max())}


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
