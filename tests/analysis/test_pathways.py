"""Chapter 12 (pathways as scenarios): the counterfactual helpers and a rerun."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import pathways as sc
from cityclusters.errors import MethodInputError, SourceFormatError
from tests.conftest import requires_mirror


def _times():
    # three cities on a line: A–B 2 h, B–C 2 h, A–C 4 h (a shortest-path matrix)
    t = np.array([[0.0, 2.0, 4.0], [2.0, 0.0, 2.0], [4.0, 2.0, 0.0]])
    return pd.DataFrame(t, index=[1, 2, 3], columns=[1, 2, 3])


def test_apply_links_recomputes_shortest_paths():
    links = pd.DataFrame({"code_a": [1], "code_b": [2], "hours": [0.5]})
    out = sc.apply_links(_times(), links)
    assert out.at[1, 2] == pytest.approx(0.5)
    assert out.at[1, 3] == pytest.approx(2.5)  # 0.5 + 2 via B
    assert out.at[2, 3] == pytest.approx(2.0)
    assert np.allclose(out.to_numpy(), out.to_numpy().T)


def test_apply_links_never_lengthens_and_names_bad_rows():
    slow = pd.DataFrame({"code_a": [1], "code_b": [3], "hours": [9.0]})
    assert sc.apply_links(_times(), slow).at[1, 3] == pytest.approx(4.0)
    with pytest.raises(MethodInputError, match="row 1: city_code 9"):
        sc.apply_links(_times(), pd.DataFrame({"code_a": [1], "code_b": [9], "hours": [1.0]}))
    with pytest.raises(MethodInputError, match="row 1: column 'hours'"):
        sc.apply_links(_times(), pd.DataFrame({"code_a": [1], "code_b": [2], "hours": [0.0]}))


def test_line_links_split_the_planned_time_by_distance():
    # three points on the equator at 0°, 1°, 3° longitude: distances in ratio 1 : 2
    coords = pd.DataFrame({"lon": [0.0, 1.0, 3.0], "lat": [0.0, 0.0, 0.0]}, index=[1, 2, 3])
    line = {"line_id": "x", "cities": ["A", "B", "C"], "between": ["A", "C"], "planned_time_h": 0.9}
    out = sc.line_links(line, coords, {"A": 1, "B": 2, "C": 3})
    assert out["hours"].tolist() == pytest.approx([0.3, 0.6])
    # time given only between A and B: same speed beyond B
    line["between"] = ["A", "B"]
    assert sc.line_links(line, coords, {"A": 1, "B": 2, "C": 3})["hours"].tolist() == pytest.approx([0.9, 1.8])
    with pytest.raises(SourceFormatError, match="city 'D'"):
        sc.line_links({**line, "cities": ["A", "D"]}, coords, {"A": 1, "B": 2, "C": 3})


def test_check_scenario_lines_names_row_and_column():
    row = {c: "x" for c in sc.LINE_COLUMNS}
    row.update(line_id="a", cities_zh="甲市;乙市", time_between_zh="甲市;乙市", planned_time_h="1.5")
    good = pd.DataFrame([row])
    assert sc.check_scenario_lines(good)["planned_time_h"].iat[0] == 1.5
    with pytest.raises(SourceFormatError, match="row 2: column 'planned_time_h'"):
        sc.check_scenario_lines(good.assign(planned_time_h="-1"))
    with pytest.raises(SourceFormatError, match="row 2: column 'time_between_zh'"):
        sc.check_scenario_lines(good.assign(time_between_zh="甲市;丙市"))
    with pytest.raises(SourceFormatError, match="row 3: column 'line_id'"):
        sc.check_scenario_lines(pd.concat([good, good], ignore_index=True))
    with pytest.raises(SourceFormatError, match="missing column"):
        sc.check_scenario_lines(good.drop(columns="source"))


def test_linkage_indicators_hand_computed():
    # masses sqrt(P G) = 2, 1, 1 (P = G = 2, 1, 1); times A–B 1, A–C 2, B–C 1; b = 2
    frame = pd.DataFrame({"city_code": [1, 2, 3], "population": [2.0, 1.0, 1.0], "gdp": [2.0, 1.0, 1.0]})
    t = pd.DataFrame([[0, 1, 2], [1, 0, 1], [2, 1, 0]], index=[1, 2, 3], columns=[1, 2, 3], dtype=float)
    out = sc.linkage_indicators(frame, t, cores=[1])
    # R_AB = 2, R_AC = 2/4 = 0.5, R_BC = 1; total 3.5; mean 7/6
    assert out["total"] == pytest.approx(3.5)
    assert out["core_share"] == pytest.approx((2 + 0.5) / 2 / 3.5)  # core–periphery / 2
    assert out["density"] == pytest.approx(1 / 3)  # only R_AB ≥ 7/6
    assert sc.linkage_indicators(frame, t, [1], threshold=0.9)["density"] == pytest.approx(2 / 3)


def test_close_gap_and_inequality():
    y = pd.Series({"a": 100.0, "b": 50.0, "c": 200.0})
    out = sc.close_gap(y, ["b", "c"], target=150.0, closure=0.5)
    assert out.tolist() == [100.0, 100.0, 200.0]  # b closes half of 100; c above target untouched
    assert sc.close_gap(y, ["b"], 150.0, 0.0).equals(y)
    with pytest.raises(MethodInputError, match="closure"):
        sc.close_gap(y, ["b"], 150.0, 1.5)
    with pytest.raises(MethodInputError, match="'z'"):
        sc.close_gap(y, ["z"], 150.0, 0.5)
    ind = sc.inequality_indicators(pd.Series({"a": 1.0, "b": 1.0}), pd.Series({"a": 3.0, "b": 1.0}))
    assert ind["theil"] == pytest.approx(0.0) and ind["theil_weighted"] == pytest.approx(0.0)
    ind = sc.inequality_indicators(pd.Series({"a": 1.0, "b": 3.0}), pd.Series({"a": 1.0, "b": 1.0}))
    # shares 1/4, 3/4: T = 1/4 ln(1/2) + 3/4 ln(3/2); CV = 1/2
    assert ind["theil"] == pytest.approx(0.25 * np.log(0.5) + 0.75 * np.log(1.5))
    assert ind["cv"] == pytest.approx(0.5)


def test_grow_city_and_hierarchy():
    sizes = pd.Series({"a": 100.0, "b": 80.0, "c": 40.0, "d": 20.0})
    base = sc.hierarchy_indicators(sizes)
    assert base["s2"] == pytest.approx(1.25) and base["s4"] == pytest.approx(100 / 140)
    grown = sc.hierarchy_indicators(sc.grow_city(sizes, "a", 0.2))
    assert grown["s2"] == pytest.approx(1.5)
    swapped = sc.hierarchy_indicators(sc.grow_city(sizes, "b", 0.5))
    assert swapped["largest"] == "b" and swapped["s2"] == pytest.approx(1.2)
    with pytest.raises(MethodInputError, match="growth"):
        sc.grow_city(sizes, "a", -1.0)


def test_direction_and_parameters():
    assert sc.direction_word(1.0, 2.0) == "up" and sc.direction_word(2.0, 1.0) == "down"
    assert sc.direction_word(1.0, 1.0) == "unchanged" and sc.direction_word(np.nan, 1.0) == "n/a"
    ok = dict(first_year=2015, last_year=2023, scenario_year=2020, gap_closure=0.5, core_growth=0.2,
              lines=["x"], known_lines=["x"])
    sc.validate_scenario_parameters(**ok)
    for key, bad, msg in (("scenario_year", 2024, "SCENARIO_YEAR"), ("gap_closure", 1.2, "GAP_CLOSURE"),
                          ("core_growth", -0.1, "CORE_GROWTH"), ("lines", ["y"], "SCENARIO_LINES")):
        with pytest.raises(ValueError, match=msg):
            sc.validate_scenario_parameters(**{**ok, key: bad})



# ----------------------------------------------------------------------------- chapter 12 tables and values
CD, CQ, ZY = 510100, 500100, 512000  # chengyu cores (config.CORE_CITIES) and one other city


def _cy_times():
    t = np.array([[0.0, 2.0, 1.0], [2.0, 0.0, 1.5], [1.0, 1.5, 0.0]])
    return pd.DataFrame(t, index=[CD, CQ, ZY], columns=[CD, CQ, ZY])


def _cy_last(**extra):
    frame = pd.DataFrame({"cluster_id": "chengyu", "city_code": [CD, CQ, ZY, 511900],
                          "population": [2000.0, 3200.0, 230.0, np.nan], "gdp": [20000.0, 28000.0, 900.0, 800.0],
                          "gdp_per_capita": [100000.0, 87500.0, 39130.0, np.nan]})
    return frame.assign(**extra)


def test_rail_scenario_baseline_threshold_and_sentences():
    faster = _cy_times()
    faster.loc[CD, CQ] = faster.loc[CQ, CD] = 1.0
    table, usable, values = sc.rail_scenario(_cy_last(), _cy_times(), _cy_times(), {"mid": faster},
                                             {"mid": "中线 middle"}, ["chengyu"], 2.0)
    assert table["scenario"].tolist() == ["baseline", "中线 middle"]
    # core–core time halves: that pair's linkage ×4; the others unchanged
    base = sc.linkage_indicators(usable["chengyu"], _cy_times(), [CQ, CD], 2.0)
    new = sc.linkage_indicators(usable["chengyu"], faster, [CQ, CD], 2.0, threshold=base["threshold"])
    assert table["linkage Δ"].iloc[1] == pytest.approx(new["total"] / base["total"] - 1)
    assert values["s1_dropped_chengyu"] == 1 and values["s1_n_dropped"] == 1  # no population
    assert values["s1_last_label"] == "中线 middle"
    assert values["s1_sentences"].startswith("Chengdu–Chongqing: total linkage +")


def test_faster_pairs_counts_pairs_that_gain_more_than_a_minute():
    after = _cy_times()
    after.loc[CD, CQ] = after.loc[CQ, CD] = 1.0
    after.loc[CD, ZY] = after.loc[ZY, CD] = 1.0 - 0.5 / 60  # half a minute: not counted
    pairs, values = sc.faster_pairs([CD, CQ, ZY], _cy_times(), after, 2.0)
    assert values == {"s1_n_pairs_faster": 1, "s1_n_pairs": 3}
    assert pairs[["code_a", "code_b"]].values.tolist() == [[CD, CQ]]
    assert pairs["gain"].iloc[0] == pytest.approx(4.0)


def test_core_pair_values_reads_the_matrices():
    codes = [sc.CD, sc.CQ, sc.GY, *sc.SECONDARY.values(), sc.ZIYANG, sc.ZUNYI]
    base = pd.DataFrame(2.0, index=codes, columns=codes)
    after = base.copy()
    after.loc[sc.CD, sc.CQ] = after.loc[sc.CQ, sc.CD] = 0.9
    values = sc.core_pair_values(base, after, 1.2)
    assert values["s1_cdcq_typed"] == 1.2 and values["s1_cdcq_before"] == 2.0 and values["s1_cdcq_after"] == 0.9
    assert values["s1_secondary_text"].startswith("成都–宜宾 2.0 h → 2.0 h")
    table = sc.travel_target_table(pd.DataFrame({"paper": ["000", "001"]},
                                                index=["p000_hsr_3h_circle", "p001_travel_time_targets"]),
                                   base, after, 2020)
    assert table["with the planned lines (model)"].tolist() == [
        "slowest core pair 2.00 h (network of 2020: 2.00 h)",
        "Chengdu–Chongqing 0.90 h; secondary links barely change"]


def test_combined_pc_is_gdp_over_population():
    frame = pd.DataFrame({"gdp": [100.0, 300.0], "population": [10.0, 30.0]})
    assert sc.combined_pc(frame) == pytest.approx(100000.0)  # 400 亿元 / 40 万人 = 10 万元


def test_gap_scenarios_both_variants_and_text():
    zh = {CD: "成都", CQ: "重庆", ZY: "资阳"}.get
    table, cases, _, values = sc.gap_scenarios(_cy_last(), ["chengyu"], 0.5, zh)
    assert [k["variant"] for k in cases] == ["lagging core", "all non-core cities"]
    lag = cases[0]
    assert lag["chosen"] == [CQ] and lag["target"] == pytest.approx(100000.0)
    assert lag["y2"][CQ] == pytest.approx(87500.0 + 0.5 * 12500.0)
    rest = cases[1]
    assert rest["target"] == pytest.approx(48000 / 5200 * 1e4)
    assert values["s2_n_dropped"] == 1
    assert values["s2_lag_text"].startswith("Chengdu–Chongqing: 重庆 87,500 → 93,750 元 (target 100,000)")
    # 重庆 87,500 is below the cluster's combined 48,900/5,430 万 ≈ 90,055 元
    assert values["s2_lag_above"] == "Chengdu–Chongqing: 重庆 below it"
    assert table["raised"].tolist() == ["重庆", "1 cities"]
    cluster, frame, target = sc.gap_figure_case(cases)
    assert cluster == "chengyu" and frame["changed"].tolist() == [False, False, True]
    assert target == pytest.approx(rest["target"])


def test_gap_scenarios_without_two_cores():
    qz = pd.DataFrame({"cluster_id": "qianzhong", "city_code": [520100, 520300],
                       "population": [600.0, 650.0], "gdp": [4000.0, 3500.0],
                       "gdp_per_capita": [66667.0, 53846.0]})
    _, cases, _, values = sc.gap_scenarios(qz, ["qianzhong"], 0.5, str)
    assert [k["variant"] for k in cases] == ["all non-core cities"]
    assert values["s2_lag_text"] == "no cluster of this run has two cores"
    assert values["s2_lag_above"] == "no lagging core in this run"
    assert sc.gap_figure_case([]) == (None, None, None)
    unavailable = sc.CoordinationBaseline(pd.DataFrame(), 2021, 2020)
    assert not unavailable.available
    out, observed = sc.gap_coordination_effect(qz, cases, unavailable, 2023, 0.5, str)
    assert out["s2_d_year"] == "none" and out["s2_d_text"].startswith("not computable")
    assert observed.empty and list(observed.columns) == ["unit", "year", "D"]


def test_core_growth_scenarios_primacy_by_hand():
    last = _cy_last()
    table, values = sc.core_growth_scenarios(last, ["chengyu"], "gdp", 0.5, lambda c: str(c), lambda c: f"c{c}")
    # base: 28000/20000 = 1.4; growing Chengdu by 50 % -> 30000/28000
    rows = table.set_index("core grown")
    assert rows.loc[f"c{CQ}", "S2"] == pytest.approx(1.4) and rows.loc[f"c{CQ}", "S2 after"] == pytest.approx(2.1)
    assert rows.loc[f"c{CD}", "S2 after"] == pytest.approx(30000 / 28000)
    assert rows.loc[f"c{CD}", "largest after"] == str(CD)
    assert values["s3_cy_text"].startswith(f"Chengdu–Chongqing, {CQ} +50%: S2 1.40 → 2.10")
    _, none = sc.core_growth_scenarios(last, ["yrd26"], "gdp", 0.5, str, str)
    assert none == {"s3_cy_text": "Chengdu–Chongqing is not among the clusters of this run", "s3_q_range": "n/a",
                    "s3_q_note": "no cluster of this run has two sizes to rank"}
    assert values["s3_q_note"].startswith("baseline value in Chengdu–Chongqing: ")  # one cluster: no range


def test_exercise_values_full_closure_and_decay():
    last = _cy_last()
    _, _, frames, _ = sc.gap_scenarios(last, ["chengyu"], 0.5, str)
    _, usable, _ = sc.rail_scenario(last, _cy_times(), _cy_times(), {"x": _cy_times()}, {"x": "x"}, ["chengyu"], 2.0)
    after = _cy_times() / 2
    values = sc.exercise_values(frames, usable, _cy_times(), after, "chengyu", 0.5)
    assert values["ex1_before"] > values["ex1_half"] > values["ex1_full"] > 0  # cores still differ
    # every time halved: linkage ×2^b
    assert values["ex2_b1"] == pytest.approx(1.0) and values["ex2_b2"] == pytest.approx(3.0)
    assert values["ex2_cluster"] == "Chengdu–Chongqing"


def test_parameter_values_and_lines_text():
    values = sc.parameter_values(2015, 2023, 2023, 0.5, 0.2, 2.0, ["chengyu", "yrd26"], "gdp")
    assert values["clusters_en"] == "Chengdu–Chongqing, Yangtze River Delta (26)"
    assert values["scenario_year"] == 2023 and isinstance(values["size_word"], str)
    lines = pd.DataFrame({"line_zh": ["中线"], "line_en": ["middle"], "planned_time_h": [0.8333],
                          "between": [["成都市", "重庆市"]], "verification": ["verified"]}, index=["m"])
    assert sc.lines_text(lines, ["m"]) == "中线 (middle, 50 min 成都–重庆, verified)"

@requires_mirror
def test_typed_lines_file_is_valid():
    lines = sc.scenario_lines().set_index("line_id")
    assert lines.at["chengyu_middle", "planned_time_h"] == pytest.approx(50 / 60, abs=1e-3)
    assert lines.at["chengyu_middle", "cities"] == ["成都市", "资阳市", "重庆市"]


@pytest.mark.slow
@requires_mirror
def test_chapter_12_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("12_pathways", tmp_path / "12.ipynb",
                         {"CLUSTERS": ["chengyu"], "FIRST_YEAR": 2012, "LAST_YEAR": 2019,
                          "SCENARIO_YEAR": 2018, "SCENARIO_LINES": ["chengyu_middle"],
                          "GAP_CLOSURE": 1.0, "CORE_GROWTH": 0.5, "SIZE_MEASURE": "population"},
                         render_figures=False)
    values = glued_values(output)
    assert values["scenario_year"] == "2018" and values["sc_year_first"] == "2012"
    assert values["gap_closure"] == "1.0" and values["core_growth"] == "0.5"
    assert values["clusters_en"] == "'Chengdu–Chongqing'"
    assert values["sc_d_years"] == "'2012–2019'"
    assert "of 2,400 specifications" in values["sc_d_text"] and values["d_index_years"] == "'2007–2019'"
    # every observed D the chapter records is the yardstick's (the scenario's D are not recorded)
    from cityclusters.analysis import coordination, coordination_index

    index = coordination_index.panel_index().set_index(["city_code", "year"])["D"]
    clusters = coordination_index.cluster_means(coordination_index.panel_index(),
                                                coordination.chosen_members(["chengyu"]))
    clusters = clusters.set_index(["cluster_id", "year"])["D"]
    records = {k: float(v) for k, v in values.items() if k.startswith("Drecord__")}
    assert {k.split("__")[3] for k in records} == {"scorecard", "s2_observed"}
    for key, value in records.items():
        _, unit, year, _ = key.split("__")
        expected = clusters[(unit, int(year))] if unit == "chengyu" else index[(int(unit), int(year))]
        assert value == pytest.approx(expected, abs=1e-12)
    assert float(values["s1_cdcq_after"]) == pytest.approx(50 / 60, abs=1e-3)
    assert float(values["ex1_half"]) == pytest.approx(float(values["ex1_full"]))


# ----------------------------------------------------------------------------- the one coordination index
def test_gdp_exponents_read_the_formulas():
    table = pd.DataFrame({"indicator_id": ["y", "k", "f", "s", "w"],
                          "numerator": ["1e4 * gp.real_gdp", "gp.co2_t", "100 * yearbook.fdi * gp.exchange_rate",
                                        "100 * gp.share_tertiary", "gp.gdp * gp.gdp"],
                          "denominator": ["gp.population", "1e4 * gp.real_gdp", "1e4 * gp.gdp", float("nan"),
                                          "gp.population"]})
    # a deflator is not GDP; GDP squared counts twice
    assert sc.gdp_exponents(table) == {"y": 1, "k": -1, "f": -1, "w": 2}
    partial = pd.DataFrame({"indicator_id": ["p"], "numerator": ["gp.gdp + gp.loans_wan"],
                            "denominator": ["gp.population"]})
    with pytest.raises(MethodInputError, match="'p'.*some summands"):
        sc.gdp_exponents(partial)


def test_gdp_exponents_of_the_yardstick():
    from cityclusters.analysis import coordination_index

    exponents = sc.gdp_exponents(coordination_index.index_indicators())
    assert exponents == {"real_gdp_pc": 1, "co2_intensity": -1, "fdi_gdp": -1, "loans_gdp": -1}


def test_scenario_values_change_one_row_by_the_factor():
    keys = pd.DataFrame({"city_code": [1, 1, 2], "year": [2018, 2019, 2019]})
    values = np.array([[10.0, 4.0, 7.0], [20.0, 8.0, np.nan], [30.0, 2.0, 1.0]])
    out = sc.scenario_values(keys, values, ["y", "k", "f"], 1, 2019, 2.0, {"y": 1, "k": -1, "f": -1})
    assert out[1].tolist()[:2] == [40.0, 4.0] and np.isnan(out[1, 2])  # missing stays missing
    assert np.array_equal(out[[0, 2]], values[[0, 2]]) and values[1, 0] == 20.0  # input untouched
    with pytest.raises(MethodInputError, match="city_code 3 in 2019"):
        sc.scenario_values(keys, values, ["y", "k", "f"], 3, 2019, 2.0, {"y": 1})
    with pytest.raises(MethodInputError, match="factor"):
        sc.scenario_values(keys, values, ["y", "k", "f"], 1, 2019, 0.0, {"y": 1})
    with pytest.raises(MethodInputError, match=r"\['z'\]"):
        sc.scenario_values(keys, values, ["y", "k", "f"], 1, 2019, 2.0, {"z": 1})


def _multiverse_frame(d_by_spec):
    """A cluster_multiverse-like frame: spec 0 is the main specification; d_by_spec maps spec
    -> {cluster: (D first year, D last year)}."""
    from cityclusters.analysis import coordination_index

    rows = []
    for spec, clusters in d_by_spec.items():
        choice = coordination_index.MAIN.__dict__ if spec == 0 else {**coordination_index.MAIN.__dict__,
                                                                     "scaling": f"other{spec}"}
        for cluster, (d0, d1) in clusters.items():
            for year, d in ((2015, d0), (2019, d1)):
                rows.append({"spec": spec, **choice, "corr_D_T": 0.5, "cluster_id": cluster, "year": year, "D": d})
    return pd.DataFrame(rows)


def test_d_direction_support_counts_specifications_with_the_main_direction():
    frame = _multiverse_frame({0: {"chengyu": (0.5, 0.6), "yrd26": (0.7, 0.6)},
                               1: {"chengyu": (0.4, 0.5), "yrd26": (0.7, 0.7)},
                               2: {"chengyu": (0.4, 0.3), "yrd26": (0.8, 0.7)},
                               3: {"chengyu": (0.4, np.nan), "yrd26": (0.8, 0.6)}})
    base = sc.CoordinationBaseline(pd.DataFrame(), 2015, 2019)
    table, values = sc.d_direction_support(frame, base, ["chengyu", "yrd26"])
    rows = table.set_index("cluster_id")
    # chengyu: up in the main spec and spec 1, down in 2, spec 3 cannot tell (left out)
    assert rows.at["chengyu", "word"] == "up" and rows.at["chengyu", "share"] == pytest.approx(2 / 3)
    assert rows.at["chengyu", "n_specs"] == 3
    # yrd26: down in 0, 2, 3; unchanged in 1
    assert rows.at["yrd26", "word"] == "down" and rows.at["yrd26", "share"] == pytest.approx(3 / 4)
    assert values["sc_d_text"] == ("Chengdu–Chongqing up (the same in 67% of 3 specifications); "
                                   "Yangtze River Delta (26) down (the same in 75% of 4 specifications)")
    assert values["sc_d_share_min"] == pytest.approx(2 / 3)
    with pytest.raises(MethodInputError, match="'qianzhong'"):
        sc.d_direction_support(frame, base, ["qianzhong"])
    _, none = sc.d_direction_support(frame, sc.CoordinationBaseline(pd.DataFrame(), 2021, 2020), ["chengyu"])
    assert none["sc_d_text"].startswith("not available")


@requires_mirror
def test_chapter_d_is_the_yardstick_d():
    from cityclusters.analysis import coordination_index

    base = sc.coordination_baseline(["chengyu", "yrd26"], 2015, 2023)
    assert (base.first_year, base.last_year) == (2015, coordination_index.LAST_YEAR)
    expected = coordination_index.cluster_means(coordination_index.panel_index(), base.members)
    shown = sc.shown_d(base, ["chengyu", "yrd26"]).merge(expected, on=["cluster_id", "year"],
                                                         suffixes=("", "_index"))
    assert len(shown) == 4 and sorted(shown["year"].unique()) == [2015, 2019]
    assert np.array_equal(shown["D"].to_numpy(), shown["D_index"].to_numpy())
    # the main specification of the multiverse is the same D, so the scorecard's word is its word
    table, _ = sc.d_direction_support(coordination_index.cluster_multiverse(), base, ["chengyu", "yrd26"])
    for row in table.itertuples():
        d = expected.set_index(["cluster_id", "year"])["D"]
        assert row.word == sc.direction_word(d[(row.cluster_id, 2015)], d[(row.cluster_id, 2019)],
                                             sc.DIRECTION_TOLERANCE)
        assert 0 < row.share <= 1 and row.n_specs > 1000


@requires_mirror
def test_rescore_with_gdp_baseline_is_the_yardstick():
    from cityclusters.analysis import coordination_index

    index = coordination_index.panel_index()
    parts, row = sc.rescore_with_gdp(500100, 2019, 1.0)
    assert parts["keys"].iloc[row].tolist() == [500100, 2019]
    assert np.array_equal(parts["degree"], index["D"].to_numpy(), equal_nan=True)
    raised, row = sc.rescore_with_gdp(500100, 2019, 1.5)
    others = np.arange(len(index)) != row
    assert raised["degree"][row] != parts["degree"][row]
    # one changed city-year out of thousands barely moves anyone else's D (bounds and weights)
    assert np.nanmax(np.abs(raised["degree"][others] - parts["degree"][others])) < 1e-3


@requires_mirror
def test_gap_coordination_effect_on_the_yardstick():
    from cityclusters.analysis import coordination_index
    from cityclusters.data.tables import cluster_city_year

    panel = cluster_city_year(["chengyu"], 2019, 2019)
    base = sc.coordination_baseline(["chengyu"], 2019, 2019)
    # closure 0: the factor is 1, so the re-scored panel is the yardstick itself
    _, cases, _, _ = sc.gap_scenarios(panel, ["chengyu"], 0.0, str)
    values, observed = sc.gap_coordination_effect(panel, cases, base, 2019, 0.0, str)
    assert values["s2_d_max_city"] == 0.0 and values["s2_d_max_cluster"] == 0.0
    index = coordination_index.panel_index().set_index(["city_code", "year"])["D"]
    cluster = coordination_index.cluster_means(coordination_index.panel_index(), base.members)
    lag = cases[0]["chosen"][0]
    assert observed["unit"].tolist() == [lag, "chengyu"] and observed["year"].tolist() == [2019, 2019]
    assert observed["D"].iloc[0] == index[(lag, 2019)]
    assert observed["D"].iloc[1] == cluster.set_index(["cluster_id", "year"]).at[("chengyu", 2019), "D"]
    # closure 1: the lagging core reaches the other core's GDP per head; its D moves, labelled as a scenario
    _, cases, _, _ = sc.gap_scenarios(panel, ["chengyu"], 1.0, str)
    values, observed_full = sc.gap_coordination_effect(panel, cases, base, 2023, 1.0, str)
    assert values["s2_d_year"] == 2019 and observed_full.equals(observed)
    assert values["s2_d_max_city"] > 0 and values["s2_d_max_city"] > values["s2_d_max_cluster"]
    assert "observed D" in values["s2_d_text"] and "scenario" in values["s2_d_text"]
    assert values["s2_gdp_rule"] == "Real GDP p.c. × f; CO2 intensity ÷ f; FDI/GDP ÷ f; Loans/GDP ÷ f"
    assert values["s2_u_text"].count("industry +") == 1 and "market -" in values["s2_u_text"]


def test_trip_scenario_scales_observed_trips_by_the_time_cut(monkeypatch):
    """Three cities, β fixed at −1.5: halving the 1–2 time multiplies that pair's trips by
    0.5^−1.5 = 2.828; total trips (10 + 4 + 6 = 20) become 10·2.828 + 4 + 6."""
    from cityclusters.analysis import flows

    monkeypatch.setattr(flows, "time_elasticity", lambda pairs, times, codes: {
        "beta": -1.5, "ci_low": -2.0, "ci_high": -1.0, "se": 0.25, "n_obs": 6, "n_unlisted": 0, "n_cities": 3})
    monkeypatch.setattr(sc.config, "CORE_CITIES", {"x": (1,)})
    monkeypatch.setattr(sc.config, "cluster_names", lambda clusters: {c: c for c in clusters})
    pairs = pd.DataFrame({"origin": [1, 2, 1, 2], "destination": [2, 1, 3, 3], "volume": [6.0, 4.0, 4.0, 6.0]})
    members = pd.DataFrame({"cluster_id": "x", "city_code": [1, 2, 3]})
    base = pd.DataFrame([[0, 2, 3], [2, 0, 2], [3, 2, 0]], index=[1, 2, 3], columns=[1, 2, 3], dtype=float)
    faster = base.copy()
    faster.loc[1, 2] = faster.loc[2, 1] = 1.0
    table, values = sc.trip_scenario(pairs, members, base, {"line": faster}, {"line": "new line"}, ["x"])
    row = table.iloc[1]
    assert row["trips Δ"] == pytest.approx((10 * 2 ** 1.5 + 10) / 20 - 1)
    assert row["trips Δ low"] == pytest.approx((10 * 2 ** 1.0 + 10) / 20 - 1)
    assert row["trips Δ high"] == pytest.approx((10 * 2 ** 2.0 + 10) / 20 - 1)
    # city 1's endpoints: (10 + 4) of 2 × 20 before; (28.28 + 4) of 2 × 38.28 after
    assert table.iloc[0]["cores' share"] == pytest.approx(14 / 40)
    assert row["cores' share"] == pytest.approx((10 * 2 ** 1.5 + 4) / (2 * (10 * 2 ** 1.5 + 10)))
    assert values["s1_trip_beta_low"] == values["s1_trip_beta_high"] == -1.5
    assert "x: trips inside the cluster +91.4%" in values["s1_trip_sentences"]
