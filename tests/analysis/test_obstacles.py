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
    values = obstacles.subsystem_values(cs, {"a": "A", "b": "B"}, {"industry": "Ind", "ecology": "Eco"})
    assert values["top_sub_list"] == "A: Ind (70%); B: Eco (80%)"
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
    assert values == {"top1_indicator": "X", "top1_count": 2, "n_clusters": 3, "top_n": 1}


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


@pytest.mark.parametrize("rank, n, category", [
    (1, 6, "supported"), (2, 6, "supported"), (3, 6, "partly supported"), (4, 6, "partly supported"),
    (5, 6, "not supported"), (6, 6, "not supported"),
])
def test_ecology_verdict_text_branches(rank, n, category):
    assert obstacles.ecology_verdict_text(rank, n).split(":")[0] == category


def test_ecology_verdict_with_and_without_the_union():
    result = _result()
    members = pd.DataFrame({"cluster_id": ["chengyu", "qianzhong"], "city_code": [1, 2]})
    cyg = coordination.union_members(members, "chengyugui")
    verdict, values = obstacles.ecology_verdict(result, cyg, 2000)
    # ecology share (0.75/1.75 + 2/3)/2 ≈ 0.548 ranks 1 of 2; with two subsystems rank 1 is also
    # "among the two smallest", which the rule checks first → not supported
    assert verdict.verdict == "not supported: with CO2 indicators, ecology is among the smallest obstacles"
    assert verdict.claim_id == "p000_env_dev_conflict"
    assert values["eco_evidence"] == ("2000, Chengdu–Chongqing–Guiyang: ecology obstacle 54.8%, rank 1 of 2 "
                                      "measured subsystems (CO2 intensity and CO2 per capita)")
    verdict, values = obstacles.ecology_verdict(result, None, 2000)
    assert verdict.category == "not testable with our data"
    assert values == {"eco_verdict": verdict.verdict, "eco_evidence": "clusters not selected"}


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
