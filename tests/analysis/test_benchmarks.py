"""Benchmarks against the YRD (chapter 10): years behind, the tidy panel, national shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import benchmarks as bm
from cityclusters.errors import MethodInputError, SourceFormatError
from tests.conftest import requires_mirror

BENCH = pd.Series([0.30, 0.35, 0.40, 0.45], index=[2010, 2011, 2012, 2013])


# ----------------------------------------------------------------------------- years_behind
def test_years_behind_higher_is_better_hand_example():
    # 0.36 in 2013: the benchmark first reached ≥ 0.36 in 2012 (0.40) → 1 year behind
    r = bm.years_behind(BENCH, 0.36, 2013, "higher")
    assert r["status"] == "behind" and r["years"] == 1 and r["reached_year"] == 2012
    assert not r["censored"] and r["benchmark_value"] == pytest.approx(0.45)
    # exactly 0.35 → reached in 2011 (ties count as reached) → 2 years
    assert bm.years_behind(BENCH, 0.35, 2013, "higher")["years"] == 2


def test_years_behind_censored_ahead_and_level():
    r = bm.years_behind(BENCH, 0.30, 2013, "higher")
    assert r["years"] == 3 and r["censored"] and bm.format_years_behind(r) == "≥ 3"
    r = bm.years_behind(BENCH, 0.50, 2013, "higher")
    assert r["status"] == "ahead" and r["years"] is None and bm.format_years_behind(r) == "ahead"
    r = bm.years_behind(BENCH, 0.44, 2013, "higher")  # first reached in 2013 itself
    assert r["status"] == "level" and r["years"] == 0 and bm.format_years_behind(r) == "level"


def test_years_behind_lower_is_better_and_comparison_year():
    theil = pd.Series([0.12, 0.10, 0.08, 0.06], index=[2000, 2001, 2002, 2003])
    # 0.09 in 2003: first year with ≤ 0.09 is 2002 → 1 year
    assert bm.years_behind(theil, 0.09, 2003, "lower")["years"] == 1
    # 0.05 is better (lower) than 0.06 → ahead
    assert bm.years_behind(theil, 0.05, 2003, "lower")["status"] == "ahead"
    # compared in 2002 (later years ignored): 0.07 is better than 0.08 → ahead
    assert bm.years_behind(theil, 0.07, 2002, "lower")["status"] == "ahead"


def test_years_behind_non_monotone_uses_first_year_reached():
    bench = pd.Series([0.5, 0.3, 0.4], index=[2000, 2001, 2002])
    r = bm.years_behind(bench, 0.45, 2002, "higher")
    # benchmark is at 0.4 < 0.45 in 2002 → the cluster is ahead even though 2000 had 0.5
    assert r["status"] == "ahead"
    r = bm.years_behind(bench, 0.35, 2002, "higher")
    assert r["reached_year"] == 2000 and r["years"] == 2 and r["censored"]


def test_years_behind_missing_values_and_bad_input():
    bench = pd.Series([0.3, np.nan, 0.5], index=[2000, 2001, 2002])
    assert bm.years_behind(bench, 0.4, 2002, "higher")["years"] == 0  # 2001 skipped; reached 2002
    assert bm.years_behind(bench, np.nan, 2002, "higher")["status"] == "no data"
    assert bm.years_behind(bench, 0.4, 2001, "higher")["status"] == "no data"
    with pytest.raises(ValueError, match="better must be one of"):
        bm.years_behind(bench, 0.4, 2002, "up")
    with pytest.raises(ValueError, match="appear twice"):
        bm.years_behind(pd.Series([1.0, 2.0], index=[2000, 2000]), 1.0, 2000, "higher")


def _toy_panel():
    rows = []
    for year, b, c in [(2010, 0.30, 0.20), (2011, 0.35, 0.25), (2012, 0.40, 0.32)]:
        rows += [("yrd26", year, "coordination_d", b), ("chengyu", year, "coordination_d", c)]
    for year, b, c in [(2010, 0.10, 0.12), (2011, 0.09, 0.08), (2012, 0.08, 0.07)]:
        rows += [("yrd26", year, "theil", b), ("chengyu", year, "theil", c)]
    rows += [("yrd26", 2012, "primacy_s2", 2.0), ("chengyu", 2012, "primacy_s2", 1.5)]
    frame = pd.DataFrame(rows, columns=["cluster_id", "year", "measure", "value"])
    return frame.assign(n_units=5, members=5)


def test_years_behind_table_skips_measures_without_direction():
    table = bm.years_behind_table(_toy_panel(), "yrd26", 2012)
    assert set(table["measure"]) == {"coordination_d", "theil"}  # S2 has no direction
    d = table.set_index("measure").loc["coordination_d"]
    # 0.32 in 2012: benchmark first ≥ 0.32 in 2011 (0.35) → 1 year
    assert d["years"] == 1 and d["shown"] == "1" and d["status"] == "behind"
    t = table.set_index("measure").loc["theil"]
    assert t["status"] == "ahead"  # 0.07 < 0.08, lower is better
    s = bm.lag_summary(table)
    assert s == {**s, "cells": 2, "behind": 1, "ahead": 1, "worst_cluster": "chengyu",
                 "worst_measure": "coordination_d", "worst_years": 1}


def test_years_behind_table_errors():
    with pytest.raises(ValueError, match="no rows for the benchmark 'jingjinji'"):
        bm.years_behind_table(_toy_panel(), "jingjinji", 2012)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['value'\]"):
        bm.years_behind_table(_toy_panel().drop(columns="value"), "yrd26", 2012)


def test_snapshot_and_coverage():
    snap = bm.snapshot(_toy_panel(), 2011)
    row = snap.set_index("measure").loc["coordination_d"]
    assert row["year"] == 2011 and row["chengyu"] == pytest.approx(0.25)
    cov = bm.coverage_table(_toy_panel())
    assert list(cov.columns[:2]) == ["cluster_id", "members"] and (cov["theil"] == 5).all()


def test_measure_directions_and_validation():
    table = bm.measure_table()
    assert set(table["better"].dropna()) <= set(bm.DIRECTIONS)
    assert table.loc[table["better"].isna(), "measure_id"].tolist() == ["primacy_s2", "rank_size_q", "core_share"]
    with pytest.raises(ValueError, match="BENCHMARK must be one cluster id"):
        bm.validate_benchmark("pearl_river")
    assert bm.with_benchmark(["chengyu", "yrd26"], "yrd26") == ["yrd26", "chengyu"]
    with pytest.raises(ValueError, match="unknown measure"):
        bm.measure("gini")


def test_stated_trillion():
    assert bm.stated_trillion("≈1/2 of 63.6 trillion yuan") == pytest.approx(63.6)
    with pytest.raises(ValueError, match="no 'N trillion'"):
        bm.stated_trillion("≈1/2")


# ----------------------------------------------------------------------------- national shares
def test_national_shares_hand_example():
    panel = pd.DataFrame({"city_code": [1, 2, 3, 1], "year": [2018, 2018, 2018, 2017],
                          "gdp": [50.0, 30.0, 20.0, 999.0]})
    units = pd.DataFrame({"city_code": [1, 2, 3, 4], "area_km2": [10.0, 20.0, 30.0, 40.0],
                          "pop_2010": [1.0, 1.0, 1.0, 1.0], "pop_2020": [4.0, 3.0, 2.0, 1.0]})
    out = bm.national_shares({"g": [1, 2, 2]}, 2018, panel, units).iloc[0]
    assert out["cities"] == 2  # city 2 counted once
    assert out["land_share"] == pytest.approx(30 / 100)
    assert out["pop_share_2010"] == pytest.approx(2 / 4) and out["pop_share_2020"] == pytest.approx(7 / 10)
    assert out["gdp_share"] == pytest.approx(80 / 100) and out["national_units"] == 3
    missing = bm.national_shares({"g": [1, 5]}, 2018, panel, units).iloc[0]
    assert missing["missing_gdp"] == [5] and missing["missing_census"] == [5]


def test_national_shares_bad_input_names_the_problem():
    panel = pd.DataFrame({"city_code": [1, 1], "year": [2018, 2018], "gdp": [1.0, 2.0]})
    units = pd.DataFrame({"city_code": [1], "area_km2": [1.0], "pop_2010": [1.0], "pop_2020": [1.0]})
    with pytest.raises(MethodInputError, match="city_code 1 appears twice in year 2018"):
        bm.national_shares({"g": [1]}, 2018, panel, units)
    with pytest.raises(MethodInputError, match="no GDP in year 2019"):
        bm.national_shares({"g": [1]}, 2019, panel, units)
    with pytest.raises(MethodInputError, match=r"units: missing column\(s\) \['pop_2010'\]"):
        bm.national_shares({"g": [1]}, 2018, panel, units.drop(columns="pop_2010"))


@requires_mirror
def test_prd_members_typed_file_and_errors(tmp_path):
    prd = bm.prd_members()
    assert len(prd) == 9 and 440300 in set(prd["city_code"])  # 深圳
    bad = prd.drop(columns="city_code").copy()
    bad.loc[3, "city_zh"] = "香港市"
    path = tmp_path / "benchmarks_prd_members.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match="row 5, column city_zh: '香港市'"):
        bm.prd_members(path)


# ----------------------------------------------------------------------------- real data
@pytest.mark.slow
@requires_mirror
def test_benchmark_panel_without_coordination_is_tidy():
    panel = bm.benchmark_panel(["chengyu"], 2015, 2017, "yrd26",
                               measures=["theil", "cv", "primacy_s2", "core_share", "similarity"])
    assert set(panel["cluster_id"]) == {"yrd26", "chengyu"}
    assert panel["cluster_id"].iloc[0] == "yrd26"  # benchmark first
    assert set(panel["year"]) == {2015, 2016, 2017}
    assert not panel.duplicated(["cluster_id", "year", "measure"]).any()
    assert (panel["n_units"] <= panel["members"]).all()


@pytest.mark.slow
@requires_mirror
def test_chapter_10_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("10_benchmarks", tmp_path / "10.ipynb",
                         {"CLUSTERS": ["jingjinji"], "BENCHMARK": "middle_yangtze",
                          "FIRST_YEAR": 2012, "LAST_YEAR": 2018, "HALF_BAND": 0.02})
    values = glued_values(output)
    assert values["first_year"] == "2012" and values["last_year"] == "2018"
    assert values["n_clusters"] == "2"  # jingjinji + the benchmark added
    assert "Middle Yangtze" in values["benchmark_name"]
    assert values["theil_year"] == "2018"
    assert values["half_band"] == "0.02"
    assert values["yb_cells"] == "5"  # one cluster × five measures with a direction
