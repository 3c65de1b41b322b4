"""Benchmarks against the YRD (chapter 10): years behind, the tidy panel, national shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters import config
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

# ----------------------------------------------------------------------------- chapter 10 sentences
def _panel3(theil_my=(0.15, 0.14, 0.13), d_my=(0.36, 0.37, 0.38)):
    """Benchmark yrd26, chengyu and middle_yangtze over 2010–2012 (D, Theil, similarity)."""
    frame = _toy_panel()
    rows = []
    for year, t, d in zip((2010, 2011, 2012), theil_my, d_my):
        rows += [("middle_yangtze", year, "theil", t), ("middle_yangtze", year, "coordination_d", d)]
    for cluster, sim in (("yrd26", 0.95), ("chengyu", 0.97), ("middle_yangtze", 0.99)):
        rows.append((cluster, 2012, "similarity", sim))
    extra = pd.DataFrame(rows, columns=["cluster_id", "year", "measure", "value"]).assign(n_units=5, members=5)
    return pd.concat([frame, extra], ignore_index=True)


CHOSEN = ["yrd26", "chengyu", "middle_yangtze"]


def test_check_half_band_and_names():
    bm.check_half_band(0.05)
    for bad in (True, 0, 0.5, "0.1"):
        with pytest.raises(ValueError, match="HALF_BAND must be a number between 0 and 0.5"):
            bm.check_half_band(bad)
    assert config.cluster_names()["yrd26"] == "Yangtze River Delta (26)"
    values = bm.overview_values(["yrd26", "chengyu"], "yrd26", 2000, 2023)
    assert values["n_others"] == 1 and values["others_en"] == config.cluster_names()["chengyu"]
    assert bm.overview_values(["yrd26"], "yrd26", 2000, 2023)["others_en"] == "no other cluster"
    assert bm.overview_values(["yrd26"], "yrd26", 2000, 2023)["clusters_phrase"] == "1 cluster"


def test_direction_table_counts():
    table, values = bm.direction_table()
    assert values == {"n_measures": 8, "n_directed": 5, "n_ambiguous": 3, "n_contested": 2}
    better = dict(zip(bm.measure_table()["measure_id"], table["Better"]))
    assert better["primacy_s2"] == "no direction" and better["similarity"] == "lower (contested)"
    assert better["theil"] == "lower"


def test_coordination_sentence_branches():
    snap = bm.snapshot(_panel3(), 2012)
    en = config.cluster_names()
    text = bm.coordination_sentence(snap, CHOSEN, "yrd26", (2011, 2020))
    # D 2012: yrd26 0.40, chengyu 0.32, middle_yangtze 0.38 → the benchmark is highest
    assert text == (f"In 2012 the mean coordination degree D of {en['yrd26']} was 0.400; the highest among the "
                    f"clusters compared (others: {en['chengyu']} 0.320; {en['middle_yangtze']} 0.380).")
    snap_top = bm.snapshot(_panel3(d_my=(0.5, 0.5, 0.5)), 2012)
    text = bm.coordination_sentence(snap_top, CHOSEN, "yrd26", (2011, 2020))
    assert f"{en['middle_yangtze']} was the highest, at 0.500 (others: {en['chengyu']} 0.320)." in text
    no_d = bm.snapshot(_panel3()[lambda f: f["measure"] != "coordination_d"], 2012)
    assert bm.coordination_sentence(no_d, CHOSEN, "yrd26", (2011, 2020)).startswith(
        "The coordination degree D exists only for 2011–2020, the years of the book's coordination index")


def test_coordination_sentence_one_cluster_index_end_and_missing_d():
    en = config.cluster_names()
    panel = _panel3()
    one = bm.snapshot(panel[panel["cluster_id"] == "yrd26"], 2012)
    assert bm.coordination_sentence(one, ["yrd26"], "yrd26", (2010, 2020)) == (
        f"In 2012 the mean coordination degree D of {en['yrd26']} was 0.400; no other cluster is compared.")
    # D ends in 2012 while the similarity also has 2012: not called the last year; a later measure year is
    later = pd.concat([panel, pd.DataFrame({"cluster_id": ["yrd26"], "year": [2015], "measure": ["theil"],
                                            "value": [0.05], "n_units": [5], "members": [5]})])
    text = bm.coordination_sentence(bm.snapshot(later, 2015), CHOSEN, "yrd26", (2010, 2012))
    assert text.startswith(f"In 2012, the last year of the coordination index, the mean coordination degree D of "
                           f"{en['yrd26']} was 0.400; the highest")
    gap = panel[~((panel["cluster_id"] == "chengyu") & (panel["measure"] == "coordination_d"))]
    text = bm.coordination_sentence(bm.snapshot(gap, 2012), CHOSEN, "yrd26", (2010, 2020))
    assert text == (f"In 2012 the mean coordination degree D of {en['yrd26']} was 0.400; the highest among the "
                    f"clusters compared (others: {en['middle_yangtze']} 0.380) ({en['chengyu']}: no member city "
                    "scored in 2012).")
    assert bm.snapshot_d_records(bm.snapshot(gap, 2012), CHOSEN)["cluster_id"].tolist() == ["yrd26", "middle_yangtze"]


def test_prose_d_records_match_the_printed_values():
    panel = _panel3()
    snap = bm.snapshot(panel, 2012)
    table = bm.years_behind_table(panel, "yrd26", 2012)
    records = bm.prose_d_records(snap, table, panel, CHOSEN, "yrd26")
    assert records.columns.tolist() == bm.D_RECORD_COLUMNS
    # d_text prints the three clusters' D in 2012; the example is chengyu's D lag (0.32 in 2012,
    # reached by the benchmark in 2011 at 0.35)
    assert list(records.itertuples(index=False, name=None)) == [
        ("d_text_yrd26", "yrd26", 2012, 0.40), ("d_text_chengyu", "chengyu", 2012, 0.32),
        ("d_text_middle_yangtze", "middle_yangtze", 2012, 0.38),
        ("yb_example_d", "chengyu", 2012, 0.32), ("yb_example_d_benchmark", "yrd26", 2011, 0.35)]
    text = bm.coordination_sentence(snap, CHOSEN, "yrd26") + bm.years_behind_values(table, panel, "yrd26")["yb_example"]
    assert all(f"{d:.3f}" in text for d in records["D"])
    # an example on the Theil index prints no D; without D there is nothing to record
    theil_only = table[table["measure"] == "theil"]
    assert bm.example_d_records(theil_only, panel, "yrd26").empty
    no_d = panel[panel["measure"] != "coordination_d"]
    assert bm.prose_d_records(bm.snapshot(no_d, 2012), theil_only, no_d, CHOSEN, "yrd26").empty
    assert bm.d_frame(panel).shape == (9, 3) and set(bm.d_frame(no_d).columns) == {"cluster_id", "year", "D"}


def test_cluster_d_means_and_counts():
    index = pd.DataFrame({"city_code": [1, 2, 3, 1, 2, 3], "year": [2010] * 3 + [2011] * 3,
                          "D": [0.2, 0.4, 0.9, 0.3, np.nan, 0.5]})
    members = pd.DataFrame({"cluster_id": ["a", "a", "b", "b"], "city_code": [1, 2, 2, 3]})
    out = bm.cluster_d(index, members).set_index(["cluster_id", "year"])
    assert out.loc[("a", 2010), "D"] == pytest.approx(0.3) and out.loc[("a", 2010), "cities"] == 2
    assert out.loc[("a", 2011), "D"] == pytest.approx(0.3) and out.loc[("a", 2011), "cities"] == 1  # city 2 unscored
    assert out.loc[("b", 2011), "D"] == pytest.approx(0.5) and out.loc[("b", 2011), "cities"] == 1
    with pytest.raises(MethodInputError, match=r"index \(panel_index\): missing column\(s\) \['D'\]"):
        bm.cluster_d(index.drop(columns="D"), members)


def test_coordination_series_outside_the_index_years_is_empty():
    assert bm.coordination_series(["yrd26"], 2000, bm.D_SPAN[0] - 1).empty
    assert bm.coordination_series(["yrd26"], bm.D_SPAN[1] + 1, 2023).empty


def test_dashboard_values():
    panel = _panel3()
    panel.loc[(panel["cluster_id"] == "chengyu") & (panel["measure"] == "theil") & (panel["year"] == 2011),
              "n_units"] = 4
    values = bm.dashboard_values(panel, bm.snapshot(panel, 2012), CHOSEN, "yrd26", 2010, (2011, 2020))
    en = config.cluster_names()
    assert values["theil_year"] == 2012 and values["theil_bench"] == pytest.approx(0.08)
    assert values["theil_lower_text"] == f"{en['chengyu']} (0.070)"
    assert values["theil_higher_text"] == f"{en['middle_yangtze']} (0.130)"
    assert values["theil_bench_first"] == pytest.approx(0.10) and values["theil_bench_trend"] == "fell"
    assert values["n_clusters_with_gaps"] == 1
    assert values["clusters_with_gaps_phrase"].endswith(("clusters miss", "cluster misses"))
    shown = bm.coverage_shown(panel)
    assert shown.columns.tolist() == ["cluster", "members", "D", "Theil", "S2", "structure"]
    assert shown["cluster"].tolist() == ["长三角26", "成渝", "长江中游"]


def test_years_behind_values_worst_and_example():
    panel = _panel3()
    table = bm.years_behind_table(panel, "yrd26", 2012)
    values = bm.years_behind_values(table, panel, "yrd26")
    en = config.cluster_names()
    # middle_yangtze theil 0.13 in 2012: the benchmark was at 0.10 already in 2010 → ≥ 2 (censored)
    assert values["yb_worst_text"] == (f"The largest lag is that of {en['middle_yangtze']} in the "
                                       "Theil index of GDP per head (population-weighted): at least 2 years.")
    assert values["yb_example"] == (f"For example, {en['chengyu']} scored 0.320 in 2012 on the Coupling "
                                    f"coordination D; {en['yrd26']} first reached that level in 2011 (0.350, "
                                    "higher being better), so the lag is 2012 − 2011 = 1 years.")
    ahead = bm.years_behind_table(_panel3(theil_my=(0.01, 0.01, 0.01), d_my=(0.5, 0.5, 0.5)), "yrd26", 2012)
    ahead = ahead[ahead["status"] == "ahead"]
    values = bm.years_behind_values(ahead, panel, "yrd26")
    assert values["yb_worst_text"] == "No cluster lags the benchmark on any measure compared."
    assert values["yb_example"] == "In this run no cell has an uncensored lag to serve as an example."


def _shares(gdp_share_26: float, gdp_share_41: float = 0.6, land: float = 0.10) -> pd.DataFrame:
    return pd.DataFrame({"group": ["five clusters (YRD 26)", "five clusters (YRD 41)"], "cities": [60, 75],
                         "land_share": [land, land + 0.02], "pop_share_2010": [0.3, 0.35],
                         "pop_share_2020": [0.32, 0.37], "gdp_share": [gdp_share_26, gdp_share_41],
                         "gdp": [50e4, 60e4], "national_gdp": [100e4, 100e4], "national_units": [290, 290]})


@pytest.mark.parametrize("land, gdp, category", [
    (0.13, 0.70, "not supported"), (0.10, 0.65, "partly supported"), (0.10, 0.55, "not testable with our data"),
])
def test_ten_clusters_verdict_branches(land, gdp, category):
    verdict = bm.ten_clusters_verdict(_shares(gdp, land=land).iloc[0], 2018)
    assert verdict.category == category and verdict.claim_id == "p002_ten_clusters_share"
    assert verdict.evidence.endswith(f"GDP {gdp:.1%} of the sum over prefecture-level units (2018)")


@pytest.mark.parametrize("share, verdict", [
    (0.52, "supported"), (0.56, "not supported: the share is above 50 % ± 5%"),
    (0.44, "not supported: the share is below 50 % ± 5%"),
])
def test_half_gdp_verdict_branches(share, verdict):
    v = bm.half_gdp_verdict(_shares(share), 2014, 63.6, 0.05)
    assert v.verdict == verdict and v.claim_id == "p003_five_clusters_half_gdp"
    # GDP 50e4 亿元 = 50 trillion yuan of the paper's 63.6
    assert v.evidence == (f"2014: {share:.1%} of GDP summed over 290 prefecture-level units (60.0% with the "
                          f"41-city YRD); {50 / 63.6:.1%} of the paper's 63.6 trillion")


def test_share_values_and_table():
    s2, s3 = _shares(0.55, land=0.10), _shares(0.50)
    values = bm.share_values(s2, s3, 2018, 2014, 63.6, 0.05, 9)
    assert values["land_left"] == pytest.approx(0.02) and values["five_gdp_003_level"] == pytest.approx(50.0)
    assert values["national_gdp_003"] == pytest.approx(100.0) and values["five_cities"] == 60
    assert bm.share_values(_shares(0.5, land=0.2), s3, 2018, 2014, 63.6, 0.05, 9)["land_left"] == 0.0
    table = bm.share_table(s2, s3, 2018, 2014)
    assert table.columns.tolist() == ["group", "cities", "land", "pop. 2010", "pop. 2020", "GDP 2014", "GDP 2018"]
    groups = bm.five_cluster_groups([999001])
    assert list(groups) == ["five clusters (YRD 26)", "five clusters (YRD 41)"]
    assert 999001 in groups["five clusters (YRD 26)"]
    claims = pd.DataFrame({"year": ["2018-03"]}, index=["c"])
    assert bm.claim_year(claims, "c") == 2018


def _multiverse(d_by_spec):
    """A toy cluster multiverse in 2012: spec → {cluster: D}; spec 0 is the main specification."""
    from cityclusters.analysis import coordination_index as ci

    rows = []
    for spec, values in d_by_spec.items():
        choices = ci.MAIN.__dict__ if spec == 0 else {**ci.MAIN.__dict__, "scaling": f"other{spec}"}
        rows += [{"spec": spec, **choices, "cluster_id": c, "year": 2012, "D": d} for c, d in values.items()]
    return pd.DataFrame(rows)


# toy panel, 2012: yrd26 0.40, chengyu 0.32, middle_yangtze 0.38
MV_LEADS = _multiverse({0: {"yrd26": 0.40, "chengyu": 0.32, "middle_yangtze": 0.38},
                        1: {"yrd26": 0.50, "chengyu": 0.30, "middle_yangtze": 0.45}})


def test_benchmark_lead_counts_specifications_and_skips_incomplete_ones():
    mv = _multiverse({0: {"yrd26": 0.40, "chengyu": 0.32, "middle_yangtze": 0.38},
                      1: {"yrd26": 0.40, "chengyu": 0.41, "middle_yangtze": 0.30},  # chengyu above
                      2: {"yrd26": 0.40, "chengyu": 0.40, "middle_yangtze": 0.30},  # a tie is no lead
                      3: {"yrd26": 0.40, "chengyu": 0.30, "middle_yangtze": 0.39},
                      4: {"yrd26": 0.40, "chengyu": np.nan, "middle_yangtze": 0.30}})  # cannot evaluate
    lead = bm.benchmark_lead(mv, CHOSEN, "yrd26", 2012)
    assert lead["n_specs"] == 4 and lead["share"] == pytest.approx(2 / 4)
    assert lead["holds"].to_dict() == {0: True, 1: False, 2: False, 3: True, 4: None}
    # only the chosen clusters count: without chengyu the benchmark leads everywhere
    assert bm.benchmark_lead(mv, ["yrd26", "middle_yangtze"], "yrd26", 2012)["share"] == 1.0
    with pytest.raises(MethodInputError, match="no cluster besides the benchmark"):
        bm.benchmark_lead(mv, ["yrd26"], "yrd26", 2012)


def test_lead_text_states_main_and_multiverse():
    assert bm.lead_text([], 1.0, 2400, 2019) == (
        "in 2019 the benchmark is ahead of every other cluster compared under the main specification, "
        "and in every one of the 2,400 specifications of the index's multiverse")
    assert bm.lead_text([], 0.875, 2400, 2019).endswith("but only in 88% of the 2,400 specifications of the "
                                                       "index's multiverse")
    assert bm.lead_text(["Middle Yangtze"], 0.1, 2400, 2019) == (
        "in 2019 the benchmark is not ahead of Middle Yangtze under the main specification; it is ahead of every "
        "other cluster compared in 10% of the 2,400 specifications of the index's multiverse")


def test_interpretation_values_branches():
    panel = _panel3()
    table = bm.years_behind_table(panel, "yrd26", 2012)
    values = bm.interpretation_values(panel, bm.snapshot(panel, 2012), table, CHOSEN, "yrd26", 2010, MV_LEADS)
    en = config.cluster_names()
    assert values["interp_d"] == (
        "in 2012 the benchmark is ahead of every other cluster compared under the main specification, and in every "
        "one of the 2 specifications of the index's multiverse; under the main specification the lags range from "
        "0 to 1 years")  # 0: level
    assert values["lead_share"] == 1.0 and values["lead_specs"] == 2
    assert values["interp_gaps"] == (f"{en['chengyu']} is more equal inside than the benchmark; {en['middle_yangtze']} "
                                     "has larger gaps now than the benchmark had already in 2010, the first year of the data")
    assert values["interp_lesson"].endswith("ahead of it on Theil index of GDP per head (population-weighted).")
    assert values["sim_min"] == pytest.approx(0.95) and values["sim_max"] == pytest.approx(0.99)
    beaten = _panel3(d_my=(0.5, 0.5, 0.5))
    beaten = beaten[beaten["measure"] != "theil"]
    t2 = bm.years_behind_table(beaten, "yrd26", 2012)
    mv = _multiverse({0: {"yrd26": 0.40, "chengyu": 0.32, "middle_yangtze": 0.50},
                      1: {"yrd26": 0.50, "chengyu": 0.30, "middle_yangtze": 0.45}})
    v2 = bm.interpretation_values(beaten, bm.snapshot(beaten, 2012), t2, CHOSEN, "yrd26", 2010, mv)
    assert v2["interp_d"] == (f"in 2012 the benchmark is not ahead of {en['middle_yangtze']} under the main "
                              "specification; it is ahead of every other cluster compared in 50% of the 2 "
                              "specifications of the index's multiverse; under the main specification the lag "
                              "is 1 year")
    assert v2["interp_gaps"] == "no cluster is more equal inside than the benchmark"
    only = bm.interpretation_values(beaten, bm.snapshot(beaten, 2012), t2, ["yrd26"], "yrd26", 2010, mv)
    assert only["interp_d"] == "this run compares no cluster besides the benchmark"
    no_d = beaten[beaten["measure"] != "coordination_d"]
    v3 = bm.interpretation_values(no_d, bm.snapshot(no_d, 2012), t2, CHOSEN, "yrd26", 2010, mv)
    assert v3["interp_d"].startswith("this run has no coordination degree to compare (D exists only for 2007–2019")
    none_ahead = t2[t2["status"] != "ahead"]
    assert bm.interpretation_values(beaten, bm.snapshot(beaten, 2012), none_ahead, CHOSEN, "yrd26", 2010, mv)[
        "interp_lesson"] == "In this comparison the benchmark leads on every measure with a direction."


def test_lag_by_hand_text_branches():
    panel = _panel3()
    table = bm.years_behind_table(panel, "yrd26", 2012)
    assert bm.lag_by_hand_text(table, CHOSEN, "middle_yangtze").startswith("The Middle Yangtze cluster is the benchmark")
    assert bm.lag_by_hand_text(table, ["yrd26", "chengyu"], "yrd26").startswith("Add \"middle_yangtze\"")
    assert bm.lag_by_hand_text(table, CHOSEN, "yrd26") == (
        "In 2012 the Middle Yangtze Theil index is 0.130. The benchmark's series first falls to or below it in "
        "2010, so the lag is 2012 − 2010 = 2 years; this is the first year of the data, so the number is a lower bound.")
    later = _panel3(theil_my=(0.15, 0.14, 0.095))
    text = bm.lag_by_hand_text(bm.years_behind_table(later, "yrd26", 2012), CHOSEN, "yrd26")
    assert text.endswith("lag is 2012 − 2011 = 1 years; this is not the first year of the data, so the number is not censored.")
    ahead = _panel3(theil_my=(0.05, 0.05, 0.05))
    text = bm.lag_by_hand_text(bm.years_behind_table(ahead, "yrd26", 2012), CHOSEN, "yrd26")
    assert text == ("In 2012 the Middle Yangtze value (0.050) is below the benchmark's (0.080): the cluster is "
                    "ahead, and there is no lag to count.")
    no_theil = table[table["measure"] != "theil"]
    assert bm.lag_by_hand_text(no_theil, CHOSEN, "yrd26") == (
        "The Middle Yangtze cluster has no Theil value in the comparison year of this run.")


def test_exercise_values():
    panel = _panel3()
    table = bm.years_behind_table(panel, "yrd26", 2012)
    snap = bm.snapshot(panel, 2012)
    en = config.cluster_names()
    values = bm.exercise_values(panel, snap, table, _shares(0.52, 0.53), CHOSEN, "yrd26", 0.05)
    assert values["ex2_text"] == "The verdict does not change."
    assert values["ex3_text"] == (f"In 2012 the cluster with the largest gaps among those compared is "
                                  f"{en['middle_yangtze']} (Theil 0.130; the smallest: {en['chengyu']}, 0.070).")
    # D order 2010: chengyu < yrd26 < middle_yangtze; 2012: chengyu < middle_yangtze < yrd26
    assert values["ex3_d_text"].startswith("The order of the clusters by D changes between years (2 different orders)")
    changed = bm.exercise_values(panel, snap, table, _shares(0.52, 0.60), CHOSEN, "yrd26", 0.05)
    assert changed["ex2_text"].startswith("The verdict changes")
    same = _panel3(d_my=(0.1, 0.1, 0.1))
    assert bm.exercise_values(same, snap, table, _shares(0.52), CHOSEN, "yrd26", 0.05)["ex3_d_text"].startswith(
        "The order of the clusters by D is the same in every year")
    no_d = panel[panel["measure"] != "coordination_d"]
    assert bm.exercise_values(no_d, snap, table, _shares(0.52), CHOSEN, "yrd26", 0.05)["ex3_d_text"] == (
        "This run has no coordination degree for several clusters to compare.")

@pytest.mark.slow
@requires_mirror
def test_coordination_d_is_the_yardstick():
    from cityclusters.analysis import coordination, coordination_index as ci

    panel = bm.benchmark_panel(["chengyu"], 2005, 2023, "yrd26", measures=["coordination_d"])
    assert (panel["year"].min(), panel["year"].max()) == bm.D_SPAN == (ci.FIRST_YEAR, ci.LAST_YEAR)
    index = ci.panel_index()
    expected = ci.cluster_means(index, coordination.chosen_members(["yrd26", "chengyu"])).set_index(
        ["cluster_id", "year"])["D"]
    got = panel.set_index(["cluster_id", "year"])["value"]
    assert np.allclose(got, expected.reindex(got.index), rtol=0, atol=1e-12)
    # by hand for one cluster-year: the mean over the member cities with a D, and their number
    codes = coordination.chosen_members(["chengyu"])["city_code"]
    rows = index[(index["year"] == 2015) & index["city_code"].isin(codes)].dropna(subset=["D"])
    cell = panel[(panel["cluster_id"] == "chengyu") & (panel["year"] == 2015)].iloc[0]
    assert cell["value"] == pytest.approx(rows["D"].mean()) and cell["n_units"] == len(rows)
    values = bm.index_values()
    assert values["d_span"] == f"{ci.FIRST_YEAR}–{ci.LAST_YEAR}" and values["d_subsystems"] == 6
    assert values["d_indicators"] == len(ci.index_indicators())


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
                          "FIRST_YEAR": 2012, "LAST_YEAR": 2018, "HALF_BAND": 0.02},
                         render_figures=False)
    values = glued_values(output)
    assert values["first_year"] == "2012" and values["last_year"] == "2018"
    assert values["n_clusters"] == "2"  # jingjinji + the benchmark added
    assert "Middle Yangtze" in values["benchmark_name"]
    assert values["theil_year"] == "2018"
    assert values["half_band"] == "0.02"
    assert values["yb_cells"] == "5"  # one cluster × five measures with a direction
    assert _text(values["d_text"]).startswith("In 2018 the mean coordination degree D of Middle Yangtze was ")
    assert _text(values["interp_d"]).startswith("in 2018 the benchmark is ")
    _check_d_records(values)
    # years outside the coordination index: no D anywhere, and the sentences say why
    output = run_chapter("10_benchmarks", tmp_path / "10b.ipynb",
                         {"CLUSTERS": ["yrd26"], "BENCHMARK": "yrd26", "FIRST_YEAR": 2000, "LAST_YEAR": 2005},
                         render_figures=False)
    values = glued_values(output)
    assert _text(values["d_text"]) == ("The coordination degree D exists only for 2007–2019, the years of the book's "
                                "coordination index, outside the years chosen, so it is missing from this run.")
    assert _text(values["interp_d"]) == ("this run has no coordination degree to compare (D exists only for "
                                         "2007–2019, outside the years chosen)")
    assert not [k for k in values if k.startswith("Drecord__")]


def _text(glued: str) -> str:
    """A glued sentence without the quotes of its plain-text representation."""
    import ast

    return ast.literal_eval(glued)


def _check_d_records(values):
    """Every D record of an executed chapter 10 equals the yardstick's cluster mean."""
    from cityclusters.analysis import coordination_index as ci
    from cityclusters.data import tables
    from cityclusters.publishing.notebook import D_RECORD_PREFIX

    means = ci.cluster_means(ci.panel_index(), tables.clusters()).set_index(["cluster_id", "year"])["D"]
    records = {k: float(v) for k, v in values.items() if k.startswith(D_RECORD_PREFIX)}
    assert records
    for key, value in records.items():
        unit, year, _ = key[len(D_RECORD_PREFIX):].split("__")
        assert value == pytest.approx(means[(unit, int(year))], abs=1e-12), key


@pytest.mark.slow
@requires_mirror
def test_chapter_10_default_d_records_and_lead(tmp_path):
    from cityclusters.paths import repo_root
    from cityclusters.publishing.runner import glued_values, run_chapter

    # the defaults are what the book's build executed: read its notebook when it exists
    # (`make test` builds first) instead of executing the chapter a second time
    built = repo_root() / "_build" / "jupyter_execute" / "notebooks" / "10_benchmarks.glue.json"
    values = glued_values(built if built.is_file() else run_chapter(
        "10_benchmarks", tmp_path / "10.ipynb", render_figures=False))
    _check_d_records(values)
    names = [k.rsplit("__", 1)[1] for k in values if k.startswith("Drecord__")]
    assert {"dashboard", "yb_example_d", "d_text_yrd26"} <= set(names)
    assert float(values["lead_specs"]) > 1000 and 0 <= float(values["lead_share"]) <= 1
