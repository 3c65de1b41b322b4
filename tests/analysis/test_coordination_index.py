"""The one yardstick and its multiverse summaries (analysis.coordination_index)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import coordination_index as ci
from cityclusters.errors import MethodInputError
from cityclusters.indicators import multiverse
from tests.conftest import requires_mirror


def _grid_frame() -> pd.DataFrame:
    """A toy multiverse: two clusters, one year, a grid of 2 scalings × 2 couplings; cluster
    A's D depends on the scaling only, B's on nothing."""
    specs = multiverse.specifications(["s1", "s2"], sets=["all"], scalings=["winsor_minmax", "percentile"],
                                      weightings=["entropy"], aggregations=["arithmetic"])
    rows = []
    for number, spec in enumerate(specs):
        a = 0.8 if spec.scaling == "winsor_minmax" else 0.4
        for cluster, value in (("yrd26", a), ("chengyu", 0.6)):
            rows.append((number, *spec.__dict__.values(), 0.9, cluster, 2019, value))
    return pd.DataFrame(rows, columns=["spec", *multiverse.FACTORS, "corr_D_T", "cluster_id", "year", "D"])


def test_rank_intervals_and_main_rank():
    table = ci.cluster_rank_intervals(_grid_frame(), 2019, ["yrd26", "chengyu"])
    assert table["main_rank"].tolist() == [1, 2]  # main spec: winsorised min–max, classic C
    assert table["rank_low"].tolist() == [1.0, 1.0] and table["rank_high"].tolist() == [2.0, 2.0]


def test_sensitivity_finds_the_choice_that_moves_a_cluster():
    indices = ci.cluster_sensitivity(_grid_frame(), 2019, ["yrd26"]).set_index("choice")
    assert indices.loc["scaling", "first_order"] == pytest.approx(1.0)
    assert indices.loc["coupling", "first_order"] == pytest.approx(0.0)


def test_level_dependence():
    rng = np.random.default_rng(0)
    t = rng.uniform(0.2, 0.8, 200)
    frame = pd.DataFrame({"T": t, "C": rng.uniform(0.9, 1.0, 200)})
    frame["D"] = np.sqrt(frame["C"] * frame["T"])
    values = ci.level_dependence(frame)
    assert values["corr_D_T"] > 0.95 and values["r2_D_on_T"] == pytest.approx(values["corr_D_T"] ** 2)
    assert abs(values["corr_C_T"]) < 0.2 and values["n_city_years"] == 200


def test_a_period_without_indicators_for_a_subsystem_is_refused():
    with pytest.raises(MethodInputError, match=r"subsystem\(s\) .*market"):
        ci.index_indicators(2000, 2023)


@requires_mirror
@pytest.mark.slow
def test_one_d_per_city_year_whatever_the_clusters():
    """The yardstick scores the whole panel once: a city-year's D does not depend on which
    clusters are shown."""
    index = ci.panel_index()
    assert not index.duplicated(["city_code", "year"]).any()
    assert index["city_code"].nunique() >= 280
    assert index["D"].between(0, 1).all() or index["D"].dropna().between(0, 1).all()


def test_unusual_changes_flag_reversals_and_composition():
    members = pd.DataFrame({"cluster_id": ["a"] * 3, "city_code": [1, 2, 3]})
    rows = []
    for year, values in {2010: [0.40, 0.50, None], 2011: [0.42, 0.52, None], 2012: [0.44, 0.54, None],
                         2013: [0.46, 0.56, 0.10], 2014: [0.48, 0.58, 0.12]}.items():
        rows += [{"city_code": c, "year": year, "D": v} for c, v in zip([1, 2, 3], values, strict=True)]
    changes = ci.unusual_changes(pd.DataFrame(rows), members, ["a"]).set_index("year")
    assert changes.loc[2013, "unusual"] and changes.loc[2013, "composition_changed"]
    assert not changes.loc[2012, "unusual"] and changes.loc[2013, "cities_before"] == 2


@requires_mirror
@pytest.mark.slow
def test_indicator_table_shows_every_index_indicator_and_coverage():
    from cityclusters.data.tables import clusters

    table = ci.indicator_table(clusters(), ["yrd26"], 2019)
    assert len(table) == len(ci.index_indicators())
    assert table["Yangtze River Delta (26)"].between(0, 1).all()


def test_one_cluster_ranks_first():
    table = ci.cluster_rank_intervals(_grid_frame(), 2019, ["yrd26"])
    assert table[["main_rank", "median_rank", "rank_low", "rank_high"]].iloc[0].tolist() == [1, 1.0, 1.0, 1.0]


@requires_mirror
@pytest.mark.slow
def test_yardstick_result_is_the_panel_index_and_its_obstacles_are_score_shortfalls():
    result = ci.yardstick_result()
    panel = ci.panel_index().dropna(subset=["D"]).set_index(["city_code", "year"])
    assert np.array_equal(result.coordination["D"].reindex(panel.index).to_numpy(), panel["D"].to_numpy())
    assert len(result.coordination) == len(panel)
    by_indicator, by_subsystem = ci.obstacle_degrees(result, 2019)
    assert by_subsystem.sum(axis=1).to_numpy() == pytest.approx(1.0)
    u = result.scores.xs(2019, level="year").reindex(by_subsystem.index)
    expected = (1 - u).div((1 - u).sum(axis=1), axis=0)
    assert by_subsystem.to_numpy() == pytest.approx(expected[by_subsystem.columns].to_numpy())
    # the weights: within sums to 1 per subsystem, overall to 1
    assert result.weights.groupby("subsystem_id")["within"].sum().to_numpy() == pytest.approx(1.0)
    assert result.weights["overall"].sum() == pytest.approx(1.0)


def test_obstacle_share_intervals_refuses_an_unknown_cluster():
    frame = pd.DataFrame(columns=["spec", *multiverse.FACTORS, "cluster_id", "year", "subsystem_id", "share"])
    with pytest.raises(MethodInputError, match="no obstacle shares for cluster 'atlantis'"):
        ci.obstacle_share_intervals(frame, 2019, "atlantis")
