"""Chapter 4 assembly: second-tier ratios, middle dips, corridors and cluster-year tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cityclusters.analysis import hierarchy as us
from cityclusters.errors import MethodInputError, SourceFormatError
from tests.conftest import requires_mirror


def sizes(values) -> pd.Series:
    return pd.Series(values, index=[f"c{i}" for i in range(len(values))], dtype=float)


# ----------------------------------------------------------------------------- second tier
def test_zipf_ratios_hand_computed():
    # ranked 100, 50, 30, 20, 10: z2 = 2·50/100 = 1, z3 = 3·30/100 = 0.9, z4 = 0.8, z5 = 0.5
    z = us.zipf_ratios(sizes([20, 100, 10, 50, 30]))
    assert z.to_dict() == pytest.approx({"z2": 1.0, "z3": 0.9, "z4": 0.8, "z5": 0.5})


def test_zipf_ratios_exact_rule_is_one_and_short_cluster_gives_nan():
    z = us.zipf_ratios(sizes(600 / np.arange(1, 7)))
    assert z.to_numpy() == pytest.approx(np.ones(4))
    short = us.zipf_ratios(sizes([90, 30, 20]))
    assert short["z3"] == pytest.approx(3 * 20 / 90)
    assert np.isnan(short["z4"]) and np.isnan(short["z5"])


@pytest.mark.parametrize("bad, kwargs, match", [
    ([100.0], {}, "at least 2"),
    ([100.0, np.nan, 3.0], {}, "missing"),
    ([100.0, 50.0], {"ranks": (1, 2)}, "at least 2"),
])
def test_zipf_ratios_refuses_bad_input(bad, kwargs, match):
    with pytest.raises(MethodInputError, match=match):
        us.zipf_ratios(sizes(bad), **kwargs)


def test_count_secondary_hand_computed():
    # largest 100; 25 % threshold = 25: 50 and 30 count, 20 and 10 do not
    assert us.count_secondary(sizes([100, 50, 30, 20, 10]), 0.25) == 2
    assert us.count_secondary(sizes([100, 50, 30, 20, 10]), 0.5) == 1
    with pytest.raises(MethodInputError, match="share"):
        us.count_secondary(sizes([100, 50]), 0)


# ----------------------------------------------------------------------------- dips
def test_middle_dip_hand_computed():
    # ends 10 and 20 (mean 15), interior 5 and 10 (mean 7.5): dip 0.5
    assert us.middle_dip([10, 5, 10, 20]) == pytest.approx(0.5)
    assert us.middle_dip([4, 4, 4]) == pytest.approx(1.0)


@pytest.mark.parametrize("bad, match", [([1.0, 2.0], "at least 3"), ([1.0, np.nan, 2.0], "missing"),
                                        ([1.0, 0.0, 2.0], "zero or negative")])
def test_middle_dip_refuses_bad_input(bad, match):
    with pytest.raises(MethodInputError, match=match):
        us.middle_dip(bad)


def small_panel():
    rows = []
    for code, name, order_value in [(1, "甲市", 10.0), (2, "乙市", 5.0), (3, "丙市", 10.0), (4, "丁市", 20.0)]:
        rows.append({"city_code": code, "name_zh": name, "name_pinyin": name, "year": 2019,
                     "gdp_per_capita": order_value})
    return pd.DataFrame(rows)


def small_corridors(codes=(1, 2, 3, 4)):
    return pd.DataFrame({"corridor_id": "x", "order": range(1, len(codes) + 1), "city_code": list(codes),
                         "city_zh": [f"c{c}" for c in codes]})


def test_corridor_profile_and_dips_hand_computed():
    profile = us.corridor_profile(small_panel(), small_corridors(), years=[2019])
    assert list(profile["position"]) == ["end", "interior", "interior", "end"]
    # ends 10 and 20: mean 15
    assert profile["relative_to_ends"].to_numpy() == pytest.approx([10 / 15, 5 / 15, 10 / 15, 20 / 15])
    dips = us.corridor_dips(profile)
    assert dips.loc[0, "dip"] == pytest.approx(0.5)
    assert dips.loc[0, "missing"] == ""


def test_corridor_dip_is_nan_when_a_city_has_no_value_and_says_which():
    panel = small_panel()
    panel.loc[1, "gdp_per_capita"] = np.nan
    dips = us.corridor_dips(us.corridor_profile(panel, small_corridors(), years=[2019]))
    assert np.isnan(dips.loc[0, "dip"]) and dips.loc[0, "missing"] == "乙市"


def test_corridor_profile_names_a_city_missing_from_the_panel():
    with pytest.raises(ValueError, match="corridor 'x': city c9"):
        us.corridor_profile(small_panel(), small_corridors((1, 2, 9)))


# ----------------------------------------------------------------------------- corridors file
GOOD = ("corridor_id,corridor_zh,corridor_en,cluster_id,order,city_code,city_zh,source,source_url,note\n"
        "a,甲线,Line A,chengyu,1,510100,成都市,src,http://x,\n"
        "a,甲线,Line A,chengyu,2,512000,资阳市,src,http://x,\n"
        "a,甲线,Line A,chengyu,3,500100,重庆市,src,http://x,\n")


def test_read_corridors_reads_a_good_file(tmp_path):
    path = tmp_path / "corridors.csv"
    path.write_text(GOOD, encoding="utf-8")
    table = us.read_corridors(path)
    assert list(table["order"]) == [1, 2, 3] and table["city_code"].dtype.kind == "i"


@pytest.mark.parametrize("edit, match", [
    (lambda t: t.replace(",2,512000", ",5,512000"), "orders"),
    (lambda t: t.replace("512000", "51200x"), "column 'city_code'.*row 3"),
    (lambda t: t.replace(",src,http://x,\na,甲线,Line A,chengyu,2", ",,http://x,\na,甲线,Line A,chengyu,2"), "empty 'source' at row 2"),
    (lambda t: t.replace("512000,资阳市", "510100,成都市"), "twice"),
    (lambda t: "\n".join(t.splitlines()[:3]) + "\n", "a corridor needs two ends"),
    (lambda t: t.replace("city_code", "code"), "missing column"),
])
def test_read_corridors_errors_name_row_and_column(tmp_path, edit, match):
    path = tmp_path / "corridors.csv"
    path.write_text(edit(GOOD), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=match):
        us.read_corridors(path)


def test_the_typed_corridors_file_is_valid():
    table = us.read_corridors()
    assert {"chengyu_south", "chengyu_north", "huning"} <= set(table["corridor_id"])
    assert (table["source"].str.len() > 0).all()


# ----------------------------------------------------------------------------- cluster-years
def cluster_panel():
    rows = []
    for cluster, values in {"a": [100, 50, 30, 20, 10], "b": [40, 20, np.nan, 10]}.items():
        for i, v in enumerate(values):
            rows.append({"cluster_id": cluster, "city_code": i + 1, "name_zh": f"{cluster}{i}",
                         "name_pinyin": f"{cluster}{i}", "year": 2020, "population": v,
                         "population_interpolated": i == 1, "gdp": 2.0 * (v if v == v else 1.0)})
    return pd.DataFrame(rows)


def test_hierarchy_table_hand_computed():
    table = us.hierarchy_table(cluster_panel(), "population", secondary_share=0.25).set_index("cluster_id")
    a = table.loc["a"]
    assert a["s2"] == pytest.approx(2.0) and a["s4"] == pytest.approx(1.0) and np.isnan(a["s11"])
    assert a["top_share"] == pytest.approx(100 / 210)
    assert a["second_tier"] == pytest.approx((0.9 + 0.8 + 0.5) / 3)
    assert a["n_secondary"] == 2 and a["primate_zh"] == "a0"
    assert a["q_low"] < a["q"] < a["q_high"] and a["q_gi"] == pytest.approx(1 / a["zeta"])
    b = table.loc["b"]
    assert b["n_cities"] == 3 and b["n_missing"] == 1  # the gap is counted, not hidden
    assert b["s2"] == pytest.approx(2.0) and np.isnan(b["s4"])


def test_hierarchy_table_notes_a_cluster_with_too_few_cities():
    panel = cluster_panel()
    panel.loc[panel["cluster_id"].eq("b") & panel["city_code"].eq(1), "population"] = np.nan
    row = us.hierarchy_table(panel, "population").set_index("cluster_id").loc["b"]
    assert "only 2 cities" in row["note"] and np.isnan(row["q"])


def test_size_coverage_lists_missing_cities():
    cov = us.size_coverage(cluster_panel(), "population").set_index("cluster_id")
    assert cov.at["b", "missing"] == 1 and cov.at["b", "missing_cities"] == "b2"
    assert cov.at["a", "interpolated"] == 1


def test_ranked_sizes_ranks_from_one():
    ranked = us.ranked_sizes(cluster_panel(), "gdp", [2020])
    a = ranked[ranked["cluster_id"] == "a"]
    assert list(a["rank"]) == [1, 2, 3, 4, 5] and list(a["size"]) == [200, 100, 60, 40, 20]


def test_bad_size_measure_is_refused_with_the_valid_ids():
    with pytest.raises(ValueError, match="population"):
        us.size_column("area")
    with pytest.raises(ValueError, match="missing column"):
        us.hierarchy_table(cluster_panel().drop(columns="gdp"), "gdp")


# ----------------------------------------------------------------------------- chapter rerun
@pytest.mark.slow
@requires_mirror
def test_chapter_04_reruns_with_other_parameters(tmp_path):
    from cityclusters.publishing.runner import glued_values, run_chapter

    output = run_chapter("04_urban_hierarchy", tmp_path / "04.ipynb",
                         {"CLUSTERS": ["yrd26", "jingjinji"], "FIRST_YEAR": 2010, "LAST_YEAR": 2019,
                          "SIZE_MEASURE": "gdp", "CORRIDORS": ["huning", "chengyu_south"]},
                         render_figures=False)
    values = glued_values(output)
    assert values["h_first"] == "2010" and values["h_last"] == "2019"
    assert values["h_measure"] == "'GDP'" and values["h_n_clusters"] == "2"
    assert values["h_n_corridors"] == "2"
    assert values["h_thin_cluster"] in ("'Yangtze River Delta (26)'", "'Beijing–Tianjin–Hebei'")
    assert values["verdict__p004_wuhan_primacy"].strip("'\"").startswith(
        ("supported", "partly supported", "not supported"))


# ----------------------------------------------------------------------------- chapter 4 verdicts and values
def test_wuhan_primacy_verdict_each_branch():
    v = us.wuhan_primacy_verdict({"gdp": 2.1, "population": 1.5}, {"gdp": 3.0, "population": 2.5},
                                 "长沙", 2, 5, 2020)
    assert v.verdict.startswith("partly supported: high primacy in the cluster")
    assert v.evidence.startswith("2020: S2 of Wuhan in the Middle Yangtze cluster 2.10 (GDP; second 长沙) and 1.50")
    assert "rank 2 of 5 planned clusters" in v.evidence
    v = us.wuhan_primacy_verdict({"gdp": 1.1, "population": 1.5}, {"gdp": 1.9, "population": 2.0}, "长沙", 3, 5, 2020)
    assert v.verdict.startswith("partly supported: Wuhan dominates Hubei but not the three-province cluster")
    v = us.wuhan_primacy_verdict({"gdp": 1.1, "population": 1.5}, {"gdp": 1.9, "population": 1.2}, "长沙", 3, 5, 2020)
    assert v.category == "not supported"


def test_middle_collapse_verdict_each_branch():
    dips = {"chengyu_south": 0.5, "chengyu_north": 0.6, "huning": 0.9, "wuguang": 0.7}
    v = us.middle_collapse_verdict(dips, 2019)
    assert v.verdict == "supported"
    assert v.evidence == ("2019 GDP per capita, interior cities / mean of the two ends: Chengdu–Ziyang–Neijiang–"
                          "Chongqing 0.50, Chengdu–Suining–Chongqing 0.60; Shanghai–Nanjing 0.90; Wuhan–Changsha 0.70")
    v = us.middle_collapse_verdict({**dips, "huning": 0.7}, 2019)  # the YRD corridor dips too
    assert v.category == "partly supported"
    v = us.middle_collapse_verdict({**dips, "chengyu_north": 0.8}, 2019)
    assert v.category == "partly supported"
    v = us.middle_collapse_verdict({**dips, "chengyu_south": 0.75, "chengyu_north": 0.8}, 2019)
    assert v.verdict == "not supported"  # 0.75 is not below the threshold


def test_secondary_centres_verdict_each_branch():
    idx = ["chengyugui", "chengyu", "qianzhong", "yrd26"]
    q = {"gdp": pd.Series({"q": 1.2, "q_low": 0.9, "q_high": 1.5})}

    def tier(values):
        return {"gdp": pd.Series(values, index=idx), "population": pd.Series(values, index=idx)}

    v = us.secondary_centres_verdict(tier([0.5, 0.6, 0.8, 0.9]), q, 2019)
    assert v.verdict == "supported"
    assert "other planned clusters ≥ 0.80; OLS q by GDP 1.20 [0.90, 1.50]" in v.evidence
    v = us.secondary_centres_verdict(tier([0.5, 0.6, 0.4, 0.9]), q, 2019)
    assert v.verdict.startswith("partly supported: the second tier is thin but not the thinnest")
    v = us.secondary_centres_verdict(tier([0.5, 1.1, 0.8, 0.9]), q, 2019)
    assert v.verdict == "not supported"


def _hier(rows):
    """rows: (cluster, year, s2, primate_zh, second_zh, q, q_low, q_high, q_gi, second_tier)."""
    return pd.DataFrame([{"cluster_id": c, "year": y, "s2": s2, "s4": 1.0, "primate_zh": p, "second_zh": s,
                          "q": q, "q_low": lo, "q_high": hi, "q_gi": gi, "q_gi_low": gi - 0.2,
                          "q_gi_high": np.inf if gi > 1.5 else gi + 0.2, "n_cities": 10, "z2": 0.5,
                          "second_tier": t, "n_secondary": 1, "top_share": 0.3}
                         for c, y, s2, p, s, q, lo, hi, gi, t in rows])


def test_primacy_rank_size_and_second_tier_values():
    table = _hier([("chengyu", 2000, 1.5, "重庆", "成都", 1.0, 0.8, 1.2, 1.1, 0.6),
                   ("chengyu", 2020, 1.2, "成都", "重庆", 1.1, 0.9, 1.3, 1.0, 0.7),
                   ("jingjinji", 2000, 2.5, "北京", "天津", 1.4, 1.2, 1.6, 1.6, 1.2),
                   ("jingjinji", 2020, 2.6, "北京", "天津", 1.3, 1.1, 1.9, 1.7, 1.3)])
    p = us.primacy_values(table, ["chengyu", "jingjinji"], 2000, 2020)
    assert p["h_s2_top_cluster"] == "Beijing–Tianjin–Hebei" and p["h_s2_top_city"] == "北京 over 天津"
    assert p["h_n_s2_above2"] == 1 and p["h_n_s2_fell"] == 1
    assert p["h_primate_changes"] == "Chengdu–Chongqing"
    assert us.primacy_values(table[table["cluster_id"] == "jingjinji"], ["jingjinji"], 2000, 2020)[
        "h_primate_changes"] == "none of them"
    r = us.rank_size_values(table, ["chengyu", "jingjinji"], 2020)
    assert r["h_q_steep_cluster"] == "Beijing–Tianjin–Hebei" and r["h_n_ci_covers_1"] == 1
    assert r["h_widest"] == pytest.approx(0.8) and r["h_narrowest"] == pytest.approx(0.4)
    assert r["h_max_gap"] == pytest.approx(0.4) and r["h_n_q_below1"] == 0
    values, tiers = us.second_tier_report(table, ["chengyu", "jingjinji"], 2020, 0.25)
    assert values["h_thin_cluster"] == "Chengdu–Chongqing" and values["h_n_thin"] == 1
    assert list(tiers.columns)[-1] == "cities ≥ 25% of largest"
    assert "1 of the 2 clusters reaches" not in p["h_primacy_text"]
    assert "1 of the 2 clusters reach the rank–size value S2 = 2, and S2 fell" in p["h_primacy_text"]
    assert "neither cluster has q < 1" in r["h_rank_size_text"]
    from cityclusters.publishing.prose_check import paragraph_problems
    steady = table.copy()
    steady.loc[steady["cluster_id"] == "chengyu", "primate_zh"] = "成都"
    steady_text = us.primacy_values(steady, ["chengyu", "jingjinji"], 2000, 2020)["h_primacy_text"]
    assert steady_text.endswith("The largest city did not change in any cluster.")
    assert not paragraph_problems(steady_text), steady_text
    for text in (p["h_primacy_text"], r["h_rank_size_text"], values["h_thick_sentence"]):
        assert not paragraph_problems(text), text
    assert values["h_thick_sentence"].endswith("1 of the 2 clusters have a second tier below the rule.")
    one = table[table["cluster_id"] == "jingjinji"]
    p1 = us.primacy_values(one, ["jingjinji"], 2000, 2020)["h_primacy_text"]
    assert p1.startswith("the one cluster chosen, Beijing–Tianjin–Hebei, has S2 = 2.60")
    assert "Its largest city did not change." in p1
    r1 = us.rank_size_values(one, ["jingjinji"], 2020)["h_rank_size_text"]
    v1, _ = us.second_tier_report(one, ["jingjinji"], 2020, 0.25)
    for text in (p1, r1, v1["h_thick_sentence"], v1["h_thin_nsec_text"]):
        assert "1 of the 1" not in text and "0 of" not in text and " 1 clusters" not in text
    summary = us.hierarchy_summary_table({"population": table}, ["jingjinji"], 2000, 2020)
    assert summary.loc[0, "S2"] == "2.50 → 2.60"
    assert summary.loc[0, "1/ζ 2020 [95% CI]"] == "1.70 [1.50, ∞]"


def test_claim_years_are_clipped_to_the_window():
    assert us.claim_years(2000, 2023) == (2019, 2020)
    assert us.claim_years(2000, 2018) == (2018, 2018)


def test_check_parameters_refuses_unknown_corridor_and_bad_share():
    corridors = pd.DataFrame({"corridor_id": ["a", "b"]})
    us.check_parameters(["a"], corridors, 0.25)
    with pytest.raises(ValueError, match="unknown: \\['c'\\]"):
        us.check_parameters(["a", "c"], corridors, 0.25)
    with pytest.raises(ValueError, match="SECONDARY_SHARE"):
        us.check_parameters(["a"], corridors, 1.5)
    with pytest.raises(ValueError, match="SECONDARY_SHARE"):
        us.check_parameters(["a"], corridors, True)
