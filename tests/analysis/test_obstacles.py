"""Obstacle degrees (chapter 7): diagnosis, sentences, the CYG–YRD comparison, the ecology verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import coordination, obstacles


def _result() -> coordination.ScoreResult:
    """Two subsystems, one indicator each, three cities, two years (shift 0)."""
    system = pd.DataFrame({
        "subsystem_id": ["industry", "ecology"], "indicator_id": ["x", "y"],
        "direction": ["positive", "negative"], "level": ["city", "city"],
        "first_year": [2000, 2000], "last_year": [2001, 2001]})
    values = pd.DataFrame({
        "city_code": [1, 1, 2, 2, 3, 3], "year": [2000, 2001] * 3, "name_zh": ["甲"] * 2 + ["乙"] * 2 + ["丙"] * 2,
        "gdp": [1.0] * 6,
        "x": [0.0, 2.0, 2.0, 3.0, 4.0, 4.0],     # x' = x / 4
        "y": [3.0, 1.0, 4.0, 0.0, 2.0, 2.0]})    # y' = (4 − y) / 4
    return coordination.score_pipeline(values, system=system, shift=0.0)


MEMBERS = pd.DataFrame({"cluster_id": ["a", "a", "b"], "city_code": [1, 2, 3]})


def test_check_obstacle_year():
    obstacles.check_obstacle_year(2011, 2019, 2015)
    with pytest.raises(ValueError, match="OBSTACLE_YEAR must lie in 2011-2019; got 2020"):
        obstacles.check_obstacle_year(2011, 2019, 2020)


def test_diagnose_by_hand():
    obs = obstacles.diagnose(_result(), MEMBERS, 2000)
    assert obs["indicator"].sum(axis=1).to_numpy() == pytest.approx(1.0)
    # city 1 in 2000: x' = 0, y' = 0.25 → shortfalls 0.5·1 and 0.5·0.75 → x share 1/1.75
    assert obs["indicator"].loc[1, "x"] == pytest.approx(1 / 1.75)
    # city 2: x' = 0.5, y' = 0 → shortfalls 0.25 and 0.5 → x share 1/3
    assert obs["subsystem"].loc[2, "industry"] == pytest.approx(1 / 3)
    # cluster a is the unweighted mean of cities 1 and 2
    assert obs["cluster_subsystem"].at["a", "industry"] == pytest.approx((1 / 1.75 + 1 / 3) / 2)
    assert list(obs["cluster_subsystem"].index) == ["a", "b"]


def test_subsystem_values():
    cs = pd.DataFrame({"industry": [0.7, 0.2], "ecology": [0.3, 0.8]}, index=["a", "b"])
    intervals = pd.DataFrame({"cluster_id": ["a", "a", "b", "b"],
                              "subsystem_id": ["industry", "ecology"] * 2,
                              "largest_share": [0.9, 0.1, 0.25, 0.75]})
    values = obstacles.subsystem_values(cs, {"a": "A", "b": "B"}, {"industry": "Ind", "ecology": "Eco"}, intervals)
    assert values["top_sub_list"] == ("A: Ind (70%; the largest in 90% of specifications); "
                                      "B: Eco (80%; the largest in 75% of specifications)")
    # means: industry 0.45, ecology 0.55
    assert values["lowest_subsystem"] == "Ind" and values["lowest_subsystem_mean"] == pytest.approx(0.45)


def test_top_obstacles_table_and_values():
    ci = pd.DataFrame({"x": [0.6, 0.3, 0.5], "y": [0.4, 0.7, 0.5]}, index=["b", "a", "c"])
    top = obstacles.top_indicator_obstacles(ci, ["b", "a"], n=1)
    assert top["cluster_id"].tolist() == ["a", "b"] and top["indicator"].tolist() == ["y", "x"]
    rows = pd.DataFrame({"indicator_id": ["x", "y"], "short_en": ["X", "Y"], "subsystem_en": ["Industry", "Ecology"]})
    table = obstacles.top_obstacle_table(top, rows, {"a": "A", "b": "B"})
    assert table.columns.tolist() == ["cluster", "rank", "indicator", "subsystem", "obstacle degree"]
    assert table.iloc[0].tolist() == ["A", 1, "Y", "Ecology", 0.7]
    top3 = obstacles.top_indicator_obstacles(ci, ["a", "b", "c"], n=1)  # c ties: x before y
    values = obstacles.top_obstacle_values(top3, {"x": "X", "y": "Y"}, ["a", "b", "c"], 1)
    assert values == {"top1_indicator": "X", "top1_count": 2, "n_clusters": 3, "top_n": 1,
                      "top1_sentence": "The indicator that most often ranks first is X (2 of the 3 clusters)."}


def test_union_benchmark_comparison_both_branches():
    result = _result()
    members = pd.DataFrame({"cluster_id": ["chengyu", "qianzhong", "yrd26"], "city_code": [1, 2, 3]})
    cyg = coordination.union_members(members, "chengyugui")
    obs = obstacles.diagnose(result, members, 2000)
    labels = {"industry": "Ind", "ecology": "Eco"}
    pair, values = obstacles.union_benchmark_comparison(result, cyg, obs, ["chengyu", "qianzhong", "yrd26"],
                                                        2000, labels)
    # west (cities 1, 2): industry (1/1.75 + 1/3)/2 ≈ 0.452; YRD (city 3: x' = 1, y' = 0.5): industry 0
    assert pair.at["industry", "difference"] == pytest.approx((1 / 1.75 + 1 / 3) / 2)
    assert values["pair_gap_subsystem"] == "Ind" and values["pair_rev_subsystem"] == "Eco"
    assert values["pair_text"] == "shown below"
    assert obstacles.pair_table(pair, labels)["subsystem"].tolist() == ["Ind", "Eco"]
    none, values = obstacles.union_benchmark_comparison(result, cyg, obs, ["chengyu", "qianzhong"], 2000, labels)
    assert none is None and values["pair_gap_subsystem"] == "not computed (clusters not selected)"
    assert np.isnan(values["pair_rev_value"]) and values["pair_text"].startswith("not available")


def _obstacle_multiverse(eco_shares) -> pd.DataFrame:
    """A constructed obstacle-multiverse frame for the union: specification 0 is the main one;
    three subsystems whose shares are (0.5 − e/2, 0.5 − e/2, e) with e = ``eco_shares[s]``."""
    from cityclusters.analysis import coordination_index as ci

    rows = []
    for spec, eco in enumerate(eco_shares):
        scaling = ci.MAIN.scaling if spec == 0 else "percentile"
        weighting = ci.MAIN.weighting if spec == 0 else f"w{spec}"
        for subsystem, share in (("industry", 0.5 - eco / 2), ("market", 0.5 - eco / 2), ("ecology", eco)):
            rows.append({"spec": spec, "indicator_set": "all", "scaling": scaling, "weighting": weighting,
                         "coupling": "classic", "aggregation": ci.MAIN.aggregation,
                         "cluster_id": "chengyugui", "year": 2019, "subsystem_id": subsystem, "share": share})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("share, category", [
    (1.0, "supported"), (0.5, "partly supported"), (0.05, "partly supported"), (0.049, "not supported"),
    (0.0, "not supported"),
])
def test_ecology_verdict_text_rule(share, category):
    assert obstacles.ecology_verdict_text(share, 100, 3, 6).split(":")[0] == category


def test_ecology_verdict_counts_specifications():
    # ecology 0.1 (rank 3 of 3) in the main specification, 0.6 (rank 1) in one of four → 25 %
    frame = _obstacle_multiverse([0.1, 0.6, 0.2, 0.1])
    verdict, values = obstacles.ecology_verdict(frame, 2019)
    assert verdict.claim_id == "p000_env_dev_conflict"
    assert verdict.verdict == ("partly supported: ecology is among the 2 largest obstacles in 25% of 4 "
                               "specifications (rank 3 of 3 in the main one)")
    assert values["eco_share_main"] == pytest.approx(0.1)
    assert values["eco_share_text"].startswith("10.0% (5th–95th percentile")
    assert values["eco_low"] == pytest.approx(np.quantile([0.1, 0.6, 0.2, 0.1], 0.05))
    # never among the two largest → excluded by the multiverse
    assert obstacles.ecology_verdict(_obstacle_multiverse([0.1, 0.2, 0.2, 0.1]), 2019)[0].category == "not supported"
    verdict, values = obstacles.ecology_verdict(None, 2019)
    assert verdict.category == "not testable with our data"
    assert values["eco_evidence"] == "clusters not selected" and np.isnan(values["eco_low"])


def test_share_intervals_and_table():
    frame = _obstacle_multiverse([0.1, 0.6, 0.2, 0.1])
    intervals = obstacles.share_intervals(frame, 2019, ["chengyugui"])
    eco = intervals.set_index("subsystem_id").loc["ecology"]
    assert eco["main"] == pytest.approx(0.1) and eco["median"] == pytest.approx(0.15)
    assert eco["largest_share"] == pytest.approx(0.25) and eco["specs"] == 4
    table = obstacles.share_interval_table(intervals, {"chengyugui": "CYG"},
                                           {"industry": "Ind", "market": "Mkt", "ecology": "Eco"})
    assert table.columns.tolist() == ["subsystem", "CYG"]
    assert table.set_index("subsystem").at["Eco", "CYG"] == "10 [10–54] · 25"
    values = obstacles.multiverse_values(intervals, {"chengyugui": "CYG"},
                                         {"industry": "Ind", "market": "Mkt", "ecology": "Eco"})
    assert values["mv_widest"] == "Eco in CYG" and values["mv_specs"] == 4
    assert values["mv_stable_count"] == 1 and values["mv_n_clusters"] == 1
    assert values["mv_stable_phrase"] == "the one cluster"


def test_exercise_values():
    result = _result()
    obs = obstacles.diagnose(result, MEMBERS, 2001)
    values = obstacles.exercise_values(result, MEMBERS, obs, ["a", "b"], 2000, {"a": "A", "b": "B"},
                                       {"industry": "Ind", "ecology": "Eco"})
    dominant = obs["subsystem"].idxmax(axis=1).value_counts()
    assert values["ex_dom_share"] == pytest.approx(dominant.iloc[0] / 3)
    change = (obs["cluster_subsystem"] - obstacles.diagnose(result, MEMBERS, 2000)["cluster_subsystem"]).stack()
    assert values["ex_change_max_value"] == pytest.approx(change.max())
    cluster, subsystem = change.idxmax()
    assert values["ex_change_max"] == f"{ {'industry': 'Ind', 'ecology': 'Eco'}[subsystem]} in {cluster.upper()}"


def test_unchosen_pair_and_union_print_no_nan():
    table, values = obstacles.union_benchmark_comparison(None, None, {}, ["chengyu"], 2019, {})
    assert table is None and values["pair_sentences"] == ""
    _, eco = obstacles.ecology_verdict(None, 2019)
    assert eco["eco_share_text"].startswith("not computed in this run") and "nan" not in eco["eco_share_text"]


def test_top_obstacle_sentence_for_one_cluster_ends_once():
    top = pd.DataFrame({"rank": [1], "indicator": ["gdp_pc"]})
    values = obstacles.top_obstacle_values(top, {"gdp_pc": "Real GDP p.c."}, ["chengyu"], 1)
    assert values["top1_sentence"] == "The indicator that ranks first is Real GDP p.c."
